#!/bin/sh
# Part of `make check`: every libFuzzer target of `make fuzz` builds from
# its fuzz-sources line and fuzzes briefly (STEVAL_FUZZ_SECONDS, 10 s each by
# default; 0 only replays) from its committed seed corpus
# (tests/fuzz/corpus/NAME) under ASan + UBSan, with no finding. Binaries are
# kept in build/fuzz-bin and rebuilt only when a source changed; the grown
# corpus and any crash input stay in this test's temporary directory.
. "$(dirname "$0")/lib.sh"

if ! command -v clang >/dev/null 2>&1; then
    skip "fuzz targets" "no clang (sh tests/deps.sh all)"
    finish; exit $?
fi
cd "$ROOT" || exit 2
secs=${STEVAL_FUZZ_SECONDS:-10}
out=$(FUZZ_SECONDS=$secs FUZZ_OUT="$TMP/fuzz" FUZZ_BIN="$ROOT/build/fuzz-bin" sh tests/fuzz/run.sh 2>&1); rc=$?
expect_eq "every fuzz target builds and fuzzes ${secs}s without a finding" "$rc" 0
[ "$rc" = 0 ] || printf '%s\n' "$out" | grep -v '^  ' | tail -n 8 | sed 's/^/#   /'
for t in tests/fuzz/fuzz_*.c; do
    n=$(basename "$t" .c)
    expect_match "$n: built and ran" "$out" "fuzz: $n: no crash in ${secs}s"
    expect_match "$n: its seed corpus was executed" "$(cat "$TMP/fuzz/$n.log" 2>/dev/null)" "INITED"
    [ -d "tests/fuzz/corpus/${n#fuzz_}" ] || grep -q 'fuzz-seeds:' "$t"
    expect_eq "$n: has a committed seed corpus or a seed directory" "$?" 0
done
finish
