/* Unit tests of a task's retry loop (transient failures retried with backoff) and
 * of the error policy's tolerance decision, without Kafka. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "runner.h"
#include "task.h"

typedef struct attempts {
	int calls;
	int succeed_on; /* 0: never */
} attempts_t;

static sl_rc_t flaky(sl_task_ctx_t *t, void *arg)
{
	attempts_t *a = arg;
	a->calls++;
	if (a->succeed_on && a->calls >= a->succeed_on)
		return SL_OK;
	sl_task_fail(t, "disk full (attempt %d)", a->calls);
	return SL_RETRY;
}

static sl_task_ctx_t *make_task(sl_connector_settings_t *s)
{
	s->name = "unit";
	s->connector_class = "file-sink";
	sl_task_env_t env = {.settings = s};
	sl_config_t *cfg = sl_config_new();
	sl_task_ctx_t *t = sl_task_new(&env, 3, cfg);
	sl_config_free(cfg);
	return t;
}

static void test_retry_succeeds_once_the_operation_recovers(void)
{
	sl_connector_settings_t s = {.errors_retry_delay_max_ms = 5};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {.succeed_on = 3};
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", flaky, &a), SL_OK);
	CU_ASSERT_EQUAL(a.calls, 3);
	sl_task_stop_and_free(t);
}

/* A full disk or a database restart must not kill the task for good:
 * Kafka Connect retries a RetriableException from poll / put without
 * limit, whatever errors.retry.timeout says (that key is for converter and
 * transform failures). */
static void test_retriable_failure_is_retried_without_limit_by_default(void)
{
	sl_connector_settings_t s = {.errors_retry_delay_max_ms = 5};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {.succeed_on = 12};
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", flaky, &a), SL_OK);
	CU_ASSERT_EQUAL(a.calls, 12);
	CU_ASSERT_STRING_EQUAL(t->fail_reason, "");
	sl_task_stop_and_free(t);
}

/* The backoff grows but stays bounded by errors.retry.delay.max.ms. */
static void test_retry_backoff_is_bounded_by_the_delay_max(void)
{
	sl_connector_settings_t s = {.errors_retry_delay_max_ms = 40};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {.succeed_on = 15};
	int64_t start = sl_now_ms();
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "flush", flaky, &a), SL_OK);
	int64_t took = sl_now_ms() - start;
	CU_ASSERT_EQUAL(a.calls, 15);
	CU_ASSERT(took < 14 * 40 + 1000);
	sl_task_stop_and_free(t);
}

/* SL_FAIL is final: no retry. */
static sl_rc_t broken(sl_task_ctx_t *t, void *arg)
{
	(*(int *)arg)++;
	sl_task_fail(t, "table missing");
	return SL_FAIL;
}

static void test_permanent_failure_is_not_retried(void)
{
	sl_connector_settings_t s = {.errors_retry_delay_max_ms = 5};
	sl_task_ctx_t *t = make_task(&s);
	int calls = 0;
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", broken, &calls), SL_FAIL);
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_STRING_EQUAL(t->fail_reason, "table missing");
	sl_task_stop_and_free(t);
}

static void test_stop_interrupts_a_retry_wait(void)
{
	sl_connector_settings_t s = {.errors_retry_delay_max_ms = 60000};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {0};
	atomic_store(&t->stop, true);
	int64_t start = sl_now_ms();
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", flaky, &a), SL_RETRY);
	CU_ASSERT(sl_now_ms() - start < 1000);
	CU_ASSERT_EQUAL(a.calls, 1);
	sl_task_stop_and_free(t);
}

static void test_tolerance_none_fails_the_task_with_stage_and_reason(void)
{
	sl_connector_settings_t s = {.errors_tolerance = 0};
	sl_task_ctx_t *t = make_task(&s);
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "line %d too long", 7),
			SL_FAIL);
	CU_ASSERT_STRING_EQUAL(
		t->fail_reason,
		"Tolerance exceeded in error handler: stage TASK_POLL: line 7 too long");
	sl_task_stop_and_free(t);
}

