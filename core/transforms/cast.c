/* Cast: casts fields of a struct or map, or the whole key or value, to
 * another primitive type, as Kafka Connect's Cast$Key / $Value (the
 * conversions of its castTo* methods, its Date formats, its schema
 * changes). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "convert_priv.h"
#include "defs.h"
#include "sluice/data.h"
#include "sluice/mem.h"
#include "tx_struct.h"
#include "tx_util.h"

#define PURPOSE "cast types"

/* Kafka Connect's Schema.Type, in its order. */
typedef enum ctype {
	C_INT8,
	C_INT16,
	C_INT32,
	C_INT64,
	C_FLOAT32,
	C_FLOAT64,
	C_BOOLEAN,
	C_STRING,
	C_BYTES,
	C_ARRAY,
	C_MAP,
	C_STRUCT,
	C_NONE,
} ctype_t;

/* As the spec names them (Schema.Type in lower case), as JsonConverter
 * writes them in a schema's "type" (its float and double), and as Kafka's
 * messages print them (the enum constant). */
static const char *const type_names[] = {"int8",    "int16",   "int32",   "int64",
					 "float32", "float64", "boolean", "string",
					 "bytes",   "array",   "map",     "struct"};
static const char *const json_names[] = {"int8",    "int16",  "int32", "int64", "float", "double",
					 "boolean", "string", "bytes", "array", "map",   "struct"};
static const char *const enum_names[] = {"INT8",    "INT16",   "INT32",   "INT64",
					 "FLOAT32", "FLOAT64", "BOOLEAN", "STRING",
					 "BYTES",   "ARRAY",   "MAP",     "STRUCT"};
#define INPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
#define OUTPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"

typedef struct cast_entry {
	char *field;
	ctype_t type;
} cast_entry_t;

typedef struct cs_config {
	char **spec;
	bool replace_null;
} cs_config_t;

typedef struct cast {
	cs_config_t cfg;
	sl_tx_part_t part;
	cast_entry_t *casts; /* field casts, in spec order */
	size_t count;
	ctype_t whole; /* C_NONE unless the spec is a single type */
	sl_txs_cache_t cache;
} cast_t;

static const sl_option_t cs_options[] = {
	{.name = "spec",
	 .type = SL_OPT_LIST,
	 .required = true,
	 .doc = "List of fields and the type to cast them to of the form field1:type,field2:type "
		"to cast fields of Maps or Structs. A single type to cast the entire value. Valid "
		"types are int8, int16, int32, int64, float32, float64, boolean, and string. Note "
		"that binary fields can only be cast to string.",
	 SL_OPT_AT(cs_config_t, spec)},
	{.name = "replace.null.with.default",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "Whether a null struct field that has a default takes its default (true) or "
		"stays null (false).",
	 SL_OPT_AT(cs_config_t, replace_null)},
	SL_OPT_END,
};

static ctype_t type_named(const char *s, size_t len)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(type_names); i++)
		if (strlen(type_names[i]) == len && !strncasecmp(s, type_names[i], len))
			return (ctype_t)i;
	return C_NONE;
}

/* The type of a schema in JsonConverter's form ("double", not
 * "float64"). */
static ctype_t type_of_schema(const json_t *s)
{
	const char *t = sl_schema_type(s);

	for (size_t i = 0; t && i < SL_ARRAY_LEN(json_names); i++)
		if (!strcmp(t, json_names[i]))
			return (ctype_t)i;
	return C_NONE;
}

static void cs_destroy(void *state)
{
	cast_t *c = state;

	if (!c)
		return;
	sl_options_free(cs_options, &c->cfg);
	for (size_t i = 0; i < c->count; i++)
		free(c->casts[i].field);
	free(c->casts);
	sl_txs_cache_free(&c->cache);
	free(c);
}

/* The trimmed text of s[0..len) in buf. */
static const char *trimmed(const char *s, size_t len, char *buf, size_t size)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

/* One "field:type" or "type" of the spec, split as Java's split(":")
 * (trailing empty parts dropped). */
