/* http-sink's option table and cross-option checks (see http_sink_config.h). */
#include "http_sink_config.h"

#include <string.h>
#include <strings.h>

#include "http_sink_batch.h"

const char *const hsink_methods[] = {"POST", "PUT", "PATCH", "DELETE", NULL};
static const char *const hsink_formats[] = {"string", "json", NULL};
static const char *const hsink_on_nulls[] = {"ignore", "delete", "log", "fail", NULL};
static const char *const hsink_on_errors[] = {"fail", "log", "ignore", NULL};
static const char *const hsink_policies[] = {"CONSTANT_VALUE", "EXPONENTIAL_WITH_JITTER", NULL};
static const char *const hsink_errors_as[] = {"error_string", "http_response", NULL};
#define HSINK_IGNORED(key, why)                                                                    \
	{                                                                                          \
		.name = key, .type = SL_OPT_STRING, .ignored = why                                 \
	}

const sl_option_t hsink_options[] = {
	{.name = "http.api.url",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The URL requests go to (http or https). May hold ${topic}, ${partition} and "
		"${key} (the record key as text, percent-encoded): records are batched per URL, "
		"so a URL with ${key} sends one request per run of records with the same key.",
	 SL_OPT_AT(hsink_config_t, url)},
	{.name = "request.method",
	 .type = SL_OPT_ENUM,
	 .def = "POST",
	 .enums = hsink_methods,
	 .doc = "The HTTP method of requests: POST, PUT, PATCH or DELETE.",
	 SL_OPT_AT(hsink_config_t, method)},
	{.name = "headers",
	 .type = SL_OPT_STRING,
	 .doc = "Headers of every request, `Name: value` items separated by header.separator "
		"(`Authorization: Bearer x|X-Source: kafka`). Without a Content-Type one, "
		"requests carry application/json (request.body.format=json) or text/plain.",
	 SL_OPT_AT(hsink_config_t, headers)},
	{.name = "header.separator",
	 .type = SL_OPT_STRING,
	 .def = "|",
	 .doc = "The separator of the items of headers.",
	 SL_OPT_AT(hsink_config_t, header_separator)},
	{.name = "request.body.format",
	 .type = SL_OPT_ENUM,
	 .def = "string",
	 .enums = hsink_formats,
	 .doc = "string: each value as it is (strings and bytes raw, JSON values as compact "
		"JSON text). json: each value as JSON (as JsonConverter writes it; a string "
		"becomes a JSON string; bytes cannot be written and go through the error "
		"policy).",
	 SL_OPT_AT(hsink_config_t, body_format)},
	{.name = "batch.max.size",
	 .type = SL_OPT_INT,
	 .def = "1",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1000000),
	 .doc = "The most records in one request. Records of one Kafka partition and one URL "
		"are batched in their order; a batch short of this size is sent at the next "
		"flush.",
	 SL_OPT_AT(hsink_config_t, batch_max_size)},
	{.name = "batch.prefix",
	 .type = SL_OPT_STRING,
	 .def = "",
	 .doc = "Text before the records of a request body.",
	 SL_OPT_AT(hsink_config_t, batch_prefix)},
	{.name = "batch.suffix",
	 .type = SL_OPT_STRING,
	 .def = "",
	 .doc = "Text after the records of a request body.",
	 SL_OPT_AT(hsink_config_t, batch_suffix)},
	{.name = "batch.separator",
	 .type = SL_OPT_STRING,
	 .def = ",",
	 .doc = "Text between the records of a request body.",
	 SL_OPT_AT(hsink_config_t, batch_separator)},
	{.name = "batch.json.as.array",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Send the records of a request as one JSON array (batch.prefix, batch.suffix "
		"and batch.separator are then not used). Needs request.body.format=json.",
	 SL_OPT_AT(hsink_config_t, batch_json_array)},
	{.name = "behavior.on.null.values",
	 .type = SL_OPT_ENUM,
	 .def = "ignore",
	 .enums = hsink_on_nulls,
	 .doc = "Records with a null value (tombstones): ignore skips them, delete sends a "
		"DELETE without body to the record's URL (in order with the partition's other "
		"requests), log skips them with a log line naming topic, partition and "
		"offset, fail sends them through the error policy.",
	 SL_OPT_AT(hsink_config_t, on_null)},
	{.name = "behavior.on.error",
	 .type = SL_OPT_ENUM,
	 .def = "fail",
	 .enums = hsink_on_errors,
	 .doc = "What becomes of records whose request failed for good (refused, or retries "
		"used up): fail sends each through the error policy (errors.tolerance=none "
		"fails the task naming URL, status and response; all skips it, into the dead "
		"letter queue when one is set), log skips it with a warning, ignore skips it "
		"silently.",
	 SL_OPT_AT(hsink_config_t, on_error)},
	{.name = "max.retries",
	 .type = SL_OPT_INT,
	 .def = "10",
	 SL_OPT_MIN(0),
	 .doc = "How often a request that may pass (connection error, timeout, 5xx, 408, 429, "
		"retry.on.status.codes) is retried before its records fail for good.",
	 SL_OPT_AT(hsink_config_t, max_retries)},
	{.name = "retry.backoff.ms",
	 .type = SL_OPT_INT,
	 .def = "3000",
	 SL_OPT_MIN(0),
	 .doc = "The wait before the first retry; doubled at every further retry (up to 30 s, "
		"with jitter) under EXPONENTIAL_WITH_JITTER. A longer Retry-After of the "
		"response (429, 503) is honoured, up to 2 minutes. Other partitions' requests "
		"go on meanwhile.",
	 SL_OPT_AT(hsink_config_t, retry_backoff_ms)},
	{.name = "retry.backoff.policy",
	 .type = SL_OPT_ENUM,
	 .def = "EXPONENTIAL_WITH_JITTER",
	 .enums = hsink_policies,
	 .doc = "CONSTANT_VALUE waits retry.backoff.ms before every retry; "
		"EXPONENTIAL_WITH_JITTER doubles it at each.",
	 SL_OPT_AT(hsink_config_t, backoff_policy)},
	{.name = "retry.on.status.codes",
	 .type = SL_OPT_STRING,
	 .def = "",
	 .check = http_codes_check,
	 .doc = "Status codes retried besides 5xx, 408 and 429 (always retried): codes and "
		"ranges (`409,423`, `400-`). Confluent's sink retries 400- by default; here "
		"another 4xx is a refusal: the batch is split down to the records refused, "
		"which go through behavior.on.error at once.",
	 SL_OPT_AT(hsink_config_t, retry_codes)},
	{.name = "max.in.flight",
	 .type = SL_OPT_INT,
	 .def = "5",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1000),
	 .doc = "The most requests at once, over all partitions; a partition has at most one "
		"in flight, which keeps its records in order.",
	 SL_OPT_AT(hsink_config_t, max_in_flight)},
	HTTP_CLIENT_OPTIONS(hsink_config_t, http, NULL, NULL, NULL),
	{.name = "reporter.bootstrap.servers",
	 .type = SL_OPT_STRING,
	 .doc = "Turns Confluent's reporter on (result and error topics under their default "
		"names). The reports go to the worker's Kafka cluster, through the producer of "
		"the connector's dead letter queue, whatever servers this names.",
	 SL_OPT_AT(hsink_config_t, reporter_servers)},
	{.name = "reporter.result.topic.name",
	 .type = SL_OPT_STRING,
	 .def = "${connector}-success",
	 .doc = "Where each delivered record is reported, once its request got a 2xx: key the "
		"record's key, value the response body as a JSON string, headers "
		"input_record_topic, input_record_partition, input_record_offset and "
		"input_record_timestamp. ${connector} is the connector's name. Written when "
		"reporter.bootstrap.servers or this key is set; empty turns it off. The consumer "
		"offsets are committed only after Kafka acknowledged the reports.",
	 SL_OPT_AT(hsink_config_t, result_topic)},
	{.name = "reporter.result.topic.partitions",
	 .type = SL_OPT_INT,
	 .def = "1",
	 SL_OPT_MIN(1),
	 .doc = "Partitions of the result topic when it is created.",
	 SL_OPT_AT(hsink_config_t, result_partitions)},
	{.name = "reporter.result.topic.replication.factor",
	 .type = SL_OPT_INT,
	 .def = "-1",
	 SL_OPT_MIN(-1),
	 .doc = "Replication factor of the result topic when it is created (-1: the broker's "
		"default.replication.factor; Confluent's default is 3).",
	 SL_OPT_AT(hsink_config_t, result_rf)},
	{.name = "reporter.error.topic.name",
	 .type = SL_OPT_STRING,
	 .def = "${connector}-error",
	 .doc = "Where each record whose request failed for good is reported (whatever "
		"behavior.on.error says): key the record's key, value as report.errors.as says, "
		"headers input_record_topic, input_record_partition, input_record_offset, "
		"input_record_timestamp, error_message, status_code, url, response_content and "
		"payload (the record as sent). Written when reporter.bootstrap.servers or this key "
		"is set; empty turns it off.",
	 SL_OPT_AT(hsink_config_t, error_topic)},
	{.name = "reporter.error.topic.partitions",
	 .type = SL_OPT_INT,
	 .def = "1",
	 SL_OPT_MIN(1),
	 .doc = "Partitions of the error topic when it is created.",
	 SL_OPT_AT(hsink_config_t, error_partitions)},
	{.name = "reporter.error.topic.replication.factor",
	 .type = SL_OPT_INT,
	 .def = "-1",
	 SL_OPT_MIN(-1),
	 .doc = "Replication factor of the error topic when it is created (-1: the broker's "
		"default).",
	 SL_OPT_AT(hsink_config_t, error_rf)},
	{.name = "report.errors.as",
	 .type = SL_OPT_ENUM,
	 .def = "error_string",
	 .enums = hsink_errors_as,
	 .doc = "The value of an error report: error_string, a sentence naming the URL, the "
		"status and the response; http_response, the response body. Either as a JSON "
		"string, as Confluent's reporter writes them.",
	 SL_OPT_AT(hsink_config_t, errors_as)},
	HSINK_IGNORED("batch.key.pattern",
		      "batches follow the URL: records of one partition with the same expanded "
		      "http.api.url go together"),
	HSINK_IGNORED("confluent.topic.bootstrap.servers", "sluice needs no license topic"),
	HSINK_IGNORED("confluent.topic.replication.factor", "sluice needs no license topic"),
	HSINK_IGNORED("confluent.license", "sluice needs no license"),
	SL_OPT_END,
};

