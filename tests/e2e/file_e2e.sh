#!/usr/bin/env bash
# End-to-end tests of file-source and file-sink against one real Kafka
# broker: bulk order, keyed ordering over partitions, kill -9 recovery,
# kill -9 during log rotation and the sink's caught-up flush delay. Each scenario runs its own worker, topic,
# offset file and consumer group. E2E_SEED makes the random kill points
# repeatable; E2E_LINES changes the size of the bulk scenarios;
# E2E_SCENARIOS picks some of "a b c d e".
source "$(dirname "$0")/lib.sh"

N=${E2E_LINES:-1000000}
SEED=${E2E_SEED:-$$}
RANDOM=$SEED

need kcat python3 seq awk
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
log "seed $SEED, $N lines"
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# source_conf FILE NAME INPUT TOPIC PARTITIONS [EXTRA...]
source_conf()
{
	local f=$1 name=$2 in=$3 topic=$4 parts=$5
	shift 5
	props "$f" "name=$name" "connector.class=file-source" "tasks.max=1" "file=$in" \
		"topic=$topic" "batch.size=2000" \
		"topic.creation.default.partitions=$parts" \
		"topic.creation.default.replication.factor=1" "$@"
}

# sink_conf FILE NAME TOPIC OUTPUT FORMAT
sink_conf()
{
	props "$1" "name=$2" "connector.class=file-sink" "tasks.max=1" "topics=$3" "file=$4" \
		"format=$5"
}

# (a) N lines through one partition arrive identical and in order; SIGTERM
# stores offsets, so a restart sends only lines appended since.
scenario_bulk_order()
{
	local d=$E2E_TMP/a t0=$SECONDS
	mkdir -p "$d"
	gen_lines "$d/in.txt" "$N"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-a-source "$d/in.txt" e2e-a 1
	sink_conf "$d/sink.properties" e2e-a-sink e2e-a "$d/out.txt" value
	local confs=("$d/worker.properties" "$d/source.properties" "$d/sink.properties")

	start_worker a "${confs[@]}"
	check "a: $N lines reach the file sink" wait_lines "$d/out.txt" "$N" 120 a
	log "a: $N lines in $((SECONDS - t0)) s"
	# One arena keeps a long-running worker's memory flat (scripts/soak.sh).
	check "a: every thread of the worker allocates from one malloc arena" \
		test "$(malloc_heaps a)" -eq 0
	wait_quiet "$d/out.txt" 2 20
	check "a: worker exits 0 on SIGTERM" stop_worker a
	check "a: output is the input, in order" cmp "$d/in.txt" "$d/out.txt"
	check "a: offsets were stored" test -s "$d/offsets"

	seq -f 'tail-%010.0f' 1 10 >>"$d/in.txt"
	MALLOC_ARENA_MAX=4 start_worker a "${confs[@]}"
	check "a: after a restart the appended lines arrive" \
		wait_lines "$d/out.txt" $((N + 10)) 60 a
	check "a: MALLOC_ARENA_MAX from the environment is kept (arenas of its own)" \
		test "$(malloc_heaps a)" -gt 0
	wait_quiet "$d/out.txt" 3 20
	check "a: worker exits 0 on SIGTERM after the restart" stop_worker a
	check "a: the restart re-sent nothing (output is the input)" \
		cmp "$d/in.txt" "$d/out.txt"
}

