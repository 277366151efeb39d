/* Unit tests for core/worker_options.c's validation: a connector or worker
 * config that passes sl_*_config_validate must not fail when a task starts
 * (regex, converters, client overrides, names, topic names, dead letter
 * queue), every error names the file, and the cost grows linearly with the
 * number of keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"
#include "worker.h"

/* Parses text as the .properties file name and validates it as a
 * connector (or a worker); returns the errors, joined by newlines
 * (malloc()ed; "" when valid). */
static char *errors_of(const char *text, const char *name, bool worker)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_parse_properties(text, name, &errs);
	sl_buf_t out = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	int rc = worker ? sl_worker_config_validate(cfg, &errs)
			: sl_connector_config_validate(cfg, &errs);
	CU_ASSERT_EQUAL(rc, errs.count ? -1 : 0);
	sl_buf_append_str(&out, "");
	for (size_t i = 0; i < errs.count; i++)
		sl_buf_appendf(&out, "%s%s", i ? "\n" : "", errs.items[i]);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return sl_buf_steal(&out);
}

#define SINK "name=s\nconnector.class=file-sink\nfile=/tmp/sl-validate-test.out\n"
#define SOURCE "name=s\nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n"

/* Expects exactly the errors expected (joined by newlines). */
#define EXPECT_ERRORS(text, expected)                                                              \
	do {                                                                                       \
		char *e_ = errors_of(text, "c.properties", false);                                 \
		CU_ASSERT_STRING_EQUAL(e_, expected);                                              \
		if (strcmp(e_, expected))                                                          \
			fprintf(stderr, "\ngot:      %s\nexpected: %s\n", e_, expected);           \
		free(e_);                                                                          \
	} while (0)

static void test_a_config_using_every_checked_key_well_is_valid(void)
{
	EXPECT_ERRORS(SINK "topics.regex=orders-[0-9]+\n"
			   "errors.tolerance=all\n"
			   "errors.deadletterqueue.topic.name=orders.dlq\n"
			   "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
			   "value.converter=json\nvalue.converter.schemas.enable=false\n"
			   "consumer.override.fetch.wait.max.ms=50\n"
			   "producer.override.linger.ms=10\nadmin.override.client.rack=r1\n",
		      "");
	EXPECT_ERRORS("name=orders/eu caf\xc3\xa9\nconnector.class=file-source\nfile=/tmp/x\n"
		      "topic=t\n",
		      "");
}

/* ---- sinks: topics and topics.regex --------------------------------------- */

static void test_invalid_topics_regex_names_key_and_place(void)
{
	EXPECT_ERRORS(SINK "topics.regex=orders-[\n",
		      "c.properties:4: option 'topics.regex': 'orders-[' is not a valid regular "
		      "expression (POSIX extended, as librdkafka reads it): Unmatched [, [^, "
		      "[:, [., or [=");
	EXPECT_ERRORS(SINK "topics.regex=(?i)orders\n",
		      "c.properties:4: option 'topics.regex': '(?i)orders' is not a valid "
		      "regular expression (POSIX extended, as librdkafka reads it): Invalid "
		      "preceding regular expression");
}

static void test_topics_regex_is_anchored_as_the_sink_subscribes(void)
{
	char *a = sl_sink_topics_pattern("orders-.*");
	char *b = sl_sink_topics_pattern("^orders");

	CU_ASSERT_STRING_EQUAL(a, "^(orders-.*)$");
	CU_ASSERT_STRING_EQUAL(b, "^(^orders)$"); /* whole names only, like Java's matches() */
	free(a);
	free(b);
}

static void test_sink_topics_must_be_valid_topic_names(void)
{
	EXPECT_ERRORS(SINK "topics=good, bad topic,..\n",
		      "c.properties:4: option 'topics': 'bad topic': a topic name may hold "
		      "only ASCII letters, digits, '.', '_' and '-'\n"
		      "c.properties:4: option 'topics': '..': '.' and '..' are not allowed as "
		      "topic names");
	EXPECT_ERRORS(SINK "topics= , ,\n", "c.properties:4: option 'topics': names no topic");
}

