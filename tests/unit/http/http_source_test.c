/* Unit tests of the http-source connector on the connector test kit
 * against an in-process libmicrohttpd API: pagination by cursor and Link
 * header, resuming mid-listing from a stored offset, no re-emission,
 * retries (Retry-After, backoff), ETag, bad responses through the error
 * policy, a slow server, and validation. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit.h"
#include "runner.h"
#include "sluice/clock.h"

extern const sl_connector_t http_source_connector;

typedef enum api_mode {
	API_CURSOR = 0, /* ?cursor=N: items N+1.., body {"items":[...],"next":"N+size"|null} */
	API_LINK,       /* ?page=P: a bare array, Link: <...?page=P+1>; rel="next" */
	API_SINCE,      /* ?since=S: items with id >= S (inclusive), no next */
} api_mode_t;

/* A scripted JSON API. Everything behind mu. */
typedef struct api {
	struct MHD_Daemon *d;
	int port;
	char url[128];
	pthread_mutex_t mu;
	api_mode_t mode;
	int items;     /* ids 1..items */
	int page_size; /* items per page */
	int faults[8]; /* statuses answered first, in order (0 ends) */
	const char *fault_retry_after;
	const char *fault_body;
	int fault_at;
	const char *raw; /* when set: 200 with this body instead */
	const char *etag;
	int delay_ms;
	int requests;
	char seen[32][128];    /* the query of each request: "cursor=3" */
	int64_t at_ms[32];     /* and when it came */
	int tokens;            /* requests to /token (OAuth2) */
	char auth[128];        /* the last Authorization of /items */
	char auths[32][64];    /* the Authorization of each request ("" without) */
	const char *link_host; /* API_LINK: absolute next links to this host */
	char inm[128];         /* the last If-None-Match */
	char body[256];        /* the last request body */
} api_t;

/* The query argument name of the request, or NULL. */
static const char *arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static void append_item(sl_buf_t *b, int id, bool first)
{
	sl_buf_appendf(b, "%s{\"id\":%d,\"name\":\"item-%d\"}", first ? "" : ",", id, id);
}

/* The body (and Link header) of the normal answer. */
static char *page_body(api_t *a, struct MHD_Connection *c, char *link, size_t link_size)
{
	sl_buf_t b = {0};
	link[0] = '\0';
	const char *cur = arg(c, a->mode == API_CURSOR ? "cursor"
				 : a->mode == API_LINK ? "page"
						       : "since");
	int n = cur ? atoi(cur) : 0;
	int first = a->mode == API_CURSOR ? n + 1 : a->mode == API_LINK ? n * a->page_size + 1 : n;
	if (first < 1)
		first = 1;
	int last = first + a->page_size - 1;
	if (last > a->items)
		last = a->items;
	sl_buf_append_str(&b, a->mode == API_LINK ? "[" : "{\"items\":[");
	for (int id = first; id <= last; id++)
		append_item(&b, id, id == first);
	if (a->mode == API_CURSOR && last < a->items)
		sl_buf_appendf(&b, "],\"next\":\"%d\"}", last);
	else
		sl_buf_append_str(&b, a->mode == API_LINK ? "]" : "],\"next\":null}");
	if (a->mode == API_LINK && last < a->items && a->link_host)
		snprintf(link, link_size, "<http://%s:%d/items?page=%d>; rel=\"next\"",
			 a->link_host, a->port, n + 1);
	else if (a->mode == API_LINK && last < a->items)
		snprintf(link, link_size,
			 "</items?page=%d>; rel=\"next\", </items?page=0>; rel=\"first\"", n + 1);
	return sl_buf_steal(&b);
}

