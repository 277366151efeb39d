/* Unit tests of the http-sink task on the connector test kit against an
 * in-process libmicrohttpd server that answers as each test scripts it
 * (500, 429 with Retry-After, 400 for a poisoned record, ...): batching,
 * URL templates, retries, splitting a refused batch down to the poisoned
 * record, flush not returning SL_OK before every record got its 2xx, and
 * the order of each partition's records with several requests in flight. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_sink_config.h"
#include "kit.h"
#include "runner.h"

extern const sl_connector_t http_sink_connector;

#define SRV_MAX_REQ 512

/* A request as the server saw it. */
typedef struct srv_req {
	char method[16];
	char url[256];
	char content_type[64];
	char *body;
	int status;
} srv_req_t;

/* The scripted server: script[i] is the status of request i (0 or past
 * the end: 400 when the body holds "poison", else 200; SRV_DROP: the
 * connection is closed without an answer). */
#define SRV_DROP (-1)
typedef struct srv {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	int script[64];
	int nscript;
	const char *retry_after; /* sent with 429 and 503 */
	int delay_ms;            /* before answering */
	const char *need_auth;   /* the Authorization other paths need, or NULL */
	int tokens;              /* tokens handed out at /token: T1, T2, ... */
	srv_req_t reqs[SRV_MAX_REQ];
	int nreqs;
	int in_flight, max_in_flight;
	sl_buf_t accepted; /* the bodies answered 2xx, one a line */
} srv_t;

