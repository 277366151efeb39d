/* mqtt-sink: publishes the records of its topics to an MQTT broker.
 *
 * Positions: a record is "sent" once its PUBLISH is queued in the client,
 * and "durable" once the broker completed it (PUBACK for QoS 1, PUBCOMP
 * for QoS 2; QoS 0 once written to the socket). flush returns SL_OK only
 * when every record put so far is durable, so the worker commits consumer
 * offsets only past completed publishes; after a crash the records since
 * the last commit are published again (at-least-once). put blocks while
 * the client's window (mqtt.max.inflight, or the broker's Receive
 * Maximum) is full. A dropped connection is the client's to resume: it
 * sends what was not completed again (DUP) to the persistent session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_client.h"
#include "mqtt_config.h"
#include "sluice/connector.h"
#include "sluice/data.h"
#include "sluice/parse.h"

typedef struct msink_config {
	mqtt_conn_config_t conn;
	char *topic;
	bool retain;
	int64_t max_inflight;
	bool user_props;
} msink_config_t;

static const sl_option_t msink_options[] = {
	MQTT_CONN_OPTIONS(msink_config_t, conn),
	{.name = "mqtt.topic",
	 .type = SL_OPT_STRING,
	 .def = "${topic}",
	 .doc = "The MQTT topic of each record: a name, or a template with ${topic} (the "
		"Kafka topic), ${partition} and ${key} (the record key as text).",
	 SL_OPT_AT(msink_config_t, topic)},
	{.name = "mqtt.retain",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .alias = "mqtt.retained.enabled",
	 .doc = "Publish with the RETAIN flag: the broker keeps the last message of each topic "
		"for new subscribers.",
	 SL_OPT_AT(msink_config_t, retain)},
	{.name = "mqtt.max.inflight",
	 .type = SL_OPT_INT,
	 .def = "1000",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(65535),
	 .doc = "QoS 1/2 publishes sent and not yet completed at most (the broker's Receive "
		"Maximum lowers it under MQTT 5); put waits while the window is full.",
	 SL_OPT_AT(msink_config_t, max_inflight)},
	{.name = "mqtt.headers.as.user.properties",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "MQTT 5: send the record's headers as user properties (string values; a null "
		"header is sent empty).",
	 SL_OPT_AT(msink_config_t, user_props)},
	{.name = "confluent.topic.bootstrap.servers",
	 .type = SL_OPT_STRING,
	 .ignored = "sluice needs no license topic"},
	{.name = "confluent.topic.replication.factor",
	 .type = SL_OPT_STRING,
	 .ignored = "sluice needs no license topic"},
	{.name = "confluent.license", .type = SL_OPT_STRING, .ignored = "sluice needs no license"},
	SL_OPT_END,
};

typedef struct msink_task {
	msink_config_t cfg;
	sl_task_ctx_t *ctx;
	char *client_id;
	mqtt_client_t *client;
	uint64_t last_token;
	char last_error[256];
	sl_buf_t topic, payload;
	mqtt_user_prop_t *props;
	size_t props_cap;
} msink_task_t;

static const char *const msink_aliases[] = {"io.confluent.connect.mqtt.MqttSinkConnector", NULL};

/* The MQTT topic of rec; -1 with err. */
static int render_topic(msink_task_t *st, const sl_record_t *rec, char *err, size_t errlen)
{
	sl_buf_reset(&st->topic);
	for (const char *p = st->cfg.topic; *p;) {
		if (!strncmp(p, "${topic}", 8)) {
			sl_buf_append_str(&st->topic, rec->topic);
			p += 8;
		} else if (!strncmp(p, "${partition}", 12)) {
			sl_buf_appendf(&st->topic, "%d", (int)rec->partition);
			p += 12;
		} else if (!strncmp(p, "${key}", 6)) {
			if (!sl_value_text(&st->topic, &rec->key)) {
				snprintf(err, errlen,
					 "the record has no key for ${key} in mqtt.topic");
				return -1;
			}
			p += 6;
		} else {
			sl_buf_append_char(&st->topic, *p++);
		}
	}
	return mqtt_topic_valid((mqtt_str_t){st->topic.data ? st->topic.data : "", st->topic.len},
				err, errlen)
		       ? 0
		       : -1;
}

