/* http-sink's result and error reports (see http_sink_report.h). */
#include "http_sink_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/data.h"
#include "sluice/parse.h"

static void add_num(sl_record_t *rec, const char *name, long long v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", v);
	sl_record_add_header(rec, name, num, (size_t)n);
}

static void add_text(sl_record_t *rec, const char *name, const char *v, size_t len)
{
	sl_record_add_header(rec, name, v ? v : "", v ? len : 0);
}

/* text as a JSON string literal into out (bytes that are not UTF-8, as
 * some servers answer, become '?'). */
static void json_text(sl_buf_t *out, const char *text, size_t len)
{
	char *copy = NULL;
	if (!text)
		text = "", len = 0;
	if (!sl_utf8_valid(text, len)) {
		copy = sl_strndup(text, len);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)copy[i] >= 0x80)
				copy[i] = '?';
		text = copy;
	}
	json_t *s = json_stringn(text, len);
	sl_json_write(out, s, NULL);
	json_decref(s);
	free(copy);
}

/* Error reports' headers: what the server said. */
static void add_error_headers(sl_record_t *rec, const hsink_report_in_t *in,
			      const hsink_report_out_t *out)
{
	add_text(rec, "error_message", out->why, out->why ? strlen(out->why) : 0);
	if (out->status > 0)
		add_num(rec, "status_code", out->status);
	add_text(rec, "url", out->url, out->url ? strlen(out->url) : 0);
	add_text(rec, "response_content", out->response, out->response_len);
	add_text(rec, "payload", in->payload, in->payload_len);
}

/* A report record about in on topic, with Confluent's input_record_*
 * headers (and the error headers of err, when given) and text as its
 * value, written as a JSON string. */
static sl_rc_t produce(sl_task_ctx_t *ctx, const char *topic, int partitions, int rf,
		       const hsink_report_in_t *in, const char *text, size_t text_len,
		       const hsink_report_out_t *err)
{
	sl_record_t rec;
	sl_record_init(&rec);
	rec.topic = topic;
	if (in->key)
		sl_value_set_string_ref(&rec.key, in->key, in->key_len);
	sl_buf_t value = {0};
	json_text(&value, text, text_len);
	sl_value_set_string_ref(&rec.value, value.data, value.len);
	add_num(&rec, "input_record_offset", (long long)in->offset);
	add_num(&rec, "input_record_timestamp", (long long)in->timestamp);
	add_num(&rec, "input_record_partition", (long long)in->partition);
	add_text(&rec, "input_record_topic", in->topic, in->topic ? strlen(in->topic) : 0);
	if (err)
		add_error_headers(&rec, in, err);
	sl_rc_t rc = sl_task_produce(ctx, &rec, partitions, rf);
	sl_record_clear(&rec);
	sl_buf_free(&value);
	return rc;
}

sl_rc_t hsink_report_result(sl_task_ctx_t *ctx, const hsink_reporter_t *r,
			    const hsink_report_in_t *in, const hsink_report_out_t *out)
{
	if (!r->result_topic)
		return SL_OK;
	return produce(ctx, r->result_topic, r->result_partitions, r->result_rf, in, out->response,
		       out->response_len, NULL);
}

sl_rc_t hsink_report_error(sl_task_ctx_t *ctx, const hsink_reporter_t *r,
			   const hsink_report_in_t *in, const hsink_report_out_t *out)
{
	if (!r->error_topic)
		return SL_OK;
	const char *text = r->errors_as_response ? out->response : out->why;
	size_t len = r->errors_as_response ? out->response_len : (out->why ? strlen(out->why) : 0);
	return produce(ctx, r->error_topic, r->error_partitions, r->error_rf, in, text, len, out);
}

void hsink_reporter_free(hsink_reporter_t *r)
{
	free(r->result_topic);
	free(r->error_topic);
	memset(r, 0, sizeof(*r));
}
