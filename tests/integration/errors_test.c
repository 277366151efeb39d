/* Integration tests of failures that must neither lose nor skip data: a
 * dead letter queue that refuses a record, a record too large for the
 * producer, and an offset store that fails for a while. The worker runs on
 * a mock cluster of the test's own, so the test can make Kafka refuse
 * requests. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"
#include "sluice/connector.h"
#include "task.h"

static char *dir;
static rd_kafka_mock_cluster_t *mock;
static sl_worker_t *worker;
static itest_env_t env;

static char *path_in(const char *name)
{
	return sl_asprintf("%s/%s", dir, name);
}

/* A sink that reports each record it took to a topic of its own with
 * sl_task_produce, in flush (as a connector does that reports outcomes
 * once the far side answered): key the record's value, value "done:" and
 * the value, header input_record_offset. */
#define RT_MAX 64
static struct {
	const char *topic;
	char *values[RT_MAX];
	int64_t offsets[RT_MAX];
	int count;
} rt;

static sl_rc_t rt_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	return SL_OK;
}

static sl_rc_t rt_put(sl_task_ctx_t *ctx, sl_record_t *records, size_t count)
{
	for (size_t i = 0; i < count && rt.count < RT_MAX; i++, rt.count++) {
		rt.values[rt.count] = sl_strndup(records[i].value.data, records[i].value.len);
		rt.offsets[rt.count] = records[i].offset;
	}
	return SL_OK;
}

static sl_rc_t rt_flush(sl_task_ctx_t *ctx)
{
	sl_rc_t rc = SL_OK;
	for (int i = 0; i < rt.count; i++) {
		char num[32], *value = sl_asprintf("done:%s", rt.values[i]);
		snprintf(num, sizeof(num), "%lld", (long long)rt.offsets[i]);
		sl_record_t r;
		sl_record_init(&r);
		r.topic = rt.topic;
		sl_value_set_string_ref(&r.key, rt.values[i], strlen(rt.values[i]));
		sl_value_set_string_ref(&r.value, value, strlen(value));
		sl_record_add_header(&r, "input_record_offset", num, strlen(num));
		if (rc == SL_OK)
			rc = sl_task_produce(ctx, &r, 1, -1);
		sl_record_clear(&r);
		free(value);
		free(rt.values[i]);
	}
	rt.count = 0;
	return rc;
}

static void rt_stop(sl_task_ctx_t *ctx)
{
	for (int i = 0; i < rt.count; i++)
		free(rt.values[i]);
	rt.count = 0;
}

static const sl_sink_ops_t rt_ops = {
	.start = rt_start,
	.put = rt_put,
	.flush = rt_flush,
	.stop = rt_stop,
};
static const sl_option_t rt_options[] = {SL_OPT_END};
static const sl_connector_t report_test_connector = {
	.name = "report-test-sink",
	.kind = SL_SINK,
	.doc = "Reports every record it takes to a topic of its own.",
	.options = rt_options,
	.sink = &rt_ops,
};

static int suite_init(void)
{
	sl_plugins_register_extra(&report_test_connector);
	int rc = itest_env_open(&env, true, NULL);
	dir = env.dir;
	worker = env.worker;
	mock = env.mock;
	return rc;
}

static int suite_cleanup(void)
{
	return itest_env_close(&env);
}

/* Writes values to partition 0 of topic and waits for the acks. */
static void produce(const char *topic, const char *const *values)
{
	char err[512];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set(c, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock), err,
			  sizeof(err));
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (; *values; values++)
		CU_ASSERT_EQUAL(
			rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
					  RD_KAFKA_V_VALUE((void *)*values, strlen(*values)),
					  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
			0);
	CU_ASSERT_EQUAL(rd_kafka_flush(p, 10000), 0);
	rd_kafka_destroy(p);
}

/* The offset group connect-<connector> committed for partition 0 of
 * topic (RD_KAFKA_OFFSET_INVALID when none). */
static int64_t committed(const char *connector, const char *topic)
{
	char err[512];
	char *group = sl_asprintf("connect-%s", connector);
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set(c, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock), err,
			  sizeof(err));
	rd_kafka_conf_set(c, "group.id", group, err, sizeof(err));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, 0);
	int64_t off = RD_KAFKA_OFFSET_INVALID;
	if (rd_kafka_committed(rk, l, 10000) == 0 && !l->elems[0].err)
		off = l->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(rk);
	free(group);
	return off;
}

