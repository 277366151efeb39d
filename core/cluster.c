/* Distributed mode (see cluster.h): the cluster's view read from the
 * config and status topics, the group membership that hands out task
 * slots, and the loop that makes this worker run what it holds. */
#include "cluster.h"
#include "cluster_view.h"
#include "source_txn.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sluice/buf.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/mem.h"
#include "sluice/util.h"

/* How long a REST write waits for Kafka and for this member to apply it. */
#define CLUSTER_WRITE_TIMEOUT_MS 30000

/* What a delivery report tells the writer waiting for it. */
typedef struct send_res {
	atomic_bool done;
	rd_kafka_resp_err_t err;
	int64_t offset;
} send_res_t;

struct sl_cluster {
	sl_worker_t *w;
	sl_kafka_t *k;
	const sl_worker_settings_t *ws;
	char *slots_topic;
	char *worker_id;
	rd_kafka_t *config_writer; /* config records; also the admin requests */
	rd_kafka_t *status_writer; /* status records: the herder only */
	rd_kafka_t *reader;        /* the config and status topics, assigned */
	rd_kafka_t *member;        /* group group.id on the slots topic */
	int status_partitions;
	int slot_partitions;
	pthread_t reader_th, herder_th, lease_th;
	bool reading, herding;
	atomic_bool stop;
	pthread_mutex_t write_lock; /* one config write at a time */

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	sl_cview_t view;
	bool *held; /* slots this member holds */
	int held_cap;
	int64_t config_end; /* next config offset to read */
	bool caught_up;
	uint64_t done_version; /* the view the last reconcile applied */
	int64_t done_end;      /* config_end of that view */
	bool dirty;            /* the slots held changed */
	uint64_t generation;   /* assignments taken */
	bool fenced, fence_changed;
	int64_t fenced_at;
	uint64_t fenced_generation;
	atomic_llong lease;
};

/* Waits on cond for at most ms (the lock held). */
static void cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cond, lock, &ts);
}

static void *reader_main(void *arg)
{
	sl_cluster_t *c = arg;
	while (!atomic_load(&c->stop)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c->reader, 200);
		if (!m)
			continue;
		bool config = m->rkt && !strcmp(rd_kafka_topic_name(m->rkt), c->ws->config_topic);
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (config) {
				pthread_mutex_lock(&c->lock);
				c->caught_up = true;
				pthread_cond_broadcast(&c->cond);
				pthread_mutex_unlock(&c->lock);
			}
		} else if (m->err) {
			SL_WARN(NULL, "cluster: reading %s: %s",
				m->rkt ? rd_kafka_topic_name(m->rkt) : "its topics",
				rd_kafka_message_errstr(m));
		} else if (m->key) {
			char *key = sl_strndup(m->key, m->key_len);
			json_t *v = m->payload ? json_loadb(m->payload, m->len, 0, NULL) : NULL;
			if (m->payload && !v)
				SL_WARN(NULL,
					"cluster: %s offset %lld: record %s is not JSON: skipped",
					rd_kafka_topic_name(m->rkt), (long long)m->offset, key);
			else {
				pthread_mutex_lock(&c->lock);
				if (config) {
					sl_cview_apply_config(&c->view, key, v, m->offset);
					c->config_end = m->offset + 1;
				} else {
					sl_cview_apply_status(&c->view, key, v);
				}
				pthread_mutex_unlock(&c->lock);
			}
			json_decref(v);
			free(key);
		}
		rd_kafka_message_destroy(m);
	}
	return NULL;
}

/* ---- writing ------------------------------------------------------------ */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	send_res_t *res = m->_private;
	if (!res)
		return;
	res->err = m->err;
	res->offset = m->offset;
	atomic_store(&res->done, true);
}

static void json_text(sl_buf_t *b, const json_t *v)
{
	sl_buf_reset(b);
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	sl_buf_append(b, t, strlen(t));
	free(t);
}

/* Writes one config record (v NULL: a tombstone) and waits until Kafka
 * has it; *offset gets its offset. Called with write_lock held. */
static int send_config(sl_cluster_t *c, const char *key, const json_t *v, int64_t *offset,
		       char *errstr, size_t errstr_size)
{
	sl_buf_t b = {0};
	send_res_t res = {0};
	if (v)
		json_text(&b, v);
	rd_kafka_resp_err_t err = rd_kafka_producev(
		c->config_writer, RD_KAFKA_V_TOPIC(c->ws->config_topic), RD_KAFKA_V_PARTITION(0),
		RD_KAFKA_V_KEY(key, strlen(key)),
		RD_KAFKA_V_VALUE(v ? b.data : NULL, v ? b.len : 0),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&res), RD_KAFKA_V_END);
	sl_buf_free(&b);
	if (err)
		return sl_seterr(errstr, errstr_size, "config topic %s: cannot write %s: %s",
				 c->ws->config_topic, key, rd_kafka_err2str(err));
	int64_t until = sl_now_ms() + CLUSTER_WRITE_TIMEOUT_MS;
	while (!atomic_load(&res.done) && sl_now_ms() < until)
		rd_kafka_poll(c->config_writer, 100);
	if (!atomic_load(&res.done)) {
		/* the report must not outlive res: wait it out */
		rd_kafka_purge(c->config_writer,
			       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		while (!atomic_load(&res.done))
			rd_kafka_poll(c->config_writer, 100);
		return sl_seterr(errstr, errstr_size,
				 "config topic %s: %s not acknowledged within %d s",
				 c->ws->config_topic, key, CLUSTER_WRITE_TIMEOUT_MS / 1000);
	}
	if (res.err)
		return sl_seterr(errstr, errstr_size, "config topic %s: %s refused: %s",
				 c->ws->config_topic, key, rd_kafka_err2str(res.err));
	*offset = res.offset;
	return 0;
}

