/* The worker's metrics in Prometheus' text format (0.0.4), named as the
 * JMX exporter's common Kafka Connect rules name Kafka Connect's MBeans:
 * kafka_connect_<type>_<attribute> with '-' made '_', labels connector and
 * task; plus the sluice_* metrics Kafka Connect has no name for. The
 * values are copied from the tasks under the worker's lock, then rendered
 * without it: a scrape never holds up a task for longer than the copy. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/array.h"
#include "sluice/util.h"
#include "task.h"
#include "worker.h"

const double sl_histo_bounds[SL_HISTO_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
						  0.25,  0.5,    1,     2.5,  5,     10};

/* ---- windowed statistics ---- */

/* Whether sample i still counts at now: Kafka's SampledStat keeps a sample
 * until it is metrics.num.samples windows old. */
static bool sample_live(const sl_stat_t *s, int i, int64_t now_ms)
{
	return s->count[i] && now_ms - s->start_ms[i] < SL_STAT_WINDOW_MS * SL_STAT_SAMPLES;
}

void sl_stat_record(sl_stat_t *s, double v, int64_t now_ms)
{
	int i = s->cur;
	if (!s->count[i] || now_ms - s->start_ms[i] >= SL_STAT_WINDOW_MS) {
		if (s->count[i])
			i = s->cur = (s->cur + 1) % SL_STAT_SAMPLES;
		s->start_ms[i] = now_ms;
		s->sum[i] = 0;
		s->max[i] = v;
		s->count[i] = 0;
	}
	s->sum[i] += v;
	if (v > s->max[i])
		s->max[i] = v;
	s->count[i]++;
}

double sl_stat_avg(const sl_stat_t *s, int64_t now_ms)
{
	double sum = 0;
	uint64_t n = 0;
	for (int i = 0; i < SL_STAT_SAMPLES; i++) {
		if (sample_live(s, i, now_ms)) {
			sum += s->sum[i];
			n += s->count[i];
		}
	}
	return n ? sum / (double)n : NAN;
}

double sl_stat_max(const sl_stat_t *s, int64_t now_ms)
{
	double max = NAN;
	for (int i = 0; i < SL_STAT_SAMPLES; i++)
		if (sample_live(s, i, now_ms) && (isnan(max) || s->max[i] > max))
			max = s->max[i];
	return max;
}

/* ---- a task's counters ---- */

void sl_task_metrics_init(sl_task_metrics_t *m)
{
	pthread_mutex_init(&m->lock, NULL);
	atomic_store(&m->lag_max, -1);
	atomic_store(&m->producer_queue, -1);
}

void sl_task_metrics_destroy(sl_task_metrics_t *m)
{
	for (size_t i = 0; i < m->custom_count; i++) {
		free(m->custom[i].name);
		free(m->custom[i].help);
	}
	free(m->custom);
	m->custom = NULL;
	m->custom_count = m->custom_cap = 0;
	pthread_mutex_destroy(&m->lock);
}

void sl_task_metrics_batch(sl_task_metrics_t *m, size_t n, int64_t ms)
{
	int64_t now = sl_now_ms();
	pthread_mutex_lock(&m->lock);
	sl_stat_record(&m->batch_time, (double)ms, now);
	sl_stat_record(&m->batch_size, (double)n, now);
	pthread_mutex_unlock(&m->lock);
}

void sl_task_metrics_commit(sl_task_metrics_t *m, bool ok, int64_t ms)
{
	int64_t now = sl_now_ms();
	pthread_mutex_lock(&m->lock);
	sl_stat_record(&m->commit_ok, ok ? 1.0 : 0.0, now);
	if (ok) /* as Kafka Connect: the time of successful commits only */
		sl_stat_record(&m->commit_time, (double)ms, now);
	pthread_mutex_unlock(&m->lock);
}

void sl_task_metrics_error(sl_task_metrics_t *m, bool skipped)
{
	/* sluice does not retry a bad record: each is one failure and one
	 * error in Kafka Connect's terms */
	atomic_fetch_add(&m->record_failures, 1);
	atomic_fetch_add(&m->record_errors, 1);
	if (skipped)
		atomic_fetch_add(&m->records_skipped, 1);
	atomic_store(&m->last_error_ms, sl_wallclock_ms());
}

/* ---- the connector-facing API (connector.h) ---- */

/* Prometheus metric names are [a-zA-Z_:][a-zA-Z0-9_:]*; anything else
 * becomes '_'. */
