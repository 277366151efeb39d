#!/usr/bin/env bash
# End-to-end tests of the sluice command line: validate's messages and exit
# codes for each kind of bad config (also those only a starting task used to
# notice), escaped and capped messages, run refusing two connectors of one
# name, plugins --describe, offsets list/reset (refused while a worker holds
# the offset file), --version, SIGHUP ignored, and a clean SIGTERM exit.
# Uses the embedded cluster only: no services.
source "$(dirname "$0")/lib.sh"

if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
T=$E2E_TMP

# expect_error NAME FILE PATTERN: validate FILE fails and prints PATTERN.
expect_error()
{
	local name=$1 file=$2 pattern=$3 out
	out=$("$SLUICE" validate "$file" 2>&1)
	local rc=$?
	check "validate: $name exits 1" test "$rc" -eq 1
	if grep -qF -- "$pattern" <<<"$out"; then
		pass "validate: $name says: $pattern"
	else
		fail "validate: $name says: $pattern (got: $out)"
	fi
}

cat >"$T/unknown.conf" <<'EOF'
name = "a";
connector = { class = "file-source"; };
topic = "t";
fiel = "/tmp/x";
EOF
expect_error "unknown key" "$T/unknown.conf" "unknown.conf:4: unknown key 'fiel' for file-source; did you mean 'file'?"

cat >"$T/type.properties" <<'EOF'
name=a
connector.class=file-source
file=/tmp/x
topic=t
batch.size=many
EOF
expect_error "wrong type" "$T/type.properties" "type.properties:5: option 'batch.size': 'many' is not an integer"

cat >"$T/range.properties" <<'EOF'
name=a
connector.class=file-source
file=/tmp/x
topic=t
tasks.max=0
EOF
expect_error "out of range" "$T/range.properties" "range.properties:5: option 'tasks.max': 0 is below the minimum 1"

cat >"$T/enum.conf" <<'EOF'
name = "a";
connector = { class = "file-sink"; };
topics = "t";
file = "/tmp/x";
errors = { tolerance = "some"; };
EOF
expect_error "bad enum value" "$T/enum.conf" "enum.conf:5: option 'errors.tolerance': 'some' is not one of: none, all"

cat >"$T/syntax.conf" <<'EOF'
name = "a";
connector = { class = ; };
EOF
expect_error "syntax error" "$T/syntax.conf" "syntax.conf:2: syntax error"

cat >"$T/class.json" <<'EOF'
{"name": "a", "config": {"connector.class": "NoSuchConnector"}}
EOF
expect_error "unknown connector class" "$T/class.json" "unknown connector.class 'NoSuchConnector'"

cat >"$T/required.properties" <<'EOF'
name=a
connector.class=FileStreamSource
EOF
expect_error "missing required option" "$T/required.properties" "option 'topic' is required"

cat >"$T/env.properties" <<'EOF'
name=a
connector.class=FileStreamSource
topic=t
file=${env:SLUICE_E2E_UNSET_VARIABLE}
EOF
expect_error "unset env reference" "$T/env.properties" "SLUICE_E2E_UNSET_VARIABLE"

cat >"$T/worker.properties" <<'EOF'
bootstrap.servers=embedded
producer.no.such.property=1
EOF
expect_error "bad librdkafka key" "$T/worker.properties" "worker.properties:2: librdkafka refused producer.no.such.property"

# What a task would refuse at start, validate refuses, naming key and place.
printf 'name=a\nconnector.class=file-sink\nfile=/tmp/x\ntopics.regex=orders-[\n' \
	>"$T/regex.properties"
expect_error "invalid topics.regex" "$T/regex.properties" \
	"regex.properties:4: option 'topics.regex': 'orders-[' is not a valid regular expression"
printf 'name=a\nconnector.class=file-sink\nfile=/tmp/x\ntopics=t\nvalue.converter=avro\n' \
	>"$T/conv.properties"
expect_error "unknown converter" "$T/conv.properties" \
	"conv.properties:5: option 'value.converter': unknown converter \"avro\""
