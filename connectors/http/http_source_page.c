/* The pure parts of http-source: offset field specs, positions and their
 * stored form, requests from templates, responses walked into items,
 * dedupe at page boundaries, status code outcomes and waits. */
#include "http_source_page.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sluice/mem.h"

/* ---- small text helpers ----------------------------------------------------- */

/* Trims blanks at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* Calls fn for every sep-separated piece of s (trimmed, empty ones left
 * out); stops at the first non-zero return and returns it. */
typedef int (*piece_fn)(void *arg, const char *p, size_t n);

static int for_pieces(const char *s, char sep, piece_fn fn, void *arg)
{
	while (s && *s) {
		const char *end = strchr(s, sep);
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *p = s;
		size_t pn = n;
		trim(&p, &pn);
		if (pn) {
			int rc = fn(arg, p, pn);
			if (rc)
				return rc;
		}
		s += n + (end ? 1 : 0);
	}
	return 0;
}

/* ---- offset fields ---------------------------------------------------------- */

typedef struct spec_ctx {
	hs_spec_t *spec;
	char *errstr;
	size_t errstr_size;
} spec_ctx_t;

static int spec_piece(void *arg, const char *p, size_t n)
{
	spec_ctx_t *c = arg;
	const char *eq = memchr(p, '=', n);
	if (!eq)
		return sl_seterr(c->errstr, c->errstr_size,
				 "'%.*s' is not name=/json/pointer (e.g. key=/id)", (int)n, p);
	const char *name = p, *ptr = eq + 1;
	size_t name_len = (size_t)(eq - p), ptr_len = n - name_len - 1;
	trim(&name, &name_len);
	trim(&ptr, &ptr_len);
	if (!name_len)
		return sl_seterr(c->errstr, c->errstr_size, "'%.*s' has an empty field name",
				 (int)n, p);
	char *nm = sl_strndup(name, name_len), *pt = sl_strndup(ptr, ptr_len);
	char why[160];
	for (size_t i = 0; i < c->spec->count; i++)
		if (!strcmp(c->spec->fields[i].name, nm)) {
			sl_seterr(c->errstr, c->errstr_size, "field '%s' is given twice", nm);
			goto bad;
		}
	if (!http_json_pointer_check(pt, why, sizeof(why))) {
		sl_seterr(c->errstr, c->errstr_size, "field '%s': '%s': %s", nm, pt, why);
		goto bad;
	}
	c->spec->fields =
		sl_realloc(c->spec->fields, (c->spec->count + 1) * sizeof(*c->spec->fields));
	c->spec->fields[c->spec->count].name = nm;
	c->spec->fields[c->spec->count++].pointer = pt;
	return 0;
bad:
	free(nm);
	free(pt);
	return -1;
}

int hs_spec_parse(const char *spec, hs_spec_t *out, char *errstr, size_t errstr_size)
{
	spec_ctx_t c = {out, errstr, errstr_size};
	memset(out, 0, sizeof(*out));
	return for_pieces(spec, ',', spec_piece, &c) ? -1 : 0;
}

void hs_spec_free(hs_spec_t *spec)
{
	for (size_t i = 0; i < spec->count; i++) {
		free(spec->fields[i].name);
		free(spec->fields[i].pointer);
	}
	free(spec->fields);
	memset(spec, 0, sizeof(*spec));
}

bool hs_spec_check(const char *value, char *why, size_t why_size)
{
	hs_spec_t s;
	int rc = hs_spec_parse(value, &s, why, why_size);
	hs_spec_free(&s);
	return rc == 0;
}

typedef struct initial_ctx {
	json_t *obj;
	char *errstr;
	size_t errstr_size;
} initial_ctx_t;

static int initial_piece(void *arg, const char *p, size_t n)
{
	initial_ctx_t *c = arg;
	const char *eq = memchr(p, '=', n);
	if (!eq)
		return sl_seterr(c->errstr, c->errstr_size,
				 "'%.*s' is not name=value (e.g. timestamp=2020-01-01T00:00:00Z)",
				 (int)n, p);
	const char *name = p, *val = eq + 1;
	size_t name_len = (size_t)(eq - p), val_len = n - name_len - 1;
	trim(&name, &name_len);
	trim(&val, &val_len);
	if (!name_len)
		return sl_seterr(c->errstr, c->errstr_size, "'%.*s' has an empty name", (int)n, p);
	json_t *v = json_stringn(val, val_len);
	if (!v)
		return sl_seterr(c->errstr, c->errstr_size, "'%.*s' is not valid UTF-8", (int)n, p);
	json_object_setn_new(c->obj, name, name_len, v);
	return 0;
}

