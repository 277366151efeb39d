/* Unit tests of postgres-sink's pure half (pg_sink_sql.c): identifier
 * quoting, table names, statement shapes, Debezium envelope unwrapping,
 * schema to column type mapping, values as text, and key dedupe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_sink_sql.h"
#include "runner.h"

static const char *const k_envelope_schema =
	"{\"type\":\"struct\",\"name\":\"srv.public.orders.Envelope\",\"optional\":false,"
	"\"fields\":["
	"{\"field\":\"before\",\"type\":\"struct\",\"optional\":true,\"fields\":["
	"{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
	"{\"field\":\"name\",\"type\":\"string\",\"optional\":true}]},"
	"{\"field\":\"after\",\"type\":\"struct\",\"optional\":true,\"fields\":["
	"{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
	"{\"field\":\"name\",\"type\":\"string\",\"optional\":true}]},"
	"{\"field\":\"op\",\"type\":\"string\",\"optional\":false}]}";

static const char *const k_key_schema =
	"{\"type\":\"struct\",\"optional\":false,\"fields\":["
	"{\"field\":\"id\",\"type\":\"int32\",\"optional\":false}]}";

/* A record of topic with key {"id": id} (id < 0: no key) and value (JSON
 * text, NULL: tombstone) with the given schema (may be NULL). */
static void make_record(sl_record_t *r, const char *topic, int id, const char *value,
			const char *schema)
{
	sl_record_init(r);
	r->topic = topic;
	if (id >= 0)
		sl_value_set_json(&r->key, json_pack("{s:i}", "id", id),
				  json_loads(k_key_schema, 0, NULL));
	if (value)
		sl_value_set_json(&r->value, json_loads(value, 0, NULL),
				  schema ? json_loads(schema, 0, NULL) : NULL);
}

static sl_pg_map_config_t upsert_config(void)
{
	return (sl_pg_map_config_t){
		.table_format = "${topic}",
		.insert_mode = SL_PG_MODE_UPSERT,
		.pk_mode = SL_PG_PK_RECORD_KEY,
		.delete_enabled = true,
	};
}

/* A shape by hand: table, op, npk, columns. */
static sl_pg_shape_t *make_shape(const char *table, sl_pg_op_t op, size_t npk, size_t ncols,
				 const char *const *cols, const char *const *types)
{
	sl_pg_shape_t *s = calloc(1, sizeof(*s));
	s->table = (char *)table;
	s->op = op;
	s->npk = npk;
	s->ncols = ncols;
	s->cols = (char **)cols;
	s->types = (const char **)types;
	s->nullable = calloc(ncols, sizeof(bool));
	for (size_t i = npk; i < ncols; i++)
		s->nullable[i] = true;
	return s;
}

static void free_shape(sl_pg_shape_t *s)
{
	free(s->nullable);
	free(s);
}

/* ---- identifiers ---- */

static void test_quote_ident_doubles_quotes_of_hostile_names(void)
{
	sl_buf_t b = {0};

	sl_pg_quote_ident(&b, "a\"b; DROP TABLE x");
	SL_ASSERT_TEXT(b.data, "\"a\"\"b; DROP TABLE x\"");
	sl_buf_reset(&b);
	sl_pg_quote_ident(&b, "\"\"");
	SL_ASSERT_TEXT(b.data, "\"\"\"\"\"\"");
	sl_buf_reset(&b);
	sl_pg_quote_ident(&b, "MixedCase ünï");
	SL_ASSERT_TEXT(b.data, "\"MixedCase ünï\"");
	sl_buf_free(&b);
}

static void test_table_name_is_last_topic_segment_by_default(void)
{
	char *t;

	SL_ASSERT_TEXT(t = sl_pg_table_name(NULL, "srv.public.orders"), "orders");
	free(t);
	SL_ASSERT_TEXT(t = sl_pg_table_name("${topic}", "plain"), "plain");
	free(t);
	SL_ASSERT_TEXT(t = sl_pg_table_name("kafka_${topic}_${topic}", "t"), "kafka_t_t");
	free(t);
	SL_ASSERT_TEXT(t = sl_pg_table_name("a\"b; DROP TABLE x", "srv"), "a\"b; DROP TABLE x");
	free(t);
	SL_ASSERT_TEXT(t = sl_pg_table_name("fixed", "srv.public.orders"), "fixed");
	free(t);
}

/* ---- statements ---- */

