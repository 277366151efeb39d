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
#      session.timeout.ms + 10 s, the restarted worker is back in the group, no
#      line lost (duplicates are logged: at least once)
#   2. a worker SIGSTOPped past the session timeout: its tasks move to the
#      others; once it runs again its own REST API reports none of them
#      RUNNING on itself while another worker runs it, and its log says it
#      lost them; no line lost
#   3. `sluice run` with a distributed worker file and a connector file is
#      refused (connectors of a distributed worker come over the REST API)
#   4. PostgreSQL CDC -> Kafka -> PostgreSQL: postgres-source (one task) on
#      a table a writer inserts 20 rows into about every 100 ms, and
#      postgres-sink into another database in insert mode with
#      offsets.table (a row written twice is a duplicate key, 23505, that
#      fails the sink task); five times the worker running a task is
#      SIGKILLed and restarted: failovers timed as in 1, the target table
#      ends identical to the source (0 rows missing), no duplicate key and
#      no task FAILED in any log, both connectors and their tasks RUNNING
#      at the end, the sink's positions at the end of the topic.
#      The workers run exactly-once sources (exactly.once.source.support=
#      enabled); kills 1, 3 and 5 hit the source task's worker, 2 and 4
#      the sink task's: without
#      exactly once, postgres-source is at least once across a crash (the
#      transactions since its last stored offset come again) and the
#      insert-mode sink would fail on the duplicates.
#      E2E_D4_KILL_SOURCE=0 spares the source's worker;
#      E2E_D4_WORKER_PROPS="KEY=VALUE ..." replaces the exactly-once setting.
# Each scenario has its own group, internal topics, workers and connectors.
# 5. A worker stopped while it joins the group (scenario_stop_while_joining).
# E2E_SCENARIOS picks some of "1 2 3 4 5".
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
[[ " ${E2E_SCENARIOS:-1 2 3 4} " == *" 4 "* ]] && need psql kcat comm cmp
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
PG4_PORT="" # scenario 4's PostgreSQL server
# scenario 4 SIGKILLs the source task's worker too (kills 1, 3 and 5)
KILL_SOURCE=$((${E2E_D4_KILL_SOURCE:-1} == 1))

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

