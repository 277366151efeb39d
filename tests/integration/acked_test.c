/* Integration tests of acked(): a source record that carried ack_data gets
 * exactly one outcome (delivered, skipped by the error policy, failed
 * delivery, dropped at stop), before the task's stop. The connector is
 * defined here and registered with sl_plugins_register_extra; the worker
 * runs on a mock cluster of the test's own, so the test can make a
 * partition leaderless or Kafka refuse a produce request. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "itest.h"
#include "sluice/connector.h"
#include "task.h"

#define MAX_RECORDS 64

static char *dir;
static rd_kafka_mock_cluster_t *mock;
static sl_worker_t *worker;
static itest_env_t env;

/* What the test connector emits and what became of it. acked() runs on
 * the task thread, the test reads on its own: guarded by lock. */
static struct {
	pthread_mutex_t lock;
	const char *topic;
	int count;      /* records to emit, ids 1 .. count, in one poll */
	int json_every; /* ids divisible by it get a structured value */
	bool emitted;
	bool stopped;
	int outcomes[MAX_RECORDS + 1][4]; /* [id][sl_delivery_t] */
	int after_stop;                   /* acked() calls after stop() */
} at = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void at_reset(const char *topic, int count, int json_every)
{
	pthread_mutex_lock(&at.lock);
	at.topic = topic;
	at.count = count;
	at.json_every = json_every;
	at.emitted = at.stopped = false;
	memset(at.outcomes, 0, sizeof(at.outcomes));
	at.after_stop = 0;
	pthread_mutex_unlock(&at.lock);
}

/* The records' source partition, kept from start to stop (records borrow
 * it). */
static sl_rc_t at_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	pthread_mutex_lock(&at.lock);
	sl_task_set_data(ctx, json_pack("{s:s}", "test", at.topic));
	pthread_mutex_unlock(&at.lock);
	return SL_OK;
}

static sl_rc_t at_poll(sl_task_ctx_t *ctx, sl_batch_t *batch)
{
	pthread_mutex_lock(&at.lock);
	bool emit = !at.emitted;
	at.emitted = true;
	pthread_mutex_unlock(&at.lock);
	if (!emit) {
		sl_task_wait(ctx, 100);
		return SL_OK;
	}
	json_t *partition = sl_task_data(ctx);
	for (int i = 1; i <= at.count; i++) {
		sl_record_t *r = sl_batch_add(batch);
		sl_record_set_topic(r, at.topic);
		r->partition = 0;
		if (at.json_every && i % at.json_every == 0)
			sl_value_set_json(&r->value, json_pack("{s:i}", "id", i), NULL);
		else
			sl_value_set_bytes(&r->value, "v", 1);
		r->source_partition = partition;
		r->source_offset = json_pack("{s:i}", "i", i);
		r->ack_data = (void *)(intptr_t)i;
	}
	return SL_OK;
}

static void at_acked(sl_task_ctx_t *ctx, void *ack_data, sl_delivery_t result)
{
	intptr_t id = (intptr_t)ack_data;
	pthread_mutex_lock(&at.lock);
	if (at.stopped)
		at.after_stop++;
	if (id >= 1 && id <= MAX_RECORDS && result >= SL_DELIVERED && result <= SL_DROPPED)
		at.outcomes[id][result]++;
	pthread_mutex_unlock(&at.lock);
}

static void at_stop(sl_task_ctx_t *ctx)
{
	pthread_mutex_lock(&at.lock);
	at.stopped = true;
	pthread_mutex_unlock(&at.lock);
	json_decref(sl_task_data(ctx));
	sl_task_set_data(ctx, NULL);
}

static const sl_source_ops_t at_ops = {
	.start = at_start,
	.poll = at_poll,
	.acked = at_acked,
	.stop = at_stop,
};

static const sl_option_t at_options[] = {SL_OPT_END};

static const sl_connector_t acked_test_connector = {
	.name = "acked-test-source",
	.kind = SL_SOURCE,
	.doc = "Emits numbered records with ack_data and counts their outcomes.",
	.options = at_options,
	.source = &at_ops,
};

/* How many acked() calls arrived for result (all results when -1). */
static int outcome_total(int result)
{
	int n = 0;
	pthread_mutex_lock(&at.lock);
	for (int id = 1; id <= MAX_RECORDS; id++)
		for (int r = SL_DELIVERED; r <= SL_DROPPED; r++)
			if (result < 0 || r == result)
				n += at.outcomes[id][r];
	pthread_mutex_unlock(&at.lock);
	return n;
}

static bool wait_outcomes(int n, int timeout_ms)
{
	int64_t end = sl_now_ms() + timeout_ms;
	while (outcome_total(-1) < n && sl_now_ms() < end)
		sl_sleep_ms(50);
	return outcome_total(-1) >= n;
}

/* Every id 1 .. count got exactly one outcome, expected[id] when that is
 * not -1; nothing arrived after stop. */