static void test_upsert_statement_shape(void)
{
	static const char *const cols[] = {"id", "na\"me"};
	sl_pg_shape_t *s = make_shape("a\"b; DROP TABLE x", SL_PG_OP_UPSERT, 1, 2, cols, NULL);
	sl_buf_t b = {0};

	sl_pg_sql_insert(&b, s, 2, true);
	SL_ASSERT_TEXT(b.data, "INSERT INTO \"a\"\"b; DROP TABLE x\" (\"id\",\"na\"\"me\") VALUES "
			       "($1,$2),($3,$4) ON CONFLICT (\"id\") DO UPDATE SET "
			       "\"na\"\"me\"=EXCLUDED.\"na\"\"me\"");
	sl_buf_reset(&b);
	sl_pg_sql_insert(&b, s, 1, false);
	SL_ASSERT_TEXT(b.data,
		       "INSERT INTO \"a\"\"b; DROP TABLE x\" (\"id\",\"na\"\"me\") VALUES ($1,$2)");
	sl_buf_free(&b);
	free_shape(s);
}

static void test_upsert_of_key_only_table_does_nothing_on_conflict(void)
{
	static const char *const cols[] = {"a", "b"};
	sl_pg_shape_t *s = make_shape("t", SL_PG_OP_UPSERT, 2, 2, cols, NULL);
	sl_buf_t b = {0};

	sl_pg_sql_insert(&b, s, 1, true);
	SL_ASSERT_TEXT(b.data,
		       "INSERT INTO \"t\" (\"a\",\"b\") VALUES ($1,$2) ON CONFLICT (\"a\",\"b\") "
		       "DO NOTHING");
	sl_buf_free(&b);
	free_shape(s);
}

static void test_update_delete_truncate_statement_shapes(void)
{
	static const char *const cols[] = {"k1", "k2", "v"};
	sl_pg_shape_t *s = make_shape("t", SL_PG_OP_UPDATE, 2, 3, cols, NULL);
	sl_buf_t b = {0};

	CU_ASSERT_TRUE(sl_pg_sql_update(&b, s));
	SL_ASSERT_TEXT(b.data, "UPDATE \"t\" SET \"v\"=$3 WHERE \"k1\"=$1 AND \"k2\"=$2");
	sl_buf_reset(&b);
	s->op = SL_PG_OP_DELETE;
	sl_pg_sql_delete(&b, s, 2);
	SL_ASSERT_TEXT(b.data, "DELETE FROM \"t\" WHERE (\"k1\",\"k2\") IN (($1,$2),($3,$4))");
	sl_buf_reset(&b);
	sl_pg_sql_truncate(&b, "x\"y");
	SL_ASSERT_TEXT(b.data, "TRUNCATE TABLE \"x\"\"y\"");
	sl_buf_reset(&b);
	s->npk = 3; /* nothing but the key: no UPDATE */
	CU_ASSERT_FALSE(sl_pg_sql_update(&b, s));
	sl_buf_free(&b);
	free_shape(s);
}

static void test_copy_statement_and_rows_escape_text_format(void)
{
	static const char *const cols[] = {"id", "na\"me", "v"};
	sl_pg_shape_t *s = make_shape("a\"b; DROP TABLE x", SL_PG_OP_INSERT, 1, 3, cols, NULL);
	char *row1[] = {"1", "tab\there\nnew\rcr", NULL};
	char *row2[] = {"2", "back\\slash \\N", "\\x00ff"};
	sl_buf_t b = {0};

	sl_pg_sql_copy(&b, s);
	SL_ASSERT_TEXT(b.data,
		       "COPY \"a\"\"b; DROP TABLE x\" (\"id\",\"na\"\"me\",\"v\") FROM STDIN");
	sl_buf_reset(&b);
	sl_pg_copy_row(&b, s, row1);
	sl_pg_copy_row(&b, s, row2);
	SL_ASSERT_TEXT(b.data, "1\ttab\\there\\nnew\\rcr\t\\N\n"
			       "2\tback\\\\slash \\\\N\t\\\\x00ff\n");
	sl_buf_free(&b);
	free_shape(s);
}

static void test_create_table_has_types_not_null_and_primary_key(void)
{
	static const char *const cols[] = {"id", "when", "a\"b"};
	static const char *const types[] = {"bigint", "timestamp", NULL};
	sl_pg_shape_t *s = make_shape("T", SL_PG_OP_UPSERT, 1, 3, cols, types);
	sl_buf_t b = {0};

	s->nullable[1] = false;
	sl_pg_sql_create(&b, s);
	SL_ASSERT_TEXT(b.data, "CREATE TABLE IF NOT EXISTS \"T\" (\"id\" bigint NOT NULL, \"when\" "
			       "timestamp NOT NULL, \"a\"\"b\" text, PRIMARY KEY (\"id\"))");
	sl_buf_free(&b);
	free_shape(s);
}

