/* A pure MQTT 3.1.1 (protocol level 4) and MQTT 5.0 (level 5) packet codec:
 * frame splitting, decoding of every packet type into views of the
 * caller's bytes, encoding into an sl_buf_t, reason codes and topic filter
 * rules. No sockets, no threads, no global state, no allocation.
 *
 * Decoding checks every field's length before reading it and refuses what
 * the specification calls malformed or a protocol error (bad UTF-8 or
 * U+0000 in strings, reserved flag bits, QoS 3, packet identifier 0,
 * wildcards in a PUBLISH topic, unknown, misplaced or duplicated MQTT 5
 * properties, trailing bytes): the error names the packet, the field and
 * the byte offset, and gives the reason code to DISCONNECT with. Encoding
 * refuses what the decoder would refuse, so what mqtt_encode() writes,
 * mqtt_decode() reads back. */
#ifndef SL_MQTT_CODEC_H
#define SL_MQTT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/buf.h"

/* The largest Remaining Length a fixed header can carry (4 bytes of
 * variable byte integer), and so the largest packet: 1 + 4 + this. */
#define MQTT_MAX_REMAINING 268435455u

typedef enum mqtt_version {
	MQTT_V311 = 4,
	MQTT_V5 = 5,
} mqtt_version_t;

typedef enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK = 2,
	MQTT_PUBLISH = 3,
	MQTT_PUBACK = 4,
	MQTT_PUBREC = 5,
	MQTT_PUBREL = 6,
	MQTT_PUBCOMP = 7,
	MQTT_SUBSCRIBE = 8,
	MQTT_SUBACK = 9,
	MQTT_UNSUBSCRIBE = 10,
	MQTT_UNSUBACK = 11,
	MQTT_PINGREQ = 12,
	MQTT_PINGRESP = 13,
	MQTT_DISCONNECT = 14,
	MQTT_AUTH = 15, /* MQTT 5 only */
} mqtt_type_t;

/* MQTT 5 reason codes (spec 2.4). SUBACK's 0x00-0x02 are the granted QoS;
 * 0x00 is also "Normal disconnection" in DISCONNECT. */
typedef enum mqtt_reason {
	MQTT_RC_SUCCESS = 0x00,
	MQTT_RC_GRANTED_QOS1 = 0x01,
	MQTT_RC_GRANTED_QOS2 = 0x02,
	MQTT_RC_DISCONNECT_WITH_WILL = 0x04,
	MQTT_RC_NO_MATCHING_SUBSCRIBERS = 0x10,
	MQTT_RC_NO_SUBSCRIPTION_EXISTED = 0x11,
	MQTT_RC_CONTINUE_AUTHENTICATION = 0x18,
	MQTT_RC_REAUTHENTICATE = 0x19,
	MQTT_RC_UNSPECIFIED_ERROR = 0x80,
	MQTT_RC_MALFORMED_PACKET = 0x81,
	MQTT_RC_PROTOCOL_ERROR = 0x82,
	MQTT_RC_IMPLEMENTATION_SPECIFIC = 0x83,
	MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84,
	MQTT_RC_CLIENT_ID_NOT_VALID = 0x85,
	MQTT_RC_BAD_USERNAME_OR_PASSWORD = 0x86,
	MQTT_RC_NOT_AUTHORIZED = 0x87,
	MQTT_RC_SERVER_UNAVAILABLE = 0x88,
	MQTT_RC_SERVER_BUSY = 0x89,
	MQTT_RC_BANNED = 0x8A,
	MQTT_RC_SERVER_SHUTTING_DOWN = 0x8B,
	MQTT_RC_BAD_AUTHENTICATION_METHOD = 0x8C,
	MQTT_RC_KEEP_ALIVE_TIMEOUT = 0x8D,
	MQTT_RC_SESSION_TAKEN_OVER = 0x8E,
	MQTT_RC_TOPIC_FILTER_INVALID = 0x8F,
	MQTT_RC_TOPIC_NAME_INVALID = 0x90,
	MQTT_RC_PACKET_ID_IN_USE = 0x91,
	MQTT_RC_PACKET_ID_NOT_FOUND = 0x92,
	MQTT_RC_RECEIVE_MAXIMUM_EXCEEDED = 0x93,
	MQTT_RC_TOPIC_ALIAS_INVALID = 0x94,
	MQTT_RC_PACKET_TOO_LARGE = 0x95,
	MQTT_RC_MESSAGE_RATE_TOO_HIGH = 0x96,
	MQTT_RC_QUOTA_EXCEEDED = 0x97,
	MQTT_RC_ADMINISTRATIVE_ACTION = 0x98,
	MQTT_RC_PAYLOAD_FORMAT_INVALID = 0x99,
	MQTT_RC_RETAIN_NOT_SUPPORTED = 0x9A,
	MQTT_RC_QOS_NOT_SUPPORTED = 0x9B,
	MQTT_RC_USE_ANOTHER_SERVER = 0x9C,
	MQTT_RC_SERVER_MOVED = 0x9D,
	MQTT_RC_SHARED_SUBS_NOT_SUPPORTED = 0x9E,
	MQTT_RC_CONNECTION_RATE_EXCEEDED = 0x9F,
	MQTT_RC_MAXIMUM_CONNECT_TIME = 0xA0,
	MQTT_RC_SUB_IDS_NOT_SUPPORTED = 0xA1,
	MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED = 0xA2,
} mqtt_reason_t;

