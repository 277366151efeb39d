/* Logging to stderr, one line per event: text ("2026-11-25T10:00:00.123Z
 * INFO  [conn/0] message", or "<6>INFO  [conn/0] message" when stderr is
 * the journal) or JSON lines for log shippers. */
#include "sluice/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sluice/parse.h"

/* The process-wide settings: level and format are configuration of the
 * process, not state of any connector. journal is -1 until stderr has been
 * looked at. */
static _Atomic int log_level = SL_LOG_INFO;
static _Atomic int log_format = SL_LOG_FORMAT_TEXT;
static _Atomic int journal = -1;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
/* syslog(3) priorities of the levels, the "<N>" journald reads (sd-daemon.h):
 * LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG (TRACE too). */
static const int level_priorities[] = {3, 4, 6, 7, 7};
static const char *const format_names[] = {"text", "json"};

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

void sl_log_set_format(sl_log_format_t format)
{
	atomic_store(&log_format, (int)format);
	atomic_store(&journal, -1);
}

sl_log_format_t sl_log_get_format(void)
{
	return (sl_log_format_t)atomic_load(&log_format);
}

int sl_log_format_parse(const char *s, sl_log_format_t *out)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(format_names); i++) {
		if (!strcasecmp(s, format_names[i])) {
			*out = (sl_log_format_t)i;
			return 0;
		}
	}
	return -1;
}

/* Whether stderr is the journal's stream: systemd sets $JOURNAL_STREAM to
 * "<device>:<inode>" of it, and a child whose stderr was redirected
 * elsewhere inherits the variable, so the numbers must match. */
static bool stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char end;

	if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	return fstat(STDERR_FILENO, &sb) == 0 && (unsigned long long)sb.st_dev == dev &&
	       (unsigned long long)sb.st_ino == ino;
}

static bool to_journal(void)
{
	int j = atomic_load(&journal);
	if (j < 0) {
		j = stderr_is_journal();
		atomic_store(&journal, j);
	}
	return j;
}

/* A line being built in a fixed buffer: what does not fit is cut, and the
 * line always ends in a NUL. */
typedef struct line {
	char buf[8192];
	size_t len;
} line_t;

static void put(line_t *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 1 - l->len;
	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void put_str(line_t *l, const char *s)
{
	put(l, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 0;
	return len && len <= n && sl_utf8_valid((const char *)s, len) ? len : 0;
}

/* Appends s as a quoted JSON string: '"', '\\' and control characters
 * escaped, bytes that are not UTF-8 as U+FFFD (a log shipper refuses the
 * whole line otherwise). An escape is never cut in half: the line is cut
 * before it and still closes its quote. */
static void put_json_string(line_t *l, const char *s, size_t reserve)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), limit = sizeof(l->buf) - 1 - reserve - 1;

	put(l, "\"", 1);
	for (size_t i = 0; i < n && l->len < limit;) {
		char esc[8];
		const char *out = esc;
		size_t len = 1, step = 1;
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\', esc[1] = (char)p[i], len = 2;
		} else if (p[i] == '\n' || p[i] == '\r' || p[i] == '\t') {
			esc[0] = '\\',
			esc[1] = p[i] == '\n'   ? 'n'
				 : p[i] == '\r' ? 'r'
						: 't',
			len = 2;
		} else if (p[i] < 0x20) {
			len = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
		} else if (p[i] < 0x80) {
			out = (const char *)p + i;
		} else if ((step = len = utf8_sequence(p + i, n - i)) > 0) {
			out = (const char *)p + i;
		} else {
			out = "\\ufffd", len = 6, step = 1;
		}
		if (l->len + len > limit)
			break;
		put(l, out, len);
		i += step;
	}
	put(l, "\"", 1);
}

/* "2026-11-25T10:00:00.123Z" */
static void put_time(line_t *l)
{
	struct timespec ts;
	struct tm tm;
	char t[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	put_str(l, t);
}

/* {"ts":"...Z","level":"INFO","tag":"conn/0","msg":"..."}; no "tag" for
 * the worker itself. The message is cut, not the closing of the object. */
static void render_json(line_t *l, sl_log_level_t level, const char *tag, const char *msg)
{
	put_str(l, "{\"ts\":\"");
	put_time(l);
	put_str(l, "\",\"level\":\"");
	put_str(l, level_names[level]);
	put_str(l, "\"");
	if (tag) {
		put_str(l, ",\"tag\":");
		put_json_string(l, tag, 512);
	}
	put_str(l, ",\"msg\":");
	put_json_string(l, msg, 2);
	put_str(l, "}");
}

/* "<time> LEVEL [tag] msg"; under the journal, which stamps each line
 * itself, "<N>LEVEL [tag] msg" with N the syslog priority. */
static void render_text(line_t *l, sl_log_level_t level, const char *tag, const char *msg)
{
	char head[64];

	if (to_journal()) {
		snprintf(head, sizeof(head), "<%d>", level_priorities[level]);
		put_str(l, head);
	} else {
		put_time(l);
		put_str(l, " ");
	}
	snprintf(head, sizeof(head), "%-5s ", level_names[level]);
	put_str(l, head);
	if (tag) {
		put_str(l, "[");
		put_str(l, tag);
		put_str(l, "] ");
	}
	put_str(l, msg);
}

void sl_log_write(sl_log_level_t level, const char *tag, const char *fmt, ...)
{
	char msg[4096];
	line_t line;
	va_list ap;

	line.len = 0;
	line.buf[0] = '\0';

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (atomic_load(&log_format) == SL_LOG_FORMAT_JSON)
		render_json(&line, level, tag, msg);
	else
		render_text(&line, level, tag, msg);
	/* One fprintf call per line: stdio locks the stream, so lines from
	 * different task threads never interleave. */
	fprintf(stderr, "%s\n", line.buf);
}
