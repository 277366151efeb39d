/* Flatten: lifts the fields of nested structs (or nested schemaless maps)
 * to the top level, naming each by its path joined with a delimiter, as
 * Kafka Connect's Flatten$Key / $Value. Arrays are left as they are. */
#include <ctype.h>
#include <string.h>

#include "defs.h"
#include "sluice/buf.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "tx_struct.h"

#define PURPOSE "flattening"

typedef struct fl_config {
	char *delimiter;
} fl_config_t;

typedef struct flatten {
	fl_config_t cfg;
	sl_tx_part_t part;
	sl_buf_t name;        /* the field name being built */
	sl_txs_cache_t cache; /* output struct schema per input schema */
} flatten_t;

static const sl_option_t fl_options[] = {
	{.name = "delimiter",
	 .type = SL_OPT_STRING,
	 .def = ".",
	 .doc = "Delimiter to insert between field names from the input record when generating "
		"field names for the output record.",
	 SL_OPT_AT(fl_config_t, delimiter)},
	SL_OPT_END,
};

static void fl_destroy(void *state)
{
	flatten_t *fl = state;

	if (!fl)
		return;
	sl_options_free(fl_options, &fl->cfg);
	sl_buf_free(&fl->name);
	sl_txs_cache_free(&fl->cache);
	free(fl);
}

static void *fl_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	flatten_t *fl = sl_calloc(1, sizeof(*fl));

	fl->part = part;
	if (sl_options_load(fl_options, cfg, &fl->cfg, errs) != 0) {
		fl_destroy(fl);
		return NULL;
	}
	if (!fl->cfg.delimiter) /* set to nothing: no delimiter */
		fl->cfg.delimiter = sl_strdup("");
	return fl;
}

/* Appends a name to the path in fl->name (a top-level name without the
 * delimiter, as Kafka's fieldName); returns the old length for
 * name_pop. fl->name.data is the NUL-terminated path. */
static size_t name_push(flatten_t *fl, const char *name)
{
	size_t old = fl->name.len;

	if (old)
		sl_buf_append_str(&fl->name, fl->cfg.delimiter);
	sl_buf_append_str(&fl->name, name);
	sl_buf_append(&fl->name, "", 1);
	fl->name.len--;
	return old;
}

static void name_pop(flatten_t *fl, size_t old)
{
	fl->name.len = old;
	sl_buf_append(&fl->name, "", 1);
	fl->name.len--;
}

/* ---- schemaless ---- */

static void flatten_map(flatten_t *fl, const json_t *map, json_t *out)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)map, key, val) {
		size_t old = name_push(fl, key);
		if (json_is_object(val))
			flatten_map(fl, val, out);
		else
			json_object_set(out, fl->name.data, val);
		name_pop(fl, old);
	}
}

/* ---- with a schema ---- */

/* Kafka flattens structs and keeps primitives and arrays; any other type
 * (a map) fails the record. */
static bool is_leaf(const json_t *s)
{
	static const char *const leaves[] = {"int8",   "int16",   "int32",  "int64", "float",
					     "double", "boolean", "string", "bytes", "array"};
	const char *t = sl_schema_type(s);

	for (size_t i = 0; t && i < SL_ARRAY_LEN(leaves); i++)
		if (!strcmp(t, leaves[i]))
			return true;
	return false;
}

/* Kafka's buildUpdatedSchema: each leaf field under its path name,
 * optional when it or any struct above it is, with its own default or the
 * one the default of a struct above gives it. */
