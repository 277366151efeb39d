#!/usr/bin/env bash
# End-to-end test of the whole CDC pipeline: PostgreSQL database src_X ->
# postgres-source -> a real Kafka broker -> postgres-sink -> database dst_X
# on the same server; one worker runs both connectors. Every scenario ends
# with the source and sink tables compared by query (md5 over the rows
# ordered by key on both sides), not by eye.
#   (a) snapshot + ~200,000 streamed row changes (one 100,000-row
#       transaction, hundreds of small mixed transactions, primary-key
#       changes, a TOASTed column with updates that leave it unchanged, a
#       TRUNCATE, a table with every mapped type): tables end identical.
#   (b) the same workload with the worker SIGKILLed once during the
#       snapshot of a larger pre-filled table and 3 times while streaming,
#       restarted each time with the same offset file.
#   (c) PostgreSQL restarted (scripts/postgres.sh restart) mid-stream while
#       the worker runs.
# Primary-key changes (a delete plus a create, as Debezium emits them), a
# REPLICA IDENTITY FULL table keyed by its primary key, and deletes of rows
# with NOT NULL non-key columns are part of every scenario.
# E2E_SCENARIOS picks some of "a b c"; E2E_PREFILL_B the size of (b)'s
# pre-filled table (default 200000).
source "$(dirname "$0")/lib.sh"

SCENARIOS=${E2E_SCENARIOS:-a b c}
PREFILL_B=${E2E_PREFILL_B:-200000}
PG_DIR=$E2E_TMP/pg
# Types whose values do not survive source -> Kafka -> sink (found by this
# test; printed and reported, excluded from the types table's comparison).
KNOWN_TYPE_DIFFS=${E2E_KNOWN_TYPE_DIFFS:-}

need kcat python3 psql md5sum
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi

start_pg pg PGPORT || {
	fail "start PostgreSQL"
	e2e_finish
}
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# q DB SQL: runs SQL (read from stdin when SQL is "-") in database DB;
# unaligned tuples only. Statements given at once run in one transaction
# only when they are one -c string, so the workloads go through stdin.
q() {
	local db=$1
	shift
	if [[ $1 == - ]]; then
		PGOPTIONS=-cclient_min_messages=warning psql -X -q -At -h 127.0.0.1 -p "$PGPORT" \
			-U postgres -d "$db" -v ON_ERROR_STOP=1
	else
		PGOPTIONS=-cclient_min_messages=warning psql -X -q -At -h 127.0.0.1 -p "$PGPORT" \
			-U postgres -d "$db" -v ON_ERROR_STOP=1 -c "$*"
	fi
}

# ---- the schema, the pre-existing rows and the workload (SQL) ----

# setup_src DB PREFILL: the source tables, with PREFILL rows in main and a
# few in the others (present before the worker starts: the snapshot).
# main.k is NOT NULL, so deletes' before carries a required non-key field.
setup_src() {
	local db=$1 prefill=$2 knull="NOT NULL"
	q postgres "CREATE DATABASE $db" && q postgres "CREATE DATABASE dst_${db#src_}" || return 1
	q "$db" - <<SQL
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'ünï cødé');
CREATE TABLE main (id int PRIMARY KEY, k int $knull, v text, n numeric(12,3), ts timestamptz);
-- An unchanged TOASTed value is not in pgoutput's new tuple; Debezium (and
-- postgres-source) then emit the placeholder __debezium_unavailable_value,
-- which the sink would write. REPLICA IDENTITY FULL puts the whole old row
-- (TOASTed values included) in the WAL, so the event carries the real value.
CREATE TABLE toast (id int PRIMARY KEY, small int, big text);
ALTER TABLE toast REPLICA IDENTITY FULL;
CREATE TABLE tr (id int PRIMARY KEY, v text);
CREATE TABLE pkchg (id int PRIMARY KEY, v text);
CREATE TABLE types (id int PRIMARY KEY, c_bool bool, c_int2 int2, c_int4 int4, c_int8 int8,
	c_float4 float4, c_float8 float8, c_numeric numeric(14,4), c_text text, c_varchar varchar(60),
	c_char char(8), c_bytea bytea, c_date date, c_time time, c_timestamp timestamp,
	c_timestamptz timestamptz, c_uuid uuid, c_json json, c_jsonb jsonb, c_int4arr int4[],
	c_textarr text[], c_enum mood);