static void test_dead_letter_queue_may_not_be_a_topic_the_sink_reads(void)
{
	EXPECT_ERRORS(SINK "topics=a,b\nerrors.deadletterqueue.topic.name=b\n",
		      "c.properties:5: option 'errors.deadletterqueue.topic.name': the dead "
		      "letter queue topic 'b' is one the connector reads (it is listed in "
		      "topics); failed records would be read again");
	EXPECT_ERRORS(SINK "topics.regex=o.*\nerrors.deadletterqueue.topic.name=orders.dlq\n",
		      "c.properties:5: option 'errors.deadletterqueue.topic.name': the dead "
		      "letter queue topic 'orders.dlq' is one the connector reads (it matches "
		      "topics.regex); failed records would be read again");
}

static void test_dead_letter_queue_topic_must_be_a_valid_topic_name(void)
{
	EXPECT_ERRORS(SOURCE "errors.deadletterqueue.topic.name=bad\\ttopic\n",
		      "c.properties:5: option 'errors.deadletterqueue.topic.name': "
		      "'bad\\x09topic': a topic name may hold only ASCII letters, digits, '.', "
		      "'_' and '-'");
	EXPECT_ERRORS(SOURCE "errors.deadletterqueue.topic.name=\n", "");
}

/* ---- names ------------------------------------------------------------------ */

static void test_connector_name_follows_kafka_connect_rules(void)
{
	EXPECT_ERRORS("name=\nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n",
		      "c.properties:1: option 'name': '': a connector name may not be empty");
	EXPECT_ERRORS("name=a\\nINFO forged line\nconnector.class=file-source\nfile=/tmp/x\n"
		      "topic=t\n",
		      "c.properties:1: option 'name': 'a\\x0aINFO forged line': a connector name "
		      "may not hold control characters or bytes that are not UTF-8 (byte 2)");
	EXPECT_ERRORS("name=ab\xff\nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n",
		      "c.properties:1: option 'name': 'ab\\xff': a connector name may not hold "
		      "control characters or bytes that are not UTF-8 (byte 3)");
	EXPECT_ERRORS("name=orders \nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n",
		      "c.properties:1: option 'name': 'orders ': a connector name may not "
		      "begin or end with a blank");
}

static void test_every_error_of_an_empty_file_names_the_file(void)
{
	char *e = errors_of("", "empty.properties", false);

	CU_ASSERT_STRING_EQUAL(e, "empty.properties: option 'name' is required\n"
				  "empty.properties: option 'connector.class' is required");
	free(e);
}

/* ---- converters --------------------------------------------------------- */

static void test_unknown_converter_names_the_option_and_place(void)
{
	EXPECT_ERRORS(SOURCE "value.converter=io.confluent.connect.avro.AvroConverter\n",
		      "c.properties:5: option 'value.converter': unknown converter "
		      "\"io.confluent.connect.avro.AvroConverter\" (accepted: json, "
		      "org.apache.kafka.connect.json.JsonConverter, string, "
		      "org.apache.kafka.connect.storage.StringConverter, bytes, "
		      "org.apache.kafka.connect.converters.ByteArrayConverter)");
}

static void test_bad_converter_setting_names_key_and_place(void)
{
	EXPECT_ERRORS(SOURCE "value.converter=json\nvalue.converter.schemas.enable=maybe\n",
		      "c.properties:6: option 'value.converter.schemas.enable': 'maybe' is not "
		      "one of: true, false");
	EXPECT_ERRORS(SOURCE "key.converter=string\nkey.converter.encoding=latin1\n",
		      "c.properties:6: option 'key.converter.encoding': 'latin1': not supported "
		      "(only UTF-8: text is always UTF-8)");
}

static void test_worker_converters_and_their_settings_are_checked(void)
{
	char *e = errors_of("value.converter=avro\nkey.converter.schemas.enable=maybe\n",
			    "w.properties", true);

	CU_ASSERT_STRING_EQUAL(e, "w.properties:2: option 'key.converter.schemas.enable': 'maybe' "
				  "is not one of: true, false\n"
				  "w.properties:1: option 'value.converter': unknown converter "
				  "\"avro\" (accepted: json, "
				  "org.apache.kafka.connect.json.JsonConverter, string, "
				  "org.apache.kafka.connect.storage.StringConverter, bytes, "
				  "org.apache.kafka.connect.converters.ByteArrayConverter)");
	free(e);
}

/* ---- client overrides --------------------------------------------------- */

