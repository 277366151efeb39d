#!/usr/bin/env bash
# End-to-end test of mqtt-source and mqtt-sink against a real Mosquitto
# broker (Debian's, started on a free loopback port with persistence on and
# the queue limits raised) and one real Kafka broker:
#
# 1. source, QoS 1: E2E_MQTT_MESSAGES (default 200,000) messages from 4
#    concurrent publishers (mosquitto_pub) while the worker is SIGKILLed 3
#    times; messages published while it is down arrive after it restarts;
#    every message is in Kafka (compared as sets: duplicates allowed, none
#    missing).
# 2. source, the broker restarted while the worker drains a backlog.
# 3. source, QoS 2 with MQTT 3.1.1: E2E_MQTT_MESSAGES / 10, the worker
#    SIGKILLed once.
# 4. sink, QoS 1: E2E_MQTT_MESSAGES records from Kafka published to MQTT,
#    counted by a persistent mosquitto_sub, the worker SIGKILLed once.
# 5. bad input: a payload that is not JSON goes to the dead letter queue
#    and is acknowledged; wrong credentials fail the task naming the reason
#    code; the worker keeps its other connectors running.
source "$(dirname "$0")/lib.sh"

N=${E2E_MQTT_MESSAGES:-200000}
PUBLISHERS=4

need kcat python3 mosquitto_pub mosquitto_sub seq awk
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}
start_mosquitto mq MQPORT || {
	fail "start a Mosquitto broker"
	e2e_finish
}
d=$E2E_TMP
worker_conf "$d/worker.properties" "$d/offsets"

# publish PREFIX FROM TO TOPIC QOS [VERSION]: messages PREFIX-<n> (n from
# FROM to TO) to TOPIC, one mosquitto_pub in line mode (waits for each
# QoS 1/2 handshake before exiting).
publish()
{
	seq -f "$1-%09.0f" "$2" "$3" |
		mosquitto_pub -p "$MQPORT" -q "$5" -t "$4" -l -i "pub-$1-$2" ${6:+-V "$6"} \
			2>>"$d/pub.log"
}

# consume TOPIC OUT: the values of a Kafka topic so far into OUT.
consume()
{
	kcat -b "$BOOTSTRAP" -C -t "$1" -e -q -f '%s\n' >"$2" 2>/dev/null
}

# wait_in_kafka TOPIC WANT TIMEOUT: until every line of WANT is in TOPIC;
# sets COMPARE.
wait_in_kafka()
{
	local deadline=$((SECONDS + $3))
	while :; do
		consume "$1" "$d/got.txt"
		COMPARE=$(compare_sets "$2" "$d/got.txt" 2>/dev/null)
		[[ $(field missing "$COMPARE") == 0 ]] && return 0
		((SECONDS >= deadline)) && return 1
		sleep 2
	done
}

# probe TOPIC KAFKA_TOPIC: publishes a probe (again every second: one
# published before the worker subscribed reaches no one) until one is in
# Kafka: the worker's session and subscription exist from then on.
probe()
{
	local deadline=$((SECONDS + 60))
	until consume "$2" "$d/probe.txt" && grep -q "^probe-$1\$" "$d/probe.txt"; do
		((SECONDS >= deadline)) && return 1
		echo "probe-$1" | mosquitto_pub -p "$MQPORT" -q 1 -t "$1" -l 2>>"$d/pub.log"
		sleep 1
	done
}

# ---- 1. source, QoS 1, the worker SIGKILLed 3 times -------------------------

props "$d/src.properties" "name=mq-src" "connector.class=io.confluent.connect.mqtt.MqttSourceConnector" \
	"mqtt.server.uri=tcp://127.0.0.1:$MQPORT" "mqtt.topics=sensors/+/temp" \
	"kafka.topic=mq.\${mqtt.topic[1]}" "mqtt.qos=1" "mqtt.payload.format=string" \
	"value.converter=string"
start_worker w "$d/worker.properties" "$d/src.properties"
check "the source subscribed (a probe reached Kafka)" probe sensors/probe/temp mq.probe
per=$((N / PUBLISHERS))
pids=()
for ((p = 0; p < PUBLISHERS; p++)); do
	publish "s$p" 1 "$per" "sensors/dev$p/temp" 1 &
	pids+=($!)
	E2E_PIDS+=($!)
done
# what reaches Kafka, as it arrives: the kills fall while records flow
kcat -b "$BOOTSTRAP" -G e2e-live -X auto.offset.reset=earliest \
	-X topic.metadata.refresh.interval.ms=500 -u -f '%s\n' '^mq\.dev.*' \
	>"$d/live.txt" 2>>"$d/kcat.log" &
