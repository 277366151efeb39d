/* librdkafka client configuration, the embedded mock cluster and topic
 * creation. */
#include "kafka.h"

#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_wake.h"
#include "sluice/log.h"
#include "sluice/util.h"

struct sl_kafka {
	char *bootstrap;
	sl_config_t *common; /* keys every client gets (security.*, sasl.*, ssl.*) */
	sl_config_t *producer, *consumer, *admin; /* worker passthrough */
	rd_kafka_t *mock_host;                    /* owns the mock cluster */
	rd_kafka_mock_cluster_t *mock;
};

/* sluice's own settings per client kind, in librdkafka's names: what Kafka
 * Connect's worker sets for its task clients, and what the record path
 * needs. Each can be changed with producer.* / consumer.* in the worker
 * file or *.override.* in a connector's; `sluice plugins --markdown
 * kafka-clients` prints them for docs/configuration.md. */
typedef struct client_default {
	const char *key, *value, *why;
} client_default_t;

static const client_default_t producer_defaults[] = {
	{"enable.idempotence", "false",
	 "as Kafka Connect's source producers; librdkafka's idempotent producer keeps one "
	 "request in flight per partition all the same, and polls in a busy loop while the "
	 "next batch waits for it (up to a core under load). An exactly-once task's "
	 "transactional producer is idempotent"},
	{"max.in.flight.requests.per.connection", "1",
	 "as Kafka Connect: a retried batch cannot overtake the next one, so records keep "
	 "their order; a retry after a lost acknowledgement may write a batch twice "
	 "(at-least-once)"},
	{"acks", "all",
	 "a record counts as written once every in-sync replica has it; source offsets are "
	 "stored only after that"},
	{"partitioner", "murmur2_random",
	 "the Java client's partitioner: a key lands on the same partition as with Kafka "
	 "Connect"},
	{"linger.ms", "5", "a few milliseconds of batching"},
	{"batch.num.messages", "10000", "up to 10,000 records per batch"},
	{"queue.buffering.max.messages", "30000",
	 "records waiting for acknowledgement per task, at most: three full batches; bounds "
	 "the task's memory (each small record costs ~300 bytes here)"},
	{"queue.buffering.max.kbytes", "4096",
	 "and at most 4 MiB of them: with one request in flight per partition, more only "
	 "holds memory (8 MiB gave 1 KB records no more throughput and 7 MB more RSS)"},
	{"message.timeout.ms", "300000",
	 "a record not acknowledged within 5 minutes fails its task (offsets are not stored "
	 "past it)"},
	{"compression.type", "none", "as Kafka Connect's producer"},
};

static const client_default_t consumer_defaults[] = {
	{"enable.auto.commit", "false",
	 "the sink task commits offsets itself, only after its connector's flush"},
	{"enable.auto.offset.store", "false", "likewise"},
	{"auto.offset.reset", "earliest",
	 "a new sink starts at the beginning of its topics, as in Kafka Connect"},
	{"enable.partition.eof", "false", "no end-of-partition events"},
	{"queued.min.messages", "20000",
	 "prefetched records per sink task, at most; with librdkafka < 2.2 sluice wakes the "
	 "fetcher as soon as the queue drains (core/fetch_wake.h), so a small queue costs "
	 "no throughput"},
	{"queued.max.messages.kbytes", "6144",
	 "and at most 6 MiB of them: 1 KB records pass as fast as with 8 MiB, in 3 MB less "
	 "memory; 4 MiB slows them"},
	{"fetch.max.bytes", "2097152",
	 "at most 2 MiB per fetch response: a response's records are all queued at once, on "
	 "top of the prefetch (each small record costs ~400 bytes there); raise it for a "
	 "distant broker, where one response per round trip bounds the throughput"},
	{"fetch.wait.max.ms", "100", "how long the broker may hold a fetch waiting for data"},
};

static void apply_defaults(rd_kafka_conf_t *conf, const client_default_t *d, size_t n)
{
	char rderr[512];
	for (size_t i = 0; i < n; i++)
		rd_kafka_conf_set(conf, d[i].key, d[i].value, rderr, sizeof(rderr));
}

