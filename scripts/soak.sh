#!/usr/bin/env bash
# A soak test (not in CI): every connector in one standalone worker for
# MINUTES (default 30) at a steady, modest load, with a pause + resume, a
# connector restart, a task restart or a config reload (PUT of a changed
# config, or an edited connector.config.dir file and SIGHUP) every
# SOAK_EVENT_SECONDS (default 60), rotating over the connectors. The
# worker's RSS, open file descriptors and threads are sampled every
# minute; after the warm-up (the first 5 minutes, or 1/6 of a shorter run)
# each must grow by less than SOAK_MAX_GROWTH percent (default 5) from the
# warm-up sample to the last. Also checked: no connector or task was ever
# seen FAILED, every pipeline still moved in the last minutes, the file
# pipeline lost no line and the postgres-sink table equals its source.
#
#   scripts/soak.sh [MINUTES]        (or SOAK_MINUTES)
#
# Pipelines (all in one worker; real Kafka, PostgreSQL and Mosquitto on
# free loopback ports, stopped by PID pass or fail):
#   file-source (a file appended to)         -> soak.file  -> file-sink
#   postgres-source (CDC of a written table) -> soak.public.t -> postgres-sink
#   http-source (tests/e2e/http_api_server.py, growing) -> soak.http
#                                            -> http-sink (http_sink_server.py)
#   webhook-source (a keep-alive POST loop)  -> soak.hook
#   mqtt-source (mosquitto_pub)              -> soak.mqtt  -> mqtt-sink
#
# Results go to SOAK_OUT (default bench/out/soak): samples.tsv (minute,
# rss_kb, fds, threads, records delivered so far, connectors or tasks seen
# FAILED, and anon_kb: the part of the RSS that is not mapped files, i.e.
# the heap), events.log, worker.log and summary.txt. SLUICE names the binary
# (default build/sluice; copied, so a rebuild meanwhile does not matter).
# shellcheck disable=SC2317 # functions called through check and wait_for
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../tests/e2e/lib.sh"

MINUTES=${1:-${SOAK_MINUTES:-30}}
EVENT_SECONDS=${SOAK_EVENT_SECONDS:-60}
MAX_GROWTH=${SOAK_MAX_GROWTH:-5}
OUT=${SOAK_OUT:-$E2E_ROOT/bench/out/soak}
WARMUP=$((MINUTES / 6))
((WARMUP > 5)) && WARMUP=5
((WARMUP < 1)) && WARMUP=1
# records a second per pipeline
FILE_RATE=100 PG_RATE=20 HTTP_RATE=50 HOOK_RATE=20 MQTT_RATE=50

need curl python3 kcat psql mosquitto_pub mosquitto_sub awk
if ! [[ $MINUTES =~ ^[0-9]+$ ]] || ((MINUTES < 2)); then
	fail "MINUTES must be a whole number >= 2, not '$MINUTES'"
	e2e_finish
fi
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
cp "$SLUICE" "$E2E_TMP/sluice"
SLUICE=$E2E_TMP/sluice
mkdir -p "$OUT"
rm -f "$OUT/samples.tsv" "$OUT/events.log" "$OUT/summary.txt" "$OUT/worker.log"
d=$E2E_TMP
log "soak: $MINUTES minutes, warm-up $WARMUP, an event every ${EVENT_SECONDS}s; results in $OUT"

start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}
start_pg pg PGPORT || {
	fail "start PostgreSQL"
	e2e_finish
}
start_mosquitto mq MQPORT || {
	fail "start a Mosquitto broker"
	e2e_finish
}

# q DB SQL: one statement, unaligned tuples only.
q()
{
	PGOPTIONS=-cclient_min_messages=warning psql -X -q -At -h 127.0.0.1 -p "$PGPORT" \
		-U postgres -d "$1" -v ON_ERROR_STOP=1 -c "$2"
}

# bg CMD...: a background process stopped on exit.
bg()
{
	"$@" &
	E2E_PIDS+=($!)
}

# ---- peers ----

