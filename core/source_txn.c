/* Exactly-once sources: the transactional producer of a source task and
 * the offsets written in its transactions (see source_txn.h). */
#include "source_txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_priv.h"
#include "sluice/buf.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/util.h"

/* How long init, commit and abort may take. */
#define TXN_TIMEOUT_MS 30000

char *sl_source_txn_id(const char *group_id, const char *connector, int task)
{
	return sl_asprintf("%s-%s-%d", group_id, connector, task);
}

int sl_source_txn_conf(sl_task_ctx_t *t, rd_kafka_conf_t *conf)
{
	char err[512];
	char *id = sl_source_txn_id(t->env.txn_id_prefix, t->env.settings->name, t->id);
	rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, "transactional.id", id, err, sizeof(err));
	free(id);
	/* a record may wait no longer than its transaction (librdkafka's
	 * rule): the transaction lasts as long as records may wait, within
	 * the broker's transaction.max.timeout.ms (15 min by default) */
	char v[32] = "";
	size_t vs = sizeof(v);
	long mt = rd_kafka_conf_get(conf, "message.timeout.ms", v, &vs) == RD_KAFKA_CONF_OK
			  ? strtol(v, NULL, 10)
			  : 0;
	if (mt <= 0 || mt > 900000)
		mt = 60000;
	snprintf(v, sizeof(v), "%ld", mt);
	if (r == RD_KAFKA_CONF_OK)
		r = rd_kafka_conf_set(conf, "message.timeout.ms", v, err, sizeof(err));
	snprintf(v, sizeof(v), "%ld", mt < 60000 ? 60000 : mt);
	if (r == RD_KAFKA_CONF_OK)
		r = rd_kafka_conf_set(conf, "transaction.timeout.ms", v, err, sizeof(err));
	if (r != RD_KAFKA_CONF_OK) {
		sl_task_fail(t, "exactly once: %s", err);
		return -1;
	}
	return 0;
}

/* Fails the task with the error e (destroyed). */
static int txn_failed(sl_task_ctx_t *t, const char *what, rd_kafka_error_t *e)
{
	bool fenced = rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__FENCED ||
		      rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED;
	sl_task_fail(t, "exactly once: %s: %s%s", what, rd_kafka_error_string(e),
		     fenced ? " (another instance of this task took over: this one stops)" : "");
	rd_kafka_error_destroy(e);
	return -1;
}

int sl_source_txn_start(sl_task_ctx_t *t)
{
	char err[512];
	const char *topic = sl_offset_store_topic(t->env.offsets);
	if (!topic) {
		sl_task_fail(t, "exactly once needs offset.storage.topic");
		return -1;
	}
	rd_kafka_error_t *e = rd_kafka_init_transactions(t->producer, TXN_TIMEOUT_MS);
	if (e)
		return txn_failed(t, "cannot start transactions", e);
	/* older instances are fenced now: what they committed is final */
	if (sl_offset_store_refresh(t->env.offsets, t->env.kafka, err, sizeof(err)) != 0) {
		sl_task_fail(t, "exactly once: %s", err);
		return -1;
	}
	/* offset records go where Java's producer puts them for their key */
	rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();
	rd_kafka_topic_conf_set(tc, "partitioner", "murmur2_random", err, sizeof(err));
	t->txn_offsets = rd_kafka_topic_new(t->producer, topic, tc);
	if (!t->txn_offsets) {
		sl_task_fail(t, "exactly once: offset topic %s: %s", topic,
			     rd_kafka_err2str(rd_kafka_last_error()));
		return -1;
	}
	if ((e = rd_kafka_begin_transaction(t->producer)))
		return txn_failed(t, "cannot begin a transaction", e);
	t->txn_open = true;
	t->txn_next = sl_now_ms() + (t->env.settings->txn_interval_ms > 0
					     ? t->env.settings->txn_interval_ms
					     : t->env.offset_flush_interval_ms);
	SL_INFO(t->tag, "exactly once: transactions of %s-%s-%d, committed at every %s",
		t->env.txn_id_prefix, t->env.settings->name, t->id,
		t->env.settings->txn_boundary == 0 ? "poll" : "interval");
	return 0;
}

