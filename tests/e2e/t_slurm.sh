#!/bin/sh
# A real Slurm (make check-slurm): a one-node cluster of the test's own
# (tests/e2e/slurm_lib.sh) runs the scripts `steval sweep --slurm` writes for
# 2 models x 1 suite against loopback test servers, 3 shards each: arrays,
# merges after them, the leaderboard after the merges. The merged results
# must equal unsharded runs. Every daemon and server is stopped by pid, even
# on failure.
. "$(dirname "$0")/lib.sh"
DISPATCH_ITEMS=24
. "$(dirname "$0")/dispatch_lib.sh"
# items naming 5 videos in uneven clusters (and some none), so every shard has a part
DATA=$TMP/vdata
$PY "$ROOT/tests/e2e/dispatch_data.py" "$DATA" --items 24 --videos 5 >/dev/null
. "$(dirname "$0")/slurm_lib.sh"

FAKE2_PID="" SLD=""
cleanup() {
    slurm_stop
    fake_stop
    [ -n "$FAKE2_PID" ] && kill "$FAKE2_PID" 2>/dev/null && wait "$FAKE2_PID" 2>/dev/null
    rm -rf "$TMP" ${SLD:+"$SLD"}
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
    skip "a one-node Slurm" "needs root (slurmd runs the jobs, munged runs as munge)"
    finish; exit $?
fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    sh "$ROOT/tests/deps.sh" slurm >/dev/null 2>&1
fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1 ||
   ! id munge >/dev/null 2>&1; then
    skip "a one-node Slurm" "slurm-wlm and munge are not installed (make deps)"
    finish; exit $?
fi

T0=$(date +%s)
fake_start
PA=$PORT
$PY "$ROOT/tests/servers/fake_llm.py" --answer B >"$TMP/port-b" 2>"$TMP/fake-b.err" &
FAKE2_PID=$!
i=0
while [ $i -lt 200 ] && ! grep -q '^PORT' "$TMP/port-b"; do sleep 0.05; i=$((i + 1)); done
PB=$(awk '/^PORT/{print $2}' "$TMP/port-b")

# the reference: each model unsharded
for m in a b; do
    [ $m = a ] && p=$PA || p=$PB
    "$STEVAL" run "$SPEC" --data "$DATA" --model "openai@http://127.0.0.1:$p/v1:fake-$m" \
        --out "$TMP/ref-$m" --no-progress >"$TMP/ref-$m.out" 2>"$TMP/ref-$m.err"
    expect_eq "unsharded run of model $m: exit 0" "$?" 0
done

cat >"$TMP/sweep.json" <<EOS
{
  "name": "slurmtest",
  "out": "$TMP/sw",
  "models": [
    {"name": "a", "model": "openai@http://127.0.0.1:$PA/v1:fake-a"},
    {"name": "b", "model": "openai@http://127.0.0.1:$PB/v1:fake-b", "options": {"concurrency": 2}}
  ],
  "suites": [{"suite": "$SPEC", "data": "$DATA"}],
  "slurm": {"shards": 3, "time": "00:05:00", "partition": "debug"},
  "leaderboard": {"formats": ["md", "csv"]}
}
EOS
out=$("$STEVAL" sweep "$TMP/sweep.json" --slurm "$TMP/slurm" 2>&1)
expect_eq "sweep --slurm prints submit.sh" "$out" "$TMP/slurm/submit.sh"

# munged (the munge user) must reach its directory: one of its own under /tmp
SLD=$(mktemp -d /tmp/steval-slurm.XXXXXX)
if ! slurm_start "$SLD"; then
    _report 1 "a one-node Slurm starts"
    finish; exit $?
fi
_report 0 "a one-node Slurm starts ($(($(date +%s) - T0)) s in)"

bash "$TMP/slurm/submit.sh" >"$TMP/submit.out" 2>"$TMP/submit.err"
expect_eq "submit.sh: exit 0" "$?" 0
LB=$(tail -n 1 "$TMP/submit.out")
expect_match "submit.sh prints the leaderboard job's id" "$LB" '^[0-9]+$'
expect_eq "submit.sh: 2 arrays, 2 merges, 1 leaderboard" "$(cut -f1 "$TMP/sw/jobs.tsv" | tr '\n' ' ')" \
    "array merge array merge leaderboard "
M1=$(awk -F'\t' '$1 == "merge" {print $3; exit}' "$TMP/sw/jobs.tsv")
A1=$(awk -F'\t' '$1 == "array" {print $3; exit}' "$TMP/sw/jobs.tsv")
expect_match "the merge job depends on its array" "$(scontrol show job "$M1" 2>&1)" "Dependency=afterok:${A1}(_\*)?"

st=$(slurm_wait "$LB" 120)
expect_eq "the leaderboard job completes" "$st" COMPLETED
if [ "$st" != COMPLETED ]; then
    squeue 2>&1 | sed 's/^/#   /'
    for f in "$TMP"/sw/logs/*; do echo "# --- $f"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
expect_eq "every array task ran as its own shard" \
    "$(ls "$TMP/sw/runs/dispatch.default.a" "$TMP/sw/runs/dispatch.default.b" | grep -c '^shard-[0-2]-of-3$')" 6
expect_eq "every shard did a part of the items, each once" "$(for m in a b; do
    for i in 0 1 2; do
        n=$(cat "$TMP"/sw/runs/dispatch.default.$m/shard-$i-of-3/*/*/*/samples.jsonl 2>/dev/null | wc -l)
        [ "$n" -gt 0 ] && printf 'ok ' || printf 'empty '
    done
    cat "$TMP"/sw/runs/dispatch.default.$m/shard-*/*/*/*/samples.jsonl | wc -l
done | tr '\n' ' ')" "ok ok ok 24 ok ok ok 24 "
expect_match "the task recorded its Slurm job" "$(cat "$TMP/sw/runs/dispatch.default.a/shard-1-of-3/job")" "^[0-9]+ "
expect_file "leaderboard.md" "$TMP/sw/leaderboard/dispatch.md"
expect_file "leaderboard.csv" "$TMP/sw/leaderboard/dispatch.csv"
expect_match "the leaderboard ranks both models" "$(cat "$TMP/sw/leaderboard/dispatch.md")" 'fake-a.*|'

