/* MaskField: replaces the values of fields with their type's empty value
 * (0, false, "", ...) or a given replacement, as Kafka Connect's
 * MaskField$Key / $Value. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "sluice/parse.h"
#include "tx_struct.h"
#include "tx_util.h"

#define PURPOSE "mask fields"

typedef struct mf_config {
	char **fields;
	char *replacement;
	bool replace_null;
} mf_config_t;

typedef struct mask_field {
	mf_config_t cfg;
	sl_tx_part_t part;
	/* The replacement read as a number, as Kafka's Values.convertTo*
	 * reads it: has_number is false when it is not one. */
	bool has_number;
	int64_t as_long;
	double as_double;
} mask_field_t;

static const sl_option_t mf_options[] = {
	{.name = "fields",
	 .type = SL_OPT_LIST,
	 .required = true,
	 .doc = "Names of fields to mask.",
	 SL_OPT_AT(mf_config_t, fields)},
	{.name = "replacement",
	 .type = SL_OPT_STRING,
	 .doc = "Custom value replacement, that will be applied to all 'fields' values (numeric "
		"or non-empty string values only). Unset: each field takes its type's empty "
		"value (0, false, \"\", the epoch for Date/Time/Timestamp, an empty array or "
		"map).",
	 SL_OPT_AT(mf_config_t, replacement)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether a null struct field that has a default takes its default (true) or "
		"stays null (false).",
	 SL_OPT_AT(mf_config_t, replace_null)},
	SL_OPT_END,
};

static void read_replacement(mask_field_t *mf)
{
	const char *s = mf->cfg.replacement;
	int64_t l;
	double d;

	if (!s)
		return;
	if (sl_parse_int64(s, &l) == 0) {
		mf->has_number = true;
		mf->as_long = l;
		mf->as_double = (double)l;
	} else if (sl_parse_double(s, &d) == 0) {
		mf->has_number = true;
		mf->as_long = sl_txu_d2l(d);
		mf->as_double = d;
	}
}

static void mf_destroy(void *state)
{
	mask_field_t *mf = state;

	if (!mf)
		return;
	sl_options_free(mf_options, &mf->cfg);
	free(mf);
}

static void *mf_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	mask_field_t *mf = sl_calloc(1, sizeof(*mf));
	size_t before = errs->count;

	mf->part = part;
	if (sl_options_load(mf_options, cfg, &mf->cfg, errs) == 0) {
		if (!mf->cfg.fields || !mf->cfg.fields[0])
			sl_errlist_addf(errs, "fields: Empty list: name at least one field");
		if (mf->cfg.replacement && !*mf->cfg.replacement)
			sl_errlist_addf(errs, "replacement: String must be non-empty");
	}
	if (errs->count != before) {
		mf_destroy(mf);
		return NULL;
	}
	read_replacement(mf);
	return mf;
}

/* What Kafka Connect's Java class of a value is, for masking. */
typedef enum mclass {
	M_BOOL,
	M_INT, /* Byte, Short, Integer, Long */
	M_FLOAT32,
	M_FLOAT64,
	M_STRING,
	M_DECIMAL,
	M_DATE, /* java.util.Date: Date, Time, Timestamp */
	M_ARRAY,
	M_MAP,
	M_OTHER, /* byte[], Struct */
} mclass_t;

static mclass_t class_of(const json_t *j, const json_t *schema)
{
	const char *t = sl_schema_type(schema);

	if (!t) {
		switch (json_typeof(j)) {
		case JSON_INTEGER:
			return M_INT;
		case JSON_REAL:
			return M_FLOAT64;
		case JSON_STRING:
			return M_STRING;
		case JSON_TRUE:
		case JSON_FALSE:
			return M_BOOL;
		case JSON_ARRAY:
			return M_ARRAY;
		case JSON_OBJECT:
			return M_MAP;
		default:
			return M_OTHER;
		}
	}
	if (sl_schema_is(schema, SL_LOGICAL_DECIMAL))
		return M_DECIMAL;
	if (sl_schema_is(schema, SL_LOGICAL_DATE) || sl_schema_is(schema, SL_LOGICAL_TIME) ||
	    sl_schema_is(schema, SL_LOGICAL_TIMESTAMP))
		return M_DATE;
	if (!strncmp(t, "int", 3))
		return M_INT;
	/* JsonConverter's names of FLOAT32 and FLOAT64 */
	if (!strcmp(t, "float"))
		return M_FLOAT32;
	if (!strcmp(t, "double"))
		return M_FLOAT64;
	if (!strcmp(t, "boolean"))
		return M_BOOL;
	if (!strcmp(t, "string"))
		return M_STRING;
	if (!strcmp(t, "array"))
		return M_ARRAY;
	if (!strcmp(t, "map"))
		return M_MAP;
	return M_OTHER;
}

