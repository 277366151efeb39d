/* Unit tests of the metrics: the Prometheus text (names as the JMX exporter
 * gives Kafka Connect's, HELP and TYPE once per family, labels escaped,
 * values), the windowed statistics, the connector-facing gauges and
 * histograms, and the error policy's counters; tasks without Kafka. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "runner.h"
#include "task.h"

static const sl_connector_t fake_source = {.name = "file-source", .kind = SL_SOURCE};
static const sl_connector_t fake_sink = {.name = "file-sink", .kind = SL_SINK};

/* The tasks a test renders: what sl_worker_each_task would walk. */
typedef struct fake_task {
	const char *connector;
	const sl_connector_t *plugin;
	const char *state; /* the connector's */
	int id;
	sl_task_ctx_t *t; /* NULL: a connector without tasks */
} fake_task_t;

typedef struct fake_worker {
	fake_task_t tasks[8];
	sl_connector_settings_t settings[8];
	size_t count;
} fake_worker_t;

static void fake_walk(void *src, sl_metrics_task_fn fn, void *arg)
{
	fake_worker_t *w = src;
	for (size_t i = 0; i < w->count; i++)
		fn(arg, w->tasks[i].connector, w->tasks[i].plugin, w->tasks[i].state,
		   w->tasks[i].t ? w->tasks[i].id : -1, w->tasks[i].t);
}

static sl_task_ctx_t *fake_add(fake_worker_t *w, const char *connector,
			       const sl_connector_t *plugin, int id, bool with_task)
{
	sl_connector_settings_t *s = &w->settings[w->count];
	s->name = (char *)connector;
	s->connector_class = (char *)plugin->name;
	s->errors_tolerance = 1;
	s->errors_log_enable = true;
	sl_task_env_t env = {.settings = s, .plugin = plugin};
	sl_config_t *cfg = sl_config_new();
	sl_task_ctx_t *t = with_task ? sl_task_new(&env, id, cfg) : NULL;
	sl_config_free(cfg);
	w->tasks[w->count++] = (fake_task_t){connector, plugin, "RUNNING", id, t};
	return t;
}

static void fake_free(fake_worker_t *w)
{
	for (size_t i = 0; i < w->count; i++)
		sl_task_stop_and_free(w->tasks[i].t);
}

static char *render(fake_worker_t *w)
{
	return sl_metrics_render_walk(fake_walk, w);
}

static void test_source_counters_render_with_kafka_connect_names(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *t = fake_add(&w, "src", &fake_source, 0, true);
	atomic_store(&t->metrics.poll_total, 7);
	atomic_store(&t->metrics.write_total, 5);
	atomic_store(&t->metrics.active, 2);
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text,
			   "# HELP kafka_connect_source_task_metrics_source_record_poll_total ");
	SL_ASSERT_CONTAINS(text,
			   "\n# TYPE kafka_connect_source_task_metrics_source_record_poll_total "
			   "counter\n"
			   "kafka_connect_source_task_metrics_source_record_poll_total{"
			   "connector=\"src\",task=\"0\"} 7\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_source_task_metrics_source_record_write_total{"
				 "connector=\"src\",task=\"0\"} 5\n");
	SL_ASSERT_CONTAINS(text,
			   "# TYPE kafka_connect_source_task_metrics_source_record_active_count "
			   "gauge\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_source_task_metrics_source_record_active_count{"
				 "connector=\"src\",task=\"0\"} 2\n");
	/* no sink task, so no sink family at all */
	CU_ASSERT_PTR_NULL(strstr(text, "sink_record_read_total"));
	/* no poll yet: Kafka's windowed average has no value */
	SL_ASSERT_CONTAINS(text, "kafka_connect_source_task_metrics_poll_batch_avg_time_ms{"
				 "connector=\"src\",task=\"0\"} NaN\n");
	free(text);
	fake_free(&w);
}

