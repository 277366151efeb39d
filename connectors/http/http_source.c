/* http-source: polls a JSON/HTTP API (castorm kafka-connect-http's keys)
 * and writes each item of each response as a record, following next-page
 * cursors and resuming mid-listing after a restart.
 *
 * Positions. The position (hs_position_t) is the offset fields of the
 * newest record handed to Kafka plus the page to request next. Each record
 * carries {"fields": its fields, "page": the page it came from}; the last
 * record of a page carries the NEXT page instead (none when the listing
 * ended), so the stored offset, which the worker moves only past records
 * Kafka acknowledged, names the page a restart resumes at. There are two
 * positions and they are kept apart: the one in memory (st->pos) moves as
 * soon as a page's records are handed to the worker and is what the next
 * request is built from, so a poll interval shorter than the offset flush
 * interval never asks for the same records again (castorm #263); the
 * stored one, read only at start, is what survives a crash. Records that
 * were handed over but not stored when the worker died are fetched again
 * after the restart (at-least-once): the resumed page drops the items up to
 * the stored record when it finds it, and every page drops the items whose
 * fields (key and offset) equal those of the previous page's records.
 *
 * Requests run on a libcurl multi handle; a poll drives the transfer for at
 * most the task timeout and returns, so a slow server never holds up stop
 * or pause: the transfer goes on at the next poll. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http_client.h"
#include "http_source.h"
#include "http_source_page.h"
#include "http_util.h"
#include "sluice/connector.h"

/* The most of a bad body that goes to the error policy (log, DLQ). */
#define HS_RAW_MAX (64 * 1024)
/* The most of a refused response's body quoted in the failure reason. */
#define HS_EXCERPT 300
/* Longest single wait for the transfer, so a stop request is seen. */
#define HS_POLL_SLICE_MS 100

typedef struct http_source_task {
	http_source_config_t cfg;
	hs_spec_t spec;
	http_codes_t process, skip;
	hs_templates_t tmpl;
	json_t *partition; /* {"url": http.request.url} */
	hs_position_t pos; /* newest handed to Kafka: what the next request uses */
	hs_seen_t seen;
	json_t *resume_fields; /* the stored record's fields, until the first page */
	http_client_t client;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	bool in_flight;
	http_response_t resp;
	char *req_url;  /* of the request in flight, for messages */
	char *req_key;  /* url and body: the request an ETag belongs to */
	char *etag;     /* the last response's ETag ... */
	char *etag_key; /* ... for this request */
	bool sent_etag;
	bool auth_retried;
	char curl_err[CURL_ERROR_SIZE];
	int64_t next_at; /* sl_now_ms() when the next request may start */
	sl_backoff_t backoff;
	unsigned failures;
	int64_t failing_since;
	uint64_t pages, records, dropped;
} http_source_task_t;

static const char *const http_source_aliases[] = {
	"com.github.castorm.kafka.connect.http.HttpSourceConnector",
	NULL,
};

/* ---- requests --------------------------------------------------------------- */

static bool has_header(char *const *headers, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; headers && headers[i]; i++)
		if (!strncasecmp(headers[i], name, n) && headers[i][n] == ':')
			return true;
	return false;
}

