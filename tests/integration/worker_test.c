/* Integration tests of the worker on librdkafka's embedded mock cluster:
 * file source -> Kafka -> file sink through the C API, offsets stored after
 * acknowledgement, pause/resume/restart/remove, failed tasks and the dead
 * letter queue. Small volumes only (the mock cluster is in memory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "itest.h"
#include "offsets.h"
#include "runner.h"
#include "sluice/util.h"
#include "worker.h"

static char *dir;
static sl_worker_t *worker;
static itest_env_t env;

static char *path_in(const char *name)
{
	return sl_asprintf("%s/%s", dir, name);
}

static int suite_init(void)
{
	int rc = itest_env_open(&env, false, NULL);
	dir = env.dir;
	worker = env.worker;
	return rc;
}

static int suite_cleanup(void)
{
	return itest_env_close(&env);
}

static void test_file_to_kafka_to_file_keeps_every_line_in_order(void)
{
	char *in = path_in("p1.in"), *out = path_in("p1.out");
	itest_append_lines(in, 1, 20000, "p1-");
	const char *src[] = {"name",        "p1-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "p1",     NULL};
	const char *snk[] = {"name",           "p1-sink", "connector.class",
			     "FileStreamSink", "topics",  "p1",
			     "file",           out,       NULL};
	itest_add(worker, src);
	itest_add(worker, snk);
	CU_ASSERT(itest_wait_lines(out, 20000, 30000));
	/* Appended data is followed like tail -F. */
	itest_append_lines(in, 20001, 20500, "p1-");
	CU_ASSERT(itest_wait_lines(out, 20500, 30000));
	char *a = sl_file_read_all(in, NULL), *b = sl_file_read_all(out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(a, b);
	if (strcmp(a, b)) {
		size_t i = 0;
		while (a[i] && a[i] == b[i])
			i++;
		fprintf(stderr, "first difference at byte %zu: expected '%.40s' got '%.40s'\n", i,
			a + i, b + i);
	}
	free(a);
	free(b);
	itest_remove(worker, "p1-src");
	itest_remove(worker, "p1-sink");
	free(in);
	free(out);
}

/* An empty line is an empty string value, not a null one: the file sink
 * writes it back as an empty line (a null value as the text null). */
