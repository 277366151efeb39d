#!/usr/bin/env bash
# End-to-end test of the REST API against one real Kafka broker: an empty
# worker managed over REST (file source -> Kafka -> file sink created with
# POST), status and info, pause / resume / stop, source and sink offsets
# (KIP-875) read and changed while STOPPED, config replaced with PUT and
# PATCH, bad input answered with its status each, hundreds of concurrent
# requests while records flow, basic authentication, a port in use, and
# connector.config.dir: connectors come back in their state after a
# restart, and files added, changed or removed there apply on SIGHUP.
source "$(dirname "$0")/lib.sh"

need curl python3 kcat
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

PORT=$(free_port)
API=http://127.0.0.1:$PORT
CONNS=$E2E_TMP/conns
worker_conf "$E2E_TMP/w.properties" "$E2E_TMP/offsets.json"
props "$E2E_TMP/rest.properties" "listeners=http://127.0.0.1:$PORT" "connector.config.dir=$CONNS"
cat "$E2E_TMP/rest.properties" >>"$E2E_TMP/w.properties"

# req METHOD PATH [BODY]: prints "STATUS BODY" of one request.
req()
{
	local code
	code=$(curl -s -o "$E2E_TMP/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$API$2")
	printf '%s %s' "$code" "$(cat "$E2E_TMP/body")"
}

# expect NAME STATUS METHOD PATH [BODY] [PYTHON EXPR over the body j]: one
# check of the status and, when given, of an expression on the JSON body.
expect()
{
	local name=$1 want=$2 method=$3 path=$4 body=${5:-} cond=${6:-}
	local res code text
	res=$(req "$method" "$path" "$body")
	code=${res%% *}
	text=${res#* }
	if [[ $code != "$want" ]]; then
		fail "$name (status $code, wanted $want: ${text:0:300})"
		return
	fi
	if [[ -n $cond ]] && ! python3 -c 'import json,sys; j=json.loads(sys.argv[1]) if sys.argv[1] else None; sys.exit(0 if eval(sys.argv[2]) else 1)' "$text" "$cond"; then
		fail "$name (body ${text:0:300} does not satisfy $cond)"
		return
	fi
	pass "$name"
}

# conn_state NAME: "CONNECTOR_STATE TASK_STATE..." of a connector.
conn_state()
{
	curl -s "$API/connectors/$1/status" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["connector"]["state"], *[t["state"] for t in j["tasks"]])' 2>/dev/null
}

state_is()
{
	[[ $(conn_state "$1") == "$2" ]]
}

api_up()
{
	curl -s -o /dev/null "$API/health"
}

status_is()
{
	[[ $(curl -s -o /dev/null -w '%{http_code}' "${@:3}" "$2") == "$1" ]]
}

gen_lines "$E2E_TMP/in.txt" 2000 a
log "empty worker managed over REST on $API"
start_worker w "$E2E_TMP/w.properties"
check "the API answers" wait_for 30 api_up
expect "GET / names version and cluster" 200 GET / "" 'j["version"] and j["kafka_cluster_id"]'
expect "GET /health is healthy" 200 GET /health "" 'j["status"] == "healthy"'
expect "no connector yet" 200 GET /connectors "" 'j == []'

SRC='{"name":"src","config":{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","file":"'$E2E_TMP/in.txt'","topic":"rest-e2e","tasks.max":"1"}}'
SNK='{"name":"snk","config":{"connector.class":"FileStreamSink","file":"'$E2E_TMP/out.txt'","topics":"rest-e2e"}}'
expect "POST source: 201" 201 POST /connectors "$SRC" 'j["name"] == "src" and j["type"] == "source"'
expect "POST sink: 201" 201 POST /connectors "$SNK" 'j["tasks"] == [{"connector":"snk","task":0}]'
expect "POST again: 409" 409 POST /connectors "$SRC" 'j["error_code"] == 409'
check "records flow through the REST-made pipeline" wait_lines "$E2E_TMP/out.txt" 2000 60 w
check "output equals input" cmp -s "$E2E_TMP/in.txt" "$E2E_TMP/out.txt"
expect "expand=status&expand=info" 200 GET '/connectors?expand=status&expand=info' "" \
	'j["src"]["status"]["tasks"][0]["state"] == "RUNNING" and j["snk"]["info"]["type"] == "sink"'
expect "topics of the sink" 200 GET /connectors/snk/topics "" 'j == {"snk": {"topics": ["rest-e2e"]}}'
check "ready once everything runs" wait_for 30 curl -sf -o /dev/null "$API/ready"

log "pause, resume, stop"
expect "pause: 202" 202 PUT /connectors/src/pause
check "source PAUSED" wait_for 30 state_is src "PAUSED PAUSED"
gen_lines "$E2E_TMP/more.txt" 100 b
cat "$E2E_TMP/more.txt" >>"$E2E_TMP/in.txt"
sleep 2
check "nothing flows while paused" test "$(line_count "$E2E_TMP/out.txt")" -eq 2000
expect "resume: 202" 202 PUT /connectors/src/resume
check "flows again after resume" wait_lines "$E2E_TMP/out.txt" 2100 60 w