static int parse_one(cast_t *c, const char *m, sl_errlist_t *errs)
{
	size_t len = strlen(m);
	char type[64], field[256];
	const char *colon;

	while (len && m[len - 1] == ':')
		len--;
	colon = memchr(m, ':', len);
	if (colon && memchr(colon + 1, ':', len - (size_t)(colon + 1 - m))) {
		sl_errlist_addf(errs, "spec: Invalid rename mapping: %s", m);
		return -1;
	}
	const char *tp = colon ? colon + 1 : m;
	trimmed(tp, len - (size_t)(tp - m), type, sizeof(type));
	ctype_t t = type_named(type, strlen(type));
	if (t == C_NONE) {
		sl_errlist_addf(errs, "spec: Invalid type found in casting spec: %s", type);
		return -1;
	}
	if (t > C_STRING) {
		sl_errlist_addf(errs,
				"spec: Cast transformation does not support casting to %s; "
				"supported types are " OUTPUT_TYPES,
				enum_names[t]);
		return -1;
	}
	if (!colon) {
		c->whole = t;
		return 0;
	}
	c->casts[c->count].field = sl_strdup(trimmed(m, (size_t)(colon - m), field, sizeof(field)));
	c->casts[c->count++].type = t;
	return 0;
}

static void *cs_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	cast_t *c = sl_calloc(1, sizeof(*c));
	size_t before = errs->count, n = 0;

	c->part = part;
	c->whole = C_NONE;
	if (sl_options_load(cs_options, cfg, &c->cfg, errs) == 0) {
		while (c->cfg.spec && c->cfg.spec[n])
			n++;
		c->casts = sl_calloc(n + 1, sizeof(*c->casts));
		if (!n)
			sl_errlist_addf(errs, "spec: Must specify at least one field to cast.");
		for (size_t i = 0; i < n; i++)
			parse_one(c, c->cfg.spec[i], errs);
		if (c->whole != C_NONE && n > 1)
			sl_errlist_addf(errs,
					"spec: Cast transformations that specify a type to cast "
					"the entire value to may only specify a single cast in "
					"their spec");
	}
	if (errs->count != before) {
		cs_destroy(c);
		return NULL;
	}
	return c;
}

/* The cast of field name, the last one the spec gives (Kafka keeps them
 * in a map); C_NONE when it has none. */
static ctype_t cast_of(const cast_t *c, const char *name)
{
	for (size_t i = c->count; i-- > 0;)
		if (!strcmp(c->casts[i].field, name))
			return c->casts[i].type;
	return C_NONE;
}

/* ---- values ---- */

/* A value as Kafka's castTo* methods see it: a Number (integral, floating
 * or BigDecimal), a Boolean, a String, a java.util.Date or a byte[]. */
typedef enum jkind {
	J_INTEGRAL,
	J_FLOATING,
	J_DECIMAL,
	J_BOOLEAN,
	J_STRING,
	J_DATE,
	J_BYTES,
} jkind_t;

typedef struct jval {
	jkind_t kind;
	bool is_float32; /* a Float (for its toString) */
	int64_t l;       /* integral, boolean, date (its payload: days or ms) */
	int64_t ms;      /* date: ms since the epoch */
	double d;        /* floating */
	const char *s;   /* string, bytes (base64), decimal (plain text) */
	char buf[128];   /* decimal text */
} jval_t;

/* BigDecimal.longValue(): the low 64 bits of the integer part. */
static int64_t decimal_long(const char *text)
{
	bool neg = *text == '-';
	uint64_t u = 0;

	for (const char *p = text + neg; isdigit((unsigned char)*p); p++)
		u = u * 10 + (uint64_t)(*p - '0');
	return (int64_t)(neg ? 0 - u : u);
}

/* Reads a value under its schema (NULL: schemaless, as JsonConverter
 * gives it) into *out, after Kafka's input type check. */
