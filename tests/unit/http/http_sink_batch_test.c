/* Unit tests of http-sink's pure decisions (connectors/http/http_sink_batch.c):
 * value and key rendering, URL templates, batch bodies and extents, header
 * specs, response classes, retry waits, and the plan that splits a refused
 * batch down to the records the server refuses. */
#include <stdlib.h>
#include <string.h>

#include "http_sink_batch.h"
#include "runner.h"
#include "sluice/options.h"

/* Renders v and compares with want (NULL: rendering must fail). */
static void assert_render(const sl_value_t *v, hsink_body_format_t f, const char *want)
{
	sl_buf_t out = {0};
	char err[256] = "";
	int rc = hsink_render_value(&out, v, f, err, sizeof(err));
	if (want) {
		CU_ASSERT_EQUAL(rc, 0);
		SL_ASSERT_TEXT(out.data ? out.data : "", want);
	} else {
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT(err[0] != '\0');
	}
	sl_buf_free(&out);
}

static void test_string_format_writes_values_as_they_are(void)
{
	sl_value_t v = {0};
	sl_value_set_string(&v, "a \"b\"", 5);
	assert_render(&v, HSINK_FORMAT_STRING, "a \"b\"");
	sl_value_set_bytes(&v, "xyz", 3);
	assert_render(&v, HSINK_FORMAT_STRING, "xyz");
	sl_value_set_json(&v, json_pack("{s:i,s:[b]}", "id", 7, "f", 1), NULL);
	assert_render(&v, HSINK_FORMAT_STRING, "{\"id\":7,\"f\":[true]}");
	sl_value_set_json(&v, json_string("plain"), NULL);
	assert_render(&v, HSINK_FORMAT_STRING, "plain");
	sl_value_clear(&v);
	assert_render(&v, HSINK_FORMAT_STRING, NULL);
}

static void test_json_format_quotes_strings_and_refuses_bytes(void)
{
	sl_value_t v = {0};
	sl_value_set_json(&v, json_pack("{s:s}", "name", "x"), NULL);
	assert_render(&v, HSINK_FORMAT_JSON, "{\"name\":\"x\"}");
	sl_value_set_string(&v, "say \"hi\"\n", 9);
	assert_render(&v, HSINK_FORMAT_JSON, "\"say \\\"hi\\\"\\n\"");
	sl_value_set_string(&v, "\xff\xfe", 2);
	assert_render(&v, HSINK_FORMAT_JSON, NULL);
	sl_value_set_bytes(&v, "\x00\x01", 2);
	assert_render(&v, HSINK_FORMAT_JSON, NULL);
	sl_value_set_json(&v, NULL, json_pack("{s:s}", "type", "string"));
	assert_render(&v, HSINK_FORMAT_JSON, NULL);
	sl_value_clear(&v);
}

static void assert_url(const char *tmpl, const char *topic, int32_t part, const sl_value_t *key,
		       const char *want)
{
	sl_buf_t out = {0};
	char err[256] = "";
	int rc = hsink_url_expand(tmpl, topic, part, key, &out, err, sizeof(err));
	if (want) {
		CU_ASSERT_EQUAL(rc, 0);
		SL_ASSERT_TEXT(out.data, want);
	} else {
		CU_ASSERT_EQUAL(rc, -1);
		SL_ASSERT_CONTAINS(err, "key");
	}
	sl_buf_free(&out);
}

static void test_url_template_expands_topic_partition_and_escaped_key(void)
{
	sl_value_t k = {0};
	sl_value_set_string(&k, "a b/c?d", 7);
	assert_url("http://h/${topic}/${partition}/items/${key}", "orders", 3, &k,
		   "http://h/orders/3/items/a%20b%2Fc%3Fd");
	sl_value_set_json(&k, json_pack("{s:i}", "id", 5), NULL);
	assert_url("http://h/${key}", "t", 0, &k, "http://h/%7B%22id%22%3A5%7D");
	sl_value_set_json(&k, json_integer(42), NULL);
	assert_url("http://h/${key}?p=$${x}", "t", 0, &k, "http://h/42?p=${x}");
	sl_value_clear(&k);
	assert_url("http://h/${key}", "t", 0, &k, NULL); /* no key */
	assert_url("http://h/${topic}", "t", 0, &k, "http://h/t");
}

static void test_url_scope_tells_constant_partition_and_record_urls(void)
{
	CU_ASSERT_EQUAL(hsink_url_scope("http://h/x"), 0);
	CU_ASSERT_EQUAL(hsink_url_scope("http://h/x?$$"), 0);
	CU_ASSERT_EQUAL(hsink_url_scope("http://h/${topic}/${partition}"), 1);
	CU_ASSERT_EQUAL(hsink_url_scope("http://h/${topic}/${key}"), 2);
}

