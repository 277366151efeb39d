/* file-sink: appends each record to a file as one line (the value, or a
 * JSON object with the record's metadata) and makes it durable on flush. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connector.h"
#include "convert.h"
#include "file.h"

/* put hands buffered lines to the file once this much is waiting. */
#define SL_FILE_SINK_WRITE_AT (1024 * 1024)

typedef struct file_sink_config {
	char *file;
	int format; /* sl_file_sink_format_t */
	bool fsync;
} file_sink_config_t;

typedef struct file_sink_task {
	file_sink_config_t cfg;
	int fd;
	sl_buf_t buf; /* formatted lines not yet written */
} file_sink_task_t;

static const char *const file_sink_aliases[] = {
	"FileStreamSink",
	"org.apache.kafka.connect.file.FileStreamSinkConnector",
	NULL,
};

static const char *const file_sink_formats[] = {"value", "json", NULL};

static const sl_option_t file_sink_options[] = {
	{.name = "file",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The file records are appended to (created when missing, opened with "
		"O_APPEND).",
	 SL_OPT_AT(file_sink_config_t, file)},
	{.name = "format",
	 .type = SL_OPT_ENUM,
	 .def = "value",
	 .enums = file_sink_formats,
	 .doc = "value: each record's value as one line, like Kafka Connect's FileStreamSink "
		"(strings and bytes raw, a JSON string without quotes, other JSON compact, a "
		"null value as the text null). json: one JSON object per line with topic, "
		"partition, offset, timestamp, key, value and headers (bytes as base64).",
	 SL_OPT_AT(file_sink_config_t, format)},
	{.name = "fsync",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "When true a flush writes every buffered line and fsync()s the file before "
		"the consumer offsets are committed, so committed records survive a power "
		"loss. When false a flush only write()s: a crash of the machine (not of "
		"sluice) can lose the lines of the last seconds while their offsets are "
		"committed.",
	 SL_OPT_AT(file_sink_config_t, fsync)},
	SL_OPT_END,
};

/* ---- formatting ------------------------------------------------------- */

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
	switch (v->kind) {
	case SL_VALUE_STRING:
	case SL_VALUE_BYTES:
		sl_buf_append(out, v->data, v->len);
		return;
	case SL_VALUE_JSON:
		if (!v->json || json_is_null(v->json))
			break;
		if (json_is_string(v->json))
			sl_buf_append(out, json_string_value(v->json), json_string_length(v->json));
		else
			sl_json_write(out, v->json, v->schema);
		return;
	case SL_VALUE_NULL:
		break;
	}
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
	if (format == SL_FILE_SINK_FORMAT_JSON)
		append_record_json(out, rec);
	else
		append_value_text(out, &rec->value);
	sl_buf_append_char(out, '\n');
}

/* ---- the task ---------------------------------------------------------- */

/* Writes every buffered byte. What could not be written stays buffered
 * (nothing is written twice). SL_RETRY for errors that may pass (disk full,
 * I/O error), SL_FAIL when the file itself is unusable. */
static sl_rc_t write_out(sl_task_ctx_t *ctx, file_sink_task_t *st)
{
	size_t done = 0;
	sl_rc_t rc = SL_OK;

	if (st->buf.len == 0)
		return SL_OK;
	while (done < st->buf.len) {
		ssize_t n = write(st->fd, st->buf.data + done, st->buf.len - done);

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		bool fatal = errno == EBADF || errno == EINVAL || errno == EISDIR;
		sl_task_fail(ctx, "file %s: write failed: %s", st->cfg.file, strerror(errno));
		rc = fatal ? SL_FAIL : SL_RETRY;
		break;
	}
	memmove(st->buf.data, st->buf.data + done, st->buf.len - done);
	st->buf.len -= done;
	st->buf.data[st->buf.len] = '\0';
	return rc;
}

