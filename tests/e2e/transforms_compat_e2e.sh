#!/usr/bin/env bash
# Compatibility test of sluice's single message transforms and predicates
# against the real ones: every case of tests/compat/transforms/cases (a
# connector config <name>.properties and its input records <name>.jsonl)
# runs through Apache Kafka Connect's own connect-transforms and Debezium's
# SMTs (scripts/transforms-ref.sh: jars from Maven Central, the chain driven
# by TransformRef.java as a sink task's worker would drive it) and through
# `sluice transform -c`, and the converted records are compared line by line
# (tests/compat/transforms/compare.py). A difference fails its case unless
# tests/e2e/transforms_compat_known.txt lists it with its reason. A config
# Kafka Connect refuses (cases refuse_*, and any other) must be refused by
# sluice too, naming the key a "# refused: KEY" line of the case names.
#
# No broker is needed: both sides read and write records as JSON lines.
#
# Environment: SLUICE (the binary), TRANSFORMS_COMPAT_CASES (names of the
# cases to run, space-separated; default all), TRANSFORMS_COMPAT_STRICT_ERRORS=1
# (records failing on both sides must fail with the same message), E2E_KEEP=1.
source "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
COMPAT=$E2E_ROOT/tests/compat/transforms
CASES=$COMPAT/cases
KNOWN=$HERE/transforms_compat_known.txt
REF_SH=$E2E_ROOT/scripts/transforms-ref.sh
REF_OUT=$E2E_TMP/kafka-connect
OUR_OUT=$E2E_TMP/sluice
TIMEOUT=${TRANSFORMS_COMPAT_TIMEOUT:-60}

need java javac mvn python3 timeout

# The cases to run: those named, else every config in the cases folder.
cases=()
if [[ -n ${TRANSFORMS_COMPAT_CASES:-} ]]; then
	read -ra cases <<<"$TRANSFORMS_COMPAT_CASES"
else
	for f in "$CASES"/*.properties; do
		cases+=("$(basename "$f" .properties)")
	done
fi
for c in "${cases[@]}"; do
	[[ -f $CASES/$c.properties && -f $CASES/$c.jsonl ]] || {
		fail "case $c: $CASES/$c.properties or .jsonl is missing"
		e2e_finish
	}
done
log "${#cases[@]} cases"

# The reference: every case in one JVM (the classpath is resolved and the
# program compiled once, then cached).
log "Kafka Connect's transforms on every case"
if ! nice -n 10 "$REF_SH" cases "$CASES" "$REF_OUT" "${cases[@]}" >"$E2E_TMP/ref.log" 2>&1; then
	cat "$E2E_TMP/ref.log"
	fail "run the cases through Kafka Connect's transforms (scripts/transforms-ref.sh)"
	e2e_finish
fi
pass "run the cases through Kafka Connect's transforms"

mkdir -p "$OUR_OUT"
if [[ ! -x $SLUICE ]]; then
	fail "sluice binary $SLUICE is missing (build first)"
	e2e_finish
fi

# run_sluice CASE: sluice's side of one case into $OUR_OUT/CASE.out (stderr
# in CASE.err); returns sluice's exit status.
run_sluice()
{
	timeout "$TIMEOUT" "$SLUICE" transform -c "$CASES/$1.properties" \
		<"$CASES/$1.jsonl" >"$OUR_OUT/$1.out" 2>"$OUR_OUT/$1.err"
}

# first_line FILE: the first non-empty line of FILE, cut to 300 characters.
first_line()
{
	grep -m1 . "$1" 2>/dev/null | cut -c1-300
}

# compare_case CASE: one PASS or FAIL for the case, with the details.
compare_case()
{
	local c=$1 rc=0 refused=$REF_OUT/$1.refused key
	run_sluice "$c" || rc=$?
	if [[ -f $refused ]]; then
		key=$(sed -n 's/^# refused: *//p' "$CASES/$c.properties" | head -n1)
		if ((rc != 0 && rc != 124)); then
			echo "  both refuse the config: Kafka Connect: $(first_line "$refused")"
			echo "                          sluice: $(first_line "$OUR_OUT/$c.err")"
			if [[ -n $key ]] && ! grep -qF -- "$key" "$OUR_OUT/$c.err"; then
				fail "$c: sluice refuses the config, but not for $key"
			else
				pass "$c: refused by both"
			fi
		else
			echo "  Kafka Connect refuses the config: $(first_line "$refused")"
			fail "$c: sluice accepts a config Kafka Connect refuses"
		fi
		return
	fi
	if ((rc == 124)); then
		fail "$c: sluice transform did not finish within ${TIMEOUT}s"
		return
	fi
	if ((rc != 0)); then
		echo "  sluice transform exited with status $rc: $(first_line "$OUR_OUT/$c.err")"
		fail "$c: sluice fails where Kafka Connect runs the chain"
		return
	fi
	local out
	if out=$(python3 "$COMPAT/compare.py" "$c" "$REF_OUT/$c.out" "$OUR_OUT/$c.out" "$KNOWN"); then
		[[ $out == ok* ]] || printf '%s\n' "$out" | grep -v '^ok' || true
		pass "$c: ${out##*$'\n'}"
	else
		printf '%s\n' "$out"
		fail "$c: records differ"
	fi
}

log "sluice transform on every case"
for c in "${cases[@]}"; do
	compare_case "$c"
done
e2e_finish
