/* http-sink: sends the records of its topics to an HTTP API in batches,
 * with Confluent's HTTP sink keys, over libcurl's multi interface.
 *
 * Positions, per Kafka partition: records are queued in put (copied:
 * the value rendered straight into the queue's bytes, URL, offset) in
 * their Kafka order. The front of each
 * queue is the only batch of that partition in flight (at most one request
 * per partition, max.in.flight over all): a record leaves its queue only
 * when its request got a 2xx or it went through the error policy, so
 * records reach the server in offset order, and a retry resends exactly
 * the batch it retries (hsink_plan holds its size). A refused batch (a 4xx
 * that retrying cannot fix) is split in halves, sent one after the other,
 * down to the records the server refuses, which alone go through the
 * error policy (behavior.on.error, then errors.tolerance and the dead
 * letter queue).
 *
 * flush returns SL_OK only once every queue is empty: everything put so
 * far got its 2xx or went through the error policy. The worker commits
 * consumer offsets only after that, so a crash at any point resends at
 * most the records since the last commit (at-least-once; the server may
 * see a batch twice, never miss one). put sends full batches only; flush
 * sends what waits. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_client.h"
#include "http_sink_batch.h"
#include "http_sink_config.h"
#include "http_sink_report.h"
#include "sluice/connector.h"

/* Records waiting (queued or in flight) past which put waits for
 * requests to finish, within its time, and then asks for a flush: at least
 * this many, or enough for HSINK_WAITING_BATCHES full batches per request
 * slot. Kept small so that a flush (which sends everything) is short and
 * offsets are committed often. */
#define HSINK_WAITING_MIN_RECORDS 10000
#define HSINK_WAITING_BATCHES 16
#define HSINK_WAITING_MAX_BYTES (64 * 1024 * 1024)
/* The longest backoff and Retry-After wait. */
#define HSINK_BACKOFF_CAP_MS 30000
#define HSINK_RETRY_AFTER_CAP_MS 120000
/* libcurl's upload buffer of a request (see set_method). */
#define HSINK_UPLOAD_BUFFER (512L * 1024)
/* Response bytes kept for messages, and for result reports. */
#define HSINK_RESPONSE_MAX 4096
#define HSINK_REPORT_RESPONSE_MAX (1024 * 1024)
#define HSINK_EXCERPT 256
/* The size of a queue's blocks of rendered values (hsink_block_t), and how
 * many emptied ones a queue keeps for reuse (fresh ones cost page faults). */
#define HSINK_BLOCK_BYTES (128 * 1024)
#define HSINK_SPARE_BLOCKS 8
/* A flush that waits this long logs what it waits for. */
#define HSINK_FLUSH_LOG_MS 30000

/* One Kafka partition's queue. */
typedef struct hsink_part {
	char *topic;
	int32_t partition;
	char *url;         /* its URL when http.api.url uses no ${key} */
	hsink_rec_t *recs; /* waiting: recs[head, tail) */
	size_t head, tail, cap;
	/* The rendered values of recs, in order: blocks from first to last
	 * (the newest), and emptied ones kept for reuse. */
	hsink_block_t *first, *last, *spare;
	size_t nspare;
	hsink_plan_t plan;
	bool busy;        /* its front batch is in flight */
	int attempt;      /* retries of the front batch so far */
	int64_t retry_at; /* sl_now_ms() before which the front batch waits */
} hsink_part_t;

/* One request slot of max.in.flight. */
typedef struct hsink_req {
	CURL *easy;
	struct curl_slist *hdrs;
	hsink_body_reader_t body; /* the body, read from part's blocks */
	const hsink_batch_fmt_t *fmt;
	http_response_t resp;
	hsink_part_t *part;
	size_t n; /* records of the batch: part's front */
	bool busy;
	char err[CURL_ERROR_SIZE];
} hsink_req_t;

typedef struct hsink_task {
	hsink_config_t cfg;
	sl_task_ctx_t *ctx;
	http_client_t client;
	http_codes_t retry_codes;
	char **headers;
	bool has_ct; /* headers hold a Content-Type */
	hsink_batch_fmt_t fmt;
	int url_scope;
	CURLM *multi;
	hsink_req_t *reqs;
	size_t busy;
	hsink_part_t **parts;
	size_t nparts, parts_cap, last_part, rr;
	size_t waiting, waiting_bytes;
	size_t waiting_max; /* see HSINK_WAITING_MIN_RECORDS */
	bool flushing, fatal;
	uint64_t rng;
	sl_buf_t scratch;
	hsink_reporter_t reporter;
	bool keep_keys; /* a report is on: records keep their keys */
} hsink_task_t;

