/* The plugin API: the one header a connector includes.
 *
 * Modelled on Kafka Connect's Connector / Task split. A connector is one
 * exported const struct sl_connector naming its option table and callbacks.
 * The worker runs every task on a thread of its own and calls the task's
 * callbacks only from that thread, so a task needs no locking of its own
 * state. poll/put must return within sl_task_timeout_ms(ctx) so that pause,
 * stop and rebalance stay prompt. */
#ifndef SL_CONNECTOR_H
#define SL_CONNECTOR_H

#include <jansson.h>

#include "sluice/config.h"
#include "sluice/log.h"
#include "sluice/options.h"
#include "sluice/record.h"
#include "sluice/util.h"

/* Return codes of task callbacks. */
typedef enum sl_rc {
	SL_OK = 0,
	SL_RETRY = 1, /* transient (disk full, connection lost): the worker
			 calls again with backoff, without limit, while
			 the task stays RUNNING and the log says why */
	SL_FAIL = -1, /* fatal: the task is marked FAILED with the reason
			 given through sl_task_fail() */
} sl_rc_t;

/* What became of a source record that carried ack_data (see acked). */
typedef enum sl_delivery {
	SL_DELIVERED = 0, /* Kafka acknowledged it */
	SL_SKIPPED,       /* the error policy skipped it (errors.tolerance=all);
			     its dead letter queue copy, if any, is handed to
			     the producer, and no offset past it is stored
			     before Kafka acknowledged that copy */
	SL_FAILED,        /* Kafka refused it for good; the task fails */
	SL_DROPPED,       /* not delivered because the task stopped; its offset
			     is not stored, so it is read again after a restart */
} sl_delivery_t;

typedef enum sl_connector_kind {
	SL_SOURCE = 1,
	SL_SINK = 2,
} sl_connector_kind_t;

/* The task's view of the worker. Owned by the worker; valid from start
 * until stop returns. The functions below never fail and may be called only
 * on the task's thread (inside its callbacks), except sl_task_stopping. */
typedef struct sl_task_ctx sl_task_ctx_t;

/* "connector/task", for logs and messages; owned by the worker, valid for
 * the task's life. */
const char *sl_task_tag(const sl_task_ctx_t *ctx);
/* The connector's name (its "name" key); owned by the worker, valid for
 * the task's life. */
const char *sl_task_connector_name(const sl_task_ctx_t *ctx);
/* This task's id, 0 .. sl_task_count() - 1. */
int sl_task_id(const sl_task_ctx_t *ctx);
/* How many tasks the connector runs (what task_configs returned, 1
 * without it). A task splitting work with its siblings uses this and
 * sl_task_id rather than keys of its own in the task config. */
int sl_task_count(const sl_task_ctx_t *ctx);
/* The task's private state: set in start, freed by the connector in stop;
 * NULL until set. */
void sl_task_set_data(sl_task_ctx_t *ctx, void *data);
void *sl_task_data(const sl_task_ctx_t *ctx);
/* How long poll/put may block, in milliseconds. */
int sl_task_timeout_ms(const sl_task_ctx_t *ctx);
/* True once the worker wants the task to stop; long loops check it. Safe
 * from any thread. */
bool sl_task_stopping(const sl_task_ctx_t *ctx);

/* Sink tasks: whether the records handed to put carry their Kafka headers
 * (default true). A task that never reads them turns them off in start:
 * librdkafka 2.0.2 builds and frees a parse buffer for every message whose
 * headers are asked for, even one without headers (~50 ns a record). */
void sl_task_set_sink_headers(sl_task_ctx_t *ctx, bool wanted);
/* Sink tasks: asks for a flush (the connector's flush, then the consumer
 * offsets' commit) right after the current put, e.g. when put has buffered
 * enough; a connector never commits outside flush, so its data and its
 * offsets stay together. */
void sl_task_request_flush(sl_task_ctx_t *ctx);

/* Sleeps up to ms, waking early when the task is asked to stop or paused
 * or resumed. Idle poll/put loops use it instead of sleeping. */
