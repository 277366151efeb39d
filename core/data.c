/* The Kafka Connect data model a connector builds values with: base64,
 * the Decimal payload, and schemas of primitive and logical (Decimal, Date,
 * Time, Timestamp) types in JsonConverter's form. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/data.h"

/* Largest decimal we convert, in digits (Kafka Decimals stay far below). */
#define SL_DECIMAL_MAX_DIGITS 4096

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- base64 ------------------------------------------------------------- */

void sl_base64_append(sl_buf_t *out, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i;

	sl_buf_reserve(out, (len + 2) / 3 * 4);
	char *p = out->data + out->len;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t q = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*p++ = b64_alphabet[q >> 18];
		*p++ = b64_alphabet[(q >> 12) & 63];
		*p++ = b64_alphabet[(q >> 6) & 63];
		*p++ = b64_alphabet[q & 63];
	}
	if (i < len) {
		uint32_t q = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
		*p++ = b64_alphabet[q >> 18];
		*p++ = b64_alphabet[(q >> 12) & 63];
		*p++ = i + 1 < len ? b64_alphabet[(q >> 6) & 63] : '=';
		*p++ = '=';
	}
	out->len = (size_t)(p - out->data);
	out->data[out->len] = '\0';
}

char *sl_base64_encode(const void *data, size_t len)
{
	sl_buf_t b = {0};

	sl_base64_append(&b, data, len);
	return sl_buf_steal(&b);
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int sl_base64_decode(const char *text, size_t text_len, unsigned char **out, size_t *out_len)
{
	size_t pad = 0, o = 0;
	unsigned char *buf = NULL;

	*out = NULL;
	*out_len = 0;
	if (text_len % 4)
		return -1;
	if (text_len && text[text_len - 1] == '=')
		pad = text[text_len - 2] == '=' ? 2 : 1;
	buf = sl_malloc(text_len / 4 * 3 + 1);
	for (size_t i = 0; i < text_len; i += 4) {
		bool last = i + 4 == text_len;
		uint32_t q = 0;
		for (size_t k = 0; k < 4; k++) {
			int v = last && k >= 4 - pad ? 0 : b64_value((unsigned char)text[i + k]);
			if (v < 0)
				goto bad;
			q = q << 6 | (uint32_t)v;
		}
		buf[o++] = (unsigned char)(q >> 16);
		if (!last || pad < 2)
			buf[o++] = (unsigned char)(q >> 8);
		if (!last || pad < 1)
			buf[o++] = (unsigned char)q;
	}
	*out = buf;
	*out_len = o;
	return 0;
bad:
	free(buf);
	return -1;
}

/* ---- Decimal ------------------------------------------------------------ */

/* The magnitude of a big-endian two's complement integer as decimal
 * digits (malloc()ed, NUL-terminated, no sign), its sign in *neg. */
static char *twos_to_digits(const unsigned char *b, size_t n, bool *neg, size_t *nd_out)
{
	unsigned char *mag = sl_malloc(n + 1);
	char *d = sl_malloc(n * 3 + 12);
	size_t nd = 0, start = 0;

	memcpy(mag, b, n);
	*neg = n && (b[0] & 0x80);
	if (*neg) {
		unsigned carry = 1;
		for (size_t i = n; i-- > 0;) {
			unsigned v = (unsigned)(unsigned char)~mag[i] + carry;
			mag[i] = (unsigned char)v;
			carry = v >> 8;
		}
	}
	for (;;) {
		uint64_t rem = 0;
		while (start < n && !mag[start])
			start++;
		if (start == n)
			break;
		for (size_t i = start; i < n; i++) {
			uint64_t cur = rem << 8 | mag[i];
			mag[i] = (unsigned char)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (start < n && !mag[start])
			start++;
		/* nine digits per round except the most significant one */
		for (int k = 0; k < 9 && (start < n || rem); k++) {
			d[nd++] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	if (!nd)
		d[nd++] = '0';
	for (size_t i = 0; i < nd / 2; i++) {
		char t = d[i];
		d[i] = d[nd - 1 - i];
		d[nd - 1 - i] = t;
	}
	d[nd] = '\0';
	free(mag);
	*nd_out = nd;
	return d;
}

/* Plain decimal text of digits x 10^-scale ("-0.05", "1200"). */
static void decimal_plain(sl_buf_t *out, bool neg, const char *d, size_t nd, int scale)
{
	bool zero = nd == 1 && d[0] == '0';

	if (neg && !zero)
		sl_buf_append_char(out, '-');
	if (scale <= 0) {
		sl_buf_append(out, d, nd);
		for (int i = 0; i < -scale && !zero; i++)
			sl_buf_append_char(out, '0');
	} else if (nd > (size_t)scale) {
		sl_buf_append(out, d, nd - (size_t)scale);
		sl_buf_append_char(out, '.');
		sl_buf_append(out, d + nd - (size_t)scale, (size_t)scale);
	} else {
		sl_buf_append(out, "0.", 2);
		for (size_t i = nd; i < (size_t)scale; i++)
			sl_buf_append_char(out, '0');
		sl_buf_append(out, d, nd);
	}
}

/* Java's BigDecimal.toString: plain unless the scale is negative or the
 * adjusted exponent is below -6 ("1E-7", "1.23E+5"). */
static void decimal_java(sl_buf_t *out, bool neg, const char *d, size_t nd, int scale)
{
	long adjusted = (long)nd - 1 - scale;

	if (scale >= 0 && adjusted >= -6) {
		decimal_plain(out, neg, d, nd, scale);
		return;
	}
	if (neg)
		sl_buf_append_char(out, '-');
	sl_buf_append_char(out, d[0]);
	if (nd > 1) {
		sl_buf_append_char(out, '.');
		sl_buf_append(out, d + 1, nd - 1);
	}
	sl_buf_appendf(out, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
}

/* Decodes a Decimal payload and lays it out with the plain or the Java
 * layout. Returns -1 when b64 is not base64 of at least one byte. */
int sl_decimal_append_text(sl_buf_t *out, const char *b64, size_t len, int scale, bool java)
{
	unsigned char *bytes;
	size_t n, nd;
	bool neg;

	if (sl_base64_decode(b64, len, &bytes, &n) < 0)
		return -1;
	if (!n) {
		free(bytes);
		return -1;
	}
	char *d = twos_to_digits(bytes, n, &neg, &nd);
	if (java)
		decimal_java(out, neg, d, nd, scale);
	else
		decimal_plain(out, neg, d, nd, scale);
	free(d);
	free(bytes);
	return 0;
}

int sl_decimal_from_base64(const char *b64, int scale, char **out)
{
	sl_buf_t b = {0};

	*out = NULL;
	if (!b64 || sl_decimal_append_text(&b, b64, strlen(b64), scale, false) < 0) {
		sl_buf_free(&b);
		return -1;
	}
	*out = sl_buf_steal(&b);
	return 0;
}

/* Parses "[-+]digits[.digits][(e|E)[-+]digits]" into its digits (leading
 * zeros dropped) and the number of them after the decimal point (negative
 * for a positive exponent). */
static int parse_decimal(const char *s, bool *neg, sl_buf_t *digits, long *frac)
{
	size_t nint = 0, nfrac = 0;
	long exp = 0;
	bool eneg = false;

	*neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	for (; isdigit((unsigned char)*s); s++, nint++)
		if (digits->len || *s != '0')
			sl_buf_append_char(digits, *s);
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, nfrac++)
			if (digits->len || *s != '0')
				sl_buf_append_char(digits, *s);
	if (nint + nfrac == 0)
		return -1;
	if (*s == 'e' || *s == 'E') {
		s++;
		eneg = *s == '-';
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		for (; isdigit((unsigned char)*s) && exp <= SL_DECIMAL_MAX_DIGITS; s++)
			exp = exp * 10 + (*s - '0');
	}
	if (*s || exp > SL_DECIMAL_MAX_DIGITS)
		return -1;
	*frac = (long)nfrac - (eneg ? -exp : exp);
	return 0;
}

/* Minimal big-endian two's complement of the integer with decimal digits d
 * (as BigInteger.toByteArray). */
static unsigned char *digits_to_twos(const char *d, size_t nd, bool neg, size_t *n_out)
{
	size_t cap = nd / 2 + 2, used = 1;
	unsigned char *le = sl_calloc(cap, 1); /* little-endian magnitude */
	unsigned char *be;

	for (size_t k = 0; k < nd; k++) {
		unsigned carry = (unsigned)(d[k] - '0');
		for (size_t i = 0; i < used; i++) {
			unsigned v = le[i] * 10u + carry;
			le[i] = (unsigned char)v;
			carry = v >> 8;
		}
		if (carry)
			le[used++] = (unsigned char)carry;
	}
	if (neg && (used > 1 || le[0])) {
		unsigned carry = 1;
		for (size_t i = 0; i <= used; i++) { /* le[used] is 0 */
			unsigned v = (unsigned)(unsigned char)~le[i] + carry;
			le[i] = (unsigned char)v;
			carry = v >> 8;
		}
		used++;
		while (used > 1 && le[used - 1] == 0xFF && (le[used - 2] & 0x80))
			used--;
	} else if (le[used - 1] & 0x80) {
		le[used++] = 0; /* room for the sign bit */
	}
	be = sl_malloc(used);
	for (size_t i = 0; i < used; i++)
		be[i] = le[used - 1 - i];
	free(le);
	*n_out = used;
	return be;
}

int sl_decimal_to_base64(const char *text, int scale, char **out)
{
	sl_buf_t digits = {0};
	unsigned char *bytes = NULL;
	size_t n;
	long frac, pad;
	bool neg;
	int rc = -1;

	*out = NULL;
	if (!text || parse_decimal(text, &neg, &digits, &frac) < 0)
		goto out;
	pad = (long)scale - frac;
	if (pad < 0 || digits.len + (size_t)pad > SL_DECIMAL_MAX_DIGITS)
		goto out;
	for (long i = 0; i < pad && digits.len; i++)
		sl_buf_append_char(&digits, '0');
	bytes = digits_to_twos(digits.data ? digits.data : "", digits.len, neg, &n);
	*out = sl_base64_encode(bytes, n);
	rc = 0;
out:
	free(bytes);
	sl_buf_free(&digits);
	return rc;
}

/* ---- schemas ------------------------------------------------------------ */

const char *sl_schema_type(const json_t *schema)
{
	return schema ? json_string_value(json_object_get(schema, "type")) : NULL;
}

bool sl_schema_is(const json_t *schema, const char *name)
{
	const char *n = schema ? json_string_value(json_object_get(schema, "name")) : NULL;
	return n && !strcmp(n, name);
}

int sl_schema_decimal_scale(const json_t *schema, int *scale)
{
	json_t *params = json_object_get(schema, "parameters");
	const char *s = json_string_value(json_object_get(params, "scale"));
	int64_t v;

	if (!s || sl_parse_int64(s, &v) < 0 || v < -SL_DECIMAL_MAX_DIGITS ||
	    v > SL_DECIMAL_MAX_DIGITS)
		return -1;
	*scale = (int)v;
	return 0;
}

json_t *sl_schema_primitive(const char *type, bool optional)
{
	/* Connect's type names, spelled as JsonConverter writes them */
	if (!strcmp(type, "float32"))
		type = "float";
	else if (!strcmp(type, "float64"))
		type = "double";
	return json_pack("{s:s,s:b}", "type", type, "optional", optional);
}

static json_t *schema_logical(const char *type, bool optional, const char *name)
{
	return json_pack("{s:s,s:b,s:s,s:i}", "type", type, "optional", optional, "name", name,
			 "version", 1);
}

json_t *sl_schema_decimal(int scale, bool optional)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", scale);
	json_t *schema = schema_logical("bytes", optional, SL_LOGICAL_DECIMAL);
	json_object_set_new(schema, "parameters", json_pack("{s:s}", "scale", s));
	return schema;
}

json_t *sl_schema_date(bool optional)
{
	return schema_logical("int32", optional, SL_LOGICAL_DATE);
}

json_t *sl_schema_time(bool optional)
{
	return schema_logical("int32", optional, SL_LOGICAL_TIME);
}

json_t *sl_schema_timestamp(bool optional)
{
	return schema_logical("int64", optional, SL_LOGICAL_TIMESTAMP);
}

bool sl_value_text(sl_buf_t *out, const sl_value_t *v)
{
	switch (v->kind) {
	case SL_VALUE_STRING:
	case SL_VALUE_BYTES:
		sl_buf_append(out, v->data, v->len);
		return true;
	case SL_VALUE_JSON:
		if (!v->json || json_is_null(v->json))
			return false;
		if (json_is_string(v->json))
			sl_buf_append(out, json_string_value(v->json), json_string_length(v->json));
		else
			sl_json_write(out, v->json, v->schema);
		return true;
	case SL_VALUE_JSON_TEXT:
		if (v->len && v->data[0] == '"') { /* a string: its text */
			json_t *s = sl_value_payload(v);
			sl_buf_append(out, json_string_value(s), json_string_length(s));
			json_decref(s);
		} else {
			sl_buf_append(out, v->data, v->len);
		}
		return true;
	case SL_VALUE_FIELDS: {
		json_t *payload = sl_value_payload(v);
		sl_json_write(out, payload, v->schema);
		json_decref(payload);
		return true;
	}
	case SL_VALUE_NULL:
		break;
	}
	return false;
}