static const char *const hsink_aliases[] = {
	"io.confluent.connect.http.HttpSinkConnector",
	"io.aiven.kafka.connect.http.HttpSinkConnector",
	NULL,
};

/* ---- partitions ------------------------------------------------------------- */

static hsink_part_t *part_get(hsink_task_t *st, const char *topic, int32_t partition)
{
	if (st->nparts) {
		hsink_part_t *p = st->parts[st->last_part];
		if (p->partition == partition && strcmp(p->topic, topic) == 0)
			return p;
	}
	for (size_t i = 0; i < st->nparts; i++) {
		hsink_part_t *p = st->parts[i];
		if (p->partition == partition && strcmp(p->topic, topic) == 0) {
			st->last_part = i;
			return p;
		}
	}
	if (st->nparts == st->parts_cap) {
		st->parts_cap = st->parts_cap ? st->parts_cap * 2 : 16;
		st->parts = sl_realloc(st->parts, st->parts_cap * sizeof(*st->parts));
	}
	hsink_part_t *p = sl_calloc(1, sizeof(*p));
	p->topic = sl_strdup(topic);
	p->partition = partition;
	if (st->url_scope == 1) {
		sl_buf_t u = {0};
		(void)hsink_url_expand(st->cfg.url, topic, partition, NULL, &u, NULL, 0);
		p->url = sl_buf_steal(&u);
	}
	st->last_part = st->nparts;
	st->parts[st->nparts++] = p;
	return p;
}

static void rec_free(hsink_rec_t *r)
{
	if (r->url_owned)
		free((char *)r->url);
	free(r->key);
}

static void block_free(hsink_block_t *b)
{
	if (b)
		sl_buf_free(&b->bytes);
	free(b);
}

static void part_free(hsink_part_t *p)
{
	for (size_t i = p->head; i < p->tail; i++)
		rec_free(&p->recs[i]);
	free(p->recs);
	while (p->first) {
		hsink_block_t *b = p->first;
		p->first = b->next;
		block_free(b);
	}
	while (p->spare) {
		hsink_block_t *b = p->spare;
		p->spare = b->next;
		block_free(b);
	}
	hsink_plan_free(&p->plan);
	free(p->url);
	free(p->topic);
	free(p);
}

