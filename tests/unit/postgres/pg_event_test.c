/* Unit tests for the Debezium event builder: key and envelope JSON through
 * the JsonConverter (schemas.enable) against Debezium 3.x's shape, the type
 * mapping in both decimal and time modes, parse errors, unchanged TOAST,
 * truncate and message events, and the per-relation cache. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convert.h"
#include "pg_event.h"
#include "pgoutput_fixtures.h"
#include "runner.h"
#include "sluice/util.h"

/* ---- helpers ------------------------------------------------------------ */

/* A test world: config, types (with the captured enum), builder, decoder. */
typedef struct world {
	sl_pg_event_config_t cfg;
	sl_pg_types_t *types;
	sl_pg_event_builder_t *b;
	sl_pg_decoder_t *d;
	uint8_t *bufs[8];
	int nbufs;
	char err[512];
} world_t;

static void world_init(world_t *w, sl_pg_decimal_mode_t dm, sl_pg_time_mode_t tm)
{
	memset(w, 0, sizeof(*w));
	w->cfg = (sl_pg_event_config_t){
		.topic_prefix = "pg",
		.database = "postgres",
		.decimal_mode = dm,
		.time_mode = tm,
		.unavailable_placeholder = "__debezium_unavailable_value",
	};
	w->types = sl_pg_types_new();
	sl_pg_types_add(w->types, 16385, "mood", 'e', 0, 0);
	sl_pg_types_set_labels(w->types, 16385, "happy,sad");
	sl_pg_types_set_labels(w->types, 99998, "not,added"); /* ignored */
	w->b = sl_pg_event_builder_new(&w->cfg, w->types);
	w->d = sl_pg_decoder_new();
}

static void world_free(world_t *w)
{
	for (int i = 0; i < w->nbufs; i++)
		free(w->bufs[i]);
	sl_pg_event_builder_free(w->b);
	sl_pg_types_free(w->types);
	sl_pg_decoder_free(w->d);
}

/* Decodes a fixture (kept alive until world_free) into m. */
static void decode(world_t *w, const char *hex, sl_pg_msg_t *m)
{
	size_t n = strlen(hex) / 2;
	uint8_t *p = malloc(n);

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		p[i] = (uint8_t)v;
	}
	CU_ASSERT_FATAL(w->nbufs < 8);
	w->bufs[w->nbufs++] = p;
	int rc = sl_pg_decode(w->d, p, n, m, w->err, sizeof(w->err));
	if (rc)
		fprintf(stderr, "\n    decode: %s\n", w->err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static const sl_pg_source_info_t SRC = {
	.ts_ms = 1795624729167,
	.ts_us = 1795624729167781,
	.snapshot = "false",
	.txid = 731,
	.lsn = 0x1537240,
	.last_commit_lsn = 0x1537000,
};

/* Pins an event's processing times (its own ts_ms, ts_us and ts_ns, not
 * its source block's) to 1, 2, 3 in its text: the last ,"ts_ms": of a
 * change event, the first member but one of a message event. */
static void pin_times(sl_value_t *v)
{
	static const char msg[] = "{\"op\":\"m\",\"ts_ms\":";
	const char *at = NULL, *end;
	sl_buf_t text = {0};

	if (v->kind != SL_VALUE_JSON_TEXT)
		return;
	if (!strncmp(v->data, msg, strlen(msg))) {
		at = v->data + strlen(msg) - strlen(",\"ts_ms\":");
		end = strchr(at + 1, ',');
		sl_buf_append(&text, v->data, (size_t)(at - v->data));
		sl_buf_append_str(&text, ",\"ts_ms\":1");
		sl_buf_append_str(&text, end);
	} else {
		for (const char *p = strstr(v->data, ",\"ts_ms\":"); p;
		     p = strstr(p + 1, ",\"ts_ms\":"))
			at = p;
		if (!at)
			return;
		sl_buf_append(&text, v->data, (size_t)(at - v->data));
		sl_buf_append_str(&text, strstr(at, "ts_us")
						 ? ",\"ts_ms\":1,\"ts_us\":2,\"ts_ns\":3}"
						 : ",\"ts_ms\":1}");
	}
	json_t *schema = v->schema ? json_incref(v->schema) : NULL;
	size_t len = text.len;
	sl_value_take_json_text(v, sl_buf_steal(&text), len, schema);
}

/* Record value v as a JSON tree (events are JSON text). */
static const json_t *tree(sl_value_t *v)
{
	sl_value_materialize(v);
	return v->json;
}

/* The converter's bytes for v with schemas.enable (the JsonConverter
 * default); the envelope's processing times are pinned to 1, 2, 3 first.
 * Free the result. */
static char *as_json(sl_value_t *v)
{
	char err[256];
	sl_buf_t out = {0};
	bool is_null = false;
	sl_converter_t *c = sl_converter_new("json", false, NULL, err, sizeof(err));

	CU_ASSERT(v->kind == SL_VALUE_JSON_TEXT || v->kind == SL_VALUE_NULL);
	pin_times(v);
	CU_ASSERT_EQUAL(sl_converter_from_value(c, "t", v, &out, &is_null, err, sizeof(err)), 0);
	sl_converter_free(c);
	if (is_null) {
		sl_buf_free(&out);
		return sl_strdup("(null)");
	}
	return sl_buf_steal(&out);
}

/* The "after" (or "before") payload of an envelope as JsonConverter writes
 * it under its field schema. Free the result. */
static char *row_text(sl_value_t *v, const char *which)
{
	sl_buf_t out = {0};
	const json_t *fields = json_object_get(v->schema, "fields");
	const json_t *schema = json_array_get(fields, !strcmp(which, "before") ? 0 : 1);

	sl_json_write(&out, json_object_get(tree(v), which), schema);
	return sl_buf_steal(&out);
}

/* The schema of one column of the "after" struct, as JSON text. */
static char *column_schema_text(const sl_value_t *v, const char *column)
{
	sl_buf_t out = {0};
	const json_t *after = json_array_get(json_object_get(v->schema, "fields"), 1);
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(after, "fields"), i, f) {
		if (!strcmp(json_string_value(json_object_get(f, "field")), column))
			sl_json_write(&out, f, NULL);
	}
	return out.data ? sl_buf_steal(&out) : sl_strdup("(none)");
}

/* The text of column c of the "after" row of an event {"c": ...} as
 * the event has it (malloc()ed). */
static char *after_c(const sl_value_t *v)
{
	const char *start = strstr(v->data, ",\"after\":{\"c\":");
	const char *end = start ? strstr(start, "},\"source\":") : NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	start += strlen(",\"after\":{\"c\":");
	return sl_strndup(start, (size_t)(end - start));
}

/* Builds the insert event of the captured alltypes row fixture. */
static void alltypes_insert(world_t *w, const char *fixture, sl_value_t *key, sl_value_t *value)
{
	sl_pg_msg_t m;
	const char *topic = NULL;

	decode(w, FIX_REL_ALLTYPES, &m);
	decode(w, fixture, &m);
	int rc = sl_pg_event_build(w->b, m.rel, 'c', NULL, &m.new_tuple, &SRC, key, value, &topic,
				   w->err, sizeof(w->err));
	if (rc)
		fprintf(stderr, "\n    build: %s\n", w->err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(topic, "pg.public.alltypes");
}

/* A hand-made relation: inventory.customers (id int4 primary key, email
 * text) as the source describes it after reading the catalog. */
static sl_pg_column_t customer_cols[] = {
	{.name = "id", .type_oid = 23, .type_mod = -1, .key = true, .optional = false},
	{.name = "email", .type_oid = 25, .type_mod = -1, .key = false, .optional = true},
};
static const sl_pg_relation_t customers = {
	.oid = 5000,
	.schema = "inventory",
	.table = "customers",
	.replica_identity = 'd',
	.ncols = 2,
	.cols = customer_cols,
};

static sl_pg_tuple_t tuple2(sl_pg_datum_t *cols, const char *a, const char *b)
{
	cols[0] = (sl_pg_datum_t){a ? SL_PG_TEXT : SL_PG_NULL, a, a ? (uint32_t)strlen(a) : 0};
	cols[1] = (sl_pg_datum_t){b ? SL_PG_TEXT : SL_PG_NULL, b, b ? (uint32_t)strlen(b) : 0};
	return (sl_pg_tuple_t){2, cols};
}

/* ---- the Debezium shape ------------------------------------------------- */

#define SOURCE_SCHEMA                                                                              \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"      \
	"\"version\"},{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},{\"type\":" \
	"\"string\",\"optional\":false,\"field\":\"name\"},{\"type\":\"int64\",\"optional\":"      \
	"false,\"field\":\"ts_ms\"},{\"type\":\"string\",\"optional\":true,\"name\":\"io."         \
	"debezium.data.Enum\",\"version\":1,\"parameters\":{\"allowed\":\"true,first,first_in_"    \
	"data_collection,last_in_data_collection,last,false,incremental\"},\"default\":\"false\"," \
	"\"field\":\"snapshot\"},{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},{"      \
	"\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},{\"type\":\"int64\","       \
	"\"optional\":true,\"field\":\"ts_us\"},{\"type\":\"int64\",\"optional\":true,\"field\":"  \
	"\"ts_ns\"},{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},{\"type\":"      \
	"\"string\",\"optional\":false,\"field\":\"table\"},{\"type\":\"int64\",\"optional\":"     \
	"true,\"field\":\"txId\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},{"      \
	"\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"},{\"type\":\"string\","           \
	"\"optional\":"                                                                            \
	"true,\"field\":\"origin\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"origin_"     \
	"lsn\"}],\"optional\":false,\"name\":"                                                     \
	"\"io.debezium.connector.postgresql.Source\",\"version\":1,\"field\":\"source\"}"

#define TRANSACTION_SCHEMA                                                                         \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"      \
	"\"id\"},{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},{\"type\":"     \
	"\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],\"optional\":true,"    \
	"\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"}"