KEY='(D["overall"], D.get("categories"), D.get("splits"))'
SKEY='sorted((r["id"], r["status"], r["extracted"], r["score"]) for r in D)'
for m in a b; do
    REF=$(tail -n 1 "$TMP/ref-$m.out")
    MERGED=$TMP/sw/merged/dispatch.default.$m
    expect_file "model $m: merged results.json" "$MERGED/results.json"
    expect_eq "model $m: merged results equal the unsharded run's" \
        "$(q "$MERGED/results.json" "$KEY")" "$(q "$REF/results.json" "$KEY")"
    expect_eq "model $m: merged samples equal the unsharded run's" \
        "$(q "$MERGED/samples.jsonl" "$SKEY")" "$(q "$REF/samples.jsonl" "$SKEY")"
done
out=$("$STEVAL" sweep "$TMP/sweep.json" --status 2>&1); rc=$?
expect_eq "sweep --status after the cluster ran it: exit 0" "$rc" 0
expect_match "sweep --status: both jobs done" "$out" '2 jobs: 2 done, 0 running, 0 failed, 0 missing'

# a requeued task finds its own run and resumes it: nothing is asked again
SH1=$TMP/sw/runs/dispatch.default.a/shard-1-of-3
before=$(wc -l <"$REC")
scontrol requeue "${A1}_1" >/dev/null 2>&1
expect_eq "scontrol requeue of task 1: it runs again and completes" "$(slurm_wait "${A1}_1" 60)" COMPLETED
expect_match "the requeued task resumed its run" "$(cat "$TMP/sw/logs/dispatch.default.a.shard-1.out")" \
    "steval sweep: resuming $SH1/dispatch/"
expect_eq "the requeued task: still one run in its directory, finished" \
    "$(find "$SH1" -name manifest.json | wc -l):$(cat "$SH1/exit")" "1:0"
expect_eq "the requeued task asked the model nothing again" "$(wc -l <"$REC")" "$before"

# a failing array: its merge and the leaderboard are cancelled, not left pending
DEAD=$(sl_free_port)
cat >"$TMP/bad.json" <<EOS
{"name": "bad", "out": "$TMP/bad", "models": ["openai@http://127.0.0.1:$DEAD/v1:nobody"],
 "suites": [{"suite": "$SPEC", "data": "$DATA"}], "options": {"retries": 0}, "slurm": {"shards": 2}}
EOS
"$STEVAL" sweep "$TMP/bad.json" --slurm "$TMP/bad-slurm" >/dev/null 2>&1
bash "$TMP/bad-slurm/submit.sh" >"$TMP/bad-submit.out" 2>/dev/null
BLB=$(tail -n 1 "$TMP/bad-submit.out")
BM=$(awk -F'\t' '$1 == "merge" {print $3}' "$TMP/bad/jobs.tsv")
expect_eq "a failed array: its merge is cancelled" "$(slurm_wait "$BM" 60)" CANCELLED
expect_eq "a failed array: the leaderboard is cancelled" "$(slurm_wait "$BLB" 30)" CANCELLED
out=$("$STEVAL" sweep "$TMP/bad.json" --status 2>&1); rc=$?
expect_eq "a failed array: --status exit 3" "$rc" 3
expect_match "a failed array: --status names the shards' exit code" "$out" \
    "failed +0/2 +dispatch.default.openai_nobody \(shard 0: exit 3, run incomplete; shard 1: exit 3, run incomplete\)"

slurm_stop
pids="$SL_MUNGE_PID$SL_CTLD_PID$SL_SLURMD_PID"
expect_eq "the daemons are stopped" "$pids" ""
T1=$(date +%s)
expect_match "the whole test within 3 minutes ($((T1 - T0)) s)" "$((T1 - T0))" '^([0-9]|[0-9][0-9]|1[0-7][0-9])$'
finish