static hsink_rec_t *part_push(hsink_part_t *p)
{
	if (p->tail == p->cap) {
		if (p->head > p->cap / 2) { /* reuse the room before head */
			memmove(p->recs, p->recs + p->head,
				(p->tail - p->head) * sizeof(hsink_rec_t));
			p->tail -= p->head;
			p->head = 0;
		} else {
			p->cap = p->cap ? p->cap * 2 : 64;
			p->recs = sl_realloc(p->recs, p->cap * sizeof(hsink_rec_t));
		}
	}
	hsink_rec_t *r = &p->recs[p->tail++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Drops the front n records (delivered or through the error policy). */
static void part_pop(hsink_task_t *st, hsink_part_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		hsink_rec_t *r = &p->recs[p->head + i];
		st->waiting_bytes -= r->body_len;
		rec_free(r);
	}
	p->head += n;
	st->waiting -= n;
	if (p->head == p->tail)
		p->head = p->tail = 0;
	/* the blocks before the front record's are done with */
	const hsink_block_t *front = p->head < p->tail ? p->recs[p->head].block : NULL;
	while (p->first && p->first != front) {
		hsink_block_t *b = p->first;
		p->first = b->next;
		if (!p->first)
			p->last = NULL;
		if (p->nspare == HSINK_SPARE_BLOCKS) {
			block_free(b);
			continue;
		}
		b->bytes.len = 0;
		b->next = p->spare;
		p->spare = b;
		p->nspare++;
	}
}

/* The block the next value of p goes into: the newest while it has room. */
static hsink_block_t *part_block(hsink_part_t *p)
{
	if (p->last && p->last->bytes.len < HSINK_BLOCK_BYTES)
		return p->last;
	hsink_block_t *b = p->spare;
	if (b) {
		p->spare = b->next;
		p->nspare--;
		b->next = NULL;
	} else {
		b = sl_calloc(1, sizeof(*b));
		sl_buf_reserve(&b->bytes, HSINK_BLOCK_BYTES);
	}
	if (p->last)
		p->last->next = b;
	else
		p->first = b;
	p->last = b;
	return b;
}

/* ---- the error policy --------------------------------------------------------- */

/* What a report says of record r of p. */
static hsink_report_in_t report_in(const hsink_part_t *p, const hsink_rec_t *r)
{
	return (hsink_report_in_t){.topic = p->topic,
				   .partition = p->partition,
				   .offset = r->offset,
				   .timestamp = r->timestamp,
				   .key = r->key,
				   .key_len = r->key_len,
				   .payload = r->body_len ? hsink_rec_body(r) : NULL,
				   .payload_len = r->body_len};
}

/* What the server said, from request q (NULL when none was made). */
static hsink_report_out_t report_out(const hsink_req_t *q, const hsink_rec_t *front,
				     const char *why)
{
	hsink_report_out_t o = {.url = front->url, .why = why};
	if (q) {
		o.status = q->resp.status;
		o.response = q->resp.body.data;
		o.response_len = q->resp.body.len;
	}
	return o;
}

/* Sends one record that failed for good to the error report and through
 * behavior.on.error; q is its request (NULL when none was made). */
static void hsink_policy(hsink_task_t *st, const hsink_part_t *p, const hsink_rec_t *r,
			 const hsink_req_t *q, const char *why)
{
	if (st->reporter.error_topic) {
		hsink_report_in_t in = report_in(p, r);
		hsink_report_out_t out = report_out(q, &p->recs[p->head], why);
		if (hsink_report_error(st->ctx, &st->reporter, &in, &out) != SL_OK) {
			st->fatal = true;
			return;
		}
	}
	if (st->cfg.on_error == HSINK_ERROR_IGNORE) {
		SL_TASK_DEBUG(st->ctx, "skipped (behavior.on.error=ignore): %s", why);
		return;
	}
	if (st->cfg.on_error == HSINK_ERROR_LOG) {
		SL_TASK_WARN(st->ctx,
			     "skipped (behavior.on.error=log): %s (topic %s partition %d "
			     "offset %lld)",
			     why, p->topic, (int)p->partition, (long long)r->offset);
		return;
	}
	/* the record as far as it is kept: its place in Kafka, which the
	 * error policy names and puts in the dead letter queue headers */
	sl_record_t rec;
	sl_record_init(&rec);
	rec.topic = p->topic;
	rec.partition = p->partition;
	rec.offset = r->offset;
	if (sl_task_report_error(st->ctx, "TASK_PUT", &rec, r->body_len ? hsink_rec_body(r) : NULL,
				 r->body_len, "%s", why) != SL_OK)
		st->fatal = true;
}

/* "POST url answered 400: <excerpt>" or "POST url failed: <curl error>". */
static void describe(const hsink_task_t *st, const hsink_req_t *q, bool transport, CURLcode cc,
		     const hsink_rec_t *front, sl_buf_t *out)
{
	const char *method = front->is_delete ? "DELETE" : hsink_methods[st->cfg.method];
	sl_buf_reset(out);
	if (transport) {
		sl_buf_appendf(out, "%s %s failed: %s", method, front->url,
			       q && q->err[0] ? q->err : curl_easy_strerror(cc));
		return;
	}
	sl_buf_appendf(out, "%s %s answered %ld", method, front->url, q->resp.status);
	const sl_buf_t *b = &q->resp.body;
	if (!b->len)
		return;
	sl_buf_append_str(out, ": ");
	size_t n = b->len < HSINK_EXCERPT ? b->len : HSINK_EXCERPT;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b->data[i];
		sl_buf_append_char(out, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	if (b->len > n || q->resp.body_truncated)
		sl_buf_append_str(out, "...");
}

/* ---- outcomes ------------------------------------------------------------------ */

/* The front n records of p failed for good. */
static void fail_front(hsink_task_t *st, hsink_part_t *p, size_t n, const hsink_req_t *q,
		       const char *why)
{
	for (size_t i = 0; i < n && !st->fatal; i++)
		hsink_policy(st, p, &p->recs[p->head + i], q, why);
	if (st->fatal)
		return; /* the task fails; nothing more is committed */
	part_pop(st, p, n);
	hsink_plan_done(&p->plan);
	p->attempt = 0;
}

/* The front n records of p were delivered by request q: their result
 * reports. */
static void report_delivered(hsink_task_t *st, hsink_part_t *p, size_t n, const hsink_req_t *q)
{
	hsink_report_out_t out = report_out(q, &p->recs[p->head], NULL);
	for (size_t i = 0; i < n && !st->fatal; i++) {
		hsink_report_in_t in = report_in(p, &p->recs[p->head + i]);
		if (hsink_report_result(st->ctx, &st->reporter, &in, &out) != SL_OK)
			st->fatal = true;
	}
}

/* Acts on the outcome of p's front batch of n records; q is its request
 * (NULL when none could be made). */
static void settle(hsink_task_t *st, hsink_part_t *p, size_t n, hsink_outcome_t o,
		   const hsink_req_t *q, const char *why)
{
	long status = q ? q->resp.status : 0;
	const char *retry_after = q ? q->resp.retry_after : NULL;
	char final[1024];
	if (o == HSINK_RETRY && p->attempt >= st->cfg.max_retries) {
		/* a 4xx of retry.on.status.codes is a refusal after all: split */
		bool user_4xx = status >= 400 && status < 500 && status != 408 && status != 429 &&
				status != 401;
		o = n > 1 && user_4xx ? HSINK_REFUSED : HSINK_FAILED;
		snprintf(final, sizeof(final), "%s (after %d retries)", why ? why : "", p->attempt);
		why = final;
	}
	switch (o) {
	case HSINK_DELIVERED:
		if (st->reporter.result_topic) {
			report_delivered(st, p, n, q);
			if (st->fatal)
				return; /* the task fails; nothing more is committed */
		}
		part_pop(st, p, n);
		hsink_plan_done(&p->plan);
		p->attempt = 0;
		return;
	case HSINK_RETRY: {
		p->attempt++;
		int64_t b =
			hsink_backoff_ms(p->attempt, st->cfg.retry_backoff_ms, HSINK_BACKOFF_CAP_MS,
					 st->cfg.backoff_policy, &st->rng);
		int64_t wait =
			hsink_retry_wait_ms(b, retry_after, time(NULL), HSINK_RETRY_AFTER_CAP_MS);
		p->retry_at = sl_now_ms() + wait;
		hsink_plan_hold(&p->plan, n);
		SL_TASK_WARN(st->ctx, "%s; retry %d of %lld of %zu record(s) in %lld ms", why,
			     p->attempt, (long long)st->cfg.max_retries, n, (long long)wait);
		return;
	}
	case HSINK_REFUSED:
		if (n > 1) {
			SL_TASK_INFO(st->ctx,
				     "%s; splitting the batch of %zu records to find the "
				     "refused ones",
				     why, n);
			hsink_plan_split(&p->plan, n);
			p->attempt = 0;
			return;
		}
		fail_front(st, p, n, q, why);
		return;
	case HSINK_FAILED:
		fail_front(st, p, n, q, why);
		return;
	}
}

/* ---- requests ------------------------------------------------------------------ */

/* libcurl's read callback: the next bytes of q's body, read from the
 * records of its batch (the front of its partition's queue) where they
 * lie, so a body is never assembled. */
static size_t read_body(char *buf, size_t size, size_t nitems, void *arg)
{
	hsink_req_t *q = arg;
	const hsink_part_t *p = q->part;
	return hsink_body_read(&q->body, q->fmt, &p->recs[p->head], q->n, buf, size * nitems);
}

/* libcurl's seek callback: back to the start, to send the body again (a
 * reused connection that turned out closed, a redirect). */
static int seek_body(void *arg, curl_off_t offset, int origin)
{
	hsink_req_t *q = arg;
	if (offset != 0 || origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	q->body = (hsink_body_reader_t){0};
	return CURL_SEEKFUNC_OK;
}

/* The method and body of the request: the handle is reused without a
 * reset (which would make libcurl allocate its upload buffer again, 512
 * KiB of fresh pages per request), so what the last request set is
 * replaced here. */
static void set_method(const hsink_task_t *st, CURL *e, const hsink_rec_t *front, size_t n)
{
	if (front->is_delete) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L); /* no body */
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
		return;
	}
	curl_easy_setopt(e, CURLOPT_POST, 1L); /* the body from read_body */
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)hsink_body_size(&st->fmt, front, n));
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
			 st->cfg.method != HSINK_POST ? hsink_methods[st->cfg.method] : NULL);
}

