# shellcheck shell=bash
# Helpers sourced by the end-to-end tests: services started by PID and
# stopped on exit (pass or fail), counted checks, and the closing
# "N passed, N failed" line that scripts/test.sh adds up.
#
#   source "$(dirname "$0")/lib.sh"
#   start_kafka                       # sets BOOTSTRAP
#   start_pg pg PGPORT                # a PostgreSQL server; sets PGPORT
#   start_worker w1 worker.properties source.properties sink.properties
#   wait_lines out.txt 1000 60 w1
#   check "output equals input" cmp -s in.txt out.txt
#   e2e_finish
#
# Environment: SLUICE (the binary, default build/sluice), E2E_KEEP=1 keeps
# the temp dir even when every check passed (it is always kept on failure).

set -uo pipefail

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SLUICE=${SLUICE:-$E2E_ROOT/build/sluice}
KAFKA_SH=$E2E_ROOT/scripts/kafka.sh
PG_SH=$E2E_ROOT/scripts/postgres.sh
MQ_SH=$E2E_ROOT/scripts/mosquitto.sh
E2E_PASSED=0
E2E_FAILED=0
E2E_DONE=0
declare -A E2E_WORKERS=() # worker name -> pid
E2E_PIDS=()               # other background processes (writers, ...)
E2E_KAFKA_DIRS=()         # brokers started by start_kafka
E2E_PG_DIRS=()            # PostgreSQL servers started by start_pg
E2E_MQ_DIRS=()            # Mosquitto brokers started by start_mosquitto
E2E_MOUNTS=()             # tmpfs mounts made by mount_tmpfs
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e.XXXXXX")

log()
{
	printf '[%s] %s\n' "$(date +%T)" "$*"
}

pass()
{
	E2E_PASSED=$((E2E_PASSED + 1))
	printf 'PASS: %s\n' "$1"
}

fail()
{
	E2E_FAILED=$((E2E_FAILED + 1))
	printf 'FAIL: %s\n' "$1"
}

# check NAME COMMAND [ARGS...]: runs the command; exit status 0 passes.
check()
{
	local name=$1
	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name"
	fi
}

# Stops every worker, background process, broker and database server this
# test started, after detaching its tmpfs mounts.
e2e_stop_all()
{
	local name pid d
	unmount_all
	for name in "${!E2E_WORKERS[@]}"; do
		stop_worker "$name" 10 >/dev/null 2>&1 || true
	done
	for pid in "${E2E_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	E2E_PIDS=()
	for d in "${E2E_KAFKA_DIRS[@]}"; do
		"$KAFKA_SH" stop "$d" || true
	done
	E2E_KAFKA_DIRS=()
	for d in "${E2E_PG_DIRS[@]}"; do
		"$PG_SH" stop "$d" >/dev/null 2>&1 || true
	done
	E2E_PG_DIRS=()
	for d in "${E2E_MQ_DIRS[@]}"; do
		"$MQ_SH" stop "$d" >/dev/null 2>&1 || true
	done
	E2E_MQ_DIRS=()
}

