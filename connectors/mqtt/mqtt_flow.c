/* The MQTT client's QoS 1/2 bookkeeping: received messages acknowledged in
 * arrival order once the caller acked them, and the caller's publishes
 * from queued to completed (packet ids, windows, resending, refusals).
 *
 * Received. Each QoS 1/2 PUBLISH takes the next arrival sequence of the
 * connection; its token is (generation << 32) | sequence. The caller's ack
 * marks it; the PUBACK (QoS 1) or PUBREC (QoS 2) of a message goes out
 * once it and every message before it are marked (in_ack_next is the
 * first sequence not yet acknowledged to the broker). A QoS 2 message then
 * waits for PUBREL, answered with PUBCOMP. A duplicate QoS 2 PUBLISH (same
 * packet id, no PUBREL yet) whose PUBREC went out is answered with PUBREC
 * again; a duplicate of one still waiting for the caller's ack is ignored:
 * its first copy is acknowledged in its turn. Neither is handed to the
 * caller twice. A QoS 1 PUBLISH (or any after a QoS 1 one) with the id of
 * a message not yet acknowledged is handed over again: it may be a resend
 * or a new message under an id the broker reused (aedes does after a
 * session resumes), and at least once allows both. The earlier copy is
 * folded into it: one PUBACK for the id, in the later copy's turn, so a
 * second PUBACK cannot acknowledge a message that took the id after the
 * first. A new connection starts an empty ring: tokens of the old one no
 * longer match, and the broker sends those messages again.
 *
 * Published. Tokens count the caller's publishes; out[] holds them from
 * the oldest not done (out_first) on, and published is the token before
 * it. QoS 1/2 publishes keep their encoded bytes until PUBACK / PUBCOMP
 * (or a refusal, reason 0x80 or above); after a dropped connection they
 * are sent again, with DUP (PUBREL for those past PUBREC) when the broker
 * kept the session, as new publishes when it did not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_client_priv.h"
#include "sluice/log.h"
#include "sluice/util.h"

/* Grows a ring of elem-sized entries (head, count) to twice its capacity,
 * straightening it. */
static void ring_grow(void **arr, size_t *cap, size_t *head, size_t count, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	char *n = sl_malloc(ncap * elem), *o = *arr;
	for (size_t i = 0; i < count; i++)
		memcpy(n + i * elem, o + ((*head + i) & (*cap - 1)) * elem, elem);
	free(o);
	*arr = n;
	*cap = ncap;
	*head = 0;
}

void mqtt_flow_free(mqtt_client_t *c)
{
	for (size_t i = 0; i < c->out_count; i++)
		free(c->out[(c->out_head + i) & (c->out_cap - 1)].bytes);
	for (size_t i = 0; i < c->nrefused; i++)
		free(c->refused[i].why);
	free(c->out);
	free(c->out_ids);
	free(c->in);
	free(c->in_ids);
	free(c->refused);
}

/* ---- received ------------------------------------------------------------- */

static in_msg_t *in_at(mqtt_client_t *c, uint32_t seq)
{
	uint32_t k = seq - c->in_seq_head;
	if (k >= c->in_count)
		return NULL;
	return &c->in[(c->in_head + k) & (c->in_cap - 1)];
}

/* The live entry of packet id, or NULL. */
static in_msg_t *in_by_id(mqtt_client_t *c, uint16_t id)
{
	if (!c->in_ids)
		return NULL;
	in_msg_t *m = in_at(c, c->in_ids[id]);
	return m && m->id == id && m->state != IN_DONE ? m : NULL;
}

void mqtt_flow_in_reset(mqtt_client_t *c)
{
	c->in_head = c->in_count = c->in_live = 0;
	c->in_seq_head = c->in_seq_next = c->in_ack_next = 1;
}

static void in_pop_done(mqtt_client_t *c)
{
	while (c->in_count && c->in[c->in_head].state == IN_DONE) {
		c->in_head = (c->in_head + 1) & (c->in_cap - 1);
		c->in_count--;
		c->in_seq_head++;
	}
}

static void queue_ack(mqtt_client_t *c, mqtt_type_t type, uint16_t id, uint8_t reason)
{
	mqtt_packet_t p = {.type = type, .packet_id = id};
	if (c->v == MQTT_V5)
		p.reason = reason;
	mqtt_client_queue(c, &p);
}

