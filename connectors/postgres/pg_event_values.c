/* PostgreSQL column types as Debezium maps them: the Kafka Connect schema of
 * each column type, and strict parsers from PostgreSQL's text output forms
 * to the JsonConverter payload. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pg_event_priv.h"
#include "pg_util.h"
#include "sluice/data.h"
#include "sluice/util.h"

#define US_PER_DAY 86400000000LL
/* What PgJDBC (and so Debezium) gives for timestamp 'infinity'/'-infinity'. */
#define TS_POS_INFINITY 9223372036825200000LL
#define TS_NEG_INFINITY (-9223372036832400000LL)

/* ---- schemas ------------------------------------------------------------ */

/* {"type":type,"optional":optional[,"name":name,"version":1]} in
 * JsonConverter's key order. */
static json_t *schema_named(const char *type, bool optional, const char *name)
{
	json_t *s = json_object();

	json_object_set_new(s, "type", json_string(type));
	json_object_set_new(s, "optional", json_boolean(optional));
	if (name) {
		json_object_set_new(s, "name", json_string(name));
		json_object_set_new(s, "version", json_integer(1));
	}
	return s;
}

static json_t *schema_vsdecimal(bool optional)
{
	json_t *s = json_object();
	json_t *fields = json_array();

	json_array_append_new(fields, json_pack("{s:s,s:b,s:s}", "type", "int32", "optional", 0,
						"field", "scale"));
	json_array_append_new(fields, json_pack("{s:s,s:b,s:s}", "type", "bytes", "optional", 0,
						"field", "value"));
	json_object_set_new(s, "type", json_string("struct"));
	json_object_set_new(s, "fields", fields);
	json_object_set_new(s, "optional", json_boolean(optional));
	json_object_set_new(s, "name", json_string("io.debezium.data.VariableScaleDecimal"));
	json_object_set_new(s, "version", json_integer(1));
	json_object_set_new(s, "doc", json_string("Variable scaled decimal"));
	return s;
}

static json_t *schema_decimal(int precision, int scale, bool optional)
{
	json_t *s = sl_schema_decimal(scale, optional);
	char p[16];

	snprintf(p, sizeof(p), "%d", precision);
	json_object_set_new(json_object_get(s, "parameters"), "connect.decimal.precision",
			    json_string(p));
	return s;
}

/* numeric: typmod - 4 holds precision << 16 | scale (scale may be negative
 * since PostgreSQL 15: 11 bits, sign extended). */
/* The double or string decimal.handling.mode asks for a decimal value
 * (numeric, money) to be written as; NULL when it asks for precise. */
static json_t *resolve_imprecise(const sl_pg_event_config_t *cfg, bool optional, sl_pgv_conv_t *c)
{
	switch (cfg->decimal_mode) {
	case SL_PG_DECIMAL_DOUBLE:
		c->kind = SL_PGV_NUM_DOUBLE;
		return schema_named("double", optional, NULL);
	case SL_PG_DECIMAL_STRING:
		c->kind = SL_PGV_NUM_STRING;
		return schema_named("string", optional, NULL);
	case SL_PG_DECIMAL_PRECISE:
	default:
		return NULL;
	}
}

static json_t *resolve_numeric(const sl_pg_event_config_t *cfg, int32_t typmod, bool optional,
			       sl_pgv_conv_t *c)
{
	json_t *imprecise = resolve_imprecise(cfg, optional, c);
	if (imprecise)
		return imprecise;
	if (typmod < 4) {
		c->kind = SL_PGV_VSDECIMAL;
		return schema_vsdecimal(optional);
	}
	int precision = ((typmod - 4) >> 16) & 0xffff;
	int scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
	c->kind = SL_PGV_DECIMAL;
	c->scale = scale;
	return schema_decimal(precision, scale, optional);
}

/* Debezium's money.fraction.digits default: money's scale as a Decimal. */
#define MONEY_SCALE 2

/* money: a Decimal of MONEY_SCALE, a double or a string by
 * decimal.handling.mode, parsed from the server's currency text. */
static json_t *resolve_money(const sl_pg_event_config_t *cfg, bool optional, sl_pgv_conv_t *c)
{
	c->text = SL_PGV_TEXT_MONEY;
	json_t *imprecise = resolve_imprecise(cfg, optional, c);
	if (imprecise)
		return imprecise;
	c->kind = SL_PGV_DECIMAL;
	c->scale = MONEY_SCALE;
	return sl_schema_decimal(MONEY_SCALE, optional);
}

/* bit(n), varbit(n): typmod is n (-1 for a varbit without one, which
 * PgJDBC reports as its unknown length, INT32_MAX). Debezium makes a
 * single bit a boolean and longer strings io.debezium.data.Bits. */
static json_t *resolve_bits(int32_t typmod, bool optional, sl_pgv_conv_t *c)
{
	char len[16];

	c->text = SL_PGV_TEXT_BITS;
	if (typmod == 1) {
		c->kind = SL_PGV_BOOL;
		return schema_named("boolean", optional, NULL);
	}
	c->kind = SL_PGV_BYTES;
	json_t *s = schema_named("bytes", optional, "io.debezium.data.Bits");
	snprintf(len, sizeof(len), "%" PRId32, typmod < 0 ? INT32_MAX : typmod);
	json_object_set_new(s, "parameters", json_pack("{s:s}", "length", len));
	return s;
}

static json_t *schema_point(bool optional)
{
	json_t *s = json_object();
	json_t *fields = json_array();

	json_array_append_new(
		fields, json_pack("{s:s,s:b,s:s}", "type", "double", "optional", 0, "field", "x"));
	json_array_append_new(
		fields, json_pack("{s:s,s:b,s:s}", "type", "double", "optional", 0, "field", "y"));
	json_array_append_new(
		fields, json_pack("{s:s,s:b,s:s}", "type", "bytes", "optional", 1, "field", "wkb"));
	json_array_append_new(fields, json_pack("{s:s,s:b,s:s}", "type", "int32", "optional", 1,
						"field", "srid"));
	json_object_set_new(s, "type", json_string("struct"));
	json_object_set_new(s, "fields", fields);
	json_object_set_new(s, "optional", json_boolean(optional));
	json_object_set_new(s, "name", json_string("io.debezium.data.geometry.Point"));
	json_object_set_new(s, "version", json_integer(1));
	json_object_set_new(s, "doc", json_string("Geometry (POINT)"));
	return s;
}

