/* Decoding and encoding of MQTT 3.1.1 and 5.0 packets: one decoder and one
 * encoder per packet layout, each the mirror of the other, so that every
 * rule the decoder enforces the encoder enforces too. */
#include <assert.h>
#include <string.h>

#include "mqtt_priv.h"
#include "sluice/util.h"

#define MALFORMED MQTT_RC_MALFORMED_PACKET
#define PROTOCOL MQTT_RC_PROTOCOL_ERROR

/* The fixed header's flag bits every type but PUBLISH must carry. */
static uint8_t required_flags(unsigned type)
{
	return type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE ? 2 : 0;
}

/* Whether packets of type carry a packet identifier (PUBLISH: QoS > 0). */
static bool has_packet_id(unsigned type)
{
	return type >= MQTT_PUBACK && type <= MQTT_UNSUBACK;
}

/* ---- decoding ---------------------------------------------------------- */

static int rd_packet_id(mqtt_rd_t *r, mqtt_packet_t *pkt)
{
	size_t at = r->base + r->off;

	if (mqtt_rd_u16(r, "packet identifier", &pkt->packet_id) < 0)
		return -1;
	if (pkt->packet_id == 0)
		return mqtt_rd_fail(r, PROTOCOL, "packet identifier at byte %zu is 0", at);
	return 0;
}

/* Reads a reason code that packets of pkt's type may carry. */
static int rd_reason(mqtt_rd_t *r, mqtt_packet_t *pkt)
{
	size_t at = r->base + r->off;

	if (mqtt_rd_u8(r, "reason code", &pkt->reason) < 0)
		return -1;
	if (!mqtt_reason_allowed(pkt->type, pkt->reason))
		return mqtt_rd_fail(r, PROTOCOL, "reason code 0x%02X at byte %zu is not valid here",
				    pkt->reason, at);
	return 0;
}

static int dec_will(mqtt_rd_t *r, mqtt_connect_t *c)
{
	size_t at;

	if (c->version == MQTT_V5 && mqtt_props_decode(r, MQTT_WILL_PROPS, &c->will_props) < 0)
		return -1;
	at = r->base + r->off;
	if (mqtt_rd_str(r, "will topic", &c->will_topic) < 0)
		return -1;
	if (!mqtt_topic_valid(c->will_topic, NULL, 0))
		return mqtt_rd_fail(r, PROTOCOL, "will topic at byte %zu is not a valid topic name",
				    at);
	return mqtt_rd_bin(r, "will payload", &c->will_payload);
}

/* The CONNECT flags byte (spec 3.1.2.3). */
static int dec_connect_flags(mqtt_rd_t *r, mqtt_connect_t *c, uint8_t f)
{
	c->clean_start = f & 0x02;
	c->will = f & 0x04;
	c->will_qos = (f >> 3) & 3;
	c->will_retain = f & 0x20;
	if (f & 0x01)
		return mqtt_rd_fail(r, MALFORMED, "reserved connect flag bit 0 is set");
	if (c->will_qos == 3)
		return mqtt_rd_fail(r, MALFORMED, "will QoS is 3");
	if (!c->will && (c->will_qos || c->will_retain))
		return mqtt_rd_fail(r, MALFORMED, "will QoS or retain set without a will");
	if (c->version == MQTT_V311 && (f & 0x40) && !(f & 0x80))
		return mqtt_rd_fail(r, MALFORMED, "password flag set without user name flag");
	return 0;
}

