/* The postgres-source task's state, shared by its files (pg_source.c:
 * options and lifecycle, pg_stream.c: changes to records, pg_snapshot.c:
 * the initial snapshot). Internal to the connector. */
#ifndef SL_PG_SOURCE_TASK_H
#define SL_PG_SOURCE_TASK_H

#include <libpq-fe.h>

#include "pg_event.h"
#include "pg_filter.h"
#include "pg_offset.h"
#include "pg_repl.h"
#include "pgoutput.h"
#include "sluice/connector.h"

typedef enum sl_pg_snapshot_mode {
	SL_PG_SNAP_INITIAL = 0,
	SL_PG_SNAP_NO_DATA,
	SL_PG_SNAP_NEVER, /* Debezium's legacy name of no_data */
	SL_PG_SNAP_INITIAL_ONLY,
	SL_PG_SNAP_WHEN_NEEDED,
	SL_PG_SNAP_ALWAYS,
} sl_pg_snapshot_mode_t;

typedef struct sl_pg_source_config {
	char *hostname;
	int64_t port;
	char *user;
	char *password;
	char *dbname;
	int sslmode;
	char *sslrootcert, *sslcert, *sslkey;
	bool tcp_keepalive;
	char *topic_prefix;
	char *server_name; /* legacy database.server.name */
	int plugin;
	char *slot_name;
	bool slot_drop_on_stop;
	char *publication_name;
	int publication_mode;
	int snapshot_mode;
	char **table_include, **table_exclude, **schema_include, **schema_exclude;
	bool tombstones_on_delete;
	char **skipped_operations;
	char *unavailable_placeholder;
	int decimal_mode;
	int time_mode;
	int64_t status_interval_ms;
	int64_t heartbeat_interval_ms;
	char *heartbeat_action_query;
	char *heartbeat_topic_prefix;
	int64_t snapshot_fetch_size;
	int64_t max_batch_size;
	/* accepted for compatibility, not used */
	int64_t max_queue_size;
	int64_t poll_interval_ms;
	bool provide_transaction_metadata;
	bool include_schema_changes;
	int64_t errors_max_retries;
	char *history_servers, *history_topic, *schema_history_servers, *schema_history_topic;
} sl_pg_source_config_t;

typedef enum sl_pg_phase {
	SL_PG_PHASE_SNAPSHOT = 0,
	SL_PG_PHASE_STREAM,
	SL_PG_PHASE_DONE, /* initial_only after its snapshot: nothing more */
} sl_pg_phase_t;

typedef struct sl_pg_snapshot sl_pg_snapshot_t;

typedef struct sl_pg_source {
	sl_pg_source_config_t cfg;
	const char *prefix; /* topic.prefix, or database.server.name */
	sl_pg_conninfo_t ci;
	sl_pg_filter_t *filter;
	bool skip_c, skip_u, skip_d, skip_t; /* skipped.operations */

	PGconn *sql;       /* regular connection: catalog, heartbeat.action.query */
	sl_pg_repl_t repl; /* replication connection and its LSNs */
	sl_pg_snapshot_t *snap;

	sl_pg_decoder_t *dec;
	sl_pg_types_t *types;
	sl_pg_event_config_t ecfg;
	sl_pg_event_builder_t *builder;

	json_t *partition; /* {"server": prefix} */
	/* The offset stored when the task started (read before connecting: a
	 * malformed one fails the task). */
	sl_pg_offset_t stored;
	bool has_stored;
	char *heartbeat_topic;
	sl_pg_phase_t phase;

	/* Positions. stream_from: START_REPLICATION's LSN. skip_before: a
	 * transaction whose commit record starts before it is already in
	 * Kafka (or in the snapshot) and is skipped. safe_lsn: the newest
	 * position every change before which has been handed to the worker
	 * (what a heartbeat's offset may say). */
	uint64_t stream_from;
	uint64_t skip_before;
	/* Resuming from an offset Debezium wrote: its last processed event
	 * (lsn_proc) in transaction resume_xid (-1: none). PostgreSQL sends
	 * that transaction again; its events up to that one are skipped. */
	int64_t resume_xid;
	uint64_t resume_lsn;
	uint64_t safe_lsn;
	uint64_t server_wal_end; /* the newest WAL end the server sent (slot lag gauge) */
	int64_t last_txid, last_ts_usec;
	uint64_t last_commit_lsn; /* for source.sequence: the last transaction's end_lsn */
	char *origin;             /* the open transaction's replication origin, or NULL */
	uint64_t origin_lsn;

	/* The open transaction. */
	bool in_txn, skip_txn;
	uint32_t xid;
	uint64_t final_lsn;
	int64_t commit_time_us;
	size_t txn_records; /* records of it handed out or in the batch */
	size_t txn_first;   /* index in the current batch of its first record */

	/* A record kept back from the batch until it is known whether it is
	 * the last of its transaction (or of the snapshot). */
	sl_record_t held;
	bool has_held;

	int64_t next_heartbeat_ms;
	bool connected; /* both connections up and the stream/snapshot set up */
} sl_pg_source_t;

/* pg_stream.c: handles one CopyData message of the stream, appending
 * records to batch. Returns SL_OK, SL_RETRY (connection trouble; reason
 * recorded) or SL_FAIL. */
sl_rc_t sl_pg_stream_handle(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_copy_msg_t *m,
			    sl_batch_t *batch);
/* pg_stream.c: appends a heartbeat record when one is due. */
sl_rc_t sl_pg_stream_heartbeat(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_batch_t *batch);
/* pg_stream.c: reads nullability and unknown types of rel from the catalog
 * (the regular connection) into the decoder's cached relation. These and
 * sl_pg_catalog_load_types return 0, -1 or SL_PG_TRANSIENT (pg_errors.h). */
int sl_pg_catalog_fill_relation(sl_pg_source_t *st, sl_pg_relation_t *rel, char *errstr,
				size_t errstr_size);
/* pg_stream.c: loads user-defined types (oid >= 16384) into st->types. */
int sl_pg_catalog_load_types(sl_pg_source_t *st, const char *where, char *errstr,
			     size_t errstr_size);

/* pg_source.c: moves the batch's last record into st->held / back. */
void sl_pg_hold_last(sl_pg_source_t *st, sl_batch_t *batch);
void sl_pg_unhold(sl_pg_source_t *st, sl_batch_t *batch);

#endif
