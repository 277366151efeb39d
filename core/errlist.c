/* The list that collects every problem a check finds (sl_errlist_t). */
#include "sluice/errlist.h"

#include <stdio.h>
#include <stdlib.h>

#include "sluice/buf.h"

void sl_errlist_vaddf(sl_errlist_t *el, const char *fmt, va_list ap)
{
	sl_buf_t b = {0};
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	sl_buf_reserve(&b, (size_t)n);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	b.len = (size_t)n;
	if (el->count == el->cap) {
		el->cap = el->cap ? el->cap * 2 : 8;
		el->items = sl_realloc(el->items, el->cap * sizeof(*el->items));
	}
	el->items[el->count++] = sl_buf_steal(&b);
}

void sl_errlist_addf(sl_errlist_t *el, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_errlist_vaddf(el, fmt, ap);
	va_end(ap);
}

void sl_errlist_free(sl_errlist_t *el)
{
	for (size_t i = 0; i < el->count; i++)
		free(el->items[i]);
	free(el->items);
	el->items = NULL;
	el->count = el->cap = 0;
}
