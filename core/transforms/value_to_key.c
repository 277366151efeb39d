/* ValueToKey: the record key becomes a struct (or, schemaless, a map) of
 * some of the value's fields, as Kafka Connect's
 * org.apache.kafka.connect.transforms.ValueToKey does. The key schema
 * depends only on the value schema: it is built once per value schema
 * object and kept in a small cache. */
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "sluice/util.h"
#include "tx_struct.h"

#define VK_PURPOSE "copying fields from value to key"

typedef struct vk_conf {
	char **fields;
	bool replace_null;
} vk_conf_t;

typedef struct vk_state {
	vk_conf_t conf;
	sl_txs_cache_t cache; /* value schema -> key schema */
} vk_state_t;

static const sl_option_t vk_options[] = {
	{.name = "fields",
	 .type = SL_OPT_LIST,
	 .required = true,
	 .doc = "Field names on the record value to extract as the record key (at least one).",
	 SL_OPT_AT(vk_conf_t, fields)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether a null field that has a default value in its schema goes into the key "
		"as that default (true) or as null (false).",
	 SL_OPT_AT(vk_conf_t, replace_null)},
	SL_OPT_END,
};

static void vk_destroy(void *p)
{
	vk_state_t *st = p;

	if (!st)
		return;
	sl_txs_cache_free(&st->cache);
	sl_options_free(vk_options, &st->conf);
	free(st);
}

static void *vk_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	vk_state_t *st = sl_calloc(1, sizeof(*st));
	int rc = sl_options_load(vk_options, cfg, &st->conf, errs);

	(void)part; /* ValueToKey has no $Key / $Value variants */
	if (!rc && (!st->conf.fields || !st->conf.fields[0])) {
		sl_errlist_addf(errs, "fields: Empty list");
		rc = -1;
	}
	if (rc) {
		vk_destroy(st);
		return NULL;
	}
	return st;
}

/* Whether the field at f is also named before it in the list. */
static bool named_before(char **list, char **f)
{
	for (char **g = list; g < f; g++)
		if (!strcmp(*g, *f))
			return true;
	return false;
}

/* The key schema: a struct (no name, not optional) of the value schema's
 * entries of the configured fields, in the configured order. NULL with err
 * when one is missing or named twice (SchemaBuilder refuses that). */
static json_t *key_schema(void *state, const json_t *schema, char *err, size_t size)
{
	const vk_state_t *st = state;
	json_t *fields = json_array();

	for (char **f = st->conf.fields; *f; f++) {
		const json_t *entry = sl_txs_field(schema, *f);
		if (!entry || named_before(st->conf.fields, f)) {
			if (!entry)
				sl_seterr(err, size, "Field does not exist: %s", *f);
			else
				sl_seterr(
					err, size,
					"Cannot create field because of field name duplication %s",
					*f);
			json_decref(fields);
			return NULL;
		}
		json_array_append(fields, (json_t *)entry);
	}
	sl_txs_schema_t spec = {.type = "struct", .fields = fields};
	return sl_txs_schema_new(&spec);
}

/* The key schema for value schema, borrowed from the cache; NULL with err
 * when it cannot be built. */
static json_t *output_schema(vk_state_t *st, json_t *schema, char *err, size_t size)
{
	return sl_txs_cache_derive(&st->cache, schema, key_schema, st, err, size);
}

static sl_tx_result_t vk_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	vk_state_t *st = state;
	const sl_value_t *v = &r->value;
	json_t *schema = NULL;

	(void)cx;
	/* requireMap / requireStruct: a tombstone is refused too */
	if (sl_txs_schemaless(v) && !sl_txs_require_map(v, VK_PURPOSE, err, err_size))
		return SL_TX_ERROR;
	if (!sl_txs_schemaless(v) && (!sl_txs_require_struct(v, VK_PURPOSE, err, err_size) ||
				      !(schema = output_schema(st, v->schema, err, err_size))))
		return SL_TX_ERROR;
	json_t *key = json_object();
	for (char **f = st->conf.fields; *f; f++) {
		json_t *x = schema ? sl_txs_field_value(v->json, sl_txs_field(v->schema, *f),
							st->conf.replace_null)
				   : json_object_get(v->json, *f);
		json_object_set(key, *f, x ? x : json_null());
	}
	sl_value_set_json(&r->key, key, json_incref(schema));
	return SL_TX_KEEP;
}

static const char *const vk_classes[] = {"org.apache.kafka.connect.transforms.ValueToKey", NULL};

const sl_transform_def_t sl_tx_value_to_key = {
	.name = "ValueToKey",
	.classes = vk_classes,
	.variants = false,
	.options = vk_options,
	.doc = "Replaces the record key with a new key made of some of the value's fields: a "
	       "struct of those fields with their schemas when the value has a schema, or a map "
	       "of them when it has none (a field the map lacks becomes null). The value must be "
	       "a struct or a map: a tombstone is refused.",
	.create = vk_create,
	.apply = vk_apply,
	.destroy = vk_destroy,
};
