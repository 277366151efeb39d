/* The postgres-source's libpq side: connections, server checks, the
 * publication and the slot, and the CopyBoth replication stream with its
 * standby status updates. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_repl.h"
#include "pgoutput.h"
#include "sluice/util.h"

/* ---- big-endian helpers ---- */
static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

/* Trims libpq's trailing newline off an error message. */
static const char *pq_err(PGconn *c)
{
	static _Thread_local char buf[512];
	size_t n;

	sl_strlcpy(buf, c ? PQerrorMessage(c) : "out of memory", sizeof(buf));
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

PGconn *sl_pg_connect(const sl_pg_conninfo_t *ci, bool replication, bool *transient, char *errstr,
		      size_t errstr_size)
{
	const char *keys[16], *vals[16];
	int n = 0;
	char what[512];

#define KV(k, v)                                                                                   \
	do {                                                                                       \
		if (v) {                                                                           \
			keys[n] = (k);                                                             \
			vals[n++] = (v);                                                           \
		}                                                                                  \
	} while (0)
	KV("host", ci->host);
	KV("port", ci->port);
	KV("user", ci->user);
	KV("password", ci->password);
	KV("dbname", ci->dbname);
	KV("sslmode", ci->sslmode);
	KV("sslrootcert", ci->sslrootcert);
	KV("sslcert", ci->sslcert);
	KV("sslkey", ci->sslkey);
	KV("application_name", ci->application_name);
	KV("connect_timeout", "10");
	KV("keepalives", ci->keepalives ? "1" : "0");
	/* The text forms the value parsers read, whatever the server's or the
	 * role's defaults: ISO dates, intervals as "1 year 2 mons", floats
	 * that read back exactly, timestamptz in UTC (written as "...+00",
	 * which needs no arithmetic to become Debezium's "...Z"). pgoutput
	 * writes the values of the replication stream with these too. */
	KV("options", "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 "
		      "-c TimeZone=UTC");
	if (replication)
		KV("replication", "database");
	keys[n] = vals[n] = NULL;
#undef KV
	snprintf(what, sizeof(what), "cannot connect%s to %s:%s database %s as %s",
		 replication ? " for replication" : "", ci->host ? ci->host : "localhost",
		 ci->port ? ci->port : "5432", ci->dbname ? ci->dbname : "?",
		 ci->user ? ci->user : "?");
	return sl_pg_connectdb(keys, vals, 0, what, transient, errstr, errstr_size);
}

int sl_pg_exec(PGconn *c, const char *sql, const char *what, char *errstr, size_t errstr_size)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	int rv = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "%s failed: %s", what, pq_err(c));
		rv = sl_pg_failure(c, r);
	}
	PQclear(r);
	return rv;
}

/* Runs a one-parameter query; NULL (errstr set, *transient when the
 * connection is gone) unless it returned rows. */
static PGresult *query1(PGconn *c, const char *sql, const char *param, const char *what, int *rv,
			char *errstr, size_t errstr_size)
{
	PGresult *r =
		PQexecParams(c, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "%s failed: %s", what, pq_err(c));
		*rv = sl_pg_failure(c, r);
		PQclear(r);
		return NULL;
	}
	*rv = 0;
	return r;
}

static int check_wal_level(PGconn *sql, char *errstr, size_t errstr_size)
{
	int rv;
	PGresult *r =
		query1(sql, "SHOW wal_level", NULL, "SHOW wal_level", &rv, errstr, errstr_size);

	if (!r)
		return rv;
	if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), "logical") != 0)
		rv = sl_seterr(errstr, errstr_size,
			       "wal_level is '%s'; logical decoding needs wal_level=logical in "
			       "postgresql.conf and a restart",
			       PQntuples(r) ? PQgetvalue(r, 0, 0) : "?");
	PQclear(r);
	return rv;
}

static int check_privilege(PGconn *sql, char *errstr, size_t errstr_size)
{
	int rv;
	PGresult *r = query1(sql,
			     "SELECT rolname, rolreplication OR rolsuper FROM pg_roles "
			     "WHERE rolname = current_user",
			     NULL, "reading the user's privileges", &rv, errstr, errstr_size);

	if (!r)
		return rv;
	if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 1), "t") != 0)
		rv = sl_seterr(errstr, errstr_size,
			       "user '%s' lacks the REPLICATION privilege needed for logical "
			       "replication (ALTER ROLE \"%s\" REPLICATION, or use a superuser)",
			       PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 0));
	PQclear(r);
	return rv;
}

