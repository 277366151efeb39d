/* libFuzzer target of core/json_parse.c, differential: the input is JSON
 * text; whatever sl_json_parse_plain takes, json_loadb (JSON_DECODE_ANY |
 * JSON_ALLOW_NUL) must take too and give the same tree (values and key
 * order, compared as compact text with every real's 17 digits). Besides
 * never crashing, leaking or hitting undefined behaviour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);
	json_t *fast = sl_json_parse_plain((const char *)data, size);

	if (!fast)
		return 0;
	json_t *slow = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!slow) {
		fprintf(stderr, "json_parse_fuzz: taken by the fast path, refused by jansson\n");
		abort();
	}
	char *a = json_dumps(fast, flags), *b = json_dumps(slow, flags);
	if (!a || !b || strcmp(a, b)) {
		fprintf(stderr, "json_parse_fuzz: fast %s, jansson %s\n", a ? a : "?", b ? b : "?");
		abort();
	}
	free(a);
	free(b);
	json_decref(fast);
	json_decref(slow);
	return 0;
}