static void note_request(api_t *a, struct MHD_Connection *c)
{
	const char *keys[] = {"cursor", "page", "since", "limit"};
	char *q = a->requests < 32 ? a->seen[a->requests] : NULL;
	if (q) {
		q[0] = '\0';
		for (size_t i = 0; i < SL_ARRAY_LEN(keys); i++) {
			const char *v = arg(c, keys[i]);
			if (v)
				snprintf(q + strlen(q), 128 - strlen(q), "%s%s=%s", q[0] ? "&" : "",
					 keys[i], v);
		}
		a->at_ms[a->requests] = sl_now_ms();
	}
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	sl_strlcpy(a->inm, inm ? inm : "", sizeof(a->inm));
	a->requests++;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	api_t *a = cls;
	(void)method, (void)version;
	if (!*state) {
		*state = a;
		pthread_mutex_lock(&a->mu);
		a->body[0] = '\0';
		pthread_mutex_unlock(&a->mu);
		return MHD_YES;
	}
	pthread_mutex_lock(&a->mu);
	if (*upload_size) {
		size_t have = strlen(a->body), n = *upload_size;
		if (have + n >= sizeof(a->body))
			n = sizeof(a->body) - have - 1;
		memcpy(a->body + have, upload, n);
		a->body[have + n] = '\0';
		*upload_size = 0;
		pthread_mutex_unlock(&a->mu);
		return MHD_YES;
	}
	if (!strcmp(url, "/token")) {
		char *tok =
			sl_asprintf("{\"access_token\":\"T%d\",\"expires_in\":3600}", ++a->tokens);
		pthread_mutex_unlock(&a->mu);
		struct MHD_Response *tr =
			MHD_create_response_from_buffer(strlen(tok), tok, MHD_RESPMEM_MUST_FREE);
		enum MHD_Result trc = MHD_queue_response(c, 200, tr);
		MHD_destroy_response(tr);
		return trc;
	}
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	sl_strlcpy(a->auth, auth ? auth : "", sizeof(a->auth));
	if (a->requests < 32)
		sl_strlcpy(a->auths[a->requests], a->auth, sizeof(a->auths[0]));
	note_request(a, c);
	int delay = a->delay_ms;
	int status = 200;
	char link[256] = "";
	char *body;
	struct MHD_Response *r;
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	if (a->fault_at < 8 && a->faults[a->fault_at]) {
		status = a->faults[a->fault_at++];
		body = sl_strdup(a->fault_body ? a->fault_body : "{\"error\":\"scripted\"}");
	} else if (a->etag && inm && !strcmp(inm, a->etag)) {
		status = 304;
		body = sl_strdup("");
	} else {
		body = a->raw ? sl_strdup(a->raw) : page_body(a, c, link, sizeof(link));
	}
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (status != 200 && a->fault_retry_after)
		MHD_add_response_header(r, "Retry-After", a->fault_retry_after);
	if (link[0])
		MHD_add_response_header(r, "Link", link);
	if (a->etag && status == 200)
		MHD_add_response_header(r, "ETag", a->etag);
	MHD_add_response_header(r, "Content-Type", "application/json");
	pthread_mutex_unlock(&a->mu);
	if (delay)
		usleep((useconds_t)delay * 1000);
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static void api_start(api_t *a, api_mode_t mode, int items, int page_size)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	a->mode = mode;
	a->items = items;
	a->page_size = page_size;
	a->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					MHD_USE_ERROR_LOG,
				0, NULL, NULL, on_request, a, MHD_OPTION_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a->d);
	a->port = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	snprintf(a->url, sizeof(a->url), "http://127.0.0.1:%d/items", a->port);
}

static void api_stop(api_t *a)
{
	MHD_stop_daemon(a->d);
	pthread_mutex_destroy(&a->mu);
}

static int api_requests(api_t *a)
{
	pthread_mutex_lock(&a->mu);
	int n = a->requests;
	pthread_mutex_unlock(&a->mu);
	return n;
}

