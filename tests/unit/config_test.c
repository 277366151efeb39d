/* Unit tests for core/config*.c: the ordered map, the libconfig, .properties
 * and .json loaders, and ${env:...}/${file:...} resolution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "sluice/config.h"

/* ---- helpers -------------------------------------------------------------- */

/* Writes text to a new temp file ending in suffix; returns its path
 * (free() it after remove()). */
static char *write_temp(const char *suffix, const char *text)
{
	char *path = sl_asprintf("/tmp/sl_config_test_XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void drop_temp(char *path)
{
	remove(path);
	free(path);
}

/* The keys of cfg in order, comma-joined (malloc()ed). */
static char *keys_of(const sl_config_t *cfg)
{
	sl_buf_t b = {0};

	sl_buf_append_str(&b, "");
	for (size_t i = 0; i < sl_config_count(cfg); i++)
		sl_buf_appendf(&b, "%s%s", i ? "," : "", sl_config_at(cfg, i)->key);
	return sl_buf_steal(&b);
}

#define ASSERT_KEYS(cfg, expected)                                                                 \
	do {                                                                                       \
		char *k_ = keys_of(cfg);                                                           \
		CU_ASSERT_STRING_EQUAL(k_, expected);                                              \
		free(k_);                                                                          \
	} while (0)

#define ASSERT_ENTRY(cfg, k, v, ln)                                                                \
	do {                                                                                       \
		const sl_config_entry_t *e_ = sl_config_find(cfg, k);                              \
		CU_ASSERT_PTR_NOT_NULL(e_);                                                        \
		if (e_) {                                                                          \
			CU_ASSERT_STRING_EQUAL(e_->value, v);                                      \
			CU_ASSERT_EQUAL(e_->line, ln);                                             \
		}                                                                                  \
	} while (0)

#define ASSERT_ONE_ERROR(errs, text)                                                               \
	do {                                                                                       \
		CU_ASSERT_EQUAL((errs).count, 1);                                                  \
		if ((errs).count >= 1)                                                             \
			CU_ASSERT_STRING_EQUAL((errs).items[0], text);                             \
	} while (0)

/* ---- the map -------------------------------------------------------------- */

static void test_set_replaces_value_in_place_keeping_order(void)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "a", "1", "f", 1);
	sl_config_set(cfg, "b", "2", "f", 2);
	sl_config_set(cfg, "c", "3", "f", 3);
	sl_config_set(cfg, "a", "new", "g", 9);
	ASSERT_KEYS(cfg, "a,b,c");
	CU_ASSERT_EQUAL(sl_config_count(cfg), 3);
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "a"), "new");
	CU_ASSERT_STRING_EQUAL(sl_config_find(cfg, "a")->file, "g");
	CU_ASSERT_EQUAL(sl_config_find(cfg, "a")->line, 9);
	CU_ASSERT_PTR_NULL(sl_config_get(cfg, "missing"));
	sl_config_free(cfg);
}

static void test_set_accepts_its_own_current_value(void)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "a", "value", "file", 4);
	const sl_config_entry_t *e = sl_config_find(cfg, "a");
	sl_config_set(cfg, "a", e->value, e->file, e->line);
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "a"), "value");
	CU_ASSERT_STRING_EQUAL(sl_config_find(cfg, "a")->file, "file");
	sl_config_free(cfg);
}

static void test_set_in_code_has_no_file(void)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "a", "1", NULL, 0);
	CU_ASSERT_PTR_NULL(sl_config_find(cfg, "a")->file);
	sl_config_free(cfg);
}

static void test_unset_removes_key_and_keeps_order_of_the_rest(void)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "a", "1", NULL, 0);
	sl_config_set(cfg, "b", "2", NULL, 0);
	sl_config_set(cfg, "c", "3", NULL, 0);
	CU_ASSERT_TRUE(sl_config_unset(cfg, "b"));
	CU_ASSERT_FALSE(sl_config_unset(cfg, "b"));
	ASSERT_KEYS(cfg, "a,c");
	CU_ASSERT_PTR_NULL(sl_config_at(cfg, 2));
	sl_config_free(cfg);
}

static void test_found_entry_stays_valid_while_keys_are_added(void)
{
	sl_config_t *cfg = sl_config_new();
	char key[32];

	sl_config_set(cfg, "first", "1", "f", 1);
	const sl_config_entry_t *e = sl_config_find(cfg, "first");
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		sl_config_set(cfg, key, "v", NULL, 0);
	}
	CU_ASSERT_STRING_EQUAL(e->key, "first");
	CU_ASSERT_PTR_EQUAL(e, sl_config_find(cfg, "first"));
	CU_ASSERT_EQUAL(sl_config_count(cfg), 201);
	sl_config_free(cfg);
}

static void test_subset_with_strip_removes_prefix(void)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "producer.linger.ms", "5", "f", 1);
	sl_config_set(cfg, "topic", "t", "f", 2);
	sl_config_set(cfg, "producer.acks", "all", "f", 3);
	sl_config_set(cfg, "producer.", "x", "f", 4);
	sl_config_t *stripped = sl_config_subset(cfg, "producer.", true);
	sl_config_t *kept = sl_config_subset(cfg, "producer.", false);
	ASSERT_KEYS(stripped, "linger.ms,acks");
	ASSERT_ENTRY(stripped, "acks", "all", 3);
	ASSERT_KEYS(kept, "producer.linger.ms,producer.acks,producer.");
	sl_config_free(stripped);
	sl_config_free(kept);
	sl_config_free(cfg);
}