#define CUSTOMER_ROW(field)                                                                        \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"       \
	"\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"email\"}],\"optional\":true,"  \
	"\"name\":\"pg.inventory.customers.Value\",\"field\":\"" field "\"}"

#define CUSTOMER_ENVELOPE_SCHEMA                                                                   \
	"{\"type\":\"struct\",\"fields\":[" CUSTOMER_ROW("before") "," CUSTOMER_ROW(               \
		"after") "," SOURCE_SCHEMA "," TRANSACTION_SCHEMA                                  \
			 ",{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},{\"type\":"   \
			 "\"int64\","                                                              \
			 "\"optional\":true,\"field\":\"ts_ms\"},{\"type\":\"int64\","             \
			 "\"optional\":true,"                                                      \
			 "\"field\":\"ts_us\"},{\"type\":\"int64\",\"optional\":true,\"field\":"   \
			 "\"ts_ns\"}"                                                              \
			 "],\"optional\":false,\"name\":\"pg.inventory.customers.Envelope\","      \
			 "\"version\":2}"

#define CUSTOMER_SOURCE                                                                            \
	"{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"pg\",\"ts_ms\":"     \
	"1795624729167,\"snapshot\":\"false\",\"db\":\"postgres\",\"sequence\":\"[\\\"22245376\\"  \
	"\",\\\"22245952\\\"]\",\"ts_us\":1795624729167781,\"ts_ns\":1795624729167781000,"         \
	"\"schema\":\"inventory\",\"table\":\"customers\",\"txId\":731,\"lsn\":22245952,\"xmin\":" \
	"null,\"origin\":null,\"origin_lsn\":null}"

static void test_insert_key_and_envelope_have_debezium_3_shape(void)
{
	world_t w;
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t after = tuple2(cols, "1006", "liam3@example.com");
	sl_value_t key = {0}, value = {0};
	const char *topic;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &customers, 'c', NULL, &after, &SRC, &key,
						&value, &topic, w.err, sizeof(w.err)),
			      0);
	CU_ASSERT_STRING_EQUAL(topic, "pg.inventory.customers");
	char *k = as_json(&key), *v = as_json(&value);
	SL_ASSERT_TEXT(k, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
			  "\"optional\":false,\"field\":\"id\"}],\"optional\":false,\"name\":\"pg."
			  "inventory.customers.Key\"},\"payload\":{\"id\":1006}}");
	SL_ASSERT_TEXT(v, "{\"schema\":" CUSTOMER_ENVELOPE_SCHEMA ",\"payload\":{\"before\":null,"
			  "\"after\":{\"id\":1006,\"email\":\"liam3@example.com\"},"
			  "\"source\":" CUSTOMER_SOURCE
			  ",\"transaction\":null,\"op\":\"c\",\"ts_ms\":1,\"ts_us\":2,"
			  "\"ts_ns\":3}}");
	free(k);
	free(v);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_delete_takes_key_from_before_and_has_null_after(void)
{
	world_t w;
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t before = tuple2(cols, "1006", NULL);
	sl_value_t key = {0}, value = {0};
	const char *topic;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &customers, 'd', &before, NULL, &SRC, &key,
						&value, &topic, w.err, sizeof(w.err)),
			      0);
	char *k = as_json(&key), *v = as_json(&value);
	SL_ASSERT_CONTAINS(k, "\"payload\":{\"id\":1006}}");
	SL_ASSERT_CONTAINS(v, "\"payload\":{\"before\":{\"id\":1006,\"email\":null},\"after\":null,"
			      "\"source\":" CUSTOMER_SOURCE ",\"transaction\":null,\"op\":\"d\"");
	free(k);
	free(v);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_snapshot_read_without_txid_or_lsn_has_null_source_fields(void)
{
	world_t w;
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t after = tuple2(cols, "7", "a@b");
	sl_pg_source_info_t src = {.ts_ms = 1000, .snapshot = "last", .txid = -1};
	sl_value_t key = {0}, value = {0};
	const char *topic;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &customers, 'r', NULL, &after, &src, &key,
						&value, &topic, w.err, sizeof(w.err)),
			      0);
	char *v = as_json(&value);
	SL_ASSERT_CONTAINS(
		v, "\"ts_ms\":1000,\"snapshot\":\"last\",\"db\":\"postgres\",\"sequence\":"
		   "\"[null,null]\",\"ts_us\":1000000,\"ts_ns\":1000000000,\"schema\":"
		   "\"inventory\",\"table\":\"customers\",\"txId\":null,\"lsn\":null,"
		   "\"xmin\":null,\"origin\":null,\"origin_lsn\":null},\"transaction\":null,"
		   "\"op\":\"r\"");
	free(v);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_envelope_processing_times_are_now(void)
{
	world_t w;
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t after = tuple2(cols, "1", NULL);
	sl_value_t key = {0}, value = {0};
	const char *topic;
	struct timespec t0, t1;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	clock_gettime(CLOCK_REALTIME, &t0);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &customers, 'c', NULL, &after, &SRC, &key,
						&value, &topic, w.err, sizeof(w.err)),
			      0);
	clock_gettime(CLOCK_REALTIME, &t1);
	json_int_t ms = json_integer_value(json_object_get(tree(&value), "ts_ms"));
	json_int_t ns = json_integer_value(json_object_get(value.json, "ts_ns"));
	CU_ASSERT(ms >= (json_int_t)t0.tv_sec * 1000 + t0.tv_nsec / 1000000);
	CU_ASSERT(ms <= (json_int_t)t1.tv_sec * 1000 + t1.tv_nsec / 1000000);
	CU_ASSERT_EQUAL(ns / 1000000, ms);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(value.json, "ts_us")), ns / 1000);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

/* ---- the type mapping --------------------------------------------------- */