/* The one JSON line a format=json file sink wrote (new reference). */
static json_t *only_record(const char *path)
{
	char *text = sl_file_read_all(path, NULL);
	json_error_t jerr;
	json_t *rec = text ? json_loads(text, JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
	free(text);
	return rec;
}

static const char *header(const json_t *rec, const char *name)
{
	return json_string_value(json_object_get(json_object_get(rec, "headers"), name));
}

/* A skipped record may be committed only once its dead letter queue copy
 * is in Kafka: a refused copy fails the task, naming the topic and the
 * broker's error, and commits nothing past the record. */
static void test_refused_dead_letter_copy_fails_sink_and_commits_nothing_past_it(void)
{
	char *out = path_in("ea.out"), *dlq_out = path_in("ea-dlq.out"), *trace = NULL;
	rd_kafka_mock_topic_create(mock, "ea", 1, 1);
	rd_kafka_mock_topic_create(mock, "ea-dlq", 1, 1);
	const char *values[] = {"{\"n\":1}", "not json", "{\"n\":3}", NULL};
	produce("ea", values);
	rd_kafka_mock_push_request_errors(mock, 0 /* Produce */, 1,
					  RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	const char *snk[] = {"name",
			     "ea-sink",
			     "connector.class",
			     "file-sink",
			     "topics",
			     "ea",
			     "file",
			     out,
			     "value.converter",
			     "json",
			     "value.converter.schemas.enable",
			     "false",
			     "errors.tolerance",
			     "all",
			     "errors.deadletterqueue.topic.name",
			     "ea-dlq",
			     NULL};
	itest_add(worker, snk);
	CU_ASSERT_FATAL(itest_wait_state(worker, "ea-sink", "FAILED", 30000));
	free(itest_task_state(worker, "ea-sink", &trace));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "dead letter queue topic ea-dlq"));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "Message size too large"));
	free(trace);
	int64_t off = committed("ea-sink", "ea");
	CU_ASSERT(off < 2);
	if (off >= 2)
		fprintf(stderr, "committed offset %lld is past the refused record\n",
			(long long)off);
	/* Once the topic takes it, a restarted task sends the copy and moves on. */
	char err[256];
	CU_ASSERT_EQUAL(sl_worker_restart_task(worker, "ea-sink", 0, err, sizeof(err)), 0);
	CU_ASSERT(itest_wait_lines(out, 2, 30000));
	const char *reader[] = {"name",   "ea-dlq-reader", "connector.class", "file-sink", "topics",
				"ea-dlq", "file",          dlq_out,           "format",    "json",
				NULL};
	itest_add(worker, reader);
	CU_ASSERT(itest_wait_lines(dlq_out, 1, 30000));
	json_t *rec = only_record(dlq_out);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "value")), "not json");
	json_decref(rec);
	CU_ASSERT(itest_wait_state(worker, "ea-sink", "RUNNING", 1000));
	int64_t end = sl_now_ms() + 10000;
	while (committed("ea-sink", "ea") != 3 && sl_now_ms() < end)
		sl_sleep_ms(200);
	CU_ASSERT_EQUAL(committed("ea-sink", "ea"), 3);
	itest_remove(worker, "ea-dlq-reader");
	itest_remove(worker, "ea-sink");
	free(out);
	free(dlq_out);
}

/* Same rule on the source side: a skipped line whose dead letter queue copy
 * never reaches Kafka fails the task, and no offset is stored past it even
 * though the line after it was acknowledged. */
static void test_undeliverable_dead_letter_copy_fails_source_and_stores_nothing_past_it(void)
{
	char *in = path_in("ee.in"), *offsets = path_in("offsets.json"), *trace = NULL;
	FILE *f = fopen(in, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("a line longer than max.line.bytes\nok-2\n", f);
	fclose(f);
	rd_kafka_mock_topic_create(mock, "ee", 1, 1);
	rd_kafka_mock_topic_create(mock, "ee-dlq", 1, 1);
	rd_kafka_mock_topic_set_error(mock, "ee-dlq", RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
	const char *src[] = {"name",
			     "ee-src",
			     "connector.class",
			     "file-source",
			     "file",
			     in,
			     "topic",
			     "ee",
			     "max.line.bytes",
			     "10",
			     "producer.override.message.timeout.ms",
			     "6000",
			     "errors.tolerance",
			     "all",
			     "errors.deadletterqueue.topic.name",
			     "ee-dlq",
			     NULL};
	char *out = path_in("ee.out");
	const char *snk[] = {"name",      "ee-sink", "connector.class",
			     "file-sink", "topics",  "ee",
			     "file",      out,       NULL};
	itest_add(worker, src);
	itest_add(worker, snk);
	CU_ASSERT(itest_wait_lines(out, 1, 30000)); /* the line after it is in Kafka */
	itest_remove(worker, "ee-sink");
	free(out);
	CU_ASSERT_FATAL(itest_wait_state(worker, "ee-src", "FAILED", 30000));
	free(itest_task_state(worker, "ee-src", &trace));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "dead letter queue topic ee-dlq refused"));
	free(trace);
	itest_remove(worker, "ee-src");
	char *text = sl_file_read_all(offsets, NULL);
	CU_ASSERT(!text || !strstr(text, "ee.in"));
	free(text);
	free(offsets);
	free(in);
}

