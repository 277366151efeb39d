/* The listener of webhook-source: libmicrohttpd on its own thread takes
 * requests, refuses what it must at once (404, 405, 413, 415, 429, 401,
 * 400, 503 while stopping), queues the rest for the task thread with the
 * connection suspended, and sends the answer acked() decided once the
 * connection is resumed; a timer thread answers requests past
 * webhook.ack.timeout.ms, and cuts connections whose request did not
 * arrive whole within webhook.request.timeout.ms (408) or that stayed idle
 * between requests. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http_util.h"
#include "sluice/array.h"
#include "webhook.h"

/* How long stop gives the answers of the last requests to leave. */
#define WEBHOOK_STOP_GRACE_MS 2000
/* Keep-alive connections are closed when no request line follows their
 * last answer within this, and any connection silent for this long
 * (libmicrohttpd's own timeout; seconds). */
#define WEBHOOK_IDLE_TIMEOUT_S 60
/* A body without Content-Length past webhook.max.body.bytes is read on
 * and discarded for up to this many more bytes, so that it can be
 * answered 413; past that the connection is closed. */
#define WEBHOOK_DISCARD_MAX (1024 * 1024)
/* The timer thread looks at least this often whether the worker stops,
 * to answer requests poll will not take any more; a connection past its
 * deadline is cut at most this late. */
#define WEBHOOK_TIMER_TICK_MS 200

/* ---- requests ---------------------------------------------------------------- */

static void req_free(webhook_req_t *r)
{
	sl_buf_free(&r->body);
	if (r->root)
		json_decref(r->root);
	free(r->key);
	for (size_t i = 0; i < r->nhdrs; i++)
		free(r->hdrs[i].value);
	free(r->hdrs);
	free(r);
}

void webhook_req_unref_locked(webhook_task_t *st, webhook_req_t *r)
{
	(void)st;
	if (--r->refs == 0)
		req_free(r);
}

static void wait_list_remove(webhook_task_t *st, webhook_req_t *r)
{
	if (r->wprev)
		r->wprev->wnext = r->wnext;
	else if (st->whead == r)
		st->whead = r->wnext;
	if (r->wnext)
		r->wnext->wprev = r->wprev;
	else if (st->wtail == r)
		st->wtail = r->wprev;
	r->wprev = r->wnext = NULL;
}

struct MHD_Connection *webhook_answer_locked(webhook_task_t *st, webhook_req_t *r, int status,
					     const char *reason)
{
	if (r->answered)
		return NULL;
	r->answered = true;
	r->status = status;
	r->reason = reason;
	wait_list_remove(st, r);
	if (r->counted)
		st->inflight--;
	r->counted = false;
	if (!r->suspended)
		return NULL;
	r->suspended = false;
	return r->conn;
}

void webhook_resume(struct MHD_Connection *conn)
{
	if (conn)
		MHD_resume_connection(conn);
}

/* ---- connections and their deadlines ------------------------------------------ */

static void conn_list_remove(webhook_conn_t **head, webhook_conn_t **tail, webhook_conn_t *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (*head == c)
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else if (*tail == c)
		*tail = c->prev;
	c->prev = c->next = NULL;
}

/* Under the lock: moves c to state (off its list), and onto the list of
 * RECEIVING or IDLE connections with a deadline ms from now. Every entry
 * of a list gets the same delay, so appending keeps it sorted. */
static void conn_set_locked(webhook_task_t *st, webhook_conn_t *c, webhook_conn_state_t state,
			    int64_t ms)
{
	if (c->state == WEBHOOK_CONN_RECEIVING)
		conn_list_remove(&st->rhead, &st->rtail, c);
	else if (c->state == WEBHOOK_CONN_IDLE)
		conn_list_remove(&st->ihead, &st->itail, c);
	c->state = state;
	if (state != WEBHOOK_CONN_RECEIVING && state != WEBHOOK_CONN_IDLE)
		return;
	webhook_conn_t **head = state == WEBHOOK_CONN_IDLE ? &st->ihead : &st->rhead;
	webhook_conn_t **tail = state == WEBHOOK_CONN_IDLE ? &st->itail : &st->rtail;
	c->deadline_ms = sl_now_ms() + ms;
	c->prev = *tail;
	if (*tail)
		(*tail)->next = c;
	else
		*head = c;
	*tail = c;
}

