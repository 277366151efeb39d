/* Builds Debezium-compatible change events (key, envelope value, topic) from
 * decoded PostgreSQL rows, caching each relation's schemas and topic. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_event_priv.h"
#include "pg_util.h"
#include "sluice/array.h"
#include "sluice/data.h"
#include "sluice/util.h"

/* source.version: the Debezium release whose event format we produce. */
#define SL_PG_DEBEZIUM_VERSION "3.6.1.Final"
#define SOURCE_SCHEMA_NAME "io.debezium.connector.postgresql.Source"
#define DEFAULT_PLACEHOLDER "__debezium_unavailable_value"

/* What is cached per relation; rebuilt when the relation changes. */
typedef struct rel_entry {
	uint32_t oid;
	const char *topic;  /* in the builder's topics */
	char *label;        /* "schema.table", for messages */
	json_t *key_schema; /* NULL: no key columns */
	json_t *env_schema;
	json_t *schema_str, *table_str; /* for source */
	int ncols;
	sl_pgv_conv_t *convs;
	/* what the schemas were built from, to notice a changed relation */
	sl_pg_column_t *cols; /* names owned */
} rel_entry_t;

struct sl_pg_event_builder {
	const sl_pg_event_config_t *cfg;
	const sl_pg_types_t *types;
	rel_entry_t **rels; /* sorted by oid */
	size_t nrels, caprels;
	/* Every topic name handed out, kept until the builder is freed: the
	 * records of a batch point at them, and a Relation message in the same
	 * poll rebuilds (frees) the entry they came from. */
	char **topics;
	size_t ntopics, captopics;
	/* shared pieces, built once */
	json_t *source_field;      /* source schema with "field" */
	json_t *transaction_field; /* event.block schema with "field" */
	json_t *version_str, *connector_str, *name_str, *db_str, *empty_str;
	json_t *op_str[6]; /* c u d r t m */
	/* The last source block and what it was built from: consecutive events
	 * with the same source (every row of a snapshot batch) share one
	 * object instead of allocating ~40 pieces each. */
	json_t *source;
	sl_pg_source_info_t source_info;      /* .snapshot points to source_snapshot */
	char source_snapshot[8];              /* "false", "true", "first", "last" */
	char *source_origin;                  /* .origin points here (or NULL) */
	json_t *source_schema, *source_table; /* held, so their addresses stay unique */
	const char *placeholder;
	/* message events */
	char *message_topic;
	json_t *message_key_schema, *message_value_schema;
	char scratch[512];
};

/* ---- small helpers ------------------------------------------------------ */

static json_t *with_field(json_t *schema, const char *field)
{
	json_object_set_new(schema, "field", json_string(field));
	return schema;
}

static json_t *prim(const char *type, bool optional, const char *field)
{
	return json_pack("{s:s,s:b,s:s}", "type", type, "optional", optional, "field", field);
}

static json_t *struct_schema(json_t *fields, bool optional, const char *name, int version)
{
	json_t *s = json_object();

	json_object_set_new(s, "type", json_string("struct"));
	json_object_set_new(s, "fields", fields);
	json_object_set_new(s, "optional", json_boolean(optional));
	if (name)
		json_object_set_new(s, "name", json_string(name));
	if (version)
		json_object_set_new(s, "version", json_integer(version));
	return s;
}

