#!/bin/sh
# Build and run the libFuzzer targets tests/fuzz/fuzz_*.c, each for a bounded
# time. Used by `make fuzz`.
#
#   sh tests/fuzz/run.sh [TARGET...]        (default: every tests/fuzz/fuzz_*.c)
#   FUZZ_SECONDS=60 (per target; 0: replay the corpus once)  FUZZ_JOBS=1
#   FUZZ_MAX_LEN=262144  FUZZ_OUT=build/fuzz
#   FUZZ_BIN=DIR  where the binaries go (default FUZZ_OUT); a binary newer
#                 than its sources and every project header is not rebuilt
#
# A target is one C file defining LLVMFuzzerTestOneInput. Two comment lines
# in it say what to build and what to start from:
#   fuzz-sources: suites/parquet/*.c lib/buf.c ...   (globs from the project root)
#   fuzz-seeds: DIR SUFFIX      (files under DIR ending in SUFFIX, up to 256 KiB)
# tests/fuzz/corpus/NAME (NAME without fuzz_) seeds the corpus too, and
# tests/fuzz/NAME.dict is passed as a dictionary when present. Targets may be
# named by file or by NAME ("extract").
# Everything is built with clang -fsanitize=fuzzer,address,undefined into
# build/fuzz/; the growing corpus is kept in build/fuzz/NAME.corpus and crash
# inputs land in build/fuzz/NAME.crashes. Exit status: 0 when no target
# found a crash, 1 otherwise, 2 when a target does not build.
set -u
cd "$(dirname "$0")/../.." || exit 2
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
MAX_LEN=${FUZZ_MAX_LEN:-262144}
OUT=${FUZZ_OUT:-build/fuzz}
CC=${FUZZ_CC:-clang}
BIN=${FUZZ_BIN:-$OUT}
mkdir -p "$OUT" "$BIN"
OUT=$(cd "$OUT" && pwd)
BIN=$(cd "$BIN" && pwd)

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "fuzz: $CC not found (sh tests/deps.sh all installs clang)" >&2
    exit 2
fi
PKGS="libcurl libcjson libpcre2-8 libavformat libavcodec libswscale libavutil zlib libzstd liblz4 libbrotlidec libzip"
CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CPPFLAGS="-D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I. $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lsnappy -lm -lpthread"

if [ $# -gt 0 ]; then
    targets=""
    for n in "$@"; do
        case "$n" in *.c) targets="$targets $n" ;; *) targets="$targets tests/fuzz/fuzz_$n.c" ;; esac
    done
else
    targets=$(ls tests/fuzz/fuzz_*.c)
fi
status=0
for t in $targets; do
    name=$(basename "$t" .c)
    srcs=$(sed -n 's/.*fuzz-sources: *//p' "$t" | head -n 1)
    seeds=$(sed -n 's/.*fuzz-seeds: *//p' "$t" | head -n 1)
    files=""
    for g in $srcs; do
        for f in $g; do
            [ -f "$f" ] && files="$files $f"
        done
    done
    stale=1
    if [ -x "$BIN/$name" ]; then
        # shellcheck disable=SC2086
        stale=$(find "$t" $files lib suites scorers adapters harness reports -newer "$BIN/$name" \
            \( -name '*.c' -o -name '*.h' \) 2>/dev/null | head -n 1)
    fi
    if [ -n "$stale" ]; then
        echo "fuzz: building $name" >&2
        # shellcheck disable=SC2086
        if ! $CC $CFLAGS $CPPFLAGS -o "$BIN/$name.tmp" "$t" $files $LIBS; then
            echo "fuzz: $name does not build" >&2
            status=2
            continue
        fi
        mv "$BIN/$name.tmp" "$BIN/$name"
    fi
    corpus=$OUT/$name.corpus
    crashes=$OUT/$name.crashes
    mkdir -p "$corpus" "$crashes"
    short=${name#fuzz_}
    if [ -d "tests/fuzz/corpus/$short" ] && [ -z "$(ls -A "$corpus")" ]; then
        cp tests/fuzz/corpus/"$short"/* "$corpus"/ 2>/dev/null
    fi
    dict=""
    [ -f "tests/fuzz/$short.dict" ] && dict="-dict=$PWD/tests/fuzz/$short.dict"
    if [ -n "$seeds" ] && [ -z "$(ls -A "$corpus")" ]; then
        set -- $seeds
        if [ -d "$1" ]; then
            find "$1" -type f -name "*${2:-}" -size -257k | while read -r s; do
                cp "$s" "$corpus/seed-$(basename "$s")"
            done
        fi
    fi
    limit="-max_total_time=$SECONDS_EACH"
    # 0 seconds: only replay the corpus (a build-and-regression check)
    [ "$SECONDS_EACH" = 0 ] && limit="-runs=0"
    echo "fuzz: running $name for ${SECONDS_EACH}s ($(ls "$corpus" | wc -l) inputs in the corpus)" >&2
    par=""
    [ "$JOBS" -gt 1 ] && par="-jobs=$JOBS -workers=$JOBS"
    # run inside $OUT: parallel jobs write their fuzz-N.log to the current directory
    # shellcheck disable=SC2086
    (cd "$OUT" && "$BIN/$name" "$name.corpus" $dict "$limit" -max_len="$MAX_LEN" \
        -timeout=20 -rss_limit_mb=3072 $par -artifact_prefix="$name.crashes/" \
        -print_final_stats=1 >"$name.log" 2>&1)
    rc=$?
    tail -n 12 "$OUT/$name.log" | sed 's/^/  /' >&2
    if [ $rc != 0 ] || [ -n "$(ls -A "$crashes")" ]; then
        echo "fuzz: $name FOUND A PROBLEM (exit $rc): see $OUT/$name.log and $crashes/" >&2
        status=1
    else
        echo "fuzz: $name: no crash in ${SECONDS_EACH}s" >&2
    fi
done
exit $status
