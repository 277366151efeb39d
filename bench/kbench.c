/* kbench: the benchmarks' bare librdkafka client (the raw limit sluice is
 * measured against) and the harness's probes: topic admin, watermark and
 * output-file watchers.
 *
 *   kbench BOOTSTRAP produce FILE TOPIC [keyed] every line of FILE as one record
 *                                              (keyed: "KEY<TAB>VALUE" lines)
 *   kbench BOOTSTRAP consume TOPIC GROUP N OUT N records as lines into OUT, fsync
 *                                              (batches of 2000 per consume call)
 *   kbench BOOTSTRAP create-topic TOPIC PARTITIONS [KEY=VALUE...]  with topic configs
 *   kbench BOOTSTRAP delete-topic TOPIC...
 *   kbench BOOTSTRAP watermarks TOPIC          sum of the high watermarks
 *   kbench BOOTSTRAP wait-topic TOPIC N SECS   watch until the watermarks sum to N
 *   kbench -         wait-file FILE N SECS     watch until FILE has N lines, fsync it
 *   kbench BOOTSTRAP latency TOPIC N           commit-to-Kafka latency of N change
 *                                              events (see cmd_latency)
 *
 * The producer and consumer use sluice's client defaults (core/kafka.c),
 * and the consumer sluice's fetch wake watch (core/fetch_wake.h; set
 * KBENCH_NO_WAKE=1 to consume without it):
 * what sluice adds on top of librdkafka is what the benchmark measures.
 * The watchers print "ready" once set up, then "first=T done=T" (epoch
 * seconds) when the first record / the Nth record was seen, polling every
 * 10 ms. Exit status 0 on success, 1 on any failure (with a message). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PROBE_NAME "kbench"
#include "fetch_wake.h"
#include "probe.h"

#define IO_CHUNK (1024 * 1024)

#include "client_conf.h"

static const char *bootstrap;
static long delivery_errors;

static void set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
	char err[512];
	if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
		die("%s=%s: %s", k, v, err);
}

/* A client of the given type with the given defaults (rows of key, value). */
static rd_kafka_t *client(rd_kafka_type_t type, const char *const (*kv)[2], size_t n,
			  rd_kafka_conf_t *conf)
{
	char err[512];
	if (!conf)
		conf = rd_kafka_conf_new();
	set(conf, "bootstrap.servers", bootstrap);
	for (size_t i = 0; i < n; i++)
		set(conf, kv[i][0], kv[i][1]);
	/* Settings on top of client_conf.h, KBENCH_CONF="k=v;k=v": experiments,
	 * and a workload that changes a setting for every contestant (the
	 * snapshot-lz4 direction's compression.type). */
	char *extra = getenv("KBENCH_CONF") ? strdup(getenv("KBENCH_CONF")) : NULL, *save;
	for (char *kvp = extra ? strtok_r(extra, ";", &save) : NULL; kvp;
	     kvp = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kvp, '=');
		if (!eq)
			die("KBENCH_CONF: '%s' is not key=value", kvp);
		*eq = '\0';
		set(conf, kvp, eq + 1);
	}
	free(extra);
	rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
	if (!rk)
		die("cannot create client: %s", err);
	return rk;
}

static int partition_count(rd_kafka_t *rk, const char *topic);

/* ---- produce ------------------------------------------------------------ */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	if (m->err && delivery_errors++ < 5)
		fprintf(stderr, "kbench: delivery failed: %s\n", rd_kafka_err2str(m->err));
}

/* To a topic handle, as sluice does (naming the topic costs a lookup per
 * record). */
