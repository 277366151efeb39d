#!/usr/bin/env bash
# End-to-end tests of postgres-source against a real PostgreSQL server and a
# real Kafka broker: (a) snapshot then streamed inserts/updates/deletes in
# Debezium's format, (b) SIGKILL of the worker while a writer commits
# transactions: after a restart no change is missing, (c) heartbeats move
# the slot's confirmed_flush_lsn while only an uncaptured table is written,
# (d) clear errors for a missing publication, a user without REPLICATION,
# a captured table without replica identity, wal_level=replica, a role that
# does not exist and a malformed stored offset: each fails the task at once
# (no retries), (e) PostgreSQL restarted mid-stream: the task stays
# RUNNING, retries until the server is back and no change is missing.
# E2E_SCENARIOS picks some of "a b c d e"; E2E_ROWS sets the size of (b).
source "$(dirname "$0")/lib.sh"

SCENARIOS=${E2E_SCENARIOS:-a b c d e}
ROWS=${E2E_ROWS:-3000}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

need kcat python3 "$PG_BIN/psql"
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi

# sql PORT SQL...: runs statements as postgres; prints tuples unaligned.
sql()
{
	local port=$1
	shift
	"$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt \
		-c "$*"
}

worker_conf()
{
	props "$1" "bootstrap.servers=$BOOTSTRAP" "offset.storage.file.filename=$2" "listeners=http://127.0.0.1:0" \
		"offset.flush.interval.ms=300" \
		"key.converter=org.apache.kafka.connect.json.JsonConverter" \
		"value.converter=org.apache.kafka.connect.json.JsonConverter"
}

# source_json FILE NAME PORT PREFIX SLOT [EXTRA "k": "v" lines...]: a Debezium
# REST-style connector file, as Debezium's tutorial register-postgres.json.
source_json()
{
	local f=$1 name=$2 port=$3 prefix=$4 slot=$5 extra=""
	shift 5
	local kv
	for kv in "$@"; do
		extra+=",
    \"${kv%%=*}\": \"${kv#*=}\""
	done
	cat >"$f" <<JSON
{
  "name": "$name",
  "config": {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "tasks.max": "1",
    "database.hostname": "127.0.0.1",
    "database.port": "$port",
    "database.user": "postgres",
    "database.password": "e2e-s3cret-pw",
    "database.dbname" : "postgres",
    "topic.prefix": "$prefix",
    "slot.name": "$slot",
    "errors.retry.timeout": "-1"$extra
  }
}
JSON
}

# consume TOPIC OUT [COUNT]: the topic's messages (all, or the first COUNT)
# as kcat JSON lines. Bounded: a topic written faster than kcat's fetch
# wait (heartbeats) may never show its end.
consume()
{
	local n=()
	[[ -n ${3:-} ]] && n=(-c "$3")
	timeout 30 kcat -b "$BOOTSTRAP" -C -J -t "$1" -o beginning -e -q "${n[@]}" >"$2" 2>/dev/null
}

# wait_msgs TOPIC N TIMEOUT OUT: waits until the topic holds >= N messages.
wait_msgs()
{
	local deadline=$((SECONDS + $3))
	while :; do
		consume "$1" "$4"
		(($(line_count "$4") >= $2)) && return 0
		((SECONDS >= deadline)) && {
			echo "wait_msgs: $(line_count "$4") of $2 messages in $1" >&2
			return 1
		}
		sleep 1
	done
}

# failed_for_good WORKER TEXT: the worker's task FAILED with TEXT in its
# reason, without retrying (a permanent failure).
failed_for_good()
{
	wait_log "$1" "task FAILED: " 30 &&
		grep -F -- "task FAILED: " "$E2E_TMP/$1.log" | grep -qF -- "$2" &&
		! grep -q "(retriable)" "$E2E_TMP/$1.log"
}

# wait_log WORKER TEXT TIMEOUT: waits until the worker's log has TEXT.
wait_log()
{
	local deadline=$((SECONDS + $3))
	until grep -qF -- "$2" "$E2E_TMP/$1.log" 2>/dev/null; do
		((SECONDS >= deadline)) && return 1
		sleep 0.3
	done
}

