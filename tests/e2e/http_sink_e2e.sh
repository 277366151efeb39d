#!/usr/bin/env bash
# End-to-end test of http-sink against one real Kafka broker and a
# fault-injecting HTTP server (tests/e2e/http_sink_server.py: 500 to a
# fifth of the requests, some answered after the client's timeout, 429
# with Retry-After, 400 for any batch holding the poisoned record):
# E2E_RECORDS records (default 200,000) in a 4-partition topic, produced
# with kcat, reach the server while the worker is SIGKILLed and restarted
# and the server is SIGKILLed and restarted; every record arrives (the
# server's log of accepted records compared as sets: duplicates allowed,
# none missing), and the poisoned record alone lands in the dead letter
# queue, with the status and the server's answer in its headers. With
# Confluent's reporter keys set, every delivered record has a result
# report naming it and the poisoned one an error report.
source "$(dirname "$0")/lib.sh"

N=${E2E_RECORDS:-200000}
SEED=${E2E_SEED:-$$}
RANDOM=$SEED
SERVER_PY=$(dirname "$0")/http_sink_server.py
POISON_AT=$((N / 4 + 17))

need kcat python3 java seq awk
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
log "seed $SEED, $N records"
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# create_topic NAME PARTITIONS: with the Admin API of the broker's own
# kafka-clients jar (kcat cannot create topics; auto-created ones get one
# partition).
create_topic()
{
	local cp src=$E2E_TMP/CreateTopic.java
	cp=$("$KAFKA_SH" classpath) || return 1
	cat >"$src" <<'EOF'
import java.util.*;
import org.apache.kafka.clients.admin.*;
public class CreateTopic {
    public static void main(String[] a) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", a[0]);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(a[1], Integer.parseInt(a[2]), (short) 1)))
                .all().get();
        }
    }
}
EOF
	java -cp "$cp" "$src" "$BOOTSTRAP" "$1" "$2" >>"$E2E_TMP/admin.log" 2>&1
}

# start_server: the fault-injecting server on $PORT (0 the first time:
# any free port, kept for restarts); sets SERVER_PID.
start_server()
{
	rm -f "$E2E_TMP/port"
	python3 "$SERVER_PY" --port "${PORT:-0}" --port-file "$E2E_TMP/port" \
		--accepted "$E2E_TMP/accepted.txt" --seed "$RANDOM" --stall 1.5 \
		2>>"$E2E_TMP/server.log" &
	SERVER_PID=$!
	E2E_PIDS+=("$SERVER_PID")
	wait_for 10 test -s "$E2E_TMP/port" || return 1
	PORT=$(cat "$E2E_TMP/port")
}

kill_server()
{
	kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	forget_pid "$SERVER_PID"
}

# produce FROM TO: records FROM..TO (id-<n>, the poisoned one poison-<n>).
produce()
{
	seq -f 'id-%010.0f' "$1" "$2" |
		sed "s/^id-0*$POISON_AT\$/poison-$(printf '%010d' "$POISON_AT")/" |
		kcat -b "$BOOTSTRAP" -t hs-in -P -X linger.ms=20 2>>"$E2E_TMP/kcat.log"
}

# accepted_lines: records the server accepted so far.
accepted_lines()
{
	line_count "$E2E_TMP/accepted.txt"
}

# wait_accepted N TIMEOUT: until the server accepted N records.
wait_accepted()
{
	wait_lines "$E2E_TMP/accepted.txt" "$1" "$2" w
}

d=$E2E_TMP
check "create the 4-partition input topic" create_topic hs-in 4
check "start the fault-injecting HTTP server" start_server
worker_conf "$d/worker.properties" "$d/offsets"
props "$d/sink.properties" "name=hs" "connector.class=io.confluent.connect.http.HttpSinkConnector" \
	"tasks.max=1" "topics=hs-in" \
	"http.api.url=http://127.0.0.1:$PORT/ingest/\${topic}/\${partition}" \
	"batch.max.size=500" "batch.separator=," "max.in.flight=4" \
	"retry.backoff.ms=100" "max.retries=10" "http.request.timeout.ms=1000" \
	"errors.tolerance=all" "errors.deadletterqueue.topic.name=hs-dlq" \
	"errors.deadletterqueue.context.headers.enable=true" \
	"reporter.bootstrap.servers=$BOOTSTRAP" "reporter.result.topic.name=hs-success" \
	"reporter.error.topic.name=\${connector}-errors"
