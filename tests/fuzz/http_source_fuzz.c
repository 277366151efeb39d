/* libFuzzer target of http-source's response handling and templates
 * (connectors/http/http_source_page.h, http_util.h), without libcurl's
 * transfers. The input is NUL-separated pieces: a response body, then the
 * list pointer, the record pointer, the offset field spec, the next-page
 * pointer, the url, params, headers and body templates, a Link header, a
 * Retry-After value, a status code spec and an initial offset spec (a
 * missing piece takes a usual value). The body is walked into items as a
 * page, each item's position is stored and read back, the dedupe set and
 * the resume index are run over the items, and the next request is built
 * from the templates at the last item's position.
 *
 * Besides never crashing, leaking or hitting undefined behaviour, checked
 * with abort(): a refusal says why; an item has a value or an error, never
 * both; a stored position reads back equal; an item emitted by a page is
 * seen by the next; the resume index stays in the page; a template that
 * http_template_check accepts expands; a URL-escaped text holds only
 * unreserved characters and escapes; a text http_json_pointer_check
 * refuses points at nothing; Retry-After stays within its cap. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_source_page.h"
#include "http_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	P_BODY,
	P_LIST,
	P_RECORD,
	P_SPEC,
	P_NEXT,
	P_URL,
	P_PARAMS,
	P_HEADERS,
	P_REQBODY,
	P_LINK,
	P_RETRY,
	P_CODES,
	P_INITIAL,
	P_COUNT
};

static const char *const defaults[P_COUNT] = {
	[P_BODY] = "{}",
	[P_LIST] = "/items",
	[P_RECORD] = "/",
	[P_SPEC] = "key=/id,timestamp=/updated_at",
	[P_NEXT] = "/next",
	[P_URL] = "https://api.example.com/items?since=${offset.timestamp}",
	[P_PARAMS] = "limit=100&cursor=${page.cursor}",
	[P_HEADERS] = "Accept: application/json, X-Since: ${offset.timestamp}",
	[P_REQBODY] = "{\"after\": \"${offset.key}\"}",
	[P_LINK] = "<https://api.example.com/items?page=2>; rel=\"next\"",
	[P_RETRY] = "120",
	[P_CODES] = "200-299,304",
	[P_INITIAL] = "timestamp=2026-01-01T00:00:00Z",
};

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "http_source_fuzz: %s: %s\n", what, err);
	abort();
}

static int lookup_known(void *arg, const char *name, size_t name_len, sl_buf_t *out)
{
	(void)arg;
	sl_buf_append(out, name, name_len);
	return 0;
}

/* Templates: check against fixed names, then expand what passed. */
static void check_template(const char *tmpl)
{
	static const char *const names[] = {"page.cursor", "offset.key", NULL};
	static const char *const prefixes[] = {"offset.", NULL};
	sl_buf_t out = {0};
	char err[512] = "";

	if (http_template_check(tmpl, names, prefixes, err, sizeof(err)) != 0) {
		if (!err[0])
			fail("template check", "a refusal without a message");
	} else if (http_template_expand(tmpl, lookup_known, NULL, &out, err, sizeof(err)) != 0) {
		fail("a template the check accepts does not expand", err);
	}
	sl_buf_free(&out);
	out = (sl_buf_t){0};
	http_url_escape_append(&out, tmpl, strlen(tmpl));
	for (size_t i = 0; i < out.len; i++) {
		char c = out.data[i];
		if (!isalnum((unsigned char)c) && !strchr("-._~%", c))
			fail("url escape", "a reserved character left as it is");
	}
	sl_buf_free(&out);
}

static void check_headers(const char *link, const char *retry, const char *codes_spec)
{
	http_codes_t codes, none = {0};
	char err[512] = "";
	char *next = http_link_next(link);
	int64_t ms = http_retry_after_ms(retry, 1764064800, 3600000);

	free(next);
	if (ms < -1 || ms > 3600000)
		fail("retry-after", "a wait outside [-1, max]");
	if (hs_codes_parse(codes_spec, &codes, err, sizeof(err)) == 0) {
		hs_decide(200, true, &codes, &none);
		hs_decide(503, false, &codes, &codes);
		http_codes_free(&codes);
	} else if (!err[0]) {
		fail("codes", "a refusal without a message");
	}
	free(hs_codes_normalize(codes_spec));
}

/* A position stored and read back is the same position. */
static void check_offset(json_t *fields, const char *page)
{
	json_t *stored = hs_offset_make(fields, page);
	hs_position_t pos = {0};
	char err[512] = "";

	if (hs_offset_read(stored, &pos, err, sizeof(err)) != 0)
		fail("a stored position does not read", err);
	if (!json_equal(pos.fields, fields) || !page != !pos.page ||
	    (page && strcmp(page, pos.page)))
		fail("offset", "a stored position reads back different");
	hs_position_clear(&pos);
	json_decref(stored);
}