json_t *hs_initial_parse(const char *spec, char *errstr, size_t errstr_size)
{
	initial_ctx_t c = {json_object(), errstr, errstr_size};
	if (for_pieces(spec, ',', initial_piece, &c)) {
		json_decref(c.obj);
		return NULL;
	}
	return c.obj;
}

bool hs_initial_check(const char *value, char *why, size_t why_size)
{
	json_t *o = hs_initial_parse(value, why, why_size);
	json_decref(o);
	return o != NULL;
}

char *hs_codes_normalize(const char *spec)
{
	sl_buf_t b = {0};
	sl_buf_append(&b, "", 0);
	for (const char *p = spec; p && *p; p++) {
		if (p[0] == '.' && p[1] == '.') {
			sl_buf_append_char(&b, '-');
			p++;
		} else {
			sl_buf_append_char(&b, *p);
		}
	}
	return sl_buf_steal(&b);
}

int hs_codes_parse(const char *spec, http_codes_t *out, char *errstr, size_t errstr_size)
{
	char *norm = hs_codes_normalize(spec);
	int rc = http_codes_parse(norm, out, errstr, errstr_size);
	free(norm);
	return rc;
}

bool hs_codes_check(const char *value, char *why, size_t why_size)
{
	http_codes_t c;
	if (hs_codes_parse(value, &c, why, why_size) != 0)
		return false;
	http_codes_free(&c);
	return true;
}

json_t *hs_pointer(json_t *root, const char *ptr)
{
	if (ptr && !strcmp(ptr, "/"))
		return root;
	return http_json_pointer(root, ptr ? ptr : "");
}

/* ---- position --------------------------------------------------------------- */

json_t *hs_offset_make(json_t *fields, const char *page)
{
	json_t *o = json_object();
	json_object_set(o, "fields", fields);
	if (page)
		json_object_set_new(o, "page", json_string(page));
	return o;
}

int hs_offset_read(const json_t *offset, hs_position_t *pos, char *errstr, size_t errstr_size)
{
	memset(pos, 0, sizeof(*pos));
	if (!json_is_object(offset))
		return sl_seterr(errstr, errstr_size, "the offset is not a JSON object");
	json_t *fields = json_object_get(offset, "fields");
	json_t *page = json_object_get(offset, "page");
	if (!json_is_object(fields))
		return sl_seterr(errstr, errstr_size, "its \"fields\" is not a JSON object");
	if (page && !json_is_null(page) && !json_is_string(page))
		return sl_seterr(errstr, errstr_size, "its \"page\" is neither a string nor null");
	pos->fields = json_incref(fields);
	pos->page = json_is_string(page) ? sl_strdup(json_string_value(page)) : NULL;
	return 0;
}

void hs_position_clear(hs_position_t *pos)
{
	json_decref(pos->fields);
	free(pos->page);
	memset(pos, 0, sizeof(*pos));
}

char *hs_value_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return sl_strdup("");
	if (json_is_string(v))
		return sl_strndup(json_string_value(v), json_string_length(v));
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : sl_strdup("");
}

/* ---- requests --------------------------------------------------------------- */

typedef struct tmpl_arg {
	const hs_position_t *pos;
	bool escape;
} tmpl_arg_t;

static int tmpl_lookup(void *arg, const char *name, size_t len, sl_buf_t *out)
{
	tmpl_arg_t *a = arg;
	char *text;
	if (len == 11 && !memcmp(name, "page.cursor", 11))
		text = sl_strdup(a->pos->page ? a->pos->page : "");
	else if (len > 7 && !memcmp(name, "offset.", 7))
		text = hs_value_text(json_object_getn(a->pos->fields, name + 7, len - 7));
	else
		return -1;
	if (a->escape)
		http_url_escape_append(out, text, strlen(text));
	else
		sl_buf_append_str(out, text);
	free(text);
	return 0;
}

static int expand(const char *tmpl, const hs_position_t *pos, bool escape, sl_buf_t *out,
		  char *errstr, size_t errstr_size)
{
	tmpl_arg_t a = {pos, escape};
	return http_template_expand(tmpl ? tmpl : "", tmpl_lookup, &a, out, errstr, errstr_size);
}