/* Decimal.fromLogical's refusal of a BigDecimal of another scale than
 * the schema's (JsonConverter fails the record with it). */
static void scale_mismatch(int schema_scale, long value_scale, char *err, size_t err_size)
{
	sl_seterr(err, err_size,
		  "Decimal value has mismatching scale for given Decimal schema. Schema has "
		  "scale %d, value has scale %ld.",
		  schema_scale, value_scale);
}

/* Kafka's PRIMITIVE_VALUE_MAPPING, plus empty lists and maps. */
static json_t *empty_value(mclass_t c, const json_t *j, const json_t *schema, char *err,
			   size_t err_size)
{
	char *b64;
	int scale = 0;

	switch (c) {
	case M_BOOL:
		return json_false();
	case M_INT:
	case M_DATE: /* new Date(0): the epoch */
		return json_integer(0);
	case M_FLOAT32:
	case M_FLOAT64:
		return json_real(0.0);
	case M_STRING:
		return json_string("");
	case M_DECIMAL:
		/* BigDecimal.ZERO has scale 0: Kafka's Decimal.fromLogical then
		 * refuses it under any other scale. */
		sl_schema_decimal_scale(schema, &scale);
		if (scale != 0) {
			scale_mismatch(scale, 0, err, err_size);
			return NULL;
		}
		if (sl_decimal_to_base64("0", 0, &b64) < 0)
			break;
		json_t *z = json_string(b64);
		free(b64);
		return z;
	case M_ARRAY:
		return json_array();
	case M_MAP:
		return json_object();
	default:
		break;
	}
	sl_seterr(err, err_size, "Cannot mask value of type: class %s",
		  sl_txs_java_class(j, schema));
	return NULL;
}

/* Wraps v to the width of an integer schema, as Java's narrowing casts. */
static int64_t narrow(int64_t v, const json_t *schema)
{
	const char *t = sl_schema_type(schema);

	if (t && !strcmp(t, "int8"))
		return (int8_t)v;
	if (t && !strcmp(t, "int16"))
		return (int16_t)v;
	if (t && !strcmp(t, "int32"))
		return (int32_t)v;
	return v;
}

/* Reads r as Java's new BigDecimal(String): a sign, digits with an
 * optional point, an optional exponent. Its unscaled digits (with the
 * sign) go to unscaled, its scale (fraction digits less the exponent) to
 * *scale; -1 when r is not one. */
static int java_big_decimal(const char *r, sl_buf_t *unscaled, long *scale)
{
	const char *p = r;
	long frac = 0, exp = 0;
	size_t ndigits = 0;
	bool point = false;

	if (*p == '-')
		sl_buf_append_char(unscaled, '-');
	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p) || (*p == '.' && !point); p++) {
		if (*p == '.') {
			point = true;
			continue;
		}
		sl_buf_append_char(unscaled, *p);
		ndigits++;
		frac += point;
	}
	if (!ndigits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		char *end;
		errno = 0;
		exp = strtol(p + 1, &end, 10);
		if (errno || end == p + 1 || !isdigit((unsigned char)end[-1]))
			return -1;
		p = end;
	}
	if (*p)
		return -1;
	*scale = frac - exp;
	return 0;
}

/* A replacement BigDecimal must have the Decimal schema's scale: Kafka's
 * Decimal.fromLogical refuses any other. The payload is the unscaled
 * value's bytes. */
static json_t *decimal_replacement(const char *r, const json_t *schema, char *err, size_t err_size)
{
	sl_buf_t unscaled = {0};
	int scale = 0;
	long value_scale = 0;
	char *b64 = NULL;

	sl_schema_decimal_scale(schema, &scale);
	if (java_big_decimal(r, &unscaled, &value_scale) < 0) {
		/* BigDecimal's NumberFormatException, as MaskField words it */
		sl_seterr(err, err_size, "Unable to convert %s (class java.lang.String) to number",
			  r);
	} else if (value_scale != scale) {
		scale_mismatch(scale, value_scale, err, err_size);
	} else {
		sl_buf_append(&unscaled, "", 1);
		if (sl_decimal_to_base64(unscaled.data, 0, &b64) < 0)
			sl_seterr(err, err_size, "the replacement %s has too many digits", r);
	}
	sl_buf_free(&unscaled);
	if (!b64)
		return NULL;
	json_t *j = json_string(b64);
	free(b64);
	return j;
}

