#!/usr/bin/env bash
# End-to-end test of sluice's REST API against the real one: the same
# scripted sequence of Kafka Connect REST calls (tests/e2e/rest_compat.py:
# plugins, validation, create, status, config updates, pause/resume/
# restart/stop, offsets, topics, loggers, deletes, bad requests) runs
# against a real Kafka Connect 4.x standalone worker (scripts/connect.sh)
# and against `sluice run` with no connector file, both on one real Kafka
# broker and with the FileStream connectors by their Kafka Connect class
# names. The answers are compared call by call (status and body shape);
# every difference fails its call unless tests/e2e/rest_compat_known.txt
# lists it.
#
# REST_COMPAT_ONLY=connect runs the sequence against two fresh Kafka
# Connect workers instead and compares them with no difference allowed
# (the test's own check, for when sluice has no REST API at hand).
source "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
COMPAT=$HERE/rest_compat.py
KNOWN=$HERE/rest_compat_known.txt
CONNECT_SH=$E2E_ROOT/scripts/connect.sh
ONLY=${REST_COMPAT_ONLY:-}
CONNECT_DIR=$E2E_TMP/connect

# The Kafka Connect worker is stopped with everything else, pass or fail.
eval "lib_$(declare -f e2e_stop_all)"
e2e_stop_all()
{
	[[ -f $CONNECT_DIR/connect.pid ]] && "$CONNECT_SH" stop "$CONNECT_DIR" >/dev/null 2>&1
	lib_e2e_stop_all
}

need python3 curl kcat java
if [[ $ONLY != connect && ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# A run directory: its name is the run id the connectors and topics carry
# (masked as <run> in the transcripts).
run_dir()
{
	local d
	d=$E2E_TMP/r$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	mkdir -p "$d"
	echo "$d"
}

# compare A B NAME_A NAME_B KNOWN: one PASS/FAIL per call, the details as
# they come; a comparison that fails without failing a call (a crash)
# fails too.
compare()
{
	local line out=$E2E_TMP/compare.txt rc failed=$E2E_FAILED
	python3 "$COMPAT" compare "$1" "$2" "$5" "$3" "$4" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		PASS:\ *) pass "${line#PASS: }" ;;
		FAIL:\ *) fail "${line#FAIL: }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$out"
	((rc == 0 || E2E_FAILED > failed)) || fail "compare the transcripts (exit status $rc)"
}

# record NAME URL: runs the sequence against URL into $E2E_TMP/NAME.json.
record()
{
	local d
	d=$(run_dir)
	log "$1: the REST sequence against $2"
	python3 "$COMPAT" record "$2" "$d" "$E2E_TMP/$1.json" >"$E2E_TMP/$1-record.log" 2>&1
}

# Kafka Connect first: its transcript is the reference.
log "starting Kafka Connect"
if ! CONNECT_URL=$(nice -n 10 "$CONNECT_SH" start "$CONNECT_DIR" "$BOOTSTRAP"); then
	fail "start a Kafka Connect standalone worker"
	e2e_finish
fi
log "Kafka Connect at $CONNECT_URL"
check "record the sequence against Kafka Connect" record connect "$CONNECT_URL"
check "Kafka Connect answers every call as the sequence expects" \
	python3 "$COMPAT" expect "$E2E_TMP/connect.json"

"$CONNECT_SH" stop "$CONNECT_DIR"

# The script's own check: a fresh worker (the first run changed its log
# levels) answers the same, with no difference allowed.
if [[ $ONLY == connect ]]; then
	CONNECT_DIR=$E2E_TMP/connect2
	if ! CONNECT_URL=$(nice -n 10 "$CONNECT_SH" start "$CONNECT_DIR" "$BOOTSTRAP"); then
		fail "start a second Kafka Connect standalone worker"
		e2e_finish
	fi
	check "record the sequence against Kafka Connect again" record connect2 "$CONNECT_URL"
	"$CONNECT_SH" stop "$CONNECT_DIR"
	compare "$E2E_TMP/connect.json" "$E2E_TMP/connect2.json" "Kafka Connect" "Kafka Connect (again)" /dev/null
	e2e_finish
fi

# sluice: an empty worker managed over REST, with the converters Kafka
# Connect had.
port=$(free_port)
SLUICE_URL=http://127.0.0.1:$port
props "$E2E_TMP/worker.properties" \
	"bootstrap.servers=$BOOTSTRAP" \
	"listeners=$SLUICE_URL" \
	"offset.storage.file.filename=$E2E_TMP/sluice.offsets" \
	"offset.flush.interval.ms=500" \
	"key.converter=org.apache.kafka.connect.storage.StringConverter" \
	"value.converter=org.apache.kafka.connect.storage.StringConverter" \
	"consumer.session.timeout.ms=6000" \
	"consumer.heartbeat.interval.ms=1000"
start_worker sluice "$E2E_TMP/worker.properties"

# True once GET / answers 200.
sluice_answers()
{
	[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SLUICE_URL/") == 200 ]]
}

# Waits for the REST listener; false at once when the worker died (it
# does not know `listeners`, or refuses to start without connectors).
wait_sluice_rest()
{
	local deadline=$((SECONDS + 20))
	until sluice_answers; do
		if ! worker_alive sluice; then
			echo "sluice exited before serving REST on $SLUICE_URL:" >&2
			tail -n 20 "$E2E_TMP/sluice.log" >&2
			return 1
		fi
		((SECONDS >= deadline)) && {
			echo "nothing answers GET $SLUICE_URL/ after 20s" >&2
			return 1
		}
		sleep 0.2
	done
}

if ! wait_sluice_rest; then
	fail "sluice serves the REST API on listeners=$SLUICE_URL (sluice run -w with no connector file)"
	e2e_finish
fi
pass "sluice serves the REST API on listeners=$SLUICE_URL"
check "record the sequence against sluice" record sluice "$SLUICE_URL"
check "sluice still runs after the sequence" worker_alive sluice
compare "$E2E_TMP/connect.json" "$E2E_TMP/sluice.json" "Kafka Connect" "sluice" "$KNOWN"
check "sluice stops cleanly on SIGTERM" stop_worker sluice 30
e2e_finish
