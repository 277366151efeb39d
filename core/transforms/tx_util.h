/* Small helpers the transforms share that are not about struct values:
 * checks of config values Kafka's ConfigDef makes, lists of names, and
 * Java's number conversions. */
#ifndef SL_TX_UTIL_H
#define SL_TX_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/config.h"
#include "sluice/errlist.h"

/* Milliseconds in a day: Kafka Connect's Date is whole days since the
 * epoch, its Time the milliseconds within one (both in UTC). */
#define SL_TXU_MS_PER_DAY INT64_C(86400000)

/* Kafka's ValidString.in compares case-sensitively where sluice's enum
 * options do not: false with the problem added to errs when cfg's value of
 * key (when set) is not spelt exactly as one of values (NULL-terminated). */
bool sl_txu_spelt_exactly(const sl_config_t *cfg, const char *key, const char *const *values,
			  sl_errlist_t *errs);

/* True when s is NULL, empty or only whitespace (Java's String.isBlank
 * for ASCII text). */
bool sl_txu_is_blank(const char *s);

/* True when the NULL-terminated list (may be NULL) holds s. */
bool sl_txu_in_list(char *const *list, const char *s);

/* Java's (long) and (int) of a double: saturating, NaN to 0. */
int64_t sl_txu_d2l(double d);
int32_t sl_txu_d2i(double d);

#endif
