/* The streaming half of the postgres-source: decoded pgoutput messages
 * become Debezium change records; transactions get their offset on their
 * last record; heartbeats carry the newest safe position. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_source_task.h"

static void lsn_text(uint64_t lsn, char *buf, size_t size)
{
	sl_pg_lsn_format(lsn, buf, size);
}

/* The labels of the enum types among the pg_type rows WHERE selects, in
 * their sort order (Debezium's "allowed" parameter). */
static int load_enum_labels(sl_pg_source_t *st, const char *where, char *errstr, size_t errstr_size)
{
	char *q = sl_asprintf("SELECT enumtypid, string_agg(enumlabel, ',' ORDER BY enumsortorder) "
			      "FROM pg_enum WHERE enumtypid IN (SELECT oid FROM pg_type %s) "
			      "GROUP BY enumtypid",
			      where);
	PGresult *r = PQexec(st->sql, q);
	int rv = 0;

	free(q);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "reading pg_enum failed: %s",
			  PQerrorMessage(st->sql));
		rv = sl_pg_failure(st->sql, r);
	}
	for (int i = 0; rv == 0 && i < PQntuples(r); i++)
		sl_pg_types_set_labels(st->types, (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10),
				       PQgetvalue(r, i, 1));
	PQclear(r);
	return rv;
}

int sl_pg_catalog_load_types(sl_pg_source_t *st, const char *where, char *errstr,
			     size_t errstr_size)
{
	char *q = sl_asprintf("SELECT oid, typname, typtype, typelem, typbasetype FROM pg_type %s",
			      where);
	PGresult *r = PQexec(st->sql, q);
	int rv = 0;

	free(q);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "reading pg_type failed: %s",
			  PQerrorMessage(st->sql));
		rv = sl_pg_failure(st->sql, r);
		goto out;
	}
	for (int i = 0; i < PQntuples(r); i++)
		sl_pg_types_add(st->types, (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10),
				PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)[0],
				(uint32_t)strtoul(PQgetvalue(r, i, 3), NULL, 10),
				(uint32_t)strtoul(PQgetvalue(r, i, 4), NULL, 10));
	rv = load_enum_labels(st, where, errstr, errstr_size);
out:
	PQclear(r);
	return rv;
}

int sl_pg_catalog_fill_relation(sl_pg_source_t *st, sl_pg_relation_t *rel, char *errstr,
				size_t errstr_size)
{
	char oid_text[16];
	const char *param = oid_text;
	PGresult *r;
	int rv = 0;

	snprintf(oid_text, sizeof(oid_text), "%u", rel->oid);
	r = PQexecParams(st->sql,
			 "SELECT a.attname, a.attnotnull, "
			 "coalesce(a.attnum = ANY (i.indkey), false), i.indrelid IS NOT NULL "
			 "FROM pg_attribute a LEFT JOIN pg_index i "
			 "ON i.indrelid = a.attrelid AND i.indisprimary "
			 "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped",
			 1, NULL, &param, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		sl_seterr(errstr, errstr_size, "reading the columns of %s.%s failed: %s",
			  rel->schema, rel->table, PQerrorMessage(st->sql));
		rv = sl_pg_failure(st->sql, r);
		goto out;
	}
	for (int c = 0; c < rel->ncols; c++) {
		sl_pg_column_t *col = &rel->cols[c];

		for (int i = 0; i < PQntuples(r); i++) {
			if (strcmp(PQgetvalue(r, i, 0), col->name))
				continue;
			col->optional = PQgetvalue(r, i, 1)[0] != 't';
			/* The event key is the primary key, as Debezium's: under
			 * REPLICA IDENTITY FULL pgoutput flags every column. Tables
			 * without one keep pgoutput's identity columns (an index),
			 * and FULL without a primary key has no key. */
			if (PQgetvalue(r, i, 3)[0] == 't')
				col->key = PQgetvalue(r, i, 2)[0] == 't';
			else if (rel->replica_identity == 'f')
				col->key = false;
		}
		if (col->type_oid >= 16384 && !sl_pg_types_find(st->types, col->type_oid)) {
			char where[64];

			snprintf(where, sizeof(where), "WHERE oid = %u OR typarray = %u",
				 col->type_oid, col->type_oid);
			if ((rv = sl_pg_catalog_load_types(st, where, errstr, errstr_size)) != 0)
				break;
		}
	}
out:
	PQclear(r);
	return rv;
}

