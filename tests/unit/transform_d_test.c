/* Debezium's ExtractNewRecordState and ByLogicalTableRouter on change
 * events shaped as the PostgreSQL source emits them (Debezium 3.6's
 * envelope: before, after, source, transaction, op, ts_*), read through
 * the JSON converter as a sink reads them and written back as a source
 * writes them, so that expectations are the bytes Kafka would hold. */
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "json_parse.h"
#include "runner.h"
#include "sluice/config.h"
#include "sluice/util.h"
#include "transform.h"
#include "transforms/defs.h"

/* ---- fixtures: inventory.customers (id int4 primary key, email text) ---- */

#define ROW_FIELDS                                                                                 \
	"[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\","          \
	"\"optional\":true,\"field\":\"email\"}]"

#define ROW_SCHEMA(field)                                                                          \
	"{\"type\":\"struct\",\"fields\":" ROW_FIELDS ",\"optional\":true,\"name\":"               \
	"\"pg.inventory.customers.Value\",\"field\":\"" field "\"}"

#define ENUM_ALLOWED                                                                               \
	"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"

#define SOURCE_SCHEMA                                                                              \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"      \
	"\"version\"},{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},{\"type\":" \
	"\"string\",\"optional\":false,\"field\":\"name\"},{\"type\":\"int64\",\"optional\":"      \
	"false,\"field\":\"ts_ms\"},{\"type\":\"string\",\"optional\":true,\"name\":\"io."         \
	"debezium.data.Enum\",\"version\":1,\"parameters\":{\"allowed\":\"" ENUM_ALLOWED           \
	"\"},\"default\":\"false\",\"field\":\"snapshot\"},{\"type\":\"string\",\"optional\":"     \
	"false,\"field\":\"db\"},{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"  \
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},{\"type\":\"int64\","          \
	"\"optional\":true,\"field\":\"ts_ns\"},{\"type\":\"string\",\"optional\":false,"          \
	"\"field\":\"schema\"},{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},{"     \
	"\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},{\"type\":\"int64\","            \
	"\"optional\":true,\"field\":\"lsn\"},{\"type\":\"int64\",\"optional\":true,\"field\":"    \
	"\"xmin\"}],\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\","      \
	"\"version\":1,\"field\":\"source\"}"

#define TRANSACTION_SCHEMA                                                                         \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"      \
	"\"id\"},{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},{\"type\":"     \
	"\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],\"optional\":true,"    \
	"\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"}"

#define ENVELOPE_SCHEMA                                                                            \
	"{\"type\":\"struct\",\"fields\":[" ROW_SCHEMA("before") "," ROW_SCHEMA(                   \
		"after") "," SOURCE_SCHEMA "," TRANSACTION_SCHEMA                                  \
			 ",{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},{\"type\":"   \
			 "\"int64\",\"optional\":true,\"field\":\"ts_ms\"},{\"type\":\"int64\","   \
			 "\"optional\":true,\"field\":\"ts_us\"},{\"type\":\"int64\","             \
			 "\"optional\":"                                                           \
			 "true,\"field\":\"ts_ns\"}],\"optional\":false,\"name\":"                 \
			 "\"pg.inventory.customers.Envelope\",\"version\":2}"

#define SOURCE(snapshot)                                                                           \
	"{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"pg\",\"ts_ms\":"     \
	"1795624729167,\"snapshot\":\"" snapshot "\",\"db\":\"postgres\",\"sequence\":\"["         \
	"\\\"22245376\\\",\\\"22245952\\\"]\",\"ts_us\":1795624729167781,\"ts_ns\":"               \
	"1795624729167781000,\"schema\":\"inventory\",\"table\":\"customers\",\"txId\":731,"       \
	"\"lsn\":22245952,\"xmin\":null}"

#define EVENT(op, before, after, snapshot)                                                         \
	"{\"schema\":" ENVELOPE_SCHEMA ",\"payload\":{\"before\":" before ",\"after\":" after      \
	",\"source\":" SOURCE(snapshot) ",\"transaction\":null,\"op\":\"" op "\",\"ts_ms\":1,"     \
					"\"ts_us\":2,\"ts_ns\":3}}"

#define ROW_1006 "{\"id\":1006,\"email\":\"liam@example.com\"}"
#define ROW_1006_NEW "{\"id\":1006,\"email\":\"liam3@example.com\"}"

static const char *const CREATE = EVENT("c", "null", ROW_1006, "false");
static const char *const UPDATE = EVENT("u", "null", ROW_1006_NEW, "false");
static const char *const DELETE = EVENT("d", "{\"id\":1006,\"email\":null}", "null", "false");
static const char *const READ = EVENT("r", "null", ROW_1006, "last");
static const char *const TRUNCATE = EVENT("t", "null", "null", "false");

