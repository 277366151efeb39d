#!/usr/bin/env bash
# Distributed mode side by side: sluice's cluster of `sluice run` workers
# with group.id against Apache Kafka Connect 4.1.1's ConnectDistributed, on
# ONE real Kafka broker (scripts/kafka.sh), the same workers, the same
# connectors. Not part of the tests or of bench/run.sh.
#
#   1. Failover: 3 workers in one group, 6 file source connectors (one task
#      each, on its own file that a writer appends to ten lines a second).
#      Once every task is RUNNING, spread over the 3 workers and unchanged
#      for 3 s, the worker running the most tasks (of several, one that
#      does not lead the group) is SIGKILLed; a survivor's
#      GET /connectors/<name>/status (all 6 in one curl) is polled every
#      100 ms until every task is RUNNING on a worker that is not the
#      killed one: the failover time. The killed worker is restarted and
#      the tasks are let spread over all three again (bounded), then the
#      next round. Same session.timeout.ms (10000) and heartbeat.interval.ms
#      (3000) on both. Kafka Connect runs twice: with
#      scheduled.rebalance.max.delay.ms=0 (sluice too reassigns at once),
#      BENCH_ROUNDS rounds, and with its default (300000), one round capped
#      at 60 s.
#   2. Throughput with 1, 2 and 3 workers: 3 file source connectors, one
#      task each on its own file of BENCH_LINES lines of 100 bytes written
#      beforehand, each into its own topic (created by the worker or by
#      the broker's auto-creation, num.partitions=1; checked); the time
#      from the first POST /connectors until the three topics' end offsets
#      (kcat -Q) hold every line; records/s = 3 x lines / seconds; CPU
#      seconds of the workers (/proc/PID/stat) and of the broker over that
#      time. Kafka
#      Connect gets bench/run.sh's worker settings (bench/lib.sh
#      connect_worker: sluice's producer settings in Java names) and JVM
#      options; sluice bench/lib.sh's sluice_worker. A fresh group and
#      fresh topics for each configuration; the products alternate.
#
# Prints progress to stderr and the report (markdown tables, then the raw
# numbers) to stdout and to SCALING_OUT.
#
# Environment: SLUICE (default build/sluice; never built here),
# BENCH_ROUNDS (failover rounds per product, default 3), BENCH_LINES
# (lines per file of the throughput runs, default 1000000), BENCH_TIMEOUT
# (seconds one throughput run may take, default 300), SCALING_OUT (default
# bench/out/scaling-<date>.md), SCALING_PARTS (default "failover
# throughput"), SCALING_WORKERS (default "1 2 3"), SCALING_FAILOVER_CAP
# (seconds a failover may take before it is reported as "> CAP s", default
# 120; the default-delay Kafka Connect round: 60), SCALING_REJOIN_CAP
# (seconds for a restarted worker to get tasks again, default 90),
# SCALING_KEEP=1 (keep the temp dir with every log), BENCH_QUIET_WAIT,
# BENCH_OFFSET_FLUSH_MS and BENCH_SLUICE_WORKER (bench/lib.sh),
# KAFKA_VERSION (default 4.1.1).
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
cd "$ROOT" || exit 1
SLUICE=${SLUICE:-build/sluice}
[[ $SLUICE == /* ]] || SLUICE=$ROOT/$SLUICE
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_LINES=${BENCH_LINES:-1000000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
SCALING_OUT=${SCALING_OUT:-$BENCH_DIR/out/scaling-$(date +%Y-%m-%d).md}
SCALING_PARTS=${SCALING_PARTS:-failover throughput}
SCALING_WORKERS=${SCALING_WORKERS:-1 2 3}
FAILOVER_CAP=${SCALING_FAILOVER_CAP:-120}
DEFAULT_DELAY_CAP=60
REJOIN_CAP=${SCALING_REJOIN_CAP:-90}
export KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
export CONNECT_VERSION=$KAFKA_VERSION
SESSION_MS=10000   # both products' default session.timeout.ms
HEARTBEAT_MS=3000  # both products' default heartbeat.interval.ms
KC_DEFAULT_DELAY=300000
FO_CONNECTORS=6
TP_CONNECTORS=3
RUN_ID=$(date +%H%M%S)
T0=$SECONDS

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
source "$BENCH_DIR/lib.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-scaling.XXXXXX")
KAFKA_DIR=$TMP/kafka
BROKER_UP=0
declare -A CHILD=()  # pid -> what: sluice workers, Kafka Connect JVMs, writers
KC_DIRS=()           # dirs of Kafka Connect workers started by scripts/connect.sh
RAW_FO=()            # raw rows of the failover part
RAW_TP=()            # raw rows of the throughput part
declare -A FO_TIMES=() # "product|setting" -> the rounds' seconds
FO_ORDER=()
declare -A TP_ROW=()   # "product|workers" -> table row
NOTES=()

# ---------------------------------------------------------------- processes

# alive PID: the process runs (a zombie does not).
alive()
{
	local st
	st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z ]]
}

# stop_pids PID...: SIGTERM, up to 20 s, then SIGKILL; reaps children.
stop_pids()
{
	local p i left
	for p in "$@"; do
		alive "$p" && kill -TERM "$p" 2>/dev/null
	done
	for ((i = 0; i < 200; i++)); do
		left=0
		for p in "$@"; do
			alive "$p" && left=1
		done
		((left)) || break
		sleep 0.1
	done
	for p in "$@"; do
		if alive "$p"; then
			log "pid $p (${CHILD[$p]:-?}) ignored SIGTERM for 20 s; SIGKILL"
			kill -KILL "$p" 2>/dev/null
		fi
	done
	for p in "$@"; do
		if [[ -n ${CHILD[$p]:-} ]]; then
			wait "$p" 2>/dev/null
			unset "CHILD[$p]"
		fi
	done
	return 0
}

cleanup()
{
	local rc=$? d pids=()
	trap - EXIT INT TERM
	touch "$TMP"/*/stop 2>/dev/null
	for d in "${KC_DIRS[@]}"; do
		[[ -f $d/connect.pid ]] && pids+=("$(cat "$d/connect.pid")")
	done
	pids+=("${!CHILD[@]}")
	((${#pids[@]})) && stop_pids "${pids[@]}"
	((BROKER_UP)) && { "$ROOT/scripts/kafka.sh" stop "$KAFKA_DIR" || true; }
	if [[ ${SCALING_KEEP:-0} == 1 ]] || ((rc != 0)); then
		rm -rf "$TMP/data"
		log "logs kept in $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# cpu_of PID...: CPU seconds (user + system, all threads) the processes
# have used so far.
cpu_of()
{
	local p ticks=0 t
	for p in "$@"; do
		t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || t=0
		ticks=$((ticks + t))
	done
	awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

now_us()
{
	echo "${EPOCHREALTIME/./}"
}

# secs US: microseconds as seconds, two decimals.
secs()
{
	awk -v u="$1" 'BEGIN { printf "%.2f", u / 1e6 }'
}

# props_set FILE KEY=VALUE...: sets keys of a .properties file (replacing
# earlier lines of the same key); "-KEY" removes the key.
props_set()
{
	local f=$1
	shift
	awk -v pairs="$(printf '%s\n' "$@")" '
		BEGIN { n = split(pairs, p, "\n")
			for (i = 1; i <= n; i++) { k = p[i]; sub(/=.*/, "", k); sub(/^-/, "", k); drop[k] = 1 } }
		{ k = $0; sub(/=.*/, "", k); if (!(k in drop)) print }
		END { for (i = 1; i <= n; i++) if (p[i] !~ /^-/ && p[i] != "") print p[i] }' "$f" >"$f.new" &&
		mv "$f.new" "$f"
}

# dist_keys GROUP: the distributed keys both products get.
dist_keys()
{
	printf '%s\n' "group.id=$1" \
		"config.storage.topic=$1-configs" "offset.storage.topic=$1-offsets" \
		"status.storage.topic=$1-status" "config.storage.replication.factor=1" \
		"offset.storage.replication.factor=1" "status.storage.replication.factor=1" \
		"session.timeout.ms=$SESSION_MS" "heartbeat.interval.ms=$HEARTBEAT_MS" \
		"offset.flush.interval.ms=$OFFSET_FLUSH_MS"
}

# ------------------------------------------------------------------ members
# The workers of the running configuration, 1..M_N: M_URL, M_PORT, M_PID,
# M_DIR; PRODUCT is sluice, connect (scripts/connect.sh, the failover part)
# or connect-bench (the JVM bench/run.sh runs, the throughput part); GROUP
# and KC_DELAY (scheduled.rebalance.max.delay.ms) say what to start.
declare -A M_URL=() M_PORT=() M_PID=() M_DIR=()
M_N=0
PRODUCT=
GROUP=
KC_DELAY=0

# member_conf I: writes the worker file of member I (sluice, connect-bench).
member_conf()
{
	local i=$1 d=${M_DIR[$1]} keys
	mapfile -t keys < <(dist_keys "$GROUP")
	RUN_DIR=$d
	case $PRODUCT in
	sluice)
		sluice_worker "$d/worker.properties"
		props_set "$d/worker.properties" -offset.storage.file.filename \
			"listeners=http://127.0.0.1:${M_PORT[$i]}" "${keys[@]}"
		;;
	connect-bench)
		connect_worker "$d/worker.properties"
		props_set "$d/worker.properties" -offset.storage.file.filename \
			"listeners=http://127.0.0.1:${M_PORT[$i]}" "${keys[@]}" \
			"scheduled.rebalance.max.delay.ms=$KC_DELAY"
		;;
	esac
}

# member_launch I: starts member I in the background (sluice,
# connect-bench); M_PID.
member_launch()
{
	local i=$1 d=${M_DIR[$1]}
	case $PRODUCT in
	sluice)
		echo "=== $(date +%T.%N) start" >>"$d/sluice.log"
		"$SLUICE" run -w "$d/worker.properties" >>"$d/sluice.log" 2>&1 &
		M_PID[$i]=$!
		CHILD[$!]="sluice w$i"
		;;
	connect-bench)
		java "${CONNECT_JVM_OPTS[@]}" -Dconnect.log.file="$d/connect.log" \
			-Dlog4j2.configurationFile="file:$d/log4j2.properties" \
			-cp "$CONNECT_CP" org.apache.kafka.connect.cli.ConnectDistributed \
			"$d/worker.properties" >>"$d/stdout.log" 2>&1 </dev/null &
		M_PID[$i]=$!
		CHILD[$!]="Kafka Connect w$i"
		;;
	esac
}

# answers I: member I's REST API is ready (GET /health 200 for Kafka
# Connect, GET /connectors 200 for sluice).
answers()
{
	local path=/connectors
	[[ $PRODUCT == connect* ]] && path=/health
	[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${M_URL[$1]}$path" 2>/dev/null) == 200 ]]
}

# wait_ready I SECONDS
wait_ready()
{
	local deadline=$((SECONDS + $2))
	until answers "$1"; do
		if ! alive "${M_PID[$1]}" || ((SECONDS >= deadline)); then
			log "worker w$1 ($PRODUCT) did not answer on ${M_URL[$1]} within $2 s; its log ends:"
			tail -n 15 "${M_DIR[$1]}"/*.log >&2 2>/dev/null
			return 1
		fi
		sleep 0.2
	done
}

# start_members I...: starts the members (all at once) and waits until
# each answers.
start_members()
{
	local i pids=() rc=0
	for i in "$@"; do
		mkdir -p "${M_DIR[$i]}"
		if [[ $PRODUCT == connect ]]; then
			[[ " ${KC_DIRS[*]} " == *" ${M_DIR[$i]} "* ]] || KC_DIRS+=("${M_DIR[$i]}")
			local pairs
			mapfile -t pairs < <(dist_keys "$GROUP")
			"$ROOT/scripts/connect.sh" start "${M_DIR[$i]}" "$BOOTSTRAP" "${pairs[@]}" \
				"scheduled.rebalance.max.delay.ms=$KC_DELAY" \
				>"${M_DIR[$i]}/start.out" 2>>"${M_DIR[$i]}/start.err" &
			pids+=($!)
		else
			[[ -n ${M_PORT[$i]:-} ]] || M_PORT[$i]=$(free_port)
			M_URL[$i]=http://127.0.0.1:${M_PORT[$i]}
			[[ -f ${M_DIR[$i]}/worker.properties ]] || member_conf "$i"
			member_launch "$i"
		fi
	done
	if [[ $PRODUCT == connect ]]; then
		for i in "${pids[@]}"; do
			wait "$i" || rc=1
		done
		for i in "$@"; do
			M_URL[$i]=$(cat "${M_DIR[$i]}/url" 2>/dev/null)
			M_PORT[$i]=${M_URL[$i]##*:}
			M_PID[$i]=$(cat "${M_DIR[$i]}/connect.pid" 2>/dev/null)
		done
		((rc == 0)) || {
			cat "${M_DIR[$1]}/start.err" >&2
			return 1
		}
		return 0
	fi
	for i in "$@"; do
		wait_ready "$i" 90 || return 1
	done
}

# stop_members: SIGTERM to every member, SIGKILL after 20 s.
stop_members()
{
	local i pids=()
	for ((i = 1; i <= M_N; i++)); do
		[[ -n ${M_PID[$i]:-} ]] && pids+=("${M_PID[$i]}")
	done
	((${#pids[@]})) && stop_pids "${pids[@]}"
	for ((i = 1; i <= M_N; i++)); do
		[[ $PRODUCT == connect ]] && rm -f "${M_DIR[$i]}/connect.pid"
		M_PID[$i]=
	done
}

# member_of WORKER_ID: the member whose REST port the id names (empty when
# none does).
member_of()
{
	local i
	for ((i = 1; i <= M_N; i++)); do
		[[ ${1##*:} == "${M_PORT[$i]}" ]] && { echo "$i"; return 0; }
	done
}

# init_members PRODUCT GROUP N: a new configuration of N members in
# TMP/GROUP/wI.
init_members()
{
	local i
	PRODUCT=$1
	GROUP=$2
	M_N=$3
	M_URL=() M_PORT=() M_PID=() M_DIR=()
	for ((i = 1; i <= M_N; i++)); do
		M_DIR[$i]=$TMP/$GROUP/w$i
		mkdir -p "${M_DIR[$i]}"
	done
}

# ---------------------------------------------------------------- REST calls

# post_connector I BODY: POST /connectors on member I, again for up to
# 60 s while it answers otherwise than 201 (a rebalance in progress, a
# leader not known yet); a 409 for a connector that exists by then counts
# as created.
post_connector()
{
	local deadline=$((SECONDS + 60)) code name out=$TMP/post.out
	name=$(jq -r .name <<<"$2")
	while :; do
		code=$(curl -sS -o "$out" -w '%{http_code}' --max-time 20 -X POST \
			-H 'Content-Type: application/json' "${M_URL[$1]}/connectors" -d "$2" 2>/dev/null)
		[[ $code == 201 ]] && return 0
		[[ $code == 409 ]] && curl -fs --max-time 2 -o /dev/null "${M_URL[$1]}/connectors/$name" &&
			return 0
		if ((SECONDS >= deadline)); then
			log "POST /connectors $name on w$1: $code $(head -c 300 "$out")"
			return 1
		fi
		sleep 0.5
	done
}

# view I: one "connector task state worker_id" line per task of CONNS as
# member I reports them: every GET /connectors/<name>/status in one curl
# (one connection). Fails unless every connector answered with its task.
view()
{
	local c urls=() out
	for c in "${CONNS[@]}"; do
		urls+=("${M_URL[$1]}/connectors/$c/status")
	done
	out=$(curl -s --max-time 2 "${urls[@]}" 2>/dev/null |
		jq -rs '.[] | select(.tasks != null) | .name as $n | .tasks[] |
			"\($n) \(.id) \(.state) \(.worker_id)"' 2>/dev/null) || return 1
	(($(grep -c . <<<"$out") == ${#CONNS[@]})) || return 1
	printf '%s\n' "$out"
}

# all_running_off VIEW WORKER_ID: every task RUNNING, none on WORKER_ID.
all_running_off()
{
	awk -v bad="$2" '$3 != "RUNNING" || $4 == bad { exit 1 }' <<<"$1"
}

# spread_of VIEW: tasks per member, "w1=2 w2=2 w3=2" (members in order;
# "elsewhere=N" for worker ids of no live member).
spread_of()
{
	local i id n out=""
	local -A cnt=()
	while read -r _ _ _ id; do
		[[ -n $id ]] || continue
		i=$(member_of "$id")
		i=${i:-0}
		cnt[$i]=$((${cnt[$i]:-0} + 1))
	done <<<"$1"
	for ((i = 1; i <= M_N; i++)); do
		out+="w$i=${cnt[$i]:-0} "
	done
	[[ -n ${cnt[0]:-} ]] && out+="elsewhere=${cnt[0]} "
	echo "${out% }"
}

# leader_member: the member that leads the group now, from the logs
# (empty when unknown). sluice: the member holding slot 0 (its "took
# slot(s)" / "giving up slot(s)" / "stopping the tasks of slot(s)" lines
# since its last start); Kafka Connect: the leaderUrl of the newest
# generation any member joined.
leader_member()
{
	local i port
	if [[ $PRODUCT == sluice ]]; then
		for ((i = 1; i <= M_N; i++)); do
			alive "${M_PID[$i]:-0}" || continue
			awk '/^=== .* start$/ { h = 0 }
				/cluster: took slot\(s\) / { l = $0; sub(/.*took slot\(s\) /, "", l)
					if (("," l ",") ~ /,0,/) h = 1 }
				/cluster: giving up slot\(s\) / { l = $0; sub(/.*giving up slot\(s\) /, "", l)
					sub(/:.*/, "", l); if (("," l ",") ~ /,0,/) h = 0 }
				/stopping the tasks of slot\(s\) / { l = $0; sub(/.*slot\(s\) /, "", l)
					if (("," l ",") ~ /,0,/) h = 0 }
				END { exit !h }' "${M_DIR[$i]}/sluice.log" && { echo "$i"; return 0; }
		done
		return 0
	fi
	port=$(cat "${M_DIR[@]/%//connect.log}" 2>/dev/null |
		sed -n "s/.*Joined group at generation \([0-9]*\) .*leaderUrl='[a-z]*:\/\/[^:]*:\([0-9]*\).*/\1 \2/p" |
		sort -n | tail -n 1 | cut -d' ' -f2)
	[[ -n $port ]] && member_of "x:$port"
	return 0
}

# spread_ok VIEW: every task RUNNING on a live member, and every live
# member runs at least one.
spread_ok()
{
	local i id
	local -A has=()
	awk '$3 != "RUNNING" { exit 1 }' <<<"$1" || return 1
	while read -r _ _ _ id; do
		i=$(member_of "$id")
		[[ -n $i ]] || return 1
		alive "${M_PID[$i]}" || return 1
		has[$i]=1
	done <<<"$1"
	for ((i = 1; i <= M_N; i++)); do
		alive "${M_PID[$i]}" && [[ -z ${has[$i]:-} ]] && return 1
	done
	return 0
}

# wait_spread I SECONDS: polls member I until spread_ok holds and the view
# stayed the same for 3 s; SPREAD_US is when that view was first seen,
# LAST_VIEW the view. Fails after SECONDS.
wait_spread()
{
	local deadline=$((SECONDS + $2)) v last="" first=0 t
	SPREAD_US=0
	while ((SECONDS < deadline)); do
		t=$(now_us)
		if v=$(view "$1") && spread_ok "$v"; then
			if [[ $v == "$last" ]]; then
				((t - first >= 3000000)) && {
					SPREAD_US=$first
					LAST_VIEW=$v
					return 0
				}
			else
				last=$v
				first=$t
			fi
		else
			last=""
			LAST_VIEW=${v:-}
		fi
		sleep 0.2
	done
	return 1
}

# ---------------------------------------------------------------- failover

# writer DIR: appends a numbered line to each of DIR/in/f1..f6.txt ten
# times a second until DIR/stop exists.
writer()
{
	local d=$1 n=0 f
	while [[ ! -e $d/stop ]]; do
		n=$((n + 1))
		for ((f = 1; f <= FO_CONNECTORS; f++)); do
			printf 'f%d-%08d\n' "$f" "$n" >>"$d/in/f$f.txt"
		done
		sleep 0.1
	done
}

# failover_run PRODUCT SETTING ROUNDS CAP KC_DELAY: one configuration of the
# failover part; rows go to RAW_FO, the rounds' seconds to FO_TIMES.
failover_run()
{
	local product=$1 setting=$2 rounds=$3 cap=$4 d wpid i r body key pname
	local -a times=()
	KC_DELAY=$5
	key="$product|$setting"
	pname=sluice
	[[ $product == connect ]] && pname="Kafka Connect"
	FO_ORDER+=("$key")
	init_members "$product" "scale-fo-${product}-$KC_DELAY-$RUN_ID" 3
	d=$TMP/$GROUP
	mkdir -p "$d/in"
	log "failover, $product ($setting): group $GROUP"
	writer "$d" &
	wpid=$!
	CHILD[$wpid]="writer"
	CONNS=()
	for ((i = 1; i <= FO_CONNECTORS; i++)); do
		CONNS+=("$GROUP-c$i")
	done
	if ! start_members 1 2 3; then
		NOTES+=("failover $product ($setting): the workers did not start")
		FO_TIMES[$key]="failed"
		stop_members
		touch "$d/stop"
		stop_pids "$wpid"
		return 1
	fi
	log "workers: $(for ((i = 1; i <= 3; i++)); do printf 'w%d=%s(pid %s) ' "$i" "${M_URL[$i]}" "${M_PID[$i]}"; done)"
	local class=file-source
	[[ $product == connect* ]] && class=FileStreamSource
	for ((i = 1; i <= FO_CONNECTORS; i++)); do
		body=$(jq -nc --arg n "${CONNS[i - 1]}" --arg c "$class" --arg f "$d/in/f$i.txt" \
			--arg t "$GROUP-t" '{name: $n, config: {"connector.class": $c, "tasks.max": "1",
			file: $f, topic: $t}}')
		post_connector 1 "$body" || {
			NOTES+=("failover $product ($setting): creating ${CONNS[i - 1]} failed")
			break
		}
	done
	local q victim vid vpid held t0 t1 v ts rem result rejoin before after leader isleader
	if ! wait_spread 1 120; then
		log "the tasks did not spread over the 3 workers within 120 s: $(spread_of "${LAST_VIEW:-}")"
		NOTES+=("failover $product ($setting): the 6 tasks were not RUNNING and spread over 3 workers within 120 s after creation ($(spread_of "${LAST_VIEW:-}")); measured anyway")
	fi
	q=1
	for ((r = 1; r <= rounds; r++)); do
		# the victim: the member running the most tasks; the poll goes to
		# another live member
		v=$(view "$q") || v=${LAST_VIEW:-}
		# the member running the most tasks; of several, one that does not
		# lead the group (a Kafka Connect leader that dies takes the
		# memory of the old assignment with it: the next leader hands its
		# tasks out at once, whatever scheduled.rebalance.max.delay.ms)
		leader=$(leader_member)
		victim=$(awk '{ print $4 }' <<<"$v" | sort | uniq -c | awk '{ print $1, $2 }' |
			while read -r cnt id; do echo "$cnt $(member_of "$id")"; done |
			awk -v l="$leader" '$2 != "" { print $1, ($2 == l ? 1 : 0), $2 }' |
			sort -k1,1nr -k2,2n -k3,3n | awk 'NR == 1 { print $3 }')
		[[ -n $victim ]] || victim=1
		isleader=no
		[[ $victim == "$leader" ]] && isleader=yes
		for ((i = 1; i <= 3; i++)); do
			((i != victim)) && alive "${M_PID[$i]}" && { q=$i; break; }
		done
		vid=127.0.0.1:${M_PORT[$victim]}
		vpid=${M_PID[$victim]}
		held=$(awk -v id="$vid" '$4 == id { n++ } END { print n + 0 }' <<<"$v")
		log "round $r: SIGKILL w$victim ($vid, pid $vpid, $held tasks, leader: $isleader; leader w${leader:-?}; $(spread_of "$v")), polling w$q"
		before=$(spread_of "$v")
		t0=$(now_us)
		kill -KILL "$vpid"
		# reaped at once, so bash prints no "Killed" notice later
		[[ -n ${CHILD[$vpid]:-} ]] && {
			{ wait "$vpid"; } 2>/dev/null
			unset "CHILD[$vpid]"
		}
		result=
		while :; do
			ts=$(now_us)
			if v=$(view "$q") && all_running_off "$v" "$vid"; then
				t1=$(now_us)
				result=$(secs $((t1 - t0)))
				break
			fi
			((ts - t0 >= cap * 1000000)) && break
			rem=$((100000 - ($(now_us) - ts)))
			((rem > 0)) && sleep "$(printf '0.%06d' "$rem")"
		done
		if [[ -n $result ]]; then
			log "round $r: every task RUNNING off w$victim after $result s: $(spread_of "$v")"
		else
			result="> $cap s"
			log "round $r: not every task RUNNING off w$victim within $cap s: $(tr '\n' ';' <<<"${v:-}")"
		fi
		times+=("$result")
		rejoin=-
		after=-
		if [[ $product == connect && $KC_DELAY != 0 ]]; then
			:
		else
			t0=$(now_us)
			if start_members "$victim" && wait_spread "$q" "$REJOIN_CAP"; then
				rejoin=$(secs $((SPREAD_US - t0)))
				after=$(spread_of "$LAST_VIEW")
				log "round $r: w$victim restarted; tasks over all three after $rejoin s: $(spread_of "$LAST_VIEW")"
			else
				rejoin="> $REJOIN_CAP s"
				after=$(spread_of "${LAST_VIEW:-}")
				log "round $r: w$victim restarted, but the tasks were not RUNNING over all three within $REJOIN_CAP s: $(spread_of "${LAST_VIEW:-}")"
				NOTES+=("failover $product ($setting) round $r: after the restart of w$victim the tasks were not RUNNING and spread over all three workers within $REJOIN_CAP s ($(spread_of "${LAST_VIEW:-}"))")
			fi
		fi
		RAW_FO+=("$pname	$setting	$r	$before	w$victim	$isleader	w$q	$result	$(spread_of "$v")	$rejoin	$after")
	done
	FO_TIMES[$key]=$(printf '%s,' "${times[@]}")
	touch "$d/stop"
	stop_pids "$wpid"
	stop_members
	log_problems "failover $product ($setting)"
}