static sl_pg_source_info_t change_source(const sl_pg_source_t *st, uint64_t lsn)
{
	sl_pg_source_info_t src = {
		.ts_ms = st->commit_time_us / 1000,
		.snapshot = "false",
		.txid = st->xid,
		.lsn = lsn,
		.last_commit_lsn = st->last_commit_lsn,
		.origin = st->origin,
		.origin_lsn = st->origin_lsn,
	};
	return src;
}

/* Appends the tombstone that follows a delete: same key, null value. */
static void add_tombstone(sl_pg_source_t *st, sl_batch_t *batch)
{
	size_t di = batch->count - 1;
	const sl_record_t *del;
	sl_record_t *t;

	if (batch->records[di].key.kind != SL_VALUE_JSON_TEXT)
		return;
	t = sl_batch_add(batch); /* may move the records */
	del = &batch->records[di];
	sl_record_set_topic(t, del->topic);
	sl_value_take_json_text(&t->key, sl_strndup(del->key.data, del->key.len), del->key.len,
				del->key.schema ? json_incref(del->key.schema) : NULL);
	t->source_partition = st->partition;
	st->txn_records++;
}

/* A failed build: the record is dropped and the error policy decides. */
static sl_rc_t build_failed(sl_task_ctx_t *ctx, sl_batch_t *batch, const char *what,
			    const char *err)
{
	sl_record_clear(&batch->records[batch->count - 1]);
	batch->count--;
	return sl_task_report_error(ctx, "TASK_POLL", NULL, NULL, 0, "%s: %s", what, err);
}

static bool op_skipped(const sl_pg_source_t *st, char op)
{
	return (op == 'c' && st->skip_c) || (op == 'u' && st->skip_u) ||
	       (op == 'd' && st->skip_d) || (op == 't' && st->skip_t);
}

/* True when an update moved the row to another key: some key column's
 * value differs between the old and the new tuple. */
static bool key_changed(const sl_pg_relation_t *rel, const sl_pg_tuple_t *old,
			const sl_pg_tuple_t *new)
{
	for (int c = 0; c < rel->ncols && c < old->ncols && c < new->ncols; c++) {
		const sl_pg_datum_t *a = &old->cols[c], *b = &new->cols[c];
		if (!rel->cols[c].key || a->kind == SL_PG_UNCHANGED_TOAST ||
		    b->kind == SL_PG_UNCHANGED_TOAST)
			continue;
		if (a->kind != b->kind || a->len != b->len ||
		    (a->len && memcmp(a->data, b->data, a->len)))
			return true;
	}
	return false;
}

/* Emits one change event for rel (op c, u or d) into the batch. */
static sl_rc_t emit_change(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_relation_t *rel,
			   char op, const sl_pg_tuple_t *before, const sl_pg_tuple_t *after,
			   const sl_pg_source_info_t *src, sl_batch_t *batch)
{
	const char *topic = NULL;
	char err[512];
	sl_record_t *rec = sl_batch_add(batch);

	if (sl_pg_event_build(st->builder, rel, op, before, after, src, &rec->key, &rec->value,
			      &topic, err, sizeof(err)) != 0)
		return build_failed(ctx, batch, "change event", err);
	sl_record_set_topic(rec, topic);
	rec->source_partition = st->partition;
	rec->timestamp = src->ts_ms;
	st->txn_records++;
	if (op == 'd' && st->cfg.tombstones_on_delete)
		add_tombstone(st, batch);
	return SL_OK;
}

/* An update that changed the primary key is, as in Debezium, a delete of
 * the old key (plus its tombstone) and a create of the new one, so that
 * keyed consumers and compacted topics drop the old row. */
