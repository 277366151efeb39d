#!/usr/bin/env bash
# End-to-end tests of distributed mode against one real Kafka broker: three
# `sluice run -w WORKER` processes whose worker file has group.id form one
# group (configs, offsets and statuses in Kafka Connect's three internal
# topics); connectors are created over the REST API, their tasks spread
# over the workers and move when a worker dies.
#   1. file-source (a glob of 6 files that grow all along, 3 tasks, a topic
#      of 3 partitions) and file-sink on workers w1 w2 w3; one worker at a
#      time is SIGKILLed five times (w1 w2 w3 w1 w2) and restarted: every
#      failover (each task and connector RUNNING on a survivor) within
#      session.timeout.ms + 10 s, the restarted worker takes work back, no
#      line lost (duplicates are logged: at least once)
#   2. a worker SIGSTOPped past the session timeout: its tasks move to the
#      others; once it runs again its own REST API reports none of them
#      RUNNING on itself while another worker runs it, and its log says it
#      lost them; no line lost
#   3. `sluice run` with a distributed worker file and a connector file is
#      refused (connectors of a distributed worker come over the REST API)
# Each scenario has its own group, internal topics, workers and connectors.
# E2E_SCENARIOS picks some of "1 2 3".
# shellcheck disable=SC2317 # the predicates run through check and wait_for
source "$(dirname "$0")/lib.sh"

SESSION_MS=6000
FAILOVER_MAX=$((SESSION_MS / 1000 + 10)) # seconds from a kill to everything elsewhere
SRC_TASKS=3
# file-sink has no task split of its own (it declares no task_configs, so
# it runs one task whatever tasks.max says) and must be the only writer of
# its output file (it cuts the file back to its last flush at start): one
# sink task writing one file. It moves between the workers like the others.
SINK_TASKS=1

need curl jq python3 seq awk sort timeout
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

declare -A PORT=() # worker name -> its REST port (its worker_id is 127.0.0.1:PORT)
declare -A CONF=() # worker name -> its worker file
WORKERS=()         # the workers of the running scenario
SRC_NAME=""        # the running scenario's connectors
SINK_NAME=""
WRITER_PID=""

# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

now()
{
	date +%s.%N
}