static void describe_defaults(FILE *out, const char *prefix, const client_default_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "| `%s%s` | `%s` | %s |\n", prefix, d[i].key, d[i].value, d[i].why);
}

void sl_kafka_describe_defaults(FILE *out)
{
	fprintf(out, "| Key | sluice sets | Why |\n|---|---|---|\n");
	describe_defaults(out, "producer.", producer_defaults, SL_ARRAY_LEN(producer_defaults));
	describe_defaults(out, "consumer.", consumer_defaults, SL_ARRAY_LEN(consumer_defaults));
}

static bool is_common_key(const char *key)
{
	return !strcmp(key, "security.protocol") || !strncmp(key, "sasl.", 5) ||
	       !strncmp(key, "ssl.", 4) || !strcmp(key, "client.rack");
}

static int conf_apply(rd_kafka_conf_t *conf, const sl_config_t *cfg, const char *origin,
		      char *errstr, size_t errstr_size)
{
	char rderr[512];
	for (size_t i = 0; cfg && i < sl_config_count(cfg); i++) {
		const sl_config_entry_t *e = sl_config_at(cfg, i);
		if (rd_kafka_conf_set(conf, e->key, e->value, rderr, sizeof(rderr)) !=
		    RD_KAFKA_CONF_OK)
			return sl_seterr(errstr, errstr_size, "%s%s: %s", origin, e->key, rderr);
	}
	return 0;
}

