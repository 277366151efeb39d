#!/usr/bin/env bash
# Instructions per record: sluice and the bare librdkafka client
# (bench/kbench.c) each run the file workloads under callgrind, on one real
# broker, and the whole process's instructions (every thread, start and
# stop included) are divided by the records moved. Unlike the CPU seconds
# of bench/run.sh, which spread by 30-60 % from run to run on a shared VM,
# the count repeats within about 1 % at 100 B (0.5-3 % at 1 KB, where how
# full librdkafka's batches get depends on timing), so it is what a
# "within 10 % of the bare client" target can be read from: each run is
# repeated and the median kept. Not part of CI; about 6 minutes.
#
#   bench/instructions.sh                          100 B and 1000 B records
#   BENCH_IR_WORKLOADS="100:1000000" bench/instructions.sh
#
# Environment: BENCH_IR_WORKLOADS ("BYTES:RECORDS ...", default
# "100:1000000 1000:200000"), BENCH_IR_REPS (runs per cell, default 3; the
# median is kept), BENCH_DOC (default docs/benchmarks.md, the
# block between the "instructions" markers), BENCH_WARMUP_RECORDS,
# KAFKA_VERSION, KAFKA_HEAP. Results: bench/out/instructions.tsv.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OUT=$BENCH_DIR/out
BENCH_DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
export KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
export KAFKA_HEAP=${KAFKA_HEAP:--Xms1g -Xmx1g}
RUN_ID=ir$(date +%H%M%S)
T0=$SECONDS
BENCH_DEFAULT_WORKLOADS=()
TSV=$OUT/instructions.tsv
SMALL=1000
REPS=${BENCH_IR_REPS:-3}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source-path=SCRIPTDIR source=workloads/file.sh
source "$BENCH_DIR/workloads/file.sh" # file_data, file_connector
trap run_exit_hooks EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_tools()
{
	"$ROOT/scripts/install-deps.sh" >/dev/null || die "scripts/install-deps.sh failed"
	command -v valgrind >/dev/null && return 0
	log "installing valgrind"
	((EUID == 0)) || die "need root to install valgrind"
	apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends valgrind >/dev/null || die "apt-get install valgrind failed"
}

# callgrind OUTFILE CMD...: runs CMD under callgrind in the background; its
# PID in CG_PID.
callgrind()
{
	local out=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$out.log" 2>&1 &
	CG_PID=$!
}

# The instructions counted in a callgrind output file.
instructions()
{
	awk '/^summary:/ { print $2; exit }' "$1"
}

# stop_when topic|file TOPIC|FILE N: waits until the sluice worker under
# callgrind (CG_PID) has moved N records, then stops it with SIGTERM.
stop_when()
{
	local what=$1 target=$2 n=$3
	if [[ $what == topic ]]; then
		"$KBENCH" "$BOOTSTRAP" wait-topic "$target" "$n" 1800 >/dev/null
	else
		"$KBENCH" - wait-file "$target" "$n" 1800 >/dev/null
	fi
	local rc=$?
	kill -TERM "$CG_PID" 2>/dev/null
	wait "$CG_PID"
	return "$rc"
}