/* time, timestamp: typmod is the fractional precision (-1: 6). */
static json_t *resolve_temporal(const sl_pg_event_config_t *cfg, uint32_t oid, int32_t typmod,
				bool optional, sl_pgv_conv_t *c)
{
	bool connect = cfg->time_mode == SL_PG_TIME_CONNECT;
	bool millis = typmod >= 0 && typmod <= 3;

	switch (oid) {
	case 1082: /* date */
		c->kind = SL_PGV_DATE;
		return connect ? sl_schema_date(optional)
			       : schema_named("int32", optional, "io.debezium.time.Date");
	case 1083: /* time */
		if (connect) {
			c->kind = SL_PGV_TIME_MS;
			return sl_schema_time(optional);
		}
		c->kind = millis ? SL_PGV_TIME_MS : SL_PGV_TIME_US;
		return millis ? schema_named("int32", optional, "io.debezium.time.Time")
			      : schema_named("int64", optional, "io.debezium.time.MicroTime");
	case 1114: /* timestamp */
	default:
		if (connect) {
			c->kind = SL_PGV_TS_MS;
			return sl_schema_timestamp(optional);
		}
		c->kind = millis ? SL_PGV_TS_MS : SL_PGV_TS_US;
		return millis ? schema_named("int64", optional, "io.debezium.time.Timestamp")
			      : schema_named("int64", optional, "io.debezium.time.MicroTimestamp");
	}
}

/* Fraction digits of a timestamptz(typmod) as Debezium's ZonedTimestamp
 * writes them: exactly the column's precision (6 when it has none, so
 * 01:04:05 is "01:04:05.000000Z"); precision 0 falls back to ISO-8601's
 * as few as needed. */
static int zoned_width(int32_t typmod)
{
	if (typmod < 0 || typmod > 6)
		return 6;
	return typmod == 0 ? -1 : typmod;
}

/* Built-in scalar types by oid; NULL when oid is not one of them. */
static json_t *resolve_builtin(const sl_pg_event_config_t *cfg, uint32_t oid, int32_t typmod,
			       bool optional, sl_pgv_conv_t *c)
{
	c->kind = SL_PGV_STRING;
	switch (oid) {
	case 16:
		c->kind = SL_PGV_BOOL;
		return schema_named("boolean", optional, NULL);
	case 21:
		c->kind = SL_PGV_INT16;
		return schema_named("int16", optional, NULL);
	case 23:
		c->kind = SL_PGV_INT32;
		return schema_named("int32", optional, NULL);
	case 20:
	case 26: /* oid */
		c->kind = SL_PGV_INT64;
		return schema_named("int64", optional, NULL);
	case 700:
		c->kind = SL_PGV_FLOAT32;
		return schema_named("float", optional, NULL);
	case 701:
		c->kind = SL_PGV_FLOAT64;
		return schema_named("double", optional, NULL);
	case 1700:
		return resolve_numeric(cfg, typmod, optional, c);
	case 17:
		c->kind = SL_PGV_BYTES;
		return schema_named("bytes", optional, NULL);
	case 1082:
	case 1083:
	case 1114:
		return resolve_temporal(cfg, oid, typmod, optional, c);
	case 1184:
		c->kind = SL_PGV_ZONED_TS;
		c->width = zoned_width(typmod);
		return schema_named("string", optional, "io.debezium.time.ZonedTimestamp");
	case 1266:
		c->kind = SL_PGV_ZONED_TIME;
		return schema_named("string", optional, "io.debezium.time.ZonedTime");
	case 1186: /* interval.handling.mode=numeric, Debezium's default */
		c->kind = SL_PGV_INTERVAL;
		return schema_named("int64", optional, "io.debezium.time.MicroDuration");
	case 3614:
		return schema_named("string", optional, "io.debezium.data.Tsvector");
	case 2950:
		return schema_named("string", optional, "io.debezium.data.Uuid");
	case 114:
	case 3802:
		return schema_named("string", optional, "io.debezium.data.Json");
	case 142:
		return schema_named("string", optional, "io.debezium.data.Xml");
	case 790:
		return resolve_money(cfg, optional, c);
	case 1560: /* bit */
	case 1562: /* varbit */
		return resolve_bits(typmod, optional, c);
	case 600:
		c->kind = SL_PGV_POINT;
		return schema_point(optional);
	default:
		return NULL;
	}
}

static char *type_label(const sl_pg_type_t *t, uint32_t oid, int32_t typmod)
{
	if (oid == 1700 && typmod >= 4)
		return sl_asprintf("numeric(%d,%d)", ((typmod - 4) >> 16) & 0xffff,
				   (((typmod - 4) & 0x7ff) ^ 1024) - 1024);
	if (t)
		return sl_strdup(t->name);
	return sl_asprintf("oid %" PRIu32, oid);
}

static void resolve_depth(const sl_pg_types_t *types, const sl_pg_event_config_t *cfg, uint32_t oid,
			  int32_t typmod, bool optional, sl_pgv_conv_t *c, json_t **schema,
			  int depth)
{
	const sl_pg_type_t *t = sl_pg_types_find(types, oid);

	memset(c, 0, sizeof(*c));
	c->width = -1;
	c->type_name = type_label(t, oid, typmod);
	/* domains map as their base type */
	while (t && t->typtype == 'd' && t->base && depth++ < 16) {
		oid = t->base;
		t = sl_pg_types_find(types, oid);
	}
	if (t && t->elem && t->name[0] == '_' && depth < 16) {
		json_t *items;
		c->kind = SL_PGV_ARRAY;
		c->elem = sl_calloc(1, sizeof(*c->elem));
		resolve_depth(types, cfg, t->elem, typmod, true, c->elem, &items, depth + 1);
		*schema = json_object();
		json_object_set_new(*schema, "type", json_string("array"));
		json_object_set_new(*schema, "items", items);
		json_object_set_new(*schema, "optional", json_boolean(optional));
		return;
	}
	*schema = resolve_builtin(cfg, oid, typmod, optional, c);
	if (*schema)
		return;
	c->kind = SL_PGV_STRING;
	*schema = schema_named("string", optional,
			       t && t->typtype == 'e' ? "io.debezium.data.Enum" : NULL);
	if (t && t->typtype == 'e' && t->labels)
		json_object_set_new(*schema, "parameters",
				    json_pack("{s:s}", "allowed", t->labels));
}