int sl_pg_slot_info(PGconn *sql, const char *slot, sl_pg_slot_info_t *out, char *errstr,
		    size_t errstr_size)
{
	int rv;
	PGresult *r = query1(sql,
			     "SELECT plugin, confirmed_flush_lsn, coalesce(active_pid, 0) "
			     "FROM pg_replication_slots WHERE slot_name = $1",
			     slot, "reading pg_replication_slots", &rv, errstr, errstr_size);

	memset(out, 0, sizeof(*out));
	if (!r)
		return rv;
	if (PQntuples(r) == 1) {
		out->exists = true;
		out->is_pgoutput = !strcmp(PQgetvalue(r, 0, 0), "pgoutput");
		if (!PQgetisnull(r, 0, 1))
			sl_pg_lsn_parse(PQgetvalue(r, 0, 1), &out->confirmed_flush);
		out->active_pid = atoi(PQgetvalue(r, 0, 2));
	}
	PQclear(r);
	return 0;
}

int sl_pg_check_server(PGconn *sql, const char *slot, char *errstr, size_t errstr_size)
{
	sl_pg_slot_info_t si;
	int rv;

	if ((rv = check_wal_level(sql, errstr, errstr_size)) != 0 ||
	    (rv = check_privilege(sql, errstr, errstr_size)) != 0 ||
	    (rv = sl_pg_slot_info(sql, slot, &si, errstr, errstr_size)) != 0)
		return rv;
	if (si.exists && !si.is_pgoutput)
		return sl_seterr(errstr, errstr_size,
				 "replication slot '%s' exists but does not use the pgoutput "
				 "plugin; drop it or choose another slot.name",
				 slot);
	if (si.active_pid) {
		sl_seterr(errstr, errstr_size,
			  "replication slot '%s' is in use by another process (pid %d); is "
			  "another connector or pg_recvlogical using the same slot.name? "
			  "(transient: retried until the slot is free; a previous connection's "
			  "walsender lets it go within wal_sender_timeout)",
			  slot, si.active_pid);
		return SL_PG_TRANSIENT;
	}
	return 0;
}

/* "schema"."table" quoted for SQL, malloc()ed. */
static char *quote_table(PGconn *c, const char *schema, const char *table)
{
	char *s = PQescapeIdentifier(c, schema, strlen(schema));
	char *t = PQescapeIdentifier(c, table, strlen(table));
	char *out = s && t ? sl_asprintf("%s.%s", s, t) : NULL;

	PQfreemem(s);
	PQfreemem(t);
	return out;
}

/* "FOR TABLE a, b" of every ordinary or partitioned table the filter
 * captures; NULL (errstr set) when none or on failure. */
static char *filtered_tables(PGconn *sql, const sl_pg_filter_t *f, int *rv, char *errstr,
			     size_t errstr_size)
{
	PGresult *r = query1(sql,
			     "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
			     "ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') "
			     "AND NOT c.relispartition ORDER BY 1, 2",
			     NULL, "listing tables", rv, errstr, errstr_size);
	sl_buf_t b = {0};

	if (!r)
		return NULL;
	for (int i = 0; i < PQntuples(r); i++) {
		char *q;

		if (!sl_pg_filter_match(f, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1)))
			continue;
		q = quote_table(sql, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		sl_buf_append_str(&b, b.len ? ", " : "FOR TABLE ");
		sl_buf_append_str(&b, q ? q : "\"?\"");
		free(q);
	}
	PQclear(r);
	*rv = 0;
	if (!b.len)
		*rv = sl_seterr(errstr, errstr_size,
				"publication.autocreate.mode=filtered: no table matches "
				"table.include.list / schema.include.list, so there is nothing "
				"to publish");
	return sl_buf_steal(&b);
}

