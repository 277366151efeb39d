/* Unit tests of the webhook-source connector: a task on the connector test
 * kit listening on an ephemeral port, driven by libcurl clients on threads
 * of their own: the answer waits for Kafka's acknowledgement, every
 * refusal has its status, and the task keeps running after each. */
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kit.h"
#include "runner.h"
#include "webhook.h"

extern const sl_connector_t webhook_source_connector;

/* ---- a client on a thread of its own ----------------------------------- */

typedef struct post {
	pthread_t th;
	char url[160];
	const char *method; /* NULL: POST */
	long timeout_ms;    /* 0: 20 s */
	char *body;
	size_t len;
	struct curl_slist *hdrs;
	atomic_bool done;
	long status;
	char retry_after[32];
	sl_buf_t resp;
} post_t;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	sl_buf_append(&((post_t *)arg)->resp, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	post_t *c = arg;
	size_t len = size * n;

	if (len > 13 && !strncasecmp(p, "Retry-After: ", 13)) {
		size_t v = len - 13;
		while (v && (p[13 + v - 1] == '\r' || p[13 + v - 1] == '\n'))
			v--;
		if (v < sizeof(c->retry_after)) {
			memcpy(c->retry_after, p + 13, v);
			c->retry_after[v] = '\0';
		}
	}
	return len;
}

static void *post_main(void *arg)
{
	post_t *c = arg;
	CURL *h = curl_easy_init();

	curl_easy_setopt(h, CURLOPT_URL, c->url);
	if (c->method)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	if (!c->method || strcmp(c->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)c->len);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms ? c->timeout_ms : 20000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_cleanup(h);
	atomic_store(&c->done, true);
	return NULL;
}

/* The port the kit's task listens on. */
static int kit_port(sl_kit_t *kit)
{
	webhook_task_t *st = sl_task_data(kit_ctx(kit));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return st->port;
}

/* Starts a request to path of the kit's listener with body (copied) and
 * headers ("Name: value", ..., NULL; Content-Type application/json unless
 * given). Join it with post_wait. */
static post_t *post_start(sl_kit_t *kit, const char *path, const char *body,
			  const char *const *hdrs)
{
	post_t *c = sl_calloc(1, sizeof(*c));
	bool ct = false;

	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d%s", kit_port(kit), path);
	c->len = strlen(body);
	c->body = sl_strdup(body);
	for (const char *const *h = hdrs; h && *h; h++) {
		c->hdrs = curl_slist_append(c->hdrs, *h);
		ct |= !strncasecmp(*h, "Content-Type:", 13);
	}
	if (!ct)
		c->hdrs = curl_slist_append(c->hdrs, "Content-Type: application/json");
	CU_ASSERT_EQUAL_FATAL(pthread_create(&c->th, NULL, post_main, c), 0);
	return c;
}

/* Joins the request; its status stays in c until post_free. */
static post_t *post_wait(post_t *c)
{
	pthread_join(c->th, NULL);
	return c;
}

static void post_free(post_t *c)
{
	if (!c)
		return;
	curl_slist_free_all(c->hdrs);
	free(c->body);
	sl_buf_free(&c->resp);
	free(c);
}

/* A request answered without the task thread: its status. */
static long post_status(sl_kit_t *kit, const char *path, const char *body, const char *const *hdrs,
			char *retry_after, size_t ra_size)
{
	post_t *c = post_wait(post_start(kit, path, body, hdrs));
	long status = c->status;

	if (retry_after)
		sl_strlcpy(retry_after, c->retry_after, ra_size);
	post_free(c);
	return status;
}

/* Whether c is still waiting for its answer after ms. */
static bool still_pending_after(post_t *c, int ms)
{
	sl_sleep_ms(ms);
	return !atomic_load(&c->done);
}

/* ---- a raw client: what curl will not send ------------------------------ */