void sl_pgv_resolve(const sl_pg_types_t *types, const sl_pg_event_config_t *cfg, uint32_t oid,
		    int32_t typmod, bool optional, sl_pgv_conv_t *conv, json_t **schema)
{
	resolve_depth(types, cfg, oid, typmod, optional, conv, schema, 0);
}

void sl_pgv_conv_clear(sl_pgv_conv_t *conv)
{
	if (conv->elem) {
		sl_pgv_conv_clear(conv->elem);
		free(conv->elem);
	}
	free(conv->type_name);
	memset(conv, 0, sizeof(*conv));
}

/* ---- scalar parsers ----------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool text_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

static int parse_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, limit;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == len)
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (unsigned)(s[i] - '0'), &v) || v > limit)
			return -1;
	}
	int64_t r = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (r < min || r > max)
		return -1;
	*out = r;
	return 0;
}

/* Copies text into buf (or a malloc()ed buffer when it does not fit) with
 * a NUL; returns the copy, to release with free_cstr. */
static char *cstr(const char *s, size_t len, char *buf, size_t size)
{
	char *p = len < size ? buf : sl_malloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void free_cstr(char *p, const char *buf)
{
	if (p != buf)
		free(p);
}

/* NaN and the infinities are kept as the strings Jackson writes for them
 * (jansson has no NaN); returns 1 for those, 0 for a number, -1 for junk. */
static int parse_double(const char *s, size_t len, json_t **out)
{
	char buf[64], *end;

	if (text_is(s, len, "NaN") || text_is(s, len, "Infinity") || text_is(s, len, "-Infinity")) {
		*out = json_stringn(s, len);
		return 1;
	}
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]) && !strchr("+-.eE", s[i]))
			return -1;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	char *c = cstr(s, len, buf, sizeof(buf));
	errno = 0;
	double d = strtod(c, &end);
	if (end != c + len)
		return -1;
	*out = json_real(d);
	return *out ? 0 : -1;
}

/* numeric text: -?digits[.digits]; *frac gets the fraction digit count. */
static bool numeric_text(const char *s, size_t len, int *frac)
{
	size_t i = 0, digits = 0;
	int f = -1;

	if (i < len && s[i] == '-')
		i++;
	for (; i < len; i++) {
		if (is_digit(s[i])) {
			digits++;
			if (f >= 0)
				f++;
		} else if (s[i] == '.' && f < 0) {
			f = 0;
		} else {
			return false;
		}
	}
	*frac = f < 0 ? 0 : f;
	return digits > 0;
}

static bool numeric_special(const char *s, size_t len)
{
	return text_is(s, len, "NaN") || text_is(s, len, "Infinity") ||
	       text_is(s, len, "-Infinity");
}

static int parse_decimal(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out)
{
	char buf[128], *b64 = NULL;
	int frac, rc = -1;

	if (numeric_special(s, len)) {
		/* precise mode has no NaN/Infinity: Debezium gives null */
		*out = json_null();
		return 0;
	}
	if (!numeric_text(s, len, &frac))
		return -1;
	char *text = cstr(s, len, buf, sizeof(buf));
	int scale = c->kind == SL_PGV_DECIMAL ? c->scale : frac;
	if (sl_decimal_to_base64(text, scale, &b64) == 0) {
		if (c->kind == SL_PGV_DECIMAL)
			*out = json_string(b64);
		else
			*out = json_pack("{s:i,s:s}", "scale", scale, "value", b64);
		rc = 0;
	}
	free(b64);
	free_cstr(text, buf);
	return rc;
}

static int parse_numeric_other(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out)
{
	int frac;

	if (c->kind == SL_PGV_NUM_STRING) {
		if (text_is(s, len, "NaN")) {
			*out = json_string("NAN");
			return 0;
		}
		if (!numeric_special(s, len) && !numeric_text(s, len, &frac))
			return -1;
		*out = json_stringn(s, len);
		return 0;
	}
	if (!numeric_special(s, len) && !numeric_text(s, len, &frac))
		return -1;
	return parse_double(s, len, out) < 0 ? -1 : 0;
}

