/* The REST server: one libmicrohttpd daemon with a thread per connection
 * (a handler may wait for tasks to drain or for Kafka without holding up
 * other requests), up to rest.max.connections at once. It reads the body
 * (413 past rest.max.body.bytes), checks basic auth, splits and decodes
 * the path, routes (404 for an unknown path, 405 for a known path and
 * another method) and sends the handler's answer as JSON. */
#include "rest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rest_priv.h"
#include "sluice/config.h"
#include "sluice/log.h"
#include "sluice/parse.h"

/* Seconds an idle connection is kept. */
#define REST_IDLE_TIMEOUT_S 60
/* Stack of a connection's thread: handlers use little. */
#define REST_THREAD_STACK (512 * 1024)

/* A request being read. */
typedef struct conn_state {
	sl_buf_t body;
	bool too_large;
} conn_state_t;

/* ---- listener ------------------------------------------------------------ */

/* Parses one listener of len bytes at value. */
static bool parse_one(const char *value, size_t len, sl_rest_listener_t *out, char *why,
		      size_t why_size)
{
	char buf[512];
	memset(out, 0, sizeof(*out));
	if (len >= sizeof(buf)) {
		snprintf(why, why_size, "a listener is http://HOST:PORT or https://HOST:PORT");
		return false;
	}
	memcpy(buf, value, len);
	buf[len] = '\0';
	const char *p = buf;
	/* Kafka Connect takes the scheme in any case (HTTP://:8083). */
	if (!strncasecmp(p, "http://", 7)) {
		p += 7;
	} else if (!strncasecmp(p, "https://", 8)) {
		p += 8;
		out->tls = true;
	} else {
		snprintf(why, why_size, "a listener is http://HOST:PORT or https://HOST:PORT");
		return false;
	}
	const char *colon = strrchr(p, ':'), *host = p, *host_end = colon;
	if (*p == '[') { /* [IPv6]:port */
		const char *close = strchr(p, ']');
		if (!close || close[1] != ':') {
			snprintf(why, why_size, "an IPv6 listener is http://[ADDRESS]:PORT");
			return false;
		}
		colon = close + 1;
		host = p + 1;
		host_end = close;
	}
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || colon[1] == '\0' || *end || port < 0 || port > 65535) {
		snprintf(why, why_size, "a listener needs a port from 0 to 65535 after the host");
		return false;
	}
	size_t hlen = (size_t)(host_end - host);
	if (hlen >= sizeof(out->host) || memchr(host, '/', hlen)) {
		snprintf(why, why_size, "a listener is http://HOST:PORT, without a path");
		return false;
	}
	memcpy(out->host, host, hlen); /* empty: every interface, as Kafka Connect */
	out->port = (int)port;
	return true;
}

bool sl_rest_parse_listener(const char *value, sl_rest_listener_t *out, char *why, size_t why_size)
{
	while (*value == ' ')
		value++;
	size_t len = strcspn(value, ",");
	while (len > 0 && value[len - 1] == ' ')
		len--;
	return parse_one(value, len, out, why, why_size);
}