# log_problems WHAT: counts the warnings and errors in the members' logs.
log_problems()
{
	local i n f
	for ((i = 1; i <= M_N; i++)); do
		for f in "${M_DIR[$i]}"/sluice.log "${M_DIR[$i]}"/connect.log; do
			[[ -f $f ]] || continue
			if [[ $f == *sluice.log ]]; then
				n=$(grep -cE ' (WARN|ERROR) |^%[0-4]\|' "$f")
			else
				n=$(grep -cE '^\[[^]]*\] (WARN|ERROR) ' "$f")
			fi
			((n > 0)) && log "$1: w$i: $n warning/error lines in $f"
		done
	done
	return 0
}

# ---------------------------------------------------------------- throughput

# make_inputs: TP_FILES, three files of BENCH_LINES lines of 100 bytes (a
# 10-digit number, a space, 89 bytes of fixed text), written once.
make_inputs()
{
	local i f
	mkdir -p "$TMP/data"
	TP_FILES=()
	for ((i = 1; i <= TP_CONNECTORS; i++)); do
		f=$TMP/data/in$i.txt
		awk -v n="$BENCH_LINES" -v k="$i" 'BEGIN {
			pad = ""
			while (length(pad) < 89) pad = pad "abcdefghijklmnopqrstuvwxyz0123456789"
			pad = substr(pad, 1, 89)
			for (j = 1; j <= n; j++) printf "%d%09d %s\n", k, j, pad
		}' >"$f" || die "writing $f failed"
		TP_FILES+=("$f")
	done
	log "inputs: ${TP_CONNECTORS} files of $BENCH_LINES lines of 100 bytes ($(du -sh "$TMP/data" | cut -f1))"
}