static void test_dup_copies_entries_independently(void)
{
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "a", "1", "f", 1);
	sl_config_set(cfg, "b", "2", NULL, 0);
	sl_config_t *copy = sl_config_dup(cfg);
	sl_config_set(cfg, "a", "changed", NULL, 0);
	ASSERT_KEYS(copy, "a,b");
	ASSERT_ENTRY(copy, "a", "1", 1);
	CU_ASSERT_STRING_EQUAL(sl_config_find(copy, "a")->file, "f");
	sl_config_free(cfg);
	sl_config_free(copy);
}

static void test_where_formats_file_line_or_file_or_config(void)
{
	char buf[64];
	sl_config_entry_t with_line = {.key = "k", .value = "v", .file = "a.conf", .line = 7};
	sl_config_entry_t no_line = {.key = "k", .value = "v", .file = "a.json", .line = 0};
	sl_config_entry_t in_code = {.key = "k", .value = "v", .file = NULL, .line = 0};

	CU_ASSERT_STRING_EQUAL(sl_config_where(&with_line, buf, sizeof(buf)), "a.conf:7");
	CU_ASSERT_STRING_EQUAL(sl_config_where(&no_line, buf, sizeof(buf)), "a.json");
	CU_ASSERT_STRING_EQUAL(sl_config_where(&in_code, buf, sizeof(buf)), "<config>");
	CU_ASSERT_STRING_EQUAL(sl_config_where(NULL, buf, sizeof(buf)), "<config>");
}

static void test_key_is_secret_matches_markers_case_insensitively(void)
{
	CU_ASSERT_TRUE(sl_config_key_is_secret("database.password"));
	CU_ASSERT_TRUE(sl_config_key_is_secret("aws.Secret.Key"));
	CU_ASSERT_TRUE(sl_config_key_is_secret("auth.TOKEN"));
	CU_ASSERT_TRUE(sl_config_key_is_secret("producer.sasl.jaas.config"));
	CU_ASSERT_TRUE(sl_config_key_is_secret("ssl.key.password"));
	CU_ASSERT_TRUE(sl_config_key_is_secret("SSL.KEYSTORE.KEY"));
	CU_ASSERT_FALSE(sl_config_key_is_secret("topic"));
	CU_ASSERT_FALSE(sl_config_key_is_secret("batch.size"));
	CU_ASSERT_FALSE(sl_config_key_is_secret("sasl.mechanism"));
}

/* ---- libconfig ------------------------------------------------------------ */

