/* The thread that runs a source task: poll the connector, convert, produce
 * (one request in flight per partition, so records keep their order), and
 * store source offsets only once Kafka has acknowledged every record up to
 * them. */
#include <stdlib.h>
#include <string.h>

#include "sluice/log.h"
#include "source_txn.h"
#include "task.h"

/* Tells the connector what became of a record that carried ack_data. */
static void outcome(sl_task_ctx_t *t, void *ack_data, sl_delivery_t result)
{
	if (ack_data && t->env.plugin->source->acked)
		t->env.plugin->source->acked(t, ack_data, result);
}

static void dropped(void *ack_data, void *opaque)
{
	outcome(opaque, ack_data, SL_DROPPED);
}

/* Records of a batch from index from on that never reached the tracker
 * (the task failed or stopped first). */
static void drop_unsent(sl_task_ctx_t *t, sl_batch_t *batch, size_t from)
{
	for (size_t i = from; i < batch->count; i++) {
		outcome(t, batch->records[i].ack_data, SL_DROPPED);
		batch->records[i].ack_data = NULL;
	}
}

/* A delivery report other than a record acknowledged: a dead letter queue
 * copy's, a record purged at stop, or one the producer gave up on. */
__attribute__((noinline)) static void
on_delivery_other(sl_task_ctx_t *t, const rd_kafka_message_t *m, sl_offset_slot_t *slot)
{
	if (!slot) { /* a dead letter queue record */
		sl_task_dlq_delivered(t, m);
		if (t->side_failed)
			atomic_store(&t->producer_fatal, true);
		return;
	}
	if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		/* stopping: not stored, sent again on restart */
		outcome(t, sl_offset_tracker_forget(t->tracker, slot), SL_DROPPED);
		return;
	}
	/* The producer already retried; a record it gives up on cannot be
	 * skipped without breaking order: fail the task. Its offset is never
	 * stored, so a restart resends it. */
	if (!atomic_exchange(&t->producer_fatal, true))
		sl_task_fail(t, "delivery to topic %s partition %d failed: %s%s",
			     rd_kafka_topic_name(m->rkt), (int)m->partition,
			     rd_kafka_err2str(m->err),
			     m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
				     ? " (the topic's max.message.bytes is smaller than "
				       "this record's batch; raise it on the broker)"
				     : "");
	outcome(t, sl_offset_tracker_forget(t->tracker, slot), SL_FAILED);
}

/* Delivery reports are served by rd_kafka_poll on the task thread, so the
 * tracker and the connector's acked() run on that thread too, and the
 * thread is write_total's only writer (no atomic add needed). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	sl_task_ctx_t *t = opaque;
	sl_offset_slot_t *slot = m->_private;
	if (!slot || m->err) {
		on_delivery_other(t, m, slot);
		return;
	}
	atomic_store_explicit(&t->metrics.write_total,
			      atomic_load_explicit(&t->metrics.write_total, memory_order_relaxed) +
				      1,
			      memory_order_relaxed);
	outcome(t, sl_offset_tracker_ack(t->tracker, slot), SL_DELIVERED);
}

static int make_producer(sl_task_ctx_t *t)
{
	char err[512];
	rd_kafka_conf_t *conf = sl_task_client_conf(t, SL_CLIENT_PRODUCER, "producer");
	if (!conf)
		return -1;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, sl_task_on_kafka_error);
	rd_kafka_conf_set_opaque(conf, t);
	if (sl_source_txn_on(t) && sl_source_txn_conf(t, conf) != 0) {
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	t->producer = sl_kafka_client_new(SL_CLIENT_PRODUCER, conf, err, sizeof(err));
	if (!t->producer) {
		sl_task_fail(t, "cannot create producer: %s", err);
		return -1;
	}
	return 0;
}

/* A record's key or value as the producer gets it. */
typedef struct send_bytes {
	const char *data;
	size_t len;
	bool null; /* a Kafka null */
} send_bytes_t;

/* A batch of one record past its key, value and headers: Kafka's v2
 * format's 61-byte batch header, up to 21 bytes of record header and the
 * varint lengths of key and value (lone_batch_size). */