/* n records with bodies "r0", "r1", ... (in recs_bytes) all to url. */
static char recs_bytes[4096];
static hsink_block_t recs_block = {.bytes = {.data = recs_bytes, .cap = sizeof(recs_bytes)}};
static hsink_rec_t *recs_new(size_t n, const char *url)
{
	hsink_rec_t *r = calloc(n, sizeof(*r));
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		r[i].url = url;
		r[i].block = &recs_block;
		r[i].body_at = at;
		r[i].body_len =
			(size_t)snprintf(recs_bytes + at, sizeof(recs_bytes) - at, "r%zu", i);
		at += r[i].body_len;
		r[i].offset = (int64_t)i;
	}
	return r;
}

static void recs_free(hsink_rec_t *r, size_t n)
{
	free(r);
}

static void assert_body(const hsink_batch_fmt_t *fmt, const hsink_rec_t *r, size_t n,
			const char *want)
{
	/* read at once, and in pieces of every size up to 5 bytes */
	size_t size = hsink_body_size(fmt, r, n);
	CU_ASSERT_EQUAL(size, strlen(want));
	for (size_t room = 1; room <= 6; room++) {
		char out[256];
		size_t len = 0, got, calls = 0;
		hsink_body_reader_t rd = {0};
		size_t step = room == 6 ? sizeof(out) : room;
		while ((got = hsink_body_read(&rd, fmt, r, n, out + len, step)) > 0) {
			CU_ASSERT(got <= step);
			len += got;
			calls++;
		}
		out[len] = '\0';
		SL_ASSERT_TEXT(out, want);
		CU_ASSERT(calls >= (size + step - 1) / step);
	}
}

static void test_body_joins_records_with_prefix_separator_suffix(void)
{
	hsink_rec_t *r = recs_new(3, "u");
	hsink_batch_fmt_t f = {.prefix = "{\"rows\":[", .separator = ",", .suffix = "]}"};
	assert_body(&f, r, 3, "{\"rows\":[r0,r1,r2]}");
	assert_body(&f, r, 1, "{\"rows\":[r0]}");
	f = (hsink_batch_fmt_t){.separator = "\n"};
	assert_body(&f, r, 3, "r0\nr1\nr2");
	f = (hsink_batch_fmt_t){.prefix = "ignored", .separator = "|", .json_array = true};
	assert_body(&f, r, 3, "[r0,r1,r2]");
	recs_free(r, 3);
}

static void test_batch_extent_cuts_at_max_url_change_and_delete(void)
{
	hsink_rec_t *r = recs_new(10, "http://a");
	bool partial;
	CU_ASSERT_EQUAL(hsink_batch_extent(r, 10, 4, &partial), 4);
	CU_ASSERT_FALSE(partial);
	CU_ASSERT_EQUAL(hsink_batch_extent(r, 3, 4, &partial), 3);
	CU_ASSERT_TRUE(partial);   /* more may join */
	char other[] = "http://a"; /* equal text, other pointer: same URL */
	r[1].url = other;
	r[2].url = "http://b";
	CU_ASSERT_EQUAL(hsink_batch_extent(r, 10, 8, &partial), 2);
	CU_ASSERT_FALSE(partial);
	CU_ASSERT_EQUAL(hsink_batch_extent(r + 2, 8, 8, &partial), 1);
	r[5].is_delete = true;
	CU_ASSERT_EQUAL(hsink_batch_extent(r + 3, 7, 8, &partial), 2); /* r3, r4: r5 is a delete */
	CU_ASSERT_EQUAL(hsink_batch_extent(r + 5, 5, 8, &partial), 1); /* a delete goes alone */
	CU_ASSERT_FALSE(partial);
	CU_ASSERT_EQUAL(hsink_batch_extent(r, 0, 8, &partial), 0);
	recs_free(r, 10);
}