static void test_alltypes_payload_adaptive_precise(void)
{
	world_t w;
	sl_value_t key = {0}, value = {0};

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	alltypes_insert(&w, FIX_INS_ALLTYPES_VALUES, &key, &value);
	char *after = row_text(&value, "after");
	SL_ASSERT_TEXT(
		after,
		"{\"id\":1,\"b\":true,\"i2\":-32768,\"i8\":9223372036854775807,\"f4\":1.5,"
		"\"f8\":-2.25E-10,\"n\":\"SZYC0g==\",\"nv\":{\"scale\":6,\"value\":\"hQ==\"},"
		"\"t\":\"hé \\\"q\\\" \\\\ x\",\"vc\":\"varchar\",\"bp\":\"ab \",\"ba\":"
		"\"3q2+7w==\",\"d\":20782,\"tm\":36000123456,\"tm3\":86399999,\"ts\":"
		"1795600800123456,\"ts3\":500,\"tstz\":\"2026-11-25T10:00:00.123456Z\","
		"\"ttz\":\"08:00:00Z\",\"u\":\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\",\"j\":"
		"\"{\\\"a\\\": [1, 2]}\",\"jb\":\"{\\\"b\\\": {\\\"c\\\": null}}\",\"e\":"
		"\"happy\",\"ia\":[1,null,-3],\"ta\":[\"x y\",\"q\\\"z\",null,\"NULL\"],\"unk\":"
		"\"192.168.0.1/24\"}");
	free(after);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_alltypes_schemas_adaptive_precise(void)
{
	world_t w;
	sl_value_t key = {0}, value = {0};
	static const char *want[][2] = {
		{"f4", "{\"type\":\"float\",\"optional\":true,\"field\":\"f4\"}"},
		{"n",
		 "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data."
		 "Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\",\"connect.decimal."
		 "precision\":\"10\"},\"field\":\"n\"}"},
		{"nv", "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
		       "\"field\":\"scale\"},{\"type\":\"bytes\",\"optional\":false,\"field\":"
		       "\"value\"}],\"optional\":true,\"name\":\"io.debezium.data."
		       "VariableScaleDecimal\",\"version\":1,\"doc\":\"Variable scaled decimal\","
		       "\"field\":\"nv\"}"},
		{"d", "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\","
		      "\"version\":1,\"field\":\"d\"}"},
		{"tm",
		 "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTime\","
		 "\"version\":1,\"field\":\"tm\"}"},
		{"tm3", "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Time\","
			"\"version\":1,\"field\":\"tm3\"}"},
		{"ts", "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time."
		       "MicroTimestamp\",\"version\":1,\"field\":\"ts\"}"},
		{"ts3", "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time."
			"Timestamp\",\"version\":1,\"field\":\"ts3\"}"},
		{"tstz", "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time."
			 "ZonedTimestamp\",\"version\":1,\"field\":\"tstz\"}"},
		{"ttz", "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time."
			"ZonedTime\",\"version\":1,\"field\":\"ttz\"}"},
		{"u", "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Uuid\","
		      "\"version\":1,\"field\":\"u\"}"},
		{"jb", "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\","
		       "\"version\":1,\"field\":\"jb\"}"},
		{"e", "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\","
		      "\"version\":1,\"parameters\":{\"allowed\":\"happy,sad\"},\"field\":\"e\"}"},
		{"ia", "{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":true},"
		       "\"optional\":true,\"field\":\"ia\"}"},
		{"ba", "{\"type\":\"bytes\",\"optional\":true,\"field\":\"ba\"}"},
		{"unk", "{\"type\":\"string\",\"optional\":true,\"field\":\"unk\"}"},
	};

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	alltypes_insert(&w, FIX_INS_ALLTYPES_VALUES, &key, &value);
	for (size_t i = 0; i < SL_ARRAY_LEN(want); i++) {
		char *s = column_schema_text(&value, want[i][0]);
		SL_ASSERT_TEXT(s, want[i][1]);
		free(s);
	}
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_alltypes_connect_time_and_double_decimal(void)
{
	world_t w;
	sl_value_t key = {0}, value = {0};

	world_init(&w, SL_PG_DECIMAL_DOUBLE, SL_PG_TIME_CONNECT);
	alltypes_insert(&w, FIX_INS_ALLTYPES_VALUES, &key, &value);
	char *after = row_text(&value, "after");
	SL_ASSERT_CONTAINS(after, "\"n\":1.23456789E7,\"nv\":-1.23E-4,");
	SL_ASSERT_CONTAINS(after,
			   "\"d\":20782,\"tm\":36000123,\"tm3\":86399999,\"ts\":1795600800123,"
			   "\"ts3\":500,\"tstz\":\"2026-11-25T10:00:00.123456Z\"");
	char *s = column_schema_text(&value, "tm");
	SL_ASSERT_TEXT(s,
		       "{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect."
		       "data.Time\",\"version\":1,\"field\":\"tm\"}");
	free(s);
	s = column_schema_text(&value, "ts");
	SL_ASSERT_TEXT(s,
		       "{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect."
		       "data.Timestamp\",\"version\":1,\"field\":\"ts\"}");
	free(s);
	s = column_schema_text(&value, "d");
	SL_ASSERT_TEXT(s,
		       "{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect."
		       "data.Date\",\"version\":1,\"field\":\"d\"}");
	free(s);
	s = column_schema_text(&value, "n");
	SL_ASSERT_TEXT(s, "{\"type\":\"double\",\"optional\":true,\"field\":\"n\"}");
	free(s);
	free(after);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_string_decimal_mode_keeps_numeric_text(void)
{
	world_t w;
	sl_value_t key = {0}, value = {0};

	world_init(&w, SL_PG_DECIMAL_STRING, SL_PG_TIME_ADAPTIVE);
	alltypes_insert(&w, FIX_INS_ALLTYPES_VALUES, &key, &value);
	char *after = row_text(&value, "after");
	SL_ASSERT_CONTAINS(after, "\"n\":\"12345678.90\",\"nv\":\"-0.000123\",");
	char *s = column_schema_text(&value, "nv");
	SL_ASSERT_TEXT(s, "{\"type\":\"string\",\"optional\":true,\"field\":\"nv\"}");
	free(s);
	free(after);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_special_values_nan_infinity_and_bc(void)
{
	world_t w;
	sl_value_t key = {0}, value = {0};

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	alltypes_insert(&w, FIX_INS_ALLTYPES_SPECIAL, &key, &value);
	char *after = row_text(&value, "after");
	/* numeric NaN has no precise form: null; 0044-03-15 BC is year -43 */
	SL_ASSERT_TEXT(after,
		       "{\"id\":3,\"b\":null,\"i2\":null,\"i8\":null,\"f4\":\"NaN\",\"f8\":"
		       "\"-Infinity\",\"n\":null,\"nv\":null,\"t\":null,\"vc\":null,\"bp\":null,"
		       "\"ba\":null,\"d\":-735160,\"tm\":null,\"tm3\":null,\"ts\":"
		       "9223372036825200000,\"ts3\":null,\"tstz\":\"-infinity\",\"ttz\":null,"
		       "\"u\":null,\"j\":null,\"jb\":null,\"e\":null,\"ia\":null,\"ta\":null,"
		       "\"unk\":null}");
	free(after);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);

	world_init(&w, SL_PG_DECIMAL_DOUBLE, SL_PG_TIME_ADAPTIVE);
	alltypes_insert(&w, FIX_INS_ALLTYPES_SPECIAL, &key, &value);
	after = row_text(&value, "after");
	SL_ASSERT_CONTAINS(after, "\"nv\":\"NaN\"");
	free(after);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

/* One column of type oid/typmod with text under the modes dm and tm;
 * returns the payload JSON (or the column's schema when schema is true),
 * or the error. Free the result. */
static char *one_column(sl_pg_decimal_mode_t dm, sl_pg_time_mode_t tm, uint32_t oid, int32_t typmod,
			const char *text, bool schema)
{
	world_t w;
	sl_pg_column_t col = {.name = "c", .type_oid = oid, .type_mod = typmod, .optional = true};
	sl_pg_relation_t rel = {.oid = 1, .schema = "s", .table = "t", .ncols = 1, .cols = &col};
	sl_pg_datum_t dt = {SL_PG_TEXT, text, (uint32_t)strlen(text)};
	sl_pg_tuple_t tup = {1, &dt};
	sl_value_t key = {0}, value = {0};
	const char *topic;
	char *out;

	world_init(&w, dm, tm);
	if (sl_pg_event_build(w.b, &rel, 'c', NULL, &tup, &SRC, &key, &value, &topic, w.err,
			      sizeof(w.err)) < 0) {
		out = sl_asprintf("ERROR %s", w.err);
	} else if (schema) {
		out = column_schema_text(&value, "c");
	} else {
		out = after_c(&value);
	}
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
	return out;
}

static char *one_value(sl_pg_time_mode_t tm, uint32_t oid, int32_t typmod, const char *text)
{
	return one_column(SL_PG_DECIMAL_PRECISE, tm, oid, typmod, text, false);
}

#define ASSERT_VALUE(oid, typmod, text, want)                                                      \
	do {                                                                                       \
		char *got_ = one_value(SL_PG_TIME_ADAPTIVE, oid, typmod, text);                    \
		SL_ASSERT_TEXT(got_, want);                                                        \
		free(got_);                                                                        \
	} while (0)

static void test_zoned_timestamps_convert_offsets_to_utc_with_column_precision(void)
{
	/* Debezium's ZonedTimestamp: exactly the column's precision in
	 * fraction digits, 6 without one, even when they are zeros */
	ASSERT_VALUE(1184, -1, "2024-01-02 03:04:05+02", "\"2024-01-02T01:04:05.000000Z\"");
	ASSERT_VALUE(1184, -1, "2026-11-25 10:00:00+05:30", "\"2026-11-25T04:30:00.000000Z\"");
	ASSERT_VALUE(1184, -1, "2026-01-01 01:00:00.5-02", "\"2026-01-01T03:00:00.500000Z\"");
	ASSERT_VALUE(1184, 6, "2026-01-01 01:00:00.123456+00", "\"2026-01-01T01:00:00.123456Z\"");
	ASSERT_VALUE(1184, 3, "2026-01-01 01:00:00.5+00", "\"2026-01-01T01:00:00.500Z\"");
	ASSERT_VALUE(1184, 3, "2026-01-01 01:00:00+00", "\"2026-01-01T01:00:00.000Z\"");
	ASSERT_VALUE(1184, 1, "2026-01-01 01:00:00+00", "\"2026-01-01T01:00:00.0Z\"");
	/* precision 0: ISO-8601 without a fraction */
	ASSERT_VALUE(1184, 0, "2026-01-01 00:00:00+00", "\"2026-01-01T00:00:00Z\"");
	ASSERT_VALUE(1184, -1, "2000-01-01 00:30:00+01", "\"1999-12-31T23:30:00.000000Z\"");
	ASSERT_VALUE(1184, -1, "0001-01-01 00:00:00+00 BC", "\"0000-01-01T00:00:00.000000Z\"");
	ASSERT_VALUE(1266, -1, "01:00:00.25-03:30", "\"04:30:00.25Z\"");
	ASSERT_VALUE(1266, -1, "01:00:00+02", "\"23:00:00Z\"");
}

static void test_intervals_are_micro_durations_with_average_months(void)
{
	/* Debezium's MicroDuration: months of 30.4375 days, in doubles */
	ASSERT_VALUE(1186, -1, "1 day 02:03:04.5", "93784500000");
	ASSERT_VALUE(1186, -1, "1 year 2 mons 3 days 04:05:06", "37091106000000");
	ASSERT_VALUE(1186, -1, "1 mon", "2629800000000");
	ASSERT_VALUE(1186, -1, "-1 days +02:00:00", "-79200000000");
	ASSERT_VALUE(1186, -1, "-00:00:01.5", "-1500000");
	ASSERT_VALUE(1186, -1, "-00:00:00.000001", "-1");
	ASSERT_VALUE(1186, -1, "100:00:00", "360000000000");
	ASSERT_VALUE(1186, -1, "00:00:00", "0");
	ASSERT_VALUE(1186, -1, "1 fortnight",
		     "ERROR table s.t, column c (interval): value "
		     "\"1 fortnight\" is not a valid interval");
	ASSERT_VALUE(3614, -1, "'a' 'cat' 'fat'", "\"'a' 'cat' 'fat'\"");
}

static void test_timestamps_before_1970_and_midnight_24(void)
{
	ASSERT_VALUE(1114, -1, "1969-12-31 23:59:59.999999", "-1");
	ASSERT_VALUE(1114, 3, "1969-12-31 23:59:59.999", "-1");
	ASSERT_VALUE(1083, -1, "24:00:00", "86400000000");
	ASSERT_VALUE(1082, -1, "1970-01-01", "0");
	ASSERT_VALUE(1082, -1, "infinity", "2147483647");
	ASSERT_VALUE(1114, -1, "-infinity", "-9223372036832400000");
	char *got = one_value(SL_PG_TIME_CONNECT, 1114, -1, "1969-12-31 23:59:59.9995");
	SL_ASSERT_TEXT(got, "-1");
	free(got);
}

static void test_arrays_parse_quotes_escapes_and_nulls(void)
{
	ASSERT_VALUE(1009, -1, "{}", "[]");
	ASSERT_VALUE(1009, -1, "{a,\"b,c\",\"d\\\\e\",\"\",null}",
		     "[\"a\",\"b,c\",\"d\\\\e\",\"\",null]");
	ASSERT_VALUE(1000, -1, "{t,f,NULL}", "[true,false,null]");
	ASSERT_VALUE(1182, -1, "{2026-11-25,1970-01-02}", "[20782,1]");
	ASSERT_VALUE(1231, -1, "{1.5,NaN}", "[{\"scale\":1,\"value\":\"Dw==\"},null]");
	ASSERT_VALUE(1001, -1, "{\"\\\\x00ff\"}", "[\"AP8=\"]");
}

static void test_bytea_escape_form_and_bool_words(void)
{
	ASSERT_VALUE(17, -1, "a\\000\\\\\\377", "\"YQBc/w==\"");
	ASSERT_VALUE(17, -1, "\\x", "\"\"");
	ASSERT_VALUE(16, -1, "f", "false");
}

#define ASSERT_REFUSED(oid, typmod, text, fragment)                                                \
	do {                                                                                       \
		char *got_ = one_value(SL_PG_TIME_ADAPTIVE, oid, typmod, text);                    \
		SL_ASSERT_CONTAINS(got_, "ERROR table s.t, column c");                             \
		SL_ASSERT_CONTAINS(got_, fragment);                                                \
		free(got_);                                                                        \
	} while (0)

/* Integers are written as JSON numbers whatever form their text has: as
 * it is when PostgreSQL's own (canonical), rewritten otherwise. */
static void test_integer_texts_become_json_numbers(void)
{
	ASSERT_VALUE(20, -1, "9223372036854775807", "9223372036854775807");
	ASSERT_VALUE(20, -1, "-9223372036854775808", "-9223372036854775808");
	ASSERT_VALUE(23, -1, "0", "0");
	ASSERT_VALUE(23, -1, "-0", "0");
	ASSERT_VALUE(23, -1, "007", "7");
	ASSERT_VALUE(23, -1, "+5", "5");
	ASSERT_VALUE(21, -1, "-32768", "-32768");
	ASSERT_REFUSED(21, -1, "32768", "not a valid int2");
	ASSERT_REFUSED(20, -1, "-9223372036854775809", "not a valid int8");
	ASSERT_REFUSED(20, -1, "99999999999999999999", "not a valid int8");
	ASSERT_REFUSED(23, -1, "-", "not a valid int4");
	ASSERT_REFUSED(23, -1, "", "not a valid int4");
}

/* An event's own ts_ms, ts_us and ts_ns are one reading of the clock, in
 * three units, taken while the event was built. */
static void test_event_times_are_one_clock_reading_in_three_units(void)
{
	world_t w;
	sl_pg_column_t col = {.name = "c", .type_oid = 23, .type_mod = -1, .optional = true};
	sl_pg_relation_t rel = {.oid = 1, .schema = "s", .table = "t", .ncols = 1, .cols = &col};
	sl_pg_datum_t dt = {SL_PG_TEXT, "1", 1};
	sl_pg_tuple_t tup = {1, &dt};
	sl_value_t key = {0}, value = {0};
	const char *topic;
	struct timespec t0, t1;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	clock_gettime(CLOCK_REALTIME, &t0);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &rel, 'c', NULL, &tup, &SRC, &key, &value,
						&topic, w.err, sizeof(w.err)),
			      0);
	clock_gettime(CLOCK_REALTIME, &t1);
	const char *at = NULL;
	for (const char *p = strstr(value.data, ",\"ts_ms\":"); p; p = strstr(p + 1, ",\"ts_ms\":"))
		at = p;
	long long ms = -1, us = -1, ns = -1;
	CU_ASSERT_FATAL(at != NULL);
	CU_ASSERT_EQUAL(sscanf(at, ",\"ts_ms\":%lld,\"ts_us\":%lld,\"ts_ns\":%lld}", &ms, &us, &ns),
			3);
	long long lo = (long long)t0.tv_sec * 1000000000 + t0.tv_nsec;
	long long hi = (long long)t1.tv_sec * 1000000000 + t1.tv_nsec;
	CU_ASSERT(ns >= lo && ns <= hi);
	CU_ASSERT_EQUAL(us, ns / 1000);
	CU_ASSERT_EQUAL(ms, ns / 1000000);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

/* A UTC session's "...+00" text takes a path of its own: it must give what
 * the same instant written with another offset gives (the general path),
 * over month, year and leap-day edges, every fraction length and column
 * precision; and a "+00" text of a day that does not exist is refused. */
static void test_utc_timestamps_match_the_same_instant_at_another_offset(void)
{
	static const int typmods[] = {-1, 0, 3, 6};
	static const char *const fractions[] = {"",      ".5",     ".25",     ".125",
						".1234", ".12345", ".123456", ".000001"};
	int compared = 0;

	/* every 7 hours 13 minutes 5 seconds from 1999-12-25, for ~1.5 years */
	for (time_t t = 946080000; t < 946080000 + 540 * 86400; t += 7 * 3600 + 13 * 60 + 5) {
		struct tm utc, east;
		time_t t1 = t + 3600;
		char a[64], b[64], da[32], db[32];

		gmtime_r(&t, &utc);
		gmtime_r(&t1, &east);
		strftime(da, sizeof(da), "%Y-%m-%d %H:%M:%S", &utc);
		strftime(db, sizeof(db), "%Y-%m-%d %H:%M:%S", &east);
		const char *f = fractions[compared % 8];
		int typmod = typmods[compared % 4];
		snprintf(a, sizeof(a), "%s%s+00", da, f);
		snprintf(b, sizeof(b), "%s%s+01:00", db, f);
		char *ga = one_value(SL_PG_TIME_ADAPTIVE, 1184, typmod, a);
		char *gb = one_value(SL_PG_TIME_ADAPTIVE, 1184, typmod, b);
		if (strcmp(ga, gb))
			fprintf(stderr, "%s gave %s, %s gave %s\n", a, ga, b, gb);
		CU_ASSERT_STRING_EQUAL(ga, gb);
		CU_ASSERT_PTR_NULL(strstr(ga, "ERROR"));
		free(ga);
		free(gb);
		compared++;
	}
	CU_ASSERT(compared > 1500);
	ASSERT_REFUSED(1184, -1, "2026-02-29 10:00:00+00", "not a valid timestamptz");
	ASSERT_REFUSED(1184, -1, "2026-04-31 10:00:00+00", "not a valid timestamptz");
	ASSERT_REFUSED(1184, -1, "2026-11-25 10:60:00+00", "not a valid timestamptz");
	ASSERT_REFUSED(1184, -1, "2026-11-25 10:00:00.+00", "not a valid timestamptz");
	ASSERT_REFUSED(1184, -1, "2026-11-25 10:00:00.1234567+00", "not a valid timestamptz");
	ASSERT_REFUSED(1184, -1, "2026-11-2x 10:00:00+00", "not a valid timestamptz");
	ASSERT_VALUE(1184, -1, "2024-02-29 23:59:59.999999+00", "\"2024-02-29T23:59:59.999999Z\"");
	ASSERT_VALUE(1184, -1, "2026-11-25 24:00:00+00", "\"2026-11-26T00:00:00.000000Z\"");
}

static void test_values_that_do_not_parse_name_table_column_and_value(void)
{
	ASSERT_REFUSED(23, -1, "12x", "(int4): value \"12x\" is not a valid int4");
	ASSERT_REFUSED(23, -1, "2147483648", "not a valid int4");
	ASSERT_REFUSED(21, -1, "-32769", "not a valid int2");
	ASSERT_REFUSED(20, -1, "9223372036854775808", "not a valid int8");
	ASSERT_REFUSED(16, -1, "true", "not a valid bool");
	ASSERT_REFUSED(701, -1, "1.0 ", "not a valid float8");
	ASSERT_REFUSED(701, -1, "inf", "not a valid float8");
	ASSERT_REFUSED(1700, (10 << 16 | 2) + 4, "1.234", "not a valid numeric(10,2)");
	ASSERT_REFUSED(1700, -1, "1e5", "not a valid numeric");
	ASSERT_REFUSED(1082, -1, "2026-02-29", "not a valid date");
	ASSERT_REFUSED(1082, -1, "2026-13-01", "not a valid date");
	ASSERT_REFUSED(1083, -1, "10:60:00", "not a valid time");
	ASSERT_REFUSED(1114, -1, "2026-11-25T10:00:00", "not a valid timestamp");
	ASSERT_REFUSED(1184, -1, "2026-11-25 10:00:00", "not a valid timestamptz");
	ASSERT_REFUSED(1083, -1, "10:00:00.1234567", "not a valid time");
	ASSERT_REFUSED(17, -1, "\\x0", "not a valid bytea");
	ASSERT_REFUSED(17, -1, "a\\9", "not a valid bytea");
	ASSERT_REFUSED(1007, -1, "{{1,2},{3,4}}", "multi-dimensional");
	ASSERT_REFUSED(1007, -1, "[0:1]={1,2}", "not a one-dimensional _int4");
	ASSERT_REFUSED(1007, -1, "{1,x}", "element \"x\"");
	ASSERT_REFUSED(1009, -1, "{\"open}", "not a valid _text");
	ASSERT_REFUSED(1009, -1, "{a,,b}", "not a valid _text");
}

/* ---- TOAST, truncate, messages ------------------------------------------ */

#define ASSERT_MODE(dm, oid, typmod, text, want_schema, want)                                      \
	do {                                                                                       \
		char *got_ = one_column(dm, SL_PG_TIME_ADAPTIVE, oid, typmod, text, true);         \
		SL_ASSERT_TEXT(got_, want_schema);                                                 \
		free(got_);                                                                        \
		got_ = one_column(dm, SL_PG_TIME_ADAPTIVE, oid, typmod, text, false);              \
		SL_ASSERT_TEXT(got_, want);                                                        \
		free(got_);                                                                        \
	} while (0)

static void test_money_is_a_scale_2_decimal_double_or_string(void)
{
	const char *dec = "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka."
			  "connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"},"
			  "\"field\":\"c\"}";

	/* 1234 unscaled: 0x04d2 */
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 790, -1, "$12.34", dec, "\"BNI=\"");
	/* -123456 unscaled: 0xfe1dc0 */
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 790, -1, "-$1,234.56", dec, "\"/h3A\"");
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 790, -1, "($1,234.56)", dec, "\"/h3A\"");
	/* fewer fraction digits are scaled up, more rounded half up */
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 790, -1, "$5", dec, "\"AfQ=\"");
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 790, -1, "$9.995", dec, "\"A+g=\"");
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 790, -1, "$0.00", dec, "\"AA==\"");
	ASSERT_MODE(SL_PG_DECIMAL_DOUBLE, 790, -1, "-$1,234.56",
		    "{\"type\":\"double\",\"optional\":true,\"field\":\"c\"}", "-1234.56");
	ASSERT_MODE(SL_PG_DECIMAL_STRING, 790, -1, "$1,234.50",
		    "{\"type\":\"string\",\"optional\":true,\"field\":\"c\"}", "\"1234.50\"");
	ASSERT_REFUSED(790, -1, "$1.2.3", "(money): value \"$1.2.3\" is not a valid money");
	ASSERT_REFUSED(790, -1, "1,234,56 EUR", "not a valid money");
}

