#!/usr/bin/env bash
# End-to-end test of webhook-source against one real Kafka broker:
# E2E_WEBHOOK_REQUESTS (default 20,000) POSTs from concurrent keep-alive
# clients while the worker is SIGKILLed and restarted: every request that
# got a 200 is in Kafka (by the unique id in its body); then the same
# while the Kafka broker is SIGKILLed and restarted. Then a flood past
# webhook.max.inflight (wrk) gets 429s, bad requests get their status
# each. Then slow senders (bodies stalled half-way, headers trickled a
# byte at a time) hold no webhook.max.inflight slot: a normal request
# beside them is answered 200 and reaches Kafka, and each of them gets 408
# after webhook.request.timeout.ms. The worker keeps running and stops
# cleanly.
# shellcheck disable=SC2317 # functions called through check and wait_for
source "$(dirname "$0")/lib.sh"

N=${E2E_WEBHOOK_REQUESTS:-20000}
CLIENTS=${E2E_WEBHOOK_CLIENTS:-16}
KILL_AT=$((N / 4))

# wrk comes from Debian; installed here like scripts/install-deps.sh does.
if ! command -v wrk >/dev/null 2>&1; then
	sudo=()
	((EUID != 0)) && command -v sudo >/dev/null 2>&1 && sudo=(sudo)
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
		--no-install-recommends wrk >/dev/null 2>&1 || true
fi
need kcat python3 curl wrk
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# The client: N POSTs of {"id": "r<n>"} from CLIENTS threads with
# keep-alive connections; each id is sent once. Writes the ids answered
# 200 to OK_FILE, progress (answered 200 so far) to PROGRESS_FILE, and a
# summary of statuses (0: no answer, the connection failed) to stdout.
write_client()
{
	cat >"$1" <<'EOF'
import http.client, json, os, sys, threading, time
port, path, n, nthreads, ok_file, progress = sys.argv[1:7]
prefix = sys.argv[7] if len(sys.argv) > 7 else "r"
port, n, nthreads = int(port), int(n), int(nthreads)
lock = threading.Lock()
state = {"next": 0, "ok": 0}
status = [None] * n

def take():
    with lock:
        i = state["next"]
        if i >= n:
            return None
        state["next"] = i + 1
        return i

def run():
    conn = None
    while True:
        i = take()
        if i is None:
            break
        body = json.dumps({"id": "%s%07d" % (prefix, i), "pad": "x" * 100})
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", path, body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            st = r.status
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception:
            st = 0
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.02)
        status[i] = st
        if st == 200:
            with lock:
                state["ok"] += 1
                if state["ok"] % 250 == 0:
                    with open(progress + ".tmp", "w") as f:
                        f.write("%d\n" % state["ok"])
                    os.replace(progress + ".tmp", progress)

threads = [threading.Thread(target=run) for _ in range(nthreads)]
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(ok_file, "w") as f:
    for i, st in enumerate(status):
        if st == 200:
            f.write("%s%07d\n" % (prefix, i))
counts = {}
for st in status:
    counts[st] = counts.get(st, 0) + 1
print("seconds=%.1f %s" % (time.time() - t0,
      " ".join("status_%s=%d" % (k, v) for k, v in sorted(counts.items(), key=str))))
EOF
}

# ids_in TOPIC OUT: the "id" of every record of TOPIC, one a line.
ids_in()
{
	kcat -C -b "$BOOTSTRAP" -t "$1" -o beginning -e -q -f '%s\n' 2>/dev/null |
		python3 -c 'import json,sys
for l in sys.stdin:
    l = l.strip()
    if l:
        print(json.loads(l).get("id", "?"))' >"$2"
}

# missing_from OK SEEN: prints how many ids of OK are not in SEEN.
missing_from()
{
	awk 'NR == FNR { seen[$0] = 1; next } !($0 in seen) { m++ } END { print m + 0 }' "$2" "$1"
}

progress_at_least()
{
	[[ -f $1 ]] && (($(cat "$1") >= $2))
}

listening()
{
	curl -s -o /dev/null "http://127.0.0.1:$1/"
}

