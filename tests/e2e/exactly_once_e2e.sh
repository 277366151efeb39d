#!/usr/bin/env bash
# End-to-end tests of exactly-once sources (exactly.once.source.support=
# enabled, Kafka Connect's KIP-618) on a real broker, three sluice workers
# in one group:
#   1. a file source whose file grows all along; the worker running its
#      task is SIGKILLed five times (restarted each time): a read_committed
#      consumer sees every line exactly once, in order, and the offsets
#      topic's last offset is the file's end
#   2. a zombie: the worker running the task is SIGSTOPped past the session
#      timeout, the task starts on another worker (fencing the zombie's
#      transactional id), and the stopped worker is continued: it writes
#      nothing that a read_committed consumer sees, and says it was fenced
#      or lost its task; every line exactly once
#   3. exactly.once.source.support=enabled without group.id is refused, and
#      exactly.once.support=required on a worker without it fails the
#      connector with that reason
#   4. a smaller split (KIP-618's zombie fencing): a producer holding the
#      transactional id of a task the new split drops, its transaction
#      open, is fenced by the leader before the new split's tasks start
#      (its record never committed); Kafka Connect's tasks-fencing-<name>
#      records in the config topic; every line once
# E2E_SCENARIOS picks some of "1 2 3 4".
source "$(dirname "$0")/lib.sh"

SESSION_MS=6000
need kcat curl jq python3 split sort uniq

if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
start_kafka || {
	fail "start a Kafka broker"
	e2e_finish
}

declare -A PORT=()

# eos_worker NAME GROUP: writes the worker file of NAME, a member of GROUP
# with exactly-once sources.
eos_worker()
{
	PORT[$1]=${PORT[$1]:-$(free_port)}
	props "$E2E_TMP/$1.properties" "bootstrap.servers=$BOOTSTRAP" "group.id=$2" \
		"config.storage.topic=$2-configs" "config.storage.replication.factor=1" \
		"offset.storage.topic=$2-offsets" "offset.storage.replication.factor=1" \
		"offset.storage.partitions=5" "status.storage.topic=$2-status" \
		"status.storage.replication.factor=1" "status.storage.partitions=5" \
		"session.timeout.ms=$SESSION_MS" "heartbeat.interval.ms=1000" \
		"offset.flush.interval.ms=500" "exactly.once.source.support=enabled" \
		"key.converter=string" "value.converter=string" \
		"listeners=http://127.0.0.1:${PORT[$1]}"
}

url()
{
	echo "http://127.0.0.1:${PORT[$1]}"
}

# task_worker NAME CONNECTOR: the worker name whose port runs task 0, as
# worker NAME's status says (empty when none does).
task_worker()
{
	local wid w
	wid=$(curl -sf "$(url "$1")/connectors/$2/status" 2>/dev/null |
		jq -r '.tasks[0] | select(.state == "RUNNING") | .worker_id' 2>/dev/null)
	for w in "${!PORT[@]}"; do
		[[ $wid == "127.0.0.1:${PORT[$w]}" ]] && echo "$w"
	done
}

# runner_by_any CONNECTOR [NOT]: the worker running task 0 as the first
# member other than NOT that answers says.
runner_by_any()
{
	local w t
	for w in "${MEMBERS[@]}"; do
		[[ $w == "${2:-}" ]] && continue
		t=$(task_worker "$w" "$1")
		[[ -n $t ]] && echo "$t" && return 0
	done
	return 1
}

# moved CONNECTOR FROM: a member other than FROM says task 0 runs off FROM.
moved()
{
	local t
	t=$(runner_by_any "$1" "$2") && [[ $t != "$2" ]]
}

# task_runs W CONNECTOR: W's status says task 0 is RUNNING somewhere.
task_runs()
{
	[[ -n $(task_worker "$1" "$2") ]]
}

# task_elsewhere W CONNECTOR NOT: ... on a worker other than NOT.
task_elsewhere()
{
	local t
	t=$(task_worker "$1" "$2")
	[[ -n $t && $t != "$3" ]]
}

# committed_at_least TOPIC N
committed_at_least()
{
	(($(committed "$1" | wc -l) >= $2))
}

# committed TOPIC: the values a read_committed consumer sees.
committed()
{
	kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$1" -o beginning -e -q \
		2>/dev/null
}

uncommitted_count()
{
	kcat -b "$BOOTSTRAP" -X isolation.level=read_uncommitted -C -t "$1" -o beginning -e -q \
		-f 'x\n' 2>/dev/null | wc -l
}

