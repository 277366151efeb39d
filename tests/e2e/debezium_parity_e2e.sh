#!/usr/bin/env bash
# Debezium event parity, side by side: Debezium's PostgreSQL connector
# (DEBEZIUM_VERSION, default 3.6.1.Final, on a Kafka Connect standalone
# worker, jars from Maven Central as bench/connect.sh fetches them) and
# sluice's postgres-source capture the same PostgreSQL database at the same
# time (two slots, topic prefixes "dbz" and "sl") through the same
# statements: a snapshot, then insert, update, delete, a primary key change,
# an unchanged TOASTed value, REPLICA IDENTITY FULL, a truncate, logical
# decoding messages and a transaction with a replication origin, over every
# mapped column type. Every event's key and value (JsonConverter with
# schemas.enable=true, schemas included) must be the same text once masked:
# the timestamps, the topic prefix, and in the snapshot's events the values
# of source.lsn, source.sequence and source.txId (each connector reads
# through its own slot and snapshot transaction: only that both have a
# value is compared). Each difference is printed. The differences that
# stay (KNOWN, KNOWN_COLUMNS below: a Debezium snapshot bug; columns of
# types not compared) are printed as known and do not fail;
# docs/connectors/postgres.md ("Differences from Debezium") gives reasons.
source "$(dirname "$0")/lib.sh"

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
CONNECT_SH=$E2E_ROOT/bench/connect.sh
DEBEZIUM_VERSION=${DEBEZIUM_VERSION:-3.6.1.Final}
export DEBEZIUM_VERSION

need kcat python3 java "$PG_BIN/psql"
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi

# sql SQL...: runs statements as postgres; prints tuples unaligned.
sql()
{
	"$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt \
		-c "$*"
}

# sql_script SQL: runs a script as psql -f does, statement by statement
# (each outside an explicit transaction block is its own transaction).
sql_script()
{
	"$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt \
		-f - <<<"$1" >/dev/null
}

# The connector, the same for both but for its prefix and slot.
connector_props()
{
	local f=$1 name=$2 prefix=$3 slot=$4
	props "$f" "name=$name" "connector.class=io.debezium.connector.postgresql.PostgresConnector" \
		"tasks.max=1" "database.hostname=127.0.0.1" "database.port=$PGPORT" \
		"database.user=postgres" "database.password=unused" "database.dbname=postgres" \
		"plugin.name=pgoutput" "slot.name=$slot" "publication.name=parity_pub" \
		"publication.autocreate.mode=disabled" "schema.include.list=parity" \
		"topic.prefix=$prefix" "snapshot.mode=initial" "skipped.operations=none"
}

json_converters()
{
	printf '%s\n' "key.converter=org.apache.kafka.connect.json.JsonConverter" \
		"value.converter=org.apache.kafka.connect.json.JsonConverter" \
		"key.converter.schemas.enable=true" "value.converter.schemas.enable=true" >>"$1"
}

# Starts Kafka Connect with Debezium in $E2E_TMP/connect (its pid in
# CONNECT_PID, stopped by stop_connect).
start_connect()
{
	local d=$E2E_TMP/connect cp port
	mkdir -p "$d"
	cp=$("$CONNECT_SH" fetch-debezium) || return 1
	port=$(free_port)
	props "$d/worker.properties" "bootstrap.servers=$BOOTSTRAP" \
		"listeners=http://127.0.0.1:$port" "offset.storage.file.filename=$d/offsets" \
		"offset.flush.interval.ms=500" "plugin.discovery=service_load"
	json_converters "$d/worker.properties"
	connector_props "$d/connector.properties" parity-dbz dbz slot_dbz
	cat >"$d/log4j2.properties" <<'LOG'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:connect.log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
LOG
	setsid nice -n 10 java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
		-Dconnect.log.file="$E2E_TMP/connect.log" \
		-Dlog4j2.configurationFile="file:$d/log4j2.properties" \
		-cp "$cp" org.apache.kafka.connect.cli.ConnectStandalone "$d/worker.properties" \
		"$d/connector.properties" >"$d/stdout.log" 2>&1 </dev/null &
	CONNECT_PID=$!
	E2E_PIDS+=("$CONNECT_PID")
	log "kafka connect with debezium $DEBEZIUM_VERSION: pid $CONNECT_PID"
}

# SIGTERM, SIGKILL after 20 s (Connect may hang in Jetty's shutdown).
stop_connect()
{
	local i
	[[ -n ${CONNECT_PID:-} ]] || return 0
	kill -TERM "$CONNECT_PID" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$CONNECT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$CONNECT_PID" 2>/dev/null
	wait "$CONNECT_PID" 2>/dev/null
	forget_pid "$CONNECT_PID"
	CONNECT_PID=
}

