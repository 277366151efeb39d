/* Pure helpers the HTTP connectors share: JSON Pointer (RFC 6901), status
 * code ranges ("200-299,304", "500-"), Retry-After, the Link header's next
 * page, and ${name} templates. None of them knows libcurl or the worker. */
#ifndef SL_HTTP_UTIL_H
#define SL_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "sluice/buf.h"

/* ---- JSON Pointer ---------------------------------------------------------- */

/* The value ptr points at inside root (borrowed from root), or NULL when
 * nothing is there or ptr is not a pointer. "" is root itself; "/a/0/b~1c"
 * walks object members and array indexes ("~0" is '~', "~1" is '/'). An
 * array index is decimal without leading zeros; "-" matches nothing. */
json_t *http_json_pointer(json_t *root, const char *ptr);
/* An sl_opt_check_fn: "" or text starting with '/' whose escapes are
 * "~0" / "~1" only. */
bool http_json_pointer_check(const char *value, char *why, size_t why_size);

/* ---- status code sets ------------------------------------------------------ */

/* A set of HTTP status codes from a comma list of codes and ranges: "404",
 * "200-299", "400-" (400 and up), "-299" (up to 299). */
typedef struct http_codes {
	struct http_code_range {
		int lo, hi;
	} * ranges;
	size_t count;
} http_codes_t;

/* Parses spec into out (zeroed first; free with http_codes_free). An empty
 * or NULL spec is the empty set. Returns 0, or -1 with errstr naming the
 * bad item. */
int http_codes_parse(const char *spec, http_codes_t *out, char *errstr, size_t errstr_size);
/* An sl_opt_check_fn for a whole spec. */
bool http_codes_check(const char *value, char *why, size_t why_size);
bool http_codes_match(const http_codes_t *codes, long status);
void http_codes_free(http_codes_t *codes);

/* ---- response headers ------------------------------------------------------ */

/* The wait a Retry-After value asks for, in milliseconds from now (the
 * wall clock, seconds since the epoch): delta-seconds or an IMF-fixdate
 * (RFC 9110). A date in the past is 0. -1 when value is NULL or neither
 * form; the wait is capped at max_ms. */
int64_t http_retry_after_ms(const char *value, time_t now, int64_t max_ms);
/* The target of the rel="next" link of a Link header value
 * (`<https://a/b?page=2>; rel="next", <...>; rel="last"`), malloc()ed, or
 * NULL when there is none. */
char *http_link_next(const char *link);

/* ---- templates ------------------------------------------------------------- */

/* Appends the value of placeholder name (name_len bytes, not terminated)
 * to out; returns 0, or -1 when the name is unknown. */
typedef int (*http_template_fn)(void *arg, const char *name, size_t name_len, sl_buf_t *out);

/* Appends tmpl to out with every "${name}" replaced by what lookup appends.
 * "$$" is a literal '$'; any other '$' is copied as is. Returns 0, or -1
 * with errstr naming the unknown or unterminated placeholder (out then
 * holds a partial result). */
int http_template_expand(const char *tmpl, http_template_fn lookup, void *arg, sl_buf_t *out,
			 char *errstr, size_t errstr_size);
/* Checks that every placeholder of tmpl is closed and its name is one of
 * names (NULL-terminated) or starts with one of prefixes (NULL-terminated,
 * may be NULL); returns 0, or -1 with errstr naming the first that is not. */
int http_template_check(const char *tmpl, const char *const *names, const char *const *prefixes,
			char *errstr, size_t errstr_size);
/* Appends s percent-encoded as a URL query or path component (RFC 3986
 * unreserved characters are kept). */
void http_url_escape_append(sl_buf_t *out, const char *s, size_t len);

#endif
