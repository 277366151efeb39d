/* postgres-sink's values: Kafka Connect schemas (with Debezium's logical
 * names) to PostgreSQL column types, and JsonConverter payloads to
 * PostgreSQL text input (see pg_sink_sql.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_sink_sql.h"
#include "sluice/data.h"

static const char *schema_str(const json_t *s, const char *key)
{
	return s ? json_string_value(json_object_get(s, key)) : NULL;
}

/* ---- logical types ------------------------------------------------------ */

typedef enum val_kind {
	VK_AUTO = 0, /* by the JSON type (schemaless) */
	VK_INT,
	VK_FLOAT,
	VK_BOOL,
	VK_STRING,
	VK_BYTES,
	VK_DECIMAL,
	VK_VSDECIMAL, /* io.debezium.data.VariableScaleDecimal {scale, value} */
	VK_DAYS,
	VK_TIME_MS,
	VK_TIME_US,
	VK_TIME_NS,
	VK_TS_MS,
	VK_TS_US,
	VK_TS_NS,
	VK_DURATION_US,
	VK_JSON, /* struct, array, map: the payload as JSON text */
} val_kind_t;

/* sl_pg_mapping_t of pg_sink_sql.h */
typedef struct sl_pg_mapping {
	const char *name;
	val_kind_t kind;
	const char *pg_type;
} logical_t;

static const logical_t logicals[] = {
	{"org.apache.kafka.connect.data.Decimal", VK_DECIMAL, "numeric"},
	{"org.apache.kafka.connect.data.Date", VK_DAYS, "date"},
	{"org.apache.kafka.connect.data.Time", VK_TIME_MS, "time"},
	{"org.apache.kafka.connect.data.Timestamp", VK_TS_MS, "timestamp"},
	{"io.debezium.data.VariableScaleDecimal", VK_VSDECIMAL, "numeric"},
	{"io.debezium.time.Date", VK_DAYS, "date"},
	{"io.debezium.time.Time", VK_TIME_MS, "time"},
	{"io.debezium.time.MicroTime", VK_TIME_US, "time"},
	{"io.debezium.time.NanoTime", VK_TIME_NS, "time"},
	{"io.debezium.time.Timestamp", VK_TS_MS, "timestamp"},
	{"io.debezium.time.MicroTimestamp", VK_TS_US, "timestamp"},
	{"io.debezium.time.NanoTimestamp", VK_TS_NS, "timestamp"},
	{"io.debezium.time.ZonedTimestamp", VK_STRING, "timestamptz"},
	{"io.debezium.time.ZonedTime", VK_STRING, "timetz"},
	{"io.debezium.time.Year", VK_INT, "integer"},
	{"io.debezium.time.MicroDuration", VK_DURATION_US, "interval"},
	{"io.debezium.data.Json", VK_STRING, "jsonb"},
	{"io.debezium.data.Uuid", VK_STRING, "uuid"},
	{"io.debezium.data.Xml", VK_STRING, "xml"},
	{"io.debezium.data.Enum", VK_STRING, "text"},
};

static const logical_t primitives[] = {
	{"int8", VK_INT, "smallint"},    {"int16", VK_INT, "smallint"},
	{"int32", VK_INT, "integer"},    {"int64", VK_INT, "bigint"},
	{"float", VK_FLOAT, "real"},     {"double", VK_FLOAT, "double precision"},
	{"boolean", VK_BOOL, "boolean"}, {"string", VK_STRING, "text"},
	{"bytes", VK_BYTES, "bytea"},    {"struct", VK_JSON, "jsonb"},
	{"array", VK_JSON, "jsonb"},     {"map", VK_JSON, "jsonb"},
};

/* The mapping of a schema; NULL when it has none. A logical name wins
 * over the type; an unknown logical name falls back to the type. */
static const logical_t *lookup_schema(const json_t *s)
{
	const char *name = schema_str(s, "name");
	const char *type = schema_str(s, "type");

	for (size_t i = 0; name && i < SL_ARRAY_LEN(logicals); i++)
		if (!strcmp(logicals[i].name, name))
			return &logicals[i];
	for (size_t i = 0; type && i < SL_ARRAY_LEN(primitives); i++)
		if (!strcmp(primitives[i].name, type))
			return &primitives[i];
	return NULL;
}

const char *sl_pg_column_type(const json_t *schema)
{
	const logical_t *l = lookup_schema(schema);
	return l ? l->pg_type : NULL;
}

const sl_pg_mapping_t *sl_pg_schema_mapping(const json_t *schema)
{
	return lookup_schema(schema);
}

const char *sl_pg_mapping_type(const sl_pg_mapping_t *m)
{
	return m->pg_type;
}

const char *sl_pg_json_column_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		return "bigint";
	case JSON_REAL:
		return "double precision";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_OBJECT:
	case JSON_ARRAY:
		return "jsonb";
	default:
		return "text";
	}
}