/* The OAuth2 token endpoint: a new token at every request. */
static enum MHD_Result srv_token(srv_t *s, struct MHD_Connection *conn)
{
	pthread_mutex_lock(&s->mu);
	char *text = sl_asprintf("{\"access_token\":\"T%d\",\"expires_in\":3600}", ++s->tokens);
	pthread_mutex_unlock(&s->mu);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Collects the upload into the connection's buffer, then answers. */
static enum MHD_Result srv_answer(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	srv_t *s = cls;
	(void)version;
	if (!*state) {
		*state = sl_calloc(1, sizeof(sl_buf_t));
		return MHD_YES;
	}
	sl_buf_t *b = *state;
	if (*upload_size) {
		sl_buf_append(b, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/token"))
		return srv_token(s, conn);
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	pthread_mutex_lock(&s->mu);
	int i = s->nreqs < SRV_MAX_REQ ? s->nreqs++ : SRV_MAX_REQ - 1;
	int status = i < s->nscript && s->script[i]         ? s->script[i]
		     : b->data && strstr(b->data, "poison") ? 400
							    : 200;
	if (s->need_auth && (!auth || strcmp(auth, s->need_auth)))
		status = 401;
	srv_req_t *r = &s->reqs[i];
	sl_strlcpy(r->method, method, sizeof(r->method));
	sl_strlcpy(r->url, url, sizeof(r->url));
	sl_strlcpy(r->content_type, ct ? ct : "", sizeof(r->content_type));
	free(r->body);
	r->body = sl_strdup(b->data ? b->data : "");
	r->status = status;
	if (status == SRV_DROP) {
		pthread_mutex_unlock(&s->mu);
		return MHD_NO;
	}
	if (++s->in_flight > s->max_in_flight)
		s->max_in_flight = s->in_flight;
	int delay = s->delay_ms;
	pthread_mutex_unlock(&s->mu);
	if (delay)
		usleep((useconds_t)delay * 1000);
	pthread_mutex_lock(&s->mu);
	s->in_flight--;
	if (status / 100 == 2) {
		sl_buf_append_str(&s->accepted, r->body);
		sl_buf_append_char(&s->accepted, '\n');
	}
	const char *ra = s->retry_after;
	pthread_mutex_unlock(&s->mu);
	static char big[20000];
	if (!big[0])
		memset(big, 'b', sizeof(big) - 1);
	const char *text = status == 400                 ? "{\"error\":\"bad record: poison\"}"
			   : strstr(r->body, "bigreply") ? big
							 : "ok";
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (ra && (status == 429 || status == 503))
		MHD_add_response_header(resp, "Retry-After", ra);
	enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void srv_done(void *cls, struct MHD_Connection *conn, void **state,
		     enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)conn, (void)why;
	sl_buf_t *b = *state;
	if (b) {
		sl_buf_free(b);
		free(b);
	}
	*state = NULL;
}

static srv_t *srv_start(void)
{
	srv_t *s = sl_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					MHD_USE_ERROR_LOG,
				0, NULL, NULL, srv_answer, s, MHD_OPTION_NOTIFY_COMPLETED, srv_done,
				s, MHD_OPTION_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->d);
	s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return s;
}

static void srv_stop(srv_t *s)
{
	MHD_stop_daemon(s->d);
	for (int i = 0; i < SRV_MAX_REQ; i++)
		free(s->reqs[i].body);
	sl_buf_free(&s->accepted);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* A kit for http-sink posting to the server's path (a template). */
static sl_kit_t *sink_kit(const srv_t *s, const char *path)
{
	static const char *const common[] = {
		"name", "unit-http-sink",          "topics", "t", "retry.backoff.ms",
		"10",   "http.request.timeout.ms", "5000",   NULL};
	sl_kit_t *kit = kit_new(&http_sink_connector, common, 0, 1);
	char url[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s ? s->port : 1, path);
	kit_set(kit, "http.api.url", url);
	return kit;
}

/* n string records "<prefix><i>" of topic t, partition part, offsets from 0. */
static sl_record_t *records(size_t n, const char *prefix, int32_t part)
{
	sl_record_t *r = calloc(n, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		sl_record_init(&r[i]);
		sl_record_set_topic(&r[i], "t");
		r[i].partition = part;
		r[i].offset = (int64_t)i;
		char v[64];
		int len = snprintf(v, sizeof(v), "%s%zu", prefix, i);
		sl_value_set_string(&r[i].value, v, (size_t)len);
	}
	return r;
}

static void records_free(sl_record_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sl_record_clear(&r[i]);
	free(r);
}

static void test_batches_carry_prefix_separator_suffix_in_order(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "4");
	kit_set(kit, "batch.prefix", "[");
	kit_set(kit, "batch.suffix", "]");
	kit_set(kit, "batch.separator", ";");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(10, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 10), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	SL_ASSERT_TEXT(s->accepted.data, "[v0;v1;v2;v3]\n[v4;v5;v6;v7]\n[v8;v9]\n");
	CU_ASSERT_EQUAL(s->nreqs, 3);
	SL_ASSERT_TEXT(s->reqs[0].method, "POST");
	SL_ASSERT_TEXT(s->reqs[0].url, "/in");
	SL_ASSERT_TEXT(s->reqs[0].content_type, "text/plain; charset=UTF-8");
	records_free(r, 10);
	kit_free(kit);
	srv_stop(s);
}

static void test_partial_batch_waits_for_flush(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "100");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(5, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 5), SL_OK);
	usleep(100000);
	CU_ASSERT_EQUAL(s->nreqs, 0);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	SL_ASSERT_TEXT(s->accepted.data, "v0,v1,v2,v3,v4\n");
	records_free(r, 5);
	kit_free(kit);
	srv_stop(s);
}

static void test_json_array_body_with_json_content_type(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "10");
	kit_set(kit, "request.body.format", "json");
	kit_set(kit, "batch.json.as.array", "true");
	kit_set(kit, "request.method", "PUT");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(2, "s", 0);
	sl_value_set_json(&r[0].value, json_pack("{s:i}", "id", 1), NULL);
	CU_ASSERT_EQUAL(kit_put(kit, r, 2), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	SL_ASSERT_TEXT(s->accepted.data, "[{\"id\":1},\"s1\"]\n");
	SL_ASSERT_TEXT(s->reqs[0].method, "PUT");
	SL_ASSERT_TEXT(s->reqs[0].content_type, "application/json");
	records_free(r, 2);
	kit_free(kit);
	srv_stop(s);
}