/* A source line of 3000 bytes with producer message.max.bytes 2000. */
static char *write_big_line_file(const char *name)
{
	char *in = path_in(name);
	FILE *f = fopen(in, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("small-1\n", f);
	for (int i = 0; i < 3000; i++)
		fputc('x', f);
	fputs("\nsmall-3\n", f);
	fclose(f);
	return in;
}

/* A record the producer refuses for its size goes through the error
 * policy: skipped, with a copy cut to fit in the dead letter queue, and
 * the records after it flow on. */
static void test_too_large_source_record_is_tolerated_with_truncated_dead_letter_copy(void)
{
	char *in = write_big_line_file("eb.in"), *out = path_in("eb.out"),
	     *dlq_out = path_in("eb-dlq.out");
	rd_kafka_mock_topic_create(mock, "eb", 1, 1);
	rd_kafka_mock_topic_create(mock, "eb-dlq", 1, 1);
	const char *src[] = {"name",
			     "eb-src",
			     "connector.class",
			     "file-source",
			     "file",
			     in,
			     "topic",
			     "eb",
			     "producer.override.message.max.bytes",
			     "2000",
			     "errors.tolerance",
			     "all",
			     "errors.deadletterqueue.topic.name",
			     "eb-dlq",
			     "errors.deadletterqueue.context.headers.enable",
			     "true",
			     NULL};
	const char *snk[] = {"name",      "eb-sink", "connector.class",
			     "file-sink", "topics",  "eb",
			     "file",      out,       NULL};
	const char *reader[] = {"name",   "eb-dlq-reader", "connector.class", "file-sink", "topics",
				"eb-dlq", "file",          dlq_out,           "format",    "json",
				NULL};
	itest_add(worker, src);
	itest_add(worker, snk);
	itest_add(worker, reader);
	CU_ASSERT(itest_wait_lines(out, 2, 30000));
	char *text = sl_file_read_all(out, NULL);
	CU_ASSERT_STRING_EQUAL(text, "small-1\nsmall-3\n");
	free(text);
	CU_ASSERT_FATAL(itest_wait_lines(dlq_out, 1, 30000));
	json_t *rec = only_record(dlq_out);
	const char *v = json_string_value(json_object_get(rec, "value"));
	CU_ASSERT(v && strlen(v) > 100 && strlen(v) < 2000 && strspn(v, "x") == strlen(v));
	CU_ASSERT_STRING_EQUAL(header(rec, "__sluice.errors.value.original.bytes"), "3000");
	CU_ASSERT_STRING_EQUAL(header(rec, "__connect.errors.stage"), "KAFKA_PRODUCE");
	const char *why = header(rec, "__connect.errors.exception.message");
	CU_ASSERT_PTR_NOT_NULL(why && strstr(why, "message.max.bytes (2000)"));
	json_decref(rec);
	CU_ASSERT(itest_wait_state(worker, "eb-src", "RUNNING", 1000));
	itest_remove(worker, "eb-dlq-reader");
	itest_remove(worker, "eb-sink");
	itest_remove(worker, "eb-src");
	free(in);
	free(out);
	free(dlq_out);
}

/* Without tolerance the task fails with the size, the limit and the keys
 * that raise it. */
static void test_too_large_source_record_fails_task_naming_size_and_limit(void)
{
	char *in = write_big_line_file("ec.in"), *trace = NULL;
	rd_kafka_mock_topic_create(mock, "ec", 1, 1);
	const char *src[] = {"name",        "ec-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "ec",     "producer.override.message.max.bytes",
			     "2000",        NULL};
	itest_add(worker, src);
	CU_ASSERT_FATAL(itest_wait_state(worker, "ec-src", "FAILED", 30000));
	free(itest_task_state(worker, "ec-src", &trace));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "record of 3000 bytes"));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "message.max.bytes (2000)"));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "producer.override.message.max.bytes"));
	free(trace);
	itest_remove(worker, "ec-src");
	free(in);
}

/* Offsets that could not be stored are stored once the store works
 * again, without waiting for new records. */
