#!/usr/bin/env bash
# Runs the side-by-side benchmarks: on ONE real Apache Kafka broker, with the
# same input and on the same machine, each workload's contestants (the bare
# librdkafka limit, the anchor with sluice's settings mirrored, the anchor
# with its own defaults, sluice) are run alternately BENCH_REPS times per
# direction; the table goes into docs/benchmarks.md, the chart to
# bench/out/throughput.png. Not part of CI.
#
#   bench/run.sh                   every workload of bench/workloads/*.sh
#   BENCH_WORKLOADS="file:100:1:1000000" bench/run.sh    chosen workloads
#
# Environment: BENCH_REPS (default 3), BENCH_WORKLOADS (specs, see the
# workload scripts; a spec listed more than once runs each time, its runs
# reported together: "A B A B" with BENCH_REPS=1 alternates two workloads),
# BENCH_LINES / BENCH_LINES_6P / BENCH_LINES_1K (sizes of the file
# workloads), BENCH_PG_* (sizes of the PostgreSQL workload, see
# bench/workloads/postgres.sh), BENCH_TIMEOUT (seconds one run may take,
# default 300), BENCH_WARMUP_RECORDS (records produced and consumed once
# against a new broker before any run, default 2000000), BENCH_QUIET_WAIT
# (seconds to wait before each run for other work on the machine to end,
# default 15), BENCH_DOC (default docs/benchmarks.md),
# BENCH_CONTESTANTS (default "limit anchor anchor0 sluice"; fewer for
# experiments; anchor is Kafka Connect with sluice's client settings
# mirrored, anchor0 Kafka Connect with its own defaults, see connect_worker
# in bench/lib.sh),
# BENCH_SLUICE_PREFIX (a command sluice runs under: a profiler), KAFKA_VERSION,
# KAFKA_HEAP (the broker's heap options, default -Xms1g -Xmx1g).
#
# Adding a workload: bench/workloads/NAME.sh appends its specs
# ("NAME:...") to BENCH_DEFAULT_WORKLOADS and defines NAME_prepare SPEC
# (sets WL_NAME, WL_DIRECTIONS, WL_DESC, WL_LIMIT, WL_ANCHOR, and
# WL_ANCHOR_DEFAULTS=1 when its run knows the contestant anchor0: else
# anchor0 is skipped, as is the anchor where a workload has none), NAME_run
# DIRECTION CONTESTANT REP (one measured run through `measure`, bench/lib.sh;
# returns 2 when the contestant has no part in that direction) and
# NAME_cleanup. What must be stopped even when the run is interrupted is
# registered with on_exit FUNCTION. A run of some kinds of workload only
# rewrites those kinds' results in docs/benchmarks.md.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OUT=$BENCH_DIR/out
BENCH_REPS=${BENCH_REPS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
BENCH_DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
export KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
# The broker's heap as Kafka's own kafka-server-start.sh sets it: with the
# tests' 512 MiB, three snapshot runs paused the broker 783 times (3.0 s) for
# garbage collection, with 1 GiB 48 times (0.3 s).
export KAFKA_HEAP=${KAFKA_HEAP:--Xms1g -Xmx1g}
export DEBEZIUM_VERSION=${DEBEZIUM_VERSION:-3.6.1.Final}
# shellcheck disable=SC2034 # used by the workloads
CONNECT_VERSION=$KAFKA_VERSION
RESULTS=$OUT/results.tsv
RUN_ID=$(date +%H%M%S)
T0=$SECONDS
BENCH_DEFAULT_WORKLOADS=()
read -r -a CONTESTANTS <<<"${BENCH_CONTESTANTS:-limit anchor anchor0 sluice}"

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$BENCH_DIR/lib.sh"
for f in "$BENCH_DIR"/workloads/*.sh; do
	# shellcheck source=/dev/null
	source "$f"
done

# Tools: the project's own dependencies, then what only the benchmarks use.
install_tools()
{
	"$ROOT/scripts/install-deps.sh" >/dev/null || die "scripts/install-deps.sh failed"
	local missing=()
	[[ -x /usr/bin/time ]] || missing+=(time)
	command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
	((${#missing[@]} == 0)) && return 0
	log "installing ${missing[*]}"
	((EUID == 0)) || die "need root to install ${missing[*]}"
	apt-get update -q >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

trap run_exit_hooks EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

describe_machine()
{
	local cpu mem kern disk rdk java contestants
	cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
	mem=$(free -g | awk '/^Mem:/ { print $2 }')
	kern=$(uname -r)
	disk=$(df -h "$OUT" | awk 'NR == 2 { print $1 " (" $2 ")" }')
	rdk=$(pkg-config --modversion rdkafka)
	java=$(java -version 2>&1 | head -n 1)
	contestants=${CONTESTANTS[*]}
	contestants=${contestants// /, }
	{
		echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), took $1."
		echo
		echo "- machine: $(nproc) × $cpu ($(lscpu | sed -n 's/^Hypervisor vendor: *//p') VM), ${mem} GiB RAM, disk $disk, $(. /etc/os-release; echo "$PRETTY_NAME"), Linux $kern"
		echo "- the broker, the contestant and the watcher share these $(nproc) cores"
		echo "- sluice $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- core connectors 2>/dev/null || echo ' (with local changes)'), Release build; librdkafka $rdk; Apache Kafka $KAFKA_VERSION broker (KRaft, scripts/kafka.sh); $java"
		echo "- $BENCH_REPS runs per contestant and direction, alternating $contestants (each rep starts with the next one; anchor: sluice's client settings mirrored, anchor0: Kafka Connect's own defaults)"
	} >"$OUT/machine.txt"
}

