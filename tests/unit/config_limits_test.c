/* Unit tests of what keeps config loading safe at any size and with any
 * bytes: the map's hash index (lookups that do not scan), the source file
 * named for empty configs, text made printable in messages, capped error
 * lists, NUL bytes, libconfig's group size limit, ${file:} read once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"
#include "runner.h"
#include "sluice/config.h"

/* Writes len bytes of text to a new temp file ending in suffix; returns its
 * path (free() it after remove()). */
static char *write_temp(const char *suffix, const char *text, size_t len)
{
	char *path = sl_asprintf("/tmp/sl_config_limits_XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, len) == (ssize_t)len);
	close(fd);
	return path;
}

static void drop_temp(char *path)
{
	remove(path);
	free(path);
}

/* ---- the hash index ------------------------------------------------------- */

static void test_lookups_look_at_few_slots_among_200000_keys(void)
{
	sl_config_t *cfg = sl_config_new();
	char key[64];
	size_t probes = 0, worst = 0, n = 200000;

	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "connector.prop.%zu", i);
		sl_config_set(cfg, key, "v", "big.properties", (int)i + 1);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "connector.prop.%zu", i);
		size_t p = sl_config_probe_length(cfg, key);
		probes += p;
		worst = p > worst ? p : worst;
		if (!sl_config_find(cfg, key) || sl_config_find(cfg, key)->line != (int)i + 1)
			CU_FAIL("a key is missing or maps to the wrong entry");
	}
	/* A scan would look at n/2 entries on average; a hash index at most
	 * half full looks at about 1.5 slots. */
	CU_ASSERT(probes < 3 * n);
	CU_ASSERT(worst < 200);
	CU_ASSERT(sl_config_probe_length(cfg, "absent.key") < 200);
	CU_ASSERT_EQUAL(sl_config_count(cfg), n);
	sl_config_free(cfg);
}

static void test_unset_keeps_every_other_key_findable_in_order(void)
{
	sl_config_t *cfg = sl_config_new();
	char key[32];
	size_t n = 5000;

	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		sl_config_set(cfg, key, key, NULL, 0);
	}
	for (size_t i = 0; i < n; i += 3) {
		snprintf(key, sizeof(key), "k%zu", i);
		CU_ASSERT_TRUE(sl_config_unset(cfg, key));
	}
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		const sl_config_entry_t *e = sl_config_find(cfg, key);
		if (i % 3 == 0) {
			CU_ASSERT_PTR_NULL(e);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_STRING_EQUAL(e->value, key);
		CU_ASSERT_PTR_EQUAL(sl_config_at(cfg, at++), e);
	}
	CU_ASSERT_EQUAL(sl_config_count(cfg), at);
	sl_config_set(cfg, "k0", "again", NULL, 0);
	CU_ASSERT_STRING_EQUAL(sl_config_at(cfg, at)->key, "k0");
	sl_config_free(cfg);
}

/* ---- the source file ------------------------------------------------------- */

static void test_an_empty_file_still_names_its_source(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *p = sl_config_parse_properties("# nothing\n", "e.properties", &errs);
	sl_config_t *j = sl_config_parse_json("{}", "e.json", &errs);
	sl_config_t *c = sl_config_parse_libconfig("", "e.conf", &errs);

	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(sl_config_source(p), "e.properties");
	CU_ASSERT_STRING_EQUAL(sl_config_source(j), "e.json");
	CU_ASSERT_STRING_EQUAL(sl_config_source(c), "e.conf");
	sl_config_t *copy = sl_config_dup(p), *sub = sl_config_subset(p, "x.", true);
	CU_ASSERT_STRING_EQUAL(sl_config_source(copy), "e.properties");
	CU_ASSERT_STRING_EQUAL(sl_config_source(sub), "e.properties");
	sl_config_free(copy);
	sl_config_free(sub);
	sl_config_free(p);
	sl_config_free(j);
	sl_config_free(c);
}

static void test_a_config_made_in_code_has_the_first_file_or_none(void)
{
	sl_config_t *cfg = sl_config_new();

	CU_ASSERT_PTR_NULL(sl_config_source(cfg));
	sl_config_set(cfg, "a", "1", NULL, 0);
	sl_config_set(cfg, "b", "2", "b.conf", 3);
	CU_ASSERT_STRING_EQUAL(sl_config_source(cfg), "b.conf");
	sl_config_set_source(cfg, "main.conf");
	CU_ASSERT_STRING_EQUAL(sl_config_source(cfg), "main.conf");
	sl_config_free(cfg);
}

