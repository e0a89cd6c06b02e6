#!/bin/sh
# Dispatch benchmark (`make bench`): steval against the loopback server,
# which answers every request after a fixed latency L; C requests in flight,
# each carrying 32 images of ~100 KB of base64 (frames). The ideal
# throughput is C/L requests per second; the benchmark prints the measured
# ratio to it, the CPU time per request and steval's peak memory. It asserts
# no time. Options: DISPATCH_BENCH_N (requests), _C (concurrency), _L (latency).
cd "$(dirname "$0")/../.." || exit 2
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
exec $PY tests/bench/dispatch_bench.py "$@"