E2E_PIDS+=($!)
for k in 1 2 3; do
	wait_growth "$d/live.txt" $((N / 8)) 60
	kill_worker w KILL
	log "worker SIGKILLed ($k of 3) at $(line_count "$d/live.txt") records in Kafka"
	sleep 1 # messages published while it is down wait in the session
	start_worker w "$d/worker.properties" "$d/src.properties"
done
for pid in "${pids[@]}"; do
	wait "$pid"
	forget_pid "$pid"
done
: >"$d/want1.txt"
for ((p = 0; p < PUBLISHERS; p++)); do
	seq -f "s$p-%09.0f" 1 "$per" >>"$d/want1.txt"
done
: >"$d/got1.txt"
ok=1
for ((p = 0; p < PUBLISHERS; p++)); do
	grep "^s$p-" "$d/want1.txt" >"$d/want1-$p.txt"
	wait_in_kafka "mq.dev$p" "$d/want1-$p.txt" 120 || ok=0
	log "mq.dev$p: $COMPARE"
	cat "$d/got.txt" >>"$d/got1.txt"
done
COMPARE=$(compare_sets "$d/want1.txt" "$d/got1.txt" 2>/dev/null)
if ((ok)); then
	pass "every QoS 1 message is in Kafka after 3 SIGKILLs ($COMPARE)"
else
	fail "every QoS 1 message is in Kafka after 3 SIGKILLs ($COMPARE)"
fi
check "no message went to another topic's partition of the template" \
	test "$(field foreign "$COMPARE")" = 0

# ---- 2. the broker restarted while the worker drains a backlog ----------------

kill_worker w KILL
publish b 1 $((N / 4)) sensors/backlog/temp 1
seq -f "b-%09.0f" 1 $((N / 4)) >"$d/want2.txt"
start_worker w "$d/worker.properties" "$d/src.properties"
sleep 1
"$MQ_SH" restart "$d/mq" >/dev/null && log "mosquitto restarted mid-drain"
if wait_in_kafka mq.backlog "$d/want2.txt" 120; then
	pass "a backlog drained across a broker restart loses nothing ($COMPARE)"
else
	fail "a backlog drained across a broker restart loses nothing ($COMPARE)"
fi
check "the worker reconnected after the broker restart" \
	grep -q "reconnecting" "$d/w.log"
stop_worker w

# ---- 3. QoS 2 with MQTT 3.1.1, one SIGKILL ---------------------------------------

props "$d/src2.properties" "name=mq-src2" "connector.class=mqtt-source" \
	"mqtt.server.uri=tcp://127.0.0.1:$MQPORT" "mqtt.topics=q2/#" "mqtt.version=3.1.1" \
	"kafka.topic=mq.q2" "mqtt.qos=2" "kafka.key=" "value.converter=string" \
	"mqtt.payload.format=string"
start_worker w "$d/worker.properties" "$d/src2.properties"
check "the QoS 2 source subscribed" probe q2/probe mq.q2
publish q $((1)) $((N / 10)) q2/x 2 mqttv311 &
qpid=$!
E2E_PIDS+=("$qpid")
sleep 2
kill_worker w KILL
log "QoS 2 worker SIGKILLed"
start_worker w "$d/worker.properties" "$d/src2.properties"
wait "$qpid"
forget_pid "$qpid"
seq -f "q-%09.0f" 1 $((N / 10)) >"$d/want3.txt"
if wait_in_kafka mq.q2 "$d/want3.txt" 120; then
	pass "every QoS 2 message is in Kafka after a SIGKILL ($COMPARE)"
else
	fail "every QoS 2 message is in Kafka after a SIGKILL ($COMPARE)"
fi
stop_worker w

# ---- 4. sink, QoS 1, one SIGKILL ----------------------------------------------------

mosquitto_sub -p "$MQPORT" -q 1 -c -i e2e-counter -t 'out/#' >"$d/sub.txt" 2>>"$d/sub.log" &
subpid=$!
E2E_PIDS+=("$subpid")
sleep 0.5
seq -f "k-%09.0f" 1 "$N" | kcat -b "$BOOTSTRAP" -t mq-out -P -X linger.ms=20 2>>"$d/kcat.log"
seq -f "k-%09.0f" 1 "$N" >"$d/want4.txt"
props "$d/sink.properties" "name=mq-sink" "connector.class=io.confluent.connect.mqtt.MqttSinkConnector" \
	"topics=mq-out" "mqtt.server.uri=tcp://127.0.0.1:$MQPORT" "mqtt.topic=out/\${topic}" \
	"mqtt.qos=1" "value.converter=string"
start_worker w "$d/worker.properties" "$d/sink.properties"
wait_lines "$d/sub.txt" $((N / 3)) 60 w
kill_worker w KILL
log "sink worker SIGKILLed at $(line_count "$d/sub.txt") messages received"
start_worker w "$d/worker.properties" "$d/sink.properties"
if wait_complete "$d/want4.txt" "$d/sub.txt" 120 w; then
	pass "every record reached the MQTT subscriber after a SIGKILL ($COMPARE)"