static void test_headers_split_at_separator_and_trimmed(void)
{
	bool ct;
	char err[256];
	char **h = hsink_headers_parse(" Authorization: Bearer x | X-A:1|content-type: text/csv ",
				       "|", &ct, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SL_ASSERT_TEXT(h[0], "Authorization: Bearer x");
	SL_ASSERT_TEXT(h[1], "X-A: 1");
	SL_ASSERT_TEXT(h[2], "content-type: text/csv");
	CU_ASSERT_PTR_NULL(h[3]);
	CU_ASSERT_TRUE(ct);
	sl_strlist_free(h);
	h = hsink_headers_parse("A: a|b;;B: x|y", ";;", &ct, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SL_ASSERT_TEXT(h[0], "A: a|b");
	SL_ASSERT_TEXT(h[1], "B: x|y");
	CU_ASSERT_FALSE(ct);
	sl_strlist_free(h);
	h = hsink_headers_parse(NULL, "|", &ct, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NULL(h[0]);
	sl_strlist_free(h);
	CU_ASSERT_PTR_NULL(hsink_headers_parse("A: 1|novalue", "|", &ct, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "novalue");
	CU_ASSERT_PTR_NULL(hsink_headers_parse(": x", "|", &ct, err, sizeof(err)));
}

static void test_classify_status_codes(void)
{
	http_codes_t retry;
	CU_ASSERT_EQUAL_FATAL(http_codes_parse("409,423", &retry, NULL, 0), 0);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 200, &retry, false, false), HSINK_DELIVERED);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 204, &retry, false, false), HSINK_DELIVERED);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 500, &retry, false, false), HSINK_RETRY);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 503, &retry, true, false), HSINK_RETRY);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 429, &retry, true, false), HSINK_RETRY);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 408, &retry, false, false), HSINK_RETRY);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 400, &retry, false, false), HSINK_REFUSED);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 404, &retry, false, false), HSINK_REFUSED);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 301, &retry, false, false), HSINK_REFUSED);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 401, &retry, false, false), HSINK_REFUSED);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 401, &retry, false, true), HSINK_RETRY);
	/* retry.on.status.codes: retried, until the batch is being split */
	CU_ASSERT_EQUAL(hsink_classify(false, false, 409, &retry, false, false), HSINK_RETRY);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 409, &retry, true, false), HSINK_REFUSED);
	CU_ASSERT_EQUAL(hsink_classify(false, false, 410, &retry, false, false), HSINK_REFUSED);
	/* no status: transient transport errors are retried, others fail */
	CU_ASSERT_EQUAL(hsink_classify(true, true, 0, &retry, false, false), HSINK_RETRY);
	CU_ASSERT_EQUAL(hsink_classify(true, false, 0, &retry, false, false), HSINK_FAILED);
	http_codes_free(&retry);
}

static void test_backoff_doubles_with_jitter_up_to_cap(void)
{
	uint64_t rng = 12345;
	for (int round = 0; round < 200; round++) {
		for (int a = 1; a <= 8; a++) {
			int64_t d = 100LL << (a - 1);
			if (d > 3000)
				d = 3000;
			int64_t w = hsink_backoff_ms(a, 100, 3000, HSINK_BACKOFF_EXPONENTIAL, &rng);
			CU_ASSERT(w >= d / 2 && w <= d);
		}
	}
	CU_ASSERT_EQUAL(hsink_backoff_ms(5, 250, 60000, HSINK_BACKOFF_CONSTANT, &rng), 250);
	CU_ASSERT_EQUAL(hsink_backoff_ms(60, 0, 60000, HSINK_BACKOFF_EXPONENTIAL, &rng), 0);
	/* huge attempt counts do not overflow */
	int64_t w = hsink_backoff_ms(1000, 3000, 60000, HSINK_BACKOFF_EXPONENTIAL, &rng);
	CU_ASSERT(w >= 30000 && w <= 60000);
}

static void test_retry_after_wins_when_longer(void)
{
	time_t now = 1700000000;
	CU_ASSERT_EQUAL(hsink_retry_wait_ms(200, "5", now, 600000), 5000);
	CU_ASSERT_EQUAL(hsink_retry_wait_ms(9000, "5", now, 600000), 9000);
	CU_ASSERT_EQUAL(hsink_retry_wait_ms(200, "soon", now, 600000), 200);
	CU_ASSERT_EQUAL(hsink_retry_wait_ms(200, NULL, now, 600000), 200);
	CU_ASSERT_EQUAL(hsink_retry_wait_ms(200, "86400", now, 600000), 600000);
	/* an HTTP date 30 s ahead (Tue, 14 Nov 2023 22:13:50 GMT) */
	CU_ASSERT_EQUAL(hsink_retry_wait_ms(200, "Tue, 14 Nov 2023 22:13:50 GMT", now, 600000),
			30000);
}

/* Simulates one partition of n records (batches of up to max) against a
 * server that refuses every batch holding a poisoned record and fails
 * every transient-th request with a 503; returns the requests made and
 * checks delivered records arrive once, in order, and only the poisoned
 * ones fail. */
