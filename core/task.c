/* A task's context and lifecycle: the accessors connector.h promises, the
 * state machine, retries with backoff, and the error policy (tolerance,
 * error log, dead letter queue). */
#include "task.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sluice/array.h"
#include "sluice/log.h"

/* Longest wait between two attempts of an operation that failed
 * transiently, unless errors.retry.delay.max.ms is lower: a full disk or a
 * database that comes back is noticed within this long. */
#define SL_TASK_RETRY_DELAY_MAX_MS 10000

static const char *const state_names[] = {"UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "STOPPED"};

const char *sl_task_state_name(sl_task_state_t s)
{
	return state_names[s];
}

/* ---- connector.h accessors ---- */

const char *sl_task_tag(const sl_task_ctx_t *ctx)
{
	return ctx->tag;
}

const char *sl_task_connector_name(const sl_task_ctx_t *ctx)
{
	return ctx->env.settings->name;
}

int sl_task_id(const sl_task_ctx_t *ctx)
{
	return ctx->id;
}

int sl_task_count(const sl_task_ctx_t *ctx)
{
	return ctx->env.task_count > 0 ? ctx->env.task_count : 1;
}

void sl_task_set_data(sl_task_ctx_t *ctx, void *data)
{
	ctx->data = data;
}

void *sl_task_data(const sl_task_ctx_t *ctx)
{
	return ctx->data;
}

int sl_task_timeout_ms(const sl_task_ctx_t *ctx)
{
	return 500;
}

void sl_task_set_sink_headers(sl_task_ctx_t *ctx, bool wanted)
{
	ctx->sink_headers_off = !wanted;
}

void sl_task_request_flush(sl_task_ctx_t *ctx)
{
	ctx->flush_requested = true;
}

bool sl_task_stopping(const sl_task_ctx_t *ctx)
{
	return atomic_load(&((sl_task_ctx_t *)ctx)->stop);
}

json_t *sl_task_stored_offset(sl_task_ctx_t *ctx, const json_t *source_partition)
{
	return sl_offset_store_get(ctx->env.offsets, ctx->env.settings->name, source_partition);
}

void sl_task_fail(sl_task_ctx_t *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->fail_reason, sizeof(ctx->fail_reason), fmt, ap);
	va_end(ap);
}

/* ---- lifecycle ---- */

sl_task_ctx_t *sl_task_new(const sl_task_env_t *env, int id, const sl_config_t *task_config)
{
	sl_task_ctx_t *t = sl_calloc(1, sizeof(*t));
	t->env = *env;
	t->id = id;
	t->tag = sl_asprintf("%s/%d", env->settings->name, id);
	t->config = sl_config_dup(task_config);
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	t->state = SL_TASK_UNASSIGNED;
	t->created_ms = t->state_since_ms = sl_now_ms();
	sl_task_metrics_init(&t->metrics);
	return t;
}

int sl_task_start(sl_task_ctx_t *t, char *errstr, size_t errstr_size)
{
	void *(*run)(void *) =
		t->env.plugin->kind == SL_SOURCE ? sl_source_task_run : sl_sink_task_run;
	sl_metrics_startup(SL_STARTUP_TASK_ATTEMPT);
	int rc = pthread_create(&t->thread, NULL, run, t);
	if (rc != 0) {
		sl_metrics_startup(SL_STARTUP_TASK_FAILURE);
		return sl_seterr(errstr, errstr_size, "%s: cannot start thread: %s", t->tag,
				 strerror(rc));
	}
	t->thread_started = true;
	return 0;
}

void sl_task_stop_and_free(sl_task_ctx_t *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->stop, true);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (t->thread_started)
		pthread_join(t->thread, NULL);
	for (size_t i = 0; i < t->known_count; i++)
		free(t->known_topics[i].name);
	free(t->known_topics);
	sl_config_free(t->config);
	free(t->trace);
	free(t->tag);
	sl_task_metrics_destroy(&t->metrics);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
#ifdef __GLIBC__
	/* glibc keeps the pages a task freed until a trim (or until its heap's
	 * top is free): scripts/soak.sh, one pause, restart or reload a
	 * minute, saw RSS grow 21 % in 15 minutes with glibc's in-use bytes
	 * flat, when each task thread still had an arena of its own (main.c,
	 * one_malloc_arena). Giving back the free pages is cheap next to a
	 * task's stop (its Kafka clients). */
	malloc_trim(0);