static void test_libconfig_nested_groups_join_with_dots(void)
{
	sl_errlist_t errs = {0};
	const char *text = "name = \"orders\";\n"
			   "connector = { class = \"file-source\"; };\n"
			   "tasks = {\n  max = 1;\n};\n"
			   "key = { converter = { schemas = { enable = false; }; }; };\n";
	sl_config_t *cfg = sl_config_parse_libconfig(text, "a.conf", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(errs.count, 0);
	ASSERT_KEYS(cfg, "name,connector.class,tasks.max,key.converter.schemas.enable");
	ASSERT_ENTRY(cfg, "name", "orders", 1);
	ASSERT_ENTRY(cfg, "connector.class", "file-source", 2);
	ASSERT_ENTRY(cfg, "tasks.max", "1", 4);
	ASSERT_ENTRY(cfg, "key.converter.schemas.enable", "false", 6);
	CU_ASSERT_STRING_EQUAL(sl_config_find(cfg, "tasks.max")->file, "a.conf");
	sl_config_free(cfg);
}

static void test_libconfig_self_member_sets_the_group_key_itself(void)
{
	sl_errlist_t errs = {0};
	const char *text = "value = { converter = { self = \"json\";\n"
			   "  schemas = { enable = false; }; }; };\n";
	sl_config_t *cfg = sl_config_parse_libconfig(text, "w.conf", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(errs.count, 0);
	ASSERT_KEYS(cfg, "value.converter,value.converter.schemas.enable");
	ASSERT_ENTRY(cfg, "value.converter", "json", 1);
	ASSERT_ENTRY(cfg, "value.converter.schemas.enable", "false", 2);
	sl_config_free(cfg);
}

static void test_libconfig_scalars_become_their_string_form(void)
{
	sl_errlist_t errs = {0};
	const char *text = "i = -42;\n"
			   "l = 5000000000L;\n"
			   "h = 0x1F;\n"
			   "f = 0.1;\n"
			   "g = 2.5e10;\n"
			   "w = 3.0;\n"
			   "t = true;\n"
			   "u = FALSE;\n"
			   "s = \"a \\\"quoted\\\" text\";\n";
	sl_config_t *cfg = sl_config_parse_libconfig(text, "a.conf", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_ENTRY(cfg, "i", "-42", 1);
	ASSERT_ENTRY(cfg, "l", "5000000000", 2);
	ASSERT_ENTRY(cfg, "h", "31", 3);
	ASSERT_ENTRY(cfg, "f", "0.1", 4);
	ASSERT_ENTRY(cfg, "g", "2.5e+10", 5);
	ASSERT_ENTRY(cfg, "w", "3", 6);
	ASSERT_ENTRY(cfg, "t", "true", 7);
	ASSERT_ENTRY(cfg, "u", "false", 8);
	ASSERT_ENTRY(cfg, "s", "a \"quoted\" text", 9);
	sl_config_free(cfg);
}

static void test_libconfig_arrays_and_lists_become_comma_lists(void)
{
	sl_errlist_t errs = {0};
	const char *text = "topics = [\"a\", \"b\"];\n"
			   "mixed = (\"x\", 2, true);\n"
			   "none = ();\n"
			   "ports = [1, 2, 3];\n";
	sl_config_t *cfg = sl_config_parse_libconfig(text, "a.conf", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_ENTRY(cfg, "topics", "a,b", 1);
	ASSERT_ENTRY(cfg, "mixed", "x,2,true", 2);
	ASSERT_ENTRY(cfg, "none", "", 3);
	ASSERT_ENTRY(cfg, "ports", "1,2,3", 4);
	sl_config_free(cfg);
}

static void test_libconfig_transforms_list_becomes_aliases_and_prefixed_keys(void)
{
	sl_errlist_t errs = {0};
	const char *text = "name = \"x\";\n"
			   "transforms = (\n"
			   "  { name = \"route\";\n"
			   "    type = \"RegexRouter\";\n"
			   "    regex = \"a\"; },\n"
			   "  { name = \"mask\"; type = \"MaskField\"; fields = [\"p\", \"q\"];\n"
			   "    opts = { deep = 1; }; }\n"
			   ");\n"
			   "topic = \"t\";\n";
	sl_config_t *cfg = sl_config_parse_libconfig(text, "a.conf", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "name,transforms,transforms.route.type,transforms.route.regex,"
			 "transforms.mask.type,transforms.mask.fields,transforms.mask.opts.deep,"
			 "topic");
	ASSERT_ENTRY(cfg, "transforms", "route,mask", 2);
	ASSERT_ENTRY(cfg, "transforms.route.type", "RegexRouter", 4);
	ASSERT_ENTRY(cfg, "transforms.route.regex", "a", 5);
	ASSERT_ENTRY(cfg, "transforms.mask.fields", "p,q", 6);
	ASSERT_ENTRY(cfg, "transforms.mask.opts.deep", "1", 7);
	CU_ASSERT_PTR_NULL(sl_config_find(cfg, "transforms.route.name"));
	sl_config_free(cfg);
}

static void test_libconfig_predicates_list_becomes_aliases_and_prefixed_keys(void)
{
	sl_errlist_t errs = {0};
	const char *text = "predicates = ({ name = \"isFoo\"; type = \"TopicNameMatches\";\n"
			   "  pattern = \"foo.*\"; });\n";
	sl_config_t *cfg = sl_config_parse_libconfig(text, "a.conf", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "predicates,predicates.isFoo.type,predicates.isFoo.pattern");
	ASSERT_ENTRY(cfg, "predicates", "isFoo", 1);
	ASSERT_ENTRY(cfg, "predicates.isFoo.pattern", "foo.*", 2);
	sl_config_free(cfg);
}

static void test_libconfig_list_of_groups_elsewhere_is_error_with_line(void)
{
	sl_errlist_t errs = {0};
	const char *text = "a = 1;\n"
			   "b = { transforms = ({ name = \"x\"; }); };\n";

	CU_ASSERT_PTR_NULL(sl_config_parse_libconfig(text, "a.conf", &errs));
	ASSERT_ONE_ERROR(errs, "a.conf:2: key 'b.transforms': a list may hold only scalars (a "
			       "list of groups is allowed only for transforms and predicates)");
	sl_errlist_free(&errs);
}

static void test_libconfig_transform_without_name_is_error(void)
{
	sl_errlist_t errs = {0};
	const char *text = "transforms = (\n  { name = \"ok\"; },\n  { type = \"X\"; }\n);\n";

	CU_ASSERT_PTR_NULL(sl_config_parse_libconfig(text, "a.conf", &errs));
	ASSERT_ONE_ERROR(errs, "a.conf:3: key 'transforms': element 1 needs a member 'name' "
			       "holding a non-empty string without ',' or '.'");
	sl_errlist_free(&errs);
}

static void test_libconfig_duplicate_transform_name_is_error(void)
{
	sl_errlist_t errs = {0};
	const char *text = "transforms = (\n  { name = \"r\"; },\n  { name = \"r\"; }\n);\n";

	CU_ASSERT_PTR_NULL(sl_config_parse_libconfig(text, "a.conf", &errs));
	ASSERT_ONE_ERROR(errs, "a.conf:3: key 'transforms': duplicate name 'r'");
	sl_errlist_free(&errs);
}

static void test_libconfig_reports_every_flattening_error(void)
{
	sl_errlist_t errs = {0};
	const char *text = "x = ({ a = 1; });\ny = 2;\nz = ([1]);\n";

	CU_ASSERT_PTR_NULL(sl_config_parse_libconfig(text, "a.conf", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0], "a.conf:1: key 'x': "));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[1], "a.conf:3: key 'z': "));
	sl_errlist_free(&errs);
}

static void test_libconfig_syntax_error_names_file_and_line(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(sl_config_parse_libconfig("a = 1;\n\nb = ;\n", "bad.conf", &errs));
	ASSERT_ONE_ERROR(errs, "bad.conf:3: syntax error");
	sl_errlist_free(&errs);
}

static void test_libconfig_duplicate_setting_is_syntax_error(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(sl_config_parse_libconfig("a = 1;\na = 2;\n", "dup.conf", &errs));
	ASSERT_ONE_ERROR(errs, "dup.conf:2: syntax error: duplicate setting name");
	sl_errlist_free(&errs);
}

static void test_libconfig_include_is_relative_to_the_file(void)
{
	sl_errlist_t errs = {0};
	char dir[] = "/tmp/sl_config_test_XXXXXX";

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *main_path = sl_asprintf("%s/main.conf", dir);
	char *inc_path = sl_asprintf("%s/inc.conf", dir);
	FILE *f = fopen(main_path, "w");
	fputs("a = 1;\n@include \"inc.conf\"\n", f);
	fclose(f);
	f = fopen(inc_path, "w");
	fputs("\nb = { c = 2; };\n", f);
	fclose(f);
	sl_config_t *cfg = sl_config_load(main_path, &errs);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	if (cfg) {
		ASSERT_ENTRY(cfg, "b.c", "2", 2);
		CU_ASSERT_STRING_EQUAL(sl_config_find(cfg, "b.c")->file, inc_path);
		CU_ASSERT_STRING_EQUAL(sl_config_find(cfg, "a")->file, main_path);
	}
	sl_config_free(cfg);
	remove(main_path);
	remove(inc_path);
	rmdir(dir);
	free(main_path);
	free(inc_path);
	sl_errlist_free(&errs);
}

/* ---- .properties ---------------------------------------------------------- */

static void test_properties_accepts_equals_colon_and_blank_separators(void)
{
	sl_errlist_t errs = {0};
	const char *text = "a=1\nb: 2\nc 3\n  d = 4\ne\t=\t5\nf :=6\ng\nh=\n";
	sl_config_t *cfg = sl_config_parse_properties(text, "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "a,b,c,d,e,f,g,h");
	ASSERT_ENTRY(cfg, "a", "1", 1);
	ASSERT_ENTRY(cfg, "b", "2", 2);
	ASSERT_ENTRY(cfg, "c", "3", 3);
	ASSERT_ENTRY(cfg, "d", "4", 4);
	ASSERT_ENTRY(cfg, "e", "5", 5);
	ASSERT_ENTRY(cfg, "f", "=6", 6);
	ASSERT_ENTRY(cfg, "g", "", 7);
	ASSERT_ENTRY(cfg, "h", "", 8);
	CU_ASSERT_STRING_EQUAL(sl_config_find(cfg, "a")->file, "c.properties");
	sl_config_free(cfg);
}

static void test_properties_skips_comments_and_blank_lines(void)
{
	sl_errlist_t errs = {0};
	const char *text =
		"# comment\n! also = comment\n\n   \n  # indented\nkey=v # not a comment\n";
	sl_config_t *cfg = sl_config_parse_properties(text, "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "key");
	ASSERT_ENTRY(cfg, "key", "v # not a comment", 6);
	sl_config_free(cfg);
}

static void test_properties_continuation_drops_leading_blanks_and_keeps_key_line(void)
{
	sl_errlist_t errs = {0};
	const char *text = "x=1\nlist = a,\\\n     b,\\\n\tc\ny=2\n";
	sl_config_t *cfg = sl_config_parse_properties(text, "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "x,list,y");
	ASSERT_ENTRY(cfg, "list", "a,b,c", 2);
	ASSERT_ENTRY(cfg, "y", "2", 5);
	sl_config_free(cfg);
}

static void test_properties_even_backslashes_do_not_continue(void)
{
	sl_errlist_t errs = {0};
	const char *text = "path=c:\\\\dir\\\\\nnext=1\n";
	sl_config_t *cfg = sl_config_parse_properties(text, "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_ENTRY(cfg, "path", "c:\\dir\\", 1);
	ASSERT_ENTRY(cfg, "next", "1", 2);
	sl_config_free(cfg);
}

static void test_properties_comment_ending_in_backslash_does_not_continue(void)
{
	sl_errlist_t errs = {0};
	const char *text = "# comment \\\nkey=v\n";
	sl_config_t *cfg = sl_config_parse_properties(text, "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_ENTRY(cfg, "key", "v", 2);
	sl_config_free(cfg);
}

static void test_properties_decodes_escapes(void)
{
	sl_errlist_t errs = {0};
	const char *text = "tab=a\\tb\nnl=a\\nb\\r\\f\nkey\\ with\\=odd\\:chars=v\n"
			   "u=\\u00e9\\u20AC\nemoji=\\uD83D\\uDE00\nother=\\q\\\\\n";
	sl_config_t *cfg = sl_config_parse_properties(text, "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_ENTRY(cfg, "tab", "a\tb", 1);
	ASSERT_ENTRY(cfg, "nl", "a\nb\r\f", 2);
	ASSERT_ENTRY(cfg, "key with=odd:chars", "v", 3);
	ASSERT_ENTRY(cfg, "u", "\xc3\xa9\xe2\x82\xac", 4);
	ASSERT_ENTRY(cfg, "emoji", "\xf0\x9f\x98\x80", 5);
	ASSERT_ENTRY(cfg, "other", "q\\", 6);
	sl_config_free(cfg);
}

static void test_properties_keeps_trailing_whitespace_of_values(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_parse_properties("a = b  \t\n", "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_ENTRY(cfg, "a", "b  \t", 1);
	sl_config_free(cfg);
}

static void test_properties_accepts_crlf_and_cr_line_ends(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_parse_properties("a=1\r\nb=2\rc=3\r\n", "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_ENTRY(cfg, "a", "1", 1);
	ASSERT_ENTRY(cfg, "b", "2", 2);
	ASSERT_ENTRY(cfg, "c", "3", 3);
	sl_config_free(cfg);
}

static void test_properties_later_duplicate_replaces_in_place(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_parse_properties("a=1\nb=2\na=3\n", "c.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "a,b");
	ASSERT_ENTRY(cfg, "a", "3", 3);
	sl_config_free(cfg);
}

static void test_properties_malformed_unicode_escape_is_error_with_line(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(
		sl_config_parse_properties("a=1\nb=\\u12G4\nc=\\u12\n", "c.properties", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "c.properties:2: malformed \\uXXXX escape");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "c.properties:3: malformed \\uXXXX escape");
	sl_errlist_free(&errs);
}

static void test_properties_unpaired_surrogate_and_nul_are_errors(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(
		sl_config_parse_properties("a=\\uD83Dx\nb=\\u0000\n", "c.properties", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:1: \\u escape is an unpaired UTF-16 surrogate");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "c.properties:2: \\u0000 is not allowed");
	sl_errlist_free(&errs);
}

/* ---- .json ---------------------------------------------------------------- */

static void test_json_rest_form_takes_config_with_name_first(void)
{
	sl_errlist_t errs = {0};
	const char *text =
		"{\"name\": \"orders\",\n \"config\": {\"connector.class\": \"file-source\",\n"
		"  \"tasks.max\": 2}}";
	sl_config_t *cfg = sl_config_parse_json(text, "c.json", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "name,connector.class,tasks.max");
	ASSERT_ENTRY(cfg, "name", "orders", 0);
	ASSERT_ENTRY(cfg, "tasks.max", "2", 0);
	CU_ASSERT_STRING_EQUAL(sl_config_find(cfg, "tasks.max")->file, "c.json");
	sl_config_free(cfg);
}

static void test_json_rest_form_keeps_name_given_in_config(void)
{
	sl_errlist_t errs = {0};
	const char *text = "{\"name\": \"n\", \"config\": {\"topic\": \"t\", \"name\": \"n\"},"
			   " \"tasks\": [], \"type\": \"source\"}";
	sl_config_t *cfg = sl_config_parse_json(text, "c.json", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "topic,name");
	sl_config_free(cfg);
}

static void test_json_rest_form_name_mismatch_is_error(void)
{
	sl_errlist_t errs = {0};
	const char *text = "{\"name\": \"a\", \"config\": {\"name\": \"b\"}}";

	CU_ASSERT_PTR_NULL(sl_config_parse_json(text, "c.json", &errs));
	ASSERT_ONE_ERROR(errs, "c.json: \"name\" is 'a' but config.name is 'b'");
	sl_errlist_free(&errs);
}

static void test_json_rest_form_unexpected_member_is_error(void)
{
	sl_errlist_t errs = {0};
	const char *text = "{\"name\": \"a\", \"config\": {}, \"extra\": 1}";

	CU_ASSERT_PTR_NULL(sl_config_parse_json(text, "c.json", &errs));
	ASSERT_ONE_ERROR(
		errs,
		"c.json: unexpected top-level member 'extra' (expected \"name\" and \"config\")");
	sl_errlist_free(&errs);
}

static void test_json_flat_object_stringifies_scalars(void)
{
	sl_errlist_t errs = {0};
	const char *text = "{\"s\": \"x\", \"i\": -7, \"big\": 5000000000, \"r\": 0.25,"
			   " \"t\": true, \"f\": false}";
	sl_config_t *cfg = sl_config_parse_json(text, "c.json", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	ASSERT_KEYS(cfg, "s,i,big,r,t,f");
	ASSERT_ENTRY(cfg, "s", "x", 0);
	ASSERT_ENTRY(cfg, "i", "-7", 0);
	ASSERT_ENTRY(cfg, "big", "5000000000", 0);
	ASSERT_ENTRY(cfg, "r", "0.25", 0);
	ASSERT_ENTRY(cfg, "t", "true", 0);
	ASSERT_ENTRY(cfg, "f", "false", 0);
	sl_config_free(cfg);
}

static void test_json_nested_values_are_errors_naming_the_key(void)
{
	sl_errlist_t errs = {0};
	const char *text = "{\"config\": {\"a\": {\"x\": 1}, \"b\": [1], \"c\": null, \"d\": 1}}";

	CU_ASSERT_PTR_NULL(sl_config_parse_json(text, "c.json", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 3);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "c.json: key 'a': value is an object; expected a "
					      "string, number or boolean");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "c.json: key 'b': value is an array; expected a "
					      "string, number or boolean");
	CU_ASSERT_STRING_EQUAL(
		errs.items[2],
		"c.json: key 'c': value is null; expected a string, number or boolean");
	sl_errlist_free(&errs);
}

static void test_json_syntax_error_has_line_and_column(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(sl_config_parse_json("{\"a\": 1,\n \"b\": }", "c.json", &errs));
	ASSERT_ONE_ERROR(errs, "c.json:2:7: syntax error: unexpected token near '}'");
	sl_errlist_free(&errs);
}

static void test_json_duplicate_key_is_error(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(sl_config_parse_json("{\"a\": 1,\n \"a\": 2}", "c.json", &errs));
	ASSERT_ONE_ERROR(errs, "c.json:2:4: syntax error: duplicate object key near '\"a\"'");
	sl_errlist_free(&errs);
}

static void test_json_top_level_must_be_object_and_config_an_object(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(sl_config_parse_json("[1, 2]", "c.json", &errs));
	CU_ASSERT_PTR_NULL(sl_config_parse_json("{\"config\": \"x\"}", "d.json", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(errs.items[0], "c.json: expected a JSON object");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "d.json: \"config\" must be an object");
	sl_errlist_free(&errs);
}

/* ---- loading files -------------------------------------------------------- */

static void test_load_picks_the_format_by_extension(void)
{
	sl_errlist_t errs = {0};
	char *props = write_temp(".properties", "a.b = 1\n");
	char *json = write_temp(".json", "{\"a.b\": 2}");
	char *conf = write_temp(".conf", "a = { b = 3; };\n");
	char *other = write_temp(".txt", "a = { b = 4; };\n");
	sl_config_t *p = sl_config_load(props, &errs);
	sl_config_t *j = sl_config_load(json, &errs);
	sl_config_t *c = sl_config_load(conf, &errs);
	sl_config_t *o = sl_config_load(other, &errs);

	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT(p && j && c && o);
	if (p && j && c && o) {
		ASSERT_ENTRY(p, "a.b", "1", 1);
		ASSERT_ENTRY(j, "a.b", "2", 0);
		ASSERT_ENTRY(c, "a.b", "3", 1);
		ASSERT_ENTRY(o, "a.b", "4", 1);
		CU_ASSERT_STRING_EQUAL(sl_config_at(c, 0)->file, conf);
	}
	sl_errlist_free(&errs);
	sl_config_free(p);
	sl_config_free(j);
	sl_config_free(c);
	sl_config_free(o);
	drop_temp(props);
	drop_temp(json);
	drop_temp(conf);
	drop_temp(other);
}

static void test_load_missing_file_says_cannot_read(void)
{
	sl_errlist_t errs = {0};

	CU_ASSERT_PTR_NULL(sl_config_load("/nonexistent/sl/x.conf", &errs));
	ASSERT_ONE_ERROR(errs, "/nonexistent/sl/x.conf: cannot read: No such file or directory");
	sl_errlist_free(&errs);
}

static void test_load_syntax_error_names_the_path(void)
{
	sl_errlist_t errs = {0};
	char *conf = write_temp(".conf", "a = 1;\nb = ;\n");
	char *expected = sl_asprintf("%s:2: syntax error", conf);

	CU_ASSERT_PTR_NULL(sl_config_load(conf, &errs));
	ASSERT_ONE_ERROR(errs, expected);
	free(expected);
	drop_temp(conf);
	sl_errlist_free(&errs);
}

static void test_load_resolves_references(void)
{
	sl_errlist_t errs = {0};
	char *conf = write_temp(".conf", "a = \"${env:SL_CONFIG_TEST_VAR}\";\n");

	setenv("SL_CONFIG_TEST_VAR", "resolved", 1);
	sl_config_t *cfg = sl_config_load(conf, &errs);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	if (cfg)
		ASSERT_ENTRY(cfg, "a", "resolved", 1);
	sl_errlist_free(&errs);
	unsetenv("SL_CONFIG_TEST_VAR");
	sl_config_free(cfg);
	drop_temp(conf);
}

static void test_load_fails_on_unresolvable_reference(void)
{
	sl_errlist_t errs = {0};
	char *conf = write_temp(".properties", "x=1\npw=${env:SL_CONFIG_TEST_UNSET}\n");
	char *expected = sl_asprintf(
		"%s:2: key 'pw': environment variable SL_CONFIG_TEST_UNSET is not set", conf);

	unsetenv("SL_CONFIG_TEST_UNSET");
	CU_ASSERT_PTR_NULL(sl_config_load(conf, &errs));
	ASSERT_ONE_ERROR(errs, expected);
	free(expected);
	drop_temp(conf);
	sl_errlist_free(&errs);
}

/* ---- resolution ----------------------------------------------------------- */

static void test_resolve_env_references_with_text_around(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_new();

	setenv("SL_CONFIG_TEST_USER", "alice", 1);
	setenv("SL_CONFIG_TEST_HOST", "db", 1);
	sl_config_set(cfg, "url", "pg://${env:SL_CONFIG_TEST_USER}@${env:SL_CONFIG_TEST_HOST}:5432",
		      "a.conf", 1);
	sl_config_set(cfg, "kafka", "${env::SL_CONFIG_TEST_HOST}", "a.conf", 2);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), 0);
	CU_ASSERT_EQUAL(errs.count, 0);
	ASSERT_ENTRY(cfg, "url", "pg://alice@db:5432", 1);
	ASSERT_ENTRY(cfg, "kafka", "db", 2);
	unsetenv("SL_CONFIG_TEST_USER");
	unsetenv("SL_CONFIG_TEST_HOST");
	sl_config_free(cfg);
}

static void test_resolve_unset_env_is_error_with_place(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_new();

	unsetenv("SL_CONFIG_TEST_UNSET");
	sl_config_set(cfg, "pw", "x${env:SL_CONFIG_TEST_UNSET}", "a.conf", 3);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), -1);
	ASSERT_ONE_ERROR(
		errs, "a.conf:3: key 'pw': environment variable SL_CONFIG_TEST_UNSET is not set");
	ASSERT_ENTRY(cfg, "pw", "x${env:SL_CONFIG_TEST_UNSET}", 3);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_resolve_file_reference_reads_a_properties_key(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_new();
	char *secrets = write_temp(".properties", "db.password = s3cr:et\nother=1\n");
	char *ref = sl_asprintf("${file:%s:db.password}/${file:%s:other}", secrets, secrets);

	sl_config_set(cfg, "database.password", ref, "a.json", 0);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), 0);
	ASSERT_ENTRY(cfg, "database.password", "s3cr:et/1", 0);
	sl_errlist_free(&errs);
	free(ref);
	drop_temp(secrets);
	sl_config_free(cfg);
}

static void test_resolve_file_reference_missing_file_or_key_is_error(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_new();
	char *secrets = write_temp(".properties", "present=1\n");
	char *ref = sl_asprintf("${file:%s:absent}", secrets);
	char *expected = sl_asprintf("a.json: key 'b': %s has no key 'absent'", secrets);

	sl_config_set(cfg, "a", "${file:/nonexistent/sl.properties:k}", "a.json", 0);
	sl_config_set(cfg, "b", ref, "a.json", 0);
	sl_config_set(cfg, "c", "${file:nokey}", NULL, 0);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), -1);
	CU_ASSERT_EQUAL(errs.count, 3);
	if (errs.count == 3) {
		CU_ASSERT_STRING_EQUAL(errs.items[0],
				       "a.json: key 'a': cannot read "
				       "/nonexistent/sl.properties: No such file or directory");
		CU_ASSERT_STRING_EQUAL(errs.items[1], expected);
		CU_ASSERT_STRING_EQUAL(errs.items[2],
				       "<config>: key 'c': '${file:nokey}' needs a path and a key");
	}
	free(expected);
	free(ref);
	drop_temp(secrets);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_resolve_unknown_provider_and_unterminated_reference_are_errors(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_new();

	sl_config_set(cfg, "a", "${vault:secret/db:pw}", "a.conf", 1);
	sl_config_set(cfg, "b", "x${env:HOME", "a.conf", 2);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 2);
	CU_ASSERT_STRING_EQUAL(
		errs.items[0],
		"a.conf:1: key 'a': unknown config provider 'vault' (known: env, file, dir)");
	CU_ASSERT_STRING_EQUAL(errs.items[1], "a.conf:2: key 'b': reference has no closing '}'");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
}

static void test_resolve_leaves_text_that_is_not_a_reference(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_new();

	setenv("SL_CONFIG_TEST_NESTED", "${env:HOME}", 1);
	sl_config_set(cfg, "a", "$1 ${topic} ${ and $", NULL, 0);
	sl_config_set(cfg, "b", "${env:SL_CONFIG_TEST_NESTED}", NULL, 0);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), 0);
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "a"), "$1 ${topic} ${ and $");
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "b"), "${env:HOME}");
	unsetenv("SL_CONFIG_TEST_NESTED");
	sl_config_free(cfg);
}

