/* Unit tests of the HTTP connectors' pure helpers (connectors/http/http_util.c):
 * JSON Pointer, status code sets, Retry-After, Link, templates. */
#include <stdlib.h>
#include <string.h>

#include "http_util.h"
#include "runner.h"

static void test_pointer_walks_objects_arrays_and_escapes(void)
{
	json_t *doc =
		json_loads("{\"a\":{\"b/c\":[1,{\"d~e\":\"x\"}]},\"\":7,\"n\":null}", 0, NULL);
	CU_ASSERT_FATAL(doc != NULL);
	CU_ASSERT_PTR_EQUAL(http_json_pointer(doc, ""), doc);
	SL_ASSERT_TEXT(json_string_value(http_json_pointer(doc, "/a/b~1c/1/d~0e")), "x");
	CU_ASSERT_EQUAL(json_integer_value(http_json_pointer(doc, "/a/b~1c/0")), 1);
	CU_ASSERT_EQUAL(json_integer_value(http_json_pointer(doc, "/")), 7);
	CU_ASSERT_TRUE(json_is_null(http_json_pointer(doc, "/n")));
	/* nothing there, bad indexes, bad escapes, not a pointer */
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "/a/missing"));
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "/a/b~1c/2"));
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "/a/b~1c/01"));
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "/a/b~1c/-"));
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "/a/b~1c/1x"));
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "/a/b~2c"));
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "a"));
	CU_ASSERT_PTR_NULL(http_json_pointer(doc, "/n/deeper"));
	CU_ASSERT_PTR_NULL(http_json_pointer(NULL, "/a"));
	json_decref(doc);
}

static void test_pointer_check_names_the_problem(void)
{
	char why[128] = "";
	CU_ASSERT_TRUE(http_json_pointer_check("", why, sizeof(why)));
	CU_ASSERT_TRUE(http_json_pointer_check("/data/items~1all", why, sizeof(why)));
	CU_ASSERT_FALSE(http_json_pointer_check("data", why, sizeof(why)));
	SL_ASSERT_CONTAINS(why, "starts with '/'");
	CU_ASSERT_FALSE(http_json_pointer_check("/a~", why, sizeof(why)));
	SL_ASSERT_CONTAINS(why, "'~'");
}