#endif
}

/* Moves t to state s, adding the time spent in the state it leaves to its
 * running / paused time; a task leaving UNASSIGNED started (RUNNING or
 * PAUSED) or failed to (FAILED). Called with t->lock held. */
static void change_state(sl_task_ctx_t *t, sl_task_state_t s)
{
	int64_t now = sl_now_ms(), spent = now - t->state_since_ms;
	if (t->state == SL_TASK_RUNNING)
		t->running_ms += spent;
	else if (t->state == SL_TASK_PAUSED)
		t->paused_ms += spent;
	if (t->state == SL_TASK_UNASSIGNED && s != SL_TASK_UNASSIGNED)
		sl_metrics_startup(s == SL_TASK_FAILED ? SL_STARTUP_TASK_FAILURE
						       : SL_STARTUP_TASK_SUCCESS);
	t->state_since_ms = now;
	t->state = s;
}

void sl_task_state_times(sl_task_ctx_t *t, int64_t *running_ms, int64_t *paused_ms,
			 int64_t *total_ms)
{
	pthread_mutex_lock(&t->lock);
	int64_t now = sl_now_ms(), spent = now - t->state_since_ms;
	*running_ms = t->running_ms + (t->state == SL_TASK_RUNNING ? spent : 0);
	*paused_ms = t->paused_ms + (t->state == SL_TASK_PAUSED ? spent : 0);
	*total_ms = now - t->created_ms;
	pthread_mutex_unlock(&t->lock);
}

void sl_task_set_paused(sl_task_ctx_t *t, bool paused)
{
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->paused, paused);
	if (t->state == SL_TASK_RUNNING || t->state == SL_TASK_PAUSED)
		change_state(t, paused ? SL_TASK_PAUSED : SL_TASK_RUNNING);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

sl_task_state_t sl_task_get_state(sl_task_ctx_t *t, char **trace_out)
{
	pthread_mutex_lock(&t->lock);
	sl_task_state_t s = t->state;
	if (trace_out)
		*trace_out = sl_strdup(t->trace);
	pthread_mutex_unlock(&t->lock);
	return s;
}

void sl_task_set_state(sl_task_ctx_t *t, sl_task_state_t s, const char *trace)
{
	pthread_mutex_lock(&t->lock);
	if (s == SL_TASK_RUNNING && atomic_load(&t->paused))
		s = SL_TASK_PAUSED;
	change_state(t, s);
	if (trace) {
		free(t->trace);
		t->trace = sl_strdup(trace);
	}
	pthread_mutex_unlock(&t->lock);
}

bool sl_task_hold_while_fenced(sl_task_ctx_t *t)
{
	bool told = false;
	if (!sl_task_fenced(t))
		return true;
	while (sl_task_fenced(t) && !atomic_load(&t->stop)) {
		if (!told)
			SL_INFO(t->tag, "holding records back: this worker's membership is not "
					"confirmed");
		told = true;
		sl_task_wait(t, 50);
	}
	return !atomic_load(&t->stop);
}

void sl_task_mark_failed(sl_task_ctx_t *t, const char *fallback)
{
	const char *why = t->fail_reason[0] ? t->fail_reason : fallback;
	SL_ERROR(t->tag, "task FAILED: %s", why);
	sl_task_set_state(t, SL_TASK_FAILED, why);
}

