/* Unit tests of the HTTP client connectors' shared libcurl setup
 * (connectors/http/http_client.c) against an in-process libmicrohttpd
 * server: the OAuth2 token (fetch, cache, refresh, refusal), response
 * capture and the cross-option checks. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "runner.h"
#include "sluice/config.h"

/* A scripted token endpoint: answers every request with status/body and
 * remembers the last request's Authorization header and form body. */
typedef struct token_server {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	int status;
	const char *body;
	const char *extra_header; /* "Name: value" or NULL */
	int requests;
	char auth[256];
	char form[512];
} token_server_t;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	token_server_t *s = cls;
	if (!*state) { /* first call: headers only */
		*state = s;
		pthread_mutex_lock(&s->mu);
		s->form[0] = '\0';
		pthread_mutex_unlock(&s->mu);
		return MHD_YES;
	}
	pthread_mutex_lock(&s->mu);
	if (*upload_size) {
		size_t have = strlen(s->form), n = *upload_size;
		if (have + n >= sizeof(s->form))
			n = sizeof(s->form) - have - 1;
		memcpy(s->form + have, upload, n);
		s->form[have + n] = '\0';
		*upload_size = 0;
		pthread_mutex_unlock(&s->mu);
		return MHD_YES;
	}
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	sl_strlcpy(s->auth, auth ? auth : "", sizeof(s->auth));
	s->requests++;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s->body), (void *)s->body,
								 MHD_RESPMEM_MUST_COPY);
	if (s->extra_header) {
		char name[64];
		const char *colon = strchr(s->extra_header, ':');
		snprintf(name, sizeof(name), "%.*s", (int)(colon - s->extra_header),
			 s->extra_header);
		MHD_add_response_header(r, name, colon + 2);
	}
	int status = s->status;
	pthread_mutex_unlock(&s->mu);
	enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static void server_start(token_server_t *s, int status, const char *body)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->status = status;
	s->body = body;
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				on_request, s, MHD_OPTION_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->d);
	s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static void server_stop(token_server_t *s)
{
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->mu);
}

/* An OAUTH2 config at the server's /token. */
static http_client_config_t oauth2_config(char *url, size_t url_size, int port, int mode)
{
	snprintf(url, url_size, "http://127.0.0.1:%d/token", port);
	return (http_client_config_t){
		.auth_type = HTTP_AUTH_OAUTH2,
		.oauth2_token_url = url,
		.oauth2_client_id = "app",
		.oauth2_client_secret = "s3cr&t",
		.oauth2_scope = "read write",
		.oauth2_mode = mode,
		.oauth2_token_property = "access_token",
		.verify = true,
		.connect_timeout_ms = 2000,
		.request_timeout_ms = 5000,
	};
}

/* Runs prepare on a fresh handle; returns its result and the headers as
 * one string in hdrs. */
static int prepare(http_client_t *c, char *hdrs, size_t size, char *err, size_t err_size)
{
	CURL *e = curl_easy_init();
	struct curl_slist *list = NULL;
	int rc = http_client_prepare(c, e, &list, err, err_size);
	hdrs[0] = '\0';
	for (struct curl_slist *l = list; l; l = l->next)
		snprintf(hdrs + strlen(hdrs), size - strlen(hdrs), "%s\n", l->data);
	curl_slist_free_all(list);
	curl_easy_cleanup(e);
	return rc;
}

static void test_oauth2_token_fetched_once_and_cached(void)
{
	token_server_t s;
	server_start(&s, 200,
		     "{\"access_token\":\"T1\",\"token_type\":\"bearer\",\"expires_in\":3600}");
	char url[128], hdrs[512], err[256] = "";
	http_client_config_t cfg = oauth2_config(url, sizeof(url), s.port, HTTP_OAUTH2_HEADER);
	http_client_t c;
	http_client_init(&c, &cfg);
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 0);
	SL_ASSERT_CONTAINS(hdrs, "Authorization: Bearer T1");
	/* client credentials as HTTP basic auth: base64("app:s3cr&t") */
	SL_ASSERT_TEXT(s.auth, "Basic YXBwOnMzY3ImdA==");
	SL_ASSERT_TEXT(s.form, "grant_type=client_credentials&scope=read%20write");
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.requests, 1);
	http_client_token_invalidate(&c);
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.requests, 2);
	http_client_free(&c);
	server_stop(&s);
}

