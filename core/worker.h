/* The worker: owns the Kafka settings and the offset store, and runs
 * connectors, each as one or more tasks on threads of their own. Every
 * function here is thread safe (the REST API calls them from its threads). */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <jansson.h>

#include "sluice/config.h"
#include "sluice/connector.h"
#include "sluice/options.h"

typedef struct sl_worker sl_worker_t;

/* Typed worker settings, loaded from sl_worker_options. */
typedef struct sl_worker_settings {
	char *bootstrap_servers;
	char *offset_file;
	char *offset_topic; /* offset.storage.topic: offsets in Kafka; NULL: the file */
	int64_t offset_topic_partitions;
	int64_t offset_topic_replication_factor;
	int64_t offset_flush_interval_ms;
	int64_t offset_flush_timeout_ms;
	int64_t shutdown_timeout_ms;
	char *key_converter;
	char *value_converter;
	int log_level;
	char *security_protocol;
	char *listeners;          /* REST API: "http://host:port"; "" turns it off */
	char *rest_host_name;     /* used when listeners is not set */
	int64_t rest_port;        /* used when listeners is not set */
	char *rest_users_file;    /* basic auth: "user:password" lines; NULL: none */
	char *rest_ssl_cert_file; /* PEM certificate of an https:// listener */
	char *rest_ssl_key_file;  /* PEM private key of an https:// listener */
	int64_t rest_max_body_bytes;
	int64_t rest_max_connections;
	char *connector_config_dir; /* connectors created over REST; NULL: kept in memory */
	/* distributed mode (group.id set; see core/cluster.h) */
	char *group_id;
	char *config_topic;
	int64_t config_topic_replication_factor;
	char *status_topic;
	int64_t status_topic_partitions;
	int64_t status_topic_replication_factor;
	char *slots_topic; /* NULL: <config_topic>-slots */
	int64_t session_timeout_ms;
	int64_t heartbeat_interval_ms;
	int64_t rebalance_timeout_ms;
	int eos_source; /* exactly.once.source.support: 0 disabled, 1 preparing, 2 enabled */
	char *rest_advertised_host;
	int64_t rest_advertised_port;
} sl_worker_settings_t;

/* Option tables: the worker file, keys every connector has, and those of
 * source / sink connectors only. NULL-name terminated. */
extern const sl_option_t sl_worker_options[];
extern const sl_option_t sl_connector_common_options[];
extern const sl_option_t sl_source_common_options[];
extern const sl_option_t sl_sink_common_options[];
/* Key prefixes accepted without a table entry (NULL-terminated). */
extern const char *const sl_worker_prefixes[];
extern const char *const sl_connector_prefixes[];

/* Kafka Connect worker keys that sluice accepts and does not use, each
 * with .ignored saying why (NULL-name terminated), and key prefixes of the
 * same kind ({NULL, NULL} terminated). A Kafka Connect worker file thus
 * loads unchanged; keys no one defines are still errors. */
extern const sl_option_t sl_worker_ignored_options[];
typedef struct sl_worker_ignored_prefix {
	const char *prefix;
	const char *why;
} sl_worker_ignored_prefix_t;
extern const sl_worker_ignored_prefix_t sl_worker_ignored_prefixes[];
/* True when key is one of those (by name or prefix). */
bool sl_worker_key_is_ignored(const char *key);
/* Adds to notes one line for each ignored key of cfg (a prefix once):
 * "worker key 'rest.port' is Kafka Connect's; sluice has no REST API yet:
 * ignored", and for group.id that the worker runs standalone. Values are
 * never shown. The caller logs them. */
void sl_worker_config_notices(const sl_config_t *cfg, sl_errlist_t *notes);
/* Removes the ignored keys from cfg, so that no later stage (librdkafka's
 * admin.* passthrough meeting admin.listeners) sees them. */
void sl_worker_config_drop_ignored(sl_config_t *cfg);

/* Checks a worker config: known keys, types, the key and value converters
 * (names and key.converter.* / value.converter.* settings), and that
 * librdkafka accepts every producer.* / consumer.* / admin.* key. Adds
 * every problem to errs (with file:line); returns 0 when there was none. */
