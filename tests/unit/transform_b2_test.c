/* Unit tests for ExtractField, HoistField, InsertField and ValueToKey: each
 * case reads a key and value through the JsonConverter, applies the
 * transform and writes the result back, and the bytes are those Apache
 * Kafka 4.1's connect-transforms give for the same record (topic1,
 * partition 3, timestamp 1700000000000, offset 42 when a sink record).
 * Cases that the converter would normalise (a null field with a default)
 * build their values directly. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "runner.h"
#include "sluice/data.h"
#include "transforms/defs.h"

#define TS 1700000000000LL

/* ---- helpers ------------------------------------------------------------ */

/* A config of the NULL-terminated key, value pairs. */
static sl_config_t *cfg_of(va_list ap)
{
	sl_config_t *cfg = sl_config_new();
	const char *k;

	while ((k = va_arg(ap, const char *)))
		sl_config_set(cfg, k, va_arg(ap, const char *), "t.properties", 1);
	return cfg;
}

/* Creates def from key, value pairs; fails the test when refused. */
static void *make(const sl_transform_def_t *def, sl_tx_part_t part, ...)
{
	sl_errlist_t errs = {0};
	va_list ap;

	va_start(ap, part);
	sl_config_t *cfg = cfg_of(ap);
	va_end(ap);
	void *st = def->create(cfg, part, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    create: %s\n", errs.items[i]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(errs.count, 0);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return st;
}

/* The problems create reports for key, value pairs, joined with " | "
 * (free it); NULL when it accepted them. */
static char *make_error(const sl_transform_def_t *def, sl_tx_part_t part, ...)
{
	sl_errlist_t errs = {0};
	sl_buf_t out = {0};
	va_list ap;

	va_start(ap, part);
	sl_config_t *cfg = cfg_of(ap);
	va_end(ap);
	void *st = def->create(cfg, part, &errs);
	sl_config_free(cfg);
	if (st) {
		def->destroy(st);
		CU_ASSERT_EQUAL(errs.count, 0);
		sl_errlist_free(&errs);
		return NULL;
	}
	CU_ASSERT(errs.count > 0);
	for (size_t i = 0; i < errs.count; i++)
		sl_buf_appendf(&out, "%s%s", i ? " | " : "", errs.items[i]);
	sl_errlist_free(&errs);
	return sl_buf_steal(&out);
}

static sl_converter_t *json_conv(bool is_key, bool schemas)
{
	char err[256] = "";
	sl_config_t *props = sl_config_new();

	sl_config_set(props, "schemas.enable", schemas ? "true" : "false", NULL, 0);
	sl_converter_t *c = sl_converter_new("json", is_key, props, err, sizeof(err));
	sl_config_free(props);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* A record as the test harness of the expectations builds it. */
static void init_record(sl_record_t *r, bool sink)
{
	sl_record_init(r);
	r->topic = "topic1";
	r->partition = 3;
	r->offset = sink ? 42 : -1;
	r->timestamp = TS;
}

static void append_part(sl_buf_t *out, const char *what, sl_converter_t *c, const sl_value_t *v)
{
	char err[256] = "";
	bool is_null = false;

	sl_buf_appendf(out, "%s ", what);
	size_t at = out->len;
	CU_ASSERT_EQUAL(sl_converter_from_value(c, "t", v, out, &is_null, err, sizeof(err)), 0);
	if (is_null || out->len == at)
		sl_buf_append_str(out, "null");
}

/* Applies st (of def) to r and describes the outcome as Kafka's harness
 * prints it: "KEY <bytes>\nVALUE <bytes>", or "APPLY <error>". Free it. */
static char *outcome(const sl_transform_def_t *def, void *st, sl_record_t *r, bool schemas)
{
	char err[512] = "";
	sl_buf_t out = {0};

	sl_tx_result_t res = def->apply(st, r, NULL, err, sizeof(err));
	if (res == SL_TX_ERROR) {
		sl_buf_appendf(&out, "APPLY %s", err);
		return sl_buf_steal(&out);
	}
	CU_ASSERT_EQUAL(res, SL_TX_KEEP);
	sl_converter_t *kc = json_conv(true, schemas), *vc = json_conv(false, schemas);
	append_part(&out, "KEY", kc, &r->key);
	append_part(&out, "\nVALUE", vc, &r->value);
	sl_converter_free(kc);
	sl_converter_free(vc);
	return sl_buf_steal(&out);
}

/* Reads key and value text ("-" for a Kafka null) through the JsonConverter
 * into a record, applies st and returns outcome(). */
static char *run(const sl_transform_def_t *def, void *st, bool sink, bool schemas, const char *key,
		 const char *value)
{
	char err[256] = "";
	sl_record_t r;
	sl_converter_t *kc = json_conv(true, schemas), *vc = json_conv(false, schemas);

	init_record(&r, sink);
	if (strcmp(key, "-"))
		CU_ASSERT_EQUAL(
			sl_converter_to_value(kc, "t", key, strlen(key), &r.key, err, sizeof(err)),
			0);
	if (strcmp(value, "-"))
		CU_ASSERT_EQUAL(sl_converter_to_value(vc, "t", value, strlen(value), &r.value, err,
						      sizeof(err)),
				0);
	if (*err)
		fprintf(stderr, "\n    read: %s\n", err);
	char *text = outcome(def, st, &r, schemas);
	sl_record_clear(&r);
	sl_converter_free(kc);
	sl_converter_free(vc);
	return text;
}

/* Sets v to payload text with schema text (either may be NULL) as they
 * are, without the converter's normalisation. */
static void set_raw(sl_value_t *v, const char *payload, const char *schema)
{
	sl_value_set_json(v, payload ? json_loads(payload, JSON_DECODE_ANY, NULL) : NULL,
			  schema ? json_loads(schema, 0, NULL) : NULL);
}

/* Compact JSON text of j in insertion order (free it). */
static char *text_of(const json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("NULL");
}

#define ASSERT_RUN(def, st, sink, schemas, key, value, want)                                       \
	do {                                                                                       \
		char *got_ = run(def, st, sink, schemas, key, value);                              \
		SL_ASSERT_TEXT(got_, want);                                                        \
		free(got_);                                                                        \
	} while (0)

#define ASSERT_ERROR(got, want)                                                                    \
	do {                                                                                       \
		char *err_text_ = (got);                                                           \
		SL_ASSERT_TEXT(err_text_ ? err_text_ : "(accepted)", want);                        \
		free(err_text_);                                                                   \
	} while (0)

/* A struct value with a nested optional struct, read as Kafka reads it. */
#define NESTED                                                                                     \
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"    \
	"\"field\":\"a\"},{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true," \
	"\"default\":7,\"field\":\"y\"}],\"optional\":true,\"name\":\"inner\",\"field\":\"b\"}],"  \
	"\"optional\":false,\"name\":\"outer\",\"version\":2,\"doc\":\"d\"},\"payload\":{\"a\":"   \
	"\"x\",\"b\":{\"y\":3}}}"

#define NESTED_SCHEMA                                                                              \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"      \
	"\"a\"},"                                                                                  \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,\"default\":7,"    \
	"\"field\":\"y\"}],\"optional\":true,\"name\":\"inner\",\"field\":\"b\"}],\"optional\":"   \
	"false,\"name\":\"outer\",\"version\":2,\"doc\":\"d\"}"

/* ---- ExtractField ------------------------------------------------------- */

static void test_extract_struct_field_takes_the_field_schema(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "b", NULL);

	ASSERT_RUN(&sl_tx_extract_field, st, false, true, "-", NESTED,
		   "KEY null\nVALUE {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
		   "\"int32\",\"optional\":true,\"default\":7,\"field\":\"y\"}],\"optional\":true,"
		   "\"name\":\"inner\"},\"payload\":{\"y\":3}}");
	ASSERT_RUN(&sl_tx_extract_field, st, false, true, "-", NESTED,
		   "KEY null\nVALUE {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
		   "\"int32\",\"optional\":true,\"default\":7,\"field\":\"y\"}],\"optional\":true,"
		   "\"name\":\"inner\"},\"payload\":{\"y\":3}}");
	sl_tx_extract_field.destroy(st);
}

static void test_extract_key_variant_works_on_the_key(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_KEY, "field", "id", NULL);

	ASSERT_RUN(
		&sl_tx_extract_field, st, false, true,
		"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":"
		"false,\"field\":\"id\"}],\"optional\":false,\"name\":\"k\"},\"payload\":{\"id\":"
		"9}}",
		"-",
		"KEY {\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":9}\nVALUE "
		"null");
	sl_tx_extract_field.destroy(st);
}

