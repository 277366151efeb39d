/* Helpers shared by the integration tests: the embedded Kafka, files of
 * lines, waiting for them, and a connector's task state and trace as the
 * status API reports them. Header-only, like the runner. */
#ifndef SL_ITEST_H
#define SL_ITEST_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "runner.h"
#include "sluice/util.h"
#include "worker.h"

/* A Kafka of the embedded cluster, quiet but for errors; NULL when it
 * could not start. */
static inline sl_kafka_t *itest_embedded_kafka(void)
{
	char err[256];
	sl_config_t *c = sl_config_new();
	sl_config_set(c, "bootstrap.servers", "embedded", NULL, 0);
	sl_config_set(c, "log.level", "error", NULL, 0);
	sl_kafka_t *k = sl_kafka_new(c, err, sizeof(err));
	sl_config_free(c);
	return k;
}

/* Appends "<prefix><8-digit i>\n" for i in [from, to]. */
static inline void itest_append_lines(const char *path, int from, int to, const char *prefix)
{
	FILE *f = fopen(path, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int i = from; i <= to; i++)
		fprintf(f, "%s%08d\n", prefix, i);
	fclose(f);
}

static inline long itest_count_lines(const char *path)
{
	size_t len = 0;
	char *text = sl_file_read_all(path, &len);
	long n = 0;
	for (size_t i = 0; text && i < len; i++)
		n += text[i] == '\n';
	free(text);
	return n;
}

/* True once path holds at least n lines, false after timeout_ms. */
static inline bool itest_wait_lines(const char *path, long n, int timeout_ms)
{
	int64_t end = sl_now_ms() + timeout_ms;
	while (sl_now_ms() < end) {
		if (itest_count_lines(path) >= n)
			return true;
		sl_sleep_ms(50);
	}
	return itest_count_lines(path) >= n;
}

/* State ("RUNNING", "FAILED", ...) of task 0 of a connector, and its
 * trace when trace is not NULL (both malloc()ed; trace may be NULL). */
static inline char *itest_task_state(sl_worker_t *w, const char *name, char **trace)
{
	json_t *st = sl_worker_connector_status(w, name);
	if (trace)
		*trace = NULL;
	if (!st)
		return sl_strdup("MISSING");
	json_t *t0 = json_array_get(json_object_get(st, "tasks"), 0);
	char *s = sl_strdup(t0 ? json_string_value(json_object_get(t0, "state")) : "NONE");
	if (trace && t0)
		*trace = sl_strdup(json_string_value(json_object_get(t0, "trace")));
	json_decref(st);
	return s;
}

static inline bool itest_wait_state(sl_worker_t *w, const char *name, const char *state,
				    int timeout_ms)
{
	int64_t end = sl_now_ms() + timeout_ms;
	for (;;) {
		char *s = itest_task_state(w, name, NULL);
		bool ok = !strcmp(s, state);
		free(s);
		if (ok)
			return true;
		if (sl_now_ms() >= end)
			return false;
		sl_sleep_ms(50);
	}
}

/* A config from NULL-terminated key, value pairs. */
static inline sl_config_t *itest_conf(const char *const *kv)
{
	sl_config_t *c = sl_config_new();
	for (; kv[0]; kv += 2)
		sl_config_set(c, kv[0], kv[1], "test", 0);
	return c;
}

static inline void itest_add(sl_worker_t *w, const char *const *kv)
{
	sl_config_t *c = itest_conf(kv);
	char err[512];
	int rc = sl_worker_add_connector(w, c, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "add_connector: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	sl_config_free(c);
}

/* Adds "<name>-src", a file-source of in into topic, and "<name>-sink",
 * a file-sink of topic into out. */
static inline void itest_add_file_pipeline(sl_worker_t *w, const char *name, const char *in,
					   const char *topic, const char *out)
{
	char *src_name = sl_asprintf("%s-src", name), *sink_name = sl_asprintf("%s-sink", name);
	const char *src[] = {"name",        src_name, "connector.class",
			     "file-source", "file",   in,
			     "topic",       topic,    NULL};
	const char *snk[] = {"name",      sink_name, "connector.class",
			     "file-sink", "topics",  topic,
			     "file",      out,       NULL};
	itest_add(w, src);
	itest_add(w, snk);
	free(src_name);
	free(sink_name);
}

static inline void itest_remove(sl_worker_t *w, const char *name)
{
	char err[512];
	CU_ASSERT_EQUAL(sl_worker_remove_connector(w, name, err, sizeof(err)), 0);
}

/* A suite's worker in a temporary directory (its offset file there), on the
 * embedded cluster or, with own_mock, on a mock cluster of the suite's own
 * that the tests can make refuse requests. */
typedef struct itest_env {
	char *dir;
	rd_kafka_t *mock_host;
	rd_kafka_mock_cluster_t *mock; /* NULL on the embedded cluster */
	sl_worker_t *worker;
} itest_env_t;

/* "<dir>/<name>", malloc()ed. */
static inline char *itest_path(const itest_env_t *env, const char *name)
{
	return sl_asprintf("%s/%s", env->dir, name);
}

/* Starts the suite's worker: string converters, offsets flushed every
 * 200 ms, short consumer timeouts, then the NULL-terminated key, value
 * pairs of extra (may be NULL) over them. 0, or 1 (CUnit's suite init
 * failure) with the reason on stderr. */
static inline int itest_env_open(itest_env_t *env, bool own_mock, const char *const *extra)
{
	char tmpl[] = "/tmp/sluice-itest-XXXXXX", err[512];
	memset(env, 0, sizeof(*env));
	env->dir = sl_strdup(mkdtemp(tmpl));
	if (own_mock) {
		rd_kafka_conf_t *mc = rd_kafka_conf_new();
		rd_kafka_conf_set(mc, "log_level", "0", err, sizeof(err));
		env->mock_host = rd_kafka_new(RD_KAFKA_PRODUCER, mc, err, sizeof(err));
		env->mock = env->mock_host ? rd_kafka_mock_cluster_new(env->mock_host, 1) : NULL;
		if (!env->mock)
			return 1;
	}
	char *offsets = itest_path(env, "offsets.json");
	const char *kv[] = {"bootstrap.servers",
			    env->mock ? rd_kafka_mock_cluster_bootstraps(env->mock) : "embedded",
			    "offset.storage.file.filename",
			    offsets,
			    "offset.flush.interval.ms",
			    "200",
			    "value.converter",
			    "string",
			    "key.converter",
			    "string",
			    "log.level",
			    "warn",
			    "consumer.session.timeout.ms",
			    "10000",
			    "consumer.heartbeat.interval.ms",
			    "1000",
			    NULL};
	sl_config_t *c = itest_conf(kv);
	for (; extra && extra[0]; extra += 2)
		sl_config_set(c, extra[0], extra[1], "test", 0);
	env->worker = sl_worker_new(c, err, sizeof(err));
	if (!env->worker)
		fprintf(stderr, "worker: %s\n", err);
	sl_config_free(c);
	free(offsets);
	return env->worker ? 0 : 1;
}

/* Stops the worker and the mock cluster and removes the directory. */
static inline int itest_env_close(itest_env_t *env)
{
	sl_worker_free(env->worker);
	if (env->mock)
		rd_kafka_mock_cluster_destroy(env->mock);
	if (env->mock_host)
		rd_kafka_destroy(env->mock_host);
	char *cmd = sl_asprintf("rm -rf '%s'", env->dir);
	int rc = system(cmd);
	free(cmd);
	free(env->dir);
	memset(env, 0, sizeof(*env));
	return rc == 0 ? 0 : 1;
}

#endif