#define KEY_SCHEMA                                                                                 \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"       \
	"\"id\"}],\"optional\":false,\"name\":\"pg.inventory.customers.Key\"}"
static const char *const KEY = "{\"schema\":" KEY_SCHEMA ",\"payload\":{\"id\":1006}}";

/* A delete's null in tombstone mode: the "after" field's schema, without
 * its field name (Debezium's ExtractField of "after"). */
#define VALUE_SCHEMA                                                                               \
	"{\"type\":\"struct\",\"fields\":" ROW_FIELDS ",\"optional\":true,\"name\":"               \
	"\"pg.inventory.customers.Value\"}"

/* An unwrapped row's schema: Debezium rebuilds it (copySchemaBasics), so
 * it is required where the "after" field is optional. */
#define ROW_VALUE_SCHEMA                                                                           \
	"{\"type\":\"struct\",\"fields\":" ROW_FIELDS ",\"optional\":false,\"name\":"              \
	"\"pg.inventory.customers.Value\"}"

#define TOPIC "pg.inventory.customers"

/* ---- helpers ---- */

static sl_converter_t *json_conv(bool schemas)
{
	char err[256];
	sl_config_t *p = sl_config_new();
	sl_config_set(p, "schemas.enable", schemas ? "true" : "false", NULL, 0);
	sl_converter_t *c = sl_converter_new("json", false, p, err, sizeof(err));
	sl_config_free(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

static void read_value(sl_value_t *v, const char *text, bool schemas)
{
	char err[256];
	sl_converter_t *c = json_conv(schemas);
	int rc =
		sl_converter_to_value(c, TOPIC, text, text ? strlen(text) : 0, v, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n    %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	sl_converter_free(c);
}

/* A record of topic TOPIC with key KEY and value text (NULL: a tombstone). */
static void record(sl_record_t *r, const char *value)
{
	sl_record_init(r);
	r->topic = TOPIC;
	read_value(&r->key, KEY, true);
	if (value)
		read_value(&r->value, value, true);
}

/* v as the JSON converter (schemas.enable) writes it; "(null)" for a Kafka
 * null. Free the result. */
static char *text(const sl_value_t *v)
{
	char err[256];
	sl_buf_t out = {0};
	bool is_null = false;
	sl_converter_t *c = json_conv(true);

	CU_ASSERT_EQUAL(sl_converter_from_value(c, TOPIC, v, &out, &is_null, err, sizeof(err)), 0);
	sl_converter_free(c);
	if (is_null) {
		sl_buf_free(&out);
		return sl_strdup("(null)");
	}
	sl_buf_append(&out, "", 0);
	return sl_buf_steal(&out);
}

static void assert_value(const sl_record_t *r, const char *want)
{
	char *got = text(&r->value);
	SL_ASSERT_TEXT(got, want);
	free(got);
}

static void assert_key(const sl_record_t *r, const char *want)
{
	char *got = text(&r->key);
	SL_ASSERT_TEXT(got, want);
	free(got);
}

/* A config of key/value pairs, NULL-terminated. */
static sl_config_t *config(const char *const *kv)
{
	sl_config_t *c = sl_config_new();
	for (; kv && kv[0]; kv += 2)
		sl_config_set(c, kv[0], kv[1], NULL, 0);
	return c;
}

static void *create(const sl_transform_def_t *def, const char *const *kv, sl_errlist_t *errs)
{
	sl_config_t *c = config(kv);
	void *st = def->create(c, SL_TX_VALUE, errs);
	sl_config_free(c);
	return st;
}

static void *unwrap_new(const char *const *kv)
{
	sl_errlist_t errs = {0};
	void *st = create(&sl_tx_extract_new_record_state, kv, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    %s\n", errs.items[i]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	sl_errlist_free(&errs);
	return st;
}

/* Applies unwrap (no topic changes: no chain context) to value. */
static sl_tx_result_t unwrap(void *st, sl_record_t *r, const char *value)
{
	char err[256] = "";
	record(r, value);
	sl_tx_result_t res = sl_tx_extract_new_record_state.apply(st, r, NULL, err, sizeof(err));
	if (res == SL_TX_ERROR)
		fprintf(stderr, "\n    %s\n", err);
	return res;
}

static const char *header(const sl_record_t *r, const char *key)
{
	for (size_t i = 0; i < r->header_count; i++)
		if (!strcmp(r->headers[i].key, key))
			return r->headers[i].value ? r->headers[i].value : "(null)";
	return NULL;
}

/* A chain of transforms from kv (keys with their transforms.<a>. prefix). */
static sl_transform_chain_t *chain_new(const char *const *kv)
{
	sl_errlist_t errs = {0};
	bool failed = false;
	sl_config_t *c = config(kv);

	if (!sl_transform_find("ExtractNewRecordState", NULL))
		sl_transform_register_extra(&sl_tx_extract_new_record_state);
	if (!sl_transform_find("ByLogicalTableRouter", NULL))
		sl_transform_register_extra(&sl_tx_by_logical_table_router);
	sl_transform_chain_t *ch = sl_transform_chain_new(c, &errs, &failed);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    %s\n", errs.items[i]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	sl_errlist_free(&errs);
	sl_config_free(c);
	return ch;
}

/* ---- ExtractNewRecordState: the tutorial's config (defaults) ---- */

static void test_unwrap_create_update_read_become_the_row(void)
{
	void *st = unwrap_new(NULL);
	sl_record_t r;
	const char *events[] = {CREATE, UPDATE, READ};
	const char *rows[] = {ROW_1006, ROW_1006_NEW, ROW_1006};

	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(unwrap(st, &r, events[i]), SL_TX_KEEP);
		char *want =
			sl_asprintf("{\"schema\":" ROW_VALUE_SCHEMA ",\"payload\":%s}", rows[i]);
		assert_value(&r, want);
		assert_key(&r, KEY);
		CU_ASSERT_STRING_EQUAL(r.topic, TOPIC);
		CU_ASSERT_EQUAL(r.header_count, 0);
		free(want);
		sl_record_clear(&r);
	}
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_delete_becomes_null_of_row_schema_and_tombstone_is_dropped(void)
{
	void *st = unwrap_new(NULL);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, DELETE), SL_TX_KEEP);
	assert_value(&r, "{\"schema\":" VALUE_SCHEMA ",\"payload\":null}");
	assert_key(&r, KEY);
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(unwrap(st, &r, NULL), SL_TX_DROP);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

/* The events as postgres-source makes them: JSON text, not a tree. The
 * rows come out with the same bytes as from the tree, the plain ones still
 * as text (no tree made); deletes, truncates and added fields take the
 * tree path. */
static void as_text(sl_value_t *v)
{
	sl_buf_t payload = {0};

	sl_json_write(&payload, v->json, v->schema);
	json_t *schema = json_incref(v->schema);
	size_t len = payload.len;
	sl_value_take_json_text(v, sl_buf_steal(&payload), len, schema);
}

static sl_tx_result_t unwrap_text(void *st, sl_record_t *r, const char *value)
{
	char err[256] = "";
	record(r, value);
	as_text(&r->value);
	as_text(&r->key);
	sl_tx_result_t res = sl_tx_extract_new_record_state.apply(st, r, NULL, err, sizeof(err));
	if (res == SL_TX_ERROR)
		fprintf(stderr, "\n    %s\n", err);
	return res;
}

static void test_unwrap_takes_json_text_events_as_the_tree(void)
{
	const char *configs[][3] = {
		{NULL},
		{"add.fields", "op,table", NULL},
		{"delete.tombstone.handling.mode", "drop", NULL},
		{"delete.tombstone.handling.mode", "delete-to-tombstone", NULL},
		{"delete.tombstone.handling.mode", "rewrite", NULL},
	};
	const char *events[] = {CREATE, UPDATE, READ, DELETE, TRUNCATE};

	for (size_t k = 0; k < sizeof(configs) / sizeof(configs[0]); k++) {
		void *st = unwrap_new(configs[k]);
		bool plain = k != 1 && k != 4; /* nothing to add or rewrite */
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			sl_record_t a, b;
			sl_tx_result_t ra = unwrap(st, &a, events[i]);
			CU_ASSERT_EQUAL(unwrap_text(st, &b, events[i]), ra);
			if (ra == SL_TX_KEEP) {
				char *want = text(&a.value);
				assert_value(&b, want);
				free(want);
				assert_key(&b, KEY);
				/* a plain row stays text */
				if (i < 3)
					CU_ASSERT_EQUAL(b.value.kind,
							plain ? SL_VALUE_JSON_TEXT : SL_VALUE_JSON);
			}
			sl_record_clear(&a);
			sl_record_clear(&b);
		}
		sl_tx_extract_new_record_state.destroy(st);
	}
}

/* The top members of JSON text, found without parsing it. */
static void test_json_text_member_finds_top_members_only(void)
{
	const char *t = "{ \"before\" : null, \"after\":{\"after\":[1,{\"x\":\"}\"}],"
			"\"s\":\"a\\\"b\"},\"n\":-1.5e3 , \"e\":{}}";
	size_t a, b;

	CU_ASSERT_FATAL(sl_json_text_member(t, strlen(t), "after", &a, &b));
	CU_ASSERT_EQUAL(b - a, strlen("{\"after\":[1,{\"x\":\"}\"}],\"s\":\"a\\\"b\"}"));
	CU_ASSERT_EQUAL(strncmp(t + a, "{\"after\":[1,", 12), 0);
	CU_ASSERT(sl_json_text_member(t, strlen(t), "before", &a, &b));
	CU_ASSERT_EQUAL(strncmp(t + a, "null", b - a), 0);
	CU_ASSERT(sl_json_text_member(t, strlen(t), "n", &a, &b));
	CU_ASSERT_EQUAL(strncmp(t + a, "-1.5e3", b - a), 0);
	CU_ASSERT_EQUAL(b - a, 6);
	CU_ASSERT(sl_json_text_member(t, strlen(t), "e", &a, &b));
	CU_ASSERT_EQUAL(b - a, 2);
	CU_ASSERT_FALSE(sl_json_text_member(t, strlen(t), "x", &a, &b));  /* nested only */
	CU_ASSERT_FALSE(sl_json_text_member(t, strlen(t), "s", &a, &b));  /* nested only */
	CU_ASSERT_FALSE(sl_json_text_member(t, 20, "after", &a, &b));     /* cut short */
	CU_ASSERT_FALSE(sl_json_text_member("[1]", 3, "after", &a, &b));  /* no object */
	CU_ASSERT_FALSE(sl_json_text_member("{\"a\":1", 6, "a", &a, &b)); /* unclosed */
}

static void test_unwrap_drops_truncate(void)
{
	void *st = unwrap_new(NULL);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, TRUNCATE), SL_TX_DROP);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_passes_non_change_events_unchanged(void)
{
	void *st = unwrap_new(NULL);
	sl_record_t r;
	const char *heartbeat =
		"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":"
		"false,\"field\":\"ts_ms\"}],\"optional\":false,\"name\":\"io.debezium.connector."
		"common.Heartbeat\",\"version\":1},\"payload\":{\"ts_ms\":1700000000000}}";

	CU_ASSERT_EQUAL(unwrap(st, &r, heartbeat), SL_TX_KEEP);
	assert_value(&r, heartbeat);
	sl_record_clear(&r);

	/* schemaless (schemas.enable=false): Debezium needs the Envelope schema */
	sl_record_init(&r);
	read_value(&r.value, "{\"before\":null,\"after\":{\"id\":1},\"op\":\"c\"}", false);
	json_t *before = r.value.json;
	char err[128];
	CU_ASSERT_EQUAL(sl_tx_extract_new_record_state.apply(st, &r, NULL, err, sizeof(err)),
			SL_TX_KEEP);
	CU_ASSERT_PTR_EQUAL(r.value.json, before);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

/* ---- delete.tombstone.handling.mode ---- */

static void test_unwrap_mode_drop_drops_deletes_and_tombstones(void)
{
	const char *kv[] = {"delete.tombstone.handling.mode", "drop", NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, DELETE), SL_TX_DROP);
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(unwrap(st, &r, NULL), SL_TX_DROP);
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(unwrap(st, &r, CREATE), SL_TX_KEEP);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

#define REWRITTEN_SCHEMA                                                                           \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"       \
	"\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"email\"},{\"type\":"           \
	"\"string\",\"optional\":true,\"field\":\"__deleted\"}],\"optional\":false,\"name\":"      \
	"\"pg.inventory.customers.Value\"}"

static void test_unwrap_mode_rewrite_adds_deleted_field(void)
{
	const char *kv[] = {"delete.tombstone.handling.mode", "rewrite", NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, CREATE), SL_TX_KEEP);
	assert_value(&r, "{\"schema\":" REWRITTEN_SCHEMA ",\"payload\":{\"id\":1006,\"email\":"
			 "\"liam@example.com\",\"__deleted\":\"false\"}}");
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(unwrap(st, &r, DELETE), SL_TX_KEEP);
	assert_value(&r, "{\"schema\":" REWRITTEN_SCHEMA ",\"payload\":{\"id\":1006,\"email\":"
			 "null,\"__deleted\":\"true\"}}");
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(unwrap(st, &r, NULL), SL_TX_DROP);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_mode_rewrite_with_tombstone_keeps_tombstones(void)
{
	const char *kv[] = {"delete.tombstone.handling.mode", "rewrite-with-tombstone",
			    "add.headers", "op", NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, DELETE), SL_TX_KEEP);
	char *v = text(&r.value);
	SL_ASSERT_CONTAINS(v, "\"__deleted\":\"true\"");
	free(v);
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(unwrap(st, &r, NULL), SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_NULL);
	SL_ASSERT_TEXT(header(&r, "__op"), "d");
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_mode_delete_to_tombstone_writes_a_kafka_null(void)
{
	const char *kv[] = {"delete.tombstone.handling.mode", "delete-to-tombstone", NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, DELETE), SL_TX_KEEP);
	assert_value(&r, "(null)");
	assert_key(&r, KEY);
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(unwrap(st, &r, NULL), SL_TX_DROP);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_refuses_unknown_mode_and_ignores_removed_keys(void)
{
	const char *bad[] = {"delete.tombstone.handling.mode", "keep", NULL};
	const char *old[] = {"drop.tombstones", "false", "delete.handling.mode", "none", NULL};
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(create(&sl_tx_extract_new_record_state, bad, &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.items[0], "delete.tombstone.handling.mode");
	sl_errlist_free(&errs);

	/* Debezium 3.2+ ignores them: the default mode still drops tombstones */
	void *st = unwrap_new(old);
	sl_record_t r;
	CU_ASSERT_EQUAL(unwrap(st, &r, NULL), SL_TX_DROP);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

/* ---- add.fields / add.headers ---- */

static void test_unwrap_add_fields_appends_optional_copies_of_envelope_fields(void)
{
	const char *kv[] = {"add.fields", "op,table,lsn,source.ts_ms,snapshot,id,nope", NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, READ), SL_TX_KEEP);
	assert_value(
		&r,
		"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":"
		"false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":"
		"\"email\"},"
		"{\"type\":\"string\",\"optional\":true,\"field\":\"__op\"},{\"type\":\"string\","
		"\"optional\":true,\"field\":\"__table\"},{\"type\":\"int64\",\"optional\":true,"
		"\"field\":\"__lsn\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"__source_"
		"ts_"
		"ms\"},{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\","
		"\"version\":1,\"parameters\":{\"allowed\":\"" ENUM_ALLOWED "\"},\"field\":\"__"
		"snapshot\"},{\"type\":\"string\",\"optional\":true,\"field\":\"__id\"}],"
		"\"optional\":"
		"false,\"name\":\"pg.inventory.customers.Value\"},\"payload\":{\"id\":1006,"
		"\"email\":"
		"\"liam@example.com\",\"__op\":\"r\",\"__table\":\"customers\",\"__lsn\":22245952,"
		"\"__source_ts_ms\":1795624729167,\"__snapshot\":\"last\",\"__id\":null}}");
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_add_fields_prefix_and_rename_and_rewrite_order(void)
{
	const char *kv[] = {"add.fields", "op:OPERATION,source.lsn",        "add.fields.prefix",
			    "cdc_",       "delete.tombstone.handling.mode", "rewrite",
			    NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, DELETE), SL_TX_KEEP);
	char *v = text(&r.value);
	SL_ASSERT_CONTAINS(v, "\"payload\":{\"id\":1006,\"email\":null,\"__deleted\":\"true\","
			      "\"cdc_OPERATION\":\"d\",\"cdc_source_lsn\":22245952}}");
	SL_ASSERT_CONTAINS(v,
			   "{\"type\":\"string\",\"optional\":true,\"field\":\"cdc_OPERATION\"}");
	free(v);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

/* Debezium's FieldReference puts op, ts_ms, ts_us and ts_ns at the top of
 * the envelope, not in source (whose ts_us differs). */
static void test_unwrap_add_fields_top_level_timestamps(void)
{
	const char *kv[] = {"add.fields", "ts_us,ts_ns,source.ts_us", NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, CREATE), SL_TX_KEEP);
	char *v = text(&r.value);
	SL_ASSERT_CONTAINS(v,
			   "\"payload\":{\"id\":1006,\"email\":\"liam@example.com\",\"__ts_us\":2,"
			   "\"__ts_ns\":3,\"__source_ts_us\":1795624729167781}}");
	free(v);
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_add_headers_as_text(void)
{
	const char *kv[] = {"add.headers", "op,source.lsn,id,db:DB", "add.headers.prefix", "dbz.",
			    NULL};
	void *st = unwrap_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(unwrap(st, &r, UPDATE), SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.header_count, 4);
	SL_ASSERT_TEXT(header(&r, "dbz.op"), "u");
	SL_ASSERT_TEXT(header(&r, "dbz.source_lsn"), "22245952");
	SL_ASSERT_TEXT(header(&r, "dbz.id"), "(null)");
	SL_ASSERT_TEXT(header(&r, "dbz.DB"), "postgres");
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

static void test_unwrap_caches_the_output_schema_per_input_schema(void)
{
	const char *kv[] = {"add.fields", "op", NULL};
	void *st = unwrap_new(kv);
	sl_record_t a, b;
	char err[128];

	record(&a, CREATE);
	record(&b, UPDATE);
	/* b shares a's envelope schema, as the records of one table do */
	sl_value_set_json(&b.value, json_incref(b.value.json), json_incref(a.value.schema));
	CU_ASSERT_EQUAL(sl_tx_extract_new_record_state.apply(st, &a, NULL, err, sizeof(err)),
			SL_TX_KEEP);
	CU_ASSERT_EQUAL(sl_tx_extract_new_record_state.apply(st, &b, NULL, err, sizeof(err)),
			SL_TX_KEEP);
	CU_ASSERT_PTR_EQUAL(a.value.schema, b.value.schema);
	sl_record_clear(&a);
	sl_record_clear(&b);
	sl_tx_extract_new_record_state.destroy(st);
}

/* A record of event whose after.email is null (the JSON converter, as
 * Kafka's, gives a null with a default its default when reading). */
static void null_email(sl_record_t *r, const char *event)
{
	record(r, event);
	json_object_set_new(json_object_get(r->value.json, "after"), "email", json_null());
}

static void test_unwrap_replace_null_with_default_when_rewriting(void)
{
	const char *with_default =
		"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{"
		"\"type\":\"string\",\"optional\":true,\"default\":\"none\",\"field\":\"email\"}],"
		"\"optional\":true,\"name\":\"x.Value\",\"field\":\"before\"},{\"type\":\"struct\","
		"\"fields\":[{\"type\":\"string\",\"optional\":true,\"default\":\"none\",\"field\":"
		"\"email\"}],\"optional\":true,\"name\":\"x.Value\",\"field\":\"after\"},{\"type\":"
		"\"string\",\"optional\":false,\"field\":\"op\"}],\"optional\":false,\"name\":"
		"\"x.Envelope\"},\"payload\":{\"before\":null,\"after\":{\"email\":null},\"op\":"
		"\"c\"}}";
	const char *on[] = {"delete.tombstone.handling.mode", "rewrite", NULL};
	const char *off[] = {"delete.tombstone.handling.mode", "rewrite",
			     "replace.null.with.default", "false", NULL};
	void *st = unwrap_new(on);
	sl_record_t r;
	char err[128];

	/* checked on the value itself: the JSON converter writes defaults too */
	null_email(&r, with_default);
	CU_ASSERT_EQUAL(sl_tx_extract_new_record_state.apply(st, &r, NULL, err, sizeof(err)),
			SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.value.json, "email")), "none");
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);

	st = unwrap_new(off);
	null_email(&r, with_default);
	CU_ASSERT_EQUAL(sl_tx_extract_new_record_state.apply(st, &r, NULL, err, sizeof(err)),
			SL_TX_KEEP);
	CU_ASSERT_TRUE(json_is_null(json_object_get(r.value.json, "email")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.value.json, "__deleted")),
			       "false");
	sl_record_clear(&r);
	sl_tx_extract_new_record_state.destroy(st);
}

/* ---- route.by.field (through a chain: topics are interned) ---- */

static void test_unwrap_route_by_field_sets_topic_from_row(void)
{
	const char *kv[] = {"transforms",
			    "unwrap",
			    "transforms.unwrap.type",
			    "io.debezium.transforms.ExtractNewRecordState",
			    "transforms.unwrap.route.by.field",
			    "email",
			    NULL};
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;
	char err[256];

	record(&r, CREATE);
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, "liam@example.com");
	sl_record_clear(&r);
	record(&r, DELETE); /* the before row's email is null: the topic stays */
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, TOPIC);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);

	const char *missing[] = {"transforms",
				 "unwrap",
				 "transforms.unwrap.type",
				 "io.debezium.transforms.ExtractNewRecordState",
				 "transforms.unwrap.route.by.field",
				 "nope",
				 NULL};
	ch = chain_new(missing);
	record(&r, CREATE);
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_CONTAINS(err, "nope is not a valid field name");
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

