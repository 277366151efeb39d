#!/usr/bin/env bash
# Debezium's tutorial chain (ExtractNewRecordState, then a RegexRouter that
# keeps the table's name) on real PostgreSQL change events, held against
# Kafka Connect's own transforms. One sluice worker runs two postgres-source
# connectors on the same database, the same topic.prefix and their own slots
# and publications, so both capture the same changes: "pg-raw" without
# transforms (its topic dbserver1.inventory.customers), "pg-chain" with the
# tutorial's transforms. Then the statements: a row before the start (the
# snapshot), inserts, updates, a primary key change, a delete.
#
#   1. pg-raw's records (key, value, headers, timestamp, read back with kcat)
#      go through the chain in Kafka Connect's transforms
#      (scripts/transforms-ref.sh) and in `sluice transform`: the two
#      outputs must be the same records, byte for byte
#      (tests/compat/transforms/compare.py, as the compatibility test does).
#   2. pg-chain's topic must hold exactly the records of the reference's
#      output, in order: topic, partition, key, value and headers (not the
#      timestamp: each connector's records are stamped when it produced them).
#
# Key and value through JsonConverter with schemas.enable=true, as the
# tutorial's worker has them.
source "$(dirname "$0")/lib.sh"

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
COMPAT=$E2E_ROOT/tests/compat/transforms
REF_SH=$E2E_ROOT/scripts/transforms-ref.sh
KNOWN=$(dirname "$0")/transforms_compat_known.txt
PREFIX=dbserver1
RAW_TOPIC=$PREFIX.inventory.customers
CHAIN_TOPIC=customers

need kcat python3 java javac mvn timeout "$PG_BIN/psql"
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

# The converters of the worker and of both sides of the comparison.
CONVERTERS=("key.converter=org.apache.kafka.connect.json.JsonConverter"
	"key.converter.schemas.enable=true"
	"value.converter=org.apache.kafka.connect.json.JsonConverter"
	"value.converter.schemas.enable=true")

# The tutorial's chain, as its register-postgres.json has it.
CHAIN=("transforms=unwrap,route"
	"transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState"
	"transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter"
	'transforms.route.regex=([^.]+)\\.([^.]+)\\.([^.]+)'
	'transforms.route.replacement=$3')

# connector_conf FILE NAME SLOT [KEY=VALUE...]: a postgres-source on the
# inventory schema.
connector_conf()
{
	local f=$1 name=$2 slot=$3
	shift 3
	props "$f" "name=$name" "connector.class=io.debezium.connector.postgresql.PostgresConnector" \
		"tasks.max=1" "database.hostname=127.0.0.1" "database.port=$PGPORT" \
		"database.user=postgres" "database.password=unused" "database.dbname=postgres" \
		"plugin.name=pgoutput" "topic.prefix=$PREFIX" "slot.name=$slot" \
		"publication.name=pub_$slot" "publication.autocreate.mode=filtered" \
		"table.include.list=inventory.customers" "$@"
}

# slot_streaming SLOT: a walsender streams the slot.
slot_streaming()
{
	[[ $(sql "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'") == t ]]
}

both_streaming()
{
	slot_streaming slot_raw && slot_streaming slot_chain
}

# read_topic TOPIC OUT: the topic's records as the transform input's JSON
# lines (topic, partition, offset, timestamp, key, value, headers).
read_topic()
{
	timeout 30 kcat -b "$BOOTSTRAP" -C -J -t "$1" -o beginning -e -q 2>/dev/null |
		python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    h = m.get("headers") or []
    print(json.dumps({"topic": m["topic"], "partition": m["partition"], "offset": m["offset"],
                      "timestamp": m["ts"], "key": m.get("key"), "value": m.get("payload"),
                      "headers": [{"key": h[i], "value": h[i + 1]} for i in range(0, len(h), 2)]},
                     ensure_ascii=False, separators=(",", ":")))' >"$2"
}

# The statements the connectors capture: a snapshot row, then the stream.
SNAPSHOT_SQL="
CREATE SCHEMA inventory;
CREATE TABLE inventory.customers (
	id int PRIMARY KEY, first_name varchar(255) NOT NULL, last_name text, email text,
	balance numeric(10,2), score float8, vip boolean, born date, seen timestamp,
	created timestamptz, prefs jsonb);
INSERT INTO inventory.customers VALUES (1001, 'Sally', 'Thomas', 'sally.thomas@acme.com',
	1234.50, 0.1, true, '1980-02-29', '2024-01-02 03:04:05.123456',
	'2024-01-02 03:04:05.5+02', '{\"lang\": \"fr\", \"n\": [1, 2]}')"
STREAM_SQL="
INSERT INTO inventory.customers VALUES (1002, 'George', 'Bailey', 'gbailey@foobar.com',
	-0.01, -2.5e-7, false, '1970-01-01', '1969-12-31 23:59:59.999999', NULL, '[]');
BEGIN;
INSERT INTO inventory.customers (id, first_name) VALUES (1003, 'Edward'), (1004, 'Anne Marie');
UPDATE inventory.customers SET email = 'sally.t@acme.com', balance = NULL WHERE id = 1001;
COMMIT;
UPDATE inventory.customers SET first_name = 'Zoë «é» \"q\"', prefs = NULL WHERE id = 1002;
UPDATE inventory.customers SET id = 1005 WHERE id = 1003;
DELETE FROM inventory.customers WHERE id = 1004;"
# pg-raw's events: 1 r, 3 c, 2 u, the key change (d, tombstone, c), a d
# and its tombstone.
RAW_EVENTS=11

