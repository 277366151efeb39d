/* Keeps librdkafka < 2.2 from parking a consumer's fetcher for a second.
 *
 * librdkafka stops fetching a partition once the consumer's prefetch queue
 * holds queued.min.messages messages or queued.max.messages.kbytes, and
 * before 2.2 (which added fetch.queue.backoff.ms) it looks again only when
 * that broker's thread next wakes up: on its own, up to 1 s later. A
 * consumer slightly slower than the fetcher then drains the queue in a
 * fraction of a second and waits for the rest of it. The watch notices
 * the queue drain after it was full and has a thread of its own send one
 * cheap request (ListOffsets) to each broker it fetched from, which wakes
 * that broker's thread, which resumes fetching at once.
 *
 * Depends on librdkafka and pthreads only, so the bare benchmark consumer
 * (bench/kbench.c) uses it too. */
#ifndef SL_FETCH_WAKE_H
#define SL_FETCH_WAKE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

typedef struct sl_fetch_wake sl_fetch_wake_t;

/* Whether this librdkafka needs the watch (it is older than 2.2). */
int sl_fetch_wake_needed(void);

/* A watch on consumer's queue (the one the application consumes from);
 * NULL when the librdkafka does not need it or its thread cannot start.
 * Reads the queue limits from the consumer's configuration. */
sl_fetch_wake_t *sl_fetch_wake_new(rd_kafka_t *consumer, rd_kafka_queue_t *queue);

/* Call after each batch taken from the queue, with the batch's messages
 * (error messages are ignored). Cheap: one queue-length read. */
void sl_fetch_wake_check(sl_fetch_wake_t *w, rd_kafka_message_t *const *msgs, size_t n);

/* How many times the watch has woken the brokers so far. */
size_t sl_fetch_wake_count(sl_fetch_wake_t *w);

/* Stops the thread; call before the consumer is closed. NULL is fine. */
void sl_fetch_wake_free(sl_fetch_wake_t *w);

#endif
