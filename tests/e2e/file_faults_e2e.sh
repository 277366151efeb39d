#!/usr/bin/env bash
# End-to-end tests of how file-source and file-sink survive faults, against
# one real Kafka broker: (a) the sink's disk fills up (a 2 MiB tmpfs): the
# task retries ENOSPC and stays up, and once space is back every record is
# on a line of its own, also after a kill -9 while the disk was full;
# (b) the sink's output file is deleted mid-stream: every record not
# flushed to it before the deletion lands in the re-created file;
# (c) FIFOs and devices: a sink FIFO without a reader and a source FIFO
# without a writer neither hold up start nor stop, FIFOs carry the records
# end to end, and /dev/zero as a source neither spins nor ignores SIGTERM.
# Scenario (a) needs to mount a tmpfs (root); without that it prints a SKIP
# notice and counts neither a pass nor a failure. E2E_SCENARIOS picks some
# of "a b c".
source "$(dirname "$0")/lib.sh"

need kcat seq awk stat
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi

start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

# source_conf FILE NAME INPUT TOPIC [EXTRA...]
source_conf()
{
	local f=$1 name=$2 in=$3 topic=$4
	shift 4
	props "$f" "name=$name" "connector.class=file-source" "tasks.max=1" "file=$in" \
		"topic=$topic" "topic.creation.default.partitions=1" \
		"topic.creation.default.replication.factor=1" "$@"
}

# sink_conf FILE NAME TOPIC OUTPUT
sink_conf()
{
	props "$1" "name=$2" "connector.class=file-sink" "tasks.max=1" "topics=$3" "file=$4"
}

# ends_with_newline FILE: the file is empty or its last byte is '\n'.
ends_with_newline()
{
	[[ ! -s $1 || $(tail -c 1 "$1" | od -An -c | tr -d ' ') == '\n' ]]
}

# no_failed_task WORKER: no task of the worker failed.
no_failed_task()
{
	! grep -q "task FAILED" "$E2E_TMP/$1.log"
}

# source_at_end OFFSETS INPUT: the stored source position is INPUT's size
# (every line acknowledged and its offset stored).
source_at_end()
{
	local pos
	pos=$(grep -o '"position": *[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' | tail -n 1)
	[[ ${pos:-0} == "$(stat -c %s "$2")" ]]
}

# fill FILE BYTES: a filler file of BYTES bytes.
fill()
{
	head -c "$2" /dev/zero >"$1"
}

# check_lines TAG INPUT OUTPUT: every input line arrived whole (no torn,
# merged or foreign line) and the file ends with a newline; logs the
# duplicates.
check_lines()
{
	local tag=$1 in=$2 out=$3
	check "$tag: every record arrived" wait_complete "$in" "$out" 90 a
	log "$tag: $COMPARE"
	check "$tag: no torn or merged lines" test "$(field foreign "$COMPARE")" = 0
	check "$tag: the output ends with a newline" ends_with_newline "$out"
	check "$tag: no record written twice" test "$(field duplicates "$COMPARE")" = 0
}

