#!/bin/sh
# Dispatch benchmark (`make bench`): steval against the loopback server,
# which answers every request after a fixed latency L; C requests in flight,
# each carrying 32 images of ~100 KB of base64 (frames). The ideal
# throughput is C/L requests per second; the benchmark prints the measured
# ratio to it, the CPU time per request and steval's peak memory. It asserts
# no time. Options: DISPATCH_BENCH_N (requests), _C (concurrency), _L (latency),
# _SERVER (python: tests/servers/fake_llm.py instead of the C latency_server,
# whose own cost is smaller on a 2-core machine), _REPS (runs of each row:
# medians, and every run's ratio), _VS (another steval binary, run
# alternately with this one: ratios side by side on a noisy machine).
cd "$(dirname "$0")/../.." || exit 2
BIN=${STEVAL_BENCH_BIN:-$PWD/build/default/bench}
if [ "${DISPATCH_BENCH_SERVER:-}" != python ]; then
    [ -x "$BIN/latency_server" ] || make --no-print-directory "${BIN#$PWD/}/latency_server" >/dev/null
    export DISPATCH_BENCH_SERVER=$BIN/latency_server
fi
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
exec $PY tests/bench/dispatch_bench.py "$@"
