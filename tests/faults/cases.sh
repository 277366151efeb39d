# shellcheck shell=bash
# The connector adapters of the fault matrix (sourced by faults.sh). Each
# connector X has:
#   X_setup        writes $D/conn.properties for the row (the worker file is
#                  $D/worker.properties) and starts what the connector talks to
#   X_ready        true once the connector can take records
#   X_feed FROM TO offers records FROM..TO of $D/want.txt to the connector's
#                  input (non-zero: not offered, tried again)
#   X_out FILE     what reached the destination so far, one record a line
#   X_cleanup      (optional) stops what X_setup started
#   X_check        (optional) the row's own conditions once it ran (non-zero:
#                  the row fails, CHECK_WHY saying why)
# The row's names: $W (worker), $TOPIC, $PREFIX (of its records), $D (its
# directory), $SINK_DIR (where a sink writes), $HTTP_FAULT (the HTTP peer's
# fault: 5xx, timeout, reset or none), $CLIENT_FAULT (the webhook client's
# fault: reset, timeout, malformed or none), $UNREADABLE_FILE (set by setup: the
# file the unreadable fault takes away).

# records FROM TO: lines FROM..TO of the row's records.
records()
{
	sed -n "$1,$2p" "$D/want.txt"
}

# topic_values TOPIC FILE: the values in TOPIC so far.
topic_values()
{
	timeout 30 kcat -b "$BOOTSTRAP" -C -t "$1" -o beginning -e -q -f '%s\n' >"$2" 2>/dev/null
	return 0
}

# produce: stdin to $TOPIC, each line a record (fails when one was not
# delivered).
produce()
{
	kcat -b "$BOOTSTRAP" -t "$TOPIC" -P -X linger.ms=20 2>>"$D/kcat.log"
}

source_started() { log_has "$W" "source task started"; }
sink_started() { log_has "$W" "sink task started"; }

topic_props()
{
	printf '%s\n' "topic.creation.default.partitions=1" "topic.creation.default.replication.factor=1"
}

# ---- file-source: lines appended to a file, to Kafka -------------------------------

file_source_setup()
{
	mkdir -p "$D/in"
	: >"$D/in/src.txt"
	UNREADABLE_FILE=$D/in/src.txt
	props "$D/conn.properties" "name=$W" "connector.class=file-source" "tasks.max=1" \
		"file=$D/in/src.txt" "topic=$TOPIC" "$(topic_props | head -n 1)" \
		"$(topic_props | tail -n 1)"
}
file_source_ready() { source_started; }
file_source_feed() { records "$1" "$2" >>"$D/in/src.txt"; }
file_source_out() { topic_values "$TOPIC" "$1"; }

# ---- file-sink: Kafka to a file ------------------------------------------------------

file_sink_setup()
{
	mkdir -p "$SINK_DIR/out"
	UNREADABLE_FILE=$SINK_DIR/out/out.txt
	: >"$UNREADABLE_FILE"
	props "$D/conn.properties" "name=$W" "connector.class=file-sink" "tasks.max=1" \
		"topics=$TOPIC" "file=$UNREADABLE_FILE"
}
file_sink_ready() { sink_started; }
file_sink_feed() { records "$1" "$2" | produce; }
file_sink_out() { cat "$SINK_DIR/out/out.txt" >"$1" 2>/dev/null || : >"$1"; }

# ---- http-sink: Kafka to tests/e2e/http_sink_server.py -------------------------------

http_sink_setup()
{
	local fault=(--fail-rate 0 --timeout-rate 0 --throttle-rate 0)
	case $HTTP_FAULT in
	5xx) fault=(--fail-rate 0.3 --timeout-rate 0 --throttle-rate 0) ;;
	timeout) fault=(--fail-rate 0 --timeout-rate 0.15 --throttle-rate 0 --stall 2) ;;
	reset) fault=(--fail-rate 0 --timeout-rate 0 --throttle-rate 0 --reset-rate 0.2) ;;
	esac
	python3 "$E2E_ROOT/tests/e2e/http_sink_server.py" --port-file "$D/port" \
		--accepted "$D/accepted.txt" --seed 7 "${fault[@]}" 2>>"$D/server.log" &
	HTTP_PID=$!
	E2E_PIDS+=("$HTTP_PID")
	wait_for 10 test -s "$D/port" || return 1
	props "$D/conn.properties" "name=$W" "connector.class=http-sink" "tasks.max=1" \
		"topics=$TOPIC" "http.api.url=http://127.0.0.1:$(cat "$D/port")/ingest" \
		"batch.max.size=200" "batch.separator=," "retry.backoff.ms=100" "max.retries=30" \
		"http.request.timeout.ms=1000"
}
http_sink_ready() { sink_started; }
http_sink_feed() { records "$1" "$2" | produce; }
http_sink_out() { cat "$D/accepted.txt" >"$1" 2>/dev/null || : >"$1"; }
http_sink_cleanup()
{
	kill -TERM "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
	forget_pid "$HTTP_PID"
}

