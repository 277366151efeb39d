#!/usr/bin/env bash
# The fault matrix: for each connector and each fault that applies to it, a
# known set of numbered records streams through one worker while the fault
# strikes mid-stream; then what reached the destination is counted against
# what was offered. One table row per (connector, fault): in (records
# offered), out (distinct records delivered), lost (in - out), duplicated
# (deliveries beyond the first) and what the worker did: rode the fault
# out, or failed a task or refused to run (its reason is shown) and, once
# the fault was repaired as the reason asks and the worker restarted, went
# on.
#
# A row passes when nothing is lost and the worker either rode the fault
# out or failed naming the reason; it fails when a record is lost, when
# records are still missing after 120 s with no failure, or when the fault
# never showed in the worker's or the peer's (or the webhook client's) log.
# Faults that do not apply to a connector for a reason worth stating
# (NOT_APPLICABLE) get a table line "n/a" with the reason instead. The
# connector adapters are in cases.sh (the webhook's client in
# webhook_client.py); the services and helpers in tests/e2e/lib.sh.
#
# Environment: SLUICE (the binary), FAULTS_RECORDS (default 20000 records
# a row), FAULTS_ONLY (an extended regex matched against "connector fault"
# to run some rows only), FAULTS_TABLE (also write the Markdown table to
# this file), E2E_KEEP=1 (keep the temp dir). The disk-full and unreadable
# rows need root (a tmpfs mount, dropping CAP_DAC_OVERRIDE); without it
# they print a SKIP notice and count neither a pass nor a failure.
# shellcheck source-path=SCRIPTDIR disable=SC2317 # fault_<fault>_<step> are called by name
FAULTS_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$FAULTS_DIR/../e2e/lib.sh"

N=${FAULTS_RECORDS:-20000}
TABLE=() # Markdown rows
KDIR=$E2E_TMP/kafka
PGDIR=$E2E_TMP/pg
MQDIR=$E2E_TMP/mq
PGPORT=
MQPORT=

need kcat python3 seq awk sed setpriv
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
SLUICE=$(realpath "$SLUICE")

# ---- services, started once, on first use --------------------------------------------

start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

need_pg()
{
	[[ -n $PGPORT ]] || start_pg pg PGPORT
}

need_mq()
{
	[[ -n $MQPORT ]] || start_mosquitto mq MQPORT
}

q()
{
	psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt -c "$*"
}

# fill_disk DIR: a filler file takes every free byte of DIR's file system.
fill_disk()
{
	head -c 64m /dev/zero >"$1/filler" 2>/dev/null
	sync
}

# shellcheck source=cases.sh
source "$FAULTS_DIR/cases.sh"

# ---- one row ---------------------------------------------------------------------------

# The worker: started with the row's files; under setpriv without the
# capabilities that let root read any file when the row makes one
# unreadable.
row_start()
{
	local wrap=$D/sluice
	if [[ $FAULT == unreadable ]]; then
		printf '#!/bin/sh\nexec setpriv --bounding-set -dac_override,-dac_read_search -- %q "$@"\n' \
			"$SLUICE" >"$wrap"
		chmod +x "$wrap"
		SLUICE=$wrap start_worker "$W" "$D/worker.properties" "$D/conn.properties"
	else
		start_worker "$W" "$D/worker.properties" "$D/conn.properties"
	fi
}

row_restart()
{
	worker_alive "$W" && kill_worker "$W" KILL
	unset "E2E_WORKERS[$W]"
	row_start
}

# failed_now: the row's worker failed a task, or died, since the row began
# (or since the last repair: FAILED_BASE).
failed_now()
{
	! worker_alive "$W" || (($(grep -c 'task FAILED' "$E2E_TMP/$W.log") > FAILED_BASE))
}

