/* Integration tests of the REST API on the embedded cluster: a worker with
 * its API on a free loopback port, driven with libcurl as a client would:
 * Kafka Connect's paths, bodies and status codes, bad input, secrets,
 * target states, source offsets, connector.config.dir, and many requests
 * at once. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "rest.h"
#include "runner.h"
#include "sluice/util.h"
#include "worker.h"

static itest_env_t env;
static sl_rest_t *rest;
static char base[64];
static char *conns_root; /* a directory of the suite's own */
static char *conns_dir;  /* connector.config.dir, in it */

typedef struct http_res {
	long status;
	sl_buf_t body;
	char location[512];
	char ctype[128];
} http_res_t;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	sl_buf_append(&((http_res_t *)arg)->body, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	http_res_t *r = arg;
	size_t len = size * n;
	if (len > 10 && !strncasecmp(p, "Location: ", 10))
		snprintf(r->location, sizeof(r->location), "%.*s", (int)(len - 12), p + 10);
	if (len > 14 && !strncasecmp(p, "Content-Type: ", 14))
		snprintf(r->ctype, sizeof(r->ctype), "%.*s", (int)(len - 16), p + 14);
	return len;
}

static CURL *easy_for(const char *method, const char *path, const char *body, http_res_t *r)
{
	CURL *c = curl_easy_init();
	char url[1024];
	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	return c;
}

/* One request; the answer's status and body (r->body.data, may be NULL). */
static void http(const char *method, const char *path, const char *body, http_res_t *r)
{
	memset(r, 0, sizeof(*r));
	CURL *c = easy_for(method, path, body, r);
	CU_ASSERT_EQUAL(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
}

/* The status of a request; its body parsed into *json when json is not
 * NULL (NULL when not JSON). */
static long call(const char *method, const char *path, const char *body, json_t **json)
{
	http_res_t r;
	http(method, path, body, &r);
	if (json)
		*json = r.body.data ? json_loads(r.body.data, JSON_DECODE_ANY, NULL) : NULL;
	sl_buf_free(&r.body);
	return r.status;
}

static const char *jstr(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static int suite_init(void)
{
	char tmpl[] = "/tmp/sluice-rest-XXXXXX";
	conns_root = sl_strdup(mkdtemp(tmpl));
	conns_dir = sl_asprintf("%s/conns", conns_root);
	const char *extra[] = {"listeners", "http://127.0.0.1:0",   "rest.max.body.bytes",
			       "4096",      "connector.config.dir", conns_dir,
			       NULL};
	char err[512];
	if (itest_env_open(&env, false, extra) != 0)
		return 1;
	if (sl_rest_start(env.worker, &rest, err, sizeof(err)) != 0 || !rest) {
		fprintf(stderr, "rest: %s\n", err);
		return 1;
	}
	sl_rest_set_started(rest);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", sl_rest_port(rest));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int suite_cleanup(void)
{
	sl_rest_stop(rest);
	int rc = itest_env_close(&env);
	char *cmd = sl_asprintf("rm -rf '%s'", conns_root);
	rc |= system(cmd) != 0;
	free(cmd);
	free(conns_dir);
	free(conns_root);
	curl_global_cleanup();
	return rc;
}

/* A file-source body for POST /connectors named name, reading a file of
 * the suite's directory; extra is more "key":"value" JSON (may be ""). */
static char *source_body(const char *name, const char *state, const char *extra)
{
	char *in = itest_path(&env, "rest.in");
	itest_append_lines(in, 1, 3, "r-");
	char *b = sl_asprintf("{\"name\":\"%s\",%s%s%s\"config\":{\"connector.class\":"
			      "\"FileStreamSource\",\"file\":\"%s\",\"topic\":\"rest-t\"%s}}",
			      name, state ? "\"initial_state\":\"" : "", state ? state : "",
			      state ? "\"," : "", in, extra);
	free(in);
	return b;
}

static void test_create_get_conflict_delete_round_trip(void)
{
	http_res_t r;
	char *body = source_body("rt1", NULL, "");
	http("POST", "/connectors", body, &r);
	CU_ASSERT_EQUAL(r.status, 201);
	char want[128];
	snprintf(want, sizeof(want), "%s/connectors/rt1", base);
	SL_ASSERT_TEXT(r.location, want);
	SL_ASSERT_TEXT(r.ctype, "application/json");
	json_t *j = json_loads(r.body.data, 0, NULL);
	SL_ASSERT_TEXT(jstr(j, "name"), "rt1");
	SL_ASSERT_TEXT(jstr(j, "type"), "source");
	SL_ASSERT_TEXT(jstr(json_object_get(j, "config"), "name"), "rt1");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "tasks")), 1);
	json_decref(j);
	sl_buf_free(&r.body);

	CU_ASSERT_EQUAL(call("POST", "/connectors", body, &j), 409);
	SL_ASSERT_TEXT(jstr(j, "message"), "Connector rt1 already exists");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "error_code")), 409);
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors", NULL, &j), 200);
	CU_ASSERT(json_is_array(j) && json_array_size(j) >= 1);
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors/rt1/config", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(j, "topic"), "rest-t");
	json_decref(j);
	CU_ASSERT(itest_wait_state(env.worker, "rt1", "RUNNING", 10000));
	CU_ASSERT_EQUAL(call("GET", "/connectors/rt1/tasks/0/status", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(j, "state"), "RUNNING");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors/rt1/tasks/7/status", NULL, NULL), 404);
	CU_ASSERT_EQUAL(call("GET", "/connectors/rt1/tasks", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(json_object_get(json_array_get(j, 0), "id"), "connector"), "rt1");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors/rt1/topics", NULL, &j), 200);
	SL_ASSERT_TEXT(json_string_value(json_array_get(
			       json_object_get(json_object_get(j, "rt1"), "topics"), 0)),
		       "rest-t");
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/rt1", NULL, NULL), 204);
	CU_ASSERT_EQUAL(call("GET", "/connectors/rt1", NULL, &j), 404);
	SL_ASSERT_TEXT(jstr(j, "message"), "Connector rt1 not found");
	json_decref(j);
	free(body);
}

static void test_expand_status_and_info_together(void)
{
	char *body = source_body("ex1", "PAUSED", "");
	CU_ASSERT_EQUAL(call("POST", "/connectors", body, NULL), 201);
	json_t *j;
	CU_ASSERT_EQUAL(call("GET", "/connectors?expand=status&expand=info", NULL, &j), 200);
	json_t *e = json_object_get(j, "ex1");
	SL_ASSERT_TEXT(jstr(json_object_get(json_object_get(e, "status"), "connector"), "state"),
		       "PAUSED");
	SL_ASSERT_TEXT(jstr(json_object_get(e, "info"), "type"), "source");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors?expand=info", NULL, &j), 200);
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(j, "ex1"), "status"));
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/ex1", NULL, NULL), 204);
	free(body);
}