static void test_bad_override_of_each_client_names_key_and_place(void)
{
	EXPECT_ERRORS(SINK "topics=t\nproducer.override.linger.ms=-5\n"
			   "consumer.override.fetch.wait.max.ms=soon\n"
			   "admin.override.no.such.property=1\n",
		      "c.properties:5: librdkafka refused producer.override.linger.ms: "
		      "Configuration property \"queue.buffering.max.ms\" value -5 is outside "
		      "allowed range 0..900000\n"
		      "c.properties:6: librdkafka refused consumer.override.fetch.wait.max.ms: "
		      "Invalid value for configuration property \"fetch.wait.max.ms\"\n"
		      "c.properties:7: librdkafka refused admin.override.no.such.property: No "
		      "such configuration property: \"no.such.property\"");
}

/* Settings librdkafka accepts one by one but refuses together when the
 * task makes its client (acks=1 with the idempotent producer). */
static void test_overrides_refused_only_together_are_refused(void)
{
	char *e = errors_of(SOURCE "producer.override.enable.idempotence=true\n"
				   "producer.override.acks=1\n",
			    "c.properties", false);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, "c.properties: librdkafka refused the producer.override.* "
					 "settings together"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e, "acks"));
	free(e);
}

/* ---- cost -------------------------------------------------------------------- */

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time to parse, resolve and validate a connector file of n keys (most
 * of them unknown, some references and overrides); the best of 3 runs. */
static double validate_seconds(int n)
{
	sl_buf_t text = {0};
	double best = 1e9;

	sl_buf_append_str(&text, SOURCE);
	for (int i = 0; i < n; i++) {
		if (i % 10 == 0)
			sl_buf_appendf(&text, "producer.override.x%d=1\n", i);
		else if (i % 10 == 1)
			sl_buf_appendf(&text, "ref.%d=${env:HOME}\n", i);
		else
			sl_buf_appendf(&text, "connector.extra.key.%d=value\n", i);
	}
	for (int run = 0; run < 3; run++) {
		sl_errlist_t errs = {0};
		double start = cpu_seconds();
		sl_config_t *cfg = sl_config_parse_properties(text.data, "big.properties", &errs);
		sl_config_resolve(cfg, &errs);
		sl_connector_config_validate(cfg, &errs);
		double took = cpu_seconds() - start;
		best = took < best ? took : best;
		CU_ASSERT(errs.count <= 3 * (SL_CONFIG_MAX_ERRORS + 1));
		sl_config_free(cfg);
		sl_errlist_free(&errs);
	}
	sl_buf_free(&text);
	return best;
}

/* Linear work takes about 4 times as long for 4 times the keys, quadratic
 * work 16 times; 8 leaves room for noise and cache effects either way. */
static void test_validation_cost_grows_linearly_with_the_keys(void)
{
	double small = validate_seconds(20000), large = validate_seconds(80000);

	if (large >= 8 * small)
		fprintf(stderr, "\n20,000 keys: %.3f s, 80,000 keys: %.3f s\n", small, large);
	CU_ASSERT(large < 8 * small);
}

