# shellcheck shell=bash
# The MQTT workloads, on one throwaway Mosquitto per workload
# (scripts/mosquitto.sh: persistence on, autosave every second, no limit on
# queued messages; max_inflight_messages, MQTT 3.1.1's window, set to
# BENCH_MQTT_WINDOW) beside the benchmark's Kafka broker. Each workload
# moves BENCH_MQTT_MESSAGES (default 1,000,000) payloads of 100 B (the lines
# of file_data 100, without their newline) at QoS 1. The spec is "mqtt:source"
# or "mqtt:sink":
#
#   source    (workload mqtt-source) MQTT -> Kafka: before each run the
#             contestant's persistent session is created (subscribed at QoS
#             1 under its fixed client id, then disconnected) and the backlog
#             is published into it (mosquitto_pub -l -q 1, not measured); the
#             run drains it:
#               limit  mosquitto_sub -c -i ID -q 1 -C N into /dev/null (MQTT
#                      3.1.1: the broker's max_inflight_messages is the
#                      window), timed to its exit (no first-record time);
#               anchor none: no Kafka Connect MQTT connector resolves from
#                      Maven Central (see MQTT_ANCHOR_TRIED below);
#               sluice mqtt-source (MQTT 5, mqtt.receive.maximum
#                      BENCH_MQTT_WINDOW), records without key, payload as
#                      bytes; done when the topic holds N records (kbench
#                      wait-topic).
#   sink      (workload mqtt-sink) Kafka -> MQTT: N records of 100 B in a
#             topic of 1 partition (filled once by the bare producer), published
#             at QoS 1 to a per-run MQTT topic; the watcher is a persistent
#             mosquitto_sub (QoS 1) whose lines are counted and time-stamped
#             (mqtt_watch): done when it has received N messages.
#               limit  mosquitto_pub -l -q 1 -M MQTT_PUB_INFLIGHT of the same
#                      lines from the file (MQTT 3.1.1), in connections of
#                      MQTT_CHUNK lines one after the other (see below);
#               anchor none (as for the source);
#               sluice mqtt-sink (MQTT 5), mqtt.max.inflight BENCH_MQTT_WINDOW.
#
# mosquitto_pub -l -q 1 (2.0.11) loses messages past 65,535 per connection:
# it disconnects once the ack of a message id equal to its last one arrives,
# and ids wrap at 65,535, so with more lines it closes the connection with
# publishes unread by the broker (measured: 68,939 of 200,000 arrived, exit
# status 0). The backlog and the sink's limit therefore publish the input in
# connections of MQTT_CHUNK (50,000) lines, and each backlog is checked by
# the run's count.
#
# Mosquitto's CPU (including its autosave of the backlog, about 200 B on
# disk per queued message) is the broker's work: it is left out of a run's
# "others" CPU like the PostgreSQL server's (PG_PID, bench/lib.sh measure).
# Sessions are dropped after each run (a clean-session connection under the
# same id), so a failed run leaves no backlog behind in the broker's file.

BENCH_DEFAULT_WORKLOADS+=("mqtt:source" "mqtt:sink")
BENCH_MQTT_MESSAGES=${BENCH_MQTT_MESSAGES:-1000000}
BENCH_MQTT_WINDOW=${BENCH_MQTT_WINDOW:-10000}
MQTT_RECORD_BYTES=100
MQTT_CHUNK=50000
# mosquitto_pub's window (-M; its default is 20). Measured on 50,000 lines
# with the sink's watcher subscribed: 20: 26k msg/s, 100: 31k, 1,000: 54k,
# 3,000: 50k, 10,000: 15k (mosquitto_pub then spends 2.5 CPU s itself).
MQTT_PUB_INFLIGHT=${BENCH_MQTT_PUB_INFLIGHT:-1000}

