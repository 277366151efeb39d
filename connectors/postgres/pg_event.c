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
/* The member of the source block that says which snapshot row it is. */
#define SNAPSHOT_MEMBER ",\"snapshot\":"

/* Where a column's value text lies in the buffer its row went to. */
typedef struct span {
	size_t start, end;
} span_t;

/* What is cached per relation; rebuilt when the relation changes. */
typedef struct rel_entry {
	uint32_t oid;
	const char *topic;  /* in the builder's topics */
	char *label;        /* "schema.table", for messages */
	json_t *key_schema; /* NULL: no key columns */
	json_t *env_schema;
	char *rel_schema, *rel_table; /* for source */
	int ncols;
	sl_pgv_conv_t *convs;
	json_t **col_schemas;   /* each column's (float32 values are written by it) */
	sl_field_name_t *names; /* each column's name and its JSON key text */
	span_t *keys;           /* the last row's value texts, for its key */
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
	json_t *source_field;        /* source schema with "field" */
	json_t *transaction_field;   /* event.block schema with "field" */
	sl_buf_t name_json, db_json; /* source.name and source.db as JSON text */
	/* The last source block's text and what it was written from:
	 * consecutive events with the same source (every row of a snapshot
	 * batch) copy it. */
	sl_buf_t source;
	char *source_schema, *source_table; /* its table's names */
	sl_pg_source_info_t source_info;    /* .snapshot points to source_snapshot */
	char source_snapshot[32];           /* "false", "true", "first", "last", ... */
	char *source_origin;                /* .origin points here (or NULL) */
	sl_buf_t text, key_text;            /* the event being written */
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
	const char *name = cfg->topic_prefix ? cfg->topic_prefix : "";
	const char *db = cfg->database ? cfg->database : "";

	b->cfg = cfg;
	b->types = types;
	b->source_field = source_schema();
	b->transaction_field = transaction_schema();
	sl_json_write_string(&b->name_json, name, strlen(name));
	sl_json_write_string(&b->db_json, db, strlen(db));
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
		json_decref(e->col_schemas[i]);
		sl_field_name_free(&e->names[i]);
	}
	free(e->convs);
	free(e->cols);
	free(e->col_schemas);
	free(e->names);
	free(e->keys);
	free(e->label);
	json_decref(e->key_schema);
	json_decref(e->env_schema);
	free(e->rel_schema);
	free(e->rel_table);
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
	sl_buf_free(&b->name_json);
	sl_buf_free(&b->db_json);
	sl_buf_free(&b->source);
	sl_buf_free(&b->text);
	sl_buf_free(&b->key_text);
	free(b->source_origin);
	free(b->source_schema);
	free(b->source_table);
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
	e->rel_schema = sl_strdup(rel->schema);
	e->rel_table = sl_strdup(rel->table);
	e->ncols = rel->ncols;
	e->convs = sl_calloc((size_t)rel->ncols + 1, sizeof(*e->convs));
	e->cols = sl_calloc((size_t)rel->ncols + 1, sizeof(*e->cols));
	e->col_schemas = sl_calloc((size_t)rel->ncols + 1, sizeof(*e->col_schemas));
	e->names = sl_calloc((size_t)rel->ncols + 1, sizeof(*e->names));
	e->keys = sl_calloc((size_t)rel->ncols + 1, sizeof(*e->keys));
	for (int i = 0; i < rel->ncols; i++) {
		const sl_pg_column_t *c = &rel->cols[i];
		json_t *s;
		e->cols[i] = *c;
		e->cols[i].name = sl_strdup(c->name);
		sl_pgv_resolve(b->types, b->cfg, c->type_oid, c->type_mod, c->optional,
			       &e->convs[i], &s);
		e->col_schemas[i] = json_incref(s);
		sl_field_name_init(&e->names[i], c->name, strlen(c->name));
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

/* ---- payloads: JSON text written straight from the row ------------------
 * An event's key and value are JSON_TEXT values: the text the JSON
 * converter writes for them, made without a JSON tree. */

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
static const char *required_fallback(const sl_pgv_conv_t *conv)
{
	switch (conv->kind) {
	case SL_PGV_BOOL:
		return "false";
	case SL_PGV_FLOAT32:
	case SL_PGV_FLOAT64:
	case SL_PGV_NUM_DOUBLE:
		return "0.0";
	case SL_PGV_DECIMAL:
		return "\"AA==\""; /* unscaled 0 */
	case SL_PGV_VSDECIMAL:
		return "{\"scale\":0,\"value\":\"AA==\"}";
	case SL_PGV_NUM_STRING:
		/* Debezium's money in string mode: "0.00" */
		return conv->text == SL_PGV_TEXT_MONEY ? "\"0.00\"" : "\"\"";
	case SL_PGV_STRING:
	case SL_PGV_BYTES:
	case SL_PGV_ZONED_TS:
	case SL_PGV_ZONED_TIME:
		return "\"\"";
	case SL_PGV_ARRAY:
		return "[]";
	case SL_PGV_POINT: /* Debezium's Point.createValue(0, 0) */
		return "{\"x\":0.0,\"y\":0.0,\"wkb\":\"AQEAAAAAAAAAAAAAAAAAAAAAAAAA\",\"srid\":"
		       "null}";
	default:
		return "0"; /* ints, dates, times, timestamps */
	}
}

static int write_column(sl_pg_event_builder_t *b, const rel_entry_t *e, int i,
			const sl_pg_tuple_t *t, const sl_pg_tuple_t *old, sl_buf_t *out,
			char *errstr, size_t errstr_size)
{
	const sl_pg_datum_t *dt = &t->cols[i];
	json_t *v;

	switch (dt->kind) {
	case SL_PG_NULL:
		sl_buf_append_str(out,
				  e->cols[i].optional ? "null" : required_fallback(&e->convs[i]));
		return 0;
	case SL_PG_UNCHANGED_TOAST:
		/* REPLICA IDENTITY FULL: the old row has the value */
		if (old && old->cols[i].kind == SL_PG_TEXT)
			return write_column(b, e, i, old, NULL, out, errstr, errstr_size);
		v = sl_pgv_placeholder(&e->convs[i], b->placeholder);
		sl_json_write(out, v, e->col_schemas[i]);
		json_decref(v);
		return 0;
	case SL_PG_TEXT:
		if (sl_pgv_write(&e->convs[i], e->col_schemas[i], dt->data, dt->len, out,
				 b->scratch, sizeof(b->scratch)) < 0)
			return value_error(e, i, dt, b->scratch, errstr, errstr_size);
		return 0;
	case SL_PG_BINARY:
	default:
		return sl_seterr(errstr, errstr_size,
				 "table %s, column %s: binary column values are not supported (use "
				 "pgoutput without the binary option)",
				 e->label, e->cols[i].name);
	}
}

/* Appends the row struct payload of t; old (may be NULL) fills unchanged
 * TOASTed values; keys (may be NULL) gets where each column's value is.
 * -1 with errstr on a value that does not parse. */
static int write_row(sl_pg_event_builder_t *b, const rel_entry_t *e, const sl_pg_tuple_t *t,
		     const sl_pg_tuple_t *old, sl_buf_t *out, span_t *keys, char *errstr,
		     size_t errstr_size)
{
	if (t->ncols != e->ncols)
		return sl_seterr(errstr, errstr_size,
				 "table %s: tuple has %d columns, relation has %d", e->label,
				 t->ncols, e->ncols);
	if (old && old->ncols != e->ncols)
		old = NULL;
	for (int i = 0; i < e->ncols; i++) {
		sl_buf_append_char(out, i ? ',' : '{');
		sl_buf_append(out, e->names[i].json, e->names[i].json_len);
		size_t start = out->len;
		if (write_column(b, e, i, t, old, out, errstr, errstr_size) < 0)
			return -1;
		if (keys)
			keys[i] = (span_t){start, out->len};
	}
	sl_buf_append_char(out, '}');
	return 0;
}

/* The key struct's text: the key columns' values as the row has them. */
static void write_key(const rel_entry_t *e, const sl_buf_t *row, const span_t *keys, sl_buf_t *out)
{
	bool first = true;

	for (int i = 0; i < e->ncols; i++) {
		if (!e->cols[i].key)
			continue;
		sl_buf_append_char(out, first ? '{' : ',');
		first = false;
		sl_buf_append(out, e->names[i].json, e->names[i].json_len);
		sl_buf_append(out, row->data + keys[i].start, keys[i].end - keys[i].start);
	}
	sl_buf_append_char(out, '}');
}

static void put_int(sl_buf_t *out, const char *member, int64_t v)
{
	sl_buf_append_str(out, member);
	sl_buf_append_int(out, v);
}

/* An LSN (below 2^63 in any real WAL) or null for none. */
static void put_lsn(sl_buf_t *out, const char *member, uint64_t lsn)
{
	sl_buf_append_str(out, member);
	if (lsn)
		sl_buf_append_int(out, (int64_t)lsn);
	else
		sl_buf_append_str(out, "null");
}

/* An LSN as a quoted string inside a JSON string (\"123\"), or null. */
static void put_quoted_lsn(sl_buf_t *out, uint64_t lsn)
{
	if (!lsn) {
		sl_buf_append_str(out, "null");
		return;
	}
	sl_buf_append_str(out, "\\\"");
	sl_buf_append_uint(out, lsn);
	sl_buf_append_str(out, "\\\"");
}

/* The source block of src for a table ("" for none) into out. */
static void write_source(sl_pg_event_builder_t *b, const char *schema, const char *table,
			 const sl_pg_source_info_t *src, sl_buf_t *out)
{
	int64_t us = src->ts_us ? src->ts_us : src->ts_ms * 1000, ns;

	sl_buf_append_str(out, "{\"version\":\"" SL_PG_DEBEZIUM_VERSION
			       "\",\"connector\":\"postgresql\",\"name\":");
	sl_buf_append(out, b->name_json.data, b->name_json.len);
	put_int(out, ",\"ts_ms\":", src->ts_ms);
	sl_buf_append_str(out, SNAPSHOT_MEMBER);
	sl_json_write_string(out, src->snapshot ? src->snapshot : "false",
			     strlen(src->snapshot ? src->snapshot : "false"));
	sl_buf_append_str(out, ",\"db\":");
	sl_buf_append(out, b->db_json.data, b->db_json.len);
	/* sequence: ["<last commit LSN>","<LSN>"], nulls for none */
	sl_buf_append_str(out, ",\"sequence\":\"[");
	put_quoted_lsn(out, src->last_commit_lsn);
	sl_buf_append_char(out, ',');
	put_quoted_lsn(out, src->lsn);
	sl_buf_append_str(out, "]\"");
	put_int(out, ",\"ts_us\":", us);
	/* null past 2262, where nanoseconds leave 64 bits (a server clock gone
	 * wrong: a commit time is the server's) */
	if (__builtin_mul_overflow(us, 1000, &ns))
		sl_buf_append_str(out, ",\"ts_ns\":null");
	else
		put_int(out, ",\"ts_ns\":", ns);
	sl_buf_append_str(out, ",\"schema\":");
	sl_json_write_string(out, schema, strlen(schema));
	sl_buf_append_str(out, ",\"table\":");
	sl_json_write_string(out, table, strlen(table));
	if (src->txid >= 0)
		put_int(out, ",\"txId\":", src->txid);
	else
		sl_buf_append_str(out, ",\"txId\":null");
	put_lsn(out, ",\"lsn\":", src->lsn);
	sl_buf_append_str(out, ",\"xmin\":null,\"origin\":");
	if (src->origin) {
		sl_json_write_string(out, src->origin, strlen(src->origin));
		put_int(out, ",\"origin_lsn\":", (int64_t)src->origin_lsn);
	} else {
		sl_buf_append_str(out, "null,\"origin_lsn\":null");
	}
	sl_buf_append_char(out, '}');
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

/* Appends the source block of src for e's table (NULL: none): the text
 * of the previous event again when nothing differs (every row of a
 * snapshot batch). */
static void put_source(sl_pg_event_builder_t *b, const rel_entry_t *e,
		       const sl_pg_source_info_t *src, sl_buf_t *out)
{
	const char *schema = e ? e->rel_schema : "", *table = e ? e->rel_table : "";

	if (!b->source.len || strcmp(b->source_schema, schema) || strcmp(b->source_table, table) ||
	    !same_source(&b->source_info, src)) {
		sl_buf_reset(&b->source);
		write_source(b, schema, table, src, &b->source);
		b->source_info = *src;
		snprintf(b->source_snapshot, sizeof(b->source_snapshot), "%s",
			 src->snapshot ? src->snapshot : "false");
		b->source_info.snapshot = b->source_snapshot;
		/* src->origin is the decoder's, gone after the next message */
		free(b->source_origin);
		b->source_origin = src->origin ? sl_strdup(src->origin) : NULL;
		b->source_info.origin = b->source_origin;
		free(b->source_schema);
		free(b->source_table);
		b->source_schema = sl_strdup(schema);
		b->source_table = sl_strdup(table);
	}
	sl_buf_append(out, b->source.data, b->source.len);
}

/* ts_ms, ts_us and ts_ns of now: the digits of the nanoseconds once; the
 * others are their first digits. */
static void put_times(sl_buf_t *out)
{
	int64_t ns;
	char digits[20];

	now_ns(&ns);
	if (ns < 1000000) { /* not a clock of this century */
		put_int(out, ",\"ts_ms\":", ns / 1000000);
		put_int(out, ",\"ts_us\":", ns / 1000);
		put_int(out, ",\"ts_ns\":", ns);
		return;
	}
	size_t n = sl_uint_digits((uint64_t)ns, digits);
	sl_buf_append_str(out, ",\"ts_ms\":");
	sl_buf_append(out, digits, n - 6);
	sl_buf_append_str(out, ",\"ts_us\":");
	sl_buf_append(out, digits, n - 3);
	sl_buf_append_str(out, ",\"ts_ns\":");
	sl_buf_append(out, digits, n);
}

/* A copy of buf's text as a JSON_TEXT value of schema (a new reference). */
static void set_text(sl_value_t *v, const sl_buf_t *buf, json_t *schema)
{
	char *text = sl_malloc(buf->len + 1);

	memcpy(text, buf->data, buf->len + 1);
	sl_value_take_json_text(v, text, buf->len, json_incref(schema));
}

/* The envelope of a change (before and after may be NULL) into b->text,
 * the key struct's text into b->key_text (empty for none). */
static int write_envelope(sl_pg_event_builder_t *b, rel_entry_t *e, char op,
			  const sl_pg_tuple_t *before, const sl_pg_tuple_t *after,
			  const sl_pg_source_info_t *src, char *errstr, size_t errstr_size)
{
	sl_buf_t *out = &b->text;
	const sl_pg_tuple_t *keysrc = after ? after : before;

	sl_buf_reset(out);
	sl_buf_reset(&b->key_text);
	sl_buf_append_str(out, "{\"before\":");
	if (before ? write_row(b, e, before, NULL, out, keysrc == before ? e->keys : NULL, errstr,
			       errstr_size) < 0
		   : (sl_buf_append_str(out, "null"), 0))
		return -1;
	sl_buf_append_str(out, ",\"after\":");
	if (after ? write_row(b, e, after, before, out, e->keys, errstr, errstr_size) < 0
		  : (sl_buf_append_str(out, "null"), 0))
		return -1;
	if (e->key_schema && keysrc)
		write_key(e, out, e->keys, &b->key_text);
	sl_buf_append_str(out, ",\"source\":");
	put_source(b, e, src, out);
	sl_buf_append_str(out, ",\"transaction\":null,\"op\":\"");
	sl_buf_append_char(out, op);
	sl_buf_append_char(out, '"');
	put_times(out);
	sl_buf_append_char(out, '}');
	return 0;
}

int sl_pg_event_build(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel, char op,
		      const sl_pg_tuple_t *before, const sl_pg_tuple_t *after,
		      const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
		      const char **topic, char *errstr, size_t errstr_size)
{
	if (!op || !strchr("cudr", op))
		return sl_seterr(errstr, errstr_size, "event op '%c' is not c, u, d or r",
				 op ? op : '?');
	rel_entry_t *e = entry_get(b, rel);
	if (write_envelope(b, e, op, before, after, src, errstr, errstr_size) < 0)
		return -1;
	if (b->key_text.len)
		set_text(key, &b->key_text, e->key_schema);
	else
		sl_value_clear(key);
	set_text(value, &b->text, e->env_schema);
	*topic = e->topic;
	return 0;
}

int sl_pg_event_build_truncate(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel,
			       const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
			       const char **topic, char *errstr, size_t errstr_size)
{
	rel_entry_t *e = entry_get(b, rel);

	if (write_envelope(b, e, 't', NULL, NULL, src, errstr, errstr_size) < 0)
		return -1;
	sl_value_clear(key);
	set_text(value, &b->text, e->env_schema);
	*topic = e->topic;
	return 0;
}

/* The last `,"snapshot":"` of an event's text is its source block's: the
 * rows come before it (where a column may have that name) and nothing
 * after it has one; no JSON string's content can hold it, as every '"' in
 * one is escaped. */
static const char *snapshot_member(const sl_value_t *v)
{
	size_t n = strlen(SNAPSHOT_MEMBER);

	if (v->kind != SL_VALUE_JSON_TEXT || v->len < n)
		return NULL;
	for (const char *p = v->data + v->len - n; p >= v->data; p--)
		if (!memcmp(p, SNAPSHOT_MEMBER, n))
			return p + n;
	return NULL;
}

bool sl_pg_event_snapshot_marker(const sl_value_t *value, char *out, size_t size)
{
	const char *m = snapshot_member(value);
	const char *end = m ? memchr(m + 1, '"', value->len - (size_t)(m + 1 - value->data)) : NULL;

	if (!end || (size_t)(end - m - 1) >= size)
		return false;
	memcpy(out, m + 1, (size_t)(end - m - 1));
	out[end - m - 1] = '\0';
	return true;
}

bool sl_pg_event_set_snapshot_marker(sl_value_t *value, const char *marker)
{
	const char *m = snapshot_member(value);
	const char *end = m ? memchr(m + 1, '"', value->len - (size_t)(m + 1 - value->data)) : NULL;
	sl_buf_t text = {0};

	if (!end)
		return false;
	sl_buf_append(&text, value->data, (size_t)(m - value->data));
	sl_json_write_string(&text, marker, strlen(marker));
	sl_buf_append(&text, end + 1, value->len - (size_t)(end + 1 - value->data));
	json_t *schema = value->schema ? json_incref(value->schema) : NULL;
	size_t len = text.len;
	sl_value_take_json_text(value, sl_buf_steal(&text), len, schema);
	return true;
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
	sl_buf_t *out = &b->text;
	int64_t ns;

	if (msg->type != 'M')
		return sl_seterr(errstr, errstr_size, "pgoutput %c message is not a Message",
				 msg->type);
	if (!b->message_key_schema)
		message_schemas(b);
	now_ns(&ns);
	sl_buf_reset(out);
	sl_buf_append_str(out, "{\"op\":\"m\"");
	put_int(out, ",\"ts_ms\":", ns / 1000000);
	sl_buf_append_str(out, ",\"source\":");
	put_source(b, NULL, src, out);
	sl_buf_append_str(out, ",\"transaction\":null,\"message\":{\"prefix\":");
	sl_json_write_string(out, prefix, strlen(prefix));
	sl_buf_append_str(out, ",\"content\":\"");
	sl_base64_append(out, msg->content ? msg->content : "", msg->content_len);
	sl_buf_append_str(out, "\"}}");
	set_text(value, out, b->message_value_schema);
	sl_buf_reset(&b->key_text);
	sl_buf_append_str(&b->key_text, "{\"prefix\":");
	sl_json_write_string(&b->key_text, prefix, strlen(prefix));
	sl_buf_append_char(&b->key_text, '}');
	set_text(key, &b->key_text, b->message_key_schema);
	*topic = b->message_topic;
	return 0;
}
