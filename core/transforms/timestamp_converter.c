/* TimestampConverter: converts a timestamp (the whole key or value, or one
 * field of it) between text (a SimpleDateFormat pattern), Unix time (an
 * int64 at a precision) and Kafka Connect's Date, Time and Timestamp.
 * Every conversion goes through milliseconds since the epoch in UTC, as
 * Kafka's goes through java.util.Date. */
#include <stdlib.h>
#include <string.h>

#include "datefmt.h"
#include "defs.h"
#include "sluice/buf.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "tx_struct.h"
#include "tx_util.h"

#define PURPOSE "converting timestamp formats"

typedef enum ts_type {
	TS_STRING = 0,
	TS_UNIX,
	TS_DATE,
	TS_TIME,
	TS_TIMESTAMP,
} ts_type_t;

typedef enum ts_precision {
	PREC_SECONDS = 0,
	PREC_MILLIS,
	PREC_MICROS,
	PREC_NANOS,
} ts_precision_t;

static const char *const target_types[] = {"string", "unix", "Date", "Time", "Timestamp", NULL};
static const char *const precisions[] = {"seconds", "milliseconds", "microseconds", "nanoseconds",
					 NULL};

typedef struct tsc_cfg {
	char *field;
	int type;
	char *format;
	int precision;
	bool replace_null;
} tsc_cfg_t;

static const sl_option_t tsc_options[] = {
	{.name = "field",
	 .type = SL_OPT_STRING,
	 .def = "",
	 .doc = "The field containing the timestamp, or empty if the entire value is a timestamp.",
	 SL_OPT_AT(tsc_cfg_t, field)},
	{.name = "target.type",
	 .type = SL_OPT_ENUM,
	 .required = true,
	 .enums = target_types,
	 .doc = "The desired timestamp representation: string, unix, Date, Time, or Timestamp.",
	 SL_OPT_AT(tsc_cfg_t, type)},
	{.name = "format",
	 .type = SL_OPT_STRING,
	 .def = "",
	 .doc = "A SimpleDateFormat-compatible format for the timestamp (in UTC). Used to generate "
		"the output when target.type=string or used to parse the input if the input is a "
		"string.",
	 SL_OPT_AT(tsc_cfg_t, format)},
	{.name = "unix.precision",
	 .type = SL_OPT_ENUM,
	 .def = "milliseconds",
	 .enums = precisions,
	 .doc = "The desired Unix precision for the timestamp: seconds, milliseconds, "
		"microseconds, or nanoseconds. Used to generate the output when target.type=unix "
		"or used to parse the input if the input is a Long. Conversions lose what is "
		"finer than a millisecond.",
	 SL_OPT_AT(tsc_cfg_t, precision)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether to replace fields that have a default value and that are null to the "
		"default value. When set to true, the default value is used, otherwise null is "
		"used.",
	 SL_OPT_AT(tsc_cfg_t, replace_null)},
	SL_OPT_END,
};

typedef struct tsc {
	tsc_cfg_t cfg;
	sl_tx_part_t part;
	sl_datefmt_t *fmt;                    /* NULL when format is blank */
	json_t *type_schema[2];               /* the target type's schema: [optional] */
	json_t *string_schema, *bytes_schema; /* of STRING / BYTES values */
	sl_txs_cache_t cache;                 /* struct schema -> converted struct schema */
	sl_buf_t text;                        /* reused per record */
} tsc_t;

static void tsc_destroy(void *state)
{
	tsc_t *t = state;
	if (!t)
		return;
	sl_datefmt_free(t->fmt);
	json_decref(t->type_schema[0]);
	json_decref(t->type_schema[1]);
	json_decref(t->string_schema);
	json_decref(t->bytes_schema);
	sl_txs_cache_free(&t->cache);
	sl_buf_free(&t->text);
	sl_options_free(tsc_options, &t->cfg);
	free(t);
}

static json_t *target_schema(ts_type_t type, bool optional)
{
	switch (type) {
	case TS_STRING:
		return sl_schema_primitive("string", optional);
	case TS_UNIX:
		return sl_schema_primitive("int64", optional);
	case TS_DATE:
		return sl_schema_date(optional);
	case TS_TIME:
		return sl_schema_time(optional);
	case TS_TIMESTAMP:
	default:
		return sl_schema_timestamp(optional);
	}
}

