/* Unit tests for the cluster's view (core/cluster_view.c): Kafka Connect's
 * config and status records replayed into connectors, target states, task
 * counts and slots, the same way on every member. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_view.h"
#include "runner.h"

static int64_t next_offset;

/* Applies one record given as JSON text (NULL: a tombstone). */
static void rec(sl_cview_t *v, const char *key, const char *value)
{
	json_t *j = value ? json_loads(value, 0, NULL) : NULL;
	CU_ASSERT_FATAL(!value || j);
	sl_cview_apply_config(v, key, j, next_offset++);
	json_decref(j);
}

static void connector(sl_cview_t *v, const char *name, int tasks)
{
	char key[128], value[256];
	snprintf(key, sizeof(key), "connector-%s", name);
	snprintf(value, sizeof(value),
		 "{\"properties\":{\"connector.class\":\"file-source\",\"name\":\"%s\"}}", name);
	rec(v, key, value);
	snprintf(key, sizeof(key), "commit-%s", name);
	snprintf(value, sizeof(value), "{\"tasks\":%d}", tasks);
	rec(v, key, value);
}

static int slot_of(sl_cview_t *v, const char *name, int task)
{
	sl_cview_conn_t *cc = sl_cview_find(v, name, false);
	return cc && task < cc->tasks ? cc->slots[task] : -1;
}

/* What Kafka Connect 4.1 wrote for a FileStreamSource connector (read off
 * its config topic): connector, task and commit records, pause, resume,
 * restart, stop (commit of 0 tasks, then state.v2 STOPPED), resume,
 * delete (tombstones), and a connector made PAUSED from the start. */