static json_t *source_schema(void)
{
	json_t *f = json_array();
	json_t *snap =
		json_pack("{s:s,s:b,s:s,s:i,s:{s:s},s:s,s:s}", "type", "string", "optional", 1,
			  "name", "io.debezium.data.Enum", "version", 1, "parameters", "allowed",
			  "true,first,first_in_data_collection,last_in_data_collection,last,"
			  "false,incremental",
			  "default", "false", "field", "snapshot");

	json_array_append_new(f, prim("string", false, "version"));
	json_array_append_new(f, prim("string", false, "connector"));
	json_array_append_new(f, prim("string", false, "name"));
	json_array_append_new(f, prim("int64", false, "ts_ms"));
	json_array_append_new(f, snap);
	json_array_append_new(f, prim("string", false, "db"));
	json_array_append_new(f, prim("string", true, "sequence"));
	json_array_append_new(f, prim("int64", true, "ts_us"));
	json_array_append_new(f, prim("int64", true, "ts_ns"));
	json_array_append_new(f, prim("string", false, "schema"));
	json_array_append_new(f, prim("string", false, "table"));
	json_array_append_new(f, prim("int64", true, "txId"));
	json_array_append_new(f, prim("int64", true, "lsn"));
	json_array_append_new(f, prim("int64", true, "xmin"));
	/* Debezium 3.6: the transaction's replication origin, if any */
	json_array_append_new(f, prim("string", true, "origin"));
	json_array_append_new(f, prim("int64", true, "origin_lsn"));
	return with_field(struct_schema(f, false, SOURCE_SCHEMA_NAME, 1), "source");
}

static json_t *transaction_schema(void)
{
	json_t *f = json_array();

	json_array_append_new(f, prim("string", false, "id"));
	json_array_append_new(f, prim("int64", false, "total_order"));
	json_array_append_new(f, prim("int64", false, "data_collection_order"));
	return with_field(struct_schema(f, true, "event.block", 1), "transaction");
}

/* Kafka topic names allow [a-zA-Z0-9._-]; Debezium replaces the rest. */
static char *topic_name(const char *prefix, const char *schema, const char *table)
{
	char *t = table ? sl_asprintf("%s.%s.%s", prefix, schema, table)
			: sl_asprintf("%s.%s", prefix, schema);

	for (char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	return t;
}

static void now_ns(int64_t *ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the builder -------------------------------------------------------- */

sl_pg_event_builder_t *sl_pg_event_builder_new(const sl_pg_event_config_t *cfg,
					       const sl_pg_types_t *types)
{
	sl_pg_event_builder_t *b = sl_calloc(1, sizeof(*b));
	static const char *const ops[] = {"c", "u", "d", "r", "t", "m"};

	b->cfg = cfg;
	b->types = types;
	b->source_field = source_schema();
	b->transaction_field = transaction_schema();
	b->version_str = json_string(SL_PG_DEBEZIUM_VERSION);
	b->connector_str = json_string("postgresql");
	b->name_str = json_string(cfg->topic_prefix ? cfg->topic_prefix : "");
	b->db_str = json_string(cfg->database ? cfg->database : "");
	b->empty_str = json_string("");
	for (size_t i = 0; i < SL_ARRAY_LEN(ops); i++)
		b->op_str[i] = json_string(ops[i]);
	b->placeholder =
		cfg->unavailable_placeholder ? cfg->unavailable_placeholder : DEFAULT_PLACEHOLDER;
	return b;
}

static void entry_free(rel_entry_t *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->ncols; i++) {
		sl_pgv_conv_clear(&e->convs[i]);
		free(e->cols[i].name);
	}
	free(e->convs);
	free(e->cols);
	free(e->label);
	json_decref(e->key_schema);
	json_decref(e->env_schema);
	json_decref(e->schema_str);
	json_decref(e->table_str);
	free(e);
}

void sl_pg_event_builder_free(sl_pg_event_builder_t *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nrels; i++)
		entry_free(b->rels[i]);
	free(b->rels);
	for (size_t i = 0; i < b->ntopics; i++)
		free(b->topics[i]);
	free(b->topics);
	json_decref(b->source_field);
	json_decref(b->transaction_field);
	json_decref(b->version_str);
	json_decref(b->connector_str);
	json_decref(b->name_str);
	json_decref(b->db_str);
	json_decref(b->empty_str);
	for (size_t i = 0; i < SL_ARRAY_LEN(b->op_str); i++)
		json_decref(b->op_str[i]);
	json_decref(b->source);
	json_decref(b->source_schema);
	json_decref(b->source_table);
	free(b->source_origin);
	free(b->message_topic);
	json_decref(b->message_key_schema);
	json_decref(b->message_value_schema);
	free(b);
}

