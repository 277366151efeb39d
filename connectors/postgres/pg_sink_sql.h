/* The pure half of postgres-sink: records to rows (Debezium envelope
 * unwrapping, key and value columns; pg_sink_sql.c), values as PostgreSQL
 * text input and column types (pg_sink_values.c), and rows to SQL (quoted
 * identifiers, $n parameters only; pg_sink_sql.c). No libpq, no
 * worker state: everything here is unit tested without a server. */
#ifndef SL_PG_SINK_SQL_H
#define SL_PG_SINK_SQL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sluice/record.h"
#include "sluice/util.h"

/* insert.mode */
typedef enum sl_pg_insert_mode {
	SL_PG_MODE_INSERT = 0,
	SL_PG_MODE_UPSERT = 1,
	SL_PG_MODE_UPDATE = 2,
} sl_pg_insert_mode_t;

/* pk.mode */
typedef enum sl_pg_pk_mode {
	SL_PG_PK_NONE = 0,
	SL_PG_PK_RECORD_KEY = 1,
	SL_PG_PK_RECORD_VALUE = 2,
} sl_pg_pk_mode_t;

/* What a row does to its table. */
typedef enum sl_pg_op {
	SL_PG_OP_INSERT = 0,
	SL_PG_OP_UPSERT,
	SL_PG_OP_UPDATE,
	SL_PG_OP_DELETE,
	SL_PG_OP_TRUNCATE,
} sl_pg_op_t;

typedef struct sl_pg_map_config {
	const char *table_format; /* "${topic}"; NULL means the same */
	sl_pg_insert_mode_t insert_mode;
	sl_pg_pk_mode_t pk_mode;
	char **pk_fields; /* NULL-terminated; may be NULL or empty */
	bool delete_enabled;
} sl_pg_map_config_t;

/* The shape of a row: table, operation and columns (primary key columns
 * first). Rows with the same shape pointer can share one statement. Owned
 * by the mapper that interned it; alive until the mapper is freed. */
typedef struct sl_pg_shape {
	sl_pg_op_t op;
	char *table;
	size_t ncols;
	size_t npk;
	char **cols;
	const char **types; /* PostgreSQL type per column, for auto.create */
	bool *nullable;
} sl_pg_shape_t;

/* One mapped record. vals[i] is the text input of column i, NULL for SQL
 * NULL; vals and its strings are one allocation owned by the row. */
typedef struct sl_pg_row {
	const sl_pg_shape_t *shape;
	char **vals;
} sl_pg_row_t;

typedef struct sl_pg_mapper sl_pg_mapper_t;

/* cfg is copied (the strings are borrowed and must outlive the mapper). */
sl_pg_mapper_t *sl_pg_mapper_new(const sl_pg_map_config_t *cfg);
void sl_pg_mapper_free(sl_pg_mapper_t *m);
/* Forgets every interned shape (rows pointing at them must be gone). */
void sl_pg_mapper_reset_shapes(sl_pg_mapper_t *m);

/* Maps rec (value: a Debezium envelope, a flat struct, or null for a
 * tombstone) into out. Returns 1 with out set; 0 when the record writes
 * nothing (a delete or truncate with delete.enabled=false, a Debezium
 * message event), errstr saying why; -1 when it cannot be mapped (no key,
 * missing primary key field, a value that does not match its schema,
 * ...), errstr saying why. The row's strings are copied: rec may go. */
int sl_pg_mapper_map(sl_pg_mapper_t *m, const sl_record_t *rec, sl_pg_row_t *out, char *errstr,
		     size_t errstr_size);
void sl_pg_row_free(sl_pg_row_t *r);

/* The table for a topic: format with every "${topic}" replaced by the
 * topic, then the last dot-separated segment of that (Debezium's
 * "<prefix>.<schema>.<table>" topic gives "<table>"). malloc()ed. */
char *sl_pg_table_name(const char *format, const char *topic);

/* Appends name as a quoted identifier (in double quotes, inner quotes
 * doubled), as PQescapeIdentifier does for UTF-8. */
void sl_pg_quote_ident(sl_buf_t *out, const char *name);

/* The PostgreSQL column type for a Kafka Connect field schema (type and
 * logical name, including Debezium's io.debezium.* names), or NULL when
 * the schema has no mapping. */
const char *sl_pg_column_type(const json_t *schema);

/* Appends v (a JsonConverter payload of schema, which may be NULL for
 * schemaless values) as PostgreSQL text input plus a NUL. Sets *is_null
 * for a null value (nothing appended). Returns 0, or -1 with errstr. */
int sl_pg_value_text(const json_t *v, const json_t *schema, sl_buf_t *out, bool *is_null,
		     char *errstr, size_t errstr_size);

/* How a field schema's values are written and its column type (a logical
 * name wins over the type), NULL when the schema has no mapping: looked
 * up once per schema, not per value. Static; never freed. */
