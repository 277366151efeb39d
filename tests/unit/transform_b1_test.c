/* Unit tests of the Cast, Flatten, ReplaceField and MaskField transforms:
 * each case pins a behaviour of Apache Kafka 4.1's connect-transforms
 * (named in the test), with the expected payload and schema JSON written
 * as Kafka's JsonConverter would write them. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sluice/data.h"
#include "transform.h"
#include "transforms/defs.h"

typedef struct tx_out {
	char *payload; /* JsonConverter's payload bytes, or "ERROR: why" */
	char *schema;  /* its schema JSON, or "null" */
	char *tree;    /* the payload as jansson dumps it */
	json_t *schema_ptr;
} tx_out_t;

static sl_config_t *config_of(const char *const *kv)
{
	sl_config_t *cfg = sl_config_new();

	for (; kv && kv[0]; kv += 2)
		sl_config_set(cfg, kv[0], kv[1], "unit", 1);
	return cfg;
}

/* The problems create reports, joined with " | " ("" when it succeeds). */
static char *create_errors(const sl_transform_def_t *d, const char *const *kv)
{
	sl_config_t *cfg = config_of(kv);
	sl_errlist_t errs = {0};
	sl_buf_t b = {0};
	void *st = d->create(cfg, SL_TX_VALUE, &errs);

	if (st)
		d->destroy(st);
	sl_buf_append_str(&b, "");
	for (size_t i = 0; i < errs.count; i++)
		sl_buf_appendf(&b, "%s%s", i ? " | " : "", errs.items[i]);
	CU_ASSERT_EQUAL(st == NULL, errs.count > 0);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return sl_buf_steal(&b);
}

static void *make(const sl_transform_def_t *d, sl_tx_part_t part, const char *const *kv)
{
	sl_config_t *cfg = config_of(kv);
	sl_errlist_t errs = {0};
	void *st = d->create(cfg, part, &errs);

	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    create: %s", errs.items[i]);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return st;
}

static void out_free(tx_out_t *o)
{
	free(o->payload);
	free(o->schema);
	free(o->tree);
	memset(o, 0, sizeof(*o));
}

static char *write_json(const json_t *j, const json_t *schema)
{
	sl_buf_t b = {0};

	if (j)
		sl_json_write(&b, j, schema);
	else
		sl_buf_append_str(&b, "null");
	return sl_buf_steal(&b);
}

/* The payload tree as it is (a null is not written as its default). */
static void expect_tree(const tx_out_t *o, const char *want)
{
	SL_ASSERT_TEXT(o->tree, want);
}

/* Applies the transform to a record whose value is the JSON payload with
 * the schema (NULL: schemaless) and describes the value after it. */
static tx_out_t run_on(const sl_transform_def_t *d, void *st, sl_record_t *r)
{
	char err[512] = "";
	tx_out_t o = {0};
	sl_tx_result_t res = d->apply(st, r, NULL, err, sizeof(err));

	if (res == SL_TX_ERROR) {
		o.payload = sl_asprintf("ERROR: %s", err);
		o.schema = sl_strdup("");
		return o;
	}
	CU_ASSERT_EQUAL(res, SL_TX_KEEP);
	o.payload = write_json(r->value.json, r->value.schema);
	o.schema = write_json(r->value.schema, NULL);
	o.schema_ptr = r->value.schema;
	o.tree = json_dumps(r->value.json, JSON_COMPACT | JSON_ENCODE_ANY);
	return o;
}

static tx_out_t run(const sl_transform_def_t *d, void *st, const char *payload, const char *schema)
{
	sl_record_t r;
	json_error_t je;
	json_t *p = json_loads(payload, JSON_DECODE_ANY, &je);
	json_t *s = schema ? json_loads(schema, 0, &je) : NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	sl_record_init(&r);
	sl_value_set_json(&r.value, p, s);
	tx_out_t o = run_on(d, st, &r);
	sl_record_clear(&r);
	return o;
}

#define EXPECT(o, want_payload, want_schema)                                                       \
	do {                                                                                       \
		SL_ASSERT_TEXT((o).payload, (want_payload));                                       \
		if (want_schema)                                                                   \
			SL_ASSERT_TEXT((o).schema, (const char *)(want_schema));                   \
	} while (0)

/* ---- Cast ---- */

#define CAST_SCHEMA                                                                                \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":"       \
	"\"id\"},"                                                                                 \
	"{\"type\":\"double\",\"optional\":true,\"default\":1.5,\"field\":\"score\"},"             \
	"{\"type\":\"boolean\",\"optional\":false,\"field\":\"flag\"},"                            \
	"{\"type\":\"string\",\"optional\":false,\"field\":\"name\"}],"                            \
	"\"optional\":false,\"name\":\"rec\",\"version\":2}"

/* Kafka: a cast field gets a bare schema of the target type with the
 * field's optional flag and its default cast; other fields and the
 * struct's name and version stay; numbers narrow as Java's casts. */