# ---- mqtt-source: MQTT (QoS 1) to Kafka ----------------------------------------------

mqtt_source_setup()
{
	need_mq || return 1
	props "$D/conn.properties" "name=$W" "connector.class=mqtt-source" "tasks.max=1" \
		"mqtt.server.uri=tcp://127.0.0.1:$MQPORT" "mqtt.topics=faults/$PREFIX/#" \
		"kafka.topic=$TOPIC" "mqtt.qos=1" "mqtt.payload.format=string" \
		"value.converter=string"
}
# Ready once a probe published now and then reached Kafka (the session and
# its subscription exist from then on).
mqtt_source_ready()
{
	echo "probe-$PREFIX" | mosquitto_pub -p "$MQPORT" -q 1 -t "faults/$PREFIX/probe" -l \
		2>>"$D/pub.log"
	sleep 0.5
	topic_values "$TOPIC" "$D/probe.txt"
	grep -q "^probe-$PREFIX\$" "$D/probe.txt"
}
mqtt_source_feed()
{
	records "$1" "$2" |
		mosquitto_pub -p "$MQPORT" -q 1 -t "faults/$PREFIX/x" -l -i "pub-$PREFIX-$1" \
			2>>"$D/pub.log"
}
mqtt_source_out() { topic_values "$TOPIC" "$1"; }

# ---- mqtt-sink: Kafka to MQTT (QoS 1), counted by a persistent subscriber ------------

mqtt_sink_setup()
{
	need_mq || return 1
	mosquitto_sub -p "$MQPORT" -q 1 -c -i "sub-$PREFIX" -t "out/$PREFIX/#" \
		>"$D/sub.txt" 2>>"$D/sub.log" &
	SUB_PID=$!
	E2E_PIDS+=("$SUB_PID")
	sleep 0.5
	props "$D/conn.properties" "name=$W" "connector.class=mqtt-sink" "tasks.max=1" \
		"topics=$TOPIC" "mqtt.server.uri=tcp://127.0.0.1:$MQPORT" \
		"mqtt.topic=out/$PREFIX/x" "mqtt.qos=1" "value.converter=string"
}
mqtt_sink_ready() { sink_started; }
mqtt_sink_feed() { records "$1" "$2" | produce; }
mqtt_sink_out() { cat "$D/sub.txt" >"$1" 2>/dev/null || : >"$1"; }
mqtt_sink_cleanup()
{
	kill -TERM "$SUB_PID" 2>/dev/null && wait "$SUB_PID" 2>/dev/null
	forget_pid "$SUB_PID"
}

# ---- postgres-source: rows inserted into a table, to Kafka (logical decoding) --------

postgres_source_setup()
{
	need_pg || return 1
	q "CREATE TABLE t_$PREFIX (id serial PRIMARY KEY, v text NOT NULL)" || return 1
	TOPIC=$PREFIX.public.t_$PREFIX
	props "$D/conn.properties" "name=$W" "connector.class=postgres-source" "tasks.max=1" \
		"database.hostname=127.0.0.1" "database.port=$PGPORT" "database.user=postgres" \
		"database.dbname=postgres" "topic.prefix=$PREFIX" "slot.name=slot_$PREFIX" \
		"publication.name=pub_$PREFIX" "publication.autocreate.mode=filtered" \
		"table.include.list=public.t_$PREFIX" "errors.retry.timeout=-1" \
		"value.converter=json" "value.converter.schemas.enable=false" \
		"key.converter=json" "key.converter.schemas.enable=false"
}
postgres_source_ready() { source_started; }
# One transaction a chunk: a failed INSERT added nothing and is tried again.
postgres_source_feed()
{
	q "INSERT INTO t_$PREFIX (v) SELECT '$PREFIX-' || lpad(g::text, 10, '0')
	   FROM generate_series($1, $2) g" 2>>"$D/psql.log"
}
postgres_source_out()
{
	topic_values "$TOPIC" "$D/events.txt"
	grep -o '"after":{[^}]*}' "$D/events.txt" | grep -o "$PREFIX-[0-9]*" >"$1"
}

# ---- postgres-sink: Kafka (JSON with schemas) to a table -----------------------------

postgres_sink_setup()
{
	need_pg || return 1
	TOPIC=faults_$PREFIX
	props "$D/conn.properties" "name=$W" "connector.class=postgres-sink" "tasks.max=1" \
		"topics=$TOPIC" "connection.url=postgresql://postgres@127.0.0.1:$PGPORT/postgres" \
		"insert.mode=insert" "pk.mode=none" "auto.create=true" \
		"errors.retry.timeout=300000" \
		"value.converter=json" "value.converter.schemas.enable=true"
}
postgres_sink_ready() { sink_started; }
postgres_sink_feed()
{
	records "$1" "$2" |
		awk '{ printf "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"v\",\"type\":\"string\"}]},\"payload\":{\"v\":\"%s\"}}\n", $0 }' |
		produce
}
postgres_sink_out()
{
	q "SELECT v FROM $TOPIC" >"$1" 2>/dev/null || : >"$1"
}

