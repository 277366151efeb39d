/* The postgres-source's two libpq connections: the replication connection
 * (slot, START_REPLICATION, the CopyBoth stream, standby status updates)
 * and the regular one (server checks, publication, catalog). The pure
 * parts (CopyData framing, status update bytes, "is feedback due") are
 * separate functions with unit tests. */
#ifndef SL_PG_REPL_H
#define SL_PG_REPL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pg_errors.h"
#include "pg_filter.h"

/* Connection parameters; borrowed strings, NULL = libpq's default. The
 * password is handed to libpq only, never formatted into a message. */
typedef struct sl_pg_conninfo {
	const char *host, *port, *user, *password, *dbname, *sslmode;
	const char *sslrootcert, *sslcert, *sslkey;
	const char *application_name;
	bool keepalives;
} sl_pg_conninfo_t;

/* Opens a connection (replication=database when replication is set).
 * Returns NULL with errstr ("cannot connect to host:port database db as
 * user: ...") and *transient (sl_pg_connectdb) on failure. */
PGconn *sl_pg_connect(const sl_pg_conninfo_t *ci, bool replication, bool *transient, char *errstr,
		      size_t errstr_size);

/* ---- checks and setup on the regular connection ----
 * These and the replication calls below return 0, -1 for a permanent
 * problem (configuration, server setup, a missing slot: the task fails) or
 * SL_PG_TRANSIENT (the connection broke, the server shuts down, ...:
 * retry), errstr saying what to do. */

/* wal_level = logical, the user has REPLICATION (or is superuser), the
 * slot (when it exists) is not held by another process. */
int sl_pg_check_server(PGconn *sql, const char *slot, char *errstr, size_t errstr_size);

typedef struct sl_pg_slot_info {
	bool exists;
	bool is_pgoutput;
	uint64_t confirmed_flush; /* 0 when unknown */
	int active_pid;           /* 0 when inactive */
} sl_pg_slot_info_t;

int sl_pg_slot_info(PGconn *sql, const char *slot, sl_pg_slot_info_t *out, char *errstr,
		    size_t errstr_size);

typedef enum sl_pg_pub_mode {
	SL_PG_PUB_ALL_TABLES = 0,
	SL_PG_PUB_FILTERED = 1,
	SL_PG_PUB_DISABLED = 2,
} sl_pg_pub_mode_t;

/* Makes sure the publication exists: creates it FOR ALL TABLES or FOR
 * TABLE <the tables the filter captures>, or (disabled) fails naming it. */
int sl_pg_publication_ensure(PGconn *sql, const char *pub, sl_pg_pub_mode_t mode,
			     const sl_pg_filter_t *filter, char *errstr, size_t errstr_size);

/* Fails naming the first table of the publication that the filter captures
 * and that has no usable replica identity (REPLICA IDENTITY NOTHING, or
 * DEFAULT without a primary key): its UPDATEs and DELETEs would fail. */
int sl_pg_check_replica_identity(PGconn *sql, const char *pub, const sl_pg_filter_t *filter,
				 char *errstr, size_t errstr_size);

/* Drops the slot (slot.drop.on.stop). */
int sl_pg_slot_drop(PGconn *sql, const char *slot, char *errstr, size_t errstr_size);

/* ---- the replication connection ---- */

/* IDENTIFY_SYSTEM; *xlogpos gets the server's current WAL position. */
int sl_pg_identify_system(PGconn *repl, uint64_t *xlogpos, char *errstr, size_t errstr_size);

/* CREATE_REPLICATION_SLOT slot LOGICAL pgoutput, with an exported snapshot
 * when export is set (*snapshot_name, malloc()ed) or NOEXPORT_SNAPSHOT.
 * *consistent_point is where streaming of the new slot begins. */
int sl_pg_slot_create(PGconn *repl, const char *slot, bool export, uint64_t *consistent_point,
		      char **snapshot_name, char *errstr, size_t errstr_size);