/* Runs the client for up to ms; SL_FAIL when it cannot go on. */
static sl_rc_t run_client(msink_task_t *st, int ms)
{
	char err[512];
	if (mqtt_client_run(st->client, ms, NULL, NULL, 0, err, sizeof(err)) != 0) {
		sl_task_fail(st->ctx, "%s", err);
		return SL_FAIL;
	}
	const char *why = mqtt_client_last_error(st->client);
	if (strcmp(why, st->last_error)) {
		if (*why)
			SL_TASK_WARN(st->ctx, "%s; reconnecting", why);
		sl_strlcpy(st->last_error, why, sizeof(st->last_error));
	}
	/* refused for good (MQTT 5 reason codes): the error policy */
	uint64_t t;
	while ((t = mqtt_client_refused(st->client, err, sizeof(err))) != 0)
		if (sl_task_report_error(st->ctx, "TASK_PUT", NULL, NULL, 0,
					 "the broker refused publish %llu: %s",
					 (unsigned long long)t, err) != SL_OK)
			return SL_FAIL;
	return SL_OK;
}

/* Publishes one record, waiting for room in the window. */
static sl_rc_t publish(msink_task_t *st, const sl_record_t *rec)
{
	char err[512];
	if (render_topic(st, rec, err, sizeof(err)) != 0)
		return sl_task_report_error(st->ctx, "TASK_PUT", rec, NULL, 0, "%s", err);
	sl_buf_reset(&st->payload);
	sl_value_text(&st->payload, &rec->value); /* a null value: an empty payload */
	mqtt_props_t props = {0};
	if (st->cfg.user_props && st->cfg.conn.version == 1 && rec->header_count) {
		if (rec->header_count > st->props_cap) {
			st->props_cap = rec->header_count;
			st->props = sl_realloc(st->props, st->props_cap * sizeof(*st->props));
		}
		size_t n = 0;
		for (size_t i = 0; i < rec->header_count; i++) {
			const sl_header_t *h = &rec->headers[i];
			if (h->value && !sl_utf8_valid(h->value, h->len))
				continue; /* a user property is UTF-8 */
			st->props[n].name = mqtt_str(h->key);
			st->props[n].value =
				(mqtt_str_t){h->value ? h->value : "", h->value ? h->len : 0};
			n++;
		}
		props.users = st->props;
		props.user_count = n;
	}
	mqtt_publish_t pub = {.topic = {st->topic.data, st->topic.len},
			      .payload =
				      (const uint8_t *)(st->payload.data ? st->payload.data : ""),
			      .payload_len = st->payload.len,
			      .qos = (uint8_t)st->cfg.conn.qos,
			      .retain = st->cfg.retain};
	for (;;) {
		int64_t tok = mqtt_client_publish(st->client, &pub, &props, err, sizeof(err));
		if (tok > 0) {
			st->last_token = (uint64_t)tok;
			return SL_OK;
		}
		if (tok < 0)
			return sl_task_report_error(st->ctx, "TASK_PUT", rec, st->payload.data,
						    st->payload.len, "%s", err);
		if (sl_task_stopping(st->ctx))
			return SL_RETRY;
		if (run_client(st, 100) != SL_OK)
			return SL_FAIL;
	}
}

static sl_rc_t msink_put(sl_task_ctx_t *ctx, sl_record_t *records, size_t count)
{
	msink_task_t *st = sl_task_data(ctx);
	for (size_t i = 0; i < count; i++) {
		sl_rc_t rc = publish(st, &records[i]);
		if (rc == SL_RETRY) {
			sl_task_fail(ctx, "stopping with records not yet published");
			return SL_FAIL; /* nothing is committed past them */
		}
		if (rc != SL_OK)
			return rc;
	}
	return run_client(st, 0);
}

