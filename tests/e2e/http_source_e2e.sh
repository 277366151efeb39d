#!/usr/bin/env bash
# End-to-end tests of http-source against one real Kafka broker and the
# paginated JSON API of tests/e2e/http_api_server.py: (a) 50,000 items by
# cursor pagination while the worker is SIGKILLed twice mid-listing (every
# item in Kafka, in cursor order, replays only right after a kill, each
# restart resuming at a page); (b) 500s and 503s with Retry-After (every
# item, once, in order; the waits asked for were kept); (c) bad input: a
# page that is not UTF-8 and then not JSON under errors.tolerance=all (the
# task runs on and gets every item once the page heals), a 10 MB response
# over http.response.max.bytes under errors.tolerance=none (the task fails
# with a clear reason, the worker runs on) and the same 10 MB page under
# the default limit (read whole); (d) json-server 0.17.4 (npm, installed
# into the cache by npm_tool; JSON_SERVER names another binary): Link
# header pages, `id_gte=${offset.key}` for items
# added later, its ETag answered 304. E2E_HTTP_ITEMS changes the size of
# (a); (e) HTTPS with a private certificate authority and a client
# certificate (refused without https.ssl.ca.location: the task fails
# naming the certificate; with it every item arrives) while the API server
# is SIGKILLed and restarted on its port mid-listing: every item, in
# order. E2E_SCENARIOS picks some of "a b c d e".
source "$(dirname "$0")/lib.sh"

N=${E2E_HTTP_ITEMS:-50000}
SCENARIOS=${E2E_SCENARIOS:-a b c d e}
JSON_SERVER=${JSON_SERVER:-}
API=$E2E_ROOT/tests/e2e/http_api_server.py

need kcat python3 awk curl openssl
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# start_api DIR ARGS...: starts the API server (stopped by PID on exit);
# sets API_URL to its base URL.
start_api()
{
	local d=$1
	shift
	python3 "$API" --port-file "$d/port" --log "$d/requests.log" "$@" >>"$d/api.log" 2>&1 &
	E2E_PIDS+=($!)
	wait_for 10 test -s "$d/port" || return 1
	API_URL=http://127.0.0.1:$(cat "$d/port")
}

# consume TOPIC OUT: a background kcat writing each record's key, one a
# line, to OUT, from when the worker has created the topic on.
consume()
{
	(
		until kcat -L -b "$BOOTSTRAP" -t "$1" 2>/dev/null | grep -q 'partition 0,'; do
			sleep 0.2
		done
		exec kcat -C -b "$BOOTSTRAP" -t "$1" -o beginning -u -q -f '%k\n' >"$2" 2>/dev/null
	) &
	E2E_PIDS+=($!)
}

# source_conf FILE NAME TOPIC URL EXTRA...: an http-source on /items with
# cursor pagination ("since" the newest key for a new listing).
source_conf()
{
	local f=$1 name=$2 topic=$3 url=$4
	shift 4
	props "$f" "name=$name" "connector.class=com.github.castorm.kafka.connect.http.HttpSourceConnector" \
		"kafka.topic=$topic" "http.request.url=$url" \
		"http.request.params=since=\${offset.key} & limit=500" \
		"http.offset.initial=key=0" \
		"http.response.list.pointer=/items" \
		"http.response.record.offset.pointer=key=/id" \
		"http.response.next.pointer=/next" "http.request.next.param=cursor" \
		"http.timer.interval.millis=1000" "http.timer.catchup.interval.millis=500" \
		"topic.creation.default.partitions=1" \
		"topic.creation.default.replication.factor=1" "$@"
}