int mqtt_flow_in_publish(mqtt_client_t *c, const mqtt_packet_t *pkt, uint64_t *token)
{
	in_msg_t *dup = in_by_id(c, pkt->packet_id);
	if (dup && ((dup->qos == 2 && pkt->publish.qos == 2) || dup->state == IN_RECEIVED)) {
		if (dup->state == IN_RECEIVED && pkt->publish.qos == 2)
			queue_ack(c, MQTT_PUBREC, pkt->packet_id, 0);
		SL_DEBUG(c->tag, "PUBLISH %u again before its acknowledgement: not delivered twice",
			 pkt->packet_id);
		return 0;
	}
	if (dup) /* folded into this one: mqtt_flow_in_send_acks */
		SL_DEBUG(c->tag, "PUBLISH %u again before its PUBACK: delivered again",
			 pkt->packet_id);
	uint16_t rm = c->receive_maximum ? c->receive_maximum : 65535;
	if (c->v == MQTT_V5 && c->in_live >= rm && !c->rm_warned) {
		/* A protocol error by the letter (0x93), but mosquitto 2.0.11 does
		 * it when it resumes a session whose queue is full; dropping the
		 * connection would only make it do it again. Take the message. */
		SL_WARN(c->tag,
			"the broker sent more than Receive Maximum (%u) unacknowledged messages; "
			"taking them all",
			rm);
		c->rm_warned = true;
	}
	if (!c->in_ids)
		c->in_ids = sl_calloc(65536, sizeof(*c->in_ids));
	if (c->in_count == c->in_cap)
		ring_grow((void **)&c->in, &c->in_cap, &c->in_head, c->in_count, sizeof(*c->in));
	uint32_t seq = c->in_seq_next++;
	c->in[(c->in_head + c->in_count) & (c->in_cap - 1)] =
		(in_msg_t){.id = pkt->packet_id, .qos = pkt->publish.qos, .state = IN_WAIT};
	c->in_count++;
	c->in_live++;
	c->in_ids[pkt->packet_id] = seq;
	*token = ((uint64_t)c->gen << 32) | seq;
	return 1;
}

void mqtt_flow_in_send_acks(mqtt_client_t *c)
{
	in_msg_t *m;
	while (c->in_ack_next != c->in_seq_next && (m = in_at(c, c->in_ack_next)) &&
	       m->state == IN_ACKED) {
		/* a later copy took the id (in_ids): it answers for both */
		bool folded = c->in_ids[m->id] != c->in_ack_next;
		if (folded || m->qos == 1) {
			if (!folded)
				queue_ack(c, MQTT_PUBACK, m->id, 0);
			m->state = IN_DONE;
			c->in_live--;
		} else {
			queue_ack(c, MQTT_PUBREC, m->id, 0);
			m->state = IN_RECEIVED;
		}
		c->in_ack_next++;
	}
	in_pop_done(c);
}

void mqtt_flow_in_pubrel(mqtt_client_t *c, uint16_t id)
{
	in_msg_t *m = in_by_id(c, id);
	if (m && m->state == IN_RECEIVED) {
		m->state = IN_DONE;
		c->in_live--;
		in_pop_done(c);
	}
	/* unknown ids too (PUBRECed on an earlier connection): the message
	 * was delivered, the broker only waits for this */
	queue_ack(c, MQTT_PUBCOMP, id, 0);
}

void mqtt_client_ack(mqtt_client_t *c, uint64_t token)
{
	if (!c || !token || (uint32_t)(token >> 32) != c->gen)
		return;
	in_msg_t *m = in_at(c, (uint32_t)token);
	if (m && m->state == IN_WAIT)
		m->state = IN_ACKED;
}

size_t mqtt_client_unacked(const mqtt_client_t *c)
{
	return c->in_seq_next - c->in_ack_next;
}

/* ---- published -------------------------------------------------------------- */

static out_msg_t *out_at(mqtt_client_t *c, uint64_t token)
{
	if (token < c->out_first || token - c->out_first >= c->out_count)
		return NULL;
	return &c->out[(c->out_head + (token - c->out_first)) & (c->out_cap - 1)];
}

uint16_t mqtt_flow_alloc_id(mqtt_client_t *c)
{
	if (!c->out_ids)
		c->out_ids = sl_calloc(65536, sizeof(*c->out_ids));
	for (unsigned tries = 0; tries < 65535; tries++) {
		c->next_id = c->next_id == 65535 ? 1 : c->next_id + 1;
		if (!c->out_ids[c->next_id])
			return c->next_id;
	}
	return 0;
}

