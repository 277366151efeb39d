/* The file connectors as the registry (core/plugins.c) and the tests see
 * them: file-source and file-sink, plus the sink's formatting helper. */
#ifndef SL_FILE_H
#define SL_FILE_H

#include <stdint.h>

#include "sluice/connector.h"

extern const sl_connector_t file_source_connector;
extern const sl_connector_t file_sink_connector;

/* Values of the sink's `format` option (index into its enum list). */
typedef enum sl_file_sink_format {
	SL_FILE_SINK_FORMAT_VALUE = 0, /* the record value as one line */
	SL_FILE_SINK_FORMAT_JSON = 1,  /* one JSON object per record */
} sl_file_sink_format_t;

/* Appends rec to out as one line ending in '\n' in the given format (see
 * file_sink.c for the exact shapes). Never fails: bytes that are not valid
 * UTF-8 where JSON needs a string are written as base64. */
void sl_file_sink_format_record(sl_buf_t *out, const sl_record_t *rec, int format);

/* Which of task_count file-source tasks reads path (a stable hash of the
 * path, so every task agrees without talking to the others). */
int sl_file_source_task_for(const char *path, int task_count);

#endif