rd_kafka_conf_t *sl_kafka_conf(const sl_kafka_t *k, sl_client_kind_t kind,
			       const char *const *defaults, const sl_config_t *overrides,
			       const char *client_id, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char rderr[512];
	rd_kafka_conf_set(conf, "bootstrap.servers", k->bootstrap, rderr, sizeof(rderr));
	if (kind == SL_CLIENT_PRODUCER) {
		apply_defaults(conf, producer_defaults, SL_ARRAY_LEN(producer_defaults));
	} else if (kind == SL_CLIENT_CONSUMER) {
		apply_defaults(conf, consumer_defaults, SL_ARRAY_LEN(consumer_defaults));
		/* librdkafka >= 2.2 looks again at a partition whose prefetch
		 * queue was full after fetch.queue.backoff.ms (1 s by
		 * default); older ones need core/fetch_wake.h instead. */
		if (!sl_fetch_wake_needed())
			rd_kafka_conf_set(conf, "fetch.queue.backoff.ms", "10", rderr,
					  sizeof(rderr));
	}
	for (size_t i = 0; defaults && defaults[i] && defaults[i + 1]; i += 2)
		if (rd_kafka_conf_set(conf, defaults[i], defaults[i + 1], rderr, sizeof(rderr)) !=
		    RD_KAFKA_CONF_OK) {
			sl_seterr(errstr, errstr_size, "connector default %s=%s: %s", defaults[i],
				  defaults[i + 1], rderr);
			goto fail;
		}
	const sl_config_t *mine = kind == SL_CLIENT_PRODUCER   ? k->producer
				  : kind == SL_CLIENT_CONSUMER ? k->consumer
							       : k->admin;
	const char *prefix = kind == SL_CLIENT_PRODUCER   ? "producer."
			     : kind == SL_CLIENT_CONSUMER ? "consumer."
							  : "admin.";
	if (conf_apply(conf, k->common, "", errstr, errstr_size) ||
	    conf_apply(conf, mine, prefix, errstr, errstr_size) ||
	    conf_apply(conf, overrides, "override ", errstr, errstr_size))
		goto fail;
	if (client_id)
		rd_kafka_conf_set(conf, "client.id", client_id, rderr, sizeof(rderr));
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

rd_kafka_conf_t *sl_kafka_conf_pairs(const sl_kafka_t *k, sl_client_kind_t kind,
				     const char *const *overrides, const char *client_id,
				     char *errstr, size_t errstr_size)
{
	sl_config_t *over = sl_config_new();
	for (const char *const *kv = overrides; kv[0]; kv += 2)
		sl_config_set(over, kv[0], kv[1], NULL, 0);
	rd_kafka_conf_t *conf = sl_kafka_conf(k, kind, NULL, over, client_id, errstr, errstr_size);
	sl_config_free(over);
	return conf;
}

rd_kafka_t *sl_kafka_client_new(sl_client_kind_t kind, rd_kafka_conf_t *conf, char *errstr,
				size_t errstr_size)
{
	size_t txn_id_size = 0;
	/* transactions need the idempotent producer, which sluice's producers
	 * are not by default (producer_defaults); as in Kafka Connect, a
	 * transactional producer is idempotent whatever the settings say */
	if (kind == SL_CLIENT_PRODUCER &&
	    rd_kafka_conf_get(conf, "transactional.id", NULL, &txn_id_size) == RD_KAFKA_CONF_OK &&
	    txn_id_size > 1)
		rd_kafka_conf_set(conf, "enable.idempotence", "true", NULL, 0);
	rd_kafka_t *rk =
		rd_kafka_new(kind == SL_CLIENT_CONSUMER ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
			     conf, errstr, errstr_size);
	if (!rk) /* rd_kafka_new leaves conf to its caller when it fails */
		rd_kafka_conf_destroy(conf);
	return rk;
}

static int start_embedded(sl_kafka_t *k, char *errstr, size_t errstr_size)
{
	char rderr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", rderr, sizeof(rderr));
	k->mock_host = sl_kafka_client_new(SL_CLIENT_PRODUCER, conf, rderr, sizeof(rderr));
	if (!k->mock_host)
		return sl_seterr(errstr, errstr_size, "embedded cluster: %s", rderr);
	k->mock = rd_kafka_mock_cluster_new(k->mock_host, 1);
	if (!k->mock)
		return sl_seterr(errstr, errstr_size, "embedded cluster: could not start");
	free(k->bootstrap);
	k->bootstrap = sl_strdup(rd_kafka_mock_cluster_bootstraps(k->mock));
	SL_WARN(NULL,
		"bootstrap.servers=embedded: Kafka runs in this process (librdkafka mock "
		"cluster) at %s; data lives in memory only, is lost on exit, and past ~5 MiB "
		"per partition older data is dropped: use it for demos and tests, never for "
		"real data",
		k->bootstrap);
	return 0;
}

/* Checks the passthrough keys against librdkafka so mistakes fail at start. */
static int check_passthrough(sl_kafka_t *k, char *errstr, size_t errstr_size)
{
	static const sl_client_kind_t kinds[] = {SL_CLIENT_PRODUCER, SL_CLIENT_CONSUMER,
						 SL_CLIENT_ADMIN};
	for (size_t i = 0; i < SL_ARRAY_LEN(kinds); i++) {
		rd_kafka_conf_t *c =
			sl_kafka_conf(k, kinds[i], NULL, NULL, NULL, errstr, errstr_size);
		if (!c)
			return -1;
		rd_kafka_conf_destroy(c);
	}
	return 0;
}

sl_kafka_t *sl_kafka_new(const sl_config_t *worker, char *errstr, size_t errstr_size)
{
	sl_kafka_t *k = sl_calloc(1, sizeof(*k));
	const char *bs = sl_config_get(worker, "bootstrap.servers");
	k->bootstrap = sl_strdup(bs ? bs : "localhost:9092");
	k->producer = sl_config_subset(worker, "producer.", true);
	k->consumer = sl_config_subset(worker, "consumer.", true);
	k->admin = sl_config_subset(worker, "admin.", true);
	k->common = sl_config_new();
	for (size_t i = 0; i < sl_config_count(worker); i++) {
		const sl_config_entry_t *e = sl_config_at(worker, i);
		if (is_common_key(e->key))
			sl_config_set(k->common, e->key, e->value, e->file, e->line);
	}
	if (check_passthrough(k, errstr, errstr_size) != 0)
		goto fail;
	if (!strcmp(k->bootstrap, "embedded") && start_embedded(k, errstr, errstr_size) != 0)
		goto fail;
	return k;
fail:
	sl_kafka_free(k);
	return NULL;
}

void sl_kafka_free(sl_kafka_t *k)
{
	if (!k)
		return;
	if (k->mock)
		rd_kafka_mock_cluster_destroy(k->mock);
	if (k->mock_host)
		rd_kafka_destroy(k->mock_host);
	sl_config_free(k->common);
	sl_config_free(k->producer);
	sl_config_free(k->consumer);
	sl_config_free(k->admin);
	free(k->bootstrap);
	free(k);
}

const char *sl_kafka_bootstrap(const sl_kafka_t *k)
{
	return k->bootstrap;
}

bool sl_kafka_is_embedded(const sl_kafka_t *k)
{
	return k->mock != NULL;
}

/* 1: exists, 0: missing, -1: metadata failed. */
/* The topic's partition count, 0 when it does not exist, -1 with errstr
 * when the cluster does not answer. */
static int topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr,
			    size_t errstr_size)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (err) {
		sl_seterr(errstr, errstr_size, "metadata request failed: %s",
			  rd_kafka_err2str(err));
		return -1;
	}
	int found = 0;
	for (int i = 0; i < md->topic_cnt; i++) {
		if (!strcmp(md->topics[i].topic, topic) && !md->topics[i].err) {
			found = md->topics[i].partition_cnt;
			break;
		}
	}
	rd_kafka_metadata_destroy(md);
	return found;
}