static void test_url_template_per_topic_partition_key(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/${topic}/${partition}/${key}");
	kit_set(kit, "batch.max.size", "10");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(4, "v", 0);
	sl_value_set_string(&r[0].key, "a b", 3);
	sl_value_set_string(&r[1].key, "a b", 3);
	sl_value_set_string(&r[2].key, "c", 1);
	sl_value_set_string(&r[3].key, "a b", 3);
	r[3].partition = 1;
	CU_ASSERT_EQUAL(kit_put(kit, r, 4), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL_FATAL(s->nreqs, 3);
	/* libmicrohttpd hands the path decoded */
	bool seen[3] = {false};
	for (int i = 0; i < 3; i++) {
		if (!strcmp(s->reqs[i].url, "/t/0/a b"))
			seen[0] = !strcmp(s->reqs[i].body, "v0,v1");
		else if (!strcmp(s->reqs[i].url, "/t/0/c"))
			seen[1] = !strcmp(s->reqs[i].body, "v2");
		else if (!strcmp(s->reqs[i].url, "/t/1/a b"))
			seen[2] = !strcmp(s->reqs[i].body, "v3");
	}
	CU_ASSERT(seen[0] && seen[1] && seen[2]);
	records_free(r, 4);
	kit_free(kit);
	srv_stop(s);
}

static void test_5xx_and_429_are_retried_until_2xx(void)
{
	srv_t *s = srv_start();
	s->script[0] = 500;
	s->script[1] = 503;
	s->script[2] = 429;
	s->nscript = 3;
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "3");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(3, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 3), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(s->nreqs, 4);
	for (int i = 0; i < 4; i++)
		SL_ASSERT_TEXT(s->reqs[i].body, "v0,v1,v2"); /* the same batch again */
	SL_ASSERT_TEXT(s->accepted.data, "v0,v1,v2\n");
	CU_ASSERT_EQUAL(kit_errors(kit), 0);
	records_free(r, 3);
	kit_free(kit);
	srv_stop(s);
}

/* A kept-alive connection the server closed without answering: libcurl
 * sends the request again on a new one, which means reading the body
 * from its start again (no retry of the sink's own: max.retries 0). */
static void test_body_is_sent_again_on_a_new_connection(void)
{
	srv_t *s = srv_start();
	s->script[1] = SRV_DROP;
	s->nscript = 2;
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "2");
	kit_set(kit, "max.retries", "0");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(4, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 4), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(s->nreqs, 3);
	SL_ASSERT_TEXT(s->reqs[1].body, "v2,v3");
	SL_ASSERT_TEXT(s->reqs[2].body, "v2,v3");
	SL_ASSERT_TEXT(s->accepted.data, "v0,v1\nv2,v3\n");
	CU_ASSERT_EQUAL(kit_errors(kit), 0);
	records_free(r, 4);
	kit_free(kit);
	srv_stop(s);
}

static void test_retry_after_is_honoured(void)
{
	srv_t *s = srv_start();
	s->script[0] = 429;
	s->nscript = 1;
	s->retry_after = "1";
	sl_kit_t *kit = sink_kit(s, "/in");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(1, "v", 0);
	int64_t t0 = sl_now_ms();
	CU_ASSERT_EQUAL(kit_put(kit, r, 1), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	int64_t took = sl_now_ms() - t0;
	CU_ASSERT(took >= 950 && took < 3000);
	CU_ASSERT_EQUAL(s->nreqs, 2);
	records_free(r, 1);
	kit_free(kit);
	srv_stop(s);
}

static void test_flush_fails_after_max_retries_with_reason(void)
{
	srv_t *s = srv_start();
	for (int i = 0; i < 10; i++)
		s->script[i] = 502;
	s->nscript = 10;
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "max.retries", "2");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(1, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 1), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_FAIL);
	CU_ASSERT_EQUAL(s->nreqs, 3); /* the first try and 2 retries */
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "answered 502");
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "/in");
	records_free(r, 1);
	kit_free(kit);
	srv_stop(s);
}