/* The streaming state of a replication connection. received and confirmed
 * are kept apart (pg_recvlogical): only confirmed is reported as flushed. */
typedef struct sl_pg_repl {
	PGconn *conn;       /* owned */
	bool streaming;     /* START_REPLICATION succeeded */
	uint64_t received;  /* highest LSN received */
	uint64_t confirmed; /* durably stored downstream: reported as flush */
	uint64_t reported;  /* confirmed as of the last status update */
	int64_t last_status_ms;
	int64_t status_interval_ms;
	char *buf; /* the last PQgetCopyData buffer */
} sl_pg_repl_t;

/* START_REPLICATION SLOT slot LOGICAL lsn (proto_version '1',
 * publication_names '"pub"', messages 'true'). */
int sl_pg_repl_start(sl_pg_repl_t *r, const char *slot, const char *pub, uint64_t lsn, char *errstr,
		     size_t errstr_size);

/* One message of the CopyBoth stream. */
typedef struct sl_pg_copy_msg {
	char kind;            /* 'w' XLogData, 'k' keepalive */
	uint64_t wal_start;   /* 'w': LSN of the payload */
	uint64_t wal_end;     /* 'w' and 'k': the server's WAL end */
	int64_t send_time;    /* µs since 2000-01-01 */
	bool reply_requested; /* 'k' */
	const uint8_t *data;  /* 'w': the pgoutput message */
	size_t len;
} sl_pg_copy_msg_t;

/* Parses one CopyData payload (pure). An unknown type or a short message is
 * an error. */
int sl_pg_copy_msg_parse(const uint8_t *p, size_t len, sl_pg_copy_msg_t *out, char *errstr,
			 size_t errstr_size);

/* Waits up to timeout_ms for the next message. Returns 1 with *out (valid
 * until the next call), 0 on timeout, SL_PG_TRANSIENT with errstr when the
 * connection is lost or the server ended the stream (shutting down), -1
 * when the server ended it with a permanent error (the publication was
 * dropped, the slot invalidated) or sent a message that does not parse. */
int sl_pg_repl_read(sl_pg_repl_t *r, int timeout_ms, sl_pg_copy_msg_t *out, char *errstr,
		    size_t errstr_size);

/* Writes a standby status update (write = received, flush = apply =
 * confirmed) into buf (34 bytes). Pure. */
#define SL_PG_STATUS_LEN 34
void sl_pg_status_encode(uint8_t buf[SL_PG_STATUS_LEN], uint64_t write, uint64_t flush,
			 uint64_t apply, int64_t now_pg_us, bool reply);

/* Should a status update go out now? Yes when the server asked for one,
 * when the confirmed LSN moved since the last one, or when interval_ms
 * passed since the last one (interval_ms <= 0: only the first two). Pure. */
bool sl_pg_feedback_due(int64_t now_ms, int64_t last_sent_ms, int64_t interval_ms,
			bool reply_requested, uint64_t confirmed, uint64_t reported);

/* Milliseconds until feedback is next due by time (>= 0; INT32_MAX when
 * never). Pure. */
int64_t sl_pg_feedback_wait_ms(int64_t now_ms, int64_t last_sent_ms, int64_t interval_ms);

/* Sends a status update now. */
int sl_pg_repl_send_status(sl_pg_repl_t *r, bool reply, char *errstr, size_t errstr_size);

/* Sends a status update when sl_pg_feedback_due says so. */
int sl_pg_repl_maybe_send_status(sl_pg_repl_t *r, bool reply_requested, char *errstr,
				 size_t errstr_size);

/* Ends the stream cleanly (CopyDone, best effort) and closes. */
void sl_pg_repl_close(sl_pg_repl_t *r);

/* Runs a statement that returns no rows (or rows nobody reads); -1 with
 * errstr naming what failed. */
int sl_pg_exec(PGconn *c, const char *sql, const char *what, char *errstr, size_t errstr_size);

#endif