/* Waits until this member applied the config topic past offset. */
static int wait_applied(sl_cluster_t *c, int64_t offset, char *errstr, size_t errstr_size)
{
	int64_t until = sl_now_ms() + CLUSTER_WRITE_TIMEOUT_MS;
	int rc = 0;
	pthread_mutex_lock(&c->lock);
	while (c->done_end <= offset && !atomic_load(&c->stop)) {
		if (sl_now_ms() > until) {
			rc = sl_seterr(errstr, errstr_size,
				       "config topic %s: written, but not applied here within %d s",
				       c->ws->config_topic, CLUSTER_WRITE_TIMEOUT_MS / 1000);
			break;
		}
		cond_wait_ms(&c->cond, &c->lock, 100);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Writes records (keys[i] -> values[i], NULL a tombstone) and waits until
 * this member applied them. */
static int write_records(sl_cluster_t *c, const char *const *keys, json_t *const *values, int n,
			 char *errstr, size_t errstr_size)
{
	int64_t offset = -1;
	int rc = 0;
	pthread_mutex_lock(&c->write_lock);
	for (int i = 0; i < n && rc == 0; i++)
		rc = send_config(c, keys[i], values[i], &offset, errstr, errstr_size);
	pthread_mutex_unlock(&c->write_lock);
	return rc ? rc : wait_applied(c, offset, errstr, errstr_size);
}

int sl_cluster_put_connector(sl_cluster_t *c, const char *name, const sl_config_t *raw,
			     int initial_target, char *errstr, size_t errstr_size)
{
	char *ck = sl_asprintf("connector-%s", name), *tk = sl_asprintf("target-state-%s", name);
	const char *keys[2];
	json_t *values[2];
	int n = 0;
	if (initial_target >= 0) {
		keys[n] = tk;
		values[n++] = sl_cview_target_record((sl_target_state_t)initial_target);
	}
	keys[n] = ck;
	values[n++] = sl_cview_config_record(raw);
	int rc = write_records(c, keys, values, n, errstr, errstr_size);
	for (int i = 0; i < n; i++)
		json_decref(values[i]);
	free(ck);
	free(tk);
	return rc;
}

int sl_cluster_delete_connector(sl_cluster_t *c, const char *name, char *errstr, size_t errstr_size)
{
	char *ck = sl_asprintf("connector-%s", name), *tk = sl_asprintf("target-state-%s", name);
	const char *keys[] = {ck, tk};
	json_t *values[] = {NULL, NULL};
	int rc = write_records(c, keys, values, 2, errstr, errstr_size);
	free(ck);
	free(tk);
	return rc;
}

int sl_cluster_set_target(sl_cluster_t *c, const char *name, sl_target_state_t target, char *errstr,
			  size_t errstr_size)
{
	char *tk = sl_asprintf("target-state-%s", name);
	const char *keys[] = {tk};
	json_t *values[] = {sl_cview_target_record(target)};
	int rc = write_records(c, keys, values, 1, errstr, errstr_size);
	json_decref(values[0]);
	free(tk);
	return rc;
}

int sl_cluster_restart(sl_cluster_t *c, const char *name, int task, bool include_tasks,
		       bool only_failed, char *errstr, size_t errstr_size)
{
	char *k = task < 0 ? sl_asprintf("restart-connector-%s", name)
			   : sl_asprintf("restart-task-%s-%d", name, task);
	const char *keys[] = {k};
	json_t *values[] = {
		json_pack("{s:b,s:b}", "include-tasks", include_tasks, "only-failed", only_failed)};
	int rc = write_records(c, keys, values, 1, errstr, errstr_size);
	json_decref(values[0]);
	free(k);
	return rc;
}

/* ---- reading the view --------------------------------------------------- */

static char *status_key(const char *name, int task)
{
	return task < 0 ? sl_asprintf("status-connector-%s", name)
			: sl_asprintf("status-task-%s-%d", name, task);
}

json_t *sl_cluster_status(sl_cluster_t *c, const char *name, int task)
{
	char *k = status_key(name, task);
	pthread_mutex_lock(&c->lock);
	json_t *v = json_incref(json_object_get(c->view.statuses, k));
	pthread_mutex_unlock(&c->lock);
	free(k);
	return v;
}

static bool holds(const sl_cluster_t *c, int slot)
{
	return slot >= 0 && slot < c->held_cap && c->held[slot];
}

bool sl_cluster_owns(sl_cluster_t *c, const char *name, int task, bool fenced_first)
{
	pthread_mutex_lock(&c->lock);
	sl_cview_conn_t *cc = sl_cview_find(&c->view, name, false);
	bool own = !c->fenced && cc && cc->raw && cc->target != SL_TARGET_STOPPED && task >= 0 &&
		   task < cc->tasks && holds(c, cc->slots[task]) &&
		   !(fenced_first && cc->pending_fencing);
	pthread_mutex_unlock(&c->lock);
	return own;
}

const atomic_llong *sl_cluster_lease(sl_cluster_t *c)
{
	return &c->lease;
}

/* ---- membership --------------------------------------------------------- */

static void hold(sl_cluster_t *c, const rd_kafka_topic_partition_list_t *parts, bool on)
{
	for (int i = 0; i < parts->cnt; i++) {
		int p = parts->elems[i].partition;
		if (p < 0)
			continue;
		if (p >= c->held_cap) {
			int cap = p * 2 + 8;
			c->held = sl_realloc(c->held, sizeof(bool) * (size_t)cap);
			memset(c->held + c->held_cap, 0,
			       sizeof(bool) * (size_t)(cap - c->held_cap));
			c->held_cap = cap;
		}
		c->held[p] = on;
	}
}

static void slot_list(const rd_kafka_topic_partition_list_t *parts, char *out, size_t size)
{
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < parts->cnt && len + 16 < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%d", i ? "," : "",
					(int)parts->elems[i].partition);
}

/* The group's rebalance callback, on the herder thread: slots given up
 * have their tasks stopped (offsets stored) before the group may hand
 * them to another member. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	sl_cluster_t *c = opaque;
	char list[512];
	slot_list(parts, list, sizeof(list));
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		pthread_mutex_lock(&c->lock);
		hold(c, parts, true);
		c->generation++;
		c->dirty = true;
		pthread_mutex_unlock(&c->lock);
		rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
		if (e) {
			SL_ERROR(NULL, "cluster: cannot take slots %s: %s", list,
				 rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
		}
		if (parts->cnt)
			SL_INFO(NULL, "cluster: took slot(s) %s", list);
		return;
	}
	if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		SL_ERROR(NULL, "cluster: group %s: %s", c->ws->group_id, rd_kafka_err2str(err));
		return;
	}
	bool lost = rd_kafka_assignment_lost(rk);
	pthread_mutex_lock(&c->lock);
	hold(c, parts, false);
	c->generation++;
	pthread_mutex_unlock(&c->lock);
	if (lost)
		SL_WARN(NULL,
			"cluster: membership of group %s lost (not heard from within "
			"session.timeout.ms): stopping the tasks of slot(s) %s",
			c->ws->group_id, list);
	else
		SL_INFO(NULL, "cluster: giving up slot(s) %s: stopping their tasks first", list);
	/* lost: another member may run them already, so they stop without
	 * writing anything more (no flush, no offsets) */
	sl_worker_sync_tasks(c->w, lost);
	rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
	if (e) {
		SL_ERROR(NULL, "cluster: cannot give up slots %s: %s", list,
			 rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
	}
}

/* The lease, on a thread of its own that wakes every 100 ms (so a herder
 * busy stopping tasks does not let it lapse): a wake-up that comes more
 * than half a session after the last one means the process was stopped or
 * starved, and the group may have gone on without this member. Its tasks
 * then hold their records back (the lease is not renewed) and the herder
 * stops them, until the group says more: a new assignment or revocation,
 * or two heartbeats with neither. */
static void *lease_main(void *arg)
{
	sl_cluster_t *c = arg;
	int64_t half = c->ws->session_timeout_ms / 2, last = sl_now_ms();
	while (!atomic_load(&c->stop)) {
		sl_sleep_ms(100);
		int64_t now = sl_now_ms(), gap = now - last;
		last = now;
		pthread_mutex_lock(&c->lock);
		if (gap > half && !c->fenced) {
			SL_WARN(NULL,
				"cluster: this worker was not running for %lld ms (more than half "
				"of session.timeout.ms): it may have lost its tasks to another "
				"member; stopping them until the group answers",
				(long long)gap);
			c->fenced = c->fence_changed = true;
			c->fenced_at = now;
			c->fenced_generation = c->generation;
		}
		if (!c->fenced)
			atomic_store(&c->lease, now + half);
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

/* The herder's side of the fence: lifts it when the group answered, and
 * stops or starts tasks when it moved. */
static void check_fence(sl_cluster_t *c)
{
	int64_t now = sl_now_ms();
	pthread_mutex_lock(&c->lock);
	if (c->fenced && (c->generation != c->fenced_generation ||
			  now - c->fenced_at > 2 * c->ws->heartbeat_interval_ms + 1000)) {
		SL_INFO(NULL, "cluster: membership confirmed; running this worker's tasks again");
		c->fenced = false;
		c->fence_changed = true;
		atomic_store(&c->lease, now + c->ws->session_timeout_ms / 2);
	}
	bool changed = c->fence_changed, fenced = c->fenced;
	c->fence_changed = false;
	pthread_mutex_unlock(&c->lock);
	if (changed)
		sl_worker_sync_tasks(c->w, fenced);
}

/* One of the cluster's clients: kv over the worker's settings; delivery
 * reports to the writers waiting for them (reports), the rebalance
 * callback for the membership consumer (member). */
static rd_kafka_t *client(sl_cluster_t *c, sl_client_kind_t kind, const char *const *kv,
			  const char *id, bool reports, bool member, char *errstr,
			  size_t errstr_size)
{
	rd_kafka_conf_t *conf = sl_kafka_conf_pairs(c->k, kind, kv, id, errstr, errstr_size);
	if (!conf)
		return NULL;
	if (reports)
		rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	if (member) {
		rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
		rd_kafka_conf_set_opaque(conf, c);
	}
	return sl_kafka_client_new(kind, conf, errstr, errstr_size);
}

/* ---- the herder: makes this worker run what the view and slots say ------ */

typedef struct snap {
	char *name;
	sl_config_t *raw;
	sl_target_state_t target;
	int tasks;
	uint64_t gen, commit_gen, commits;
	bool pending_fencing;
	int fence_upto;
} snap_t;

static snap_t *snapshot(sl_cluster_t *c, size_t *n)
{
	size_t cap = 8, k = 0;
	snap_t *s = sl_calloc(cap, sizeof(*s));
	for (sl_cview_conn_t *cc = c->view.conns; cc; cc = cc->next) {
		if (!cc->raw)
			continue;
		if (k == cap)
			s = sl_realloc(s, sizeof(*s) * (cap *= 2));
		s[k++] = (snap_t){sl_strdup(cc->name),
				  sl_config_dup(cc->raw),
				  cc->target,
				  cc->tasks,
				  cc->gen,
				  cc->commit_gen,
				  cc->commits,
				  cc->pending_fencing,
				  cc->fence_upto};
	}
	*n = k;
	return s;
}

static void snap_free(snap_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].name);
		sl_config_free(s[i].raw);
	}
	free(s);
}