static void test_codes_parse_ranges_and_match(void)
{
	http_codes_t c;
	char err[128] = "";
	CU_ASSERT_EQUAL_FATAL(http_codes_parse(" 200-299, 304 ,500-, -101", &c, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(c.count, 4);
	CU_ASSERT_TRUE(http_codes_match(&c, 200));
	CU_ASSERT_TRUE(http_codes_match(&c, 299));
	CU_ASSERT_FALSE(http_codes_match(&c, 300));
	CU_ASSERT_TRUE(http_codes_match(&c, 304));
	CU_ASSERT_FALSE(http_codes_match(&c, 404));
	CU_ASSERT_TRUE(http_codes_match(&c, 500));
	CU_ASSERT_TRUE(http_codes_match(&c, 599));
	CU_ASSERT_TRUE(http_codes_match(&c, 100));
	CU_ASSERT_FALSE(http_codes_match(&c, 102));
	http_codes_free(&c);
	CU_ASSERT_EQUAL(http_codes_parse("", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.count, 0);
	CU_ASSERT_FALSE(http_codes_match(&c, 200));
	http_codes_free(&c);
}

static void test_codes_refuse_bad_items(void)
{
	const char *bad[] = {"2x0", "500-400", "-", "1000", "200,abc", "5 00"};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		http_codes_t c;
		char err[128] = "";
		CU_ASSERT_EQUAL(http_codes_parse(bad[i], &c, err, sizeof(err)), -1);
		SL_ASSERT_CONTAINS(err, "is not a status code or range");
		CU_ASSERT_PTR_NULL(c.ranges);
		CU_ASSERT_FALSE(http_codes_check(bad[i], err, sizeof(err)));
	}
}

static void test_retry_after_seconds_and_dates(void)
{
	time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
	CU_ASSERT_EQUAL(http_retry_after_ms("120", now, 600000), 120000);
	CU_ASSERT_EQUAL(http_retry_after_ms(" 0 ", now, 600000), 0);
	CU_ASSERT_EQUAL(http_retry_after_ms("99999999", now, 600000), 600000);
	CU_ASSERT_EQUAL(http_retry_after_ms("Tue, 14 Nov 2023 22:13:50 GMT", now, 600000), 30000);
	CU_ASSERT_EQUAL(http_retry_after_ms("Tue, 14 Nov 2023 22:00:00 GMT", now, 600000), 0);
	CU_ASSERT_EQUAL(http_retry_after_ms(NULL, now, 600000), -1);
	CU_ASSERT_EQUAL(http_retry_after_ms("soon", now, 600000), -1);
	CU_ASSERT_EQUAL(http_retry_after_ms("12s", now, 600000), -1);
	CU_ASSERT_EQUAL(http_retry_after_ms("-5", now, 600000), -1);
}

static void test_link_next_among_other_relations(void)
{
	char *n = http_link_next("<https://api.example/items?page=1>; rel=\"prev\", "
				 "<https://api.example/items?page=3>; rel=\"next\", "
				 "<https://api.example/items?page=9>; rel=\"last\"");
	SL_ASSERT_TEXT(n, "https://api.example/items?page=3");
	free(n);
	n = http_link_next("</p?c=abc>; title=\"x\"; rel=next");
	SL_ASSERT_TEXT(n, "/p?c=abc");
	free(n);
	n = http_link_next("<https://a/x>; rel=\"prefetch next\"");
	SL_ASSERT_TEXT(n, "https://a/x");
	free(n);
	CU_ASSERT_PTR_NULL(http_link_next("<https://a/x>; rel=\"last\""));
	CU_ASSERT_PTR_NULL(http_link_next("<https://a/x>; rel=\"nextpage\""));
	CU_ASSERT_PTR_NULL(http_link_next("<https://a/x; rel=\"next\""));
	CU_ASSERT_PTR_NULL(http_link_next(NULL));
}

static int lookup(void *arg, const char *name, size_t len, sl_buf_t *out)
{
	(void)arg;
	if (len == 5 && memcmp(name, "topic", 5) == 0) {
		sl_buf_append_str(out, "orders");
		return 0;
	}
	if (len == 3 && memcmp(name, "key", 3) == 0) {
		http_url_escape_append(out, "a b/é", strlen("a b/é"));
		return 0;
	}
	return -1;
}

static void test_template_expands_and_escapes(void)
{
	sl_buf_t out = {0};
	char err[128] = "";
	CU_ASSERT_EQUAL(http_template_expand("http://h/${topic}/${key}?p=$$1&q=$x", lookup, NULL,
					     &out, err, sizeof(err)),
			0);
	SL_ASSERT_TEXT(out.data, "http://h/orders/a%20b%2F%C3%A9?p=$1&q=$x");
	sl_buf_reset(&out);
	CU_ASSERT_EQUAL(
		http_template_expand("no placeholders", lookup, NULL, &out, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(out.data, "no placeholders");
	sl_buf_reset(&out);
	CU_ASSERT_EQUAL(http_template_expand("", lookup, NULL, &out, err, sizeof(err)), 0);
	SL_ASSERT_TEXT(out.data, "");
	sl_buf_reset(&out);
	CU_ASSERT_EQUAL(http_template_expand("/${partition}", lookup, NULL, &out, err, sizeof(err)),
			-1);
	SL_ASSERT_CONTAINS(err, "unknown placeholder ${partition}");
	sl_buf_reset(&out);
	CU_ASSERT_EQUAL(http_template_expand("/${topic", lookup, NULL, &out, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "no closing '}'");
	sl_buf_free(&out);
}

static void test_template_check_names_and_prefixes(void)
{
	static const char *const names[] = {"topic", "key", NULL};
	static const char *const prefixes[] = {"offset.", NULL};
	char err[128] = "";
	CU_ASSERT_EQUAL(http_template_check("/${topic}/${offset.id}?k=${key}", names, prefixes, err,
					    sizeof(err)),
			0);
	CU_ASSERT_EQUAL(http_template_check("/${offset.}", names, prefixes, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "${offset.}");
	CU_ASSERT_EQUAL(http_template_check("/${topics}", names, NULL, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "${topics}");
	CU_ASSERT_EQUAL(http_template_check("/${key", names, NULL, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "no closing");
}

void http_util_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"pointer_walks_objects_arrays_and_escapes",
		 test_pointer_walks_objects_arrays_and_escapes},
		{"pointer_check_names_the_problem", test_pointer_check_names_the_problem},
		{"codes_parse_ranges_and_match", test_codes_parse_ranges_and_match},
		{"codes_refuse_bad_items", test_codes_refuse_bad_items},
		{"retry_after_seconds_and_dates", test_retry_after_seconds_and_dates},
		{"link_next_among_other_relations", test_link_next_among_other_relations},
		{"template_expands_and_escapes", test_template_expands_and_escapes},
		{"template_check_names_and_prefixes", test_template_check_names_and_prefixes},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("http_util", NULL, NULL, tests);
}