/* A kit on the API with the cursor pagination config plus extra pairs. */
static sl_kit_t *kit_on(api_t *a, const char *const *extra)
{
	const char *kv[64] = {"kafka.topic",
			      "items",
			      "http.request.url",
			      a->url,
			      "http.response.list.pointer",
			      "/items",
			      "http.response.record.offset.pointer",
			      "key=/id",
			      "http.timer.interval.millis",
			      "60000",
			      "http.timer.catchup.interval.millis",
			      "60000",
			      "http.retry.backoff.ms",
			      "50",
			      "http.retry.backoff.max.ms",
			      "100"};
	size_t n = 16;
	for (size_t i = 0; extra && extra[i]; i++)
		kv[n++] = extra[i];
	kv[n] = NULL;
	return kit_new(&http_source_connector, kv, 0, 1);
}

static const char *const CURSOR_PAGES[] = {"http.response.next.pointer", "/next",
					   "http.request.next.param", "cursor", NULL};

/* Polls (acknowledging every record) until total records arrived or ms
 * passed; appends the record keys to keys (a comma list). */
static size_t collect(sl_kit_t *kit, size_t total, int64_t ms, sl_buf_t *keys)
{
	size_t got = 0;
	int64_t end = sl_now_ms() + ms;
	while (got < total && sl_now_ms() < end) {
		sl_rc_t rc;
		sl_batch_t *b = kit_poll(kit, &rc);
		if (rc != SL_OK)
			fprintf(stderr, "\n    poll failed: %s\n", kit_fail_reason(kit));
		CU_ASSERT_EQUAL_FATAL(rc, SL_OK);
		for (size_t i = 0; i < b->count; i++) {
			sl_record_t *r = &b->records[i];
			sl_buf_appendf(keys, "%s%.*s", keys->len ? "," : "", (int)r->key.len,
				       r->key.data ? r->key.data : "");
		}
		got += b->count;
		kit_ack_all(kit);
	}
	return got;
}

/* The page of a record's offset, or "-" without one. */
static const char *page_of(const sl_record_t *r)
{
	json_t *p = json_object_get(r->source_offset, "page");
	return json_is_string(p) ? json_string_value(p) : "-";
}

static void test_pages_follow_each_other_and_last_record_carries_next_page(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 10, 3);
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	sl_batch_t *b = kit_poll_until(kit, 3000, &rc);
	CU_ASSERT_EQUAL_FATAL(b->count, 3);
	/* first page: no page of its own; its last record names the next */
	SL_ASSERT_TEXT(page_of(&b->records[0]), "-");
	SL_ASSERT_TEXT(page_of(&b->records[1]), "-");
	SL_ASSERT_TEXT(page_of(&b->records[2]), "3");
	SL_ASSERT_TEXT(b->records[2].key.data, "3");
	json_t *v = b->records[1].value.json;
	SL_ASSERT_TEXT(json_string_value(json_object_get(v, "name")), "item-2");
	char *part = json_dumps(b->records[0].source_partition, JSON_COMPACT);
	char want[200];
	snprintf(want, sizeof(want), "{\"url\":\"%s\"}", a.url);
	SL_ASSERT_TEXT(part, want);
	free(part);
	kit_ack_all(kit);
	b = kit_poll_until(kit, 3000, &rc);
	CU_ASSERT_EQUAL_FATAL(b->count, 3);
	SL_ASSERT_TEXT(page_of(&b->records[0]), "3");
	SL_ASSERT_TEXT(page_of(&b->records[2]), "6");
	kit_ack_all(kit);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 4, 3000, &keys), 4);
	SL_ASSERT_TEXT(keys.data, "7,8,9,10");
	/* the listing ended: the next request waits for the interval */
	int n = api_requests(&a);
	CU_ASSERT_EQUAL(n, 4);
	SL_ASSERT_TEXT(a.seen[1], "cursor=3");
	SL_ASSERT_TEXT(a.seen[3], "cursor=9");
	kit_poll(kit, &rc);
	CU_ASSERT_EQUAL(api_requests(&a), 4);
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

static void test_restart_mid_listing_resumes_at_the_next_page(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 10, 3);
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 6, 3000, &keys), 6);
	CU_ASSERT_EQUAL(kit_commit(kit), 1);
	kit_stop(kit); /* a crash after the commit: the same as a stop here */
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(collect(kit, 4, 3000, &keys), 4);
	SL_ASSERT_TEXT(keys.data, "1,2,3,4,5,6,7,8,9,10");
	SL_ASSERT_TEXT(a.seen[2], "cursor=6");
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