/* ---- configuration ---------------------------------------------------------- */

/* Cross-option checks: the URL template, headers, the JSON array. */
int hsink_resolve(const hsink_config_t *c, const sl_config_t *config, sl_errlist_t *errs)
{
	static const char *const names[] = {"topic", "partition", "key", NULL};
	const char *src = sl_config_source(config) ? sl_config_source(config) : "<config>";
	char err[256];
	size_t before = errs->count;
	bool has_ct;

	if (c->url && http_template_check(c->url, names, NULL, err, sizeof(err)) != 0)
		sl_errlist_addf(errs, "%s: option 'http.api.url': %s", src, err);
	else if (c->url && strncasecmp(c->url, "http://", 7) && strncasecmp(c->url, "https://", 8))
		sl_errlist_addf(errs, "%s: option 'http.api.url': not an http:// or https:// URL",
				src);
	char **h = hsink_headers_parse(c->headers, c->header_separator, &has_ct, err, sizeof(err));
	if (!h)
		sl_errlist_addf(errs, "%s: option 'headers': %s", src, err);
	sl_strlist_free(h);
	if (c->batch_json_array && c->body_format != HSINK_FORMAT_JSON)
		sl_errlist_addf(errs,
				"%s: option 'batch.json.as.array' needs request.body.format=json "
				"(a JSON array of arbitrary strings is not JSON)",
				src);
	http_client_validate(config, errs);
	return errs->count > before ? -1 : 0;
}

char *hsink_report_topic(const hsink_config_t *c, const sl_config_t *config, const char *kind,
			 const char *connector)
{
	bool result = !strcmp(kind, "result");
	const char *key = result ? "reporter.result.topic.name" : "reporter.error.topic.name";
	const char *name = result ? c->result_topic : c->error_topic;
	bool on = (c->reporter_servers && *c->reporter_servers) || sl_config_get(config, key);
	if (!on || !name || !*name)
		return NULL;
	sl_buf_t b = {0};
	for (const char *s = name; *s;) {
		if (!strncmp(s, "${connector}", 12)) {
			sl_buf_append_str(&b, connector);
			s += 12;
		} else {
			sl_buf_append_char(&b, *s++);
		}
	}
	return sl_buf_steal(&b);
}

int hsink_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	hsink_config_t c;
	sl_errlist_t ignored = {0}; /* the option table's errors are reported already */
	int rc = 0;

	if (sl_options_load(hsink_options, config, &c, &ignored) == 0)
		rc = hsink_resolve(&c, config, errs);
	sl_options_free(hsink_options, &c);
	sl_errlist_free(&ignored);
	return rc;
}
