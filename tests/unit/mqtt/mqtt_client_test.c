/* Unit tests of the MQTT client (connectors/mqtt/mqtt_client.h) against a
 * scripted broker thread on a loopback port (fake_broker.c): what the
 * client sends and when, acknowledgements in arrival order, reconnection,
 * publishing windows and resends, refusals, malformed input, keepalive,
 * failover and TLS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_broker.h"
#include "mqtt_client.h"
#include "runner.h"
#include "sluice/clock.h"
#include "sluice/log.h"

/* ---- helpers ------------------------------------------------------------------- */

#define MAXMSG 64

/* What on_message received. */
typedef struct got {
	size_t n;
	uint64_t token[MAXMSG];
	uint16_t id[MAXMSG];
	uint8_t qos[MAXMSG];
	bool dup[MAXMSG];
	char payload[MAXMSG][32];
} got_t;

static int on_message(void *arg, const mqtt_message_t *m)
{
	got_t *g = arg;
	if (g->n == MAXMSG)
		return 1;
	g->token[g->n] = m->token;
	g->id[g->n] = m->packet_id;
	g->qos[g->n] = m->qos;
	g->dup[g->n] = m->dup;
	snprintf(g->payload[g->n], sizeof(g->payload[0]), "%.*s", (int)m->payload_len,
		 (const char *)m->payload);
	g->n++;
	return 0;
}

/* A test's broker, client options and received messages. */
typedef struct fx {
	fb_t *b;
	char uri[64];
	const char *uris[3];
	mqtt_sub_t sub;
	mqtt_client_opts_t o;
	got_t got;
	char err[512];
} fx_t;

static void fx_init(fx_t *f, mqtt_version_t v)
{
	memset(f, 0, sizeof(*f));
	f->b = fb_start(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->b);
	snprintf(f->uri, sizeof(f->uri), "tcp://127.0.0.1:%d", fb_port(f->b));
	f->uris[0] = f->uri;
	f->sub = (mqtt_sub_t){.filter = mqtt_str("in/#"), .qos = 2};
	f->o = (mqtt_client_opts_t){.uris = f->uris,
				    .version = v,
				    .client_id = "c1",
				    .keepalive = 60,
				    .connect_timeout_ms = 2000,
				    .subs = &f->sub,
				    .sub_count = 1,
				    .tag = "mqtt-test"};
}

static mqtt_client_t *fx_client(fx_t *f)
{
	mqtt_client_t *c = mqtt_client_new(&f->o, f->err, sizeof(f->err));
	if (!c)
		fprintf(stderr, "\n    mqtt_client_new: %s\n", f->err);
	CU_ASSERT_PTR_NOT_NULL(c);
	return c;
}

static int run(fx_t *f, mqtt_client_t *c, int ms)
{
	return mqtt_client_run(c, ms, on_message, &f->got, MAXMSG, f->err, sizeof(f->err));
}

/* Runs c for ms in short turns (so the broker's answers come in). */
static void run_for(fx_t *f, mqtt_client_t *c, int ms)
{
	int64_t end = sl_now_ms() + ms;
	while (sl_now_ms() < end)
		CU_ASSERT_EQUAL(run(f, c, 10), 0);
}

/* Runs c until the broker has n packets of type (on any connection). */
static bool run_until_rx(fx_t *f, mqtt_client_t *c, mqtt_type_t type, size_t n)
{
	int64_t end = sl_now_ms() + 3000;
	while (fb_count(f->b, -1, type) < n && sl_now_ms() < end)
		if (run(f, c, 10) != 0)
			break;
	return fb_count(f->b, -1, type) >= n;
}

/* Runs c until it has n messages. */
static bool run_until_msgs(fx_t *f, mqtt_client_t *c, size_t n)
{
	int64_t end = sl_now_ms() + 3000;
	while (f->got.n < n && sl_now_ms() < end)
		if (run(f, c, 10) != 0)
			break;
	return f->got.n >= n;
}

/* Runs c until it is connected (CONNACK, SUBACK) on broker connection n. */
static bool run_until_up(fx_t *f, mqtt_client_t *c, int conns)
{
	int64_t end = sl_now_ms() + 3000;
	while ((!mqtt_client_connected(c) || fb_conns(f->b) < conns) && sl_now_ms() < end)
		if (run(f, c, 10) != 0)
			break;
	return mqtt_client_connected(c) && fb_conns(f->b) >= conns;
}

static void fx_free(fx_t *f, mqtt_client_t *c)
{
	mqtt_client_free(c);
	fb_stop(f->b);
}