static int dec_connect(mqtt_rd_t *r, mqtt_packet_t *pkt)
{
	mqtt_connect_t *c = &pkt->connect;
	mqtt_str_t name;
	uint8_t flags;

	if (mqtt_rd_str(r, "protocol name", &name) < 0)
		return -1;
	if (!mqtt_str_eq(name, "MQTT"))
		return mqtt_rd_fail(r, MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION,
				    "protocol name is not \"MQTT\"");
	if (mqtt_rd_u8(r, "protocol level", &c->version) < 0)
		return -1;
	if (c->version != MQTT_V311 && c->version != MQTT_V5)
		return mqtt_rd_fail(r, MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION,
				    "protocol level %u is not supported (4 and 5 are)", c->version);
	if (mqtt_rd_u8(r, "connect flags", &flags) < 0 || dec_connect_flags(r, c, flags) < 0 ||
	    mqtt_rd_u16(r, "keep alive", &c->keepalive) < 0)
		return -1;
	if (c->version == MQTT_V5 && mqtt_props_decode(r, MQTT_CONNECT, &pkt->props) < 0)
		return -1;
	if (mqtt_rd_str(r, "client identifier", &c->client_id) < 0)
		return -1;
	if (c->will && dec_will(r, c) < 0)
		return -1;
	if ((flags & 0x80) && mqtt_rd_str(r, "user name", &c->username) < 0)
		return -1;
	if ((flags & 0x40) && mqtt_rd_bin(r, "password", &c->password) < 0)
		return -1;
	return 0;
}

static int dec_connack(mqtt_rd_t *r, mqtt_version_t v, mqtt_packet_t *pkt)
{
	mqtt_connack_t *c = &pkt->connack;
	uint8_t flags;

	if (mqtt_rd_u8(r, "acknowledge flags", &flags) < 0)
		return -1;
	if (flags & 0xfe)
		return mqtt_rd_fail(r, MALFORMED, "reserved acknowledge flag bits 0x%02X are set",
				    flags & 0xfe);
	c->session_present = flags & 1;
	if (v == MQTT_V311) {
		if (mqtt_rd_u8(r, "return code", &c->return_code) < 0)
			return -1;
		if (c->return_code > 5)
			return mqtt_rd_fail(r, MALFORMED, "return code %u is reserved",
					    c->return_code);
		pkt->reason = mqtt_connack_v3_reason(c->return_code);
	} else {
		if (rd_reason(r, pkt) < 0 || mqtt_props_decode(r, MQTT_CONNACK, &pkt->props) < 0)
			return -1;
		c->return_code = pkt->reason;
	}
	if (c->session_present && pkt->reason)
		return mqtt_rd_fail(r, PROTOCOL, "session present with a refusal (%s)",
				    mqtt_reason_name(pkt->reason));
	return 0;
}

