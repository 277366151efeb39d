/* Kafka Connect's header, routing, schema metadata and timestamp
 * transforms (DropHeaders, InsertHeader, HeaderFrom, Filter, RegexRouter,
 * TimestampRouter, SetSchemaMetadata, TimestampConverter) and the
 * SimpleDateFormat patterns they share, on records built here: schemaful
 * values as JsonConverter's schema and payload JSON, schemaless ones as
 * plain JSON. Expectations are what Kafka's transforms give. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sluice/config.h"
#include "sluice/data.h"
#include "sluice/util.h"
#include "transform.h"
#include "transforms/datefmt.h"
#include "transforms/defs.h"

/* ---- helpers ---- */

static sl_config_t *config_of(const char *const *kv)
{
	sl_config_t *cfg = sl_config_new();
	for (size_t i = 0; kv && kv[i]; i += 2)
		sl_config_set(cfg, kv[i], kv[i + 1], NULL, 0);
	return cfg;
}

/* def created from kv (NULL-terminated pairs); the test fails when it
 * reports problems. */
static void *create(const sl_transform_def_t *def, sl_tx_part_t part, const char *const *kv)
{
	sl_config_t *cfg = config_of(kv);
	sl_errlist_t errs = {0};
	void *st = def->create(cfg, part, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    unexpected: %s\n", errs.items[i]);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_PTR_NOT_NULL(st);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return st;
}

/* The problems create reports for kv, joined with " | " (malloc()ed). */
static char *create_errors(const sl_transform_def_t *def, const char *const *kv)
{
	sl_config_t *cfg = config_of(kv);
	sl_errlist_t errs = {0};
	sl_buf_t out = {0};
	void *st = def->create(cfg, SL_TX_VALUE, &errs);
	CU_ASSERT_PTR_NULL(st);
	if (st)
		def->destroy(st);
	for (size_t i = 0; i < errs.count; i++)
		sl_buf_appendf(&out, "%s%s", i ? " | " : "", errs.items[i]);
	sl_buf_append(&out, "", 0);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return sl_buf_steal(&out);
}

/* Sets v from JSON text: schema may be NULL (schemaless). */
static void set_json(sl_value_t *v, const char *schema, const char *payload)
{
	json_t *s = schema ? json_loads(schema, JSON_DECODE_ANY, NULL) : NULL;
	json_t *p = json_loads(payload, JSON_DECODE_ANY, NULL);
	CU_ASSERT_FATAL(p != NULL && (!schema || s));
	sl_value_set_json(v, p, s);
}

/* "<schema>|<payload>" as JsonConverter writes them (malloc()ed). */
static char *text_of(const sl_value_t *v)
{
	sl_buf_t out = {0};
	switch (v->kind) {
	case SL_VALUE_NULL:
		sl_buf_append_str(&out, "NULL");
		break;
	case SL_VALUE_STRING:
		sl_buf_appendf(&out, "STRING:%.*s", (int)v->len, v->data);
		break;
	case SL_VALUE_BYTES:
		sl_buf_append_str(&out, "BYTES");
		break;
	case SL_VALUE_JSON:
	case SL_VALUE_JSON_TEXT:
	case SL_VALUE_FIELDS: { /* a transform's FIELDS as their JSON form */
		json_t *payload = sl_value_payload(v);
		if (v->schema)
			sl_json_write(&out, v->schema, NULL);
		else
			sl_buf_append_str(&out, "null");
		sl_buf_append_char(&out, '|');
		if (v->kind != SL_VALUE_JSON || v->json)
			sl_json_write(&out, payload, v->schema);
		else
			sl_buf_append_str(&out, "(none)");
		json_decref(payload);
		break;
	}
	}
	return sl_buf_steal(&out);
}

#define ASSERT_VALUE(v, expected)                                                                  \
	do {                                                                                       \
		char *t_ = text_of(v);                                                             \
		SL_ASSERT_TEXT(t_, expected);                                                      \
		free(t_);                                                                          \
	} while (0)

static sl_tx_result_t apply(const sl_transform_def_t *def, void *st, sl_record_t *r, char *err,
			    size_t err_size)
{
	err[0] = '\0';
	return def->apply(st, r, NULL, err, err_size);
}

/* The value of header i as text ("(null)" for a null header). */
static const char *header_text(const sl_record_t *r, size_t i, char *buf, size_t size)
{
	CU_ASSERT_FATAL(i < r->header_count);
	if (!r->headers[i].value)
		snprintf(buf, size, "%s=(null)", r->headers[i].key);
	else
		snprintf(buf, size, "%s=%.*s", r->headers[i].key, (int)r->headers[i].len,
			 r->headers[i].value);
	return buf;
}

/* ---- SimpleDateFormat ---- */

static char *format_ms(const char *pattern, int64_t ms)
{
	char err[128];
	sl_datefmt_t *f = sl_datefmt_new(pattern, err, sizeof(err));
	sl_buf_t out = {0};
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	sl_datefmt_format(f, ms, &out);
	sl_buf_append(&out, "", 0);
	sl_datefmt_free(f);
	return sl_buf_steal(&out);
}

#define ASSERT_FORMAT(pattern, ms, expected)                                                       \
	do {                                                                                       \
		char *t_ = format_ms(pattern, ms);                                                 \
		SL_ASSERT_TEXT(t_, expected);                                                      \
		free(t_);                                                                          \
	} while (0)

/* 2024-02-29T13:05:09.007Z, a Thursday. */
#define LEAP_MS INT64_C(1709211909007)

static void test_datefmt_formats_the_letters_users_write(void)
{
	ASSERT_FORMAT("yyyyMMdd", LEAP_MS, "20240229");
	ASSERT_FORMAT("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", LEAP_MS, "2024-02-29T13:05:09.007Z");
	ASSERT_FORMAT("yy-M-d H:m:s.S", LEAP_MS, "24-2-29 13:5:9.7");
	ASSERT_FORMAT("EEE, d MMM yyyy hh:mm a z", LEAP_MS, "Thu, 29 Feb 2024 01:05 PM UTC");
	ASSERT_FORMAT("EEEE MMMM D Z X", LEAP_MS, "Thursday February 60 +0000 Z");
	ASSERT_FORMAT("'o''clock' HH''mm", LEAP_MS, "o'clock 13'05");
	ASSERT_FORMAT("yyyy-MM-dd HH:mm:ss.SSS", -1, "1969-12-31 23:59:59.999");
	/* the same patterns in java.text.SimpleDateFormat (UTC), before the epoch */
	ASSERT_FORMAT("yy-M-d H:m:s.S", -1, "69-12-31 23:59:59.999");
	ASSERT_FORMAT("EEE, d MMM yyyy hh:mm a z", -1, "Wed, 31 Dec 1969 11:59 PM UTC");
	ASSERT_FORMAT("EEEE MMMM D Z X", -1, "Wednesday December 365 +0000 Z");
	ASSERT_FORMAT("SSSS k K h", LEAP_MS, "0007 13 1 1");
	ASSERT_FORMAT("SSSS k K h", -1, "0999 23 11 11");
}

static void test_datefmt_refuses_what_java_refuses(void)
{
	char err[128];
	CU_ASSERT_PTR_NULL(sl_datefmt_new("yyyy-MM-ddTHH", err, sizeof(err)));
	SL_ASSERT_TEXT(err, "Illegal pattern character 'T'");
	CU_ASSERT_PTR_NULL(sl_datefmt_new("yyyy 'at", err, sizeof(err)));
	SL_ASSERT_TEXT(err, "Unterminated quote");
	CU_ASSERT_PTR_NULL(sl_datefmt_new("XXXX", err, sizeof(err)));
	SL_ASSERT_TEXT(err, "invalid ISO 8601 format: length=4");
}

static int64_t parse_ms(const char *pattern, const char *s, bool *ok)
{
	char err[128];
	int64_t ms = 0;
	sl_datefmt_t *f = sl_datefmt_new(pattern, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	*ok = sl_datefmt_parse(f, s, strlen(s), &ms);
	sl_datefmt_free(f);
	return ms;
}

static void test_datefmt_parses_leniently_as_java(void)
{
	bool ok;
	CU_ASSERT_EQUAL(parse_ms("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "2024-02-29T13:05:09.007Z", &ok),
			LEAP_MS);
	CU_ASSERT_TRUE(ok);
	/* abutting numeric fields take their width */
	CU_ASSERT_EQUAL(parse_ms("yyyyMMddHHmmss", "20240229130509", &ok), LEAP_MS - 7);
	CU_ASSERT_TRUE(ok);
	/* lenient: month 13 is January of the next year; trailing text ignored */
	CU_ASSERT_EQUAL(parse_ms("yyyy-MM-dd", "2023-13-01 trailing", &ok), INT64_C(1704067200000));
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(parse_ms("dd MMM yyyy hh:mm a", "29 feb 2024 01:05 PM", &ok),
			LEAP_MS - 9007);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(parse_ms("yyyy-MM-dd HH:mmZ", "2024-02-29 15:05+0200", &ok),
			LEAP_MS - 9007);
	CU_ASSERT_TRUE(ok);
	/* two-digit years within 80 years before and 20 after now */
	CU_ASSERT_EQUAL(parse_ms("yy-MM-dd", "24-02-29", &ok), INT64_C(1709164800000));
	CU_ASSERT_EQUAL(parse_ms("yyyy-MM-dd HH:mm:ss.SSS", "2024-02-29 13:05:09.5", &ok),
			LEAP_MS - 2);
	CU_ASSERT_EQUAL(parse_ms("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-02-29T15:05:09+02:00", &ok),
			LEAP_MS - 7);
	CU_ASSERT_TRUE(ok);
	parse_ms("yyyy-MM-dd", "2024/02/29", &ok);
	CU_ASSERT_FALSE(ok);
}

/* ---- Filter ---- */

static void test_filter_drops_every_record(void)
{
	void *st = create(&sl_tx_filter, SL_TX_VALUE, NULL);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	CU_ASSERT_EQUAL(apply(&sl_tx_filter, st, &r, err, sizeof(err)), SL_TX_DROP);
	sl_tx_filter.destroy(st);
}

/* ---- DropHeaders ---- */

static void test_drop_headers_removes_every_header_of_the_names(void)
{
	const char *kv[] = {"headers", "a, c", NULL};
	void *st = create(&sl_tx_drop_headers, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256], buf[64];
	sl_record_init(&r);
	sl_record_add_header(&r, "a", "1", 1);
	sl_record_add_header(&r, "b", "2", 1);
	sl_record_add_header(&r, "a", "3", 1);
	sl_record_add_header(&r, "c", NULL, 0);
	sl_record_add_header(&r, "d", "4", 1);
	CU_ASSERT_EQUAL(apply(&sl_tx_drop_headers, st, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL_FATAL(r.header_count, 2);
	SL_ASSERT_TEXT(header_text(&r, 0, buf, sizeof(buf)), "b=2");
	SL_ASSERT_TEXT(header_text(&r, 1, buf, sizeof(buf)), "d=4");
	sl_record_clear(&r);
	sl_tx_drop_headers.destroy(st);
}

static void test_drop_headers_refuses_an_empty_list(void)
{
	const char *kv[] = {"headers", " , ", NULL};
	char *e = create_errors(&sl_tx_drop_headers, kv);
	SL_ASSERT_TEXT(e, "headers: Empty list");
	free(e);
}

/* ---- InsertHeader ---- */

static void insert_literal(const char *literal, const char *expected)
{
	const char *kv[] = {"header", "h", "value.literal", literal, NULL};
	void *st = create(&sl_tx_insert_header, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256], buf[128];
	sl_record_init(&r);
	sl_record_add_header(&r, "h", "old", 3);
	CU_ASSERT_EQUAL(apply(&sl_tx_insert_header, st, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL_FATAL(r.header_count, 2); /* added, the old one stays */
	SL_ASSERT_TEXT(header_text(&r, 1, buf, sizeof(buf)), expected);
	sl_record_clear(&r);
	sl_tx_insert_header.destroy(st);
}

static void test_insert_header_writes_the_literal_as_kafka_parses_it(void)
{
	insert_literal("hello world", "h=hello world");
	insert_literal("", "h=");
	insert_literal("42", "h=42");
	insert_literal("1.0", "h=1");
	insert_literal("1.50", "h=1.5");
	insert_literal("true", "h=true");
	insert_literal("null", "h=(null)");
	insert_literal("TRUE", "h=TRUE");
	insert_literal("  42 ", "h=42");
	insert_literal("007", "h=7");
	insert_literal("1e3", "h=1000");
	insert_literal("3.14159265358979", "h=3.1415927");
	insert_literal("12345678901234567890", "h=12345678901234567890");
	insert_literal("[1, 2]", "h=[1,2]");
	insert_literal("[1, 2.5]", "h=[1.0,2.5]");
	insert_literal("{\"a\": 1.50, \"b\": \"x\"}", "h={\"a\":1.5,\"b\":\"x\"}");
	insert_literal("2024-01-02", "h=2024-01-02");
	/* what Kafka's Values parser makes of odd literals */
	insert_literal("10:11:12.345", "h=10");
	insert_literal("1.5,2", "h=1.5");
	insert_literal("[1,2]x", "h=[1,2]");
	insert_literal("[a,b]", "h=[a,b]");
	insert_literal("  x  ", "h=x");
	insert_literal("1 2", "h=1 2");
}

static void test_insert_header_requires_its_keys(void)
{
	const char *kv[] = {"header", "h", NULL};
	char *e = create_errors(&sl_tx_insert_header, kv);
	SL_ASSERT_CONTAINS(e, "value.literal");
	free(e);
}

/* ---- HeaderFrom ---- */

#define PERSON_SCHEMA                                                                              \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"       \
	"\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},{\"type\":\"int32\","  \
	"\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1,"         \
	"\"field\":\"born\"},{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":"  \
	"false,\"field\":\"city\"},{\"type\":\"int32\",\"optional\":true,\"default\":7,"           \
	"\"field\":\"n\"}],\"optional\":true,\"field\":\"addr\"}],\"optional\":true,\"name\":"     \
	"\"person\",\"version\":3,\"doc\":\"a person\"}"
#define PERSON                                                                                     \
	"{\"id\":1,\"name\":\"Al \\\"Q\\\"\",\"born\":19782,\"addr\":{\"city\":\"Oslo\",\"n\":"    \
	"null}}"

static void test_header_from_copies_fields_as_simple_header_converter_writes_them(void)
{
	const char *kv[] = {"fields",    "id,name,born,addr",
			    "headers",   "h_id,h_name,h_born,h_addr",
			    "operation", "copy",
			    NULL};
	void *st = create(&sl_tx_header_from, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256], buf[128];
	sl_record_init(&r);
	set_json(&r.value, PERSON_SCHEMA, PERSON);
	json_t *payload = r.value.json;
	CU_ASSERT_EQUAL(apply(&sl_tx_header_from, st, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL_FATAL(r.header_count, 4);
	SL_ASSERT_TEXT(header_text(&r, 0, buf, sizeof(buf)), "h_id=1");
	SL_ASSERT_TEXT(header_text(&r, 1, buf, sizeof(buf)), "h_name=Al \"Q\"");
	SL_ASSERT_TEXT(header_text(&r, 2, buf, sizeof(buf)), "h_born=2024-02-29");
	SL_ASSERT_TEXT(header_text(&r, 3, buf, sizeof(buf)), "h_addr={\"city\":\"Oslo\",\"n\":7}");
	CU_ASSERT_PTR_EQUAL(r.value.json, payload); /* copy: the value stays */
	sl_record_clear(&r);
	sl_tx_header_from.destroy(st);
}

static void test_header_from_moves_fields_out_of_the_schema(void)
{
	const char *kv[] = {"fields", "name,addr", "headers", "n,a", "operation", "move", NULL};
	void *st = create(&sl_tx_header_from, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256], buf[128];
	sl_record_init(&r);
	set_json(&r.value, PERSON_SCHEMA, "{\"id\":1,\"name\":null,\"born\":null,\"addr\":null}");
	CU_ASSERT_EQUAL(apply(&sl_tx_header_from, st, &r, err, sizeof(err)), SL_TX_KEEP);
	SL_ASSERT_TEXT(header_text(&r, 0, buf, sizeof(buf)), "n=(null)");
	/* copySchemaBasics: name, version and doc stay; optional does not */
	ASSERT_VALUE(
		&r.value,
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
		"\"field\":\"id\"},{\"type\":\"int32\",\"optional\":true,\"name\":\"org.apache."
		"kafka.connect.data.Date\",\"version\":1,\"field\":\"born\"}],\"optional\":false,"
		"\"name\":\"person\",\"version\":3,\"doc\":\"a person\"}|{\"id\":1,\"born\":null}");
	sl_record_clear(&r);
	sl_tx_header_from.destroy(st);
}

#define TIMES_SCHEMA                                                                               \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"name\":"        \
	"\"org.apache.kafka.connect.data.Time\",\"version\":1,\"field\":\"t\"},{\"type\":"         \
	"\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\","       \
	"\"version\":1,\"field\":\"ts\"},{\"type\":\"int32\",\"optional\":true,\"default\":7,"     \
	"\"field\":\"n\"}],\"optional\":false}"

/* Time and Timestamp in ISO 8601; replace.null.with.default=false keeps a
 * null field null (a null header) where the default would be taken. */
static void test_header_from_times_and_nulls_without_defaults(void)
{
	const char *kv[] = {"fields",
			    "t,ts,n",
			    "headers",
			    "t,ts,n",
			    "operation",
			    "move",
			    "replace.null.with.default",
			    "false",
			    NULL};
	void *st = create(&sl_tx_header_from, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256], buf[128];
	sl_record_init(&r);
	set_json(&r.value, TIMES_SCHEMA, "{\"t\":47109007,\"ts\":1709211909007,\"n\":null}");
	CU_ASSERT_EQUAL(apply(&sl_tx_header_from, st, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL_FATAL(r.header_count, 3);
	SL_ASSERT_TEXT(header_text(&r, 0, buf, sizeof(buf)), "t=13:05:09.007Z");
	SL_ASSERT_TEXT(header_text(&r, 1, buf, sizeof(buf)), "ts=2024-02-29T13:05:09.007Z");
	SL_ASSERT_TEXT(header_text(&r, 2, buf, sizeof(buf)), "n=(null)");
	ASSERT_VALUE(&r.value, "{\"type\":\"struct\",\"fields\":[],\"optional\":false}|{}");
	sl_record_clear(&r);
	sl_tx_header_from.destroy(st);
}

static void test_header_from_schemaless_map(void)
{
	const char *kv[] = {"fields", "a,b,z", "headers", "ha,hb,hz", "operation", "move", NULL};
	void *st = create(&sl_tx_header_from, SL_TX_KEY, kv);
	sl_record_t r;
	char err[256], buf[128];
	sl_record_init(&r);
	set_json(&r.key, NULL, "{\"a\":[1,\"x\",2.5],\"b\":{\"k\":true},\"c\":3}");
	CU_ASSERT_EQUAL(apply(&sl_tx_header_from, st, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL_FATAL(r.header_count, 3);
	SL_ASSERT_TEXT(header_text(&r, 0, buf, sizeof(buf)), "ha=[1,\"x\",2.5]");
	SL_ASSERT_TEXT(header_text(&r, 1, buf, sizeof(buf)), "hb={\"k\":true}");
	SL_ASSERT_TEXT(header_text(&r, 2, buf, sizeof(buf)), "hz=(null)");
	ASSERT_VALUE(&r.key, "null|{\"c\":3}");
	sl_record_clear(&r);
	sl_tx_header_from.destroy(st);
}

static void test_header_from_refuses_what_kafka_refuses(void)
{
	const char *kv[] = {"fields", "a", "headers", "ha", "operation", "copy", NULL};
	void *st = create(&sl_tx_header_from, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	sl_value_set_string(&r.value, "text", 4);
	CU_ASSERT_EQUAL(apply(&sl_tx_header_from, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err,
		       "Only Struct objects supported for [header copy], found: java.lang.String");
	sl_value_clear(&r.value); /* a tombstone */
	CU_ASSERT_EQUAL(apply(&sl_tx_header_from, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Only Map objects supported in absence of schema for [header copy], "
			    "found: null");
	sl_record_clear(&r);
	sl_tx_header_from.destroy(st);

	const char *uneven[] = {"fields", "a,b", "headers", "ha", "operation", "copy", NULL};
	char *e = create_errors(&sl_tx_header_from, uneven);
	SL_ASSERT_TEXT(e, "headers: 'fields' config must have the same number of elements as "
			  "'headers' config.");
	free(e);
}

/* ---- SetSchemaMetadata ---- */

#define POINT_SCHEMA                                                                               \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"       \
	"\"x\"},{\"type\":\"int32\",\"optional\":true,\"default\":5,\"field\":\"y\"}],"            \
	"\"optional\":false,\"doc\":\"pt\"}"

static void test_set_schema_metadata_sets_name_and_version(void)
{
	const char *kv[] = {"schema.name", "my.Point", "schema.version", "4", NULL};
	void *st = create(&sl_tx_set_schema_metadata, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	set_json(&r.value, POINT_SCHEMA, "{\"x\":1,\"y\":null}");
	json_t *in_schema = r.value.schema;
	CU_ASSERT_EQUAL(apply(&sl_tx_set_schema_metadata, st, &r, err, sizeof(err)), SL_TX_KEEP);
	/* name and version in JsonConverter's place; the null y takes its default */
	ASSERT_VALUE(&r.value, "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":"
			       "false,\"field\":\"x\"},{\"type\":\"int32\",\"optional\":true,"
			       "\"default\":5,\"field\":\"y\"}],\"optional\":false,\"name\":\"my."
			       "Point\",\"version\":4,\"doc\":\"pt\"}|{\"x\":1,\"y\":5}");
	json_t *first = r.value.schema;
	sl_record_clear(&r);
	/* the same input schema gets the same output schema (cached) */
	sl_value_set_json(&r.value, json_pack("{s:i,s:i}", "x", 2, "y", 3), json_incref(in_schema));
	CU_ASSERT_EQUAL(apply(&sl_tx_set_schema_metadata, st, &r, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_PTR_EQUAL(r.value.schema, first);
	sl_record_clear(&r);
	sl_tx_set_schema_metadata.destroy(st);
}

static void test_set_schema_metadata_keeps_nulls_when_asked(void)
{
	const char *kv[] = {"schema.version", "2", "replace.null.with.default", "false", NULL};
	void *st = create(&sl_tx_set_schema_metadata, SL_TX_KEY, kv);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	set_json(&r.key, POINT_SCHEMA, "{\"x\":1,\"y\":null}");
	CU_ASSERT_EQUAL(apply(&sl_tx_set_schema_metadata, st, &r, err, sizeof(err)), SL_TX_KEEP);
	char *t = text_of(&r.key);
	SL_ASSERT_CONTAINS(t, "\"optional\":false,\"version\":2,\"doc\":\"pt\"}|");
	CU_ASSERT_TRUE(json_is_null(json_object_get(r.key.json, "y")));
	free(t);
	/* a string key has schema string, which Kafka's copy cannot list the
	 * fields of */
	sl_value_set_string(&r.key, "k", 1);
	CU_ASSERT_EQUAL(apply(&sl_tx_set_schema_metadata, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Cannot list fields on non-struct type");
	sl_record_clear(&r);
	sl_tx_set_schema_metadata.destroy(st);
}

static void test_set_schema_metadata_refuses_what_kafka_refuses(void)
{
	const char *kv[] = {"schema.name", "n", NULL};
	void *st = create(&sl_tx_set_schema_metadata, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	set_json(&r.value, NULL, "{\"x\":1}");
	CU_ASSERT_EQUAL(apply(&sl_tx_set_schema_metadata, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Schema required for [updating schema metadata]");
	sl_value_clear(&r.value); /* a tombstone goes through */
	CU_ASSERT_EQUAL(apply(&sl_tx_set_schema_metadata, st, &r, err, sizeof(err)), SL_TX_KEEP);
	ASSERT_VALUE(&r.value, "NULL");
	sl_record_clear(&r);
	sl_tx_set_schema_metadata.destroy(st);

	char *e = create_errors(&sl_tx_set_schema_metadata, NULL);
	SL_ASSERT_TEXT(e, "schema.name: neither schema name nor version configured");
	free(e);
}

/* ---- TimestampConverter ---- */

#define EVENT_SCHEMA                                                                               \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"      \
	"\"id\"},{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data."  \
	"Timestamp\",\"version\":1,\"field\":\"at\"}],\"optional\":false,\"name\":\"ev\"}"

static void test_timestamp_converter_field_to_string_changes_the_schema(void)
{
	const char *kv[] = {
		"field", "at", "target.type", "string", "format", "yyyy-MM-dd HH:mm:ss.SSS", NULL};
	void *st = create(&sl_tx_timestamp_converter, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	set_json(&r.value, EVENT_SCHEMA, "{\"id\":\"e1\",\"at\":1709211909007}");
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_KEEP);
	ASSERT_VALUE(&r.value,
		     "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
		     "\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"at\"}],"
		     "\"optional\":false,\"name\":\"ev\"}|{\"id\":\"e1\",\"at\":\"2024-02-29 "
		     "13:05:09.007\"}");
	sl_record_clear(&r);
	set_json(&r.value, EVENT_SCHEMA, "{\"id\":\"e2\",\"at\":null}");
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_KEEP);
	char *t = text_of(&r.value);
	SL_ASSERT_CONTAINS(t, "|{\"id\":\"e2\",\"at\":null}");
	free(t);
	sl_record_clear(&r);
	sl_tx_timestamp_converter.destroy(st);
}

static void test_timestamp_converter_whole_value_each_target(void)
{
	static const struct {
		const char *target, *precision, *expected;
	} cases[] = {
		{"unix", "seconds", "{\"type\":\"int64\",\"optional\":false}|1709211909"},
		{"unix", "microseconds",
		 "{\"type\":\"int64\",\"optional\":false}|1709211909007000"},
		{"Date", "milliseconds",
		 "{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data."
		 "Date\",\"version\":1}|19782"},
		{"Time", "milliseconds",
		 "{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data."
		 "Time\",\"version\":1}|47109007"},
		{"Timestamp", "milliseconds",
		 "{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data."
		 "Timestamp\",\"version\":1}|1709211909007"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		const char *kv[] = {"target.type",
				    cases[i].target,
				    "unix.precision",
				    cases[i].precision,
				    "format",
				    "yyyy-MM-dd'T'HH:mm:ss.SSSX",
				    NULL};
		void *st = create(&sl_tx_timestamp_converter, SL_TX_VALUE, kv);
		sl_record_t r;
		char err[256];
		sl_record_init(&r);
		/* a string value has schema string: parsed with the format */
		sl_value_set_string(&r.value, "2024-02-29T13:05:09.007Z", 24);
		CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)),
				SL_TX_KEEP);
		ASSERT_VALUE(&r.value, cases[i].expected);
		sl_record_clear(&r);
		sl_tx_timestamp_converter.destroy(st);
	}
}

static void test_timestamp_converter_schemaless(void)
{
	const char *kv[] = {"field",          "ts",          "target.type", "Timestamp",
			    "unix.precision", "nanoseconds", NULL};
	void *st = create(&sl_tx_timestamp_converter, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	set_json(&r.value, NULL, "{\"a\":1,\"ts\":1709211909007123456}");
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_KEEP);
	ASSERT_VALUE(&r.value, "null|{\"a\":1,\"ts\":1709211909007}");
	sl_record_clear(&r);
	/* a missing field is put as null, as Kafka's map copy does */
	set_json(&r.value, NULL, "{\"a\":1}");
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_KEEP);
	ASSERT_VALUE(&r.value, "null|{\"a\":1,\"ts\":null}");
	sl_record_clear(&r);
	/* a tombstone passes */
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_KEEP);
	ASSERT_VALUE(&r.value, "NULL");
	set_json(&r.value, NULL, "{\"ts\":1.5}");
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "TimestampConverter does not support class java.lang.Double objects as "
			    "timestamps");
	sl_value_set_json(&r.value, json_pack("[i]", 1), NULL);
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Only Map objects supported in absence of schema for [converting "
			    "timestamp formats], found: java.util.ArrayList");
	sl_record_clear(&r);
	sl_tx_timestamp_converter.destroy(st);
}

static void test_timestamp_converter_refuses_what_kafka_refuses(void)
{
	const char *kv[] = {"target.type", "unix", "format", "yyyy-MM-dd", NULL};
	void *st = create(&sl_tx_timestamp_converter, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	set_json(&r.value, "{\"type\":\"int32\",\"optional\":false}", "5");
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Schema Schema{INT32} does not correspond to a known timestamp type "
			    "format");
	sl_value_set_string(&r.value, "29/02/2024", 10);
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Could not parse timestamp: value (29/02/2024) does not match pattern "
			    "(yyyy-MM-dd)");
	sl_record_clear(&r);
	sl_tx_timestamp_converter.destroy(st);

	/* Kafka checks a converted struct default against its schema builder,
	 * which never matches: every record of such a schema fails */
	const char *field[] = {"field", "at", "target.type", "unix", NULL};
	st = create(&sl_tx_timestamp_converter, SL_TX_VALUE, field);
	set_json(&r.value,
		 "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":true,"
		 "\"field\":\"at\"}],\"optional\":true,\"default\":{\"at\":1}}",
		 "{\"at\":5}");
	CU_ASSERT_EQUAL(apply(&sl_tx_timestamp_converter, st, &r, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Invalid default value");
	sl_record_clear(&r);
	sl_tx_timestamp_converter.destroy(st);

	const char *no_format[] = {"target.type", "string", NULL};
	char *e = create_errors(&sl_tx_timestamp_converter, no_format);
	SL_ASSERT_TEXT(e, "format: TimestampConverter requires format option to be specified when "
			  "using string timestamps");
	free(e);
	const char *bad[] = {"target.type", "string", "format", "yyyy-MM-ddTHH:mm", NULL};
	e = create_errors(&sl_tx_timestamp_converter, bad);
	SL_ASSERT_CONTAINS(e, "format: TimestampConverter requires a SimpleDateFormat-compatible "
			      "pattern for string timestamps: yyyy-MM-ddTHH:mm (Illegal pattern "
			      "character 'T')");
	free(e);
	const char *lower[] = {"target.type", "date", NULL};
	e = create_errors(&sl_tx_timestamp_converter, lower);
	SL_ASSERT_TEXT(e, "target.type: Invalid value date for configuration target.type: String "
			  "must be one of: string, unix, Date, Time, Timestamp");
	free(e);
	const char *type[] = {"target.type", "datetime", NULL};
	e = create_errors(&sl_tx_timestamp_converter, type);
	SL_ASSERT_CONTAINS(e, "target.type");
	free(e);
}

/* ---- routers (through a chain: topics are interned) ---- */

static sl_transform_chain_t *chain_of(const char *const *kv)
{
	sl_config_t *cfg = config_of(kv);
	sl_errlist_t errs = {0};
	bool failed = false;
	sl_transform_chain_t *ch = sl_transform_chain_new(cfg, &errs, &failed);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    unexpected: %s\n", errs.items[i]);
	CU_ASSERT_FALSE(failed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return ch;
}

static const char *route(sl_transform_chain_t *ch, const char *topic, int64_t timestamp)
{
	static char out[256]; /* the test's own scratch */
	sl_record_t r;
	char err[256] = "";
	sl_record_init(&r);
	r.topic = topic;
	r.timestamp = timestamp;
	sl_tx_result_t res = sl_transform_chain_apply(ch, &r, err, sizeof(err));
	snprintf(out, sizeof(out), "%s", res == SL_TX_KEEP ? r.topic : err);
	sl_record_clear(&r);
	return out;
}

static void test_regex_router_rewrites_topics_that_match_whole(void)
{
	const char *kv[] = {"transforms",
			    "r",
			    "transforms.r.type",
			    "org.apache.kafka.connect.transforms.RegexRouter",
			    "transforms.r.regex",
			    "(.*)-(v\\d+)",
			    "transforms.r.replacement",
			    "$2.$1",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	SL_ASSERT_TEXT(route(ch, "orders-v2", 0), "v2.orders");
	SL_ASSERT_TEXT(route(ch, "orders-v2", 0), "v2.orders");   /* from the cache */
	SL_ASSERT_TEXT(route(ch, "orders-v2x", 0), "orders-v2x"); /* no whole match */
	SL_ASSERT_TEXT(route(ch, "a-v1-v3", 0), "v3.a-v1");
	sl_transform_chain_free(ch);
}

static void test_timestamp_router_formats_topic_and_time(void)
{
	const char *kv[] = {"transforms",
			    "t",
			    "transforms.t.type",
			    "TimestampRouter",
			    "transforms.t.topic.format",
			    "${timestamp}/${topic}/${topic}",
			    "transforms.t.timestamp.format",
			    "yyyy.MM.dd-HH",
			    NULL};
	sl_transform_chain_t *ch = chain_of(kv);
	SL_ASSERT_TEXT(route(ch, "logs", LEAP_MS), "2024.02.29-13/logs/logs");
	SL_ASSERT_CONTAINS(route(ch, "logs", 0), "Timestamp missing on record");
	SL_ASSERT_CONTAINS(route(ch, "logs", -1), "Timestamp missing on record");
	sl_transform_chain_free(ch);

	/* quoted text (and a quote doubled) between day and month names */
	const char *names[] = {"transforms",
			       "t",
			       "transforms.t.type",
			       "TimestampRouter",
			       "transforms.t.timestamp.format",
			       "yy-MM-dd'T'HH 'o''clock' EEE MMM",
			       NULL};
	ch = chain_of(names);
	SL_ASSERT_TEXT(route(ch, "logs", LEAP_MS), "logs-24-02-29T13 o'clock Thu Feb");
	sl_transform_chain_free(ch);

	const char *def[] = {"transforms", "t", "transforms.t.type", "TimestampRouter", NULL};
	ch = chain_of(def);
	SL_ASSERT_TEXT(route(ch, "logs", LEAP_MS), "logs-20240229");
	sl_transform_chain_free(ch);
}

void transform_c_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"datefmt_formats_the_letters_users_write",
		 test_datefmt_formats_the_letters_users_write},
		{"datefmt_refuses_what_java_refuses", test_datefmt_refuses_what_java_refuses},
		{"datefmt_parses_leniently_as_java", test_datefmt_parses_leniently_as_java},
		{"filter_drops_every_record", test_filter_drops_every_record},
		{"drop_headers_removes_every_header_of_the_names",
		 test_drop_headers_removes_every_header_of_the_names},
		{"drop_headers_refuses_an_empty_list", test_drop_headers_refuses_an_empty_list},
		{"insert_header_writes_the_literal_as_kafka_parses_it",
		 test_insert_header_writes_the_literal_as_kafka_parses_it},
		{"insert_header_requires_its_keys", test_insert_header_requires_its_keys},
		{"header_from_copies_fields_as_simple_header_converter_writes_them",
		 test_header_from_copies_fields_as_simple_header_converter_writes_them},
		{"header_from_moves_fields_out_of_the_schema",
		 test_header_from_moves_fields_out_of_the_schema},
		{"header_from_times_and_nulls_without_defaults",
		 test_header_from_times_and_nulls_without_defaults},
		{"header_from_schemaless_map", test_header_from_schemaless_map},
		{"header_from_refuses_what_kafka_refuses",
		 test_header_from_refuses_what_kafka_refuses},
		{"set_schema_metadata_sets_name_and_version",
		 test_set_schema_metadata_sets_name_and_version},
		{"set_schema_metadata_keeps_nulls_when_asked",
		 test_set_schema_metadata_keeps_nulls_when_asked},
		{"set_schema_metadata_refuses_what_kafka_refuses",
		 test_set_schema_metadata_refuses_what_kafka_refuses},
		{"timestamp_converter_field_to_string_changes_the_schema",
		 test_timestamp_converter_field_to_string_changes_the_schema},
		{"timestamp_converter_whole_value_each_target",
		 test_timestamp_converter_whole_value_each_target},
		{"timestamp_converter_schemaless", test_timestamp_converter_schemaless},
		{"timestamp_converter_refuses_what_kafka_refuses",
		 test_timestamp_converter_refuses_what_kafka_refuses},
		{"regex_router_rewrites_topics_that_match_whole",
		 test_regex_router_rewrites_topics_that_match_whole},
		{"timestamp_router_formats_topic_and_time",
		 test_timestamp_router_formats_topic_and_time},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("transform_c", NULL, NULL, tests);
}