static void send_publish(fx_t *f, uint8_t qos, uint16_t id, const char *payload, bool dup)
{
	fb_send(f->b, &(mqtt_packet_t){.type = MQTT_PUBLISH,
				       .packet_id = qos ? id : 0,
				       .publish = {.topic = mqtt_str("in/a"),
						   .payload = (const uint8_t *)payload,
						   .payload_len = strlen(payload),
						   .qos = qos,
						   .dup = dup}});
}

/* The packet ids of the broker's received packets of type, "1 2 3". */
static const char *rx_ids(fx_t *f, mqtt_type_t type, char *buf, size_t size)
{
	mqtt_packet_t p;
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; fb_get(f->b, -1, type, i, &p, NULL) && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%u", n ? " " : "", p.packet_id);
	return buf;
}

static mqtt_publish_t pub_of(const char *topic, uint8_t qos)
{
	return (mqtt_publish_t){.topic = mqtt_str(topic),
				.payload = (const uint8_t *)"x",
				.payload_len = 1,
				.qos = qos};
}

/* ---- CONNECT and SUBSCRIBE -------------------------------------------------------- */

static void test_connect_v311_fields_then_subscribe(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	f.o.username = "u";
	f.o.password = "p@ss";
	f.o.keepalive = 17;
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_FALSE(mqtt_client_connected(c));
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_packet_t p;
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 0, MQTT_CONNECT, 0, &p, NULL));
	CU_ASSERT_EQUAL(p.connect.version, 4);
	CU_ASSERT_TRUE(mqtt_str_eq(p.connect.client_id, "c1"));
	CU_ASSERT_FALSE(p.connect.clean_start);
	CU_ASSERT_EQUAL(p.connect.keepalive, 17);
	CU_ASSERT_TRUE(mqtt_str_eq(p.connect.username, "u"));
	CU_ASSERT_TRUE(mqtt_str_eq(p.connect.password, "p@ss"));
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 0, MQTT_SUBSCRIBE, 0, &p, NULL));
	mqtt_sub_t s;
	size_t pos = 0;
	CU_ASSERT_TRUE(mqtt_sub_next(&p, &pos, &s));
	CU_ASSERT_TRUE(mqtt_str_eq(s.filter, "in/#"));
	CU_ASSERT_EQUAL(s.qos, 2);
	char buf[200];
	SL_ASSERT_TEXT(fb_types(f.b, 0, buf, sizeof(buf)), "CONNECT SUBSCRIBE");
	fx_free(&f, c);
}

static void test_connect_v5_properties(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	f.o.session_expiry = 3600;
	f.o.receive_maximum = 100;
	f.o.max_packet = 65536;
	f.sub.retain_handling = 1;
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_packet_t p;
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 0, MQTT_CONNECT, 0, &p, NULL));
	CU_ASSERT_EQUAL(p.connect.version, 5);
	CU_ASSERT_FALSE(p.connect.clean_start);
	CU_ASSERT_EQUAL(p.connect.keepalive, 60);
	CU_ASSERT_TRUE(mqtt_props_has(&p.props, MQTT_PROP_SESSION_EXPIRY));
	CU_ASSERT_EQUAL(p.props.session_expiry, 3600);
	CU_ASSERT_EQUAL(p.props.receive_maximum, 100);
	CU_ASSERT_EQUAL(p.props.maximum_packet_size, 65536);
	CU_ASSERT_TRUE(mqtt_props_has(&p.props, MQTT_PROP_TOPIC_ALIAS_MAXIMUM));
	CU_ASSERT_EQUAL(p.props.topic_alias_maximum, 0);
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 0, MQTT_SUBSCRIBE, 0, &p, NULL));
	mqtt_sub_t s;
	size_t pos = 0;
	CU_ASSERT_TRUE(mqtt_sub_next(&p, &pos, &s));
	CU_ASSERT_EQUAL(s.retain_handling, 1);
	fx_free(&f, c);
}

static void test_subscribe_again_only_without_session(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	fb_lock(f.b)->session_present = true;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	/* the first connection subscribes whatever CONNACK says */
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	CU_ASSERT_EQUAL(fb_count(f.b, 0, MQTT_SUBSCRIBE), 1);
	fb_drop(f.b);
	CU_ASSERT_TRUE(run_until_up(&f, c, 2));
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(fb_count(f.b, 1, MQTT_SUBSCRIBE), 0);
	fb_lock(f.b)->session_present = false;
	fb_unlock(f.b);
	fb_drop(f.b);
	CU_ASSERT_TRUE(run_until_up(&f, c, 3));
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_SUBSCRIBE, 2));
	CU_ASSERT_EQUAL(fb_count(f.b, 2, MQTT_SUBSCRIBE), 1);
	fx_free(&f, c);
}

/* ---- receiving ------------------------------------------------------------------- */