# run_one BYTES RECORDS DIRECTION CONTESTANT: one callgrind run in RUN_DIR;
# prints the instructions.
run_one()
{
	local bytes=$1 n=$2 dir=$3 who=$4 input topic out
	rm -rf "$RUN_DIR"
	mkdir -p "$RUN_DIR"
	input=$(file_data "$bytes" "$n")
	topic=bench-ir-$bytes-$dir-$who-$RUN_ID-${REP:-0}
	out=$RUN_DIR/out.txt
	if [[ $dir == source ]]; then
		"$KBENCH" "$BOOTSTRAP" create-topic "$topic" 1 || return 1
		if [[ $who == limit ]]; then
			valgrind --tool=callgrind --callgrind-out-file="$RUN_DIR/cg.out" \
				"$KBENCH" "$BOOTSTRAP" produce "$input" "$topic" >"$RUN_DIR/cg.log" 2>&1 ||
				return 1
		else
			sluice_worker "$RUN_DIR/worker.properties"
			file_connector "$RUN_DIR/connector.properties" "name=$topic" \
				"connector.class=FileStreamSource" "tasks.max=1" "file=$input" \
				"topic=$topic" "batch.size=10000"
			callgrind "$RUN_DIR/cg.out" "$SLUICE" run -w "$RUN_DIR/worker.properties" \
				"$RUN_DIR/connector.properties"
			stop_when topic "$topic" "$n" || return 1
		fi
		(($("$KBENCH" "$BOOTSTRAP" watermarks "$topic") == n)) || return 1
		"$KBENCH" "$BOOTSTRAP" delete-topic "$topic" || true
	else
		if [[ $who == limit ]]; then
			valgrind --tool=callgrind --callgrind-out-file="$RUN_DIR/cg.out" \
				"$KBENCH" "$BOOTSTRAP" consume "$SINK_TOPIC" "$topic" "$n" "$out" \
				>"$RUN_DIR/cg.log" 2>&1 || return 1
		else
			sluice_worker "$RUN_DIR/worker.properties"
			file_connector "$RUN_DIR/connector.properties" "name=$topic" \
				"connector.class=FileStreamSink" "tasks.max=1" "topics=$SINK_TOPIC" \
				"file=$out"
			callgrind "$RUN_DIR/cg.out" "$SLUICE" run -w "$RUN_DIR/worker.properties" \
				"$RUN_DIR/connector.properties"
			stop_when file "$out" "$n" || return 1
		fi
		(($(wc -l <"$out") == n)) || return 1
		rm -f "$out"
	fi
	instructions "$RUN_DIR/cg.out"
}

# measure BYTES RECORDS DIRECTION CONTESTANT: run_one REPS times; prints
# the median and then every run's count, comma separated.
measure()
{
	local runs=() ir i
	for ((i = 0; i < REPS; i++)); do
		ir=$(REP=$i run_one "$@") && [[ -n $ir ]] || return 1
		runs+=("$ir")
	done
	printf '%s\n' "${runs[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%s ", v[int((NR + 1) / 2)] }'
	(
		IFS=,
		echo "${runs[*]}"
	)
}

# The commit the measured tree is, marked when it has changes in core/ or
# connectors/.
commit_of_tree()
{
	local id
	if ! id=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); then
		echo "(a tree outside git)"
		return
	fi
	git -C "$ROOT" diff --quiet HEAD -- core connectors 2>/dev/null || id+=" (with local changes)"
	echo "$id"
}