static void test_restart_mid_page_skips_the_records_up_to_the_stored_one(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 10, 3);
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	char part[200];
	snprintf(part, sizeof(part), "{\"url\":\"%s\"}", a.url);
	/* record 5 (of page cursor=3) was the last one Kafka acknowledged */
	kit_store_offset(kit, part, "{\"fields\":{\"key\":5},\"page\":\"3\"}");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 5, 3000, &keys), 5);
	SL_ASSERT_TEXT(keys.data, "6,7,8,9,10");
	SL_ASSERT_TEXT(a.seen[0], "cursor=3");
	CU_ASSERT_EQUAL(kit_commit(kit), 1);
	json_t *off = kit_stored_offset(kit, part);
	char *text = json_dumps(off, JSON_COMPACT | JSON_SORT_KEYS);
	SL_ASSERT_TEXT(text, "{\"fields\":{\"key\":10}}"); /* the listing ended */
	free(text);
	json_decref(off);
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

static void test_stored_offset_that_cannot_be_read_fails_start(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 10, 3);
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	char part[200];
	snprintf(part, sizeof(part), "{\"url\":\"%s\"}", a.url);
	kit_store_offset(kit, part, "{\"fields\":3}");
	CU_ASSERT_EQUAL(kit_start(kit), SL_FAIL);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "offsets reset");
	CU_ASSERT_EQUAL(api_requests(&a), 0);
	kit_free(kit);
	api_stop(&a);
}

/* castorm #263: the next request uses the newest offset handed over, not
 * the committed one (nothing is committed here); the inclusive "since"
 * sends the boundary record again, and it is dropped. */
static void test_next_request_uses_newest_offset_and_boundary_record_is_dropped(void)
{
	api_t a;
	api_start(&a, API_SINCE, 5, 10);
	static const char *const extra[] = {"http.request.params",
					    "since=${offset.key}",
					    "http.offset.initial",
					    "key=0",
					    "http.timer.interval.millis",
					    "0",
					    "http.timer.catchup.interval.millis",
					    "0",
					    NULL};
	sl_kit_t *kit = kit_on(&a, extra);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 5, 3000, &keys), 5);
	SL_ASSERT_TEXT(keys.data, "1,2,3,4,5");
	CU_ASSERT_EQUAL(collect(kit, 1, 300, &keys), 0); /* only record 5 again: dropped */
	CU_ASSERT_TRUE(api_requests(&a) >= 2);
	SL_ASSERT_TEXT(a.seen[0], "since=0");
	SL_ASSERT_TEXT(a.seen[1], "since=5");
	pthread_mutex_lock(&a.mu);
	a.items = 7;
	pthread_mutex_unlock(&a.mu);
	CU_ASSERT_EQUAL(collect(kit, 2, 3000, &keys), 2);
	SL_ASSERT_TEXT(keys.data, "1,2,3,4,5,6,7");
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

static void test_503_waits_for_retry_after_and_500_backs_off_then_records_arrive(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 3, 3);
	a.faults[0] = 503;
	a.faults[1] = 500;
	a.fault_retry_after = "1";
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	kit_capture_begin();
	sl_batch_t *b = kit_poll_until(kit, 5000, &rc);
	char *log = kit_capture_end();
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT_EQUAL(b->count, 3);
	CU_ASSERT_EQUAL(api_requests(&a), 3);
	/* Retry-After: 1 (not the 50 ms backoff); a 500's Retry-After is not honoured */
	CU_ASSERT_TRUE(a.at_ms[1] - a.at_ms[0] >= 950);
	CU_ASSERT_TRUE(a.at_ms[2] - a.at_ms[1] < 500);
	SL_ASSERT_CONTAINS(log, "answered 503");
	SL_ASSERT_CONTAINS(log, "as Retry-After asks");
	SL_ASSERT_CONTAINS(log, "answered 500");
	SL_ASSERT_CONTAINS(log, "succeeded after 2 retries");
	CU_ASSERT_STRING_EQUAL(kit_fail_reason(kit), "");
	free(log);
	kit_free(kit);
	api_stop(&a);
}

