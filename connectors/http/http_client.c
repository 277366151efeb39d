/* The HTTP client connectors' shared libcurl setup: options, TLS, auth,
 * the OAuth2 client-credentials token, and response capture. */
#include "http_client.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/connector.h"

const char *const http_auth_type_names[] = {"NONE", "BASIC", "BEARER", "OAUTH2", NULL};
const char *const http_oauth2_mode_names[] = {"header", "url", NULL};

/* A token is fetched again this long before it expires. */
#define HTTP_TOKEN_MARGIN_MS 30000
/* Token responses larger than this are refused. */
#define HTTP_TOKEN_MAX_BYTES (64 * 1024)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_curl_global_init(void)
{
	pthread_once(&curl_once, curl_init_once);
}

/* Adds "file: option 'key' is required when auth.type is X" when key is
 * unset (under its name or, for alias, the other product's). */
static void need(const sl_config_t *config, const char *key, const char *alias, const char *why,
		 sl_errlist_t *errs)
{
	if (sl_config_get(config, key) || (alias && sl_config_get(config, alias)))
		return;
	const char *src = sl_config_source(config);
	sl_errlist_addf(errs, "%s: option '%s' is required %s", src ? src : "<config>", key, why);
}

void http_client_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	const char *type = sl_config_get(config, "auth.type");
	if (!type)
		type = sl_config_get(config, "http.auth.type");
	if (!type)
		return;
	if (strcasecmp(type, "BASIC") == 0) {
		need(config, "connection.user", "http.auth.user", "when auth.type is BASIC", errs);
	} else if (strcasecmp(type, "BEARER") == 0) {
		need(config, "bearer.token", NULL, "when auth.type is BEARER", errs);
	} else if (strcasecmp(type, "OAUTH2") == 0) {
		need(config, "oauth2.token.url", NULL, "when auth.type is OAUTH2", errs);
		need(config, "oauth2.client.id", NULL, "when auth.type is OAUTH2", errs);
		need(config, "oauth2.client.secret", NULL, "when auth.type is OAUTH2", errs);
	}
}

void http_client_init(http_client_t *c, const http_client_config_t *cfg)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	http_curl_global_init();
}

void http_client_free(http_client_t *c)
{
	free(c->token);
	c->token = NULL;
}

void http_client_token_invalidate(http_client_t *c)
{
	free(c->token);
	c->token = NULL;
	c->token_expiry = 0;
}

/* Timeouts, TLS, proxy and protocol limits shared by every request. */
static void setup_transport(const http_client_config_t *cfg, CURL *easy)
{
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)cfg->request_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, cfg->verify ? 1L : 0L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, cfg->verify ? 2L : 0L);
	if (cfg->ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->cert_file)
		curl_easy_setopt(easy, CURLOPT_SSLCERT, cfg->cert_file);
	if (cfg->key_file)
		curl_easy_setopt(easy, CURLOPT_SSLKEY, cfg->key_file);
	if (cfg->key_password)
		curl_easy_setopt(easy, CURLOPT_KEYPASSWD, cfg->key_password);
	if (cfg->proxy)
		curl_easy_setopt(easy, CURLOPT_PROXY, cfg->proxy);
}

/* Parses a token response: the token property and expires_in (seconds;
 * an hour when absent). */
static int token_parse(http_client_t *c, const sl_buf_t *body, char *errstr, size_t errstr_size)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body->data ? body->data : "", body->len, 0, &jerr);
	const char *prop =
		c->cfg->oauth2_token_property ? c->cfg->oauth2_token_property : "access_token";
	json_t *tok = doc ? json_object_get(doc, prop) : NULL;
	if (!json_is_string(tok) || json_string_length(tok) == 0) {
		json_decref(doc);
		return sl_seterr(errstr, errstr_size,
				 "the OAuth2 token response of %s has no string member '%s'%s%s",
				 c->cfg->oauth2_token_url, prop,
				 doc ? "" : ": not JSON: ", doc ? "" : jerr.text);
	}
	json_t *exp = json_object_get(doc, "expires_in");
	int64_t secs = json_is_integer(exp) ? json_integer_value(exp) : 3600;
	if (secs < 1)
		secs = 1;
	int64_t life = secs * 1000;
	int64_t margin = life / 10 < HTTP_TOKEN_MARGIN_MS ? life / 10 : HTTP_TOKEN_MARGIN_MS;
	free(c->token);
	c->token = sl_strdup(json_string_value(tok));
	c->token_expiry = sl_now_ms() + life - margin;
	json_decref(doc);
	return 0;
}

/* The form body of the client credentials grant. */
static char *token_form(CURL *easy, const http_client_config_t *cfg)
{
	sl_buf_t form = {0};
	sl_buf_append_str(&form, "grant_type=client_credentials");
	if (cfg->oauth2_scope) {
		char *s = curl_easy_escape(easy, cfg->oauth2_scope, 0);
		sl_buf_appendf(&form, "&scope=%s", s);
		curl_free(s);
	}
	if (cfg->oauth2_mode == HTTP_OAUTH2_URL) {
		char *id = curl_easy_escape(easy, cfg->oauth2_client_id, 0);
		char *secret = curl_easy_escape(easy, cfg->oauth2_client_secret, 0);
		sl_buf_appendf(&form, "&client_id=%s&client_secret=%s", id, secret);
		curl_free(id);
		curl_free(secret);
	}
	return sl_buf_steal(&form);
}

/* Fetches a token from the token endpoint (blocking, within the request
 * timeout). Returns 0, 1 (may pass) or -1 (refused). */