static void test_unknown_path_is_404_and_wrong_method_405(void)
{
	json_t *j;
	CU_ASSERT_EQUAL(call("GET", "/nothing/here", NULL, &j), 404);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "error_code")), 404);
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors", NULL, &j), 405);
	SL_ASSERT_TEXT(jstr(j, "message"), "HTTP 405 Method Not Allowed");
	json_decref(j);
	CU_ASSERT_EQUAL(call("POST", "/connectors/x/pause", NULL, NULL), 405);
	CU_ASSERT_EQUAL(call("PUT", "/connectors/none/pause", NULL, NULL), 404);
}

static void test_bad_input_is_refused_with_reasons(void)
{
	json_t *j;
	CU_ASSERT_EQUAL(call("POST", "/connectors", "{\"name\":", &j), 400);
	SL_ASSERT_CONTAINS(jstr(j, "message"), "not valid JSON");
	json_decref(j);
	CU_ASSERT_EQUAL(call("POST", "/connectors", "{\"name\":\"a/b\",\"config\":{}}", &j), 400);
	SL_ASSERT_CONTAINS(jstr(j, "message"), "'/'");
	json_decref(j);
	CU_ASSERT_EQUAL(call("POST", "/connectors", "{\"name\":\"..\",\"config\":{}}", NULL), 400);
	/* Every problem of the config, not only the first. */
	CU_ASSERT_EQUAL(call("POST", "/connectors",
			     "{\"name\":\"bad1\",\"config\":{\"connector.class\":\"file-source\","
			     "\"tasks.max\":\"0\",\"topic\":\"a b\"}}",
			     &j),
			400);
	const char *m = jstr(j, "message");
	SL_ASSERT_CONTAINS(m, "contains the following 3 error(s)");
	SL_ASSERT_CONTAINS(m, "option 'file' is required");
	SL_ASSERT_CONTAINS(m, "option 'tasks.max'");
	SL_ASSERT_CONTAINS(m, "option 'topic'");
	json_decref(j);
	CU_ASSERT_EQUAL(call("POST", "/connectors",
			     "{\"name\":\"bad2\",\"config\":{\"connector.class\":\"NoSuchOne\"}}",
			     &j),
			400);
	SL_ASSERT_CONTAINS(jstr(j, "message"), "NoSuchOne");
	json_decref(j);
	CU_ASSERT_EQUAL(call("POST", "/connectors",
			     "{\"name\":\"bad3\",\"initial_state\":\"SLEEPING\",\"config\":{}}",
			     NULL),
			400);
	CU_ASSERT_EQUAL(call("GET", "/connectors/bad1", NULL, NULL), 404);
	/* A body over rest.max.body.bytes (4096 here). */
	char *big = sl_malloc(10000);
	memset(big, 'x', 9999);
	big[9999] = '\0';
	CU_ASSERT_EQUAL(call("POST", "/connectors", big, &j), 413);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "error_code")), 413);
	json_decref(j);
	free(big);
}

