#!/usr/bin/env bash
# Interoperability of mqtt-source and mqtt-sink with a broker no one here
# wrote: aedes (npm; MQTT 3.1.1, in-memory persistence), against one real
# Kafka broker. E2E_MQTT_INTEROP (default 20,000) QoS 1 messages through
# mqtt-source with the worker SIGKILLed once mid-stream: every message in
# Kafka; the same number of records through mqtt-sink to a persistent
# mosquitto_sub: every one received.
source "$(dirname "$0")/lib.sh"

N=${E2E_MQTT_INTEROP:-20000}

need kcat node mosquitto_pub mosquitto_sub seq awk
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
d=$E2E_TMP
AEDES=$(npm_pkg aedes 1.2.0) || {
	fail "install aedes from npm"
	e2e_finish
}
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}
node "$(dirname "$0")/aedes_broker.mjs" "$AEDES" "$d/aedes.port" 2>>"$d/aedes.log" &
E2E_PIDS+=($!)
wait_for 30 test -s "$d/aedes.port" || {
	fail "start aedes"
	e2e_finish
}
PORT=$(cat "$d/aedes.port")
log "aedes at 127.0.0.1:$PORT"
worker_conf "$d/worker.properties" "$d/offsets"

# source: QoS 1 over MQTT 3.1.1, the worker SIGKILLed once
props "$d/src.properties" "name=ae-src" "connector.class=mqtt-source" \
	"mqtt.server.uri=tcp://127.0.0.1:$PORT" "mqtt.version=3.1.1" "mqtt.topics=dev/#" \
	"kafka.topic=ae.in" "mqtt.qos=1" "value.converter=string" "mqtt.payload.format=string"
start_worker w "$d/worker.properties" "$d/src.properties"
# a probe, again every second until one is in Kafka (one published before
# the worker subscribed reaches no one)
probe_in()
{
	kcat -b "$BOOTSTRAP" -C -t ae.in -e -q -f '%s\n' 2>/dev/null | grep -qx probe && return 0
	echo probe | mosquitto_pub -p "$PORT" -V mqttv311 -q 1 -t dev/probe -l 2>>"$d/pub.log"
	return 1
}
check "the source subscribed on aedes (a probe reached Kafka)" wait_for 60 probe_in
kcat -b "$BOOTSTRAP" -C -t ae.in -f '%s\n' -q -u >"$d/live.txt" 2>>"$d/kcat.log" &
E2E_PIDS+=($!)
seq -f "a-%09.0f" 1 "$N" | mosquitto_pub -p "$PORT" -V mqttv311 -q 1 -t dev/x -l \
	2>>"$d/pub.log" &
pub=$!
E2E_PIDS+=("$pub")
wait_growth "$d/live.txt" $((N / 4)) 60
kill_worker w KILL
log "worker SIGKILLed at $(line_count "$d/live.txt") records in Kafka"
start_worker w "$d/worker.properties" "$d/src.properties"
wait "$pub"
forget_pid "$pub"
seq -f "a-%09.0f" 1 "$N" >"$d/want.txt"
if wait_complete "$d/want.txt" "$d/live.txt" 120 w; then
	pass "every QoS 1 message from aedes is in Kafka after a SIGKILL ($COMPARE)"
else
	fail "every QoS 1 message from aedes is in Kafka after a SIGKILL ($COMPARE)"
fi
stop_worker w

# sink: Kafka -> aedes -> a persistent subscriber
mosquitto_sub -p "$PORT" -V mqttv311 -q 1 -c -i ae-counter -t 'out/#' >"$d/sub.txt" \
	2>>"$d/sub.log" &
E2E_PIDS+=($!)
sleep 0.5
seq -f "k-%09.0f" 1 "$N" | kcat -b "$BOOTSTRAP" -t ae-out -P -X linger.ms=20 2>>"$d/kcat.log"
seq -f "k-%09.0f" 1 "$N" >"$d/want2.txt"
props "$d/sink.properties" "name=ae-sink" "connector.class=mqtt-sink" "topics=ae-out" \
	"mqtt.server.uri=tcp://127.0.0.1:$PORT" "mqtt.version=3.1.1" "mqtt.topic=out/\${topic}" \
	"mqtt.qos=1" "value.converter=string"
start_worker w "$d/worker.properties" "$d/sink.properties"
if wait_complete "$d/want2.txt" "$d/sub.txt" 120 w; then
	pass "every record reached aedes and its subscriber ($COMPARE)"
else
	fail "every record reached aedes and its subscriber ($COMPARE)"
fi
check "worker exits 0 on SIGTERM" stop_worker w
e2e_finish
