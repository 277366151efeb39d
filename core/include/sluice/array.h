/* Growth of malloc()ed arrays: one macro instead of a hand-written
 * "if (n == cap) { cap = cap ? cap * 2 : 8; p = realloc(...) }" at every
 * site. Header-only; usable by core and connectors. */
#ifndef SL_ARRAY_H
#define SL_ARRAY_H

#include <stddef.h>

#include "sluice/util.h"

/* Makes the array ptr (malloc()ed or NULL) hold at least need elements:
 * when need exceeds cap, grows it by doubling (from 8) with sl_realloc,
 * which aborts when memory runs out, so it cannot fail. ptr and cap
 * (a size_t, in elements) are lvalues, updated in place and each evaluated
 * more than once: pass plain variables or fields. The new elements are
 * not initialised. Typical use before appending:
 *     SL_ARRAY_RESERVE(v->items, v->count + 1, v->cap);
 *     v->items[v->count++] = item; */
#define SL_ARRAY_RESERVE(ptr, need, cap)                                                           \
	do {                                                                                       \
		size_t sl_need_ = (size_t)(need);                                                  \
		if (sl_need_ > (cap)) {                                                            \
			size_t sl_cap_ = (cap) ? (cap) : 8;                                        \
			while (sl_cap_ < sl_need_)                                                 \
				sl_cap_ *= 2;                                                      \
			(ptr) = sl_realloc((ptr), sl_cap_ * sizeof(*(ptr)));                       \
			(cap) = sl_cap_;                                                           \
		}                                                                                  \
	} while (0)

#endif
