/* The thread that runs a sink task: consume from the connector's consumer
 * group, convert, put, and commit consumer offsets only after the task's
 * flush made everything put so far durable (also on partition revocation). */
#include <stdlib.h>
#include <string.h>

#include "fetch_wake.h"
#include "sluice/log.h"
#include "task.h"
#include "worker.h"

#define SINK_BATCH_MAX 2000
/* A task that has caught up with its partitions (see caught_up())
 * flushes and commits this soon after the last flush rather than waiting
 * for offset.flush.interval.ms: what it wrote becomes durable and visible
 * (a database sink commits) within about this long of arriving, while a
 * task that is behind keeps its large flush interval for throughput. */
#define SINK_CAUGHT_UP_FLUSH_MS 100
/* After a look found the task behind, the next look at whether it caught
 * up waits this long: the look (positions and watermarks under
 * librdkafka's locks) cost more than the rest of a small batch's way
 * through the loop, and a stream in full flow comes round every few
 * microseconds with a dozen records. */
#define SINK_CAUGHT_UP_CHECK_MS 10

typedef struct sink_state {
	rd_kafka_topic_partition_list_t *pending; /* next offsets, put but uncommitted */
	/* The partitions assigned, as the rebalance callback handed them to
	 * librdkafka: rd_kafka_assignment is a round trip to librdkafka's main
	 * thread, too slow for caught_up() on every batch. */
	rd_kafka_topic_partition_list_t *assigned;
	bool dirty;              /* put since the last flush */
	rd_kafka_queue_t *queue; /* the consumer's queue */
	sl_fetch_wake_t *wake;   /* NULL on librdkafka >= 2.2 */
	rd_kafka_message_t *msgs[SINK_BATCH_MAX];
	sl_record_t records[SINK_BATCH_MAX];
	size_t count;
	/* The topic of the last message made a record, and its name: one
	 * topic's messages come in runs. Valid during one process() only,
	 * while its messages hold their topic. */
	const rd_kafka_topic_t *rkt;
	const char *topic;
	/* A converter's error; not on to_record's stack, where a buffer costs
	 * a stack canary per message. */
	char err[512];
	/* What one consume call returned, before it joins msgs: the rebalance
	 * callback runs inside that call and edits msgs meanwhile. */
	rd_kafka_message_t *fresh[SINK_BATCH_MAX];
	uint64_t revocations;         /* revocations seen so far */
	uint64_t uncommitted;         /* records consumed since the last commit */
	int64_t next_lag_check;       /* when the lag gauge is next brought up to date */
	int64_t next_caught_up_check; /* when caught_up() may look again */
	bool pause_applied;
	bool failed;    /* a flush inside a rebalance callback failed */
	bool abandoned; /* partitions lost to another member: nothing more written */
} sink_state_t;

/* ---- offsets ---- */

/* Moves a partition's pending offset forward to next (never back: the
 * batch's messages are not in offset order once process() has moved the
 * skipped ones behind the records it puts). */
static void pending_set(sink_state_t *st, const char *topic, int32_t partition, int64_t next)
{
	rd_kafka_topic_partition_t *p =
		rd_kafka_topic_partition_list_find(st->pending, topic, partition);
	if (!p)
		p = rd_kafka_topic_partition_list_add(st->pending, topic, partition);
	if (next > p->offset)
		p->offset = next;
}

/* Moves each partition's pending offset past its newest message of the
 * batch, looking the partition up once per run of its messages. */
static void pending_set_batch(sink_state_t *st)
{
	for (size_t i = 0, j; i < st->count; i = j) {
		const rd_kafka_message_t *m = st->msgs[i];
		int64_t next = m->offset + 1;
		for (j = i + 1; j < st->count && st->msgs[j]->rkt == m->rkt &&
				st->msgs[j]->partition == m->partition;
		     j++)
			if (st->msgs[j]->offset >= next)
				next = st->msgs[j]->offset + 1;
		pending_set(st, rd_kafka_topic_name(m->rkt), m->partition, next);
	}
}

static sl_rc_t do_flush(sl_task_ctx_t *t, void *arg)
{
	return t->env.plugin->sink->flush(t);
}

/* Waits until Kafka acknowledged every dead letter queue copy and every
 * sl_task_produce record sent so far: a skipped record is committed only
 * after its copy is in Kafka, a delivered one only after its report.
 * SL_FAIL with the reason recorded when one was refused or not
 * acknowledged in time. */
