#!/usr/bin/env bash
# End-to-end tests of postgres-sink against a real Kafka broker and a real
# PostgreSQL server (scripts/postgres.sh): Debezium change events with
# schemas (creates, upserts, op d deletes, tombstones, truncate) into an
# auto-created table, hostile table and column names, 100,000 rows of
# throughput against COPY FROM, a SIGKILL of the worker mid-stream and a
# PostgreSQL restart mid-stream, each ending with the table identical to the
# expected one (md5 over the ordered rows); insert mode's COPY path with
# every character COPY escapes; the sink's connection terminated again and
# again mid-stream (retried, replayed, identical), and failures no retry
# mends (a role that does not exist, a missing table without auto.create)
# failing the task at once.
# E2E_PG_ROWS changes the throughput size (default 100000), E2E_PG_KILL_ROWS
# the size of the kill and restart scenarios (default 30000);
# (h) exactly once: insert mode with offsets.table, the worker SIGKILLed
# three times mid-stream: no duplicate key, the table exactly the expected
# one.
# E2E_SCENARIOS picks some of "a b c d e f g h".
source "$(dirname "$0")/lib.sh"

N_BENCH=${E2E_PG_ROWS:-100000}
N_KILL=${E2E_PG_KILL_ROWS:-30000}
SCENARIOS=${E2E_SCENARIOS:-a b c d e f g h}
GEN=$E2E_ROOT/tests/e2e/pg_sink_gen.py
PG_DIR=$E2E_TMP/pg

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

# q [-v NAME=VALUE]... SQL...: runs each SQL (a statement, or a psql
# backslash command) through psql's stdin, so :"name" and :'name' quote
# NAME's value as an identifier or literal; unaligned tuples only.
q() {
	local args=() sql=() s
	while (($#)); do
		case $1 in
		-v) args+=(-v "$2"); shift 2 ;;
		-c) sql+=("$2"); shift 2 ;;
		*) sql+=("$1"); shift ;;
		esac
	done
	for s in "${sql[@]}"; do
		if [[ $s == \\* ]]; then printf '%s\n' "$s"; else printf '%s;\n' "$s"; fi
	done | PGOPTIONS=-cclient_min_messages=warning psql -X -q -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
		-v ON_ERROR_STOP=1 "${args[@]}"
}

# table_md5 TABLE: md5 of the table's rows as text, ordered by id.
table_md5() {
	q -v t="$1" "SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x.id), '')) FROM :\"t\" x"
}

# load_expected TABLE EXPECTED_CSV: a table "<TABLE>_expected" like TABLE
# holding the CSV.
load_expected() {
	q -v t="$1" -v e="$1_expected" -c 'DROP TABLE IF EXISTS :"e"' \
		-c 'CREATE TABLE :"e" (LIKE :"t")' >/dev/null &&
		q "\\copy \"$1_expected\" FROM '$2' WITH (FORMAT csv)"
}

# wait_table TABLE TIMEOUT WORKER: waits until TABLE equals <TABLE>_expected.
wait_table() {
	local t=$1 deadline=$((SECONDS + $2)) want got
	want=$(table_md5 "${t}_expected") && [[ -n $want ]] || {
		echo "wait_table: no ${t}_expected table" >&2
		return 1
	}
	while :; do
		got=$(table_md5 "$t" 2>/dev/null)
		[[ $got == "$want" ]] && return 0
		if ((SECONDS >= deadline)); then
			echo "wait_table: $t differs from ${t}_expected after $2 s" \
				"($(q -v t="$t" -c 'SELECT count(*) FROM :"t"' 2>/dev/null) rows)" >&2
			return 1
		fi
		if [[ -n ${3:-} ]] && ! worker_alive "$3"; then
			echo "wait_table: worker $3 died" >&2
			tail -n 20 "$E2E_TMP/$3.log" >&2
			return 1
		fi
		sleep 0.3
	done
}

# wait_count TABLE N TIMEOUT: waits until TABLE has at least N rows.
wait_count() {
	local deadline=$((SECONDS + $3)) have
	while :; do
		have=$(q -v t="$1" -c 'SELECT count(*) FROM :"t"' 2>/dev/null || echo 0)
		((have >= $2)) && return 0
		((SECONDS >= deadline)) && { echo "wait_count: $have of $2 rows in $1" >&2; return 1; }
		sleep 0.02
	done
}

