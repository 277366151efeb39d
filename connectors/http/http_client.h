/* What the HTTP client connectors (http-source, http-sink) share on top of
 * libcurl: the TLS, authentication and timeout options (one declaration,
 * included in both option tables), a libcurl easy handle set up from them,
 * a response captured with a size limit and the headers that matter, and
 * the OAuth2 client-credentials token, fetched, cached and refreshed
 * before it expires. */
#ifndef SL_HTTP_CLIENT_H
#define SL_HTTP_CLIENT_H

#include <curl/curl.h>

#include "http_util.h"
#include "sluice/options.h"

typedef enum http_auth_type {
	HTTP_AUTH_NONE = 0,
	HTTP_AUTH_BASIC,
	HTTP_AUTH_BEARER,
	HTTP_AUTH_OAUTH2,
} http_auth_type_t;

typedef enum http_oauth2_mode {
	HTTP_OAUTH2_HEADER = 0, /* client id and secret as HTTP basic auth */
	HTTP_OAUTH2_URL,        /* client_id / client_secret in the form body */
} http_oauth2_mode_t;

/* The options of HTTP_CLIENT_OPTIONS, loaded by sl_options_load. */
typedef struct http_client_config {
	int auth_type; /* http_auth_type_t */
	char *user;
	char *password;
	char *bearer_token;
	char *oauth2_token_url;
	char *oauth2_client_id;
	char *oauth2_client_secret;
	char *oauth2_scope;
	int oauth2_mode; /* http_oauth2_mode_t */
	char *oauth2_token_property;
	char *ca_file;
	char *cert_file;
	char *key_file;
	char *key_password;
	bool verify;
	int64_t connect_timeout_ms;
	int64_t request_timeout_ms;
	char *proxy;
} http_client_config_t;

extern const char *const http_auth_type_names[]; /* NONE, BASIC, BEARER, OAUTH2 */
extern const char *const http_oauth2_mode_names[];

/* Option table rows for http_client_config_t member `m` of struct `T`;
 * A_* are another product's names for the same keys (NULL: none). Used
 * inside a connector's option table:
 *   HTTP_CLIENT_OPTIONS(my_config_t, http, "http.auth.type", "http.auth.user",
 *                       "http.auth.password"),  */
#define HTTP_CLIENT_OPTIONS(T, m, A_TYPE, A_USER, A_PASSWORD)                                      \
	{.name = "auth.type",                                                                      \
	 .type = SL_OPT_ENUM,                                                                      \
	 .def = "NONE",                                                                            \
	 .enums = http_auth_type_names,                                                            \
	 .alias = A_TYPE,                                                                          \
	 .doc = "How requests authenticate: NONE, BASIC (connection.user / "                       \
		"connection.password), BEARER (bearer.token, e.g. from a config provider) "        \
		"or OAUTH2 (client credentials: oauth2.*).",                                       \
	 SL_OPT_AT(T, m.auth_type)},                                                               \
		{.name = "connection.user",                                                        \
		 .type = SL_OPT_STRING,                                                            \
		 .alias = A_USER,                                                                  \
		 .doc = "The user name of BASIC authentication.",                                  \
		 SL_OPT_AT(T, m.user)},                                                            \
		{.name = "connection.password",                                                    \
		 .type = SL_OPT_PASSWORD,                                                          \
		 .alias = A_PASSWORD,                                                              \
		 .doc = "The password of BASIC authentication.",                                   \
		 SL_OPT_AT(T, m.password)},                                                        \
		{.name = "bearer.token",                                                           \
		 .type = SL_OPT_PASSWORD,                                                          \
		 .doc = "The token of BEARER authentication, sent as `Authorization: Bearer "      \
			"<token>`; keep it out of the file with a config provider "                \
			"(`${file:/run/secrets/api.properties:token}`).",                          \
		 SL_OPT_AT(T, m.bearer_token)},                                                    \
		{.name = "oauth2.token.url",                                                       \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "OAUTH2: the token endpoint of the client credentials grant.",             \
		 SL_OPT_AT(T, m.oauth2_token_url)},                                                \
		{.name = "oauth2.client.id",                                                       \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "OAUTH2: the client id.",                                                  \
		 SL_OPT_AT(T, m.oauth2_client_id)},                                                \
		{.name = "oauth2.client.secret",                                                   \
		 .type = SL_OPT_PASSWORD,                                                          \
		 .doc = "OAUTH2: the client secret.",                                              \
		 SL_OPT_AT(T, m.oauth2_client_secret)},                                            \
		{.name = "oauth2.client.scope",                                                    \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "OAUTH2: the scope asked for (none when unset).",                          \
		 SL_OPT_AT(T, m.oauth2_scope)},                                                    \
		{.name = "oauth2.client.auth.mode",                                                \
		 .type = SL_OPT_ENUM,                                                              \
		 .def = "header",                                                                  \
		 .enums = http_oauth2_mode_names,                                                  \
		 .doc = "OAUTH2: how the client id and secret reach the token endpoint: header "   \
			"(HTTP basic authentication) or url (client_id and client_secret in the "  \
			"form body).",                                                             \
		 SL_OPT_AT(T, m.oauth2_mode)},                                                     \
		{.name = "oauth2.token.property",                                                  \
		 .type = SL_OPT_STRING,                                                            \
		 .def = "access_token",                                                            \
		 .doc = "OAUTH2: the member of the token response that holds the token.",          \
		 SL_OPT_AT(T, m.oauth2_token_property)},                                           \
		{.name = "https.ssl.ca.location",                                                  \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "A PEM file of the certificate authorities to trust (the system's when "   \
			"unset).",                                                                 \
		 SL_OPT_AT(T, m.ca_file)},                                                         \
		{.name = "https.ssl.certificate.location",                                         \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "A PEM client certificate, for servers that ask for one.",                 \
		 SL_OPT_AT(T, m.cert_file)},                                                       \
		{.name = "https.ssl.key.location",                                                 \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "The PEM private key of https.ssl.certificate.location.",                  \
		 SL_OPT_AT(T, m.key_file)},                                                        \
		{.name = "https.ssl.key.password",                                                 \
		 .type = SL_OPT_PASSWORD,                                                          \
		 .doc = "The password of https.ssl.key.location, when it has one.",                \
		 SL_OPT_AT(T, m.key_password)},                                                    \
		{.name = "https.ssl.verify",                                                       \
		 .type = SL_OPT_BOOL,                                                              \
		 .def = "true",                                                                    \
		 .doc = "Verify the server's certificate and host name. Turn off only for tests.", \
		 SL_OPT_AT(T, m.verify)},                                                          \
		{.name = "http.connect.timeout.ms",                                                \
		 .type = SL_OPT_INT,                                                               \
		 .def = "30000",                                                                   \
		 SL_OPT_MIN(1),                                                                    \
		 .doc = "How long connecting (TCP and TLS) may take.",                             \
		 SL_OPT_AT(T, m.connect_timeout_ms)},                                              \
		{.name = "http.request.timeout.ms",                                                \
		 .type = SL_OPT_INT,                                                               \
		 .def = "30000",                                                                   \
		 SL_OPT_MIN(1),                                                                    \
		 .doc = "How long a whole request may take, response included; a request that "    \
			"takes longer is a timeout, retried with backoff.",                        \
		 SL_OPT_AT(T, m.request_timeout_ms)},                                              \
	{                                                                                          \
		.name = "http.proxy", .type = SL_OPT_STRING,                                       \
		.doc = "A proxy for every request (`http://host:port`); none when unset.",         \
		SL_OPT_AT(T, m.proxy)                                                              \
	}