static char *custom_name(const char *name)
{
	char *full = sl_asprintf("sluice_%s", name ? name : "");
	for (char *p = full; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == ':';
		if (!ok)
			*p = '_';
	}
	return full;
}

/* The task's metric of that name and kind, made on first use; NULL when
 * the name is taken by the other kind. Called with m->lock held. */
static sl_custom_metric_t *custom_get(sl_task_metrics_t *m, const char *name, const char *help,
				      sl_custom_kind_t kind)
{
	char *full = custom_name(name);
	sl_custom_metric_t *c = NULL;
	for (size_t i = 0; i < m->custom_count && !c; i++)
		if (!strcmp(m->custom[i].name, full))
			c = &m->custom[i];
	if (!c) {
		SL_ARRAY_RESERVE(m->custom, m->custom_count + 1, m->custom_cap);
		c = &m->custom[m->custom_count++];
		memset(c, 0, sizeof(*c));
		c->name = full;
		c->help = sl_strdup(help && *help ? help : "reported by the connector");
		c->kind = kind;
		full = NULL;
	}
	free(full);
	return c->kind == kind ? c : NULL;
}

void sl_task_metric_set(sl_task_ctx_t *ctx, const char *name, const char *help, double value)
{
	sl_task_metrics_t *m = &ctx->metrics;
	pthread_mutex_lock(&m->lock);
	sl_custom_metric_t *c = custom_get(m, name, help, SL_CUSTOM_GAUGE);
	if (c)
		c->value = value;
	pthread_mutex_unlock(&m->lock);
}

/* The broker's round trips among those of the client, or a place for
 * them: a free one, or that of a broker silent for the whole window. */
static sl_stat_t *broker_rtt(sl_task_metrics_t *m, int c, int32_t broker, int64_t now_ms)
{
	struct sl_broker_rtt *b = m->rtt[c];
	for (size_t i = 0; i < m->rtt_count[c]; i++)
		if (b[i].broker == broker)
			return &b[i].seconds;
	size_t at = m->rtt_count[c];
	if (at == SL_RTT_BROKERS) {
		for (at = 0; at < SL_RTT_BROKERS && !isnan(sl_stat_avg(&b[at].seconds, now_ms));
		     at++)
			;
		if (at == SL_RTT_BROKERS)
			return NULL;
	} else {
		m->rtt_count[c]++;
	}
	b[at] = (struct sl_broker_rtt){.broker = broker};
	return &b[at].seconds;
}

void sl_task_metrics_round_trip(sl_task_metrics_t *m, bool consumer, int32_t broker, double seconds,
				int64_t now_ms)
{
	static const char *const name[2] = {"kafka_producer_broker_rtt_seconds",
					    "kafka_consumer_broker_rtt_seconds"};
	static const char *const help[2] = {
		"The task's producer: the slowest broker's average request round trip.",
		"The task's consumer: the slowest broker's average request round trip "
		"(fetches, which wait for records, left out)."};
	int c = consumer;
	pthread_mutex_lock(&m->lock);
	sl_stat_t *s = broker_rtt(m, c, broker, now_ms);
	if (s) {
		sl_stat_record(s, seconds, now_ms);
		double worst = 0;
		for (size_t i = 0; i < m->rtt_count[c]; i++) {
			double avg = sl_stat_avg(&m->rtt[c][i].seconds, now_ms);
			if (avg > worst)
				worst = avg;
		}
		sl_custom_metric_t *g = custom_get(m, name[c], help[c], SL_CUSTOM_GAUGE);
		if (g)
			g->value = worst;
	}
	pthread_mutex_unlock(&m->lock);
}

void sl_task_metric_observe(sl_task_ctx_t *ctx, const char *name, const char *help, double value)
{
	sl_task_metrics_t *m = &ctx->metrics;
	pthread_mutex_lock(&m->lock);
	sl_custom_metric_t *c = custom_get(m, name, help, SL_CUSTOM_HISTOGRAM);
	if (c) {
		size_t b = 0;
		while (b < SL_HISTO_BUCKETS && value > sl_histo_bounds[b])
			b++;
		c->buckets[b]++;
		c->sum += value;
		c->count++;
	}
	pthread_mutex_unlock(&m->lock);
}

/* ---- the copy taken under the worker's lock ---- */

