/* http-sink's configuration: the option table (Confluent's HTTP sink
 * keys plus the shared client ones), its typed form, and the checks across
 * options that the table cannot express. */
#ifndef SL_HTTP_SINK_CONFIG_H
#define SL_HTTP_SINK_CONFIG_H

#include "http_client.h"
#include "sluice/config.h"
#include "sluice/errlist.h"
#include "sluice/options.h"

typedef enum hsink_method {
	HSINK_POST = 0,
	HSINK_PUT,
	HSINK_PATCH,
	HSINK_DELETE
} hsink_method_t;
typedef enum hsink_on_null {
	HSINK_NULL_IGNORE = 0,
	HSINK_NULL_DELETE,
	HSINK_NULL_LOG,
	HSINK_NULL_FAIL
} hsink_on_null_t;
typedef enum hsink_on_error {
	HSINK_ERROR_FAIL = 0,
	HSINK_ERROR_LOG,
	HSINK_ERROR_IGNORE
} hsink_on_error_t;

typedef struct hsink_config {
	char *url;
	int method;
	char *headers;
	char *header_separator;
	int body_format;
	int64_t batch_max_size;
	char *batch_prefix, *batch_suffix, *batch_separator;
	bool batch_json_array;
	int on_null;
	int on_error;
	int64_t max_retries;
	int64_t retry_backoff_ms;
	int backoff_policy;
	char *retry_codes;
	int64_t max_in_flight;
	http_client_config_t http;
	/* Confluent's reporter: the topics (NULL or "" off, see
	 * hsink_report_topic) and how errors are reported */
	char *reporter_servers;
	char *result_topic, *error_topic;
	int64_t result_partitions, result_rf, error_partitions, error_rf;
	int errors_as;
} hsink_config_t;

typedef enum hsink_errors_as {
	HSINK_ERRORS_AS_STRING = 0, /* error_string */
	HSINK_ERRORS_AS_RESPONSE,   /* http_response */
} hsink_errors_as_t;

extern const sl_option_t hsink_options[];
/* The names of hsink_method_t, for messages and requests. */
extern const char *const hsink_methods[];

/* Checks what the table cannot: the URL template and scheme, the header
 * spec, batch.json.as.array with request.body.format=json, the client's
 * auth keys. Adds one message per problem to errs; returns 0 when fine. */
int hsink_resolve(const hsink_config_t *c, const sl_config_t *config, sl_errlist_t *errs);
/* The topic a report of kind ("result" or "error") goes to, with
 * ${connector} replaced by connector (malloc()ed), or NULL when that
 * report is off: Confluent's reporter writes it when
 * reporter.bootstrap.servers is set or its topic name is set explicitly;
 * an empty name turns it off. */
char *hsink_report_topic(const hsink_config_t *c, const sl_config_t *config, const char *kind,
			 const char *connector);
/* The connector's validate: loads config (borrowed) and runs hsink_resolve. */
int hsink_validate(const sl_config_t *config, sl_errlist_t *errs);

#endif
