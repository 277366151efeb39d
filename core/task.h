/* The worker's side of a task: its context (what connector.h hands to a
 * task as sl_task_ctx_t), its state machine, the error policy and the
 * threads that run source and sink tasks. Internal to core/. */
#ifndef SL_TASK_H
#define SL_TASK_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "convert.h"
#include "kafka.h"
#include "metrics.h"
#include "offsets.h"
#include "sluice/clock.h"
#include "sluice/connector.h"
#include "transform.h"

typedef enum sl_task_state {
	SL_TASK_UNASSIGNED = 0,
	SL_TASK_RUNNING,
	SL_TASK_PAUSED,
	SL_TASK_FAILED,
	SL_TASK_STOPPED,
} sl_task_state_t;

const char *sl_task_state_name(sl_task_state_t s);

/* Typed common connector options (sl_connector_common_options and the
 * source/sink tables load into this one struct). */
typedef struct sl_connector_settings {
	char *name;
	char *connector_class;
	int64_t tasks_max;
	char *key_converter;
	char *value_converter;
	int errors_tolerance; /* 0 none, 1 all */
	int64_t errors_retry_delay_max_ms;
	bool errors_log_enable;
	bool errors_log_include_messages;
	char *dlq_topic;
	int64_t dlq_replication_factor;
	bool dlq_context_headers;
	char **topics;
	char *topics_regex;
	int64_t topic_partitions;
	int64_t topic_replication_factor;
	int eos_required; /* exactly.once.support: 0 requested, 1 required */
	int txn_boundary; /* transaction.boundary: 0 poll, 1 interval, 2 connector */
	int64_t txn_interval_ms;
} sl_connector_settings_t;

/* What a task needs from the worker, fixed for the task's life. */
typedef struct sl_task_env {
	sl_kafka_t *kafka;
	sl_offset_store_t *offsets;
	const sl_connector_t *plugin;
	const sl_connector_settings_t *settings; /* owned by the connector */
	const sl_config_t *worker_config;
	const sl_config_t *connector_config;
	int64_t offset_flush_interval_ms;
	int64_t offset_flush_timeout_ms;
	int task_count; /* tasks the connector runs */
	/* Distributed mode: until when (sl_now_ms) the worker's membership
	 * lets its tasks deliver (NULL: always); see core/cluster.h. */
	const atomic_llong *lease_until_ms;
	/* Exactly-once source (exactly.once.source.support=enabled): the
	 * transactional id's prefix (the worker's group.id); NULL: off. */
	const char *txn_id_prefix;
} sl_task_env_t;

/* A topic a task made sure exists, and the largest record batch its
 * broker takes (-1: unknown). */
typedef struct sl_known_topic {
	char *name;
	int64_t max_message_bytes;
} sl_known_topic_t;

struct sl_task_ctx {
	sl_task_env_t env;
	int id;
	char *tag;           /* "connector/id" */
	sl_config_t *config; /* this task's config */
	void *data;          /* the connector's state */
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock; /* guards state, trace, paused, cond */
	pthread_cond_t cond;
	sl_task_state_t state;
	char *trace; /* why it FAILED */
	/* Time spent RUNNING and PAUSED before state_since_ms (monotonic),
	 * and when the task was made: Kafka Connect's running-ratio and
	 * pause-ratio (under lock). */
	int64_t created_ms, state_since_ms, running_ms, paused_ms;
	atomic_bool stop;
	atomic_bool paused;
	/* Stop without writing anything more (no flush, commit or offset
	 * store): the worker lost the task to another member. */
	atomic_bool abandon;
	char fail_reason[1024]; /* set by sl_task_fail on the task thread */

	sl_converter_t *key_conv, *value_conv;
	/* The connector's transforms (NULL: none), made with the converters
	 * and freed with them; only the task thread uses it. */
	sl_transform_chain_t *chain;
	rd_kafka_t *producer; /* source tasks; also DLQ for sinks */
	rd_kafka_t *consumer; /* sink tasks */
	sl_offset_tracker_t *tracker;
	int64_t next_offset_flush;
	/* The Kafka message a sink task is working on (for DLQ context), or
	 * the batch of them during put. */
	const rd_kafka_message_t *cur_msg;
	rd_kafka_message_t **cur_msgs;
	const sl_record_t *cur_records;
	size_t cur_count;
	bool sink_headers_off; /* the sink task reads no headers: skip them */
	bool flush_requested;  /* the sink asked to flush after this put */
	uint64_t errors_total;
	sl_known_topic_t *known_topics; /* topics this task made sure exist */
	size_t known_count, known_cap;
	size_t last_known; /* 1 + index of the topic asked for last; 0: none */
	atomic_bool producer_fatal;
	void *runner; /* the source/sink runner's own state */
	/* Records of the dead letter queue and of sl_task_produce not yet
	 * acknowledged, and whether Kafka refused one (nothing then moves
	 * past it). */
	size_t side_in_flight;
	bool side_failed;
	json_t *unstored; /* source: offsets moved past, not yet stored */
	/* exactly-once source (core/source_txn.c): the offset topic as the
	 * producer's, whether a transaction is open and holds records, and
	 * when an interval boundary is due */
	rd_kafka_topic_t *txn_offsets;
	bool txn_open, txn_pending;
	int64_t txn_next;
	unsigned store_failures;   /* source: failed offset stores in a row */
	sl_task_metrics_t metrics; /* read by the REST thread: see metrics.h */
};

