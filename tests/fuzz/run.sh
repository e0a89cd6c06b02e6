#!/bin/sh
# Build and run every libFuzzer target tests/fuzz/fuzz_NAME.c for a bounded time.
#
#   sh tests/fuzz/run.sh                 every target, FUZZ_SECONDS (default 60) each
#   sh tests/fuzz/run.sh extract         chosen targets (NAME without fuzz_ and .c)
#   FUZZ_SECONDS=600 FUZZ_JOBS=2 sh tests/fuzz/run.sh
#
# A target lists the project sources it needs on a line
# "fuzz-sources: a.c b.c ..."; without one it gets every module source but
# harness/main.c and harness/version.c. Everything is compiled with clang
# -fsanitize=fuzzer,address,undefined into build/fuzz/. The corpus grows in
# build/fuzz/corpus/NAME, seeded from tests/fuzz/corpus/NAME when that exists;
# tests/fuzz/NAME.dict is passed as a dictionary when present. Crashes land in
# build/fuzz/crash-NAME-*; the script exits 1 when any target failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
PKGS="libcurl libcjson libpcre2-8 libavformat libavcodec libswscale libavutil zlib libzstd liblz4 libbrotlidec"

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "fuzz: $CC not found (sh tests/deps.sh all installs clang)" >&2
    exit 2
fi
mkdir -p "$OUT/obj"
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CPPFLAGS="-D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I. -DSTEVAL_VERSION=\"fuzz\" -DSTEVAL_GIT=\"fuzz\" $(pkg-config --cflags $PKGS 2>/dev/null)"
LIBS="$(pkg-config --libs $PKGS 2>/dev/null) -lsnappy -lm -lpthread"

if [ $# -gt 0 ]; then
    targets=""
    for n in "$@"; do targets="$targets tests/fuzz/fuzz_$n.c"; done
else
    targets=$(ls tests/fuzz/fuzz_*.c 2>/dev/null)
fi
[ -n "$targets" ] || { echo "fuzz: no targets" >&2; exit 2; }

fail=0
for t in $targets; do
    name=$(basename "$t" .c)
    name=${name#fuzz_}
    srcs=$(sed -n 's/.*fuzz-sources:[[:space:]]*//p' "$t" | head -1)
    if [ -z "$srcs" ]; then
        srcs=$(ls harness/*.c suites/*.c scorers/*.c adapters/*.c reports/*.c 2>/dev/null |
               grep -v -e '^harness/main\.c$' -e '^harness/version\.c$')
    fi
    objs=""
    for s in $srcs; do
        o=$OUT/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')
        if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
            # shellcheck disable=SC2086
            $CC $CPPFLAGS $CFLAGS -c -o "$o" "$s" || { fail=1; continue 2; }
        fi
        objs="$objs $o"
    done
    # shellcheck disable=SC2086
    if ! $CC $CPPFLAGS $CFLAGS -o "$OUT/fuzz_$name" "$t" $objs $LIBS; then
        echo "fuzz: cannot build $t" >&2
        fail=1
        continue
    fi
    corpus=$OUT/corpus/$name
    mkdir -p "$corpus"
    [ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
    dict=""
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=$PWD/tests/fuzz/$name.dict"
    par=""
    [ "$JOBS" -gt 1 ] && par="-jobs=$JOBS -workers=$JOBS"
    echo "fuzz: $name for ${SECS}s"
    # run inside build/fuzz: parallel jobs write fuzz-N.log into the current directory
    # shellcheck disable=SC2086
    if ! (cd "$OUT" && "./fuzz_$name" $dict $par -max_total_time="$SECS" -max_len=8192 \
            -artifact_prefix="crash-$name-" -print_final_stats=1 \
            "corpus/$name" >"$name.log" 2>&1); then
        echo "fuzz: $name FAILED, see $OUT/$name.log" >&2
        tail -n 30 "$OUT/$name.log" >&2
        fail=1
    else
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$OUT/$name.log" | tail -2
    fi
done
[ "$fail" = 0 ] && echo "fuzz: all targets ran clean"
exit $fail