d=$E2E_TMP
PORT_A=$(free_port)
PORT_B=$(free_port)
PORT_C=$(free_port)
worker_conf "$d/worker.properties" "$d/offsets"
props "$d/a.properties" "name=e2e-hooks" "connector.class=webhook-source" "tasks.max=1" \
	"listener.port=$PORT_A" "listener.path=/hooks" "kafka.topic=e2e-hooks" \
	"topic.creation.default.partitions=3" "topic.creation.default.replication.factor=1"
props "$d/b.properties" "name=e2e-flood" "connector.class=webhook-source" "tasks.max=1" \
	"listener.port=$PORT_B" "kafka.topic=e2e-flood" "webhook.max.inflight=8" \
	"webhook.split=true" "webhook.max.body.bytes=1024" "webhook.signature.secret=s3cret" \
	"topic.creation.default.partitions=1" "topic.creation.default.replication.factor=1"
props "$d/c.properties" "name=e2e-slow" "connector.class=webhook-source" "tasks.max=1" \
	"listener.port=$PORT_C" "kafka.topic=e2e-slow" "webhook.max.inflight=3" \
	"webhook.request.timeout.ms=2000" \
	"topic.creation.default.partitions=1" "topic.creation.default.replication.factor=1"
confs=("$d/worker.properties" "$d/a.properties" "$d/b.properties" "$d/c.properties")
write_client "$d/client.py"

# ---- 1. N requests, the worker SIGKILLed and restarted during the run ----
start_worker w "${confs[@]}"
check "listener A is up" wait_for 30 listening "$PORT_A"
python3 "$d/client.py" "$PORT_A" /hooks "$N" "$CLIENTS" "$d/ok.txt" "$d/progress" \
	>"$d/client.out" 2>"$d/client.err" &
client=$!
E2E_PIDS+=("$client")
if wait_for 60 progress_at_least "$d/progress" "$KILL_AT"; then
	kill_worker w KILL
	log "worker SIGKILLed after $(cat "$d/progress") requests answered 200"
	sleep 1
	start_worker w "${confs[@]}"
else
	fail "the client reached $KILL_AT answered requests within 60 s"
fi
wait "$client"
forget_pid "$client"
log "client: $(cat "$d/client.out")"
ok=$(line_count "$d/ok.txt")
check "most requests were answered 200 ($ok of $N)" test "$ok" -ge $((N * 8 / 10))
check "requests during the kill were not answered 200" \
	test "$(line_count "$d/ok.txt")" -lt "$N"
ids_in e2e-hooks "$d/ids.txt"
log "kafka holds $(line_count "$d/ids.txt") records of $N requests"
missing=$(missing_from "$d/ok.txt" "$d/ids.txt")
check "every request answered 200 is in Kafka (missing $missing)" test "$missing" -eq 0

# ---- 1b. the Kafka broker SIGKILLed and restarted during a run ----------
NK=$((N / 5))
python3 "$d/client.py" "$PORT_A" /hooks "$NK" "$CLIENTS" "$d/ok-k.txt" "$d/progress-k" k \
	>"$d/client-k.out" 2>"$d/client-k.err" &
client=$!
E2E_PIDS+=("$client")
if wait_for 60 progress_at_least "$d/progress-k" $((NK / 4)); then
	kill -KILL "$(cat "$E2E_TMP/kafka/kafka.pid")"
	log "broker SIGKILLed after $(cat "$d/progress-k") requests answered 200"
	sleep 3
	check "the broker restarts on its port" eval "\"$KAFKA_SH\" start \"$E2E_TMP/kafka\" >/dev/null"
else
	fail "the client reached $((NK / 4)) answered requests within 60 s"
fi
wait "$client"
forget_pid "$client"
log "client during the broker restart: $(cat "$d/client-k.out")"
ok=$(line_count "$d/ok-k.txt")
check "requests were answered 200 across the broker restart ($ok of $NK)" \
	test "$ok" -ge $((NK / 2))
