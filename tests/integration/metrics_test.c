/* Integration tests of the metrics on the embedded mock cluster: as
 * records flow from a file source through Kafka to a file sink, the
 * counters GET /metrics shows move with them (records polled, written,
 * read, put; bad records, dead letter queue copies), and the worker's
 * connector and task counts follow adds and removes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"
#include "metrics.h"
#include "runner.h"
#include "sluice/util.h"
#include "worker.h"

static itest_env_t env;

static int suite_init(void)
{
	return itest_env_open(&env, false, NULL);
}

static int suite_cleanup(void)
{
	return itest_env_close(&env);
}

/* The value of the sample "<name>{<labels>}" in the rendered text; NaN
 * when there is no such sample. */
static double sample(const char *text, const char *name, const char *labels)
{
	char *key = sl_asprintf("\n%s{%s} ", name, labels);
	const char *p = strstr(text, key);
	double v = p ? strtod(p + strlen(key), NULL) : NAN;
	free(key);
	return v;
}

/* Renders until the sample reaches want or timeout_ms passes; the last
 * value seen. */
static double wait_sample(const char *name, const char *labels, double want, int timeout_ms)
{
	int64_t end = sl_now_ms() + timeout_ms;
	double v;
	for (;;) {
		char *text = sl_metrics_render(env.worker);
		v = sample(text, name, labels);
		free(text);
		if (v == want || sl_now_ms() >= end)
			return v;
		sl_sleep_ms(100);
	}
}

#define SRC "kafka_connect_source_task_metrics_"
#define SNK "kafka_connect_sink_task_metrics_"
#define WRK "kafka_connect_connect_worker_metrics_"

