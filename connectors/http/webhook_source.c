/* webhook-source: an HTTP listener whose every POST becomes Kafka records,
 * answered only once Kafka has acknowledged all of them.
 *
 * Positions. A webhook has no position anyone could replay from: the
 * sender holds the event until it gets an answer, and that answer is the
 * only acknowledgement this source gives upstream. So the story of
 * positions is the story of the answer. A request is "received" when its
 * body is complete and passes the checks (size, content type, signature,
 * JSON); it is queued with its connection suspended, and poll turns it
 * into records whose ack_data points back to it. It is "confirmed" only
 * when acked() has reported SL_DELIVERED for every one of its records:
 * then, and never before, it gets 200 (webhook.response.status). Any
 * other outcome (SL_SKIPPED by the error policy, SL_FAILED, SL_DROPPED at
 * stop) answers 503 with the reason, so a sender that retries on failure
 * loses nothing. A request not confirmed within webhook.ack.timeout.ms
 * gets 503 with Retry-After: its records may still be written, so a retry
 * may write it twice (at-least-once, never at-most-once).
 *
 * Offsets. Records carry the source partition {"webhook":
 * "<address>:<port><path>"} (as configured) and no source offset: the
 * worker stores nothing for them and `sluice offsets` shows nothing to
 * reset. After a crash (SIGKILL) the requests in flight simply never got
 * their 200; their senders retry. Nothing answered 200 is lost, because
 * the 200 followed Kafka's acknowledgement.
 *
 * Threads. libmicrohttpd runs its own thread (webhook_listener.c), a
 * timer thread answers requests past their deadline (and cuts connections
 * whose request did not arrive whole in time), and the task thread
 * runs poll and acked; they share the queue and the request states under
 * the task's lock. While records are in flight poll returns within 1 ms,
 * because the worker serves Kafka's delivery reports (and so acked())
 * only between polls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http_util.h"
#include "sluice/array.h"
#include "webhook.h"

/* Records one poll takes at most (a single larger split request is taken
 * whole). */
#define WEBHOOK_POLL_MAX_RECORDS 2000

static const char *const value_formats[] = {"auto", "json", "string", "bytes", NULL};
static const char *const sig_formats[] = {"github", "stripe", "hex", NULL};
static const char *const default_sig_headers[] = {"X-Hub-Signature-256", "Stripe-Signature",
						  "X-Signature"};

static bool check_path(const char *value, char *why, size_t why_size)
{
	if (value[0] == '/')
		return true;
	snprintf(why, why_size, "a path starts with '/'");
	return false;
}

static bool check_media(const char *value, char *why, size_t why_size)
{
	if (strchr(value, '/') && !strchr(value, ';'))
		return true;
	snprintf(why, why_size, "a media type is type/subtype (a '*' may stand for either)");
	return false;
}

