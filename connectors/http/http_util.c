/* Pure helpers of the HTTP connectors: JSON Pointer, status code sets,
 * Retry-After, Link, ${name} templates. */
#include "http_util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/mem.h"

/* ---- JSON Pointer ---------------------------------------------------------- */

/* Unescapes one reference token (p .. end) into tok; false on a bad escape. */
static bool pointer_token(const char *p, const char *end, sl_buf_t *tok)
{
	sl_buf_reset(tok);
	sl_buf_append(tok, "", 0);
	for (; p < end; p++) {
		if (*p != '~') {
			sl_buf_append_char(tok, *p);
			continue;
		}
		if (p + 1 >= end || (p[1] != '0' && p[1] != '1'))
			return false;
		sl_buf_append_char(tok, p[1] == '0' ? '~' : '/');
		p++;
	}
	return true;
}

/* An array index: decimal, no leading zero (except "0"), fits size_t. */
static bool pointer_index(const sl_buf_t *tok, size_t *out)
{
	if (tok->len == 0 || tok->len > 18 || (tok->len > 1 && tok->data[0] == '0'))
		return false;
	size_t v = 0;
	for (size_t i = 0; i < tok->len; i++) {
		if (!isdigit((unsigned char)tok->data[i]))
			return false;
		v = v * 10 + (size_t)(tok->data[i] - '0');
	}
	*out = v;
	return true;
}

json_t *http_json_pointer(json_t *root, const char *ptr)
{
	if (!root || !ptr)
		return NULL;
	if (!*ptr)
		return root;
	if (*ptr != '/')
		return NULL;
	sl_buf_t tok = {0};
	json_t *cur = root;
	const char *p = ptr;
	while (cur && *p == '/') {
		const char *start = p + 1, *end = strchr(start, '/');
		if (!end)
			end = start + strlen(start);
		size_t idx;
		if (!pointer_token(start, end, &tok))
			cur = NULL;
		else if (json_is_object(cur))
			cur = json_object_getn(cur, tok.data, tok.len);
		else if (json_is_array(cur) && pointer_index(&tok, &idx))
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
		p = end;
	}
	sl_buf_free(&tok);
	return cur;
}

bool http_json_pointer_check(const char *value, char *why, size_t why_size)
{
	if (!*value)
		return true;
	if (*value != '/') {
		snprintf(why, why_size, "a JSON Pointer is empty or starts with '/'");
		return false;
	}
	for (const char *p = value; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			snprintf(why, why_size, "'~' in a JSON Pointer must be followed by 0 or 1");
			return false;
		}
	return true;
}

/* ---- status code sets ------------------------------------------------------ */

/* A status code of 1 to 3 digits (100..999 are real; 0..999 accepted). */
static bool parse_code(const char *s, size_t n, int *out)
{
	if (n == 0 || n > 3)
		return false;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* One item "a", "a-b", "a-" or "-b" (blanks trimmed) into r. */
static bool parse_range(const char *s, size_t n, struct http_code_range *r)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	const char *dash = memchr(s, '-', n);
	if (!dash)
		return parse_code(s, n, &r->lo) && (r->hi = r->lo, true);
	size_t left = (size_t)(dash - s), right = n - left - 1;
	if (left == 0 && right == 0)
		return false;
	r->lo = 0;
	r->hi = 999;
	if (left && !parse_code(s, left, &r->lo))
		return false;
	if (right && !parse_code(dash + 1, right, &r->hi))
		return false;
	return r->lo <= r->hi;
}

int http_codes_parse(const char *spec, http_codes_t *out, char *errstr, size_t errstr_size)
{
	memset(out, 0, sizeof(*out));
	if (!spec)
		return 0;
	const char *p = spec;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		size_t blank = 0;
		while (blank < n && isspace((unsigned char)p[blank]))
			blank++;
		if (blank < n) {
			struct http_code_range r;
			if (!parse_range(p, n, &r)) {
				http_codes_free(out);
				return sl_seterr(errstr, errstr_size,
						 "'%.*s' is not a status code or range (e.g. 404, "
						 "500-599, 400-)",
						 (int)(n > 40 ? 40 : n), p);
			}
			out->ranges = sl_realloc(out->ranges, (out->count + 1) * sizeof(r));
			out->ranges[out->count++] = r;
		}
		p += n + (comma ? 1 : 0);
	}
	return 0;
}

bool http_codes_check(const char *value, char *why, size_t why_size)
{
	http_codes_t c;
	if (http_codes_parse(value, &c, why, why_size) != 0)
		return false;
	http_codes_free(&c);
	return true;
}

bool http_codes_match(const http_codes_t *codes, long status)
{
	for (size_t i = 0; i < codes->count; i++)
		if (status >= codes->ranges[i].lo && status <= codes->ranges[i].hi)
			return true;
	return false;
}

void http_codes_free(http_codes_t *codes)
{
	free(codes->ranges);
	codes->ranges = NULL;
	codes->count = 0;
}