static uint32_t entry_oid_at(const void *rels, size_t i)
{
	return ((rel_entry_t *const *)rels)[i]->oid;
}

static size_t entry_index(const sl_pg_event_builder_t *b, uint32_t oid, bool *found)
{
	return sl_pg_oid_find(b->rels, b->nrels, oid, entry_oid_at, found);
}

void sl_pg_event_builder_invalidate(sl_pg_event_builder_t *b, uint32_t rel_oid)
{
	bool found;
	size_t i = entry_index(b, rel_oid, &found);

	if (!found)
		return;
	entry_free(b->rels[i]);
	memmove(b->rels + i, b->rels + i + 1, (b->nrels - i - 1) * sizeof(*b->rels));
	b->nrels--;
}

/* True when e was built from a relation that looks like rel. */
static bool entry_matches(const rel_entry_t *e, const sl_pg_relation_t *rel)
{
	if (e->ncols != rel->ncols)
		return false;
	for (int i = 0; i < e->ncols; i++) {
		const sl_pg_column_t *a = &e->cols[i], *c = &rel->cols[i];
		if (a->type_oid != c->type_oid || a->type_mod != c->type_mod || a->key != c->key ||
		    a->optional != c->optional || strcmp(a->name, c->name))
			return false;
	}
	return true;
}

/* The builder's copy of topic (taking it): the same string for the same
 * name, so rebuilding an entry keeps what earlier records point at. */
static const char *intern_topic(sl_pg_event_builder_t *b, char *topic)
{
	for (size_t i = 0; i < b->ntopics; i++)
		if (!strcmp(b->topics[i], topic)) {
			free(topic);
			return b->topics[i];
		}
	SL_ARRAY_RESERVE(b->topics, b->ntopics + 1, b->captopics);
	b->topics[b->ntopics++] = topic;
	return topic;
}

/* The envelope schema: before, after, source, transaction, op, ts_*. */
static json_t *envelope_schema(sl_pg_event_builder_t *b, json_t *row, const char *name)
{
	json_t *f = json_array();

	json_array_append_new(f, with_field(json_deep_copy(row), "before"));
	json_array_append_new(f, with_field(json_deep_copy(row), "after"));
	json_array_append(f, b->source_field);
	json_array_append(f, b->transaction_field);
	json_array_append_new(f, prim("string", false, "op"));
	json_array_append_new(f, prim("int64", true, "ts_ms"));
	json_array_append_new(f, prim("int64", true, "ts_us"));
	json_array_append_new(f, prim("int64", true, "ts_ns"));
	return struct_schema(f, false, name, 2);
}

static rel_entry_t *entry_build(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel)
{
	rel_entry_t *e = sl_calloc(1, sizeof(*e));
	json_t *fields = json_array(), *keys = json_array();
	char *base = sl_asprintf("%s.%s.%s", b->cfg->topic_prefix, rel->schema, rel->table);
	char *name;

	e->oid = rel->oid;
	e->topic = intern_topic(b, topic_name(b->cfg->topic_prefix, rel->schema, rel->table));
	e->label = sl_asprintf("%s.%s", rel->schema, rel->table);
	e->schema_str = json_string(rel->schema);
	e->table_str = json_string(rel->table);
	e->ncols = rel->ncols;
	e->convs = sl_calloc((size_t)rel->ncols + 1, sizeof(*e->convs));
	e->cols = sl_calloc((size_t)rel->ncols + 1, sizeof(*e->cols));
	for (int i = 0; i < rel->ncols; i++) {
		const sl_pg_column_t *c = &rel->cols[i];
		json_t *s;
		e->cols[i] = *c;
		e->cols[i].name = sl_strdup(c->name);
		sl_pgv_resolve(b->types, b->cfg, c->type_oid, c->type_mod, c->optional,
			       &e->convs[i], &s);
		with_field(s, c->name);
		if (c->key)
			json_array_append(keys, s);
		json_array_append_new(fields, s);
	}
	name = sl_asprintf("%s.Value", base);
	json_t *row = struct_schema(fields, true, name, 0);
	free(name);
	name = sl_asprintf("%s.Envelope", base);
	e->env_schema = envelope_schema(b, row, name);
	free(name);
	json_decref(row);
	if (json_array_size(keys)) {
		name = sl_asprintf("%s.Key", base);
		e->key_schema = struct_schema(keys, false, name, 0);
		free(name);
	} else {
		json_decref(keys);
	}
	free(base);
	return e;
}

