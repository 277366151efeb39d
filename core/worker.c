/* The worker: lifecycle of connectors and their tasks (add, remove, pause,
 * resume, restart) over one Kafka setup and one offset store. */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "kafka.h"
#include "offsets.h"
#include "rest.h"
#include "rest_store.h"
#include "sluice/log.h"
#include "task.h"

typedef struct conn {
	char *name;
	sl_config_t *raw;    /* as given: shown by the API and persisted */
	sl_config_t *config; /* raw with config provider references resolved */
	const sl_connector_t *plugin;
	sl_connector_settings_t settings;
	sl_task_ctx_t **tasks;
	int task_count;
	sl_target_state_t target;
	char *trace;    /* why the connector itself FAILED (task split) */
	json_t *topics; /* topics used since the last reset: an object used as a set */
	bool stored;    /* it has a file in connector.config.dir */
	struct conn *next;
} conn_t;

struct sl_worker {
	sl_config_t *config;
	sl_worker_settings_t settings;
	sl_kafka_t *kafka;
	sl_offset_store_t *offsets;
	char *worker_id;
	/* Changes (add, remove, state, config, offsets) take ops first, so
	 * that one runs at a time and may take long (tasks drain) without
	 * holding lock, which readers (status) take only briefly. */
	pthread_mutex_t ops;
	pthread_mutex_t lock; /* guards conns and each conn's fields */
	conn_t *conns;
	pthread_mutex_t admin_lock; /* guards admin */
	rd_kafka_t *admin;          /* made on first use: offsets, cluster id */
	sl_cluster_t *cluster;      /* distributed mode; NULL: standalone */
	char *first_worker_id;      /* the id before the cluster named this member */
};

/* Whether task i of c runs on this worker: always standalone; in
 * distributed mode when this member holds its slot. */
static bool runs_here(sl_worker_t *w, const conn_t *c, int i)
{
	return !w->cluster || sl_cluster_owns(w->cluster, c->name, i,
					      c->plugin && c->plugin->kind == SL_SOURCE &&
						      w->settings.eos_source == 2);
}

sl_worker_t *sl_worker_new(const sl_config_t *cfg, char *errstr, size_t errstr_size)
{
	sl_worker_t *w = sl_calloc(1, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->ops, NULL);
	pthread_mutex_init(&w->admin_lock, NULL);
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
	const sl_worker_settings_t *ws = &w->settings;
	if (ws->offset_topic) {
		w->offsets = sl_offset_store_open_kafka(
			w->kafka, ws->offset_topic, (int)ws->offset_topic_partitions,
			(int)ws->offset_topic_replication_factor, errstr, errstr_size);
		/* a record that does not parse would lose its position */
		if (w->offsets && sl_offset_store_verify(w->offsets, errstr, errstr_size) != 0) {
			sl_offset_store_close(w->offsets);
			w->offsets = NULL;
		}
	} else {
		w->offsets = sl_offset_store_open(ws->offset_file, true, errstr, errstr_size);
	}
	if (!w->offsets)
		goto fail;
	char host[256] = "localhost";
	gethostname(host, sizeof(host) - 1);
	w->worker_id = sl_asprintf("%s:%ld", host, (long)getpid());
	if (ws->group_id) {
		w->cluster = sl_cluster_new(w, w->kafka, ws, errstr, errstr_size);
		if (!w->cluster)
			goto fail;
	}
	SL_INFO(NULL, "worker %s: Kafka at %s, offsets in %s%s", w->worker_id,
		sl_kafka_bootstrap(w->kafka), ws->offset_topic ? "topic " : "",
		ws->offset_topic ? ws->offset_topic : ws->offset_file);
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
	sl_config_free(c->raw);
	json_decref(c->topics);
	free(c->trace);
	free(c->name);
	free(c);
}

void sl_worker_free(sl_worker_t *w)
{
	if (!w)
		return;
	/* Leave the cluster first: it stops the tasks it started. */
	sl_cluster_free(w->cluster);
	w->cluster = NULL;
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
	if (w->admin)
		rd_kafka_destroy(w->admin);
	sl_kafka_free(w->kafka);
	sl_options_free(sl_worker_options, &w->settings);
	sl_config_free(w->config);
	free(w->worker_id);
	free(w->first_worker_id);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->ops);
	pthread_mutex_destroy(&w->admin_lock);
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

const char *sl_target_state_name(sl_target_state_t s)
{
	static const char *const names[] = {"RUNNING", "PAUSED", "STOPPED"};
	return (unsigned)s < SL_ARRAY_LEN(names) ? names[s] : "UNKNOWN";
}

int sl_target_state_parse(const char *s)
{
	for (int i = SL_TARGET_RUNNING; i <= SL_TARGET_STOPPED; i++)
		if (s && !strcmp(s, sl_target_state_name((sl_target_state_t)i)))
			return i;
	return -1;
}

/* Splits the connector into task configs and starts a thread for each;
 * the tasks become visible to readers (under the lock) once all exist.
 * Called with ops held and no task running. */
static int conn_start_tasks(sl_worker_t *w, conn_t *c, char *errstr, size_t errstr_size)
{
	int max = (int)c->settings.tasks_max;
	sl_config_t **cfgs = sl_calloc((size_t)max, sizeof(*cfgs));
	int n = 1;
	sl_metrics_startup(SL_STARTUP_CONNECTOR_ATTEMPT);
	if (c->plugin->kind == SL_SOURCE && c->settings.eos_required && w->settings.eos_source != 2)
		n = sl_seterr(errstr, errstr_size,
			      "exactly.once.support=required, but the worker's "
			      "exactly.once.source.support is not enabled");
	else if (c->plugin->task_configs)
		n = c->plugin->task_configs(c->config, max, cfgs, errstr, errstr_size);
	else
		cfgs[0] = sl_config_dup(c->config);
	if (n < 0) {
		/* task_configs may have filled some slots before it failed: the
		 * contract (connector.h) makes them the worker's to free. */
		for (int i = 0; i < max; i++)
			sl_config_free(cfgs[i]);
		pthread_mutex_lock(&w->lock);
		free(c->trace);
		c->trace = sl_strdup(errstr);
		pthread_mutex_unlock(&w->lock);
		free(cfgs);
		sl_metrics_startup(SL_STARTUP_CONNECTOR_FAILURE);
		return -1;
	}
	sl_metrics_startup(SL_STARTUP_CONNECTOR_SUCCESS);
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
		.lease_until_ms = w->cluster ? sl_cluster_lease(w->cluster) : NULL,
		.txn_id_prefix = c->plugin->kind == SL_SOURCE && w->settings.eos_source == 2
					 ? w->settings.group_id
					 : NULL,
	};
	sl_task_ctx_t **tasks = sl_calloc((size_t)n, sizeof(*tasks));
	int rc = 0;
	for (int i = 0; i < n; i++) {
		tasks[i] = sl_task_new(&env, i, cfgs[i]);
		sl_config_free(cfgs[i]);
		if (c->target == SL_TARGET_PAUSED)
			sl_task_set_paused(tasks[i], true);
		if (rc == 0 && runs_here(w, c, i) &&
		    sl_task_start(tasks[i], errstr, errstr_size) != 0)
			rc = -1;
	}
	free(cfgs);
	pthread_mutex_lock(&w->lock);
	free(c->trace);
	c->trace = NULL;
	c->tasks = tasks;
	c->task_count = n;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* Takes the connector's tasks away under the lock and stops them outside
 * it (they drain and store their offsets), all at once. Called with ops
 * held. */
