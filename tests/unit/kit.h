/* The connector test kit: runs one task of a connector on a fake task
 * context, without Kafka, so that its start / poll / acked / commit /
 * put / flush / stop can be unit-tested the way the worker calls them.
 *
 * A kit owns a temporary directory (kit_path names files in it; it is
 * removed with everything in it by kit_free), an offset store in that
 * directory (so sl_task_stored_offset works), the connector config built
 * from key/value pairs, the common connector settings loaded from it
 * (errors.tolerance and the like, as the worker loads them), and between
 * kit_start and kit_stop the task's context. The error policy
 * (sl_task_report_error) runs as in the worker, without a dead letter
 * queue: kit_errors counts what went through it, kit_fail_reason says why
 * the task fails. Every kit function fails the current CUnit test (fatal)
 * on misuse. A connector test that uses the kit needs no private core
 * header: this one shows only the public API. */
#ifndef SL_TEST_KIT_H
#define SL_TEST_KIT_H

#include "runner.h"
#include "sluice/connector.h"

typedef struct sl_kit sl_kit_t;

/* A kit for task task_id of connector c running task_count tasks. kv
 * holds the connector config as "key", "value", ..., NULL (may be NULL);
 * "name" defaults to "unit" and "connector.class" to c->name. When the
 * connector splits its config (task_configs), the task gets the config
 * the split gives it, with task_count as tasks.max, and the count the
 * split returns; task_id must be below it. Nothing of the connector runs
 * before kit_start. Free with kit_free. */
sl_kit_t *kit_new(const sl_connector_t *c, const char *const *kv, int task_id, int task_count);
/* Stops the task (kit_stop) and frees everything, the directory with
 * every file in it included. NULL is a no-op. */
void kit_free(sl_kit_t *kit);

/* Sets (or replaces) a connector config key; takes effect at the next
 * kit_start. */
void kit_set(sl_kit_t *kit, const char *key, const char *value);
/* "<kit directory>/name" (name NULL: the directory itself), valid until
 * kit_free. */
const char *kit_path(sl_kit_t *kit, const char *name);

/* Stores offset (JSON text of an object, or "null") for the source
 * partition (JSON text of an object) in the kit's offset store under the
 * connector's name, as an earlier run of the task would have. */
void kit_store_offset(sl_kit_t *kit, const char *partition, const char *offset);
/* The stored offset of partition (JSON text) as a new reference, or NULL. */
json_t *kit_stored_offset(sl_kit_t *kit, const char *partition);

/* Creates the task's context (a new one each time: a restart) and calls
 * the connector's start with the task config; returns what start
 * returned. After SL_OK the task runs until kit_stop; after a failure the
 * context stays until kit_stop so that kit_fail_reason can be read. A
 * running task is stopped first. */
sl_rc_t kit_start(sl_kit_t *kit);
/* Source tasks: calls acked(SL_DROPPED) for every record still in flight
 * (as the worker does at stop), then the connector's stop when start
 * succeeded, and frees the context. A no-op without a context. */
void kit_stop(sl_kit_t *kit);
/* The task's context between kit_start and kit_stop (for calls the kit
 * does not wrap, e.g. on a thread of a test's own), else NULL. */
sl_task_ctx_t *kit_ctx(sl_kit_t *kit);
/* Asks the task to stop (sl_task_stopping becomes true) without stopping
 * it; thread safe. */
void kit_request_stop(sl_kit_t *kit);

/* Source tasks: calls poll once and returns the batch (owned by the kit,
 * valid until the next kit_poll or kit_stop; *rc, when not NULL, gets what
 * poll returned). The previous batch is emptied first, except after
 * SL_RETRY, when poll gets it back with its records as the worker does.
 * Records of a batch polled with SL_OK are then in flight: each is
 * registered with the kit's offset tracker in order, as the worker hands
 * them to Kafka (the records keep their source offsets for the test to
 * look at). */
sl_batch_t *kit_poll(sl_kit_t *kit, sl_rc_t *rc);
/* Source tasks: polls until a batch has records, poll does not return
 * SL_OK, or ms pass; returns the last batch as kit_poll does. */
sl_batch_t *kit_poll_until(sl_kit_t *kit, int64_t ms, sl_rc_t *rc);
/* Source tasks: Kafka acknowledges every record in flight, in order: the
 * tracker marks each delivered and the connector's acked(SL_DELIVERED)
 * runs for each that carried ack_data. Returns how many were in flight. */
size_t kit_ack_all(sl_kit_t *kit);
/* Source tasks: what the worker does every offset.flush.interval.ms:
 * stores the offsets of acknowledged records that became storable since
 * the last commit in the offset store, then calls the connector's commit
 * with them. Returns how many source partitions were stored (0: nothing
 * new, commit is not called). */
size_t kit_commit(sl_kit_t *kit);
/* Source tasks: records polled and not yet acknowledged. */
size_t kit_in_flight(const sl_kit_t *kit);

/* Sink tasks: calls put with records (borrowed); returns what put
 * returned. */
sl_rc_t kit_put(sl_kit_t *kit, sl_record_t *records, size_t count);
/* Sink tasks: calls flush; returns what flush returned. */
sl_rc_t kit_flush(sl_kit_t *kit);
/* Sink tasks: whether the task asked for record headers (it may turn them
 * off in start). */
bool kit_sink_headers_wanted(const sl_kit_t *kit);

/* Bad records (or input) the task sent through the error policy since
 * kit_start. */
uint64_t kit_errors(const sl_kit_t *kit);
/* Why the task fails (or why the last SL_RETRY happened): the reason the
 * connector gave to sl_task_fail or the error policy recorded; "" when
 * none or without a context. */
const char *kit_fail_reason(const sl_kit_t *kit);

/* Captures what is written to stderr (the log) from kit_capture_begin
 * until kit_capture_end, which returns it (malloc()ed, never NULL). Not
 * nested. */
void kit_capture_begin(void);
char *kit_capture_end(void);

#endif