/* Appends s percent-encoding what may not stand in a URL query as it is
 * (blanks, '<', '>', '"', '#', non-ASCII, ...); an existing %XX escape and
 * the characters a query may hold are kept, so a value already encoded, by
 * the user or by a placeholder, is not encoded twice. */
static void query_clean_append(sl_buf_t *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool escape_ok = c == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
				 isxdigit((unsigned char)s[i + 2]);
		if (isalnum(c) || (c && strchr("-._~!$'()*+,;=:@/?", c)) || escape_ok) {
			sl_buf_append_char(out, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			sl_buf_append(out, e, 3);
		}
	}
}

/* Appends one "a = b" piece of the params as "a=b". */
static int param_piece(void *arg, const char *p, size_t n)
{
	sl_buf_t *q = arg;
	const char *eq = memchr(p, '=', n);
	if (q->len)
		sl_buf_append_char(q, '&');
	if (!eq) {
		query_clean_append(q, p, n);
		return 0;
	}
	const char *name = p, *val = eq + 1;
	size_t nl = (size_t)(eq - p), vl = n - nl - 1;
	trim(&name, &nl);
	trim(&val, &vl);
	query_clean_append(q, name, nl);
	sl_buf_append_char(q, '=');
	query_clean_append(q, val, vl);
	return 0;
}

typedef struct header_ctx {
	char **list;
	size_t count;
} header_ctx_t;

/* One "Name: value" piece; a piece without a token before ':' continues
 * the previous header's value (a value holding a comma). */
static int header_piece(void *arg, const char *p, size_t n)
{
	header_ctx_t *h = arg;
	const char *colon = memchr(p, ':', n);
	bool token = colon && colon > p;
	for (const char *c = p; token && c < colon; c++)
		token = !isspace((unsigned char)*c);
	if (!token && h->count) {
		char *prev = h->list[h->count - 1];
		h->list[h->count - 1] = sl_asprintf("%s, %.*s", prev, (int)n, p);
		free(prev);
		return 0;
	}
	h->list = sl_realloc(h->list, (h->count + 2) * sizeof(char *));
	if (!token) {
		h->list[h->count++] = sl_strndup(p, n);
	} else {
		const char *v = colon + 1;
		size_t vl = n - (size_t)(v - p);
		trim(&v, &vl);
		h->list[h->count++] = sl_asprintf("%.*s: %.*s", (int)(colon - p), p, (int)vl, v);
	}
	h->list[h->count] = NULL;
	return 0;
}