log "offsets (KIP-875)"
expect "source offsets read" 200 GET /connectors/src/offsets "" \
	'j["offsets"][0]["partition"]["filename"].endswith("in.txt") and j["offsets"][0]["offset"]["position"] > 0'
expect "alter refused while running: 400" 400 PATCH /connectors/src/offsets \
	'{"offsets":[{"partition":{"filename":"x"},"offset":{"position":1}}]}' '"STOPPED" in j["message"]'
expect "stop: 204" 204 PUT /connectors/src/stop
check "source STOPPED without tasks" wait_for 30 state_is src "STOPPED"
expect "source offsets reset" 200 DELETE /connectors/src/offsets "" '"reset" in j["message"]'
expect "no source offset left" 200 GET /connectors/src/offsets "" 'j == {"offsets": []}'
check "sink committed offsets" wait_for 30 bash -c "curl -s $API/connectors/snk/offsets | grep -q kafka_offset"
expect "sink offsets in Kafka Connect's shape" 200 GET /connectors/snk/offsets "" \
	'j["offsets"][0]["partition"] == {"kafka_topic":"rest-e2e","kafka_partition":0} and j["offsets"][0]["offset"]["kafka_offset"] == 2100'
expect "stop sink" 204 PUT /connectors/snk/stop
check "sink STOPPED" wait_for 30 state_is snk "STOPPED"
expect "sink offsets altered" 200 PATCH /connectors/snk/offsets \
	'{"offsets":[{"partition":{"kafka_topic":"rest-e2e","kafka_partition":0},"offset":{"kafka_offset":2000}}]}'
expect "altered sink offset reads back" 200 GET /connectors/snk/offsets "" \
	'j["offsets"][0]["offset"]["kafka_offset"] == 2000'
: >"$E2E_TMP/out.txt"
expect "resume sink" 202 PUT /connectors/snk/resume
check "sink re-reads from the altered offset" wait_lines "$E2E_TMP/out.txt" 100 60 w
sleep 1
check "exactly the 100 records after offset 2000" test "$(line_count "$E2E_TMP/out.txt")" -eq 100
expect "stop sink again" 204 PUT /connectors/snk/stop
check "sink STOPPED again" wait_for 30 state_is snk "STOPPED"
expect "sink offsets reset (group deleted)" 200 DELETE /connectors/snk/offsets
expect "no sink offset left" 200 GET /connectors/snk/offsets "" 'j == {"offsets": []}'
: >"$E2E_TMP/out.txt"
expect "resume sink after reset" 202 PUT /connectors/snk/resume
check "sink reads everything again after the reset" wait_lines "$E2E_TMP/out.txt" 2100 60 w
expect "resume the source" 202 PUT /connectors/src/resume
check "source re-reads its file after its reset" wait_lines "$E2E_TMP/out.txt" 4200 60 w

log "config: PUT and PATCH"
expect "PUT config of a new name: 201" 201 PUT /connectors/src2/config \
	'{"connector.class":"file-source","file":"'$E2E_TMP/in.txt'","topic":"rest-e2e-2"}'
expect "PUT config again: 200" 200 PUT /connectors/src2/config \
	'{"connector.class":"file-source","file":"'$E2E_TMP/in.txt'","topic":"rest-e2e-3","batch.size":"50"}' \
	'j["config"]["topic"] == "rest-e2e-3"'
expect "PATCH removes a key with null" 200 PATCH /connectors/src2/config '{"batch.size":null}' \
	'"batch.size" not in j["config"]'
expect "secret hidden" 200 PUT /connectors/src2/config \
	'{"connector.class":"file-source","file":"'$E2E_TMP/in.txt'","topic":"rest-e2e-3","producer.override.ssl.key.password":"hunter2"}' \
	'j["config"]["producer.override.ssl.key.password"] == "[hidden]"'
check "the secret is in no answer" bash -c "! curl -s $API/connectors/src2/tasks | grep -q hunter2"
expect "DELETE: 204" 204 DELETE /connectors/src2
expect "deleted: 404" 404 GET /connectors/src2 "" 'j["message"] == "Connector src2 not found"'

log "bad input"
expect "malformed JSON: 400" 400 POST /connectors '{"name":' 'j["error_code"] == 400'
expect "unknown class: 400" 400 POST /connectors '{"name":"x","config":{"connector.class":"Nope"}}'
expect "every error listed" 400 POST /connectors \
	'{"name":"x","config":{"connector.class":"file-source","tasks.max":"0"}}' '"3 error(s)" in j["message"]'
