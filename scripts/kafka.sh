#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, combined broker+controller) for the e2e
# tests and benchmarks, run from jars resolved by Maven (cached in the local
# Maven repository; the classpath is cached per version).
#
#   scripts/kafka.sh fetch        resolve the classpath (instant when cached)
#   scripts/kafka.sh classpath    print it (for the broker's own admin tools)
#   scripts/kafka.sh start DIR    start a broker with its state in DIR; prints
#                                 the bootstrap address (also in DIR/bootstrap).
#                                 Again after stop: restarts it on the same
#                                 ports with the same data
#   scripts/kafka.sh stop DIR     stop the broker started in DIR (by PID)
#   scripts/kafka.sh kill DIR     SIGKILL it (a crash: no clean shutdown);
#                                 start DIR brings it back as after stop
#
# Environment: KAFKA_VERSION (default 4.1.1), KAFKA_HEAP (default -Xmx512m),
# KAFKA_START_TIMEOUT seconds (default 60), XDG_CACHE_HOME.
set -euo pipefail

KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
LOG4J_VERSION=${LOG4J_VERSION:-2.24.3}
KAFKA_HEAP=${KAFKA_HEAP:--Xms256m -Xmx512m}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/kafka-$KAFKA_VERSION

die() { echo "kafka.sh: $*" >&2; exit 1; }
# shellcheck source=scripts/maven-classpath.sh
source "$(dirname "$0")/maven-classpath.sh"

# Writes the pom naming the broker and the logging backend its bin scripts
# ship (log4j2 with the slf4j 1.x binding, since Kafka 4.x uses slf4j-api 1.7).
write_pom() {
	cat >"$CACHE/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.test</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
}

# Prints the broker classpath, resolving it first when not cached.
cmd_fetch() {
	maven_classpath "$CACHE" "Kafka $KAFKA_VERSION (org.apache.kafka:kafka_2.13)" write_pom ||
		die "cannot get the broker classpath"
}


# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding,
# not starting with "-" (kafka-storage would take it for an option, as
# Kafka's own Uuid.randomUuid avoids too).
random_uuid() {
	python3 -c 'import uuid,base64
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break'
}

write_config() {
	local dir=$1 port=$2 cport=$3
	cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
log.flush.interval.messages=9223372036854775807
file.delete.delay.ms=1000
PROPS
	cat >"$dir/log4j2.properties" <<'LOG'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
LOG
}

# True while the process in DIR/kafka.pid is alive.
alive() {
	local pid
	pid=$(cat "$1/kafka.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null
}

cmd_start() {
	local dir=${1:-}
	[[ -n $dir ]] || die "usage: kafka.sh start DIR"
	command -v kcat >/dev/null || die "kcat not found (run scripts/install-deps.sh)"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	alive "$dir" && die "a broker already runs from $dir (pid $(cat "$dir/kafka.pid"))"
	local cp port cport restart=0
	cp=$(cmd_fetch)
	if [[ -f $dir/data/meta.properties && -f $dir/server.properties ]]; then
		# A restart: same ports (clients reconnect to the same address)
		# and the same data.
		restart=1
		port=$(sed -n 's/^listeners=PLAINTEXT:\/\/127.0.0.1:\([0-9]*\),.*/\1/p' "$dir/server.properties")
		[[ -n $port ]] || die "cannot read the port from $dir/server.properties"
	else
		port=$(free_port)
		cport=$(free_port)
		while [[ $cport == "$port" ]]; do cport=$(free_port); done
		write_config "$dir" "$port" "$cport"
	fi
	mkdir -p "$dir/logs"
	local heap jvm
	read -ra heap <<<"$KAFKA_HEAP"
	jvm=(java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
		-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
		-Dkafka.logs.dir="$dir/logs"
		-Dlog4j2.configurationFile="file:$dir/log4j2.properties"
		-cp "$cp")

	if ((restart == 0)) && ! "${jvm[@]}" kafka.tools.StorageTool format --standalone \
		-t "$(random_uuid)" -c "$dir/server.properties" >"$dir/logs/format.log" 2>&1; then
		cat "$dir/logs/format.log" >&2
		die "formatting the storage in $dir/data failed"
	fi

	# setsid: the broker gets its own process group and does not get the
	# terminal's Ctrl-C; it is stopped by PID.
	setsid "${jvm[@]}" kafka.Kafka "$dir/server.properties" \
		>"$dir/logs/stdout.log" 2>&1 </dev/null &
	echo $! >"$dir/kafka.pid"
	echo "127.0.0.1:$port" >"$dir/bootstrap"

	local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
	until kcat -b "127.0.0.1:$port" -L -m 2 >/dev/null 2>&1; do
		if ! alive "$dir" || ((SECONDS >= deadline)); then
			echo "kafka.sh: broker did not come up within ${KAFKA_START_TIMEOUT}s; log tail:" >&2
			tail -n 40 "$dir/logs/server.log" "$dir/logs/stdout.log" >&2 2>/dev/null || true
			cmd_stop "$dir" >/dev/null 2>&1 || true
			exit 1
		fi
		sleep 0.3
	done
	echo "127.0.0.1:$port"
}

cmd_stop() {
	local dir=${1:-}
	[[ -n $dir ]] || die "usage: kafka.sh stop DIR"
	local pid
	pid=$(cat "$dir/kafka.pid" 2>/dev/null) || { echo "kafka.sh: no broker pid in $dir" >&2; return 0; }
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		local i
		for ((i = 0; i < 200; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "kafka.sh: broker $pid ignored SIGTERM for 20s; SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
		fi
	fi
	rm -f "$dir/kafka.pid"
}

# SIGKILLs the broker started in DIR and waits until it is gone.
cmd_kill() {
	local dir=${1:-} pid
	[[ -n $dir ]] || die "usage: kafka.sh kill DIR"
	pid=$(cat "$dir/kafka.pid" 2>/dev/null) || die "no broker pid in $dir"
	kill -KILL "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$dir/kafka.pid"
}

case ${1:-} in
fetch) cmd_fetch >/dev/null; echo "kafka.sh: Kafka $KAFKA_VERSION classpath in $CACHE/classpath.txt" ;;
classpath) cmd_fetch ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
kill) shift; cmd_kill "$@" ;;
*) echo "usage: $0 fetch | classpath | start DIR | stop DIR | kill DIR" >&2; exit 2 ;;
esac