static void test_404_fails_the_task_with_url_status_and_body(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 3, 3);
	a.faults[0] = 404;
	a.fault_body = "{\"message\":\"no such list\"}";
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	kit_poll_until(kit, 3000, &rc);
	CU_ASSERT_EQUAL(rc, SL_FAIL);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), a.url);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "answered 404");
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "no such list");
	kit_free(kit);
	api_stop(&a);
}

/* A malformed page: tolerated, no records and the task runs on (asking
 * again after the interval); not tolerated, the task fails saying why. */
static void test_malformed_json_goes_through_the_error_policy(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 3, 3);
	a.raw = "{\"items\":[{\"id\":1},";
	static const char *const all[] = {"errors.tolerance", "all", "http.timer.interval.millis",
					  "200", NULL};
	sl_kit_t *kit = kit_on(&a, all);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	sl_batch_t *b = kit_poll_until(kit, 1000, &rc);
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT_EQUAL(b->count, 0);
	CU_ASSERT_TRUE(kit_errors(kit) >= 2); /* asked again every 200 ms */
	pthread_mutex_lock(&a.mu);
	a.raw = NULL;
	pthread_mutex_unlock(&a.mu);
	b = kit_poll_until(kit, 2000, &rc);
	CU_ASSERT_EQUAL(b->count, 3);
	kit_free(kit);

	pthread_mutex_lock(&a.mu);
	a.raw = "<html>not json</html>";
	pthread_mutex_unlock(&a.mu);
	kit = kit_on(&a, NULL);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	kit_poll_until(kit, 2000, &rc);
	CU_ASSERT_EQUAL(rc, SL_FAIL);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "not JSON");
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), a.url);
	kit_free(kit);
	api_stop(&a);
}

static void test_response_over_max_bytes_and_bad_items_go_through_the_error_policy(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 300, 300);
	static const char *const small[] = {"errors.tolerance", "all", "http.response.max.bytes",
					    "1000", NULL};
	sl_kit_t *kit = kit_on(&a, small);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	kit_capture_begin();
	sl_batch_t *b = kit_poll_until(kit, 1000, &rc);
	char *log = kit_capture_end();
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT_EQUAL(b->count, 0);
	CU_ASSERT_EQUAL(kit_errors(kit), 1);
	SL_ASSERT_CONTAINS(log, "larger than http.response.max.bytes (1000 bytes)");
	free(log);
	kit_free(kit);

	/* an item without the offset field: that item only */
	pthread_mutex_lock(&a.mu);
	a.raw = "{\"items\":[{\"id\":1},{\"no_id\":2},{\"id\":3}]}";
	pthread_mutex_unlock(&a.mu);
	static const char *const all[] = {"errors.tolerance", "all", NULL};
	kit = kit_on(&a, all);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 2, 2000, &keys), 2);
	SL_ASSERT_TEXT(keys.data, "1,3");
	CU_ASSERT_EQUAL(kit_errors(kit), 1);
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

static void test_etag_is_sent_back_and_304_yields_no_records(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 2, 5);
	a.etag = "\"v1\"";
	static const char *const fast[] = {"http.timer.interval.millis", "0",
					   "http.timer.catchup.interval.millis", "0", NULL};
	sl_kit_t *kit = kit_on(&a, fast);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 2, 2000, &keys), 2);
	CU_ASSERT_EQUAL(collect(kit, 1, 300, &keys), 0);
	CU_ASSERT_TRUE(api_requests(&a) >= 2);
	SL_ASSERT_TEXT(a.inm, "\"v1\"");
	SL_ASSERT_TEXT(kit_fail_reason(kit), "");
	CU_ASSERT_EQUAL(kit_errors(kit), 0);
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