static void test_rows_per_statement_respects_parameter_limit(void)
{
	static const char *const cols[10] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
	sl_pg_shape_t *s = make_shape("t", SL_PG_OP_UPSERT, 1, 10, cols, NULL);

	CU_ASSERT_EQUAL(sl_pg_rows_per_statement(s, 100000), 6553);
	CU_ASSERT_EQUAL(sl_pg_rows_per_statement(s, 3000), 3000);
	s->op = SL_PG_OP_DELETE; /* one parameter per key column */
	CU_ASSERT_EQUAL(sl_pg_rows_per_statement(s, 100000), 65535);
	s->op = SL_PG_OP_UPDATE;
	CU_ASSERT_EQUAL(sl_pg_rows_per_statement(s, 3000), 1);
	free_shape(s);
}

/* ---- types and values ---- */

static const char *type_of(const char *schema_json)
{
	json_t *s = json_loads(schema_json, 0, NULL);
	const char *t = sl_pg_column_type(s);
	json_decref(s);
	return t;
}

static void test_schema_to_column_type(void)
{
	SL_ASSERT_TEXT(type_of("{\"type\":\"int8\"}"), "smallint");
	SL_ASSERT_TEXT(type_of("{\"type\":\"int16\"}"), "smallint");
	SL_ASSERT_TEXT(type_of("{\"type\":\"int32\"}"), "integer");
	SL_ASSERT_TEXT(type_of("{\"type\":\"int64\"}"), "bigint");
	SL_ASSERT_TEXT(type_of("{\"type\":\"float\"}"), "real");
	SL_ASSERT_TEXT(type_of("{\"type\":\"double\"}"), "double precision");
	SL_ASSERT_TEXT(type_of("{\"type\":\"boolean\"}"), "boolean");
	SL_ASSERT_TEXT(type_of("{\"type\":\"string\"}"), "text");
	SL_ASSERT_TEXT(type_of("{\"type\":\"bytes\"}"), "bytea");
	SL_ASSERT_TEXT(type_of("{\"type\":\"struct\",\"fields\":[]}"), "jsonb");
	SL_ASSERT_TEXT(
		type_of("{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\"}"),
		"numeric");
	SL_ASSERT_TEXT(
		type_of("{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\"}"),
		"date");
	SL_ASSERT_TEXT(
		type_of("{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Time\"}"),
		"time");
	SL_ASSERT_TEXT(type_of("{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data."
			       "Timestamp\"}"),
		       "timestamp");
	SL_ASSERT_TEXT(type_of("{\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\"}"),
		       "timestamp");
	SL_ASSERT_TEXT(
		type_of("{\"type\":\"string\",\"name\":\"io.debezium.time.ZonedTimestamp\"}"),
		"timestamptz");
	SL_ASSERT_TEXT(type_of("{\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTime\"}"),
		       "time");
	SL_ASSERT_TEXT(type_of("{\"type\":\"string\",\"name\":\"io.debezium.data.Json\"}"),
		       "jsonb");
	SL_ASSERT_TEXT(type_of("{\"type\":\"string\",\"name\":\"io.debezium.data.Uuid\"}"), "uuid");
	SL_ASSERT_TEXT(type_of("{\"type\":\"string\",\"name\":\"some.unknown.Name\"}"), "text");
	CU_ASSERT_PTR_NULL(type_of("{\"type\":\"nonsense\"}"));
}

/* The text of value (JSON) under schema (JSON), or NULL on error/null. */
static char *text_of(const char *value, const char *schema)
{
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	json_t *s = schema ? json_loads(schema, 0, NULL) : NULL;
	sl_buf_t b = {0};
	char err[256];
	bool is_null = false;
	char *out = NULL;

	if (sl_pg_value_text(v, s, &b, &is_null, err, sizeof(err)) == 0 && !is_null)
		out = sl_strdup(b.data);
	sl_buf_free(&b);
	json_decref(v);
	json_decref(s);
	return out;
}

#define ASSERT_TEXT(value, schema, want)                                                           \
	do {                                                                                       \
		char *t_ = text_of(value, schema);                                                 \
		SL_ASSERT_TEXT(t_, want);                                                          \
		free(t_);                                                                          \
	} while (0)

