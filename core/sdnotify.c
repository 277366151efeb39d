/* sd_notify(3) spoken directly: one datagram per state change to the
 * service manager's socket, and a watchdog thread that pings it. */
#include "sdnotify.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sluice/log.h"

/* Fills addr from $NOTIFY_SOCKET. Returns the address length, 0 when the
 * variable is unset or empty, -1 with errno when it cannot name a socket
 * (too long, or neither a path nor '@'). */
static int notify_address(struct sockaddr_un *addr, socklen_t *len)
{
	const char *name = getenv("NOTIFY_SOCKET");
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return 0;
	if ((name[0] != '/' && name[0] != '@') || n > sizeof(addr->sun_path) ||
	    (name[0] == '/' && n == sizeof(addr->sun_path))) {
		errno = EINVAL; /* a path needs its terminating NUL to fit */
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, name, n);
	/* '@': the abstract namespace, a name that starts with a NUL byte
	 * and ends where the address length says. */
	if (name[0] == '@')
		addr->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
	return 1;
}

int sl_sd_notify(const char *state)
{
	struct sockaddr_un addr;
	socklen_t len = 0;
	int rc = notify_address(&addr, &len);

	if (rc <= 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* MSG_NOSIGNAL: a manager gone away must not kill us with SIGPIPE. */
	ssize_t sent =
		sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
	int e = errno;
	close(fd);
	errno = e;
	return sent < 0 ? -1 : 1;
}

int sl_sd_notifyf(const char *fmt, ...)
{
	char state[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(state, sizeof(state), fmt, ap);
	va_end(ap);
	return sl_sd_notify(state);
}

int sl_sd_notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sl_sd_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu",
			     (unsigned long long)ts.tv_sec * 1000000ull +
				     (unsigned long long)ts.tv_nsec / 1000ull);
}

/* A decimal number that is the whole of s, or 0. */
static uint64_t env_number(const char *s)
{
	char *end = NULL;

	if (!s || !*s || *s == '-')
		return 0;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	return errno || *end ? 0 : (uint64_t)v;
}

uint64_t sl_sd_watchdog_interval_us(void)
{
	const char *pid = getenv("WATCHDOG_PID");

	/* $WATCHDOG_PID names the process the manager watches; a child that
	 * inherited the variables must not ping for it. */
	if (pid && *pid && env_number(pid) != (uint64_t)getpid())
		return 0;
	return env_number(getenv("WATCHDOG_USEC")) / 2;
}

/* The one watchdog of the process: the service manager watches the
 * process, not any connector. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running;
	bool stop;
	uint64_t interval_us;
} wd = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Pings at once (the manager's timer may have run since it started us),
 * then every interval until asked to stop. The condition variable runs on
 * the monotonic clock so that a wall clock step neither floods nor starves
 * the manager. */
static void *watchdog_main(void *arg)
{
	struct timespec next;
	bool warned = false;

	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&wd.lock);
	while (!wd.stop) {
		pthread_mutex_unlock(&wd.lock);
		if (sl_sd_notify("WATCHDOG=1") < 0 && !warned) {
			SL_WARN(NULL, "watchdog: cannot ping the service manager at %s: %s",
				getenv("NOTIFY_SOCKET"), strerror(errno));
			warned = true;
		}
		uint64_t ns = (uint64_t)next.tv_nsec + (wd.interval_us % 1000000) * 1000;
		next.tv_sec += (time_t)(wd.interval_us / 1000000 + ns / 1000000000);
		next.tv_nsec = (long)(ns % 1000000000);
		pthread_mutex_lock(&wd.lock);
		while (!wd.stop && pthread_cond_timedwait(&wd.wake, &wd.lock, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&wd.lock);
	return arg;
}

int sl_sd_watchdog_start(void)
{
	uint64_t interval = sl_sd_watchdog_interval_us();
	pthread_condattr_t ca;
	int rc = 0;

	if (interval == 0 || !getenv("NOTIFY_SOCKET"))
		return 0;
	pthread_mutex_lock(&wd.lock);
	if (wd.running)
		goto out;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wd.wake, &ca);
	pthread_condattr_destroy(&ca);
	wd.stop = false;
	wd.interval_us = interval;
	int err = pthread_create(&wd.thread, NULL, watchdog_main, NULL);
	if (err) {
		pthread_cond_destroy(&wd.wake);
		errno = err;
		rc = -1;
		goto out;
	}
	wd.running = true;
	rc = 1;
	SL_DEBUG(NULL, "watchdog: pinging the service manager every %llu ms",
		 (unsigned long long)(interval / 1000));
out:
	pthread_mutex_unlock(&wd.lock);
	return rc;
}

void sl_sd_watchdog_stop(void)
{
	pthread_mutex_lock(&wd.lock);
	if (!wd.running) {
		pthread_mutex_unlock(&wd.lock);
		return;
	}
	wd.stop = true;
	pthread_cond_signal(&wd.wake);
	pthread_mutex_unlock(&wd.lock);
	pthread_join(wd.thread, NULL);
	pthread_mutex_lock(&wd.lock);
	pthread_cond_destroy(&wd.wake);
	wd.running = false;
	pthread_mutex_unlock(&wd.lock);
}
