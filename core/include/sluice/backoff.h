/* Exponential backoff with full jitter. */
#ifndef SL_BACKOFF_H
#define SL_BACKOFF_H

#include <stdint.h>

/* delay(attempt) = random in [0, min(max_ms, base_ms * 2^attempt)]. The
 * random source is a per-object xorshift state so tests can seed it. */
typedef struct sl_backoff {
	int64_t base_ms;
	int64_t max_ms;
	uint32_t attempt;
	uint64_t rng;
} sl_backoff_t;

void sl_backoff_init(sl_backoff_t *b, int64_t base_ms, int64_t max_ms, uint64_t seed);
/* Returns the next delay and advances the attempt counter. */
int64_t sl_backoff_next(sl_backoff_t *b);
void sl_backoff_reset(sl_backoff_t *b);

#endif
