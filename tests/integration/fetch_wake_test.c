/* The fetch wake watch (core/fetch_wake.h) on librdkafka's mock cluster: a
 * consumer a little slower than its fetcher, with a small prefetch queue,
 * against the same consumer without the watch. Without it librdkafka < 2.2
 * parks the fetcher each time the queue fills, for up to a second. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_wake.h"
#include "runner.h"
#include "sluice/util.h"

#define TOPIC "fetch-wake"
#define RECORDS 30000 /* 3 MB: under the mock cluster's ~5 MiB per partition */
#define BATCH 100

static rd_kafka_t *mock_host;
static rd_kafka_mock_cluster_t *mock;
static const char *bootstrap;

static rd_kafka_conf_t *conf_with(const char *const kv[][2], size_t n)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof(err));
	for (size_t i = 0; i < n; i++)
		if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], err, sizeof(err)) != RD_KAFKA_CONF_OK)
			fprintf(stderr, "%s: %s\n", kv[i][0], err);
	return c;
}

static int suite_init(void)
{
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set(c, "log_level", "3", err, sizeof(err));
	mock_host = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (!mock_host)
		return 1;
	mock = rd_kafka_mock_cluster_new(mock_host, 1);
	if (!mock || rd_kafka_mock_topic_create(mock, TOPIC, 1, 1))
		return 1;
	bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
	static const char *const kv[][2] = {{"linger.ms", "5"}};
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf_with(kv, 1), err, sizeof(err));
	if (!p)
		return 1;
	char value[101]; /* 100 bytes and the terminator */
	for (int i = 0; i < RECORDS; i++) {
		snprintf(value, sizeof(value), "%08d %091d", i, 0);
		while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
					 RD_KAFKA_V_VALUE(value, sizeof(value) - 1),
					 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(p, 10);
	}
	int left = rd_kafka_flush(p, 30000) ? -1 : 0;
	rd_kafka_destroy(p);
	return left;
}

static int suite_cleanup(void)
{
	if (mock)
		rd_kafka_mock_cluster_destroy(mock);
	if (mock_host)
		rd_kafka_destroy(mock_host);
	return 0;
}

/* Consumes all records in batches of BATCH, 1 ms of "work" per batch
 * (slower than the fetcher, so the 2,000-message queue keeps filling).
 * Returns the longest wait for a batch, in ms; *wakes gets the watch's
 * count. Checks every record arrives once and in order. */
static int64_t consume_all(const char *group, bool watch, size_t *wakes)
{
	char err[256];
	static const char *const kv[][2] = {
		{"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"},
		{"queued.min.messages", "2000"},   {"queued.max.messages.kbytes", "1024"},
		{"fetch.wait.max.ms", "100"},      {"max.partition.fetch.bytes", "65536"},
		{"enable.partition.eof", "false"},
	};
	rd_kafka_conf_t *c = conf_with(kv, SL_ARRAY_LEN(kv));
	rd_kafka_conf_set(c, "group.id", group, err, sizeof(err));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, TOPIC, RD_KAFKA_PARTITION_UA);
	CU_ASSERT_EQUAL(rd_kafka_subscribe(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
	sl_fetch_wake_t *w = watch ? sl_fetch_wake_new(rk, q) : NULL;
	CU_ASSERT(!watch || w != NULL);

	rd_kafka_message_t *msgs[BATCH];
	long got = 0;
	int64_t longest = 0, end = sl_now_ms() + 60000;
	int64_t since = -1; /* from the first record on */
	while (got < RECORDS && sl_now_ms() < end) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 0, msgs, BATCH);
		if (n <= 0)
			n = rd_kafka_consume_batch_queue(q, 100, msgs, 1);
		if (n <= 0)
			continue;
		int64_t now = sl_now_ms();
		if (since >= 0 && now - since > longest)
			longest = now - since;
		sl_fetch_wake_check(w, msgs, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			if (!msgs[i]->err) {
				CU_ASSERT_EQUAL(msgs[i]->offset, got);
				got++;
			}
			rd_kafka_message_destroy(msgs[i]);
		}
		sl_sleep_ms(1);
		since = sl_now_ms();
	}
	CU_ASSERT_EQUAL(got, RECORDS);
	*wakes = sl_fetch_wake_count(w);
	sl_fetch_wake_free(w);
	rd_kafka_queue_destroy(q);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return longest;
}

static void test_drained_queue_wakes_the_fetcher_at_once(void)
{
	if (!sl_fetch_wake_needed()) {
		/* librdkafka >= 2.2 has fetch.queue.backoff.ms instead. */
		CU_ASSERT_PTR_NULL(sl_fetch_wake_new(NULL, NULL));
		return;
	}
	size_t wakes = 0;
	int64_t with = consume_all("fetch-wake-with", true, &wakes);
	printf("\n    longest wait for a batch with the watch: %lld ms, %zu wake(s)\n",
	       (long long)with, wakes);
	CU_ASSERT(wakes >= 1);
	CU_ASSERT(with < 400);

	/* The control: the same consumer without the watch waits for the
	 * broker thread's own wakeup (up to 1 s) each time the queue filled;
	 * over RECORDS / 2,000 such pauses one is sure to exceed 400 ms. */
	int64_t without = consume_all("fetch-wake-without", false, &wakes);
	printf("    longest wait for a batch without it: %lld ms\n", (long long)without);
	CU_ASSERT(without >= 400);
}

void fetch_wake_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"drained_queue_wakes_the_fetcher_at_once",
		 test_drained_queue_wakes_the_fetcher_at_once},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("fetch_wake", suite_init, suite_cleanup, tests);
}
