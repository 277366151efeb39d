/* sluice's MQTT client: one connection at a time to a broker (the first of
 * a failover list of tcp:// and ssl:// URIs that answers), a persistent
 * session, QoS 0, 1 and 2 in both directions, on mqtt_codec.
 *
 * What sets it apart from libmosquitto and Paho: a received QoS 1 or 2
 * message is acknowledged to the broker (PUBACK, or PUBREC) only when the
 * caller says so with mqtt_client_ack, and acknowledgements go out in the
 * order the messages arrived, each once it and every message before it
 * were acked (MQTT requires that order). A caller that acks a message
 * only after Kafka acknowledged the record made from it loses nothing
 * when it dies: the broker sends the unacknowledged messages again to the
 * session.
 *
 * Single-threaded: every call on the owner's thread. Nothing blocks except
 * mqtt_client_run, at most for its timeout (a connection attempt at most
 * for connect_timeout_ms). A dropped connection is reconnected inside
 * mqtt_client_run with backoff (100 ms doubling to 10 s, jittered); the
 * session resumes (clean start off), messages received on the old
 * connection and not yet acked can no longer be acked (their tokens are
 * ignored: the broker sends them again), and QoS 1/2 publishes not yet
 * completed are sent again with DUP set (PUBREL again for those that got
 * their PUBREC). */
#ifndef SL_MQTT_CLIENT_H
#define SL_MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtt_codec.h"

typedef struct mqtt_client mqtt_client_t;

typedef struct mqtt_tls {
	const char *ca_file;      /* PEM CA bundle; NULL: the system's */
	const char *cert_file;    /* PEM client certificate; NULL: none */
	const char *key_file;     /* PEM key of cert_file (cert_file when NULL) */
	const char *key_password; /* may be NULL */
	bool verify;              /* peer certificate and host name */
} mqtt_tls_t;

typedef struct mqtt_client_opts {
	/* "tcp://host:port" or "ssl://host:port" (port default 1883 / 8883),
	 * NULL-terminated, tried in order at every (re)connection. */
	const char *const *uris;
	mqtt_version_t version;
	const char *client_id;   /* may be empty with clean_start (the broker assigns one) */
	bool clean_start;        /* MQTT 5 Clean Start; 3.1.1 Clean Session */
	uint32_t session_expiry; /* MQTT 5: seconds the session outlives the connection */
	uint16_t keepalive;      /* seconds; 0 none */
	int connect_timeout_ms;  /* TCP + TLS + CONNACK */
	const char *username;    /* NULL: none */
	const char *password;    /* NULL: none */
	mqtt_tls_t tls;          /* used for ssl:// URIs */
	/* MQTT 5: how many QoS 1/2 messages the broker may have sent us
	 * without acknowledgement (Receive Maximum); 0: 65,535. Under 3.1.1
	 * the broker's own setting decides (mosquitto: max_inflight_messages). */
	uint16_t receive_maximum;
	/* Largest packet accepted from the broker (MQTT 5 Maximum Packet
	 * Size, sent in CONNECT); 0: 256 MiB. A larger one is a protocol
	 * error: DISCONNECT 0x95 and reconnect. */
	uint32_t max_packet;
	/* Publishing: QoS 1/2 PUBLISHes sent and not completed at most (the
	 * broker's Receive Maximum lowers it under MQTT 5); 0: 65,535. */
	uint16_t max_inflight;
	/* Subscriptions, made after every connection whose CONNACK says no
	 * session is present, and after the first connection of this client
	 * whatever it says (the list may have changed). MQTT 5 subscribes
	 * with each entry's options as given (mqtt-source asks for Retain
	 * Handling 1: retained messages only for a new subscription); 3.1.1
	 * uses filter and QoS only. */
	const mqtt_sub_t *subs;
	size_t sub_count;
	const char *tag; /* log lines: "[tag] ..." */
} mqtt_client_opts_t;

/* A received PUBLISH, handed to mqtt_on_message_fn: every view is valid
 * during the callback only. */
typedef struct mqtt_message {
	mqtt_str_t topic; /* a Topic Alias already resolved */
	const uint8_t *payload;
	size_t payload_len;
	uint8_t qos;
	bool retain, dup;
	uint16_t packet_id;        /* 0 for QoS 0 */
	const mqtt_props_t *props; /* MQTT 5 properties; NULL under 3.1.1 */
	/* For mqtt_client_ack: 0 for QoS 0 (nothing to acknowledge). */
	uint64_t token;
} mqtt_message_t;

