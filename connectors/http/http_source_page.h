/* The pure parts of http-source: the offset field spec, the position (the
 * offset fields plus the page cursor) and its stored form, requests built
 * from templates, a response walked into items, the dedupe set at page
 * boundaries, and what each status code means. None of it knows the
 * worker; only the relative next-page URL is resolved with libcurl's URL
 * parser. */
#ifndef SL_HTTP_SOURCE_PAGE_H
#define SL_HTTP_SOURCE_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "http_util.h"
#include "sluice/backoff.h"
#include "sluice/buf.h"

/* ---- offset fields ---------------------------------------------------------- */

/* http.response.record.offset.pointer: "key=/id,timestamp=/updated_at". The
 * field "key" is also the record key. */
typedef struct hs_spec {
	struct hs_spec_field {
		char *name;
		char *pointer;
	} * fields;
	size_t count;
} hs_spec_t;

/* Parses spec (NULL or blank: no fields) into out (free with
 * hs_spec_free, also after a failure). Returns 0, or -1 with errstr naming
 * the bad item (no '=', an empty name, a name given twice, a pointer that
 * is not a JSON Pointer). */
int hs_spec_parse(const char *spec, hs_spec_t *out, char *errstr, size_t errstr_size);
void hs_spec_free(hs_spec_t *spec);
/* An sl_opt_check_fn for http.response.record.offset.pointer. */
bool hs_spec_check(const char *value, char *why, size_t why_size);

/* http.offset.initial: "name=value, name2=value2" into a new object of
 * string members (an empty object for NULL or blank). NULL with errstr
 * when an item has no '=' or an empty name. */
json_t *hs_initial_parse(const char *spec, char *errstr, size_t errstr_size);
/* An sl_opt_check_fn for http.offset.initial. */
bool hs_initial_check(const char *value, char *why, size_t why_size);

/* castorm writes status ranges "200..299": the same spec with ".." as "-"
 * (malloc()ed). */
char *hs_codes_normalize(const char *spec);
/* http_codes_parse of a spec in either form. */
int hs_codes_parse(const char *spec, http_codes_t *out, char *errstr, size_t errstr_size);
/* An sl_opt_check_fn for a status code spec in either form. */
bool hs_codes_check(const char *value, char *why, size_t why_size);

/* A JSON Pointer as castorm reads it: "/" (its default) is the whole
 * document, like ""; anything else is RFC 6901. Borrowed from root; NULL
 * when nothing is there. */
json_t *hs_pointer(json_t *root, const char *ptr);

/* ---- position --------------------------------------------------------------- */

/* Where the task stands: the offset fields of the newest record handed to
 * Kafka (or the initial ones) and the page to request next (a cursor or
 * URL; NULL: the first page of a new listing). */
typedef struct hs_position {
	json_t *fields; /* an object, never NULL once set */
	char *page;
} hs_position_t;

/* The stored form of a record's position: {"fields": {...}, "page": "..."}
 * ("page" left out when page is NULL). New reference; fields borrowed. */
json_t *hs_offset_make(json_t *fields, const char *page);
/* Reads a stored offset into pos (fields a new reference, page
 * malloc()ed). Returns 0, or -1 with errstr saying what is wrong with it. */
int hs_offset_read(const json_t *offset, hs_position_t *pos, char *errstr, size_t errstr_size);
void hs_position_clear(hs_position_t *pos);

/* The text a field value stands for in templates and keys: a string as
 * it is, null as "", anything else as compact JSON. malloc()ed. */
char *hs_value_text(const json_t *v);

/* ---- requests --------------------------------------------------------------- */

/* How the next page is named. */
typedef enum hs_next_kind {
	HS_NEXT_NONE = 0, /* no pagination */
	HS_NEXT_URL,      /* the body pointer or the Link header gives the next URL */
	HS_NEXT_PARAM,    /* the body pointer gives a cursor sent as a query parameter */
} hs_next_kind_t;

/* The templates of a request (borrowed strings; NULL or "" when unset). */
typedef struct hs_templates {
	const char *url;
	const char *params;
	const char *headers;
	const char *body;
	hs_next_kind_t next_kind;
	const char *next_param; /* HS_NEXT_PARAM: the query parameter's name */
} hs_templates_t;

/* One request, built for a position. */
typedef struct hs_request {
	char *url;
	char **headers; /* "Name: value" lines, NULL-terminated */
	char *body;     /* NULL when the template has none */
} hs_request_t;

/* Builds the request for pos: the url template with ${offset.<field>}
 * and ${page.cursor} filled in (values URL-encoded) and the params
 * appended (values URL-encoded, "a=b & c=d" trimmed to "a=b&c=d"); for a
 * page URL (HS_NEXT_URL) that URL itself, resolved against the expanded
 * url template when it is relative, without the params (it carries its
 * own); for a cursor (HS_NEXT_PARAM) the next_param=cursor pair appended.
 * Headers ("Name: value, Name2: value2"; a piece without ':' belongs to the
 * previous value) and the body are filled in as they are. A field that
 * the position lacks is "". Returns 0, or -1 with errstr (an unknown or
 * unterminated placeholder, a page URL that does not resolve); out is then
 * cleared. */
