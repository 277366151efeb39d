/* The offset store in a Kafka topic, as Kafka Connect's
 * KafkaOffsetBackingStore keeps it (offset.storage.topic): a compacted
 * topic whose records are keyed ["<connector>",{partition}] and valued
 * {offset} (JSON as JsonConverter writes it without schemas; a null value
 * removes the key), partitioned by the murmur2 hash of the key as Java's
 * producer partitions them. A connector moved from a Kafka Connect cluster
 * resumes from what that cluster stored, and the other way round. */
#include <stdlib.h>
#include <string.h>

#include "convert_priv.h"
#include "kafka.h"
#include "offsets_priv.h"
#include "sluice/buf.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/mem.h"
#include "sluice/util.h"

/* How long opening may read the topic, and a write may wait for Kafka. */
#define SL_OFFSETS_KAFKA_TIMEOUT_MS 60000

struct sl_offsets_kafka {
	rd_kafka_t *producer;
	char *topic;
	/* deliveries refused since the last send began, and why (the first) */
	int failed;
	char why[256];
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	sl_offsets_kafka_t *kc = opaque;

	(void)rk;
	if (m->err && kc->failed++ == 0)
		snprintf(kc->why, sizeof(kc->why), "%s", rd_kafka_err2str(m->err));
}

const char *sl_offsets_kafka_topic(const sl_offsets_kafka_t *kc)
{
	return kc->topic;
}

void sl_offsets_kafka_free(sl_offsets_kafka_t *kc)
{
	if (!kc)
		return;
	if (kc->producer) {
		rd_kafka_flush(kc->producer, 5000);
		rd_kafka_destroy(kc->producer);
	}
	free(kc->topic);
	free(kc);
}

