/* The scripted MQTT broker of the client's unit tests (fake_broker.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fake_broker.h"
#include "sluice/buf.h"

typedef struct fb_rx {
	int conn;
	mqtt_version_t v;
	uint8_t *bytes;
	size_t len;
} fb_rx_t;

struct fb {
	pthread_t thread;
	pthread_mutex_t mu;
	int lfd, cfd, wake[2], port;
	SSL_CTX *ctx;
	SSL *ssl;
	volatile bool stop;
	bool drop;
	int nconns;
	mqtt_version_t v; /* of the current connection */
	fb_config_t cfg;
	sl_buf_t in, out;
	fb_rx_t *rx;
	size_t nrx, rx_cap;
};

/* ---- the connection (broker thread) ---------------------------------------------- */

static void conn_close(fb_t *b)
{
	if (b->ssl) {
		SSL_shutdown(b->ssl);
		SSL_free(b->ssl);
		b->ssl = NULL;
	}
	if (b->cfd >= 0)
		close(b->cfd);
	b->cfd = -1;
	b->drop = false;
	sl_buf_reset(&b->in);
	sl_buf_reset(&b->out);
	ERR_clear_error();
}

static void conn_accept(fb_t *b)
{
	int fd = accept(b->lfd, NULL, NULL);
	if (fd < 0)
		return;
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	pthread_mutex_lock(&b->mu);
	b->cfd = fd;
	b->v = MQTT_V311;
	b->nconns++;
	pthread_mutex_unlock(&b->mu);
	if (!b->ctx)
		return;
	b->ssl = SSL_new(b->ctx);
	SSL_set_fd(b->ssl, fd);
	if (SSL_accept(b->ssl) != 1) {
		pthread_mutex_lock(&b->mu);
		conn_close(b);
		pthread_mutex_unlock(&b->mu);
	}
}

/* Writes out; with the lock held. */
static void conn_flush(fb_t *b)
{
	size_t off = 0;
	while (b->cfd >= 0 && off < b->out.len) {
		ssize_t w =
			b->ssl ? SSL_write(b->ssl, b->out.data + off, (int)(b->out.len - off))
			       : send(b->cfd, b->out.data + off, b->out.len - off, MSG_NOSIGNAL);
		if (w <= 0) {
			conn_close(b);
			return;
		}
		off += (size_t)w;
	}
	sl_buf_reset(&b->out);
}

static void queue(fb_t *b, const mqtt_packet_t *p)
{
	char err[200];
	if (mqtt_encode(&b->out, b->v, p, err, sizeof(err)) != 0)
		fprintf(stderr, "fake broker: cannot encode %s: %s\n", mqtt_type_name(p->type),
			err);
}

static void answer_connect(fb_t *b, const mqtt_packet_t *in)
{
	b->v = in->connect.version == 5 ? MQTT_V5 : MQTT_V311;
	int i = b->nconns - 1;
	uint8_t rc = i < 8 ? b->cfg.connack_rc[i] : 0;
	mqtt_packet_t p = {.type = MQTT_CONNACK};
	p.connack.session_present = rc == 0 && b->cfg.session_present;
	if (b->v == MQTT_V5) {
		p.reason = rc;
		p.props = b->cfg.connack_props;
	} else {
		p.connack.return_code = rc;
	}
	queue(b, &p);
}

static void answer_subscribe(fb_t *b, const mqtt_packet_t *in)
{
	uint8_t codes[64];
	size_t n = 0, pos = 0;
	mqtt_sub_t s;
	while (n < 64 && mqtt_sub_next(in, &pos, &s))
		codes[n++] = b->cfg.suback_code ? b->cfg.suback_code : s.qos;
	queue(b, &(mqtt_packet_t){.type = MQTT_SUBACK,
				  .packet_id = in->packet_id,
				  .suback = {.codes = codes, .count = n}});
}