static void test_empty_line_stays_an_empty_value_through_kafka(void)
{
	char *in = path_in("p9.in"), *out = path_in("p9.out");
	FILE *f = fopen(in, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("one\n\nthree\n", f);
	fclose(f);
	itest_add_file_pipeline(worker, "p9", in, "p9", out);
	CU_ASSERT(itest_wait_lines(out, 3, 30000));
	char *b = sl_file_read_all(out, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(b, "one\n\nthree\n");
	free(b);
	itest_remove(worker, "p9-src");
	itest_remove(worker, "p9-sink");
	free(in);
	free(out);
}

static void test_source_offset_is_stored_after_ack_and_resumed(void)
{
	char *in = path_in("p2.in"), *out = path_in("p2.out");
	itest_append_lines(in, 1, 1000, "p2-");
	const char *src[] = {"name",        "p2-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "p2",     NULL};
	const char *snk[] = {"name",      "p2-sink", "connector.class",
			     "file-sink", "topics",  "p2",
			     "file",      out,       NULL};
	itest_add(worker, src);
	itest_add(worker, snk);
	CU_ASSERT(itest_wait_lines(out, 1000, 30000));
	itest_remove(worker, "p2-src"); /* clean stop: stores the acknowledged offset */
	char *offsets = path_in("offsets.json");
	char *text = sl_file_read_all(offsets, NULL);
	struct stat sb;
	stat(in, &sb);
	char *expect = sl_asprintf("\"position\": %lld", (long long)sb.st_size);
	CU_ASSERT_PTR_NOT_NULL(text && strstr(text, expect));
	free(expect);
	free(text);
	free(offsets);
	/* Restarted, the source resumes after the stored offset: no line twice. */
	itest_append_lines(in, 1001, 1100, "p2-");
	itest_add(worker, src);
	CU_ASSERT(itest_wait_lines(out, 1100, 30000));
	sl_sleep_ms(500);
	CU_ASSERT_EQUAL(itest_count_lines(out), 1100);
	itest_remove(worker, "p2-src");
	itest_remove(worker, "p2-sink");
	free(in);
	free(out);
}

static void test_pause_stops_delivery_and_resume_continues(void)
{
	char *in = path_in("p3.in"), *out = path_in("p3.out");
	itest_append_lines(in, 1, 100, "p3-");
	const char *src[] = {"name",        "p3-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "p3",     NULL};
	const char *snk[] = {"name",      "p3-sink", "connector.class",
			     "file-sink", "topics",  "p3",
			     "file",      out,       NULL};
	itest_add(worker, src);
	itest_add(worker, snk);
	CU_ASSERT(itest_wait_lines(out, 100, 30000));
	char err[256];
	CU_ASSERT_EQUAL(sl_worker_pause_connector(worker, "p3-src", err, sizeof(err)), 0);
	CU_ASSERT(itest_wait_state(worker, "p3-src", "PAUSED", 5000));
	itest_append_lines(in, 101, 200, "p3-");
	sl_sleep_ms(1500);
	CU_ASSERT_EQUAL(itest_count_lines(out), 100);
	CU_ASSERT_EQUAL(sl_worker_resume_connector(worker, "p3-src", err, sizeof(err)), 0);
	CU_ASSERT(itest_wait_state(worker, "p3-src", "RUNNING", 5000));
	CU_ASSERT(itest_wait_lines(out, 200, 30000));
	/* Restart keeps going from the stored offsets. */
	CU_ASSERT_EQUAL(sl_worker_restart_connector(worker, "p3-src", err, sizeof(err)), 0);
	itest_append_lines(in, 201, 250, "p3-");
	CU_ASSERT(itest_wait_lines(out, 250, 30000));
	sl_sleep_ms(500);
	CU_ASSERT_EQUAL(itest_count_lines(out), 250);
	itest_remove(worker, "p3-src");
	itest_remove(worker, "p3-sink");
	CU_ASSERT_EQUAL(sl_worker_pause_connector(worker, "p3-src", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no connector named 'p3-src'"));
	free(in);
	free(out);
}

static void test_bad_record_fails_only_its_task_with_reason(void)
{
	char *in = path_in("p4.in"), *out = path_in("p4.out"), *ok_out = path_in("p4ok.out");
	itest_append_lines(in, 1, 10, "not json ");
	const char *src[] = {"name",        "p4-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "p4",     NULL};
	/* The sink expects JSON with schemas: plain lines are bad records. */
	const char *snk[] = {"name", "p4-sink", "connector.class", "file-sink", "topics", "p4",
			     "file", out,       "value.converter", "json",      NULL};
	const char *other[] = {"name",      "p4-ok",  "connector.class",
			       "file-sink", "topics", "p4",
			       "file",      ok_out,   NULL};
	itest_add(worker, src);
	itest_add(worker, snk);
	itest_add(worker, other);
	CU_ASSERT(itest_wait_state(worker, "p4-sink", "FAILED", 30000));
	json_t *st = sl_worker_connector_status(worker, "p4-sink");
	const char *trace = json_string_value(
		json_object_get(json_array_get(json_object_get(st, "tasks"), 0), "trace"));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "VALUE_CONVERTER"));
	CU_ASSERT_PTR_NOT_NULL(trace && strstr(trace, "offset 0"));
	json_decref(st);
	/* The other connector keeps running and gets every line. */
	CU_ASSERT(itest_wait_lines(ok_out, 10, 30000));
	CU_ASSERT(itest_wait_state(worker, "p4-ok", "RUNNING", 1000));
	/* A failed task can be restarted (and fails again on the same data). */
	char err[256];
	CU_ASSERT_EQUAL(sl_worker_restart_task(worker, "p4-sink", 0, err, sizeof(err)), 0);
	CU_ASSERT(itest_wait_state(worker, "p4-sink", "FAILED", 30000));
	itest_remove(worker, "p4-src");
	itest_remove(worker, "p4-sink");
	itest_remove(worker, "p4-ok");
	free(in);
	free(out);
	free(ok_out);
}

static void test_tolerated_bad_records_go_to_dead_letter_queue_with_context(void)
{
	char *in = path_in("p5.in"), *out = path_in("p5.out");
	FILE *f = fopen(in, "w");
	fputs("{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"good-1\"}\n"
	      "broken line\n"
	      "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"good-2\"}\n",
	      f);
	fclose(f);
	const char *src[] = {"name",        "p5-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "p5",     NULL};
	const char *snk[] = {"name",
			     "p5-sink",
			     "connector.class",
			     "file-sink",
			     "topics",
			     "p5",
			     "file",
			     out,
			     "value.converter",
			     "json",
			     "errors.tolerance",
			     "all",
			     "errors.deadletterqueue.topic.name",
			     "p5-dlq",
			     "errors.deadletterqueue.context.headers.enable",
			     "true",
			     NULL};
	itest_add(worker, src);
	itest_add(worker, snk);
	CU_ASSERT(itest_wait_lines(out, 2, 30000));
	char *text = sl_file_read_all(out, NULL);
	CU_ASSERT_STRING_EQUAL(text, "good-1\ngood-2\n");
	free(text);
	CU_ASSERT(itest_wait_state(worker, "p5-sink", "RUNNING", 1000));
	/* Read the dead letter queue back through a JSON file sink, which
	 * writes each record with its headers. */
	char *dlq_out = path_in("p5dlq.out");
	const char *dlq[] = {"name",   "p5-dlq-reader", "connector.class", "file-sink", "topics",
			     "p5-dlq", "file",          dlq_out,           "format",    "json",
			     NULL};
	itest_add(worker, dlq);
	CU_ASSERT_FATAL(itest_wait_lines(dlq_out, 1, 30000));
	sl_sleep_ms(300);
	CU_ASSERT_EQUAL(itest_count_lines(dlq_out), 1);
	char *line = sl_file_read_all(dlq_out, NULL);
	json_error_t jerr;
	json_t *rec = json_loads(line, 0, &jerr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "value")), "broken line");
	json_t *h = json_object_get(rec, "headers");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(h, "__connect.errors.topic")),
			       "p5");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(h, "__connect.errors.offset")),
			       "1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(h, "__connect.errors.stage")),
			       "VALUE_CONVERTER");
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(h, "__connect.errors.connector.name")),
		"p5-sink");
	CU_ASSERT_PTR_NOT_NULL(
		strstr(json_string_value(json_object_get(h, "__connect.errors.exception.message")),
		       "malformed JSON"));
	json_decref(rec);
	free(line);
	itest_remove(worker, "p5-dlq-reader");
	free(dlq_out);
	/* The committed offset covers the skipped record and everything after
	 * it: restarted, the sink goes on with the next record, nothing twice. */
	itest_remove(worker, "p5-sink");
	itest_add(worker, snk);
	f = fopen(in, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"good-3\"}\n", f);
	fclose(f);
	CU_ASSERT(itest_wait_lines(out, 3, 30000));
	sl_sleep_ms(300);
	text = sl_file_read_all(out, NULL);
	CU_ASSERT_STRING_EQUAL(text, "good-1\ngood-2\ngood-3\n");
	free(text);
	itest_remove(worker, "p5-src");
	itest_remove(worker, "p5-sink");
	free(in);
	free(out);
}

