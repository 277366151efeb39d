/* The MQTT client's transport (mqtt_conn.h): URI parsing, OpenSSL
 * contexts, connecting within a deadline, and non-blocking reads and
 * writes over TCP or TLS. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqtt_conn.h"
#include "sluice/clock.h"
#include "sluice/util.h"

/* ---- URIs ---------------------------------------------------------------- */

int mqtt_uri_parse(const char *s, mqtt_uri_t *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	const char *rest;
	if (!strncmp(s, "tcp://", 6)) {
		rest = s + 6;
	} else if (!strncmp(s, "ssl://", 6)) {
		rest = s + 6;
		u->tls = true;
	} else {
		return sl_seterr(err, errlen, "'%s': not a tcp:// or ssl:// URI", s);
	}
	const char *host = rest, *host_end, *port = NULL;
	if (*rest == '[') {
		host = rest + 1;
		host_end = strchr(host, ']');
		if (!host_end)
			return sl_seterr(err, errlen, "'%s': no ']' after the IPv6 address", s);
		if (host_end[1] == ':')
			port = host_end + 2;
		else if (host_end[1])
			return sl_seterr(err, errlen, "'%s': junk after the host", s);
	} else {
		host_end = strchr(rest, ':');
		if (host_end)
			port = host_end + 1;
		else
			host_end = rest + strlen(rest);
	}
	if (host_end == host)
		return sl_seterr(err, errlen, "'%s': no host", s);
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (!*port || *end || p < 1 || p > 65535)
			return sl_seterr(err, errlen, "'%s': port is not 1-65535", s);
	}
	if (memchr(host, '/', (size_t)(host_end - host)))
		return sl_seterr(err, errlen, "'%s': a path is not allowed", s);
	u->text = sl_strdup(s);
	u->host = sl_strndup(host, (size_t)(host_end - host));
	u->port = sl_strdup(port ? port : u->tls ? "8883" : "1883");
	return 0;
}

void mqtt_uri_free(mqtt_uri_t *u)
{
	free(u->text);
	free(u->host);
	free(u->port);
	memset(u, 0, sizeof(*u));
}

/* ---- TLS context ----------------------------------------------------------- */

/* OpenSSL's first queued error, or fallback. */
static const char *ssl_reason(char *buf, size_t size, const char *fallback)
{
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	if (!e)
		return fallback;
	const char *r = ERR_reason_error_string(e);
	if (r)
		snprintf(buf, size, "%s", r);
	else
		ERR_error_string_n(e, buf, size);
	return buf;
}

static int password_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pw = u;
	if (!pw)
		return 0;
	size_t n = strlen(pw);
	if (n > (size_t)size)
		n = (size_t)size;
	memcpy(buf, pw, n);
	return (int)n;
}

SSL_CTX *mqtt_tls_ctx_new(const mqtt_tls_t *t, char *err, size_t errlen)
{
	char why[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		sl_seterr(err, errlen, "TLS: %s", ssl_reason(why, sizeof(why), "no context"));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	int ok = t->ca_file ? SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL)
			    : SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		sl_seterr(err, errlen, "TLS: CA file '%s': %s",
			  t->ca_file ? t->ca_file : "(system)",
			  ssl_reason(why, sizeof(why), "cannot be loaded"));
		goto fail;
	}
	if (t->cert_file) {
		const char *key = t->key_file ? t->key_file : t->cert_file;
		SSL_CTX_set_default_passwd_cb(ctx, password_cb);
		SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)t->key_password);
		if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1) {
			sl_seterr(err, errlen, "TLS: certificate file '%s': %s", t->cert_file,
				  ssl_reason(why, sizeof(why), "cannot be loaded"));
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			sl_seterr(err, errlen, "TLS: key file '%s': %s", key,
				  ssl_reason(why, sizeof(why), "cannot be loaded"));
			goto fail;
		}
		/* the password is only needed while loading; the caller owns it */
		SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
	}
	SSL_CTX_set_verify(ctx, t->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void mqtt_tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

/* ---- connecting ------------------------------------------------------------- */

static int remaining(int64_t deadline)
{
	int64_t left = deadline - sl_now_ms();
	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* Connects fd to one address before deadline; 0, or -1 with errno set. */
static int tcp_connect_one(int fd, const struct addrinfo *ai, int64_t deadline)
{
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int ms = remaining(deadline);
		int n = ms > 0 ? poll(&p, 1, ms) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		int so = 0;
		socklen_t len = sizeof(so);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) < 0)
			return -1;
		if (so) {
			errno = so;
			return -1;
		}
		return 0;
	}
}

