#!/usr/bin/env bash
# The test runner behind `make test`: runs every layer and prints one summary.
#
#   tests/run.sh [unit|integration|fuzz|e2e ...]   (no argument: all layers)
#
# e2e runs each tests/e2e/*.sh (as root; each brings up its own 3-node lab
# of the release binaries in bin/ and removes it, see tests/e2e/lib/e2e.bash).
#
# Each criterion binary prints its own "Synthesis:" line; this script adds them
# up and ends with one line "total: N passed, M failed".  Every run gets its own
# TMPDIR (removed at exit, also on failure) so that the data dirs, sockets and
# logs a test makes never meet another run's.
set -uo pipefail
cd "$(dirname "$0")/.."

layers=("$@")
[ ${#layers[@]} -eq 0 ] && layers=(unit integration fuzz e2e)

export CUBE_TEST_TMP
CUBE_TEST_TMP=$(mktemp -d /tmp/cube-test.XXXXXX)
export TMPDIR=$CUBE_TEST_TMP
trap 'rm -rf "$CUBE_TEST_TMP"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CUBE_BIN_DIR=${CUBE_BIN_DIR:-$PWD/build/asan/bin}

passed=0
failed=0
failures=()

run_criterion() { # $1 = binary
	local bin=$1 out rc line t p f c
	echo "== ${bin#build/asan/}"
	out=$("$bin" --jobs "${CUBE_TEST_JOBS:-2}" 2>&1)
	rc=$?
	echo "$out" | grep -Ev '^\[----\] *$' | grep -E '^\[(FAIL|----|====|PASS|ERR|WARN)\]|Synthesis|ERROR|runtime error|Sanitizer' | tail -40
	line=$(echo "$out" | grep -E 'Synthesis: Tested:' | tail -1 | sed 's/\x1b\[[0-9;]*m//g')
	if [ -n "$line" ]; then
		t=$(echo "$line" | sed -E 's/.*Tested: *([0-9]+).*/\1/')
		p=$(echo "$line" | sed -E 's/.*Passing: *([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failing: *([0-9]+).*/\1/')
		c=$(echo "$line" | sed -E 's/.*Crashing: *([0-9]+).*/\1/')
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
			failures+=("${bin#build/asan/} ($f of $t failed, $c crashed)")
			[ "$f" -eq 0 ] && failed=$((failed + 1))
		fi
	else
		echo "$out" | tail -30
		failures+=("${bin#build/asan/} (no summary, exit $rc)")
		failed=$((failed + 1))
	fi
}

run_replay() { # $1 = replay binary; runs it over its corpus
	local bin=$1 name dir
	name=${bin##*/replay_}
	dir=fuzz/corpus/$name
	echo "== fuzz replay $name ($(ls "$dir" 2>/dev/null | wc -l) inputs)"
	if "$bin" "$dir"; then
		passed=$((passed + 1))
	else
		failures+=("fuzz replay $name")
		failed=$((failed + 1))
	fi
}

for layer in "${layers[@]}"; do
	case $layer in
	unit)
		for b in build/asan/tests/unit/test_*; do [ -x "$b" ] && [ "${b%.o}" = "$b" ] && run_criterion "$b"; done ;;
	integration)
		for b in build/asan/tests/integration/test_*; do [ -x "$b" ] && [ "${b%.o}" = "$b" ] && run_criterion "$b"; done ;;
	fuzz)
		for b in build/asan/fuzz/replay_*; do [ -x "$b" ] && [ "${b%.o}" = "$b" ] && run_replay "$b"; done ;;
	e2e)
		for s in tests/e2e/*.sh; do
			[ -f "$s" ] || continue
			echo "== e2e ${s#tests/e2e/}"
			if bash "$s"; then passed=$((passed + 1)); else failures+=("e2e $s"); failed=$((failed + 1)); fi
		done ;;
	*) echo "run.sh: unknown layer '$layer'" >&2; exit 2 ;;
	esac
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
