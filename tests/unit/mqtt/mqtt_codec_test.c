/* Unit tests of the MQTT packet codec (connectors/mqtt/mqtt_codec.h):
 * byte-exact fixtures written by hand from the MQTT 3.1.1 and 5.0 specs,
 * round trips, every truncation of every fixture, corrupt copies and each
 * decoder refusal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_codec.h"
#include "mqtt_fixtures.h"
#include "runner.h"
#include "sluice/util.h"

/* ---- fixtures ----------------------------------------------------------- */

typedef struct fixture {
	const char *name;
	mqtt_version_t v;
	const uint8_t *bytes;
	size_t len;
} fixture_t;

#define FIX(v, a)                                                                                  \
	{                                                                                          \
#a, v, a, sizeof(a)                                                                \
	}
/* Every valid fixture but AUTH, each in canonical form (what the encoder
 * writes for the packet it decodes to). */
static const fixture_t fixtures[] = {
	FIX(MQTT_V311, CONNECT_V3),      FIX(MQTT_V5, CONNECT_V5),
	FIX(MQTT_V311, CONNECT_V3_WILL), FIX(MQTT_V5, CONNECT_V5_WILL),
	FIX(MQTT_V311, CONNACK_V3),      FIX(MQTT_V311, CONNACK_V3_REFUSED),
	FIX(MQTT_V5, CONNACK_V5),        FIX(MQTT_V5, CONNACK_V5_REFUSED),
	FIX(MQTT_V311, PUBLISH_V3_Q0),   FIX(MQTT_V311, PUBLISH_V3_Q1),
	FIX(MQTT_V311, PUBLISH_V3_Q2),   FIX(MQTT_V5, PUBLISH_V5_Q0),
	FIX(MQTT_V5, PUBLISH_V5_Q1),     FIX(MQTT_V5, PUBLISH_V5_Q2),
	FIX(MQTT_V311, PUBACK),          FIX(MQTT_V5, PUBACK),
	FIX(MQTT_V311, PUBREC),          FIX(MQTT_V5, PUBREC),
	FIX(MQTT_V311, PUBREL),          FIX(MQTT_V5, PUBREL),
	FIX(MQTT_V311, PUBCOMP),         FIX(MQTT_V5, PUBCOMP),
	FIX(MQTT_V5, PUBACK_V5_RC),      FIX(MQTT_V5, PUBREL_V5_RC),
	FIX(MQTT_V5, PUBACK_V5_PROPS),   FIX(MQTT_V311, SUBSCRIBE_V3),
	FIX(MQTT_V5, SUBSCRIBE_V5),      FIX(MQTT_V311, SUBACK_V3),
	FIX(MQTT_V5, SUBACK_V5),         FIX(MQTT_V311, UNSUBSCRIBE_V3),
	FIX(MQTT_V5, UNSUBSCRIBE_V5),    FIX(MQTT_V311, UNSUBACK_V3),
	FIX(MQTT_V5, UNSUBACK_V5),       FIX(MQTT_V311, PINGREQ),
	FIX(MQTT_V5, PINGREQ),           FIX(MQTT_V311, PINGRESP),
	FIX(MQTT_V311, DISCONNECT),      FIX(MQTT_V5, DISCONNECT),
	FIX(MQTT_V5, DISCONNECT_V5_RC),  FIX(MQTT_V5, DISCONNECT_V5_RS),
};

/* ---- helpers ------------------------------------------------------------ */

/* A copy of exactly n bytes, so that AddressSanitizer sees a read past
 * the end. */
static uint8_t *copy_exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (n)
		memcpy(c, p, n);
	return c;
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "\n    %s:", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02X", p[i]);
}

/* Decodes bytes that must decode; pkt borrows from the returned copy
 * (free it after use). */
