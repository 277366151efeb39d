/* A fast path for turning JSON text into a jansson tree: the JSON
 * converter's payloads are small, plain objects, and jansson's reader
 * spends most of its time in its byte-at-a-time stream. */
#ifndef SL_JSON_PARSE_H
#define SL_JSON_PARSE_H

#include <jansson.h>
#include <stddef.h>

/* The tree json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL) gives
 * (same values, same key order, a repeated key's last value), a new
 * reference; NULL when the text holds anything left to jansson: a \u
 * escape, a string that is not UTF-8, an integer past 64 bits, a real
 * that overflows, nesting deeper than 64, or any error. The caller then
 * asks jansson, which also words the error. */
json_t *sl_json_parse_plain(const char *text, size_t len);

#endif