# (a) The sink writes to a 2 MiB tmpfs that a filler file has nearly
# filled. The task logs the ENOSPC retries and stays RUNNING, with the file
# at a line boundary; once the filler is removed every record arrives on a
# line of its own. Then the disk is filled again, the worker is killed -9
# while the sink retries, space is freed and the worker restarted: still
# every record, none torn or merged.
scenario_disk_full()
{
	local d=$E2E_TMP/a mnt avail
	mnt=$d/mnt
	if ! mount_tmpfs "$mnt" 2m; then
		echo "SKIP: (a) disk full: cannot mount a tmpfs ($(head -c 200 "$E2E_TMP/mount.err")); run as root to test it"
		return 0
	fi
	# 33-byte lines: a write cut short at a 4 KiB page is cut inside a line.
	seq -f 'fa1-%010.0f-xxxxxxxxxxxxxxxxx' 1 30000 >"$d/in.txt" # 990,000 bytes
	fill "$mnt/filler" $((1536 * 1024))                          # 512 KiB left
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-fa-source "$d/in.txt" e2e-fa
	sink_conf "$d/sink.properties" e2e-fa-sink e2e-fa "$mnt/out.txt"
	local confs=("$d/worker.properties" "$d/source.properties" "$d/sink.properties")

	start_worker a "${confs[@]}"
	check "a: the sink reports the full disk and retries" \
		wait_for 60 log_has a "No space left on device"
	sleep 3 # a few retries
	check "a: the worker runs on while the disk is full" worker_alive a
	check "a: no task failed on the full disk" no_failed_task a
	check "a: the file ends at a line boundary while the disk is full" \
		ends_with_newline "$mnt/out.txt"
	rm -f "$mnt/filler"
	log "a: freed the filler with $(line_count "$mnt/out.txt") lines written"
	check_lines "a (space freed)" "$d/in.txt" "$mnt/out.txt"
	check "a: no task failed" no_failed_task a

	avail=$(df --output=avail -B1 "$mnt" | tail -n 1)
	fill "$mnt/filler" $((avail - 300 * 1024))
	seq -f 'fa2-%010.0f-xxxxxxxxxxxxxxxxx' 1 20000 >>"$d/in.txt" # 660,000 more bytes
	local enospc
	enospc=$(grep -c "No space left on device" "$E2E_TMP/a.log")
	check "a: the sink reports the full disk again" \
		wait_for 60 eval '(($(grep -c "No space left on device" "$E2E_TMP/a.log") > enospc))'
	# The source stores its offsets every 500 ms: once it has stored the
	# end, a duplicate can only come from the sink.
	check "a: the source stored the offset of its last line" \
		wait_for 30 source_at_end "$d/offsets" "$d/in.txt"
	kill_worker a KILL
	log "a: kill -9 while the disk is full, $(line_count "$mnt/out.txt") lines written"
	check "a: the file ends at a line boundary after kill -9" ends_with_newline "$mnt/out.txt"
	rm -f "$mnt/filler"
	start_worker a "${confs[@]}"
	check_lines "a (kill -9 while full)" "$d/in.txt" "$mnt/out.txt"
	check "a: worker exits 0 on SIGTERM" stop_worker a
	unmount_all
}

# (b) 1,000,000 lines stream through; when the sink has written a fifth of
# them its output file is deleted. The test keeps the deleted file open to
# read it afterwards: every input line that was not in it when it was
# deleted (its size just after the rm) must be in the re-created file.
scenario_deleted_output()
{
	local d=$E2E_TMP/b size_at_rm n=1000000
	mkdir -p "$d"
	seq -f 'fb-%010.0f-xxxxxxxxxxxxxxxxxxx' 1 "$n" >"$d/in.txt"
	worker_conf "$d/worker.properties" "$d/offsets"
	source_conf "$d/source.properties" e2e-fb-source "$d/in.txt" e2e-fb
	sink_conf "$d/sink.properties" e2e-fb-sink e2e-fb "$d/out.txt"

	start_worker b "$d/worker.properties" "$d/source.properties" "$d/sink.properties"
	check "b: the sink writes" wait_lines "$d/out.txt" $((n / 5)) 60 b
	exec 9<"$d/out.txt"
	rm "$d/out.txt"
	size_at_rm=$(stat -L -c %s "/proc/$$/fd/9")
	log "b: deleted the output at $size_at_rm bytes"
	wait_for 60 test -e "$d/out.txt"
	wait_quiet "$d/out.txt" 3 60
	head -c "$size_at_rm" <&9 >"$d/deleted.txt"
	exec 9<&-
	awk 'NR == FNR { gone[$0] = 1; next } !($0 in gone)' "$d/deleted.txt" "$d/in.txt" \
		>"$d/expected.txt"
	log "b: $(line_count "$d/deleted.txt") lines were in the file when it was deleted"
	check "b: the sink says it re-created the deleted file" log_has b "was deleted"
	check "b: every record after the deletion is in the new file" \
		wait_complete "$d/expected.txt" "$d/out.txt" 30 b
	local all
	all=$(compare_sets "$d/in.txt" "$d/out.txt" 2>/dev/null)
	log "b: new file against the whole input: $all"
	check "b: no torn or foreign lines in the new file" test "$(field foreign "$all")" = 0
	check "b: no task failed" no_failed_task b
	check "b: worker exits 0 on SIGTERM" stop_worker b
}

# stop_fast NAME LIMIT: SIGTERM, and the worker exits 0 within LIMIT
# seconds.
stop_fast()
{
	local t0 rc
	t0=$(date +%s%N)
	stop_worker "$1" 15
	rc=$?
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	((rc == 0 && STOP_MS <= $2 * 1000))
}

