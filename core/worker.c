/* The worker: lifecycle of connectors and their tasks (add, remove, pause,
 * resume, restart) over one Kafka setup and one offset store. */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"
#include "offsets.h"
#include "sluice/log.h"
#include "task.h"

typedef struct conn {
	char *name;
	sl_config_t *config;
	const sl_connector_t *plugin;
	sl_connector_settings_t settings;
	sl_task_ctx_t **tasks;
	int task_count;
	bool paused;
	char *trace; /* why the connector itself FAILED (task split) */
	struct conn *next;
} conn_t;

struct sl_worker {
	sl_config_t *config;
	sl_worker_settings_t settings;
	sl_kafka_t *kafka;
	sl_offset_store_t *offsets;
	char *worker_id;
	pthread_mutex_t lock; /* guards conns and each conn's fields */
	conn_t *conns;
};

sl_worker_t *sl_worker_new(const sl_config_t *cfg, char *errstr, size_t errstr_size)
{
	sl_worker_t *w = sl_calloc(1, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	w->config = cfg ? sl_config_dup(cfg) : sl_config_new();
	sl_errlist_t errs = {0};
	if (sl_options_load(sl_worker_options, w->config, &w->settings, &errs) != 0) {
		sl_seterr(errstr, errstr_size, "%s", errs.items[0]);
		sl_errlist_free(&errs);
		goto fail;
	}
	sl_log_set_level((sl_log_level_t)w->settings.log_level);
	w->kafka = sl_kafka_new(w->config, errstr, errstr_size);
	if (!w->kafka)
		goto fail;
	w->offsets = sl_offset_store_open(w->settings.offset_file, true, errstr, errstr_size);
	if (!w->offsets)
		goto fail;
	char host[256] = "localhost";
	gethostname(host, sizeof(host) - 1);
	w->worker_id = sl_asprintf("%s:%ld", host, (long)getpid());
	SL_INFO(NULL, "worker %s: Kafka at %s, offsets in %s", w->worker_id,
		sl_kafka_bootstrap(w->kafka), w->settings.offset_file);
	return w;
fail:
	sl_worker_free(w);
	return NULL;
}

static void conn_stop_tasks(conn_t *c)
{
	for (int i = 0; i < c->task_count; i++)
		sl_task_stop_and_free(c->tasks[i]);
	free(c->tasks);
	c->tasks = NULL;
	c->task_count = 0;
}

static void conn_free(conn_t *c)
{
	conn_stop_tasks(c);
	sl_options_free(sl_connector_common_options, &c->settings);
	sl_options_free(c->plugin->kind == SL_SOURCE ? sl_source_common_options
						     : sl_sink_common_options,
			&c->settings);
	sl_config_free(c->config);
	free(c->trace);
	free(c->name);
	free(c);
}

void sl_worker_free(sl_worker_t *w)
{
	if (!w)
		return;
	/* Stop every task first (in parallel: ask all, then join). */
	for (conn_t *c = w->conns; c; c = c->next)
		for (int i = 0; i < c->task_count; i++)
			atomic_store(&c->tasks[i]->stop, true);
	while (w->conns) {
		conn_t *c = w->conns;
		w->conns = c->next;
		conn_free(c);
	}
	sl_offset_store_close(w->offsets);
	sl_kafka_free(w->kafka);
	sl_options_free(sl_worker_options, &w->settings);
	sl_config_free(w->config);
	free(w->worker_id);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int64_t sl_worker_shutdown_timeout_ms(const sl_worker_t *w)
{
	return w->settings.shutdown_timeout_ms;
}

const char *sl_worker_bootstrap(const sl_worker_t *w)
{
	return sl_kafka_bootstrap(w->kafka);
}

static conn_t *find(sl_worker_t *w, const char *name)
{
	for (conn_t *c = w->conns; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Splits the connector into task configs and starts a thread for each. */
static int conn_start_tasks(sl_worker_t *w, conn_t *c, char *errstr, size_t errstr_size)
{
	int max = (int)c->settings.tasks_max;
	sl_config_t **cfgs = sl_calloc((size_t)max, sizeof(*cfgs));
	int n = 1;
	if (c->plugin->task_configs)
		n = c->plugin->task_configs(c->config, max, cfgs, errstr, errstr_size);
	else
		cfgs[0] = sl_config_dup(c->config);
	if (n < 0) {
		/* task_configs may have filled some slots before it failed: the
		 * contract (connector.h) makes them the worker's to free. */
		for (int i = 0; i < max; i++)
			sl_config_free(cfgs[i]);
		free(c->trace);
		c->trace = sl_strdup(errstr);
		free(cfgs);
		return -1;
	}
	sl_task_env_t env = {
		.kafka = w->kafka,
		.offsets = w->offsets,
		.plugin = c->plugin,
		.settings = &c->settings,
		.worker_config = w->config,
		.connector_config = c->config,
		.offset_flush_interval_ms = w->settings.offset_flush_interval_ms,
		.offset_flush_timeout_ms = w->settings.offset_flush_timeout_ms,
		.task_count = n,
	};
	c->tasks = sl_calloc((size_t)n, sizeof(*c->tasks));
	int rc = 0;
	for (int i = 0; i < n; i++) {
		sl_task_ctx_t *t = sl_task_new(&env, i, cfgs[i]);
		sl_config_free(cfgs[i]);
		c->tasks[c->task_count++] = t;
		if (c->paused)
			sl_task_set_paused(t, true);
		if (rc == 0 && sl_task_start(t, errstr, errstr_size) != 0)
			rc = -1;
	}
	free(cfgs);
	return rc;
}

int sl_worker_add_connector(sl_worker_t *w, const sl_config_t *cfg, char *errstr,
			    size_t errstr_size)
{
	sl_errlist_t errs = {0};
	if (sl_connector_config_validate(cfg, &errs) != 0) {
		sl_seterr(errstr, errstr_size, "%s%s", errs.items[0],
			  errs.count > 1 ? " (and more; run sluice validate)" : "");
		sl_errlist_free(&errs);
		return -1;
	}
	conn_t *c = sl_calloc(1, sizeof(*c));
	c->config = sl_config_dup(cfg);
	c->plugin = sl_plugins_find(sl_config_get(cfg, "connector.class"));
	sl_options_load(sl_connector_common_options, c->config, &c->settings, &errs);
	sl_options_load(c->plugin->kind == SL_SOURCE ? sl_source_common_options
						     : sl_sink_common_options,
			c->config, &c->settings, &errs);
	sl_errlist_free(&errs);
	c->name = sl_strdup(c->settings.name);
	pthread_mutex_lock(&w->lock);
	if (find(w, c->name)) {
		pthread_mutex_unlock(&w->lock);
		sl_seterr(errstr, errstr_size, "a connector named '%s' already exists", c->name);
		conn_free(c);
		return -1;
	}
	c->next = w->conns;
	w->conns = c;
	SL_INFO(c->name, "starting %s connector %s",
		c->plugin->kind == SL_SOURCE ? "source" : "sink", c->plugin->name);
	/* once per connector, not in every task's start */
	sl_options_log_ignored(c->plugin->options, c->config, c->name);
	int rc = conn_start_tasks(w, c, errstr, errstr_size);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int sl_worker_remove_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&w->lock);
	conn_t **pp = &w->conns;
	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->next;
	conn_t *c = *pp;
	if (c)
		*pp = c->next;
	pthread_mutex_unlock(&w->lock);
	if (!c)
		return sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
	SL_INFO(name, "removing connector");
	conn_free(c);
	return 0;
}

static int set_paused(sl_worker_t *w, const char *name, bool paused, char *errstr,
		      size_t errstr_size)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	if (c) {
		c->paused = paused;
		for (int i = 0; i < c->task_count; i++)
			sl_task_set_paused(c->tasks[i], paused);
	}
	pthread_mutex_unlock(&w->lock);
	if (!c)
		return sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
	SL_INFO(name, "connector %s", paused ? "paused" : "resumed");
	return 0;
}

int sl_worker_pause_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	return set_paused(w, name, true, errstr, errstr_size);
}

int sl_worker_resume_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	return set_paused(w, name, false, errstr, errstr_size);
}