start_peers()
{
	python3 "$E2E_ROOT/tests/e2e/http_api_server.py" --port-file "$d/api.port" \
		--items 1000000000 --items-per-second "$HTTP_RATE" --page-size 500 \
		>>"$d/api.log" 2>&1 &
	E2E_PIDS+=($!)
	python3 "$E2E_ROOT/tests/e2e/http_sink_server.py" --port-file "$d/sink.port" \
		--accepted "$d/http-accepted.txt" --separator '|' --fail-rate 0.02 \
		--timeout-rate 0 --throttle-rate 0.01 --seed 7 2>>"$d/sink-server.log" &
	E2E_PIDS+=($!)
	wait_for 10 test -s "$d/api.port" && wait_for 10 test -s "$d/sink.port"
}

# ---- load: one writer per source, each at its rate ----

file_writer()
{
	local i=1
	while :; do
		seq -f 'f-%010.0f' "$i" $((i + FILE_RATE - 1)) >>"$d/in.txt"
		i=$((i + FILE_RATE))
		sleep 1
	done
}

# pg_feed: the SQL of the postgres writer on stdout: PG_RATE inserted rows
# a second, as many older ones updated and one deleted.
pg_feed()
{
	local i=1
	while :; do
		printf 'INSERT INTO t SELECT g, %s, 0, now() FROM generate_series(%d, %d) g;\n' \
			"'row ' || g" "$i" $((i + PG_RATE - 1))
		((i > 100)) && printf 'UPDATE t SET n = n + 1, ts = now() WHERE id BETWEEN %d AND %d;\nDELETE FROM t WHERE id = %d;\n' \
			$((i - 100)) $((i - 100 + PG_RATE - 1)) $((i - 50))
		i=$((i + PG_RATE))
		sleep 1
	done
}

# mqtt_feed: MQTT_RATE message payloads a second, one a line.
mqtt_feed()
{
	local i=1
	while :; do
		seq -f 'm-%010.0f' "$i" $((i + MQTT_RATE - 1))
		i=$((i + MQTT_RATE))
		sleep 1
	done
}

# POSTs HOOK_RATE requests a second over one keep-alive connection;
# the count answered 200 goes to hook.ok, other statuses to hook.log.
write_hook_client()
{
	cat >"$d/hook.py" <<'EOF'
import http.client, json, os, sys, time
port, rate, ok_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conn, ok, other, n = None, 0, {}, 0
while True:
    t0 = time.time()
    for _ in range(rate):
        n += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/hook", json.dumps({"id": n, "pad": "x" * 64}),
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            st = r.status
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception:
            st = 0
            if conn is not None:
                conn.close()
            conn = None
        if st == 200:
            ok += 1
        else:
            other[st] = other.get(st, 0) + 1
    with open(ok_file + ".tmp", "w") as f:
        f.write("%d\n" % ok)
    os.replace(ok_file + ".tmp", ok_file)
    if other:
        print("%.0f not 200: %s" % (time.time(), other), flush=True)
        other = {}
    time.sleep(max(0, 1 - (time.time() - t0)))
EOF
}

# start_writers: one writer per source; a feeding loop writes into a
# FIFO its client reads. Every PID, loops included, goes to WRITERS: a
# loop whose reader is gone is stopped by PID, not left to SIGPIPE.
start_writers()
{
	touch "$d/in.txt"
	file_writer &
	WRITERS+=($!)
	rm -f "$d/pg.fifo" "$d/mqtt.fifo"
	mkfifo "$d/pg.fifo" "$d/mqtt.fifo"
	pg_feed >"$d/pg.fifo" &
	WRITERS+=($!)
	PGOPTIONS=-cclient_min_messages=warning psql -X -q -h 127.0.0.1 -p "$PGPORT" \
		-U postgres -d soak_src -v ON_ERROR_STOP=1 <"$d/pg.fifo" >>"$d/pg-writer.log" 2>&1 &
	WRITERS+=($!)
	mqtt_feed >"$d/mqtt.fifo" &
	WRITERS+=($!)
	mosquitto_pub -p "$MQPORT" -q 1 -t soak/in/dev1 -l -i soak-pub <"$d/mqtt.fifo" \
		2>>"$d/mqtt-pub.log" &
	WRITERS+=($!)
	write_hook_client
	python3 "$d/hook.py" "$HOOK_PORT" "$HOOK_RATE" "$d/hook.ok" >>"$d/hook.log" 2>&1 &
	WRITERS+=($!)
	E2E_PIDS+=("${WRITERS[@]}")
}

