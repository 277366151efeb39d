/* The error policy for bad records: errors.tolerance, errors.log.*, and the
 * dead letter queue with Kafka Connect's __connect.errors.* headers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/log.h"
#include "task.h"

/* The Kafka message a sink record came from, when there is one. */
static const rd_kafka_message_t *origin_of(const sl_task_ctx_t *t, const sl_record_t *rec)
{
	if (rec && t->cur_records && rec >= t->cur_records && rec < t->cur_records + t->cur_count)
		return t->cur_msgs[rec - t->cur_records];
	return t->cur_msg;
}

/* Where a bad input sits in Kafka: its message's topic, partition and
 * offset, or, for a sink record reported after its put returned (a
 * connector that keeps what it was given until the far side answers), the
 * record's own. False for source records and input without a place. */
typedef struct origin {
	const char *topic;
	int partition;
	long long offset;
} origin_t;

static bool origin_where(const rd_kafka_message_t *m, const sl_record_t *rec, origin_t *o)
{
	if (m) {
		*o = (origin_t){rd_kafka_topic_name(m->rkt), (int)m->partition,
				(long long)m->offset};
		return true;
	}
	if (!rec || !rec->topic || rec->offset < 0 || rec->source_partition)
		return false;
	*o = (origin_t){rec->topic, (int)rec->partition, (long long)rec->offset};
	return true;
}

static void add_header(rd_kafka_headers_t *h, const char *name, const char *value)
{
	rd_kafka_header_add(h, name, -1, value, -1);
}

/* Adds a record's headers (a null value stays null). */
static void add_record_headers(rd_kafka_headers_t *h, const sl_record_t *rec)
{
	for (size_t i = 0; i < rec->header_count; i++)
		rd_kafka_header_add(h, rec->headers[i].key, -1, rec->headers[i].value,
				    rec->headers[i].value ? (ssize_t)rec->headers[i].len : 0);
}

static void add_context_headers(sl_task_ctx_t *t, rd_kafka_headers_t *h,
				const rd_kafka_message_t *m, const sl_record_t *rec,
				const char *stage, const char *reason)
{
	char num[32];
	origin_t o;
	if (origin_where(m, rec, &o)) {
		add_header(h, "__connect.errors.topic", o.topic);
		snprintf(num, sizeof(num), "%d", o.partition);
		add_header(h, "__connect.errors.partition", num);
		snprintf(num, sizeof(num), "%lld", o.offset);
		add_header(h, "__connect.errors.offset", num);
	}
	add_header(h, "__connect.errors.connector.name", t->env.settings->name);
	snprintf(num, sizeof(num), "%d", t->id);
	add_header(h, "__connect.errors.task.id", num);
	add_header(h, "__connect.errors.stage", stage);
	add_header(h, "__connect.errors.class.name", t->env.settings->connector_class);
	/* Kafka's converters and transforms throw DataException */
	bool conversion = strstr(stage, "CONVERTER") != NULL || !strcmp(stage, "TRANSFORMATION");
	add_header(h, "__connect.errors.exception.class.name",
		   conversion ? "org.apache.kafka.connect.errors.DataException"
			      : "org.apache.kafka.connect.errors.ConnectException");
	add_header(h, "__connect.errors.exception.message", reason);
	add_header(h, "__connect.errors.exception.stacktrace", reason);
}

void sl_task_dlq_delivered(sl_task_ctx_t *t, const rd_kafka_message_t *m)
{
	if (t->side_in_flight)
		t->side_in_flight--;
	if (!m->err || t->side_failed)
		return;
	t->side_failed = true;
	const char *topic = rd_kafka_topic_name(m->rkt);
	bool dlq = t->env.settings->dlq_topic && !strcmp(topic, t->env.settings->dlq_topic);
	if (dlq)
		atomic_fetch_add(&t->metrics.dlq_failures, 1);
	sl_task_fail(t,
		     "%s topic %s refused a record of %zu bytes: %s; nothing is committed past "
		     "the record it carried (fix the topic, e.g. its max.message.bytes, and "
		     "restart the task)",
		     dlq ? "dead letter queue" : "report", topic, m->len, rd_kafka_err2str(m->err));
	SL_ERROR(t->tag, "%s", t->fail_reason);
}