# failure_reason: the failure the worker logged (a task's reason, else the
# last error it logged before it exited), shortened for the table.
failure_reason()
{
	local line
	line=$(grep -m 1 'task FAILED' "$E2E_TMP/$W.log")
	[[ -n $line ]] || line=$(grep -v '^===' "$E2E_TMP/$W.log" | grep -iE 'error|fatal|cannot' | tail -n 1)
	[[ -n $line ]] || line="the worker exited without a message"
	line=${line#*task FAILED: }
	line=${line#error: }
	line=${line%%. *}
	printf '%s' "${line:0:200}" | tr '|' '/'
}

# feeder: offers the records in 40 chunks, one every 0.4 s, in the
# background (the fault strikes while records flow); $D/fed holds how many
# were offered.
feeder()
{
	local i step=$(((N + 39) / 40)) from to
	for ((i = 0; i < 40; i++)); do
		from=$((i * step + 1))
		to=$(((i + 1) * step))
		((to > N)) && to=$N
		((from > N)) && break
		until "${CONN//-/_}_feed" "$from" "$to"; do sleep 1; done
		echo "$to" >"$D/fed"
		sleep 0.4
	done
}

fed()
{
	local n
	n=$(cat "$D/fed" 2>/dev/null)
	echo "${n:-0}"
}

# delivered: distinct records out so far (sets COMPARE).
delivered()
{
	"${CONN//-/_}_out" "$D/out.txt"
	COMPARE=$(compare_sets "$D/want.txt" "$D/out.txt" 2>/dev/null)
	echo $((N - $(field missing "$COMPARE")))
}

# settle TIMEOUT: until every record is out (0), a task failed or the
# worker died (1), or TIMEOUT seconds passed (2).
settle()
{
	local deadline=$((SECONDS + $1))
	while :; do
		failed_now && return 1
		(($(delivered) == N)) && return 0
		((SECONDS >= deadline)) && return 2
		sleep 1
	done
}

# row_record VERDICT HOW: one line of the table (paths in the temp dir
# shortened to …); a row that lost a record fails whatever the worker did.
row_record()
{
	local in=$N out dup lost verdict=$1 how=${2//$D\//…/}
	how=${how//$E2E_TMP/…}
	delivered >/dev/null
	out=$((N - $(field missing "$COMPARE")))
	dup=$(field duplicates "$COMPARE")
	lost=$((in - out))
	((lost > 0)) && verdict=FAIL
	how=${how//|//}
	printf '%-15s %-16s in=%-6d out=%-6d lost=%-6d dup=%-6d %s: %s\n' \
		"$CONN" "$FAULT" "$in" "$out" "$lost" "$dup" "$verdict" "$how"
	TABLE+=("| $CONN | $FAULT | $in | $out | $lost | $dup | $verdict | $how |")
	if [[ $verdict == PASS ]]; then
		pass "$CONN / $FAULT: lost 0 ($how)"
	else
		fail "$CONN / $FAULT: lost $lost, duplicated $dup ($how)"
	fi
}

# fault_seen: how often the log shows the fault biting, for the faults the
# worker could otherwise miss (sets SEEN_NOTE; 1 when it never bit).
fault_seen()
{
	local pattern n
	case $FAULT in
	enospc-*) pattern='No space left on device' ;;
	unreadable) pattern='Permission denied' ;;
	http-*)
		# the peer's own log: tests/e2e/http_sink_server.py, http_api_server.py
		n=$(cat "$D/server.log" "$D/requests.log" 2>/dev/null |
			grep -cE '^answered 5|^reset the connection| (500|503|0|-1) /items')
		SEEN_NOTE="; the peer misbehaved $n times"
		((n > 0))
		return
		;;
	client-*)
		# the webhook's client: tests/faults/webhook_client.py
		n=$(grep -c '^fault:' "$D/client.log" 2>/dev/null)
		SEEN_NOTE="; the client misbehaved ${n:-0} times"
		((n > 0))
		return
		;;
	*) return 0 ;;
	esac
	n=$(grep -c "$pattern" "$E2E_TMP/$W.log")
	SEEN_NOTE="; \"$pattern\" in $n log lines"
	((n > 0))
}

