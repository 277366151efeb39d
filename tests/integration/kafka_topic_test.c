/* Topics made sure of by core/kafka.c, on the embedded cluster. */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "itest.h"
#include "kafka.h"
#include "runner.h"
#include "sluice/config.h"

#define TOPIC "itest-new-topic"

static pthread_t producing;
static atomic_int partitioned_here, partitioned_elsewhere;

/* Counts where librdkafka partitions each record: in rd_kafka_produce on
 * the producing thread, or later on its own thread, for a record parked
 * in the unassigned queue of a topic it had no metadata for. */
static int32_t partitioner(const rd_kafka_topic_t *rkt, const void *key, size_t keylen,
			   int32_t partition_cnt, void *rkt_opaque, void *msg_opaque)
{
	(void)rkt, (void)key, (void)keylen, (void)partition_cnt, (void)rkt_opaque, (void)msg_opaque;
	atomic_fetch_add(pthread_equal(pthread_self(), producing) ? &partitioned_here
								  : &partitioned_elsewhere,
			 1);
	return 0;
}

/* A topic sluice creates is in the creating client's metadata when
 * sl_kafka_ensure_topic returns: records produced right after go
 * straight into its partition. A record parked in the unassigned queue
 * gets its place in the partition's order only when it leaves it, behind
 * records produced after it (a file source's first line once landed
 * behind 10,000 others). */
static void test_a_created_topic_takes_records_straight_into_its_partition(void)
{
	char err[256] = "";
	sl_kafka_t *kafka = itest_embedded_kafka();
	CU_ASSERT_PTR_NOT_NULL_FATAL(kafka);
	rd_kafka_conf_t *conf = sl_kafka_conf(kafka, SL_CLIENT_PRODUCER, NULL, NULL, "itest-topic",
					      err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	rd_kafka_t *rk = sl_kafka_client_new(SL_CLIENT_PRODUCER, conf, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	CU_ASSERT_EQUAL_FATAL(
		sl_kafka_ensure_topic(kafka, rk, TOPIC, 1, 1, 10000, err, sizeof(err)), 0);
	rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();
	rd_kafka_topic_conf_set_partitioner_cb(tc, partitioner);
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, TOPIC, tc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rkt);
	producing = pthread_self();
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
						 "v", 1, "k", 1, NULL),
				0);
	CU_ASSERT_EQUAL(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
	CU_ASSERT_EQUAL(atomic_load(&partitioned_here), 10);
	CU_ASSERT_EQUAL(atomic_load(&partitioned_elsewhere), 0);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	sl_kafka_free(kafka);
}

void kafka_topic_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"a_created_topic_takes_records_straight_into_its_partition",
		 test_a_created_topic_takes_records_straight_into_its_partition},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("kafka_topic", NULL, NULL, tests);
}