static void test_offsets_that_could_not_be_stored_are_stored_once_the_store_works(void)
{
	char *in = path_in("ed.in"), *out = path_in("ed.out");
	char *offsets = path_in("offsets.json");
	char *block = sl_asprintf("%s.tmp.%ld", offsets, (long)getpid());
	rd_kafka_mock_topic_create(mock, "ed", 1, 1);
	CU_ASSERT_EQUAL_FATAL(mkdir(block, 0700), 0); /* the temp file cannot be created */
	itest_append_lines(in, 1, 100, "ed-");
	itest_add_file_pipeline(worker, "ed", in, "ed", out);
	CU_ASSERT(itest_wait_lines(out, 100, 30000));
	sl_sleep_ms(600);
	char *text = sl_file_read_all(offsets, NULL);
	CU_ASSERT(!text || !strstr(text, "ed.in"));
	free(text);
	CU_ASSERT_EQUAL(rmdir(block), 0);
	struct stat sb;
	stat(in, &sb);
	char *expect = sl_asprintf("\"position\": %lld", (long long)sb.st_size);
	int64_t end = sl_now_ms() + 5000;
	bool stored = false;
	while (!stored && sl_now_ms() < end) {
		sl_sleep_ms(100);
		text = sl_file_read_all(offsets, NULL);
		stored = text && strstr(text, "ed.in") && strstr(text, expect);
		free(text);
	}
	CU_ASSERT(stored);
	itest_remove(worker, "ed-sink");
	itest_remove(worker, "ed-src");
	free(expect);
	free(block);
	free(offsets);
	free(in);
	free(out);
}

/* Reports a sink produces (here in its flush) reach Kafka with key, value
 * and headers, and the consumer offsets are committed after them. */
static void test_sink_reports_reach_kafka_before_offsets_are_committed(void)
{
	char *out = path_in("ra-report.out");
	rd_kafka_mock_topic_create(mock, "ra", 1, 1);
	const char *values[] = {"a", "b", "c", NULL};
	produce("ra", values);
	rt.topic = "ra-report";
	const char *snk[] = {"name", "ra-sink", "connector.class", "report-test-sink", "topics",
			     "ra",   NULL};
	itest_add(worker, snk);
	const char *reader[] = {
		"name", "ra-reader", "connector.class", "file-sink", "topics", "ra-report",
		"file", out,         "format",          "json",      NULL};
	itest_add(worker, reader);
	CU_ASSERT_FATAL(itest_wait_lines(out, 3, 30000));
	char *text = sl_file_read_all(out, NULL);
	CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "\"key\":\"b\""));
	CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "\"value\":\"done:b\""));
	CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "\"input_record_offset\":\"1\""));
	free(text);
	int64_t end = sl_now_ms() + 10000;
	while (committed("ra-sink", "ra") != 3 && sl_now_ms() < end)
		sl_sleep_ms(100);
	CU_ASSERT_EQUAL(committed("ra-sink", "ra"), 3);
	itest_remove(worker, "ra-reader");
	itest_remove(worker, "ra-sink");
	free(out);
}

/* A report Kafka refuses fails the task, naming the topic, and nothing is
 * committed past what it reported, although the sink's flush succeeded:
 * the reports produced in flush are waited for before the commit. */
static void test_refused_sink_report_fails_task_and_commits_nothing(void)
{
	char *trace = NULL;
	rd_kafka_mock_topic_create(mock, "rb", 1, 1);
	rd_kafka_mock_topic_create(mock, "rb-report", 1, 1);
	const char *values[] = {"x", "y", NULL};
	produce("rb", values);
	rt.topic = "rb-report";
	rd_kafka_mock_push_request_errors(mock, 0 /* Produce */, 1,
					  RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	const char *snk[] = {"name", "rb-sink", "connector.class", "report-test-sink", "topics",
			     "rb",   NULL};
	itest_add(worker, snk);
	CU_ASSERT_FATAL(itest_wait_state(worker, "rb-sink", "FAILED", 30000));
	free(itest_task_state(worker, "rb-sink", &trace));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "report topic rb-report"));
	free(trace);
	sl_sleep_ms(500);
	CU_ASSERT_EQUAL(committed("rb-sink", "rb"), RD_KAFKA_OFFSET_INVALID);
	itest_remove(worker, "rb-sink");
}

void errors_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"refused_dead_letter_copy_fails_sink_and_commits_nothing_past_it",
		 test_refused_dead_letter_copy_fails_sink_and_commits_nothing_past_it},
		{"undeliverable_dead_letter_copy_fails_source_and_stores_nothing_past_it",
		 test_undeliverable_dead_letter_copy_fails_source_and_stores_nothing_past_it},
		{"too_large_source_record_is_tolerated_with_truncated_dead_letter_copy",
		 test_too_large_source_record_is_tolerated_with_truncated_dead_letter_copy},
		{"too_large_source_record_fails_task_naming_size_and_limit",
		 test_too_large_source_record_fails_task_naming_size_and_limit},
		{"offsets_that_could_not_be_stored_are_stored_once_the_store_works",
		 test_offsets_that_could_not_be_stored_are_stored_once_the_store_works},
		{"sink_reports_reach_kafka_before_offsets_are_committed",
		 test_sink_reports_reach_kafka_before_offsets_are_committed},
		{"refused_sink_report_fails_task_and_commits_nothing",
		 test_refused_sink_report_fails_task_and_commits_nothing},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("errors", suite_init, suite_cleanup, tests);
}