static void test_encoded_non_ascii_name_is_decoded(void)
{
	char *body = source_body("caf\xc3\xa9 1", "STOPPED", "");
	CU_ASSERT_EQUAL(call("POST", "/connectors", body, NULL), 201);
	json_t *j;
	CU_ASSERT_EQUAL(call("GET", "/connectors/caf%C3%A9%201/status", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(j, "name"), "caf\xc3\xa9 1");
	SL_ASSERT_TEXT(jstr(json_object_get(j, "connector"), "state"), "STOPPED");
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/caf%C3%A9%201", NULL, NULL), 204);
	free(body);
}

static void test_secrets_are_hidden_and_references_shown(void)
{
	setenv("SL_REST_TEST_TOPIC", "rest-secret-t", 1);
	char *body = source_body("sec1", "STOPPED",
				 ",\"producer.override.ssl.key.password\":\"hunter2\","
				 "\"kafka.topic.unused\":\"x\"");
	/* kafka.topic.unused is unknown: refused */
	CU_ASSERT_EQUAL(call("POST", "/connectors", body, NULL), 400);
	free(body);
	body = source_body("sec1", "STOPPED",
			   ",\"producer.override.ssl.key.password\":\"hunter2\"");
	/* the topic from a config provider */
	char *p = strstr(body, "\"rest-t\"");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char *with_ref = sl_asprintf("%.*s\"${env:SL_REST_TEST_TOPIC}\"%s", (int)(p - body), body,
				     p + strlen("\"rest-t\""));
	CU_ASSERT_EQUAL(call("POST", "/connectors", with_ref, NULL), 201);
	http_res_t r;
	http("GET", "/connectors/sec1/config", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NULL(strstr(r.body.data, "hunter2"));
	SL_ASSERT_CONTAINS(r.body.data, "\"producer.override.ssl.key.password\":\"[hidden]\"");
	SL_ASSERT_CONTAINS(r.body.data, "\"topic\":\"${env:SL_REST_TEST_TOPIC}\"");
	sl_buf_free(&r.body);
	json_t *j;
	/* The connector uses the resolved value. */
	CU_ASSERT_EQUAL(call("GET", "/connectors/sec1/topics", NULL, &j), 200);
	SL_ASSERT_TEXT(json_string_value(json_array_get(
			       json_object_get(json_object_get(j, "sec1"), "topics"), 0)),
		       "rest-secret-t");
	json_decref(j);
	/* The stored file keeps the reference, not its value. */
	char *path = sl_asprintf("%s/sec1.json", conns_dir);
	char *text = sl_file_read_all(path, NULL);
	SL_ASSERT_CONTAINS(text, "${env:SL_REST_TEST_TOPIC}");
	CU_ASSERT_PTR_NULL(strstr(text, "rest-secret-t"));
	free(text);
	free(path);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/sec1", NULL, NULL), 204);
	free(with_ref);
	free(body);
}

/* Waits until the connector's status has the state and task count. */
static bool wait_conn(const char *name, const char *state, size_t tasks)
{
	for (int i = 0; i < 200; i++) {
		json_t *st = sl_worker_connector_status(env.worker, name);
		bool ok = st && !strcmp(jstr(json_object_get(st, "connector"), "state"), state) &&
			  json_array_size(json_object_get(st, "tasks")) == tasks;
		json_decref(st);
		if (ok)
			return true;
		sl_sleep_ms(50);
	}
	return false;
}

static void test_pause_resume_stop_move_the_target_state(void)
{
	char *body = source_body("st1", NULL, "");
	CU_ASSERT_EQUAL(call("POST", "/connectors", body, NULL), 201);
	CU_ASSERT_EQUAL(call("PUT", "/connectors/st1/pause", NULL, NULL), 202);
	CU_ASSERT(itest_wait_state(env.worker, "st1", "PAUSED", 10000));
	CU_ASSERT(wait_conn("st1", "PAUSED", 1));
	CU_ASSERT_EQUAL(call("PUT", "/connectors/st1/resume", NULL, NULL), 202);
	CU_ASSERT(itest_wait_state(env.worker, "st1", "RUNNING", 10000));
	CU_ASSERT_EQUAL(call("PUT", "/connectors/st1/stop", NULL, NULL), 204);
	CU_ASSERT(wait_conn("st1", "STOPPED", 0));
	json_t *j;
	CU_ASSERT_EQUAL(call("GET", "/connectors/st1", NULL, &j), 200);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "tasks")), 0);
	json_decref(j);
	CU_ASSERT_EQUAL(call("PUT", "/connectors/st1/resume", NULL, NULL), 202);
	CU_ASSERT(wait_conn("st1", "RUNNING", 1));
	CU_ASSERT(itest_wait_state(env.worker, "st1", "RUNNING", 10000));
	/* restart: 204 without flags, 202 with the status otherwise */
	CU_ASSERT_EQUAL(call("POST", "/connectors/st1/restart", NULL, NULL), 204);
	CU_ASSERT_EQUAL(call("POST", "/connectors/st1/restart?includeTasks=true", NULL, &j), 202);
	SL_ASSERT_TEXT(jstr(json_array_get(json_object_get(j, "tasks"), 0), "state"), "RESTARTING");
	json_decref(j);
	CU_ASSERT_EQUAL(call("POST", "/connectors/st1/tasks/0/restart", NULL, NULL), 204);
	CU_ASSERT_EQUAL(call("POST", "/connectors/st1/tasks/3/restart", NULL, NULL), 404);
	CU_ASSERT(itest_wait_state(env.worker, "st1", "RUNNING", 10000));
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/st1", NULL, NULL), 204);
	free(body);
}