static uint8_t *decode_ok(mqtt_version_t v, const uint8_t *p, size_t n, mqtt_packet_t *pkt)
{
	char err[256] = "";
	uint8_t reason = 0xff;
	uint8_t *c = copy_exact(p, n);
	mqtt_decode_rc_t rc = mqtt_decode(v, c, n, pkt, &reason, err, sizeof(err));

	if (rc != MQTT_DECODE_OK)
		fprintf(stderr, "\n    mqtt_decode: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, MQTT_DECODE_OK);
	return c;
}

/* Decodes bytes that must be refused with reason code want; returns the
 * error (a static buffer). */
static const char *decode_err(mqtt_version_t v, const uint8_t *p, size_t n, uint8_t want)
{
	static char err[256];
	uint8_t reason = 0;
	mqtt_packet_t pkt;
	uint8_t *c = copy_exact(p, n);
	mqtt_decode_rc_t rc;

	err[0] = '\0';
	rc = mqtt_decode(v, c, n, &pkt, &reason, err, sizeof(err));
	free(c);
	if (rc != MQTT_DECODE_ERROR || reason != want)
		fprintf(stderr, "\n    rc %d reason 0x%02X (want 0x%02X): %s\n", rc, reason, want,
			err);
	CU_ASSERT_EQUAL(rc, MQTT_DECODE_ERROR);
	CU_ASSERT_EQUAL(reason, want);
	CU_ASSERT(err[0] != '\0');
	return err;
}

/* Encodes pkt, which must give exactly want[0..n). */
static void encode_is(mqtt_version_t v, const mqtt_packet_t *pkt, const uint8_t *want, size_t n)
{
	sl_buf_t b = {0};
	char err[256] = "";
	int rc = mqtt_encode(&b, v, pkt, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "\n    mqtt_encode: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (b.len != n || memcmp(b.data, want, n)) {
		print_hex("got ", (const uint8_t *)b.data, b.len);
		print_hex("want", want, n);
		fprintf(stderr, "\n");
	}
	CU_ASSERT_EQUAL(b.len, n);
	CU_ASSERT(b.len == n && !memcmp(b.data, want, n));
	sl_buf_free(&b);
}

/* Encodes pkt, which must be refused, leaving the buffer as it was;
 * returns the error (a static buffer). */
static const char *encode_err(mqtt_version_t v, const mqtt_packet_t *pkt)
{
	static char err[256];
	sl_buf_t b = {0};

	sl_buf_append_str(&b, "kept");
	err[0] = '\0';
	CU_ASSERT_EQUAL(mqtt_encode(&b, v, pkt, err, sizeof(err)), -1);
	CU_ASSERT(err[0] != '\0');
	CU_ASSERT_EQUAL(b.len, 4);
	CU_ASSERT_STRING_EQUAL(b.data, "kept");
	sl_buf_free(&b);
	return err;
}

#define STR_IS(s, text) CU_ASSERT(mqtt_str_eq((s), (text)))
#define ARR(a) a, sizeof(a)

/* ---- frames ------------------------------------------------------------- */

static void test_frame_splits_whole_packets_and_waits_for_more(void)
{
	uint8_t two[sizeof(PUBACK) + sizeof(PINGRESP)];
	uint8_t big[131] = {0x30, 0x80, 0x01}; /* remaining length 128 in 2 bytes */
	size_t len = 99;

	memcpy(two, PUBACK, sizeof(PUBACK));
	memcpy(two + sizeof(PUBACK), PINGRESP, sizeof(PINGRESP));
	CU_ASSERT_EQUAL(mqtt_frame(two, sizeof(two), 0, &len), MQTT_FRAME_OK);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_EQUAL(mqtt_frame(two + len, sizeof(two) - len, 0, &len), MQTT_FRAME_OK);
	CU_ASSERT_EQUAL(len, 2);
	/* nothing yet, a lone type byte, a header without its body */
	CU_ASSERT_EQUAL(mqtt_frame(two, 0, 0, &len), MQTT_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(mqtt_frame(two, 1, 0, &len), MQTT_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(mqtt_frame(two, 3, 0, &len), MQTT_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(len, 4); /* known once the header is complete */
	CU_ASSERT_EQUAL(mqtt_frame(big, 2, 0, &len), MQTT_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(mqtt_frame(big, 130, 0, &len), MQTT_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(len, 131);
	CU_ASSERT_EQUAL(mqtt_frame(big, 131, 131, &len), MQTT_FRAME_OK);
}

static void test_frame_refuses_long_or_padded_remaining_length(void)
{
	static const uint8_t five[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
	static const uint8_t padded[] = {0x30, 0x80, 0x00}; /* 0 in two bytes */
	static const uint8_t padded4[] = {0x30, 0x81, 0x80, 0x80, 0x00};
	static const uint8_t max[] = {0x30, 0xFF, 0xFF, 0xFF, 0x7F}; /* 268435455 */
	size_t len;

	CU_ASSERT_EQUAL(mqtt_frame(ARR(five), 0, &len), MQTT_FRAME_MALFORMED);
	CU_ASSERT_EQUAL(mqtt_frame(five, 5, 0, &len), MQTT_FRAME_MALFORMED);
	CU_ASSERT_EQUAL(mqtt_frame(five, 4, 0, &len), MQTT_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(mqtt_frame(ARR(padded), 0, &len), MQTT_FRAME_MALFORMED);
	CU_ASSERT_EQUAL(mqtt_frame(ARR(padded4), 0, &len), MQTT_FRAME_MALFORMED);
	CU_ASSERT_EQUAL(mqtt_frame(ARR(max), 0, &len), MQTT_FRAME_NEED_MORE);
	CU_ASSERT_EQUAL(len, 5 + (size_t)MQTT_MAX_REMAINING);
	decode_err(MQTT_V5, ARR(padded), MQTT_RC_MALFORMED_PACKET);
}

static void test_frame_reports_too_large_before_the_body(void)
{
	static const uint8_t hdr[] = {0x30, 0xFF, 0xFF, 0xFF, 0x7F};
	size_t len;

	CU_ASSERT_EQUAL(mqtt_frame(ARR(hdr), 1024, &len), MQTT_FRAME_TOO_LARGE);
	CU_ASSERT_EQUAL(len, 5 + (size_t)MQTT_MAX_REMAINING);
	/* the limit counts the fixed header: a 4-byte PUBACK needs 4 */
	CU_ASSERT_EQUAL(mqtt_frame(ARR(PUBACK), 3, &len), MQTT_FRAME_TOO_LARGE);
	CU_ASSERT_EQUAL(mqtt_frame(ARR(PUBACK), 4, &len), MQTT_FRAME_OK);
	CU_ASSERT_EQUAL(mqtt_frame(PUBACK, 2, 3, &len), MQTT_FRAME_TOO_LARGE);
}

/* ---- packets, byte-exact ------------------------------------------------ */

static void test_connect_v311_bytes_and_fields(void)
{
	mqtt_packet_t p = {.type = MQTT_CONNECT,
			   .connect = {.client_id = mqtt_str("sluice"),
				       .clean_start = true,
				       .keepalive = 60,
				       .username = mqtt_str("u"),
				       .password = mqtt_str("pw")}};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(CONNECT_V3));
	b = decode_ok(MQTT_V5, ARR(CONNECT_V3), &d); /* read by its own level */
	CU_ASSERT_EQUAL(d.type, MQTT_CONNECT);
	CU_ASSERT_EQUAL(d.connect.version, 4);
	STR_IS(d.connect.client_id, "sluice");
	CU_ASSERT_TRUE(d.connect.clean_start);
	CU_ASSERT_EQUAL(d.connect.keepalive, 60);
	STR_IS(d.connect.username, "u");
	STR_IS(d.connect.password, "pw");
	CU_ASSERT_FALSE(d.connect.will);
	free(b);
	/* no user name: no flag and no field; empty password is present */
	p.connect.username = mqtt_str(NULL);
	CU_ASSERT_STRING_EQUAL(encode_err(MQTT_V311, &p),
			       "CONNECT: a password needs a user name in MQTT 3.1.1");
}

static void test_connect_v5_properties_bytes_and_fields(void)
{
	const mqtt_user_prop_t users[] = {{mqtt_str("app"), mqtt_str("sluice")}};
	mqtt_packet_t p = {
		.type = MQTT_CONNECT,
		.props = {.present = MQTT_PROP_BIT(MQTT_PROP_SESSION_EXPIRY) |
				     MQTT_PROP_BIT(MQTT_PROP_RECEIVE_MAXIMUM) |
				     MQTT_PROP_BIT(MQTT_PROP_MAXIMUM_PACKET_SIZE),
			  .session_expiry = 3600,
			  .receive_maximum = 10,
			  .maximum_packet_size = 1 << 20,
			  .users = users,
			  .user_count = 1},
		.connect = {.client_id = mqtt_str("sluice"), .clean_start = true, .keepalive = 30}};
	mqtt_packet_t d;
	mqtt_user_prop_t u;
	size_t pos = 0;
	uint8_t *b;

	encode_is(MQTT_V5, &p, ARR(CONNECT_V5));
	b = decode_ok(MQTT_V311, ARR(CONNECT_V5), &d);
	CU_ASSERT_EQUAL(d.connect.version, 5);
	CU_ASSERT_PTR_NULL(d.connect.username.ptr);
	CU_ASSERT_PTR_NULL(d.connect.password.ptr);
	CU_ASSERT_EQUAL(d.props.session_expiry, 3600);
	CU_ASSERT_EQUAL(d.props.receive_maximum, 10);
	CU_ASSERT_EQUAL(d.props.maximum_packet_size, 1 << 20);
	CU_ASSERT_FALSE(mqtt_props_has(&d.props, MQTT_PROP_TOPIC_ALIAS_MAXIMUM));
	CU_ASSERT_EQUAL(d.props.user_count, 1);
	CU_ASSERT_TRUE(mqtt_user_next(&d.props, &pos, &u));
	STR_IS(u.name, "app");
	STR_IS(u.value, "sluice");
	CU_ASSERT_FALSE(mqtt_user_next(&d.props, &pos, &u));
	free(b);
}

static void test_connect_will_in_both_versions(void)
{
	mqtt_packet_t p = {.type = MQTT_CONNECT,
			   .connect = {.client_id = mqtt_str("c"),
				       .clean_start = true,
				       .keepalive = 10,
				       .will = true,
				       .will_qos = 1,
				       .will_retain = true,
				       .will_topic = mqtt_str("w"),
				       .will_payload = mqtt_str("gone")}};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(CONNECT_V3_WILL));
	p.connect.will_props.present = MQTT_PROP_BIT(MQTT_PROP_WILL_DELAY);
	p.connect.will_props.will_delay = 5;
	encode_is(MQTT_V5, &p, ARR(CONNECT_V5_WILL));
	b = decode_ok(MQTT_V5, ARR(CONNECT_V5_WILL), &d);
	CU_ASSERT_TRUE(d.connect.will);
	CU_ASSERT_EQUAL(d.connect.will_qos, 1);
	CU_ASSERT_TRUE(d.connect.will_retain);
	STR_IS(d.connect.will_topic, "w");
	STR_IS(d.connect.will_payload, "gone");
	CU_ASSERT_EQUAL(d.connect.will_props.will_delay, 5);
	CU_ASSERT_EQUAL(d.props.present, 0);
	free(b);
	/* a will's property is not a CONNECT's */
	p.connect.will = false;
	p.connect.will_qos = 0;
	p.connect.will_retain = false;
	p.connect.will_props.present = 0;
	p.props.present = MQTT_PROP_BIT(MQTT_PROP_WILL_DELAY);
	SL_ASSERT_CONTAINS(encode_err(MQTT_V5, &p),
			   "Will Delay Interval is not allowed in CONNECT");
}

static void test_connack_v311_return_codes_map_to_reasons(void)
{
	mqtt_packet_t p = {.type = MQTT_CONNACK, .connack = {.session_present = true}};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(CONNACK_V3));
	b = decode_ok(MQTT_V311, ARR(CONNACK_V3), &d);
	CU_ASSERT_TRUE(d.connack.session_present);
	CU_ASSERT_EQUAL(d.reason, 0);
	free(b);
	b = decode_ok(MQTT_V311, ARR(CONNACK_V3_REFUSED), &d);
	CU_ASSERT_FALSE(d.connack.session_present);
	CU_ASSERT_EQUAL(d.connack.return_code, 5);
	CU_ASSERT_EQUAL(d.reason, MQTT_RC_NOT_AUTHORIZED);
	SL_ASSERT_TEXT(mqtt_reason_name(d.reason), "Not authorized");
	SL_ASSERT_TEXT(mqtt_connack_v3_name(d.connack.return_code),
		       "Connection Refused, not authorized");
	free(b);
	CU_ASSERT_EQUAL(mqtt_connack_v3_reason(4), MQTT_RC_BAD_USERNAME_OR_PASSWORD);
	CU_ASSERT_EQUAL(mqtt_connack_v3_reason(1), MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION);
	CU_ASSERT_EQUAL(mqtt_connack_v3_reason(9), MQTT_RC_UNSPECIFIED_ERROR);
	SL_ASSERT_TEXT(mqtt_connack_v3_name(6), "Unknown return code");
}

static void test_connack_v5_properties(void)
{
	mqtt_packet_t p = {.type = MQTT_CONNACK,
			   .props = {.present = MQTT_PROP_BIT(MQTT_PROP_SESSION_EXPIRY) |
						MQTT_PROP_BIT(MQTT_PROP_ASSIGNED_CLIENT_ID) |
						MQTT_PROP_BIT(MQTT_PROP_SERVER_KEEP_ALIVE) |
						MQTT_PROP_BIT(MQTT_PROP_REASON_STRING) |
						MQTT_PROP_BIT(MQTT_PROP_RECEIVE_MAXIMUM) |
						MQTT_PROP_BIT(MQTT_PROP_TOPIC_ALIAS_MAXIMUM) |
						MQTT_PROP_BIT(MQTT_PROP_MAXIMUM_QOS) |
						MQTT_PROP_BIT(MQTT_PROP_RETAIN_AVAILABLE) |
						MQTT_PROP_BIT(MQTT_PROP_MAXIMUM_PACKET_SIZE),
				     .assigned_client_id = mqtt_str("auto-1"),
				     .server_keep_alive = 120,
				     .reason_string = mqtt_str("ok"),
				     .receive_maximum = 20,
				     .topic_alias_maximum = 5,
				     .maximum_qos = 1,
				     .maximum_packet_size = 65536}};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V5, &p, ARR(CONNACK_V5));
	b = decode_ok(MQTT_V5, ARR(CONNACK_V5), &d);
	CU_ASSERT_TRUE(mqtt_props_has(&d.props, MQTT_PROP_SESSION_EXPIRY));
	CU_ASSERT_EQUAL(d.props.session_expiry, 0);
	STR_IS(d.props.assigned_client_id, "auto-1");
	CU_ASSERT_EQUAL(d.props.server_keep_alive, 120);
	STR_IS(d.props.reason_string, "ok");
	CU_ASSERT_EQUAL(d.props.receive_maximum, 20);
	CU_ASSERT_EQUAL(d.props.topic_alias_maximum, 5);
	CU_ASSERT_EQUAL(d.props.maximum_qos, 1);
	CU_ASSERT_TRUE(mqtt_props_has(&d.props, MQTT_PROP_RETAIN_AVAILABLE));
	CU_ASSERT_EQUAL(d.props.retain_available, 0);
	CU_ASSERT_EQUAL(d.props.maximum_packet_size, 65536);
	CU_ASSERT_FALSE(mqtt_props_has(&d.props, MQTT_PROP_SHARED_SUB_AVAILABLE));
	free(b);
	b = decode_ok(MQTT_V5, ARR(CONNACK_V5_REFUSED), &d);
	CU_ASSERT_EQUAL(d.reason, MQTT_RC_BAD_USERNAME_OR_PASSWORD);
	SL_ASSERT_TEXT(mqtt_reason_name(d.reason), "Bad User Name or Password");
	free(b);
}

static void test_publish_v311_qos0_qos1_qos2_bytes(void)
{
	mqtt_packet_t p = {.type = MQTT_PUBLISH,
			   .publish = {.topic = mqtt_str("a/b"),
				       .payload = (const uint8_t *)"hi",
				       .payload_len = 2,
				       .retain = true}};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(PUBLISH_V3_Q0));
	p.publish.retain = false;
	p.publish.dup = true;
	p.publish.qos = 1;
	p.packet_id = 10;
	encode_is(MQTT_V311, &p, ARR(PUBLISH_V3_Q1));
	b = decode_ok(MQTT_V311, ARR(PUBLISH_V3_Q1), &d);
	STR_IS(d.publish.topic, "a/b");
	CU_ASSERT_EQUAL(d.publish.qos, 1);
	CU_ASSERT_TRUE(d.publish.dup);
	CU_ASSERT_FALSE(d.publish.retain);
	CU_ASSERT_EQUAL(d.packet_id, 10);
	CU_ASSERT_EQUAL(d.publish.payload_len, 2);
	CU_ASSERT(!memcmp(d.publish.payload, "hi", 2));
	free(b);
	b = decode_ok(MQTT_V311, ARR(PUBLISH_V3_Q2), &d);
	CU_ASSERT_EQUAL(d.publish.qos, 2);
	CU_ASSERT_EQUAL(d.packet_id, 2);
	CU_ASSERT_EQUAL(d.publish.payload_len, 0);
	free(b);
}

static void test_publish_v5_properties_and_user_properties(void)
{
	const mqtt_user_prop_t users[] = {{mqtt_str("k"), mqtt_str("v")}};
	mqtt_packet_t p = {.type = MQTT_PUBLISH,
			   .packet_id = 0x1234,
			   .props = {.present = MQTT_PROP_BIT(MQTT_PROP_PAYLOAD_FORMAT) |
						MQTT_PROP_BIT(MQTT_PROP_MESSAGE_EXPIRY) |
						MQTT_PROP_BIT(MQTT_PROP_CONTENT_TYPE),
				     .payload_format = 1,
				     .message_expiry = 60,
				     .content_type = mqtt_str("text/plain"),
				     .users = users,
				     .user_count = 1},
			   .publish = {.topic = mqtt_str("t"),
				       .payload = (const uint8_t *)"x",
				       .payload_len = 1,
				       .qos = 2}};
	mqtt_packet_t d;
	mqtt_user_prop_t u;
	mqtt_prop_t prop;
	size_t pos = 0, n = 0;
	uint8_t *b;

	encode_is(MQTT_V5, &p, ARR(PUBLISH_V5_Q2));
	b = decode_ok(MQTT_V5, ARR(PUBLISH_V5_Q2), &d);
	CU_ASSERT_EQUAL(d.packet_id, 0x1234);
	CU_ASSERT_EQUAL(d.props.payload_format, 1);
	CU_ASSERT_EQUAL(d.props.message_expiry, 60);
	STR_IS(d.props.content_type, "text/plain");
	CU_ASSERT_EQUAL(d.props.user_count, 1);
	CU_ASSERT_TRUE(mqtt_user_next(&d.props, &pos, &u));
	STR_IS(u.name, "k");
	STR_IS(u.value, "v");
	CU_ASSERT_FALSE(mqtt_user_next(&d.props, &pos, &u));
	pos = 0;
	while (mqtt_prop_next(&d.props, &pos, &prop))
		n++;
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(d.publish.payload_len, 1);
	free(b);
	/* without properties; with user properties only */
	p = (mqtt_packet_t){.type = MQTT_PUBLISH,
			    .publish = {.topic = mqtt_str("a/b"),
					.payload = (const uint8_t *)"hi",
					.payload_len = 2}};
	encode_is(MQTT_V5, &p, ARR(PUBLISH_V5_Q0));
	p.publish.qos = 1;
	p.packet_id = 1;
	p.props.users = users;
	p.props.user_count = 1;
	encode_is(MQTT_V5, &p, ARR(PUBLISH_V5_Q1));
}

static void test_publish_v5_topic_alias_and_subscription_ids(void)
{
	static const uint8_t alias[] = {0x30, 0x07, 0x00, 0x00, /* empty topic */
					0x03, 0x23, 0x00, 0x02, /* Topic Alias 2 */
					'x'};
	static const uint8_t no_alias[] = {0x30, 0x04, 0x00, 0x00, 0x00, 'x'};
	static const uint8_t sub_ids[] = {0x30, 0x09, 0x00, 0x01, 't', 0x05, /* 5 bytes: */
					  0x0B, 0x01, 0x0B, 0x81, 0x01};     /* ids 1, 129 */
	static const uint8_t two_sub_ids_sub[] = {0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B, 0x01,
						  0x0B, 0x02, 0x00, 0x01, 't',  0x00};
	mqtt_packet_t d;
	mqtt_prop_t prop;
	size_t pos = 0;
	uint8_t *b;

	b = decode_ok(MQTT_V5, ARR(alias), &d);
	CU_ASSERT_EQUAL(d.publish.topic.len, 0);
	CU_ASSERT_EQUAL(d.props.topic_alias, 2);
	free(b);
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(no_alias), MQTT_RC_PROTOCOL_ERROR),
			   "topic: topic name is empty");
	b = decode_ok(MQTT_V5, ARR(sub_ids), &d);
	CU_ASSERT_EQUAL(d.props.sub_id_count, 2);
	CU_ASSERT_EQUAL(d.props.subscription_id, 1);
	CU_ASSERT_TRUE(mqtt_prop_next(&d.props, &pos, &prop));
	CU_ASSERT_TRUE(mqtt_prop_next(&d.props, &pos, &prop));
	CU_ASSERT_EQUAL(prop.id, MQTT_PROP_SUBSCRIPTION_ID);
	CU_ASSERT_EQUAL(prop.num, 129);
	CU_ASSERT_FALSE(mqtt_prop_next(&d.props, &pos, &prop));
	free(b);
	/* only a PUBLISH may repeat it */
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(two_sub_ids_sub), MQTT_RC_PROTOCOL_ERROR),
			   "Subscription Identifier appears twice");
}