static void test_qos1_acks_go_out_in_arrival_order(void)
{
	fx_t f;
	char buf[64];
	fx_init(&f, MQTT_V311);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	send_publish(&f, 1, 11, "m1", false);
	send_publish(&f, 1, 12, "m2", false);
	send_publish(&f, 1, 13, "m3", false);
	CU_ASSERT_TRUE_FATAL(run_until_msgs(&f, c, 3));
	SL_ASSERT_TEXT(f.got.payload[2], "m3");
	CU_ASSERT_EQUAL(mqtt_client_unacked(c), 3);
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(fb_count(f.b, -1, MQTT_PUBACK), 0); /* none before the ack */
	mqtt_client_ack(c, f.got.token[2]);
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(fb_count(f.b, -1, MQTT_PUBACK), 0); /* 3 waits for 1 and 2 */
	mqtt_client_ack(c, f.got.token[0]);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBACK, 1));
	run_for(&f, c, 50);
	SL_ASSERT_TEXT(rx_ids(&f, MQTT_PUBACK, buf, sizeof(buf)), "11");
	CU_ASSERT_EQUAL(mqtt_client_unacked(c), 2);
	mqtt_client_ack(c, f.got.token[1]);
	mqtt_client_ack(c, f.got.token[1]); /* twice: ignored */
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBACK, 3));
	run_for(&f, c, 50);
	SL_ASSERT_TEXT(rx_ids(&f, MQTT_PUBACK, buf, sizeof(buf)), "11 12 13");
	CU_ASSERT_EQUAL(mqtt_client_unacked(c), 0);
	fx_free(&f, c);
}

/* A QoS 1 PUBLISH with the id of one not yet acknowledged: a resend, or a
 * new message under an id the broker reused (aedes does, after a session
 * resumes: the messages it sends again keep their ids, new ones count on
 * from a random id). Both copies are delivered, and one PUBACK for the id
 * goes out once both are acked: ignoring the second would lose the new
 * message, and a PUBACK per copy could acknowledge a third message that
 * took the id after the first. */
static void test_qos1_id_in_use_delivered_again_one_puback(void)
{
	fx_t f;
	char buf[64];
	fx_init(&f, MQTT_V311);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	send_publish(&f, 1, 5, "old", false);
	send_publish(&f, 1, 6, "six", false);
	send_publish(&f, 1, 5, "new", false);
	CU_ASSERT_TRUE_FATAL(run_until_msgs(&f, c, 3));
	SL_ASSERT_TEXT(f.got.payload[2], "new");
	CU_ASSERT_EQUAL(mqtt_client_unacked(c), 3);
	mqtt_client_ack(c, f.got.token[0]);
	mqtt_client_ack(c, f.got.token[1]);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBACK, 1));
	run_for(&f, c, 100);
	/* 5 waits for its second copy */
	SL_ASSERT_TEXT(rx_ids(&f, MQTT_PUBACK, buf, sizeof(buf)), "6");
	mqtt_client_ack(c, f.got.token[2]);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBACK, 2));
	run_for(&f, c, 100);
	SL_ASSERT_TEXT(rx_ids(&f, MQTT_PUBACK, buf, sizeof(buf)), "6 5");
	CU_ASSERT_EQUAL(mqtt_client_unacked(c), 0);
	/* a resend with DUP is delivered again too, still one PUBACK */
	send_publish(&f, 1, 7, "seven", false);
	send_publish(&f, 1, 7, "seven", true);
	CU_ASSERT_TRUE_FATAL(run_until_msgs(&f, c, 5));
	mqtt_client_ack(c, f.got.token[4]);
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(fb_count(f.b, -1, MQTT_PUBACK), 2); /* 7 waits for its first copy */
	mqtt_client_ack(c, f.got.token[3]);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBACK, 3));
	run_for(&f, c, 100);
	SL_ASSERT_TEXT(rx_ids(&f, MQTT_PUBACK, buf, sizeof(buf)), "6 5 7");
	CU_ASSERT_EQUAL(mqtt_client_unacked(c), 0);
	fx_free(&f, c);
}

static void test_run_returns_early_once_messages_arrived(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	send_publish(&f, 0, 0, "q0", false);
	int64_t t0 = sl_now_ms();
	CU_ASSERT_EQUAL(run(&f, c, 5000), 0);
	CU_ASSERT(sl_now_ms() - t0 < 1000);
	CU_ASSERT_EQUAL(f.got.n, 1);
	CU_ASSERT_EQUAL(f.got.token[0], 0); /* QoS 0: nothing to ack */
	/* max_messages: the rest waits for the next run */
	send_publish(&f, 1, 1, "a", false);
	send_publish(&f, 1, 2, "b", false);
	usleep(100 * 1000);
	CU_ASSERT_EQUAL(mqtt_client_run(c, 1000, on_message, &f.got, 1, f.err, sizeof(f.err)), 0);
	CU_ASSERT_EQUAL(f.got.n, 2);
	CU_ASSERT_EQUAL(mqtt_client_run(c, 1000, on_message, &f.got, 1, f.err, sizeof(f.err)), 0);
	CU_ASSERT_EQUAL(f.got.n, 3);
	fx_free(&f, c);
}