else
	fail "every record reached the MQTT subscriber after a SIGKILL ($COMPARE)"
fi
stop_worker w

# ---- 5. bad input --------------------------------------------------------------------

props "$d/json.properties" "name=mq-json" "connector.class=mqtt-source" \
	"mqtt.server.uri=tcp://127.0.0.1:$MQPORT" "mqtt.topics=json/#" "kafka.topic=mq.json" \
	"mqtt.payload.format=json" "value.converter=json" "value.converter.schemas.enable=false" \
	"errors.tolerance=all" "errors.deadletterqueue.topic.name=mq-dlq"
# wait_client ID: until the broker logged a connection of client ID.
wait_client()
{
	wait_for 30 grep -q "as $1 " "$d/mq/mosquitto.log"
}
start_worker w "$d/worker.properties" "$d/json.properties"
check "the JSON source connected" wait_client sluice-mq-json-0
sleep 1 # its SUBSCRIBE follows the CONNACK
printf '%s\n' '{"ok":1}' 'not json' '{"ok":2}' |
	mosquitto_pub -p "$MQPORT" -q 1 -t json/a -l 2>>"$d/pub.log"
dlq_has()
{
	kcat -b "$BOOTSTRAP" -C -t mq-dlq -e -q -f '%s\n' 2>/dev/null | grep -qx 'not json'
}
check "a payload that is not JSON lands in the dead letter queue" wait_for 30 dlq_has
printf '%s\n' '{"ok":1}' '{"ok":2}' >"$d/want5.txt"
check "its neighbours are in Kafka" wait_in_kafka mq.json "$d/want5.txt" 30
# an oversized payload: valid JSON of 2 MB, over Kafka's record size
python3 -c 'import sys; sys.stdout.write("{\"big\":\"" + "x" * 2000000 + "\"}")' >"$d/big.json"
mosquitto_pub -p "$MQPORT" -q 1 -t json/big -f "$d/big.json" 2>>"$d/pub.log"
big_in_dlq()
{
	kcat -b "$BOOTSTRAP" -C -t mq-dlq -e -q -f '%h\n' 2>/dev/null |
		grep -Eq 'value.original.bytes=20000[0-9]{2}'
}
check "an oversized payload goes to the dead letter queue (cut, its size in a header)" \
	wait_for 30 big_in_dlq
echo '{"ok":3}' | mosquitto_pub -p "$MQPORT" -q 1 -t json/a -l 2>>"$d/pub.log"
printf '%s\n' '{"ok":1}' '{"ok":2}' '{"ok":3}' >"$d/want5.txt"
check "the task goes on after it" wait_in_kafka mq.json "$d/want5.txt" 30
stop_worker w
# the bad messages were acknowledged: a new session of the same client gets nothing again
start_worker w "$d/worker.properties" "$d/json.properties"
sleep 3
check "the refused messages were acknowledged (not sent again)" \
	test "$(kcat -b "$BOOTSTRAP" -C -t mq-dlq -e -q -f '%s\n' 2>/dev/null | wc -l)" = 2
stop_worker w

# wrong credentials: a broker with a password file
mosquitto_passwd -c -b "$d/passwords" sluice right >/dev/null 2>&1
MOSQUITTO_PASSWORDS=$d/passwords start_mosquitto mqauth AUTHPORT
props "$d/badauth.properties" "name=mq-badauth" "connector.class=mqtt-source" \
	"mqtt.server.uri=tcp://127.0.0.1:$AUTHPORT" "mqtt.topics=x" "kafka.topic=mq.x" \
	"mqtt.username=sluice" "mqtt.password=wrong"
props "$d/goodauth.properties" "name=mq-goodauth" "connector.class=mqtt-source" \
	"mqtt.server.uri=tcp://127.0.0.1:$AUTHPORT" "mqtt.topics=ok/#" "kafka.topic=mq.ok" \
	"mqtt.username=sluice" "mqtt.password=right" "value.converter=string"
start_worker w "$d/worker.properties" "$d/badauth.properties" "$d/goodauth.properties"
check "wrong credentials fail the task naming the reason code" \
	wait_for 30 grep -Eq "mq-badauth.*(0x86|0x87|[Nn]ot authorized|[Bb]ad [Uu]ser)" "$d/w.log"
echo "fine" | mosquitto_pub -p "$AUTHPORT" -u sluice -P right -q 1 -t ok/1 -l 2>>"$d/pub.log"
printf 'fine\n' >"$d/want6.txt"
sleep 1
echo "fine" | mosquitto_pub -p "$AUTHPORT" -u sluice -P right -q 1 -t ok/1 -l 2>>"$d/pub.log"
check "the worker keeps running its other connector" wait_in_kafka mq.ok "$d/want6.txt" 30
stop_worker w
e2e_finish