static void check_request(const char *const *p, const hs_page_t *page, json_t *initial)
{
	hs_templates_t t = {
		.url = p[P_URL],
		.params = p[P_PARAMS],
		.headers = p[P_HEADERS],
		.body = p[P_REQBODY],
		.next_kind = page->next ? (page->next[0] == 'h' ? HS_NEXT_URL : HS_NEXT_PARAM)
					: HS_NEXT_NONE,
		.next_param = "cursor",
	};
	hs_position_t pos = {.fields = initial, .page = page->next};
	hs_request_t req = {0};
	char err[512] = "";

	if (page->count && page->items[page->count - 1].fields)
		pos.fields = page->items[page->count - 1].fields;
	if (hs_request_build(&t, &pos, &req, err, sizeof(err)) != 0) {
		if (!err[0])
			fail("request", "a refusal without a message");
		return;
	}
	if (!req.url || !req.headers)
		fail("request", "a built request without url or headers");
	hs_request_clear(&req);
}

static void check_page(const char *const *p, size_t body_len, json_t *initial)
{
	hs_spec_t spec = {0};
	hs_page_t page = {0};
	hs_seen_t seen;
	char err[512] = "";

	if (hs_spec_parse(p[P_SPEC], &spec, err, sizeof(err)) != 0) {
		if (!err[0])
			fail("spec", "a refusal without a message");
		hs_spec_free(&spec);
		return;
	}
	hs_walk_params_t wp = {.list_pointer = p[P_LIST],
			       .record_pointer = p[P_RECORD],
			       .spec = &spec,
			       .next_pointer = p[P_NEXT]};
	if (hs_page_parse(p[P_BODY], body_len, &wp, initial, &page, err, sizeof(err)) != 0) {
		if (!err[0] || page.count)
			fail("page", "a refusal without a message, or with items");
		goto out;
	}
	hs_seen_init(&seen);
	for (size_t i = 0; i < page.count; i++) {
		const hs_item_t *it = &page.items[i];
		if (!it->value == !it->error || !json_is_object(it->fields))
			fail("item", "neither or both of value and error, or fields not an object");
		check_offset(it->fields, page.next);
		if (!it->error)
			hs_seen_add(&seen, it->fields);
	}
	hs_seen_end_page(&seen);
	for (size_t i = 0; i < page.count; i++)
		if (!page.items[i].error && !hs_seen_has(&seen, page.items[i].fields))
			fail("dedupe", "an item the page emitted is not seen");
	hs_seen_free(&seen);
	if (hs_resume_index(&page, page.count ? page.items[0].fields : NULL) > page.count)
		fail("resume", "an index past the page");
	check_request(p, &page, initial);
out:
	hs_page_clear(&page);
	hs_spec_free(&spec);
}

/* A text the pointer check refuses points at nothing. */
static void check_pointer(const char *ptr, const char *body, size_t len)
{
	json_t *doc = json_loadb(body, len, JSON_DECODE_ANY, NULL);
	char why[256];

	if (doc && !http_json_pointer_check(ptr, why, sizeof(why)) && http_json_pointer(doc, ptr))
		fail("pointer", "a text the check refuses points at something");
	if (doc)
		hs_pointer(doc, ptr);
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p[P_COUNT];
	size_t body_len = 0, n = 0, start = 0;
	char *text = malloc(size + 1);
	char err[512] = "";
	json_t *initial;

	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i <= size && n < P_COUNT; i++) {
		if (i < size && text[i])
			continue;
		if (n == P_BODY)
			body_len = i;
		p[n++] = text + start;
		start = i + 1;
	}
	for (; n < P_COUNT; n++)
		p[n] = defaults[n];
	if (p[P_BODY] == defaults[P_BODY])
		body_len = strlen(defaults[P_BODY]);
	initial = hs_initial_parse(p[P_INITIAL], err, sizeof(err));
	if (!initial && !err[0])
		fail("initial", "a refusal without a message");
	if (initial)
		check_page(p, body_len, initial);
	for (int i = P_URL; i <= P_REQBODY; i++)
		check_template(p[i]);
	check_headers(p[P_LINK], p[P_RETRY], p[P_CODES]);
	check_pointer(p[P_LIST], p[P_BODY], body_len);
	check_pointer(p[P_NEXT], p[P_BODY], body_len);
	json_decref(initial);
	free(text);
	return 0;
}