# start_source SCENARIO GROUP LINES: three members, a file growing for a
# while, and a file source created over REST; sets WRITER and DIR.
start_source()
{
	DIR=$E2E_TMP/s$1
	mkdir -p "$DIR"
	gen_lines "$DIR/all.txt" "$3"
	: >"$DIR/in.txt"
	local w
	MEMBERS=("$1a" "$1b" "$1c")
	for w in "${MEMBERS[@]}"; do
		eos_worker "$w" "$2"
		start_worker "$w" "$E2E_TMP/$w.properties"
	done
	wait_for 30 curl -sf "$(url "$1a")/connectors" >/dev/null
	# the file grows by a slice every 0.4 s (split's filters would run at once)
	split -n "l/${SLICES:-60}" -d -a 4 "$DIR/all.txt" "$DIR/slice."
	(for f in "$DIR"/slice.*; do
		cat "$f" >>"$DIR/in.txt"
		sleep 0.4
	done) &
	WRITER=$!
	E2E_PIDS+=("$WRITER")
	log "$1: creating the connector"
	curl -sf -X PUT -H 'Content-Type: application/json' "$(url "$1a")/connectors/$2-src/config" \
		-d "{\"connector.class\":\"file-source\",\"file\":\"$DIR/in.txt\",\"topic\":\"$2-out\",
		     \"exactly.once.support\":\"required\",\"batch.size\":\"500\",
		     \"topic.creation.default.partitions\":\"1\",
		     \"topic.creation.default.replication.factor\":\"1\"}" >/dev/null
	log "$1: connector created"
}