produce() { # TOPIC FILE
	kcat -P -b "$BOOTSTRAP" -t "$1" -K $'\t' -Z -l "$2"
}

worker_conf() { # FILE
	props "$1" \
		"bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.file.filename=$E2E_TMP/offsets.json" "listeners=http://127.0.0.1:0" \
		"offset.flush.interval.ms=1000" \
		"key.converter=json" "key.converter.schemas.enable=true" \
		"value.converter=json" "value.converter.schemas.enable=true" \
		"consumer.session.timeout.ms=6000" \
		"consumer.heartbeat.interval.ms=1000"
}

sink_conf() { # FILE NAME TOPICS [EXTRA...]
	local f=$1 name=$2 topics=$3
	shift 3
	props "$f" "name=$name" "connector.class=postgres-sink" "tasks.max=1" \
		"topics=$topics" "connection.url=postgresql://postgres@127.0.0.1:$PGPORT/postgres" \
		"insert.mode=upsert" "pk.mode=record_key" "auto.create=true" \
		"delete.enabled=true" "errors.retry.timeout=60000" "$@"
}

# (a) Debezium events: auto.create, upserts, op d, tombstones, truncate.
scenario_cdc() {
	local d=$E2E_TMP/a n=1000
	mkdir -p "$d"
	python3 "$GEN" cdc srv.public.orders "$n" "$d/orders.kv" "$d/orders.csv"
	python3 "$GEN" truncate srv.public.trunc "$d/trunc.kv"
	produce srv.public.orders "$d/orders.kv"
	produce srv.public.trunc "$d/trunc.kv"
	worker_conf "$d/worker.properties"
	# the JDBC class name and a jdbc: URL work as they are
	sink_conf "$d/sink.properties" e2e-pg-a srv.public.orders,srv.public.trunc \
		"connector.class=io.confluent.connect.jdbc.JdbcSinkConnector" \
		"connection.url=jdbc:postgresql://127.0.0.1:$PGPORT/postgres" \
		"connection.user=postgres"
	start_worker a "$d/worker.properties" "$d/sink.properties"
	check "a: orders table auto-created" wait_count orders 1 60
	load_expected orders "$d/orders.csv" >/dev/null
	check "a: orders equals the expected rows (upserts, op d, tombstones)" \
		wait_table orders 60 a
	check "a: $(wc -l <"$d/orders.csv") rows remain of $n" \
		test "$(q -c 'SELECT count(*) FROM orders')" = "$(wc -l <"$d/orders.csv")"
	check "a: column types from the schema" test "$(q -c "SELECT string_agg(column_name || ' ' ||
		data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_name = 'orders'")" = \
		"id integer NO, name text YES, price numeric YES, created timestamp without time zone YES, day date YES, active boolean YES, data jsonb YES, uid uuid YES, note text YES"
	check "a: primary key (id)" test "$(q -c "SELECT a.attname FROM pg_index i JOIN
		pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = 'orders'::regclass AND i.indisprimary")" = id
	check "a: truncate event emptied the table before the last 3 rows" \
		wait_count trunc 3 30
	check "a: trunc holds exactly ids 100..102" \
		test "$(q -c 'SELECT string_agg(id::text, $$,$$ ORDER BY id) FROM trunc')" = "100,101,102"
	check "a: worker exits 0 on SIGTERM" stop_worker a
}

# (b) Hostile table and column names, values that look like SQL.
scenario_hostile() {
	local d=$E2E_TMP/b table='Tab"le; DROP TABLE orders;--hostile'
	mkdir -p "$d"
	python3 "$GEN" hostile hostile "$d/h.kv"
	produce hostile "$d/h.kv"
	worker_conf "$d/worker.properties"
	sink_conf "$d/sink.properties" e2e-pg-b hostile "table.name.format=$table"
	start_worker b "$d/worker.properties" "$d/sink.properties"
	check "b: table with a hostile name holds 2 rows" wait_count "$table" 2 60
	sleep 1
	check "b: orders still exists" test "$(q -c "SELECT to_regclass('orders') IS NOT NULL")" = t
	check "b: hostile columns exist verbatim" test "$(q -v t="$table" -c \
		"SELECT string_agg(column_name, '|' ORDER BY ordinal_position) FROM
		information_schema.columns WHERE table_name = :'t'")" = \
		'id|a"b; DROP TABLE x|Select|col with space|ünïcødé'
	check "b: SQL-looking values stored verbatim, later upsert wins" \
		test "$(q -v t="$table" -c 'SELECT string_agg("Select", $$|$$ ORDER BY id) FROM :"t"')" = \
		"second|v2 '); DROP TABLE orders; --"
	check "b: worker exits 0 on SIGTERM" stop_worker b
}

# (c) Throughput: N_BENCH flat rows, upsert, against COPY FROM of the same.
scenario_bench() {
	local d=$E2E_TMP/c t0 t1 ms copy_ms
	mkdir -p "$d"
	python3 "$GEN" flat bench "$N_BENCH" "$d/bench.kv" "$d/bench.csv"
	produce bench "$d/bench.kv"
	worker_conf "$d/worker.properties"
	sink_conf "$d/sink.properties" e2e-pg-c bench
	start_worker c "$d/worker.properties" "$d/sink.properties"
	# the clock starts at the first row (after the consumer group join)
	wait_count bench 1 60 >/dev/null
	t0=$(date +%s%N)
	check "c: $N_BENCH rows arrive" wait_count bench "$N_BENCH" 180
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	load_expected bench "$d/bench.csv" >/dev/null
	check "c: bench equals the expected rows" wait_table bench 60 c
	check "c: worker exits 0 on SIGTERM" stop_worker c
	q -c 'CREATE TABLE bench_copy (LIKE bench INCLUDING ALL)' >/dev/null
	t0=$(date +%s%N)
	q -c "\\copy bench_copy FROM '$d/bench.csv' WITH (FORMAT csv)" >/dev/null
	t1=$(date +%s%N)
	copy_ms=$(((t1 - t0) / 1000000))
	log "c: postgres-sink: $N_BENCH rows in $ms ms ($((N_BENCH * 1000 / (ms ? ms : 1))) rows/s," \
		"from the first row on; Kafka consume and JSON decode included)"
	log "c: COPY FROM:     $N_BENCH rows in $copy_ms ms ($((N_BENCH * 1000 / (copy_ms ? copy_ms : 1))) rows/s)"
}

# (d) SIGKILL of the worker mid-stream, then a restart: exactly the
# expected table (upserts and deletes replayed from the committed offsets).
scenario_kill() {
	local d=$E2E_TMP/d
	mkdir -p "$d"
	python3 "$GEN" cdc srv.public.killed "$N_KILL" "$d/k.kv" "$d/k.csv"
	produce srv.public.killed "$d/k.kv"
	worker_conf "$d/worker.properties"
	sink_conf "$d/sink.properties" e2e-pg-d srv.public.killed
	start_worker d "$d/worker.properties" "$d/sink.properties"
	wait_count killed $((N_KILL / 3)) 120 || true
	kill_worker d KILL
	log "d: killed at $(q -c 'SELECT count(*) FROM killed') rows"
	load_expected killed "$d/k.csv" >/dev/null
	start_worker d "$d/worker.properties" "$d/sink.properties"
	check "d: after SIGKILL and restart the table is exactly the expected one" \
		wait_table killed 180 d
	check "d: worker exits 0 on SIGTERM" stop_worker d
}

# (e) PostgreSQL restarts mid-stream: the sink retries, replays the
# uncommitted rows and ends identical.
scenario_pg_restart() {
	local d=$E2E_TMP/e
	mkdir -p "$d"
	python3 "$GEN" cdc srv.public.bounced "$N_KILL" "$d/k.kv" "$d/k.csv"
	produce srv.public.bounced "$d/k.kv"
	worker_conf "$d/worker.properties"
	sink_conf "$d/sink.properties" e2e-pg-e srv.public.bounced
	start_worker e "$d/worker.properties" "$d/sink.properties"
	wait_count bounced $((N_KILL / 3)) 120 || true
	"$PG_SH" restart "$PG_DIR" >/dev/null
	log "e: postgres restarted at $(q -c 'SELECT count(*) FROM bounced') rows"
	load_expected bounced "$d/k.csv" >/dev/null
	check "e: after a PostgreSQL restart the table is exactly the expected one" \
		wait_table bounced 180 e
	check "e: the sink reconnected and replayed" grep -q "replaying\|connected to database" \
		"$E2E_TMP/e.log"
	check "e: worker exits 0 on SIGTERM" stop_worker e
}

# (f) insert mode, which streams through COPY FROM STDIN: text with every
# character COPY's text format escapes, empty strings and NULLs, arriving
# exactly and committed as soon as the sink caught up (the flush interval is
# 10 minutes); then a duplicate key fails the task with the server's reason.
scenario_copy() {
	local d=$E2E_TMP/f n=3000
	mkdir -p "$d"
	python3 "$GEN" copytext copytext "$n" "$d/c.kv" "$d/c.csv"
	produce copytext "$d/c.kv"
	worker_conf "$d/worker.properties"
	# a flush interval far beyond the test: rows can only show up because a
	# sink that caught up commits within ~100 ms
	echo "offset.flush.interval.ms=600000" >>"$d/worker.properties"
	sink_conf "$d/sink.properties" e2e-pg-f copytext "insert.mode=insert" \
		"pk.mode=record_value" "pk.fields=id" "delete.enabled=false"
	start_worker f "$d/worker.properties" "$d/sink.properties"
	check "f: copytext table auto-created" wait_count copytext 1 60
	load_expected copytext "$d/c.csv" >/dev/null
	check "f: $n inserted rows equal the expected ones (tabs, newlines, backslashes, \\N, '', NULL), committed long before the 10-minute flush interval" \
		wait_table copytext 30 f
	# the generator's NULLs: id % 10 == 7; empty strings: id % 30 == 6
	check "f: 300 NULLs and 100 empty strings stay apart" test \
		"$(q -c "SELECT count(*) FILTER (WHERE txt IS NULL) || '/' || count(*) FILTER (WHERE txt = '') FROM copytext")" = \
		"300/100"
	head -n 1 "$d/c.kv" >"$d/dup.kv"
	produce copytext "$d/dup.kv"
	check "f: a duplicate key fails the task, naming COPY, the table and SQLSTATE 23505" \
		wait_for 30 grep -q "COPY on table copytext failed with SQLSTATE 23505" "$E2E_TMP/f.log"
	check "f: worker exits 0 on SIGTERM" stop_worker f
}

# (g) pg_terminate_backend of the sink's connection, nine times while it
# writes: each is retried (SQLSTATE 57P01 or a lost connection; the task
# stays RUNNING, with the worker's default errors.retry.timeout) and the
# table ends identical. Then what no retry mends fails the task at once:
# a role that does not exist (28000), a missing table without auto.create
# (42P01).
scenario_transient_permanent() {
	local d=$E2E_TMP/g i
	mkdir -p "$d"
	python3 "$GEN" cdc srv.public.terminated "$N_KILL" "$d/k.kv" "$d/k.csv"
	split -n l/10 -d "$d/k.kv" "$d/part."
	produce srv.public.terminated "$d/part.00"
	worker_conf "$d/worker.properties"
	sink_conf "$d/sink.properties" e2e-pg-g srv.public.terminated
	sed -i '/errors.retry.timeout/d' "$d/sink.properties"
	start_worker g "$d/worker.properties" "$d/sink.properties"
	wait_count terminated 1 60 || true
	# each part comes after a termination: its put finds the connection gone
	for i in $(seq 1 9); do
		q -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'sluice' AND pid <> pg_backend_pid()" >/dev/null
		sleep 0.3
		produce srv.public.terminated "$d/part.0$i"
		sleep 0.3
	done
	log "g: sink connection terminated 9 times, at $(q -c 'SELECT count(*) FROM terminated') rows"
	load_expected terminated "$d/k.csv" >/dev/null
	check "g: after repeated terminations the table is exactly the expected one" \
		wait_table terminated 180 g
	check "g: the put or flush was retried, the task never failed" bash -c "
		grep -q '(retriable)' '$E2E_TMP/g.log' && ! grep -q 'task FAILED' '$E2E_TMP/g.log'"
	check "g: worker exits 0 on SIGTERM" stop_worker g

	sink_conf "$d/norole.properties" e2e-pg-g2 srv.public.terminated "connection.user=nobody"
	start_worker g2 "$d/worker.properties" "$d/norole.properties"
	check "g: a role that does not exist fails the task with 28000, no retries" wait_for 30 \
		bash -c "grep 'task FAILED' '$E2E_TMP/g2.log' | grep -q '28000: role \"nobody\"' &&
			! grep -q '(retriable)' '$E2E_TMP/g2.log'"
	stop_worker g2 10 >/dev/null 2>&1

	produce srv.public.nosuchtable "$d/k.kv"
	sink_conf "$d/notable.properties" e2e-pg-g3 srv.public.nosuchtable "auto.create=false"
	start_worker g3 "$d/worker.properties" "$d/notable.properties"
	check "g: a missing table without auto.create fails the task with 42P01, no retries" \
		wait_for 60 bash -c "grep 'task FAILED' '$E2E_TMP/g3.log' | grep -q 'SQLSTATE 42P01' &&
			! grep -q '(retriable)' '$E2E_TMP/g3.log'"
	stop_worker g3 10 >/dev/null 2>&1
}

# (h) insert mode keeps its positions in a table written with the rows
# (offsets.table): SIGKILLed three times mid-stream, it never inserts a row
# twice (a duplicate key would fail the task) and ends exactly right.
scenario_exactly_once() {
	local d=$E2E_TMP/h i n=$((N_KILL * 2))
	mkdir -p "$d"
	python3 "$GEN" copytext eos "$n" "$d/c.kv" "$d/c.csv"
	worker_conf "$d/worker.properties"
	# commits every few hundred ms while behind, so kills land between them
	sed -i 's/^offset.flush.interval.ms=.*/offset.flush.interval.ms=200/' "$d/worker.properties"
	sink_conf "$d/sink.properties" e2e-pg-h eos "insert.mode=insert" "pk.mode=record_value" \
		"pk.fields=id" "delete.enabled=false" "offsets.table=sluice_positions"
	# a quarter of the records at a time, the first three killed mid-way
	split -n l/4 -d "$d/c.kv" "$d/part."
	for i in 0 1 2; do
		produce eos "$d/part.0$i"
		start_worker h "$d/worker.properties" "$d/sink.properties"
		wait_count eos $((n * (2 * i + 1) / 8)) 60 || true
		kill_worker h KILL
		log "h: SIGKILL $((i + 1)) at $(q -c 'SELECT count(*) FROM eos') of $n rows"
	done
	# the consumer group's offsets lag the rows after a crash between the
	# COMMIT and the group's commit; at the extreme they are gone: the
	# table's positions must decide where the task starts
	local cp
	cat >"$d/DeleteGroup.java" <<'JAVA'
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
// Deletes a consumer group once its killed member's session has expired.
public class DeleteGroup {
	public static void main(String[] a) throws Exception {
		Properties p = new Properties();
		p.put("bootstrap.servers", a[0]);
		try (Admin admin = Admin.create(p)) {
			for (int i = 0;; i++) {
				try {
					admin.deleteConsumerGroups(List.of(a[1])).all().get();
					System.out.println("deleted " + a[1]);
					return;
				} catch (Exception e) {
					if (i == 60) throw e;
					Thread.sleep(500); // not empty yet
				}
			}
		}
	}
}
JAVA
	cp=$("$KAFKA_SH" classpath) &&
		java -cp "$cp" "$d/DeleteGroup.java" "$BOOTSTRAP" connect-e2e-pg-h >"$d/delete.txt" 2>&1
	check "h: the consumer group and its offsets are deleted" \
		grep -q "deleted connect-e2e-pg-h" "$d/delete.txt"
	# the last quarter comes only now: the task must get past the rows it
	# wrote before (from the group's start it would insert them again)
	produce eos "$d/part.03"
	load_expected eos "$d/c.csv" >/dev/null
	start_worker h "$d/worker.properties" "$d/sink.properties"
	check "h: after three SIGKILLs the table is exactly the expected one" wait_table eos 120 h
	check "h: no row was inserted twice (no duplicate key error, no failed flush)" \
		bash -c "! grep -q '23505\|flush.*failed\|task FAILED' '$E2E_TMP/h.log'"
	check "h: the positions table holds the end of the topic" test \
		"$(q -c "SELECT next_offset FROM sluice_positions WHERE connector = 'e2e-pg-h'")" = "$n"
	check "h: restarts read from the table's positions" \
		grep -q "starts at [1-9][0-9]*, the position the connector kept" "$E2E_TMP/h.log"
	check "h: worker exits 0 on SIGTERM" stop_worker h
}

for s in $SCENARIOS; do
	case $s in
	f) scenario_copy ;;
	a) scenario_cdc ;;
	b) scenario_hostile ;;
	c) scenario_bench ;;
	d) scenario_kill ;;
	e) scenario_pg_restart ;;
	g) scenario_transient_permanent ;;
	h) scenario_exactly_once ;;
	*) fail "unknown scenario $s" ;;
	esac
done
e2e_finish
