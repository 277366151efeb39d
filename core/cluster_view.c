/* The cluster's view: Kafka Connect's config and status records replayed
 * into connectors, target states, task counts and slots. */
#include "cluster_view.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/mem.h"
#include "sluice/util.h"

void sl_cview_init(sl_cview_t *v)
{
	memset(v, 0, sizeof(*v));
	v->statuses = json_object();
}

sl_cview_conn_t *sl_cview_find(sl_cview_t *c, const char *name, bool create)
{
	for (sl_cview_conn_t *cc = c->conns; cc; cc = cc->next)
		if (!strcmp(cc->name, name))
			return cc;
	if (!create)
		return NULL;
	sl_cview_conn_t *cc = sl_calloc(1, sizeof(*cc));
	cc->name = sl_strdup(name);
	cc->next = c->conns;
	c->conns = cc;
	return cc;
}

static void slot_free(sl_cview_t *c, int s)
{
	if (s >= 0 && s < c->used_cap)
		c->used[s] = 0;
}

/* The lowest free slot. */
static int slot_take(sl_cview_t *c)
{
	int s = 0;
	while (s < c->used_cap && c->used[s])
		s++;
	if (s >= c->used_cap) {
		int cap = c->used_cap ? c->used_cap * 2 : 64;
		c->used = sl_realloc(c->used, (size_t)cap);
		memset(c->used + c->used_cap, 0, (size_t)(cap - c->used_cap));
		c->used_cap = cap;
	}
	c->used[s] = 1;
	if (s > c->max_slot)
		c->max_slot = s;
	return s;
}

/* A commit of n tasks: tasks below both counts keep their slots. */
static void set_tasks(sl_cview_t *c, sl_cview_conn_t *cc, int n)
{
	for (int i = n; i < cc->tasks; i++)
		slot_free(c, cc->slots[i]);
	cc->slots = sl_realloc(cc->slots, sizeof(int) * (size_t)(n > 0 ? n : 1));
	for (int i = cc->tasks; i < n; i++)
		cc->slots[i] = slot_take(c);
	cc->tasks = n;
}

static void cconn_free(sl_cview_conn_t *cc)
{
	sl_config_free(cc->raw);
	free(cc->slots);
	free(cc->name);
	free(cc);
}

static void remove_cconn(sl_cview_t *c, const char *name)
{
	for (sl_cview_conn_t **pp = &c->conns; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name))
			continue;
		sl_cview_conn_t *cc = *pp;
		*pp = cc->next;
		set_tasks(c, cc, 0);
		cconn_free(cc);
		return;
	}
}

/* "<prefix><name>-<n>": name and n; false when it is not of that form. */
static bool split_task_key(const char *rest, char **name, int *n)
{
	const char *dash = strrchr(rest, '-');
	if (!dash || dash == rest || !dash[1])
		return false;
	char *end;
	long v = strtol(dash + 1, &end, 10);
	if (*end || v < 0 || v > 100000)
		return false;
	*name = sl_strndup(rest, (size_t)(dash - rest));
	*n = (int)v;
	return true;
}

static sl_config_t *properties_config(const json_t *props)
{
	sl_config_t *cfg = sl_config_new();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)props, k, v) {
		if (json_is_string(v))
			sl_config_set(cfg, k, json_string_value(v), NULL, 0);
	}
	return cfg;
}

/* Target state of a target-state record: Kafka Connect 3.5+ writes
 * "state.v2" (STARTED, PAUSED, STOPPED) beside the older "state". */
static int record_target(const json_t *v)
{
	const char *s = json_string_value(json_object_get(v, "state.v2"));
	if (!s)
		s = json_string_value(json_object_get(v, "state"));
	if (!s)
		return -1;
	if (!strcmp(s, "STARTED"))
		return SL_TARGET_RUNNING;
	if (!strcmp(s, "PAUSED"))
		return SL_TARGET_PAUSED;
	if (!strcmp(s, "STOPPED"))
		return SL_TARGET_STOPPED;
	return -1;
}

