#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/<target>_fuzz.c) with clang,
# ASan and UBSan in build-fuzz, and runs each (or the one named) for a
# while on a copy of its seeds (tests/fuzz/corpus/<target>/). Prints per
# target the executions, the coverage (cov: of libFuzzer's last line) and
# the crashes; exits non-zero when a target crashed, leaking or timing
# out included, leaving the input under build-fuzz/crashes/<target>/.
#
#   scripts/fuzz.sh [target|all] [seconds]    (defaults: all, 60)
#
# Installs clang and libFuzzer's runtime (Debian: clang, libclang-rt-dev)
# when missing. Environment: SLUICE_FUZZ_DIR (default build-fuzz), JOBS
# (default 2), FUZZ_RUNS (stop a target after that many executions, or
# the seconds, whichever comes first), FUZZ_TIMEOUT (seconds one input may
# take, default 10; libFuzzer's clock is the wall's, so a long run that is
# to be paused with SIGSTOP needs more than the pause), FUZZ_MAX_LEN (the
# largest input libFuzzer makes, in bytes; by default the largest seed's
# size or 4096, whichever is more).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=$(realpath -m "${SLUICE_FUZZ_DIR:-build-fuzz}")
JOBS=${JOBS:-2}
ONLY=${1:-all}
SECS=${2:-60}
[[ $SECS =~ ^[0-9]+$ ]] || { echo "usage: $0 [target|all] [seconds]" >&2; exit 2; }

install_clang()
{
	local p st missing=() sudo=()
	for p in clang libclang-rt-dev; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[[ $st == "install ok installed" ]] || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	echo "fuzz: installing ${missing[*]}"
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 || { echo "fuzz: need root or sudo" >&2; return 1; }
		sudo=(sudo)
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q && "${sudo[@]}" apt-get install -y -q --no-install-recommends \
		"${missing[@]}"
}

# run TARGET: fuzzes one target; prints its line; fails when it crashed.
run()
{
	local t=$1 corpus=$BUILD/corpus/$1 crashes=$BUILD/crashes/$1 log=$BUILD/logs/$1.log
	local rc execs cov found runs=()
	rm -rf "$corpus" "$crashes"
	mkdir -p "$corpus" "$crashes" "$BUILD/logs"
	cp -r "tests/fuzz/corpus/$t/." "$corpus/" 2>/dev/null || true
	[[ -n ${FUZZ_RUNS:-} ]] && runs=(-runs="$FUZZ_RUNS")
	[[ -n ${FUZZ_MAX_LEN:-} ]] && runs+=(-max_len="$FUZZ_MAX_LEN")
	"$BUILD/fuzz/$t" -max_total_time="$SECS" -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 "${runs[@]}" \
		-artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1
	rc=$?
	# the final stats, or (after a crash, which has none) the last status line
	execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
	[[ -n $execs ]] || execs=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -E 's/^#([0-9]+).*/\1/')
	cov=$(grep -E 'cov: [0-9]+' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
	found=$(find "$crashes" -type f | wc -l)
	printf '%-24s %12s executions  cov %6s  crashes %d\n' "$t" "${execs:-?}" "${cov:-?}" "$found"
	if ((rc != 0 || found > 0)); then
		grep -E "ERROR|SUMMARY|${t}_fuzz:|runtime error" "$log" | head -n 5 | sed 's/^/  /'
		echo "  log: $log; input: $(find "$crashes" -type f | head -n 1)"
		return 1
	fi
}

install_clang || exit 1
targets=()
for src in tests/fuzz/*_fuzz.c; do
	[[ -e $src ]] || continue
	t=$(basename "$src" _fuzz.c)
	[[ $ONLY == all || $ONLY == "$t" ]] && targets+=("$t")
done
((${#targets[@]})) || { echo "fuzz: no target named '$ONLY' in tests/fuzz" >&2; exit 2; }

cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF >/dev/null &&
	cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" >"$BUILD/build.log" 2>&1 ||
	{ tail -n 30 "$BUILD/build.log"; echo "fuzz: the build failed" >&2; exit 1; }

failed=0
for t in "${targets[@]}"; do
	run "$t" || failed=$((failed + 1))
done
echo "fuzz: ${#targets[@]} targets, $failed crashed"
echo "$((${#targets[@]} - failed)) passed, $failed failed"
((failed == 0))