static void test_put_creates_then_updates_and_patch_removes_keys(void)
{
	char *in = itest_path(&env, "rest.in");
	char *cfg = sl_asprintf("{\"connector.class\":\"file-source\",\"file\":\"%s\","
				"\"topic\":\"pt1\",\"batch.size\":\"10\"}",
				in);
	http_res_t r;
	http("PUT", "/connectors/pc1/config", cfg, &r);
	CU_ASSERT_EQUAL(r.status, 201);
	SL_ASSERT_CONTAINS(r.location, "/connectors/pc1");
	sl_buf_free(&r.body);
	CU_ASSERT_EQUAL(call("PUT", "/connectors/pc1/config", cfg, NULL), 200);
	CU_ASSERT_EQUAL(call("PUT", "/connectors/pc2/config",
			     "{\"name\":\"other\",\"connector.class\":\"file-source\"}", NULL),
			400);
	json_t *j;
	CU_ASSERT_EQUAL(call("PATCH", "/connectors/pc1/config",
			     "{\"batch.size\":null,\"topic\":\"pt2\"}", &j),
			200);
	json_t *c = json_object_get(j, "config");
	SL_ASSERT_TEXT(jstr(c, "topic"), "pt2");
	CU_ASSERT_PTR_NULL(json_object_get(c, "batch.size"));
	json_decref(j);
	CU_ASSERT_EQUAL(call("PATCH", "/connectors/nope/config", "{}", NULL), 404);
	/* an invalid change is refused and the old config stays */
	CU_ASSERT_EQUAL(call("PATCH", "/connectors/pc1/config", "{\"tasks.max\":\"-1\"}", NULL),
			400);
	CU_ASSERT_EQUAL(call("GET", "/connectors/pc1/config", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(j, "topic"), "pt2");
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/pc1", NULL, NULL), 204);
	free(cfg);
	free(in);
}

static void test_source_offsets_change_only_when_stopped(void)
{
	char *body = source_body("of1", "STOPPED", "");
	CU_ASSERT_EQUAL(call("POST", "/connectors", body, NULL), 201);
	const char *patch = "{\"offsets\":[{\"partition\":{\"filename\":\"/x\"},"
			    "\"offset\":{\"position\":42}}]}";
	json_t *j;
	CU_ASSERT_EQUAL(call("PATCH", "/connectors/of1/offsets", patch, &j), 200);
	SL_ASSERT_TEXT(jstr(j, "message"),
		       "The offsets for this connector have been altered successfully");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors/of1/offsets", NULL, &j), 200);
	json_t *o = json_array_get(json_object_get(j, "offsets"), 0);
	SL_ASSERT_TEXT(jstr(json_object_get(o, "partition"), "filename"), "/x");
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(json_object_get(o, "offset"), "position")), 42);
	json_decref(j);
	CU_ASSERT_EQUAL(
		call("PATCH", "/connectors/of1/offsets", "{\"offsets\":[{\"partition\":1}]}", NULL),
		400);
	CU_ASSERT_EQUAL(call("PUT", "/connectors/of1/resume", NULL, NULL), 202);
	CU_ASSERT_EQUAL(call("PATCH", "/connectors/of1/offsets", patch, &j), 400);
	SL_ASSERT_CONTAINS(jstr(j, "message"), "STOPPED");
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/of1/offsets", NULL, NULL), 400);
	CU_ASSERT_EQUAL(call("PUT", "/connectors/of1/stop", NULL, NULL), 204);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/of1/offsets", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(j, "message"),
		       "The offsets for this connector have been reset successfully");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors/of1/offsets", NULL, &j), 200);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "offsets")), 0);
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connectors/zz/offsets", NULL, NULL), 404);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/of1", NULL, NULL), 204);
	free(body);
}