/* Kafka's maskWithCustomReplacement: numbers and strings only. */
static json_t *replaced(const mask_field_t *mf, mclass_t c, const json_t *j, const json_t *schema,
			char *err, size_t err_size)
{
	const char *r = mf->cfg.replacement;

	if (c == M_STRING)
		return json_string(r);
	if (c == M_DECIMAL)
		return decimal_replacement(r, schema, err, err_size);
	if (c != M_INT && c != M_FLOAT32 && c != M_FLOAT64) {
		sl_seterr(err, err_size,
			  "Cannot mask value of type class %s with custom replacement.",
			  sl_txs_java_class(j, schema));
		return NULL;
	}
	if (!mf->has_number) { /* Values.convertTo*'s refusal */
		sl_seterr(err, err_size,
			  "Unable to convert %s (class java.lang.String) to a number", r);
		return NULL;
	}
	if (c == M_INT)
		return json_integer(narrow(mf->as_long, schema));
	if (c == M_FLOAT32)
		return json_real((double)(float)mf->as_double);
	return json_real(mf->as_double);
}

/* The masked form of j (a new reference; a null stays null), or NULL with
 * err. */
static json_t *masked(const mask_field_t *mf, const json_t *j, const json_t *schema, char *err,
		      size_t err_size)
{
	if (!j || json_is_null(j))
		return json_null();
	mclass_t c = class_of(j, schema);
	if (mf->cfg.replacement)
		return replaced(mf, c, j, schema, err, err_size);
	return empty_value(c, j, schema, err, err_size);
}

/* Kafka puts a masked null for a listed field the map lacks, too. */
static sl_tx_result_t apply_schemaless(void *state, sl_value_t *v, char *err, size_t err_size)
{
	const mask_field_t *mf = state;
	json_t *out = json_copy(v->json);

	for (char **f = mf->cfg.fields; *f; f++) {
		json_t *m = masked(mf, json_object_get(v->json, *f), NULL, err, err_size);
		if (!m) {
			json_decref(out);
			return SL_TX_ERROR;
		}
		json_object_set_new(out, *f, m);
	}
	sl_value_set_json(v, out, NULL);
	return SL_TX_KEEP;
}

/* The schema stays; every field is copied (with its default when null and
 * replace.null.with.default is set), the listed ones masked. */
static sl_tx_result_t apply_struct(void *state, sl_value_t *v, char *err, size_t err_size)
{
	const mask_field_t *mf = state;
	json_t *out = json_object();
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(v->schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *val = sl_txs_field_value(v->json, f, mf->cfg.replace_null);
		json_t *nv;
		if (!name)
			continue;
		if (sl_txu_in_list(mf->cfg.fields, name)) {
			nv = masked(mf, val, f, err, err_size);
			if (!nv) {
				json_decref(out);
				return SL_TX_ERROR;
			}
		} else {
			nv = val ? json_incref(val) : json_null();
		}
		json_object_set_new(out, name, nv);
	}
	sl_value_set_json(v, out, json_incref(v->schema));
	return SL_TX_KEEP;
}

/* Kafka's MaskField has no tombstone check: a null value fails the
 * struct / map requirement, as there. */
static sl_tx_result_t mf_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	mask_field_t *mf = state;
	sl_value_t *v = sl_txs_operand(r, mf->part);

	(void)cx;
	return sl_txs_apply_map_or_struct(v, PURPOSE, mf, apply_schemaless, apply_struct, err,
					  err_size);
}

static const char *const mf_classes[] = {"org.apache.kafka.connect.transforms.MaskField", NULL};

const sl_transform_def_t sl_tx_mask_field = {
	.name = "MaskField",
	.classes = mf_classes,
	.variants = true,
	.options = mf_options,
	.doc = "Masks the listed fields of a struct, or of a map when the value has no schema: "
	       "each takes its type's empty value (0, false, \"\", the epoch for "
	       "Date/Time/Timestamp, 0 for a Decimal of scale 0, an empty array or map), or the "
	       "replacement "
	       "when one is set (numbers and strings only; a Decimal replacement must have the "
	       "schema's scale). Bytes and struct fields cannot be masked. The schema does not "
	       "change. As in Kafka Connect, a null value (a tombstone) fails.",
	.create = mf_create,
	.apply = mf_apply,
	.destroy = mf_destroy,
};