static void conn_halt(sl_worker_t *w, conn_t *c)
{
	pthread_mutex_lock(&w->lock);
	sl_task_ctx_t **tasks = c->tasks;
	int n = c->task_count;
	c->tasks = NULL;
	c->task_count = 0;
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < n; i++)
		atomic_store(&tasks[i]->stop, true);
	for (int i = 0; i < n; i++)
		sl_task_stop_and_free(tasks[i]);
	free(tasks);
}

/* Loads the typed common settings of a validated config into c. */
static void conn_load_settings(conn_t *c)
{
	sl_errlist_t errs = {0};
	c->plugin = sl_plugins_find(sl_config_get(c->config, "connector.class"));
	sl_options_load(sl_connector_common_options, c->config, &c->settings, &errs);
	sl_options_load(c->plugin->kind == SL_SOURCE ? sl_source_common_options
						     : sl_sink_common_options,
			c->config, &c->settings, &errs);
	sl_errlist_free(&errs);
}

static void conn_free_settings(conn_t *c)
{
	sl_options_free(sl_connector_common_options, &c->settings);
	sl_options_free(c->plugin->kind == SL_SOURCE ? sl_source_common_options
						     : sl_sink_common_options,
			&c->settings);
	memset(&c->settings, 0, sizeof(c->settings));
}

/* The topics c uses by its config: a sink's topics, a source's topic
 * keys. Called with the lock held. */
static void conn_note_config_topics(conn_t *c)
{
	static const char *const source_keys[] = {"topic", "kafka.topic"};
	if (!c->topics)
		c->topics = json_object();
	for (char **t = c->settings.topics; t && *t; t++)
		json_object_set_new(c->topics, *t, json_true());
	for (size_t i = 0; c->plugin->kind == SL_SOURCE && i < SL_ARRAY_LEN(source_keys); i++) {
		const char *v = sl_config_get(c->config, source_keys[i]);
		if (v && *v)
			json_object_set_new(c->topics, v, json_true());
	}
}

/* Writes c to connector.config.dir when it is set; a failure is logged (the
 * connector runs on, and would not come back after a restart). */
static void conn_persist(sl_worker_t *w, conn_t *c)
{
	char err[512];
	if (!w->settings.connector_config_dir || !*w->settings.connector_config_dir)
		return;
	pthread_mutex_lock(&w->lock);
	int rc = sl_connector_store_write(w->settings.connector_config_dir, c->name, c->raw,
					  sl_target_state_name(c->target), err, sizeof(err));
	c->stored = c->stored || rc == 0;
	pthread_mutex_unlock(&w->lock);
	if (rc != 0)
		SL_ERROR(c->name, "%s", err);
}

/* Puts the new connector c (owning raw and config) into the list, or
 * replaces the config of the existing one of its name. Called with ops
 * held. */
static sl_worker_err_t install(sl_worker_t *w, conn_t *c, bool replace, bool *created, char *errstr,
			       size_t errstr_size)
{
	pthread_mutex_lock(&w->lock);
	conn_t *old = find(w, c->name);
	if (!old) {
		c->next = w->conns;
		w->conns = c;
		conn_note_config_topics(c);
	}
	pthread_mutex_unlock(&w->lock);
	if (created)
		*created = !old;
	if (old && !replace) {
		sl_seterr(errstr, errstr_size, "a connector named '%s' already exists", c->name);
		conn_free(c);
		return SL_WERR_CONFLICT;
	}
	if (old) {
		/* The tasks borrow the config and settings: stop them first. */
		conn_halt(w, old);
		pthread_mutex_lock(&w->lock);
		conn_free_settings(old);
		sl_config_free(old->raw);
		sl_config_free(old->config);
		old->raw = c->raw;
		old->config = c->config;
		c->raw = c->config = NULL;
		conn_load_settings(old);
		conn_note_config_topics(old);
		pthread_mutex_unlock(&w->lock);
		conn_free_settings(c);
		c->plugin = old->plugin;
		conn_free(c);
		c = old;
		SL_INFO(c->name, "config replaced; restarting tasks");
	} else {
		SL_INFO(c->name, "starting %s connector %s (%s)",
			c->plugin->kind == SL_SOURCE ? "source" : "sink", c->plugin->name,
			sl_target_state_name(c->target));
	}
	/* once per connector, not in every task's start */
	sl_options_log_ignored(c->plugin->options, c->config, c->name);
	if (c->target != SL_TARGET_STOPPED && conn_start_tasks(w, c, errstr, errstr_size) != 0)
		return SL_WERR_FAILED;
	return SL_WERR_NONE;
}

static conn_t *conn_new(sl_config_t *raw, sl_config_t *config, sl_target_state_t target)
{
	conn_t *c = sl_calloc(1, sizeof(*c));
	c->raw = raw;
	c->config = config;
	c->target = target;
	conn_load_settings(c);
	c->name = sl_strdup(c->settings.name);
	return c;
}

/* The first problem of errs, and a hint when there are more. */
static void first_error(sl_errlist_t *errs, char *errstr, size_t errstr_size)
{
	sl_seterr(errstr, errstr_size, "%s%s", errs->items[0],
		  errs->count > 1 ? " (and more; run sluice validate)" : "");
}

int sl_worker_add_connector(sl_worker_t *w, const sl_config_t *cfg, char *errstr,
			    size_t errstr_size)
{
	sl_errlist_t errs = {0};
	if (sl_connector_config_validate(cfg, &errs) != 0) {
		first_error(&errs, errstr, errstr_size);
		sl_errlist_free(&errs);
		return -1;
	}
	/* Loaded from a file: already resolved; the API hides what a provider
	 * gave (the raw reference is gone). */
	conn_t *c = conn_new(sl_config_dup(cfg), sl_config_dup(cfg), SL_TARGET_RUNNING);
	pthread_mutex_lock(&w->ops);
	sl_worker_err_t e = install(w, c, false, NULL, errstr, errstr_size);
	pthread_mutex_unlock(&w->ops);
	return e == SL_WERR_NONE ? 0 : -1;
}

/* The connector's config resolved and checked; NULL after adding every
 * problem to errs. */
static sl_config_t *resolve_checked(sl_worker_t *w, const sl_config_t *raw, sl_errlist_t *errs)
{
	sl_config_t *resolved = sl_config_dup(raw);
	if (sl_config_resolve_with(resolved, w->config, errs) != 0 ||
	    sl_connector_config_validate(resolved, errs) != 0) {
		sl_config_free(resolved);
		return NULL;
	}
	return resolved;
}

