/* The fetch wake watch: see fetch_wake.h for why it exists. */
#include "fetch_wake.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Brokers remembered per wake: one request goes to each. */
#define WAKE_BROKERS_MAX 16
/* A reply normally takes a millisecond; the request itself did the
 * waking, so a slow reply only delays the next wake. */
#define WAKE_TIMEOUT_MS 1000

typedef struct wake_target {
	int32_t broker;
	int32_t partition;
	char topic[256]; /* Kafka topic names are at most 249 bytes */
} wake_target_t;

struct sl_fetch_wake {
	rd_kafka_t *consumer;
	rd_kafka_queue_t *queue;
	int64_t max_msgs, max_bytes; /* the prefetch queue's limits */
	/* The consuming thread's own. */
	bool full;                            /* the queue neared its limits since the last wake */
	wake_target_t seen[WAKE_BROKERS_MAX]; /* one partition per broker */
	size_t nseen;
	/* Shared with the wake thread. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool stop;
	wake_target_t todo[WAKE_BROKERS_MAX];
	size_t ntodo;
	size_t wakes;
};

int sl_fetch_wake_needed(void)
{
	return rd_kafka_version() < 0x02020000;
}

static void *wake_main(void *arg)
{
	sl_fetch_wake_t *w = arg;
	wake_target_t todo[WAKE_BROKERS_MAX];
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (!w->ntodo) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		size_t n = w->ntodo;
		memcpy(todo, w->todo, n * sizeof(todo[0]));
		w->ntodo = 0;
		pthread_mutex_unlock(&w->lock);
		for (size_t i = 0; i < n; i++) {
			/* The reply does not matter (nor its error): sending
			 * the request woke the broker's thread. */
			int64_t lo, hi;
			rd_kafka_query_watermark_offsets(w->consumer, todo[i].topic,
							 todo[i].partition, &lo, &hi,
							 WAKE_TIMEOUT_MS);
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int64_t conf_int(rd_kafka_t *rk, const char *key)
{
	char v[64];
	size_t size = sizeof(v);
	if (rd_kafka_conf_get(rd_kafka_conf(rk), key, v, &size) != RD_KAFKA_CONF_OK)
		return 0;
	return strtoll(v, NULL, 10);
}

sl_fetch_wake_t *sl_fetch_wake_new(rd_kafka_t *consumer, rd_kafka_queue_t *queue)
{
	if (!sl_fetch_wake_needed())
		return NULL;
	int64_t max_msgs = conf_int(consumer, "queued.min.messages");
	int64_t max_bytes = conf_int(consumer, "queued.max.messages.kbytes") * 1024;
	if (max_msgs <= 0 || max_bytes <= 0)
		return NULL;
	sl_fetch_wake_t *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->consumer = consumer;
	w->queue = queue;
	w->max_msgs = max_msgs;
	w->max_bytes = max_bytes;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, wake_main, w) != 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

/* Remembers one partition of each broker the batch came from. */
static void note_brokers(sl_fetch_wake_t *w, const rd_kafka_message_t *m)
{
	int32_t broker = rd_kafka_message_broker_id(m);
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].broker == broker)
			return;
	const char *topic = rd_kafka_topic_name(m->rkt);
	if (w->nseen == WAKE_BROKERS_MAX || strlen(topic) >= sizeof(w->seen[0].topic))
		return;
	wake_target_t *t = &w->seen[w->nseen++];
	t->broker = broker;
	t->partition = m->partition;
	strcpy(t->topic, topic);
}

void sl_fetch_wake_check(sl_fetch_wake_t *w, rd_kafka_message_t *const *msgs, size_t n)
{
	if (!w)
		return;
	int64_t good = 0, bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (msgs[i]->err)
			continue;
		good++;
		bytes += (int64_t)(msgs[i]->len + msgs[i]->key_len);
		note_brokers(w, msgs[i]);
	}
	if (!good)
		return;
	/* The queue's byte count is not public: estimate it from this
	 * batch's average message. */
	int64_t avg = bytes / good;
	int64_t left = (int64_t)rd_kafka_queue_length(w->queue);
	int64_t before = left + good;
	if (before >= w->max_msgs * 3 / 4 || before * avg >= w->max_bytes * 3 / 4) {
		w->full = true; /* the fetcher may have stopped */
		return;
	}
	if (!w->full || left >= w->max_msgs / 2 || left * avg >= w->max_bytes / 2)
		return;
	/* Half drained after being full: wake the brokers now, so the next
	 * fetch arrives before the queue runs dry. */
	w->full = false;
	pthread_mutex_lock(&w->lock);
	memcpy(w->todo, w->seen, w->nseen * sizeof(w->seen[0]));
	w->ntodo = w->nseen;
	w->wakes++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	w->nseen = 0;
}

size_t sl_fetch_wake_count(sl_fetch_wake_t *w)
{
	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	size_t n = w->wakes;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void sl_fetch_wake_free(sl_fetch_wake_t *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
