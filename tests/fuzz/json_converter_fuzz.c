/* libFuzzer target of the JSON converter's parse path (core/convert.c,
 * bytes -> value, Kafka Connect's JsonConverter): the input's first byte
 * picks the converter (bit 0 schemas.enable, bit 1 decimal.format=NUMERIC,
 * bit 3 a key converter), the rest is the message bytes.
 *
 * Besides never crashing, leaking or hitting undefined behaviour, checked
 * with abort(): a refusal carries a message; what parses writes back to
 * bytes, those bytes parse again, and writing that again gives the same
 * bytes (the first write normalises; a second changes nothing; with
 * decimal.format=NUMERIC a Decimal's number is read as a double, so a
 * third write must give the second's bytes, and one beyond what jansson
 * reads is not read back; nor is a NaN or infinite float, written as the
 * string Jackson writes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "json_converter_fuzz: %s: %s\n", what, err);
	abort();
}

/* The converter of flags, made once. */
static sl_converter_t *converter(unsigned flags)
{
	static sl_converter_t *made[16];
	char err[512] = "";

	if (!made[flags]) {
		sl_config_t *props = sl_config_new();
		sl_config_set(props, "schemas.enable", flags & 1 ? "true" : "false", NULL, 0);
		sl_config_set(props, "decimal.format", flags & 2 ? "NUMERIC" : "BASE64", NULL, 0);
		made[flags] = sl_converter_new("json", flags & 8, props, err, sizeof(err));
		sl_config_free(props);
		if (!made[flags])
			fail("converter", err);
	}
	return made[flags];
}

/* Writes v; aborts when a parsed value does not write. */
static void write_value(sl_converter_t *c, const sl_value_t *v, sl_buf_t *out, bool *is_null)
{
	char err[512] = "";

	if (sl_converter_from_value(c, "fz", v, out, is_null, err, sizeof(err)) != 0)
		fail("a parsed value does not write", err);
}

/* Parses bytes and writes the value again into out; aborts when either
 * fails, but for two values that are written and not read back (false,
 * out left empty): with decimal.format=NUMERIC (numeric), a Decimal's
 * number beyond what jansson reads (an integer beyond 64 bits, a real
 * beyond a double), and a NaN or infinite float. */
static bool rewrite(sl_converter_t *c, bool numeric, const sl_buf_t *bytes, sl_buf_t *out)
{
	sl_value_t v = {0};
	bool is_null = false;
	char err[512] = "";

	if (sl_converter_to_value(c, "fz", bytes->data, bytes->len, &v, err, sizeof(err)) != 0) {
		if (numeric && (strstr(err, "too big") || strstr(err, "overflow")))
			return false;
		/* a NaN or infinite float is written as Jackson writes it, a
		 * string, which sluice reads for no float schema */
		if (strstr(err, "found a string") &&
		    (memmem(bytes->data, bytes->len, "\"NaN\"", 5) ||
		     memmem(bytes->data, bytes->len, "Infinity\"", 9)))
			return false;
		fprintf(stderr, "json_converter_fuzz: written: %.*s\n", (int)bytes->len,
			bytes->data);
		fail("what the converter wrote does not parse", err);
	}
	write_value(c, &v, out, &is_null);
	if (is_null)
		fail("rewriting", "a written value parses as null");
	sl_value_clear(&v);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_converter_t *c;
	sl_value_t v = {0};
	sl_buf_t first = {0}, second = {0};
	bool is_null = false;
	char err[512] = "";
	uint8_t *copy;

	if (size < 1)
		return 0;
	c = converter(data[0] & 11);
	/* a copy of exactly the message's size, as a Kafka message is */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (sl_converter_to_value(c, "fz", copy, size - 1, &v, err, sizeof(err)) != 0) {
		if (!err[0])
			fail("parse", "a refusal without a message");
		goto out;
	}
	write_value(c, &v, &first, &is_null);
	if (is_null)
		goto out;
	if (!rewrite(c, data[0] & 2, &first, &second))
		goto out;
	/* decimal.format=NUMERIC reads a Decimal's number as a double (Kafka
	 * Connect reads a BigDecimal): digits a double does not hold are lost
	 * once, then the text is stable */
	if ((data[0] & 2) &&
	    (first.len != second.len || memcmp(first.data, second.data, first.len))) {
		sl_buf_free(&first);
		first = second;
		second = (sl_buf_t){0};
		if (!rewrite(c, true, &first, &second))
			goto out;
	}
	if (first.len != second.len || memcmp(first.data, second.data, first.len)) {
		fprintf(stderr, "json_converter_fuzz: first: %.*s\nsecond: %.*s\n", (int)first.len,
			first.data, (int)second.len, second.data);
		fail("rewriting", "a written value writes to other bytes");
	}
out:
	sl_value_clear(&v);
	sl_buf_free(&first);
	sl_buf_free(&second);
	free(copy);
	return 0;
}
