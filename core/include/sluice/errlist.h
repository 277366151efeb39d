/* A list that collects every problem a check finds. */
#ifndef SL_ERRLIST_H
#define SL_ERRLIST_H

#include <stdarg.h>
#include <stddef.h>

#include "sluice/mem.h"

/* Collects every problem found (validation reports all errors, not the
 * first). A zeroed sl_errlist_t is empty. */
typedef struct sl_errlist {
	char **items;
	size_t count;
	size_t cap;
} sl_errlist_t;

void sl_errlist_addf(sl_errlist_t *el, const char *fmt, ...) SL_PRINTF(2, 3);
void sl_errlist_vaddf(sl_errlist_t *el, const char *fmt, va_list ap);
void sl_errlist_free(sl_errlist_t *el);

#endif
