# shellcheck shell=bash
# The benchmark harness's measurement code, sourced by bench/run.sh and
# used by every bench/workloads/*.sh: one measured run of one contestant,
# the fair worker settings shared by sluice and Kafka Connect, and the
# results file that bench/report.py turns into the table and the chart.
#
# A measured run (measure) is:
#   1. sync, so no run pays for the previous run's dirty pages, and wait
#      until no other work runs on the machine (wait_quiet);
#   2. a watcher (kbench wait-topic / wait-file) is started and ready;
#   3. the contestant starts under /usr/bin/time (CPU seconds, peak RSS);
#   4. the watcher reports "first" (first record in the topic / first byte
#      in the output file) and "done" (N records acknowledged / N lines in
#      the file and fsynced), polling every 10 ms;
#   5. a worker (--daemon) is stopped with SIGTERM, a one-shot client exits
#      by itself; one row goes to results.tsv.
#
# Globals the runner sets: BENCH_DIR (bench/), OUT (bench/out), RUN_DIR
# (scratch dir of this run), BOOTSTRAP, KBENCH, PGPROBE, SLUICE, CONNECT_CP,
# RESULTS (the TSV), BENCH_TIMEOUT (seconds one run may take), BROKER_PID;
# the PostgreSQL workloads set PG_CONNINFO.

RESULTS_HEADER="workload	direction	contestant	rep	records	payload_bytes	start	first	done	wall_s	user_s	sys_s	maxrss_kb	exit	broker_cpu_s	others_cpu_s"

log()
{
	printf '[%s] %s\n' "$(date +%T)" "$*" >&2
}

die()
{
	log "error: $*"
	exit 1
}

# Kafka Connect's JVM: the heap and the performance options Kafka's own
# bin/kafka-run-class.sh uses (KAFKA_JVM_PERFORMANCE_OPTS), logging INFO to
# a file.
CONNECT_JVM_OPTS=(-Xms256m -Xmx1g -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
	-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
	-XX:MaxInlineLevel=15 -Djava.awt.headless=true)

# The offset flush interval of both workers: how often sources store
# offsets and sinks flush (sluice: write + fsync) and commit.
OFFSET_FLUSH_MS=${BENCH_OFFSET_FLUSH_MS:-1000}

# sluice_worker FILE: sluice's worker config. The producer and consumer run
# with sluice's defaults (core/kafka.c); nothing is tuned for the benchmark.
sluice_worker()
{
	printf '%s\n' \
		"bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.file.filename=$RUN_DIR/sluice.offsets" "listeners=http://127.0.0.1:0" \
		"offset.flush.interval.ms=$OFFSET_FLUSH_MS" \
		"key.converter=org.apache.kafka.connect.storage.StringConverter" \
		"value.converter=org.apache.kafka.connect.storage.StringConverter" \
		"log.level=info" >"$1"
	# Experiments: BENCH_SLUICE_WORKER="consumer.queued.min.messages=20000 ..."
	# shellcheck disable=SC2086 # one line per word
	[[ -z ${BENCH_SLUICE_WORKER:-} ]] || printf '%s\n' $BENCH_SLUICE_WORKER >>"$1"
}

# connect_worker FILE [WHO]: Kafka Connect's standalone worker config.
# WHO anchor (the default), "mirrored settings": the producer gets sluice's
# librdkafka settings in Java names (Connect's own defaults are no
# idempotence, max.in.flight 1 as sluice, 16 KiB batches, a 32 MiB buffer); the
# consumer gets sluice's batch of 2000 records per poll, fetch size and
# fetch wait.
# WHO anchor0, "its defaults": no producer. / consumer. key at all, only
# what every Kafka Connect worker file must have (bootstrap, converters,
# the offset file) and what the harness needs of both (the 1 s offset
# flush of the measurement, a free REST port, plugin discovery without a
# class path scan).
connect_worker()
{
	printf '%s\n' \
		"bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.file.filename=$RUN_DIR/connect.offsets" \
		"offset.flush.interval.ms=$OFFSET_FLUSH_MS" \
		"key.converter=org.apache.kafka.connect.storage.StringConverter" \
		"value.converter=org.apache.kafka.connect.storage.StringConverter" \
		"listeners=http://127.0.0.1:$(free_port)" \
		"plugin.discovery=service_load" >"$1"
	[[ ${2:-anchor} == anchor0 ]] ||
		printf '%s\n' \
			"producer.enable.idempotence=false" \
			"producer.acks=all" \
			"producer.max.in.flight.requests.per.connection=1" \
			"producer.linger.ms=5" \
			"producer.batch.size=1000000" \
			"producer.buffer.memory=4194304" \
			"producer.compression.type=none" \
			"producer.delivery.timeout.ms=300000" \
			"consumer.max.poll.records=2000" \
			"consumer.fetch.max.bytes=2097152" \
			"consumer.fetch.max.wait.ms=100" >>"$1"
	cat >"$RUN_DIR/log4j2.properties" <<'LOG'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:connect.log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
LOG
}