# run_row CONNECTOR FAULT: one row of the matrix.
run_row()
{
	CONN=$1 FAULT=$2
	local id=${CONN//-/}-$FAULT how rc feed_pid
	D=$E2E_TMP/$id W=$id TOPIC=faults-$id PREFIX=${id//-/}
	mkdir -p "$D"
	OFFSETS=$D/offsets SINK_DIR=$D HTTP_FAULT='' CLIENT_FAULT='' FAILED_BASE=0
	log "== $CONN / $FAULT"
	if ! "fault_${FAULT//-/_}_prepare"; then
		printf '%-12s %-18s SKIP: %s\n' "$CONN" "$FAULT" "$SKIP_WHY"
		TABLE+=("| $CONN | $FAULT | - | - | - | - | skipped | $SKIP_WHY |")
		return 0
	fi
	seq -f "$PREFIX-%010.0f" 1 "$N" >"$D/want.txt"
	worker_conf "$D/worker.properties" "$OFFSETS"
	if ! "${CONN//-/_}_setup"; then
		row_record FAIL "setting up the row failed"
		return 0
	fi
	row_start
	if ! wait_for 60 "${CONN//-/_}_ready"; then
		row_record FAIL "the connector did not start: $(failure_reason)"
		kill_worker "$W" KILL
		return 0
	fi
	feeder &
	feed_pid=$!
	E2E_PIDS+=("$feed_pid")
	# mid-stream: a third of the records offered, some of them out
	local deadline=$((SECONDS + 60))
	while (($(fed) < N / 3)) && ((SECONDS < deadline)); do
		sleep 0.1
	done
	log "$CONN / $FAULT: fault with $(fed) of $N records offered"
	"fault_${FAULT//-/_}_inject"
	wait "$feed_pid"
	forget_pid "$feed_pid"
	settle 120
	rc=$?
	how="rode it out"
	if ((rc == 1)); then
		how="task FAILED"
		worker_alive "$W" || how="the worker exited"
		how+=": $(failure_reason); repaired and restarted"
		"fault_${FAULT//-/_}_repair"
		echo "=== repaired" >>"$E2E_TMP/$W.log"
		FAILED_BASE=$(grep -c 'task FAILED' "$E2E_TMP/$W.log")
		row_restart
		settle 120
		rc=$?
		((rc == 1)) && how="task failed again after the repair: $(failure_reason)"
	elif ((rc == 2)); then
		how="stalled: records missing after 120 s, no task failed"
	fi
	# deliveries that were still in flight
	((rc == 0)) && sleep 2
	worker_alive "$W" && stop_worker "$W" 20 >/dev/null 2>&1
	unset "E2E_WORKERS[$W]"
	SEEN_NOTE=
	if ! fault_seen; then
		rc=3
		how="the fault never bit"
	fi
	CHECK_WHY=
	if declare -F "${CONN//-/_}_check" >/dev/null && ! "${CONN//-/_}_check"; then
		rc=3
		how="$CHECK_WHY"
	fi
	if ((rc == 0)); then
		row_record PASS "$how$SEEN_NOTE"
	else
		row_record FAIL "$how$SEEN_NOTE"
	fi
	"fault_${FAULT//-/_}_cleanup"
	declare -F "${CONN//-/_}_cleanup" >/dev/null && "${CONN//-/_}_cleanup"
}

# ---- faults: prepare (before the worker starts; 1 = skip the row), inject
# (mid-stream, recovering what it killed), repair (what an operator does
# after a task failed), cleanup ----------------------------------------------------

# The worker SIGKILLed and restarted.
fault_worker_kill_prepare() { :; }
fault_worker_kill_inject()
{
	kill_worker "$W" KILL
	sleep 1
	row_start
}
fault_worker_kill_repair() { :; }
fault_worker_kill_cleanup() { :; }

# The Kafka broker SIGKILLed, down 5 s, restarted on its port and data.
fault_broker_kill_prepare() { :; }
fault_broker_kill_inject()
{
	"$KAFKA_SH" kill "$KDIR"
	sleep 5
	"$KAFKA_SH" start "$KDIR" >/dev/null || fail "restart the Kafka broker"
}
fault_broker_kill_repair() { :; }
fault_broker_kill_cleanup() { :; }

# PostgreSQL stopped (fast shutdown), down 5 s, started again.
fault_pg_restart_prepare() { need_pg; }
fault_pg_restart_inject()
{
	"$PG_SH" stop "$PGDIR" >/dev/null 2>&1
	sleep 5
	"$PG_SH" start "$PGDIR" >/dev/null || fail "restart PostgreSQL"
}
fault_pg_restart_repair() { :; }
fault_pg_restart_cleanup() { :; }

# Mosquitto stopped (it saves its sessions), down 5 s, started again.
fault_mqtt_restart_prepare() { need_mq; }
fault_mqtt_restart_inject()
{
	"$MQ_SH" stop "$MQDIR" >/dev/null 2>&1
	sleep 5
	"$MQ_SH" start "$MQDIR" >/dev/null || fail "restart Mosquitto"
}
fault_mqtt_restart_repair() { :; }
fault_mqtt_restart_cleanup() { :; }

# The HTTP peer misbehaves the whole run (the adapters read HTTP_FAULT).
fault_http_5xx_prepare() { HTTP_FAULT=5xx; }
fault_http_timeout_prepare() { HTTP_FAULT=timeout; }
fault_http_reset_prepare() { HTTP_FAULT=reset; }
for f in http_5xx http_timeout http_reset; do
	eval "fault_${f}_inject() { :; }; fault_${f}_repair() { :; }; fault_${f}_cleanup() { :; }"
done

# The webhook's client misbehaves on 2 % of the records the whole run (the
# webhook adapter reads CLIENT_FAULT; tests/faults/webhook_client.py): it
# resets the connection mid-body or after the request, or hangs up without
# reading the answer (client-reset); it trickles bodies, stalls half-sent
# and gives up, or waits only 1 ms for the answer (client-timeout); it sends
# requests the webhook must refuse (client-malformed). Each time it then
# posts the record properly until it is answered 2xx.
fault_client_reset_prepare() { CLIENT_FAULT=reset; }
fault_client_timeout_prepare() { CLIENT_FAULT=timeout; }
fault_client_malformed_prepare() { CLIENT_FAULT=malformed; }
for f in client_reset client_timeout client_malformed; do
	eval "fault_${f}_inject() { :; }; fault_${f}_repair() { :; }; fault_${f}_cleanup() { :; }"
done

# The offset file on a 1 MiB tmpfs; mid-stream the disk fills for 8 s.
fault_enospc_offsets_prepare()
{
	mount_tmpfs "$D/mnt" 1m || {
		SKIP_WHY="cannot mount a tmpfs (run as root)"
		return 1
	}
	OFFSETS=$D/mnt/offsets
}
fault_enospc_offsets_inject()
{
	fill_disk "$D/mnt"
	sleep 8
	rm -f "$D/mnt/filler"
}
fault_enospc_offsets_repair() { rm -f "$D/mnt/filler"; }
fault_enospc_offsets_cleanup() { unmount_all; }

# The sink's output on a 16 MiB tmpfs; mid-stream the disk fills until the
# sink reports ENOSPC (at most 30 s), then 3 s more.
fault_enospc_sink_prepare()
{
	mount_tmpfs "$D/mnt" 16m || {
		SKIP_WHY="cannot mount a tmpfs (run as root)"
		return 1
	}
	SINK_DIR=$D/mnt
}
fault_enospc_sink_inject()
{
	fill_disk "$D/mnt"
	wait_for 30 grep -q 'No space left on device' "$E2E_TMP/$W.log"
	sleep 3
	rm -f "$D/mnt/filler"
}
fault_enospc_sink_repair() { rm -f "$D/mnt/filler"; }
fault_enospc_sink_cleanup() { fault_enospc_offsets_cleanup; }

# The connector's file and its directory made unreadable (chmod 000; the
# worker runs without CAP_DAC_OVERRIDE) and the worker SIGKILLed and
# restarted, so that it must open them again; 8 s later the modes are back.
fault_unreadable_prepare()
{
	[[ $EUID == 0 ]] || {
		SKIP_WHY="needs root to drop CAP_DAC_OVERRIDE"
		return 1
	}
}
fault_unreadable_inject()
{
	chmod 000 "$UNREADABLE_FILE" "$(dirname "$UNREADABLE_FILE")"
	kill_worker "$W" KILL
	row_start
	sleep 8
	fault_unreadable_repair
}
fault_unreadable_repair()
{
	chmod 755 "$(dirname "$UNREADABLE_FILE")"
	chmod 644 "$UNREADABLE_FILE"
}
fault_unreadable_cleanup() { fault_unreadable_repair; }

# The worker SIGKILLed, its offset file overwritten in the middle with
# garbage (or cut to half its size), the worker started again. The repair
# is the one the worker's message names: `sluice offsets reset`.
fault_offsets_corrupt_prepare() { :; }
fault_offsets_corrupt_inject()
{
	local size
	wait_for 10 test -s "$OFFSETS"
	kill_worker "$W" KILL
	size=$(stat -c %s "$OFFSETS")
	printf 'garbage{"' | dd of="$OFFSETS" bs=1 seek=$((size / 2)) conv=notrunc status=none
	row_start
}
fault_offsets_corrupt_repair()
{
	worker_alive "$W" && kill_worker "$W" KILL
	"$SLUICE" offsets reset -w "$D/worker.properties" >>"$E2E_TMP/$W.log" 2>&1
}
fault_offsets_corrupt_cleanup() { :; }

fault_offsets_truncate_prepare() { :; }
fault_offsets_truncate_inject()
{
	wait_for 10 test -s "$OFFSETS"
	kill_worker "$W" KILL
	truncate -s $(($(stat -c %s "$OFFSETS") / 2)) "$OFFSETS"
	row_start
}
fault_offsets_truncate_repair() { fault_offsets_corrupt_repair; }
fault_offsets_truncate_cleanup() { :; }

# ---- the matrix ------------------------------------------------------------------------

ROWS=(
	"file-source worker-kill" "file-source broker-kill" "file-source enospc-offsets"
	"file-source unreadable" "file-source offsets-corrupt" "file-source offsets-truncate"
	"file-sink worker-kill" "file-sink broker-kill" "file-sink enospc-sink"
	"file-sink unreadable"
	"http-sink worker-kill" "http-sink broker-kill" "http-sink http-5xx"
	"http-sink http-timeout" "http-sink http-reset"
	"http-source worker-kill" "http-source broker-kill" "http-source http-5xx"
	"http-source http-timeout" "http-source http-reset" "http-source enospc-offsets"
	"http-source offsets-corrupt" "http-source offsets-truncate"
	"webhook worker-kill" "webhook broker-kill" "webhook client-reset"
	"webhook client-timeout" "webhook client-malformed"
	"mqtt-source worker-kill" "mqtt-source broker-kill" "mqtt-source mqtt-restart"
	"mqtt-sink worker-kill" "mqtt-sink broker-kill" "mqtt-sink mqtt-restart"
	"postgres-source worker-kill" "postgres-source broker-kill" "postgres-source pg-restart"
	"postgres-source enospc-offsets" "postgres-source offsets-corrupt"
	"postgres-source offsets-truncate"
	"postgres-sink worker-kill" "postgres-sink broker-kill" "postgres-sink pg-restart"
)

# Faults that do not apply, with the reason: a line of the table each, not
# run.
NOT_APPLICABLE=(
	"mqtt-source offsets-corrupt|keeps no offsets: its position is its MQTT session's, which the broker keeps (unacknowledged QoS 1 messages are redelivered)"
	"mqtt-source offsets-truncate|keeps no offsets (see offsets-corrupt)"
	"webhook offsets-corrupt|keeps no offsets: a request is answered 2xx only once Kafka acknowledged its records, the client's retry is the replay"
	"webhook offsets-truncate|keeps no offsets (see offsets-corrupt)"
)

log "fault matrix: $N records a row, sluice $("$SLUICE" --version 2>&1 | head -n 1)"
for r in "${ROWS[@]}"; do
	[[ -z ${FAULTS_ONLY:-} || $r =~ $FAULTS_ONLY ]] || continue
	# shellcheck disable=SC2086 # "connector fault"
	run_row $r
done
for r in "${NOT_APPLICABLE[@]}"; do
	why=${r#*|} r=${r%%|*}
	[[ -z ${FAULTS_ONLY:-} || $r =~ $FAULTS_ONLY ]] || continue
	printf '%-15s %-16s n/a: %s\n' "${r%% *}" "${r#* }" "$why"
	TABLE+=("| ${r%% *} | ${r#* } | - | - | - | - | n/a | $why |")
done

{
	echo "| connector | fault | in | out | lost | duplicated | result | what the worker did |"
	echo "|---|---|---:|---:|---:|---:|---|---|"
	printf '%s\n' "${TABLE[@]}"
} >"$E2E_TMP/table.md"
echo
cat "$E2E_TMP/table.md"
[[ -n ${FAULTS_TABLE:-} ]] && cp "$E2E_TMP/table.md" "$FAULTS_TABLE"
e2e_finish
