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
# shellcheck source=scripts/maven-classpath.sh
source "$(dirname "$0")/../scripts/maven-classpath.sh"

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


cmd_fetch() {
	maven_classpath "$CACHE" "Kafka Connect $CONNECT_VERSION (org.apache.kafka:connect-runtime)" write_pom ||
		die "cannot get the Kafka Connect classpath"
}

case ${1:-} in
fetch) cmd_fetch ;;
*) echo "usage: $0 fetch" >&2; exit 2 ;;
esac
