#!/bin/sh
# Fault injection (issue 16): a disk that fills up mid-run, and SIGINT,
# SIGTERM and SIGKILL at seeded random moments of a run (dispatch and the
# final reports) and of `steval report`. Each time: nothing already saved is
# lost or duplicated, the exit status is the documented one, and resuming
# ends with every item once and the uninterrupted run's results.
. "$(dirname "$0")/lib.sh"
DISPATCH_ITEMS=60
. "$(dirname "$0")/dispatch_lib.sh"

fake_start --latency 0.02
MODEL="openai@$BASE/v1:fake-vlm"
srun --model "$MODEL" -j 4 --no-thumbnails
expect_eq "reference run: exit 0" "$RC" 0
REF=$RUN
ALL='sorted(set(ids(D))) == ["q%03d" % i for i in range(60)]'
ONCE='(lambda x: len(x) == len(set(x)))([r["id"] for r in D if r["status"] != "error"])'
KEY='sorted((i, r["status"], r["response"], r["score"]) for i, r in by_id(D).items())'
valid_lines() { # every line but a torn last one is a JSON object
    $PY - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
for n, l in enumerate(lines[:-1]):
    json.loads(l)
print("ok")
EOF
}

count_ok() { # distinct ids saved ok, a torn last line left out
    $PY - "$1" <<'EOF'
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
print(len({json.loads(l)["id"] for l in lines if json.loads(l)["status"] == "ok"}))
EOF
}

once_ok() { # no id saved twice as a non-error, a torn last line left out
    $PY - "$1" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], "rb").read().split(b"\n")[:-1]]
x = [r["id"] for r in recs if r["status"] != "error"]
print("true" if len(x) == len(set(x)) else "false")
EOF
}

# --- disk full: a small tmpfs; the run stops with exit 3 and resumes ---
M=$TMP/tmpfs
mkdir -p "$M"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=256k tmpfs "$M" 2>/dev/null; then
    skip "disk full" "cannot mount a tmpfs (needs root; the tests run as root in CI)"
else
    trap 'umount "$M" 2>/dev/null; fake_stop; rm -rf "$TMP"' EXIT
    mkdir -p "$M/runs"
    avail=$(df -k "$M" | awk 'NR == 2 { print $4 }')
    dd if=/dev/zero of="$M/filler" bs=1k count=$((avail - 16)) 2>/dev/null
    "$STEVAL" run "$SPEC" --data "$DATA" --out "$M/runs" --no-progress --model "$MODEL" -j 2 \
        --no-thumbnails >"$TMP/full.out" 2>"$TMP/full.err"
    expect_eq "disk full: exit 3" "$?" 3
    expect_match "disk full: says so" "$(cat "$TMP/full.err")" "samples.jsonl': No space left on device"
    expect_match "disk full: says how to continue" "$(cat "$TMP/full.err")" \
        "items finished and saved; continue with 'steval run --resume"
    RUN=$(ls -d "$M"/runs/dispatch/*/* | head -n 1)
    expect_eq "disk full: the run directory is printed" "$(tail -n 1 "$TMP/full.out")" "$RUN"
    expect_eq "disk full: every saved line is whole JSON" "$(valid_lines "$RUN/samples.jsonl")" ok
    saved=$(count_ok "$RUN/samples.jsonl")
    expect_eq "disk full: it stopped part way" "$([ "$saved" -gt 0 ] && [ "$saved" -lt 60 ] && echo yes)" yes
    expect_eq "disk full: the lock is released" "$([ -e "$RUN/run.lock" ] && echo left || echo gone)" gone
    rm -f "$M/filler"
    : >"$REC"
    "$STEVAL" run --resume "$RUN" --no-progress >/dev/null 2>"$TMP/full2.err"
    expect_eq "space back: resume exit 0" "$?" 0
    expect_eq "space back: every item once" "$(S "$ALL")" true
    expect_eq "space back: nothing duplicated" "$(S "$ONCE")" true
    expect_eq "space back: only what was missing was asked" "$(R 'len(D)')" "$((60 - saved))"
    expect_eq "space back: the same answers as the uninterrupted run" "$(S "$KEY")" "$(q "$REF/samples.jsonl" "$KEY")"
    expect_eq "space back: the same results" "$(q "$RUN/results.json" 'D["overall"]')" "$(q "$REF/results.json" 'D["overall"]')"
    umount "$M"
    trap 'fake_stop; rm -rf "$TMP"' EXIT
fi

# --- SIGINT, SIGTERM, SIGKILL at seeded random moments, resumed each time ---
fake_start --latency 0.05
MODEL="openai@$BASE/v1:fake-vlm"
OUTD=$TMP/sig
"$STEVAL" run "$SPEC" --data "$DATA" --out "$OUTD" --no-progress --model "$MODEL" -j 4 --no-thumbnails \
    >/dev/null 2>"$TMP/sig0.err" &
PID=$!
i=0
while [ $i -lt 500 ]; do
    f=$(ls "$OUTD"/dispatch/*/*/samples.jsonl 2>/dev/null | head -n 1)
    if [ -n "$f" ] && [ "$(wc -l <"$f")" -ge 2 ]; then break; fi
    sleep 0.02
    i=$((i + 1))