/* bytea in hex ("\x0aff") or escape ("a\\000\\\\") output form. */
static int parse_bytea(const char *s, size_t len, json_t **out)
{
	unsigned char *raw = sl_malloc(len / 2 + 1);
	size_t n = 0;

	if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
		if (len % 2)
			goto fail;
		for (size_t i = 2; i < len; i += 2) {
			int hi = sl_hex_digit(s[i]), lo = sl_hex_digit(s[i + 1]);
			if (hi < 0 || lo < 0)
				goto fail;
			raw[n++] = (unsigned char)(hi << 4 | lo);
		}
	} else {
		free(raw);
		raw = sl_malloc(len + 1);
		for (size_t i = 0; i < len; i++) {
			if (s[i] != '\\') {
				raw[n++] = (unsigned char)s[i];
			} else if (i + 1 < len && s[i + 1] == '\\') {
				raw[n++] = '\\';
				i++;
			} else if (i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
				   s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' &&
				   s[i + 3] <= '7') {
				raw[n++] = (unsigned char)((s[i + 1] - '0') * 64 +
							   (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
				i += 3;
			} else {
				goto fail;
			}
		}
	}
	char *b64 = sl_base64_encode(raw, n);
	*out = json_string(b64);
	free(b64);
	free(raw);
	return 0;
fail:
	free(raw);
	return -1;
}

/* ---- money, bit strings, points ----------------------------------------- */

/* money text as the server's lc_monetary writes it ("$1,234.56",
 * "-$1,234.56", "($5.00)"): a sign or parentheses, the currency symbol,
 * digits with group separators, a '.' fraction. Into buf goes the plain
 * decimal ("-1234.56"), *frac gets its fraction digit count. As Debezium,
 * anything before the first digit but the sign is the symbol. */
static bool money_plain(const char *s, size_t len, sl_buf_t *buf, int *frac)
{
	size_t i = 0;
	bool paren = len > 0 && s[0] == '(', digits = false;
	int f = -1;

	if (paren) {
		if (s[len - 1] != ')')
			return false;
		i++;
		len--;
	}
	if (paren || (i < len && s[i] == '-')) {
		sl_buf_append_char(buf, '-');
		i += !paren;
	}
	while (i < len && !is_digit(s[i]) && s[i] != '-' && s[i] != '.')
		i++; /* the currency symbol */
	for (; i < len; i++) {
		if (is_digit(s[i])) {
			digits = true;
			f += f >= 0;
		} else if (s[i] == '.' && f < 0 && digits) {
			f = 0;
		} else if (s[i] != ',' || f >= 0 || !digits) {
			return false;
		} else {
			continue;
		}
		sl_buf_append_char(buf, s[i]);
	}
	*frac = f < 0 ? 0 : f;
	return digits && f != 0;
}

/* Rounds the plain decimal in buf (frac fraction digits) half up to scale
 * digits, as BigDecimal.setScale(scale, HALF_UP) does; a no-op when it
 * has no more than that. */
static void round_half_up(sl_buf_t *buf, int frac, int scale)
{
	if (frac <= scale)
		return;
	bool up = buf->data[buf->len - (size_t)(frac - scale)] >= '5';
	buf->len -= (size_t)(frac - scale) + (scale == 0); /* and the '.' */
	buf->data[buf->len] = '\0';
	for (size_t i = buf->len; up && i-- > 0;) {
		if (buf->data[i] == '.')
			continue;
		if (buf->data[i] == '-')
			break;
		up = buf->data[i] == '9';
		buf->data[i] = up ? '0' : (char)(buf->data[i] + 1);
	}
	if (up) { /* 9.99 -> 10.00: one more digit in front */
		size_t at = buf->data[0] == '-';
		sl_buf_append_char(buf, '0');
		memmove(buf->data + at + 1, buf->data + at, buf->len - at - 1);
		buf->data[at] = '1';
	}
}

static int parse_money(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out)
{
	sl_buf_t buf = {0};
	char *b64 = NULL;
	int frac, rc = -1;

	if (!money_plain(s, len, &buf, &frac))
		goto out;
	if (c->kind == SL_PGV_NUM_STRING) {
		*out = json_string(buf.data);
		rc = 0;
	} else if (c->kind == SL_PGV_NUM_DOUBLE) {
		*out = json_real(strtod(buf.data, NULL));
		rc = 0;
	} else {
		round_half_up(&buf, frac, c->scale);
		if (sl_decimal_to_base64(buf.data, c->scale, &b64) == 0) {
			*out = json_string(b64);
			rc = 0;
		}
	}
out:
	free(b64);
	sl_buf_free(&buf);
	return rc;
}

/* A bit string ("0101", most significant first) as Debezium packs it: a
 * boolean for bit(1); else the bits little-endian (the last character is
 * bit 0 of byte 0), in as few bytes as the highest set bit needs. */
static int parse_bits(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != '0' && s[i] != '1')
			return -1;
	if (c->kind == SL_PGV_BOOL) {
		*out = json_boolean(memchr(s, '1', len) != NULL);
		return len ? 0 : -1;
	}
	unsigned char *raw = sl_calloc(len / 8 + 1, 1);
	size_t n = 0;
	for (size_t bit = 0; bit < len; bit++) {
		if (s[len - 1 - bit] == '1') {
			raw[bit / 8] |= (unsigned char)(1u << (bit % 8));
			n = bit / 8 + 1;
		}
	}
	char *b64 = sl_base64_encode(raw, n);
	*out = json_string(b64);
	free(b64);
	free(raw);
	return 0;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A double of a point's text as a JSON value (NaN and the infinities as
 * Jackson's strings) and in *d. */
static bool point_coord(const char *s, size_t len, json_t **out, double *d)
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf) || parse_double(s, len, out) < 0)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*d = strtod(buf, NULL);
	return true;
}

/* "(x,y)" -> {x, y, wkb, srid}: wkb is the point's OGC WKB (little-endian,
 * type 1), srid null, as Debezium's Point.createValue gives them. */
static int parse_point(const char *s, size_t len, json_t **out)
{
	const char *comma = len > 2 ? memchr(s, ',', len) : NULL;
	json_t *x = NULL, *y = NULL;
	unsigned char wkb[21];
	uint64_t bits;
	double dx, dy;

	if (!comma || s[0] != '(' || s[len - 1] != ')' ||
	    !point_coord(s + 1, (size_t)(comma - s - 1), &x, &dx) ||
	    !point_coord(comma + 1, (size_t)(s + len - 1 - comma - 1), &y, &dy)) {
		json_decref(x);
		return -1;
	}
	wkb[0] = 1; /* little-endian */
	put_le(wkb + 1, 1, 4);
	memcpy(&bits, &dx, sizeof(bits));
	put_le(wkb + 5, bits, 8);
	memcpy(&bits, &dy, sizeof(bits));
	put_le(wkb + 13, bits, 8);
	char *b64 = sl_base64_encode(wkb, sizeof(wkb));
	*out = json_pack("{s:o,s:o,s:s,s:n}", "x", x, "y", y, "wkb", b64, "srid");
	free(b64);
	return 0;
}

/* ---- dates and times ---------------------------------------------------- */

int64_t sl_pgv_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* A cursor over a date/time text. */
typedef struct scan {
	const char *s;
	size_t len, i;
} scan_t;

static bool scan_digits(scan_t *sc, size_t min, size_t max, int64_t *out)
{
	size_t start = sc->i;
	int64_t v = 0;

	while (sc->i < sc->len && sc->i - start < max && is_digit(sc->s[sc->i]))
		v = v * 10 + (sc->s[sc->i++] - '0');
	*out = v;
	return sc->i - start >= min;
}

static bool scan_char(scan_t *sc, char c)
{
	if (sc->i < sc->len && sc->s[sc->i] == c) {
		sc->i++;
		return true;
	}
	return false;
}

/* YYYY-MM-DD (4 or more year digits); days since the epoch, BC applied by
 * the caller through *year. */
