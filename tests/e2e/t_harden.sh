#!/bin/sh
# Hardening (issue 16): what must never lose data, or pass a bad input
# silently. One section per point; the run-directory lock is t_rundir_lock.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

# 2. score --out onto a directory that holds a run
run=$("$STEVAL" run demo --model baseline:first --out "$TMP/runs" 2>/dev/null)
before=$(cat "$run/samples.jsonl" | od -An -c | md5sum)
"$STEVAL" run demo --model baseline:random --seed 3 --out "$TMP/other" >"$TMP/o.out" 2>/dev/null
preds=$(cat "$TMP/o.out")/samples.jsonl
out=$("$STEVAL" score --suite demo --out "$run" "$preds" 2>&1); rc=$?
expect_eq "score --out onto a run: exit 2" "$rc" 2
expect_match "score --out onto a run: says why and how" "$out" "already holds a run or scores \(manifest.json\).*--force"
expect_eq "score --out onto a run: its samples are untouched" "$(cat "$run/samples.jsonl" | od -An -c | md5sum)" "$before"
expect_file "score --out onto a run: its manifest is kept" "$run/manifest.json"
out=$("$STEVAL" score --suite demo --out "$run" "$run/samples.jsonl" --force 2>&1); rc=$?
expect_eq "score --out DIR DIR/samples.jsonl (even --force): exit 2" "$rc" 2
expect_match "score --out DIR DIR/samples.jsonl: names it" "$out" "is the samples.jsonl of --out"
expect_eq "score --out DIR DIR/samples.jsonl: nothing truncated" "$(cat "$run/samples.jsonl" | od -An -c | md5sum)" "$before"
out=$("$STEVAL" score --suite demo --out "$run" "$preds" --force 2>&1 >/dev/null); rc=$?
expect_eq "score --out onto a run with --force: exit 0" "$rc" 0
expect_match "--force warns that the manifest went" "$out" "removed '.*manifest.json'"
expect_eq "--force: no stale manifest left" "$([ -e "$run/manifest.json" ] && echo left || echo gone)" gone
expect_eq "--force: the new samples replace the old" "$(q "$run/samples.jsonl" 'len(D)')" 10
"$STEVAL" score --suite demo --out "$TMP/fresh" "$preds" >/dev/null 2>&1
expect_eq "score --out a new directory: no --force needed" "$?" 0
"$STEVAL" score --suite demo --out "$TMP/fresh" "$preds" >/dev/null 2>&1
expect_eq "score --out its own earlier scores: exit 2 without --force" "$?" 2

# 6. every numeric option: negative, NaN, infinite or out of range is a
# usage error saying the allowed range, never a silent default
while IFS='|' read -r cmd opt val want; do
    [ -n "$cmd" ] || continue
    # shellcheck disable=SC2086
    out=$("$STEVAL" $cmd $opt "$val" 2>&1 >/dev/null); rc=$?
    expect_eq "$cmd $opt $val: exit 2" "$rc" 2
    expect_match "$cmd $opt $val: says the range" "$out" "$want"