-- ~9.6 kB of hex that compresses to ~5 kB: stored out of line (TOASTed)
CREATE FUNCTION big(s int) RETURNS text LANGUAGE sql VOLATILE AS
	\$\$ SELECT string_agg(md5(s::text || '/' || g || '/' || random()::text), '') FROM generate_series(1, 300) g \$\$;
CREATE FUNCTION ins_types(a int, b int) RETURNS void LANGUAGE sql AS \$\$
INSERT INTO types SELECT i,
	CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END,
	(i * 37 % 65536 - 32768)::int2,
	i * -1000003,
	i::int8 * 922337203685477,
	(i / 7.0)::float4,
	i::float8 / 3,
	round(i * 1.2345 - 300, 4),
	'text ' || i || E' ünïcødé \t tab "q" \\\\ back '' quote 😀 ' || repeat('x', i % 50),
	'vc' || i,
	('c' || i % 100)::char(8),
	decode(md5(i::text), 'hex') || '\\x00ff00'::bytea,
	date '1960-01-01' + i * 97,
	time '00:00:00' + i * interval '123.456789 s',
	timestamp '1965-06-15 12:00:00.123456' + i * interval '37 days 3.000007 s',
	timestamptz '1969-12-31 23:00:00.5+00' + i * interval '11 days 1.000001 s',
	md5(i::text)::uuid,
	json_build_object('i', i, 'nested', json_build_array(1, 'two', null, true), 's', 'ü "q"'),
	jsonb_build_object('i', i, 'f', i / 4.0, 'arr', jsonb_build_array(i, i + 1)),
	CASE WHEN i % 7 = 0 THEN '{}'::int4[] ELSE ARRAY[i, -i, NULL] END,
	ARRAY['a' || i, 'b,c', NULL, 'q"d', ''],
	(enum_range(NULL::mood))[1 + i % 4]
FROM generate_series(a, b) i
\$\$;
INSERT INTO main SELECT g, g % 1000, 'pre ' || g, g / 8.0, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 min'
	FROM generate_series(1, $prefill) g;
INSERT INTO toast SELECT g, g, big(g) FROM generate_series(1, 40) g;
INSERT INTO tr SELECT g, 'tr ' || g FROM generate_series(1, 1000) g;
INSERT INTO pkchg SELECT g, 'pk ' || g FROM generate_series(1, 200) g;
SELECT ins_types(1, 20);
-- edge values, and a row of NULLs
INSERT INTO types VALUES (-1, true, -32768, -2147483648, 9223372036854775807, 3.4e38, 1e300,
	-9999999999.9999, '', '', '', '\\x', '0001-01-01', '23:59:59.999999', '1900-01-01 00:00:00.000001',
	'2262-04-11 23:47:16.854775+00', '00000000-0000-0000-0000-000000000000',
	'{ "b" : 1,  "a" : [ ], "dup": 1, "dup": 2 }', '{"ü": "\\u00fc", "n": 1.50, "big": 12345678901234567890}',
	'{2147483647,-2147483648}', '{"{}","NULL","\\\\",""}', 'sad');
INSERT INTO types (id) VALUES (0);
SQL
}