/* Delivery reports of a sink task's own dead letter queue producer, served
 * on the task thread by the rd_kafka_flush before each commit. */
static void on_dlq_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	sl_task_dlq_delivered(opaque, m);
}

/* The producer for dead letter queue records (and a sink task's
 * sl_task_produce): a source task's own (its delivery callback routes them
 * here), or one made for a sink task. */
static rd_kafka_t *dlq_producer(sl_task_ctx_t *t, char *err, size_t err_size)
{
	if (t->producer)
		return t->producer;
	rd_kafka_conf_t *conf = sl_task_client_conf(t, SL_CLIENT_PRODUCER, "dlq-producer");
	if (!conf) {
		snprintf(err, err_size, "%s", t->fail_reason);
		return NULL;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_dlq_delivery);
	rd_kafka_conf_set_opaque(conf, t);
	t->producer = sl_kafka_client_new(SL_CLIENT_PRODUCER, conf, err, err_size);
	return t->producer;
}

/* Bytes the headers add to a record, as librdkafka counts them (roughly). */
static size_t headers_size(const rd_kafka_headers_t *h)
{
	const char *name;
	const void *val;
	size_t len, total = 0;
	for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &len); i++)
		total += strlen(name) + len + 10;
	return total;
}

/* Cuts the copy's value so that the record fits the producer's
 * message.max.bytes, saying so in headers; a record too large for Kafka
 * still reaches the dead letter queue, with its start and the reason. */
static void fit_copy(sl_task_ctx_t *t, rd_kafka_t *rk, rd_kafka_headers_t *h, sl_dlq_copy_t *c,
		     const char *reason)
{
	size_t limit = sl_kafka_max_message_bytes(rk);
	size_t fixed = c->key_len + headers_size(h) + 512; /* record and batch overhead */
	if (fixed + c->value_len <= limit)
		return;
	char num[32];
	snprintf(num, sizeof(num), "%zu", c->value_len);
	if (!t->env.settings->dlq_context_headers)
		add_header(h, "__connect.errors.exception.message", reason);
	add_header(h, "__sluice.errors.value.original.bytes", num);
	fixed = c->key_len + headers_size(h) + 512;
	c->value_len = fixed < limit ? limit - fixed : 0;
	if (fixed >= limit)
		c->key_len = 0;
}

/* Sends a copy of the failed input to the dead letter queue. A record may
 * move past only once its copy is acknowledged: a sink task flushes this
 * producer before each commit and fails when a copy was refused
 * (t->side_failed); a source task stores offsets only while no copy is in
 * flight and none was refused. -1 with err when the copy cannot even be
 * queued. */
