/* A scripted MQTT broker for the client's unit tests: a thread on a
 * loopback port (TLS when given a certificate) that takes one connection
 * at a time, records every packet the client sends, answers CONNECT,
 * SUBSCRIBE, PUBLISH, PUBREL and PINGREQ as its configuration says, and
 * sends, drops or corrupts what the test asks for. */
#ifndef SL_FAKE_BROKER_H
#define SL_FAKE_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtt_codec.h"

typedef struct fb fb_t;

/* What the broker answers; change it between fb_lock and fb_unlock. */
typedef struct fb_config {
	uint8_t connack_rc[8]; /* connection i's CONNACK return / reason code */
	bool session_present;
	mqtt_props_t connack_props; /* MQTT 5; numbers only */
	uint8_t suback_code;        /* 0: grant the QoS asked for; else this code */
	bool hold_acks;             /* no PUBACK / PUBREC / PUBCOMP for the client's */
	uint8_t pub_reason;         /* MQTT 5 reason of PUBACK / PUBREC */
	bool no_pingresp;
} fb_config_t;

/* Starts the broker on 127.0.0.1 and an ephemeral port; with cert_file
 * and key_file (PEM), it speaks TLS. NULL on failure (printed). */
fb_t *fb_start(const char *cert_file, const char *key_file);
/* Stops the thread, closes and frees everything. NULL is a no-op. */
void fb_stop(fb_t *b);
int fb_port(const fb_t *b);

fb_config_t *fb_lock(fb_t *b);
void fb_unlock(fb_t *b);

/* Sends pkt (encoded for the current connection's version) or raw bytes
 * on the current connection; nothing when there is none. */
void fb_send(fb_t *b, const mqtt_packet_t *pkt);
void fb_send_raw(fb_t *b, const void *bytes, size_t len);
/* Closes the current connection once what was sent before is written. */
void fb_drop(fb_t *b);

/* Connections accepted so far, and whether one is open now. */
int fb_conns(fb_t *b);
bool fb_connected(fb_t *b);
/* Packets of type received so far (conn -1: on any connection). */
size_t fb_count(fb_t *b, int conn, mqtt_type_t type);
/* The nth (from 0) packet of type received (conn -1: any), decoded into
 * *out (its views stay valid until fb_stop); *conn_out (may be NULL) its
 * connection. false when there is none. */
bool fb_get(fb_t *b, int conn, mqtt_type_t type, size_t nth, mqtt_packet_t *out, int *conn_out);
/* The sequence of packet types received on connection conn, as in
 * "CONNECT SUBSCRIBE PUBACK", into buf. */
const char *fb_types(fb_t *b, int conn, char *buf, size_t size);

#endif