/* The specification's name of an MQTT 5 reason code ("Not authorized",
 * "Bad User Name or Password"); "Unknown reason code" for others. Static. */
const char *mqtt_reason_name(uint8_t code);
/* The name of an MQTT 3.1.1 CONNACK return code 0-5 ("Connection Refused,
 * not authorized"); "Unknown return code" for others. Static. */
const char *mqtt_connack_v3_name(uint8_t return_code);
/* The MQTT 5 reason code of the same meaning as an MQTT 3.1.1 CONNACK
 * return code (5 gives 0x87 Not authorized); 0x80 for unknown codes. */
uint8_t mqtt_connack_v3_reason(uint8_t return_code);
/* The packet type's name ("PUBLISH"); "reserved" for 0 and >15. Static. */
const char *mqtt_type_name(unsigned type);

/* ---- frames ------------------------------------------------------------ */

typedef enum mqtt_frame_rc {
	MQTT_FRAME_OK = 0,         /* a whole packet of *frame_len bytes starts at p */
	MQTT_FRAME_NEED_MORE = 1,  /* read more bytes, then call again */
	MQTT_FRAME_MALFORMED = -1, /* Remaining Length longer than 4 bytes or not
				    * minimally encoded: DISCONNECT with 0x81 */
	MQTT_FRAME_TOO_LARGE = -2, /* the packet exceeds max_packet: 0x95 */
} mqtt_frame_rc_t;

/* Finds the end of the packet that starts at p (n bytes received so far).
 * max_packet limits a whole packet's size (fixed header included, as MQTT
 * 5's Maximum Packet Size counts it); 0 means no limit beyond the
 * protocol's. *frame_len is the whole packet's size as soon as its fixed
 * header is complete (so also with NEED_MORE and TOO_LARGE: the size
 * refused), else 0. A packet too large is reported as soon as its header
 * is read, before its body arrives. */
mqtt_frame_rc_t mqtt_frame(const uint8_t *p, size_t n, size_t max_packet, size_t *frame_len);

/* ---- packets ----------------------------------------------------------- */

/* A view of bytes owned by someone else: a decoded packet's strings point
 * into the frame given to mqtt_decode() (never NUL-terminated); for
 * encoding, into the caller's strings. ptr NULL means absent (an optional
 * field); present and empty is a non-NULL ptr with len 0. */
typedef struct mqtt_str {
	const char *ptr;
	size_t len;
} mqtt_str_t;

/* A view of the C string s (NULL gives an absent string). */
mqtt_str_t mqtt_str(const char *s);
/* Whether a equals the C string s. */
bool mqtt_str_eq(mqtt_str_t a, const char *s);