/* The values of one task (or of a connector without tasks: task -1). */
enum {
	V_POLL_TOTAL,
	V_WRITE_TOTAL,
	V_SRC_ACTIVE,
	V_READ_TOTAL,
	V_SEND_TOTAL,
	V_SINK_ACTIVE,
	V_LAG_MAX,
	V_PARTITIONS,
	V_COMMIT_COMPLETION,
	V_COMMIT_SKIP,
	V_BATCH_TIME_AVG,
	V_BATCH_TIME_MAX,
	V_BATCH_SIZE_AVG,
	V_BATCH_SIZE_MAX,
	V_COMMIT_OK_PCT,
	V_COMMIT_FAIL_PCT,
	V_COMMIT_AVG,
	V_COMMIT_MAX,
	V_RECORD_ERRORS,
	V_RECORD_FAILURES,
	V_SKIPPED,
	V_LOGGED,
	V_DLQ_REQUESTS,
	V_DLQ_FAILURES,
	V_LAST_ERROR,
	V_RETRIES,
	V_PRODUCER_QUEUE,
	V_RUNNING_RATIO,
	V_PAUSE_RATIO,
	V_COUNT
};

typedef struct snap {
	char *connector;
	const sl_connector_t *plugin;
	char *conn_state; /* the connector's, as given */
	int task;         /* -1: the connector has no task */
	sl_task_state_t state;
	double v[V_COUNT];
	sl_custom_metric_t *custom; /* copies; names and help owned */
	size_t custom_count;
} snap_t;

typedef struct snaps {
	snap_t *items;
	size_t count, cap;
} snaps_t;

static double load_u(atomic_uint_least64_t *a)
{
	return (double)atomic_load_explicit(a, memory_order_relaxed);
}

static double load_i(atomic_int_least64_t *a)
{
	return (double)atomic_load_explicit(a, memory_order_relaxed);
}

static void copy_counters(snap_t *s, sl_task_metrics_t *m)
{
	s->v[V_POLL_TOTAL] = load_u(&m->poll_total);
	s->v[V_WRITE_TOTAL] = load_u(&m->write_total);
	s->v[V_SRC_ACTIVE] = load_u(&m->active);
	s->v[V_READ_TOTAL] = load_u(&m->read_total);
	s->v[V_SEND_TOTAL] = load_u(&m->send_total);
	s->v[V_SINK_ACTIVE] = load_u(&m->sink_active);
	int64_t lag = atomic_load(&m->lag_max);
	s->v[V_LAG_MAX] = lag < 0 ? NAN : (double)lag;
	s->v[V_PARTITIONS] = atomic_load(&m->partition_count);
	s->v[V_COMMIT_COMPLETION] = load_u(&m->commit_completion_total);
	s->v[V_COMMIT_SKIP] = load_u(&m->commit_skip_total);
	s->v[V_RECORD_ERRORS] = load_u(&m->record_errors);
	s->v[V_RECORD_FAILURES] = load_u(&m->record_failures);
	s->v[V_SKIPPED] = load_u(&m->records_skipped);
	s->v[V_LOGGED] = load_u(&m->errors_logged);
	s->v[V_DLQ_REQUESTS] = load_u(&m->dlq_requests);
	s->v[V_DLQ_FAILURES] = load_u(&m->dlq_failures);
	s->v[V_LAST_ERROR] = load_i(&m->last_error_ms);
	s->v[V_RETRIES] = load_u(&m->retries);
	int64_t q = atomic_load(&m->producer_queue);
	s->v[V_PRODUCER_QUEUE] = q < 0 ? NAN : (double)q;
}

/* The windowed statistics and the connector's own metrics (under the
 * task's metrics lock). */
static void copy_locked(snap_t *s, sl_task_metrics_t *m)
{
	int64_t now = sl_now_ms();
	pthread_mutex_lock(&m->lock);
	s->v[V_BATCH_TIME_AVG] = sl_stat_avg(&m->batch_time, now);
	s->v[V_BATCH_TIME_MAX] = sl_stat_max(&m->batch_time, now);
	s->v[V_BATCH_SIZE_AVG] = sl_stat_avg(&m->batch_size, now);
	s->v[V_BATCH_SIZE_MAX] = sl_stat_max(&m->batch_size, now);
	double ok = sl_stat_avg(&m->commit_ok, now);
	s->v[V_COMMIT_OK_PCT] = ok;
	s->v[V_COMMIT_FAIL_PCT] = isnan(ok) ? NAN : 1.0 - ok;
	s->v[V_COMMIT_AVG] = sl_stat_avg(&m->commit_time, now);
	s->v[V_COMMIT_MAX] = sl_stat_max(&m->commit_time, now);
	s->custom_count = m->custom_count;
	s->custom = s->custom_count ? sl_calloc(s->custom_count, sizeof(*s->custom)) : NULL;
	for (size_t i = 0; i < m->custom_count; i++) {
		s->custom[i] = m->custom[i];
		s->custom[i].name = sl_strdup(m->custom[i].name);
		s->custom[i].help = sl_strdup(m->custom[i].help);
	}
	pthread_mutex_unlock(&m->lock);
}

