/* sluice's producer and consumer defaults (core/kafka.c), verbatim: the
 * bare clients of the benchmarks (kbench.c, httpbench.c) run with exactly
 * the settings sluice gives its own clients. */
#ifndef SL_BENCH_CLIENT_CONF_H
#define SL_BENCH_CLIENT_CONF_H

static const char *const producer_conf[][2] = {
	{"enable.idempotence", "false"},
	{"max.in.flight.requests.per.connection", "1"},
	{"acks", "all"},
	{"partitioner", "murmur2_random"},
	{"linger.ms", "5"},
	{"batch.num.messages", "10000"},
	{"queue.buffering.max.messages", "30000"},
	{"queue.buffering.max.kbytes", "4096"},
	{"message.timeout.ms", "300000"},
	{"compression.type", "none"},
};
static const char *const consumer_conf[][2] = {
	{"enable.auto.commit", "false"},   {"enable.auto.offset.store", "false"},
	{"auto.offset.reset", "earliest"}, {"enable.partition.eof", "false"},
	{"queued.min.messages", "20000"},  {"queued.max.messages.kbytes", "6144"},
	{"fetch.max.bytes", "2097152"},    {"fetch.wait.max.ms", "100"},
};

#endif