static void test_bit_strings_are_little_endian_bits_or_a_boolean(void)
{
	const char *bits3 =
		"{\"type\":\"bytes\",\"optional\":true,\"name\":\"io.debezium.data."
		"Bits\",\"version\":1,\"parameters\":{\"length\":\"3\"},\"field\":\"c\"}";

	/* the last character is bit 0: 101 -> 0x05, 011 -> 0x03 */
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 1560, 3, "101", bits3, "\"BQ==\"");
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 1560, 3, "011", bits3, "\"Aw==\"");
	/* as few bytes as the highest set bit needs, none for zeros */
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 1560, 3, "000", bits3, "\"\"");
	/* 1 0000 0000 0010 -> 0x02 0x10 */
	ASSERT_VALUE(1562, 16, "1000000000010", "\"AhA=\"");
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 1562, -1, "11",
		    "{\"type\":\"bytes\",\"optional\":true,\"name\":\"io.debezium.data.Bits\","
		    "\"version\":1,\"parameters\":{\"length\":\"2147483647\"},\"field\":\"c\"}",
		    "\"Aw==\"");
	ASSERT_MODE(SL_PG_DECIMAL_PRECISE, 1560, 1, "1",
		    "{\"type\":\"boolean\",\"optional\":true,\"field\":\"c\"}", "true");
	ASSERT_VALUE(1562, 1, "0", "false");
	ASSERT_REFUSED(1560, 3, "102", "(bit): value \"102\" is not a valid bit");
}