/* The context of conn (NULL only outside libmicrohttpd's callbacks). */
static webhook_conn_t *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd accepted a connection (its first request's deadline
 * starts) or closed one (its context goes). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	webhook_task_t *st = cls;
	webhook_conn_t *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		c = sl_calloc(1, sizeof(*c));
		c->fd = ci ? ci->connect_fd : -1;
		c->state = WEBHOOK_CONN_BUSY; /* on no list yet */
		pthread_mutex_lock(&st->lock);
		conn_set_locked(st, c, WEBHOOK_CONN_RECEIVING, st->cfg.request_timeout_ms);
		pthread_mutex_unlock(&st->lock);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&st->lock);
	conn_set_locked(st, c, WEBHOOK_CONN_CUT, 0);
	pthread_mutex_unlock(&st->lock);
	*socket_context = NULL;
	free(c);
}

/* A request line arrived: on an idle keep-alive connection, the next
 * request's deadline starts. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
	webhook_task_t *st = cls;
	webhook_conn_t *c = conn_of(conn);

	(void)uri;
	if (!c)
		return NULL;
	pthread_mutex_lock(&st->lock);
	if (c->state == WEBHOOK_CONN_IDLE)
		conn_set_locked(st, c, WEBHOOK_CONN_RECEIVING, st->cfg.request_timeout_ms);
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

#define WEBHOOK_408_BODY "{\"error\":\"request not received within webhook.request.timeout.ms\"}"

/* Under the lock: cuts c, past its deadline. A request still arriving is
 * answered 408 on the socket itself, since libmicrohttpd answers only
 * from the access handler, which a stalled sender never gets called;
 * nothing else writes to a connection still receiving. An idle one is
 * just closed. Shutting the socket makes libmicrohttpd close it. */
