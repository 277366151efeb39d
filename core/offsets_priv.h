/* The offset store's insides, shared by its file (offsets.c) and Kafka
 * topic (offsets_kafka.c) halves. */
#ifndef SL_OFFSETS_PRIV_H
#define SL_OFFSETS_PRIV_H

#include <jansson.h>
#include <pthread.h>

#include "offsets.h"

typedef struct sl_offsets_kafka sl_offsets_kafka_t;

struct sl_offset_store {
	pthread_mutex_t lock;
	char *path; /* the file, or "topic <name>": where, for messages */
	int lock_fd;
	/* "<canonical [connector, partition]>" -> {"key": [...], "value": {...}} */
	json_t *entries;
	/* Entries that do not parse, in the order read: {"index": n (the
	 * file's "offsets" array, or the topic's record), "connector": name
	 * (when the key names one), "malformed": why, "entry": the entry as
	 * found}. Written back as they were until a reset removes them. */
	json_t *malformed;
	/* Why the whole file is not an offset file (not JSON, not version 1,
	 * no "offsets" array), or NULL. While set, only a reset of every
	 * connector writes the file. */
	char *unreadable;
	/* Set when the offsets live in a Kafka topic (then path, lock_fd and
	 * unreadable are not used for a file). */
	sl_offsets_kafka_t *kafka;
};

/* An empty store; where names it in messages. */
sl_offset_store_t *sl_offset_store_alloc(const char *where);
/* Takes entry e ({"key": [connector, partition], "value": offset or null})
 * into the store: a null value removes the key, a malformed entry is noted
 * with index. */
void sl_offset_store_load_entry(sl_offset_store_t *s, size_t index, json_t *e);

/* Writes changes (an array of {"key": [...], "value": offset or null}) to
 * the topic and waits until Kafka has them all; -1 with errstr. */
int sl_offsets_kafka_send(sl_offsets_kafka_t *kc, const json_t *changes, char *errstr,
			  size_t errstr_size);
void sl_offsets_kafka_free(sl_offsets_kafka_t *kc);
const char *sl_offsets_kafka_topic(const sl_offsets_kafka_t *kc);

#endif
