# Sourced by scripts that run Java from Maven Central jars (scripts/kafka.sh,
# scripts/connect.sh, bench/connect.sh): resolves the runtime classpath of a
# generated pom.xml once and caches it in that pom's directory.
#
#   maven_classpath DIR WHAT WRITE_POM   prints the classpath; WRITE_POM is a
#                                        function writing DIR/pom.xml, WHAT
#                                        names the artifact in messages.
# Returns 1 with the reason on stderr when it cannot.
#
#   connect_pom DIR                      writes DIR/pom.xml of a Kafka
#                                        Connect worker (see below).

# True when every jar of DIR's cached classpath still exists (the local
# Maven repository may have been cleaned).
maven_classpath_ok() {
	local IFS=: jar
	for jar in $(<"$1/classpath.txt"); do
		[[ -f $jar ]] || return 1
	done
}

maven_classpath() {
	local dir=$1 what=$2 write_pom=$3
	command -v java >/dev/null || { echo "java not found (run scripts/install-deps.sh)" >&2; return 1; }
	if [[ -s $dir/classpath.txt ]] && maven_classpath_ok "$dir"; then
		cat "$dir/classpath.txt"
		return
	fi
	command -v mvn >/dev/null || { echo "mvn not found (run scripts/install-deps.sh)" >&2; return 1; }
	mkdir -p "$dir"
	"$write_pom"
	echo "resolving $what with Maven (once)" >&2
	rm -f "$dir/classpath.txt"
	if ! (cd "$dir" && mvn -q -B dependency:build-classpath \
		-Dmdep.outputFile=classpath.txt -Dmdep.includeScope=runtime >"$dir/mvn.log" 2>&1); then
		tail -n 30 "$dir/mvn.log" >&2
		echo "maven could not resolve $what" >&2
		return 1
	fi
	maven_classpath_ok "$dir" || { echo "resolved classpath names missing jars" >&2; return 1; }
	cat "$dir/classpath.txt"
}

# The pom of a Kafka Connect CONNECT_VERSION worker: CONNECT_ARTIFACTS
# (default: the runtime, the file connectors and the JSON converter) and the
# log4j2 LOG4J_VERSION backend with the slf4j 1.x binding (what Kafka's bin
# scripts ship), then EXTRA_DEPS and MANAGED_DEPS (XML, may be empty).
# Connect comes first: Maven keeps the nearest, first declared version of a
# jar, so these win over the versions other connectors were built with.
connect_pom() {
	local dir=$1 a deps=""
	for a in ${CONNECT_ARTIFACTS:-connect-runtime connect-file connect-json}; do
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
	cat >"$dir/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice</groupId>
  <artifactId>kafka-connect-classpath</artifactId>
  <version>$CONNECT_VERSION</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>${MANAGED_DEPS:-}
    </dependencies>
  </dependencyManagement>
  <dependencies>$deps${EXTRA_DEPS:-}
  </dependencies>
</project>
POM
}