/* Waits until every publish so far is completed by the broker. */
static sl_rc_t msink_flush(sl_task_ctx_t *ctx)
{
	msink_task_t *st = sl_task_data(ctx);
	int64_t since = sl_now_ms(), next_log = since + 30000;
	while (mqtt_client_published(st->client) < st->last_token) {
		if (sl_task_stopping(ctx)) {
			sl_task_fail(ctx, "stopping with %zu publish(es) not completed",
				     mqtt_client_unfinished(st->client));
			return SL_RETRY;
		}
		if (run_client(st, 100) != SL_OK)
			return SL_FAIL;
		if (sl_now_ms() >= next_log) {
			SL_TASK_WARN(ctx, "flush has waited %lld s for %zu publish(es)%s%s",
				     (long long)((sl_now_ms() - since) / 1000),
				     mqtt_client_unfinished(st->client),
				     mqtt_client_connected(st->client) ? "" : ": not connected: ",
				     mqtt_client_connected(st->client) ? "" : st->last_error);
			next_log += 30000;
		}
	}
	return SL_OK;
}

static void task_free(msink_task_t *st)
{
	if (!st)
		return;
	mqtt_client_free(st->client);
	free(st->client_id);
	free(st->props);
	sl_buf_free(&st->topic);
	sl_buf_free(&st->payload);
	sl_options_free(msink_options, &st->cfg);
	free(st);
}

static int msink_resolve(const msink_config_t *c, const sl_config_t *config, sl_errlist_t *errs)
{
	return mqtt_conn_resolve(&c->conn, config, errs);
}

static int msink_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	msink_config_t c;
	sl_errlist_t ignored = {0};
	int rc = 0;
	if (sl_options_load(msink_options, config, &c, &ignored) == 0)
		rc = msink_resolve(&c, config, errs);
	sl_options_free(msink_options, &c);
	sl_errlist_free(&ignored);
	return rc;
}

static sl_rc_t msink_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	msink_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;
	char err[512];

	st->ctx = ctx;
	if (sl_options_load(msink_options, config, &st->cfg, &errs) != 0 ||
	    msink_resolve(&st->cfg, config, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	st->client_id = mqtt_conn_client_id(&st->cfg.conn, ctx);
	mqtt_client_opts_t o;
	mqtt_conn_opts(&st->cfg.conn, st->client_id, sl_task_tag(ctx), &o);
	o.max_inflight = (uint16_t)st->cfg.max_inflight;
	st->client = mqtt_client_new(&o, err, sizeof(err));
	if (!st->client) {
		sl_task_fail(ctx, "%s", err);
		goto out;
	}
	sl_task_set_sink_headers(ctx, st->cfg.user_props && st->cfg.conn.version == 1);
	SL_TASK_INFO(ctx, "publishing to %s as client %s (MQTT %s, QoS %lld)", st->cfg.topic,
		     st->client_id, mqtt_version_names[st->cfg.conn.version],
		     (long long)st->cfg.conn.qos);
	sl_task_set_data(ctx, st);
	st = NULL;
	rc = SL_OK;
out:
	task_free(st);
	sl_errlist_free(&errs);
	return rc;
}

/* Publishes not completed are dropped: their offsets are not committed,
 * so they are published again after a restart. */
static void msink_stop(sl_task_ctx_t *ctx)
{
	task_free(sl_task_data(ctx));
	sl_task_set_data(ctx, NULL);
}

static const sl_sink_ops_t msink_ops = {
	.start = msink_start,
	.put = msink_put,
	.flush = msink_flush,
	.stop = msink_stop,
};

const sl_connector_t mqtt_sink_connector = {
	.name = "mqtt-sink",
	.aliases = msink_aliases,
	.kind = SL_SINK,
	.doc = "Publishes each record to an MQTT broker (MQTT 3.1.1 or 5, QoS 0-2): topic "
	       "from a template over the Kafka topic, partition and key, payload the value as "
	       "text or bytes, MQTT 5 user properties from the headers. Consumer offsets are "
	       "committed only after the broker completed every publish before them (PUBACK / "
	       "PUBCOMP).",
	.options = msink_options,
	.validate = msink_validate,
	.sink = &msink_ops,
};