printf 'name=a\nconnector.class=file-sink\nfile=/tmp/x\ntopics=t\nvalue.converter=json\n%s\n' \
	'value.converter.schemas.enable=maybe' >"$T/schemas.properties"
expect_error "bad converter setting" "$T/schemas.properties" \
	"schemas.properties:6: option 'value.converter.schemas.enable': 'maybe' is not one of: true, false"
printf 'name=a\nconnector.class=file-sink\nfile=/tmp/x\ntopics=t\n%s\n' \
	'consumer.override.fetch.wait.max.ms=soon' >"$T/override.properties"
expect_error "bad client override" "$T/override.properties" \
	"override.properties:5: librdkafka refused consumer.override.fetch.wait.max.ms"
printf 'name=\nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n' >"$T/noname.properties"
expect_error "empty connector name" "$T/noname.properties" \
	"noname.properties:1: option 'name': '': a connector name may not be empty"
printf 'name=a\\nINFO [a/0] forged\nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n' \
	>"$T/ctlname.properties"
expect_error "control character in a name" "$T/ctlname.properties" \
	"option 'name': 'a\\x0aINFO [a/0] forged': a connector name may not hold control"
printf 'name=a\nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n%s\n' \
	'errors.deadletterqueue.topic.name=dead letters' >"$T/dlq.properties"
expect_error "invalid dead letter queue topic" "$T/dlq.properties" \
	"dlq.properties:5: option 'errors.deadletterqueue.topic.name': 'dead letters': a topic name"

# Messages never carry raw bytes, and are capped.
LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 30000; i++) printf "%c", 1 + int(rand() * 255) }' \
	>"$T/garbage.properties"
out=$("$SLUICE" validate "$T/garbage.properties" 2>&1)
check "validate of binary garbage exits 1" test $? -eq 1
tr -d '\n' <<<"$out" >"$T/garbage.out" # too long for one argument
check "binary garbage is shown escaped (no control bytes in messages)" \
	bash -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1"' _ "$T/garbage.out"
check "binary garbage is shown as UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null <<<"$out"
n=$(grep -c '^error:' <<<"$out")
check "binary garbage gives at most 101 error lines (got $n)" test "$n" -le 101
printf 'name=a\nconnector.class=file-source\n\0topic=t\n' >"$T/nul.properties"
expect_error "NUL byte" "$T/nul.properties" "nul.properties:3: holds a NUL byte"

# Loading is linear: 200,000 keys take well under a second; it was minutes.
{
	printf 'name=big\nconnector.class=file-source\nfile=/tmp/x\ntopic=t\n'
	seq -f 'k.%.0f=v' 1 200000
} >"$T/big.properties"
start=$SECONDS
out=$(timeout 60 "$SLUICE" validate "$T/big.properties" 2>&1)
check "validate of 200,000 keys finishes within 20 s (took $((SECONDS - start)) s)" \
	test $((SECONDS - start)) -lt 20
check "validate of 200,000 unknown keys lists 100 and counts the rest" \
	grep -qF "big.properties: ... and 199900 more unknown keys for file-source" <<<"$out"

# run: an empty connector file is named; two connectors may not share a name.
# (timeout: a run that wrongly starts would never end.)
: >"$T/empty.properties"
out=$(timeout 30 "$SLUICE" run "$T/empty.properties" 2>&1)
check "run refuses an empty connector file (exit 1)" test $? -eq 1
check "run names the empty file" grep -qF "$T/empty.properties: option 'name' is required" \
	<<<"$out"
props "$T/dup-w.properties" "bootstrap.servers=embedded" \
	"offset.storage.file.filename=$T/dup-offsets.json" "listeners=http://127.0.0.1:0"
props "$T/dup1.properties" "name=dup" "connector.class=file-sink" "topics=t" "file=$T/dup.out"
printf '{"name": "dup", "config": {"connector.class": "file-source", "file": "%s", "topic": "t"}}' \
	"$T/in.txt" >"$T/dup2.json"
