# shellcheck shell=bash
# The PostgreSQL workloads, on one throwaway server (scripts/postgres.sh,
# fsync on) beside the benchmark's broker. The spec is "postgres" (every
# direction) or "postgres:DIRECTIONS", a comma list of:
#
#   cdc       BENCH_PG_CHANGES row changes (60 % inserts, 30 % updates, 10 %
#             deletes in transactions of 1,000), written before the run and
#             retained by a replication slot per run, streamed to a topic:
#               limit  pg_recvlogical (pgoutput) into /dev/null, timed to
#                      its exit at the end of the changes (--endpos);
#               anchor Debezium's PostgresConnector on Kafka Connect;
#               anchor0 the same with Kafka Connect's client defaults
#                      (connect_worker, bench/lib.sh);
#               sluice postgres-source, running the very same connector file.
#   cdc-unwrap the same changes and contestants as cdc, with Debezium's
#             ExtractNewRecordState (transforms=unwrap, its defaults: a delete
#             becomes a tombstone) in the connector file; no limit (cdc's).
#   latency   inserts paced at BENCH_PG_LATENCY_RATE rows/s for
#             BENCH_PG_LATENCY_SECS s (BENCH_PG_LATENCY_TX rows per
#             transaction) while the connector streams; commit-to-Kafka
#             latency per event (kbench latency) into latency.tsv. No limit.
#   snapshot  the initial snapshot (snapshot.mode=initial_only) of a table of
#             BENCH_PG_SNAPSHOT_ROWS rows into a topic; the limit does at
#             once what sluice does one after the other: COPY ... TO STDOUT
#             into /dev/null (psql) and the bare producer (kbench) writing
#             the same events (snapshot_events: their shape and size, made
#             once by awk) from a file into a topic; its time is the
#             slower of the two.
#   snapshot-lz4 the same snapshot with every contestant's producer
#             compressing its batches with LZ4 (producer.compression.type=lz4;
#             the limit's kbench compression.type=lz4): the broker writes a
#             fraction of the bytes to its log, which is the snapshot's bound
#             on these 2 cores (docs/benchmarks.md).
#   sink      BENCH_PG_SINK_ROWS records (JSON with schemas, flat structs)
#             from a topic into a new table, insert mode, primary key id:
#               limit  psql \copy FROM a CSV file of the same rows;
#               sluice postgres-sink.
#             No anchor: Debezium's JDBC sink (io.debezium:
#             debezium-connector-jdbc) is not served by Maven Central here,
#             and Confluent's is not on Maven Central at all.
#   sink-upsert the same records into a table holding the odd ids below
#             BENCH_PG_SINK_ROWS already (half the keys, with other values),
#             insert.mode=upsert, primary key id:
#               limit  psql: \copy FROM the CSV into a temporary table, then
#                      INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE, in
#                      one transaction;
#               sluice postgres-sink.
#
# The source events are JSON without schemas (the common Debezium set-up
# and the least bytes per event), tombstones off; both source connectors get
# the same producer settings as in the file workloads.

BENCH_DEFAULT_WORKLOADS+=("postgres:cdc,latency,snapshot,snapshot-lz4,sink,sink-upsert")
BENCH_PG_CHANGES=${BENCH_PG_CHANGES:-1000000}
BENCH_PG_SNAPSHOT_ROWS=${BENCH_PG_SNAPSHOT_ROWS:-5000000}
BENCH_PG_SINK_ROWS=${BENCH_PG_SINK_ROWS:-1000000}
BENCH_PG_LATENCY_RATE=${BENCH_PG_LATENCY_RATE:-20000}
BENCH_PG_LATENCY_SECS=${BENCH_PG_LATENCY_SECS:-10}
BENCH_PG_LATENCY_TX=${BENCH_PG_LATENCY_TX:-20}

PG_DIR=
PG_PREPARED=

postgres_stop()
{
	[[ -n $PG_DIR ]] || return 0
	"$ROOT/scripts/postgres.sh" stop "$PG_DIR/pg" || true
	rm -rf "$PG_DIR"
	PG_DIR=
}

# psql_q SQL...: runs SQL on the benchmark database, quietly, stopping at
# the first error.
psql_q()
{
	psql -X -q -v ON_ERROR_STOP=1 "$PG_CONNINFO" "$@"
}

# psql_v SQL: the value of a one-value query.
psql_v()
{
	psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_CONNINFO" -c "$1"
}