# write_keyed_check FILE: the checker of (b)'s json output. Prints one
# "ok NAME" or "fail NAME: detail" line per property.
write_keyed_check()
{
	cat >"$1" <<'EOF'
import json, sys
inp, outp, topic, nparts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
want = set()
with open(inp) as f:
    for l in f:
        k, v = l.rstrip("\n").split("\t", 1)
        want.add((k, v))
bad, dups, order, keypart, offs = [], 0, [], {}, {}
last_seq, last_off, seen, split = {}, {}, set(), []
fields = {"topic", "partition", "offset", "timestamp", "key", "value", "headers"}
with open(outp) as f:
    for no, l in enumerate(f, 1):
        try:
            r = json.loads(l)
            assert isinstance(r, dict) and fields <= r.keys(), "fields"
            k, v, p, o = r["key"], r["value"], r["partition"], r["offset"]
            assert isinstance(k, str) and isinstance(v, str), "key/value not strings"
            assert r["topic"] == topic, "topic"
        except Exception as e:
            if len(bad) < 3:
                bad.append("line %d: %s: %s" % (no, e, l[:120].rstrip()))
            else:
                bad.append(None)
            continue
        if (k, v) in seen:
            dups += 1
        seen.add((k, v))
        if keypart.setdefault(k, p) != p:
            split.append(k)
        seq = int(v.rsplit("seq-", 1)[1]) if "seq-" in v else -1
        if not v.startswith(k + " ") or seq <= last_seq.get(k, 0):
            if len(order) < 3:
                order.append("line %d: key %s value %s after seq %d" % (no, k, v, last_seq.get(k, 0)))
            else:
                order.append(None)
        last_seq[k] = max(seq, last_seq.get(k, 0))
        if o <= last_off.get(p, -1):
            offs.setdefault(p, "line %d: offset %d after %d" % (no, o, last_off[p]))
        last_off[p] = o
def res(ok, name, detail=""):
    print(("ok " if ok else "fail ") + name + ("" if ok or not detail else ": " + detail))
res(not bad, "every output line is a json record with the sink's fields",
    "%d bad, e.g. %s" % (len(bad), [b for b in bad if b]))
missing = len(want - seen)
res(missing == 0, "every keyed input line arrived", "%d of %d missing" % (missing, len(want)))
res(not (seen - want), "no output record that was not in the input",
    "%d foreign" % len(seen - want))
res(dups == 0, "no duplicates in a run without failures", "%d duplicates" % dups)
res(not order, "per key the sequence numbers increase",
    "%d out of order, e.g. %s" % (len(order), [x for x in order if x]))
res(not split, "each key stays in one partition", "keys in several: %s" % sorted(set(split))[:5])
res(len(last_off) == nparts, "records spread over all %d partitions" % nparts,
    "partitions seen: %s" % sorted(last_off))
res(not offs, "per partition the offsets increase", str(list(offs.values())[:3]))
EOF
}

# (b) keyed lines over 3 partitions: all arrive, and per key in order.
scenario_keyed_partitions()
{
	local d=$E2E_TMP/b t0=$SECONDS
	mkdir -p "$d"
	awk -v n="$N" -v seed="$SEED" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			k = int(rand() * 100); s[k]++
			printf "key-%02d\tkey-%02d seq-%07d\n", k, k, s[k]
		}
	}' >"$d/in.txt"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-b-source "$d/in.txt" e2e-b 3 parse.key=true
	sink_conf "$d/sink.properties" e2e-b-sink e2e-b "$d/out.json" json

	start_worker b "$d/worker.properties" "$d/source.properties" "$d/sink.properties"
	check "b: $N keyed records reach the file sink" wait_lines "$d/out.json" "$N" 150 b
	log "b: $N keyed lines in $((SECONDS - t0)) s"
	wait_quiet "$d/out.json" 2 20
	check "b: worker exits 0 on SIGTERM" stop_worker b

	local line results rc
	write_keyed_check "$d/check.py"
	results=$(python3 "$d/check.py" "$d/in.txt" "$d/out.json" e2e-b 3)
	rc=$?
	check "b: the json output check ran (status $rc)" test "$rc" -eq 0
	while IFS= read -r line; do
		case $line in
		ok\ *) pass "b: ${line#ok }" ;;
		fail\ *) fail "b: ${line#fail }" ;;
		esac
	done <<<"$results"
}

