/* The error policy for bad records: errors.tolerance, errors.log.*, and the
 * dead letter queue with Kafka Connect's __connect.errors.* headers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "task.h"

/* The Kafka message a sink record came from, when there is one. */
static const rd_kafka_message_t *origin_of(const sl_task_ctx_t *t, const sl_record_t *rec)
{
	if (rec && t->cur_records && rec >= t->cur_records && rec < t->cur_records + t->cur_count)
		return t->cur_msgs[rec - t->cur_records];
	return t->cur_msg;
}

static void add_header(rd_kafka_headers_t *h, const char *name, const char *value)
{
	rd_kafka_header_add(h, name, -1, value, -1);
}

static void add_context_headers(sl_task_ctx_t *t, rd_kafka_headers_t *h,
				const rd_kafka_message_t *m, const char *stage, const char *reason)
{
	char num[32];
	if (m) {
		add_header(h, "__connect.errors.topic", rd_kafka_topic_name(m->rkt));
		snprintf(num, sizeof(num), "%d", (int)m->partition);
		add_header(h, "__connect.errors.partition", num);
		snprintf(num, sizeof(num), "%lld", (long long)m->offset);
		add_header(h, "__connect.errors.offset", num);
	}
	add_header(h, "__connect.errors.connector.name", t->env.settings->name);
	snprintf(num, sizeof(num), "%d", t->id);
	add_header(h, "__connect.errors.task.id", num);
	add_header(h, "__connect.errors.stage", stage);
	add_header(h, "__connect.errors.class.name", t->env.settings->connector_class);
	bool conversion = strstr(stage, "CONVERTER") != NULL;
	add_header(h, "__connect.errors.exception.class.name",
		   conversion ? "org.apache.kafka.connect.errors.DataException"
			      : "org.apache.kafka.connect.errors.ConnectException");
	add_header(h, "__connect.errors.exception.message", reason);
	add_header(h, "__connect.errors.exception.stacktrace", reason);
}

static rd_kafka_t *dlq_producer(sl_task_ctx_t *t)
{
	if (t->producer)
		return t->producer;
	char err[512];
	rd_kafka_conf_t *conf = sl_task_client_conf(t, SL_CLIENT_PRODUCER, "dlq-producer");
	if (!conf) {
		SL_ERROR(t->tag, "dead letter queue producer: %s", t->fail_reason);
		return NULL;
	}
	t->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!t->producer) {
		rd_kafka_conf_destroy(conf);
		SL_ERROR(t->tag, "dead letter queue producer: %s", err);
	}
	return t->producer;
}

/* Sends the failed input to the dead letter queue. The sink runner flushes
 * this producer before it commits offsets, so a skipped record is never
 * committed before its DLQ copy is in Kafka. */
static void dlq_send(sl_task_ctx_t *t, const char *stage, const sl_record_t *rec, const void *raw,
		     size_t raw_len, const char *reason)
{
	const sl_connector_settings_t *s = t->env.settings;
	rd_kafka_t *rk = dlq_producer(t);
	if (!rk)
		return;
	sl_task_ensure_topic(t, rk, s->dlq_topic, 1, (int)s->dlq_replication_factor);
	const rd_kafka_message_t *m = origin_of(t, rec);
	rd_kafka_headers_t *h = rd_kafka_headers_new(12);
	rd_kafka_headers_t *orig = NULL;
	if (m && rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		const char *name;
		const void *val;
		size_t len;
		for (size_t i = 0; !rd_kafka_header_get_all(orig, i, &name, &val, &len); i++)
			rd_kafka_header_add(h, name, -1, val, (ssize_t)len);
	}
	if (s->dlq_context_headers)
		add_context_headers(t, h, m, stage, reason);
	const void *key = m ? m->key : NULL;
	size_t key_len = m ? m->key_len : 0;
	const void *value = m ? m->payload : raw;
	size_t value_len = m ? m->len : raw_len;
	rd_kafka_resp_err_t err = rd_kafka_producev(
		rk, RD_KAFKA_V_TOPIC(s->dlq_topic), RD_KAFKA_V_KEY(key, key_len),
		RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_HEADERS(h),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
	if (!err)
		t->dlq_in_flight++;
	else {
		rd_kafka_headers_destroy(h);
		SL_ERROR(t->tag, "could not send to dead letter queue %s: %s", s->dlq_topic,
			 rd_kafka_err2str(err));
	}
}

static void log_error(sl_task_ctx_t *t, const char *stage, const sl_record_t *rec,
		      const char *reason)
{
	const sl_connector_settings_t *s = t->env.settings;
	const rd_kafka_message_t *m = origin_of(t, rec);
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
	if (m && s->errors_log_include_messages)
		SL_ERROR(t->tag, "error in stage %s: %s (topic %s partition %d offset %lld: %.*s)",
			 stage, reason, rd_kafka_topic_name(m->rkt), (int)m->partition,
			 (long long)m->offset, (int)(m->len > 512 ? 512 : m->len),
			 (const char *)m->payload);
	else if (m)
		SL_ERROR(t->tag, "error in stage %s: %s (topic %s partition %d offset %lld)", stage,
			 reason, rd_kafka_topic_name(m->rkt), (int)m->partition,
			 (long long)m->offset);
	else
		SL_ERROR(t->tag, "error in stage %s: %s", stage, reason);
}

sl_rc_t sl_task_report_error(sl_task_ctx_t *ctx, const char *stage, const sl_record_t *rec,
			     const void *raw, size_t raw_len, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	ctx->errors_total++;
	const sl_connector_settings_t *s = ctx->env.settings;
	if (s->errors_tolerance == 0) {
		const rd_kafka_message_t *m = origin_of(ctx, rec);
		if (m)
			sl_task_fail(ctx,
				     "Tolerance exceeded in error handler: stage %s: %s (topic %s "
				     "partition %d offset %lld)",
				     stage, reason, rd_kafka_topic_name(m->rkt), (int)m->partition,
				     (long long)m->offset);
		else
			sl_task_fail(ctx, "Tolerance exceeded in error handler: stage %s: %s",
				     stage, reason);
		return SL_FAIL;
	}
	log_error(ctx, stage, rec, reason);
	if (s->dlq_topic && *s->dlq_topic)
		dlq_send(ctx, stage, rec, raw, raw_len, reason);
	return SL_OK;
}
