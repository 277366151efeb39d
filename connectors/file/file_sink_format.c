/* file-sink's line formats: a record as the one line FileStreamSink writes
 * (format value) or as a JSON object with its metadata (format json). */
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "sluice/data.h"

/* Appends s as a JSON string; bytes that are not UTF-8 become base64. */
static void append_json_string(sl_buf_t *out, const char *s, size_t len)
{
	json_t *j = json_stringn(s ? s : "", s ? len : 0);

	if (!j) {
		char *b64 = sl_base64_encode(s, len);
		j = json_string(b64);
		free(b64);
	}
	sl_json_write(out, j, NULL);
	json_decref(j);
}

/* The value as FileStreamSink prints it. */
static void append_value_text(sl_buf_t *out, const sl_value_t *v)
{
	if (!sl_value_text(out, v))
		sl_buf_append_str(out, "null");
}

/* The value as a JSON value: string, base64 string, payload or null. */
static void append_value_json(sl_buf_t *out, const sl_value_t *v)
{
	char *b64;

	switch (v->kind) {
	case SL_VALUE_STRING:
		append_json_string(out, v->data, v->len);
		return;
	case SL_VALUE_BYTES:
		b64 = sl_base64_encode(v->data, v->len);
		append_json_string(out, b64, strlen(b64));
		free(b64);
		return;
	case SL_VALUE_JSON:
		if (!v->json)
			break;
		sl_json_write(out, v->json, v->schema);
		return;
	case SL_VALUE_JSON_TEXT:
		sl_buf_append(out, v->data, v->len);
		return;
	case SL_VALUE_FIELDS: {
		json_t *payload = sl_value_payload(v);
		sl_json_write(out, payload, v->schema);
		json_decref(payload);
		return;
	}
	case SL_VALUE_NULL:
		break;
	}
	sl_buf_append_str(out, "null");
}

static void append_record_json(sl_buf_t *out, const sl_record_t *rec)
{
	const char *topic = rec->topic ? rec->topic : "";

	sl_buf_append_str(out, "{\"topic\":");
	append_json_string(out, topic, strlen(topic));
	sl_buf_appendf(out, ",\"partition\":%d,\"offset\":%lld,\"timestamp\":", (int)rec->partition,
		       (long long)rec->offset);
	if (rec->timestamp > 0)
		sl_buf_appendf(out, "%lld", (long long)rec->timestamp);
	else
		sl_buf_append_str(out, "null");
	sl_buf_append_str(out, ",\"key\":");
	append_value_json(out, &rec->key);
	sl_buf_append_str(out, ",\"value\":");
	append_value_json(out, &rec->value);
	sl_buf_append_str(out, ",\"headers\":{");
	for (size_t i = 0; i < rec->header_count; i++) {
		const sl_header_t *h = &rec->headers[i];

		if (i > 0)
			sl_buf_append_char(out, ',');
		append_json_string(out, h->key, strlen(h->key));
		sl_buf_append_char(out, ':');
		if (h->value)
			append_json_string(out, h->value, h->len);
		else
			sl_buf_append_str(out, "null");
	}
	sl_buf_append_str(out, "}}");
}

void sl_file_sink_format_record(sl_buf_t *out, const sl_record_t *rec, int format)
{
	const sl_value_t *v = &rec->value;

	if (format == SL_FILE_SINK_FORMAT_JSON) {
		append_record_json(out, rec);
		sl_buf_append_char(out, '\n');
	} else if (v->kind == SL_VALUE_STRING || v->kind == SL_VALUE_BYTES) {
		sl_buf_append_line(out, v->data, v->len); /* most lines, inline */
	} else {
		append_value_text(out, v);
		sl_buf_append_char(out, '\n');
	}
}
