/* mqtt-source: the messages of MQTT topic filters as Kafka records, each
 * acknowledged to the broker only after Kafka acknowledged its record.
 *
 * Positions. An MQTT subscription has no position anyone could replay
 * from: the broker's persistent session holds what the client has not
 * acknowledged, and the acknowledgement (PUBACK for QoS 1, PUBREC for QoS
 * 2) is the only thing this source stores upstream. A message is
 * "received" when the client hands it to poll, which turns it into a
 * record whose ack_data is the message's token; it is "confirmed" when
 * acked() reports SL_DELIVERED and only then is the token acked, so the
 * client sends the PUBACK (in arrival order, as MQTT requires). A message
 * the error policy takes (a payload that is not the JSON or UTF-8 asked
 * for, a topic template that does not fit) is acknowledged once Kafka has
 * its dead letter queue copy (sl_task_side_pending drops to 0). When the
 * worker dies, every message not yet acknowledged is sent again by the
 * broker to the session at the next connection: nothing is lost, a
 * message may arrive twice (at-least-once).
 *
 * Records carry no source offset: the worker stores nothing for them.
 *
 * Threads: the client runs on the task thread inside poll, and acked()
 * runs on that thread between polls; so while messages wait for Kafka
 * poll returns within 1 ms (the acknowledgements are sent by the next
 * poll). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mqtt_client.h"
#include "mqtt_config.h"
#include "mqtt_template.h"
#include "sluice/array.h"
#include "sluice/connector.h"
#include "sluice/parse.h"

/* Messages one poll hands to the worker at most. */
#define MSRC_POLL_MAX 5000

typedef enum msrc_format {
	MSRC_BYTES = 0,
	MSRC_STRING,
	MSRC_JSON,
} msrc_format_t;

static const char *const msrc_formats[] = {"bytes", "string", "json", NULL};

typedef struct msrc_config {
	mqtt_conn_config_t conn;
	char **topics;
	char *kafka_topic;
	char *kafka_key;
	int format;
	int64_t receive_maximum;
} msrc_config_t;

static bool check_filter(const char *value, char *why, size_t why_size)
{
	return mqtt_filter_valid(mqtt_str(value), why, why_size);
}

static const sl_option_t msrc_options[] = {
	MQTT_CONN_OPTIONS(msrc_config_t, conn),
	{.name = "mqtt.topics",
	 .type = SL_OPT_LIST,
	 .required = true,
	 .check = check_filter,
	 .doc = "The topic filters to subscribe to, comma-separated; + and # wildcards, and "
		"shared subscriptions $share/<group>/<filter>. With tasks.max > 1 the filters "
		"are dealt out to the tasks in turn, and each shared subscription goes to every "
		"task (the broker then spreads its messages over them).",
	 SL_OPT_AT(msrc_config_t, topics)},
	{.name = "kafka.topic",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The Kafka topic of each message: a name, or a template over the MQTT topic: "
		"${mqtt.topic} is the whole topic with '/' turned into '.', ${mqtt.topic[N]} "
		"its level N (from 0). Characters a Kafka topic name cannot hold become '_'.",
	 SL_OPT_AT(msrc_config_t, kafka_topic)},
	{.name = "kafka.key",
	 .type = SL_OPT_STRING,
	 .def = "${mqtt.topic}",
	 .doc = "The record key, a template as kafka.topic (here ${mqtt.topic} keeps its '/'); "
		"empty for records without key.",
	 SL_OPT_AT(msrc_config_t, kafka_key)},
	{.name = "mqtt.payload.format",
	 .type = SL_OPT_ENUM,
	 .def = "bytes",
	 .enums = msrc_formats,
	 .doc = "What the payload becomes: bytes as they are; string (UTF-8, checked); json "
		"(parsed, for value.converter=json to write as JSON). A payload that is not what "
		"is asked for goes through the error policy.",
	 SL_OPT_AT(msrc_config_t, format)},
	{.name = "mqtt.receive.maximum",
	 .type = SL_OPT_INT,
	 .def = "10000",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(65535),
	 .doc = "MQTT 5: how many messages the broker may send before the first of them is "
		"acknowledged: the window that keeps Kafka's latency from limiting throughput. "
		"Under MQTT 3.1.1 the broker's own setting decides (mosquitto: "
		"max_inflight_messages).",
	 SL_OPT_AT(msrc_config_t, receive_maximum)},
	{.name = "confluent.topic.bootstrap.servers",
	 .type = SL_OPT_STRING,
	 .ignored = "sluice needs no license topic"},
	{.name = "confluent.topic.replication.factor",
	 .type = SL_OPT_STRING,
	 .ignored = "sluice needs no license topic"},
	{.name = "confluent.license", .type = SL_OPT_STRING, .ignored = "sluice needs no license"},
	SL_OPT_END,
};