/* ---- values as text ------------------------------------------------------ */

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void append_date(sl_buf_t *out, int64_t days)
{
	int64_t y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	if (y <= 0) /* PostgreSQL has no year 0: 1 BC is year 0 here */
		sl_buf_appendf(out, "%04" PRId64 "-%02u-%02u BC", 1 - y, m, d);
	else
		sl_buf_appendf(out, "%04" PRId64 "-%02u-%02u", y, m, d);
}

/* Microseconds since midnight (0 <= us < 86400e6 expected). */
static void append_time_us(sl_buf_t *out, int64_t us)
{
	int64_t s = us / 1000000;
	sl_buf_appendf(out, "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64, s / 3600,
		       s / 60 % 60, s % 60, us % 1000000);
}

/* Microseconds since the epoch, as a timestamp without time zone (UTC). */
static void append_ts_us(sl_buf_t *out, int64_t us)
{
	int64_t days = floor_div(us, 86400000000LL);
	int64_t in_day = us - days * 86400000000LL;
	sl_buf_t date = {0};

	append_date(&date, days);
	/* "2020-01-02 BC" -> date, time, then the era at the end */
	char *bc = strstr(date.data, " BC");
	if (bc)
		*bc = '\0';
	sl_buf_append_str(out, date.data);
	sl_buf_append_char(out, ' ');
	append_time_us(out, in_day);
	if (bc)
		sl_buf_append_str(out, " BC");
	sl_buf_free(&date);
}

static void append_bytea(sl_buf_t *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	sl_buf_append_str(out, "\\x");
	sl_buf_reserve(out, n * 2 + 1);
	for (size_t i = 0; i < n; i++) {
		out->data[out->len++] = hex[p[i] >> 4];
		out->data[out->len++] = hex[p[i] & 15];
	}
	out->data[out->len] = '\0';
}

/* Appends text that PostgreSQL's text types can hold (no NUL). */
static int append_text(sl_buf_t *out, const char *s, size_t n, char *errstr, size_t errstr_size)
{
	if (memchr(s, '\0', n))
		return sl_seterr(errstr, errstr_size,
				 "string contains a NUL character, which PostgreSQL text "
				 "cannot hold");
	sl_buf_append(out, s, n);
	return 0;
}

static int append_decimal(sl_buf_t *out, const json_t *v, int scale, char *errstr,
			  size_t errstr_size)
{
	char *text = NULL;

	if (json_is_number(v)) { /* decimal.format=NUMERIC */
		if (json_is_integer(v))
			sl_buf_appendf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else
			sl_buf_appendf(out, "%.17g", json_real_value(v));
		return 0;
	}
	if (!json_is_string(v) || sl_decimal_from_base64(json_string_value(v), scale, &text) != 0)
		return sl_seterr(errstr, errstr_size, "not a Decimal payload (base64 expected)");
	sl_buf_append_str(out, text);
	free(text);
	return 0;
}

static int decimal_scale(const json_t *schema)
{
	const char *s = schema_str(json_object_get(schema, "parameters"), "scale");
	return s ? atoi(s) : 0;
}

static int append_bytes(sl_buf_t *out, const json_t *v, char *errstr, size_t errstr_size)
{
	unsigned char *raw = NULL;
	size_t n = 0;

	if (!json_is_string(v) ||
	    sl_base64_decode(json_string_value(v), json_string_length(v), &raw, &n) != 0)
		return sl_seterr(errstr, errstr_size, "not a bytes payload (base64 expected)");
	append_bytea(out, raw, n);
	free(raw);
	return 0;
}

static int append_json(sl_buf_t *out, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	sl_buf_append_str(out, s ? s : "null");
	free(s);
	return 0;
}

/* Appends v as the fewest decimals that read back as v, when that is a
 * plain decimal of at most 17 fraction digits under 2^53 in all: the
 * decimal r / 10^d parses to the correctly rounded quotient, which is
 * what the division of the two exact doubles gives. False (nothing
 * appended) for any other value. A fast "%.17g" for everyday doubles. */
static bool append_double_decimal(sl_buf_t *out, double v)
{
	static const double p10[] = {1e0, 1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
				     1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
	double a = v < 0 ? -v : v;
	char tmp[48], *p = tmp + sizeof(tmp);

	if (!(a < 1e15) || v == 0) /* NaN, huge, or a zero's sign: printf's */
		return false;
	for (size_t d = 0; d < SL_ARRAY_LEN(p10); d++) {
		double m = a * p10[d];
		if (m >= 9007199254740992.0)
			return false;
		double r = (double)(uint64_t)(m + 0.5);
		if (r / p10[d] != a)
			continue;
		uint64_t u = (uint64_t)r;
		for (size_t i = 0; i < d; i++, u /= 10)
			*--p = (char)('0' + u % 10);
		if (d)
			*--p = '.';
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v < 0)
			*--p = '-';
		sl_buf_append(out, p, (size_t)(tmp + sizeof(tmp) - p));
		return true;
	}
	return false;
}

