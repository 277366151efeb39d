/* Logging to stderr: "2026-11-25T10:00:00.123Z INFO  [conn/0] message". */
#include "sluice/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

/* The one process-wide setting: the level is configuration of the process,
 * not state of any connector. */
static _Atomic int log_level = SL_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

void sl_log_set_level(sl_log_level_t level)
{
	atomic_store(&log_level, (int)level);
}

sl_log_level_t sl_log_get_level(void)
{
	return (sl_log_level_t)atomic_load(&log_level);
}

int sl_log_level_parse(const char *s, sl_log_level_t *out)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(level_names); i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = (sl_log_level_t)i;
			return 0;
		}
	}
	return -1;
}

void sl_log_write(sl_log_level_t level, const char *tag, const char *fmt, ...)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char line[4096];
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s%s%s",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], tag ? "[" : "",
			 tag ? tag : "", tag ? "] " : "");
	if (n < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	if ((size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One fprintf call per line: stdio locks the stream, so lines from
	 * different task threads never interleave. */
	fprintf(stderr, "%s\n", line);
}