int sl_worker_config_validate(const sl_config_t *cfg, sl_errlist_t *errs);
/* Checks a connector config as a task would use it, so that what passes
 * here does not fail at start: connector.class known; common, source/sink
 * and connector options (names, topic names, bounds, ...); unknown keys;
 * for a sink exactly one of topics and topics.regex, the regex compiled as
 * librdkafka compiles the subscription, the dead letter queue not among the
 * topics read; the connector's own key/value converters created with their
 * settings; every producer/consumer/admin.override.* key set on a client
 * configuration (no client is made); the connector's own validate(). The
 * worker's converters, used when the connector names none, are checked by
 * sl_worker_config_validate. Adds every problem to errs; returns 0 when
 * there was none. Takes time linear in the number of keys. */
int sl_connector_config_validate(const sl_config_t *cfg, sl_errlist_t *errs);
/* The pattern a sink subscribes with for a topics.regex value: anchored at
 * both ends, as Java's Pattern.matches() (a value starting with '^' is
 * taken as it is). malloc()ed. */
char *sl_sink_topics_pattern(const char *regex);

/* Creates a worker from a validated config (NULL: all defaults), starts the
 * embedded cluster when asked, opens and locks the offset store. NULL with
 * errstr on failure. */
sl_worker_t *sl_worker_new(const sl_config_t *cfg, char *errstr, size_t errstr_size);
/* Stops every connector (tasks drain and store offsets) and frees all. */
void sl_worker_free(sl_worker_t *w);
const char *sl_worker_bootstrap(const sl_worker_t *w);
/* task.shutdown.graceful.timeout.ms: how long a stop may take. */
int64_t sl_worker_shutdown_timeout_ms(const sl_worker_t *w);

/* Adds a connector from a config (copied) and starts its tasks. -1 with
 * errstr when the config is invalid or the name is taken. */
int sl_worker_add_connector(sl_worker_t *w, const sl_config_t *cfg, char *errstr,
			    size_t errstr_size);
/* Stops the connector's tasks (offsets are stored) and forgets it. */
int sl_worker_remove_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size);
int sl_worker_pause_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size);
int sl_worker_resume_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size);
/* Stops and starts every task of the connector with its current config. */
int sl_worker_restart_connector(sl_worker_t *w, const char *name, char *errstr, size_t errstr_size);
/* Restarts one task (e.g. after it FAILED). */
int sl_worker_restart_task(sl_worker_t *w, const char *name, int task, char *errstr,
			   size_t errstr_size);

/* What a connector should be doing: Kafka Connect's target states. STOPPED
 * keeps the config and runs no task (offsets may then be changed). */
typedef enum sl_target_state {
	SL_TARGET_RUNNING = 0,
	SL_TARGET_PAUSED,
	SL_TARGET_STOPPED,
} sl_target_state_t;

/* "RUNNING", "PAUSED", "STOPPED"; and the reverse (-1 when unknown). */
const char *sl_target_state_name(sl_target_state_t s);
int sl_target_state_parse(const char *s);

/* Why a worker call below failed, so that the REST API can answer with the
 * right status; the message is in errstr / errs. */
typedef enum sl_worker_err {
	SL_WERR_NONE = 0,
	SL_WERR_NOT_FOUND, /* no such connector or task */
	SL_WERR_CONFLICT,  /* the name is taken */
	SL_WERR_INVALID,   /* the config or request is not valid */
	SL_WERR_STATE,     /* not allowed in the connector's current state */
	SL_WERR_FAILED,    /* Kafka or the offset store failed */
} sl_worker_err_t;

/* Creates or replaces a connector from raw, the config as a user gave it
 * (config provider references not resolved: they are resolved for the
 * tasks, and the raw text is what the API shows and what is persisted).
 * The config is validated first, every problem added to errs
 * (SL_WERR_INVALID). A new connector starts in initial; a replaced one
 * keeps its target state and restarts its tasks with the new config.
 * With replace false an existing name is SL_WERR_CONFLICT. *created (may
 * be NULL) says whether the connector is new. A connector created or
 * replaced here is written to connector.config.dir when it is set. */