static void add_restart(sl_cview_t *c, char *name, int task, const json_t *v)
{
	sl_cview_restart_t *r = sl_calloc(1, sizeof(*r)), **pp = &c->restarts;
	r->name = name;
	r->task = task;
	r->include_tasks = json_is_true(json_object_get(v, "include-tasks"));
	r->only_failed = json_is_true(json_object_get(v, "only-failed"));
	while (*pp)
		pp = &(*pp)->next;
	*pp = r;
}

void sl_cview_apply_config(sl_cview_t *c, const char *key, const json_t *v, int64_t offset)
{
	char *name = NULL;
	int n;
	sl_cview_conn_t *cc;

	if (!strncmp(key, "connector-", 10)) {
		const json_t *props = json_object_get(v, "properties");
		if (!v) {
			remove_cconn(c, key + 10);
		} else if (json_is_object(props)) {
			cc = sl_cview_find(c, key + 10, true);
			sl_config_free(cc->raw);
			cc->raw = properties_config(props);
			cc->gen++;
		}
	} else if (!strncmp(key, "target-state-", 13)) {
		int t = v ? record_target(v) : -1;
		if (t >= 0)
			sl_cview_find(c, key + 13, true)->target = (sl_target_state_t)t;
	} else if (!strncmp(key, "commit-", 7)) {
		json_t *tj = json_object_get(v, "tasks");
		if ((cc = sl_cview_find(c, key + 7, false)) && json_is_integer(tj) &&
		    json_integer_value(tj) >= 0 && json_integer_value(tj) <= 10000) {
			/* the tasks that may have run since the last fencing */
			if (cc->tasks > cc->fence_upto)
				cc->fence_upto = cc->tasks;
			set_tasks(c, cc, (int)json_integer_value(tj));
			cc->pending_fencing = true;
			cc->commits++;
			cc->commit_gen = cc->gen;
		}
	} else if (!strncmp(key, "tasks-fencing-", 14)) {
		json_t *tj = json_object_get(v, "task-count");
		if ((cc = sl_cview_find(c, key + 14, false)) && json_is_integer(tj)) {
			cc->pending_fencing = false;
			cc->fence_upto = 0;
		}
	} else if (!strncmp(key, "restart-connector-", 18)) {
		if (v && offset >= c->live_from)
			add_restart(c, sl_strdup(key + 18), -1, v);
	} else if (!strncmp(key, "restart-task-", 13)) {
		if (v && offset >= c->live_from && split_task_key(key + 13, &name, &n))
			add_restart(c, name, n, v);
	}
	/* task-<name>-<n>: every member splits a connector itself; the
	 * records are written for Kafka Connect's tools. session-key: its
	 * inter-worker signatures, which sluice's members do not use. */
	c->version++;
}

void sl_cview_apply_status(sl_cview_t *c, const char *key, json_t *v)
{
	if (strncmp(key, "status-connector-", 17) && strncmp(key, "status-task-", 12))
		return;
	if (v)
		json_object_set(c->statuses, key, v);
	else
		json_object_del(c->statuses, key);
}

json_t *sl_cview_config_record(const sl_config_t *raw)
{
	json_t *props = json_object();
	for (size_t i = 0; i < sl_config_count(raw); i++)
		json_object_set_new(props, sl_config_at(raw, i)->key,
				    json_string(sl_config_at(raw, i)->value));
	return json_pack("{s:o}", "properties", props);
}

json_t *sl_cview_target_record(sl_target_state_t t)
{
	/* as Kafka Connect 3.5+: older readers see STOPPED as PAUSED */
	const char *v2 = t == SL_TARGET_RUNNING  ? "STARTED"
			 : t == SL_TARGET_PAUSED ? "PAUSED"
						 : "STOPPED";
	return json_pack("{s:s,s:s}", "state", t == SL_TARGET_RUNNING ? "STARTED" : "PAUSED",
			 "state.v2", v2);
}

void sl_cview_free(sl_cview_t *v)
{
	while (v->conns) {
		sl_cview_conn_t *cc = v->conns;
		v->conns = cc->next;
		cconn_free(cc);
	}
	while (v->restarts) {
		sl_cview_restart_t *r = v->restarts;
		v->restarts = r->next;
		free(r->name);
		free(r);
	}
	json_decref(v->statuses);
	free(v->used);
	memset(v, 0, sizeof(*v));
}
