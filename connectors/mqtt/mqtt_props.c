/* MQTT 5 properties: one table says each property's type, the packets
 * that may carry it, its valid values and its field in mqtt_props_t; the
 * decoder, the encoder and the iterators all read it. */
#include <stddef.h>
#include <string.h>

#include "mqtt_priv.h"
#include "sluice/util.h"

typedef enum prop_kind {
	K_BYTE,
	K_U16,
	K_U32,
	K_VBI,
	K_STR,  /* UTF-8 string */
	K_BIN,  /* binary data */
	K_PAIR, /* UTF-8 string pair */
} prop_kind_t;

typedef struct prop_def {
	const char *name;
	prop_kind_t kind;
	uint16_t packets; /* bit t: allowed in packets of type t; bit 0: in a will */
	uint8_t max;      /* K_BYTE: largest valid value, when not 0 */
	bool nonzero;     /* 0 is a protocol error */
	bool topic;       /* a topic name (no wildcards) */
	size_t off;       /* its field in mqtt_props_t */
} prop_def_t;

#define P(t) (1u << MQTT_##t)
#define WILL (1u << MQTT_WILL_PROPS)
#define F(field) offsetof(mqtt_props_t, field)
static const prop_def_t defs[] = {
	[MQTT_PROP_PAYLOAD_FORMAT] = {"Payload Format Indicator", K_BYTE, P(PUBLISH) | WILL, 1,
				      .off = F(payload_format)},
	[MQTT_PROP_MESSAGE_EXPIRY] = {"Message Expiry Interval", K_U32, P(PUBLISH) | WILL,
				      .off = F(message_expiry)},
	[MQTT_PROP_CONTENT_TYPE] = {"Content Type", K_STR, P(PUBLISH) | WILL,
				    .off = F(content_type)},
	[MQTT_PROP_RESPONSE_TOPIC] = {"Response Topic", K_STR, P(PUBLISH) | WILL, .topic = true,
				      .off = F(response_topic)},
	[MQTT_PROP_CORRELATION_DATA] = {"Correlation Data", K_BIN, P(PUBLISH) | WILL,
					.off = F(correlation_data)},
	[MQTT_PROP_SUBSCRIPTION_ID] = {"Subscription Identifier", K_VBI, P(PUBLISH) | P(SUBSCRIBE),
				       .nonzero = true, .off = F(subscription_id)},
	[MQTT_PROP_SESSION_EXPIRY] = {"Session Expiry Interval", K_U32,
				      P(CONNECT) | P(CONNACK) | P(DISCONNECT),
				      .off = F(session_expiry)},
	[MQTT_PROP_ASSIGNED_CLIENT_ID] = {"Assigned Client Identifier", K_STR, P(CONNACK),
					  .off = F(assigned_client_id)},
	[MQTT_PROP_SERVER_KEEP_ALIVE] = {"Server Keep Alive", K_U16, P(CONNACK),
					 .off = F(server_keep_alive)},
	[MQTT_PROP_AUTH_METHOD] = {"Authentication Method", K_STR,
				   P(CONNECT) | P(CONNACK) | P(AUTH), .off = F(auth_method)},
	[MQTT_PROP_AUTH_DATA] = {"Authentication Data", K_BIN, P(CONNECT) | P(CONNACK) | P(AUTH),
				 .off = F(auth_data)},
	[MQTT_PROP_REQUEST_PROBLEM_INFO] = {"Request Problem Information", K_BYTE, P(CONNECT), 1,
					    .off = F(request_problem_info)},
	[MQTT_PROP_WILL_DELAY] = {"Will Delay Interval", K_U32, WILL, .off = F(will_delay)},
	[MQTT_PROP_REQUEST_RESPONSE_INFO] = {"Request Response Information", K_BYTE, P(CONNECT), 1,
					     .off = F(request_response_info)},
	[MQTT_PROP_RESPONSE_INFO] = {"Response Information", K_STR, P(CONNACK),
				     .off = F(response_info)},
	[MQTT_PROP_SERVER_REFERENCE] = {"Server Reference", K_STR, P(CONNACK) | P(DISCONNECT),
					.off = F(server_reference)},
	[MQTT_PROP_REASON_STRING] = {"Reason String", K_STR,
				     P(CONNACK) | P(PUBACK) | P(PUBREC) | P(PUBREL) | P(PUBCOMP) |
					     P(SUBACK) | P(UNSUBACK) | P(DISCONNECT) | P(AUTH),
				     .off = F(reason_string)},
	[MQTT_PROP_RECEIVE_MAXIMUM] = {"Receive Maximum", K_U16, P(CONNECT) | P(CONNACK),
				       .nonzero = true, .off = F(receive_maximum)},
	[MQTT_PROP_TOPIC_ALIAS_MAXIMUM] = {"Topic Alias Maximum", K_U16, P(CONNECT) | P(CONNACK),
					   .off = F(topic_alias_maximum)},
	[MQTT_PROP_TOPIC_ALIAS] = {"Topic Alias", K_U16, P(PUBLISH), .nonzero = true,
				   .off = F(topic_alias)},
	[MQTT_PROP_MAXIMUM_QOS] = {"Maximum QoS", K_BYTE, P(CONNACK), 1, .off = F(maximum_qos)},
	[MQTT_PROP_RETAIN_AVAILABLE] = {"Retain Available", K_BYTE, P(CONNACK), 1,
					.off = F(retain_available)},
	[MQTT_PROP_USER] = {"User Property", K_PAIR, 0xffff & ~P(PINGREQ) & ~P(PINGRESP)},
	[MQTT_PROP_MAXIMUM_PACKET_SIZE] = {"Maximum Packet Size", K_U32, P(CONNECT) | P(CONNACK),
					   .nonzero = true, .off = F(maximum_packet_size)},
	[MQTT_PROP_WILDCARD_SUB_AVAILABLE] = {"Wildcard Subscription Available", K_BYTE, P(CONNACK),
					      1, .off = F(wildcard_sub_available)},
	[MQTT_PROP_SUB_ID_AVAILABLE] = {"Subscription Identifier Available", K_BYTE, P(CONNACK), 1,
					.off = F(sub_id_available)},
	[MQTT_PROP_SHARED_SUB_AVAILABLE] = {"Shared Subscription Available", K_BYTE, P(CONNACK), 1,
					    .off = F(shared_sub_available)},
};
#undef F
#undef WILL
#undef P