void sl_task_wait(sl_task_ctx_t *ctx, int64_t ms);

/* Source tasks: the last stored offset of a source partition (borrowed
 * for the call) as a new reference the caller decrefs, or NULL when none
 * is stored. */
json_t *sl_task_stored_offset(sl_task_ctx_t *ctx, const json_t *source_partition);

/* Records why the task fails (formatted into the task's own buffer, cut at
 * 1 KiB; a later call replaces it); the callback then returns SL_FAIL (or,
 * for SL_RETRY, the reason is logged with each retry). */
void sl_task_fail(sl_task_ctx_t *ctx, const char *fmt, ...) SL_PRINTF(2, 3);

/* Sends a bad record (or bad input) through the error policy:
 * errors.log.enable logs it with stage and reason, the dead letter queue
 * (when configured) gets raw (may be NULL) with the __connect.errors.*
 * headers, and errors.tolerance decides. Returns SL_OK when the caller
 * should skip the input and go on, SL_FAIL when the task must fail (the
 * reason is already recorded): tolerance is none, or the dead letter queue
 * cannot take the copy. The input's offset may move on: the worker stores
 * or commits nothing past it before its dead letter queue copy is
 * acknowledged by Kafka. stage is Kafka Connect's stage name
 * ("TASK_POLL", "TASK_PUT", "KEY_CONVERTER", "VALUE_CONVERTER", ...).
 * rec (may be NULL) and raw are borrowed for the call: what the dead
 * letter queue needs is copied. */
sl_rc_t sl_task_report_error(sl_task_ctx_t *ctx, const char *stage, const sl_record_t *rec,
			     const void *raw, size_t raw_len, const char *fmt, ...) SL_PRINTF(6, 7);

/* Sink tasks: writes a record of the task's own to a Kafka topic of the
 * worker's cluster (an outcome report, such as Confluent's reporter result
 * and error topics), through the producer of the task's dead letter queue.
 * rec's topic, partition (-1: any), key and value (BYTES or STRING; NULL
 * for none) and headers are copied; timestamp 0 is now. The topic is made
 * sure of once (created with partitions and replication_factor when
 * missing; -1 for the broker's defaults). The worker commits no consumer
 * offset of a flush before Kafka acknowledged every such record produced
 * up to the end of that flush, and fails the task when Kafka refused one:
 * a report is durable before the offset of what it reports. SL_OK when
 * queued; SL_FAIL with the reason recorded when it cannot be (a source
 * task, a producer that cannot be made, a full queue). */
sl_rc_t sl_task_produce(sl_task_ctx_t *ctx, const sl_record_t *rec, int partitions,
			int replication_factor);

/* Dead letter queue copies and sl_task_produce records of this task that
 * Kafka has not acknowledged yet (0 once every one is in Kafka). A source
 * that acknowledges its input upstream (an MQTT PUBACK) after sending it
 * through the error policy waits for 0 first, so that the copy is durable
 * before the input is given up. */
size_t sl_task_side_pending(const sl_task_ctx_t *ctx);

/* Metrics of the connector's own (GET /metrics), rendered as
 * sluice_<name>{connector="...",task="..."}: name is the rest of a
 * Prometheus name in snake case with its unit ("postgres_slot_lag_bytes",
 * "http_request_duration_seconds"); characters Prometheus does not allow
 * become '_'. help is the text of its # HELP line (copied on first use).
 * A name is a gauge or a histogram for the task's life: a call with the
 * other kind is ignored. Cheap (a lock and a short lookup): fine per
 * request, better not per record. */
/* Sets a gauge to value. */
void sl_task_metric_set(sl_task_ctx_t *ctx, const char *name, const char *help, double value);
/* Adds one observation to a histogram with fixed buckets from 1 ms to
 * 10 s (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
 * 5, 10, +Inf): value in seconds. */
void sl_task_metric_observe(sl_task_ctx_t *ctx, const char *name, const char *help, double value);

