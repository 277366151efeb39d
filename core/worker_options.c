/* Option tables of the worker file and of the keys every connector has
 * (Kafka Connect's names), and validation of whole worker and connector
 * configs against them: everything a task would refuse at run time. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "kafka.h"
#include "rest.h"
#include "task.h"
#include "transform.h"
#include "worker.h"

/* Kafka Connect's rule for connector names (ConfigDef's
 * NonEmptyStringWithoutControlChars), plus: well-formed UTF-8 (the name
 * keys the JSON offset file) and no blank at either end (Kafka Connect's
 * REST API trims it, so the name would not be the same there). */
static bool check_connector_name(const char *value, char *why, size_t why_size)
{
	size_t len = strlen(value);
	const char *bad = sl_config_find_unprintable(value);

	if (len == 0)
		snprintf(why, why_size, "a connector name may not be empty");
	else if (bad)
		snprintf(why, why_size,
			 "a connector name may not hold control characters or bytes that are "
			 "not UTF-8 (byte %zu)",
			 (size_t)(bad - value) + 1);
	else if (value[0] == ' ' || value[len - 1] == ' ')
		snprintf(why, why_size, "a connector name may not begin or end with a blank");
	else
		return true;
	return false;
}

/* The dead letter queue topic: empty (no queue) or a valid topic name. */
static bool check_dlq_topic(const char *value, char *why, size_t why_size)
{
	return !*value || sl_opt_check_topic(value, why, why_size);
}

static const char *const eos_support[] = {"disabled", "preparing", "enabled", NULL};
static const char *const eos_connector[] = {"requested", "required", NULL};
static const char *const txn_boundaries[] = {"poll", "interval", "connector", NULL};
static const char *const log_levels[] = {"error", "warn", "info", "debug", "trace", NULL};
static const char *const tolerances[] = {"none", "all", NULL};
static const char *const log_formats[] = {"text", "json", NULL};