t0=$SECONDS

# 1. the first half, a worker SIGKILLed a third of the way through
produce 1 $((N / 2))
start_worker w "$d/worker.properties" "$d/sink.properties"
wait_accepted $((N / 6)) 60
kill_worker w KILL
log "worker SIGKILLed at $(accepted_lines) accepted records"
start_worker w "$d/worker.properties" "$d/sink.properties"

# 2. the second half, the server SIGKILLed and restarted on its port
produce $((N / 2 + 1)) "$N"
wait_accepted $((N * 2 / 3)) 90
kill_server
log "server SIGKILLed at $(accepted_lines) accepted records"
sleep 1
check "restart the HTTP server on the same port" start_server

# 3. every record arrives
seq -f 'id-%010.0f' 1 "$N" | grep -vx "id-$(printf '%010d' "$POISON_AT")" >"$d/want.txt"
if wait_complete "$d/want.txt" "$d/accepted.txt" 120 w; then
	pass "every record but the poisoned one reached the server ($COMPARE)"
else
	fail "every record but the poisoned one reached the server ($COMPARE)"
fi
log "$N records in $((SECONDS - t0)) s: $COMPARE"
check "the poisoned record was never accepted" \
	bash -c "! grep -q '^poison-' '$d/accepted.txt'"

# 4. the poisoned record, and it alone, is in the dead letter queue
dlq()
{
	kcat -b "$BOOTSTRAP" -C -t hs-dlq -e -q -f '%s\t%h\n' 2>/dev/null
}
check "the poisoned record reaches the dead letter queue" \
	wait_for 30 eval 'dlq | grep -q "^poison-"'
dlq >"$d/dlq.txt"
check "the dead letter queue holds the poisoned record only" \
	test "$(cut -f1 "$d/dlq.txt" | sort -u)" = "poison-$(printf '%010d' "$POISON_AT")"
check "its headers carry the status and the server's answer" \
	grep -q 'exception.message=POST http://127.0.0.1:[0-9]*/ingest/hs-in/[0-3] answered 400: {"error":"record poison-' "$d/dlq.txt"
check "its headers name where it was in Kafka (topic, partition, offset)" \
	grep -Eq '__connect.errors.topic=hs-in,__connect.errors.partition=[0-3],__connect.errors.offset=[0-9]+' "$d/dlq.txt"

# 5. Confluent's reporter: a result report for every delivered record (the
# server's answer as a JSON string, the input record in headers), an error
# report for the poisoned one
kcat -b "$BOOTSTRAP" -C -t hs-success -e -q -f '%s\t%h\n' >"$d/success.txt" 2>/dev/null
sed -n 's/.*input_record_offset=\([0-9]*\),.*input_record_partition=\([0-9]*\),.*/\2:\1/p' \
	"$d/success.txt" | sort -u >"$d/reported.txt"
check "every delivered record has a result report ($(line_count "$d/reported.txt") of $((N - 1)))" \
	test "$(line_count "$d/reported.txt")" -eq $((N - 1))
check "result reports carry the answer as a JSON string and the input topic" \
	grep -q '^"ok"	.*input_record_topic=hs-in' "$d/success.txt"
kcat -b "$BOOTSTRAP" -C -t hs-errors -e -q -f '%s\t%h\n' >"$d/errors.txt" 2>/dev/null
check "the poisoned record alone has an error report, in \${connector}-errors" \
	test "$(grep -o 'payload=[a-z]*-[0-9]*' "$d/errors.txt" | sort -u)" = \
	"payload=poison-$(printf '%010d' "$POISON_AT")"
check "the error report names status, URL and answer" \
	grep -q '^"POST http://127.0.0.1:[0-9]*/ingest/hs-in/[0-3] answered 400: .*status_code=400,url=http://' \
	"$d/errors.txt"
for code in 500 429 503; do
	check "the server answered $code at times ($(grep -c "answered $code" "$d/server.log"))" \
		grep -q "answered $code" "$d/server.log"
done
check "worker exits 0 on SIGTERM" stop_worker w
e2e_finish
