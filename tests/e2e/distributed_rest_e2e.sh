#!/usr/bin/env bash
# End-to-end test of the REST API of a distributed cluster on a real
# broker: two sluice members; every change made through one member is seen
# through the other (pause, resume, restart, stop, resume from STOPPED,
# delete), the config topic holds Kafka Connect's records for each, and a
# deleted connector's statuses are tombstoned.
source "$(dirname "$0")/lib.sh"

need curl jq kcat python3

if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

G=e2e-drest
declare -A PORT=()
for w in r1 r2; do
	PORT[$w]=$(free_port)
	props "$E2E_TMP/$w.properties" "bootstrap.servers=$BOOTSTRAP" "group.id=$G" \
		"config.storage.topic=$G-configs" "config.storage.replication.factor=1" \
		"offset.storage.topic=$G-offsets" "offset.storage.replication.factor=1" \
		"offset.storage.partitions=5" "status.storage.topic=$G-status" \
		"status.storage.replication.factor=1" "status.storage.partitions=5" \
		"session.timeout.ms=6000" "heartbeat.interval.ms=1000" \
		"offset.flush.interval.ms=500" "key.converter=string" "value.converter=string" \
		"listeners=http://127.0.0.1:${PORT[$w]}"
	start_worker "$w" "$E2E_TMP/$w.properties"
done

url()
{
	echo "http://127.0.0.1:${PORT[$1]}"
}

# states W: the connector's state, then each task's, as W reports them.
states()
{
	curl -sf "$(url "$1")/connectors/c/status" 2>/dev/null |
		jq -r '[.connector.state] + [.tasks[].state] | join(" ")' 2>/dev/null
}

# state_is W STATES: W reports exactly STATES.
state_is()
{
	[[ $(states "$1") == "$2" ]]
}

# config_record KEY: the last value of KEY in the config topic ("" for a
# tombstone).
config_record()
{
	kcat -b "$BOOTSTRAP" -C -t "$G-configs" -o beginning -e -q -f '%k\t%s\n' 2>/dev/null |
		awk -F'\t' -v k="$1" '$1 == k { v = $2 } END { print v }'
}

status_keys()
{
	kcat -b "$BOOTSTRAP" -C -t "$G-status" -o beginning -e -q -f '%k\t%S\n' 2>/dev/null
}

# buried PREFIX: every status key starting with PREFIX ends with a
# tombstone (its last record has no value), and there is one at least.
buried()
{
	status_keys | awk -F'\t' -v p="$1" 'index($1, p) == 1 { last[$1] = $2 }
		END { n = 0; for (k in last) { n++; if (last[k] != -1) exit 1 } exit n == 0 }'
}

check "both members answer" wait_for 40 sh -c "curl -sf $(url r1)/connectors >/dev/null &&
	curl -sf $(url r2)/connectors >/dev/null"
mkdir -p "$E2E_TMP/in"
for i in 1 2 3 4; do seq 1 100 >"$E2E_TMP/in/$i.txt"; done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	"$(url r1)/connectors" -d "{\"name\":\"c\",\"config\":{\"connector.class\":\"file-source\",
	\"file\":\"$E2E_TMP/in/*.txt\",\"topic\":\"$G-out\",\"tasks.max\":\"2\",
	\"topic.creation.default.replication.factor\":\"1\"}}")
check "POST /connectors on r1 answers 201 ($code)" test "$code" = 201
check "r1, which took the write, knows the connector at once (GET /connectors/c)" \
	curl -sf -o /dev/null "$(url r1)/connectors/c"
check "r2 knows it within seconds" wait_for 10 curl -sf -o /dev/null "$(url r2)/connectors/c"
check "r2 reports the connector and its 2 tasks RUNNING" wait_for 30 state_is r2 "RUNNING RUNNING RUNNING"
check "the config topic holds Kafka Connect's records: connector-c" \
	grep -q '"properties":{.*"connector.class":"file-source"' <<<"$(config_record connector-c)"
check "... and commit-c with 2 tasks" test "$(config_record commit-c)" = '{"tasks":2}'

curl -sf -X PUT "$(url r2)/connectors/c/pause" >/dev/null
check "paused through r2: r1 reports the connector and its tasks PAUSED" \
	wait_for 20 state_is r1 "PAUSED PAUSED PAUSED"
check "... target-state-c is Kafka Connect's PAUSED record" \
	test "$(config_record target-state-c)" = '{"state":"PAUSED","state.v2":"PAUSED"}'
curl -sf -X PUT "$(url r1)/connectors/c/resume" >/dev/null
check "resumed through r1: r2 reports RUNNING" wait_for 20 state_is r2 "RUNNING RUNNING RUNNING"

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	"$(url r2)/connectors/c/restart?includeTasks=true&onlyFailed=false")
check "restart through r2 answers 202 ($code)" test "$code" = 202
check "... as Kafka Connect's restart-connector-c record" \
	test "$(config_record restart-connector-c)" = '{"include-tasks":true,"only-failed":false}'
check "... and the tasks run again" wait_for 20 state_is r1 "RUNNING RUNNING RUNNING"

curl -sf -X PUT "$(url r1)/connectors/c/stop" >/dev/null
check "stopped through r1: r2 reports STOPPED and no task" wait_for 20 state_is r2 "STOPPED"
check "... the leader committed 0 tasks" wait_for 10 sh -c \
	"test \"\$(kcat -b $BOOTSTRAP -C -t $G-configs -o beginning -e -q -f '%k %s\n' 2>/dev/null |
		grep '^commit-c ' | tail -n 1)\" = 'commit-c {\"tasks\":0}'"
check "... target-state-c says STOPPED as Kafka Connect 3.5+ does" \
	test "$(config_record target-state-c)" = '{"state":"PAUSED","state.v2":"STOPPED"}'
curl -sf -X PUT "$(url r2)/connectors/c/resume" >/dev/null
check "resumed from STOPPED through r2: its tasks come back on r1's view" \
	wait_for 30 state_is r1 "RUNNING RUNNING RUNNING"

code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$(url r2)/connectors/c")
check "DELETE through r2 answers 204 ($code)" test "$code" = 204
code=$(curl -s -o /dev/null -w '%{http_code}' "$(url r2)/connectors/c")
check "... r2, which took the write, answers 404 for it at once ($code)" test "$code" = 404
check "... r1 within seconds" wait_for 10 sh -c \
	"test \"\$(curl -s -o /dev/null -w '%{http_code}' $(url r1)/connectors/c)\" = 404"
check "... connector-c is a tombstone in the config topic" test -z "$(config_record connector-c)"
check "... and its statuses are tombstoned (status-connector-c, status-task-c-*)" \
	wait_for 20 buried "status-"
check "members exit 0 on SIGTERM" stop_worker r1
check "members exit 0 on SIGTERM (2)" stop_worker r2
e2e_finish