static sl_rc_t on_key_change(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_msg_t *msg,
			     uint64_t lsn, sl_batch_t *batch)
{
	sl_pg_source_info_t src = change_source(st, lsn);
	sl_rc_t rc = emit_change(ctx, st, msg->rel, 'd', &msg->old_tuple, NULL, &src, batch);

	if (rc != SL_OK)
		return rc;
	return emit_change(ctx, st, msg->rel, 'c', NULL, &msg->new_tuple, &src, batch);
}

/* An event of the transaction the stored offset is in, at or before the
 * last one Debezium processed (Debezium resumes inside a transaction). */
static bool replayed(const sl_pg_source_t *st, uint64_t lsn)
{
	return st->resume_xid >= 0 && st->xid == (uint64_t)st->resume_xid && lsn <= st->resume_lsn;
}

static sl_rc_t on_change(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_msg_t *msg,
			 uint64_t lsn, sl_batch_t *batch)
{
	char op = msg->type == 'I' ? 'c' : msg->type == 'U' ? 'u' : 'd';
	const sl_pg_tuple_t *before = NULL, *after = NULL;

	if (!st->in_txn || st->skip_txn || replayed(st, lsn) || op_skipped(st, op) ||
	    !sl_pg_filter_match(st->filter, msg->rel->schema, msg->rel->table))
		return SL_OK;
	if (op == 'u' && msg->has_old)
		before = &msg->old_tuple;
	if (op == 'u' && before && key_changed(msg->rel, before, &msg->new_tuple))
		return on_key_change(ctx, st, msg, lsn, batch);
	if (op == 'd')
		before = &msg->old_tuple;
	if (op != 'd')
		after = &msg->new_tuple;
	sl_pg_source_info_t src = change_source(st, lsn);
	return emit_change(ctx, st, msg->rel, op, before, after, &src, batch);
}

static sl_rc_t on_truncate(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_msg_t *msg,
			   uint64_t lsn, sl_batch_t *batch)
{
	sl_pg_source_info_t src = change_source(st, lsn);

	if (!st->in_txn || st->skip_txn || replayed(st, lsn) || op_skipped(st, 't'))
		return SL_OK;
	for (int i = 0; i < msg->nrelids; i++) {
		const sl_pg_relation_t *rel = sl_pg_decoder_relation(st->dec, msg->relids[i]);
		const char *topic = NULL;
		sl_record_t *rec;
		char err[512];
		sl_rc_t rc;

		if (!rel || !sl_pg_filter_match(st->filter, rel->schema, rel->table))
			continue;
		rec = sl_batch_add(batch);
		if (sl_pg_event_build_truncate(st->builder, rel, &src, &rec->key, &rec->value,
					       &topic, err, sizeof(err)) != 0) {
			if ((rc = build_failed(ctx, batch, "truncate event", err)) != SL_OK)
				return rc;
			continue;
		}
		sl_record_set_topic(rec, topic);
		rec->source_partition = st->partition;
		st->txn_records++;
	}
	return SL_OK;
}

static sl_rc_t on_message(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_msg_t *msg,
			  sl_batch_t *batch)
{
	sl_pg_source_info_t src = change_source(st, msg->lsn);
	const char *topic = NULL;
	sl_record_t *rec;
	char err[512];

	if (msg->transactional && (!st->in_txn || st->skip_txn || replayed(st, msg->lsn)))
		return SL_OK;
	if (!msg->transactional) {
		/* Debezium takes a message outside a transaction as a commit of
		 * its own: it is the last commit of its own sequence and of the
		 * events after it. */
		st->last_commit_lsn = msg->lsn;
		src.last_commit_lsn = msg->lsn;
		src.ts_ms = sl_wallclock_ms();
		src.txid = -1;
	}
	rec = sl_batch_add(batch);
	if (sl_pg_event_build_message(st->builder, msg, &src, &rec->key, &rec->value, &topic, err,
				      sizeof(err)) != 0)
		return build_failed(ctx, batch, "logical decoding message event", err);
	sl_record_set_topic(rec, topic);
	rec->source_partition = st->partition;
	if (msg->transactional)
		st->txn_records++;
	return SL_OK;
}