postgres_prepare()
{
	local dirs=cdc,latency,snapshot,snapshot-lz4,sink,sink-upsert
	[[ $1 == postgres:* ]] && dirs=${1#postgres:}
	IFS=, read -r -a WL_DIRECTIONS <<<"$dirs"
	WL_NAME=postgres
	WL_DESC=$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$BENCH_PG_CHANGES row changes (cdc); $BENCH_PG_SNAPSHOT_ROWS-row table (snapshot; snapshot-lz4: every producer compressing with LZ4); $BENCH_PG_SINK_ROWS records into a table (sink; sink-upsert: onto half of their keys); $BENCH_PG_LATENCY_RATE rows/s for $BENCH_PG_LATENCY_SECS s (latency)")
	WL_LIMIT="cdc: pg_recvlogical (pgoutput); snapshot: psql COPY TO and, at the same time, kbench producing the same events from a file; snapshot-lz4: the same, kbench with compression.type=lz4; sink: psql \\copy FROM; sink-upsert: psql \\copy FROM into a temporary table + INSERT ... ON CONFLICT DO UPDATE"
	WL_ANCHOR="Debezium $DEBEZIUM_VERSION PostgresConnector on Kafka Connect $CONNECT_VERSION"
	WL_ANCHOR_DEFAULTS=1
	CONNECT_CP=$("$BENCH_DIR/connect.sh" fetch-debezium) || die "could not fetch Debezium"
	CONNECT_CP_DESC="connect-runtime, connect-json $CONNECT_VERSION, debezium-connector-postgres $DEBEZIUM_VERSION and dependencies"
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-pg.XXXXXX")
	on_exit postgres_stop
	PG_PORT=$("$ROOT/scripts/postgres.sh" start "$PG_DIR/pg") || die "PostgreSQL did not start"
	PG_CONNINFO="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
	# A replication slot per run of the cdc direction; big bulk loads
	# without a checkpoint storm between the runs.
	psql_q -c "ALTER SYSTEM SET max_replication_slots = 64" \
		-c "ALTER SYSTEM SET max_wal_senders = 16" \
		-c "ALTER SYSTEM SET max_wal_size = '16GB'" || return 1
	"$ROOT/scripts/postgres.sh" restart "$PG_DIR/pg" >/dev/null || die "PostgreSQL did not restart"
	PG_PID=$(cat "$PG_DIR/pg/postgres.pid")
	local t cols="id bigint PRIMARY KEY, name text NOT NULL, qty int NOT NULL, price numeric(12,2) NOT NULL, created timestamptz NOT NULL"
	for t in cdc snap lat; do
		psql_q -c "CREATE TABLE $t ($cols)" || return 1
	done
	psql_q -c "CREATE TABLE cdc_end (id int PRIMARY KEY)" \
		-c "CREATE PUBLICATION bench_cdc FOR TABLE cdc, cdc_end" \
		-c "CREATE PUBLICATION bench_snap FOR TABLE snap" \
		-c "CREATE PUBLICATION bench_lat FOR TABLE lat" || return 1
	PG_PREPARED=
	log "PostgreSQL $(psql_v 'SHOW server_version') on port $PG_PORT (pid $PG_PID)"
}

# ---- data of each direction, made before its first run ---------------------

# The changes, retained by one slot per run (created before them), and the
# LSN at their end (CDC_ENDPOS): pg_recvlogical stops at the marker
# transaction written after it.
postgres_data_cdc()
{
	local rep who slot slots=()
	for ((rep = 1; rep <= BENCH_REPS; rep++)); do
		for who in limit anchor anchor0 sluice; do
			slots+=("cdc_${who}_$rep")
			[[ $who != limit && " ${WL_DIRECTIONS[*]} " == *" cdc-unwrap "* ]] &&
				slots+=("cdcu_${who}_$rep")
		done
	done
	for slot in "${slots[@]}"; do
		psql_q -c "SELECT pg_create_logical_replication_slot('$slot', 'pgoutput')" \
			>/dev/null || return 1
	done
	local n=$BENCH_PG_CHANGES ins upd del
	ins=$((n * 6 / 10)) upd=$((n * 3 / 10))
	del=$((n - ins - upd))
	log "writing $n row changes"
	awk -v ins="$ins" -v upd="$upd" -v del="$del" 'BEGIN {
		for (a = 1; a <= ins; a += 1000) {
			b = a + 999 > ins ? ins : a + 999
			printf "INSERT INTO cdc SELECT g, %s, g %% 1000, (g %% 100000) / 100.0, now() FROM generate_series(%d, %d) g;\n", "'\''name-'\'' || g", a, b
		}
		for (a = 1; a <= upd; a += 1000) {
			b = a + 999 > upd ? upd : a + 999
			printf "UPDATE cdc SET qty = qty + 1, name = name || %s WHERE id BETWEEN %d AND %d;\n", "'\''u'\''", a, b
		}
		for (a = ins - del + 1; a <= ins; a += 1000) {
			b = a + 999 > ins ? ins : a + 999
			printf "DELETE FROM cdc WHERE id BETWEEN %d AND %d;\n", a, b
		}
	}' | psql_q -f - || return 1
	CDC_ENDPOS=$(psql_v "SELECT pg_current_wal_insert_lsn()")
	psql_q -c "INSERT INTO cdc_end VALUES (1)" || return 1
}