# (a) snapshot of 1000 rows, then 100 inserts, 10 updates, 5 deletes.
scenario_snapshot_stream()
{
	local d=$E2E_TMP/a
	mkdir -p "$d"
	sql "$PGPORT" "CREATE TABLE a_t (id int PRIMARY KEY, v text NOT NULL, n numeric(10,2));
		INSERT INTO a_t SELECT g, 'v' || g, g / 4.0 FROM generate_series(1, 1000) g;
		CREATE TABLE a_other (id int PRIMARY KEY)"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_json "$d/pg.json" e2e-a "$PGPORT" e2ea slot_a "table.include.list=public.a_t" \
		"publication.name=pub_a" "publication.autocreate.mode=filtered"
	start_worker a "$d/worker.properties" "$d/pg.json"
	check "a: the snapshot's 1000 rows arrive" wait_msgs e2ea.public.a_t 1000 60 "$d/msgs"
	sql "$PGPORT" "INSERT INTO a_t SELECT g, 'new' || g, 1.5 FROM generate_series(1001, 1100) g;
		UPDATE a_t SET v = 'upd' WHERE id <= 10; DELETE FROM a_t WHERE id > 1095;
		INSERT INTO a_other VALUES (1)"
	check "a: streamed changes arrive (100 c + 10 u + 5 d + 5 tombstones)" \
		wait_msgs e2ea.public.a_t 1120 60 "$d/msgs"
	check "a: events are Debezium's envelope and key" python3 - "$d/msgs" <<'PY'
import json, sys
ops, tomb, snap = {}, 0, []
for line in open(sys.argv[1]):
    m = json.loads(line)
    key = json.loads(m["key"])
    assert key["schema"]["name"] == "e2ea.public.a_t.Key", key
    if m["payload"] is None:
        tomb += 1
        continue
    v = json.loads(m["payload"])
    assert v["schema"]["name"] == "e2ea.public.a_t.Envelope", v["schema"]["name"]
    p = v["payload"]
    assert p["source"]["connector"] == "postgresql" and p["source"]["table"] == "a_t"
    ops[p["op"]] = ops.get(p["op"], 0) + 1
    if p["op"] == "r":
        snap.append(p["source"]["snapshot"])
    if p["op"] == "u":
        assert p["after"]["v"] == "upd", p
    if p["op"] == "d":
        assert p["after"] is None and p["before"]["id"] > 1095, p
    if p["op"] == "c":
        assert p["source"]["snapshot"] == "false" and p["source"]["lsn"] > 0
want = {"r": 1000, "c": 100, "u": 10, "d": 5}
assert ops == want, ops
assert tomb == 5, tomb
assert snap[0] == "first" and snap[-1] == "last" and set(snap[1:-1]) == {"true"}, snap[:3]
PY
	check "a: the uncaptured table has no topic" \
		bash -c "! kcat -b $BOOTSTRAP -L -t e2ea.public.a_other 2>/dev/null | grep -q 'topic \"e2ea.public.a_other\" with [1-9]'"
	check "a: worker exits 0 on SIGTERM" stop_worker a
	check "a: the stored offset has Debezium's shape" python3 -c "
import json,sys
o=json.load(open('$d/offsets'))['offsets'][0]
assert o['key']==['e2e-a',{'server':'e2ea'}], o
assert isinstance(o['value']['lsn'], int) and 'txId' in o['value'] and 'ts_usec' in o['value'], o"
}

# (b) a writer commits ROWS single-row transactions; the worker is killed
# with SIGKILL twice meanwhile; every row arrives at least once.
scenario_kill()
{
	local d=$E2E_TMP/b i
	mkdir -p "$d"
	sql "$PGPORT" "CREATE TABLE b_t (id int PRIMARY KEY, v text)"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_json "$d/pg.json" e2e-b "$PGPORT" e2eb slot_b "table.include.list=public.b_t" \
		"publication.name=pub_b" "publication.autocreate.mode=filtered" \
		"snapshot.mode=no_data"
	start_worker b "$d/worker.properties" "$d/pg.json"
	wait_log b "streaming from slot" 30
	for ((i = 1; i <= ROWS; i++)); do
		echo "INSERT INTO b_t VALUES ($i, 'row $i');"
		((i % 50 == 0)) && echo "SELECT pg_sleep(0.02);"
	done >"$d/writer.sql"
	"$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -f "$d/writer.sql" \
		>/dev/null 2>"$d/writer.err" &
	local writer=$!
	E2E_PIDS+=("$writer")
	for i in 1 2; do
		sleep "$(rand_between 1 3)"
		kill_worker b KILL
		log "b: worker killed (SIGKILL) #$i"
		sleep 1
		start_worker b "$d/worker.properties" "$d/pg.json"
	done
	wait "$writer"
	forget_pid "$writer"
	check "b: all $ROWS rows arrive after two SIGKILLs" wait_msgs e2eb.public.b_t "$ROWS" 90 \
		"$d/msgs"
	sleep 2
	consume e2eb.public.b_t "$d/msgs"
	check "b: no row is missing" python3 - "$d/msgs" "$ROWS" <<'PY'
import json, sys
ids = [json.loads(json.loads(l)["payload"])["payload"]["after"]["id"] for l in open(sys.argv[1])]
missing = set(range(1, int(sys.argv[2]) + 1)) - set(ids)
print("messages=%d distinct=%d duplicates=%d missing=%d" % (len(ids), len(set(ids)), len(ids) - len(set(ids)), len(missing)))
sys.exit(1 if missing else 0)
PY
	check "b: worker exits 0 on SIGTERM" stop_worker b
}