# check_order KEYS N MAX_BACK: the keys are 1..N in cursor order; a key
# that is not the next new one must be a replay of one already seen (a
# jump back), at most MAX_BACK jumps back. Prints the counts.
check_order()
{
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, n, max_back = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
top, backs, dups, gaps, seen = 0, 0, 0, [], set()
prev = 0
for line in open(path):
    k = line.strip()
    if not k:
        continue
    i = int(k)
    if i == top + 1:
        top = i
    elif i <= top:
        dups += 1
        if i != prev + 1:
            backs += 1
    else:
        gaps.append((top, i))
        top = i
    seen.add(i)
    prev = i
missing = n - len([i for i in seen if 1 <= i <= n])
print("keys: top=%d missing=%d duplicates=%d jumps_back=%d gaps=%s" % (top, missing, dups, backs, gaps[:3]))
sys.exit(0 if top == n and missing == 0 and not gaps and backs <= max_back else 1)
EOF
}

# has_all KEYS N: every key 1..N is in KEYS.
has_all()
{
	[[ $(sort -un "$1" | awk -v n="$2" '$1 >= 1 && $1 <= n' | wc -l) -ge $2 ]]
}

# (a) N items, the worker SIGKILLed twice mid-listing.
scenario_kills()
{
	local d=$E2E_TMP/a t0
	mkdir -p "$d"
	start_api "$d" --items "$N" --page-size 500 --delay-ms 150 --pad 100 || {
		fail "a: start the API server"
		return
	}
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-http-a e2e-http-a "$API_URL/items"
	consume e2e-http-a "$d/keys.txt"
	t0=$SECONDS
	start_worker a "$d/worker.properties" "$d/source.properties"
	wait_lines "$d/keys.txt" $((N / 4)) 60 a
	kill_worker a KILL
	log "a: killed at $(line_count "$d/keys.txt") records"
	echo "=== restart 1" >>"$d/requests.log"
	start_worker a "$d/worker.properties" "$d/source.properties"
	wait_growth "$d/keys.txt" $((N / 3)) 60
	kill_worker a KILL
	log "a: killed at $(line_count "$d/keys.txt") records"
	echo "=== restart 2" >>"$d/requests.log"
	start_worker a "$d/worker.properties" "$d/source.properties"
	check "a: every one of $N items reaches Kafka" wait_for 90 has_all "$d/keys.txt" "$N"
	log "a: $N items in $((SECONDS - t0)) s with 2 kills"
	sleep 2 # a new listing after the interval must bring nothing
	check "a: keys in cursor order, no page skipped, replays only after the 2 kills" \
		check_order "$d/keys.txt" "$N" 2
	check "a: each restart resumed mid-listing at a page cursor" \
		awk '/^=== restart/ { r = 1; next } r { r = 0; if ($3 ~ /cursor=pos%3A/) ok++ }
		     END { exit ok == 2 ? 0 : 1 }' "$d/requests.log"
	check "a: worker exits 0 on SIGTERM" stop_worker a
}

# (b) 500s and 503s with Retry-After.
scenario_faults()
{
	local d=$E2E_TMP/b n=5000
	mkdir -p "$d"
	start_api "$d" --items $n --page-size 500 --fail-every 4 --busy-every 5 --retry-after 1 || {
		fail "b: start the API server"
		return
	}
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-http-b e2e-http-b "$API_URL/items" \
		"http.retry.backoff.ms=100" "http.retry.backoff.max.ms=400"
	consume e2e-http-b "$d/keys.txt"
	start_worker b "$d/worker.properties" "$d/source.properties"
	check "b: every one of $n items arrives despite 500s and 503s" \
		wait_for 60 has_all "$d/keys.txt" $n
	check "b: in order and exactly once" check_order "$d/keys.txt" $n 0
	check "b: the API answered 500 and 503" \
		bash -c "grep -q ' 503 ' '$d/requests.log' && grep -q ' 500 ' '$d/requests.log'"
	check "b: every 503's Retry-After (1 s) was waited for" \
		awk '$2 == 503 { t = $1; next } t { if ($1 - t < 0.95) bad++; t = 0 }
		     END { exit bad ? 1 : 0 }' "$d/requests.log"
	check "b: the log says why it retried" grep -q 'as Retry-After asks' "$E2E_TMP/b.log"
	check "b: the task did not fail" bash -c "! grep -q 'task FAILED' '$E2E_TMP/b.log'"
	check "b: worker exits 0 on SIGTERM" stop_worker b
}

