/* Unit tests for the service manager notifications: a real AF_UNIX
 * datagram socket stands in for systemd (a path in a temporary directory,
 * or an abstract name) and the tests read what arrives on it. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"
#include "sdnotify.h"
#include "sluice/util.h"

static char dir[64];

/* A datagram socket bound at name (a path, or '@' + an abstract name), as
 * the service manager binds its own; NOTIFY_SOCKET is set to name. */
static int manager_socket(const char *name)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_FATAL(fd >= 0 && n < sizeof(addr.sun_path));
	memcpy(addr.sun_path, name, n);
	if (name[0] == '@')
		addr.sun_path[0] = '\0';
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&addr, len) == 0);
	setenv("NOTIFY_SOCKET", name, 1);
	return fd;
}

/* The next datagram within timeout_ms into buf (NUL-terminated); its
 * length, or -1 when none came. */
static ssize_t receive(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	ssize_t n = recv(fd, buf, size - 1, 0);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Datagrams that arrive within ms. */
static int count_for(int fd, int ms)
{
	char buf[256];
	int64_t end = sl_now_ms() + ms;
	int n = 0;

	for (int64_t left = ms; left > 0; left = end - sl_now_ms()) {
		if (receive(fd, buf, sizeof(buf), (int)left) < 0)
			break;
		CU_ASSERT_STRING_EQUAL(buf, "WATCHDOG=1");
		n++;
	}
	return n;
}

static void close_manager(int fd, const char *path)
{
	close(fd);
	if (path[0] == '/')
		unlink(path);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static int suite_init(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-sdnotify-XXXXXX");
	return mkdtemp(dir) ? 0 : 1;
}

static int suite_cleanup(void)
{
	return rmdir(dir);
}

static void test_states_arrive_at_a_socket_path(void)
{
	char *path = sl_asprintf("%s/notify", dir), buf[256];
	int fd = manager_socket(path);

	CU_ASSERT_EQUAL(sl_sd_notify("READY=1"), 1);
	CU_ASSERT(receive(fd, buf, sizeof(buf), 1000) > 0);
	SL_ASSERT_TEXT(buf, "READY=1");
	CU_ASSERT_EQUAL(sl_sd_notifyf("STATUS=running %d connectors", 3), 1);
	CU_ASSERT(receive(fd, buf, sizeof(buf), 1000) > 0);
	SL_ASSERT_TEXT(buf, "STATUS=running 3 connectors");
	CU_ASSERT_EQUAL(sl_sd_notify("STOPPING=1"), 1);
	CU_ASSERT(receive(fd, buf, sizeof(buf), 1000) > 0);
	SL_ASSERT_TEXT(buf, "STOPPING=1");
	close_manager(fd, path);
	free(path);
}

static void test_states_arrive_at_an_abstract_socket(void)
{
	char name[64], buf[256];
	snprintf(name, sizeof(name), "@sluice-sdnotify-test-%ld", (long)getpid());
	int fd = manager_socket(name);

	CU_ASSERT_EQUAL(sl_sd_notify("READY=1"), 1);
	CU_ASSERT(receive(fd, buf, sizeof(buf), 1000) > 0);
	SL_ASSERT_TEXT(buf, "READY=1");
	close_manager(fd, name);
}

static void test_reloading_carries_the_monotonic_time(void)
{
	char *path = sl_asprintf("%s/reload", dir), buf[256];
	int fd = manager_socket(path);
	struct timespec ts;
	unsigned long long usec = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long before = (unsigned long long)ts.tv_sec * 1000000ull +
				    (unsigned long long)ts.tv_nsec / 1000ull;
	CU_ASSERT_EQUAL(sl_sd_notify_reloading(), 1);
	CU_ASSERT_FATAL(receive(fd, buf, sizeof(buf), 1000) > 0);
	CU_ASSERT_EQUAL(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec), 1);
	CU_ASSERT(usec >= before && usec < before + 5000000ull);
	close_manager(fd, path);
	free(path);
}

static void test_nothing_is_sent_without_notify_socket(void)
{
	char *path = sl_asprintf("%s/quiet", dir), buf[256];
	int fd = manager_socket(path);

	unsetenv("NOTIFY_SOCKET");
	CU_ASSERT_EQUAL(sl_sd_notify("READY=1"), 0);
	setenv("WATCHDOG_USEC", "100000", 1);
	CU_ASSERT_EQUAL(sl_sd_watchdog_start(), 0);
	CU_ASSERT_EQUAL(receive(fd, buf, sizeof(buf), 300), -1);
	sl_sd_watchdog_stop(); /* none runs: a no-op */
	close_manager(fd, path);
	free(path);
}

static void test_unusable_notify_socket_is_an_error(void)
{
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CU_ASSERT_EQUAL(sl_sd_notify("READY=1"), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	char *gone = sl_asprintf("%s/nobody-listens", dir);
	setenv("NOTIFY_SOCKET", gone, 1);
	CU_ASSERT_EQUAL(sl_sd_notify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
	free(gone);
}

static void test_watchdog_pings_at_half_the_interval_until_stopped(void)
{
	char *path = sl_asprintf("%s/watchdog", dir);
	int fd = manager_socket(path);

	setenv("WATCHDOG_USEC", "200000", 1); /* a ping every 100 ms */
	CU_ASSERT_EQUAL(sl_sd_watchdog_interval_us(), 100000);
	CU_ASSERT_EQUAL(sl_sd_watchdog_start(), 1);
	CU_ASSERT_EQUAL(sl_sd_watchdog_start(), 0); /* one watchdog per process */
	/* One at once, then one every 100 ms: 7 or 8 in 750 ms, with room
	 * for a busy machine, and far from a thread that pings in a loop or
	 * only once. */
	int pings = count_for(fd, 750);
	if (pings < 5 || pings > 10)
		fprintf(stderr, "\n    %d pings in 750 ms\n", pings);
	CU_ASSERT(pings >= 5 && pings <= 10);
	sl_sd_watchdog_stop();
	CU_ASSERT_EQUAL(count_for(fd, 350), 0);
	close_manager(fd, path);
	free(path);
}

static void test_watchdog_is_for_the_process_it_names(void)
{
	char *path = sl_asprintf("%s/other-pid", dir), pid[32];
	int fd = manager_socket(path);

	setenv("WATCHDOG_USEC", "200000", 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	CU_ASSERT_EQUAL(sl_sd_watchdog_interval_us(), 0);
	CU_ASSERT_EQUAL(sl_sd_watchdog_start(), 0);
	CU_ASSERT_EQUAL(count_for(fd, 300), 0);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	CU_ASSERT_EQUAL(sl_sd_watchdog_interval_us(), 100000);
	setenv("WATCHDOG_USEC", "0", 1);
	CU_ASSERT_EQUAL(sl_sd_watchdog_interval_us(), 0);
	setenv("WATCHDOG_USEC", "12x", 1);
	CU_ASSERT_EQUAL(sl_sd_watchdog_interval_us(), 0);
	close_manager(fd, path);
	free(path);
}

void sdnotify_test_register(void)
{
	CU_TestInfo tests[] = {
		{"states_arrive_at_a_socket_path", test_states_arrive_at_a_socket_path},
		{"states_arrive_at_an_abstract_socket", test_states_arrive_at_an_abstract_socket},
		{"reloading_carries_the_monotonic_time", test_reloading_carries_the_monotonic_time},
		{"nothing_is_sent_without_notify_socket",
		 test_nothing_is_sent_without_notify_socket},
		{"unusable_notify_socket_is_an_error", test_unusable_notify_socket_is_an_error},
		{"watchdog_pings_at_half_the_interval_until_stopped",
		 test_watchdog_pings_at_half_the_interval_until_stopped},
		{"watchdog_is_for_the_process_it_names", test_watchdog_is_for_the_process_it_names},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("sdnotify", suite_init, suite_cleanup, tests);
}
