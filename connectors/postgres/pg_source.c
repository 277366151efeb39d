/* postgres-source: change data capture from PostgreSQL through logical
 * replication (pgoutput) into Debezium-format change events, with
 * Debezium's offsets. The task's life: connect and check the server, make
 * the publication and slot, snapshot (optionally), stream; confirm to the
 * server only what the worker has durably stored.
 *
 * Positions. A transaction's last record carries {"lsn": E} where E is the
 * end of its commit record (Debezium stores the same: the XLogData LSN of
 * the Commit message). On restart streaming starts at the stored E and a
 * transaction whose commit record starts before E (Begin's final_lsn < E)
 * is skipped, so nothing is emitted twice beyond at-least-once and nothing
 * is missed. A heartbeat stores the keepalive's WAL end W, taken only
 * between transactions: every commit starting before W was already sent,
 * and one starting exactly at W is not skipped (final_lsn < W is false).
 * The confirmed LSN reported to the server is only ever a stored offset's
 * lsn (the commit callback), kept apart from the received LSN.
 *
 * Snapshot and restarts. A new slot is created with an exported snapshot;
 * the snapshot transaction imports it before START_REPLICATION is issued,
 * so the snapshot ends exactly where the stream starts (the snapshot
 * offsets carry the slot's consistent point). A restart during the
 * snapshot (its stored offset says "snapshot": true without
 * "last_snapshot_record": true, or nothing is stored yet) takes the whole
 * snapshot again, as Debezium does; the slot then already exists and keeps
 * its position, so the new snapshot runs in a fresh REPEATABLE READ
 * transaction and streaming starts at the slot's confirmed position:
 * changes between that point and the new snapshot come twice (once read,
 * once streamed), never not at all.
 *
 * Failures. The stored offset is read before anything connects: a
 * malformed one fails the task (starting without it would snapshot or
 * stream from the wrong place). A lost connection, a server restarting or
 * in recovery, too many connections, a slot still held by the previous
 * walsender make start or poll return SL_RETRY with the reason
 * (pg_errors.h decides by SQLSTATE); the worker retries without limit,
 * the task stays RUNNING, and the next attempt reconnects and restarts the
 * stream at the confirmed LSN (skipping what was already emitted; the
 * records of complete transactions already in the batch stay). What no
 * retry mends (credentials, wal_level, privileges, a missing publication
 * or a slot that vanished, a dropped publication ending the stream) is
 * SL_FAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pg_snapshot.h"
#include "pg_source_options.h"
#include "postgres.h"

static const char *const pg_source_aliases[] = {
	"io.debezium.connector.postgresql.PostgresConnector",
	"PostgresConnector",
	NULL,
};

bool sl_pg_need_snapshot(sl_pg_snapshot_mode_t mode, bool has_offset, bool offset_done,
			 bool slot_exists, uint64_t slot_confirmed, uint64_t stored_lsn)
{
	bool unfinished = !has_offset || !offset_done;

	switch (mode) {
	case SL_PG_SNAP_NO_DATA:
	case SL_PG_SNAP_NEVER:
		return false;
	case SL_PG_SNAP_ALWAYS:
		return true;
	case SL_PG_SNAP_WHEN_NEEDED:
		return unfinished || !slot_exists || slot_confirmed > stored_lsn;
	case SL_PG_SNAP_INITIAL:
	case SL_PG_SNAP_INITIAL_ONLY:
	default:
		return unfinished;
	}
}

void sl_pg_hold_last(sl_pg_source_t *st, sl_batch_t *batch)
{
	if (!st->has_held)
		st->has_held = sl_batch_pop(batch, &st->held);
}

void sl_pg_unhold(sl_pg_source_t *st, sl_batch_t *batch)
{
	sl_record_t *r;

	if (!st->has_held)
		return;
	r = sl_batch_add(batch);
	*r = st->held;
	sl_record_init(&st->held);
	st->has_held = false;
}

/* ---- setup and teardown ---- */

