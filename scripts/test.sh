#!/usr/bin/env bash
# Runs the test tiers: dependencies, the -Werror build, unit and integration
# tests, the same under ASan+UBSan, the docs staleness, clang-format and
# connector boundary checks, and every tests/e2e/*_e2e.sh against real
# services. Prints one "N passed, N failed" line summing all tiers (a tier
# without counts of its own counts as one check) and exits non-zero when
# anything failed.
#
#   scripts/test.sh [all|unit|integration|e2e|fuzz|faults]
#
# all (the default, what CI runs) runs everything but fuzz; unit the unit
# tests (plain, valgrind, ASan) and the static checks; integration the
# tests on the embedded cluster (plain and ASan); e2e the end-to-end tests;
# fuzz only every libFuzzer target of tests/fuzz for a short while
# (scripts/fuzz.sh: a clang build of its own), failing when one crashes.
# all leaves fuzz out: its build and runs take minutes CI has not got.
# faults runs only the fault matrix (tests/faults/faults.sh: every
# connector under each fault that applies, records in/out/lost/duplicated
# a row; FAULTS_TABLE names a file for its Markdown table); all leaves it
# out too, for the same reason.
#
# Environment: SLUICE_BUILD_DIR (default build), SLUICE_ASAN_DIR (default
# build-asan), JOBS (default 2: build jobs), SUITE_JOBS (default 3: integration
# suites run side by side), FUZZ_SECONDS (default 20: per fuzz target).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=$(realpath -m "${SLUICE_BUILD_DIR:-build}")
ASAN=$(realpath -m "${SLUICE_ASAN_DIR:-build-asan}")
JOBS=${JOBS:-2}
WHAT=${1:-all}
case $WHAT in
all | unit | integration | e2e | fuzz | faults) ;;
*)
	echo "usage: $0 [all|unit|integration|e2e|fuzz|faults]" >&2
	exit 2
	;;
esac
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX")
TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=()

# The counts of a tier's own closing "N passed, N failed" line (the last
# such line in its log), or nothing.
counts_of()
{
	grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1
}

# tier NAME COMMAND...: runs one tier, showing and logging its output, and
# adds its result to the totals. A tier that prints a summary line
# contributes its counts; a non-zero exit adds one failure when that line
# does not already show one. A tier without a summary line is one check.
tier()
{
	local name=$1
	shift
	local log=$LOGDIR/${name//[^A-Za-z0-9_.-]/_}.log t0=$SECONDS rc line p=0 f=0
	printf '\n===== %s: %s\n' "$name" "$*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(counts_of "$log")
	if [[ -n $line ]]; then
		read -r p _ f _ <<<"$line"
		((rc != 0 && f == 0)) && f=1
	elif ((rc == 0)); then
		p=1
	else
		f=1
	fi
	TOTAL_PASSED=$((TOTAL_PASSED + p))
	TOTAL_FAILED=$((TOTAL_FAILED + f))
	SUMMARY+=("$(printf '%-28s %6d passed %4d failed %5ds  exit %d' "$name" "$p" "$f" \
		$((SECONDS - t0)) "$rc")")
	return "$rc"
}

# skip NAME REASON: a tier that could not run counts as one failure.
skip()
{
	printf '\n===== %s: not run (%s)\n' "$1" "$2"
	TOTAL_FAILED=$((TOTAL_FAILED + 1))
	SUMMARY+=("$(printf '%-28s not run: %s' "$1" "$2")")
}

build_tree()
{
	local dir=$1
	shift
	cmake -S . -B "$dir" "$@" && cmake --build "$dir" -j "$JOBS"
}

# wants TIER: whether the chosen tier includes TIER (all includes every
# tier but fuzz and faults).
wants()
{
	[[ $WHAT == "$1" || ($WHAT == all && $1 != fuzz && $1 != faults) ]]
}

# side_by_side BIN: runs each suite of a test binary in a process of its
# own, JOBS at a time (the integration suites mostly wait on the embedded
# cluster's group joins), then shows their output in suite order and the
# summed "N passed, N failed".
side_by_side()
{
	local bin=$1 dir suite p f passed=0 failed=0 rc=0
	dir=$(mktemp -d "$LOGDIR/suites.XXXXXX")
	"$bin" --list >"$dir/list" || return 1
	xargs -a "$dir/list" -P "${SUITE_JOBS:-3}" -I{} sh -c \
		'"$1" "$2" >"$3/$2.out" 2>&1; echo $? >"$3/$2.rc"' _ "$bin" {} "$dir"
	while read -r suite; do
		cat "$dir/$suite.out"
		read -r p _ f _ <<<"$(counts_of "$dir/$suite.out")"
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-1}))
		[[ $(cat "$dir/$suite.rc" 2>/dev/null) == 0 ]] || rc=1
	done <"$dir/list"
	printf '\n%d passed, %d failed\n' "$passed" "$failed"
	return "$rc"
}