# (c) kill -9 at three random points: once after a random delay (the source
# is likely mid-file), then twice when the sink output grew by a random
# number of lines after the restart (or at most 8 s passed). Each restart
# uses the same offset file: nothing is lost.
scenario_kill9()
{
	local d=$E2E_TMP/c t0=$SECONDS i grow
	mkdir -p "$d"
	gen_lines "$d/in.txt" "$N" kill
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-c-source "$d/in.txt" e2e-c 1
	sink_conf "$d/sink.properties" e2e-c-sink e2e-c "$d/out.txt" value
	local confs=("$d/worker.properties" "$d/source.properties" "$d/sink.properties")

	start_worker c "${confs[@]}"
	sleep "$(printf '0.%03d' "$(rand_between 300 999)")"
	kill_worker c KILL
	log "c: kill -9 #1 after a random delay, sink had $(line_count "$d/out.txt") lines"
	for i in 2 3; do
		start_worker c "${confs[@]}"
		grow=$(rand_between $((N / 20)) $((N / 4)))
		wait_growth "$d/out.txt" "$grow" 8
		worker_alive c || fail "c: worker alive before kill -9 #$i"
		kill_worker c KILL
		log "c: kill -9 #$i at $(line_count "$d/out.txt") lines (target +$grow)"
	done
	worker_alive c || start_worker c "${confs[@]}"
	check "c: after 3 kill -9 every input line reaches the sink" \
		wait_complete "$d/in.txt" "$d/out.txt" 180 c
	log "c: $COMPARE, $((SECONDS - t0)) s"
	check "c: no torn or foreign lines in the output" \
		test "$(field foreign "$COMPARE")" = 0
	log "c: $(field duplicates "$COMPARE") duplicates after 3 kill -9"
	check "c: worker exits 0 on SIGTERM" stop_worker c
}

