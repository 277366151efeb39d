/* Integration tests of the task supervisor on the embedded cluster: a
 * file-sink whose output directory is missing fails at start; with
 * tasks.restart.on.failure the supervisor restarts it with growing waits
 * until the directory exists, then it delivers every line and its backoff
 * starts over; without it the task stays FAILED. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"
#include "runner.h"
#include "supervisor.h"
#include "worker.h"

static itest_env_t env;

/* Restarts after 200 ms, doubling up to 1 s: quick enough for a test, and
 * a task that has run 1 s since its restart starts over. */
static const char *const restart_on[] = {"tasks.restart.on.failure",
					 "true",
					 "tasks.restart.backoff.initial.ms",
					 "200",
					 "tasks.restart.backoff.max.ms",
					 "1000",
					 NULL};

static int suite_init(void)
{
	return itest_env_open(&env, false, NULL);
}

static int suite_cleanup(void)
{
	return itest_env_close(&env);
}

/* A file-source reading name.in into topic name, and a file-sink from it
 * into out. */
static void add_pipeline(const char *name, const char *in, const char *out)
{
	char *src_name = sl_asprintf("%s-src", name), *sink_name = sl_asprintf("%s-sink", name);
	const char *src[] = {"name",        src_name, "connector.class",
			     "file-source", "file",   in,
			     "topic",       name,     NULL};
	const char *snk[] = {"name",      sink_name, "connector.class",
			     "file-sink", "topics",  name,
			     "file",      out,       NULL};
	itest_add(env.worker, src);
	itest_add(env.worker, snk);
	free(src_name);
	free(sink_name);
}

static void remove_pipeline(const char *name)
{
	char *src_name = sl_asprintf("%s-src", name), *sink_name = sl_asprintf("%s-sink", name);
	itest_remove(env.worker, src_name);
	itest_remove(env.worker, sink_name);
	free(src_name);
	free(sink_name);
}

/* Waits until the supervisor has counted at least n attempts (or, with n
 * 0, until it has reset them). */
static bool wait_attempts(sl_supervisor_t *s, const char *name, unsigned n, int timeout_ms)
{
	int64_t end = sl_now_ms() + timeout_ms;
	for (;;) {
		unsigned a = sl_supervisor_attempts(s, name, 0);
		if (n ? a >= n : a == 0)
			return true;
		if (sl_now_ms() >= end)
			return false;
		sl_sleep_ms(50);
	}
}

static void test_failed_task_is_restarted_until_it_recovers(void)
{
	char *in = itest_path(&env, "r1.in"), *missing = itest_path(&env, "r1-dir");
	char *out = sl_asprintf("%s/out", missing), err[256];
	sl_config_t *cfg = itest_conf(restart_on);
	sl_supervisor_t *s = sl_supervisor_start(env.worker, cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);

	itest_append_lines(in, 1, 500, "r1-");
	add_pipeline("r1", in, out);
	CU_ASSERT(itest_wait_state(env.worker, "r1-sink", "FAILED", 10000));
	/* Each restart fails again while the directory is missing, and the
	 * supervisor keeps count. */
	CU_ASSERT(wait_attempts(s, "r1-sink", 3, 15000));
	char *trace = NULL, *state = itest_task_state(env.worker, "r1-sink", &trace);
	SL_ASSERT_CONTAINS(trace ? trace : "", "cannot open for appending");
	free(state);
	free(trace);
	CU_ASSERT_EQUAL(mkdir(missing, 0755), 0);
	/* The next restart finds the directory: every line arrives. */
	CU_ASSERT(itest_wait_lines(out, 500, 30000));
	CU_ASSERT(itest_wait_state(env.worker, "r1-sink", "RUNNING", 5000));
	/* Running for the longest wait (1 s) resets the backoff. */
	CU_ASSERT(wait_attempts(s, "r1-sink", 0, 10000));
	/* The source never failed: the supervisor left it alone. */
	CU_ASSERT_EQUAL(sl_supervisor_attempts(s, "r1-src", 0), 0);
	sl_supervisor_stop(s);
	remove_pipeline("r1");
	sl_config_free(cfg);
	free(in);
	free(missing);
	free(out);
}