# exactly_once SCENARIO GROUP LINES: checks the topic against the file.
exactly_once()
{
	local topic=$2-out n=$3
	check "$1: the file's $n lines all committed" wait_for 90 committed_at_least "$topic" "$n"
	sleep 2
	committed "$topic" >"$DIR/got.txt"
	local got dups missing all
	got=$(wc -l <"$DIR/got.txt")
	dups=$(sort "$DIR/got.txt" | uniq -d | wc -l)
	missing=$(comm -23 <(sort "$DIR/all.txt") <(sort -u "$DIR/got.txt") | wc -l)
	all=$(uncommitted_count "$topic")
	log "$1: read_committed $got lines ($dups duplicated, $missing missing); with aborted transactions' records $all"
	check "$1: 0 duplicates for a read_committed consumer" test "$dups" -eq 0
	check "$1: 0 lines lost" test "$missing" -eq 0
	check "$1: in the file's order" cmp -s "$DIR/got.txt" "$DIR/all.txt"
	local last
	last=$(kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$2-offsets" \
		-o beginning -e -q -f '%s\n' 2>/dev/null | tail -1)
	check "$1: the committed offset is the file's end" test "$(jq -r .position <<<"$last")" \
		-eq "$(stat -c %s "$DIR/in.txt")"
}

stop_members()
{
	local w
	for w in "$@"; do
		worker_alive "$w" && check "$w exits 0 on SIGTERM" stop_worker "$w"
	done
}

scenario_kills()
{
	local g=e2e-eos-1 n=${E2E_LINES:-240000} i victim aborted=0 before after first=""
	SLICES=150 start_source 1 "$g" "$n" # the file grows for a minute
	check "1: the task runs" wait_for 30 task_runs 1a "$g-src"
	for i in 1 2 3 4 5; do
		sleep 1.5
		wait_for 30 runner_by_any "$g-src" >/dev/null
		victim=$(runner_by_any "$g-src")
		if [[ -z $victim ]]; then
			fail "1: kill #$i: no worker runs the task"
			continue
		fi
		before=$(wc -l <"$DIR/in.txt")
		first=${first:-$before}
		kill_worker "$victim" KILL
		log "1: kill #$i: SIGKILL $victim ($before lines in the file so far)"
		check "1: kill #$i: the task runs on a survivor" wait_for 30 moved "$g-src" "$victim"
		start_worker "$victim" "$E2E_TMP/$victim.properties"
	done
	check "1: the first kill lands while the file grows ($first of $n lines)" \
		test "$first" -gt 0 -a "$first" -lt "$n"
	wait "$WRITER"
	forget_pid "$WRITER"
	exactly_once 1 "$g" "$n"
	after=$(uncommitted_count "$g-out")
	((after > n)) && aborted=$((after - n))
	log "1: $aborted records of aborted transactions (a consumer without read_committed would see them twice)"
	stop_members 1a 1b 1c
}

scenario_zombie()
{
	local g=e2e-eos-2 n=120000 zombie other
	start_source 2 "$g" "$n"
	check "2: the task runs" wait_for 30 task_runs 2a "$g-src"
	sleep 2
	zombie=$(task_worker 2a "$g-src")
	other=2a
	[[ $zombie == 2a ]] && other=2b
	log "2: SIGSTOP $zombie, which runs the task"
	kill -STOP "${E2E_WORKERS[$zombie]}"
	check "2: the task runs elsewhere while $zombie is stopped" wait_for 40 \
		task_elsewhere "$other" "$g-src" "$zombie"
	sleep 2
	kill -CONT "${E2E_WORKERS[$zombie]}"
	wait "$WRITER"
	forget_pid "$WRITER"
	exactly_once 2 "$g" "$n"
	check "2: $zombie stopped its task (fenced, or its slot lost)" grep -qE \
		"another instance of this task took over|membership of group $g lost|not running for" \
		"$E2E_TMP/$zombie.log"
	stop_members 2a 2b 2c
}

scenario_refusals()
{
	local d=$E2E_TMP/s3 out
	mkdir -p "$d"
	props "$d/standalone.properties" "bootstrap.servers=$BOOTSTRAP" \
		"offset.storage.topic=e2e-eos-3-offsets" "exactly.once.source.support=enabled"
	out=$("$SLUICE" validate "$d/standalone.properties" 2>&1)
	check "3: exactly once without group.id is refused" test $? -ne 0
	check "3: ... saying it needs a distributed worker" \
		grep -q "exactly.once.source.support=enabled needs a distributed worker" <<<"$out"
	PORT[3a]=$(free_port)
	props "$E2E_TMP/3a.properties" "bootstrap.servers=$BOOTSTRAP" "group.id=e2e-eos-3" \
		"config.storage.topic=e2e-eos-3-configs" "config.storage.replication.factor=1" \
		"offset.storage.topic=e2e-eos-3-offsets" "offset.storage.replication.factor=1" \
		"status.storage.topic=e2e-eos-3-status" "status.storage.replication.factor=1" \
		"key.converter=string" "value.converter=string" "listeners=http://127.0.0.1:${PORT[3a]}"
	start_worker 3a "$E2E_TMP/3a.properties"
	wait_for 30 curl -sf "$(url 3a)/connectors" >/dev/null
	: >"$d/in.txt"
	curl -sf -X PUT -H 'Content-Type: application/json' "$(url 3a)/connectors/req/config" \
		-d "{\"connector.class\":\"file-source\",\"file\":\"$d/in.txt\",\"topic\":\"e2e-eos-3\",
		     \"exactly.once.support\":\"required\"}" >/dev/null
	check "3: exactly.once.support=required on a worker without it fails the connector" \
		wait_for 20 sh -c "curl -sf '$(url 3a)/connectors/req/status' | grep -q '\"state\":\"FAILED\".*exactly.once.source.support is not enabled'"
	stop_members 3a
}

# zombie TXN_ID TOPIC GO OUT: a Java producer with that transactional id
# sends one record "ZOMBIE" in a transaction it keeps open until the file
# GO exists, then tries to commit it; OUT says OPEN, then COMMITTED or
# FENCED.
zombie()
{
	local cp src=$E2E_TMP/Zombie.java
	cp=$("$KAFKA_SH" classpath) || return 1
	cat >"$src" <<'JAVA'
import java.io.File;
import java.util.Properties;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.StringSerializer;
public class Zombie {
    public static void main(String[] a) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", a[0]);
        p.put("transactional.id", a[1]);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> pr = new KafkaProducer<>(p)) {
            pr.initTransactions();
            pr.beginTransaction();
            pr.send(new ProducerRecord<>(a[2], "ZOMBIE")).get();
            System.out.println("OPEN");
            while (!new File(a[3]).exists())
                Thread.sleep(100);
            try {
                pr.commitTransaction();
                System.out.println("COMMITTED");
            } catch (Exception e) {
                System.out.println("FENCED " + e);
            }
        }
    }
}
JAVA
	java -cp "$cp" "$src" "$BOOTSTRAP" "$1" "$2" "$3" >"$4" 2>&1 &
	ZOMBIE_PID=$!
	E2E_PIDS+=("$ZOMBIE_PID")
}

# fencing_records GROUP CONNECTOR: the task counts of the connector's
# tasks-fencing records in the config topic, in order.
fencing_records()
{
	kcat -b "$BOOTSTRAP" -C -t "$1-configs" -o beginning -e -q -f '%k %s\n' 2>/dev/null |
		awk -v k="tasks-fencing-$2" '$1 == k { print $2 }' | jq -r '."task-count"' | paste -sd' '
}