# connect_cmd WORKER CONNECTOR...: sets CMD to the Kafka Connect standalone
# worker command line, with the classpath CONNECT_CP (described in the kept
# command.txt by CONNECT_CP_DESC).
connect_cmd()
{
	CMD=(java "${CONNECT_JVM_OPTS[@]}" -Dconnect.log.file="$RUN_DIR/connect.log"
		-Dlog4j2.configurationFile="file:$RUN_DIR/log4j2.properties"
		-cp "$CONNECT_CP" org.apache.kafka.connect.cli.ConnectStandalone "$@")
	printf '%s\n' "java ${CONNECT_JVM_OPTS[*]} -cp <$CONNECT_CP_DESC> org.apache.kafka.connect.cli.ConnectStandalone worker.properties connector.properties" \
		>"$RUN_DIR/command.txt"
}

# sluice_cmd WORKER CONNECTOR...: sets CMD to the sluice command line.
# BENCH_SLUICE_PREFIX: a command sluice runs under, for profiling (e.g.
# "perf record -g -o /tmp/sluice.perf --"); empty by default.
sluice_cmd()
{
	local prefix
	read -ra prefix <<<"${BENCH_SLUICE_PREFIX:-}"
	CMD=("${prefix[@]}" "$SLUICE" run -w "$@")
}

free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# kv KEY "k1=v1 k2=v2": the value of KEY.
kv()
{
	local pair
	for pair in $2; do
		[[ ${pair%%=*} == "$1" ]] && { echo "${pair#*=}"; return 0; }
	done
	return 1
}

# CPU seconds the broker (BROKER_PID) has spent so far.
broker_cpu()
{
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' \
		"/proc/$BROKER_PID/stat" 2>/dev/null || echo 0
}

# others_snap FILE / others_since FILE: CPU seconds that processes other than
# the broker and the harness used since the snapshot (bench/others_cpu.py).
others_snap()
{
	python3 "$BENCH_DIR/others_cpu.py" snap "$1"
}

# others_since FILE [PID...]: also leaving out PIDs and their descendants.
others_since()
{
	python3 "$BENCH_DIR/others_cpu.py" diff "$@" "$BROKER_PID" "$$" "$BASHPID"
}

# Waits (at most BENCH_QUIET_WAIT seconds, default 15) until the machine
# is quiet: over half a second, processes other than the broker used less
# than a fifth of one core, and the broker itself less than a third (it
# deletes the previous run's topic, flushes, cleans up a consumer group).
# Another job on the machine would otherwise skew the run; a run that
# still overlaps one is flagged by report.py.
wait_quiet()
{
	local deadline=$((SECONDS + ${BENCH_QUIET_WAIT:-15})) snap=$RUN_DIR/quiet.snap b0
	while ((SECONDS < deadline)); do
		others_snap "$snap"
		b0=$(broker_cpu)
		sleep 0.5
		awk -v c="$(others_since "$snap")" -v a="$b0" -v z="$(broker_cpu)" \
			'BEGIN { exit !(c < 0.1 && z - a < 0.17) }' && return 0
	done
	log "the machine is busy with other work; measuring anyway (the run may be flagged)"
}

# Stops a process started under /usr/bin/time (PID of time): SIGTERM to
# its child, the contestant, then waits for both (SIGKILL after 20 s:
# Kafka Connect 4.1.1 now and then hangs in Jetty's shutdown).
stop_timed()
{
	local tpid=$1 child i
	child=$(ps -o pid= --ppid "$tpid" 2>/dev/null | tr -d ' ')
	[[ -n $child ]] && kill -TERM "$child" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$tpid" 2>/dev/null; then
		log "contestant $child ignored SIGTERM for 20 s; SIGKILL"
		[[ -n $child ]] && kill -KILL "$child" 2>/dev/null
	fi
	wait "$tpid" 2>/dev/null
}

