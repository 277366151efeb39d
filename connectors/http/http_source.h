/* http-source's configuration: the option table (castorm's keys, the
 * pagination and retry keys, the shared HTTP client rows) and the struct
 * it loads into. */
#ifndef SL_HTTP_SOURCE_H
#define SL_HTTP_SOURCE_H

#include "http_client.h"
#include "sluice/options.h"

typedef enum hs_method {
	HS_GET = 0,
	HS_POST,
	HS_PUT,
	HS_PATCH,
	HS_DELETE,
} hs_method_t;

/* "GET", ... in hs_method_t order, NULL-terminated. */
extern const char *const hs_method_names[];

typedef struct http_source_config {
	char *topic;
	char *url;
	int method;
	char *headers;
	char *params;
	char *body;
	int64_t interval_ms;
	int64_t catchup_ms;
	char *list_pointer;
	char *record_pointer;
	char *offset_pointer;
	char *offset_initial;
	char *codes_process;
	char *codes_skip;
	char *next_pointer;
	char *next_param;
	bool next_link;
	int64_t max_bytes;
	int64_t backoff_ms;
	int64_t backoff_max_ms;
	int64_t retry_after_max_ms;
	http_client_config_t http;
} http_source_config_t;

/* The option table, SL_OPT_END-terminated. */
extern const sl_option_t http_source_options[];

#endif