static void test_qos2_pubrec_after_ack_and_pubcomp_on_pubrel(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	send_publish(&f, 2, 7, "two", false);
	CU_ASSERT_TRUE_FATAL(run_until_msgs(&f, c, 1));
	CU_ASSERT_EQUAL(f.got.qos[0], 2);
	/* a duplicate while the first copy waits for the ack: ignored */
	send_publish(&f, 2, 7, "two", true);
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(f.got.n, 1);
	CU_ASSERT_EQUAL(fb_count(f.b, -1, MQTT_PUBREC), 0);
	mqtt_client_ack(c, f.got.token[0]);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBREC, 1));
	/* a duplicate after PUBREC: PUBREC again, not delivered twice */
	send_publish(&f, 2, 7, "two", true);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBREC, 2));
	CU_ASSERT_EQUAL(f.got.n, 1);
	CU_ASSERT_EQUAL(fb_count(f.b, -1, MQTT_PUBCOMP), 0);
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBREL, .packet_id = 7});
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBCOMP, 1));
	mqtt_packet_t p;
	CU_ASSERT_TRUE(fb_get(f.b, -1, MQTT_PUBCOMP, 0, &p, NULL));
	CU_ASSERT_EQUAL(p.packet_id, 7);
	/* the id is free again: a new message with it is delivered */
	send_publish(&f, 2, 7, "again", false);
	CU_ASSERT_TRUE(run_until_msgs(&f, c, 2));
	fx_free(&f, c);
}

static void test_reconnect_ignores_old_tokens_and_delivers_redelivery(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	fb_lock(f.b)->session_present = true;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	send_publish(&f, 1, 5, "m", false);
	CU_ASSERT_TRUE_FATAL(run_until_msgs(&f, c, 1));
	fb_drop(f.b);
	CU_ASSERT_TRUE(run_until_up(&f, c, 2));
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), "connection closed by the broker");
	send_publish(&f, 1, 5, "m", true); /* the broker's redelivery */
	CU_ASSERT_TRUE_FATAL(run_until_msgs(&f, c, 2));
	CU_ASSERT_TRUE(f.got.dup[1]);
	CU_ASSERT_NOT_EQUAL(f.got.token[1], f.got.token[0]);
	mqtt_client_ack(c, f.got.token[0]); /* the old connection's: ignored */
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(fb_count(f.b, 1, MQTT_PUBACK), 0);
	mqtt_client_ack(c, f.got.token[1]);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBACK, 1));
	CU_ASSERT_EQUAL(fb_count(f.b, 1, MQTT_PUBACK), 1);
	fx_free(&f, c);
}

/* ---- publishing ------------------------------------------------------------------- */

static void test_publish_qos1_completes_on_puback_in_token_order(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	fb_lock(f.b)->hold_acks = true;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_publish_t pub = pub_of("out/a", 1);
	for (int64_t i = 1; i <= 3; i++)
		CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), i);
	CU_ASSERT_EQUAL(mqtt_client_unfinished(c), 3);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBLISH, 3));
	CU_ASSERT_EQUAL(mqtt_client_published(c), 0);
	mqtt_packet_t p[3];
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_TRUE_FATAL(fb_get(f.b, -1, MQTT_PUBLISH, i, &p[i], NULL));
	CU_ASSERT_EQUAL(p[0].publish.qos, 1);
	CU_ASSERT_FALSE(p[0].publish.dup);
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBACK, .packet_id = p[1].packet_id});
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(mqtt_client_unfinished(c), 2);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 0); /* 1 is not done yet */
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBACK, .packet_id = p[0].packet_id});
	/* a run waiting with publishes unfinished returns once one completes */
	int64_t t0 = sl_now_ms();
	CU_ASSERT_EQUAL(run(&f, c, 5000), 0);
	CU_ASSERT(sl_now_ms() - t0 < 1000);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 2);
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBACK, .packet_id = p[2].packet_id});
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 3);
	CU_ASSERT_EQUAL(mqtt_client_unfinished(c), 0);
	fx_free(&f, c);
}

