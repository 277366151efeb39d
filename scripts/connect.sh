#!/usr/bin/env bash
# A real Apache Kafka Connect worker (standalone mode, the FileStream
# connectors and the JSON converter on its classpath) for the e2e tests that
# hold sluice's REST API against the real one. The jars are resolved by Maven
# from Maven Central once; the classpath is cached per version, in the same
# place bench/connect.sh caches it.
#
#   scripts/connect.sh fetch      resolve the classpath (instant when cached)
#   scripts/connect.sh classpath  print it
#   scripts/connect.sh start DIR BOOTSTRAP [KEY=VALUE...]
#                                 start a standalone worker with no connector
#                                 (they come over REST) on the broker at
#                                 BOOTSTRAP, its state, config and log in
#                                 DIR; KEY=VALUE pairs are added to (or
#                                 replace) its worker properties. Prints the
#                                 REST URL (also in DIR/url) once GET
#                                 /health answers 200
#   scripts/connect.sh stop DIR   stop the worker started in DIR (by PID)
#
# With group.id among the KEY=VALUE pairs the worker runs in distributed
# mode (ConnectDistributed), as Kafka Connect decides by its config file;
# its internal topics are then set by the pairs too.
#
# Environment: CONNECT_VERSION (default: KAFKA_VERSION, else 4.1.1, the
# broker's version), LOG4J_VERSION (default 2.24.3), CONNECT_HEAP (default
# -Xms64m -Xmx256m), CONNECT_START_TIMEOUT seconds (default 90),
# CONNECT_CLASSPATH (a classpath to run instead of the FileStream one, e.g.
# bench/connect.sh fetch-debezium's), XDG_CACHE_HOME.
set -euo pipefail

CONNECT_VERSION=${CONNECT_VERSION:-${KAFKA_VERSION:-4.1.1}}
LOG4J_VERSION=${LOG4J_VERSION:-2.24.3}
CONNECT_HEAP=${CONNECT_HEAP:--Xms64m -Xmx256m}
CONNECT_START_TIMEOUT=${CONNECT_START_TIMEOUT:-90}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/connect-$CONNECT_VERSION

die() { echo "connect.sh: $*" >&2; exit 1; }
# shellcheck source=scripts/maven-classpath.sh
source "$(dirname "$0")/maven-classpath.sh"

# The pom: the worker runtime, the file connectors and the JSON converter
# (connect_pom's defaults), the same as bench/connect.sh's, so the cached
# classpath serves both.
write_pom() { connect_pom "$CACHE"; }

cmd_fetch() {
	maven_classpath "$CACHE" "Kafka Connect $CONNECT_VERSION (org.apache.kafka:connect-runtime)" write_pom ||
		die "cannot get the Kafka Connect classpath"
}

# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# write_config DIR BOOTSTRAP PORT [KEY=VALUE...]: the worker properties and
# a log4j2 config logging INFO to DIR/connect.log. String converters keep a
# line's bytes the record's bytes; service_load finds the connectors by
# their META-INF/services entries on the classpath without scanning jars
# (a faster start). A later KEY=VALUE wins over an earlier one.
write_config() {
	local dir=$1 bootstrap=$2 port=$3 offsets="offset.storage.file.filename=$dir/connect.offsets"
	shift 3
	# a distributed worker takes other offset.storage.* keys as configs of
	# its offsets topic (and refuses file.filename)
	[[ " $* " == *" group.id="* ]] && offsets="offset.storage.partitions=25"
	{
		printf '%s\n' \
			"bootstrap.servers=$bootstrap" \
			"listeners=http://127.0.0.1:$port" \
			"$offsets" \
			"offset.flush.interval.ms=500" \
			"key.converter=org.apache.kafka.connect.storage.StringConverter" \
			"value.converter=org.apache.kafka.connect.storage.StringConverter" \
			"plugin.discovery=service_load" \
			"consumer.session.timeout.ms=6000" \
			"consumer.heartbeat.interval.ms=1000"
		(($# == 0)) || printf '%s\n' "$@"
	} | awk -F= '{ key[NR] = $1; line[NR] = $0; last[$1] = NR }
		END { for (i = 1; i <= NR; i++) if (last[key[i]] == i) print line[i] }' \
		>"$dir/worker.properties"
	cat >"$dir/log4j2.properties" <<'LOG'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:connect.log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
LOG
}

# True while the process in DIR/connect.pid is alive.
alive() {
	local pid
	pid=$(cat "$1/connect.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null
}

# True once the worker at URL says it is ready: GET /health answers 200
# (503 while the worker is still starting, when GET / may already answer).
answers() {
	[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1/health" 2>/dev/null) == 200 ]]
}

cmd_start() {
	local dir=${1:-} bootstrap=${2:-}
	[[ -n $dir && -n $bootstrap ]] || die "usage: connect.sh start DIR BOOTSTRAP [KEY=VALUE...]"
	shift 2
	command -v curl >/dev/null || die "curl not found (run scripts/install-deps.sh)"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	alive "$dir" && die "a Kafka Connect worker already runs from $dir (pid $(cat "$dir/connect.pid"))"
	local cp port url heap main=ConnectStandalone
	cp=${CONNECT_CLASSPATH:-$(cmd_fetch)}
	[[ " $* " == *" group.id="* ]] && main=ConnectDistributed
	port=$(free_port)
	url=http://127.0.0.1:$port
	write_config "$dir" "$bootstrap" "$port" "$@"
	read -ra heap <<<"$CONNECT_HEAP"
	# setsid: the worker gets its own process group and not the terminal's
	# Ctrl-C; it is stopped by PID. No connector file: Kafka Connect 4.x
	# starts an empty standalone worker managed over REST.
	setsid java "${heap[@]}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
		-Dconnect.log.file="$dir/connect.log" \
		-Dlog4j2.configurationFile="file:$dir/log4j2.properties" \
		-cp "$cp" "org.apache.kafka.connect.cli.$main" "$dir/worker.properties" \
		>>"$dir/stdout.log" 2>&1 </dev/null &
	echo $! >"$dir/connect.pid"
	echo "$url" >"$dir/url"

	local deadline=$((SECONDS + CONNECT_START_TIMEOUT))
	until answers "$url"; do
		if ! alive "$dir" || ((SECONDS >= deadline)); then
			echo "connect.sh: Kafka Connect was not ready on $url/health within ${CONNECT_START_TIMEOUT}s; log tail:" >&2
			tail -n 40 "$dir/connect.log" "$dir/stdout.log" >&2 2>/dev/null || true
			cmd_stop "$dir" >/dev/null 2>&1 || true
			exit 1
		fi
		sleep 0.3
	done
	echo "$url"
}

# SIGTERM, then SIGKILL after 20 s: Kafka Connect 4.1.1 now and then hangs
# in Jetty's shutdown.
cmd_stop() {
	local dir=${1:-}
	[[ -n $dir ]] || die "usage: connect.sh stop DIR"
	local pid i
	pid=$(cat "$dir/connect.pid" 2>/dev/null) || { echo "connect.sh: no worker pid in $dir" >&2; return 0; }
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 200; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "connect.sh: worker $pid ignored SIGTERM for 20s; SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
		fi
	fi
	rm -f "$dir/connect.pid"
}

case ${1:-} in
fetch) cmd_fetch >/dev/null; echo "connect.sh: Kafka Connect $CONNECT_VERSION classpath in $CACHE/classpath.txt" ;;
classpath) cmd_fetch ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
*) echo "usage: $0 fetch | classpath | start DIR BOOTSTRAP [KEY=VALUE...] | stop DIR" >&2; exit 2 ;;
esac