/* The broker's automatic answer to in; with the lock held. */
static void answer(fb_t *b, const mqtt_packet_t *in)
{
	uint8_t reason = b->v == MQTT_V5 ? b->cfg.pub_reason : 0;
	switch (in->type) {
	case MQTT_CONNECT:
		answer_connect(b, in);
		break;
	case MQTT_SUBSCRIBE:
		answer_subscribe(b, in);
		break;
	case MQTT_PUBLISH:
		if (in->publish.qos && !b->cfg.hold_acks)
			queue(b, &(mqtt_packet_t){.type = in->publish.qos == 1 ? MQTT_PUBACK
									       : MQTT_PUBREC,
						  .packet_id = in->packet_id,
						  .reason = reason});
		break;
	case MQTT_PUBREL:
		if (!b->cfg.hold_acks)
			queue(b,
			      &(mqtt_packet_t){.type = MQTT_PUBCOMP, .packet_id = in->packet_id});
		break;
	case MQTT_PINGREQ:
		if (!b->cfg.no_pingresp)
			queue(b, &(mqtt_packet_t){.type = MQTT_PINGRESP});
		break;
	case MQTT_DISCONNECT:
		b->drop = true;
		break;
	default:
		break;
	}
}

/* Records and answers the whole packets in b->in; with the lock held. */
static void conn_packets(fb_t *b)
{
	size_t off = 0, flen;
	while (mqtt_frame((uint8_t *)b->in.data + off, b->in.len - off, 0, &flen) ==
	       MQTT_FRAME_OK) {
		const uint8_t *at = (uint8_t *)b->in.data + off;
		mqtt_version_t v = (at[0] >> 4) == MQTT_CONNECT ? MQTT_V5 : b->v;
		mqtt_packet_t p;
		char err[200];
		if (mqtt_decode(v, at, flen, &p, NULL, err, sizeof(err)) != MQTT_DECODE_OK) {
			fprintf(stderr, "fake broker: bad packet from the client: %s\n", err);
		} else {
			if (b->nrx == b->rx_cap) {
				b->rx_cap = b->rx_cap ? b->rx_cap * 2 : 64;
				b->rx = realloc(b->rx, b->rx_cap * sizeof(*b->rx));
			}
			fb_rx_t *r = &b->rx[b->nrx++];
			r->conn = b->nconns - 1;
			r->bytes = malloc(flen);
			memcpy(r->bytes, at, flen);
			r->len = flen;
			answer(b, &p);
			r->v = b->v;
		}
		off += flen;
	}
	memmove(b->in.data, b->in.data + off, b->in.len - off);
	b->in.len -= off;
}

static void conn_read(fb_t *b)
{
	char buf[16384];
	ssize_t r = b->ssl ? SSL_read(b->ssl, buf, sizeof(buf)) : recv(b->cfd, buf, sizeof(buf), 0);
	pthread_mutex_lock(&b->mu);
	if (r <= 0) {
		conn_close(b);
	} else {
		sl_buf_append(&b->in, buf, (size_t)r);
		conn_packets(b);
	}
	pthread_mutex_unlock(&b->mu);
}

static void *broker_main(void *arg)
{
	fb_t *b = arg;
	while (!b->stop) {
		struct pollfd p[2] = {{.fd = b->wake[0], .events = POLLIN},
				      {.fd = b->cfd >= 0 ? b->cfd : b->lfd, .events = POLLIN}};
		bool pending = b->ssl && SSL_pending(b->ssl) > 0;
		int n = pending ? 1 : poll(p, 2, 50);
		if (n < 0)
			continue;
		if (p[0].revents & POLLIN) {
			char junk[64];
			while (read(b->wake[0], junk, sizeof(junk)) > 0) {
			}
		}
		if (b->cfd < 0 && (p[1].revents & POLLIN))
			conn_accept(b);
		else if (b->cfd >= 0 && (pending || (p[1].revents & (POLLIN | POLLHUP))))
			conn_read(b);
		pthread_mutex_lock(&b->mu);
		conn_flush(b);
		if (b->drop)
			conn_close(b);
		pthread_mutex_unlock(&b->mu);
	}
	return NULL;
}

/* ---- the test's side --------------------------------------------------------------- */