/* A connection to the kit's listener; -1 fails the test. */
static int raw_connect(sl_kit_t *kit)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)kit_port(kit)),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, const char *text)
{
	CU_ASSERT_EQUAL(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Reads from fd into out until it holds needle (NULL: until end of file)
 * or ms pass; while it waits it sends one byte of trickle every 100 ms,
 * when given, as a slow client does (send errors are ignored: the server
 * may have closed). Returns true when the server closed the connection. */
static bool raw_read(int fd, const char *needle, int ms, const char *trickle, sl_buf_t *out)
{
	int64_t end = sl_now_ms() + ms;

	while (sl_now_ms() < end && !(needle && out->data && strstr(out->data, needle))) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char chunk[4096];
		ssize_t n;

		if (trickle && *trickle)
			(void)send(fd, trickle++, 1, MSG_NOSIGNAL);
		if (poll(&p, 1, trickle ? 100 : 50) <= 0)
			continue;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0)
			return true;
		sl_buf_append(out, chunk, (size_t)n);
	}
	return false;
}

/* A kit of a webhook-source on an ephemeral port writing topic "hooks";
 * kv adds keys. Started. */
static sl_kit_t *hook_kit(const char *const *kv)
{
	static const char *const common[] = {
		"name", "unit-hook", "listener.port", "0", "kafka.topic", "hooks", NULL};
	sl_kit_t *kit = kit_new(&webhook_source_connector, common, 0, 1);

	for (const char *const *p = kv; p && p[0]; p += 2)
		kit_set(kit, p[0], p[1]);
	if (kit_start(kit) != SL_OK)
		fprintf(stderr, "\n  start: %s\n", kit_fail_reason(kit));
	return kit;
}

/* The compact JSON text of a record value or key. */
static char *value_text(const sl_value_t *v)
{
	if (v->kind == SL_VALUE_JSON)
		return json_dumps(v->json, JSON_COMPACT | JSON_ENCODE_ANY);
	if (v->kind == SL_VALUE_NULL)
		return sl_strdup("<null>");
	return sl_strndup(v->data, v->len);
}

static void assert_value(const sl_value_t *v, sl_value_kind_t kind, const char *text)
{
	char *t = value_text(v);
	CU_ASSERT_EQUAL(v->kind, kind);
	SL_ASSERT_TEXT(t, text);
	free(t);
}

/* ---- the answer follows Kafka's acknowledgement ------------------------ */

static void test_answer_waits_until_kafka_acknowledged_every_record(void)
{
	sl_kit_t *kit = hook_kit(NULL);
	post_t *c = post_start(kit, "/", "{\"event\":\"push\",\"n\":1}", NULL);
	sl_batch_t *b = kit_poll_until(kit, 3000, NULL);

	CU_ASSERT_EQUAL_FATAL(b->count, 1);
	SL_ASSERT_TEXT(b->records[0].topic, "hooks");
	assert_value(&b->records[0].value, SL_VALUE_JSON, "{\"event\":\"push\",\"n\":1}");
	CU_ASSERT_EQUAL(b->records[0].key.kind, SL_VALUE_NULL);
	CU_ASSERT_PTR_NOT_NULL(b->records[0].ack_data);
	CU_ASSERT_PTR_NULL(b->records[0].source_offset);
	char *part = json_dumps(b->records[0].source_partition, JSON_COMPACT);
	SL_ASSERT_TEXT(part, "{\"webhook\":\"127.0.0.1:0/\"}");
	free(part);
	/* the record is with "Kafka", not acknowledged: no answer yet */
	CU_ASSERT(still_pending_after(c, 300));
	kit_poll(kit, NULL); /* further polls do not answer it either */
	CU_ASSERT(still_pending_after(c, 50));
	CU_ASSERT_EQUAL(kit_ack_all(kit), 1);
	post_wait(c);
	CU_ASSERT_EQUAL(c->status, 200);
	SL_ASSERT_TEXT(c->resp.data, "{\"records\":1}");
	post_free(c);
	kit_free(kit);
}

static void test_records_dropped_at_stop_answer_503(void)
{
	sl_kit_t *kit = hook_kit(NULL);
	post_t *c = post_start(kit, "/", "{\"a\":1}", NULL);

	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	CU_ASSERT(still_pending_after(c, 100));
	kit_stop(kit); /* acked(SL_DROPPED), then stop */
	post_wait(c);
	CU_ASSERT_EQUAL(c->status, 503);
	SL_ASSERT_CONTAINS(c->resp.data, "not written to Kafka");
	post_free(c);
	kit_free(kit);
}