/* ---- text in messages ------------------------------------------------------ */

static void test_printable_escapes_controls_and_bytes_that_are_not_utf8(void)
{
	char buf[128];

	CU_ASSERT_STRING_EQUAL(sl_config_printable("plain key.name", buf, sizeof(buf)),
			       "plain key.name");
	CU_ASSERT_STRING_EQUAL(sl_config_printable("a\nb\tc\x7f", buf, sizeof(buf)),
			       "a\\x0ab\\x09c\\x7f");
	/* é and € are text; U+0085 (NEL) is a C1 control; 0xff, a lone
	 * continuation byte and an overlong '/' are not UTF-8. */
	CU_ASSERT_STRING_EQUAL(sl_config_printable("\xc3\xa9\xe2\x82\xac", buf, sizeof(buf)),
			       "\xc3\xa9\xe2\x82\xac");
	CU_ASSERT_STRING_EQUAL(sl_config_printable("x\xc2\x85y", buf, sizeof(buf)), "x\\xc2\\x85y");
	CU_ASSERT_STRING_EQUAL(sl_config_printable("\xff\x80\xc0\xaf", buf, sizeof(buf)),
			       "\\xff\\x80\\xc0\\xaf");
	CU_ASSERT_STRING_EQUAL(sl_config_printable("\xe2\x82", buf, sizeof(buf)), "\\xe2\\x82");
}

static void test_printable_cuts_long_text_with_dots(void)
{
	char buf[16], big[1000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_STRING_EQUAL(sl_config_printable(big, buf, sizeof(buf)), "aaaaaaaaaaaa...");
	/* An escape is never cut in half. */
	CU_ASSERT_STRING_EQUAL(sl_config_printable("aaaaaaaaa\x01\x02", buf, sizeof(buf)),
			       "aaaaaaaaa...");
	CU_ASSERT_STRING_EQUAL(sl_config_printable("aaaaaaaa\x01", buf, sizeof(buf)),
			       "aaaaaaaa\\x01");
}

static void test_find_unprintable_points_at_the_first_bad_byte(void)
{
	const char *s = "ok\xc3\xa9\x1b[31m";

	CU_ASSERT_PTR_NULL(sl_config_find_unprintable("name-\xc3\xa9"));
	CU_ASSERT_PTR_EQUAL(sl_config_find_unprintable(s), s + 4);
}

static void test_json_key_in_a_message_is_escaped(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(sl_config_parse_json("{\"a\\u001b[2Jb\": [1]}", "x.json", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "x.json: key 'a\\x1b[2Jb': value is an array; "
					      "expected a string, number or boolean");
	sl_errlist_free(&errs);
}

/* ---- capped error lists ---------------------------------------------------- */

static void test_properties_errors_stop_at_100_and_count_the_rest(void)
{
	sl_buf_t text = {0};
	sl_errlist_t errs = {0};

	for (int i = 0; i < 250; i++)
		sl_buf_appendf(&text, "k%d=\\uZZZZ\n", i);
	CU_ASSERT_PTR_NULL(sl_config_parse_properties(text.data, "bad.properties", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, SL_CONFIG_MAX_ERRORS + 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "bad.properties:1: malformed \\uXXXX escape");
	CU_ASSERT_STRING_EQUAL(errs.items[SL_CONFIG_MAX_ERRORS],
			       "bad.properties: ... and 150 more errors");
	sl_errlist_free(&errs);
	sl_buf_free(&text);
}

static void test_json_errors_stop_at_100_and_count_the_rest(void)
{
	sl_buf_t text = {0};
	sl_errlist_t errs = {0};

	sl_buf_append_str(&text, "{");
	for (int i = 0; i < 101; i++)
		sl_buf_appendf(&text, "%s\"k%d\": {}", i ? "," : "", i);
	sl_buf_append_str(&text, "}");
	CU_ASSERT_PTR_NULL(sl_config_parse_json(text.data, "bad.json", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, SL_CONFIG_MAX_ERRORS + 1);
	CU_ASSERT_STRING_EQUAL(errs.items[SL_CONFIG_MAX_ERRORS], "bad.json: ... and 1 more error");
	sl_errlist_free(&errs);
	sl_buf_free(&text);
}

/* ---- files ----------------------------------------------------------------- */

static void test_load_refuses_a_file_holding_a_nul_byte(void)
{
	sl_errlist_t errs = {0};
	char *path = write_temp(".properties", "a=1\nb=2\0c=3\n", 12);
	char *expected = sl_asprintf("%s:2: holds a NUL byte; a config file must be text", path);

	CU_ASSERT_PTR_NULL(sl_config_load(path, &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0], expected);
	free(expected);
	drop_temp(path);
	sl_errlist_free(&errs);
}

static void test_file_reference_to_a_missing_file_is_read_and_reported_once(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "a", "${file:/nonexistent/sl.properties:k}", "a.json", 0);
	sl_config_set(cfg, "b", "${file:/nonexistent/sl.properties:j}", "a.json", 0);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "a.json: key 'a': cannot read "
					      "/nonexistent/sl.properties: No such file or "
					      "directory");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "a.json: key 'b': /nonexistent/sl.properties "
					      "cannot be used (see above)");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

/* libconfig's own parser takes time quadratic in a group's settings. */
static void test_libconfig_group_of_more_than_25000_settings_is_refused(void)
{
	sl_buf_t text = {0};
	sl_errlist_t errs = {0};

	for (int i = 0; i < 25001; i++)
		sl_buf_appendf(&text, "k%d = \"v=%d\"; # a: b\n", i, i);
	CU_ASSERT_PTR_NULL(sl_config_parse_libconfig(text.data, "big.conf", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0], "big.conf: a group holds more than 25000 "
						     "settings"));
	sl_errlist_free(&errs);
	sl_buf_free(&text);
}

static void test_libconfig_as_many_settings_spread_over_groups_load(void)
{
	sl_buf_t text = {0};
	sl_errlist_t errs = {0};

	for (int g = 0; g < 30; g++) {
		sl_buf_appendf(&text, "g%d = {\n", g);
		for (int i = 0; i < 1000; i++)
			sl_buf_appendf(&text, "  k%d = %d;\n", i, i);
		sl_buf_append_str(&text, "};\n");
	}
	sl_config_t *cfg = sl_config_parse_libconfig(text.data, "wide.conf", &errs);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(sl_config_count(cfg), 30000);
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "g29.k999"), "999");
	sl_config_free(cfg);
	sl_errlist_free(&errs);
	sl_buf_free(&text);
}

