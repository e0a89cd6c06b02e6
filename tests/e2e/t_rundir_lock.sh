#!/bin/sh
# One writer per run directory (lib/rundir_lock.h): a second `run --resume`
# (or `score --out`) on a run that a live steval holds is refused at once
# with exit 2 naming its pid and host, and answers nothing; a lock left by a
# killed run, or another host's stale one, is taken over with a warning.
. "$(dirname "$0")/lib.sh"
DISPATCH_ITEMS=16
. "$(dirname "$0")/dispatch_lib.sh"
HOST=$(hostname)

fake_start --latency 0.25
MODEL="openai@$BASE/v1:fake-vlm"
# a first run, interrupted early, to resume twice at once
"$STEVAL" run "$SPEC" --data "$DATA" --out "$TMP/runs" --no-progress --model "$MODEL" \
    --concurrency 1 >"$TMP/a.out" 2>"$TMP/a.err" &
PID=$!
i=0
while [ $i -lt 500 ]; do
    f=$(ls "$TMP"/runs/dispatch/*/*/samples.jsonl 2>/dev/null | head -n 1)
    if [ -n "$f" ] && [ "$(wc -l <"$f")" -ge 1 ]; then break; fi
    sleep 0.02
    i=$((i + 1))
done
RUN=$(dirname "$f")
expect_file "a live run holds run.lock" "$RUN/run.lock"
expect_match "run.lock names its pid, host and command" "$(cat "$RUN/run.lock")" \
    "^pid $PID
host $HOST
command run
started [0-9T:Z-]+
heartbeat [0-9]+"
: >"$REC"
"$STEVAL" run --resume "$RUN" --no-progress >"$TMP/b.out" 2>"$TMP/b.err"
expect_eq "a resume of a live run: exit 2" "$?" 2
expect_match "a resume of a live run: names pid and host" "$(cat "$TMP/b.err")" \
    "'$RUN' is in use by pid $PID on host '$HOST' \('steval run', since "
"$STEVAL" score --suite "$SPEC" --data "$DATA" --out "$RUN" --force "$TMP/a.out" >/dev/null 2>"$TMP/c.err"
expect_eq "score --out --force onto a live run: exit 2" "$?" 2
expect_match "score --out --force onto a live run: names the holder" "$(cat "$TMP/c.err")" "in use by pid $PID"
kill -INT "$PID"
wait "$PID"
expect_eq "the holder, interrupted: exit 3" "$?" 3
expect_eq "the holder released its lock" "$([ -e "$RUN/run.lock" ] && echo left || echo gone)" gone

# two resumes started together: one works, the other is refused; no item twice
n0=$(S 'len(set(r["id"] for r in D if r["status"] == "ok"))')
: >"$REC"
"$STEVAL" run --resume "$RUN" --no-progress >"$TMP/r1.out" 2>"$TMP/r1.err" &
P1=$!
"$STEVAL" run --resume "$RUN" --no-progress >"$TMP/r2.out" 2>"$TMP/r2.err" &
P2=$!
wait "$P1"; R1=$?
wait "$P2"; R2=$?
expect_eq "two resumes at once: one exit 0, one exit 2" "$(echo "$R1 $R2" | tr ' ' '\n' | sort | tr '\n' ' ')" "0 2 "
expect_eq "two resumes at once: every item once" \
    "$(S 'sorted(ids(D)) == ["q%03d" % i for i in range(16)] and len(D) == 16')" true
expect_eq "two resumes at once: only the missing items were asked, once" "$(R 'len(D)')" "$((16 - n0))"

# a run killed with SIGKILL leaves its lock; the resume takes it over
fake_start --latency 0.25
MODEL="openai@$BASE/v1:fake-vlm"
"$STEVAL" run "$SPEC" --data "$DATA" --out "$TMP/k" --no-progress --model "$MODEL" --concurrency 1 \
    >/dev/null 2>&1 &
PID=$!
i=0
while [ $i -lt 500 ]; do
    f=$(ls "$TMP"/k/dispatch/*/*/samples.jsonl 2>/dev/null | head -n 1)
    if [ -n "$f" ] && [ "$(wc -l <"$f")" -ge 1 ]; then break; fi
    sleep 0.02
    i=$((i + 1))
done
kill -9 "$PID"
wait "$PID" 2>/dev/null
RUN=$(dirname "$f")
expect_match "SIGKILL: the lock is left behind" "$(cat "$RUN/run.lock")" "^pid $PID"
srun --resume "$RUN"
expect_eq "a lock of a dead pid on this host: taken over, exit 0" "$RC" 0
expect_match "taking over is warned about" "$ERR" "taking over the lock of pid $PID on host '$HOST'.*no longer running"
expect_eq "after the take-over: every item once" "$(S 'sorted(ids(D)) == ["q%03d" % i for i in range(16)]')" true

LRUN=$RUN
# another host's lock (a shared file system): fresh is refused, stale taken over
now=$(date +%s)
printf 'pid 4242\nhost node-elsewhere.invalid\ncommand run\nstarted 2026-01-01T00:00:00Z\nheartbeat %s\n' \
    "$((now - 3))" >"$LRUN/run.lock"
srun --resume "$LRUN"
expect_eq "another host's live lock: exit 2" "$RC" 2
RUN=$LRUN
expect_match "another host's live lock: names it and its heartbeat" "$ERR" \
    "in use by pid 4242 on host 'node-elsewhere.invalid'.*heartbeat [0-9]+ s ago"
printf 'pid 4242\nhost node-elsewhere.invalid\ncommand run\nheartbeat %s\n' "$((now - 600))" >"$LRUN/run.lock"
srun --resume "$LRUN"
expect_eq "another host's stale lock: taken over, exit 0" "$RC" 0
expect_match "another host's stale lock: warned" "$ERR" "taking over the lock of pid 4242 .*heartbeat is [0-9]+ s old"
expect_eq "no lock left after a finished resume" "$([ -e "$LRUN/run.lock" ] && echo left || echo gone)" gone
finish
