#!/bin/sh
# Runs every test and ends with one line "N passed, N failed".
#
#   tests/run.sh                 all unit programs ($STEVAL_BUILD/tests/test_*) and e2e scripts
#   tests/run.sh unit|e2e        one layer
#   tests/run.sh tests/e2e/t_foo.sh build/default/tests/test_bar   chosen ones
#
# STEVAL_BUILD selects the build directory (make test sets it; default
# build/default) and STEVAL the binary. Unit programs are cmocka run with TAP output; e2e scripts print TAP too
# (see tests/e2e/lib.sh). Every "ok" counts as passed, every "not ok" as
# failed, and a program that exits non-zero without a "not ok" line (a crash,
# a sanitizer report) counts as one failure. Logs: build/test-logs/.
# STEVAL_TEST_JOBS (default 2) scripts run at once.
set -u
cd "$(dirname "$0")/.." || exit 2
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"
JOBS=${STEVAL_TEST_JOBS:-2}

B=${STEVAL_BUILD:-build/default}
units() { ls "$B"/tests/test_* 2>/dev/null | grep -v '\.d$'; }
sel=${1:-all}
case "$sel" in
all)  list="$(units) $(ls tests/e2e/t_*.sh 2>/dev/null)" ;;
unit) list="$(units)" ;;
e2e)  list="$(ls tests/e2e/t_*.sh 2>/dev/null)" ;;
*)    list="$*" ;;
esac

export CMOCKA_MESSAGE_OUTPUT=TAP
export LC_ALL=C.UTF-8
export STEVAL=${STEVAL:-$PWD/steval}
export STEVAL_ROOT=$PWD

run_one() {
    t=$1
    name=$(basename "$t")
    log=$LOGDIR/$name.log
    start=$(date +%s)
    case "$t" in
    *.sh) sh "$t" >"$log" 2>&1 ;;
    /*)   "$t" >"$log" 2>&1 ;;
    *)    "./$t" >"$log" 2>&1 ;;
    esac
    rc=$?
    end=$(date +%s)
    ok=$(grep -c '^ok ' "$log")
    bad=$(grep -c '^not ok ' "$log")
    if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then bad=1; fi
    echo "$ok $bad $rc $((end - start)) $name" >"$log.sum"
}

# run with at most $JOBS at once
pids=""
n=0
for t in $list; do
    run_one "$t" &
    pids="$pids $!"
    n=$((n + 1))
    if [ "$n" -ge "$JOBS" ]; then
        wait
        n=0
    fi
done
wait

pass=0 fail=0
for t in $list; do
    name=$(basename "$t")
    read -r ok bad rc secs nm <"$LOGDIR/$name.log.sum"
    pass=$((pass + ok))
    fail=$((fail + bad))
    status=ok
    [ "$bad" != 0 ] && status=FAIL
    printf '%-4s %-40s %4d passed %3d failed  %3ss\n' "$status" "$nm" "$ok" "$bad" "$secs"
    if [ "$bad" != 0 ]; then
        grep -E '^(not ok|#)' "$LOGDIR/$name.log" | head -40 | sed 's/^/     /'
        [ "$rc" != 0 ] && tail -n 25 "$LOGDIR/$name.log" | sed 's/^/     | /'
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