expect "name with /: 400" 400 POST /connectors '{"name":"a/b","config":{}}'
expect "unknown path: 404" 404 GET /nope
expect "wrong method: 405" 405 DELETE /connectors
python3 -c 'print("{\"name\":\"big\",\"config\":{\"x\":\"" + "a"*2000000 + "\"}}")' >"$E2E_TMP/big.json"
check "oversized body: 413" status_is 413 "$API/connectors" -X POST --data-binary "@$E2E_TMP/big.json"
expect "validate lists errors per key" 200 PUT /connector-plugins/FileStreamSource/config/validate \
	'{"tasks.max":"0"}' 'j["error_count"] >= 2 and any(c["value"]["errors"] for c in j["configs"] if c["value"]["name"] == "tasks.max")'
expect "plugins list the Kafka Connect class" 200 GET /connector-plugins "" \
	'any(p["class"] == "org.apache.kafka.connect.file.FileStreamSinkConnector" for p in j)'
expect "logger level set" 200 PUT /admin/loggers/root '{"level":"DEBUG"}' 'j == ["root"]'
expect "logger level reads back" 200 GET /admin/loggers/root "" 'j["level"] == "DEBUG"'
expect "logger level back to INFO" 200 PUT /admin/loggers/root '{"level":"INFO"}'

log "400 concurrent requests while records flow"
gen_lines "$E2E_TMP/more2.txt" 1000 c
cat "$E2E_TMP/more2.txt" >>"$E2E_TMP/in.txt"
seq 1 400 | xargs -P 200 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$API/connectors?expand=status" >"$E2E_TMP/codes"
check "every concurrent request got 200" test "$(grep -c '^200$' "$E2E_TMP/codes")" -eq 400
check "records kept flowing" wait_lines "$E2E_TMP/out.txt" 5200 60 w
check "the worker is alive" worker_alive w

log "a port in use is a clear error"
props "$E2E_TMP/w2.properties" "bootstrap.servers=$BOOTSTRAP" \
	"offset.storage.file.filename=$E2E_TMP/offsets2.json" "listeners=http://127.0.0.1:$PORT"
start_worker w2 "$E2E_TMP/w2.properties"
sleep 3
check "second worker on the same port exits" bash -c "! kill -0 ${E2E_WORKERS[w2]} 2>/dev/null"
stop_worker w2 5 >/dev/null 2>&1
check "its log names the address" grep -q "cannot listen on 127.0.0.1:$PORT" "$E2E_TMP/w2.log"

log "persistence across a restart"
expect "pause the sink before the restart" 202 PUT /connectors/snk/pause
check "sink PAUSED" wait_for 30 state_is snk "PAUSED PAUSED"
check "the worker stops cleanly" stop_worker w 30
start_worker w "$E2E_TMP/w.properties"
check "the API answers after the restart" wait_for 30 api_up
check "source back RUNNING" wait_for 30 state_is src "RUNNING RUNNING"
check "sink back PAUSED" wait_for 30 state_is snk "PAUSED PAUSED"

log "SIGHUP applies connector.config.dir"
python3 - "$CONNS" "$E2E_TMP" <<'PY'
import json, sys
conns, tmp = sys.argv[1:3]
json.dump({"name": "hup", "config": {"connector.class": "file-source", "file": tmp + "/in.txt",
           "topic": "rest-e2e-hup"}, "initial_state": "RUNNING"}, open(conns + "/hup.json", "w"))
d = json.load(open(conns + "/snk.json"))
d["initial_state"] = "RUNNING"
json.dump(d, open(conns + "/snk.json", "w"))
PY
rm -f "$CONNS/src.json"
kill -HUP "${E2E_WORKERS[w]}"
check "new file: connector added" wait_for 30 state_is hup "RUNNING RUNNING"
check "changed state: sink resumed" wait_for 30 state_is snk "RUNNING RUNNING"
check "removed file: source gone" wait_for 30 status_is 404 "$API/connectors/src"
check "the worker is still alive" worker_alive w
check "the worker stops cleanly at the end" stop_worker w 30

log "basic authentication"
PORT2=$(free_port)
printf 'admin:s3cret\n' >"$E2E_TMP/users"
props "$E2E_TMP/w3.properties" "bootstrap.servers=$BOOTSTRAP" \
	"offset.storage.file.filename=$E2E_TMP/offsets3.json" \
	"listeners=http://127.0.0.1:$PORT2" "rest.auth.basic.users.file=$E2E_TMP/users"
start_worker w3 "$E2E_TMP/w3.properties"
check "/health needs no credentials" wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$PORT2/health"
check "no credentials: 401" status_is 401 "http://127.0.0.1:$PORT2/connectors"
check "wrong password: 401" status_is 401 "http://127.0.0.1:$PORT2/connectors" -u admin:nope
check "right password: 200" status_is 200 "http://127.0.0.1:$PORT2/connectors" -u admin:s3cret
check "the worker with auth stops cleanly" stop_worker w3 30

e2e_finish
