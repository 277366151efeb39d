/* Logging: one line per event with wall time, level and the [connector/task]
 * the event belongs to. Thread safe; writes to stderr. */
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