# workload DB: ~200,000 row changes: one 100,000-row transaction, 400 small
# transactions (100 inserts, 80 updates, 20 deletes in main; TOAST rows
# updated with and without their big value; types rows inserted, updated
# and deleted; a TRUNCATE of tr in the middle), one 38,000-row update and
# 50 primary-key changes in pkchg. DELAY_MS pauses after each small transaction.
workload() {
	local db=$1 delay=${2:-0}
	q "$db" - <<SQL
INSERT INTO main SELECT g, g % 1000, 'big tx ' || g, g / 8.0, now() FROM generate_series(1000001, 1100000) g;
DO \$\$
DECLARE
	t int;
	b int;
BEGIN
	FOR t IN 1..400 LOOP
		b := 2000000 + t * 100;
		INSERT INTO main SELECT g, g % 1000, 'tx ' || t || ' row ' || g, g / 8.0, now()
			FROM generate_series(b, b + 99) g;
		UPDATE main SET k = k + 1, v = v || ' u' || t, n = n * 2 WHERE id BETWEEN 1000001 + t * 200 AND 1000001 + t * 200 + 79;
		DELETE FROM main WHERE id BETWEEN 1000101 + t * 200 AND 1000101 + t * 200 + 19;
		UPDATE toast SET small = small + 1 WHERE id = 1 + t % 40;       -- big unchanged (TOASTed)
		IF t % 10 = 0 THEN
			UPDATE toast SET big = big(t) WHERE id = 1 + (t / 10) % 40;
			INSERT INTO toast VALUES (1000 + t, t, big(t));
		END IF;
		IF t % 50 = 0 THEN
			DELETE FROM toast WHERE id = 1000 + t - 20;
		END IF;
		PERFORM ins_types(100 + t, 100 + t);
		IF t % 5 = 0 THEN
			UPDATE types SET c_text = c_text || ' upd', c_int4arr = c_int4arr || t,
				c_jsonb = c_jsonb || '{"u": 1}', c_timestamptz = NULL WHERE id = 100 + t - 3;
		END IF;
		IF t % 50 = 0 THEN
			DELETE FROM types WHERE id = 100 + t - 7;
		END IF;
		IF t = 200 THEN
			TRUNCATE tr;
			INSERT INTO tr SELECT g, 'after truncate ' || g FROM generate_series(1, 500) g;
		END IF;
		IF t > 200 AND t % 20 = 0 THEN
			UPDATE tr SET v = v || ' u' WHERE id % 20 = t % 400 / 20;
		END IF;
		COMMIT;
		IF $delay > 0 THEN
			PERFORM pg_sleep($delay / 1000.0);
		END IF;
	END LOOP;
END
\$\$;
-- primary-key changes (Debezium: delete + tombstone of the old key, create)
UPDATE pkchg SET id = id + 100000 WHERE id <= 50;
UPDATE pkchg SET v = v || ' upd' WHERE id > 150;
UPDATE main SET n = n + 1, ts = ts + interval '1 day' WHERE id % 4 = 0 AND id < 1100000;
SQL
}

# ---- configs ----

worker_conf() { # FILE OFFSETS
	props "$1" \
		"bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.file.filename=$2" "listeners=http://127.0.0.1:0" \
		"offset.flush.interval.ms=500" \
		"key.converter=json" "key.converter.schemas.enable=true" \
		"value.converter=json" "value.converter.schemas.enable=true" \
		"consumer.session.timeout.ms=6000" \
		"consumer.heartbeat.interval.ms=1000" \
		"consumer.topic.metadata.refresh.interval.ms=1000"
}

