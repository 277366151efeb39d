/* Unit tests for the converters: byte-exact JsonConverter output, Java
 * number formatting, Decimal/base64 helpers, parsing and every error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "convert_priv.h"
#include "runner.h"
#include "sluice/config.h"

/* ---- helpers ------------------------------------------------------------ */

/* A converter with up to one property set; fails the test if refused. */
static sl_converter_t *new_conv(const char *name, const char *key, const char *value)
{
	char err[512] = "";
	sl_config_t *props = sl_config_new();

	if (key)
		sl_config_set(props, key, value, NULL, 0);
	sl_converter_t *c = sl_converter_new(name, false, props, err, sizeof(err));
	sl_config_free(props);
	if (!c)
		fprintf(stderr, "\n    sl_converter_new: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* The error sl_converter_new gives for name and one property (NULL when
 * it accepted them). Free the result. */
static char *new_conv_error(const char *name, const char *key, const char *value)
{
	char err[512] = "";
	sl_config_t *props = sl_config_new();

	if (key)
		sl_config_set(props, key, value, "worker.properties", 7);
	sl_converter_t *c = sl_converter_new(name, false, props, err, sizeof(err));
	sl_config_free(props);
	if (c) {
		sl_converter_free(c);
		return NULL;
	}
	return strdup(err);
}

/* Serialises v; returns the text (free it), or NULL for a Kafka null or
 * an error (rc and err tell which). */
static char *serialise(sl_converter_t *c, const sl_value_t *v, int *rc, char *err, size_t size)
{
	sl_buf_t out = {0};
	bool is_null = false;

	*rc = sl_converter_from_value(c, "t", v, &out, &is_null, err, size);
	if (*rc || is_null) {
		CU_ASSERT_EQUAL(out.len, 0);
		sl_buf_free(&out);
		return NULL;
	}
	sl_buf_append(&out, "", 0); /* an empty result is still a string */
	return sl_buf_steal(&out);
}

static json_t *J(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!j)
		fprintf(stderr, "\n    bad test JSON %s: %s\n", text, jerr.text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

/* Writes a JSON value (payload text, schema text or NULL) through the
 * named converter, with property key=value when key is set. */
static char *write_json(const char *conv, const char *key, const char *value, const char *payload,
			const char *schema)
{
	sl_converter_t *c = new_conv(conv, key, value);
	sl_value_t v = {0};
	char err[512] = "";
	int rc;

	sl_value_set_json(&v, payload ? J(payload) : NULL, schema ? J(schema) : NULL);
	char *text = serialise(c, &v, &rc, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n    from_value: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	sl_value_clear(&v);
	sl_converter_free(c);
	return text;
}

/* sl_json_write of text under schema (may be NULL). */
static char *jackson(const char *text, const char *schema)
{
	sl_buf_t out = {0};
	json_t *j = J(text), *s = schema ? J(schema) : NULL;

	sl_json_write(&out, j, s);
	json_decref(j);
	json_decref(s);
	return sl_buf_steal(&out);
}

/* Parses text through conv (schemas.enable as given); 0 or -1 with err. */
static int read_json(const char *schemas, const char *text, sl_value_t *out, char *err, size_t size)
{
	sl_converter_t *c = new_conv("json", "schemas.enable", schemas);
	int rc = sl_converter_to_value(c, "t", text, strlen(text), out, err, size);
	sl_converter_free(c);
	return rc;
}

/* The error of reading text with schemas enabled (must fail). */
static void assert_read_error(const char *text, const char *want)
{
	sl_value_t v = {0};
	char err[512] = "";

	CU_ASSERT_EQUAL(read_json("true", text, &v, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, want);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_NULL);
	sl_value_clear(&v);
}

/* Reads text with schemas enabled and writes it back. */
static char *round_trip(const char *text)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	sl_value_t v = {0};
	char err[512] = "";
	int rc = sl_converter_to_value(c, "t", text, strlen(text), &v, err, sizeof(err));
	char *back = NULL;

	if (rc)
		fprintf(stderr, "\n    to_value: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	if (!rc)
		back = serialise(c, &v, &rc, err, sizeof(err));
	sl_value_clear(&v);
	sl_converter_free(c);
	return back;
}

static const char *fmt_double(double d, char *buf)
{
	sl_format_double(d, buf);
	return buf;
}

static const char *fmt_float(float f, char *buf)
{
	sl_format_float(f, buf);
	return buf;
}

/* ---- creating converters ------------------------------------------------ */

static void test_new_accepts_short_names_and_kafka_class_names(void)
{
	static const char *const names[][2] = {
		{"json", "json"},
		{"org.apache.kafka.connect.json.JsonConverter", "json"},
		{"string", "string"},
		{"org.apache.kafka.connect.storage.StringConverter", "string"},
		{"bytes", "bytes"},
		{"org.apache.kafka.connect.converters.ByteArrayConverter", "bytes"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(names); i++) {
		sl_converter_t *c = new_conv(names[i][0], NULL, NULL);
		CU_ASSERT_STRING_EQUAL(sl_converter_name(c), names[i][1]);
		sl_converter_free(c);
	}
}

static void test_new_rejects_unknown_name_listing_accepted_ones(void)
{
	char *err = new_conv_error("avro", NULL, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err, "\"avro\"");
	SL_ASSERT_CONTAINS(err, "json");
	SL_ASSERT_CONTAINS(err, "string");
	SL_ASSERT_CONTAINS(err, "bytes");
	SL_ASSERT_CONTAINS(err, "org.apache.kafka.connect.converters.ByteArrayConverter");
	free(err);
}

static void test_new_rejects_bad_schemas_enable_with_its_location(void)
{
	char *err = new_conv_error("json", "schemas.enable", "yes");

	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err,
			   "worker.properties:7: option 'value.converter.schemas.enable': 'yes' "
			   "is not one of: true, false");
	free(err);
}

static void test_new_shows_control_characters_of_a_bad_value_escaped(void)
{
	char *err = new_conv_error("json", "schemas.enable", "no\nerror: forged");

	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err, "'no\\x0aerror: forged' is not one of");
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
	free(err);
}

static void test_new_rejects_unknown_key_suggesting_the_closest_one(void)
{
	char *err = new_conv_error("json", "schemas.enabled", "false");

	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err,
			   "worker.properties:7: unknown key 'value.converter.schemas.enabled' "
			   "for the value converter; did you mean "
			   "'value.converter.schemas.enable'? allowed keys: "
			   "value.converter.converter.encoding, value.converter.decimal.format, ");
	free(err);
}

/* The keys, their defaults and accepted values are the option table's:
 * StringConverter's short key is an alias of converter.encoding. */
static void test_converter_keys_come_from_the_option_table(void)
{
	const sl_option_t *o = sl_options_find(sl_converter_options, "schemas.enable");

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(o->def, "true");
	o = sl_options_find(sl_converter_options, "converter.encoding");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(o->alias, "encoding");
	CU_ASSERT_PTR_NULL(new_conv_error("string", "encoding", "utf8"));
	char *err = new_conv_error("string", "encoding", "latin1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err, "option 'value.converter.encoding': 'latin1': not supported (only "
				"UTF-8");
	free(err);
	err = new_conv_error("json", "replace.null.with.default", "false");
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err, "replace.null.with.default': 'false': not supported (only true");
	free(err);
}

static void test_new_rejects_bad_decimal_format_and_cache_size(void)
{
	char *err = new_conv_error("json", "decimal.format", "HEX");

	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err, "option 'value.converter.decimal.format': 'HEX' is not one of: "
				"BASE64, NUMERIC");
	free(err);
	err = new_conv_error("json", "schemas.cache.size", "lots");
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	SL_ASSERT_CONTAINS(err, "schemas.cache.size");
	free(err);
}

static void test_new_accepts_known_properties_case_insensitively(void)
{
	CU_ASSERT_PTR_NULL(new_conv_error("json", "schemas.enable", "FALSE"));
	CU_ASSERT_PTR_NULL(new_conv_error("json", "decimal.format", "numeric"));
	CU_ASSERT_PTR_NULL(new_conv_error("json", "schemas.cache.size", "1000"));
	/* Kafka Connect passes schemas.enable to every converter */
	CU_ASSERT_PTR_NULL(new_conv_error("string", "schemas.enable", "false"));
}

/* ---- json: value -> bytes ----------------------------------------------- */

static void test_json_string_with_schemas_has_string_envelope(void)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	sl_value_t v = {0};
	char err[256];
	int rc;

	sl_value_set_string(&v, "hello", 5);
	char *text = serialise(c, &v, &rc, err, sizeof(err));
	SL_ASSERT_TEXT(text, "{\"schema\":{\"type\":\"string\",\"optional\":false},"
			     "\"payload\":\"hello\"}");
	free(text);
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_json_string_without_schemas_is_bare_json_string(void)
{
	sl_converter_t *c = new_conv("json", "schemas.enable", "false");
	sl_value_t v = {0};
	char err[256];
	int rc;

	sl_value_set_string(&v, "hello", 5);
	char *text = serialise(c, &v, &rc, err, sizeof(err));
	SL_ASSERT_TEXT(text, "\"hello\"");
	free(text);
	sl_value_clear(&v);
	sl_converter_free(c);
}

