/* Debezium-compatible change events from decoded PostgreSQL rows: the key
 * struct, the value envelope (before, after, source, op, ts_ms) with
 * Debezium's schema names, the type mapping, and topic names
 * "<topic.prefix>.<schema>.<table>". Pure: no libpq, no worker state. */
#ifndef SL_PG_EVENT_H
#define SL_PG_EVENT_H

#include "pgoutput.h"
#include "sluice/record.h"

/* ---- the type catalog ----
 * Built-in types (bool, int2/4/8, float4/8, numeric, text, varchar, bpchar,
 * bytea, date, time, timetz, timestamp, timestamptz, uuid, json, jsonb and
 * their arrays) are known without the catalog; the source adds the rest
 * (enums, domains, user arrays) from pg_type at start. */
typedef struct sl_pg_type {
	uint32_t oid;
	char *name;    /* typname */
	char typtype;  /* 'b' base, 'e' enum, 'd' domain, 'c' composite, ... */
	uint32_t elem; /* element type of an array, else 0 */
	uint32_t base; /* base type of a domain, else 0 */
	char *labels;  /* an enum's labels in order, comma-separated, or NULL */
} sl_pg_type_t;

typedef struct sl_pg_types sl_pg_types_t;

sl_pg_types_t *sl_pg_types_new(void); /* with the built-ins */
void sl_pg_types_free(sl_pg_types_t *t);
void sl_pg_types_add(sl_pg_types_t *t, uint32_t oid, const char *name, char typtype, uint32_t elem,
		     uint32_t base);
const sl_pg_type_t *sl_pg_types_find(const sl_pg_types_t *t, uint32_t oid);
/* Sets an enum type's labels (Debezium's "allowed" schema parameter); a
 * type not added yet is ignored. */
void sl_pg_types_set_labels(sl_pg_types_t *t, uint32_t oid, const char *labels);

/* ---- events ---- */
typedef enum sl_pg_decimal_mode {
	SL_PG_DECIMAL_PRECISE = 0, /* org.apache.kafka.connect.data.Decimal (variable
				      scale: io.debezium.data.VariableScaleDecimal) */
	SL_PG_DECIMAL_DOUBLE = 1,
	SL_PG_DECIMAL_STRING = 2,
} sl_pg_decimal_mode_t;

typedef enum sl_pg_time_mode {
	SL_PG_TIME_ADAPTIVE = 0, /* io.debezium.time.* by column precision */
	SL_PG_TIME_CONNECT = 1,  /* org.apache.kafka.connect.data.Date/Time/Timestamp */
} sl_pg_time_mode_t;

typedef struct sl_pg_event_config {
	const char *topic_prefix; /* also source.name */
	const char *database;     /* source.db */
	sl_pg_decimal_mode_t decimal_mode;
	sl_pg_time_mode_t time_mode;
	const char *unavailable_placeholder; /* for unchanged TOASTed values */
} sl_pg_event_config_t;

/* What goes into the envelope's "source" block. */
typedef struct sl_pg_source_info {
	int64_t ts_ms; /* commit time (snapshot: read time) */
	/* CHANGED: added. The same time in microseconds (source.ts_us/ts_ns;
	 * Begin's commit_time_us). 0: ts_ms * 1000. */
	int64_t ts_us;
	const char *snapshot; /* Debezium's: "false", "true", "first", "last" */
	int64_t txid;         /* -1: none */
	uint64_t lsn;         /* 0: none */
	/* The first element of "sequence": the end of the last transaction
	 * streamed before this event's (Debezium's lastCommitLsn: the WAL
	 * position PostgreSQL sends the Commit message at, its end_lsn). 0:
	 * none yet (null). */
	uint64_t last_commit_lsn;
	/* The replication origin of the transaction (pgoutput's Origin
	 * message), or NULL: source.origin and source.origin_lsn. */
	const char *origin;
	uint64_t origin_lsn;
} sl_pg_source_info_t;

typedef struct sl_pg_event_builder sl_pg_event_builder_t;

/* cfg and types are borrowed and must outlive the builder. */
sl_pg_event_builder_t *sl_pg_event_builder_new(const sl_pg_event_config_t *cfg,
					       const sl_pg_types_t *types);
void sl_pg_event_builder_free(sl_pg_event_builder_t *b);
/* Drops what is cached for a relation (after a new Relation message). */
void sl_pg_event_builder_invalidate(sl_pg_event_builder_t *b, uint32_t rel_oid);

/* Builds one change event; op is 'c', 'u', 'd' or 'r' (snapshot read).
 * before/after may be NULL (before is the old tuple: key columns only
 * unless REPLICA IDENTITY FULL, as Debezium reports it). Sets key (the
 * struct of the key columns with schema "<prefix>.<schema>.<table>.Key", or
 * SL_VALUE_NULL for a table without key columns), value (the envelope with
 * schema "<prefix>.<schema>.<table>.Envelope") and *topic (owned by the
 * builder, valid until it is freed). key and value must be cleared values;
 * both are JSON_TEXT, written straight from the row's text. Returns 0, or
 * -1 with errstr naming table, column and value when a value does not
 * parse as its type. */
int sl_pg_event_build(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel, char op,
		      const sl_pg_tuple_t *before, const sl_pg_tuple_t *after,
		      const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
		      const char **topic, char *errstr, size_t errstr_size);

/* A truncate event (op "t", no key, before and after null) for rel. */
int sl_pg_event_build_truncate(sl_pg_event_builder_t *b, const sl_pg_relation_t *rel,
			       const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
			       const char **topic, char *errstr, size_t errstr_size);

/* source.snapshot of an event's value (Debezium's "true", "first", "last",
 * ...) into out; false when value is not an event or the marker does not
 * fit in size bytes. */
bool sl_pg_event_snapshot_marker(const sl_value_t *value, char *out, size_t size);
/* Sets source.snapshot of an event's value to marker; false when value is
 * not an event. */
bool sl_pg_event_set_snapshot_marker(sl_value_t *value, const char *marker);

/* A logical decoding message event (op "m", topic "<prefix>.message"),
 * as Debezium emits for pg_logical_emit_message. */
int sl_pg_event_build_message(sl_pg_event_builder_t *b, const sl_pg_msg_t *msg,
			      const sl_pg_source_info_t *src, sl_value_t *key, sl_value_t *value,
			      const char **topic, char *errstr, size_t errstr_size);

#endif