# slot_streaming SLOT: a walsender streams the slot.
slot_streaming()
{
	[[ $(sql "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'") == t ]]
}

# snapshot_done PREFIX: the prefix's topics hold the snapshot's rows.
snapshot_done()
{
	wait_topic_count "$1.parity.alltypes" 3 120 && wait_topic_count "$1.parity.toasty" 2 30 &&
		wait_topic_count "$1.parity.fullrow" 2 30 && wait_topic_count "$1.parity.others" 2 30
}

# changes_done PREFIX: the prefix's topics hold every event of the
# snapshot and of STREAM_SQL. alltypes: 3 r, 3 c, 2 u, 1 d + tombstone,
# the key change (d + tombstone + c) = 13; toasty: 2 r, 2 u, 2 c; fullrow: 2 r,
# 1 u, 1 d + tombstone, 1 t; others: 2 r, 1 c; message: 2.
changes_done()
{
	wait_topic_count "$1.parity.alltypes" 13 90 && wait_topic_count "$1.parity.toasty" 6 30 &&
		wait_topic_count "$1.parity.fullrow" 6 30 && wait_topic_count "$1.parity.others" 3 30 &&
		wait_topic_count "$1.message" 2 30
}

both_streaming()
{
	slot_streaming slot_dbz && slot_streaming slot_sl
}

# dump PREFIX OUT: every message of the prefix's topics, as kcat JSON lines.
dump()
{
	local t
	: >"$2"
	for t in $(kcat -b "$BOOTSTRAP" -L -J 2>/dev/null |
		python3 -c "import json,sys; print('\n'.join(sorted(t['topic'] for t in json.load(sys.stdin)['topics'] if t['topic'].startswith('$1.'))))"); do
		timeout 30 kcat -b "$BOOTSTRAP" -C -J -t "$t" -o beginning -e -q >>"$2" 2>/dev/null
	done
}

SNAPSHOT_SQL="
CREATE SCHEMA parity;
CREATE TYPE parity.mood AS ENUM ('happy', 'sad', 'so-so');
CREATE DOMAIN parity.posint AS int CHECK (VALUE > 0);
CREATE TABLE parity.alltypes (
	id int PRIMARY KEY, b bool, i2 int2, i4 int4 NOT NULL, i8 int8, f4 float4, f8 float8,
	n numeric(10,2), nv numeric, tx text, vc varchar(20), ch char(3), by bytea,
	d date, tm time, tm3 time(3), ts timestamp, ts3 timestamp(3),
	tstz timestamptz, tstz0 timestamptz(0), tstz3 timestamptz(3), ttz timetz,
	u uuid, j json, jb jsonb, x xml, e parity.mood, dom parity.posint, o oid,
	ia int4[], ta text[], tza timestamptz[], inet_v inet);
CREATE TABLE parity.toasty (id int PRIMARY KEY, big text, small int);
CREATE TABLE parity.others (id int PRIMARY KEY, iv interval, m money, bt bit(3),
	vb varbit, pt point, tv tsvector, r int4range, mac macaddr, c cidr,
	ts_tz_arr timestamptz(3)[], b1 bit(1), vb9 varbit(9));
INSERT INTO parity.others VALUES (1, '1 day 02:03:04.5', 12.34, B'110', B'10000000011',
	'(1.5,-2.25)', 'a fat cat', '[1,5)', '08:00:2b:01:02:03', '10.0.0.0/8',
	'{\"2024-01-02 03:04:05+02\"}', B'1', B'000000001'),
	(3, '-1 years -2 mons +3 days -04:05:06.789', -1234.5, NULL, B'0', '(0,-1e-300)', NULL,
	 NULL, NULL, NULL, NULL, B'0', B'000');
