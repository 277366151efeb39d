#!/usr/bin/env bash
# End-to-end tests of the error policy against one real Kafka broker:
# (a) a dead letter queue topic that refuses a record (its max.message.bytes
# is smaller than the record) fails the sink task, naming the topic and the
# broker's error, and commits nothing past the record: once the topic takes
# it, a restarted worker sends the copy and goes on; (b) a source line whose
# record outgrows the producer's message.max.bytes once the json converter
# escapes its control characters goes through the error policy: skipped with
# a truncated copy in the dead letter queue under errors.tolerance=all, the
# task failed with the size and the keys that raise the limit otherwise.
source "$(dirname "$0")/lib.sh"

need kcat java python3
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# topic_config TOPIC KEY=VALUE: sets a topic config with the broker's own
# ConfigCommand (the jars scripts/kafka.sh resolved).
topic_config()
{
	local cp
	cp=$("$KAFKA_SH" classpath) || return 1
	java -cp "$cp" kafka.admin.ConfigCommand --bootstrap-server "$BOOTSTRAP" --alter \
		--entity-type topics --entity-name "$1" --add-config "$2" >>"$E2E_TMP/admin.log" 2>&1
}

# log_has WORKER TEXT: the worker's log holds TEXT.
log_has()
{
	grep -qF -- "$2" "$E2E_TMP/$1.log"
}

# dlq_values TOPIC: the values in a topic, one a line.
topic_values()
{
	kcat -b "$BOOTSTRAP" -C -t "$1" -e -q -f '%s\n' 2>/dev/null
}

scenario_dlq_refused()
{
	local d=$E2E_TMP/a bad
	mkdir -p "$d"
	bad=$(printf 'x%.0s' {1..1000})
	printf '{"n":1}\n%s\n{"n":3}\n' "$bad" >"$d/in.txt"
	echo marker | kcat -b "$BOOTSTRAP" -P -t a-dlq 2>/dev/null
	check "a: dead letter queue topic limited to 300 bytes" topic_config a-dlq max.message.bytes=300
	worker_conf "$d/worker.properties" "$d/offsets"
	props "$d/source.properties" name=a-src connector.class=file-source "file=$d/in.txt" topic=a-in
	props "$d/sink.properties" name=a-sink connector.class=file-sink topics=a-in "file=$d/out.txt" \
		value.converter=json value.converter.schemas.enable=false errors.tolerance=all \
		errors.deadletterqueue.topic.name=a-dlq
	local confs=("$d/worker.properties" "$d/source.properties" "$d/sink.properties")
	start_worker a "${confs[@]}"
	check "a: the refused copy fails the sink task, naming the topic and the broker's error" \
		wait_for 60 log_has a "task FAILED: dead letter queue topic a-dlq refused a record of 1000 bytes: Broker: Message size too large"
	check "a: the worker keeps running" worker_alive a
	check "a: worker exits 0 on SIGTERM" stop_worker a
	check "a: dead letter queue topic takes large records again" \
		topic_config a-dlq max.message.bytes=1000000
	start_worker a "${confs[@]}"
	check "a: after a restart the records after the bad one arrive" wait_lines "$d/out.txt" 2 60 a
	check "a: the bad record reaches the dead letter queue (nothing was committed past it)" \
		wait_for 30 eval 'topic_values a-dlq | grep -qx "$bad"'
	check "a: each good record is in the output" \
		eval 'grep -qx "{\"n\":1}" "$d/out.txt" && grep -qx "{\"n\":3}" "$d/out.txt"'
	check "a: worker exits 0 on SIGTERM after the restart" stop_worker a
}

scenario_too_large()
{
	local d=$E2E_TMP/b
	mkdir -p "$d"
	# 300,000 control characters: 300 KB as a line, 1.8 MB as escaped JSON.
	python3 -c 'import sys; sys.stdout.write("small-1\n" + "\x01" * 300000 + "\nsmall-3\n")' \
		>"$d/in.txt"
	worker_conf "$d/worker.properties" "$d/offsets"
	props "$d/source.properties" name=b-src connector.class=file-source "file=$d/in.txt" \
		topic=b-out value.converter=json value.converter.schemas.enable=false \
		errors.tolerance=all errors.deadletterqueue.topic.name=b-dlq
	start_worker b "$d/worker.properties" "$d/source.properties"
	check "b: the records around the large one arrive" \
		wait_for 60 eval '[[ $(topic_values b-out | wc -l) -ge 2 ]]'
	check "b: exactly the two small records are in the topic" \
		eval '[[ $(topic_values b-out | tr "\n" " ") == "\"small-1\" \"small-3\" " ]]'
	check "b: the dead letter queue holds a copy cut to fit, with the original size" \
		wait_for 30 eval 'kcat -b "$BOOTSTRAP" -C -t b-dlq -e -q -f "%h\n" 2>/dev/null | grep -q "__sluice.errors.value.original.bytes=1800002"'
	check "b: the copy is smaller than message.max.bytes" \
		eval '(( $(kcat -b "$BOOTSTRAP" -C -t b-dlq -e -q -f "%S\n" 2>/dev/null | head -n 1) < 1000000 ))'
	check "b: the source task keeps running" eval '! log_has b "task FAILED"'
	check "b: worker exits 0 on SIGTERM" stop_worker b

	props "$d/strict.properties" name=b-strict connector.class=file-source "file=$d/in.txt" \
		topic=b-strict value.converter=json value.converter.schemas.enable=false
	start_worker b2 "$d/worker.properties" "$d/strict.properties"
	check "b: without tolerance the task fails naming the size, the limit and the key to raise" \
		wait_for 60 log_has b2 "record of 1800002 bytes (key 0, value 1800002, headers 0) is larger than the producer's message.max.bytes (1000000); raise producer.override.message.max.bytes"
	check "b: the strict worker exits 0 on SIGTERM" stop_worker b2
}

# (c) a record larger than its topic's max.message.bytes (the broker's
# limit, learned with DescribeConfigs) is caught before it is produced,
# so it neither fails the task nor takes the records batched with it down.
scenario_topic_limit()
{
	local d=$E2E_TMP/c
	mkdir -p "$d"
	python3 -c 'import sys; sys.stdout.write("".join("small-%d\n" % i for i in range(1, 101)) + "y" * 8000 + "\n" + "".join("small-%d\n" % i for i in range(101, 201)))' >"$d/in.txt"
	echo marker | kcat -b "$BOOTSTRAP" -P -t c-out 2>/dev/null
	check "c: topic limited to 5000 bytes" topic_config c-out max.message.bytes=5000
	worker_conf "$d/worker.properties" "$d/offsets"
	props "$d/source.properties" name=c-src connector.class=file-source "file=$d/in.txt" \
		topic=c-out errors.tolerance=all errors.deadletterqueue.topic.name=c-dlq
	start_worker c "$d/worker.properties" "$d/source.properties"
	check "c: the 200 small records arrive" \
		wait_for 60 eval '[[ $(topic_values c-out | grep -c "^small-") -eq 200 ]]'
	check "c: the large record is in the dead letter queue, whole" \
		wait_for 30 eval '[[ $(kcat -b "$BOOTSTRAP" -C -t c-dlq -e -q -f "%S\n" 2>/dev/null) == 8000 ]]'
	check "c: the reason names the topic's max.message.bytes" \
		log_has c "is larger than the topic's max.message.bytes (5000"
	check "c: the source task keeps running" eval '! log_has c "task FAILED"'
	check "c: worker exits 0 on SIGTERM" stop_worker c
}

scenario_dlq_refused
scenario_too_large
scenario_topic_limit
e2e_finish
