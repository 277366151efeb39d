#!/usr/bin/env bash
# End-to-end tests of offsets kept in a Kafka topic (offset.storage.topic)
# against a real broker and a real Kafka Connect distributed worker (jars
# from Maven Central, as bench/connect.sh fetches them):
#   a. a file source SIGKILLed mid-stream resumes from the topic: every line
#      arrives; the topic is compacted and holds Kafka Connect's keys
#   b. Kafka Connect's FileStreamSource stops, sluice runs the same
#      connector on the same offset topic: it goes on where Kafka Connect
#      stopped (nothing read twice)
#   c. and back: Kafka Connect resumes where sluice stopped
#   d. Debezium's PostgreSQL connector on Kafka Connect snapshots and
#      streams a table, stops; sluice runs the same config on the same
#      offset topic: it streams on from Debezium's position, with no new
#      snapshot, every change once
#   e. the same move into a sluice cluster: Debezium's connector is made on
#      a Kafka Connect distributed worker and stopped; two sluice workers
#      with the same group.id and the same three topics find the connector
#      in Kafka Connect's config topic and go on from its offsets
# E2E_SCENARIOS picks some of "a b d e" (b runs c).
source "$(dirname "$0")/lib.sh"

CONNECT_SH=$E2E_ROOT/bench/connect.sh
N=${E2E_LINES:-200000}
M=20000

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
DEBEZIUM_VERSION=${DEBEZIUM_VERSION:-3.6.1.Final}
export DEBEZIUM_VERSION

need kcat python3 java curl seq awk sort split "$PG_BIN/psql"
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# topic_worker FILE TOPIC: a worker keeping its offsets in TOPIC.
topic_worker()
{
	worker_conf "$1" "$E2E_TMP/unused.offsets"
	printf '%s\n' "offset.storage.topic=$2" "offset.storage.partitions=5" \
		"offset.storage.replication.factor=1" >>"$1"
}

# topic_config TOPIC: the topic's configs as the broker describes them.
topic_config()
{
	local cp
	cp=$("$KAFKA_SH" classpath) || return 1
	java -cp "$cp" kafka.admin.ConfigCommand --bootstrap-server "$BOOTSTRAP" --describe \
		--entity-type topics --entity-name "$1" 2>/dev/null
}

# distinct_count TOPIC: distinct values in TOPIC.
distinct_count()
{
	kcat -b "$BOOTSTRAP" -C -t "$1" -o beginning -e -q -f '%s\n' 2>/dev/null | sort -u | wc -l
}

scenario_kill_resume()
{
	local d=$E2E_TMP/a
	mkdir -p "$d"
	# the file grows for a few seconds, so the kill lands mid-stream
	gen_lines "$d/all.txt" "$N"
	: >"$d/in.txt"
	IN=$d/in.txt split -n l/20 --filter='cat >>"$IN"; sleep 0.5' "$d/all.txt" &
	local writer=$!
	E2E_PIDS+=("$writer")
	topic_worker "$d/worker.properties" e2e-o-offsets-a
	props "$d/source.properties" "name=e2e-o-a" "connector.class=file-source" \
		"file=$d/in.txt" "topic=e2e-o-a" "batch.size=500" \
		"topic.creation.default.partitions=1" "topic.creation.default.replication.factor=1"
	start_worker a "$d/worker.properties" "$d/source.properties"
	check "a: records flow before the kill" wait_topic_count e2e-o-a $((N / 4)) 60
	kill_worker a KILL
	local before
	before=$(topic_count e2e-o-a)
	log "a: SIGKILL with $before of $N lines in the topic"
	check "a: the worker died mid-stream" test "$before" -gt 0 -a "$before" -lt "$N"
	start_worker a "$d/worker.properties" "$d/source.properties"
	wait "$writer"
	forget_pid "$writer"
	check "a: every line arrives after the restart" wait_topic_count e2e-o-a "$N" 120
	sleep 2
	local total distinct
	total=$(topic_count e2e-o-a)
	distinct=$(distinct_count e2e-o-a)
	log "a: $total records, $distinct distinct, of $N lines"
	check "a: nothing lost" test "$distinct" -eq "$N"
	check "a: resumed from the stored offset (not from the start)" \
		test "$total" -lt $((N + before))
	check "a: worker exits 0 on SIGTERM" stop_worker a
	check "a: the offset topic is compacted" grep -q "cleanup.policy=compact" \
		<(topic_config e2e-o-offsets-a)
	local key value
	key=$(kcat -b "$BOOTSTRAP" -C -t e2e-o-offsets-a -o beginning -e -q -f '%k\n' | tail -1)
	value=$(kcat -b "$BOOTSTRAP" -C -t e2e-o-offsets-a -o beginning -e -q -f '%s\n' | tail -1)
	check "a: Kafka Connect's key [connector, partition]" \
		test "$key" == "[\"e2e-o-a\",{\"filename\":\"$d/in.txt\"}]"
	check "a: the last offset is the file's end" \
		test "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["position"])' "$value")" \
		-eq "$(stat -c %s "$d/in.txt")"
}