/* Whether the connector exists here (in distributed mode: in the view this
 * member applied). */
static bool exists(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	bool found = find(w, name) != NULL;
	pthread_mutex_unlock(&w->lock);
	return found;
}

static sl_worker_err_t not_found(const char *name, char *errstr, size_t errstr_size)
{
	sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
	return SL_WERR_NOT_FOUND;
}

/* Distributed mode: the change goes to the config topic. */
static sl_worker_err_t put_cluster(sl_worker_t *w, const sl_config_t *raw,
				   sl_target_state_t initial, bool replace, bool *created,
				   sl_errlist_t *errs)
{
	char err[1024];
	sl_config_t *resolved = resolve_checked(w, raw, errs);
	if (!resolved)
		return SL_WERR_INVALID;
	sl_config_free(resolved);
	const char *name = sl_config_get(raw, "name");
	bool old = exists(w, name);
	if (created)
		*created = !old;
	if (old && !replace) {
		sl_errlist_addf(errs, "a connector named '%s' already exists", name);
		return SL_WERR_CONFLICT;
	}
	if (sl_cluster_put_connector(w->cluster, name, raw,
				     !old && initial != SL_TARGET_RUNNING ? (int)initial : -1, err,
				     sizeof(err)) != 0) {
		sl_errlist_addf(errs, "%s", err);
		return SL_WERR_FAILED;
	}
	return SL_WERR_NONE;
}

/* The connector made or replaced here (standalone, or a member applying
 * the config topic). */
static sl_worker_err_t put_here(sl_worker_t *w, const sl_config_t *raw, sl_target_state_t initial,
				bool replace, bool *created, sl_errlist_t *errs)
{
	char err[1024];
	sl_config_t *resolved = resolve_checked(w, raw, errs);
	if (!resolved)
		return SL_WERR_INVALID;
	conn_t *c = conn_new(sl_config_dup(raw), resolved, initial);
	char *name = sl_strdup(c->name);
	pthread_mutex_lock(&w->ops);
	sl_worker_err_t e = install(w, c, replace, created, err, sizeof(err));
	if (e == SL_WERR_NONE || e == SL_WERR_FAILED) {
		pthread_mutex_lock(&w->lock);
		conn_t *now = find(w, name);
		pthread_mutex_unlock(&w->lock);
		if (now)
			conn_persist(w, now);
	}
	pthread_mutex_unlock(&w->ops);
	if (e != SL_WERR_NONE)
		sl_errlist_addf(errs, "%s", err);
	free(name);
	return e;
}

sl_worker_err_t sl_worker_put_connector(sl_worker_t *w, const sl_config_t *raw,
					sl_target_state_t initial, bool replace, bool *created,
					sl_errlist_t *errs)
{
	return w->cluster ? put_cluster(w, raw, initial, replace, created, errs)
			  : put_here(w, raw, initial, replace, created, errs);
}

/* Unlinks the connector and stops it; with forget, its stored file goes. */
static sl_worker_err_t remove_conn(sl_worker_t *w, const char *name, bool forget, char *errstr,
				   size_t errstr_size)
{
	pthread_mutex_lock(&w->ops);
	pthread_mutex_lock(&w->lock);
	conn_t **pp = &w->conns;
	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->next;
	conn_t *c = *pp;
	if (c)
		*pp = c->next;
	pthread_mutex_unlock(&w->lock);
	if (c) {
		SL_INFO(name, "removing connector");
		conn_free(c);
		if (forget && w->settings.connector_config_dir && *w->settings.connector_config_dir)
			sl_connector_store_remove(w->settings.connector_config_dir, name);
	}
	pthread_mutex_unlock(&w->ops);
	if (!c) {
		sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
		return SL_WERR_NOT_FOUND;
	}
	return SL_WERR_NONE;
}

int sl_worker_remove_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	return remove_conn(w, name, false, errstr, errstr_size) == SL_WERR_NONE ? 0 : -1;
}

sl_worker_err_t sl_worker_delete_connector(sl_worker_t *w, const char *name, char *errstr,
					   size_t errstr_size)
{
	if (w->cluster) {
		if (!exists(w, name))
			return not_found(name, errstr, errstr_size);
		return sl_cluster_delete_connector(w->cluster, name, errstr, errstr_size)
			       ? SL_WERR_FAILED
			       : SL_WERR_NONE;
	}
	return remove_conn(w, name, true, errstr, errstr_size);
}

/* Moves the connector to target: pausing and resuming flip the tasks'
 * pause flags, stopping stops them, leaving STOPPED starts them. */
static sl_worker_err_t set_target(sl_worker_t *w, const char *name, sl_target_state_t target,
				  char *errstr, size_t errstr_size)
{
	sl_worker_err_t e = SL_WERR_NONE;
	pthread_mutex_lock(&w->ops);
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	sl_target_state_t was = c ? c->target : SL_TARGET_RUNNING;
	if (c) {
		c->target = target;
		for (int i = 0; i < c->task_count && target != SL_TARGET_STOPPED; i++)
			sl_task_set_paused(c->tasks[i], target == SL_TARGET_PAUSED);
	}
	pthread_mutex_unlock(&w->lock);
	if (!c) {
		sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
		e = SL_WERR_NOT_FOUND;
		goto out;
	}
	if (target == SL_TARGET_STOPPED && was != SL_TARGET_STOPPED)
		conn_halt(w, c);
	else if (was == SL_TARGET_STOPPED && target != SL_TARGET_STOPPED &&
		 conn_start_tasks(w, c, errstr, errstr_size) != 0)
		e = SL_WERR_FAILED;
	if (was != target) {
		SL_INFO(name, "connector %s",
			target == SL_TARGET_RUNNING  ? "resumed"
			: target == SL_TARGET_PAUSED ? "paused"
						     : "stopped");
		conn_persist(w, c);
	}
out:
	pthread_mutex_unlock(&w->ops);
	return e;
}

/* set_target, or in distributed mode its record in the config topic. */
static sl_worker_err_t move_to(sl_worker_t *w, const char *name, sl_target_state_t target,
			       char *errstr, size_t errstr_size)
{
	if (!w->cluster)
		return set_target(w, name, target, errstr, errstr_size);
	if (!exists(w, name))
		return not_found(name, errstr, errstr_size);
	return sl_cluster_set_target(w->cluster, name, target, errstr, errstr_size) ? SL_WERR_FAILED
										    : SL_WERR_NONE;
}

int sl_worker_pause_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	return move_to(w, name, SL_TARGET_PAUSED, errstr, errstr_size) ? -1 : 0;
}

int sl_worker_resume_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	return move_to(w, name, SL_TARGET_RUNNING, errstr, errstr_size) ? -1 : 0;
}

