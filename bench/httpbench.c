/* httpbench: the HTTP benchmarks' bare clients and servers (the limits
 * sluice's http-sink and webhook-source are measured against) and the
 * http-sink run's watcher, a fast loopback HTTP server.
 *
 *   httpbench - serve PORT N SECS     HTTP/1.1 server on 127.0.0.1:PORT (one
 *                                     epoll thread, keep-alive, 100-continue,
 *                                     chunked bodies) answering 200 to every
 *                                     request; the watcher of the sink runs
 *   httpbench BOOTSTRAP post TOPIC GROUP N URL BATCH INFLIGHT [ordered]
 *                                     the bare sink: N records of TOPIC as
 *                                     POSTs of BATCH values joined by '\n'
 *                                     (libcurl multi, INFLIGHT at a time)
 *   httpbench BOOTSTRAP webhook TOPIC PORT
 *                                     the bare webhook source: libmicrohttpd
 *                                     (internal polling thread); each POST
 *                                     body becomes a record, answered 200
 *                                     right after produce(), before the ack;
 *                                     runs until SIGTERM, then flushes
 *
 * The server counts the records of the request bodies (split at '\n'): a
 * record is counted when it starts (after at most 4 bytes of quoting or
 * framing) with the 10-digit sequence number 1..N of the benchmark's input
 * lines; each number once. It prints "ready" once listening, then
 * "first=T done=T" (epoch seconds: the first request with records, the one
 * that completed the N numbers), serves 300 ms more and exits 0; exit 1
 * after SECS without all N. Kafka clients use sluice's client defaults
 * (core/kafka.c), as kbench does. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE_NAME "httpbench"
#include "fetch_wake.h"
#include "probe.h"

#include "client_conf.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static rd_kafka_t *kafka_client(rd_kafka_type_t type, const char *bootstrap,
				const char *const (*kv)[2], size_t n, rd_kafka_conf_t *conf)
{
	char err[512];
	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)))
		die("bootstrap.servers: %s", err);
	for (size_t i = 0; i < n; i++)
		if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof(err)))
			die("%s: %s", kv[i][0], err);
	rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
	if (!rk)
		die("cannot create client: %s", err);
	return rk;
}

/* ==== serve: the loopback server that counts the records ================= */

typedef struct conn {
	int fd;
	char *buf; /* bytes read and not yet consumed */
	size_t len, cap;
	bool continued;           /* "100 Continue" sent for the current request */
	double began;             /* when the first byte of the current request came */
	struct conn *prev, *next; /* the server's open connections */
} conn_t;

typedef struct {
	long long want, distinct, dups, other, requests, conns;
	uint8_t *seen; /* one bit per sequence number 1..want */
	double first, done;
	/* Where the time goes, summed over requests: from the previous answer
	 * (on any connection) to a request's first byte (the client's gap),
	 * and from its first byte to its last (the request's transfer). */
	double last_answer, gap, transfer;
	char *scratch; /* a chunked body, decoded */
	size_t scratch_cap;
	conn_t *conns_open;
} server_t;

/* Counts the records of one body: pieces between '\n'. */
static void count_records(server_t *s, const char *p, size_t len)
{
	const char *end = p + len;
	if (len == 0)
		return;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *q = p;
		while (q < e && q - p < 4 && (*q < '0' || *q > '9'))
			q++;
		long long seq = 0;
		int digits = 0;
		for (; q < e && digits < 10 && *q >= '0' && *q <= '9'; q++, digits++)
			seq = seq * 10 + (*q - '0');
		if (digits == 10 && seq >= 1 && seq <= s->want) {
			uint8_t bit = (uint8_t)(1u << (seq & 7));
			if (s->seen[seq >> 3] & bit) {
				s->dups++;
			} else {
				s->seen[seq >> 3] |= bit;
				s->distinct++;
			}
		} else if (e > p) {
			s->other++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* The value of header NAME in the header block [h, end), or NULL; *vlen is
 * its length. */
static const char *header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);
	for (const char *line = h; line < end;) {
		const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > nlen && line[nlen] == ':' &&
		    !strncasecmp(line, name, nlen)) {
			const char *v = line + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		line = eol + 2;
	}
	return NULL;
}

/* Decodes a chunked body at p (len bytes available) into s->scratch;
 * returns the bytes it took (0: incomplete), *body_len the decoded size. */