int hs_request_build(const hs_templates_t *t, const hs_position_t *pos, hs_request_t *out,
		     char *errstr, size_t errstr_size);
void hs_request_clear(hs_request_t *r);

/* Checks every placeholder of tmpl: ${page.cursor}, or ${offset.<name>}
 * with name in names (NULL-terminated). Returns 0, or -1 with errstr. */
int hs_template_check(const char *tmpl, const char *const *names, char *errstr, size_t errstr_size);

/* ---- responses -------------------------------------------------------------- */

/* What the items of a response need. */
typedef struct hs_walk_params {
	const char *list_pointer;   /* the items (castorm's "/": the body) */
	const char *record_pointer; /* the record value within an item ("/": all) */
	const hs_spec_t *spec;
	const char *next_pointer; /* the next page in the body, or NULL */
} hs_walk_params_t;

/* One item of a response. */
typedef struct hs_item {
	json_t *raw;    /* the item as listed (borrowed from the page's doc) */
	json_t *value;  /* the record value (borrowed), NULL when error is set */
	json_t *fields; /* new object: the base fields overlaid with the item's */
	char *key;      /* the "key" field's text, or NULL without one */
	char *error;    /* why the item cannot be a record, or NULL */
} hs_item_t;

typedef struct hs_page {
	json_t *doc; /* the parsed body (one reference) */
	hs_item_t *items;
	size_t count;
	char *next; /* the next page from the body pointer, or NULL */
} hs_page_t;

/* Parses body (len bytes) and walks it: the list pointer (an array is its
 * elements, null no item, anything else one item; nothing there is an
 * error), for each item the record pointer and the offset fields (each
 * must be there, or the item gets an error), and the next page (a string
 * or number at next_pointer; missing, null or "" is none). base holds the
 * fields every item starts from (borrowed). Returns 0, or -1 with errstr
 * when the body is not JSON (jansson refuses invalid UTF-8 too) or the
 * list pointer matches nothing; page is then empty. */
int hs_page_parse(const char *body, size_t len, const hs_walk_params_t *p, json_t *base,
		  hs_page_t *page, char *errstr, size_t errstr_size);
void hs_page_clear(hs_page_t *page);

/* ---- dedupe ----------------------------------------------------------------- */

/* The offset fields of the records emitted from the latest page that
 * emitted any: an item of a later page with the same fields (its key and
 * offset) is one already sent (an API whose "since" is inclusive sends it
 * again) and is dropped. */
typedef struct hs_seen {
	json_t *last; /* object: canonical fields text -> true */
	json_t *cur;  /* being filled by the current page */
} hs_seen_t;

void hs_seen_init(hs_seen_t *s);
void hs_seen_free(hs_seen_t *s);
/* Canonical text of fields (sorted keys, compact); malloc()ed. */
char *hs_fields_canon(const json_t *fields);
bool hs_seen_has(const hs_seen_t *s, const json_t *fields);
/* Notes fields as emitted by the current page. */
void hs_seen_add(hs_seen_t *s, const json_t *fields);
/* Ends the current page: when it emitted anything, it becomes the set
 * later pages are checked against; else the old set stays. */
void hs_seen_end_page(hs_seen_t *s);

/* Where a resumed page picks up: the index after the first item whose
 * fields equal stored (the record the stored offset came from), or 0 when
 * no item matches or stored is NULL or empty. */
size_t hs_resume_index(const hs_page_t *page, const json_t *stored);

/* ---- status codes and timing ------------------------------------------------ */

typedef enum hs_outcome {
	HS_PROCESS = 0,  /* in http.response.policy.codes.process: read the items */
	HS_SKIP,         /* in .skip: no records, no error */
	HS_NOT_MODIFIED, /* 304 to our If-None-Match: no records */
	HS_RETRY,        /* 408, 429, 5xx: retried with backoff / Retry-After */
	HS_FAIL,         /* anything else: the task fails */
} hs_outcome_t;

/* What status means: process and skip codes first (the user's choice
 * wins), then a 304 answering our If-None-Match, then 408 / 429 / 5xx,
 * else failure. */
hs_outcome_t hs_decide(long status, bool sent_etag, const http_codes_t *process,
		       const http_codes_t *skip);
const char *hs_outcome_name(hs_outcome_t o);

/* How long to wait before retrying a response of status (0 for a
 * connection failure): what Retry-After asks (429 and 503 only; at most
 * retry_after_max_ms), else the next backoff delay. *from_header tells
 * which. */
int64_t hs_retry_delay(long status, const char *retry_after, time_t now, int64_t retry_after_max_ms,
		       sl_backoff_t *backoff, bool *from_header);

/* How long after a page the next request starts: at once when there is
 * a next page, catchup_ms after a page that brought new records, else
 * interval_ms. */
int64_t hs_next_wait(bool next_page, size_t emitted, int64_t interval_ms, int64_t catchup_ms);

#endif