# start_connect OFFSET_TOPIC [debezium [GROUP]]: a Kafka Connect
# distributed worker (scripts/connect.sh; one worker) with the given offset
# topic and the FileStream connectors (string converters), or Debezium's
# PostgreSQL connector (JSON converters without schemas), in group GROUP
# (default e2e-o-connect) with config and status topics GROUP-configs and
# GROUP-status. Sets CONNECT_URL.
start_connect()
{
	local cp="" conv=org.apache.kafka.connect.storage.StringConverter g=${3:-e2e-o-connect}
	if [[ ${2:-} == debezium ]]; then
		cp=$("$CONNECT_SH" fetch-debezium) || return 1
		conv=org.apache.kafka.connect.json.JsonConverter
	fi
	CONNECT_URL=$(CONNECT_CLASSPATH=$cp "$E2E_ROOT/scripts/connect.sh" start "$E2E_TMP/connect" \
		"$BOOTSTRAP" "group.id=$g" "offset.storage.topic=$1" \
		"offset.storage.replication.factor=1" "offset.storage.partitions=5" \
		"config.storage.topic=$g-configs" "config.storage.replication.factor=1" \
		"status.storage.topic=$g-status" "status.storage.replication.factor=1" \
		"key.converter=$conv" "value.converter=$conv" \
		"key.converter.schemas.enable=false" "value.converter.schemas.enable=false") ||
		return 1
	CONNECT_PID=$(cat "$E2E_TMP/connect/connect.pid")
	E2E_PIDS+=("$CONNECT_PID")
	log "kafka connect (distributed): pid $CONNECT_PID at $CONNECT_URL"
}

stop_connect()
{
	[[ -n ${CONNECT_PID:-} ]] || return 0
	"$E2E_ROOT/scripts/connect.sh" stop "$E2E_TMP/connect"
	forget_pid "$CONNECT_PID"
	CONNECT_PID=
}

# The connector both run: Kafka Connect's FileStreamSource config, which
# sluice takes as it is.
FILE_CONNECTOR_CLASS=org.apache.kafka.connect.file.FileStreamSourceConnector

scenario_connect_and_back()
{
	local d=$E2E_TMP/b in
	mkdir -p "$d"
	in=$d/in.txt
	gen_lines "$in" "$M" first
	if ! start_connect e2e-o-offsets-b; then
		fail "b: Kafka Connect (distributed) starts"
		return
	fi
	curl -sf -X PUT -H 'Content-Type: application/json' \
		"$CONNECT_URL/connectors/e2e-o-b/config" \
		-d "{\"connector.class\":\"$FILE_CONNECTOR_CLASS\",\"file\":\"$in\",\"topic\":\"e2e-o-b\",\"tasks.max\":\"1\"}" \
		>/dev/null
	check "b: Kafka Connect copies the first $M lines" wait_topic_count e2e-o-b "$M" 120
	sleep 3 # its offsets flushed (every 500 ms)
	stop_connect
	check "b: Kafka Connect stored its offset in the topic" \
		grep -q '"e2e-o-b"' <(kcat -b "$BOOTSTRAP" -C -t e2e-o-offsets-b -o beginning -e -q -f '%k\n')

	gen_lines "$d/more.txt" "$M" second
	cat "$d/more.txt" >>"$in"
	topic_worker "$d/worker.properties" e2e-o-offsets-b
	props "$d/source.properties" "name=e2e-o-b" "connector.class=$FILE_CONNECTOR_CLASS" \
		"file=$in" "topic=e2e-o-b" "tasks.max=1"
	start_worker b "$d/worker.properties" "$d/source.properties"
	check "b: sluice goes on with the next $M lines" wait_topic_count e2e-o-b $((2 * M)) 60
	sleep 2
	local total
	total=$(topic_count e2e-o-b)
	log "b: $total records after sluice (Kafka Connect wrote $M)"
	check "b: sluice read nothing Kafka Connect had sent" test "$total" -eq $((2 * M))
	check "b: sluice exits 0 on SIGTERM (its offsets stored)" stop_worker b

	gen_lines "$d/more.txt" "$M" third
	cat "$d/more.txt" >>"$in"
	if ! start_connect e2e-o-offsets-b; then
		fail "c: Kafka Connect (distributed) starts again"
		return
	fi
	check "c: Kafka Connect resumes with the last $M lines" \
		wait_topic_count e2e-o-b $((3 * M)) 120
	sleep 2
	total=$(topic_count e2e-o-b)
	log "c: $total records after Kafka Connect again"
	check "c: Kafka Connect read nothing sluice had sent" test "$total" -eq $((3 * M))
	check "c: every line once" test "$(distinct_count e2e-o-b)" -eq $((3 * M))
	stop_connect
}

