#!/bin/sh
# Sharded runs against the loopback server: --shard I/N and --shard auto,
# then steval merge. A 3-way sharded run merged equals the unsharded run
# (results.json and samples.jsonl, timestamps and latencies aside), also
# when a shard was killed with SIGKILL mid-dispatch and resumed. Then the
# refusals: a shard twice, a shard of another run, missing shards (and
# --partial), a shard left incomplete.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

# 30 items naming 5 videos in uneven clusters (and some none)
VDATA=$TMP/vdata
$PY "$ROOT/tests/e2e/dispatch_data.py" "$VDATA" --items 30 --videos 5 >/dev/null
vrun() {
    "$STEVAL" run "$SPEC" --data "$VDATA" --out "$TMP/runs" --no-progress "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    ERR=$(cat "$TMP/err")
    RUN=$(tail -n 1 "$TMP/out")
}
# the same per item, whatever the order and the timing
KEY='sorted((r["id"], r["status"], r["response"], r["extracted"], r["score"], r["prompt_sha256"], r.get("video")) for r in by_id(D).values())'
# a sample line without what depends on time
NOTIME='[{k: v for k, v in r.items() if k != "latency"} for r in D]'
ITEMS='["q%03d" % i for i in range(30)]'

fake_start --latency 0.05
MODEL="openai@$BASE/v1:fake-vlm"

# the reference: one unsharded run, in item order
vrun --model "$MODEL" --concurrency 1
expect_eq "unsharded run: exit 0" "$RC" 0
REF=$RUN
expect_eq "unsharded manifest: item_list, no shard" \
    "$(q "$REF/manifest.json" '[D["item_list"]["items"], len(D["item_list"]["sha256"]), "shard" in D]')" '[30, 64, false]'

# three shards
for i in 0 1 2; do
    vrun --model "$MODEL" --concurrency 2 --shard $i/3
    expect_eq "shard $i/3: exit 0" "$RC" 0
    eval "SH$i=\$RUN"
done
expect_eq "shard manifest: index, count, algorithm" \
    "$(q "$SH1/manifest.json" '[D["shard"][k] for k in ("index", "count", "algorithm")]')" '[1, 3, "video-clusters-lpt-v1"]'
expect_eq "shards share the list fingerprint of the unsharded run" \
    "$(q "$SH0/manifest.json" 'D["item_list"]["sha256"]') $(q "$SH2/manifest.json" 'D["item_list"]["sha256"]')" \
    "$(q "$REF/manifest.json" 'D["item_list"]["sha256"]') $(q "$REF/manifest.json" 'D["item_list"]["sha256"]')"
cat "$SH0/samples.jsonl" "$SH1/samples.jsonl" "$SH2/samples.jsonl" >"$TMP/all.jsonl"
expect_eq "every item in exactly one shard" "$(q "$TMP/all.jsonl" "sorted(ids(D)) == $ITEMS")" true
expect_eq "a video's items are in one shard" "$($PY - "$SH0" "$SH1" "$SH2" <<'EOF'
import json, sys
where = {}
for k, d in enumerate(sys.argv[1:]):
    for line in open(d + "/samples.jsonl"):
        v = json.loads(line).get("video")
        if v:
            where.setdefault(v, set()).add(k)
print(all(len(s) == 1 for s in where.values()) and len(where) == 5)
EOF
)" True
expect_eq "shards balanced within one video's items (counts in the manifest)" \
    "$(for d in "$SH0" "$SH1" "$SH2"; do q "$d/manifest.json" 'D["shard"]["items"]'; done | tr '\n' ' ')" "10 10 10 "

# merged equals unsharded
"$STEVAL" merge --out "$TMP/merged" "$SH2" "$SH0" "$SH1" >"$TMP/mout" 2>"$TMP/merr"
expect_eq "merge: exit 0" "$?" 0
expect_eq "merge: prints the merged directory" "$(cat "$TMP/mout")" "$TMP/merged"
M=$TMP/merged
expect_eq "merged results.json equals the unsharded one" "$(q "$M/results.json" 'D')" "$(q "$REF/results.json" 'D')"
expect_eq "merged samples.jsonl equals the unsharded one (latencies aside, same order)" \
    "$(q "$M/samples.jsonl" "$NOTIME")" "$(q "$REF/samples.jsonl" "$NOTIME")"
