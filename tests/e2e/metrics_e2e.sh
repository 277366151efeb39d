#!/usr/bin/env bash
# End-to-end test of GET /metrics against one real Kafka broker: a file
# source and a file sink move N lines; the counters Kafka Connect's
# dashboards read (as the JMX exporter names them) match N, the lag drops
# to 0, a pause shows in the connector's status and task counts, a
# connector name with a quote is escaped, every sample has its TYPE line,
# the clients report the broker round trip, and an http-sink reports its
# request latency histogram.
source "$(dirname "$0")/lib.sh"

need curl python3
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

N=5000
T=$E2E_TMP
gen_lines "$T/in.txt" "$N" m
worker_conf "$T/w.properties" "$T/offsets.json"
props "$T/src.properties" "name=src" "connector.class=file-source" "file=$T/in.txt" \
	"topic=e2e-metrics"
props "$T/snk.properties" "name=snk" "connector.class=file-sink" "topics=e2e-metrics" \
	"file=$T/out.txt"
start_worker m "$T/w.properties" "$T/src.properties" "$T/snk.properties"

# The port the worker chose (listeners=...:0), from its log.
port_of()
{
	sed -n 's/.*REST API listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/m.log" | tail -n 1
}
port_known()
{
	[[ -n $(port_of) ]]
}
check "the worker names its REST port" wait_for 30 port_known
API=http://127.0.0.1:$(port_of)

# metric TEXT NAME LABELS: the value of the sample NAME{LABELS} in TEXT.
metric()
{
	awk -v want="$2{$3}" '$1 == want { print $2; found = 1 } END { exit !found }' <<<"$1"
}

scrape()
{
	curl -s "$API/metrics"
}

# metric_is NAME LABELS VALUE: the current scrape shows that value.
metric_is()
{
	[[ $(metric "$(scrape)" "$1" "$2") == "$3" ]]
}

check "the sink wrote every line" wait_lines "$T/out.txt" "$N" 60 m
ctype=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$API/metrics")
check "GET /metrics answers 200 in Prometheus text format" \
	grep -q '^200 text/plain; version=0.0.4' <<<"$ctype"
src='connector="src",task="0"'
snk='connector="snk",task="0"'
check "source_record_poll_total counts every line" wait_for 20 metric_is \
	kafka_connect_source_task_metrics_source_record_poll_total "$src" "$N"
check "source_record_write_total counts every acknowledged record" wait_for 20 metric_is \
	kafka_connect_source_task_metrics_source_record_write_total "$src" "$N"
check "sink_record_read_total counts every consumed record" wait_for 20 metric_is \
	kafka_connect_sink_task_metrics_sink_record_read_total "$snk" "$N"
check "sink_record_send_total counts every record put" wait_for 20 metric_is \
	kafka_connect_sink_task_metrics_sink_record_send_total "$snk" "$N"
check "sink_record_lag_max is 0 once caught up" wait_for 20 metric_is \
	kafka_connect_sink_task_metrics_sink_record_lag_max "$snk" 0
check "the sink task has one partition" wait_for 20 metric_is \
	kafka_connect_sink_task_metrics_partition_count "$snk" 1
check "the worker counts 2 connectors" wait_for 10 metric_is \
	kafka_connect_connect_worker_metrics_connector_count 'connector="aggregate"' 2
check "file-source bytes behind is 0 at the end of the file" wait_for 10 metric_is \
	sluice_file_source_bytes_behind "$src" 0

# positive: a round trip to a real broker takes some microseconds
rtt_positive()
{
	local v
	v=$(metric "$(scrape)" "$1" "$2") || return 1
	awk -v v="$v" 'BEGIN { exit !(v > 0 && v < 10) }'
}
# The source has written everything; idle, its producer sends no requests
# and the gauge holds the last round trip.
sleep 1.5
check "the idle source's producer still reports the broker round trip" wait_for 20 rtt_positive \
	sluice_kafka_producer_broker_rtt_seconds "$src"