/* Starts p's front batch of n records on the free slot q. */
static void start_request(hsink_task_t *st, hsink_part_t *p, size_t n, hsink_req_t *q)
{
	const hsink_rec_t *front = &p->recs[p->head];
	char err[512];
	CURL *e = q->easy;

	q->hdrs = NULL;
	int prc = http_client_prepare(&st->client, e, &q->hdrs, err, sizeof(err));
	if (prc != 0) {
		curl_slist_free_all(q->hdrs);
		q->hdrs = NULL;
		if (prc < 0) {
			sl_task_fail(st->ctx, "%s", err);
			st->fatal = true;
			return;
		}
		settle(st, p, n, HSINK_RETRY, NULL, err);
		return;
	}
	for (size_t i = 0; st->headers[i]; i++)
		q->hdrs = curl_slist_append(q->hdrs, st->headers[i]);
	if (!front->is_delete && !st->has_ct)
		q->hdrs = curl_slist_append(q->hdrs,
					    st->cfg.body_format == HSINK_FORMAT_JSON
						    ? "Content-Type: application/json"
						    : "Content-Type: text/plain; charset=UTF-8");
	q->hdrs = curl_slist_append(q->hdrs, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->hdrs);
	curl_easy_setopt(e, CURLOPT_URL, front->url);
	q->body = (hsink_body_reader_t){0};
	set_method(st, e, front, n);
	http_response_attach(&q->resp, e);
	q->err[0] = '\0';
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->err);
	curl_easy_setopt(e, CURLOPT_PRIVATE, q);
	q->part = p;
	q->n = n;
	q->busy = p->busy = true;
	st->busy++;
	curl_multi_add_handle(st->multi, e);
}