static void test_acks_v311_are_four_bytes(void)
{
	const mqtt_type_t types[] = {MQTT_PUBACK, MQTT_PUBREC, MQTT_PUBREL, MQTT_PUBCOMP};
	const uint8_t *want[] = {PUBACK, PUBREC, PUBREL, PUBCOMP};
	mqtt_packet_t d;
	uint8_t *b;

	for (size_t i = 0; i < SL_ARRAY_LEN(types); i++) {
		mqtt_packet_t p = {.type = types[i], .packet_id = 7};
		encode_is(MQTT_V311, &p, want[i], 4);
		encode_is(MQTT_V5, &p, want[i], 4);
		b = decode_ok(MQTT_V311, want[i], 4, &d);
		CU_ASSERT_EQUAL(d.type, types[i]);
		CU_ASSERT_EQUAL(d.packet_id, 7);
		free(b);
		p.reason = MQTT_RC_PACKET_ID_NOT_FOUND; /* a reason needs MQTT 5 */
		SL_ASSERT_CONTAINS(encode_err(MQTT_V311, &p), "reason code 0x92 is not valid");
	}
}

static void test_acks_v5_omit_success_reason_and_empty_properties(void)
{
	mqtt_packet_t p = {.type = MQTT_PUBACK, .packet_id = 7, .reason = 0x10};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V5, &p, ARR(PUBACK_V5_RC));
	p.type = MQTT_PUBREL;
	p.reason = MQTT_RC_PACKET_ID_NOT_FOUND;
	encode_is(MQTT_V5, &p, ARR(PUBREL_V5_RC));
	p.type = MQTT_PUBACK;
	p.reason = MQTT_RC_NOT_AUTHORIZED;
	p.props.present = MQTT_PROP_BIT(MQTT_PROP_REASON_STRING);
	p.props.reason_string = mqtt_str("no");
	encode_is(MQTT_V5, &p, ARR(PUBACK_V5_PROPS));
	b = decode_ok(MQTT_V5, ARR(PUBACK_V5_PROPS), &d);
	CU_ASSERT_EQUAL(d.reason, MQTT_RC_NOT_AUTHORIZED);
	STR_IS(d.props.reason_string, "no");
	free(b);
	/* the long forms of Success decode too */
	static const uint8_t rc0[] = {0x40, 0x03, 0x00, 0x07, 0x00};
	static const uint8_t props0[] = {0x40, 0x04, 0x00, 0x07, 0x00, 0x00};
	b = decode_ok(MQTT_V5, ARR(rc0), &d);
	CU_ASSERT_EQUAL(d.reason, 0);
	free(b);
	b = decode_ok(MQTT_V5, ARR(props0), &d);
	CU_ASSERT_EQUAL(d.props.raw_len, 0);
	free(b);
	/* but never in 3.1.1 */
	SL_ASSERT_CONTAINS(decode_err(MQTT_V311, ARR(rc0), MQTT_RC_MALFORMED_PACKET),
			   "1 bytes left over at byte 4");
}