static void teardown(sl_pg_source_t *st)
{
	sl_pg_snapshot_free(st->snap);
	st->snap = NULL;
	if (st->repl.conn)
		sl_pg_repl_close(&st->repl);
	PQfinish(st->sql);
	st->sql = NULL;
	st->connected = false;
}

/* Maps a pg_repl result (-1 permanent, SL_PG_TRANSIENT) to a task rc,
 * recording the reason first. */
static sl_rc_t fail_rc(sl_task_ctx_t *ctx, int rv, const char *err)
{
	sl_task_fail(ctx, "%s", err);
	return rv == SL_PG_TRANSIENT ? SL_RETRY : SL_FAIL;
}

/* A connection attempt's result as a task rc. */
static sl_rc_t connect_rc(sl_task_ctx_t *ctx, bool transient, const char *err)
{
	return fail_rc(ctx, transient ? SL_PG_TRANSIENT : -1, err);
}

/* The regular connection, the server checks, types, the publication. */
static sl_rc_t setup_sql(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_pg_slot_info_t *slot)
{
	char err[1024];
	bool transient;
	int rv;

	if (!(st->sql = sl_pg_connect(&st->ci, false, &transient, err, sizeof(err))))
		return connect_rc(ctx, transient, err);
	if ((rv = sl_pg_check_server(st->sql, st->cfg.slot_name, err, sizeof(err))) != 0 ||
	    (rv = sl_pg_catalog_load_types(st, "WHERE oid >= 16384", err, sizeof(err))) != 0 ||
	    (rv = sl_pg_publication_ensure(st->sql, st->cfg.publication_name,
					   (sl_pg_pub_mode_t)st->cfg.publication_mode, st->filter,
					   err, sizeof(err))) != 0 ||
	    (rv = sl_pg_check_replica_identity(st->sql, st->cfg.publication_name, st->filter, err,
					       sizeof(err))) != 0 ||
	    (rv = sl_pg_slot_info(st->sql, st->cfg.slot_name, slot, err, sizeof(err))) != 0)
		return fail_rc(ctx, rv, err);
	return SL_OK;
}

/* Starts the snapshot; creates the slot (exporting its snapshot) first
 * unless it exists, or (initial_only) needs none. */
static sl_rc_t setup_snapshot(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_slot_info_t *slot,
			      uint64_t xlogpos)
{
	char err[1024], *name = NULL;
	uint64_t lsn = slot->confirmed_flush ? slot->confirmed_flush : xlogpos;
	bool transient;
	int rv;

	if (!slot->exists && st->cfg.snapshot_mode != SL_PG_SNAP_INITIAL_ONLY &&
	    (rv = sl_pg_slot_create(st->repl.conn, st->cfg.slot_name, true, &lsn, &name, err,
				    sizeof(err))) != 0)
		return fail_rc(ctx, rv, err);
	if (!slot->exists && name)
		SL_TASK_INFO(ctx, "created replication slot '%s' (snapshot %s)", st->cfg.slot_name,
			     name);
	st->snap = sl_pg_snapshot_begin(ctx, st, name, lsn, &transient, err, sizeof(err));
	free(name);
	if (!st->snap)
		return fail_rc(ctx, transient ? SL_PG_TRANSIENT : -1, err);
	st->stream_from = st->skip_before = st->safe_lsn = lsn;
	st->phase = SL_PG_PHASE_SNAPSHOT;
	return SL_OK;
}

static sl_rc_t start_stream(sl_task_ctx_t *ctx, sl_pg_source_t *st)
{
	char err[1024], at[32];
	int rv;

	if (st->cfg.snapshot_mode == SL_PG_SNAP_INITIAL_ONLY) {
		st->phase = SL_PG_PHASE_DONE;
		SL_TASK_INFO(ctx, "snapshot.mode=initial_only: snapshot complete, not streaming");
		return SL_OK;
	}
	if ((rv = sl_pg_repl_start(&st->repl, st->cfg.slot_name, st->cfg.publication_name,
				   st->stream_from, err, sizeof(err))) != 0)
		return fail_rc(ctx, rv, err);
	if (st->safe_lsn < st->stream_from)
		st->safe_lsn = st->stream_from;
	st->phase = SL_PG_PHASE_STREAM;
	st->next_heartbeat_ms = sl_now_ms() + st->cfg.heartbeat_interval_ms;
	sl_pg_lsn_format(st->stream_from, at, sizeof(at));
	SL_TASK_INFO(ctx, "streaming from slot '%s' (publication '%s') at %s", st->cfg.slot_name,
		     st->cfg.publication_name, at);
	return SL_OK;
}