static void test_flush_is_not_ok_while_records_wait(void)
{
	srv_t *s = srv_start();
	for (int i = 0; i < 64; i++)
		s->script[i] = 503;
	s->nscript = 64;
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "retry.backoff.ms", "50");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(1, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 1), SL_OK);
	kit_request_stop(kit); /* the worker stops while the server fails */
	CU_ASSERT_EQUAL(kit_flush(kit), SL_RETRY);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "not yet delivered");
	CU_ASSERT_EQUAL(s->accepted.len, 0);
	records_free(r, 1);
	kit_free(kit);
	srv_stop(s);
}

static void test_refused_batch_is_split_down_to_the_poisoned_record(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "16");
	kit_set(kit, "batch.separator", "\n");
	kit_set(kit, "errors.tolerance", "all");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(16, "v", 0);
	sl_value_set_string(&r[11].value, "poison", 6);
	CU_ASSERT_EQUAL(kit_put(kit, r, 16), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(kit_errors(kit), 1);
	/* every neighbour delivered once, in order */
	SL_ASSERT_TEXT(s->accepted.data, "v0\nv1\nv2\nv3\nv4\nv5\nv6\nv7\n"
					 "v8\nv9\n"
					 "v10\n"
					 "v12\n"
					 "v13\nv14\nv15\n");
	CU_ASSERT(s->nreqs <= 9);
	records_free(r, 16);
	kit_free(kit);
	srv_stop(s);
}

static void test_retried_4xx_is_split_once_retries_are_used_up(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "4");
	kit_set(kit, "retry.on.status.codes", "400-"); /* Confluent's default */
	kit_set(kit, "max.retries", "1");
	kit_set(kit, "errors.tolerance", "all");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(4, "v", 0);
	sl_value_set_string(&r[2].value, "poison", 6);
	CU_ASSERT_EQUAL(kit_put(kit, r, 4), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(kit_errors(kit), 1);
	SL_ASSERT_TEXT(s->accepted.data, "v0,v1\nv3\n");
	/* the batch twice (a try and a retry), then halves not retried on 400:
	 * v0,v1 / poison,v3 / poison / v3 */
	CU_ASSERT_EQUAL(s->nreqs, 6);
	records_free(r, 4);
	kit_free(kit);
	srv_stop(s);
}

static void test_refusal_fails_task_naming_url_status_and_body(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "batch.max.size", "4");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(4, "v", 0);
	sl_value_set_string(&r[2].value, "poison", 6);
	CU_ASSERT_EQUAL(kit_put(kit, r, 4), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_FAIL);
	const char *why = kit_fail_reason(kit);
	SL_ASSERT_CONTAINS(why, "/in answered 400");
	SL_ASSERT_CONTAINS(why, "bad record: poison");
	SL_ASSERT_CONTAINS(why, "offset 2");
	SL_ASSERT_TEXT(s->accepted.data, "v0,v1\n"); /* those before it went */
	records_free(r, 4);
	kit_free(kit);
	srv_stop(s);
}

static void test_behavior_on_error_log_skips_without_error_policy(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "behavior.on.error", "log");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(3, "v", 0);
	sl_value_set_string(&r[1].value, "poison", 6);
	/* the refusal may come back while put still runs (a full batch is
	 * sent at once) or in flush: capture both */
	kit_capture_begin();
	sl_rc_t put_rc = kit_put(kit, r, 3);
	sl_rc_t rc = kit_flush(kit);
	char *log = kit_capture_end();
	CU_ASSERT_EQUAL(put_rc, SL_OK);
	CU_ASSERT_EQUAL(rc, SL_OK);
	CU_ASSERT_EQUAL(kit_errors(kit), 0);
	SL_ASSERT_CONTAINS(log, "behavior.on.error=log");
	SL_ASSERT_TEXT(s->accepted.data, "v0\nv2\n");
	free(log);
	records_free(r, 3);
	kit_free(kit);
	srv_stop(s);
}

