# Sourced by scripts that run Java from Maven Central jars (scripts/kafka.sh,
# bench/connect.sh): resolves the runtime classpath of a generated pom.xml
# once and caches it in that pom's directory.
#
#   maven_classpath DIR WHAT WRITE_POM   prints the classpath; WRITE_POM is a
#                                        function writing DIR/pom.xml, WHAT
#                                        names the artifact in messages.
# Returns 1 with the reason on stderr when it cannot.

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