static void test_waits_double_between_half_and_all_up_to_the_max(void)
{
	/* initial 200, max 1000: [100,200], [200,400], [400,800], then
	 * [500,1000] from then on, whatever the random draw. */
	static const int64_t caps[] = {200, 400, 800, 1000, 1000, 1000};
	bool spread = false;

	for (uint64_t seed = 1; seed <= 200; seed++) {
		sl_backoff_t b;
		sl_backoff_init(&b, 200, 1000, seed);
		for (size_t i = 0; i < SL_ARRAY_LEN(caps); i++) {
			int64_t d = sl_supervisor_restart_delay(&b);
			if (d < caps[i] / 2 || d > caps[i])
				fprintf(stderr, "\n    seed %llu restart %zu: %lld ms\n",
					(unsigned long long)seed, i + 1, (long long)d);
			CU_ASSERT(d >= caps[i] / 2 && d <= caps[i]);
			spread |= i == 3 && d != 500 && d != 1000; /* jitter, not a fixed value */
		}
	}
	CU_ASSERT(spread);
}

static void test_restart_waits_for_its_delay(void)
{
	/* A wait of 1.5 to 3 s: the task stays FAILED that long before its
	 * restart, and only the scan after that restart plans the next. */
	const char *slow[] = {"tasks.restart.on.failure",
			      "true",
			      "tasks.restart.backoff.initial.ms",
			      "3000",
			      "tasks.restart.backoff.max.ms",
			      "3000",
			      NULL};
	char *in = itest_path(&env, "r2.in"), *out = itest_path(&env, "r2-dir/out"), err[256];
	sl_config_t *cfg = itest_conf(slow);
	sl_supervisor_t *s = sl_supervisor_start(env.worker, cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);

	itest_append_lines(in, 1, 10, "r2-");
	add_pipeline("r2", in, out);
	CU_ASSERT(wait_attempts(s, "r2-sink", 1, 10000));
	int64_t planned = sl_now_ms();
	CU_ASSERT(wait_attempts(s, "r2-sink", 2, 15000));
	int64_t took = sl_now_ms() - planned;
	/* At least the 1.5 s wait and the 1 s until the next scan. */
	if (took < 2300)
		fprintf(stderr, "\n    the second attempt came %lld ms after the first\n",
			(long long)took);
	CU_ASSERT(took >= 2300);
	sl_supervisor_stop(s);
	/* Stopped, it restarts nothing more. */
	CU_ASSERT(itest_wait_state(env.worker, "r2-sink", "FAILED", 5000));
	sl_sleep_ms(2500);
	char *state = itest_task_state(env.worker, "r2-sink", NULL);
	SL_ASSERT_TEXT(state, "FAILED");
	free(state);
	remove_pipeline("r2");
	sl_config_free(cfg);
	free(in);
	free(out);
}

static void test_without_the_key_failed_tasks_stay_failed(void)
{
	char *in = itest_path(&env, "r3.in"), *out = itest_path(&env, "r3-dir/out"), err[256];
	const char *off[] = {"log.level", "warn", NULL};
	sl_config_t *cfg = itest_conf(off);

	CU_ASSERT_PTR_NULL(sl_supervisor_start(env.worker, cfg, err, sizeof(err)));
	SL_ASSERT_TEXT(err, ""); /* off, not broken */
	CU_ASSERT_PTR_NULL(sl_supervisor_start(env.worker, NULL, err, sizeof(err)));
	SL_ASSERT_TEXT(err, "");
	itest_append_lines(in, 1, 10, "r3-");
	add_pipeline("r3", in, out);
	CU_ASSERT(itest_wait_state(env.worker, "r3-sink", "FAILED", 10000));
	char *dir = itest_path(&env, "r3-dir");
	CU_ASSERT_EQUAL(mkdir(dir, 0755), 0);
	sl_sleep_ms(2500);
	char *state = itest_task_state(env.worker, "r3-sink", NULL);
	SL_ASSERT_TEXT(state, "FAILED");
	free(state);
	remove_pipeline("r3");
	sl_config_free(cfg);
	free(dir);
	free(in);
	free(out);
}

static void test_bad_setting_is_an_error(void)
{
	const char *bad[] = {"tasks.restart.on.failure", "true", "tasks.restart.backoff.max.ms",
			     "soon", NULL};
	sl_config_t *cfg = itest_conf(bad);
	char err[256];

	CU_ASSERT_PTR_NULL(sl_supervisor_start(env.worker, cfg, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "tasks.restart.backoff.max.ms");
	sl_config_free(cfg);
}

void supervisor_test_register(void)
{
	CU_TestInfo tests[] = {
		{"failed_task_is_restarted_until_it_recovers",
		 test_failed_task_is_restarted_until_it_recovers},
		{"waits_double_between_half_and_all_up_to_the_max",
		 test_waits_double_between_half_and_all_up_to_the_max},
		{"restart_waits_for_its_delay", test_restart_waits_for_its_delay},
		{"without_the_key_failed_tasks_stay_failed",
		 test_without_the_key_failed_tasks_stay_failed},
		{"bad_setting_is_an_error", test_bad_setting_is_an_error},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("supervisor", suite_init, suite_cleanup, tests);
}
