/* MQTT's wire primitives (integers, variable byte integers, strings) read
 * with bounds checks and written with counting, the frame splitter, and
 * the names and allowed sets of reason codes. */
#include <stdio.h>
#include <string.h>

#include "mqtt_priv.h"
#include "sluice/util.h"

/* ---- reader ------------------------------------------------------------ */

int mqtt_rd_fail(mqtt_rd_t *r, uint8_t reason, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->reason)
		*r->reason = reason;
	return sl_seterr(r->err, r->errlen, "%s: %s", r->what, msg);
}

/* Fails unless n more bytes are there. */
static int need(mqtt_rd_t *r, const char *field, size_t n)
{
	if (mqtt_rd_left(r) >= n)
		return 0;
	return mqtt_rd_fail(r, MQTT_RC_MALFORMED_PACKET, "%s truncated at byte %zu", field,
			    r->base + r->off);
}

int mqtt_rd_u8(mqtt_rd_t *r, const char *field, uint8_t *out)
{
	if (need(r, field, 1) < 0)
		return -1;
	*out = r->p[r->off++];
	return 0;
}

int mqtt_rd_u16(mqtt_rd_t *r, const char *field, uint16_t *out)
{
	if (need(r, field, 2) < 0)
		return -1;
	*out = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return 0;
}

int mqtt_rd_u32(mqtt_rd_t *r, const char *field, uint32_t *out)
{
	if (need(r, field, 4) < 0)
		return -1;
	const uint8_t *b = r->p + r->off;
	*out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	r->off += 4;
	return 0;
}

int mqtt_rd_vbi(mqtt_rd_t *r, const char *field, uint32_t *out)
{
	size_t start = r->off;
	uint32_t v = 0;

	for (unsigned i = 0; i < 4; i++) {
		uint8_t b;
		if (mqtt_rd_u8(r, field, &b) < 0)
			return -1;
		v |= (uint32_t)(b & 0x7f) << (7 * i);
		if (b & 0x80)
			continue;
		if (i > 0 && b == 0)
			return mqtt_rd_fail(r, MQTT_RC_MALFORMED_PACKET,
					    "%s at byte %zu is not minimally encoded", field,
					    r->base + start);
		*out = v;
		return 0;
	}
	return mqtt_rd_fail(r, MQTT_RC_MALFORMED_PACKET, "%s at byte %zu is longer than 4 bytes",
			    field, r->base + start);
}

int mqtt_rd_bin(mqtt_rd_t *r, const char *field, mqtt_str_t *out)
{
	uint16_t n;

	if (mqtt_rd_u16(r, field, &n) < 0 || need(r, field, n) < 0)
		return -1;
	out->ptr = (const char *)r->p + r->off;
	out->len = n;
	r->off += n;
	return 0;
}

int mqtt_rd_str(mqtt_rd_t *r, const char *field, mqtt_str_t *out)
{
	size_t start = r->off;

	if (mqtt_rd_bin(r, field, out) < 0)
		return -1;
	if (!mqtt_utf8_ok(out->ptr, out->len))
		return mqtt_rd_fail(r, MQTT_RC_MALFORMED_PACKET,
				    "%s at byte %zu is not UTF-8 without U+0000", field,
				    r->base + start);
	return 0;
}

mqtt_rd_t mqtt_rd_sub(mqtt_rd_t *r, size_t n)
{
	mqtt_rd_t s = *r;

	s.p = r->p + r->off;
	s.len = n;
	s.off = 0;
	s.base = r->base + r->off;
	r->off += n;
	return s;
}

bool mqtt_utf8_ok(const char *s, size_t len)
{
	return len == 0 || (!memchr(s, '\0', len) && sl_utf8_valid(s, len));
}

/* ---- writer ------------------------------------------------------------ */

int mqtt_wr_fail(mqtt_wr_t *w, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sl_seterr(w->err, w->errlen, "%s: %s", w->what, msg);
}

void mqtt_wr_bytes(mqtt_wr_t *w, const void *p, size_t n)
{
	if (w->b && n)
		sl_buf_append(w->b, p, n);
	w->n += n;
}

void mqtt_wr_u8(mqtt_wr_t *w, uint8_t v)
{
	mqtt_wr_bytes(w, &v, 1);
}

void mqtt_wr_u16(mqtt_wr_t *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	mqtt_wr_bytes(w, b, 2);
}

