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
	int64_t offset_flush_interval_ms;
	int64_t offset_flush_timeout_ms;
	int64_t shutdown_timeout_ms;
	char *key_converter;
	char *value_converter;
	int log_level;
	char *security_protocol;
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

/* Status in Kafka Connect's REST shape:
 * {"name","connector":{"state","worker_id"},"tasks":[{"id","state","worker_id",
 * "trace"?}],"type":"source"|"sink"}; new reference, NULL when unknown. */
json_t *sl_worker_connector_status(sl_worker_t *w, const char *name);
/* Names of every connector, as a new JSON array. */
json_t *sl_worker_connector_names(sl_worker_t *w);
/* True while at least one task of any connector is RUNNING or PAUSED. */
bool sl_worker_any_task_alive(sl_worker_t *w);

#endif