typedef struct mqtt_user_prop {
	mqtt_str_t name, value;
} mqtt_user_prop_t;

/* MQTT 5 property identifiers (spec 2.2.2.2). */
typedef enum mqtt_prop_id {
	MQTT_PROP_PAYLOAD_FORMAT = 0x01,
	MQTT_PROP_MESSAGE_EXPIRY = 0x02,
	MQTT_PROP_CONTENT_TYPE = 0x03,
	MQTT_PROP_RESPONSE_TOPIC = 0x08,
	MQTT_PROP_CORRELATION_DATA = 0x09,
	MQTT_PROP_SUBSCRIPTION_ID = 0x0B,
	MQTT_PROP_SESSION_EXPIRY = 0x11,
	MQTT_PROP_ASSIGNED_CLIENT_ID = 0x12,
	MQTT_PROP_SERVER_KEEP_ALIVE = 0x13,
	MQTT_PROP_AUTH_METHOD = 0x15,
	MQTT_PROP_AUTH_DATA = 0x16,
	MQTT_PROP_REQUEST_PROBLEM_INFO = 0x17,
	MQTT_PROP_WILL_DELAY = 0x18,
	MQTT_PROP_REQUEST_RESPONSE_INFO = 0x19,
	MQTT_PROP_RESPONSE_INFO = 0x1A,
	MQTT_PROP_SERVER_REFERENCE = 0x1C,
	MQTT_PROP_REASON_STRING = 0x1F,
	MQTT_PROP_RECEIVE_MAXIMUM = 0x21,
	MQTT_PROP_TOPIC_ALIAS_MAXIMUM = 0x22,
	MQTT_PROP_TOPIC_ALIAS = 0x23,
	MQTT_PROP_MAXIMUM_QOS = 0x24,
	MQTT_PROP_RETAIN_AVAILABLE = 0x25,
	MQTT_PROP_USER = 0x26,
	MQTT_PROP_MAXIMUM_PACKET_SIZE = 0x27,
	MQTT_PROP_WILDCARD_SUB_AVAILABLE = 0x28,
	MQTT_PROP_SUB_ID_AVAILABLE = 0x29,
	MQTT_PROP_SHARED_SUB_AVAILABLE = 0x2A,
} mqtt_prop_id_t;

/* The bit of property id in mqtt_props_t.present. */
#define MQTT_PROP_BIT(id) (UINT64_C(1) << (id))

/* The MQTT 5 properties of one packet (or of a CONNECT's will). A
 * property is present when its bit (MQTT_PROP_BIT) is set in present; its
 * value is then in the field of its name (absent ones read 0 / NULL).
 *
 * User properties and Subscription Identifiers may repeat, so they are not
 * fields: decoding counts them (user_count, sub_id_count; subscription_id
 * holds the first) and mqtt_user_next() / mqtt_prop_next() walk them in
 * the packet's order, within raw, the decoded property block. Encoding
 * writes the properties whose bits are set, in identifier order, then the
 * user_count pairs of users (or, for a decoded mqtt_props_t, its raw user
 * properties), and at most one Subscription Identifier. */
typedef struct mqtt_props {
	uint64_t present;
	uint8_t payload_format; /* 0 unspecified bytes, 1 UTF-8 */
	uint8_t request_problem_info, request_response_info;
	uint8_t maximum_qos, retain_available;
	uint8_t wildcard_sub_available, sub_id_available, shared_sub_available;
	uint16_t receive_maximum, topic_alias_maximum, topic_alias, server_keep_alive;
	uint32_t message_expiry, session_expiry, will_delay, maximum_packet_size;
	uint32_t subscription_id;
	mqtt_str_t content_type, response_topic, correlation_data;
	mqtt_str_t assigned_client_id, auth_method, auth_data;
	mqtt_str_t response_info, server_reference, reason_string;
	const mqtt_user_prop_t *users; /* encoding: user_count pairs */
	size_t user_count;
	size_t sub_id_count; /* decoding only */
	const uint8_t *raw;  /* decoding only: the property block */
	size_t raw_len;
} mqtt_props_t;