/* ---- ByLogicalTableRouter ---- */

#define ROUTER_KEYS(...)                                                                           \
	{                                                                                          \
		"transforms", "route", "transforms.route.type",                                    \
			"io.debezium.transforms.ByLogicalTableRouter",                             \
			"transforms.route.topic.regex", "(.*)\\.inventory\\.(.*)",                 \
			"transforms.route.topic.replacement", "$1.all.$2", __VA_ARGS__             \
	}

static sl_tx_result_t route(sl_transform_chain_t *ch, sl_record_t *r, const char *topic,
			    const char *value)
{
	char err[256] = "";
	record(r, value);
	r->topic = topic;
	sl_tx_result_t res = sl_transform_chain_apply(ch, r, err, sizeof(err));
	if (res == SL_TX_ERROR)
		fprintf(stderr, "\n    %s\n", err);
	return res;
}

#define NEW_ROW_SCHEMA(field)                                                                      \
	"{\"type\":\"struct\",\"fields\":" ROW_FIELDS ",\"optional\":true,\"name\":"               \
	"\"pg.all.customers.Value\",\"field\":\"" field "\"}"

static void test_router_renames_topic_key_and_envelope(void)
{
	const char *kv[] = ROUTER_KEYS(NULL);
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(route(ch, &r, TOPIC, CREATE), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, "pg.all.customers");
	assert_key(&r, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
		       "\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":"
		       "false,\"field\":\"__dbz__physicalTableIdentifier\"}],\"optional\":false,"
		       "\"name\":\"pg.all.customers.Key\"},\"payload\":{\"id\":1006,\"__dbz__"
		       "physicalTableIdentifier\":\"pg.inventory.customers\"}}");
	char *v = text(&r.value);
	SL_ASSERT_TEXT(
		v,
		"{\"schema\":{\"type\":\"struct\",\"fields\":[" NEW_ROW_SCHEMA(
			"before") "," NEW_ROW_SCHEMA("after") "," SOURCE_SCHEMA
							      "," TRANSACTION_SCHEMA
							      ",{\"type\":\"string\",\"optional\":"
							      "false,\"field\":\"op\"},"
							      "{\"type\":\"int64\",\"optional\":"
							      "true,\"field\":\"ts_ms\"},{"
							      "\"type\":\"int64\",\"optional\":"
							      "true,\"field\":\"ts_us\"},{"
							      "\"type\":\"int64\",\"optional\":"
							      "true,\"field\":\"ts_ns\"}],"
							      "\"optional\":false,\"name\":\"pg."
							      "all.customers.Envelope\","
							      "\"version\":2},\"payload\":{"
							      "\"before\":null,\"after\":" ROW_1006
							      ",\"source\":" SOURCE(
								      "false") ",\"transaction\":"
									       "null,\"op\":"
									       "\"c\",\"ts_ms\":1,"
									       "\"ts_us\":"
									       "2,\"ts_ns\":3}}");
	free(v);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_router_leaves_unmatched_topics_alone(void)
{
	const char *kv[] = ROUTER_KEYS(NULL);
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(route(ch, &r, "pg.public.orders", CREATE), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, "pg.public.orders");
	assert_key(&r, KEY);
	char *v = text(&r.value);
	SL_ASSERT_TEXT(v, CREATE);
	free(v);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_router_keeps_records_it_would_give_an_empty_topic(void)
{
	const char *kv[] =
		ROUTER_KEYS("transforms.route.topic.regex", "pg\\.inventory\\.(x*)customers",
			    "transforms.route.topic.replacement", "$1", NULL);
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(route(ch, &r, TOPIC, CREATE), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, TOPIC);
	assert_key(&r, KEY);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_router_tombstone_gets_new_topic_and_key(void)
{
	const char *kv[] =
		ROUTER_KEYS("transforms.route.key.field.regex", "(.*)\\.inventory\\.(.*)",
			    "transforms.route.key.field.replacement", "shard-$2", NULL);
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(route(ch, &r, TOPIC, NULL), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, "pg.all.customers");
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_NULL);
	char *k = text(&r.key);
	SL_ASSERT_CONTAINS(k, "\"payload\":{\"id\":1006,\"__dbz__physicalTableIdentifier\":"
			      "\"shard-customers\"}}");
	free(k);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_router_without_uniqueness_only_renames_the_key_schema(void)
{
	const char *kv[] = ROUTER_KEYS("transforms.route.key.enforce.uniqueness", "false",
				       "transforms.route.schema.name.adjustment.mode", "avro",
				       "transforms.route.topic.replacement", "$1-all.$2", NULL);
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(route(ch, &r, TOPIC, UPDATE), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, "pg-all.customers");
	assert_key(&r, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
		       "\"optional\":false,\"field\":\"id\"}],\"optional\":false,\"name\":"
		       "\"pg_all.customers.Key\"},\"payload\":{\"id\":1006}}");
	char *v = text(&r.value);
	SL_ASSERT_CONTAINS(v, "\"name\":\"pg_all.customers.Envelope\"");
	SL_ASSERT_CONTAINS(v, "\"name\":\"pg_all.customers.Value\",\"field\":\"after\"");
	free(v);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_router_null_key_loses_its_schema_and_map_key_is_refused(void)
{
	const char *kv[] = ROUTER_KEYS(NULL);
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;
	char err[256] = "";

	record(&r, CREATE);
	sl_value_set_json(&r.key, NULL, json_incref(r.key.schema));
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.key.kind, SL_VALUE_NULL);
	sl_record_clear(&r);

	record(&r, CREATE);
	sl_value_clear(&r.key);
	read_value(&r.key, "{\"id\":1006}", false);
	CU_ASSERT_EQUAL(sl_transform_chain_apply(ch, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_CONTAINS(err, "Only Struct objects supported for [Updating schema], found: "
				"java.util.HashMap");
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

static void test_router_config_errors(void)
{
	const char *no_repl[] = {"topic.regex", "a", "topic.replacement", "b", "key.field.regex",
				 "x",           NULL};
	const char *missing[] = {NULL};
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(create(&sl_tx_by_logical_table_router, no_repl, &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	SL_ASSERT_CONTAINS(errs.items[0], "key.field.replacement");
	sl_errlist_free(&errs);
	CU_ASSERT_PTR_NULL(create(&sl_tx_by_logical_table_router, missing, &errs));
	CU_ASSERT_EQUAL(errs.count, 2); /* topic.regex and topic.replacement */
	sl_errlist_free(&errs);
}

/* The Debezium tutorial's pair: route, then unwrap. */
static void test_tutorial_route_then_unwrap(void)
{
	const char *kv[] = {"transforms",
			    "route,unwrap",
			    "transforms.route.type",
			    "io.debezium.transforms.ByLogicalTableRouter",
			    "transforms.route.topic.regex",
			    "(.*)\\.inventory\\.(.*)",
			    "transforms.route.topic.replacement",
			    "$1.all.$2",
			    "transforms.unwrap.type",
			    "io.debezium.transforms.ExtractNewRecordState",
			    NULL};
	sl_transform_chain_t *ch = chain_new(kv);
	sl_record_t r;

	CU_ASSERT_EQUAL(route(ch, &r, TOPIC, UPDATE), SL_TX_KEEP);
	CU_ASSERT_STRING_EQUAL(r.topic, "pg.all.customers");
	assert_value(&r, "{\"schema\":{\"type\":\"struct\",\"fields\":" ROW_FIELDS
			 ",\"optional\":false,\"name\":\"pg.all.customers.Value\"},\"payload\":"
			 "" ROW_1006_NEW "}");
	sl_record_clear(&r);
	CU_ASSERT_EQUAL(route(ch, &r, TOPIC, NULL), SL_TX_DROP);
	sl_record_clear(&r);
	sl_transform_chain_free(ch);
}

void transform_d_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"unwrap_create_update_read_become_the_row",
		 test_unwrap_create_update_read_become_the_row},
		{"unwrap_delete_becomes_null_of_row_schema_and_tombstone_is_dropped",
		 test_unwrap_delete_becomes_null_of_row_schema_and_tombstone_is_dropped},
		{"unwrap_drops_truncate", test_unwrap_drops_truncate},
		{"unwrap_takes_json_text_events_as_the_tree",
		 test_unwrap_takes_json_text_events_as_the_tree},
		{"json_text_member_finds_top_members_only",
		 test_json_text_member_finds_top_members_only},
		{"unwrap_passes_non_change_events_unchanged",
		 test_unwrap_passes_non_change_events_unchanged},
		{"unwrap_mode_drop_drops_deletes_and_tombstones",
		 test_unwrap_mode_drop_drops_deletes_and_tombstones},
		{"unwrap_mode_rewrite_adds_deleted_field",
		 test_unwrap_mode_rewrite_adds_deleted_field},
		{"unwrap_mode_rewrite_with_tombstone_keeps_tombstones",
		 test_unwrap_mode_rewrite_with_tombstone_keeps_tombstones},
		{"unwrap_mode_delete_to_tombstone_writes_a_kafka_null",
		 test_unwrap_mode_delete_to_tombstone_writes_a_kafka_null},
		{"unwrap_refuses_unknown_mode_and_ignores_removed_keys",
		 test_unwrap_refuses_unknown_mode_and_ignores_removed_keys},
		{"unwrap_add_fields_appends_optional_copies_of_envelope_fields",
		 test_unwrap_add_fields_appends_optional_copies_of_envelope_fields},
		{"unwrap_add_fields_prefix_and_rename_and_rewrite_order",
		 test_unwrap_add_fields_prefix_and_rename_and_rewrite_order},
		{"unwrap_add_fields_top_level_timestamps",
		 test_unwrap_add_fields_top_level_timestamps},
		{"unwrap_add_headers_as_text", test_unwrap_add_headers_as_text},
		{"unwrap_caches_the_output_schema_per_input_schema",
		 test_unwrap_caches_the_output_schema_per_input_schema},
		{"unwrap_replace_null_with_default_when_rewriting",
		 test_unwrap_replace_null_with_default_when_rewriting},
		{"unwrap_route_by_field_sets_topic_from_row",
		 test_unwrap_route_by_field_sets_topic_from_row},
		{"router_renames_topic_key_and_envelope",
		 test_router_renames_topic_key_and_envelope},
		{"router_leaves_unmatched_topics_alone", test_router_leaves_unmatched_topics_alone},
		{"router_keeps_records_it_would_give_an_empty_topic",
		 test_router_keeps_records_it_would_give_an_empty_topic},
		{"router_tombstone_gets_new_topic_and_key",
		 test_router_tombstone_gets_new_topic_and_key},
		{"router_without_uniqueness_only_renames_the_key_schema",
		 test_router_without_uniqueness_only_renames_the_key_schema},
		{"router_null_key_loses_its_schema_and_map_key_is_refused",
		 test_router_null_key_loses_its_schema_and_map_key_is_refused},
		{"router_config_errors", test_router_config_errors},
		{"tutorial_route_then_unwrap", test_tutorial_route_then_unwrap},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("transform_d", NULL, NULL, tests);
}
