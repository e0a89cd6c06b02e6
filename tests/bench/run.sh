#!/bin/sh
# Run the benchmarks: every tests/bench/*.sh except this one (or the ones
# named), each printing its own results. Benchmarks compare steval with a
# real alternative run side by side and print ratios; they never assert
# absolute times (machines are noisy). Used by `make bench`.
#
#   sh tests/bench/run.sh [tests/bench/NAME.sh...]
# STEVAL (default ./steval) is the binary under test.
set -u
cd "$(dirname "$0")/../.." || exit 2
export STEVAL=${STEVAL:-$PWD/steval}
export LC_ALL=C.UTF-8
if [ $# -gt 0 ]; then list="$*"; else list=$(ls tests/bench/*.sh | grep -v '/run\.sh$'); fi
status=0
for b in $list; do
    echo "== $(basename "$b" .sh)"
    if ! sh "$b"; then
        echo "bench: $b did not complete" >&2
        status=1
    fi
done
exit $status