int sl_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
	char err[256];
	return topic_partitions(rk, topic, timeout_ms, err, sizeof(err));
}

static int topic_exists(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr,
			size_t errstr_size)
{
	int n = topic_partitions(rk, topic, timeout_ms, errstr, errstr_size);
	return n < 0 ? -1 : n > 0;
}

/* Waits for the answer of a CreateTopics or CreatePartitions request for
 * topic sent to q: 0 when it succeeded or failed only with tolerated
 * (the state asked for is there already), else -1 with errstr. */
static int topic_request_result(rd_kafka_queue_t *q, const char *topic, const char *what,
				rd_kafka_resp_err_t tolerated, int timeout_ms, char *errstr,
				size_t errstr_size)
{
	int rc = -1;
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
	if (!ev)
		return sl_seterr(errstr, errstr_size, "topic %s: %s timed out", topic, what);
	if (rd_kafka_event_error(ev)) {
		sl_seterr(errstr, errstr_size, "topic %s: %s failed: %s", topic, what,
			  rd_kafka_event_error_string(ev));
		goto out;
	}
	size_t n = 0;
	const rd_kafka_topic_result_t **res =
		rd_kafka_event_type(ev) == RD_KAFKA_EVENT_CREATETOPICS_RESULT
			? rd_kafka_CreateTopics_result_topics(
				  rd_kafka_event_CreateTopics_result(ev), &n)
			: rd_kafka_CreatePartitions_result_topics(
				  rd_kafka_event_CreatePartitions_result(ev), &n);
	rd_kafka_resp_err_t err =
		n ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
	if (err && err != tolerated) {
		const char *msg = rd_kafka_topic_result_error_string(res[0]);
		sl_seterr(errstr, errstr_size, "topic %s: %s failed: %s", topic, what,
			  msg ? msg : rd_kafka_err2str(err));
		goto out;
	}
	rc = 0;
out:
	rd_kafka_event_destroy(ev);
	return rc;
}