/* Where streaming starts without a snapshot: the stored offset, or the
 * slot's position (creating the slot when it is missing). */
static sl_rc_t setup_stream_position(sl_task_ctx_t *ctx, sl_pg_source_t *st,
				     const sl_pg_slot_info_t *slot, const sl_pg_offset_t *off,
				     bool has_offset)
{
	char err[1024], a[32], b[32], *name = NULL;
	uint64_t cp = slot->confirmed_flush;
	int rv;

	if (!slot->exists) {
		if ((rv = sl_pg_slot_create(st->repl.conn, st->cfg.slot_name, false, &cp, &name,
					    err, sizeof(err))) != 0)
			return fail_rc(ctx, rv, err);
		free(name);
		SL_TASK_INFO(ctx, "created replication slot '%s'", st->cfg.slot_name);
		if (has_offset)
			SL_TASK_WARN(ctx,
				     "replication slot '%s' was missing: changes between the "
				     "stored offset and now are lost (snapshot.mode=when_needed "
				     "takes a new snapshot in this case)",
				     st->cfg.slot_name);
	} else if (has_offset && cp > off->lsn) {
		sl_pg_lsn_format(cp, a, sizeof(a));
		sl_pg_lsn_format(off->lsn, b, sizeof(b));
		SL_TASK_WARN(ctx,
			     "slot '%s' is at %s, past the stored offset %s: changes in "
			     "between were consumed elsewhere and are lost",
			     st->cfg.slot_name, a, b);
	}
	st->stream_from = has_offset && slot->exists ? off->lsn : cp;
	if (st->stream_from > st->skip_before)
		st->skip_before = st->stream_from;
	return start_stream(ctx, st);
}

/* Connects (again) and sets up what the phase needs. first: the task just
 * started (the stored offset decides); later calls reconnect after a loss. */
static sl_rc_t setup(sl_task_ctx_t *ctx, sl_pg_source_t *st, bool first)
{
	sl_pg_slot_info_t slot;
	sl_pg_offset_t off = {0};
	bool has_offset = false, snap;
	uint64_t xlogpos = 0;
	char err[1024];
	bool transient;
	int rv;
	sl_rc_t rc;

	if ((rc = setup_sql(ctx, st, &slot)) != SL_OK)
		goto out;
	if (!(st->repl.conn = sl_pg_connect(&st->ci, true, &transient, err, sizeof(err)))) {
		rc = connect_rc(ctx, transient, err);
		goto out;
	}
	if ((rv = sl_pg_identify_system(st->repl.conn, &xlogpos, err, sizeof(err))) != 0) {
		rc = fail_rc(ctx, rv, err);
		goto out;
	}
	if (first) {
		off = st->stored;
		has_offset = st->has_stored;
		if (has_offset)
			st->repl.confirmed = st->repl.reported = off.lsn;
		/* A streaming offset's lsn is the end of the last stored
		 * transaction: source.sequence's "last commit" until the next. */
		if (has_offset && !off.snapshot)
			st->last_commit_lsn = off.lsn;
		st->resume_xid = -1;
		if (has_offset && !off.snapshot && off.txid >= 0 && off.lsn_proc) {
			st->resume_xid = off.txid;
			st->resume_lsn = off.lsn_proc;
		}
		snap = sl_pg_need_snapshot(st->cfg.snapshot_mode, has_offset,
					   sl_pg_offset_snapshot_done(&off), slot.exists,
					   slot.confirmed_flush, off.lsn);
		if (!snap && st->cfg.snapshot_mode == SL_PG_SNAP_INITIAL_ONLY) {
			st->phase = SL_PG_PHASE_DONE;
			rc = SL_OK;
			goto out;
		}
	} else {
		snap = st->phase == SL_PG_PHASE_SNAPSHOT;
		has_offset = slot.exists && st->repl.confirmed > 0;
		off.lsn = st->repl.confirmed;
		if (!slot.exists && !snap) {
			sl_task_fail(ctx, "replication slot '%s' disappeared while streaming",
				     st->cfg.slot_name);
			rc = SL_FAIL;
			goto out;
		}
	}
	rc = snap ? setup_snapshot(ctx, st, &slot, xlogpos)
		  : setup_stream_position(ctx, st, &slot, &off, has_offset);
out:
	if (rc == SL_OK)
		st->connected = true;
	else
		teardown(st);
	return rc;
}