static int flatten_schema(flatten_t *fl, const json_t *s, bool optional, const json_t *parent_def,
			  json_t *fields, char *err, size_t err_size)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(s, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		bool opt = optional || json_is_true(json_object_get(f, "optional"));
		json_t *def = json_object_get(f, "default");
		int rc = 0;

		if (!def || json_is_null(def))
			def = parent_def ? json_object_get(parent_def, name) : NULL;
		if (def && json_is_null(def))
			def = NULL;
		size_t old = name_push(fl, name ? name : "");
		if (sl_txs_is_struct(f)) {
			rc = flatten_schema(fl, f, opt, def, fields, err, err_size);
		} else if (!is_leaf(f)) {
			char type[16];
			rc = sl_seterr(err, err_size,
				       "Flatten transformation does not support %s for record with "
				       "schemas (for field %s).",
				       sl_txs_type_upper(f, type, sizeof(type)), fl->name.data);
		} else {
			size_t k;
			const json_t *g;
			json_array_foreach(fields, k, g) {
				if (!strcmp(json_string_value(json_object_get(g, "field")),
					    fl->name.data)) {
					sl_seterr(err, err_size,
						  "Cannot create field because of field name "
						  "duplication %s",
						  fl->name.data);
					rc = -1;
					break;
				}
			}
			if (!rc)
				json_array_append_new(fields,
						      sl_txs_schema_new(&(sl_txs_schema_t){
							      .type = sl_schema_type(f),
							      .nested = f,
							      .optional = opt,
							      .def = def ? json_incref(def) : NULL,
							      .basics = f,
							      .field = fl->name.data}));
		}
		name_pop(fl, old);
		if (rc)
			return rc;
	}
	return 0;
}

static json_t *updated_schema(void *state, const json_t *in, char *err, size_t err_size)
{
	flatten_t *fl = state;
	json_t *fields = json_array();
	const json_t *def = json_object_get(in, "default");

	name_pop(fl, 0);
	if (flatten_schema(fl, in, json_is_true(json_object_get(in, "optional")),
			   json_is_object(def) ? def : NULL, fields, err, err_size) < 0) {
		json_decref(fields);
		return NULL;
	}
	/* Kafka copies the basics only: the flat schema is not optional. */
	return sl_txs_schema_new(
		&(sl_txs_schema_t){.type = "struct", .fields = fields, .basics = in});
}

/* Kafka's buildWithSchema; a null nested struct leaves its fields null. */
static void flatten_struct(flatten_t *fl, const json_t *payload, const json_t *s, json_t *out)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(s, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *val = payload ? sl_txs_field_value(payload, f, true) : NULL;
		size_t old = name_push(fl, name ? name : "");
		if (sl_txs_is_struct(f))
			flatten_struct(fl, json_is_object(val) ? val : NULL, f, out);
		else
			json_object_set_new(out, fl->name.data,
					    val ? json_incref(val) : json_null());
		name_pop(fl, old);
	}
}

/* Kafka's applySchemaless: nested maps flattened. */
static sl_tx_result_t apply_map(void *state, sl_value_t *v, char *err, size_t err_size)
{
	flatten_t *fl = state;
	json_t *out = json_object();

	(void)err;
	(void)err_size;
	name_pop(fl, 0);
	flatten_map(fl, v->json, out);
	sl_value_set_json(v, out, NULL);
	return SL_TX_KEEP;
}

static sl_tx_result_t apply_struct(void *state, sl_value_t *v, char *err, size_t err_size)
{
	flatten_t *fl = state;
	json_t *schema =
		sl_txs_cache_derive(&fl->cache, v->schema, updated_schema, fl, err, err_size);

	if (!schema)
		return SL_TX_ERROR;
	json_t *out = json_object();
	name_pop(fl, 0);
	flatten_struct(fl, v->json, v->schema, out);
	sl_value_set_json(v, out, json_incref(schema));
	return SL_TX_KEEP;
}

static sl_tx_result_t fl_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	flatten_t *fl = state;
	sl_value_t *v = sl_txs_operand(r, fl->part);

	(void)cx;
	if (sl_txs_is_null(v))
		return SL_TX_KEEP; /* a tombstone passes, as in Kafka */
	return sl_txs_apply_map_or_struct(v, PURPOSE, fl, apply_map, apply_struct, err, err_size);
}

static const char *const fl_classes[] = {"org.apache.kafka.connect.transforms.Flatten", NULL};

const sl_transform_def_t sl_tx_flatten = {
	.name = "Flatten",
	.classes = fl_classes,
	.variants = true,
	.options = fl_options,
	.doc = "Flattens nested structs (or nested maps when the value has no schema) into one "
	       "level, naming each field by the field names on its path joined with the "
	       "delimiter (\"address.city\"). Arrays are kept as they are; a map under a "
	       "schema fails the record, as in Kafka Connect. A field is optional when it or a "
	       "struct above it is; defaults come from "
	       "the field or the default of a struct above it. A null value passes unchanged.",
	.create = fl_create,
	.apply = fl_apply,
	.destroy = fl_destroy,
};