static void assert_each_once(const int *expected)
{
	pthread_mutex_lock(&at.lock);
	for (int id = 1; id <= at.count; id++) {
		int calls = 0, got = -1;
		for (int r = SL_DELIVERED; r <= SL_DROPPED; r++) {
			calls += at.outcomes[id][r];
			if (at.outcomes[id][r])
				got = r;
		}
		if (calls != 1 || (expected && expected[id] >= 0 && got != expected[id]))
			fprintf(stderr, "record %d: %d outcome(s), last %d, expected %d\n", id,
				calls, got, expected ? expected[id] : -1);
		CU_ASSERT_EQUAL(calls, 1);
		if (expected && expected[id] >= 0)
			CU_ASSERT_EQUAL(got, expected[id]);
	}
	CU_ASSERT_EQUAL(at.after_stop, 0);
	CU_ASSERT(at.stopped);
	pthread_mutex_unlock(&at.lock);
}

static int suite_init(void)
{
	sl_plugins_register_extra(&acked_test_connector);
	static const char *const extra[] = {"offset.flush.timeout.ms",
					    "1000",
					    "value.converter",
					    "bytes",
					    "log.level",
					    "error",
					    NULL};
	int rc = itest_env_open(&env, true, extra);
	dir = env.dir;
	worker = env.worker;
	mock = env.mock;
	return rc;
}

static int suite_cleanup(void)
{
	return itest_env_close(&env);
}

/* Every third record has a structured value, which the bytes converter
 * refuses: with errors.tolerance=all it is skipped, the others delivered. */
static void test_delivered_and_skipped_records_are_each_acked_once(void)
{
	int expected[MAX_RECORDS + 1];
	at_reset("acked-ok", 12, 3);
	for (int id = 1; id <= 12; id++)
		expected[id] = id % 3 == 0 ? SL_SKIPPED : SL_DELIVERED;
	rd_kafka_mock_topic_create(mock, "acked-ok", 1, 1);
	const char *kv[] = {
		"name", "acked-ok", "connector.class", "acked-test-source", "errors.tolerance",
		"all",  NULL};
	itest_add(worker, kv);
	CU_ASSERT(wait_outcomes(12, 20000));
	sl_sleep_ms(300); /* a second outcome would show by now */
	itest_remove(worker, "acked-ok");
	CU_ASSERT_EQUAL(outcome_total(SL_DELIVERED), 8);
	CU_ASSERT_EQUAL(outcome_total(SL_SKIPPED), 4);
	assert_each_once(expected);
}

/* A partition without a leader takes nothing: at stop, after
 * offset.flush.timeout.ms, the producer is purged and every record is
 * dropped, once. */
static void test_records_not_delivered_at_stop_are_dropped_once(void)
{
	int expected[MAX_RECORDS + 1];
	at_reset("acked-down", 10, 0);
	for (int id = 1; id <= 10; id++)
		expected[id] = SL_DROPPED;
	rd_kafka_mock_topic_create(mock, "acked-down", 1, 1);
	rd_kafka_mock_partition_set_leader(mock, "acked-down", 0, -1);
	const char *kv[] = {"name", "acked-down", "connector.class", "acked-test-source", NULL};
	itest_add(worker, kv);
	CU_ASSERT(itest_wait_state(worker, "acked-down", "RUNNING", 10000));
	sl_sleep_ms(1000); /* the records are polled and queued */
	CU_ASSERT_EQUAL(outcome_total(-1), 0);
	itest_remove(worker, "acked-down");
	rd_kafka_mock_partition_set_leader(mock, "acked-down", 0, 1);
	assert_each_once(expected);
}

/* Kafka refuses the produce request for good: the records in it fail, the
 * task fails, and whatever was not in that request is dropped; still one
 * outcome per record. */
static void test_refused_records_fail_and_the_rest_are_dropped_once(void)
{
	at_reset("acked-refused", 10, 0);
	rd_kafka_mock_topic_create(mock, "acked-refused", 1, 1);
	rd_kafka_mock_push_request_errors(mock, 0 /* Produce */, 1,
					  RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
	const char *kv[] = {"name", "acked-refused", "connector.class", "acked-test-source", NULL};
	itest_add(worker, kv);
	CU_ASSERT(itest_wait_state(worker, "acked-refused", "FAILED", 20000));
	CU_ASSERT(outcome_total(SL_FAILED) >= 1);
	itest_remove(worker, "acked-refused");
	CU_ASSERT_EQUAL(outcome_total(SL_DELIVERED), 0);
	CU_ASSERT_EQUAL(outcome_total(SL_FAILED) + outcome_total(SL_DROPPED), 10);
	assert_each_once(NULL);
}

void acked_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"delivered_and_skipped_records_are_each_acked_once",
		 test_delivered_and_skipped_records_are_each_acked_once},
		{"records_not_delivered_at_stop_are_dropped_once",
		 test_records_not_delivered_at_stop_are_dropped_once},
		{"refused_records_fail_and_the_rest_are_dropped_once",
		 test_refused_records_fail_and_the_rest_are_dropped_once},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("acked", suite_init, suite_cleanup, tests);
}