static void collect(void *arg, const char *connector, const sl_connector_t *plugin,
		    const char *state, int task, sl_task_ctx_t *t)
{
	snaps_t *ss = arg;
	SL_ARRAY_RESERVE(ss->items, ss->count + 1, ss->cap);
	snap_t *s = &ss->items[ss->count++];
	memset(s, 0, sizeof(*s));
	s->connector = sl_strdup(connector);
	s->plugin = plugin;
	s->conn_state = sl_strdup(state);
	s->task = t ? task : -1;
	if (!t)
		return;
	s->state = sl_task_get_state(t, NULL);
	int64_t running, paused, total;
	sl_task_state_times(t, &running, &paused, &total);
	s->v[V_RUNNING_RATIO] = total > 0 ? (double)running / (double)total : 0;
	s->v[V_PAUSE_RATIO] = total > 0 ? (double)paused / (double)total : 0;
	copy_counters(s, &t->metrics);
	copy_locked(s, &t->metrics);
}

static void snaps_free(snaps_t *ss)
{
	for (size_t i = 0; i < ss->count; i++) {
		snap_t *s = &ss->items[i];
		for (size_t j = 0; j < s->custom_count; j++) {
			free(s->custom[j].name);
			free(s->custom[j].help);
		}
		free(s->custom);
		free(s->connector);
		free(s->conn_state);
	}
	free(ss->items);
}

/* ---- the text format ---- */

/* A label value: backslash, double quote and newline escaped. */
static void put_label_value(sl_buf_t *b, const char *v)
{
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\')
			sl_buf_append_str(b, "\\\\");
		else if (*p == '"')
			sl_buf_append_str(b, "\\\"");
		else if (*p == '\n')
			sl_buf_append_str(b, "\\n");
		else
			sl_buf_append_char(b, *p);
	}
}

/* Text after # HELP: backslash and newline escaped. */
static void put_help_text(sl_buf_t *b, const char *v)
{
	for (const char *p = v; *p; p++) {
		if (*p == '\\')
			sl_buf_append_str(b, "\\\\");
		else if (*p == '\n')
			sl_buf_append_str(b, "\\n");
		else
			sl_buf_append_char(b, *p);
	}
}

static void put_family(sl_buf_t *b, const char *name, const char *type, const char *help)
{
	sl_buf_appendf(b, "# HELP %s ", name);
	put_help_text(b, help);
	sl_buf_appendf(b, "\n# TYPE %s %s\n", name, type);
}

static void put_value(sl_buf_t *b, double v)
{
	if (isnan(v))
		sl_buf_append_str(b, " NaN\n");
	else if (isinf(v))
		sl_buf_append_str(b, v > 0 ? " +Inf\n" : " -Inf\n");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		sl_buf_appendf(b, " %.0f\n", v);
	else
		sl_buf_appendf(b, " %.15g\n", v);
}

/* name{connector="..",task="..",extra="..."} value; task < 0 leaves it
 * out, extra_name NULL the extra label. */
static void put_sample(sl_buf_t *b, const char *name, const char *connector, int task,
		       const char *extra_name, const char *extra_value, double v)
{
	sl_buf_appendf(b, "%s{connector=\"", name);
	put_label_value(b, connector);
	sl_buf_append_char(b, '"');
	if (task >= 0)
		sl_buf_appendf(b, ",task=\"%d\"", task);
	if (extra_name) {
		sl_buf_appendf(b, ",%s=\"", extra_name);
		put_label_value(b, extra_value);
		sl_buf_append_char(b, '"');
	}
	sl_buf_append_char(b, '}');
	put_value(b, v);
}

/* Which tasks a task family applies to. */
enum {
	FOR_SOURCE = 1,
	FOR_SINK = 2,
	FOR_ALL = 3
};

typedef struct task_family {
	const char *name;
	const char *type;
	int scope;
	int field;
	const char *help;
} task_family_t;