/* A request finished with cc: classifies it and settles its batch. */
static void finish_request(hsink_task_t *st, hsink_req_t *q, CURLcode cc)
{
	hsink_part_t *p = q->part;
	curl_off_t us = 0;
	if (curl_easy_getinfo(q->easy, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		sl_task_metric_observe(st->ctx, "http_sink_request_duration_seconds",
				       "Time of an http-sink request, answered or not.",
				       (double)us / 1e6);
	curl_multi_remove_handle(st->multi, q->easy);
	curl_slist_free_all(q->hdrs);
	q->hdrs = NULL;
	q->busy = p->busy = false;
	st->busy--;
	/* a body over the kept size ends the transfer; the status came */
	bool transport = cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && q->resp.body_truncated);
	bool oauth2 = st->cfg.http.auth_type == HTTP_AUTH_OAUTH2;
	hsink_outcome_t o =
		hsink_classify(transport, http_curl_transient(cc), q->resp.status, &st->retry_codes,
			       hsink_plan_splitting(&p->plan), oauth2);
	if (!transport && q->resp.status == 401 && oauth2)
		http_client_token_invalidate(&st->client);
	if (o == HSINK_DELIVERED) {
		settle(st, p, q->n, o, q, NULL);
		return;
	}
	if (transport)
		q->resp.status = 0;
	describe(st, q, transport, cc, &p->recs[p->head], &st->scratch);
	char *why = sl_buf_steal(&st->scratch);
	settle(st, p, q->n, o, q, why);
	free(why);
}

/* The size of p's next batch, or 0 when it should wait. */
static size_t ready_size(const hsink_task_t *st, const hsink_part_t *p, int64_t now)
{
	if (p->busy || p->head == p->tail || now < p->retry_at)
		return 0;
	size_t planned = hsink_plan_next(&p->plan);
	if (planned)
		return planned;
	bool partial;
	size_t n = hsink_batch_extent(&p->recs[p->head], p->tail - p->head,
				      (size_t)st->cfg.batch_max_size, &partial);
	return partial && !st->flushing ? 0 : n;
}

/* Starts the batches that are ready, partitions in turn, up to
 * max.in.flight. Returns how many started. */
static int start_ready(hsink_task_t *st)
{
	int64_t now = sl_now_ms();
	int started = 0;
	for (size_t k = 0; k < st->nparts && !st->fatal; k++) {
		if (st->busy >= (size_t)st->cfg.max_in_flight)
			break;
		hsink_part_t *p = st->parts[(st->rr + k) % st->nparts];
		size_t n = ready_size(st, p, now);
		if (!n)
			continue;
		hsink_req_t *q = st->reqs;
		while (q->busy)
			q++;
		start_request(st, p, n, q);
		started++;
	}
	if (st->nparts)
		st->rr = (st->rr + 1) % st->nparts;
	return started;
}

static void reap(hsink_task_t *st)
{
	CURLMsg *m;
	int left;
	while (!st->fatal && (m = curl_multi_info_read(st->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		hsink_req_t *q = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
		finish_request(st, q, m->data.result);
	}
}

/* Milliseconds until the earliest waiting retry is due (wait_ms at most). */
static int next_due(const hsink_task_t *st, int wait_ms)
{
	int64_t now = sl_now_ms(), best = wait_ms;
	for (size_t i = 0; i < st->nparts; i++) {
		const hsink_part_t *p = st->parts[i];
		if (!p->busy && p->head != p->tail && p->retry_at - now < best)
			best = p->retry_at > now ? p->retry_at - now : 0;
	}
	return (int)best;
}

/* Moves every request on: starts what is ready, lets libcurl work, waits
 * up to wait_ms for a socket or a retry when wait_ms > 0, and settles
 * what finished. */
static void drive(hsink_task_t *st, int wait_ms)
{
	int running;
	start_ready(st);
	curl_multi_perform(st->multi, &running);
	reap(st);
	if (wait_ms > 0 && !st->fatal) {
		int w = next_due(st, wait_ms);
		if (w > 0 && start_ready(st) == 0)
			curl_multi_poll(st->multi, NULL, 0, w, NULL);
		curl_multi_perform(st->multi, &running);
		reap(st);
	}
	if (!st->fatal && start_ready(st) > 0) {
		curl_multi_perform(st->multi, &running);
		reap(st);
	}
}

/* ---- the task ------------------------------------------------------------------ */

static char *memdup_nul(const char *p, size_t n)
{
	char *c = sl_malloc(n + 1);
	if (n)
		memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

/* A tombstone that is not sent as a DELETE: skipped or refused. */
static sl_rc_t null_value(hsink_task_t *st, const sl_record_t *rec)
{
	if (st->cfg.on_null == HSINK_NULL_LOG)
		SL_TASK_INFO(st->ctx,
			     "null value skipped (behavior.on.null.values=log): topic %s "
			     "partition %d offset %lld",
			     rec->topic, (int)rec->partition, (long long)rec->offset);
	if (st->cfg.on_null != HSINK_NULL_FAIL)
		return SL_OK;
	return sl_task_report_error(st->ctx, "TASK_PUT", rec, NULL, 0,
				    "the value is null (behavior.on.null.values=fail)");
}

/* The URL of rec in p: the task's, the partition's or its own (*owned). */
static const char *rec_url(hsink_task_t *st, const hsink_part_t *p, const sl_record_t *rec,
			   bool *owned, char *err, size_t err_size)
{
	*owned = false;
	if (st->url_scope == 0)
		return st->cfg.url;
	if (st->url_scope == 1)
		return p->url;
	sl_buf_t u = {0};
	if (hsink_url_expand(st->cfg.url, rec->topic, rec->partition, &rec->key, &u, err,
			     err_size) != 0) {
		sl_buf_free(&u);
		return NULL;
	}
	*owned = true;
	return sl_buf_steal(&u);
}

/* Copies what the sink needs of rec into its partition's queue (the value
 * rendered straight into the queue's bytes), or sends rec through the
 * error policy when it cannot be rendered. */
static sl_rc_t enqueue(hsink_task_t *st, const sl_record_t *rec)
{
	const sl_value_t *v = &rec->value;
	bool null = v->kind == SL_VALUE_NULL || (v->kind == SL_VALUE_JSON && !v->json);
	char err[512];

	if (null && st->cfg.on_null != HSINK_NULL_DELETE)
		return null_value(st, rec);
	hsink_part_t *p = part_get(st, rec->topic, rec->partition);
	hsink_block_t *b = part_block(p);
	size_t at = b->bytes.len;
	if (!null && hsink_render_value(&b->bytes, v, (hsink_body_format_t)st->cfg.body_format, err,
					sizeof(err)) != 0) {
		b->bytes.len = at;
		return sl_task_report_error(st->ctx, "TASK_PUT", rec, v->data,
					    v->kind == SL_VALUE_JSON ? 0 : v->len, "%s", err);
	}
	bool owned;
	const char *url = rec_url(st, p, rec, &owned, err, sizeof(err));
	if (!url) {
		b->bytes.len = at;
		return sl_task_report_error(st->ctx, "TASK_PUT", rec, v->data,
					    v->kind == SL_VALUE_JSON ? 0 : v->len, "%s", err);
	}
	hsink_rec_t *r = part_push(p);
	r->url = url;
	r->url_owned = owned;
	r->is_delete = null;
	r->offset = rec->offset;
	r->timestamp = rec->timestamp;
	r->block = b;
	r->body_at = at;
	r->body_len = b->bytes.len - at;
	if (st->keep_keys && rec->key.kind != SL_VALUE_NULL) {
		sl_buf_reset(&st->scratch);
		if (hsink_render_value(&st->scratch, &rec->key, HSINK_FORMAT_STRING, err,
				       sizeof(err)) == 0) {
			r->key = memdup_nul(st->scratch.data, st->scratch.len);
			r->key_len = st->scratch.len;
		}
	}
	st->waiting++;
	st->waiting_bytes += r->body_len;
	return SL_OK;
}

static bool too_much_waiting(const hsink_task_t *st)
{
	return st->waiting > st->waiting_max || st->waiting_bytes > HSINK_WAITING_MAX_BYTES;
}

/* Queues every record and starts the full batches. Never SL_RETRY: the
 * records are taken (copied) or went through the error policy. */
static sl_rc_t hsink_put(sl_task_ctx_t *ctx, sl_record_t *records, size_t count)
{
	hsink_task_t *st = sl_task_data(ctx);
	if (st->fatal)
		return SL_FAIL;
	size_t batch = st->cfg.batch_max_size > 0 ? (size_t)st->cfg.batch_max_size : 1;
	for (size_t i = 0; i < count; i++) {
		if (enqueue(st, &records[i]) != SL_OK) {
			st->fatal = true;
			return SL_FAIL;
		}
		/* a batch may be full: start it now rather than after the
		 * whole put, so the server works while the rest is queued */
		if ((i + 1) % batch == 0)
			drive(st, 0);
	}
	drive(st, 0);
	int64_t deadline = sl_now_ms() + sl_task_timeout_ms(ctx);
	while (!st->fatal && too_much_waiting(st) && !sl_task_stopping(ctx)) {
		int64_t left = deadline - sl_now_ms();
		if (left <= 0) {
			sl_task_request_flush(ctx);
			break;
		}
		drive(st, left < 100 ? (int)left : 100);
	}
	return st->fatal ? SL_FAIL : SL_OK;
}

/* Logs what a long flush waits for. */
static void log_waiting(hsink_task_t *st, int64_t since)
{
	size_t retrying = 0;
	for (size_t i = 0; i < st->nparts; i++)
		retrying += st->parts[i]->attempt > 0;
	SL_TASK_WARN(st->ctx,
		     "flush has waited %lld s for %zu record(s): %zu request(s) in flight, %zu "
		     "partition(s) retrying",
		     (long long)((sl_now_ms() - since) / 1000), st->waiting, st->busy, retrying);
}

/* Sends everything that waits, partial batches too, and returns once every
 * record got its 2xx or went through the error policy. */
static sl_rc_t hsink_flush(sl_task_ctx_t *ctx)
{
	hsink_task_t *st = sl_task_data(ctx);
	int64_t since = sl_now_ms(), next_log = since + HSINK_FLUSH_LOG_MS;

	st->flushing = true;
	while (!st->fatal && st->waiting > 0) {
		if (sl_task_stopping(ctx)) {
			st->flushing = false;
			sl_task_fail(ctx, "stopping with %zu record(s) not yet delivered",
				     st->waiting);
			return SL_RETRY;
		}
		drive(st, 100);
		if (sl_now_ms() >= next_log) {
			log_waiting(st, since);
			next_log += HSINK_FLUSH_LOG_MS;
		}
	}
	st->flushing = false;
	return st->fatal ? SL_FAIL : SL_OK;
}

static void task_free(hsink_task_t *st)
{
	if (!st)
		return;
	for (size_t i = 0; st->reqs && i < (size_t)st->cfg.max_in_flight; i++) {
		hsink_req_t *q = &st->reqs[i];
		if (q->busy)
			curl_multi_remove_handle(st->multi, q->easy);
		if (q->easy)
			curl_easy_cleanup(q->easy);
		curl_slist_free_all(q->hdrs);
		http_response_free(&q->resp);
	}
	free(st->reqs);
	if (st->multi)
		curl_multi_cleanup(st->multi);
	for (size_t i = 0; i < st->nparts; i++)
		part_free(st->parts[i]);
	free(st->parts);
	http_client_free(&st->client);
	http_codes_free(&st->retry_codes);
	sl_strlist_free(st->headers);
	sl_buf_free(&st->scratch);
	hsink_reporter_free(&st->reporter);
	sl_options_free(hsink_options, &st->cfg);
	free(st);
}

/* Confluent's reporter, from the options: which reports are on. */
static void reporter_init(hsink_task_t *st, const sl_config_t *config)
{
	hsink_reporter_t *r = &st->reporter;
	const char *name = sl_task_connector_name(st->ctx);
	r->result_topic = hsink_report_topic(&st->cfg, config, "result", name);
	r->error_topic = hsink_report_topic(&st->cfg, config, "error", name);
	r->result_partitions = (int)st->cfg.result_partitions;
	r->result_rf = (int)st->cfg.result_rf;
	r->error_partitions = (int)st->cfg.error_partitions;
	r->error_rf = (int)st->cfg.error_rf;
	r->errors_as_response = st->cfg.errors_as == HSINK_ERRORS_AS_RESPONSE;
	st->keep_keys = r->result_topic || r->error_topic;
	if (st->keep_keys)
		SL_TASK_INFO(st->ctx, "reporting results to %s and errors to %s",
			     r->result_topic ? r->result_topic : "(off)",
			     r->error_topic ? r->error_topic : "(off)");
}

/* The libcurl side: the multi handle and one easy handle per slot. */
static void setup_curl(hsink_task_t *st)
{
	size_t n = (size_t)st->cfg.max_in_flight;
	http_client_init(&st->client, &st->cfg.http);
	st->multi = curl_multi_init();
	curl_multi_setopt(st->multi, CURLMOPT_MAXCONNECTS, (long)n);
	st->reqs = sl_calloc(n, sizeof(hsink_req_t));
	for (size_t i = 0; i < n; i++) {
		hsink_req_t *q = &st->reqs[i];
		q->easy = curl_easy_init();
		q->fmt = &st->fmt;
		curl_easy_setopt(q->easy, CURLOPT_READFUNCTION, read_body);
		curl_easy_setopt(q->easy, CURLOPT_READDATA, q);
		curl_easy_setopt(q->easy, CURLOPT_SEEKFUNCTION, seek_body);
		curl_easy_setopt(q->easy, CURLOPT_SEEKDATA, q);
		/* libcurl sends a body in pieces of its upload buffer (64 KiB),
		 * one piece per curl_multi_perform: a batch of 500 records of
		 * 200 B took two calls, the second only after the next put. Set
		 * once: setting it frees the buffer. */
		curl_easy_setopt(st->reqs[i].easy, CURLOPT_UPLOAD_BUFFERSIZE, HSINK_UPLOAD_BUFFER);
		st->reqs[i].resp.max_body =
			st->reporter.result_topic ? HSINK_REPORT_RESPONSE_MAX : HSINK_RESPONSE_MAX;
	}
}

static sl_rc_t hsink_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	hsink_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;
	char err[256];
	bool has_ct;

	st->ctx = ctx;
	if (sl_options_load(hsink_options, config, &st->cfg, &errs) != 0 ||
	    hsink_resolve(&st->cfg, config, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	if (http_codes_parse(st->cfg.retry_codes, &st->retry_codes, err, sizeof(err)) != 0) {
		sl_task_fail(ctx, "option 'retry.on.status.codes': %s", err);
		goto out;
	}
	st->headers = hsink_headers_parse(st->cfg.headers, st->cfg.header_separator, &has_ct, err,
					  sizeof(err));
	st->has_ct = has_ct;
	st->fmt = (hsink_batch_fmt_t){.prefix = st->cfg.batch_prefix,
				      .separator = st->cfg.batch_separator,
				      .suffix = st->cfg.batch_suffix,
				      .json_array = st->cfg.batch_json_array};
	st->url_scope = hsink_url_scope(st->cfg.url);
	st->waiting_max =
		(size_t)(HSINK_WAITING_BATCHES * st->cfg.batch_max_size * st->cfg.max_in_flight);
	if (st->waiting_max < HSINK_WAITING_MIN_RECORDS)
		st->waiting_max = HSINK_WAITING_MIN_RECORDS;
	st->rng = (uint64_t)sl_now_ms() * 2654435761u + (uint64_t)sl_task_id(ctx) + 1;
	reporter_init(st, config);
	setup_curl(st);
	sl_task_set_sink_headers(ctx, false);
	SL_TASK_INFO(ctx, "sending to %s (%s, batches of up to %lld, %lld request(s) in flight)",
		     st->cfg.url, hsink_methods[st->cfg.method], (long long)st->cfg.batch_max_size,
		     (long long)st->cfg.max_in_flight);
	sl_task_set_data(ctx, st);
	st = NULL;
	rc = SL_OK;
out:
	task_free(st);
	sl_errlist_free(&errs);
	return rc;
}

/* Records not flushed are dropped: their offsets are not committed, so
 * they are sent again after a restart. */
static void hsink_stop(sl_task_ctx_t *ctx)
{
	task_free(sl_task_data(ctx));
	sl_task_set_data(ctx, NULL);
}

static const sl_sink_ops_t hsink_ops = {
	.start = hsink_start,
	.put = hsink_put,
	.flush = hsink_flush,
	.stop = hsink_stop,
};

const sl_connector_t http_sink_connector = {
	.name = "http-sink",
	.aliases = hsink_aliases,
	.kind = SL_SINK,
	.doc = "Sends the records of its topics to an HTTP API (Confluent's HTTP sink keys), "
	       "batched per Kafka partition and URL, up to max.in.flight requests at once and "
	       "one per partition, so each partition's records arrive in order. Connection "
	       "errors, timeouts, 5xx, 408 and 429 are retried with backoff and jitter "
	       "(Retry-After honoured) up to max.retries; a batch the server refuses (4xx) is "
	       "split in halves down to the records refused, which alone go through the error "
	       "policy (the dead letter queue gets them with status and response excerpt). "
	       "Consumer offsets are committed only once every record before them got a 2xx "
	       "or went through the error policy (at-least-once).",
	.options = hsink_options,
	.validate = hsink_validate,
	.sink = &hsink_ops,
};