sl_worker_err_t sl_worker_stop_connector(sl_worker_t *w, const char *name, char *errstr,
					 size_t errstr_size)
{
	return move_to(w, name, SL_TARGET_STOPPED, errstr, errstr_size);
}

int sl_worker_restart_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size)
{
	return sl_worker_restart(w, name, true, false, NULL, errstr, errstr_size) ? -1 : 0;
}

/* Replaces task i by a new one with the same config: the new context is
 * swapped in under the lock before the old one stops, so readers always
 * see a live task. Called with ops held. */
static int replace_task(sl_worker_t *w, conn_t *c, int i, char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&w->lock);
	sl_task_ctx_t *old = c->tasks[i];
	sl_task_ctx_t *t = sl_task_new(&old->env, i, old->config);
	if (c->target == SL_TARGET_PAUSED)
		sl_task_set_paused(t, true);
	c->tasks[i] = t;
	pthread_mutex_unlock(&w->lock);
	sl_task_stop_and_free(old);
	if (!runs_here(w, c, i))
		return 0;
	SL_INFO(t->tag, "restarting task");
	return sl_task_start(t, errstr, errstr_size);
}

/* Marks in status (a connector status) what a restart will restart as
 * RESTARTING, as Kafka Connect's 202 answer does. */
static void mark_restarting(json_t *status, bool conn, const bool *tasks, int n)
{
	if (conn)
		json_object_set_new(json_object_get(status, "connector"), "state",
				    json_string("RESTARTING"));
	json_t *arr = json_object_get(status, "tasks");
	for (int i = 0; i < n && i < (int)json_array_size(arr); i++)
		if (tasks[i])
			json_object_set_new(json_array_get(arr, (size_t)i), "state",
					    json_string("RESTARTING"));
}

/* Distributed mode: the restart goes to the config topic; every member
 * restarts what it runs. */
static sl_worker_err_t restart_cluster(sl_worker_t *w, const char *name, bool include_tasks,
				       bool only_failed, json_t **status_out, char *errstr,
				       size_t errstr_size)
{
	json_t *status = sl_worker_connector_status(w, name);
	if (!status)
		return not_found(name, errstr, errstr_size);
	json_t *arr = json_object_get(status, "tasks");
	size_t n = json_array_size(arr);
	bool *pick = sl_calloc(n + 1, sizeof(*pick));
	for (size_t i = 0; i < n && include_tasks; i++)
		pick[i] =
			!only_failed ||
			!strcmp(json_string_value(json_object_get(json_array_get(arr, i), "state")),
				"FAILED");
	const char *cs =
		json_string_value(json_object_get(json_object_get(status, "connector"), "state"));
	mark_restarting(status, !only_failed || (cs && !strcmp(cs, "FAILED")), pick, (int)n);
	free(pick);
	int rc = sl_cluster_restart(w->cluster, name, -1, include_tasks, only_failed, errstr,
				    errstr_size);
	if (status_out)
		*status_out = status;
	else
		json_decref(status);
	return rc ? SL_WERR_FAILED : SL_WERR_NONE;
}

sl_worker_err_t sl_worker_restart(sl_worker_t *w, const char *name, bool include_tasks,
				  bool only_failed, json_t **status_out, char *errstr,
				  size_t errstr_size)
{
	if (w->cluster)
		return restart_cluster(w, name, include_tasks, only_failed, status_out, errstr,
				       errstr_size);
	sl_worker_err_t e = SL_WERR_NONE;
	pthread_mutex_lock(&w->ops);
	json_t *status = sl_worker_connector_status(w, name);
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	int n = c ? c->task_count : 0;
	bool conn_failed = c && c->trace, stopped = c && c->target == SL_TARGET_STOPPED;
	bool *pick = sl_calloc((size_t)n + 1, sizeof(*pick));
	for (int i = 0; i < n && include_tasks; i++)
		pick[i] = !only_failed || sl_task_get_state(c->tasks[i], NULL) == SL_TASK_FAILED;
	pthread_mutex_unlock(&w->lock);
	if (!c) {
		sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
		e = SL_WERR_NOT_FOUND;
		goto out;
	}
	bool redo_conn = (!only_failed || conn_failed) && !stopped;
	mark_restarting(status, redo_conn, pick, n);
	SL_INFO(name, "restarting connector%s", include_tasks ? " and tasks" : "");
	if (conn_failed && !stopped) {
		/* The task split failed: split again, which starts every task. */
		conn_halt(w, c);
		if (conn_start_tasks(w, c, errstr, errstr_size) != 0)
			e = SL_WERR_FAILED;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (pick[i] && replace_task(w, c, i, errstr, errstr_size) != 0)
			e = SL_WERR_FAILED;
out:
	pthread_mutex_unlock(&w->ops);
	free(pick);
	if (status_out)
		*status_out = status;
	else
		json_decref(status);
	return e;
}

int sl_worker_restart_task(sl_worker_t *w, const char *name, int task, char *errstr,
			   size_t errstr_size)
{
	if (w->cluster) {
		pthread_mutex_lock(&w->lock);
		conn_t *c = find(w, name);
		bool ok = c && task >= 0 && task < c->task_count;
		pthread_mutex_unlock(&w->lock);
		if (!ok)
			return sl_seterr(errstr, errstr_size, "no task %s/%d", name, task);
		return sl_cluster_restart(w->cluster, name, task, false, false, errstr,
					  errstr_size);
	}
	pthread_mutex_lock(&w->ops);
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	bool ok = c && task >= 0 && task < c->task_count;
	pthread_mutex_unlock(&w->lock);
	int rc = -1;
	if (!ok)
		sl_seterr(errstr, errstr_size, "no task %s/%d", name, task);
	else
		rc = replace_task(w, c, task, errstr, errstr_size);
	pthread_mutex_unlock(&w->ops);
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

/* Whether key holds a secret for c: a password option of its tables, or a
 * key that looks like one. */
static bool conn_key_is_secret(const conn_t *c, const char *key)
{
	const sl_option_t *tables[] = {c->plugin->options, sl_connector_common_options,
				       c->plugin->kind == SL_SOURCE ? sl_source_common_options
								    : sl_sink_common_options};
	for (size_t i = 0; i < SL_ARRAY_LEN(tables); i++) {
		const sl_option_t *o = tables[i] ? sl_options_find(tables[i], key) : NULL;
		if (o && o->type == SL_OPT_PASSWORD)
			return true;
	}
	return sl_config_key_is_secret(key);
}

/* cfg as the API shows it: a config provider reference as it was given, a
 * value a provider resolved or a secret as "[hidden]". */
static json_t *shown_config(const conn_t *c, const sl_config_t *cfg)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sl_config_count(cfg); i++) {
		const sl_config_entry_t *e = sl_config_at(cfg, i);
		bool reference = strstr(e->value, "${") != NULL && !e->from_provider;
		bool hide = e->from_provider || (!reference && conn_key_is_secret(c, e->key));
		json_object_set_new(o, e->key, json_string(hide ? "[hidden]" : e->value));
	}
	return o;
}