static void test_unrenderable_value_goes_through_error_policy(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "request.body.format", "json");
	kit_set(kit, "batch.max.size", "10");
	kit_set(kit, "errors.tolerance", "all");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(3, "v", 0);
	sl_value_set_bytes(&r[1].value, "\x01\x02", 2);
	CU_ASSERT_EQUAL(kit_put(kit, r, 3), SL_OK);
	CU_ASSERT_EQUAL(kit_errors(kit), 1);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	SL_ASSERT_TEXT(s->accepted.data, "\"v0\",\"v2\"\n");
	records_free(r, 3);
	kit_free(kit);
	srv_stop(s);
}

static void test_null_values_ignored_or_deleted(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/items/${key}");
	kit_set(kit, "batch.max.size", "10");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(3, "v", 0);
	for (int i = 0; i < 3; i++)
		sl_value_set_string(&r[i].key, "k", 1);
	sl_value_clear(&r[1].value);
	CU_ASSERT_EQUAL(kit_put(kit, r, 3), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	SL_ASSERT_TEXT(s->accepted.data, "v0,v2\n"); /* ignore: skipped */
	kit_stop(kit);
	kit_set(kit, "behavior.on.null.values", "delete");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	int before = s->nreqs;
	CU_ASSERT_EQUAL(kit_put(kit, r, 3), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL_FATAL(s->nreqs, before + 3); /* v0, DELETE, v2: in order */
	SL_ASSERT_TEXT(s->reqs[before].body, "v0");
	SL_ASSERT_TEXT(s->reqs[before + 1].method, "DELETE");
	SL_ASSERT_TEXT(s->reqs[before + 1].url, "/items/k");
	SL_ASSERT_TEXT(s->reqs[before + 2].body, "v2");
	kit_stop(kit);
	kit_set(kit, "behavior.on.null.values", "fail");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	CU_ASSERT_EQUAL(kit_put(kit, r, 3), SL_FAIL);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "null");
	records_free(r, 3);
	kit_free(kit);
	srv_stop(s);
}

static void test_connection_refused_is_retried_then_fails(void)
{
	sl_kit_t *kit = sink_kit(NULL, "/in"); /* port 1: nothing listens */
	kit_set(kit, "max.retries", "2");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(1, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 1), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_FAIL);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "POST http://127.0.0.1:1/in failed");
	records_free(r, 1);
	kit_free(kit);
}

static void test_partitions_in_parallel_each_in_order(void)
{
	srv_t *s = srv_start();
	s->delay_ms = 20;
	for (int i = 0; i < 64; i += 3)
		s->script[i] = 500; /* every third of the first requests */
	s->nscript = 64;
	sl_kit_t *kit = sink_kit(s, "/p/${partition}");
	kit_set(kit, "batch.max.size", "5");
	kit_set(kit, "batch.separator", " ");
	kit_set(kit, "max.in.flight", "3");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	enum {
		PARTS = 6,
		PER = 40
	};
	sl_record_t *r[PARTS];
	for (int p = 0; p < PARTS; p++) {
		r[p] = records(PER, "", p);
		CU_ASSERT_EQUAL(kit_put(kit, r[p], PER), SL_OK);
	}
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT(s->max_in_flight > 1 && s->max_in_flight <= 3);
	/* each partition's accepted bodies, concatenated, are 0 .. PER-1 */
	for (int p = 0; p < PARTS; p++) {
		char path[32];
		snprintf(path, sizeof(path), "/p/%d", p);
		int next = 0;
		for (int i = 0; i < s->nreqs; i++) {
			if (strcmp(s->reqs[i].url, path) || s->reqs[i].status != 200)
				continue;
			for (char *tok = strtok(s->reqs[i].body, " "); tok; tok = strtok(NULL, " "))
				CU_ASSERT_EQUAL(atoi(tok), next++);
		}
		CU_ASSERT_EQUAL(next, PER);
		records_free(r[p], PER);
	}
	kit_free(kit);
	srv_stop(s);
}

/* A partition's queue keeps the rendered values in one buffer whose
 * delivered front is given back while records still wait and more are
 * put (put waits past 10,000 waiting records): 3 MB through one
 * partition, every record arrives whole and in order. */
