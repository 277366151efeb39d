/* postgres-sink: writes records (Debezium change events or flat structs)
 * into PostgreSQL tables with insert, upsert, update and delete, in one
 * transaction per flush, replaying the uncommitted rows after a lost
 * connection. Plain inserts stream through COPY FROM STDIN (kept open
 * across puts while the rows keep their shape). Upserts are gathered as
 * COPY text and shipped whenever the server is idle: COPY into a temporary
 * staging table, then one INSERT ... SELECT ... ON CONFLICT and a
 * TRUNCATE of the stage, pipelined, so the server merges one chunk while
 * the task decodes the next. The other statements are multi-row and
 * pipelined. Rows reach the server in the order of their records: the
 * staged rows are shipped before any other statement. */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "pg_errors.h"
#include "pg_sink_options.h"
#include "pg_sink_sql.h"
#include "postgres.h"
#include "sluice/array.h"
#include "sluice/connector.h"

/* put asks the worker for a flush once this many rows wait for one, so a
 * long offset.flush.interval.ms does not keep millions of rows for replay
 * (the worker commits the consumer offsets right after the COMMIT). */
#define PG_SINK_COMMIT_ROWS 100000
/* A put ships the staged upserts when at least this many wait and the
 * server is done with the previous chunk (flush and other statements ship
 * them whatever their number). */
#define PG_STAGE_SHIP_ROWS 2000
/* ... and whether the server is done or not once their COPY text is this
 * long. */
#define PG_STAGE_MAX_BYTES (64 << 20)

/* The next Kafka offset of a partition whose records the open transaction
 * holds (offsets.table). */
typedef struct pg_position {
	char *topic;
	int32_t partition;
	int64_t next;
} pg_position_t;

typedef struct pg_sink_task {
	pg_sink_config_t cfg;
	sl_pg_map_config_t map;
	sl_pg_mapper_t *mapper;
	PGconn *conn;
	bool tx_open; /* BEGIN sent and every pending row executed in it */
	/* Rows executed since the last COMMIT, replayed into a new
	 * transaction after a failure; owned. */
	sl_pg_row_t *pending;
	size_t npending, pending_cap;
	sl_pg_row_t *stage; /* rows of the current put */
	size_t nstage, stage_cap;
	char **tables; /* created (auto.create) or known to exist */
	size_t ntables, tables_cap;
	size_t ntables_committed;
	/* Statements sent in pipeline mode whose results are not read yet (the
	 * server works on them while the next put decodes its records). */
	const char **inflight_what;
	const char **inflight_table; /* borrowed from the mapper's shapes */
	size_t ninflight, inflight_cap;
	bool need_sync; /* sent since the last PQpipelineSync */
	size_t nsyncs;  /* PQpipelineSync sent, their results not read yet */
	bool merging;   /* a staged chunk's merge is among them */
	/* The shape whose COPY FROM STDIN is open (no pipeline meanwhile), and
	 * the rows of one put in COPY's text format. */
	const sl_pg_shape_t *copy_shape;
	sl_buf_t copy_buf;
	/* Upserts waiting to be shipped (stage_ship): rows of stage_shape in
	 * COPY text with their order, whether a key repeats among them. */
	const sl_pg_shape_t *stage_shape;
	sl_buf_t stage_buf;
	size_t nstaged;
	int64_t stage_seq;
	sl_pg_keyset_t stage_keys;
	bool stage_dupes;
	/* Staging tables of this session: stage_tabs[i] is the shape of
	 * temporary table sluice_stage_<i>; those past the committed count go
	 * with a rollback. */
	const sl_pg_shape_t **stage_tabs;
	size_t nstage_tabs, stage_tabs_cap, nstage_tabs_committed;
	sl_buf_t sql;
	const char **params;
	size_t params_cap;
	size_t *idx;
	size_t idx_cap;
	/* offsets.table: the positions written with the next COMMIT */
	pg_position_t *positions;
	size_t npositions, positions_cap, last_position;
} pg_sink_task_t;

/* ---- results ------------------------------------------------------------- */

/* Checks res (and clears it). On failure the transaction is gone: the
 * reason goes to sl_task_fail and SL_RETRY (the connection broke, or a
 * transient SQLSTATE: pg_errors.h; no result at all is taken as out of
 * memory) or SL_FAIL is returned. */
