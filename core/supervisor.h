/* The task supervisor: with tasks.restart.on.failure, a thread that finds
 * FAILED tasks once a second and restarts each after an exponential
 * backoff with jitter (tasks.restart.backoff.initial.ms doubling up to
 * tasks.restart.backoff.max.ms). Kafka Connect leaves a failed task failed
 * until someone restarts it; this is for a worker that runs unattended. */
#ifndef SL_SUPERVISOR_H
#define SL_SUPERVISOR_H

#include "sluice/backoff.h"
#include "sluice/config.h"
#include "worker.h"

typedef struct sl_supervisor sl_supervisor_t;

/* Reads the restart keys from the worker config cfg (validated with
 * sl_worker_config_validate; NULL: the defaults) and, when
 * tasks.restart.on.failure is true, starts the supervisor thread over w,
 * which must outlive it. Returns the supervisor; NULL with errstr empty
 * when restarts are off, NULL with errstr saying why when a key is bad or
 * the thread cannot start. */
sl_supervisor_t *sl_supervisor_start(sl_worker_t *w, const sl_config_t *cfg, char *errstr,
				     size_t errstr_size);
/* Stops the thread (waiting for a restart it is doing) and frees s; NULL
 * does nothing. Call it before sl_worker_free, so that no task is
 * restarted while the worker stops. */
void sl_supervisor_stop(sl_supervisor_t *s);

/* How many times in a row the supervisor has restarted (or is about to
 * restart) the task: 0 for a task that never failed or that has run for
 * tasks.restart.backoff.max.ms since its last restart. */
unsigned sl_supervisor_attempts(sl_supervisor_t *s, const char *connector, int task);

/* The wait before a task's next restart, from its backoff b (initial and
 * max delays), which it advances: between half and all of
 * initial * 2^(restarts so far), capped at max. */
int64_t sl_supervisor_restart_delay(sl_backoff_t *b);

#endif