static void test_publish_qos2_completes_on_pubcomp(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	fb_lock(f.b)->hold_acks = true;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_publish_t q0 = pub_of("out/0", 0), q2 = pub_of("out/2", 2);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &q0, NULL, f.err, sizeof(f.err)), 1);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &q2, NULL, f.err, sizeof(f.err)), 2);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBLISH, 2));
	CU_ASSERT_EQUAL(mqtt_client_published(c), 1); /* QoS 0: once written */
	mqtt_packet_t p;
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, -1, MQTT_PUBLISH, 1, &p, NULL));
	CU_ASSERT_EQUAL(p.publish.qos, 2);
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBREC, .packet_id = p.packet_id});
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBREL, 1));
	run_for(&f, c, 50);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 1); /* PUBREC is not the end */
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBCOMP, .packet_id = p.packet_id});
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 2);
	CU_ASSERT_EQUAL(mqtt_client_unfinished(c), 0);
	fx_free(&f, c);
}

static void test_publish_window_full_returns_zero(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	f.o.max_inflight = 2;
	fb_lock(f.b)->hold_acks = true;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_publish_t pub = pub_of("out/a", 1);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), 1);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), 2);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), 0);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBLISH, 2));
	mqtt_packet_t p;
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, -1, MQTT_PUBLISH, 0, &p, NULL));
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBACK, .packet_id = p.packet_id});
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), 3);
	fx_free(&f, c);
}

static void test_publish_window_follows_server_receive_maximum(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	fb_config_t *cfg = fb_lock(f.b);
	cfg->hold_acks = true;
	cfg->connack_props.present =
		MQTT_PROP_BIT(MQTT_PROP_RECEIVE_MAXIMUM) | MQTT_PROP_BIT(MQTT_PROP_MAXIMUM_QOS);
	cfg->connack_props.receive_maximum = 1;
	cfg->connack_props.maximum_qos = 1;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_publish_t pub = pub_of("out/a", 1), q2 = pub_of("out/a", 2), wild = pub_of("out/+", 0);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &q2, NULL, f.err, sizeof(f.err)), -1);
	SL_ASSERT_CONTAINS(f.err, "Maximum QoS 1");
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &wild, NULL, f.err, sizeof(f.err)), -1);
	SL_ASSERT_CONTAINS(f.err, "out/+");
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), 1);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), 0);
	fx_free(&f, c);
}

static void test_publish_resent_after_reconnect(void)
{
	fx_t f;
	char buf[200];
	fx_init(&f, MQTT_V5);
	fb_config_t *cfg = fb_lock(f.b);
	cfg->hold_acks = true;
	cfg->session_present = true;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_publish_t q1 = pub_of("out/1", 1), q2 = pub_of("out/2", 2);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &q1, NULL, f.err, sizeof(f.err)), 1);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &q2, NULL, f.err, sizeof(f.err)), 2);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBLISH, 2));
	mqtt_packet_t p1, p2, p;
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 0, MQTT_PUBLISH, 0, &p1, NULL));
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 0, MQTT_PUBLISH, 1, &p2, NULL));
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBREC, .packet_id = p2.packet_id});
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBREL, 1));
	/* the session is kept: PUBLISH again with DUP, PUBREL again */
	fb_drop(f.b);
	CU_ASSERT_TRUE(run_until_up(&f, c, 2));
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBREL, 2));
	SL_ASSERT_TEXT(fb_types(f.b, 1, buf, sizeof(buf)), "CONNECT PUBLISH PUBREL");
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 1, MQTT_PUBLISH, 0, &p, NULL));
	CU_ASSERT_TRUE(p.publish.dup);
	CU_ASSERT_EQUAL(p.packet_id, p1.packet_id);
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 1, MQTT_PUBREL, 0, &p, NULL));
	CU_ASSERT_EQUAL(p.packet_id, p2.packet_id);
	/* the session is gone: both are new publishes */
	fb_lock(f.b)->session_present = false;
	fb_unlock(f.b);
	fb_drop(f.b);
	CU_ASSERT_TRUE(run_until_up(&f, c, 3));
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBLISH, 5));
	SL_ASSERT_TEXT(fb_types(f.b, 2, buf, sizeof(buf)), "CONNECT SUBSCRIBE PUBLISH PUBLISH");
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 2, MQTT_PUBLISH, 0, &p, NULL));
	CU_ASSERT_FALSE(p.publish.dup);
	CU_ASSERT_TRUE_FATAL(fb_get(f.b, 2, MQTT_PUBLISH, 1, &p, NULL));
	CU_ASSERT_FALSE(p.publish.dup);
	CU_ASSERT_EQUAL(p.publish.qos, 2);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 0);
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_PUBACK, .packet_id = p1.packet_id});
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 1);
	fx_free(&f, c);
}

