/* Unit tests for core/options.c: typed loading through option tables, every
 * validation message, unknown keys with did-you-mean, and list helpers. */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <unistd.h>

#include "describe.h"
#include "runner.h"
#include "sluice/log.h"
#include "sluice/options.h"

typedef struct test_opts {
	char *file;
	int64_t batch;
	bool flag;
	double ratio;
	int tolerance;
	char **topics;
	char *password;
	char *plain;
	char **extra;
	int mode;
} test_opts_t;

static const char *const tolerance_values[] = {"none", "all", NULL};

static const sl_option_t test_table[] = {
	{.name = "file", .type = SL_OPT_STRING, .required = true, SL_OPT_AT(test_opts_t, file)},
	{.name = "batch.size",
	 .type = SL_OPT_INT,
	 .def = "100",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1000),
	 SL_OPT_AT(test_opts_t, batch)},
	{.name = "flag", .type = SL_OPT_BOOL, .def = "false", SL_OPT_AT(test_opts_t, flag)},
	{.name = "ratio",
	 .type = SL_OPT_DOUBLE,
	 .def = "0.5",
	 SL_OPT_MIN(0),
	 SL_OPT_MAX(1),
	 SL_OPT_AT(test_opts_t, ratio)},
	{.name = "errors.tolerance",
	 .type = SL_OPT_ENUM,
	 .def = "none",
	 .enums = tolerance_values,
	 SL_OPT_AT(test_opts_t, tolerance)},
	{.name = "topics", .type = SL_OPT_LIST, .def = " a, b,,c ", SL_OPT_AT(test_opts_t, topics)},
	{.name = "password", .type = SL_OPT_PASSWORD, SL_OPT_AT(test_opts_t, password)},
	{.name = "plain", .type = SL_OPT_STRING, SL_OPT_AT(test_opts_t, plain)},
	{.name = "extra", .type = SL_OPT_LIST, SL_OPT_AT(test_opts_t, extra)},
	{.name = "mode",
	 .type = SL_OPT_ENUM,
	 .enums = tolerance_values,
	 SL_OPT_AT(test_opts_t, mode)},
	{.name = "unstored", .type = SL_OPT_INT, .def = "1"},
	SL_OPT_END,
};

/* A config as if read from c.properties, one key per line. */
static sl_config_t *props(const char *const *kv)
{
	sl_config_t *cfg = sl_config_new();
	int line = 1;

	for (; kv[0]; kv += 2)
		sl_config_set(cfg, kv[0], kv[1], "c.properties", line++);
	return cfg;
}

/* Loads kv into a fresh target and expects exactly one error, text. */
static void expect_one_error(const char *const *kv, const char *text)
{
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	test_opts_t o = {0};

	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, &o, &errs), -1);
	CU_ASSERT_EQUAL(errs.count, 1);
	if (errs.count == 1)
		CU_ASSERT_STRING_EQUAL(errs.items[0], text);
	sl_options_free(test_table, &o);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

/* ---- loading -------------------------------------------------------------- */

static void test_load_stores_defaults_when_keys_are_absent(void)
{
	const char *kv[] = {"file", "/tmp/x", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	test_opts_t o = {0};

	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, &o, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_STRING_EQUAL(o.file, "/tmp/x");
	CU_ASSERT_EQUAL(o.batch, 100);
	CU_ASSERT_FALSE(o.flag);
	CU_ASSERT_DOUBLE_EQUAL(o.ratio, 0.5, 1e-12);
	CU_ASSERT_EQUAL(o.tolerance, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o.topics);
	CU_ASSERT_STRING_EQUAL(o.topics[0], "a");
	CU_ASSERT_STRING_EQUAL(o.topics[1], "b");
	CU_ASSERT_STRING_EQUAL(o.topics[2], "c");
	CU_ASSERT_PTR_NULL(o.topics[3]);
	sl_options_free(test_table, &o);
	sl_config_free(cfg);
}

static void test_load_unset_options_without_default_get_empty_values(void)
{
	const char *kv[] = {"file", "f", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	test_opts_t o = {.password = NULL, .mode = 7};

	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, &o, &errs), 0);
	CU_ASSERT_PTR_NULL(o.password);
	CU_ASSERT_PTR_NULL(o.plain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o.extra);
	CU_ASSERT_PTR_NULL(o.extra[0]);
	CU_ASSERT_EQUAL(o.mode, -1);
	sl_options_free(test_table, &o);
	sl_config_free(cfg);
}

