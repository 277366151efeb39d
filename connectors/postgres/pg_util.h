/* Small helpers the postgres connectors share: the binary search of arrays
 * sorted by oid (the relation caches, the type cache). Header-only and pure. */
#ifndef SL_PG_UTIL_H
#define SL_PG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The index of oid in arr, an array of n elements sorted by oid whose
 * element i has the oid oid_at(arr, i), or the index it would be inserted
 * at; *found says which. */
static inline size_t sl_pg_oid_find(const void *arr, size_t n, uint32_t oid,
				    uint32_t (*oid_at)(const void *arr, size_t i), bool *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (oid_at(arr, mid) < oid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < n && oid_at(arr, lo) == oid;
	return lo;
}

#endif