static const prop_def_t *def_of(uint32_t id)
{
	return id < SL_ARRAY_LEN(defs) && defs[id].name ? &defs[id] : NULL;
}

/* What a property block of packets of type is called in messages. */
static const char *block_name(unsigned type)
{
	return type == MQTT_WILL_PROPS ? "will properties" : mqtt_type_name(type);
}

/* Why a value is invalid for its property, or NULL. */
static const char *value_problem(const prop_def_t *d, uint32_t num, mqtt_str_t str)
{
	if (d->kind == K_BYTE && num > d->max)
		return "must be 0 or 1";
	if (d->nonzero && num == 0)
		return "must not be 0";
	if (d->kind == K_VBI && num > MQTT_MAX_REMAINING)
		return "is larger than 268435455";
	if (d->topic && !mqtt_topic_valid(str, NULL, 0))
		return "is not a valid topic name";
	return NULL;
}

/* Reads the value of property d: integers into *num, strings into *str
 * (and a pair's value into *val). */
static int value_read(mqtt_rd_t *r, const prop_def_t *d, uint32_t *num, mqtt_str_t *str,
		      mqtt_str_t *val)
{
	uint8_t b;
	uint16_t s;

	switch (d->kind) {
	case K_BYTE:
		if (mqtt_rd_u8(r, d->name, &b) < 0)
			return -1;
		*num = b;
		return 0;
	case K_U16:
		if (mqtt_rd_u16(r, d->name, &s) < 0)
			return -1;
		*num = s;
		return 0;
	case K_U32:
		return mqtt_rd_u32(r, d->name, num);
	case K_VBI:
		return mqtt_rd_vbi(r, d->name, num);
	case K_STR:
		return mqtt_rd_str(r, d->name, str);
	case K_BIN:
		return mqtt_rd_bin(r, d->name, str);
	case K_PAIR:
		if (mqtt_rd_str(r, "User Property name", str) < 0)
			return -1;
		return mqtt_rd_str(r, "User Property value", val);
	}
	return -1;
}