#define LONE_BATCH_OVERHEAD (61 + 21 + 10)

/* Per-task scratch for serialised keys and values. */
typedef struct send_bufs {
	send_bytes_t key, value;
	/* where the converters write them; a key or value whose converter
	 * passes it through (sl_converter_passes_through) is the record's
	 * own bytes instead, not a copy */
	sl_buf_t key_buf, value_buf;
	bool uncompressed;   /* the producer's compression.type is none */
	size_t producer_max; /* the producer's message.max.bytes */
	/* the handle of the topic last resolved: naming the topic on each
	 * record costs librdkafka a lookup under its lock per record */
	rd_kafka_topic_t *rkt;
	char *rkt_name;
	/* Within one polled batch without transforms, a record's topic
	 * string stays as it is until the next poll (sl_record_t), so a
	 * record whose topic is the very string of the one before needs no
	 * strcmp: the string rkt and known_at were resolved for, NULL at the
	 * start of each batch. */
	const char *resolved_for;
	size_t known_at; /* the topic's index in t->known_topics (which only grows) */
	/* The bytes of key and value that a record without headers may have
	 * for the topic resolved to take it for sure: too_large_for_topic's
	 * answer without adding up a batch. */
	size_t fits;
	/* The tracker's run the records of run_partition join while they
	 * come one after the other, closed at the end of each batch; NULL
	 * when none is open. The partition is borrowed, as the records
	 * borrow it: it outlives the batch. */
	sl_offset_slot_t *run;
	json_t *run_partition;
} send_bufs_t;

/* Resolves a record's topic: its entry among those the task made sure
 * exist, returned, and the producer's handle of it in b->rkt (NULL when
 * librdkafka refused one), kept while records go to that topic. */
static const sl_known_topic_t *resolve_topic(sl_task_ctx_t *t, send_bufs_t *b, const char *topic)
{
	if (topic == b->resolved_for)
		return &t->known_topics[b->known_at];
	const sl_connector_settings_t *s = t->env.settings;
	const sl_known_topic_t *k = sl_task_ensure_topic(
		t, t->producer, topic, (int)s->topic_partitions, (int)s->topic_replication_factor);
	b->known_at = (size_t)(k - t->known_topics);
	b->fits = !b->uncompressed || k->max_message_bytes <= 0 ? SIZE_MAX
		  : k->max_message_bytes > LONE_BATCH_OVERHEAD
			  ? (size_t)k->max_message_bytes - LONE_BATCH_OVERHEAD
			  : 0;
	if (!b->rkt || strcmp(b->rkt_name, topic)) {
		if (b->rkt)
			rd_kafka_topic_destroy(b->rkt);
		free(b->rkt_name);
		b->rkt = rd_kafka_topic_new(t->producer, topic, NULL);
		b->rkt_name = b->rkt ? sl_strdup(topic) : NULL;
	}
	b->resolved_for = t->chain ? NULL : topic;
	return k;
}

static rd_kafka_headers_t *make_headers(const sl_record_t *r)
{
	if (!r->header_count)
		return NULL;
	rd_kafka_headers_t *h = rd_kafka_headers_new(r->header_count);
	for (size_t i = 0; i < r->header_count; i++)
		rd_kafka_header_add(h, r->headers[i].key, -1, r->headers[i].value,
				    r->headers[i].value ? (ssize_t)r->headers[i].len : 0);
	return h;
}

/* The bytes of v when they go to the producer as they are: a null, or
 * what converter c passes through. False when c has to write them. */
static inline bool as_is(const sl_converter_t *c, const sl_value_t *v, send_bytes_t *out)
{
	if (v->kind == SL_VALUE_NULL) { /* every converter writes null as null */
		out->data = "";
		out->len = 0;
		out->null = true;
		return true;
	}
	if (!sl_converter_passes_through(c, v))
		return false;
	out->data = v->data ? v->data : "";
	out->len = v->len;
	out->null = false;
	return true;
}

/* The bytes of v written by converter c into buf. Out of line: most
 * records take as_is. */