/* The map, loading and resolution. */
static void register_config_suite(void)
{
	CU_TestInfo tests[] = {
		{"libconfig self member sets the group key itself",
		 test_libconfig_self_member_sets_the_group_key_itself},
		{"set replaces value in place keeping order",
		 test_set_replaces_value_in_place_keeping_order},
		{"set accepts its own current value", test_set_accepts_its_own_current_value},
		{"set in code has no file", test_set_in_code_has_no_file},
		{"unset removes key and keeps order of the rest",
		 test_unset_removes_key_and_keeps_order_of_the_rest},
		{"found entry stays valid while keys are added",
		 test_found_entry_stays_valid_while_keys_are_added},
		{"subset with strip removes prefix", test_subset_with_strip_removes_prefix},
		{"dup copies entries independently", test_dup_copies_entries_independently},
		{"where formats file:line or file or <config>",
		 test_where_formats_file_line_or_file_or_config},
		{"key_is_secret matches markers case-insensitively",
		 test_key_is_secret_matches_markers_case_insensitively},
		{"load picks the format by extension", test_load_picks_the_format_by_extension},
		{"load of a missing file says cannot read",
		 test_load_missing_file_says_cannot_read},
		{"load syntax error names the path", test_load_syntax_error_names_the_path},
		{"load resolves references", test_load_resolves_references},
		{"load fails on an unresolvable reference",
		 test_load_fails_on_unresolvable_reference},
		{"resolve env references with text around",
		 test_resolve_env_references_with_text_around},
		{"resolve unset env is an error with place",
		 test_resolve_unset_env_is_error_with_place},
		{"resolve file reference reads a properties key",
		 test_resolve_file_reference_reads_a_properties_key},
		{"resolve file reference missing file or key is an error",
		 test_resolve_file_reference_missing_file_or_key_is_error},
		{"resolve unknown provider and unterminated reference are errors",
		 test_resolve_unknown_provider_and_unterminated_reference_are_errors},
		{"resolve leaves text that is not a reference",
		 test_resolve_leaves_text_that_is_not_a_reference},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("config", NULL, NULL, tests);
}

/* The libconfig, .properties and .json loaders. */
static void register_config_formats_suite(void)
{
	CU_TestInfo tests[] = {
		{"libconfig nested groups join with dots",
		 test_libconfig_nested_groups_join_with_dots},
		{"libconfig scalars become their string form",
		 test_libconfig_scalars_become_their_string_form},
		{"libconfig arrays and lists become comma lists",
		 test_libconfig_arrays_and_lists_become_comma_lists},
		{"libconfig transforms list becomes aliases and prefixed keys",
		 test_libconfig_transforms_list_becomes_aliases_and_prefixed_keys},
		{"libconfig predicates list becomes aliases and prefixed keys",
		 test_libconfig_predicates_list_becomes_aliases_and_prefixed_keys},
		{"libconfig list of groups elsewhere is an error with line",
		 test_libconfig_list_of_groups_elsewhere_is_error_with_line},
		{"libconfig transform without name is an error",
		 test_libconfig_transform_without_name_is_error},
		{"libconfig duplicate transform name is an error",
		 test_libconfig_duplicate_transform_name_is_error},
		{"libconfig reports every flattening error",
		 test_libconfig_reports_every_flattening_error},
		{"libconfig syntax error names file and line",
		 test_libconfig_syntax_error_names_file_and_line},
		{"libconfig duplicate setting is a syntax error",
		 test_libconfig_duplicate_setting_is_syntax_error},
		{"libconfig @include is relative to the file",
		 test_libconfig_include_is_relative_to_the_file},
		{"properties accepts =, : and blank separators",
		 test_properties_accepts_equals_colon_and_blank_separators},
		{"properties skips comments and blank lines",
		 test_properties_skips_comments_and_blank_lines},
		{"properties continuation drops leading blanks and keeps key line",
		 test_properties_continuation_drops_leading_blanks_and_keeps_key_line},
		{"properties even backslashes do not continue",
		 test_properties_even_backslashes_do_not_continue},
		{"properties comment ending in backslash does not continue",
		 test_properties_comment_ending_in_backslash_does_not_continue},
		{"properties decodes escapes", test_properties_decodes_escapes},
		{"properties keeps trailing whitespace of values",
		 test_properties_keeps_trailing_whitespace_of_values},
		{"properties accepts CRLF and CR line ends",
		 test_properties_accepts_crlf_and_cr_line_ends},
		{"properties later duplicate replaces in place",
		 test_properties_later_duplicate_replaces_in_place},
		{"properties malformed \\u escape is an error with line",
		 test_properties_malformed_unicode_escape_is_error_with_line},
		{"properties unpaired surrogate and NUL are errors",
		 test_properties_unpaired_surrogate_and_nul_are_errors},
		{"json REST form takes config with name first",
		 test_json_rest_form_takes_config_with_name_first},
		{"json REST form keeps name given in config",
		 test_json_rest_form_keeps_name_given_in_config},
		{"json REST form name mismatch is an error",
		 test_json_rest_form_name_mismatch_is_error},
		{"json REST form unexpected member is an error",
		 test_json_rest_form_unexpected_member_is_error},
		{"json flat object stringifies scalars", test_json_flat_object_stringifies_scalars},
		{"json nested values are errors naming the key",
		 test_json_nested_values_are_errors_naming_the_key},
		{"json syntax error has line and column",
		 test_json_syntax_error_has_line_and_column},
		{"json duplicate key is an error", test_json_duplicate_key_is_error},
		{"json top level must be an object and config an object",
		 test_json_top_level_must_be_object_and_config_an_object},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("config_formats", NULL, NULL, tests);
}

void config_test_register(void)
{
	register_config_suite();
	register_config_formats_suite();
}