# start_watcher WATCH TARGET N: starts the watcher of a run (WPID) and waits
# until it is ready; its report goes to RUN_DIR/watch.out. WATCH exit has no
# watcher: the contestant's exit is the end; WATCH func runs the shell
# function TARGET with N as the watcher (a workload's own server or load
# generator: it prints "ready", then "first=T done=T" and, when it counted
# them itself, "n=RECORDS bytes=BYTES" on the same line).
start_watcher()
{
	local watch=$1 target=$2 n=$3 wout=$RUN_DIR/watch.out i
	case $watch in
	topic) "$KBENCH" "$BOOTSTRAP" wait-topic "$target" "$n" "$BENCH_TIMEOUT" ;;
	file) "$KBENCH" - wait-file "$target" "$n" "$BENCH_TIMEOUT" ;;
	rows) "$PGPROBE" "$PG_CONNINFO" wait-rows "$target" "$n" "$BENCH_TIMEOUT" ;;
	exit) echo ready ;;
	func) "$target" "$n" ;;
	*) die "unknown watch '$watch'" ;;
	esac >"$wout" 2>"$RUN_DIR/watch.err" &
	WPID=$!
	for ((i = 0; i < 3000; i++)); do
		grep -q '^ready' "$wout" 2>/dev/null && break
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.01
	done
	grep -q '^ready' "$wout" || { cat "$RUN_DIR/watch.err" >&2; die "the watcher did not start"; }
}

# measure [--daemon] [--with FUNC] ROW WATCH TARGET N BYTES -- CMD...
#   ROW     "workload<TAB>direction<TAB>contestant<TAB>rep" of the result row
#   WATCH   topic (TARGET is a topic), file (TARGET is the output file),
#           rows (TARGET is a table of PG_CONNINFO, done at max(id) = N),
#           exit (a one-shot CMD; done when it exits, no first-record time)
#           or func (TARGET is a shell function, see start_watcher; the N
#           and BYTES it reports replace the given ones)
#   N       records that make the run complete; BYTES their payload bytes
#   --daemon: CMD runs until stopped (a worker); else it exits by itself.
#   --with FUNC: FUNC runs in the background once CMD has started (a load
#           generator); it is waited for (killed if the run failed).
# Output of the contestant goes to RUN_DIR/contestant.log. Returns non-zero
# (and records no row) when the run failed.
measure()
{
	local daemon=0 with=
	[[ $1 == --daemon ]] && { daemon=1; shift; }
	[[ $1 == --with ]] && { with=$2; shift 2; }
	local row=$1 watch=$2 target=$3 n=$4 bytes=$5
	shift 6
	local wout=$RUN_DIR/watch.out wpid tpid start res t rc=0 lpid=
	sync
	wait_quiet
	start_watcher "$watch" "$target" "$n"
	wpid=$WPID
	local b0
	others_snap "$RUN_DIR/others.snap"
	b0=$(broker_cpu)
	start=$EPOCHREALTIME
	/usr/bin/time -f '%e %U %S %M' -o "$RUN_DIR/time.out" "$@" >"$RUN_DIR/contestant.log" 2>&1 &
	tpid=$!
	if [[ -n $with ]]; then
		"$with" >"$RUN_DIR/with.log" 2>&1 &
		lpid=$!
	fi
	if [[ $watch == exit ]]; then
		wait "$tpid"
		rc=$?
		echo "first= done=$EPOCHREALTIME" >>"$wout"
		((rc == 0)) || { log "run failed (exit $rc): $*"; tail -n 20 "$RUN_DIR/contestant.log" >&2; return 1; }
	fi
	# Until the watcher is done; a contestant that dies first fails the run
	# (a one-shot client may exit 0 just before the watcher sees the end).
	local exited=0 failed=0
	while kill -0 "$wpid" 2>/dev/null; do
		if ((!exited)) && ! kill -0 "$tpid" 2>/dev/null; then
			exited=1
			wait "$tpid"
			rc=$?
			((rc != 0 || daemon)) && { failed=1; break; }
		fi
		sleep 0.05
	done
	if ((!failed)) && ! wait "$wpid"; then
		failed=1
		cat "$RUN_DIR/watch.err" >&2
	fi
	if ((failed)); then
		kill -TERM "$wpid" 2>/dev/null
		wait "$wpid" 2>/dev/null
		[[ -n $lpid ]] && { kill -TERM "$lpid" 2>/dev/null; wait "$lpid"; }
		((exited)) || stop_timed "$tpid"
		log "run failed (exit ${rc}): $*"
		tail -n 20 "$RUN_DIR/contestant.log" >&2
		return 1
	fi
	if ((daemon)); then
		stop_timed "$tpid"
	elif ((!exited)) && [[ $watch != exit ]]; then
		wait "$tpid"
	fi
	if [[ -n $lpid ]] && ! wait "$lpid"; then
		log "$row: the load generator failed"
		cat "$RUN_DIR/with.log" >&2
		return 1
	fi
	# CPU that other processes (not the contestant, the watcher, the
	# broker or this harness) used meanwhile: a disturbance when large.
	local broker others
	broker=$(awk -v a="$b0" -v b="$(broker_cpu)" 'BEGIN { printf "%.2f", b - a }')
	others=$(others_since "$RUN_DIR/others.snap" "${PG_PID:-}")
	res=$(tail -n 1 "$wout")
	local counted
	counted=$(kv n "$res") && n=$counted
	counted=$(kv bytes "$res") && bytes=$counted
	read -r -a t <"$RUN_DIR/time.out"
	# GNU time writes "Command exited with non-zero status N" first when
	# the command failed; a JVM stopped by SIGTERM exits 143.
	if grep -q '^Command' "$RUN_DIR/time.out"; then
		rc=$(sed -n 's/^Command exited with non-zero status //p;s/^Command terminated by signal /signal /p' "$RUN_DIR/time.out")
		read -r -a t < <(tail -n 1 "$RUN_DIR/time.out")
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$n" "$bytes" \
		"$start" "$(kv first "$res")" "$(kv "done" "$res")" "${t[0]}" "${t[1]}" "${t[2]}" \
		"${t[3]}" "${rc:-0}" "$broker" "$others" >>"$RESULTS"
	local first
	first=$(kv first "$res")
	awk -v row="$row" -v n="$n" -v s="$start" -v f="${first:-$start}" -v d="$(kv "done" "$res")" \
		-v cpu="${t[1]} + ${t[2]}" -v rss="${t[3]}" -v others="$others" 'BEGIN {
		gsub("\t", " ", row); split(cpu, c, " [+] ")
		printf "[%s] %s: %.0f records/s, first record %.3f s, %.2f CPU s, %.1f MB RSS, others %s CPU s\n",
			strftime("%T"), row, n / (d - f), f - s, c[1] + c[2], rss / 1024, others }' >&2
}

