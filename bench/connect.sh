#!/usr/bin/env bash
# Apache Kafka Connect (standalone worker with the FileStream connectors) for
# the benchmarks: the jars are resolved by Maven from Maven Central, once,
# and the classpath is cached per version, like scripts/kafka.sh does for the
# broker.
#
#   bench/connect.sh fetch      resolve the classpath (instant when cached);
#                               prints it
#   bench/connect.sh fetch-debezium
#                               the same for the worker with Debezium's
#                               PostgreSQL source connector (and the PostgreSQL
#                               JDBC driver) instead of the file connectors
#
# Environment: CONNECT_VERSION (default: KAFKA_VERSION, else 4.1.1),
# LOG4J_VERSION (default 2.24.3), DEBEZIUM_VERSION (default 3.6.1.Final),
# JACKSON_VERSION (default 2.19.0, the one connect-json CONNECT_VERSION
# uses), XDG_CACHE_HOME.
set -euo pipefail

CONNECT_VERSION=${CONNECT_VERSION:-${KAFKA_VERSION:-4.1.1}}
LOG4J_VERSION=${LOG4J_VERSION:-2.24.3}
DEBEZIUM_VERSION=${DEBEZIUM_VERSION:-3.6.1.Final}
JACKSON_VERSION=${JACKSON_VERSION:-2.19.0}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/connect-$CONNECT_VERSION

die() { echo "connect.sh: $*" >&2; exit 1; }
# shellcheck source=scripts/maven-classpath.sh
source "$(dirname "$0")/../scripts/maven-classpath.sh"

# The pom (connect_pom); CONNECT_ARTIFACTS, EXTRA_DEPS and MANAGED_DEPS
# let fetch-debezium change it.
CONNECT_ARTIFACTS="connect-runtime connect-file connect-json"
EXTRA_DEPS=""
MANAGED_DEPS=""
write_pom() { connect_pom "$CACHE"; }

# Debezium's PostgreSQL source connector. Debezium 3.6 is built against
# connect-api 4.3 and Jackson 2.21: Connect's own 4.1.1 jars win (declared
# first), but jackson-datatype-jsr310 comes only from Debezium, so it is
# pinned to Connect's Jackson lest a 2.21 module run on a 2.19 databind. Its
# jars carry META-INF/services, so plugin.discovery=service_load finds the
# connector. The driver (org.postgresql:postgresql) comes with it. Debezium's
# JDBC sink (io.debezium:debezium-connector-jdbc) is not served by Maven
# Central here (3.6.1.Final: not found), so it is not in the pom. Its
# transforms (ExtractNewRecordState, ByLogicalTableRouter) are in
# debezium-connect-plugins since 3.6.
debezium_deps() {
	CACHE=$CACHE-debezium-smt-$DEBEZIUM_VERSION
	CONNECT_ARTIFACTS="connect-runtime connect-json"
	EXTRA_DEPS="
    <dependency>
      <groupId>io.debezium</groupId>
      <artifactId>debezium-connector-postgres</artifactId>
      <version>$DEBEZIUM_VERSION</version>
    </dependency>
    <dependency>
      <groupId>io.debezium</groupId>
      <artifactId>debezium-connect-plugins</artifactId>
      <version>$DEBEZIUM_VERSION</version>
    </dependency>"
	MANAGED_DEPS="
      <dependency>
        <groupId>com.fasterxml.jackson.datatype</groupId>
        <artifactId>jackson-datatype-jsr310</artifactId>
        <version>$JACKSON_VERSION</version>
      </dependency>"
}


cmd_fetch() {
	maven_classpath "$CACHE" "Kafka Connect $CONNECT_VERSION (org.apache.kafka:connect-runtime)" write_pom ||
		die "cannot get the Kafka Connect classpath"
}

cmd_fetch_debezium() {
	debezium_deps
	maven_classpath "$CACHE" "Kafka Connect $CONNECT_VERSION with Debezium $DEBEZIUM_VERSION" write_pom ||
		die "cannot get the Kafka Connect + Debezium classpath"
}

case ${1:-} in
fetch) cmd_fetch ;;
fetch-debezium) cmd_fetch_debezium ;;
*) echo "usage: $0 fetch|fetch-debezium" >&2; exit 2 ;;
esac
