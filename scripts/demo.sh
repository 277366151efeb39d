#!/usr/bin/env bash
# The demo: installs and builds, then runs file-source -> topic "demo" ->
# file-sink on the embedded Kafka (librdkafka's mock cluster, in memory).
# A writer appends lines to /tmp/sluice-demo/input.txt for a few seconds and
# the records are shown as they arrive in /tmp/sluice-demo/output.txt.
# Stops by itself after DEMO_SECONDS (default 15) or on Ctrl-C.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DIR=/tmp/sluice-demo
SECONDS_TO_RUN=${DEMO_SECONDS:-15}

scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j "${JOBS:-2}" --target sluice >/dev/null
echo "built build/sluice"

# A fresh start each time, so every line is seen flowing.
rm -rf "$DIR"
mkdir -p "$DIR"
: >"$DIR/input.txt"
: >"$DIR/output.txt"

writer=
worker=
tailer=
cleanup()
{
	trap - EXIT INT TERM
	set +e
	[[ -n $tailer ]] && kill "$tailer" 2>/dev/null
	[[ -n $writer ]] && kill "$writer" 2>/dev/null
	if [[ -n $worker ]] && kill -0 "$worker" 2>/dev/null; then
		kill -TERM "$worker" 2>/dev/null
		wait "$worker" 2>/dev/null
	fi
	wait 2>/dev/null
	local written arrived
	written=$(wc -l <"$DIR/input.txt")
	arrived=$(wc -l <"$DIR/output.txt")
	echo
	echo "== $written lines written to $DIR/input.txt, $arrived arrived in $DIR/output.txt:"
	cat "$DIR/output.txt"
	echo "== worker log: $DIR/worker.log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# setsid: Ctrl-C reaches only this script, which then stops the worker
# with one SIGTERM (a second signal would make it exit without storing
# offsets).
setsid build/sluice run -w config/demo-worker.properties \
	config/demo-source.properties config/demo-sink.properties 2>"$DIR/worker.log" &
worker=$!
echo "worker running (pid $worker), log in $DIR/worker.log"
for _ in $(seq 50); do
	addr=$(grep -o 'mock cluster) at [0-9.:]*' "$DIR/worker.log" 2>/dev/null | awk '{print $4}' || true)
	[[ -n $addr ]] && break
	sleep 0.1
done
[[ -n ${addr:-} ]] && echo "embedded Kafka at $addr (read along: kcat -b $addr -C -t demo)"
for _ in $(seq 50); do
	api=$(grep -o 'REST API listening on http://[0-9.:]*' "$DIR/worker.log" 2>/dev/null | awk '{print $5}' || true)
	[[ -n $api ]] && break
	sleep 0.1
done
[[ -n ${api:-} ]] && echo "status page: $api/ui (REST API: curl $api/connectors?expand=status)"

# The writer: one line every half second for the first two thirds of the run.
(
	n=$((SECONDS_TO_RUN * 4 / 3))
	for ((i = 1; i <= n; i++)); do
		printf 'event %d at %s\n' "$i" "$(date +%T.%3N)" >>"$DIR/input.txt"
		sleep 0.5
	done
) &
writer=$!

echo "following $DIR/output.txt for ${SECONDS_TO_RUN}s (Ctrl-C stops):"
tail -n +1 -F "$DIR/output.txt" 2>/dev/null | sed -u 's/^/  arrived: /' &
tailer=$!

end=$((SECONDS + SECONDS_TO_RUN))
while ((SECONDS < end)); do
	if ! kill -0 "$worker" 2>/dev/null; then
		echo "the worker exited early; its log:" >&2
		cat "$DIR/worker.log" >&2
		exit 1
	fi
	sleep 0.5
done
