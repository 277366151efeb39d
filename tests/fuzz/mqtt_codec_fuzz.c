/* libFuzzer target of the MQTT codec (connectors/mqtt/mqtt_codec.h): the
 * input is split into frames, each decoded as MQTT 3.1.1 and as 5.0.
 * Besides never crashing, leaking or hitting undefined behaviour, the
 * codec must keep two promises, checked here with abort(): a refusal
 * carries a message and a reason code, and whatever decodes re-encodes,
 * decodes again and re-encodes to the same bytes. The input is also read
 * as a topic filter and a topic name for the topic helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "mqtt_codec_fuzz: %s: %s\n", what, err);
	abort();
}

/* Walks every list of a decoded packet, as a client would. */
static void walk(const mqtt_packet_t *pkt)
{
	mqtt_prop_t prop;
	mqtt_user_prop_t u;
	mqtt_sub_t s;
	size_t pos = 0, users = 0, subs = 0;

	while (mqtt_prop_next(&pkt->props, &pos, &prop))
		;
	if (pos != pkt->props.raw_len)
		fail("walk", "mqtt_prop_next stopped early");
	pos = 0;
	while (mqtt_user_next(&pkt->props, &pos, &u))
		users++;
	if (users != pkt->props.user_count)
		fail("walk", "user property count");
	pos = 0;
	while (mqtt_sub_next(pkt, &pos, &s))
		subs++;
	if ((pkt->type == MQTT_SUBSCRIBE || pkt->type == MQTT_UNSUBSCRIBE) &&
	    subs != pkt->subscribe.count)
		fail("walk", "filter count");
	mqtt_reason_name(pkt->reason);
}

/* Encodes pkt, or aborts. */
static void encode(mqtt_version_t v, const mqtt_packet_t *pkt, sl_buf_t *out)
{
	char err[256] = "";

	if (mqtt_encode(out, v, pkt, err, sizeof(err)) != 0)
		fail("a decoded packet does not encode", err);
}

static void check_frame(mqtt_version_t v, const uint8_t *p, size_t n)
{
	mqtt_packet_t pkt, again;
	sl_buf_t first = {0}, second = {0};
	char err[256] = "";
	uint8_t reason = 0;
	mqtt_decode_rc_t rc = mqtt_decode(v, p, n, &pkt, &reason, err, sizeof(err));

	if (rc != MQTT_DECODE_OK) {
		if (!err[0] || reason < 0x80)
			fail("a refusal without message or reason code", err);
		return;
	}
	walk(&pkt);
	/* a CONNECT is read by its own protocol level */
	if (pkt.type == MQTT_CONNECT)
		v = (mqtt_version_t)pkt.connect.version;
	encode(v, &pkt, &first);
	if (mqtt_decode(v, (const uint8_t *)first.data, first.len, &again, &reason, err,
			sizeof(err)) != MQTT_DECODE_OK)
		fail("an encoded packet does not decode", err);
	encode(v, &again, &second);
	if (first.len != second.len || memcmp(first.data, second.data, first.len))
		fail("re-encoding", "a decoded packet encodes to other bytes");
	sl_buf_free(&first);
	sl_buf_free(&second);
}

/* Splits data into frames and checks each, on a copy of exactly its
 * size so that AddressSanitizer sees any read past it. */
static void check_stream(mqtt_version_t v, const uint8_t *data, size_t size)
{
	size_t off = 0, len;

	while (off < size && mqtt_frame(data + off, size - off, 4096, &len) == MQTT_FRAME_OK) {
		uint8_t *copy = malloc(len);
		memcpy(copy, data + off, len);
		check_frame(v, copy, len);
		free(copy);
		off += len;
	}
}

/* "filter\ntopic": a filter that is also a topic name (and not a shared
 * subscription) matches exactly the same name. */
static void check_topics(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	mqtt_str_t f = {(const char *)data, nl ? (size_t)(nl - data) : size};
	mqtt_str_t t = {nl ? (const char *)nl + 1 : NULL, nl ? size - f.len - 1 : 0};
	bool fvalid = mqtt_filter_valid(f, NULL, 0);
	bool tvalid = mqtt_topic_valid(t, NULL, 0);
	bool match = mqtt_topic_matches(f, t);
	bool shared = f.len >= 7 && !memcmp(f.ptr, "$share/", 7);

	if (!shared && mqtt_topic_valid(f, NULL, 0) && !fvalid)
		fail("topics", "a topic name is not a valid filter");
	if (fvalid && tvalid && !shared && mqtt_topic_valid(f, NULL, 0) &&
	    match != (f.len == t.len && !memcmp(f.ptr, t.ptr, f.len)))
		fail("topics", "a filter without wildcards matches another name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_stream(MQTT_V311, data, size);
	check_stream(MQTT_V5, data, size);
	check_frame(MQTT_V5, data, size); /* the whole input as one packet */
	if (size < 1024)
		check_topics(data, size);
	return 0;
}