/* What a converter passes through is byte for byte what it writes; what it
 * does not (an envelope, base64, NUMERIC decimals, a tree) it must write. */
static void test_passes_through_only_what_it_writes_as_is(void)
{
	sl_config_t *props = sl_config_new();
	char err[512] = "";

	sl_config_set(props, "schemas.enable", "false", NULL, 0);
	sl_config_set(props, "decimal.format", "NUMERIC", NULL, 0);
	sl_converter_t *convs[] = {new_conv("json", NULL, NULL),
				   new_conv("json", "schemas.enable", "false"),
				   sl_converter_new("json", false, props, err, sizeof(err)),
				   new_conv("string", NULL, NULL), new_conv("bytes", NULL, NULL)};
	sl_config_free(props);
	CU_ASSERT_PTR_NOT_NULL_FATAL(convs[2]);
	sl_value_t vals[4] = {{0}};
	sl_value_set_string(&vals[0], "hello", 5);
	sl_value_set_bytes(&vals[1], "\x00\x01\xff", 3);
	sl_value_take_json_text(&vals[2], strdup("{\"a\":1}"), 7,
				J("{\"type\":\"struct\",\"optional\":false,\"fields\":"
				  "[{\"field\":\"a\",\"type\":\"int32\",\"optional\":false}]}"));
	sl_value_set_json(&vals[3], J("{\"a\":1}"), NULL);
	/* [converter][value]: json, json without schemas, the same with NUMERIC
	 * decimals, string, bytes; string, bytes, JSON text, a JSON tree */
	const bool want[5][4] = {{false, false, false, false},
				 {false, false, true, false},
				 {false, false, false, false},
				 {true, true, false, false},
				 {true, true, false, false}};

	for (int c = 0; c < 5; c++) {
		for (int v = 0; v < 4; v++) {
			bool through = sl_converter_passes_through(convs[c], &vals[v]);
			sl_buf_t out = {0};
			bool is_null = false;

			CU_ASSERT_EQUAL(through, want[c][v]);
			int rc = sl_converter_from_value(convs[c], "t", &vals[v], &out, &is_null,
							 err, sizeof(err));
			if (through) { /* (the bytes converter refuses structures) */
				CU_ASSERT_EQUAL(rc, 0);
				CU_ASSERT_FALSE(is_null);
				CU_ASSERT_EQUAL(out.len, vals[v].len);
				CU_ASSERT(out.len == vals[v].len &&
					  memcmp(out.data, vals[v].data, out.len) == 0);
			}
			sl_buf_free(&out);
		}
	}
	for (int v = 0; v < 4; v++)
		sl_value_clear(&vals[v]);
	for (int c = 0; c < 5; c++)
		sl_converter_free(convs[c]);
}