static const sl_option_t webhook_options[] = {
	{.name = "listener.address",
	 .type = SL_OPT_STRING,
	 .def = "127.0.0.1",
	 .doc = "The address to listen on: an IPv4 or IPv6 address or a host name; 0.0.0.0 for "
		"every interface.",
	 SL_OPT_AT(webhook_config_t, address)},
	{.name = "listener.port",
	 .type = SL_OPT_INT,
	 .required = true,
	 .doc = "The TCP port to listen on; 0 picks a free port and logs it (for tests).",
	 SL_OPT_MIN(0),
	 SL_OPT_MAX(65535),
	 SL_OPT_AT(webhook_config_t, port)},
	{.name = "listener.path",
	 .type = SL_OPT_STRING,
	 .def = "/",
	 .doc = "The path webhooks are POSTed to; another path gets 404.",
	 .check = check_path,
	 SL_OPT_AT(webhook_config_t, path)},
	{.name = "listener.max.connections",
	 .type = SL_OPT_INT,
	 .def = "4096",
	 .doc = "The most open client connections; more are refused at connect. Keep it below "
		"the process's open file limit.",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1000000),
	 SL_OPT_AT(webhook_config_t, max_connections)},
	{.name = "kafka.topic",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .alias = "topic",
	 .doc = "The topic every record is written to.",
	 .check = sl_opt_check_topic,
	 SL_OPT_AT(webhook_config_t, topic)},
	{.name = "webhook.split",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "A JSON array body becomes one record per element (an empty array none); any "
		"other JSON body one record. The body must be JSON (else 400).",
	 SL_OPT_AT(webhook_config_t, split)},
	{.name = "webhook.key.pointer",
	 .type = SL_OPT_STRING,
	 .doc = "A JSON Pointer (/user/id) into each record's JSON whose value is the record "
		"key (as JSON: a string key is written as text by the string converter); no "
		"key when it matches nothing. The body must be JSON (else 400).",
	 .check = http_json_pointer_check,
	 SL_OPT_AT(webhook_config_t, key_pointer)},
	{.name = "webhook.key.header",
	 .type = SL_OPT_STRING,
	 .doc = "A request header whose value is the record key (a string); no key when the "
		"request lacks it. Not with webhook.key.pointer.",
	 SL_OPT_AT(webhook_config_t, key_header)},
	{.name = "webhook.headers",
	 .type = SL_OPT_LIST,
	 .doc = "Request headers copied into record headers of the same name, e.g. "
		"X-GitHub-Event,X-GitHub-Delivery.",
	 SL_OPT_AT(webhook_config_t, headers)},
	{.name = "webhook.value.format",
	 .type = SL_OPT_ENUM,
	 .def = "auto",
	 .enums = value_formats,
	 .doc = "The record value: json (the parsed body; 400 when it is not JSON), string (the "
		"body as text; 400 when it is not UTF-8), bytes (the body as is), or auto: json "
		"for application/json and +json media types, string for text/* (bytes when "
		"not UTF-8), bytes otherwise.",
	 SL_OPT_AT(webhook_config_t, value_format)},
	{.name = "webhook.content.types",
	 .type = SL_OPT_LIST,
	 .def = "application/json,application/*+json,text/plain",
	 .doc = "The media types accepted (type/subtype, type/*, type/*+suffix or */*); others "
		"get 415. A request without Content-Type counts as application/octet-stream.",
	 .check = check_media,
	 SL_OPT_AT(webhook_config_t, content_types)},
	{.name = "webhook.max.body.bytes",
	 .type = SL_OPT_INT,
	 .def = "1048576",
	 .doc = "The largest body; a larger one gets 413 (at once when Content-Length says so).",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(268435456),
	 SL_OPT_AT(webhook_config_t, max_body)},
	{.name = "webhook.request.timeout.ms",
	 .type = SL_OPT_INT,
	 .def = "30000",
	 .doc = "How long a sender has to send a whole request, headers and body: from the "
		"connection's accept, or from the request line on a keep-alive connection. A "
		"request not received in time gets 408 and its connection is closed.",
	 SL_OPT_MIN(10),
	 SL_OPT_AT(webhook_config_t, request_timeout_ms)},
	{.name = "webhook.max.inflight",
	 .type = SL_OPT_INT,
	 .def = "1000",
	 .doc = "The most requests received whole and waiting for Kafka (not yet answered); "
		"more get 429 with Retry-After. Requests still being received do not count: "
		"listener.max.connections and webhook.request.timeout.ms bound them.",
	 SL_OPT_MIN(1),
	 SL_OPT_AT(webhook_config_t, max_inflight)},
	{.name = "webhook.ack.timeout.ms",
	 .type = SL_OPT_INT,
	 .def = "30000",
	 .doc = "How long a request waits for Kafka's acknowledgement; then it gets 503 with "
		"Retry-After, and its records may still be written (at-least-once).",
	 SL_OPT_MIN(10),
	 SL_OPT_AT(webhook_config_t, ack_timeout_ms)},
	{.name = "webhook.retry.after.seconds",
	 .type = SL_OPT_INT,
	 .def = "1",
	 .doc = "The Retry-After of 429 and 503 answers.",
	 SL_OPT_MIN(0),
	 SL_OPT_AT(webhook_config_t, retry_after_s)},
	{.name = "webhook.response.status",
	 .type = SL_OPT_INT,
	 .def = "200",
	 .doc = "The status of a request whose records Kafka acknowledged (body "
		"{\"records\": n}; none for 204).",
	 SL_OPT_MIN(200),
	 SL_OPT_MAX(299),
	 SL_OPT_AT(webhook_config_t, ok_status)},
	{.name = "webhook.signature.secret",
	 .type = SL_OPT_PASSWORD,
	 .doc = "The HMAC-SHA256 secret shared with the sender; when set, a request without a "
		"matching signature gets 401. Keep it out of the file with a config provider "
		"(${file:/run/secrets/hooks.properties:secret}).",
	 SL_OPT_AT(webhook_config_t, sig_secret)},
	{.name = "webhook.signature.format",
	 .type = SL_OPT_ENUM,
	 .def = "github",
	 .enums = sig_formats,
	 .doc = "github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: "
		"t=<unix time>,v1=<hex> over \"<t>.<body>\") or hex (the header holds the hex "
		"HMAC of the body).",
	 SL_OPT_AT(webhook_config_t, sig_format)},
	{.name = "webhook.signature.header",
	 .type = SL_OPT_STRING,
	 .doc = "The header holding the signature; by default X-Hub-Signature-256 (github), "
		"Stripe-Signature (stripe) or X-Signature (hex).",
	 SL_OPT_AT(webhook_config_t, sig_header)},
	{.name = "webhook.signature.tolerance.seconds",
	 .type = SL_OPT_INT,
	 .def = "300",
	 .doc = "stripe: how far the signed timestamp may be from now (replay protection); 0 "
		"does not check it.",
	 SL_OPT_MIN(0),
	 SL_OPT_AT(webhook_config_t, sig_tolerance_s)},
	SL_OPT_END,
};