ids_in e2e-hooks "$d/ids-k.txt"
missing=$(missing_from "$d/ok-k.txt" "$d/ids-k.txt")
check "every request answered 200 across the broker restart is in Kafka (missing $missing)" \
	test "$missing" -eq 0
check "the worker rode out the broker restart" worker_alive w

# ---- 2. a flood past webhook.max.inflight, bad requests ------------------
cat >"$d/flood.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '[{"flood":1},{"flood":2}]'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Hub-Signature-256"] = "sha256=SIG"
EOF
sig=$(printf '%s' '[{"flood":1},{"flood":2}]' |
	openssl dgst -sha256 -hmac s3cret -r | cut -d' ' -f1)
sed -i "s/SIG/$sig/" "$d/flood.lua"
check "listener B is up" wait_for 30 listening "$PORT_B"
wrk -t 2 -c 200 -d 4s -s "$d/flood.lua" "http://127.0.0.1:$PORT_B/" >"$d/wrk.out" 2>&1
log "wrk: $(grep -E 'Requests/sec|Non-2xx' "$d/wrk.out" | tr -s ' ' | tr '\n' ' ')"
non2xx=$(awk '/Non-2xx/ { print $NF }' "$d/wrk.out")
check "the flood got non-2xx answers (${non2xx:-0})" test "${non2xx:-0}" -gt 0
# A burst of 64 signed POSTs at once on fresh connections while the Kafka
# broker is stopped (SIGSTOP), so none is acknowledged: the first
# webhook.max.inflight (8) wait and get 200 once it runs again (SIGCONT),
# the other 56 get 429 with Retry-After at once.
cat >"$d/burst.py" <<'EOF'
import http.client, sys, threading
port, sig = int(sys.argv[1]), sys.argv[2]
body = '[{"flood":1},{"flood":2}]'
barrier = threading.Barrier(64)
out, lock = {}, threading.Lock()

def one():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.connect()
        barrier.wait()
        c.request("POST", "/", body, {"Content-Type": "application/json",
                                      "X-Hub-Signature-256": "sha256=" + sig})
        r = c.getresponse()
        r.read()
        key = "%d%s" % (r.status, "+retry-after" if r.getheader("Retry-After") else "")
    except Exception:
        key = "error"
    with lock:
        out[key] = out.get(key, 0) + 1

ts = [threading.Thread(target=one) for _ in range(64)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(" ".join("%s=%d" % kv for kv in sorted(out.items())))
EOF
sleep 1 # what the flood left in flight reaches Kafka
kafka_pid=$(cat "$E2E_TMP/kafka/kafka.pid")
kill -STOP "$kafka_pid"
python3 "$d/burst.py" "$PORT_B" "$sig" >"$d/burst.out" 2>&1 &
burst=$!
E2E_PIDS+=("$burst")
sleep 3
kill -CONT "$kafka_pid"
wait "$burst"
forget_pid "$burst"
log "64 concurrent signed POSTs, the broker stopped, webhook.max.inflight 8: $(cat "$d/burst.out")"
check "the burst got 8 200s and 56 429s with Retry-After, nothing else" \
	test "$(cat "$d/burst.out")" = "200=8 429+retry-after=56"
code()
{
	curl -s -o /dev/null -w '%{http_code}' -X POST "$@"
}
big=$(python3 -c 'print("[" + ",".join(["1"] * 1000) + "]")')
check "a body past webhook.max.body.bytes gets 413" \
	test "$(code -H 'Content-Type: application/json' --data "$big" "http://127.0.0.1:$PORT_B/")" = 413
bad_sig=$(printf '%s' '[{"x":1' | openssl dgst -sha256 -hmac s3cret -r | cut -d' ' -f1)
check "malformed JSON gets 400" \
	test "$(code -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=$bad_sig" \
		--data '[{"x":1' "http://127.0.0.1:$PORT_B/")" = 400
check "a wrong signature gets 401" \
	test "$(code -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=00" \
		--data '[{"x":1}]' "http://127.0.0.1:$PORT_B/")" = 401