static void test_json_bytes_are_base64_with_bytes_schema(void)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	sl_value_t v = {0};
	char err[256];
	int rc;

	sl_value_set_bytes(&v, "\x01\x02\x03\xfb\xff", 5);
	char *text = serialise(c, &v, &rc, err, sizeof(err));
	SL_ASSERT_TEXT(text, "{\"schema\":{\"type\":\"bytes\",\"optional\":false},"
			     "\"payload\":\"AQID+/8=\"}");
	free(text);
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_json_null_value_is_kafka_null_in_both_modes(void)
{
	const char *modes[] = {"true", "false"};

	for (size_t i = 0; i < 2; i++) {
		sl_converter_t *c = new_conv("json", "schemas.enable", modes[i]);
		sl_value_t v = {0}, j = {0};
		sl_buf_t out = {0};
		bool is_null = false;
		char err[256];

		CU_ASSERT_EQUAL(
			sl_converter_from_value(c, "t", &v, &out, &is_null, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(is_null);
		/* a JSON value with neither schema nor payload is null too */
		sl_value_set_json(&j, json_null(), NULL);
		is_null = false;
		CU_ASSERT_EQUAL(
			sl_converter_from_value(c, "t", &j, &out, &is_null, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(is_null);
		CU_ASSERT_EQUAL(out.len, 0);
		sl_value_clear(&j);
		sl_buf_free(&out);
		sl_converter_free(c);
	}
}

static void test_json_null_payload_with_schema_writes_payload_null(void)
{
	const char *schema = "{\"type\":\"string\",\"optional\":true}";
	char *with = write_json("json", NULL, NULL, NULL, schema);
	char *without = write_json("json", "schemas.enable", "false", NULL, schema);

	SL_ASSERT_TEXT(with,
		       "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}");
	SL_ASSERT_TEXT(without, "null");
	free(with);
	free(without);
}

static void test_json_null_payload_takes_schema_default(void)
{
	char *text = write_json("json", NULL, NULL, "{\"n\":null}",
				"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
				"\"optional\":false,\"default\":7,\"field\":\"n\"}],"
				"\"optional\":false}");

	SL_ASSERT_CONTAINS(text, "\"payload\":{\"n\":7}}");
	free(text);
}

static void test_json_schemaless_value_has_null_schema(void)
{
	char *text = write_json("json", NULL, NULL, "{\"b\":1,\"a\":[true,null]}", NULL);

	SL_ASSERT_TEXT(text, "{\"schema\":null,\"payload\":{\"b\":1,\"a\":[true,null]}}");
	free(text);
}

static const char row_schema[] = "{\"type\":\"struct\",\"fields\":["
				 "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
				 "{\"type\":\"int64\",\"optional\":false,\"field\":\"big\"},"
				 "{\"type\":\"boolean\",\"optional\":false,\"field\":\"ok\"},"
				 "{\"type\":\"double\",\"optional\":false,\"field\":\"score\"},"
				 "{\"type\":\"string\",\"optional\":true,\"field\":\"note\"}],"
				 "\"optional\":false,\"name\":\"shop.Row\"}";

static void test_json_struct_matches_jsonconverter_bytes(void)
{
	char *text = write_json("json", NULL, NULL,
				"{\"id\":42,\"big\":9007199254740993,\"ok\":true,"
				"\"score\":100.0,\"note\":null}",
				row_schema);
	char want[1024];

	snprintf(want, sizeof(want),
		 "{\"schema\":%s,\"payload\":{\"id\":42,\"big\":9007199254740993,"
		 "\"ok\":true,\"score\":100.0,\"note\":null}}",
		 row_schema);
	SL_ASSERT_TEXT(text, want);
	free(text);
}

static void test_json_integer_under_double_schema_is_written_as_double(void)
{
	char *text = write_json("json", "schemas.enable", "false",
				"{\"id\":1,\"big\":2,"
				"\"ok\":false,\"score\":3,\"note\":\"x\"}",
				row_schema);

	SL_ASSERT_TEXT(text, "{\"id\":1,\"big\":2,\"ok\":false,\"score\":3.0,\"note\":\"x\"}");
	free(text);
}

static void test_schema_builders_use_jsonconverter_member_order(void)
{
	json_t *s[] = {sl_schema_decimal(2, false),
		       sl_schema_date(false),
		       sl_schema_time(true),
		       sl_schema_timestamp(false),
		       sl_schema_primitive("float64", true),
		       sl_schema_primitive("int16", false)};
	const char *want[] = {
		"{\"type\":\"bytes\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
		"\"parameters\":{\"scale\":\"2\"}}",
		"{\"type\":\"int32\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Date\",\"version\":1}",
		"{\"type\":\"int32\",\"optional\":true,\"name\":"
		"\"org.apache.kafka.connect.data.Time\",\"version\":1}",
		"{\"type\":\"int64\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}",
		"{\"type\":\"double\",\"optional\":true}",
		"{\"type\":\"int16\",\"optional\":false}",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(s); i++) {
		sl_buf_t out = {0};
		sl_json_write(&out, s[i], NULL);
		SL_ASSERT_TEXT(out.data, want[i]);
		sl_buf_free(&out);
		json_decref(s[i]);
	}
}

static void test_json_decimal_payload_base64_by_default(void)
{
	json_t *schema = sl_schema_decimal(2, false);
	char *b64 = NULL;
	sl_converter_t *c = new_conv("json", NULL, NULL);
	sl_value_t v = {0};
	char err[256];
	int rc;

	CU_ASSERT_EQUAL_FATAL(sl_decimal_to_base64("12.34", 2, &b64), 0);
	sl_value_set_json(&v, json_string(b64), schema);
	char *text = serialise(c, &v, &rc, err, sizeof(err));
	SL_ASSERT_TEXT(text, "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":"
			     "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
			     "\"parameters\":{\"scale\":\"2\"}},\"payload\":\"BNI=\"}");
	free(text);
	free(b64);
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_json_decimal_numeric_writes_bigdecimal_text(void)
{
	const char *s2 = "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
			 "\"parameters\":{\"scale\":\"2\"}}";
	const char *s7 = "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
			 "\"parameters\":{\"scale\":\"7\"}}";
	/* 1230 at scale 2 keeps its trailing zero; 1 at scale 7 is 1E-7 */
	char *a = write_json("json", "decimal.format", "NUMERIC", "\"BM4=\"", s2);
	char *b = write_json("json", "decimal.format", "NUMERIC", "\"AQ==\"", s7);
	char *c = write_json("json", "decimal.format", "BASE64", "\"BM4=\"", s2);

	SL_ASSERT_CONTAINS(a, "\"payload\":12.30}");
	SL_ASSERT_CONTAINS(b, "\"payload\":1E-7}");
	SL_ASSERT_CONTAINS(c, "\"payload\":\"BM4=\"}");
	free(a);
	free(b);
	free(c);
}

static void test_json_decimal_numeric_bad_payload_fails_and_leaves_out(void)
{
	sl_converter_t *c = new_conv("json", "decimal.format", "NUMERIC");
	sl_value_t v = {0};
	sl_buf_t out = {0};
	bool is_null;
	char err[256] = "";

	sl_buf_append_str(&out, "kept");
	sl_value_set_json(&v, J("\"not base64!\""), sl_schema_decimal(2, false));
	CU_ASSERT_EQUAL(sl_converter_from_value(c, "t", &v, &out, &is_null, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "Decimal");
	CU_ASSERT_EQUAL(out.len, 4);
	SL_ASSERT_TEXT(out.data, "kept");
	sl_buf_free(&out);
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_json_decimal_numeric_bad_payload_into_empty_buffer(void)
{
	sl_config_t *props = sl_config_new();
	sl_value_t v = {0};
	char err[256] = "";
	int rc;

	sl_config_set(props, "decimal.format", "NUMERIC", NULL, 0);
	sl_config_set(props, "schemas.enable", "false", NULL, 0);
	sl_converter_t *c = sl_converter_new("json", true, props, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	sl_value_set_json(&v, J("\"\""), sl_schema_decimal(2, false));
	CU_ASSERT_PTR_NULL(serialise(c, &v, &rc, err, sizeof(err)));
	CU_ASSERT_EQUAL(rc, -1);
	sl_value_clear(&v);
	sl_config_free(props);
	sl_converter_free(c);
}

static void test_from_value_appends_without_resetting_out(void)
{
	sl_converter_t *c = new_conv("json", "schemas.enable", "false");
	sl_value_t v = {0};
	sl_buf_t out = {0};
	bool is_null;
	char err[256];

	sl_buf_append_str(&out, "x=");
	sl_value_set_string(&v, "y", 1);
	CU_ASSERT_EQUAL(sl_converter_from_value(c, "t", &v, &out, &is_null, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(is_null);
	SL_ASSERT_TEXT(out.data, "x=\"y\"");
	sl_buf_free(&out);
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_logical_schemas_date_time_timestamp_round_trip(void)
{
	char *text = round_trip(
		"{\"schema\":{\"type\":\"struct\",\"fields\":["
		"{\"type\":\"int32\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Date\",\"version\":1,\"field\":\"d\"},"
		"{\"type\":\"int32\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Time\",\"version\":1,\"field\":\"t\"},"
		"{\"type\":\"int64\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":\"ts\"}],"
		"\"optional\":false},\"payload\":{\"d\":19000,\"t\":3600000,"
		"\"ts\":1700000000123}}");

	SL_ASSERT_CONTAINS(text, "\"payload\":{\"d\":19000,\"t\":3600000,\"ts\":1700000000123}}");
	free(text);
}

/* ---- JSON text: strings ------------------------------------------------- */

static void test_string_escapes_are_jacksons(void)
{
	sl_buf_t out = {0};
	const char in[] = "q\"b\\s/\b\t\n\f\r\x01\x1f\x7f";

	sl_json_write_string(&out, in, sizeof(in) - 1);
	SL_ASSERT_TEXT(out.data, "\"q\\\"b\\\\s/\\b\\t\\n\\f\\r\\u0001\\u001F\x7f\"");
	sl_buf_free(&out);
}

static void test_string_nul_byte_is_escaped(void)
{
	sl_buf_t out = {0};

	sl_json_write_string(&out, "a\0b", 3);
	SL_ASSERT_TEXT(out.data, "\"a\\u0000b\"");
	sl_buf_free(&out);
}

/* Jackson's UTF8JsonGenerator writes the Basic Multilingual Plane raw and
 * a character beyond it as its escaped UTF-16 surrogate pair (upper-case
 * hex), as Kafka Connect's JsonConverter gives it. */
static void test_string_unicode_raw_but_surrogate_pairs_escaped(void)
{
	char *text = jackson("\"\\u00e9\\u20ac\\ud83d\\ude00\\u2028\"", NULL);

	SL_ASSERT_TEXT(text, "\"\xc3\xa9\xe2\x82\xac\\uD83D\\uDE00\xe2\x80\xa8\"");
	free(text);
}

static void test_string_invalid_utf8_becomes_replacement_like_java(void)
{
	/* as new String(bytes, UTF_8) decodes them: E2 82 (truncated) is one
	 * U+FFFD, C0 and AF one each, an encoded surrogate ED A0 80 one, a
	 * truncated F0 9F 98 one */
	const char in[] = "a\xe2\x82"
			  "A\xc0\xaf\xed\xa0\x80\xf0\x9f\x98";
	sl_buf_t out = {0};

	sl_json_write_string(&out, in, sizeof(in) - 1);
	SL_ASSERT_TEXT(out.data, "\"a\xef\xbf\xbd"
				 "A\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	sl_buf_free(&out);
}

/* Short strings into a buffer with room take a word-at-a-time path: a
 * byte that needs escaping or checking is found at every position. */
static void test_string_short_with_room_escapes_at_every_position(void)
{
	static const struct {
		const char *in, *out;
	} specials[] = {
		{"\"", "\\\""},      {"\\", "\\\\"},           {"\n", "\\n"},
		{"\x01", "\\u0001"}, {"\xc3\xa9", "\xc3\xa9"}, {"\xff", "\xef\xbf\xbd"},
	};
	sl_buf_t out = {0};

	sl_buf_reserve(&out, 4096);
	for (size_t k = 0; k < SL_ARRAY_LEN(specials); k++)
		for (size_t n = 0; n <= 33; n++)
			for (size_t at = 0; at <= n; at++) {
				/* n plain bytes, the special one before byte at */
				char in[64], want[96];
				size_t sl = strlen(specials[k].in);
				memset(in, 'x', at);
				memcpy(in + at, specials[k].in, sl);
				memset(in + at + sl, 'y', n - at);
				snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)at, in,
					 specials[k].out, (int)(n - at), in + at + sl);
				out.len = 0;
				sl_json_write_string(&out, in, n + sl);
				if (strcmp(out.data, want))
					fprintf(stderr, "\n    %zu/%zu/%zu: %s\n", k, n, at,
						out.data);
				CU_ASSERT_STRING_EQUAL(out.data, want);
			}
	out.len = 0;
	sl_json_write_string(&out, "plain", 5);
	sl_json_write_string(&out, "", 0);
	CU_ASSERT_STRING_EQUAL(out.data, "\"plain\"\"\"");
	sl_buf_free(&out);
}

static void test_string_long_input_escapes_across_chunks(void)
{
	size_t n = 20000;
	char *in = malloc(n);
	sl_buf_t out = {0};

	for (size_t i = 0; i < n; i++)
		in[i] = i % 3 ? '\n' : 'x';
	sl_json_write_string(&out, in, n);
	/* n/3 rounded up 'x', the rest two bytes each, plus the quotes */
	CU_ASSERT_EQUAL(out.len, (n + 2) / 3 + (n - (n + 2) / 3) * 2 + 2);
	CU_ASSERT_EQUAL(strlen(out.data), out.len);
	CU_ASSERT_EQUAL(memcmp(out.data + out.len - 4, "\\n\\n\"", 4) == 0 ||
				memcmp(out.data + out.len - 4, "x\\n\"", 4) == 0,
			1);
	free(in);
	sl_buf_free(&out);
}

/* The escape of one ASCII byte, written the plain way. */
static void naive_escape(sl_buf_t *out, unsigned char c)
{
	static const char *const shortform[32] = {
		['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n", ['\f'] = "\\f", ['\r'] = "\\r"};
	if (c == '"' || c == '\\')
		sl_buf_appendf(out, "\\%c", c);
	else if (c < 0x20 && shortform[c])
		sl_buf_append_str(out, shortform[c]);
	else if (c < 0x20)
		sl_buf_appendf(out, "\\u%04X", c);
	else
		sl_buf_append_char(out, (char)c);
}

static void test_string_special_byte_at_every_word_offset(void)
{
	static const char *const specials[] = {"\"",       "\\",           "\n",
					       "\x1f",     "\x01",         "\x7f",
					       "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					       " "};
	for (size_t k = 0; k < SL_ARRAY_LEN(specials); k++) {
		for (size_t pos = 0; pos < 17; pos++) {
			char in[64];
			sl_buf_t got = {0}, want = {0};
			size_t n = strlen(specials[k]);
			memset(in, 'a', sizeof(in));
			memcpy(in + pos, specials[k], n);
			sl_json_write_string(&got, in, 30);
			sl_buf_append_char(&want, '"');
			for (size_t i = 0; i < 30; i++) {
				if ((unsigned char)in[i] == 0xf0) { /* U+1F600 */
					sl_buf_append(&want, "\\uD83D\\uDE00", 12);
					i += 3;
				} else if ((unsigned char)in[i] >= 0x80)
					sl_buf_append_char(&want, in[i]);
				else
					naive_escape(&want, (unsigned char)in[i]);
			}
			sl_buf_append_char(&want, '"');
			CU_ASSERT_STRING_EQUAL(got.data, want.data);
			sl_buf_free(&got);
			sl_buf_free(&want);
		}
	}
}

static void test_json_write_keeps_member_order_and_is_compact(void)
{
	char *text = jackson("{ \"z\" : 1 , \"a\" : { \"y\" : [ 1 , 2 ] , \"b\" : \"/\" } }", NULL);

	SL_ASSERT_TEXT(text, "{\"z\":1,\"a\":{\"y\":[1,2],\"b\":\"/\"}}");
	free(text);
}

/* ---- JSON text: numbers ------------------------------------------------- */

static void test_double_formats_like_java_double_tostring(void)
{
	char b[SL_NUMBER_BUF_SIZE];

	CU_ASSERT_STRING_EQUAL(fmt_double(1.0, b), "1.0");
	CU_ASSERT_STRING_EQUAL(fmt_double(0.1, b), "0.1");
	CU_ASSERT_STRING_EQUAL(fmt_double(1e10, b), "1.0E10");
	CU_ASSERT_STRING_EQUAL(fmt_double(1e-5, b), "1.0E-5");
	CU_ASSERT_STRING_EQUAL(fmt_double(123456.789, b), "123456.789");
	CU_ASSERT_STRING_EQUAL(fmt_double(100.0, b), "100.0");
	CU_ASSERT_STRING_EQUAL(fmt_double(-2.5, b), "-2.5");
	CU_ASSERT_STRING_EQUAL(fmt_double(0.1 + 0.2, b), "0.30000000000000004");
	CU_ASSERT_STRING_EQUAL(fmt_double(1.7976931348623157e308, b), "1.7976931348623157E308");
	CU_ASSERT_STRING_EQUAL(fmt_double(1e21, b), "1.0E21");
	CU_ASSERT_STRING_EQUAL(fmt_double(1e-7, b), "1.0E-7");
}

static void test_double_plain_range_is_1e_minus3_to_1e7(void)
{
	char b[SL_NUMBER_BUF_SIZE];

	CU_ASSERT_STRING_EQUAL(fmt_double(0.001, b), "0.001");
	CU_ASSERT_STRING_EQUAL(fmt_double(0.00099, b), "9.9E-4");
	CU_ASSERT_STRING_EQUAL(fmt_double(1.234e-4, b), "1.234E-4");
	CU_ASSERT_STRING_EQUAL(fmt_double(1234567.0, b), "1234567.0");
	CU_ASSERT_STRING_EQUAL(fmt_double(9999999.0, b), "9999999.0");
	CU_ASSERT_STRING_EQUAL(fmt_double(1e7, b), "1.0E7");
	CU_ASSERT_STRING_EQUAL(fmt_double(12345678.9, b), "1.23456789E7");
}

static void test_double_zero_subnormal_and_non_finite(void)
{
	char b[SL_NUMBER_BUF_SIZE];

	CU_ASSERT_STRING_EQUAL(fmt_double(0.0, b), "0.0");
	CU_ASSERT_STRING_EQUAL(fmt_double(-0.0, b), "-0.0");
	CU_ASSERT_STRING_EQUAL(fmt_double(4.9e-324, b), "4.9E-324");
	CU_ASSERT_STRING_EQUAL(fmt_double(NAN, b), "NaN");
	CU_ASSERT_STRING_EQUAL(fmt_double(-INFINITY, b), "-Infinity");
}

static void test_float_formats_like_java_float_tostring(void)
{
	char b[SL_NUMBER_BUF_SIZE];

	CU_ASSERT_STRING_EQUAL(fmt_float(0.1f, b), "0.1");
	CU_ASSERT_STRING_EQUAL(fmt_float(0.3f, b), "0.3");
	CU_ASSERT_STRING_EQUAL(fmt_float(100.0f, b), "100.0");
	CU_ASSERT_STRING_EQUAL(fmt_float(3.14159f, b), "3.14159");
	CU_ASSERT_STRING_EQUAL(fmt_float(-1.5e-3f, b), "-0.0015");
	CU_ASSERT_STRING_EQUAL(fmt_float(1e10f, b), "1.0E10");
	CU_ASSERT_STRING_EQUAL(fmt_float(16777216.0f, b), "1.6777216E7");
	CU_ASSERT_STRING_EQUAL(fmt_float(3.4028235e38f, b), "3.4028235E38");
	CU_ASSERT_STRING_EQUAL(fmt_float(1.4e-45f, b), "1.4E-45");
}

static void test_float32_schema_writes_float_tostring(void)
{
	/* the double 0.1 under a float32 schema is Java's 0.1f */
	char *f = jackson("{\"x\":0.1,\"y\":0.1}",
			  "{\"type\":\"struct\",\"fields\":[{\"type\":\"float\",\"field\":\"x\"},"
			  "{\"type\":\"double\",\"field\":\"y\"}]}");
	char *a = jackson("[0.3]", "{\"type\":\"array\",\"items\":{\"type\":\"float\"}}");
	char *plain = jackson("0.30000001192092896", NULL);

	SL_ASSERT_TEXT(f, "{\"x\":0.1,\"y\":0.1}");
	SL_ASSERT_TEXT(a, "[0.3]");
	SL_ASSERT_TEXT(plain, "0.30000001192092896");
	free(f);
	free(a);
	free(plain);
}

static void test_float32_overflow_is_quoted_infinity_like_jackson(void)
{
	char *text = jackson("1e300", "{\"type\":\"float\"}");

	SL_ASSERT_TEXT(text, "\"Infinity\"");
	free(text);
}

static void test_map_schema_values_and_pairs_follow_their_schemas(void)
{
	char *obj = jackson("{\"a\":1}", "{\"type\":\"map\",\"keys\":{\"type\":\"string\"},"
					 "\"values\":{\"type\":\"float\"}}");
	char *pairs = jackson("[[1,2]]", "{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},"
					 "\"values\":{\"type\":\"double\"}}");

	SL_ASSERT_TEXT(obj, "{\"a\":1.0}");
	SL_ASSERT_TEXT(pairs, "[[1,2.0]]");
	free(obj);
	free(pairs);
}

/* ---- base64 and Decimal ------------------------------------------------- */

static void test_base64_rfc4648_vectors(void)
{
	static const char *const v[][2] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(v); i++) {
		char *enc = sl_base64_encode(v[i][0], strlen(v[i][0]));
		unsigned char *dec;
		size_t n;
		CU_ASSERT_STRING_EQUAL(enc, v[i][1]);
		CU_ASSERT_EQUAL_FATAL(sl_base64_decode(enc, strlen(enc), &dec, &n), 0);
		CU_ASSERT_EQUAL(n, strlen(v[i][0]));
		CU_ASSERT_EQUAL(memcmp(dec, v[i][0], n), 0);
		free(enc);
		free(dec);
	}
}

static void test_base64_decode_rejects_malformed_text(void)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v!A==", "=Zm9", "Zg==Zg==", "Zm 9"};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		unsigned char *dec = (unsigned char *)"x";
		size_t n = 9;
		CU_ASSERT_EQUAL(sl_base64_decode(bad[i], strlen(bad[i]), &dec, &n), -1);
		CU_ASSERT_PTR_NULL(dec);
	}
}

static void test_decimal_to_base64_twos_complement(void)
{
	static const struct {
		const char *text;
		int scale;
		const char *b64;
	} v[] = {
		{"12.34", 2, "BNI="},
		{"-1", 0, "/w=="},
		{"0", 0, "AA=="},
		{"-0.00", 2, "AA=="},
		{"-128", 0, "gA=="},
		{"128", 0, "AIA="},
		{"255", 0, "AP8="},
		{"-129", 0, "/38="},
		{"12.3", 2, "BM4="},
		{"+1.5E1", 0, "Dw=="},
		{"1.23e-1", 3, "ew=="},
		{"99999999999999999999999999999999999999", 0, "SztMqFqGxHoJiiI//////w=="},
		{"-99999999999999999999999999999999999999", 0, "tMSzV6V5O4X2dd3AAAAAAQ=="},
		{"9223372036854775808", 0, "AIAAAAAAAAAA"},
		{"-9223372036854775809", 0, "/3//////////"},
		{"-1234567890123456.789012345", 9, "/vqR8MlZu8IdIIc="},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(v); i++) {
		char *b64 = NULL;
		CU_ASSERT_EQUAL(sl_decimal_to_base64(v[i].text, v[i].scale, &b64), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b64);
		if (strcmp(b64, v[i].b64))
			fprintf(stderr, "\n    %s: %s != %s\n", v[i].text, b64, v[i].b64);
		CU_ASSERT_STRING_EQUAL(b64, v[i].b64);
		free(b64);
	}
}

static void test_decimal_to_base64_rejects_bad_text_and_extra_digits(void)
{
	static const char *const bad[] = {"", "-", "1.2.3", "abc", "1e", "12.345", "1,5", " 1"};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		char *b64 = (char *)"x";
		CU_ASSERT_EQUAL(sl_decimal_to_base64(bad[i], 2, &b64), -1);
		CU_ASSERT_PTR_NULL(b64);
	}
}

static void test_decimal_from_base64_plain_text_at_scale(void)
{
	static const struct {
		const char *b64;
		int scale;
		const char *text;
	} v[] = {
		{"BNI=", 2, "12.34"},
		{"/w==", 0, "-1"},
		{"BQ==", 3, "0.005"},
		{"+w==", 3, "-0.005"},
		{"AA==", 2, "0.00"},
		{"BM4=", 2, "12.30"},
		{"SztMqFqGxHoJiiI//////w==", 10, "9999999999999999999999999999.9999999999"},
		{"tMSzV6V5O4X2dd3AAAAAAQ==", 0, "-99999999999999999999999999999999999999"},
		{"AIAAAAAAAAAA", 0, "9223372036854775808"},
		{"DeC2s6dkAAE=", 0, "1000000000000000001"},
		{"AzsuPJ/QgDzoAAAF", 0, "1000000000000000000000000005"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(v); i++) {
		char *text = NULL;
		CU_ASSERT_EQUAL(sl_decimal_from_base64(v[i].b64, v[i].scale, &text), 0);
		SL_ASSERT_TEXT(text, v[i].text);
		free(text);
	}
}

static void test_decimal_from_base64_rejects_empty_and_malformed(void)
{
	char *text = (char *)"x";

	CU_ASSERT_EQUAL(sl_decimal_from_base64("", 2, &text), -1);
	CU_ASSERT_PTR_NULL(text);
	CU_ASSERT_EQUAL(sl_decimal_from_base64("B@I=", 2, &text), -1);
	CU_ASSERT_PTR_NULL(text);
}

/* ---- json: bytes -> value ----------------------------------------------- */

static void test_json_read_envelope_gives_payload_and_schema(void)
{
	sl_value_t v = {0};
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(read_json("true",
					"{\"schema\":{\"type\":\"string\",\"optional\":false},"
					"\"payload\":\"hi\"}",
					&v, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_JSON);
	CU_ASSERT_STRING_EQUAL(json_string_value(v.json), "hi");
	CU_ASSERT_STRING_EQUAL(sl_schema_type(v.schema), "string");
	sl_value_clear(&v);
}

static void test_json_read_without_schemas_gives_schemaless_payload(void)
{
	sl_value_t v = {0};
	char err[512] = "";
	const char *text = "{\"schema\":1,\"payload\":2,\"extra\":3}";

	CU_ASSERT_EQUAL_FATAL(read_json("false", text, &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_JSON);
	CU_ASSERT_PTR_NULL(v.schema);
	CU_ASSERT_EQUAL(json_object_size(v.json), 3);
	sl_value_clear(&v);
}

static void test_json_read_nulls_give_null_value(void)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	sl_value_t v = {0};
	char err[512] = "";

	CU_ASSERT_EQUAL(sl_converter_to_value(c, "t", NULL, 0, &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_NULL);
	CU_ASSERT_EQUAL(
		read_json("true", "{\"schema\":null,\"payload\":null}", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_NULL);
	CU_ASSERT_EQUAL(read_json("false", "null", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_NULL);
	/* a null of an optional schema keeps its schema */
	CU_ASSERT_EQUAL(read_json("true",
				  "{\"schema\":{\"type\":\"int32\",\"optional\":true},"
				  "\"payload\":null}",
				  &v, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_JSON);
	CU_ASSERT_PTR_NULL(v.json);
	CU_ASSERT_PTR_NOT_NULL(v.schema);
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_json_read_rejects_bad_envelopes_with_kafka_message(void)
{
	static const char *const bad[] = {
		"{\"payload\":1}", "{\"schema\":null}", "{\"schema\":null,\"payload\":1,\"x\":2}",
		"[1,2]",           "\"text\"",          "{\"schema\":null,\"pay\":1}",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++)
		assert_read_error(bad[i],
				  "JsonConverter with schemas.enable requires \"schema\" "
				  "and \"payload\" fields and may not contain additional "
				  "fields. If you are trying to deserialize plain JSON data, "
				  "set schemas.enable=false in your converter configuration.");
}

static void test_json_read_malformed_json_reports_line_and_column(void)
{
	sl_value_t v = {0};
	char err[512] = "";

	CU_ASSERT_EQUAL(read_json("false", "{\"a\":\n  tru}", &v, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "malformed JSON at line 2, column");
	CU_ASSERT_EQUAL(read_json("false", "", &v, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "malformed JSON");
	CU_ASSERT_EQUAL(v.kind, SL_VALUE_NULL);
}

static void test_json_read_type_mismatch_names_field_path(void)
{
	assert_read_error("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\","
			  "\"fields\":[{\"type\":\"int32\",\"field\":\"zip\"}],\"field\":"
			  "\"address\"}]},\"payload\":{\"address\":{\"zip\":\"x\"}}}",
			  "payload.address.zip: expected int32, found a string");
	assert_read_error("{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"boolean\"}},"
			  "\"payload\":[true,1]}",
			  "payload[1]: expected boolean, found an integer");
	assert_read_error("{\"schema\":{\"type\":\"double\"},\"payload\":\"1\"}",
			  "payload: expected double, found a string");
	assert_read_error("{\"schema\":{\"type\":\"string\"},\"payload\":1}",
			  "payload: expected string, found an integer");
	assert_read_error("{\"schema\":{\"type\":\"int64\"},\"payload\":1.5}",
			  "payload: expected int64, found a real number");
	assert_read_error("{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":[]}",
			  "payload: expected a struct (an object), found an array");
}

static void test_json_read_integer_ranges_are_checked(void)
{
	sl_value_t v = {0};
	char err[512] = "";

	assert_read_error("{\"schema\":{\"type\":\"int8\"},\"payload\":128}",
			  "payload: 128 is out of range for int8");
	assert_read_error("{\"schema\":{\"type\":\"int16\"},\"payload\":-32769}",
			  "out of range for int16");
	assert_read_error("{\"schema\":{\"type\":\"int32\"},\"payload\":2147483648}",
			  "out of range for int32");
	CU_ASSERT_EQUAL(read_json("true", "{\"schema\":{\"type\":\"int8\"},\"payload\":-128}", &v,
				  err, sizeof(err)),
			0);
	sl_value_clear(&v);
}

static void test_json_read_required_null_fails_optional_absent_becomes_null(void)
{
	char *text;

	assert_read_error("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
			  "\"optional\":false,\"field\":\"s\"}]},\"payload\":{\"s\":null}}",
			  "payload.s: null value for required string field");
	assert_read_error("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
			  "\"field\":\"s\"}]},\"payload\":{}}",
			  "payload.s: no value for required string field");
	text = round_trip("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
			  "\"optional\":true,\"field\":\"s\"}]},\"payload\":{}}");
	SL_ASSERT_CONTAINS(text, "\"payload\":{\"s\":null}}");
	free(text);
}

static void test_json_read_struct_takes_schema_order_and_drops_extras(void)
{
	char *text = round_trip("{\"schema\":{\"type\":\"struct\",\"fields\":["
				"{\"type\":\"int32\",\"field\":\"a\"},"
				"{\"type\":\"int32\",\"field\":\"b\"}]},"
				"\"payload\":{\"zz\":0,\"b\":2,\"a\":1}}");

	SL_ASSERT_CONTAINS(text, "\"payload\":{\"a\":1,\"b\":2}}");
	free(text);
}

static void test_json_read_null_takes_schema_default(void)
{
	char *text = round_trip("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
				"\"int32\",\"optional\":false,\"default\":5,\"field\":\"n\"}]},"
				"\"payload\":{\"n\":null}}");

	SL_ASSERT_CONTAINS(text, "\"payload\":{\"n\":5}}");
	free(text);
}

static void test_json_read_checks_bytes_and_decimal(void)
{
	char *text;

	assert_read_error("{\"schema\":{\"type\":\"bytes\"},\"payload\":\"***\"}",
			  "payload: bytes value is not valid base64");
	assert_read_error("{\"schema\":{\"type\":\"bytes\",\"name\":"
			  "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":"
			  "{\"scale\":\"1\"}},\"payload\":1.25}",
			  "payload: Decimal 1.25 has more fraction digits than its scale 1");
	assert_read_error("{\"schema\":{\"type\":\"bytes\",\"name\":"
			  "\"org.apache.kafka.connect.data.Decimal\"},\"payload\":\"AA==\"}",
			  "schema: a Decimal schema must be of type bytes with an integer "
			  "\"scale\" parameter");
	/* a numeric Decimal (decimal.format=NUMERIC on the writer) is
	 * kept as its base64 payload */
	text = round_trip("{\"schema\":{\"type\":\"bytes\",\"name\":"
			  "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":"
			  "{\"scale\":\"2\"}},\"payload\":12.34}");
	SL_ASSERT_CONTAINS(text, "\"payload\":\"BNI=\"}");
	free(text);
}

static void test_json_read_normalises_inside_arrays_and_maps(void)
{
	const char *dec = "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
			  "\"parameters\":{\"scale\":\"2\"}}";
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"schema\":{\"type\":\"array\",\"items\":%s},\"payload\":[1.5,\"BNI=\"]}", dec);
	char *arr = round_trip(text);
	snprintf(text, sizeof(text),
		 "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},"
		 "\"values\":%s},\"payload\":{\"a\":1}}",
		 dec);
	char *obj = round_trip(text);
	snprintf(text, sizeof(text),
		 "{\"schema\":{\"type\":\"map\",\"keys\":%s,\"values\":%s},"
		 "\"payload\":[[1,2]]}",
		 dec, dec);
	char *pairs = round_trip(text);

	SL_ASSERT_CONTAINS(arr, "\"payload\":[\"AJY=\",\"BNI=\"]}");
	SL_ASSERT_CONTAINS(obj, "\"payload\":{\"a\":\"ZA==\"}}");
	SL_ASSERT_CONTAINS(pairs, "\"payload\":[[\"ZA==\",\"AMg=\"]]}");
	free(arr);
	free(obj);
	free(pairs);
}

static void test_json_read_rejects_empty_decimal(void)
{
	assert_read_error("{\"schema\":{\"type\":\"bytes\",\"name\":"
			  "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":"
			  "{\"scale\":\"1\"}},\"payload\":\"\"}",
			  "payload: Decimal value has no bytes");
}

static void test_json_read_rejects_bad_schemas(void)
{
	assert_read_error("{\"schema\":{\"optional\":true},\"payload\":1}",
			  "schema: Schema must contain 'type' field");
	assert_read_error("{\"schema\":{\"type\":\"float64\"},\"payload\":1}",
			  "schema: Unknown schema type: float64");
	assert_read_error("{\"schema\":{\"type\":\"array\"},\"payload\":[]}",
			  "schema: array schema did not specify the element type");
	assert_read_error("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"}},"
			  "\"payload\":{}}",
			  "schema: map schema did not specify the value type");
	assert_read_error("{\"schema\":{\"type\":\"struct\",\"fields\":{}},\"payload\":{}}",
			  "Struct schema's \"fields\" argument is not an array.");
	assert_read_error("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int8\"}]},"
			  "\"payload\":{}}",
			  "Struct schema's field name not specified properly");
	assert_read_error("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int8\","
			  "\"field\":\"f\",\"parameters\":{\"a\":1}}]},\"payload\":{}}",
			  "schema.f: Schema parameters must have string values.");
	assert_read_error("{\"schema\":{\"type\":\"int8\",\"default\":300},\"payload\":1}",
			  "schema.default: 300 is out of range for int8");
	assert_read_error("{\"schema\":[],\"payload\":1}",
			  "schema: a schema must be an object, found an array");
}

static void test_json_read_maps_by_key_schema(void)
{
	char *obj = round_trip("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},"
			       "\"values\":{\"type\":\"int8\"}},\"payload\":{\"a\":1}}");
	char *pairs = round_trip("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},"
				 "\"values\":{\"type\":\"string\"}},\"payload\":[[1,\"x\"]]}");

	SL_ASSERT_CONTAINS(obj, "\"payload\":{\"a\":1}}");
	SL_ASSERT_CONTAINS(pairs, "\"payload\":[[1,\"x\"]]}");
	free(obj);
	free(pairs);
	assert_read_error("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},"
			  "\"values\":{\"type\":\"int8\"}},\"payload\":{\"a\":1000}}",
			  "payload.a: 1000 is out of range for int8");
	assert_read_error("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},"
			  "\"values\":{\"type\":\"string\"}},\"payload\":[[1]]}",
			  "payload[0]: a map entry must be a [key, value] array");
	assert_read_error("{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},"
			  "\"values\":{\"type\":\"string\"}},\"payload\":{}}",
			  "expected a map with non-string keys");
}

static void test_json_round_trip_value_bytes_value_is_identical(void)
{
	const char *text = "{\"schema\":{\"type\":\"struct\",\"fields\":["
			   "{\"type\":\"int8\",\"optional\":false,\"field\":\"i8\"},"
			   "{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"
			   "{\"type\":\"double\",\"optional\":false,\"field\":\"d\"},"
			   "{\"type\":\"bytes\",\"optional\":true,\"field\":\"raw\"},"
			   "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},"
			   "\"optional\":false,\"field\":\"tags\"},"
			   "{\"type\":\"bytes\",\"optional\":false,\"name\":"
			   "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
			   "\"parameters\":{\"scale\":\"2\"},\"field\":\"price\"}],"
			   "\"optional\":false,\"name\":\"r\",\"version\":3,\"doc\":\"a row\"},"
			   "\"payload\":{\"i8\":-7,\"f\":0.1,\"d\":1.0E-5,\"raw\":\"AQID\","
			   "\"tags\":[\"a\\u0001\",\"\\u00e9\"],\"price\":\"BNI=\"}}";
	char *back = round_trip(text);
	char *again = back ? round_trip(back) : NULL;

	SL_ASSERT_TEXT(back,
		       "{\"schema\":{\"type\":\"struct\",\"fields\":["
		       "{\"type\":\"int8\",\"optional\":false,\"field\":\"i8\"},"
		       "{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"
		       "{\"type\":\"double\",\"optional\":false,\"field\":\"d\"},"
		       "{\"type\":\"bytes\",\"optional\":true,\"field\":\"raw\"},"
		       "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},"
		       "\"optional\":false,\"field\":\"tags\"},"
		       "{\"type\":\"bytes\",\"optional\":false,\"name\":"
		       "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
		       "\"parameters\":{\"scale\":\"2\"},\"field\":\"price\"}],"
		       "\"optional\":false,\"name\":\"r\",\"version\":3,\"doc\":\"a row\"},"
		       "\"payload\":{\"i8\":-7,\"f\":0.1,\"d\":1.0E-5,\"raw\":\"AQID\","
		       "\"tags\":[\"a\\u0001\",\"\xc3\xa9\"],\"price\":\"BNI=\"}}");
	SL_ASSERT_TEXT(again, back);
	free(back);
	free(again);
}

static void test_json_read_keeps_nul_in_strings(void)
{
	char *text = round_trip("{\"schema\":null,\"payload\":\"a\\u0000b\"}");

	SL_ASSERT_TEXT(text, "{\"schema\":null,\"payload\":\"a\\u0000b\"}");
	free(text);
}

/* ---- string and bytes converters ---------------------------------------- */

static void test_string_to_value_borrows_the_bytes(void)
{
	const char data[] = "plain text";
	const char *names[] = {"string", "bytes"};
	sl_value_kind_t kinds[] = {SL_VALUE_STRING, SL_VALUE_BYTES};

	for (size_t i = 0; i < 2; i++) {
		sl_converter_t *c = new_conv(names[i], NULL, NULL);
		sl_value_t v = {0};
		char err[256];
		CU_ASSERT_EQUAL(sl_converter_to_value(c, "t", data, 5, &v, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(v.kind, kinds[i]);
		CU_ASSERT_TRUE(v.borrowed);
		CU_ASSERT_PTR_EQUAL(v.data, data);
		CU_ASSERT_EQUAL(v.len, 5);
		sl_value_clear(&v);
		CU_ASSERT_EQUAL(sl_converter_to_value(c, "t", NULL, 0, &v, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(v.kind, SL_VALUE_NULL);
		sl_converter_free(c);
	}
}

static void test_string_from_value_writes_text_raw_and_json_compact(void)
{
	sl_converter_t *c = new_conv("string", NULL, NULL);
	sl_value_t v = {0};
	char err[256];
	int rc;

	sl_value_set_string(&v, "a \"b\"", 5);
	char *s = serialise(c, &v, &rc, err, sizeof(err));
	SL_ASSERT_TEXT(s, "a \"b\"");
	free(s);
	sl_value_clear(&v);
	char *js = write_json("string", NULL, NULL, "\"no quotes\"", "{\"type\":\"string\"}");
	char *jo = write_json("string", NULL, NULL, "{\"x\":1.0, \"y\":[]}", NULL);
	SL_ASSERT_TEXT(js, "no quotes");
	SL_ASSERT_TEXT(jo, "{\"x\":1.0,\"y\":[]}");
	free(js);
	free(jo);
	sl_converter_free(c);
}

static void test_string_and_bytes_from_null_value_are_kafka_null(void)
{
	const char *names[] = {"string", "bytes"};

	for (size_t i = 0; i < 2; i++) {
		sl_converter_t *c = new_conv(names[i], NULL, NULL);
		sl_value_t v = {0};
		char err[256];
		int rc;
		CU_ASSERT_PTR_NULL(serialise(c, &v, &rc, err, sizeof(err)));
		CU_ASSERT_EQUAL(rc, 0);
		sl_value_set_json(&v, NULL, sl_schema_primitive("string", true));
		CU_ASSERT_PTR_NULL(serialise(c, &v, &rc, err, sizeof(err)));
		CU_ASSERT_EQUAL(rc, 0);
		sl_value_clear(&v);
		sl_converter_free(c);
	}
}

static void test_bytes_from_value_raw_and_base64_payload_of_bytes_schema(void)
{
	sl_converter_t *c = new_conv("bytes", NULL, NULL);
	sl_value_t v = {0};
	char err[256];
	int rc;

	sl_value_set_bytes(&v, "\x00\x01", 2);
	char *raw = serialise(c, &v, &rc, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	CU_ASSERT_EQUAL(memcmp(raw, "\x00\x01", 2), 0);
	free(raw);
	sl_value_set_json(&v, json_string("Zm9v"), sl_schema_primitive("bytes", false));
	char *dec = serialise(c, &v, &rc, err, sizeof(err));
	SL_ASSERT_TEXT(dec, "foo");
	free(dec);
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_bytes_from_value_rejects_structured_values(void)
{
	sl_converter_t *c = new_conv("bytes", NULL, NULL);
	sl_value_t v = {0};
	char err[256] = "";
	int rc;

	sl_value_set_json(&v, J("{\"a\":1}"), J("{\"type\":\"struct\",\"fields\":[]}"));
	CU_ASSERT_PTR_NULL(serialise(c, &v, &rc, err, sizeof(err)));
	CU_ASSERT_EQUAL(rc, -1);
	SL_ASSERT_CONTAINS(err, "bytes converter cannot write a structured value (schema type "
				"struct)");
	sl_value_set_json(&v, J("\"AQ==\""), sl_schema_decimal(0, false));
	CU_ASSERT_PTR_NULL(serialise(c, &v, &rc, err, sizeof(err)));
	CU_ASSERT_EQUAL(rc, -1);
	sl_value_set_json(&v, J("\"!!\""), sl_schema_primitive("bytes", false));
	CU_ASSERT_PTR_NULL(serialise(c, &v, &rc, err, sizeof(err)));
	CU_ASSERT_EQUAL(rc, -1);
	SL_ASSERT_CONTAINS(err, "not valid base64");
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_json_round_trip_through_bytes_converter(void)
{
	/* json -> bytes -> value through the bytes converter keeps the
	 * exact JsonConverter bytes */
	const char *text = "{\"schema\":{\"type\":\"string\",\"optional\":false},"
			   "\"payload\":\"\\u00e9\\n\"}";
	sl_converter_t *json = new_conv("json", NULL, NULL), *bytes = new_conv("bytes", NULL, NULL);
	sl_value_t v = {0}, b = {0};
	char err[256];
	int rc;

	CU_ASSERT_EQUAL_FATAL(
		sl_converter_to_value(json, "t", text, strlen(text), &v, err, sizeof(err)), 0);
	char *ser = serialise(json, &v, &rc, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ser);
	CU_ASSERT_EQUAL(sl_converter_to_value(bytes, "t", ser, strlen(ser), &b, err, sizeof(err)),
			0);
	char *raw = serialise(bytes, &b, &rc, err, sizeof(err));
	SL_ASSERT_TEXT(raw, "{\"schema\":{\"type\":\"string\",\"optional\":false},"
			    "\"payload\":\"\xc3\xa9\\n\"}");
	free(raw);
	sl_value_clear(&b);
	free(ser);
	sl_value_clear(&v);
	sl_converter_free(json);
	sl_converter_free(bytes);
}

/* ---- registration ------------------------------------------------------- */

static CU_TestInfo create_tests[] = {
	{"new accepts short names and Kafka class names",
	 test_new_accepts_short_names_and_kafka_class_names},
	{"new rejects an unknown name, listing the accepted ones",
	 test_new_rejects_unknown_name_listing_accepted_ones},
	{"new rejects a bad schemas.enable with its location",
	 test_new_rejects_bad_schemas_enable_with_its_location},
	{"new shows control characters of a bad value escaped",
	 test_new_shows_control_characters_of_a_bad_value_escaped},
	{"new rejects an unknown key suggesting the closest one",
	 test_new_rejects_unknown_key_suggesting_the_closest_one},
	{"converter keys come from the option table",
	 test_converter_keys_come_from_the_option_table},
	{"new rejects a bad decimal.format and schemas.cache.size",
	 test_new_rejects_bad_decimal_format_and_cache_size},
	{"new accepts known properties case-insensitively",
	 test_new_accepts_known_properties_case_insensitively},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo json_write_tests[] = {
	{"string with schemas has the string envelope",
	 test_json_string_with_schemas_has_string_envelope},
	{"passes through only what it writes as is", test_passes_through_only_what_it_writes_as_is},
	{"string without schemas is a bare JSON string",
	 test_json_string_without_schemas_is_bare_json_string},
	{"bytes are base64 with the bytes schema", test_json_bytes_are_base64_with_bytes_schema},
	{"a null value is a Kafka null in both modes",
	 test_json_null_value_is_kafka_null_in_both_modes},
	{"a null payload with a schema writes payload null",
	 test_json_null_payload_with_schema_writes_payload_null},
	{"a null payload takes its schema's default", test_json_null_payload_takes_schema_default},
	{"a schemaless value has schema null", test_json_schemaless_value_has_null_schema},
	{"a struct matches JsonConverter's bytes", test_json_struct_matches_jsonconverter_bytes},
	{"an integer under a double schema is written as a double",
	 test_json_integer_under_double_schema_is_written_as_double},
	{"schema builders use JsonConverter's member order",
	 test_schema_builders_use_jsonconverter_member_order},
	{"a Decimal payload is base64 by default", test_json_decimal_payload_base64_by_default},
	{"decimal.format=NUMERIC writes BigDecimal text",
	 test_json_decimal_numeric_writes_bigdecimal_text},
	{"a bad NUMERIC Decimal fails and leaves out as it was",
	 test_json_decimal_numeric_bad_payload_fails_and_leaves_out},
	{"a bad NUMERIC Decimal into an empty buffer fails cleanly",
	 test_json_decimal_numeric_bad_payload_into_empty_buffer},
	{"from_value appends without resetting out", test_from_value_appends_without_resetting_out},
	{"Date, Time and Timestamp schemas round trip",
	 test_logical_schemas_date_time_timestamp_round_trip},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo text_tests[] = {
	{"string escapes are Jackson's", test_string_escapes_are_jacksons},
	{"a NUL byte is escaped", test_string_nul_byte_is_escaped},
	{"unicode raw but surrogate pairs escaped",
	 test_string_unicode_raw_but_surrogate_pairs_escaped},
	{"invalid UTF-8 becomes U+FFFD as in Java",
	 test_string_invalid_utf8_becomes_replacement_like_java},
	{"short strings with room escape at every position",
	 test_string_short_with_room_escapes_at_every_position},
	{"long input escapes across chunks", test_string_long_input_escapes_across_chunks},
	{"a special byte is escaped at every offset of a word",
	 test_string_special_byte_at_every_word_offset},
	{"sl_json_write keeps member order and is compact",
	 test_json_write_keeps_member_order_and_is_compact},
	{"doubles format like Double.toString", test_double_formats_like_java_double_tostring},
	{"the plain range is 1e-3 to 1e7", test_double_plain_range_is_1e_minus3_to_1e7},
	{"zero, subnormal and non-finite doubles", test_double_zero_subnormal_and_non_finite},
	{"floats format like Float.toString", test_float_formats_like_java_float_tostring},
	{"a float32 schema writes Float.toString", test_float32_schema_writes_float_tostring},
	{"float32 overflow is a quoted Infinity as Jackson writes it",
	 test_float32_overflow_is_quoted_infinity_like_jackson},
	{"map values and pairs follow their schemas",
	 test_map_schema_values_and_pairs_follow_their_schemas},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo logical_tests[] = {
	{"base64 RFC 4648 vectors", test_base64_rfc4648_vectors},
	{"base64 decode rejects malformed text", test_base64_decode_rejects_malformed_text},
	{"decimal to base64 is big-endian two's complement",
	 test_decimal_to_base64_twos_complement},
	{"decimal to base64 rejects bad text and extra digits",
	 test_decimal_to_base64_rejects_bad_text_and_extra_digits},
	{"decimal from base64 is plain text at scale",
	 test_decimal_from_base64_plain_text_at_scale},
	{"decimal from base64 rejects empty and malformed",
	 test_decimal_from_base64_rejects_empty_and_malformed},
	CU_TEST_INFO_NULL,
};

/* ---- the schema cache: one converter reading many records ---- */

/* Reads text with c and writes it back compactly (for comparisons). */
static char *read_back(sl_converter_t *c, const char *text, char *err, size_t size)
{
	sl_value_t v = {0};
	int rc = sl_converter_to_value(c, "t", text, strlen(text), &v, err, size);
	char *back = NULL;

	if (!rc)
		back = serialise(c, &v, &rc, err, size);
	sl_value_clear(&v);
	return back;
}

static void test_json_read_same_schema_twice_gives_same_value(void)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	const char *a = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
			"\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":"
			"true,\"field\":\"s\"}],\"optional\":false,\"name\":\"x\"},\"payload\":"
			"{\"s\":\"a,}]\\\"{\",\"id\":1}}";
	const char *want = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
			   "\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":"
			   "true,\"field\":\"s\"}],\"optional\":false,\"name\":\"x\"},\"payload\":"
			   "{\"id\":1,\"s\":\"a,}]\\\"{\"}}";
	char err[512] = "";
	for (int i = 0; i < 3; i++) { /* first parse, then cache hits */
		char *back = read_back(c, a, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL(back);
		if (back)
			CU_ASSERT_STRING_EQUAL(back, want);
		free(back);
	}
	sl_converter_free(c);
}

static void test_json_read_many_schemas_evict_without_mixing(void)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	char text[256], want[256], err[512] = "";
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 40; i++) { /* more schemas than the cache holds */
			snprintf(text, sizeof(text),
				 "{\"schema\":{\"type\":\"string\",\"optional\":false,"
				 "\"name\":\"n%d\"},\"payload\":\"v%d\"}",
				 i, i);
			snprintf(want, sizeof(want), "%s", text);
			char *back = read_back(c, text, err, sizeof(err));
			CU_ASSERT_PTR_NOT_NULL(back);
			if (back)
				CU_ASSERT_STRING_EQUAL(back, want);
			free(back);
		}
	}
	sl_converter_free(c);
}

static void test_json_read_cached_schema_still_checks_each_payload(void)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	const char *good = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
			   "\"int32\",\"optional\":false,\"field\":\"id\"}],\"optional\":false},"
			   "\"payload\":{\"id\":1}}";
	const char *bad = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
			  "\"int32\",\"optional\":false,\"field\":\"id\"}],\"optional\":false},"
			  "\"payload\":{\"id\":\"x\"}}";
	char err[512] = "";
	char *back = read_back(c, good, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(back);
	free(back);
	sl_value_t v = {0};
	CU_ASSERT_EQUAL(sl_converter_to_value(c, "t", bad, strlen(bad), &v, err, sizeof(err)), -1);
	SL_ASSERT_CONTAINS(err, "payload.id");
	sl_value_clear(&v);
	sl_converter_free(c);
}

static void test_json_read_extra_member_after_payload_is_refused(void)
{
	sl_converter_t *c = new_conv("json", NULL, NULL);
	const char *text = "{\"schema\":{\"type\":\"string\",\"optional\":false},"
			   "\"payload\":\"a\",\"extra\":1}";
	sl_value_t v = {0};
	char err[512] = "";
	CU_ASSERT_EQUAL(sl_converter_to_value(c, "t", text, strlen(text), &v, err, sizeof(err)),
			-1);
	SL_ASSERT_CONTAINS(err, "may not contain additional fields");
	sl_value_clear(&v);
	sl_converter_free(c);
}

/* A struct of plain fields takes a shortcut once its schema is cached: a
 * payload that fits passes as it is; any other takes the full check and
 * comes out as it did before. */
static void test_json_read_flat_struct_shortcut_changes_nothing(void)
{
	static const char schema[] =
		"{\"type\":\"struct\",\"fields\":[{\"type\":\"int8\",\"optional\":false,"
		"\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"s\"},"
		"{\"type\":\"double\",\"optional\":true,\"default\":1.5,\"field\":\"d\"},"
		"{\"type\":\"boolean\",\"optional\":false,\"field\":\"b\"}],\"optional\":false}";
	static const struct {
		const char *payload, *want; /* want NULL: an error containing err */
		const char *err;
	} cases[] = {
		{"{\"a\":1,\"s\":\"x\",\"d\":2,\"b\":true}",
		 "{\"a\":1,\"s\":\"x\",\"d\":2.0,\"b\":true}"},
		{"{\"s\":\"x\",\"a\":1,\"b\":false,\"d\":0.5}",
		 "{\"a\":1,\"s\":\"x\",\"d\":0.5,\"b\":false}"},
		{"{\"a\":1,\"s\":null,\"d\":null,\"b\":true}",
		 "{\"a\":1,\"s\":null,\"d\":1.5,\"b\":true}"},
		{"{\"a\":1,\"b\":true}", "{\"a\":1,\"s\":null,\"d\":1.5,\"b\":true}"},
		{"{\"a\":1,\"s\":\"x\",\"d\":2,\"b\":true,\"z\":0}",
		 "{\"a\":1,\"s\":\"x\",\"d\":2.0,\"b\":true}"},
		{"{\"a\":200,\"s\":\"x\",\"d\":2,\"b\":true}", NULL, "out of range for int8"},
		{"{\"a\":1.5,\"s\":\"x\",\"d\":2,\"b\":true}", NULL, "payload.a"},
		{"{\"a\":1,\"s\":2,\"d\":2,\"b\":true}", NULL, "payload.s"},
		{"{\"a\":1,\"s\":\"x\",\"d\":\"2\",\"b\":true}", NULL, "payload.d"},
		{"{\"a\":1,\"s\":\"x\",\"d\":2,\"b\":1}", NULL, "payload.b"},
		{"{\"a\":null,\"s\":\"x\",\"d\":2,\"b\":true}", NULL, "null value for required"},
	};
	sl_converter_t *c = new_conv("json", NULL, NULL);
	char text[512], want[512], err[512];

	for (int round = 0; round < 2; round++) { /* the first reading caches the schema */
		for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
			snprintf(text, sizeof(text), "{\"schema\":%s,\"payload\":%s}", schema,
				 cases[i].payload);
			err[0] = '\0';
			char *back = read_back(c, text, err, sizeof(err));
			if (cases[i].want) {
				snprintf(want, sizeof(want), "{\"schema\":%s,\"payload\":%s}",
					 schema, cases[i].want);
				SL_ASSERT_TEXT(back, want);
			} else {
				CU_ASSERT_PTR_NULL(back);
				SL_ASSERT_CONTAINS(err, cases[i].err);
			}
			free(back);
		}
	}
	sl_converter_free(c);
}

static CU_TestInfo json_read_tests[] = {
	{"a flat struct's shortcut changes nothing",
	 test_json_read_flat_struct_shortcut_changes_nothing},
	{"the same schema twice gives the same value",
	 test_json_read_same_schema_twice_gives_same_value},
	{"many schemas evict without mixing", test_json_read_many_schemas_evict_without_mixing},
	{"a cached schema still checks each payload",
	 test_json_read_cached_schema_still_checks_each_payload},
	{"an extra member after payload is refused",
	 test_json_read_extra_member_after_payload_is_refused},
	{"the envelope gives payload and schema", test_json_read_envelope_gives_payload_and_schema},
	{"without schemas the payload is schemaless",
	 test_json_read_without_schemas_gives_schemaless_payload},
	{"nulls give a null value", test_json_read_nulls_give_null_value},
	{"bad envelopes fail with Kafka's message",
	 test_json_read_rejects_bad_envelopes_with_kafka_message},
	{"malformed JSON reports line and column",
	 test_json_read_malformed_json_reports_line_and_column},
	{"a type mismatch names the field path", test_json_read_type_mismatch_names_field_path},
	{"integer ranges are checked", test_json_read_integer_ranges_are_checked},
	{"a required null fails, an absent optional becomes null",
	 test_json_read_required_null_fails_optional_absent_becomes_null},
	{"a struct takes schema order and drops extras",
	 test_json_read_struct_takes_schema_order_and_drops_extras},
	{"a null takes its schema's default", test_json_read_null_takes_schema_default},
	{"bytes and Decimal payloads are checked", test_json_read_checks_bytes_and_decimal},
	{"arrays and maps are normalised inside", test_json_read_normalises_inside_arrays_and_maps},
	{"an empty Decimal is rejected", test_json_read_rejects_empty_decimal},
	{"bad schemas are rejected", test_json_read_rejects_bad_schemas},
	{"maps follow their key schema", test_json_read_maps_by_key_schema},
	{"value -> bytes -> value is identical",
	 test_json_round_trip_value_bytes_value_is_identical},
	{"NUL in strings is kept", test_json_read_keeps_nul_in_strings},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo plain_tests[] = {
	{"string and bytes to_value borrow the bytes", test_string_to_value_borrows_the_bytes},
	{"string from_value writes text raw and JSON compact",
	 test_string_from_value_writes_text_raw_and_json_compact},
	{"string and bytes write a null value as Kafka null",
	 test_string_and_bytes_from_null_value_are_kafka_null},
	{"bytes from_value: raw, and base64 payload of a bytes schema",
	 test_bytes_from_value_raw_and_base64_payload_of_bytes_schema},
	{"bytes from_value rejects structured values",
	 test_bytes_from_value_rejects_structured_values},
	{"json -> bytes -> value through the bytes converter",
	 test_json_round_trip_through_bytes_converter},
	CU_TEST_INFO_NULL,
};

void convert_test_register(void)
{
	sl_test_add_suite("convert_create", NULL, NULL, create_tests);
	sl_test_add_suite("convert_json_write", NULL, NULL, json_write_tests);
	sl_test_add_suite("convert_json_text", NULL, NULL, text_tests);
	sl_test_add_suite("convert_logical", NULL, NULL, logical_tests);
	sl_test_add_suite("convert_json_read", NULL, NULL, json_read_tests);
	sl_test_add_suite("convert_string_bytes", NULL, NULL, plain_tests);
}