postgres_data_snapshot()
{
	log "writing the $BENCH_PG_SNAPSHOT_ROWS-row table"
	psql_q -c "INSERT INTO snap SELECT g, 'name-' || g, g % 1000, (g % 100000) / 100.0, now() FROM generate_series(1, $BENCH_PG_SNAPSHOT_ROWS) g" \
		-c "VACUUM ANALYZE snap" || return 1
	snapshot_events
}

# The limit's Kafka half: the snapshot's events as "KEY<TAB>VALUE" lines
# (SNAP_EVENTS), of the very shape and size of the events of each row
# (Debezium's, JSON without schemas: the key {"id":N}, the price's
# unscaled value in base64 as Kafka Connect's Decimal), made once by awk,
# not by a contestant.
snapshot_events()
{
	local n=$BENCH_PG_SNAPSHOT_ROWS
	SNAP_EVENTS=$OUT/data/pg-snapshot-events-$n.tsv
	[[ -s $SNAP_EVENTS ]] && return 0
	mkdir -p "$OUT/data"
	log "writing the $n snapshot events of the limit"
	awk -v n="$n" 'BEGIN {
		b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		src = "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\"," \
			"\"name\":\"bench-pg-snapshot-sluice-1-000000\",\"ts_ms\":1796572373159," \
			"\"snapshot\":\"true\",\"db\":\"postgres\",\"sequence\":\"[null,\\\"870121664\\\"]\"," \
			"\"ts_us\":1796572373159000,\"ts_ns\":1796572373159000000,\"schema\":\"public\"," \
			"\"table\":\"snap\",\"txId\":729,\"lsn\":870121664,\"xmin\":null," \
			"\"origin\":null,\"origin_lsn\":null}"
		tail = ",\"transaction\":null,\"op\":\"r\",\"ts_ms\":1796572373165," \
			"\"ts_us\":1796572373165237,\"ts_ns\":1796572373165237208}"
		for (i = 1; i <= n; i++) {
			u = i % 100000 # the unscaled price, big-endian, in the fewest bytes
			nb = u < 128 ? 1 : u < 32768 ? 2 : 3
			w = u * (nb == 1 ? 65536 : nb == 2 ? 256 : 1)
			price = substr(b64, int(w / 262144) % 64 + 1, 1) substr(b64, int(w / 4096) % 64 + 1, 1)
			price = price (nb > 1 ? substr(b64, int(w / 64) % 64 + 1, 1) : "=")
			price = price (nb > 2 ? substr(b64, w % 64 + 1, 1) : "=")
			printf "{\"id\":%d}\t{\"before\":null,\"after\":{\"id\":%d,\"name\":\"name-%d\",\"qty\":%d,\"price\":\"%s\",\"created\":\"2026-12-06T15:52:16.048033Z\"},%s%s\n",
				i, i, i, i % 1000, price, src, tail
		}
	}' >"$SNAP_EVENTS.tmp" && mv "$SNAP_EVENTS.tmp" "$SNAP_EVENTS"
}

