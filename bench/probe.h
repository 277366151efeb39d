/* What the benchmark's C tools (kbench.c, pgprobe.c, httpbench.c) share: dying with a
 * message prefixed by the tool's name (PROBE_NAME, defined before the
 * include), the wall clock, and the watchers' poll interval. */
#ifndef SL_BENCH_PROBE_H
#define SL_BENCH_PROBE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#define WATCH_POLL_US 10000

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(PROBE_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Seconds since the epoch. */
static double now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

#endif