static int read_value(const json_t *j, const json_t *schema, bool raw_bytes, jval_t *out, char *err,
		      size_t err_size)
{
	ctype_t t = raw_bytes ? C_BYTES : type_of_schema(schema);

	memset(out, 0, offsetof(jval_t, buf));
	if (t == C_NONE && !schema) {
		switch (json_typeof(j)) {
		case JSON_INTEGER:
			t = C_INT64;
			break;
		case JSON_REAL:
			t = C_FLOAT64;
			break;
		case JSON_STRING:
			t = C_STRING;
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			t = C_BOOLEAN;
			break;
		case JSON_ARRAY:
			t = C_ARRAY;
			break;
		default:
			t = C_MAP;
			break;
		}
	}
	if (t > C_BYTES)
		return sl_seterr(err, err_size,
				 "Cast transformation does not support casting from %s; supported "
				 "types are " INPUT_TYPES,
				 t == C_NONE ? "null" : enum_names[t]);
	if (sl_schema_is(schema, SL_LOGICAL_DECIMAL)) {
		sl_buf_t b = {0};
		int scale = 0;
		const char *b64 = json_string_value(j);
		sl_schema_decimal_scale(schema, &scale);
		if (!b64 || sl_decimal_append_text(&b, b64, strlen(b64), scale, false) < 0) {
			sl_buf_free(&b);
			return sl_seterr(err, err_size, "malformed Decimal payload");
		}
		sl_buf_append(&b, "", 1);
		sl_strlcpy(out->buf, b.data, sizeof(out->buf));
		sl_buf_free(&b);
		out->kind = J_DECIMAL;
		out->s = out->buf;
		return 0;
	}
	if (sl_schema_is(schema, SL_LOGICAL_DATE) || sl_schema_is(schema, SL_LOGICAL_TIME) ||
	    sl_schema_is(schema, SL_LOGICAL_TIMESTAMP)) {
		out->kind = J_DATE;
		out->l = out->ms = json_integer_value(j);
		if (sl_schema_is(schema, SL_LOGICAL_DATE))
			out->ms *= SL_TXU_MS_PER_DAY;
		return 0;
	}
	switch (t) {
	case C_FLOAT32:
	case C_FLOAT64:
		out->kind = J_FLOATING;
		out->is_float32 = t == C_FLOAT32;
		/* JsonConverter reads a float field into a Float: 0.1 is 0.1f */
		out->d = json_number_value(j);
		if (out->is_float32)
			out->d = (double)(float)out->d;
		return 0;
	case C_BOOLEAN:
		out->kind = J_BOOLEAN;
		out->l = json_is_true(j);
		return 0;
	case C_STRING:
		out->kind = J_STRING;
		out->s = json_string_value(j);
		return out->s ? 0 : sl_seterr(err, err_size, "expected a string");
	case C_BYTES:
		out->kind = J_BYTES;
		out->s = json_string_value(j);
		return out->s ? 0 : sl_seterr(err, err_size, "expected base64 bytes");
	default:
		out->kind = J_INTEGRAL;
		out->l = json_is_integer(j) ? json_integer_value(j)
					    : sl_txu_d2l(json_number_value(j));
		return 0;
	}
}

/* Java's Long.parseLong: an optional sign and decimal digits only. */
static int java_parse_long(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max || !isdigit((unsigned char)end[-1]))
		return -1;
	*out = v;
	return 0;
}

/* Java's Double.parseDouble: surrounding blanks, an f/F/d/D suffix, a
 * signed NaN or Infinity; not strtod's "inf" and "nan" spellings. */