static void test_subscribe_bytes_and_options(void)
{
	const mqtt_sub_t v3[] = {{.filter = mqtt_str("a/+"), .qos = 1},
				 {.filter = mqtt_str("b/#"), .qos = 2}};
	const mqtt_sub_t v5[] = {{.filter = mqtt_str("a/+"),
				  .qos = 1,
				  .no_local = true,
				  .retain_as_published = true,
				  .retain_handling = 2}};
	mqtt_packet_t p = {.type = MQTT_SUBSCRIBE, .packet_id = 1, .subscribe = {v3, 2}};
	mqtt_packet_t d;
	mqtt_sub_t s;
	size_t pos = 0;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(SUBSCRIBE_V3));
	b = decode_ok(MQTT_V311, ARR(SUBSCRIBE_V3), &d);
	CU_ASSERT_EQUAL(d.packet_id, 1);
	CU_ASSERT_EQUAL(d.subscribe.count, 2);
	CU_ASSERT_TRUE(mqtt_sub_next(&d, &pos, &s));
	STR_IS(s.filter, "a/+");
	CU_ASSERT_EQUAL(s.qos, 1);
	CU_ASSERT_TRUE(mqtt_sub_next(&d, &pos, &s));
	STR_IS(s.filter, "b/#");
	CU_ASSERT_EQUAL(s.qos, 2);
	CU_ASSERT_FALSE(mqtt_sub_next(&d, &pos, &s));
	free(b);

	p = (mqtt_packet_t){.type = MQTT_SUBSCRIBE,
			    .packet_id = 2,
			    .props = {.present = MQTT_PROP_BIT(MQTT_PROP_SUBSCRIPTION_ID),
				      .subscription_id = 7},
			    .subscribe = {v5, 1}};
	encode_is(MQTT_V5, &p, ARR(SUBSCRIBE_V5));
	SL_ASSERT_CONTAINS(encode_err(MQTT_V311, &p), "properties need MQTT 5");
	p.props.present = 0;
	SL_ASSERT_CONTAINS(encode_err(MQTT_V311, &p), "options other than QoS need MQTT 5");
	pos = 0;
	b = decode_ok(MQTT_V5, ARR(SUBSCRIBE_V5), &d);
	CU_ASSERT_EQUAL(d.props.subscription_id, 7);
	CU_ASSERT_TRUE(mqtt_sub_next(&d, &pos, &s));
	CU_ASSERT_TRUE(s.no_local);
	CU_ASSERT_TRUE(s.retain_as_published);
	CU_ASSERT_EQUAL(s.retain_handling, 2);
	CU_ASSERT_EQUAL(s.qos, 1);
	free(b);
}

