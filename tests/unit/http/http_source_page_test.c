/* Unit tests of http-source's pure parts (connectors/http/http_source_page.c):
 * offset field specs, templates filled from offsets, requests, responses
 * walked into items, the page cursor in offsets, dedupe at boundaries,
 * the resume point, and the decisions per status code and Retry-After. */
#include <stdlib.h>
#include <string.h>

#include "http_source_page.h"
#include "runner.h"

static void test_offset_spec_parses_names_and_pointers_and_refuses_bad_items(void)
{
	hs_spec_t s;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(
		hs_spec_parse(" key = /id , timestamp=/meta/updated_at", &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(s.count, 2);
	CU_ASSERT_STRING_EQUAL(s.fields[0].name, "key");
	CU_ASSERT_STRING_EQUAL(s.fields[0].pointer, "/id");
	CU_ASSERT_STRING_EQUAL(s.fields[1].name, "timestamp");
	CU_ASSERT_STRING_EQUAL(s.fields[1].pointer, "/meta/updated_at");
	hs_spec_free(&s);
	CU_ASSERT_EQUAL(hs_spec_parse("", &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.count, 0);
	hs_spec_free(&s);
	CU_ASSERT_EQUAL(hs_spec_parse("key", &s, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "name=/json/pointer");
	hs_spec_free(&s);
	CU_ASSERT_EQUAL(hs_spec_parse("key=id", &s, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "field 'key'");
	hs_spec_free(&s);
	CU_ASSERT_EQUAL(hs_spec_parse("key=/id,key=/x", &s, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "twice");
	hs_spec_free(&s);
	CU_ASSERT_EQUAL(hs_spec_parse("=/id", &s, err, sizeof(err)), -1);
	hs_spec_free(&s);
	CU_ASSERT_FALSE(hs_spec_check("a=/x~2", err, sizeof(err)));
}

static void test_initial_offset_is_an_object_of_strings(void)
{
	char err[256];
	json_t *o =
		hs_initial_parse("timestamp=2020-01-01T00:00:00Z, id = 0 ,q=a=b", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "timestamp")),
			       "2020-01-01T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "id")), "0");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "q")), "a=b");
	json_decref(o);
	o = hs_initial_parse(NULL, err, sizeof(err));
	CU_ASSERT_EQUAL(json_object_size(o), 0);
	json_decref(o);
	CU_ASSERT_PTR_NULL(hs_initial_parse("timestamp", err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "name=value");
}

static void test_castorm_code_ranges_with_two_dots_are_read(void)
{
	http_codes_t c;
	char err[256];
	char *n = hs_codes_normalize("200..205, 207..210");
	SL_ASSERT_TEXT(n, "200-205, 207-210");
	free(n);
	CU_ASSERT_EQUAL_FATAL(hs_codes_parse("200..205, 207..210", &c, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(http_codes_match(&c, 205));
	CU_ASSERT_FALSE(http_codes_match(&c, 206));
	CU_ASSERT_TRUE(http_codes_match(&c, 208));
	http_codes_free(&c);
	CU_ASSERT_TRUE(hs_codes_check("300-399", err, sizeof(err)));
	CU_ASSERT_FALSE(hs_codes_check("2xx", err, sizeof(err)));
}

static void test_pointer_slash_is_the_whole_document_as_in_castorm(void)
{
	json_t *doc = json_loads("{\"\":1,\"a\":[10,{\"b\":2}]}", 0, NULL);
	CU_ASSERT_PTR_EQUAL(hs_pointer(doc, "/"), doc);
	CU_ASSERT_PTR_EQUAL(hs_pointer(doc, ""), doc);
	CU_ASSERT_EQUAL(json_integer_value(hs_pointer(doc, "/a/1/b")), 2);
	CU_ASSERT_PTR_NULL(hs_pointer(doc, "/a/2"));
	json_decref(doc);
}

/* A position from JSON text of fields and a page. */
static hs_position_t pos_of(const char *fields, const char *page)
{
	hs_position_t p = {json_loads(fields, 0, NULL), page ? strdup(page) : NULL};
	return p;
}

static void test_request_fills_offset_fields_url_encoded_and_appends_params(void)
{
	hs_templates_t t = {
		.url = "http://api/x/${offset.key}/items",
		.params = " since = ${offset.timestamp} & limit=100 ",
		.headers = "X-Since: ${offset.timestamp}, Accept: text/plain, text/json",
		.body = "{\"after\": \"${offset.timestamp}\", \"n\": ${offset.n}}",
	};
	hs_position_t p = pos_of("{\"key\":\"a b/c\",\"timestamp\":\"2020-01-01T00:00:00+01:00\","
				 "\"n\":5}",
				 NULL);
	hs_request_t r;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.url, "http://api/x/a%20b%2Fc/items?since=2020-01-01T00%3A00%3A00%2B01%3A00"
			      "&limit=100");
	SL_ASSERT_TEXT(r.headers[0], "X-Since: 2020-01-01T00:00:00+01:00");
	SL_ASSERT_TEXT(r.headers[1], "Accept: text/plain, text/json");
	CU_ASSERT_PTR_NULL(r.headers[2]);
	SL_ASSERT_TEXT(r.body, "{\"after\": \"2020-01-01T00:00:00+01:00\", \"n\": 5}");
	hs_request_clear(&r);
	hs_position_clear(&p);

	/* literal text a query cannot hold is encoded, an existing escape kept */
	t = (hs_templates_t){.url = "http://api/search x",
			     .params = "jql=updated>=\"${offset.ts}\" ORDER BY id&q=a%20b%zz"};
	p = pos_of("{\"ts\":\"2020-01-01 10:00\"}", NULL);
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.url,
		       "http://api/search%20x?jql=updated%3E=%222020-01-01%2010%3A00%22%20ORDER"
		       "%20BY%20id&q=a%20b%25zz");
	hs_request_clear(&r);
	hs_position_clear(&p);

	/* a field the position lacks is empty; the URL's own query is kept */
	t = (hs_templates_t){.url = "http://api/x?a=1", .params = "since=${offset.timestamp}"};
	p = pos_of("{}", NULL);
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.url, "http://api/x?a=1&since=");
	CU_ASSERT_PTR_NULL(r.body);
	CU_ASSERT_PTR_NULL(r.headers[0]);
	hs_request_clear(&r);
	hs_position_clear(&p);
}

static void test_request_of_a_following_page_carries_the_cursor_or_is_the_page_url(void)
{
	hs_templates_t t = {.url = "http://api/items",
			    .params = "limit=500",
			    .next_kind = HS_NEXT_PARAM,
			    .next_param = "cursor"};
	hs_position_t p = pos_of("{}", NULL);
	hs_request_t r;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.url, "http://api/items?limit=500");
	hs_request_clear(&r);
	free(p.page);
	p.page = strdup("c/42=");
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.url, "http://api/items?limit=500&cursor=c%2F42%3D");
	hs_request_clear(&r);

	/* a page URL: relative to the request URL, or absolute; params not added */
	t.next_kind = HS_NEXT_URL;
	free(p.page);
	p.page = strdup("/items?page=3");
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.url, "http://api/items?page=3");
	hs_request_clear(&r);
	free(p.page);
	p.page = strdup("https://other:8443/v2/items?page=4");
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.url, "https://other:8443/v2/items?page=4");
	hs_request_clear(&r);
	/* ${page.cursor} is the page */
	t = (hs_templates_t){.url = "http://api/items", .body = "{\"after\":\"${page.cursor}\"}"};
	CU_ASSERT_EQUAL_FATAL(hs_request_build(&t, &p, &r, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(r.body, "{\"after\":\"https://other:8443/v2/items?page=4\"}");
	hs_request_clear(&r);
	hs_position_clear(&p);
}

static void test_template_check_knows_offset_fields_and_page_cursor_only(void)
{
	const char *names[] = {"key", "timestamp", NULL};
	char err[256];
	CU_ASSERT_EQUAL(hs_template_check("a=${offset.key}&b=${offset.timestamp}&c=${page.cursor}",
					  names, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(hs_template_check("a=${offset.id}", names, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "offset.id");
	CU_ASSERT_EQUAL(hs_template_check("a=${timestamp}", names, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(hs_template_check("a=${offset.key", names, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(hs_template_check("$$ ${offset.key}", NULL, err, sizeof(err)), -1);
	hs_templates_t t = {.url = "http://x/${nope}"};
	hs_position_t p = pos_of("{}", NULL);
	hs_request_t r;
	CU_ASSERT_EQUAL(hs_request_build(&t, &p, &r, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "nope");
	hs_position_clear(&p);
}

static const char PAGE[] = "{\"data\":{\"items\":["
			   "{\"id\":1,\"at\":\"t1\",\"v\":{\"x\":\"a\"}},"
			   "{\"id\":\"two\",\"at\":\"t2\",\"v\":{\"x\":\"b\"}},"
			   "{\"id\":3,\"v\":{\"x\":\"c\"}}"
			   "]},\"next\":\"c-2\"}";

static void test_page_items_carry_record_value_key_and_fields_over_the_base(void)
{
	hs_spec_t spec;
	char err[256];
	hs_spec_parse("key=/id,timestamp=/at", &spec, err, sizeof(err));
	hs_walk_params_t wp = {"/data/items", "/v", &spec, "/next"};
	json_t *base = json_loads("{\"timestamp\":\"t0\",\"since\":\"s\"}", 0, NULL);
	hs_page_t page;
	CU_ASSERT_EQUAL_FATAL(hs_page_parse(PAGE, strlen(PAGE), &wp, base, &page, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL_FATAL(page.count, 3);
	SL_ASSERT_TEXT(page.next, "c-2");
	char *f0 = hs_fields_canon(page.items[0].fields);
	SL_ASSERT_TEXT(f0, "{\"key\":1,\"since\":\"s\",\"timestamp\":\"t1\"}");
	free(f0);
	SL_ASSERT_TEXT(page.items[0].key, "1");
	SL_ASSERT_TEXT(page.items[1].key, "two");
	SL_ASSERT_TEXT(json_string_value(json_object_get(page.items[1].value, "x")), "b");
	CU_ASSERT_PTR_NULL(page.items[1].error);
	/* the third lacks "at": it cannot carry its offset */
	CU_ASSERT_PTR_NOT_NULL_FATAL(page.items[2].error);
	SL_ASSERT_CONTAINS(page.items[2].error, "timestamp=/at");
	/* the base is not changed */
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(base, "timestamp")), "t0");
	hs_page_clear(&page);

	/* a record pointer that matches nothing is the item's error */
	wp.record_pointer = "/missing";
	CU_ASSERT_EQUAL_FATAL(hs_page_parse(PAGE, strlen(PAGE), &wp, base, &page, err, sizeof(err)),
			      0);
	SL_ASSERT_CONTAINS(page.items[0].error, "record pointer /missing");
	hs_page_clear(&page);
	json_decref(base);
	hs_spec_free(&spec);
}

static void test_page_list_array_null_single_and_missing(void)
{
	hs_walk_params_t wp = {"/", "/", NULL, "/next"};
	json_t *base = json_object();
	hs_page_t page;
	char err[256];
	CU_ASSERT_EQUAL(hs_page_parse("[1,2]", 5, &wp, base, &page, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(page.count, 2);
	CU_ASSERT_PTR_NULL(page.next);
	hs_page_clear(&page);
	wp.list_pointer = "/items";
	CU_ASSERT_EQUAL(hs_page_parse("{\"items\":null}", 14, &wp, base, &page, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(page.count, 0);
	hs_page_clear(&page);
	const char *one = "{\"items\":{\"a\":1},\"next\":7}";
	CU_ASSERT_EQUAL(hs_page_parse(one, strlen(one), &wp, base, &page, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(page.count, 1);
	SL_ASSERT_TEXT(page.next, "7");
	hs_page_clear(&page);
	const char *none = "{\"item\":[],\"next\":\"\"}";
	CU_ASSERT_EQUAL(hs_page_parse(none, strlen(none), &wp, base, &page, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "/items matches nothing");
	CU_ASSERT_EQUAL(page.count, 0);
	json_decref(base);
}

static void test_page_refuses_malformed_json_and_invalid_utf8(void)
{
	hs_walk_params_t wp = {"/", "/", NULL, NULL};
	json_t *base = json_object();
	hs_page_t page;
	char err[256];
	CU_ASSERT_EQUAL(hs_page_parse("[{\"a\":1},", 9, &wp, base, &page, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "not JSON");
	const char bad[] = "[\"caf\xe9\"]";
	CU_ASSERT_EQUAL(hs_page_parse(bad, sizeof(bad) - 1, &wp, base, &page, err, sizeof(err)),
			-1);
	SL_ASSERT_CONTAINS(err, "not JSON");
	CU_ASSERT_EQUAL(hs_page_parse("", 0, &wp, base, &page, err, sizeof(err)), -1);
	/* every truncated prefix of a good page is refused or read, never crashes */
	for (size_t n = 0; n < sizeof(PAGE) - 1; n++)
		if (hs_page_parse(PAGE, n, &wp, base, &page, err, sizeof(err)) == 0)
			hs_page_clear(&page);
	json_decref(base);
}

static void test_offset_round_trips_fields_and_page_and_refuses_bad_ones(void)
{
	json_t *fields = json_loads("{\"key\":\"a\",\"ts\":3}", 0, NULL);
	json_t *o = hs_offset_make(fields, "cur-9");
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	SL_ASSERT_TEXT(text, "{\"fields\":{\"key\":\"a\",\"ts\":3},\"page\":\"cur-9\"}");
	free(text);
	hs_position_t p;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(hs_offset_read(o, &p, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(p.page, "cur-9");
	CU_ASSERT_TRUE(json_equal(p.fields, fields));
	hs_position_clear(&p);
	json_decref(o);
	o = hs_offset_make(fields, NULL);
	CU_ASSERT_PTR_NULL(json_object_get(o, "page"));
	CU_ASSERT_EQUAL(hs_offset_read(o, &p, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(p.page);
	hs_position_clear(&p);
	json_decref(o);
	json_decref(fields);
	const char *bad[] = {"[]", "{}", "{\"fields\":1}", "{\"fields\":{},\"page\":3}"};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		o = json_loads(bad[i], 0, NULL);
		CU_ASSERT_EQUAL(hs_offset_read(o, &p, err, sizeof(err)), -1);
		json_decref(o);
	}
}

static json_t *obj(const char *text)
{
	return json_loads(text, 0, NULL);
}

static void test_dedupe_drops_what_the_previous_emitting_page_sent(void)
{
	hs_seen_t s;
	hs_seen_init(&s);
	json_t *a = obj("{\"key\":\"a\",\"ts\":1}"), *b = obj("{\"ts\":2,\"key\":\"b\"}");
	json_t *b2 = obj("{\"key\":\"b\",\"ts\":2}"), *b3 = obj("{\"key\":\"b\",\"ts\":3}");
	CU_ASSERT_FALSE(hs_seen_has(&s, a));
	hs_seen_add(&s, a);
	hs_seen_add(&s, b);
	CU_ASSERT_FALSE(hs_seen_has(&s, a)); /* not within the same page */
	hs_seen_end_page(&s);
	CU_ASSERT_TRUE(hs_seen_has(&s, a));
	CU_ASSERT_TRUE(hs_seen_has(&s, b2));  /* key order does not matter */
	CU_ASSERT_FALSE(hs_seen_has(&s, b3)); /* same key, newer offset */
	hs_seen_end_page(&s);                 /* a page that emitted nothing */
	CU_ASSERT_TRUE(hs_seen_has(&s, b2));
	hs_seen_add(&s, b3);
	hs_seen_end_page(&s);
	CU_ASSERT_FALSE(hs_seen_has(&s, a));
	CU_ASSERT_TRUE(hs_seen_has(&s, b3));
	hs_seen_free(&s);
	json_decref(a);
	json_decref(b);
	json_decref(b2);
	json_decref(b3);
}

static void test_resumed_page_picks_up_after_the_stored_record(void)
{
	hs_spec_t spec;
	char err[256];
	hs_spec_parse("key=/id", &spec, err, sizeof(err));
	hs_walk_params_t wp = {"/", "/", &spec, NULL};
	json_t *base = obj("{\"key\":0}");
	hs_page_t page;
	const char *body = "[{\"id\":4},{\"id\":5},{\"id\":6}]";
	CU_ASSERT_EQUAL_FATAL(hs_page_parse(body, strlen(body), &wp, base, &page, err, sizeof(err)),
			      0);
	json_t *stored = obj("{\"key\":5}");
	CU_ASSERT_EQUAL(hs_resume_index(&page, stored), 2);
	json_decref(stored);
	stored = obj("{\"key\":9}");
	CU_ASSERT_EQUAL(hs_resume_index(&page, stored), 0);
	json_decref(stored);
	stored = obj("{}");
	CU_ASSERT_EQUAL(hs_resume_index(&page, stored), 0);
	CU_ASSERT_EQUAL(hs_resume_index(&page, NULL), 0);
	json_decref(stored);
	hs_page_clear(&page);
	json_decref(base);
	hs_spec_free(&spec);
}

static void test_status_codes_decide_process_skip_retry_or_fail(void)
{
	http_codes_t proc, skip;
	char err[128];
	hs_codes_parse("200..299", &proc, err, sizeof(err));
	hs_codes_parse("300..399", &skip, err, sizeof(err));
	CU_ASSERT_EQUAL(hs_decide(200, false, &proc, &skip), HS_PROCESS);
	CU_ASSERT_EQUAL(hs_decide(204, false, &proc, &skip), HS_PROCESS);
	CU_ASSERT_EQUAL(hs_decide(302, false, &proc, &skip), HS_SKIP);
	CU_ASSERT_EQUAL(hs_decide(408, false, &proc, &skip), HS_RETRY);
	CU_ASSERT_EQUAL(hs_decide(429, false, &proc, &skip), HS_RETRY);
	CU_ASSERT_EQUAL(hs_decide(500, false, &proc, &skip), HS_RETRY);
	CU_ASSERT_EQUAL(hs_decide(503, false, &proc, &skip), HS_RETRY);
	CU_ASSERT_EQUAL(hs_decide(599, false, &proc, &skip), HS_RETRY);
	CU_ASSERT_EQUAL(hs_decide(400, false, &proc, &skip), HS_FAIL);
	CU_ASSERT_EQUAL(hs_decide(401, false, &proc, &skip), HS_FAIL);
	CU_ASSERT_EQUAL(hs_decide(404, false, &proc, &skip), HS_FAIL);
	CU_ASSERT_EQUAL(hs_decide(600, false, &proc, &skip), HS_FAIL);
	http_codes_free(&skip);
	/* the user's sets win over the built-in retry; 304 to If-None-Match */
	hs_codes_parse("404,500", &skip, err, sizeof(err));
	CU_ASSERT_EQUAL(hs_decide(404, false, &proc, &skip), HS_SKIP);
	CU_ASSERT_EQUAL(hs_decide(500, false, &proc, &skip), HS_SKIP);
	CU_ASSERT_EQUAL(hs_decide(304, true, &proc, &skip), HS_NOT_MODIFIED);
	CU_ASSERT_EQUAL(hs_decide(304, false, &proc, &skip), HS_FAIL);
	http_codes_free(&skip);
	http_codes_free(&proc);
}

static void test_retry_after_is_honoured_for_429_and_503_only(void)
{
	sl_backoff_t bo;
	bool hdr;
	sl_backoff_init(&bo, 100, 1000, 42);
	CU_ASSERT_EQUAL(hs_retry_delay(503, "3", 1000, 600000, &bo, &hdr), 3000);
	CU_ASSERT_TRUE(hdr);
	CU_ASSERT_EQUAL(
		hs_retry_delay(429, "Thu, 01 Jan 1970 00:16:50 GMT", 1000, 600000, &bo, &hdr),
		10000);
	CU_ASSERT_TRUE(hdr);
	CU_ASSERT_EQUAL(hs_retry_delay(429, "86400", 1000, 60000, &bo, &hdr), 60000);
	CU_ASSERT_EQUAL(bo.attempt, 0); /* the backoff was not used */
	/* a 500 with Retry-After, a 503 without or with garbage: backoff */
	int64_t d = hs_retry_delay(500, "3", 1000, 600000, &bo, &hdr);
	CU_ASSERT_FALSE(hdr);
	CU_ASSERT_TRUE(d >= 0 && d <= 100);
	d = hs_retry_delay(503, NULL, 1000, 600000, &bo, &hdr);
	CU_ASSERT_FALSE(hdr);
	CU_ASSERT_TRUE(d >= 0 && d <= 200);
	d = hs_retry_delay(503, "soon", 1000, 600000, &bo, &hdr);
	CU_ASSERT_FALSE(hdr);
	CU_ASSERT_TRUE(d >= 0 && d <= 400);
	CU_ASSERT_EQUAL(bo.attempt, 3);
	for (int i = 0; i < 20; i++)
		CU_ASSERT_TRUE(hs_retry_delay(0, NULL, 0, 0, &bo, &hdr) <= 1000);
}

static void test_next_request_at_once_for_more_pages_catchup_after_new_records(void)
{
	CU_ASSERT_EQUAL(hs_next_wait(true, 0, 60000, 30000), 0);
	CU_ASSERT_EQUAL(hs_next_wait(true, 5, 60000, 30000), 0);
	CU_ASSERT_EQUAL(hs_next_wait(false, 5, 60000, 30000), 30000);
	CU_ASSERT_EQUAL(hs_next_wait(false, 0, 60000, 30000), 60000);
}

void http_source_page_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"offset_spec_parses_names_and_pointers_and_refuses_bad_items",
		 test_offset_spec_parses_names_and_pointers_and_refuses_bad_items},
		{"initial_offset_is_an_object_of_strings",
		 test_initial_offset_is_an_object_of_strings},
		{"castorm_code_ranges_with_two_dots_are_read",
		 test_castorm_code_ranges_with_two_dots_are_read},
		{"pointer_slash_is_the_whole_document_as_in_castorm",
		 test_pointer_slash_is_the_whole_document_as_in_castorm},
		{"request_fills_offset_fields_url_encoded_and_appends_params",
		 test_request_fills_offset_fields_url_encoded_and_appends_params},
		{"request_of_a_following_page_carries_the_cursor_or_is_the_page_url",
		 test_request_of_a_following_page_carries_the_cursor_or_is_the_page_url},
		{"template_check_knows_offset_fields_and_page_cursor_only",
		 test_template_check_knows_offset_fields_and_page_cursor_only},
		{"page_items_carry_record_value_key_and_fields_over_the_base",
		 test_page_items_carry_record_value_key_and_fields_over_the_base},
		{"page_list_array_null_single_and_missing",
		 test_page_list_array_null_single_and_missing},
		{"page_refuses_malformed_json_and_invalid_utf8",
		 test_page_refuses_malformed_json_and_invalid_utf8},
		{"offset_round_trips_fields_and_page_and_refuses_bad_ones",
		 test_offset_round_trips_fields_and_page_and_refuses_bad_ones},
		{"dedupe_drops_what_the_previous_emitting_page_sent",
		 test_dedupe_drops_what_the_previous_emitting_page_sent},
		{"resumed_page_picks_up_after_the_stored_record",
		 test_resumed_page_picks_up_after_the_stored_record},
		{"status_codes_decide_process_skip_retry_or_fail",
		 test_status_codes_decide_process_skip_retry_or_fail},
		{"retry_after_is_honoured_for_429_and_503_only",
		 test_retry_after_is_honoured_for_429_and_503_only},
		{"next_request_at_once_for_more_pages_catchup_after_new_records",
		 test_next_request_at_once_for_more_pages_catchup_after_new_records},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("http_source_page", NULL, NULL, tests);
}