static int dec_publish(mqtt_rd_t *r, mqtt_version_t v, uint8_t flags, mqtt_packet_t *pkt)
{
	mqtt_publish_t *m = &pkt->publish;
	char why[128];

	m->retain = flags & 1;
	m->qos = (flags >> 1) & 3;
	m->dup = flags & 8;
	if (m->qos == 3)
		return mqtt_rd_fail(r, MALFORMED, "QoS is 3");
	if (m->dup && m->qos == 0)
		return mqtt_rd_fail(r, MALFORMED, "DUP set on a QoS 0 message");
	if (mqtt_rd_str(r, "topic", &m->topic) < 0)
		return -1;
	if (m->qos && rd_packet_id(r, pkt) < 0)
		return -1;
	if (v == MQTT_V5 && mqtt_props_decode(r, MQTT_PUBLISH, &pkt->props) < 0)
		return -1;
	/* MQTT 5: an empty topic stands for the one of the Topic Alias */
	bool alias = mqtt_props_has(&pkt->props, MQTT_PROP_TOPIC_ALIAS);
	if ((m->topic.len || !alias) && !mqtt_topic_valid(m->topic, why, sizeof(why)))
		return mqtt_rd_fail(r, PROTOCOL, "topic: %s", why);
	m->payload = r->p + r->off;
	m->payload_len = mqtt_rd_left(r);
	r->off = r->len;
	return 0;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP: MQTT 5 may leave out the reason code
 * (Success) and the property length (none) at the end. */
static int dec_ack(mqtt_rd_t *r, mqtt_version_t v, mqtt_packet_t *pkt)
{
	if (rd_packet_id(r, pkt) < 0)
		return -1;
	if (v == MQTT_V311 || !mqtt_rd_left(r))
		return 0;
	if (rd_reason(r, pkt) < 0)
		return -1;
	return mqtt_rd_left(r) ? mqtt_props_decode(r, pkt->type, &pkt->props) : 0;
}

/* One SUBSCRIBE entry's options byte (spec 3.8.3.1). */
static int dec_sub_options(mqtt_rd_t *r, mqtt_version_t v, mqtt_sub_t *s, uint8_t o)
{
	s->qos = o & 3;
	s->no_local = o & 4;
	s->retain_as_published = o & 8;
	s->retain_handling = (o >> 4) & 3;
	if (o & (v == MQTT_V311 ? 0xfc : 0xc0))
		return mqtt_rd_fail(r, MALFORMED, "reserved subscription option bits set in 0x%02X",
				    o);
	if (s->qos == 3)
		return mqtt_rd_fail(r, MALFORMED, "subscription QoS is 3");
	if (s->retain_handling == 3)
		return mqtt_rd_fail(r, PROTOCOL, "retain handling is 3");
	if (s->no_local && s->filter.len >= 7 && !memcmp(s->filter.ptr, "$share/", 7))
		return mqtt_rd_fail(r, PROTOCOL, "no local set on shared subscription");
	return 0;
}

/* One SUBSCRIBE or UNSUBSCRIBE entry. */
static int dec_sub(mqtt_rd_t *r, mqtt_version_t v, unsigned type, mqtt_sub_t *s)
{
	size_t at = r->base + r->off;
	char why[128];
	uint8_t o;

	memset(s, 0, sizeof(*s));
	if (mqtt_rd_str(r, "topic filter", &s->filter) < 0)
		return -1;
	if (!mqtt_filter_valid(s->filter, why, sizeof(why)))
		return mqtt_rd_fail(r, MALFORMED, "topic filter at byte %zu: %s", at, why);
	if (type == MQTT_UNSUBSCRIBE)
		return 0;
	if (mqtt_rd_u8(r, "subscription options", &o) < 0)
		return -1;
	return dec_sub_options(r, v, s, o);
}

static int dec_subscribe(mqtt_rd_t *r, mqtt_version_t v, mqtt_packet_t *pkt)
{
	mqtt_subs_t *s = &pkt->subscribe;
	mqtt_sub_t sub;

	if (rd_packet_id(r, pkt) < 0)
		return -1;
	if (v == MQTT_V5 && mqtt_props_decode(r, pkt->type, &pkt->props) < 0)
		return -1;
	s->raw = r->p + r->off;
	s->raw_len = mqtt_rd_left(r);
	while (mqtt_rd_left(r)) {
		if (dec_sub(r, v, pkt->type, &sub) < 0)
			return -1;
		s->count++;
	}
	if (!s->count)
		return mqtt_rd_fail(r, PROTOCOL, "no topic filter");
	return 0;
}

/* Whether a SUBACK in 3.1.1 may carry code. */
static bool suback_v3_ok(uint8_t code)
{
	return code <= 2 || code == 0x80;
}

/* SUBACK and UNSUBACK (in 3.1.1, UNSUBACK has no codes). */
static int dec_suback(mqtt_rd_t *r, mqtt_version_t v, mqtt_packet_t *pkt)
{
	mqtt_acks_t *a = &pkt->suback;

	if (rd_packet_id(r, pkt) < 0)
		return -1;
	if (v == MQTT_V311 && pkt->type == MQTT_UNSUBACK)
		return 0;
	if (v == MQTT_V5 && mqtt_props_decode(r, pkt->type, &pkt->props) < 0)
		return -1;
	a->codes = r->p + r->off;
	a->count = mqtt_rd_left(r);
	if (!a->count)
		return mqtt_rd_fail(r, PROTOCOL, "no reason codes");
	for (size_t i = 0; i < a->count; i++) {
		uint8_t c = a->codes[i];
		if (v == MQTT_V311 ? !suback_v3_ok(c) : !mqtt_reason_allowed(pkt->type, c))
			return mqtt_rd_fail(r, PROTOCOL,
					    "code 0x%02X at byte %zu is not valid here", c,
					    r->base + r->off + i);
	}
	r->off = r->len;
	return 0;
}

/* DISCONNECT and AUTH in MQTT 5: the reason code may be left out
 * (Success); after it, DISCONNECT may leave out its property length. */
static int dec_reason_props(mqtt_rd_t *r, mqtt_version_t v, mqtt_packet_t *pkt)
{
	if (v == MQTT_V311 || !mqtt_rd_left(r))
		return 0;
	if (rd_reason(r, pkt) < 0)
		return -1;
	if (pkt->type == MQTT_DISCONNECT && !mqtt_rd_left(r))
		return 0;
	return mqtt_props_decode(r, pkt->type, &pkt->props);
}

static int dec_body(mqtt_rd_t *r, mqtt_version_t v, uint8_t flags, mqtt_packet_t *pkt)
{
	switch (pkt->type) {
	case MQTT_CONNECT:
		return dec_connect(r, pkt);
	case MQTT_CONNACK:
		return dec_connack(r, v, pkt);
	case MQTT_PUBLISH:
		return dec_publish(r, v, flags, pkt);
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		return dec_ack(r, v, pkt);
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		return dec_subscribe(r, v, pkt);
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		return dec_suback(r, v, pkt);
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
		return 0;
	case MQTT_DISCONNECT:
	case MQTT_AUTH:
		return dec_reason_props(r, v, pkt);
	}
	return mqtt_rd_fail(r, MALFORMED, "reserved packet type");
}

/* Checks the fixed header of p[0..n): one whole frame, a known type with
 * the flags it requires. Sets pkt->type and r over the body. */
static int dec_header(mqtt_rd_t *r, mqtt_version_t v, const uint8_t *p, size_t n,
		      mqtt_packet_t *pkt)
{
	size_t flen;
	mqtt_frame_rc_t rc = mqtt_frame(p, n, 0, &flen);
	unsigned type, flags;

	if (v != MQTT_V311 && v != MQTT_V5)
		return mqtt_rd_fail(r, MALFORMED, "protocol version %d is not 4 or 5", (int)v);
	if (rc == MQTT_FRAME_MALFORMED)
		return mqtt_rd_fail(r, MALFORMED, "remaining length is malformed");
	if (rc == MQTT_FRAME_NEED_MORE && !flen)
		return mqtt_rd_fail(r, MALFORMED, "fixed header truncated at byte %zu", n);
	if (rc == MQTT_FRAME_NEED_MORE)
		return mqtt_rd_fail(r, MALFORMED, "truncated: %zu of %zu bytes", n, flen);
	if (flen != n)
		return mqtt_rd_fail(r, MALFORMED, "%zu bytes are more than one packet (of %zu)", n,
				    flen);
	type = p[0] >> 4;
	flags = p[0] & 15;
	if (type == 0)
		return mqtt_rd_fail(r, MALFORMED, "packet type 0 is reserved");
	r->what = mqtt_type_name(type);
	if (type == MQTT_AUTH && v == MQTT_V311)
		return mqtt_rd_fail(r, MALFORMED, "packet type %u is reserved", type);
	if (type != MQTT_PUBLISH && flags != required_flags(type))
		return mqtt_rd_fail(r, MALFORMED, "fixed header flags are 0x%x, not 0x%x", flags,
				    required_flags(type));
	pkt->type = (mqtt_type_t)type;
	r->base = 2;
	while (p[r->base - 1] & 0x80)
		r->base++;
	r->p = p + r->base;
	r->len = n - r->base;
	return 0;
}

mqtt_decode_rc_t mqtt_decode(mqtt_version_t v, const uint8_t *p, size_t n, mqtt_packet_t *pkt,
			     uint8_t *reason, char *err, size_t errlen)
{
	mqtt_rd_t r = {.what = "MQTT packet", .reason = reason, .err = err, .errlen = errlen};

	memset(pkt, 0, sizeof(*pkt));
	if (reason)
		*reason = MQTT_RC_SUCCESS;
	if (dec_header(&r, v, p, n, pkt) < 0 || dec_body(&r, v, p[0] & 15, pkt) < 0)
		return MQTT_DECODE_ERROR;
	if (mqtt_rd_left(&r)) {
		mqtt_rd_fail(&r, MALFORMED, "%zu bytes left over at byte %zu", mqtt_rd_left(&r),
			     r.base + r.off);
		return MQTT_DECODE_ERROR;
	}
	if (pkt->type == MQTT_AUTH) {
		mqtt_rd_fail(&r, PROTOCOL, "enhanced authentication is not supported");
		return MQTT_DECODE_UNSUPPORTED;
	}
	return MQTT_DECODE_OK;
}

bool mqtt_sub_next(const mqtt_packet_t *pkt, size_t *pos, mqtt_sub_t *out)
{
	const mqtt_subs_t *s = &pkt->subscribe;
	mqtt_rd_t r = {.p = s->raw, .len = s->raw_len, .off = *pos, .what = "entry"};
	uint8_t o;

	if (pkt->type != MQTT_SUBSCRIBE && pkt->type != MQTT_UNSUBSCRIBE)
		return false;
	if (s->subs) {
		if (*pos >= s->count)
			return false;
		*out = s->subs[(*pos)++];
		return true;
	}
	if (!s->raw || *pos >= s->raw_len)
		return false;
	memset(out, 0, sizeof(*out));
	if (mqtt_rd_bin(&r, "filter", &out->filter) < 0)
		return false;
	if (pkt->type == MQTT_SUBSCRIBE) {
		if (mqtt_rd_u8(&r, "options", &o) < 0)
			return false;
		out->qos = o & 3;
		out->no_local = o & 4;
		out->retain_as_published = o & 8;
		out->retain_handling = (o >> 4) & 3;
	}
	*pos = r.off;
	return true;
}

/* ---- encoding ---------------------------------------------------------- */

static int wr_packet_id(mqtt_wr_t *w, const mqtt_packet_t *pkt)
{
	if (pkt->packet_id == 0)
		return mqtt_wr_fail(w, "packet identifier is 0");
	mqtt_wr_u16(w, pkt->packet_id);
	return 0;
}

/* Checks that pkt's reason code is allowed in its type (MQTT 5) or 0. */
static int check_reason(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	if (v == MQTT_V311 ? pkt->reason != 0 : !mqtt_reason_allowed(pkt->type, pkt->reason))
		return mqtt_wr_fail(w, "reason code 0x%02X is not valid here", pkt->reason);
	return 0;
}

static int enc_will(mqtt_wr_t *w, const mqtt_connect_t *c)
{
	char why[128];

	if (c->version == MQTT_V5 && mqtt_props_encode(w, MQTT_WILL_PROPS, &c->will_props) < 0)
		return -1;
	if (!mqtt_topic_valid(c->will_topic, why, sizeof(why)))
		return mqtt_wr_fail(w, "will topic: %s", why);
	if (mqtt_wr_str(w, "will topic", c->will_topic) < 0)
		return -1;
	return mqtt_wr_bin(w, "will payload", c->will_payload);
}

static int enc_connect_flags(mqtt_wr_t *w, mqtt_version_t v, const mqtt_connect_t *c)
{
	uint8_t f = (uint8_t)(c->clean_start << 1 | c->will << 2 | c->will_qos << 3 |
			      c->will_retain << 5 | (c->password.ptr != NULL) << 6 |
			      (c->username.ptr != NULL) << 7);

	if (c->will_qos > 2)
		return mqtt_wr_fail(w, "will QoS is %u", c->will_qos);
	if (!c->will && (c->will_qos || c->will_retain))
		return mqtt_wr_fail(w, "will QoS or retain set without a will");
	if (!c->will && !mqtt_props_empty(&c->will_props))
		return mqtt_wr_fail(w, "will properties without a will");
	if (v == MQTT_V311 && c->password.ptr && !c->username.ptr)
		return mqtt_wr_fail(w, "a password needs a user name in MQTT 3.1.1");
	if (v == MQTT_V311 && !mqtt_props_empty(&c->will_props))
		return mqtt_wr_fail(w, "will properties need MQTT 5");
	mqtt_wr_u8(w, f);
	return 0;
}

static int enc_connect(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	mqtt_connect_t c = pkt->connect;

	c.version = (uint8_t)v;
	mqtt_wr_str(w, "protocol name", mqtt_str("MQTT"));
	mqtt_wr_u8(w, (uint8_t)v);
	if (enc_connect_flags(w, v, &c) < 0)
		return -1;
	mqtt_wr_u16(w, c.keepalive);
	if (v == MQTT_V5 && mqtt_props_encode(w, MQTT_CONNECT, &pkt->props) < 0)
		return -1;
	if (mqtt_wr_str(w, "client identifier", c.client_id) < 0)
		return -1;
	if (c.will && enc_will(w, &c) < 0)
		return -1;
	if (c.username.ptr && mqtt_wr_str(w, "user name", c.username) < 0)
		return -1;
	if (c.password.ptr && mqtt_wr_bin(w, "password", c.password) < 0)
		return -1;
	return 0;
}

static int enc_connack(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	const mqtt_connack_t *c = &pkt->connack;
	uint8_t code = v == MQTT_V311 ? c->return_code : pkt->reason;

	if (v == MQTT_V311 && c->return_code > 5)
		return mqtt_wr_fail(w, "return code %u is reserved", c->return_code);
	if (v == MQTT_V5 && check_reason(w, v, pkt) < 0)
		return -1;
	if (c->session_present && code)
		return mqtt_wr_fail(w, "session present with a refusal");
	mqtt_wr_u8(w, c->session_present);
	mqtt_wr_u8(w, code);
	return v == MQTT_V5 ? mqtt_props_encode(w, MQTT_CONNACK, &pkt->props) : 0;
}

static int enc_publish(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	const mqtt_publish_t *m = &pkt->publish;
	bool alias = mqtt_props_has(&pkt->props, MQTT_PROP_TOPIC_ALIAS);
	char why[128];

	if (m->qos > 2)
		return mqtt_wr_fail(w, "QoS is %u", m->qos);
	if (m->dup && !m->qos)
		return mqtt_wr_fail(w, "DUP set on a QoS 0 message");
	if ((m->topic.len || !alias) && !mqtt_topic_valid(m->topic, why, sizeof(why)))
		return mqtt_wr_fail(w, "topic: %s", why);
	if (mqtt_wr_str(w, "topic", m->topic) < 0)
		return -1;
	if (m->qos && wr_packet_id(w, pkt) < 0)
		return -1;
	if (v == MQTT_V5 && mqtt_props_encode(w, MQTT_PUBLISH, &pkt->props) < 0)
		return -1;
	mqtt_wr_bytes(w, m->payload, m->payload_len);
	return 0;
}

static int enc_ack(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	if (wr_packet_id(w, pkt) < 0 || check_reason(w, v, pkt) < 0)
		return -1;
	if (v == MQTT_V311 || (!pkt->reason && mqtt_props_empty(&pkt->props)))
		return 0;
	mqtt_wr_u8(w, pkt->reason);
	if (mqtt_props_empty(&pkt->props))
		return 0;
	return mqtt_props_encode(w, pkt->type, &pkt->props);
}

static int enc_sub(mqtt_wr_t *w, mqtt_version_t v, unsigned type, const mqtt_sub_t *s)
{
	char why[128];

	if (!mqtt_filter_valid(s->filter, why, sizeof(why)))
		return mqtt_wr_fail(w, "topic filter: %s", why);
	if (mqtt_wr_str(w, "topic filter", s->filter) < 0)
		return -1;
	if (type == MQTT_UNSUBSCRIBE)
		return 0;
	if (s->qos > 2)
		return mqtt_wr_fail(w, "subscription QoS is %u", s->qos);
	if (s->retain_handling > 2)
		return mqtt_wr_fail(w, "retain handling is %u", s->retain_handling);
	if (v == MQTT_V311 && (s->no_local || s->retain_as_published || s->retain_handling))
		return mqtt_wr_fail(w, "subscription options other than QoS need MQTT 5");
	if (s->no_local && s->filter.len >= 7 && !memcmp(s->filter.ptr, "$share/", 7))
		return mqtt_wr_fail(w, "no local set on shared subscription");
	mqtt_wr_u8(w, (uint8_t)(s->qos | s->no_local << 2 | s->retain_as_published << 3 |
				s->retain_handling << 4));
	return 0;
}

static int enc_subscribe(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	size_t pos = 0, n = 0;
	mqtt_sub_t s;

	if (wr_packet_id(w, pkt) < 0)
		return -1;
	if (v == MQTT_V5 && mqtt_props_encode(w, pkt->type, &pkt->props) < 0)
		return -1;
	while (mqtt_sub_next(pkt, &pos, &s)) {
		if (enc_sub(w, v, pkt->type, &s) < 0)
			return -1;
		n++;
	}
	if (!n)
		return mqtt_wr_fail(w, "no topic filter");
	return 0;
}

static int enc_suback(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	const mqtt_acks_t *a = &pkt->suback;

	if (wr_packet_id(w, pkt) < 0)
		return -1;
	if (v == MQTT_V311 && pkt->type == MQTT_UNSUBACK)
		return 0;
	if (v == MQTT_V5 && mqtt_props_encode(w, pkt->type, &pkt->props) < 0)
		return -1;
	if (!a->count)
		return mqtt_wr_fail(w, "no reason codes");
	for (size_t i = 0; i < a->count; i++) {
		uint8_t c = a->codes[i];
		if (v == MQTT_V311 ? !suback_v3_ok(c) : !mqtt_reason_allowed(pkt->type, c))
			return mqtt_wr_fail(w, "code 0x%02X is not valid here", c);
	}
	mqtt_wr_bytes(w, a->codes, a->count);
	return 0;
}

static int enc_reason_props(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	if (check_reason(w, v, pkt) < 0)
		return -1;
	if (v == MQTT_V311 || (!pkt->reason && mqtt_props_empty(&pkt->props)))
		return 0;
	mqtt_wr_u8(w, pkt->reason);
	if (pkt->type == MQTT_DISCONNECT && mqtt_props_empty(&pkt->props))
		return 0;
	return mqtt_props_encode(w, pkt->type, &pkt->props);
}

static int enc_body(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	switch (pkt->type) {
	case MQTT_CONNECT:
		return enc_connect(w, v, pkt);
	case MQTT_CONNACK:
		return enc_connack(w, v, pkt);
	case MQTT_PUBLISH:
		return enc_publish(w, v, pkt);
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		return enc_ack(w, v, pkt);
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		return enc_subscribe(w, v, pkt);
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		return enc_suback(w, v, pkt);
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
		return 0;
	case MQTT_DISCONNECT:
	case MQTT_AUTH:
		return enc_reason_props(w, v, pkt);
	}
	return mqtt_wr_fail(w, "packet type %d is reserved", (int)pkt->type);
}

/* Checks what no single packet layout checks. */
static int enc_check(mqtt_wr_t *w, mqtt_version_t v, const mqtt_packet_t *pkt)
{
	if (v != MQTT_V311 && v != MQTT_V5)
		return mqtt_wr_fail(w, "protocol version %d is not 4 or 5", (int)v);
	if (pkt->type == MQTT_AUTH && v == MQTT_V311)
		return mqtt_wr_fail(w, "AUTH needs MQTT 5");
	if (v == MQTT_V311 && !mqtt_props_empty(&pkt->props))
		return mqtt_wr_fail(w, "properties need MQTT 5");
	if (pkt->packet_id && !has_packet_id(pkt->type) &&
	    !(pkt->type == MQTT_PUBLISH && pkt->publish.qos))
		return mqtt_wr_fail(w, "this packet has no packet identifier");
	return 0;
}

int mqtt_encode(sl_buf_t *out, mqtt_version_t v, const mqtt_packet_t *pkt, char *err, size_t errlen)
{
	mqtt_wr_t w = {.what = mqtt_type_name(pkt->type), .err = err, .errlen = errlen};
	uint8_t flags = required_flags(pkt->type);
	size_t body;

	/* a counting pass checks everything; the writing pass cannot fail */
	if (enc_check(&w, v, pkt) < 0 || enc_body(&w, v, pkt) < 0)
		return -1;
	if (w.n > MQTT_MAX_REMAINING)
		return mqtt_wr_fail(&w, "%zu bytes long, more than 268435455", w.n);
	body = w.n;
	if (pkt->type == MQTT_PUBLISH) {
		const mqtt_publish_t *m = &pkt->publish;
		flags = (uint8_t)(m->dup << 3 | m->qos << 1 | m->retain);
	}
	w.b = out;
	w.n = 0;
	mqtt_wr_u8(&w, (uint8_t)(pkt->type << 4 | flags));
	mqtt_wr_vbi(&w, (uint32_t)body);
	size_t header = w.n;
	int rc = enc_body(&w, v, pkt);
	assert(rc == 0 && w.n == header + body);
	(void)rc;
	(void)header;
	return 0;
}