#define SRC "kafka_connect_source_task_metrics_"
#define SNK "kafka_connect_sink_task_metrics_"
#define CTM "kafka_connect_connector_task_metrics_"
#define TEM "kafka_connect_task_error_metrics_"

static const task_family_t task_families[] = {
	{SRC "source_record_poll_total", "counter", FOR_SOURCE, V_POLL_TOTAL,
	 "Records returned by the task's poll."},
	{SRC "source_record_write_total", "counter", FOR_SOURCE, V_WRITE_TOTAL,
	 "Records the task wrote to Kafka and Kafka acknowledged."},
	{SRC "source_record_active_count", "gauge", FOR_SOURCE, V_SRC_ACTIVE,
	 "Records polled and not yet acknowledged by Kafka (or skipped)."},
	{SRC "poll_batch_avg_time_ms", "gauge", FOR_SOURCE, V_BATCH_TIME_AVG,
	 "Average time of a poll returning records, in ms (last 30-60 s)."},
	{SRC "poll_batch_max_time_ms", "gauge", FOR_SOURCE, V_BATCH_TIME_MAX,
	 "Longest poll returning records, in ms (last 30-60 s)."},
	{SNK "sink_record_read_total", "counter", FOR_SINK, V_READ_TOTAL,
	 "Records the task consumed from Kafka."},
	{SNK "sink_record_send_total", "counter", FOR_SINK, V_SEND_TOTAL,
	 "Records the task put to the connector."},
	{SNK "sink_record_active_count", "gauge", FOR_SINK, V_SINK_ACTIVE,
	 "Records consumed and not yet committed."},
	{SNK "sink_record_lag_max", "gauge", FOR_SINK, V_LAG_MAX,
	 "Largest lag of an assigned partition: high watermark minus position."},
	{SNK "partition_count", "gauge", FOR_SINK, V_PARTITIONS,
	 "Partitions assigned to the task."},
	{SNK "put_batch_avg_time_ms", "gauge", FOR_SINK, V_BATCH_TIME_AVG,
	 "Average time of a put, in ms (last 30-60 s)."},
	{SNK "put_batch_max_time_ms", "gauge", FOR_SINK, V_BATCH_TIME_MAX,
	 "Longest put, in ms (last 30-60 s)."},
	{SNK "offset_commit_completion_total", "counter", FOR_SINK, V_COMMIT_COMPLETION,
	 "Offset commits that completed."},
	{SNK "offset_commit_skip_total", "counter", FOR_SINK, V_COMMIT_SKIP,
	 "Offset commits skipped: nothing new to commit."},
	{CTM "running_ratio", "gauge", FOR_ALL, V_RUNNING_RATIO,
	 "Fraction of its life the task has spent RUNNING (0 to 1)."},
	{CTM "pause_ratio", "gauge", FOR_ALL, V_PAUSE_RATIO,
	 "Fraction of its life the task has spent PAUSED (0 to 1)."},
	{CTM "batch_size_avg", "gauge", FOR_ALL, V_BATCH_SIZE_AVG,
	 "Average records per poll (source) or put (sink) (last 30-60 s)."},
	{CTM "batch_size_max", "gauge", FOR_ALL, V_BATCH_SIZE_MAX,
	 "Most records in one poll (source) or put (sink) (last 30-60 s)."},
	{CTM "offset_commit_success_percentage", "gauge", FOR_ALL, V_COMMIT_OK_PCT,
	 "Share of offset commits that succeeded, 0 to 1 (last 30-60 s)."},
	{CTM "offset_commit_failure_percentage", "gauge", FOR_ALL, V_COMMIT_FAIL_PCT,
	 "Share of offset commits that failed, 0 to 1 (last 30-60 s)."},
	{CTM "offset_commit_avg_time_ms", "gauge", FOR_ALL, V_COMMIT_AVG,
	 "Average time of a successful offset commit, in ms (last 30-60 s)."},
	{CTM "offset_commit_max_time_ms", "gauge", FOR_ALL, V_COMMIT_MAX,
	 "Longest successful offset commit, in ms (last 30-60 s)."},
	{TEM "total_record_errors", "counter", FOR_ALL, V_RECORD_ERRORS,
	 "Bad records (conversion, size, connector-reported)."},
	{TEM "total_record_failures", "counter", FOR_ALL, V_RECORD_FAILURES,
	 "Failed attempts at a record (no record is retried: equals the errors)."},
	{TEM "total_records_skipped", "counter", FOR_ALL, V_SKIPPED,
	 "Bad records skipped by errors.tolerance=all."},
	{TEM "total_errors_logged", "counter", FOR_ALL, V_LOGGED,
	 "Bad records logged by errors.log.enable."},
	{TEM "deadletterqueue_produce_requests", "counter", FOR_ALL, V_DLQ_REQUESTS,
	 "Records sent to the dead letter queue."},
	{TEM "deadletterqueue_produce_failures", "counter", FOR_ALL, V_DLQ_FAILURES,
	 "Dead letter queue records that could not be queued or that Kafka refused."},
	{TEM "last_error_timestamp", "gauge", FOR_ALL, V_LAST_ERROR,
	 "When the last bad record was met, ms since the epoch (0: never)."},
	{TEM "total_retries", "counter", FOR_ALL, V_RETRIES,
	 "Retries of a poll, put, flush or start that failed transiently."},
	{"sluice_producer_queue_length", "gauge", FOR_ALL, V_PRODUCER_QUEUE,
	 "Records and requests in the task's producer not yet acknowledged by Kafka."},
};

