/* The initial snapshot of the postgres-source: one REPEATABLE READ
 * transaction (importing the slot's exported snapshot), each captured table
 * read through a cursor in batches of snapshot.fetch.size rows in text
 * format, never a whole table at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_snapshot.h"

#define SL_PG_PROGRESS_EVERY_MS 5000

typedef struct snap_table {
	uint32_t oid;
	char *schema, *table;
	double estimate; /* pg_class.reltuples, 0 when unknown */
} snap_table_t;

struct sl_pg_snapshot {
	PGconn *conn;
	uint64_t lsn;
	snap_table_t *tables;
	size_t ntables, next;  /* next: the table after the open one */
	sl_pg_relation_t *rel; /* the open table, NULL between tables */
	bool cursor_open;
	bool prefetching; /* the next batch's FETCH is sent, its result not read */
	int64_t rows, table_rows;
	double estimate;
	int64_t started_ms, next_progress_ms;
	int64_t ts_ms;  /* source.ts_ms of every snapshot record */
	int64_t txid;   /* source.txId: the snapshot transaction's id */
	json_t *offset; /* {"lsn", "snapshot": true, "last_snapshot_record": false} */
};

sl_pg_relation_t *sl_pg_relation_from_catalog(PGconn *c, uint32_t oid, const char *schema,
					      const char *table, char *errstr, size_t errstr_size)
{
	char oid_text[16];
	const char *param = oid_text;
	PGresult *r;
	sl_pg_relation_t *rel = NULL;

	snprintf(oid_text, sizeof(oid_text), "%u", oid);
	r = PQexecParams(
		c,
		"SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, "
		"coalesce((SELECT a.attnum = ANY(i.indkey) FROM pg_index i "
		"  WHERE i.indrelid = c.oid AND CASE c.relreplident WHEN 'i' THEN i.indisreplident "
		"  ELSE i.indisprimary END LIMIT 1), false), c.relreplident "
		"FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
		"WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
		"AND a.attgenerated = '' ORDER BY a.attnum",
		1, NULL, &param, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) == 0) {
		sl_seterr(errstr, errstr_size, "reading the columns of %s.%s failed: %s", schema,
			  table, PQntuples(r) == 0 ? "no columns" : PQerrorMessage(c));
		goto out;
	}
	rel = sl_calloc(1, sizeof(*rel));
	rel->oid = oid;
	rel->schema = sl_strdup(schema);
	rel->table = sl_strdup(table);
	rel->replica_identity = PQgetvalue(r, 0, 5)[0];
	rel->ncols = PQntuples(r);
	rel->cols = sl_calloc((size_t)rel->ncols, sizeof(*rel->cols));
	for (int i = 0; i < rel->ncols; i++) {
		sl_pg_column_t *col = &rel->cols[i];

		col->name = sl_strdup(PQgetvalue(r, i, 0));
		col->type_oid = (uint32_t)strtoul(PQgetvalue(r, i, 1), NULL, 10);
		col->type_mod = atoi(PQgetvalue(r, i, 2));
		col->optional = PQgetvalue(r, i, 3)[0] != 't';
		col->key = PQgetvalue(r, i, 4)[0] == 't';
	}
out:
	PQclear(r);
	return rel;
}

static void free_tables(sl_pg_snapshot_t *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		free(s->tables[i].schema);
		free(s->tables[i].table);
	}
	free(s->tables);
	s->tables = NULL;
	s->ntables = 0;
}

void sl_pg_snapshot_free(sl_pg_snapshot_t *s)
{
	if (!s)
		return;
	sl_pg_relation_free(s->rel);
	free_tables(s);
	PQfinish(s->conn);
	if (s->offset)
		json_decref(s->offset);
	free(s);
}

/* The ordinary tables of the publication that the filter captures. */
static int list_tables(sl_pg_snapshot_t *s, sl_pg_source_t *st, char *errstr, size_t errstr_size)
{
	const char *param = st->cfg.publication_name;
	PGresult *r = PQexecParams(
		s->conn,
		"SELECT c.oid, p.schemaname, p.tablename, greatest(c.reltuples, 0) "
		"FROM pg_publication_tables p JOIN pg_namespace n ON n.nspname = p.schemaname "
		"JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename "
		"WHERE p.pubname = $1 AND c.relkind = 'r' ORDER BY 2, 3",
		1, NULL, &param, NULL, NULL, 0);
	int rv = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "listing the tables to snapshot failed: %s",
			  PQerrorMessage(s->conn));
		rv = sl_pg_failure(s->conn, r);
		goto out;
	}
	s->tables = sl_calloc((size_t)PQntuples(r) + 1, sizeof(*s->tables));
	for (int i = 0; i < PQntuples(r); i++) {
		snap_table_t *t = &s->tables[s->ntables];

		if (!sl_pg_filter_match(st->filter, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)))
			continue;
		t->oid = (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);
		t->schema = sl_strdup(PQgetvalue(r, i, 1));
		t->table = sl_strdup(PQgetvalue(r, i, 2));
		t->estimate = strtod(PQgetvalue(r, i, 3), NULL);
		s->estimate += t->estimate;
		s->ntables++;
	}