static void test_link_header_pages_are_followed(void)
{
	api_t a;
	api_start(&a, API_LINK, 7, 3);
	static const char *const link[] = {"http.response.list.pointer", "/",
					   "http.response.next.link", "true", NULL};
	sl_kit_t *kit = kit_on(&a, link);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 7, 3000, &keys), 7);
	SL_ASSERT_TEXT(keys.data, "1,2,3,4,5,6,7");
	SL_ASSERT_TEXT(a.seen[0], "");
	SL_ASSERT_TEXT(a.seen[1], "page=1");
	SL_ASSERT_TEXT(a.seen[2], "page=2");
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

/* Credentials go to the API's own origin only: a next-page link to
 * another host (here: the same server named "localhost") gets none. */
static void test_link_to_another_origin_gets_no_credentials(void)
{
	static const char *const cfg[] = {"http.response.list.pointer",
					  "/",
					  "http.response.next.link",
					  "true",
					  "auth.type",
					  "BEARER",
					  "bearer.token",
					  "tok",
					  NULL};
	const char *hosts[] = {"127.0.0.1", "localhost"};
	for (size_t h = 0; h < 2; h++) {
		api_t a;
		api_start(&a, API_LINK, 4, 2);
		a.link_host = hosts[h];
		sl_kit_t *kit = kit_on(&a, cfg);
		CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
		sl_buf_t keys = {0};
		CU_ASSERT_EQUAL(collect(kit, 4, 3000, &keys), 4);
		SL_ASSERT_TEXT(a.auths[0], "Bearer tok");
		SL_ASSERT_TEXT(a.auths[1], h == 0 ? "Bearer tok" : "");
		sl_buf_free(&keys);
		kit_free(kit);
		api_stop(&a);
	}
}

static void test_post_body_is_filled_from_the_offset(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 2, 5);
	static const char *const post[] = {"http.request.method",
					   "POST",
					   "http.request.body",
					   "{\"after\":\"${offset.key}\"}",
					   "http.offset.initial",
					   "key=k 0",
					   NULL};
	sl_kit_t *kit = kit_on(&a, post);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 2, 2000, &keys), 2);
	SL_ASSERT_TEXT(a.body, "{\"after\":\"k 0\"}");
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

/* A server that takes 1.5 s: poll returns within the task timeout without
 * records, the transfer goes on, and stop does not wait for it. */
static void test_slow_server_never_blocks_poll_or_stop(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 3, 3);
	a.delay_ms = 1500;
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	int64_t t0 = sl_now_ms();
	sl_batch_t *b = kit_poll(kit, &rc);
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT_EQUAL(b->count, 0);
	CU_ASSERT_TRUE(sl_now_ms() - t0 < 800);
	b = kit_poll_until(kit, 3000, &rc);
	CU_ASSERT_EQUAL(b->count, 3);
	CU_ASSERT_EQUAL(api_requests(&a), 1); /* the same transfer, not a new one */
	kit_ack_all(kit);
	/* the next page is slow too: stop in the middle of it */
	b = kit_poll(kit, &rc);
	CU_ASSERT_EQUAL(b->count, 0);
	t0 = sl_now_ms();
	kit_stop(kit);
	CU_ASSERT_TRUE(sl_now_ms() - t0 < 500);
	kit_free(kit);
	api_stop(&a);
}