int sl_offsets_kafka_send(sl_offsets_kafka_t *kc, const json_t *changes, char *errstr,
			  size_t errstr_size)
{
	sl_buf_t key = {0}, value = {0};
	size_t i;
	json_t *e;
	int rc = 0;

	kc->failed = 0;
	json_array_foreach(changes, i, e) {
		const json_t *v = json_object_get(e, "value");
		bool tombstone = !v || json_is_null(v);
		sl_buf_reset(&key);
		sl_buf_reset(&value);
		sl_json_write(&key, json_object_get(e, "key"), NULL);
		if (!tombstone)
			sl_json_write(&value, v, NULL);
		rd_kafka_resp_err_t err;
		int64_t until = sl_now_ms() + SL_OFFSETS_KAFKA_TIMEOUT_MS;
		while ((err = rd_kafka_producev(kc->producer, RD_KAFKA_V_TOPIC(kc->topic),
						RD_KAFKA_V_KEY(key.data, key.len),
						RD_KAFKA_V_VALUE(tombstone ? NULL : value.data,
								 tombstone ? 0 : value.len),
						RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
		       sl_now_ms() < until)
			rd_kafka_poll(kc->producer, 100);
		if (err) {
			rc = sl_seterr(errstr, errstr_size, "offset topic %s: cannot write: %s",
				       kc->topic, rd_kafka_err2str(err));
			break;
		}
	}
	/* durable before the offsets count as stored: every record acknowledged */
	rd_kafka_resp_err_t ferr = rd_kafka_flush(kc->producer, SL_OFFSETS_KAFKA_TIMEOUT_MS);
	if (!rc && ferr)
		rc = sl_seterr(errstr, errstr_size,
			       "offset topic %s: offsets not acknowledged within %d s: %s",
			       kc->topic, SL_OFFSETS_KAFKA_TIMEOUT_MS / 1000,
			       rd_kafka_err2str(ferr));
	if (!rc && kc->failed)
		rc = sl_seterr(errstr, errstr_size, "offset topic %s: %d offset(s) refused: %s",
			       kc->topic, kc->failed, kc->why);
	sl_buf_free(&key);
	sl_buf_free(&value);
	return rc;
}

/* Takes one record of the topic into the store. */
static void take_record(sl_offset_store_t *s, const rd_kafka_message_t *m)
{
	json_t *key = m->key ? json_loadb(m->key, m->key_len, JSON_DECODE_ANY, NULL) : NULL;
	json_t *value =
		m->payload ? json_loadb(m->payload, m->len, JSON_DECODE_ANY, NULL) : json_null();
	json_t *e = json_object();

	/* what does not parse stays as text, for the malformed entry's note */
	json_object_set_new(e, "key",
			    key ? key : json_stringn_nocheck(m->key ? m->key : "", m->key_len));
	json_object_set_new(e, "value", value ? value : json_stringn_nocheck(m->payload, m->len));
	if (!key)
		json_object_set_new(e, "partition", json_integer(m->partition));
	sl_offset_store_load_entry(s, (size_t)m->offset, e);
	json_decref(e);
}

static bool retriable(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
	       err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
	       err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	       err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
	       err == RD_KAFKA_RESP_ERR__TIMED_OUT;
}

/* Reads the whole topic into s: every partition from its start to the end
 * it had when the read began. */
static int load_topic(sl_offset_store_t *s, sl_kafka_t *k, const char *topic, char *errstr,
		      size_t errstr_size)
{
	static const char *const kv[] = {"group.id",
					 "sluice-offset-reader",
					 "enable.auto.commit",
					 "false",
					 "enable.partition.eof",
					 "true",
					 "auto.offset.reset",
					 "earliest",
					 NULL};
	rd_kafka_conf_t *conf = sl_kafka_conf_pairs(k, SL_CLIENT_CONSUMER, kv,
						    "sluice-offset-reader", errstr, errstr_size);
	if (!conf)
		return -1;
	rd_kafka_t *rk = sl_kafka_client_new(SL_CLIENT_CONSUMER, conf, errstr, errstr_size);
	if (!rk)
		return -1;
	int rc = -1, count = sl_kafka_partition_count(rk, topic, 10000);
	rd_kafka_topic_partition_list_t *parts =
		rd_kafka_topic_partition_list_new(count > 0 ? count : 1);
	int64_t *end = sl_calloc(count > 0 ? (size_t)count : 1, sizeof(*end));
	int left = 0;
	if (count <= 0) {
		sl_seterr(errstr, errstr_size, "offset topic %s: cannot learn its partitions",
			  topic);
		goto out;
	}
	for (int p = 0; p < count; p++) {
		int64_t lo = 0, hi = 0, until = sl_now_ms() + 30000;
		rd_kafka_resp_err_t err;
		/* a topic just created has no leaders for a moment */
		while ((err = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000)) &&
		       retriable(err) && sl_now_ms() < until)
			sl_sleep_ms(100);
		if (err) {
			sl_seterr(errstr, errstr_size, "offset topic %s: partition %d: %s", topic,
				  p, rd_kafka_err2str(err));
			goto out;
		}
		end[p] = hi;
		if (hi > lo) {
			rd_kafka_topic_partition_list_add(parts, topic, p)->offset = lo;
			left++;
		}
	}
	if (left && rd_kafka_assign(rk, parts)) {
		sl_seterr(errstr, errstr_size, "offset topic %s: cannot assign its partitions",
			  topic);
		goto out;
	}
	int64_t until = sl_now_ms() + SL_OFFSETS_KAFKA_TIMEOUT_MS;
	while (left > 0) {
		if (sl_now_ms() > until) {
			sl_seterr(errstr, errstr_size,
				  "offset topic %s: not read to its end within %d s", topic,
				  SL_OFFSETS_KAFKA_TIMEOUT_MS / 1000);
			goto out;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
		if (!m)
			continue;
		int p = m->partition;
		bool done = false;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			done = true;
		} else if (m->err) {
			sl_seterr(errstr, errstr_size, "offset topic %s: %s", topic,
				  rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			goto out;
		} else {
			take_record(s, m);
			done = m->offset + 1 >= end[p];
		}
		rd_kafka_message_destroy(m);
		if (done && p >= 0 && p < count && end[p] >= 0) {
			end[p] = -1; /* counted once */
			left--;
		}
	}
	rc = 0;
out:
	rd_kafka_topic_partition_list_destroy(parts);
	free(end);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}

sl_offset_store_t *sl_offset_store_open_kafka(sl_kafka_t *k, const char *topic, int partitions,
					      int replication_factor, char *errstr,
					      size_t errstr_size)
{
	char *where = sl_asprintf("offset topic %s", topic);
	sl_offset_store_t *s = sl_offset_store_alloc(where);
	sl_offsets_kafka_t *kc = s->kafka = sl_calloc(1, sizeof(*kc));
	free(where);
	kc->topic = sl_strdup(topic);

	/* acknowledged by every in-sync replica, once, and in the partition
	 * Kafka Connect's Java producer picks for the same key */
	static const char *const kv[] = {"acks",      "all",         "enable.idempotence",
					 "true",      "partitioner", "murmur2_random",
					 "linger.ms", "0",           NULL};
	rd_kafka_conf_t *conf = sl_kafka_conf_pairs(k, SL_CLIENT_PRODUCER, kv,
						    "sluice-offset-writer", errstr, errstr_size);
	if (!conf)
		goto fail;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, kc);
	kc->producer = sl_kafka_client_new(SL_CLIENT_PRODUCER, conf, errstr, errstr_size);
	if (!kc->producer)
		goto fail;
	static const char *const topic_configs[] = {"cleanup.policy", "compact", NULL};
	if (sl_kafka_ensure_topic_configs(k, kc->producer, topic, partitions, replication_factor,
					  topic_configs, 30000, errstr, errstr_size) != 0 ||
	    load_topic(s, k, topic, errstr, errstr_size) != 0)
		goto fail;
	return s;
fail:
	sl_offset_store_close(s);
	return NULL;
}

int sl_offset_store_refresh(sl_offset_store_t *s, sl_kafka_t *k, char *errstr, size_t errstr_size)
{
	if (!s->kafka)
		return 0;
	/* read into a store of its own, taken over whole on success */
	sl_offset_store_t *fresh = sl_offset_store_alloc(s->path);
	pthread_mutex_lock(&s->lock);
	int rc = load_topic(fresh, k, s->kafka->topic, errstr, errstr_size);
	if (rc == 0) {
		json_t *t = s->entries;
		s->entries = fresh->entries;
		fresh->entries = t;
		t = s->malformed;
		s->malformed = fresh->malformed;
		fresh->malformed = t;
	}
	pthread_mutex_unlock(&s->lock);
	sl_offset_store_close(fresh);
	return rc;
}