# pipeline_conf DIR X [TOAST_SINK_EXTRA...]: DIR/source.properties and
# three sink connectors for src_X -> topics pX.public.* -> dst_X: main,
# tr + types, toast. Separate sinks, so that a failed sink task (see the
# bugs below) does not stop the other tables.
pipeline_conf() {
	local d=$1 x=$2 sink
	shift 2
	props "$d/source.properties" "name=pipe-$x-source" "connector.class=postgres-source" \
		"database.hostname=127.0.0.1" "database.port=$PGPORT" "database.user=postgres" \
		"database.dbname=src_$x" "topic.prefix=p$x" "slot.name=slot_$x" \
		"publication.name=pub_$x" "publication.autocreate.mode=filtered" \
		"table.include.list=public\\.(main|toast|tr|types|pkchg)" \
		"snapshot.mode=initial" "skipped.operations=none" \
		"status.update.interval.ms=1000" "errors.retry.timeout=-1"
	sink() { # NAME TOPICS [EXTRA...]
		local name=$1 topics=$2
		shift 2
		props "$d/$name.properties" "name=pipe-$x-$name" "connector.class=postgres-sink" \
			"topics=$topics" \
			"connection.url=postgresql://postgres@127.0.0.1:$PGPORT/dst_$x" \
			"insert.mode=upsert" "pk.mode=record_key" "delete.enabled=true" \
			"auto.create=true" "errors.retry.timeout=-1" "$@"
	}
	sink sink-main "p$x.public.main"
	sink sink-other "p$x.public.tr,p$x.public.types,p$x.public.pkchg"
	sink sink-toast "p$x.public.toast" "$@"
	CONNECTORS=("$d/source.properties" "$d/sink-main.properties" "$d/sink-other.properties"
		"$d/sink-toast.properties")
}


# ---- comparison ----

# The types table column by column: "column|source expression|sink
# expression" (the sink's columns are of the mapped types: char -> text,
# json -> jsonb, arrays -> jsonb, enum -> text, so both sides are brought
# to one text form).
TYPE_COLS=(
	"c_bool|c_bool::text|c_bool::text"
	"c_int2|c_int2::text|c_int2::text"
	"c_int4|c_int4::text|c_int4::text"
	"c_int8|c_int8::text|c_int8::text"
	"c_float4|c_float4::text|c_float4::text"
	"c_float8|c_float8::text|c_float8::text"
	"c_numeric|c_numeric::text|c_numeric::text"
	"c_text|c_text|c_text::text"
	"c_varchar|c_varchar::text|c_varchar::text"
	"c_char|rpad(c_char::text, 8)|c_char::text"
	"c_bytea|encode(c_bytea, 'hex')|encode(c_bytea, 'hex')"
	"c_date|c_date::text|c_date::text"
	"c_time|c_time::text|c_time::text"
	"c_timestamp|c_timestamp::text|c_timestamp::text"
	"c_timestamptz|c_timestamptz::text|c_timestamptz::text"
	"c_uuid|c_uuid::text|c_uuid::text"
	"c_json|c_json::jsonb::text|c_json::jsonb::text"
	"c_jsonb|c_jsonb::text|c_jsonb::text"
	"c_int4arr|to_jsonb(c_int4arr)::text|c_int4arr::jsonb::text"
	"c_textarr|to_jsonb(c_textarr)::text|c_textarr::jsonb::text"
	"c_enum|c_enum::text|c_enum::text"
)

# types_md5s DB SIDE(2=source, 3=sink): one md5 per column, '|'-separated
# (the ids first).
types_md5s() {
	local db=$1 side=$2 c sel="md5(coalesce(string_agg(id::text, ',' ORDER BY id), ''))"
	for c in "${TYPE_COLS[@]}"; do
		sel+=" || '|' || md5(coalesce(string_agg(coalesce($(cut -d'|' -f"$side" <<<"$c"), '<NULL>'), E'\\n' ORDER BY id), ''))"
	done
	q "$db" "SELECT $sel FROM types" 2>/dev/null
}

# table_md5 DB TABLE: md5 of the rows as text ordered by id.
table_md5() {
	q "$1" "SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x.id), '')) || ' ' || count(*) FROM $2 x" 2>/dev/null
}

# pipeline_state X: one line describing every table of both sides.
pipeline_state() {
	local x=$1 t
	for t in main toast tr pkchg; do
		echo "$t src=$(table_md5 "src_$x" "$t") dst=$(table_md5 "dst_$x" "$t")"
	done
}