__attribute__((noinline)) static int convert_one(sl_converter_t *c, const sl_record_t *r,
						 const sl_value_t *v, sl_buf_t *buf,
						 send_bytes_t *out, char *err, size_t err_size)
{
	sl_buf_reset(buf);
	if (sl_converter_from_value(c, r->topic, v, buf, &out->null, err, err_size) != 0)
		return -1;
	out->data = buf->data ? buf->data : "";
	out->len = buf->len;
	return 0;
}

/* Serialises key and value; returns SL_OK, or the error policy's verdict
 * (SL_OK with *skip set when the record is to be dropped). */
static sl_rc_t convert(sl_task_ctx_t *t, sl_record_t *r, send_bufs_t *b, bool *skip)
{
	char err[512];
	*skip = false;
	if (!as_is(t->key_conv, &r->key, &b->key) &&
	    convert_one(t->key_conv, r, &r->key, &b->key_buf, &b->key, err, sizeof(err)) != 0) {
		*skip = true;
		return sl_task_report_error(t, "KEY_CONVERTER", r, NULL, 0, "topic %s: %s",
					    r->topic, err);
	}
	if (!as_is(t->value_conv, &r->value, &b->value) &&
	    convert_one(t->value_conv, r, &r->value, &b->value_buf, &b->value, err, sizeof(err)) !=
		    0) {
		*skip = true;
		return sl_task_report_error(t, "VALUE_CONVERTER", r, NULL, 0, "topic %s: %s",
					    r->topic, err);
	}
	return SL_OK;
}

/* The bytes of a record's header names and values, plus per_header for
 * each header's framing. */
static size_t headers_len(const sl_record_t *r, size_t per_header)
{
	size_t n = 0;
	for (size_t i = 0; i < r->header_count; i++)
		n += strlen(r->headers[i].key) + r->headers[i].len + per_header;
	return n;
}

/* A record the producer or the topic refuses for its size goes through
 * the error policy like any bad record; its dead letter queue copy is cut
 * to fit. limit says which limit it exceeds and how to raise it. */
static sl_rc_t too_large(sl_task_ctx_t *t, const sl_record_t *r, const send_bufs_t *b,
			 rd_kafka_headers_t *h, const char *limit)
{
	size_t key_len = b->key.null ? 0 : b->key.len, value_len = b->value.null ? 0 : b->value.len;
	size_t hdr_len = headers_len(r, 0);
	if (h)
		rd_kafka_headers_destroy(h);
	char reason[768];
	snprintf(reason, sizeof(reason),
		 "topic %s: record of %zu bytes (key %zu, value %zu, headers %zu) is larger than "
		 "%s",
		 r->topic, key_len + value_len + hdr_len, key_len, value_len, hdr_len, limit);
	sl_dlq_copy_t copy = {b->key.null ? NULL : b->key.data, key_len,
			      b->value.null ? NULL : b->value.data, value_len};
	return sl_task_report_bad(t, "KAFKA_PRODUCE", r, &copy, reason);
}

/* Why the producer refuses the record (librdkafka checks message.max.bytes
 * before it queues a record). */
static sl_rc_t too_large_for_producer(sl_task_ctx_t *t, const sl_record_t *r, const send_bufs_t *b,
				      rd_kafka_headers_t *h)
{
	char limit[384];
	snprintf(limit, sizeof(limit),
		 "the producer's message.max.bytes (%zu); raise producer.override."
		 "message.max.bytes on the connector (or producer.message.max.bytes on the "
		 "worker) and the topic's max.message.bytes on the broker",
		 b->producer_max);
	return too_large(t, r, b, h, limit);
}

/* The bytes of a record batch holding only this record, at most (Kafka's
 * v2 format: a 61-byte batch header, up to 21 bytes of record header and
 * the varint lengths of key, value and each header). */
static size_t lone_batch_size(const sl_record_t *r, const send_bufs_t *b)
{
	return LONE_BATCH_OVERHEAD + (b->key.null ? 0 : b->key.len) +
	       (b->value.null ? 0 : b->value.len) + headers_len(r, 10);
}

