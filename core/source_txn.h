/* Exactly-once sources (Kafka Connect's KIP-618): with the worker's
 * exactly.once.source.support=enabled, a source task's producer is
 * transactional (transactional.id <group.id>-<connector>-<task>, so a new
 * instance of the task fences the old one), and the task writes the
 * offsets of what it sent to the offset topic in the same transaction:
 * a read_committed consumer sees each record once, and the offsets say
 * exactly which records were committed. Internal to core/. */
#ifndef SL_SOURCE_TXN_H
#define SL_SOURCE_TXN_H

#include <stdbool.h>

#include "task.h"

/* Whether the task runs exactly once. */
static inline bool sl_source_txn_on(const sl_task_ctx_t *t)
{
	return t->env.txn_id_prefix != NULL;
}
/* The transactional id of a connector's task n, as Kafka Connect names it:
 * <group.id>-<connector>-<n> (malloc()ed). The cluster's leader fences
 * these ids too. */
char *sl_source_txn_id(const char *group_id, const char *connector, int task);
/* Sets the transactional id on the producer's conf. -1 (task failed). */
int sl_source_txn_conf(sl_task_ctx_t *t, rd_kafka_conf_t *conf);
/* With the producer made: fences older instances of the task (their open
 * transactions are aborted), reads the offset topic to its end (what they
 * committed), opens the first transaction. -1 (task failed). */
int sl_source_txn_start(sl_task_ctx_t *t);
/* Whether the transaction is due: the boundary (a polled batch, or the
 * interval) came and records are in it. */
bool sl_source_txn_due(sl_task_ctx_t *t, bool polled_records);
/* Commits the open transaction with the offsets of every record in it,
 * then (with begin_next) opens the next one. On failure the transaction
 * is aborted (its records and offsets discarded: a restart sends them
 * again from the committed offsets) and -1 is returned (task failed). */
int sl_source_txn_commit(sl_task_ctx_t *t, bool begin_next);
/* Frees what sl_source_txn_start made. */
void sl_source_txn_end(sl_task_ctx_t *t);

#endif