/* What the dead letter queue gets of a bad record that has no Kafka
 * message behind it (a source record): borrowed bytes. */
typedef struct sl_dlq_copy {
	const void *key;
	size_t key_len;
	const void *value;
	size_t value_len;
} sl_dlq_copy_t;

/* The error policy with the reason already formatted and, for a source
 * record, the bytes for the dead letter queue (copy may be NULL; a sink
 * record's copy is its Kafka message). SL_FAIL also when tolerated but
 * the dead letter queue cannot take the copy. */
sl_rc_t sl_task_report_bad(sl_task_ctx_t *ctx, const char *stage, const sl_record_t *rec,
			   const sl_dlq_copy_t *copy, const char *reason);
/* A delivery report of a dead letter queue record or of one from
 * sl_task_produce: counts it down and, when Kafka refused it, fails the
 * task (t->side_failed, reason recorded). */
void sl_task_dlq_delivered(sl_task_ctx_t *t, const rd_kafka_message_t *m);

/* Whether the task must hold its records back: its worker's membership
 * lease ran out (distributed mode). */
static inline bool sl_task_fenced(const sl_task_ctx_t *t)
{
	return t->env.lease_until_ms && sl_now_ms() > atomic_load(t->env.lease_until_ms);
}

/* Waits while the task is fenced (its worker's lease ran out: the worker
 * may have lost it to another member), so that nothing is written, put
 * or flushed until the lease comes back; false when the task is asked to
 * stop meanwhile (it then writes nothing more). True at once when not
 * fenced. */
bool sl_task_hold_while_fenced(sl_task_ctx_t *t);

/* Creates a task context; the thread is started by sl_task_start. */
sl_task_ctx_t *sl_task_new(const sl_task_env_t *env, int id, const sl_config_t *task_config);
/* Starts the task's thread (source or sink runner). */
int sl_task_start(sl_task_ctx_t *t, char *errstr, size_t errstr_size);
/* Asks the task to stop, waits for its thread, frees everything. */
void sl_task_stop_and_free(sl_task_ctx_t *t);
void sl_task_set_paused(sl_task_ctx_t *t, bool paused);
sl_task_state_t sl_task_get_state(sl_task_ctx_t *t, char **trace_out);

/* Internal to the runners. */
/* Milliseconds t spent RUNNING and PAUSED so far, and since it was made. */
void sl_task_state_times(sl_task_ctx_t *t, int64_t *running_ms, int64_t *paused_ms,
			 int64_t *total_ms);
void sl_task_set_state(sl_task_ctx_t *t, sl_task_state_t s, const char *trace);
/* Marks the task FAILED with the recorded fail reason (or fallback). */
void sl_task_mark_failed(sl_task_ctx_t *t, const char *fallback);
/* Runs op until it returns SL_OK or SL_FAIL, retrying SL_RETRY without
 * limit (Kafka Connect's RetriableException from poll / put), with
 * exponential backoff and jitter from 300 ms up to errors.retry.delay.max.ms
 * (at most 10 s); each retry is logged with the reason. Returns SL_RETRY
 * only when the task is asked to stop in the middle of retries. */
typedef sl_rc_t (*sl_task_op_fn)(sl_task_ctx_t *t, void *arg);
sl_rc_t sl_task_with_retry(sl_task_ctx_t *t, const char *what, sl_task_op_fn op, void *arg);
/* Makes sure the topic exists and learns its max.message.bytes (both
 * once per task and topic). Never fails: a topic that could not be made
 * sure of is warned about and left to the broker's auto creation. */
const sl_known_topic_t *sl_task_ensure_topic(sl_task_ctx_t *t, rd_kafka_t *rk, const char *topic,
					     int partitions, int replication_factor);
/* The error callback of a task's clients (opaque is the task): a fatal
 * error of the task's producer (an idempotent or transactional producer gave up) records
 * the reason and sets producer_fatal, which ends a source task; anything
 * else is logged as a warning (librdkafka retries it). */
void sl_task_on_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque);
/* Creates the converters from the connector's or the worker's settings,
 * and the connector's transform chain (t->chain). -1 with the task's fail
 * reason set; the caller frees what was made (sl_converter_free,
 * sl_transform_chain_free) when the task ends, also after a failure. */
int sl_task_make_converters(sl_task_ctx_t *t);
/* Builds the client id "connector-<kind>-<name>-<id>". */
char *sl_task_client_id(const sl_task_ctx_t *t, const char *kind);
/* A librdkafka configuration for one of this task's clients: the worker's
 * settings, the connector's <kind>.override.* keys, and the client id for
 * role ("producer", "consumer", "dlq-producer"). NULL with the task's fail
 * reason set. */
rd_kafka_conf_t *sl_task_client_conf(sl_task_ctx_t *t, sl_client_kind_t kind, const char *role);

/* Tests only: makes sl_plugins_find (core/plugins.c) find c by its name
 * too, for a connector defined in a test. c must outlive every use; call
 * before any worker runs (not thread safe). At most 8; more are ignored. */
void sl_plugins_register_extra(const sl_connector_t *c);

void *sl_source_task_run(void *arg);
void *sl_sink_task_run(void *arg);

#endif