bool sl_source_txn_due(sl_task_ctx_t *t, bool polled_records)
{
	if (polled_records)
		t->txn_pending = true;
	if (!t->txn_pending)
		return false;
	return t->env.settings->txn_boundary == 0 ? polled_records : sl_now_ms() >= t->txn_next;
}

/* Writes changes (offset records) into the open transaction. */
static int send_offsets(sl_task_ctx_t *t, const json_t *changes)
{
	sl_buf_t key = {0}, value = {0};
	size_t i;
	json_t *e;
	int rc = 0;
	json_array_foreach(changes, i, e) {
		sl_buf_reset(&key);
		sl_buf_reset(&value);
		sl_json_write(&key, json_object_get(e, "key"), NULL);
		sl_json_write(&value, json_object_get(e, "value"), NULL);
		rd_kafka_resp_err_t err;
		int64_t until = sl_now_ms() + TXN_TIMEOUT_MS;
		while ((err = rd_kafka_producev(t->producer, RD_KAFKA_V_RKT(t->txn_offsets),
						RD_KAFKA_V_KEY(key.data, key.len),
						RD_KAFKA_V_VALUE(value.data, value.len),
						RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
		       sl_now_ms() < until)
			rd_kafka_poll(t->producer, 10);
		if (err) {
			sl_task_fail(t, "exactly once: cannot write offsets: %s",
				     rd_kafka_err2str(err));
			rc = -1;
			break;
		}
	}
	sl_buf_free(&key);
	sl_buf_free(&value);
	return rc;
}

/* Aborts the open transaction after a failure (the task has failed). */
static void abort_open(sl_task_ctx_t *t)
{
	rd_kafka_error_t *e = rd_kafka_abort_transaction(t->producer, TXN_TIMEOUT_MS);
	if (e) {
		SL_WARN(t->tag, "exactly once: abort: %s", rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
	}
	t->txn_open = false;
}

int sl_source_txn_commit(sl_task_ctx_t *t, bool begin_next)
{
	if (!t->txn_open)
		return -1;
	/* every record of the transaction acknowledged (their reports
	 * served), so the tracker knows how far the offsets go */
	rd_kafka_resp_err_t ferr = rd_kafka_flush(t->producer, TXN_TIMEOUT_MS);
	if (ferr || t->side_failed || atomic_load(&t->producer_fatal) ||
	    sl_offset_tracker_in_flight(t->tracker)) {
		sl_task_fail(t, "exactly once: records of the transaction not acknowledged%s%s",
			     ferr ? ": " : "", ferr ? rd_kafka_err2str(ferr) : "");
		abort_open(t);
		return -1;
	}
	json_t *fresh = sl_offset_tracker_committable(t->tracker);
	json_t *changes =
		fresh ? sl_offset_store_changes(t->env.offsets, t->env.settings->name, fresh)
		      : NULL;
	int rc = changes ? send_offsets(t, changes) : 0;
	rd_kafka_error_t *e = rc ? NULL : rd_kafka_commit_transaction(t->producer, TXN_TIMEOUT_MS);
	if (rc || e) {
		if (e)
			txn_failed(t, "commit", e);
		abort_open(t);
		json_decref(changes);
		json_decref(fresh);
		return -1;
	}
	t->txn_open = t->txn_pending = false;
	if (changes) {
		sl_offset_store_note(t->env.offsets, changes);
		if (t->env.plugin->source->commit)
			t->env.plugin->source->commit(t, fresh);
	}
	json_decref(changes);
	json_decref(fresh);
	t->txn_next = sl_now_ms() + (t->env.settings->txn_interval_ms > 0
					     ? t->env.settings->txn_interval_ms
					     : t->env.offset_flush_interval_ms);
	if (!begin_next)
		return 0;
	if ((e = rd_kafka_begin_transaction(t->producer)))
		return txn_failed(t, "cannot begin a transaction", e);
	t->txn_open = true;
	return 0;
}

void sl_source_txn_end(sl_task_ctx_t *t)
{
	if (t->txn_open)
		abort_open(t);
	if (t->txn_offsets)
		rd_kafka_topic_destroy(t->txn_offsets);
	t->txn_offsets = NULL;
}