# stop_writers: the load stops (the pipelines then drain).
stop_writers()
{
	local pid
	for pid in "${WRITERS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
		forget_pid "$pid"
	done
	WRITERS=()
}

# ---- the worker and its connectors (made over REST) ----

PORT=$(free_port)
API=http://127.0.0.1:$PORT
CONNS=$d/connectors
HOOK_PORT=$(free_port)

# put_config NAME KEY=VALUE...: PUT /connectors/NAME/config; prints the
# HTTP status.
put_config()
{
	local name=$1
	shift
	python3 -c 'import json,sys; print(json.dumps(dict(a.split("=", 1) for a in sys.argv[1:])))' "$@" |
		curl -s -o "$d/put.body" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
			--data-binary @- "$API/connectors/$name/config"
}

# create NAME KEY=VALUE...: a new connector; fails unless answered 201.
create()
{
	local code
	code=$(put_config "$@")
	[[ $code == 201 ]] || {
		echo "create $1: status $code: $(cat "$d/put.body")" >&2
		return 1
	}
}

JSON_CONV=("key.converter=json" "value.converter=json"
	"key.converter.schemas.enable=true" "value.converter.schemas.enable=true")
TOPIC1=("topic.creation.default.partitions=1" "topic.creation.default.replication.factor=1")
CONNECTORS=(soak-file-src soak-file-snk soak-pg-src soak-pg-snk soak-http-src soak-http-snk
	soak-hook soak-mqtt-src soak-mqtt-snk)

create_connectors()
{
	create soak-file-src connector.class=file-source "file=$d/in.txt" topic=soak.file \
		batch.size=500 "${TOPIC1[@]}" &&
	create soak-file-snk connector.class=file-sink "file=$d/out.txt" topics=soak.file &&
	create soak-pg-src connector.class=postgres-source database.hostname=127.0.0.1 \
		"database.port=$PGPORT" database.user=postgres database.dbname=soak_src \
		topic.prefix=soak slot.name=soak_slot publication.name=soak_pub \
		publication.autocreate.mode=filtered "table.include.list=public\\.t" \
		snapshot.mode=initial status.update.interval.ms=1000 "${JSON_CONV[@]}" "${TOPIC1[@]}" &&
	create soak-pg-snk connector.class=postgres-sink topics=soak.public.t \
		"connection.url=postgresql://postgres@127.0.0.1:$PGPORT/soak_dst" \
		insert.mode=upsert pk.mode=record_key delete.enabled=true auto.create=true \
		"${JSON_CONV[@]}" &&
	create soak-http-src connector.class=http-source kafka.topic=soak.http \
		"http.request.url=http://127.0.0.1:$(cat "$d/api.port")/items" \
		"http.request.params=since=\${offset.key} & limit=500" "http.offset.initial=key=0" \
		http.response.list.pointer=/items "http.response.record.offset.pointer=key=/id" \
		http.response.next.pointer=/next http.request.next.param=cursor \
		http.timer.interval.millis=1000 http.timer.catchup.interval.millis=200 "${TOPIC1[@]}" &&
	create soak-http-snk connector.class=http-sink topics=soak.http \
		"http.api.url=http://127.0.0.1:$(cat "$d/sink.port")/ingest" batch.max.size=100 \
		"batch.separator=|" retry.backoff.ms=100 max.retries=20 http.request.timeout.ms=5000 &&
	create soak-hook connector.class=webhook-source "listener.port=$HOOK_PORT" \
		listener.path=/hook kafka.topic=soak.hook "${TOPIC1[@]}" &&
	create soak-mqtt-src connector.class=mqtt-source "mqtt.server.uri=tcp://127.0.0.1:$MQPORT" \
		"mqtt.topics=soak/in/#" kafka.topic=soak.mqtt mqtt.qos=1 mqtt.payload.format=string \
		"${TOPIC1[@]}" &&
	create soak-mqtt-snk connector.class=mqtt-sink topics=soak.mqtt \
		"mqtt.server.uri=tcp://127.0.0.1:$MQPORT" "mqtt.topic=soak/out/\${topic}" mqtt.qos=1
}