static sl_rc_t side_flush(sl_task_ctx_t *t)
{
	if (!t->producer)
		return SL_OK;
	rd_kafka_resp_err_t err = rd_kafka_flush(t->producer, 30000);
	if (t->side_failed)
		return SL_FAIL;
	if (err) {
		sl_task_fail(t,
			     "%zu dead letter queue or report record(s) not acknowledged within "
			     "30 s (%s); nothing is committed past them",
			     t->side_in_flight, rd_kafka_err2str(err));
		return SL_FAIL;
	}
	return SL_OK;
}

/* Flushes the connector and, once it says the data is durable, commits the
 * offsets after everything put; *committed says whether Kafka took the
 * commit (a refusal is not an error: see below). */
static sl_rc_t flush_then_commit(sl_task_ctx_t *t, sink_state_t *st, bool *committed)
{
	*committed = false;
	sl_rc_t rc = sl_task_with_retry(t, "flush", do_flush, NULL);
	if (rc != SL_OK)
		return rc;
	/* after the connector's flush: what it reported while finishing its
	 * writes (late errors, outcome reports) is in Kafka before the commit */
	if (side_flush(t) != SL_OK)
		return SL_FAIL;
	st->dirty = false;
	*committed = true;
	if (st->pending->cnt == 0)
		return SL_OK;
	rd_kafka_resp_err_t err = rd_kafka_commit(t->consumer, st->pending, 0);
	if (err) {
		/* Not fatal: the records are durable in the sink, so the worst
		 * case is that they are delivered again. */
		SL_WARN(t->tag, "offset commit failed (records may be delivered again): %s",
			rd_kafka_err2str(err));
		*committed = false;
		return SL_OK;
	}
	SL_DEBUG(t->tag, "committed offsets of %d partition(s)", st->pending->cnt);
	rd_kafka_topic_partition_list_destroy(st->pending);
	st->pending = rd_kafka_topic_partition_list_new(8);
	return SL_OK;
}

/* flush_then_commit when something was put since the last flush, counted
 * as Kafka Connect counts commits: one with nothing new is skipped (and a
 * success); a commit Kafka refused is a failure, not fatal. */
static sl_rc_t flush_and_commit(sl_task_ctx_t *t, sink_state_t *st)
{
	sl_task_metrics_t *m = &t->metrics;
	if (!st->dirty) {
		atomic_fetch_add_explicit(&m->commit_skip_total, 1, memory_order_relaxed);
		sl_task_metrics_commit(m, true, 0);
		return SL_OK;
	}
	/* a worker that may have lost the task writes nothing more */
	if (!sl_task_hold_while_fenced(t) || atomic_load(&t->abandon))
		return SL_OK;
	int64_t start = sl_now_ms();
	bool committed;
	sl_rc_t rc = flush_then_commit(t, st, &committed);
	sl_task_metrics_commit(m, committed, sl_now_ms() - start);
	if (committed) {
		atomic_fetch_add_explicit(&m->commit_completion_total, 1, memory_order_relaxed);
		st->uncommitted = 0;
		atomic_store_explicit(&m->sink_active, 0, memory_order_relaxed);
	}
	return rc;
}

/* ---- rebalance ---- */

static void drop_pending_of(sink_state_t *st, const rd_kafka_topic_partition_list_t *parts)
{
	for (int i = 0; i < parts->cnt; i++)
		rd_kafka_topic_partition_list_del(st->pending, parts->elems[i].topic,
						  parts->elems[i].partition);
}

/* Drops collected, not yet put messages of the revoked partitions: their
 * new owner reads them from the committed offset. */
static void drop_collected_of(sink_state_t *st, const rd_kafka_topic_partition_list_t *parts)
{
	size_t keep = 0;
	for (size_t i = 0; i < st->count; i++) {
		rd_kafka_message_t *m = st->msgs[i];
		if (rd_kafka_topic_partition_list_find(parts, rd_kafka_topic_name(m->rkt),
						       m->partition)) {
			rd_kafka_message_destroy(m);
			continue;
		}
		st->msgs[keep++] = m;
	}
	st->count = keep;
}