static void test_cast_struct_fields(void)
{
	const char *kv[] = {"spec", "id:int32,score:string,flag:int8", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	tx_out_t o =
		run(&sl_tx_cast, st,
		    "{\"id\":4294967297,\"score\":2.25,\"flag\":true,\"name\":\"x\"}", CAST_SCHEMA);
	EXPECT(o, "{\"id\":1,\"score\":\"2.25\",\"flag\":1,\"name\":\"x\"}",
	       "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"
	       "\"id\"},{\"type\":\"string\",\"optional\":true,\"default\":\"1.5\",\"field\":"
	       "\"score\"},{\"type\":\"int8\",\"optional\":false,\"field\":\"flag\"},{\"type\":"
	       "\"string\",\"optional\":false,\"field\":\"name\"}],\"optional\":false,\"name\":"
	       "\"rec\",\"version\":2}");
	json_t *first = o.schema_ptr;
	out_free(&o);
	/* The derived schema is cached: the same object for the same schema. */
	o = run(&sl_tx_cast, st, "{\"id\":2,\"score\":null,\"flag\":false,\"name\":\"y\"}",
		CAST_SCHEMA);
	CU_ASSERT_PTR_EQUAL(o.schema_ptr, first);
	/* A null field with a default takes it (Struct.get), then is cast. */
	EXPECT(o, "{\"id\":2,\"score\":\"1.5\",\"flag\":0,\"name\":\"y\"}", NULL);
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* Kafka 3.8+: replace.null.with.default=false reads getWithoutDefault. */
static void test_cast_keeps_null_without_default_replacement(void)
{
	const char *kv[] = {"spec", "score:string", "replace.null.with.default", "false", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_cast, st, "{\"id\":2,\"score\":null,\"flag\":false,\"name\":\"y\"}",
			 CAST_SCHEMA);
	expect_tree(&o, "{\"id\":2,\"score\":null,\"flag\":false,\"name\":\"y\"}");
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* Kafka: a whole-value cast keeps the schema's basics (copySchemaBasics:
 * name, version) and its optional flag; Timestamp to string uses
 * Values.dateFormatFor. */
static void test_cast_whole_value_logical_to_string(void)
{
	const char *kv[] = {"spec", "string", NULL};
	void *st = make(&sl_tx_cast, SL_TX_KEY, kv);
	sl_record_t r;

	sl_record_init(&r);
	sl_value_set_json(&r.key, json_integer(1700000000123),
			  json_pack("{s:s,s:b,s:s,s:i}", "type", "int64", "optional", 1, "name",
				    SL_LOGICAL_TIMESTAMP, "version", 1));
	char err[256];
	CU_ASSERT_EQUAL(sl_tx_cast.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	char *p = write_json(r.key.json, r.key.schema), *s = write_json(r.key.schema, NULL);
	SL_ASSERT_TEXT(p, "\"2023-11-14T22:13:20.123Z\"");
	SL_ASSERT_TEXT(s, "{\"type\":\"string\",\"optional\":true,\"name\":"
			  "\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}");
	free(p);
	free(s);
	sl_record_clear(&r);
	sl_tx_cast.destroy(st);
}

/* Kafka's dateFormatFor: a Date at midnight as yyyy-MM-dd, but below one
 * day of the epoch as a time of day; Time as HH:mm:ss.SSS'Z'; Date to
 * int32 is its day count (encodeLogicalType). */
static void test_cast_dates_and_times(void)
{
	const char *kv[] = {"spec", "d:string,d0:string,t:string,dn:int32", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_cast, st, "{\"d\":19000,\"d0\":0,\"t\":3723004,\"dn\":19000}",
			 "{\"type\":\"struct\",\"fields\":["
			 "{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka."
			 "connect.data.Date\","
			 "\"version\":1,\"field\":\"d\"},"
			 "{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka."
			 "connect.data.Date\","
			 "\"version\":1,\"field\":\"d0\"},"
			 "{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka."
			 "connect.data.Time\","
			 "\"version\":1,\"field\":\"t\"},"
			 "{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka."
			 "connect.data.Date\","
			 "\"version\":1,\"field\":\"dn\"}],\"optional\":false}");
	EXPECT(o,
	       "{\"d\":\"2022-01-08\",\"d0\":\"00:00:00.000Z\",\"t\":\"01:02:03.004Z\",\"dn\":"
	       "19000}",
	       NULL);
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* Kafka: a Decimal is a BigDecimal: intValue truncates, toString gives its
 * text, doubleValue its value. */
static void test_cast_decimal(void)
{
	const char *kv[] = {"spec", "a:int32,b:string,c:float64,d:boolean", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
#define DEC(name)                                                                                  \
	"{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data."         \
	"Decimal\","                                                                               \
	"\"version\":1,\"parameters\":{\"scale\":\"2\"},\"field\":\"" name "\"}"
	const char *schema = "{\"type\":\"struct\",\"fields\":[" DEC("a") "," DEC("b") "," DEC(
		"c") "," DEC("d") "],\"optional\":false}";
#undef DEC
	tx_out_t o = run(&sl_tx_cast, st,
			 "{\"a\":\"MDk=\",\"b\":\"MDk=\",\"c\":\"MDk=\",\"d\":\"MDk=\"}", schema);
	EXPECT(o, "{\"a\":123,\"b\":\"123.45\",\"c\":123.45,\"d\":true}", NULL);
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* Kafka: strings are parsed as Byte.parseByte / Float.parseFloat /
 * Boolean.parseBoolean do; out of range is a DataException. A schemaless
 * map gets every listed field, a missing one as null. */
static void test_cast_schemaless_strings(void)
{
	const char *kv[] = {"spec", "a:int8,f:float64,t:boolean,y:boolean,n:int64,gone:string",
			    NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_cast, st,
			 "{\"a\":\"-128\",\"f\":\" 1.5f \",\"t\":\"TRUE\",\"y\":\"yes\",\"n\":1.9,"
			 "\"x\":\"keep\"}",
			 NULL);
	EXPECT(o,
	       "{\"a\":-128,\"f\":1.5,\"t\":true,\"y\":false,\"n\":1,\"x\":\"keep\",\"gone\":null}",
	       "null");
	out_free(&o);
	o = run(&sl_tx_cast, st, "{\"a\":\"128\"}", NULL);
	EXPECT(o, "ERROR: Value (128) was out of range for requested data type", NULL);
	out_free(&o);
	o = run(&sl_tx_cast, st, "{\"a\":{\"m\":1}}", NULL);
	EXPECT(o,
	       "ERROR: Cast transformation does not support casting from MAP; supported types "
	       "are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]",
	       NULL);
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* Kafka: bytes only cast to string (base64); Float.toString for float32. */
static void test_cast_bytes_and_float32(void)
{
	const char *kv[] = {"spec", "b:string,f:string,c:int32", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	const char *schema = "{\"type\":\"struct\",\"fields\":["
			     "{\"type\":\"bytes\",\"optional\":false,\"field\":\"b\"},"
			     "{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"
			     "{\"type\":\"bytes\",\"optional\":true,\"field\":\"c\"}],"
			     "\"optional\":false}";
	tx_out_t o = run(&sl_tx_cast, st, "{\"b\":\"aGk=\",\"f\":0.10000000149011612,\"c\":null}",
			 schema);
	EXPECT(o, "{\"b\":\"aGk=\",\"f\":\"0.1\",\"c\":null}", NULL);
	out_free(&o);
	o = run(&sl_tx_cast, st, "{\"b\":\"aGk=\",\"f\":1.0,\"c\":\"aGk=\"}", schema);
	EXPECT(o, "ERROR: Unexpected type in Cast transformation: class [B", NULL);
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* JsonConverter names FLOAT32 "float" and FLOAT64 "double" in a schema:
 * Cast reads those and writes them for its float casts. */
static void test_cast_json_type_names(void)
{
	const char *kv[] = {"spec", "f:float64,d:float32,i:float32", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	tx_out_t o =
		run(&sl_tx_cast, st, "{\"f\":0.1,\"d\":0.1,\"i\":3}",
		    "{\"type\":\"struct\",\"fields\":["
		    "{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"
		    "{\"type\":\"double\",\"optional\":false,\"field\":\"d\"},"
		    "{\"type\":\"int32\",\"optional\":true,\"field\":\"i\"}],\"optional\":false}");
	/* 0.1f widened to a double is 0.10000000149011612 */
	EXPECT(o, "{\"f\":0.10000000149011612,\"d\":0.1,\"i\":3.0}",
	       "{\"type\":\"struct\",\"fields\":[{\"type\":\"double\",\"optional\":false,"
	       "\"field\":\"f\"},{\"type\":\"float\",\"optional\":false,\"field\":\"d\"},{"
	       "\"type\":\"float\",\"optional\":true,\"field\":\"i\"}],\"optional\":false}");
	out_free(&o);
	sl_tx_cast.destroy(st);

	const char *whole[] = {"spec", "string", NULL};
	st = make(&sl_tx_cast, SL_TX_VALUE, whole);
	o = run(&sl_tx_cast, st, "2.5", "{\"type\":\"double\",\"optional\":false}");
	EXPECT(o, "\"2.5\"", "{\"type\":\"string\",\"optional\":false}");
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* Without a schema Kafka's float32 cast gives a java.lang.Float, which
 * JsonConverter writes with Float.toString: 0.1, not the double's
 * 0.10000000149011612; a float64 cast stays a double. */
static void test_cast_schemaless_float32_text(void)
{
	const char *kv[] = {"spec", "a:float32,b:float32,c:float64", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_cast, st, "{\"a\":0.1,\"b\":\"0.1\",\"c\":0.1}", NULL);
	EXPECT(o, "{\"a\":0.1,\"b\":0.1,\"c\":0.1}", "null");
	out_free(&o);
	sl_tx_cast.destroy(st);

	const char *whole[] = {"spec", "float32", NULL};
	st = make(&sl_tx_cast, SL_TX_VALUE, whole);
	o = run(&sl_tx_cast, st, "0.3", NULL);
	EXPECT(o, "0.3", "null");
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* JsonConverter's asJsonSchema writes "default" after "parameters": a
 * whole-value cast keeps the basics and casts the default. */
static void test_cast_whole_value_default_after_parameters(void)
{
	const char *kv[] = {"spec", "int64", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_cast, st, "7",
			 "{\"type\":\"int32\",\"optional\":true,\"default\":5,\"name\":\"x.Y\","
			 "\"version\":3,\"doc\":\"a doc\",\"parameters\":{\"p\":\"q\"}}");
	EXPECT(o, "7",
	       "{\"type\":\"int64\",\"optional\":true,\"name\":\"x.Y\",\"version\":3,\"doc\":"
	       "\"a doc\",\"parameters\":{\"p\":\"q\"},\"default\":5}");
	out_free(&o);
	sl_tx_cast.destroy(st);
}

/* Kafka: a null value passes; a field cast needs a struct or a map; a
 * whole-value cast works on a plain string key. */
static void test_cast_null_and_non_struct(void)
{
	const char *kv[] = {"spec", "a:int8", NULL};
	void *st = make(&sl_tx_cast, SL_TX_VALUE, kv);
	sl_record_t r;
	char err[256];

	sl_record_init(&r);
	CU_ASSERT_EQUAL(sl_tx_cast.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_NULL);
	sl_value_set_string(&r.value, "12", 2);
	CU_ASSERT_EQUAL(sl_tx_cast.apply(st, &r, NULL, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err, "Only Map objects supported in absence of schema for [cast types], "
			    "found: java.lang.String");
	sl_tx_cast.destroy(st);

	const char *whole[] = {"spec", "int64", NULL};
	st = make(&sl_tx_cast, SL_TX_VALUE, whole);
	CU_ASSERT_EQUAL(sl_tx_cast.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_JSON);
	CU_ASSERT_EQUAL(json_integer_value(r.value.json), 12);
	CU_ASSERT_PTR_NULL(r.value.schema);
	sl_record_clear(&r);
	sl_tx_cast.destroy(st);
}

/* Kafka's spec validation (parseFieldTypes, validCastType). */
static void test_cast_spec_errors(void)
{
	char *e;
	const char *empty[] = {"spec", "", NULL};
	const char *bad[] = {"spec", "a:int9", NULL};
	const char *to_bytes[] = {"spec", "a:bytes", NULL};
	const char *mixed[] = {"spec", "int32,a:int8", NULL};
	const char *colons[] = {"spec", "a:b:int8", NULL};

	e = create_errors(&sl_tx_cast, empty);
	SL_ASSERT_CONTAINS(e, "spec: Must specify at least one field to cast.");
	free(e);
	e = create_errors(&sl_tx_cast, bad);
	SL_ASSERT_TEXT(e, "spec: Invalid type found in casting spec: int9");
	free(e);
	e = create_errors(&sl_tx_cast, to_bytes);
	SL_ASSERT_TEXT(e,
		       "spec: Cast transformation does not support casting to BYTES; supported "
		       "types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]");
	free(e);
	e = create_errors(&sl_tx_cast, mixed);
	SL_ASSERT_CONTAINS(e, "may only specify a single cast");
	free(e);
	e = create_errors(&sl_tx_cast, colons);
	SL_ASSERT_CONTAINS(e, "spec: Invalid");
	free(e);
	e = create_errors(&sl_tx_cast, NULL);
	SL_ASSERT_CONTAINS(e, "spec");
	free(e);
}

/* ---- Flatten ---- */

#define FLAT_SCHEMA                                                                                \
	"{\"type\":\"struct\",\"fields\":["                                                        \
	"{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"                                \
	"{\"type\":\"struct\",\"fields\":["                                                        \
	"{\"type\":\"string\",\"optional\":false,\"field\":\"city\"},"                             \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"name\":"        \
	"\"org.apache.kafka.connect.data.Date\",\"version\":1,\"field\":\"since\"}],"              \
	"\"optional\":false,\"name\":\"Geo\",\"field\":\"geo\"}],"                                 \
	"\"optional\":true,\"name\":\"Addr\",\"field\":\"addr\"},"                                 \
	"{\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},"                  \
	"\"optional\":false,\"field\":\"tags\"}],"                                                 \
	"\"optional\":false,\"name\":\"outer\",\"version\":1}"

/* Kafka: leaves under their dotted path; optional when a struct above is
 * (addr); field schemas keep their name and version; arrays stay; the flat
 * struct keeps the basics. */
static void test_flatten_struct(void)
{
	void *st = make(&sl_tx_flatten, SL_TX_VALUE, NULL);
	tx_out_t o =
		run(&sl_tx_flatten, st,
		    "{\"id\":1,\"addr\":{\"city\":\"P\",\"geo\":{\"since\":3}},\"tags\":[\"a\"]}",
		    FLAT_SCHEMA);
	EXPECT(o, "{\"id\":1,\"addr.city\":\"P\",\"addr.geo.since\":3,\"tags\":[\"a\"]}",
	       "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"
	       "\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"addr.city\"},{\"type\":"
	       "\"int32\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\","
	       "\"version\":1,\"field\":\"addr.geo.since\"},{\"type\":\"array\",\"items\":{"
	       "\"type\":"
	       "\"string\",\"optional\":false},\"optional\":false,\"field\":\"tags\"}],"
	       "\"optional\":false,\"name\":\"outer\",\"version\":1}");
	out_free(&o);
	/* A null nested struct leaves its leaves null. */
	o = run(&sl_tx_flatten, st, "{\"id\":1,\"addr\":null,\"tags\":[]}", FLAT_SCHEMA);
	EXPECT(o, "{\"id\":1,\"addr.city\":null,\"addr.geo.since\":null,\"tags\":[]}", NULL);
	out_free(&o);
	sl_tx_flatten.destroy(st);
}

/* Kafka: a leaf without a default of its own takes the one the default
 * of the struct above gives it. */
static void test_flatten_default_from_parent(void)
{
	void *st = make(&sl_tx_flatten, SL_TX_VALUE, NULL);
	tx_out_t o = run(&sl_tx_flatten, st, "{\"s\":null}",
			 "{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{"
			 "\"type\":\"int32\",\"optional\":false,\"field\":\"x\"}],\"optional\":"
			 "false,\"default\":{\"x\":5},\"field\":\"s\"}],\"optional\":false}");
	EXPECT(o, "{\"s.x\":5}",
	       "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
	       "\"default\":"
	       "5,\"field\":\"s.x\"}],\"optional\":false}");
	out_free(&o);
	sl_tx_flatten.destroy(st);
}

/* Kafka's buildUpdatedSchema refuses a MAP field under a schema, at the
 * top or inside a struct, naming its flat path; every record fails (no
 * schema is cached). */
static void test_flatten_map_refused(void)
{
	const char *kv[] = {"delimiter", "_", NULL};
	void *st = make(&sl_tx_flatten, SL_TX_VALUE, kv);
#define MAP_FIELD(name)                                                                            \
	"{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{"         \
	"\"type\":\"int32\",\"optional\":false},\"optional\":true,\"field\":\"" name "\"}"
	const char *top = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
			  "\"field\":\"id\"}," MAP_FIELD("m") "],\"optional\":false}";
	const char *nested =
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[" MAP_FIELD(
			"mm") "],\"optional\":true,\"field\":\"a\"}],\"optional\":false}";
#undef MAP_FIELD
	for (int i = 0; i < 2; i++) {
		tx_out_t o = run(&sl_tx_flatten, st, "{\"id\":1,\"m\":{\"k\":1}}", top);
		EXPECT(o,
		       "ERROR: Flatten transformation does not support MAP for record with schemas "
		       "(for field m).",
		       NULL);
		out_free(&o);
	}
	tx_out_t o = run(&sl_tx_flatten, st, "{\"a\":null}", nested);
	EXPECT(o,
	       "ERROR: Flatten transformation does not support MAP for record with schemas (for "
	       "field a_mm).",
	       NULL);
	out_free(&o);
	sl_tx_flatten.destroy(st);
}

/* Kafka: nested maps flatten with the delimiter, arrays and nulls stay. */
static void test_flatten_schemaless(void)
{
	const char *kv[] = {"delimiter", "_", NULL};
	void *st = make(&sl_tx_flatten, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_flatten, st,
			 "{\"a\":{\"b\":{\"c\":1},\"d\":[{\"e\":1}]},\"f\":null}", NULL);
	EXPECT(o, "{\"a_b_c\":1,\"a_d\":[{\"e\":1}],\"f\":null}", "null");
	out_free(&o);
	sl_tx_flatten.destroy(st);
}

/* Kafka: a tombstone passes; a non-struct is refused; two leaves with one
 * name make SchemaBuilder fail. */
static void test_flatten_null_and_errors(void)
{
	void *st = make(&sl_tx_flatten, SL_TX_VALUE, NULL);
	sl_record_t r;
	char err[256];

	sl_record_init(&r);
	CU_ASSERT_EQUAL(sl_tx_flatten.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	sl_value_set_json(&r.value, json_string("x"),
			  json_pack("{s:s,s:b}", "type", "string", "optional", 0));
	CU_ASSERT_EQUAL(sl_tx_flatten.apply(st, &r, NULL, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(err,
		       "Only Struct objects supported for [flattening], found: java.lang.String");
	sl_record_clear(&r);
	tx_out_t o =
		run(&sl_tx_flatten, st, "{\"a.b\":1,\"a\":{\"b\":2}}",
		    "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
		    "\"field\":\"a.b\"},{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
		    "\"optional\":false,\"field\":\"b\"}],\"optional\":false,\"field\":\"a\"}],"
		    "\"optional\":false}");
	EXPECT(o, "ERROR: Cannot create field because of field name duplication a.b", NULL);
	out_free(&o);
	sl_tx_flatten.destroy(st);
}

/* ---- ReplaceField ---- */

#define RF_SCHEMA                                                                                  \
	"{\"type\":\"struct\",\"fields\":["                                                        \
	"{\"type\":\"int32\",\"optional\":false,\"field\":\"a\"},"                                 \
	"{\"type\":\"string\",\"optional\":true,\"field\":\"b\"},"                                 \
	"{\"type\":\"int64\",\"optional\":true,\"default\":7,\"field\":\"c\"}],"                   \
	"\"optional\":true,\"name\":\"row\",\"version\":3,\"doc\":\"d\"}"

/* Kafka: exclude drops, renames rename in place (field order kept), the
 * struct keeps name/version/doc but not its optional flag. */
static void test_replace_field_struct(void)
{
	const char *kv[] = {"exclude", "b", "renames", "a:x", NULL};
	void *st = make(&sl_tx_replace_field, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_replace_field, st, "{\"a\":1,\"b\":\"s\",\"c\":null}", RF_SCHEMA);
	EXPECT(o, "{\"x\":1,\"c\":7}",
	       "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"
	       "\"x\"},{\"type\":\"int64\",\"optional\":true,\"default\":7,\"field\":\"c\"}],"
	       "\"optional\":false,\"name\":\"row\",\"version\":3,\"doc\":\"d\"}");
	out_free(&o);
	sl_tx_replace_field.destroy(st);
}

/* Kafka: include keeps only what it names, exclude wins over it; with
 * replace.null.with.default=false a null stays null. */
static void test_replace_field_include(void)
{
	const char *kv[] = {"include", "a,c", "exclude", "a", "replace.null.with.default",
			    "false",   NULL};
	void *st = make(&sl_tx_replace_field, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_replace_field, st, "{\"a\":1,\"b\":\"s\",\"c\":null}", RF_SCHEMA);
	expect_tree(&o, "{\"c\":null}");
	out_free(&o);
	sl_tx_replace_field.destroy(st);
}

/* Kafka: a rename whose source field the struct lacks changes nothing; a
 * field already under the new name keeps its value (it was set to null). */
static void test_replace_field_rename_target_only(void)
{
	const char *kv[] = {"renames", "a:b", NULL};
	void *st = make(&sl_tx_replace_field, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_replace_field, st, "{\"b\":\"s\"}",
			 "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,"
			 "\"field\":\"b\"}],\"optional\":false}");
	expect_tree(&o, "{\"b\":\"s\"}");
	out_free(&o);
	sl_tx_replace_field.destroy(st);
}

static void test_replace_field_schemaless_and_null(void)
{
	const char *kv[] = {"exclude", "c", "renames", "a:z", NULL};
	void *st = make(&sl_tx_replace_field, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_replace_field, st, "{\"a\":1,\"b\":2,\"c\":3}", NULL);
	EXPECT(o, "{\"z\":1,\"b\":2}", "null");
	out_free(&o);
	sl_record_t r;
	char err[64];
	sl_record_init(&r);
	CU_ASSERT_EQUAL(sl_tx_replace_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	sl_record_clear(&r);
	sl_tx_replace_field.destroy(st);
}

/* Kafka: a rename onto an existing field makes SchemaBuilder fail; bad
 * rename pairs are refused at configuration (parseRenameMappings). */
static void test_replace_field_errors(void)
{
	const char *kv[] = {"renames", "a:b", NULL};
	void *st = make(&sl_tx_replace_field, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_replace_field, st, "{\"a\":1,\"b\":\"s\",\"c\":null}", RF_SCHEMA);
	EXPECT(o, "ERROR: Cannot create field because of field name duplication b", NULL);
	out_free(&o);
	sl_tx_replace_field.destroy(st);

	char *e;
	const char *one[] = {"renames", "a", NULL};
	const char *three[] = {"renames", "a:b:c,x:", NULL};
	e = create_errors(&sl_tx_replace_field, one);
	SL_ASSERT_TEXT(e, "renames: Invalid rename mapping: a");
	free(e);
	SL_ASSERT_TEXT(
		e = create_errors(&sl_tx_replace_field, three),
		"renames: Invalid rename mapping: a:b:c | renames: Invalid rename mapping: x:");
	free(e);
}

/* ---- MaskField ---- */

#define MASK_SCHEMA                                                                                \
	"{\"type\":\"struct\",\"fields\":["                                                        \
	"{\"type\":\"int32\",\"optional\":false,\"field\":\"i\"},"                                 \
	"{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"                                 \
	"{\"type\":\"double\",\"optional\":false,\"field\":\"g\"},"                                \
	"{\"type\":\"boolean\",\"optional\":false,\"field\":\"b\"},"                               \
	"{\"type\":\"string\",\"optional\":true,\"field\":\"s\"},"                                 \
	"{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Date\","  \
	"\"version\":1,\"field\":\"d\"},"                                                          \
	"{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data."         \
	"Decimal\","                                                                               \
	"\"version\":1,\"parameters\":{\"scale\":\"0\"},\"field\":\"dec\"},"                       \
	"{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":false},\"optional\":"      \
	"false,"                                                                                   \
	"\"field\":\"arr\"},"                                                                      \
	"{\"type\":\"string\",\"optional\":false,\"field\":\"keep\"}],\"optional\":false}"

/* Kafka's PRIMITIVE_VALUE_MAPPING: 0, 0.0, false, "", new Date(0),
 * BigDecimal.ZERO, an empty list; the schema does not change; a null
 * field stays null. */
static void test_mask_field_empty_values(void)
{
	const char *kv[] = {"fields", "i,f,g,b,s,d,dec,arr", NULL};
	void *st = make(&sl_tx_mask_field, SL_TX_VALUE, kv);
	sl_record_t r;
	json_error_t je;
	char err[256];

	sl_record_init(&r);
	json_t *schema = json_loads(MASK_SCHEMA, 0, &je);
	sl_value_set_json(&r.value,
			  json_loads("{\"i\":5,\"f\":1.5,\"g\":2.5,\"b\":true,\"s\":null,\"d\":"
				     "19000,\"dec\":\"MDk=\",\"arr\":[1],\"keep\":\"k\"}",
				     0, &je),
			  json_incref(schema));
	CU_ASSERT_EQUAL_FATAL(sl_tx_mask_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_PTR_EQUAL(r.value.schema, schema);
	char *p = write_json(r.value.json, r.value.schema);
	SL_ASSERT_TEXT(p, "{\"i\":0,\"f\":0.0,\"g\":0.0,\"b\":false,\"s\":null,\"d\":0,\"dec\":"
			  "\"AA==\",\"arr\":[],\"keep\":\"k\"}");
	free(p);
	json_decref(schema);
	sl_record_clear(&r);
	sl_tx_mask_field.destroy(st);
}

/* Kafka's REPLACEMENT_MAPPING_FUNC: numbers and strings take the
 * replacement converted; other types are refused. */
static void test_mask_field_replacement(void)
{
	const char *kv[] = {"fields", "i,f,g,s", "replacement", "42", NULL};
	void *st = make(&sl_tx_mask_field, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_mask_field, st,
			 "{\"i\":5,\"f\":1.5,\"g\":2.5,\"b\":true,\"s\":\"secret\",\"d\":1,"
			 "\"dec\":\"MDk=\",\"arr\":[1],\"keep\":\"k\"}",
			 MASK_SCHEMA);
	EXPECT(o,
	       "{\"i\":42,\"f\":42.0,\"g\":42.0,\"b\":true,\"s\":\"42\",\"d\":1,\"dec\":"
	       "\"MDk=\",\"arr\":[1],\"keep\":\"k\"}",
	       NULL);
	out_free(&o);
	sl_tx_mask_field.destroy(st);

	/* A float field (JsonConverter's FLOAT32) takes the replacement as a
	 * Float, a double field as a Double. */
	const char *kf[] = {"fields", "f,g", "replacement", "0.1", NULL};
	st = make(&sl_tx_mask_field, SL_TX_VALUE, kf);
	o = run(&sl_tx_mask_field, st,
		"{\"i\":5,\"f\":1.5,\"g\":2.5,\"b\":true,\"s\":\"x\",\"d\":1,\"dec\":\"MDk=\","
		"\"arr\":[1],\"keep\":\"k\"}",
		MASK_SCHEMA);
	EXPECT(o,
	       "{\"i\":5,\"f\":0.1,\"g\":0.1,\"b\":true,\"s\":\"x\",\"d\":1,\"dec\":\"MDk=\","
	       "\"arr\":[1],\"keep\":\"k\"}",
	       NULL);
	out_free(&o);
	sl_tx_mask_field.destroy(st);

	const char *kb[] = {"fields", "b", "replacement", "42", NULL};
	st = make(&sl_tx_mask_field, SL_TX_VALUE, kb);
	o = run(&sl_tx_mask_field, st,
		"{\"i\":5,\"f\":1.5,\"g\":2.5,\"b\":true,\"s\":\"x\",\"d\":1,\"dec\":\"MDk=\","
		"\"arr\":[1],\"keep\":\"k\"}",
		MASK_SCHEMA);
	EXPECT(o,
	       "ERROR: Cannot mask value of type class java.lang.Boolean with custom replacement.",
	       NULL);
	out_free(&o);
	sl_tx_mask_field.destroy(st);

	const char *kn[] = {"fields", "n", "replacement", "abc", NULL};
	st = make(&sl_tx_mask_field, SL_TX_VALUE, kn);
	o = run(&sl_tx_mask_field, st, "{\"n\":3}", NULL);
	/* Values.convertToLong's words ("to a number") */
	EXPECT(o, "ERROR: Unable to convert abc (class java.lang.String) to a number", NULL);
	out_free(&o);
	sl_tx_mask_field.destroy(st);
}

/* Kafka: a schemaless map gets every listed field (a missing one as
 * null); a byte[] cannot be masked; a null value is refused (MaskField has
 * no tombstone check); configuration errors. */
static void test_mask_field_schemaless_and_errors(void)
{
	const char *kv[] = {"fields", "a,s,missing", NULL};
	void *st = make(&sl_tx_mask_field, SL_TX_VALUE, kv);
	tx_out_t o = run(&sl_tx_mask_field, st, "{\"a\":5,\"s\":\"x\",\"k\":[1]}", NULL);
	EXPECT(o, "{\"a\":0,\"s\":\"\",\"k\":[1],\"missing\":null}", "null");
	out_free(&o);
	sl_record_t r;
	char err[256];
	sl_record_init(&r);
	CU_ASSERT_EQUAL(sl_tx_mask_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_ERROR);
	SL_ASSERT_TEXT(
		err,
		"Only Map objects supported in absence of schema for [mask fields], found: null");
	sl_record_clear(&r);
	sl_tx_mask_field.destroy(st);

	const char *kb[] = {"fields", "b", NULL};
	st = make(&sl_tx_mask_field, SL_TX_VALUE, kb);
	o = run(&sl_tx_mask_field, st, "{\"b\":\"aGk=\"}",
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"bytes\",\"optional\":false,\"field\":"
		"\"b\"}],\"optional\":false}");
	EXPECT(o, "ERROR: Cannot mask value of type: class [B", NULL);
	out_free(&o);
	sl_tx_mask_field.destroy(st);

	/* Kafka: BigDecimal.ZERO (scale 0) fails Decimal.fromLogical at scale 2. */
	st = make(&sl_tx_mask_field, SL_TX_VALUE, kb);
	o = run(&sl_tx_mask_field, st, "{\"b\":\"MDk=\"}",
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"bytes\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":"
		"\"2\"},\"field\":\"b\"}],\"optional\":false}");
	EXPECT(o,
	       "ERROR: Decimal value has mismatching scale for given Decimal schema. Schema has "
	       "scale 2, value has scale 0.",
	       NULL);
	out_free(&o);
	sl_tx_mask_field.destroy(st);

	char *e;
	const char *empty[] = {"fields", "a", "replacement", "", NULL};
	e = create_errors(&sl_tx_mask_field, empty);
	SL_ASSERT_CONTAINS(e, "replacement: String must be non-empty");
	free(e);
	e = create_errors(&sl_tx_mask_field, NULL);
	SL_ASSERT_CONTAINS(e, "fields");
	free(e);
}

/* Kafka: a Decimal field takes new BigDecimal(replacement), which must
 * have the schema's scale (an exponent counts); one that is not a number
 * fails with MaskField's own words ("to number"). */
static void test_mask_field_decimal_replacement(void)
{
	const char *schema =
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"bytes\",\"optional\":"
		"false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
		"\"parameters\":{\"scale\":\"2\"},\"field\":\"a\"}],\"optional\":false}";
	static const struct {
		const char *replacement, *want;
	} cases[] = {
		{"1.50", "{\"a\":\"AJY=\"}"}, /* 150 */
		{"150E-2", "{\"a\":\"AJY=\"}"},
		{"+1.25", "{\"a\":\"fQ==\"}"}, /* 125 */
		{"-0.01", "{\"a\":\"/w==\"}"}, /* -1 */
		{"1e2", "ERROR: Decimal value has mismatching scale for given Decimal schema. "
			"Schema has scale 2, value has scale -2."},
		{"1.5", "ERROR: Decimal value has mismatching scale for given Decimal schema. "
			"Schema has scale 2, value has scale 1."},
		{"***", "ERROR: Unable to convert *** (class java.lang.String) to number"},
		{"1.2.3", "ERROR: Unable to convert 1.2.3 (class java.lang.String) to number"},
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		const char *kv[] = {"fields", "a", "replacement", cases[i].replacement, NULL};
		void *st = make(&sl_tx_mask_field, SL_TX_VALUE, kv);
		tx_out_t o = run(&sl_tx_mask_field, st, "{\"a\":\"MDk=\"}", schema);
		EXPECT(o, cases[i].want, NULL);
		out_free(&o);
		sl_tx_mask_field.destroy(st);
	}
}

void transform_b1_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"cast_struct_fields", test_cast_struct_fields},
		{"cast_keeps_null_without_default_replacement",
		 test_cast_keeps_null_without_default_replacement},
		{"cast_whole_value_logical_to_string", test_cast_whole_value_logical_to_string},
		{"cast_dates_and_times", test_cast_dates_and_times},
		{"cast_decimal", test_cast_decimal},
		{"cast_schemaless_strings", test_cast_schemaless_strings},
		{"cast_bytes_and_float32", test_cast_bytes_and_float32},
		{"cast_json_type_names", test_cast_json_type_names},
		{"cast_schemaless_float32_text", test_cast_schemaless_float32_text},
		{"cast_whole_value_default_after_parameters",
		 test_cast_whole_value_default_after_parameters},
		{"cast_null_and_non_struct", test_cast_null_and_non_struct},
		{"cast_spec_errors", test_cast_spec_errors},
		{"flatten_struct", test_flatten_struct},
		{"flatten_default_from_parent", test_flatten_default_from_parent},
		{"flatten_map_refused", test_flatten_map_refused},
		{"flatten_schemaless", test_flatten_schemaless},
		{"flatten_null_and_errors", test_flatten_null_and_errors},
		{"replace_field_struct", test_replace_field_struct},
		{"replace_field_include", test_replace_field_include},
		{"replace_field_rename_target_only", test_replace_field_rename_target_only},
		{"replace_field_schemaless_and_null", test_replace_field_schemaless_and_null},
		{"replace_field_errors", test_replace_field_errors},
		{"mask_field_empty_values", test_mask_field_empty_values},
		{"mask_field_replacement", test_mask_field_replacement},
		{"mask_field_schemaless_and_errors", test_mask_field_schemaless_and_errors},
		{"mask_field_decimal_replacement", test_mask_field_decimal_replacement},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("transform_b1", NULL, NULL, tests);
}