int sl_pg_publication_ensure(PGconn *sql, const char *pub, sl_pg_pub_mode_t mode,
			     const sl_pg_filter_t *filter, char *errstr, size_t errstr_size)
{
	int rv;
	PGresult *r = query1(sql, "SELECT 1 FROM pg_publication WHERE pubname = $1", pub,
			     "reading pg_publication", &rv, errstr, errstr_size);
	char *ident = NULL, *tables = NULL, *stmt = NULL;

	if (!r)
		return rv;
	if (PQntuples(r) > 0)
		goto out;
	if (mode == SL_PG_PUB_DISABLED) {
		rv = sl_seterr(errstr, errstr_size,
			       "publication '%s' does not exist and publication.autocreate.mode "
			       "is disabled; CREATE PUBLICATION it or change the mode",
			       pub);
		goto out;
	}
	ident = PQescapeIdentifier(sql, pub, strlen(pub));
	if (mode == SL_PG_PUB_FILTERED) {
		tables = filtered_tables(sql, filter, &rv, errstr, errstr_size);
		if (rv != 0)
			goto out;
	}
	stmt = sl_asprintf("CREATE PUBLICATION %s %s", ident ? ident : "\"?\"",
			   tables ? tables : "FOR ALL TABLES");
	rv = sl_pg_exec(sql, stmt, "CREATE PUBLICATION", errstr, errstr_size);
out:
	PQclear(r);
	PQfreemem(ident);
	free(tables);
	free(stmt);
	return rv;
}

int sl_pg_check_replica_identity(PGconn *sql, const char *pub, const sl_pg_filter_t *filter,
				 char *errstr, size_t errstr_size)
{
	int rv;
	PGresult *r = query1(
		sql,
		"SELECT p.schemaname, p.tablename, c.relreplident, "
		"EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) "
		"FROM pg_publication_tables p JOIN pg_namespace n ON n.nspname = p.schemaname "
		"JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename "
		"WHERE p.pubname = $1 ORDER BY 1, 2",
		pub, "reading the publication's tables", &rv, errstr, errstr_size);

	if (!r)
		return rv;
	for (int i = 0; i < PQntuples(r) && rv == 0; i++) {
		const char *s = PQgetvalue(r, i, 0), *t = PQgetvalue(r, i, 1);
		char ri = PQgetvalue(r, i, 2)[0];
		bool pk = PQgetvalue(r, i, 3)[0] == 't';

		if (!sl_pg_filter_match(filter, s, t))
			continue;
		if (ri == 'n' || (ri == 'd' && !pk))
			rv = sl_seterr(
				errstr, errstr_size,
				"table %s.%s has no replica identity (%s), so its UPDATEs "
				"and DELETEs would fail once published; add a primary key, "
				"ALTER TABLE ... REPLICA IDENTITY FULL, or exclude the table "
				"(table.exclude.list)",
				s, t,
				ri == 'n' ? "REPLICA IDENTITY NOTHING"
					  : "REPLICA IDENTITY DEFAULT without a primary key");
	}
	PQclear(r);
	return rv;
}

int sl_pg_slot_drop(PGconn *sql, const char *slot, char *errstr, size_t errstr_size)
{
	int rv;
	PGresult *r = query1(sql, "SELECT pg_drop_replication_slot($1)", slot,
			     "dropping the replication slot", &rv, errstr, errstr_size);

	PQclear(r);
	return rv;
}

int sl_pg_identify_system(PGconn *repl, uint64_t *xlogpos, char *errstr, size_t errstr_size)
{
	PGresult *r = PQexec(repl, "IDENTIFY_SYSTEM");
	int rv = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "IDENTIFY_SYSTEM failed: %s", pq_err(repl));
		rv = sl_pg_failure(repl, r);
	} else if (PQntuples(r) != 1 || PQnfields(r) < 3)
		rv = sl_seterr(errstr, errstr_size, "IDENTIFY_SYSTEM: unexpected result shape");
	else if (sl_pg_lsn_parse(PQgetvalue(r, 0, 2), xlogpos) != 0)
		rv = sl_seterr(errstr, errstr_size, "IDENTIFY_SYSTEM: bad xlogpos '%s'",
			       PQgetvalue(r, 0, 2));
	PQclear(r);
	return rv;
}

int sl_pg_slot_create(PGconn *repl, const char *slot, bool export, uint64_t *consistent_point,
		      char **snapshot_name, char *errstr, size_t errstr_size)
{
	char *ident = PQescapeIdentifier(repl, slot, strlen(slot));
	char *stmt = sl_asprintf("CREATE_REPLICATION_SLOT %s LOGICAL pgoutput %s",
				 ident ? ident : "\"?\"",
				 export ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT");
	PGresult *r = PQexec(repl, stmt);
	int rv = 0;

	*snapshot_name = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "creating replication slot '%s' failed: %s", slot,
			  pq_err(repl));
		rv = sl_pg_failure(repl, r);
	} else if (PQntuples(r) != 1 || PQnfields(r) < 4) {
		rv = sl_seterr(errstr, errstr_size,
			       "CREATE_REPLICATION_SLOT: unexpected result shape");
	} else if (sl_pg_lsn_parse(PQgetvalue(r, 0, 1), consistent_point) != 0) {
		rv = sl_seterr(errstr, errstr_size, "CREATE_REPLICATION_SLOT: bad LSN '%s'",
			       PQgetvalue(r, 0, 1));
	} else if (export && !PQgetisnull(r, 0, 2)) {
		*snapshot_name = sl_strdup(PQgetvalue(r, 0, 2));
	}
	PQclear(r);
	PQfreemem(ident);
	free(stmt);
	return rv;
}