/* Stores a decoded value in its field of p. */
static void value_store(mqtt_props_t *p, const prop_def_t *d, uint32_t num, mqtt_str_t str)
{
	char *field = (char *)p + d->off;

	switch (d->kind) {
	case K_BYTE:
		*(uint8_t *)field = (uint8_t)num;
		break;
	case K_U16:
		*(uint16_t *)field = (uint16_t)num;
		break;
	case K_U32:
	case K_VBI:
		*(uint32_t *)field = num;
		break;
	case K_STR:
	case K_BIN:
		*(mqtt_str_t *)field = str;
		break;
	case K_PAIR:
		break;
	}
}

static int prop_decode(mqtt_rd_t *r, unsigned type, mqtt_props_t *p)
{
	size_t at = r->base + r->off;
	uint32_t id, num = 0;
	mqtt_str_t str = {0}, val = {0};
	const prop_def_t *d;
	const char *problem;

	if (mqtt_rd_vbi(r, "property identifier", &id) < 0)
		return -1;
	if (!(d = def_of(id)))
		return mqtt_rd_fail(r, MQTT_RC_MALFORMED_PACKET,
				    "unknown property identifier 0x%02X at byte %zu", (unsigned)id,
				    at);
	if (!(d->packets >> type & 1))
		return mqtt_rd_fail(r, MQTT_RC_MALFORMED_PACKET,
				    "property %s (0x%02X) at byte %zu is not allowed in %s",
				    d->name, (unsigned)id, at, block_name(type));
	bool repeats =
		id == MQTT_PROP_USER || (id == MQTT_PROP_SUBSCRIPTION_ID && type == MQTT_PUBLISH);
	if ((p->present & MQTT_PROP_BIT(id)) && !repeats)
		return mqtt_rd_fail(r, MQTT_RC_PROTOCOL_ERROR,
				    "property %s appears twice (again at byte %zu)", d->name, at);
	if (value_read(r, d, &num, &str, &val) < 0)
		return -1;
	if ((problem = value_problem(d, num, str)))
		return mqtt_rd_fail(r, MQTT_RC_PROTOCOL_ERROR, "property %s at byte %zu %s",
				    d->name, at, problem);
	p->present |= MQTT_PROP_BIT(id);
	if (id == MQTT_PROP_USER)
		p->user_count++;
	else if (id != MQTT_PROP_SUBSCRIPTION_ID || p->sub_id_count++ == 0)
		value_store(p, d, num, str);
	return 0;
}

int mqtt_props_decode(mqtt_rd_t *r, unsigned type, mqtt_props_t *p)
{
	uint32_t len;
	size_t at = r->base + r->off;

	memset(p, 0, sizeof(*p));
	if (mqtt_rd_vbi(r, "property length", &len) < 0)
		return -1;
	if (len > mqtt_rd_left(r))
		return mqtt_rd_fail(
			r, MQTT_RC_MALFORMED_PACKET,
			"property length %u at byte %zu runs past the end (%zu bytes left)",
			(unsigned)len, at, mqtt_rd_left(r));
	mqtt_rd_t s = mqtt_rd_sub(r, len);
	p->raw = s.p;
	p->raw_len = len;
	while (mqtt_rd_left(&s))
		if (prop_decode(&s, type, p) < 0)
			return -1;
	return 0;
}

bool mqtt_props_has(const mqtt_props_t *p, mqtt_prop_id_t id)
{
	return (unsigned)id < 64 && (p->present & MQTT_PROP_BIT(id));
}

bool mqtt_prop_next(const mqtt_props_t *p, size_t *pos, mqtt_prop_t *out)
{
	mqtt_rd_t r = {.p = p->raw, .len = p->raw_len, .off = *pos, .what = "property"};
	const prop_def_t *d;
	uint32_t id;

	if (!p->raw || *pos >= p->raw_len)
		return false;
	memset(out, 0, sizeof(*out));
	if (mqtt_rd_vbi(&r, "id", &id) < 0 || !(d = def_of(id)))
		return false;
	if (value_read(&r, d, &out->num, &out->str, &out->value) < 0)
		return false;
	out->id = (mqtt_prop_id_t)id;
	*pos = r.off;
	return true;
}