static void test_extract_v2_path_into_nested_struct(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "b.y", "field.syntax.version",
			"v2", NULL);

	ASSERT_RUN(
		&sl_tx_extract_field, st, false, true, "-", NESTED,
		"KEY null\nVALUE {\"schema\":{\"type\":\"int32\",\"optional\":true,\"default\":7},"
		"\"payload\":3}");
	sl_tx_extract_field.destroy(st);
}

/* With V1 a dotted name is one field name, which the struct lacks. */
static void test_extract_v1_takes_dots_literally(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "b.y", NULL);

	ASSERT_RUN(&sl_tx_extract_field, st, false, true, "-", NESTED, "APPLY Unknown field: b.y");
	ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", "{\"b.y\":1,\"b\":{\"y\":2}}",
		   "KEY null\nVALUE 1");
	sl_tx_extract_field.destroy(st);
}

/* A null field with a default: the default, or null when asked. */
static void test_extract_replace_null_with_default(void)
{
	const char *want[] = {"7", "NULL"};
	const char *flag[] = {"true", "false"};

	for (int i = 0; i < 2; i++) {
		void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "b.y",
				"field.syntax.version", "V2", "replace.null.with.default", flag[i],
				NULL);
		sl_record_t r;
		char err[256] = "";
		init_record(&r, false);
		set_raw(&r.value, "{\"a\":\"x\",\"b\":{\"y\":null}}", NESTED_SCHEMA);
		CU_ASSERT_EQUAL(sl_tx_extract_field.apply(st, &r, NULL, err, sizeof(err)),
				SL_TX_KEEP);
		CU_ASSERT_EQUAL(r.value.kind, SL_VALUE_JSON);
		char *got = text_of(r.value.json);
		SL_ASSERT_TEXT(got, want[i]);
		free(got);
		sl_record_clear(&r);
		sl_tx_extract_field.destroy(st);
	}
}