static void test_load_parses_config_values_over_defaults(void)
{
	const char *kv[] = {"file",     "f",      "batch.size",
			    "1000",     "flag",   "TRUE",
			    "ratio",    "0",      "errors.tolerance",
			    "ALL",      "topics", "x",
			    "password", "pw",     "mode",
			    "all",      NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	test_opts_t o = {0};

	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, &o, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_EQUAL(o.batch, 1000);
	CU_ASSERT_TRUE(o.flag);
	CU_ASSERT_DOUBLE_EQUAL(o.ratio, 0.0, 1e-12);
	CU_ASSERT_EQUAL(o.tolerance, 1);
	CU_ASSERT_EQUAL(o.mode, 1);
	CU_ASSERT_STRING_EQUAL(o.topics[0], "x");
	CU_ASSERT_PTR_NULL(o.topics[1]);
	CU_ASSERT_STRING_EQUAL(o.password, "pw");
	sl_options_free(test_table, &o);
	sl_config_free(cfg);
}

static void test_load_with_null_target_only_validates(void)
{
	const char *good[] = {"file", "f", NULL};
	const char *bad[] = {"file", "f", "flag", "maybe", NULL};
	sl_config_t *g = props(good), *b = props(bad);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_load(test_table, g, NULL, &errs), 0);
	CU_ASSERT_EQUAL(sl_options_load(test_table, b, NULL, &errs), -1);
	CU_ASSERT_EQUAL(errs.count, 1);
	sl_errlist_free(&errs);
	sl_config_free(g);
	sl_config_free(b);
}

static void test_int_that_does_not_parse_is_error(void)
{
	const char *kv[] = {"file", "f", "batch.size", "abc", NULL};
	expect_one_error(kv, "c.properties:2: option 'batch.size': 'abc' is not an integer");
}

static void test_int_below_minimum_is_error(void)
{
	const char *kv[] = {"file", "f", "batch.size", "0", NULL};
	expect_one_error(kv, "c.properties:2: option 'batch.size': 0 is below the minimum 1");
}

static void test_int_above_maximum_is_error(void)
{
	const char *kv[] = {"file", "f", "batch.size", "1001", NULL};
	expect_one_error(kv, "c.properties:2: option 'batch.size': 1001 is above the maximum 1000");
}

static void test_double_that_does_not_parse_is_error(void)
{
	const char *kv[] = {"file", "f", "ratio", "half", NULL};
	expect_one_error(kv, "c.properties:2: option 'ratio': 'half' is not a number");
}

static void test_double_out_of_bounds_is_error(void)
{
	const char *above[] = {"file", "f", "ratio", "1.5", NULL};
	const char *below[] = {"ratio", "-0.25", "file", "f", NULL};

	expect_one_error(above, "c.properties:2: option 'ratio': 1.5 is above the maximum 1");
	expect_one_error(below, "c.properties:1: option 'ratio': -0.25 is below the minimum 0");
}

static void test_bool_that_does_not_parse_lists_the_values(void)
{
	const char *kv[] = {"file", "f", "flag", "yes", NULL};
	expect_one_error(kv, "c.properties:2: option 'flag': 'yes' is not one of: true, false");
}

static void test_unknown_enum_value_is_error_listing_the_values(void)
{
	const char *kv[] = {"file", "f", "errors.tolerance", "some", NULL};
	expect_one_error(
		kv, "c.properties:2: option 'errors.tolerance': 'some' is not one of: none, all");
}