static void produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *p, size_t len,
			bool keyed)
{
	const char *key = NULL, *tab;
	size_t key_len = 0;

	if (keyed && (tab = memchr(p, '\t', len)) != NULL) {
		key = p;
		key_len = (size_t)(tab - p);
		len -= key_len + 1;
		p = tab + 1;
	}
	for (;;) {
		/* rd_kafka_produce: librdkafka's cheapest call for a record
		 * without headers or timestamp (84 instructions against
		 * rd_kafka_producev's 260), as sluice uses it */
		if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)p,
				     len, key, key_len, NULL) == 0)
			return;
		rd_kafka_resp_err_t err = rd_kafka_last_error();
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			die("produce: %s", rd_kafka_err2str(err));
		rd_kafka_poll(rk, 10); /* back pressure, as sluice does */
	}
}

/* Reads FILE in reads of up to 2 MiB and produces each line (without its '\n') as
 * a value with a null key, copied (RD_KAFKA_MSG_F_COPY, as sluice does);
 * keyed: the line up to its first tab is the key, the rest the value. */
static int cmd_produce(const char *file, const char *topic, bool keyed)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, producer_conf,
				sizeof(producer_conf) / sizeof(producer_conf[0]), conf);
	/* The topic's metadata first, as sluice does (sl_kafka_ensure_topic):
	 * librdkafka 2.0.2 otherwise learns a topic first produced to before
	 * the bootstrap connection is up only at its 1 s topic scan. */
	partition_count(rk, topic);
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	if (!rkt)
		die("topic %s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		die("%s: %s", file, strerror(errno));
	char *buf = malloc(2 * IO_CHUNK);
	size_t have = 0;
	long lines = 0;
	double t0 = now();
	for (;;) {
		if (have == 2 * IO_CHUNK)
			die("%s: a line longer than %d bytes", file, IO_CHUNK);
		ssize_t n = read(fd, buf + have, 2 * IO_CHUNK - have);
		if (n < 0)
			die("%s: %s", file, strerror(errno));
		if (n == 0)
			break;
		have += (size_t)n;
		char *p = buf, *end = buf + have, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			produce_one(rk, rkt, p, (size_t)(nl - p), keyed);
			lines++;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
		rd_kafka_poll(rk, 0);
	}
	close(fd);
	free(buf);
	while (rd_kafka_outq_len(rk) > 0)
		rd_kafka_poll(rk, 50);
	double t1 = now();
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	fprintf(stderr, "kbench: produced %ld records in %.3f s (%.0f records/s)\n", lines, t1 - t0,
		lines / (t1 - t0));
	return delivery_errors ? 1 : 0;
}

/* ---- consume ------------------------------------------------------------ */

static void write_all(int fd, const char *p, size_t len, const char *file)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("%s: write: %s", file, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* A group consumer, like a sink: appends each value and '\n' to OUT in
 * 1 MiB writes, then fsyncs OUT and commits the offsets once at the end. */
static int cmd_consume(const char *topic, const char *group, long want, const char *out)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	set(conf, "group.id", group);
	rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, consumer_conf,
				sizeof(consumer_conf) / sizeof(consumer_conf[0]), conf);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(rk, l))
		die("cannot subscribe to %s", topic);
	rd_kafka_topic_partition_list_destroy(l);
	int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		die("%s: %s", out, strerror(errno));
	char *buf = malloc(IO_CHUNK);
	size_t len = 0;
	long got = 0;
	double deadline = now() + 600;
	/* Batches of up to 2000 messages per call, as sluice's sink collects
	 * them: far cheaper per message than a poll each. */
	rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
	/* librdkafka 2.0.2 parks a fetcher whose queue filled for up to a
	 * second; sluice's sink wakes it (core/fetch_wake.h), so does this. */
	sl_fetch_wake_t *wake = getenv("KBENCH_NO_WAKE") ? NULL : sl_fetch_wake_new(rk, q);
	rd_kafka_message_t *batch[2000];
	while (got < want) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 0, batch, 2000);
		if (n <= 0)
			n = rd_kafka_consume_batch_queue(q, 100, batch, 1);
		if (n > 0)
			sl_fetch_wake_check(wake, batch, (size_t)n);
		if (n <= 0) {
			if (now() > deadline)
				die("consume: %ld of %ld records after 600 s", got, want);
			continue;
		}
		for (ssize_t i = 0; i < n; i++) {
			rd_kafka_message_t *m = batch[i];
			if (m->err) {
				fprintf(stderr, "kbench: consumer: %s\n",
					rd_kafka_message_errstr(m));
			} else {
				if (len + m->len + 1 > IO_CHUNK) {
					write_all(fd, buf, len, out);
					len = 0;
				}
				if (m->len + 1 > IO_CHUNK)
					die("a record of %zu bytes", m->len);
				memcpy(buf + len, m->payload, m->len);
				len += m->len;
				buf[len++] = '\n';
				got++;
			}
			rd_kafka_message_destroy(m);
		}
	}
	sl_fetch_wake_free(wake);
	rd_kafka_queue_destroy(q);
	write_all(fd, buf, len, out);
	if (fsync(fd) < 0 && errno != EINVAL) /* EINVAL: /dev/null */
		die("%s: fsync: %s", out, strerror(errno));
	close(fd);
	free(buf);
	rd_kafka_topic_partition_list_t *pos = NULL;
	if (!rd_kafka_assignment(rk, &pos) && !rd_kafka_position(rk, pos))
		rd_kafka_commit(rk, pos, 0); /* what was written, synchronously */
	if (pos)
		rd_kafka_topic_partition_list_destroy(pos);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return 0;
}