static void test_sink_counters_and_lag_render(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *t = fake_add(&w, "snk", &fake_sink, 1, true);
	atomic_store(&t->metrics.read_total, 12);
	atomic_store(&t->metrics.send_total, 10);
	atomic_store(&t->metrics.lag_max, 4000);
	atomic_store(&t->metrics.partition_count, 3);
	sl_task_metrics_batch(&t->metrics, 10, 4);
	sl_task_metrics_batch(&t->metrics, 2, 8);
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text, "kafka_connect_sink_task_metrics_sink_record_read_total{"
				 "connector=\"snk\",task=\"1\"} 12\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_sink_task_metrics_sink_record_send_total{"
				 "connector=\"snk\",task=\"1\"} 10\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_sink_task_metrics_sink_record_lag_max{"
				 "connector=\"snk\",task=\"1\"} 4000\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_sink_task_metrics_partition_count{"
				 "connector=\"snk\",task=\"1\"} 3\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_sink_task_metrics_put_batch_avg_time_ms{"
				 "connector=\"snk\",task=\"1\"} 6\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_sink_task_metrics_put_batch_max_time_ms{"
				 "connector=\"snk\",task=\"1\"} 8\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_task_metrics_batch_size_max{"
				 "connector=\"snk\",task=\"1\"} 10\n");
	CU_ASSERT_PTR_NULL(strstr(text, "source_record_poll_total"));
	free(text);
	fake_free(&w);
}

/* Connector names are user input: a quote, a backslash or a newline must
 * not end the label value or the line. */
static void test_label_values_are_escaped(void)
{
	fake_worker_t w = {0};
	fake_add(&w, "a\"b\\c\nd", &fake_source, 0, true);
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text,
			   "source_record_poll_total{connector=\"a\\\"b\\\\c\\nd\",task=\"0\"} "
			   "0\n");
	/* every line is a comment or a sample of a metric: none starts inside
	 * a label value */
	for (char *line = text; *line; line = strchr(line, '\n') + 1) {
		CU_ASSERT(line[0] == '#' || !strncmp(line, "kafka_connect_", 14) ||
			  !strncmp(line, "sluice_", 7));
		if (!strchr(line, '\n'))
			break;
	}
	free(text);
	fake_free(&w);
}

/* The name of the sample on line (up to '{' or ' '). */
static size_t sample_name_len(const char *line)
{
	return strcspn(line, "{ ");
}

/* Every sample follows the # HELP and # TYPE of its family (a histogram's
 * _bucket, _sum and _count included), and no family is declared twice. */
static void test_every_family_has_one_help_and_type_before_its_samples(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *a = fake_add(&w, "src", &fake_source, 0, true);
	sl_task_ctx_t *b = fake_add(&w, "snk", &fake_sink, 0, true);
	fake_add(&w, "snk", &fake_sink, 1, true);
	fake_add(&w, "broken", &fake_sink, 0, false);
	sl_task_metric_set(a, "file_bytes_behind", "bytes", 3);
	sl_task_metric_observe(b, "http_request_duration_seconds", "latency", 0.2);
	char *text = render(&w);
	char family[256] = "", type[32] = "";
	char *declared = sl_strdup("\n");
	int samples = 0;
	for (char *line = text; *line;) {
		char *end = strchr(line, '\n');
		CU_ASSERT_PTR_NOT_NULL_FATAL(end);
		*end = '\0';
		if (!strncmp(line, "# HELP ", 7)) {
			size_t n = strcspn(line + 7, " ");
			snprintf(family, sizeof(family), "%.*s", (int)n, line + 7);
			char *key = sl_asprintf("\n%s\n", family);
			if (strstr(declared, key))
				fprintf(stderr, "\n    %s declared twice\n", family);
			CU_ASSERT_PTR_NULL(strstr(declared, key));
			char *more = sl_asprintf("%s%s\n", declared, family);
			free(declared);
			declared = more;
			free(key);
			type[0] = '\0';
		} else if (!strncmp(line, "# TYPE ", 7)) {
			size_t n = strlen(family);
			CU_ASSERT(!strncmp(line + 7, family, n) && line[7 + n] == ' ');
			snprintf(type, sizeof(type), "%s", line + 8 + n);
			CU_ASSERT(!strcmp(type, "counter") || !strcmp(type, "gauge") ||
				  !strcmp(type, "histogram"));
		} else {
			samples++;
			size_t n = sample_name_len(line), f = strlen(family);
			bool same = n == f && !strncmp(line, family, f);
			bool part = !strcmp(type, "histogram") && n > f &&
				    !strncmp(line, family, f) &&
				    (!strncmp(line + f, "_bucket", n - f) ||
				     !strncmp(line + f, "_sum", n - f) ||
				     !strncmp(line + f, "_count", n - f));
			if (!same && !part)
				fprintf(stderr, "\n    sample '%s' outside family '%s'\n", line,
					family);
			CU_ASSERT(same || part);
			CU_ASSERT(type[0] != '\0');
		}
		line = end + 1;
	}
	CU_ASSERT(samples > 50);
	free(declared);
	free(text);
	fake_free(&w);
}