static void test_point_is_a_geometry_point_with_its_wkb(void)
{
	ASSERT_MODE(
		SL_PG_DECIMAL_PRECISE, 600, -1, "(1,2)",
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"double\",\"optional\":false,"
		"\"field\":\"x\"},{\"type\":\"double\",\"optional\":false,\"field\":\"y\"},{"
		"\"type\":\"bytes\",\"optional\":true,\"field\":\"wkb\"},{\"type\":\"int32\","
		"\"optional\":true,\"field\":\"srid\"}],\"optional\":true,\"name\":\"io.debezium."
		"data.geometry.Point\",\"version\":1,\"doc\":\"Geometry (POINT)\",\"field\":\"c\"}",
		/* 01, type 1 LE, 1.0 LE, 2.0 LE */
		"{\"x\":1.0,\"y\":2.0,\"wkb\":\"AQEAAAAAAAAAAADwPwAAAAAAAABA\",\"srid\":null}");
	ASSERT_VALUE(600, -1, "(-1.5,1e+100)",
		     "{\"x\":-1.5,\"y\":1.0E100,\"wkb\":\"AQEAAAAAAAAAAAD4v33DlCWtSbJU\",\"srid\":"
		     "null}");
	ASSERT_REFUSED(600, -1, "(1;2)", "(point): value \"(1;2)\" is not a valid point");
	ASSERT_REFUSED(600, -1, "(1,2", "not a valid point");
}

