/* ReplaceField: keeps, drops and renames the fields of a struct or a
 * schemaless map, as Kafka Connect's ReplaceField$Key / $Value. */
#include <string.h>

#include "defs.h"
#include "sluice/mem.h"
#include "tx_struct.h"
#include "tx_util.h"

#define PURPOSE "field replacement"

typedef struct rf_config {
	char **exclude;
	char **include;
	char **renames;
	bool replace_null;
} rf_config_t;

typedef struct replace_field {
	rf_config_t cfg;
	sl_tx_part_t part;
	char **from, **to; /* the renames, in the order given */
	size_t rename_count;
	sl_txs_cache_t cache; /* output struct schema per input schema */
} replace_field_t;

static const sl_option_t rf_options[] = {
	{.name = "exclude",
	 .type = SL_OPT_LIST,
	 .def = "",
	 .doc = "Fields to exclude. This takes precedence over the fields to include.",
	 SL_OPT_AT(rf_config_t, exclude)},
	{.name = "include",
	 .type = SL_OPT_LIST,
	 .def = "",
	 .doc = "Fields to include. If specified, only these fields will be used.",
	 SL_OPT_AT(rf_config_t, include)},
	{.name = "renames",
	 .type = SL_OPT_LIST,
	 .def = "",
	 .doc = "Field rename mappings, as colon-delimited pairs: foo:bar,abc:xyz.",
	 SL_OPT_AT(rf_config_t, renames)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether a null struct field that has a default takes its default (true) or "
		"stays null (false).",
	 SL_OPT_AT(rf_config_t, replace_null)},
	SL_OPT_END,
};

/* Kafka's filter(): not excluded, and included when include is set. */
static bool kept(const replace_field_t *rf, const char *name)
{
	return !sl_txu_in_list(rf->cfg.exclude, name) &&
	       (!rf->cfg.include || !*rf->cfg.include || sl_txu_in_list(rf->cfg.include, name));
}

/* The later of two renames of one field wins, as in Kafka's map. */
static const char *renamed(const replace_field_t *rf, const char *name)
{
	for (size_t i = rf->rename_count; i-- > 0;)
		if (!strcmp(rf->from[i], name))
			return rf->to[i];
	return name;
}

static void rf_destroy(void *state)
{
	replace_field_t *rf = state;

	if (!rf)
		return;
	sl_options_free(rf_options, &rf->cfg);
	for (size_t i = 0; i < rf->rename_count; i++) {
		free(rf->from[i]);
		free(rf->to[i]);
	}
	free(rf->from);
	free(rf->to);
	sl_txs_cache_free(&rf->cache);
	free(rf);
}

/* "old:new" pairs split as Kafka's String.split(":"): exactly two parts,
 * the first may be empty, the second may not. */
static int parse_renames(replace_field_t *rf, sl_errlist_t *errs)
{
	size_t n = 0;
	int bad = 0;

	while (rf->cfg.renames && rf->cfg.renames[n])
		n++;
	rf->from = sl_calloc(n + 1, sizeof(char *));
	rf->to = sl_calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *m = rf->cfg.renames[i], *colon = strchr(m, ':');
		if (!colon || colon[1] == '\0' || strchr(colon + 1, ':')) {
			sl_errlist_addf(errs, "renames: Invalid rename mapping: %s", m);
			bad = -1;
			continue;
		}
		rf->from[rf->rename_count] = sl_strndup(m, (size_t)(colon - m));
		rf->to[rf->rename_count++] = sl_strdup(colon + 1);
	}
	return bad;
}

static void *rf_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	replace_field_t *rf = sl_calloc(1, sizeof(*rf));
	size_t before = errs->count;

	rf->part = part;
	sl_options_load(rf_options, cfg, &rf->cfg, errs);
	parse_renames(rf, errs);
	if (errs->count != before) {
		rf_destroy(rf);
		return NULL;
	}
	return rf;
}

/* Kafka's makeUpdatedSchema: the basics of the input (not its optional
 * flag nor its default), then each kept field under its new name. */
static json_t *updated_schema(void *state, const json_t *in, char *err, size_t err_size)
{
	const replace_field_t *rf = state;
	json_t *fields = json_array();
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(in, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		if (!name || !kept(rf, name))
			continue;
		const char *to = renamed(rf, name);
		if (sl_txs_fields_find(fields, to)) {
			sl_seterr(err, err_size,
				  "Cannot create field because of field name duplication %s", to);
			json_decref(fields);
			return NULL;
		}
		json_array_append_new(fields, sl_txs_field_entry(f, to));
	}
	return sl_txs_schema_new(
		&(sl_txs_schema_t){.type = "struct", .fields = fields, .basics = in});
}

static sl_tx_result_t apply_schemaless(void *state, sl_value_t *v, char *err, size_t err_size)
{
	const replace_field_t *rf = state;
	json_t *out = json_object();
	const char *key;
	json_t *val;

	(void)err;
	(void)err_size;
	json_object_foreach(v->json, key, val) {
		if (kept(rf, key))
			json_object_set(out, renamed(rf, key), val);
	}
	sl_value_set_json(v, out, NULL);
	return SL_TX_KEEP;
}

static sl_tx_result_t apply_struct(void *state, sl_value_t *v, char *err, size_t err_size)
{
	replace_field_t *rf = state;
	json_t *schema =
		sl_txs_cache_derive(&rf->cache, v->schema, updated_schema, rf, err, err_size);
	const json_t *f;
	size_t i;

	if (!schema)
		return SL_TX_ERROR;
	/* as Kafka's applyWithSchema: each kept input field under its new
	 * name, in the order of updated_schema's fields */
	json_t *out = json_object();
	json_array_foreach(json_object_get(v->schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		if (!name || !kept(rf, name))
			continue;
		json_t *val = sl_txs_field_value(v->json, f, rf->cfg.replace_null);
		json_object_set_new(out, renamed(rf, name), val ? json_incref(val) : json_null());
	}
	sl_value_set_json(v, out, json_incref(schema));
	return SL_TX_KEEP;
}

static sl_tx_result_t rf_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	replace_field_t *rf = state;
	sl_value_t *v = sl_txs_operand(r, rf->part);

	(void)cx;
	if (sl_txs_is_null(v))
		return SL_TX_KEEP; /* a tombstone passes, as in Kafka */
	return sl_txs_apply_map_or_struct(v, PURPOSE, rf, apply_schemaless, apply_struct, err,
					  err_size);
}

static const char *const rf_classes[] = {"org.apache.kafka.connect.transforms.ReplaceField", NULL};

const sl_transform_def_t sl_tx_replace_field = {
	.name = "ReplaceField",
	.classes = rf_classes,
	.variants = true,
	.options = rf_options,
	.doc = "Filters or renames the fields of a struct, or of a map when the value has no "
	       "schema: exclude drops fields, include keeps only the fields it names, renames "
	       "gives fields new names. The output struct schema keeps the input's name, "
	       "version, doc and parameters, and is not optional (as in Kafka Connect). A "
	       "null value passes unchanged. The blacklist and whitelist keys, which Apache Kafka "
	       "4.0 removed (and now ignores), are refused as unknown keys.",
	.create = rf_create,
	.apply = rf_apply,
	.destroy = rf_destroy,
};
