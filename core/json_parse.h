/* A fast path for turning JSON text into a jansson tree: the JSON
 * converter's payloads are small, plain objects, and jansson's reader
 * spends most of its time in its byte-at-a-time stream. */
#ifndef SL_JSON_PARSE_H
#define SL_JSON_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The tree json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL) gives
 * (same values, same key order, a repeated key's last value), a new
 * reference; NULL when the text holds anything left to jansson: a \u
 * escape, a string that is not UTF-8, an integer past 64 bits, a real
 * that overflows, nesting deeper than 64, or any error. The caller then
 * asks jansson, which also words the error. */
json_t *sl_json_parse_plain(const char *text, size_t len);

/* sl_json_parse_plain, or else json_loadb(text, len, JSON_DECODE_ANY |
 * JSON_ALLOW_NUL, err): a new reference, NULL with err on bad text. */
json_t *sl_json_parse(const char *text, size_t len, json_error_t *err);

/* Finds the value of member name (plain: no escapes) at the top of the
 * JSON object text[0..len): its extent text[*start..*end). False when text
 * is no object or has no such member (or a key with escapes comes first:
 * the caller then parses it). */
bool sl_json_text_member(const char *text, size_t len, const char *name, size_t *start,
			 size_t *end);

#endif