static int dlq_send(sl_task_ctx_t *t, const char *stage, const sl_record_t *rec,
		    const sl_dlq_copy_t *copy, const char *reason, char *err, size_t err_size)
{
	const sl_connector_settings_t *s = t->env.settings;
	rd_kafka_t *rk = dlq_producer(t, err, err_size);
	if (!rk)
		return -1;
	sl_task_ensure_topic(t, rk, s->dlq_topic, 1, (int)s->dlq_replication_factor);
	const rd_kafka_message_t *m = origin_of(t, rec);
	rd_kafka_headers_t *h = rd_kafka_headers_new(12);
	rd_kafka_headers_t *orig = NULL;
	origin_t o;
	bool late_sink = !m && origin_where(NULL, rec, &o);
	if (m && rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		const char *name;
		const void *val;
		size_t len;
		for (size_t i = 0; !rd_kafka_header_get_all(orig, i, &name, &val, &len); i++)
			rd_kafka_header_add(h, name, -1, val, (ssize_t)len);
	}
	if (late_sink)
		add_record_headers(h, rec);
	if (s->dlq_context_headers)
		add_context_headers(t, h, m, rec, stage, reason);
	sl_dlq_copy_t c = {0};
	if (m)
		c = (sl_dlq_copy_t){m->key, m->key_len, m->payload, m->len};
	else if (copy)
		c = *copy;
	/* a late sink record: its key as the record holds it (string or bytes) */
	if (late_sink && !c.key &&
	    (rec->key.kind == SL_VALUE_STRING || rec->key.kind == SL_VALUE_BYTES))
		c.key = rec->key.data, c.key_len = rec->key.len;
	fit_copy(t, rk, h, &c, reason);
	rd_kafka_resp_err_t e = rd_kafka_producev(
		rk, RD_KAFKA_V_TOPIC(s->dlq_topic), RD_KAFKA_V_KEY(c.key, c.key_len),
		RD_KAFKA_V_VALUE((void *)c.value, c.value_len), RD_KAFKA_V_HEADERS(h),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
	atomic_fetch_add(&t->metrics.dlq_requests, 1);
	if (e) {
		atomic_fetch_add(&t->metrics.dlq_failures, 1);
		rd_kafka_headers_destroy(h);
		snprintf(err, err_size, "%s", rd_kafka_err2str(e));
		return -1;
	}
	t->side_in_flight++;
	rd_kafka_poll(rk, 0); /* serve earlier reports */
	return 0;
}

static void log_error(sl_task_ctx_t *t, const char *stage, const sl_record_t *rec,
		      const char *reason)
{
	const sl_connector_settings_t *s = t->env.settings;
	const rd_kafka_message_t *m = origin_of(t, rec);
	origin_t o;
	bool placed = origin_where(m, rec, &o);
	if (!s->errors_log_enable) {
		/* Kafka Connect is silent here; say at least that records are
		 * being skipped, now and then. */
		if (t->errors_total == 1 || t->errors_total % 10000 == 0)
			SL_WARN(t->tag,
				"%llu bad record(s) skipped (errors.tolerance=all); latest in "
				"stage %s: %s; set errors.log.enable=true to log each",
				(unsigned long long)t->errors_total, stage, reason);
		return;
	}
	atomic_fetch_add(&t->metrics.errors_logged, 1);
	if (m && s->errors_log_include_messages)
		SL_ERROR(t->tag, "error in stage %s: %s (topic %s partition %d offset %lld: %.*s)",
			 stage, reason, o.topic, o.partition, o.offset,
			 (int)(m->len > 512 ? 512 : m->len), (const char *)m->payload);
	else if (placed)
		SL_ERROR(t->tag, "error in stage %s: %s (topic %s partition %d offset %lld)", stage,
			 reason, o.topic, o.partition, o.offset);
	else
		SL_ERROR(t->tag, "error in stage %s: %s", stage, reason);
}

/* A tolerated bad record: SL_OK once its dead letter queue copy (when
 * there is a dead letter queue) is queued; SL_FAIL when it cannot be. */
static sl_rc_t tolerate(sl_task_ctx_t *ctx, const char *stage, const sl_record_t *rec,
			const sl_dlq_copy_t *copy, const char *reason)
{
	const sl_connector_settings_t *s = ctx->env.settings;
	if (!s->dlq_topic || !*s->dlq_topic)
		return SL_OK;
	char err[1024];
	if (ctx->side_failed) /* the reason is recorded: no record moves past it */
		return SL_FAIL;
	if (dlq_send(ctx, stage, rec, copy, reason, err, sizeof(err)) != 0) {
		sl_task_fail(ctx,
			     "cannot send a bad record (stage %s: %s) to the dead letter queue "
			     "topic %s: %s",
			     stage, reason, s->dlq_topic, err);
		return SL_FAIL;
	}
	return SL_OK;
}

sl_rc_t sl_task_report_bad(sl_task_ctx_t *ctx, const char *stage, const sl_record_t *rec,
			   const sl_dlq_copy_t *copy, const char *reason)
{
	ctx->errors_total++;
	const sl_connector_settings_t *s = ctx->env.settings;
	if (s->errors_tolerance == 0) {
		origin_t o;
		if (origin_where(origin_of(ctx, rec), rec, &o))
			sl_task_fail(ctx,
				     "Tolerance exceeded in error handler: stage %s: %s (topic %s "
				     "partition %d offset %lld)",
				     stage, reason, o.topic, o.partition, o.offset);
		else
			sl_task_fail(ctx, "Tolerance exceeded in error handler: stage %s: %s",
				     stage, reason);
		sl_task_metrics_error(&ctx->metrics, false);
		return SL_FAIL;
	}
	log_error(ctx, stage, rec, reason);
	sl_rc_t rc = tolerate(ctx, stage, rec, copy, reason);
	sl_task_metrics_error(&ctx->metrics, rc == SL_OK);
	return rc;
}

sl_rc_t sl_task_report_error(sl_task_ctx_t *ctx, const char *stage, const sl_record_t *rec,
			     const void *raw, size_t raw_len, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	sl_dlq_copy_t copy = {.value = raw, .value_len = raw ? raw_len : 0};
	return sl_task_report_bad(ctx, stage, rec, &copy, reason);
}

sl_rc_t sl_task_produce(sl_task_ctx_t *ctx, const sl_record_t *rec, int partitions,
			int replication_factor)
{
	char err[512];
	if (ctx->env.plugin->kind != SL_SINK) {
		sl_task_fail(ctx, "sl_task_produce is for sink tasks (topic %s)", rec->topic);
		return SL_FAIL;
	}
	if (ctx->side_failed)
		return SL_FAIL; /* the reason is recorded */
	rd_kafka_t *rk = dlq_producer(ctx, err, sizeof(err));
	if (!rk) {
		sl_task_fail(ctx, "no producer for topic %s: %s", rec->topic, err);
		return SL_FAIL;
	}
	sl_task_ensure_topic(ctx, rk, rec->topic, partitions, replication_factor);
	rd_kafka_headers_t *h = rd_kafka_headers_new(rec->header_count ? rec->header_count : 1);
	add_record_headers(h, rec);
	const sl_value_t *k = &rec->key, *v = &rec->value;
	bool has_key = k->kind == SL_VALUE_STRING || k->kind == SL_VALUE_BYTES;
	bool has_value = v->kind == SL_VALUE_STRING || v->kind == SL_VALUE_BYTES;
	int32_t partition = rec->partition < 0 ? RD_KAFKA_PARTITION_UA : rec->partition;
	rd_kafka_resp_err_t e;
	/* a full queue drains as Kafka acknowledges: wait up to 10 s */
	for (int tries = 0;; tries++) {
		e = rd_kafka_producev(
			rk, RD_KAFKA_V_TOPIC(rec->topic), RD_KAFKA_V_PARTITION(partition),
			RD_KAFKA_V_KEY(has_key ? k->data : NULL, has_key ? k->len : 0),
			RD_KAFKA_V_VALUE(has_value ? (void *)v->data : NULL,
					 has_value ? v->len : 0),
			RD_KAFKA_V_TIMESTAMP(rec->timestamp), RD_KAFKA_V_HEADERS(h),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(NULL),
			RD_KAFKA_V_END);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries == 100)
			break;
		rd_kafka_poll(rk, 100);
	}
	if (e) {
		rd_kafka_headers_destroy(h);
		sl_task_fail(ctx, "could not produce to topic %s: %s", rec->topic,
			     rd_kafka_err2str(e));
		return SL_FAIL;
	}
	ctx->side_in_flight++;
	rd_kafka_poll(rk, 0); /* serve earlier reports */
	return SL_OK;
}

size_t sl_task_side_pending(const sl_task_ctx_t *ctx)
{
	return ctx->side_in_flight;
}