static void test_invalid_connector_config_is_refused_with_reason(void)
{
	const char *bad[] = {"name", "p6", "connector.class", "file-sink", "file", "/tmp/x", NULL};
	sl_config_t *c = itest_conf(bad);
	char err[512];
	CU_ASSERT_EQUAL(sl_worker_add_connector(worker, c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "topics"));
	sl_config_free(c);
	const char *dup[] = {"name",      "p6",   "connector.class",
			     "file-sink", "file", "/tmp/x",
			     "topics",    "t",    NULL};
	char *out = path_in("p6.out");
	dup[5] = out;
	itest_add(worker, dup);
	c = itest_conf(dup);
	CU_ASSERT_EQUAL(sl_worker_add_connector(worker, c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "already exists"));
	sl_config_free(c);
	itest_remove(worker, "p6");
	free(out);
}

/* A new sink starts where auto.offset.reset says (sluice looks the offset
 * up itself on assignment) and a restarted one at its committed offset. */
static void test_sink_starts_at_reset_policy_then_at_committed_offset(void)
{
	char *in = path_in("p7.in"), *early = path_in("p7-early.out"),
	     *late = path_in("p7-late.out");
	itest_append_lines(in, 1, 100, "p7-");
	const char *src[] = {"name",        "p7-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "p7",     NULL};
	const char *earliest[] = {"name",      "p7-early", "connector.class",
				  "file-sink", "topics",   "p7",
				  "file",      early,      NULL};
	const char *latest[] = {"name",      "p7-late", "connector.class",
				"file-sink", "topics",  "p7",
				"file",      late,      "consumer.override.auto.offset.reset",
				"latest",    NULL};
	itest_add(worker, src);
	itest_add(worker, earliest);
	CU_ASSERT(itest_wait_lines(early, 100, 30000));
	itest_add(worker, latest);
	CU_ASSERT(itest_wait_state(worker, "p7-late", "RUNNING", 10000));
	sl_sleep_ms(3000); /* joined and assigned: it starts at the log's end */
	itest_append_lines(in, 101, 150, "p7-");
	CU_ASSERT(itest_wait_lines(late, 50, 30000));
	sl_sleep_ms(500);
	CU_ASSERT_EQUAL(itest_count_lines(late), 50);
	char *text = sl_file_read_all(late, NULL);
	CU_ASSERT(text && strncmp(text, "p7-00000101\n", 12) == 0);
	free(text);
	/* Restarted after more records: from its committed offset, nothing
	 * twice and nothing skipped. */
	itest_remove(worker, "p7-late");
	itest_append_lines(in, 151, 160, "p7-");
	CU_ASSERT(itest_wait_lines(early, 160, 30000));
	itest_add(worker, latest);
	CU_ASSERT(itest_wait_lines(late, 60, 30000));
	sl_sleep_ms(500);
	CU_ASSERT_EQUAL(itest_count_lines(late), 60);
	itest_remove(worker, "p7-late");
	itest_remove(worker, "p7-early");
	itest_remove(worker, "p7-src");
	free(in);
	free(early);
	free(late);
}

/* What sl_connector_config_validate says of a topics.regex must be what
 * librdkafka says when the sink subscribes with it. */
static void test_topics_regex_validation_agrees_with_librdkafka(void)
{
	static const char *const regexes[] = {"orders-.*",
					      "a[",
					      "(a",
					      "*",
					      "a{2,1}",
					      "[[:alpha:]]+",
					      "[[:nope:]]",
					      "a{99999}",
					      "(?i)orders",
					      "\\d+",
					      "a|",
					      "^orders",
					      "^(a",
					      "x)(y",
					      "a**",
					      "[a-",
					      "orders|(events",
					      NULL};
	char err[512];
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_conf_set(rc, "group.id", "regex-check", err, sizeof(err));
	rd_kafka_conf_set(rc, "bootstrap.servers", sl_worker_bootstrap(worker), err, sizeof(err));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	for (const char *const *re = regexes; *re; re++) {
		const char *kv[] = {"name",         "rx",   "connector.class",
				    "file-sink",    "file", "/tmp/x",
				    "topics.regex", *re,    NULL};
		sl_config_t *c = itest_conf(kv);
		sl_errlist_t errs = {0};
		bool valid = sl_connector_config_validate(c, &errs) == 0;
		char *pattern = sl_sink_topics_pattern(*re);
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(l, pattern, RD_KAFKA_PARTITION_UA);
		bool subscribed = rd_kafka_subscribe(rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR;
		if (valid != subscribed)
			fprintf(stderr, "\ntopics.regex '%s': validate %s, librdkafka %s\n", *re,
				valid ? "accepts" : "refuses", subscribed ? "accepts" : "refuses");
		CU_ASSERT_EQUAL(valid, subscribed);
		rd_kafka_unsubscribe(rk);
		rd_kafka_topic_partition_list_destroy(l);
		free(pattern);
		sl_errlist_free(&errs);
		sl_config_free(c);
	}
	rd_kafka_destroy(rk);
}

/* A connector whose task would fail at start is refused when added. */
static void test_add_refuses_what_a_task_would_fail_on(void)
{
	const char *bad[] = {"name",         "p8",       "connector.class",
			     "file-sink",    "file",     "/tmp/x",
			     "topics.regex", "orders-[", "consumer.override.fetch.wait.max.ms",
			     "soon",         NULL};
	sl_config_t *c = itest_conf(bad);
	char err[1024];
	CU_ASSERT_EQUAL(sl_worker_add_connector(worker, c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "topics.regex"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "(and more; run sluice validate)"));
	CU_ASSERT_PTR_NULL(sl_worker_connector_status(worker, "p8"));
	sl_config_free(c);
}

void worker_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"file_to_kafka_to_file_keeps_every_line_in_order",
		 test_file_to_kafka_to_file_keeps_every_line_in_order},
		{"empty_line_stays_an_empty_value_through_kafka",
		 test_empty_line_stays_an_empty_value_through_kafka},
		{"source_offset_is_stored_after_ack_and_resumed",
		 test_source_offset_is_stored_after_ack_and_resumed},
		{"pause_stops_delivery_and_resume_continues",
		 test_pause_stops_delivery_and_resume_continues},
		{"bad_record_fails_only_its_task_with_reason",
		 test_bad_record_fails_only_its_task_with_reason},
		{"tolerated_bad_records_go_to_dead_letter_queue_with_context",
		 test_tolerated_bad_records_go_to_dead_letter_queue_with_context},
		{"invalid_connector_config_is_refused_with_reason",
		 test_invalid_connector_config_is_refused_with_reason},
		{"sink_starts_at_reset_policy_then_at_committed_offset",
		 test_sink_starts_at_reset_policy_then_at_committed_offset},
		{"topics_regex_validation_agrees_with_librdkafka",
		 test_topics_regex_validation_agrees_with_librdkafka},
		{"add_refuses_what_a_task_would_fail_on",
		 test_add_refuses_what_a_task_would_fail_on},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("worker", suite_init, suite_cleanup, tests);
}