static void test_requests_not_yet_polled_get_503_at_stop(void)
{
	sl_kit_t *kit = hook_kit(NULL);
	post_t *c = post_start(kit, "/", "{\"a\":1}", NULL);

	CU_ASSERT(still_pending_after(c, 200)); /* queued: no poll took it */
	kit_stop(kit);
	post_wait(c);
	CU_ASSERT_EQUAL(c->status, 503);
	SL_ASSERT_CONTAINS(c->resp.data, "stopping");
	SL_ASSERT_TEXT(c->retry_after, "1");
	post_free(c);
	kit_free(kit);
}

/* Once the worker asks the task to stop, poll is not called any more:
 * queued requests and new ones get 503 without waiting for stop. */
static void test_stop_request_answers_queued_and_new_requests_503(void)
{
	sl_kit_t *kit = hook_kit(NULL);
	post_t *c = post_start(kit, "/", "{\"a\":1}", NULL);
	int64_t t0;

	CU_ASSERT(still_pending_after(c, 200));
	kit_request_stop(kit);
	t0 = sl_now_ms();
	post_wait(c);
	CU_ASSERT(sl_now_ms() - t0 < 2000);
	CU_ASSERT_EQUAL(c->status, 503);
	SL_ASSERT_CONTAINS(c->resp.data, "stopping");
	post_free(c);
	CU_ASSERT_EQUAL(post_status(kit, "/", "{\"b\":1}", NULL, NULL, 0), 503);
	kit_free(kit);
}

/* A sender that gave up while its request waited: the acknowledgement
 * later finds its connection gone, and its in-flight slot is given back. */