static void test_extract_schemaless_map_entry(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "a", NULL);

	ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", "{\"a\":{\"b\":1},\"c\":2}",
		   "KEY null\nVALUE {\"b\":1}");
	/* a missing entry makes a null value */
	ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", "{\"c\":2}",
		   "KEY null\nVALUE null");
	sl_tx_extract_field.destroy(st);
}

/* The V2 syntax: backticks around a step with dots, an escaped backtick,
 * a backtick inside a name, a trailing dot (an empty last step). */
static void test_extract_v2_path_syntax(void)
{
	static const char *const value =
		"{\"foo.bar\":{\"baz\":1},\"a`b\":{\"c\":2},\"x\":{\"\":3},\"q`.r\":{\"s\":5},"
		"\"q\\\\`\":{\"r\":4}}";
	static const char *const cases[][2] = {
		{"`foo.bar`.baz", "1"},  {"a`b.c", "2"},    {"x.", "3"},
		{"`q\\`.r`.s", "5"},     {"`q\\``.r", "4"}, {"`a`b`.c", "2"},
		{"foo.bar.baz", "null"},
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", cases[i][0],
				"field.syntax.version", "V2", NULL);
		char want[64];
		snprintf(want, sizeof(want), "KEY null\nVALUE %s", cases[i][1]);
		ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", value, want);
		sl_tx_extract_field.destroy(st);
	}
}

static void test_extract_null_passes_through(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "a", NULL);
	sl_record_t r;
	char err[256] = "";

	ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", "-", "KEY null\nVALUE null");
	/* a null struct becomes a null of the field's schema */
	init_record(&r, false);
	set_raw(&r.value, NULL, NESTED_SCHEMA);
	CU_ASSERT_EQUAL(sl_tx_extract_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_PTR_NULL(r.value.json);
	char *schema = text_of(r.value.schema);
	SL_ASSERT_TEXT(schema, "{\"type\":\"string\",\"optional\":false}");
	free(schema);
	sl_record_clear(&r);
	sl_tx_extract_field.destroy(st);
}

static void test_extract_refuses_what_kafka_refuses(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "a.y", "field.syntax.version",
			"V2", NULL);

	ASSERT_RUN(&sl_tx_extract_field, st, false, true, "-", NESTED,
		   "APPLY Cannot look up fields on non-struct type");
	ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", "{\"a\":5}",
		   "APPLY Only Map objects supported in absence of schema for [nested field "
		   "access], found: java.lang.Long");
	ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", "5",
		   "APPLY Only Map objects supported in absence of schema for [field extraction], "
		   "found: java.lang.Long");
	ASSERT_RUN(&sl_tx_extract_field, st, false, false, "-", "\"s\"",
		   "APPLY Only Map objects supported in absence of schema for [field extraction], "
		   "found: java.lang.String");
	ASSERT_RUN(&sl_tx_extract_field, st, false, true, "-",
		   "{\"schema\":{\"type\":\"int32\",\"optional\":true},\"payload\":3}",
		   "APPLY Only Struct objects supported for [field extraction], found: "
		   "java.lang.Integer");
	sl_tx_extract_field.destroy(st);
}

/* A string value is schemaful in Kafka Connect: not a map, not a struct. */
static void test_string_values_are_refused_as_not_structs(void)
{
	static const struct {
		const sl_transform_def_t *def;
		const char *key, *value, *purpose;
	} cases[] = {
		{&sl_tx_extract_field, "field", "a", "field extraction"},
		{&sl_tx_insert_field, "topic.field", "t", "field insertion"},
		{&sl_tx_value_to_key, "fields", "a", "copying fields from value to key"},
	};

	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		void *st = make(cases[i].def, SL_TX_VALUE, cases[i].key, cases[i].value, NULL);
		sl_record_t r;
		char want[256];
		init_record(&r, true);
		sl_value_set_string(&r.value, "text", 4);
		char *got = outcome(cases[i].def, st, &r, false);
		snprintf(want, sizeof(want),
			 "APPLY Only Struct objects supported for [%s], found: java.lang.String",
			 cases[i].purpose);
		SL_ASSERT_TEXT(got, want);
		free(got);
		sl_record_clear(&r);
		cases[i].def->destroy(st);
	}
}

