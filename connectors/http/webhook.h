/* webhook-source internals: the task's state, shared by libmicrohttpd's
 * thread (the listener), the timer thread and the task thread; the life
 * of a request; and the pure checks (signatures, content types) that the
 * unit tests reach directly. */
#ifndef SL_WEBHOOK_H
#define SL_WEBHOOK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sluice/connector.h"

struct MHD_Daemon;
struct MHD_Connection;

typedef enum webhook_sig_format {
	WEBHOOK_SIG_GITHUB = 0, /* X-Hub-Signature-256: sha256=<hex of HMAC(body)> */
	WEBHOOK_SIG_STRIPE,     /* Stripe-Signature: t=<ts>,v1=<hex of HMAC("<ts>.<body>")> */
	WEBHOOK_SIG_HEX,        /* <header>: <hex of HMAC(body)> */
} webhook_sig_format_t;

typedef enum webhook_value_format {
	WEBHOOK_VALUE_AUTO = 0, /* JSON for JSON media types, text for text/..., else bytes */
	WEBHOOK_VALUE_JSON,
	WEBHOOK_VALUE_STRING,
	WEBHOOK_VALUE_BYTES,
} webhook_value_format_t;

/* The connector's options (sl_options_load). */
typedef struct webhook_config {
	char *address;
	int64_t port;
	char *path;
	int64_t max_connections;
	char *topic;
	bool split;
	char *key_pointer;
	char *key_header;
	char **headers;
	int value_format; /* webhook_value_format_t */
	char **content_types;
	int64_t max_body;
	int64_t request_timeout_ms;
	int64_t max_inflight;
	int64_t ack_timeout_ms;
	int64_t retry_after_s;
	int64_t ok_status;
	char *sig_secret;
	int sig_format; /* webhook_sig_format_t */
	char *sig_header;
	int64_t sig_tolerance_s;
} webhook_config_t;

/* A copied request header that becomes a record header. */
typedef struct webhook_hdr {
	char *name; /* as configured in webhook.headers */
	char *value;
	size_t len;
} webhook_hdr_t;

struct webhook_conn;

/* One request. Its life: RECEIVING (the body arrives), QUEUED (complete,
 * its connection suspended, waiting for poll), WRITING (its records are
 * with the worker), and answered (status set, connection resumed) from
 * any of them. It counts against webhook.max.inflight from QUEUED on,
 * when it is really waiting for Kafka; while RECEIVING it is bounded by
 * its connection (listener.max.connections) and webhook.request.timeout.ms
 * instead, so that slow or stalled senders cannot crowd out the rest.
 * It is freed when its last reference goes: one for the connection (until
 * libmicrohttpd's completed callback), one while it is queued or being
 * turned into records by poll, one per record not yet acknowledged
 * (ack_data). Every field below "lock-protected" is read and
 * written under the task's lock; the body fields belong to the listener
 * until the request is queued and to poll after. */
typedef struct webhook_req {
	struct MHD_Connection *conn;
	sl_buf_t body;
	size_t received; /* body bytes seen, kept or not */
	bool too_large;
	bool body_done; /* listener thread only: the complete body was seen */
	bool json;      /* the body is parsed into root */
	bool as_bytes;  /* the value is BYTES (else STRING) when not json */
	json_t *root;
	char *key; /* from webhook.key.header; NULL when none */
	size_t key_len;
	webhook_hdr_t *hdrs;
	size_t nhdrs;
	size_t built;            /* poll only: the records it made */
	struct webhook_conn *wc; /* listener thread only: its connection */
	/* lock-protected */
	int refs;
	bool counted;        /* complete and holding a webhook.max.inflight slot */
	size_t nrecords;     /* records made of it, for the answer */
	size_t records_left; /* records not yet acknowledged */
	bool queued;
	bool answered;
	bool suspended;
	int status;
	const char *reason; /* static text; NULL for success */
	int64_t deadline_ms;
	struct webhook_req *qnext;         /* the poll queue */
	struct webhook_req *wprev, *wnext; /* unanswered, by deadline */
} webhook_req_t;

/* Where a connection is in receiving its requests. */
typedef enum webhook_conn_state {
	WEBHOOK_CONN_RECEIVING = 0, /* a request is awaited or arriving: deadline */
	WEBHOOK_CONN_BUSY,          /* its request arrived whole, or was refused */
	WEBHOOK_CONN_IDLE,          /* keep-alive between requests: deadline */
	WEBHOOK_CONN_CUT,           /* past its deadline: answered 408 or shut; closing */
} webhook_conn_state_t;