/* A value by its JSON type (schemaless, or VK_AUTO). */
static int append_auto(sl_buf_t *out, const json_t *v, char *errstr, size_t errstr_size)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return append_text(out, json_string_value(v), json_string_length(v), errstr,
				   errstr_size);
	case JSON_INTEGER:
		sl_buf_append_int(out, json_integer_value(v));
		return 0;
	case JSON_REAL:
		if (!append_double_decimal(out, json_real_value(v)))
			sl_buf_appendf(out, "%.17g", json_real_value(v));
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		sl_buf_append_str(out, json_is_true(v) ? "true" : "false");
		return 0;
	default:
		return append_json(out, v);
	}
}

static int need_int(const json_t *v, int64_t *x, char *errstr, size_t errstr_size)
{
	if (!json_is_integer(v))
		return sl_seterr(errstr, errstr_size, "an integer was expected");
	*x = json_integer_value(v);
	return 0;
}

static int append_typed(sl_buf_t *out, const json_t *v, const json_t *schema, val_kind_t k,
			char *errstr, size_t errstr_size)
{
	int64_t x = 0;

	switch (k) {
	case VK_AUTO:
	case VK_STRING:
		if (k == VK_STRING && !json_is_string(v))
			return sl_seterr(errstr, errstr_size, "a string was expected");
		return append_auto(out, v, errstr, errstr_size);
	case VK_INT:
		if (need_int(v, &x, errstr, errstr_size))
			return -1;
		sl_buf_append_int(out, x);
		return 0;
	case VK_FLOAT:
		if (!json_is_number(v))
			return sl_seterr(errstr, errstr_size, "a number was expected");
		return append_auto(out, v, errstr, errstr_size);
	case VK_BOOL:
		if (!json_is_boolean(v))
			return sl_seterr(errstr, errstr_size, "a boolean was expected");
		return append_auto(out, v, errstr, errstr_size);
	case VK_BYTES:
		return append_bytes(out, v, errstr, errstr_size);
	case VK_DECIMAL:
		return append_decimal(out, v, decimal_scale(schema), errstr, errstr_size);
	case VK_VSDECIMAL:
		if (!json_is_object(v) ||
		    need_int(json_object_get(v, "scale"), &x, errstr, errstr_size))
			return sl_seterr(errstr, errstr_size,
					 "not a VariableScaleDecimal {scale, value}");
		return append_decimal(out, json_object_get(v, "value"), (int)x, errstr,
				      errstr_size);
	case VK_JSON:
		return append_json(out, v);
	default:
		break;
	}
	if (need_int(v, &x, errstr, errstr_size))
		return -1;
	switch (k) {
	case VK_DAYS:
		append_date(out, x);
		break;
	case VK_TIME_MS:
		append_time_us(out, x * 1000);
		break;
	case VK_TIME_US:
		append_time_us(out, x);
		break;
	case VK_TIME_NS:
		append_time_us(out, x / 1000);
		break;
	case VK_TS_MS:
		append_ts_us(out, x * 1000);
		break;
	case VK_TS_US:
		append_ts_us(out, x);
		break;
	case VK_TS_NS:
		append_ts_us(out, floor_div(x, 1000));
		break;
	case VK_DURATION_US:
		sl_buf_appendf(out, "%" PRId64 " microseconds", x);
		break;
	default:
		return sl_seterr(errstr, errstr_size, "unsupported schema");
	}
	return 0;
}

int sl_pg_value_text_mapped(const json_t *v, const json_t *schema, const sl_pg_mapping_t *map,
			    sl_buf_t *out, bool *is_null, char *errstr, size_t errstr_size)
{
	*is_null = !v || json_is_null(v);
	if (*is_null)
		return 0;
	if (append_typed(out, v, schema, map ? map->kind : VK_AUTO, errstr, errstr_size) != 0)
		return -1;
	sl_buf_append_char(out, '\0');
	return 0;
}

int sl_pg_value_text(const json_t *v, const json_t *schema, sl_buf_t *out, bool *is_null,
		     char *errstr, size_t errstr_size)
{
	*is_null = !v || json_is_null(v);
	if (*is_null)
		return 0;
	const logical_t *l = schema ? lookup_schema(schema) : NULL;
	if (schema && !l)
		return sl_seterr(errstr, errstr_size, "schema type %s has no PostgreSQL mapping",
				 schema_str(schema, "type") ? schema_str(schema, "type") : "?");
	return sl_pg_value_text_mapped(v, schema, l, out, is_null, errstr, errstr_size);
}