void mqtt_wr_u32(mqtt_wr_t *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	mqtt_wr_bytes(w, b, 4);
}

void mqtt_wr_vbi(mqtt_wr_t *w, uint32_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		mqtt_wr_u8(w, v ? b | 0x80 : b);
	} while (v);
}

int mqtt_wr_bin(mqtt_wr_t *w, const char *field, mqtt_str_t s)
{
	if (s.len > UINT16_MAX)
		return mqtt_wr_fail(w, "%s is %zu bytes long, more than 65535", field, s.len);
	mqtt_wr_u16(w, (uint16_t)s.len);
	mqtt_wr_bytes(w, s.ptr, s.len);
	return 0;
}

int mqtt_wr_str(mqtt_wr_t *w, const char *field, mqtt_str_t s)
{
	if (s.len && !mqtt_utf8_ok(s.ptr, s.len))
		return mqtt_wr_fail(w, "%s is not UTF-8 without U+0000", field);
	return mqtt_wr_bin(w, field, s);
}

/* ---- frames ------------------------------------------------------------ */

mqtt_frame_rc_t mqtt_frame(const uint8_t *p, size_t n, size_t max_packet, size_t *frame_len)
{
	uint32_t remaining = 0;

	*frame_len = 0;
	for (size_t i = 1; i <= 4; i++) {
		if (i >= n)
			return MQTT_FRAME_NEED_MORE;
		remaining |= (uint32_t)(p[i] & 0x7f) << (7 * (i - 1));
		if (p[i] & 0x80)
			continue;
		if (i > 1 && p[i] == 0)
			return MQTT_FRAME_MALFORMED;
		*frame_len = 1 + i + (size_t)remaining;
		if (max_packet && *frame_len > max_packet)
			return MQTT_FRAME_TOO_LARGE;
		return *frame_len <= n ? MQTT_FRAME_OK : MQTT_FRAME_NEED_MORE;
	}
	return MQTT_FRAME_MALFORMED;
}

/* ---- strings and names ------------------------------------------------- */

mqtt_str_t mqtt_str(const char *s)
{
	return (mqtt_str_t){.ptr = s, .len = s ? strlen(s) : 0};
}

bool mqtt_str_eq(mqtt_str_t a, const char *s)
{
	return a.ptr && a.len == strlen(s) && !memcmp(a.ptr, s, a.len);
}

const char *mqtt_type_name(unsigned type)
{
	static const char *const names[16] = {
		"reserved", "CONNECT",  "CONNACK",    "PUBLISH", "PUBACK",      "PUBREC",
		"PUBREL",   "PUBCOMP",  "SUBSCRIBE",  "SUBACK",  "UNSUBSCRIBE", "UNSUBACK",
		"PINGREQ",  "PINGRESP", "DISCONNECT", "AUTH",
	};
	return type < 16 ? names[type] : "reserved";
}