static void test_suback_and_unsuback_codes(void)
{
	static const uint8_t v3_codes[] = {0x01, 0x80}, v5_codes[] = {0x01, 0x8F};
	static const uint8_t unsub_codes[] = {0x11};
	mqtt_packet_t p = {.type = MQTT_SUBACK, .packet_id = 1, .suback = {v3_codes, 2}};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(SUBACK_V3));
	p.packet_id = 2;
	p.suback.codes = v5_codes;
	encode_is(MQTT_V5, &p, ARR(SUBACK_V5));
	SL_ASSERT_CONTAINS(encode_err(MQTT_V311, &p), "code 0x8F is not valid here");
	b = decode_ok(MQTT_V5, ARR(SUBACK_V5), &d);
	CU_ASSERT_EQUAL(d.suback.count, 2);
	CU_ASSERT_EQUAL(d.suback.codes[0], MQTT_RC_GRANTED_QOS1);
	CU_ASSERT_EQUAL(d.suback.codes[1], MQTT_RC_TOPIC_FILTER_INVALID);
	free(b);
	b = decode_ok(MQTT_V311, ARR(SUBACK_V3), &d);
	CU_ASSERT_EQUAL(d.suback.codes[1], 0x80);
	free(b);
	p = (mqtt_packet_t){.type = MQTT_UNSUBACK, .packet_id = 3};
	encode_is(MQTT_V311, &p, ARR(UNSUBACK_V3));
	SL_ASSERT_CONTAINS(encode_err(MQTT_V5, &p), "no reason codes");
	p.suback = (mqtt_acks_t){unsub_codes, 1};
	encode_is(MQTT_V5, &p, ARR(UNSUBACK_V5));
	b = decode_ok(MQTT_V5, ARR(UNSUBACK_V5), &d);
	CU_ASSERT_EQUAL(d.suback.count, 1);
	CU_ASSERT_EQUAL(d.suback.codes[0], MQTT_RC_NO_SUBSCRIPTION_EXISTED);
	free(b);
}

static void test_unsubscribe_bytes_both_versions(void)
{
	const mqtt_sub_t f[] = {{.filter = mqtt_str("a/+")}};
	mqtt_packet_t p = {.type = MQTT_UNSUBSCRIBE, .packet_id = 3, .subscribe = {f, 1}};
	mqtt_packet_t d;
	mqtt_sub_t s;
	size_t pos = 0;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(UNSUBSCRIBE_V3));
	encode_is(MQTT_V5, &p, ARR(UNSUBSCRIBE_V5));
	b = decode_ok(MQTT_V5, ARR(UNSUBSCRIBE_V5), &d);
	CU_ASSERT_EQUAL(d.subscribe.count, 1);
	CU_ASSERT_TRUE(mqtt_sub_next(&d, &pos, &s));
	STR_IS(s.filter, "a/+");
	CU_ASSERT_FALSE(mqtt_sub_next(&d, &pos, &s));
	free(b);
}

static void test_ping_and_disconnect_bytes(void)
{
	mqtt_packet_t p = {.type = MQTT_PINGREQ};
	mqtt_packet_t d;
	uint8_t *b;

	encode_is(MQTT_V311, &p, ARR(PINGREQ));
	p.type = MQTT_PINGRESP;
	encode_is(MQTT_V5, &p, ARR(PINGRESP));
	p.type = MQTT_DISCONNECT;
	encode_is(MQTT_V311, &p, ARR(DISCONNECT));
	encode_is(MQTT_V5, &p, ARR(DISCONNECT));
	p.reason = MQTT_RC_DISCONNECT_WITH_WILL;
	encode_is(MQTT_V5, &p, ARR(DISCONNECT_V5_RC));
	SL_ASSERT_CONTAINS(encode_err(MQTT_V311, &p), "reason code 0x04 is not valid");
	p.reason = MQTT_RC_SERVER_SHUTTING_DOWN;
	p.props.present = MQTT_PROP_BIT(MQTT_PROP_REASON_STRING);
	p.props.reason_string = mqtt_str("bye");
	encode_is(MQTT_V5, &p, ARR(DISCONNECT_V5_RS));
	b = decode_ok(MQTT_V5, ARR(DISCONNECT_V5_RS), &d);
	CU_ASSERT_EQUAL(d.type, MQTT_DISCONNECT);
	CU_ASSERT_EQUAL(d.reason, MQTT_RC_SERVER_SHUTTING_DOWN);
	STR_IS(d.props.reason_string, "bye");
	SL_ASSERT_TEXT(mqtt_reason_name(d.reason), "Server shutting down");
	free(b);
	b = decode_ok(MQTT_V5, ARR(DISCONNECT), &d);
	CU_ASSERT_EQUAL(d.reason, MQTT_RC_SUCCESS);
	free(b);
}

static void test_auth_is_decoded_and_reported_unsupported(void)
{
	static const uint8_t empty[] = {0xF0, 0x00};
	mqtt_packet_t d;
	char err[128] = "";
	uint8_t reason = 0;
	uint8_t *b = copy_exact(ARR(AUTH_V5));

	CU_ASSERT_EQUAL(mqtt_decode(MQTT_V5, b, sizeof(AUTH_V5), &d, &reason, err, sizeof(err)),
			MQTT_DECODE_UNSUPPORTED);
	CU_ASSERT_EQUAL(d.type, MQTT_AUTH);
	CU_ASSERT_EQUAL(d.reason, MQTT_RC_CONTINUE_AUTHENTICATION);
	STR_IS(d.props.auth_method, "X");
	CU_ASSERT_EQUAL(reason, MQTT_RC_PROTOCOL_ERROR);
	SL_ASSERT_TEXT(err, "AUTH: enhanced authentication is not supported");
	free(b);
	CU_ASSERT_EQUAL(mqtt_decode(MQTT_V5, empty, 2, &d, &reason, err, sizeof(err)),
			MQTT_DECODE_UNSUPPORTED);
	/* type 15 is reserved in 3.1.1 */
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(empty), MQTT_RC_MALFORMED_PACKET),
		       "AUTH: packet type 15 is reserved");
}

/* ---- every fixture ------------------------------------------------------ */

static void test_every_fixture_reencodes_to_the_same_bytes(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(fixtures); i++) {
		const fixture_t *f = &fixtures[i];
		mqtt_packet_t d;
		uint8_t *b = decode_ok(f->v, f->bytes, f->len, &d);
		encode_is(f->v, &d, f->bytes, f->len);
		free(b);
	}
}

/* Decodes any bytes: a clean result either way, and what decodes
 * re-encodes and decodes again. */
static void decode_any(mqtt_version_t v, const uint8_t *p, size_t n)
{
	char err[256] = "";
	uint8_t reason = 0;
	mqtt_packet_t d, d2;
	uint8_t *c = copy_exact(p, n);
	mqtt_decode_rc_t rc = mqtt_decode(v, c, n, &d, &reason, err, sizeof(err));

	if (rc == MQTT_DECODE_OK) {
		/* a CONNECT is read by its own protocol level */
		mqtt_version_t ev = d.type == MQTT_CONNECT ? d.connect.version : v;
		sl_buf_t b = {0};
		int erc = mqtt_encode(&b, ev, &d, err, sizeof(err));
		if (erc != 0)
			print_hex("re-encode refused", p, n), fprintf(stderr, " %s\n", err);
		CU_ASSERT_EQUAL(erc, 0);
		if (erc == 0)
			CU_ASSERT_EQUAL(mqtt_decode(ev, (const uint8_t *)b.data, b.len, &d2,
						    &reason, err, sizeof(err)),
					MQTT_DECODE_OK);
		sl_buf_free(&b);
	} else {
		CU_ASSERT(err[0] != '\0');
		CU_ASSERT(reason >= 0x80);
	}
	free(c);
}

static void test_every_truncation_of_every_fixture_is_need_more_or_clean(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(fixtures); i++) {
		const fixture_t *f = &fixtures[i];
		for (size_t k = 0; k < f->len; k++) {
			uint8_t *c = copy_exact(f->bytes, k);
			size_t len;
			CU_ASSERT_EQUAL(mqtt_frame(c, k, 0, &len), MQTT_FRAME_NEED_MORE);
			free(c);
			decode_err(f->v, f->bytes, k, MQTT_RC_MALFORMED_PACKET);
		}
	}
}

/* A fixture with its body cut to m bytes and its remaining length saying
 * so: what the decoder's field checks (not the frame's) must catch. */