static void test_extract_config_errors(void)
{
	char *e = make_error(&sl_tx_extract_field, SL_TX_VALUE, NULL);
	SL_ASSERT_CONTAINS(e, "'field' is required");
	free(e);
	ASSERT_ERROR(make_error(&sl_tx_extract_field, SL_TX_VALUE, "field", "`a",
				"field.syntax.version", "V2", NULL),
		     "field: Incomplete backtick pair in path: [`a], consider adding a backslash "
		     "before backtick at position 0 to escape it");
	ASSERT_ERROR(make_error(&sl_tx_extract_field, SL_TX_VALUE, "field", "`a\\`",
				"field.syntax.version", "V2", NULL),
		     "field: Incomplete backtick pair in path: [`a\\`], consider adding a "
		     "backslash before backtick at position 0 to escape it");
	e = make_error(&sl_tx_extract_field, SL_TX_VALUE, "field", "a", "field.syntax.version",
		       "V3", NULL);
	SL_ASSERT_CONTAINS(e, "field.syntax.version");
	free(e);
	/* V1 takes backticks as they are */
	ASSERT_ERROR(make_error(&sl_tx_extract_field, SL_TX_VALUE, "field", "`a", NULL),
		     "(accepted)");
}

/* The output schema is built once per input schema object. */
static void test_extract_caches_the_output_schema(void)
{
	void *st = make(&sl_tx_extract_field, SL_TX_VALUE, "field", "a", NULL);
	json_t *schema = json_loads(NESTED_SCHEMA, 0, NULL), *first = NULL;
	char err[256] = "";

	for (int i = 0; i < 2; i++) {
		sl_record_t r;
		init_record(&r, false);
		sl_value_set_json(&r.value, json_pack("{s:s,s:n}", "a", "x", "b"),
				  json_incref(schema));
		CU_ASSERT_EQUAL(sl_tx_extract_field.apply(st, &r, NULL, err, sizeof(err)),
				SL_TX_KEEP);
		if (!first)
			first = r.value.schema;
		CU_ASSERT_PTR_EQUAL(r.value.schema, first);
		sl_record_clear(&r);
	}
	json_decref(schema);
	sl_tx_extract_field.destroy(st);
}

/* ---- HoistField --------------------------------------------------------- */

static void test_hoist_schemaful_wraps_in_a_struct(void)
{
	void *st = make(&sl_tx_hoist_field, SL_TX_VALUE, "field", "h", NULL);

	ASSERT_RUN(
		&sl_tx_hoist_field, st, false, true, "-",
		"{\"schema\":{\"type\":\"string\",\"optional\":true,\"name\":\"n\",\"version\":3,"
		"\"doc\":\"dd\",\"parameters\":{\"a\":\"b\"}},\"payload\":\"x\"}",
		"KEY null\nVALUE {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
		"\"optional\":true,\"name\":\"n\",\"version\":3,\"doc\":\"dd\",\"parameters\":{"
		"\"a\":\"b\"},\"field\":\"h\"}],\"optional\":false},\"payload\":{\"h\":\"x\"}}");
	sl_tx_hoist_field.destroy(st);
}

static void test_hoist_key_null_of_optional_schema(void)
{
	void *st = make(&sl_tx_hoist_field, SL_TX_KEY, "field", "h", NULL);

	ASSERT_RUN(
		&sl_tx_hoist_field, st, false, true,
		"{\"schema\":{\"type\":\"int64\",\"optional\":true},\"payload\":null}", "-",
		"KEY {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":"
		"true,\"field\":\"h\"}],\"optional\":false},\"payload\":{\"h\":null}}\nVALUE null");
	sl_tx_hoist_field.destroy(st);
}

static void test_hoist_schemaless_wraps_in_a_map(void)
{
	void *st = make(&sl_tx_hoist_field, SL_TX_VALUE, "field", "h", NULL);

	ASSERT_RUN(&sl_tx_hoist_field, st, false, false, "-", "{\"a\":[1,2]}",
		   "KEY null\nVALUE {\"h\":{\"a\":[1,2]}}");
	/* a schemaless tombstone becomes a map holding null */
	ASSERT_RUN(&sl_tx_hoist_field, st, false, false, "-", "-", "KEY null\nVALUE {\"h\":null}");
	sl_tx_hoist_field.destroy(st);
}

/* A string value has a schema in Kafka Connect (StringConverter's optional
 * string) even where sluice keeps none: it becomes a struct. */
static void test_hoist_string_value_becomes_a_struct(void)
{
	void *st = make(&sl_tx_hoist_field, SL_TX_VALUE, "field", "h", NULL);
	sl_record_t r;

	init_record(&r, false);
	sl_value_set_string(&r.value, "text", 4);
	char *got = outcome(&sl_tx_hoist_field, st, &r, true);
	SL_ASSERT_TEXT(got,
		       "KEY null\nVALUE {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
		       "\"string\",\"optional\":true,\"field\":\"h\"}],\"optional\":false},"
		       "\"payload\":{\"h\":\"text\"}}");
	free(got);
	sl_record_clear(&r);
	sl_tx_hoist_field.destroy(st);
}

static void test_hoist_refuses_null_for_required_schema(void)
{
	void *st = make(&sl_tx_hoist_field, SL_TX_VALUE, "field", "h", NULL);
	sl_record_t r;

	init_record(&r, false);
	set_raw(&r.value, NULL, "{\"type\":\"string\",\"optional\":false}");
	char *got = outcome(&sl_tx_hoist_field, st, &r, true);
	SL_ASSERT_TEXT(got, "APPLY Invalid value: null used for required field: \"h\", schema "
			    "type: STRING");
	free(got);
	sl_record_clear(&r);
	sl_tx_hoist_field.destroy(st);
	char *e = make_error(&sl_tx_hoist_field, SL_TX_VALUE, NULL);
	SL_ASSERT_CONTAINS(e, "'field' is required");
	free(e);
}