static void *tsc_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	tsc_t *t = sl_calloc(1, sizeof(*t));
	char err[256];
	t->part = part;
	if (sl_options_load(tsc_options, cfg, &t->cfg, errs))
		goto fail;
	bool spelt = sl_txu_spelt_exactly(cfg, "target.type", target_types, errs);
	if (!sl_txu_spelt_exactly(cfg, "unix.precision", precisions, errs) || !spelt)
		goto fail;
	if (t->cfg.type == TS_STRING && sl_txu_is_blank(t->cfg.format)) {
		sl_errlist_addf(errs, "format: TimestampConverter requires format option to be "
				      "specified when using string timestamps");
		goto fail;
	}
	if (!sl_txu_is_blank(t->cfg.format)) {
		t->fmt = sl_datefmt_new(t->cfg.format, err, sizeof(err));
		if (!t->fmt) {
			sl_errlist_addf(errs,
					"format: TimestampConverter requires a SimpleDateFormat-"
					"compatible pattern for string timestamps: %s (%s)",
					t->cfg.format, err);
			goto fail;
		}
	}
	t->type_schema[0] = target_schema(t->cfg.type, false);
	t->type_schema[1] = target_schema(t->cfg.type, true);
	t->string_schema = sl_schema_primitive("string", false);
	t->bytes_schema = sl_schema_primitive("bytes", false);
	return t;
fail:
	tsc_destroy(t);
	return NULL;
}

/* ---- one timestamp ---- */

/* Java's ConnectSchema.toString: "Schema{INT32}", "Schema{name:STRUCT}". */
static void schema_text(const json_t *schema, char *buf, size_t size)
{
	const char *name = json_string_value(json_object_get(schema, "name"));
	char upper[16];
	snprintf(buf, size, "Schema{%s%s%s}", name ? name : "", name ? ":" : "",
		 sl_txs_type_upper(schema, upper, sizeof(upper)));
}

/* The input type a schema says (timestampTypeFromSchema); -1 with err. */
static int type_from_schema(const json_t *schema, char *err, size_t err_size)
{
	const char *type = sl_schema_type(schema);
	char text[256];
	if (sl_schema_is(schema, SL_LOGICAL_TIMESTAMP))
		return TS_TIMESTAMP;
	if (sl_schema_is(schema, SL_LOGICAL_DATE))
		return TS_DATE;
	if (sl_schema_is(schema, SL_LOGICAL_TIME))
		return TS_TIME;
	if (type && !strcmp(type, "string"))
		return TS_STRING;
	if (type && !strcmp(type, "int64"))
		return TS_UNIX;
	schema_text(schema, text, sizeof(text));
	sl_seterr(err, err_size, "Schema %s does not correspond to a known timestamp type format",
		  text);
	return -1;
}

/* The input type of a schemaless value (inferTimestampType); -1 with err. */
static int type_inferred(const json_t *j, char *err, size_t err_size)
{
	if (json_is_integer(j))
		return TS_UNIX;
	if (json_is_string(j))
		return TS_STRING;
	sl_seterr(err, err_size,
		  "TimestampConverter does not support class %s objects as timestamps",
		  sl_txs_java_class(j, NULL));
	return -1;
}

/* Java's TimeUnit conversions: truncating division, saturating products. */
static int64_t mul_sat(int64_t v, int64_t by)
{
	if (v > INT64_MAX / by)
		return INT64_MAX;
	if (v < INT64_MIN / by)
		return INT64_MIN;
	return v * by;
}

static int64_t unix_to_ms(int64_t v, ts_precision_t p)
{
	switch (p) {
	case PREC_SECONDS:
		return mul_sat(v, 1000);
	case PREC_MICROS:
		return v / 1000;
	case PREC_NANOS:
		return v / 1000000;
	case PREC_MILLIS:
	default:
		return v;
	}
}