/* Cross-option checks of the client options (the key a chosen auth.type
 * needs is set); adds one message per problem to errs. */
void http_client_validate(const sl_config_t *config, sl_errlist_t *errs);

/* libcurl's global state, set up once per process (thread safe). */
void http_curl_global_init(void);

/* The client state of one task: the config (borrowed, alive as long as
 * the client) and the cached OAuth2 token. */
typedef struct http_client {
	const http_client_config_t *cfg;
	char *token;          /* OAUTH2: the current access token, or NULL */
	int64_t token_expiry; /* sl_now_ms() after which it is fetched again */
} http_client_t;

void http_client_init(http_client_t *c, const http_client_config_t *cfg);
void http_client_free(http_client_t *c);

/* Sets up easy (after curl_easy_reset or new) for one request of this
 * client: timeouts, TLS, proxy, no signals, http(s) only, keep-alive;
 * BASIC and BEARER credentials; OAUTH2's token (fetched first when there
 * is none or it is about to expire). Adds headers to *headers (the caller
 * sets CURLOPT_HTTPHEADER and frees the list). Returns 0; 1 when the token
 * could not be fetched for a reason that may pass (connection, timeout,
 * 5xx: retry later); -1 when it was refused (bad client credentials),
 * errstr saying why. */
int http_client_prepare(http_client_t *c, CURL *easy, struct curl_slist **headers, char *errstr,
			size_t errstr_size);
/* As http_client_prepare without credentials, for a URL the server chose
 * that leads to another origin (a next-page link to another host): the
 * credentials of one API must not reach another. */
void http_client_prepare_anonymous(http_client_t *c, CURL *easy);
/* Whether URLs a and b have the same origin (scheme, host, port; the
 * scheme's default port when none is given); false when either does not
 * parse as an absolute http(s) URL. */
bool http_same_origin(const char *a, const char *b);
/* Forgets the OAuth2 token (the server answered 401): the next prepare
 * fetches a new one. */
void http_client_token_invalidate(http_client_t *c);

/* A response as it arrives: status, body (cut at max_body), and the
 * headers the connectors act on (those of the final response only). */
typedef struct http_response {
	long status;
	sl_buf_t body;
	size_t max_body;     /* 0: no limit */
	bool body_truncated; /* the body was longer than max_body */
	char *retry_after;
	char *etag;
	char *link;
	char *content_type;
} http_response_t;

/* Points easy's write and header callbacks at r (which must outlive the
 * transfer) and empties r (keeping max_body and the body's memory). */
void http_response_attach(http_response_t *r, CURL *easy);
void http_response_free(http_response_t *r);

/* Whether a libcurl failure may pass (connection refused or reset, DNS,
 * timeout, a broken transfer): true; false for what retrying cannot fix
 * (a bad URL, a TLS certificate that does not verify, an unsupported
 * protocol). */
bool http_curl_transient(CURLcode cc);

#endif