static void test_publish_refused_is_reported(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	fb_lock(f.b)->pub_reason = MQTT_RC_NOT_AUTHORIZED;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	mqtt_publish_t pub = pub_of("out/a", 1);
	CU_ASSERT_EQUAL(mqtt_client_publish(c, &pub, NULL, f.err, sizeof(f.err)), 1);
	CU_ASSERT_EQUAL(mqtt_client_refused(c, f.err, sizeof(f.err)), 0);
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PUBLISH, 1));
	run_for(&f, c, 100);
	CU_ASSERT_EQUAL(mqtt_client_published(c), 1); /* refused counts as done */
	CU_ASSERT_EQUAL(mqtt_client_refused(c, f.err, sizeof(f.err)), 1);
	SL_ASSERT_TEXT(f.err, "PUBACK 0x87 Not authorized");
	CU_ASSERT_EQUAL(mqtt_client_refused(c, f.err, sizeof(f.err)), 0);
	fx_free(&f, c);
}

/* ---- refusals and errors ------------------------------------------------------------ */

/* Runs a fresh client against f's broker until run fails; its error. */
static int run_until_fails(fx_t *f, mqtt_client_t *c)
{
	int64_t end = sl_now_ms() + 3000;
	while (sl_now_ms() < end)
		if (run(f, c, 10) != 0)
			return -1;
	return 0;
}

static void test_connack_refusals_v311_are_fatal(void)
{
	fx_t f;
	char want[128];
	fx_init(&f, MQTT_V311);
	fb_config_t *cfg = fb_lock(f.b);
	cfg->connack_rc[0] = 4;
	cfg->connack_rc[1] = 5;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_EQUAL(run_until_fails(&f, c), -1);
	snprintf(want, sizeof(want), "%s: CONNACK 4 ", f.uri);
	SL_ASSERT_CONTAINS(f.err, want);
	SL_ASSERT_CONTAINS(f.err, "bad user name or password");
	CU_ASSERT_EQUAL(run(&f, c, 10), -1); /* and stays so */
	mqtt_client_free(c);
	c = fx_client(&f);
	CU_ASSERT_EQUAL(run_until_fails(&f, c), -1);
	SL_ASSERT_CONTAINS(f.err, "CONNACK 5 ");
	SL_ASSERT_CONTAINS(f.err, "not authorized");
	CU_ASSERT_EQUAL(fb_conns(f.b), 2); /* no retry */
	fx_free(&f, c);
}

static void test_connack_refusals_v5_are_fatal(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	fb_config_t *cfg = fb_lock(f.b);
	cfg->connack_rc[0] = MQTT_RC_BAD_USERNAME_OR_PASSWORD;
	cfg->connack_rc[1] = MQTT_RC_NOT_AUTHORIZED;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_EQUAL(run_until_fails(&f, c), -1);
	SL_ASSERT_CONTAINS(f.err, "CONNACK 0x86 Bad User Name or Password");
	SL_ASSERT_CONTAINS(f.err, f.uri);
	mqtt_client_free(c);
	c = fx_client(&f);
	CU_ASSERT_EQUAL(run_until_fails(&f, c), -1);
	SL_ASSERT_CONTAINS(f.err, "CONNACK 0x87 Not authorized");
	fx_free(&f, c);
}

/* A subscription the broker refuses fails the client, naming the filter
 * and the code (3.1.1: 0x80 Failure; 5: the reason code's name). */
static void test_suback_refusal_is_fatal(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	fb_lock(f.b)->suback_code = 0x80;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_EQUAL(run_until_fails(&f, c), -1);
	SL_ASSERT_CONTAINS(f.err, "SUBACK refused 'in/#': 0x80");
	fx_free(&f, c);
	fx_init(&f, MQTT_V5);
	fb_lock(f.b)->suback_code = MQTT_RC_NOT_AUTHORIZED;
	fb_unlock(f.b);
	c = fx_client(&f);
	CU_ASSERT_EQUAL(run_until_fails(&f, c), -1);
	SL_ASSERT_CONTAINS(f.err, "0x87 Not authorized");
	fx_free(&f, c);
}

static void test_server_unavailable_is_retried(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	fb_lock(f.b)->connack_rc[0] = 3;
	fb_unlock(f.b);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_EQUAL(run(&f, c, 10), 0);
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), "CONNACK 3 ");
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), "Server unavailable");
	CU_ASSERT_TRUE(run_until_up(&f, c, 2));
	fx_free(&f, c);
}

static void test_server_disconnect_reconnects_or_fails(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	fb_send(f.b,
		&(mqtt_packet_t){.type = MQTT_DISCONNECT, .reason = MQTT_RC_SERVER_SHUTTING_DOWN});
	CU_ASSERT_TRUE(run_until_up(&f, c, 2));
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), "DISCONNECT 0x8B Server shutting down");
	fb_send(f.b, &(mqtt_packet_t){.type = MQTT_DISCONNECT, .reason = MQTT_RC_NOT_AUTHORIZED});
	CU_ASSERT_EQUAL(run_until_fails(&f, c), -1);
	SL_ASSERT_CONTAINS(f.err, "DISCONNECT 0x87 Not authorized");
	fx_free(&f, c);
}