# The sink's input: a topic of JSON records with schemas, filled once by the
# bare producer, and the same rows as CSV for COPY.
postgres_data_sink()
{
	local n=$BENCH_PG_SINK_ROWS
	SINK_TOPIC=bench-pg-sink-$RUN_ID
	SINK_JSON=$OUT/data/pg-sink-$n.json
	SINK_CSV=$OUT/data/pg-sink-$n.csv
	mkdir -p "$OUT/data"
	if [[ ! -s $SINK_JSON || ! -s $SINK_CSV ]]; then
		awk -v n="$n" -v json="$SINK_JSON" -v csv="$SINK_CSV" 'BEGIN {
			schema = "{\"type\":\"struct\",\"optional\":false,\"name\":\"bench.row\",\"fields\":[" \
				"{\"field\":\"id\",\"type\":\"int64\",\"optional\":false}," \
				"{\"field\":\"name\",\"type\":\"string\",\"optional\":false}," \
				"{\"field\":\"qty\",\"type\":\"int32\",\"optional\":false}," \
				"{\"field\":\"price\",\"type\":\"double\",\"optional\":false}," \
				"{\"field\":\"created\",\"type\":\"int64\",\"optional\":false}]}"
			for (i = 1; i <= n; i++) {
				price = (i % 100000) / 100.0
				printf "{\"schema\":%s,\"payload\":{\"id\":%d,\"name\":\"name-%d\",\"qty\":%d,\"price\":%.2f,\"created\":%d}}\n",
					schema, i, i, i % 1000, price, 1700000000000 + i >json
				printf "%d,name-%d,%d,%.2f,%d\n", i, i, i % 1000, price, 1700000000000 + i >csv
			}
		}' || return 1
	fi
	"$KBENCH" "$BOOTSTRAP" create-topic "$SINK_TOPIC" 1 || return 1
	"$KBENCH" "$BOOTSTRAP" produce "$SINK_JSON" "$SINK_TOPIC" 2>/dev/null || return 1
	SINK_BYTES=$(stat -c %s "$SINK_JSON")
	SINK_BYTES=$((SINK_BYTES - n))
}

# ---- config files ------------------------------------------------------------

# postgres_worker WHO FILE SCHEMAS: the worker file of Kafka Connect or
# sluice with JSON converters (SCHEMAS: schemas.enable of the values).
postgres_worker()
{
	local who=$1 f=$2 schemas=$3
	if [[ $who == anchor* ]]; then connect_worker "$f" "$who"; else sluice_worker "$f"; fi
	sed -i '/converter=/d' "$f"
	printf '%s\n' "key.converter=org.apache.kafka.connect.json.JsonConverter" \
		"key.converter.schemas.enable=false" \
		"value.converter=org.apache.kafka.connect.json.JsonConverter" \
		"value.converter.schemas.enable=$schemas" >>"$f"
}

# pg_source_connector FILE NAME SLOT PUBLICATION TABLE PREFIX SNAPSHOT_MODE:
# a Debezium PostgresConnector file (sluice runs it unchanged).
pg_source_connector()
{
	printf '%s\n' "name=$2" "connector.class=io.debezium.connector.postgresql.PostgresConnector" \
		"tasks.max=1" "database.hostname=127.0.0.1" "database.port=$PG_PORT" \
		"database.user=postgres" "database.password=bench" "database.dbname=postgres" \
		"plugin.name=pgoutput" "slot.name=$3" "publication.name=$4" \
		"publication.autocreate.mode=disabled" "table.include.list=public.$5" \
		"topic.prefix=$6" "snapshot.mode=$7" "tombstones.on.delete=false" >"$1"
}

# ---- runs --------------------------------------------------------------------

# Waits until the slot of a run exists and a walsender streams it.
slot_active()
{
	local i
	for ((i = 0; i < 600; i++)); do
		[[ $(psql_v "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'") == t ]] && return 0
		sleep 0.1
	done
	return 1
}

# Drops a run's slot once its connector has let go of it.
drop_slot()
{
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(psql_v "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'") == t ]] || break
		sleep 0.1
	done
	psql_q -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$1'" >/dev/null
}

# The paced load of the latency direction (measure --with).
latency_load()
{
	slot_active "$LAT_SLOT" || { echo "slot $LAT_SLOT never became active"; return 1; }
	sleep 1 # the connector is past its start-up
	"$PGPROBE" "$PG_CONNINFO" load lat "$BENCH_PG_LATENCY_RATE" "$BENCH_PG_LATENCY_SECS" \
		"$BENCH_PG_LATENCY_TX"
}

