# shellcheck shell=bash
# The file workloads: lines of a file into a topic (source) and a topic's
# records into a file (sink), run by
#   limit  : bench/kbench.c, a bare librdkafka producer / consumer with
#            sluice's client settings;
#   anchor : Apache Kafka Connect standalone, FileStreamSource / FileStreamSink,
#            with sluice's client settings mirrored (connect_worker, lib.sh);
#   anchor0: the same with Kafka Connect's own client defaults;
#   sluice : file-source / file-sink.
# Kafka Connect and sluice run the very same connector .properties file.
#
# A workload is "file:BYTES:PARTITIONS:LINES": LINES lines whose record
# (the line without its newline) is BYTES long, one topic of PARTITIONS.
# "file:BYTES:PARTITIONS:LINES:transforms" (workload file-<B>B-<P>p-tx,
# source direction only) runs the same with a transform chain in the
# connector file, run alike by Kafka Connect and sluice: HoistField$Value
# (the line becomes a struct {line}), InsertField$Value (a static field
# origin=bench) and RegexRouter (the records written to "<topic>-raw"
# land in "<topic>"), values as schemaless JSON. "...:json" (workload
# file-<B>B-<P>p-json, source only) is the same without the transforms:
# the line as a schemaless JSON string, written to "<topic>" itself; run
# both for the cost of the chain.
# Sourced by bench/run.sh, which calls file_prepare SPEC, then file_run
# DIRECTION CONTESTANT REP for each run, then file_cleanup.

BENCH_DEFAULT_WORKLOADS+=(
	"file:100:1:${BENCH_LINES:-5000000}"
	"file:100:6:${BENCH_LINES_6P:-5000000}"
	"file:1000:1:${BENCH_LINES_1K:-1000000}"
)

# file_data BYTES LINES: prints the path of the input file, generating it
# once: "0000000001 abcd...", a 10-digit sequence number padded with fixed
# text to BYTES bytes, then a newline.
file_data()
{
	local bytes=$1 lines=$2 f=$OUT/data/lines-$1B-$2.txt
	if [[ ! -s $f ]]; then
		mkdir -p "$OUT/data"
		awk -v n="$lines" -v w="$bytes" 'BEGIN {
			pad = ""
			while (length(pad) < w) pad = pad "abcdefghijklmnopqrstuvwxyz0123456789"
			pad = substr(pad, 1, w - 11)
			for (i = 1; i <= n; i++) printf "%010d %s\n", i, pad
		}' >"$f.tmp" && mv "$f.tmp" "$f"
	fi
	echo "$f"
}

file_prepare()
{
	local spec=$1
	IFS=: read -r _ FILE_BYTES FILE_PARTS FILE_LINES FILE_TX <<<"$spec"
	WL_NAME=file-${FILE_BYTES}B-${FILE_PARTS}p
	WL_DIRECTIONS=(source sink)
	case ${FILE_TX:-} in
	"") ;;
	transforms)
		WL_NAME+=-tx
		WL_DIRECTIONS=(source)
		;;
	json)
		WL_NAME+=-json
		WL_DIRECTIONS=(source)
		;;
	*) die "unknown file workload variant '$FILE_TX' (transforms or json)" ;;
	esac
	WL_RECORDS=$FILE_LINES
	WL_BYTES=$((FILE_LINES * FILE_BYTES))
	WL_DESC="$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$FILE_LINES") lines of $FILE_BYTES B, $FILE_PARTS partition$( ((FILE_PARTS > 1)) && echo s)"
	[[ ${FILE_TX:-} == transforms ]] &&
		WL_DESC+=", transforms HoistField + InsertField + RegexRouter, schemaless JSON values (the limit: no transforms)"
	[[ ${FILE_TX:-} == json ]] &&
		WL_DESC+=", schemaless JSON values, no transforms"
	WL_LIMIT="librdkafka (bench/kbench.c)"
	WL_ANCHOR="Kafka Connect $CONNECT_VERSION (FileStreamSource, FileStreamSink)"
	WL_ANCHOR_DEFAULTS=1
	CONNECT_CP=$("$BENCH_DIR/connect.sh" fetch) || die "could not fetch Kafka Connect"
	CONNECT_CP_DESC="connect-runtime, connect-file, connect-json $CONNECT_VERSION and dependencies"
	FILE_INPUT=$(file_data "$FILE_BYTES" "$FILE_LINES")
	# The sink direction reads one topic, filled once by the bare producer.
	FILE_SINK_TOPIC=bench-$WL_NAME-sink-$RUN_ID
	"$KBENCH" "$BOOTSTRAP" create-topic "$FILE_SINK_TOPIC" "$FILE_PARTS" || return 1
	"$KBENCH" "$BOOTSTRAP" produce "$FILE_INPUT" "$FILE_SINK_TOPIC" 2>/dev/null || return 1
	local have
	have=$("$KBENCH" "$BOOTSTRAP" watermarks "$FILE_SINK_TOPIC")
	((have == FILE_LINES)) || die "$FILE_SINK_TOPIC holds $have records, not $FILE_LINES"
}

