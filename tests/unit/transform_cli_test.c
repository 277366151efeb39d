/* Unit tests of `sluice transform`'s record lines (core/transform_cli.c):
 * the converters both ways, the chain in order, drops, errors and bad
 * lines, the output format byte for byte. The chain runs a test transform
 * registered besides the registry's, so that these tests do not depend on
 * any one real transform. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sluice/util.h"
#include "transform.h"
#include "transform_cli.h"

/* TestSuffix: appends its suffix to the topic; drops records of topic
 * "drop", fails on topic "fail". */
static void *suffix_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	const char *suffix = sl_config_get(cfg, "suffix");
	(void)part;
	if (!suffix) {
		sl_errlist_addf(errs, "suffix: is required");
		return NULL;
	}
	return sl_strdup(suffix);
}

static sl_tx_result_t suffix_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				   size_t err_size)
{
	char topic[256];
	if (!strcmp(r->topic, "drop"))
		return SL_TX_DROP;
	if (!strcmp(r->topic, "fail")) {
		snprintf(err, err_size, "refused");
		return SL_TX_ERROR;
	}
	int n = snprintf(topic, sizeof(topic), "%s%s", r->topic, (const char *)state);
	r->topic = sl_tx_intern(cx, topic, (size_t)n);
	return SL_TX_KEEP;
}

static const sl_option_t suffix_options[] = {
	{.name = "suffix", .type = SL_OPT_STRING, .required = true, .doc = "What to append."},
	SL_OPT_END,
};

static const char *const suffix_classes[] = {"test.TestSuffix", NULL};

static const sl_transform_def_t suffix_def = {
	.name = "TestSuffix",
	.classes = suffix_classes,
	.options = suffix_options,
	.doc = "Appends a suffix to the topic.",
	.create = suffix_create,
	.apply = suffix_apply,
	.destroy = free,
};

static int setup(void)
{
	sl_transform_register_extra(&suffix_def);
	return 0;
}

/* A config from NULL-terminated key, value pairs. */
static sl_config_t *config_of(const char *const *kv)
{
	sl_config_t *cfg = sl_config_new();
	for (; kv[0]; kv += 2)
		sl_config_set(cfg, kv[0], kv[1], NULL, 0);
	return cfg;
}

/* Runs one line through a tool made of connector (and worker, may be
 * NULL) and returns the output line (malloc()ed). */
