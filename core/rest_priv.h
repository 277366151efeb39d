/* What the REST server (rest.c) and its handlers (rest_handlers.c) share:
 * a request with its decoded path and body, an answer, and the routes. */
#ifndef SL_REST_PRIV_H
#define SL_REST_PRIV_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "rest.h"

#define SL_REST_MAX_SEGMENTS 8

struct sl_rest {
	sl_worker_t *worker;
	struct MHD_Daemon *daemon;
	int fd;
	int port;
	size_t max_body;
	sl_config_t *users;           /* user -> password; NULL: no authentication */
	char *cert, *key;             /* PEM texts of an https listener */
	atomic_bool started;          /* the worker's start-up connectors are added */
	pthread_mutex_t lock;         /* guards cluster_id and the log level's change time */
	char *cluster_id;             /* learned once */
	int64_t log_level_changed_ms; /* 0: never changed over the API */
};

typedef struct sl_rest_req {
	sl_rest_t *rest;
	sl_worker_t *worker;
	struct MHD_Connection *conn;
	const char *method;
	/* The path's segments, each percent-decoded ("/connectors/a%2Fb" is
	 * {"connectors", "a/b"}); params are the ones a route's "*" matched. */
	char *seg[SL_REST_MAX_SEGMENTS];
	int nseg;
	const char *params[SL_REST_MAX_SEGMENTS];
	const char *body; /* NUL-terminated; "" when none */
	size_t body_len;
} sl_rest_req_t;

typedef struct sl_rest_resp {
	int status;
	json_t *json; /* the body, or NULL */
	char *text;   /* or a text body (malloc()ed unless text_static) */
	size_t text_len;
	bool text_static;
	const char *ctype; /* content type of text */
	char *location;    /* a Location header (malloc()ed), or NULL */
} sl_rest_resp_t;

/* Sets resp to Kafka Connect's error body {"error_code","message"}. */
void sl_rest_error(sl_rest_resp_t *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sets resp to status with body json (stolen; may be NULL). */
void sl_rest_json(sl_rest_resp_t *resp, int status, json_t *json);
/* The decoded (first) value of query parameter name, malloc()ed, or NULL
 * when absent. */
char *sl_rest_query(const sl_rest_req_t *req, const char *name);
/* True when some value of the query parameter name equals value. */
bool sl_rest_query_has(const sl_rest_req_t *req, const char *name, const char *value);
/* Percent-decodes s into a new string; NULL when an escape is malformed. */
char *sl_rest_decode(const char *s, size_t len);
/* Parses the body as a JSON value; NULL after setting resp to a 400. */
json_t *sl_rest_body_json(const sl_rest_req_t *req, sl_rest_resp_t *resp);

typedef void (*sl_rest_handler_fn)(sl_rest_req_t *req, sl_rest_resp_t *resp);

typedef struct sl_rest_route {
	const char *method;
	const char *path; /* "/connectors/ * /status" without blanks: "*" takes one segment */
	sl_rest_handler_fn fn;
} sl_rest_route_t;

/* Percent-encodes s for a URL path segment (malloc()ed). */
char *sl_rest_encode(const char *s);
/* msg without the place ("request: ") of a config made from a request. */
const char *sl_rest_strip_origin(const char *msg);
/* The place REST-made configs name (their "file"). */
#define SL_REST_ORIGIN "request"

/* Handlers of rest_admin.c: /, /health, /ready, /metrics, /ui, the
 * connector plugins and the loggers. */
void sl_rest_root(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_health(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_ready(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_metrics(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_ui(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_plugins(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_plugin_config(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_validate(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_loggers(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_logger(sl_rest_req_t *req, sl_rest_resp_t *resp);
void sl_rest_set_logger(sl_rest_req_t *req, sl_rest_resp_t *resp);

/* Every route of the API (rest_handlers.c), NULL-method terminated. */
extern const sl_rest_route_t sl_rest_routes[];

#endif