static bool scan_date(scan_t *sc, int64_t *year, int *mon, int *day)
{
	int64_t y, m, d;

	if (!scan_digits(sc, 4, 7, &y) || !scan_char(sc, '-') || !scan_digits(sc, 2, 2, &m) ||
	    !scan_char(sc, '-') || !scan_digits(sc, 2, 2, &d))
		return false;
	if (m < 1 || m > 12 || d < 1)
		return false;
	*year = y;
	*mon = (int)m;
	*day = (int)d;
	return true;
}

static bool date_valid(int64_t y, int m, int d)
{
	return d <= days_in_month(y, m);
}

/* HH:MM:SS[.ffffff] -> microseconds since midnight (24:00:00 allowed). */
static bool scan_time(scan_t *sc, int64_t *us)
{
	int64_t h, m, s, f = 0;

	if (!scan_digits(sc, 2, 2, &h) || !scan_char(sc, ':') || !scan_digits(sc, 2, 2, &m) ||
	    !scan_char(sc, ':') || !scan_digits(sc, 2, 2, &s))
		return false;
	if (scan_char(sc, '.')) {
		size_t start = sc->i;
		if (!scan_digits(sc, 1, 6, &f))
			return false;
		for (size_t k = sc->i - start; k < 6; k++)
			f *= 10;
	}
	if (h > 24 || m > 59 || s > 59 || (h == 24 && (m || s || f)))
		return false;
	*us = ((h * 60 + m) * 60 + s) * 1000000 + f;
	return true;
}

/* [+-]HH[:MM[:SS]] -> seconds east of UTC. */
static bool scan_offset(scan_t *sc, int64_t *secs)
{
	int64_t h, m = 0, s = 0;
	int sign;

	if (scan_char(sc, '+'))
		sign = 1;
	else if (scan_char(sc, '-'))
		sign = -1;
	else
		return false;
	if (!scan_digits(sc, 2, 2, &h))
		return false;
	if (scan_char(sc, ':') && !scan_digits(sc, 2, 2, &m))
		return false;
	if (scan_char(sc, ':') && !scan_digits(sc, 2, 2, &s))
		return false;
	if (h > 15 || m > 59 || s > 59)
		return false;
	*secs = sign * (h * 3600 + m * 60 + s);
	return true;
}