static void reconcile(sl_cluster_t *c)
{
	pthread_mutex_lock(&c->lock);
	uint64_t version = c->view.version;
	int64_t end = c->config_end;
	size_t n;
	snap_t *s = snapshot(c, &n);
	sl_cview_restart_t *restarts = c->view.restarts;
	c->view.restarts = NULL;
	c->dirty = false;
	pthread_mutex_unlock(&c->lock);

	json_t *local = sl_worker_connector_names(c->w);
	size_t i;
	json_t *name;
	json_array_foreach(local, i, name) {
		bool kept = false;
		for (size_t j = 0; j < n && !kept; j++)
			kept = !strcmp(s[j].name, json_string_value(name));
		if (!kept)
			sl_worker_apply_removal(c->w, json_string_value(name));
	}
	json_decref(local);
	for (size_t j = 0; j < n; j++)
		sl_worker_apply_connector(c->w, s[j].raw, s[j].target);
	while (restarts) {
		sl_cview_restart_t *r = restarts;
		restarts = r->next;
		sl_worker_apply_restart(c->w, r->name, r->task, r->include_tasks, r->only_failed);
		free(r->name);
		free(r);
	}
	sl_worker_sync_tasks(c->w, false);
	snap_free(s, n);

	pthread_mutex_lock(&c->lock);
	c->done_version = version;
	c->done_end = end;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* A status record of this member's, written when the status topic does
 * not say the same already (written: key -> [text, when] of the last
 * write, so that one is not repeated before it comes back). */
static void put_status(sl_cluster_t *c, json_t *written, const char *key, const char *state,
		       const char *trace)
{
	json_t *v = json_pack("{s:s,s:s?,s:s,s:I,s:s}", "state", state, "trace", trace, "worker_id",
			      c->worker_id, "generation", (json_int_t)c->generation, "version",
			      SLUICE_VERSION);
	pthread_mutex_lock(&c->lock);
	json_t *seen = json_object_get(c->view.statuses, key);
	bool same =
		seen && json_equal(json_object_get(seen, "state"), json_object_get(v, "state")) &&
		json_equal(json_object_get(seen, "worker_id"), json_object_get(v, "worker_id")) &&
		json_equal(json_object_get(seen, "trace"), json_object_get(v, "trace"));
	pthread_mutex_unlock(&c->lock);
	sl_buf_t b = {0};
	json_text(&b, v);
	json_t *w = json_object_get(written, key);
	bool recent = w && !strcmp(json_string_value(json_array_get(w, 0)), b.data) &&
		      sl_now_ms() - json_integer_value(json_array_get(w, 1)) < 3000;
	if (!same && !recent) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			c->status_writer, RD_KAFKA_V_TOPIC(c->ws->status_topic),
			RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(b.data, b.len),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (err)
			SL_WARN(NULL, "cluster: status %s not written: %s", key,
				rd_kafka_err2str(err));
		else
			json_object_set_new(written, key,
					    json_pack("[s,I]", b.data, (json_int_t)sl_now_ms()));
	}
	sl_buf_free(&b);
	json_decref(v);
}