json_t *sl_worker_connector_config(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	json_t *o = c ? shown_config(c, c->raw) : NULL;
	pthread_mutex_unlock(&w->lock);
	return o;
}

sl_config_t *sl_worker_connector_raw_config(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	sl_config_t *cfg = c ? sl_config_dup(c->raw) : NULL;
	pthread_mutex_unlock(&w->lock);
	return cfg;
}

static const char *kind_name(const conn_t *c)
{
	return c->plugin->kind == SL_SOURCE ? "source" : "sink";
}

json_t *sl_worker_connector_info(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	json_t *o = NULL;
	if (c) {
		json_t *tasks = json_array();
		for (int i = 0; i < c->task_count; i++)
			json_array_append_new(
				tasks, json_pack("{s:s,s:i}", "connector", c->name, "task", i));
		o = json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "config",
			      shown_config(c, c->raw), "tasks", tasks, "type", kind_name(c));
	}
	pthread_mutex_unlock(&w->lock);
	return o;
}

/* A task's "task.class", as Kafka Connect names it: the connector class
 * the config gives with "Connector" turned into "Task" (Kafka Connect's
 * convention: FileStreamSourceConnector runs FileStreamSourceTask), else
 * sluice's connector name with "-task". */
static json_t *task_class(const conn_t *c)
{
	const char *cls = sl_config_get(c->config, "connector.class");
	size_t n = cls ? strlen(cls) : 0, suffix = strlen("Connector");
	if (n > suffix && !strcmp(cls + n - suffix, "Connector"))
		return json_sprintf("%.*sTask", (int)(n - suffix), cls);
	return json_sprintf("%s-task", c->plugin->name);
}

json_t *sl_worker_task_configs(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	json_t *a = c ? json_array() : NULL;
	for (int i = 0; c && i < c->task_count; i++) {
		json_t *cfg = shown_config(c, c->tasks[i]->config);
		json_object_set_new(cfg, "task.class", task_class(c));
		json_array_append_new(a, json_pack("{s:{s:s,s:i},s:o}", "id", "connector", c->name,
						   "task", i, "config", cfg));
	}
	pthread_mutex_unlock(&w->lock);
	return a;
}

/* A task another member runs, as the status topic says. */
static json_t *remote_task_status(sl_worker_t *w, const char *name, int id)
{
	json_t *rec = sl_cluster_status(w->cluster, name, id);
	const char *state = json_string_value(json_object_get(rec, "state"));
	const char *wid = json_string_value(json_object_get(rec, "worker_id"));
	json_t *tj = json_pack("{s:i,s:s,s:s,s:s}", "id", id, "state", state ? state : "UNASSIGNED",
			       "worker_id", wid ? wid : w->worker_id, "version", SLUICE_VERSION);
	json_t *trace = json_object_get(rec, "trace");
	if (json_is_string(trace) && state && !strcmp(state, "FAILED"))
		json_object_set(tj, "trace", trace);
	json_decref(rec);
	return tj;
}

static json_t *task_status(sl_worker_t *w, sl_task_ctx_t *t, int id)
{
	if (w->cluster && !t->thread_started)
		return remote_task_status(w, t->env.settings->name, id);
	char *trace = NULL;
	sl_task_state_t s = sl_task_get_state(t, &trace);
	json_t *tj = json_pack("{s:i,s:s,s:s,s:s}", "id", id, "state", sl_task_state_name(s),
			       "worker_id", w->worker_id, "version", SLUICE_VERSION);
	if (trace && s == SL_TASK_FAILED)
		json_object_set_new(tj, "trace", json_string(trace));
	free(trace);
	return tj;
}

json_t *sl_worker_task_status(sl_worker_t *w, const char *name, int task)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	json_t *o = c && task >= 0 && task < c->task_count ? task_status(w, c->tasks[task], task)
							   : NULL;
	pthread_mutex_unlock(&w->lock);
	return o;
}

int sl_worker_target_state(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	int s = c ? (int)c->target : -1;
	pthread_mutex_unlock(&w->lock);
	return s;
}

/* The connector's own state: FAILED when its task split failed, else its
 * target state. Called with the lock held. */
static const char *conn_state(const conn_t *c)
{
	return c->trace ? "FAILED" : sl_target_state_name(c->target);
}

json_t *sl_worker_connector_status(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	json_t *out = NULL;
	if (!c)
		goto out;
	json_t *conn = json_pack("{s:s,s:s,s:s}", "state", conn_state(c), "worker_id", w->worker_id,
				 "version", SLUICE_VERSION);
	if (c->trace)
		json_object_set_new(conn, "trace", json_string(c->trace));
	json_t *rec = w->cluster ? sl_cluster_status(w->cluster, c->name, -1) : NULL;
	if (json_is_string(json_object_get(rec, "worker_id"))) /* the leader's word */
		json_object_set(conn, "worker_id", json_object_get(rec, "worker_id"));
	json_decref(rec);
	json_t *tasks = json_array();
	for (int i = 0; i < c->task_count; i++)
		json_array_append_new(tasks, task_status(w, c->tasks[i], i));
	out = json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "connector", conn, "tasks", tasks,
			"type", kind_name(c));
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

void sl_worker_health(sl_worker_t *w, int *failed, int *not_running, char **waiting)
{
	*failed = *not_running = 0;
	if (waiting)
		*waiting = NULL;
	pthread_mutex_lock(&w->lock);
	for (conn_t *c = w->conns; c; c = c->next) {
		bool running = !c->trace && (c->task_count > 0 || w->cluster);
		for (int i = 0; i < c->task_count; i++) {
			if (w->cluster && !c->tasks[i]->thread_started)
				continue; /* another member's */
			sl_task_state_t s = sl_task_get_state(c->tasks[i], NULL);
			*failed += s == SL_TASK_FAILED;
			running = running && s == SL_TASK_RUNNING;
		}
		*failed += c->trace != NULL;
		if (c->target == SL_TARGET_RUNNING && !running) {
			if (waiting && !*waiting)
				*waiting = sl_strdup(c->name);
			(*not_running)++;
		}
	}
	pthread_mutex_unlock(&w->lock);
}

const sl_worker_settings_t *sl_worker_settings(const sl_worker_t *w)
{
	return &w->settings;
}

json_t *sl_worker_connector_topics(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	json_t *a = c ? json_array() : NULL;
	const char *t;
	json_t *v;
	if (c)
		json_object_foreach(c->topics, t, v)
			json_array_append_new(a, json_string(t));
	pthread_mutex_unlock(&w->lock);
	return a;
}

sl_worker_err_t sl_worker_reset_topics(sl_worker_t *w, const char *name, char *errstr,
				       size_t errstr_size)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	if (c)
		json_object_clear(c->topics);
	pthread_mutex_unlock(&w->lock);
	if (!c) {
		sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
		return SL_WERR_NOT_FOUND;
	}
	return SL_WERR_NONE;
}