static sl_rc_t file_sink_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	file_sink_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;

	st->fd = -1;
	if (sl_options_load(file_sink_options, config, &st->cfg, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	st->fd = open(st->cfg.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (st->fd < 0) {
		sl_task_fail(ctx, "file %s: cannot open for appending: %s", st->cfg.file,
			     strerror(errno));
		goto out;
	}
	sl_buf_reserve(&st->buf, SL_FILE_SINK_WRITE_AT);
	/* Only the json format writes headers; value lines need none. */
	sl_task_set_sink_headers(ctx, st->cfg.format == SL_FILE_SINK_FORMAT_JSON);
	SL_TASK_INFO(ctx, "appending to %s (format %s, fsync %s)", st->cfg.file,
		     file_sink_formats[st->cfg.format], st->cfg.fsync ? "on" : "off");
	sl_task_set_data(ctx, st);
	st = NULL;
	rc = SL_OK;
out:
	if (st) {
		if (st->fd >= 0)
			close(st->fd);
		sl_options_free(file_sink_options, &st->cfg);
		free(st);
	}
	sl_errlist_free(&errs);
	return rc;
}

/* Buffers the records' lines. A put that does not return SL_OK has taken
 * none of its records, so the worker may hand the same records again. */
static sl_rc_t file_sink_put(sl_task_ctx_t *ctx, sl_record_t *records, size_t count)
{
	file_sink_task_t *st = sl_task_data(ctx);
	sl_rc_t rc;

	if (st->buf.len >= SL_FILE_SINK_WRITE_AT && (rc = write_out(ctx, st)) != SL_OK)
		return rc;
	for (size_t i = 0; i < count; i++)
		sl_file_sink_format_record(&st->buf, &records[i], st->cfg.format);
	return SL_OK;
}

/* Writes the rest and fsync()s. An fsync failure is fatal, not retried:
 * after a failed fsync Linux may drop the dirty pages and a second fsync
 * reports success, so only a restart from the committed offsets (which
 * writes the records again) is safe. */
static sl_rc_t file_sink_flush(sl_task_ctx_t *ctx)
{
	file_sink_task_t *st = sl_task_data(ctx);
	sl_rc_t rc = write_out(ctx, st);

	if (rc != SL_OK || !st->cfg.fsync)
		return rc;
	if (fsync(st->fd) < 0 && errno != EINVAL) { /* EINVAL: a pipe or tty, nothing to sync */
		sl_task_fail(ctx,
			     "file %s: fsync failed: %s; the records since the last commit "
			     "will be written again after a restart",
			     st->cfg.file, strerror(errno));
		return SL_FAIL;
	}
	return SL_OK;
}

/* Lines buffered since the last flush are dropped, not written: their
 * offsets are not committed, so they are delivered again. */
static void file_sink_stop(sl_task_ctx_t *ctx)
{
	file_sink_task_t *st = sl_task_data(ctx);

	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	sl_buf_free(&st->buf);
	sl_options_free(file_sink_options, &st->cfg);
	free(st);
	sl_task_set_data(ctx, NULL);
}

static const sl_sink_ops_t file_sink_ops = {
	.start = file_sink_start,
	.put = file_sink_put,
	.flush = file_sink_flush,
	.stop = file_sink_stop,
};

const sl_connector_t file_sink_connector = {
	.name = "file-sink",
	.aliases = file_sink_aliases,
	.kind = SL_SINK,
	.doc = "Appends the records of its topics to one file, one line per record, like Kafka "
	       "Connect's FileStreamSink (format value) or as JSON objects carrying the "
	       "record's topic, partition, offset, timestamp, key, value and headers (format "
	       "json). Lines are buffered in memory and written in large writes; a flush "
	       "writes the rest and, with fsync (the default), syncs the file before the "
	       "consumer offsets are committed, so every committed record is on disk and a "
	       "restart at worst writes the records since the last commit again "
	       "(at-least-once). A write error (disk full, I/O error) is retried; an fsync "
	       "error fails the task.",
	.options = file_sink_options,
	.sink = &file_sink_ops,
};