out=$(timeout 30 "$SLUICE" run -w "$T/dup-w.properties" "$T/dup1.properties" "$T/dup2.json" \
	2>&1)
check "run refuses two connectors of one name (exit 1)" test $? -eq 1
check "run names both files of a duplicate name" \
	grep -qF "$T/dup2.json: connector name 'dup' is already used by $T/dup1.properties:1" <<<"$out"
check "run starts nothing when two connectors share a name" \
	bash -c '! grep -qE "starting|Kafka runs" <<<"$1"' _ "$out"
out=$("$SLUICE" validate "$T/dup1.properties" "$T/dup2.json" 2>&1)
check "validate refuses two connectors of one name" test $? -eq 1

# Every error of a file is listed, not only the first.
cat >"$T/many.conf" <<'EOF'
name = "a";
connector = { class = "file-source"; };
tasks = { max = 0; };
batch = { size = "x"; };
EOF
n=$("$SLUICE" validate "$T/many.conf" 2>&1 | grep -c '^error:')
check "validate lists every error (4 in many.conf, got $n)" test "$n" -eq 4

printf 'name=ok\nconnector.class=file-sink\ntopics=t\nfile=%s/out\n' "$T" >"$T/good.properties"
check "validate accepts a good connector config" "$SLUICE" validate "$T/good.properties"
check "validate accepts the example configs" "$SLUICE" validate config/worker.conf \
	config/file-source.conf config/file-sink.conf config/file-source.properties \
	config/file-sink.json
check "validate accepts the HTTP example configs (secrets from the environment)" \
	env SHOP_API_TOKEN=t GITHUB_WEBHOOK_SECRET=s API_CLIENT_SECRET=c "$SLUICE" validate \
	config/http-source.properties config/webhook-source.properties config/http-sink.properties
check "validate accepts the MQTT example configs" env MQTT_PASSWORD=p "$SLUICE" validate \
	config/mqtt-source.properties config/mqtt-sink.properties

# Kafka Connect's own worker files run unchanged: keys sluice does not use
# are logged as ignored, keys no one defines are still errors.
out=$("$SLUICE" validate config/kafka-connect-standalone.properties \
	config/kafka-connect-distributed.properties 2>&1)
check "validate accepts Kafka Connect's standalone and distributed worker files" test $? -eq 0
check "an ignored worker key gets a notice saying why" grep -q \
	"worker key 'access.control.allow.origin' is Kafka Connect's; sluice's REST API does not use it: ignored" \
	<<<"$out"
check "group.id is no ignored key (the distributed worker's)" \
	test "$(grep -c "worker key 'group.id'" <<<"$out")" -eq 0
# A distributed worker takes its connectors over the REST API only.
out=$("$SLUICE" run -w config/kafka-connect-distributed.properties config/file-source.properties 2>&1)
check "run refuses connector files with a distributed worker file (exit 2)" test $? -eq 2
check "... saying the connectors are created over the REST API" \
	grep -q "sets group.id: this worker joins a distributed cluster.*REST API" <<<"$out"
printf 'bootstrap.servers=localhost:9092\ngroup.id=g\n' >"$T/half-distributed.properties"
expect_error "a distributed worker needs Kafka Connect's three topics" \
	"$T/half-distributed.properties" "needs config.storage.topic, as Kafka Connect's does"
# Config providers as Kafka Connect declares them: a worker's providers
# serve its connectors' files; an unknown class is an error.
mkdir -p "$T/secrets" && printf 'from-dir' >"$T/secrets/topic"
cat >"$T/prov-worker.properties" <<EOF
config.providers=k8s
config.providers.k8s.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
config.providers.k8s.param.allowed.paths=$T/secrets
EOF
printf 'name=p\nconnector.class=file-source\nfile=/tmp/x\ntopic=${k8s:%s:topic}\n' \
	"$T/secrets" >"$T/prov-conn.properties"
