/* The postgres-source's initial snapshot: every captured table read with a
 * cursor, in batches, inside one REPEATABLE READ transaction that imports
 * the replication slot's exported snapshot, so that the snapshot ends
 * exactly where the slot's stream begins. */
#ifndef SL_PG_SNAPSHOT_H
#define SL_PG_SNAPSHOT_H

#include "pg_source_task.h"

/* Opens the snapshot connection and its transaction. snapshot_name is the
 * slot's exported snapshot, or NULL for a fresh snapshot (the slot already
 * existed: changes between its position and now may then come twice, once
 * read here and once streamed). lsn is the position snapshot offsets carry.
 * Lists the tables to read (in the publication and the filter). Returns
 * NULL with errstr; *transient tells whether retrying may help. */
sl_pg_snapshot_t *sl_pg_snapshot_begin(sl_task_ctx_t *ctx, sl_pg_source_t *st,
				       const char *snapshot_name, uint64_t lsn, bool *transient,
				       char *errstr, size_t errstr_size);

/* Appends up to snapshot.fetch.size 'r' records. Sets *done once every
 * table is read: then the last record of the snapshot (the batch's last
 * one, if any) is marked source.snapshot "last" and carries the offset
 * with "last_snapshot_record": true, and the transaction is closed.
 * Returns SL_OK, SL_RETRY (connection lost: the snapshot starts over) or
 * SL_FAIL (reason recorded). */
sl_rc_t sl_pg_snapshot_step(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_batch_t *batch, bool *done);

void sl_pg_snapshot_free(sl_pg_snapshot_t *s);

/* Builds a relation from the catalog (pg_attribute, pg_index): columns,
 * types, key columns (primary key, or the replica identity index) and
 * optional = !attnotnull. Free with sl_pg_relation_free. */
sl_pg_relation_t *sl_pg_relation_from_catalog(PGconn *c, uint32_t oid, const char *schema,
					      const char *table, char *errstr, size_t errstr_size);

#endif