/* The "after" value of a NOT NULL column that came without a value (a
 * delete's old row under REPLICA IDENTITY DEFAULT carries only the key):
 * Debezium's fallback for the column's schema, not a null a required
 * field cannot hold. */
static char *required_null(sl_pg_decimal_mode_t dm, uint32_t oid, int32_t typmod)
{
	world_t w;
	sl_pg_column_t col = {.name = "c", .type_oid = oid, .type_mod = typmod, .optional = false};
	sl_pg_relation_t rel = {.oid = 1, .schema = "s", .table = "t", .ncols = 1, .cols = &col};
	sl_pg_datum_t dt = {SL_PG_NULL, NULL, 0};
	sl_pg_tuple_t tup = {1, &dt};
	sl_value_t key = {0}, value = {0};
	const char *topic;
	char *out;

	world_init(&w, dm, SL_PG_TIME_ADAPTIVE);
	if (sl_pg_event_build(w.b, &rel, 'c', NULL, &tup, &SRC, &key, &value, &topic, w.err,
			      sizeof(w.err)) < 0) {
		out = sl_asprintf("ERROR %s", w.err);
	} else {
		out = after_c(&value);
	}
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
	return out;
}

#define ASSERT_FALLBACK(dm, oid, typmod, want)                                                     \
	do {                                                                                       \
		char *got_ = required_null(dm, oid, typmod);                                       \
		SL_ASSERT_TEXT(got_, want);                                                        \
		free(got_);                                                                        \
	} while (0)

static void test_required_column_without_value_gets_debezium_fallback(void)
{
	ASSERT_FALLBACK(SL_PG_DECIMAL_PRECISE, 16, -1, "false");
	ASSERT_FALLBACK(SL_PG_DECIMAL_PRECISE, 23, -1, "0");
	ASSERT_FALLBACK(SL_PG_DECIMAL_PRECISE, 701, -1, "0.0");
	ASSERT_FALLBACK(SL_PG_DECIMAL_PRECISE, 25, -1, "\"\"");
	ASSERT_FALLBACK(SL_PG_DECIMAL_PRECISE, 1007, -1, "[]");
	/* numeric without a scale: a VariableScaleDecimal of 0 */
	ASSERT_FALLBACK(SL_PG_DECIMAL_PRECISE, 1700, -1, "{\"scale\":0,\"value\":\"AA==\"}");
	/* money: a Decimal of 0, 0.0, or "0.00" as the mode has it */
	ASSERT_FALLBACK(SL_PG_DECIMAL_PRECISE, 790, -1, "\"AA==\"");
	ASSERT_FALLBACK(SL_PG_DECIMAL_DOUBLE, 790, -1, "0.0");
	ASSERT_FALLBACK(SL_PG_DECIMAL_STRING, 790, -1, "\"0.00\"");
	ASSERT_FALLBACK(SL_PG_DECIMAL_STRING, 1700, -1, "\"\"");
	/* point: Debezium's Point.createValue(0, 0) */
	ASSERT_FALLBACK(
		SL_PG_DECIMAL_PRECISE, 600, -1,
		"{\"x\":0.0,\"y\":0.0,\"wkb\":\"AQEAAAAAAAAAAAAAAAAAAAAAAAAA\",\"srid\":null}");
}

static void test_unchanged_toast_becomes_placeholder_or_old_value(void)
{
	world_t w;
	sl_pg_msg_t m;
	sl_value_t key = {0}, value = {0};
	const char *topic;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	decode(&w, FIX_REL_CUSTOMERS, &m);
	decode(&w, FIX_UPD_CUSTOMERS_UNCHANGED_TOAST, &m);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, m.rel, 'u', NULL, &m.new_tuple, &SRC, &key,
						&value, &topic, w.err, sizeof(w.err)),
			      0);
	char *after = row_text(&value, "after");
	SL_ASSERT_TEXT(after,
		       "{\"id\":1,\"name\":\"alice2\",\"big\":\"__debezium_unavailable_value\"}");
	free(after);

	/* with the old row at hand (REPLICA IDENTITY FULL) its value is used */
	sl_pg_datum_t oldc[3] = {
		{SL_PG_TEXT, "1", 1}, {SL_PG_TEXT, "alice", 5}, {SL_PG_TEXT, "xxxx", 4}};
	sl_pg_tuple_t old = {3, oldc};
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, m.rel, 'u', &old, &m.new_tuple, &SRC, &key,
						&value, &topic, w.err, sizeof(w.err)),
			      0);
	after = row_text(&value, "after");
	SL_ASSERT_TEXT(after, "{\"id\":1,\"name\":\"alice2\",\"big\":\"xxxx\"}");
	free(after);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_truncate_event_has_null_key_and_op_t(void)
{
	world_t w;
	sl_value_t key = {0}, value = {0};
	const char *topic;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build_truncate(w.b, &customers, &SRC, &key, &value,
							 &topic, w.err, sizeof(w.err)),
			      0);
	CU_ASSERT_EQUAL(key.kind, SL_VALUE_NULL);
	CU_ASSERT_STRING_EQUAL(topic, "pg.inventory.customers");
	char *v = as_json(&value);
	SL_ASSERT_TEXT(v,
		       "{\"schema\":" CUSTOMER_ENVELOPE_SCHEMA ",\"payload\":{\"before\":null,"
		       "\"after\":null,\"source\":" CUSTOMER_SOURCE ",\"transaction\":null,\"op\":"
		       "\"t\",\"ts_ms\":1,\"ts_us\":2,\"ts_ns\":3}}");
	free(v);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_message_event_has_prefix_key_and_base64_content(void)
{
	world_t w;
	sl_pg_msg_t m;
	sl_value_t key = {0}, value = {0};
	const char *topic;
	sl_pg_source_info_t src = SRC;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	decode(&w, FIX_MSG_TRANSACTIONAL, &m);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build_message(w.b, &m, &src, &key, &value, &topic, w.err,
							sizeof(w.err)),
			      0);
	CU_ASSERT_STRING_EQUAL(topic, "pg.message");
	char *k = as_json(&key), *v = as_json(&value);
	SL_ASSERT_TEXT(k,
		       "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
		       "\"optional\":true,\"field\":\"prefix\"}],\"optional\":false,\"name\":\"io."
		       "debezium.connector.postgresql.MessageKey\",\"version\":1},\"payload\":{"
		       "\"prefix\":\"tx-prefix\"}}");
	SL_ASSERT_TEXT(
		v, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
		   "\"optional\":false,\"field\":\"op\"},{\"type\":\"int64\",\"optional\":true,"
		   "\"field\":\"ts_ms\"}," SOURCE_SCHEMA "," TRANSACTION_SCHEMA ",{\"type\":"
		   "\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,\"field\":"
		   "\"prefix\"},{\"type\":\"bytes\",\"optional\":true,\"field\":\"content\"}],"
		   "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Message\","
		   "\"version\":1,\"field\":\"message\"}],\"optional\":false,\"name\":\"io."
		   "debezium.connector.postgresql.MessageValue\",\"version\":1},\"payload\":{"
		   "\"op\":\"m\",\"ts_ms\":1,\"source\":{\"version\":\"3.6.1.Final\","
		   "\"connector\":\"postgresql\",\"name\":\"pg\",\"ts_ms\":1795624729167,"
		   "\"snapshot\":\"false\",\"db\":\"postgres\",\"sequence\":\"[\\\"22245376\\\","
		   "\\\"22245952\\\"]\",\"ts_us\":1795624729167781,\"ts_ns\":"
		   "1795624729167781000,\"schema\":\"\",\"table\":\"\",\"txId\":731,\"lsn\":"
		   "22245952,\"xmin\":null,\"origin\":null,\"origin_lsn\":null},"
		   "\"transaction\":null,\"message\":{\"prefix\":"
		   "\"tx-prefix\",\"content\":\"aGVsbG8=\"}}}");
	free(k);
	free(v);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_topic_outlives_a_relation_change_in_the_same_batch(void)
{
	world_t w;
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t after = tuple2(cols, "1", NULL);
	sl_value_t key = {0}, value = {0};
	const char *topic, *again;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &customers, 'c', NULL, &after, &SRC, &key,
						&value, &topic, w.err, sizeof(w.err)),
			      0);
	sl_value_clear(&key);
	sl_value_clear(&value);
	/* a Relation message for the table comes before the batch is sent:
	 * the records already in it still point at their topic */
	sl_pg_event_builder_invalidate(w.b, customers.oid);
	CU_ASSERT_STRING_EQUAL(topic, "pg.inventory.customers");
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &customers, 'c', NULL, &after, &SRC, &key,
						&value, &again, w.err, sizeof(w.err)),
			      0);
	CU_ASSERT_PTR_EQUAL(again, topic);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