/* Cross-option checks; adds to errs, returns the number of problems. */
static int config_problems(const webhook_config_t *cfg, sl_errlist_t *errs)
{
	int n = 0;

	if (cfg->key_pointer && cfg->key_header) {
		sl_errlist_addf(errs, "options 'webhook.key.pointer' and 'webhook.key.header' "
				      "exclude each other: the key comes from one of them");
		n++;
	}
	if (cfg->sig_secret && !cfg->sig_secret[0]) {
		sl_errlist_addf(errs,
				"option 'webhook.signature.secret' is empty (its config "
				"provider gave nothing?); unset it to accept unsigned requests");
		n++;
	}
	return n;
}

static int webhook_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	webhook_config_t cfg = {0};
	sl_errlist_t ignored = {0}; /* the worker reports table errors itself */
	int n;

	sl_options_load(webhook_options, config, &cfg, &ignored);
	n = config_problems(&cfg, errs);
	sl_options_free(webhook_options, &cfg);
	sl_errlist_free(&ignored);
	return n ? -1 : 0;
}

/* ---- records --------------------------------------------------------------- */

/* Appends one record of r with value v (a reference is taken) or, when v
 * is NULL, the body as text or bytes. */
static void add_record(webhook_task_t *st, webhook_req_t *r, sl_batch_t *batch, json_t *v)
{
	sl_record_t *rec = sl_batch_add(batch);
	json_t *k;

	sl_record_set_topic(rec, st->cfg.topic);
	if (v) {
		sl_value_set_json(&rec->value, json_incref(v), NULL);
	} else if (r->body.len) {
		size_t len = r->body.len;
		sl_value_take_string(&rec->value, sl_buf_steal(&r->body), len);
	} else {
		sl_value_set_string(&rec->value, "", 0);
	}
	if (!v && r->as_bytes)
		rec->value.kind = SL_VALUE_BYTES;
	if (v && st->cfg.key_pointer && (k = http_json_pointer(v, st->cfg.key_pointer)) != NULL)
		sl_value_set_json(&rec->key, json_incref(k), NULL);
	else if (r->key)
		sl_value_set_string(&rec->key, r->key, r->key_len);
	for (size_t i = 0; i < r->nhdrs; i++)
		sl_record_add_header(rec, r->hdrs[i].name, r->hdrs[i].value, r->hdrs[i].len);
	rec->source_partition = st->partition;
	rec->ack_data = r;
}

/* Appends the records of r; returns how many. Drops the parsed body: the
 * records hold what they need. */
static size_t add_records(webhook_task_t *st, webhook_req_t *r, sl_batch_t *batch)
{
	size_t n = 1;

	if (r->root && st->cfg.split && json_is_array(r->root)) {
		n = json_array_size(r->root);
		for (size_t i = 0; i < n; i++)
			add_record(st, r, batch, json_array_get(r->root, i));
	} else {
		add_record(st, r, batch, r->root);
	}
	if (r->root)
		json_decref(r->root);
	r->root = NULL;
	return n;
}

