# shellcheck shell=bash
# The HTTP workloads. The spec is "http:sink:PARTITIONS[:ordered]" or
# "http:webhook":
#
#   sink      (workload http-sink-<PARTITIONS>p) BENCH_HTTP_RECORDS records of
#             200 B from a topic of PARTITIONS (filled once by the bare producer) as
#             POSTs of BENCH_HTTP_BATCH records joined by "\n" to a loopback
#             server (bench/httpbench.c serve: one epoll thread answering 200
#             to every request), which is the watcher: done when it has seen
#             every record's sequence number.
#               limit  bench/httpbench.c post: librdkafka's consumer with
#                      kbench's settings, libcurl multi posting the same
#                      bytes, BENCH_HTTP_INFLIGHT requests at a time;
#               anchor none: Aiven's HTTP sink (io.aiven:http-connector-for-
#                      apache-kafka) is not on Maven Central (no version
#                      resolves, not even its maven-metadata.xml), only on
#                      GitHub releases, out of this machine's reach;
#                      With ":ordered" (workload http-sink-<P>p-ordered) the
#                      limit keeps what http-sink promises: bodies per
#                      partition and one request per partition in flight,
#                      so a partition's records reach the server in order;
#                      without, it keeps no order.
#               sluice http-sink, max.in.flight BENCH_HTTP_INFLIGHT (it keeps
#                      one request in flight per partition, for their order:
#                      with 1 partition, one at a time).
#   webhook   (workload webhook-source) wrk POSTing a small JSON body for
#             BENCH_WEBHOOK_SECS s with 1 and with 64 connections (directions
#             1-client and 64-clients); requests/s and wrk's p50/p99/max
#             request latency (latency.tsv). Every request answered 2xx must
#             be in the topic afterwards, and no request may fail.
#               limit  bench/httpbench.c webhook: libmicrohttpd (internal
#                      polling thread) producing each body with kbench's
#                      producer settings, answering 200 right after
#                      produce(), before Kafka's ack;
#               anchor none: Kafka Connect has no webhook source;
#               sluice webhook-source, answering after Kafka's ack.

BENCH_DEFAULT_WORKLOADS+=("http:sink:1" "http:sink:1:ordered" "http:sink:4" "http:webhook")
# 5 M records: a run of 1 M lasted about 0.3 s, and its rate moved by a
# third from one run to the next (the limit 1.8-3.4 M records/s in one
# series); 5 M take about 2 s.
BENCH_HTTP_RECORDS=${BENCH_HTTP_RECORDS:-5000000}
BENCH_HTTP_BATCH=${BENCH_HTTP_BATCH:-500}
BENCH_HTTP_INFLIGHT=${BENCH_HTTP_INFLIGHT:-4}
BENCH_WEBHOOK_SECS=${BENCH_WEBHOOK_SECS:-10}
HTTP_RECORD_BYTES=200
# A typical webhook event (Stripe-like), 127 bytes.
WEBHOOK_BODY='{"id":"evt_1NX8kq2eZvKYlo2C","type":"order.created","created":1700000000,"data":{"order":12345,"amount":4250,"currency":"eur"}}'

HTTPBENCH=

# Builds bench/httpbench.c (once per harness run) and installs wrk.
http_tools()
{
	if [[ -z $HTTPBENCH ]]; then
		cc -O2 -std=c17 -Wall -Wextra -Wno-unused-parameter -I"$ROOT/core" -o "$OUT/httpbench" \
			"$BENCH_DIR/httpbench.c" "$ROOT/core/fetch_wake.c" -lrdkafka -lcurl -lmicrohttpd \
			-lpthread || die "building httpbench failed"
		HTTPBENCH=$OUT/httpbench
	fi
	command -v wrk >/dev/null && return 0
	log "installing wrk"
	((EUID == 0)) || die "need root to install wrk"
	apt-get update -q >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk \
		>/dev/null || die "apt-get install wrk failed"
}

http_prepare()
{
	http_tools
	case $1 in
	http:sink:[1-9]*) http_prepare_sink "${1#http:sink:}" ;;
	http:webhook) http_prepare_webhook ;;
	*) die "unknown http workload '$1' (http:sink:PARTITIONS[:ordered] or http:webhook)" ;;
	esac
}