/* ---- Kafka: cluster id, offsets ------------------------------------------ */

/* How long an admin request of the API may take. */
#define ADMIN_TIMEOUT_MS 10000

/* The worker's admin client, made on first use; returned with admin_lock
 * held (the caller unlocks), NULL with errstr (lock released). */
static rd_kafka_t *admin_get(sl_worker_t *w, char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&w->admin_lock);
	if (!w->admin) {
		rd_kafka_conf_t *conf = sl_kafka_conf(w->kafka, SL_CLIENT_ADMIN, NULL, NULL,
						      "sluice-worker-admin", errstr, errstr_size);
		w->admin = conf ? sl_kafka_client_new(SL_CLIENT_ADMIN, conf, errstr, errstr_size)
				: NULL;
	}
	if (!w->admin)
		pthread_mutex_unlock(&w->admin_lock);
	return w->admin;
}

char *sl_worker_kafka_cluster_id(sl_worker_t *w, int timeout_ms)
{
	char err[512];
	rd_kafka_t *rk = admin_get(w, err, sizeof(err));
	if (!rk)
		return NULL;
	char *id = rd_kafka_clusterid(rk, timeout_ms);
	pthread_mutex_unlock(&w->admin_lock);
	char *copy = id ? sl_strdup(id) : NULL;
	if (id)
		rd_kafka_mem_free(NULL, id);
	return copy;
}

/* The source offsets of connector in the store, KIP-875's entries. */
static json_t *source_offsets(sl_worker_t *w, const char *name)
{
	json_t *list = sl_offset_store_list(w->offsets, name), *out = json_array(), *e;
	size_t i;
	json_array_foreach(list, i, e) {
		json_t *offset = json_object_get(e, "offset");
		if (json_is_object(offset)) /* not a tombstone, not malformed */
			json_array_append_new(out, json_pack("{s:O,s:O}", "partition",
							     json_object_get(e, "partition"),
							     "offset", offset));
	}
	json_decref(list);
	return out;
}

/* The connector's kind (0 source, 1 sink) or -1 when unknown. */
static int kind_of(sl_worker_t *w, const char *name, int *target)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	int kind = c ? c->plugin->kind == SL_SINK : -1;
	if (c && target)
		*target = (int)c->target;
	pthread_mutex_unlock(&w->lock);
	return kind;
}

sl_worker_err_t sl_worker_get_offsets(sl_worker_t *w, const char *name, json_t **out, char *errstr,
				      size_t errstr_size)
{
	int kind = kind_of(w, name, NULL);
	if (kind < 0) {
		sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
		return SL_WERR_NOT_FOUND;
	}
	json_t *list = NULL;
	if (kind == 0) {
		list = source_offsets(w, name);
	} else {
		char *group = sl_asprintf("connect-%s", name);
		rd_kafka_t *rk = admin_get(w, errstr, errstr_size);
		int rc = rk ? sl_kafka_group_offsets(rk, group, ADMIN_TIMEOUT_MS, &list, errstr,
						     errstr_size)
			    : -1;
		if (rk)
			pthread_mutex_unlock(&w->admin_lock);
		free(group);
		if (rc != 0)
			return SL_WERR_FAILED;
	}
	*out = json_pack("{s:o}", "offsets", list);
	return SL_WERR_NONE;
}

/* Checks one KIP-875 entry of a source connector and adds it to the store
 * request (partition key -> {"partition","offset"}). */
static int source_entry(const json_t *e, json_t *req, char *errstr, size_t errstr_size)
{
	json_t *p = json_object_get(e, "partition"), *o = json_object_get(e, "offset");
	if (!json_is_object(p))
		return sl_seterr(errstr, errstr_size,
				 "each offset needs a \"partition\" that is a JSON object");
	if (!json_is_object(o) && !json_is_null(o))
		return sl_seterr(errstr, errstr_size,
				 "each offset needs an \"offset\" that is a JSON object or null");
	char *k = sl_offset_partition_key(p);
	json_object_set_new(req, k, json_pack("{s:O,s:O}", "partition", p, "offset", o));
	free(k);
	return 0;
}

static sl_worker_err_t alter_source(sl_worker_t *w, const char *name, const json_t *offsets,
				    char *errstr, size_t errstr_size)
{
	if (!offsets) {
		int n = sl_offset_store_reset(w->offsets, name, errstr, errstr_size);
		return n < 0 ? SL_WERR_FAILED : SL_WERR_NONE;
	}
	json_t *req = json_object(), *e;
	size_t i;
	json_array_foreach(offsets, i, e) {
		if (source_entry(e, req, errstr, errstr_size) != 0) {
			json_decref(req);
			return SL_WERR_INVALID;
		}
	}
	int rc = sl_offset_store_put(w->offsets, name, req, errstr, errstr_size);
	json_decref(req);
	return rc ? SL_WERR_FAILED : SL_WERR_NONE;
}

/* Sorts KIP-875 sink entries into partitions to commit and to remove. */
static int sink_entries(const json_t *offsets, rd_kafka_topic_partition_list_t *set,
			rd_kafka_topic_partition_list_t *del, char *errstr, size_t errstr_size)
{
	json_t *e;
	size_t i;
	json_array_foreach(offsets, i, e) {
		json_t *p = json_object_get(e, "partition"), *o = json_object_get(e, "offset");
		json_t *topic = json_object_get(p, "kafka_topic");
		json_t *part = json_object_get(p, "kafka_partition");
		json_t *off = json_object_get(o, "kafka_offset");
		if (!json_is_string(topic) || !json_is_integer(part) ||
		    json_integer_value(part) < 0 || json_integer_value(part) > INT32_MAX)
			return sl_seterr(errstr, errstr_size,
					 "a sink connector's partition is {\"kafka_topic\": "
					 "string, \"kafka_partition\": integer >= 0}");
		if (!json_is_null(o) && (!json_is_integer(off) || json_integer_value(off) < 0))
			return sl_seterr(errstr, errstr_size,
					 "a sink connector's offset is {\"kafka_offset\": "
					 "integer >= 0} or null");
		rd_kafka_topic_partition_list_t *l = json_is_null(o) ? del : set;
		rd_kafka_topic_partition_list_add(l, json_string_value(topic),
						  (int32_t)json_integer_value(part))
			->offset = json_is_null(o) ? RD_KAFKA_OFFSET_INVALID
						   : (int64_t)json_integer_value(off);
	}
	return 0;
}

