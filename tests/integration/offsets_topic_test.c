/* The offset store in a Kafka topic (core/offsets_kafka.c) on the embedded
 * cluster: what is put is there when the topic is read again, in Kafka
 * Connect's key and value form; a reset writes tombstones; a record that
 * does not parse is refused as a file's malformed entry is. */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"
#include "kafka.h"
#include "offsets.h"
#include "runner.h"
#include "sluice/util.h"

#define TOPIC "sluice-offsets-itest"

static sl_kafka_t *kafka;

static int suite_init(void)
{
	kafka = itest_embedded_kafka();
	return kafka ? 0 : 1;
}

static int suite_cleanup(void)
{
	sl_kafka_free(kafka);
	return 0;
}

static sl_offset_store_t *open_store(void)
{
	char err[512] = "";
	sl_offset_store_t *s = sl_offset_store_open_kafka(kafka, TOPIC, 3, -1, err, sizeof(err));
	if (!s)
		fprintf(stderr, "\n    open: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/* committable() form: {canon: {"partition": p, "offset": o}}. */
static json_t *offsets_of(const char *file, long position)
{
	json_t *p = json_pack("{s:s}", "filename", file);
	char *k = sl_offset_partition_key(p);
	json_t *o = json_pack("{s:{s:o,s:{s:i}}}", k, "partition", p, "offset", "position",
			      (json_int_t)position);
	free(k);
	return o;
}

static long position_of(sl_offset_store_t *s, const char *connector, const char *file)
{
	json_t *p = json_pack("{s:s}", "filename", file);
	json_t *o = sl_offset_store_get(s, connector, p);
	long pos = o ? (long)json_integer_value(json_object_get(o, "position")) : -1;
	json_decref(o);
	json_decref(p);
	return pos;
}

/* Every record of the topic as "key|value" lines ("null" for a tombstone). */
static char *topic_text(void)
{
	char err[256];
	sl_config_t *over = sl_config_new();
	sl_config_set(over, "group.id", "itest-offsets-reader", NULL, 0);
	sl_config_set(over, "enable.partition.eof", "true", NULL, 0);
	rd_kafka_conf_t *conf =
		sl_kafka_conf(kafka, SL_CLIENT_CONSUMER, NULL, over, "itest", err, sizeof(err));
	sl_config_free(over);
	rd_kafka_t *rk = sl_kafka_client_new(SL_CLIENT_CONSUMER, conf, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rk);
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(3);
	for (int p = 0; p < 3; p++)
		rd_kafka_topic_partition_list_add(parts, TOPIC, p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	sl_buf_t out = {0};
	sl_buf_append_str(&out, "");
	for (int eofs = 0, polls = 0; eofs < 3 && polls < 100; polls++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eofs++;
		else if (!m->err)
			sl_buf_appendf(&out, "%.*s|%.*s\n", (int)m->key_len, (char *)m->key,
				       m->payload ? (int)m->len : 4,
				       m->payload ? (char *)m->payload : "null");
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return sl_buf_steal(&out);
}

static void test_put_offsets_are_read_back_in_kafka_connects_form(void)
{
	char err[512] = "";
	sl_offset_store_t *s = open_store();
	json_t *o = offsets_of("/data/a.txt", 120);
	CU_ASSERT_EQUAL(sl_offset_store_put(s, "files", o, err, sizeof(err)), 0);
	json_decref(o);
	o = offsets_of("/data/a.txt", 340);
	CU_ASSERT_EQUAL(sl_offset_store_put(s, "files", o, err, sizeof(err)), 0);
	json_decref(o);
	o = offsets_of("/data/b.txt", 7);
	CU_ASSERT_EQUAL(sl_offset_store_put(s, "other", o, err, sizeof(err)), 0);
	json_decref(o);
	sl_offset_store_close(s);

	char *text = topic_text();
	SL_ASSERT_CONTAINS(text, "[\"files\",{\"filename\":\"/data/a.txt\"}]|{\"position\":340}\n");
	SL_ASSERT_CONTAINS(text, "[\"other\",{\"filename\":\"/data/b.txt\"}]|{\"position\":7}\n");
	free(text);

	s = open_store(); /* read from the topic alone */
	CU_ASSERT_EQUAL(position_of(s, "files", "/data/a.txt"), 340);
	CU_ASSERT_EQUAL(position_of(s, "other", "/data/b.txt"), 7);
	CU_ASSERT_EQUAL(position_of(s, "files", "/data/b.txt"), -1);

	/* a reset writes tombstones: gone when the topic is read again */
	CU_ASSERT_EQUAL(sl_offset_store_reset(s, "files", err, sizeof(err)), 1);
	sl_offset_store_close(s);
	text = topic_text();
	SL_ASSERT_CONTAINS(text, "[\"files\",{\"filename\":\"/data/a.txt\"}]|null\n");
	free(text);
	s = open_store();
	CU_ASSERT_EQUAL(position_of(s, "files", "/data/a.txt"), -1);
	CU_ASSERT_EQUAL(position_of(s, "other", "/data/b.txt"), 7);
	CU_ASSERT_EQUAL(sl_offset_store_verify(s, err, sizeof(err)), 0);
	sl_offset_store_close(s);
}

static void test_a_record_that_does_not_parse_is_refused_then_reset(void)
{
	char err[512] = "";
	rd_kafka_conf_t *conf =
		sl_kafka_conf(kafka, SL_CLIENT_PRODUCER, NULL, NULL, "itest", err, sizeof(err));
	rd_kafka_t *p = sl_kafka_client_new(SL_CLIENT_PRODUCER, conf, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	static const char key[] = "[\"broken\",{\"filename\":\"/x\"}]", value[] = "{not json";
	CU_ASSERT_EQUAL(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC),
					  RD_KAFKA_V_KEY(key, sizeof(key) - 1),
					  RD_KAFKA_V_VALUE((void *)value, sizeof(value) - 1),
					  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
			0);
	CU_ASSERT_EQUAL(rd_kafka_flush(p, 10000), 0);
	rd_kafka_destroy(p);

	sl_offset_store_t *s = open_store();
	CU_ASSERT_EQUAL(sl_offset_store_verify(s, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "offset topic " TOPIC);
	SL_ASSERT_CONTAINS(err, "broken");
	/* a reset of the connector removes it, with a tombstone for its key */
	CU_ASSERT_EQUAL(sl_offset_store_reset(s, "broken", err, sizeof(err)), 1);
	sl_offset_store_close(s);
	s = open_store();
	CU_ASSERT_EQUAL(sl_offset_store_verify(s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(position_of(s, "other", "/data/b.txt"), 7);
	sl_offset_store_close(s);
}

void offsets_topic_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"put_offsets_are_read_back_in_kafka_connects_form",
		 test_put_offsets_are_read_back_in_kafka_connects_form},
		{"a_record_that_does_not_parse_is_refused_then_reset",
		 test_a_record_that_does_not_parse_is_refused_then_reset},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("offsets_topic", suite_init, suite_cleanup, tests);
}