/* ---- source.origin ------------------------------------------------------ */

/* The source block of the insert of customers row 1 with src. Free it. */
static char *source_text(world_t *w, const sl_pg_source_info_t *src)
{
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t after = tuple2(cols, "1", NULL);
	sl_value_t key = {0}, value = {0};
	const char *topic;
	sl_buf_t out = {0};

	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w->b, &customers, 'c', NULL, &after, src, &key,
						&value, &topic, w->err, sizeof(w->err)),
			      0);
	sl_json_write(&out, json_object_get(tree(&value), "source"), NULL);
	sl_value_clear(&key);
	sl_value_clear(&value);
	return sl_buf_steal(&out);
}

static void test_source_carries_the_replication_origin_and_its_lsn(void)
{
	world_t w;
	sl_pg_source_info_t src = SRC;
	char name[16] = "sub_a";
	char *a, *b, *c;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	src.origin = name;
	src.origin_lsn = 0x3000060;
	a = source_text(&w, &src);
	SL_ASSERT_CONTAINS(a, "\"xmin\":null,\"origin\":\"sub_a\",\"origin_lsn\":50331744}");
	/* the decoder reuses the name's memory for the next transaction's
	 * origin: the shared source block must not be the old one */
	memcpy(name, "sub_b", 6);
	b = source_text(&w, &src);
	SL_ASSERT_CONTAINS(b, "\"origin\":\"sub_b\",\"origin_lsn\":50331744}");
	src.origin = NULL;
	c = source_text(&w, &src);
	SL_ASSERT_CONTAINS(c, "\"origin\":null,\"origin_lsn\":null}");
	free(a);
	free(b);
	free(c);
	world_free(&w);
}

/* ---- the cache ---------------------------------------------------------- */

static void test_schemas_and_topic_are_cached_until_the_relation_changes(void)
{
	world_t w;
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t after = tuple2(cols, "1", "x");
	sl_value_t key = {0}, value = {0};
	const char *t1, *t2;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	sl_pg_event_build(w.b, &customers, 'c', NULL, &after, &SRC, &key, &value, &t1, w.err,
			  sizeof(w.err));
	json_t *schema = json_incref(value.schema), *kschema = json_incref(key.schema);
	sl_value_clear(&key);
	sl_value_clear(&value);
	sl_pg_event_build(w.b, &customers, 'c', NULL, &after, &SRC, &key, &value, &t2, w.err,
			  sizeof(w.err));
	CU_ASSERT_PTR_EQUAL(value.schema, schema);
	CU_ASSERT_PTR_EQUAL(key.schema, kschema);
	CU_ASSERT_PTR_EQUAL(t1, t2);
	sl_value_clear(&key);
	sl_value_clear(&value);

	/* a changed column type rebuilds the schemas even without invalidate */
	sl_pg_column_t cols2[2] = {customer_cols[0], customer_cols[1]};
	sl_pg_relation_t changed = customers;
	cols2[1].type_oid = 3802; /* email becomes jsonb */
	changed.cols = cols2;
	sl_pg_event_build(w.b, &changed, 'c', NULL, &after, &SRC, &key, &value, &t2, w.err,
			  sizeof(w.err));
	CU_ASSERT_PTR_NOT_EQUAL(value.schema, schema);
	char *s = column_schema_text(&value, "email");
	SL_ASSERT_CONTAINS(s, "io.debezium.data.Json");
	free(s);
	sl_value_clear(&key);
	sl_value_clear(&value);

	/* invalidate drops the entry */
	sl_pg_event_builder_invalidate(w.b, changed.oid);
	sl_pg_event_build(w.b, &customers, 'c', NULL, &after, &SRC, &key, &value, &t2, w.err,
			  sizeof(w.err));
	CU_ASSERT_PTR_NOT_EQUAL(value.schema, schema);
	CU_ASSERT(json_equal(value.schema, schema));
	json_decref(schema);
	json_decref(kschema);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

/* The snapshot marker is the source block's, found in the event's text
 * even when columns are named "snapshot" and "source" and hold text that
 * looks like the member; the key and the rows stay as they were. */
static void test_snapshot_marker_is_the_source_blocks_whatever_the_columns(void)
{
	world_t w;
	sl_pg_column_t cols[] = {
		{.name = "snapshot", .type_oid = 25, .type_mod = -1, .key = true},
		{.name = "source", .type_oid = 25, .type_mod = -1, .optional = true},
	};
	sl_pg_relation_t rel = {.oid = 77,
				.schema = "s",
				.table = "t",
				.replica_identity = 'd',
				.ncols = 2,
				.cols = cols};
	sl_pg_datum_t dt[2];
	sl_pg_tuple_t after = tuple2(dt, "first", ",\"snapshot\":\"true\"");
	sl_pg_source_info_t src = SRC;
	sl_value_t key = {0}, value = {0};
	const char *topic;
	char marker[32];

	src.snapshot = "first";
	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &rel, 'r', NULL, &after, &src, &key, &value,
						&topic, w.err, sizeof(w.err)),
			      0);
	CU_ASSERT_FATAL(sl_pg_event_snapshot_marker(&value, marker, sizeof(marker)));
	CU_ASSERT_STRING_EQUAL(marker, "first");
	CU_ASSERT(sl_pg_event_set_snapshot_marker(&value, "last_in_data_collection"));
	CU_ASSERT(sl_pg_event_snapshot_marker(&value, marker, sizeof(marker)));
	CU_ASSERT_STRING_EQUAL(marker, "last_in_data_collection");
	CU_ASSERT_FALSE(sl_pg_event_snapshot_marker(&value, marker, 4)); /* does not fit */
	const json_t *env = tree(&value);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(env, "source"), "snapshot")),
		"last_in_data_collection");
	const json_t *row = json_object_get(env, "after");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(row, "snapshot")), "first");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(row, "source")),
			       ",\"snapshot\":\"true\"");
	char *k = as_json(&key);
	SL_ASSERT_CONTAINS(k, "\"payload\":{\"snapshot\":\"first\"}");
	free(k);
	/* a value that is no event has no marker */
	CU_ASSERT_FALSE(sl_pg_event_snapshot_marker(&key, marker, sizeof(marker)));
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

/* A relation renamed under the same oid gets the new names in its source
 * block, though consecutive events share the block's text. */
static void test_source_block_follows_a_renamed_relation(void)
{
	world_t w;
	sl_pg_datum_t cols[2];
	sl_pg_tuple_t after = tuple2(cols, "1", "x");
	sl_pg_relation_t renamed = customers;
	sl_value_t key = {0}, value = {0};
	const char *topic;

	renamed.table = "clients";
	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	for (int i = 0; i < 2; i++) {
		const sl_pg_relation_t *rel = i ? &renamed : &customers;
		if (i)
			sl_pg_event_builder_invalidate(w.b, customers.oid);
		CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, rel, 'c', NULL, &after, &SRC, &key,
							&value, &topic, w.err, sizeof(w.err)),
				      0);
		const json_t *src = json_object_get(tree(&value), "source");
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(src, "table")),
				       i ? "clients" : "customers");
		sl_value_clear(&key);
		sl_value_clear(&value);
	}
	world_free(&w);
}

/* numeric(p,s) values as Decimals: the short ones written without the
 * general encoder give what it gives (BigInteger.toByteArray's fewest
 * bytes at each sign boundary), the long ones go through it. */