bool sl_rest_check_listener(const char *value, char *why, size_t why_size)
{
	sl_rest_listener_t l;
	for (const char *p = value; *p;) {
		if (!sl_rest_parse_listener(p, &l, why, why_size))
			return false;
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return true;
}

/* Binds and listens on the listener's address; -1 with errstr naming it. */
static int open_socket(const sl_rest_listener_t *l, int backlog, char *errstr, size_t errstr_size)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", l->port);
	int rc = getaddrinfo(*l->host ? l->host : NULL, port, &hints, &res);

	if (rc != 0)
		return sl_seterr(errstr, errstr_size, "REST API listener %s:%d: %s", l->host,
				 l->port, gai_strerror(rc));
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
		sl_seterr(errstr, errstr_size, "REST API cannot listen on %s:%d: %s", l->host,
			  l->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- requests and answers ------------------------------------------------ */

void sl_rest_json(sl_rest_resp_t *resp, int status, json_t *json)
{
	resp->status = status;
	if (resp->json)
		json_decref(resp->json);
	resp->json = json;
}

void sl_rest_error(sl_rest_resp_t *resp, int status, const char *fmt, ...)
{
	char msg[4096], shown[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a message may quote the request (jansson's error names the bad
	 * token) or be cut inside a character: a JSON string must be UTF-8 */
	const char *text = sl_utf8_valid(msg, strlen(msg))
				   ? msg
				   : sl_config_printable(msg, shown, sizeof(shown));
	sl_rest_json(resp, status, json_pack("{s:i,s:s}", "error_code", status, "message", text));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s; with plus_blank (a query) '+' is a blank. NULL when
 * an escape is malformed. */
static char *decode(const char *s, size_t len, bool plus_blank)
{
	char *out = sl_malloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = plus_blank && s[i] == '+' ? ' ' : s[i];
			continue;
		}
		int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
		int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
		if (lo < 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

char *sl_rest_decode(const char *s, size_t len)
{
	return decode(s, len, true);
}

char *sl_rest_encode(const char *s)
{
	sl_buf_t b = {0};
	sl_buf_append_str(&b, "");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			sl_buf_append_char(&b, (char)*p);
		else
			sl_buf_appendf(&b, "%%%02X", *p);
	}
	return sl_buf_steal(&b);
}

typedef struct query_walk {
	const char *name;
	const char *value; /* sl_rest_query_has: the value wanted */
	bool found;
	char *first;
} query_walk_t;

static enum MHD_Result query_each(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	query_walk_t *q = cls;
	(void)kind;
	if (strcmp(key, q->name))
		return MHD_YES;
	char *v = sl_rest_decode(value ? value : "", value ? strlen(value) : 0);
	if (v && q->value && !strcmp(v, q->value))
		q->found = true;
	if (v && !q->first)
		q->first = v;
	else
		free(v);
	return MHD_YES;
}

char *sl_rest_query(const sl_rest_req_t *req, const char *name)
{
	query_walk_t q = {.name = name};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_each, &q);
	return q.first;
}

bool sl_rest_query_has(const sl_rest_req_t *req, const char *name, const char *value)
{
	query_walk_t q = {.name = name, .value = value};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_each, &q);
	free(q.first);
	return q.found;
}

json_t *sl_rest_body_json(const sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	json_error_t err;
	json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		sl_rest_error(resp, 400, "Request body is not valid JSON: %s (line %d, column %d)",
			      err.text, err.line, err.column);
	return j;
}

/* ---- routing ------------------------------------------------------------- */

/* Splits the raw path into decoded segments; false when it has too many
 * or a malformed escape. */
static bool split_path(const char *url, sl_rest_req_t *req)
{
	const char *p = url;
	while (*p == '/')
		p++;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (req->nseg == SL_REST_MAX_SEGMENTS)
			return false;
		char *s = decode(p, len, false);
		if (!s)
			return false;
		req->seg[req->nseg++] = s;
		p += len;
		if (*p == '/')
			p++;
	}
	return true;
}

/* True when the route's path matches req's segments; fills req->params. */
static bool path_matches(const char *pattern, sl_rest_req_t *req)
{
	int i = 0, np = 0;
	const char *p = pattern;
	while (*p == '/')
		p++;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (i >= req->nseg)
			return false;
		if (len == 1 && *p == '*') {
			if (!*req->seg[i])
				return false;
			req->params[np++] = req->seg[i];
		} else if (strlen(req->seg[i]) != len || strncmp(req->seg[i], p, len)) {
			return false;
		}
		i++;
		p += len;
		if (*p == '/')
			p++;
	}
	return i == req->nseg;
}

static void route(sl_rest_req_t *req, sl_rest_resp_t *resp)
{
	bool path_known = false;
	for (const sl_rest_route_t *r = sl_rest_routes; r->method; r++) {
		if (!path_matches(r->path, req))
			continue;
		path_known = true;
		if (!strcmp(r->method, req->method)) {
			r->fn(req, resp);
			return;
		}
	}
	if (path_known)
		sl_rest_error(resp, 405, "HTTP 405 Method Not Allowed");
	else
		sl_rest_error(resp, 404, "HTTP 404 Not Found");
}

/* ---- MHD callbacks ------------------------------------------------------- */