static size_t dechunk(server_t *s, const char *p, size_t len, size_t *body_len)
{
	size_t at = 0, out = 0;
	for (;;) {
		const char *eol = memmem(p + at, len - at, "\r\n", 2);
		if (!eol)
			return 0;
		size_t n = strtoul(p + at, NULL, 16);
		at = (size_t)(eol - p) + 2;
		if (n == 0) { /* no trailers expected */
			if (len - at < 2)
				return 0;
			*body_len = out;
			return at + 2;
		}
		if (len - at < n + 2)
			return 0;
		if (out + n > s->scratch_cap) {
			s->scratch_cap = (out + n) * 2;
			s->scratch = xrealloc(s->scratch, s->scratch_cap);
		}
		memcpy(s->scratch + out, p + at, n);
		out += n;
		at += n + 2;
	}
}

static void send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write to a client: %s",
			    strerror(errno)); /* a tiny answer never blocks */
		p += n;
		len -= (size_t)n;
	}
}

/* Handles the complete requests in c->buf; false when the connection is to
 * be closed. */
static bool serve_requests(server_t *s, conn_t *c)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	size_t at = 0;
	for (;;) {
		const char *p = c->buf + at, *end = c->buf + c->len;
		const char *he = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!he)
			break;
		const char *body = he + 4, *v;
		size_t vlen, blen = 0, took = 0;
		bool chunked = (v = header(p, he + 2, "Transfer-Encoding", &vlen)) && vlen >= 7 &&
			       !strncasecmp(v, "chunked", 7);
		bool complete;
		if (chunked) {
			took = dechunk(s, body, (size_t)(end - body), &blen);
			complete = took > 0;
		} else {
			v = header(p, he + 2, "Content-Length", &vlen);
			blen = v ? strtoul(v, NULL, 10) : 0;
			complete = (size_t)(end - body) >= blen;
			took = blen;
		}
		if (!complete) {
			if (!c->continued && (v = header(p, he + 2, "Expect", &vlen)) &&
			    vlen >= 12 && !strncasecmp(v, "100-continue", 12)) {
				send_all(c->fd, cont, sizeof(cont) - 1);
				c->continued = true;
			}
			break;
		}
		count_records(s, chunked ? s->scratch : body, blen);
		s->requests++;
		double t = now();
		if (s->last_answer && c->began > s->last_answer)
			s->gap += c->began - s->last_answer;
		s->transfer += t - c->began;
		if (!s->first && s->distinct)
			s->first = now();
		send_all(c->fd, ok, sizeof(ok) - 1);
		s->last_answer = now();
		c->began = s->last_answer; /* pipelined bytes came before it */
		c->continued = false;
		at = (size_t)(body - c->buf) + took;
		if (!s->done && s->distinct == s->want) {
			s->done = now();
			printf("first=%.6f done=%.6f\n", s->first, s->done);
			fflush(stdout);
		}
	}
	memmove(c->buf, c->buf + at, c->len - at);
	c->len -= at;
	return true;
}

/* Reads what the client sent; false at EOF or on an error. */
static bool conn_read(server_t *s, conn_t *c)
{
	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 262144;
			c->buf = xrealloc(c->buf, c->cap);
		}
		ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return serve_requests(s, c);
		if (n <= 0)
			return false;
		if (c->len == 0)
			c->began = now();
		c->len += (size_t)n;
	}
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024))
		die("listen on 127.0.0.1:%d: %s", port, strerror(errno));
	return fd;
}

static void accept_all(server_t *s, int ep, int lfd)
{
	int fd, one = 1;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		conn_t *c = calloc(1, sizeof(*c));
		c->fd = fd;
		c->next = s->conns_open;
		if (c->next)
			c->next->prev = c;
		s->conns_open = c;
		s->conns++;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

/* Closes c (which also takes it out of the epoll set) and frees it. */
static void conn_close(server_t *s, conn_t *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns_open = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->fd);
	free(c->buf);
	free(c);
}

