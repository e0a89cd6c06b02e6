#!/bin/sh
# Frame extraction benchmark (tests/bench/frames_bench.py has the details).
#   sh tests/bench/frames.sh [--reps R] [--quick]
# Clips are generated once into build/bench/media (about a minute).
set -eu
cd "$(dirname "$0")/../.."
PY=""
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import av, numpy' >/dev/null 2>&1; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    echo "frames bench: needs python3-av and python3-numpy (sh tests/deps.sh all)" >&2
    exit 2
fi
STEVAL=${STEVAL:-$PWD/steval}
BIN=${STEVAL_BENCH_BIN:-$PWD/build/default/bench}
[ -x "$BIN/frames_pool" ] || make --no-print-directory "${BIN#$PWD/}/frames_pool" >/dev/null
mkdir -p build/bench/media
echo "== frames benchmark ($(nproc) cores, $(ffmpeg -version | head -n 1 | cut -d' ' -f1-3), PyAV $("$PY" -c 'import av; print(av.__version__)'))"
exec "$PY" tests/bench/frames_bench.py "$STEVAL" "$BIN/frames_pool" "$PWD/build/bench/media" "$@"
