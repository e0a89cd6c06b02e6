#!/bin/sh
# steval sweep: the sweep file's errors (file and field named), --slurm's
# scripts (bash syntax, submit.sh's job wiring through a stand-in sbatch),
# --local against the loopback test server (one model reached directly, one
# through a server the job starts and stops itself), the merged results equal
# unsharded runs, and --status for done, failed, running and missing.
. "$(dirname "$0")/lib.sh"
DISPATCH_ITEMS=18
. "$(dirname "$0")/dispatch_lib.sh"
# items naming 5 videos in uneven clusters (and some none), so every shard has a part
DATA=$TMP/vdata
$PY "$ROOT/tests/e2e/dispatch_data.py" "$DATA" --items 18 --videos 5 >/dev/null

fake_start
PA=$PORT
# the per-task ports PB, PB+1, ... must all be free: a base below the
# ephemeral range, where no other test's connection lands
PB=$($PY "$ROOT/tests/e2e/free_ports.py" 16)

# --- errors name the file and the field
printf '{"models": ["openai:x"], "suites": ["%s"], "slurm": {"shards": "3"}}\n' "$SPEC" >"$TMP/bad1.json"
out=$("$STEVAL" sweep "$TMP/bad1.json" --status 2>&1); rc=$?
expect_eq "a bad field: exit 2" "$rc" 2
expect_match "a bad field: file and field named" "$out" "'$TMP/bad1.json': slurm.shards: expected an integer"
printf '{"models": ["openai:x"], "suites": [{"suite": "%s", "protocols": ["nope"]}]}\n' "$SPEC" >"$TMP/bad2.json"
out=$("$STEVAL" sweep "$TMP/bad2.json" --slurm "$TMP/x" 2>&1); rc=$?
expect_eq "an unknown protocol: exit 2" "$rc" 2
expect_match "an unknown protocol: named" "$out" "suites\[0\]\.protocols\[0\]: suite '.*dispatch.json' has no protocol 'nope'"
printf '{"models": ["openai:x"], "suites": ["%s"], "protocols": ["default", "nope"]}\n' "$SPEC" >"$TMP/bad2b.json"
out=$("$STEVAL" sweep "$TMP/bad2b.json" --slurm "$TMP/x" 2>&1)
expect_match "an unknown protocol of the sweep's: named" "$out" "protocols\[1\] \(for suites\[0\]\): suite '.*dispatch.json' has no protocol 'nope'"
printf '{"models": ["mymodel"], "suites": ["%s"]}\n' "$SPEC" >"$TMP/bad3.json"
out=$("$STEVAL" sweep "$TMP/bad3.json" --slurm "$TMP/x" 2>&1)
expect_match "a model that is neither a spec nor in a models file" "$out" "models\[0\]: 'mymodel' is not of the form ADAPTER:NAME"
printf '{"models": ["openai:x"], "suites": ["no-such-suite"]}\n' >"$TMP/bad4.json"
out=$("$STEVAL" sweep "$TMP/bad4.json" --slurm "$TMP/x" 2>&1)
expect_match "an unknown suite" "$out" "'$TMP/bad4.json': suites\[0\]: cannot open suite 'no-such-suite'"
expect_rc "no such sweep file: exit 2" 2 "$STEVAL" sweep "$TMP/none.json" --local
expect_rc "two modes at once: exit 2" 2 "$STEVAL" sweep "$TMP/bad1.json" --local --status
expect_eq "nothing was written for a bad sweep" "$(ls -d "$TMP/x" 2>/dev/null)" ""

# --- the sweep: a models file entry reached directly, and a model whose server the job starts
cat >"$TMP/models.json" <<EOS
{"fake-a": {"adapter": "openai", "base_url": "http://127.0.0.1:$PA/v1", "model": "fake-a"}}
EOS
cat >"$TMP/sweep.json" <<EOS
{
  "name": "t",
  "models_file": "models.json",
  "models": [
    "fake-a",
    {"name": "b", "model": "openai@http://127.0.0.1:{port}/v1:fake-b",
     "server": {"command": "exec $PY $ROOT/tests/servers/fake_llm.py --port {port} --answer B", "port": $PB, "wait": 20},
     "slurm": {"shards": 2}}
  ],
  "suites": [{"suite": "$SPEC", "data": "vdata"}],
  "options": {"concurrency": 2},
  "slurm": {"shards": 3, "gres": "gpu:1", "time": "00:10:00"},
  "leaderboard": {"formats": ["md", "json"]}
}
EOS
out=$("$STEVAL" sweep "$TMP/sweep.json" --status 2>&1); rc=$?
expect_eq "--status before anything ran: exit 3" "$rc" 3
expect_match "--status: every job missing" "$out" "2 jobs: 0 done, 0 running, 0 failed, 2 missing"
expect_match "--status: the leaderboard missing" "$out" "missing +leaderboard"

