/* Unit tests of records and batches: borrowed values, the batch arena. */
#include <string.h>

#include "runner.h"
#include "sluice/data.h"
#include "sluice/record.h"
#include "sluice/util.h"

static void test_batch_copies_stay_intact_across_chunks(void)
{
	sl_batch_t b = {0};
	char line[200];
	enum {
		N = 20000
	}; /* about 4 MB: several arena chunks */
	for (int i = 0; i < N; i++) {
		int n = snprintf(line, sizeof(line), "%08d-%0150d", i, 0);
		sl_record_t *r = sl_batch_add(&b);
		sl_value_set_string_ref(&r->value, sl_batch_copy(&b, line, (size_t)n), (size_t)n);
	}
	int bad = 0;
	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "%08d-%0150d", i, 0);
		const sl_value_t *v = &b.records[i].value;
		bad += v->len != strlen(line) || memcmp(v->data, line, v->len) != 0 ||
		       v->data[v->len] != '\0';
	}
	CU_ASSERT_EQUAL(bad, 0);
	sl_batch_free(&b);
}

static void test_batch_copy_larger_than_a_chunk(void)
{
	sl_batch_t b = {0};
	size_t big = 3u << 20;
	char *p = sl_malloc(big);
	memset(p, 'x', big);
	const char *c = sl_batch_copy(&b, p, big);
	CU_ASSERT_EQUAL(memcmp(c, p, big), 0);
	CU_ASSERT_EQUAL(c[big], '\0');
	const char *small = sl_batch_copy(&b, "ab", 2);
	CU_ASSERT_STRING_EQUAL(small, "ab");
	CU_ASSERT_EQUAL(memcmp(c, p, big), 0); /* earlier copy untouched */
	free(p);
	sl_batch_free(&b);
}

static void test_batch_reset_empties_and_reuses(void)
{
	sl_batch_t b = {0};
	sl_record_t *r = sl_batch_add(&b);
	sl_record_set_topic(r, "t");
	sl_value_set_string(&r->key, "owned", 5);
	sl_value_set_string_ref(&r->value, sl_batch_copy(&b, "v", 1), 1);
	json_t *partition = json_pack("{s:s}", "filename", "f");
	r->source_partition = partition; /* borrowed */
	r->source_offset = json_pack("{s:i}", "position", 1);
	sl_batch_reset(&b);
	CU_ASSERT_EQUAL(partition->refcount, 1);
	json_decref(partition);
	CU_ASSERT_EQUAL(b.count, 0);
	r = sl_batch_add(&b);
	CU_ASSERT_PTR_NULL(r->topic);
	CU_ASSERT_EQUAL(r->partition, -1);
	CU_ASSERT_EQUAL(r->value.kind, SL_VALUE_NULL);
	CU_ASSERT_STRING_EQUAL(sl_batch_copy(&b, "again", 5), "again");
	sl_batch_free(&b);
}

static void test_headers_keep_null_and_binary_values(void)
{
	sl_record_t r;
	sl_record_init(&r);
	sl_record_add_header(&r, "a", "x\0y", 3);
	sl_record_add_header(&r, "b", NULL, 0);
	CU_ASSERT_EQUAL(r.header_count, 2);
	CU_ASSERT_EQUAL(r.headers[0].len, 3);
	CU_ASSERT_EQUAL(memcmp(r.headers[0].value, "x\0y", 3), 0);
	CU_ASSERT_PTR_NULL(r.headers[1].value);
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(r.header_count, 0);
}

/* A value borrowing its bytes (a sink's message payload) is cleared
 * without freeing them and left empty; an owned one beside it is freed
 * (a leak here fails the sanitizer and valgrind runs). */
static void test_clear_leaves_borrowed_bytes_alone(void)
{
	char payload[] = "from the message";
	sl_value_t v = {0};
	sl_value_set_string_ref(&v, payload, sizeof(payload) - 1);
	sl_value_clear(&v);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_NULL);
	CU_ASSERT_PTR_NULL(v.data);
	CU_ASSERT_EQUAL(v.len, 0);
	CU_ASSERT_FALSE(v.borrowed);

	sl_record_t r;
	sl_record_init(&r);
	sl_value_set_string(&r.key, "owned", 5);
	sl_value_set_string_ref(&r.value, payload, sizeof(payload) - 1);
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(r.key.kind, SL_VALUE_NULL);
	CU_ASSERT_PTR_NULL(r.key.data);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_NULL);
	CU_ASSERT_PTR_NULL(r.value.data);
	CU_ASSERT_STRING_EQUAL(payload, "from the message");
}

/* A value as text: strings and bytes as they are, a JSON string as its
 * text, other JSON compact; nulls append nothing. */
static void test_value_text_of_each_kind(void)
{
	sl_value_t v = {0};
	sl_buf_t out = {0};
	sl_value_set_string(&v, "a\"b", 3);
	CU_ASSERT_TRUE(sl_value_text(&out, &v));
	sl_value_clear(&v);
	sl_value_set_json(&v, json_string("s"), NULL);
	CU_ASSERT_TRUE(sl_value_text(&out, &v));
	sl_value_clear(&v);
	sl_value_set_json(&v, json_pack("{s:i}", "n", 1), NULL);
	CU_ASSERT_TRUE(sl_value_text(&out, &v));
	sl_value_clear(&v);
	sl_buf_append(&out, "", 0);
	SL_ASSERT_TEXT(out.data, "a\"bs{\"n\":1}");
	size_t len = out.len;
	CU_ASSERT_FALSE(sl_value_text(&out, &v)); /* SL_VALUE_NULL */
	sl_value_set_json(&v, json_null(), NULL);
	CU_ASSERT_FALSE(sl_value_text(&out, &v));
	sl_value_clear(&v);
	CU_ASSERT_EQUAL(out.len, len);
	sl_buf_free(&out);
}

void record_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"batch_copies_stay_intact_across_chunks",
		 test_batch_copies_stay_intact_across_chunks},
		{"batch_copy_larger_than_a_chunk", test_batch_copy_larger_than_a_chunk},
		{"batch_reset_empties_and_reuses", test_batch_reset_empties_and_reuses},
		{"headers_keep_null_and_binary_values", test_headers_keep_null_and_binary_values},
		{"clear_leaves_borrowed_bytes_alone", test_clear_leaves_borrowed_bytes_alone},
		{"value_text_of_each_kind", test_value_text_of_each_kind},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("record", NULL, NULL, tests);
}