/* The cached entry for rel, (re)built when missing or stale. */
static rel_entry_t *entry_get(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel)
{
	bool found;
	size_t i = entry_index(b, rel->oid, &found);

	if (found && entry_matches(b->rels[i], rel))
		return b->rels[i];
	if (found) {
		entry_free(b->rels[i]);
		b->rels[i] = entry_build(b, rel);
		return b->rels[i];
	}
	SL_ARRAY_RESERVE(b->rels, b->nrels + 1, b->caprels);
	memmove(b->rels + i + 1, b->rels + i, (b->nrels - i) * sizeof(*b->rels));
	b->rels[i] = entry_build(b, rel);
	b->nrels++;
	return b->rels[i];
}

/* ---- payloads ----------------------------------------------------------- */

static int value_error(const rel_entry_t *e, int col, const sl_pg_datum_t *dt, const char *why,
		       char *errstr, size_t errstr_size)
{
	int n = dt->len > 128 ? 128 : (int)dt->len;

	return sl_seterr(errstr, errstr_size, "table %s, column %s (%s): value \"%.*s\"%s is %s",
			 e->label, e->cols[col].name, e->convs[col].type_name, n,
			 dt->data ? dt->data : "", dt->len > 128 ? "..." : "", why);
}

/* The value a required column gets when pgoutput did not send it (the
 * non-key columns of a delete's old key tuple): the type's zero, as
 * Debezium fills such fields, so the record still matches its schema. */
static json_t *required_fallback(const sl_pgv_conv_t *conv)
{
	switch (conv->kind) {
	case SL_PGV_BOOL:
		return json_false();
	case SL_PGV_FLOAT32:
	case SL_PGV_FLOAT64:
	case SL_PGV_NUM_DOUBLE:
		return json_real(0.0);
	case SL_PGV_DECIMAL:
		return json_string("AA=="); /* unscaled 0 */
	case SL_PGV_VSDECIMAL:
		return json_pack("{s:i,s:s}", "scale", 0, "value", "AA==");
	case SL_PGV_NUM_STRING:
		/* Debezium's money in string mode: "0.00" */
		return json_string(conv->text == SL_PGV_TEXT_MONEY ? "0.00" : "");
	case SL_PGV_STRING:
	case SL_PGV_BYTES:
	case SL_PGV_ZONED_TS:
	case SL_PGV_ZONED_TIME:
		return json_string("");
	case SL_PGV_ARRAY:
		return json_array();
	case SL_PGV_POINT: /* Debezium's Point.createValue(0, 0) */
		return json_pack("{s:f,s:f,s:s,s:n}", "x", 0.0, "y", 0.0, "wkb",
				 "AQEAAAAAAAAAAAAAAAAAAAAAAAAA", "srid");
	default:
		return json_integer(0); /* ints, dates, times, timestamps */
	}
}