/* Logging with the task's tag. */
#define SL_TASK_LOG(level, ctx, ...) SL_LOG(level, sl_task_tag(ctx), __VA_ARGS__)
#define SL_TASK_ERROR(ctx, ...) SL_TASK_LOG(SL_LOG_ERROR, ctx, __VA_ARGS__)
#define SL_TASK_WARN(ctx, ...) SL_TASK_LOG(SL_LOG_WARN, ctx, __VA_ARGS__)
#define SL_TASK_INFO(ctx, ...) SL_TASK_LOG(SL_LOG_INFO, ctx, __VA_ARGS__)
#define SL_TASK_DEBUG(ctx, ...) SL_TASK_LOG(SL_LOG_DEBUG, ctx, __VA_ARGS__)

/* ---- ownership and lifetime, in one place ----------------------------------
 * - start's config is the task's config (from task_configs, or the
 *   connector config when there is none). The worker owns it and keeps it
 *   unchanged until stop has returned: a task may keep pointers into it
 *   (sl_config_get strings) for its whole life.
 * - ctx lives from start until stop returns; it is never NULL.
 * - Source records appended to a batch in poll belong to the worker from
 *   the moment they are appended (sl_batch_add* take what they say they
 *   take, see record.h); ack_data stays the connector's and comes back
 *   through acked() exactly once. What a record borrows (its topic, its
 *   source partition, a borrowed value's bytes) stays valid until the
 *   task's next poll that starts with an empty batch, or its stop.
 * - Records handed to put are borrowed until put returns; so is every byte
 *   they point to (topic, key, value, headers).
 * - committed in commit() is borrowed for the call.
 * - Configs a task_configs stores in out[] belong to the worker from then
 *   on, also when task_configs fails part way: the worker frees every
 *   non-NULL out[i] (it hands task_configs an array of NULLs).
 * ------------------------------------------------------------------------- */

typedef struct sl_source_ops {
	/* Reads config (the task's config, alive and unchanged until stop
	 * returns) and sets up state (sl_task_set_data). SL_RETRY: called again
	 * with backoff; SL_FAIL: the task fails with the sl_task_fail reason.
	 * Cleans up after itself when it does not return SL_OK. */
	sl_rc_t (*start)(sl_task_ctx_t *ctx, const sl_config_t *config);
	/* Appends zero or more records to batch (which the worker empties
	 * between calls); blocks at most sl_task_timeout_ms. On SL_RETRY the
	 * records already appended stay in the batch: the worker calls poll
	 * again with it and sends them all once poll returns SL_OK. On SL_FAIL
	 * (or a stop while retrying) the appended records are not sent; those
	 * with ack_data get acked(SL_DROPPED). */
	sl_rc_t (*poll)(sl_task_ctx_t *ctx, sl_batch_t *batch);
	/* Optional: called exactly once for every record that carried
	 * ack_data (non-NULL), with what became of it, in the order the
	 * outcomes are known, always on the task thread and always before
	 * stop: SL_DELIVERED when Kafka acknowledged it; SL_SKIPPED when the
	 * error policy skipped it (a converter refused it, it is too large);
	 * SL_FAILED when Kafka refused it for good (the task fails); SL_DROPPED
	 * when the task stopped (or failed) before it was delivered: purged
	 * from the producer, never sent, or never reported. The connector
	 * releases ack_data here. */
	void (*acked)(sl_task_ctx_t *ctx, void *ack_data, sl_delivery_t result);
	/* Optional: the offsets of acknowledged records are now durably
	 * stored; committed (borrowed for the call) maps each source
	 * partition's canonical text to {"partition": <partition>, "offset":
	 * <offset>} for what was stored this time. Cannot fail. */
	void (*commit)(sl_task_ctx_t *ctx, const json_t *committed);
	/* Optional: frees everything. Called once if start returned SL_OK
	 * (also after a later failure), after the last acked(); never when
	 * start failed, so start cleans up after itself. */
	void (*stop)(sl_task_ctx_t *ctx);
} sl_source_ops_t;