/* ---- response headers ------------------------------------------------------ */

int64_t http_retry_after_ms(const char *value, time_t now, int64_t max_ms)
{
	if (!value)
		return -1;
	while (isspace((unsigned char)*value))
		value++;
	int64_t ms = -1;
	if (isdigit((unsigned char)*value)) {
		char *end;
		errno = 0;
		unsigned long long s = strtoull(value, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		if (*end || errno)
			return -1;
		ms = s > (unsigned long long)(INT64_MAX / 1000) ? INT64_MAX : (int64_t)s * 1000;
	} else {
		struct tm tm = {0};
		const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		if (!end)
			return -1;
		time_t at = timegm(&tm);
		ms = at <= now ? 0 : (int64_t)(at - now) * 1000;
	}
	return ms > max_ms ? max_ms : ms;
}

char *http_link_next(const char *link)
{
	if (!link)
		return NULL;
	const char *p = link;
	while ((p = strchr(p, '<'))) {
		const char *close = strchr(p, '>');
		if (!close)
			return NULL;
		/* the parameters of this link run to the next '<' or the end */
		const char *params = close + 1, *next = strchr(params, '<');
		size_t plen = next ? (size_t)(next - params) : strlen(params);
		const char *rel = params;
		while ((rel = strcasestr(rel, "rel=")) && rel < params + plen) {
			const char *v = rel + 4;
			bool quoted = *v == '"';
			v += quoted;
			/* rel may hold several space separated types */
			const char *vend = v;
			while (vend < params + plen && *vend != (quoted ? '"' : ';') &&
			       *vend != ',')
				vend++;
			for (const char *t = v; t < vend;) {
				const char *te = t;
				while (te < vend && *te != ' ')
					te++;
				if (te - t == 4 && strncasecmp(t, "next", 4) == 0)
					return sl_strndup(p + 1, (size_t)(close - p - 1));
				t = te + 1;
			}
			rel = vend;
		}
		p = close + 1;
	}
	return NULL;
}

/* ---- templates ------------------------------------------------------------- */

/* Finds the next placeholder at or after p: *name / *name_len, and returns
 * the position after its '}', or NULL with *name == NULL when there is
 * none; an unterminated one returns NULL with *name set. Copies the text
 * before it (with "$$" unescaped) to out when out is not NULL. */
static const char *template_next(const char *p, sl_buf_t *out, const char **name, size_t *name_len)
{
	*name = NULL;
	for (;;) {
		const char *dollar = strchr(p, '$');
		if (!dollar) {
			if (out)
				sl_buf_append_str(out, p);
			return NULL;
		}
		if (out)
			sl_buf_append(out, p, (size_t)(dollar - p));
		if (dollar[1] == '$') {
			if (out)
				sl_buf_append_char(out, '$');
			p = dollar + 2;
			continue;
		}
		if (dollar[1] != '{') {
			if (out)
				sl_buf_append_char(out, '$');
			p = dollar + 1;
			continue;
		}
		*name = dollar + 2;
		const char *close = strchr(*name, '}');
		if (!close)
			return NULL;
		*name_len = (size_t)(close - *name);
		return close + 1;
	}
}

int http_template_expand(const char *tmpl, http_template_fn lookup, void *arg, sl_buf_t *out,
			 char *errstr, size_t errstr_size)
{
	const char *p = tmpl, *name;
	size_t len;
	sl_buf_append(out, "", 0);
	while ((p = template_next(p, out, &name, &len))) {
		if (lookup(arg, name, len, out) != 0)
			return sl_seterr(errstr, errstr_size, "unknown placeholder ${%.*s}",
					 (int)(len > 60 ? 60 : len), name);
	}
	if (name)
		return sl_seterr(errstr, errstr_size, "placeholder '${%.20s' has no closing '}'",
				 name);
	return 0;
}

int http_template_check(const char *tmpl, const char *const *names, const char *const *prefixes,
			char *errstr, size_t errstr_size)
{
	const char *p = tmpl, *name;
	size_t len;
	while ((p = template_next(p, NULL, &name, &len))) {
		bool known = false;
		for (size_t i = 0; names && names[i] && !known; i++)
			known = strlen(names[i]) == len && memcmp(names[i], name, len) == 0;
		for (size_t i = 0; prefixes && prefixes[i] && !known; i++) {
			size_t pl = strlen(prefixes[i]);
			known = len > pl && memcmp(prefixes[i], name, pl) == 0;
		}
		if (!known)
			return sl_seterr(errstr, errstr_size, "unknown placeholder ${%.*s}",
					 (int)(len > 60 ? 60 : len), name);
	}
	if (name)
		return sl_seterr(errstr, errstr_size, "placeholder '${%.20s' has no closing '}'",
				 name);
	return 0;
}

void http_url_escape_append(sl_buf_t *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			sl_buf_append_char(out, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			sl_buf_append(out, e, 3);
		}
	}
}