# since T0: seconds since T0 (from now), one decimal.
since()
{
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# must NAME COMMAND...: check, and returns the command's status.
must()
{
	local name=$1
	shift
	if "$@"; then
		pass "$name"
		return 0
	fi
	fail "$name"
	return 1
}

# le A B: A <= B (decimals).
le()
{
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'
}

url()
{
	echo "http://127.0.0.1:${PORT[$1]}"
}

# wid NAME: the worker_id statuses name the worker by.
wid()
{
	echo "127.0.0.1:${PORT[$1]}"
}

# name_of WORKER_ID: the scenario's worker of that id (empty when none).
name_of()
{
	local n
	for n in "${WORKERS[@]}"; do
		[[ $(wid "$n") == "$1" ]] && echo "$n"
	done
	return 0
}

# dist_worker_conf FILE PORT GROUP: a distributed worker of GROUP (internal
# topics GROUP-configs, -offsets, -status on the one broker) with lib.sh's
# worker_conf settings (no offset file), its REST API on PORT.
dist_worker_conf()
{
	props "$1" \
		"bootstrap.servers=$BOOTSTRAP" \
		"group.id=$3" \
		"config.storage.topic=$3-configs" \
		"offset.storage.topic=$3-offsets" \
		"status.storage.topic=$3-status" \
		"config.storage.replication.factor=1" \
		"offset.storage.replication.factor=1" \
		"status.storage.replication.factor=1" \
		"offset.storage.partitions=5" \
		"status.storage.partitions=5" \
		"session.timeout.ms=$SESSION_MS" \
		"heartbeat.interval.ms=1000" \
		"offset.flush.interval.ms=500" \
		"key.converter=string" \
		"value.converter=string" \
		"key.converter.schemas.enable=false" \
		"value.converter.schemas.enable=false" \
		"consumer.session.timeout.ms=6000" \
		"consumer.heartbeat.interval.ms=1000" \
		"consumer.topic.metadata.refresh.interval.ms=1000" \
		"listeners=http://127.0.0.1:$2"
}

# add_worker NAME GROUP DIR: writes DIR/NAME.properties on a free port and
# starts the worker (no connector files: they come over REST).
add_worker()
{
	PORT[$1]=$(free_port)
	CONF[$1]=$3/$1.properties
	dist_worker_conf "${CONF[$1]}" "${PORT[$1]}" "$2"
	start_worker "$1" "${CONF[$1]}"
}

# wait_rest NAME SECONDS: until the worker's GET /connectors answers 200;
# fails at once when the worker died.
wait_rest()
{
	local deadline=$((SECONDS + $2))
	until curl -fs --max-time 2 -o /dev/null "$(url "$1")/connectors"; do
		if ! worker_alive "$1"; then
			echo "wait_rest: worker $1 exited before its REST API answered" >&2
			tail -n 20 "$E2E_TMP/$1.log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "wait_rest: no answer from $(url "$1")/connectors in $2 s" >&2
			return 1
		fi
		sleep 0.2
	done
}

# post_connector NAME BODY: POST /connectors on worker NAME, again for up
# to 30 s while it answers otherwise than 201 (a rebalance in progress, a
# leader not known yet). A 409 for a connector that exists by then is taken
# for a create that went through.
post_connector()
{
	local deadline=$((SECONDS + 30)) code name
	name=$(jq -r .name <<<"$2")
	while :; do
		code=$(curl -sS -o "$E2E_TMP/post.out" -w '%{http_code}' --max-time 10 -X POST \
			-H 'Content-Type: application/json' "$(url "$1")/connectors" -d "$2" 2>/dev/null)
		[[ $code == 201 ]] && return 0
		[[ $code == 409 ]] && curl -fs --max-time 2 -o /dev/null "$(url "$1")/connectors/$name" &&
			return 0
		if ((SECONDS >= deadline)); then
			echo "post_connector: POST /connectors $name on $1: $code $(head -c 300 "$E2E_TMP/post.out")" >&2
			return 1
		fi
		sleep 0.5
	done
}

# view NAME: both connectors and their tasks as worker NAME's REST API
# reports them (GET /connectors/<c>/status), one "connector id state
# worker_id" line each (id "connector" for the connector itself), sorted.
# Fails when NAME does not answer or a connector has not its number of
# tasks.
view()
{
	local c n s out=""
	for c in "$SRC_NAME:$SRC_TASKS" "$SINK_NAME:$SINK_TASKS"; do
		n=${c##*:}
		c=${c%:*}
		s=$(curl -fsS --max-time 3 "$(url "$1")/connectors/$c/status" 2>/dev/null) || return 1
		jq -e --argjson n "$n" '.tasks | length == $n' >/dev/null 2>&1 <<<"$s" || return 1
		out+=$(jq -r --arg c "$c" '"\($c) connector \(.connector.state) \(.connector.worker_id)",
			(.tasks[] | "\($c) \(.id) \(.state) \(.worker_id)")' <<<"$s")$'\n' || return 1
	done
	printf '%s' "$out" | sort
}

# all_running_off NAME BAD_ID: NAME reports both connectors and every task
# RUNNING, none of them on the worker BAD_ID.
all_running_off()
{
	local v
	v=$(view "$1") || return 1
	[[ -n $v ]] && awk -v bad="$2" '$3 != "RUNNING" || $4 == bad { exit 1 }' <<<"$v"
}

# runs_on NAME ID: how many tasks and connectors NAME reports RUNNING on
# worker ID.
runs_on()
{
	local v
	v=$(view "$1") || {
		echo 0
		return 1
	}
	awk -v id="$2" '$3 == "RUNNING" && $4 == id { n++ } END { print n + 0 }' <<<"$v"
}

# spread NAME: who runs what as NAME reports it, "w1:src/0,src/connector
# w2:sink/0 ...".
spread()
{
	local v id what out=""
	v=$(view "$1") || {
		echo "(no answer from $1)"
		return 1
	}
	while read -r id what; do
		out+="$(name_of "$id"):$what "
	done < <(awk '{ w[$4] = w[$4] (w[$4] == "" ? "" : ",") $1 "/" $2 "=" $3 }
		END { for (id in w) print id, w[id] }' <<<"$v" | sort)
	echo "$out"
}

# spread_over_several NAME: NAME reports the tasks RUNNING on more than one
# worker.
spread_over_several()
{
	local v
	v=$(view "$1") || return 1
	(($(awk '$2 != "connector" && $3 == "RUNNING" { print $4 }' <<<"$v" | sort -u | wc -l) > 1))
}

# settled NAME...: every named worker answers, reports both connectors and
# every task RUNNING, and all report the same workers for them.
settled()
{
	local n v first="" have=0
	for n in "$@"; do
		v=$(view "$n") || return 1
		awk '$3 != "RUNNING" { exit 1 }' <<<"$v" || return 1
		if ((!have)); then
			first=$v
			have=1
		elif [[ $v != "$first" ]]; then
			return 1
		fi
	done
}

# live [EXCEPT]: the scenario's workers that run, but EXCEPT.
live()
{
	local n
	for n in "${WORKERS[@]}"; do
		[[ $n != "${1:-}" ]] && worker_alive "$n" && echo "$n"
	done
}

# rejoined NAME: every running worker reports everything RUNNING, all the
# same, and NAME runs a task or a connector (it is in the group again).
rejoined()
{
	local ws
	mapfile -t ws < <(live)
	settled "${ws[@]}" && (($(runs_on "$1" "$(wid "$1")") >= 1))
}

# writer DIR: appends a slice of 20 numbered lines to each of DIR/in/f1.txt
# .. f6.txt about ten times a second until DIR/stop exists. Every line is
# unique ("f3-0000042-07"): the input files are the set the sink must write.
writer()
{
	local dir=$1 s=0 f slice
	while [[ ! -e $dir/stop ]]; do
		s=$((s + 1))
		printf -v slice '%07d' "$s"
		for f in 1 2 3 4 5 6; do
			seq -f "f$f-$slice-%02.0f" 1 20 >>"$dir/in/f$f.txt"
		done
		sleep 0.1
	done
}

stop_writer()
{
	[[ -n $WRITER_PID ]] || return 0
	touch "$1/stop"
	wait "$WRITER_PID"
	forget_pid "$WRITER_PID"
	WRITER_PID=""
}

# setup_cluster TAG DIR GROUP TOPIC: the writer, three workers of GROUP
# (WORKERS), and the source and sink connectors (SRC_NAME, SINK_NAME on
# TOPIC, output DIR/out.txt) created over REST on the first worker; waits
# until every worker reports every task RUNNING, the same, spread over more
# than one worker. Fails when one of those steps fails.
setup_cluster()
{
	local tag=$1 d=$2 g=$3 topic=$4 n body
	mkdir -p "$d/in"
	writer "$d" &
	WRITER_PID=$!
	E2E_PIDS+=("$WRITER_PID")
	wait_for 10 test -s "$d/in/f6.txt" || {
		fail "$tag: the writer writes the input files"
		return 1
	}
	for n in "${WORKERS[@]}"; do
		add_worker "$n" "$g" "$d"
	done
	for n in "${WORKERS[@]}"; do
		if ! wait_rest "$n" 60; then
			fail "$tag: worker $n serves its REST API"
			return 1
		fi
	done
	log "$tag: workers ${WORKERS[*]} on ports $(for n in "${WORKERS[@]}"; do printf '%s ' "${PORT[$n]}"; done)"
	body=$(jq -nc --arg n "$SRC_NAME" --arg f "$d/in/*.txt" --arg t "$topic" \
		--arg m "$SRC_TASKS" \
		'{name: $n, config: {"connector.class": "file-source", "tasks.max": $m, file: $f,
		  topic: $t, "topic.creation.default.partitions": "3",
		  "topic.creation.default.replication.factor": "1"}}')
	must "$tag: POST /connectors creates the file source (glob of 6 files, tasks.max=$SRC_TASKS)" \
		post_connector "${WORKERS[0]}" "$body" || return 1
	body=$(jq -nc --arg n "$SINK_NAME" --arg f "$d/out.txt" --arg t "$topic" \
		--arg m "$SINK_TASKS" \
		'{name: $n, config: {"connector.class": "file-sink", "tasks.max": $m, topics: $t,
		  file: $f, format: "value"}}')
	must "$tag: POST /connectors creates the file sink" \
		post_connector "${WORKERS[0]}" "$body" || return 1
	must "$tag: every worker reports everything RUNNING, all the same" \
		wait_for 60 settled "${WORKERS[@]}" || return 1
	check "$tag: the tasks are spread over more than one worker" \
		wait_for 30 spread_over_several "${WORKERS[0]}"
	log "$tag: $(spread "${WORKERS[0]}")"
}

# finish_data TAG DIR: stops the writer and waits until the sink wrote
# every line of the input files; no line lost, none foreign (torn or
# made up), duplicates logged (at least once).
finish_data()
{
	local tag=$1 d=$2
	stop_writer "$d"
	cat "$d"/in/f*.txt >"$d/expected.txt"
	log "$tag: the writer wrote $(line_count "$d/expected.txt") lines"
	check "$tag: every input line reaches the sink (0 lost)" \
		wait_complete "$d/expected.txt" "$d/out.txt" 90
	log "$tag: $COMPARE"
	check "$tag: no torn or foreign lines in the output" \
		test "$(field foreign "$COMPARE")" = 0
	log "$tag: $(field duplicates "$COMPARE") duplicate lines (allowed: at least once)"
}

# teardown TAG: SIGCONT for a stopped worker, SIGTERM to every worker.
teardown()
{
	local n bad=""
	for n in "${WORKERS[@]}"; do
		[[ -n ${E2E_WORKERS[$n]:-} ]] && kill -CONT "${E2E_WORKERS[$n]}" 2>/dev/null
	done
	for n in "${WORKERS[@]}"; do
		worker_alive "$n" || {
			[[ -n ${E2E_WORKERS[$n]:-} ]] && bad+="$n(died) "
			continue
		}
		stop_worker "$n" 30 || bad+="$n "
	done
	check "$1: every worker exits 0 on SIGTERM${bad:+ (not: $bad)}" test -z "$bad"
}

# 1. Five SIGKILLs, one worker at a time, each restarted.
scenario_failover()
{
	local d=$E2E_TMP/s1 v s i=0 t0 secs held times=() out0 ok
	WORKERS=(w1 w2 w3)
	SRC_NAME=e2e-d1-src
	SINK_NAME=e2e-d1-sink
	if ! setup_cluster 1 "$d" e2e-dist-1 e2e-d1; then
		stop_writer "$d"
		teardown 1
		return
	fi
	out0=$(line_count "$d/out.txt")
	for v in w1 w2 w3 w1 w2; do
		i=$((i + 1))
		s=$(live "$v" | head -n 1)
		held=$(runs_on "$s" "$(wid "$v")")
		log "1: kill #$i: SIGKILL $v ($(wid "$v")); $(spread "$s")"
		check "1: kill #$i: $v ran a task or connector before the kill ($held)" test "$held" -ge 1
		t0=$(now)
		kill_worker "$v" KILL
		ok=1
		wait_for 40 all_running_off "$s" "$(wid "$v")" || ok=0
		secs=$(since "$t0")
		times+=("$secs")
		log "1: kill #$i: $s reports everything RUNNING off $v after $secs s: $(spread "$s")"
		check "1: kill #$i: every task and connector RUNNING on a survivor within $FAILOVER_MAX s ($secs s)" \
			le "$secs" "$FAILOVER_MAX"
		t0=$(now)
		start_worker "$v" "${CONF[$v]}"
		if wait_rest "$v" 30 && wait_for 40 rejoined "$v"; then
			pass "1: kill #$i: the restarted $v is back in the group and runs work ($(since "$t0") s)"
			log "1: kill #$i: $(spread "$v")"
		else
			fail "1: kill #$i: the restarted $v is back in the group and runs work"
			log "1: giving up on the remaining kills"
			break
		fi
		if ((!ok)); then
			log "1: no failover within 40 s: giving up on the remaining kills"
			break
		fi
	done
	log "1: failover seconds: ${times[*]}"
	check "1: the sink wrote on across the kills ($out0 -> $(line_count "$d/out.txt") lines)" \
		test "$(line_count "$d/out.txt")" -gt "$out0"
	finish_data 1 "$d"
	teardown 1
}

# 2. A worker stopped (SIGSTOP) past the session timeout, then continued.
scenario_sigstop()
{
	local d=$E2E_TMP/s2 victim me s t0 secs held pid loglines vv sv conflicts
	WORKERS=(x1 x2 x3)
	SRC_NAME=e2e-d2-src
	SINK_NAME=e2e-d2-sink
	if ! setup_cluster 2 "$d" e2e-dist-2 e2e-d2; then
		stop_writer "$d"
		teardown 2
		return
	fi
	# the sink task's worker: it runs at least one task, and the one task
	# whose zombie would write the output file beside its successor
	me=$(view x1 | awk -v c="$SINK_NAME" '$1 == c && $3 == "RUNNING" { print $4; exit }')
	victim=$(name_of "$me")
	if [[ -z $victim ]] || ! worker_alive "$victim"; then
		fail "2: the sink task runs on one of the workers (worker_id '$me')"
		stop_writer "$d"
		teardown 2
		return
	fi
	s=$(live "$victim" | head -n 1)
	held=$(runs_on "$s" "$me")
	pid=${E2E_WORKERS[$victim]}
	loglines=$(line_count "$E2E_TMP/$victim.log")
	log "2: SIGSTOP $victim ($me, pid $pid), running $held task(s)/connector(s); $(spread "$s")"
	t0=$(now)
	kill -STOP "$pid"
	wait_for 40 all_running_off "$s" "$me"
	secs=$(since "$t0")
	log "2: $s reports everything RUNNING off $victim after $secs s: $(spread "$s")"
	check "2: the stopped worker's work RUNNING elsewhere within $FAILOVER_MAX s ($secs s)" \
		le "$secs" "$FAILOVER_MAX"
	kill -CONT "$pid"
	log "2: SIGCONT $victim"
	sleep 5
	vv=$(view "$victim")
	sv=$(view "$s")
	log "2: $victim reports: $(tr '\n' ';' <<<"$vv")"
	log "2: $s reports: $(tr '\n' ';' <<<"$sv")"
	check "2: $victim answers GET /connectors/<name>/status after SIGCONT" test -n "$vv"
	# tasks $victim reports RUNNING on itself that $s reports RUNNING on
	# another worker: a zombie, or a status that lies
	conflicts=$(awk -v me="$me" '
		$2 == "connector" { next }
		NR == FNR { if ($3 == "RUNNING" && $4 != me) other[$1 " " $2] = $4; next }
		$3 == "RUNNING" && $4 == me && (($1 " " $2) in other) { printf "%s/%s ", $1, $2 }' \
		<(printf '%s\n' "$sv") <(printf '%s\n' "$vv"))
	check "2: $victim reports no task RUNNING on itself that another worker runs${conflicts:+ ($conflicts)}" \
		test -n "$vv" -a -n "$sv" -a -z "$conflicts"
	check "2: $victim's log says it lost its tasks" \
		grep -qi lost <(tail -n +"$((loglines + 1))" "$E2E_TMP/$victim.log")
	log "2: $victim's log after the stop: $(tail -n +"$((loglines + 1))" "$E2E_TMP/$victim.log" |
		grep -i lost | head -n 3 | tr '\n' '|')"
	check "2: $victim still runs" worker_alive "$victim"
	finish_data 2 "$d"
	teardown 2
}

# 3. Connector files beside a distributed worker file are refused.
scenario_refusal()
{
	local d=$E2E_TMP/s3 out rc
	mkdir -p "$d"
	dist_worker_conf "$d/worker.properties" "$(free_port)" e2e-dist-3
	: >"$d/in.txt"
	props "$d/source.properties" "name=e2e-d3-src" "connector.class=file-source" \
		"file=$d/in.txt" "topic=e2e-d3"
	out=$(timeout -k 5 15 "$SLUICE" run -w "$d/worker.properties" "$d/source.properties" 2>&1)
	rc=$?
	log "3: exit status $rc: $(head -c 500 <<<"$out" | tr '\n' ' ')"
	# 124: still running after 15 s (it did not refuse)
	check "3: a distributed worker file with a connector file exits non-zero at once (status $rc)" \
		test "$rc" -ne 0 -a "$rc" -ne 124 -a "$rc" -ne 137
	check "3: the message says the worker is distributed" grep -qi distributed <<<"$out"
	check "3: the message names group.id or the REST API" grep -qiE 'group\.id|REST' <<<"$out"
}

for sc in ${E2E_SCENARIOS:-1 2 3}; do
	case $sc in
	1) scenario_failover ;;
	2) scenario_sigstop ;;
	3) scenario_refusal ;;
	*) fail "unknown scenario '$sc' in E2E_SCENARIOS (1 2 3)" ;;
	esac
done
e2e_finish