# What was tried for the anchor (Maven Central, mvn dependency:get, on
# 2026-12-05): every one answered at once that it has no such artifact (no
# pom, no maven-metadata.xml).
#   com.github.jcustenborder.kafka.connect:kafka-connect-mqtt:0.1.5 (and
#     LATEST): Jeremy Custenborder's source + sink; pom and jar not found
#   io.lenses:kafka-connect-mqtt, io.lenses.streamreactor:kafka-connect-mqtt
#     (LATEST): Lenses stream-reactor is published only as GitHub release
#     archives, out of this machine's reach
#   com.datamountaineer:kafka-connect-mqtt (LATEST): stream-reactor's old
#     group; no metadata
#   com.evokly.kafka:kafka-connect-mqtt, be.jovacon:kafka-connect-mqtt
#     (LATEST): built from source only; no metadata
# Confluent's MQTT connector is distributed through Confluent Hub.
MQTT_ANCHOR_TRIED="none: no Kafka Connect MQTT connector resolves from Maven Central (tried com.github.jcustenborder.kafka.connect:kafka-connect-mqtt 0.1.5, io.lenses[.streamreactor]:kafka-connect-mqtt, com.datamountaineer:kafka-connect-mqtt, com.evokly.kafka:kafka-connect-mqtt, be.jovacon:kafka-connect-mqtt); Lenses' and Confluent's are shipped outside it"

MQTT_DIR=
MQTT_PORT=
MQTT_PID=
MQTT_SAVED_PG_PID=

# The sink's watcher: creates its persistent session (subscribed, SUBACK
# seen, disconnected: from then on nothing published is lost), says ready,
# then counts the lines of a persistent mosquitto_sub -C N, stamping the
# first and the Nth. Arguments: PORT TOPIC CLIENT_ID N TIMEOUT_S.
# shellcheck disable=SC2016
MQTT_WATCH_PY='
import signal, subprocess, sys, time
port, topic, cid, n, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
base = ["mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-c", "-i", cid, "-q", "1", "-t", topic]
subprocess.run(base + ["-E"], check=True, stdout=subprocess.DEVNULL)
print("ready", flush=True)
p = subprocess.Popen(base + ["-C", str(n), "-W", timeout], stdout=subprocess.PIPE)
def stop(*_):
    p.terminate()
    sys.exit(143)
signal.signal(signal.SIGTERM, stop)
count = size = 0
first = done = None
for line in p.stdout:
    if first is None:
        first = time.time()
    count += 1
    size += len(line) - 1
    if count == n:
        done = time.time()
        break
p.wait()
if done is None:
    sys.exit(f"mqtt_watch: {count} of {n} messages, mosquitto_sub exited {p.returncode}")
print(f"first={first:.6f} done={done:.6f} n={count} bytes={size}", flush=True)
'

# The sink's limit: mosquitto_pub -l -q 1 of every chunk file of DIR, one
# connection each, in order, MQTT_PUB_INFLIGHT publishes in flight.
# Arguments: DIR PORT TOPIC INFLIGHT.
# shellcheck disable=SC2016
MQTT_PUB_SH='
for f in "$1"/c*; do
	mosquitto_pub -h 127.0.0.1 -p "$2" -q 1 -M "$4" -t "$3" -l <"$f" || exit 1
done
'

# Installs Mosquitto and its clients when missing (scripts/install-deps.sh
# normally has).
mqtt_tools()
{
	command -v mosquitto_sub >/dev/null && command -v mosquitto_pub >/dev/null &&
		{ command -v mosquitto >/dev/null || [[ -x /usr/sbin/mosquitto ]]; } && return 0
	log "installing mosquitto mosquitto-clients"
	((EUID == 0)) || die "need root to install mosquitto"
	apt-get update -q >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		mosquitto mosquitto-clients >/dev/null || die "apt-get install mosquitto failed"
}

mqtt_stop()
{
	[[ -n $MQTT_DIR ]] || return 0
	"$ROOT/scripts/mosquitto.sh" stop "$MQTT_DIR/broker" || true
	rm -rf "$MQTT_DIR"
	MQTT_DIR= MQTT_PORT= MQTT_PID=
	PG_PID=$MQTT_SAVED_PG_PID
}

MQTT_HOOKED=
mqtt_start()
{
	MQTT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-mqtt.XXXXXX")
	[[ -n $MQTT_HOOKED ]] || { on_exit mqtt_stop; MQTT_HOOKED=1; }
	MQTT_PORT=$(MOSQUITTO_INFLIGHT=$BENCH_MQTT_WINDOW "$ROOT/scripts/mosquitto.sh" start \
		"$MQTT_DIR/broker") || die "Mosquitto did not start"
	MQTT_PID=$(cat "$MQTT_DIR/broker/mosquitto.pid")
	# measure leaves PG_PID's CPU out of "others": the broker's work.
	MQTT_SAVED_PG_PID=${PG_PID:-}
	PG_PID=$MQTT_PID
	log "$("$(command -v mosquitto || echo /usr/sbin/mosquitto)" -h 2>&1 | head -n 1) at 127.0.0.1:$MQTT_PORT (pid $MQTT_PID)"
}