# file_connector FILE KEY=VALUE...: a connector .properties file (the same
# one is run by Kafka Connect and by sluice).
file_connector()
{
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
}

# file_json_values FILE: schemaless JSON values in the connector file.
file_json_values()
{
	printf '%s\n' "value.converter=org.apache.kafka.connect.json.JsonConverter" \
		"value.converter.schemas.enable=false" >>"$1"
}

# file_transforms FILE TOPIC: makes the source connector file write to
# TOPIC-raw through the transforms workload's chain, which routes back to
# TOPIC.
file_transforms()
{
	sed -i "s/^topic=.*/topic=$2-raw/" "$1"
	file_json_values "$1"
	printf '%s\n' "transforms=hoist,origin,route" \
		"transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField\$Value" \
		"transforms.hoist.field=line" \
		"transforms.origin.type=org.apache.kafka.connect.transforms.InsertField\$Value" \
		"transforms.origin.static.field=origin" "transforms.origin.static.value=bench" \
		"transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter" \
		"transforms.route.regex=(.*)-raw" "transforms.route.replacement=\$1" >>"$1"
}

# file_run DIRECTION CONTESTANT REP: one measured run in RUN_DIR.
file_run()
{
	local dir=$1 who=$2 rep=$3 name topic out cmd daemon=--daemon
	local row="$WL_NAME	$dir	$who	$rep"
	name=bench-$WL_NAME-$dir-$who-$rep-$RUN_ID
	if [[ $dir == source ]]; then
		topic=$name
		"$KBENCH" "$BOOTSTRAP" create-topic "$topic" "$FILE_PARTS" || return 1
		file_connector "$RUN_DIR/connector.properties" "name=$name" \
			"connector.class=FileStreamSource" "tasks.max=1" "file=$FILE_INPUT" \
			"topic=$topic" "batch.size=10000"
		case ${FILE_TX:-} in
		transforms) file_transforms "$RUN_DIR/connector.properties" "$topic" ;;
		json) file_json_values "$RUN_DIR/connector.properties" ;;
		esac
	else
		out=$RUN_DIR/out.txt
		file_connector "$RUN_DIR/connector.properties" "name=$name" \
			"connector.class=FileStreamSink" "tasks.max=1" "topics=$FILE_SINK_TOPIC" \
			"file=$out"
	fi
	case $who in
	limit)
		daemon=
		if [[ $dir == source ]]; then
			CMD=("$KBENCH" "$BOOTSTRAP" produce "$FILE_INPUT" "$topic")
		else
			CMD=("$KBENCH" "$BOOTSTRAP" consume "$FILE_SINK_TOPIC" "connect-$name" \
				"$FILE_LINES" "$out")
		fi
		;;
	anchor | anchor0)
		connect_worker "$RUN_DIR/worker.properties" "$who"
		connect_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
		;;
	sluice)
		sluice_worker "$RUN_DIR/worker.properties"
		sluice_cmd "$RUN_DIR/worker.properties" "$RUN_DIR/connector.properties"
		;;
	esac
	local rc=0
	if [[ $dir == source ]]; then
		measure $daemon "$row" topic "$topic" "$FILE_LINES" "$WL_BYTES" -- "${CMD[@]}" || rc=1
		"$KBENCH" "$BOOTSTRAP" delete-topic "$topic" || true
	else
		measure $daemon "$row" file "$out" "$FILE_LINES" "$WL_BYTES" -- "${CMD[@]}" || rc=1
		local lines
		lines=$(wc -l <"$out" 2>/dev/null || echo 0)
		if ((rc == 0 && lines != FILE_LINES)); then
			log "$row: the output has $lines lines, not $FILE_LINES"
			rc=1
		fi
		rm -f "$out"
	fi
	return "$rc"
}

file_cleanup()
{
	"$KBENCH" "$BOOTSTRAP" delete-topic "$FILE_SINK_TOPIC" || true
}
