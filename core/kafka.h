/* The worker's Kafka side, the only place that builds librdkafka clients:
 * client configuration (worker keys, producer.* / consumer.* / admin.*
 * passthrough, connector overrides), the embedded mock cluster, and topic
 * creation. */
#ifndef SL_KAFKA_H
#define SL_KAFKA_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>

#include "sluice/config.h"

typedef struct sl_kafka sl_kafka_t;

typedef enum sl_client_kind {
	SL_CLIENT_PRODUCER,
	SL_CLIENT_CONSUMER,
	SL_CLIENT_ADMIN,
} sl_client_kind_t;

/* Prepares client settings from the worker config and, when
 * bootstrap.servers is "embedded", starts librdkafka's in-process mock
 * cluster. Every producer.* / consumer.* / admin.* key is tried against
 * librdkafka now, so a bad one fails here with librdkafka's message. NULL on
 * failure with errstr. */
sl_kafka_t *sl_kafka_new(const sl_config_t *worker, char *errstr, size_t errstr_size);
void sl_kafka_free(sl_kafka_t *k);

/* The bootstrap address clients use (the mock cluster's when embedded). */
const char *sl_kafka_bootstrap(const sl_kafka_t *k);
bool sl_kafka_is_embedded(const sl_kafka_t *k);

/* A librdkafka configuration for a client of kind: sluice's defaults, then
 * defaults ("key", "value", ..., NULL; a connector's producer_defaults; may
 * be NULL), then the worker's passthrough keys, then overrides (keys
 * without prefix, e.g. from a connector's producer.override.*; may be
 * NULL), then client_id.
 * The caller owns the result (give it to sl_kafka_client_new). NULL with
 * errstr on a bad key. */
rd_kafka_conf_t *sl_kafka_conf(const sl_kafka_t *k, sl_client_kind_t kind,
			       const char *const *defaults, const sl_config_t *overrides,
			       const char *client_id, char *errstr, size_t errstr_size);

/* sl_kafka_conf with overrides given as "key", "value", ..., NULL: the
 * settings of sluice's own clients (offset store, cluster), which win over
 * the worker's passthrough keys. */
rd_kafka_conf_t *sl_kafka_conf_pairs(const sl_kafka_t *k, sl_client_kind_t kind,
				     const char *const *overrides, const char *client_id,
				     char *errstr, size_t errstr_size);
/* Creates a client of kind (a consumer for SL_CLIENT_CONSUMER, else a
 * producer handle) from conf, which it takes in every case: the client
 * owns it on success, and it is destroyed on failure. The one place
 * sluice calls rd_kafka_new; a producer with a transactional.id is made
 * idempotent here. NULL with librdkafka's reason in errstr. */
rd_kafka_t *sl_kafka_client_new(sl_client_kind_t kind, rd_kafka_conf_t *conf, char *errstr,
				size_t errstr_size);

/* Prints the librdkafka settings sluice gives its producers and consumers
 * (before the worker's and the connector's own) as a markdown table. */
void sl_kafka_describe_defaults(FILE *out);

/* Makes sure topic exists: looks it up and, when missing, creates it
 * through the admin API (or the mock cluster) with partitions and
 * replication factor (-1: broker default). rk is any client handle.
 * Returns 0 when the topic exists afterwards (also when another client
 * created it first), -1 with errstr otherwise. */
int sl_kafka_ensure_topic(sl_kafka_t *k, rd_kafka_t *rk, const char *topic, int partitions,
			  int replication_factor, int timeout_ms, char *errstr, size_t errstr_size);

/* sl_kafka_ensure_topic creating the topic with configs ("name", "value",
 * ..., NULL; e.g. cleanup.policy=compact); a topic that exists is taken as
 * it is. */
int sl_kafka_ensure_topic_configs(sl_kafka_t *k, rd_kafka_t *rk, const char *topic, int partitions,
				  int replication_factor, const char *const *configs,
				  int timeout_ms, char *errstr, size_t errstr_size);
/* Grows topic to partitions (a topic that has as many already is left as
 * it is). Not on the embedded cluster. 0, or -1 with errstr. */
int sl_kafka_grow_topic(sl_kafka_t *k, rd_kafka_t *rk, const char *topic, int partitions,
			int timeout_ms, char *errstr, size_t errstr_size);
/* The topic's partition count; 0 when it does not exist, -1 when the
 * cluster did not answer within timeout_ms. */
int sl_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms);

/* The client's message.max.bytes: the largest record it sends. */
size_t sl_kafka_max_message_bytes(rd_kafka_t *rk);

/* The topic's max.message.bytes (the largest record batch the broker
 * takes, in bytes) as the broker reports it through DescribeConfigs, or -1
 * when it cannot be learned (the mock cluster, no permission, timeout). */
int64_t sl_kafka_topic_max_message_bytes(rd_kafka_t *rk, const char *topic, int timeout_ms);

/* ---- consumer group offsets (a sink connector's connect-<name>) ----
 * rk is an admin client (any handle made by sl_kafka_client_new); each call
 * waits up to timeout_ms. On failure -1 with errstr naming the group and
 * Kafka's reason. */

/* The group's committed offsets as a new JSON array of KIP-875 entries:
 * {"partition":{"kafka_topic","kafka_partition"},"offset":{"kafka_offset"}}. */
int sl_kafka_group_offsets(rd_kafka_t *rk, const char *group, int timeout_ms, json_t **out,
			   char *errstr, size_t errstr_size);
/* Commits the offsets of parts (each partition's .offset) for group; the
 * group must have no active member. */
int sl_kafka_group_alter_offsets(rd_kafka_t *rk, const char *group,
				 const rd_kafka_topic_partition_list_t *parts, int timeout_ms,
				 char *errstr, size_t errstr_size);
/* Removes the committed offsets of parts for group. */
int sl_kafka_group_delete_offsets(rd_kafka_t *rk, const char *group,
				  const rd_kafka_topic_partition_list_t *parts, int timeout_ms,
				  char *errstr, size_t errstr_size);
/* Deletes the group and every offset it has; a group that does not exist
 * counts as deleted. */
int sl_kafka_group_delete(rd_kafka_t *rk, const char *group, int timeout_ms, char *errstr,
			  size_t errstr_size);

#endif