/* Whether property id is present in p. */
bool mqtt_props_has(const mqtt_props_t *p, mqtt_prop_id_t id);

/* One property as mqtt_prop_next() gives it: num for integer properties,
 * str for strings and binary data, str and value for a user property. */
typedef struct mqtt_prop {
	mqtt_prop_id_t id;
	uint32_t num;
	mqtt_str_t str, value;
} mqtt_prop_t;

/* Walks a decoded property block in order: start with *pos = 0; returns
 * false after the last one (and for properties built for encoding). */
bool mqtt_prop_next(const mqtt_props_t *p, size_t *pos, mqtt_prop_t *out);
/* Walks the user properties of p, decoded or built for encoding: start
 * with *pos = 0; returns false after the last one. */
bool mqtt_user_next(const mqtt_props_t *p, size_t *pos, mqtt_user_prop_t *out);

/* One entry of a SUBSCRIBE (filter and options) or UNSUBSCRIBE (filter). */
typedef struct mqtt_sub {
	mqtt_str_t filter;
	uint8_t qos;
	bool no_local;            /* MQTT 5 */
	bool retain_as_published; /* MQTT 5 */
	uint8_t retain_handling;  /* MQTT 5: 0 send retained, 1 only if new, 2 never */
} mqtt_sub_t;

/* The filters of a SUBSCRIBE or UNSUBSCRIBE. Encoding reads subs[0..count);
 * decoding sets count and raw (the payload) and leaves subs NULL. Walk
 * either with mqtt_sub_next(). */
typedef struct mqtt_subs {
	const mqtt_sub_t *subs;
	size_t count;
	const uint8_t *raw;
	size_t raw_len;
} mqtt_subs_t;

typedef struct mqtt_connect {
	uint8_t version; /* decoding: the packet's level (4, 5); encoding uses v */
	mqtt_str_t client_id;
	bool clean_start; /* Clean Session in 3.1.1 */
	uint16_t keepalive;
	mqtt_str_t username; /* ptr NULL: no user name */
	mqtt_str_t password; /* binary; ptr NULL: no password */
	bool will;
	uint8_t will_qos;
	bool will_retain;
	mqtt_str_t will_topic, will_payload;
	mqtt_props_t will_props;
} mqtt_connect_t;

typedef struct mqtt_connack {
	bool session_present;
	/* The byte on the wire: an MQTT 3.1.1 return code (0-5, which encoding
	 * writes for 3.1.1) or the MQTT 5 reason code. Decoding 3.1.1 also
	 * sets the packet's reason to mqtt_connack_v3_reason(return_code). */
	uint8_t return_code;
} mqtt_connack_t;

typedef struct mqtt_publish {
	mqtt_str_t topic; /* MQTT 5: empty when a Topic Alias stands for it */
	const uint8_t *payload;
	size_t payload_len;
	uint8_t qos;
	bool retain, dup;
} mqtt_publish_t;

/* The return / reason codes of a SUBACK (one per filter subscribed) or an
 * MQTT 5 UNSUBACK: codes[0..count), a view. */
typedef struct mqtt_acks {
	const uint8_t *codes;
	size_t count;
} mqtt_acks_t;

/* One packet. For encoding, fill type and the fields of that type (zero
 * the rest, e.g. with a designated initializer); decoding fills them. */
typedef struct mqtt_packet {
	mqtt_type_t type;
	/* PUBLISH with QoS > 0, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE,
	 * SUBACK, UNSUBSCRIBE, UNSUBACK; never 0 there. */
	uint16_t packet_id;
	/* MQTT 5 reason code of CONNACK (3.1.1: mapped, see mqtt_connack_t),
	 * PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH; 0 when the
	 * packet leaves it out. Encoding 3.1.1 refuses any but 0 (and ignores
	 * it for CONNACK, which writes return_code). */
	uint8_t reason;
	mqtt_props_t props; /* MQTT 5; must be empty when encoding 3.1.1 */
	union {
		mqtt_connect_t connect;
		mqtt_connack_t connack;
		mqtt_publish_t publish;
		mqtt_subs_t subscribe; /* SUBSCRIBE and UNSUBSCRIBE */
		mqtt_acks_t suback;    /* SUBACK and UNSUBACK */
	};
} mqtt_packet_t;