static void test_every_shortened_body_decodes_cleanly(void)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(fixtures); i++) {
		const fixture_t *f = &fixtures[i];
		size_t hdr = f->bytes[1] & 0x80 ? 3 : 2;
		for (size_t m = 0; m < f->len - hdr; m++) {
			uint8_t buf[256];
			size_t n = 0;
			buf[n++] = f->bytes[0];
			if (m >= 128)
				buf[n++] = (uint8_t)(m | 0x80), buf[n++] = (uint8_t)(m >> 7);
			else
				buf[n++] = (uint8_t)m;
			memcpy(buf + n, f->bytes + hdr, m);
			decode_any(f->v, buf, n + m);
		}
	}
}

static void test_corrupted_bytes_decode_cleanly(void)
{
	static const uint8_t masks[] = {0x01, 0x02, 0x08, 0x10, 0x40, 0x80, 0xFF};
	for (size_t i = 0; i < SL_ARRAY_LEN(fixtures); i++) {
		const fixture_t *f = &fixtures[i];
		for (size_t k = 0; k < f->len; k++) {
			for (size_t m = 0; m < SL_ARRAY_LEN(masks); m++) {
				uint8_t buf[256];
				memcpy(buf, f->bytes, f->len);
				buf[k] ^= masks[m];
				size_t len;
				/* the frame's length may now differ: decode what it says */
				if (mqtt_frame(buf, f->len, 0, &len) == MQTT_FRAME_OK)
					decode_any(f->v, buf, len);
				decode_any(f->v, buf, f->len);
				decode_any(f->v == MQTT_V5 ? MQTT_V311 : MQTT_V5, buf, f->len);
			}
		}
	}
}

/* ---- refusals ----------------------------------------------------------- */

static void test_header_flags_and_reserved_types_are_malformed(void)
{
	static const uint8_t type0[] = {0x00, 0x00};
	static const uint8_t pubrel0[] = {0x60, 0x02, 0x00, 0x07};
	static const uint8_t sub0[] = {0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00};
	static const uint8_t unsub0[] = {0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'};
	static const uint8_t ping1[] = {0xC1, 0x00};
	static const uint8_t puback2[] = {0x42, 0x02, 0x00, 0x07};
	static const uint8_t ping_extra[] = {0xD0, 0x01, 0x00};
	uint8_t two[8];

	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(type0), MQTT_RC_MALFORMED_PACKET),
		       "MQTT packet: packet type 0 is reserved");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(pubrel0), MQTT_RC_MALFORMED_PACKET),
		       "PUBREL: fixed header flags are 0x0, not 0x2");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V311, ARR(sub0), MQTT_RC_MALFORMED_PACKET),
			   "SUBSCRIBE: fixed header flags");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(unsub0), MQTT_RC_MALFORMED_PACKET),
			   "UNSUBSCRIBE: fixed header flags");
	decode_err(MQTT_V5, ARR(ping1), MQTT_RC_MALFORMED_PACKET);
	decode_err(MQTT_V5, ARR(puback2), MQTT_RC_MALFORMED_PACKET);
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(ping_extra), MQTT_RC_MALFORMED_PACKET),
		       "PINGRESP: 1 bytes left over at byte 2");
	/* more than one frame is not one packet */
	memcpy(two, PUBACK, 4);
	memcpy(two + 4, PUBACK, 4);
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, two, 8, MQTT_RC_MALFORMED_PACKET),
			   "8 bytes are more than one packet (of 4)");
	decode_err((mqtt_version_t)3, ARR(PINGREQ), MQTT_RC_MALFORMED_PACKET);
}

static void test_publish_refuses_qos3_dup_q0_id_0_and_wildcards(void)
{
	static const uint8_t qos3[] = {0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01};
	static const uint8_t dup0[] = {0x38, 0x03, 0x00, 0x01, 't'};
	static const uint8_t id0[] = {0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00};
	static const uint8_t plus[] = {0x30, 0x05, 0x00, 0x03, 'a', '/', '+'};
	static const uint8_t hash[] = {0x30, 0x03, 0x00, 0x01, '#'};
	static const uint8_t empty[] = {0x30, 0x02, 0x00, 0x00};
	static const uint8_t ack0[] = {0x40, 0x02, 0x00, 0x00};
	mqtt_packet_t p = {.type = MQTT_PUBLISH, .publish = {.topic = mqtt_str("a/+")}};

	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(qos3), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: QoS is 3");
	decode_err(MQTT_V311, ARR(dup0), MQTT_RC_MALFORMED_PACKET);
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(id0), MQTT_RC_PROTOCOL_ERROR),
		       "PUBLISH: packet identifier at byte 5 is 0");
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(plus), MQTT_RC_PROTOCOL_ERROR),
		       "PUBLISH: topic: topic name has the wildcard '+' at byte 2");
	decode_err(MQTT_V311, ARR(hash), MQTT_RC_PROTOCOL_ERROR);
	decode_err(MQTT_V311, ARR(empty), MQTT_RC_PROTOCOL_ERROR);
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(ack0), MQTT_RC_PROTOCOL_ERROR),
			   "PUBACK: packet identifier at byte 2 is 0");
	/* the encoder refuses the same */
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p),
		       "PUBLISH: topic: topic name has the wildcard '+' at byte 2");
	p.publish.topic = mqtt_str("a/b");
	p.publish.qos = 1;
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p), "PUBLISH: packet identifier is 0");
	p.publish.qos = 3;
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p), "PUBLISH: QoS is 3");
	p.publish.qos = 0;
	p.publish.dup = true;
	encode_err(MQTT_V5, &p);
	p.publish.dup = false;
	p.packet_id = 5; /* QoS 0 has none */
	SL_ASSERT_CONTAINS(encode_err(MQTT_V5, &p), "no packet identifier");
}

static void test_strings_refuse_bad_utf8_nul_and_truncation(void)
{
	static const uint8_t bad_utf8[] = {0x30, 0x04, 0x00, 0x02, 0xC3, 0x28};
	static const uint8_t overlong[] = {0x30, 0x04, 0x00, 0x02, 0xC0, 0xAF};
	static const uint8_t surrogate[] = {0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80};
	static const uint8_t nul[] = {0x30, 0x04, 0x00, 0x02, 'a', 0x00};
	static const uint8_t short_str[] = {0x30, 0x04, 0x00, 0x05, 'a', 'b'};
	static const uint8_t no_len[] = {0x30, 0x01, 0x00};
	static const uint8_t utf8_ok[] = {0x30, 0x06, 0x00, 0x04, 0xE2, 0x82, 0xAC, 'x'};
	mqtt_packet_t d;
	uint8_t *b;

	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(bad_utf8), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: topic at byte 2 is not UTF-8 without U+0000");
	decode_err(MQTT_V311, ARR(overlong), MQTT_RC_MALFORMED_PACKET);
	decode_err(MQTT_V311, ARR(surrogate), MQTT_RC_MALFORMED_PACKET);
	decode_err(MQTT_V311, ARR(nul), MQTT_RC_MALFORMED_PACKET);
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(short_str), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: topic truncated at byte 4");
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(no_len), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: topic truncated at byte 2");
	b = decode_ok(MQTT_V311, ARR(utf8_ok), &d); /* "€x" */
	CU_ASSERT_EQUAL(d.publish.topic.len, 4);
	free(b);
}

