/* http-sink's reports to Kafka, as Confluent's reporter writes them: one
 * record per delivered record on the result topic, one per record that
 * failed for good on the error topic, each naming the input record in
 * input_record_* headers. Written with sl_task_produce, so the worker
 * commits no offset before Kafka has the reports. */
#ifndef SL_HTTP_SINK_REPORT_H
#define SL_HTTP_SINK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/connector.h"

/* The topics (NULL: that report is off) and how they are created. */
typedef struct hsink_reporter {
	char *result_topic, *error_topic;
	int result_partitions, result_rf, error_partitions, error_rf;
	bool errors_as_response; /* report.errors.as=http_response */
} hsink_reporter_t;

/* The input record a report is about (all borrowed). */
typedef struct hsink_report_in {
	const char *topic;
	int32_t partition;
	int64_t offset;
	int64_t timestamp; /* ms, 0 when unknown */
	const char *key;   /* rendered as text; NULL: no key */
	size_t key_len;
	const char *payload; /* the record as sent; NULL for a delete */
	size_t payload_len;
} hsink_report_in_t;

/* What the server said (all borrowed; response may be NULL). */
typedef struct hsink_report_out {
	long status; /* 0: no status (a transport error) */
	const char *url;
	const char *response;
	size_t response_len;
	const char *why; /* error reports: the reason, as logged */
} hsink_report_out_t;

/* Writes the result report of in; SL_FAIL (reason recorded) when it cannot
 * be queued. */
sl_rc_t hsink_report_result(sl_task_ctx_t *ctx, const hsink_reporter_t *r,
			    const hsink_report_in_t *in, const hsink_report_out_t *out);
/* Writes the error report of in, likewise. */
sl_rc_t hsink_report_error(sl_task_ctx_t *ctx, const hsink_reporter_t *r,
			   const hsink_report_in_t *in, const hsink_report_out_t *out);
void hsink_reporter_free(hsink_reporter_t *r);

#endif