static bool in_scope(const snap_t *s, int scope)
{
	if (s->task < 0)
		return false;
	return (scope & (s->plugin->kind == SL_SOURCE ? FOR_SOURCE : FOR_SINK)) != 0;
}

static bool any_in_scope(const snaps_t *ss, int scope)
{
	for (size_t i = 0; i < ss->count; i++)
		if (in_scope(&ss->items[i], scope))
			return true;
	return false;
}

/* A task family; the producer queue only for tasks that have one. */
static void put_task_family(sl_buf_t *b, const snaps_t *ss, const task_family_t *f)
{
	if (!any_in_scope(ss, f->scope))
		return;
	put_family(b, f->name, f->type, f->help);
	for (size_t i = 0; i < ss->count; i++) {
		const snap_t *s = &ss->items[i];
		if (!in_scope(s, f->scope))
			continue;
		if (f->field == V_PRODUCER_QUEUE && isnan(s->v[f->field]))
			continue;
		put_sample(b, f->name, s->connector, s->task, NULL, NULL, s->v[f->field]);
	}
}

/* "RUNNING" -> "running": Kafka Connect's metrics spell states in lower
 * case, its REST API in upper case. */
static char *lower(const char *s)
{
	char *out = sl_strdup(s ? s : "unassigned");
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

/* Kafka Connect's task states as its metrics name them. */
static const char *task_status(sl_task_state_t s)
{
	switch (s) {
	case SL_TASK_RUNNING:
		return "running";
	case SL_TASK_PAUSED:
		return "paused";
	case SL_TASK_FAILED:
		return "failed";
	case SL_TASK_STOPPED:
		return "destroyed";
	default:
		return "unassigned";
	}
}

static void put_task_status(sl_buf_t *b, const snaps_t *ss)
{
	if (!any_in_scope(ss, FOR_ALL))
		return;
	const char *name = CTM "status";
	put_family(b, name, "gauge",
		   "The task's state, as the label status (unassigned, running, paused, failed, "
		   "destroyed); always 1.");
	for (size_t i = 0; i < ss->count; i++)
		if (in_scope(&ss->items[i], FOR_ALL))
			put_sample(b, name, ss->items[i].connector, ss->items[i].task, "status",
				   task_status(ss->items[i].state), 1);
}

/* Whether item i is the first of its connector (a walk goes connector by
 * connector). */
static bool first_of_connector(const snaps_t *ss, size_t i)
{
	return i == 0 || strcmp(ss->items[i - 1].connector, ss->items[i].connector) != 0;
}

/* kafka_connect_connector_metrics: one sample per attribute of Kafka
 * Connect's connector-metrics MBean, the attribute as a label, value 1
 * (the JMX exporter's rule for string attributes). */
static void put_connector_info(sl_buf_t *b, const snaps_t *ss)
{
	if (!ss->count)
		return;
	const char *name = "kafka_connect_connector_metrics";
	put_family(b, name, "gauge",
		   "The connector's class, type, version and status (running, paused, stopped, "
		   "failed) as labels; always 1.");
	for (size_t i = 0; i < ss->count; i++) {
		const snap_t *s = &ss->items[i];
		if (!first_of_connector(ss, i))
			continue;
		char *status = lower(s->conn_state);
		put_sample(b, name, s->connector, -1, "connector_class", s->plugin->name, 1);
		put_sample(b, name, s->connector, -1, "connector_type",
			   s->plugin->kind == SL_SOURCE ? "source" : "sink", 1);
		put_sample(b, name, s->connector, -1, "connector_version", SLUICE_VERSION, 1);
		put_sample(b, name, s->connector, -1, "status", status, 1);
		free(status);
	}
}

/* connect-worker-metrics with a connector tag: task counts by state. */
typedef struct conn_count {
	const char *suffix;
	const char *state; /* NULL: every task */
	const char *help;
} conn_count_t;

static const conn_count_t conn_counts[] = {
	{"total", NULL, "Tasks of the connector on this worker."},
	{"running", "running", "Tasks of the connector that are running."},
	{"paused", "paused", "Tasks of the connector that are paused."},
	{"failed", "failed", "Tasks of the connector that failed."},
	{"unassigned", "unassigned", "Tasks of the connector that are starting."},
	{"destroyed", "destroyed", "Tasks of the connector that stopped."},
	{"restarting", "restarting",
	 "Tasks of the connector being restarted (a restart is synchronous: always 0)."},
};

static int count_tasks(const snaps_t *ss, size_t first, const char *state)
{
	int n = 0;
	for (size_t i = first; i < ss->count; i++) {
		if (i > first && first_of_connector(ss, i))
			break;
		if (ss->items[i].task >= 0 &&
		    (!state || !strcmp(task_status(ss->items[i].state), state)))
			n++;
	}
	return n;
}

static atomic_uint_least64_t startups[SL_STARTUP_EVENTS];

void sl_metrics_startup(sl_startup_event_t e)
{
	atomic_fetch_add(&startups[e], 1);
}

/* connect-worker-metrics' connector-startup-* and task-startup-*. */
static void put_startups(sl_buf_t *b)
{
	static const struct {
		const char *what, *title;
		sl_startup_event_t attempt, success, failure;
	} kinds[] = {
		{"connector", "Connector", SL_STARTUP_CONNECTOR_ATTEMPT,
		 SL_STARTUP_CONNECTOR_SUCCESS, SL_STARTUP_CONNECTOR_FAILURE},
		{"task", "Task", SL_STARTUP_TASK_ATTEMPT, SL_STARTUP_TASK_SUCCESS,
		 SL_STARTUP_TASK_FAILURE},
	};
	for (size_t k = 0; k < SL_ARRAY_LEN(kinds); k++) {
		double v[3] = {(double)atomic_load(&startups[kinds[k].attempt]),
			       (double)atomic_load(&startups[kinds[k].success]),
			       (double)atomic_load(&startups[kinds[k].failure])};
		static const char *const suffix[] = {"attempts_total", "success_total",
						     "failure_total"};
		for (size_t i = 0; i < 3; i++) {
			char *name =
				sl_asprintf("kafka_connect_connect_worker_metrics_%s_startup_%s",
					    kinds[k].what, suffix[i]);
			char *help = sl_asprintf("%s starts %s.", kinds[k].title,
						 i == 0   ? "attempted"
						 : i == 1 ? "that succeeded"
							  : "that failed");
			put_family(b, name, "counter", help);
			put_sample(b, name, "aggregate", -1, NULL, NULL, v[i]);
			free(name);
			free(help);
		}
		/* Kafka Connect's percentages are fractions (0 to 1) */
		for (size_t i = 1; i < 3; i++) {
			char *name = sl_asprintf(
				"kafka_connect_connect_worker_metrics_%s_startup_%s_percentage",
				kinds[k].what, i == 1 ? "success" : "failure");
			put_family(b, name, "gauge",
				   i == 1 ? "Share of starts that succeeded (0 to 1)."
					  : "Share of starts that failed (0 to 1).");
			put_sample(b, name, "aggregate", -1, NULL, NULL,
				   v[0] > 0 ? v[i] / v[0] : 0);
			free(name);
		}
	}
}

static void put_worker(sl_buf_t *b, const snaps_t *ss)
{
	int connectors = 0, tasks = 0;
	for (size_t i = 0; i < ss->count; i++) {
		connectors += first_of_connector(ss, i);
		tasks += ss->items[i].task >= 0;
	}
	const char *cc = "kafka_connect_connect_worker_metrics_connector_count";
	const char *tc = "kafka_connect_connect_worker_metrics_task_count";
	put_family(b, cc, "gauge", "Connectors on this worker.");
	put_sample(b, cc, "aggregate", -1, NULL, NULL, connectors);
	put_family(b, tc, "gauge", "Tasks on this worker.");
	put_sample(b, tc, "aggregate", -1, NULL, NULL, tasks);
	put_startups(b);
	if (!ss->count)
		return;
	for (size_t k = 0; k < SL_ARRAY_LEN(conn_counts); k++) {
		char *name =
			sl_asprintf("kafka_connect_connect_worker_metrics_connector_%s_task_count",
				    conn_counts[k].suffix);
		put_family(b, name, "gauge", conn_counts[k].help);
		for (size_t i = 0; i < ss->count; i++)
			if (first_of_connector(ss, i))
				put_sample(b, name, ss->items[i].connector, -1, NULL, NULL,
					   count_tasks(ss, i, conn_counts[k].state));
		free(name);
	}
}

/* ---- the connectors' own metrics ---- */

static const sl_custom_metric_t *custom_of(const snap_t *s, const char *name)
{
	for (size_t i = 0; i < s->custom_count; i++)
		if (!strcmp(s->custom[i].name, name))
			return &s->custom[i];
	return NULL;
}

static void put_histogram(sl_buf_t *b, const snap_t *s, const sl_custom_metric_t *c)
{
	char *bucket = sl_asprintf("%s_bucket", c->name);
	uint64_t cum = 0;
	for (size_t i = 0; i <= SL_HISTO_BUCKETS; i++) {
		char le[32];
		if (i < SL_HISTO_BUCKETS)
			snprintf(le, sizeof(le), "%g", sl_histo_bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		cum += c->buckets[i];
		put_sample(b, bucket, s->connector, s->task, "le", le, (double)cum);
	}
	free(bucket);
	char *sum = sl_asprintf("%s_sum", c->name), *count = sl_asprintf("%s_count", c->name);
	put_sample(b, sum, s->connector, s->task, NULL, NULL, c->sum);
	put_sample(b, count, s->connector, s->task, NULL, NULL, (double)c->count);
	free(sum);
	free(count);
}

/* Whether an earlier task already introduced this metric name. */
static bool custom_seen(const snaps_t *ss, size_t upto_item, size_t upto_metric, const char *name)
{
	for (size_t i = 0; i <= upto_item; i++) {
		const snap_t *s = &ss->items[i];
		size_t end = i == upto_item ? upto_metric : s->custom_count;
		for (size_t j = 0; j < end; j++)
			if (!strcmp(s->custom[j].name, name))
				return true;
	}
	return false;
}

/* One family per name, in the order names first appear; a task that uses
 * a name with the other kind is left out of that family. */
static void put_custom(sl_buf_t *b, const snaps_t *ss)
{
	for (size_t i = 0; i < ss->count; i++) {
		for (size_t j = 0; j < ss->items[i].custom_count; j++) {
			const sl_custom_metric_t *f = &ss->items[i].custom[j];
			if (custom_seen(ss, i, j, f->name))
				continue;
			bool histo = f->kind == SL_CUSTOM_HISTOGRAM;
			put_family(b, f->name, histo ? "histogram" : "gauge", f->help);
			for (size_t k = i; k < ss->count; k++) {
				const sl_custom_metric_t *c = custom_of(&ss->items[k], f->name);
				if (!c || c->kind != f->kind)
					continue;
				if (histo)
					put_histogram(b, &ss->items[k], c);
				else
					put_sample(b, c->name, ss->items[k].connector,
						   ss->items[k].task, NULL, NULL, c->value);
			}
		}
	}
}

char *sl_metrics_render_walk(sl_metrics_walk_fn walk, void *src)
{
	snaps_t ss = {0};
	walk(src, collect, &ss);
	sl_buf_t b = {0};
	put_worker(&b, &ss);
	put_connector_info(&b, &ss);
	put_task_status(&b, &ss);
	for (size_t i = 0; i < SL_ARRAY_LEN(task_families); i++)
		put_task_family(&b, &ss, &task_families[i]);
	put_custom(&b, &ss);
	snaps_free(&ss);
	if (!b.data)
		return sl_strdup("");
	return sl_buf_steal(&b);
}

static void walk_worker(void *src, sl_metrics_task_fn fn, void *arg)
{
	sl_worker_each_task(src, fn, arg);
}

char *sl_metrics_render(sl_worker_t *w)
{
	return sl_metrics_render_walk(walk_worker, w);
}