# run_tests_in DIR [PREFIX]: runs the unit and (when built) integration
# binaries of a build tree, as far as the chosen tier wants them.
run_tests_in()
{
	local dir=$1 prefix=${2:+$2 } bin
	for bin in sluice_unit sluice_integration; do
		wants "${bin#sluice_}" || continue
		if [[ -x $dir/$bin && $bin == sluice_integration ]]; then
			tier "$prefix${bin#sluice_}" side_by_side "$dir/$bin"
		elif [[ -x $dir/$bin ]]; then
			tier "$prefix${bin#sluice_}" "$dir/$bin"
		elif [[ $bin == sluice_unit ]]; then
			skip "${prefix}unit" "$dir/$bin was not built"
		fi
	done
}

# The generated blocks of docs/ match what the built binary describes.
docs_check()
{
	SLUICE=$BUILD/sluice scripts/gen-docs.sh --check
}

# The unit tests under valgrind: no leaks, no invalid reads or writes.
# One check; valgrind's report is in the tier log.
valgrind_unit()
{
	local log=$LOGDIR/valgrind-unit.out
	if valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=3 \
		"$BUILD/sluice_unit" >"$log" 2>&1; then
		grep -E 'ERROR SUMMARY|definitely lost|passed,' "$log" | sed 's/^/  /'
		echo "valgrind: no leaks or memory errors in the unit tests"
		return 0
	fi
	tail -n 60 "$log"
	echo "valgrind: leaks or memory errors in the unit tests (full report: $log)"
	return 1
}

format_check()
{
	local files=()
	mapfile -t files < <(find core connectors tests bench -path bench/out -prune -o \
		\( -name '*.c' -o -name '*.h' \) -type f -print 2>/dev/null | sort)
	if ((${#files[@]} == 0)); then
		echo "no C sources found"
		return 1
	fi
	clang-format --dry-run --Werror "${files[@]}" || {
		echo "clang-format: run clang-format -i on the files above"
		return 1
	}
	echo "${#files[@]} files formatted"
}

[[ $WHAT == fuzz ]] || tier deps scripts/install-deps.sh

if [[ $WHAT == fuzz ]]; then
	: # the fuzz targets have a build of their own
elif tier build build_tree "$BUILD" -DSLUICE_WERROR=ON; then
	run_tests_in "$BUILD"
	wants unit && tier "valgrind unit" valgrind_unit
	wants unit && tier boundary scripts/check-boundary.py "$BUILD"
else
	skip "unit" "the build failed"
fi

if wants unit || wants integration; then
	if tier "asan build" build_tree "$ASAN" -DSLUICE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug; then
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
			run_tests_in "$ASAN" "asan"
	else
		skip "asan unit" "the sanitizer build failed"
	fi
fi

if ! wants unit; then
	:
elif [[ ! -x scripts/gen-docs.sh ]]; then
	:
elif [[ -x $BUILD/sluice ]]; then
	tier docs docs_check
else
	skip docs "$BUILD/sluice was not built"
fi
wants unit && tier clang-format format_check
wants fuzz && tier fuzz scripts/fuzz.sh all "${FUZZ_SECONDS:-20}"

for t in tests/e2e/*_e2e.sh; do
	wants e2e || break
	[[ -e $t ]] || continue
	if [[ -x $BUILD/sluice ]]; then
		SLUICE=$BUILD/sluice tier "e2e $(basename "$t" .sh)" "$t"
	else
		skip "e2e $(basename "$t" .sh)" "$BUILD/sluice was not built"
	fi
done

if ! wants faults; then
	:
elif [[ -x $BUILD/sluice ]]; then
	SLUICE=$BUILD/sluice tier faults tests/faults/faults.sh
else
	skip faults "$BUILD/sluice was not built"
fi

printf '\n===== summary (logs in %s)\n' "$LOGDIR"
printf '%s\n' "${SUMMARY[@]}"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
((TOTAL_FAILED == 0))