CREATE TABLE parity.fullrow (id int PRIMARY KEY, v text, w int);
ALTER TABLE parity.fullrow REPLICA IDENTITY FULL;
INSERT INTO parity.alltypes VALUES
	(1, true, -32768, 2147483647, 9223372036854775807, 1.5, -2.25e-10,
	 12345678.90, -0.000123, 'hé \"q\" \\ x', 'varchar', 'ab', '\\xdeadbeef',
	 '2024-01-02', '10:00:00.123456', '23:59:59.999', '2024-01-02 03:04:05.123456',
	 '1970-01-01 00:00:00.5', '2024-01-02 03:04:05+02', '2024-01-02 03:04:05.4+02',
	 '2024-01-02 03:04:05.1239+00', '10:00:00+02',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', '{\"b\": {\"c\": null}}',
	 '<a>x</a>', 'happy', 7, 42, '{1,NULL,-3}', '{\"x y\",\"q\\\"z\",NULL}',
	 '{\"2024-01-02 03:04:05+02\",NULL}', '192.168.0.1/24'),
	(2, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL),
	(3, false, 1, 1, 1, 'NaN', '-Infinity', NULL, 'NaN', '', '', '', '\\x',
	 '0044-03-15 BC', '00:00:00', '00:00:00', '1969-12-31 23:59:59.999999',
	 '2000-01-01 00:00:00', '1900-06-30 23:59:59.5-03', '2038-01-19 03:14:07+00',
	 '1999-12-31 23:00:00-01', '23:59:59.999999-12', NULL, '[]', '{}', NULL, 'so-so', 1, 0,
	 '{}', '{}', '{}', '::1');
INSERT INTO parity.toasty
	SELECT g, (SELECT string_agg(md5(g::text || s::text), '') FROM generate_series(1, 200) s), g
	FROM generate_series(1, 2) g;
INSERT INTO parity.fullrow VALUES (1, 'one', 1), (2, 'two', 2);
CREATE PUBLICATION parity_pub FOR ALL TABLES;
SELECT pg_replication_origin_create('parity_origin');"

STREAM_SQL="
INSERT INTO parity.alltypes SELECT 10 + id, b, i2, i4, i8, f4, f8, n, nv, tx, vc, ch, by, d, tm,
	tm3, ts, ts3, tstz, tstz0, tstz3, ttz, u, j, jb, x, e, dom, o, ia, ta, tza, inet_v
	FROM parity.alltypes;
BEGIN;
UPDATE parity.alltypes SET tx = 'updated', n = 1.5 WHERE id = 11;
UPDATE parity.alltypes SET i4 = 5 WHERE id = 12;
DELETE FROM parity.alltypes WHERE id = 13;
COMMIT;
UPDATE parity.alltypes SET id = 100 WHERE id = 12;
UPDATE parity.toasty SET small = small + 10;
UPDATE parity.fullrow SET v = 'uno' WHERE id = 1;
DELETE FROM parity.fullrow WHERE id = 2;
SELECT pg_logical_emit_message(true, 'parity', 'in a transaction');
SELECT pg_logical_emit_message(false, 'parity', 'outside');
TRUNCATE parity.fullrow;
SELECT pg_replication_origin_session_setup('parity_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/ABCDEF', now());
INSERT INTO parity.toasty VALUES (3, 'from elsewhere', 3);
COMMIT;
SELECT pg_replication_origin_session_reset();
INSERT INTO parity.toasty VALUES (4, 'after the origin', 4);
INSERT INTO parity.others SELECT 2, iv, m, bt, vb, pt, tv, r, mac, c, ts_tz_arr, b1, vb9
	FROM parity.others WHERE id = 1;"

start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}
start_pg pg PGPORT || {
	fail "start PostgreSQL"
	e2e_finish
}
check "the snapshot's tables and rows are created" sql_script "$SNAPSHOT_SQL"

start_connect || {
	fail "fetch Debezium $DEBEZIUM_VERSION and start Kafka Connect"
	e2e_finish
}
props "$E2E_TMP/sl-worker.properties" "bootstrap.servers=$BOOTSTRAP" \
	"offset.storage.file.filename=$E2E_TMP/sl-offsets" "offset.flush.interval.ms=500" \
	"listeners=http://127.0.0.1:0"
json_converters "$E2E_TMP/sl-worker.properties"
connector_props "$E2E_TMP/sl-connector.properties" parity-sl sl slot_sl
start_worker sl "$E2E_TMP/sl-worker.properties" "$E2E_TMP/sl-connector.properties"

# Both snapshots are done and both slots stream before anything changes.
check "debezium's snapshot arrives (3 + 2 + 2 + 2 rows)" snapshot_done dbz
check "sluice's snapshot arrives (3 + 2 + 2 + 2 rows)" snapshot_done sl
check "both slots stream" wait_for 60 both_streaming

check "the changes are made" sql_script "$STREAM_SQL"
check "debezium: every change arrives" changes_done dbz
check "sluice: every change arrives" changes_done sl
sleep 2 # anything extra a connector would add
dump dbz "$E2E_TMP/dbz.jsonl"
dump sl "$E2E_TMP/sl.jsonl"

python3 - "$E2E_TMP/dbz.jsonl" "$E2E_TMP/sl.jsonl" >"$E2E_TMP/compare.txt" <<'PY'
import json, sys
from collections import OrderedDict

def load(path, prefix):
    topics = OrderedDict()
    for line in open(path):
        m = json.loads(line)
        topics.setdefault(m["topic"][len(prefix) + 1:], []).append(m)
    return topics

def parse(text):
    return None if text is None else json.loads(text, object_pairs_hook=OrderedDict)

TIMES = ("ts_ms", "ts_us", "ts_ns")