/* A Kafka partition a sink task reads, and where it starts (open). */
typedef struct sl_topic_partition {
	const char *topic; /* borrowed for the call */
	int32_t partition;
	int64_t offset; /* -1 on the way in; the next offset to read, or -1 */
} sl_topic_partition_t;

typedef struct sl_sink_ops {
	/* As the source's start: config lives until stop returns. */
	sl_rc_t (*start)(sl_task_ctx_t *ctx, const sl_config_t *config);
	/* Takes a batch of records, borrowed until put returns (copy what must
	 * outlive the call). Blocks at most sl_task_timeout_ms. All or none:
	 * SL_OK takes every record; anything else must have taken none of
	 * them (roll back what was buffered). On SL_RETRY the worker calls put
	 * again, after a backoff, with the same records (same count, same
	 * contents); on SL_FAIL the task fails and nothing of the batch is
	 * committed. Records the connector finds bad it sends through
	 * sl_task_report_error and counts as taken. */
	sl_rc_t (*put)(sl_task_ctx_t *ctx, sl_record_t *records, size_t count);
	/* Makes everything put so far durable; only after SL_OK are consumer
	 * offsets committed. SL_RETRY: called again with backoff (what was put
	 * stays pending); SL_FAIL: the task fails and commits nothing more. */
	sl_rc_t (*flush)(sl_task_ctx_t *ctx);
	/* As the source's stop; records not flushed are read again after a
	 * restart. */
	void (*stop)(sl_task_ctx_t *ctx);
	/* Optional, for a sink that keeps its own positions with its data
	 * (exactly once): the partitions just assigned to the task, before
	 * any of their records. Setting a partition's offset makes the task
	 * read from there; -1 keeps the consumer group's committed offset.
	 * SL_FAIL fails the task (reason through sl_task_fail). */
	sl_rc_t (*open)(sl_task_ctx_t *ctx, sl_topic_partition_t *parts, size_t count);
} sl_sink_ops_t;

typedef struct sl_connector {
	const char *name;           /* "file-source" */
	const char *const *aliases; /* NULL-terminated; Kafka Connect class names */
	sl_connector_kind_t kind;
	const char *doc;            /* one paragraph for docs and --describe */
	const sl_option_t *options; /* the connector's own keys */
	/* Optional: cross-option checks the table cannot express. config is
	 * borrowed for the call. Adds one message per problem to errs;
	 * returns 0 when fine. */
	int (*validate)(const sl_config_t *config, sl_errlist_t *errs);
	/* Optional: splits the connector config (borrowed for the call) into
	 * at most max_tasks (>= 1) task configs: each a new sl_config_t stored
	 * in out[i], which has max_tasks slots, all NULL on entry; returns how
	 * many (1 .. max_tasks). Each task gets its id and the count from
	 * sl_task_id / sl_task_count: a task config need not carry them.
	 * Without it the worker runs one task with a copy of the connector
	 * config. Returns -1 with errstr on failure; the worker then frees
	 * every non-NULL out[i], so a half-built out[] needs no cleanup. */
	int (*task_configs)(const sl_config_t *config, int max_tasks, sl_config_t **out,
			    char *errstr, size_t errstr_size);
	/* Optional, sources: librdkafka producer settings ("key", "value",
	 * ..., NULL) this connector's tasks start from, over sluice's
	 * defaults; the worker file's producer.* keys and the connector's
	 * producer.override.* keys still win. For a connector whose caller
	 * waits for each acknowledgement (webhook-source: linger.ms 0). */
	const char *const *producer_defaults;
	const sl_source_ops_t *source; /* set when kind is SL_SOURCE */
	const sl_sink_ops_t *sink;     /* set when kind is SL_SINK */
} sl_connector_t;

/* The registry of every built-in connector (core/plugins.c): a
 * NULL-terminated array of static connectors; never fails, never freed. */
const sl_connector_t *const *sl_plugins_all(void);
/* A connector by name or alias (case-sensitive); a static connector, or
 * NULL when unknown. */
const sl_connector_t *sl_plugins_find(const char *name);

#endif
