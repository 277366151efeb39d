/* The MQTT client's transport: tcp:// and ssl:// URIs, an OpenSSL context
 * per client, a non-blocking socket connected (and TLS handshaken) within
 * a deadline, and reads and writes that never block. Knows nothing of
 * MQTT packets. */
#ifndef SL_MQTT_CONN_H
#define SL_MQTT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mqtt_client.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

/* A parsed broker URI; owns its strings. */
typedef struct mqtt_uri {
	char *text; /* as given, for messages */
	char *host; /* without [] around an IPv6 literal */
	char *port;
	bool tls;
} mqtt_uri_t;

/* Parses "tcp://host[:port]" or "ssl://host[:port]" ("[v6]:port" too).
 * Returns 0, or -1 with err. */
int mqtt_uri_parse(const char *s, mqtt_uri_t *u, char *err, size_t errlen);
void mqtt_uri_free(mqtt_uri_t *u);

/* A TLS client context from t: CA file (or the system's), client
 * certificate and key, peer verification. NULL with err (naming the file
 * and OpenSSL's reason) when a file cannot be loaded. Free with
 * mqtt_tls_ctx_free (NULL is a no-op). */
SSL_CTX *mqtt_tls_ctx_new(const mqtt_tls_t *t, char *err, size_t errlen);
void mqtt_tls_ctx_free(SSL_CTX *ctx);

/* One connection: a non-blocking socket, and an SSL on it for ssl://. */
typedef struct mqtt_conn {
	int fd;                                  /* -1: closed */
	SSL *ssl;                                /* NULL for tcp:// */
	bool read_wants_write, write_wants_read; /* TLS renegotiation states */
} mqtt_conn_t;

#define MQTT_CONN_INIT                                                                             \
	{                                                                                          \
		.fd = -1                                                                           \
	}

/* Connects to u by TCP (every address of its host in turn, TCP_NODELAY)
 * and, for ssl://, handshakes with ctx (SNI, and host name verification
 * when verify), all before deadline (sl_now_ms() milliseconds). Returns 0,
 * or -1 with err ("connection refused", "timed out", "TLS handshake:
 * certificate verify failed: self-signed certificate") and c closed. */
int mqtt_conn_open(mqtt_conn_t *c, const mqtt_uri_t *u, SSL_CTX *ctx, bool verify, int64_t deadline,
		   char *err, size_t errlen);
/* Reads up to n bytes: > 0 read, 0 nothing now (would block), -1 closed
 * by the peer or failed, with err. */
ssize_t mqtt_conn_read(mqtt_conn_t *c, void *p, size_t n, char *err, size_t errlen);
/* Writes up to n bytes: >= 0 written (0: would block), -1 with err. */
ssize_t mqtt_conn_write(mqtt_conn_t *c, const void *p, size_t n, char *err, size_t errlen);
/* The poll(2) events to wait for: POLLIN always, POLLOUT when there is
 * output or TLS wants to write. */
short mqtt_conn_events(const mqtt_conn_t *c, bool have_output);
/* Waits until the connection is readable (or writable, with have_output)
 * or timeout_ms passed (-1 on poll failure). */
int mqtt_conn_wait(const mqtt_conn_t *c, bool have_output, int timeout_ms);
/* Closes (a TLS close_notify first, without waiting); c is then closed. */
void mqtt_conn_close(mqtt_conn_t *c);

#endif