static void conn_cut_locked(webhook_task_t *st, webhook_conn_t *c)
{
	static const char answer[] = "HTTP/1.1 408 Request Timeout\r\n"
				     "Content-Type: application/json\r\n"
				     "Connection: close\r\n"
				     "Content-Length: %zu\r\n\r\n" WEBHOOK_408_BODY;
	bool answer_it = c->state == WEBHOOK_CONN_RECEIVING;
	char text[256];
	int n;

	if (c->req)
		webhook_answer_locked(st, c->req, 408,
				      "request not received within webhook.request.timeout.ms");
	conn_set_locked(st, c, WEBHOOK_CONN_CUT, 0);
	if (c->fd < 0)
		return;
	if (answer_it) {
		n = snprintf(text, sizeof(text), answer, strlen(WEBHOOK_408_BODY));
		(void)!send(c->fd, text, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		SL_DEBUG(st->tag, "request answered 408: not received within "
				  "webhook.request.timeout.ms; connection closed");
	}
	shutdown(c->fd, SHUT_RDWR);
}

/* Under the lock: cuts the connections past their deadline. */
static void expire_conns_locked(webhook_task_t *st)
{
	int64_t now = sl_now_ms();

	while (st->rhead && st->rhead->deadline_ms <= now)
		conn_cut_locked(st, st->rhead);
	while (st->ihead && st->ihead->deadline_ms <= now)
		conn_cut_locked(st, st->ihead);
}

/* ---- responses --------------------------------------------------------------- */

/* Queues the answer: a JSON body {"records": n} for a 2xx (none for 204),
 * {"error": reason} otherwise; Retry-After on 429 and 503. */
static enum MHD_Result respond(webhook_task_t *st, struct MHD_Connection *conn, int status,
			       const char *reason, size_t records)
{
	json_t *j = status >= 300 ? json_pack("{s:s}", "error", reason ? reason : "error")
				  : json_pack("{s:I}", "records", (json_int_t)records);
	char *text = status == 204 ? NULL : json_dumps(j, JSON_COMPACT);
	struct MHD_Response *resp;
	enum MHD_Result rc;
	char retry[24];

	resp = MHD_create_response_from_buffer(text ? strlen(text) : 0, text ? text : (char *)"",
					       MHD_RESPMEM_MUST_COPY);
	free(text);
	json_decref(j);
	if (!resp)
		return MHD_NO;
	if (status != 204)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == 429 || status == 503) {
		snprintf(retry, sizeof(retry), "%lld", (long long)st->cfg.retry_after_s);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	if (status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	rc = MHD_queue_response(conn, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Answers at once a request that gets no webhook_req_t. */
static enum MHD_Result reject(webhook_task_t *st, struct MHD_Connection *conn, void **con_cls,
			      int status, const char *reason)
{
	*con_cls = &st->rejected;
	SL_DEBUG(st->tag, "request answered %d: %s", status, reason);
	return respond(st, conn, status, reason, 0);
}

static bool stopping(webhook_task_t *st)
{
	return st->stopping || sl_task_stopping(st->ctx);
}

/* ---- the request's first call: headers only ---------------------------------- */

/* Why a request is refused before its body is read (status in *status),
 * or NULL. */
static const char *refuse_early(webhook_task_t *st, struct MHD_Connection *conn, const char *url,
				const char *method, int *status)
{
	const char *ct =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *cl =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int64_t len;

	if ((*status = 404, strcmp(url, st->cfg.path)))
		return "no webhook at this path";
	if ((*status = 405, strcmp(method, MHD_HTTP_METHOD_POST)))
		return "only POST is accepted";
	if ((*status = 503, stopping(st)))
		return "the connector is stopping; retry";
	if ((*status = 415, !webhook_media_allowed((const char *const *)st->cfg.content_types, ct)))
		return "this Content-Type is not accepted (webhook.content.types)";
	if ((*status = 413, cl && sl_parse_int64(cl, &len) == 0 && len > st->cfg.max_body))
		return "the body is larger than webhook.max.body.bytes";
	return NULL;
}

static const char *const too_many = "too many requests waiting for Kafka (webhook.max.inflight)";

/* A new request with its body to come. */
static webhook_req_t *new_req(webhook_task_t *st, struct MHD_Connection *conn)
{
	const char *ct =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	webhook_req_t *r = sl_calloc(1, sizeof(*r));

	r->conn = conn;
	r->wc = conn_of(conn);
	r->refs = 1; /* the connection's */
	r->json = st->cfg.split || st->cfg.key_pointer ||
		  st->cfg.value_format == WEBHOOK_VALUE_JSON ||
		  (st->cfg.value_format == WEBHOOK_VALUE_AUTO && webhook_media_is_json(ct));
	r->as_bytes = st->cfg.value_format == WEBHOOK_VALUE_BYTES ||
		      (st->cfg.value_format == WEBHOOK_VALUE_AUTO && !webhook_media_is_text(ct));
	return r;
}

/* A new request: refused, or let in to send its body. It counts against
 * max.inflight only once the body is complete (body_done); while it
 * arrives, its connection's deadline bounds it. Refused with 429 already
 * here when max.inflight requests are waiting for Kafka. */
static enum MHD_Result first_call(webhook_task_t *st, struct MHD_Connection *conn, const char *url,
				  const char *method, void **con_cls)
{
	int status = 0;
	const char *why = refuse_early(st, conn, url, method, &status);
	webhook_req_t *r = why ? NULL : new_req(st, conn);
	webhook_conn_t *c = conn_of(conn);
	bool cut;

	pthread_mutex_lock(&st->lock);
	cut = c && c->state == WEBHOOK_CONN_CUT;
	if (!why && st->inflight >= (size_t)st->cfg.max_inflight)
		status = 429, why = too_many;
	if (!cut && why && c)
		conn_set_locked(st, c, WEBHOOK_CONN_BUSY, 0); /* answered: no deadline */
	if (!cut && !why) {
		st->live++;
		if (c)
			c->req = r;
	}
	pthread_mutex_unlock(&st->lock);
	if (cut || why) {
		if (r)
			req_free(r);
		/* cut: answered 408 by the timer while its headers arrived */
		return cut ? MHD_NO : reject(st, conn, con_cls, status, why);
	}
	*con_cls = r;
	return MHD_YES;
}

/* ---- the complete request ---------------------------------------------------- */

/* Copies the headers of webhook.headers and webhook.key.header. */
static void copy_headers(webhook_task_t *st, webhook_req_t *r)
{
	size_t n = 0;

	for (char **h = st->cfg.headers; h && *h; h++)
		n++;
	r->hdrs = n ? sl_calloc(n, sizeof(*r->hdrs)) : NULL;
	for (char **h = st->cfg.headers; h && *h; h++) {
		const char *v = NULL;
		size_t len = 0;
		if (MHD_lookup_connection_value_n(r->conn, MHD_HEADER_KIND, *h, strlen(*h), &v,
						  &len) != MHD_YES ||
		    !v)
			continue;
		r->hdrs[r->nhdrs].name = *h; /* the config outlives the request */
		r->hdrs[r->nhdrs].value = sl_strndup(v, len);
		r->hdrs[r->nhdrs++].len = len;
	}
	if (st->cfg.key_header) {
		const char *v =
			MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, st->cfg.key_header);
		if (v) {
			r->key = sl_strdup(v);
			r->key_len = strlen(v);
		}
	}
}

/* Checks the complete body; returns the status to refuse it with (and
 * *why), or 0 when it may be queued. */
static int check_body(webhook_task_t *st, webhook_req_t *r, const char **why)
{
	const char *body = r->body.data ? r->body.data : "";
	json_error_t jerr;

	if (r->too_large)
		return *why = "the body is larger than webhook.max.body.bytes", 413;
	if (st->cfg.sig_secret && st->cfg.sig_secret[0]) {
		const char *sig =
			MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, st->cfg.sig_header);
		if (!webhook_sig_check((webhook_sig_format_t)st->cfg.sig_format, st->cfg.sig_secret,
				       sig, body, r->body.len, time(NULL), st->cfg.sig_tolerance_s,
				       why))
			return 401;
	}
	if (r->json) {
		r->root = json_loadb(body, r->body.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!r->root)
			return *why = "the body is not valid JSON", 400;
		sl_buf_free(&r->body);
	} else if (!r->as_bytes && !sl_utf8_valid(body, r->body.len)) {
		if (st->cfg.value_format == WEBHOOK_VALUE_STRING)
			return *why = "the body is not UTF-8 text", 400;
		r->as_bytes = true;
	}
	copy_headers(st, r);
	return 0;
}

/* Under the lock: the body of r arrived whole, checked (status 0) or
 * refused with status and *why. Stops its connection's deadline, and
 * counts r against max.inflight, or refuses it with 429 past it. Returns
 * false when the timer answered r 408 first. */
static bool admit_locked(webhook_task_t *st, webhook_req_t *r, int *status, const char **why)
{
	if (r->answered)
		return false;
	if (r->wc)
		conn_set_locked(st, r->wc, WEBHOOK_CONN_BUSY, 0);
	if (!*status && st->inflight >= (size_t)st->cfg.max_inflight)
		*status = 429, *why = too_many;
	if (*status) {
		webhook_answer_locked(st, r, *status, *why);
		return true;
	}
	r->counted = true;
	st->inflight++;
	return true;
}

/* The body is complete: refuse it, or suspend the connection and queue
 * it for poll. The connection is suspended before anything else can see
 * the request, so that every resume follows its suspend. */
static enum MHD_Result body_done(webhook_task_t *st, webhook_req_t *r)
{
	const char *why = NULL;
	int status = check_body(st, r, &why);
	struct MHD_Connection *resume = NULL;
	bool was_empty, admitted;

	r->body_done = true;
	pthread_mutex_lock(&st->lock);
	admitted = admit_locked(st, r, &status, &why);
	pthread_mutex_unlock(&st->lock);
	if (!admitted) /* too late: answered 408, the socket is shut */
		return MHD_NO;
	if (status) {
		SL_DEBUG(st->tag, "request answered %d: %s", status, why);
		return respond(st, r->conn, status, why, 0);
	}
	MHD_suspend_connection(r->conn);
	pthread_mutex_lock(&st->lock);
	r->suspended = true;
	if (stopping(st)) {
		resume = webhook_answer_locked(st, r, 503, "the connector is stopping; retry");
		pthread_mutex_unlock(&st->lock);
		webhook_resume(resume);
		return MHD_YES;
	}
	r->deadline_ms = sl_now_ms() + st->cfg.ack_timeout_ms;
	r->refs++; /* the queue's */
	r->queued = true;
	if (st->qtail)
		st->qtail->qnext = r;
	else
		st->qhead = r;
	st->qtail = r;
	was_empty = !st->whead;
	r->wprev = st->wtail;
	if (st->wtail)
		st->wtail->wnext = r;
	else
		st->whead = r;
	st->wtail = r;
	pthread_cond_signal(&st->wake_poll);
	if (was_empty)
		pthread_cond_signal(&st->wake_timer);
	pthread_mutex_unlock(&st->lock);
	return MHD_YES;
}

/* The access handler: called for the headers, for each piece of the body,
 * once the body is complete, and again after the connection is resumed. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	webhook_task_t *st = cls;
	webhook_req_t *r = *con_cls;
	int status;
	const char *reason;
	size_t records;

	(void)version;
	if (!r)
		return first_call(st, conn, url, method, con_cls);
	if ((void *)r == (void *)&st->rejected) {
		*upload_data_size = 0; /* discarded */
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		r->received += n;
		if (!r->too_large && r->body.len + n > (size_t)st->cfg.max_body) {
			r->too_large = true;
			sl_buf_free(&r->body);
		}
		if (!r->too_large)
			sl_buf_append(&r->body, upload_data, n);
		/* discarded to answer 413, up to a point */
		if (r->too_large && r->received - (size_t)st->cfg.max_body > WEBHOOK_DISCARD_MAX)
			return MHD_NO;
		return MHD_YES;
	}
	if (!r->body_done)
		return body_done(st, r);
	pthread_mutex_lock(&st->lock);
	bool answered = r->answered;
	status = r->status;
	reason = r->reason;
	records = r->nrecords;
	pthread_mutex_unlock(&st->lock);
	if (!answered) /* resumed without an answer: cannot happen */
		return MHD_NO;
	return respond(st, conn, status, reason, records);
}