# (c) only an uncaptured table is written: heartbeats carry the keepalive's
# WAL end as offset, so the slot's confirmed_flush_lsn passes the writes.
scenario_heartbeat()
{
	local d=$E2E_TMP/c target i ok=1
	mkdir -p "$d"
	sql "$PGPORT" "CREATE TABLE c_t (id int PRIMARY KEY); CREATE TABLE c_other (id int PRIMARY KEY)"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_json "$d/pg.json" e2e-c "$PGPORT" e2ec slot_c "table.include.list=public.c_t" \
		"heartbeat.interval.ms=300" "status.update.interval.ms=1000" \
		"publication.name=pub_c"
	start_worker c "$d/worker.properties" "$d/pg.json"
	wait_log c "streaming from slot" 30
	for i in $(seq 1 20); do sql "$PGPORT" "INSERT INTO c_other VALUES ($i)"; done
	target=$(sql "$PGPORT" "SELECT pg_current_wal_lsn()")
	check "c: confirmed_flush_lsn passes $target with only uncaptured writes" bash -c "
		for i in \$(seq 1 60); do
			r=\$('$PG_BIN/psql' -h 127.0.0.1 -p $PGPORT -U postgres -qAt -c \"SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = 'slot_c'\")
			[[ \$r == t ]] && exit 0
			sleep 0.5
		done
		exit 1"
	consume __debezium-heartbeat.e2ec "$d/hb" 3
	check "c: heartbeat records reach __debezium-heartbeat.e2ec" test "$(line_count "$d/hb")" -ge 3
	check "c: heartbeat key and value are Debezium's" python3 -c "
import json
m=json.loads(open('$d/hb').readline())
k=json.loads(m['key']); v=json.loads(m['payload'])
assert k['payload']=={'serverName':'e2ec'} and k['schema']['name']=='io.debezium.connector.common.ServerNameKey', k
assert v['schema']['name']=='io.debezium.connector.common.Heartbeat' and v['payload']['ts_ms']>0, v"
	check "c: no event for the uncaptured table" bash -c "! grep -q c_other '$d/hb'"
	check "c: worker exits 0 on SIGTERM" stop_worker c
}

# (d) clear errors at start.
scenario_errors()
{
	local d=$E2E_TMP/d port2
	mkdir -p "$d"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_json "$d/nopub.json" e2e-d1 "$PGPORT" e2ed1 slot_d1 "publication.name=nope" \
		"publication.autocreate.mode=disabled"
	start_worker d1 "$d/worker.properties" "$d/nopub.json"
	check "d: a missing publication is named" \
		wait_log d1 "publication 'nope' does not exist and publication.autocreate.mode is disabled" 30
	check "d: a missing publication fails the task, no retries" \
		failed_for_good d1 "publication 'nope' does not exist"
	stop_worker d1 10 >/dev/null 2>&1

	sql "$PGPORT" "CREATE ROLE norepl LOGIN"
	sed 's/"database.user": "postgres"/"database.user": "norepl"/' "$d/nopub.json" \
		>"$d/norepl.json"
	start_worker d2 "$d/worker.properties" "$d/norepl.json"
	check "d: a user without REPLICATION is told so" \
		wait_log d2 "user 'norepl' lacks the REPLICATION privilege" 30
	check "d: a user without REPLICATION fails the task, no retries" \
		failed_for_good d2 "lacks the REPLICATION privilege"
	stop_worker d2 10 >/dev/null 2>&1

	sed 's/"database.user": "postgres"/"database.user": "nobody"/' "$d/nopub.json" \
		>"$d/norole.json"
	start_worker d5 "$d/worker.properties" "$d/norole.json"
	check "d: a role that does not exist fails the task with SQLSTATE 28000, no retries" \
		failed_for_good d5 '28000: role "nobody" does not exist'
	stop_worker d5 10 >/dev/null 2>&1

	# a stored offset whose lsn is Debezium's text form, not its number
	cat >"$d/bad-offsets" <<'JSON'
{"version": 1, "offsets": [{"key": ["e2e-d6", {"server": "e2ed6"}],
  "value": {"lsn": "0/16B3748", "txId": 7, "ts_usec": 1}}]}
JSON
	worker_conf "$d/worker6.properties" "$d/bad-offsets"
	source_json "$d/badoff.json" e2e-d6 "$PGPORT" e2ed6 slot_d6
	start_worker d6 "$d/worker6.properties" "$d/badoff.json"
	check "d: a malformed stored offset fails the task naming it and the reset, no retries" \
		failed_for_good d6 "sluice offsets reset --connector e2e-d6"
	check "d: ... before the snapshot or a slot" \
		test "$(sql "$PGPORT" "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_d6'")" = 0
	stop_worker d6 10 >/dev/null 2>&1

	sql "$PGPORT" "CREATE TABLE d_nokey (v text)"
	source_json "$d/nokey.json" e2e-d4 "$PGPORT" e2ed4 slot_d4 "publication.name=pub_d4" \
		"publication.autocreate.mode=filtered" "table.include.list=public.d_nokey"
	start_worker d4 "$d/worker.properties" "$d/nokey.json"
	check "d: a captured table without replica identity is named" \
		wait_log d4 "table public.d_nokey has no replica identity" 30
	check "d: a table without replica identity fails the task, no retries" \
		failed_for_good d4 "has no replica identity"
	stop_worker d4 10 >/dev/null 2>&1

	start_pg pg2 port2 || { fail "d: start a second server"; return; }
	sql "$port2" "ALTER SYSTEM SET wal_level = replica"
	"$PG_SH" restart "$E2E_TMP/pg2" >/dev/null
	source_json "$d/replica.json" e2e-d3 "$port2" e2ed3 slot_d3
	start_worker d3 "$d/worker.properties" "$d/replica.json"
	check "d: wal_level=replica is explained" \
		wait_log d3 "wal_level is 'replica'; logical decoding needs wal_level=logical" 30
	check "d: wal_level=replica fails the task, no retries" failed_for_good d3 "wal_level is 'replica'"
	stop_worker d3 10 >/dev/null 2>&1
	check "d: the password never reaches a log" bash -c "! cat '$E2E_TMP'/*.log | grep -q e2e-s3cret-pw"
}

# (e) PostgreSQL restarts while a writer commits: the source retries (the
# task stays RUNNING, without an errors.retry.timeout), streams again from
# the confirmed position and no row is missing.
scenario_pg_restart()
{
	local d=$E2E_TMP/e i
	mkdir -p "$d"
	sql "$PGPORT" "CREATE TABLE e_t (id int PRIMARY KEY, v text)"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_json "$d/pg.json" e2e-e "$PGPORT" e2ee slot_e "table.include.list=public.e_t" \
		"publication.name=pub_e" "publication.autocreate.mode=filtered" \
		"snapshot.mode=no_data"
	# the worker's default errors.retry.timeout: a restart must not need one
	sed -i '/errors.retry.timeout/d' "$d/pg.json"
	start_worker e "$d/worker.properties" "$d/pg.json"
	wait_log e "streaming from slot" 30
	sql "$PGPORT" "INSERT INTO e_t SELECT g, 'before' FROM generate_series(1, 1000) g"
	"$PG_SH" restart "$E2E_TMP/pg" >/dev/null
	log "e: postgres restarted"
	sql "$PGPORT" "INSERT INTO e_t SELECT g, 'after' FROM generate_series(1001, 2000) g"
	check "e: all 2000 rows arrive across the restart" wait_msgs e2ee.public.e_t 2000 90 "$d/msgs"
	check "e: the task retried (transient) and did not fail" bash -c "
		grep -q '(retriable)' '$E2E_TMP/e.log' && ! grep -q 'task FAILED' '$E2E_TMP/e.log'"
	check "e: it streamed again after the restart" \
		test "$(grep -c 'streaming from slot' "$E2E_TMP/e.log")" -ge 2
	check "e: no row is missing" python3 - "$d/msgs" <<'PY'
import json, sys
ids = {json.loads(json.loads(l)["payload"])["payload"]["after"]["id"] for l in open(sys.argv[1])}
missing = set(range(1, 2001)) - ids
print("distinct=%d missing=%d" % (len(ids), len(missing)))
sys.exit(1 if missing else 0)
PY
	check "e: worker exits 0 on SIGTERM" stop_worker e
}

start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}
start_pg pg PGPORT || {
	fail "start PostgreSQL"
	e2e_finish
}
log "postgres at 127.0.0.1:$PGPORT"
for s in $SCENARIOS; do
	case $s in
	a) scenario_snapshot_stream ;;
	b) scenario_kill ;;
	c) scenario_heartbeat ;;
	d) scenario_errors ;;
	e) scenario_pg_restart ;;
	*) fail "unknown scenario $s" ;;
	esac
done
e2e_finish