check "a missing signature gets 401" \
	test "$(code -H 'Content-Type: application/json' --data '[{"x":1}]' \
		"http://127.0.0.1:$PORT_B/")" = 401
check "XML gets 415" \
	test "$(code -H 'Content-Type: application/xml' --data '<a/>' "http://127.0.0.1:$PORT_B/")" = 415
check "the worker survived the flood and the bad requests" worker_alive w
last_sig=$(printf '%s' '[{"id":"last"}]' | openssl dgst -sha256 -hmac s3cret -r | cut -d' ' -f1)
check "a good request after all that gets 200" \
	test "$(code -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=$last_sig" \
		--data '[{"id":"last"}]' "http://127.0.0.1:$PORT_B/")" = 200
ids_in e2e-flood "$d/flood_ids.txt"
check "and its record is in Kafka" grep -qx last "$d/flood_ids.txt"
check "the other connector still answers" \
	test "$(code -H 'Content-Type: application/json' --data '{"id":"after"}' \
		"http://127.0.0.1:$PORT_A/hooks")" = 200
# ---- 3. slow senders: stalled bodies and trickled headers ----------------
# Three bodies stalled half-way (webhook.max.inflight is 3) and one sender
# trickling its headers a byte every 200 ms: beside them a normal request
# must get 200, and each slow one 408 naming the option, then the
# connection closed, no sooner than webhook.request.timeout.ms (2 s).
cat >"$d/slow.py" <<'EOF'
import http.client, json, select, socket, sys, time
port, timeout_s = int(sys.argv[1]), 2.0
head = ("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n")
slow = []  # [socket, sent at, bytes received, seconds until closed]
for i in range(3):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall((head + '{"id":"stalled%d","pad":"' % i).encode())
    slow.append([s, time.time(), b"", None])
trickle = socket.create_connection(("127.0.0.1", port))
trickle.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
trickle_text = b"X-Slow: " + b"a" * 200
slow.append([trickle, time.time(), b"", None])
time.sleep(0.3)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("POST", "/", json.dumps({"id": "beside-the-slow"}),
          {"Content-Type": "application/json"})
r = c.getresponse()
normal = "%d %s" % (r.status, r.read().decode())
# read every slow connection to its end, trickling meanwhile
sent, deadline = 0, time.time() + 15
while time.time() < deadline and any(x[3] is None for x in slow):
    if slow[3][3] is None and sent < len(trickle_text):
        try:
            trickle.send(trickle_text[sent:sent + 1])
            sent += 1
        except OSError:
            pass
    socks = [x[0] for x in slow if x[3] is None]
    for s in select.select(socks, [], [], 0.2)[0]:
        x = next(x for x in slow if x[0] is s)
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        x[2] += data
        if not data:
            x[3] = time.time() - x[1]
print("normal=%s" % normal.replace(" ", "_"))
for i, (s, t0, data, took) in enumerate(slow):
    first = data.split(b"\r\n", 1)[0].decode(errors="replace")
    ok = (first.startswith("HTTP/1.1 408") and b"webhook.request.timeout.ms" in data
          and took is not None and took >= timeout_s - 0.05)
    print("slow%d=%s took=%s %s" % (i, "408" if ok else "BAD", took, first.replace(" ", "_")))
EOF
check "listener C is up" wait_for 30 listening "$PORT_C"
python3 "$d/slow.py" "$PORT_C" >"$d/slow.out" 2>&1
log "slow senders: $(tr '\n' ' ' <"$d/slow.out")"
check "beside 3 stalled bodies (webhook.max.inflight=3) a request gets 200" \
	grep -q '^normal=200_' "$d/slow.out"
ids_in e2e-slow "$d/slow_ids.txt"
check "and its record is in Kafka" grep -qx beside-the-slow "$d/slow_ids.txt"
check "no stalled body became a record" test "$(line_count "$d/slow_ids.txt")" -eq 1
check "stalled bodies and trickled headers got 408 after the request timeout" \
	test "$(grep -c '^slow[0-9]=408 ' "$d/slow.out")" -eq 4
check "worker exits 0 on SIGTERM" stop_worker w
e2e_finish