out:
	PQclear(r);
	return rv;
}

/* The id of the snapshot transaction, which Debezium gives its snapshot
 * events as source.txId: it asks the same (an id is assigned to the read
 * only transaction), 0 on a standby, where none can be. */
static int read_txid(sl_pg_snapshot_t *s, char *errstr, size_t errstr_size)
{
	const char *q =
		PQserverVersion(s->conn) >= 130000
			? "SELECT CASE WHEN pg_is_in_recovery() THEN '0'::xid8 "
			  "ELSE pg_current_xact_id() END"
			: "SELECT CASE WHEN pg_is_in_recovery() THEN 0 ELSE txid_current() END";
	PGresult *r = PQexec(s->conn, q);
	int rv = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		sl_seterr(errstr, errstr_size, "reading the snapshot transaction's id failed: %s",
			  PQerrorMessage(s->conn));
		rv = sl_pg_failure(s->conn, r);
	} else {
		s->txid = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	}
	PQclear(r);
	return rv;
}

static json_t *snapshot_offset(uint64_t lsn, int64_t txid, bool last)
{
	sl_pg_offset_t o = {
		.lsn = lsn,
		.txid = txid,
		.ts_usec = sl_wallclock_ms() * 1000,
		.snapshot = true,
		.last_snapshot_record = last,
	};

	return sl_pg_offset_to_json(&o);
}

sl_pg_snapshot_t *sl_pg_snapshot_begin(sl_task_ctx_t *ctx, sl_pg_source_t *st,
				       const char *snapshot_name, uint64_t lsn, bool *transient,
				       char *errstr, size_t errstr_size)
{
	sl_pg_snapshot_t *s = sl_calloc(1, sizeof(*s));
	char *lit = NULL, *stmt = NULL;
	int rv;

	/* A failure to begin is transient but for a refused connection: the
	 * exported snapshot may be gone (its connection broke), and the next
	 * attempt takes a fresh one. */
	*transient = true;
	s->lsn = lsn;
	if (!(s->conn = sl_pg_connect(&st->ci, false, transient, errstr, errstr_size)))
		goto fail;
	if (sl_pg_exec(s->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		       "starting the snapshot transaction", errstr, errstr_size) != 0)
		goto fail;
	if (snapshot_name) {
		lit = PQescapeLiteral(s->conn, snapshot_name, strlen(snapshot_name));
		stmt = sl_asprintf("SET TRANSACTION SNAPSHOT %s", lit ? lit : "''");
		if (sl_pg_exec(s->conn, stmt, "importing the slot's exported snapshot", errstr,
			       errstr_size) != 0)
			goto fail;
	}
	if ((rv = read_txid(s, errstr, errstr_size)) != 0 ||
	    (rv = list_tables(s, st, errstr, errstr_size)) != 0) {
		*transient = rv == SL_PG_TRANSIENT;
		goto fail;
	}
	s->started_ms = sl_now_ms();
	s->next_progress_ms = s->started_ms + SL_PG_PROGRESS_EVERY_MS;
	s->ts_ms = sl_wallclock_ms();
	s->offset = snapshot_offset(lsn, s->txid, false);
	SL_TASK_INFO(ctx, "snapshot of %zu table(s), about %.0f rows, at LSN %llX/%llX%s",
		     s->ntables, s->estimate, (unsigned long long)(lsn >> 32),
		     (unsigned long long)(lsn & 0xffffffff),
		     snapshot_name ? " (the slot's exported snapshot)" : "");
	PQfreemem(lit);
	free(stmt);
	return s;
fail:
	PQfreemem(lit);
	free(stmt);
	sl_pg_snapshot_free(s);
	return NULL;
}