# add_worker NAME GROUP DIR: writes DIR/NAME.properties on a free port (and
# the KEY=VALUE lines of WORKER_EXTRA) and starts the worker (no connector
# files: they come over REST).
WORKER_EXTRA=()
add_worker()
{
	PORT[$1]=$(free_port)
	CONF[$1]=$3/$1.properties
	dist_worker_conf "${CONF[$1]}" "${PORT[$1]}" "$2"
	((${#WORKER_EXTRA[@]} == 0)) || printf '%s\n' "${WORKER_EXTRA[@]}" >>"${CONF[$1]}"
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

# rejoined NAME JOINS: every running worker reports everything RUNNING, all
# the same, and NAME is in the group again: it runs a task or a connector,
# or (fewer tasks than workers: the sticky assignor leaves it nothing) its
# log says it joined more than JOINS times.
rejoined()
{
	local ws
	mapfile -t ws < <(live)
	settled "${ws[@]}" || return 1
	(($(runs_on "$1" "$(wid "$1")") >= 1)) ||
		(($(grep -c "cluster: worker .* joined group" "$E2E_TMP/$1.log") > $2))
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

# start_workers TAG DIR GROUP: the scenario's WORKERS of GROUP started
# (worker files in DIR), each serving its REST API. Fails when one does not.
start_workers()
{
	local tag=$1 d=$2 g=$3 n
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
}

# settle TAG: waits until every worker reports every task RUNNING, the
# same, spread over more than one worker. Fails when they do not settle.
settle()
{
	local tag=$1
	must "$tag: every worker reports everything RUNNING, all the same" \
		wait_for 60 settled "${WORKERS[@]}" || return 1
	check "$tag: the tasks are spread over more than one worker" \
		wait_for 30 spread_over_several "${WORKERS[0]}"
	log "$tag: $(spread "${WORKERS[0]}")"
}

# setup_cluster TAG DIR GROUP TOPIC: the writer, three workers of GROUP
# (WORKERS), and the source and sink connectors (SRC_NAME, SINK_NAME on
# TOPIC, output DIR/out.txt) created over REST on the first worker; waits
# until every worker reports every task RUNNING, the same, spread over more
# than one worker. Fails when one of those steps fails.
setup_cluster()
{
	local tag=$1 d=$2 g=$3 topic=$4 body
	mkdir -p "$d/in"
	writer "$d" &
	WRITER_PID=$!
	E2E_PIDS+=("$WRITER_PID")
	wait_for 10 test -s "$d/in/f6.txt" || {
		fail "$tag: the writer writes the input files"
		return 1
	}
	start_workers "$tag" "$d" "$g" || return 1
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
	settle "$tag"
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

# kill_restart TAG I VICTIM: kill #I: SIGKILLs the worker VICTIM, times
# until a survivor reports every task and connector RUNNING off it
# (FAILOVER_SECS, checked against FAILOVER_MAX), restarts VICTIM and waits
# until it is back in the group. Returns 1 (give up the
# remaining kills) when it does not come back or nothing failed over in
# 40 s; FAILOVER_SECS is set either way.
FAILOVER_SECS=""
kill_restart()
{
	local tag=$1 i=$2 v=$3 s held t0 ok=1
	FAILOVER_SECS=""
	s=$(live "$v" | head -n 1)
	held=$(runs_on "$s" "$(wid "$v")")
	log "$tag: kill #$i: SIGKILL $v ($(wid "$v")); $(spread "$s")"
	check "$tag: kill #$i: $v ran a task or connector before the kill ($held)" test "$held" -ge 1
	t0=$(now)
	kill_worker "$v" KILL
	wait_for 40 all_running_off "$s" "$(wid "$v")" || ok=0
	FAILOVER_SECS=$(since "$t0")
	log "$tag: kill #$i: $s reports everything RUNNING off $v after $FAILOVER_SECS s: $(spread "$s")"
	check "$tag: kill #$i: every task and connector RUNNING on a survivor within $FAILOVER_MAX s ($FAILOVER_SECS s)" \
		le "$FAILOVER_SECS" "$FAILOVER_MAX"
	t0=$(now)
	local joins
	joins=$(grep -c "cluster: worker .* joined group" "$E2E_TMP/$v.log")
	start_worker "$v" "${CONF[$v]}"
	if wait_rest "$v" 30 && wait_for 40 rejoined "$v" "$joins"; then
		pass "$tag: kill #$i: the restarted $v is back in the group ($(since "$t0") s)"
		log "$tag: kill #$i: $(spread "$v")"
	else
		fail "$tag: kill #$i: the restarted $v is back in the group"
		log "$tag: giving up on the remaining kills"
		return 1
	fi
	if ((!ok)); then
		log "$tag: no failover within 40 s: giving up on the remaining kills"
		return 1
	fi
}

# 1. Five SIGKILLs, one worker at a time, each restarted.
scenario_failover()
{
	local d=$E2E_TMP/s1 v i=0 rc times=() out0
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
		kill_restart 1 "$i" "$v"
		rc=$?
		times+=("$FAILOVER_SECS")
		((rc == 0)) || break
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

# pgq DB SQL: runs SQL (statements given at once run in one transaction)
# in database DB of scenario 4's PostgreSQL server; unaligned tuples only.
pgq()
{
	PGOPTIONS=-cclient_min_messages=warning psql -X -q -At -h 127.0.0.1 -p "$PG4_PORT" \
		-U postgres -d "$1" -v ON_ERROR_STOP=1 -c "$2"
}

# pg_rows DB: the rows of DB's items (empty when the query fails).
pg_rows()
{
	pgq "$1" 'SELECT count(*) FROM items' 2>/dev/null
}

# pg_has_rows DB: DB's items holds a row.
pg_has_rows()
{
	local n
	n=$(pg_rows "$1")
	[[ -n $n ]] && ((n > 0))
}

# pg_writer DIR DB: one psql session that inserts a batch of 20 rows (one
# transaction; batch b holds ids 20b-19 .. 20b, so ids only go up) into
# DB's items about ten times a second until DIR/stop exists. Its status is
# psql's: non-zero when an insert failed.
pg_writer()
{
	local dir=$1 db=$2 b=0
	while [[ ! -e $dir/stop ]]; do
		printf 'INSERT INTO items (id, batch, v) SELECT %d + g, %d, md5((%d + g)::text) FROM generate_series(1, 20) g;\n' \
			$((b * 20)) $((b + 1)) $((b * 20))
		b=$((b + 1))
		sleep 0.1
	done | PGOPTIONS=-cclient_min_messages=warning psql -X -q -h 127.0.0.1 -p "$PG4_PORT" \
		-U postgres -d "$db" -v ON_ERROR_STOP=1 >"$dir/writer.log" 2>&1
}

# stop_pg_writer DIR: stops the writer; returns its status.
stop_pg_writer()
{
	local rc
	[[ -n $WRITER_PID ]] || return 0
	touch "$1/stop"
	wait "$WRITER_PID"
	rc=$?
	forget_pid "$WRITER_PID"
	WRITER_PID=""
	return "$rc"
}

# in_logs REGEX: how many lines of the scenario's worker logs match REGEX
# (extended, case-insensitive).
in_logs()
{
	local n f=()
	for n in "${WORKERS[@]}"; do
		[[ -f $E2E_TMP/$n.log ]] && f+=("$E2E_TMP/$n.log")
	done
	((${#f[@]})) || {
		echo 0
		return
	}
	cat "${f[@]}" | grep -ciE -- "$1"
}

# task_worker CONNECTOR: the worker that runs task 0 of CONNECTOR, as the
# first running worker reports it (empty when none runs it).
task_worker()
{
	local s
	s=$(live | head -n 1)
	[[ -n $s ]] || return 0
	name_of "$(view "$s" | awk -v c="$1" '$1 == c && $2 == "0" && $3 == "RUNNING" { print $4; exit }')"
}

# pick_victim CONNECTOR: sets VICTIM to the worker that runs CONNECTOR's
# task 0; for the sink, only one that does not run the source's task too
# (unless KILL_SOURCE).
VICTIM=""
pick_victim()
{
	local src
	VICTIM=$(task_worker "$1")
	[[ -n $VICTIM ]] || return 1
	[[ $1 == "$SINK_NAME" ]] && ((!KILL_SOURCE)) || return 0
	src=$(task_worker "$SRC_NAME")
	[[ -n $src && $src != "$VICTIM" ]]
}

# wait_caught_up SECONDS: until scenario 4's target table holds as many
# rows as its source; gives up at once when a task FAILED.
wait_caught_up()
{
	local deadline=$((SECONDS + $1)) a b
	while :; do
		a=$(pg_rows d4_src)
		b=$(pg_rows d4_dst)
		[[ -n $a && $a == "$b" ]] && return 0
		if (($(in_logs 'task FAILED') > 0)); then
			echo "wait_caught_up: a task FAILED, $b of $a rows in the target" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "wait_caught_up: $b of $a rows in the target after $1 s" >&2
			return 1
		fi
		sleep 0.5
	done
}

# 4. PostgreSQL CDC -> Kafka -> postgres-sink (insert mode, offsets.table)
# while the workers running the sink's task (with E2E_D4_KILL_SOURCE=1: the
# source's, then the sink's, then the source's) are SIGKILLed.
scenario_pg()
{
	local d=$E2E_TMP/s4 SRC_TASKS=1 SINK_TASKS=1 body c v i=0 rc times=() rows0 wrc
	local n_src n_dst missing extra dups failed events ends positions WORKER_EXTRA=()
	read -ra WORKER_EXTRA <<<"${E2E_D4_WORKER_PROPS-exactly.once.source.support=enabled}"
	WORKERS=(p1 p2 p3)
	SRC_NAME=e2e-d4-src
	SINK_NAME=e2e-d4-sink
	mkdir -p "$d"
	start_pg pg4 PG4_PORT || {
		fail "4: start PostgreSQL"
		return
	}
	# the target's primary key makes a row inserted twice an error
	# (23505) that fails the sink task
	if ! pgq postgres 'CREATE DATABASE d4_src' || ! pgq postgres 'CREATE DATABASE d4_dst' ||
		! pgq d4_src "CREATE TABLE items (id bigint PRIMARY KEY, batch int NOT NULL, v text,
			ts timestamptz NOT NULL DEFAULT now()); CREATE PUBLICATION d4_pub FOR TABLE items" ||
		! pgq d4_dst "CREATE TABLE items (id bigint PRIMARY KEY, batch int NOT NULL, v text,
			ts timestamptz NOT NULL)"; then
		fail "4: create the source table, its publication and the target table"
		return
	fi
	pg_writer "$d" d4_src &
	WRITER_PID=$!
	E2E_PIDS+=("$WRITER_PID")
	if ! wait_for 10 pg_has_rows d4_src; then
		fail "4: the writer inserts rows into the source table"
		stop_pg_writer "$d"
		return
	fi
	if ! start_workers 4 "$d" e2e-dist-4; then
		stop_pg_writer "$d"
		teardown 4
		return
	fi
	body=$(jq -nc --arg n "$SRC_NAME" --arg p "$PG4_PORT" \
		'{name: $n, config: {"connector.class": "postgres-source", "tasks.max": "1",
		  "database.hostname": "127.0.0.1", "database.port": $p, "database.user": "postgres",
		  "database.dbname": "d4_src", "topic.prefix": "d4", "slot.name": "d4_slot",
		  "publication.name": "d4_pub", "publication.autocreate.mode": "disabled",
		  "table.include.list": "public\\.items", "snapshot.mode": "initial",
		  "status.update.interval.ms": "1000",
		  "topic.creation.default.partitions": "3", "topic.creation.default.replication.factor": "1",
		  "key.converter": "json", "key.converter.schemas.enable": "true",
		  "value.converter": "json", "value.converter.schemas.enable": "true"}}')
	must "4: POST /connectors creates the postgres source (slot d4_slot, publication d4_pub)" \
		post_connector p1 "$body" || {
		stop_pg_writer "$d"
		teardown 4
		return
	}
	body=$(jq -nc --arg n "$SINK_NAME" --arg u "postgresql://postgres@127.0.0.1:$PG4_PORT/d4_dst" \
		'{name: $n, config: {"connector.class": "postgres-sink", "tasks.max": "1",
		  topics: "d4.public.items", "connection.url": $u, "insert.mode": "insert",
		  "pk.mode": "record_key", "auto.create": "false", "delete.enabled": "false",
		  "offsets.table": "sluice_positions",
		  "key.converter": "json", "key.converter.schemas.enable": "true",
		  "value.converter": "json", "value.converter.schemas.enable": "true"}}')
	must "4: POST /connectors creates the postgres sink (insert mode, offsets.table) into database d4_dst" \
		post_connector p1 "$body" || {
		stop_pg_writer "$d"
		teardown 4
		return
	}
	if ! settle 4 || ! must "4: rows reach the target table" wait_for 60 pg_has_rows d4_dst; then
		stop_pg_writer "$d"
		teardown 4
		return
	fi
	rows0=$(pg_rows d4_dst)
	((KILL_SOURCE)) && log "4: E2E_D4_KILL_SOURCE=1: kills 1, 3 and 5 hit the source task's worker"
	((${#WORKER_EXTRA[@]} == 0)) || log "4: worker files with ${WORKER_EXTRA[*]}"
	for i in 1 2 3 4 5; do
		c=$SINK_NAME
		((KILL_SOURCE && i % 2 == 1)) && c=$SRC_NAME
		if ! wait_for 15 pick_victim "$c"; then
			fail "4: kill #$i: a worker runs $c/0$([[ $c == "$SINK_NAME" ]] && ((!KILL_SOURCE)) &&
				echo " and not $SRC_NAME/0")"
			break
		fi
		log "4: kill #$i: the victim runs $c/0; $(pg_rows d4_src) rows in the source, $(pg_rows d4_dst) in the target"
		kill_restart 4 "$i" "$VICTIM"
		rc=$?
		times+=("$FAILOVER_SECS")
		((rc == 0)) || break
	done
	log "4: failover seconds: ${times[*]}"
	check "4: the sink wrote on across the kills ($rows0 -> $(pg_rows d4_dst) rows)" \
		test "$(pg_rows d4_dst)" -gt "$rows0"
	stop_pg_writer "$d"
	wrc=$?
	check "4: every insert of the writer committed (psql status $wrc)" test "$wrc" = 0
	log "4: the writer inserted $(pg_rows d4_src) rows"
	check "4: the target table catches up with the source" wait_caught_up 60
	pgq d4_src 'SELECT id, batch, v, ts FROM items ORDER BY id' >"$d/src.txt"
	pgq d4_dst 'SELECT id, batch, v, ts FROM items ORDER BY id' >"$d/dst.txt"
	n_src=$(line_count "$d/src.txt")
	n_dst=$(line_count "$d/dst.txt")
	missing=$(comm -23 <(cut -d'|' -f1 "$d/src.txt" | sort) <(cut -d'|' -f1 "$d/dst.txt" | sort) | wc -l)
	extra=$(comm -13 <(cut -d'|' -f1 "$d/src.txt" | sort) <(cut -d'|' -f1 "$d/dst.txt" | sort) | wc -l)
	log "4: source $n_src rows, target $n_dst rows: $missing missing, $extra not in the source"
	check "4: 0 rows missing in the target ($missing of $n_src)" test "$n_src" -gt 0 -a "$missing" = 0
	check "4: the target table is identical to the source (SELECT id, batch, v, ts ORDER BY id)" \
		cmp -s "$d/src.txt" "$d/dst.txt"
	dups=$(in_logs '23505|duplicate key')
	check "4: no duplicate key error in the worker logs (23505 / duplicate key: $dups lines)" \
		test "$dups" = 0
	((dups == 0)) || log "4: $(cat "$E2E_TMP"/p[123].log | grep -iE '23505|duplicate key' | head -n 3 | tr '\n' '|')"
	failed=$(in_logs 'task FAILED')
	check "4: no task ever FAILED ($failed 'task FAILED' lines)" test "$failed" = 0
	((failed == 0)) || log "4: $(cat "$E2E_TMP"/p[123].log | grep -i 'task FAILED' | head -n 3 | tr '\n' '|')"
	check "4: every worker reports both connectors and their tasks RUNNING, all the same" \
		wait_for 20 settled "${WORKERS[@]}"
	log "4: $(spread p1)"
	check "4: the sink task started from the positions table after moving" \
		test "$(in_logs 'the position the connector kept')" -ge 1
	# the events, and the offsets after each partition's last one, added up
	# (transaction markers, when sources write in transactions, take offsets)
	read -r events ends < <(kcat -b "$BOOTSTRAP" -C -t d4.public.items -o beginning -e -q \
		-f '%p %o\n' 2>/dev/null | awk '{ n++; if ($2 + 1 > e[$1]) e[$1] = $2 + 1 }
		END { for (p in e) s += e[p]; print n + 0, s + 0 }')
	positions=$(pgq d4_dst "SELECT sum(next_offset) FROM sluice_positions WHERE connector = '$SINK_NAME'")
	log "4: the topic holds $events change events for $n_src source rows" \
		"($((events - n_src)) sent twice by the source); the sink's positions add up to $positions"
	check "4: the sink's positions table is past the last event of each partition ($positions of $ends)" \
		test "$positions" = "$ends"
	teardown 4
}

# 5. A worker stopped (SIGTERM) while it joins a group that has members:
# between its JoinGroup and its first assignment librdkafka before 2.3
# aborted on destroying the member (its issue 4312). It must exit 0 every
# time, E2E_D5_STOPS times (default 8), at 0.1-1.5 s after it said it
# joined.
scenario_stop_while_joining()
{
	local d=$E2E_TMP/s5 i rc ms bad=0 stops=${E2E_D5_STOPS:-8}
	mkdir -p "$d"
	WORKERS=(j1 j2)
	start_workers 5 "$d" e2e-dist-5 || {
		teardown 5
		return
	}
	must "5: two workers are members of the group" \
		wait_for 60 eval 'log_has j1 "joined group" && log_has j2 "joined group"' || {
		teardown 5
		return
	}
	sleep 2 # their first rebalance is over: the third one's join starts another
	for ((i = 1; i <= stops; i++)); do
		add_worker j3 e2e-dist-5 "$d"
		if ! wait_for 30 log_has j3 "joined group"; then
			fail "5: stop #$i: the third worker joins the group"
			kill_worker j3
			break
		fi
		ms=$(rand_between 100 1500)
		sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
		stop_worker j3 30
		rc=$?
		log "5: stop #$i, ${ms} ms after the join: exit status $rc"
		((rc == 0)) || bad=$((bad + 1))
		echo "=== stop #$i done" >>"$E2E_TMP/j3.log"
		# the next start must not see this one's "joined group"
		mv "$E2E_TMP/j3.log" "$E2E_TMP/j3.$i.log"
	done
	check "5: the joining worker exited 0 on each of $stops SIGTERMs ($bad did not)" \
		test "$bad" = 0
	teardown 5
}

for sc in ${E2E_SCENARIOS:-1 2 3 4 5}; do
	case $sc in
	1) scenario_failover ;;
	2) scenario_sigstop ;;
	3) scenario_refusal ;;
	4) scenario_pg ;;
	5) scenario_stop_while_joining ;;
	*) fail "unknown scenario '$sc' in E2E_SCENARIOS (1 2 3 4 5)" ;;
	esac
done
e2e_finish
