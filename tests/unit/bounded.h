/* Runs a connector call on a thread of its own with a time limit, for
 * tests that prove a call never blocks past its timeout. Header-only. */
#ifndef SL_TEST_BOUNDED_H
#define SL_TEST_BOUNDED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "runner.h"
#include "sluice/connector.h"

/* Runs fn(arg) on a thread and waits up to ms for it. When it does not
 * return in time, unblock(arg) is called (when given) and the thread gets
 * 5 s more; a thread still stuck then is left behind (the test has failed
 * and its state is leaked on purpose). Returns whether fn returned within
 * ms; *rc is its result. */
typedef struct bounded {
	sl_rc_t (*fn)(void *);
	void *arg;
	sl_rc_t rc;
	atomic_bool done;
} bounded_t;

static inline void *bounded_main(void *p)
{
	bounded_t *b = p;

	b->rc = b->fn(b->arg);
	atomic_store(&b->done, true);
	return NULL;
}

static inline bool wait_done(bounded_t *b, int64_t ms)
{
	int64_t end = sl_now_ms() + ms;

	while (!atomic_load(&b->done) && sl_now_ms() < end)
		sl_sleep_ms(5);
	return atomic_load(&b->done);
}

static inline bool run_within(sl_rc_t (*fn)(void *), void *arg, int64_t ms, void (*unblock)(void *),
			      sl_rc_t *rc)
{
	bounded_t *b = sl_calloc(1, sizeof(*b));
	pthread_t th;
	bool in_time;

	b->fn = fn;
	b->arg = arg;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, bounded_main, b) == 0);
	in_time = wait_done(b, ms);
	if (!in_time && unblock)
		unblock(arg);
	if (!in_time && !wait_done(b, 5000)) {
		pthread_detach(th);
		*rc = SL_FAIL;
		return false;
	}
	pthread_join(th, NULL);
	*rc = b->rc;
	free(b);
	return in_time;
}

#endif
