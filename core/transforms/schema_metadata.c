/* SetSchemaMetadata: sets the name, the version or both of the key's or
 * the value's schema. The value keeps its payload; the schema is a copy
 * with the new name and version, made once per input schema. */
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "tx_struct.h"

typedef struct ssm_cfg {
	char *name;
	int64_t version;
	bool replace_null;
} ssm_cfg_t;

static const sl_option_t ssm_options[] = {
	{.name = "schema.name",
	 .type = SL_OPT_STRING,
	 .doc = "Schema name to set.",
	 SL_OPT_AT(ssm_cfg_t, name)},
	{.name = "schema.version",
	 .type = SL_OPT_INT,
	 .doc = "Schema version to set.",
	 SL_OPT_MIN(-2147483648.0),
	 SL_OPT_MAX(2147483647.0),
	 SL_OPT_AT(ssm_cfg_t, version)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether to replace fields that have a default value and that are null to the "
		"default value. When set to true, the default value is used, otherwise null is "
		"used.",
	 SL_OPT_AT(ssm_cfg_t, replace_null)},
	SL_OPT_END,
};

typedef struct ssm {
	ssm_cfg_t cfg;
	bool has_version;
	sl_tx_part_t part;
	sl_txs_cache_t cache; /* input schema -> renamed schema */
} ssm_t;

static void ssm_destroy(void *state)
{
	ssm_t *s = state;
	if (!s)
		return;
	sl_txs_cache_free(&s->cache);
	sl_options_free(ssm_options, &s->cfg);
	free(s);
}

static void *ssm_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	ssm_t *s = sl_calloc(1, sizeof(*s));
	s->part = part;
	if (sl_options_load(ssm_options, cfg, &s->cfg, errs))
		goto fail;
	s->has_version = sl_config_get(cfg, "schema.version") != NULL;
	if (!s->cfg.name && !s->has_version) {
		sl_errlist_addf(errs, "schema.name: neither schema name nor version configured");
		goto fail;
	}
	return s;
fail:
	ssm_destroy(s);
	return NULL;
}

/* The keys of a schema in the order JsonConverter writes them. */
/* JsonConverter.asJsonSchema's order: the default after the parameters. */
static const char *const schema_key_order[] = {"type",   "fields",     "items",  "keys",
					       "values", "optional",   "name",   "version",
					       "doc",    "parameters", "default"};

static bool is_ordered_key(const char *key)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(schema_key_order); i++)
		if (!strcmp(key, schema_key_order[i]))
			return true;
	return false;
}

/* A copy of in with the configured name and version, keys in
 * JsonConverter's order (an sl_txs_derive_fn). */
static json_t *renamed_schema(void *state, const json_t *in, char *err, size_t err_size)
{
	const ssm_t *s = state;
	(void)err;
	(void)err_size;
	json_t *out = json_object();
	for (size_t i = 0; i < SL_ARRAY_LEN(schema_key_order); i++) {
		const char *key = schema_key_order[i];
		json_t *v = json_object_get(in, key);
		if (!strcmp(key, "name") && s->cfg.name)
			json_object_set_new(out, key, json_string(s->cfg.name));
		else if (!strcmp(key, "version") && s->has_version)
			json_object_set_new(out, key, json_integer(s->cfg.version));
		else if (v)
			json_object_set(out, key, v);
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)in, key, v) {
		if (!is_ordered_key(key))
			json_object_set(out, key, v);
	}
	return out;
}

/* A struct payload with its null fields set to their schema's default
 * (Struct.get): the same tree (a new reference) when none is. */
static json_t *with_defaults(const json_t *schema, json_t *payload)
{
	json_t *copy = NULL;
	const json_t *fields = json_object_get(schema, "fields");
	size_t i;
	const json_t *f;
	json_array_foreach(fields, i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *def = json_object_get(f, "default");
		json_t *v = name ? json_object_get(payload, name) : NULL;
		if (!name || !def || json_is_null(def) || (v && !json_is_null(v)))
			continue;
		if (!copy)
			copy = json_copy(payload);
		json_object_set(copy, name, def);
	}
	return copy ? copy : json_incref(payload);
}

/* Kafka's SetSchemaMetadata: a null without a schema (a tombstone) goes
 * through; another value without a schema is refused; a schema other than
 * a struct fails where Kafka's copy lists its fields. STRING / BYTES values
 * have schema string / bytes. */
static sl_tx_result_t ssm_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				size_t err_size)
{
	ssm_t *s = state;
	sl_value_t *v = sl_txs_operand(r, s->part);
	bool is_null = sl_txs_is_null(v);
	json_t *schema = v->kind == SL_VALUE_JSON ? v->schema : NULL;
	(void)cx;
	if (sl_txs_schemaless(v)) {
		if (is_null)
			return SL_TX_KEEP;
		sl_seterr(err, err_size, "Schema required for [updating schema metadata]");
		return SL_TX_ERROR;
	}
	if (!sl_txs_is_struct(schema)) {
		sl_seterr(err, err_size, "Cannot list fields on non-struct type");
		return SL_TX_ERROR;
	}
	json_t *out_schema = json_incref(
		sl_txs_cache_derive(&s->cache, schema, renamed_schema, s, err, err_size));
	json_t *payload = !is_null && s->cfg.replace_null ? with_defaults(schema, v->json)
							  : json_incref(v->json);
	sl_value_set_json(v, payload, out_schema);
	return SL_TX_KEEP;
}

static const char *const ssm_classes[] = {"org.apache.kafka.connect.transforms.SetSchemaMetadata",
					  NULL};

const sl_transform_def_t sl_tx_set_schema_metadata = {
	.name = "SetSchemaMetadata",
	.classes = ssm_classes,
	.variants = true,
	.options = ssm_options,
	.doc = "Set the schema name, version or both on the record's key ($Key) or value ($Value) "
	       "struct schema. A key or value without a schema is an error, unless it is null.",
	.create = ssm_create,
	.apply = ssm_apply,
	.destroy = ssm_destroy,
};
