/* Kafka Connect's JSON text as Jackson writes it inside JsonConverter, and
 * Java's number formatting. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_priv.h"
#include "sluice/mem.h"
#include "sluice/util.h"

/* Input bytes escaped per buffer reservation (bounds the reservation). */
#define SL_ESCAPE_CHUNK 4096

static const char hex_upper[] = "0123456789ABCDEF";

/* ---- strings ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 with
 * *skip set to the bytes Java's decoder replaces by one U+FFFD: the
 * maximal invalid subpart, except that an encoded surrogate (ED A0..BF xx)
 * counts as one sequence. */
static size_t utf8_valid(const unsigned char *s, size_t n, size_t *skip)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		*skip = 1;
		return 0;
	}
	for (i = 1; i < need && i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xBF;
	}
	if (i == need && (c != 0xED || s[1] < 0xA0))
		return need;
	*skip = i;
	return 0;
}

bool sl_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t skip;
	for (size_t i = 0; i < len;) {
		uint64_t word;
		if (i + 8 <= len && (memcpy(&word, u + i, 8), !(word & 0x8080808080808080ull))) {
			i += 8; /* eight ASCII bytes */
			continue;
		}
		size_t n = u[i] < 0x80 ? 1 : utf8_valid(u + i, len - i, &skip);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

char *sl_utf8_replace_invalid(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	/* a replaced byte (1) becomes 3: at most 3 times as long */
	char *out = sl_malloc(len * 3 + 1), *p = out;
	size_t skip;

	for (size_t i = 0; i < len;) {
		size_t n = u[i] < 0x80 ? 1 : utf8_valid(u + i, len - i, &skip);
		if (n) {
			memcpy(p, u + i, n);
			p += n;
			i += n;
		} else {
			memcpy(p, "\xEF\xBF\xBD", 3); /* U+FFFD */
			p += 3;
			i += skip;
		}
	}
	*p = '\0';
	*out_len = (size_t)(p - out);
	return out;
}

/* Writes Jackson's escape of the ASCII byte c at p; returns the new end. */
static char *put_escape(char *p, unsigned char c)
{
	*p++ = '\\';
	switch (c) {
	case '"':
	case '\\':
		*p++ = (char)c;
		break;
	case '\b':
		*p++ = 'b';
		break;
	case '\t':
		*p++ = 't';
		break;
	case '\n':
		*p++ = 'n';
		break;
	case '\f':
		*p++ = 'f';
		break;
	case '\r':
		*p++ = 'r';
		break;
	default:
		memcpy(p, "u00", 3);
		p[3] = hex_upper[c >> 4];
		p[4] = hex_upper[c & 15];
		p += 5;
	}
	return p;
}

/* Writes the character outside the Basic Multilingual Plane whose 4-byte
 * UTF-8 sequence is at u as Jackson's UTF8JsonGenerator does: the escaped
 * UTF-16 surrogate pair ("\uD83D\uDE80"), 12 bytes. Returns the new end. */
static char *put_surrogates(char *p, const unsigned char *u)
{
	uint32_t cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
		      (uint32_t)(u[2] & 0x3F) << 6 | (uint32_t)(u[3] & 0x3F);
	uint32_t v = cp - 0x10000, units[2] = {0xD800 | v >> 10, 0xDC00 | (v & 0x3FF)};
	for (int k = 0; k < 2; k++) {
		memcpy(p, "\\u", 2);
		for (int d = 0; d < 4; d++)
			p[2 + d] = hex_upper[(units[k] >> (12 - 4 * d)) & 15];
		p += 6;
	}
	return p;
}

/* True when none of the 8 bytes in x needs escaping or UTF-8 checking
 * (bitwise tests for bytes < 0x20, '"', '\\' and >= 0x80). */
static inline bool word_is_plain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	uint64_t ctl = (x - ones * 0x20) & ~x;
	uint64_t quote = (q - ones) & ~q;
	uint64_t bslash = (b - ones) & ~b;

	return !((ctl | quote | bslash | x) & highs);
}

/* Whether the len bytes at u need no escaping or UTF-8 checking, a word
 * at a time (the last one padded with a plain byte). */
static inline bool short_is_plain(const unsigned char *u, size_t len)
{
	uint64_t word;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&word, u + i, 8);
		if (!word_is_plain(word))
			return false;
	}
	if (i == len)
		return true;
	word = 0x6161616161616161ull; /* "aaaaaaaa" */
	memcpy(&word, u + i, len - i);
	return word_is_plain(word);
}

