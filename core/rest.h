/* The worker's REST API: Kafka Connect 4.x's paths, JSON shapes and status
 * codes over libmicrohttpd, plus /health, /ready, /metrics and /ui. */
#ifndef SL_REST_H
#define SL_REST_H

#include <stdbool.h>
#include <stddef.h>

#include "worker.h"

typedef struct sl_rest sl_rest_t;

/* A parsed listener: "http://HOST:PORT" or "https://HOST:PORT", the scheme
 * in any case (HOST may be a name, an IPv4 address, an [IPv6] address or
 * empty: every interface; PORT 0 to 65535). */
typedef struct sl_rest_listener {
	bool tls;
	char host[256];
	int port;
} sl_rest_listener_t;

/* Parses the first listener of a listeners value (a comma separated list,
 * as Kafka Connect's; sluice listens on the first only); false with why on
 * failure. */
bool sl_rest_parse_listener(const char *value, sl_rest_listener_t *out, char *why, size_t why_size);
/* An sl_opt_check_fn for the listeners option: empty (no API) or a list
 * of listeners that each parse. */
bool sl_rest_check_listener(const char *value, char *why, size_t why_size);

/* Starts the REST API of w as its settings say (listeners, else
 * rest.host.name and rest.port). Returns 0 with *out NULL when the API is
 * turned off (listeners empty), 0 with *out set when it listens, -1 with
 * errstr naming the address when it cannot (the port is taken, a TLS file
 * cannot be read). Its threads call the worker's thread-safe functions. */
int sl_rest_start(sl_worker_t *w, sl_rest_t **out, char *errstr, size_t errstr_size);
/* Tells the API the worker's start-up connectors are added: /health says
 * "starting" (503) until then. NULL is fine. */
void sl_rest_set_started(sl_rest_t *r);
/* The port it listens on (the one the kernel chose for port 0). */
int sl_rest_port(const sl_rest_t *r);
/* Stops listening and waits for the requests being answered. NULL is
 * fine. */
void sl_rest_stop(sl_rest_t *r);

#endif