# end_offsets TOPIC...: "N1 N2 ..." (0 for a topic not there yet).
end_offsets()
{
	local args=() t
	for t in "$@"; do
		args+=(-t "$t:0:-1")
	done
	timeout 10 kcat -Q -b "$BOOTSTRAP" "${args[@]}" 2>/dev/null |
		awk -v topics="$*" 'BEGIN { n = split(topics, t, " ") }
			$2 == "[0]" && $3 == "offset" && $4 ~ /^[0-9]+$/ { off[$1] = $4 }
			END { for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? " " : ""), off[t[i]] + 0; print "" }'
}

# warm_up: one pass of an input file through the broker (kcat), so the
# first configuration does not pay the broker's JIT warm-up alone.
warm_up()
{
	log "warm-up: ${TP_FILES[0]##*/} through the broker (kcat)"
	kcat -P -b "$BOOTSTRAP" -t "scale-warmup-$RUN_ID" -l "${TP_FILES[0]}" 2>/dev/null &&
		timeout 120 kcat -C -b "$BOOTSTRAP" -t "scale-warmup-$RUN_ID" -o beginning -e -q \
			-f '\n' 2>/dev/null | wc -l >/dev/null
}

# members_quiet SECONDS: waits until the members used under 5 % of a core
# over a second (their group settled), at most SECONDS.
members_quiet()
{
	local deadline=$((SECONDS + $1)) a b i pids=()
	for ((i = 1; i <= M_N; i++)); do
		pids+=("${M_PID[$i]}")
	done
	sleep 2
	while ((SECONDS < deadline)); do
		a=$(cpu_of "${pids[@]}")
		sleep 1
		b=$(cpu_of "${pids[@]}")
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.05) }' && return 0
	done
	log "the workers still use CPU after $1 s; measuring anyway"
}

