#!/usr/bin/env bash
# The reference of the transforms compatibility test: Apache Kafka Connect's
# own transforms, predicates and converters (connect-transforms, connect-json,
# connect-runtime for ByteArrayConverter) and Debezium's SMTs
# (debezium-connect-plugins: ExtractNewRecordState, ByLogicalTableRouter),
# jars from Maven Central resolved once and cached, driven by
# tests/compat/transforms/TransformRef.java (compiled with javac, cached
# until the source changes).
#
#   scripts/transforms-ref.sh fetch      resolve the classpath and compile;
#                                        prints the classpath to run with
#   scripts/transforms-ref.sh run CONNECTOR.properties < in.jsonl > out.jsonl
#   scripts/transforms-ref.sh cases CASES_DIR OUT_DIR [NAME...]
#                                        every case (or those named) in one
#                                        JVM: OUT_DIR/<name>.out, or
#                                        OUT_DIR/<name>.refused for a config
#                                        Kafka Connect refuses
#
# Environment: CONNECT_VERSION (default: KAFKA_VERSION, else 4.1.1),
# DEBEZIUM_VERSION (default 3.6.1.Final), JACKSON_VERSION (default 2.19.0),
# as bench/connect.sh takes them; XDG_CACHE_HOME.
set -euo pipefail

CONNECT_VERSION=${CONNECT_VERSION:-${KAFKA_VERSION:-4.1.1}}
DEBEZIUM_VERSION=${DEBEZIUM_VERSION:-3.6.1.Final}
JACKSON_VERSION=${JACKSON_VERSION:-2.19.0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=$ROOT/tests/compat/transforms
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/transforms-ref-$CONNECT_VERSION-debezium-$DEBEZIUM_VERSION

die() { echo "transforms-ref.sh: $*" >&2; exit 1; }
# Kafka Connect's own transforms (connect-transforms, a dependency of
# connect-runtime) and Debezium's (debezium-connect-plugins): the classpath
# bench/connect.sh resolves for Kafka Connect with Debezium, so the pom and
# its Jackson pin live in one place.
classpath() {
	CONNECT_VERSION=$CONNECT_VERSION DEBEZIUM_VERSION=$DEBEZIUM_VERSION \
		JACKSON_VERSION=$JACKSON_VERSION "$ROOT/bench/connect.sh" fetch-debezium ||
		die "cannot get the classpath of the reference transforms"
}

# Compiles TransformRef.java into $CACHE/classes when the source changed
# (its checksum is kept beside the classes); prints the run classpath.
cmd_fetch() {
	local cp sum
	cp=$(classpath) || exit 1
	command -v javac >/dev/null || die "javac not found (run scripts/install-deps.sh)"
	sum=$(sha256sum "$SRC/TransformRef.java" | cut -d' ' -f1)
	if [[ $(cat "$CACHE/classes/source.sha256" 2>/dev/null) != "$sum" ]]; then
		rm -rf "$CACHE/classes"
		mkdir -p "$CACHE/classes"
		javac -nowarn -encoding UTF-8 -d "$CACHE/classes" -cp "$cp" "$SRC/TransformRef.java" >&2 ||
			die "javac failed on $SRC/TransformRef.java"
		echo "$sum" >"$CACHE/classes/source.sha256"
	fi
	echo "$CACHE/classes:$cp"
}

# The JVM: small heap, quick start, logging (Debezium's, Connect's) at WARN
# on stderr so stdout carries only result lines.
java_ref() {
	local cp
	cp=$(cmd_fetch) || exit 1
	exec java -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
		-Djava.awt.headless=true -Dfile.encoding=UTF-8 \
		-Dlog4j2.configurationFile="file:$SRC/log4j2.properties" \
		-cp "$cp" TransformRef "$@"
}

case ${1:-} in
fetch) cmd_fetch ;;
run)
	[[ $# == 2 ]] || die "usage: transforms-ref.sh run CONNECTOR.properties < in.jsonl"
	java_ref "$2"
	;;
cases)
	[[ $# -ge 3 ]] || die "usage: transforms-ref.sh cases CASES_DIR OUT_DIR [NAME...]"
	shift
	java_ref --cases "$@"
	;;
*) echo "usage: $0 fetch|run CONNECTOR.properties|cases CASES_DIR OUT_DIR [NAME...]" >&2; exit 2 ;;
esac