static sl_rc_t check_result(sl_task_ctx_t *ctx, pg_sink_task_t *st, PGresult *res, const char *what,
			    const char *table)
{
	ExecStatusType s = PQresultStatus(res);
	sl_rc_t rc = SL_OK;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		const char *msg = res ? PQresultErrorMessage(res) : "";
		if (!msg[0])
			msg = PQerrorMessage(st->conn);
		rc = !res || sl_pg_failure(st->conn, res) == SL_PG_TRANSIENT ? SL_RETRY : SL_FAIL;
		sl_task_fail(ctx, "%s%s%s failed%s%s: %.*s%s%s%s", what, table ? " on table " : "",
			     table ? table : "", state ? " with SQLSTATE " : "", state ? state : "",
			     (int)strcspn(msg, "\n"), msg,
			     rc == SL_RETRY ? "; transient: retried " : "",
			     rc == SL_RETRY ? sl_pg_waiting_for(state) : "",
			     rc == SL_RETRY ? ", the uncommitted rows replayed" : "");
		st->tx_open = false;
	}
	PQclear(res);
	return rc;
}

/* Reads the results of the pipelined statements and leaves pipeline
 * mode. The first failure is reported like check_result. */
static sl_rc_t drain(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	sl_rc_t rc = SL_OK;
	PGresult *res;

	st->merging = false;
	if (!st->conn || PQpipelineStatus(st->conn) == PQ_PIPELINE_OFF)
		return SL_OK;
	if (st->need_sync && !PQpipelineSync(st->conn))
		goto lost;
	st->nsyncs += st->need_sync;
	st->need_sync = false;
	for (size_t i = 0; i < st->ninflight;) {
		res = PQgetResult(st->conn);
		if (!res)
			goto lost;
		ExecStatusType s = PQresultStatus(res);
		if (s == PGRES_PIPELINE_SYNC) { /* one between statements */
			PQclear(res);
			if (!st->nsyncs--)
				goto lost;
			continue;
		}
		if (s == PGRES_PIPELINE_ABORTED || rc != SL_OK) {
			PQclear(res);
		} else {
			rc = check_result(ctx, st, res, st->inflight_what[i],
					  st->inflight_table[i]);
		}
		PQclear(PQgetResult(st->conn)); /* the NULL after each statement */
		i++;
	}
	st->ninflight = 0;
	for (; st->nsyncs; st->nsyncs--) {
		res = PQgetResult(st->conn);
		if (PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
			PQclear(res);
			goto lost;
		}
		PQclear(res);
	}
	if (!PQexitPipelineMode(st->conn))
		goto lost;
	return rc;
lost:
	st->ninflight = 0;
	st->nsyncs = 0;
	st->tx_open = false;
	if (rc == SL_OK) {
		const char *msg = PQerrorMessage(st->conn);
		sl_task_fail(ctx, "reading pipelined results failed: %.*s", (int)strcspn(msg, "\n"),
			     msg);
	}
	/* a connection in an unknown protocol state is not reused */
	PQfinish(st->conn);
	st->conn = NULL;
	return SL_RETRY;
}

