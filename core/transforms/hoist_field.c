/* HoistField: the record key or value becomes a struct (or, schemaless, a
 * map) with one field that holds it, as Kafka Connect's
 * org.apache.kafka.connect.transforms.HoistField does. The struct schema
 * depends only on the input schema: it is built once per input schema
 * object and kept in a small cache. */
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "tx_struct.h"

typedef struct hf_conf {
	char *field;
} hf_conf_t;

/* Fields the new struct has room for before it grows: the one hoisted and
 * a few an InsertField after it adds. */
#define HF_FIELDS_ROOM 4

typedef struct hf_state {
	hf_conf_t conf;
	sl_field_name_t field;
	sl_fields_t *spare; /* a block for the next record's struct */
	sl_tx_part_t part;
	sl_txs_cache_t cache; /* input schema -> the struct schema around it */
	/* The schemas Kafka Connect's StringConverter and ByteArrayConverter
	 * give a string or bytes value (optional string, optional bytes), for
	 * such values that have none here. */
	json_t *string_schema, *bytes_schema;
} hf_state_t;

static const sl_option_t hf_options[] = {
	{.name = "field",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "Field name for the single field that will be created in the resulting struct "
		"or map.",
	 SL_OPT_AT(hf_conf_t, field)},
	SL_OPT_END,
};

static void hf_destroy(void *p)
{
	hf_state_t *st = p;

	if (!st)
		return;
	sl_txs_cache_free(&st->cache);
	sl_field_name_free(&st->field);
	sl_fields_free(st->spare);
	json_decref(st->string_schema);
	json_decref(st->bytes_schema);
	sl_options_free(hf_options, &st->conf);
	free(st);
}

static void *hf_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	hf_state_t *st = sl_calloc(1, sizeof(*st));

	st->part = part;
	st->string_schema = sl_schema_primitive("string", true);
	st->bytes_schema = sl_schema_primitive("bytes", true);
	if (sl_options_load(hf_options, cfg, &st->conf, errs)) {
		hf_destroy(st);
		return NULL;
	}
	sl_field_name_init(&st->field, st->conf.field, strlen(st->conf.field));
	return st;
}

/* The struct schema around schema, as SchemaBuilder.struct().field(name,
 * schema).build() gives it: no name, not optional (borrowed from the
 * cache). */
static json_t *output_schema(hf_state_t *st, json_t *schema)
{
	json_t *out = sl_txs_cache_get(&st->cache, schema);

	if (out)
		return out;
	json_t *fields = json_array();
	json_array_append_new(fields, sl_txs_field_entry(schema, st->conf.field));
	sl_txs_schema_t spec = {.type = "struct", .fields = fields};
	return sl_txs_cache_put(&st->cache, schema, sl_txs_schema_new(&spec));
}

/* The schema Kafka Connect would see for v (borrowed; NULL: none). */
static json_t *schema_of(const hf_state_t *st, const sl_value_t *v)
{
	if (v->schema)
		return v->schema;
	if (v->kind == SL_VALUE_STRING)
		return st->string_schema;
	return v->kind == SL_VALUE_BYTES ? st->bytes_schema : NULL;
}

/* Struct.put's refusal of a null for a field whose schema is required. */
static void required_null(const char *field, const json_t *schema, char *err, size_t size)
{
	char upper[16];

	sl_seterr(err, size, "Invalid value: null used for required field: \"%s\", schema type: %s",
		  field, sl_txs_type_upper(schema, upper, sizeof(upper)));
}

static sl_tx_result_t hf_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	hf_state_t *st = state;
	sl_value_t *v = sl_txs_operand(r, st->part);
	json_t *in = schema_of(st, v), *schema = NULL;

	(void)cx;
	if (in) {
		if (sl_txs_is_null(v) && !json_is_true(json_object_get(in, "optional"))) {
			required_null(st->conf.field, in, err, err_size);
			return SL_TX_ERROR;
		}
		schema = json_incref(output_schema(st, in));
	}
	/* the value moves into the one field as it is: a string stays text
	 * (no JSON tree, no copy) until a converter writes it */
	sl_value_t inner = *v;
	*v = (sl_value_t){0};
	sl_value_set_fields(v, HF_FIELDS_ROOM, schema, &st->spare);
	sl_value_field_append(v, &st->field)->value = inner;
	return SL_TX_KEEP;
}

static const char *const hf_classes[] = {"org.apache.kafka.connect.transforms.HoistField", NULL};

const sl_transform_def_t sl_tx_hoist_field = {
	.name = "HoistField",
	.classes = hf_classes,
	.variants = true,
	.takes_fields = true,
	.options = hf_options,
	.doc = "Wraps the key or value in a struct with one field (field) when it has a schema "
	       "(the struct's only field has the value's schema), or in a map with one entry "
	       "when it has none. A string or bytes value has a schema (as Kafka Connect's "
	       "StringConverter and ByteArrayConverter give one) and becomes a struct; a "
	       "schemaless null becomes a map holding null.",
	.create = hf_create,
	.apply = hf_apply,
	.destroy = hf_destroy,
};