# tables_equal X TABLE...: true when each TABLE (main, toast, tr: whole
# rows; types: every column not in KNOWN_TYPE_DIFFS) is identical on both
# sides.
tables_equal() {
	local x=$1 t a b i name
	shift
	for t in "$@"; do
		if [[ $t != types ]]; then
			a=$(table_md5 "src_$x" "$t")
			b=$(table_md5 "dst_$x" "$t")
			[[ -n $a && $a == "$b" ]] || return 1
			continue
		fi
		IFS='|' read -ra a <<<"$(types_md5s "src_$x" 2)"
		IFS='|' read -ra b <<<"$(types_md5s "dst_$x" 3)"
		((${#a[@]} == ${#TYPE_COLS[@]} + 1 && ${#b[@]} == ${#a[@]})) || return 1
		[[ ${a[0]} == "${b[0]}" ]] || return 1
		for ((i = 0; i < ${#TYPE_COLS[@]}; i++)); do
			name=${TYPE_COLS[i]%%|*}
			[[ " $KNOWN_TYPE_DIFFS " == *" $name "* ]] && continue
			[[ ${a[i + 1]} == "${b[i + 1]}" ]] || return 1
		done
	done
	return 0
}

# report_types X: prints each types column that differs (and the sink's
# column types), so a type that does not round-trip is named.
report_types() {
	local x=$1 a b i name diff=()
	IFS='|' read -ra a <<<"$(types_md5s "src_$x" 2)"
	IFS='|' read -ra b <<<"$(types_md5s "dst_$x" 3)"
	[[ ${a[0]:-} == "${b[0]:-x}" ]] || log "$x: types: the sets of ids differ"
	for ((i = 0; i < ${#TYPE_COLS[@]}; i++)); do
		name=${TYPE_COLS[i]%%|*}
		[[ ${a[i + 1]:-} == "${b[i + 1]:-x}" ]] || diff+=("$name")
	done
	if ((${#diff[@]})); then
		log "$x: TYPE DIFFERS source vs sink: ${diff[*]} (known: ${KNOWN_TYPE_DIFFS:-none})"
		for name in "${diff[@]}"; do
			local c src dst
			for c in "${TYPE_COLS[@]}"; do [[ ${c%%|*} == "$name" ]] && break; done
			src=$(cut -d'|' -f2 <<<"$c")
			dst=$(cut -d'|' -f3 <<<"$c")
			log "$x:   $name source: $(q "src_$x" "SELECT string_agg(id || '=' || coalesce($src, '<NULL>'), '  ' ORDER BY id) FROM (SELECT * FROM types ORDER BY id LIMIT 3) s" | cut -c1-300)"
			log "$x:   $name sink:   $(q "dst_$x" "SELECT string_agg(id || '=' || coalesce($dst, '<NULL>'), '  ' ORDER BY id) FROM (SELECT * FROM types ORDER BY id LIMIT 3) s" | cut -c1-300)"
		done
	else
		log "$x: types: every column equal source vs sink"
	fi
}

# wait_equal X TIMEOUT WORKER [TABLE...]: waits until tables_equal X
# TABLE... (default: all four).
wait_equal() {
	local x=$1 timeout=$2 deadline=$((SECONDS + $2)) worker=${3:-}
	shift 3
	local tables=("$@")
	((${#tables[@]})) || tables=(main toast tr types pkchg)
	while :; do
		tables_equal "$x" "${tables[@]}" && return 0
		if ((SECONDS >= deadline)); then
			echo "wait_equal: $x: tables differ after $timeout s:" >&2
			pipeline_state "$x" >&2
			report_types "$x" >&2
			return 1
		fi
		# a failed sink task of one of these tables stays failed: stop early
		local t sk failed
		for t in "${tables[@]}"; do
			case $t in main) sk=sink-main ;; toast) sk=sink-toast ;; *) sk=sink-other ;; esac
			failed=$(grep -F "[pipe-$x-$sk/0] task FAILED" "$E2E_TMP/$worker.log" 2>/dev/null | tail -n 1)
			if [[ -n $failed ]]; then
				echo "wait_equal: $x: $t: $failed" >&2
				pipeline_state "$x" >&2
				return 1
			fi
		done
		if [[ -n $worker ]] && ! worker_alive "$worker"; then
			echo "wait_equal: worker $worker died" >&2
			tail -n 20 "$E2E_TMP/$worker.log" >&2
			return 1
		fi
		sleep 1
	done
}

# wait_log WORKER TEXT TIMEOUT: waits until the worker's log has TEXT.
wait_log() {
	local deadline=$((SECONDS + $3))
	until grep -qF -- "$2" "$E2E_TMP/$1.log" 2>/dev/null; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}

# ---- scenarios ----

scenario_a() {
	local d=$E2E_TMP/a t0=$SECONDS
	mkdir -p "$d"
	setup_src src_a 20000 || { fail "a: set up the source database"; return; }
	worker_conf "$d/worker.properties" "$d/offsets.json"
	pipeline_conf "$d" a
	start_worker a "$d/worker.properties" "${CONNECTORS[@]}"
	wait_log a "streaming from slot" 60 || true
	log "a: workload starts"
	check "a: the workload (~200,000 row changes) commits" workload src_a
	log "a: workload done after $((SECONDS - t0)) s: $(q src_a 'SELECT count(*) FROM main') rows in main"
	check "a: the toast table's big values are stored out of line" test \
		"$(q src_a "SELECT pg_relation_size(reltoastrelid) > 100000 FROM pg_class WHERE relname = 'toast'")" = t
	check "a: tr (TRUNCATE) and types (every mapped type) end identical" \
		wait_equal a 150 a tr types
	check "a: main (100,000-row transaction, updates, deletes) ends identical" \
		wait_equal a 60 a main
	check "a: the REPLICA IDENTITY FULL table with TOASTed values ends identical" \
		wait_equal a 10 a toast
	check "a: pkchg (50 primary-key changes) ends identical" wait_equal a 10 a pkchg
	log "a: compared after $((SECONDS - t0)) s"
	pipeline_state a
	report_types a
	log "a: sink column types: $(q dst_a "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'types'")"
	check "a: the TRUNCATE reached the sink (tr holds only the 500 rows written after it)" test \
		"$(q dst_a "SELECT count(*) || ' ' || count(*) FILTER (WHERE v LIKE 'after truncate%') FROM tr")" = "500 500"
	check "a: no unavailable-value placeholder reached the sink" test \
		"$(q dst_a "SELECT count(*) FROM toast WHERE big LIKE '%__debezium_unavailable_value%'")" = 0
	check "a: the enum column's schema lists its labels in order (Debezium's \"allowed\")" \
		grep -qF '"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"sad,ok,happy,ünï cødé"},"field":"c_enum"' \
		<(kcat -C -b "$BOOTSTRAP" -t pa.public.types -c 1 -e -q)
	check "a: worker exits 0 on SIGTERM" stop_worker a
}

# snapshot_unfinished OFFSETS LOG: the stored offset is a snapshot's, not
# its last record's, and the worker had not started streaming.
snapshot_unfinished() {
	grep -q '"snapshot": *true' "$1" && ! grep -q '"last_snapshot_record": *true' "$1" &&
		! grep -q 'streaming from slot' "$2"
}

scenario_b() {
	local d=$E2E_TMP/b t0=$SECONDS i writer snap_state
	mkdir -p "$d"
	setup_src src_b "$PREFILL_B" || { fail "b: set up the source database"; return; }
	worker_conf "$d/worker.properties" "$d/offsets.json"
	pipeline_conf "$d" b
	start_worker b "$d/worker.properties" "${CONNECTORS[@]}"
	# kill once the snapshot has stored progress but before its end
	local deadline=$((SECONDS + 60))
	until grep -q '"snapshot": *true' "$d/offsets.json" 2>/dev/null || ((SECONDS >= deadline)); do
		sleep 0.05
	done
	kill_worker b KILL
	cp "$d/offsets.json" "$d/offsets-at-kill.json" 2>/dev/null || : >"$d/offsets-at-kill.json"
	snap_state=$(tr -d ' \n' <"$d/offsets-at-kill.json")
	log "b: worker killed (SIGKILL) during the snapshot; offsets: $snap_state;" \
		"$(q dst_b 'SELECT count(*) FROM main' 2>/dev/null || echo 0) rows in the sink's main"
	check "b: the kill landed during the snapshot (no last_snapshot_record stored)" \
		snapshot_unfinished "$d/offsets-at-kill.json" "$E2E_TMP/b.log"
	start_worker b "$d/worker.properties" "${CONNECTORS[@]}"
	wait_log b "streaming from slot" 120 || true
	workload src_b 10 >"$d/workload.out" 2>&1 &
	writer=$!
	E2E_PIDS+=("$writer")
	for i in 1 2 3; do
		sleep "$(rand_between 3 6)"
		kill_worker b KILL
		log "b: worker killed (SIGKILL) #$i while streaming;" \
			"$(q dst_b 'SELECT count(*) FROM main') rows in the sink's main"
		sleep 0.5
		start_worker b "$d/worker.properties" "${CONNECTORS[@]}"
	done
	wait "$writer"
	check "b: the workload commits" test $? = 0
	forget_pid "$writer"
	log "b: workload done after $((SECONDS - t0)) s"
	check "b: after 1 SIGKILL in the snapshot and 3 while streaming the tables end identical" \
		wait_equal b 150 b
	log "b: compared after $((SECONDS - t0)) s"
	pipeline_state b
	report_types b
	check "b: the snapshot was taken again after the kill" \
		test "$(grep -c 'snapshot done' "$E2E_TMP/b.log")" -ge 1 -a \
		"$(grep -c '\] snapshot of ' "$E2E_TMP/b.log")" -ge 2
	check "b: worker exits 0 on SIGTERM" stop_worker b
}

scenario_c() {
	local d=$E2E_TMP/c t0=$SECONDS
	mkdir -p "$d"
	setup_src src_c 20000 || { fail "c: set up the source database"; return; }
	worker_conf "$d/worker.properties" "$d/offsets.json"
	pipeline_conf "$d" c
	start_worker c "$d/worker.properties" "${CONNECTORS[@]}"
	wait_log c "streaming from slot" 60 || true
	# the 100,000-row transaction and the small ones: the restart comes
	# while the pipeline is still working through them
	workload src_c
	local lag
	# before the sink's first write the table does not exist yet: 0 rows
	lag=$(q dst_c 'SELECT count(*) FROM main' 2>/dev/null || true)
	[[ $lag =~ ^[0-9]+$ ]] || lag=0
	"$PG_SH" restart "$PG_DIR" >/dev/null
	log "c: postgres restarted after the workload committed with $lag of" \
		"$(q src_c 'SELECT count(*) FROM main') rows in the sink's main"
	check "c: the restart came mid-stream (the sink had not caught up)" \
		test "$lag" -lt "$(q src_c 'SELECT count(*) FROM main')"
	q src_c - <<'SQL'
INSERT INTO main SELECT g, g, 'after restart', 1, now() FROM generate_series(9000001, 9010000) g;
UPDATE main SET v = 'after restart upd' WHERE id % 3 = 0;
DELETE FROM main WHERE id % 7 = 0;
UPDATE toast SET small = small + 100;
SQL
	check "c: after a PostgreSQL restart mid-stream the tables end identical" wait_equal c 150 c
	log "c: compared after $((SECONDS - t0)) s"
	pipeline_state c
	check "c: the source reconnected (streaming started again)" \
		test "$(grep -c 'streaming from slot' "$E2E_TMP/c.log")" -ge 2
	check "c: worker exits 0 on SIGTERM" stop_worker c
}

T_START=$SECONDS
for s in $SCENARIOS; do
	ts=$SECONDS
	case $s in
	a) scenario_a ;;
	b) scenario_b ;;
	c) scenario_c ;;
	*) fail "unknown scenario $s" ;;
	esac
	log "scenario $s took $((SECONDS - ts)) s"
done
log "all scenarios took $((SECONDS - T_START)) s"
e2e_finish