static int create_topic(rd_kafka_t *rk, const char *topic, int partitions, int rf,
			const char *const *configs, int timeout_ms, char *errstr,
			size_t errstr_size)
{
	char rderr[512];
	int rc = -1;
	rd_kafka_NewTopic_t *nt =
		rd_kafka_NewTopic_new(topic, partitions, rf, rderr, sizeof(rderr));
	if (!nt)
		return sl_seterr(errstr, errstr_size, "topic %s: %s", topic, rderr);
	for (; configs && configs[0]; configs += 2)
		rd_kafka_NewTopic_set_config(nt, configs[0], configs[1]);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *opts =
		rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, rderr, sizeof(rderr));
	rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
	rc = topic_request_result(q, topic, "CreateTopics", RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
				  timeout_ms, errstr, errstr_size);
	if (rc == 0)
		SL_INFO(NULL,
			"created topic %s (partitions %d, replication factor %d; -1 = broker "
			"default)",
			topic, partitions, rf);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	return rc;
}

size_t sl_kafka_max_message_bytes(rd_kafka_t *rk)
{
	char v[32];
	size_t size = sizeof(v);
	if (rd_kafka_conf_get(rd_kafka_conf(rk), "message.max.bytes", v, &size) != RD_KAFKA_CONF_OK)
		return 1000000;
	return (size_t)strtoull(v, NULL, 10);
}

/* The value of config name in a DescribeConfigs result event, or -1. */
static int64_t config_value_of(rd_kafka_event_t *ev, const char *name)
{
	const rd_kafka_DescribeConfigs_result_t *res = rd_kafka_event_DescribeConfigs_result(ev);
	size_t nres = 0, nconf = 0;
	const rd_kafka_ConfigResource_t **rs =
		res ? rd_kafka_DescribeConfigs_result_resources(res, &nres) : NULL;
	if (!nres || rd_kafka_ConfigResource_error(rs[0]))
		return -1;
	const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(rs[0], &nconf);
	for (size_t i = 0; i < nconf; i++) {
		const char *v = rd_kafka_ConfigEntry_value(es[i]);
		if (!strcmp(rd_kafka_ConfigEntry_name(es[i]), name) && v)
			return strtoll(v, NULL, 10);
	}
	return -1;
}

int64_t sl_kafka_topic_max_message_bytes(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
	char rderr[256];
	rd_kafka_ConfigResource_t *r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *opts =
		rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
	rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, rderr, sizeof(rderr));
	rd_kafka_DescribeConfigs(rk, &r, 1, opts, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
	int64_t v = ev && !rd_kafka_event_error(ev) ? config_value_of(ev, "max.message.bytes") : -1;
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_ConfigResource_destroy(r);
	return v;
}

int sl_kafka_ensure_topic(sl_kafka_t *k, rd_kafka_t *rk, const char *topic, int partitions,
			  int replication_factor, int timeout_ms, char *errstr, size_t errstr_size)
{
	return sl_kafka_ensure_topic_configs(k, rk, topic, partitions, replication_factor, NULL,
					     timeout_ms, errstr, errstr_size);
}

/* Waits (at most timeout_ms) until a metadata request of rk shows the
 * topic with its partitions and no error. The answer goes into rk's
 * metadata cache, from which rd_kafka_topic_new starts a topic handle.
 * Without it, the first records of a new topic go into librdkafka's
 * unassigned queue, and a record there gets its place in the partition's
 * order only when it leaves that queue. One file source's first line
 * landed behind 10,000 lines produced after it. */
static void await_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
	char err[256];
	int64_t deadline = sl_now_ms() + timeout_ms, left = timeout_ms;
	while (topic_partitions(rk, topic, (int)left, err, sizeof(err)) <= 0 &&
	       (left = deadline - sl_now_ms()) > 50)
		sl_sleep_ms(50);
}

int sl_kafka_ensure_topic_configs(sl_kafka_t *k, rd_kafka_t *rk, const char *topic, int partitions,
				  int replication_factor, const char *const *configs,
				  int timeout_ms, char *errstr, size_t errstr_size)
{
	int exists = topic_exists(rk, topic, timeout_ms, errstr, errstr_size);
	if (exists != 0)
		return exists > 0 ? 0 : -1;
	if (k->mock) {
		/* The mock cluster has no CreateTopics: create it directly. */
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
			k->mock, topic, partitions > 0 ? partitions : 1, 1);
		if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
			return sl_seterr(errstr, errstr_size, "topic %s: %s", topic,
					 rd_kafka_err2str(err));
	} else if (create_topic(rk, topic, partitions, replication_factor, configs, timeout_ms,
				errstr, errstr_size) != 0) {
		return -1;
	}
	await_partitions(rk, topic, timeout_ms);
	return 0;
}