/* Whether the topic's broker would refuse the record for its size: then it
 * is caught here, before it shares a batch (and its refusal) with others.
 * Only without compression, where the batch's size is known. */
static bool too_large_for_topic(const send_bufs_t *b, const sl_known_topic_t *topic,
				const sl_record_t *r)
{
	if (!r->header_count && b->key.len + b->value.len <= b->fits)
		return false; /* most records: well below (a null's len is 0) */
	if (!b->uncompressed || topic->max_message_bytes <= 0)
		return false;
	size_t size = lone_batch_size(r, b);
	/* Past the producer's own limit the producer refuses it, saying so. */
	return size > (size_t)topic->max_message_bytes && size <= b->producer_max;
}

static sl_rc_t refused_by_topic(sl_task_ctx_t *t, const sl_record_t *r, const send_bufs_t *b,
				const sl_known_topic_t *topic)
{
	char limit[384];
	snprintf(limit, sizeof(limit),
		 "the topic's max.message.bytes (%lld; a batch of this record alone takes %zu); "
		 "raise max.message.bytes of topic %s on the broker",
		 (long long)topic->max_message_bytes, lone_batch_size(r, b), r->topic);
	return too_large(t, r, b, NULL, limit);
}

/* A record that is not produced: skipped by the error policy (rc SL_OK), its
 * offset moves on; or the task fails on it (never sent, so not waited for
 * at stop, and no offset moves past it). */
static void give_up_or_skip(sl_task_ctx_t *t, sl_offset_slot_t *slot, sl_rc_t rc)
{
	if (rc == SL_OK)
		outcome(t, sl_offset_tracker_ack(t->tracker, slot), SL_SKIPPED);
	else
		outcome(t, sl_offset_tracker_forget(t->tracker, slot), SL_DROPPED);
}

/* The producer's fields of a record into vu (8 at most): only those it
 * has, as librdkafka takes a step per field and record. A record without
 * a partition, key, value or timestamp gets none: the partitioner's
 * choice, a null key or value, the time of producing. */
static size_t record_fields(rd_kafka_vu_t *vu, rd_kafka_topic_t *rkt, const sl_record_t *r,
			    const send_bufs_t *b, rd_kafka_headers_t *h, sl_offset_slot_t *slot)
{
	size_t n = 0;

	vu[n].vtype = RD_KAFKA_VTYPE_RKT;
	vu[n++].u.rkt = rkt;
	if (r->partition != RD_KAFKA_PARTITION_UA) {
		vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
		vu[n++].u.i32 = r->partition;
	}
	if (!b->key.null) {
		vu[n].vtype = RD_KAFKA_VTYPE_KEY;
		vu[n].u.mem.ptr = (void *)b->key.data;
		vu[n++].u.mem.size = b->key.len;
	}
	if (!b->value.null) {
		vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
		vu[n].u.mem.ptr = (void *)b->value.data;
		vu[n++].u.mem.size = b->value.len;
	}
	if (r->timestamp) {
		vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
		vu[n++].u.i64 = r->timestamp;
	}
	if (h) {
		vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
		vu[n++].u.headers = h;
	}
	vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
	vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
	vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
	vu[n++].u.ptr = slot;
	return n;
}

/* One attempt to hand a converted record to the producer. A record
 * without headers or timestamp, most of them, goes through
 * rd_kafka_produce, which takes half the steps of rd_kafka_produceva
 * (84 instructions against 170, and no field list to build). */
static rd_kafka_resp_err_t hand_over(sl_task_ctx_t *t, rd_kafka_topic_t *rkt, const sl_record_t *r,
				     const send_bufs_t *b, rd_kafka_headers_t *h,
				     sl_offset_slot_t *slot)
{
	if (!h && !r->timestamp)
		return rd_kafka_produce(rkt, r->partition, RD_KAFKA_MSG_F_COPY,
					b->value.null ? NULL : (void *)b->value.data,
					b->value.null ? 0 : b->value.len,
					b->key.null ? NULL : b->key.data,
					b->key.null ? 0 : b->key.len, slot) == 0
			       ? RD_KAFKA_RESP_ERR_NO_ERROR
			       : rd_kafka_last_error();
	rd_kafka_vu_t vu[8];
	size_t n = record_fields(vu, rkt, r, b, h, slot);
	rd_kafka_error_t *error = rd_kafka_produceva(t->producer, vu, n);
	rd_kafka_resp_err_t err = error ? rd_kafka_error_code(error) : 0;
	if (error)
		rd_kafka_error_destroy(error);
	return err;
}