static void test_worker_resources_answer_in_kafka_connect_shapes(void)
{
	json_t *j;
	CU_ASSERT_EQUAL(call("GET", "/", NULL, &j), 200);
	CU_ASSERT_PTR_NOT_NULL(jstr(j, "version"));
	CU_ASSERT_PTR_NOT_NULL(jstr(j, "kafka_cluster_id"));
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/health", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(j, "status"), "healthy");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connector-plugins", NULL, &j), 200);
	bool alias = false, conv = false;
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e) {
		alias |= !strcmp(jstr(e, "class"),
				 "org.apache.kafka.connect.file.FileStreamSourceConnector");
		conv |= !strcmp(jstr(e, "type"), "converter");
	}
	CU_ASSERT(alias);
	CU_ASSERT(!conv);
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connector-plugins?connectorsOnly=false", NULL, &j), 200);
	conv = false;
	json_array_foreach(j, i, e)
		conv |= !strcmp(jstr(e, "type"), "converter");
	CU_ASSERT(conv);
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connector-plugins/file-source/config", NULL, &j), 200);
	SL_ASSERT_TEXT(jstr(json_array_get(j, 0), "name"), "file");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/connector-plugins/nope/config", NULL, NULL), 404);
	CU_ASSERT_EQUAL(call("PUT", "/connector-plugins/FileStreamSource/config/validate",
			     "{\"tasks.max\":\"0\",\"topic\":\"t\"}", &j),
			200);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "error_count")), 3);
	int with_errors = 0;
	json_array_foreach(json_object_get(j, "configs"), i, e)
		with_errors +=
			json_array_size(json_object_get(json_object_get(e, "value"), "errors")) > 0;
	CU_ASSERT_EQUAL(with_errors, 3); /* name, file, tasks.max */
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/admin/loggers", NULL, &j), 200);
	CU_ASSERT_PTR_NOT_NULL(jstr(json_object_get(j, "root"), "level"));
	json_decref(j);
	CU_ASSERT_EQUAL(call("PUT", "/admin/loggers/root", "{\"level\":\"loud\"}", NULL),
			404); /* as Kafka Connect */
	CU_ASSERT_EQUAL(call("GET", "/admin/loggers/org.foo", NULL, NULL), 404);
	http_res_t r;
	http("GET", "/metrics", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	SL_ASSERT_CONTAINS(r.ctype, "text/plain; version=0.0.4");
	sl_buf_free(&r.body);
	http("GET", "/ui", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	SL_ASSERT_CONTAINS(r.ctype, "text/html");
	sl_buf_free(&r.body);
}

static void test_ready_waits_for_every_running_connector(void)
{
	json_t *j;
	CU_ASSERT_EQUAL(call("GET", "/ready", NULL, NULL), 200);
	char *body = source_body("rd1", "PAUSED", "");
	CU_ASSERT_EQUAL(call("POST", "/connectors", body, NULL), 201);
	CU_ASSERT(itest_wait_state(env.worker, "rd1", "PAUSED", 10000));
	CU_ASSERT_EQUAL(call("GET", "/ready", NULL, NULL), 200); /* paused is not expected to run */
	CU_ASSERT_EQUAL(call("PUT", "/connectors/rd1/stop", NULL, NULL), 204);
	CU_ASSERT(wait_conn("rd1", "STOPPED", 0));
	/* resumed from STOPPED: not ready until its task runs, then ready */
	CU_ASSERT_EQUAL(call("PUT", "/connectors/rd1/resume", NULL, NULL), 202);
	CU_ASSERT(itest_wait_state(env.worker, "rd1", "RUNNING", 10000));
	CU_ASSERT_EQUAL(call("GET", "/ready", NULL, &j), 200);
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/rd1", NULL, NULL), 204);
	/* a FAILED task: not ready, and unhealthy (sluice's choice) */
	CU_ASSERT_EQUAL(call("POST", "/connectors",
			     "{\"name\":\"rd2\",\"config\":{\"connector.class\":\"file-sink\","
			     "\"file\":\"/proc/no-such-dir/out\",\"topics\":\"rd2\"}}",
			     NULL),
			201);
	CU_ASSERT(itest_wait_state(env.worker, "rd2", "FAILED", 10000));
	CU_ASSERT_EQUAL(call("GET", "/ready", NULL, &j), 503);
	SL_ASSERT_CONTAINS(jstr(j, "message"), "rd2");
	json_decref(j);
	CU_ASSERT_EQUAL(call("GET", "/health", NULL, &j), 500);
	SL_ASSERT_TEXT(jstr(j, "status"), "unhealthy");
	json_decref(j);
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/rd2", NULL, NULL), 204);
	CU_ASSERT_EQUAL(call("GET", "/health", NULL, NULL), 200);
	free(body);
}

static void test_hundreds_of_concurrent_requests_are_all_answered(void)
{
	enum {
		N = 300
	};
	char *body = source_body("cc1", NULL, "");
	CU_ASSERT_EQUAL(call("POST", "/connectors", body, NULL), 201);
	CURLM *m = curl_multi_init();
	http_res_t *res = sl_calloc(N, sizeof(*res));
	CURL **easy = sl_calloc(N, sizeof(*easy));
	for (int i = 0; i < N; i++) {
		const char *path = i % 3 == 0   ? "/connectors/cc1/status"
				   : i % 3 == 1 ? "/connectors?expand=status"
						: "/connectors/missing";
		easy[i] = easy_for("GET", path, NULL, &res[i]);
		curl_multi_add_handle(m, easy[i]);
	}
	int running = 1;
	while (running) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	int ok = 0;
	for (int i = 0; i < N; i++) {
		long st = 0;
		curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &st);
		ok += st == (i % 3 == 2 ? 404 : 200);
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
		sl_buf_free(&res[i].body);
	}
	curl_multi_cleanup(m);
	CU_ASSERT_EQUAL(ok, N);
	CU_ASSERT(itest_wait_state(env.worker, "cc1", "RUNNING", 10000));
	CU_ASSERT_EQUAL(call("DELETE", "/connectors/cc1", NULL, NULL), 204);
	free(res);
	free(easy);
	free(body);
}