static json_t *column_value(sl_pg_event_builder_t *b, const rel_entry_t *e, int i,
			    const sl_pg_tuple_t *t, const sl_pg_tuple_t *old, char *errstr,
			    size_t errstr_size)
{
	const sl_pg_datum_t *dt = &t->cols[i];
	json_t *v = NULL;

	switch (dt->kind) {
	case SL_PG_NULL:
		return e->cols[i].optional ? json_null() : required_fallback(&e->convs[i]);
	case SL_PG_UNCHANGED_TOAST:
		/* REPLICA IDENTITY FULL: the old row has the value */
		if (old && old->cols[i].kind == SL_PG_TEXT)
			return column_value(b, e, i, old, NULL, errstr, errstr_size);
		v = sl_pgv_placeholder(&e->convs[i], b->placeholder);
		return v ? v : json_null();
	case SL_PG_TEXT:
		if (sl_pgv_parse(&e->convs[i], dt->data, dt->len, &v, b->scratch,
				 sizeof(b->scratch)) < 0) {
			value_error(e, i, dt, b->scratch, errstr, errstr_size);
			return NULL;
		}
		return v;
	case SL_PG_BINARY:
	default:
		sl_seterr(errstr, errstr_size,
			  "table %s, column %s: binary column values are not supported (use "
			  "pgoutput without the binary option)",
			  e->label, e->cols[i].name);
		return NULL;
	}
}

/* The row struct payload of t; old (may be NULL) fills unchanged TOASTed
 * values. NULL with errstr on a value that does not parse. */
static json_t *row_json(sl_pg_event_builder_t *b, const rel_entry_t *e, const sl_pg_tuple_t *t,
			const sl_pg_tuple_t *old, char *errstr, size_t errstr_size)
{
	json_t *row = json_object();

	if (t->ncols != e->ncols) {
		json_decref(row);
		sl_seterr(errstr, errstr_size, "table %s: tuple has %d columns, relation has %d",
			  e->label, t->ncols, e->ncols);
		return NULL;
	}
	if (old && old->ncols != e->ncols)
		old = NULL;
	for (int i = 0; i < e->ncols; i++) {
		json_t *v = column_value(b, e, i, t, old, errstr, errstr_size);
		if (!v) {
			json_decref(row);
			return NULL;
		}
		json_object_set_new_nocheck(row, e->cols[i].name, v);
	}
	return row;
}

static json_t *key_json(const rel_entry_t *e, const json_t *row)
{
	json_t *key = json_object();

	for (int i = 0; i < e->ncols; i++)
		if (e->cols[i].key)
			json_object_set_nocheck(key, e->cols[i].name,
						json_object_get(row, e->cols[i].name));
	return key;
}

static json_t *lsn_or_null(uint64_t lsn)
{
	return lsn ? json_integer((json_int_t)lsn) : json_null();
}

static json_t *source_json(sl_pg_event_builder_t *b, json_t *schema, json_t *table,
			   const sl_pg_source_info_t *src)
{
	json_t *s = json_object();
	int64_t us = src->ts_us ? src->ts_us : src->ts_ms * 1000;
	char seq[64];

	json_object_set_nocheck(s, "version", b->version_str);
	json_object_set_nocheck(s, "connector", b->connector_str);
	json_object_set_nocheck(s, "name", b->name_str);
	json_object_set_new_nocheck(s, "ts_ms", json_integer(src->ts_ms));
	json_object_set_new_nocheck(s, "snapshot",
				    json_string(src->snapshot ? src->snapshot : "false"));
	json_object_set_nocheck(s, "db", b->db_str);
	if (src->last_commit_lsn)
		snprintf(seq, sizeof(seq), "[\"%" PRIu64 "\",", src->last_commit_lsn);
	else
		snprintf(seq, sizeof(seq), "[null,");
	size_t n = strlen(seq);
	if (src->lsn)
		snprintf(seq + n, sizeof(seq) - n, "\"%" PRIu64 "\"]", src->lsn);
	else
		snprintf(seq + n, sizeof(seq) - n, "null]");
	json_object_set_new_nocheck(s, "sequence", json_string(seq));
	json_object_set_new_nocheck(s, "ts_us", json_integer(us));
	/* null past 2262, where nanoseconds leave 64 bits (a server clock gone
	 * wrong: a commit time is the server's) */
	int64_t ns;
	json_object_set_new_nocheck(
		s, "ts_ns", __builtin_mul_overflow(us, 1000, &ns) ? json_null() : json_integer(ns));
	json_object_set_nocheck(s, "schema", schema);
	json_object_set_nocheck(s, "table", table);
	json_object_set_new_nocheck(s, "txId",
				    src->txid >= 0 ? json_integer(src->txid) : json_null());
	json_object_set_new_nocheck(s, "lsn", lsn_or_null(src->lsn));
	json_object_set_new_nocheck(s, "xmin", json_null());
	json_object_set_new_nocheck(s, "origin",
				    src->origin ? json_string(src->origin) : json_null());
	json_object_set_new_nocheck(s, "origin_lsn",
				    src->origin ? json_integer((json_int_t)src->origin_lsn)
						: json_null());
	return s;
}

