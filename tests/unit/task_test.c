/* Unit tests of a task's retry loop (errors.retry.timeout with backoff) and
 * of the error policy's tolerance decision, without Kafka. */
#include <string.h>

#include "runner.h"
#include "task.h"

typedef struct attempts {
	int calls;
	int succeed_on; /* 0: never */
} attempts_t;

static sl_rc_t flaky(sl_task_ctx_t *t, void *arg)
{
	attempts_t *a = arg;
	a->calls++;
	if (a->succeed_on && a->calls >= a->succeed_on)
		return SL_OK;
	sl_task_fail(t, "disk full (attempt %d)", a->calls);
	return SL_RETRY;
}

static sl_task_ctx_t *make_task(sl_connector_settings_t *s)
{
	s->name = "unit";
	s->connector_class = "file-sink";
	sl_task_env_t env = {.settings = s};
	sl_config_t *cfg = sl_config_new();
	sl_task_ctx_t *t = sl_task_new(&env, 3, cfg);
	sl_config_free(cfg);
	return t;
}

static void test_retry_succeeds_once_the_operation_recovers(void)
{
	sl_connector_settings_t s = {.errors_retry_timeout_ms = 10000,
				     .errors_retry_delay_max_ms = 5};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {.succeed_on = 3};
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", flaky, &a), SL_OK);
	CU_ASSERT_EQUAL(a.calls, 3);
	sl_task_stop_and_free(t);
}

static void test_retry_timeout_zero_fails_at_the_first_retriable_error(void)
{
	sl_connector_settings_t s = {.errors_retry_timeout_ms = 0, .errors_retry_delay_max_ms = 5};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {0};
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", flaky, &a), SL_FAIL);
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->fail_reason, "put failed: disk full (attempt 1)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t->fail_reason, "errors.retry.timeout=0"));
	sl_task_stop_and_free(t);
}

static void test_retries_stop_after_the_retry_timeout(void)
{
	sl_connector_settings_t s = {.errors_retry_timeout_ms = 300,
				     .errors_retry_delay_max_ms = 40};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {0};
	int64_t start = sl_now_ms();
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "flush", flaky, &a), SL_FAIL);
	int64_t took = sl_now_ms() - start;
	CU_ASSERT(took >= 300);
	CU_ASSERT(took < 3000);
	CU_ASSERT(a.calls >= 3); /* delays of at most 40 ms within 300 ms */
	CU_ASSERT_PTR_NOT_NULL(strstr(t->fail_reason, "flush failed"));
	sl_task_stop_and_free(t);
}

static void test_stop_interrupts_a_retry_wait(void)
{
	sl_connector_settings_t s = {.errors_retry_timeout_ms = -1,
				     .errors_retry_delay_max_ms = 60000};
	sl_task_ctx_t *t = make_task(&s);
	attempts_t a = {0};
	atomic_store(&t->stop, true);
	int64_t start = sl_now_ms();
	CU_ASSERT_EQUAL(sl_task_with_retry(t, "put", flaky, &a), SL_RETRY);
	CU_ASSERT(sl_now_ms() - start < 1000);
	CU_ASSERT_EQUAL(a.calls, 1);
	sl_task_stop_and_free(t);
}

static void test_tolerance_none_fails_the_task_with_stage_and_reason(void)
{
	sl_connector_settings_t s = {.errors_tolerance = 0};
	sl_task_ctx_t *t = make_task(&s);
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "line %d too long", 7),
			SL_FAIL);
	CU_ASSERT_STRING_EQUAL(
		t->fail_reason,
		"Tolerance exceeded in error handler: stage TASK_POLL: line 7 too long");
	sl_task_stop_and_free(t);
}

static void test_tolerance_all_skips_and_counts(void)
{
	sl_connector_settings_t s = {.errors_tolerance = 1, .errors_log_enable = true};
	sl_task_ctx_t *t = make_task(&s);
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "bad"), SL_OK);
	CU_ASSERT_EQUAL(sl_task_report_error(t, "TASK_POLL", NULL, NULL, 0, "bad"), SL_OK);
	CU_ASSERT_EQUAL(t->errors_total, 2);
	CU_ASSERT_STRING_EQUAL(t->fail_reason, "");
	sl_task_stop_and_free(t);
}

static void test_task_tag_names_connector_and_task(void)
{
	sl_connector_settings_t s = {0};
	sl_task_ctx_t *t = make_task(&s);
	CU_ASSERT_STRING_EQUAL(sl_task_tag(t), "unit/3");
	CU_ASSERT_EQUAL(sl_task_get_state(t, NULL), SL_TASK_UNASSIGNED);
	sl_task_set_state(t, SL_TASK_RUNNING, NULL);
	sl_task_set_paused(t, true);
	CU_ASSERT_EQUAL(sl_task_get_state(t, NULL), SL_TASK_PAUSED);
	sl_task_set_paused(t, false);
	CU_ASSERT_EQUAL(sl_task_get_state(t, NULL), SL_TASK_RUNNING);
	sl_task_stop_and_free(t);
}

void task_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"retry_succeeds_once_the_operation_recovers",
		 test_retry_succeeds_once_the_operation_recovers},
		{"retry_timeout_zero_fails_at_the_first_retriable_error",
		 test_retry_timeout_zero_fails_at_the_first_retriable_error},
		{"retries_stop_after_the_retry_timeout", test_retries_stop_after_the_retry_timeout},
		{"stop_interrupts_a_retry_wait", test_stop_interrupts_a_retry_wait},
		{"tolerance_none_fails_the_task_with_stage_and_reason",
		 test_tolerance_none_fails_the_task_with_stage_and_reason},
		{"tolerance_all_skips_and_counts", test_tolerance_all_skips_and_counts},
		{"task_tag_names_connector_and_task", test_task_tag_names_connector_and_task},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("task", NULL, NULL, tests);
}