static void out_done(mqtt_client_t *c, uint64_t token, out_msg_t *m)
{
	if (m->state == OUT_SENT || m->state == OUT_RECEIVED)
		if (m->qos)
			c->inflight_sent--;
	if (m->id)
		c->out_ids[m->id] = 0;
	free(m->bytes);
	m->bytes = NULL;
	m->state = OUT_DONE;
	c->unfinished--;
	c->completed = true;
	while (c->out_count && c->out[c->out_head].state == OUT_DONE) {
		c->published = c->out_first++;
		c->out_head = (c->out_head + 1) & (c->out_cap - 1);
		c->out_count--;
	}
	if (c->feed_next < c->out_first)
		c->feed_next = c->out_first;
	(void)token;
}

static void add_refusal(mqtt_client_t *c, uint64_t token, const mqtt_packet_t *pkt)
{
	const mqtt_str_t rs = pkt->props.reason_string;
	if (c->nrefused == c->refused_cap) {
		c->refused_cap = c->refused_cap ? c->refused_cap * 2 : 8;
		c->refused = sl_realloc(c->refused, c->refused_cap * sizeof(*c->refused));
	}
	c->refused[c->nrefused++] = (refusal_t){
		.token = token,
		.why = sl_asprintf("%s 0x%02X %s%s%.*s", mqtt_type_name(pkt->type), pkt->reason,
				   mqtt_reason_name(pkt->reason), rs.ptr ? ": " : "",
				   rs.ptr ? (int)rs.len : 0, rs.ptr ? rs.ptr : ""),
	};
}

void mqtt_flow_out_ack(mqtt_client_t *c, const mqtt_packet_t *pkt)
{
	uint64_t token = c->out_ids ? c->out_ids[pkt->packet_id] : 0;
	out_msg_t *m = token && token != MQTT_SUB_MARK ? out_at(c, token) : NULL;
	bool want2 = pkt->type != MQTT_PUBACK;
	if (!m || m->qos != (want2 ? 2 : 1)) {
		SL_DEBUG(c->tag, "%s %u for no publish in flight", mqtt_type_name(pkt->type),
			 pkt->packet_id);
		if (pkt->type == MQTT_PUBREC) /* the broker waits for a PUBREL */
			queue_ack(c, MQTT_PUBREL, pkt->packet_id, MQTT_RC_PACKET_ID_NOT_FOUND);
		return;
	}
	if (pkt->type == MQTT_PUBREC && (m->state == OUT_SENT || m->state == OUT_RECEIVED) &&
	    pkt->reason < 0x80) {
		m->state = OUT_RECEIVED;
		queue_ack(c, MQTT_PUBREL, pkt->packet_id, 0);
		return;
	}
	bool final = pkt->type == MQTT_PUBCOMP ? m->state == OUT_RECEIVED : m->state == OUT_SENT;
	if (!final)
		return;
	if (pkt->reason >= 0x80)
		add_refusal(c, token, pkt);
	out_done(c, token, m);
}

void mqtt_flow_out_dropped(mqtt_client_t *c)
{
	for (uint64_t t = c->out_first; t < c->out_first + c->out_count; t++) {
		out_msg_t *m = out_at(c, t);
		if (m->state == OUT_SENT)
			m->state = m->qos ? OUT_RESEND : OUT_QUEUED; /* QoS 0: not written */
		else if (m->state == OUT_RECEIVED)
			m->state = OUT_RESEND_REL;
	}
	c->inflight_sent = 0;
	c->q0_queued = 0;
	c->feed_next = c->out_first;
}

void mqtt_flow_out_connected(mqtt_client_t *c, bool session_present)
{
	if (session_present)
		return;
	for (uint64_t t = c->out_first; t < c->out_first + c->out_count; t++) {
		out_msg_t *m = out_at(c, t);
		if (m->state == OUT_RESEND || m->state == OUT_RESEND_REL)
			m->state = OUT_QUEUED; /* the old session is gone: a new publish */
	}
}

/* Queues m's PUBLISH (DUP when dup) or PUBREL on the write queue. */
static void feed_one(mqtt_client_t *c, out_msg_t *m)
{
	if (m->state == OUT_RESEND_REL) {
		queue_ack(c, MQTT_PUBREL, m->id, 0);
		m->state = OUT_RECEIVED;
	} else {
		m->bytes[0] =
			(uint8_t)((m->bytes[0] & ~0x08) | (m->state == OUT_RESEND ? 0x08 : 0));
		sl_buf_append(&c->wbuf, m->bytes, m->len);
		c->wq_total += m->len;
		m->state = OUT_SENT;
		m->end = c->wq_total;
	}
	if (m->qos)
		c->inflight_sent++;
	else
		c->q0_queued++;
}