sql()
{
	"$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt \
		-c "$*"
}

# The Debezium connector's config as key=value lines (the same for both).
DBZ_PROPS=(
	"connector.class=io.debezium.connector.postgresql.PostgresConnector" "tasks.max=1"
	"database.hostname=127.0.0.1" "database.user=postgres" "database.password=unused"
	"database.dbname=postgres" "plugin.name=pgoutput" "slot.name=mig_slot"
	"publication.name=mig_pub" "publication.autocreate.mode=disabled"
	"schema.include.list=mig" "topic.prefix=mig" "snapshot.mode=initial"
)

# events: the ops and ids of mig.t's change events, "op:id" per line.
events()
{
	kcat -b "$BOOTSTRAP" -C -t "${EVENTS_TOPIC:-mig.mig.t}" -o beginning -e -q -f '%s\n' 2>/dev/null |
		python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip() in ("", "null"): continue
    e = json.loads(l)
    row = e["after"] or e["before"]
    print("%s:%s" % (e["op"], row["id"]))'
}

scenario_debezium_moves_to_sluice()
{
	local d=$E2E_TMP/d
	mkdir -p "$d"
	if ! start_pg pg PGPORT; then
		fail "d: start PostgreSQL"
		return
	fi
	sql "CREATE SCHEMA mig; CREATE TABLE mig.t (id int PRIMARY KEY, v text);
		INSERT INTO mig.t SELECT g, 'snap-' || g FROM generate_series(1, 3) g;
		CREATE PUBLICATION mig_pub FOR TABLE mig.t;"
	stop_connect
	if ! start_connect e2e-o-offsets-d debezium; then
		fail "d: Kafka Connect with Debezium starts"
		return
	fi
	local json
	json=$(printf '%s\n' "${DBZ_PROPS[@]}" "database.port=$PGPORT" | python3 -c 'import json,sys
print(json.dumps(dict(l.rstrip("\n").split("=", 1) for l in sys.stdin)))')
	curl -sf -X PUT -H 'Content-Type: application/json' \
		"$CONNECT_URL/connectors/e2e-o-d/config" -d "$json" >/dev/null
	check "d: Debezium snapshots the table" wait_topic_count mig.mig.t 3 120
	sql "INSERT INTO mig.t VALUES (4, 'dbz-4'); INSERT INTO mig.t VALUES (5, 'dbz-5');"
	check "d: Debezium streams two inserts" wait_topic_count mig.mig.t 5 60
	sleep 3 # its offsets flushed (every 500 ms)
	stop_connect
	log "d: Debezium's offset: $(kcat -b "$BOOTSTRAP" -C -t e2e-o-offsets-d -o beginning -e -q \
		-f '%k %s\n' 2>/dev/null | tail -1)"
	log "d: slot: $(sql "SELECT confirmed_flush_lsn, restart_lsn FROM pg_replication_slots")"
	log "d: lsn now: $(sql "SELECT pg_current_wal_lsn()")"

	sql "INSERT INTO mig.t VALUES (6, 'sl-6'); UPDATE mig.t SET v = 'sl' WHERE id = 1;
		DELETE FROM mig.t WHERE id = 2;"
	topic_worker "$d/worker.properties" e2e-o-offsets-d
	printf '%s\n' "key.converter=json" "value.converter=json" >>"$d/worker.properties"
	sed -i '/^key.converter=string$/d; /^value.converter=string$/d' "$d/worker.properties"
	props "$d/source.properties" "name=e2e-o-d" "${DBZ_PROPS[@]}" "database.port=$PGPORT"
	start_worker d "$d/worker.properties" "$d/source.properties"
	# 3 r + 2 c by Debezium; c, u, d (+ its tombstone) by sluice
	check "d: sluice streams the changes made after Debezium stopped" \
		wait_topic_count mig.mig.t 9 60
	sleep 2
	local got want
	got=$(events | tr '\n' ' ')
	want="r:1 r:2 r:3 c:4 c:5 c:6 u:1 d:2 "
	log "d: events $got"
	check "d: no new snapshot, every change once, in order" test "$got" == "$want"
	check "d: sluice exits 0 on SIGTERM" stop_worker d
}

# dist_worker FILE PORT: a sluice member of the cluster Kafka Connect ran
# in scenario e (its group, its three topics, its converters).
dist_worker()
{
	props "$1" "bootstrap.servers=$BOOTSTRAP" "group.id=e2e-o-dist" \
		"config.storage.topic=e2e-o-dist-configs" "config.storage.replication.factor=1" \
		"status.storage.topic=e2e-o-dist-status" "status.storage.replication.factor=1" \
		"offset.storage.topic=e2e-o-e-offsets" "offset.storage.replication.factor=1" \
		"offset.storage.partitions=5" "offset.flush.interval.ms=500" \
		"session.timeout.ms=6000" "heartbeat.interval.ms=1000" \
		"key.converter=json" "value.converter=json" \
		"key.converter.schemas.enable=false" "value.converter.schemas.enable=false" \
		"listeners=http://127.0.0.1:$2"
}

scenario_debezium_moves_to_sluice_cluster()
{
	local d=$E2E_TMP/e
	mkdir -p "$d"
	if [[ -z ${PGPORT:-} ]] && ! start_pg pg PGPORT; then
		fail "e: start PostgreSQL"
		return
	fi
	sql "CREATE SCHEMA mige; CREATE TABLE mige.t (id int PRIMARY KEY, v text);
		INSERT INTO mige.t SELECT g, 'snap-' || g FROM generate_series(1, 3) g;
		CREATE PUBLICATION mige_pub FOR TABLE mige.t;"
	local props=("${DBZ_PROPS[@]/mig_slot/mige_slot}")
	props=("${props[@]/mig_pub/mige_pub}")
	props=("${props[@]/schema.include.list=mig/schema.include.list=mige}")
	props=("${props[@]/topic.prefix=mig/topic.prefix=mige}")
	stop_connect
	if ! start_connect e2e-o-e-offsets debezium e2e-o-dist; then
		fail "e: Kafka Connect (distributed) with Debezium starts"
		return
	fi
	local json
	json=$(printf '%s\n' "${props[@]}" "database.port=$PGPORT" | python3 -c 'import json,sys
print(json.dumps(dict(l.rstrip("\n").split("=", 1) for l in sys.stdin)))')
	curl -sf -X PUT -H 'Content-Type: application/json' \
		"$CONNECT_URL/connectors/e2e-o-e/config" -d "$json" >/dev/null
	check "e: Debezium snapshots the table" wait_topic_count mige.mige.t 3 120
	sql "INSERT INTO mige.t VALUES (4, 'dbz-4'); INSERT INTO mige.t VALUES (5, 'dbz-5');"
	check "e: Debezium streams two inserts" wait_topic_count mige.mige.t 5 60
	sleep 3 # its offsets flushed (every 500 ms)
	stop_connect

	sql "INSERT INTO mige.t VALUES (6, 'sl-6'); UPDATE mige.t SET v = 'sl' WHERE id = 1;
		DELETE FROM mige.t WHERE id = 2;"
	local p1 p2
	p1=$(free_port)
	p2=$(free_port)
	dist_worker "$d/w1.properties" "$p1"
	dist_worker "$d/w2.properties" "$p2"
	start_worker e1 "$d/w1.properties"
	start_worker e2 "$d/w2.properties"
	check "e: the sluice cluster streams the changes made after Debezium stopped" \
		wait_topic_count mige.mige.t 9 90
	sleep 2
	local got want status
	got=$(EVENTS_TOPIC=mige.mige.t events | tr '\n' ' ')
	want="r:1 r:2 r:3 c:4 c:5 c:6 u:1 d:2 "
	log "e: events $got"
	check "e: no new snapshot, every change once, in order" test "$got" == "$want"
	status=$(curl -sf "http://127.0.0.1:$p2/connectors/e2e-o-e/status")
	log "e: status on the second member: $status"
	check "e: both members show Kafka Connect's connector RUNNING on a sluice member" \
		grep -q '"tasks":\[{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:\('"$p1"'\|'"$p2"'\)"' \
		<<<"$status"
	check "e: sluice members exit 0 on SIGTERM" stop_worker e1
	check "e: sluice members exit 0 on SIGTERM (2)" stop_worker e2
}

SCENARIOS=${E2E_SCENARIOS:-a b d e}
[[ $SCENARIOS == *a* ]] && scenario_kill_resume
[[ $SCENARIOS == *b* ]] && scenario_connect_and_back
[[ $SCENARIOS == *d* ]] && scenario_debezium_moves_to_sluice
[[ $SCENARIOS == *e* ]] && scenario_debezium_moves_to_sluice_cluster
e2e_finish