static void test_override_refused_shows_no_value_a_provider_resolved(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = NULL;

	setenv("SL_VALIDATE_TEST_CODEC", "zzsecretzz", 1);
	cfg = sl_config_parse_properties(SOURCE "producer.override.compression.type="
						"${env:SL_VALIDATE_TEST_CODEC}\n",
					 "c.properties", &errs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), 0);
	CU_ASSERT_EQUAL(sl_connector_config_validate(cfg, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "c.properties:5: librdkafka refused "
			       "producer.override.compression.type: invalid value (not shown: a "
			       "config provider resolved it)");
	unsetenv("SL_VALIDATE_TEST_CODEC");
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

/* An option table's own type check shows no value a provider resolved. */
static void test_bad_option_value_shows_no_value_a_provider_resolved(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = NULL;

	setenv("SL_VALIDATE_TEST_MAX", "zzsecretzz", 1);
	cfg = sl_config_parse_properties(SOURCE "tasks.max=${env:SL_VALIDATE_TEST_MAX}\n",
					 "c.properties", &errs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), 0);
	CU_ASSERT_EQUAL(sl_connector_config_validate(cfg, &errs), -1);
	CU_ASSERT(errs.count >= 1);
	for (size_t i = 0; i < errs.count; i++)
		CU_ASSERT_PTR_NULL(strstr(errs.items[i], "zzsecretzz"));
	unsetenv("SL_VALIDATE_TEST_MAX");
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

static void test_worker_key_refused_shows_no_value_a_provider_resolved(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = NULL;

	setenv("SL_VALIDATE_TEST_CODEC", "zzsecretzz", 1);
	cfg = sl_config_parse_properties(
		"producer.compression.type=${env:SL_VALIDATE_TEST_CODEC}\n", "w.properties", &errs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(sl_config_resolve(cfg, &errs), 0);
	CU_ASSERT_EQUAL(sl_worker_config_validate(cfg, &errs), -1);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.items[0],
			       "w.properties:1: librdkafka refused producer.compression.type: "
			       "invalid value (not shown: a config provider resolved it)");
	unsetenv("SL_VALIDATE_TEST_CODEC");
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

/* A worker file written for Kafka Connect (standalone or distributed). */
#define CONNECT_WORKER                                                                             \
	"bootstrap.servers=localhost:9092\ngroup.id=connect-cluster\n"                             \
	"key.converter=org.apache.kafka.connect.json.JsonConverter\n"                              \
	"key.converter.schemas.enable=false\n"                                                     \
	"offset.storage.topic=connect-offsets\noffset.storage.replication.factor=1\n"              \
	"config.storage.topic=connect-configs\nstatus.storage.topic=connect-status\n"              \
	"status.storage.partitions=5\nrest.port=8083\nlisteners=HTTP://:8083\n"                    \
	"rest.advertised.host.name=w1\nadmin.listeners=http://localhost:8084\n"                    \
	"listeners.https.ssl.keystore.location=/k.jks\ntopic.creation.enable=true\n"               \
	"heartbeat.interval.ms=3000\nsession.timeout.ms=10000\nrebalance.timeout.ms=60000\n"       \
	"scheduled.rebalance.max.delay.ms=300000\nworker.sync.timeout.ms=3000\n"                   \
	"internal.key.converter=org.apache.kafka.connect.json.JsonConverter\n"                     \
	"internal.key.converter.schemas.enable=false\n"                                            \
	"connector.client.config.override.policy=All\nexactly.once.source.support=enabled\n"       \
	"metrics.recording.level=INFO\nmetrics.context.env=prod\n"                                 \
	"access.control.allow.origin=*\nplugin.path=/usr/share/java\n"                             \
	"config.providers=file\n"                                                                  \
	"config.providers.file.class="                                                             \
	"org.apache.kafka.common.config.provider.FileConfigProvider\n"                             \
	"task.shutdown.graceful.timeout.ms=10000\n"

static void test_kafka_connect_worker_keys_are_accepted(void)
{
	char *e = errors_of(CONNECT_WORKER, "w.properties", true);
	CU_ASSERT_STRING_EQUAL(e, "");
	if (*e)
		fprintf(stderr, "\ngot: %s\n", e);
	free(e);
}

static void test_worker_key_no_one_defines_fails_with_did_you_mean(void)
{
	char *e = errors_of("rest.prot=8083\n", "w.properties", true);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, "w.properties:1: unknown key 'rest.prot' for the worker; "
					 "did you mean 'rest.port'?"));
	free(e);
}

/* The notices for text, joined by newlines (malloc()ed). */
static char *notices_of(const char *text)
{
	sl_errlist_t errs = {0}, notes = {0};
	sl_config_t *cfg = sl_config_parse_properties(text, "w.properties", &errs);
	sl_buf_t out = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	sl_worker_config_notices(cfg, &notes);
	sl_buf_append_str(&out, "");
	for (size_t i = 0; i < notes.count; i++)
		sl_buf_appendf(&out, "%s%s", i ? "\n" : "", notes.items[i]);
	sl_errlist_free(&notes);
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return sl_buf_steal(&out);
}