/* Hands a converted record to the producer, waiting while its queue is
 * full. */
static sl_rc_t produce(sl_task_ctx_t *t, sl_record_t *r, send_bufs_t *b, sl_offset_slot_t *slot)
{
	rd_kafka_topic_t *rkt = b->rkt; /* resolve_topic's */
	if (!rkt) {
		sl_task_fail(t, "cannot produce to topic %s: %s", r->topic,
			     rd_kafka_err2str(rd_kafka_last_error()));
		return SL_FAIL;
	}
	rd_kafka_headers_t *h = make_headers(r);
	for (;;) {
		rd_kafka_resp_err_t err = hand_over(t, rkt, r, b, h, slot);
		if (!err)
			return SL_OK;
		if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
			sl_rc_t trc = too_large_for_producer(t, r, b, h);
			give_up_or_skip(t, slot, trc);
			return trc;
		}
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			if (h)
				rd_kafka_headers_destroy(h);
			sl_task_fail(t, "cannot produce to topic %s: %s", r->topic,
				     rd_kafka_err2str(err));
			return SL_FAIL;
		}
		/* Back pressure: serve delivery reports until there is room. */
		rd_kafka_poll(t->producer, 10);
		if (atomic_load(&t->producer_fatal))
			return SL_FAIL;
	}
}

static void end_run(sl_task_ctx_t *t, send_bufs_t *b)
{
	if (!b->run)
		return;
	sl_offset_tracker_close(t->tracker, b->run);
	b->run = NULL;
	b->run_partition = NULL;
}

/* A slot of the record's own, or a run that records of its partition join
 * (a record with ack_data has a slot of its own, for its own acked() call).
 * Out of line: most records join the run before them. */
__attribute__((noinline)) static sl_offset_slot_t *new_slot(sl_task_ctx_t *t, sl_record_t *r,
							    send_bufs_t *b)
{
	end_run(t, b);
	if (r->ack_data)
		return sl_offset_tracker_submit(t->tracker, r->source_partition, r->source_offset,
						r->ack_data);
	b->run_partition = r->source_partition;
	return b->run = sl_offset_tracker_submit_run(t->tracker, r->source_partition,
						     r->source_offset);
}

/* Registers the record in the tracker, which takes its source offset and
 * ack_data. A record without ack_data of the source partition of the
 * open run joins it: a counter per record rather than a slot. */
static inline sl_offset_slot_t *submit(sl_task_ctx_t *t, sl_record_t *r, send_bufs_t *b)
{
	sl_offset_slot_t *slot;
	if (!r->ack_data && b->run && r->source_partition == b->run_partition) {
		slot = b->run;
		sl_offset_tracker_join(t->tracker, slot, r->source_offset);
	} else {
		slot = new_slot(t, r, b);
	}
	r->source_offset = NULL; /* the tracker owns it now, and ack_data */
	r->ack_data = NULL;
	return slot;
}

/* Applies the connector's transforms; false when the record goes no
 * further: dropped by a transform (its offset moves on like a skipped
 * record's), or failed in one and handed to the error policy, whose
 * verdict is *rc. */
static bool transform(sl_task_ctx_t *t, sl_record_t *r, send_bufs_t *b, sl_rc_t *rc)
{
	char err[1024];
	sl_tx_result_t res = sl_transform_chain_apply(t->chain, r, err, sizeof(err));
	if (res == SL_TX_KEEP)
		return true;
	*rc = res == SL_TX_DROP ? SL_OK
				: sl_task_report_error(t, "TRANSFORMATION", r, NULL, 0, "%s", err);
	give_up_or_skip(t, submit(t, r, b), *rc);
	return false;
}