static void apply_pause(sl_task_ctx_t *t, sink_state_t *st, bool pause)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	if (rd_kafka_assignment(t->consumer, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
		return;
	if (pause)
		rd_kafka_pause_partitions(t->consumer, a);
	else
		rd_kafka_resume_partitions(t->consumer, a);
	rd_kafka_topic_partition_list_destroy(a);
	st->pause_applied = pause;
}

/* auto.offset.reset as a ListOffsets timestamp (-2 the log's start, -1
 * its end); 0 when it is "error". */
static int64_t reset_timestamp(rd_kafka_t *rk)
{
	char v[32];
	size_t size = sizeof(v);
	if (rd_kafka_conf_get(rd_kafka_conf(rk), "auto.offset.reset", v, &size) != RD_KAFKA_CONF_OK)
		return 0;
	if (!strcmp(v, "smallest") || !strcmp(v, "earliest") || !strcmp(v, "beginning"))
		return -2;
	if (!strcmp(v, "largest") || !strcmp(v, "latest") || !strcmp(v, "end"))
		return -1;
	return 0;
}

/* Sets where each newly assigned partition starts: its committed offset,
 * or, when the group never committed one, the offset auto.offset.reset
 * names, looked up now. librdkafka does the same when left to it, but
 * 2.0.2 waits 100 ms (500 ms when the partition's leader is not yet
 * known to it) before it looks up the log's start or end for a partition
 * without a committed offset, which made a new sink's first record that
 * late. Partitions whose offsets cannot be found now are left to
 * librdkafka. */
static void set_start_offsets(sl_task_ctx_t *t, rd_kafka_t *rk,
			      rd_kafka_topic_partition_list_t *parts)
{
	int64_t reset = reset_timestamp(rk);
	if (!reset || !parts->cnt)
		return;
	rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
	rd_kafka_topic_partition_list_t *ends = rd_kafka_topic_partition_list_new(c->cnt);
	rd_kafka_resp_err_t err = rd_kafka_committed(rk, c, 10000);
	for (int i = 0; !err && i < c->cnt; i++) {
		if (!c->elems[i].err && c->elems[i].offset >= 0)
			parts->elems[i].offset = c->elems[i].offset;
		else if (!c->elems[i].err)
			rd_kafka_topic_partition_list_add(ends, c->elems[i].topic,
							  c->elems[i].partition)
				->offset = reset;
	}
	if (!err && ends->cnt)
		err = rd_kafka_offsets_for_times(rk, ends, 10000);
	for (int i = 0; !err && i < ends->cnt; i++) {
		const rd_kafka_topic_partition_t *e = &ends->elems[i];
		rd_kafka_topic_partition_t *p =
			rd_kafka_topic_partition_list_find(parts, e->topic, e->partition);
		if (p && !e->err && e->offset >= 0)
			p->offset = e->offset;
	}
	if (err)
		SL_DEBUG(t->tag, "start offsets not found (%s): librdkafka looks them up",
			 rd_kafka_err2str(err));
	rd_kafka_topic_partition_list_destroy(ends);
	rd_kafka_topic_partition_list_destroy(c);
}

typedef struct open_call {
	sl_topic_partition_t *parts;
	size_t count;
} open_call_t;

static sl_rc_t call_open(sl_task_ctx_t *t, void *arg)
{
	open_call_t *c = arg;
	for (size_t i = 0; i < c->count; i++)
		c->parts[i].offset = -1; /* a retry starts afresh */
	return t->env.plugin->sink->open(t, c->parts, c->count);
}

/* The connector's open: where it keeps its own positions, they win over
 * the group's. false when it failed. */
static bool open_partitions(sl_task_ctx_t *t, rd_kafka_topic_partition_list_t *parts)
{
	const sl_sink_ops_t *ops = t->env.plugin->sink;
	if (!ops->open || !parts->cnt)
		return true;
	sl_topic_partition_t *tp = sl_calloc((size_t)parts->cnt, sizeof(*tp));
	for (int i = 0; i < parts->cnt; i++)
		tp[i] = (sl_topic_partition_t){
			.topic = parts->elems[i].topic,
			.partition = parts->elems[i].partition,
		};
	open_call_t call = {tp, (size_t)parts->cnt};
	sl_rc_t rc = sl_task_with_retry(t, "open", call_open, &call);
	for (int i = 0; rc == SL_OK && i < parts->cnt; i++)
		if (tp[i].offset >= 0) {
			SL_INFO(t->tag, "%s-%d starts at %lld, the position the connector kept",
				tp[i].topic, (int)tp[i].partition, (long long)tp[i].offset);
			parts->elems[i].offset = tp[i].offset;
		}
	free(tp);
	return rc == SL_OK;
}

/* Called from rd_kafka_consumer_poll on the task thread. On revocation the
 * connector flushes and offsets are committed before the partitions go. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	sl_task_ctx_t *t = opaque;
	sink_state_t *st = t->runner;
	bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		SL_INFO(t->tag, "assigned %d partition(s)", parts->cnt);
		set_start_offsets(t, rk, parts);
		if (!st->failed && !open_partitions(t, parts))
			st->failed = true; /* the loop fails the task */
		if (cooperative) {
			rd_kafka_incremental_assign(rk, parts);
		} else {
			rd_kafka_assign(rk, parts);
			rd_kafka_topic_partition_list_destroy(st->assigned);
			st->assigned = rd_kafka_topic_partition_list_new(parts->cnt);
		}
		for (int i = 0; i < parts->cnt; i++)
			if (!rd_kafka_topic_partition_list_find(st->assigned, parts->elems[i].topic,
								parts->elems[i].partition))
				rd_kafka_topic_partition_list_add(st->assigned,
								  parts->elems[i].topic,
								  parts->elems[i].partition);
		if (atomic_load(&t->paused))
			apply_pause(t, st, true);
		return;
	}
	st->revocations++;
	drop_collected_of(st, parts);
	if ((rd_kafka_assignment_lost(rk) && t->env.lease_until_ms) || atomic_load(&t->abandon) ||
	    sl_task_fenced(t)) {
		/* another member may own them already: what this task holds
		 * is not written (its records come again to the new owner) */
		SL_WARN(t->tag,
			"%d partition(s) lost (this task's group membership ran out, or its "
			"worker's): nothing flushed or committed",
			parts->cnt);
		st->failed = st->abandoned = true;
	} else if (st->failed) {
		SL_INFO(t->tag, "%d partition(s) revoked from a failed task: nothing committed",
			parts->cnt);
	} else {
		SL_INFO(t->tag, "%d partition(s) revoked: flushing before they go", parts->cnt);
		if (flush_and_commit(t, st) != SL_OK) {
			SL_WARN(t->tag, "flush on revocation failed; uncommitted records will be "
					"delivered again to the next owner");
			st->failed = true;
		}
	}
	drop_pending_of(st, parts);
	if (cooperative) {
		rd_kafka_incremental_unassign(rk, parts);
		for (int i = 0; i < parts->cnt; i++)
			rd_kafka_topic_partition_list_del(st->assigned, parts->elems[i].topic,
							  parts->elems[i].partition);
	} else {
		rd_kafka_assign(rk, NULL);
		rd_kafka_topic_partition_list_destroy(st->assigned);
		st->assigned = rd_kafka_topic_partition_list_new(8);
	}
}