/* ---- InsertField -------------------------------------------------------- */

#define REC                                                                                        \
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"     \
	"\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"default\":\"dflt\",\"field\":" \
	"\"s\"}],\"optional\":true,\"name\":\"rec\",\"version\":2,\"doc\":\"a doc\","              \
	"\"parameters\":{\"p\":\"q\"}},\"payload\":{\"id\":1,\"s\":null}}"

#define REC_SCHEMA                                                                                 \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"       \
	"\"id\"},"                                                                                 \
	"{\"type\":\"string\",\"optional\":true,\"default\":\"dflt\",\"field\":\"s\"}],"           \
	"\"optional\":true,\"name\":\"rec\",\"version\":2,\"doc\":\"a doc\",\"parameters\":{"      \
	"\"p\":\"q\"}}"

static void test_insert_every_field_into_a_sink_struct(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_VALUE, "topic.field", "t", "partition.field",
			"p!", "offset.field", "o", "timestamp.field", "ts?", "static.field", "sf",
			"static.value", "sv", NULL);

	ASSERT_RUN(
		&sl_tx_insert_field, st, true, true, "-", REC,
		"KEY null\nVALUE {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
		"\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,"
		"\"default\":\"dflt\",\"field\":\"s\"},{\"type\":\"string\",\"optional\":true,"
		"\"field\":\"t\"},{\"type\":\"int32\",\"optional\":false,\"field\":\"p\"},{"
		"\"type\":"
		"\"int64\",\"optional\":true,\"field\":\"o\"},{\"type\":\"int64\",\"optional\":"
		"true,"
		"\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":"
		"\"ts\"},{\"type\":\"string\",\"optional\":true,\"field\":\"sf\"}],\"optional\":"
		"false,\"name\":\"rec\",\"version\":2,\"doc\":\"a doc\",\"parameters\":{\"p\":"
		"\"q\"}},\"payload\":{\"id\":1,\"s\":\"dflt\",\"t\":\"topic1\",\"p\":3,\"o\":42,"
		"\"ts\":1700000000000,\"sf\":\"sv\"}}");
	sl_tx_insert_field.destroy(st);
}

static void test_insert_required_fields_into_a_source_struct(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_VALUE, "topic.field", "t!", "timestamp.field",
			"ts!", "replace.null.with.default", "false", NULL);
	sl_record_t r;
	char err[256] = "";

	init_record(&r, false);
	set_raw(&r.value, "{\"id\":1,\"s\":null}", REC_SCHEMA);
	CU_ASSERT_EQUAL_FATAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	char *schema = text_of(r.value.schema), *payload = text_of(r.value.json);
	SL_ASSERT_TEXT(
		schema,
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"
		"\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"default\":"
		"\"dflt\",\"field\":\"s\"},{\"type\":\"string\",\"optional\":false,\"field\":"
		"\"t\"},{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka."
		"connect.data.Timestamp\",\"version\":1,\"field\":\"ts\"}],\"optional\":false,"
		"\"name\":\"rec\",\"version\":2,\"doc\":\"a doc\",\"parameters\":{\"p\":\"q\"}}");
	/* replace.null.with.default=false keeps the null */
	SL_ASSERT_TEXT(payload, "{\"id\":1,\"s\":null,\"t\":\"topic1\",\"ts\":1700000000000}");
	free(schema);
	free(payload);
	sl_record_clear(&r);
	sl_tx_insert_field.destroy(st);
}

/* Schemaless: entries added to a copy of the map, after its own in Kafka's
 * order of insertion (Kafka Connect writes a HashMap's hash order instead:
 * a known difference, see tests/e2e/transforms_compat_known.txt). */
static void test_insert_schemaless_entries(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_VALUE, "topic.field", "t", "partition.field",
			"p", "offset.field", "o", "timestamp.field", "ts", "static.field", "s",
			"static.value", "v", NULL);
	sl_record_t r;
	char err[256] = "";

	ASSERT_RUN(&sl_tx_insert_field, st, true, false, "-", "{\"zeta\":1,\"alpha\":2}",
		   "KEY null\nVALUE {\"zeta\":1,\"alpha\":2,\"t\":\"topic1\",\"p\":3,\"o\":42,"
		   "\"ts\":1700000000000,\"s\":\"v\"}");
	/* the same entries as Kafka's */
	init_record(&r, true);
	set_raw(&r.value, "{\"a\":1}", NULL);
	json_t *input = json_incref(r.value.json);
	CU_ASSERT_EQUAL_FATAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	json_t *want = json_loads("{\"p\":3,\"a\":1,\"s\":\"v\",\"t\":\"topic1\",\"o\":42,\"ts\":"
				  "1700000000000}",
				  0, NULL);
	CU_ASSERT(json_equal(r.value.json, want));
	CU_ASSERT_PTR_NULL(r.value.schema);
	/* the input tree (maybe shared) is left as it was */
	CU_ASSERT_EQUAL(json_object_size(input), 1);
	json_decref(want);
	json_decref(input);
	sl_record_clear(&r);
	sl_tx_insert_field.destroy(st);
}