void mqtt_flow_out_feed(mqtt_client_t *c)
{
	while (c->feed_next < c->last_token + 1 && c->wbuf.len - c->woff < 256 * 1024) {
		out_msg_t *m = out_at(c, c->feed_next);
		if (m && (m->state == OUT_QUEUED || m->state == OUT_RESEND ||
			  m->state == OUT_RESEND_REL)) {
			if (m->qos && c->inflight_sent >= c->srv_receive_max)
				return; /* the broker's Receive Maximum */
			feed_one(c, m);
		}
		c->feed_next++;
	}
}

void mqtt_flow_out_written(mqtt_client_t *c)
{
	for (uint64_t t = c->out_first; c->q0_queued && t < c->feed_next; t++) {
		out_msg_t *m = out_at(c, t);
		if (!m || m->qos || m->state != OUT_SENT)
			continue;
		if (m->end > c->w_total)
			break;
		c->q0_queued--;
		out_done(c, t, m);
		if (t < c->out_first)
			t = c->out_first - 1;
	}
}

static uint16_t window(const mqtt_client_t *c)
{
	uint16_t w = c->max_inflight ? c->max_inflight : 65535;
	return c->srv_receive_max < w ? c->srv_receive_max : w;
}

/* Checks pub against the broker's limits known so far. */
static int check_publish(mqtt_client_t *c, const mqtt_publish_t *pub, char *err, size_t errlen)
{
	char why[160];
	if (pub->qos > 2)
		return sl_seterr(err, errlen, "PUBLISH: QoS %u is not 0, 1 or 2", pub->qos);
	if (!mqtt_topic_valid(pub->topic, why, sizeof(why)))
		return sl_seterr(err, errlen, "PUBLISH: topic '%.*s': %s",
				 pub->topic.ptr ? (int)pub->topic.len : 0,
				 pub->topic.ptr ? pub->topic.ptr : "", why);
	if (pub->qos > c->srv_max_qos)
		return sl_seterr(err, errlen,
				 "PUBLISH: QoS %u is above the broker's Maximum QoS %u", pub->qos,
				 c->srv_max_qos);
	if (pub->retain && !c->srv_retain)
		return sl_seterr(err, errlen, "PUBLISH: the broker does not support retain");
	return 0;
}

static void out_push(mqtt_client_t *c, const out_msg_t *m)
{
	if (c->out_count == c->out_cap)
		ring_grow((void **)&c->out, &c->out_cap, &c->out_head, c->out_count,
			  sizeof(*c->out));
	if (!c->out_count)
		c->out_first = c->last_token + 1;
	c->out[(c->out_head + c->out_count) & (c->out_cap - 1)] = *m;
	c->out_count++;
	c->last_token++;
	c->unfinished++;
}

int64_t mqtt_client_publish(mqtt_client_t *c, const mqtt_publish_t *pub, const mqtt_props_t *props,
			    char *err, size_t errlen)
{
	if (check_publish(c, pub, err, errlen) != 0)
		return -1;
	if (c->unfinished >= window(c))
		return 0;
	mqtt_packet_t p = {.type = MQTT_PUBLISH, .publish = *pub};
	p.publish.dup = false;
	if (props && c->v == MQTT_V5)
		p.props = *props;
	if (pub->qos && !(p.packet_id = mqtt_flow_alloc_id(c)))
		return 0; /* every packet id in use */
	sl_buf_t b = {0};
	if (mqtt_encode(&b, c->v, &p, err, errlen) != 0) {
		sl_buf_free(&b);
		return -1;
	}
	if (c->srv_max_packet && b.len > c->srv_max_packet) {
		sl_seterr(err, errlen,
			  "PUBLISH of %zu bytes is over the broker's Maximum Packet "
			  "Size (%u)",
			  b.len, c->srv_max_packet);
		sl_buf_free(&b);
		return -1;
	}
	out_msg_t m = {.len = b.len, .id = p.packet_id, .qos = pub->qos, .state = OUT_QUEUED};
	m.bytes = (uint8_t *)sl_buf_steal(&b);
	out_push(c, &m);
	if (m.id)
		c->out_ids[m.id] = c->last_token;
	return (int64_t)c->last_token;
}

uint64_t mqtt_client_published(const mqtt_client_t *c)
{
	return c->published;
}

size_t mqtt_client_unfinished(const mqtt_client_t *c)
{
	return c->unfinished;
}

uint64_t mqtt_client_refused(mqtt_client_t *c, char *err, size_t errlen)
{
	if (!c->nrefused)
		return 0;
	refusal_t r = c->refused[0];
	memmove(c->refused, c->refused + 1, (c->nrefused - 1) * sizeof(*c->refused));
	c->nrefused--;
	sl_seterr(err, errlen, "%s", r.why);
	free(r.why);
	return r.token;
}