int sl_pg_repl_start(sl_pg_repl_t *r, const char *slot, const char *pub, uint64_t lsn, char *errstr,
		     size_t errstr_size)
{
	char lsn_text[32];
	char *slot_id = PQescapeIdentifier(r->conn, slot, strlen(slot));
	char *pub_id = PQescapeIdentifier(r->conn, pub, strlen(pub));
	char *pub_lit = pub_id ? PQescapeLiteral(r->conn, pub_id, strlen(pub_id)) : NULL;
	char *stmt;
	PGresult *res;
	int rv = 0;

	sl_pg_lsn_format(lsn, lsn_text, sizeof(lsn_text));
	stmt = sl_asprintf("START_REPLICATION SLOT %s LOGICAL %s (proto_version '1', "
			   "publication_names %s, messages 'true')",
			   slot_id ? slot_id : "\"?\"", lsn_text, pub_lit ? pub_lit : "''");
	res = PQexec(r->conn, stmt);
	if (PQresultStatus(res) != PGRES_COPY_BOTH) {
		sl_seterr(errstr, errstr_size, "START_REPLICATION at %s failed: %s", lsn_text,
			  pq_err(r->conn));
		rv = sl_pg_failure(r->conn, res);
	} else
		r->streaming = true;
	PQclear(res);
	PQfreemem(slot_id);
	PQfreemem(pub_id);
	PQfreemem(pub_lit);
	free(stmt);
	return rv;
}

int sl_pg_copy_msg_parse(const uint8_t *p, size_t len, sl_pg_copy_msg_t *out, char *errstr,
			 size_t errstr_size)
{
	memset(out, 0, sizeof(*out));
	if (len < 1)
		return sl_seterr(errstr, errstr_size, "empty CopyData message");
	out->kind = (char)p[0];
	if (p[0] == 'w') {
		if (len < 25)
			return sl_seterr(
				errstr, errstr_size,
				"XLogData message of %zu bytes is shorter than its 25-byte "
				"header",
				len);
		out->wal_start = get_u64(p + 1);
		out->wal_end = get_u64(p + 9);
		out->send_time = (int64_t)get_u64(p + 17);
		out->data = p + 25;
		out->len = len - 25;
		return 0;
	}
	if (p[0] == 'k') {
		if (len < 18)
			return sl_seterr(errstr, errstr_size,
					 "keepalive message of %zu bytes (expected 18)", len);
		out->wal_end = get_u64(p + 1);
		out->send_time = (int64_t)get_u64(p + 9);
		out->reply_requested = p[17] != 0;
		return 0;
	}
	return sl_seterr(errstr, errstr_size, "unknown CopyData message type 0x%02x", p[0]);
}

/* The server ended the CopyBoth stream: cleanly (it is shutting down) or
 * with an error whose SQLSTATE decides. */
static int stream_ended(sl_pg_repl_t *r, char *errstr, size_t errstr_size)
{
	PGresult *res = PQgetResult(r->conn);
	int rv = SL_PG_TRANSIENT;

	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		sl_seterr(errstr, errstr_size, "the server ended the replication stream");
	} else {
		sl_seterr(errstr, errstr_size, "the replication stream ended: %s", pq_err(r->conn));
		rv = sl_pg_failure(r->conn, res);
	}
	PQclear(res);
	r->streaming = false;
	return rv;
}