# mqtt_chunks FILE: prints the directory of FILE split into files of
# MQTT_CHUNK lines (made once).
mqtt_chunks()
{
	local d=${1%.txt}-chunks
	if [[ ! -f $d/.done ]]; then
		rm -rf "$d"
		mkdir -p "$d"
		split -l "$MQTT_CHUNK" -d -a 4 "$1" "$d/c" && touch "$d/.done"
	fi
	echo "$d"
}

mqtt_prepare()
{
	mqtt_tools
	local n=$BENCH_MQTT_MESSAGES ns
	ns=$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$n")
	WL_LIMIT=
	WL_ANCHOR=$MQTT_ANCHOR_TRIED
	MQTT_INPUT=$(file_data "$MQTT_RECORD_BYTES" "$n")
	MQTT_INPUT_CHUNKS=$(mqtt_chunks "$MQTT_INPUT")
	case $1 in
	mqtt:source)
		WL_NAME=mqtt-source
		WL_DIRECTIONS=(source)
		WL_DESC="$ns messages of $MQTT_RECORD_BYTES B at QoS 1 queued on Mosquitto for the contestant's persistent session, then drained into a topic of 1 partition; window $BENCH_MQTT_WINDOW (MQTT 5 Receive Maximum; mosquitto max_inflight_messages for 3.1.1 clients)"
		WL_LIMIT="mosquitto_sub -c -q 1 -C N into /dev/null (MQTT 3.1.1), timed to its exit"
		;;
	mqtt:sink)
		WL_NAME=mqtt-sink
		WL_DIRECTIONS=(sink)
		WL_DESC="$ns records of $MQTT_RECORD_BYTES B, 1 partition, published to Mosquitto at QoS 1; max.inflight $BENCH_MQTT_WINDOW (mosquitto max_inflight_messages for 3.1.1 clients); counted by a persistent mosquitto_sub at QoS 1"
		WL_LIMIT="mosquitto_pub -l -q 1 -M $MQTT_PUB_INFLIGHT of the same lines (MQTT 3.1.1; connections of $MQTT_CHUNK lines in turn: it loses messages past 65,535 per connection)"
		MQTT_SINK_TOPIC=bench-$WL_NAME-$RUN_ID
		"$KBENCH" "$BOOTSTRAP" create-topic "$MQTT_SINK_TOPIC" 1 || return 1
		"$KBENCH" "$BOOTSTRAP" produce "$MQTT_INPUT" "$MQTT_SINK_TOPIC" 2>/dev/null || return 1
		local have
		have=$("$KBENCH" "$BOOTSTRAP" watermarks "$MQTT_SINK_TOPIC")
		((have == n)) || die "$MQTT_SINK_TOPIC holds $have records, not $n"
		;;
	*) die "unknown mqtt workload '$1' (mqtt:source or mqtt:sink)" ;;
	esac
	mqtt_start
}

# mqtt_session ID TOPIC [VERSION]: creates the persistent session ID,
# subscribed to TOPIC at QoS 1 (returns once the broker acknowledged the
# subscription). VERSION 5 (what sluice speaks) gives it a day's expiry.
mqtt_session()
{
	local v=()
	[[ ${3:-} == 5 ]] && v=(-V 5 -x 86400)
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" "${v[@]}" -c -i "$1" -q 1 -t "$2" -E >/dev/null
}

# mqtt_forget ID: ends the session ID and drops what it still queues.
mqtt_forget()
{
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -i "$1" -t bench/forget -E >/dev/null 2>&1 || true
}

# mqtt_publish TOPIC: publishes the input's lines to TOPIC at QoS 1.
mqtt_publish()
{
	bash -c "$MQTT_PUB_SH" mqtt-pub "$MQTT_INPUT_CHUNKS" "$MQTT_PORT" "$1" "$MQTT_PUB_INFLIGHT"
}

# The sink runs' watcher (measure's func watch), on MQTT_WATCH_TOPIC.
mqtt_watch()
{
	exec python3 -c "$MQTT_WATCH_PY" "$MQTT_PORT" "$MQTT_WATCH_TOPIC" "$MQTT_WATCH_ID" "$1" \
		"$BENCH_TIMEOUT"
}