static void test_oauth2_url_mode_sends_credentials_in_form(void)
{
	token_server_t s;
	server_start(&s, 200, "{\"tok\":\"T2\"}");
	char url[128], hdrs[512], err[256] = "";
	http_client_config_t cfg = oauth2_config(url, sizeof(url), s.port, HTTP_OAUTH2_URL);
	cfg.oauth2_token_property = "tok";
	cfg.oauth2_scope = NULL;
	http_client_t c;
	http_client_init(&c, &cfg);
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 0);
	SL_ASSERT_CONTAINS(hdrs, "Authorization: Bearer T2");
	SL_ASSERT_TEXT(s.auth, "");
	SL_ASSERT_TEXT(s.form,
		       "grant_type=client_credentials&client_id=app&client_secret=s3cr%26t");
	http_client_free(&c);
	server_stop(&s);
}

static void test_oauth2_token_refreshed_before_expiry(void)
{
	token_server_t s;
	server_start(&s, 200, "{\"access_token\":\"T3\",\"expires_in\":1}");
	char url[128], hdrs[512], err[256] = "";
	http_client_config_t cfg = oauth2_config(url, sizeof(url), s.port, HTTP_OAUTH2_HEADER);
	http_client_t c;
	http_client_init(&c, &cfg);
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.requests, 1);
	/* a 1 s token is fetched again a tenth of its life early: after 0.9 s */
	sl_sleep_ms(950);
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.requests, 2);
	http_client_free(&c);
	server_stop(&s);
}

static void test_oauth2_refusal_is_fatal_and_outage_transient(void)
{
	token_server_t s;
	server_start(&s, 401, "{\"error\":\"invalid_client\"}");
	char url[128], hdrs[512], err[256] = "";
	http_client_config_t cfg = oauth2_config(url, sizeof(url), s.port, HTTP_OAUTH2_HEADER);
	http_client_t c;
	http_client_init(&c, &cfg);
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "answered 401");
	SL_ASSERT_CONTAINS(err, "invalid_client");
	CU_ASSERT_PTR_NULL(strstr(err, "s3cr&t"));
	s.status = 503;
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 1);
	s.status = 200; /* a 200 that is not a token */
	s.body = "<html>login</html>";
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "no string member 'access_token'");
	server_stop(&s);
	/* nobody listens any more: may pass */
	CU_ASSERT_EQUAL(prepare(&c, hdrs, sizeof(hdrs), err, sizeof(err)), 1);
	SL_ASSERT_CONTAINS(err, "OAuth2 token request to");
	http_client_free(&c);
}

