/* JSON text to a jansson tree for the common text, leaving the rest to
 * jansson (see json_parse.h): one pass over the bytes, no stream. */
#include "json_parse.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/parse.h"

#define MAX_DEPTH 64

typedef struct reader {
	const char *p, *end;
	char *scratch; /* unescaped strings */
	size_t scratch_cap;
} reader_t;

static json_t *read_value(reader_t *r, int depth);

static void skip_ws(reader_t *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

/* A string's contents after its opening quote: *s and *n point at them
 * (in the text, or unescaped into the scratch). False for anything left
 * to jansson. */
static bool read_string(reader_t *r, const char **s, size_t *n)
{
	const char *start = r->p;
	bool high = false, escaped = false;

	for (;; r->p++) {
		if (r->p >= r->end)
			return false;
		unsigned char c = (unsigned char)*r->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return false; /* a control character: jansson's error */
		if (c == '\\') {
			if (++r->p >= r->end || *r->p == 'u')
				return false;
			escaped = true;
		}
		high |= c >= 0x80;
	}
	size_t len = (size_t)(r->p - start);
	r->p++;
	if (high && !sl_utf8_valid(start, len))
		return false;
	if (!escaped) {
		*s = start;
		*n = len;
		return true;
	}
	if (r->scratch_cap < len) {
		free(r->scratch);
		r->scratch_cap = len * 2;
		r->scratch = malloc(r->scratch_cap);
		if (!r->scratch)
			return r->scratch_cap = 0, false;
	}
	char *o = r->scratch;
	for (const char *q = start; q < start + len; q++) {
		if (*q != '\\') {
			*o++ = *q;
			continue;
		}
		switch (*++q) {
		case '"':
		case '\\':
		case '/':
			*o++ = *q;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		default:
			return false;
		}
	}
	*s = r->scratch;
	*n = (size_t)(o - r->scratch);
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A real of the form -?digits.digits with at most 15 digits in all, as
 * strtod reads it: the digits m and the power 10^f are exact doubles, so
 * m / 10^f is the correctly rounded value (Clinger's fast path). False
 * for any other form (an exponent, more digits). */
static bool decimal_fast(const char *p, const char *end, double *out)
{
	static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	bool neg = *p == '-';
	int64_t m = 0;
	int digits = 0, frac = -1;

	for (p += neg; p < end; p++) {
		if (*p == '.') {
			frac = 0;
			continue;
		}
		if (!is_digit(*p) || ++digits > 15)
			return false;
		m = m * 10 + (*p - '0');
		frac += frac >= 0;
	}
	if (frac < 0)
		return false;
	*out = (double)m / p10[frac];
	if (neg)
		*out = -*out;
	return true;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as json_loadb reads it. */
static json_t *read_number(reader_t *r)
{
	const char *start = r->p, *q = r->p;
	bool real = false;

	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end || !is_digit(*q))
		return NULL;
	if (*q == '0')
		q++;
	else
		while (q < r->end && is_digit(*q))
			q++;
	if (q < r->end && *q == '.') {
		real = true;
		if (++q >= r->end || !is_digit(*q))
			return NULL;
		while (q < r->end && is_digit(*q))
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		real = true;
		if (++q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || !is_digit(*q))
			return NULL;
		while (q < r->end && is_digit(*q))
			q++;
	}
	size_t n = (size_t)(q - start);
	r->p = q;
	if (!real && n <= 18) { /* cannot overflow */
		bool neg = *start == '-';
		int64_t v = 0;
		for (const char *d = start + neg; d < q; d++)
			v = v * 10 + (*d - '0');
		return json_integer(neg ? -v : v);
	}
	double fast;
	if (real && decimal_fast(start, q, &fast))
		return json_real(fast);
	char buf[64];
	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (!real) {
		char *e;
		long long v = strtoll(buf, &e, 10);
		if ((v == LLONG_MAX || v == LLONG_MIN) &&
		    strcmp(buf, v < 0 ? "-9223372036854775808" : "9223372036854775807"))
			return NULL; /* too big: jansson's error */
		return json_integer(v);
	}
	double d = strtod(buf, NULL);
	return isinf(d) ? NULL : json_real(d);
}

static json_t *read_object(reader_t *r, int depth)
{
	json_t *obj = json_object();
	const char *key;
	size_t klen;

	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return obj;
	}
	for (;;) {
		if (r->p >= r->end || *r->p != '"')
			goto fail;
		r->p++;
		if (!read_string(r, &key, &klen))
			goto fail;
		/* the scratch is reused by the value: keep the key apart */
		char kbuf[128], *k = klen < sizeof(kbuf) ? kbuf : malloc(klen + 1);
		if (!k)
			goto fail;
		memcpy(k, key, klen);
		k[klen] = '\0';
		skip_ws(r);
		json_t *v = NULL;
		if (r->p < r->end && *r->p == ':') {
			r->p++;
			v = read_value(r, depth + 1);
		}
		bool ok = v && json_object_setn_new_nocheck(obj, k, klen, v) == 0;
		if (k != kbuf)
			free(k);
		if (!ok)
			goto fail;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return obj;
		}
		goto fail;
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *read_array(reader_t *r, int depth)
{
	json_t *arr = json_array();

	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return arr;
	}
	for (;;) {
		json_t *v = read_value(r, depth + 1);
		if (!v || json_array_append_new(arr, v) != 0)
			goto fail;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return arr;
		}
		goto fail;
	}
fail:
	json_decref(arr);
	return NULL;
}

static bool literal(reader_t *r, const char *word, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return false;
	r->p += n;
	return true;
}

static json_t *read_value(reader_t *r, int depth)
{
	const char *s;
	size_t n;

	if (depth > MAX_DEPTH)
		return NULL;
	skip_ws(r);
	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
		r->p++;
		return read_object(r, depth);
	case '[':
		r->p++;
		return read_array(r, depth);
	case '"':
		r->p++;
		return read_string(r, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
	case 't':
		return literal(r, "true", 4) ? json_true() : NULL;
	case 'f':
		return literal(r, "false", 5) ? json_false() : NULL;
	case 'n':
		return literal(r, "null", 4) ? json_null() : NULL;
	default:
		return read_number(r);
	}
}

json_t *sl_json_parse_plain(const char *text, size_t len)
{
	reader_t r = {.p = text, .end = text + len};
	json_t *v = read_value(&r, 0);

	skip_ws(&r);
	if (v && r.p != r.end) { /* something after the value */
		json_decref(v);
		v = NULL;
	}
	free(r.scratch);
	return v;
}

json_t *sl_json_parse(const char *text, size_t len, json_error_t *err)
{
	json_t *v = sl_json_parse_plain(text, len);

	return v ? v : json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, err);
}