/* Sends a statement in pipeline mode; its result is read by drain. */
static sl_rc_t send_pipelined(sl_task_ctx_t *ctx, pg_sink_task_t *st, const char *sql, int np,
			      const char *const *params, const char *what, const char *table)
{
	if (PQpipelineStatus(st->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(st->conn))
		goto lost;
	if (!PQsendQueryParams(st->conn, sql, np, NULL, params, NULL, NULL, 0))
		goto lost;
	size_t table_cap = st->inflight_cap; /* the two arrays grow together */
	SL_ARRAY_RESERVE(st->inflight_what, st->ninflight + 1, st->inflight_cap);
	SL_ARRAY_RESERVE(st->inflight_table, st->ninflight + 1, table_cap);
	st->inflight_what[st->ninflight] = what;
	st->inflight_table[st->ninflight++] = table;
	st->need_sync = true;
	return SL_OK;
lost:;
	const char *msg = PQerrorMessage(st->conn);
	sl_task_fail(ctx, "%s on table %s: sending failed: %.*s", what, table,
		     (int)strcspn(msg, "\n"), msg);
	st->tx_open = false;
	return SL_RETRY;
}

/* Sending COPY data failed: either the server ended the COPY with an error
 * (a value it refused: reported like a statement's failure) or the
 * connection broke (dropped; the rows are replayed). */
static sl_rc_t copy_failed(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	const sl_pg_shape_t *s = st->copy_shape;
	PGresult *res;

	st->copy_shape = NULL;
	st->tx_open = false;
	if (PQstatus(st->conn) == CONNECTION_OK && (res = PQgetResult(st->conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_FATAL_ERROR) {
			sl_rc_t rc = check_result(ctx, st, res, "COPY", s->table);
			while ((res = PQgetResult(st->conn)) != NULL)
				PQclear(res);
			return rc;
		}
		PQclear(res);
	}
	const char *msg = PQerrorMessage(st->conn);
	sl_task_fail(ctx, "COPY into table %s failed: %.*s", s->table, (int)strcspn(msg, "\n"),
		     msg);
	PQfinish(st->conn);
	st->conn = NULL;
	return SL_RETRY;
}

/* Ends the open COPY, if any, and reads its result (a constraint the rows
 * broke shows here). */
static sl_rc_t copy_end(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	const sl_pg_shape_t *s = st->copy_shape;
	PGresult *res;

	if (!s)
		return SL_OK;
	if (PQputCopyEnd(st->conn, NULL) != 1)
		return copy_failed(ctx, st);
	st->copy_shape = NULL;
	sl_rc_t rc = check_result(ctx, st, PQgetResult(st->conn), "COPY", s->table);
	while ((res = PQgetResult(st->conn)) != NULL)
		PQclear(res);
	return rc;
}

/* ---- staged upserts ------------------------------------------------------ */

/* Forgets the staged rows (shipped, or their transaction lost). */
static void stage_clear(pg_sink_task_t *st)
{
	sl_buf_reset(&st->stage_buf);
	sl_pg_keyset_clear(&st->stage_keys);
	st->nstaged = 0;
	st->stage_dupes = false;
	st->stage_shape = NULL;
}

/* The staging table of shape s (sluice_stage_<i>, a plain name), created
 * when this session has none yet; the connection is idle. */
static sl_rc_t stage_table(sl_task_ctx_t *ctx, pg_sink_task_t *st, const sl_pg_shape_t *s,
			   char *name, size_t size)
{
	size_t i = 0;

	while (i < st->nstage_tabs && st->stage_tabs[i] != s)
		i++;
	snprintf(name, size, "sluice_stage_%zu", i);
	if (i < st->nstage_tabs)
		return SL_OK;
	sl_buf_reset(&st->sql);
	sl_pg_sql_stage_create(&st->sql, s, name);
	sl_rc_t rc = check_result(ctx, st, PQexec(st->conn, st->sql.data), "CREATE TEMP TABLE",
				  s->table);
	if (rc != SL_OK)
		return rc;
	SL_ARRAY_RESERVE(st->stage_tabs, st->nstage_tabs + 1, st->stage_tabs_cap);
	st->stage_tabs[st->nstage_tabs++] = s;
	return SL_OK;
}

/* Ships the staged upserts: COPY into the staging table (waits for the
 * server to take them), then the merge and the stage's TRUNCATE,
 * pipelined: drain reads their results, the server works meanwhile. */
static sl_rc_t stage_ship(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	const sl_pg_shape_t *s = st->stage_shape;
	char stage[40];
	sl_rc_t rc;

	if (!st->nstaged)
		return SL_OK;
	if ((rc = copy_end(ctx, st)) != SL_OK || (rc = drain(ctx, st)) != SL_OK ||
	    (rc = stage_table(ctx, st, s, stage, sizeof(stage))) != SL_OK)
		return rc;
	sl_buf_reset(&st->sql);
	sl_pg_sql_stage_copy(&st->sql, s, stage);
	PGresult *res = PQexec(st->conn, st->sql.data);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		return check_result(ctx, st, res, "COPY", s->table);
	PQclear(res);
	st->copy_shape = s;
	if (PQputCopyData(st->conn, st->stage_buf.data, (int)st->stage_buf.len) != 1)
		return copy_failed(ctx, st);
	if ((rc = copy_end(ctx, st)) != SL_OK)
		return rc;
	sl_buf_reset(&st->sql);
	sl_pg_sql_stage_merge(&st->sql, s, stage, st->stage_dupes);
	if ((rc = send_pipelined(ctx, st, st->sql.data, 0, NULL, "INSERT ... ON CONFLICT",
				 s->table)) != SL_OK)
		return rc;
	sl_buf_reset(&st->sql);
	sl_buf_appendf(&st->sql, "TRUNCATE pg_temp.%s", stage);
	if ((rc = send_pipelined(ctx, st, st->sql.data, 0, NULL, "TRUNCATE (staging)", s->table)) !=
	    SL_OK)
		return rc;
	bool synced = PQpipelineSync(st->conn) == 1;
	st->nsyncs += synced;
	st->need_sync = !synced;
	if (!synced || PQflush(st->conn) != 0) {
		const char *msg = PQerrorMessage(st->conn);
		sl_task_fail(ctx, "INSERT ... ON CONFLICT on table %s: sending failed: %.*s",
			     s->table, (int)strcspn(msg, "\n"), msg);
		st->tx_open = false;
		return SL_RETRY;
	}
	st->merging = true;
	stage_clear(st);
	return SL_OK;
}

/* Adds n upsert rows of one shape to the staged ones (shipping those of
 * another shape first). */
static sl_rc_t stage_add(sl_task_ctx_t *ctx, pg_sink_task_t *st, const sl_pg_row_t *rows, size_t n)
{
	const sl_pg_shape_t *s = rows[0].shape;
	sl_rc_t rc;

	if (st->nstaged && st->stage_shape != s && (rc = stage_ship(ctx, st)) != SL_OK)
		return rc;
	st->stage_shape = s;
	for (size_t i = 0; i < n; i++) {
		if (sl_pg_keyset_add(&st->stage_keys, &rows[i]))
			st->stage_dupes = true;
		sl_pg_copy_row_seq(&st->stage_buf, s, rows[i].vals, st->stage_seq++);
	}
	st->nstaged += n;
	return SL_OK;
}

/* True when the server has answered everything sent (shipping more now
 * keeps it busy without waiting for it); also when the connection broke
 * (the ship finds out). */
static bool server_idle(pg_sink_task_t *st)
{
	return !st->ninflight || !PQconsumeInput(st->conn) || !PQisBusy(st->conn);
}

/* Makes the connection idle: ends the open COPY, ships the staged rows
 * and reads the pipelined results, reporting the first failure. */
static sl_rc_t settle(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	sl_rc_t rc = copy_end(ctx, st);

	if (rc == SL_OK)
		rc = stage_ship(ctx, st);
	return rc == SL_OK ? drain(ctx, st) : rc;
}

/* Streams n rows of one shape into its COPY, starting it when another
 * shape's (or none) is open. */
static sl_rc_t copy_rows(sl_task_ctx_t *ctx, pg_sink_task_t *st, const sl_pg_row_t *rows, size_t n)
{
	const sl_pg_shape_t *s = rows[0].shape;
	sl_rc_t rc;

	if (st->copy_shape != s) {
		if ((rc = settle(ctx, st)) != SL_OK)
			return rc;
		sl_buf_reset(&st->sql);
		sl_pg_sql_copy(&st->sql, s);
		PGresult *res = PQexec(st->conn, st->sql.data);
		if (PQresultStatus(res) != PGRES_COPY_IN)
			return check_result(ctx, st, res, "COPY", s->table);
		PQclear(res);
		st->copy_shape = s;
	}
	sl_buf_reset(&st->copy_buf);
	for (size_t i = 0; i < n; i++)
		sl_pg_copy_row(&st->copy_buf, s, rows[i].vals);
	if (PQputCopyData(st->conn, st->copy_buf.data, (int)st->copy_buf.len) != 1)
		return copy_failed(ctx, st);
	return SL_OK;
}

static sl_rc_t exec_simple(sl_task_ctx_t *ctx, pg_sink_task_t *st, const char *sql)
{
	sl_rc_t rc = settle(ctx, st);

	if (rc != SL_OK)
		return rc;
	return check_result(ctx, st, PQexec(st->conn, sql), sql, NULL);
}

/* ---- connection and transaction ------------------------------------------ */

/* Connects unless connected: SL_RETRY for a failure that may pass (the
 * server down or restarting, too many connections), SL_FAIL for one that
 * will not (credentials, no such database). */
static sl_rc_t connect_db(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	const char *keys[8], *vals[8];
	char err[1024];
	bool transient;
	int n = 0;

	if (st->conn && PQstatus(st->conn) == CONNECTION_OK)
		return SL_OK;
	PQfinish(st->conn);
	st->conn = NULL;
	st->tx_open = false;
	st->ninflight = 0;
	st->need_sync = false;
	st->nsyncs = 0;
	st->merging = false;
	st->copy_shape = NULL;
	st->nstage_tabs = st->nstage_tabs_committed = 0; /* temporary tables went with it */
	stage_clear(st);
	keys[n] = "dbname", vals[n++] = st->cfg.url;
	if (st->cfg.user && *st->cfg.user)
		keys[n] = "user", vals[n++] = st->cfg.user;
	if (st->cfg.password && *st->cfg.password)
		keys[n] = "password", vals[n++] = st->cfg.password;
	keys[n] = "connect_timeout", vals[n++] = "10";
	keys[n] = "fallback_application_name", vals[n++] = "sluice";
	keys[n] = "client_encoding", vals[n++] = "UTF8";
	keys[n] = NULL, vals[n] = NULL;
	st->conn = sl_pg_connectdb(keys, vals, 1, "cannot connect to PostgreSQL", &transient, err,
				   sizeof(err));
	if (!st->conn) {
		sl_task_fail(ctx, "%s", err);
		return transient ? SL_RETRY : SL_FAIL;
	}
	SL_TASK_INFO(ctx, "connected to database %s on %s:%s as %s", PQdb(st->conn),
		     PQhost(st->conn), PQport(st->conn), PQuser(st->conn));
	return SL_OK;
}

static void rows_free(sl_pg_row_t *rows, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		sl_pg_row_free(&rows[i]);
	*n = 0;
}

/* Forgets tables created in a transaction that did not commit. */
static void forget_uncommitted_tables(pg_sink_task_t *st)
{
	while (st->ntables > st->ntables_committed)
		free(st->tables[--st->ntables]);
}

static sl_rc_t exec_rows(sl_task_ctx_t *ctx, pg_sink_task_t *st, const sl_pg_row_t *rows, size_t n);

/* Makes sure a transaction is open with every pending row in it:
 * reconnects, rolls back what is left, begins, replays. */
static sl_rc_t ensure_tx(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	sl_rc_t rc;

	if (st->tx_open && PQstatus(st->conn) == CONNECTION_OK)
		return SL_OK;
	st->tx_open = false;
	forget_uncommitted_tables(st);
	stage_clear(st); /* replayed from pending */
	st->nstage_tabs = st->nstage_tabs_committed;
	drain(ctx, st); /* what was in flight is rolled back and replayed anyway */
	if ((rc = connect_db(ctx, st)) != SL_OK)
		return rc;
	if (PQtransactionStatus(st->conn) != PQTRANS_IDLE &&
	    (rc = exec_simple(ctx, st, "ROLLBACK")) != SL_OK)
		return rc;
	if ((rc = exec_simple(ctx, st, "BEGIN")) != SL_OK)
		return rc;
	st->tx_open = true;
	if (st->npending) {
		SL_TASK_INFO(ctx, "replaying %zu uncommitted rows in a new transaction",
			     st->npending);
		rc = exec_rows(ctx, st, st->pending, st->npending);
	}
	return rc;
}

/* Writes the positions of the open transaction's records into
 * offsets.table, in that transaction. */
static sl_rc_t write_positions(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	const char *connector = sl_task_connector_name(ctx);
	char part[16], next[24];

	for (size_t i = 0; i < st->npositions; i++) {
		const pg_position_t *p = &st->positions[i];
		snprintf(part, sizeof(part), "%d", (int)p->partition);
		snprintf(next, sizeof(next), "%lld", (long long)p->next);
		const char *params[] = {connector, p->topic, part, next};
		sl_buf_reset(&st->sql);
		sl_buf_appendf(&st->sql,
			       "INSERT INTO %s (connector, topic, kafka_partition, next_offset) "
			       "VALUES ($1, $2, $3, $4) ON CONFLICT (connector, topic, "
			       "kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset",
			       st->cfg.offsets_table);
		PGresult *res =
			PQexecParams(st->conn, st->sql.data, 4, NULL, params, NULL, NULL, 0);
		sl_rc_t rc = check_result(ctx, st, res, "INSERT", st->cfg.offsets_table);
		if (rc != SL_OK)
			return rc;
	}
	return SL_OK;
}

static void positions_clear(pg_sink_task_t *st)
{
	for (size_t i = 0; i < st->npositions; i++)
		free(st->positions[i].topic);
	st->npositions = 0;
}

/* Notes that the records up to r's offset are in the open transaction. */
static void position_note(pg_sink_task_t *st, const sl_record_t *r)
{
	size_t i = st->last_position;

	/* a batch is runs of one partition: the last one first */
	if (i >= st->npositions || st->positions[i].partition != r->partition ||
	    strcmp(st->positions[i].topic, r->topic))
		for (i = 0; i < st->npositions; i++)
			if (st->positions[i].partition == r->partition &&
			    !strcmp(st->positions[i].topic, r->topic))
				break;
	st->last_position = i;
	if (i == st->npositions) {
		SL_ARRAY_RESERVE(st->positions, st->npositions + 1, st->positions_cap);
		st->positions[st->npositions++] = (pg_position_t){
			.topic = sl_strdup(r->topic), .partition = r->partition, .next = -1};
	}
	if (r->offset + 1 > st->positions[i].next)
		st->positions[i].next = r->offset + 1;
}

static sl_rc_t commit(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	sl_rc_t rc = settle(ctx, st);

	if (rc == SL_OK && st->cfg.offsets_table)
		rc = write_positions(ctx, st);
	if (rc != SL_OK)
		return rc;
	PGresult *res = PQexec(st->conn, "COMMIT");
	bool rolled_back =
		PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT");
	rc = check_result(ctx, st, res, "COMMIT", NULL);

	st->tx_open = false;
	if (rc == SL_OK && rolled_back) {
		sl_task_fail(ctx, "COMMIT rolled back an aborted transaction");
		return SL_RETRY;
	}
	if (rc != SL_OK)
		return rc;
	SL_TASK_DEBUG(ctx, "committed %zu rows", st->npending);
	rows_free(st->pending, &st->npending);
	positions_clear(st);
	st->ntables_committed = st->ntables;
	st->nstage_tabs_committed = st->nstage_tabs;
	return SL_OK;
}

/* ---- statements ----------------------------------------------------------- */

static bool table_known(const pg_sink_task_t *st, const char *table)
{
	for (size_t i = 0; i < st->ntables; i++)
		if (!strcmp(st->tables[i], table))
			return true;
	return false;
}

static sl_rc_t ensure_table(sl_task_ctx_t *ctx, pg_sink_task_t *st, const sl_pg_shape_t *s)
{
	if (table_known(st, s->table))
		return SL_OK;
	sl_buf_reset(&st->sql);
	sl_pg_sql_create(&st->sql, s);
	sl_rc_t rc = send_pipelined(ctx, st, st->sql.data, 0, NULL, "CREATE TABLE", s->table);
	if (rc != SL_OK)
		return rc;
	SL_ARRAY_RESERVE(st->tables, st->ntables + 1, st->tables_cap);
	st->tables[st->ntables++] = sl_strdup(s->table);
	return SL_OK;
}

static const char **params_for(pg_sink_task_t *st, size_t n)
{
	SL_ARRAY_RESERVE(st->params, n, st->params_cap);
	return st->params;
}

/* One statement for n rows of one shape. */
static sl_rc_t exec_group(sl_task_ctx_t *ctx, pg_sink_task_t *st, const sl_pg_row_t *rows, size_t n)
{
	const sl_pg_shape_t *s = rows[0].shape;
	size_t per = s->op == SL_PG_OP_DELETE ? s->npk : s->ncols, k = n, np = 0;
	static const char *const what[] = {"INSERT", "INSERT ... ON CONFLICT", "UPDATE", "DELETE",
					   "TRUNCATE"};
	sl_rc_t rc;

	if (st->nstaged && st->stage_shape != s && (rc = stage_ship(ctx, st)) != SL_OK)
		return rc;
	if (st->copy_shape && st->copy_shape != s && (rc = copy_end(ctx, st)) != SL_OK)
		return rc;
	if (st->cfg.auto_create && s->op <= SL_PG_OP_UPDATE &&
	    (rc = ensure_table(ctx, st, s)) != SL_OK)
		return rc;
	if (s->op == SL_PG_OP_INSERT)
		return copy_rows(ctx, st, rows, n);
	if (s->op == SL_PG_OP_UPSERT && s->npk)
		return stage_add(ctx, st, rows, n);
	SL_ARRAY_RESERVE(st->idx, n, st->idx_cap);
	if (s->op == SL_PG_OP_UPSERT || s->op == SL_PG_OP_DELETE) {
		k = sl_pg_dedupe(rows, n, st->idx);
	} else {
		for (size_t i = 0; i < n; i++)
			st->idx[i] = i;
	}
	sl_buf_reset(&st->sql);
	switch (s->op) {
	case SL_PG_OP_INSERT:
	case SL_PG_OP_UPSERT:
		sl_pg_sql_insert(&st->sql, s, k, s->op == SL_PG_OP_UPSERT);
		break;
	case SL_PG_OP_UPDATE:
		if (!sl_pg_sql_update(&st->sql, s))
			return SL_OK; /* nothing but the key: nothing to update */
		break;
	case SL_PG_OP_DELETE:
		sl_pg_sql_delete(&st->sql, s, k);
		break;
	case SL_PG_OP_TRUNCATE:
		sl_pg_sql_truncate(&st->sql, s->table);
		per = 0;
		break;
	}
	const char **params = params_for(st, k * per + 1);
	for (size_t r = 0; r < k; r++)
		for (size_t c = 0; c < per; c++)
			params[np++] = rows[st->idx[r]].vals[c];
	return send_pipelined(ctx, st, st->sql.data, (int)np, params, what[s->op], s->table);
}

/* Executes rows in order, consecutive rows of one shape per statement. */
static sl_rc_t exec_rows(sl_task_ctx_t *ctx, pg_sink_task_t *st, const sl_pg_row_t *rows, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const sl_pg_shape_t *s = rows[i].shape;
		size_t per = sl_pg_rows_per_statement(s, (size_t)st->cfg.batch_size), j = i + 1;
		while (j < n && rows[j].shape == s && j - i < per)
			j++;
		sl_rc_t rc = exec_group(ctx, st, rows + i, j - i);
		if (rc != SL_OK)
			return rc;
		i = j;
	}
	return SL_OK;
}

/* ---- the task -------------------------------------------------------------- */

static void task_free(pg_sink_task_t *st)
{
	if (!st)
		return;
	PQfinish(st->conn); /* an open transaction rolls back */
	rows_free(st->pending, &st->npending);
	rows_free(st->stage, &st->nstage);
	free(st->pending);
	free(st->stage);
	for (size_t i = 0; i < st->ntables; i++)
		free(st->tables[i]);
	free(st->tables);
	sl_pg_mapper_free(st->mapper);
	sl_buf_free(&st->sql);
	sl_buf_free(&st->copy_buf);
	sl_buf_free(&st->stage_buf);
	sl_pg_keyset_free(&st->stage_keys);
	free(st->stage_tabs);
	free(st->params);
	free(st->idx);
	free(st->inflight_what);
	free(st->inflight_table);
	positions_clear(st);
	free(st->positions);
	sl_options_free(sl_pg_sink_options, &st->cfg);
	free(st);
}

static sl_rc_t create_offsets_table(sl_task_ctx_t *ctx, pg_sink_task_t *st)
{
	if (!st->cfg.offsets_table)
		return SL_OK;
	sl_buf_t sql = {0};
	sl_buf_appendf(&sql,
		       "CREATE TABLE IF NOT EXISTS %s (connector text NOT NULL, topic text NOT "
		       "NULL, kafka_partition int NOT NULL, next_offset bigint NOT NULL, "
		       "PRIMARY KEY (connector, topic, kafka_partition))",
		       st->cfg.offsets_table);
	sl_rc_t rc = exec_simple(ctx, st, sql.data);
	sl_buf_free(&sql);
	if (rc == SL_OK)
		SL_TASK_INFO(ctx, "positions kept in table %s", st->cfg.offsets_table);
	return rc;
}

/* Where the newly assigned partitions start: the positions offsets.table
 * holds for them (committed with their rows). */
static sl_rc_t pg_sink_open(sl_task_ctx_t *ctx, sl_topic_partition_t *parts, size_t count)
{
	pg_sink_task_t *st = sl_task_data(ctx);
	const char *params[] = {sl_task_connector_name(ctx)};
	sl_rc_t rc;

	if (!st->cfg.offsets_table)
		return SL_OK;
	/* between statements of the open transaction, or on a new connection */
	if ((rc = st->tx_open ? settle(ctx, st) : connect_db(ctx, st)) != SL_OK)
		return rc;
	sl_buf_reset(&st->sql);
	sl_buf_appendf(&st->sql,
		       "SELECT topic, kafka_partition, next_offset FROM %s WHERE connector = $1",
		       st->cfg.offsets_table);
	PGresult *res = PQexecParams(st->conn, st->sql.data, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return check_result(ctx, st, res, "SELECT", st->cfg.offsets_table);
	for (int r = 0; r < PQntuples(res); r++)
		for (size_t i = 0; i < count; i++)
			if (!strcmp(parts[i].topic, PQgetvalue(res, r, 0)) &&
			    parts[i].partition == atoi(PQgetvalue(res, r, 1)))
				parts[i].offset = strtoll(PQgetvalue(res, r, 2), NULL, 10);
	PQclear(res);
	return SL_OK;
}

static sl_rc_t pg_sink_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	pg_sink_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;

	if (sl_options_load(sl_pg_sink_options, config, &st->cfg, &errs) != 0 ||
	    sl_pg_sink_resolve(&st->cfg, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	st->map = (sl_pg_map_config_t){
		.table_format = st->cfg.table_format,
		.insert_mode = (sl_pg_insert_mode_t)st->cfg.insert_mode,
		.pk_mode = (sl_pg_pk_mode_t)st->cfg.pk_mode,
		.pk_fields = st->cfg.pk_fields,
		.delete_enabled = st->cfg.delete_enabled,
	};
	st->mapper = sl_pg_mapper_new(&st->map);
	sl_task_set_sink_headers(ctx, false); /* rows are built from key and value only */
	if ((rc = connect_db(ctx, st)) != SL_OK || (rc = create_offsets_table(ctx, st)) != SL_OK)
		goto out;
	SL_TASK_INFO(ctx, "insert.mode=%s pk.mode=%s auto.create=%s delete.enabled=%s",
		     sl_pg_sink_insert_modes[st->cfg.insert_mode],
		     sl_pg_sink_pk_modes[st->cfg.pk_mode], st->cfg.auto_create ? "true" : "false",
		     st->cfg.delete_enabled ? "true" : "false");
	sl_task_set_data(ctx, st);
	st = NULL;
out:
	task_free(st);
	sl_errlist_free(&errs);
	return rc;
}

/* Maps the records into st->stage; a record that cannot be mapped goes
 * through the error policy. */
static sl_rc_t stage_records(sl_task_ctx_t *ctx, pg_sink_task_t *st, sl_record_t *records,
			     size_t count)
{
	char err[512];

	SL_ARRAY_RESERVE(st->stage, count, st->stage_cap);
	for (size_t i = 0; i < count; i++) {
		int r = sl_pg_mapper_map(st->mapper, &records[i], &st->stage[st->nstage], err,
					 sizeof(err));
		if (r > 0) {
			st->nstage++;
		} else if (r == 0) {
			SL_TASK_DEBUG(ctx, "skipped a record of %s: %s", records[i].topic, err);
		} else if (sl_task_report_error(ctx, "TASK_PUT", &records[i], NULL, 0,
						"cannot map the record to a row: %s",
						err) != SL_OK) {
			return SL_FAIL;
		}
	}
	return SL_OK;
}

/* Executes the records in the open transaction. A put that does not
 * return SL_OK has taken none of its records (the worker hands them
 * again); the rows of earlier puts stay pending and are replayed. */
static sl_rc_t pg_sink_put(sl_task_ctx_t *ctx, sl_record_t *records, size_t count)
{
	pg_sink_task_t *st = sl_task_data(ctx);
	/* Mapped first: the server goes on with what was sent meanwhile. */
	sl_rc_t rc = stage_records(ctx, st, records, count);

	/* The statements of the previous put (a staged chunk's merge is read
	 * when the next chunk ships); when the transaction is lost already,
	 * ensure_tx rolls back and replays whatever they did. */
	if (rc == SL_OK && st->tx_open && !st->merging)
		rc = drain(ctx, st);
	if (rc == SL_OK)
		rc = ensure_tx(ctx, st);
	if (rc == SL_OK)
		rc = exec_rows(ctx, st, st->stage, st->nstage);
	if (rc == SL_OK && st->nstaged >= PG_STAGE_SHIP_ROWS &&
	    (server_idle(st) || st->stage_buf.len >= PG_STAGE_MAX_BYTES))
		rc = stage_ship(ctx, st);
	if (rc != SL_OK) {
		rows_free(st->stage, &st->nstage);
		stage_clear(st);
		st->tx_open = false;
		return rc;
	}
	for (size_t i = 0; st->cfg.offsets_table && i < count; i++)
		position_note(st, &records[i]);
	SL_ARRAY_RESERVE(st->pending, st->npending + st->nstage, st->pending_cap);
	memcpy(st->pending + st->npending, st->stage, st->nstage * sizeof(*st->stage));
	st->npending += st->nstage;
	st->nstage = 0;
	if (st->need_sync) { /* the server starts now; drain reads the results */
		if (PQpipelineSync(st->conn)) {
			st->need_sync = false;
			st->nsyncs++;
		} else {
			st->tx_open = false; /* replayed by the next put or flush */
		}
	}
	if (st->copy_shape && PQflush(st->conn) != 0) /* all of the COPY's rows go now */
		st->tx_open = false;
	if (st->npending >= PG_SINK_COMMIT_ROWS)
		sl_task_request_flush(ctx);
	return SL_OK;
}

/* Commits the transaction; only then are the consumer offsets committed. */
static sl_rc_t pg_sink_flush(sl_task_ctx_t *ctx)
{
	pg_sink_task_t *st = sl_task_data(ctx);
	sl_rc_t rc;

	if (!st->tx_open && st->npending == 0 && st->npositions == 0)
		return SL_OK;
	if ((rc = ensure_tx(ctx, st)) != SL_OK)
		return rc;
	return commit(ctx, st);
}

/* Uncommitted rows are dropped (rolled back with the connection): their
 * offsets are not committed, so they are delivered again. */
static void pg_sink_stop(sl_task_ctx_t *ctx)
{
	task_free(sl_task_data(ctx));
	sl_task_set_data(ctx, NULL);
}

static const sl_sink_ops_t pg_sink_ops = {
	.start = pg_sink_start,
	.put = pg_sink_put,
	.flush = pg_sink_flush,
	.stop = pg_sink_stop,
	.open = pg_sink_open,
};

const sl_connector_t postgres_sink_connector = {
	.name = "postgres-sink",
	.aliases = sl_pg_sink_aliases,
	.kind = SL_SINK,
	.doc = "Writes records into PostgreSQL tables, like Confluent's JDBC sink: a Debezium "
	       "change event (op c, r, u) or a flat struct becomes a row written with "
	       "INSERT, upsert (INSERT ... ON CONFLICT DO UPDATE) or UPDATE; a Debezium "
	       "delete (op d) or a tombstone deletes the row of the record key and a "
	       "Debezium truncate (op t) truncates the table when delete.enabled. Needs "
	       "value.converter=json (with schemas for auto.create and typed columns). "
	       "Identifiers are always quoted and values always sent as parameters or COPY "
	       "data. Inserts stream through COPY; upserts go through COPY into a temporary "
	       "staging table, merged with INSERT ... SELECT ... ON CONFLICT; deletes go out "
	       "in multi-row statements; all pipelined (the server works on one chunk "
	       "while the next is decoded), inside one transaction that "
	       "a flush commits before the consumer offsets are; a lost connection, a restarting "
	       "server or a deadlock is retried without limit (the task stays RUNNING) and the "
	       "uncommitted rows are replayed, so with upsert a restart rewrites the same "
	       "rows (at-least-once, idempotent); bad credentials or a missing table fail the "
	       "task.",
	.options = sl_pg_sink_options,
	.validate = sl_pg_sink_validate,
	.sink = &pg_sink_ops,
};