sl_worker_err_t sl_worker_put_connector(sl_worker_t *w, const sl_config_t *raw,
					sl_target_state_t initial, bool replace, bool *created,
					sl_errlist_t *errs);
/* Stops the connector's tasks and keeps its config (target STOPPED). */
sl_worker_err_t sl_worker_stop_connector(sl_worker_t *w, const char *name, char *errstr,
					 size_t errstr_size);
/* Kafka Connect's restart: the connector (with only_failed: only when it
 * FAILED; sluice's connector has nothing running of its own, so this
 * splits it into tasks again only when that split had failed) and, with
 * include_tasks, its tasks (with only_failed: the FAILED ones). When
 * status_out is not NULL it gets the status from before the restart with
 * what is restarted marked RESTARTING (a new reference; NULL when
 * unknown). */
sl_worker_err_t sl_worker_restart(sl_worker_t *w, const char *name, bool include_tasks,
				  bool only_failed, json_t **status_out, char *errstr,
				  size_t errstr_size);
/* Removes the connector and its file in connector.config.dir. */
sl_worker_err_t sl_worker_delete_connector(sl_worker_t *w, const char *name, char *errstr,
					   size_t errstr_size);

/* The connector's config as a new JSON object of strings, as the API shows
 * it: a value that came from a config provider is shown as its ${...}
 * reference, a secret without one as "[hidden]". NULL when unknown. */
json_t *sl_worker_connector_config(sl_worker_t *w, const char *name);
/* The config as given (a copy; secrets included: for the worker's own use,
 * e.g. PATCH). NULL when unknown. */
sl_config_t *sl_worker_connector_raw_config(sl_worker_t *w, const char *name);
/* {"name","config","tasks":[{"connector","task"}],"type"}; NULL when
 * unknown. */
json_t *sl_worker_connector_info(sl_worker_t *w, const char *name);
/* [{"id":{"connector","task"},"config":{...}}] of the running tasks
 * (secrets hidden as above); NULL when unknown. */
json_t *sl_worker_task_configs(sl_worker_t *w, const char *name);
/* {"id","state","worker_id","trace"?} of one task; NULL when unknown. */
json_t *sl_worker_task_status(sl_worker_t *w, const char *name, int task);
/* The connector's target state; -1 when unknown. */
int sl_worker_target_state(sl_worker_t *w, const char *name);
/* The topics the connector used since it was created or its topics were
 * reset, as a new JSON array; NULL when unknown. A sink's are its topics;
 * a source's those its tasks wrote to (known when a task stops) and the
 * topic its config names. */
json_t *sl_worker_connector_topics(sl_worker_t *w, const char *name);
sl_worker_err_t sl_worker_reset_topics(sl_worker_t *w, const char *name, char *errstr,
				       size_t errstr_size);

/* Offsets in KIP-875's shape {"offsets":[{"partition":{},"offset":{}}]}:
 * a source connector's from the offset store, a sink's from its consumer
 * group connect-<name> ({"kafka_topic","kafka_partition"} ->
 * {"kafka_offset"}). *out is a new reference on SL_WERR_NONE. */
sl_worker_err_t sl_worker_get_offsets(sl_worker_t *w, const char *name, json_t **out, char *errstr,
				      size_t errstr_size);
/* Alters offsets (the "offsets" array of KIP-875's request; a null offset
 * removes one) or, with offsets NULL, removes every offset of the
 * connector (a sink's consumer group is deleted). The connector must be
 * STOPPED (SL_WERR_STATE otherwise). */
sl_worker_err_t sl_worker_alter_offsets(sl_worker_t *w, const char *name, const json_t *offsets,
					char *errstr, size_t errstr_size);

/* The Kafka cluster's id (malloc()ed), or NULL when it cannot be learned
 * within timeout_ms. */