/* Declares the cursor over the next table; false when none is left. */
static int open_next_table(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_pg_snapshot_t *s,
			   char *errstr, size_t errstr_size)
{
	snap_table_t *t = &s->tables[s->next++];
	sl_buf_t q = {0};
	char *name;
	int rv;

	s->rel = sl_pg_relation_from_catalog(s->conn, t->oid, t->schema, t->table, errstr,
					     errstr_size);
	if (!s->rel)
		return PQstatus(s->conn) == CONNECTION_OK ? -1 : SL_PG_TRANSIENT;
	sl_buf_append_str(&q, "DECLARE sl_snapshot NO SCROLL CURSOR FOR SELECT ");
	for (int i = 0; i < s->rel->ncols; i++) {
		char *col = PQescapeIdentifier(s->conn, s->rel->cols[i].name,
					       strlen(s->rel->cols[i].name));

		sl_buf_appendf(&q, "%s%s", i ? ", " : "", col ? col : "\"?\"");
		PQfreemem(col);
	}
	name = PQescapeIdentifier(s->conn, t->schema, strlen(t->schema));
	sl_buf_appendf(&q, " FROM ONLY %s.", name ? name : "\"?\"");
	PQfreemem(name);
	name = PQescapeIdentifier(s->conn, t->table, strlen(t->table));
	sl_buf_append_str(&q, name ? name : "\"?\"");
	PQfreemem(name);
	rv = sl_pg_exec(s->conn, q.data, "declaring the snapshot cursor", errstr, errstr_size);
	sl_buf_free(&q);
	if (rv == 0) {
		s->cursor_open = true;
		s->table_rows = 0;
		SL_TASK_INFO(ctx, "snapshot: reading %s.%s (table %zu of %zu)", t->schema, t->table,
			     s->next, s->ntables);
	}
	return rv;
}

static int close_table(sl_task_ctx_t *ctx, sl_pg_snapshot_t *s, char *errstr, size_t errstr_size)
{
	int rv = sl_pg_exec(s->conn, "CLOSE sl_snapshot", "closing the snapshot cursor", errstr,
			    errstr_size);

	SL_TASK_INFO(ctx, "snapshot: %s.%s done, %lld rows", s->rel->schema, s->rel->table,
		     (long long)s->table_rows);
	s->cursor_open = false;
	sl_pg_relation_free(s->rel);
	s->rel = NULL;
	return rv;
}

static void log_progress(sl_task_ctx_t *ctx, sl_pg_snapshot_t *s)
{
	int64_t now = sl_now_ms();
	double secs = (double)(now - s->started_ms) / 1000.0;
	double rate = secs > 0 ? (double)s->rows / secs : 0;
	double left = s->estimate > (double)s->rows ? s->estimate - (double)s->rows : 0;

	if (now < s->next_progress_ms)
		return;
	s->next_progress_ms = now + SL_PG_PROGRESS_EVERY_MS;
	SL_TASK_INFO(ctx,
		     "snapshot: %lld of about %.0f rows (table %zu of %zu), %.0f rows/s, "
		     "about %.0f s left",
		     (long long)s->rows, s->estimate, s->next, s->ntables, rate,
		     rate > 0 ? left / rate : 0);
}

/* source.snapshot of a row as Debezium marks it: "first" for the first
 * row of the first table, "first_in_data_collection" for the first of the
 * others, "true" for the rest; the last row of a table and of the whole
 * snapshot are marked when they are known (mark_record). */
static const char *row_marker(const sl_pg_snapshot_t *s)
{
	if (s->table_rows > 0)
		return "true";
	return s->next == 1 ? "first" : "first_in_data_collection";
}

/* Turns one fetched row into an 'r' record. */
static sl_rc_t add_row(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_pg_snapshot_t *s, PGresult *r,
		       int row, sl_pg_datum_t *datums, sl_batch_t *batch)
{
	sl_pg_tuple_t tup = {.ncols = s->rel->ncols, .cols = datums};
	sl_pg_source_info_t src = {
		.ts_ms = s->ts_ms,
		.snapshot = row_marker(s),
		.txid = s->txid,
		.lsn = s->lsn,
		.last_commit_lsn = 0,
	};
	sl_record_t *rec = sl_batch_add(batch);
	const char *topic = NULL;
	char err[512];

	for (int c = 0; c < s->rel->ncols; c++) {
		bool null = PQgetisnull(r, row, c);

		datums[c].kind = null ? SL_PG_NULL : SL_PG_TEXT;
		datums[c].data = null ? NULL : PQgetvalue(r, row, c);
		datums[c].len = null ? 0 : (uint32_t)PQgetlength(r, row, c);
	}
	if (sl_pg_event_build(st->builder, s->rel, 'r', NULL, &tup, &src, &rec->key, &rec->value,
			      &topic, err, sizeof(err)) != 0) {
		sl_batch_truncate(batch, batch->count - 1);
		return sl_task_report_error(ctx, "TASK_POLL", NULL, NULL, 0,
					    "snapshot of %s.%s: %s", s->rel->schema, s->rel->table,
					    err);
	}
	sl_record_set_topic(rec, topic);
	rec->source_partition = st->partition;
	rec->source_offset = json_incref(s->offset);
	s->rows++;
	s->table_rows++;
	return SL_OK;
}

/* Sends the FETCH of the next batch without waiting: the server reads it
 * while this thread converts the current one. A failure to send shows as
 * the result's error. */
static void send_fetch(const sl_pg_source_t *st, sl_pg_snapshot_t *s)
{
	char q[64];

	snprintf(q, sizeof(q), "FETCH FORWARD %lld FROM sl_snapshot",
		 (long long)st->cfg.snapshot_fetch_size);
	s->prefetching = PQsendQuery(s->conn, q) == 1;
}