/* Walks the filters of a SUBSCRIBE or UNSUBSCRIBE packet, decoded or built
 * for encoding: start with *pos = 0; returns false after the last one.
 * An UNSUBSCRIBE's entries have only filter set. */
bool mqtt_sub_next(const mqtt_packet_t *pkt, size_t *pos, mqtt_sub_t *out);

typedef enum mqtt_decode_rc {
	MQTT_DECODE_OK = 0,
	MQTT_DECODE_ERROR = -1,
	/* A well-formed packet this codec does not support: AUTH (enhanced
	 * authentication; sluice never sends an Authentication Method, so a
	 * server sending AUTH is a protocol error). pkt is filled. */
	MQTT_DECODE_UNSUPPORTED = 1,
} mqtt_decode_rc_t;

/* Decodes one whole packet, p[0..n) as mqtt_frame() delimited it, sent
 * with protocol version v (a CONNECT is read by its own protocol level,
 * which it reports in connect.version). pkt's strings, payload and lists
 * point into p: keep p while using pkt. Never allocates.
 * On MQTT_DECODE_ERROR or _UNSUPPORTED, err holds a human-readable reason
 * ("PUBLISH: topic truncated at byte 5") and *reason the reason code to
 * DISCONNECT with in MQTT 5 (reason may be NULL): 0x81 Malformed Packet,
 * 0x82 Protocol Error or 0x84 Unsupported Protocol Version (CONNECT only).
 * A packet too large is mqtt_frame()'s to catch (0x95). */
mqtt_decode_rc_t mqtt_decode(mqtt_version_t v, const uint8_t *p, size_t n, mqtt_packet_t *pkt,
			     uint8_t *reason, char *err, size_t errlen);

/* Appends pkt encoded for protocol version v to out. A PUBACK, PUBREC,
 * PUBREL or PUBCOMP (MQTT 5) leaves out its reason code when it is 0 and
 * there are no properties, and its property length when there are none;
 * so do DISCONNECT and AUTH. Returns 0, or -1 with err naming the field
 * when pkt is not a valid packet of version v (a string over 65,535
 * bytes or not UTF-8, a wildcard in a PUBLISH topic, an invalid filter,
 * packet id 0, QoS 3, a reason code or property the packet type does not
 * allow, properties in 3.1.1, a packet over MQTT_MAX_REMAINING); out is
 * then unchanged. */
int mqtt_encode(sl_buf_t *out, mqtt_version_t v, const mqtt_packet_t *pkt, char *err,
		size_t errlen);

/* ---- topics ------------------------------------------------------------ */

/* Whether t is a valid topic name: 1 to 65,535 bytes of UTF-8 without
 * U+0000 and without the wildcards '+' and '#'. On false, err (when not
 * NULL) says why. */
bool mqtt_topic_valid(mqtt_str_t t, char *err, size_t errlen);
/* Whether f is a valid topic filter: 1 to 65,535 bytes of UTF-8 without
 * U+0000, where '+' fills a whole level and '#' a whole last level; a
 * shared subscription "$share/<group>/<filter>" needs a group name without
 * '/', '+' or '#' and a valid filter. On false, err (when not NULL) says
 * why. */
bool mqtt_filter_valid(mqtt_str_t f, char *err, size_t errlen);
/* Whether topic name t matches filter f (spec 4.7): '+' matches one level
 * (an empty one too), '#' the rest, the parent level included ("a/#"
 * matches "a"); a filter starting with a wildcard does not match a topic
 * starting with '$'. A shared subscription's "$share/<group>/" prefix is
 * ignored. f should be valid; any bytes are safe. */
bool mqtt_topic_matches(mqtt_str_t f, mqtt_str_t t);

#endif