/* A map or struct that only its record holds is changed in place, not
 * copied: a chain of transforms makes one object. */
static void test_insert_changes_an_unshared_map_in_place(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_VALUE, "static.field", "s", "static.value", "v",
			NULL);
	sl_record_t r;
	char err[256] = "";

	init_record(&r, false);
	set_raw(&r.value, "{\"a\":1}", NULL);
	const json_t *before = r.value.json;
	CU_ASSERT_EQUAL_FATAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_PTR_EQUAL(r.value.json, before);
	CU_ASSERT_EQUAL(r.value.json->refcount, 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.value.json, "s")), "v");
	sl_record_clear(&r);

	/* a struct whose keys are its schema's fields in order: in place too */
	static const char schema[] = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
				     "\"optional\":false,\"field\":\"a\"},{\"type\":\"int32\","
				     "\"optional\":false,\"field\":\"b\"}],\"optional\":false}";
	init_record(&r, false);
	set_raw(&r.value, "{\"a\":1,\"b\":2}", schema);
	before = r.value.json;
	CU_ASSERT_EQUAL_FATAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_PTR_EQUAL(r.value.json, before);
	char *text = text_of(r.value.json);
	CU_ASSERT_STRING_EQUAL(text, "{\"a\":1,\"b\":2,\"s\":\"v\"}");
	free(text);
	sl_record_clear(&r);

	/* out of the schema's order: copied into its order, as Kafka writes it */
	init_record(&r, false);
	set_raw(&r.value, "{\"b\":2,\"a\":1}", schema);
	before = r.value.json;
	CU_ASSERT_EQUAL_FATAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_PTR_NOT_EQUAL(r.value.json, before);
	text = text_of(r.value.json);
	CU_ASSERT_STRING_EQUAL(text, "{\"a\":1,\"b\":2,\"s\":\"v\"}");
	free(text);
	sl_record_clear(&r);
	sl_tx_insert_field.destroy(st);
}

/* No partition (-1) and no timestamp (0, sluice's none, or -1, a sink
 * record's from a message without one) insert nothing. */
static void test_insert_skips_absent_partition_and_timestamp(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_VALUE, "partition.field", "p", "timestamp.field",
			"ts", NULL);
	const int64_t none[] = {0, -1};

	for (size_t i = 0; i < SL_ARRAY_LEN(none); i++) {
		sl_record_t r;
		char err[256] = "";

		init_record(&r, false);
		r.partition = -1;
		r.timestamp = none[i];
		set_raw(&r.value, "{\"a\":1}", NULL);
		CU_ASSERT_EQUAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)),
				SL_TX_KEEP);
		char *got = text_of(r.value.json);
		SL_ASSERT_TEXT(got, "{\"a\":1}");
		free(got);
		sl_record_clear(&r);
	}
	sl_tx_insert_field.destroy(st);
}

static void test_insert_tombstone_passes_through(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_VALUE, "topic.field", "t", NULL);
	sl_record_t r;
	char err[256] = "";

	ASSERT_RUN(&sl_tx_insert_field, st, false, false, "-", "-", "KEY null\nVALUE null");
	init_record(&r, false);
	set_raw(&r.value, NULL, REC_SCHEMA);
	json_t *schema = r.value.schema;
	CU_ASSERT_EQUAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)), SL_TX_KEEP);
	CU_ASSERT_PTR_NULL(r.value.json);
	CU_ASSERT_PTR_EQUAL(r.value.schema, schema);
	sl_record_clear(&r);
	sl_tx_insert_field.destroy(st);
}

static void test_insert_refuses_what_kafka_refuses(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_VALUE, "offset.field", "o", NULL);
	void *dup = make(&sl_tx_insert_field, SL_TX_VALUE, "topic.field", "id", NULL);

	ASSERT_RUN(&sl_tx_insert_field, st, false, true, "-", REC,
		   "APPLY Only SinkRecord supported for [field insertion], found: "
		   "org.apache.kafka.connect.source.SourceRecord");
	ASSERT_RUN(&sl_tx_insert_field, st, false, false, "-", "{\"a\":1}",
		   "APPLY Only SinkRecord supported for [field insertion], found: "
		   "org.apache.kafka.connect.source.SourceRecord");
	ASSERT_RUN(&sl_tx_insert_field, st, true, false, "-", "[1]",
		   "APPLY Only Map objects supported in absence of schema for [field insertion], "
		   "found: java.util.ArrayList");
	ASSERT_RUN(&sl_tx_insert_field, st, true, true, "-",
		   "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":1}",
		   "APPLY Only Struct objects supported for [field insertion], found: "
		   "java.lang.Integer");
	ASSERT_RUN(&sl_tx_insert_field, dup, true, true, "-", REC,
		   "APPLY Cannot create field because of field name duplication id");
	sl_tx_insert_field.destroy(st);
	sl_tx_insert_field.destroy(dup);
}