/* One client connection, from accept to close (libmicrohttpd's socket
 * context). A request must arrive whole, headers and body, within
 * webhook.request.timeout.ms: counted from the accept for the first
 * request, from its request line for a later one on a keep-alive
 * connection. Between requests the connection is idle, and is closed when
 * no request line followed its last answer within the idle timeout. The
 * timer thread enforces both deadlines; fd is libmicrohttpd's socket,
 * which stays open until it reports the connection closed and the context
 * is freed (under the lock). Every field is lock-protected. */
typedef struct webhook_conn {
	int fd;
	webhook_conn_state_t state;
	webhook_req_t *req; /* the request being received; NULL before its headers */
	int64_t deadline_ms;
	struct webhook_conn *prev, *next; /* on the receiving or the idle list */
} webhook_conn_t;

typedef struct webhook_task {
	webhook_config_t cfg;
	sl_task_ctx_t *ctx; /* only for sl_task_stopping off the task thread */
	char *tag;          /* the task's tag, for logs from other threads */
	json_t *partition;  /* {"webhook": "<address>:<port><path>"} */
	struct MHD_Daemon *daemon;
	int port; /* the bound port */
	pthread_t timer;
	bool timer_started;
	size_t records_out; /* task thread only: records not yet acked */
	/* lock-protected */
	pthread_mutex_t lock;
	pthread_cond_t wake_poll;  /* a request was queued */
	pthread_cond_t wake_timer; /* a deadline was added, or stopping */
	pthread_cond_t wake_stop;  /* a request's connection completed */
	bool stopping;
	webhook_req_t *qhead, *qtail;
	webhook_req_t *whead, *wtail;
	webhook_conn_t *rhead, *rtail; /* RECEIVING connections, by deadline */
	webhook_conn_t *ihead, *itail; /* IDLE connections, by deadline */
	size_t inflight;               /* received whole and not answered: webhook.max.inflight */
	size_t live;                   /* requests whose connection has not completed */
	char rejected;                 /* its address marks a connection answered at once */
} webhook_task_t;

/* ---- the listener (webhook_listener.c) ---- */

/* Binds cfg.address:cfg.port and starts libmicrohttpd and the timer
 * thread. Returns SL_OK; SL_RETRY when the port is in use (another process
 * may let it go); SL_FAIL for what cannot pass (a bad address, a
 * privileged port). The reason goes to sl_task_fail. */
sl_rc_t webhook_listener_start(webhook_task_t *st, sl_task_ctx_t *ctx);
/* Answers every request not yet answered with 503, gives their answers a
 * moment to leave, stops libmicrohttpd and the timer thread, and frees
 * the requests left. Called by the task thread at stop (after the last
 * acked). */
void webhook_listener_stop(webhook_task_t *st);
/* Under the lock: decides r's answer (ignored when it already has one),
 * takes it off the deadline list and, when it was counted, out of the
 * in-flight count. Returns the connection to resume (outside the lock,
 * with MHD_resume_connection) or NULL. */
struct MHD_Connection *webhook_answer_locked(webhook_task_t *st, webhook_req_t *r, int status,
					     const char *reason);
/* Under the lock: drops one reference; frees r at the last. */
void webhook_req_unref_locked(webhook_task_t *st, webhook_req_t *r);
/* Resumes conn when not NULL (outside the lock). */
void webhook_resume(struct MHD_Connection *conn);

/* ---- pure checks (webhook_sig.c) ---- */

/* Whether the media type of content_type (NULL: none, taken as
 * "application/octet-stream") is one of allowed: "type/subtype", "type/ *",
 * "* / *" (written without the blanks) or "type/ *+suffix", compared
 * without case and parameters. */
bool webhook_media_allowed(const char *const *allowed, const char *content_type);
/* Whether the media type of content_type is JSON (application/json or a
 * "+json" subtype), or text (text/...). */
bool webhook_media_is_json(const char *content_type);
bool webhook_media_is_text(const char *content_type);

/* Checks the HMAC-SHA256 signature header value sig (NULL: missing) of
 * body under secret in format fmt; now is the wall clock (seconds) and
 * tolerance_s how far a Stripe timestamp may be from it. Compares in
 * constant time. Returns true when it matches; else false with why (a
 * static text that reveals nothing of the secret or the right value). */
bool webhook_sig_check(webhook_sig_format_t fmt, const char *secret, const char *sig,
		       const void *body, size_t len, time_t now, int64_t tolerance_s,
		       const char **why);
/* The hex HMAC-SHA256 of the concatenation of a (alen bytes) and b under
 * secret into out (65 bytes): for tests and for signing. */
void webhook_hmac_hex(const char *secret, const void *a, size_t alen, const void *b, size_t blen,
		      char out[65]);

#endif