# cpu_cs PID: user + system CPU time of a process, in hundredths of a
# second.
cpu_cs()
{
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 100 / hz) }' "/proc/$1/stat"
}

# (c) FIFOs and devices.
scenario_fifos()
{
	local d=$E2E_TMP/c
	mkdir -p "$d"
	worker_conf "$d/worker.properties" "$d/offsets"

	# A sink whose FIFO has no reader: start does not hang, records wait,
	# SIGTERM ends the worker at once.
	mkfifo "$d/out.fifo"
	sink_conf "$d/sink.properties" e2e-fc-sink e2e-fc "$d/out.fifo"
	start_worker c1 "$d/worker.properties" "$d/sink.properties"
	check "c: a sink FIFO without a reader: the task says it waits for one" \
		wait_for 30 log_has c1 "waiting for a reader on FIFO $d/out.fifo"
	check "c: the sink task started" wait_for 30 log_has c1 "sink task started"
	seq -f 'fc-%05.0f' 1 100 | kcat -b "$BOOTSTRAP" -t e2e-fc -P 2>/dev/null
	sleep 2
	check "c: no task failed while the FIFO has no reader" no_failed_task c1
	check "c: the worker with a reader-less sink FIFO exits 0 on SIGTERM within 5 s" \
		stop_fast c1 5
	log "c: stopped in $STOP_MS ms"

	# Once a reader comes, the records reach it.
	cat "$d/out.fifo" >"$d/fifo-out.txt" &
	E2E_PIDS+=($!)
	start_worker c1 "$d/worker.properties" "$d/sink.properties"
	seq -f 'fc-%05.0f' 1 100 >"$d/fifo-expected.txt"
	check "c: the records reach the sink FIFO's reader" \
		wait_complete "$d/fifo-expected.txt" "$d/fifo-out.txt" 30 c1
	check "c: the worker writing a sink FIFO exits 0 on SIGTERM" stop_fast c1 10

	# A source FIFO without a writer: the task says so and stops at once;
	# a writer's lines are sent.
	mkfifo "$d/in.fifo"
	source_conf "$d/source.properties" e2e-fc2-source "$d/in.fifo" e2e-fc2
	sink_conf "$d/sink2.properties" e2e-fc2-sink e2e-fc2 "$d/fc2-out.txt"
	start_worker c2 "$d/worker.properties" "$d/source.properties" "$d/sink2.properties"
	check "c: a source FIFO without a writer: the task says it waits for one" \
		wait_for 30 log_has c2 "waiting for a writer on FIFO $d/in.fifo"
	seq -f 'fc2-%05.0f' 1 1000 >"$d/fc2-in.txt"
	cat "$d/fc2-in.txt" >"$d/in.fifo"
	check "c: the lines written to the source FIFO arrive" \
		wait_complete "$d/fc2-in.txt" "$d/fc2-out.txt" 30 c2
	check "c: the worker reading a writer-less source FIFO exits 0 on SIGTERM within 5 s" \
		stop_fast c2 5
	log "c: stopped in $STOP_MS ms"

	# /dev/zero under errors.tolerance=all: an endless line, skipped
	# without spinning; SIGTERM ends the worker at once.
	source_conf "$d/zero.properties" e2e-fc3-source /dev/zero e2e-fc3 errors.tolerance=all
	start_worker c3 "$d/worker.properties" "$d/zero.properties"
	check "c: /dev/zero: the source task started" wait_for 30 log_has c3 "source task started"
	local cpu0 cpu1
	cpu0=$(cpu_cs "${E2E_WORKERS[c3]}")
	sleep 4
	cpu1=$(cpu_cs "${E2E_WORKERS[c3]}")
	check "c: /dev/zero does not keep a core busy ($((cpu1 - cpu0)) cs of CPU in 4 s)" \
		test $((cpu1 - cpu0)) -le 40
	check "c: no task failed on /dev/zero" no_failed_task c3
	check "c: the worker reading /dev/zero exits 0 on SIGTERM within 5 s" stop_fast c3 5
	log "c: stopped in $STOP_MS ms"
}

for s in ${E2E_SCENARIOS:-a b c}; do
	case $s in
	a) scenario_disk_full ;;
	b) scenario_deleted_output ;;
	c) scenario_fifos ;;
	*) fail "unknown scenario '$s' in E2E_SCENARIOS (a b c)" ;;
	esac
done
e2e_finish