static int64_t ms_to_unix(int64_t ms, ts_precision_t p)
{
	switch (p) {
	case PREC_SECONDS:
		return ms / 1000;
	case PREC_MICROS:
		return mul_sat(ms, 1000);
	case PREC_NANOS:
		return mul_sat(ms, 1000000);
	case PREC_MILLIS:
	default:
		return ms;
	}
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* The input (a payload in JsonConverter's form) as ms since the epoch. */
static bool to_ms(tsc_t *t, const json_t *j, ts_type_t from, int64_t *ms, char *err,
		  size_t err_size)
{
	const char *what = from == TS_STRING ? "string timestamp to be a String"
			   : from == TS_UNIX ? "Unix timestamp to be a Long"
			   : from == TS_DATE ? "Date to be a java.util.Date"
			   : from == TS_TIME ? "Time to be a java.util.Date"
					     : "Timestamp to be a java.util.Date";
	if (from == TS_STRING ? !json_is_string(j) : !json_is_integer(j)) {
		sl_seterr(err, err_size, "Expected %s, but found class %s", what,
			  sl_txs_java_class(j, NULL));
		return false;
	}
	if (from == TS_STRING) {
		if (!t->fmt) {
			sl_seterr(err, err_size,
				  "TimestampConverter requires format option to be "
				  "specified to parse string timestamps");
			return false;
		}
		if (!sl_datefmt_parse(t->fmt, json_string_value(j), json_string_length(j), ms)) {
			sl_seterr(
				err, err_size,
				"Could not parse timestamp: value (%s) does not match pattern (%s)",
				json_string_value(j), sl_datefmt_pattern(t->fmt));
			return false;
		}
		return true;
	}
	int64_t v = json_integer_value(j);
	*ms = from == TS_UNIX   ? unix_to_ms(v, t->cfg.precision)
	      : from == TS_DATE ? v * SL_TXU_MS_PER_DAY
				: v;
	return true;
}

/* ms as the target type's payload (a new reference). */
static json_t *from_ms(tsc_t *t, int64_t ms)
{
	switch ((ts_type_t)t->cfg.type) {
	case TS_STRING:
		sl_buf_reset(&t->text);
		sl_datefmt_format(t->fmt, ms, &t->text);
		return json_stringn(t->text.data ? t->text.data : "", t->text.len);
	case TS_UNIX:
		return json_integer(ms_to_unix(ms, t->cfg.precision));
	case TS_DATE:
		return json_integer(floor_div(ms, SL_TXU_MS_PER_DAY));
	case TS_TIME:
		return json_integer(ms - floor_div(ms, SL_TXU_MS_PER_DAY) * SL_TXU_MS_PER_DAY);
	case TS_TIMESTAMP:
	default:
		return json_integer(ms);
	}
}

/* Converts j (NULL or JSON null: a null, kept) of input type from (-1:
 * inferred) into *out (a new reference, NULL for a null). */
static bool convert(tsc_t *t, const json_t *j, int from, json_t **out, char *err, size_t err_size)
{
	int64_t ms;
	*out = NULL;
	if (!j || json_is_null(j))
		return true;
	if (from < 0 && (from = type_inferred(j, err, err_size)) < 0)
		return false;
	if (!to_ms(t, j, from, &ms, err, err_size))
		return false;
	*out = from_ms(t, ms);
	return true;
}

/* ---- records ---- */

static json_t *null_to_json(json_t *j)
{
	return j ? j : json_null();
}

/* The struct payload with the field converted, under the converted
 * schema's field list; NULL on error. */
static json_t *convert_struct(tsc_t *t, const json_t *schema, const json_t *payload, char *err,
			      size_t err_size)
{
	json_t *out = json_object();
	const json_t *fields = json_object_get(schema, "fields");
	size_t i;
	const json_t *f;
	json_array_foreach(fields, i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *v = sl_txs_field_value(payload, f, t->cfg.replace_null);
		json_t *nv = NULL;
		if (!name)
			continue;
		if (strcmp(name, t->cfg.field)) {
			json_object_set_new(out, name, null_to_json(json_incref(v)));
			continue;
		}
		int from = type_from_schema(f, err, err_size);
		if (from < 0 || !convert(t, v, from, &nv, err, err_size)) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, name, null_to_json(nv));
	}
	return out;
}

/* The struct schema with the field's schema replaced by the target type's
 * (Kafka's schemaUpdateCache). A struct schema with a default value fails
 * as Kafka's does: it checks the converted default against the schema
 * builder rather than the schema, which never matches (an
 * sl_txs_derive_fn). */
static json_t *converted_schema(void *state, const json_t *schema, char *err, size_t err_size)
{
	const tsc_t *t = state;
	json_t *def = json_object_get(schema, "default");
	if (def && !json_is_null(def)) {
		sl_seterr(err, err_size, "Invalid default value");
		return NULL;
	}
	json_t *fields = json_array();
	size_t i;
	const json_t *f;
	json_array_foreach(json_object_get(schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		if (name && !strcmp(name, t->cfg.field)) {
			bool opt = json_is_true(json_object_get(f, "optional"));
			json_t *e = sl_txs_field_entry(t->type_schema[opt], name);
			json_array_append_new(fields, e);
		} else {
			json_array_append(fields, (json_t *)f);
		}
	}
	sl_txs_schema_t spec = {
		.type = "struct",
		.fields = fields,
		.optional = json_is_true(json_object_get(schema, "optional")),
		.basics = schema,
	};
	return sl_txs_schema_new(&spec);
}

static sl_tx_result_t apply_whole(tsc_t *t, sl_value_t *v, const json_t *schema, const json_t *j,
				  char *err, size_t err_size)
{
	int from = schema ? type_from_schema(schema, err, err_size) : -1;
	json_t *out;
	if ((schema && from < 0) || !convert(t, j, from, &out, err, err_size))
		return SL_TX_ERROR;
	json_t *out_schema = NULL;
	if (schema)
		out_schema = json_incref(
			t->type_schema[json_is_true(json_object_get(schema, "optional"))]);
	sl_value_clear(v);
	if (out || out_schema)
		sl_value_set_json(v, out, out_schema);
	return SL_TX_KEEP;
}

static sl_tx_result_t apply_field_schemaless(tsc_t *t, sl_value_t *v, char *err, size_t err_size)
{
	if (!sl_txs_require_map(v, PURPOSE, err, err_size))
		return SL_TX_ERROR;
	json_t *nv;
	if (!convert(t, json_object_get(v->json, t->cfg.field), -1, &nv, err, err_size))
		return SL_TX_ERROR;
	/* The map with the field put (a null when it was missing). */
	json_t *out = sl_txs_writable(v->json);
	json_object_set_new(out, t->cfg.field, null_to_json(nv));
	sl_value_set_json(v, out, NULL);
	return SL_TX_KEEP;
}

static sl_tx_result_t apply_field_schema(tsc_t *t, sl_value_t *v, char *err, size_t err_size)
{
	bool is_null = sl_txs_is_null(v);
	if (!is_null && !sl_txs_require_struct(v, PURPOSE, err, err_size))
		return SL_TX_ERROR;
	json_t *schema =
		sl_txs_cache_derive(&t->cache, v->schema, converted_schema, t, err, err_size);
	if (!schema)
		return SL_TX_ERROR;
	json_t *out = NULL;
	if (!is_null && !(out = convert_struct(t, v->schema, v->json, err, err_size)))
		return SL_TX_ERROR;
	sl_value_set_json(v, out, json_incref(schema));
	return SL_TX_KEEP;
}

static sl_tx_result_t tsc_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				size_t err_size)
{
	tsc_t *t = state;
	sl_value_t *v = sl_txs_operand(r, t->part);
	bool whole = !t->cfg.field[0];
	if (v->kind == SL_VALUE_STRING || v->kind == SL_VALUE_BYTES) {
		/* Primitive values with their schema (string / bytes). */
		if (!whole) {
			sl_seterr(err, err_size,
				  "Only Struct objects supported for [%s], found: %s", PURPOSE,
				  sl_txs_value_class(v));
			return SL_TX_ERROR;
		}
		json_t *j = json_stringn(v->data, v->len);
		sl_tx_result_t res = apply_whole(
			t, v, v->kind == SL_VALUE_STRING ? t->string_schema : t->bytes_schema, j,
			err, err_size);
		json_decref(j);
		return res;
	}
	if (v->kind == SL_VALUE_NULL || !v->schema) {
		if (whole || sl_txs_is_null(v))
			return apply_whole(t, v, NULL, v->json, err, err_size);
		return apply_field_schemaless(t, v, err, err_size);
	}
	if (whole) {
		json_t *schema = json_incref(v->schema), *j = json_incref(v->json);
		sl_tx_result_t res = apply_whole(t, v, schema, j, err, err_size);
		json_decref(schema);
		json_decref(j);
		return res;
	}
	return apply_field_schema(t, v, err, err_size);
}

static const char *const tsc_classes[] = {"org.apache.kafka.connect.transforms.TimestampConverter",
					  NULL};

const sl_transform_def_t sl_tx_timestamp_converter = {
	.name = "TimestampConverter",
	.classes = tsc_classes,
	.variants = true,
	.options = tsc_options,
	.doc = "Convert timestamps between different formats such as Unix epoch, strings "
	       "(SimpleDateFormat patterns, in UTC), and Connect Date/Time/Timestamp types. "
	       "Applies "
	       "to individual fields or to the entire value; use $Key for the record key and "
	       "$Value for the value.",
	.create = tsc_create,
	.apply = tsc_apply,
	.destroy = tsc_destroy,
};