/* ---- finding a member in JSON text ---- */

static size_t text_skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The end of the string whose opening quote is at s[i]; len when open. */
static size_t text_skip_string(const char *s, size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* The end of the value starting at s[i] (which skip_ws reached). */
static size_t text_skip_value(const char *s, size_t i, size_t len)
{
	int depth = 0;

	if (i >= len)
		return len;
	if (s[i] == '"')
		return text_skip_string(s, i, len);
	if (s[i] != '{' && s[i] != '[') { /* number, true, false, null */
		while (i < len && !strchr(",}] \t\n\r", s[i]))
			i++;
		return i;
	}
	for (; i < len; i++) {
		if (s[i] == '"')
			i = text_skip_string(s, i, len) - 1;
		else if (s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
			return i + 1;
	}
	return len;
}

bool sl_json_text_member(const char *text, size_t len, const char *name, size_t *start, size_t *end)
{
	size_t n = strlen(name), i = text_skip_ws(text, 0, len);

	if (i >= len || text[i] != '{')
		return false;
	for (i = text_skip_ws(text, i + 1, len); i < len && text[i] == '"';) {
		size_t key_end = text_skip_string(text, i, len);
		bool match = key_end - i == n + 2 && !memcmp(text + i + 1, name, n);
		if (key_end >= len || memchr(text + i, '\\', key_end - i))
			return false;
		i = text_skip_ws(text, key_end, len);
		if (i >= len || text[i] != ':')
			return false;
		i = text_skip_ws(text, i + 1, len);
		size_t value_end = text_skip_value(text, i, len);
		if (value_end >= len)
			return false;
		if (match) {
			*start = i;
			*end = value_end;
			return true;
		}
		i = text_skip_ws(text, value_end, len);
		if (i >= len || text[i] != ',')
			return false;
		i = text_skip_ws(text, i + 1, len);
	}
	return false;
}