static int tcp_connect(const mqtt_uri_t *u, int64_t deadline, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0)
		return sl_seterr(err, errlen, "%s", gai_strerror(rc));
	int fd = -1, last = ECONNREFUSED;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (tcp_connect_one(fd, ai, deadline) == 0)
			break;
		last = errno;
		close(fd);
		fd = -1;
		if (last == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		sl_seterr(err, errlen, "%s", last == ETIMEDOUT ? "timed out" : strerror(last));
		if (err && errlen) /* "Connection refused" reads "connection refused" after ": " */
			err[0] = (char)tolower((unsigned char)err[0]);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static bool is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The reason a handshake failed: the verification error when there is one. */
static void handshake_error(SSL *ssl, int ret, char *err, size_t errlen)
{
	char why[256];
	long vr = SSL_get_verify_result(ssl);
	if (vr != X509_V_OK) {
		ERR_clear_error();
		sl_seterr(err, errlen, "TLS handshake: certificate verify failed: %s",
			  X509_verify_cert_error_string(vr));
		return;
	}
	int e = SSL_get_error(ssl, ret);
	if (e == SSL_ERROR_SYSCALL && !ERR_peek_error())
		sl_seterr(err, errlen, "TLS handshake: connection closed by the server");
	else
		sl_seterr(err, errlen, "TLS handshake: %s", ssl_reason(why, sizeof(why), "failed"));
}

static int tls_handshake(mqtt_conn_t *c, const mqtt_uri_t *u, SSL_CTX *ctx, bool verify,
			 int64_t deadline, char *err, size_t errlen)
{
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return sl_seterr(err, errlen, "TLS: cannot set up the connection");
	bool ip = is_ip_literal(u->host);
	if (!ip)
		SSL_set_tlsext_host_name(c->ssl, u->host);
	if (verify) {
		X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
		int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, u->host)
			    : X509_VERIFY_PARAM_set1_host(param, u->host, 0);
		if (ok != 1)
			return sl_seterr(err, errlen, "TLS: cannot verify host '%s'", u->host);
	}
	for (;;) {
		ERR_clear_error();
		int ret = SSL_connect(c->ssl);
		if (ret == 1)
			return 0;
		int e = SSL_get_error(c->ssl, ret);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			handshake_error(c->ssl, ret, err, errlen);
			return -1;
		}
		struct pollfd p = {.fd = c->fd,
				   .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
		int ms = remaining(deadline);
		int n = ms > 0 ? poll(&p, 1, ms) : 0;
		if (n < 0 && errno != EINTR)
			return sl_seterr(err, errlen, "TLS handshake: %s", strerror(errno));
		if (n == 0)
			return sl_seterr(err, errlen, "TLS handshake timed out");
	}
}

int mqtt_conn_open(mqtt_conn_t *c, const mqtt_uri_t *u, SSL_CTX *ctx, bool verify, int64_t deadline,
		   char *err, size_t errlen)
{
	*c = (mqtt_conn_t)MQTT_CONN_INIT;
	c->fd = tcp_connect(u, deadline, err, errlen);
	if (c->fd < 0)
		return -1;
	if (u->tls && tls_handshake(c, u, ctx, verify, deadline, err, errlen) != 0) {
		SSL_free(c->ssl);
		c->ssl = NULL;
		mqtt_conn_close(c);
		return -1;
	}
	return 0;
}

/* ---- I/O ---------------------------------------------------------------------- */

/* For SSL_read / SSL_write's ret: 0 would block (setting the want flag),
 * -1 with err. */
static int tls_io_error(mqtt_conn_t *c, int ret, bool reading, char *err, size_t errlen)
{
	char why[256];
	int e = SSL_get_error(c->ssl, ret);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		if (reading)
			c->read_wants_write = e == SSL_ERROR_WANT_WRITE;
		else
			c->write_wants_read = e == SSL_ERROR_WANT_READ;
		return 0;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return sl_seterr(err, errlen, "connection closed by the broker");
	if (e == SSL_ERROR_SYSCALL && !ERR_peek_error())
		return sl_seterr(err, errlen, "%s",
				 ret == 0 || errno == 0 ? "connection closed by the broker"
							: strerror(errno));
	return sl_seterr(err, errlen, "TLS: %s", ssl_reason(why, sizeof(why), "failed"));
}

ssize_t mqtt_conn_read(mqtt_conn_t *c, void *p, size_t n, char *err, size_t errlen)
{
	if (c->ssl) {
		ERR_clear_error();
		c->read_wants_write = false;
		int ret = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
		return ret > 0 ? ret : tls_io_error(c, ret, true, err, errlen);
	}
	for (;;) {
		ssize_t r = recv(c->fd, p, n, 0);
		if (r > 0)
			return r;
		if (r == 0)
			return sl_seterr(err, errlen, "connection closed by the broker");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return sl_seterr(err, errlen, "%s", strerror(errno));
	}
}

ssize_t mqtt_conn_write(mqtt_conn_t *c, const void *p, size_t n, char *err, size_t errlen)
{
	if (!n)
		return 0;
	if (c->ssl) {
		ERR_clear_error();
		c->write_wants_read = false;
		int ret = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
		return ret > 0 ? ret : tls_io_error(c, ret, false, err, errlen);
	}
	for (;;) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w >= 0)
			return w;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return sl_seterr(err, errlen, "%s", strerror(errno));
	}
}

short mqtt_conn_events(const mqtt_conn_t *c, bool have_output)
{
	short ev = POLLIN;
	if ((have_output && !c->write_wants_read) || c->read_wants_write)
		ev |= POLLOUT;
	return ev;
}

int mqtt_conn_wait(const mqtt_conn_t *c, bool have_output, int timeout_ms)
{
	if (c->ssl && SSL_pending(c->ssl) > 0)
		return 1;
	struct pollfd p = {.fd = c->fd, .events = mqtt_conn_events(c, have_output)};
	int n = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
	return n < 0 && errno != EINTR ? -1 : n;
}

void mqtt_conn_close(mqtt_conn_t *c)
{
	if (c->ssl) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->read_wants_write = c->write_wants_read = false;
}