int sl_kafka_grow_topic(sl_kafka_t *k, rd_kafka_t *rk, const char *topic, int partitions,
			int timeout_ms, char *errstr, size_t errstr_size)
{
	char rderr[512];
	int rc = -1;
	if (k->mock)
		return sl_seterr(errstr, errstr_size,
				 "topic %s: the embedded cluster cannot add partitions", topic);
	rd_kafka_NewPartitions_t *np =
		rd_kafka_NewPartitions_new(topic, (size_t)partitions, rderr, sizeof(rderr));
	if (!np)
		return sl_seterr(errstr, errstr_size, "topic %s: %s", topic, rderr);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *opts =
		rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
	rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, rderr, sizeof(rderr));
	rd_kafka_CreatePartitions(rk, &np, 1, opts, q);
	/* another member grew it first: it has at least as many */
	rc = topic_request_result(q, topic, "CreatePartitions",
				  RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, timeout_ms, errstr,
				  errstr_size);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewPartitions_destroy(np);
	return rc;
}

/* ---- consumer group offsets ---------------------------------------------- */

/* Waits for the answer of an admin request sent to q; NULL with errstr
 * when it did not come or failed as a whole. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, const char *what, const char *group,
				    int timeout_ms, char *errstr, size_t errstr_size)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
	if (!ev) {
		sl_seterr(errstr, errstr_size, "consumer group %s: %s timed out", group, what);
		return NULL;
	}
	if (rd_kafka_event_error(ev)) {
		sl_seterr(errstr, errstr_size, "consumer group %s: %s failed: %s", group, what,
			  rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		return NULL;
	}
	return ev;
}

/* 0 when the group's result and each of its partitions has no error. */
static int group_result_ok(const rd_kafka_group_result_t **res, size_t n, const char *what,
			   const char *group, char *errstr, size_t errstr_size)
{
	const rd_kafka_error_t *gerr = n ? rd_kafka_group_result_error(res[0]) : NULL;
	if (gerr)
		return sl_seterr(errstr, errstr_size, "consumer group %s: %s failed: %s", group,
				 what, rd_kafka_error_string(gerr));
	const rd_kafka_topic_partition_list_t *parts =
		n ? rd_kafka_group_result_partitions(res[0]) : NULL;
	for (int i = 0; parts && i < parts->cnt; i++)
		if (parts->elems[i].err)
			return sl_seterr(errstr, errstr_size,
					 "consumer group %s: %s failed for %s-%d: %s", group, what,
					 parts->elems[i].topic, (int)parts->elems[i].partition,
					 rd_kafka_err2str(parts->elems[i].err));
	return 0;
}

static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk, int timeout_ms)
{
	char rderr[256];
	rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
	rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, rderr, sizeof(rderr));
	return o;
}

int sl_kafka_group_offsets(rd_kafka_t *rk, const char *group, int timeout_ms, json_t **out,
			   char *errstr, size_t errstr_size)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *o = admin_options(rk, timeout_ms);
	rd_kafka_ListConsumerGroupOffsets_t *req =
		rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
	rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, o, q);
	rd_kafka_ListConsumerGroupOffsets_destroy(req);
	int rc = -1;
	rd_kafka_event_t *ev =
		admin_wait(q, "ListConsumerGroupOffsets", group, timeout_ms, errstr, errstr_size);
	size_t n = 0;
	const rd_kafka_group_result_t **res =
		ev ? rd_kafka_ListConsumerGroupOffsets_result_groups(
			     rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n)
		   : NULL;
	if (!ev ||
	    group_result_ok(res, n, "ListConsumerGroupOffsets", group, errstr, errstr_size) != 0)
		goto out;
	*out = json_array();
	const rd_kafka_topic_partition_list_t *parts =
		n ? rd_kafka_group_result_partitions(res[0]) : NULL;
	for (int i = 0; parts && i < parts->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &parts->elems[i];
		if (p->offset < 0)
			continue; /* no committed offset */
		json_array_append_new(*out,
				      json_pack("{s:{s:s,s:i},s:{s:I}}", "partition", "kafka_topic",
						p->topic, "kafka_partition", (int)p->partition,
						"offset", "kafka_offset", (json_int_t)p->offset));
	}
	rc = 0;
