/* Option tables of the worker file and of the keys every connector has
 * (Kafka Connect's names), and validation of whole worker and connector
 * configs against them. */
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "task.h"
#include "worker.h"

static const char *const log_levels[] = {"error", "warn", "info", "debug", "trace", NULL};
static const char *const tolerances[] = {"none", "all", NULL};

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
	{.name = "plugin.path",
	 .type = SL_OPT_STRING,
	 .doc = "Accepted so Kafka Connect worker files load unchanged; ignored (every "
		"connector is built in).",
	 SL_OPT_AT(sl_worker_settings_t, plugin_path)},
	{.name = "security.protocol",
	 .type = SL_OPT_STRING,
	 .doc = "Passed to every Kafka client, like sasl.* and ssl.* keys.",
	 SL_OPT_AT(sl_worker_settings_t, security_protocol)},
	SL_OPT_END,
};

const char *const sl_worker_prefixes[] = {
	"producer.",        "consumer.", "admin.", "key.converter.",
	"value.converter.", "sasl.",     "ssl.",   NULL};

const sl_option_t sl_connector_common_options[] = {
	{.name = "name",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "Unique name of the connector; also names its consumer group (connect-<name>) "
		"and keys its offsets.",
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
	 .doc = "How long (ms) a retriable failure is retried before the task fails; -1 "
		"retries forever, 0 not at all.",
	 SL_OPT_AT(sl_connector_settings_t, errors_retry_timeout_ms)},
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
	 .doc = "Topic that receives records that failed (with errors.tolerance=all).",
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
	SL_OPT_END,
};

const sl_option_t sl_sink_common_options[] = {
	{.name = "topics",
	 .type = SL_OPT_LIST,
	 .doc = "Topics to read (comma separated). Exactly one of topics and topics.regex.",
	 SL_OPT_AT(sl_connector_settings_t, topics)},
	{.name = "topics.regex",
	 .type = SL_OPT_STRING,
	 .doc = "Regular expression (POSIX extended, matched against the whole name) of "
		"topics to read.",
	 SL_OPT_AT(sl_connector_settings_t, topics_regex)},
	SL_OPT_END,
};

const char *const sl_connector_prefixes[] = {"key.converter.",     "value.converter.",
					     "producer.override.", "consumer.override.",
					     "admin.override.",    NULL};

int sl_worker_config_validate(const sl_config_t *cfg, sl_errlist_t *errs)
{
	size_t before = errs->count;
	const sl_option_t *tables[] = {sl_worker_options, NULL};
	sl_options_check_unknown(tables, sl_worker_prefixes, cfg, "the worker", errs);
	sl_worker_settings_t ws = {0};
	sl_options_load(sl_worker_options, cfg, &ws, errs);
	sl_options_free(sl_worker_options, &ws);
	/* librdkafka judges the passthrough keys; a copy with a plain
	 * bootstrap keeps the embedded cluster from starting. */
	sl_config_t *copy = sl_config_dup(cfg);
	sl_config_set(copy, "bootstrap.servers", "localhost:9092", NULL, 0);
	char err[512];
	sl_kafka_t *k = sl_kafka_new(copy, err, sizeof(err));
	if (!k) {
		char where[512] = "worker";
		const char *dot = strchr(err, ':');
		const sl_config_entry_t *e = NULL;
		if (dot) {
			char *key = sl_strndup(err, (size_t)(dot - err));
			e = sl_config_find(cfg, key);
			free(key);
		}
		if (e)
			sl_config_where(e, where, sizeof(where));
		sl_errlist_addf(errs, "%s: librdkafka refused %s", where, err);
	}
	sl_kafka_free(k);
	sl_config_free(copy);
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
		char where[512];
		sl_buf_t known = {0};
		for (const sl_connector_t *const *it = sl_plugins_all(); *it; it++)
			sl_buf_appendf(&known, "%s%s", known.len ? ", " : "", (*it)->name);
		sl_errlist_addf(errs, "%s: unknown connector.class '%s'; known connectors: %s",
				sl_config_where(sl_config_find(cfg, "connector.class"), where,
						sizeof(where)),
				cls, known.data);
		sl_buf_free(&known);
	}
	return p;
}

static void check_sink_topics(const sl_config_t *cfg, sl_errlist_t *errs)
{
	const char *topics = sl_config_get(cfg, "topics");
	const char *regex = sl_config_get(cfg, "topics.regex");
	bool has_topics = topics && *topics, has_regex = regex && *regex;
	char where[512];
	const sl_config_entry_t *any = sl_config_at(cfg, 0);
	if (has_topics == has_regex)
		sl_errlist_addf(errs,
				"%s: a sink connector needs exactly one of 'topics' and "
				"'topics.regex'",
				any ? sl_config_where(any, where, sizeof(where)) : "<config>");
}

int sl_connector_config_validate(const sl_config_t *cfg, sl_errlist_t *errs)
{
	size_t before = errs->count;
	sl_connector_settings_t cs = {0};
	sl_options_load(sl_connector_common_options, cfg, &cs, errs);
	sl_options_free(sl_connector_common_options, &cs);
	const sl_connector_t *p = plugin_of(cfg, errs);
	if (!p)
		return -1;
	const sl_option_t *kind_table =
		p->kind == SL_SOURCE ? sl_source_common_options : sl_sink_common_options;
	const sl_option_t *tables[] = {sl_connector_common_options, kind_table, p->options, NULL};
	sl_options_check_unknown(tables, sl_connector_prefixes, cfg, p->name, errs);
	sl_options_load(kind_table, cfg, &cs, errs);
	sl_options_free(kind_table, &cs);
	if (p->kind == SL_SINK)
		check_sink_topics(cfg, errs);
	sl_options_load(p->options, cfg, NULL, errs);
	if (p->validate)
		p->validate(cfg, errs);
	return errs->count == before ? 0 : -1;
}