/* ---- messages to records ---- */

static void copy_headers(const rd_kafka_message_t *m, sl_record_t *r)
{
	rd_kafka_headers_t *h = NULL;
	if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	const char *name;
	const void *val;
	size_t len;
	for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &len); i++)
		sl_record_add_header(r, name, val, len);
}

/* Fills r (clear: process() clears every record it used) from m; returns
 * SL_OK with *skip when a bad record was tolerated. */
static sl_rc_t to_record(sl_task_ctx_t *t, sink_state_t *st, const rd_kafka_message_t *m,
			 sl_record_t *r, bool *skip)
{
	if (m->rkt != st->rkt) {
		st->rkt = m->rkt;
		st->topic = rd_kafka_topic_name(m->rkt);
	}
	const char *topic = st->topic;
	*skip = false;
	r->topic = topic; /* borrowed from the message, alive until put returns */
	r->partition = m->partition;
	r->offset = m->offset;
	rd_kafka_timestamp_type_t tstype;
	r->timestamp = rd_kafka_message_timestamp(m, &tstype);
	t->cur_msg = m;
	if (sl_converter_to_value(t->key_conv, topic, m->key, m->key_len, &r->key, st->err,
				  sizeof(st->err)) != 0) {
		*skip = true;
		return sl_task_report_error(t, "KEY_CONVERTER", NULL, NULL, 0, "%s", st->err);
	}
	if (sl_converter_to_value(t->value_conv, topic, m->payload, m->payload ? m->len : 0,
				  &r->value, st->err, sizeof(st->err)) != 0) {
		*skip = true;
		return sl_task_report_error(t, "VALUE_CONVERTER", NULL, NULL, 0, "%s", st->err);
	}
	/* Only for a task or a transform that reads them: librdkafka 2.0.2
	 * allocates and frees a parse buffer to find out that a message has no
	 * headers. */
	if (!t->sink_headers_off || t->chain)
		copy_headers(m, r);
	return SL_OK;
}

/* Applies the connector's transforms to a converted record; *skip when it
 * is not put (dropped by a transform, or failed in one and tolerated by
 * the error policy): its offset moves on with the batch. */