static void test_worker_counts_tasks_by_state_per_connector(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *a = fake_add(&w, "two", &fake_source, 0, true);
	sl_task_ctx_t *b = fake_add(&w, "two", &fake_source, 1, true);
	fake_add(&w, "none", &fake_sink, 0, false);
	w.tasks[2].state = "FAILED";
	sl_task_set_state(a, SL_TASK_RUNNING, NULL);
	sl_task_set_state(b, SL_TASK_FAILED, "boom");
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text, "kafka_connect_connect_worker_metrics_connector_count{"
				 "connector=\"aggregate\"} 2\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connect_worker_metrics_task_count{"
				 "connector=\"aggregate\"} 2\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connect_worker_metrics_connector_total_task_count{"
				 "connector=\"two\"} 2\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connect_worker_metrics_connector_running_task_"
				 "count{connector=\"two\"} 1\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connect_worker_metrics_connector_failed_task_count{"
				 "connector=\"two\"} 1\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connect_worker_metrics_connector_total_task_count{"
				 "connector=\"none\"} 0\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_metrics{connector=\"two\",status="
				 "\"running\"} 1\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_metrics{connector=\"none\",status="
				 "\"failed\"} 1\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_metrics{connector=\"none\","
				 "connector_type=\"sink\"} 1\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_metrics{connector=\"two\","
				 "connector_class=\"file-source\"} 1\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_task_metrics_status{connector=\"two\","
				 "task=\"1\",status=\"failed\"} 1\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_task_metrics_status{connector=\"two\","
				 "task=\"0\",status=\"running\"} 1\n");
	/* one connector_metrics block per connector, not per task */
	const char *p = text;
	int n = 0;
	while ((p = strstr(p, "kafka_connect_connector_metrics{connector=\"two\",status="))) {
		n++;
		p++;
	}
	CU_ASSERT_EQUAL(n, 1);
	free(text);
	fake_free(&w);
}

static void test_empty_worker_renders_zero_counts(void)
{
	fake_worker_t w = {0};
	char *text = render(&w);
	/* the worker's counts, then only the process' start counters */
	const char *startups = strstr(text, "# HELP kafka_connect_connect_worker_metrics_connector_"
					    "startup_attempts_total");
	CU_ASSERT_PTR_NOT_NULL_FATAL(startups);
	CU_ASSERT_PTR_NULL(strstr(startups, "task_metrics"));
	SL_ASSERT_CONTAINS(startups, "# TYPE kafka_connect_connect_worker_metrics_task_startup_"
				     "failure_total counter\n");
	text[startups - text] = '\0';
	SL_ASSERT_TEXT(text, "# HELP kafka_connect_connect_worker_metrics_connector_count "
			     "Connectors on this worker.\n"
			     "# TYPE kafka_connect_connect_worker_metrics_connector_count gauge\n"
			     "kafka_connect_connect_worker_metrics_connector_count{"
			     "connector=\"aggregate\"} 0\n"
			     "# HELP kafka_connect_connect_worker_metrics_task_count Tasks on this "
			     "worker.\n"
			     "# TYPE kafka_connect_connect_worker_metrics_task_count gauge\n"
			     "kafka_connect_connect_worker_metrics_task_count{"
			     "connector=\"aggregate\"} 0\n");
	free(text);
}

static void test_connector_gauge_and_histogram(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *t = fake_add(&w, "h", &fake_sink, 0, true);
	sl_task_metric_set(t, "postgres_slot_lag_bytes", "WAL bytes\nbehind", 10);
	sl_task_metric_set(t, "postgres_slot_lag_bytes", "ignored", 1234);
	sl_task_metric_observe(t, "http_request_duration_seconds", "latency", 0.003);
	sl_task_metric_observe(t, "http_request_duration_seconds", "latency", 0.003);
	sl_task_metric_observe(t, "http_request_duration_seconds", "latency", 0.7);
	sl_task_metric_observe(t, "http_request_duration_seconds", "latency", 60);
	/* a gauge name used as a histogram is ignored */
	sl_task_metric_observe(t, "postgres_slot_lag_bytes", NULL, 1);
	sl_task_metric_set(t, "bad name-1", NULL, 2);
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text,
			   "# HELP sluice_postgres_slot_lag_bytes WAL bytes\\nbehind\n"
			   "# TYPE sluice_postgres_slot_lag_bytes gauge\n"
			   "sluice_postgres_slot_lag_bytes{connector=\"h\",task=\"0\"} 1234\n");
	SL_ASSERT_CONTAINS(text, "# TYPE sluice_http_request_duration_seconds histogram\n");
	SL_ASSERT_CONTAINS(text, "sluice_http_request_duration_seconds_bucket{connector=\"h\","
				 "task=\"0\",le=\"0.0025\"} 0\n"
				 "sluice_http_request_duration_seconds_bucket{connector=\"h\","
				 "task=\"0\",le=\"0.005\"} 2\n");
	SL_ASSERT_CONTAINS(text, "sluice_http_request_duration_seconds_bucket{connector=\"h\","
				 "task=\"0\",le=\"0.5\"} 2\n"
				 "sluice_http_request_duration_seconds_bucket{connector=\"h\","
				 "task=\"0\",le=\"1\"} 3\n");
	SL_ASSERT_CONTAINS(text, "sluice_http_request_duration_seconds_bucket{connector=\"h\","
				 "task=\"0\",le=\"10\"} 3\n"
				 "sluice_http_request_duration_seconds_bucket{connector=\"h\","
				 "task=\"0\",le=\"+Inf\"} 4\n"
				 "sluice_http_request_duration_seconds_sum{connector=\"h\","
				 "task=\"0\"} 60.706\n"
				 "sluice_http_request_duration_seconds_count{connector=\"h\","
				 "task=\"0\"} 4\n");
	SL_ASSERT_CONTAINS(text, "sluice_bad_name_1{connector=\"h\",task=\"0\"} 2\n");
	free(text);
	fake_free(&w);
}