/* The records a queued request will make. */
static size_t records_of(const webhook_task_t *st, const webhook_req_t *r)
{
	if (r->root && st->cfg.split && json_is_array(r->root))
		return json_array_size(r->root);
	return 1;
}

/* ---- poll ---------------------------------------------------------------- */

/* Waits (under the lock) until a request is queued, the worker stops, or
 * the wait is over: 1 ms while records are in flight (the worker serves
 * their acknowledgements between polls), else the task timeout. */
static void wait_for_requests_locked(webhook_task_t *st, sl_task_ctx_t *ctx)
{
	int64_t end = sl_now_ms() + (st->records_out ? 1 : sl_task_timeout_ms(ctx));

	while (!st->qhead && !sl_task_stopping(ctx)) {
		int64_t left = end - sl_now_ms();
		struct timespec ts;

		if (left <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (long)(left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_sec++, ts.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&st->wake_poll, &st->lock, &ts);
	}
}

/* Takes queued requests (up to WEBHOOK_POLL_MAX_RECORDS records, at least
 * one request) off the queue, keeping the queue's reference as poll's;
 * those already answered (timed out) are dropped. Under the lock. */
static webhook_req_t *take_locked(webhook_task_t *st)
{
	webhook_req_t *head = NULL, **tail = &head;
	size_t records = 0;

	while (st->qhead &&
	       (records == 0 || records + records_of(st, st->qhead) <= WEBHOOK_POLL_MAX_RECORDS)) {
		webhook_req_t *r = st->qhead;
		st->qhead = r->qnext;
		if (!st->qhead)
			st->qtail = NULL;
		r->qnext = NULL;
		r->queued = false;
		if (r->answered) {
			webhook_req_unref_locked(st, r);
			continue;
		}
		records += records_of(st, r);
		*tail = r;
		tail = &r->qnext;
	}
	return head;
}

static sl_rc_t webhook_poll(sl_task_ctx_t *ctx, sl_batch_t *batch)
{
	webhook_task_t *st = sl_task_data(ctx);
	webhook_req_t *taken, *next;
	struct MHD_Connection **resume = NULL;
	size_t nresume = 0, capresume = 0, before = batch->count;

	pthread_mutex_lock(&st->lock);
	wait_for_requests_locked(st, ctx);
	taken = take_locked(st);
	pthread_mutex_unlock(&st->lock);
	for (webhook_req_t *r = taken; r; r = r->qnext)
		r->built = add_records(st, r, batch);
	pthread_mutex_lock(&st->lock);
	for (webhook_req_t *r = taken; r; r = next) {
		next = r->qnext;
		r->qnext = NULL;
		r->nrecords = r->built;
		r->records_left = r->built;
		r->refs += (int)r->built;
		if (r->built == 0) { /* an empty array: nothing to wait for */
			SL_ARRAY_RESERVE(resume, nresume + 1, capresume);
			resume[nresume] =
				webhook_answer_locked(st, r, (int)st->cfg.ok_status, NULL);
			nresume += resume[nresume] != NULL;
		}
		webhook_req_unref_locked(st, r);
	}
	pthread_mutex_unlock(&st->lock);
	for (size_t i = 0; i < nresume; i++)
		webhook_resume(resume[i]);
	free(resume);
	st->records_out += batch->count - before;
	return SL_OK;
}

/* ---- acknowledgements -------------------------------------------------------- */

static const char *undelivered_reason(sl_delivery_t result)
{
	switch (result) {
	case SL_SKIPPED:
		return "a record was refused by the error policy (converter or size limit; see "
		       "the worker log) and not written to Kafka";
	case SL_FAILED:
		return "Kafka refused a record for good; the task fails";
	case SL_DROPPED:
	default:
		return "not written to Kafka: the task stopped first; retry";
	}
}

static void webhook_acked(sl_task_ctx_t *ctx, void *ack_data, sl_delivery_t result)
{
	webhook_task_t *st = sl_task_data(ctx);
	webhook_req_t *r = ack_data;
	struct MHD_Connection *resume = NULL;

	st->records_out--;
	pthread_mutex_lock(&st->lock);
	r->records_left--;
	if (result != SL_DELIVERED)
		resume = webhook_answer_locked(st, r, 503, undelivered_reason(result));
	else if (r->records_left == 0)
		resume = webhook_answer_locked(st, r, (int)st->cfg.ok_status, NULL);
	webhook_req_unref_locked(st, r);
	pthread_mutex_unlock(&st->lock);
	webhook_resume(resume);
}

/* ---- start and stop ---------------------------------------------------------- */

static void free_task(webhook_task_t *st)
{
	if (!st)
		return;
	json_decref(st->partition);
	free(st->tag);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->wake_poll);
	pthread_cond_destroy(&st->wake_timer);
	pthread_cond_destroy(&st->wake_stop);
	sl_options_free(webhook_options, &st->cfg);
	free(st);
}