for f in report.md report.csv report.json report.tex report.html; do
    expect_file "merged: $f" "$M/$f"
done
expect_eq "merged manifest: finished, shards named, no shard of its own" \
    "$(q "$M/manifest.json" '[D["status"], D["merged"]["shards"], [r["index"] for r in D["merged"]["runs"]], D["merged"]["missing"], "shard" in D, "partial" in D]')" \
    '["finished", 3, [0, 1, 2], [], false, false]'
expect_eq "merged manifest: counts summed" "$(q "$M/manifest.json" '[D["counts"]["finished"], D["counts"]["ok"] + D["counts"]["unparsed"]]')" '[30, 30]'
expect_eq "merged reports: not partial" "$(grep -c -i partial "$M/report.md" "$M/report.tex" | tr '\n' ' ')" \
    "$M/report.md:0 $M/report.tex:0 "
expect_eq "merged report.csv: partial column 0" "$(cut -d, -f18 "$M/report.csv" | sort -u | tr -d '\r' | tr '\n' ' ')" "0 partial "
expect_eq "steval report on the merged run keeps its results" \
    "$("$STEVAL" report "$M" >/dev/null 2>&1; q "$M/results.json" 'D')" "$(q "$REF/results.json" 'D')"
"$STEVAL" merge --out "$TMP/merged" "$SH0" "$SH1" "$SH2" >/dev/null 2>&1
expect_eq "merge again into the same --out: exit 0 (an earlier merge is rewritten)" "$?" 0

# three shards started at once into one --out root (a job array on a shared
# file system): each gets its own run directory, and they merge
for i in 0 1 2; do
    "$STEVAL" run "$SPEC" --data "$VDATA" --out "$TMP/par" --no-progress --model "$MODEL" --shard $i/3 \
        >"$TMP/par$i.out" 2>/dev/null &
    eval "PP$i=\$!"
done
wait "$PP0"; r0=$?; wait "$PP1"; r1=$?; wait "$PP2"; r2=$?
expect_eq "shards at once: exit 0 each" "$r0 $r1 $r2" "0 0 0"
expect_eq "shards at once: three run directories" "$(cat "$TMP"/par?.out | sort -u | wc -l) $(ls -d "$TMP"/par/dispatch/*/* | wc -l)" "3 3"
"$STEVAL" merge --out "$TMP/parm" $(cat "$TMP"/par?.out) >/dev/null 2>&1
expect_eq "shards at once: merged equals the unsharded run" "$(q "$TMP/parm/results.json" 'D')" "$(q "$REF/results.json" 'D')"

# --shard auto: from the Slurm array variables
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_JOB_ID=4711 vrun --model "$MODEL" --shard auto
expect_eq "--shard auto: exit 0" "$RC" 0
expect_eq "--shard auto: the manifest's shard and Slurm ids" \
    "$(q "$RUN/manifest.json" '[D["shard"]["index"], D["shard"]["count"], D["shard"]["slurm"]]')" \
    '[2, 3, {"array_job_id": "4711", "array_task_id": "2"}]'
expect_eq "--shard auto: the same items as --shard 2/3" "$(S 'sorted(ids(D))')" "$(q "$SH2/samples.jsonl" 'sorted(ids(D))')"
SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 vrun --model "$MODEL" --shard auto
expect_eq "--shard auto with MIN/MAX (--array=1-3): task 3 is shard 2/3" \
    "$(q "$RUN/manifest.json" '[D["shard"]["index"], D["shard"]["count"]]') $(S 'sorted(ids(D))' | md5sum)" \
    "[2, 3] $(q "$SH2/samples.jsonl" 'sorted(ids(D))' | md5sum)"