/* Writes a connector file into connector.config.dir as a user would. */
static void write_stored(const char *name, const char *topic, const char *state)
{
	char *in = itest_path(&env, "rest.in");
	char *path = sl_asprintf("%s/%s.json", conns_dir, name);
	char *text = sl_asprintf("{\"name\":\"%s\",\"config\":{\"connector.class\":\"file-source\","
				 "\"file\":\"%s\",\"topic\":\"%s\"},\"initial_state\":\"%s\"}",
				 name, in, topic, state);
	char err[256];
	CU_ASSERT_EQUAL(sl_file_write_atomic(path, text, strlen(text), err, sizeof(err)), 0);
	free(text);
	free(path);
	free(in);
}

static void test_config_dir_adds_changes_and_removes_connectors(void)
{
	sl_errlist_t errs = {0};
	write_stored("dir1", "d1", "PAUSED");
	CU_ASSERT_EQUAL(sl_worker_apply_config_dir(env.worker, &errs), 1);
	CU_ASSERT(wait_conn("dir1", "PAUSED", 1));
	/* unchanged: nothing happens */
	CU_ASSERT_EQUAL(sl_worker_apply_config_dir(env.worker, &errs), 0);
	write_stored("dir1", "d2", "PAUSED");
	CU_ASSERT_EQUAL(sl_worker_apply_config_dir(env.worker, &errs), 1);
	json_t *cfg = sl_worker_connector_config(env.worker, "dir1");
	SL_ASSERT_TEXT(jstr(cfg, "topic"), "d2");
	json_decref(cfg);
	write_stored("dir1", "d2", "STOPPED");
	CU_ASSERT_EQUAL(sl_worker_apply_config_dir(env.worker, &errs), 1);
	CU_ASSERT(wait_conn("dir1", "STOPPED", 0));
	/* a broken file is reported, the others still apply */
	char *bad = sl_asprintf("%s/broken.json", conns_dir);
	char err[256];
	sl_file_write_atomic(bad, "{nope", 5, err, sizeof(err));
	char *gone = sl_asprintf("%s/dir1.json", conns_dir);
	unlink(gone);
	CU_ASSERT_EQUAL(sl_worker_apply_config_dir(env.worker, &errs), 1);
	CU_ASSERT_EQUAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.count ? errs.items[0] : "", "broken.json");
	CU_ASSERT_EQUAL(sl_worker_target_state(env.worker, "dir1"), -1);
	unlink(bad);
	free(bad);
	free(gone);
	sl_errlist_free(&errs);
}