/* ---- polling ---- */

/* Drops the records of the open transaction from the batch (the stream
 * broke in its middle: PostgreSQL sends it again from its Begin). */
static void drop_open_txn(sl_pg_source_t *st, sl_batch_t *batch)
{
	if (!st->in_txn)
		return;
	sl_batch_truncate(batch, st->txn_first);
	st->in_txn = st->skip_txn = false;
	st->txn_records = 0;
}

/* The stream broke (rv: SL_PG_TRANSIENT, or -1 when the server ended it
 * for good: the publication dropped, the slot invalidated). */
static sl_rc_t lost(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_batch_t *batch, int rv,
		    const char *err)
{
	char at[32];

	drop_open_txn(st, batch);
	teardown(st);
	if (rv != SL_PG_TRANSIENT) {
		sl_task_fail(ctx, "%s", err);
		return SL_FAIL;
	}
	if (st->repl.confirmed)
		sl_pg_lsn_format(st->repl.confirmed, at, sizeof(at));
	sl_task_fail(ctx,
		     "%s; transient: reconnecting until the server is reachable again, then "
		     "streaming from %s%s",
		     err, st->repl.confirmed ? "the confirmed position " : "the slot's position",
		     st->repl.confirmed ? at : "");
	return SL_RETRY;
}

/* How long the next read may wait: until the deadline, the next status
 * update or heartbeat; not at all once the batch holds finished records. */
static int read_wait_ms(const sl_pg_source_t *st, const sl_batch_t *batch, int64_t deadline)
{
	int64_t now = sl_now_ms();
	int64_t w = deadline - now;
	int64_t fb =
		sl_pg_feedback_wait_ms(now, st->repl.last_status_ms, st->repl.status_interval_ms);

	if (fb < w)
		w = fb;
	if (st->cfg.heartbeat_interval_ms > 0 && st->next_heartbeat_ms - now < w)
		w = st->next_heartbeat_ms - now;
	if (batch->count > 0 && (!st->in_txn || st->txn_first > 0))
		w = 0;
	return w < 0 ? 0 : (int)w;
}

/* The replication slot's lag: the server's WAL end as it last said minus
 * the LSN confirmed to it (the slot's confirmed_flush_lsn): the WAL the
 * server keeps for this connector. */
static void note_slot_lag(sl_task_ctx_t *ctx, const sl_pg_source_t *st)
{
	uint64_t end = st->server_wal_end, confirmed = st->repl.confirmed;
	sl_task_metric_set(ctx, "postgres_slot_lag_bytes",
			   "WAL bytes between the server's end and the LSN confirmed to the slot.",
			   end > confirmed && confirmed ? (double)(end - confirmed) : 0);
}