start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}
start_pg pg PGPORT || {
	fail "start PostgreSQL"
	e2e_finish
}

d=$E2E_TMP/pg
mkdir -p "$d"
sql "$SNAPSHOT_SQL" >/dev/null
props "$d/worker.properties" "bootstrap.servers=$BOOTSTRAP" \
	"offset.storage.file.filename=$d/offsets" "offset.flush.interval.ms=500" \
	"listeners=http://127.0.0.1:0" "${CONVERTERS[@]}"
connector_conf "$d/raw.properties" pg-raw slot_raw
connector_conf "$d/chain.properties" pg-chain slot_chain "${CHAIN[@]}"
props "$d/ref.properties" "name=pg-unwrap-route" "${CONVERTERS[@]}" "${CHAIN[@]}"

start_worker w "$d/worker.properties" "$d/raw.properties" "$d/chain.properties"
if ! check "both connectors stream from their slots" wait_for 60 both_streaming; then
	tail -n 20 "$E2E_TMP/w.log"
	e2e_finish
fi
sql "$STREAM_SQL" >/dev/null
check "pg-raw writes the $RAW_EVENTS change events to $RAW_TOPIC" \
	wait_topic_count "$RAW_TOPIC" "$RAW_EVENTS" 60
read_topic "$RAW_TOPIC" "$d/raw.jsonl"
check "pg-raw's events are Debezium's: snapshot, creates, updates, key change, delete" \
	python3 - "$d/raw.jsonl" <<'PY'
import json, sys
ops = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["value"] is None:
        ops.append("tombstone")
        continue
    v = json.loads(r["value"])
    assert v["schema"]["name"] == "dbserver1.inventory.customers.Envelope", v["schema"]
    ops.append(v["payload"]["op"])
assert ops == ["r", "c", "c", "c", "u", "u", "d", "tombstone", "c", "d", "tombstone"], ops
PY

# 1. The reference and `sluice transform` on pg-raw's records.
if nice -n 10 "$REF_SH" run "$d/ref.properties" <"$d/raw.jsonl" >"$d/ref.out" 2>"$d/ref.err"; then
	pass "Kafka Connect's transforms run the chain on pg-raw's records"
else
	head -n 20 "$d/ref.err"
	fail "Kafka Connect's transforms run the chain on pg-raw's records"
	e2e_finish
fi
check "the reference unwraps and routes: every record to $CHAIN_TOPIC, rows flat" \
	python3 - "$d/ref.out" <<'PY'
import json, sys
out = [json.loads(l) for l in open(sys.argv[1])]
kept = [r for r in out if "dropped" not in r]
assert not any("error" in r for r in out), out
assert kept and all(r["topic"] == "customers" for r in kept), kept
rows = [json.loads(r["value"])["payload"] if r["value"] else None for r in kept]
assert rows[0]["id"] == 1001 and rows[0]["first_name"] == "Sally", rows[0]
assert any(r and r["email"] == "sally.t@acme.com" for r in rows), rows
print(len(out), "records in,", len(kept), "out")
PY
if timeout 60 "$SLUICE" transform -c "$d/ref.properties" <"$d/raw.jsonl" >"$d/sluice.out" \
	2>"$d/sluice.err"; then
	pass "sluice transform runs the chain on pg-raw's records"
else
	head -n 20 "$d/sluice.err"
	fail "sluice transform runs the chain on pg-raw's records"
fi
check "sluice transform's records are Kafka Connect's, byte for byte" \
	python3 "$COMPAT/compare.py" pg_unwrap_route "$d/ref.out" "$d/sluice.out" "$KNOWN"

# 2. The chain in the worker: pg-chain's topic against the reference.
want=$(grep -vc '"dropped":true' "$d/ref.out")
check "pg-chain writes $want records to $CHAIN_TOPIC" wait_topic_count "$CHAIN_TOPIC" "$want" 60
sleep 1 # a record too many would come now
read_topic "$CHAIN_TOPIC" "$d/chain.jsonl"
check "pg-chain's records are the reference's (topic, partition, key, value, headers)" \
	python3 - "$d/ref.out" "$d/chain.jsonl" <<'PY'
import json, sys
FIELDS = ("topic", "partition", "key", "value", "headers")
ref = [json.loads(l) for l in open(sys.argv[1])]
ref = [{k: r[k] for k in FIELDS} for r in ref if "dropped" not in r]
got = [{k: r[k] for k in FIELDS} for r in map(json.loads, open(sys.argv[2]))]
for i in range(max(len(ref), len(got))):
    a = ref[i] if i < len(ref) else None
    b = got[i] if i < len(got) else None
    if a != b:
        print(f"record {i + 1} of {len(ref)} (reference) / {len(got)} (pg-chain) differs:")
        print("  Kafka Connect:", json.dumps(a, ensure_ascii=False)[:600])
        print("  pg-chain:     ", json.dumps(b, ensure_ascii=False)[:600])
        sys.exit(1)
print(len(got), "records agree")
PY
check "no task failed" bash -c "! grep -q 'task FAILED' '$E2E_TMP/w.log'"
check "worker exits 0 on SIGTERM" stop_worker w
e2e_finish