env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT "$STEVAL" run "$SPEC" --data "$VDATA" --out "$TMP/noenv" \
    --no-progress --model "$MODEL" --shard auto >/dev/null 2>"$TMP/err"
expect_eq "--shard auto outside an array: exit 2" "$?" 2
expect_match "--shard auto outside an array: says which variable" "$(cat "$TMP/err")" 'SLURM_ARRAY_TASK_ID is not set'
expect_eq "--shard auto outside an array: no run directory made" "$(ls "$TMP/noenv" 2>/dev/null | wc -l)" 0
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=4 vrun --model "$MODEL" --shard auto
expect_eq "--shard auto, inconsistent variables: exit 2" "$RC" 2
expect_match "--shard auto, inconsistent variables: says so" "$ERR" 'SLURM_ARRAY_TASK_COUNT is 2 but .* spans 5 tasks'
vrun --model "$MODEL" --shard 3/3
expect_match "--shard 3/3: I is 0-based" "$RC $ERR" '^2 .*0-based'

# a shard killed with SIGKILL mid-dispatch, resumed, then merged
KOUT=$TMP/killed
"$STEVAL" run "$SPEC" --data "$VDATA" --out "$KOUT" --no-progress --model "$MODEL" --concurrency 2 --shard 1/3 \
    >/dev/null 2>"$TMP/kill.log" &