out=$("$STEVAL" sweep "$TMP/sweep.json" --slurm "$TMP/slurm" 2>&1)
expect_eq "--slurm prints submit.sh" "$out" "$TMP/slurm/submit.sh"
expect_eq "--slurm: the scripts" "$(cd "$TMP/slurm" && ls | tr '\n' ' ')" \
    "01-dispatch.default.fake-a.array.sbatch 01-dispatch.default.fake-a.merge.sbatch 02-dispatch.default.b.array.sbatch 02-dispatch.default.b.merge.sbatch leaderboard.sbatch submit.sh "
bad=""
for f in "$TMP"/slurm/*; do bash -n "$f" 2>/dev/null || bad="$bad $f"; done
expect_eq "--slurm: every script is valid bash" "$bad" ""
A2=$(cat "$TMP/slurm/02-dispatch.default.b.array.sbatch")
expect_match "array: one task per shard" "$A2" "#SBATCH --array=0-1"
expect_match "array: requeued tasks resume" "$A2" "#SBATCH --requeue"
expect_match "array: resources from the sweep" "$A2" "#SBATCH --gres=gpu:1"
expect_match "array: --shard auto" "$A2" "--shard auto --out \"\\\$ROOT\""
expect_match "array: the run directory keyed by the task" "$A2" 'ROOT=\$SHARDS/shard-\$I-of-\$N'
expect_match "array: a port per task after the 3 tasks before" "$A2" "export PORT=\\$\\(\\($((PB + 3)) \\+ I\\)\\)"
# submit.sh through a stand-in sbatch that prints job ids and records its arguments
cat >"$TMP/sbatch" <<'EOS'
#!/bin/sh
n=$(($(cat "$FAKE_SBATCH_N" 2>/dev/null || echo 100) + 1))
echo "$n" >"$FAKE_SBATCH_N"
echo "$*" | sed "s#$FAKE_SBATCH_DIR/##g" >>"$FAKE_SBATCH_LOG"
echo "$n;cluster"
EOS
chmod +x "$TMP/sbatch"
FAKE_SBATCH_N=$TMP/sb.n FAKE_SBATCH_LOG=$TMP/sb.log FAKE_SBATCH_DIR=$TMP/slurm SBATCH=$TMP/sbatch \
    bash "$TMP/slurm/submit.sh" >"$TMP/submit.out" 2>"$TMP/submit.err"
expect_eq "submit.sh: exit 0" "$?" 0
expect_eq "submit.sh: each merge after its array, the leaderboard after the merges" "$(cat "$TMP/sb.log")" \
"--parsable 01-dispatch.default.fake-a.array.sbatch
--parsable --dependency=afterok:101 01-dispatch.default.fake-a.merge.sbatch
--parsable 02-dispatch.default.b.array.sbatch
--parsable --dependency=afterok:103 02-dispatch.default.b.merge.sbatch
--parsable --dependency=afterok:102:104 leaderboard.sbatch"
expect_eq "submit.sh: prints the leaderboard's id" "$(cat "$TMP/submit.out")" 105
expect_match "submit.sh: records the ids" "$(cat "$TMP/sweep-t/jobs.tsv")" "merge	dispatch.default.b	104"
rm -rf "$TMP/sweep-t"

# the same sweep run unsharded, for reference
"$STEVAL" run "$SPEC" --data "$DATA" --model fake-a --models "$TMP/models.json" --out "$TMP/ref" \
    --no-progress >"$TMP/ref-a.out" 2>&1
$PY "$ROOT/tests/servers/fake_llm.py" --port "$PB" --answer B >"$TMP/pb.out" 2>&1 &
PBPID=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^PORT' "$TMP/pb.out"; do sleep 0.05; i=$((i + 1)); done
"$STEVAL" run "$SPEC" --data "$DATA" --model "openai@http://127.0.0.1:$PB/v1:fake-b" --out "$TMP/ref" \
    --no-progress >"$TMP/ref-b.out" 2>&1
kill "$PBPID"; wait "$PBPID" 2>/dev/null

# --- --local
"$STEVAL" sweep "$TMP/sweep.json" --local >"$TMP/local.out" 2>"$TMP/local.err"; rc=$?
expect_eq "--local: exit 0" "$rc" 0
[ "$rc" = 0 ] || { tail -n 5 "$TMP"/sweep-t/logs/* | sed 's/^/#   /'; }
expect_eq "--local prints the leaderboard directory" "$(cat "$TMP/local.out")" "$TMP/sweep-t/leaderboard"
expect_match "--local: says each step" "$(cat "$TMP/local.err")" "sweep: \[2/2\] dispatch.default.b: shard 1 of 2"
expect_eq "--local: each task's server on its own port, stopped after" "$(cat "$TMP"/sweep-t/runs/dispatch.default.b/*/server.log | grep -o 'PORT [0-9]*' | tr '\n' ' '):$($PY -c "
import socket, sys
for p in ($PB + 3, $PB + 4):
    s = socket.socket()
    sys.stdout.write('open ' if s.connect_ex(('127.0.0.1', p)) == 0 else 'closed ')")" "PORT $((PB + 3)) PORT $((PB + 4)) :closed closed "
expect_eq "--local: every shard did a part of the items, each once" "$(for i in 0 1 2; do
    n=$(cat "$TMP"/sweep-t/runs/dispatch.default.fake-a/shard-$i-of-3/*/*/*/samples.jsonl 2>/dev/null | wc -l)
    [ "$n" -gt 0 ] && printf 'ok '
done; cat "$TMP"/sweep-t/runs/dispatch.default.fake-a/shard-*/*/*/*/samples.jsonl | wc -l)" "ok ok ok 18"
expect_file "--local: the leaderboard (md)" "$TMP/sweep-t/leaderboard/dispatch.md"
expect_file "--local: the leaderboard (json)" "$TMP/sweep-t/leaderboard/dispatch.json"
KEY='(D["overall"], D.get("categories"), D.get("splits"))'
SKEY='sorted((r["id"], r["status"], r["extracted"], r["score"]) for r in D)'
for m in fake-a:a b:b; do
    key=${m%%:*} ref=${m##*:}
    REF=$(tail -n 1 "$TMP/ref-$ref.out")
    MERGED=$TMP/sweep-t/merged/dispatch.default.$key
    expect_eq "--local $key: merged results equal the unsharded run's" \
        "$(q "$MERGED/results.json" "$KEY")" "$(q "$REF/results.json" "$KEY")"
    expect_eq "--local $key: merged samples equal the unsharded run's" \
        "$(q "$MERGED/samples.jsonl" "$SKEY")" "$(q "$REF/samples.jsonl" "$SKEY")"
done
out=$("$STEVAL" sweep "$TMP/sweep.json" --status 2>&1); rc=$?
expect_eq "--status when all is done: exit 0" "$rc" 0
expect_match "--status: done, with the shard counts" "$out" "done +3/3 +dispatch.default.fake-a"
expect_match "--status: the summary" "$out" "2 jobs: 2 done, 0 running, 0 failed, 0 missing"

# --- --status for the other states
SH=$TMP/sweep-t/runs/dispatch.default.fake-a
rm -rf "$TMP/sweep-t/merged/dispatch.default.fake-a" "$SH/shard-2-of-3"
out=$("$STEVAL" sweep "$TMP/sweep.json" --status 2>&1); rc=$?
expect_eq "--status with a shard missing: exit 3" "$rc" 3
expect_match "--status: a missing shard named" "$out" "missing +2/3 +dispatch.default.fake-a \(shards missing: 2\)"
RUN1=$(dirname "$(find "$SH/shard-1-of-3" -name manifest.json)")
$PY -c "
import json, sys
p = sys.argv[1] + '/manifest.json'
m = json.load(open(p)); m['status'] = 'incomplete'; json.dump(m, open(p, 'w'))" "$RUN1"
echo 3 >"$SH/shard-1-of-3/exit"
out=$("$STEVAL" sweep "$TMP/sweep.json" --status 2>&1)
expect_match "--status: a failed shard with its exit code" "$out" "failed +1/3 +dispatch.default.fake-a \(shard 1: exit 3, run incomplete\)"
rm -f "$SH/shard-1-of-3/exit"
sleep 30 & SLEEPER=$!
printf '1234 %s %s\n' "$(hostname)" "$SLEEPER" >"$SH/shard-1-of-3/job"
out=$("$STEVAL" sweep "$TMP/sweep.json" --status 2>&1)
expect_match "--status: a shard whose task is alive is running" "$out" "running +1/3 +dispatch.default.fake-a"
kill "$SLEEPER"; wait "$SLEEPER" 2>/dev/null
out=$("$STEVAL" sweep "$TMP/sweep.json" --status 2>&1)
expect_match "--status: a task gone without a word failed" "$out" "failed .*shard 1: job 1234 on .* is gone"

# --- --local again resumes: only what is missing is done
before=$(wc -l <"$REC")
"$STEVAL" sweep "$TMP/sweep.json" --local >/dev/null 2>"$TMP/local2.err"; rc=$?
expect_eq "--local again: exit 0" "$rc" 0
n2=$(q "$TMP/sweep-t/merged/dispatch.default.fake-a/results.json" 'D["overall"]["n"]')
expect_eq "--local again: the merged run has every item" "$n2" 18
after=$(wc -l <"$REC")
expect_eq "--local again: only the missing shard's items were asked" "$((after - before))" \
    "$(ls "$SH"/shard-2-of-3 >/dev/null && q "$(dirname "$(find "$SH/shard-2-of-3" -name manifest.json)")/samples.jsonl" 'len(D)')"

# --- docs/cluster.md shows the scripts docs/examples/sweep.json makes, as they are
mkdir -p "$TMP/lb"
cp "$ROOT/docs/examples/sweep.json" "$TMP/lb/"
out=$("$STEVAL" sweep "$TMP/lb/sweep.json" --slurm "$TMP/lb/slurm" 2>&1)
expect_eq "docs/examples/sweep.json: --slurm writes the scripts" "$out" "$TMP/lb/slurm/submit.sh"
for s in "A job array:02-vsi-bench.default.qwen2.5-vl-7b.array.sbatch" \
         "A merge:02-vsi-bench.default.qwen2.5-vl-7b.merge.sbatch" \
         "The leaderboard:leaderboard.sbatch" "submit.sh:submit.sh"; do
    title=${s%%:*} file=${s#*:}
    doc=$($PY - "$ROOT/docs/cluster.md" "$title" <<'EOP'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^### " + re.escape(sys.argv[2]) + r"\n.*?```bash\n(.*?)```", text, re.S | re.M)
sys.stdout.write(m.group(1) if m else "(no such block)\n")
EOP
)
    got=$(sed -e "s#$TMP/lb#/home/me/lb#g" -e "s#$STEVAL#/opt/steval/bin/steval#g" "$TMP/lb/slurm/$file")
    expect_eq "docs/cluster.md shows $file as written" "$doc" "$got"
done
# --- a signal to --local reaches the task it runs (as scancel would): the run
# is interrupted and saved, the sweep stops with exit 3
fake_start --script "$(script hang '{"rules": [{"match": {"nth": [3, 4, 5, 6]}, "do": "hang"}]}')"
cat >"$TMP/hang.json" <<EOS
{"name": "h", "models": ["openai@http://127.0.0.1:$PORT/v1:slow"],
 "suites": [{"suite": "$SPEC", "data": "vdata"}], "options": {"concurrency": 2}, "slurm": {"shards": 2}}
EOS
"$STEVAL" sweep "$TMP/hang.json" --local >/dev/null 2>"$TMP/hang.err" &
SW=$!
HR=$TMP/sweep-h/runs/dispatch.default.openai_slow/shard-0-of-2
i=0
while [ $i -lt 200 ] && [ "$(cat "$HR"/*/*/*/samples.jsonl 2>/dev/null | wc -l)" -lt 2 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM "$SW"
i=0
while [ $i -lt 200 ] && kill -0 "$SW" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
wait "$SW"; rc=$?
expect_eq "--local stopped by a signal: exit 3" "$rc" 3
expect_eq "--local stopped by a signal: the shard's run saved as interrupted" \
    "$(q "$(dirname "$(find "$HR" -name manifest.json)")/manifest.json" 'D["status"]')" interrupted
expect_eq "--local stopped by a signal: its task is gone" \
    "$(kill -0 "$(cut -d' ' -f3 "$HR/job")" 2>/dev/null && echo alive || echo gone)" gone
expect_eq "--local stopped by a signal: shard 1 was not started" "$(ls "$TMP/sweep-h/runs/dispatch.default.openai_slow")" "shard-0-of-2"
finish