static sl_rc_t stream_poll(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_batch_t *batch)
{
	int64_t deadline = sl_now_ms() + sl_task_timeout_ms(ctx);
	sl_pg_copy_msg_t m;
	char err[1024];
	sl_rc_t rc = SL_OK;

	if (st->in_txn)
		st->txn_first = 0; /* its records still in the batch start at the held one */
	while (batch->count < (size_t)st->cfg.max_batch_size && !sl_task_stopping(ctx)) {
		if ((rc = sl_pg_stream_heartbeat(ctx, st, batch)) != SL_OK)
			break;
		if (sl_pg_repl_maybe_send_status(&st->repl, false, err, sizeof(err)) != 0)
			return lost(ctx, st, batch, SL_PG_TRANSIENT, err);
		int n = sl_pg_repl_read(&st->repl, read_wait_ms(st, batch, deadline), &m, err,
					sizeof(err));
		if (n < 0)
			return lost(ctx, st, batch, n, err);
		if (n == 0) {
			if (sl_now_ms() >= deadline || batch->count > 0)
				break;
			continue;
		}
		if (m.wal_end > st->server_wal_end)
			st->server_wal_end = m.wal_end;
		if ((rc = sl_pg_stream_handle(ctx, st, &m, batch)) != SL_OK)
			break;
	}
	note_slot_lag(ctx, st);
	if (rc == SL_RETRY) { /* the reason is recorded already */
		drop_open_txn(st, batch);
		teardown(st);
		return SL_RETRY;
	}
	if (rc == SL_OK && st->in_txn && st->txn_records > 0)
		sl_pg_hold_last(st, batch);
	return rc;
}

static sl_rc_t snapshot_poll(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_batch_t *batch)
{
	bool done = false;
	sl_rc_t rc = sl_pg_snapshot_step(ctx, st, batch, &done);

	if (rc == SL_RETRY) {
		teardown(st);
		return SL_RETRY;
	}
	if (rc != SL_OK)
		return rc;
	if (!done) {
		sl_pg_hold_last(st, batch);
		return SL_OK;
	}
	sl_pg_snapshot_free(st->snap);
	st->snap = NULL;
	if ((rc = start_stream(ctx, st)) == SL_RETRY)
		teardown(st);
	return rc;
}

static sl_rc_t pg_source_poll(sl_task_ctx_t *ctx, sl_batch_t *batch)
{
	sl_pg_source_t *st = sl_task_data(ctx);
	sl_rc_t rc;

	if (!st->connected && (rc = setup(ctx, st, false)) != SL_OK)
		return rc;
	sl_pg_unhold(st, batch);
	switch (st->phase) {
	case SL_PG_PHASE_SNAPSHOT:
		return snapshot_poll(ctx, st, batch);
	case SL_PG_PHASE_STREAM:
		return stream_poll(ctx, st, batch);
	case SL_PG_PHASE_DONE:
	default:
		sl_task_wait(ctx, sl_task_timeout_ms(ctx));
		return SL_OK;
	}
}

/* Offsets up to a stored lsn are durable: confirm it to the server. */
static void pg_source_commit(sl_task_ctx_t *ctx, const json_t *committed)
{
	sl_pg_source_t *st = sl_task_data(ctx);
	uint64_t lsn = sl_pg_offset_committed_lsn(committed);
	char err[1024], at[32];

	if (!st || lsn <= st->repl.confirmed)
		return;
	st->repl.confirmed = lsn;
	sl_pg_lsn_format(lsn, at, sizeof(at));
	SL_TASK_DEBUG(ctx, "offsets stored up to %s; confirming it to the server", at);
	if (st->repl.streaming && sl_pg_repl_send_status(&st->repl, false, err, sizeof(err)) != 0)
		SL_TASK_WARN(ctx, "%s", err); /* the next poll notices and reconnects */
}

/* ---- start and stop ---- */

static void free_task(sl_pg_source_t *st)
{
	if (!st)
		return;
	teardown(st);
	if (st->has_held)
		sl_record_clear(&st->held);
	sl_pg_event_builder_free(st->builder);
	sl_pg_types_free(st->types);
	sl_pg_decoder_free(st->dec);
	sl_pg_filter_free(st->filter);
	if (st->partition)
		json_decref(st->partition);
	free(st->heartbeat_topic);
	free(st->origin);
	free((char *)st->ci.port);
	free((char *)st->ci.application_name);
	sl_options_free(sl_pg_source_options, &st->cfg);
	free(st);
}