static void test_windowed_stat_averages_and_forgets_old_samples(void)
{
	sl_stat_t s = {0};
	CU_ASSERT(isnan(sl_stat_avg(&s, 1000)));
	CU_ASSERT(isnan(sl_stat_max(&s, 1000)));
	sl_stat_record(&s, 10, 1000);
	sl_stat_record(&s, 30, 2000);
	CU_ASSERT_DOUBLE_EQUAL(sl_stat_avg(&s, 2000), 20, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sl_stat_max(&s, 2000), 30, 1e-9);
	/* a second window: both samples count */
	sl_stat_record(&s, 2, 1000 + SL_STAT_WINDOW_MS);
	CU_ASSERT_DOUBLE_EQUAL(sl_stat_avg(&s, 1000 + SL_STAT_WINDOW_MS), 14, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sl_stat_max(&s, 1000 + SL_STAT_WINDOW_MS), 30, 1e-9);
	/* a third: the first is gone */
	sl_stat_record(&s, 4, 1000 + 2 * SL_STAT_WINDOW_MS);
	CU_ASSERT_DOUBLE_EQUAL(sl_stat_avg(&s, 1000 + 2 * SL_STAT_WINDOW_MS), 3, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sl_stat_max(&s, 1000 + 2 * SL_STAT_WINDOW_MS), 4, 1e-9);
	/* long quiet: nothing left */
	CU_ASSERT(isnan(sl_stat_avg(&s, 1000 + 10 * SL_STAT_WINDOW_MS)));
}

/* Whether the rendered metrics show task r/0's round trip gauge of client
 * ("producer" or "consumer") at value. */
static void assert_rtt(fake_worker_t *w, const char *client, const char *value)
{
	char line[160];
	snprintf(line, sizeof(line),
		 "sluice_kafka_%s_broker_rtt_seconds{connector=\"r\",task=\"0\"} %s\n", client,
		 value);
	char *text = render(w);
	SL_ASSERT_CONTAINS(text, line);
	free(text);
}

/* The gauge of a client's round trips: per broker the average over
 * Kafka's window, and the slowest broker's shown; producer and consumer
 * apart; a broker silent for the whole window drops out of it. */
static void test_round_trip_gauge_is_the_slowest_brokers_average(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *t = fake_add(&w, "r", &fake_source, 0, true);
	sl_task_metrics_round_trip(&t->metrics, false, 1, 0.002, 1000);
	sl_task_metrics_round_trip(&t->metrics, false, 1, 0.006, 1100);
	sl_task_metrics_round_trip(&t->metrics, false, 2, 0.001, 1200);
	sl_task_metrics_round_trip(&t->metrics, true, 2, 0.5, 1300);
	assert_rtt(&w, "producer", "0.004");
	assert_rtt(&w, "consumer", "0.5");
	/* two windows on, broker 1 is forgotten: broker 2 is the slowest */
	sl_task_metrics_round_trip(&t->metrics, false, 2, 0.003, 1200 + 2 * SL_STAT_WINDOW_MS);
	assert_rtt(&w, "producer", "0.003");
	/* more brokers than places: one silent for the window gives its own up */
	for (int b = 10; b < 10 + SL_RTT_BROKERS + 4; b++)
		sl_task_metrics_round_trip(&t->metrics, false, b, 0.0001,
					   1300 + 2 * SL_STAT_WINDOW_MS);
	CU_ASSERT_EQUAL(t->metrics.rtt_count[0], SL_RTT_BROKERS);
	sl_task_metrics_round_trip(&t->metrics, false, 99, 0.009, 1000 + 5 * SL_STAT_WINDOW_MS);
	assert_rtt(&w, "producer", "0.009");
	fake_free(&w);
}