typedef struct msrc_task {
	msrc_config_t cfg;
	sl_task_ctx_t *ctx;
	char *client_id;
	mqtt_sub_t *subs;
	size_t nsubs;
	mqtt_client_t *client;
	mqtt_template_t topic_tmpl, key_tmpl;
	sl_batch_t *batch; /* during poll */
	bool fatal;
	uint64_t *deferred; /* tokens of messages the error policy took */
	size_t ndeferred, deferred_cap;
	char last_error[256];
	sl_buf_t scratch;
} msrc_task_t;

static const char *const msrc_aliases[] = {"io.confluent.connect.mqtt.MqttSourceConnector", NULL};

/* ---- messages to records ----------------------------------------------------- */

static void add_header_num(sl_record_t *r, const char *name, unsigned long v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lu", v);
	sl_record_add_header(r, name, num, (size_t)n);
}

/* The error policy for a message that cannot become a record; its
 * acknowledgement waits until the copy is in Kafka. Returns non-zero when
 * the task must fail. */
static int bad_message(msrc_task_t *st, const mqtt_message_t *m, const char *why)
{
	char where[160];
	snprintf(where, sizeof(where), "%.*s", (int)(m->topic.len > 120 ? 120 : m->topic.len),
		 m->topic.ptr);
	if (sl_task_report_error(st->ctx, "TASK_POLL", NULL, m->payload, m->payload_len,
				 "MQTT message on %s: %s", where, why) != SL_OK) {
		st->fatal = true;
		return 1;
	}
	if (m->token) {
		SL_ARRAY_RESERVE(st->deferred, st->ndeferred + 1, st->deferred_cap);
		st->deferred[st->ndeferred++] = m->token;
	}
	return 0;
}

static int on_message(void *arg, const mqtt_message_t *m)
{
	msrc_task_t *st = arg;
	sl_batch_t *b = st->batch;
	char why[256];

	sl_buf_reset(&st->scratch);
	if (mqtt_template_render(&st->topic_tmpl, m->topic, true, &st->scratch, why, sizeof(why)) !=
	    0)
		return bad_message(st, m, why);
	const char *topic = sl_batch_copy(b, st->scratch.data, st->scratch.len);
	sl_record_t *r = sl_batch_add(b);
	sl_record_set_topic(r, topic);
	if (st->key_tmpl.count) {
		sl_buf_reset(&st->scratch);
		if (mqtt_template_render(&st->key_tmpl, m->topic, false, &st->scratch, why,
					 sizeof(why)) != 0) {
			sl_batch_truncate(b, b->count - 1);
			return bad_message(st, m, why);
		}
		sl_value_set_string(&r->key, st->scratch.data, st->scratch.len);
	}
	const char *payload = (const char *)m->payload;
	switch ((msrc_format_t)st->cfg.format) {
	case MSRC_BYTES:
		sl_value_set_bytes(&r->value, payload, m->payload_len);
		break;
	case MSRC_STRING:
		if (!sl_utf8_valid(payload, m->payload_len)) {
			sl_batch_truncate(b, b->count - 1);
			return bad_message(st, m,
					   "the payload is not UTF-8 (mqtt.payload.format=string)");
		}
		sl_value_set_string(&r->value, payload, m->payload_len);
		break;
	case MSRC_JSON: {
		json_error_t jerr;
		json_t *j = json_loadb(payload, m->payload_len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
				       &jerr);
		if (!j) {
			snprintf(
				why, sizeof(why),
				"the payload is not JSON (mqtt.payload.format=json): %s at byte %d",
				jerr.text, jerr.position);
			sl_batch_truncate(b, b->count - 1);
			return bad_message(st, m, why);
		}
		sl_value_set_json(&r->value, j, NULL);
		break;
	}
	}
	sl_record_add_header(r, "mqtt.topic", m->topic.ptr, m->topic.len);
	add_header_num(r, "mqtt.qos", m->qos);
	sl_record_add_header(r, "mqtt.retained", m->retain ? "true" : "false", m->retain ? 4 : 5);
	sl_record_add_header(r, "mqtt.duplicate", m->dup ? "true" : "false", m->dup ? 4 : 5);
	add_header_num(r, "mqtt.message.id", m->packet_id);
	if (m->props) {
		size_t pos = 0;
		mqtt_user_prop_t u;
		while (mqtt_user_next(m->props, &pos, &u)) {
			char *name = sl_strndup(u.name.ptr, u.name.len);
			sl_record_add_header(r, name, u.value.ptr, u.value.len);
			free(name);
		}
	}
	r->ack_data = m->token ? (void *)(uintptr_t)m->token : NULL;
	return 0;
}