static void test_values_as_postgres_text(void)
{
	ASSERT_TEXT("\"MDk=\"",
		    "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
		    "\"parameters\":{\"scale\":\"2\"}}",
		    "123.45");
	ASSERT_TEXT("\"z8c=\"",
		    "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
		    "\"parameters\":{\"scale\":\"2\"}}",
		    "-123.45");
	ASSERT_TEXT("{\"scale\":3,\"value\":\"MDk=\"}",
		    "{\"type\":\"struct\",\"name\":\"io.debezium.data.VariableScaleDecimal\"}",
		    "12.345");
	ASSERT_TEXT("19000", "{\"type\":\"int32\",\"name\":\"io.debezium.time.Date\"}",
		    "2022-01-08");
	ASSERT_TEXT("-1", "{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\"}",
		    "1969-12-31");
	ASSERT_TEXT("1700000000123456",
		    "{\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\"}",
		    "2023-11-14 22:13:20.123456");
	ASSERT_TEXT("-1",
		    "{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\"}",
		    "1969-12-31 23:59:59.999000");
	ASSERT_TEXT("3723004",
		    "{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Time\"}",
		    "01:02:03.004000");
	ASSERT_TEXT("\"AP8=\"", "{\"type\":\"bytes\"}", "\\x00ff");
	ASSERT_TEXT("true", "{\"type\":\"boolean\"}", "true");
	ASSERT_TEXT("-7", "{\"type\":\"int64\"}", "-7");
	ASSERT_TEXT("0.25", "{\"type\":\"double\"}", "0.25");
	ASSERT_TEXT("{\"a\":[1,2]}", "{\"type\":\"struct\",\"fields\":[]}", "{\"a\":[1,2]}");
	ASSERT_TEXT("\"'); DROP TABLE x; --\"", "{\"type\":\"string\"}", "'); DROP TABLE x; --");
	ASSERT_TEXT("{\"a\":1}", NULL, "{\"a\":1}"); /* schemaless */
	/* mismatches and NUL are errors, not garbage */
	CU_ASSERT_PTR_NULL(text_of("\"x\"", "{\"type\":\"int32\"}"));
	CU_ASSERT_PTR_NULL(text_of("\"a\\u0000b\"", "{\"type\":\"string\"}"));
	CU_ASSERT_PTR_NULL(text_of("null", "{\"type\":\"string\"}"));
}

/* ---- records to rows ---- */

static void test_debezium_create_unwraps_after_with_key_from_record_key(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	sl_pg_mapper_t *m = sl_pg_mapper_new(&cfg);
	sl_record_t r;
	sl_pg_row_t row;
	char err[256];

	make_record(&r, "srv.public.orders", 7,
		    "{\"before\":null,\"after\":{\"id\":7,\"name\":\"x'); DROP TABLE y; --\"},"
		    "\"op\":\"c\"}",
		    k_envelope_schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(row.shape->op, SL_PG_OP_UPSERT);
	SL_ASSERT_TEXT(row.shape->table, "orders");
	CU_ASSERT_EQUAL(row.shape->npk, 1);
	CU_ASSERT_EQUAL(row.shape->ncols, 2); /* id from the key, not twice */
	SL_ASSERT_TEXT(row.shape->cols[0], "id");
	SL_ASSERT_TEXT(row.shape->cols[1], "name");
	SL_ASSERT_TEXT(row.shape->types[0], "integer");
	SL_ASSERT_TEXT(row.vals[0], "7");
	SL_ASSERT_TEXT(row.vals[1], "x'); DROP TABLE y; --");
	sl_pg_row_free(&row);
	sl_record_clear(&r);
	sl_pg_mapper_free(m);
}

static void test_debezium_delete_and_tombstone_delete_by_key(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	sl_pg_mapper_t *m = sl_pg_mapper_new(&cfg);
	sl_record_t r;
	sl_pg_row_t row, row2;
	char err[256];

	make_record(&r, "srv.public.orders", 9,
		    "{\"before\":{\"id\":9,\"name\":null},\"after\":null,\"op\":\"d\"}",
		    k_envelope_schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(row.shape->op, SL_PG_OP_DELETE);
	CU_ASSERT_EQUAL(row.shape->ncols, 1);
	SL_ASSERT_TEXT(row.vals[0], "9");
	sl_record_clear(&r);
	make_record(&r, "srv.public.orders", 9, NULL, NULL); /* tombstone */
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row2, err, sizeof(err)), 1);
	CU_ASSERT_PTR_EQUAL(row2.shape, row.shape); /* same shape: one statement */
	sl_pg_row_free(&row);
	sl_pg_row_free(&row2);
	sl_record_clear(&r);
	sl_pg_mapper_free(m);
}

static void test_deletes_are_skipped_without_delete_enabled(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	sl_pg_mapper_t *m;
	sl_record_t r;
	sl_pg_row_t row;
	char err[256];

	cfg.delete_enabled = false;
	m = sl_pg_mapper_new(&cfg);
	make_record(&r, "t", 1, NULL, NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), 0);
	sl_record_clear(&r);
	make_record(&r, "t", -1, "{\"before\":null,\"after\":null,\"op\":\"t\"}", NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), 0);
	sl_record_clear(&r);
	sl_pg_mapper_free(m);
}