# write_rotation_writer FILE: the log writer of (d). It opens app.log for
# each batch, as loggers that reopen do; a batch that opened the file just
# before a rotation lands in the rotated file. On the stop file it writes
# the number of lines written.
write_rotation_writer()
{
	cat >"$1" <<'EOF'
import os, sys, time
path, stop, written, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
n, batch = 0, max(1, rate // 100)
while not os.path.exists(stop):
    with open(path, "a") as f:
        f.write("".join("rot-%010d\n" % i for i in range(n + 1, n + batch + 1)))
    n += batch
    time.sleep(0.01)
with open(written + ".tmp", "w") as f:
    f.write("%d\n" % n)
os.rename(written + ".tmp", written)
EOF
}

# (d) a writer appends to app.log, which is rotated (app.log -> app.log.1 ->
# app.log.2 ...) five times; the worker is killed -9 just before one
# rotation and just after another, and restarted. Every line written
# arrives at least once.
scenario_rotation()
{
	local d=$E2E_TMP/d t0=$SECONDS r k writer
	mkdir -p "$d"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-d-source "$d/app.log" e2e-d 1
	sink_conf "$d/sink.properties" e2e-d-sink e2e-d "$d/out.txt" value
	local confs=("$d/worker.properties" "$d/source.properties" "$d/sink.properties")

	write_rotation_writer "$d/writer.py"
	python3 "$d/writer.py" "$d/app.log" "$d/stop" "$d/written" 20000 &
	writer=$!
	E2E_PIDS+=("$writer")

	start_worker d "${confs[@]}"
	for r in 1 2 3 4 5; do
		sleep "1.$(rand_between 0 9)"
		((r == 2)) && kill_worker d KILL
		for ((k = r - 1; k >= 1; k--)); do
			mv "$d/app.log.$k" "$d/app.log.$((k + 1))"
		done
		mv "$d/app.log" "$d/app.log.1"
		((r == 4)) && kill_worker d KILL
		if ! worker_alive d; then
			log "d: kill -9 $( ((r == 2)) && echo before || echo after) rotation $r"
			sleep "0.$(rand_between 2 9)"
			start_worker d "${confs[@]}"
		else
			log "d: rotation $r while the worker runs"
		fi
	done
	sleep 1
	touch "$d/stop"
	wait "$writer"
	forget_pid "$writer"
	local total
	total=$(cat "$d/written" 2>/dev/null || echo 0)
	log "d: writer wrote $total lines over 5 rotations"
	check "d: the writer wrote lines" test "$total" -gt 0
	seq -f 'rot-%010.0f' 1 "$total" >"$d/expected.txt"
	check "d: every line written across rotations reaches the sink" \
		wait_complete "$d/expected.txt" "$d/out.txt" 120 d
	log "d: $COMPARE, $((SECONDS - t0)) s"
	check "d: no torn or foreign lines in the output" \
		test "$(field foreign "$COMPARE")" = 0
	log "d: $(field duplicates "$COMPARE") duplicates after 2 kill -9 around rotations"
	check "d: worker exits 0 on SIGTERM" stop_worker d
}

# (e) With a flush interval of a minute, a record that arrives just after
# the sink's last flush and is followed by silence reaches the file within
# the caught-up delay (~100 ms), not when the wait for the next message
# times out (500 ms). Each record is one kcat run (~30 ms).
scenario_caught_up_flush()
{
	local d=$E2E_TMP/e
	mkdir -p "$d"
	props "$d/worker.properties" "bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.file.filename=$d/offsets" "listeners=http://127.0.0.1:0" "offset.flush.interval.ms=60000" \
		"key.converter=string" "value.converter=string" \
		"consumer.topic.metadata.refresh.interval.ms=1000"
	sink_conf "$d/sink.properties" e2e-e-sink e2e-e "$d/out.txt" value
	start_worker e "$d/worker.properties" "$d/sink.properties"
	python3 - "$BOOTSTRAP" "$d/out.txt" >"$d/delays.txt" 2>&1 <<'PY'
import subprocess, sys, time
bootstrap, out = sys.argv[1], sys.argv[2]
def send(line):
    subprocess.run(["kcat", "-b", bootstrap, "-t", "e2e-e", "-P"],
                   input=(line + "\n").encode(), check=True)
def lines():
    try:
        with open(out, "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0
def wait(n, limit, t0):
    while lines() < n:
        if time.time() - t0 > limit:
            sys.exit(f"timed out waiting for {n} lines")
        time.sleep(0.002)
    return time.time() - t0
send("e-warm")
wait(1, 60, time.time())
worst = 0
for i in range(5):
    time.sleep(0.3)                   # the next flush is due at once
    send(f"e-a{i}")
    wait(2 + 2 * i, 10, time.time())
    t0 = time.time()
    send(f"e-b{i}")                   # arrives within 100 ms of that flush
    worst = max(worst, wait(3 + 2 * i, 10, t0))
print(int(worst * 1000))
PY
	local rc=$? worst
	worst=$(tail -n 1 "$d/delays.txt")
	log "e: slowest record after a flush reached the file in $worst ms"
	check "e: every record reached the file (status $rc)" test "$rc" -eq 0
	check "e: a record after a flush is in the file within 350 ms ($worst ms)" \
		test "${worst:-99999}" -lt 350 2>/dev/null
	check "e: worker exits 0 on SIGTERM" stop_worker e

	# A sink that starts far behind (300,000 records of 1 KB already in
	# the topic) flushes when it has caught up, not every 100 ms on the
	# way: its prefetch runs dry between fetches, which is not being done.
	awk 'BEGIN { pad = sprintf("%990s", ""); gsub(/ /, "x", pad)
		for (i = 1; i <= 300000; i++) printf "%09d %s\n", i, pad }' >"$d/big.txt"
	kcat -b "$BOOTSTRAP" -t e2e-e2 -P -X linger.ms=50 <"$d/big.txt" 2>"$d/kcat.err" ||
		fail "e: kcat could not produce the bulk records: $(head -c 300 "$d/kcat.err")"
	props "$d/worker2.properties" "bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.file.filename=$d/offsets2" "listeners=http://127.0.0.1:0" "offset.flush.interval.ms=60000" \
		"key.converter=string" "value.converter=string" "log.level=debug"
	sink_conf "$d/sink2.properties" e2e-e2-sink e2e-e2 "$d/big-out.txt" value
	start_worker e2 "$d/worker2.properties" "$d/sink2.properties"
	check "e: 300,000 bulk records reach the file" wait_lines "$d/big-out.txt" 300000 120 e2
	sleep 0.5
	local flushes
	flushes=$(grep -c "committed offsets" "$E2E_TMP/e2.log")
	log "e: $flushes flush(es) for the bulk records"
	check "e: the bulk records were flushed once caught up, not on the way ($flushes flushes)" \
		test "$flushes" -le 2
	check "e: the bulk output is the input" cmp "$d/big.txt" "$d/big-out.txt"
	check "e: worker exits 0 on SIGTERM after the bulk" stop_worker e2
}

for s in ${E2E_SCENARIOS:-a b c d e}; do
	case $s in
	a) scenario_bulk_order ;;
	b) scenario_keyed_partitions ;;
	c) scenario_kill9 ;;
	d) scenario_rotation ;;
	e) scenario_caught_up_flush ;;
	*) fail "unknown scenario '$s' in E2E_SCENARIOS (a b c d e)" ;;
	esac
done
e2e_finish