/* ---- the task ------------------------------------------------------------------ */

/* Acknowledges the messages the error policy took once their copies are
 * in Kafka. */
static void ack_deferred(msrc_task_t *st)
{
	if (!st->ndeferred || sl_task_side_pending(st->ctx))
		return;
	for (size_t i = 0; i < st->ndeferred; i++)
		mqtt_client_ack(st->client, st->deferred[i]);
	st->ndeferred = 0;
}

static sl_rc_t msrc_poll(sl_task_ctx_t *ctx, sl_batch_t *batch)
{
	msrc_task_t *st = sl_task_data(ctx);
	char err[512];

	ack_deferred(st);
	/* acknowledgements come between polls: wait briefly while some are due */
	bool waiting = mqtt_client_unacked(st->client) > 0 || st->ndeferred > 0;
	int wait = waiting ? 1 : sl_task_timeout_ms(ctx);
	st->batch = batch;
	int rc = mqtt_client_run(st->client, wait, on_message, st, MSRC_POLL_MAX, err, sizeof(err));
	st->batch = NULL;
	if (rc != 0) {
		sl_task_fail(ctx, "%s", err);
		return SL_FAIL;
	}
	if (st->fatal)
		return SL_FAIL;
	sl_task_metric_set(ctx, "mqtt_source_messages_unacked",
			   "Messages received and not yet acknowledged to the broker (waiting for "
			   "Kafka).",
			   (double)mqtt_client_unacked(st->client));
	const char *why = mqtt_client_last_error(st->client);
	if (strcmp(why, st->last_error)) {
		if (*why)
			SL_TASK_WARN(ctx, "%s; reconnecting", why);
		sl_strlcpy(st->last_error, why, sizeof(st->last_error));
	}
	return SL_OK;
}

static void msrc_acked(sl_task_ctx_t *ctx, void *ack_data, sl_delivery_t result)
{
	msrc_task_t *st = sl_task_data(ctx);
	uint64_t token = (uint64_t)(uintptr_t)ack_data;
	if (result == SL_DELIVERED) {
		mqtt_client_ack(st->client, token);
	} else if (result == SL_SKIPPED) {
		/* the error policy took it: acknowledged once the copy is in Kafka */
		SL_ARRAY_RESERVE(st->deferred, st->ndeferred + 1, st->deferred_cap);
		st->deferred[st->ndeferred++] = token;
	}
	/* SL_FAILED / SL_DROPPED: not acknowledged; the broker sends it again */
}

static void task_free(msrc_task_t *st)
{
	if (!st)
		return;
	mqtt_client_free(st->client);
	mqtt_template_free(&st->topic_tmpl);
	mqtt_template_free(&st->key_tmpl);
	free(st->subs);
	free(st->client_id);
	free(st->deferred);
	sl_buf_free(&st->scratch);
	sl_options_free(msrc_options, &st->cfg);
	free(st);
}

/* This task's share of the filters: every n-th from its id, and every
 * shared subscription. */
static void pick_filters(msrc_task_t *st, int id, int n)
{
	size_t count = 0;
	for (size_t i = 0; st->cfg.topics[i]; i++)
		count++;
	st->subs = sl_calloc(count ? count : 1, sizeof(*st->subs));
	for (size_t i = 0; i < count; i++) {
		const char *f = st->cfg.topics[i];
		bool shared = !strncmp(f, "$share/", 7);
		if (!shared && (int)(i % (size_t)n) != id)
			continue;
		st->subs[st->nsubs++] = (mqtt_sub_t){.filter = mqtt_str(f),
						     .qos = (uint8_t)st->cfg.conn.qos,
						     .retain_handling = 1};
	}
}

