/* The MQTT client's state, shared by its connection loop (mqtt_client.c)
 * and its QoS 1/2 bookkeeping in both directions (mqtt_flow.c). */
#ifndef SL_MQTT_CLIENT_PRIV_H
#define SL_MQTT_CLIENT_PRIV_H

#include "mqtt_client.h"
#include "mqtt_conn.h"
#include "sluice/backoff.h"
#include "sluice/buf.h"

/* A received QoS 1/2 PUBLISH, in arrival order. */
typedef enum in_state {
	IN_WAIT = 0, /* handed to the caller, not acked by it */
	IN_ACKED,    /* acked by the caller; its PUBACK/PUBREC not yet sent */
	IN_RECEIVED, /* QoS 2: PUBREC sent, waiting for PUBREL */
	IN_DONE,     /* PUBACK (QoS 1) or PUBCOMP (QoS 2) sent */
} in_state_t;

typedef struct in_msg {
	uint16_t id;
	uint8_t qos;
	uint8_t state;
} in_msg_t;

/* A publish of the caller, by token. */
typedef enum out_state {
	OUT_QUEUED = 0, /* not sent on this connection (yet, or again as new) */
	OUT_SENT,       /* written (QoS 0: to the write queue, until end is flushed) */
	OUT_RECEIVED,   /* QoS 2: PUBREC received, PUBREL sent */
	OUT_RESEND,     /* QoS 1/2 sent on an earlier connection: again with DUP */
	OUT_RESEND_REL, /* QoS 2 PUBRECed on an earlier connection: PUBREL again */
	OUT_DONE,
} out_state_t;

typedef struct out_msg {
	uint8_t *bytes; /* the encoded PUBLISH; freed when done */
	size_t len;
	uint64_t end; /* QoS 0: c->wq_total once it was queued */
	uint16_t id;
	uint8_t qos;
	uint8_t state;
} out_msg_t;

typedef struct refusal {
	uint64_t token;
	char *why;
} refusal_t;

/* The packet id map's mark of the pending SUBSCRIBE. */
#define MQTT_SUB_MARK UINT64_MAX

struct mqtt_client {
	/* options, copied */
	mqtt_uri_t *uris;
	size_t nuris, uri_idx;
	mqtt_version_t v;
	char *client_id, *username, *password, *tag;
	bool clean_start, verify;
	uint32_t session_expiry, max_packet;
	uint16_t keepalive, receive_maximum, max_inflight;
	int connect_timeout_ms;
	mqtt_sub_t *subs;
	size_t nsubs;
	SSL_CTX *ssl_ctx;

	/* the connection */
	mqtt_conn_t conn;
	bool up;          /* CONNACK accepted */
	bool sub_pending; /* SUBSCRIBE sent, SUBACK not yet received */
	bool subscribed_once;
	bool rm_warned; /* the broker went past our Receive Maximum (warned once) */
	uint16_t sub_id;
	uint32_t gen; /* connection generation: the token's high half */
	sl_buf_t rbuf, wbuf;
	size_t roff, woff;          /* consumed / written prefixes */
	size_t need;                /* the size of the incomplete packet at roff */
	uint64_t wq_total, w_total; /* bytes queued / written on this connection */
	int64_t last_send, last_recv, up_since;
	bool ping_out;
	uint16_t ka; /* keepalive in force (the server's, when it says) */
	uint16_t srv_receive_max;
	uint8_t srv_max_qos;
	bool srv_retain;
	uint32_t srv_max_packet; /* 0: none */
	sl_backoff_t backoff;
	int64_t next_attempt;
	char last_error[512];
	char fatal[512]; /* non-empty: the client cannot go on */

	/* received QoS 1/2 messages, by arrival sequence */
	in_msg_t *in;
	size_t in_cap, in_head, in_count, in_live;
	uint32_t in_seq_head, in_seq_next, in_ack_next;
	uint32_t *in_ids; /* packet id -> sequence (checked against the ring) */

	/* publishes, by token */
	out_msg_t *out;
	size_t out_cap, out_head, out_count;
	uint64_t out_first, last_token, published, feed_next;
	size_t unfinished, inflight_sent, q0_queued;
	uint64_t *out_ids; /* packet id -> token, MQTT_SUB_MARK, 0 free */
	uint16_t next_id;
	refusal_t *refused;
	size_t nrefused, refused_cap;
	bool completed; /* a publish completed in this run */
	char refusal_text[512];
};

/* ---- mqtt_client.c: the connection --------------------------------------- */

/* Queues pkt on the connection's write queue; an encoding failure is a bug
 * in the client (logged). */
void mqtt_client_queue(mqtt_client_t *c, const mqtt_packet_t *pkt);
/* Closes the connection: DISCONNECT with reason first (MQTT 5, reason
 * non-zero), last_error "<uri>: <why>", reconnection after the backoff. */
void mqtt_client_drop(mqtt_client_t *c, uint8_t reason, const char *fmt, ...) SL_PRINTF(3, 4);

/* ---- mqtt_flow.c: QoS 1/2 in both directions ----------------------------- */

void mqtt_flow_free(mqtt_client_t *c);
/* A new connection: the ring of received messages starts empty. */
void mqtt_flow_in_reset(mqtt_client_t *c);
/* A received QoS 1/2 PUBLISH: 1 when it is to be handed to the caller
 * with *token, 0 when it is a duplicate (answered or ignored), -1 after
 * dropping the connection (Receive Maximum exceeded). */
int mqtt_flow_in_publish(mqtt_client_t *c, const mqtt_packet_t *pkt, uint64_t *token);
/* Queues the PUBACKs and PUBRECs of the acked prefix. */
void mqtt_flow_in_send_acks(mqtt_client_t *c);
void mqtt_flow_in_pubrel(mqtt_client_t *c, uint16_t id);

/* The connection dropped: what was in flight is to be sent again. */
void mqtt_flow_out_dropped(mqtt_client_t *c);
/* CONNACK accepted: with no session present, publishes in flight are new. */
void mqtt_flow_out_connected(mqtt_client_t *c, bool session_present);
/* Moves queued publishes to the write queue as the windows allow. */
void mqtt_flow_out_feed(mqtt_client_t *c);
/* QoS 0 publishes whose bytes are now written are done. */
void mqtt_flow_out_written(mqtt_client_t *c);
void mqtt_flow_out_ack(mqtt_client_t *c, const mqtt_packet_t *pkt);
/* A free packet id, 0 when all 65,535 are in use. */
uint16_t mqtt_flow_alloc_id(mqtt_client_t *c);

#endif