int sl_worker_restart_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	int rc = -1;
	if (!c) {
		sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
		goto out;
	}
	SL_INFO(name, "restarting connector");
	conn_stop_tasks(c);
	free(c->trace);
	c->trace = NULL;
	rc = conn_start_tasks(w, c, errstr, errstr_size);
out:
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int sl_worker_restart_task(sl_worker_t *w, const char *name, int task, char *errstr,
			   size_t errstr_size)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	int rc = -1;
	if (!c || task < 0 || task >= c->task_count) {
		sl_seterr(errstr, errstr_size, "no task %s/%d", name, task);
		goto out;
	}
	sl_task_ctx_t *old = c->tasks[task];
	sl_task_env_t env = old->env;
	sl_config_t *cfg = sl_config_dup(old->config);
	sl_task_stop_and_free(old);
	c->tasks[task] = sl_task_new(&env, task, cfg);
	sl_config_free(cfg);
	if (c->paused)
		sl_task_set_paused(c->tasks[task], true);
	SL_INFO(c->tasks[task]->tag, "restarting task");
	rc = sl_task_start(c->tasks[task], errstr, errstr_size);
out:
	pthread_mutex_unlock(&w->lock);
	return rc;
}

json_t *sl_worker_connector_status(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	json_t *out = NULL;
	if (!c)
		goto out;
	const char *cstate = c->trace ? "FAILED" : c->paused ? "PAUSED" : "RUNNING";
	json_t *conn = json_pack("{s:s,s:s}", "state", cstate, "worker_id", w->worker_id);
	if (c->trace)
		json_object_set_new(conn, "trace", json_string(c->trace));
	json_t *tasks = json_array();
	for (int i = 0; i < c->task_count; i++) {
		char *trace = NULL;
		sl_task_state_t s = sl_task_get_state(c->tasks[i], &trace);
		json_t *tj = json_pack("{s:i,s:s,s:s}", "id", i, "state", sl_task_state_name(s),
				       "worker_id", w->worker_id);
		if (trace && s == SL_TASK_FAILED)
			json_object_set_new(tj, "trace", json_string(trace));
		free(trace);
		json_array_append_new(tasks, tj);
	}
	out = json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "connector", conn, "tasks", tasks,
			"type", c->plugin->kind == SL_SOURCE ? "source" : "sink");
out:
	pthread_mutex_unlock(&w->lock);
	return out;
}

json_t *sl_worker_connector_names(sl_worker_t *w)
{
	json_t *a = json_array();
	pthread_mutex_lock(&w->lock);
	for (conn_t *c = w->conns; c; c = c->next)
		json_array_append_new(a, json_string(c->name));
	pthread_mutex_unlock(&w->lock);
	return a;
}

bool sl_worker_any_task_alive(sl_worker_t *w)
{
	bool alive = false;
	pthread_mutex_lock(&w->lock);
	for (conn_t *c = w->conns; c && !alive; c = c->next) {
		for (int i = 0; i < c->task_count && !alive; i++) {
			sl_task_state_t s = sl_task_get_state(c->tasks[i], NULL);
			alive = s == SL_TASK_RUNNING || s == SL_TASK_PAUSED ||
				s == SL_TASK_UNASSIGNED;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return alive;
}