static void test_tolerance_all_skips_and_counts(void)
{
	sl_connector_settings_t s = {.errors_tolerance = 1, .errors_log_enable = true};
	sl_task_ctx_t *t = make_task(&s);
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "bad"), SL_OK);
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "bad"), SL_OK);
	CU_ASSERT_EQUAL(t->errors_total, 2);
	CU_ASSERT_STRING_EQUAL(t->fail_reason, "");
	sl_task_stop_and_free(t);
}

static void test_task_tag_names_connector_and_task(void)
{
	sl_connector_settings_t s = {0};
	sl_task_ctx_t *t = make_task(&s);
	CU_ASSERT_STRING_EQUAL(sl_task_tag(t), "unit/3");
	CU_ASSERT_EQUAL(sl_task_get_state(t, NULL), SL_TASK_UNASSIGNED);
	sl_task_set_state(t, SL_TASK_RUNNING, NULL);
	sl_task_set_paused(t, true);
	CU_ASSERT_EQUAL(sl_task_get_state(t, NULL), SL_TASK_PAUSED);
	sl_task_set_paused(t, false);
	CU_ASSERT_EQUAL(sl_task_get_state(t, NULL), SL_TASK_RUNNING);
	sl_task_stop_and_free(t);
}

/* The value of key in the producer a task of plugin gets, with the
 * worker's producer.<set> and the connector's producer.override.<set> as
 * given (NULL: unset). */
