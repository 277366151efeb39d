/* http-source's option table: castorm kafka-connect-http's keys where they
 * overlap, sluice's pagination, limit and retry keys, the shared HTTP
 * client rows, and castorm keys accepted and ignored. */
#include "http_source.h"
#include "http_source_page.h"
#include "http_util.h"

const char *const hs_method_names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};

#define CFG(m) SL_OPT_AT(http_source_config_t, m)

const sl_option_t http_source_options[] = {
	{.name = "kafka.topic",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .check = sl_opt_check_topic,
	 .doc = "The topic every record is written to.",
	 CFG(topic)},
	{.name = "http.request.url",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The URL polled; may hold ${offset.<field>} placeholders (filled URL-encoded "
		"from the current offset) and ${page.cursor}. It is also the source partition "
		"{\"url\": <this text>}: changing it starts from http.offset.initial again.",
	 CFG(url)},
	{.name = "http.request.method",
	 .type = SL_OPT_ENUM,
	 .def = "GET",
	 .enums = hs_method_names,
	 .doc = "GET, POST, PUT, PATCH or DELETE.",
	 CFG(method)},
	{.name = "http.request.headers",
	 .type = SL_OPT_STRING,
	 .doc = "Request headers, `Name: value, Name2: value2` (a piece without `Name:` "
		"continues the previous value); may hold placeholders. Accept defaults to "
		"application/json, and Content-Type to application/json when there is a body.",
	 CFG(headers)},
	{.name = "http.request.params",
	 .type = SL_OPT_STRING,
	 .doc = "Query parameters appended to the URL, `a=b & c=${offset.c}` (blanks around "
		"`&` and `=` dropped, placeholder values URL-encoded).",
	 CFG(params)},
	{.name = "http.request.body",
	 .type = SL_OPT_STRING,
	 .doc = "The request body (sent with any method when set); placeholders are filled "
		"in as they are, not escaped.",
	 CFG(body)},
	{.name = "http.timer.interval.millis",
	 .type = SL_OPT_INT,
	 .def = "60000",
	 SL_OPT_MIN(0),
	 .doc = "The wait before the next request once a listing brought no new records (or "
		"was skipped, not modified, or bad).",
	 CFG(interval_ms)},
	{.name = "http.timer.catchup.interval.millis",
	 .type = SL_OPT_INT,
	 .def = "30000",
	 SL_OPT_MIN(0),
	 .doc = "The wait before the next request once a listing brought new records: there "
		"may be more. The pages of one listing follow each other at once.",
	 CFG(catchup_ms)},
	{.name = "http.response.list.pointer",
	 .type = SL_OPT_STRING,
	 .def = "/",
	 .check = http_json_pointer_check,
	 .doc = "JSON Pointer to the items in the body; `/` (as in castorm) is the whole "
		"body. An array gives its elements, null no item, anything else one item; a "
		"pointer that matches nothing makes the response bad input.",
	 CFG(list_pointer)},
	{.name = "http.response.record.pointer",
	 .type = SL_OPT_STRING,
	 .def = "/",
	 .check = http_json_pointer_check,
	 .doc = "JSON Pointer, within an item, to the record value (schemaless JSON); `/` "
		"is the whole item.",
	 CFG(record_pointer)},
	{.name = "http.response.record.offset.pointer",
	 .type = SL_OPT_STRING,
	 .check = hs_spec_check,
	 .doc = "The offset fields of an item, `key=/id,timestamp=/updated_at`: each becomes "
		"a field of the record's offset and ${offset.<name>} of the next request; `key` "
		"is also the record key (a string). An item lacking one is bad input. Records "
		"whose fields equal those of the previous page's records are dropped as sent "
		"already.",
	 CFG(offset_pointer)},
	{.name = "http.offset.initial",
	 .type = SL_OPT_STRING,
	 .check = hs_initial_check,
	 .doc = "The offset fields before the first record, `timestamp=2020-01-01T00:00:00Z, "
		"id=0` (string values); used when no offset is stored.",
	 CFG(offset_initial)},
	{.name = "http.response.policy.codes.process",
	 .type = SL_OPT_STRING,
	 .def = "200-299",
	 .check = hs_codes_check,
	 .doc = "Status codes whose body is read for items: codes and ranges, `200-299,304` "
		"(castorm's `200..299` is read too).",
	 CFG(codes_process)},
	{.name = "http.response.policy.codes.skip",
	 .type = SL_OPT_STRING,
	 .def = "300-399",
	 .check = hs_codes_check,
	 .doc = "Status codes that yield no records and no error; the same request is made "
		"again after http.timer.interval.millis. Other codes: 408, 429 and 5xx are "
		"retried, anything else fails the task.",
	 CFG(codes_skip)},
	{.name = "http.response.next.pointer",
	 .type = SL_OPT_STRING,
	 .check = http_json_pointer_check,
	 .doc = "JSON Pointer to the next page in the body: a URL (absolute or relative to the "
		"request URL), or a cursor when http.request.next.param is set. Missing, null or "
		"\"\" ends the listing. Pages follow each other at once, and the page is part of "
		"the offset, so a restart resumes mid-listing.",
	 CFG(next_pointer)},
	{.name = "http.request.next.param",
	 .type = SL_OPT_STRING,
	 .doc = "With http.response.next.pointer: the query parameter that carries the cursor "
		"on the requests of the following pages (e.g. `cursor`, `starting_after`); the "
		"cursor is also ${page.cursor}.",
	 CFG(next_param)},
	{.name = "http.response.next.link",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Follow the `Link: <...>; rel=\"next\"` response header to the next page "
		"(GitHub, GitLab and other REST APIs).",
	 CFG(next_link)},
	{.name = "http.response.max.bytes",
	 .type = SL_OPT_INT,
	 .def = "16777216",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1073741824),
	 .doc = "The largest response body read (16 MiB); a larger one is bad input, sent "
		"through the error policy.",
	 CFG(max_bytes)},
	{.name = "http.retry.backoff.ms",
	 .type = SL_OPT_INT,
	 .def = "500",
	 SL_OPT_MIN(1),
	 .doc = "The first delay of the exponential backoff (full jitter) after a connection "
		"failure, a timeout, 408, 429 or 5xx; retried until it works or the task stops.",
	 CFG(backoff_ms)},
	{.name = "http.retry.backoff.max.ms",
	 .type = SL_OPT_INT,
	 .def = "60000",
	 SL_OPT_MIN(1),
	 .doc = "The longest backoff delay.",
	 CFG(backoff_max_ms)},
	{.name = "http.retry.after.max.ms",
	 .type = SL_OPT_INT,
	 .def = "600000",
	 SL_OPT_MIN(0),
	 .doc = "The longest wait a Retry-After header of a 429 or 503 may ask for.",
	 CFG(retry_after_max_ms)},
	HTTP_CLIENT_OPTIONS(http_source_config_t, http, "http.auth.type", "http.auth.user",
			    "http.auth.password"),
	/* castorm's keys that have no counterpart here: accepted, noted, unused */
	{.name = "http.client.connection.timeout.millis",
	 .type = SL_OPT_STRING,
	 .ignored = "set http.connect.timeout.ms instead",
	 .doc = "castorm's connect timeout."},
	{.name = "http.client.read.timeout.millis",
	 .type = SL_OPT_STRING,
	 .ignored = "set http.request.timeout.ms (the whole request) instead",
	 .doc = "castorm's read timeout."},
	{.name = "http.timer",
	 .type = SL_OPT_STRING,
	 .ignored = "the timer is built in: http.timer.interval.millis and "
		    "http.timer.catchup.interval.millis",
	 .doc = "castorm's timer class."},
	{.name = "http.request.template.factory",
	 .type = SL_OPT_STRING,
	 .ignored = "templates take ${offset.<field>} and ${page.cursor} placeholders; "
		    "FreeMarker expressions are not evaluated",
	 .doc = "castorm's template engine class."},
	{.name = "http.response.list.order.direction",
	 .type = SL_OPT_STRING,
	 .ignored = "records are written in the order the response lists them",
	 .doc = "castorm's order of the items."},
	{.name = "http.record.filter.factory",
	 .type = SL_OPT_STRING,
	 .ignored = "items equal (key and offset fields) to the previous page's records are "
		    "dropped",
	 .doc = "castorm's record filter class."},
	SL_OPT_END,
};