static int simulate(size_t n, size_t max, const bool *poison, int transient)
{
	hsink_plan_t plan = {0};
	size_t head = 0, next_delivered = 0;
	int requests = 0;
	while (head < n) {
		size_t size = hsink_plan_next(&plan);
		if (!size)
			size = n - head < max ? n - head : max;
		CU_ASSERT_FATAL(size >= 1 && head + size <= n);
		requests++;
		bool bad = false;
		for (size_t i = head; i < head + size; i++)
			bad |= poison[i];
		if (transient && requests % transient == 0) {
			hsink_plan_hold(&plan, size); /* 503: the same batch again */
			continue;
		}
		if (!bad) {
			for (size_t i = head; i < head + size; i++)
				CU_ASSERT_EQUAL(i, next_delivered++);
			head += size;
			hsink_plan_done(&plan);
		} else if (size > 1) {
			hsink_plan_split(&plan, size);
		} else {
			CU_ASSERT_TRUE(poison[head]); /* only a poisoned record fails */
			next_delivered++;
			head++;
			hsink_plan_done(&plan);
		}
	}
	CU_ASSERT_EQUAL(plan.count, 0);
	hsink_plan_free(&plan);
	return requests;
}

static void test_plan_holds_a_retried_batch_at_its_size(void)
{
	hsink_plan_t p = {0};
	CU_ASSERT_EQUAL(hsink_plan_next(&p), 0); /* free */
	hsink_plan_hold(&p, 7);
	CU_ASSERT_EQUAL(hsink_plan_next(&p), 7);
	CU_ASSERT_FALSE(hsink_plan_splitting(&p));
	hsink_plan_hold(&p, 7); /* a second retry keeps one entry */
	hsink_plan_done(&p);
	CU_ASSERT_EQUAL(hsink_plan_next(&p), 0);
	hsink_plan_hold(&p, 7);
	hsink_plan_split(&p, 7); /* retries used up on a 4xx: halves replace it */
	CU_ASSERT_EQUAL(hsink_plan_next(&p), 3);
	CU_ASSERT_TRUE(hsink_plan_splitting(&p));
	hsink_plan_done(&p);
	CU_ASSERT_EQUAL(hsink_plan_next(&p), 4);
	hsink_plan_done(&p);
	CU_ASSERT_EQUAL(hsink_plan_next(&p), 0);
	hsink_plan_free(&p);
}

static void test_split_plan_isolates_poisoned_records(void)
{
	bool poison[1000] = {0};
	/* no poison: batches of 100 */
	CU_ASSERT_EQUAL(simulate(1000, 100, poison, 0), 10);
	/* one poisoned record in 500: found with about 2 log2(500) requests */
	poison[333] = true;
	int r = simulate(500, 500, poison, 0);
	CU_ASSERT(r > 9 && r <= 2 * 9 + 2);
	/* neighbours and the ends */
	poison[0] = poison[334] = poison[499] = true;
	simulate(500, 500, poison, 0);
	simulate(500, 7, poison, 0);
	/* and with transient failures in between */
	simulate(500, 64, poison, 3);
	for (size_t i = 0; i < 1000; i++)
		poison[i] = i % 17 == 0;
	simulate(1000, 100, poison, 5);
}

void http_sink_batch_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"string format writes values as they are",
		 test_string_format_writes_values_as_they_are},
		{"json format quotes strings and refuses bytes",
		 test_json_format_quotes_strings_and_refuses_bytes},
		{"url template expands topic partition and escaped key",
		 test_url_template_expands_topic_partition_and_escaped_key},
		{"url scope tells constant partition and record urls",
		 test_url_scope_tells_constant_partition_and_record_urls},
		{"body joins records with prefix separator suffix",
		 test_body_joins_records_with_prefix_separator_suffix},
		{"batch extent cuts at max, url change and delete",
		 test_batch_extent_cuts_at_max_url_change_and_delete},
		{"headers split at separator and trimmed",
		 test_headers_split_at_separator_and_trimmed},
		{"classify status codes", test_classify_status_codes},
		{"backoff doubles with jitter up to cap",
		 test_backoff_doubles_with_jitter_up_to_cap},
		{"retry-after wins when longer", test_retry_after_wins_when_longer},
		{"plan holds a retried batch at its size",
		 test_plan_holds_a_retried_batch_at_its_size},
		{"split plan isolates poisoned records", test_split_plan_isolates_poisoned_records},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("http_sink_batch", NULL, NULL, tests);
}