typedef struct task_status_arg {
	sl_cluster_t *c;
	json_t *written;
} task_status_arg_t;

static void task_status_cb(void *arg, const char *connector, int task, const char *state,
			   const char *trace)
{
	task_status_arg_t *a = arg;
	char *k = status_key(connector, task);
	put_status(a->c, a->written, k, state, trace);
	free(k);
}

/* The connector a status key is about ("status-connector-<name>",
 * "status-task-<name>-<n>"), malloc()ed; NULL for other keys. */
static char *status_connector(const char *key)
{
	if (!strncmp(key, "status-connector-", 17))
		return sl_strdup(key + 17);
	const char *rest = key + 12, *dash = strrchr(key, '-');
	if (strncmp(key, "status-task-", 12) || !dash || dash <= rest)
		return NULL;
	return sl_strndup(rest, (size_t)(dash - rest));
}

/* The leader's tombstones for the statuses of deleted connectors, as
 * Kafka Connect writes them (written: the key -> [text, when] of the
 * last write, "" for a tombstone, so that one is not repeated before it
 * comes back). */
static void bury_statuses(sl_cluster_t *c, json_t *written)
{
	json_t *dead = json_array();
	const char *key;
	json_t *v;
	pthread_mutex_lock(&c->lock);
	json_object_foreach(c->view.statuses, key, v) {
		char *name = status_connector(key);
		sl_cview_conn_t *cc = name ? sl_cview_find(&c->view, name, false) : NULL;
		if (name && (!cc || !cc->raw))
			json_array_append_new(dead, json_string(key));
		free(name);
	}
	pthread_mutex_unlock(&c->lock);
	size_t i;
	json_array_foreach(dead, i, v) {
		key = json_string_value(v);
		json_t *w = json_object_get(written, key);
		if (w && !*json_string_value(json_array_get(w, 0)) &&
		    sl_now_ms() - json_integer_value(json_array_get(w, 1)) < 3000)
			continue;
		if (rd_kafka_producev(c->status_writer, RD_KAFKA_V_TOPIC(c->ws->status_topic),
				      RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(NULL, 0),
				      RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR)
			json_object_set_new(written, key,
					    json_pack("[s,I]", "", (json_int_t)sl_now_ms()));
	}
	json_decref(dead);
}

/* Kafka Connect's zombie fencing (KIP-618), done by the leader before the
 * tasks of an exactly-once source's new commit start: the transactional
 * id of every task an earlier commit made (<group.id>-<name>-<n>) is
 * initialised once more, which fences whatever instance of it still runs
 * (a task no longer in the split included) and aborts its open
 * transaction; then a tasks-fencing-<name> record lets the new tasks
 * start. -1 with err. */
static int fence_zombies(sl_cluster_t *c, const snap_t *s, char *err, size_t size)
{
	int rc = 0;
	for (int n = 0; n < s->fence_upto && rc == 0; n++) {
		char *id = sl_source_txn_id(c->ws->group_id, s->name, n);
		/* librdkafka wants message.timeout.ms <= transaction.timeout.ms */
		const char *const kv[] = {"transactional.id",
					  id,
					  "message.timeout.ms",
					  "60000",
					  "transaction.timeout.ms",
					  "60000",
					  NULL};
		rd_kafka_t *p = client(c, SL_CLIENT_PRODUCER, kv, "sluice-cluster-fencing", false,
				       false, err, size);
		rd_kafka_error_t *e = p ? rd_kafka_init_transactions(p, 30000) : NULL;
		if (e) {
			sl_seterr(err, size, "fencing %s: %s", id, rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
		}
		rc = p && !e ? 0 : -1;
		if (p)
			rd_kafka_destroy(p);
		free(id);
	}
	if (rc)
		return -1;
	char *k = sl_asprintf("tasks-fencing-%s", s->name);
	json_t *v = json_pack("{s:i}", "task-count", s->tasks);
	int64_t off;
	pthread_mutex_lock(&c->write_lock);
	rc = send_config(c, k, v, &off, err, size);
	pthread_mutex_unlock(&c->write_lock);
	json_decref(v);
	free(k);
	if (rc == 0)
		SL_INFO(s->name,
			"cluster: tasks 0..%d of earlier commits fenced; %d task(s) may start",
			s->fence_upto - 1, s->tasks);
	return rc;
}

/* The leader's part: the slots topic big enough for every slot, each
 * connector's tasks committed (after its config changed, or when it
 * leaves STOPPED) or cleared (STOPPED), an exactly-once source's earlier
 * tasks fenced after a commit, and the connectors' statuses (memo and
 * fenced: what was written for which commit, not to write it twice). */
static void lead(sl_cluster_t *c, json_t *memo, json_t *fenced, json_t *written)
{
	char err[512];
	pthread_mutex_lock(&c->lock);
	int need = c->view.max_slot + 1;
	size_t n;
	snap_t *s = snapshot(c, &n);
	pthread_mutex_unlock(&c->lock);
	if (need > c->slot_partitions) {
		if (sl_kafka_grow_topic(c->k, c->config_writer, c->slots_topic, need, 10000, err,
					sizeof(err)) == 0) {
			SL_INFO(NULL, "cluster: %s grown to %d slots", c->slots_topic, need);
			c->slot_partitions = need;
		} else {
			SL_WARN(NULL, "cluster: %s", err);
		}
	}
	for (size_t i = 0; i < n; i++) {
		char mark[64];
		snprintf(mark, sizeof(mark), "%llu:%llu", (unsigned long long)s[i].gen,
			 (unsigned long long)s[i].commits);
		bool stale = s[i].commit_gen < s[i].gen || s[i].tasks == 0;
		bool split = s[i].target != SL_TARGET_STOPPED && stale;
		bool clear = s[i].target == SL_TARGET_STOPPED && s[i].tasks > 0;
		const char *m = json_string_value(json_object_get(memo, s[i].name));
		if ((split || clear) && !(m && !strcmp(m, mark))) {
			int tasks = clear ? 0 : sl_worker_local_task_count(c->w, s[i].name);
			if (tasks >= 0) {
				int64_t off;
				int rc = 0;
				pthread_mutex_lock(&c->write_lock);
				for (int t = 0; t < tasks && rc == 0; t++) {
					char *k = sl_asprintf("task-%s-%d", s[i].name, t);
					json_t *v = sl_cview_config_record(s[i].raw);
					rc = send_config(c, k, v, &off, err, sizeof(err));
					json_decref(v);
					free(k);
				}
				char *k = sl_asprintf("commit-%s", s[i].name);
				json_t *v = json_pack("{s:i}", "tasks", tasks);
				if (rc == 0)
					rc = send_config(c, k, v, &off, err, sizeof(err));
				json_decref(v);
				free(k);
				pthread_mutex_unlock(&c->write_lock);
				if (rc == 0)
					json_object_set_new(memo, s[i].name, json_string(mark));
				else
					SL_WARN(s[i].name, "cluster: %s", err);
			}
		}
		/* an exactly-once source's commit of its current config */
		char fmark[80];
		snprintf(fmark, sizeof(fmark), "fenced:%llu", (unsigned long long)s[i].commits);
		const char *fm = json_string_value(json_object_get(fenced, s[i].name));
		if (c->ws->eos_source == 2 && s[i].pending_fencing && !stale &&
		    s[i].target != SL_TARGET_STOPPED && !(fm && !strcmp(fm, fmark)) &&
		    sl_worker_connector_is_source(c->w, s[i].name)) {
			if (fence_zombies(c, &s[i], err, sizeof(err)) == 0)
				json_object_set_new(fenced, s[i].name, json_string(fmark));
			else
				SL_WARN(s[i].name, "cluster: %s (tried again)", err);
		}
		char *trace = sl_worker_connector_trace(c->w, s[i].name);
		char *k = status_key(s[i].name, -1);
		put_status(c, written, k, trace ? "FAILED" : sl_target_state_name(s[i].target),
			   trace);
		free(k);
		free(trace);
	}
	snap_free(s, n);
	bury_statuses(c, written);
}

static bool is_leader(sl_cluster_t *c)
{
	pthread_mutex_lock(&c->lock);
	bool l = !c->fenced && holds(c, 0);
	pthread_mutex_unlock(&c->lock);
	return l;
}

/* librdkafka before 2.3 aborts when a cooperative-sticky member is
 * destroyed after its JoinGroup and before its first assignment: the
 * assignor's state is still NULL (its issue 4312). A worker told to stop
 * in that moment, just after it started, waits for the assignment first,
 * at most FIRST_ASSIGNMENT_WAIT_MS; the slots it then takes start no task,
 * as the herder's loop is over. A member without a member id never joined
 * and has no assignor to destroy. */
#define FIRST_ASSIGNMENT_WAIT_MS 5000

/* Whether the member was ever assigned: the first rebalance callback is an
 * assignment, and each one counts in generation. */
static bool assigned_once(sl_cluster_t *c)
{
	pthread_mutex_lock(&c->lock);
	bool once = c->generation > 0;
	pthread_mutex_unlock(&c->lock);
	return once;
}

static void wait_first_assignment(sl_cluster_t *c)
{
	if (assigned_once(c) || rd_kafka_version() >= 0x02030000)
		return;
	char *id = rd_kafka_memberid(c->member);
	bool joined = id && *id;
	if (id)
		rd_kafka_mem_free(c->member, id);
	if (!joined)
		return;
	int64_t deadline = sl_now_ms() + FIRST_ASSIGNMENT_WAIT_MS;
	while (!assigned_once(c) && sl_now_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c->member, 100);
		if (m)
			rd_kafka_message_destroy(m);
	}
	if (!assigned_once(c))
		SL_WARN(NULL,
			"cluster: group %s gave this member no assignment within %d ms; "
			"leaving it anyway",
			c->ws->group_id, FIRST_ASSIGNMENT_WAIT_MS);
}

static void *herder_main(void *arg)
{
	sl_cluster_t *c = arg;
	json_t *memo = json_object(), *fenced = json_object(), *written = json_object();
	int64_t next_round = 0;
	while (!atomic_load(&c->stop)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c->member, 100);
		if (m) {
			if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				SL_WARN(NULL, "cluster: group %s: %s", c->ws->group_id,
					rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
		}
		check_fence(c);
		pthread_mutex_lock(&c->lock);
		bool redo = c->view.version != c->done_version || c->dirty || c->view.restarts;
		pthread_mutex_unlock(&c->lock);
		if (redo)
			reconcile(c);
		/* the leader's duties and the statuses after every change, else
		 * twice a second (a task's state changes on its own thread) */
		if (redo || sl_now_ms() >= next_round) {
			if (is_leader(c))
				lead(c, memo, fenced, written);
			task_status_arg_t a = {c, written};
			sl_worker_started_tasks(c->w, task_status_cb, &a);
			next_round = sl_now_ms() + 500;
		}
		rd_kafka_poll(c->status_writer, 0);
	}
	/* leave the group: the revocation stops this member's tasks first */
	wait_first_assignment(c);
	rd_kafka_consumer_close(c->member);
	rd_kafka_flush(c->status_writer, 5000);
	json_decref(memo);
	json_decref(fenced);
	json_decref(written);
	return NULL;
}

/* ---- life --------------------------------------------------------------- */

sl_cluster_t *sl_cluster_new(sl_worker_t *w, sl_kafka_t *k, const sl_worker_settings_t *ws,
			     char *errstr, size_t errstr_size)
{
	sl_cluster_t *c = sl_calloc(1, sizeof(*c));
	char session[32], heartbeat[32], poll[32];
	c->w = w;
	c->k = k;
	c->ws = ws;
	c->slots_topic = ws->slots_topic ? sl_strdup(ws->slots_topic)
					 : sl_asprintf("%s-slots", ws->config_topic);
	sl_cview_init(&c->view);
	c->done_end = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->write_lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	snprintf(session, sizeof(session), "%lld", (long long)ws->session_timeout_ms);
	snprintf(heartbeat, sizeof(heartbeat), "%lld", (long long)ws->heartbeat_interval_ms);
	snprintf(poll, sizeof(poll), "%lld", (long long)ws->rebalance_timeout_ms);

	/* acknowledged by every in-sync replica, once; statuses keyed and
	 * partitioned as Java's producer does */
	static const char *const writer_kv[] = {"acks",      "all",         "enable.idempotence",
						"true",      "partitioner", "murmur2_random",
						"linger.ms", "0",           NULL};
	c->config_writer = client(c, SL_CLIENT_PRODUCER, writer_kv, "sluice-cluster-config", true,
				  false, errstr, errstr_size);
	if (!c->config_writer)
		goto fail;
	c->status_writer = client(c, SL_CLIENT_PRODUCER, writer_kv, "sluice-cluster-status", true,
				  false, errstr, errstr_size);
	if (!c->status_writer)
		goto fail;
	static const char *const compact[] = {"cleanup.policy", "compact", NULL};
	if (sl_kafka_ensure_topic_configs(k, c->config_writer, ws->config_topic, 1,
					  (int)ws->config_topic_replication_factor, compact, 30000,
					  errstr, errstr_size) != 0 ||
	    sl_kafka_ensure_topic_configs(k, c->config_writer, ws->status_topic,
					  (int)ws->status_topic_partitions,
					  (int)ws->status_topic_replication_factor, compact, 30000,
					  errstr, errstr_size) != 0 ||
	    sl_kafka_ensure_topic(k, c->config_writer, c->slots_topic, 1,
				  (int)ws->config_topic_replication_factor, 30000, errstr,
				  errstr_size) != 0)
		goto fail;
	/* a topic just created is not in every broker's metadata at once */
	for (int64_t until = sl_now_ms() + 15000; sl_now_ms() < until; sl_sleep_ms(200)) {
		c->status_partitions =
			sl_kafka_partition_count(c->config_writer, ws->status_topic, 5000);
		c->slot_partitions =
			sl_kafka_partition_count(c->config_writer, c->slots_topic, 5000);
		if (c->status_partitions > 0 && c->slot_partitions > 0)
			break;
	}
	if (c->status_partitions <= 0 || c->slot_partitions <= 0) {
		sl_seterr(errstr, errstr_size, "cannot learn the partitions of %s and %s",
			  ws->status_topic, c->slots_topic);
		goto fail;
	}
	static const char *const reader_kv[] = {"group.id",
						"sluice-cluster-reader",
						"enable.auto.commit",
						"false",
						"enable.partition.eof",
						"true",
						"auto.offset.reset",
						"earliest",
						NULL};
	c->reader = client(c, SL_CLIENT_CONSUMER, reader_kv, "sluice-cluster-reader", false, false,
			   errstr, errstr_size);
	if (!c->reader)
		goto fail;
	const char *member_kv[] = {"group.id",
				   ws->group_id,
				   "partition.assignment.strategy",
				   "cooperative-sticky",
				   "enable.auto.commit",
				   "false",
				   "session.timeout.ms",
				   session,
				   "heartbeat.interval.ms",
				   heartbeat,
				   "max.poll.interval.ms",
				   poll,
				   "topic.metadata.refresh.interval.ms",
				   "1000",
				   NULL};
	c->member = client(c, SL_CLIENT_CONSUMER, member_kv, "sluice-cluster-member", false, true,
			   errstr, errstr_size);
	if (!c->member)
		goto fail;
	return c;
fail:
	sl_cluster_free(c);
	return NULL;
}

int sl_cluster_start(sl_cluster_t *c, const char *worker_id, char *errstr, size_t errstr_size)
{
	const sl_worker_settings_t *ws = c->ws;
	int64_t lo = 0, hi = 0;
	c->worker_id = sl_strdup(worker_id);
	rd_kafka_resp_err_t err =
		rd_kafka_query_watermark_offsets(c->reader, ws->config_topic, 0, &lo, &hi, 10000);
	if (err)
		return sl_seterr(errstr, errstr_size, "config topic %s: %s", ws->config_topic,
				 rd_kafka_err2str(err));
	c->view.live_from = hi;
	rd_kafka_topic_partition_list_t *parts =
		rd_kafka_topic_partition_list_new(1 + c->status_partitions);
	rd_kafka_topic_partition_list_add(parts, ws->config_topic, 0)->offset =
		RD_KAFKA_OFFSET_BEGINNING;
	for (int p = 0; p < c->status_partitions; p++)
		rd_kafka_topic_partition_list_add(parts, ws->status_topic, p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	err = rd_kafka_assign(c->reader, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (err)
		return sl_seterr(errstr, errstr_size, "cannot read %s and %s: %s", ws->config_topic,
				 ws->status_topic, rd_kafka_err2str(err));
	pthread_create(&c->reader_th, NULL, reader_main, c);
	c->reading = true;
	/* know every connector before taking any slot */
	int64_t until = sl_now_ms() + 60000;
	pthread_mutex_lock(&c->lock);
	while (!c->caught_up && sl_now_ms() < until)
		cond_wait_ms(&c->cond, &c->lock, 200);
	bool ok = c->caught_up;
	pthread_mutex_unlock(&c->lock);
	if (!ok)
		return sl_seterr(errstr, errstr_size,
				 "config topic %s: not read to its end in 60 s", ws->config_topic);
	rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, c->slots_topic, RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(c->member, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	if (err)
		return sl_seterr(errstr, errstr_size, "group %s: cannot join: %s", ws->group_id,
				 rd_kafka_err2str(err));
	atomic_store(&c->lease, sl_now_ms() + ws->session_timeout_ms / 2);
	reconcile(c); /* connectors known (no task runs before a slot is held) */
	pthread_create(&c->lease_th, NULL, lease_main, c);
	pthread_create(&c->herder_th, NULL, herder_main, c);
	c->herding = true;
	SL_INFO(NULL,
		"cluster: worker %s joined group %s (configs %s, statuses %s, offsets %s, slots "
		"%s)",
		c->worker_id, ws->group_id, ws->config_topic, ws->status_topic, ws->offset_topic,
		c->slots_topic);
	return 0;
}

void sl_cluster_free(sl_cluster_t *c)
{
	if (!c)
		return;
	atomic_store(&c->stop, true);
	if (c->herding) {
		pthread_join(c->herder_th, NULL);
		pthread_join(c->lease_th, NULL);
	} else if (c->member)
		rd_kafka_consumer_close(c->member);
	if (c->reading)
		pthread_join(c->reader_th, NULL);
	if (c->member)
		rd_kafka_destroy(c->member);
	if (c->reader) {
		rd_kafka_consumer_close(c->reader);
		rd_kafka_destroy(c->reader);
	}
	if (c->config_writer) {
		rd_kafka_flush(c->config_writer, 5000);
		rd_kafka_destroy(c->config_writer);
	}
	if (c->status_writer)
		rd_kafka_destroy(c->status_writer);
	sl_cview_free(&c->view);
	free(c->held);
	free(c->slots_topic);
	free(c->worker_id);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->write_lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}
