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
	int64_t txid;              /* -1: none */
	int64_t ts_usec;           /* commit (or snapshot) time, µs since the epoch */
	bool snapshot;             /* written by the snapshot */
	bool last_snapshot_record; /* the snapshot's last record */
} sl_pg_offset_t;

/* New JSON object (one reference) in Debezium's shape. */
json_t *sl_pg_offset_to_json(const sl_pg_offset_t *o);

/* Reads a stored offset. Returns 0, or -1 with errstr when it has no usable
 * "lsn" (a number, or Debezium's text form is not accepted: Debezium
 * stores numbers). Unknown keys are ignored. */
int sl_pg_offset_from_json(const json_t *j, sl_pg_offset_t *o, char *errstr, size_t errstr_size);

/* True when the offset says the snapshot was complete (a streaming offset,
 * or the snapshot's last record). */
bool sl_pg_offset_snapshot_done(const sl_pg_offset_t *o);

/* The highest "lsn" among the offsets of committed ({"<partition>":
 * offset, ...}, as source_ops.commit gets it); 0 when none. */
uint64_t sl_pg_offset_committed_lsn(const json_t *committed);

#endif
