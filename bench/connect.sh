#!/usr/bin/env bash
# Apache Kafka Connect (standalone worker with the FileStream connectors) for
# the benchmarks: the jars are resolved by Maven from Maven Central, once,
# and the classpath is cached per version, like scripts/kafka.sh does for the
# broker.
#
#   bench/connect.sh fetch      resolve the classpath (instant when cached);
#                               prints it
#
# Environment: CONNECT_VERSION (default: KAFKA_VERSION, else 4.1.1),
# LOG4J_VERSION (default 2.24.3), XDG_CACHE_HOME.
set -euo pipefail

CONNECT_VERSION=${CONNECT_VERSION:-${KAFKA_VERSION:-4.1.1}}
LOG4J_VERSION=${LOG4J_VERSION:-2.24.3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/connect-$CONNECT_VERSION

die() { echo "connect.sh: $*" >&2; exit 1; }

# The pom: the worker runtime, the file connectors, the JSON converter and
# the log4j2 backend with the slf4j 1.x binding (what Kafka's bin scripts
# ship).
write_pom() {
	local a deps=""
	for a in connect-runtime connect-file connect-json; do
		deps+="
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>$a</artifactId>
      <version>$CONNECT_VERSION</version>
    </dependency>"
	done
	for a in log4j-core log4j-slf4j-impl; do
		deps+="
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>$a</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>"
	done
	cat >"$CACHE/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.bench</groupId>
  <artifactId>kafka-connect-classpath</artifactId>
  <version>$CONNECT_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>$deps
  </dependencies>
</project>
POM
}

# True when every jar of the cached classpath still exists.
classpath_ok() {
	local IFS=: jar
	for jar in $(<"$CACHE/classpath.txt"); do
		[[ -f $jar ]] || return 1
	done
}

cmd_fetch() {
	command -v java >/dev/null || die "java not found (run scripts/install-deps.sh)"
	if [[ -s $CACHE/classpath.txt ]] && classpath_ok; then
		cat "$CACHE/classpath.txt"
		return
	fi
	command -v mvn >/dev/null || die "mvn not found (run scripts/install-deps.sh)"
	mkdir -p "$CACHE"
	write_pom
	echo "connect.sh: resolving Kafka Connect $CONNECT_VERSION with Maven (once)" >&2
	rm -f "$CACHE/classpath.txt"
	if ! (cd "$CACHE" && mvn -q -B dependency:build-classpath \
		-Dmdep.outputFile=classpath.txt -Dmdep.includeScope=runtime >"$CACHE/mvn.log" 2>&1); then
		tail -n 30 "$CACHE/mvn.log" >&2
		die "maven could not resolve org.apache.kafka:connect-runtime:$CONNECT_VERSION"
	fi
	classpath_ok || die "resolved classpath names missing jars"
	cat "$CACHE/classpath.txt"
}

case ${1:-} in
fetch) cmd_fetch ;;
*) echo "usage: $0 fetch" >&2; exit 2 ;;
esac