/* Every MQTT 5 reason code: its name and the packets that may carry it. */
#define P(t) (1u << MQTT_##t)
#define ACKS (P(PUBACK) | P(PUBREC))
static const struct reason_def {
	uint8_t code;
	const char *name;
	uint16_t packets;
} reasons[] = {
	{0x00, "Success",
	 P(CONNACK) | ACKS | P(PUBREL) | P(PUBCOMP) | P(SUBACK) | P(UNSUBACK) | P(DISCONNECT) |
		 P(AUTH)},
	{0x01, "Granted QoS 1", P(SUBACK)},
	{0x02, "Granted QoS 2", P(SUBACK)},
	{0x04, "Disconnect with Will Message", P(DISCONNECT)},
	{0x10, "No matching subscribers", ACKS},
	{0x11, "No subscription existed", P(UNSUBACK)},
	{0x18, "Continue authentication", P(AUTH)},
	{0x19, "Re-authenticate", P(AUTH)},
	{0x80, "Unspecified error", P(CONNACK) | ACKS | P(SUBACK) | P(UNSUBACK) | P(DISCONNECT)},
	{0x81, "Malformed Packet", P(CONNACK) | P(DISCONNECT)},
	{0x82, "Protocol Error", P(CONNACK) | P(DISCONNECT)},
	{0x83, "Implementation specific error",
	 P(CONNACK) | ACKS | P(SUBACK) | P(UNSUBACK) | P(DISCONNECT)},
	{0x84, "Unsupported Protocol Version", P(CONNACK)},
	{0x85, "Client Identifier not valid", P(CONNACK)},
	{0x86, "Bad User Name or Password", P(CONNACK)},
	{0x87, "Not authorized", P(CONNACK) | ACKS | P(SUBACK) | P(UNSUBACK) | P(DISCONNECT)},
	{0x88, "Server unavailable", P(CONNACK)},
	{0x89, "Server busy", P(CONNACK) | P(DISCONNECT)},
	{0x8A, "Banned", P(CONNACK)},
	{0x8B, "Server shutting down", P(DISCONNECT)},
	{0x8C, "Bad authentication method", P(CONNACK) | P(DISCONNECT)},
	{0x8D, "Keep Alive timeout", P(DISCONNECT)},
	{0x8E, "Session taken over", P(DISCONNECT)},
	{0x8F, "Topic Filter invalid", P(SUBACK) | P(UNSUBACK) | P(DISCONNECT)},
	{0x90, "Topic Name invalid", P(CONNACK) | ACKS | P(DISCONNECT)},
	{0x91, "Packet Identifier in use", ACKS | P(SUBACK) | P(UNSUBACK)},
	{0x92, "Packet Identifier not found", P(PUBREL) | P(PUBCOMP)},
	{0x93, "Receive Maximum exceeded", P(DISCONNECT)},
	{0x94, "Topic Alias invalid", P(DISCONNECT)},
	{0x95, "Packet too large", P(CONNACK) | P(DISCONNECT)},
	{0x96, "Message rate too high", P(DISCONNECT)},
	{0x97, "Quota exceeded", P(CONNACK) | ACKS | P(SUBACK) | P(DISCONNECT)},
	{0x98, "Administrative action", P(DISCONNECT)},
	{0x99, "Payload format invalid", P(CONNACK) | ACKS | P(DISCONNECT)},
	{0x9A, "Retain not supported", P(CONNACK) | P(DISCONNECT)},
	{0x9B, "QoS not supported", P(CONNACK) | P(DISCONNECT)},
	{0x9C, "Use another server", P(CONNACK) | P(DISCONNECT)},
	{0x9D, "Server moved", P(CONNACK) | P(DISCONNECT)},
	{0x9E, "Shared Subscriptions not supported", P(SUBACK) | P(DISCONNECT)},
	{0x9F, "Connection rate exceeded", P(CONNACK) | P(DISCONNECT)},
	{0xA0, "Maximum connect time", P(DISCONNECT)},
	{0xA1, "Subscription Identifiers not supported", P(SUBACK) | P(DISCONNECT)},
	{0xA2, "Wildcard Subscriptions not supported", P(SUBACK) | P(DISCONNECT)},
};
#undef ACKS
#undef P

static const struct reason_def *reason_find(uint8_t code)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(reasons); i++)
		if (reasons[i].code == code)
			return &reasons[i];
	return NULL;
}

const char *mqtt_reason_name(uint8_t code)
{
	const struct reason_def *d = reason_find(code);
	return d ? d->name : "Unknown reason code";
}

bool mqtt_reason_allowed(unsigned type, uint8_t code)
{
	const struct reason_def *d = reason_find(code);
	return d && type < 16 && (d->packets >> type & 1);
}

static const struct {
	const char *name;
	uint8_t reason;
} connack_v3[] = {
	{"Connection Accepted", MQTT_RC_SUCCESS},
	{"Connection Refused, unacceptable protocol version", MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION},
	{"Connection Refused, identifier rejected", MQTT_RC_CLIENT_ID_NOT_VALID},
	{"Connection Refused, Server unavailable", MQTT_RC_SERVER_UNAVAILABLE},
	{"Connection Refused, bad user name or password", MQTT_RC_BAD_USERNAME_OR_PASSWORD},
	{"Connection Refused, not authorized", MQTT_RC_NOT_AUTHORIZED},
};

const char *mqtt_connack_v3_name(uint8_t return_code)
{
	return return_code < SL_ARRAY_LEN(connack_v3) ? connack_v3[return_code].name
						      : "Unknown return code";
}

uint8_t mqtt_connack_v3_reason(uint8_t return_code)
{
	return return_code < SL_ARRAY_LEN(connack_v3) ? connack_v3[return_code].reason
						      : MQTT_RC_UNSPECIFIED_ERROR;
}