/* ---- admin -------------------------------------------------------------- */

static int admin_result(rd_kafka_event_t *ev, const rd_kafka_topic_result_t **res, size_t n,
			rd_kafka_resp_err_t ok_err)
{
	int rc = 0;
	if (rd_kafka_event_error(ev)) {
		fprintf(stderr, "kbench: %s\n", rd_kafka_event_error_string(ev));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		rd_kafka_resp_err_t err = rd_kafka_topic_result_error(res[i]);
		if (err && err != ok_err) {
			fprintf(stderr, "kbench: topic %s: %s\n",
				rd_kafka_topic_result_name(res[i]), rd_kafka_err2str(err));
			rc = 1;
		}
	}
	return rc;
}

static int cmd_create_topic(const char *topic, int partitions, char **configs, int nconfigs)
{
	char err[512];
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, NULL, 0, NULL);
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof(err));
	if (!nt)
		die("topic %s: %s", topic, err);
	for (int i = 0; i < nconfigs; i++) {
		char *eq = strchr(configs[i], '=');
		if (!eq)
			die("topic config '%s' is not KEY=VALUE", configs[i]);
		*eq = '\0';
		if (rd_kafka_NewTopic_set_config(nt, configs[i], eq + 1))
			die("topic config %s: refused", configs[i]);
	}
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_AdminOptions_set_operation_timeout(o, 30000, err, sizeof(err));
	rd_kafka_CreateTopics(rk, &nt, 1, o, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 35000);
	if (!ev)
		die("CreateTopics timed out");
	size_t n;
	const rd_kafka_topic_result_t **res =
		rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
	int rc = admin_result(ev, res, n, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
	rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return rc;
}

static int cmd_delete_topics(char **topics, int count)
{
	char err[512];
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, NULL, 0, NULL);
	rd_kafka_DeleteTopic_t **dt = calloc((size_t)count, sizeof(*dt));
	for (int i = 0; i < count; i++)
		dt[i] = rd_kafka_DeleteTopic_new(topics[i]);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
	rd_kafka_AdminOptions_set_operation_timeout(o, 30000, err, sizeof(err));
	rd_kafka_DeleteTopics(rk, dt, (size_t)count, o, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 35000);
	if (!ev)
		die("DeleteTopics timed out");
	size_t n;
	const rd_kafka_topic_result_t **res =
		rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
	int rc = admin_result(ev, res, n, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
	rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_DeleteTopic_destroy_array(dt, (size_t)count);
	free(dt);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return rc;
}

/* ---- watchers ----------------------------------------------------------- */