/* libmicrohttpd is done with a request (answered, or the connection
 * closed). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	webhook_task_t *st = cls;
	webhook_req_t *r = *con_cls;
	webhook_conn_t *c = conn_of(conn);

	(void)toe;
	pthread_mutex_lock(&st->lock);
	if (c && c->state != WEBHOOK_CONN_CUT) /* keep-alive: the next request may come */
		conn_set_locked(st, c, WEBHOOK_CONN_IDLE, WEBHOOK_IDLE_TIMEOUT_S * 1000);
	if (c)
		c->req = NULL;
	if (!r || (void *)r == (void *)&st->rejected) {
		pthread_mutex_unlock(&st->lock);
		return;
	}
	*con_cls = NULL;
	webhook_answer_locked(st, r, 503, "the connection closed"); /* a client that left */
	st->live--;
	webhook_req_unref_locked(st, r);
	pthread_cond_signal(&st->wake_stop);
	pthread_mutex_unlock(&st->lock);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	webhook_task_t *st = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	SL_WARN(st->tag, "listener: %s", msg);
}

/* ---- the timer thread -------------------------------------------------------- */

/* Answers 503 to requests past their deadline and, once the worker stops,
 * to those poll has not taken. Collects the connections to resume into
 * out (at most cap); returns how many. Under the lock. */