check "the sink's consumer reports the broker round trip" wait_for 20 rtt_positive \
	sluice_kafka_consumer_broker_rtt_seconds "$snk"

# More lines move the counters on.
gen_lines "$T/more.txt" 100 n
cat "$T/more.txt" >>"$T/in.txt"
check "appended lines move poll_total on" wait_for 20 metric_is \
	kafka_connect_source_task_metrics_source_record_poll_total "$src" "$((N + 100))"

curl -s -o /dev/null -X PUT "$API/connectors/src/pause"
check "a paused connector shows status paused" wait_for 10 metric_is \
	kafka_connect_connector_metrics 'connector="src",status="paused"' 1
check "and one paused task" wait_for 10 metric_is \
	kafka_connect_connect_worker_metrics_connector_paused_task_count 'connector="src"' 1
# ratios: some of the paused second shows in pause_ratio; the rest ran
ratio_above()
{
	local v
	v=$(metric "$(scrape)" "kafka_connect_connector_task_metrics_$1" "$src") || return 1
	awk -v v="$v" -v min="$2" 'BEGIN { exit !(v > min && v <= 1) }'
}
check "pause_ratio grows while paused" wait_for 10 ratio_above pause_ratio 0
check "running_ratio holds the rest" ratio_above running_ratio 0.3
curl -s -o /dev/null -X PUT "$API/connectors/src/resume"
check "resumed: status running again" wait_for 10 metric_is \
	kafka_connect_connector_metrics 'connector="src",status="running"' 1

started_at_least()
{
	local v
	v=$(metric "$(scrape)" "kafka_connect_connect_worker_metrics_$1" 'connector="aggregate"') ||
		return 1
	awk -v v="$v" -v min="$2" 'BEGIN { exit !(v >= min) }'
}
check "two connector starts counted" started_at_least connector_startup_success_total 2
check "two task starts counted" started_at_least task_startup_success_total 2
no_failed_start()
{
	local v
	v=$(metric "$(scrape)" kafka_connect_connect_worker_metrics_task_startup_failure_total \
		'connector="aggregate"') || return 1
	awk -v v="$v" 'BEGIN { exit !(v == 0) }'
}
check "no task start failed" no_failed_start

# A name with a quote and a backslash is escaped in label values.
body=$(python3 -c 'import json,sys; print(json.dumps({"name": "q\"b\\s", "config": {
	"connector.class": "file-sink", "topics": "e2e-metrics", "file": sys.argv[1]}}))' "$T/q.txt")
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary "$body" "$API/connectors")
check "a connector named q\"b\\s is created" test "$code" = 201
check "its label value is escaped" wait_for 20 grep -qF \
	'sink_record_read_total{connector="q\"b\\s",task="0"}' <(scrape)

# Every sample's family has a TYPE line before it.
check "every sample has a TYPE line" awk '
	/^# TYPE / { t[$3] = 1; next }
	/^#/ || NF == 0 { next }
	{ n = $1; sub(/\{.*/, "", n); b = n; sub(/_(bucket|sum|count)$/, "", b)
	  if (!(n in t) && !(b in t)) { print "no TYPE for " n > "/dev/stderr"; bad = 1 } }
	END { exit bad }' <(scrape)

# An http-sink reports its request latency histogram.
python3 - "$T/http.port" <<'PY' &
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
HTTP_PID=$!
wait_for 10 test -s "$T/http.port"
body=$(python3 -c 'import json,sys; print(json.dumps({"name": "hs", "config": {
	"connector.class": "http-sink", "topics": "e2e-metrics",
	"http.api.url": "http://127.0.0.1:%s/in" % sys.argv[1]}}))' "$(cat "$T/http.port")")
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "$body" \
	"$API/connectors"
hs_count()
{
	local v
	v=$(metric "$(scrape)" sluice_http_sink_request_duration_seconds_count \
		'connector="hs",task="0"') || return 1
	[[ ${v%.*} -gt 0 ]]
}
check "http-sink reports request durations" wait_for 30 hs_count
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null

check "the worker stops cleanly" stop_worker m
e2e_finish