static void test_counters_follow_records_from_file_to_file(void)
{
	char *in = itest_path(&env, "m1.in"), *out = itest_path(&env, "m1.out");
	itest_append_lines(in, 1, 3000, "m1-");
	const char *src[] = {"name",        "m1-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "m1",     NULL};
	const char *snk[] = {"name",      "m1-sink", "connector.class",
			     "file-sink", "topics",  "m1",
			     "file",      out,       NULL};
	itest_add(env.worker, src);
	itest_add(env.worker, snk);
	CU_ASSERT(itest_wait_lines(out, 3000, 30000));
	const char *sl = "connector=\"m1-src\",task=\"0\"",
		   *kl = "connector=\"m1-sink\",task=\"0\"";
	CU_ASSERT_EQUAL(wait_sample(SRC "source_record_poll_total", sl, 3000, 5000), 3000);
	CU_ASSERT_EQUAL(wait_sample(SRC "source_record_write_total", sl, 3000, 5000), 3000);
	CU_ASSERT_EQUAL(wait_sample(SRC "source_record_active_count", sl, 0, 5000), 0);
	CU_ASSERT_EQUAL(wait_sample(SNK "sink_record_read_total", kl, 3000, 5000), 3000);
	CU_ASSERT_EQUAL(wait_sample(SNK "sink_record_send_total", kl, 3000, 5000), 3000);
	CU_ASSERT_EQUAL(wait_sample(SNK "partition_count", kl, 1, 5000), 1);
	CU_ASSERT_EQUAL(wait_sample(SNK "sink_record_lag_max", kl, 0, 5000), 0);
	/* the file source says how far behind it is: nothing left */
	CU_ASSERT_EQUAL(wait_sample("sluice_file_source_bytes_behind", sl, 0, 5000), 0);

	/* More lines move the counters on. */
	itest_append_lines(in, 3001, 3500, "m1-");
	CU_ASSERT(itest_wait_lines(out, 3500, 30000));
	CU_ASSERT_EQUAL(wait_sample(SRC "source_record_poll_total", sl, 3500, 5000), 3500);
	CU_ASSERT_EQUAL(wait_sample(SNK "sink_record_send_total", kl, 3500, 5000), 3500);

	char *text = sl_metrics_render(env.worker);
	CU_ASSERT_EQUAL(sample(text, WRK "connector_count", "connector=\"aggregate\""), 2);
	CU_ASSERT_EQUAL(sample(text, WRK "task_count", "connector=\"aggregate\""), 2);
	CU_ASSERT_EQUAL(sample(text, WRK "connector_running_task_count", "connector=\"m1-src\""),
			1);
	CU_ASSERT_EQUAL(sample(text, "kafka_connect_connector_metrics",
			       "connector=\"m1-sink\",status=\"running\""),
			1);
	CU_ASSERT_EQUAL(sample(text, "kafka_connect_connector_task_metrics_status",
			       "connector=\"m1-src\",task=\"0\",status=\"running\""),
			1);
	/* poll batches were timed and sized */
	double max_batch = sample(text, "kafka_connect_connector_task_metrics_batch_size_max", sl);
	CU_ASSERT(max_batch >= 1 && max_batch <= 3000);
	CU_ASSERT(sample(text, SRC "poll_batch_max_time_ms", sl) >= 0);
	/* offsets were stored at least once (interval 200 ms), none failed */
	CU_ASSERT_EQUAL(
		sample(text,
		       "kafka_connect_connector_task_metrics_offset_commit_success_percentage", sl),
		1);
	CU_ASSERT_EQUAL(sample(text, SNK "offset_commit_completion_total", kl) >= 1, 1);
	CU_ASSERT(sample(text, "sluice_producer_queue_length", sl) >= 0);
	free(text);

	itest_remove(env.worker, "m1-src");
	itest_remove(env.worker, "m1-sink");
	text = sl_metrics_render(env.worker);
	CU_ASSERT_EQUAL(sample(text, WRK "connector_count", "connector=\"aggregate\""), 0);
	CU_ASSERT_PTR_NULL(strstr(text, "m1-src"));
	free(text);
	free(in);
	free(out);
}

static void test_bad_records_and_dead_letter_queue_are_counted(void)
{
	char *in = itest_path(&env, "m2.in"), *out = itest_path(&env, "m2.out");
	FILE *f = fopen(in, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"good-1\"}\n"
	      "broken 1\n"
	      "broken 2\n"
	      "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"good-2\"}\n",
	      f);
	fclose(f);
	const char *src[] = {"name",        "m2-src", "connector.class",
			     "file-source", "file",   in,
			     "topic",       "m2",     NULL};
	const char *snk[] = {"name",
			     "m2-sink",
			     "connector.class",
			     "file-sink",
			     "topics",
			     "m2",
			     "file",
			     out,
			     "value.converter",
			     "json",
			     "errors.tolerance",
			     "all",
			     "errors.log.enable",
			     "true",
			     "errors.deadletterqueue.topic.name",
			     "m2-dlq",
			     NULL};
	itest_add(env.worker, src);
	itest_add(env.worker, snk);
	CU_ASSERT(itest_wait_lines(out, 2, 30000));
	const char *kl = "connector=\"m2-sink\",task=\"0\"";
	const char *tem = "kafka_connect_task_error_metrics_";
	CU_ASSERT_EQUAL(wait_sample(SNK "sink_record_read_total", kl, 4, 5000), 4);
	char *text = sl_metrics_render(env.worker);
	CU_ASSERT_EQUAL(sample(text, SNK "sink_record_send_total", kl), 2);
	char *name = sl_asprintf("%stotal_record_errors", tem);
	CU_ASSERT_EQUAL(sample(text, name, kl), 2);
	free(name);
	name = sl_asprintf("%stotal_records_skipped", tem);
	CU_ASSERT_EQUAL(sample(text, name, kl), 2);
	free(name);
	name = sl_asprintf("%stotal_errors_logged", tem);
	CU_ASSERT_EQUAL(sample(text, name, kl), 2);
	free(name);
	name = sl_asprintf("%sdeadletterqueue_produce_requests", tem);
	CU_ASSERT_EQUAL(sample(text, name, kl), 2);
	free(name);
	name = sl_asprintf("%sdeadletterqueue_produce_failures", tem);
	CU_ASSERT_EQUAL(sample(text, name, kl), 0);
	free(name);
	name = sl_asprintf("%slast_error_timestamp", tem);
	CU_ASSERT(sample(text, name, kl) > 1.5e12); /* ms since the epoch */
	free(name);
	/* the source saw no bad record */
	name = sl_asprintf("%stotal_record_errors", tem);
	CU_ASSERT_EQUAL(sample(text, name, "connector=\"m2-src\",task=\"0\""), 0);
	free(name);
	free(text);
	itest_remove(env.worker, "m2-src");
	itest_remove(env.worker, "m2-sink");
	free(in);
	free(out);
}

void metrics_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"counters_follow_records_from_file_to_file",
		 test_counters_follow_records_from_file_to_file},
		{"bad_records_and_dead_letter_queue_are_counted",
		 test_bad_records_and_dead_letter_queue_are_counted},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("metrics", suite_init, suite_cleanup, tests);
}