static size_t expire_locked(webhook_task_t *st, struct MHD_Connection **out, size_t cap)
{
	int64_t now = sl_now_ms();
	size_t n = 0;

	while (n < cap && st->whead && st->whead->deadline_ms <= now) {
		struct MHD_Connection *c = webhook_answer_locked(
			st, st->whead, 503,
			"Kafka did not acknowledge the request within webhook.ack.timeout.ms; it "
			"may still be written (at-least-once): retry");
		if (c)
			out[n++] = c;
	}
	if (!sl_task_stopping(st->ctx))
		return n;
	for (webhook_req_t *r = st->qhead; r && n < cap; r = r->qnext) {
		struct MHD_Connection *c =
			webhook_answer_locked(st, r, 503, "the connector is stopping; retry");
		if (c)
			out[n++] = c;
	}
	return n;
}

static void *timer_main(void *arg)
{
	webhook_task_t *st = arg;
	struct MHD_Connection *resume[64];

	pthread_mutex_lock(&st->lock);
	while (!st->stopping) {
		expire_conns_locked(st);
		size_t n = expire_locked(st, resume, SL_ARRAY_LEN(resume));
		if (n) {
			pthread_mutex_unlock(&st->lock);
			for (size_t i = 0; i < n; i++)
				webhook_resume(resume[i]);
			pthread_mutex_lock(&st->lock);
			continue;
		}
		int64_t wait = WEBHOOK_TIMER_TICK_MS, now = sl_now_ms();
		if (st->whead && st->whead->deadline_ms - now < wait)
			wait = st->whead->deadline_ms - now;
		if (st->rhead && st->rhead->deadline_ms - now < wait)
			wait = st->rhead->deadline_ms - now;
		if (st->ihead && st->ihead->deadline_ms - now < wait)
			wait = st->ihead->deadline_ms - now;
		if (wait > 0) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (long)(wait % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L)
				ts.tv_sec++, ts.tv_nsec -= 1000000000L;
			pthread_cond_timedwait(&st->wake_timer, &st->lock, &ts);
		}
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* ---- start and stop ---------------------------------------------------------- */

/* Binds and listens; returns the socket or -1 with the reason in ctx's
 * fail reason and *rc. */
static int bind_socket(webhook_task_t *st, sl_task_ctx_t *ctx, sl_rc_t *rc)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char port[16];
	int fd = -1, one = 1, gai, err;

	*rc = SL_FAIL;
	snprintf(port, sizeof(port), "%d", (int)st->cfg.port);
	if ((gai = getaddrinfo(st->cfg.address, port, &hints, &ai)) != 0) {
		sl_task_fail(ctx, "listener.address %s: %s", st->cfg.address, gai_strerror(gai));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		err = errno;
		/* Another process holds the port: often the worker's previous
		 * run still shutting down, which lets it go; the retry logs why. */
		if (err == EADDRINUSE)
			*rc = SL_RETRY;
		sl_task_fail(
			ctx, "cannot listen on %s:%s: %s%s", st->cfg.address, port, strerror(err),
			err == EADDRINUSE ? " (another process holds the port; retrying)" : "");
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The port fd is bound to. */
static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

sl_rc_t webhook_listener_start(webhook_task_t *st, sl_task_ctx_t *ctx)
{
	sl_rc_t rc;
	int fd = bind_socket(st, ctx, &rc);

	if (fd < 0)
		return rc;
	st->port = bound_port(fd);
	st->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, st, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, st,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, st,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, st, MHD_OPTION_URI_LOG_CALLBACK,
		on_request_line, st, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)WEBHOOK_IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)st->cfg.max_connections, MHD_OPTION_END);
	if (!st->daemon) {
		close(fd);
		sl_task_fail(ctx, "cannot start the HTTP listener on %s:%d (libmicrohttpd)",
			     st->cfg.address, st->port);
		return SL_FAIL;
	}
	if (pthread_create(&st->timer, NULL, timer_main, st) != 0) {
		MHD_stop_daemon(st->daemon);
		st->daemon = NULL;
		sl_task_fail(ctx, "cannot start the timer thread");
		return SL_FAIL;
	}
	st->timer_started = true;
	return SL_OK;
}