static int cmd_serve(int port, long long want, double secs)
{
	server_t s = {.want = want, .seen = calloc((size_t)want / 8 + 1, 1)};
	int lfd = listen_on(port), ep = epoll_create1(0);
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL}, evs[64];
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
	printf("ready\n");
	fflush(stdout);
	double deadline = now() + secs;
	while (!s.done || now() < s.done + 0.3) {
		if (!s.done && now() > deadline)
			die("%lld of %lld records after %.0f s (%lld requests, %lld duplicates, "
			    "%lld not counted)",
			    s.distinct, want, secs, s.requests, s.dups, s.other);
		int n = epoll_wait(ep, evs, 64, 10);
		for (int i = 0; i < n; i++) {
			conn_t *c = evs[i].data.ptr;
			if (!c) {
				accept_all(&s, ep, lfd);
			} else if (!conn_read(&s, c)) {
				conn_close(&s, c);
			}
		}
	}
	fprintf(stderr,
		"httpbench: %lld records in %lld requests on %lld connections, %lld duplicates, "
		"%lld not counted; per request: %.0f µs from the previous answer to its first "
		"byte, %.0f µs from its first byte to its last\n",
		s.distinct, s.requests, s.conns, s.dups, s.other,
		s.requests ? s.gap / (double)s.requests * 1e6 : 0,
		s.requests ? s.transfer / (double)s.requests * 1e6 : 0);
	while (s.conns_open)
		conn_close(&s, s.conns_open);
	close(ep);
	close(lfd);
	free(s.seen);
	free(s.scratch);
	return 0;
}

/* ==== post: the bare sink, Kafka to HTTP ================================== */

typedef struct {
	CURL *easy;
	char *body;
	size_t len, cap;
	bool busy;    /* its request is in flight */
	bool claimed; /* a body is being built in it */
} slot_t;

typedef struct {
	CURLM *multi;
	slot_t *slots;
	int nslots, running;
	struct curl_slist *headers;
	long long posted; /* records whose request was answered 2xx */
} poster_t;

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	return size * n;
}

/* Drives the transfers for up to wait_ms; each finished one frees its slot
 * (a failed or non-2xx request is fatal: the server answers 200). */
static void poster_drive(poster_t *pp, int wait_ms)
{
	int still;
	curl_multi_perform(pp->multi, &still);
	if (still && wait_ms) {
		curl_multi_poll(pp->multi, NULL, 0, wait_ms, NULL);
		curl_multi_perform(pp->multi, &still);
	}
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(pp->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		slot_t *sl;
		long code = 0;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		if (m->data.result != CURLE_OK || code / 100 != 2)
			die("POST failed: %s, status %ld", curl_easy_strerror(m->data.result),
			    code);
		curl_multi_remove_handle(pp->multi, m->easy_handle);
		sl->busy = false;
		pp->running--;
	}
}

/* A free slot, driving the transfers until one is. */
static slot_t *poster_slot(poster_t *pp)
{
	for (;;) {
		for (int i = 0; i < pp->nslots; i++)
			if (!pp->slots[i].busy && !pp->slots[i].claimed) {
				pp->slots[i].claimed = true;
				return &pp->slots[i];
			}
		poster_drive(pp, 100);
	}
}

static void poster_send(poster_t *pp, slot_t *sl, long records)
{
	curl_easy_setopt(sl->easy, CURLOPT_POSTFIELDS, sl->body);
	curl_easy_setopt(sl->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sl->len);
	curl_multi_add_handle(pp->multi, sl->easy);
	sl->busy = true;
	sl->claimed = false;
	pp->running++;
	pp->posted += records;
	poster_drive(pp, 0);
}

static void poster_init(poster_t *pp, const char *url, int inflight)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pp->multi = curl_multi_init();
	pp->nslots = inflight;
	pp->slots = calloc((size_t)inflight, sizeof(slot_t));
	/* No "Expect: 100-continue" round trip: the bare client's best. */
	pp->headers = curl_slist_append(NULL, "Content-Type: text/plain");
	pp->headers = curl_slist_append(pp->headers, "Expect:");
	for (int i = 0; i < inflight; i++) {
		CURL *e = curl_easy_init();
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, pp->headers);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e, CURLOPT_PRIVATE, &pp->slots[i]);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		pp->slots[i].easy = e;
	}
}

static void poster_free(poster_t *pp)
{
	while (pp->running)
		poster_drive(pp, 100);
	for (int i = 0; i < pp->nslots; i++) {
		curl_easy_cleanup(pp->slots[i].easy);
		free(pp->slots[i].body);
	}
	free(pp->slots);
	curl_slist_free_all(pp->headers);
	curl_multi_cleanup(pp->multi);
	curl_global_cleanup();
}

static void append(slot_t *sl, const void *p, size_t len)
{
	if (sl->len + len > sl->cap) {
		sl->cap = (sl->len + len) * 2;
		sl->body = xrealloc(sl->body, sl->cap);
	}
	memcpy(sl->body + sl->len, p, len);
	sl->len += len;
}

