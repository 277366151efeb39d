#!/usr/bin/env bash
# End-to-end tests of `sluice transform` (a connector's transform chain on
# JSON lines): exact output of a chain of two, schemaless and schemaful,
# Filter with a predicate (and negated), the converters taken from the
# worker file, bad lines answered in order while the rest go on, bad
# configs refused with exit 1 and usage errors with 2; the docs blocks of
# `sluice plugins --markdown-transform`; and the transformations and
# predicates in the REST API's plugin listing and plugin config (a worker
# on the embedded cluster). No services.
source "$(dirname "$0")/lib.sh"

need curl python3
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi
T=$E2E_TMP

# expect_out NAME CONFIG INPUT EXPECTED [sluice transform args...]: the
# output of INPUT through CONFIG is EXPECTED, byte for byte, exit 0.
expect_out()
{
	local name=$1 config=$2 input=$3 expected=$4
	shift 4
	local got rc
	got=$(printf '%s\n' "$input" | "$SLUICE" transform -c "$config" "$@" 2>"$T/stderr")
	rc=$?
	if [[ $rc -eq 0 && $got == "$expected" ]]; then
		pass "$name"
	else
		fail "$name (exit $rc; got: $got; wanted: $expected; stderr: $(cat "$T/stderr"))"
	fi
}

# ---- a chain of two: RegexRouter, then HoistField$Value ----
props "$T/route.properties" \
	"transforms=route,wrap" \
	"transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter" \
	'transforms.route.regex=(.*)-raw' \
	'transforms.route.replacement=$1-clean' \
	"transforms.wrap.type=HoistField\$Value" \
	"transforms.wrap.field=row" \
	"key.converter=string" \
	"value.converter=org.apache.kafka.connect.json.JsonConverter" \
	"value.converter.schemas.enable=false"

expect_out "chain of two, schemaless: routed and wrapped" "$T/route.properties" \
	'{"topic":"orders-raw","partition":2,"offset":9,"timestamp":1700000000000,"key":"k1","value":"{\"id\":1, \"n\":\"Zoë \\\"q\\\"\"}","headers":[{"key":"h","value":"x"},{"key":"n","value":null}]}' \
	'{"topic":"orders-clean","partition":2,"timestamp":1700000000000,"key":"k1","value":"{\"row\":{\"id\":1,\"n\":\"Zoë \\\"q\\\"\"}}","headers":[{"key":"h","value":"x"},{"key":"n","value":null}]}'

expect_out "a topic the regex does not match keeps its name" "$T/route.properties" \
	'{"topic":"orders","value":"7"}' \
	'{"topic":"orders","partition":null,"timestamp":null,"key":null,"value":"{\"row\":7}","headers":[]}'

# schemaful: the struct schema changes with the value
props "$T/schema.properties" \
	"transforms=wrap" \
	"transforms.wrap.type=org.apache.kafka.connect.transforms.HoistField\$Value" \
	"transforms.wrap.field=n" \
	"value.converter=json" \
	"key.converter=string"
expect_out "schemaful: HoistField wraps the schema too" "$T/schema.properties" \
	'{"topic":"t","partition":0,"timestamp":1,"value":"{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":42}"}' \
	'{"topic":"t","partition":0,"timestamp":1,"key":null,"value":"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"n\"}],\"optional\":false},\"payload\":{\"n\":42}}","headers":[]}'

# ---- Filter with a predicate ----
props "$T/filter.properties" \
	"transforms=drop" \
	"transforms.drop.type=org.apache.kafka.connect.transforms.Filter" \
	"transforms.drop.predicate=isDebug" \
	"predicates=isDebug" \
	"predicates.isDebug.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches" \
	'predicates.isDebug.pattern=.*-debug' \
	"key.converter=string" \
	"value.converter=string"
expect_out "Filter drops what the predicate matches and keeps the rest" "$T/filter.properties" \
	$'{"topic":"app-debug","value":"x"}\n{"topic":"app","value":"y"}\n{"topic":"a-debug-not","value":"z"}' \
	$'{"dropped":true}\n{"topic":"app","partition":null,"timestamp":null,"key":null,"value":"y","headers":[]}\n{"topic":"a-debug-not","partition":null,"timestamp":null,"key":null,"value":"z","headers":[]}'

cp "$T/filter.properties" "$T/negate.properties"
echo "transforms.drop.negate=true" >>"$T/negate.properties"
expect_out "negate=true drops what the predicate does not match" "$T/negate.properties" \
	$'{"topic":"app-debug","value":"x"}\n{"topic":"app","value":"y"}' \
	$'{"topic":"app-debug","partition":null,"timestamp":null,"key":null,"value":"x","headers":[]}\n{"dropped":true}'

# ---- converters: the worker's when the connector names none ----
props "$T/none.properties" "name=n"
props "$T/w.properties" "bootstrap.servers=embedded" "value.converter=string" \
	"key.converter=string"
expect_out "the worker file's converters apply (text that is not JSON passes)" \
	"$T/none.properties" '{"topic":"t","value":"not json"}' \
	'{"topic":"t","partition":null,"timestamp":null,"key":null,"value":"not json","headers":[]}' \
	-w "$T/w.properties"
out=$(printf '%s\n' '{"topic":"t","value":"not json"}' | "$SLUICE" transform -c "$T/none.properties" 2>&1)
check "without a worker file the json converter refuses text that is not JSON" \
	grep -qF '{"error":"value.converter: ' <<<"$out"