# (c) bad input: a bad page under tolerance=all, a 10 MB response over the
# limit under tolerance=none, the 10 MB page within the default limit.
scenario_bad_input()
{
	local d=$E2E_TMP/c n=3000 big
	mkdir -p "$d"
	start_api "$d" --items $n --page-size 500 --bad-cursor pos:1000 --bad-times 2 \
		--big-bytes $((10 * 1024 * 1024)) || {
		fail "c: start the API server"
		return
	}
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/tolerant.properties" e2e-http-c1 e2e-http-c1 "$API_URL/items" \
		"errors.tolerance=all" "errors.log.enable=true"
	source_conf "$d/strict.properties" e2e-http-c2 e2e-http-c2 "$API_URL/big" \
		"http.response.max.bytes=1048576"
	source_conf "$d/big.properties" e2e-http-c3 e2e-http-c3 "$API_URL/big" \
		"http.timer.interval.millis=60000" "http.timer.catchup.interval.millis=60000"
	consume e2e-http-c1 "$d/keys1.txt"
	consume e2e-http-c3 "$d/keys3.txt"
	start_worker c "$d/worker.properties" "$d/tolerant.properties" "$d/strict.properties" \
		"$d/big.properties"
	check "c: tolerated bad pages: the task runs on and every item arrives" \
		wait_for 60 has_all "$d/keys1.txt" $n
	check "c: and in order, exactly once" check_order "$d/keys1.txt" $n 0
	check "c: the body that is not UTF-8 / not JSON was reported" \
		grep -q 'cursor=pos%3A1000: the body is not JSON' "$E2E_TMP/c.log"
	check "c: over http.response.max.bytes under tolerance=none: the task failed saying why" \
		wait_for 20 grep -q 'task FAILED.*larger than http.response.max.bytes (1048576 bytes)' \
		"$E2E_TMP/c.log"
	big=$(((10 * 1024 * 1024) / 512))
	check "c: the 10 MB page within the default limit gave all its $big records" \
		wait_for 60 has_all "$d/keys3.txt" $big
	check "c: the worker runs on" worker_alive c
	check "c: worker exits 0 on SIGTERM" stop_worker c
}

# (d) json-server: Link pagination, items added while the task runs.
scenario_json_server()
{
	local d=$E2E_TMP/d n=5000 port
	[[ -n $JSON_SERVER ]] || JSON_SERVER=$(npm_tool json-server 0.17.4 json-server) || {
		fail "d: install json-server 0.17.4 with npm"
		return
	}
	mkdir -p "$d"
	python3 -c "import json,sys; json.dump({'items': [{'id': i, 'name': 'item-%d' % i} for i in range(1, $n + 1)]}, open(sys.argv[1], 'w'))" "$d/db.json"
	port=$(free_port)
	"$JSON_SERVER" --host 127.0.0.1 --port "$port" "$d/db.json" >"$d/json-server.log" 2>&1 &
	E2E_PIDS+=($!)
	wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$port/items?_limit=1" || {
		fail "d: start json-server"
		return
	}
	worker_conf "$d/worker.properties" "$d/offsets"
	props "$d/source.properties" "name=e2e-http-d" "connector.class=http-source" \
		"kafka.topic=e2e-http-d" "http.request.url=http://127.0.0.1:$port/items" \
		"http.request.params=_page=1&_limit=500&_sort=id&id_gte=\${offset.key}" \
		"http.offset.initial=key=0" "http.response.record.offset.pointer=key=/id" \
		"http.response.next.link=true" \
		"http.timer.interval.millis=500" "http.timer.catchup.interval.millis=500" \
		"topic.creation.default.partitions=1" "topic.creation.default.replication.factor=1"
	consume e2e-http-d "$d/keys.txt"
	start_worker d "$d/worker.properties" "$d/source.properties"
	check "d: json-server: all $n items by Link pages" wait_for 60 has_all "$d/keys.txt" $n
	for i in 1 2 3; do
		curl -sf -o /dev/null -H 'Content-Type: application/json' \
			-d "{\"id\": $((n + i)), \"name\": \"late-$i\"}" "http://127.0.0.1:$port/items"
	done
	check "d: items added later arrive (id_gte=\${offset.key}; the boundary item dropped)" \
		wait_for 30 has_all "$d/keys.txt" $((n + 3))
	sleep 2
	check "d: in order, exactly once" check_order "$d/keys.txt" $((n + 3)) 0
	check "d: an unchanged listing was answered 304 (ETag / If-None-Match)" \
		bash -c "sed 's/\x1b\[[0-9;]*m//g' '$d/json-server.log' | grep -q ' 304 '"
	check "d: worker exits 0 on SIGTERM" stop_worker d
}