/* Waits (bounded) until every request's connection completed. */
static void wait_live_locked(webhook_task_t *st)
{
	int64_t end = sl_now_ms() + WEBHOOK_STOP_GRACE_MS;

	while (st->live > 0 && sl_now_ms() < end) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_sec++, ts.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&st->wake_stop, &st->lock, &ts);
	}
}

void webhook_listener_stop(webhook_task_t *st)
{
	size_t n = 0, cap = 16;
	struct MHD_Connection **resume = sl_malloc(cap * sizeof(*resume));

	pthread_mutex_lock(&st->lock);
	st->stopping = true;
	pthread_cond_broadcast(&st->wake_timer);
	while (st->whead) {
		struct MHD_Connection *c = webhook_answer_locked(
			st, st->whead, 503, "the connector is stopping; retry");
		if (!c)
			continue;
		SL_ARRAY_RESERVE(resume, n + 1, cap);
		resume[n++] = c;
	}
	pthread_mutex_unlock(&st->lock);
	for (size_t i = 0; i < n; i++)
		webhook_resume(resume[i]);
	free(resume);
	if (st->timer_started)
		pthread_join(st->timer, NULL);
	st->timer_started = false;
	pthread_mutex_lock(&st->lock);
	wait_live_locked(st);
	pthread_mutex_unlock(&st->lock);
	if (st->daemon)
		MHD_stop_daemon(st->daemon); /* completes every request left */
	st->daemon = NULL;
	while (st->qhead) { /* requests poll never took */
		webhook_req_t *r = st->qhead;
		st->qhead = r->qnext;
		webhook_req_unref_locked(st, r);
	}
	st->qtail = NULL;
}
