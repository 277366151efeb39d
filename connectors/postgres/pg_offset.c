/* Debezium-shaped offsets of the postgres-source. */
#include "pg_offset.h"
#include "util.h"

json_t *sl_pg_offset_to_json(const sl_pg_offset_t *o)
{
	json_t *j = json_object();

	json_object_set_new(j, "lsn", json_integer((json_int_t)o->lsn));
	if (o->txid >= 0)
		json_object_set_new(j, "txId", json_integer(o->txid));
	json_object_set_new(j, "ts_usec", json_integer(o->ts_usec));
	if (o->snapshot) {
		json_object_set_new(j, "snapshot", json_true());
		json_object_set_new(j, "last_snapshot_record",
				    json_boolean(o->last_snapshot_record));
	} else {
		json_object_set_new(j, "lsn_proc", json_integer((json_int_t)o->lsn));
		json_object_set_new(j, "lsn_commit", json_integer((json_int_t)o->lsn));
	}
	return j;
}

int sl_pg_offset_from_json(const json_t *j, sl_pg_offset_t *o, char *errstr, size_t errstr_size)
{
	const json_t *lsn = json_object_get(j, "lsn");
	const json_t *tx = json_object_get(j, "txId");
	const json_t *ts = json_object_get(j, "ts_usec");

	o->lsn = 0;
	o->txid = -1;
	o->ts_usec = 0;
	o->snapshot = json_is_true(json_object_get(j, "snapshot"));
	o->last_snapshot_record = json_is_true(json_object_get(j, "last_snapshot_record"));
	if (!json_is_object(j) || !json_is_integer(lsn) || json_integer_value(lsn) < 0)
		return sl_seterr(errstr, errstr_size,
				 "stored offset has no \"lsn\" number (expected Debezium's "
				 "{\"lsn\": n, \"txId\": n, \"ts_usec\": n})");
	o->lsn = (uint64_t)json_integer_value(lsn);
	if (json_is_integer(tx))
		o->txid = json_integer_value(tx);
	if (json_is_integer(ts))
		o->ts_usec = json_integer_value(ts);
	return 0;
}

bool sl_pg_offset_snapshot_done(const sl_pg_offset_t *o)
{
	return !o->snapshot || o->last_snapshot_record;
}

uint64_t sl_pg_offset_committed_lsn(const json_t *committed)
{
	const char *k;
	json_t *v;
	uint64_t best = 0;

	json_object_foreach((json_t *)committed, k, v) {
		/* core/offsets.c hands {"partition": ..., "offset": ...} per key;
		 * connector.h documents the bare offset: accept both. */
		const json_t *off = json_is_object(json_object_get(v, "offset"))
					    ? json_object_get(v, "offset")
					    : v;
		const json_t *lsn = json_object_get(off, "lsn");

		if (json_is_integer(lsn) && json_integer_value(lsn) > 0 &&
		    (uint64_t)json_integer_value(lsn) > best)
			best = (uint64_t)json_integer_value(lsn);
	}
	return best;
}
