/* The sink task's loop (core/sink_task.c) on a slow broker: a sink that is
 * behind its partitions and waits for the next fetch sleeps until it comes
 * rather than turning through empty batches. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "itest.h"
#include "metrics.h"
#include "runner.h"
#include "sluice/util.h"

#define TOPIC "sink-loop"
#define RECORDS 3000
#define RTT_MS 300

static itest_env_t env;

static int suite_init(void)
{
	/* no periodic flush to cut the waits short */
	static const char *const extra[] = {"log.level", "error", "offset.flush.interval.ms",
					    "60000", NULL};
	if (itest_env_open(&env, true, extra) != 0 ||
	    rd_kafka_mock_topic_create(env.mock, TOPIC, 1, 1))
		return 1;
	char err[256];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set(c, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(env.mock), err,
			  sizeof(err));
	/* batches of 50 records: a fetch brings whole batches */
	rd_kafka_conf_set(c, "batch.num.messages", "50", err, sizeof(err));
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
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
	int left = rd_kafka_flush(p, 30000) ? 1 : 0;
	rd_kafka_destroy(p);
	return left;
}

static int suite_cleanup(void)
{
	return itest_env_close(&env);
}

/* The process's CPU time (user + system, every thread), in ms. */
static int64_t cpu_ms(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (int64_t)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
	       (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
}

/* The records the sink task has read so far (its read total metric). */
static long records_read(void)
{
	static const char key[] = "\nkafka_connect_sink_task_metrics_sink_record_read_total{"
				  "connector=\"loop-sink\",task=\"0\"} ";
	char *text = sl_metrics_render(env.worker);
	const char *p = strstr(text, key);
	long n = p ? strtol(p + strlen(key), NULL, 10) : -1;
	free(text);
	return n;
}

/* Every fetch takes RTT_MS and brings a batch or two of 50 records, so the file sink
 * spends seconds behind its partition (the broker's high watermark ahead of
 * its position) with nothing to consume, records put and not yet flushed:
 * past the caught-up flush delay it must still wait for the next fetch.
 * The process then needs next to no CPU; a loop that does not wait burns a
 * whole core. */
static void test_a_sink_behind_its_partition_waits_for_the_next_fetch(void)
{
	char *out = itest_path(&env, "loop.out");
	rd_kafka_mock_broker_set_rtt(env.mock, 1, RTT_MS);
	const char *kv[] = {
		"name",           "loop-sink", "connector.class",
		"FileStreamSink", "topics",    TOPIC,
		"file",           out,         "consumer.override.max.partition.fetch.bytes",
		"8000",           NULL};
	itest_add(env.worker, kv);
	int64_t end = sl_now_ms() + 30000;
	while (records_read() < 1 && sl_now_ms() < end)
		sl_sleep_ms(20);
	int64_t wall0 = sl_now_ms(), cpu0 = cpu_ms();
	sl_sleep_ms(2000);
	int64_t wall = sl_now_ms() - wall0, cpu = cpu_ms() - cpu0;
	long read = records_read();
	printf("\n    %ld of %d records read after the window; %lld ms of CPU in %lld ms ", read,
	       RECORDS, (long long)cpu, (long long)wall);
	CU_ASSERT(read > 0 && read < RECORDS); /* behind for the whole window */
	CU_ASSERT(cpu * 10 < wall);
	rd_kafka_mock_broker_set_rtt(env.mock, 1, 0);
	CU_ASSERT(itest_wait_lines(out, RECORDS, 30000));
	itest_remove(env.worker, "loop-sink");
	free(out);
}

void sink_loop_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"a_sink_behind_its_partition_waits_for_the_next_fetch",
		 test_a_sink_behind_its_partition_waits_for_the_next_fetch},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("sink_loop", suite_init, suite_cleanup, tests);
}
