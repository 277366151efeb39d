/* The worker's metrics: the counters a task keeps (written on the task
 * thread, read by the REST thread), the gauges and histograms connectors
 * report through connector.h, and their rendering in Prometheus' text
 * format (0.0.4) under the names the JMX exporter gives Kafka Connect's. */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/connector.h"

typedef struct sl_worker sl_worker_t;

/* Kafka Connect's windowed statistics (metrics.sample.window.ms 30 s,
 * metrics.num.samples 2): average and maximum over the last one to two
 * windows. Not thread safe: the owner's lock guards it. */
#define SL_STAT_WINDOW_MS 30000
#define SL_STAT_SAMPLES 2

typedef struct sl_stat {
	int64_t start_ms[SL_STAT_SAMPLES]; /* when each sample began; 0: never */
	double sum[SL_STAT_SAMPLES];
	double max[SL_STAT_SAMPLES];
	uint64_t count[SL_STAT_SAMPLES];
	int cur;
} sl_stat_t;

/* Adds a value observed at now_ms (monotonic). */
void sl_stat_record(sl_stat_t *s, double v, int64_t now_ms);
/* The average / maximum of the values of the samples still in the window
 * at now_ms; NaN when there are none (as Kafka's metrics say). */
double sl_stat_avg(const sl_stat_t *s, int64_t now_ms);
double sl_stat_max(const sl_stat_t *s, int64_t now_ms);

/* Upper bounds (seconds) of the buckets of every sluice histogram; +Inf
 * is implied. */
#define SL_HISTO_BUCKETS 13
extern const double sl_histo_bounds[SL_HISTO_BUCKETS];

typedef enum sl_custom_kind {
	SL_CUSTOM_GAUGE = 1,
	SL_CUSTOM_HISTOGRAM,
} sl_custom_kind_t;

/* Brokers whose round trips a client's gauge follows; a response from
 * one more takes the place of one silent for Kafka's whole window. */
#define SL_RTT_BROKERS 16

/* A metric a connector reports (sl_task_metric_set / _observe). */
typedef struct sl_custom_metric {
	char *name; /* full name, "sluice_" prefixed */
	char *help;
	sl_custom_kind_t kind;
	double value;                           /* gauge */
	uint64_t buckets[SL_HISTO_BUCKETS + 1]; /* histogram: per bucket, not cumulative */
	double sum;
	uint64_t count;
} sl_custom_metric_t;

/* What a task counts. Counters and gauges are atomics (the task thread
 * writes them per record, the REST thread reads); the windowed statistics
 * and the connector's own metrics are under lock. */
typedef struct sl_task_metrics {
	/* source-task-metrics */
	atomic_uint_least64_t poll_total;  /* records returned by poll */
	atomic_uint_least64_t write_total; /* records acknowledged by Kafka */
	atomic_uint_least64_t active;      /* polled, not yet acknowledged */
	/* sink-task-metrics */
	atomic_uint_least64_t read_total; /* records consumed */
	atomic_uint_least64_t send_total; /* records put to the connector */
	atomic_uint_least64_t sink_active;
	atomic_int_least64_t lag_max; /* -1: not known yet */
	atomic_int partition_count;
	atomic_uint_least64_t commit_completion_total;
	atomic_uint_least64_t commit_skip_total;
	/* task-error-metrics */
	atomic_uint_least64_t record_errors;
	atomic_uint_least64_t record_failures;
	atomic_uint_least64_t records_skipped;
	atomic_uint_least64_t errors_logged;
	atomic_uint_least64_t dlq_requests;
	atomic_uint_least64_t dlq_failures;
	atomic_int_least64_t last_error_ms; /* wall clock; 0: never */
	atomic_uint_least64_t retries;
	/* sluice: librdkafka's producer queue (records and requests) */
	atomic_int_least64_t producer_queue; /* -1: no producer */

	pthread_mutex_t lock;  /* guards what follows */
	sl_stat_t batch_time;  /* source: poll; sink: put (ms) */
	sl_stat_t batch_size;  /* records per poll / put */
	sl_stat_t commit_ok;   /* 1 per successful offset commit, 0 per failed */
	sl_stat_t commit_time; /* ms */
	/* sluice: request round trips of the task's producer [0] and
	 * consumer [1] per broker (sl_task_metrics_round_trip) */
	struct sl_broker_rtt {
		int32_t broker;
		sl_stat_t seconds;
	} rtt[2][SL_RTT_BROKERS];
	size_t rtt_count[2];
	sl_custom_metric_t *custom;
	size_t custom_count, custom_cap;
} sl_task_metrics_t;

void sl_task_metrics_init(sl_task_metrics_t *m);
void sl_task_metrics_destroy(sl_task_metrics_t *m);
/* Task thread: one poll (source) or put (sink) of n records that took ms. */
void sl_task_metrics_batch(sl_task_metrics_t *m, size_t n, int64_t ms);
/* Task thread: one offset commit, successful or not, that took ms. */
void sl_task_metrics_commit(sl_task_metrics_t *m, bool ok, int64_t ms);
/* Task thread: one record error; skipped when the policy tolerated it. */
void sl_task_metrics_error(sl_task_metrics_t *m, bool skipped);
/* Any thread (a Kafka client's broker thread): a response of broker to
 * the task's producer or consumer after seconds, at now_ms (monotonic).
 * Sets the gauge sluice_kafka_producer_broker_rtt_seconds (or _consumer_)
 * to the slowest broker's average round trip over Kafka's metrics window
 * (sl_stat_t); without responses the gauge keeps its last value. */
void sl_task_metrics_round_trip(sl_task_metrics_t *m, bool consumer, int32_t broker, double seconds,
				int64_t now_ms);

/* Kafka Connect's worker startup counters (connect-worker-metrics'
 * connector-startup-* and task-startup-*): counted for the process. */
typedef enum sl_startup_event {
	SL_STARTUP_CONNECTOR_ATTEMPT,
	SL_STARTUP_CONNECTOR_SUCCESS,
	SL_STARTUP_CONNECTOR_FAILURE,
	SL_STARTUP_TASK_ATTEMPT,
	SL_STARTUP_TASK_SUCCESS,
	SL_STARTUP_TASK_FAILURE,
	SL_STARTUP_EVENTS
} sl_startup_event_t;
void sl_metrics_startup(sl_startup_event_t e);

/* The exposition text of every metric of w (malloc()ed; the caller
 * frees). Never fails. Takes the worker's lock once, briefly: the
 * tasks' values are copied under it and rendered after. */
char *sl_metrics_render(sl_worker_t *w);

/* What sl_worker_each_task calls: once per task of each connector, and
 * once with task -1 and t NULL for a connector without tasks. state is
 * the connector's ("RUNNING", "PAUSED", "STOPPED", "FAILED"). Everything
 * is borrowed for the call. */
typedef void (*sl_metrics_task_fn)(void *arg, const char *connector, const sl_connector_t *plugin,
				   const char *state, int task, sl_task_ctx_t *t);
/* sl_metrics_render over any walk of tasks: walk(src, fn, arg) calls fn
 * as sl_worker_each_task does (tests walk tasks of their own). */
typedef void (*sl_metrics_walk_fn)(void *src, sl_metrics_task_fn fn, void *arg);
char *sl_metrics_render_walk(sl_metrics_walk_fn walk, void *src);

#endif
