/* Unit tests of core/json_parse.c: the fast path gives json_loadb's tree
 * (values, key order) or leaves the text to jansson, never another tree. */
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "runner.h"

static const unsigned json_flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;

/* The compact text of v (order kept), malloc()ed; "(none)" for NULL. */
static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))
		 : strdup("(none)");
}

/* 1: the fast path took text and agrees with jansson; 0: it left text to
 * jansson; -1: it gave another tree, or one jansson refuses. */
static int compare(const char *text, size_t len)
{
	json_t *fast = sl_json_parse_plain(text, len);
	json_t *slow = json_loadb(text, len, json_flags, NULL);
	int rc = 0;

	if (fast) {
		char *a = dump(fast), *b = dump(slow);
		rc = slow && !strcmp(a, b) ? 1 : -1;
		if (rc < 0)
			fprintf(stderr, "\n  %.*s: fast %s, jansson %s\n", (int)len, text, a, b);
		free(a);
		free(b);
	}
	json_decref(fast);
	json_decref(slow);
	return rc;
}

#define TAKES(text) CU_ASSERT_EQUAL(compare(text, strlen(text)), 1)
#define LEAVES(text) CU_ASSERT_EQUAL(compare(text, strlen(text)), 0)

static void test_plain_payloads_parse_as_jansson_parses_them(void)
{
	TAKES("{\"id\":1,\"name\":\"name-1\",\"qty\":1,\"price\":0.01,\"created\":1700000000001}");
	TAKES(" { \"a\" : [ 1 , -2 , 3.5e2 , true , false , null ] , \"b\" : { } , \"c\" : [ ] } ");
	TAKES("{\"b\":1,\"a\":2,\"b\":3}"); /* a repeated key: its last value, first place */
	TAKES("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	TAKES("\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"");
	TAKES("{\"k\\n\\\"ey\":\"v\\tal\"}");
	TAKES("-0");
	TAKES("-0.0");
	TAKES("9223372036854775807");
	TAKES("-9223372036854775808");
	TAKES("123456789012345678");
	TAKES("1e-400"); /* underflows to 0: jansson takes it */
	TAKES("0.1");
	TAKES("[[[[[[[[[[1]]]]]]]]]]");
}

static void test_what_it_does_not_handle_is_left_to_jansson(void)
{
	LEAVES("\"\\u00e9\"");
	LEAVES("{\"a\":\"\\u0000\"}");
	LEAVES("9223372036854775808");
	LEAVES("-9223372036854775809");
	LEAVES("1e400");
	LEAVES("\"\xc3\x28\"");     /* not UTF-8 */
	LEAVES("\"\xed\xa0\x80\""); /* an encoded surrogate */
	LEAVES("\"a\tb\"");         /* a control character */
	LEAVES("01");
	LEAVES("1.");
	LEAVES(".5");
	LEAVES("-");
	LEAVES("1e");
	LEAVES("{\"a\":1,}");
	LEAVES("[1,]");
	LEAVES("{\"a\" 1}");
	LEAVES("{\"a\":1} x");
	LEAVES("tru");
	LEAVES("nulls");
	LEAVES("");
	LEAVES("\"open");
	LEAVES("\"bad \\x escape\"");
	char deep[300];
	memset(deep, '[', 150);
	memset(deep + 150, ']', 150);
	CU_ASSERT_EQUAL(compare(deep, sizeof(deep)), 0);
}

/* Every text made by changing, cutting or doubling bytes of valid
 * payloads: the fast path agrees with jansson or leaves it alone. */
static void test_mutated_texts_never_parse_differently(void)
{
	static const char *const seeds[] = {
		"{\"id\":12,\"name\":\"n\\\"x\",\"v\":[1,2.5,-3e2,{\"k\":null}],\"t\":true}",
		"[\"caf\xc3\xa9\",0,-0.5,1E+2,false,{},[]]",
	};
	static const char alphabet[] = "{}[]\":,.-+eE0129 \\ntu\xc3\xa9\x80";
	unsigned seed = 12345;
	int took = 0;

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t n = strlen(seeds[s]);
		for (int round = 0; round < 20000; round++) {
			char buf[256];
			memcpy(buf, seeds[s], n);
			size_t len = n;
			for (int k = 0; k < 1 + round % 3; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 8) % len;
				seed = seed * 1103515245u + 12345u;
				switch ((seed >> 8) % 3) {
				case 0:
					buf[at] = alphabet[(seed >> 12) % (sizeof(alphabet) - 1)];
					break;
				case 1:
					len = at ? at : len; /* cut */
					break;
				default:
					if (len < sizeof(buf) - 1) { /* double a byte */
						memmove(buf + at + 1, buf + at, len - at);
						len++;
					}
					break;
				}
			}
			int rc = compare(buf, len);
			CU_ASSERT_NOT_EQUAL_FATAL(rc, -1);
			took += rc;
		}
	}
	CU_ASSERT(took > 100); /* the mutations are not all refused */
}

void json_parse_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"plain payloads parse as jansson parses them",
		 test_plain_payloads_parse_as_jansson_parses_them},
		{"what it does not handle is left to jansson",
		 test_what_it_does_not_handle_is_left_to_jansson},
		{"mutated texts never parse differently",
		 test_mutated_texts_never_parse_differently},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("json_parse", NULL, NULL, tests);
}