static int token_fetch(http_client_t *c, char *errstr, size_t errstr_size)
{
	const http_client_config_t *cfg = c->cfg;
	CURL *easy = curl_easy_init();
	if (!easy)
		return sl_seterr(errstr, errstr_size, "curl_easy_init failed"), 1;
	http_response_t r = {.max_body = HTTP_TOKEN_MAX_BYTES};
	setup_transport(cfg, easy);
	http_response_attach(&r, easy);
	char *form = token_form(easy, cfg);
	curl_easy_setopt(easy, CURLOPT_URL, cfg->oauth2_token_url);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, form);
	if (cfg->oauth2_mode == HTTP_OAUTH2_HEADER) {
		curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(easy, CURLOPT_USERNAME, cfg->oauth2_client_id);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, cfg->oauth2_client_secret);
	}
	struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdrs);
	CURLcode cc = curl_easy_perform(easy);
	int rc = 0;
	if (cc != CURLE_OK) {
		rc = http_curl_transient(cc) ? 1 : -1;
		sl_seterr(errstr, errstr_size, "OAuth2 token request to %s failed: %s",
			  cfg->oauth2_token_url, curl_easy_strerror(cc));
	} else if (r.status / 100 != 2) {
		rc = r.status >= 500 || r.status == 429 || r.status == 408 ? 1 : -1;
		sl_seterr(errstr, errstr_size, "OAuth2 token endpoint %s answered %ld: %.200s",
			  cfg->oauth2_token_url, r.status, r.body.data ? r.body.data : "");
	} else if (r.body_truncated) {
		rc = -1;
		sl_seterr(errstr, errstr_size, "the OAuth2 token response of %s is over %d bytes",
			  cfg->oauth2_token_url, HTTP_TOKEN_MAX_BYTES);
	} else {
		rc = token_parse(c, &r.body, errstr, errstr_size);
	}
	curl_slist_free_all(hdrs);
	free(form);
	http_response_free(&r);
	curl_easy_cleanup(easy);
	return rc;
}

int http_client_prepare(http_client_t *c, CURL *easy, struct curl_slist **headers, char *errstr,
			size_t errstr_size)
{
	const http_client_config_t *cfg = c->cfg;
	setup_transport(cfg, easy);
	switch ((http_auth_type_t)cfg->auth_type) {
	case HTTP_AUTH_BASIC:
		curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(easy, CURLOPT_USERNAME, cfg->user ? cfg->user : "");
		curl_easy_setopt(easy, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
		break;
	case HTTP_AUTH_BEARER: {
		char *h = sl_asprintf("Authorization: Bearer %s",
				      cfg->bearer_token ? cfg->bearer_token : "");
		*headers = curl_slist_append(*headers, h);
		free(h);
		break;
	}
	case HTTP_AUTH_OAUTH2: {
		if (!c->token || sl_now_ms() >= c->token_expiry) {
			int rc = token_fetch(c, errstr, errstr_size);
			if (rc != 0)
				return rc;
		}
		char *h = sl_asprintf("Authorization: Bearer %s", c->token);
		*headers = curl_slist_append(*headers, h);
		free(h);
		break;
	}
	case HTTP_AUTH_NONE:
		break;
	}
	return 0;
}

void http_client_prepare_anonymous(http_client_t *c, CURL *easy)
{
	setup_transport(c->cfg, easy);
}

/* The origin of url as "scheme://host:port" (malloc()ed), or NULL. */
static char *origin_of(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		out = sl_asprintf("%s://%s:%s", scheme, host, port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

bool http_same_origin(const char *a, const char *b)
{
	char *oa = origin_of(a), *ob = origin_of(b);
	bool same = oa && ob && strcasecmp(oa, ob) == 0;
	free(oa);
	free(ob);
	return same;
}

/* ---- responses ------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	http_response_t *r = arg;
	size_t len = size * n;
	size_t take = len;
	if (r->max_body && r->body.len + take > r->max_body) {
		take = r->max_body > r->body.len ? r->max_body - r->body.len : 0;
		r->body_truncated = true;
	}
	if (take)
		sl_buf_append(&r->body, data, take);
	/* a body over the limit ends the transfer (CURLE_WRITE_ERROR) */
	return r->body_truncated ? 0 : len;
}

/* Stores the trimmed value of header line `data` into *slot when its name
 * is name. */
static bool header_take(const char *data, size_t len, const char *name, char **slot)
{
	size_t nl = strlen(name);
	if (len <= nl || data[nl] != ':' || strncasecmp(data, name, nl) != 0)
		return false;
	const char *v = data + nl + 1, *end = data + len;
	while (v < end && isspace((unsigned char)*v))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	free(*slot);
	*slot = sl_strndup(v, (size_t)(end - v));
	return true;
}

static void response_clear_headers(http_response_t *r)
{
	free(r->retry_after);
	free(r->etag);
	free(r->link);
	free(r->content_type);
	r->retry_after = r->etag = r->link = r->content_type = NULL;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	http_response_t *r = arg;
	size_t len = size * n;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or 100 Continue) */
		response_clear_headers(r);
		const char *sp = memchr(data, ' ', len);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return len;
	}
	if (!header_take(data, len, "Retry-After", &r->retry_after) &&
	    !header_take(data, len, "ETag", &r->etag) && !header_take(data, len, "Link", &r->link))
		header_take(data, len, "Content-Type", &r->content_type);
	return len;
}

void http_response_attach(http_response_t *r, CURL *easy)
{
	response_clear_headers(r);
	sl_buf_reset(&r->body);
	r->status = 0;
	r->body_truncated = false;
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, r);
}

void http_response_free(http_response_t *r)
{
	response_clear_headers(r);
	sl_buf_free(&r->body);
}

bool http_curl_transient(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_AGAIN:
	case CURLE_WEIRD_SERVER_REPLY:
		return true;
	default:
		return false;
	}
}