static void test_sender_that_left_while_waiting_frees_its_slot(void)
{
	static const char *const kv[] = {"webhook.max.inflight", "1", NULL};
	sl_kit_t *kit = hook_kit(kv);
	post_t *c = sl_calloc(1, sizeof(*c));

	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d/", kit_port(kit));
	c->body = sl_strdup("{\"gone\":1}");
	c->len = strlen(c->body);
	c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	c->timeout_ms = 300;
	post_main(c); /* gives up after 300 ms */
	CU_ASSERT_EQUAL(c->status, 0);
	post_free(c);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	/* its slot is taken until it is answered */
	CU_ASSERT_EQUAL(post_status(kit, "/", "{\"n\":1}", NULL, NULL, 0), 429);
	kit_ack_all(kit);
	sl_sleep_ms(100);
	c = post_start(kit, "/", "{\"n\":2}", NULL);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

static void test_unacknowledged_request_times_out_with_503_and_retry_after(void)
{
	static const char *const kv[] = {"webhook.ack.timeout.ms", "300",
					 "webhook.retry.after.seconds", "7", NULL};
	sl_kit_t *kit = hook_kit(kv);
	int64_t t0 = sl_now_ms();
	post_t *c = post_start(kit, "/", "{\"a\":1}", NULL);

	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	post_wait(c);
	CU_ASSERT(sl_now_ms() - t0 >= 300);
	CU_ASSERT_EQUAL(c->status, 503);
	SL_ASSERT_TEXT(c->retry_after, "7");
	SL_ASSERT_CONTAINS(c->resp.data, "at-least-once");
	/* the late acknowledgement changes nothing and frees the request */
	CU_ASSERT_EQUAL(kit_ack_all(kit), 1);
	post_free(c);
	/* and the task goes on */
	c = post_start(kit, "/", "{\"b\":2}", NULL);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

/* Bodies still arriving are not waiting for Kafka: with webhook.max.inflight
 * stalled half-sent bodies, a complete request is still accepted and
 * answered 200; the stalled senders that then leave change nothing. */
static void test_bodies_still_arriving_hold_no_inflight_slot(void)
{
	static const char *const kv[] = {"webhook.max.inflight", "2", NULL};
	sl_kit_t *kit = hook_kit(kv);
	const char *half = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			   "Content-Length: 100\r\n\r\n{\"cut\":";
	int fds[2];
	post_t *c;

	for (size_t i = 0; i < SL_ARRAY_LEN(fds); i++) {
		fds[i] = raw_connect(kit);
		raw_send(fds[i], half);
	}
	sl_sleep_ms(100);
	c = post_start(kit, "/", "{\"n\":1}", NULL);
	CU_ASSERT(still_pending_after(c, 200)); /* accepted: waits for Kafka */
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	for (size_t i = 0; i < SL_ARRAY_LEN(fds); i++)
		close(fds[i]);
	sl_sleep_ms(100);
	c = post_start(kit, "/", "{\"n\":2}", NULL);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

/* Asserts that the server answered 408 naming the option, and closed. */
static void assert_408_and_closed(bool closed, const sl_buf_t *got)
{
	CU_ASSERT(closed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got->data);
	CU_ASSERT_NSTRING_EQUAL(got->data, "HTTP/1.1 408 ", 13);
	SL_ASSERT_CONTAINS(got->data, "Connection: close");
	SL_ASSERT_CONTAINS(got->data, "request not received within webhook.request.timeout.ms");
}

/* A body trickled a byte at a time never goes idle, yet it must be whole
 * within webhook.request.timeout.ms: 408, the connection closed, no
 * record; the task goes on. */
static void test_body_trickled_past_request_timeout_gets_408_and_close(void)
{
	static const char *const kv[] = {"webhook.request.timeout.ms", "400", NULL};
	sl_kit_t *kit = hook_kit(kv);
	int fd = raw_connect(kit);
	sl_buf_t got = {0};
	int64_t t0 = sl_now_ms();
	bool closed;

	raw_send(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		     "Content-Length: 100\r\n\r\n{\"slow\":\"");
	closed = raw_read(fd, NULL, 3000, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &got);
	CU_ASSERT(sl_now_ms() - t0 >= 400);
	CU_ASSERT(sl_now_ms() - t0 < 2500);
	assert_408_and_closed(closed, &got);
	close(fd);
	sl_buf_free(&got);
	post_t *c = post_start(kit, "/", "{\"after\":1}", NULL);
	sl_batch_t *b = kit_poll_until(kit, 3000, NULL);
	CU_ASSERT_EQUAL_FATAL(b->count, 1);
	assert_value(&b->records[0].value, SL_VALUE_JSON, "{\"after\":1}");
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

/* Headers trickled a byte at a time (slowloris) get 408 too: after the
 * request line, or from the request line's first byte. */
static void test_headers_trickled_past_request_timeout_get_408_and_close(void)
{
	static const char *const kv[] = {"webhook.request.timeout.ms", "400", NULL};
	static const char *const trickle[] = {
		"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	sl_kit_t *kit = hook_kit(kv);

	for (size_t i = 0; i < SL_ARRAY_LEN(trickle); i++) {
		int fd = raw_connect(kit);
		sl_buf_t got = {0};
		if (i == 0)
			raw_send(fd, "POST / HTTP/1.1\r\nHost: x\r\n");
		assert_408_and_closed(raw_read(fd, NULL, 3000, trickle[i], &got), &got);
		close(fd);
		sl_buf_free(&got);
	}
	kit_free(kit);
}

/* The deadline is for receiving a request, not for the wait between
 * requests: a keep-alive connection idle for longer than it still takes
 * the next request. */
static void test_idle_keep_alive_connection_outlives_request_timeout(void)
{
	static const char *const kv[] = {"webhook.request.timeout.ms", "300", NULL};
	const char *req = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			  "Content-Length: 7\r\n\r\n{\"k\":1}";
	sl_kit_t *kit = hook_kit(kv);
	int fd = raw_connect(kit);
	sl_buf_t got = {0};

	for (int i = 0; i < 2; i++) {
		if (i)
			sl_sleep_ms(800); /* idle, past the request timeout */
		raw_send(fd, req);
		CU_ASSERT_EQUAL(kit_poll_until(kit, 3000, NULL)->count, 1);
		kit_ack_all(kit);
		CU_ASSERT_FALSE(raw_read(fd, "{\"records\":1}", 3000, NULL, &got));
		CU_ASSERT_PTR_NOT_NULL_FATAL(got.data);
		CU_ASSERT_NSTRING_EQUAL(got.data, "HTTP/1.1 200 ", 13);
		sl_buf_reset(&got);
	}
	close(fd);
	sl_buf_free(&got);
	kit_free(kit);
}

/* ---- records: split, keys, headers, values ----------------------------- */

static void test_split_array_makes_a_record_per_element_keyed_by_pointer(void)
{
	static const char *const kv[] = {"webhook.split", "true", "webhook.key.pointer", "/user/id",
					 NULL};
	sl_kit_t *kit = hook_kit(kv);
	post_t *c = post_start(
		kit, "/", "[{\"user\":{\"id\":\"u1\"},\"n\":1},{\"user\":{\"id\":7}},{\"x\":0}]",
		NULL);
	sl_batch_t *b = kit_poll_until(kit, 3000, NULL);

	CU_ASSERT_EQUAL_FATAL(b->count, 3);
	assert_value(&b->records[0].value, SL_VALUE_JSON, "{\"user\":{\"id\":\"u1\"},\"n\":1}");
	assert_value(&b->records[0].key, SL_VALUE_JSON, "\"u1\"");
	assert_value(&b->records[1].key, SL_VALUE_JSON, "7");
	CU_ASSERT_EQUAL(b->records[2].key.kind, SL_VALUE_NULL); /* the pointer matches nothing */
	CU_ASSERT(b->records[0].ack_data == b->records[2].ack_data);
	CU_ASSERT(still_pending_after(c, 100));
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	SL_ASSERT_TEXT(c->resp.data, "{\"records\":3}");
	post_free(c);

	/* an empty array: no record, answered at once */
	c = post_start(kit, "/", "[]", NULL);
	CU_ASSERT_EQUAL(kit_poll_until(kit, 1000, NULL)->count, 0);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	SL_ASSERT_TEXT(c->resp.data, "{\"records\":0}");
	post_free(c);
	/* malformed JSON: 400, nothing queued */
	CU_ASSERT_EQUAL(post_status(kit, "/", "[{\"a\":", NULL, NULL, 0), 400);
	CU_ASSERT_EQUAL(kit_poll(kit, NULL)->count, 0);
	kit_free(kit);
}

static void test_key_header_and_chosen_headers_become_key_and_record_headers(void)
{
	static const char *const kv[] = {"webhook.key.header", "X-Delivery", "webhook.headers",
					 "X-GitHub-Event, X-Absent", NULL};
	static const char *const hdrs[] = {"X-Delivery: d-42", "x-github-event: push",
					   "X-Other: no", NULL};
	sl_kit_t *kit = hook_kit(kv);
	post_t *c = post_start(kit, "/", "{\"a\":1}", hdrs);
	sl_batch_t *b = kit_poll_until(kit, 3000, NULL);

	CU_ASSERT_EQUAL_FATAL(b->count, 1);
	assert_value(&b->records[0].key, SL_VALUE_STRING, "d-42");
	CU_ASSERT_EQUAL_FATAL(b->records[0].header_count, 1);
	SL_ASSERT_TEXT(b->records[0].headers[0].key, "X-GitHub-Event");
	CU_ASSERT_EQUAL(b->records[0].headers[0].len, 4);
	CU_ASSERT_NSTRING_EQUAL(b->records[0].headers[0].value, "push", 4);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

static void test_text_body_is_a_string_value_and_other_bytes(void)
{
	static const char *const kv[] = {"webhook.content.types", "text/plain,application/*", NULL};
	static const char *const text[] = {"Content-Type: text/plain; charset=utf-8", NULL};
	static const char *const form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	sl_kit_t *kit = hook_kit(kv);
	post_t *c1 = post_start(kit, "/", "h\xc3\xa9llo", text);
	sl_batch_t *b = kit_poll_until(kit, 3000, NULL);

	CU_ASSERT_EQUAL_FATAL(b->count, 1);
	assert_value(&b->records[0].value, SL_VALUE_STRING, "h\xc3\xa9llo");
	post_t *c2 = post_start(kit, "/", "a=1&b=2", form);
	b = kit_poll_until(kit, 3000, NULL);
	CU_ASSERT_EQUAL_FATAL(b->count, 1);
	assert_value(&b->records[0].value, SL_VALUE_BYTES, "a=1&b=2");
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c1)->status, 200);
	CU_ASSERT_EQUAL(post_wait(c2)->status, 200);
	post_free(c1);
	post_free(c2);
	kit_free(kit);
}

static void test_string_format_refuses_non_utf8_and_status_204_has_no_body(void)
{
	static const char *const kv[] = {"webhook.value.format", "string",
					 "webhook.response.status", "204", NULL};
	sl_kit_t *kit = hook_kit(kv);
	post_t *c;

	CU_ASSERT_EQUAL(post_status(kit, "/", "caf\xe9", NULL, NULL, 0), 400);
	c = post_start(kit, "/", "{\"kept\": 1.0}", NULL); /* the body as it is */
	sl_batch_t *b = kit_poll_until(kit, 3000, NULL);
	CU_ASSERT_EQUAL_FATAL(b->count, 1);
	assert_value(&b->records[0].value, SL_VALUE_STRING, "{\"kept\": 1.0}");
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 204);
	CU_ASSERT_EQUAL(c->resp.len, 0);
	post_free(c);
	kit_free(kit);
}

static void test_hex_signature_in_a_header_of_choice(void)
{
	static const char *const kv[] = {"webhook.signature.secret",
					 "k",
					 "webhook.signature.format",
					 "hex",
					 "webhook.signature.header",
					 "X-Sig",
					 NULL};
	char hex[65], h[100];
	sl_kit_t *kit = hook_kit(kv);

	webhook_hmac_hex("k", NULL, 0, "{}", 2, hex);
	snprintf(h, sizeof(h), "X-Sig: %s", hex);
	const char *const good[] = {h, NULL};
	const char *const other[] = {"X-Signature: 00", NULL};
	CU_ASSERT_EQUAL(post_status(kit, "/", "{}", other, NULL, 0), 401);
	post_t *c = post_start(kit, "/", "{}", good);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

/* ---- refusals ------------------------------------------------------------ */

static void test_refusals_404_405_413_415_each_with_its_status(void)
{
	static const char *const kv[] = {"listener.path", "/hooks/gh", "webhook.max.body.bytes",
					 "16", NULL};
	static const char *const xml[] = {"Content-Type: application/xml", NULL};
	static const char *const chunked[] = {"Transfer-Encoding: chunked", NULL};
	sl_kit_t *kit = hook_kit(kv);
	post_t *c;

	CU_ASSERT_EQUAL(post_status(kit, "/hooks/other", "{}", NULL, NULL, 0), 404);
	c = sl_calloc(1, sizeof(*c));
	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%d/hooks/gh", kit_port(kit));
	c->method = "GET";
	post_main(c);
	CU_ASSERT_EQUAL(c->status, 405);
	post_free(c);
	CU_ASSERT_EQUAL(
		post_status(kit, "/hooks/gh", "{\"far\":\"too long a body\"}", NULL, NULL, 0), 413);
	CU_ASSERT_EQUAL(
		post_status(kit, "/hooks/gh", "{\"far\":\"too long a body\"}", chunked, NULL, 0),
		413);
	CU_ASSERT_EQUAL(post_status(kit, "/hooks/gh", "<a/>", xml, NULL, 0), 415);
	/* an endless chunked body is not read forever: 413 or a closed
	 * connection once 1 MiB past the limit */
	char *huge = sl_malloc(3 << 20);
	memset(huge, 'x', (3 << 20) - 1);
	huge[(3 << 20) - 1] = '\0';
	long st = post_status(kit, "/hooks/gh", huge, chunked, NULL, 0);
	CU_ASSERT(st == 413 || st == 0);
	free(huge);
	CU_ASSERT_EQUAL(kit_poll(kit, NULL)->count, 0);
	/* the task still takes good requests */
	c = post_start(kit, "/hooks/gh", "{\"ok\":1}", NULL);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

static void test_past_max_inflight_gets_429_with_retry_after(void)
{
	static const char *const kv[] = {"webhook.max.inflight", "2", NULL};
	sl_kit_t *kit = hook_kit(kv);
	post_t *a = post_start(kit, "/", "{\"n\":1}", NULL);
	post_t *b = post_start(kit, "/", "{\"n\":2}", NULL);
	char ra[32] = "";

	CU_ASSERT(still_pending_after(a, 200));
	CU_ASSERT_EQUAL(post_status(kit, "/", "{\"n\":3}", NULL, ra, sizeof(ra)), 429);
	SL_ASSERT_TEXT(ra, "1");
	size_t got = 0;
	for (int i = 0; i < 20 && got < 2; i++)
		got += kit_poll_until(kit, 500, NULL)->count;
	CU_ASSERT_EQUAL(got, 2);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(a)->status, 200);
	CU_ASSERT_EQUAL(post_wait(b)->status, 200);
	/* room again */
	post_free(a);
	a = post_start(kit, "/", "{\"n\":4}", NULL);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(a)->status, 200);
	post_free(a);
	post_free(b);
	kit_free(kit);
}

/* ---- signatures ------------------------------------------------------------ */

static void test_github_signature_accepted_when_right_401_otherwise(void)
{
	static const char *const kv[] = {"webhook.signature.secret", "s3cret", NULL};
	const char *body = "{\"action\":\"opened\"}";
	char hex[65], good[100];
	sl_kit_t *kit = hook_kit(kv);

	webhook_hmac_hex("s3cret", NULL, 0, body, strlen(body), hex);
	snprintf(good, sizeof(good), "X-Hub-Signature-256: sha256=%s", hex);
	const char *const good_h[] = {good, NULL};
	const char *const bad_h[] = {
		"X-Hub-Signature-256: sha256="
		"0000000000000000000000000000000000000000000000000000000000000000",
		NULL};
	CU_ASSERT_EQUAL(post_status(kit, "/", body, NULL, NULL, 0), 401);
	CU_ASSERT_EQUAL(post_status(kit, "/", body, bad_h, NULL, 0), 401);
	CU_ASSERT_EQUAL(post_status(kit, "/", "{\"action\":\"closed\"}", good_h, NULL, 0), 401);
	CU_ASSERT_EQUAL(kit_poll(kit, NULL)->count, 0);
	post_t *c = post_start(kit, "/", body, good_h);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

static void test_stripe_signature_checks_timestamp_and_value(void)
{
	static const char *const kv[] = {"webhook.signature.secret", "whsec_x",
					 "webhook.signature.format", "stripe", NULL};
	const char *body = "{\"type\":\"charge.succeeded\"}";
	char hex[65], ts[32], good[160], stale[160], signed_text[64];
	sl_kit_t *kit = hook_kit(kv);
	long now = (long)time(NULL);

	snprintf(ts, sizeof(ts), "%ld.", now);
	webhook_hmac_hex("whsec_x", ts, strlen(ts), body, strlen(body), hex);
	snprintf(good, sizeof(good), "Stripe-Signature: t=%ld,v1=%s,v0=abc", now, hex);
	snprintf(signed_text, sizeof(signed_text), "%ld.", now - 1000);
	webhook_hmac_hex("whsec_x", signed_text, strlen(signed_text), body, strlen(body), hex);
	snprintf(stale, sizeof(stale), "Stripe-Signature: t=%ld,v1=%s", now - 1000, hex);
	const char *const good_h[] = {good, NULL};
	const char *const stale_h[] = {stale, NULL};
	const char *const bad_h[] = {"Stripe-Signature: t=1,v1=zz", NULL};

	CU_ASSERT_EQUAL(post_status(kit, "/", body, stale_h, NULL, 0), 401);
	CU_ASSERT_EQUAL(post_status(kit, "/", body, bad_h, NULL, 0), 401);
	CU_ASSERT_EQUAL(post_status(kit, "/", "{}", good_h, NULL, 0), 401);
	post_t *c = post_start(kit, "/", body, good_h);
	CU_ASSERT_EQUAL_FATAL(kit_poll_until(kit, 3000, NULL)->count, 1);
	kit_ack_all(kit);
	CU_ASSERT_EQUAL(post_wait(c)->status, 200);
	post_free(c);
	kit_free(kit);
}

/* ---- start --------------------------------------------------------------- */

static void test_port_in_use_is_retried_with_a_clear_reason(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	char port[16];

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CU_ASSERT_EQUAL_FATAL(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	snprintf(port, sizeof(port), "%d", ntohs(sa.sin_port));
	static const char *const common[] = {"kafka.topic", "hooks", NULL};
	sl_kit_t *kit = kit_new(&webhook_source_connector, common, 0, 1);
	kit_set(kit, "listener.port", port);
	CU_ASSERT_EQUAL(kit_start(kit), SL_RETRY);
	SL_ASSERT_CONTAINS(kit_fail_reason(kit), "Address already in use");
	close(fd);
	CU_ASSERT_EQUAL(kit_start(kit), SL_OK); /* the port is free again */
	kit_free(kit);
}

static void test_key_pointer_and_key_header_exclude_each_other(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};

	sl_config_set(cfg, "listener.port", "0", NULL, 0);
	sl_config_set(cfg, "kafka.topic", "t", NULL, 0);
	CU_ASSERT_EQUAL(webhook_source_connector.validate(cfg, &errs), 0);
	sl_config_set(cfg, "webhook.key.pointer", "/id", NULL, 0);
	CU_ASSERT_EQUAL(webhook_source_connector.validate(cfg, &errs), 0);
	sl_config_set(cfg, "webhook.key.header", "X-Id", NULL, 0);
	CU_ASSERT_NOT_EQUAL(webhook_source_connector.validate(cfg, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 1);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static int suite_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int suite_cleanup(void)
{
	curl_global_cleanup();
	return 0;
}

void webhook_source_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"answer_waits_until_kafka_acknowledged_every_record",
		 test_answer_waits_until_kafka_acknowledged_every_record},
		{"records_dropped_at_stop_answer_503", test_records_dropped_at_stop_answer_503},
		{"requests_not_yet_polled_get_503_at_stop",
		 test_requests_not_yet_polled_get_503_at_stop},
		{"stop_request_answers_queued_and_new_requests_503",
		 test_stop_request_answers_queued_and_new_requests_503},
		{"sender_that_left_while_waiting_frees_its_slot",
		 test_sender_that_left_while_waiting_frees_its_slot},
		{"bodies_still_arriving_hold_no_inflight_slot",
		 test_bodies_still_arriving_hold_no_inflight_slot},
		{"body_trickled_past_request_timeout_gets_408_and_close",
		 test_body_trickled_past_request_timeout_gets_408_and_close},
		{"headers_trickled_past_request_timeout_get_408_and_close",
		 test_headers_trickled_past_request_timeout_get_408_and_close},
		{"idle_keep_alive_connection_outlives_request_timeout",
		 test_idle_keep_alive_connection_outlives_request_timeout},
		{"unacknowledged_request_times_out_with_503_and_retry_after",
		 test_unacknowledged_request_times_out_with_503_and_retry_after},
		{"split_array_makes_a_record_per_element_keyed_by_pointer",
		 test_split_array_makes_a_record_per_element_keyed_by_pointer},
		{"key_header_and_chosen_headers_become_key_and_record_headers",
		 test_key_header_and_chosen_headers_become_key_and_record_headers},
		{"text_body_is_a_string_value_and_other_bytes",
		 test_text_body_is_a_string_value_and_other_bytes},
		{"string_format_refuses_non_utf8_and_status_204_has_no_body",
		 test_string_format_refuses_non_utf8_and_status_204_has_no_body},
		{"hex_signature_in_a_header_of_choice", test_hex_signature_in_a_header_of_choice},
		{"refusals_404_405_413_415_each_with_its_status",
		 test_refusals_404_405_413_415_each_with_its_status},
		{"past_max_inflight_gets_429_with_retry_after",
		 test_past_max_inflight_gets_429_with_retry_after},
		{"github_signature_accepted_when_right_401_otherwise",
		 test_github_signature_accepted_when_right_401_otherwise},
		{"stripe_signature_checks_timestamp_and_value",
		 test_stripe_signature_checks_timestamp_and_value},
		{"port_in_use_is_retried_with_a_clear_reason",
		 test_port_in_use_is_retried_with_a_clear_reason},
		{"key_pointer_and_key_header_exclude_each_other",
		 test_key_pointer_and_key_header_exclude_each_other},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("webhook_source", suite_init, suite_cleanup, tests);
}