static void test_properties_refuse_unknown_misplaced_duplicate_and_bad_values(void)
{
	/* PUBLISH "t" QoS 0 with these property blocks */
	static const uint8_t past_end[] = {0x30, 0x06, 0x00, 0x01, 't', 0x09, 0x01, 0x01};
	static const uint8_t unknown[] = {0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x05, 0x00};
	static const uint8_t misplaced[] = {0x30, 0x09, 0x00, 0x01, 't', 0x05,
					    0x11, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t twice[] = {0x30, 0x08, 0x00, 0x01, 't', 0x04, 0x01, 0x00, 0x01, 0x01};
	static const uint8_t pfi2[] = {0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x01, 0x02};
	static const uint8_t alias0[] = {0x30, 0x07, 0x00, 0x01, 't', 0x03, 0x23, 0x00, 0x00};
	static const uint8_t short_val[] = {0x30, 0x07, 0x00, 0x01, 't', 0x03, 0x02, 0x00, 0x00};
	static const uint8_t resp_wild[] = {0x30, 0x09, 0x00, 0x01, 't', 0x05,
					    0x08, 0x00, 0x02, 'a',  '#'};
	static const uint8_t users_twice[] = {0x30, 0x0F, 0x00, 0x01, 't',  0x0B, 0x26, 0x00, 0x00,
					      0x00, 0x01, 'v',  0x26, 0x00, 0x00, 0x00, 0x00};
	/* CONNACK with Receive Maximum 0, Maximum QoS 2 */
	static const uint8_t rmax0[] = {0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00};
	static const uint8_t maxqos2[] = {0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02};
	mqtt_packet_t d;
	uint8_t *b;

	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(past_end), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: property length 9 at byte 5 runs past the end (2 bytes left)");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(unknown), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: unknown property identifier 0x05 at byte 6");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(misplaced), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: property Session Expiry Interval (0x11) at byte 6 is not "
		       "allowed in PUBLISH");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(twice), MQTT_RC_PROTOCOL_ERROR),
		       "PUBLISH: property Payload Format Indicator appears twice (again at "
		       "byte 8)");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(pfi2), MQTT_RC_PROTOCOL_ERROR),
			   "must be 0 or 1");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(alias0), MQTT_RC_PROTOCOL_ERROR),
			   "Topic Alias at byte 6 must not be 0");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(short_val), MQTT_RC_MALFORMED_PACKET),
		       "PUBLISH: Message Expiry Interval truncated at byte 7");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(resp_wild), MQTT_RC_PROTOCOL_ERROR),
			   "Response Topic at byte 6 is not a valid topic name");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(rmax0), MQTT_RC_PROTOCOL_ERROR),
			   "Receive Maximum");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(maxqos2), MQTT_RC_PROTOCOL_ERROR),
			   "Maximum QoS");
	b = decode_ok(MQTT_V5, ARR(users_twice), &d);
	CU_ASSERT_EQUAL(d.props.user_count, 2);
	free(b);

	/* the encoder: misplaced, out of range, unknown */
	mqtt_packet_t p = {.type = MQTT_PUBLISH,
			   .props = {.present = MQTT_PROP_BIT(MQTT_PROP_SESSION_EXPIRY)},
			   .publish = {.topic = mqtt_str("t")}};
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p),
		       "PUBLISH: property Session Expiry Interval is not allowed in PUBLISH");
	p.props.present = MQTT_PROP_BIT(MQTT_PROP_TOPIC_ALIAS);
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p), "PUBLISH: property Topic Alias must not be 0");
	p.props.present = MQTT_PROP_BIT(0x05);
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p), "PUBLISH: unknown property identifier 0x05");
	p.props.present = MQTT_PROP_BIT(MQTT_PROP_CONTENT_TYPE);
	SL_ASSERT_TEXT(encode_err(MQTT_V311, &p), "PUBLISH: properties need MQTT 5");
	p.props.content_type = (mqtt_str_t){"\xC3\x28", 2};
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p),
		       "PUBLISH: Content Type is not UTF-8 without U+0000");
	p.props.present = 0;
	p.props.user_count = 1;
	SL_ASSERT_CONTAINS(encode_err(MQTT_V5, &p), "1 user properties but no list");
}

static void test_subscribe_refuses_bad_filters_options_and_empty_payload(void)
{
	static const uint8_t empty[] = {0x82, 0x02, 0x00, 0x01};
	static const uint8_t bad_filter[] = {0x82, 0x0A, 0x00, 0x01, 0x00, 0x05,
					     'a',  '/',  '#',  '/',  'b',  0x00};
	static const uint8_t v3_bits[] = {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x04};
	static const uint8_t qos3[] = {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x03};
	static const uint8_t rh3[] = {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x30};
	static const uint8_t v5_bits[] = {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x40};
	static const uint8_t share_nl[] = {0x82, 0x10, 0x00, 0x01, 0x00, 0x00, 0x0A, '$', 's',
					   'h',  'a',  'r',  'e',  '/',  'g',  '/',  'a', 0x04};
	static const uint8_t no_opts[] = {0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'};
	static const uint8_t unsub_empty[] = {0xA2, 0x03, 0x00, 0x01, 0x00};

	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(empty), MQTT_RC_PROTOCOL_ERROR),
		       "SUBSCRIBE: no topic filter");
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(bad_filter), MQTT_RC_MALFORMED_PACKET),
		       "SUBSCRIBE: topic filter at byte 4: '#' at byte 2 is not the last level");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V311, ARR(v3_bits), MQTT_RC_MALFORMED_PACKET),
			   "reserved subscription option bits set in 0x04");
	decode_err(MQTT_V5, ARR(qos3), MQTT_RC_MALFORMED_PACKET);
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(rh3), MQTT_RC_PROTOCOL_ERROR),
			   "retain handling is 3");
	decode_err(MQTT_V5, ARR(v5_bits), MQTT_RC_MALFORMED_PACKET);
	SL_ASSERT_CONTAINS(decode_err(MQTT_V5, ARR(share_nl), MQTT_RC_PROTOCOL_ERROR),
			   "no local set on shared subscription");
	SL_ASSERT_CONTAINS(decode_err(MQTT_V311, ARR(no_opts), MQTT_RC_MALFORMED_PACKET),
			   "subscription options truncated");
	decode_err(MQTT_V5, ARR(unsub_empty), MQTT_RC_PROTOCOL_ERROR);

	mqtt_sub_t s = {.filter = mqtt_str("a/b#")};
	mqtt_packet_t p = {.type = MQTT_SUBSCRIBE, .packet_id = 1, .subscribe = {&s, 1}};
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p),
		       "SUBSCRIBE: topic filter: '#' at byte 3 does not fill a whole level");
	s.filter = mqtt_str("a");
	s.retain_handling = 3;
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p), "SUBSCRIBE: retain handling is 3");
	p.subscribe.count = 0;
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p), "SUBSCRIBE: no topic filter");
}

static void test_connect_and_connack_refuse_bad_fields(void)
{
	/* "MQT" + last, level, flags, keep alive 0, client identifier "c" */
#define CONNECT_WITH(last, level, flags)                                                           \
	0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', last, level, flags, 0x00, 0x00, 0x00, 0x01, 'c'
	static const uint8_t bad_name[] = {CONNECT_WITH('X', 4, 0x02)};
	static const uint8_t level3[] = {CONNECT_WITH('T', 3, 0x02)};
	static const uint8_t reserved[] = {CONNECT_WITH('T', 4, 0x03)};
	static const uint8_t will_qos3[] = {CONNECT_WITH('T', 4, 0x1C)};
	static const uint8_t retain_no_will[] = {CONNECT_WITH('T', 4, 0x20)};
	static const uint8_t pw_no_user[] = {CONNECT_WITH('T', 4, 0x40)};
#undef CONNECT_WITH
	static const uint8_t connack_flags[] = {0x20, 0x02, 0x02, 0x00};
	static const uint8_t connack_rc6[] = {0x20, 0x02, 0x00, 0x06};
	static const uint8_t sp_refused[] = {0x20, 0x02, 0x01, 0x05};
	static const uint8_t v5_bad_rc[] = {0x20, 0x03, 0x00, 0x10, 0x00};

	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(bad_name), MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION),
		       "CONNECT: protocol name is not \"MQTT\"");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(level3), MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION),
		       "CONNECT: protocol level 3 is not supported (4 and 5 are)");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(reserved), MQTT_RC_MALFORMED_PACKET),
		       "CONNECT: reserved connect flag bit 0 is set");
	decode_err(MQTT_V5, ARR(will_qos3), MQTT_RC_MALFORMED_PACKET);
	decode_err(MQTT_V5, ARR(retain_no_will), MQTT_RC_MALFORMED_PACKET);
	decode_err(MQTT_V5, ARR(pw_no_user), MQTT_RC_MALFORMED_PACKET);
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(connack_flags), MQTT_RC_MALFORMED_PACKET),
		       "CONNACK: reserved acknowledge flag bits 0x02 are set");
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(connack_rc6), MQTT_RC_MALFORMED_PACKET),
		       "CONNACK: return code 6 is reserved");
	SL_ASSERT_TEXT(decode_err(MQTT_V311, ARR(sp_refused), MQTT_RC_PROTOCOL_ERROR),
		       "CONNACK: session present with a refusal (Not authorized)");
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(v5_bad_rc), MQTT_RC_PROTOCOL_ERROR),
		       "CONNACK: reason code 0x10 at byte 3 is not valid here");
}

