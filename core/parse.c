/* Strict parsing of numbers and booleans from text, and JSON types named
 * in words for messages. */
#include "sluice/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/mem.h"

int sl_parse_int64(const char *s, int64_t *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || *end || end == s)
		return -1;
	*out = v;
	return 0;
}

int sl_parse_bool(const char *s, bool *out)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

int sl_parse_double(const char *s, double *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

const char *sl_json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

int sl_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *sl_format_double_shortest(double v, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v || isnan(v))
			break;
	}
	return buf;
}

/* Skips the bracket expression at c ('['); returns its last character
 * (']'), or the string's end when it is not closed. */
static const char *bracket_end(const char *c)
{
	c++;
	if (*c == '^')
		c++;
	if (*c == ']')
		c++;
	while (*c && *c != ']') {
		if (*c == '[' && (c[1] == ':' || c[1] == '=' || c[1] == '.')) {
			char close = c[1];
			const char *e = strchr(c + 2, close);
			while (e && e[1] != ']')
				e = strchr(e + 1, close);
			c = e ? e + 2 : c + strlen(c);
			continue;
		}
		c++;
	}
	return *c ? c : c - 1;
}

/* The larger bound of the interval at c ('{': "{m}", "{m,}", "{m,n}");
 * *end at its '}'. 0 when it is not an interval (then '{' is literal). */
static unsigned long interval_bound(const char *c, const char **end)
{
	char *e;
	unsigned long m = strtoul(c + 1, &e, 10), n = m;
	if (e == c + 1)
		return 0;
	if (*e == ',') {
		if (e[1] >= '0' && e[1] <= '9')
			n = strtoul(e + 1, &e, 10);
		else
			e++;
	}
	if (*e != '}')
		return 0;
	*end = e;
	return (m > n ? m : n) ? (m > n ? m : n) : 1;
}

bool sl_regex_posix_check(const char *pattern, char *err, size_t err_size)
{
	enum {
		LIMIT = 1000,
		STACK = 64
	};
	/* inner[d]: the largest expansion of an atom inside the open group
	 * at depth d; last: that of the atom the next operator applies to */
	unsigned long inner[STACK] = {1}, last = 1;
	size_t depth = 0;
	int stacked = 0;

	for (const char *c = pattern; *c; c++) {
		const char *end = c;
		unsigned long bound = 1;
		switch (*c) {
		case '\\':
			if (c[1])
				c++;
			last = 1;
			stacked = 0;
			break;
		case '[':
			c = bracket_end(c);
			last = 1;
			stacked = 0;
			break;
		case '(':
			if (++depth == STACK) {
				sl_seterr(err, err_size, "groups nested more than %d deep",
					  STACK - 1);
				return false;
			}
			inner[depth] = 1;
			last = 1;
			stacked = 0;
			break;
		case ')':
			last = depth ? inner[depth--] : 1;
			stacked = 0;
			break;
		case '{':
			if (!(bound = interval_bound(c, &end))) {
				last = 1;
				stacked = 0;
				break;
			}
			c = end;
			/* fall through */
		case '*':
		case '+':
		case '?':
			if (++stacked > 2) {
				sl_seterr(
					err, err_size,
					"more than two repetition operators in a row at offset %zu",
					(size_t)(c - pattern));
				return false;
			}
			if (*c == '}' && (last *= bound) > LIMIT) {
				sl_seterr(err, err_size,
					  "bounded repetitions multiply to more than %d copies at "
					  "offset %zu (nested or stacked {m,n})",
					  LIMIT, (size_t)(c - pattern));
				return false;
			}
			break;
		default:
			last = 1;
			stacked = 0;
		}
		if (last > inner[depth])
			inner[depth] = last;
	}
	return true;
}