static void test_missing_required_option_names_the_file(void)
{
	const char *kv[] = {"topics", "t", NULL};
	expect_one_error(kv, "c.properties: option 'file' is required");
}

static void test_missing_required_option_without_file_says_config(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, NULL, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "<config>: option 'file' is required");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_error_place_follows_the_entry(void)
{
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};

	sl_config_set(cfg, "file", "f", "c.json", 0);
	sl_config_set(cfg, "flag", "1", "c.json", 0);
	sl_config_set(cfg, "ratio", "x", NULL, 0);
	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, NULL, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.json: option 'flag': '1' is not one of: true, false");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "<config>: option 'ratio': 'x' is not a number");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_every_bad_option_is_reported_in_table_order(void)
{
	const char *kv[] = {"errors.tolerance", "x", "flag", "y", "batch.size", "-1", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	test_opts_t o = {0};

	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, &o, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 4);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "c.properties: option 'file' is required");
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[1], "c.properties:3: option 'batch.size'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[2], "c.properties:2: option 'flag'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[3], "c.properties:1: option 'errors.tolerance'"));
	/* Failed options hold empty values, so freeing is safe. */
	CU_ASSERT_PTR_NULL(o.file);
	CU_ASSERT_EQUAL(o.batch, 0);
	sl_options_free(test_table, &o);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_secret_option_value_is_hidden_in_errors(void)
{
	static const sl_option_t secret_table[] = {
		{.name = "token.ttl", .type = SL_OPT_INT},
		SL_OPT_END,
	};
	const char *kv[] = {"token.ttl", "hunter2", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_load(secret_table, cfg, NULL, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:1: option 'token.ttl': '(hidden)' is not an integer");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_free_releases_and_clears_strings_and_lists(void)
{
	const char *kv[] = {"file", "f", "password", "p", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	test_opts_t o = {0};

	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, &o, &errs), 0);
	sl_options_free(test_table, &o);
	CU_ASSERT_PTR_NULL(o.file);
	CU_ASSERT_PTR_NULL(o.password);
	CU_ASSERT_PTR_NULL(o.topics);
	CU_ASSERT_PTR_NULL(o.extra);
	sl_options_free(test_table, &o);
	sl_config_free(cfg);
}

static void test_find_looks_up_by_name(void)
{
	CU_ASSERT_PTR_EQUAL(sl_options_find(test_table, "ratio"), &test_table[3]);
	CU_ASSERT_PTR_NULL(sl_options_find(test_table, "nope"));
}

static void test_type_names(void)
{
	CU_ASSERT_STRING_EQUAL(sl_opt_type_name(SL_OPT_STRING), "string");
	CU_ASSERT_STRING_EQUAL(sl_opt_type_name(SL_OPT_INT), "int");
	CU_ASSERT_STRING_EQUAL(sl_opt_type_name(SL_OPT_BOOL), "bool");
	CU_ASSERT_STRING_EQUAL(sl_opt_type_name(SL_OPT_DOUBLE), "double");
	CU_ASSERT_STRING_EQUAL(sl_opt_type_name(SL_OPT_ENUM), "enum");
	CU_ASSERT_STRING_EQUAL(sl_opt_type_name(SL_OPT_LIST), "list");
	CU_ASSERT_STRING_EQUAL(sl_opt_type_name(SL_OPT_PASSWORD), "password");
}

static void test_strlist_split_trims_and_drops_empty_items(void)
{
	char **l = sl_strlist_split("  one ,two,, ,\tthree\t,");
	char **empty = sl_strlist_split("");
	char **none = sl_strlist_split(NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_STRING_EQUAL(l[0], "one");
	CU_ASSERT_STRING_EQUAL(l[1], "two");
	CU_ASSERT_STRING_EQUAL(l[2], "three");
	CU_ASSERT_PTR_NULL(l[3]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
	CU_ASSERT_PTR_NULL(empty[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(none);
	CU_ASSERT_PTR_NULL(none[0]);
	sl_strlist_free(l);
	sl_strlist_free(empty);
	sl_strlist_free(none);
	sl_strlist_free(NULL);
}

static void test_strlist_split_grows_past_initial_capacity(void)
{
	char **l = sl_strlist_split("a,b,c,d,e,f,g,h,i,j");
	size_t n = 0;

	while (l[n])
		n++;
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_STRING_EQUAL(l[9], "j");
	sl_strlist_free(l);
}

/* ---- unknown keys --------------------------------------------------------- */

static const sl_option_t small_table[] = {
	{.name = "topic", .type = SL_OPT_STRING},
	{.name = "file", .type = SL_OPT_STRING},
	{.name = "batch.size", .type = SL_OPT_INT},
	SL_OPT_END,
};

static const sl_option_t common_table[] = {
	{.name = "name", .type = SL_OPT_STRING},
	{.name = "file", .type = SL_OPT_STRING},
	SL_OPT_END,
};

static void test_unknown_key_suggests_close_name(void)
{
	const sl_option_t *const tables[] = {small_table, common_table, NULL};
	const char *const prefixes[] = {"producer.", NULL};
	const char *kv[] = {"topic", "t", "fiel", "x", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(
		sl_options_check_unknown(tables, prefixes, cfg, "connector 'file-source'", &errs),
		1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(
		errs.items[0],
		"c.properties:2: unknown key 'fiel' for connector 'file-source'; did "
		"you mean 'file'? allowed keys: batch.size, file, name, topic, "
		"producer.*");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_unknown_key_far_from_every_name_has_no_suggestion(void)
{
	const sl_option_t *const tables[] = {small_table, NULL};
	const char *kv[] = {"zzzzzz", "1", "ab", "2", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "the worker", &errs), 2);
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:1: unknown key 'zzzzzz' for the worker; "
			       "allowed keys: batch.size, file, topic");
	CU_ASSERT_PTR_NULL(strstr(errs.items[1], "did you mean"));
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_short_key_gets_a_hint_only_when_half_of_it_matches(void)
{
	static const sl_option_t t[] = {
		{.name = "id", .type = SL_OPT_INT},
		{.name = "file", .type = SL_OPT_STRING},
		SL_OPT_END,
	};
	const sl_option_t *const tables[] = {t, NULL};
	const char *kv[] = {"x", "1", "fi", "2", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "x", &errs), 2);
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:1: unknown key 'x' for x; allowed keys: file, id");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "c.properties:2: unknown key 'fi' for x; did you "
					      "mean 'file'? allowed keys: file, id");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_keys_in_a_table_or_under_a_prefix_are_known(void)
{
	const sl_option_t *const tables[] = {small_table, common_table, NULL};
	const char *const prefixes[] = {"producer.", "transforms.", NULL};
	const char *kv[] = {
		"name", "n",        "producer.acks", "all", "transforms.r.type", "X", "batch.size",
		"1",    "producer", "bare",          NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, prefixes, cfg, "x", &errs), 1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(errs.items[0], "c.properties:5: unknown key 'producer' for x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0], ", producer.*, transforms.*"));
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_suggestion_picks_the_closest_name(void)
{
	static const sl_option_t t[] = {
		{.name = "batch.sizes", .type = SL_OPT_INT},
		{.name = "batch.size", .type = SL_OPT_INT},
		SL_OPT_END,
	};
	const sl_option_t *const tables[] = {t, NULL};
	const char *kv[] = {"batch.siz", "1", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "x", &errs), 1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0], "did you mean 'batch.size'?"));
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_suggestion_tie_goes_to_the_first_name_in_sorted_order(void)
{
	static const sl_option_t t[] = {
		{.name = "film", .type = SL_OPT_STRING},
		{.name = "file", .type = SL_OPT_STRING},
		SL_OPT_END,
	};
	const sl_option_t *const tables[] = {t, NULL};
	const char *kv[] = {"fila", "1", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "x", &errs), 1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0], "did you mean 'file'?"));
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

/* ---- checks, escaping and limits ------------------------------------------ */

static const sl_option_t topic_table[] = {
	{.name = "topic", .type = SL_OPT_STRING, .check = sl_opt_check_topic},
	{.name = "topics", .type = SL_OPT_LIST, .check = sl_opt_check_topic},
	SL_OPT_END,
};

static void test_check_rejects_a_bad_string_and_each_bad_list_item(void)
{
	const char *kv[] = {"topic", "a b", "topics", "ok, ., x/y", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_load(topic_table, cfg, NULL, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 3);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:1: option 'topic': 'a b': a topic name may hold only "
			       "ASCII letters, digits, '.', '_' and '-'");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "c.properties:2: option 'topics': '.': '.' and '..' "
					      "are not allowed as topic names");
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[2], "option 'topics': 'x/y': a topic name"));
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_topic_check_follows_kafka_rules(void)
{
	char why[256], name[300];

	memset(name, 'a', 249);
	name[249] = '\0';
	CU_ASSERT_TRUE(sl_opt_check_topic(name, why, sizeof(why)));
	strcat(name, "a");
	CU_ASSERT_FALSE(sl_opt_check_topic(name, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "a topic name may be at most 249 characters long");
	CU_ASSERT_TRUE(sl_opt_check_topic("Orders_v2.eu-1", why, sizeof(why)));
	CU_ASSERT_TRUE(sl_opt_check_topic("...", why, sizeof(why)));
	CU_ASSERT_FALSE(sl_opt_check_topic("..", why, sizeof(why)));
	CU_ASSERT_FALSE(sl_opt_check_topic("", why, sizeof(why)));
	CU_ASSERT_FALSE(sl_opt_check_topic("caf\xc3\xa9", why, sizeof(why)));
}

static void test_bad_value_is_shown_escaped(void)
{
	const char *kv[] = {"file", "f", "batch.size", "1\nerror: forged", NULL};
	expect_one_error(kv, "c.properties:2: option 'batch.size': '1\\x0aerror: forged' is not "
			     "an integer");
}

static void test_missing_required_option_of_an_empty_file_names_the_file(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_parse_properties("", "empty.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(sl_options_load(test_table, cfg, NULL, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "empty.properties: option 'file' is required");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_unknown_key_of_binary_bytes_is_shown_escaped(void)
{
	const sl_option_t *const tables[] = {small_table, NULL};
	const char *kv[] = {"\x01\xfe\x1b[2J", "1", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "x", &errs), 1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(errs.items[0], "c.properties:1: unknown key '\\x01\\xfe\\x1b[2J' for x;"));
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_unknown_keys_past_100_are_counted_not_listed(void)
{
	const sl_option_t *const tables[] = {small_table, NULL};
	sl_config_t *cfg = sl_config_new();
	sl_errlist_t errs = {0};
	char key[32];

	sl_config_set_source(cfg, "big.properties");
	for (int i = 0; i < 250; i++) {
		snprintf(key, sizeof(key), "unknown.%d", i);
		sl_config_set(cfg, key, "v", "big.properties", i + 1);
	}
	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "x", &errs), 250);
	CU_ASSERT_EQUAL_FATAL(errs.count, SL_CONFIG_MAX_ERRORS + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[99], "big.properties:100: unknown key"));
	CU_ASSERT_STRING_EQUAL(errs.items[100], "big.properties: ... and 150 more unknown keys "
						"for x");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

/* ---- option flags: alias, internal, ignored ------------------------------- */

typedef struct flag_opts {
	char *pk_mode;
	int64_t task_index;
} flag_opts_t;

static const sl_option_t flag_table[] = {
	{.name = "pk.mode",
	 .type = SL_OPT_STRING,
	 .alias = "primary.key.mode",
	 .doc = "How keys are found.",
	 SL_OPT_AT(flag_opts_t, pk_mode)},
	{.name = "task.index",
	 .type = SL_OPT_INT,
	 .def = "0",
	 .internal = true,
	 .doc = "Set by the connector.",
	 SL_OPT_AT(flag_opts_t, task_index)},
	{.name = "max.retries",
	 .type = SL_OPT_INT,
	 .def = "0",
	 .ignored = "the worker retries without limit",
	 .doc = "Kafka Connect JDBC's retry count."},
	SL_OPT_END,
};

static void test_alias_key_fills_the_option(void)
{
	const char *kv[] = {"primary.key.mode", "record_key", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	flag_opts_t o = {0};

	CU_ASSERT_EQUAL(sl_options_load(flag_table, cfg, &o, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o.pk_mode);
	CU_ASSERT_STRING_EQUAL(o.pk_mode, "record_key");
	sl_options_free(flag_table, &o);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_option_set_under_name_and_alias_is_error_naming_both(void)
{
	const char *kv[] = {"pk.mode", "none", "primary.key.mode", "record_key", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	flag_opts_t o = {0};

	CU_ASSERT_EQUAL(sl_options_load(flag_table, cfg, &o, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:1: option 'pk.mode' is also set as its alias "
			       "'primary.key.mode' (c.properties:2); keep one of them");
	CU_ASSERT_PTR_NULL(o.pk_mode);
	sl_options_free(flag_table, &o);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_internal_key_is_refused_in_user_config_and_loaded_from_task_config(void)
{
	const sl_option_t *const tables[] = {flag_table, NULL};
	const char *kv[] = {"task.index", "2", "primary.key.mode", "x", "task.indx", "1", NULL};
	sl_config_t *cfg = props(kv);
	sl_errlist_t errs = {0};
	flag_opts_t o = {0};

	/* the user's config: the alias is known, the internal key refused and
	 * never offered */
	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "connector 'x'", &errs), 1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:1: key 'task.index' is internal to connector 'x': it "
			       "is set in task configs, never by users; remove it");
	CU_ASSERT_STRING_EQUAL(errs.items[1],
			       "c.properties:3: unknown key 'task.indx' for connector 'x'; "
			       "allowed keys: pk.mode, primary.key.mode");
	/* a task config is only loaded */
	CU_ASSERT_EQUAL(sl_options_load(flag_table, cfg, &o, &errs), 0);
	CU_ASSERT_EQUAL(o.task_index, 2);
	sl_options_free(flag_table, &o);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

/* What fn wrote to stderr (the log), malloc()ed. */
static char *stderr_of(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/sluice-options-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);

	sl_log_level_t level = sl_log_get_level();

	sl_log_set_level(SL_LOG_INFO);
	fflush(stderr);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	sl_log_set_level(level);
	close(saved);
	close(fd);
	char *text = sl_file_read_all(path, NULL);
	unlink(path);
	return text ? text : sl_strdup("");
}

static void check_and_log_flag_table(void *cfg)
{
	const sl_option_t *const tables[] = {flag_table, NULL};
	sl_errlist_t errs = {0};

	CU_ASSERT_EQUAL(sl_options_check_unknown(tables, NULL, cfg, "connector 'x'", &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 0);
	sl_options_log_ignored(flag_table, cfg, "x/0");
	sl_errlist_free(&errs);
}

static void test_ignored_key_is_accepted_with_one_notice_saying_why(void)
{
	const char *kv[] = {"max.retries", "3", NULL};
	sl_config_t *cfg = props(kv);
	char *log = stderr_of(check_and_log_flag_table, cfg);
	const char *notice =
		"[x/0] c.properties:1: key max.retries is accepted for compatibility and "
		"not used: the worker retries without limit";
	const char *at = strstr(log, notice);

	CU_ASSERT_PTR_NOT_NULL(at);
	CU_ASSERT(at && !strstr(at + 1, notice));
	free(log);
	sl_config_free(cfg);
}

static void test_docs_show_aliases_hide_internal_keys_and_mark_ignored_ones(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	sl_describe_markdown_table(f, flag_table);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "| `pk.mode` (alias `primary.key.mode`) | string |"));
	CU_ASSERT_PTR_NULL(strstr(text, "task.index"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
		text,
		"| `max.retries` | int | `0` | no | Kafka Connect JDBC's retry count. **Accepted "
		"for compatibility and not used:** the worker retries without limit. |"));
	free(text);
}

void options_test_register(void)
{
	CU_TestInfo tests[] = {
		{"alias key fills the option", test_alias_key_fills_the_option},
		{"option set under name and alias is an error naming both",
		 test_option_set_under_name_and_alias_is_error_naming_both},
		{"internal key is refused in a user config and loaded from a task config",
		 test_internal_key_is_refused_in_user_config_and_loaded_from_task_config},
		{"ignored key is accepted with one notice saying why",
		 test_ignored_key_is_accepted_with_one_notice_saying_why},
		{"docs show aliases, hide internal keys and mark ignored ones",
		 test_docs_show_aliases_hide_internal_keys_and_mark_ignored_ones},
		{"load stores defaults when keys are absent",
		 test_load_stores_defaults_when_keys_are_absent},
		{"load gives unset options without default empty values",
		 test_load_unset_options_without_default_get_empty_values},
		{"load parses config values over defaults",
		 test_load_parses_config_values_over_defaults},
		{"load with NULL target only validates", test_load_with_null_target_only_validates},
		{"int that does not parse is an error", test_int_that_does_not_parse_is_error},
		{"int below minimum is an error", test_int_below_minimum_is_error},
		{"int above maximum is an error", test_int_above_maximum_is_error},
		{"double that does not parse is an error",
		 test_double_that_does_not_parse_is_error},
		{"double out of bounds is an error", test_double_out_of_bounds_is_error},
		{"bool that does not parse lists the values",
		 test_bool_that_does_not_parse_lists_the_values},
		{"unknown enum value is an error listing the values",
		 test_unknown_enum_value_is_error_listing_the_values},
		{"missing required option names the file",
		 test_missing_required_option_names_the_file},
		{"missing required option without file says <config>",
		 test_missing_required_option_without_file_says_config},
		{"error place follows the entry", test_error_place_follows_the_entry},
		{"every bad option is reported in table order",
		 test_every_bad_option_is_reported_in_table_order},
		{"secret option value is hidden in errors",
		 test_secret_option_value_is_hidden_in_errors},
		{"free releases and clears strings and lists",
		 test_free_releases_and_clears_strings_and_lists},
		{"find looks up by name", test_find_looks_up_by_name},
		{"type names", test_type_names},
		{"strlist_split trims and drops empty items",
		 test_strlist_split_trims_and_drops_empty_items},
		{"strlist_split grows past initial capacity",
		 test_strlist_split_grows_past_initial_capacity},
		{"unknown key suggests a close name", test_unknown_key_suggests_close_name},
		{"unknown key far from every name has no suggestion",
		 test_unknown_key_far_from_every_name_has_no_suggestion},
		{"short key gets a hint only when half of it matches",
		 test_short_key_gets_a_hint_only_when_half_of_it_matches},
		{"keys in a table or under a prefix are known",
		 test_keys_in_a_table_or_under_a_prefix_are_known},
		{"suggestion picks the closest name", test_suggestion_picks_the_closest_name},
		{"suggestion tie goes to the first name in sorted order",
		 test_suggestion_tie_goes_to_the_first_name_in_sorted_order},
		{"check rejects a bad string and each bad list item",
		 test_check_rejects_a_bad_string_and_each_bad_list_item},
		{"topic check follows Kafka's rules", test_topic_check_follows_kafka_rules},
		{"bad value is shown escaped", test_bad_value_is_shown_escaped},
		{"missing required option of an empty file names the file",
		 test_missing_required_option_of_an_empty_file_names_the_file},
		{"unknown key of binary bytes is shown escaped",
		 test_unknown_key_of_binary_bytes_is_shown_escaped},
		{"unknown keys past 100 are counted, not listed",
		 test_unknown_keys_past_100_are_counted_not_listed},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("options", NULL, NULL, tests);
}
