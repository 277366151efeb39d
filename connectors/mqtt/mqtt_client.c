/* The MQTT client's connection loop (mqtt_client.h): connecting through
 * the failover list with backoff, CONNECT / CONNACK / SUBSCRIBE, the
 * write queue, reading and dispatching packets, keepalive, and dropping a
 * connection on errors. The QoS 1/2 bookkeeping is in mqtt_flow.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt_client_priv.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/util.h"

#define READ_CHUNK (64 * 1024)
#define READ_AHEAD (1024 * 1024) /* unprocessed input read at most */
#define BACKOFF_BASE_MS 100
#define BACKOFF_MAX_MS 10000
#define STABLE_MS 10000 /* a connection this old resets the backoff */

static const char *uri_text(const mqtt_client_t *c)
{
	return c->uris[c->uri_idx].text;
}

/* ---- the write queue ---------------------------------------------------------- */

void mqtt_client_queue(mqtt_client_t *c, const mqtt_packet_t *pkt)
{
	char err[256];
	size_t before = c->wbuf.len;
	if (mqtt_encode(&c->wbuf, c->v, pkt, err, sizeof(err)) != 0) {
		SL_ERROR(c->tag, "cannot encode %s: %s", mqtt_type_name(pkt->type), err);
		return;
	}
	c->wq_total += c->wbuf.len - before;
}

/* Writes what the socket takes: 0, or -1 with err. */
static int flush(mqtt_client_t *c, char *err, size_t errlen)
{
	while (c->woff < c->wbuf.len) {
		ssize_t w = mqtt_conn_write(&c->conn, c->wbuf.data + c->woff, c->wbuf.len - c->woff,
					    err, errlen);
		if (w < 0)
			return -1;
		if (w == 0)
			break;
		c->woff += (size_t)w;
		c->w_total += (uint64_t)w;
		c->last_send = sl_now_ms();
	}
	if (c->woff == c->wbuf.len) {
		sl_buf_reset(&c->wbuf);
		c->woff = 0;
	} else if (c->woff > READ_AHEAD) {
		memmove(c->wbuf.data, c->wbuf.data + c->woff, c->wbuf.len - c->woff);
		c->wbuf.len -= c->woff;
		c->woff = 0;
	}
	if (c->q0_queued)
		mqtt_flow_out_written(c);
	return 0;
}

/* Flushes everything before deadline: 0, or -1 with err. */
static int flush_all(mqtt_client_t *c, int64_t deadline, char *err, size_t errlen)
{
	for (;;) {
		if (flush(c, err, errlen) != 0)
			return -1;
		if (c->woff == c->wbuf.len)
			return 0;
		int64_t left = deadline - sl_now_ms();
		if (left <= 0)
			return sl_seterr(err, errlen, "timed out writing");
		mqtt_conn_wait(&c->conn, true, (int)(left > 1000 ? 1000 : left));
	}
}

/* ---- dropping ------------------------------------------------------------------ */

static void close_conn(mqtt_client_t *c)
{
	mqtt_conn_close(&c->conn);
	bool was_up = c->up;
	c->up = false;
	sl_buf_reset(&c->rbuf);
	sl_buf_reset(&c->wbuf);
	c->roff = c->woff = c->need = 0;
	c->wq_total = c->w_total = 0;
	if (c->sub_pending && c->out_ids)
		c->out_ids[c->sub_id] = 0;
	c->sub_pending = false;
	c->ping_out = false;
	mqtt_flow_in_reset(c);
	if (was_up)
		mqtt_flow_out_dropped(c);
}

/* Schedules the next connection attempt after the backoff. */
static void schedule_retry(mqtt_client_t *c)
{
	c->next_attempt = sl_now_ms() + sl_backoff_next(&c->backoff);
}