# make_pki DIR: a certificate authority, a server certificate for
# 127.0.0.1 and a client certificate, all signed by it (PEM).
make_pki()
{
	local d=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sluice e2e CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
			-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1\n' >"$d/san.ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=sluice" \
			-keyout "$d/client.key" -out "$d/client.csr" 2>/dev/null &&
		openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 2 -out "$d/client.pem" 2>/dev/null
}

# (e) HTTPS with a client certificate; the API server restarted mid-listing.
scenario_tls_restart()
{
	local d=$E2E_TMP/e n=6000 port tls
	mkdir -p "$d"
	make_pki "$d" || {
		fail "e: make certificates with openssl"
		return
	}
	tls=(--tls-cert "$d/server.pem" --tls-key "$d/server.key" --tls-client-ca "$d/ca.pem")
	start_api "$d" --items $n --page-size 500 --delay-ms 300 "${tls[@]}" || {
		fail "e: start the HTTPS API server"
		return
	}
	local api_pid=${E2E_PIDS[-1]}
	port=$(cat "$d/port")
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/untrusted.properties" e2e-http-e0 e2e-http-e0 "https://127.0.0.1:$port/items"
	source_conf "$d/source.properties" e2e-http-e e2e-http-e "https://127.0.0.1:$port/items" \
		"https.ssl.ca.location=$d/ca.pem" "https.ssl.certificate.location=$d/client.pem" \
		"https.ssl.key.location=$d/client.key"
	consume e2e-http-e "$d/keys.txt"
	start_worker e "$d/worker.properties" "$d/untrusted.properties" "$d/source.properties"
	check "e: a server certificate no trusted authority signed fails the task, naming it" \
		wait_for 30 grep -Eq 'e2e-http-e0/0\].*FAILED.*(certificate|SSL)' "$E2E_TMP/e.log"
	wait_lines "$d/keys.txt" $((n / 3)) 60 e
	kill -KILL "$api_pid" 2>/dev/null
	wait "$api_pid" 2>/dev/null
	forget_pid "$api_pid"
	log "e: API server SIGKILLed at $(line_count "$d/keys.txt") records"
	sleep 2
	rm -f "$d/port"
	start_api "$d" --port "$port" --items $n --page-size 500 "${tls[@]}" || {
		fail "e: restart the HTTPS API server on port $port"
		return
	}
	check "e: every one of $n items arrives over TLS with a client certificate" \
		wait_for 60 has_all "$d/keys.txt" $n
	sleep 1
	check "e: in order, nothing skipped across the server restart" check_order "$d/keys.txt" $n 0
	check "e: the worker logged the outage it rode out" \
		grep -Eq 'e2e-http-e/0\].*(retry|failing|Connection refused|connect)' "$E2E_TMP/e.log"
	check "e: worker exits 0 on SIGTERM" stop_worker e
}

for s in $SCENARIOS; do
	case $s in
	a) scenario_kills ;;
	b) scenario_faults ;;
	c) scenario_bad_input ;;
	d) scenario_json_server ;;
	e) scenario_tls_restart ;;
	*) fail "unknown scenario $s" ;;
	esac
done
e2e_finish