static sl_worker_err_t alter_sink(sl_worker_t *w, const char *name, const json_t *offsets,
				  char *errstr, size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *set = rd_kafka_topic_partition_list_new(4);
	rd_kafka_topic_partition_list_t *del = rd_kafka_topic_partition_list_new(4);
	char *group = sl_asprintf("connect-%s", name);
	sl_worker_err_t e = SL_WERR_INVALID;
	if (offsets && sink_entries(offsets, set, del, errstr, errstr_size) != 0)
		goto out;
	e = SL_WERR_FAILED;
	if (sl_kafka_is_embedded(w->kafka) && (!offsets || del->cnt)) {
		/* Its mock has neither DeleteGroups nor OffsetDelete, and
		 * librdkafka 2.0's admin client aborts on a coordinator request
		 * that fails that way (librdkafka issue 3663). */
		sl_seterr(errstr, errstr_size,
			  "the embedded Kafka cluster cannot delete consumer group offsets "
			  "(librdkafka's mock has no DeleteGroups / OffsetDelete)");
		goto out;
	}
	rd_kafka_t *rk = admin_get(w, errstr, errstr_size);
	if (!rk)
		goto out;
	int rc = 0;
	if (!offsets)
		rc = sl_kafka_group_delete(rk, group, ADMIN_TIMEOUT_MS, errstr, errstr_size);
	if (rc == 0 && set->cnt)
		rc = sl_kafka_group_alter_offsets(rk, group, set, ADMIN_TIMEOUT_MS, errstr,
						  errstr_size);
	if (rc == 0 && del->cnt)
		rc = sl_kafka_group_delete_offsets(rk, group, del, ADMIN_TIMEOUT_MS, errstr,
						   errstr_size);
	pthread_mutex_unlock(&w->admin_lock);
	if (rc == 0)
		e = SL_WERR_NONE;
out:
	free(group);
	rd_kafka_topic_partition_list_destroy(set);
	rd_kafka_topic_partition_list_destroy(del);
	return e;
}

sl_worker_err_t sl_worker_alter_offsets(sl_worker_t *w, const char *name, const json_t *offsets,
					char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&w->ops); /* the connector stays STOPPED meanwhile */
	int target = 0, kind = kind_of(w, name, &target);
	sl_worker_err_t e;
	if (kind < 0) {
		sl_seterr(errstr, errstr_size, "no connector named '%s'", name);
		e = SL_WERR_NOT_FOUND;
	} else if (target != SL_TARGET_STOPPED) {
		sl_seterr(errstr, errstr_size,
			  "Connectors must be in the STOPPED state before their offsets can be "
			  "modified. This can be done for the specified connector by issuing a "
			  "'PUT' request to the '/connectors/%s/stop' endpoint",
			  name);
		e = SL_WERR_STATE;
	} else if (offsets && !json_is_array(offsets)) {
		sl_seterr(errstr, errstr_size, "\"offsets\" must be a JSON array");
		e = SL_WERR_INVALID;
	} else {
		e = kind == 0 ? alter_source(w, name, offsets, errstr, errstr_size)
			      : alter_sink(w, name, offsets, errstr, errstr_size);
	}
	if (e == SL_WERR_NONE)
		SL_INFO(name, "offsets %s", offsets ? "altered" : "reset");
	pthread_mutex_unlock(&w->ops);
	return e;
}

/* ---- connector.config.dir ------------------------------------------------ */

static bool same_config(const sl_config_t *a, const sl_config_t *b)
{
	if (sl_config_count(a) != sl_config_count(b))
		return false;
	for (size_t i = 0; i < sl_config_count(a); i++) {
		const sl_config_entry_t *e = sl_config_at(a, i);
		const char *v = sl_config_get(b, e->key);
		if (!v || strcmp(v, e->value))
			return false;
	}
	return true;
}

/* Makes connector name exist here with raw in target: an unchanged config
 * with another target only moves it, a changed one replaces it (its tasks
 * restart). Problems go to errs. Whether anything changed. */
static bool apply_here(sl_worker_t *w, const char *name, const sl_config_t *raw,
		       sl_target_state_t target, sl_errlist_t *errs)
{
	char err[1024];
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	bool same = c && same_config(c->raw, raw);
	int was = c ? (int)c->target : -1;
	pthread_mutex_unlock(&w->lock);
	if (same && was == (int)target)
		return false;
	if (!same && put_here(w, raw, target, true, NULL, errs) != SL_WERR_NONE)
		return false;
	if (!same && (!c || was == (int)target))
		return true; /* made, or replaced, in its target state */
	if (set_target(w, name, target, err, sizeof(err)) != SL_WERR_NONE)
		sl_errlist_addf(errs, "%s", err);
	return true;
}

/* Applies one stored connector; true when something changed. */
static bool apply_stored(sl_worker_t *w, const sl_stored_connector_t *s, sl_errlist_t *errs)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, s->name);
	if (c)
		c->stored = true;
	pthread_mutex_unlock(&w->lock);
	return apply_here(w, s->name, s->raw, (sl_target_state_t)s->state, errs);
}

int sl_worker_apply_config_dir(sl_worker_t *w, sl_errlist_t *errs)
{
	const char *dir = w->settings.connector_config_dir;
	if (!dir || !*dir)
		return 0;
	sl_stored_connector_t *list;
	size_t n;
	int changed = 0;
	sl_connector_store_scan(dir, &list, &n, errs);
	for (size_t i = 0; i < n; i++)
		changed += apply_stored(w, &list[i], errs);
	/* Connectors whose file went away. */
	json_t *gone = json_array();
	pthread_mutex_lock(&w->lock);
	for (conn_t *c = w->conns; c; c = c->next) {
		bool kept = false;
		for (size_t i = 0; i < n && !kept; i++)
			kept = !strcmp(list[i].name, c->name);
		if (c->stored && !kept)
			json_array_append_new(gone, json_string(c->name));
	}
	pthread_mutex_unlock(&w->lock);
	size_t i;
	json_t *g;
	json_array_foreach(gone, i, g) {
		char err[256];
		SL_INFO(json_string_value(g), "its file left connector.config.dir");
		changed += remove_conn(w, json_string_value(g), false, err, sizeof(err)) ==
			   SL_WERR_NONE;
	}
	json_decref(gone);
	sl_connector_store_free(list, n);
	return changed;
}

void sl_worker_each_task(sl_worker_t *w,
			 void (*fn)(void *arg, const char *connector, const sl_connector_t *plugin,
				    const char *state, int task, sl_task_ctx_t *t),
			 void *arg)
{
	pthread_mutex_lock(&w->lock);
	for (conn_t *c = w->conns; c; c = c->next) {
		int here = 0;
		for (int i = 0; i < c->task_count; i++) {
			if (w->cluster && !c->tasks[i]->thread_started)
				continue; /* another member's */
			fn(arg, c->name, c->plugin, conn_state(c), i, c->tasks[i]);
			here++;
		}
		if (!here)
			fn(arg, c->name, c->plugin, conn_state(c), -1, NULL);
	}
	pthread_mutex_unlock(&w->lock);
}

/* ---- distributed mode ---------------------------------------------------- */