static void test_kafka_connect_records_replay(void)
{
	sl_cview_t v;
	sl_cview_init(&v);
	next_offset = 0;
	rec(&v, "session-key", "{\"key\":\"x\",\"algorithm\":\"HmacSHA256\"}");
	rec(&v, "connector-fs",
	    "{\"properties\":{\"connector.class\":\"FileStreamSource\",\"file\":\"/in\","
	    "\"topic\":\"t\",\"tasks.max\":\"1\",\"name\":\"fs\"}}");
	rec(&v, "task-fs-0",
	    "{\"properties\":{\"connector.class\":\"FileStreamSource\",\"task.class\":\"x\"}}");
	rec(&v, "commit-fs", "{\"tasks\":1}");
	sl_cview_conn_t *cc = sl_cview_find(&v, "fs", false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cc);
	CU_ASSERT_STRING_EQUAL(sl_config_get(cc->raw, "file"), "/in");
	CU_ASSERT_EQUAL(cc->target, SL_TARGET_RUNNING);
	CU_ASSERT_EQUAL(cc->tasks, 1);
	CU_ASSERT_EQUAL(cc->slots[0], 0);
	rec(&v, "target-state-fs", "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}");
	CU_ASSERT_EQUAL(cc->target, SL_TARGET_PAUSED);
	rec(&v, "target-state-fs", "{\"state\":\"STARTED\",\"state.v2\":\"STARTED\"}");
	CU_ASSERT_EQUAL(cc->target, SL_TARGET_RUNNING);
	v.live_from = next_offset;
	rec(&v, "restart-connector-fs", "{\"include-tasks\":true,\"only-failed\":false}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v.restarts);
	CU_ASSERT_STRING_EQUAL(v.restarts->name, "fs");
	CU_ASSERT_EQUAL(v.restarts->task, -1);
	CU_ASSERT_TRUE(v.restarts->include_tasks);
	CU_ASSERT_FALSE(v.restarts->only_failed);
	rec(&v, "commit-fs", "{\"tasks\":0}");
	rec(&v, "target-state-fs", "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}");
	CU_ASSERT_EQUAL(cc->target, SL_TARGET_STOPPED);
	CU_ASSERT_EQUAL(cc->tasks, 0);
	CU_ASSERT_EQUAL(v.used[0], 0); /* its slot is free again */
	/* an older reader's record has no state.v2 */
	rec(&v, "target-state-fs", "{\"state\":\"STARTED\"}");
	CU_ASSERT_EQUAL(cc->target, SL_TARGET_RUNNING);
	rec(&v, "task-fs-0", "{\"properties\":{}}");
	rec(&v, "commit-fs", "{\"tasks\":1}");
	CU_ASSERT_EQUAL(cc->tasks, 1);
	rec(&v, "target-state-fs2", "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}");
	rec(&v, "connector-fs2", "{\"properties\":{\"name\":\"fs2\"}}");
	CU_ASSERT_EQUAL(sl_cview_find(&v, "fs2", false)->target, SL_TARGET_PAUSED);
	rec(&v, "commit-fs2", "{\"tasks\":1}");
	rec(&v, "connector-fs", NULL);
	rec(&v, "target-state-fs", NULL);
	CU_ASSERT_PTR_NULL(sl_cview_find(&v, "fs", false));
	CU_ASSERT_EQUAL(v.used[0], 0);
	CU_ASSERT_EQUAL(v.used[1], 1); /* fs2's */
	sl_cview_free(&v);
}

/* Restarts read while catching up at start are history, not requests. */
static void test_old_restarts_are_not_requests(void)
{
	sl_cview_t v;
	sl_cview_init(&v);
	next_offset = 0;
	v.live_from = 5;
	connector(&v, "a", 1);
	rec(&v, "restart-connector-a", "{\"include-tasks\":true,\"only-failed\":true}");
	CU_ASSERT_PTR_NULL(v.restarts);
	next_offset = 5;
	rec(&v, "restart-task-a-0", "{\"include-tasks\":false,\"only-failed\":false}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v.restarts);
	CU_ASSERT_EQUAL(v.restarts->task, 0);
	rec(&v, "restart-task-a-", "{}"); /* not of the form: ignored */
	CU_ASSERT_PTR_NULL(v.restarts->next);
	sl_cview_free(&v);
}

/* Slots: from 0 up, kept across commits for tasks that stay, freed above
 * a smaller count, the lowest free taken next. */
static void test_slots_stay_with_their_tasks(void)
{
	sl_cview_t v;
	sl_cview_init(&v);
	next_offset = 0;
	connector(&v, "a", 2); /* 0 1 */
	connector(&v, "b", 3); /* 2 3 4 */
	CU_ASSERT_EQUAL(slot_of(&v, "a", 0), 0);
	CU_ASSERT_EQUAL(slot_of(&v, "a", 1), 1);
	CU_ASSERT_EQUAL(slot_of(&v, "b", 2), 4);
	CU_ASSERT_EQUAL(v.max_slot, 4);
	rec(&v, "commit-a", "{\"tasks\":1}"); /* frees 1 */
	CU_ASSERT_EQUAL(slot_of(&v, "a", 0), 0);
	connector(&v, "c", 2); /* 1, 5 */
	CU_ASSERT_EQUAL(slot_of(&v, "c", 0), 1);
	CU_ASSERT_EQUAL(slot_of(&v, "c", 1), 5);
	rec(&v, "connector-b", NULL);         /* frees 2 3 4 */
	rec(&v, "commit-c", "{\"tasks\":4}"); /* keeps 1 5, takes 2 3 */
	CU_ASSERT_EQUAL(slot_of(&v, "c", 0), 1);
	CU_ASSERT_EQUAL(slot_of(&v, "c", 1), 5);
	CU_ASSERT_EQUAL(slot_of(&v, "c", 2), 2);
	CU_ASSERT_EQUAL(slot_of(&v, "c", 3), 3);
	/* a commit of a connector not (or no longer) known changes nothing */
	rec(&v, "commit-b", "{\"tasks\":9}");
	CU_ASSERT_PTR_NULL(sl_cview_find(&v, "b", false));
	/* a bad count is ignored */
	rec(&v, "commit-a", "{\"tasks\":-3}");
	rec(&v, "commit-a", "{\"tasks\":\"2\"}");
	CU_ASSERT_EQUAL(sl_cview_find(&v, "a", false)->tasks, 1);
	sl_cview_free(&v);
}

/* Two members that read the same records hold the same slots, however
 * many records came before they started (one replays it all). */
static void test_every_member_computes_the_same_slots(void)
{
	sl_cview_t a, b;
	sl_cview_init(&a);
	sl_cview_init(&b);
	const char *names[] = {"x", "y", "z", "w"};
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++) {
			connector(&a, names[i], 1 + (i + round) % 3);
			connector(&b, names[i], 1 + (i + round) % 3);
		}
		rec(&a, "connector-y", NULL);
		rec(&b, "connector-y", NULL);
	}
	for (int i = 0; i < 4; i++) {
		sl_cview_conn_t *ca = sl_cview_find(&a, names[i], false),
				*cb = sl_cview_find(&b, names[i], false);
		CU_ASSERT_EQUAL(ca == NULL, cb == NULL);
		for (int t = 0; ca && cb && t < ca->tasks; t++)
			CU_ASSERT_EQUAL(ca->slots[t], cb->slots[t]);
	}
	/* no slot given twice */
	int seen[64] = {0};
	for (sl_cview_conn_t *cc = a.conns; cc; cc = cc->next)
		for (int t = 0; t < cc->tasks; t++) {
			CU_ASSERT_TRUE(cc->slots[t] >= 0 && cc->slots[t] < 64);
			CU_ASSERT_EQUAL(seen[cc->slots[t]]++, 0);
		}
	sl_cview_free(&a);
	sl_cview_free(&b);
}

