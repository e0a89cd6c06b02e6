#!/bin/sh
# Interrupts in the phases t_faults.sh does not reach: SIGINT, SIGTERM and
# SIGKILL during `steval merge` and during `steval judge`. Whatever moment
# the signal lands at, the exit code is the documented one, and the same
# command run again ends with exactly what an uninterrupted one writes:
# nothing lost, nothing counted twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

# ---- merge: 3 shards of a 600-item run (baseline model, no server) ----
MDATA=$TMP/mdata
$PY "$ROOT/tests/e2e/dispatch_data.py" "$MDATA" --items 600 --videos 40 >/dev/null
for i in 0 1 2; do
    "$STEVAL" run "$SPEC" --data "$MDATA" --model baseline:random --seed 7 --out "$TMP/runs" \
        --no-progress --shard $i/3 >"$TMP/sh$i.out" 2>/dev/null
    eval "SH$i=\$(tail -n 1 \"\$TMP/sh$i.out\")"
done
expect_eq "three shards ran" "$([ -d "$SH0" ] && [ -d "$SH1" ] && [ -d "$SH2" ] && echo yes)" yes
"$STEVAL" merge --out "$TMP/clean" "$SH0" "$SH1" "$SH2" >/dev/null 2>&1
expect_eq "clean merge: exit 0" "$?" 0
NOTIME='[{k: v for k, v in r.items() if k != "latency"} for r in D]'
RES='{k: v for k, v in D.items() if k not in ("created", "dir", "run_dir")}'
CLEAN_S=$(q "$TMP/clean/samples.jsonl" "$NOTIME")
CLEAN_R=$(q "$TMP/clean/results.json" "$RES")

# seeded moments from 0 to ~60 ms after the start, each signal
k=0
for sig in KILL INT TERM KILL INT TERM KILL KILL; do
    k=$((k + 1))
    out=$TMP/m$k
    delay=$(awk -v k=$k 'BEGIN { srand(41 + k); printf "%.3f", rand() * 0.06 }')
    "$STEVAL" merge --out "$out" "$SH0" "$SH1" "$SH2" >/dev/null 2>"$TMP/m$k.err" &
    PID=$!
    sleep "$delay"
    kill -"$sig" "$PID" 2>/dev/null
    wait "$PID"
    rc=$?
    case "$sig:$rc" in
    *:0|KILL:137|INT:130|TERM:143|INT:3|TERM:3) ok=yes ;;
    *) ok="no (exit $rc)" ;;
    esac
    expect_eq "merge, SIG$sig after ${delay}s: a documented exit" "$ok" yes
    "$STEVAL" merge --out "$out" "$SH0" "$SH1" "$SH2" >/dev/null 2>"$TMP/m$k.err2"
    rc=$?
    expect_eq "merge, SIG$sig: merged again into the same --out, exit 0" "$rc${rc#0}" 0
    expect_eq "merge, SIG$sig: the samples equal the clean merge's" "$(q "$out/samples.jsonl" "$NOTIME")" "$CLEAN_S"
    expect_eq "merge, SIG$sig: results.json equals the clean merge's" "$(q "$out/results.json" "$RES")" "$CLEAN_R"
done
expect_eq "the shards are untouched by the interrupted merges" \
    "$(cat "$SH0/samples.jsonl" "$SH1/samples.jsonl" "$SH2/samples.jsonl" | wc -l | tr -d ' ')" 600

# ---- judge: SIGINT and SIGTERM while judging, then the same command again ----
V=$SHARED/data/vlm4d
if [ ! -f "$V/data/real_mc.json" ]; then
    echo "# skipped the judge part: no VLM4D data in $V"
    finish
fi
$PY - "$V" "$TMP/pred.json" <<'PYEOF'
import json, sys
v, out = sys.argv[1], sys.argv[2]
preds = json.load(open(v + "/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json"))[:40]
json.dump(preds, open(out, "w"))
PYEOF
N=40
fake_start --judge --latency 0.1
cat >"$TMP/models.json" <<JEOF
{"o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "max_tokens_field": "max_completion_tokens"}}
JEOF
VKEY='sorted((r["id"], r["judge"]["verdict"], r["score"]) for r in D if "judge" in r)'
sc() {
    "$STEVAL" score --suite vlm4d --protocol cot --data "$V" --models "$TMP/models.json" \
        --out "$1" "$TMP/pred.json" >/dev/null 2>&1
}
sc "$TMP/j0"
"$STEVAL" judge "$TMP/j0" --data "$V" --judge o4-mini --models "$TMP/models.json" --no-cache \
    --judge-concurrency 2 >/dev/null 2>&1
expect_eq "clean judge: exit 0" "$?" 0
CLEAN_V=$(q "$TMP/j0/samples.jsonl" "$VKEY")
expect_eq "clean judge: a verdict for every item" "$(grep -c '"judge"' "$TMP/j0/samples.jsonl")" "$N"
for sig in INT TERM; do
    d=$TMP/j$sig
    sc "$d"
    "$STEVAL" judge "$d" --data "$V" --judge o4-mini --models "$TMP/models.json" --no-cache \
        --judge-concurrency 2 >/dev/null 2>"$d.err" &
    PID=$!
    i=0
    while [ $i -lt 500 ]; do
        [ "$(grep -c '"judge"' "$d/samples.jsonl")" -ge 6 ] && break
        sleep 0.02
        i=$((i + 1))
    done
    kill -"$sig" "$PID" 2>/dev/null
    wait "$PID"
    rc=$?
    done1=$(grep -c '"judge"' "$d/samples.jsonl")
    expect_eq "judge, SIG$sig: exit 3 (incomplete, resumable)" "$rc" 3
    expect_eq "judge, SIG$sig: some verdicts kept, not all" \
        "$([ "$done1" -ge 6 ] && [ "$done1" -lt "$N" ] && echo yes)" yes
    before=$(wc -l <"$REC" | tr -d ' ')
    "$STEVAL" judge "$d" --data "$V" --judge o4-mini --models "$TMP/models.json" --no-cache \
        --judge-concurrency 2 >/dev/null 2>"$d.err2"
    expect_eq "judge, SIG$sig: judged again, exit 0" "$?" 0
    asked=$(($(wc -l <"$REC" | tr -d ' ') - before))
    # a request in flight at the signal has no verdict yet: asked again, once
    expect_eq "judge, SIG$sig: only what had no verdict is asked" \
        "$([ "$asked" -ge $((N - done1)) ] && [ "$asked" -le $((N - done1 + 2)) ] && echo yes)" yes
    expect_eq "judge, SIG$sig: the same verdicts as the clean judge, each item once" \
        "$(q "$d/samples.jsonl" "$VKEY")" "$CLEAN_V"
done
finish