static void test_debezium_truncate_truncates_with_delete_enabled(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	sl_pg_mapper_t *m = sl_pg_mapper_new(&cfg);
	sl_record_t r;
	sl_pg_row_t row;
	char err[256];

	make_record(&r, "srv.public.orders", -1, "{\"before\":null,\"after\":null,\"op\":\"t\"}",
		    NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(row.shape->op, SL_PG_OP_TRUNCATE);
	SL_ASSERT_TEXT(row.shape->table, "orders");
	sl_pg_row_free(&row);
	sl_record_clear(&r);
	sl_pg_mapper_free(m);
}

static void test_flat_struct_with_record_value_key(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	static char *pk[] = {"b", NULL};
	sl_pg_mapper_t *m;
	sl_record_t r;
	sl_pg_row_t row;
	char err[256];

	cfg.pk_mode = SL_PG_PK_RECORD_VALUE;
	cfg.pk_fields = pk;
	cfg.delete_enabled = false;
	m = sl_pg_mapper_new(&cfg);
	make_record(&r, "flat", -1, "{\"a\":1,\"b\":\"k\",\"c\":null}", NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(row.shape->npk, 1);
	SL_ASSERT_TEXT(row.shape->cols[0], "b"); /* key first, then the rest in order */
	SL_ASSERT_TEXT(row.shape->cols[1], "a");
	SL_ASSERT_TEXT(row.shape->cols[2], "c");
	CU_ASSERT_PTR_NULL(row.vals[2]);
	sl_pg_row_free(&row);
	sl_record_clear(&r);
	make_record(&r, "flat", -1, "{\"a\":1}", NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "primary key field b is missing"));
	sl_record_clear(&r);
	sl_pg_mapper_free(m);
}

static void test_unmappable_records_are_errors(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	sl_pg_mapper_t *m = sl_pg_mapper_new(&cfg);
	sl_record_t r;
	sl_pg_row_t row;
	char err[256];

	make_record(&r, "t", -1, "{\"a\":1}", NULL); /* record_key without a key */
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no key"));
	sl_record_clear(&r);
	sl_record_init(&r);
	r.topic = "t";
	sl_value_set_string(&r.value, "plain text", 10);
	sl_value_set_json(&r.key, json_integer(1), NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &row, err, sizeof(err)), -1);
	sl_record_clear(&r);
	sl_pg_mapper_free(m);
}

static void test_shapes_are_shared_by_rows_with_the_same_columns(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	sl_pg_mapper_t *m = sl_pg_mapper_new(&cfg);
	sl_record_t r;
	sl_pg_row_t a, b, c;
	char err[256];

	make_record(&r, "t", 1, "{\"x\":1}", NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &a, err, sizeof(err)), 1);
	sl_record_clear(&r);
	make_record(&r, "t", 2, "{\"x\":2}", NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &b, err, sizeof(err)), 1);
	sl_record_clear(&r);
	make_record(&r, "t", 3, "{\"y\":2}", NULL);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &c, err, sizeof(err)), 1);
	sl_record_clear(&r);
	CU_ASSERT_PTR_EQUAL(a.shape, b.shape);
	CU_ASSERT_PTR_NOT_EQUAL(a.shape, c.shape);
	sl_pg_row_free(&a);
	sl_pg_row_free(&b);
	sl_pg_row_free(&c);
	sl_pg_mapper_free(m);
}

static void test_dedupe_keeps_last_row_of_each_key_in_first_place(void)
{
	static const char *const cols[] = {"id", "v"};
	sl_pg_shape_t *s = make_shape("t", SL_PG_OP_UPSERT, 1, 2, cols, NULL);
	char *vals[5][2] = {{"1", "a"}, {"2", "b"}, {"1", "c"}, {"3", "d"}, {"2", "e"}};
	sl_pg_row_t rows[5];
	size_t idx[5];

	for (int i = 0; i < 5; i++)
		rows[i] = (sl_pg_row_t){.shape = s, .vals = vals[i]};
	CU_ASSERT_EQUAL(sl_pg_dedupe(rows, 5, idx), 3);
	CU_ASSERT_EQUAL(idx[0], 2);
	CU_ASSERT_EQUAL(idx[1], 4);
	CU_ASSERT_EQUAL(idx[2], 3);
	s->npk = 0; /* no key: every row stays */
	CU_ASSERT_EQUAL(sl_pg_dedupe(rows, 5, idx), 5);
	free_shape(s);
}