static void test_insert_config_errors(void)
{
	ASSERT_ERROR(make_error(&sl_tx_insert_field, SL_TX_VALUE, NULL),
		     "No field insertion configured: set at least one of topic.field, "
		     "partition.field, offset.field, timestamp.field and static.field");
	ASSERT_ERROR(make_error(&sl_tx_insert_field, SL_TX_VALUE, "static.field", "x", NULL),
		     "static.value: No value specified for static field: x");
	ASSERT_ERROR(make_error(&sl_tx_insert_field, SL_TX_KEY, "static.field", "x?",
				"static.value", "", NULL),
		     "(accepted)");
}

static void test_insert_caches_the_widened_schema(void)
{
	void *st = make(&sl_tx_insert_field, SL_TX_KEY, "topic.field", "t", NULL);
	json_t *schema = json_loads(REC_SCHEMA, 0, NULL), *first = NULL;
	char err[256] = "";

	for (int i = 0; i < 2; i++) {
		sl_record_t r;
		init_record(&r, false);
		sl_value_set_json(&r.key, json_pack("{s:i,s:n}", "id", i, "s"),
				  json_incref(schema));
		CU_ASSERT_EQUAL(sl_tx_insert_field.apply(st, &r, NULL, err, sizeof(err)),
				SL_TX_KEEP);
		if (!first)
			first = r.key.schema;
		CU_ASSERT_PTR_EQUAL(r.key.schema, first);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.key.json, "t")),
				       "topic1");
		sl_record_clear(&r);
	}
	json_decref(schema);
	sl_tx_insert_field.destroy(st);
}

/* ---- ValueToKey --------------------------------------------------------- */

#define VREC                                                                                       \
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,"     \
	"\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"default\":\"dflt\",\"field\":" \
	"\"s\"},{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data."   \
	"Timestamp\",\"version\":1,\"field\":\"ts\"}],\"optional\":false,\"name\":\"rec\"},"       \
	"\"payload\":{\"id\":1,\"s\":null,\"ts\":5}}"

static void test_value_to_key_schemaful(void)
{
	void *st = make(&sl_tx_value_to_key, SL_TX_VALUE, "fields", "ts,id,s", NULL);

	ASSERT_RUN(
		&sl_tx_value_to_key, st, false, true,
		"{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"k\"}", VREC,
		"KEY {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":"
		"true,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":"
		"\"ts\"},{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":"
		"\"string\",\"optional\":true,\"default\":\"dflt\",\"field\":\"s\"}],\"optional\":"
		"false},\"payload\":{\"ts\":5,\"id\":1,\"s\":\"dflt\"}}\nVALUE {\"schema\":{"
		"\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":"
		"\"id\"},{\"type\":\"string\",\"optional\":true,\"default\":\"dflt\",\"field\":"
		"\"s\"},{\"type\":\"int64\",\"optional\":true,\"name\":\"org.apache.kafka.connect."
		"data.Timestamp\",\"version\":1,\"field\":\"ts\"}],\"optional\":false,\"name\":"
		"\"rec\"},\"payload\":{\"id\":1,\"s\":\"dflt\",\"ts\":5}}");
	sl_tx_value_to_key.destroy(st);
}

static void test_value_to_key_replace_null_with_default(void)
{
	const char *want[] = {"{\"s\":\"dflt\"}", "{\"s\":null}"};
	const char *flag[] = {"true", "false"};

	for (int i = 0; i < 2; i++) {
		void *st = make(&sl_tx_value_to_key, SL_TX_VALUE, "fields", "s",
				"replace.null.with.default", flag[i], NULL);
		sl_record_t r;
		char err[256] = "";
		init_record(&r, false);
		set_raw(&r.value, "{\"id\":1,\"s\":null}", REC_SCHEMA);
		CU_ASSERT_EQUAL(sl_tx_value_to_key.apply(st, &r, NULL, err, sizeof(err)),
				SL_TX_KEEP);
		char *got = text_of(r.key.json);
		SL_ASSERT_TEXT(got, want[i]);
		free(got);
		sl_record_clear(&r);
		sl_tx_value_to_key.destroy(st);
	}
}

static void test_value_to_key_schemaless(void)
{
	void *st = make(&sl_tx_value_to_key, SL_TX_VALUE, "fields", "b,a,zz", NULL);

	/* in the configured order (Kafka's HashMap: {"zz":null,"a":1,"b":2}) */
	ASSERT_RUN(&sl_tx_value_to_key, st, false, false, "\"old\"", "{\"a\":1,\"b\":2}",
		   "KEY {\"b\":2,\"a\":1,\"zz\":null}\nVALUE {\"a\":1,\"b\":2}");
	sl_tx_value_to_key.destroy(st);
}