typedef struct sl_pg_mapping sl_pg_mapping_t;
const sl_pg_mapping_t *sl_pg_schema_mapping(const json_t *schema);
const char *sl_pg_mapping_type(const sl_pg_mapping_t *m);
/* sl_pg_value_text with the mapping of schema looked up already (map NULL
 * with schema NULL: by the JSON type). */
int sl_pg_value_text_mapped(const json_t *v, const json_t *schema, const sl_pg_mapping_t *map,
			    sl_buf_t *out, bool *is_null, char *errstr, size_t errstr_size);

/* The column type of a schemaless value, by its JSON type. */
const char *sl_pg_json_column_type(const json_t *v);

/* ---- statements: parameters are $1.. in row order, columns in shape
 * order ---- */
/* INSERT INTO t (cols) VALUES (...),...; with upsert ON CONFLICT (pk) DO
 * UPDATE SET every other column (DO NOTHING when all columns are key). */
void sl_pg_sql_insert(sl_buf_t *out, const sl_pg_shape_t *s, size_t nrows, bool upsert);
/* UPDATE t SET non-key columns WHERE key columns match (one row); false
 * when the shape has no non-key column (nothing to update). */
bool sl_pg_sql_update(sl_buf_t *out, const sl_pg_shape_t *s);
/* DELETE FROM t WHERE (pk) IN ((...),...) for nrows keys. */
void sl_pg_sql_delete(sl_buf_t *out, const sl_pg_shape_t *s, size_t nrows);
/* CREATE TABLE IF NOT EXISTS t (...) with PRIMARY KEY (pk) when npk > 0. */
void sl_pg_sql_create(sl_buf_t *out, const sl_pg_shape_t *s);
void sl_pg_sql_truncate(sl_buf_t *out, const char *table);
/* COPY t (cols) FROM STDIN: how plain inserts are written (the server's
 * fastest path: no statement to parse and plan per batch). */
void sl_pg_sql_copy(sl_buf_t *out, const sl_pg_shape_t *s);
/* Appends one row in COPY's text format: the values tab-separated, \N for
 * NULL, backslash, newline, carriage return and tab escaped, then a
 * newline. */
void sl_pg_copy_row(sl_buf_t *out, const sl_pg_shape_t *s, char *const *vals);

/* ---- upserts through a staging table: the rows are COPYed into a
 * temporary table of the shape's columns plus SL_PG_STAGE_SEQ (their
 * order), then merged into the table with one INSERT ... SELECT ... ON
 * CONFLICT; the server plans one statement for any number of rows. ---- */
#define SL_PG_STAGE_SEQ "sluice_seq"
/* CREATE TEMP TABLE stage AS SELECT the shape's columns (their types from
 * the table), 0::bigint AS sluice_seq FROM table WITH NO DATA. */
void sl_pg_sql_stage_create(sl_buf_t *out, const sl_pg_shape_t *s, const char *stage);
/* COPY pg_temp.stage (cols, sluice_seq) FROM STDIN */
void sl_pg_sql_stage_copy(sl_buf_t *out, const sl_pg_shape_t *s, const char *stage);
/* INSERT INTO table (cols) SELECT cols FROM pg_temp.stage ON CONFLICT (pk) DO
 * UPDATE SET every other column (DO NOTHING when all columns are key).
 * dupes: the stage may hold a key more than once: only its last row (the
 * highest sluice_seq) is taken (DISTINCT ON ... ORDER BY). */
void sl_pg_sql_stage_merge(sl_buf_t *out, const sl_pg_shape_t *s, const char *stage, bool dupes);
/* sl_pg_copy_row with seq as one more column. */
void sl_pg_copy_row_seq(sl_buf_t *out, const sl_pg_shape_t *s, char *const *vals, int64_t seq);

/* A set of rows' primary keys (shape and key values), to learn whether
 * rows repeat a key. Zero-initialised is empty. The rows are borrowed:
 * their vals must outlive the set or its next clear. */
typedef struct sl_pg_keyset {
	sl_pg_row_t *slot; /* shape NULL: free */
	size_t cap, n;
} sl_pg_keyset_t;
/* Adds row's key; true when the set held it already. */
bool sl_pg_keyset_add(sl_pg_keyset_t *k, const sl_pg_row_t *row);
void sl_pg_keyset_clear(sl_pg_keyset_t *k);
void sl_pg_keyset_free(sl_pg_keyset_t *k);

/* Rows per statement for a shape: at most batch_size, and within the
 * 65535 parameter limit of the protocol. */
size_t sl_pg_rows_per_statement(const sl_pg_shape_t *s, size_t batch_size);

/* For n rows of one shape: writes to idx the rows to send, one per
 * distinct primary key, each at the place of the key's first row but the
 * index of its last row (a later row of a key supersedes the earlier, and
 * ON CONFLICT cannot touch one row twice in one statement). Returns how
 * many were written. Rows without key columns are all kept. */
size_t sl_pg_dedupe(const sl_pg_row_t *rows, size_t n, size_t *idx);

#endif
