/* The cluster's view (distributed mode, core/cluster.c): what the config
 * and status topics say, as plain data, built by replaying their records
 * in order, so every member that read the same records holds the same
 * view, slots included. No Kafka and no locks here: the cluster guards
 * the view with its own lock. The record formats are Kafka Connect's:
 *
 *   connector-<name>       {"properties": {...}} (null: deleted)
 *   task-<name>-<n>        {"properties": {...}} (read and not used: every
 *                          member splits a connector itself)
 *   commit-<name>          {"tasks": n}
 *   target-state-<name>    {"state": "STARTED"|"PAUSED",
 *                           "state.v2": "STARTED"|"PAUSED"|"STOPPED"}
 *   tasks-fencing-<name>   {"task-count": n} (exactly-once sources: the
 *                          tasks of every earlier commit were fenced)
 *   restart-connector-<name> {"include-tasks": b, "only-failed": b}
 *   restart-task-<name>-<n>  sluice's own: one task's restart (Kafka
 *                          Connect forwards those over HTTP instead)
 *   status-connector-<name>, status-task-<name>-<n>
 *                          {"state","trace","worker_id","generation"}
 *
 * Slots: a commit of n tasks keeps the slots of tasks below both the old
 * and new counts, frees those above n, and gives each new task the lowest
 * free slot (from 0; slot 0's holder is also the leader). */
#ifndef SL_CLUSTER_VIEW_H
#define SL_CLUSTER_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice/config.h"
#include "worker.h"

/* A connector as the config topic says. */
typedef struct sl_cview_conn {
	char *name;
	sl_config_t *raw; /* NULL until its connector record */
	sl_target_state_t target;
	int tasks;    /* its last commit */
	int *slots;   /* [tasks] */
	uint64_t gen; /* connector records read */
	uint64_t commits;
	uint64_t commit_gen; /* gen at its last commit */
	/* Exactly-once sources (KIP-618): a commit after the last
	 * tasks-fencing record leaves the connector pending fencing until
	 * the leader fenced the transactional ids of tasks 0..fence_upto-1
	 * (every task an earlier commit made since then) and wrote one. */
	bool pending_fencing;
	int fence_upto;
	struct sl_cview_conn *next;
} sl_cview_conn_t;

/* A restart asked for in a record at or after live_from (task -1: the
 * connector). */
typedef struct sl_cview_restart {
	char *name;
	int task;
	bool include_tasks, only_failed;
	struct sl_cview_restart *next;
} sl_cview_restart_t;

typedef struct sl_cview {
	sl_cview_conn_t *conns;
	unsigned char *used; /* slots allocated */
	int used_cap;
	int max_slot;
	json_t *statuses; /* status topic: key -> value */
	sl_cview_restart_t *restarts;
	int64_t live_from; /* config records from here ask for restarts */
	uint64_t version;  /* config records applied */
} sl_cview_t;

void sl_cview_init(sl_cview_t *v);
void sl_cview_free(sl_cview_t *v);
/* Applies one config record (v NULL: a tombstone) read at offset. */
void sl_cview_apply_config(sl_cview_t *v, const char *key, const json_t *value, int64_t offset);
/* Applies one status record (v NULL: a tombstone); other keys are ignored. */
void sl_cview_apply_status(sl_cview_t *v, const char *key, json_t *value);
/* The connector of that name (made, without a config, with create). */
sl_cview_conn_t *sl_cview_find(sl_cview_t *v, const char *name, bool create);
/* The value of a connector record for raw, and of a target-state record
 * (new references). */
json_t *sl_cview_config_record(const sl_config_t *raw);
json_t *sl_cview_target_record(sl_target_state_t target);

#endif