void rest_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"create_get_conflict_delete_round_trip",
		 test_create_get_conflict_delete_round_trip},
		{"expand_status_and_info_together", test_expand_status_and_info_together},
		{"unknown_path_is_404_and_wrong_method_405",
		 test_unknown_path_is_404_and_wrong_method_405},
		{"bad_input_is_refused_with_reasons", test_bad_input_is_refused_with_reasons},
		{"encoded_non_ascii_name_is_decoded", test_encoded_non_ascii_name_is_decoded},
		{"secrets_are_hidden_and_references_shown",
		 test_secrets_are_hidden_and_references_shown},
		{"pause_resume_stop_move_the_target_state",
		 test_pause_resume_stop_move_the_target_state},
		{"put_creates_then_updates_and_patch_removes_keys",
		 test_put_creates_then_updates_and_patch_removes_keys},
		{"source_offsets_change_only_when_stopped",
		 test_source_offsets_change_only_when_stopped},
		{"worker_resources_answer_in_kafka_connect_shapes",
		 test_worker_resources_answer_in_kafka_connect_shapes},
		{"ready_waits_for_every_running_connector",
		 test_ready_waits_for_every_running_connector},
		{"hundreds_of_concurrent_requests_are_all_answered",
		 test_hundreds_of_concurrent_requests_are_all_answered},
		{"config_dir_adds_changes_and_removes_connectors",
		 test_config_dir_adds_changes_and_removes_connectors},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("rest", suite_init, suite_cleanup, tests);
}