static void on_begin(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_msg_t *msg,
		     sl_batch_t *batch)
{
	st->in_txn = true;
	st->xid = msg->xid;
	/* An Origin message follows when the transaction has one. */
	free(st->origin);
	st->origin = NULL;
	st->origin_lsn = 0;
	st->final_lsn = msg->final_lsn;
	st->commit_time_us = msg->commit_time_us;
	st->txn_records = 0;
	st->txn_first = batch->count;
	/* Already in Kafka (or in the snapshot): PostgreSQL resends the
	 * transactions that commit at or after the slot's confirmed position. */
	st->skip_txn = msg->final_lsn < st->skip_before;
	if (st->skip_txn) {
		char a[32], b[32];

		lsn_text(msg->final_lsn, a, sizeof(a));
		lsn_text(st->skip_before, b, sizeof(b));
		SL_TASK_DEBUG(ctx, "skipping transaction %u committed at %s (before %s)", msg->xid,
			      a, b);
	}
}

/* The commit: the transaction's last record carries the offset
 * {"lsn": end of the commit record, "txId", "ts_usec"}. */
static void on_commit(sl_pg_source_t *st, const sl_pg_msg_t *msg, sl_batch_t *batch)
{
	if (st->in_txn && !st->skip_txn && st->txn_records > 0 && batch->count > 0) {
		sl_pg_offset_t o = {
			.lsn = msg->end_lsn,
			.txid = st->xid,
			.ts_usec = msg->commit_time_us,
		};
		sl_record_t *last = &batch->records[batch->count - 1];

		if (last->source_offset)
			json_decref(last->source_offset);
		last->source_offset = sl_pg_offset_to_json(&o);
	}
	if (!st->skip_txn) {
		st->last_txid = st->xid;
		st->last_ts_usec = msg->commit_time_us;
	}
	if (msg->end_lsn > st->skip_before)
		st->skip_before = msg->end_lsn;
	if (msg->end_lsn > st->safe_lsn)
		st->safe_lsn = msg->end_lsn;
	/* Debezium's lastCommitLsn is the position the Commit message comes
	 * at, which PostgreSQL sets to the transaction's end (end_lsn), not
	 * the commit record's start (commit_lsn). */
	st->last_commit_lsn = msg->end_lsn;
	if (st->resume_xid >= 0 && st->xid == (uint64_t)st->resume_xid)
		st->resume_xid = -1; /* past the stored transaction */
	st->in_txn = false;
	st->skip_txn = false;
	st->txn_records = 0;
}

/* The open transaction was replayed from another server (a subscription,
 * pg_replication_origin_xact_setup): its events carry the origin's name
 * and LSN in source.origin and source.origin_lsn. */
static void on_origin(sl_pg_source_t *st, const sl_pg_msg_t *msg)
{
	free(st->origin);
	st->origin = sl_strdup(msg->origin_name ? msg->origin_name : "");
	st->origin_lsn = msg->lsn;
}

static sl_rc_t on_relation(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_msg_t *msg)
{
	/* pgoutput.h: the source fills optional from the catalog. */
	sl_pg_relation_t *rel = (sl_pg_relation_t *)msg->rel;
	char err[512];
	int rv;

	sl_pg_event_builder_invalidate(st->builder, rel->oid);
	if (!sl_pg_filter_match(st->filter, rel->schema, rel->table))
		return SL_OK;
	if ((rv = sl_pg_catalog_fill_relation(st, rel, err, sizeof(err))) != 0) {
		sl_task_fail(ctx, "%s", err);
		return rv == SL_PG_TRANSIENT ? SL_RETRY : SL_FAIL;
	}
	return SL_OK;
}