static enum MHD_Result send_resp(struct MHD_Connection *conn, sl_rest_resp_t *resp)
{
	char *text = NULL;
	size_t len = 0;
	const char *ctype = "application/json";
	if (resp->json) {
		text = json_dumps(resp->json, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		len = text ? strlen(text) : 0;
	} else if (resp->text) {
		text = resp->text;
		len = resp->text_len;
		ctype = resp->ctype;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text ? text : (char *)"",
								 MHD_RESPMEM_MUST_COPY);
	if (len || resp->json)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (resp->location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, resp->location);
	enum MHD_Result rc;
	if (resp->status == 401)
		rc = MHD_queue_basic_auth_fail_response(conn, "sluice", r);
	else
		rc = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	if (resp->json)
		free(text);
	return rc;
}

static void resp_free(sl_rest_resp_t *resp)
{
	if (resp->json)
		json_decref(resp->json);
	if (!resp->text_static)
		free(resp->text);
	free(resp->location);
}

/* Whether the request carries a listed user's password; /health and
 * /ready are open (probes). */
static bool authorized(sl_rest_t *r, struct MHD_Connection *conn, const char *url)
{
	if (!r->users || !strcmp(url, "/health") || !strcmp(url, "/ready"))
		return true;
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(conn, &pass);
	const char *want = user ? sl_config_get(r->users, user) : NULL;
	bool ok = want && pass && strlen(want) == strlen(pass) && !strcmp(want, pass);
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	return ok;
}

static enum MHD_Result answer(sl_rest_t *r, struct MHD_Connection *conn, const char *url,
			      const char *method, conn_state_t *st)
{
	sl_rest_req_t req = {.rest = r, .worker = r->worker, .conn = conn, .method = method};
	sl_rest_resp_t resp = {0};
	if (!authorized(r, conn, url)) {
		sl_rest_error(&resp, 401, "Credentials are required to access this resource.");
	} else if (st->too_large) {
		sl_rest_error(&resp, 413,
			      "Request body is larger than rest.max.body.bytes (%zu bytes)",
			      r->max_body);
	} else if (!split_path(url, &req)) {
		sl_rest_error(&resp, 400, "Malformed request path: %s", url);
	} else {
		req.body = st->body.data ? st->body.data : "";
		req.body_len = st->body.len;
		route(&req, &resp);
	}
	if (!resp.status)
		sl_rest_error(&resp, 500, "the handler gave no answer");
	SL_DEBUG(NULL, "REST %s %s -> %d", method, url, resp.status);
	enum MHD_Result rc = send_resp(conn, &resp);
	resp_free(&resp);
	for (int i = 0; i < req.nseg; i++)
		free(req.seg[i]);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	sl_rest_t *r = cls;
	conn_state_t *st = *con_cls;
	(void)version;
	if (!st) {
		st = sl_calloc(1, sizeof(*st));
		*con_cls = st;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > r->max_body)
			st->too_large = true; /* answered at once, the body unread */
		if (!st->too_large)
			return MHD_YES;
	}
	if (*upload_data_size && !st->too_large) {
		if (st->body.len + *upload_data_size > r->max_body)
			st->too_large = true;
		else
			sl_buf_append(&st->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	*upload_data_size = 0;
	return answer(r, conn, url, method, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	conn_state_t *st = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (st) {
		sl_buf_free(&st->body);
		free(st);
	}
	*con_cls = NULL;
}

/* Leaves the path as sent: it is split first and each segment decoded
 * then, so that an encoded '/' stays inside its segment. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* ---- start and stop ------------------------------------------------------ */

/* Reads the users file: "user:password" lines, '#' comments. */
static sl_config_t *load_users(const char *path, char *errstr, size_t errstr_size)
{
	char *text = sl_file_read_all(path, NULL);
	if (!text) {
		sl_seterr(errstr, errstr_size, "rest.auth.basic.users.file %s: %s", path,
			  strerror(errno));
		return NULL;
	}
	sl_config_t *users = sl_config_new();
	int lineno = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		char *colon = strchr(line, ':');
		if (!*line || *line == '#')
			continue;
		if (!colon || colon == line) {
			sl_seterr(errstr, errstr_size,
				  "rest.auth.basic.users.file %s: line %d is not user:password",
				  path, lineno);
			sl_config_free(users);
			users = NULL;
			break;
		}
		*colon = '\0';
		sl_config_set(users, line, colon + 1, NULL, 0);
	}
	free(text);
	if (users && sl_config_count(users) == 0) {
		sl_seterr(errstr, errstr_size, "rest.auth.basic.users.file %s: no user in it",
			  path);
		sl_config_free(users);
		users = NULL;
	}
	return users;
}

/* The listener of the worker's settings; false when the API is off. */
static bool listener_of(const sl_worker_settings_t *s, sl_rest_listener_t *l, char *errstr,
			size_t errstr_size, bool *bad)
{
	*bad = false;
	if (s->listeners && !*s->listeners)
		return false;
	if (s->listeners) {
		char why[256];
		if (!sl_rest_parse_listener(s->listeners, l, why, sizeof(why))) {
			sl_seterr(errstr, errstr_size, "listeners: %s", why);
			*bad = true;
		}
		return !*bad;
	}
	memset(l, 0, sizeof(*l));
	snprintf(l->host, sizeof(l->host), "%s", s->rest_host_name ? s->rest_host_name : "");
	l->port = (int)s->rest_port;
	return true;
}

static int load_tls(sl_rest_t *r, const sl_worker_settings_t *s, char *errstr, size_t errstr_size)
{
	if (!s->rest_ssl_cert_file || !s->rest_ssl_key_file)
		return sl_seterr(
			errstr, errstr_size,
			"an https:// listener needs rest.ssl.cert.file and rest.ssl.key.file");
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
		return sl_seterr(errstr, errstr_size,
				 "this libmicrohttpd has no TLS: an https:// listener cannot work");
	r->cert = sl_file_read_all(s->rest_ssl_cert_file, NULL);
	if (!r->cert)
		return sl_seterr(errstr, errstr_size, "rest.ssl.cert.file %s: %s",
				 s->rest_ssl_cert_file, strerror(errno));
	r->key = sl_file_read_all(s->rest_ssl_key_file, NULL);
	if (!r->key)
		return sl_seterr(errstr, errstr_size, "rest.ssl.key.file %s: %s",
				 s->rest_ssl_key_file, strerror(errno));
	return 0;
}

int sl_rest_start(sl_worker_t *w, sl_rest_t **out, char *errstr, size_t errstr_size)
{
	const sl_worker_settings_t *s = sl_worker_settings(w);
	sl_rest_listener_t l;
	bool bad;
	*out = NULL;
	if (!listener_of(s, &l, errstr, errstr_size, &bad))
		return bad ? -1 : 0;
	sl_rest_t *r = sl_calloc(1, sizeof(*r));
	r->worker = w;
	r->fd = -1;
	pthread_mutex_init(&r->lock, NULL);
	r->max_body = (size_t)s->rest_max_body_bytes;
	if (s->rest_users_file && !(r->users = load_users(s->rest_users_file, errstr, errstr_size)))
		goto fail;
	if (l.tls && load_tls(r, s, errstr, errstr_size) != 0)
		goto fail;
	r->fd = open_socket(&l, 512, errstr, errstr_size);
	if (r->fd < 0)
		goto fail;
	r->port = bound_port(r->fd);
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | (l.tls ? MHD_USE_TLS : 0);
	struct MHD_OptionItem tls_opts[] = {
		{l.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, r->cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, r->key},
		{MHD_OPTION_END, 0, NULL},
	};
	r->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, r, MHD_OPTION_LISTEN_SOCKET, r->fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->rest_max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)REST_IDLE_TIMEOUT_S,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)REST_THREAD_STACK,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, r, MHD_OPTION_UNESCAPE_CALLBACK,
		keep_escaped, NULL, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (!r->daemon) {
		sl_seterr(errstr, errstr_size, "REST API on %s://%s:%d could not start%s",
			  l.tls ? "https" : "http", l.host, l.port,
			  l.tls ? " (is the certificate or key malformed?)" : "");
		goto fail;
	}
	r->fd = -1; /* the daemon closes it */
	SL_INFO(NULL, "REST API listening on %s://%s:%d%s", l.tls ? "https" : "http", l.host,
		r->port, r->users ? " (basic authentication)" : "");
	*out = r;
	return 0;
fail:
	sl_rest_stop(r);
	return -1;
}

void sl_rest_set_started(sl_rest_t *r)
{
	if (r)
		atomic_store(&r->started, true);
}

int sl_rest_port(const sl_rest_t *r)
{
	return r->port;
}

void sl_rest_stop(sl_rest_t *r)
{
	if (!r)
		return;
	if (r->daemon)
		MHD_stop_daemon(r->daemon);
	if (r->fd >= 0)
		close(r->fd);
	sl_config_free(r->users);
	pthread_mutex_destroy(&r->lock);
	free(r->cluster_id);
	free(r->cert);
	free(r->key);
	free(r);
}
