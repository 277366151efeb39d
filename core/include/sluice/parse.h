/* Strict parsing of numbers and booleans, and JSON types in words. */
#ifndef SL_PARSE_H
#define SL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Strict integer/bool parsing: the whole string must be consumed.
 * Return 0 on success, -1 on a malformed or out-of-range value. */
int sl_parse_int64(const char *s, int64_t *out);
int sl_parse_bool(const char *s, bool *out);
int sl_parse_double(const char *s, double *out);
/* Formats v as the shortest decimal text that reads back as the same double
 * ("0.1", "1e+20", "3") into buf (at least 32 bytes). Returns buf. */
const char *sl_format_double_shortest(double v, char *buf, size_t size);
/* Whether s holds len bytes of valid UTF-8 (overlong forms, surrogates
 * and code points past U+10FFFF refused; NUL is valid). */
bool sl_utf8_valid(const char *s, size_t len);
/* A malloc()ed, NUL-terminated copy of s with each invalid sequence
 * replaced by U+FFFD as Java's UTF-8 decoder replaces it; *out_len its
 * length. */
char *sl_utf8_replace_invalid(const char *s, size_t len, size_t *out_len);
/* The value of the hex digit c (either case), or -1. */
int sl_hex_digit(char c);

/* Whether POSIX regcomp (glibc's, and librdkafka's for a subscription)
 * can take pattern without exhausting memory: glibc copies a bounded
 * repetition's operand once per repeat, so nested or stacked bounds
 * multiply ("(a{1,1000}){1,1000}" takes gigabytes), and a long run of
 * repetition operators ("a+++...") grows as fast. Refuses (false, with err
 * saying why) a pattern whose bounds multiply past 1000 or that stacks
 * more than two repetition operators on one atom (Java refuses a third
 * too: "a++" is possessive, "a+++" an error). */
bool sl_regex_posix_check(const char *pattern, char *err, size_t err_size);

/* The JSON type of j in words for messages ("an object", "a string", "a
 * real number", "null", ...); a static string. */
const char *sl_json_kind(const json_t *j);

#endif