/* Method and body of the request. */
static void set_method(http_source_task_t *st, const hs_request_t *req)
{
	const char *name = hs_method_names[st->cfg.method];
	if (req->body) {
		curl_easy_setopt(st->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
		curl_easy_setopt(st->easy, CURLOPT_COPYPOSTFIELDS, req->body);
		if (st->cfg.method != HS_POST)
			curl_easy_setopt(st->easy, CURLOPT_CUSTOMREQUEST, name);
	} else if (st->cfg.method == HS_POST) {
		curl_easy_setopt(st->easy, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(st->easy, CURLOPT_COPYPOSTFIELDS, "");
	} else if (st->cfg.method != HS_GET) {
		curl_easy_setopt(st->easy, CURLOPT_CUSTOMREQUEST, name);
	}
}

/* The headers of the request: the client's (auth), the configured ones,
 * the defaults and If-None-Match. */
static void set_headers(http_source_task_t *st, const hs_request_t *req)
{
	for (size_t i = 0; req->headers[i]; i++)
		st->hdrs = curl_slist_append(st->hdrs, req->headers[i]);
	if (!has_header(req->headers, "Accept"))
		st->hdrs = curl_slist_append(st->hdrs, "Accept: application/json");
	if (req->body && !has_header(req->headers, "Content-Type"))
		st->hdrs = curl_slist_append(st->hdrs, "Content-Type: application/json");
	st->sent_etag = st->etag && st->etag_key && !strcmp(st->etag_key, st->req_key);
	if (st->sent_etag) {
		char *h = sl_asprintf("If-None-Match: %s", st->etag);
		st->hdrs = curl_slist_append(st->hdrs, h);
		free(h);
	}
	curl_easy_setopt(st->easy, CURLOPT_HTTPHEADER, st->hdrs);
}

static sl_rc_t schedule_retry(sl_task_ctx_t *ctx, http_source_task_t *st, long status,
			      const char *retry_after, const char *reason);

/* Starts the request for the current position on the multi handle. */
static sl_rc_t request_start(sl_task_ctx_t *ctx, http_source_task_t *st)
{
	hs_request_t req;
	char err[512];
	if (hs_request_build(&st->tmpl, &st->pos, &req, err, sizeof(err)) != 0) {
		sl_task_fail(ctx, "cannot build the request of %s: %s", st->cfg.url, err);
		return SL_FAIL;
	}
	free(st->req_url);
	free(st->req_key);
	st->req_url = sl_strdup(req.url);
	st->req_key = sl_asprintf("%s\n%s", req.url, req.body ? req.body : "");
	curl_easy_reset(st->easy);
	/* a next page on another origin (a link the server chose) gets no
	 * credentials; a templated host cannot be compared and keeps them */
	bool foreign = st->pos.page && http_same_origin(st->cfg.url, st->cfg.url) &&
		       !http_same_origin(req.url, st->cfg.url);
	int prc = 0;
	if (foreign)
		http_client_prepare_anonymous(&st->client, st->easy);
	else
		prc = http_client_prepare(&st->client, st->easy, &st->hdrs, err, sizeof(err));
	if (prc != 0) {
		curl_slist_free_all(st->hdrs);
		st->hdrs = NULL;
		hs_request_clear(&req);
		if (prc > 0)
			return schedule_retry(ctx, st, 0, NULL, err);
		sl_task_fail(ctx, "%s", err);
		return SL_FAIL;
	}
	curl_easy_setopt(st->easy, CURLOPT_URL, req.url);
	curl_easy_setopt(st->easy, CURLOPT_ERRORBUFFER, st->curl_err);
	curl_easy_setopt(st->easy, CURLOPT_ACCEPT_ENCODING, "");
	st->curl_err[0] = '\0';
	set_method(st, &req);
	set_headers(st, &req);
	st->resp.max_body = (size_t)st->cfg.max_bytes;
	http_response_attach(&st->resp, st->easy);
	hs_request_clear(&req);
	curl_multi_add_handle(st->multi, st->easy);
	st->in_flight = true;
	return SL_OK;
}

/* Drives the transfer until it ends (true, *cc its result) or deadline
 * passes or the task is asked to stop (false: it goes on next time). */
static bool transfer_drive(sl_task_ctx_t *ctx, http_source_task_t *st, int64_t deadline,
			   CURLcode *cc)
{
	for (;;) {
		int running = 0, queued = 0;
		bool done = false;
		CURLMsg *m;
		curl_multi_perform(st->multi, &running);
		while ((m = curl_multi_info_read(st->multi, &queued)))
			if (m->msg == CURLMSG_DONE && m->easy_handle == st->easy) {
				*cc = m->data.result;
				done = true;
			}
		if (done) {
			curl_multi_remove_handle(st->multi, st->easy);
			curl_slist_free_all(st->hdrs);
			st->hdrs = NULL;
			st->in_flight = false;
			return true;
		}
		int64_t left = deadline - sl_now_ms();
		if (left <= 0 || sl_task_stopping(ctx))
			return false;
		curl_multi_poll(st->multi, NULL, 0,
				(int)(left < HS_POLL_SLICE_MS ? left : HS_POLL_SLICE_MS), NULL);
	}
}

/* ---- outcomes --------------------------------------------------------------- */

static sl_rc_t schedule_retry(sl_task_ctx_t *ctx, http_source_task_t *st, long status,
			      const char *retry_after, const char *reason)
{
	bool from_header;
	int64_t now = sl_now_ms();
	int64_t delay = hs_retry_delay(status, retry_after, time(NULL), st->cfg.retry_after_max_ms,
				       &st->backoff, &from_header);
	if (!st->failures++)
		st->failing_since = now;
	SL_TASK_WARN(ctx,
		     "%s; retrying in %lld ms (%s; attempt %u, failing for %lld ms; retried until "
		     "it works or the task is stopped)",
		     reason, (long long)delay, from_header ? "as Retry-After asks" : "backoff",
		     st->failures, (long long)(now - st->failing_since));
	st->next_at = now + delay;
	return SL_OK;
}

/* A request that got an answer we act on: the failure streak ends. */
static void request_ok(sl_task_ctx_t *ctx, http_source_task_t *st)
{
	if (st->failures)
		SL_TASK_INFO(ctx, "%s succeeded after %u retr%s (%lld ms)", st->req_url,
			     st->failures, st->failures == 1 ? "y" : "ies",
			     (long long)(sl_now_ms() - st->failing_since));
	st->failures = 0;
	st->auth_retried = false;
	sl_backoff_reset(&st->backoff);
}

/* Bad input (a body that is not JSON, too large, without the list): the
 * error policy decides; tolerated, the response yields no records and the
 * same request is made again after the interval (its next page is not
 * known, and skipping to the first page would send the listing again). */
static sl_rc_t bad_response(sl_task_ctx_t *ctx, http_source_task_t *st, const char *why)
{
	const sl_buf_t *b = &st->resp.body;
	size_t raw = b->len < HS_RAW_MAX ? b->len : HS_RAW_MAX;
	if (sl_task_report_error(ctx, "TASK_POLL", NULL, b->data, raw, "%s %s: %s",
				 hs_method_names[st->cfg.method], st->req_url, why) != SL_OK)
		return SL_FAIL;
	SL_TASK_WARN(ctx,
		     "%s: bad response skipped (errors.tolerance=all): %s; asking again in %lld ms",
		     st->req_url, why, (long long)st->cfg.interval_ms);
	request_ok(ctx, st);
	st->next_at = sl_now_ms() + st->cfg.interval_ms;
	return SL_OK;
}

/* A text excerpt of the body for messages (printable ASCII only). */
static char *excerpt(const sl_buf_t *b)
{
	size_t n = b->len < HS_EXCERPT ? b->len : HS_EXCERPT;
	char *s = sl_malloc(n + 4);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b->data[i];
		s[i] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
	}
	strcpy(s + n, b->len > n ? "..." : "");
	return s;
}

/* The task fails on a status it cannot take. */
static sl_rc_t refuse_status(sl_task_ctx_t *ctx, http_source_task_t *st, long status)
{
	if (status == 401 && st->cfg.http.auth_type == HTTP_AUTH_OAUTH2 && !st->auth_retried) {
		SL_TASK_WARN(ctx, "%s answered 401: fetching a new OAuth2 token", st->req_url);
		http_client_token_invalidate(&st->client);
		st->auth_retried = true;
		st->next_at = sl_now_ms();
		return SL_OK;
	}
	char *ex = excerpt(&st->resp.body);
	sl_task_fail(ctx,
		     "%s %s answered %ld, which is neither in http.response.policy.codes.process "
		     "(%s) nor in .skip (%s) nor retriable (408, 429, 5xx): %s",
		     hs_method_names[st->cfg.method], st->req_url, status, st->cfg.codes_process,
		     st->cfg.codes_skip, ex[0] ? ex : "(empty body)");
	free(ex);
	return SL_FAIL;
}

/* ---- pages ------------------------------------------------------------------ */

/* Appends the record of item it from the current page. */
static void add_record(http_source_task_t *st, const hs_item_t *it, sl_batch_t *batch)
{
	sl_record_t *r = sl_batch_add(batch);
	sl_record_set_topic(r, st->cfg.topic);
	if (it->key) {
		size_t n = strlen(it->key);
		sl_value_set_string_ref(&r->key, sl_batch_copy(batch, it->key, n), n);
	}
	sl_value_set_json(&r->value, json_incref(it->value), NULL);
	r->source_partition = st->partition;
	r->source_offset = hs_offset_make(it->fields, st->pos.page);
}

/* Turns the items of page into records (from index from on); SL_FAIL when
 * the error policy fails the task on a bad item. */
static sl_rc_t emit_items(sl_task_ctx_t *ctx, http_source_task_t *st, const hs_page_t *page,
			  size_t from, sl_batch_t *batch, size_t *emitted, size_t *last)
{
	for (size_t i = from; i < page->count; i++) {
		const hs_item_t *it = &page->items[i];
		if (it->error) {
			char *raw = json_dumps(it->raw, JSON_COMPACT | JSON_ENCODE_ANY);
			sl_rc_t rc = sl_task_report_error(
				ctx, "TASK_POLL", NULL, raw, raw ? strlen(raw) : 0, "%s %s: %s",
				hs_method_names[st->cfg.method], st->req_url, it->error);
			free(raw);
			if (rc != SL_OK)
				return SL_FAIL;
			continue;
		}
		if (st->spec.count && hs_seen_has(&st->seen, it->fields)) {
			st->dropped++;
			continue;
		}
		add_record(st, it, batch);
		if (st->spec.count)
			hs_seen_add(&st->seen, it->fields);
		*last = i;
		(*emitted)++;
	}
	return SL_OK;
}

/* Reads the items of a processed response into batch and moves the
 * position in memory to its last record and the next page. */
static sl_rc_t process_page(sl_task_ctx_t *ctx, http_source_task_t *st, sl_batch_t *batch)
{
	hs_walk_params_t wp = {st->cfg.list_pointer, st->cfg.record_pointer, &st->spec,
			       st->cfg.next_pointer};
	hs_page_t page;
	char err[512];
	size_t before = batch->count, emitted = 0, last = 0;
	if (hs_page_parse(st->resp.body.data, st->resp.body.len, &wp, st->pos.fields, &page, err,
			  sizeof(err)) != 0)
		return bad_response(ctx, st, err);
	size_t from = hs_resume_index(&page, st->resume_fields);
	json_decref(st->resume_fields);
	st->resume_fields = NULL;
	char *next = page.next           ? sl_strdup(page.next)
		     : st->cfg.next_link ? http_link_next(st->resp.link)
					 : NULL;
	if (emit_items(ctx, st, &page, from, batch, &emitted, &last) != SL_OK) {
		free(next);
		hs_page_clear(&page);
		return SL_FAIL;
	}
	if (emitted) {
		sl_record_t *r = &batch->records[batch->count - 1];
		json_decref(r->source_offset);
		r->source_offset = hs_offset_make(page.items[last].fields, next);
		json_decref(st->pos.fields);
		st->pos.fields = json_incref(page.items[last].fields);
	}
	hs_seen_end_page(&st->seen);
	free(st->pos.page);
	st->pos.page = next;
	free(st->etag);
	free(st->etag_key);
	st->etag = sl_strdup(st->resp.etag);
	st->etag_key = st->etag ? sl_strdup(st->req_key) : NULL;
	st->pages++;
	st->records += emitted;
	SL_TASK_DEBUG(ctx, "%s: %zu items, %zu records (from item %zu), next page %s", st->req_url,
		      page.count, batch->count - before, from, next ? next : "(none)");
	st->next_at = sl_now_ms() +
		      hs_next_wait(next != NULL, emitted, st->cfg.interval_ms, st->cfg.catchup_ms);
	request_ok(ctx, st);
	hs_page_clear(&page);
	return SL_OK;
}

/* Acts on a finished transfer. */
static sl_rc_t request_finish(sl_task_ctx_t *ctx, http_source_task_t *st, CURLcode cc,
			      sl_batch_t *batch)
{
	char reason[1024];
	long status = st->resp.status;
	curl_off_t us = 0;
	if (curl_easy_getinfo(st->easy, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		sl_task_metric_observe(ctx, "http_source_request_duration_seconds",
				       "Time of an http-source request, answered or not.",
				       (double)us / 1e6);
	if (cc != CURLE_OK) {
		if (st->resp.body_truncated) {
			snprintf(reason, sizeof(reason),
				 "the response is larger than http.response.max.bytes (%lld bytes)",
				 (long long)st->cfg.max_bytes);
			return bad_response(ctx, st, reason);
		}
		snprintf(reason, sizeof(reason), "%s %s failed: %s%s%s",
			 hs_method_names[st->cfg.method], st->req_url, curl_easy_strerror(cc),
			 st->curl_err[0] ? ": " : "", st->curl_err);
		if (http_curl_transient(cc))
			return schedule_retry(ctx, st, 0, NULL, reason);
		sl_task_fail(ctx, "%s (not retried: this does not pass by itself)", reason);
		return SL_FAIL;
	}
	hs_outcome_t o = hs_decide(status, st->sent_etag, &st->process, &st->skip);
	switch (o) {
	case HS_PROCESS:
		return process_page(ctx, st, batch);
	case HS_SKIP:
	case HS_NOT_MODIFIED:
		SL_TASK_DEBUG(ctx, "%s answered %ld (%s): no records", st->req_url, status,
			      hs_outcome_name(o));
		request_ok(ctx, st);
		st->next_at = sl_now_ms() + st->cfg.interval_ms;
		return SL_OK;
	case HS_RETRY: {
		char *ex = excerpt(&st->resp.body);
		snprintf(reason, sizeof(reason), "%s %s answered %ld: %s",
			 hs_method_names[st->cfg.method], st->req_url, status, ex);
		free(ex);
		return schedule_retry(ctx, st, status, st->resp.retry_after, reason);
	}
	case HS_FAIL:
	default:
		return refuse_status(ctx, st, status);
	}
}

/* ---- task ------------------------------------------------------------------- */

static void free_task(http_source_task_t *st)
{
	if (!st)
		return;
	if (st->multi && st->easy && st->in_flight)
		curl_multi_remove_handle(st->multi, st->easy);
	if (st->easy)
		curl_easy_cleanup(st->easy);
	if (st->multi)
		curl_multi_cleanup(st->multi);
	curl_slist_free_all(st->hdrs);
	http_response_free(&st->resp);
	http_client_free(&st->client);
	hs_position_clear(&st->pos);
	hs_seen_free(&st->seen);
	json_decref(st->resume_fields);
	json_decref(st->partition);
	hs_spec_free(&st->spec);
	http_codes_free(&st->process);
	http_codes_free(&st->skip);
	free(st->req_url);
	free(st->req_key);
	free(st->etag);
	free(st->etag_key);
	sl_options_free(http_source_options, &st->cfg);
	free(st);
}

/* Where the task starts: the stored offset, else http.offset.initial. */
static sl_rc_t load_position(sl_task_ctx_t *ctx, http_source_task_t *st)
{
	char err[256];
	json_t *stored = sl_task_stored_offset(ctx, st->partition);
	if (!stored || json_is_null(stored)) {
		json_decref(stored);
		st->pos.fields = hs_initial_parse(st->cfg.offset_initial, err, sizeof(err));
		if (!st->pos.fields) {
			sl_task_fail(ctx, "option 'http.offset.initial': %s", err);
			return SL_FAIL;
		}
		return SL_OK;
	}
	int rc = hs_offset_read(stored, &st->pos, err, sizeof(err));
	if (rc != 0) {
		char *text = json_dumps(stored, JSON_COMPACT | JSON_ENCODE_ANY);
		sl_task_fail(ctx,
			     "the stored offset of %s cannot be used: %s (%s); not starting from "
			     "http.offset.initial instead, which would send everything again. To "
			     "start over, stop the worker and run `sluice offsets reset "
			     "--connector %s`",
			     st->cfg.url, text ? text : "?", err, sl_task_connector_name(ctx));
		free(text);
	} else {
		st->resume_fields = json_incref(st->pos.fields);
		if (st->spec.count) {
			hs_seen_add(&st->seen, st->pos.fields);
			hs_seen_end_page(&st->seen);
		}
	}
	json_decref(stored);
	return rc == 0 ? SL_OK : SL_FAIL;
}

/* What the option table cannot parse into the task: spec, codes,
 * templates. */
static int setup_parsed(http_source_task_t *st, char *err, size_t err_size)
{
	if (hs_spec_parse(st->cfg.offset_pointer, &st->spec, err, err_size) != 0 ||
	    hs_codes_parse(st->cfg.codes_process, &st->process, err, err_size) != 0 ||
	    hs_codes_parse(st->cfg.codes_skip, &st->skip, err, err_size) != 0)
		return -1;
	st->tmpl = (hs_templates_t){
		.url = st->cfg.url,
		.params = st->cfg.params,
		.headers = st->cfg.headers,
		.body = st->cfg.body,
		.next_kind = st->cfg.next_param                          ? HS_NEXT_PARAM
			     : st->cfg.next_pointer || st->cfg.next_link ? HS_NEXT_URL
									 : HS_NEXT_NONE,
		.next_param = st->cfg.next_param,
	};
	return 0;
}

static sl_rc_t http_source_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	http_source_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;
	char err[512];
	hs_seen_init(&st->seen);
	if (sl_options_load(http_source_options, config, &st->cfg, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	if (setup_parsed(st, err, sizeof(err)) != 0) {
		sl_task_fail(ctx, "%s", err);
		goto out;
	}
	st->partition = json_pack("{s:s}", "url", st->cfg.url);
	if (!st->partition) {
		sl_task_fail(ctx, "http.request.url is not valid UTF-8");
		goto out;
	}
	if (load_position(ctx, st) != SL_OK)
		goto out;
	http_client_init(&st->client, &st->cfg.http);
	st->multi = curl_multi_init();
	st->easy = curl_easy_init();
	if (!st->multi || !st->easy) {
		sl_task_fail(ctx, "libcurl could not make a handle");
		goto out;
	}
	sl_backoff_init(&st->backoff, st->cfg.backoff_ms, st->cfg.backoff_max_ms,
			(uint64_t)sl_wallclock_ms() ^ (uint64_t)sl_task_id(ctx));
	char *fields = hs_fields_canon(st->pos.fields);
	SL_TASK_INFO(ctx, "polling %s into topic %s, %s%s%s, fields %s", st->cfg.url, st->cfg.topic,
		     st->resume_fields ? "resuming" : "starting",
		     st->pos.page ? " at page " : " with a new listing",
		     st->pos.page ? st->pos.page : "", fields);
	free(fields);
	sl_task_set_data(ctx, st);
	st = NULL;
	rc = SL_OK;
out:
	free_task(st);
	sl_errlist_free(&errs);
	return rc;
}

/* Returns within the task timeout: waits for the next request's time,
 * starts it, drives it until the deadline, and reads its page. */
static sl_rc_t http_source_poll(sl_task_ctx_t *ctx, sl_batch_t *batch)
{
	http_source_task_t *st = sl_task_data(ctx);
	int64_t timeout = sl_task_timeout_ms(ctx);
	int64_t deadline = sl_now_ms() + timeout;
	CURLcode cc = CURLE_OK;
	if (!st->in_flight) {
		int64_t wait = st->next_at - sl_now_ms();
		if (wait > 0) {
			sl_task_wait(ctx, wait < timeout ? wait : timeout);
			if (sl_now_ms() < st->next_at || sl_task_stopping(ctx))
				return SL_OK;
		}
		sl_rc_t rc = request_start(ctx, st);
		if (rc != SL_OK || !st->in_flight)
			return rc;
	}
	if (!transfer_drive(ctx, st, deadline, &cc))
		return SL_OK;
	return request_finish(ctx, st, cc, batch);
}

static void http_source_stop(sl_task_ctx_t *ctx)
{
	http_source_task_t *st = sl_task_data(ctx);
	if (st)
		SL_TASK_INFO(ctx,
			     "stopping: %llu pages, %llu records, %llu dropped as sent already",
			     (unsigned long long)st->pages, (unsigned long long)st->records,
			     (unsigned long long)st->dropped);
	free_task(st);
	sl_task_set_data(ctx, NULL);
}

/* ---- validation ------------------------------------------------------------- */

/* The offset field names templates may use: the spec's and the initial
 * offset's (NULL-terminated, malloc()ed; the names borrowed from spec and
 * initial). */
static const char **field_names(const hs_spec_t *spec, json_t *initial)
{
	size_t n = 0;
	const char **names = sl_calloc(spec->count + json_object_size(initial) + 1, sizeof(char *));
	const char *k;
	json_t *v;
	for (size_t i = 0; i < spec->count; i++)
		names[n++] = spec->fields[i].name;
	json_object_foreach(initial, k, v) {
		(void)v;
		names[n++] = k;
	}
	return names;
}

static void check_templates(const http_source_config_t *cfg, const char **names, sl_errlist_t *errs)
{
	const struct {
		const char *key, *value;
	} t[] = {{"http.request.url", cfg->url},
		 {"http.request.params", cfg->params},
		 {"http.request.headers", cfg->headers},
		 {"http.request.body", cfg->body}};
	char err[256];
	for (size_t i = 0; i < SL_ARRAY_LEN(t); i++)
		if (t[i].value && hs_template_check(t[i].value, names, err, sizeof(err)) != 0)
			sl_errlist_addf(errs,
					"option '%s': %s (known: ${page.cursor} and "
					"${offset.<name>} for the fields of "
					"http.response.record.offset.pointer and "
					"http.offset.initial)",
					t[i].key, err);
}

static int http_source_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	http_source_config_t cfg = {0};
	sl_errlist_t ignored = {0}; /* the worker reports table errors itself */
	hs_spec_t spec = {0};
	size_t before = errs->count;
	char err[256];
	sl_options_load(http_source_options, config, &cfg, &ignored);
	http_client_validate(config, errs);
	json_t *initial = hs_initial_parse(cfg.offset_initial, err, sizeof(err));
	if (initial && hs_spec_parse(cfg.offset_pointer, &spec, err, sizeof(err)) == 0) {
		const char **names = field_names(&spec, initial);
		check_templates(&cfg, names, errs);
		free(names);
	}
	if (cfg.next_pointer && cfg.next_link)
		sl_errlist_addf(errs, "options 'http.response.next.pointer' and "
				      "'http.response.next.link' exclude each other: the next "
				      "page comes from the body or from the Link header");
	if (cfg.next_param && !cfg.next_pointer)
		sl_errlist_addf(errs, "option 'http.request.next.param' needs "
				      "'http.response.next.pointer' (where the cursor is)");
	json_decref(initial);
	hs_spec_free(&spec);
	sl_options_free(http_source_options, &cfg);
	sl_errlist_free(&ignored);
	return errs->count > before ? -1 : 0;
}

static const sl_source_ops_t http_source_ops = {
	.start = http_source_start,
	.poll = http_source_poll,
	.stop = http_source_stop,
};

const sl_connector_t http_source_connector = {
	.name = "http-source",
	.aliases = http_source_aliases,
	.kind = SL_SOURCE,
	.doc = "Polls a JSON/HTTP API and writes each item of each response as a schemaless "
	       "JSON record, with castorm kafka-connect-http's keys: the request is built from "
	       "templates filled with the offset fields of the newest record "
	       "(${offset.<field>}), items are found with JSON Pointers, and next-page "
	       "cursors or URLs (from the body or the Link header) are followed within a "
	       "listing. The source partition is {\"url\": http.request.url}; the offset is "
	       "{\"fields\": the record's offset fields, \"page\": the page to resume at}, "
	       "so a restart mid-listing resumes at its page. The next request uses the "
	       "newest offset handed to Kafka, never an older committed one, and records "
	       "equal to the previous page's (same key and offset) are dropped. Connection "
	       "failures, timeouts, 408, 429 and 5xx are retried with exponential backoff and "
	       "jitter, honouring Retry-After; ETags are sent back as If-None-Match. A body "
	       "that is not JSON, lacks the list, or is over http.response.max.bytes goes "
	       "through the error policy; any other status fails the task with the URL, the "
	       "status and an excerpt of the body.",
	.options = http_source_options,
	.validate = http_source_validate,
	.source = &http_source_ops,
};