int sl_worker_cluster_start(sl_worker_t *w, int rest_port, char *errstr, size_t errstr_size)
{
	if (!w->cluster)
		return 0;
	/* the address other members and clients know this member by */
	char host[256] = "localhost";
	gethostname(host, sizeof(host) - 1);
	const char *h = host;
	const char *l = w->settings.listeners;
	sl_rest_listener_t listener = {0};
	char why[256];
	if (l && *l && sl_rest_parse_listener(l, &listener, why, sizeof(why)))
		h = listener.host;
	else if (!(l && *l) && w->settings.rest_host_name)
		h = w->settings.rest_host_name;
	if (!*h || !strcmp(h, "0.0.0.0") || !strcmp(h, "::") || !strcmp(h, "[::]"))
		h = host; /* every interface: the machine's name */
	if (w->settings.rest_advertised_host && *w->settings.rest_advertised_host)
		h = w->settings.rest_advertised_host;
	if (w->settings.rest_advertised_port > 0)
		rest_port = (int)w->settings.rest_advertised_port;
	char *id = rest_port > 0 ? sl_asprintf("%s:%d", h, rest_port) : sl_strdup(w->worker_id);
	pthread_mutex_lock(&w->lock);
	w->first_worker_id = w->worker_id; /* REST threads may be reading it */
	w->worker_id = id;
	pthread_mutex_unlock(&w->lock);
	return sl_cluster_start(w->cluster, id, errstr, errstr_size);
}

void sl_worker_apply_connector(sl_worker_t *w, const sl_config_t *raw, sl_target_state_t target)
{
	const char *name = sl_config_get(raw, "name");
	sl_errlist_t errs = {0};
	if (name)
		apply_here(w, name, raw, target, &errs);
	for (size_t i = 0; i < errs.count; i++)
		SL_ERROR(name, "config from the config topic not applied: %s", errs.items[i]);
	sl_errlist_free(&errs);
}

void sl_worker_apply_removal(sl_worker_t *w, const char *name)
{
	char err[256];
	remove_conn(w, name, false, err, sizeof(err));
}

void sl_worker_apply_restart(sl_worker_t *w, const char *name, int task, bool include_tasks,
			     bool only_failed)
{
	char err[1024];
	pthread_mutex_lock(&w->ops);
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	int n = c ? c->task_count : 0;
	bool redo_conn = c && c->trace && c->target != SL_TARGET_STOPPED;
	bool *pick = sl_calloc((size_t)n + 1, sizeof(*pick));
	for (int i = 0; i < n; i++) {
		bool wanted = task >= 0 ? i == task : include_tasks;
		pick[i] = wanted && c->tasks[i]->thread_started &&
			  (task >= 0 || !only_failed ||
			   sl_task_get_state(c->tasks[i], NULL) == SL_TASK_FAILED);
	}
	pthread_mutex_unlock(&w->lock);
	if (c && redo_conn) {
		SL_INFO(name, "restart asked for: splitting the connector again");
		conn_halt(w, c);
		if (conn_start_tasks(w, c, err, sizeof(err)) != 0)
			SL_ERROR(name, "%s", err);
	} else {
		for (int i = 0; i < n; i++)
			if (pick[i] && replace_task(w, c, i, err, sizeof(err)) != 0)
				SL_ERROR(name, "%s", err);
	}
	free(pick);
	pthread_mutex_unlock(&w->ops);
}

void sl_worker_sync_tasks(sl_worker_t *w, bool abandon)
{
	char err[1024];
	bool refreshed = false;
	pthread_mutex_lock(&w->ops); /* the list and task arrays change only under ops */
	size_t cap = 8, n = 0;
	sl_task_ctx_t **gone = sl_calloc(cap, sizeof(*gone));
	for (conn_t *c = w->conns; c; c = c->next) {
		for (int i = 0; i < c->task_count; i++) {
			sl_task_ctx_t *t = c->tasks[i];
			bool want = runs_here(w, c, i);
			if (want && !t->thread_started) {
				/* what another member stored since this one read the topic */
				if (!refreshed &&
				    sl_offset_store_refresh(w->offsets, w->kafka, err, sizeof(err)))
					SL_WARN(NULL, "%s: offsets may be older than stored", err);
				refreshed = true;
				pthread_mutex_lock(&w->lock);
				int rc = sl_task_start(t, err, sizeof(err));
				pthread_mutex_unlock(&w->lock);
				if (rc != 0)
					SL_ERROR(t->tag, "%s", err);
			} else if (!want && t->thread_started) {
				/* an idle context takes its place; the task stops below */
				pthread_mutex_lock(&w->lock);
				sl_task_ctx_t *idle = sl_task_new(&t->env, i, t->config);
				if (c->target == SL_TARGET_PAUSED)
					sl_task_set_paused(idle, true);
				c->tasks[i] = idle;
				pthread_mutex_unlock(&w->lock);
				atomic_store(&t->abandon, abandon);
				atomic_store(&t->stop, true);
				if (n == cap)
					gone = sl_realloc(gone, sizeof(*gone) * (cap *= 2));
				gone[n++] = t;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		SL_INFO(gone[i]->tag, "stopping: this worker no longer holds its slot%s",
			atomic_load(&gone[i]->abandon)
				? " (lost: nothing more is written, flushed or stored)"
				: "");
		sl_task_stop_and_free(gone[i]);
	}
	free(gone);
	pthread_mutex_unlock(&w->ops);
}

int sl_worker_local_task_count(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	int n = c && !c->trace && c->target != SL_TARGET_STOPPED ? c->task_count : -1;
	pthread_mutex_unlock(&w->lock);
	return n;
}

bool sl_worker_connector_is_source(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	bool source = c && c->plugin && c->plugin->kind == SL_SOURCE;
	pthread_mutex_unlock(&w->lock);
	return source;
}

char *sl_worker_connector_trace(sl_worker_t *w, const char *name)
{
	pthread_mutex_lock(&w->lock);
	conn_t *c = find(w, name);
	char *t = c && c->trace ? sl_strdup(c->trace) : NULL;
	pthread_mutex_unlock(&w->lock);
	return t;
}

void sl_worker_started_tasks(sl_worker_t *w,
			     void (*fn)(void *arg, const char *connector, int task,
					const char *state, const char *trace),
			     void *arg)
{
	json_t *list = json_array();
	pthread_mutex_lock(&w->lock);
	for (conn_t *c = w->conns; c; c = c->next) {
		for (int i = 0; i < c->task_count; i++) {
			if (!c->tasks[i]->thread_started)
				continue;
			char *trace = NULL;
			sl_task_state_t s = sl_task_get_state(c->tasks[i], &trace);
			json_array_append_new(list,
					      json_pack("{s:s,s:i,s:s,s:s?}", "c", c->name, "t", i,
							"s", sl_task_state_name(s), "trace",
							s == SL_TASK_FAILED ? trace : NULL));
			free(trace);
		}
	}
	pthread_mutex_unlock(&w->lock);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		fn(arg, json_string_value(json_object_get(e, "c")),
		   (int)json_integer_value(json_object_get(e, "t")),
		   json_string_value(json_object_get(e, "s")),
		   json_string_value(json_object_get(e, "trace")));
	}
	json_decref(list);
}