static void test_value_to_key_refuses_what_kafka_refuses(void)
{
	void *st = make(&sl_tx_value_to_key, SL_TX_VALUE, "fields", "id,nope", NULL);
	void *dup = make(&sl_tx_value_to_key, SL_TX_VALUE, "fields", "id,id", NULL);

	ASSERT_RUN(&sl_tx_value_to_key, st, false, true, "-", VREC,
		   "APPLY Field does not exist: nope");
	ASSERT_RUN(&sl_tx_value_to_key, dup, false, true, "-", VREC,
		   "APPLY Cannot create field because of field name duplication id");
	ASSERT_RUN(&sl_tx_value_to_key, st, false, false, "-", "-",
		   "APPLY Only Map objects supported in absence of schema for [copying fields "
		   "from value to key], found: null");
	ASSERT_RUN(&sl_tx_value_to_key, st, false, true, "-",
		   "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}",
		   "APPLY Only Struct objects supported for [copying fields from value to key], "
		   "found: null");
	ASSERT_RUN(&sl_tx_value_to_key, st, false, true, "-",
		   "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":\"x\"}",
		   "APPLY Only Struct objects supported for [copying fields from value to key], "
		   "found: java.lang.String");
	sl_tx_value_to_key.destroy(st);
	sl_tx_value_to_key.destroy(dup);
	ASSERT_ERROR(make_error(&sl_tx_value_to_key, SL_TX_VALUE, "fields", " , ", NULL),
		     "fields: Empty list");
	char *e = make_error(&sl_tx_value_to_key, SL_TX_VALUE, NULL);
	SL_ASSERT_CONTAINS(e, "'fields' is required");
	free(e);
}

static void test_value_to_key_caches_the_key_schema(void)
{
	void *st = make(&sl_tx_value_to_key, SL_TX_VALUE, "fields", "id", NULL);
	json_t *schema = json_loads(REC_SCHEMA, 0, NULL), *first = NULL;
	char err[256] = "";

	for (int i = 0; i < 2; i++) {
		sl_record_t r;
		init_record(&r, false);
		sl_value_set_json(&r.value, json_pack("{s:i,s:n}", "id", i, "s"),
				  json_incref(schema));
		CU_ASSERT_EQUAL(sl_tx_value_to_key.apply(st, &r, NULL, err, sizeof(err)),
				SL_TX_KEEP);
		if (!first)
			first = r.key.schema;
		CU_ASSERT_PTR_EQUAL(r.key.schema, first);
		sl_record_clear(&r);
	}
	json_decref(schema);
	sl_tx_value_to_key.destroy(st);
}

/* ---- registration ------------------------------------------------------- */

static CU_TestInfo extract_tests[] = {
	{"struct field takes the field's schema", test_extract_struct_field_takes_the_field_schema},
	{"$Key works on the key", test_extract_key_variant_works_on_the_key},
	{"V2 path into a nested struct", test_extract_v2_path_into_nested_struct},
	{"V1 takes dots literally", test_extract_v1_takes_dots_literally},
	{"replace.null.with.default", test_extract_replace_null_with_default},
	{"schemaless map entry", test_extract_schemaless_map_entry},
	{"V2 path syntax", test_extract_v2_path_syntax},
	{"null passes through", test_extract_null_passes_through},
	{"refuses what Kafka refuses", test_extract_refuses_what_kafka_refuses},
	{"config errors", test_extract_config_errors},
	{"string values are not structs (ExtractField, InsertField, ValueToKey)",
	 test_string_values_are_refused_as_not_structs},
	{"caches the output schema", test_extract_caches_the_output_schema},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo hoist_tests[] = {
	{"schemaful wraps in a struct", test_hoist_schemaful_wraps_in_a_struct},
	{"$Key: null of an optional schema", test_hoist_key_null_of_optional_schema},
	{"schemaless wraps in a map", test_hoist_schemaless_wraps_in_a_map},
	{"a string value becomes a struct", test_hoist_string_value_becomes_a_struct},
	{"refuses null for a required schema", test_hoist_refuses_null_for_required_schema},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo insert_tests[] = {
	{"every field into a sink struct", test_insert_every_field_into_a_sink_struct},
	{"required fields into a source struct", test_insert_required_fields_into_a_source_struct},
	{"schemaless entries", test_insert_schemaless_entries},
	{"changes an unshared map in place", test_insert_changes_an_unshared_map_in_place},
	{"absent partition and timestamp", test_insert_skips_absent_partition_and_timestamp},
	{"tombstone passes through", test_insert_tombstone_passes_through},
	{"refuses what Kafka refuses", test_insert_refuses_what_kafka_refuses},
	{"config errors", test_insert_config_errors},
	{"caches the widened schema", test_insert_caches_the_widened_schema},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo value_to_key_tests[] = {
	{"schemaful key struct", test_value_to_key_schemaful},
	{"replace.null.with.default", test_value_to_key_replace_null_with_default},
	{"schemaless key map", test_value_to_key_schemaless},
	{"refuses what Kafka refuses", test_value_to_key_refuses_what_kafka_refuses},
	{"caches the key schema", test_value_to_key_caches_the_key_schema},
	CU_TEST_INFO_NULL,
};

void transform_b2_test_register(void)
{
	sl_test_add_suite("tx_extract_field", NULL, NULL, extract_tests);
	sl_test_add_suite("tx_hoist_field", NULL, NULL, hoist_tests);
	sl_test_add_suite("tx_insert_field", NULL, NULL, insert_tests);
	sl_test_add_suite("tx_value_to_key", NULL, NULL, value_to_key_tests);
}