static sl_rc_t transform(sl_task_ctx_t *t, sl_record_t *r, bool *skip)
{
	char err[1024];
	sl_tx_result_t res = sl_transform_chain_apply(t->chain, r, err, sizeof(err));
	/* a connector gets JSON, never a transform's FIELDS */
	sl_value_materialize(&r->key);
	sl_value_materialize(&r->value);
	*skip = res != SL_TX_KEEP;
	if (res != SL_TX_ERROR)
		return SL_OK;
	return sl_task_report_error(t, "TRANSFORMATION", NULL, NULL, 0, "%s", err);
}

/* ---- setup ---- */

/* The cooperative protocol, where asked for, is used; but librdkafka
 * before 2.10 drops a consumer's whole assignment when an offset commit
 * meets a rebalance of its group (its issue 4059), and the records since
 * the task's last commit are then delivered again (never lost). The
 * default (eager) assignors do not meet it: a sink's offsets are
 * committed in the revocation callback, before the group moves on. */
static void warn_cooperative(sl_task_ctx_t *t, rd_kafka_conf_t *conf)
{
	char v[256] = "";
	size_t size = sizeof(v);
	if (rd_kafka_conf_get(conf, "partition.assignment.strategy", v, &size) ==
		    RD_KAFKA_CONF_OK &&
	    strstr(v, "cooperative") && rd_kafka_version() < 0x020a0000)
		SL_WARN(t->tag,
			"partition.assignment.strategy=%s: librdkafka %s drops a consumer's "
			"assignment when an offset commit meets a rebalance (its issue 4059); this "
			"sink then delivers the records since its last commit again. The default "
			"assignors (range,roundrobin) do not.",
			v, rd_kafka_version_str());
}

static int make_consumer(sl_task_ctx_t *t)
{
	char err[512];
	rd_kafka_conf_t *conf = sl_task_client_conf(t, SL_CLIENT_CONSUMER, "consumer");
	if (!conf)
		return -1;
	char *group = sl_asprintf("connect-%s", t->env.settings->name);
	rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err));
	free(group);
	warn_cooperative(t, conf);
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_error_cb(conf, sl_task_on_kafka_error);
	rd_kafka_conf_set_opaque(conf, t);
	t->consumer = sl_kafka_client_new(SL_CLIENT_CONSUMER, conf, err, sizeof(err));
	if (!t->consumer) {
		sl_task_fail(t, "cannot create consumer: %s", err);
		return -1;
	}
	rd_kafka_poll_set_consumer(t->consumer);
	sink_state_t *st = t->runner;
	st->queue = rd_kafka_queue_get_consumer(t->consumer);
	st->wake = sl_fetch_wake_new(t->consumer, st->queue);
	return 0;
}