/* OAuth2: a 401 fetches a new token once; a second 401 in a row fails. */
static void test_oauth2_401_fetches_a_new_token_once(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 3, 3);
	a.faults[0] = 401;
	char token_url[160];
	snprintf(token_url, sizeof(token_url), "http://127.0.0.1:%d/token", a.port);
	const char *const oauth[] = {"auth.type",
				     "OAUTH2",
				     "oauth2.token.url",
				     token_url,
				     "oauth2.client.id",
				     "app",
				     "oauth2.client.secret",
				     "s",
				     NULL};
	sl_kit_t *kit = kit_on(&a, oauth);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_buf_t keys = {0};
	CU_ASSERT_EQUAL(collect(kit, 3, 3000, &keys), 3);
	CU_ASSERT_EQUAL(a.tokens, 2);
	SL_ASSERT_TEXT(a.auth, "Bearer T2");
	kit_free(kit);

	pthread_mutex_lock(&a.mu);
	a.faults[1] = a.faults[2] = 401;
	a.fault_at = 1;
	pthread_mutex_unlock(&a.mu);
	kit = kit_on(&a, oauth);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	kit_poll_until(kit, 3000, &rc);
	CU_ASSERT_EQUAL(rc, SL_FAIL);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "answered 401");
	CU_ASSERT_EQUAL(a.tokens, 4);
	sl_buf_free(&keys);
	kit_free(kit);
	api_stop(&a);
}

/* Nothing listening: retried with backoff, the task runs on; a scheme
 * that is not http(s) cannot pass: the task fails. */
static void test_connection_refused_is_retried_and_a_bad_scheme_fails(void)
{
	api_t a;
	api_start(&a, API_CURSOR, 3, 3);
	api_stop(&a); /* its port is now closed */
	sl_kit_t *kit = kit_on(&a, CURSOR_PAGES);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_rc_t rc;
	kit_capture_begin();
	sl_batch_t *b = kit_poll_until(kit, 600, &rc);
	char *log = kit_capture_end();
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT_EQUAL(b->count, 0);
	SL_ASSERT_CONTAINS(log, "Couldn't connect");
	SL_ASSERT_CONTAINS(log, "attempt 2");
	free(log);
	kit_free(kit);

	static const char *const ftp[] = {"kafka.topic", "t", "http.request.url",
					  "ftp://127.0.0.1/items", NULL};
	kit = kit_new(&http_source_connector, ftp, 0, 1);
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	kit_poll_until(kit, 1000, &rc);
	CU_ASSERT_EQUAL(rc, SL_FAIL);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "not retried");
	kit_free(kit);
}

