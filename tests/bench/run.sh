#!/bin/sh
# `make bench`: runs every tests/bench/*.sh in turn (each prints its own
# side-by-side ratios; none asserts a time). Exit status: the first failure.
cd "$(dirname "$0")/../.." || exit 2
rc=0
for b in tests/bench/*.sh; do
    [ "$b" = tests/bench/run.sh ] && continue
    sh "$b" "$@" || { echo "bench: $b failed" >&2; [ $rc = 0 ] && rc=1; }
done
exit $rc