void sl_task_wait(sl_task_ctx_t *t, int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&t->lock);
	bool paused = atomic_load(&t->paused);
	while (!atomic_load(&t->stop) && atomic_load(&t->paused) == paused) {
		if (pthread_cond_timedwait(&t->cond, &t->lock, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&t->lock);
}

sl_rc_t sl_task_with_retry(sl_task_ctx_t *t, const char *what, sl_task_op_fn op, void *arg)
{
	const sl_connector_settings_t *s = t->env.settings;
	int64_t start = sl_now_ms();
	int64_t max_delay = s->errors_retry_delay_max_ms;
	if (max_delay <= 0 || max_delay > SL_TASK_RETRY_DELAY_MAX_MS)
		max_delay = SL_TASK_RETRY_DELAY_MAX_MS;
	sl_backoff_t bo;
	sl_backoff_init(&bo, 300, max_delay, (uint64_t)start ^ (uint64_t)t->id);
	for (unsigned retries = 0;; retries++) {
		t->fail_reason[0] = '\0';
		sl_rc_t rc = op(t, arg);
		if (rc != SL_RETRY && retries)
			SL_INFO(t->tag, "%s %s after %u retr%s (%lld ms)", what,
				rc == SL_OK ? "succeeded" : "failed", retries,
				retries == 1 ? "y" : "ies", (long long)(sl_now_ms() - start));
		if (rc != SL_RETRY || atomic_load(&t->stop))
			return rc;
		atomic_fetch_add(&t->metrics.retries, 1);
		int64_t delay = sl_backoff_next(&bo);
		SL_WARN(t->tag,
			"%s failed (retriable)%s%s; waiting %lld ms before retry %u (failing for "
			"%lld ms; retried until it works or the task is stopped)",
			what, t->fail_reason[0] ? ": " : "", t->fail_reason, (long long)delay,
			retries + 1, (long long)(sl_now_ms() - start));
		sl_task_wait(t, delay);
	}
}

const sl_known_topic_t *sl_task_ensure_topic(sl_task_ctx_t *t, rd_kafka_t *rk, const char *topic,
					     int partitions, int replication_factor)
{
	/* Records of a batch mostly go to the topic of the one before: one
	 * strcmp, not a walk over every known topic. */
	if (t->last_known && !strcmp(t->known_topics[t->last_known - 1].name, topic))
		return &t->known_topics[t->last_known - 1];
	for (size_t i = 0; i < t->known_count; i++) {
		if (!strcmp(t->known_topics[i].name, topic)) {
			t->last_known = i + 1;
			return &t->known_topics[i];
		}
	}
	char err[512];
	if (sl_kafka_ensure_topic(t->env.kafka, rk, topic, partitions, replication_factor, 10000,
				  err, sizeof(err)) != 0) {
		/* The broker may still create it on first produce
		 * (auto.create.topics.enable); go on and let delivery tell. */
		SL_WARN(t->tag, "could not make sure topic %s exists: %s", topic, err);
	}
	SL_ARRAY_RESERVE(t->known_topics, t->known_count + 1, t->known_cap);
	sl_known_topic_t *k = &t->known_topics[t->known_count++];
	t->last_known = t->known_count;
	k->name = sl_strdup(topic);
	/* A source learns the largest batch the topic takes, to send a record
	 * too large for it through the error policy before it is produced. A
	 * broker answers at once; one that does not answer costs a short wait
	 * once per topic, and its records are then not checked. */
	bool source = t->env.plugin->kind == SL_SOURCE && rk == t->producer;
	k->max_message_bytes = source && !sl_kafka_is_embedded(t->env.kafka)
				       ? sl_kafka_topic_max_message_bytes(rk, topic, 2000)
				       : -1;
	return k;
}

void sl_task_on_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	sl_task_ctx_t *t = opaque;
	if (err == RD_KAFKA_RESP_ERR__FATAL && rk == t->producer) {
		char buf[512];
		rd_kafka_fatal_error(rk, buf, sizeof(buf));
		if (!atomic_exchange(&t->producer_fatal, true))
			sl_task_fail(t, "producer fatal error: %s", buf);
		return;
	}
	SL_WARN(t->tag, "kafka: %s", reason);
}

static sl_converter_t *make_converter(sl_task_ctx_t *t, bool is_key)
{
	const char *key = is_key ? "key.converter" : "value.converter";
	const char *prefix = is_key ? "key.converter." : "value.converter.";
	const sl_config_t *from = t->env.connector_config;
	const char *name = sl_config_get(from, key);
	if (!name) {
		from = t->env.worker_config;
		name = sl_config_get(from, key);
	}
	if (!name)
		name = "json";
	sl_config_t *props = from ? sl_config_subset(from, prefix, true) : NULL;
	char err[512];
	sl_converter_t *c = sl_converter_new(name, is_key, props, err, sizeof(err));
	sl_config_free(props);
	if (!c)
		sl_task_fail(t, "%s: %s", key, err);
	return c;
}

/* The connector's transform chain (validated with the connector's config
 * already; a failure here is a config changed under the task). */
static int make_chain(sl_task_ctx_t *t)
{
	sl_errlist_t errs = {0};
	bool failed = false;
	t->chain = sl_transform_chain_new(t->env.connector_config, &errs, &failed);
	if (failed)
		sl_task_fail(t, "transforms: %s%s", errs.count ? errs.items[0] : "invalid",
			     errs.count > 1 ? " (and more)" : "");
	sl_errlist_free(&errs);
	return failed ? -1 : 0;
}