/* Reads skipped.operations; -1 with errstr on an unknown letter. */
static int parse_skipped(sl_pg_source_t *st, char *errstr, size_t errstr_size)
{
	for (char **p = st->cfg.skipped_operations; p && *p; p++) {
		if (!strcasecmp(*p, "none"))
			continue;
		if (strlen(*p) != 1 || !strchr("cudt", (*p)[0]))
			return sl_seterr(errstr, errstr_size,
					 "option 'skipped.operations': unknown operation '%s' "
					 "(c, u, d, t or none)",
					 *p);
		st->skip_c |= (*p)[0] == 'c';
		st->skip_u |= (*p)[0] == 'u';
		st->skip_d |= (*p)[0] == 'd';
		st->skip_t |= (*p)[0] == 't';
	}
	return 0;
}

static const char *const sslmode_names[] = {"disable", "allow",     "prefer",
					    "require", "verify-ca", "verify-full"};

/* Everything that needs no server: filter, builder, connection info. */
static int init_task(sl_task_ctx_t *ctx, sl_pg_source_t *st, char *err, size_t size)
{
	sl_pg_source_config_t *c = &st->cfg;

	st->prefix = c->topic_prefix ? c->topic_prefix : c->server_name;
	if (!st->prefix || !st->prefix[0])
		return sl_seterr(err, size, "option 'topic.prefix' is required");
	if (c->provide_transaction_metadata)
		return sl_seterr(err, size, "provide.transaction.metadata=true is not supported");
	st->filter = sl_pg_filter_new((const char *const *)c->table_include,
				      (const char *const *)c->table_exclude,
				      (const char *const *)c->schema_include,
				      (const char *const *)c->schema_exclude, err, size);
	if (!st->filter || parse_skipped(st, err, size) != 0)
		return -1;
	st->ci = (sl_pg_conninfo_t){
		.host = c->hostname,
		.port = sl_asprintf("%lld", (long long)c->port),
		.user = c->user,
		.password = c->password,
		.dbname = c->dbname,
		.sslmode = sslmode_names[c->sslmode],
		.sslrootcert = c->sslrootcert,
		.sslcert = c->sslcert,
		.sslkey = c->sslkey,
		.keepalives = c->tcp_keepalive,
		.application_name = sl_asprintf("sluice %s", sl_task_connector_name(ctx)),
	};
	st->ecfg = (sl_pg_event_config_t){
		.topic_prefix = st->prefix,
		.database = c->dbname,
		.decimal_mode = (sl_pg_decimal_mode_t)c->decimal_mode,
		.time_mode = c->time_mode == 2 ? SL_PG_TIME_CONNECT : SL_PG_TIME_ADAPTIVE,
		.unavailable_placeholder = c->unavailable_placeholder,
	};
	st->types = sl_pg_types_new();
	st->builder = sl_pg_event_builder_new(&st->ecfg, st->types);
	st->dec = sl_pg_decoder_new();
	st->partition = json_pack("{s:s}", "server", st->prefix);
	st->heartbeat_topic = sl_asprintf("%s.%s", c->heartbeat_topic_prefix, st->prefix);
	st->repl.status_interval_ms = c->status_interval_ms;
	st->last_txid = -1;
	sl_record_init(&st->held);
	return st->partition ? 0 : sl_seterr(err, size, "topic.prefix is not valid UTF-8");
}

/* Reads the stored offset before anything connects: a malformed one fails
 * the task for good (no retry can mend it). */
static sl_rc_t read_stored_offset(sl_task_ctx_t *ctx, sl_pg_source_t *st)
{
	json_t *j = sl_task_stored_offset(ctx, st->partition);
	char err[1024];
	int rv = sl_pg_offset_load(j, sl_task_connector_name(ctx), st->partition, &st->stored, err,
				   sizeof(err));

	json_decref(j);
	if (rv < 0) {
		sl_task_fail(ctx, "%s", err);
		return SL_FAIL;
	}
	st->has_stored = rv > 0;
	return SL_OK;
}

