/* Java's SimpleDateFormat patterns in UTC, as TimestampRouter and
 * TimestampConverter use them: the pattern letters users write (y M d H m
 * s S, names of months and days, AM/PM, time zone letters) and quoted
 * literals. Dates before the Gregorian reform (1582) are proleptic
 * Gregorian here where Java switches to the Julian calendar. */
#ifndef SL_TX_DATEFMT_H
#define SL_TX_DATEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/buf.h"

typedef struct sl_datefmt sl_datefmt_t;

/* Compiles pattern; NULL with err saying what is wrong (an unknown letter
 * as Java names it: "Illegal pattern character 'T'", an unterminated
 * quote, a letter Java knows and sluice does not support). */
sl_datefmt_t *sl_datefmt_new(const char *pattern, char *err, size_t err_size);

/* Appends ms (since the epoch) formatted in UTC to out. */
void sl_datefmt_format(const sl_datefmt_t *f, int64_t ms, sl_buf_t *out);

/* Parses s as SimpleDateFormat.parse does (lenient: a month 13 is January
 * of the next year; text after the pattern is ignored) into ms since the
 * epoch; false when s does not match. */
bool sl_datefmt_parse(const sl_datefmt_t *f, const char *s, size_t len, int64_t *ms);

/* The pattern it was compiled from. */
const char *sl_datefmt_pattern(const sl_datefmt_t *f);

void sl_datefmt_free(sl_datefmt_t *f);

#endif