# ---- bad lines: each answered in its place, the rest go on ----
printf '%s\n' 'not json' '{"topic":"orders-raw","value":"1"}' '{"value":"1"}' \
	'{"topic":"t","key":5}' '{"topic":"t","value":"{broken"}' '' \
	'{"topic":"t","valeu":"1"}' '{"topic":"last-raw","value":"2"}' >"$T/bad.jsonl"
"$SLUICE" transform -c "$T/route.properties" <"$T/bad.jsonl" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
check "bad lines: exit 0" test "$rc" -eq 0
check "bad lines: one output line for each input line" \
	test "$(wc -l <"$T/bad.out")" -eq "$(wc -l <"$T/bad.jsonl")"
check "bad lines: errors where the bad lines were" \
	test "$(grep -c '^{"error":"' "$T/bad.out")" -eq 6
check "bad lines: the good records between them are transformed" \
	test "$(sed -n '2p;8p' "$T/bad.out" | grep -c '"value":"{\\"row\\":[12]}"')" -eq 2
check "bad lines: a value the converter refuses names the converter" \
	grep -qF '{"error":"value.converter: ' "$T/bad.out"
check "bad lines: an unknown field is named" \
	grep -qxF '{"error":"unknown field '"'"'valeu'"'"'"}' "$T/bad.out"
check "bad lines: nothing on stderr" test ! -s "$T/bad.err"

# ---- bad configs: every problem on stderr, exit 1, no output ----
props "$T/badcfg.properties" \
	"transforms=a,b" \
	"transforms.a.type=NoSuchTransform" \
	"transforms.b.type=org.apache.kafka.connect.transforms.RegexRouter" \
	"key.converter=nosuch"
out=$(echo '{"topic":"t"}' | "$SLUICE" transform -c "$T/badcfg.properties" 2>"$T/badcfg.err")
rc=$?
check "bad config: exit 1" test "$rc" -eq 1
check "bad config: no output" test -z "$out"
check "bad config: the unknown type is named" grep -qF "transforms.a.type" "$T/badcfg.err"
check "bad config: the missing regex is named" grep -qF "transforms.b.regex" "$T/badcfg.err"
check "bad config: the unknown converter is named" grep -qF "key.converter" "$T/badcfg.err"
"$SLUICE" transform -c "$T/missing.properties" </dev/null >/dev/null 2>&1
check "a connector file that does not exist: exit 1" test $? -eq 1
"$SLUICE" transform </dev/null >/dev/null 2>&1
check "no -c: usage error, exit 2" test $? -eq 2

# ---- the docs blocks ----
out=$("$SLUICE" plugins --markdown-transform HoistField)
check "--markdown-transform names the type values" grep -qF \
	'`org.apache.kafka.connect.transforms.HoistField$Key`' <<<"$out"
check "--markdown-transform shows the options table" grep -qF '| `field` |' <<<"$out"
"$SLUICE" plugins --markdown-transform NoSuch >/dev/null 2>&1
check "--markdown-transform of an unknown name: exit 1" test $? -eq 1

# ---- the REST API lists transformations and predicates ----
PORT=$(free_port)
API=http://127.0.0.1:$PORT
props "$T/rest.properties" "bootstrap.servers=embedded" \
	"offset.storage.file.filename=$T/offsets.json" "listeners=$API"
start_worker rest "$T/rest.properties"
check "worker answers" wait_for 30 curl -sf -o /dev/null "$API/"

# jq_check NAME PATH PYTHON-EXPR: the JSON body of GET PATH satisfies EXPR (j).
jq_check()
{
	local body
	body=$(curl -s "$API$2")
	if python3 -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$body" "$3" 2>/dev/null; then
		pass "$1"
	else
		fail "$1 (body: ${body:0:300})"
	fi
}
T_PKG=org.apache.kafka.connect.transforms
jq_check "plugins: transformations and predicates with connectorsOnly=false" \
	"/connector-plugins?connectorsOnly=false" \
	"({'class':'$T_PKG.RegexRouter','type':'transformation','version':j[0]['version']} in j and
	  {'class':'$T_PKG.HoistField\$Value','type':'transformation','version':j[0]['version']} in j and
	  {'class':'$T_PKG.predicates.TopicNameMatches','type':'predicate','version':j[0]['version']} in j)"
jq_check "plugins: a transform with variants is listed only with \$Key / \$Value" \
	"/connector-plugins?connectorsOnly=false" \
	"'$T_PKG.HoistField' not in [p['class'] for p in j] and '$T_PKG.HoistField\$Key' in [p['class'] for p in j]"
jq_check "plugins: none without connectorsOnly=false" "/connector-plugins" \
	"not [p for p in j if p['type'] in ('transformation','predicate')]"
jq_check "plugin config of a transformation: its own keys" \
	"/connector-plugins/$T_PKG.RegexRouter/config" \
	"sorted(k['name'] for k in j) == ['regex','replacement'] and all(k['required'] for k in j)"
jq_check "plugin config of a predicate" \
	"/connector-plugins/$T_PKG.predicates.TopicNameMatches/config" \
	"[k['name'] for k in j] == ['pattern'] and j[0]['group'] is None and j[0]['order'] == -1"
jq_check "plugin config of a transformation without options" \
	"/connector-plugins/$T_PKG.Filter/config" "j == []"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/connector-plugins/$T_PKG.HoistField/config")
check "plugin config of a transform without its \$Key / \$Value: 404" test "$code" = 404
stop_worker rest 20 >/dev/null

e2e_finish