/* Hands one record to the producer. The tracker slot is registered first:
 * the slot's place in submission order is what keeps offsets in order. */
static sl_rc_t send_record(sl_task_ctx_t *t, sl_record_t *r, send_bufs_t *b)
{
	if (!r->topic) {
		sl_task_fail(t, "connector produced a record without a topic");
		return SL_FAIL; /* not in the tracker: dropped with the batch's rest */
	}
	sl_rc_t rc;
	if (t->chain && !transform(t, r, b, &rc))
		return rc;
	const sl_known_topic_t *topic = resolve_topic(t, b, r->topic);
	bool skip;
	rc = convert(t, r, b, &skip);
	sl_offset_slot_t *slot = submit(t, r, b);
	if (rc == SL_OK && !skip && too_large_for_topic(b, topic, r)) {
		rc = refused_by_topic(t, r, b, topic);
		skip = true;
	}
	if (rc != SL_OK || skip) {
		give_up_or_skip(t, slot, rc);
		return rc;
	}
	return produce(t, r, b, slot);
}

/* Serves delivery reports until no dead letter queue copy is in flight,
 * for at most ms; true when none is. */
static bool dlq_settled(sl_task_ctx_t *t, int64_t ms)
{
	int64_t deadline = sl_now_ms() + ms;
	while (t->side_in_flight && !t->side_failed && sl_now_ms() < deadline)
		rd_kafka_poll(t->producer, 10);
	return !t->side_in_flight && !t->side_failed;
}

/* Stores what the tracker says is storable, then tells the connector.
 * Offsets that could not be stored are kept (newer ones replace them per
 * source partition) and tried again at every call until the store takes
 * them. Nothing is stored past a bad record whose dead letter queue copy
 * is in flight or was refused. Returns 0 when nothing is left unstored. */
static int store_offsets(sl_task_ctx_t *t)
{
	if (!dlq_settled(t, 1000))
		return t->side_failed ? 0 : -1;
	json_t *fresh = sl_offset_tracker_committable(t->tracker);
	if (fresh && t->unstored) {
		json_object_update(t->unstored, fresh);
		json_decref(fresh);
	} else if (fresh) {
		t->unstored = fresh;
	}
	if (!t->unstored)
		return 0;
	char err[512];
	if (sl_offset_store_put(t->env.offsets, t->env.settings->name, t->unstored, err,
				sizeof(err)) != 0) {
		t->store_failures++;
		if ((t->store_failures & (t->store_failures - 1)) == 0) /* 1, 2, 4, 8, ... */
			SL_ERROR(t->tag,
				 "could not store offsets of %zu source partition(s) (attempt %u; "
				 "tried again every offset.flush.interval.ms and at stop): %s",
				 json_object_size(t->unstored), t->store_failures, err);
		return -1;
	}
	if (t->store_failures)
		SL_INFO(t->tag, "offsets stored after %u failed attempt(s)", t->store_failures);
	else
		SL_DEBUG(t->tag, "stored offsets of %zu source partition(s)",
			 json_object_size(t->unstored));
	t->store_failures = 0;
	if (t->env.plugin->source->commit)
		t->env.plugin->source->commit(t, t->unstored);
	json_decref(t->unstored);
	t->unstored = NULL;
	return 0;
}

/* store_offsets, counted as Kafka Connect counts offset commits: an
 * interval with nothing new to store is a successful commit too. */
static int commit_offsets(sl_task_ctx_t *t)
{
	int64_t start = sl_now_ms();
	int rc = store_offsets(t);
	sl_task_metrics_commit(&t->metrics, rc == 0 && !t->side_failed, sl_now_ms() - start);
	return rc;
}

/* Sets the gauges read from the task thread's own state. */
static void note_gauges(sl_task_ctx_t *t)
{
	atomic_store_explicit(&t->metrics.active, sl_offset_tracker_in_flight(t->tracker),
			      memory_order_relaxed);
	atomic_store_explicit(&t->metrics.producer_queue, rd_kafka_outq_len(t->producer),
			      memory_order_relaxed);
}

