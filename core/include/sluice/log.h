/* Logging: one line per event with wall time, level and the [connector/task]
 * the event belongs to, as text or as JSON lines. Thread safe; writes to
 * stderr. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include "sluice/util.h"

typedef enum sl_log_level {
	SL_LOG_ERROR = 0,
	SL_LOG_WARN = 1,
	SL_LOG_INFO = 2,
	SL_LOG_DEBUG = 3,
	SL_LOG_TRACE = 4,
} sl_log_level_t;

/* Sets the most verbose level that is printed (default INFO). */
void sl_log_set_level(sl_log_level_t level);
sl_log_level_t sl_log_get_level(void);
/* Parses "error|warn|info|debug|trace" (case-insensitive). -1 on failure. */
int sl_log_level_parse(const char *s, sl_log_level_t *out);

typedef enum sl_log_format {
	SL_LOG_FORMAT_TEXT = 0, /* "2026-11-25T10:00:00.123Z INFO  [conn/0] message" */
	SL_LOG_FORMAT_JSON = 1, /* {"ts":"...Z","level":"INFO","tag":"conn/0","msg":"message"} */
} sl_log_format_t;

/* Sets the line format (default text; the worker key log.format) and looks
 * again at where stderr goes: when $JOURNAL_STREAM names stderr (the
 * service runs under systemd), text lines leave the time to the journal
 * and start with the syslog priority "<N>" it reads instead (ERROR <3>,
 * WARN <4>, INFO <6>, DEBUG and TRACE <7>). JSON lines stay whole JSON.
 * In a JSON line "tag" is left out for the worker itself, and bytes that
 * are not UTF-8 become U+FFFD. */
void sl_log_set_format(sl_log_format_t format);
sl_log_format_t sl_log_get_format(void);
/* Parses "text|json" (case-insensitive). -1 on failure. */
int sl_log_format_parse(const char *s, sl_log_format_t *out);

/* tag is the "[connector/task]" part without brackets, or NULL for the
 * worker itself. */
void sl_log_write(sl_log_level_t level, const char *tag, const char *fmt, ...) SL_PRINTF(3, 4);

#define SL_LOG(level, tag, ...)                                                                    \
	do {                                                                                       \
		if ((level) <= sl_log_get_level())                                                 \
			sl_log_write((level), (tag), __VA_ARGS__);                                 \
	} while (0)

#define SL_ERROR(tag, ...) SL_LOG(SL_LOG_ERROR, tag, __VA_ARGS__)
#define SL_WARN(tag, ...) SL_LOG(SL_LOG_WARN, tag, __VA_ARGS__)
#define SL_INFO(tag, ...) SL_LOG(SL_LOG_INFO, tag, __VA_ARGS__)
#define SL_DEBUG(tag, ...) SL_LOG(SL_LOG_DEBUG, tag, __VA_ARGS__)
#define SL_TRACE(tag, ...) SL_LOG(SL_LOG_TRACE, tag, __VA_ARGS__)

#endif