static void test_ignored_worker_keys_get_one_notice_each(void)
{
	char *n = notices_of("rest.advertised.listener.protocol=http\nplugin.path=/"
			     "opt\nbootstrap.servers=b:9092\n"
			     "listeners.https.ssl.keystore.location=/k\n"
			     "listeners.https.ssl.keystore.password=hunter2\ngroup.id=g\n"
			     "worker.sync.timeout.ms=3000\n");
	CU_ASSERT_STRING_EQUAL(
		n,
		"worker key 'rest.advertised.listener.protocol' is Kafka Connect's; sluice's REST "
		"API does not "
		"use "
		"it: ignored\n"
		"worker key 'plugin.path' is Kafka Connect's; every connector is built into "
		"sluice: ignored\n"
		"worker keys 'listeners.*' are Kafka Connect's; sluice's REST API takes PEM files "
		"(rest.ssl.cert.file, rest.ssl.key.file) where Kafka Connect takes keystores: "
		"ignored\n"
		"worker key 'worker.sync.timeout.ms' is Kafka Connect's; sluice's distributed mode "
		"hands tasks out through Kafka's consumer group protocol (docs/scaling.md), not "
		"Kafka Connect's own: ignored");
	CU_ASSERT_PTR_NULL(strstr(n, "hunter2"));
	free(n);
	n = notices_of("bootstrap.servers=b:9092\nkey.converter=json\n");
	CU_ASSERT_STRING_EQUAL(n, "");
	free(n);
}

static void test_ignored_worker_keys_are_dropped_before_use(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = sl_config_parse_properties(
		"admin.listeners=http://"
		":8084\nbootstrap.servers=b:9092\nrest.advertised.listener.protocol=http\n"
		"admin.client.id=x\nlisteners.https.ssl.key.password=p\n",
		"w.properties", &errs);

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	sl_worker_config_drop_ignored(cfg);
	CU_ASSERT_EQUAL(sl_config_count(cfg), 2);
	CU_ASSERT_STRING_EQUAL(sl_config_at(cfg, 0)->key, "bootstrap.servers");
	CU_ASSERT_STRING_EQUAL(sl_config_at(cfg, 1)->key, "admin.client.id");
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

void validate_test_register(void)
{
	CU_TestInfo tests[] = {
		{"a config using every checked key well is valid",
		 test_a_config_using_every_checked_key_well_is_valid},
		{"invalid topics.regex names key and place",
		 test_invalid_topics_regex_names_key_and_place},
		{"topics.regex is anchored as the sink subscribes",
		 test_topics_regex_is_anchored_as_the_sink_subscribes},
		{"sink topics must be valid topic names",
		 test_sink_topics_must_be_valid_topic_names},
		{"dead letter queue may not be a topic the sink reads",
		 test_dead_letter_queue_may_not_be_a_topic_the_sink_reads},
		{"dead letter queue topic must be a valid topic name",
		 test_dead_letter_queue_topic_must_be_a_valid_topic_name},
		{"connector name follows Kafka Connect's rules",
		 test_connector_name_follows_kafka_connect_rules},
		{"every error of an empty file names the file",
		 test_every_error_of_an_empty_file_names_the_file},
		{"unknown converter names the option and place",
		 test_unknown_converter_names_the_option_and_place},
		{"bad converter setting names key and place",
		 test_bad_converter_setting_names_key_and_place},
		{"worker converters and their settings are checked",
		 test_worker_converters_and_their_settings_are_checked},
		{"overrides refused only together are refused",
		 test_overrides_refused_only_together_are_refused},
		{"bad override of each client names key and place",
		 test_bad_override_of_each_client_names_key_and_place},
		{"validation cost grows linearly with the keys",
		 test_validation_cost_grows_linearly_with_the_keys},
		{"override refused shows no value a provider resolved",
		 test_override_refused_shows_no_value_a_provider_resolved},
		{"bad option value shows no value a provider resolved",
		 test_bad_option_value_shows_no_value_a_provider_resolved},
		{"worker key refused shows no value a provider resolved",
		 test_worker_key_refused_shows_no_value_a_provider_resolved},
		{"Kafka Connect worker keys are accepted",
		 test_kafka_connect_worker_keys_are_accepted},
		{"worker key no one defines fails with did you mean",
		 test_worker_key_no_one_defines_fails_with_did_you_mean},
		{"ignored worker keys get one notice each",
		 test_ignored_worker_keys_get_one_notice_each},
		{"ignored worker keys are dropped before use",
		 test_ignored_worker_keys_are_dropped_before_use},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("validate", NULL, NULL, tests);
}