void mqtt_client_drop(mqtt_client_t *c, uint8_t reason, const char *fmt, ...)
{
	char why[400], err[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(c->last_error, sizeof(c->last_error), "%s: %s", uri_text(c), why);
	SL_WARN(c->tag, "%s", c->last_error);
	if (c->v == MQTT_V5 && reason && c->conn.fd >= 0) {
		mqtt_packet_t d = {.type = MQTT_DISCONNECT, .reason = reason};
		mqtt_client_queue(c, &d);
		flush(c, err, sizeof(err)); /* best effort */
	}
	if (c->up && sl_now_ms() - c->up_since >= STABLE_MS)
		sl_backoff_reset(&c->backoff);
	close_conn(c);
	c->uri_idx = 0;
	schedule_retry(c);
}

/* ---- connecting -------------------------------------------------------------------- */

static void queue_connect(mqtt_client_t *c)
{
	mqtt_packet_t p = {.type = MQTT_CONNECT};
	mqtt_connect_t *k = &p.connect;
	k->client_id = mqtt_str(c->client_id);
	k->clean_start = c->clean_start;
	k->keepalive = c->keepalive;
	k->username = mqtt_str(c->username);
	k->password = mqtt_str(c->password);
	if (c->v == MQTT_V5) {
		mqtt_props_t *pr = &p.props;
		if (c->session_expiry) {
			pr->present |= MQTT_PROP_BIT(MQTT_PROP_SESSION_EXPIRY);
			pr->session_expiry = c->session_expiry;
		}
		pr->present |= MQTT_PROP_BIT(MQTT_PROP_RECEIVE_MAXIMUM) |
			       MQTT_PROP_BIT(MQTT_PROP_TOPIC_ALIAS_MAXIMUM);
		pr->receive_maximum = c->receive_maximum ? c->receive_maximum : 65535;
		pr->topic_alias_maximum = 0;
		if (c->max_packet) {
			pr->present |= MQTT_PROP_BIT(MQTT_PROP_MAXIMUM_PACKET_SIZE);
			pr->maximum_packet_size = c->max_packet;
		}
	}
	mqtt_client_queue(c, &p);
}

/* Reads until a whole packet is at roff, before deadline: its length, or
 * -1 with err. */
static ssize_t read_frame(mqtt_client_t *c, int64_t deadline, char *err, size_t errlen)
{
	for (;;) {
		size_t flen = 0;
		mqtt_frame_rc_t rc = mqtt_frame((const uint8_t *)c->rbuf.data + c->roff,
						c->rbuf.len - c->roff, c->max_packet, &flen);
		if (rc == MQTT_FRAME_OK)
			return (ssize_t)flen;
		if (rc != MQTT_FRAME_NEED_MORE)
			return sl_seterr(err, errlen, "malformed packet from the broker");
		sl_buf_reserve(&c->rbuf, READ_CHUNK);
		ssize_t r = mqtt_conn_read(&c->conn, c->rbuf.data + c->rbuf.len, READ_CHUNK, err,
					   errlen);
		if (r < 0)
			return -1;
		if (r > 0) {
			c->rbuf.len += (size_t)r;
			continue;
		}
		int64_t left = deadline - sl_now_ms();
		if (left <= 0)
			return sl_seterr(err, errlen, "timed out waiting for CONNACK");
		mqtt_conn_wait(&c->conn, false, (int)(left > 1000 ? 1000 : left));
	}
}

/* Whether a refusal of CONNACK or DISCONNECT (MQTT 5 reason) is for good. */
static bool fatal_reason(uint8_t reason)
{
	switch (reason) {
	case MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION:
	case MQTT_RC_CLIENT_ID_NOT_VALID:
	case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
	case MQTT_RC_NOT_AUTHORIZED:
	case MQTT_RC_BANNED:
	case MQTT_RC_BAD_AUTHENTICATION_METHOD:
		return true;
	default:
		return false;
	}
}

/* "CONNACK 0x86 Bad User Name or Password[: reason string]" into buf. */
static void describe_refusal(const mqtt_client_t *c, const mqtt_packet_t *p, char *buf, size_t size)
{
	const mqtt_str_t rs = p->props.reason_string;
	int n;
	if (c->v == MQTT_V311 && p->type == MQTT_CONNACK)
		n = snprintf(buf, size, "CONNACK %u %s", p->connack.return_code,
			     mqtt_connack_v3_name(p->connack.return_code));
	else
		n = snprintf(buf, size, "%s 0x%02X %s", mqtt_type_name(p->type), p->reason,
			     mqtt_reason_name(p->reason));
	if (rs.ptr && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ": %.*s", (int)rs.len, rs.ptr);
}

/* The server's limits from CONNACK's properties (MQTT 5). */
static void apply_connack(mqtt_client_t *c, const mqtt_props_t *pr)
{
	c->ka = c->keepalive;
	c->srv_receive_max = 65535;
	c->srv_max_qos = 2;
	c->srv_retain = true;
	c->srv_max_packet = 0;
	if (c->v != MQTT_V5)
		return;
	if (mqtt_props_has(pr, MQTT_PROP_RECEIVE_MAXIMUM))
		c->srv_receive_max = pr->receive_maximum;
	if (mqtt_props_has(pr, MQTT_PROP_MAXIMUM_QOS))
		c->srv_max_qos = pr->maximum_qos;
	if (mqtt_props_has(pr, MQTT_PROP_RETAIN_AVAILABLE))
		c->srv_retain = pr->retain_available;
	if (mqtt_props_has(pr, MQTT_PROP_MAXIMUM_PACKET_SIZE))
		c->srv_max_packet = pr->maximum_packet_size;
	if (mqtt_props_has(pr, MQTT_PROP_SERVER_KEEP_ALIVE))
		c->ka = pr->server_keep_alive;
	if (mqtt_props_has(pr, MQTT_PROP_ASSIGNED_CLIENT_ID)) {
		free(c->client_id);
		c->client_id = sl_strndup(pr->assigned_client_id.ptr, pr->assigned_client_id.len);
	}
}

static void queue_subscribe(mqtt_client_t *c)
{
	mqtt_sub_t *subs = sl_calloc(c->nsubs, sizeof(*subs));
	for (size_t i = 0; i < c->nsubs; i++) {
		subs[i] = c->subs[i];
		if (c->v == MQTT_V311) /* MQTT 5 options only */
			subs[i] = (mqtt_sub_t){.filter = c->subs[i].filter, .qos = c->subs[i].qos};
	}
	uint16_t id = mqtt_flow_alloc_id(c);
	mqtt_packet_t p = {.type = MQTT_SUBSCRIBE,
			   .packet_id = id,
			   .subscribe = {.subs = subs, .count = c->nsubs}};
	mqtt_client_queue(c, &p);
	free(subs);
	c->out_ids[id] = MQTT_SUB_MARK;
	c->sub_id = id;
	c->sub_pending = true;
}

/* Handles the CONNACK at roff: 0 accepted, -1 refused (retry), -2 refused
 * for good (c->fatal set). */
static int on_connack(mqtt_client_t *c, size_t flen, char *err, size_t errlen)
{
	mqtt_packet_t p;
	char why[300];
	uint8_t reason = 0;
	if (mqtt_decode(c->v, (const uint8_t *)c->rbuf.data + c->roff, flen, &p, &reason, why,
			sizeof(why)) != MQTT_DECODE_OK)
		return sl_seterr(err, errlen, "%s", why);
	if (p.type != MQTT_CONNACK)
		return sl_seterr(err, errlen, "%s before CONNACK", mqtt_type_name(p.type));
	if (p.reason) {
		describe_refusal(c, &p, why, sizeof(why));
		sl_seterr(err, errlen, "%s", why);
		if (!fatal_reason(p.reason))
			return -1;
		snprintf(c->fatal, sizeof(c->fatal), "%s: %s", uri_text(c), why);
		return -2;
	}
	c->roff += flen;
	apply_connack(c, &p.props);
	bool session = p.connack.session_present;
	c->gen++;
	c->up = true;
	c->up_since = c->last_recv = c->last_send = sl_now_ms();
	mqtt_flow_in_reset(c);
	mqtt_flow_out_connected(c, session);
	if (c->nsubs && (!session || !c->subscribed_once))
		queue_subscribe(c);
	SL_INFO(c->tag, "connected to %s (MQTT %s, %s session)", uri_text(c),
		c->v == MQTT_V5 ? "5" : "3.1.1", session ? "resumed" : "new");
	return 0;
}

/* One connection attempt to the current URI: 0 up, -1 failed, -2 fatal. */
static int try_connect(mqtt_client_t *c)
{
	char err[300];
	int64_t deadline =
		sl_now_ms() + (c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 30000);
	const mqtt_uri_t *u = &c->uris[c->uri_idx];
	int rc = -1;
	if (mqtt_conn_open(&c->conn, u, c->ssl_ctx, c->verify, deadline, err, sizeof(err)) != 0)
		goto out;
	queue_connect(c);
	ssize_t flen;
	if (flush_all(c, deadline, err, sizeof(err)) != 0 ||
	    (flen = read_frame(c, deadline, err, sizeof(err))) < 0)
		goto out;
	rc = on_connack(c, (size_t)flen, err, sizeof(err));
out:
	if (rc == 0)
		return 0; /* last_error stays: the caller may not have seen it yet */
	snprintf(c->last_error, sizeof(c->last_error), "%s: %s", u->text, err);
	SL_INFO(c->tag, "%s", c->last_error);
	close_conn(c);
	return rc;
}

/* Tries the URIs from uri_idx on: the next one at once after a failure,
 * the backoff after the last. */
static void connect_step(mqtt_client_t *c)
{
	int rc = try_connect(c);
	if (rc == 0 || rc == -2)
		return;
	if (++c->uri_idx < c->nuris) {
		c->next_attempt = sl_now_ms();
		return;
	}
	c->uri_idx = 0;
	schedule_retry(c);
}

/* ---- reading and dispatching --------------------------------------------------------- */

typedef struct run_state {
	mqtt_on_message_fn on_message;
	void *arg;
	size_t max, delivered;
	bool stopped; /* the callback asked to stop, or max reached */
	bool more;    /* input may be waiting: run again before polling */
} run_state_t;

static void deliver(mqtt_client_t *c, run_state_t *rs, const mqtt_packet_t *p)
{
	mqtt_message_t m = {.topic = p->publish.topic,
			    .payload = p->publish.payload,
			    .payload_len = p->publish.payload_len,
			    .qos = p->publish.qos,
			    .retain = p->publish.retain,
			    .dup = p->publish.dup,
			    .packet_id = p->publish.qos ? p->packet_id : 0,
			    .props = c->v == MQTT_V5 ? &p->props : NULL};
	if (m.qos && mqtt_flow_in_publish(c, p, &m.token) <= 0)
		return;
	if (!rs->on_message) { /* subscribed to nothing: nobody to wait for */
		mqtt_client_ack(c, m.token);
		return;
	}
	rs->delivered++;
	if (rs->on_message(rs->arg, &m) != 0 || rs->delivered >= rs->max)
		rs->stopped = true;
}

static void on_suback(mqtt_client_t *c, const mqtt_packet_t *p)
{
	if (!c->sub_pending || p->packet_id != c->sub_id) {
		SL_DEBUG(c->tag, "SUBACK %u for no SUBSCRIBE", p->packet_id);
		return;
	}
	c->out_ids[c->sub_id] = 0;
	c->sub_pending = false;
	for (size_t i = 0; i < p->suback.count && i < c->nsubs; i++) {
		uint8_t code = p->suback.codes[i];
		if (code < 0x80)
			continue;
		snprintf(c->fatal, sizeof(c->fatal), "%s: SUBACK refused '%.*s': 0x%02X %s",
			 uri_text(c), (int)c->subs[i].filter.len, c->subs[i].filter.ptr, code,
			 c->v == MQTT_V5 ? mqtt_reason_name(code) : "Failure");
		return;
	}
	c->subscribed_once = true;
	SL_DEBUG(c->tag, "subscribed to %zu filter(s)", c->nsubs);
}

static void on_disconnect(mqtt_client_t *c, const mqtt_packet_t *p)
{
	char why[300];
	describe_refusal(c, p, why, sizeof(why));
	if (fatal_reason(p->reason))
		snprintf(c->fatal, sizeof(c->fatal), "%s: %s", uri_text(c), why);
	mqtt_client_drop(c, 0, "the broker disconnected: %s", why);
}

/* Handles one decoded packet. */
static void dispatch(mqtt_client_t *c, run_state_t *rs, const mqtt_packet_t *p)
{
	switch (p->type) {
	case MQTT_PUBLISH:
		if (mqtt_props_has(&p->props, MQTT_PROP_TOPIC_ALIAS))
			mqtt_client_drop(
				c, MQTT_RC_TOPIC_ALIAS_INVALID,
				"PUBLISH with Topic Alias %u, but Topic Alias Maximum is 0",
				p->props.topic_alias);
		else
			deliver(c, rs, p);
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBCOMP:
		mqtt_flow_out_ack(c, p);
		break;
	case MQTT_PUBREL:
		mqtt_flow_in_pubrel(c, p->packet_id);
		break;
	case MQTT_SUBACK:
		on_suback(c, p);
		break;
	case MQTT_PINGRESP:
	case MQTT_UNSUBACK:
		break;
	case MQTT_DISCONNECT:
		on_disconnect(c, p);
		break;
	default:
		mqtt_client_drop(c, MQTT_RC_PROTOCOL_ERROR, "%s from the broker",
				 mqtt_type_name(p->type));
		break;
	}
}

/* Decodes and handles the whole packets read, until one is a PUBLISH the
 * run may not deliver. */
static void process(mqtt_client_t *c, run_state_t *rs)
{
	while (c->up && !c->fatal[0]) {
		const uint8_t *at = (const uint8_t *)c->rbuf.data + c->roff;
		size_t n = c->rbuf.len - c->roff, flen = 0;
		mqtt_frame_rc_t rc = mqtt_frame(at, n, c->max_packet, &flen);
		c->need = rc == MQTT_FRAME_NEED_MORE ? flen : 0;
		if (rc == MQTT_FRAME_NEED_MORE)
			break;
		if (rc != MQTT_FRAME_OK) {
			if (rc == MQTT_FRAME_TOO_LARGE)
				mqtt_client_drop(
					c, MQTT_RC_PACKET_TOO_LARGE,
					"a packet of %zu bytes is over the Maximum Packet Size",
					flen);
			else
				mqtt_client_drop(c, MQTT_RC_MALFORMED_PACKET,
						 "malformed packet: bad Remaining Length");
			return;
		}
		if ((at[0] >> 4) == MQTT_PUBLISH && rs->stopped) {
			rs->more = true;
			break;
		}
		mqtt_packet_t p;
		char why[300];
		uint8_t reason = MQTT_RC_PROTOCOL_ERROR;
		if (mqtt_decode(c->v, at, flen, &p, &reason, why, sizeof(why)) != MQTT_DECODE_OK) {
			mqtt_client_drop(c, reason, "%s", why);
			return;
		}
		c->last_recv = sl_now_ms();
		c->ping_out = false;
		dispatch(c, rs, &p);
		if (!c->up) /* dispatch dropped the connection: rbuf is gone */
			return;
		c->roff += flen;
	}
	if (c->roff == c->rbuf.len) {
		sl_buf_reset(&c->rbuf);
		c->roff = 0;
	} else if (c->roff > READ_AHEAD) {
		memmove(c->rbuf.data, c->rbuf.data + c->roff, c->rbuf.len - c->roff);
		c->rbuf.len -= c->roff;
		c->roff = 0;
	}
}

/* Reads what is there, up to READ_AHEAD unprocessed bytes (or the packet
 * being read): 0, or -1 with err (rbuf keeps what was read before). */
static int read_input(mqtt_client_t *c, run_state_t *rs, char *err, size_t errlen)
{
	for (;;) {
		size_t pending = c->rbuf.len - c->roff;
		if (pending >= READ_AHEAD && pending >= c->need) {
			rs->more = true;
			return 0;
		}
		sl_buf_reserve(&c->rbuf, READ_CHUNK);
		ssize_t r = mqtt_conn_read(&c->conn, c->rbuf.data + c->rbuf.len, READ_CHUNK, err,
					   errlen);
		if (r <= 0)
			return (int)r;
		c->rbuf.len += (size_t)r;
		c->rbuf.data[c->rbuf.len] = '\0';
	}
}

/* PINGREQ when nothing was sent or received for a keepalive; dead after
 * 1.5 keepalives of silence with a PINGREQ out. */
static void keepalive(mqtt_client_t *c, int64_t now)
{
	if (!c->ka)
		return;
	int64_t ka = (int64_t)c->ka * 1000;
	if (c->ping_out && now - c->last_recv >= ka * 3 / 2) {
		mqtt_client_drop(c, 0, "no answer from the broker within 1.5 keepalives (%u s)",
				 c->ka);
		return;
	}
	if (!c->ping_out && (now - c->last_send >= ka || now - c->last_recv >= ka)) {
		mqtt_client_queue(c, &(mqtt_packet_t){.type = MQTT_PINGREQ});
		c->ping_out = true;
	}
}

/* When keepalive needs a look next. */
static int64_t keepalive_due(const mqtt_client_t *c)
{
	if (!c->ka)
		return INT64_MAX;
	int64_t ka = (int64_t)c->ka * 1000;
	if (c->ping_out)
		return c->last_recv + ka * 3 / 2;
	int64_t base = c->last_send < c->last_recv ? c->last_send : c->last_recv;
	return base + ka;
}

/* One turn on an open connection. */
static void step(mqtt_client_t *c, run_state_t *rs)
{
	char err[300] = "";
	rs->more = false;
	mqtt_flow_in_send_acks(c);
	mqtt_flow_out_feed(c);
	keepalive(c, sl_now_ms());
	if (c->up && flush(c, err, sizeof(err)) != 0) {
		mqtt_client_drop(c, 0, "%s", err);
		return;
	}
	int rrc = c->up ? read_input(c, rs, err, sizeof(err)) : 0;
	process(c, rs);
	if (c->up && rrc < 0) {
		mqtt_client_drop(c, 0, "%s", err);
		return;
	}
	if (!c->up)
		return;
	mqtt_flow_in_send_acks(c);
	mqtt_flow_out_feed(c);
	if (flush(c, err, sizeof(err)) != 0)
		mqtt_client_drop(c, 0, "%s", err);
}

/* Waits for the socket, the keepalive or the next connection attempt, at
 * most until deadline. */
static void wait_for_work(mqtt_client_t *c, int64_t deadline)
{
	int64_t now = sl_now_ms(), until = deadline;
	if (c->up) {
		int64_t ka = keepalive_due(c);
		if (ka < until)
			until = ka;
		mqtt_conn_wait(&c->conn, c->woff < c->wbuf.len,
			       (int)(until - now < 0       ? 0
				     : until - now > 60000 ? 60000
							   : until - now));
	} else {
		if (c->next_attempt < until)
			until = c->next_attempt;
		if (until > now)
			sl_sleep_ms(until - now);
	}
}

int mqtt_client_run(mqtt_client_t *c, int timeout_ms, mqtt_on_message_fn on_message, void *arg,
		    size_t max_messages, char *err, size_t errlen)
{
	run_state_t rs = {.on_message = on_message, .arg = arg, .max = max_messages};
	int64_t deadline = sl_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	bool waiting_pubs = c->unfinished > 0;
	rs.stopped = on_message && max_messages == 0;
	c->completed = false;
	for (;;) {
		if (!c->up && !c->fatal[0] && sl_now_ms() >= c->next_attempt)
			connect_step(c);
		if (c->up)
			step(c, &rs);
		if (c->fatal[0]) {
			if (c->up || c->conn.fd >= 0)
				close_conn(c);
			return sl_seterr(err, errlen, "%s", c->fatal);
		}
		if (rs.delivered && (!rs.more || rs.stopped))
			return 0;
		if (waiting_pubs && c->completed)
			return 0;
		if (sl_now_ms() >= deadline)
			return 0;
		if (!rs.more || rs.stopped) /* stopped: nothing to do but the socket's */
			wait_for_work(c, deadline);
	}
}

/* ---- the client ----------------------------------------------------------------------- */

static int copy_subs(mqtt_client_t *c, const mqtt_client_opts_t *o, char *err, size_t errlen)
{
	char why[160];
	c->subs = sl_calloc(o->sub_count ? o->sub_count : 1, sizeof(*c->subs));
	for (size_t i = 0; i < o->sub_count; i++) {
		const mqtt_sub_t *s = &o->subs[i];
		if (!mqtt_filter_valid(s->filter, why, sizeof(why)))
			return sl_seterr(err, errlen, "topic filter '%.*s': %s",
					 s->filter.ptr ? (int)s->filter.len : 0,
					 s->filter.ptr ? s->filter.ptr : "", why);
		if (s->qos > 2 || s->retain_handling > 2)
			return sl_seterr(err, errlen,
					 "topic filter '%.*s': QoS or retain handling "
					 "out of range",
					 (int)s->filter.len, s->filter.ptr);
		c->subs[i] = *s;
		c->subs[i].filter.ptr = sl_strndup(s->filter.ptr, s->filter.len);
		c->nsubs++;
	}
	return 0;
}

static int copy_uris(mqtt_client_t *c, const mqtt_client_opts_t *o, char *err, size_t errlen)
{
	size_t n = 0;
	bool tls = false;
	while (o->uris && o->uris[n])
		n++;
	if (!n)
		return sl_seterr(err, errlen, "no broker URI");
	c->uris = sl_calloc(n, sizeof(*c->uris));
	for (; c->nuris < n; c->nuris++) {
		if (mqtt_uri_parse(o->uris[c->nuris], &c->uris[c->nuris], err, errlen) != 0)
			return -1;
		tls |= c->uris[c->nuris].tls;
	}
	if (tls && !(c->ssl_ctx = mqtt_tls_ctx_new(&o->tls, err, errlen)))
		return -1;
	return 0;
}

mqtt_client_t *mqtt_client_new(const mqtt_client_opts_t *o, char *err, size_t errlen)
{
	mqtt_client_t *c = sl_calloc(1, sizeof(*c));
	c->conn = (mqtt_conn_t)MQTT_CONN_INIT;
	if (o->version != MQTT_V311 && o->version != MQTT_V5) {
		sl_seterr(err, errlen, "MQTT protocol level %d is not 4 or 5", (int)o->version);
		goto fail;
	}
	if (copy_uris(c, o, err, errlen) != 0 || copy_subs(c, o, err, errlen) != 0)
		goto fail;
	c->v = o->version;
	c->client_id = sl_strdup(o->client_id ? o->client_id : "");
	c->username = sl_strdup(o->username);
	c->password = sl_strdup(o->password);
	c->tag = sl_strdup(o->tag ? o->tag : "mqtt");
	c->clean_start = o->clean_start;
	c->verify = o->tls.verify;
	c->session_expiry = o->session_expiry;
	c->max_packet = o->max_packet;
	c->keepalive = o->keepalive;
	c->receive_maximum = o->receive_maximum;
	c->max_inflight = o->max_inflight;
	c->connect_timeout_ms = o->connect_timeout_ms;
	c->srv_receive_max = 65535;
	c->srv_max_qos = 2;
	c->srv_retain = true;
	c->out_first = c->feed_next = 1;
	mqtt_flow_in_reset(c);
	sl_backoff_init(&c->backoff, BACKOFF_BASE_MS, BACKOFF_MAX_MS,
			(uint64_t)sl_wallclock_ms() ^ (uint64_t)(uintptr_t)c);
	return c;
fail:
	mqtt_client_free(c);
	return NULL;
}

void mqtt_client_free(mqtt_client_t *c)
{
	if (!c)
		return;
	if (c->up) {
		char err[128];
		mqtt_client_queue(c, &(mqtt_packet_t){.type = MQTT_DISCONNECT});
		flush_all(c, sl_now_ms() + 200, err, sizeof(err)); /* best effort */
	}
	mqtt_conn_close(&c->conn);
	for (size_t i = 0; i < c->nuris; i++)
		mqtt_uri_free(&c->uris[i]);
	for (size_t i = 0; i < c->nsubs; i++)
		free((char *)c->subs[i].filter.ptr);
	free(c->uris);
	free(c->subs);
	free(c->client_id);
	free(c->username);
	free(c->password);
	free(c->tag);
	mqtt_tls_ctx_free(c->ssl_ctx);
	sl_buf_free(&c->rbuf);
	sl_buf_free(&c->wbuf);
	mqtt_flow_free(c);
	free(c);
}

bool mqtt_client_connected(const mqtt_client_t *c)
{
	return c->up && !c->sub_pending;
}

const char *mqtt_client_last_error(const mqtt_client_t *c)
{
	return c->last_error;
}