/* Runs c until the broker saw a DISCONNECT on connection conn; its reason. */
static int disconnect_reason(fx_t *f, mqtt_client_t *c, int conn)
{
	int64_t end = sl_now_ms() + 3000;
	mqtt_packet_t p;
	while (fb_count(f->b, conn, MQTT_DISCONNECT) < 1 && sl_now_ms() < end)
		run(f, c, 10);
	return fb_get(f->b, conn, MQTT_DISCONNECT, 0, &p, NULL) ? p.reason : -1;
}

static void test_malformed_packets_disconnect_with_reason(void)
{
	fx_t f;
	fx_init(&f, MQTT_V5);
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	static const uint8_t bad_length[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
	fb_send_raw(f.b, bad_length, sizeof(bad_length));
	CU_ASSERT_EQUAL(disconnect_reason(&f, c, 0), MQTT_RC_MALFORMED_PACKET);
	CU_ASSERT_TRUE(run_until_up(&f, c, 2));
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), "Remaining Length");
	/* PUBLISH to "a/+": a protocol error */
	static const uint8_t wildcard[] = {0x30, 7, 0, 3, 'a', '/', '+', 0, 'x'};
	fb_send_raw(f.b, wildcard, sizeof(wildcard));
	CU_ASSERT_EQUAL(disconnect_reason(&f, c, 1), MQTT_RC_PROTOCOL_ERROR);
	CU_ASSERT_TRUE(run_until_up(&f, c, 3));
	/* a Topic Alias, though Topic Alias Maximum is 0 */
	mqtt_packet_t p = {.type = MQTT_PUBLISH,
			   .publish = {.topic = mqtt_str("in/a"), .payload = (const uint8_t *)"x"}};
	p.props.present = MQTT_PROP_BIT(MQTT_PROP_TOPIC_ALIAS);
	p.props.topic_alias = 1;
	fb_send(f.b, &p);
	CU_ASSERT_EQUAL(disconnect_reason(&f, c, 2), MQTT_RC_TOPIC_ALIAS_INVALID);
	CU_ASSERT_EQUAL(f.got.n, 0);
	fx_free(&f, c);
}

static void test_keepalive_pings_and_detects_a_silent_broker(void)
{
	fx_t f;
	fx_init(&f, MQTT_V311);
	f.o.keepalive = 1;
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	CU_ASSERT_TRUE(run_until_rx(&f, c, MQTT_PINGREQ, 1));
	run_for(&f, c, 300);
	CU_ASSERT_TRUE(mqtt_client_connected(c)); /* the broker answered */
	CU_ASSERT_EQUAL(fb_conns(f.b), 1);
	fb_lock(f.b)->no_pingresp = true;
	fb_unlock(f.b);
	int64_t end = sl_now_ms() + 5000;
	while (fb_conns(f.b) < 2 && sl_now_ms() < end)
		run(&f, c, 10);
	CU_ASSERT_EQUAL(fb_conns(f.b), 2);
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), "keepalive");
	fx_free(&f, c);
}

static void test_failover_to_the_second_uri(void)
{
	fx_t f;
	char closed[64];
	fx_init(&f, MQTT_V311);
	fb_t *gone = fb_start(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gone);
	snprintf(closed, sizeof(closed), "tcp://127.0.0.1:%d", fb_port(gone));
	fb_stop(gone);
	f.uris[0] = closed;
	f.uris[1] = f.uri;
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	char want[128];
	snprintf(want, sizeof(want), "%s: connection refused", closed);
	SL_ASSERT_TEXT(mqtt_client_last_error(c), want);
	fx_free(&f, c);
}

