/* Unit tests for the generic helper modules, each reached through its own
 * header only (no util.h): buffers, error lists, parsing, backoff and
 * whole-file I/O. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "sluice/backoff.h"
#include "sluice/buf.h"
#include "sluice/errlist.h"
#include "sluice/fileio.h"
#include "sluice/parse.h"

/* Decimal integers as printf writes them, at every length and both ends. */
static void test_buf_integers_match_printf(void)
{
	int64_t ints[] = {0, 1, -1, 9, 10, 99, 100, -100, 101, INT64_MAX, INT64_MIN, INT64_MIN + 1};
	uint64_t p10 = 1;

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		sl_buf_t b = {0};
		char want[32];
		sl_buf_append_int(&b, ints[i]);
		snprintf(want, sizeof(want), "%" PRId64, ints[i]);
		CU_ASSERT_STRING_EQUAL(b.data, want);
		sl_buf_free(&b);
	}
	for (int k = 0; k < 20; k++, p10 *= 10) {
		uint64_t around[] = {p10 - 1, p10, p10 + 1, p10 * 7 + 3};
		for (size_t i = 0; i < 4; i++) {
			sl_buf_t b = {0};
			char want[32], digits[20];
			sl_buf_append_str(&b, "x");
			sl_buf_append_uint(&b, around[i]);
			snprintf(want, sizeof(want), "x%" PRIu64, around[i]);
			CU_ASSERT_STRING_EQUAL(b.data, want);
			CU_ASSERT_EQUAL(b.len, strlen(want));
			size_t n = sl_uint_digits(around[i], digits);
			CU_ASSERT(n == strlen(want) - 1 && !memcmp(digits, want + 1, n));
			sl_buf_free(&b);
		}
	}
	sl_buf_t b = {0};
	sl_buf_append_uint(&b, UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(b.data, "18446744073709551615");
	sl_buf_free(&b);
}

static void test_buf_stays_terminated_and_steal_empties_it(void)
{
	sl_buf_t b = {0};

	sl_buf_append(&b, "ab", 2);
	sl_buf_append_char(&b, 'c');
	sl_buf_appendf(&b, "%d", 42);
	CU_ASSERT_EQUAL(b.len, 5);
	CU_ASSERT_STRING_EQUAL(b.data, "abc42");
	char *s = sl_buf_steal(&b);
	CU_ASSERT_STRING_EQUAL(s, "abc42");
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.len, 0);
	free(s);
	s = sl_buf_steal(&b); /* an empty buffer hands out "" */
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
}

static void test_errlist_keeps_every_message_in_order(void)
{
	sl_errlist_t el = {0};

	for (int i = 0; i < 20; i++)
		sl_errlist_addf(&el, "problem %d", i);
	CU_ASSERT_EQUAL(el.count, 20);
	CU_ASSERT_STRING_EQUAL(el.items[0], "problem 0");
	CU_ASSERT_STRING_EQUAL(el.items[19], "problem 19");
	sl_errlist_free(&el);
	CU_ASSERT_EQUAL(el.count, 0);
}

static void test_parse_takes_whole_values_only(void)
{
	int64_t i = 0;
	bool b = false;
	double d = 0;

	CU_ASSERT_EQUAL(sl_parse_int64("-12", &i), 0);
	CU_ASSERT_EQUAL(i, -12);
	CU_ASSERT_EQUAL(sl_parse_int64("12x", &i), -1);
	CU_ASSERT_EQUAL(sl_parse_int64("99999999999999999999", &i), -1);
	CU_ASSERT_EQUAL(sl_parse_bool("TRUE", &b), 0);
	CU_ASSERT(b);
	CU_ASSERT_EQUAL(sl_parse_bool("yes", &b), -1);
	CU_ASSERT_EQUAL(sl_parse_double("0.5", &d), 0);
	CU_ASSERT_EQUAL(sl_parse_double("inf", &d), -1);
	json_t *j = json_real(1.5);
	CU_ASSERT_STRING_EQUAL(sl_json_kind(j), "a real number");
	json_decref(j);
}