/* Resolves page (absolute, or relative to base) into out. */
static int resolve_url(const char *base, const char *page, sl_buf_t *out, char *errstr,
		       size_t errstr_size)
{
	CURLU *u = curl_url();
	char *s = NULL;
	int rc = -1;
	if (!u)
		return sl_seterr(errstr, errstr_size, "out of memory");
	/* a base that does not parse leaves page to be absolute on its own */
	curl_url_set(u, CURLUPART_URL, base, 0);
	if (curl_url_set(u, CURLUPART_URL, page, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		sl_seterr(errstr, errstr_size,
			  "next page URL '%.200s' does not resolve against %.200s", page, base);
		goto out;
	}
	sl_buf_append_str(out, s);
	rc = 0;
out:
	curl_free(s);
	curl_url_cleanup(u);
	return rc;
}

/* The URL of the request: the template, its params and the cursor, or a
 * page URL. */
static int build_url(const hs_templates_t *t, const hs_position_t *pos, sl_buf_t *url, char *errstr,
		     size_t errstr_size)
{
	sl_buf_t raw = {0}, q = {0};
	int rc = -1;
	if (expand(t->url, pos, true, &raw, errstr, errstr_size) != 0)
		goto out;
	if (pos->page && t->next_kind == HS_NEXT_URL) {
		rc = resolve_url(raw.data, pos->page, url, errstr, errstr_size);
		goto out;
	}
	sl_buf_append_str(url, "");             /* a template that expands to nothing is "" */
	for (const char *c = raw.data; *c; c++) /* a blank cannot stand in a URL */
		if (*c == ' ')
			sl_buf_append_str(url, "%20");
		else
			sl_buf_append_char(url, *c);
	sl_buf_reset(&raw);
	if (expand(t->params, pos, true, &raw, errstr, errstr_size) != 0)
		goto out;
	for_pieces(raw.data, '&', param_piece, &q);
	if (pos->page && t->next_kind == HS_NEXT_PARAM && t->next_param) {
		if (q.len)
			sl_buf_append_char(&q, '&');
		http_url_escape_append(&q, t->next_param, strlen(t->next_param));
		sl_buf_append_char(&q, '=');
		http_url_escape_append(&q, pos->page, strlen(pos->page));
	}
	if (q.len) {
		sl_buf_append_char(url, strchr(url->data, '?') ? '&' : '?');
		sl_buf_append(url, q.data, q.len);
	}
	rc = 0;
out:
	sl_buf_free(&raw);
	sl_buf_free(&q);
	return rc;
}

int hs_request_build(const hs_templates_t *t, const hs_position_t *pos, hs_request_t *out,
		     char *errstr, size_t errstr_size)
{
	sl_buf_t url = {0}, buf = {0};
	header_ctx_t h = {NULL, 0};
	memset(out, 0, sizeof(*out));
	if (build_url(t, pos, &url, errstr, errstr_size) != 0)
		goto bad;
	if (expand(t->headers, pos, false, &buf, errstr, errstr_size) != 0)
		goto bad;
	for_pieces(buf.data, ',', header_piece, &h);
	out->headers = h.list ? h.list : sl_calloc(1, sizeof(char *));
	h.list = NULL; /* out owns them now */
	h.count = 0;
	if (t->body && *t->body) {
		sl_buf_reset(&buf);
		if (expand(t->body, pos, false, &buf, errstr, errstr_size) != 0)
			goto bad;
		out->body = sl_buf_steal(&buf);
	}
	out->url = sl_buf_steal(&url);
	sl_buf_free(&buf);
	return 0;
bad:
	for (size_t i = 0; i < h.count; i++)
		free(h.list[i]);
	free(h.list);
	sl_buf_free(&url);
	sl_buf_free(&buf);
	hs_request_clear(out);
	return -1;
}

void hs_request_clear(hs_request_t *r)
{
	for (size_t i = 0; r->headers && r->headers[i]; i++)
		free(r->headers[i]);
	free(r->headers);
	free(r->url);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int hs_template_check(const char *tmpl, const char *const *names, char *errstr, size_t errstr_size)
{
	size_t n = 0;
	while (names && names[n])
		n++;
	const char **full = sl_calloc(n + 2, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		full[i] = sl_asprintf("offset.%s", names[i]);
	full[n] = "page.cursor";
	int rc = http_template_check(tmpl ? tmpl : "", full, NULL, errstr, errstr_size);
	for (size_t i = 0; i < n; i++)
		free((char *)full[i]);
	free(full);
	return rc;
}

/* ---- responses -------------------------------------------------------------- */

/* Walks one item into it. */
static void walk_item(const hs_walk_params_t *p, json_t *base, json_t *elem, size_t idx,
		      hs_item_t *it)
{
	memset(it, 0, sizeof(*it));
	it->raw = elem;
	it->fields = json_copy(base);
	for (size_t i = 0; p->spec && i < p->spec->count; i++) {
		const struct hs_spec_field *f = &p->spec->fields[i];
		json_t *v = hs_pointer(elem, f->pointer);
		if (!v) {
			it->error =
				sl_asprintf("item %zu: the offset pointer %s=%s matches nothing",
					    idx, f->name, f->pointer);
			return;
		}
		json_object_set(it->fields, f->name, v);
		if (!strcmp(f->name, "key"))
			it->key = hs_value_text(v);
	}
	it->value = hs_pointer(elem, p->record_pointer);
	if (!it->value)
		it->error = sl_asprintf("item %zu: the record pointer %s matches nothing", idx,
					p->record_pointer);
}

/* The next page named in the body: a non-empty string or a number. */
static char *next_from_body(json_t *doc, const char *ptr)
{
	json_t *v = ptr && *ptr ? hs_pointer(doc, ptr) : NULL;
	if (json_is_string(v) && json_string_length(v) > 0)
		return sl_strndup(json_string_value(v), json_string_length(v));
	if (json_is_number(v))
		return hs_value_text(v);
	return NULL;
}

int hs_page_parse(const char *body, size_t len, const hs_walk_params_t *p, json_t *base,
		  hs_page_t *page, char *errstr, size_t errstr_size)
{
	json_error_t jerr;
	memset(page, 0, sizeof(*page));
	page->doc = json_loadb(body ? body : "", len, JSON_DECODE_ANY, &jerr);
	if (!page->doc)
		return sl_seterr(errstr, errstr_size,
				 "the body is not JSON (line %d column %d: %s)", jerr.line,
				 jerr.column, jerr.text);
	json_t *list = hs_pointer(page->doc, p->list_pointer);
	if (!list) {
		hs_page_clear(page);
		return sl_seterr(errstr, errstr_size,
				 "http.response.list.pointer %s matches nothing in the body",
				 p->list_pointer);
	}
	size_t n = json_is_array(list) ? json_array_size(list) : json_is_null(list) ? 0 : 1;
	page->items = sl_calloc(n ? n : 1, sizeof(hs_item_t));
	for (size_t i = 0; i < n; i++)
		walk_item(p, base, json_is_array(list) ? json_array_get(list, i) : list, i,
			  &page->items[i]);
	page->count = n;
	page->next = next_from_body(page->doc, p->next_pointer);
	return 0;
}

void hs_page_clear(hs_page_t *page)
{
	for (size_t i = 0; i < page->count; i++) {
		json_decref(page->items[i].fields);
		free(page->items[i].key);
		free(page->items[i].error);
	}
	free(page->items);
	free(page->next);
	json_decref(page->doc);
	memset(page, 0, sizeof(*page));
}

/* ---- dedupe ----------------------------------------------------------------- */

void hs_seen_init(hs_seen_t *s)
{
	s->last = json_object();
	s->cur = json_object();
}

void hs_seen_free(hs_seen_t *s)
{
	json_decref(s->last);
	json_decref(s->cur);
	s->last = s->cur = NULL;
}

char *hs_fields_canon(const json_t *fields)
{
	char *s = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	return s ? s : sl_strdup("");
}

bool hs_seen_has(const hs_seen_t *s, const json_t *fields)
{
	char *c = hs_fields_canon(fields);
	bool has = json_object_get(s->last, c) != NULL;
	free(c);
	return has;
}

void hs_seen_add(hs_seen_t *s, const json_t *fields)
{
	char *c = hs_fields_canon(fields);
	json_object_set_new(s->cur, c, json_true());
	free(c);
}

void hs_seen_end_page(hs_seen_t *s)
{
	if (json_object_size(s->cur) == 0)
		return;
	json_decref(s->last);
	s->last = s->cur;
	s->cur = json_object();
}

size_t hs_resume_index(const hs_page_t *page, const json_t *stored)
{
	if (!stored || json_object_size(stored) == 0)
		return 0;
	char *want = hs_fields_canon(stored);
	size_t at = 0;
	for (size_t i = 0; i < page->count && !at; i++) {
		if (page->items[i].error)
			continue;
		char *c = hs_fields_canon(page->items[i].fields);
		if (!strcmp(c, want))
			at = i + 1;
		free(c);
	}
	free(want);
	return at;
}

/* ---- status codes and timing ------------------------------------------------ */

hs_outcome_t hs_decide(long status, bool sent_etag, const http_codes_t *process,
		       const http_codes_t *skip)
{
	if (http_codes_match(process, status))
		return HS_PROCESS;
	if (http_codes_match(skip, status))
		return HS_SKIP;
	if (status == 304 && sent_etag)
		return HS_NOT_MODIFIED;
	if (status == 408 || status == 429 || (status >= 500 && status <= 599))
		return HS_RETRY;
	return HS_FAIL;
}

const char *hs_outcome_name(hs_outcome_t o)
{
	static const char *const names[] = {"process", "skip", "not modified", "retry", "fail"};
	return (unsigned)o < SL_ARRAY_LEN(names) ? names[o] : "?";
}

int64_t hs_retry_delay(long status, const char *retry_after, time_t now, int64_t retry_after_max_ms,
		       sl_backoff_t *backoff, bool *from_header)
{
	*from_header = false;
	if (status == 429 || status == 503) {
		int64_t ms = http_retry_after_ms(retry_after, now, retry_after_max_ms);
		if (ms >= 0) {
			*from_header = true;
			return ms;
		}
	}
	return sl_backoff_next(backoff);
}

int64_t hs_next_wait(bool next_page, size_t emitted, int64_t interval_ms, int64_t catchup_ms)
{
	if (next_page)
		return 0;
	return emitted ? catchup_ms : interval_ms;
}