static void test_doubles_are_written_as_their_shortest_decimal(void)
{
	ASSERT_TEXT("0.1", "{\"type\":\"double\"}", "0.1"); /* "%.17g": 0.10000000000000001 */
	ASSERT_TEXT("0.3", "{\"type\":\"double\"}", "0.3");
	ASSERT_TEXT("-2.5", "{\"type\":\"double\"}", "-2.5");
	ASSERT_TEXT("123456789.125", "{\"type\":\"double\"}", "123456789.125");
	ASSERT_TEXT("1.0", "{\"type\":\"float\"}", "1");
	ASSERT_TEXT("0.0", NULL, "0");
	/* no short decimal: 17 significant digits, as before */
	ASSERT_TEXT("0.30000000000000004", "{\"type\":\"double\"}", "0.30000000000000004");
	ASSERT_TEXT("1e300", "{\"type\":\"double\"}", "1.0000000000000001e+300");
	ASSERT_TEXT("1e-20", "{\"type\":\"double\"}", "9.9999999999999995e-21");
	ASSERT_TEXT("-0.0", "{\"type\":\"double\"}", "-0");
}

static const char *const k_flat_schema =
	"{\"type\":\"struct\",\"optional\":false,\"fields\":["
	"{\"field\":\"name\",\"type\":\"string\",\"optional\":true},"
	"{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
	"{\"field\":\"day\",\"type\":\"int32\",\"optional\":false,"
	"\"name\":\"org.apache.kafka.connect.data.Date\"},"
	"{\"field\":\"price\",\"type\":\"double\",\"optional\":false}]}";

/* A flat record of topic with value (JSON text) and a shared schema. */
static void make_flat(sl_record_t *r, const char *topic, const char *value, json_t *schema)
{
	sl_record_init(r);
	r->topic = topic;
	sl_value_set_json(&r->value, json_loads(value, 0, NULL), json_incref(schema));
}

static void test_records_of_one_schema_object_map_like_the_first(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	static char *pk[] = {"id", NULL};
	json_t *schema = json_loads(k_flat_schema, 0, NULL);
	sl_pg_row_t a, b, c;
	sl_record_t r;
	char err[256];

	cfg.pk_mode = SL_PG_PK_RECORD_VALUE;
	cfg.pk_fields = pk;
	sl_pg_mapper_t *m = sl_pg_mapper_new(&cfg);
	make_flat(&r, "t", "{\"name\":\"x\",\"id\":7,\"day\":1,\"price\":0.5}", schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &a, err, sizeof(err)), 1);
	sl_record_clear(&r);
	make_flat(&r, "t", "{\"id\":8,\"day\":-1,\"price\":2,\"name\":null}", schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &b, err, sizeof(err)), 1);
	sl_record_clear(&r);
	make_flat(&r, "u", "{\"name\":\"y\",\"id\":9,\"day\":0,\"price\":1}", schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &c, err, sizeof(err)), 1);
	sl_record_clear(&r);
	/* key first, then the schema's order; one shape per table */
	CU_ASSERT_PTR_EQUAL(a.shape, b.shape);
	CU_ASSERT_PTR_NOT_EQUAL(a.shape, c.shape);
	SL_ASSERT_TEXT(c.shape->table, "u");
	CU_ASSERT_EQUAL(a.shape->npk, 1);
	SL_ASSERT_TEXT(a.shape->cols[0], "id");
	SL_ASSERT_TEXT(a.shape->cols[1], "name");
	SL_ASSERT_TEXT(a.shape->cols[2], "day");
	SL_ASSERT_TEXT(a.shape->types[2], "date");
	CU_ASSERT_FALSE(a.shape->nullable[0]);
	CU_ASSERT_TRUE(a.shape->nullable[1]);
	CU_ASSERT_FALSE(a.shape->nullable[3]);
	SL_ASSERT_TEXT(a.vals[0], "7");
	SL_ASSERT_TEXT(a.vals[1], "x");
	SL_ASSERT_TEXT(a.vals[2], "1970-01-02");
	SL_ASSERT_TEXT(a.vals[3], "0.5");
	SL_ASSERT_TEXT(b.vals[0], "8");
	CU_ASSERT_PTR_NULL(b.vals[1]);
	SL_ASSERT_TEXT(b.vals[2], "1969-12-31");
	SL_ASSERT_TEXT(b.vals[3], "2");
	sl_pg_row_free(&c);
	/* a record of that schema without its key, or with a bad value */
	make_flat(&r, "t", "{\"name\":\"x\",\"day\":1,\"price\":0.5}", schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "primary key field id is missing"));
	sl_record_clear(&r);
	make_flat(&r, "t", "{\"id\":1,\"day\":\"monday\",\"price\":0.5}", schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "field day: an integer was expected"));
	sl_record_clear(&r);
	sl_pg_row_free(&a);
	sl_pg_row_free(&b);
	json_decref(schema);
	sl_pg_mapper_free(m);
}

