/* Which PostgreSQL failures pass by themselves (a restart, a lost
 * connection, too many connections, a serialization failure: the task
 * returns SL_RETRY and the worker retries without limit) and which need
 * someone to act (credentials, a missing object, bad SQL or data: the task
 * fails), decided by SQLSTATE where the server gives one. Shared by
 * postgres-source and postgres-sink. */
#ifndef SL_PG_ERRORS_H
#define SL_PG_ERRORS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* What the helpers of both connectors return for a transient failure;
 * -1 is a permanent one, 0 success. */
#define SL_PG_TRANSIENT (-2)

/* True for SQLSTATEs that pass by themselves: class 08 (connection
 * exception) but 08P01 (protocol violation); 25006 (read-only: a standby,
 * or a server in recovery after a failover); 40001, 40P01, 40003
 * (serialization failure, deadlock, completion unknown); class 53
 * (resources: 53300 too many connections, disk full, out of memory) but
 * 53400 (a configured limit); 55P03 (lock not available); 55006 (object
 * in use, e.g. a replication slot another process still holds); 57P01,
 * 57P02, 57P03, 57P05 (administrator or crash shutdown, cannot connect now:
 * starting up, shutting down or in recovery; idle session timeout).
 * Everything else, NULL included, is false. Pure. */
bool sl_pg_sqlstate_transient(const char *sqlstate);

/* What a task that got sqlstate (NULL: the connection broke) waits for,
 * for its log: "until the server is reachable again", ... Pure. */
const char *sl_pg_waiting_for(const char *sqlstate);

/* The failure of a statement on c whose result is res (may be NULL):
 * SL_PG_TRANSIENT when c is no longer usable or res's SQLSTATE is
 * transient, else -1. */
int sl_pg_failure(PGconn *c, const PGresult *res);

/* Whether a failed connection attempt, described by libpq's message in
 * verbose form (sl_pg_connectdb), may succeed later: yes when no server
 * answered with an error (refused, timed out, name not resolved, closed
 * mid-way) or one answered with a transient SQLSTATE (57P03, 53300, ...);
 * no for a server's other answers (28P01 password, 28000 role or
 * pg_hba.conf, 3D000 database, 42501 privilege) and for libpq's own
 * configuration errors (no password supplied, certificate and key files,
 * SSL required but not offered). The SQLSTATE of the answer that decided
 * goes to sqlstate (6 bytes; "" when none). Pure. */
bool sl_pg_connect_failure_transient(const char *msg, char sqlstate[6]);

/* Connects like PQconnectdbParams (several hosts, connect_timeout) but
 * keeps the SQLSTATE of a server's refusal in the message, so that the
 * failure can be classified. On failure returns NULL with *transient and
 * errstr = what (e.g. "cannot connect to h:5432 database d as u") + ": " +
 * libpq's message on one line (LOCATION lines dropped) + what the task
 * waits for when transient. The connection returned has libpq's default
 * error verbosity. */
PGconn *sl_pg_connectdb(const char *const *keys, const char *const *vals, int expand_dbname,
			const char *what, bool *transient, char *errstr, size_t errstr_size);

#endif