static sl_rc_t pg_source_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	sl_pg_source_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	char err[1024];
	sl_rc_t rc = SL_FAIL;

	if (sl_options_load(sl_pg_source_options, config, &st->cfg, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	if (init_task(ctx, st, err, sizeof(err)) != 0) {
		sl_task_fail(ctx, "%s", err);
		goto out;
	}
	if ((rc = read_stored_offset(ctx, st)) != SL_OK)
		goto out;
	SL_TASK_INFO(ctx, "connecting to %s:%lld database %s as %s (slot '%s')", st->cfg.hostname,
		     (long long)st->cfg.port, st->cfg.dbname, st->cfg.user, st->cfg.slot_name);
	if ((rc = setup(ctx, st, true)) != SL_OK)
		goto out;
	sl_task_set_data(ctx, st);
	st = NULL;
out:
	free_task(st);
	sl_errlist_free(&errs);
	return rc;
}

static void pg_source_stop(sl_task_ctx_t *ctx)
{
	sl_pg_source_t *st = sl_task_data(ctx);
	char err[1024];

	if (!st)
		return;
	if (st->repl.conn)
		sl_pg_repl_close(&st->repl);
	if (st->cfg.slot_drop_on_stop && st->sql) {
		if (sl_pg_slot_drop(st->sql, st->cfg.slot_name, err, sizeof(err)) != 0)
			SL_TASK_WARN(ctx, "%s", err);
		else
			SL_TASK_INFO(ctx, "dropped replication slot '%s'", st->cfg.slot_name);
	}
	free_task(st);
	sl_task_set_data(ctx, NULL);
}

static int pg_source_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	sl_pg_source_config_t cfg = {0};
	sl_errlist_t ignored = {0}; /* the worker reports table errors itself */
	sl_pg_filter_t *f;
	char err[512];
	int rv = 0;

	sl_options_load(sl_pg_source_options, config, &cfg, &ignored);
	if (!(cfg.topic_prefix && cfg.topic_prefix[0]) &&
	    !(cfg.server_name && cfg.server_name[0])) {
		sl_errlist_addf(errs, "option 'topic.prefix' is required (Debezium 1.x's "
				      "'database.server.name' is accepted in its place)");
		rv = -1;
	}
	f = sl_pg_filter_new((const char *const *)cfg.table_include,
			     (const char *const *)cfg.table_exclude,
			     (const char *const *)cfg.schema_include,
			     (const char *const *)cfg.schema_exclude, err, sizeof(err));
	if (!f) {
		sl_errlist_addf(errs, "%s", err);
		rv = -1;
	}
	if (cfg.provide_transaction_metadata) {
		sl_errlist_addf(errs, "option 'provide.transaction.metadata': only false is "
				      "supported");
		rv = -1;
	}
	sl_pg_filter_free(f);
	sl_options_free(sl_pg_source_options, &cfg);
	sl_errlist_free(&ignored);
	return rv;
}

static const sl_source_ops_t pg_source_ops = {
	.start = pg_source_start,
	.poll = pg_source_poll,
	.commit = pg_source_commit,
	.stop = pg_source_stop,
};

const sl_connector_t postgres_source_connector = {
	.name = "postgres-source",
	.aliases = pg_source_aliases,
	.kind = SL_SOURCE,
	.doc = "Captures row changes from PostgreSQL (10+) through logical replication with the "
	       "built-in pgoutput plugin and writes them as Debezium change events (key struct, "
	       "envelope with before/after/source/op/ts_ms) to <topic.prefix>.<schema>.<table>, "
	       "with Debezium's option names, source partition {\"server\": prefix} and offsets "
	       "{\"lsn\", \"txId\", \"ts_usec\"}, so Debezium PostgresConnector configs and "
	       "consumers work unchanged. Needs wal_level=logical and a user with REPLICATION. "
	       "Creates the publication and the slot when missing; takes a consistent initial "
	       "snapshot (snapshot.mode) from the slot's exported snapshot; confirms an LSN to "
	       "the server only after the offsets up to it are stored, so the slot keeps every "
	       "change not yet in Kafka. A restart resends at most the transactions not yet "
	       "stored (at-least-once); a restart during the snapshot takes it again. One task; "
	       "a lost connection or a restarting server is retried without limit while the task "
	       "stays "
	       "RUNNING; a malformed stored offset fails the task.",
	.options = sl_pg_source_options,
	.validate = pg_source_validate,
	.source = &pg_source_ops,
};
