/* Exponential backoff with full jitter, seeded for tests. */
#include "sluice/backoff.h"

void sl_backoff_init(sl_backoff_t *b, int64_t base_ms, int64_t max_ms, uint64_t seed)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->max_ms = max_ms > 0 ? max_ms : b->base_ms;
	b->attempt = 0;
	b->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

int64_t sl_backoff_next(sl_backoff_t *b)
{
	int64_t cap = b->base_ms;
	for (uint32_t i = 0; i < b->attempt && cap < b->max_ms; i++)
		cap *= 2;
	if (cap > b->max_ms)
		cap = b->max_ms;
	if (b->attempt < 64)
		b->attempt++;
	return (int64_t)(xorshift64(&b->rng) % (uint64_t)(cap + 1));
}

void sl_backoff_reset(sl_backoff_t *b)
{
	b->attempt = 0;
}