static int java_parse_double(const char *s, double *out)
{
	char buf[128];
	const char *p = buf;
	size_t len;
	char *end;

	trimmed(s, strlen(s), buf, sizeof(buf));
	len = strlen(buf);
	if (len && strchr("fFdD", buf[len - 1]))
		buf[--len] = '\0';
	if (*p == '+' || *p == '-')
		p++;
	if (!strcmp(p, "Infinity")) {
		*out = buf[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (!strcmp(p, "NaN")) {
		*out = NAN;
		return 0;
	}
	if (!len || strpbrk(buf, "iInN"))
		return -1;
	*out = strtod(buf, &end);
	return *end ? -1 : 0;
}

static int out_of_range(const jval_t *v, char *err, size_t err_size)
{
	return sl_seterr(err, err_size, "Value (%s) was out of range for requested data type",
			 v->s);
}

static int unexpected(const jval_t *v, char *err, size_t err_size)
{
	return sl_seterr(err, err_size, "Unexpected type in Cast transformation: class %s",
			 v->kind == J_BYTES ? "[B" : "java.util.Date");
}

/* castToInt8 .. castToInt64 */
static json_t *to_integral(const jval_t *v, ctype_t t, char *err, size_t err_size)
{
	static const int64_t lim[][2] = {{INT8_MIN, INT8_MAX},
					 {INT16_MIN, INT16_MAX},
					 {INT32_MIN, INT32_MAX},
					 {INT64_MIN, INT64_MAX}};
	int64_t l;

	switch (v->kind) {
	case J_INTEGRAL:
	case J_BOOLEAN:
	case J_DATE: /* encoded first: days, ms of day, ms */
		l = v->l;
		break;
	case J_FLOATING:
		l = t == C_INT64 ? sl_txu_d2l(v->d) : sl_txu_d2i(v->d);
		break;
	case J_DECIMAL:
		l = decimal_long(v->s);
		break;
	case J_STRING:
		if (java_parse_long(v->s, lim[t][0], lim[t][1], &l) < 0)
			return out_of_range(v, err, err_size), NULL;
		break;
	default:
		return unexpected(v, err, err_size), NULL;
	}
	if (t == C_INT8)
		l = (int8_t)l;
	else if (t == C_INT16)
		l = (int16_t)l;
	else if (t == C_INT32)
		l = (int32_t)l;
	return json_integer(l);
}

/* castToFloat32 / castToFloat64 */
static json_t *to_floating(const jval_t *v, ctype_t t, char *err, size_t err_size)
{
	double d;

	switch (v->kind) {
	case J_INTEGRAL:
	case J_BOOLEAN:
	case J_DATE:
		d = t == C_FLOAT32 ? (double)(float)v->l : (double)v->l;
		break;
	case J_FLOATING:
		d = v->d;
		break;
	case J_DECIMAL:
		d = t == C_FLOAT32 ? (double)strtof(v->s, NULL) : strtod(v->s, NULL);
		break;
	case J_STRING:
		if (java_parse_double(v->s, &d) < 0)
			return out_of_range(v, err, err_size), NULL;
		break;
	default:
		return unexpected(v, err, err_size), NULL;
	}
	return json_real(t == C_FLOAT32 ? (double)(float)d : d);
}

/* castToBoolean: a Number is true unless its longValue() is 0. */
static json_t *to_boolean(const jval_t *v, char *err, size_t err_size)
{
	switch (v->kind) {
	case J_INTEGRAL:
	case J_BOOLEAN:
	case J_DATE:
		return json_boolean(v->l != 0);
	case J_FLOATING:
		return json_boolean(sl_txu_d2l(v->d) != 0);
	case J_DECIMAL:
		return json_boolean(decimal_long(v->s) != 0);
	case J_STRING:
		return json_boolean(!strcasecmp(v->s, "true"));
	default:
		return unexpected(v, err, err_size), NULL;
	}
}

/* Kafka's Values.dateFormatFor: a time of day below one day after the
 * epoch (and before it), a date at midnight, else a timestamp; UTC. */
static json_t *date_string(int64_t ms)
{
	const int64_t day = SL_TXU_MS_PER_DAY;
	int64_t days = ms / day, rem = ms % day;
	char buf[64];

	if (rem < 0)
		rem += day, days--;
	if (ms < day) {
		snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03dZ", (int)(rem / 3600000),
			 (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
		return json_string(buf);
	}
	time_t secs = (time_t)(days * 86400);
	struct tm tm;
	gmtime_r(&secs, &tm);
	if (rem == 0)
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
	else
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, (int)(rem / 3600000), (int)(rem / 60000 % 60),
			 (int)(rem / 1000 % 60), (int)(rem % 1000));
	return json_string(buf);
}

/* castToString: toString() of the Java value; a byte[] as base64 (the
 * payload already is). */
static json_t *to_string(const jval_t *v, const json_t *j, const json_t *schema)
{
	char buf[SL_NUMBER_BUF_SIZE];

	switch (v->kind) {
	case J_INTEGRAL:
		snprintf(buf, sizeof(buf), "%" PRId64, v->l);
		return json_string(buf);
	case J_FLOATING:
		if (v->is_float32)
			sl_format_float((float)v->d, buf);
		else
			sl_format_double(v->d, buf);
		return json_string(buf);
	case J_BOOLEAN:
		return json_string(v->l ? "true" : "false");
	case J_DATE:
		return date_string(v->ms);
	case J_DECIMAL: {
		sl_buf_t b = {0};
		int scale = 0;
		const char *b64 = json_string_value(j);
		sl_schema_decimal_scale(schema, &scale);
		sl_decimal_append_text(&b, b64, strlen(b64), scale, true);
		json_t *s = json_stringn(b.data, b.len);
		sl_buf_free(&b);
		return s;
	}
	default:
		return json_string(v->s);
	}
}

/* A float32 cast's result where no schema says it is one. Kafka's value
 * stays a java.lang.Float, which JsonConverter writes as Float.toString
 * ("0.1"); a JSON number here is a double, written as Double.toString, so
 * it becomes the double whose text that is (0.1, not 0.10000000149011612). */
static json_t *schemaless_float32(json_t *j)
{
	char buf[SL_NUMBER_BUF_SIZE];
	double d = json_real_value(j);

	if (!isfinite(d))
		return j;
	sl_format_float((float)d, buf);
	json_real_set(j, strtod(buf, NULL));
	return j;
}

/* Kafka's castValueToType: a new reference (JSON null for a null), or NULL
 * with err. schema is the input's (NULL: the value has none, nor will the
 * result). raw_bytes: j is the base64 of a schemaless byte[]. */
static json_t *cast_value(const json_t *j, const json_t *schema, bool raw_bytes, ctype_t t,
			  char *err, size_t err_size)
{
	jval_t v;
	json_t *out;

	if (!j || json_is_null(j))
		return json_null();
	if (read_value(j, schema, raw_bytes, &v, err, err_size) < 0)
		return NULL;
	switch (t) {
	case C_BOOLEAN:
		return to_boolean(&v, err, err_size);
	case C_STRING:
		return to_string(&v, j, schema);
	case C_FLOAT32:
		out = to_floating(&v, t, err, err_size);
		return out && !schema ? schemaless_float32(out) : out;
	case C_FLOAT64:
		return to_floating(&v, t, err, err_size);
	default:
		return to_integral(&v, t, err, err_size);
	}
}

/* ---- schemas ---- */

/* A cast field's new schema: the target type, the field's optional flag
 * and its default cast; name, version, doc and parameters are dropped. */
static json_t *cast_field_schema(const json_t *f, ctype_t t, char *err, size_t err_size)
{
	const json_t *def = json_object_get(f, "default");
	json_t *new_def = NULL;

	if (def && !json_is_null(def)) {
		new_def = cast_value(def, f, false, t, err, err_size);
		if (!new_def)
			return NULL;
	}
	return sl_txs_schema_new(
		&(sl_txs_schema_t){.type = json_names[t],
				   .optional = json_is_true(json_object_get(f, "optional")),
				   .def = new_def,
				   .field = json_string_value(json_object_get(f, "field"))});
}

/* Kafka's getOrBuildSchema: the input's basics (name, version, doc,
 * parameters), its optional flag and its default cast, with the target
 * type (a whole-value cast) or the struct's fields, the cast ones
 * changed. */
static json_t *updated_schema(void *state, const json_t *in, char *err, size_t err_size)
{
	cast_t *c = state;
	json_t *fields = NULL, *def = NULL;
	const json_t *in_def = json_object_get(in, "default");
	ctype_t t = c->whole;
	const json_t *f;
	size_t i;

	if (t == C_NONE) {
		fields = json_array();
		json_array_foreach(json_object_get(in, "fields"), i, f) {
			const char *name = json_string_value(json_object_get(f, "field"));
			ctype_t ft = name ? cast_of(c, name) : C_NONE;
			json_t *nf = ft == C_NONE ? json_incref((json_t *)f)
						  : cast_field_schema(f, ft, err, err_size);
			if (!nf) {
				json_decref(fields);
				return NULL;
			}
			json_array_append_new(fields, nf);
		}
	} else if (in_def && !json_is_null(in_def)) {
		def = cast_value(in_def, in, false, t, err, err_size);
		if (!def)
			return NULL;
	}
	return sl_txs_schema_new(
		&(sl_txs_schema_t){.type = t == C_NONE ? "struct" : json_names[t],
				   .fields = fields,
				   .optional = json_is_true(json_object_get(in, "optional")),
				   .def = def,
				   .basics = in});
}

/* ---- applying ---- */

static sl_tx_result_t apply_whole(cast_t *c, sl_value_t *v, char *err, size_t err_size)
{
	json_t *schema = NULL, *out;
	bool raw = v->kind == SL_VALUE_BYTES && !v->schema;

	if (v->schema) {
		schema =
			sl_txs_cache_derive(&c->cache, v->schema, updated_schema, c, err, err_size);
		if (!schema)
			return SL_TX_ERROR;
	}
	/* strings as they are, bytes in base64, as cast_value reads them */
	json_t *j = sl_value_payload(v);
	out = cast_value(j, v->schema, raw, c->whole, err, err_size);
	json_decref(j);
	if (!out)
		return SL_TX_ERROR;
	sl_value_set_json(v, out, schema ? json_incref(schema) : NULL);
	return SL_TX_KEEP;
}

/* Every listed field is put, a missing one as null, as Kafka's map put. */
static sl_tx_result_t apply_schemaless(void *state, sl_value_t *v, char *err, size_t err_size)
{
	cast_t *c = state;
	json_t *out = json_copy(v->json);

	for (size_t i = 0; i < c->count; i++) {
		const char *name = c->casts[i].field;
		json_t *nv = cast_value(json_object_get(v->json, name), NULL, false,
					c->casts[i].type, err, err_size);
		if (!nv) {
			json_decref(out);
			return SL_TX_ERROR;
		}
		json_object_set_new(out, name, nv);
	}
	sl_value_set_json(v, out, NULL);
	return SL_TX_KEEP;
}

static sl_tx_result_t apply_struct(void *state, sl_value_t *v, char *err, size_t err_size)
{
	cast_t *c = state;
	json_t *schema =
		sl_txs_cache_derive(&c->cache, v->schema, updated_schema, c, err, err_size);
	const json_t *f;
	size_t i;

	if (!schema)
		return SL_TX_ERROR;
	json_t *out = json_object();
	json_array_foreach(json_object_get(v->schema, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "field"));
		json_t *val = sl_txs_field_value(v->json, f, c->cfg.replace_null), *nv;
		ctype_t t = name ? cast_of(c, name) : C_NONE;
		if (!name)
			continue;
		nv = t == C_NONE ? (val ? json_incref(val) : json_null())
				 : cast_value(val, f, false, t, err, err_size);
		if (!nv) {
			json_decref(out);
			return SL_TX_ERROR;
		}
		json_object_set_new(out, name, nv);
	}
	sl_value_set_json(v, out, json_incref(schema));
	return SL_TX_KEEP;
}

static sl_tx_result_t cs_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
			       size_t err_size)
{
	cast_t *c = state;
	sl_value_t *v = sl_txs_operand(r, c->part);

	(void)cx;
	if (sl_txs_is_null(v))
		return SL_TX_KEEP; /* a tombstone passes, as in Kafka */
	if (c->whole != C_NONE)
		return apply_whole(c, v, err, err_size);
	return sl_txs_apply_map_or_struct(v, PURPOSE, c, apply_schemaless, apply_struct, err,
					  err_size);
}

static const char *const cs_classes[] = {"org.apache.kafka.connect.transforms.Cast", NULL};

const sl_transform_def_t sl_tx_cast = {
	.name = "Cast",
	.classes = cs_classes,
	.variants = true,
	.options = cs_options,
	.doc = "Casts fields of a struct (or of a map when the value has no schema), or the "
	       "whole key or value, to int8, int16, int32, int64, float32, float64, boolean or "
	       "string, as Kafka Connect's Cast: numbers narrow as Java's casts do, strings "
	       "are parsed as Java parses them, bytes become base64 strings, Decimal values "
	       "become numbers or their BigDecimal text, and Date, Time and Timestamp values "
	       "their numeric form or ISO 8601 text (in UTC, where Kafka uses the JVM's time "
	       "zone). A cast field's schema keeps its optional flag and its default (cast); "
	       "the struct keeps its name, version, doc and parameters. A null value passes "
	       "unchanged.",
	.create = cs_create,
	.apply = cs_apply,
	.destroy = cs_destroy,
};