out:
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_queue_destroy(q);
	return rc;
}

int sl_kafka_group_alter_offsets(rd_kafka_t *rk, const char *group,
				 const rd_kafka_topic_partition_list_t *parts, int timeout_ms,
				 char *errstr, size_t errstr_size)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *o = admin_options(rk, timeout_ms);
	rd_kafka_AlterConsumerGroupOffsets_t *req =
		rd_kafka_AlterConsumerGroupOffsets_new(group, parts);
	rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, o, q);
	rd_kafka_AlterConsumerGroupOffsets_destroy(req);
	rd_kafka_event_t *ev =
		admin_wait(q, "AlterConsumerGroupOffsets", group, timeout_ms, errstr, errstr_size);
	int rc = -1;
	if (ev) {
		size_t n = 0;
		const rd_kafka_group_result_t **res =
			rd_kafka_AlterConsumerGroupOffsets_result_groups(
				rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
		rc = group_result_ok(res, n, "AlterConsumerGroupOffsets", group, errstr,
				     errstr_size);
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_queue_destroy(q);
	return rc;
}

int sl_kafka_group_delete_offsets(rd_kafka_t *rk, const char *group,
				  const rd_kafka_topic_partition_list_t *parts, int timeout_ms,
				  char *errstr, size_t errstr_size)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *o = admin_options(rk, timeout_ms);
	rd_kafka_DeleteConsumerGroupOffsets_t *req =
		rd_kafka_DeleteConsumerGroupOffsets_new(group, parts);
	rd_kafka_DeleteConsumerGroupOffsets(rk, &req, 1, o, q);
	rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
	rd_kafka_event_t *ev =
		admin_wait(q, "DeleteConsumerGroupOffsets", group, timeout_ms, errstr, errstr_size);
	int rc = -1;
	if (ev) {
		size_t n = 0;
		const rd_kafka_group_result_t **res =
			rd_kafka_DeleteConsumerGroupOffsets_result_groups(
				rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
		rc = group_result_ok(res, n, "DeleteConsumerGroupOffsets", group, errstr,
				     errstr_size);
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_queue_destroy(q);
	return rc;
}

int sl_kafka_group_delete(rd_kafka_t *rk, const char *group, int timeout_ms, char *errstr,
			  size_t errstr_size)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *o = admin_options(rk, timeout_ms);
	rd_kafka_DeleteGroup_t *req = rd_kafka_DeleteGroup_new(group);
	rd_kafka_DeleteGroups(rk, &req, 1, o, q);
	rd_kafka_DeleteGroup_destroy(req);
	rd_kafka_event_t *ev =
		admin_wait(q, "DeleteGroups", group, timeout_ms, errstr, errstr_size);
	int rc = -1;
	if (ev) {
		size_t n = 0;
		const rd_kafka_group_result_t **res = rd_kafka_DeleteGroups_result_groups(
			rd_kafka_event_DeleteGroups_result(ev), &n);
		const rd_kafka_error_t *gerr = n ? rd_kafka_group_result_error(res[0]) : NULL;
		rd_kafka_resp_err_t code = gerr ? rd_kafka_error_code(gerr) : 0;
		if (code && code != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
			sl_seterr(errstr, errstr_size, "consumer group %s: DeleteGroups failed: %s",
				  group, rd_kafka_error_string(gerr));
		else
			rc = 0;
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_queue_destroy(q);
	return rc;
}