char *sl_worker_kafka_cluster_id(sl_worker_t *w, int timeout_ms);
const sl_worker_settings_t *sl_worker_settings(const sl_worker_t *w);
/* Counts over every connector: tasks FAILED, and connectors that should
 * run (target RUNNING) but have a task or the connector not RUNNING (the
 * first such name in *waiting, malloc()ed, when waiting is not NULL). */
void sl_worker_health(sl_worker_t *w, int *failed, int *not_running, char **waiting);

/* Applies the connector files of connector.config.dir (nothing when it is
 * not set): a new file adds its connector in its state, a changed config
 * replaces the connector's (its tasks restart), a changed state alone
 * moves it, an unchanged file touches nothing, and a connector that came
 * from the directory whose file is gone is removed. Called at start and on
 * SIGHUP. Every problem (a file that does not parse, an invalid config) is
 * added to errs, and the other files still apply. Returns the number of
 * connectors added, changed or removed. */
int sl_worker_apply_config_dir(sl_worker_t *w, sl_errlist_t *errs);

/* ---- distributed mode (group.id set; core/cluster.c) ----
 * The worker then holds every connector of the cluster, runs only the
 * tasks whose slots this member holds, and sends every change above to
 * the config topic instead of making it itself; the cluster applies the
 * topic through the calls below. */

/* Joins the cluster once the REST API listens on rest_port (this member's
 * worker id is host:rest_port). 0 in standalone mode; -1 with errstr. */
int sl_worker_cluster_start(sl_worker_t *w, int rest_port, char *errstr, size_t errstr_size);
/* Makes the connector of raw (its "name") exist here with that config and
 * target state (a changed config restarts its tasks); problems are logged. */
void sl_worker_apply_connector(sl_worker_t *w, const sl_config_t *raw, sl_target_state_t target);
void sl_worker_apply_removal(sl_worker_t *w, const char *name);
/* A restart asked for in the config topic: of what runs here only. */
void sl_worker_apply_restart(sl_worker_t *w, const char *name, int task, bool include_tasks,
			     bool only_failed);
/* Starts the tasks this member now holds and stops (offsets stored) those
 * it no longer does; with abandon (its membership was lost: another
 * member may run them already) they stop writing nothing more: no flush,
 * no commit, no offsets. */
void sl_worker_sync_tasks(sl_worker_t *w, bool abandon);
/* How many tasks the connector splits into here; -1 when unknown or the
 * split failed. */
int sl_worker_local_task_count(sl_worker_t *w, const char *name);
/* Whether the connector (loaded here) is a source connector. */
bool sl_worker_connector_is_source(sl_worker_t *w, const char *name);
/* Why the connector's split failed (malloc()ed), or NULL. */
char *sl_worker_connector_trace(sl_worker_t *w, const char *name);
/* Calls fn, outside the worker's locks, for every task running here with
 * its state name and trace (NULL unless FAILED). */
void sl_worker_started_tasks(sl_worker_t *w,
			     void (*fn)(void *arg, const char *connector, int task,
					const char *state, const char *trace),
			     void *arg);

/* Status in Kafka Connect's REST shape:
 * {"name","connector":{"state","worker_id"},"tasks":[{"id","state","worker_id",
 * "trace"?}],"type":"source"|"sink"}; new reference, NULL when unknown. */
json_t *sl_worker_connector_status(sl_worker_t *w, const char *name);
/* Names of every connector, as a new JSON array. */
json_t *sl_worker_connector_names(sl_worker_t *w);

/* Calls fn for every task of every connector, under the worker's lock (fn
 * must be quick and call no worker function): with the connector's name,
 * plugin and state ("RUNNING", "PAUSED", "STOPPED", "FAILED"), the task's
 * id and context; once with task -1 and t NULL for a connector without
 * tasks. Connectors come one after the other, their tasks in id order.
 * Everything is borrowed for the call. For the metrics (core/metrics.c). */
void sl_worker_each_task(sl_worker_t *w,
			 void (*fn)(void *arg, const char *connector, const sl_connector_t *plugin,
				    const char *state, int task, sl_task_ctx_t *t),
			 void *arg);

#endif
