/* Unit tests of the file-sink line formats (sl_file_sink_format_record)
 * and its option table. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "runner.h"
#include "task.h"

/* Formats rec and compares with expected (which includes the '\n'). */
static void assert_format(const sl_record_t *rec, int format, const char *expected,
			  size_t expected_len)
{
	sl_buf_t out = {0};

	sl_file_sink_format_record(&out, rec, format);
	CU_ASSERT_EQUAL(out.len, expected_len);
	CU_ASSERT(out.len == expected_len && memcmp(out.data, expected, expected_len) == 0);
	if (out.len != expected_len || memcmp(out.data, expected, expected_len))
		fprintf(stderr, "\n  got      %.*s  expected %s", (int)out.len, out.data, expected);
	sl_buf_free(&out);
}

#define ASSERT_FORMAT(rec, format, expected)                                                       \
	assert_format(rec, format, expected, sizeof(expected) - 1)

static void test_value_format_writes_strings_and_bytes_raw(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_value_set_string(&r.value, "hello \"world\"", 13);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "hello \"world\"\n");
	sl_value_set_bytes(&r.value, "a\0b", 3);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "a\0b\n");
	sl_record_clear(&r);
}

static void test_value_format_writes_json_string_without_quotes(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_value_set_json(&r.value, json_string("plain text"), NULL);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "plain text\n");
	sl_record_clear(&r);
}

static void test_value_format_writes_other_json_compact(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_value_set_json(&r.value, json_pack("{s:i,s:[b,n]}", "a", 1, "b", 1), NULL);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "{\"a\":1,\"b\":[true,null]}\n");
	sl_record_clear(&r);
}

static void test_value_format_writes_null_value_as_text_null(void)
{
	sl_record_t r;

	sl_record_init(&r);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "null\n");
	sl_value_set_json(&r.value, NULL, json_pack("{s:s,s:b}", "type", "string", "optional", 1));
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_VALUE, "null\n");
	sl_record_clear(&r);
}

static void test_json_format_writes_metadata_key_value_and_headers(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_record_set_topic(&r, "orders");
	r.partition = 2;
	r.offset = 41;
	r.timestamp = 1700000000123LL;
	sl_value_set_string(&r.key, "k1", 2);
	sl_value_set_bytes(&r.value, "\x00\x01\xff", 3);
	sl_record_add_header(&r, "trace", "abc", 3);
	sl_record_add_header(&r, "empty", NULL, 0);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_JSON,
		      "{\"topic\":\"orders\",\"partition\":2,\"offset\":41,"
		      "\"timestamp\":1700000000123,\"key\":\"k1\",\"value\":\"AAH/\","
		      "\"headers\":{\"trace\":\"abc\",\"empty\":null}}\n");
	sl_record_clear(&r);
}

static void test_json_format_writes_json_payload_and_null_key(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_record_set_topic(&r, "t");
	r.partition = 0;
	r.offset = 0;
	sl_value_set_json(&r.value, json_pack("{s:s}", "name", "x"), NULL);
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_JSON,
		      "{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"timestamp\":null,"
		      "\"key\":null,\"value\":{\"name\":\"x\"},\"headers\":{}}\n");
	sl_record_clear(&r);
}

static void test_json_format_writes_non_utf8_string_as_base64(void)
{
	sl_record_t r;

	sl_record_init(&r);
	sl_record_set_topic(&r, "t");
	r.partition = 1;
	r.offset = 7;
	sl_value_set_string(&r.value, "\xc3\x28", 2); /* invalid UTF-8 */
	ASSERT_FORMAT(&r, SL_FILE_SINK_FORMAT_JSON,
		      "{\"topic\":\"t\",\"partition\":1,\"offset\":7,\"timestamp\":null,"
		      "\"key\":null,\"value\":\"wyg=\",\"headers\":{}}\n");
	sl_record_clear(&r);
}

static void test_options_reject_unknown_format_and_need_file(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};

	CU_ASSERT_NOT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_set(cfg, "file", "/tmp/x", NULL, 0);
	CU_ASSERT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_config_set(cfg, "format", "xml", NULL, 0);
	CU_ASSERT_NOT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_set(cfg, "format", "JSON", NULL, 0);
	CU_ASSERT_EQUAL(sl_options_load(file_sink_connector.options, cfg, NULL, &errs), 0);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_connector_is_a_documented_sink_with_kafka_connect_aliases(void)
{
	const sl_connector_t *c = &file_sink_connector;
	bool alias = false;

	CU_ASSERT_STRING_EQUAL(c->name, "file-sink");
	CU_ASSERT_EQUAL(c->kind, SL_SINK);
	CU_ASSERT_PTR_NOT_NULL(c->sink);
	CU_ASSERT(c->doc && strlen(c->doc) > 40);
	for (const char *const *a = c->aliases; *a; a++)
		alias |= !strcmp(*a, "org.apache.kafka.connect.file.FileStreamSinkConnector");
	CU_ASSERT(alias);
	for (const sl_option_t *o = c->options; o->name; o++)
		CU_ASSERT(o->doc && o->doc[0]);
}

/* Whether a started file-sink task asks the worker for record headers. */
static bool start_wants_headers(const char *format)
{
	char path[] = "/tmp/sluice-file-sink-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	sl_connector_settings_t s = {.name = "unit", .connector_class = "file-sink"};
	sl_task_env_t env = {.settings = &s};
	sl_config_t *cfg = sl_config_new();
	sl_config_set(cfg, "file", path, NULL, 0);
	sl_config_set(cfg, "format", format, NULL, 0);
	sl_task_ctx_t *t = sl_task_new(&env, 0, cfg);
	CU_ASSERT_EQUAL(file_sink_connector.sink->start(t, cfg), SL_OK);
	bool wanted = !t->sink_headers_off;
	file_sink_connector.sink->stop(t);
	sl_task_stop_and_free(t);
	sl_config_free(cfg);
	unlink(path);
	return wanted;
}

/* Headers cost an allocation per record in librdkafka 2.0.2: only the json
 * format, which writes them, may ask for them. */
static void test_only_json_format_asks_for_record_headers(void)
{
	CU_ASSERT_TRUE(start_wants_headers("json"));
	CU_ASSERT_FALSE(start_wants_headers("value"));
}

void file_sink_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"value_format_writes_strings_and_bytes_raw",
		 test_value_format_writes_strings_and_bytes_raw},
		{"value_format_writes_json_string_without_quotes",
		 test_value_format_writes_json_string_without_quotes},
		{"value_format_writes_other_json_compact",
		 test_value_format_writes_other_json_compact},
		{"value_format_writes_null_value_as_text_null",
		 test_value_format_writes_null_value_as_text_null},
		{"json_format_writes_metadata_key_value_and_headers",
		 test_json_format_writes_metadata_key_value_and_headers},
		{"json_format_writes_json_payload_and_null_key",
		 test_json_format_writes_json_payload_and_null_key},
		{"json_format_writes_non_utf8_string_as_base64",
		 test_json_format_writes_non_utf8_string_as_base64},
		{"options_reject_unknown_format_and_need_file",
		 test_options_reject_unknown_format_and_need_file},
		{"connector_is_a_documented_sink_with_kafka_connect_aliases",
		 test_connector_is_a_documented_sink_with_kafka_connect_aliases},
		{"only_json_format_asks_for_record_headers",
		 test_only_json_format_asks_for_record_headers},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("file_sink", NULL, NULL, tests);
}