# ---- http-source: tests/e2e/http_api_server.py's paged items, to Kafka ---------------
# The items exist from the start (the feed offers nothing more); the server
# serves a page of 200 every 150 ms, so the listing takes about 15 s.

http_source_setup()
{
	local fault=()
	case $HTTP_FAULT in
	5xx) fault=(--fail-every 3 --busy-every 7 --retry-after 1) ;;
	timeout) fault=(--stall-every 4 --stall 2) ;;
	reset) fault=(--reset-every 4) ;;
	esac
	seq -f 'item-%06.0f' 1 "$N" >"$D/want.txt"
	python3 "$E2E_ROOT/tests/e2e/http_api_server.py" --port-file "$D/port" --items "$N" \
		--page-size 200 --delay-ms 150 --log "$D/requests.log" "${fault[@]}" \
		2>>"$D/server.log" &
	HTTP_PID=$!
	E2E_PIDS+=("$HTTP_PID")
	wait_for 10 test -s "$D/port" || return 1
	props "$D/conn.properties" "name=$W" "connector.class=http-source" "tasks.max=1" \
		"kafka.topic=$TOPIC" "http.request.url=http://127.0.0.1:$(cat "$D/port")/items" \
		"http.request.params=since=\${offset.key} & limit=200" "http.offset.initial=key=0" \
		"http.response.list.pointer=/items" "http.response.record.offset.pointer=key=/id" \
		"http.response.next.pointer=/next" "http.request.next.param=cursor" \
		"http.timer.interval.millis=1000" "http.timer.catchup.interval.millis=500" \
		"http.retry.backoff.ms=200" "http.retry.backoff.max.ms=2000" \
		"http.request.timeout.ms=1000" "value.converter=json" \
		"value.converter.schemas.enable=false" "$(topic_props | head -n 1)" \
		"$(topic_props | tail -n 1)"
}
http_source_ready() { source_started; }
http_source_feed() { :; }
http_source_out()
{
	topic_values "$TOPIC" "$D/items.txt"
	grep -o '"name":"item-[0-9]*"' "$D/items.txt" | cut -d'"' -f4 >"$1"
}
http_source_cleanup() { http_sink_cleanup; }

# ---- webhook-source: POSTs, to Kafka ---------------------------------------------------
# tests/faults/webhook_client.py posts {"id": "<record>"} one by one on a
# keep-alive connection and posts a record again until the webhook answers
# it 2xx (at most 120 s): a record is offered ("in") once the webhook
# answered it 2xx, and only then; the client appends it to $D/acked.txt.
# $CLIENT_FAULT (reset, timeout, malformed or none) makes the client
# misbehave on a share of the records first ("fault: ..." lines in
# $D/client.log); malformed requests carry "bad-" ids that must never reach
# Kafka.

webhook_setup()
{
	WEBHOOK_PORT=$(free_port)
	: >"$D/acked.txt"
	props "$D/conn.properties" "name=$W" "connector.class=webhook-source" "tasks.max=1" \
		"listener.port=$WEBHOOK_PORT" "listener.path=/hooks" "kafka.topic=$TOPIC" \
		"webhook.max.body.bytes=65536" "$(topic_props | head -n 1)" "$(topic_props | tail -n 1)"
}
webhook_ready() { source_started; }
webhook_feed()
{
	records "$1" "$2" |
		WEBHOOK_ACKED=$D/acked.txt WEBHOOK_BIG=100000 WEBHOOK_FAULT_RATE=0.02 \
			python3 "$FAULTS_DIR/webhook_client.py" "$WEBHOOK_PORT" "${CLIENT_FAULT:-none}" \
			"$1" 2>>"$D/client.log"
}
webhook_out()
{
	topic_values "$TOPIC" "$D/bodies.txt"
	grep -o "\"$PREFIX-[0-9]*\"" "$D/bodies.txt" | tr -d '"' >"$1"
}
# Every record was answered 2xx (what "in" means), and no malformed request
# was taken or reached Kafka (else CHECK_WHY says why, for faults.sh).
# shellcheck disable=SC2034 # CHECK_WHY is read by faults.sh
webhook_check()
{
	local c n m
	c=$(compare_sets "$D/want.txt" "$D/acked.txt" 2>/dev/null)
	if (($(field missing "$c") > 0)); then
		CHECK_WHY="$(field missing "$c") records were never answered 2xx"
		return 1
	fi
	n=$(grep -c '^TAKEN' "$D/client.log" 2>/dev/null)
	m=$(grep -c '"bad-' "$D/bodies.txt" 2>/dev/null)
	n=$((${n:-0} + ${m:-0}))
	if ((n > 0)); then
		CHECK_WHY="malformed requests taken or in Kafka: $n"
		return 1
	fi
}