static int partition_count(rd_kafka_t *rk, const char *topic)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md;
	int n = -1;
	for (int tries = 0; tries < 50 && n <= 0; tries++) {
		if (!rd_kafka_metadata(rk, 0, rkt, &md, 5000)) {
			if (md->topic_cnt == 1 && !md->topics[0].err)
				n = md->topics[0].partition_cnt;
			rd_kafka_metadata_destroy(md);
		}
		if (n <= 0)
			usleep(100000);
	}
	rd_kafka_topic_destroy(rkt);
	if (n <= 0)
		die("topic %s: no metadata", topic);
	return n;
}

/* The sum of the topic's high watermarks, asked from the broker; -1 when
 * a partition could not be asked (e.g. its leader is not known yet). */
static long long watermark_sum(rd_kafka_t *rk, const char *topic, int partitions)
{
	long long sum = 0;
	for (int p = 0; p < partitions; p++) {
		int64_t lo, hi;
		if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 5000))
			return -1;
		sum += hi;
	}
	return sum;
}

/* watermark_sum, retried for up to 30 s while partitions get leaders. */
static long long watermark_sum_retry(rd_kafka_t *rk, const char *topic, int partitions)
{
	long long sum;
	for (int tries = 0; (sum = watermark_sum(rk, topic, partitions)) < 0; tries++) {
		if (tries == 300)
			die("watermarks of %s: no answer for 30 s", topic);
		usleep(100000);
	}
	return sum;
}

static int cmd_watermarks(const char *topic)
{
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, NULL, 0, NULL);
	printf("%lld\n", watermark_sum_retry(rk, topic, partition_count(rk, topic)));
	rd_kafka_destroy(rk);
	return 0;
}

static void report(double first, double done)
{
	printf("first=%.6f done=%.6f\n", first, done);
	fflush(stdout);
}

static int cmd_wait_topic(const char *topic, long long want, double secs)
{
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, NULL, 0, NULL);
	int partitions = partition_count(rk, topic);
	watermark_sum_retry(rk, topic, partitions); /* leaders known, connections up */
	printf("ready\n");
	fflush(stdout);
	double deadline = now() + secs, first = 0;
	long long sum;
	while ((sum = watermark_sum(rk, topic, partitions)) < want) { /* -1: ask again */
		if (!first && sum > 0)
			first = now();
		if (now() > deadline)
			die("topic %s: %lld of %lld records after %.0f s", topic, sum, want, secs);
		usleep(WATCH_POLL_US);
	}
	double done = now();
	report(first ? first : done, done);
	rd_kafka_destroy(rk);
	return 0;
}

/* Counts the newlines of FILE as it grows (reading only what was added);
 * at N lines fsyncs it, so "done" means the lines are on disk. */