check "validate -w: the worker's config providers serve connector files" \
	"$SLUICE" validate -w "$T/prov-worker.properties" "$T/prov-conn.properties"
printf 'config.providers=v\nconfig.providers.v.class=com.example.Vault\n' >"$T/vault.properties"
expect_error "unknown config provider class" "$T/vault.properties" \
	"unknown config provider class 'com.example.Vault'"
printf 'bootstrap.servers=localhost:9092\nrest.prot=8083\n' >"$T/typo-worker.properties"
expect_error "worker key no one defines" "$T/typo-worker.properties" \
	"unknown key 'rest.prot' for the worker; did you mean 'rest.port'?"

out=$("$SLUICE" plugins --describe file-source)
check "plugins --describe lists options with type and default" \
	grep -q 'batch.size (int) default 2000' <<<"$out"
check "plugins lists the Kafka Connect aliases" \
	grep -q 'org.apache.kafka.connect.file.FileStreamSinkConnector' <<<"$("$SLUICE" plugins)"
check "--version prints the version" grep -q '^sluice [0-9]' <<<"$("$SLUICE" --version)"

# offsets: a worker holds the file; reset is refused until it exits.
seq 1 100 >"$T/in.txt"
printf 'string' >"$T/secrets/converter"
# Kafka Connect worker keys sluice ignores run too (admin.listeners is no
# librdkafka admin.* key), and a provider reference is resolved.
props "$T/w.properties" "bootstrap.servers=embedded" \
	"offset.storage.file.filename=$T/offsets.json" "listeners=http://127.0.0.1:0" "offset.flush.interval.ms=200" \
	"value.converter=\${dir:$T/secrets:converter}" \
	"rest.advertised.port=8083" "admin.listeners=http://localhost:8084" "plugin.path=/usr/share/java"
props "$T/src.properties" "name=cli-src" "connector.class=file-source" \
	"file=$T/in.txt" "topic=cli"
props "$T/snk.properties" "name=cli-sink" "connector.class=file-sink" \
	"topics=cli" "file=$T/out.txt"
start_worker cli "$T/w.properties" "$T/src.properties" "$T/snk.properties"
check "embedded worker delivers the file" wait_lines "$T/out.txt" 100 60 cli
check "embedded worker logs the bootstrap address" \
	grep -q 'Kafka runs in this process .* at 127.0.0.1:[0-9]*; data lives in memory only' \
	"$T/cli.log"
check "run logs each ignored Kafka Connect worker key once" \
	test "$(grep -c "worker key 'plugin.path' is Kafka Connect's" "$T/cli.log")" -eq 1
check "log lines carry time, level and [connector/task]" \
	grep -qE '^20[0-9-]+T[0-9:.]+Z INFO  \[cli-src/0\] ' "$T/cli.log"
out=$("$SLUICE" offsets reset -w "$T/w.properties" 2>&1)
check "offsets reset is refused while the worker runs" \
	grep -q 'in use by another sluice process' <<<"$out"
kill -HUP "${E2E_WORKERS[cli]}"
check "SIGHUP is logged as ignored" wait_for 10 grep -qF \
	"SIGHUP received: nothing to reload (connector.config.dir is not set); ignoring" "$T/cli.log"
sleep 0.5
check "the worker keeps running after SIGHUP" worker_alive cli
check "worker exits 0 on SIGTERM" stop_worker cli 30
out=$("$SLUICE" offsets list -w "$T/w.properties")
check "offsets list shows the stored position" \
	grep -qF "\"offset\":{\"inode\":$(stat -c %i "$T/in.txt"),\"position\":292}" <<<"$out"
check "offsets reset removes the connector's offsets" \
	"$SLUICE" offsets reset -w "$T/w.properties" --connector cli-src
# An empty list proves nothing by itself: a crash prints nothing either.
out=$("$SLUICE" offsets list -w "$T/w.properties")
rc=$?
check "offsets list exits 0 after reset" test "$rc" -eq 0
check "offsets list is empty after reset" test -z "$out"

e2e_finish