void sl_json_write_string(sl_buf_t *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	/* names and short values (a struct's keys): one check, one copy */
	if (len <= 32 && out->cap - out->len > len + 2 && short_is_plain(u, len)) {
		char *p = out->data + out->len;
		p[0] = '"';
		memcpy(p + 1, s, len);
		p[len + 1] = '"';
		p[len + 2] = '\0';
		out->len += len + 2;
		return;
	}

	do {
		size_t end = len - i > SL_ESCAPE_CHUNK ? i + SL_ESCAPE_CHUNK : len;
		/* at most 6 output bytes per input byte, one sequence that
		 * may run past end, the quotes and the NUL */
		sl_buf_reserve(out, (end - i) * 6 + 10);
		char *p = out->data + out->len;
		if (i == 0)
			*p++ = '"';
		while (i < end) {
			unsigned char c = u[i];
			size_t n, skip;
			uint64_t word;
			if (i + 8 <= end && (memcpy(&word, u + i, 8), word_is_plain(word))) {
				memcpy(p, u + i, 8);
				p += 8;
				i += 8;
			} else if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
				*p++ = (char)c;
				i++;
			} else if (c < 0x80) {
				p = put_escape(p, c);
				i++;
			} else if ((n = utf8_valid(u + i, len - i, &skip)) == 4) {
				p = put_surrogates(p, u + i);
				i += 4;
			} else if (n) {
				memcpy(p, u + i, n);
				p += n;
				i += n;
			} else {
				memcpy(p, "\xEF\xBF\xBD", 3); /* U+FFFD */
				p += 3;
				i += skip;
			}
		}
		out->len = (size_t)(p - out->data);
	} while (i < len);
	out->data[out->len++] = '"';
	out->data[out->len] = '\0';
}