static void test_long_queue_delivers_every_byte_in_order(void)
{
	enum {
		N = 30000,
		PAD = 100,
		CHUNK = 500
	};
	srv_t *s = srv_start();
	s->delay_ms = 1;
	sl_kit_t *kit = sink_kit(s, "/q");
	kit_set(kit, "batch.max.size", "100");
	kit_set(kit, "batch.separator", "\n");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(N, "", 0);
	char pad[PAD + 1];
	memset(pad, 'x', PAD);
	pad[PAD] = '\0';
	for (size_t i = 0; i < N; i++) {
		char *v = sl_asprintf("%06zu%s", i, pad);
		sl_value_clear(&r[i].value);
		sl_value_take_string(&r[i].value, v, strlen(v));
	}
	for (size_t i = 0; i < N; i += CHUNK)
		CU_ASSERT_EQUAL(kit_put(kit, r + i, CHUNK), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	size_t next = 0, bad = 0;
	char *text = s->accepted.data;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), next++)
		bad += strlen(line) != 6 + PAD || (size_t)atoi(line) != next ||
		       strspn(line + 6, "x") != PAD;
	CU_ASSERT_EQUAL(next, N);
	CU_ASSERT_EQUAL(bad, 0);
	records_free(r, N);
	kit_free(kit);
	srv_stop(s);
}

static void test_large_2xx_answer_counts_as_delivered(void)
{
	srv_t *s = srv_start();
	sl_kit_t *kit = sink_kit(s, "/in");
	kit_set(kit, "max.retries", "0");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(1, "bigreply", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 1), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK); /* the answer is cut, its 200 counts */
	CU_ASSERT_EQUAL(s->nreqs, 1);
	CU_ASSERT_EQUAL(kit_errors(kit), 0);
	records_free(r, 1);
	kit_free(kit);
	srv_stop(s);
}

static void test_oauth2_token_fetched_again_after_401(void)
{
	srv_t *s = srv_start();
	s->need_auth = "Bearer T2"; /* the first token is already stale */
	sl_kit_t *kit = sink_kit(s, "/in");
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/token", s->port);
	kit_set(kit, "auth.type", "OAUTH2");
	kit_set(kit, "oauth2.token.url", url);
	kit_set(kit, "oauth2.client.id", "id");
	kit_set(kit, "oauth2.client.secret", "secret");
	CU_ASSERT_EQUAL_FATAL(kit_start(kit), SL_OK);
	sl_record_t *r = records(1, "v", 0);
	CU_ASSERT_EQUAL(kit_put(kit, r, 1), SL_OK);
	CU_ASSERT_EQUAL(kit_flush(kit), SL_OK);
	CU_ASSERT_EQUAL(s->tokens, 2);
	CU_ASSERT_EQUAL(s->nreqs, 2);
	SL_ASSERT_TEXT(s->accepted.data, "v0\n");
	records_free(r, 1);
	kit_free(kit);
	srv_stop(s);
}

static void test_validate_refuses_bad_combinations(void)
{
	static const char *const cases[][2] = {
		{"batch.json.as.array", "true"},   /* with request.body.format=string */
		{"headers", "X-A: 1|oops"},        /* an item without ':' */
		{"http.api.url", "http://h/${k}"}, /* an unknown placeholder */
		{"http.api.url", "ftp://h/"},      /* not http */
		{"retry.on.status.codes", "5x"},   /* not a code */
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		sl_kit_t *kit = sink_kit(NULL, "/in");
		kit_set(kit, cases[i][0], cases[i][1]);
		CU_ASSERT_EQUAL(kit_start(kit), SL_FAIL);
		if (!strstr(kit_fail_reason(kit), cases[i][0]))
			fprintf(stderr, "\n  %s: %s", cases[i][0], kit_fail_reason(kit));
		SL_ASSERT_CONTAINS(kit_fail_reason(kit), cases[i][0]);
		kit_free(kit);
	}
	sl_kit_t *kit = sink_kit(NULL, "/in");
	CU_ASSERT_EQUAL(kit_start(kit), SL_OK);
	CU_ASSERT_FALSE(kit_sink_headers_wanted(kit));
	kit_free(kit);
}