int sl_pg_repl_read(sl_pg_repl_t *r, int timeout_ms, sl_pg_copy_msg_t *out, char *errstr,
		    size_t errstr_size)
{
	int64_t deadline = sl_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	bool polled = false; /* input was read at least once */

	if (r->buf) {
		PQfreemem(r->buf);
		r->buf = NULL;
	}
	for (;;) {
		int n = PQgetCopyData(r->conn, &r->buf, 1);

		if (n > 0) {
			if (sl_pg_copy_msg_parse((const uint8_t *)r->buf, (size_t)n, out, errstr,
						 errstr_size) != 0)
				return -1;
			if (out->kind == 'w' && out->wal_start > r->received)
				r->received = out->wal_start;
			return 1;
		}
		if (n == -1)
			return stream_ended(r, errstr, errstr_size);
		if (n == -2) {
			r->streaming = false;
			sl_seterr(errstr, errstr_size, "replication connection lost: %s",
				  pq_err(r->conn));
			return SL_PG_TRANSIENT;
		}
		int64_t left = deadline - sl_now_ms();
		struct pollfd pfd = {.fd = PQsocket(r->conn), .events = POLLIN};

		if (left <= 0 && polled)
			return 0;
		polled = true;
		if (poll(&pfd, 1, left > 0 ? (int)left : 0) < 0 && errno != EINTR) {
			sl_seterr(errstr, errstr_size, "poll: %s", strerror(errno));
			return SL_PG_TRANSIENT;
		}
		if (PQconsumeInput(r->conn) == 0) {
			r->streaming = false;
			sl_seterr(errstr, errstr_size, "replication connection lost: %s",
				  pq_err(r->conn));
			return SL_PG_TRANSIENT;
		}
	}
}

void sl_pg_status_encode(uint8_t buf[SL_PG_STATUS_LEN], uint64_t write, uint64_t flush,
			 uint64_t apply, int64_t now_pg_us, bool reply)
{
	buf[0] = 'r';
	put_u64(buf + 1, write);
	put_u64(buf + 9, flush);
	put_u64(buf + 17, apply);
	put_u64(buf + 25, (uint64_t)now_pg_us);
	buf[33] = reply ? 1 : 0;
}

bool sl_pg_feedback_due(int64_t now_ms, int64_t last_sent_ms, int64_t interval_ms,
			bool reply_requested, uint64_t confirmed, uint64_t reported)
{
	if (reply_requested || confirmed > reported)
		return true;
	return interval_ms > 0 && now_ms - last_sent_ms >= interval_ms;
}

int64_t sl_pg_feedback_wait_ms(int64_t now_ms, int64_t last_sent_ms, int64_t interval_ms)
{
	int64_t left;

	if (interval_ms <= 0)
		return INT32_MAX;
	left = last_sent_ms + interval_ms - now_ms;
	return left < 0 ? 0 : left;
}

int sl_pg_repl_send_status(sl_pg_repl_t *r, bool reply, char *errstr, size_t errstr_size)
{
	uint8_t buf[SL_PG_STATUS_LEN];
	int64_t now_pg = sl_wallclock_ms() * 1000 - SL_PG_EPOCH_OFFSET_US;

	if (!r->streaming)
		return 0;
	sl_pg_status_encode(buf, r->received > r->confirmed ? r->received : r->confirmed,
			    r->confirmed, r->confirmed, now_pg, reply);
	if (PQputCopyData(r->conn, (const char *)buf, sizeof(buf)) <= 0 || PQflush(r->conn) < 0) {
		r->streaming = false;
		return sl_seterr(errstr, errstr_size, "sending a status update failed: %s",
				 pq_err(r->conn));
	}
	r->reported = r->confirmed;
	r->last_status_ms = sl_now_ms();
	return 0;
}

int sl_pg_repl_maybe_send_status(sl_pg_repl_t *r, bool reply_requested, char *errstr,
				 size_t errstr_size)
{
	if (!sl_pg_feedback_due(sl_now_ms(), r->last_status_ms, r->status_interval_ms,
				reply_requested, r->confirmed, r->reported))
		return 0;
	return sl_pg_repl_send_status(r, false, errstr, errstr_size);
}

void sl_pg_repl_close(sl_pg_repl_t *r)
{
	if (r->buf)
		PQfreemem(r->buf);
	r->buf = NULL;
	if (r->conn && r->streaming && PQstatus(r->conn) == CONNECTION_OK) {
		char err[256];

		sl_pg_repl_send_status(r, false, err, sizeof(err));
		if (PQputCopyEnd(r->conn, NULL) == 1 && PQflush(r->conn) == 0) {
			PGresult *res;

			/* Drain what the server still sends until the copy ends
			 * (bounded: the socket is blocking, the server ends promptly). */
			while (PQgetCopyData(r->conn, &r->buf, 0) > 0) {
				PQfreemem(r->buf);
				r->buf = NULL;
			}
			while ((res = PQgetResult(r->conn)) != NULL)
				PQclear(res);
		}
	}
	PQfinish(r->conn);
	r->conn = NULL;
	r->streaming = false;
}
