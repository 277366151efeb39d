/* Restarts FAILED tasks with backoff, through the worker's public calls
 * only: status to find them, restart_task to restart them. Each task the
 * supervisor has seen has an entry: its backoff, when its next restart is
 * due, and since when it has been RUNNING. */
#include "supervisor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sluice/array.h"
#include "sluice/backoff.h"
#include "sluice/log.h"
#include "sluice/options.h"

/* How often the supervisor looks at every task's state. */
#define SCAN_INTERVAL_MS 1000

typedef struct sup_settings {
	bool enabled;
	int64_t initial_ms;
	int64_t max_ms;
} sup_settings_t;

typedef struct entry {
	char *connector;
	int task;
	sl_backoff_t backoff;
	int64_t due_ms;        /* when the restart is due; 0: none planned */
	int64_t running_since; /* monotonic ms; 0: not RUNNING at the last scan */
	bool seen;             /* in the current scan */
} entry_t;

struct sl_supervisor {
	sl_worker_t *worker;
	sup_settings_t settings;
	pthread_t thread;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;
	bool stop;
	entry_t *entries;
	size_t count, cap;
};

/* The three keys are declared once, in the worker's option table; this
 * loads them into sup_settings_t through a copy of their rows. */
static int load_settings(const sl_config_t *cfg, sup_settings_t *out, char *errstr,
			 size_t errstr_size)
{
	static const struct {
		const char *name;
		size_t offset;
	} keys[] = {
		{"tasks.restart.on.failure", offsetof(sup_settings_t, enabled)},
		{"tasks.restart.backoff.initial.ms", offsetof(sup_settings_t, initial_ms)},
		{"tasks.restart.backoff.max.ms", offsetof(sup_settings_t, max_ms)},
	};
	sl_option_t table[SL_ARRAY_LEN(keys) + 1] = {SL_OPT_END}; /* the last row ends it */
	sl_config_t *empty = cfg ? NULL : sl_config_new();
	sl_errlist_t errs = {0};

	for (size_t i = 0; i < SL_ARRAY_LEN(keys); i++) {
		const sl_option_t *o = sl_options_find(sl_worker_options, keys[i].name);
		if (!o) {
			sl_seterr(errstr, errstr_size, "worker option %s is not declared",
				  keys[i].name);
			sl_config_free(empty);
			return -1;
		}
		table[i] = *o;
		table[i].has_field = true;
		table[i].offset = keys[i].offset;
	}
	int rc = sl_options_load(table, cfg ? cfg : empty, out, &errs);
	if (rc != 0)
		sl_seterr(errstr, errstr_size, "%s", errs.items[0]);
	else if (out->max_ms < out->initial_ms)
		out->max_ms = out->initial_ms;
	sl_errlist_free(&errs);
	sl_config_free(empty);
	return rc;
}

static entry_t *find_entry(sl_supervisor_t *s, const char *connector, int task)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->entries[i].task == task && !strcmp(s->entries[i].connector, connector))
			return &s->entries[i];
	return NULL;
}

static entry_t *get_entry(sl_supervisor_t *s, const char *connector, int task)
{
	entry_t *e = find_entry(s, connector, task);
	if (e)
		return e;
	SL_ARRAY_RESERVE(s->entries, s->count + 1, s->cap);
	e = &s->entries[s->count++];
	memset(e, 0, sizeof(*e));
	e->connector = sl_strdup(connector);
	e->task = task;
	/* Seeded per task so that tasks that failed together restart apart. */
	sl_backoff_init(&e->backoff, s->settings.initial_ms, s->settings.max_ms,
			(uint64_t)sl_wallclock_ms() ^ ((uint64_t)(uintptr_t)e->connector << 8) ^
				(uint64_t)task);
	return e;
}

/* Forgets the tasks of connectors that were removed (not seen this scan). */
static void drop_unseen(sl_supervisor_t *s)
{
	size_t kept = 0;
	for (size_t i = 0; i < s->count; i++) {
		if (s->entries[i].seen)
			s->entries[kept++] = s->entries[i];
		else
			free(s->entries[i].connector);
	}
	s->count = kept;
}

/* Half of the wait fixed, so that a restart never follows its failure at
 * once; half random, so that tasks that failed together (a broker gone)
 * do not come back together. */
int64_t sl_supervisor_restart_delay(sl_backoff_t *b)
{
	int64_t cap = b->base_ms;
	for (uint32_t i = 0; i < b->attempt && cap < b->max_ms; i++)
		cap *= 2;
	if (cap > b->max_ms)
		cap = b->max_ms;
	return cap / 2 + sl_backoff_next(b) / 2;
}

/* A FAILED task: plans its restart, or does it when due. Called with the
 * lock held; the restart itself runs without it (it stops the old task,
 * which may take a while) and sl_supervisor_attempts must not wait. */