const sl_option_t sl_worker_options[] = {
	{.name = "bootstrap.servers",
	 .type = SL_OPT_STRING,
	 .def = "localhost:9092",
	 .doc = "Kafka brokers to connect to (host:port, comma separated). \"embedded\" starts "
		"librdkafka's in-process mock cluster: data in memory only, for demos and tests.",
	 SL_OPT_AT(sl_worker_settings_t, bootstrap_servers)},
	{.name = "offset.storage.file.filename",
	 .type = SL_OPT_STRING,
	 .def = "sluice.offsets.json",
	 .doc = "File holding source connector offsets (standalone mode). Replaced atomically "
		"on each flush and locked while a worker runs.",
	 SL_OPT_AT(sl_worker_settings_t, offset_file)},
	{.name = "offset.storage.topic",
	 .type = SL_OPT_STRING,
	 .doc = "Kafka topic holding source connector offsets, in Kafka Connect's format (keys "
		"[\"<connector>\",{partition}], JSON offsets, compacted): a connector moved from "
		"a Kafka Connect cluster sharing the topic resumes where that cluster stopped, "
		"and the other way round. Created when missing. When set, "
		"offset.storage.file.filename is not used.",
	 SL_OPT_AT(sl_worker_settings_t, offset_topic)},
	{.name = "offset.storage.partitions",
	 .type = SL_OPT_INT,
	 .def = "25",
	 SL_OPT_MIN(1),
	 .doc = "Partitions of offset.storage.topic when sluice creates it.",
	 SL_OPT_AT(sl_worker_settings_t, offset_topic_partitions)},
	{.name = "offset.storage.replication.factor",
	 .type = SL_OPT_INT,
	 .def = "3",
	 SL_OPT_MIN(-1),
	 .doc = "Replication factor of offset.storage.topic when sluice creates it (-1: the "
		"broker's default).",
	 SL_OPT_AT(sl_worker_settings_t, offset_topic_replication_factor)},
	{.name = "offset.flush.interval.ms",
	 .type = SL_OPT_INT,
	 .def = "10000",
	 .doc = "How often source offsets are stored and sink consumer offsets committed "
		"(after the sink's flush). A sink task that has caught up with its "
		"partitions flushes and commits sooner: 100 ms after its last flush.",
	 SL_OPT_MIN(1),
	 SL_OPT_AT(sl_worker_settings_t, offset_flush_interval_ms)},
	{.name = "offset.flush.timeout.ms",
	 .type = SL_OPT_INT,
	 .def = "5000",
	 .doc = "On stop, how long a source task waits for Kafka to acknowledge outstanding "
		"records before it stores the offsets it has.",
	 SL_OPT_MIN(0),
	 SL_OPT_AT(sl_worker_settings_t, offset_flush_timeout_ms)},
	{.name = "task.shutdown.graceful.timeout.ms",
	 .type = SL_OPT_INT,
	 .def = "10000",
	 .doc = "How long the worker waits for tasks to stop on shutdown before it exits "
		"anyway (status 1; offsets not yet stored are lost, their records sent again).",
	 SL_OPT_MIN(0),
	 SL_OPT_AT(sl_worker_settings_t, shutdown_timeout_ms)},
	{.name = "key.converter",
	 .type = SL_OPT_STRING,
	 .def = "json",
	 .doc = "Converter for record keys: json, string, bytes or a Kafka Connect class name. "
		"Its own keys go under key.converter.* (e.g. key.converter.schemas.enable).",
	 SL_OPT_AT(sl_worker_settings_t, key_converter)},
	{.name = "value.converter",
	 .type = SL_OPT_STRING,
	 .def = "json",
	 .doc = "Converter for record values, like key.converter.",
	 SL_OPT_AT(sl_worker_settings_t, value_converter)},
	{.name = "log.level",
	 .type = SL_OPT_ENUM,
	 .def = "info",
	 .enums = log_levels,
	 .doc = "Most verbose log level printed.",
	 SL_OPT_AT(sl_worker_settings_t, log_level)},
	{.name = "log.format",
	 .type = SL_OPT_ENUM,
	 .def = "text",
	 .enums = log_formats,
	 .doc = "Log line format on stderr: text, or json (one object per line with ts, level, "
		"tag and msg, for log shippers). Under systemd's journal text lines carry the "
		"syslog priority instead of a time stamp."},
	{.name = "tasks.restart.on.failure",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Restart FAILED tasks by themselves, after a backoff (Kafka Connect leaves them "
		"failed until restarted through its REST API). The reason and the attempt are "
		"logged."},
	{.name = "tasks.restart.backoff.initial.ms",
	 .type = SL_OPT_INT,
	 .def = "1000",
	 .doc = "Wait before the first automatic restart of a failed task; it doubles with "
		"each restart in a row, with jitter (between half and all of it).",
	 SL_OPT_MIN(1)},
	{.name = "tasks.restart.backoff.max.ms",
	 .type = SL_OPT_INT,
	 .def = "60000",
	 .doc = "Longest wait between automatic restarts of a failed task. A task that has "
		"run this long since its restart waits tasks.restart.backoff.initial.ms again "
		"when it next fails.",
	 SL_OPT_MIN(1)},
	{.name = "config.providers",
	 .type = SL_OPT_LIST,
	 .doc = "Names of the config providers that ${name:...} references in this file may "
		"use, each with config.providers.<name>.class (FileConfigProvider, "
		"EnvVarConfigProvider or DirectoryConfigProvider) and optional "
		"config.providers.<name>.param.* settings. env, file and dir work undeclared."},
	{.name = "security.protocol",
	 .type = SL_OPT_STRING,
	 .doc = "Passed to every Kafka client, like sasl.* and ssl.* keys.",
	 SL_OPT_AT(sl_worker_settings_t, security_protocol)},
	{.name = "listeners",
	 .type = SL_OPT_STRING,
	 .check = sl_rest_check_listener,
	 .doc = "Where the REST API listens: http://HOST:PORT or https://HOST:PORT (an empty "
		"HOST: every interface; port 0: any free port). Of a comma separated list only "
		"the first is used. Unset: http://<rest.host.name>:<rest.port>; empty: no REST "
		"API.",
	 SL_OPT_AT(sl_worker_settings_t, listeners)},
	{.name = "rest.host.name",
	 .type = SL_OPT_STRING,
	 .def = "127.0.0.1",
	 .doc = "The REST API's address when listeners is not set (Kafka Connect's older key). "
		"sluice listens on the loopback address unless told otherwise.",
	 SL_OPT_AT(sl_worker_settings_t, rest_host_name)},
	{.name = "rest.port",
	 .type = SL_OPT_INT,
	 .def = "8083",
	 SL_OPT_MIN(0),
	 SL_OPT_MAX(65535),
	 .doc = "The REST API's port when listeners is not set.",
	 SL_OPT_AT(sl_worker_settings_t, rest_port)},
	{.name = "rest.auth.basic.users.file",
	 .type = SL_OPT_STRING,
	 .doc = "Turns on HTTP basic authentication of the REST API: a file of user:password "
		"lines (# starts a comment). Read at start. Every request but GET /health and "
		"GET /ready then needs a listed user (401 otherwise).",
	 SL_OPT_AT(sl_worker_settings_t, rest_users_file)},
	{.name = "rest.ssl.cert.file",
	 .type = SL_OPT_STRING,
	 .doc = "PEM certificate (chain) of an https:// listener; sluice takes PEM files where "
		"Kafka Connect takes listeners.https.ssl.keystore.*.",
	 SL_OPT_AT(sl_worker_settings_t, rest_ssl_cert_file)},
	{.name = "rest.ssl.key.file",
	 .type = SL_OPT_STRING,
	 .doc = "PEM private key (unencrypted) of an https:// listener.",
	 SL_OPT_AT(sl_worker_settings_t, rest_ssl_key_file)},
	{.name = "rest.max.body.bytes",
	 .type = SL_OPT_INT,
	 .def = "1048576",
	 SL_OPT_MIN(1024),
	 .doc = "Largest request body the REST API reads; a larger one is answered 413.",
	 SL_OPT_AT(sl_worker_settings_t, rest_max_body_bytes)},
	{.name = "rest.max.connections",
	 .type = SL_OPT_INT,
	 .def = "1024",
	 SL_OPT_MIN(1),
	 .doc = "Most connections the REST API serves at once (a thread each).",
	 SL_OPT_AT(sl_worker_settings_t, rest_max_connections)},
	{.name = "connector.config.dir",
	 .type = SL_OPT_STRING,
	 .doc = "Directory where connectors created or changed over the REST API are stored, "
		"one <name>.json each ({\"name\",\"config\",\"initial_state\"}); they come back "
		"in their state after a restart, and files added, changed or removed there are "
		"applied on SIGHUP. Unset: such connectors live until the worker stops.",
	 SL_OPT_AT(sl_worker_settings_t, connector_config_dir)},
	{.name = "group.id",
	 .type = SL_OPT_STRING,
	 .doc = "Makes the worker a member of a distributed cluster of that name (Kafka Connect's "
		"distributed mode): connectors are created over the REST API of any member, kept "
		"in "
		"config.storage.topic, and their tasks spread over the members through Kafka's "
		"group membership (see docs/scaling.md). Connector files on the command line and "
		"connector.config.dir are refused then.",
	 SL_OPT_AT(sl_worker_settings_t, group_id)},
	{.name = "config.storage.topic",
	 .type = SL_OPT_STRING,
	 .check = sl_opt_check_topic,
	 .doc = "Distributed mode: the compacted, one-partition topic holding connector configs, "
		"task configs and target states in Kafka Connect's format. Required with group.id.",
	 SL_OPT_AT(sl_worker_settings_t, config_topic)},
	{.name = "config.storage.replication.factor",
	 .type = SL_OPT_INT,
	 .def = "3",
	 SL_OPT_MIN(-1),
	 .doc = "Replication factor of config.storage.topic when sluice creates it (-1: the "
		"broker's default).",
	 SL_OPT_AT(sl_worker_settings_t, config_topic_replication_factor)},
	{.name = "status.storage.topic",
	 .type = SL_OPT_STRING,
	 .check = sl_opt_check_topic,
	 .doc = "Distributed mode: the compacted topic holding connector and task statuses in "
		"Kafka Connect's format; every member answers status requests from it. Required "
		"with group.id.",
	 SL_OPT_AT(sl_worker_settings_t, status_topic)},
	{.name = "status.storage.partitions",
	 .type = SL_OPT_INT,
	 .def = "5",
	 SL_OPT_MIN(1),
	 .doc = "Partitions of status.storage.topic when sluice creates it.",
	 SL_OPT_AT(sl_worker_settings_t, status_topic_partitions)},
	{.name = "status.storage.replication.factor",
	 .type = SL_OPT_INT,
	 .def = "3",
	 SL_OPT_MIN(-1),
	 .doc = "Replication factor of status.storage.topic when sluice creates it (-1: the "
		"broker's default).",
	 SL_OPT_AT(sl_worker_settings_t, status_topic_replication_factor)},
	{.name = "task.slots.topic",
	 .type = SL_OPT_STRING,
	 .check = sl_opt_check_topic,
	 .doc = "Distributed mode: the topic whose partitions are the cluster's task slots; the "
		"members consume it as group group.id, so the group coordinator hands the slots "
		"out (partition 0 makes its holder the leader). It holds no records. Default: "
		"<config.storage.topic>-slots. Created and grown as connectors need slots.",
	 SL_OPT_AT(sl_worker_settings_t, slots_topic)},
	{.name = "session.timeout.ms",
	 .type = SL_OPT_INT,
	 .def = "10000",
	 SL_OPT_MIN(1000),
	 .doc = "Distributed mode: a member not heard from this long leaves the group and its "
		"tasks move to the others; a member that cannot reach the group this long "
		"stops its tasks first.",
	 SL_OPT_AT(sl_worker_settings_t, session_timeout_ms)},
	{.name = "heartbeat.interval.ms",
	 .type = SL_OPT_INT,
	 .def = "3000",
	 SL_OPT_MIN(100),
	 .doc = "Distributed mode: how often a member tells the group it is alive.",
	 SL_OPT_AT(sl_worker_settings_t, heartbeat_interval_ms)},
	{.name = "exactly.once.source.support",
	 .type = SL_OPT_ENUM,
	 .def = "disabled",
	 .enums = eos_support,
	 .doc = "enabled: every source task writes its records and its offsets (to "
		"offset.storage.topic) in Kafka transactions, with the transactional id "
		"<group.id>-<connector>-<task>, so a read_committed consumer sees each record "
		"once and a task's zombie is fenced (Kafka Connect's KIP-618). Needs group.id, "
		"as in Kafka Connect. preparing is accepted and means disabled.",
	 SL_OPT_AT(sl_worker_settings_t, eos_source)},
	{.name = "rest.advertised.host.name",
	 .type = SL_OPT_STRING,
	 .doc = "Distributed mode: the host name this member gives the others and its "
		"statuses' worker_id (default: the REST listener's host, else the machine's "
		"name).",
	 SL_OPT_AT(sl_worker_settings_t, rest_advertised_host)},
	{.name = "rest.advertised.port",
	 .type = SL_OPT_INT,
	 .def = "0",
	 SL_OPT_MIN(0),
	 SL_OPT_MAX(65535),
	 .doc = "Distributed mode: the port in this member's worker_id (0: the port the REST "
		"API listens on).",
	 SL_OPT_AT(sl_worker_settings_t, rest_advertised_port)},
	{.name = "rebalance.timeout.ms",
	 .type = SL_OPT_INT,
	 .def = "60000",
	 SL_OPT_MIN(1000),
	 .doc = "Distributed mode: how long a member may take to stop the tasks it gives up "
		"in a rebalance before the group goes on without it.",
	 SL_OPT_AT(sl_worker_settings_t, rebalance_timeout_ms)},
	SL_OPT_END,
};

const char *const sl_worker_prefixes[] = {"producer.",      "consumer.",         "admin.",
					  "key.converter.", "value.converter.",  "sasl.",
					  "ssl.",           "config.providers.", NULL};

/* Why Kafka Connect worker keys sluice has no use for are ignored; the
 * notice reads "worker key 'K' is Kafka Connect's; <why>: ignored". */
#define WHY_REST "sluice's REST API does not use it"
#define WHY_GROUP                                                                                  \
	"sluice's distributed mode hands tasks out through Kafka's consumer group protocol "       \
	"(docs/scaling.md), not Kafka Connect's own"
#define WHY_CLIENT                                                                                 \
	"it sets the clients of Kafka Connect's group and internal topics, which sluice does "     \
	"not have (producer.*, consumer.* and admin.* set sluice's clients)"
#define WHY_METRICS "sluice has no metrics reporters yet"
#define WHY_INTERNAL "Kafka Connect 3.0 removed it, and sluice stores offsets as JSON"

#define IGNORED(key, why)                                                                          \
	{                                                                                          \
		.name = (key), .type = SL_OPT_STRING, .ignored = (why), .doc = (why)               \
	}

const sl_option_t sl_worker_ignored_options[] = {
	IGNORED("plugin.path", "every connector is built into sluice"),
	IGNORED("plugin.discovery", "every connector is built into sluice"),
	IGNORED("worker.sync.timeout.ms", WHY_GROUP),
	IGNORED("worker.unsync.backoff.ms", WHY_GROUP),
	IGNORED("scheduled.rebalance.max.delay.ms", WHY_GROUP),
	IGNORED("connect.protocol", WHY_GROUP),
	IGNORED("inter.worker.key.generation.algorithm", WHY_GROUP),
	IGNORED("inter.worker.key.size", WHY_GROUP),
	IGNORED("inter.worker.key.ttl.ms", WHY_GROUP),
	IGNORED("inter.worker.signature.algorithm", WHY_GROUP),
	IGNORED("inter.worker.verification.algorithms", WHY_GROUP),
	IGNORED("rest.advertised.listener.protocol", WHY_REST),
	IGNORED("rest.extension.classes", WHY_REST),
	IGNORED("admin.listeners", WHY_REST),
	IGNORED("access.control.allow.origin", WHY_REST),
	IGNORED("access.control.allow.methods", WHY_REST),
	IGNORED("response.http.headers.config", WHY_REST),
	IGNORED("connector.client.config.override.policy",
		"sluice allows every client override (Kafka Connect's All policy)"),
	IGNORED("topic.creation.enable",
		"sluice always creates a source connector's missing topics "
		"(topic.creation.default.*)"),
	IGNORED("topic.tracking.enable", "sluice does not track the topics connectors use"),
	IGNORED("topic.tracking.allow.reset", "sluice does not track the topics connectors use"),
	IGNORED("header.converter", "sluice has no header converters yet: headers pass as bytes"),
	IGNORED("internal.key.converter", WHY_INTERNAL),
	IGNORED("internal.value.converter", WHY_INTERNAL),
	IGNORED("metrics.sample.window.ms", WHY_METRICS),
	IGNORED("metrics.num.samples", WHY_METRICS),
	IGNORED("metrics.recording.level", WHY_METRICS),
	IGNORED("metric.reporters", WHY_METRICS),
	IGNORED("auto.include.jmx.reporter", WHY_METRICS),
	IGNORED("client.id", WHY_CLIENT),
	IGNORED("client.dns.lookup", WHY_CLIENT),
	IGNORED("metadata.max.age.ms", WHY_CLIENT),
	IGNORED("metadata.recovery.strategy", WHY_CLIENT),
	IGNORED("send.buffer.bytes", WHY_CLIENT),
	IGNORED("receive.buffer.bytes", WHY_CLIENT),
	IGNORED("reconnect.backoff.ms", WHY_CLIENT),
	IGNORED("reconnect.backoff.max.ms", WHY_CLIENT),
	IGNORED("retry.backoff.ms", WHY_CLIENT),
	IGNORED("retry.backoff.max.ms", WHY_CLIENT),
	IGNORED("request.timeout.ms", WHY_CLIENT),
	IGNORED("connections.max.idle.ms", WHY_CLIENT),
	IGNORED("socket.connection.setup.timeout.ms", WHY_CLIENT),
	IGNORED("socket.connection.setup.timeout.max.ms", WHY_CLIENT),
	SL_OPT_END,
};

const sl_worker_ignored_prefix_t sl_worker_ignored_prefixes[] = {
	{"internal.key.converter.", WHY_INTERNAL},
	{"internal.value.converter.", WHY_INTERNAL},
	{"header.converter.", "sluice has no header converters yet: headers pass as bytes"},
	{"listeners.",
	 "sluice's REST API takes PEM files (rest.ssl.cert.file, rest.ssl.key.file) where Kafka "
	 "Connect takes keystores"},
	{"admin.listeners.", WHY_REST},
	{"metrics.context.", WHY_METRICS},
	{NULL, NULL},
};

/* The ignored option or prefix entry key falls under, or NULL. */
static const char *ignored_why(const char *key, const char **what)
{
	const sl_option_t *o = sl_options_find(sl_worker_ignored_options, key);

	*what = key;
	if (o)
		return o->ignored;
	for (const sl_worker_ignored_prefix_t *p = sl_worker_ignored_prefixes; p->prefix; p++) {
		if (!strncmp(key, p->prefix, strlen(p->prefix))) {
			*what = p->prefix;
			return p->why;
		}
	}
	return NULL;
}

bool sl_worker_key_is_ignored(const char *key)
{
	const char *what;
	return ignored_why(key, &what) != NULL;
}

/* Adds one notice per ignored key or prefix set (a prefix once). */
void sl_worker_config_notices(const sl_config_t *cfg, sl_errlist_t *notes)
{
	sl_config_t *told = sl_config_new(); /* the keys and prefixes noted */
	char shown[256];

	for (size_t i = 0; i < sl_config_count(cfg); i++) {
		const char *what, *why = ignored_why(sl_config_at(cfg, i)->key, &what);
		if (!why || sl_config_get(told, what))
			continue;
		sl_config_set(told, what, "", NULL, 0);
		sl_errlist_addf(notes, "worker key%s '%s%s' %s Kafka Connect's; %s: ignored",
				what == sl_config_at(cfg, i)->key ? "" : "s",
				sl_config_printable(what, shown, sizeof(shown)),
				what == sl_config_at(cfg, i)->key ? "" : "*",
				what == sl_config_at(cfg, i)->key ? "is" : "are", why);
	}
	sl_config_free(told);
}

void sl_worker_config_drop_ignored(sl_config_t *cfg)
{
	for (size_t i = 0; i < sl_config_count(cfg);) {
		if (sl_worker_key_is_ignored(sl_config_at(cfg, i)->key))
			sl_config_unset(cfg, sl_config_at(cfg, i)->key);
		else
			i++;
	}
}

const sl_option_t sl_connector_common_options[] = {
	{.name = "name",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "Unique name of the connector; also names its consumer group (connect-<name>) "
		"and keys its offsets. Not empty, without control characters, without a blank "
		"at either end.",
	 .check = check_connector_name,
	 SL_OPT_AT(sl_connector_settings_t, name)},
	{.name = "connector.class",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The connector: a sluice name (file-source) or a Kafka Connect class alias.",
	 SL_OPT_AT(sl_connector_settings_t, connector_class)},
	{.name = "tasks.max",
	 .type = SL_OPT_INT,
	 .def = "1",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1024),
	 .doc = "Most tasks the connector may run.",
	 SL_OPT_AT(sl_connector_settings_t, tasks_max)},
	{.name = "key.converter",
	 .type = SL_OPT_STRING,
	 .doc = "Overrides the worker's key.converter for this connector.",
	 SL_OPT_AT(sl_connector_settings_t, key_converter)},
	{.name = "value.converter",
	 .type = SL_OPT_STRING,
	 .doc = "Overrides the worker's value.converter for this connector.",
	 SL_OPT_AT(sl_connector_settings_t, value_converter)},
	{.name = "errors.tolerance",
	 .type = SL_OPT_ENUM,
	 .def = "none",
	 .enums = tolerances,
	 .doc = "none: a bad record fails the task. all: bad records are skipped (logged and "
		"sent to the dead letter queue when configured).",
	 SL_OPT_AT(sl_connector_settings_t, errors_tolerance)},
	{.name = "errors.retry.timeout",
	 .type = SL_OPT_INT,
	 .def = "0",
	 SL_OPT_MIN(-1),
	 .doc = "Kafka Connect's retry time for the stages of a record (converters, "
		"transforms).",
	 .ignored = "no stage of a record fails retriably in sluice; a connector's transient "
		    "failures (a full disk, a lost connection) are retried without limit, with "
		    "backoff up to errors.retry.delay.max.ms (at most 10 s)"},
	{.name = "errors.retry.delay.max.ms",
	 .type = SL_OPT_INT,
	 .def = "60000",
	 SL_OPT_MIN(1),
	 .doc = "Longest wait between retries (exponential backoff from 300 ms, with jitter).",
	 SL_OPT_AT(sl_connector_settings_t, errors_retry_delay_max_ms)},
	{.name = "errors.log.enable",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Log every tolerated error with its stage and record position.",
	 SL_OPT_AT(sl_connector_settings_t, errors_log_enable)},
	{.name = "errors.log.include.messages",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Include the record's contents in error log lines.",
	 SL_OPT_AT(sl_connector_settings_t, errors_log_include_messages)},
	{.name = "errors.deadletterqueue.topic.name",
	 .type = SL_OPT_STRING,
	 .def = "",
	 .doc = "Topic that receives records that failed (with errors.tolerance=all): a valid "
		"Kafka topic name; for a sink, not one of the topics it reads.",
	 .check = check_dlq_topic,
	 SL_OPT_AT(sl_connector_settings_t, dlq_topic)},
	{.name = "errors.deadletterqueue.topic.replication.factor",
	 .type = SL_OPT_INT,
	 .def = "-1",
	 SL_OPT_MIN(-1),
	 .doc = "Replication factor when the dead letter queue topic is created (-1: broker "
		"default).",
	 SL_OPT_AT(sl_connector_settings_t, dlq_replication_factor)},
	{.name = "errors.deadletterqueue.context.headers.enable",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Add __connect.errors.* headers (topic, partition, offset, connector, task, "
		"stage, exception) to dead letter queue records.",
	 SL_OPT_AT(sl_connector_settings_t, dlq_context_headers)},
	{.name = "config.providers",
	 .type = SL_OPT_LIST,
	 .doc = "Config providers this file declares for its own ${name:...} references, as "
		"in the worker file; without it the worker's providers serve the connector."},
	{.name = "transforms",
	 .type = SL_OPT_LIST,
	 .def = "",
	 .doc = "Aliases of the single message transforms applied to each record, in order "
		"(sources: before the converters; sinks: after them); each is configured "
		"under transforms.<alias>. (type, its options, predicate, negate). See "
		"docs/transforms.md."},
	{.name = "predicates",
	 .type = SL_OPT_LIST,
	 .def = "",
	 .doc = "Aliases of the predicates transforms name in transforms.<alias>.predicate; "
		"each is configured under predicates.<alias>. (type and its options)."},
	SL_OPT_END,
};

const sl_option_t sl_source_common_options[] = {
	{.name = "topic.creation.default.partitions",
	 .type = SL_OPT_INT,
	 .def = "-1",
	 SL_OPT_MIN(-1),
	 .doc = "Partitions of topics the connector writes to that do not exist yet (created "
		"through the admin API; -1: broker default).",
	 SL_OPT_AT(sl_connector_settings_t, topic_partitions)},
	{.name = "topic.creation.default.replication.factor",
	 .type = SL_OPT_INT,
	 .def = "-1",
	 SL_OPT_MIN(-1),
	 .doc = "Replication factor of created topics (-1: broker default).",
	 SL_OPT_AT(sl_connector_settings_t, topic_replication_factor)},
	{.name = "exactly.once.support",
	 .type = SL_OPT_ENUM,
	 .def = "requested",
	 .enums = eos_connector,
	 .doc = "required: the connector's tasks start only when the worker has "
		"exactly.once.source.support=enabled (its task fails otherwise); every sluice "
		"source connector can run exactly once.",
	 SL_OPT_AT(sl_connector_settings_t, eos_required)},
	{.name = "transaction.boundary",
	 .type = SL_OPT_ENUM,
	 .def = "poll",
	 .enums = txn_boundaries,
	 .doc = "With exactly.once.source.support=enabled, when a task commits its "
		"transaction: poll (after each batch its connector returns) or interval (every "
		"transaction.boundary.interval.ms). connector (the connector decides) is refused: "
		"no sluice connector defines its own transactions.",
	 SL_OPT_AT(sl_connector_settings_t, txn_boundary)},
	{.name = "transaction.boundary.interval.ms",
	 .type = SL_OPT_INT,
	 .def = "-1",
	 SL_OPT_MIN(-1),
	 .doc = "The interval of transaction.boundary=interval (-1: offset.flush.interval.ms).",
	 SL_OPT_AT(sl_connector_settings_t, txn_interval_ms)},
	SL_OPT_END,
};

const sl_option_t sl_sink_common_options[] = {
	{.name = "topics",
	 .type = SL_OPT_LIST,
	 .doc = "Topics to read (comma separated), each a valid Kafka topic name. Exactly one "
		"of topics and topics.regex.",
	 .check = sl_opt_check_topic,
	 SL_OPT_AT(sl_connector_settings_t, topics)},
	{.name = "topics.regex",
	 .type = SL_OPT_STRING,
	 .doc = "Regular expression (POSIX extended, matched against the whole name) of "
		"topics to read.",
	 SL_OPT_AT(sl_connector_settings_t, topics_regex)},
	SL_OPT_END,
};

const char *const sl_connector_prefixes[] = {
	"key.converter.",     "value.converter.", "producer.override.",
	"consumer.override.", "admin.override.",  "config.providers.",
	"transforms.",        "predicates.",      NULL};

/* Where key was set in cfg ("file:line"), else cfg's file. */
static const char *where_of(const sl_config_t *cfg, const char *key, char *buf, size_t size)
{
	const sl_config_entry_t *e = sl_config_find(cfg, key);
	const char *file = sl_config_source(cfg);

	if (e)
		return sl_config_where(e, buf, size);
	snprintf(buf, size, "%s", file ? file : "<config>");
	return buf;
}

/* Creates the key or value converter a task would create from cfg: its
 * X.converter with its X.converter.* keys. A connector without its own
 * X.converter uses the worker's (checked with the worker file), so with
 * is_worker false there is nothing to check then; the worker's defaults to
 * json. */
static void check_converter(const sl_config_t *cfg, bool is_key, bool is_worker, sl_errlist_t *errs)
{
	const char *key = is_key ? "key.converter" : "value.converter";
	const char *name = sl_config_get(cfg, key);
	char err[1024], where[512];

	if (!name && !is_worker)
		return;
	sl_converter_t *c = sl_converter_new(name ? name : "json", is_key, NULL, err, sizeof(err));
	if (!c) {
		sl_errlist_addf(errs, "%s: option '%s': %s",
				where_of(cfg, key, where, sizeof(where)), key, err);
		return;
	}
	sl_converter_free(c);
	sl_config_t *props =
		sl_config_subset(cfg, is_key ? "key.converter." : "value.converter.", true);
	c = sl_converter_new(name ? name : "json", is_key, props, err, sizeof(err));
	if (!c)
		sl_errlist_addf(errs, "%s", err); /* err starts with the property's place */
	sl_converter_free(c);
	sl_config_free(props);
}

/* librdkafka's message about e, unless it repeats a secret value (one a
 * config provider resolved, or of a key that looks secret). */
static const char *rdkafka_reason(const sl_config_entry_t *e, const char *rderr, char *buf,
				  size_t size)
{
	char text[512];
	size_t len = strlen(rderr);

	if (sl_config_entry_is_secret(e) && *e->value && strstr(rderr, e->value))
		return e->from_provider ? "invalid value (not shown: a config provider resolved it)"
					: "invalid value (not shown: the key holds a secret)";
	while (len > 0 && (rderr[len - 1] == '\n' || rderr[len - 1] == ' '))
		len--; /* some of its messages end in a newline */
	snprintf(text, sizeof(text), "%.*s", (int)len, rderr);
	return sl_config_printable(text, buf, size);
}

/* The worker's producer.* / consumer.* / admin.* keys, as librdkafka
 * judges them. A copy with a plain bootstrap keeps the embedded cluster
 * from starting. */
static void check_passthrough(const sl_config_t *cfg, sl_errlist_t *errs)
{
	sl_config_t *copy = sl_config_dup(cfg);
	char err[512], where[512] = "worker", shown[512], why[512];

	sl_worker_config_drop_ignored(copy); /* admin.listeners is no admin.* key */
	sl_config_set(copy, "bootstrap.servers", "localhost:9092", NULL, 0);
	sl_kafka_t *k = sl_kafka_new(copy, err, sizeof(err));
	if (!k) {
		const char *dot = strchr(err, ':');
		const sl_config_entry_t *e = NULL;
		if (dot) {
			char *key = sl_strndup(err, (size_t)(dot - err));
			e = sl_config_find(cfg, key);
			if (e)
				where_of(cfg, key, where, sizeof(where));
			free(key);
		}
		if (e && dot[1] == ' ')
			sl_errlist_addf(errs, "%s: librdkafka refused %s: %s", where,
					sl_config_printable(e->key, shown, sizeof(shown)),
					rdkafka_reason(e, dot + 2, why, sizeof(why)));
		else
			sl_errlist_addf(errs, "%s: librdkafka refused %s", where,
					sl_config_printable(err, shown, sizeof(shown)));
	}
	sl_kafka_free(k);
	sl_config_free(copy);
}

/* A distributed worker (group.id set) keeps everything in topics: the
 * three Kafka Connect topics must be named, and the standalone store of
 * connectors is refused. */
static void check_distributed(const sl_config_t *cfg, const sl_worker_settings_t *ws,
			      sl_errlist_t *errs)
{
	const struct {
		const char *key;
		const char *value;
	} need[] = {{"config.storage.topic", ws->config_topic},
		    {"offset.storage.topic", ws->offset_topic},
		    {"status.storage.topic", ws->status_topic}};
	char where[512];

	if (ws->eos_source == 2 && !ws->group_id)
		sl_errlist_addf(
			errs,
			"%s: exactly.once.source.support=enabled needs a distributed worker "
			"(group.id, with offset.storage.topic), as in Kafka Connect",
			where_of(cfg, "exactly.once.source.support", where, sizeof(where)));
	if (!ws->group_id)
		return;
	for (size_t i = 0; i < SL_ARRAY_LEN(need); i++)
		if (!need[i].value || !*need[i].value)
			sl_errlist_addf(errs,
					"%s: a distributed worker (group.id is set) needs %s, as "
					"Kafka Connect's does",
					where_of(cfg, "group.id", where, sizeof(where)),
					need[i].key);
	if (ws->connector_config_dir)
		sl_errlist_addf(
			errs,
			"%s: connector.config.dir is standalone mode's store; a distributed "
			"worker (group.id is set) keeps connectors in config.storage.topic",
			where_of(cfg, "connector.config.dir", where, sizeof(where)));
}

int sl_worker_config_validate(const sl_config_t *cfg, sl_errlist_t *errs)
{
	size_t before = errs->count;
	const sl_option_t *tables[] = {sl_worker_options, sl_worker_ignored_options, NULL};
	const char *prefixes[SL_ARRAY_LEN(sl_worker_prefixes) +
			     SL_ARRAY_LEN(sl_worker_ignored_prefixes)];
	size_t n = 0;
	sl_worker_settings_t ws = {0};

	for (const char *const *p = sl_worker_prefixes; *p; p++)
		prefixes[n++] = *p;
	for (const sl_worker_ignored_prefix_t *p = sl_worker_ignored_prefixes; p->prefix; p++)
		prefixes[n++] = p->prefix;
	prefixes[n] = NULL;
	sl_options_check_unknown(tables, prefixes, cfg, "the worker", errs);
	sl_options_load(sl_worker_options, cfg, &ws, errs);
	check_distributed(cfg, &ws, errs);
	sl_options_free(sl_worker_options, &ws);
	check_converter(cfg, true, true, errs);
	check_converter(cfg, false, true, errs);
	check_passthrough(cfg, errs);
	return errs->count == before ? 0 : -1;
}

/* The plugin a connector config names, or NULL after adding an error. */
static const sl_connector_t *plugin_of(const sl_config_t *cfg, sl_errlist_t *errs)
{
	const char *cls = sl_config_get(cfg, "connector.class");
	if (!cls)
		return NULL; /* reported as a missing required option */
	const sl_connector_t *p = sl_plugins_find(cls);
	if (!p) {
		char where[512], shown[256];
		sl_buf_t known = {0};
		for (const sl_connector_t *const *it = sl_plugins_all(); *it; it++)
			sl_buf_appendf(&known, "%s%s", known.len ? ", " : "", (*it)->name);
		sl_errlist_addf(errs, "%s: unknown connector.class '%s'; known connectors: %s",
				where_of(cfg, "connector.class", where, sizeof(where)),
				sl_config_printable(cls, shown, sizeof(shown)), known.data);
		sl_buf_free(&known);
	}
	return p;
}

/* Settings librdkafka judges only together, when a client is made (acks=1
 * with enable.idempotence=true): a client is made and destroyed at once,
 * without brokers, so nothing connects. */
static void check_client(const sl_config_t *cfg, const char *prefix, sl_client_kind_t kind,
			 const rd_kafka_conf_t *conf, sl_errlist_t *errs)
{
	char err[512], shown[512];
	rd_kafka_conf_t *c = rd_kafka_conf_dup(conf);
	rd_kafka_conf_set(c, "log_level", "0", NULL, 0);
	rd_kafka_t *rk = sl_kafka_client_new(kind, c, err, sizeof(err));
	if (rk) {
		rd_kafka_destroy(rk);
		return;
	}
	sl_errlist_addf(errs, "%s: librdkafka refused the %s* settings together: %s",
			sl_config_source(cfg) ? sl_config_source(cfg) : "<config>", prefix,
			sl_config_printable(err, shown, sizeof(shown)));
}

/* Each <kind>.override.* key, set as the task would set it: on a client
 * configuration with sluice's defaults (sl_kafka_conf), no client made. */
static void check_overrides(const sl_config_t *cfg, sl_errlist_t *errs)
{
	static const struct {
		const char *prefix;
		sl_client_kind_t kind;
	} kinds[] = {{"producer.override.", SL_CLIENT_PRODUCER},
		     {"consumer.override.", SL_CLIENT_CONSUMER},
		     {"admin.override.", SL_CLIENT_ADMIN}};
	sl_config_t *none = sl_config_new();
	char err[512], where[512], shown[512], key[256];
	sl_kafka_t *k = sl_kafka_new(none, err, sizeof(err));
	size_t bad = 0;

	for (size_t i = 0; k && i < SL_ARRAY_LEN(kinds); i++) {
		sl_config_t *ov = sl_config_subset(cfg, kinds[i].prefix, true);
		rd_kafka_conf_t *conf = sl_config_count(ov)
						? sl_kafka_conf(k, kinds[i].kind, NULL, NULL, NULL,
								err, sizeof(err))
						: NULL;
		for (size_t j = 0; conf && j < sl_config_count(ov); j++) {
			const sl_config_entry_t *e = sl_config_at(ov, j);
			if (rd_kafka_conf_set(conf, e->key, e->value, err, sizeof(err)) ==
				    RD_KAFKA_CONF_OK ||
			    bad++ >= SL_CONFIG_MAX_ERRORS)
				continue;
			sl_errlist_addf(errs, "%s: librdkafka refused %s%s: %s",
					sl_config_where(e, where, sizeof(where)), kinds[i].prefix,
					sl_config_printable(e->key, key, sizeof(key)),
					rdkafka_reason(e, err, shown, sizeof(shown)));
		}
		if (conf && !bad)
			check_client(cfg, kinds[i].prefix, kinds[i].kind, conf, errs);
		if (conf)
			rd_kafka_conf_destroy(conf);
		sl_config_free(ov);
	}
	if (bad > SL_CONFIG_MAX_ERRORS)
		sl_config_more_errors(errs, sl_config_source(cfg), bad - SL_CONFIG_MAX_ERRORS);
	sl_kafka_free(k);
	sl_config_free(none);
}

char *sl_sink_topics_pattern(const char *regex)
{
	/* librdkafka takes a subscription starting with '^' as a regex; the
	 * whole name must match, as with Java's matches(), also when the
	 * user's pattern starts with '^' itself. */
	return sl_asprintf("^(%s)$", regex);
}

/* topics.regex compiled as librdkafka compiles the sink's subscription
 * (POSIX extended, the libc's regcomp); false after adding an error. */
static bool compile_topics_regex(const sl_config_t *cfg, const char *regex, regex_t *re,
				 sl_errlist_t *errs)
{
	char *pattern = sl_sink_topics_pattern(regex);
	char where[512], shown[256], why[256];
	int rc = sl_regex_posix_check(pattern, why, sizeof(why))
			 ? regcomp(re, pattern, REG_EXTENDED | REG_NOSUB)
			 : -1;

	free(pattern);
	if (rc == 0)
		return true;
	if (rc > 0)
		regerror(rc, re, why, sizeof(why));
	sl_errlist_addf(errs,
			"%s: option 'topics.regex': '%s' is not a valid regular expression "
			"(POSIX extended, as librdkafka reads it): %s",
			where_of(cfg, "topics.regex", where, sizeof(where)),
			sl_config_printable(regex, shown, sizeof(shown)), why);
	return false;
}

/* The dead letter queue topic of a sink may not be one it reads (in
 * topics or matching re): every failed record would come back to fail
 * again. Kafka Connect refuses it too. */
static void check_dlq_not_read(const sl_config_t *cfg, const char *dlq, char **topics,
			       const regex_t *re, sl_errlist_t *errs)
{
	char where[512];
	bool read = re && regexec(re, dlq, 0, NULL, 0) == 0;

	for (char **t = topics; !re && t && *t; t++)
		read |= !strcmp(*t, dlq);
	if (read)
		sl_errlist_addf(
			errs,
			"%s: option 'errors.deadletterqueue.topic.name': the dead letter "
			"queue topic '%s' is one the connector reads (%s); failed records "
			"would be read again",
			where_of(cfg, "errors.deadletterqueue.topic.name", where, sizeof(where)),
			dlq, re ? "it matches topics.regex" : "it is listed in topics");
}

/* A sink reads exactly one of topics (at least one topic) and topics.regex
 * (a valid expression), and not its own dead letter queue, dlq (the loaded
 * value: empty when unset or invalid). */
static void check_sink_topics(const sl_config_t *cfg, const char *dlq, sl_errlist_t *errs)
{
	const char *topics = sl_config_get(cfg, "topics");
	const char *regex = sl_config_get(cfg, "topics.regex");
	bool has_topics = topics && *topics, has_regex = regex && *regex;
	char **list = sl_strlist_split(has_topics ? topics : NULL);
	char where[512];
	regex_t re;

	if (has_topics == has_regex) {
		sl_errlist_addf(errs,
				"%s: a sink connector needs exactly one of 'topics' and "
				"'topics.regex'",
				where_of(cfg, has_topics ? "topics.regex" : "topics", where,
					 sizeof(where)));
	} else if (has_topics && !list[0]) {
		sl_errlist_addf(errs, "%s: option 'topics': names no topic",
				where_of(cfg, "topics", where, sizeof(where)));
	} else if (has_topics && dlq && *dlq) {
		check_dlq_not_read(cfg, dlq, list, NULL, errs);
	} else if (has_regex && compile_topics_regex(cfg, regex, &re, errs)) {
		if (dlq && *dlq)
			check_dlq_not_read(cfg, dlq, NULL, &re, errs);
		regfree(&re);
	}
	sl_strlist_free(list);
}

int sl_connector_config_validate(const sl_config_t *cfg, sl_errlist_t *errs)
{
	size_t before = errs->count;
	sl_connector_settings_t cs = {0};

	sl_options_load(sl_connector_common_options, cfg, &cs, errs);
	const sl_connector_t *p = plugin_of(cfg, errs);
	if (p) {
		const sl_option_t *kind_table =
			p->kind == SL_SOURCE ? sl_source_common_options : sl_sink_common_options;
		const sl_option_t *tables[] = {sl_connector_common_options, kind_table, p->options,
					       NULL};
		sl_options_check_unknown(tables, sl_connector_prefixes, cfg, p->name, errs);
		sl_options_load(kind_table, cfg, &cs, errs);
		sl_options_free(kind_table, &cs);
		if (p->kind == SL_SOURCE && cs.txn_boundary == 2) {
			char where[512];
			sl_errlist_addf(
				errs,
				"%s: transaction.boundary=connector: no sluice connector "
				"defines its own transactions (use poll or interval)",
				where_of(cfg, "transaction.boundary", where, sizeof(where)));
		}
		if (p->kind == SL_SINK)
			check_sink_topics(cfg, cs.dlq_topic, errs);
		sl_options_load(p->options, cfg, NULL, errs);
		if (p->validate)
			p->validate(cfg, errs);
	}
	sl_options_free(sl_connector_common_options, &cs);
	check_converter(cfg, true, false, errs);
	check_converter(cfg, false, false, errs);
	check_overrides(cfg, errs);
	/* transforms.* and predicates.* keys are the chain's to judge */
	sl_transform_chain_check(cfg, errs);
	return errs->count == before ? 0 : -1;
}