int sl_task_make_converters(sl_task_ctx_t *t)
{
	t->key_conv = make_converter(t, true);
	if (!t->key_conv)
		return -1;
	t->value_conv = make_converter(t, false);
	if (!t->value_conv)
		return -1;
	return t->env.connector_config ? make_chain(t) : 0;
}

char *sl_task_client_id(const sl_task_ctx_t *t, const char *kind)
{
	return sl_asprintf("connector-%s-%s-%d", kind, t->env.settings->name, t->id);
}

/* Kafka's requests a broker holds on purpose: a fetch until records come
 * (fetch.wait.max.ms), a group join or sync until the group settles.
 * Their time is waiting, not a round trip. */
static bool held_by_broker(int16_t api_key)
{
	enum {
		FETCH = 1,
		JOIN_GROUP = 11,
		SYNC_GROUP = 14
	};
	return api_key == FETCH || api_key == JOIN_GROUP || api_key == SYNC_GROUP;
}

/* librdkafka's on_response_received interceptor, on a broker thread: the
 * round trip of every request into the task's gauge. It replaces
 * librdkafka's statistics (statistics.interval.ms), which time every
 * message as well, in a histogram that costs a small record about 2 % of
 * a source's CPU. */
static rd_kafka_resp_err_t on_response(rd_kafka_t *rk, int sockfd, const char *brokername,
				       int32_t brokerid, int16_t api_key, int16_t api_version,
				       int32_t corr_id, size_t size, int64_t rtt_us,
				       rd_kafka_resp_err_t err, void *opaque)
{
	(void)sockfd, (void)brokername, (void)api_version, (void)corr_id, (void)size;
	sl_task_ctx_t *t = opaque;
	if (!err && rtt_us >= 0 && !held_by_broker(api_key))
		sl_task_metrics_round_trip(&t->metrics, rd_kafka_type(rk) == RD_KAFKA_CONSUMER,
					   brokerid, (double)rtt_us / 1e6, sl_now_ms());
	return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t on_new(rd_kafka_t *rk, const rd_kafka_conf_t *conf, void *opaque,
				  char *errstr, size_t errstr_size)
{
	(void)conf, (void)errstr, (void)errstr_size;
	return rd_kafka_interceptor_add_on_response_received(rk, "sluice-rtt", on_response, opaque);
}

/* The settings a task's client starts from, before the worker's and the
 * connector's: the connector's producer defaults, into out
 * (NULL-terminated pairs). */
static void client_defaults(const sl_task_ctx_t *t, sl_client_kind_t kind, const char **out,
			    size_t max)
{
	size_t n = 0;
	const char *const *plugin =
		kind == SL_CLIENT_PRODUCER ? t->env.plugin->producer_defaults : NULL;
	for (size_t i = 0; plugin && plugin[i] && plugin[i + 1] && n + 3 <= max; i += 2) {
		out[n++] = plugin[i];
		out[n++] = plugin[i + 1];
	}
	out[n] = NULL;
}

rd_kafka_conf_t *sl_task_client_conf(sl_task_ctx_t *t, sl_client_kind_t kind, const char *role)
{
	static const char *const override_prefix[] = {
		[SL_CLIENT_PRODUCER] = "producer.override.",
		[SL_CLIENT_CONSUMER] = "consumer.override.",
		[SL_CLIENT_ADMIN] = "admin.override.",
	};
	char err[512];
	sl_config_t *ov = sl_config_subset(t->env.connector_config, override_prefix[kind], true);
	char *cid = sl_task_client_id(t, role);
	const char *defaults[33];
	client_defaults(t, kind, defaults, SL_ARRAY_LEN(defaults));
	rd_kafka_conf_t *conf =
		sl_kafka_conf(t->env.kafka, kind, defaults, ov, cid, err, sizeof(err));
	free(cid);
	sl_config_free(ov);
	if (!conf) {
		sl_task_fail(t, "%s configuration: %s", role, err);
	} else if (kind != SL_CLIENT_ADMIN) {
		rd_kafka_conf_interceptor_add_on_new(conf, "sluice-rtt", on_new, t);
		rd_kafka_conf_set_opaque(conf, t);
	}
	return conf;
}