# throughput_run PRODUCT N: one configuration of the throughput part.
throughput_run()
{
	local product=$1 n=$2 name d i body topics=() pids=() class=file-source
	local c0 c1 b0 b1 t0 t1 tfirst=0 offs sum rc=0 v
	name=sluice
	[[ $product == connect-bench ]] && {
		name="Kafka Connect"
		class=FileStreamSource
	}
	KC_DELAY=0
	init_members "$product" "scale-tp-${product%%-*}-$n-$RUN_ID" "$n"
	d=$TMP/$GROUP
	log "throughput, $name with $n worker(s): group $GROUP"
	CONNS=()
	for ((i = 1; i <= TP_CONNECTORS; i++)); do
		CONNS+=("$GROUP-c$i")
		topics+=("$GROUP-t$i")
	done
	local ids=()
	for ((i = 1; i <= n; i++)); do
		ids+=("$i")
	done
	if ! start_members "${ids[@]}"; then
		NOTES+=("throughput $name $n worker(s): the workers did not start")
		stop_members
		return 1
	fi
	for ((i = 1; i <= n; i++)); do
		pids+=("${M_PID[$i]}")
	done
	members_quiet 30
	# shellcheck disable=SC2034 # bench/lib.sh's wait_quiet reads it
	RUN_DIR=$d
	wait_quiet
	others_snap "$d/others.snap"
	c0=$(cpu_of "${pids[@]}")
	b0=$(broker_cpu)
	t0=$(now_us)
	for ((i = 1; i <= TP_CONNECTORS; i++)); do
		body=$(jq -nc --arg n "${CONNS[i - 1]}" --arg c "$class" --arg f "${TP_FILES[i - 1]}" \
			--arg t "${topics[i - 1]}" '{name: $n, config: {"connector.class": $c,
			"tasks.max": "1", file: $f, topic: $t}}')
		post_connector 1 "$body" || { rc=1; break; }
	done
	while ((rc == 0)); do
		offs=$(end_offsets "${topics[@]}")
		t1=$(now_us)
		sum=$(awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }' <<<"$offs")
		((tfirst == 0 && sum > 0)) && tfirst=$t1
		awk -v l="$BENCH_LINES" '{ for (i = 1; i <= NF; i++) if ($i < l) exit 1 }' <<<"$offs" && break
		for ((i = 1; i <= n; i++)); do
			alive "${M_PID[$i]}" || { log "worker w$i died"; rc=1; }
		done
		if ((t1 - t0 > BENCH_TIMEOUT * 1000000)); then
			log "not done after $BENCH_TIMEOUT s: end offsets $offs"
			rc=1
		fi
		sleep 0.1
	done
	c1=$(cpu_of "${pids[@]}")
	b1=$(broker_cpu)
	local others
	others=$(others_since "$d/others.snap")
	v=$(view 1) || v=
	local t parts
	for t in "${topics[@]}"; do
		parts=$(timeout 10 kcat -L -b "$BOOTSTRAP" -t "$t" 2>/dev/null |
			sed -n 's/.*topic "[^"]*" with \([0-9]*\) partitions.*/\1/p')
		[[ $parts == 1 ]] ||
			NOTES+=("throughput $name $n worker(s): topic $t has ${parts:-?} partitions, not 1")
	done
	local spread
	spread=$(spread_of "$v")
	if ((rc != 0)); then
		NOTES+=("throughput $name $n worker(s): failed (end offsets ${offs:-?} of $BENCH_LINES each; tasks $spread)")
		TP_ROW["$name|$n"]="| $name | $n | failed | | | | | |"
		RAW_TP+=("$name	$n	$BENCH_LINES	failed	-	-	-	-	-	$spread	${offs:-?}")
	else
		local s f rate wc bc
		s=$(secs $((t1 - t0)))
		f=$(secs $((tfirst - t0)))
		rate=$(awk -v n="$BENCH_LINES" -v k="$TP_CONNECTORS" -v s="$s" 'BEGIN { printf "%.0f", n * k / s }')
		wc=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
		bc=$(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.2f", b - a }')
		log "$name, $n worker(s): $((BENCH_LINES * TP_CONNECTORS)) records in $s s (first after $f s): $rate records/s; workers $wc CPU s, broker $bc CPU s, others $others CPU s; tasks $spread; end offsets $offs"
		TP_ROW["$name|$n"]="| $name | $n | $s | $(group3 "$rate") | $f | $wc | $bc | $spread |"
		RAW_TP+=("$name	$n	$BENCH_LINES	$s	$f	$rate	$wc	$bc	$others	$spread	$offs")
		awk -v l="$BENCH_LINES" '{ for (i = 1; i <= NF; i++) if ($i > l) exit 1 }' <<<"$offs" ||
			NOTES+=("throughput $name $n worker(s): end offsets $offs: more records than lines (duplicates)")
	fi
	stop_members
	log_problems "throughput $name $n worker(s)"
	return "$rc"
}