# Keeps one copy of each config file the runs of a workload used, under
# settings/WORKLOAD/: the contestant's worker file and command line (the
# same in every direction) and its connector file per direction.
keep_settings()
{
	local who=$1 dir=$2 d=$OUT/settings/$WL_NAME
	mkdir -p "$d"
	[[ -f $RUN_DIR/worker.properties ]] && cp "$RUN_DIR/worker.properties" "$d/$who-worker.properties"
	[[ -f $RUN_DIR/command.txt ]] && cp "$RUN_DIR/command.txt" "$d/$who-command.txt"
	[[ -f $RUN_DIR/connector.properties ]] && cp "$RUN_DIR/connector.properties" "$d/$who-$dir-connector.properties"
	return 0
}

main()
{
	mkdir -p "$OUT"
	install_tools
	build
	start_broker
	local specs
	read -r -a specs <<<"${BENCH_WORKLOADS:-${BENCH_DEFAULT_WORKLOADS[*]}}"
	echo "$RESULTS_HEADER" >"$RESULTS"
	printf 'kind\tname\tdescription\tlimit\tanchor\n' >"$OUT/workloads.tsv"
	rm -rf "$OUT/runs" "$OUT/settings" "$OUT/latency.tsv"
	local spec kind dir rep n who failed=0 rc
	local -A reps_done=() # per workload name: a spec listed again goes on counting
	local run_id=$RUN_ID nth=0
	for spec in "${specs[@]}"; do
		RUN_ID=$run_id-$((nth++)) # the topics of each spec's runs are its own
		kind=${spec%%:*}
		declare -F "${kind}_prepare" >/dev/null || die "unknown workload kind in '$spec'"
		log "workload $spec: preparing"
		WL_ANCHOR_DEFAULTS=0
		"${kind}_prepare" "$spec" || die "preparing $spec failed"
		printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$WL_NAME" "$WL_DESC" "$WL_LIMIT" "$WL_ANCHOR" >>"$OUT/workloads.tsv"
		for dir in "${WL_DIRECTIONS[@]}"; do
			for ((rep = 1; rep <= BENCH_REPS; rep++)); do
				n=$((${reps_done[$WL_NAME/$dir]:-0} + rep))
				# Each rep starts with the next contestant, so none
				# is always the one after the others' runs.
				local order=("${CONTESTANTS[@]}")
				local r=$(((n - 1) % ${#order[@]}))
				for who in "${order[@]:r}" "${order[@]:0:r}"; do
					[[ $who == anchor0 ]] && ((!WL_ANCHOR_DEFAULTS)) && continue
					RUN_DIR=$OUT/runs/$WL_NAME/$dir-$who-$n
					mkdir -p "$RUN_DIR"
					"${kind}_run" "$dir" "$who" "$n"
					rc=$?
					((rc == 2)) && continue
					((rc == 0)) || failed=$((failed + 1))
					keep_settings "$who" "$dir"
				done
			done
			reps_done[$WL_NAME/$dir]=$n
		done
		"${kind}_cleanup"
	done
	run_exit_hooks
	local took=$((SECONDS - T0))
	describe_machine "$((took / 60)) min $((took % 60)) s"
	python3 "$BENCH_DIR/report.py" "$OUT" "$BENCH_DOC" || die "report failed"
	log "done in $((took / 60)) min $((took % 60)) s; $failed failed run(s); results in $RESULTS"
	((failed == 0))
}

main "$@"