static void test_new_refuses_invalid_options(void)
{
	char err[256];
	const char *none[] = {NULL}, *http[] = {"http://h:1", NULL}, *tcp[] = {"tcp://h", NULL};
	const char *ssl[] = {"ssl://h", NULL};
	mqtt_sub_t bad = {.filter = mqtt_str("a/#/b")};
	mqtt_client_opts_t o = {.uris = none, .version = MQTT_V311};
	CU_ASSERT_PTR_NULL(mqtt_client_new(&o, err, sizeof(err)));
	SL_ASSERT_TEXT(err, "no broker URI");
	o.uris = http;
	CU_ASSERT_PTR_NULL(mqtt_client_new(&o, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "not a tcp:// or ssl:// URI");
	o.uris = tcp;
	o.subs = &bad;
	o.sub_count = 1;
	CU_ASSERT_PTR_NULL(mqtt_client_new(&o, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "a/#/b");
	o.uris = ssl;
	o.sub_count = 0;
	o.tls.ca_file = "/nonexistent/ca.pem";
	CU_ASSERT_PTR_NULL(mqtt_client_new(&o, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "/nonexistent/ca.pem");
}

/* ---- TLS ----------------------------------------------------------------------------- */

/* A self-signed certificate for localhost and 127.0.0.1 in dir/name.pem,
 * key dir/name.key; false when the openssl command is not there. */
static bool make_cert(const char *dir, const char *name)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
		 "-keyout %s/%s.key -out %s/%s.pem >/dev/null 2>&1",
		 dir, name, dir, name);
	return system(cmd) == 0;
}

static void test_tls_verifies_the_broker_certificate(void)
{
	char dir[] = "/tmp/sluice-mqtt-tls-XXXXXX", cert[128], key[128], other[128];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	if (!make_cert(dir, "broker") || !make_cert(dir, "other")) {
		printf("\n    notice: no openssl command: TLS test skipped\n");
		return;
	}
	snprintf(cert, sizeof(cert), "%s/broker.pem", dir);
	snprintf(key, sizeof(key), "%s/broker.key", dir);
	snprintf(other, sizeof(other), "%s/other.pem", dir);
	fx_t f;
	fx_init(&f, MQTT_V5);
	fb_stop(f.b);
	f.b = fb_start(cert, key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f.b);
	snprintf(f.uri, sizeof(f.uri), "ssl://localhost:%d", fb_port(f.b));
	f.o.tls = (mqtt_tls_t){.ca_file = cert, .verify = true};
	mqtt_client_t *c = fx_client(&f);
	CU_ASSERT_TRUE(run_until_up(&f, c, 1));
	send_publish(&f, 1, 3, "secret", false);
	CU_ASSERT_TRUE(run_until_msgs(&f, c, 1));
	SL_ASSERT_TEXT(f.got.payload[0], "secret");
	mqtt_client_free(c);
	/* a CA that did not sign it */
	f.o.tls.ca_file = other;
	c = fx_client(&f);
	run_for(&f, c, 200);
	CU_ASSERT_FALSE(mqtt_client_connected(c));
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), "certificate verify failed");
	SL_ASSERT_CONTAINS(mqtt_client_last_error(c), f.uri);
	fx_free(&f, c);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* The client logs every connection; the tests make many. */
static sl_log_level_t saved_level;

static int suite_init(void)
{
	saved_level = sl_log_get_level();
	sl_log_set_level(SL_LOG_ERROR);
	return 0;
}

static int suite_cleanup(void)
{
	sl_log_set_level(saved_level);
	return 0;
}

void mqtt_client_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"connect v3.1.1 fields then subscribe", test_connect_v311_fields_then_subscribe},
		{"connect v5 properties", test_connect_v5_properties},
		{"subscribe again only without session", test_subscribe_again_only_without_session},
		{"qos1 acks go out in arrival order", test_qos1_acks_go_out_in_arrival_order},
		{"qos1 id in use: delivered again, one PUBACK",
		 test_qos1_id_in_use_delivered_again_one_puback},
		{"run returns early once messages arrived",
		 test_run_returns_early_once_messages_arrived},
		{"qos2 pubrec after ack and pubcomp on pubrel",
		 test_qos2_pubrec_after_ack_and_pubcomp_on_pubrel},
		{"reconnect ignores old tokens and delivers redelivery",
		 test_reconnect_ignores_old_tokens_and_delivers_redelivery},
		{"publish qos1 completes on puback in token order",
		 test_publish_qos1_completes_on_puback_in_token_order},
		{"publish qos2 completes on pubcomp", test_publish_qos2_completes_on_pubcomp},
		{"publish window full returns zero", test_publish_window_full_returns_zero},
		{"publish window follows server receive maximum",
		 test_publish_window_follows_server_receive_maximum},
		{"publish resent after reconnect", test_publish_resent_after_reconnect},
		{"publish refused is reported", test_publish_refused_is_reported},
		{"connack refusals v3.1.1 are fatal", test_connack_refusals_v311_are_fatal},
		{"connack refusals v5 are fatal", test_connack_refusals_v5_are_fatal},
		{"suback refusal is fatal", test_suback_refusal_is_fatal},
		{"server unavailable is retried", test_server_unavailable_is_retried},
		{"server disconnect reconnects or fails",
		 test_server_disconnect_reconnects_or_fails},
		{"malformed packets disconnect with reason",
		 test_malformed_packets_disconnect_with_reason},
		{"keepalive pings and detects a silent broker",
		 test_keepalive_pings_and_detects_a_silent_broker},
		{"failover to the second uri", test_failover_to_the_second_uri},
		{"new refuses invalid options", test_new_refuses_invalid_options},
		{"tls verifies the broker certificate", test_tls_verifies_the_broker_certificate},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("mqtt_client", suite_init, suite_cleanup, tests);
}