done <<'CASES'
run demo --model baseline:first --out /nonexistent|--limit|-1|--limit must be a whole number >= 0, not '-1'
run demo --model baseline:first --out /nonexistent|--seed|-2|--seed must be a whole number >= 0
run demo --model baseline:first --out /nonexistent|-j|0|--concurrency must be a whole number >= 1, not '0'
run demo --model baseline:first --out /nonexistent|--concurrency|5000|--concurrency must be at most 4096
run demo --model baseline:first --out /nonexistent|--rpm|-1|--rpm must be a number > 0
run demo --model baseline:first --out /nonexistent|--tpm|nan|--tpm expects a number > 0, not 'nan'
run demo --model baseline:first --out /nonexistent|--timeout|0|--timeout must be a number > 0, not '0'
run demo --model baseline:first --out /nonexistent|--timeout|inf|--timeout expects a number > 0
run demo --model baseline:first --out /nonexistent|--connect-timeout|-1|--connect-timeout must be a number > 0
run demo --model baseline:first --out /nonexistent|--idle-timeout|-0.5|--idle-timeout must be a number >= 0
run demo --model baseline:first --out /nonexistent|--retries|-1|--retries must be a whole number >= 0
run demo --model baseline:first --out /nonexistent|--retries|1000|--retries must be at most 100
run demo --model baseline:first --out /nonexistent|--max-retry-wait|nan|--max-retry-wait expects a number >= 0
run demo --model baseline:first --out /nonexistent|--max-response|100|--max-response must be between 1024 and
run demo --model baseline:first --out /nonexistent|--max-tokens|-3|--max-tokens must be a whole number >= 1, not '-3'
run demo --model baseline:first --out /nonexistent|--max-tokens|0|--max-tokens must be a whole number >= 1
run demo --model baseline:first --out /nonexistent|--temperature|nan|--temperature expects a number >= 0, not 'nan'
run demo --model baseline:first --out /nonexistent|--temperature|-1|--temperature must be a number >= 0
run demo --model baseline:first --out /nonexistent|--frame-workers|-1|--frame-workers must be a whole number >= 0
run demo --model baseline:first --out /nonexistent|--frame-workers|65|--frame-workers must be at most 64
run demo --model baseline:first --out /nonexistent|--max-errors|nan%|--max-errors: 'nan%' is not a percentage
run demo --model baseline:first --out /nonexistent|--max-errors|-1|--max-errors: '-1' is neither a count
run demo --model baseline:first --out /nonexistent|--gen|temperature=nan|--gen temperature=nan: a number must be finite
frames x.mp4|--count|-1|--count must be a whole number >= 1, not '-1'
frames x.mp4|--max-count|0|--max-count must be a whole number >= 1
frames x.mp4|--fps|nan|--fps expects a number > 0
frames x.mp4|--start|-1|--start must be a number >= 0
frames x.mp4|--end|inf|--end expects a number >= 0
frames x.mp4|--max-side|-1|--max-side must be a whole number >= 0
frames x.mp4|--max-pixels|-1|--max-pixels must be a whole number >= 0
frames x.mp4|--quality|-1|--quality must be a whole number >= 1
frames x.mp4|--quality|101|--quality must be between 1 and 100
frames x.mp4|--threads|-1|--threads must be a whole number >= 0
cat x.parquet|--limit|-1|--limit must be a whole number >= 0, not '-1'
report x|--resamples|-1|--resamples must be a whole number >= 0
report x|--seed|-1|--seed must be a whole number >= 0
report x|--level|nan|--level expects a number > 0
report x|--level|1.5|--level must be between 0 and 1
compare a b|--max-drop|-1|--max-drop must be a number >= 0
compare a b|--alpha|nan|--alpha expects a number > 0
compare a b|--resamples|0|--resamples 1 or more
compare a b|--seed|-1|--seed must be a whole number >= 0
score --suite demo --out /nonexistent x|--seed|-1|--seed must be a whole number >= 0
score --suite demo --out /nonexistent x|--judge-concurrency|0|--judge-concurrency must be a whole number >= 1
score --suite demo --out /nonexistent x|--judge-rpm|nan|--judge-rpm expects a number > 0
judge x --judge baseline:first|--retries|-1|--retries must be a whole number >= 0
judge x --judge baseline:first|--timeout|0|--timeout must be a number > 0
judge x --judge baseline:first|--max-retry-wait|inf|--max-retry-wait expects a number >= 0
judge x --judge baseline:first|--seed|-1|--seed must be a whole number >= 0
CASES