static int msrc_resolve(const msrc_config_t *c, const sl_config_t *config, sl_errlist_t *errs)
{
	const char *src = sl_config_source(config) ? sl_config_source(config) : "<config>";
	char err[256];
	size_t before = errs->count;
	mqtt_template_t t = {0};
	mqtt_conn_resolve(&c->conn, config, errs);
	if (c->kafka_topic && mqtt_template_parse(&t, c->kafka_topic, err, sizeof(err)) != 0)
		sl_errlist_addf(errs, "%s: option 'kafka.topic': %s", src, err);
	mqtt_template_free(&t);
	if (c->kafka_key && mqtt_template_parse(&t, c->kafka_key, err, sizeof(err)) != 0)
		sl_errlist_addf(errs, "%s: option 'kafka.key': %s", src, err);
	mqtt_template_free(&t);
	return errs->count > before ? -1 : 0;
}

static int msrc_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	msrc_config_t c;
	sl_errlist_t ignored = {0};
	int rc = 0;
	if (sl_options_load(msrc_options, config, &c, &ignored) == 0)
		rc = msrc_resolve(&c, config, errs);
	sl_options_free(msrc_options, &c);
	sl_errlist_free(&ignored);
	return rc;
}

static sl_rc_t msrc_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	msrc_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;
	char err[512];

	st->ctx = ctx;
	if (sl_options_load(msrc_options, config, &st->cfg, &errs) != 0 ||
	    msrc_resolve(&st->cfg, config, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	mqtt_template_parse(&st->topic_tmpl, st->cfg.kafka_topic, err, sizeof(err));
	mqtt_template_parse(&st->key_tmpl, st->cfg.kafka_key ? st->cfg.kafka_key : "", err,
			    sizeof(err));
	pick_filters(st, sl_task_id(ctx), sl_task_count(ctx));
	if (!st->nsubs) {
		SL_TASK_INFO(ctx, "no topic filter left for this task (%d tasks, fewer filters)",
			     sl_task_count(ctx));
	}
	st->client_id = mqtt_conn_client_id(&st->cfg.conn, ctx);
	mqtt_client_opts_t o;
	mqtt_conn_opts(&st->cfg.conn, st->client_id, sl_task_tag(ctx), &o);
	o.subs = st->subs;
	o.sub_count = st->nsubs;
	o.receive_maximum = (uint16_t)st->cfg.receive_maximum;
	st->client = mqtt_client_new(&o, err, sizeof(err));
	if (!st->client) {
		sl_task_fail(ctx, "%s", err);
		goto out;
	}
	SL_TASK_INFO(ctx, "subscribing to %zu filter(s) as client %s (MQTT %s, QoS %lld) into %s",
		     st->nsubs, st->client_id, mqtt_version_names[st->cfg.conn.version],
		     (long long)st->cfg.conn.qos, st->cfg.kafka_topic);
	sl_task_set_data(ctx, st);
	st = NULL;
	rc = SL_OK;
out:
	task_free(st);
	sl_errlist_free(&errs);
	return rc;
}

/* Messages not yet acknowledged stay with the broker's session. */
static void msrc_stop(sl_task_ctx_t *ctx)
{
	task_free(sl_task_data(ctx));
	sl_task_set_data(ctx, NULL);
}

static const sl_source_ops_t msrc_ops = {
	.start = msrc_start,
	.poll = msrc_poll,
	.acked = msrc_acked,
	.stop = msrc_stop,
};

const sl_connector_t mqtt_source_connector = {
	.name = "mqtt-source",
	.aliases = msrc_aliases,
	.kind = SL_SOURCE,
	.doc = "Subscribes to MQTT topic filters (MQTT 3.1.1 or 5, QoS 0-2, a persistent "
	       "session) and writes each message as a record: value the payload, key and "
	       "topic from templates over the MQTT topic, headers mqtt.topic, mqtt.qos, "
	       "mqtt.retained, mqtt.duplicate, mqtt.message.id and MQTT 5 user properties. "
	       "A message is acknowledged to the broker (PUBACK / PUBREC) only after Kafka "
	       "acknowledged its record, in arrival order, so a worker that dies loses "
	       "nothing: the broker sends what was not acknowledged again.",
	.options = msrc_options,
	.validate = msrc_validate,
	.source = &msrc_ops,
};