static void test_a_new_schema_object_gets_its_own_columns(void)
{
	sl_pg_map_config_t cfg = upsert_config();
	static char *pk[] = {"id", NULL};
	sl_pg_row_t a, b;
	sl_record_t r;
	char err[256];

	cfg.pk_mode = SL_PG_PK_RECORD_VALUE;
	cfg.pk_fields = pk;
	sl_pg_mapper_t *m = sl_pg_mapper_new(&cfg);
	for (int i = 0; i < 20; i++) { /* more schemas than the mapper keeps */
		json_t *schema = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s}]}", "type", "struct",
					   "fields", "field", "id", "type", "int32", "field",
					   i % 2 ? "odd" : "even", "type", "string");
		make_flat(&r, "t", i % 2 ? "{\"id\":1,\"odd\":\"o\"}" : "{\"id\":2,\"even\":\"e\"}",
			  schema);
		json_decref(schema); /* the record holds the only reference */
		CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &a, err, sizeof(err)), 1);
		sl_record_clear(&r);
		SL_ASSERT_TEXT(a.shape->cols[1], i % 2 ? "odd" : "even");
		SL_ASSERT_TEXT(a.vals[1], i % 2 ? "o" : "e");
		sl_pg_row_free(&a);
	}
	/* a field without a PostgreSQL mapping: the record's error, as before */
	json_t *schema = json_loads("{\"type\":\"struct\",\"fields\":[{\"field\":\"id\","
				    "\"type\":\"int32\"},{\"field\":\"z\",\"type\":\"nonsense\"}]}",
				    0, NULL);
	make_flat(&r, "t", "{\"id\":1,\"z\":1}", schema);
	CU_ASSERT_EQUAL(sl_pg_mapper_map(m, &r, &b, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(err, "field z: schema type nonsense has no PostgreSQL mapping"));
	sl_record_clear(&r);
	json_decref(schema);
	sl_pg_mapper_free(m);
}

static void test_staging_statements_copy_and_merge(void)
{
	static const char *const cols[] = {"id", "na\"me"};
	sl_pg_shape_t *s = make_shape("a\"b", SL_PG_OP_UPSERT, 1, 2, cols, NULL);
	char *row[] = {"1", "x\ty"};
	sl_buf_t b = {0};

	sl_pg_sql_stage_create(&b, s, "sluice_stage_0");
	SL_ASSERT_TEXT(b.data, "CREATE TEMP TABLE \"sluice_stage_0\" AS SELECT \"id\",\"na\"\"me\","
			       "0::bigint AS sluice_seq FROM \"a\"\"b\" WITH NO DATA");
	sl_buf_reset(&b);
	sl_pg_sql_stage_copy(&b, s, "sluice_stage_0");
	SL_ASSERT_TEXT(b.data, "COPY pg_temp.\"sluice_stage_0\" (\"id\",\"na\"\"me\",sluice_seq) "
			       "FROM STDIN");
	sl_buf_reset(&b);
	sl_pg_copy_row_seq(&b, s, row, 42);
	SL_ASSERT_TEXT(b.data, "1\tx\\ty\t42\n");
	sl_buf_reset(&b);
	sl_pg_sql_stage_merge(&b, s, "sluice_stage_0", false);
	SL_ASSERT_TEXT(b.data,
		       "INSERT INTO \"a\"\"b\" (\"id\",\"na\"\"me\") SELECT \"id\",\"na\"\"me\" "
		       "FROM pg_temp.\"sluice_stage_0\" ON CONFLICT (\"id\") DO UPDATE SET "
		       "\"na\"\"me\"=EXCLUDED.\"na\"\"me\"");
	sl_buf_reset(&b);
	/* a key more than once: its last row only */
	sl_pg_sql_stage_merge(&b, s, "sluice_stage_0", true);
	SL_ASSERT_TEXT(b.data,
		       "INSERT INTO \"a\"\"b\" (\"id\",\"na\"\"me\") SELECT DISTINCT ON "
		       "(\"id\") \"id\",\"na\"\"me\" FROM pg_temp.\"sluice_stage_0\" ORDER BY "
		       "\"id\",sluice_seq DESC ON CONFLICT (\"id\") DO UPDATE SET "
		       "\"na\"\"me\"=EXCLUDED.\"na\"\"me\"");
	sl_buf_reset(&b);
	s->npk = 2; /* nothing but the key */
	sl_pg_sql_stage_merge(&b, s, "s", false);
	SL_ASSERT_TEXT(b.data,
		       "INSERT INTO \"a\"\"b\" (\"id\",\"na\"\"me\") SELECT \"id\",\"na\"\"me\" "
		       "FROM pg_temp.\"s\" ON CONFLICT (\"id\",\"na\"\"me\") DO NOTHING");
	sl_buf_free(&b);
	free_shape(s);
}