# fencing_is GROUP CONNECTOR COUNTS: fencing_records says COUNTS.
fencing_is()
{
	[[ $(fencing_records "$1" "$2") == "$3" ]]
}

# running_is W CONNECTOR N: W's status shows N tasks RUNNING.
running_is()
{
	[[ $(curl -sf "$(url "$1")/connectors/$2/status" 2>/dev/null |
		jq '[.tasks[] | select(.state == "RUNNING")] | length' 2>/dev/null) == "$3" ]]
}

scenario_shrink()
{
	local g=e2e-eos-4 d=$E2E_TMP/s4 n=3000 c
	c=$g-src
	mkdir -p "$d"
	gen_lines "$d/in-a.txt" "$n" a
	gen_lines "$d/in-b.txt" "$n" b
	MEMBERS=(4a 4b)
	local w
	for w in "${MEMBERS[@]}"; do
		eos_worker "$w" "$g"
		start_worker "$w" "$E2E_TMP/$w.properties"
	done
	wait_for 30 curl -sf "$(url 4a)/connectors" >/dev/null
	local conf='{"connector.class":"file-source","file":"'$d'/in-*.txt","topic":"'$g'-out",
		"tasks.max":"TASKS","exactly.once.support":"required",
		"topic.creation.default.partitions":"1","topic.creation.default.replication.factor":"1"}'
	curl -sf -X PUT -H 'Content-Type: application/json' "$(url 4a)/connectors/$c/config" \
		-d "${conf/TASKS/2}" >/dev/null
	check "4: two tasks run" wait_for 40 running_is 4b "$c" 2
	check "4: the leader wrote tasks-fencing-$c with task-count 2 before they started" \
		fencing_is "$g" "$c" 2
	check "4: both files' lines committed" wait_for 60 committed_at_least "$g-out" $((2 * n))
	# a zombie of task 1: its transactional id, a transaction open (the
	# real task 1 is fenced by it and fails; its lines are not lost: the
	# offsets it committed say where the new split goes on)
	zombie "$g-$c-1" "$g-out" "$d/go" "$d/zombie.out"
	check "4: the zombie holds a transaction open" wait_for 60 grep -q '^OPEN' "$d/zombie.out"
	gen_lines "$d/more-a.txt" "$n" a2
	gen_lines "$d/more-b.txt" "$n" b2
	cat "$d/more-a.txt" >>"$d/in-a.txt"
	cat "$d/more-b.txt" >>"$d/in-b.txt"
	log "4: tasks.max 2 -> 1 while the zombie's transaction is open"
	curl -sf -X PUT -H 'Content-Type: application/json' "$(url 4b)/connectors/$c/config" \
		-d "${conf/TASKS/1}" >/dev/null
	check "4: tasks-fencing-$c with task-count 1 follows" wait_for 40 fencing_is "$g" "$c" "2 1"
	check "4: the leader says it fenced tasks 0..1" \
		grep -q "tasks 0..1 of earlier commits fenced" "$E2E_TMP/4a.log" "$E2E_TMP/4b.log"
	touch "$d/go"
	check "4: the zombie's commit is refused (fenced)" wait_for 30 grep -q '^FENCED' "$d/zombie.out"
	check "4: one task runs" wait_for 40 running_is 4a "$c" 1
	check "4: every line committed" wait_for 60 committed_at_least "$g-out" $((4 * n))
	sleep 2
	committed "$g-out" >"$d/got.txt"
	cat "$d/in-a.txt" "$d/in-b.txt" | sort >"$d/all.txt"
	local dups missing
	dups=$(sort "$d/got.txt" | uniq -d | wc -l)
	missing=$(comm -23 "$d/all.txt" <(sort -u "$d/got.txt") | wc -l)
	log "4: read_committed $(wc -l <"$d/got.txt") lines ($dups duplicated, $missing missing)"
	check "4: the zombie's record was never committed" test "$(grep -c '^ZOMBIE$' "$d/got.txt")" -eq 0
	check "4: 0 duplicates" test "$dups" -eq 0
	check "4: 0 lines lost" test "$missing" -eq 0
	stop_members 4a 4b
}

SCENARIOS=${E2E_SCENARIOS:-1 2 3 4}
for s in $SCENARIOS; do
	case $s in
	1) scenario_kills ;;
	2) scenario_zombie ;;
	3) scenario_refusals ;;
	4) scenario_shrink ;;
	*) fail "unknown scenario $s" ;;
	esac
done
e2e_finish