# postgres_run DIRECTION CONTESTANT REP
postgres_run()
{
	local dir=$1 who=$2 rep=$3
	[[ $who == anchor0 && $dir == sink* ]] && return 2 # no anchor for the sinks (see the top)
	local data=${dir%-unwrap} # cdc-unwrap streams cdc's changes
	data=${data%-upsert}      # sink-upsert writes sink's records
	data=${data%-lz4}         # snapshot-lz4 reads snapshot's table
	if [[ ,$PG_PREPARED, != *",$data,"* ]]; then # once, when the direction has data
		if declare -F "postgres_data_$data" >/dev/null; then
			"postgres_data_$data" || die "preparing the $data data failed"
		fi
		PG_PREPARED+=,$data
	fi
	local row="$WL_NAME	$dir	$who	$rep" name=bench-pg-$dir-$who-$rep-$RUN_ID
	local rc=0 topic slot prefix n daemon=--daemon compression=
	prefix=bench-pg-$dir-$who-$rep-$RUN_ID
	case $dir in
	cdc)
		n=$BENCH_PG_CHANGES slot=cdc_${who}_$rep topic=$prefix.public.cdc
		if [[ $who == limit ]]; then
			CMD=(pg_recvlogical -d "$PG_CONNINFO" -S "$slot" --start --endpos="$CDC_ENDPOS"
				--no-loop -o proto_version=1 -o publication_names=bench_cdc -f /dev/null)
			measure "$row" exit - "$n" 0 -- "${CMD[@]}" || rc=1
			drop_slot "$slot"
			return "$rc"
		fi
		pg_source_connector "$RUN_DIR/connector.properties" "$name" "$slot" bench_cdc cdc \
			"$prefix" no_data
		;;
	cdc-unwrap)
		[[ $who == limit ]] && return 2
		n=$BENCH_PG_CHANGES slot=cdcu_${who}_$rep topic=$prefix.public.cdc
		pg_source_connector "$RUN_DIR/connector.properties" "$name" "$slot" bench_cdc cdc \
			"$prefix" no_data
		printf '%s\n' "transforms=unwrap" \
			"transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState" \
			>>"$RUN_DIR/connector.properties"
		;;
	latency)
		[[ $who == limit ]] && return 2
		n=$((BENCH_PG_LATENCY_RATE * BENCH_PG_LATENCY_SECS)) slot=lat_${who}_$rep
		topic=$prefix.public.lat LAT_SLOT=$slot
		pg_source_connector "$RUN_DIR/connector.properties" "$name" "$slot" bench_lat lat \
			"$prefix" no_data
		;;
	snapshot | snapshot-lz4)
		n=$BENCH_PG_SNAPSHOT_ROWS slot=snap_${who}_$rep topic=$prefix.public.snap
		[[ $dir == snapshot-lz4 ]] && compression=lz4
		if [[ $who == limit ]]; then
			# The database's fastest read and the bare producer's write
			# of the same events, at once: COPY TO and kbench.
			"$KBENCH" "$BOOTSTRAP" create-topic "$topic" 1 || return 1
			CMD=(bash -c 'psql -X -q -o /dev/null "$1" -c "COPY snap TO STDOUT" & p=$!
				KBENCH_CONF=${6:+compression.type=$6} "$2" "$3" produce "$4" "$5" keyed || exit 1
				wait "$p"' limit "$PG_CONNINFO" "$KBENCH" "$BOOTSTRAP" "$SNAP_EVENTS" "$topic"
				"$compression")
			measure "$row" topic "$topic" "$n" 0 -- "${CMD[@]}"
			return
		fi
		pg_source_connector "$RUN_DIR/connector.properties" "$name" "$slot" bench_snap snap \
			"$prefix" initial_only
		;;
	sink | sink-upsert)
		postgres_sink_run "$dir" "$who" "$rep" "$row" "$name"
		return
		;;
	esac
	# A source connector: into a topic of one partition (LogAppendTime for
	# the latency).
	local tconf=()
	[[ $dir == latency ]] && tconf=(message.timestamp.type=LogAppendTime)
	"$KBENCH" "$BOOTSTRAP" create-topic "$topic" 1 "${tconf[@]}" || return 1
	postgres_worker "$who" "$RUN_DIR/worker.properties" false
	if [[ -n $compression ]]; then # every contestant's producer, anchor0's too
		sed -i '/^producer\.compression\.type=/d' "$RUN_DIR/worker.properties"
		echo "producer.compression.type=$compression" >>"$RUN_DIR/worker.properties"
	fi
	if [[ $who == anchor* ]]; then
		connect_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
	else
		sluice_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
	fi
	local with=()
	[[ $dir == latency ]] && with=(--with latency_load)
	measure $daemon "${with[@]}" "$row" topic "$topic" "$n" 0 -- "${CMD[@]}" || rc=1
	if ((rc == 0)) && [[ $dir == latency ]]; then
		local lat
		lat=$("$KBENCH" "$BOOTSTRAP" latency "$topic" "$n") || rc=1
		[[ -f $OUT/latency.tsv ]] || printf 'workload\tdirection\tcontestant\trep\tp50_ms\tp99_ms\tmax_ms\n' >"$OUT/latency.tsv"
		printf '%s\t%s\t%s\t%s\n' "$row" "$(kv p50 "$lat")" "$(kv p99 "$lat")" "$(kv max "$lat")" >>"$OUT/latency.tsv"
		log "$row: commit-to-Kafka latency $lat (ms)"
	fi
	"$KBENCH" "$BOOTSTRAP" delete-topic "$topic" || true
	drop_slot "$slot"
	return "$rc"
}

