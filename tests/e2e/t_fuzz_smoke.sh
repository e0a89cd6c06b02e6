#!/bin/sh
# The libFuzzer targets of `make fuzz` build from their fuzz-sources lines
# and replay their seed corpora without a finding (FUZZ_SECONDS=0), so the
# fuzz build cannot rot between fuzzing sessions.
. "$(dirname "$0")/lib.sh"

if ! command -v clang >/dev/null 2>&1; then
    skip "fuzz targets" "no clang (sh tests/deps.sh all)"
    finish; exit $?
fi
cd "$ROOT" || exit 2
out=$(FUZZ_SECONDS=0 FUZZ_OUT="$TMP/fuzz" sh tests/fuzz/run.sh 2>&1); rc=$?
expect_eq "every fuzz target builds and replays its corpus" "$rc" 0
[ "$rc" = 0 ] || printf '%s\n' "$out" | grep -v '^  ' | tail -n 8 | sed 's/^/#   /'
for t in tests/fuzz/fuzz_*.c; do
    n=$(basename "$t" .c)
    expect_match "$n: built and ran" "$out" "fuzz: $n: no crash"
    expect_match "$n: its corpus was executed" "$(cat "$TMP/fuzz/$n.log" 2>/dev/null)" "INITED"
done
finish