/* The reporter's topics: off unless reporter.bootstrap.servers or the
 * topic key is set; ${connector} expanded; an empty name turns one off. */
static void test_reporter_topics_follow_confluent_switches(void)
{
	static const struct {
		const char *kv[6];
		const char *result, *error;
	} cases[] = {
		{{NULL}, NULL, NULL},
		{{"reporter.bootstrap.servers", "k:9092", NULL}, "orders-success", "orders-error"},
		{{"reporter.result.topic.name", "${connector}.ok.${connector}", NULL},
		 "orders.ok.orders",
		 NULL},
		{{"reporter.bootstrap.servers", "k:9092", "reporter.error.topic.name", "", NULL},
		 "orders-success",
		 NULL},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		sl_config_t *config = sl_config_new();
		sl_config_set(config, "http.api.url", "http://h/", NULL, 0);
		for (size_t k = 0; cases[i].kv[k]; k += 2)
			sl_config_set(config, cases[i].kv[k], cases[i].kv[k + 1], NULL, 0);
		hsink_config_t c;
		sl_errlist_t errs = {0};
		CU_ASSERT_EQUAL_FATAL(sl_options_load(hsink_options, config, &c, &errs), 0);
		char *result = hsink_report_topic(&c, config, "result", "orders");
		char *error = hsink_report_topic(&c, config, "error", "orders");
		if (cases[i].result)
			SL_ASSERT_TEXT(result, cases[i].result);
		else
			CU_ASSERT_PTR_NULL(result);
		if (cases[i].error)
			SL_ASSERT_TEXT(error, cases[i].error);
		else
			CU_ASSERT_PTR_NULL(error);
		free(result);
		free(error);
		sl_options_free(hsink_options, &c);
		sl_errlist_free(&errs);
		sl_config_free(config);
	}
}

void http_sink_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"batches carry prefix, separator, suffix in order",
		 test_batches_carry_prefix_separator_suffix_in_order},
		{"partial batch waits for flush", test_partial_batch_waits_for_flush},
		{"json array body with json content type",
		 test_json_array_body_with_json_content_type},
		{"url template per topic, partition, key",
		 test_url_template_per_topic_partition_key},
		{"5xx and 429 are retried until 2xx", test_5xx_and_429_are_retried_until_2xx},
		{"a body is sent again on a new connection",
		 test_body_is_sent_again_on_a_new_connection},
		{"retry-after is honoured", test_retry_after_is_honoured},
		{"flush fails after max.retries with reason",
		 test_flush_fails_after_max_retries_with_reason},
		{"flush is not ok while records wait", test_flush_is_not_ok_while_records_wait},
		{"refused batch is split down to the poisoned record",
		 test_refused_batch_is_split_down_to_the_poisoned_record},
		{"retried 4xx is split once retries are used up",
		 test_retried_4xx_is_split_once_retries_are_used_up},
		{"refusal fails task naming url, status and body",
		 test_refusal_fails_task_naming_url_status_and_body},
		{"behavior.on.error=log skips without error policy",
		 test_behavior_on_error_log_skips_without_error_policy},
		{"unrenderable value goes through error policy",
		 test_unrenderable_value_goes_through_error_policy},
		{"null values ignored, deleted or failed", test_null_values_ignored_or_deleted},
		{"connection refused is retried then fails",
		 test_connection_refused_is_retried_then_fails},
		{"partitions in parallel, each in order",
		 test_partitions_in_parallel_each_in_order},
		{"large 2xx answer counts as delivered", test_large_2xx_answer_counts_as_delivered},
		{"long queue delivers every byte in order",
		 test_long_queue_delivers_every_byte_in_order},
		{"oauth2 token fetched again after 401", test_oauth2_token_fetched_again_after_401},
		{"validate refuses bad combinations", test_validate_refuses_bad_combinations},
		{"reporter topics follow Confluent's switches",
		 test_reporter_topics_follow_confluent_switches},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("http_sink", NULL, NULL, tests);
}