static void test_status_records(void)
{
	sl_cview_t v;
	sl_cview_init(&v);
	json_t *s = json_pack("{s:s,s:n,s:s,s:i}", "state", "RUNNING", "trace", "worker_id",
			      "127.0.0.1:8083", "generation", 3);
	sl_cview_apply_status(&v, "status-task-a-0", s);
	sl_cview_apply_status(&v, "status-topic-t:connector-a", s); /* not kept */
	CU_ASSERT_EQUAL(json_object_size(v.statuses), 1);
	CU_ASSERT_PTR_EQUAL(json_object_get(v.statuses, "status-task-a-0"), s);
	sl_cview_apply_status(&v, "status-task-a-0", NULL);
	CU_ASSERT_EQUAL(json_object_size(v.statuses), 0);
	json_decref(s);
	sl_cview_free(&v);
}

/* Exactly-once sources: a commit leaves the connector pending fencing of
 * every task an earlier commit made since the last tasks-fencing record
 * (Kafka Connect's key and value); the record ends it. */
static void test_commits_pend_fencing(void)
{
	sl_cview_t v;
	sl_cview_init(&v);
	next_offset = 0;
	connector(&v, "src", 3);
	sl_cview_conn_t *cc = sl_cview_find(&v, "src", false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cc);
	CU_ASSERT_TRUE(cc->pending_fencing);
	CU_ASSERT_EQUAL(cc->fence_upto, 0); /* no task ran before */
	rec(&v, "tasks-fencing-src", "{\"task-count\":3}");
	CU_ASSERT_FALSE(cc->pending_fencing);
	rec(&v, "commit-src", "{\"tasks\":1}"); /* tasks 0..2 may run */
	CU_ASSERT_TRUE(cc->pending_fencing);
	CU_ASSERT_EQUAL(cc->fence_upto, 3);
	rec(&v, "commit-src", "{\"tasks\":2}"); /* before the fencing: still 3 */
	CU_ASSERT_EQUAL(cc->fence_upto, 3);
	rec(&v, "tasks-fencing-other", "{\"task-count\":2}");
	CU_ASSERT_TRUE(cc->pending_fencing);
	rec(&v, "tasks-fencing-src", "{\"task-count\":2}");
	CU_ASSERT_FALSE(cc->pending_fencing);
	CU_ASSERT_EQUAL(cc->fence_upto, 0);
	rec(&v, "commit-src", "{\"tasks\":4}");
	CU_ASSERT_EQUAL(cc->fence_upto, 2);
	sl_cview_free(&v);
}

/* The records sluice writes are the ones Kafka Connect writes. */
static void test_written_records_are_kafka_connects(void)
{
	sl_config_t *raw = sl_config_new();
	sl_config_set(raw, "name", "fs", NULL, 0);
	sl_config_set(raw, "tasks.max", "1", NULL, 0);
	json_t *r = sl_cview_config_record(raw);
	char *t = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CU_ASSERT_STRING_EQUAL(t, "{\"properties\":{\"name\":\"fs\",\"tasks.max\":\"1\"}}");
	free(t);
	json_decref(r);
	sl_config_free(raw);
	const char *want[] = {"{\"state\":\"STARTED\",\"state.v2\":\"STARTED\"}",
			      "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}",
			      "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}"};
	for (int i = SL_TARGET_RUNNING; i <= SL_TARGET_STOPPED; i++) {
		r = sl_cview_target_record((sl_target_state_t)i);
		t = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
		CU_ASSERT_STRING_EQUAL(t, want[i]);
		free(t);
		json_decref(r);
	}
}

void cluster_view_test_register(void)
{
	CU_TestInfo tests[] = {
		{"kafka_connect_records_replay", test_kafka_connect_records_replay},
		{"old_restarts_are_not_requests", test_old_restarts_are_not_requests},
		{"slots_stay_with_their_tasks", test_slots_stay_with_their_tasks},
		{"every_member_computes_the_same_slots", test_every_member_computes_the_same_slots},
		{"status_records", test_status_records},
		{"commits_pend_fencing", test_commits_pend_fencing},
		{"written_records_are_kafka_connects", test_written_records_are_kafka_connects},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("cluster_view", NULL, NULL, tests);
}