static void test_reason_codes_not_allowed_for_the_packet_are_refused(void)
{
	static const uint8_t puback04[] = {0x40, 0x03, 0x00, 0x07, 0x04};
	static const uint8_t pubrel87[] = {0x62, 0x03, 0x00, 0x07, 0x87};
	static const uint8_t disc84[] = {0xE0, 0x01, 0x84};
	static const uint8_t suback84[] = {0x90, 0x04, 0x00, 0x01, 0x00, 0x84};
	static const uint8_t suback_v3_03[] = {0x90, 0x03, 0x00, 0x01, 0x03};
	static const uint8_t suback_none[] = {0x90, 0x03, 0x00, 0x01, 0x00};
	static const uint8_t auth_rc_only[] = {0xF0, 0x01, 0x18};

	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(puback04), MQTT_RC_PROTOCOL_ERROR),
		       "PUBACK: reason code 0x04 at byte 4 is not valid here");
	decode_err(MQTT_V5, ARR(pubrel87), MQTT_RC_PROTOCOL_ERROR);
	decode_err(MQTT_V5, ARR(disc84), MQTT_RC_PROTOCOL_ERROR);
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(suback84), MQTT_RC_PROTOCOL_ERROR),
		       "SUBACK: code 0x84 at byte 5 is not valid here");
	decode_err(MQTT_V311, ARR(suback_v3_03), MQTT_RC_PROTOCOL_ERROR);
	SL_ASSERT_TEXT(decode_err(MQTT_V5, ARR(suback_none), MQTT_RC_PROTOCOL_ERROR),
		       "SUBACK: no reason codes");
	/* AUTH leaves out both or neither of reason code and properties */
	decode_err(MQTT_V5, ARR(auth_rc_only), MQTT_RC_MALFORMED_PACKET);

	mqtt_packet_t p = {.type = MQTT_PUBACK, .packet_id = 1, .reason = 0x04};
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p), "PUBACK: reason code 0x04 is not valid here");
	p = (mqtt_packet_t){.type = MQTT_AUTH};
	SL_ASSERT_TEXT(encode_err(MQTT_V311, &p), "AUTH: AUTH needs MQTT 5");
}

static void test_encoder_refuses_long_strings_and_huge_packets(void)
{
	size_t big = 70000;
	char *s = malloc(big);
	mqtt_packet_t p = {.type = MQTT_CONNECT};

	memset(s, 'a', big);
	p.connect.client_id = (mqtt_str_t){s, big};
	SL_ASSERT_TEXT(encode_err(MQTT_V5, &p),
		       "CONNECT: client identifier is 70000 bytes long, more than 65535");
	p = (mqtt_packet_t){.type = MQTT_PUBLISH,
			    .publish = {.topic = mqtt_str("t"),
					.payload = (const uint8_t *)s,
					.payload_len = MQTT_MAX_REMAINING}};
	SL_ASSERT_CONTAINS(encode_err(MQTT_V311, &p), "more than 268435455");
	p.publish.payload_len = big;
	sl_buf_t b = {0};
	CU_ASSERT_EQUAL(mqtt_encode(&b, MQTT_V311, &p, NULL, 0), 0);
	CU_ASSERT_EQUAL(b.len, 1 + 3 + 3 + big); /* remaining length in 3 bytes */
	size_t len;
	CU_ASSERT_EQUAL(mqtt_frame((const uint8_t *)b.data, b.len, 0, &len), MQTT_FRAME_OK);
	CU_ASSERT_EQUAL(len, b.len);
	sl_buf_free(&b);
	free(s);
}

static void test_reason_and_type_names(void)
{
	SL_ASSERT_TEXT(mqtt_reason_name(0x81), "Malformed Packet");
	SL_ASSERT_TEXT(mqtt_reason_name(0x82), "Protocol Error");
	SL_ASSERT_TEXT(mqtt_reason_name(0x95), "Packet too large");
	SL_ASSERT_TEXT(mqtt_reason_name(0xA2), "Wildcard Subscriptions not supported");
	SL_ASSERT_TEXT(mqtt_reason_name(0x03), "Unknown reason code");
	SL_ASSERT_TEXT(mqtt_type_name(MQTT_UNSUBACK), "UNSUBACK");
	SL_ASSERT_TEXT(mqtt_type_name(16), "reserved");
}

void mqtt_codec_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"frame splits whole packets and waits for more",
		 test_frame_splits_whole_packets_and_waits_for_more},
		{"frame refuses long or padded remaining length",
		 test_frame_refuses_long_or_padded_remaining_length},
		{"frame reports too large before the body",
		 test_frame_reports_too_large_before_the_body},
		{"connect v3.1.1 bytes and fields", test_connect_v311_bytes_and_fields},
		{"connect v5 properties bytes and fields",
		 test_connect_v5_properties_bytes_and_fields},
		{"connect will in both versions", test_connect_will_in_both_versions},
		{"connack v3.1.1 return codes map to reasons",
		 test_connack_v311_return_codes_map_to_reasons},
		{"connack v5 properties", test_connack_v5_properties},
		{"publish v3.1.1 qos 0, 1, 2 bytes", test_publish_v311_qos0_qos1_qos2_bytes},
		{"publish v5 properties and user properties",
		 test_publish_v5_properties_and_user_properties},
		{"publish v5 topic alias and subscription ids",
		 test_publish_v5_topic_alias_and_subscription_ids},
		{"acks v3.1.1 are four bytes", test_acks_v311_are_four_bytes},
		{"acks v5 omit success reason and empty properties",
		 test_acks_v5_omit_success_reason_and_empty_properties},
		{"subscribe bytes and options", test_subscribe_bytes_and_options},
		{"suback and unsuback codes", test_suback_and_unsuback_codes},
		{"unsubscribe bytes in both versions", test_unsubscribe_bytes_both_versions},
		{"ping and disconnect bytes", test_ping_and_disconnect_bytes},
		{"auth is decoded and reported unsupported",
		 test_auth_is_decoded_and_reported_unsupported},
		{"every fixture re-encodes to the same bytes",
		 test_every_fixture_reencodes_to_the_same_bytes},
		{"every truncation of every fixture is need-more or a clean error",
		 test_every_truncation_of_every_fixture_is_need_more_or_clean},
		{"every shortened body decodes cleanly", test_every_shortened_body_decodes_cleanly},
		{"corrupted bytes decode cleanly", test_corrupted_bytes_decode_cleanly},
		{"header flags and reserved types are malformed",
		 test_header_flags_and_reserved_types_are_malformed},
		{"publish refuses qos 3, dup at qos 0, id 0 and wildcards",
		 test_publish_refuses_qos3_dup_q0_id_0_and_wildcards},
		{"strings refuse bad UTF-8, NUL and truncation",
		 test_strings_refuse_bad_utf8_nul_and_truncation},
		{"properties refuse unknown, misplaced, duplicate and bad values",
		 test_properties_refuse_unknown_misplaced_duplicate_and_bad_values},
		{"subscribe refuses bad filters, options and empty payload",
		 test_subscribe_refuses_bad_filters_options_and_empty_payload},
		{"connect and connack refuse bad fields",
		 test_connect_and_connack_refuse_bad_fields},
		{"reason codes not allowed for the packet are refused",
		 test_reason_codes_not_allowed_for_the_packet_are_refused},
		{"encoder refuses long strings and huge packets",
		 test_encoder_refuses_long_strings_and_huge_packets},
		{"reason and type names", test_reason_and_type_names},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("mqtt_codec", NULL, NULL, tests);
}