done
kill -TERM "$PID"
wait "$PID"
expect_eq "SIGTERM during dispatch: exit 3" "$?" 3
RUN=$(dirname "$f")
expect_match "SIGTERM: says how to continue" "$(cat "$TMP/sig0.err")" "interrupted: .*steval run --resume"
expect_eq "SIGTERM: manifest status interrupted" "$(M 'D["status"]')" interrupted
expect_eq "SIGTERM: in-flight items are not written as errors" "$(S '[r["status"] for r in D if r["status"] != "ok"]')" '[]'
bad=""
n=0
for spec in $(awk 'BEGIN { srand(16); split("INT TERM KILL", s, " "); for (i = 0; i < 9; i++) printf "%s:%.2f ", s[i % 3 + 1], 0.05 + rand() * 0.5 }'); do
    sig=${spec%%:*}
    d=${spec#*:}
    before=$(count_ok "$RUN/samples.jsonl")
    "$STEVAL" run --resume "$RUN" --no-progress >/dev/null 2>>"$TMP/sig.err" &
    PID=$!
    sleep "$d"
    kill -"$sig" "$PID" 2>/dev/null
    wait "$PID"
    rc=$?
    n=$((n + 1))
    echo "# $sig after ${d}s: exit $rc"
    after=$(count_ok "$RUN/samples.jsonl")
    # documented: 0 finished; 3 interrupted in dispatch; killed by the signal
    # outside dispatch (128 + N: 130 SIGINT, 143 SIGTERM, 137 SIGKILL)
    case "$sig:$rc" in
        INT:0|INT:3|INT:130|TERM:0|TERM:3|TERM:143|KILL:0|KILL:137) ;;
        *) bad="$bad $sig:$rc" ;;
    esac
    [ "$(valid_lines "$RUN/samples.jsonl")" = ok ] || bad="$bad $sig:torn-middle"
    [ "$after" -ge "$before" ] || bad="$bad $sig:lost($before->$after)"
    [ "$(once_ok "$RUN/samples.jsonl")" = true ] || bad="$bad $sig:duplicated"
    if [ -f "$RUN/results.json" ] && ! q "$RUN/results.json" 'D["overall"]["n"]' >/dev/null 2>&1; then
        bad="$bad $sig:results.json-broken"
    fi
done
expect_eq "9 signals at random moments: documented exit codes, nothing lost or duplicated" "$bad" ""
"$STEVAL" run --resume "$RUN" --no-progress >/dev/null 2>>"$TMP/sig.err"
expect_eq "after the signals, a last resume: exit 0" "$?" 0
expect_eq "after the signals: every item once" "$(S "$ALL")" true
expect_eq "after the signals: the same answers as the uninterrupted run" "$(S "$KEY")" "$(q "$REF/samples.jsonl" "$KEY")"
expect_eq "after the signals: the same results" "$(q "$RUN/results.json" 'D["overall"]')" "$(q "$REF/results.json" 'D["overall"]')"

# --- steval report killed while it writes: the old or the new file, never half ---
sum=$(md5sum <"$RUN/samples.jsonl")
bad=""
for d in $(awk 'BEGIN { srand(7); for (i = 0; i < 8; i++) printf "%.3f ", rand() * 0.4 }'); do
    "$STEVAL" report "$RUN" --resamples 2000 >/dev/null 2>&1 &
    PID=$!
    sleep "$d"
    kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    for f in results.json report.json; do
        [ -f "$RUN/$f" ] && ! q "$RUN/$f" '1' >/dev/null 2>&1 && bad="$bad $f@$d"
    done
    [ "$(md5sum <"$RUN/samples.jsonl")" = "$sum" ] || bad="$bad samples@$d"
done
expect_eq "report killed at random moments: results.json and report.json stay whole, samples untouched" "$bad" ""
"$STEVAL" report "$RUN" >/dev/null 2>&1
expect_eq "report after the kills: exit 0" "$?" 0
expect_eq "report after the kills: the same results" "$(q "$RUN/results.json" 'D["overall"]["score"]')" \
    "$(q "$REF/results.json" 'D["overall"]["score"]')"
"$STEVAL" report "$RUN" >/dev/null 2>&1 &
PID=$!
sleep 0.05
kill -INT "$PID" 2>/dev/null
wait "$PID"
rc=$?
expect_match "report interrupted with SIGINT: exit 0 (done) or 130 (killed)" "$rc" "^(0|130)$"
finish