static void test_keyset_tells_repeated_keys(void)
{
	static const char *const cols[] = {"k1", "k2", "v"};
	sl_pg_shape_t *s = make_shape("t", SL_PG_OP_UPSERT, 2, 3, cols, NULL);
	sl_pg_shape_t *other = make_shape("u", SL_PG_OP_UPSERT, 2, 3, cols, NULL);
	static char keys[5000][2][12];
	static char *vals[5000][3];
	sl_pg_keyset_t k = {0};

	for (int i = 0; i < 5000; i++) { /* grows past its first size */
		snprintf(keys[i][0], sizeof(keys[i][0]), "%d", i);
		snprintf(keys[i][1], sizeof(keys[i][1]), "%d", i % 7);
		vals[i][0] = keys[i][0];
		vals[i][1] = keys[i][1];
		vals[i][2] = "v";
		CU_ASSERT_FALSE(sl_pg_keyset_add(&k, &(sl_pg_row_t){.shape = s, .vals = vals[i]}));
	}
	char *again[] = {"4321", "2", "other value"}, *half[] = {"4321", NULL, "v"};
	CU_ASSERT_TRUE(sl_pg_keyset_add(&k, &(sl_pg_row_t){.shape = s, .vals = again}));
	CU_ASSERT_FALSE(sl_pg_keyset_add(&k, &(sl_pg_row_t){.shape = s, .vals = half}));
	CU_ASSERT_TRUE(sl_pg_keyset_add(&k, &(sl_pg_row_t){.shape = s, .vals = half}));
	/* the same key text of another table is another key */
	CU_ASSERT_FALSE(sl_pg_keyset_add(&k, &(sl_pg_row_t){.shape = other, .vals = again}));
	sl_pg_keyset_clear(&k);
	CU_ASSERT_FALSE(sl_pg_keyset_add(&k, &(sl_pg_row_t){.shape = s, .vals = again}));
	sl_pg_keyset_free(&k);
	free_shape(s);
	free_shape(other);
}

void pg_sink_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"quote_ident_doubles_quotes_of_hostile_names",
		 test_quote_ident_doubles_quotes_of_hostile_names},
		{"table_name_is_last_topic_segment_by_default",
		 test_table_name_is_last_topic_segment_by_default},
		{"upsert_statement_shape", test_upsert_statement_shape},
		{"upsert_of_key_only_table_does_nothing_on_conflict",
		 test_upsert_of_key_only_table_does_nothing_on_conflict},
		{"update_delete_truncate_statement_shapes",
		 test_update_delete_truncate_statement_shapes},
		{"copy_statement_and_rows_escape_text_format",
		 test_copy_statement_and_rows_escape_text_format},
		{"create_table_has_types_not_null_and_primary_key",
		 test_create_table_has_types_not_null_and_primary_key},
		{"rows_per_statement_respects_parameter_limit",
		 test_rows_per_statement_respects_parameter_limit},
		{"schema_to_column_type", test_schema_to_column_type},
		{"values_as_postgres_text", test_values_as_postgres_text},
		{"debezium_create_unwraps_after_with_key_from_record_key",
		 test_debezium_create_unwraps_after_with_key_from_record_key},
		{"debezium_delete_and_tombstone_delete_by_key",
		 test_debezium_delete_and_tombstone_delete_by_key},
		{"deletes_are_skipped_without_delete_enabled",
		 test_deletes_are_skipped_without_delete_enabled},
		{"debezium_truncate_truncates_with_delete_enabled",
		 test_debezium_truncate_truncates_with_delete_enabled},
		{"flat_struct_with_record_value_key", test_flat_struct_with_record_value_key},
		{"unmappable_records_are_errors", test_unmappable_records_are_errors},
		{"shapes_are_shared_by_rows_with_the_same_columns",
		 test_shapes_are_shared_by_rows_with_the_same_columns},
		{"dedupe_keeps_last_row_of_each_key_in_first_place",
		 test_dedupe_keeps_last_row_of_each_key_in_first_place},
		{"doubles_are_written_as_their_shortest_decimal",
		 test_doubles_are_written_as_their_shortest_decimal},
		{"records_of_one_schema_object_map_like_the_first",
		 test_records_of_one_schema_object_map_like_the_first},
		{"a_new_schema_object_gets_its_own_columns",
		 test_a_new_schema_object_gets_its_own_columns},
		{"staging_statements_copy_and_merge", test_staging_statements_copy_and_merge},
		{"keyset_tells_repeated_keys", test_keyset_tells_repeated_keys},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("pg_sink", NULL, NULL, tests);
}