e2e_summary()
{
	local f
	if ((E2E_FAILED > 0)); then
		for f in "$E2E_TMP"/*.log; do
			[[ -f $f ]] || continue
			echo "--- last lines of $f"
			tail -n 15 "$f"
		done
	fi
	if ((E2E_FAILED > 0 || ${E2E_KEEP:-0} == 1)); then
		echo "logs and data kept in $E2E_TMP"
	else
		rm -rf "$E2E_TMP"
	fi
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
}

# Ends the test: stops everything, prints the summary line last and exits
# non-zero when a check failed.
e2e_finish()
{
	E2E_DONE=1
	e2e_stop_all
	e2e_summary
	((E2E_FAILED == 0))
	exit $?
}

# EXIT trap: also runs when the script dies early (set -e in a subshell, a
# signal, a bug); then the early end counts as a failure.
e2e_on_exit()
{
	local rc=$?
	trap - EXIT INT TERM
	((E2E_DONE)) && exit "$rc"
	e2e_stop_all
	fail "test script ended early (exit status $rc)"
	e2e_summary
	exit 1
}
trap e2e_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# need CMD...: fails the test at once when a tool is missing.
need()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || {
			fail "required tool '$c' is missing (run scripts/install-deps.sh)"
			e2e_finish
		}
	done
}

# npm_pkg PACKAGE VERSION: prints the directory PACKAGE@VERSION is
# installed under (its node_modules), installing it once into the cache
# (${XDG_CACHE_HOME:-~/.cache}/sluice/npm/PACKAGE-VERSION); fails with a
# message on stderr when npm is missing or the install fails.
npm_pkg()
{
	local pkg=$1 ver=$2
	local dir=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/npm/$pkg-$ver
	if [[ ! -f $dir/node_modules/$pkg/package.json ]]; then
		command -v npm >/dev/null 2>&1 || {
			echo "npm_pkg: npm is missing (Debian: nodejs npm)" >&2
			return 1
		}
		mkdir -p "$dir"
		npm install --prefix "$dir" --no-audit --no-fund --silent "$pkg@$ver" >&2 || {
			echo "npm_pkg: npm install $pkg@$ver failed" >&2
			return 1
		}
	fi
	echo "$dir"
}

# npm_tool PACKAGE VERSION BIN: prints the path of BIN of an npm package
# (installed by npm_pkg).
npm_tool()
{
	local dir
	dir=$(npm_pkg "$1" "$2") || return 1
	echo "$dir/node_modules/.bin/$3"
}

# mount_tmpfs DIR SIZE: mounts a tmpfs of SIZE (mount's size=, e.g. 2m) on
# DIR (made when missing), detached on exit. Fails when it cannot mount
# (not root); mount's message is then in $E2E_TMP/mount.err.
mount_tmpfs()
{
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2" tmpfs "$1" 2>"$E2E_TMP/mount.err" || return 1
	E2E_MOUNTS+=("$1")
}

# unmount_all: detaches every tmpfs of mount_tmpfs, lazily (a worker that
# still holds a file there may be stopped after this).
unmount_all()
{
	local m
	for m in "${E2E_MOUNTS[@]}"; do
		mountpoint -q "$m" && umount -l "$m"
	done
	E2E_MOUNTS=()
}

# log_has WORKER TEXT: the worker's log contains TEXT.
log_has()
{
	grep -qF -- "$2" "$E2E_TMP/$1.log"
}

# malloc_heaps WORKER: prints how many malloc arenas besides glibc's main
# one the worker's threads use, from /proc/PID/maps: each such arena's heap
# is a mapping aligned to 64 MiB whose readable part and PROT_NONE rest
# span exactly 64 MiB.
malloc_heaps()
{
	python3 - "${E2E_WORKERS[$1]}" <<'EOF'
import sys
HEAP = 64 << 20
regs = []
for line in open("/proc/%s/maps" % sys.argv[1]):
    f = line.split()
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    regs.append((lo, hi, f[1], len(f) > 5))
n = 0
for i, (lo, hi, perm, named) in enumerate(regs):
    if lo % HEAP or named or not perm.startswith("rw"):
        continue
    if i + 1 < len(regs) and regs[i + 1][0] == hi and regs[i + 1][2].startswith("---"):
        hi = regs[i + 1][1]
    n += hi - lo == HEAP
print(n)
EOF
}

# forget_pid PID: drops a background process that was already reaped.
forget_pid()
{
	local keep=() p
	for p in "${E2E_PIDS[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	E2E_PIDS=("${keep[@]}")
}

# Starts one Kafka broker in the temp dir; sets BOOTSTRAP.
start_kafka()
{
	local dir=$E2E_TMP/kafka
	E2E_KAFKA_DIRS+=("$dir")
	BOOTSTRAP=$("$KAFKA_SH" start "$dir") || return 1
	log "kafka at $BOOTSTRAP"
}

# start_pg NAME VAR: starts a PostgreSQL server (scripts/postgres.sh) in
# $E2E_TMP/NAME, stopped by PID on exit, and sets VAR to its port. Not in a
# subshell: the directory must be remembered for the final stop.
start_pg()
{
	local dir=$E2E_TMP/$1 port
	E2E_PG_DIRS+=("$dir")
	port=$("$PG_SH" start "$dir") || return 1
	printf -v "$2" '%s' "$port"
	log "postgres at 127.0.0.1:$port"
}

# start_mosquitto NAME VAR: starts a Mosquitto broker (scripts/mosquitto.sh)
# in $E2E_TMP/NAME, stopped by PID on exit, and sets VAR to its port. Again
# after "$MQ_SH" stop/kill: the same port and saved state.
start_mosquitto()
{
	local dir=$E2E_TMP/$1 port
	[[ " ${E2E_MQ_DIRS[*]} " == *" $dir "* ]] || E2E_MQ_DIRS+=("$dir")
	port=$("$MQ_SH" start "$dir") || return 1
	printf -v "$2" '%s' "$port"
	log "mosquitto at 127.0.0.1:$port"
}

# free_port: a free TCP port on 127.0.0.1 (the kernel picks it).
free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# props FILE KEY=VALUE...: writes a .properties file, one pair a line.
props()
{
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
}

# worker_conf FILE OFFSET_FILE: a worker on the broker with string
# converters (fast, and the bytes of a line stay the bytes of the record),
# offsets flushed every 500 ms and short consumer timeouts. A test that
# needs another worker defines its own worker_conf after sourcing this.
worker_conf()
{
	props "$1" \
		"bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.file.filename=$2" \
		"offset.flush.interval.ms=500" \
		"key.converter=string" \
		"value.converter=string" \
		"key.converter.schemas.enable=false" \
		"value.converter.schemas.enable=false" \
		"consumer.session.timeout.ms=6000" \
		"consumer.heartbeat.interval.ms=1000" \
		"consumer.topic.metadata.refresh.interval.ms=1000" \
		"listeners=http://127.0.0.1:0"
}

# gen_lines FILE N [PREFIX]: N numbered lines PREFIX-0000000001 ... (sorted
# both numerically and as text).
gen_lines()
{
	seq -f "${3:-line}-%010.0f" 1 "$2" >"$1"
}

# start_worker NAME WORKER_CONF CONNECTOR_CONF...: runs `sluice run` in the
# background; stdout and stderr are appended to $E2E_TMP/NAME.log (restarts
# append to the same log).
start_worker()
{
	local name=$1
	shift
	local w=$1
	shift
	if [[ -n ${E2E_WORKERS[$name]:-} ]]; then
		echo "start_worker: $name already runs" >&2
		return 1
	fi
	echo "=== $(date +%T.%N) start: $SLUICE run -w $w $*" >>"$E2E_TMP/$name.log"
	"$SLUICE" run -w "$w" "$@" >>"$E2E_TMP/$name.log" 2>&1 &
	E2E_WORKERS[$name]=$!
}

worker_alive()
{
	local pid=${E2E_WORKERS[$1]:-}
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

# kill_worker NAME [SIGNAL]: signals the worker (default KILL) and reaps it.
kill_worker()
{
	local name=$1 sig=${2:-KILL} pid=${E2E_WORKERS[$1]:-}
	[[ -n $pid ]] || return 1
	kill "-$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "E2E_WORKERS[$name]"
	echo "=== $(date +%T.%N) killed with SIG$sig" >>"$E2E_TMP/$name.log"
}

# stop_worker NAME [TIMEOUT]: SIGTERM, then waits up to TIMEOUT seconds
# (default 30). Returns the worker's exit status; 1 when it had to be
# SIGKILLed or had already died.
stop_worker()
{
	local name=$1 timeout=${2:-30} pid=${E2E_WORKERS[$1]:-} rc deadline
	[[ -n $pid ]] || return 1
	unset "E2E_WORKERS[$name]"
	if ! kill -TERM "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		echo "stop_worker: $name (pid $pid) had already exited" >&2
		return 1
	fi
	deadline=$((SECONDS + timeout))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "stop_worker: $name ignored SIGTERM for ${timeout}s; SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	fi
	wait "$pid"
	rc=$?
	echo "=== $(date +%T.%N) stopped, exit status $rc" >>"$E2E_TMP/$name.log"
	return "$rc"
}

# line_count FILE: lines in FILE, 0 when it does not exist yet.
# wait_for SECS CMD...: runs CMD every 0.2 s until it succeeds (0) or SECS
# pass (1).
wait_for()
{
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.2
	done
}

# topic_count TOPIC: the number of messages in TOPIC (0 when missing).
topic_count()
{
	kcat -b "$BOOTSTRAP" -C -t "$1" -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l
}

# wait_topic_count TOPIC N SECONDS: waits until TOPIC holds at least N
# messages; fails after SECONDS, saying how many it holds.
wait_topic_count()
{
	local deadline=$((SECONDS + $3)) n
	while :; do
		n=$(topic_count "$1")
		((n >= $2)) && return 0
		((SECONDS >= deadline)) && {
			echo "wait_topic_count: $n of $2 messages in $1" >&2
			return 1
		}
		sleep 0.5
	done
}

line_count()
{
	if [[ -f $1 ]]; then
		wc -l <"$1"
	else
		echo 0
	fi
}

# wait_lines FILE N TIMEOUT [WORKER]: waits until FILE has at least N lines.
# Fails after TIMEOUT seconds, or at once when WORKER is given and died.
wait_lines()
{
	local file=$1 n=$2 timeout=$3 worker=${4:-} have deadline=$((SECONDS + $3))
	while :; do
		have=$(line_count "$file")
		((have >= n)) && return 0
		if [[ -n $worker ]] && ! worker_alive "$worker"; then
			echo "wait_lines: worker $worker died with $have of $n lines in $file" >&2
			tail -n 20 "$E2E_TMP/$worker.log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "wait_lines: $have of $n lines in $file after ${timeout}s" >&2
			return 1
		fi
		sleep 0.2
	done
}

# wait_growth FILE DELTA MAX_SECONDS: waits until FILE gained DELTA lines
# since the call, or MAX_SECONDS passed (not an error: the caller acts at
# that point anyway). Polls every 50 ms, for kills at a line count.
wait_growth()
{
	local file=$1 start deadline=$((SECONDS + $3))
	start=$(line_count "$file")
	while (($(line_count "$file") - start < $2 && SECONDS < deadline)); do
		sleep 0.05
	done
}

# wait_quiet FILE SECONDS TIMEOUT: waits until FILE has not grown for
# SECONDS (the pipeline drained), at most TIMEOUT seconds.
wait_quiet()
{
	local file=$1 quiet=$2 deadline=$((SECONDS + $3)) last=-1 now since=$SECONDS
	while ((SECONDS < deadline)); do
		now=$(stat -c %s "$file" 2>/dev/null || echo 0)
		if ((now != last)); then
			last=$now
			since=$SECONDS
		elif ((SECONDS - since >= quiet)); then
			return 0
		fi
		sleep 0.2
	done
	echo "wait_quiet: $file still growing after $3s" >&2
	return 1
}

# compare_sets INPUT OUTPUT: compares the lines of two files as sets and
# prints "missing=M foreign=F duplicates=D output=N": input lines absent from
# the output, output lines absent from the input (corrupt or torn lines),
# extra copies in the output, and output line count.
compare_sets()
{
	awk 'NR == FNR { if (!($0 in want)) { want[$0] = 1; total++ }; next }
	     { n++; if (!($0 in want)) { foreign++; if (foreign <= 3) print "foreign line: " $0 > "/dev/stderr"; next }
	       if ($0 in seen) dup++; else { seen[$0] = 1; got++ } }
	     END { printf "missing=%d foreign=%d duplicates=%d output=%d\n", total - got, foreign, dup, n }' \
		"$1" "$2"
}

# field NAME "k1=v1 k2=v2 ...": the value of one key of compare_sets output.
field()
{
	local kv
	for kv in $2; do
		[[ ${kv%%=*} == "$1" ]] && { echo "${kv#*=}"; return 0; }
	done
	return 1
}

# wait_complete INPUT OUTPUT TIMEOUT [WORKER]: waits until every input line
# is in the output (at least once); leaves the last compare_sets result in
# COMPARE. Cheap line counting first, the set comparison every 2 s after.
wait_complete()
{
	local in=$1 out=$2 timeout=$3 worker=${4:-} deadline=$((SECONDS + $3)) n
	n=$(line_count "$in")
	wait_lines "$out" "$n" "$timeout" "$worker" || {
		COMPARE=$(compare_sets "$in" "$out" 2>/dev/null)
		return 1
	}
	while :; do
		COMPARE=$(compare_sets "$in" "$out" 2>/dev/null)
		[[ $(field missing "$COMPARE") == 0 ]] && return 0
		if ((SECONDS >= deadline)); then
			echo "wait_complete: after ${timeout}s: $COMPARE" >&2
			return 1
		fi
		if [[ -n $worker ]] && ! worker_alive "$worker"; then
			echo "wait_complete: worker $worker died: $COMPARE" >&2
			return 1
		fi
		sleep 2
	done
}

# rand_between LO HI: a random integer in [LO, HI].
rand_between()
{
	echo $(($1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1)))
}