static rd_kafka_t *subscribe(const char *bootstrap, const char *topic, const char *group)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)))
		die("group.id: %s", err);
	rd_kafka_t *rk = kafka_client(RD_KAFKA_CONSUMER, bootstrap, consumer_conf,
				      sizeof(consumer_conf) / sizeof(consumer_conf[0]), conf);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(rk, l))
		die("cannot subscribe to %s", topic);
	rd_kafka_topic_partition_list_destroy(l);
	return rk;
}

#define POST_MAX_PARTITIONS 256

/* The order a partition's records reach the server in: with ordered, each
 * partition has bodies of its own and at most one request in flight (what
 * http-sink promises); without, records of every partition share the
 * bodies and INFLIGHT requests run at once in any order. */
typedef struct {
	bool ordered;
	slot_t *cur[POST_MAX_PARTITIONS];       /* the body being built */
	long in_body[POST_MAX_PARTITIONS];      /* records in it */
	slot_t *in_flight[POST_MAX_PARTITIONS]; /* its previous request */
} post_order_t;

/* Sends partition p's body, after its previous request when ordered. */
static void post_send(poster_t *pp, post_order_t *o, int p)
{
	while (o->ordered && o->in_flight[p] && o->in_flight[p]->busy)
		poster_drive(pp, 1);
	poster_send(pp, o->cur[p], o->in_body[p]);
	o->in_flight[p] = o->cur[p];
	o->cur[p] = NULL;
	o->in_body[p] = 0;
}

/* Appends one record to its body, sending the body once it holds batch. */
static void post_add(poster_t *pp, post_order_t *o, const rd_kafka_message_t *m, long batch)
{
	int p = o->ordered ? (int)m->partition : 0;
	if (p < 0 || p >= POST_MAX_PARTITIONS)
		die("partition %d: at most %d", p, POST_MAX_PARTITIONS);
	if (!o->cur[p]) {
		o->cur[p] = poster_slot(pp);
		o->cur[p]->len = 0;
	}
	if (o->in_body[p])
		append(o->cur[p], "\n", 1);
	append(o->cur[p], m->payload, m->len);
	if (++o->in_body[p] == batch)
		post_send(pp, o, p);
}

/* Consumes WANT records like kbench's consumer (batches of up to 2000, the
 * fetch wake) and posts them in batches of BATCH values joined by '\n',
 * INFLIGHT requests at a time (ordered: per partition, one at a time each);
 * commits the offsets once all are answered. */
static int cmd_post(const char *bootstrap, const char *topic, const char *group, long long want,
		    const char *url, long batch, int inflight, bool ordered)
{
	rd_kafka_t *rk = subscribe(bootstrap, topic, group);
	rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
	sl_fetch_wake_t *wake = sl_fetch_wake_new(rk, q);
	poster_t pp = {0};
	poster_init(&pp, url, inflight);
	rd_kafka_message_t *msgs[2000];
	long long got = 0;
	post_order_t *order = calloc(1, sizeof(*order));
	if (!order)
		die("out of memory");
	order->ordered = ordered;
	double deadline = now() + 600;
	while (got < want) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 0, msgs, 2000);
		if (n <= 0) {
			if (pp.running)
				poster_drive(&pp, 1);
			else
				n = rd_kafka_consume_batch_queue(q, 100, msgs, 1);
		}
		if (n <= 0) {
			if (now() > deadline)
				die("%lld of %lld records after 600 s", got, want);
			continue;
		}
		sl_fetch_wake_check(wake, msgs, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			rd_kafka_message_t *m = msgs[i];
			if (m->err) {
				fprintf(stderr, "httpbench: consumer: %s\n",
					rd_kafka_message_errstr(m));
			} else if (got < want) {
				post_add(&pp, order, m, batch);
				got++;
			}
			rd_kafka_message_destroy(m);
		}
		poster_drive(&pp, 0);
	}
	for (int p = 0; p < POST_MAX_PARTITIONS; p++)
		if (order->cur[p])
			post_send(&pp, order, p);
	free(order);
	poster_free(&pp);
	sl_fetch_wake_free(wake);
	rd_kafka_queue_destroy(q);
	rd_kafka_topic_partition_list_t *pos = NULL;
	if (!rd_kafka_assignment(rk, &pos) && !rd_kafka_position(rk, pos))
		rd_kafka_commit(rk, pos, 0);
	if (pos)
		rd_kafka_topic_partition_list_destroy(pos);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	fprintf(stderr, "httpbench: posted %lld records\n", pp.posted);
	return 0;
}