static sl_rc_t do_poll(sl_task_ctx_t *t, void *arg)
{
	return t->env.plugin->source->poll(t, arg);
}

static sl_rc_t do_start(sl_task_ctx_t *t, void *arg)
{
	return t->env.plugin->source->start(t, t->config);
}

/* Produces a polled batch; SL_FAIL ends the task (the records not handed
 * to the tracker are dropped). */
static sl_rc_t send_batch(sl_task_ctx_t *t, sl_batch_t *batch, send_bufs_t *bufs)
{
	bufs->resolved_for = NULL;
	for (size_t i = 0; i < batch->count; i++) {
		sl_record_t *r = &batch->records[i];
		if (send_record(t, r, bufs) != SL_OK) {
			end_run(t, bufs);
			drop_unsent(t, batch, i);
			return SL_FAIL;
		}
		/* The producer copied the bytes (or the record went through the
		 * error policy): the record is cleared now, while the allocator
		 * can hand its blocks to the next record, not with the whole
		 * batch. */
		sl_record_clear(r);
	}
	end_run(t, bufs);
	sl_batch_reset_cleared(batch);
	return SL_OK;
}

/* A poll that returned n records after ms (Kafka Connect counts only
 * polls that returned records). */
static void note_poll(sl_task_ctx_t *t, size_t n, int64_t ms)
{
	atomic_fetch_add_explicit(&t->metrics.poll_total, n, memory_order_relaxed);
	sl_task_metrics_batch(&t->metrics, n, ms);
}

static void run_loop(sl_task_ctx_t *t)
{
	sl_batch_t batch = {0};
	send_bufs_t bufs = {0};
	char codec[32] = "";
	size_t codec_size = sizeof(codec);
	rd_kafka_conf_get(rd_kafka_conf(t->producer), "compression.codec", codec, &codec_size);
	bufs.uncompressed = !strcmp(codec, "none");
	bufs.producer_max = sl_kafka_max_message_bytes(t->producer);
	t->next_offset_flush = sl_now_ms() + t->env.offset_flush_interval_ms;
	while (!atomic_load(&t->stop) && !atomic_load(&t->producer_fatal)) {
		if (atomic_load(&t->paused) || sl_task_fenced(t)) {
			rd_kafka_poll(t->producer, 0);
			sl_task_wait(t, 100);
		} else {
			int64_t start = sl_now_ms();
			sl_rc_t rc = sl_task_with_retry(t, "poll", do_poll, &batch);
			if (rc == SL_OK && batch.count)
				note_poll(t, batch.count, sl_now_ms() - start);
			if (rc != SL_OK) /* failed, or stopped while retrying */
				drop_unsent(t, &batch, 0);
			else if (batch.count && !sl_task_hold_while_fenced(t)) {
				/* polled across a stall, and the task is lost: its
				 * records are the next owner's to send */
				drop_unsent(t, &batch, 0);
				sl_batch_reset(&batch);
				break;
			}
			/* before send_batch, which empties the batch */
			bool polled = rc == SL_OK && batch.count > 0;
			if (rc == SL_FAIL ||
			    (rc == SL_OK && send_batch(t, &batch, &bufs) != SL_OK)) {
				sl_batch_reset(&batch);
				sl_task_mark_failed(t, "poll failed");
				break;
			}
			sl_batch_reset(&batch);
			if (sl_source_txn_on(t) && sl_source_txn_due(t, polled) &&
			    sl_source_txn_commit(t, true) != 0) {
				sl_task_mark_failed(t, "transaction failed");
				break;
			}
			rd_kafka_poll(t->producer, 0);
		}
		note_gauges(t);
		if (sl_source_txn_on(t)) {
			/* offsets go with the transactions */
		} else if (sl_now_ms() >= t->next_offset_flush) {
			commit_offsets(t);
			t->next_offset_flush = sl_now_ms() + t->env.offset_flush_interval_ms;
		}
	}
	if (atomic_load(&t->producer_fatal))
		sl_task_mark_failed(t, "producer failed");
	sl_batch_free(&batch);
	sl_buf_free(&bufs.key_buf);
	sl_buf_free(&bufs.value_buf);
	if (bufs.rkt)
		rd_kafka_topic_destroy(bufs.rkt);
	free(bufs.rkt_name);
}

