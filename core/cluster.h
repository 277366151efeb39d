/* Distributed mode: a worker with group.id is one member of a cluster that
 * keeps its state in Kafka, in Kafka Connect's formats, and hands tasks
 * out through Kafka's own group membership.
 *
 * - config.storage.topic (one partition, compacted): connector-<name>,
 *   task-<name>-<n>, commit-<name>, target-state-<name>,
 *   restart-connector-<name>, as Kafka Connect writes them. Every member
 *   reads it from the start and keeps the same view; REST writes go there
 *   and are answered once this member has applied them.
 * - status.storage.topic: status-connector-<name>, status-task-<name>-<n>;
 *   each member writes those of what it runs, and answers status from it.
 * - task.slots.topic: no records; its partitions are slots. The members
 *   consume it as group group.id with the cooperative-sticky assignor, so
 *   the group coordinator hands the slots out and a rebalance moves only
 *   what it must. Every task holds a slot, allocated by replaying the
 *   config topic (the lowest free slot, in record order), so every member
 *   computes the same allocation without talking to the others; the topic
 *   has one partition per slot in use, so a balance of slots is a balance
 *   of tasks. Slot 0 (a task's too) makes its holder the leader: it
 *   writes task configs and connector statuses, and grows the topic.
 *
 * A member stops the tasks of slots it gives up before it lets them go,
 * and its tasks deliver nothing while its lease is out (it has not run
 * its membership loop within session.timeout.ms / 2: paused, starved). */
#ifndef SL_CLUSTER_H
#define SL_CLUSTER_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kafka.h"
#include "worker.h"

typedef struct sl_cluster sl_cluster_t;

/* Creates the topics when missing and the clients; nothing runs yet. NULL
 * with errstr. */
sl_cluster_t *sl_cluster_new(sl_worker_t *w, sl_kafka_t *k, const sl_worker_settings_t *ws,
			     char *errstr, size_t errstr_size);
/* Reads the config topic to its end (so every connector is known), then
 * joins the group and runs. worker_id names this member in statuses
 * ("host:port" of its REST API). */
int sl_cluster_start(sl_cluster_t *c, const char *worker_id, char *errstr, size_t errstr_size);
/* Leaves the group (this member's tasks stopped first) and frees all. */
void sl_cluster_free(sl_cluster_t *c);

/* Whether this member runs task of connector name now; with
 * fenced_first (an exactly-once source) not before the leader fenced the
 * tasks of the connector's earlier commits. */
bool sl_cluster_owns(sl_cluster_t *c, const char *name, int task, bool fenced_first);
/* Until when (sl_now_ms) this member's tasks may deliver. */
const atomic_llong *sl_cluster_lease(sl_cluster_t *c);

/* Writes to the config topic, each answered once this member applied it.
 * 0, or -1 with errstr. */
int sl_cluster_put_connector(sl_cluster_t *c, const char *name, const sl_config_t *raw,
			     int initial_target, char *errstr, size_t errstr_size);
int sl_cluster_delete_connector(sl_cluster_t *c, const char *name, char *errstr,
				size_t errstr_size);
int sl_cluster_set_target(sl_cluster_t *c, const char *name, sl_target_state_t target, char *errstr,
			  size_t errstr_size);
/* Kafka Connect's restart-connector record; with task >= 0 one task
 * (restart-task-<name>-<n>, a record of sluice's own). */
int sl_cluster_restart(sl_cluster_t *c, const char *name, int task, bool include_tasks,
		       bool only_failed, char *errstr, size_t errstr_size);

/* The status record of a connector (task -1) or task as the status topic
 * holds it ({"state","trace","worker_id","generation"}), a new reference;
 * NULL when there is none. */
json_t *sl_cluster_status(sl_cluster_t *c, const char *name, int task);

#endif