static SSL_CTX *server_ctx(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "fake broker: cannot load %s / %s\n", cert, key);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

fb_t *fb_start(const char *cert_file, const char *key_file)
{
	fb_t *b = calloc(1, sizeof(*b));
	b->cfd = -1;
	pthread_mutex_init(&b->mu, NULL);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (pipe2(b->wake, O_NONBLOCK | O_CLOEXEC) != 0 || b->lfd < 0 ||
	    bind(b->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(b->lfd, 4) != 0 ||
	    getsockname(b->lfd, (struct sockaddr *)&a, &alen) != 0) {
		perror("fake broker");
		return NULL;
	}
	b->port = ntohs(a.sin_port);
	if (cert_file && !(b->ctx = server_ctx(cert_file, key_file)))
		return NULL;
	pthread_create(&b->thread, NULL, broker_main, b);
	return b;
}

void fb_stop(fb_t *b)
{
	if (!b)
		return;
	b->stop = true;
	(void)!write(b->wake[1], "x", 1);
	pthread_join(b->thread, NULL);
	conn_close(b);
	close(b->lfd);
	close(b->wake[0]);
	close(b->wake[1]);
	SSL_CTX_free(b->ctx);
	for (size_t i = 0; i < b->nrx; i++)
		free(b->rx[i].bytes);
	free(b->rx);
	sl_buf_free(&b->in);
	sl_buf_free(&b->out);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

int fb_port(const fb_t *b)
{
	return b->port;
}

fb_config_t *fb_lock(fb_t *b)
{
	pthread_mutex_lock(&b->mu);
	return &b->cfg;
}

void fb_unlock(fb_t *b)
{
	pthread_mutex_unlock(&b->mu);
	(void)!write(b->wake[1], "x", 1);
}

void fb_send(fb_t *b, const mqtt_packet_t *pkt)
{
	fb_lock(b);
	if (b->cfd >= 0)
		queue(b, pkt);
	fb_unlock(b);
}

void fb_send_raw(fb_t *b, const void *bytes, size_t len)
{
	fb_lock(b);
	if (b->cfd >= 0)
		sl_buf_append(&b->out, bytes, len);
	fb_unlock(b);
}

void fb_drop(fb_t *b)
{
	fb_lock(b);
	b->drop = b->cfd >= 0;
	fb_unlock(b);
}

int fb_conns(fb_t *b)
{
	fb_lock(b);
	int n = b->nconns;
	fb_unlock(b);
	return n;
}

bool fb_connected(fb_t *b)
{
	fb_lock(b);
	bool up = b->cfd >= 0;
	fb_unlock(b);
	return up;
}

static bool rx_is(const fb_rx_t *r, int conn, mqtt_type_t type)
{
	return (conn < 0 || r->conn == conn) && (r->bytes[0] >> 4) == type;
}

size_t fb_count(fb_t *b, int conn, mqtt_type_t type)
{
	size_t n = 0;
	fb_lock(b);
	for (size_t i = 0; i < b->nrx; i++)
		n += rx_is(&b->rx[i], conn, type);
	fb_unlock(b);
	return n;
}

bool fb_get(fb_t *b, int conn, mqtt_type_t type, size_t nth, mqtt_packet_t *out, int *conn_out)
{
	bool found = false;
	fb_lock(b);
	for (size_t i = 0; i < b->nrx && !found; i++) {
		const fb_rx_t *r = &b->rx[i];
		if (!rx_is(r, conn, type) || nth--)
			continue;
		found = mqtt_decode(r->v, r->bytes, r->len, out, NULL, NULL, 0) == MQTT_DECODE_OK;
		if (conn_out)
			*conn_out = r->conn;
	}
	fb_unlock(b);
	return found;
}

const char *fb_types(fb_t *b, int conn, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	fb_lock(b);
	for (size_t i = 0; i < b->nrx && n < size; i++)
		if (b->rx[i].conn == conn)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "",
					      mqtt_type_name(b->rx[i].bytes[0] >> 4));
	fb_unlock(b);
	return buf;
}