http_prepare_sink()
{
	local n=$BENCH_HTTP_RECORDS parts=${1%%:*}
	HTTP_ORDERED=
	[[ $1 == *:ordered ]] && HTTP_ORDERED=ordered
	WL_NAME=http-sink-${parts}p${HTTP_ORDERED:+-ordered}
	WL_DIRECTIONS=(sink)
	WL_DESC="$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$n") records of $HTTP_RECORD_BYTES B, $parts partition$( ((parts > 1)) && echo s), POSTed in batches of $BENCH_HTTP_BATCH (\"\\n\"-separated) to a loopback server; max.in.flight $BENCH_HTTP_INFLIGHT (sluice: one request per partition at a time)"
	WL_LIMIT="librdkafka + libcurl multi (bench/httpbench.c post${HTTP_ORDERED:+ ordered: one request per partition at a time})"
	WL_ANCHOR="none: Aiven's HTTP sink (io.aiven:http-connector-for-apache-kafka) is not on Maven Central (no version resolves), only on GitHub releases"
	HTTP_INPUT=$(file_data "$HTTP_RECORD_BYTES" "$n")
	HTTP_SINK_TOPIC=bench-$WL_NAME-$RUN_ID
	"$KBENCH" "$BOOTSTRAP" create-topic "$HTTP_SINK_TOPIC" "$parts" || return 1
	"$KBENCH" "$BOOTSTRAP" produce "$HTTP_INPUT" "$HTTP_SINK_TOPIC" 2>/dev/null || return 1
	local have
	have=$("$KBENCH" "$BOOTSTRAP" watermarks "$HTTP_SINK_TOPIC")
	((have == n)) || die "$HTTP_SINK_TOPIC holds $have records, not $n"
}

http_prepare_webhook()
{
	WL_NAME=webhook-source
	WL_DIRECTIONS=(1-client 64-clients)
	WL_DESC="wrk POSTing a JSON body of ${#WEBHOOK_BODY} B for $BENCH_WEBHOOK_SECS s over 1 connection (1-client) or 64 (64-clients, 2 threads); records/s = requests/s"
	WL_LIMIT="libmicrohttpd + librdkafka answering right after produce(), before the ack (bench/httpbench.c webhook)"
	WL_ANCHOR="none: Kafka Connect has no webhook source"
	WEBHOOK_LUA=$OUT/webhook.lua
	cat >"$WEBHOOK_LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$WEBHOOK_BODY'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("requests=%d non2xx=%d errors=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d\n",
		summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
		latency:percentile(50), latency:percentile(99), latency.max))
end
LUA
}

# ---- sink ----------------------------------------------------------------------

# The sink runs' watcher: the server itself (measure's func watch).
http_sink_watch()
{
	exec "$HTTPBENCH" - serve "$HTTP_PORT" "$1" "$BENCH_TIMEOUT"
}

http_sink_run()
{
	local who=$1 rep=$2 row=$3 n=$BENCH_HTTP_RECORDS daemon=--daemon
	local name=bench-$WL_NAME-$who-$rep-$RUN_ID url
	HTTP_PORT=$(free_port)
	url=http://127.0.0.1:$HTTP_PORT/records
	case $who in
	limit)
		daemon=
		CMD=("$HTTPBENCH" "$BOOTSTRAP" post "$HTTP_SINK_TOPIC" "connect-$name" "$n" "$url"
			"$BENCH_HTTP_BATCH" "$BENCH_HTTP_INFLIGHT" $HTTP_ORDERED)
		;;
	anchor)
		return 2 # Aiven's HTTP sink is not on Maven Central (see the top)
		;;
	sluice)
		printf '%s\n' "name=$name" "connector.class=http-sink" "tasks.max=1" \
			"topics=$HTTP_SINK_TOPIC" "http.api.url=$url" "request.method=POST" \
			"request.body.format=string" "batch.max.size=$BENCH_HTTP_BATCH" \
			'batch.separator=\n' "max.in.flight=$BENCH_HTTP_INFLIGHT" \
			>"$RUN_DIR/connector.properties"
		sluice_worker "$RUN_DIR/worker.properties"
		sluice_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
		;;
	esac
	measure $daemon "$row" func http_sink_watch "$n" "$((n * HTTP_RECORD_BYTES))" -- "${CMD[@]}"
}

# ---- webhook -------------------------------------------------------------------

