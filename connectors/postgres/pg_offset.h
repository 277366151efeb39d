/* The postgres-source's source partition and offsets, in the shapes of
 * Debezium's PostgresConnector so offsets can move between the two:
 * partition {"server": topic.prefix}; offset {"lsn": n, "lsn_proc": n,
 * "lsn_commit": n, "txId": xid, "ts_usec": µs} while streaming, plus
 * "snapshot": true and "last_snapshot_record" during the snapshot. Pure. */
#ifndef SL_PG_OFFSET_H
#define SL_PG_OFFSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sl_pg_offset {
	/* The position: where streaming resumes. Transactions whose commit
	 * record starts before it are already done (see pg_source.c). */
	uint64_t lsn;
	int64_t txid; /* -1: none */
	/* Debezium's lsn_proc: the last event processed, in transaction txid
	 * (0: none). sluice writes the commit's end, as lsn. */
	uint64_t lsn_proc;
	int64_t ts_usec;           /* commit (or snapshot) time, µs since the epoch */
	bool snapshot;             /* written by the snapshot */
	bool last_snapshot_record; /* the snapshot's last record */
	bool snapshot_completed;   /* Debezium 2.6+: the snapshot finished */
} sl_pg_offset_t;

/* New JSON object (one reference) in Debezium's shape. */
json_t *sl_pg_offset_to_json(const sl_pg_offset_t *o);

/* Reads a stored offset. Returns 0, or -1 with errstr saying what is
 * wrong: not an object, no "lsn" number >= 0 (Debezium's text form
 * "0/16B3748" is not accepted: Debezium stores numbers), or a known key of
 * the wrong type ("txId", "ts_usec", "lsn_proc", "lsn_commit": numbers;
 * "last_snapshot_record", "snapshot_completed": booleans; "snapshot":
 * true / false, or Debezium 2.6+'s "INITIAL" / "BLOCKING"). null is taken
 * as absent; unknown keys are ignored. */
int sl_pg_offset_from_json(const json_t *j, sl_pg_offset_t *o, char *errstr, size_t errstr_size);

/* The stored offset of a task at its start (stored: what
 * sl_task_stored_offset returned, may be NULL). Returns 1 with *o, 0 when
 * nothing is stored, or -1 with errstr naming the connector, the source
 * partition and the offset (escaped, capped) and saying how to recover:
 * a malformed offset must fail the task, since starting without it would
 * snapshot or stream from the wrong place. */
int sl_pg_offset_load(const json_t *stored, const char *connector, const json_t *partition,
		      sl_pg_offset_t *o, char *errstr, size_t errstr_size);

/* True when the offset says the snapshot was complete (a streaming offset,
 * the snapshot's last record, or Debezium's "snapshot_completed"). */
bool sl_pg_offset_snapshot_done(const sl_pg_offset_t *o);

/* The highest "lsn" among the offsets of committed ({"<partition>":
 * offset, ...}, as source_ops.commit gets it); 0 when none. */
uint64_t sl_pg_offset_committed_lsn(const json_t *committed);

#endif