/* " BC" suffix: turns year into the astronomical year. */
static bool scan_era(scan_t *sc, int64_t *year)
{
	if (sc->len - sc->i == 3 && !memcmp(sc->s + sc->i, " BC", 3)) {
		sc->i += 3;
		*year = 1 - *year;
	}
	return sc->i == sc->len;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* date text -> days since the epoch (infinity as PgJDBC gives it). */
static int date_days(const char *s, size_t len, int64_t *days)
{
	scan_t sc = {s, len, 0};
	int64_t y;
	int m, d;

	if (text_is(s, len, "infinity") || text_is(s, len, "-infinity")) {
		*days = s[0] == '-' ? INT32_MIN : INT32_MAX;
		return 0;
	}
	if (!scan_date(&sc, &y, &m, &d) || !scan_era(&sc, &y) || !date_valid(y, m, d))
		return -1;
	*days = sl_pgv_days_from_civil(y, m, d);
	return 0;
}

/* timestamp and timestamptz text -> microseconds since the epoch (UTC for
 * timestamptz, the local time taken as UTC for timestamp). 1 for
 * infinity, -2 for -infinity. */
static int scan_timestamp(const char *s, size_t len, bool zoned, int64_t *us)
{
	scan_t sc = {s, len, 0};
	int64_t y, t, off = 0;
	int m, d;

	if (text_is(s, len, "infinity"))
		return 1;
	if (text_is(s, len, "-infinity"))
		return -2;
	if (!scan_date(&sc, &y, &m, &d) || !scan_char(&sc, ' ') || !scan_time(&sc, &t))
		return -1;
	if (zoned && !scan_offset(&sc, &off))
		return -1;
	if (!scan_era(&sc, &y) || !date_valid(y, m, d))
		return -1;
	*us = sl_pgv_days_from_civil(y, m, d) * US_PER_DAY + t - off * 1000000;
	return 0;
}

/* timestamp text -> the payload's number (micro- or milliseconds). */
static int timestamp_value(const sl_pgv_conv_t *c, const char *s, size_t len, int64_t *v)
{
	int64_t us;
	int rc = scan_timestamp(s, len, false, &us);

	if (rc == -1)
		return -1;
	if (rc != 0)
		*v = rc == 1 ? TS_POS_INFINITY : TS_NEG_INFINITY;
	else
		*v = c->kind == SL_PGV_TS_MS ? floor_div(us, 1000) : us;
	return 0;
}

/* Appends .fraction of us (0..999999) as Java's ISO formatters do: width
 * digits, or as few as needed (none for 0) when width is -1. */
/* Writes the n low decimal digits of v (>= 0), zero-padded. */
static void put_digits(char *p, int64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

static size_t put_fraction(char *p, int64_t frac_us, int width)
{
	char digits[6];
	int n = width;

	put_digits(digits, frac_us, 6);
	if (n < 0) {
		n = 6;
		while (n > 0 && digits[n - 1] == '0')
			n--;
	}
	if (n == 0)
		return 0;
	p[0] = '.';
	memcpy(p + 1, digits, (size_t)n);
	return (size_t)n + 1;
}

static size_t put_time(char *p, int64_t us, int width)
{
	int64_t secs = us / 1000000; /* 0 to 24:00:00 (scan_time) */

	put_digits(p, secs / 3600, 2);
	p[2] = ':';
	put_digits(p + 3, secs / 60 % 60, 2);
	p[5] = ':';
	put_digits(p + 6, secs % 60, 2);
	return 8 + put_fraction(p + 8, us % 1000000, width);
}

/* The common form of timestamptz text in a UTC session (the source sets
 * TimeZone=UTC): "YYYY-MM-DD HH:MM:SS[.f{1,6}]+00". Its ISO-8601 text is
 * the same date and time with 'T', the fraction as width asks and 'Z': no
 * arithmetic. Returns the length written to buf, 0 when s has another
 * form (other years, offsets, BC, infinity: zoned_timestamp_text). */
static int utc_timestamp_text(const sl_pgv_conv_t *c, const char *s, size_t len, char *buf)
{
	enum {
		BASE = 19
	}; /* "YYYY-MM-DD HH:MM:SS" */
	static const unsigned char at[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};

	if (len < BASE + 3 || len > BASE + 7 + 3 || memcmp(s + len - 3, "+00", 3) || s[4] != '-' ||
	    s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':')
		return 0;
	for (size_t i = 0; i < sizeof(at); i++)
		if (!is_digit(s[at[i]]))
			return 0;
#define D2(p) ((s[p] - '0') * 10 + (s[(p) + 1] - '0'))
	int year = D2(0) * 100 + D2(2), mon = D2(5), day = D2(8);
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || D2(11) > 23 ||
	    D2(14) > 59 || D2(17) > 59)
		return 0;
#undef D2
	int64_t frac = 0;
	size_t digits = len - 3 - BASE; /* the fraction with its '.' */
	if (digits) {
		if (s[BASE] != '.' || digits < 2)
			return 0;
		for (size_t i = BASE + 1; i < len - 3; i++) {
			if (!is_digit(s[i]))
				return 0;
			frac = frac * 10 + (s[i] - '0');
		}
		for (size_t i = digits - 1; i < 6; i++)
			frac *= 10;
	}
	memcpy(buf, s, BASE);
	buf[10] = 'T';
	size_t n = BASE + put_fraction(buf + BASE, frac, c->width);
	buf[n++] = 'Z';
	return (int)n;
}

/* timestamptz text -> its ISO-8601 text in UTC in buf (64 bytes);
 * returns the length, -1 for junk. */
static int zoned_timestamp_text(const sl_pgv_conv_t *c, const char *s, size_t len, char *buf)
{
	int64_t us, y;
	int m, d;
	int fast = utc_timestamp_text(c, s, len, buf);
	if (fast > 0)
		return fast;
	int rc = scan_timestamp(s, len, true, &us);

	if (rc == -1)
		return -1;
	if (rc != 0)
		return sprintf(buf, "%s", rc == 1 ? "infinity" : "-infinity");
	int64_t days = floor_div(us, US_PER_DAY);
	civil_from_days(days, &y, &m, &d);
	size_t n;
	if (y > 9999)
		n = (size_t)sprintf(buf, "+%" PRId64, y);
	else if (y < 0)
		n = (size_t)sprintf(buf, "-%04" PRId64, -y);
	else {
		put_digits(buf, y, 4);
		n = 4;
	}
	buf[n] = '-';
	put_digits(buf + n + 1, m, 2);
	buf[n + 3] = '-';
	put_digits(buf + n + 4, d, 2);
	buf[n + 6] = 'T';
	n += 7;
	n += put_time(buf + n, us - days * US_PER_DAY, c->width);
	buf[n++] = 'Z';
	return (int)n;
}

static int parse_time(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out)
{
	scan_t sc = {s, len, 0};
	int64_t us, off = 0;
	char buf[32];

	if (!scan_time(&sc, &us))
		return -1;
	if (c->kind == SL_PGV_ZONED_TIME) {
		if (!scan_offset(&sc, &off) || sc.i != len)
			return -1;
		us = ((us - off * 1000000) % US_PER_DAY + US_PER_DAY) % US_PER_DAY;
		size_t n = put_time(buf, us, -1);
		buf[n++] = 'Z';
		*out = json_stringn(buf, n);
		return 0;
	}
	if (sc.i != len)
		return -1;
	*out = json_integer(c->kind == SL_PGV_TIME_MS ? us / 1000 : us);
	return 0;
}

/* ---- intervals ---------------------------------------------------------- */

/* Debezium's months of an interval: 365.25 / 12 days each. */
#define DAYS_PER_MONTH_AVG 30.4375

/* The interval's parts as PostgreSQL's default output (IntervalStyle
 * postgres) gives them: "1 year 2 mons -3 days +04:05:06.5". */
typedef struct interval_parts {
	int64_t years, months, days, hours, minutes;
	double seconds;
} interval_parts_t;

static bool interval_unit(interval_parts_t *iv, int64_t n, const char *unit, size_t len)
{
	if (len >= 4 && !strncmp(unit, "year", 4))
		iv->years = n;
	else if (len >= 3 && !strncmp(unit, "mon", 3))
		iv->months = n;
	else if (len >= 3 && !strncmp(unit, "day", 3))
		iv->days = n;
	else
		return false;
	return true;
}

/* [+-]H+:MM:SS[.ffffff]; a minus applies to every part. */
static bool interval_time(interval_parts_t *iv, const char *s, size_t len)
{
	scan_t sc = {s, len, 0};
	int64_t h, m, sec, f = 0;
	int sign = 1;
	size_t start;

	if (scan_char(&sc, '-'))
		sign = -1;
	else
		scan_char(&sc, '+');
	if (!scan_digits(&sc, 1, 10, &h) || !scan_char(&sc, ':') || !scan_digits(&sc, 2, 2, &m) ||
	    !scan_char(&sc, ':') || !scan_digits(&sc, 2, 2, &sec))
		return false;
	start = sc.i + 1;
	if (scan_char(&sc, '.')) {
		if (!scan_digits(&sc, 1, 6, &f))
			return false;
		for (size_t k = sc.i - start; k < 6; k++)
			f *= 10;
	}
	if (sc.i != len)
		return false;
	iv->hours = sign * h;
	iv->minutes = sign * m;
	iv->seconds = sign * ((double)sec + (double)f / 1e6);
	return true;
}

static int parse_interval(const char *s, size_t len, json_t **out)
{
	interval_parts_t iv = {0};
	size_t i = 0;

	while (i < len) {
		size_t start = i, end;
		int64_t n;

		while (i < len && s[i] != ' ')
			i++;
		end = i;
		while (i < len && s[i] == ' ')
			i++;
		if (memchr(s + start, ':', end - start)) {
			if (!interval_time(&iv, s + start, end - start))
				return -1;
			continue;
		}
		size_t unit = i;
		while (i < len && s[i] != ' ')
			i++;
		if (parse_int(s + start, end - start, INT32_MIN, INT32_MAX, &n) < 0 ||
		    !interval_unit(&iv, n, s + unit, i - unit))
			return -1;
		while (i < len && s[i] == ' ')
			i++;
	}
	/* as PgJDBC's PGInterval keeps the seconds (whole and rounded
	 * microseconds) and Debezium's MicroDuration adds them up, in doubles */
	int64_t us = (int64_t)floor(iv.seconds * 1e6 + 0.5);
	double secs = (double)(us / 1000000) + (double)(us % 1000000) / 1e6;
	double days = (double)(iv.years * 12 + iv.months) * DAYS_PER_MONTH_AVG + (double)iv.days;
	double total = ((days * 24 + (double)iv.hours) * 60 + (double)iv.minutes) * 60 + secs;
	*out = json_integer((json_int_t)(total * 1e6));
	return 0;
}

/* ---- arrays ------------------------------------------------------------- */

static int parse_scalar(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out);

/* One element of an array text at *i: quoted (with backslash escapes) or
 * bare (NULL is null). Leaves *i on the delimiter or closing brace. */
static int array_element(const char *s, size_t len, size_t *i, sl_buf_t *el, bool *null)
{
	size_t k = *i;

	sl_buf_reset(el);
	sl_buf_append(el, "", 0);
	*null = false;
	if (k < len && s[k] == '"') {
		for (k++; k < len && s[k] != '"'; k++) {
			if (s[k] == '\\' && ++k == len)
				return -1;
			sl_buf_append_char(el, s[k]);
		}
		if (k == len)
			return -1;
		k++;
	} else {
		while (k < len && s[k] != ',' && s[k] != '}') {
			if (s[k] == '"' || s[k] == '{' || s[k] == '\\')
				return -1;
			sl_buf_append_char(el, s[k++]);
		}
		while (el->len && (el->data[el->len - 1] == ' '))
			el->data[--el->len] = '\0';
		if (el->len == 0)
			return -1;
		*null = el->len == 4 && !strcasecmp(el->data, "NULL");
	}
	*i = k;
	return 0;
}

static int parse_array(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out,
		       char *errstr, size_t errstr_size)
{
	sl_buf_t el = {0};
	json_t *arr = json_array();
	size_t i = 1;

	if (len < 2 || s[0] != '{' || s[len - 1] != '}') {
		sl_seterr(errstr, errstr_size, "not a one-dimensional %s", c->type_name);
		goto fail;
	}
	if (len > 2 && s[1] == '{') {
		sl_seterr(errstr, errstr_size,
			  "a multi-dimensional array (only one dimension is supported)");
		goto fail;
	}
	while (len > 2) {
		bool null;
		json_t *v;
		while (i < len && s[i] == ' ')
			i++;
		if (array_element(s, len - 1, &i, &el, &null) < 0 || (i < len - 1 && s[i] != ',')) {
			sl_seterr(errstr, errstr_size, "not a valid %s", c->type_name);
			goto fail;
		}
		if (null) {
			v = json_null();
		} else if (parse_scalar(c->elem, el.data, el.len, &v) < 0) {
			sl_seterr(errstr, errstr_size, "not a valid %s: element \"%.64s\"",
				  c->type_name, el.data);
			goto fail;
		}
		json_array_append_new(arr, v);
		if (i >= len - 1)
			break;
		i++; /* the comma */
	}
	sl_buf_free(&el);
	*out = arr;
	return 0;
fail:
	sl_buf_free(&el);
	json_decref(arr);
	return -1;
}

/* ---- dispatch ----------------------------------------------------------- */

static int parse_bool(const char *s, size_t len, json_t **out)
{
	if (len != 1 || (s[0] != 't' && s[0] != 'f'))
		return -1;
	*out = json_boolean(s[0] == 't');
	return 0;
}

/* Digits with an optional '-', no '+' and no leading zero: text a JSON
 * number may be as it is (parse_int took the value). */
static bool canonical_integer(const char *s, size_t len)
{
	size_t i = len && s[0] == '-';
	if (i >= len || s[0] == '+')
		return false;
	return s[i] != '0' || (len == 1 && !i);
}

static int integer_value(const sl_pgv_conv_t *c, const char *s, size_t len, int64_t *v)
{
	int64_t max = c->kind == SL_PGV_INT16   ? INT16_MAX
		      : c->kind == SL_PGV_INT32 ? INT32_MAX
						: INT64_MAX;

	return parse_int(s, len, -max - 1, max, v);
}

/* The scalars whose payload is a number: kinds integer_value, date_days
 * and timestamp_value read. -1 for junk, 1 for a kind that is not one. */
static int number_value(const sl_pgv_conv_t *c, const char *s, size_t len, int64_t *v)
{
	switch (c->kind) {
	case SL_PGV_INT16:
	case SL_PGV_INT32:
	case SL_PGV_INT64:
		return integer_value(c, s, len, v);
	case SL_PGV_DATE:
		return date_days(s, len, v);
	case SL_PGV_TS_US:
	case SL_PGV_TS_MS:
		return timestamp_value(c, s, len, v);
	default:
		return 1;
	}
}

static int parse_scalar(const sl_pgv_conv_t *c, const char *s, size_t len, json_t **out)
{
	if (c->text == SL_PGV_TEXT_MONEY)
		return parse_money(c, s, len, out);
	if (c->text == SL_PGV_TEXT_BITS)
		return parse_bits(c, s, len, out);
	switch (c->kind) {
	case SL_PGV_BOOL:
		return parse_bool(s, len, out);
	case SL_PGV_INT16:
	case SL_PGV_INT32:
	case SL_PGV_INT64:
	case SL_PGV_DATE:
	case SL_PGV_TS_US:
	case SL_PGV_TS_MS: {
		int64_t v;
		if (number_value(c, s, len, &v) != 0)
			return -1;
		*out = json_integer(v);
		return 0;
	}
	case SL_PGV_FLOAT32:
	case SL_PGV_FLOAT64:
		return parse_double(s, len, out) < 0 ? -1 : 0;
	case SL_PGV_DECIMAL:
	case SL_PGV_VSDECIMAL:
		return parse_decimal(c, s, len, out);
	case SL_PGV_NUM_DOUBLE:
	case SL_PGV_NUM_STRING:
		return parse_numeric_other(c, s, len, out);
	case SL_PGV_BYTES:
		return parse_bytea(s, len, out);
	case SL_PGV_TIME_US:
	case SL_PGV_TIME_MS:
	case SL_PGV_ZONED_TIME:
		return parse_time(c, s, len, out);
	case SL_PGV_ZONED_TS: {
		char buf[64];
		int n = zoned_timestamp_text(c, s, len, buf);
		if (n < 0)
			return -1;
		*out = json_stringn(buf, (size_t)n);
		return 0;
	}
	case SL_PGV_INTERVAL:
		return parse_interval(s, len, out);
	case SL_PGV_POINT:
		return parse_point(s, len, out);
	case SL_PGV_ARRAY:
		return -1; /* nested arrays are refused */
	case SL_PGV_STRING:
	default:
		*out = json_stringn_nocheck(s, len);
		return 0;
	}
}

int sl_pgv_parse(const sl_pgv_conv_t *conv, const char *text, size_t len, json_t **out,
		 char *errstr, size_t errstr_size)
{
	if (conv->kind == SL_PGV_ARRAY)
		return parse_array(conv, text, len, out, errstr, errstr_size);
	if (parse_scalar(conv, text, len, out) < 0)
		return sl_seterr(errstr, errstr_size, "not a valid %s", conv->type_name);
	return 0;
}

/* A Decimal of up to 18 digits at its scale, as parse_decimal gives it
 * (the base64 of BigInteger.toByteArray of the unscaled value) without
 * building a string: 0, -1 for junk, 1 for a longer one. */
static int write_decimal(const sl_pgv_conv_t *c, const char *s, size_t len, sl_buf_t *out)
{
	uint64_t u = 0;
	int frac, digits = 0;
	bool neg = len && s[0] == '-';

	if (numeric_special(s, len)) {
		sl_buf_append_str(out, "null"); /* precise mode has no NaN: Debezium's null */
		return 0;
	}
	if (!numeric_text(s, len, &frac))
		return -1;
	if (frac > c->scale)
		return -1;
	for (size_t i = neg; i < len; i++) {
		if (s[i] == '.' || (!u && s[i] == '0'))
			continue;
		if (++digits > 18)
			return 1;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	for (int pad = c->scale - frac; pad > 0 && u; pad--) {
		if (++digits > 18)
			return 1;
		u *= 10;
	}
	int64_t v = neg ? -(int64_t)u : (int64_t)u;
	unsigned char be[8];
	int first = 0;
	for (int i = 0; i < 8; i++)
		be[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	/* the fewest bytes that keep the sign, as BigInteger.toByteArray */
	while (first < 7 && ((be[first] == 0x00 && !(be[first + 1] & 0x80)) ||
			     (be[first] == 0xFF && (be[first + 1] & 0x80))))
		first++;
	sl_buf_append_char(out, '"');
	sl_base64_append(out, be + first, (size_t)(8 - first));
	sl_buf_append_char(out, '"');
	return 0;
}

/* The common scalars written straight from their text: 0, -1 for junk,
 * 1 for one this does not write. */
static int write_scalar(const sl_pgv_conv_t *c, const char *s, size_t len, sl_buf_t *out)
{
	char buf[64];
	int64_t v;
	int n;

	if (c->text != SL_PGV_TEXT_NATIVE)
		return 1;
	switch (c->kind) {
	case SL_PGV_BOOL:
		if (len != 1 || (s[0] != 't' && s[0] != 'f'))
			return -1;
		sl_buf_append_str(out, s[0] == 't' ? "true" : "false");
		return 0;
	case SL_PGV_INT16:
	case SL_PGV_INT32:
	case SL_PGV_INT64:
	case SL_PGV_DATE:
	case SL_PGV_TS_US:
	case SL_PGV_TS_MS:
		if (number_value(c, s, len, &v) != 0)
			return -1;
		/* an integer's text as PostgreSQL writes it is the JSON number */
		if ((c->kind == SL_PGV_INT16 || c->kind == SL_PGV_INT32 ||
		     c->kind == SL_PGV_INT64) &&
		    canonical_integer(s, len))
			sl_buf_append(out, s, len);
		else
			sl_buf_append_int(out, v);
		return 0;
	case SL_PGV_DECIMAL:
		return write_decimal(c, s, len, out);
	case SL_PGV_STRING:
		sl_json_write_string(out, s, len);
		return 0;
	case SL_PGV_ZONED_TS:
		if ((n = zoned_timestamp_text(c, s, len, buf)) < 0)
			return -1;
		sl_json_write_string(out, buf, (size_t)n);
		return 0;
	default:
		return 1;
	}
}

int sl_pgv_write(const sl_pgv_conv_t *conv, const json_t *schema, const char *text, size_t len,
		 sl_buf_t *out, char *errstr, size_t errstr_size)
{
	json_t *j;
	int rc = write_scalar(conv, text, len, out);

	if (rc < 0)
		return sl_seterr(errstr, errstr_size, "not a valid %s", conv->type_name);
	if (rc == 0)
		return 0;
	if (sl_pgv_parse(conv, text, len, &j, errstr, errstr_size) < 0)
		return -1;
	sl_json_write(out, j, schema);
	json_decref(j);
	return 0;
}

static bool stringy(sl_pgv_kind_t k)
{
	return k == SL_PGV_STRING || k == SL_PGV_NUM_STRING || k == SL_PGV_ZONED_TS ||
	       k == SL_PGV_ZONED_TIME;
}

json_t *sl_pgv_placeholder(const sl_pgv_conv_t *conv, const char *placeholder)
{
	size_t n = strlen(placeholder);

	if (stringy(conv->kind))
		return json_string(placeholder);
	if (conv->kind == SL_PGV_BYTES) {
		char *b64 = sl_base64_encode(placeholder, n);
		json_t *j = json_string(b64);
		free(b64);
		return j;
	}
	if (conv->kind != SL_PGV_ARRAY)
		return NULL;
	if (stringy(conv->elem->kind))
		return json_pack("[s]", placeholder);
	if (conv->elem->kind == SL_PGV_INT32 || conv->elem->kind == SL_PGV_INT64 ||
	    conv->elem->kind == SL_PGV_INT16) {
		/* Debezium's int array placeholder: the placeholder's bytes */
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_integer((unsigned char)placeholder[i]));
		return arr;
	}
	return NULL;
}