# group3 N: 1234567 -> 1,234,567
group3()
{
	sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"
}

# ---------------------------------------------------------------- report

# median V...: of the values ("> CAP" counts as larger than any number).
median()
{
	printf '%s\n' "$@" | awk '
		{ v[NR] = ($1 == ">" ? 1e9 + $2 : $1); s[NR] = $0 }
		END {
			if (NR == 0) { print "-"; exit }
			for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
				if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t; t = s[i]; s[i] = s[j]; s[j] = t }
			if (NR % 2) { m = v[(NR + 1) / 2]; ms = s[(NR + 1) / 2] }
			else if (v[NR / 2 + 1] >= 1e9) { m = v[NR / 2 + 1]; ms = s[NR / 2 + 1] }
			else { m = (v[NR / 2] + v[NR / 2 + 1]) / 2; ms = sprintf("%.2f", m) }
			print (m >= 1e9 ? ms : sprintf("%.2f", m))
		}'
}

build_type()
{
	local cache
	cache=$(dirname "$SLUICE")/CMakeCache.txt
	[[ -f $cache ]] && sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache"
}

report()
{
	local took=$((SECONDS - T0)) key product setting vals i row
	echo "# sluice distributed mode against Kafka Connect $CONNECT_VERSION distributed ($(date -u '+%Y-%m-%d %H:%M UTC'))"
	echo
	echo "- machine: $(nproc) × $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, Linux $(uname -r); the broker, every worker and the harness share these $(nproc) cores (more workers cannot add CPU)"
	echo "- sluice: $SLUICE ($(build_type || true) build, $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- core connectors 2>/dev/null || echo ', local changes in core/ or connectors/')); librdkafka $(pkg-config --modversion rdkafka 2>/dev/null); Apache Kafka $KAFKA_VERSION broker (KRaft, scripts/kafka.sh); Kafka Connect $CONNECT_VERSION; $(java -version 2>&1 | head -n 1)"
	echo "- both: session.timeout.ms=$SESSION_MS, heartbeat.interval.ms=$HEARTBEAT_MS, offset.flush.interval.ms=$OFFSET_FLUSH_MS, string converters, internal topics with replication factor 1"
	echo "- took $((took / 60)) min $((took % 60)) s"
	echo
	if [[ " $SCALING_PARTS " == *" failover "* ]]; then
		echo "## Failover"
		echo
		echo "3 workers, $FO_CONNECTORS file source connectors of one task each (files appended to 10 lines/s). The worker running the most tasks (of several, one that does not lead the group: a Kafka Connect leader that dies takes the old assignment with it, and the next leader hands its tasks out at once whatever scheduled.rebalance.max.delay.ms says) is SIGKILLed; failover = from the kill until a survivor's GET /connectors/<name>/status (polled every 100 ms) shows every task RUNNING on another worker. The killed worker is restarted between rounds. Kafka Connect: scripts/connect.sh (ConnectDistributed)."
		echo
		echo "| product | setting | rounds (s) | median (s) |"
		echo "|---|---|---|---|"
		for key in "${FO_ORDER[@]}"; do
			product=${key%%|*}
			setting=${key#*|}
			IFS=, read -r -a vals <<<"${FO_TIMES[$key]%,}"
			[[ $product == connect ]] && product="Kafka Connect $CONNECT_VERSION" || product=sluice
			echo "| $product | $setting | $(printf '%s, ' "${vals[@]}" | sed 's/, $//') | $(median "${vals[@]}") |"
		done
		echo
	fi
	if [[ " $SCALING_PARTS " == *" throughput "* ]]; then
		echo "## Throughput with 1, 2, 3 workers"
		echo
		echo "$TP_CONNECTORS file source connectors of one task each, each on its own file of $(group3 "$BENCH_LINES") lines of 100 bytes into its own 1-partition topic; seconds from the first POST /connectors until every topic's end offset holds every line (kcat -Q, every 100 ms); records/s = $TP_CONNECTORS × lines / seconds; first = seconds until the first record was in a topic; CPU seconds over the same time (/proc/PID/stat). Kafka Connect: bench/run.sh's worker settings and JVM options (bench/lib.sh), FileStreamSource with its default batch.size."
		echo
		echo "| product | workers | seconds | records/s | first (s) | workers CPU s | broker CPU s | tasks per worker |"
		echo "|---|---|---|---|---|---|---|---|"
		for i in $SCALING_WORKERS; do
			for product in sluice "Kafka Connect"; do
				row=${TP_ROW["$product|$i"]:-}
				[[ -n $row ]] && echo "$row"
			done
		done
		echo
	fi
	if ((${#NOTES[@]})); then
		echo "## Notes"
		echo
		printf -- '- %s\n' "${NOTES[@]}"
		echo
	fi
	echo "## Raw numbers"
	echo
	echo '```'
	if ((${#RAW_FO[@]})); then
		printf 'failover\tproduct\tsetting\tround\ttasks_before\tkilled\tkilled_was_leader\tpolled\tfailover_s\ttasks_after_failover\trejoin_s\ttasks_after_rejoin\n'
		printf 'failover\t%s\n' "${RAW_FO[@]}"
	fi
	if ((${#RAW_TP[@]})); then
		printf 'throughput\tproduct\tworkers\tlines_per_file\tseconds\tfirst_s\trecords_per_s\tworkers_cpu_s\tbroker_cpu_s\tothers_cpu_s\ttasks\tend_offsets\n'
		printf 'throughput\t%s\n' "${RAW_TP[@]}"
	fi
	echo '```'
}

# ---------------------------------------------------------------- main

main()
{
	local t c n order
	[[ -x $SLUICE ]] || die "no sluice binary at $SLUICE (build it first; this script does not)"
	for t in curl jq kcat java awk python3; do
		command -v "$t" >/dev/null || die "$t is missing (scripts/install-deps.sh)"
	done
	[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ && $BENCH_LINES =~ ^[1-9][0-9]*$ ]] ||
		die "BENCH_ROUNDS and BENCH_LINES must be positive numbers"
	log "sluice: $SLUICE ($(build_type || echo unknown) build); temp dir $TMP"
	[[ $(build_type) == Debug ]] && NOTES+=("$SLUICE is a Debug build (no optimisation): its CPU and throughput figures are worse than a Release build's")
	CONNECT_CP=$("$BENCH_DIR/connect.sh" fetch) || die "could not fetch Kafka Connect"
	"$ROOT/scripts/connect.sh" fetch >/dev/null || die "could not fetch Kafka Connect"
	BROKER_UP=1
	BOOTSTRAP=$("$ROOT/scripts/kafka.sh" start "$KAFKA_DIR") || die "the broker did not start"
	BROKER_PID=$(cat "$KAFKA_DIR/kafka.pid")
	log "Kafka $KAFKA_VERSION at $BOOTSTRAP (pid $BROKER_PID)"
	mkdir -p "$(dirname "$SCALING_OUT")"

	if [[ " $SCALING_PARTS " == *" failover "* ]]; then
		failover_run sluice "reassigns at once" "$BENCH_ROUNDS" "$FAILOVER_CAP" 0
		failover_run connect "scheduled.rebalance.max.delay.ms=0" "$BENCH_ROUNDS" "$FAILOVER_CAP" 0
		failover_run connect "scheduled.rebalance.max.delay.ms=$KC_DEFAULT_DELAY (default), 1 round, capped at $DEFAULT_DELAY_CAP s" \
			1 "$DEFAULT_DELAY_CAP" "$KC_DEFAULT_DELAY"
	fi
	if [[ " $SCALING_PARTS " == *" throughput "* ]]; then
		make_inputs
		warm_up || log "the warm-up failed (going on)"
		c=0
		for n in $SCALING_WORKERS; do
			# the products alternate which one runs first
			if ((c++ % 2 == 0)); then order=(sluice connect-bench); else order=(connect-bench sluice); fi
			for t in "${order[@]}"; do
				throughput_run "$t" "$n"
			done
		done
	fi
	report | tee "$SCALING_OUT"
	log "report written to $SCALING_OUT"
}

main "$@"