static bool same_origin(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_source(const sl_pg_source_info_t *a, const sl_pg_source_info_t *b)
{
	return a->ts_ms == b->ts_ms && a->ts_us == b->ts_us && a->txid == b->txid &&
	       a->lsn == b->lsn && a->last_commit_lsn == b->last_commit_lsn &&
	       same_origin(a->origin, b->origin) && a->origin_lsn == b->origin_lsn &&
	       !strcmp(a->snapshot ? a->snapshot : "false", b->snapshot ? b->snapshot : "false");
}

/* The source block of src: the previous one again when nothing differs
 * (a new reference either way). */
static json_t *shared_source(sl_pg_event_builder_t *b, json_t *schema, json_t *table,
			     const sl_pg_source_info_t *src)
{
	if (!b->source || b->source_schema != schema || b->source_table != table ||
	    !same_source(&b->source_info, src)) {
		json_decref(b->source);
		json_decref(b->source_schema);
		json_decref(b->source_table);
		b->source = source_json(b, schema, table, src);
		b->source_info = *src;
		snprintf(b->source_snapshot, sizeof(b->source_snapshot), "%s",
			 src->snapshot ? src->snapshot : "false");
		b->source_info.snapshot = b->source_snapshot;
		/* src->origin is the decoder's, gone after the next message */
		free(b->source_origin);
		b->source_origin = src->origin ? sl_strdup(src->origin) : NULL;
		b->source_info.origin = b->source_origin;
		b->source_schema = json_incref(schema);
		b->source_table = json_incref(table);
	}
	return json_incref(b->source);
}

static json_t *op_json(sl_pg_event_builder_t *b, char op)
{
	const char *ops = "cudrtm";
	const char *p = strchr(ops, op);
	return json_incref(b->op_str[p - ops]);
}

static void put_times(json_t *env)
{
	int64_t ns;

	now_ns(&ns);
	json_object_set_new_nocheck(env, "ts_ms", json_integer(ns / 1000000));
	json_object_set_new_nocheck(env, "ts_us", json_integer(ns / 1000));
	json_object_set_new_nocheck(env, "ts_ns", json_integer(ns));
}

static json_t *envelope(sl_pg_event_builder_t *b, const rel_entry_t *e, json_t *before,
			json_t *after, char op, const sl_pg_source_info_t *src)
{
	json_t *env = json_object();

	json_object_set_new_nocheck(env, "before", before ? before : json_null());
	json_object_set_new_nocheck(env, "after", after ? after : json_null());
	json_object_set_new_nocheck(env, "source",
				    shared_source(b, e->schema_str, e->table_str, src));
	json_object_set_new_nocheck(env, "transaction", json_null());
	json_object_set_new_nocheck(env, "op", op_json(b, op));
	put_times(env);
	return env;
}

int sl_pg_event_build(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel, char op,
		      const sl_pg_tuple_t *before, const sl_pg_tuple_t *after,
		      const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
		      const char **topic, char *errstr, size_t errstr_size)
{
	json_t *bj = NULL, *aj = NULL;

	if (!op || !strchr("cudr", op))
		return sl_seterr(errstr, errstr_size, "event op '%c' is not c, u, d or r",
				 op ? op : '?');
	rel_entry_t *e = entry_get(b, rel);
	if (before && !(bj = row_json(b, e, before, NULL, errstr, errstr_size)))
		return -1;
	if (after && !(aj = row_json(b, e, after, before, errstr, errstr_size))) {
		json_decref(bj);
		return -1;
	}
	json_t *keysrc = aj ? aj : bj;
	if (e->key_schema && keysrc)
		sl_value_set_json(key, key_json(e, keysrc), json_incref(e->key_schema));
	else
		sl_value_clear(key);
	sl_value_set_json(value, envelope(b, e, bj, aj, op, src), json_incref(e->env_schema));
	*topic = e->topic;
	return 0;
}

int sl_pg_event_build_truncate(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel,
			       const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
			       const char **topic, char *errstr, size_t errstr_size)
{
	rel_entry_t *e = entry_get(b, rel);

	sl_value_clear(key);
	sl_value_set_json(value, envelope(b, e, NULL, NULL, 't', src), json_incref(e->env_schema));
	*topic = e->topic;
	return 0;
}

/* ---- logical decoding messages ------------------------------------------ */

static void message_schemas(sl_pg_event_builder_t *b)
{
	json_t *kf = json_array(), *mf = json_array(), *vf = json_array();

	json_array_append_new(kf, prim("string", true, "prefix"));
	b->message_key_schema =
		struct_schema(kf, false, "io.debezium.connector.postgresql.MessageKey", 1);
	json_array_append_new(mf, prim("string", true, "prefix"));
	json_array_append_new(mf, prim("bytes", true, "content"));
	json_array_append_new(vf, prim("string", false, "op"));
	json_array_append_new(vf, prim("int64", true, "ts_ms"));
	json_array_append(vf, b->source_field);
	json_array_append(vf, b->transaction_field);
	json_array_append_new(
		vf,
		with_field(struct_schema(mf, false, "io.debezium.connector.postgresql.Message", 1),
			   "message"));
	b->message_value_schema =
		struct_schema(vf, false, "io.debezium.connector.postgresql.MessageValue", 1);
	b->message_topic = topic_name(b->cfg->topic_prefix, "message", NULL);
}

int sl_pg_event_build_message(sl_pg_event_builder_t *b, const sl_pg_msg_t *msg,
			      const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
			      const char **topic, char *errstr, size_t errstr_size)
{
	const char *prefix = msg->prefix ? msg->prefix : "";
	json_t *v = json_object(), *m = json_object();
	int64_t ns;

	if (msg->type != 'M')
		return sl_seterr(errstr, errstr_size, "pgoutput %c message is not a Message",
				 msg->type);
	if (!b->message_key_schema)
		message_schemas(b);
	char *b64 = sl_base64_encode(msg->content ? msg->content : "", msg->content_len);
	json_object_set_new(m, "prefix", json_stringn_nocheck(prefix, strlen(prefix)));
	json_object_set_new(m, "content", json_string(b64));
	free(b64);
	now_ns(&ns);
	json_object_set_new(v, "op", op_json(b, 'm'));
	json_object_set_new(v, "ts_ms", json_integer(ns / 1000000));
	json_object_set_new(v, "source", source_json(b, b->empty_str, b->empty_str, src));
	json_object_set_new(v, "transaction", json_null());
	json_object_set_new(v, "message", m);
	json_t *kj = json_object();
	json_object_set_new(kj, "prefix", json_stringn_nocheck(prefix, strlen(prefix)));
	sl_value_set_json(key, kj, json_incref(b->message_key_schema));
	sl_value_set_json(value, v, json_incref(b->message_value_schema));
	*topic = b->message_topic;
	return 0;
}