static void on_failed(sl_supervisor_t *s, entry_t *e, const char *tag, const char *trace,
		      int64_t now)
{
	e->running_since = 0;
	if (e->due_ms == 0) {
		int64_t delay = sl_supervisor_restart_delay(&e->backoff);
		e->due_ms = now + delay;
		SL_WARN(tag, "task failed: %s; restarting it in %lld ms (attempt %u)",
			trace ? trace : "(no reason given)", (long long)delay,
			(unsigned)e->backoff.attempt);
		return;
	}
	if (now < e->due_ms)
		return;
	char *connector = sl_strdup(e->connector), err[512];
	int task = e->task;
	unsigned attempt = e->backoff.attempt;
	e->due_ms = 0;
	pthread_mutex_unlock(&s->lock);
	SL_INFO(tag, "restarting the failed task (attempt %u)", attempt);
	if (sl_worker_restart_task(s->worker, connector, task, err, sizeof(err)) != 0)
		SL_WARN(tag, "restart (attempt %u) failed: %s", attempt, err);
	pthread_mutex_lock(&s->lock);
	free(connector);
}

/* A task that is not FAILED: a planned restart is off (someone restarted
 * it already), and one that has run for the longest wait starts again
 * from the initial delay when it next fails. */
static void on_alive(sl_supervisor_t *s, entry_t *e, const char *tag, bool running, int64_t now)
{
	e->due_ms = 0;
	if (!running) {
		e->running_since = 0;
		return;
	}
	if (e->running_since == 0)
		e->running_since = now;
	if (e->backoff.attempt > 0 && now - e->running_since >= s->settings.max_ms) {
		SL_INFO(tag,
			"task has run for %lld ms since its restart: the next failure waits "
			"%lld ms again",
			(long long)(now - e->running_since), (long long)s->settings.initial_ms);
		sl_backoff_reset(&e->backoff);
	}
}

/* Looks at every task of one connector. Called with the lock held. */
static void scan_connector(sl_supervisor_t *s, const char *name, int64_t now)
{
	json_t *st = sl_worker_connector_status(s->worker, name);
	json_t *tasks = json_object_get(st, "tasks"), *t;
	size_t i;

	json_array_foreach(tasks, i, t) {
		int id = (int)json_integer_value(json_object_get(t, "id"));
		const char *state = json_string_value(json_object_get(t, "state"));
		char *tag = sl_asprintf("%s/%d", name, id);
		entry_t *e = get_entry(s, name, id);
		e->seen = true;
		if (state && !strcmp(state, "FAILED"))
			on_failed(s, e, tag, json_string_value(json_object_get(t, "trace")), now);
		else
			on_alive(s, e, tag, state && !strcmp(state, "RUNNING"), now);
		free(tag);
	}
	json_decref(st);
}

/* One look at every task; returns when the next look is due. */
static int64_t scan(sl_supervisor_t *s)
{
	json_t *names = sl_worker_connector_names(s->worker), *n;
	int64_t now = sl_now_ms(), next = now + SCAN_INTERVAL_MS;
	size_t i;

	for (i = 0; i < s->count; i++)
		s->entries[i].seen = false;
	json_array_foreach(names, i, n)
		scan_connector(s, json_string_value(n), now);
	json_decref(names);
	drop_unseen(s);
	for (i = 0; i < s->count; i++)
		if (s->entries[i].due_ms && s->entries[i].due_ms < next)
			next = s->entries[i].due_ms;
	return next;
}

static void *supervisor_main(void *arg)
{
	sl_supervisor_t *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		int64_t next = scan(s);
		struct timespec until = {.tv_sec = (time_t)(next / 1000),
					 .tv_nsec = (long)(next % 1000) * 1000000};
		/* The condition variable runs on the monotonic clock, as sl_now_ms. */
		while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

sl_supervisor_t *sl_supervisor_start(sl_worker_t *w, const sl_config_t *cfg, char *errstr,
				     size_t errstr_size)
{
	sup_settings_t settings = {0};
	pthread_condattr_t ca;

	if (errstr && errstr_size)
		errstr[0] = '\0';
	if (load_settings(cfg, &settings, errstr, errstr_size) != 0 || !settings.enabled)
		return NULL;
	sl_supervisor_t *s = sl_calloc(1, sizeof(*s));
	s->worker = w;
	s->settings = settings;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	int err = pthread_create(&s->thread, NULL, supervisor_main, s);
	if (err) {
		sl_seterr(errstr, errstr_size, "cannot start the task supervisor thread: %s",
			  strerror(err));
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	SL_INFO(NULL, "failed tasks are restarted after %lld ms, doubling up to %lld ms",
		(long long)settings.initial_ms, (long long)settings.max_ms);
	return s;
}

void sl_supervisor_stop(sl_supervisor_t *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->count; i++)
		free(s->entries[i].connector);
	free(s->entries);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

unsigned sl_supervisor_attempts(sl_supervisor_t *s, const char *connector, int task)
{
	unsigned n = 0;

	pthread_mutex_lock(&s->lock);
	entry_t *e = find_entry(s, connector, task);
	if (e)
		n = e->backoff.attempt;
	pthread_mutex_unlock(&s->lock);
	return n;
}