def mask(v, prefix):
    """Masks the prefix (in schema names and source.name), the times, and
    the snapshot's slot-dependent values, in place."""
    if isinstance(v, dict):
        for k in list(v):
            if isinstance(v[k], str) and v[k].startswith(prefix + "."):
                v[k] = "<prefix>" + v[k][len(prefix):]
            else:
                mask(v[k], prefix)
        payload = v.get("payload")
        if isinstance(payload, dict):
            for k in TIMES:
                if k in payload:
                    payload[k] = "<time>"
            src = payload.get("source")
            if isinstance(src, dict):
                for k in TIMES:
                    if k in src:
                        src[k] = "<time>"
                if src.get("name") == prefix:
                    src["name"] = "<prefix>"
                if payload.get("op") == "r":
                    for k in ("lsn", "sequence", "txId"):
                        src[k] = "<snapshot:%s>" % ("null" if src.get(k) is None else "set")
    elif isinstance(v, list):
        for x in v:
            mask(x, prefix)
    return v

def text(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)

def diff(a, b, path, out):
    """Lists (path, what) where two masked JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            out.append((path, "keys %s vs %s" % (list(a), list(b))))
        for k in a:
            if k in b:
                diff(a[k], b[k], path + "." + k, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), out)
    elif text(a) != text(b):
        out.append((path, "debezium %s, sluice %s" % (text(a)[:300], text(b)[:300])))

# Differences that stay, each with its reason in docs/connectors/postgres.md
# ("Differences from Debezium"): (topic, op, path) -> why.
KNOWN = {
    ("parity.alltypes", "r", "payload.payload.after.d"):
        "Debezium's snapshot reads a BC date as the same date AD (its stream does not)",
}
# Columns of types sluice writes as their text where Debezium has a type of
# its own: taken out of both events (schema and values) before comparing.
# None left: every column type of the tables above compares equal.
KNOWN_COLUMNS = {}

def drop_columns(event, topic, known):
    """Takes KNOWN_COLUMNS of topic out of a (parsed) envelope."""
    cols = [c for (t, c) in KNOWN_COLUMNS if t == topic]
    if not cols or not isinstance(event, dict):
        return event
    for f in event.get("schema", {}).get("fields", []):
        if f.get("field") in ("before", "after"):
            f["fields"] = [x for x in f["fields"] if x.get("field") not in cols]
    for k in ("before", "after"):
        row = (event.get("payload") or {}).get(k)
        if isinstance(row, dict):
            for c in cols:
                if row.pop(c, None) is not None and known is not None:
                    known.append("%s.%s [known: %s]" % (k, c, KNOWN_COLUMNS[(topic, c)]))
    return event

def op_of(event):
    p = event.get("payload") if isinstance(event, dict) else None
    return p.get("op") if isinstance(p, dict) else None

dbz, sl = load(sys.argv[1], "dbz"), load(sys.argv[2], "sl")
bad = 0
for t in sorted(set(dbz) | set(sl)):
    a, b = dbz.get(t, []), sl.get(t, [])
    lines = []
    if len(a) != len(b):
        lines.append("%d events from debezium, %d from sluice" % (len(a), len(b)))
    known = []
    for i, (x, y) in enumerate(zip(a, b)):
        op = op_of(parse(x["payload"]))
        for part in ("key", "payload"):
            mx = drop_columns(mask(parse(x[part]), "dbz"), t, None)
            my = drop_columns(mask(parse(y[part]), "sl"), t, known if part == "payload" else None)
            if text(mx) == text(my):
                continue
            out = []
            diff(mx, my, part, out)
            for path, what in out or [(part, "the same fields in another order")]:
                why = KNOWN.get((t, op, path))
                line = "event %d (op %s) %s: %s" % (i, op, path, what)
                (known if why else lines).append(line + (" [known: %s]" % why if why else ""))
    print("%s %s: %d events, %d known differences" % ("FAIL" if lines else "ok", t, len(a), len(known)))
    for l in (lines + known)[:40]:
        print("    " + l)
    bad += bool(lines)
sys.exit(1 if bad else 0)
PY
rc=$?
cat "$E2E_TMP/compare.txt"
while read -r status topic rest; do
	[[ $status == ok || $status == FAIL ]] || continue
	if [[ $status == ok ]]; then
		pass "${topic%:}: the events are Debezium's ($rest)"
	else
		fail "${topic%:}: the events differ from Debezium's (above)"
	fi
done <"$E2E_TMP/compare.txt"
check "the comparison ran over the five topics" \
	test "$(grep -cE '^(ok|FAIL) ' "$E2E_TMP/compare.txt")" -eq 5
((rc == 0)) || log "differences: see above"
check "sluice exits 0 on SIGTERM" stop_worker sl
stop_connect
e2e_finish