bool mqtt_user_next(const mqtt_props_t *p, size_t *pos, mqtt_user_prop_t *out)
{
	mqtt_prop_t prop;

	if (p->users) {
		if (*pos >= p->user_count)
			return false;
		*out = p->users[(*pos)++];
		return true;
	}
	while (mqtt_prop_next(p, pos, &prop))
		if (prop.id == MQTT_PROP_USER) {
			out->name = prop.str;
			out->value = prop.value;
			return true;
		}
	return false;
}

bool mqtt_props_empty(const mqtt_props_t *p)
{
	return !p->present && !p->user_count;
}

/* Writes property d's value from its field of p, after checking it. */
static int value_write(mqtt_wr_t *w, const prop_def_t *d, const mqtt_props_t *p)
{
	const char *field = (const char *)p + d->off;
	uint32_t num = 0;
	mqtt_str_t str = {0};
	const char *problem;

	switch (d->kind) {
	case K_BYTE:
		num = *(const uint8_t *)field;
		break;
	case K_U16:
		num = *(const uint16_t *)field;
		break;
	case K_U32:
	case K_VBI:
		num = *(const uint32_t *)field;
		break;
	case K_STR:
	case K_BIN:
		str = *(const mqtt_str_t *)field;
		break;
	case K_PAIR:
		return -1; /* user properties are written from the list */
	}
	if ((problem = value_problem(d, num, str)))
		return mqtt_wr_fail(w, "property %s %s", d->name, problem);
	switch (d->kind) {
	case K_BYTE:
		mqtt_wr_u8(w, (uint8_t)num);
		return 0;
	case K_U16:
		mqtt_wr_u16(w, (uint16_t)num);
		return 0;
	case K_U32:
		mqtt_wr_u32(w, num);
		return 0;
	case K_VBI:
		mqtt_wr_vbi(w, num);
		return 0;
	case K_STR:
		return mqtt_wr_str(w, d->name, str);
	default:
		return mqtt_wr_bin(w, d->name, str);
	}
}

/* Writes the properties of p without the block's length. */
static int props_body(mqtt_wr_t *w, unsigned type, const mqtt_props_t *p)
{
	mqtt_user_prop_t u;
	size_t pos = 0;

	for (unsigned id = 0; id < 64; id++) {
		const prop_def_t *d = def_of(id);
		if (!(p->present & MQTT_PROP_BIT(id)) || id == MQTT_PROP_USER)
			continue;
		if (!d)
			return mqtt_wr_fail(w, "unknown property identifier 0x%02X", id);
		if (!(d->packets >> type & 1))
			return mqtt_wr_fail(w, "property %s is not allowed in %s", d->name,
					    block_name(type));
		mqtt_wr_u8(w, (uint8_t)id);
		if (value_write(w, d, p) < 0)
			return -1;
	}
	if (p->user_count && !p->users && !p->raw)
		return mqtt_wr_fail(w, "%zu user properties but no list of them", p->user_count);
	while (mqtt_user_next(p, &pos, &u)) {
		mqtt_wr_u8(w, MQTT_PROP_USER);
		if (mqtt_wr_str(w, "User Property name", u.name) < 0 ||
		    mqtt_wr_str(w, "User Property value", u.value) < 0)
			return -1;
	}
	return 0;
}

int mqtt_props_encode(mqtt_wr_t *w, unsigned type, const mqtt_props_t *p)
{
	mqtt_wr_t count = *w;

	count.b = NULL;
	count.n = 0;
	if (props_body(&count, type, p) < 0)
		return -1;
	if (count.n > MQTT_MAX_REMAINING)
		return mqtt_wr_fail(w, "%s are %zu bytes long, more than 268435455",
				    type == MQTT_WILL_PROPS ? "will properties" : "properties",
				    count.n);
	mqtt_wr_vbi(w, (uint32_t)count.n);
	return props_body(w, type, p);
}