# Waits until something listens on 127.0.0.1:PORT (at most 30 s).
wait_port()
{
	local i
	for ((i = 0; i < 600; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# The webhook runs' watcher (measure's func watch): wrk against the
# contestant once it listens and had a second to start up; reports wrk's
# span as first..done and the requests answered 2xx as the records.
webhook_load()
{
	echo ready
	wait_port "$WEBHOOK_PORT" || { echo "nothing listens on port $WEBHOOK_PORT" >&2; return 1; }
	sleep 1
	local t0=$EPOCHREALTIME res
	wrk -t "$WEBHOOK_THREADS" -c "$WEBHOOK_CONNS" -d "${BENCH_WEBHOOK_SECS}s" --timeout 10s \
		-s "$WEBHOOK_LUA" "http://127.0.0.1:$WEBHOOK_PORT/hook" >"$RUN_DIR/wrk.out" 2>&1 ||
		{ cat "$RUN_DIR/wrk.out" >&2; return 1; }
	res=$(grep '^requests=' "$RUN_DIR/wrk.out") || { cat "$RUN_DIR/wrk.out" >&2; return 1; }
	local req non2xx errors dur
	req=$(kv requests "$res") non2xx=$(kv non2xx "$res") errors=$(kv errors "$res")
	dur=$(kv duration_us "$res")
	if ((non2xx + errors > 0)); then
		echo "wrk: $non2xx answers not 2xx, $errors socket errors" >&2
		cat "$RUN_DIR/wrk.out" >&2
		return 1
	fi
	awk -v t0="$t0" -v d="$dur" -v n="$req" -v b="${#WEBHOOK_BODY}" 'BEGIN {
		printf "first=%.6f done=%.6f n=%d bytes=%d\n", t0, t0 + d / 1e6, n, n * b }'
}

webhook_run()
{
	local dir=$1 who=$2 rep=$3 row=$4 topic
	[[ $who == anchor ]] && return 2 # Kafka Connect has no webhook source
	topic=bench-$WL_NAME-$dir-$who-$rep-$RUN_ID
	WEBHOOK_PORT=$(free_port)
	WEBHOOK_CONNS=${dir%%-*} WEBHOOK_THREADS=2
	((WEBHOOK_CONNS == 1)) && WEBHOOK_THREADS=1
	"$KBENCH" "$BOOTSTRAP" create-topic "$topic" 1 || return 1
	if [[ $who == limit ]]; then
		CMD=("$HTTPBENCH" "$BOOTSTRAP" webhook "$topic" "$WEBHOOK_PORT")
	else
		printf '%s\n' "name=$topic" "connector.class=webhook-source" "tasks.max=1" \
			"listener.port=$WEBHOOK_PORT" "listener.path=/hook" "kafka.topic=$topic" \
			>"$RUN_DIR/connector.properties"
		sluice_worker "$RUN_DIR/worker.properties"
		sluice_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
	fi
	local rc=0 res have ok
	measure --daemon "$row" func webhook_load 0 0 -- "${CMD[@]}" || rc=1
	if ((rc == 0)); then
		res=$(grep '^requests=' "$RUN_DIR/wrk.out")
		ok=$(kv requests "$res")
		have=$("$KBENCH" "$BOOTSTRAP" watermarks "$topic")
		if ((have < ok)); then
			log "$row: $ok requests answered 2xx, but $topic holds only $have records"
			rc=1
		fi
		[[ -f $OUT/latency.tsv ]] || printf 'workload\tdirection\tcontestant\trep\tp50_ms\tp99_ms\tmax_ms\n' >"$OUT/latency.tsv"
		awk -v row="$row" -v a="$(kv p50_us "$res")" -v b="$(kv p99_us "$res")" \
			-v c="$(kv max_us "$res")" 'BEGIN {
			printf "%s\t%.3f\t%.3f\t%.3f\n", row, a / 1e3, b / 1e3, c / 1e3 }' >>"$OUT/latency.tsv"
		log "$row: request latency p50 $(kv p50_us "$res") µs, p99 $(kv p99_us "$res") µs; $have records for $ok answers"
	fi
	"$KBENCH" "$BOOTSTRAP" delete-topic "$topic" || true
	return "$rc"
}

# ---- the workload's entry points ---------------------------------------------

# http_run DIRECTION CONTESTANT REP: one measured run in RUN_DIR.
http_run()
{
	local dir=$1 who=$2 rep=$3
	local row="$WL_NAME	$dir	$who	$rep"
	if [[ $dir == sink ]]; then
		http_sink_run "$who" "$rep" "$row"
	else
		webhook_run "$dir" "$who" "$rep" "$row"
	fi
}

http_cleanup()
{
	if [[ $WL_NAME == http-sink-* ]]; then
		"$KBENCH" "$BOOTSTRAP" delete-topic "$HTTP_SINK_TOPIC" || true
	fi
}