# postgres_sink_table TABLE: the sink's table as auto.create makes it, and
# for sink-upsert (UPSERT=1) filled with the odd ids below
# BENCH_PG_SINK_ROWS (half the keys; other values than the records').
postgres_sink_table()
{
	psql_q -c "CREATE TABLE $1 (id bigint PRIMARY KEY, name text NOT NULL, qty integer NOT NULL, price double precision NOT NULL, created bigint NOT NULL)" ||
		return 1
	((UPSERT)) || return 0
	psql_q -c "INSERT INTO $1 SELECT g, 'old-' || g, 0, 0, 0 FROM generate_series(1, $BENCH_PG_SINK_ROWS - 1, 2) g" \
		-c "VACUUM ANALYZE $1" || return 1
}

# postgres_sink_run DIRECTION WHO REP ROW NAME: the sink directions into
# table sink_WHO_REP.
postgres_sink_run()
{
	local dir=$1 who=$2 rep=$3 row=$4 name=$5 table=sink_$2_$3 n=$BENCH_PG_SINK_ROWS rc=0
	local UPSERT=0 mode=insert
	[[ $dir == sink-upsert ]] && UPSERT=1 mode=upsert
	[[ $who == anchor ]] && return 2 # Debezium's JDBC sink is not on Maven Central (see the top)
	postgres_sink_table "$table" || return 1
	case $who in
	limit)
		if ((UPSERT)); then
			printf '%s\n' "BEGIN;" "CREATE TEMP TABLE stage (LIKE $table) ON COMMIT DROP;" \
				"\\copy stage FROM '$SINK_CSV' WITH (FORMAT csv)" \
				"INSERT INTO $table SELECT * FROM stage ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, price = EXCLUDED.price, created = EXCLUDED.created;" \
				"COMMIT;" >"$RUN_DIR/upsert.sql"
			CMD=(psql -X -q -v ON_ERROR_STOP=1 "$PG_CONNINFO" -f "$RUN_DIR/upsert.sql")
		else
			CMD=(psql -X -q -v ON_ERROR_STOP=1 "$PG_CONNINFO" -c "\\copy $table FROM '$SINK_CSV' WITH (FORMAT csv)")
		fi
		measure "$row" exit - "$n" "$SINK_BYTES" -- "${CMD[@]}" || rc=1
		;;
	sluice)
		# Debezium JDBC sink's keys, which sluice takes too.
		printf '%s\n' "name=$name" "connector.class=io.debezium.connector.jdbc.JdbcSinkConnector" \
			"tasks.max=1" "topics=$SINK_TOPIC" \
			"connection.url=jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
			"connection.username=postgres" "connection.password=bench" "insert.mode=$mode" \
			"primary.key.mode=record_value" "primary.key.fields=id" "batch.size=3000" \
			"auto.create=true" "table.name.format=$table" >"$RUN_DIR/connector.properties"
		postgres_worker sluice "$RUN_DIR/worker.properties" true
		sluice_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
		measure --daemon "$row" rows "$table" "$n" "$SINK_BYTES" -- "${CMD[@]}" || rc=1
		;;
	esac
	local have stale
	have=$(psql_v "SELECT count(*) FROM $table" 2>/dev/null || echo 0)
	stale=$(psql_v "SELECT count(*) FROM $table WHERE name LIKE 'old-%'" 2>/dev/null || echo 0)
	if ((rc == 0 && (have != n || stale != 0))); then
		log "$row: $table holds $have rows ($stale not updated), not $n"
		rc=1
	fi
	psql_q -c "DROP TABLE IF EXISTS $table" || true
	return "$rc"
}

postgres_cleanup()
{
	[[ -n ${SINK_TOPIC:-} ]] && { "$KBENCH" "$BOOTSTRAP" delete-topic "$SINK_TOPIC" || true; }
	postgres_stop
}