mqtt_source_run()
{
	local who=$1 rep=$2 row=$3 n=$BENCH_MQTT_MESSAGES daemon=--daemon watch target
	local name=bench-$WL_NAME-$who-$rep-$RUN_ID mtopic cid version=
	mtopic=bench/$WL_NAME/$who-$rep-$RUN_ID
	cid=$name
	case $who in
	limit)
		daemon= watch=exit target=-
		CMD=(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -c -i "$cid" -q 1 -t "$mtopic"
			-C "$n" -W "$BENCH_TIMEOUT")
		;;
	anchor)
		return 2 # no Kafka Connect MQTT source on Maven Central (see the top)
		;;
	sluice)
		watch=topic target=$name version=5
		"$KBENCH" "$BOOTSTRAP" create-topic "$name" 1 || return 1
		printf '%s\n' "name=$name" "connector.class=mqtt-source" "tasks.max=1" \
			"mqtt.server.uri=tcp://127.0.0.1:$MQTT_PORT" "mqtt.topics=$mtopic" \
			"mqtt.qos=1" "mqtt.client.id=$cid" "kafka.topic=$name" "kafka.key=" \
			"mqtt.payload.format=bytes" "mqtt.receive.maximum=$BENCH_MQTT_WINDOW" \
			"value.converter=bytes" >"$RUN_DIR/connector.properties"
		sluice_worker "$RUN_DIR/worker.properties"
		sluice_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
		;;
	esac
	local rc=0
	log "$row: queueing $n messages for session $cid"
	if mqtt_session "$cid" "$mtopic" $version && mqtt_publish "$mtopic"; then
		measure $daemon "$row" "$watch" "$target" "$n" "$((n * MQTT_RECORD_BYTES))" -- \
			"${CMD[@]}" || rc=1
	else
		log "$row: queueing the backlog failed"
		rc=1
	fi
	mqtt_forget "$cid"
	[[ $who == sluice ]] && { "$KBENCH" "$BOOTSTRAP" delete-topic "$name" || true; }
	return "$rc"
}

mqtt_sink_run()
{
	local who=$1 rep=$2 row=$3 n=$BENCH_MQTT_MESSAGES daemon=--daemon
	local name=bench-$WL_NAME-$who-$rep-$RUN_ID mtopic
	mtopic=bench/$WL_NAME/$who-$rep-$RUN_ID
	MQTT_WATCH_TOPIC=$mtopic MQTT_WATCH_ID=$name-watch
	case $who in
	limit)
		daemon=
		CMD=(bash -c "$MQTT_PUB_SH" mqtt-pub "$MQTT_INPUT_CHUNKS" "$MQTT_PORT" "$mtopic"
			"$MQTT_PUB_INFLIGHT")
		;;
	anchor)
		return 2 # no Kafka Connect MQTT sink on Maven Central (see the top)
		;;
	sluice)
		printf '%s\n' "name=$name" "connector.class=mqtt-sink" "tasks.max=1" \
			"topics=$MQTT_SINK_TOPIC" "mqtt.server.uri=tcp://127.0.0.1:$MQTT_PORT" \
			"mqtt.topic=$mtopic" "mqtt.qos=1" "mqtt.client.id=$name" \
			"mqtt.max.inflight=$BENCH_MQTT_WINDOW" "value.converter=bytes" \
			>"$RUN_DIR/connector.properties"
		sluice_worker "$RUN_DIR/worker.properties"
		sluice_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
		;;
	esac
	local rc=0
	measure $daemon "$row" func mqtt_watch "$n" "$((n * MQTT_RECORD_BYTES))" -- "${CMD[@]}" || rc=1
	mqtt_forget "$MQTT_WATCH_ID"
	[[ $who == sluice ]] && mqtt_forget "$name"
	return "$rc"
}

# ---- the workload's entry points ---------------------------------------------

# mqtt_run DIRECTION CONTESTANT REP: one measured run in RUN_DIR.
mqtt_run()
{
	local dir=$1 who=$2 rep=$3
	local row="$WL_NAME	$dir	$who	$rep"
	if [[ $dir == source ]]; then
		mqtt_source_run "$who" "$rep" "$row"
	else
		mqtt_sink_run "$who" "$rep" "$row"
	fi
}

mqtt_cleanup()
{
	[[ $WL_NAME == mqtt-sink ]] && { "$KBENCH" "$BOOTSTRAP" delete-topic "$MQTT_SINK_TOPIC" || true; }
	mqtt_stop
}