static int64_t producer_setting_of(const sl_connector_t *plugin, const char *key, const char *set,
				   const char *worker_value, const char *override_value)
{
	sl_config_t *wcfg = sl_config_new(), *ccfg = sl_config_new();
	char name[128];
	sl_config_set(wcfg, "bootstrap.servers", "127.0.0.1:1", NULL, 0);
	snprintf(name, sizeof(name), "producer.%s", set);
	if (worker_value)
		sl_config_set(wcfg, name, worker_value, NULL, 0);
	snprintf(name, sizeof(name), "producer.override.%s", set);
	if (override_value)
		sl_config_set(ccfg, name, override_value, NULL, 0);
	char err[256] = "", val[64] = "";
	size_t len = sizeof(val);
	sl_kafka_t *k = sl_kafka_new(wcfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	sl_connector_settings_t s = {.name = "unit", .connector_class = (char *)plugin->name};
	sl_task_env_t env = {
		.settings = &s, .kafka = k, .plugin = plugin, .connector_config = ccfg};
	sl_task_ctx_t *t = sl_task_new(&env, 0, ccfg);
	rd_kafka_conf_t *conf = sl_task_client_conf(t, SL_CLIENT_PRODUCER, "producer");
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_EQUAL(rd_kafka_conf_get(conf, key, val, &len), RD_KAFKA_CONF_OK);
	rd_kafka_conf_destroy(conf);
	sl_task_stop_and_free(t);
	sl_kafka_free(k);
	sl_config_free(wcfg);
	sl_config_free(ccfg);
	return !strcmp(val, "true") ? 1 : !strcmp(val, "false") ? 0 : strtoll(val, NULL, 10);
}

/* The same with the worker's and the connector's own linger.ms. */
static int64_t producer_setting(const sl_connector_t *plugin, const char *key,
				const char *worker_linger, const char *override_linger)
{
	return producer_setting_of(plugin, key, "linger.ms", worker_linger, override_linger);
}

/* A task's producer leaves librdkafka's statistics off (the broker round
 * trip gauge comes from an interceptor): they would time every message.
 * A config that asks for them gets them. */
static void test_task_statistics_stay_off_unless_asked_for(void)
{
	static const sl_connector_t plain = {.name = "plain", .kind = SL_SOURCE};
	const char *k = "statistics.interval.ms";
	CU_ASSERT_EQUAL(producer_setting_of(&plain, k, k, NULL, NULL), 0);
	CU_ASSERT_EQUAL(producer_setting_of(&plain, k, k, "500", NULL), 500);
	CU_ASSERT_EQUAL(producer_setting_of(&plain, k, k, "0", "700"), 700);
}

static int64_t producer_linger(const sl_connector_t *plugin, const char *worker_linger,
			       const char *override_linger)
{
	return producer_setting(plugin, "linger.ms", worker_linger, override_linger);
}

/* A source task's producer is Kafka Connect's: not idempotent (librdkafka's
 * idempotent producer busy-polls while a batch waits for the one in
 * flight), one request in flight so that a retry keeps the order. */
static void test_source_producer_keeps_one_request_in_flight(void)
{
	static const sl_connector_t plain = {.name = "plain", .kind = SL_SOURCE};
	CU_ASSERT_EQUAL(producer_setting(&plain, "enable.idempotence", NULL, NULL), 0);
	CU_ASSERT_EQUAL(
		producer_setting(&plain, "max.in.flight.requests.per.connection", NULL, NULL), 1);
	CU_ASSERT_EQUAL(producer_setting(&plain, "acks", NULL, NULL), -1);
}

/* Transactions need the idempotent producer, which sluice's defaults turn
 * off: a producer with a transactional.id gets it back wherever it is
 * made (an exactly-once task's, the leader's fencing one). */
static void test_transactional_producer_is_idempotent(void)
{
	sl_config_t *wcfg = sl_config_new();
	sl_config_set(wcfg, "bootstrap.servers", "127.0.0.1:1", NULL, 0);
	char err[512] = "";
	sl_kafka_t *k = sl_kafka_new(wcfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	rd_kafka_conf_t *conf =
		sl_kafka_conf(k, SL_CLIENT_PRODUCER, NULL, NULL, "unit-txn", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_EQUAL(rd_kafka_conf_set(conf, "transactional.id", "unit-txn-0", err, sizeof(err)),
			RD_KAFKA_CONF_OK);
	/* librdkafka's own rule for transactions */
	CU_ASSERT_EQUAL(rd_kafka_conf_set(conf, "message.timeout.ms", "60000", err, sizeof(err)),
			RD_KAFKA_CONF_OK);
	rd_kafka_t *rk = sl_kafka_client_new(SL_CLIENT_PRODUCER, conf, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(rk);
	if (!rk)
		fprintf(stderr, "transactional producer refused: %s\n", err);
	if (rk)
		rd_kafka_destroy(rk);
	sl_kafka_free(k);
	sl_config_free(wcfg);
}

/* A connector's producer defaults sit over sluice's and under what the
 * user set: the worker file's producer.* and the connector's overrides. */
static void test_connector_producer_defaults_yield_to_user_keys(void)
{
	static const char *const quick[] = {"linger.ms", "0", NULL};
	static const sl_connector_t plain = {.name = "plain", .kind = SL_SOURCE};
	static const sl_connector_t eager = {
		.name = "eager", .kind = SL_SOURCE, .producer_defaults = quick};
	CU_ASSERT_EQUAL(producer_linger(&plain, NULL, NULL), 5);
	CU_ASSERT_EQUAL(producer_linger(&eager, NULL, NULL), 0);
	CU_ASSERT_EQUAL(producer_linger(&eager, "20", NULL), 20);
	CU_ASSERT_EQUAL(producer_linger(&eager, "20", "2"), 2);
}

void task_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"retry_succeeds_once_the_operation_recovers",
		 test_retry_succeeds_once_the_operation_recovers},
		{"retriable_failure_is_retried_without_limit_by_default",
		 test_retriable_failure_is_retried_without_limit_by_default},
		{"retry_backoff_is_bounded_by_the_delay_max",
		 test_retry_backoff_is_bounded_by_the_delay_max},
		{"permanent_failure_is_not_retried", test_permanent_failure_is_not_retried},
		{"stop_interrupts_a_retry_wait", test_stop_interrupts_a_retry_wait},
		{"tolerance_none_fails_the_task_with_stage_and_reason",
		 test_tolerance_none_fails_the_task_with_stage_and_reason},
		{"tolerance_all_skips_and_counts", test_tolerance_all_skips_and_counts},
		{"task_tag_names_connector_and_task", test_task_tag_names_connector_and_task},
		{"source_producer_keeps_one_request_in_flight",
		 test_source_producer_keeps_one_request_in_flight},
		{"task_statistics_stay_off_unless_asked_for",
		 test_task_statistics_stay_off_unless_asked_for},
		{"transactional_producer_is_idempotent", test_transactional_producer_is_idempotent},
		{"connector_producer_defaults_yield_to_user_keys",
		 test_connector_producer_defaults_yield_to_user_keys},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("task", NULL, NULL, tests);
}