/* Subscribes to topics or topics.regex (anchored like Java's matches()). */
static int subscribe(sl_task_ctx_t *t)
{
	const sl_connector_settings_t *s = t->env.settings;
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
	if (s->topics_regex && *s->topics_regex) {
		char *re = sl_sink_topics_pattern(s->topics_regex);
		rd_kafka_topic_partition_list_add(l, re, RD_KAFKA_PARTITION_UA);
		free(re);
	} else {
		for (char **p = s->topics; p && *p; p++) {
			/* librdkafka's mock cluster creates an unknown topic with
			 * 4 partitions on any metadata request, so a sink that
			 * subscribes first would scatter a pipeline's order; in
			 * embedded mode create it with one partition first. */
			if (sl_kafka_is_embedded(t->env.kafka))
				sl_task_ensure_topic(t, t->consumer, *p, -1, -1);
			rd_kafka_topic_partition_list_add(l, *p, RD_KAFKA_PARTITION_UA);
		}
	}
	rd_kafka_resp_err_t err = rd_kafka_subscribe(t->consumer, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (err) {
		sl_task_fail(t, "cannot subscribe: %s", rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

/* ---- the loop ---- */

/* Keeps only the messages of partitions still assigned; returns how many.
 * When the assignment is unknown it keeps all: at worst delivered twice. */
static size_t keep_assigned(sl_task_ctx_t *t, rd_kafka_message_t **msgs, size_t n)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	if (rd_kafka_assignment(t->consumer, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
		return n;
	size_t keep = 0;
	for (size_t i = 0; i < n; i++) {
		rd_kafka_message_t *m = msgs[i];
		if (!m->err && !rd_kafka_topic_partition_list_find(a, rd_kafka_topic_name(m->rkt),
								   m->partition)) {
			rd_kafka_message_destroy(m);
			continue;
		}
		msgs[keep++] = m;
	}
	rd_kafka_topic_partition_list_destroy(a);
	return keep;
}

/* One consume call for up to max messages, waiting at most timeout_ms;
 * appends them to msgs and returns how many the call returned (errors
 * included). Rebalance callbacks run inside the call. librdkafka drops
 * the revoked partitions' messages it already holds; in case one slips
 * through, they are dropped here too: their new owner reads them from the
 * committed offset. */
static size_t consume(sl_task_ctx_t *t, sink_state_t *st, int timeout_ms, size_t max)
{
	uint64_t revocations = st->revocations;
	ssize_t got = rd_kafka_consume_batch_queue(st->queue, timeout_ms, st->fresh, max);
	if (got <= 0)
		return 0;
	size_t n = (size_t)got;
	if (st->revocations != revocations)
		n = keep_assigned(t, st->fresh, n);
	uint64_t read = 0;
	for (size_t i = 0; i < n; i++) {
		rd_kafka_message_t *m = st->fresh[i];
		if (!m->err) {
			st->msgs[st->count++] = m;
			st->uncommitted++;
			read++;
			continue;
		}
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			SL_WARN(t->tag, "consumer: %s", rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
	}
	atomic_fetch_add_explicit(&t->metrics.read_total, read, memory_order_relaxed);
	return (size_t)got;
}

/* Collects up to SINK_BATCH_MAX messages, waiting at most timeout_ms for
 * the first: a consume call per batch, not a poll per message, halves
 * librdkafka's cost per message. A call for many messages waits until
 * all came or the timeout passed, so only the wait for the first one
 * blocks. */
static void collect(sl_task_ctx_t *t, sink_state_t *st, int timeout_ms)
{
	if (consume(t, st, 0, SINK_BATCH_MAX) || !consume(t, st, timeout_ms, 1))
		return;
	consume(t, st, 0, SINK_BATCH_MAX - st->count);
}

static sl_rc_t do_put(sl_task_ctx_t *t, void *arg)
{
	size_t *n = arg;
	return t->env.plugin->sink->put(t, (sl_record_t *)t->cur_records, *n);
}

/* Converts the collected messages and puts them (the put started at
 * start, *now when it returned). Offsets move only after put succeeded
 * (skipped bad records move with them). SL_FAIL ends the task; SL_RETRY
 * means the task is stopping mid-retry and nothing of this batch may be
 * committed. Leaves every record clear. */
static sl_rc_t process(sl_task_ctx_t *t, sink_state_t *st, int64_t start, int64_t *now)
{
	size_t n = 0;
	sl_rc_t rc = SL_OK;
	st->rkt = NULL;
	for (size_t i = 0; i < st->count && rc == SL_OK; i++) {
		bool skip;
		rd_kafka_message_t *m = st->msgs[i];
		rc = to_record(t, st, m, &st->records[n], &skip);
		if (rc == SL_OK && !skip && t->chain)
			rc = transform(t, &st->records[n], &skip);
		if (rc != SL_OK || skip) {
			sl_record_clear(&st->records[n]);
			continue;
		}
		/* Keep records and their messages side by side. */
		st->msgs[i] = st->msgs[n];
		st->msgs[n++] = m;
	}
	t->cur_msg = NULL;
	t->cur_records = st->records;
	t->cur_msgs = st->msgs;
	t->cur_count = n;
	if (rc == SL_OK && n) {
		rc = sl_task_with_retry(t, "put", do_put, &n);
		*now = sl_now_ms();
		if (rc == SL_OK) {
			atomic_fetch_add_explicit(&t->metrics.send_total, n, memory_order_relaxed);
			sl_task_metrics_batch(&t->metrics, n, *now - start);
		}
	}
	t->cur_records = NULL;
	t->cur_msgs = NULL;
	t->cur_count = 0;
	for (size_t i = 0; i < n; i++)
		sl_record_clear(&st->records[i]);
	if (rc != SL_OK)
		return rc;
	pending_set_batch(st);
	st->dirty = true;
	return SL_OK;
}

/* The largest lag of an assigned partition: the high watermark of its
 * latest fetch minus the task's position (a partition whose position or
 * watermark is not known yet counts as 0). With first_only it stops at
 * the first partition that lags; otherwise it sets the lag gauge. */
static int64_t lag_max(sl_task_ctx_t *t, const sink_state_t *st, bool first_only)
{
	int64_t max = 0;
	if (st->assigned->cnt) {
		rd_kafka_topic_partition_list_t *a =
			rd_kafka_topic_partition_list_copy(st->assigned);
		if (rd_kafka_position(t->consumer, a) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			for (int i = 0; i < a->cnt && !(first_only && max > 0); i++) {
				int64_t lo, hi;
				const rd_kafka_topic_partition_t *p = &a->elems[i];
				if (p->offset >= 0 &&
				    rd_kafka_get_watermark_offsets(t->consumer, p->topic,
								   p->partition, &lo, &hi) ==
					    RD_KAFKA_RESP_ERR_NO_ERROR &&
				    hi >= 0 && p->offset < hi && hi - p->offset > max)
					max = hi - p->offset;
			}
		}
		rd_kafka_topic_partition_list_destroy(a);
	}
	if (!first_only)
		atomic_store_explicit(&t->metrics.lag_max, max, memory_order_relaxed);
	return max;
}

/* Brings the gauges read from the task's own state up to date; the lag
 * (a walk over the assignment) at most once a second. */
static void note_gauges(sl_task_ctx_t *t, sink_state_t *st, int64_t now)
{
	sl_task_metrics_t *m = &t->metrics;
	atomic_store_explicit(&m->sink_active, st->uncommitted, memory_order_relaxed);
	atomic_store_explicit(&m->partition_count, st->assigned->cnt, memory_order_relaxed);
	atomic_store_explicit(&m->producer_queue, t->producer ? rd_kafka_outq_len(t->producer) : -1,
			      memory_order_relaxed);
	if (now >= st->next_lag_check) {
		lag_max(t, st, false);
		st->next_lag_check = now + 1000;
	}
}

/* Whether the task has caught up with its partitions: every assigned
 * partition's position is at the newest offset the broker reported (the
 * high watermark of its latest fetch; the assignment is the task's own copy
 * and the rest local lookups: no request, no round trip to librdkafka's
 * main thread). A batch
 * short of full is not enough: with large records the prefetch queue runs
 * dry between fetches, and a stream in full flow would then flush (and
 * fsync) every SINK_CAUGHT_UP_FLUSH_MS. After a look that found it behind,
 * says no for SINK_CAUGHT_UP_CHECK_MS without looking. */
static bool caught_up(sl_task_ctx_t *t, sink_state_t *st, int64_t now)
{
	if (now < st->next_caught_up_check)
		return false;
	if (lag_max(t, st, true) == 0)
		return true;
	st->next_caught_up_check = now + SINK_CAUGHT_UP_CHECK_MS;
	return false;
}

/* Whether it is time to flush: the interval is up, the connector asked for
 * it, or the task has unflushed records, the last flush is
 * SINK_CAUGHT_UP_FLUSH_MS old, the batch was short of full and the task
 * caught up with its partitions (looked at only then). */
static bool flush_due(sl_task_ctx_t *t, sink_state_t *st, bool batch_full, int64_t last_flush,
		      int64_t now)
{
	if (now >= t->next_offset_flush || (t->flush_requested && st->dirty))
		return true;
	return st->dirty && !batch_full && now - last_flush >= SINK_CAUGHT_UP_FLUSH_MS &&
	       caught_up(t, st, now);
}

/* How long to wait for the first message of the next batch: no longer
 * than until the caught-up flush falls due when there is something to
 * flush (otherwise the last records before a quiet spell would wait the
 * whole timeout to become durable and visible), or, once it is due, until
 * caught_up() looks again. Not 0 while a look found the task behind: the
 * loop would spin through empty batches until the next record came. */
static int wait_ms(const sl_task_ctx_t *t, const sink_state_t *st, bool paused, int64_t last_flush,
		   int64_t now)
{
	int ms = paused ? 100 : sl_task_timeout_ms(t);
	if (st->dirty) {
		int64_t due = last_flush + SINK_CAUGHT_UP_FLUSH_MS;
		if (due < st->next_caught_up_check)
			due = st->next_caught_up_check;
		if (due - now < ms)
			ms = due > now ? (int)(due - now) : 0;
	}
	return ms;
}

static void run_loop(sl_task_ctx_t *t, sink_state_t *st)
{
	bool failed = false;
	int64_t last_flush = sl_now_ms(), now = last_flush;
	t->next_offset_flush = last_flush + t->env.offset_flush_interval_ms;
	while (!atomic_load(&t->stop) && !st->failed && !failed) {
		bool paused = atomic_load(&t->paused) || sl_task_fenced(t);
		if (paused != st->pause_applied)
			apply_pause(t, st, paused);
		collect(t, st, wait_ms(t, st, paused, last_flush, now));
		sl_fetch_wake_check(st->wake, st->msgs, st->count);
		bool batch_full = st->count >= SINK_BATCH_MAX;
		/* one clock reading before the put and one after it serve the
		 * whole turn of the loop */
		now = sl_now_ms();
		/* records collected across a stall wait for the membership (or
		 * are left to the next owner: not put, not committed) */
		if (st->count && !sl_task_hold_while_fenced(t)) {
			for (size_t i = 0; i < st->count; i++)
				rd_kafka_message_destroy(st->msgs[i]);
			st->count = 0;
			break;
		}
		sl_rc_t rc = st->count ? process(t, st, now, &now) : SL_OK;
		for (size_t i = 0; i < st->count; i++)
			rd_kafka_message_destroy(st->msgs[i]);
		st->count = 0;
		if (rc == SL_FAIL)
			failed = true;
		if (rc != SL_OK)
			break; /* SL_RETRY: stopping in the middle of retries */
		note_gauges(t, st, now);
		if (flush_due(t, st, batch_full, last_flush, now)) {
			failed = flush_and_commit(t, st) == SL_FAIL;
			t->flush_requested = false;
			now = last_flush = sl_now_ms();
			t->next_offset_flush = last_flush + t->env.offset_flush_interval_ms;
		}
	}
	if (st->abandoned && !atomic_load(&t->stop)) {
		sl_task_mark_failed(t, "its partitions were lost to another member (group "
				       "membership ran out): nothing flushed or committed");
	} else if ((failed || st->failed) && !st->abandoned) {
		st->failed = true; /* no flush or commit from here on */
		sl_task_mark_failed(t, "sink task failed");
	}
}

static sl_rc_t do_start(sl_task_ctx_t *t, void *arg)
{
	return t->env.plugin->sink->start(t, t->config);
}

void *sl_sink_task_run(void *arg)
{
	sl_task_ctx_t *t = arg;
	const sl_sink_ops_t *ops = t->env.plugin->sink;
	sink_state_t *st = sl_calloc(1, sizeof(*st));
	st->pending = rd_kafka_topic_partition_list_new(8);
	st->assigned = rd_kafka_topic_partition_list_new(8);
	for (size_t i = 0; i < SINK_BATCH_MAX; i++)
		sl_record_init(&st->records[i]);
	t->runner = st;
	bool started = false;
	if (sl_task_make_converters(t) != 0 || make_consumer(t) != 0) {
		sl_task_mark_failed(t, "setup failed");
		goto out;
	}
	if (sl_task_with_retry(t, "start", do_start, NULL) != SL_OK) {
		sl_task_mark_failed(t, "start failed");
		goto out;
	}
	started = true;
	if (subscribe(t) != 0) {
		sl_task_mark_failed(t, "subscribe failed");
		goto out;
	}
	SL_INFO(t->tag, "sink task started (group connect-%s)", t->env.settings->name);
	sl_task_set_state(t, SL_TASK_RUNNING, NULL);
	run_loop(t, st);
	if (atomic_load(&t->abandon) || st->abandoned)
		st->failed = true; /* lost: nothing more written (close flushes nothing) */
	else if (sl_task_get_state(t, NULL) != SL_TASK_FAILED)
		flush_and_commit(t, st);
out:
	if (t->consumer) {
		/* Close leaves the group at once (so a restarted task need
		 * not wait for the session timeout); its revocation callback
		 * flushes unless the task failed. */
		st->failed |= sl_task_get_state(t, NULL) == SL_TASK_FAILED;
		SL_DEBUG(t->tag, "fetcher woken %zu time(s)", sl_fetch_wake_count(st->wake));
		sl_fetch_wake_free(st->wake);
		rd_kafka_consumer_close(t->consumer);
		if (st->queue)
			rd_kafka_queue_destroy(st->queue);
		rd_kafka_destroy(t->consumer);
		t->consumer = NULL;
	}
	if (started && ops->stop)
		ops->stop(t);
	if (t->producer) {
		rd_kafka_flush(t->producer, 5000);
		rd_kafka_destroy(t->producer);
		t->producer = NULL;
	}
	rd_kafka_topic_partition_list_destroy(st->pending);
	rd_kafka_topic_partition_list_destroy(st->assigned);
	free(st);
	t->runner = NULL;
	sl_converter_free(t->key_conv);
	sl_converter_free(t->value_conv);
	t->key_conv = t->value_conv = NULL;
	sl_transform_chain_free(t->chain);
	t->chain = NULL;
	atomic_store(&t->metrics.partition_count, 0);
	atomic_store(&t->metrics.producer_queue, -1);
	if (sl_task_get_state(t, NULL) != SL_TASK_FAILED)
		sl_task_set_state(t, SL_TASK_STOPPED, NULL);
	SL_INFO(t->tag, "sink task stopped");
	return NULL;
}