static void test_response_captures_headers_and_limits_body(void)
{
	token_server_t s;
	server_start(&s, 429, "0123456789abcdef");
	s.extra_header = "Retry-After: 7";
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/items", s.port);
	http_client_config_t cfg = {
		.verify = true, .connect_timeout_ms = 2000, .request_timeout_ms = 5000};
	http_client_t c;
	http_client_init(&c, &cfg);
	CURL *e = curl_easy_init();
	struct curl_slist *h = NULL;
	CU_ASSERT_EQUAL(http_client_prepare(&c, e, &h, NULL, 0), 0);
	http_response_t r = {.max_body = 100};
	http_response_attach(&r, e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	CU_ASSERT_EQUAL(curl_easy_perform(e), CURLE_OK);
	CU_ASSERT_EQUAL(r.status, 429);
	SL_ASSERT_TEXT(r.retry_after, "7");
	SL_ASSERT_TEXT(r.body.data, "0123456789abcdef");
	CU_ASSERT_FALSE(r.body_truncated);
	/* the same handle again, with a smaller limit: cut and flagged */
	r.max_body = 10;
	s.extra_header = "ETag: \"v2\"";
	http_response_attach(&r, e);
	CU_ASSERT_EQUAL(curl_easy_perform(e), CURLE_WRITE_ERROR);
	CU_ASSERT_TRUE(r.body_truncated);
	CU_ASSERT_EQUAL(r.body.len, 10);
	CU_ASSERT_PTR_NULL(r.retry_after);
	SL_ASSERT_TEXT(r.etag, "\"v2\"");
	http_response_free(&r);
	curl_easy_cleanup(e);
	http_client_free(&c);
	server_stop(&s);
}

static void test_validate_names_keys_each_auth_type_needs(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_config_set_source(cfg, "api.properties");
	sl_errlist_t errs = {0};
	http_client_validate(cfg, &errs);
	CU_ASSERT_EQUAL(errs.count, 0);
	sl_config_set(cfg, "auth.type", "oauth2", NULL, 0);
	sl_config_set(cfg, "oauth2.client.id", "app", NULL, 0);
	http_client_validate(cfg, &errs);
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	SL_ASSERT_TEXT(errs.items[0], "api.properties: option 'oauth2.token.url' is required when "
				      "auth.type is OAUTH2");
	SL_ASSERT_CONTAINS(errs.items[1], "'oauth2.client.secret'");
	sl_errlist_free(&errs);
	sl_config_unset(cfg, "auth.type");
	sl_config_set(cfg, "http.auth.type", "Basic", NULL, 0);
	http_client_validate(cfg, &errs);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.items[0], "'connection.user' is required when auth.type is BASIC");
	sl_errlist_free(&errs);
	sl_config_set(cfg, "http.auth.user", "me", NULL, 0);
	http_client_validate(cfg, &errs);
	CU_ASSERT_EQUAL(errs.count, 0);
	sl_config_set(cfg, "http.auth.type", "bearer", NULL, 0);
	http_client_validate(cfg, &errs);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.items[0], "'bearer.token'");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_same_origin_compares_scheme_host_and_port(void)
{
	CU_ASSERT_TRUE(http_same_origin("https://api.example/a?x=1", "https://API.example:443/b"));
	CU_ASSERT_TRUE(http_same_origin("http://h:8080/a", "http://h:8080/page/2"));
	CU_ASSERT_FALSE(http_same_origin("https://api.example/a", "https://evil.example/a"));
	CU_ASSERT_FALSE(http_same_origin("https://api.example/a", "http://api.example/a"));
	CU_ASSERT_FALSE(http_same_origin("http://h:8080/a", "http://h:8081/a"));
	CU_ASSERT_FALSE(http_same_origin("http://h/a", "/relative"));
	CU_ASSERT_FALSE(http_same_origin("not a url", "not a url"));
}

void http_client_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"oauth2_token_fetched_once_and_cached", test_oauth2_token_fetched_once_and_cached},
		{"oauth2_url_mode_sends_credentials_in_form",
		 test_oauth2_url_mode_sends_credentials_in_form},
		{"oauth2_token_refreshed_before_expiry", test_oauth2_token_refreshed_before_expiry},
		{"oauth2_refusal_is_fatal_and_outage_transient",
		 test_oauth2_refusal_is_fatal_and_outage_transient},
		{"response_captures_headers_and_limits_body",
		 test_response_captures_headers_and_limits_body},
		{"same_origin_compares_scheme_host_and_port",
		 test_same_origin_compares_scheme_host_and_port},
		{"validate_names_keys_each_auth_type_needs",
		 test_validate_names_keys_each_auth_type_needs},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("http_client", NULL, NULL, tests);
}