# ---- shared by bench/run.sh and bench/instructions.sh ----

build()
{
	log "building sluice (Release) in bench/out/build and bench/out/kbench"
	if ! { cmake -S "$ROOT" -B "$OUT/build" -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=OFF \
		>"$OUT/build.log" 2>&1 &&
		cmake --build "$OUT/build" -j2 --target sluice >>"$OUT/build.log" 2>&1; }; then
		tail -n 30 "$OUT/build.log" >&2
		die "building sluice failed"
	fi
	SLUICE=$OUT/build/sluice
	cc -O2 -std=c17 -Wall -Wextra -Wno-unused-parameter -I"$ROOT/core" -o "$OUT/kbench" \
		"$BENCH_DIR/kbench.c" "$ROOT/core/fetch_wake.c" -lrdkafka -lpthread ||
		die "building kbench failed"
	KBENCH=$OUT/kbench
	cc -O2 -std=c17 -Wall -Wextra -I"$(pg_config --includedir)" -o "$OUT/pgprobe" \
		"$BENCH_DIR/pgprobe.c" -lpq || die "building pgprobe failed"
	PGPROBE=$OUT/pgprobe
}

KAFKA_DIR=
stop_broker()
{
	if [[ -n $KAFKA_DIR ]]; then
		"$ROOT/scripts/kafka.sh" stop "$KAFKA_DIR/kafka" || true
		rm -rf "$KAFKA_DIR"
		KAFKA_DIR=
	fi
}

# on_exit FUNCTION: run FUNCTION when the harness exits, however it exits
# (before the broker is stopped).
EXIT_HOOKS=()
on_exit()
{
	EXIT_HOOKS+=("$1")
}

run_exit_hooks()
{
	local f
	for f in "${EXIT_HOOKS[@]}"; do
		"$f" || true
	done
	EXIT_HOOKS=()
	stop_broker
}

start_broker()
{
	KAFKA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
	BOOTSTRAP=$("$ROOT/scripts/kafka.sh" start "$KAFKA_DIR/kafka") || die "the broker did not start"
	BROKER_PID=$(cat "$KAFKA_DIR/kafka/kafka.pid")
	log "Kafka $KAFKA_VERSION at $BOOTSTRAP (pid $BROKER_PID)"
	# Warm-up (not measured): the first producer and the first
	# consumer group (which creates __consumer_offsets) pay one-off costs,
	# and the broker's JIT takes millions of records to settle (with
	# 100,000 the first workload's first runs cost the broker twice the
	# CPU of later ones).
	local w=$OUT/warmup.txt n=${BENCH_WARMUP_RECORDS:-2000000}
	seq -f 'warmup-%07.0f' 1 "$n" >"$w"
	{ "$KBENCH" "$BOOTSTRAP" create-topic bench-warmup 1 &&
		"$KBENCH" "$BOOTSTRAP" produce "$w" bench-warmup 2>/dev/null &&
		"$KBENCH" "$BOOTSTRAP" consume bench-warmup bench-warmup "$n" "$w.out"; } ||
		die "warm-up against the broker failed"
	"$KBENCH" "$BOOTSTRAP" delete-topic bench-warmup
	rm -f "$w" "$w.out"
}