static void test_backoff_grows_within_its_cap_and_repeats_with_a_seed(void)
{
	sl_backoff_t a, b;

	sl_backoff_init(&a, 100, 1000, 7);
	sl_backoff_init(&b, 100, 1000, 7);
	for (int i = 0; i < 30; i++) {
		int64_t cap = i < 4 ? 100 << i : 1000;
		int64_t d = sl_backoff_next(&a);
		CU_ASSERT(d >= 0 && d <= cap);
		CU_ASSERT_EQUAL(d, sl_backoff_next(&b));
	}
	sl_backoff_reset(&a);
	CU_ASSERT(sl_backoff_next(&a) <= 100);
}

static void test_atomic_write_then_read_gives_the_bytes_back(void)
{
	char path[] = "/tmp/sl_util_test_XXXXXX";
	char err[256];
	size_t len = 0;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(sl_file_write_atomic(path, "a\0b", 3, err, sizeof(err)), 0);
	char *data = sl_file_read_all(path, &len);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT(data && memcmp(data, "a\0b", 3) == 0);
	free(data);
	remove(path);
	CU_ASSERT_PTR_NULL(sl_file_read_all(path, &len));
	CU_ASSERT_EQUAL(sl_file_write_atomic("/nonexistent/dir/x", "a", 1, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot create"));
}

static void test_utf8_validation_refuses_broken_overlong_and_surrogates(void)
{
	CU_ASSERT(sl_utf8_valid("", 0));
	CU_ASSERT(sl_utf8_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
	CU_ASSERT_FALSE(sl_utf8_valid("\xc3", 1));             /* cut short */
	CU_ASSERT_FALSE(sl_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	CU_ASSERT_FALSE(sl_utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
	CU_ASSERT_FALSE(sl_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	CU_ASSERT_FALSE(sl_utf8_valid("\xff", 1));
	CU_ASSERT(sl_utf8_valid("a\0b", 3)); /* NUL is UTF-8 */
}

/* Patterns glibc's regcomp would blow up on are refused before it sees
 * them; ordinary ones (bounded, lazy or possessive-looking suffixes,
 * brackets holding operators) pass. */
static void test_regex_posix_check_refuses_blowups(void)
{
	char err[160];
	const char *ok[] = {"a+",
			    "a++",
			    ".*?",
			    "public\\.(orders|items)",
			    "x{1,100}",
			    "(ab){2,10}c{3}",
			    "[+*?{]+",
			    "a\\{1000\\}{1,5}",
			    "[[:digit:]]{1,999}",
			    NULL};
	for (size_t i = 0; ok[i]; i++)
		CU_ASSERT_TRUE(sl_regex_posix_check(ok[i], err, sizeof(err)));
	const char *bad[] = {"a+++",
			     "ke++++++++++++++++++++++++++++++++++yrs",
			     "a{1,100}{1,100}",
			     "(a{1,100}){1,100}",
			     "((a{2,10}){2,10}){2,11}x",
			     "a{1,1001}",
			     NULL};
	for (size_t i = 0; bad[i]; i++) {
		err[0] = '\0';
		CU_ASSERT_FALSE(sl_regex_posix_check(bad[i], err, sizeof(err)));
		CU_ASSERT_NOT_EQUAL(err[0], '\0');
	}
}

void util_test_register(void)
{
	CU_TestInfo tests[] = {
		{"buf_integers_match_printf", test_buf_integers_match_printf},
		{"buf stays terminated and steal empties it",
		 test_buf_stays_terminated_and_steal_empties_it},
		{"errlist keeps every message in order", test_errlist_keeps_every_message_in_order},
		{"parse takes whole values only", test_parse_takes_whole_values_only},
		{"utf8 validation refuses broken, overlong and surrogate sequences",
		 test_utf8_validation_refuses_broken_overlong_and_surrogates},
		{"backoff grows within its cap and repeats with a seed",
		 test_backoff_grows_within_its_cap_and_repeats_with_a_seed},
		{"atomic write then read gives the bytes back",
		 test_atomic_write_then_read_gives_the_bytes_back},
		{"regex posix check refuses blowups", test_regex_posix_check_refuses_blowups},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("util", NULL, NULL, tests);
}