/* A new task state with its lock and monotonic condition variables. */
static webhook_task_t *new_task(sl_task_ctx_t *ctx)
{
	webhook_task_t *st = sl_calloc(1, sizeof(*st));
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->wake_poll, &attr);
	pthread_cond_init(&st->wake_timer, &attr);
	pthread_cond_init(&st->wake_stop, &attr);
	pthread_condattr_destroy(&attr);
	st->ctx = ctx;
	st->tag = sl_strdup(sl_task_tag(ctx));
	return st;
}

static sl_rc_t webhook_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	webhook_task_t *st = new_task(ctx);
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;
	char *where;

	if (sl_options_load(webhook_options, config, &st->cfg, &errs) != 0 ||
	    config_problems(&st->cfg, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	if (!st->cfg.sig_header)
		st->cfg.sig_header = sl_strdup(default_sig_headers[st->cfg.sig_format]);
	where = sl_asprintf("%s:%lld%s", st->cfg.address, (long long)st->cfg.port, st->cfg.path);
	st->partition = json_pack("{s:s}", "webhook", where);
	free(where);
	if ((rc = webhook_listener_start(st, ctx)) != SL_OK)
		goto out;
	SL_TASK_INFO(ctx, "listening on http://%s:%d%s for POSTs into topic %s%s", st->cfg.address,
		     st->port, st->cfg.path, st->cfg.topic,
		     st->cfg.sig_secret ? " (signed requests only)" : "");
	sl_task_set_data(ctx, st);
	st = NULL;
out:
	free_task(st);
	sl_errlist_free(&errs);
	return rc;
}

static void webhook_stop(sl_task_ctx_t *ctx)
{
	webhook_task_t *st = sl_task_data(ctx);

	if (!st)
		return;
	webhook_listener_stop(st);
	free_task(st);
	sl_task_set_data(ctx, NULL);
}

static const sl_source_ops_t webhook_ops = {
	.start = webhook_start,
	.poll = webhook_poll,
	.acked = webhook_acked,
	.stop = webhook_stop,
};

/* Every request waits for its records' acknowledgement: batching in the
 * producer (sluice's default linger.ms is 5) would add that much to each
 * answer and, with a fixed number of callers, divide the throughput. */
static const char *const webhook_producer_defaults[] = {"linger.ms", "0", NULL};

const sl_connector_t webhook_source_connector = {
	.name = "webhook-source",
	.kind = SL_SOURCE,
	.producer_defaults = webhook_producer_defaults,
	.doc = "Listens for HTTP POSTs (webhooks) and writes each body, or each element of a "
	       "JSON array body with webhook.split, as a record to kafka.topic, with a key from a "
	       "JSON Pointer or a header and chosen request headers as record headers. A "
	       "request is answered only after Kafka acknowledged every one of its records: 200 "
	       "(webhook.response.status) then, 503 with the reason when they could not be "
	       "written, 503 with Retry-After past webhook.ack.timeout.ms (the records may "
	       "still arrive: at-least-once). Refused at once: 404 for another path, 405 for "
	       "another method, 413 past webhook.max.body.bytes, 415 for a media type not in "
	       "webhook.content.types, 400 for a body that must be JSON and is not, 401 for a "
	       "missing or wrong HMAC-SHA256 signature (GitHub, Stripe or hex format), 429 "
	       "with Retry-After past webhook.max.inflight requests waiting for Kafka, 408 "
	       "(and the connection closed) for a request not received whole within "
	       "webhook.request.timeout.ms, 503 while stopping. Records carry the source "
	       "partition {\"webhook\": \"<address>:<port><path>\"} and no offset: the sender's "
	       "retry is the replay. "
	       "One task per connector.",
	.options = webhook_options,
	.validate = webhook_validate,
	.source = &webhook_ops,
};
