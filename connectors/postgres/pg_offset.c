/* Debezium-shaped offsets of the postgres-source. */
#include "pg_offset.h"

#include <string.h>

#include "sluice/util.h"

/* How much of a stored offset a message quotes. */
#define OFFSET_TEXT_MAX 160

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

/* Checks that each key of j in names (NULL-terminated) is absent, null or
 * of the type is_type accepts; -1 with errstr naming the first that is not. */
static int check_types(const json_t *j, const char *const *names, int (*is_type)(const json_t *),
		       const char *wanted, char *errstr, size_t errstr_size)
{
	for (; *names; names++) {
		const json_t *v = json_object_get(j, *names);

		if (v && !json_is_null(v) && !is_type(v))
			return sl_seterr(errstr, errstr_size, "\"%s\" is %s, not %s", *names,
					 sl_json_kind(v), wanted);
	}
	return 0;
}

static int is_integer(const json_t *v)
{
	return json_is_integer(v);
}

static int is_boolean(const json_t *v)
{
	return json_is_boolean(v);
}

/* "snapshot": a boolean (Debezium before 2.6) or the snapshot type's name
 * (Debezium 2.6+; "true" / "false" as text too, as Debezium reads them). */
static int read_snapshot(const json_t *v, bool *out, char *errstr, size_t errstr_size)
{
	static const char *const types[] = {"INITIAL", "BLOCKING", "true", NULL};
	const char *s = json_string_value(v);

	*out = json_is_true(v);
	if (!v || json_is_null(v) || json_is_boolean(v) || (s && !strcmp(s, "false")))
		return 0;
	for (int i = 0; s && types[i]; i++)
		if (!strcmp(s, types[i])) {
			*out = true;
			return 0;
		}
	return sl_seterr(errstr, errstr_size,
			 "\"snapshot\" is %s%s%s, not true, false, \"INITIAL\" or \"BLOCKING\"",
			 s ? "\"" : sl_json_kind(v), s ? s : "", s ? "\"" : "");
}

int sl_pg_offset_from_json(const json_t *j, sl_pg_offset_t *o, char *errstr, size_t errstr_size)
{
	static const char *const numbers[] = {"txId", "ts_usec", "lsn_proc", "lsn_commit", NULL};
	static const char *const booleans[] = {"last_snapshot_record", "snapshot_completed", NULL};
	const json_t *lsn = json_object_get(j, "lsn");
	const json_t *tx = json_object_get(j, "txId");
	const json_t *ts = json_object_get(j, "ts_usec");

	*o = (sl_pg_offset_t){.txid = -1};
	if (!json_is_object(j))
		return sl_seterr(errstr, errstr_size, "the offset is %s, not an object",
				 sl_json_kind(j));
	if (!lsn)
		return sl_seterr(errstr, errstr_size,
				 "it has no \"lsn\" (expected Debezium's {\"lsn\": n, \"txId\": "
				 "n, \"ts_usec\": n})");
	if (!json_is_integer(lsn))
		return sl_seterr(errstr, errstr_size,
				 "\"lsn\" is %s, not a number (Debezium stores the LSN as a "
				 "number, e.g. 23890248 for 0/16C8A48)",
				 sl_json_kind(lsn));
	if (json_integer_value(lsn) < 0)
		return sl_seterr(errstr, errstr_size, "\"lsn\" is negative");
	if (check_types(j, numbers, is_integer, "an integer", errstr, errstr_size) != 0 ||
	    check_types(j, booleans, is_boolean, "a boolean", errstr, errstr_size) != 0 ||
	    read_snapshot(json_object_get(j, "snapshot"), &o->snapshot, errstr, errstr_size) != 0)
		return -1;
	o->lsn = (uint64_t)json_integer_value(lsn);
	if (json_is_integer(tx))
		o->txid = json_integer_value(tx);
	const json_t *proc = json_object_get(j, "lsn_proc");
	if (json_is_integer(proc) && json_integer_value(proc) > 0)
		o->lsn_proc = (uint64_t)json_integer_value(proc);
	if (json_is_integer(ts))
		o->ts_usec = json_integer_value(ts);
	o->last_snapshot_record = json_is_true(json_object_get(j, "last_snapshot_record"));
	o->snapshot_completed = json_is_true(json_object_get(j, "snapshot_completed"));
	return 0;
}

/* v as compact ASCII JSON cut to OFFSET_TEXT_MAX characters; malloc()ed. */
static char *quote_json(const json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);

	if (!t)
		return sl_strdup("?");
	if (strlen(t) > OFFSET_TEXT_MAX)
		strcpy(t + OFFSET_TEXT_MAX - 3, "...");
	return t;
}

int sl_pg_offset_load(const json_t *stored, const char *connector, const json_t *partition,
		      sl_pg_offset_t *o, char *errstr, size_t errstr_size)
{
	char why[256];
	char *text, *where;

	*o = (sl_pg_offset_t){.txid = -1};
	if (!stored)
		return 0;
	if (sl_pg_offset_from_json(stored, o, why, sizeof(why)) == 0)
		return 1;
	text = quote_json(stored);
	where = quote_json(partition);
	sl_seterr(errstr, errstr_size,
		  "the stored offset of connector '%s' for source partition %s is malformed: %s: "
		  "%s. Starting without it would take the snapshot again or stream from the "
		  "wrong place, so the task does not start. To recover: stop the worker and "
		  "run `sluice offsets reset --connector %s` (the connector then starts as a new "
		  "one: snapshot.mode decides), or fix the offset in the offset file "
		  "(offset.storage.file.filename) by hand",
		  connector, where, why, text, connector);
	free(text);
	free(where);
	return -1;
}

bool sl_pg_offset_snapshot_done(const sl_pg_offset_t *o)
{
	return !o->snapshot || o->last_snapshot_record || o->snapshot_completed;
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