static sl_rc_t on_xlogdata(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_copy_msg_t *m,
			   sl_batch_t *batch)
{
	sl_pg_msg_t msg;
	char err[512], at[32];

	if (sl_pg_decode(st->dec, m->data, m->len, &msg, err, sizeof(err)) != 0) {
		lsn_text(m->wal_start, at, sizeof(at));
		sl_task_fail(ctx, "cannot decode the pgoutput message at LSN %s: %s", at, err);
		return SL_FAIL;
	}
	switch (msg.type) {
	case 'B':
		on_begin(ctx, st, &msg, batch);
		return SL_OK;
	case 'C':
		on_commit(st, &msg, batch);
		return SL_OK;
	case 'R':
		return on_relation(ctx, st, &msg);
	case 'I':
	case 'U':
	case 'D':
		return on_change(ctx, st, &msg, m->wal_start, batch);
	case 'T':
		return on_truncate(ctx, st, &msg, m->wal_start, batch);
	case 'M':
		return on_message(ctx, st, &msg, batch);
	case 'O':
		on_origin(st, &msg);
		return SL_OK;
	default: /* 'Y' type: nothing to emit */
		return SL_OK;
	}
}

sl_rc_t sl_pg_stream_handle(sl_task_ctx_t *ctx, sl_pg_source_t *st, const sl_pg_copy_msg_t *m,
			    sl_batch_t *batch)
{
	char err[512];

	if (m->kind == 'w')
		return on_xlogdata(ctx, st, m, batch);
	/* Keepalive. Between transactions, everything before the server's WAL
	 * end has been sent (and handed to the worker): a heartbeat may store
	 * that position, which lets the slot advance while only uncaptured
	 * tables are written. */
	if (!st->in_txn && !st->has_held && m->wal_end > st->safe_lsn)
		st->safe_lsn = m->wal_end;
	if (m->wal_end > st->repl.received && !st->in_txn)
		st->repl.received = m->wal_end;
	if (m->reply_requested && sl_pg_repl_send_status(&st->repl, false, err, sizeof(err)) != 0) {
		sl_task_fail(ctx, "%s", err);
		return SL_RETRY;
	}
	return SL_OK;
}

static json_t *heartbeat_key_schema(void)
{
	return json_pack("{s:s,s:[{s:s,s:b,s:s}],s:b,s:s}", "type", "struct", "fields", "type",
			 "string", "optional", 0, "field", "serverName", "optional", 0, "name",
			 "io.debezium.connector.common.ServerNameKey");
}

static json_t *heartbeat_value_schema(void)
{
	return json_pack("{s:s,s:[{s:s,s:b,s:s}],s:b,s:s}", "type", "struct", "fields", "type",
			 "int64", "optional", 0, "field", "ts_ms", "optional", 0, "name",
			 "io.debezium.connector.common.Heartbeat");
}

sl_rc_t sl_pg_stream_heartbeat(sl_task_ctx_t *ctx, sl_pg_source_t *st, sl_batch_t *batch)
{
	int64_t now = sl_now_ms();
	sl_pg_offset_t o;
	sl_record_t *rec;
	char err[512];

	if (st->cfg.heartbeat_interval_ms <= 0 || now < st->next_heartbeat_ms || st->in_txn ||
	    st->has_held)
		return SL_OK;
	st->next_heartbeat_ms = now + st->cfg.heartbeat_interval_ms;
	if (st->cfg.heartbeat_action_query && st->cfg.heartbeat_action_query[0] &&
	    sl_pg_exec(st->sql, st->cfg.heartbeat_action_query, "heartbeat.action.query", err,
		       sizeof(err)) != 0) {
		if (PQstatus(st->sql) == CONNECTION_BAD) {
			sl_task_fail(ctx, "%s", err);
			return SL_RETRY;
		}
		SL_TASK_WARN(ctx, "%s", err);
	}
	o = (sl_pg_offset_t){
		.lsn = st->safe_lsn, .txid = st->last_txid, .ts_usec = st->last_ts_usec};
	if (!o.ts_usec)
		o.ts_usec = sl_wallclock_ms() * 1000;
	rec = sl_batch_add(batch);
	sl_record_set_topic(rec, st->heartbeat_topic);
	sl_value_set_json(&rec->key, json_pack("{s:s}", "serverName", st->prefix),
			  heartbeat_key_schema());
	sl_value_set_json(&rec->value, json_pack("{s:I}", "ts_ms", (json_int_t)sl_wallclock_ms()),
			  heartbeat_value_schema());
	rec->source_partition = st->partition;
	rec->source_offset = sl_pg_offset_to_json(&o);
	return SL_OK;
}