static char *run_one(const char *const *connector, const char *const *worker, const char *line)
{
	sl_config_t *c = config_of(connector), *w = worker ? config_of(worker) : NULL;
	sl_errlist_t errs = {0};
	sl_buf_t out = {0};
	sl_transform_cli_t *cli = sl_transform_cli_new(c, w, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n    unexpected config error: %s", errs.items[i]);
	CU_ASSERT_PTR_NOT_NULL(cli);
	if (cli)
		sl_transform_cli_line(cli, line, strlen(line), &out);
	sl_buf_append(&out, "", 0);
	sl_transform_cli_free(cli);
	sl_errlist_free(&errs);
	sl_config_free(c);
	sl_config_free(w);
	return sl_buf_steal(&out);
}

static const char *const schemaless[] = {"value.converter", "json",
					 "value.converter.schemas.enable", "false", NULL};

static const char *const two_suffixes[] = {"transforms",
					   "a,b",
					   "transforms.a.type",
					   "TestSuffix",
					   "transforms.a.suffix",
					   "-1",
					   "transforms.b.type",
					   "test.TestSuffix",
					   "transforms.b.suffix",
					   "-2",
					   "value.converter",
					   "json",
					   "value.converter.schemas.enable",
					   "false",
					   "key.converter",
					   "string",
					   NULL};

static void test_no_chain_gives_the_record_back_in_the_output_format(void)
{
	char *got =
		run_one(schemaless, NULL,
			"{\"topic\":\"t\",\"partition\":3,\"offset\":7,\"timestamp\":"
			"1700000000000,\"key\":null,\"value\":\"{\\\"b\\\":1,\\\"a\\\": 2.50}\","
			"\"headers\":[{\"key\":\"h\",\"value\":\"v\"},{\"key\":\"n\",\"value\":"
			"null}]}");
	/* the value as JsonConverter writes it again: compact, 2.5 */
	SL_ASSERT_TEXT(got, "{\"topic\":\"t\",\"partition\":3,\"timestamp\":1700000000000,"
			    "\"key\":null,\"value\":\"{\\\"b\\\":1,\\\"a\\\":2.5}\",\"headers\":"
			    "[{\"key\":\"h\",\"value\":\"v\"},{\"key\":\"n\",\"value\":null}]}");
	free(got);
}

static void test_missing_partition_and_timestamp_stay_null(void)
{
	char *got = run_one(schemaless, NULL, "{\"topic\":\"t\",\"value\":\"1\"}");
	SL_ASSERT_TEXT(got, "{\"topic\":\"t\",\"partition\":null,\"timestamp\":null,\"key\":null,"
			    "\"value\":\"1\",\"headers\":[]}");
	free(got);
}

static void test_chain_of_two_applies_in_order(void)
{
	char *got = run_one(two_suffixes, NULL,
			    "{\"topic\":\"t\",\"partition\":0,\"timestamp\":5,\"key\":\"k\","
			    "\"value\":\"{\\\"a\\\":\\\"\\u00e9\\\"}\"}");
	SL_ASSERT_TEXT(got, "{\"topic\":\"t-1-2\",\"partition\":0,\"timestamp\":5,\"key\":\"k\","
			    "\"value\":\"{\\\"a\\\":\\\"\xc3\xa9\\\"}\",\"headers\":[]}");
	free(got);
}

static void test_dropped_and_refused_records(void)
{
	char *got = run_one(two_suffixes, NULL, "{\"topic\":\"drop\",\"value\":null}");
	SL_ASSERT_TEXT(got, "{\"dropped\":true}");
	free(got);
	got = run_one(two_suffixes, NULL, "{\"topic\":\"fail\",\"value\":null}");
	SL_ASSERT_CONTAINS(got, "{\"error\":\"");
	SL_ASSERT_CONTAINS(got, "refused");
	free(got);
}

static void test_schemas_enable_round_trips_the_envelope(void)
{
	static const char *const schemaful[] = {NULL};
	char *got = run_one(schemaful, NULL,
			    "{\"topic\":\"t\",\"partition\":0,\"timestamp\":1,\"value\":"
			    "\"{\\\"schema\\\":{\\\"type\\\":\\\"int32\\\",\\\"optional\\\":false},"
			    "\\\"payload\\\":42}\"}");
	SL_ASSERT_TEXT(got,
		       "{\"topic\":\"t\",\"partition\":0,\"timestamp\":1,\"key\":null,"
		       "\"value\":\"{\\\"schema\\\":{\\\"type\\\":\\\"int32\\\",\\\"optional\\\":"
		       "false},\\\"payload\\\":42}\",\"headers\":[]}");
	free(got);
	/* without the envelope, a schemas.enable converter refuses the value */
	got = run_one(schemaful, NULL, "{\"topic\":\"t\",\"value\":\"{\\\"a\\\":1}\"}");
	SL_ASSERT_CONTAINS(got, "{\"error\":\"value.converter: ");
	free(got);
}

static void test_converters_come_from_the_worker_when_the_connector_names_none(void)
{
	static const char *const worker[] = {"value.converter", "string", NULL};
	static const char *const none[] = {NULL};
	/* not JSON: the json converter would refuse it */
	char *got = run_one(none, worker, "{\"topic\":\"t\",\"value\":\"not json\"}");
	SL_ASSERT_CONTAINS(got, "\"value\":\"not json\"");
	free(got);
	/* the connector's own converter wins, with its own keys */
	static const char *const own[] = {"value.converter", "json",
					  "value.converter.schemas.enable", "false", NULL};
	got = run_one(own, worker, "{\"topic\":\"t\",\"value\":\"not json\"}");
	SL_ASSERT_CONTAINS(got, "{\"error\":\"value.converter: ");
	free(got);
	got = run_one(own, worker, "{\"topic\":\"t\",\"value\":\"{\\\"a\\\":1}\"}");
	SL_ASSERT_CONTAINS(got, "\"value\":\"{\\\"a\\\":1}\"");
	free(got);
	/* the worker's converter keeps its own keys too: a connector's
	 * value.converter.* without value.converter does not reach it */
	static const char *const wjson[] = {"value.converter", "json", NULL};
	static const char *const keys_only[] = {"value.converter.schemas.enable", "false", NULL};
	got = run_one(keys_only, wjson, "{\"topic\":\"t\",\"value\":\"{\\\"a\\\":1}\"}");
	SL_ASSERT_CONTAINS(got, "{\"error\":\"value.converter: ");
	free(got);
}

static void test_bad_lines_each_give_an_error(void)
{
	static const char *const lines[] = {
		"not json",
		"[1]",
		"{\"value\":\"1\"}",
		"{\"topic\":\"\"}",
		"{\"topic\":\"t\",\"partition\":-1}",
		"{\"topic\":\"t\",\"timestamp\":\"now\"}",
		"{\"topic\":\"t\",\"key\":1}",
		"{\"topic\":\"t\",\"headers\":{}}",
		"{\"topic\":\"t\",\"headers\":[{\"value\":\"v\"}]}",
		"{\"topic\":\"t\",\"headers\":[{\"key\":\"h\",\"value\":2}]}",
		"{\"topic\":\"t\",\"valeu\":\"1\"}",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(lines); i++) {
		char *got = run_one(schemaless, NULL, lines[i]);
		if (strncmp(got, "{\"error\":\"", 10))
			fprintf(stderr, "\n    line %s gave %s", lines[i], got);
		CU_ASSERT_EQUAL(strncmp(got, "{\"error\":\"", 10), 0);
		free(got);
	}
	char *got = run_one(schemaless, NULL, "{\"topic\":\"t\",\"valeu\":\"1\"}");
	SL_ASSERT_TEXT(got, "{\"error\":\"unknown field 'valeu'\"}");
	free(got);
}

static void test_bad_config_is_refused_with_every_problem(void)
{
	static const char *const bad[] = {"key.converter",
					  "nosuch",
					  "value.converter",
					  "json",
					  "value.converter.schemas.enable",
					  "maybe",
					  "transforms",
					  "a",
					  "transforms.a.type",
					  "NoSuchTransform",
					  NULL};
	sl_config_t *c = config_of(bad);
	sl_errlist_t errs = {0};
	sl_transform_cli_t *cli = sl_transform_cli_new(c, NULL, &errs);
	CU_ASSERT_PTR_NULL(cli);
	CU_ASSERT_TRUE(errs.count >= 3);
	bool key = false, value = false, tx = false;
	for (size_t i = 0; i < errs.count; i++) {
		key |= strstr(errs.items[i], "option 'key.converter': unknown converter") != NULL;
		value |= strstr(errs.items[i], "schemas.enable") != NULL;
		tx |= strstr(errs.items[i], "transforms.a") != NULL;
	}
	if (!key || !value || !tx)
		for (size_t i = 0; i < errs.count; i++)
			fprintf(stderr, "\n    error: %s", errs.items[i]);
	CU_ASSERT_TRUE(key && value && tx);
	sl_transform_cli_free(cli);
	sl_errlist_free(&errs);
	sl_config_free(c);
}

void transform_cli_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"no_chain_gives_the_record_back_in_the_output_format",
		 test_no_chain_gives_the_record_back_in_the_output_format},
		{"missing_partition_and_timestamp_stay_null",
		 test_missing_partition_and_timestamp_stay_null},
		{"chain_of_two_applies_in_order", test_chain_of_two_applies_in_order},
		{"dropped_and_refused_records", test_dropped_and_refused_records},
		{"schemas_enable_round_trips_the_envelope",
		 test_schemas_enable_round_trips_the_envelope},
		{"converters_come_from_the_worker_when_the_connector_names_none",
		 test_converters_come_from_the_worker_when_the_connector_names_none},
		{"bad_lines_each_give_an_error", test_bad_lines_each_give_an_error},
		{"bad_config_is_refused_with_every_problem",
		 test_bad_config_is_refused_with_every_problem},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("transform_cli", setup, NULL, tests);
}