void config_limits_test_register(void)
{
	CU_TestInfo tests[] = {
		{"lookups look at few slots among 200,000 keys",
		 test_lookups_look_at_few_slots_among_200000_keys},
		{"unset keeps every other key findable in order",
		 test_unset_keeps_every_other_key_findable_in_order},
		{"an empty file still names its source", test_an_empty_file_still_names_its_source},
		{"a config made in code has the first file or none",
		 test_a_config_made_in_code_has_the_first_file_or_none},
		{"printable escapes controls and bytes that are not UTF-8",
		 test_printable_escapes_controls_and_bytes_that_are_not_utf8},
		{"printable cuts long text with dots", test_printable_cuts_long_text_with_dots},
		{"find_unprintable points at the first bad byte",
		 test_find_unprintable_points_at_the_first_bad_byte},
		{"json key in a message is escaped", test_json_key_in_a_message_is_escaped},
		{"properties errors stop at 100 and count the rest",
		 test_properties_errors_stop_at_100_and_count_the_rest},
		{"json errors stop at 100 and count the rest",
		 test_json_errors_stop_at_100_and_count_the_rest},
		{"load refuses a file holding a NUL byte",
		 test_load_refuses_a_file_holding_a_nul_byte},
		{"file reference to a missing file is read and reported once",
		 test_file_reference_to_a_missing_file_is_read_and_reported_once},
		{"libconfig group of more than 25,000 settings is refused",
		 test_libconfig_group_of_more_than_25000_settings_is_refused},
		{"libconfig as many settings spread over groups load",
		 test_libconfig_as_many_settings_spread_over_groups_load},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("config_limits", NULL, NULL, tests);
}