/* The result of the sent FETCH (sending one first if none is). */
static PGresult *fetch_result(const sl_pg_source_t *st, sl_pg_snapshot_t *s)
{
	PGresult *r, *rest;

	if (!s->prefetching)
		send_fetch(st, s);
	if (!s->prefetching)
		return NULL;
	s->prefetching = false;
	r = PQgetResult(s->conn);
	while ((rest = PQgetResult(s->conn)) != NULL)
		PQclear(rest);
	return r;
}

/* FETCHes one batch from the open cursor and sends the next FETCH; *eof
 * when the table is done (a batch short of snapshot.fetch.size is its
 * last). */
static sl_rc_t fetch_batch(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_pg_snapshot_t *s,
			   sl_batch_t *batch, bool *eof)
{
	PGresult *r;
	sl_pg_datum_t *datums;
	sl_rc_t rc = SL_OK;

	r = fetch_result(st, s);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rv = sl_pg_failure(s->conn, r);

		sl_task_fail(ctx, "snapshot of %s.%s: FETCH failed: %s%s", s->rel->schema,
			     s->rel->table, PQerrorMessage(s->conn),
			     rv == SL_PG_TRANSIENT ? " (transient: the snapshot starts over)" : "");
		PQclear(r);
		return rv == SL_PG_TRANSIENT ? SL_RETRY : SL_FAIL;
	}
	*eof = PQntuples(r) < st->cfg.snapshot_fetch_size;
	if (!*eof)
		send_fetch(st, s);
	datums = sl_calloc((size_t)s->rel->ncols + 1, sizeof(*datums));
	for (int i = 0; i < PQntuples(r) && rc == SL_OK; i++)
		rc = add_row(ctx, st, s, r, i, datums, batch);
	free(datums);
	PQclear(r);
	return rc;
}

/* Sets source.snapshot of the batch's last record (the last row read so
 * far: the previous poll's is held back into this batch) to marker. A
 * table's last row that is also the snapshot's first stays "first", as in
 * Debezium. */
static sl_record_t *mark_record(sl_batch_t *batch, const char *marker)
{
	sl_record_t *rec;
	char was[32];

	if (!batch->count)
		return NULL;
	rec = &batch->records[batch->count - 1];
	if (!sl_pg_event_snapshot_marker(&rec->value, was, sizeof(was)))
		return rec;
	if (strcmp(marker, "last") && !strcmp(was, "first"))
		return rec;
	sl_pg_event_set_snapshot_marker(&rec->value, marker);
	return rec;
}

/* Marks the batch's last record as the end of the snapshot. */
static void mark_last(sl_pg_snapshot_t *s, sl_batch_t *batch)
{
	sl_record_t *rec = mark_record(batch, "last");

	if (!rec)
		return;
	if (rec->source_offset)
		json_decref(rec->source_offset);
	rec->source_offset = snapshot_offset(s->lsn, s->txid, true);
}

sl_rc_t sl_pg_snapshot_step(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_batch_t *batch, bool *done)
{
	sl_pg_snapshot_t *s = st->snap;
	char err[512];
	size_t start = batch->count;
	bool eof;

	*done = false;
	while (batch->count - start < (size_t)st->cfg.snapshot_fetch_size) {
		if (!s->cursor_open) {
			if (s->next >= s->ntables)
				break;
			int rv = open_next_table(ctx, st, s, err, sizeof(err));

			if (rv != 0) {
				sl_task_fail(ctx, "snapshot: %s", err);
				return rv == SL_PG_TRANSIENT ? SL_RETRY : SL_FAIL;
			}
		}
		sl_rc_t rc = fetch_batch(ctx, st, s, batch, &eof);
		if (rc != SL_OK)
			return rc;
		if (eof && s->table_rows > 0)
			mark_record(batch, "last_in_data_collection");
		int rv = eof ? close_table(ctx, s, err, sizeof(err)) : 0;

		if (rv != 0) {
			sl_task_fail(ctx, "snapshot: %s", err);
			return rv == SL_PG_TRANSIENT ? SL_RETRY : SL_FAIL;
		}
		if (!eof)
			break;
	}
	log_progress(ctx, s);
	if (s->cursor_open || s->next < s->ntables)
		return SL_OK;
	mark_last(s, batch);
	sl_pg_exec(s->conn, "COMMIT", "ending the snapshot transaction", err, sizeof(err));
	SL_TASK_INFO(ctx, "snapshot done: %lld rows from %zu table(s) in %.1f s",
		     (long long)s->rows, s->ntables,
		     (double)(sl_now_ms() - s->started_ms) / 1000.0);
	*done = true;
	return SL_OK;
}