static void test_offset_commit_percentages(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *t = fake_add(&w, "c", &fake_source, 0, true);
	sl_task_metrics_commit(&t->metrics, true, 4);
	sl_task_metrics_commit(&t->metrics, true, 8);
	sl_task_metrics_commit(&t->metrics, true, 6);
	sl_task_metrics_commit(&t->metrics, false, 100);
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_task_metrics_offset_commit_success_"
				 "percentage{connector=\"c\",task=\"0\"} 0.75\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_task_metrics_offset_commit_failure_"
				 "percentage{connector=\"c\",task=\"0\"} 0.25\n");
	/* the failed commit's time is not counted */
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_task_metrics_offset_commit_avg_time_ms{"
				 "connector=\"c\",task=\"0\"} 6\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_connector_task_metrics_offset_commit_max_time_ms{"
				 "connector=\"c\",task=\"0\"} 8\n");
	free(text);
	fake_free(&w);
}

/* The error policy counts what Kafka Connect's task-error-metrics count. */
static void test_error_policy_counts_errors_skips_and_logs(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *t = fake_add(&w, "e", &fake_source, 0, true);
	int64_t before = sl_wallclock_ms();
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "bad 1"), SL_OK);
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "bad 2"), SL_OK);
	w.settings[0].errors_tolerance = 0;
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "bad 3"), SL_FAIL);
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text, "kafka_connect_task_error_metrics_total_record_errors{"
				 "connector=\"e\",task=\"0\"} 3\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_task_error_metrics_total_record_failures{"
				 "connector=\"e\",task=\"0\"} 3\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_task_error_metrics_total_records_skipped{"
				 "connector=\"e\",task=\"0\"} 2\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_task_error_metrics_total_errors_logged{"
				 "connector=\"e\",task=\"0\"} 2\n");
	SL_ASSERT_CONTAINS(text, "kafka_connect_task_error_metrics_deadletterqueue_produce_"
				 "requests{connector=\"e\",task=\"0\"} 0\n");
	CU_ASSERT(atomic_load(&t->metrics.last_error_ms) >= before);
	free(text);
	fake_free(&w);
}

static sl_rc_t fails_twice(sl_task_ctx_t *t, void *arg)
{
	int *calls = arg;
	return ++*calls < 3 ? SL_RETRY : SL_OK;
}

static void test_retries_are_counted(void)
{
	fake_worker_t w = {0};
	sl_task_ctx_t *t = fake_add(&w, "r", &fake_sink, 0, true);
	w.settings[0].errors_retry_delay_max_ms = 1;
	int calls = 0;
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", fails_twice, &calls), SL_OK);
	char *text = render(&w);
	SL_ASSERT_CONTAINS(text, "kafka_connect_task_error_metrics_total_retries{"
				 "connector=\"r\",task=\"0\"} 2\n");
	free(text);
	fake_free(&w);
}

void metrics_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"source_counters_render_with_kafka_connect_names",
		 test_source_counters_render_with_kafka_connect_names},
		{"sink_counters_and_lag_render", test_sink_counters_and_lag_render},
		{"label_values_are_escaped", test_label_values_are_escaped},
		{"every_family_has_one_help_and_type_before_its_samples",
		 test_every_family_has_one_help_and_type_before_its_samples},
		{"worker_counts_tasks_by_state_per_connector",
		 test_worker_counts_tasks_by_state_per_connector},
		{"empty_worker_renders_zero_counts", test_empty_worker_renders_zero_counts},
		{"connector_gauge_and_histogram", test_connector_gauge_and_histogram},
		{"windowed_stat_averages_and_forgets_old_samples",
		 test_windowed_stat_averages_and_forgets_old_samples},
		{"round_trip_gauge_is_the_slowest_brokers_average",
		 test_round_trip_gauge_is_the_slowest_brokers_average},
		{"offset_commit_percentages", test_offset_commit_percentages},
		{"error_policy_counts_errors_skips_and_logs",
		 test_error_policy_counts_errors_skips_and_logs},
		{"retries_are_counted", test_retries_are_counted},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("metrics", NULL, NULL, tests);
}