/* Called for each message received, in the order they arrived. Returning
 * non-zero stops the delivery of further messages in this run (they stay
 * buffered for the next one). */
typedef int (*mqtt_on_message_fn)(void *arg, const mqtt_message_t *m);

/* A client with copies of o's strings and lists; nothing is connected
 * before mqtt_client_run. NULL with err when o is invalid (no URI, a URI
 * that is not tcp:// or ssl://, an ssl:// URI whose TLS files cannot be
 * loaded, an invalid filter). */
mqtt_client_t *mqtt_client_new(const mqtt_client_opts_t *o, char *err, size_t errlen);
/* Sends DISCONNECT (normal) when connected, closes and frees. Messages not
 * acked stay with the broker's session (sent again at the next
 * connection); publishes not completed are dropped. NULL is a no-op. */
void mqtt_client_free(mqtt_client_t *c);

/* Does the client's work for up to timeout_ms (returns early once it
 * delivered messages, or once a publish completed or window room opened
 * when the caller waits for that: see mqtt_client_unfinished): connects
 * when not connected (after the backoff), sends the acks that became due
 * and the queued publishes, reads what arrived and hands up to
 * max_messages PUBLISHes to on_message (may be NULL when subscribed to
 * nothing), answers PUBREL with PUBCOMP and PUBREC with PUBREL, sends
 * PINGREQ within the keepalive, and notices a dead connection (no answer
 * within 1.5 keepalives, a malformed packet: DISCONNECT with the reason
 * code, then reconnect).
 * Returns 0, or -1 with err when the client cannot go on: the broker
 * refused the connection for a reason that waiting does not cure (bad
 * user name or password, not authorized, client id not valid, protocol
 * version not supported, banned) or refused a subscription; err names the
 * URI and the reason code with its name. A broker that cannot be reached
 * or answers "server unavailable" / "busy" is tried again, with the
 * reason kept for mqtt_client_last_error. */
int mqtt_client_run(mqtt_client_t *c, int timeout_ms, mqtt_on_message_fn on_message, void *arg,
		    size_t max_messages, char *err, size_t errlen);

/* The message of token may be acknowledged: its PUBACK (QoS 1) or PUBREC
 * (QoS 2) goes out in the next mqtt_client_run once every message that
 * arrived before it on the same connection is acked too. A token of an
 * earlier connection, 0, or one acked already is ignored. */
void mqtt_client_ack(mqtt_client_t *c, uint64_t token);

/* Queues a PUBLISH (topic, payload and props are copied). QoS 0 is done
 * once written to the socket; QoS 1 when its PUBACK, QoS 2 when its
 * PUBCOMP arrives. Returns its token (> 0; increasing by one per call),
 * 0 when the window (max_inflight, or the broker's Receive Maximum) is
 * full: run the client and try again; -1 with err when the message is
 * not valid (a topic with wildcards, over the broker's Maximum Packet
 * Size, QoS 2 above the broker's Maximum QoS, ...). */
int64_t mqtt_client_publish(mqtt_client_t *c, const mqtt_publish_t *pub, const mqtt_props_t *props,
			    char *err, size_t errlen);
/* The largest token t such that every publish up to t is done (0: none). */
uint64_t mqtt_client_published(const mqtt_client_t *c);
/* Publishes queued or in flight, not yet done. */
size_t mqtt_client_unfinished(const mqtt_client_t *c);
/* A publish the broker refused for good (MQTT 5 PUBACK/PUBREC reason code
 * 0x80 or above) counts as done; this returns the first such token not
 * yet asked about, with the reason in err, or 0. */
uint64_t mqtt_client_refused(mqtt_client_t *c, char *err, size_t errlen);

/* Whether a connection is up (CONNACK accepted, subscriptions made). */
bool mqtt_client_connected(const mqtt_client_t *c);
/* Why the last connection attempt failed or the connection dropped ("" when
 * none did); static until the next call on c. */
const char *mqtt_client_last_error(const mqtt_client_t *c);
/* Messages received on the current connection and not yet acknowledged to
 * the broker (acked or not by the caller). */
size_t mqtt_client_unacked(const mqtt_client_t *c);

#endif