# states: "NAME STATE" per connector and "NAME/ID STATE" per task.
states()
{
	curl -s "$API/connectors?expand=status" | python3 -c '
import json, sys
for name, c in sorted(json.load(sys.stdin).items()):
    s = c["status"]
    print(name, s["connector"]["state"])
    for t in s["tasks"]:
        print("%s/%d %s" % (name, t["id"], t["state"]))' 2>/dev/null
}

all_running()
{
	local st
	st=$(states)
	[[ $(grep -c ' RUNNING$' <<<"$st") -eq $((2 * ${#CONNECTORS[@]})) ]]
}

api_up()
{
	curl -s -o /dev/null "$API/health"
}

# ---- events ----

EVENTS_OK=0
EVENTS_BAD=0
RESUME_AT=0
RESUME_NAME=

event_log()
{
	printf '%s +%ds %s\n' "$(date -u +%T)" "$((SECONDS - T0))" "$*" >>"$OUT/events.log"
}

# call WANT METHOD PATH: one REST call; counts it as good when answered WANT.
call()
{
	local code
	code=$(curl -s -o "$d/call.body" -w '%{http_code}' -X "$2" "$API$3")
	if [[ $code == "$1" ]]; then
		EVENTS_OK=$((EVENTS_OK + 1))
		event_log "$2 $3: $code"
	else
		EVENTS_BAD=$((EVENTS_BAD + 1))
		event_log "$2 $3: $code, wanted $1: $(head -c 300 "$d/call.body")"
	fi
}

# toggled NAME: the config of NAME with errors.log.enable flipped, as JSON.
toggled()
{
	curl -s "$API/connectors/$1/config" | python3 -c '
import json, sys
c = json.load(sys.stdin)
c["errors.log.enable"] = "false" if c.get("errors.log.enable") == "true" else "true"
print(json.dumps(c))'
}

# reload_put NAME: a config reload over REST (PUT of a changed config).
reload_put()
{
	local code
	code=$(toggled "$1" | curl -s -o "$d/call.body" -w '%{http_code}' -X PUT \
		-H 'Content-Type: application/json' --data-binary @- "$API/connectors/$1/config")
	if [[ $code == 200 ]]; then
		EVENTS_OK=$((EVENTS_OK + 1))
		event_log "PUT /connectors/$1/config (errors.log.enable flipped): 200"
	else
		EVENTS_BAD=$((EVENTS_BAD + 1))
		event_log "PUT /connectors/$1/config: $code: $(head -c 300 "$d/call.body")"
	fi
}

# reload_hup NAME: a config reload as an operator does it with files: the
# connector's file in connector.config.dir edited, then SIGHUP; good when
# the API shows the new value within 30 s.
reload_hup()
{
	local f=$CONNS/$1.json want
	want=$(python3 - "$f" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["config"]
c["errors.log.enable"] = "false" if c.get("errors.log.enable") == "true" else "true"
json.dump(d, open(sys.argv[1] + ".tmp", "w"))
print(c["errors.log.enable"])
EOF
	) && mv "$f.tmp" "$f"
	kill -HUP "${E2E_WORKERS[w]}"
	if wait_for 30 bash -c "curl -s '$API/connectors/$1/config' | grep -q '\"errors.log.enable\": *\"$want\"'"; then
		EVENTS_OK=$((EVENTS_OK + 1))
		event_log "SIGHUP after editing $1.json (errors.log.enable=$want): applied"
	else
		EVENTS_BAD=$((EVENTS_BAD + 1))
		event_log "SIGHUP after editing $1.json (errors.log.enable=$want): not applied in 30 s"
	fi
}

# event K: the K-th event; the kinds rotate (5) and so do the connectors
# (9), so every kind meets every connector over 45 events.
event()
{
	local k=$1 name=${CONNECTORS[$1 % ${#CONNECTORS[@]}]}
	case $((k % 5)) in
	0)
		call 202 PUT "/connectors/$name/pause"
		RESUME_NAME=$name
		RESUME_AT=$((SECONDS + 10))
		;;
	1) call 202 POST "/connectors/$name/restart?includeTasks=true" ;;
	2) call 204 POST "/connectors/$name/tasks/0/restart" ;;
	3) reload_put "$name" ;;
	4) reload_hup "$name" ;;
	esac
}

# ---- samples ----

# records: delivered so far (file-sink lines, http-sink records, mqtt-sink
# messages, webhook requests answered 200, rows in the postgres-sink table).
records()
{
	local pg hook
	pg=$(q soak_dst "SELECT count(*) FROM t" 2>/dev/null) || pg=0
	hook=$(cat "$d/hook.ok" 2>/dev/null) || hook=0
	echo $(($(line_count "$d/out.txt") + $(line_count "$d/http-accepted.txt") +
		$(line_count "$d/mqtt-out.txt") + ${hook:-0} + ${pg:-0}))
}

FAILED_SEEN=0

# sample MINUTE: one row of samples.tsv.
sample()
{
	local pid=${E2E_WORKERS[w]} rss anon thr fds failed
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status")
	thr=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
	fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	failed=$(states | grep -c ' FAILED$')
	if ((failed > 0)); then
		FAILED_SEEN=$((FAILED_SEEN + failed))
		states | grep ' FAILED$' | sed "s/^/minute $1: /" >>"$OUT/events.log"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rss" "$fds" "$thr" "$(records)" "$failed" \
		"$anon" >>"$OUT/samples.tsv"
	log "minute $1: rss ${rss} kB (anon $anon), $fds fds, $thr threads, $(tail -n 1 "$OUT/samples.tsv" | cut -f5) records, $failed failed"
}

# growth COLUMN: percent growth of a samples.tsv column from the warm-up
# minute to the last, one decimal.
growth()
{
	awk -F'\t' -v c="$1" -v w="$WARMUP" 'NR > 1 && $1 == w { a = $c } NR > 1 { b = $c }
		END { printf "%.1f\n", (a > 0 ? (b - a) * 100 / a : 999) }' "$OUT/samples.tsv"
}

# pg_same: the sink table holds the source table's rows (id, v and n
# compared; ts is left out).
pg_same()
{
	local a b sql="SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY id), '')) || ' ' || count(*) FROM (SELECT id, v, n FROM t) x"
	a=$(q soak_src "$sql")
	b=$(q soak_dst "$sql")
	[[ -n $a && $a == "$b" ]]
}

# grew FILE BEFORE: FILE has more than BEFORE lines.
grew()
{
	local file=$1 before=$2
	(($(line_count "$file") > before))
}

# ---- run ----

if ! { q postgres "CREATE DATABASE soak_src" && q postgres "CREATE DATABASE soak_dst" &&
	q soak_src "CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL, ts timestamptz)"; }; then
	fail "create the soak databases"
	e2e_finish
fi
check "start the HTTP peers" start_peers
worker_conf "$d/worker.properties" "$d/offsets.json"
props "$d/rest.properties" "listeners=$API" "connector.config.dir=$CONNS"
cat "$d/rest.properties" >>"$d/worker.properties"
start_worker w "$d/worker.properties"
check "the worker's API answers" wait_for 30 api_up
check "every connector created over REST" create_connectors
check "every connector and task RUNNING" wait_for 60 all_running
WRITERS=()
start_writers
bg mosquitto_sub -p "$MQPORT" -q 1 -t 'soak/out/#' -i soak-sub -c >"$d/mqtt-out.txt" 2>>"$d/mqtt-sub.log"

T0=$SECONDS
printf 'minute\trss_kb\tfds\tthreads\trecords\tfailed\tanon_kb\n' >"$OUT/samples.tsv"
sample 0
next_sample=$((T0 + 60))
next_event=$((T0 + EVENT_SECONDS / 2))
k=0
end=$((T0 + MINUTES * 60))
while ((SECONDS < end)) && worker_alive w; do
	if ((RESUME_AT > 0 && SECONDS >= RESUME_AT)); then
		call 202 PUT "/connectors/$RESUME_NAME/resume"
		RESUME_AT=0
	fi
	if ((SECONDS >= next_sample)); then
		sample $(((SECONDS - T0 + 30) / 60))
		next_sample=$((next_sample + 60))
	fi
	if ((SECONDS >= next_event && SECONDS < end - 30)); then
		event "$k"
		k=$((k + 1))
		next_event=$((next_event + EVENT_SECONDS))
	fi
	# what each pipeline had delivered a few minutes before the end
	if ((SECONDS >= end - 150)) && [[ -z ${MARK:-} ]]; then
		MARK=1
		m_file=$(line_count "$d/out.txt") m_http=$(line_count "$d/http-accepted.txt")
		m_mqtt=$(line_count "$d/mqtt-out.txt") m_hook=$(cat "$d/hook.ok" 2>/dev/null || echo 0)
		m_pg=$(q soak_dst "SELECT coalesce(max(n), 0) + count(*) FROM t" 2>/dev/null || echo 0)
	fi
	sleep 1
done
check "the worker ran the whole time" worker_alive w
((RESUME_AT > 0)) && call 202 PUT "/connectors/$RESUME_NAME/resume"
sample "$MINUTES"

log "final checks"
check "every pipeline moved in the last minutes: file" grew "$d/out.txt" "${m_file:-0}"
check "... http-source -> http-sink" grew "$d/http-accepted.txt" "${m_http:-0}"
check "... mqtt-source -> mqtt-sink" grew "$d/mqtt-out.txt" "${m_mqtt:-0}"
check "... webhook" test "$(cat "$d/hook.ok" 2>/dev/null || echo 0)" -gt "${m_hook:-0}"
check "... postgres-source -> postgres-sink" test \
	"$(q soak_dst "SELECT coalesce(max(n), 0) + count(*) FROM t" 2>/dev/null || echo 0)" -gt "${m_pg:-0}"
check "every pause, restart and reload answered as expected ($EVENTS_OK good, $EVENTS_BAD not)" \
	test "$EVENTS_BAD" -eq 0 -a "$EVENTS_OK" -gt 0
check "no connector or task seen FAILED (in $((MINUTES + 1)) samples)" test "$FAILED_SEEN" -eq 0
check "every connector and task RUNNING at the end" wait_for 30 all_running

stop_writers
check "file pipeline: every input line in the output" wait_complete "$d/in.txt" "$d/out.txt" 120 w
log "file pipeline: $(line_count "$d/in.txt") lines in, $COMPARE"
check "postgres pipeline: the sink table equals the source table" wait_for 120 pg_same
for m in 3 2 4; do
	name=$(head -n 1 "$OUT/samples.tsv" | cut -f"$m")
	g=$(growth "$m")
	echo "growth of $name from minute $WARMUP to $MINUTES: $g %" | tee -a "$OUT/summary.txt"
	check "$name grew under $MAX_GROWTH % after the warm-up ($g %)" \
		awk -v g="$g" -v m="$MAX_GROWTH" 'BEGIN { exit !(g < m) }'
done
echo "growth of anon_kb (not a check) from minute $WARMUP to $MINUTES: $(growth 7) %" |
	tee -a "$OUT/summary.txt"
check "the worker stops cleanly on SIGTERM" stop_worker w 60
cp "$d/w.log" "$OUT/worker.log" 2>/dev/null
{
	echo "date: $(date -u +%F)"
	echo "sluice: $(git -C "$E2E_ROOT" rev-parse --short HEAD 2>/dev/null) ($("$SLUICE" --version 2>/dev/null))"
	echo "minutes: $MINUTES, warm-up: $WARMUP, events: $EVENTS_OK good, $EVENTS_BAD not"
	echo "checks: $E2E_PASSED passed, $E2E_FAILED failed"
} >>"$OUT/summary.txt"
cat "$OUT/samples.tsv"
echo "samples, events and the worker log in $OUT"
e2e_finish