# 3. NUL and invalid UTF-8 never truncate text
SCR=$(script nul '{"rules": [{"match": {"contains": "number 1:"}, "do": "answer", "text": "B\u0000 after the NUL"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:fake-vlm" --limit 2
expect_eq "NUL in an answer: exit 0" "$RC" 0
expect_eq "NUL in an answer: every byte kept, NUL as \\u0000" \
    "$(S '[r["response"] for r in D if r["id"] == "q001"]')" '["B\u0000 after the NUL"]'
expect_match "NUL in an answer: written as \\u0000 in samples.jsonl" "$(cat "$RUN/samples.jsonl")" 'B\\u0000 after the NUL'
fake_stop
cat >"$TMP/nulworker.py" <<'PYEOF'
import json, sys
for line in sys.stdin:
    req = json.loads(line)
    sys.stdout.buffer.write(b'{"id": ' + json.dumps(req["id"]).encode() +
                            b', "text": "B\\u0000 x \xff\xfe y \xc3\x28 end"}\n')
    sys.stdout.flush()
PYEOF
srun --model "command:$PY $TMP/nulworker.py" --limit 1
expect_eq "worker output with NUL and invalid UTF-8: exit 0" "$RC" 0
expect_eq "worker output: nothing cut, invalid bytes as U+FFFD" "$(S 'D[0]["response"].replace(chr(0), "<NUL>")')" \
    "$(printf 'B<NUL> x \357\277\275\357\277\275 y \357\277\275( end')"
expect_eq "worker output: extractors see the NUL as one U+FFFD" "$(S 'D[0]["extracted"]')" "$(printf 'B\357\277\275')"
printf '{"id": "q000", "response": "B"}\n{"id": "q001", "response": "A\000B"}\n' >"$TMP/rawnul.jsonl"
out=$("$STEVAL" score --suite "$SPEC" --data "$DATA" --out "$TMP/rawnul" "$TMP/rawnul.jsonl" 2>&1); rc=$?
expect_eq "a raw NUL in a prediction file: exit 2" "$rc" 2
expect_match "a raw NUL in a prediction file: file and line" "$out" "rawnul.jsonl': line 2: a NUL byte \(invalid JSON"
mkdir -p "$TMP/nuldata"
cp -r "$DATA"/. "$TMP/nuldata/"
f=$(ls "$TMP"/nuldata/*.jsonl | head -n 1)
printf '{"id": "bad", "question": "what\000now"}\n' >>"$f"
out=$("$STEVAL" show "$SPEC" --data "$TMP/nuldata" 2>&1); rc=$?
expect_eq "a raw NUL in suite data: exit 2" "$rc" 2
expect_match "a raw NUL in suite data: file and line" "$out" "$(basename "$f")': line [0-9]+: a NUL byte"
mkdir -p "$TMP/tsvnul"
$PY -c '
import sys
t = open(sys.argv[1], "rb").read().replace(b"length of the white", b"length\0of the white", 1)
open(sys.argv[2], "wb").write(t)' "$ROOT/fixtures/sti-bench-tsv/STIBench.tsv" "$TMP/tsvnul/STIBench.tsv"
out=$("$STEVAL" show sti-bench --data "$TMP/tsvnul" --item 11356601648124485814_409_000_429_000_camera_1.mp4#0 --raw 2>&1 | od -An -c | tr -s ' \n' ' ')
expect_match "a NUL in a TSV question: nothing after it is lost" "$out" "l e n g t h 300 200 o f t h e w h i t e t r u c k"

# 5. items no answer could score right are rejected at load, naming file and record
$PY - "$ROOT/suites/demo.json" "$TMP/s5" <<'PYEOF'
import json, os, sys
spec = json.load(open(sys.argv[1]))
d = sys.argv[2]
os.makedirs(d, exist_ok=True)
spec["data"] = {"sources": [{"files": ["demo.jsonl"]}]}
good = {"id": "g", "question": "q?", "task": "counting", "options": ["A. 1", "B. 2"], "answer": "A"}
cases = {
    "notopt": dict(good, answer="C"),
    "null": dict(good, answer=None),
    "listans": dict(good, answer=["A"]),
    "nan": {"id": "n", "question": "how long?", "task": "timing", "answer": "nan"},
    "inf": {"id": "n", "question": "how long?", "task": "timing", "answer": "inf"},
    "optshape": dict(good, options=["A. 1", ["B. 2"]]),
}
for name, rec in cases.items():
    os.makedirs(os.path.join(d, name), exist_ok=True)
    with open(os.path.join(d, name, "demo.jsonl"), "w") as f:
        f.write(json.dumps(good) + "\n" + json.dumps(dict(rec, id="bad")) + "\n")
json.dump(spec, open(os.path.join(d, "s5.json"), "w"))
PYEOF
while IFS='|' read -r name want; do
    out=$("$STEVAL" show "$TMP/s5/s5.json" --data "$TMP/s5/$name" 2>&1); rc=$?
    expect_eq "unscorable item ($name): exit 2" "$rc" 2
    expect_match "unscorable item ($name): file, record and item" "$out" "demo.jsonl': (line|record) 2: (item 'bad': )?$want"
done <<'CASES'
notopt|the answer 'C' is not among its options \(A, B\)
null|the answer \('answer'\) is null
listans|the answer \('answer'\) is a list
nan|the answer 'nan' is not a finite number
inf|the answer 'inf' is not a finite number
optshape|option 2 in 'options' is a list
CASES
"$STEVAL" show r4d-bench --data "$ROOT/fixtures/r4d-bench" >/dev/null 2>&1
expect_eq "a spec may keep them (keep_unscorable: R4D-Bench's official denominator)" "$?" 0

# 5. score: a record without an answer is warned about; --verdicts that drops
# predictions or finds no verdict exits non-zero
printf '{"id": "%s", "response": "A"}\n{"id": "%s", "response": 5}\n{"id": "%s"}\n' \
    "$(sed -n 1p "$ROOT/fixtures/demo/demo.jsonl" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')" \
    "$(sed -n 2p "$ROOT/fixtures/demo/demo.jsonl" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')" \
    "$(sed -n 3p "$ROOT/fixtures/demo/demo.jsonl" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')" \
    >"$TMP/p5.jsonl"
out=$("$STEVAL" score --suite demo --out "$TMP/p5" "$TMP/p5.jsonl" 2>&1 >/dev/null); rc=$?
expect_eq "predictions without answers: still scored (exit 0)" "$rc" 0
expect_match "a non-string answer is warned about, per record" "$out" "p5.jsonl': record 2 \(item '[^']+'\): no answer"
expect_match "a missing answer is warned about, per record" "$out" "p5.jsonl': record 3 \(item '[^']+'\): no answer"
out=$("$STEVAL" score --suite demo --verdicts --out "$TMP/p5v" "$TMP/p5.jsonl" 2>&1 >/dev/null); rc=$?
expect_eq "score --verdicts with no verdicts: exit 2" "$rc" 2
expect_match "score --verdicts with no verdicts: says so" "$out" "0 predictions matched no item and 3 had no verdict"
printf '{"id": "nope", "response": "A", "correct": true}\n' >>"$TMP/p5.jsonl"
"$STEVAL" score --suite demo --verdicts --out "$TMP/p5w" "$TMP/p5.jsonl" >/dev/null 2>&1
expect_eq "score --verdicts dropping a prediction: exit 2" "$?" 2

# 4. report, compare and leaderboard validate what they read
R4=$("$STEVAL" run demo --model baseline:first --out "$TMP/r4" 2>/dev/null)
tamper() { # NAME PYTHON-EXPR-ON-RECORD-r (the 3rd line)
    rm -rf "$TMP/t4-$1"; cp -r "$R4" "$TMP/t4-$1"
    $PY - "$TMP/t4-$1/samples.jsonl" "$2" <<'PYEOF'
import json, sys
p, expr = sys.argv[1], sys.argv[2]
lines = open(p).read().splitlines()
r = json.loads(lines[2])
exec(expr)
lines[2] = json.dumps(r)
open(p, "w").write("\n".join(lines) + "\n")
PYEOF
    echo "$TMP/t4-$1"
}
while IFS='|' read -r name expr want; do
    d=$(tamper "$name" "$expr")
    out=$("$STEVAL" report "$d" 2>&1); rc=$?
    expect_eq "report, $name: exit 2" "$rc" 2
    expect_match "report, $name: file and line" "$out" "samples.jsonl': line 3: item '[^']+'.*$want"
    out=$("$STEVAL" compare "$R4" "$d" 2>&1); rc=$?
    expect_eq "compare, $name: exit 2" "$rc" 2
    expect_match "compare, $name: file and line" "$out" "samples.jsonl': line 3: .*$want"
done <<'CASES'
score above 1|r["score"] = 7.5|score 7.5 is outside \[0, 1\]
negative score|r["score"] = -1|score -1 is outside \[0, 1\]
score not a number|r["score"] = "1"|the score is not a number
unknown status|r["status"] = "great"|unknown status 'great'
no status|del r["status"]|no status
variant score|r["variants"] = {"robust": {"status": "ok", "score": 2}}|variant 'robust'.*score 2 is outside
CASES
# a results.json that disagrees with its samples
d=$TMP/t4-lie; rm -rf "$d"; cp -r "$R4" "$d"
$PY -c 'import json,sys; p=sys.argv[1]; r=json.load(open(p)); r["overall"]["ok"]=50; json.dump(r, open(p,"w"))' "$d/results.json"
out=$("$STEVAL" compare "$R4" "$d" 2>&1); rc=$?
expect_eq "compare, results.json disagreeing with samples: exit 2" "$rc" 2
expect_match "compare, results.json disagreeing: names it" "$out" "t4-lie/results.json' disagrees with its samples.jsonl: 50 items ok, the samples have 10"
out=$("$STEVAL" leaderboard "$R4" "$d" 2>&1); rc=$?
expect_eq "leaderboard, results.json disagreeing with samples: exit 2" "$rc" 2
expect_match "leaderboard: names it" "$out" "t4-lie/results.json' disagrees"
# the leaderboard counts samples line by line (rundir.c count_statuses), the
# last line of an id counting: an earlier error line of an item answered ok
# later leaves its counts agreeing, one more ok line than results.json says not
d2=$TMP/t4-retried; rm -rf "$d2"; cp -r "$R4" "$d2"
$PY - "$d2/samples.jsonl" <<'PY'
import json, sys
p = sys.argv[1]
lines = open(p).read().splitlines()
r = json.loads(lines[0]); r["status"] = "error"; r["score"] = None
open(p, "w").write("\n".join([json.dumps(r)] + lines) + "\n")
PY
out=$("$STEVAL" leaderboard "$R4" "$d2" 2>&1); rc=$?
expect_eq "leaderboard, an error line replaced by a later ok one: exit 0" "$rc" 0
d3=$TMP/t4-more; rm -rf "$d3"; cp -r "$R4" "$d3"
$PY -c 'import json,sys; p=sys.argv[1]; r=json.load(open(p)); r["overall"]["error"]=r["overall"].get("error",0)+1; json.dump(r, open(p,"w"))' "$d3/results.json"
out=$("$STEVAL" leaderboard "$R4" "$d3" 2>&1); rc=$?
expect_eq "leaderboard, one error more in results.json than in its samples: exit 2" "$rc" 2
expect_match "leaderboard: the error count named" "$out" "t4-more/results.json' disagrees with its samples.jsonl: [0-9]+ items error"
"$STEVAL" report --stored "$d" >/dev/null 2>&1
expect_eq "report --stored, results.json disagreeing: exit 2" "$?" 2
"$STEVAL" report "$d" >/dev/null 2>&1
expect_eq "report recomputes it: exit 0" "$?" 0
expect_eq "report recomputed the counts" "$(q "$d/results.json" 'D["overall"]["ok"]')" 10
# a corrupt or missing results.json is recomputed from samples and manifest
printf '{"suite": "demo", "overall": ' >"$d/results.json"
out=$("$STEVAL" report "$d" 2>&1); rc=$?
expect_eq "report, corrupt results.json: exit 0" "$rc" 0
expect_match "report, corrupt results.json: says it recomputes" "$out" "recomputing results.json from samples.jsonl and manifest.json"
expect_eq "report, corrupt results.json: rebuilt" "$(q "$d/results.json" 'D["overall"]')" "$(q "$R4/results.json" 'D["overall"]')"
rm "$d/results.json"
"$STEVAL" report "$d" >/dev/null 2>&1
expect_eq "report, missing results.json (a killed run): rebuilt" "$(q "$d/results.json" 'D["overall"]["n"]')" 10
printf 'nonsense' >"$d/results.json"
"$STEVAL" report --stored "$d" >/dev/null 2>&1
expect_eq "report --stored, corrupt results.json: exit 2" "$?" 2

# 7. media stay inside the data directory; FIFOs never hang a reader
fake_start
MODEL="openai@$BASE/v1:fake-vlm"
mkdata() { # NAME SED-EXPR-ON-LINE-1
    rm -rf "$TMP/m7/$1"; mkdir -p "$TMP/m7/$1"; cp -r "$DATA"/. "$TMP/m7/$1/"
    sed -i "1$2" "$TMP/m7/$1/items.jsonl"
    echo "$TMP/m7/$1"
}
cp "$DATA/clip.mp4" "$TMP/m7-outside.mp4"
while IFS='|' read -r name expr want; do
    d=$(mkdata "$name" "$expr")
    [ "$name" = symlink ] && ln -s "$TMP/m7-outside.mp4" "$d/link.mp4"
    [ "$name" = fifo ] && mkfifo "$d/fifo.mp4"
    "$STEVAL" run "$SPEC" --data "$d" --out "$TMP/m7runs" --no-progress --model "$MODEL" --limit 2 \
        >/dev/null 2>"$TMP/m7.err"; rc=$?
    expect_eq "media, $name: not run (exit $rc)" "$([ "$rc" != 0 ] && echo refused)" refused
    expect_match "media, $name: says why" "$(cat "$TMP/m7.err")" "$want"
done <<CASES
dotdot|s#"video": "clip.mp4"#"video": "../../m7-outside.mp4"#|media path '../../m7-outside.mp4' climbs out with '..'
absolute|s#"video": "clip.mp4"#"video": "$TMP/m7-outside.mp4"#|media path '$TMP/m7-outside.mp4' is absolute
symlink|s#"video": "clip.mp4"#"video": "link.mp4"#|media file 'link.mp4' resolves to '.*m7-outside.mp4', outside the data directory
fifo|s#"video": "clip.mp4"#"video": "fifo.mp4"#|fifo.mp4' is not a regular file
CASES
d=$(mkdata allowed 's#"video": "clip.mp4"#"video": "../../m7-outside.mp4"#')
"$STEVAL" run "$SPEC" --data "$d" --out "$TMP/m7runs" --no-progress --model "$MODEL" --limit 2 \
    --allow-outside-data >/dev/null 2>&1
expect_eq "media outside the data with --allow-outside-data: exit 0" "$?" 0
d=$(mkdata inside 's#"video": "clip.mp4"#"video": "./sub/../clip.mp4"#')
mkdir -p "$d/sub"
"$STEVAL" run "$SPEC" --data "$d" --out "$TMP/m7runs" --no-progress --model "$MODEL" --limit 2 >/dev/null 2>"$TMP/m7.err"
expect_match "media, '..' anywhere in the path is refused" "$(cat "$TMP/m7.err")" "climbs out"
# a suite file that is a FIFO is refused at once (it used to hang the loader)
d=$TMP/m7/fifodata; rm -rf "$d"; mkdir -p "$d"; cp -r "$DATA"/. "$d/"; rm "$d/items.jsonl"; mkfifo "$d/items.jsonl"
out=$(timeout 10 "$STEVAL" show "$SPEC" --data "$d" 2>&1); rc=$?
expect_eq "a FIFO as suite data: exit 2, at once" "$rc" 2
expect_match "a FIFO as suite data: says so" "$out" "items.jsonl' is not a regular file \(a FIFO"
# a suite's name never climbs out of --out
$PY -c '
import json, sys
s = json.load(open(sys.argv[1])); s["name"] = "../../escaped"
json.dump(s, open(sys.argv[2], "w"))' "$SPEC" "$TMP/m7-evil.json"
"$STEVAL" run "$TMP/m7-evil.json" --data "$DATA" --out "$TMP/m7o/runs" --no-progress --model baseline:first \
    >"$TMP/m7.out" 2>/dev/null
expect_match "a suite name with ../ stays under --out" "$(cat "$TMP/m7.out")" "^$TMP/m7o/runs/[^/]+/baseline_first/[0-9TZ]+$"
expect_eq "nothing written outside --out" "$(ls "$TMP" | grep -c escaped)" 0

# 8. command workers: a minimal environment; a known key they echo is redacted
cat >"$TMP/envworker.py" <<'PYEOF'
import json, os, sys
extra = sys.argv[1] if len(sys.argv) > 1 else ""
for line in sys.stdin:
    req = json.loads(line)
    out = {"id": req["id"], "text": "B " + extra + " " + json.dumps(sorted(os.environ))}
    if os.environ.get("ANSWER_FIELD"):
        out = {"id": req["id"], os.environ["ANSWER_FIELD"]: "B"}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
PYEOF
export MY_WORKER_SETTING=on
srun --model "command:$PY $TMP/envworker.py" --limit 1
expect_eq "worker env: exit 0" "$RC" 0
names=$(S 'D[0]["response"]')
expect_match "worker env: PATH and HOME pass" "$names" '"HOME".*"PATH"'
expect_eq "worker env: no provider key variable" "$(printf '%s' "$names" | grep -c 'API_KEY')" 0
expect_eq "worker env: nothing else of the session" "$(printf '%s' "$names" | grep -c 'MY_WORKER_SETTING')" 0
printf '{"w": {"adapter": "command", "command": "%s %s", "env": ["MY_WORKER_*"]}}' "$PY" "$TMP/envworker.py" \
    >"$TMP/wmodels.json"
srun --model w --models "$TMP/wmodels.json" --limit 1
expect_match "worker env: the models file's \"env\" names pass" "$(S 'D[0]["response"]')" '"MY_WORKER_SETTING"'
STEVAL_WORKER_ENV="MY_WORKER_SETTING" srun --model "command:$PY $TMP/envworker.py" --limit 1
expect_match "worker env: \$STEVAL_WORKER_ENV names pass" "$(S 'D[0]["response"]')" '"MY_WORKER_SETTING"'
srun --model "command:$PY $TMP/envworker.py $FAKE_KEY" --limit 1
expect_eq "a worker echoing a known key: exit 0" "$RC" 0
expect_match "a worker echoing a known key: redacted in the answer" "$(S 'D[0]["response"]')" '^B \[REDACTED\] '
no_key_in "$RUN" "a worker echoing a known key: the key is in no file of the run"
# smaller: an answer with an unknown field, a worker that cannot start
ANSWER_FIELD=response STEVAL_WORKER_ENV=ANSWER_FIELD srun --model "command:$PY $TMP/envworker.py" --limit 1
expect_eq "a worker answer with an unknown field: the item fails (exit 3)" "$RC" 3
expect_match "a worker answer with an unknown field: names it" "$(S 'D[0]["error"]')" "unknown field 'response' in an answer"
srun --model "command:/nonexistent/worker --serve" --limit 2
expect_eq "a worker that cannot start (exit 127): exit 3 at once" "$RC" 3
expect_match "a worker that cannot start: says why" "$ERR" "exited with status 127 before answering: command not found"
expect_eq "a worker that cannot start: started once, not three times" "$(printf '%s' "$ERR" | grep -c 'warning: .*exited with status 127')" 1

# 9. text that reaches a terminal has its control characters escaped
$PY - "$ROOT/suites/demo.json" "$TMP/s9" <<'PYEOF'
import json, os, sys
spec = json.load(open(sys.argv[1]))
os.makedirs(sys.argv[2], exist_ok=True)
spec["title"] = "demo \x1b]0;pwned\x07 \x1b[2J title"
spec["notes"] = ["a note \x1b[31mred\x1b[0m \x9b1m"]
spec["data"]["default_dir"] = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "../fixtures/demo")
json.dump(spec, open(os.path.join(sys.argv[2], "s9.json"), "w"))
PYEOF
out=$("$STEVAL" show "$TMP/s9/s9.json" 2>&1 | od -An -c | tr -s ' \n' ' ')
expect_eq "show: no raw ESC, BEL or C1 reaches the terminal" "$(printf '%s' "$out" | grep -Ec ' 033 | 007 | 302 233 ')" 0
expect_match "show: they are written as \\xNN" "$("$STEVAL" show "$TMP/s9/s9.json" 2>&1)" 'demo \\x1b\]0;pwned\\x07 \\x1b\[2J title'
expect_match "show: notes too (C1 included)" "$("$STEVAL" show "$TMP/s9/s9.json" 2>&1)" 'note \\x1b\[31mred\\x1b\[0m \\x9b1m'
printf '{"id": "\\u001b[31mevil", "response": "A"}\n' >"$TMP/p9.jsonl"
out=$("$STEVAL" score --suite demo --out "$TMP/p9" "$TMP/p9.jsonl" 2>&1)
expect_eq "warnings and errors: no raw ESC" "$(printf '%s' "$out" | od -An -c | grep -c ' 033 ')" 0
expect_match "warnings and errors: the id shows escaped" "$out" "id '\\\\x1b\\[31mevil'"
# markdown: a pipe or a backtick in a name never breaks a table
R9=$("$STEVAL" run demo --model baseline:first --out "$TMP/r9" 2>/dev/null)
"$STEVAL" score --suite demo --model 'evil | `x` <script>alert(1)</script> | end' --out "$TMP/r9s" "$R9/samples.jsonl" \
    >/dev/null 2>&1
expect_eq "report.md: a model name with | and backticks keeps every table whole" \
    "$($PY "$ROOT/tests/e2e/hostile.py" check-md "$TMP/r9s/report.md")" "md: tables consistent"

# smaller ones: cyclic category members, version --help, run's last line
$PY - "$ROOT/suites/demo.json" "$TMP/sc" <<'PYEOF'
import json, os, sys
spec = json.load(open(sys.argv[1]))
os.makedirs(sys.argv[2], exist_ok=True)
cases = {
    "self": [{"name": "direction", "members": ["direction"]}, "counting", "timing"],
    "cycle": [{"name": "direction", "members": ["counting"]}, {"name": "counting", "members": ["direction"]}, "timing"],
    "twice": [{"name": "direction", "members": ["timing"]}, {"name": "counting", "members": ["timing"]}, "timing"],
}
for name, cats in cases.items():
    spec["categories"] = cats
    json.dump(spec, open(os.path.join(sys.argv[2], name + ".json"), "w"))
PYEOF
while IFS='|' read -r name want; do
    out=$("$STEVAL" show "$TMP/sc/$name.json" 2>&1); rc=$?
    expect_eq "categories, $name: exit 2" "$rc" 2
    expect_match "categories, $name: says so" "$out" "$want"
done <<'CASES'
self|category 'direction' lists itself as a member
cycle|members form a cycle through 'direction'
twice|category 'timing' is a member of both 'direction' and 'counting'
CASES
out=$("$STEVAL" version --help); rc=$?
expect_eq "version --help: exit 0" "$rc" 0
expect_match "version --help: prints help" "$out" "^usage: steval version"
expect_rc "version with an argument: exit 2" 2 "$STEVAL" version --bogus
"$STEVAL" run demo --model baseline:first --out "$TMP/rs" >"$TMP/rs.out" 2>"$TMP/rs.err"
expect_match "run ends with a one-line summary" "$(tail -n 1 "$TMP/rs.err")" \
    "^steval: demo: overall [0-9.]+ over 10 items \(10 ok, 0 unparsed, 0 errors\); report: $TMP/rs/demo/.*/report.md$"
expect_eq "run: stdout still ends with the run directory" "$(tail -n 1 "$TMP/rs.out")" "$(dirname "$(tail -n 1 "$TMP/rs.err" | sed 's/.*report: //')")"

finish