PID=$!
KRUN=""
i=0
while [ $i -lt 500 ]; do
    KRUN=$(ls -d "$KOUT"/dispatch/*/* 2>/dev/null | head -n 1)
    if [ -n "$KRUN" ] && [ -f "$KRUN/samples.jsonl" ] && [ "$(wc -l <"$KRUN/samples.jsonl")" -ge 2 ]; then break; fi
    sleep 0.02
    i=$((i + 1))
done
kill -9 "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
expect_eq "killed shard: killed before its end" "$([ "$(wc -l <"$KRUN/samples.jsonl")" -lt 10 ] && echo yes)" yes
"$STEVAL" merge --out "$TMP/early" "$SH0" "$KRUN" "$SH2" >/dev/null 2>"$TMP/err"
expect_eq "merge with a shard left incomplete: exit 3" "$?" 3
expect_match "merge with a shard left incomplete: names it and how to finish" "$(cat "$TMP/err")" \
    "shard 1/3 '$KRUN' is incomplete: [0-9]+ of its 10 items have no sample .*steval run --resume $KRUN"
"$STEVAL" run --resume "$KRUN" --shard 2/3 --no-progress >/dev/null 2>"$TMP/err"
expect_eq "resume with another --shard: exit 2" "$?" 2
expect_match "resume with another --shard: says which" "$(cat "$TMP/err")" "the run is shard 1/3, not 2/3"
"$STEVAL" run --resume "$KRUN" --limit 20 --no-progress >/dev/null 2>"$TMP/err"
expect_match "resume a shard with another --limit: exit 2" "$? $(cat "$TMP/err")" "^2 .*a shard cannot change its list"
"$STEVAL" run --resume "$KRUN" --no-progress >"$TMP/out" 2>>"$TMP/kill.log"
expect_eq "killed shard resumed: exit 0" "$?" 0
expect_eq "killed shard resumed: its 10 items once each" \
    "$(q "$KRUN/samples.jsonl" 'sorted(set(ids(D))) == sorted(ids(D)) and len(D)') $(q "$KRUN/manifest.json" 'D["shard"]["index"]')" "10 1"
"$STEVAL" merge --out "$TMP/merged2" "$SH0" "$KRUN" "$SH2" >/dev/null 2>"$TMP/err"
expect_eq "merge after the kill: exit 0" "$?" 0
expect_eq "merged after the kill: results.json equals the unsharded one" \
    "$(q "$TMP/merged2/results.json" 'D')" "$(q "$REF/results.json" 'D')"
expect_eq "merged after the kill: samples equal per item" "$(q "$TMP/merged2/samples.jsonl" "$KEY")" "$(q "$REF/samples.jsonl" "$KEY")"
expect_eq "merged after the kill: samples in item order" "$(q "$TMP/merged2/samples.jsonl" "ids(D) == $ITEMS")" true

# refusals
"$STEVAL" merge --out "$TMP/m3" "$SH0" "$SH1" "$SH1" "$SH2" >/dev/null 2>"$TMP/err"
expect_eq "a shard given twice: exit 2" "$?" 2
expect_match "a shard given twice: names both directories" "$(cat "$TMP/err")" "shard 1/3 is given twice: '$SH1' and '$SH1'"
"$STEVAL" merge --out "$TMP/m3" "$SH0" "$KRUN" "$SH1" "$SH2" >/dev/null 2>"$TMP/err"
expect_eq "two runs of the same shard: exit 2" "$?" 2
vrun --model "$MODEL" --shard 0/3 --seed 5
"$STEVAL" merge --out "$TMP/m3" "$SH1" "$RUN" "$SH2" >/dev/null 2>"$TMP/err"
expect_eq "a shard of another run (--seed): exit 2" "$?" 2
expect_match "a shard of another run: names the directory and the field" "$(cat "$TMP/err")" \
    "'$RUN' is not a shard of the same run as '$SH1': its seed \(\"seed\"\) is 5, not 0"
vrun --model "$MODEL" --shard 0/3 --limit 20
"$STEVAL" merge --out "$TMP/m3" "$SH1" "$RUN" "$SH2" >/dev/null 2>"$TMP/err"
expect_match "a shard of another --limit: the item list differs" "$? $(cat "$TMP/err")" \
    "^2 .*'$RUN' is not a shard of the same run as '$SH1': its item list fingerprint"
vrun --model "$MODEL" --shard 0/2
"$STEVAL" merge --out "$TMP/m3" "$RUN" "$SH1" >/dev/null 2>"$TMP/err"
expect_match "a shard of another count: exit 2 naming shard.count" "$? $(cat "$TMP/err")" \
    "^2 .*'$SH1' is not a shard of the same run as '$RUN': its shard count \(\"shard.count\"\) is 3, not 2"
"$STEVAL" merge --out "$TMP/m3" "$SH0" "$REF" >/dev/null 2>"$TMP/err"
expect_match "an unsharded run: exit 2" "$? $(cat "$TMP/err")" "^2 .*'$REF' is not a shard"
"$STEVAL" merge --out "$REF" "$SH0" "$SH1" "$SH2" >/dev/null 2>"$TMP/err"
expect_match "--out an ordinary run: refused" "$? $(cat "$TMP/err")" "^2 .*holds a run that is not a merge"
"$STEVAL" merge --out "$TMP/m3" --data "$DATA" "$SH0" "$SH1" "$SH2" >/dev/null 2>"$TMP/err"
expect_match "merge --data of other data: exit 2" "$? $(cat "$TMP/err")" "^2 .*is not the item list the shards ran"
"$STEVAL" merge "$SH0" >/dev/null 2>"$TMP/err"
expect_match "no --out: exit 2" "$? $(cat "$TMP/err")" "^2 .*--out DIR is needed"

# missing shards, and --partial
"$STEVAL" merge --out "$TMP/part" "$SH0" "$SH2" >/dev/null 2>"$TMP/err"
expect_eq "a shard missing: exit 3" "$?" 3
expect_match "a shard missing: says which" "$(cat "$TMP/err")" "1 of 3 shards is missing \(shard 1; 0-based\)"
expect_eq "a shard missing: nothing written" "$(ls "$TMP/part" 2>/dev/null | wc -l)" 0
"$STEVAL" merge --out "$TMP/part" "$SH0" "$SH2" --partial >/dev/null 2>"$TMP/err"
expect_eq "--partial: exit 0" "$?" 0
P=$TMP/part
expect_eq "--partial: results.json says what is missing" "$(q "$P/results.json" 'D["partial"]')" \
    '{"shards": 3, "missing_shards": [1], "items": 30, "missing_items": 10}'
expect_eq "--partial: 20 items scored" "$(q "$P/results.json" '[D["overall"]["n"], D["items"]["missing"]]')" '[20, 10]'
expect_eq "--partial: the manifest's status" "$(q "$P/manifest.json" '[D["status"], D["merged"]["missing"]]')" '["partial", [1]]'
expect_match "--partial: report.md" "$(cat "$P/report.md")" '\*\*Partial results:\*\* shard 1 of 3 missing; 10 of 30 items have no sample \(steval merge --partial\)'
expect_match "--partial: report.html" "$(cat "$P/report.html")" '<strong>Partial results:</strong> shard 1 of 3 missing'
expect_match "--partial: report.tex" "$(cat "$P/report.tex")" '^% partial results: shard 1 of 3 missing'
expect_eq "--partial: report.json" "$(q "$P/report.json" 'D["partial"]["missing_shards"]')" '[1]'
expect_eq "--partial: report.csv's partial column" "$(sed -n 2p "$P/report.csv" | tr -d '\r' | awk -F, '{print $NF}')" 1
"$STEVAL" leaderboard "$M" "$P" >"$TMP/lb.md" 2>/dev/null
expect_match "--partial: the leaderboard marks the partial run" "$(cat "$TMP/lb.md")" '\| 20 \(partial\) \|'
expect_match "--partial: the leaderboard says what the mark means" "$(cat "$TMP/lb.md")" 'shards missing \(steval merge --partial\)'
expect_eq "--partial: the leaderboard's JSON" \
    "$("$STEVAL" leaderboard "$M" "$P" --format json 2>/dev/null >"$TMP/lb.json"; q "$TMP/lb.json" 'sorted((r["n"], r.get("partial", False)) for r in D["rows"])')" \
    '[[20, true], [30, false]]'
"$STEVAL" report "$P" >/dev/null 2>&1
expect_eq "--partial: steval report keeps the mark" "$(q "$P/results.json" 'D["partial"]["missing_items"]')" 10
# a suite whose items send frames: the merged run has every thumbnail
if command -v ffmpeg >/dev/null 2>&1; then
    mkdir -p "$TMP/demo"
    cp "$ROOT/fixtures/demo/demo.jsonl" "$TMP/demo/"
    sh "$ROOT/fixtures/demo/make-videos.sh" "$TMP/demo/videos"
    drun() {
        "$STEVAL" run demo --data "$TMP/demo" --model "command:$PY $ROOT/tests/examples/echo_worker.py" \
            --out "$TMP/druns" --no-progress "$@" 2>"$TMP/err" | tail -n 1
    }
    DREF=$(drun)
    D0=$(drun --shard 0/2)
    D1=$(drun --shard 1/2)
    "$STEVAL" merge --out "$TMP/dmerged" "$D0" "$D1" >/dev/null 2>"$TMP/err"
    expect_eq "demo (frames): merge exit 0" "$?" 0
    expect_eq "demo (frames): results.json equals the unsharded one" \
        "$(q "$TMP/dmerged/results.json" 'D')" "$(q "$DREF/results.json" 'D')"
    expect_eq "demo (frames): the same frames per item" \
        "$(q "$TMP/dmerged/samples.jsonl" 'sorted((r["id"], json.dumps(r.get("frames"))) for r in D)')" \
        "$(q "$DREF/samples.jsonl" 'sorted((r["id"], json.dumps(r.get("frames"))) for r in D)')"
    expect_eq "demo (frames): every thumbnail of the unsharded run is in the merged run" \
        "$(ls "$TMP/dmerged/frames" | sort | md5sum)" "$(ls "$DREF/frames" | sort | md5sum)"
    expect_match "demo (frames): some thumbnails" "$(ls "$DREF/frames" | wc -l)" '^[1-9]'
else
    skip "demo (frames): thumbnails merged" "no ffmpeg (make deps)"
fi
finish