/* sl_buf_append without the call, for text made once (keys, constants). */
static inline void put_bytes(sl_buf_t *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		sl_buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* sl_buf_append_char without the call for the writer's many small writes. */
static inline void put_char(sl_buf_t *b, char c)
{
	if (b->len + 2 > b->cap)
		sl_buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* ---- numbers ------------------------------------------------------------ */

static bool reads_back(const char *text, double v, bool is_float)
{
	if (is_float)
		return strtof(text, NULL) == (float)v;
	return strtod(text, NULL) == v;
}

/* Splits "%e" text into its digits (trailing zeros dropped when strip) and
 * decimal exponent; returns the digit count. */
static int split_sci(const char *text, bool strip, char *digits, int *exp10)
{
	const char *p = text;
	int n = 0;

	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	*exp10 = *p ? atoi(p + 1) : 0;
	while (strip && n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	return n;
}

/* The digits of v (> 0) rounded to prec significant digits when they read
 * back as v, else 0. */
static int round_trip_digits(double v, int prec, bool is_float, char *digits, int *exp10)
{
	char text[48];

	snprintf(text, sizeof(text), "%.*e", prec - 1, v);
	if (!reads_back(text, v, is_float))
		return 0;
	return split_sci(text, true, digits, exp10);
}

/* For a power of two the interval of decimals that read back as v is
 * narrower below v: when v rounded to prec digits falls below it, the
 * next prec-digit decimal up may still read back. */
static int next_up_digits(double v, int prec, bool is_float, char *digits, int *exp10)
{
	char text[48], d[24];
	int e, n, i;

	snprintf(text, sizeof(text), "%.*e", prec - 1, v);
	n = split_sci(text, false, d, &e);
	for (i = n - 1; i >= 0 && d[i] == '9'; i--)
		d[i] = '0';
	if (i < 0) {
		d[0] = '1';
		e++;
	} else {
		d[i]++;
	}
	snprintf(text, sizeof(text), "%c.%se%d", d[0], d + 1, e);
	if (!reads_back(text, v, is_float))
		return 0;
	return split_sci(text, true, digits, exp10);
}

/* Fast path for a normal double in Java's plain range: its 15-digit
 * rounding from one multiplication, checked by reading it back. When it
 * reads back it is the only decimal of 15 digits that does, and with its
 * trailing zeros dropped the shortest. 0 when unsure. */
static int plain_range_digits(double v, char *digits, int *exp10)
{
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
				       1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
	char text[48];
	int e = 6, n;

	if (!(v >= 1e-3 && v < 1e7))
		return 0;
	while (e > -3 && v < (e >= 0 ? pow10[e] : 1 / pow10[-e]))
		e--;
	double scaled = v * pow10[14 - e];
	double c = nearbyint(scaled);
	if (fabs(scaled - c) > 0.4 || c < 1e14 || c >= 1e15)
		return 0;
	uint64_t u = (uint64_t)c;
	for (n = 14; n >= 0; n--, u /= 10)
		text[n] = (char)('0' + u % 10);
	int k = 14 - e; /* 8..17 */
	memcpy(text + 15, "e-", 2);
	text[17] = (char)(k >= 10 ? '1' : '0' + k);
	text[18] = (char)(k >= 10 ? '0' + k - 10 : '\0');
	text[19] = '\0';
	if (strtod(text, NULL) != v)
		return 0;
	memcpy(digits, text, 15);
	n = 15;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = e;
	return n;
}

/* Java's choice of digits for v > 0 (JDK 19+ Double/Float.toString): the
 * shortest decimal that reads back as v, the closest one when several
 * have that length, and a closer two-digit one preferred over one digit.
 * For normal numbers every decimal of up to 15 (float: 6) digits that
 * reads back is the only one of its length (so the search starts there
 * and the two-digit rule cannot apply); subnormals search from one. */
static int shortest_digits(double v, bool is_float, char *digits, int *exp10)
{
	bool subnormal = is_float ? v < 1.17549435e-38 : v < 2.2250738585072014e-308;
	int first = subnormal ? 1 : (is_float ? 6 : 15);
	int last = is_float ? 9 : 17;
	int e2, n;
	bool pow2 = frexp(v, &e2) == 0.5;
	char two[24];

	if (!is_float && (n = plain_range_digits(v, digits, exp10)))
		return n;
	for (int prec = first; prec < last; prec++) {
		n = round_trip_digits(v, prec, is_float, digits, exp10);
		if (!n && pow2 && prec > first)
			n = next_up_digits(v, prec, is_float, digits, exp10);
		if (n == 1 && subnormal && round_trip_digits(v, 2, is_float, two, &e2) == 2) {
			memcpy(digits, two, 3);
			*exp10 = e2;
			n = 2;
		}
		if (n)
			return n;
	}
	/* last digits always read back */
	snprintf(two, sizeof(two), "%.*e", last - 1, v);
	return split_sci(two, true, digits, exp10);
}

/* Lays out digits d (n of them, value d[0].d[1..] x 10^e) as Java does. */
static size_t java_layout(char *buf, bool neg, const char *d, int n, int e)
{
	char *p = buf;

	if (neg)
		*p++ = '-';
	if (e >= 0 && e < 7) {
		for (int i = 0; i <= e; i++)
			*p++ = i < n ? d[i] : '0';
		*p++ = '.';
		if (n > e + 1) {
			memcpy(p, d + e + 1, (size_t)(n - e - 1));
			p += n - e - 1;
		} else {
			*p++ = '0';
		}
	} else if (e < 0 && e >= -3) {
		*p++ = '0';
		*p++ = '.';
		for (int i = 0; i < -e - 1; i++)
			*p++ = '0';
		memcpy(p, d, (size_t)n);
		p += n;
	} else {
		*p++ = d[0];
		*p++ = '.';
		if (n > 1) {
			memcpy(p, d + 1, (size_t)(n - 1));
			p += n - 1;
		} else {
			*p++ = '0';
		}
		p += sprintf(p, "E%d", e);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

static size_t format_java(double v, bool is_float, char *buf)
{
	char digits[24];
	int e, n;

	if (isnan(v))
		return (size_t)sprintf(buf, "NaN");
	if (isinf(v))
		return (size_t)sprintf(buf, "%sInfinity", v < 0 ? "-" : "");
	if (v == 0)
		return (size_t)sprintf(buf, "%s0.0", signbit(v) ? "-" : "");
	n = shortest_digits(fabs(v), is_float, digits, &e);
	return java_layout(buf, signbit(v), digits, n, e);
}

size_t sl_format_double(double v, char *buf)
{
	return format_java(v, false, buf);
}

size_t sl_format_float(float v, char *buf)
{
	return format_java((double)v, true, buf);
}

static void put_int(sl_buf_t *out, json_int_t v)
{
	sl_buf_append_int(out, v);
}

/* ---- the writer --------------------------------------------------------- */

typedef struct json_writer {
	sl_buf_t *out;
	bool decimal_numeric;
	char *errstr;
	size_t errstr_size;
} json_writer_t;

static int write_value(json_writer_t *w, const json_t *j, const json_t *schema);

static bool type_is(const char *type, const char *want)
{
	return type && !strcmp(type, want);
}

/* The schema of struct field key; *cursor remembers where the last one
 * was found so fields in schema order are found at once. */
static const json_t *field_schema(const json_t *fields, const char *key, size_t *cursor)
{
	size_t n = json_array_size(fields);

	for (size_t k = 0; k < n; k++) {
		size_t i = (*cursor + k) % n;
		const json_t *f = json_array_get(fields, i);
		const char *name = json_string_value(json_object_get(f, "field"));
		if (name && !strcmp(name, key)) {
			*cursor = i + 1;
			return f;
		}
	}
	return NULL;
}

static int write_object(json_writer_t *w, const json_t *j, const json_t *schema)
{
	const char *type = sl_schema_type(schema);
	const json_t *fields = NULL, *values = NULL;
	size_t cursor = 0;
	bool first = true;

	if (type_is(type, "struct"))
		fields = json_object_get(schema, "fields");
	else if (type_is(type, "map"))
		values = json_object_get(schema, "values");
	put_char(w->out, '{');
	for (void *it = json_object_iter((json_t *)j); it;
	     it = json_object_iter_next((json_t *)j, it)) {
		const char *key = json_object_iter_key(it);
		if (!first)
			put_char(w->out, ',');
		first = false;
		sl_json_write_string(w->out, key, json_object_iter_key_len(it));
		put_char(w->out, ':');
		const json_t *sub = fields ? field_schema(fields, key, &cursor) : values;
		if (write_value(w, json_object_iter_value(it), sub) < 0)
			return -1;
	}
	put_char(w->out, '}');
	return 0;
}

/* A map with non-string keys is an array of [key, value] pairs. */
static int write_pair(json_writer_t *w, const json_t *pair, const json_t *schema)
{
	put_char(w->out, '[');
	if (write_value(w, json_array_get(pair, 0), json_object_get(schema, "keys")) < 0)
		return -1;
	put_char(w->out, ',');
	if (write_value(w, json_array_get(pair, 1), json_object_get(schema, "values")) < 0)
		return -1;
	put_char(w->out, ']');
	return 0;
}

static int write_array(json_writer_t *w, const json_t *j, const json_t *schema)
{
	const char *type = sl_schema_type(schema);
	const json_t *items = type_is(type, "array") ? json_object_get(schema, "items") : NULL;
	bool pairs = type_is(type, "map");
	size_t n = json_array_size(j);

	put_char(w->out, '[');
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(j, i);
		int rc;
		if (i)
			put_char(w->out, ',');
		if (pairs && json_is_array(e) && json_array_size(e) == 2)
			rc = write_pair(w, e, schema);
		else
			rc = write_value(w, e, items);
		if (rc < 0)
			return -1;
	}
	put_char(w->out, ']');
	return 0;
}

/* Numbers follow the schema: a float32 is written as Java's Float, a
 * float64 always with a fraction, as Jackson writes Float and Double. */
static void write_number(json_writer_t *w, const json_t *j, const json_t *schema)
{
	const char *type = sl_schema_type(schema);
	char num[SL_NUMBER_BUF_SIZE];
	size_t n;

	if (type_is(type, "float"))
		n = sl_format_float((float)json_number_value(j), num);
	else if (json_is_real(j) || type_is(type, "double"))
		n = sl_format_double(json_number_value(j), num);
	else {
		put_int(w->out, json_integer_value(j));
		return;
	}
	/* Jackson quotes NaN and the infinities (WRITE_NAN_AS_STRINGS) */
	bool quote = num[0] == 'N' || num[0] == 'I' || num[1] == 'I';
	if (quote)
		put_char(w->out, '"');
	sl_buf_append(w->out, num, n);
	if (quote)
		put_char(w->out, '"');
}

/* Text, or under a Decimal schema with decimal.format NUMERIC the number
 * its base64 holds. */
static int write_text(json_writer_t *w, const char *s, size_t len, const json_t *schema)
{
	if (!w->decimal_numeric || !sl_schema_is(schema, SL_LOGICAL_DECIMAL)) {
		sl_json_write_string(w->out, s, len);
		return 0;
	}
	int scale;
	if (sl_schema_decimal_scale(schema, &scale) < 0 ||
	    sl_decimal_append_text(w->out, s, len, scale, true) < 0)
		return sl_seterr(w->errstr, w->errstr_size,
				 "cannot write Decimal payload \"%.64s\" as a number: it is not "
				 "base64 of an integer or its schema has no scale",
				 s);
	return 0;
}

static int write_string(json_writer_t *w, const json_t *j, const json_t *schema)
{
	return write_text(w, json_string_value(j), json_string_length(j), schema);
}

/* A null under a schema with a default is written as the default, as
 * JsonConverter does. */
static int write_null(json_writer_t *w, const json_t *schema)
{
	const json_t *def = schema ? json_object_get(schema, "default") : NULL;

	if (def && !json_is_null(def))
		return write_value(w, def, schema);
	sl_buf_append(w->out, "null", 4);
	return 0;
}

static int write_value(json_writer_t *w, const json_t *j, const json_t *schema)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return write_object(w, j, schema);
	case JSON_ARRAY:
		return write_array(w, j, schema);
	case JSON_STRING:
		return write_string(w, j, schema);
	case JSON_INTEGER:
	case JSON_REAL:
		write_number(w, j, schema);
		return 0;
	case JSON_TRUE:
		sl_buf_append(w->out, "true", 4);
		return 0;
	case JSON_FALSE:
		sl_buf_append(w->out, "false", 5);
		return 0;
	case JSON_NULL:
	default:
		return write_null(w, schema);
	}
}

/* ---- FIELDS values: written as their JSON form would be ---- */

static int write_fields(json_writer_t *w, const sl_fields_t *fs, const json_t *schema);

static int write_field_value(json_writer_t *w, const sl_value_t *v, const json_t *schema)
{
	switch (v->kind) {
	case SL_VALUE_STRING:
		return write_text(w, v->data, v->len, schema);
	case SL_VALUE_BYTES:
		put_char(w->out, '"');
		sl_base64_append(w->out, v->data, v->len);
		put_char(w->out, '"');
		return 0;
	case SL_VALUE_JSON:
		return v->json ? write_value(w, v->json, schema) : write_null(w, schema);
	case SL_VALUE_FIELDS:
		return write_fields(w, v->fields, schema);
	case SL_VALUE_JSON_TEXT:
		if (!w->decimal_numeric) {
			put_bytes(w->out, v->data, v->len);
			return 0;
		}
		json_t *tree = sl_value_payload(v);
		int rc = write_value(w, tree, schema);
		json_decref(tree);
		return rc;
	case SL_VALUE_NULL:
	default:
		return write_null(w, schema);
	}
}

/* Whether v is written differently under some schema: text is not (but
 * for a Decimal written as a number), a null may be a default, a number
 * a float. */
static bool schema_matters(const json_writer_t *w, const sl_value_t *v)
{
	if (w->decimal_numeric)
		return true;
	switch (v->kind) {
	case SL_VALUE_STRING:
	case SL_VALUE_BYTES:
	case SL_VALUE_JSON_TEXT: /* written as it is */
		return false;
	case SL_VALUE_JSON:
		return !json_is_string(v->json);
	default:
		return true;
	}
}

/* Like write_object: a field's schema is the struct's field of that name
 * (the field's own schema is not consulted, as for a JSON tree). */
static int write_fields(json_writer_t *w, const sl_fields_t *fs, const json_t *schema)
{
	const json_t *fields = NULL, *values = NULL;
	bool looked = false; /* at the schema: not before a field needs it */
	size_t cursor = 0;

	put_char(w->out, '{');
	for (size_t i = 0; i < fs->count; i++) {
		const sl_field_t *f = &fs->f[i];
		if (i)
			put_char(w->out, ',');
		put_bytes(w->out, f->name->json, f->name->json_len);
		const json_t *sub = NULL;
		bool matters = schema_matters(w, &f->value);
		if (f->json && !matters) {
			put_bytes(w->out, f->json, f->json_len);
			continue;
		}
		if (schema && matters) {
			if (!looked) {
				const char *type = sl_schema_type(schema);
				if (type_is(type, "struct"))
					fields = json_object_get(schema, "fields");
				else if (type_is(type, "map"))
					values = json_object_get(schema, "values");
				looked = true;
			}
			sub = fields ? field_schema(fields, f->name->name, &cursor) : values;
		}
		if (write_field_value(w, &f->value, sub) < 0)
			return -1;
	}
	put_char(w->out, '}');
	return 0;
}

int sl_json_write_fields(sl_buf_t *out, const sl_value_t *v, bool decimal_numeric, char *errstr,
			 size_t errstr_size)
{
	json_writer_t w = {
		.out = out,
		.decimal_numeric = decimal_numeric,
		.errstr = errstr,
		.errstr_size = errstr_size,
	};

	return write_fields(&w, v->fields, v->schema);
}

int sl_json_write_payload(sl_buf_t *out, const json_t *json, const json_t *schema,
			  bool decimal_numeric, char *errstr, size_t errstr_size)
{
	json_writer_t w = {
		.out = out,
		.decimal_numeric = decimal_numeric,
		.errstr = errstr,
		.errstr_size = errstr_size,
	};

	if (!json)
		return write_null(&w, schema);
	return write_value(&w, json, schema);
}

void sl_json_write(sl_buf_t *out, const json_t *json, const json_t *schema)
{
	sl_json_write_payload(out, json, schema, false, NULL, 0);
}