/* validate: placeholders, pagination keys, auth; the table: pointers. */
static void test_validate_refuses_unknown_placeholders_and_bad_pagination(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};
	sl_config_set(cfg, "kafka.topic", "t", NULL, 0);
	sl_config_set(cfg, "http.request.url", "http://x/${offset.ts}", NULL, 0);
	sl_config_set(cfg, "http.response.record.offset.pointer", "key=/id", NULL, 0);
	CU_ASSERT_NOT_EQUAL(http_source_connector.validate(cfg, &errs), 0);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.items[0], "http.request.url");
	SL_ASSERT_CONTAINS(errs.items[0], "offset.ts");
	sl_errlist_free(&errs);
	sl_config_set(cfg, "http.offset.initial", "ts=2020-01-01", NULL, 0);
	sl_config_set(cfg, "http.request.params", "a=${offset.key}&c=${page.cursor}", NULL, 0);
	CU_ASSERT_EQUAL(http_source_connector.validate(cfg, &errs), 0);
	sl_config_set(cfg, "http.request.headers", "X: ${nothing}", NULL, 0);
	sl_config_set(cfg, "http.request.next.param", "cursor", NULL, 0);
	sl_config_set(cfg, "http.response.next.link", "true", NULL, 0);
	sl_config_set(cfg, "http.auth.type", "Basic", NULL, 0); /* castorm's key and value */
	CU_ASSERT_NOT_EQUAL(http_source_connector.validate(cfg, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 3); /* header, next.param alone, BASIC without a user */
	sl_errlist_free(&errs);
	sl_config_set(cfg, "http.request.headers", "X: y", NULL, 0);
	sl_config_set(cfg, "http.auth.user", "u", NULL, 0);
	sl_config_set(cfg, "http.response.next.pointer", "/next", NULL, 0);
	CU_ASSERT_NOT_EQUAL(http_source_connector.validate(cfg, &errs), 0);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.items[0], "exclude each other");
	sl_errlist_free(&errs);
	sl_config_set(cfg, "http.response.next.link", "false", NULL, 0);
	CU_ASSERT_EQUAL(http_source_connector.validate(cfg, &errs), 0);
	/* the table: a pointer, castorm's code ranges, a bad method */
	CU_ASSERT_EQUAL(sl_options_load(http_source_connector.options, cfg, NULL, &errs), 0);
	sl_config_set(cfg, "http.response.list.pointer", "items", NULL, 0);
	sl_config_set(cfg, "http.response.policy.codes.process", "200..299", NULL, 0);
	sl_config_set(cfg, "http.request.method", "FETCH", NULL, 0);
	CU_ASSERT_NOT_EQUAL(sl_options_load(http_source_connector.options, cfg, NULL, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 2);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_connector_is_a_source_with_the_castorm_alias(void)
{
	const sl_connector_t *c = &http_source_connector;
	CU_ASSERT_STRING_EQUAL(c->name, "http-source");
	CU_ASSERT_EQUAL(c->kind, SL_SOURCE);
	CU_ASSERT_STRING_EQUAL(c->aliases[0],
			       "com.github.castorm.kafka.connect.http.HttpSourceConnector");
	CU_ASSERT_PTR_NOT_NULL(sl_options_find(c->options, "http.request.timeout.ms"));
	const sl_option_t *o = sl_options_find(c->options, "auth.type");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(o->alias, "http.auth.type");
	o = sl_options_find(c->options, "http.response.list.pointer");
	CU_ASSERT_STRING_EQUAL(o->def, "/");
}

void http_source_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"pages_follow_each_other_and_last_record_carries_next_page",
		 test_pages_follow_each_other_and_last_record_carries_next_page},
		{"restart_mid_listing_resumes_at_the_next_page",
		 test_restart_mid_listing_resumes_at_the_next_page},
		{"restart_mid_page_skips_the_records_up_to_the_stored_one",
		 test_restart_mid_page_skips_the_records_up_to_the_stored_one},
		{"stored_offset_that_cannot_be_read_fails_start",
		 test_stored_offset_that_cannot_be_read_fails_start},
		{"next_request_uses_newest_offset_and_boundary_record_is_dropped",
		 test_next_request_uses_newest_offset_and_boundary_record_is_dropped},
		{"503_waits_for_retry_after_and_500_backs_off_then_records_arrive",
		 test_503_waits_for_retry_after_and_500_backs_off_then_records_arrive},
		{"404_fails_the_task_with_url_status_and_body",
		 test_404_fails_the_task_with_url_status_and_body},
		{"malformed_json_goes_through_the_error_policy",
		 test_malformed_json_goes_through_the_error_policy},
		{"response_over_max_bytes_and_bad_items_go_through_the_error_policy",
		 test_response_over_max_bytes_and_bad_items_go_through_the_error_policy},
		{"etag_is_sent_back_and_304_yields_no_records",
		 test_etag_is_sent_back_and_304_yields_no_records},
		{"link_header_pages_are_followed", test_link_header_pages_are_followed},
		{"link_to_another_origin_gets_no_credentials",
		 test_link_to_another_origin_gets_no_credentials},
		{"post_body_is_filled_from_the_offset", test_post_body_is_filled_from_the_offset},
		{"slow_server_never_blocks_poll_or_stop",
		 test_slow_server_never_blocks_poll_or_stop},
		{"oauth2_401_fetches_a_new_token_once", test_oauth2_401_fetches_a_new_token_once},
		{"connection_refused_is_retried_and_a_bad_scheme_fails",
		 test_connection_refused_is_retried_and_a_bad_scheme_fails},
		{"validate_refuses_unknown_placeholders_and_bad_pagination",
		 test_validate_refuses_unknown_placeholders_and_bad_pagination},
		{"connector_is_a_source_with_the_castorm_alias",
		 test_connector_is_a_source_with_the_castorm_alias},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("http_source", NULL, NULL, tests);
}