/* Waits (bounded by offset.flush.timeout.ms) for outstanding records,
 * then stores what was acked, trying the store again within the same
 * bound when it fails. */
static void drain_and_commit(sl_task_ctx_t *t)
{
	if (atomic_load(&t->abandon)) {
		/* lost to another member: nothing more stored or committed
		 * (an open transaction is aborted at the end of the run) */
		SL_INFO(t->tag, "lost to another member: offsets not stored");
		return;
	}
	if (sl_source_txn_on(t)) {
		/* the open transaction is committed, or aborted when it fails
		 * (its records are sent again after a restart) */
		if (t->txn_open && t->txn_pending && sl_source_txn_commit(t, false) != 0)
			SL_WARN(t->tag, "exactly once: the last transaction was not committed: "
					"its records are sent again on restart");
		return;
	}
	int64_t deadline = sl_now_ms() + t->env.offset_flush_timeout_ms;
	while (sl_offset_tracker_in_flight(t->tracker) + t->side_in_flight > 0 &&
	       sl_now_ms() < deadline && !atomic_load(&t->producer_fatal))
		rd_kafka_poll(t->producer, 50);
	note_gauges(t);
	size_t left = sl_offset_tracker_in_flight(t->tracker);
	if (left)
		SL_WARN(t->tag,
			"%zu record(s) not acknowledged within offset.flush.timeout.ms; their "
			"offsets are not stored and they will be sent again on restart",
			left);
	while (commit_offsets(t) != 0 && sl_now_ms() + 200 < deadline)
		sl_sleep_ms(200);
	if (t->unstored)
		SL_ERROR(t->tag,
			 "offsets of %zu source partition(s) could not be stored before stop; "
			 "their records will be sent again on restart",
			 json_object_size(t->unstored));
}

void *sl_source_task_run(void *arg)
{
	sl_task_ctx_t *t = arg;
	const sl_source_ops_t *ops = t->env.plugin->source;
	bool started = false;
	t->tracker = sl_offset_tracker_new();
	if (sl_task_make_converters(t) != 0 || make_producer(t) != 0 ||
	    (sl_source_txn_on(t) && sl_source_txn_start(t) != 0)) {
		sl_task_mark_failed(t, "setup failed");
		goto out;
	}
	if (sl_task_with_retry(t, "start", do_start, NULL) != SL_OK) {
		sl_task_mark_failed(t, "start failed");
		goto out;
	}
	started = true;
	SL_INFO(t->tag, "source task started");
	sl_task_set_state(t, SL_TASK_RUNNING, NULL);
	run_loop(t);
	drain_and_commit(t);
out:
	/* What is still in the producer is purged; the purge's delivery
	 * reports (served here, before stop) and then the tracker's slots
	 * never reported give every record left acked(SL_DROPPED). */
	if (t->producer && sl_source_txn_on(t))
		sl_source_txn_end(t);
	if (t->producer) {
		rd_kafka_purge(t->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(t->producer, 0);
	}
	sl_offset_tracker_drain(t->tracker, dropped, t);
	if (started && ops->stop)
		ops->stop(t);
	if (t->producer)
		rd_kafka_destroy(t->producer);
	t->producer = NULL;
	atomic_store(&t->metrics.active, 0);
	atomic_store(&t->metrics.producer_queue, -1);
	sl_offset_tracker_free(t->tracker);
	t->tracker = NULL;
	json_decref(t->unstored);
	t->unstored = NULL;
	sl_converter_free(t->key_conv);
	sl_converter_free(t->value_conv);
	t->key_conv = t->value_conv = NULL;
	sl_transform_chain_free(t->chain);
	t->chain = NULL;
	if (sl_task_get_state(t, NULL) != SL_TASK_FAILED)
		sl_task_set_state(t, SL_TASK_STOPPED, NULL);
	SL_INFO(t->tag, "source task stopped");
	return NULL;
}