# The block of docs/benchmarks.md between the instructions markers.
write_doc()
{
	local begin="<!-- BEGIN BENCH RESULTS: instructions (bench/instructions.sh writes this part) -->"
	local end="<!-- END BENCH RESULTS: instructions -->" block=$OUT/instructions.md
	{
		echo "$begin"
		echo
		echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), took $1; sluice $(commit_of_tree)," \
			"Release build;" \
			"librdkafka $(pkg-config --modversion rdkafka); Apache Kafka $KAFKA_VERSION broker."
		echo
		echo "| records | direction | bare client | sluice | sluice / bare | bare, per record past start and stop | sluice, the same | sluice / bare | spread of the runs: bare, sluice |"
		echo "|---|---|---|---|---|---|---|---|---|"
		awk -F'\t' -v small="$SMALL" 'NR > 1 {
			ir[$1 "\t" $2 "\t" $3 "\t" $4] = $5
			runs[$1 "\t" $2 "\t" $3 "\t" $4] = $6
			if ($2 != small) {
				key = $1 "\t" $2 "\t" $3
				if (!(key in seen)) { seen[key] = 1; order[++n] = key }
			}
		}
		function cell(x) { return x > 0 ? sprintf("%.0f", x) : "failed" }
		function ratio(s, b) { return s > 0 && b > 0 ? sprintf("%.1f %%", 100 * s / b) : "-" }
		# (largest - smallest) / median of the runs of a cell
		function spread(key, mid,   r, n, i, lo, hi) {
			n = split(runs[key], r, ",")
			if (!n || mid <= 0) return "-"
			lo = hi = r[1]
			for (i = 2; i <= n; i++) { if (r[i] < lo) lo = r[i]; if (r[i] > hi) hi = r[i] }
			return sprintf("%.1f %%", 100 * (hi - lo) / mid)
		}
		END {
			for (i = 1; i <= n; i++) {
				split(order[i], k, "\t")
				b = ir[order[i] "\tlimit"]; s = ir[order[i] "\tsluice"]
				b0 = ir[k[1] "\t" small "\t" k[3] "\tlimit"]
				s0 = ir[k[1] "\t" small "\t" k[3] "\tsluice"]
				bm = b && b0 ? (b - b0) / (k[2] - small) : 0
				sm = s && s0 ? (s - s0) / (k[2] - small) : 0
				printf "| %s B × %s | %s | %s | %s | %s | %s | %s | %s | %s, %s |\n", k[1], k[2], k[3],
					cell(b / k[2]), cell(s / k[2]), ratio(s, b), cell(bm), cell(sm), ratio(sm, bm),
					spread(order[i] "\tlimit", b), spread(order[i] "\tsluice", s)
			}
		}' "$TSV" | sed ':a; s/\([0-9]\)\([0-9]\{3\}\)\([ |,]\)/\1,\2\3/; ta'
		echo
		echo "Instructions of the whole process (every thread, start and stop" \
			"included) per record moved, under callgrind, the median of $REPS runs;" \
			"the columns past start and stop subtract the median of $REPS runs of" \
			"$SMALL records, what starting and stopping cost."
		echo
		echo "$end"
	} >"$block"
	if grep -qF "$begin" "$BENCH_DOC"; then
		python3 - "$BENCH_DOC" "$block" "$begin" "$end" <<'EOF'
import sys
doc, block, begin, end = sys.argv[1:]
text = open(doc).read()
a = text.index(begin)
b = text.index(end, a) + len(end)
open(doc, "w").write(text[:a] + open(block).read().rstrip("\n") + text[b:])
EOF
	else
		log "no instructions markers in $BENCH_DOC: the table is in $block"
	fi
}

main()
{
	mkdir -p "$OUT"
	install_tools
	build
	start_broker
	local specs spec bytes n count dir who ir failed=0
	read -r -a specs <<<"${BENCH_IR_WORKLOADS:-100:1000000 1000:200000}"
	printf 'bytes\trecords\tdirection\tcontestant\tinstructions\truns\n' >"$TSV"
	for spec in "${specs[@]}"; do
		IFS=: read -r bytes n <<<"$spec"
		# A run of SMALL records first: what start and stop cost, which the
		# per-record column leaves out.
		for count in "$SMALL" "$n"; do
			# The sink direction reads a topic filled once by the bare
			# producer (not measured).
			SINK_TOPIC=bench-ir-$bytes-$count-sink-$RUN_ID
			"$KBENCH" "$BOOTSTRAP" create-topic "$SINK_TOPIC" 1 &&
				"$KBENCH" "$BOOTSTRAP" produce "$(file_data "$bytes" "$count")" \
					"$SINK_TOPIC" 2>/dev/null || die "filling $SINK_TOPIC failed"
			for dir in source sink; do
				for who in limit sluice; do
					RUN_DIR=$OUT/instructions/$bytes-$count-$dir-$who
					if ir=$(measure "$bytes" "$count" "$dir" "$who"); then
						printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$bytes" "$count" "$dir" "$who" \
							"${ir%% *}" "${ir#* }" >>"$TSV"
						log "$bytes B × $count, $dir, $who: $((${ir%% *} / count)) instructions per record (runs: ${ir#* })"
					else
						log "$bytes B × $count, $dir, $who: failed (see $RUN_DIR)"
						failed=$((failed + 1))
					fi
				done
			done
			"$KBENCH" "$BOOTSTRAP" delete-topic "$SINK_TOPIC" || true
		done
	done
	run_exit_hooks
	local took=$((SECONDS - T0))
	write_doc "$((took / 60)) min $((took % 60)) s"
	log "done in $((took / 60)) min $((took % 60)) s; $failed failed run(s); results in $TSV"
	((failed == 0))
}

main "$@"