/* ==== webhook: the bare webhook source, HTTP to Kafka ===================== */

typedef struct {
	rd_kafka_t *rk;
	const char *topic;
	struct MHD_Response *ok; /* shared by every answer */
	long long delivery_errors;
	long long queue_full; /* produce() calls refused for a full queue */
} hook_t;

typedef struct {
	char *p;
	size_t len, cap;
} body_t;

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	stopping = 1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	hook_t *h = opaque;
	if (m->err && h->delivery_errors++ < 5)
		fprintf(stderr, "httpbench: delivery failed: %s\n", rd_kafka_err2str(m->err));
}

static void hook_produce(hook_t *h, const char *p, size_t len)
{
	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			h->rk, RD_KAFKA_V_TOPIC(h->topic), RD_KAFKA_V_VALUE((void *)p, len),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (!err)
			return;
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			die("produce: %s", rd_kafka_err2str(err));
		h->queue_full++;
		usleep(1000); /* the main thread serves the delivery reports */
	}
}

static enum MHD_Result hook_access(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	hook_t *h = cls;
	body_t *b = *con_cls;
	if (!b) {
		*con_cls = calloc(1, sizeof(body_t));
		return MHD_YES;
	}
	if (*upload_size) {
		if (b->len + *upload_size > b->cap) {
			b->cap = (b->len + *upload_size) * 2;
			b->p = xrealloc(b->p, b->cap);
		}
		memcpy(b->p + b->len, upload, *upload_size);
		b->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	hook_produce(h, b->p ? b->p : "", b->len);
	return MHD_queue_response(conn, MHD_HTTP_OK, h->ok);
}

static void hook_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode why)
{
	body_t *b = *con_cls;
	if (b) {
		free(b->p);
		free(b);
	}
	*con_cls = NULL;
}

static int cmd_webhook(const char *bootstrap, const char *topic, int port)
{
	hook_t h = {.topic = topic};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, &h);
	h.rk = kafka_client(RD_KAFKA_PRODUCER, bootstrap, producer_conf,
			    sizeof(producer_conf) / sizeof(producer_conf[0]), conf);
	/* The answer of sluice's webhook-source to a request of one record. */
	static const char answer[] = "{\"records\":1}";
	h.ok = MHD_create_response_from_buffer(sizeof(answer) - 1, (void *)answer,
					       MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(h.ok, "Content-Type", "application/json");
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL,
		hook_access, &h, MHD_OPTION_SOCK_ADDR, &a, MHD_OPTION_NOTIFY_COMPLETED, hook_done,
		NULL, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_END);
	if (!d)
		die("cannot listen on 127.0.0.1:%d", port);
	fprintf(stderr, "httpbench: webhook on 127.0.0.1:%d\n", port);
	while (!stopping)
		rd_kafka_poll(h.rk, 100);
	MHD_stop_daemon(d);
	if (rd_kafka_flush(h.rk, 30000))
		die("flush: records still unacknowledged after 30 s");
	if (h.queue_full)
		fprintf(stderr, "httpbench: the producer's queue was full %lld times\n",
			h.queue_full);
	MHD_destroy_response(h.ok);
	rd_kafka_destroy(h.rk);
	return h.delivery_errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr,
			"usage: httpbench - serve PORT N SECS | BOOTSTRAP post TOPIC GROUP N "
			"URL BATCH INFLIGHT [ordered] | BOOTSTRAP webhook TOPIC PORT\n");
		return 2;
	}
	const char *bootstrap = argv[1], *mode = argv[2];
	if (!strcmp(mode, "serve") && argc == 6)
		return cmd_serve(atoi(argv[3]), atoll(argv[4]), atof(argv[5]));
	if (!strcmp(mode, "post") && (argc == 9 || (argc == 10 && !strcmp(argv[9], "ordered"))))
		return cmd_post(bootstrap, argv[3], argv[4], atoll(argv[5]), argv[6], atol(argv[7]),
				atoi(argv[8]), argc == 10);
	if (!strcmp(mode, "webhook") && argc == 5)
		return cmd_webhook(bootstrap, argv[3], atoi(argv[4]));
	fprintf(stderr, "httpbench: bad arguments for %s\n", mode);
	return 2;
}