static void test_decimals_short_and_long_match_the_general_encoder(void)
{
	static const char *const values[] = {
		"0",
		"0.00",
		"-0.00",
		"1",
		"-1",
		"1.27",
		"1.28",
		"-1.28",
		"-1.29",
		"2.55",
		"2.56",
		"327.67",
		"327.68",
		"-327.68",
		"-327.69",
		"12345678.90",
		"-99999999999999.99",
		"9999999999999999.99",
		"92233720368547758.07",
		"-92233720368547758.08",
		"123456789012345678901234.5",
		"0.01",
		"-0.01",
		"5",
	};
	const int32_t typmod = ((30 << 16) | 2) + 4; /* numeric(30,2) */

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char *b64 = NULL, *want,
		     *got = one_value(SL_PG_TIME_ADAPTIVE, 1700, typmod, values[i]);
		CU_ASSERT_EQUAL_FATAL(sl_decimal_to_base64(values[i], 2, &b64), 0);
		want = sl_asprintf("\"%s\"", b64);
		if (strcmp(got, want))
			fprintf(stderr, "\n    %s: got %s, want %s\n", values[i], got, want);
		CU_ASSERT_STRING_EQUAL(got, want);
		free(b64);
		free(want);
		free(got);
	}
	/* more fraction digits than the scale, NaN */
	char *got = one_value(SL_PG_TIME_ADAPTIVE, 1700, typmod, "1.234");
	SL_ASSERT_CONTAINS(got, "ERROR");
	free(got);
	got = one_value(SL_PG_TIME_ADAPTIVE, 1700, typmod, "NaN");
	CU_ASSERT_STRING_EQUAL(got, "null");
	free(got);
}

static void test_table_without_key_columns_has_null_key_and_clean_topic(void)
{
	world_t w;
	sl_pg_column_t col = {.name = "v", .type_oid = 25, .type_mod = -1, .optional = true};
	sl_pg_relation_t rel = {
		.oid = 9, .schema = "my schema", .table = "t$1", .ncols = 1, .cols = &col};
	sl_pg_datum_t dt = {SL_PG_TEXT, "a", 1};
	sl_pg_tuple_t tup = {1, &dt};
	sl_value_t key = {0}, value = {0};
	const char *topic;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &rel, 'c', NULL, &tup, &SRC, &key, &value,
						&topic, w.err, sizeof(w.err)),
			      0);
	CU_ASSERT_EQUAL(key.kind, SL_VALUE_NULL);
	CU_ASSERT_STRING_EQUAL(topic, "pg.my_schema.t_1");
	CU_ASSERT_EQUAL(sl_pg_event_build(w.b, &rel, 'x', NULL, &tup, &SRC, &key, &value, &topic,
					  w.err, sizeof(w.err)),
			-1);
	SL_ASSERT_CONTAINS(w.err, "op 'x'");
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

static void test_types_catalog_knows_builtins_and_resolves_domains(void)
{
	sl_pg_types_t *t = sl_pg_types_new();

	CU_ASSERT_STRING_EQUAL(sl_pg_types_find(t, 1184)->name, "timestamptz");
	CU_ASSERT_EQUAL(sl_pg_types_find(t, 1007)->elem, 23);
	CU_ASSERT_PTR_NULL(sl_pg_types_find(t, 99999));
	sl_pg_types_add(t, 99999, "posint", 'd', 0, 23);
	sl_pg_types_add(t, 99999, "posint2", 'd', 0, 23); /* replaces */
	CU_ASSERT_STRING_EQUAL(sl_pg_types_find(t, 99999)->name, "posint2");
	sl_pg_types_free(t);

	/* a domain over int4 maps as int4 */
	world_t w;
	sl_pg_column_t col = {.name = "c", .type_oid = 99999, .type_mod = -1, .optional = true};
	sl_pg_relation_t rel = {.oid = 1, .schema = "s", .table = "t", .ncols = 1, .cols = &col};
	sl_pg_datum_t dt = {SL_PG_TEXT, "42", 2};
	sl_pg_tuple_t tup = {1, &dt};
	sl_value_t key = {0}, value = {0};
	const char *topic;

	world_init(&w, SL_PG_DECIMAL_PRECISE, SL_PG_TIME_ADAPTIVE);
	sl_pg_types_add(w.types, 99999, "posint", 'd', 0, 23);
	CU_ASSERT_EQUAL_FATAL(sl_pg_event_build(w.b, &rel, 'c', NULL, &tup, &SRC, &key, &value,
						&topic, w.err, sizeof(w.err)),
			      0);
	char *s = column_schema_text(&value, "c");
	SL_ASSERT_TEXT(s, "{\"type\":\"int32\",\"optional\":true,\"field\":\"c\"}");
	free(s);
	sl_value_clear(&key);
	sl_value_clear(&value);
	world_free(&w);
}

void pg_event_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"insert key and envelope have debezium 3 shape",
		 test_insert_key_and_envelope_have_debezium_3_shape},
		{"delete takes key from before and has null after",
		 test_delete_takes_key_from_before_and_has_null_after},
		{"snapshot read without txid or lsn has null source fields",
		 test_snapshot_read_without_txid_or_lsn_has_null_source_fields},
		{"envelope processing times are now", test_envelope_processing_times_are_now},
		{"alltypes payload adaptive precise", test_alltypes_payload_adaptive_precise},
		{"alltypes schemas adaptive precise", test_alltypes_schemas_adaptive_precise},
		{"alltypes connect time and double decimal",
		 test_alltypes_connect_time_and_double_decimal},
		{"string decimal mode keeps numeric text",
		 test_string_decimal_mode_keeps_numeric_text},
		{"special values nan, infinity and bc", test_special_values_nan_infinity_and_bc},
		{"zoned timestamps convert offsets to utc with column precision",
		 test_zoned_timestamps_convert_offsets_to_utc_with_column_precision},
		{"integer_texts_become_json_numbers", test_integer_texts_become_json_numbers},
		{"event_times_are_one_clock_reading_in_three_units",
		 test_event_times_are_one_clock_reading_in_three_units},
		{"utc_timestamps_match_the_same_instant_at_another_offset",
		 test_utc_timestamps_match_the_same_instant_at_another_offset},
		{"intervals are micro durations with average months",
		 test_intervals_are_micro_durations_with_average_months},
		{"timestamps before 1970 and midnight 24",
		 test_timestamps_before_1970_and_midnight_24},
		{"arrays parse quotes, escapes and nulls",
		 test_arrays_parse_quotes_escapes_and_nulls},
		{"bytea escape form and bool words", test_bytea_escape_form_and_bool_words},
		{"values that do not parse name table, column and value",
		 test_values_that_do_not_parse_name_table_column_and_value},
		{"unchanged toast becomes placeholder or old value",
		 test_unchanged_toast_becomes_placeholder_or_old_value},
		{"truncate event has null key and op t", test_truncate_event_has_null_key_and_op_t},
		{"message event has prefix key and base64 content",
		 test_message_event_has_prefix_key_and_base64_content},
		{"schemas and topic are cached until the relation changes",
		 test_schemas_and_topic_are_cached_until_the_relation_changes},
		{"table without key columns has null key and clean topic",
		 test_table_without_key_columns_has_null_key_and_clean_topic},
		{"types catalog knows builtins and resolves domains",
		 test_types_catalog_knows_builtins_and_resolves_domains},
		{"topic outlives a relation change in the same batch",
		 test_topic_outlives_a_relation_change_in_the_same_batch},
		{"snapshot marker is the source block's whatever the columns",
		 test_snapshot_marker_is_the_source_blocks_whatever_the_columns},
		{"source block follows a renamed relation",
		 test_source_block_follows_a_renamed_relation},
		{"decimals short and long match the general encoder",
		 test_decimals_short_and_long_match_the_general_encoder},
		{"source carries the replication origin and its lsn",
		 test_source_carries_the_replication_origin_and_its_lsn},
		{"money is a scale 2 decimal, double or string",
		 test_money_is_a_scale_2_decimal_double_or_string},
		{"bit strings are little-endian bits or a boolean",
		 test_bit_strings_are_little_endian_bits_or_a_boolean},
		{"point is a geometry point with its wkb",
		 test_point_is_a_geometry_point_with_its_wkb},
		{"a required column without a value gets Debezium's fallback",
		 test_required_column_without_value_gets_debezium_fallback},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("pg_event", NULL, NULL, tests);
}
