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
			     its dead letter queue copy, if any, is in Kafka */
	SL_FAILED,        /* Kafka refused it for good; the task fails */
	SL_DROPPED,       /* not delivered because the task stopped; its offset
			     is not stored, so it is read again after a restart */
} sl_delivery_t;

typedef enum sl_connector_kind {
	SL_SOURCE = 1,
	SL_SINK = 2,
} sl_connector_kind_t;

/* The task's view of the worker. Owned by the worker. */
typedef struct sl_task_ctx sl_task_ctx_t;

/* "connector/task", for logs and messages. */
const char *sl_task_tag(const sl_task_ctx_t *ctx);
const char *sl_task_connector_name(const sl_task_ctx_t *ctx);
int sl_task_id(const sl_task_ctx_t *ctx);
/* How many tasks the connector runs (task ids are 0 .. count - 1). */
int sl_task_count(const sl_task_ctx_t *ctx);
/* The task's private state (set in start, freed in stop). */
void sl_task_set_data(sl_task_ctx_t *ctx, void *data);
void *sl_task_data(const sl_task_ctx_t *ctx);
/* How long poll/put may block, in milliseconds. */
int sl_task_timeout_ms(const sl_task_ctx_t *ctx);
/* True once the worker wants the task to stop; long loops check it. */
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

/* Source tasks: the last stored offset of a source partition (new
 * reference), or NULL when none is stored. */
json_t *sl_task_stored_offset(sl_task_ctx_t *ctx, const json_t *source_partition);

/* Records why the task fails; the callback then returns SL_FAIL (or, for
 * SL_RETRY, the reason is logged with each retry). */
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
 * ("TASK_POLL", "TASK_PUT", "KEY_CONVERTER", "VALUE_CONVERTER", ...). */
sl_rc_t sl_task_report_error(sl_task_ctx_t *ctx, const char *stage, const sl_record_t *rec,
			     const void *raw, size_t raw_len, const char *fmt, ...) SL_PRINTF(6, 7);

/* Logging with the task's tag. */
#define SL_TASK_LOG(level, ctx, ...) SL_LOG(level, sl_task_tag(ctx), __VA_ARGS__)
#define SL_TASK_ERROR(ctx, ...) SL_TASK_LOG(SL_LOG_ERROR, ctx, __VA_ARGS__)
#define SL_TASK_WARN(ctx, ...) SL_TASK_LOG(SL_LOG_WARN, ctx, __VA_ARGS__)
#define SL_TASK_INFO(ctx, ...) SL_TASK_LOG(SL_LOG_INFO, ctx, __VA_ARGS__)
#define SL_TASK_DEBUG(ctx, ...) SL_TASK_LOG(SL_LOG_DEBUG, ctx, __VA_ARGS__)

typedef struct sl_source_ops {
	/* Reads config (the connector's task config) and sets up state. */
	sl_rc_t (*start)(sl_task_ctx_t *ctx, const sl_config_t *config);
	/* Appends zero or more records to batch (which the worker empties
	 * between calls); blocks at most sl_task_timeout_ms. On SL_RETRY the
	 * records already appended stay in the batch: the worker calls poll
	 * again with it and sends them all once poll returns SL_OK. */
	sl_rc_t (*poll)(sl_task_ctx_t *ctx, sl_batch_t *batch);
	/* Optional: called exactly once for every record that carried
	 * ack_data (non-NULL), with what became of it, in the order the
	 * outcomes are known; the connector releases ack_data here. */
	void (*acked)(sl_task_ctx_t *ctx, void *ack_data, sl_delivery_t result);
	/* Optional: the offsets of acknowledged records are now durably
	 * stored; committed (borrowed) maps each source partition's canonical
	 * text to {"partition": <partition>, "offset": <offset>} for what was
	 * stored this time. */
	void (*commit)(sl_task_ctx_t *ctx, const json_t *committed);
	/* Optional: frees everything. Called once if start returned SL_OK
	 * (also after a later failure); never when start failed, so start
	 * cleans up after itself. */
	void (*stop)(sl_task_ctx_t *ctx);
} sl_source_ops_t;

typedef struct sl_sink_ops {
	sl_rc_t (*start)(sl_task_ctx_t *ctx, const sl_config_t *config);
	/* Takes a batch of records (borrowed: copy what must outlive the
	 * call). Blocks at most sl_task_timeout_ms. */
	sl_rc_t (*put)(sl_task_ctx_t *ctx, sl_record_t *records, size_t count);
	/* Makes everything put so far durable; only after SL_OK are consumer
	 * offsets committed. */
	sl_rc_t (*flush)(sl_task_ctx_t *ctx);
	void (*stop)(sl_task_ctx_t *ctx);
} sl_sink_ops_t;

typedef struct sl_connector {
	const char *name;           /* "file-source" */
	const char *const *aliases; /* NULL-terminated; Kafka Connect class names */
	sl_connector_kind_t kind;
	const char *doc;            /* one paragraph for docs and --describe */
	const sl_option_t *options; /* the connector's own keys */
	/* Optional: cross-option checks the table cannot express. Adds to errs;
	 * returns 0 when fine. */
	int (*validate)(const sl_config_t *config, sl_errlist_t *errs);
	/* Optional: splits the connector config into at most max_tasks task
	 * configs (new sl_config_t each, stored in out[], which has max_tasks
	 * slots; count returned).
	 * Without it the worker runs one task with the connector config.
	 * Returns -1 with errstr on failure. */
	int (*task_configs)(const sl_config_t *config, int max_tasks, sl_config_t **out,
			    char *errstr, size_t errstr_size);
	const sl_source_ops_t *source;
	const sl_sink_ops_t *sink;
} sl_connector_t;

/* The registry of every built-in connector (core/plugins.c). */
const sl_connector_t *const *sl_plugins_all(void);
/* By name or alias (case-sensitive for class names); NULL when unknown. */
const sl_connector_t *sl_plugins_find(const char *name);

#endif