static int cmd_wait_file(const char *file, long long want, double secs)
{
	char *buf = malloc(IO_CHUNK);
	int fd = -1;
	long long lines = 0;
	double deadline = now() + secs, first = 0;
	printf("ready\n");
	fflush(stdout);
	while (lines < want) {
		if (now() > deadline)
			die("%s: %lld of %lld lines after %.0f s", file, lines, want, secs);
		if (fd < 0 && (fd = open(file, O_RDONLY)) < 0) {
			usleep(WATCH_POLL_US);
			continue;
		}
		ssize_t n = read(fd, buf, IO_CHUNK);
		if (n < 0)
			die("%s: %s", file, strerror(errno));
		if (n == 0) {
			usleep(WATCH_POLL_US);
			continue;
		}
		if (!first)
			first = now();
		for (char *p = buf, *end = buf + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
			lines++;
	}
	if (fsync(fd) < 0)
		die("%s: fsync: %s", file, strerror(errno));
	report(first, now());
	close(fd);
	free(buf);
	return 0;
}

/* ---- latency ------------------------------------------------------------ */

/* The commit timestamp of a Debezium change event: "ts_ms" of its "source"
 * block (milliseconds), or -1. Values are JSON without schemas. */
static long long source_ts_ms(const char *p, size_t len)
{
	static const char src[] = "\"source\":", ts[] = "\"ts_ms\":";
	const char *end = p + len, *s = memmem(p, len, src, sizeof(src) - 1);
	if (!s || !(s = memmem(s, (size_t)(end - s), ts, sizeof(ts) - 1)))
		return -1;
	return strtoll(s + sizeof(ts) - 1, NULL, 10);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* Reads N change events of TOPIC from the start and prints the percentiles of
 * (the broker's append time - the transaction's commit time), in ms:
 * "p50=.. p99=.. max=..". The topic must have message.timestamp.type =
 * LogAppendTime, so the time is the broker's, not the producer's; the
 * database and the broker share this machine's clock. */
static int cmd_latency(const char *topic, long want)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	set(conf, "group.id", "kbench-latency");
	rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, consumer_conf,
				sizeof(consumer_conf) / sizeof(consumer_conf[0]), conf);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	if (rd_kafka_assign(rk, l))
		die("cannot assign %s", topic);
	rd_kafka_topic_partition_list_destroy(l);
	long long *lat = malloc(sizeof(*lat) * (size_t)want);
	long got = 0;
	double deadline = now() + 120;
	while (got < want) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (!m) {
			if (now() > deadline)
				die("latency: %ld of %ld records after 120 s", got, want);
			continue;
		}
		if (m->err)
			die("latency: %s", rd_kafka_message_errstr(m));
		rd_kafka_timestamp_type_t tt;
		long long append = rd_kafka_message_timestamp(m, &tt);
		if (tt != RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME)
			die("latency: %s is not a LogAppendTime topic", topic);
		long long commit = m->payload ? source_ts_ms(m->payload, m->len) : -1;
		if (commit >= 0)
			lat[got++] = append - commit;
		rd_kafka_message_destroy(m);
	}
	qsort(lat, (size_t)want, sizeof(*lat), cmp_ll);
	printf("p50=%lld p99=%lld max=%lld\n", lat[(want - 1) / 2], lat[(want * 99 - 1) / 100],
	       lat[want - 1]);
	free(lat);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr,
			"usage: kbench BOOTSTRAP produce FILE TOPIC [keyed] | consume TOPIC GROUP "
			"N OUT | create-topic TOPIC PARTITIONS | delete-topic TOPIC... | "
			"watermarks TOPIC | wait-topic TOPIC N SECS | wait-file FILE N "
			"SECS | latency TOPIC N\n");
		return 2;
	}
	bootstrap = argv[1];
	const char *mode = argv[2];
	if (!strcmp(mode, "produce") && (argc == 5 || (argc == 6 && !strcmp(argv[5], "keyed"))))
		return cmd_produce(argv[3], argv[4], argc == 6);
	if (!strcmp(mode, "consume") && argc == 7)
		return cmd_consume(argv[3], argv[4], atol(argv[5]), argv[6]);
	if (!strcmp(mode, "create-topic") && argc >= 5)
		return cmd_create_topic(argv[3], atoi(argv[4]), argv + 5, argc - 5);
	if (!strcmp(mode, "delete-topic"))
		return cmd_delete_topics(argv + 3, argc - 3);
	if (!strcmp(mode, "watermarks") && argc == 4)
		return cmd_watermarks(argv[3]);
	if (!strcmp(mode, "wait-topic") && argc == 6)
		return cmd_wait_topic(argv[3], atoll(argv[4]), atof(argv[5]));
	if (!strcmp(mode, "latency") && argc == 5)
		return cmd_latency(argv[3], atol(argv[4]));
	if (!strcmp(mode, "wait-file") && argc == 6)
		return cmd_wait_file(argv[3], atoll(argv[4]), atof(argv[5]));
	fprintf(stderr, "kbench: bad arguments for %s\n", mode);
	return 2;
}
