#!/bin/sh
# OmniSpatial end to end: the suite read from OmniSpatial-test.zip as published
# (no unpacking) and from the unpacked folder; broken archives named in the
# errors; the official system prompt (sha256 from the research notes); the
# api/local/blind image and text orders in the requests; the 'Answer: X'
# scoring with the official "A" for a miss, flagged; --repeats (separate
# requests, mean and spread, resume); a baseline run; the 4d-rgpt table.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

OD=$TMP/omni
$PY "$ROOT/tests/e2e/omnispatial_data.py" "$ROOT/fixtures/omnispatial" "$OD" >"$TMP/images"
BADPNG=$(awk '/^BAD /{print $2}' "$TMP/images")
G=$ROOT/tests/golden/prompts/omnispatial

orun() { # DATA ARGS...: steval run omnispatial; RC, ERR, RUN
    _d=$1; shift
    "$STEVAL" run omnispatial --data "$_d" --out "$TMP/runs" --no-progress "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    ERR=$(cat "$TMP/err")
    RUN=$(tail -n 1 "$TMP/out")
}
sha() { $PY -c 'import hashlib,sys; d=open(sys.argv[1],"rb").read(); print(len(d), hashlib.sha256(d).hexdigest())' "$1"; }

# --- the published prompts -----------------------------------------------------
expect_eq "system prompt: manual-CoT + '\\n' + the re format, 1125 bytes, sha256 as in suites-2.md" \
    "$(sha "$G/api/SYSTEM.txt")" "1125 9811eea7073f08e38cd0d7e67f575ebeb309e33e3c362692d6a4a3ed0d1cfa69"
$PY - "$G/api/SYSTEM.txt" "$G/local/Complex_Logic_3_2.txt" >"$TMP/parts" <<'EOF'
import hashlib, sys
s = open(sys.argv[1], encoding="utf-8").read()
manual, fmt = s[:s.index("\nEnd your answer") ], s[s.index("\nEnd your answer"):]
# manual_cot ends with "\n", the join adds "\n": split at the format's start
manual = manual[:-1]
print(len(manual.encode()), hashlib.sha256(manual.encode()).hexdigest())
print(len(fmt.encode()), hashlib.sha256(fmt.encode()).hexdigest())
print(sum(1 for l in s.split("\n") if l.endswith("  ")))
local = open(sys.argv[2], encoding="utf-8").read()
print(local.startswith(manual + "\n" + fmt + "\n\n"))
EOF
expect_eq "system prompt: the manual-CoT part (1027 bytes) and the format (97 bytes) hash as published" \
    "$(sed -n 1,2p "$TMP/parts")" "1027 0751291720dc549a943afdb0e07b51303116a520dc04e46a1cff422fabb4f9db
97 5c94958dbf5e2b929bd43f4791d74d43efffddbe9f308e1b1bd2774e7fa341b9"
expect_eq "system prompt: three lines keep their two trailing spaces" "$(sed -n 3p "$TMP/parts")" 3
expect_eq "local: the user text starts with the same prompts, then a blank line" "$(sed -n 4p "$TMP/parts")" True

"$STEVAL" show omnispatial --data "$OD/zip" --item Perspective_Taking/4_1 --raw >"$TMP/zip.txt" 2>&1
ok_if "zip: show --raw equals the golden prompt" cmp "$TMP/zip.txt" "$G/api/Perspective_Taking_4_1.txt"
"$STEVAL" show omnispatial --data "$OD/folder" --item Perspective_Taking/4_1 --protocol local --raw >"$TMP/dir.txt" 2>&1
ok_if "folder: the local prompt equals its golden" cmp "$TMP/dir.txt" "$G/local/Perspective_Taking_4_1.txt"
out=$("$STEVAL" show omnispatial --data "$OD/zip" 2>&1)
expect_match "zip: 11 items from the archive's dataset/data.json" "$out" "data: .*/zip, 11 items"
expect_match "zip: the archive is the hashed source" "$out" "OmniSpatial-test.zip: 11 items, sha256 [0-9a-f]{12}"
expect_match "show: published numbers keep their source" "$out" \
    "4D-RGPT-8B: overall 40.4
      source: 4D-RGPT Table 2, OS column"
out=$("$STEVAL" show omnispatial --data "$OD/zip2" 2>&1)
expect_match "zip one folder deeper: OmniSpatial-test/dataset/data.json" "$out" "data: .*/zip2, 11 items"
out=$("$STEVAL" show omnispatial --data "$OD/flat" 2>&1)
expect_match "flat: data.json beside the task folders" "$out" "data: .*/flat, 11 items"
out=$("$STEVAL" show omnispatial --data "$OD/zip" --item Complex_Logic/3_2 2>&1)
expect_match "show: the image path, as the official code forms it" "$out" "# image 1: Complex_Logic/3.png"
expect_match "show: the truth is chr(65 + answer)" "$out" "truth '0' \\(letter A\\)"

# --- broken archives -------------------------------------------------------------
for b in truncated crc nodata; do
    expect_rc "broken zip ($b): exit 2" 2 "$STEVAL" show omnispatial --data "$OD/broken/$b" --item x
done
out=$("$STEVAL" show omnispatial --data "$OD/broken/truncated" 2>&1)
expect_match "truncated zip: the error names the file" "$out" "broken/truncated/OmniSpatial-test.zip': not a readable zip archive"
out=$("$STEVAL" show omnispatial --data "$OD/broken/crc" 2>&1)
expect_match "damaged entry: the error names the file and the entry" "$out" \
    "broken/crc/OmniSpatial-test.zip': entry 'dataset/data.json' is damaged"
out=$("$STEVAL" show omnispatial --data "$OD/broken/nodata" 2>&1)
expect_match "no data.json: the error lists the entries looked for" "$out" \
    "none of the entries \\[dataset/data.json, data.json, \\*/data.json, \\*/\\*/data.json\\] is in the zip archive"

# --- a run from the zip: requests, scoring, repeats ----------------------------------
SCRIPT=$(script omni '{"rules": [
 {"match": {"contains": "How long will it take"}, "do": "answer", "text": "I cannot tell from the picture."},
 {"match": {"contains": "gripper", "attempt": 1}, "do": "answer", "text": "The drawer opens outward.\nAnswer: B"},
 {"match": {"contains": "gripper", "attempt": 2}, "do": "answer", "text": "Answer: A"},
 {"match": {"contains": "cyclist"}, "do": "answer", "text": "answer: c"},
 {"match": {"contains": "red mug"}, "do": "answer", "text": "Answer: A\nOn second thought, the mug is on the right.\nAnswer: D"},
 {"match": {"contains": "summit"}, "do": "answer", "text": "Answer: **C**"}
]}')
fake_start --script "$SCRIPT" --answer "Answer: B"
orun "$OD/zip" --model "openai@$BASE/v1:m" --repeats 2
expect_eq "zip run: exit 0" "$RC" 0
expect_eq "zip run: 11 items x 2 repeats = 22 requests" "$(R 'len(D)')" 22
expect_eq "zip run: 22 samples, each (item, repeat) once" \
    "$(S 'len(D), len(set((r["id"], r["repeat"]) for r in D))')" '[22, 22]'
expect_eq "api: the system message is the official one" \
    "$(R 'D[0]["body"]["messages"][0]["role"]')" system
$PY -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); sys.stdout.write(r["body"]["messages"][0]["content"])' "$REC" >"$TMP/sys.got"
ok_if "api: the system text equals SYSTEM.txt byte for byte" cmp "$TMP/sys.got" "$G/api/SYSTEM.txt"
expect_eq "api: the text, then the image" \
    "$(R 'sorted(set(tuple(p["type"] for p in r["body"]["messages"][1]["content"]) for r in D))')" \
    '[["text", "image_url"]]'
expect_eq "api: the PNG from the archive, sent as it is (sha256 of the entry)" \
    "$(R '[r["shas"] for r in D if "folded solid" in r["text"]][0]')" \
    "[\"$(awk '$1 == "Complex_Logic/3.png" {print $2}' "$TMP/images")\"]"
expect_eq "api: image/png" "$(R 'sorted(set(m for r in D for m in r["mimes"]))')" '["image/png"]'
expect_file "zip run: a thumbnail of an archive's image for report.html" \
    "$RUN/frames/$(awk '$1 == "Complex_Logic/3.png" {print $2}' "$TMP/images").jpg"
expect_eq "samples: the image is recorded by its entry" \
    "$(S '[r["images"][0]["source"] for r in D if r["id"] == "Complex_Logic/3_2"][0]')" "Complex_Logic/3.png"
# scoring
expect_eq "miss: the official 'A', flagged unparsed, scored 1 where the truth is A" \
    "$(S '[[r["status"], r["fallback"], r["score"], r["variants"]["strict"]["score"]] for r in D if r["id"] == "Dynamic_Reasoning/0_0"][0]')" \
    '["unparsed", "A", 1.0, 0.0]'
expect_eq "miss: 'Answer: **C**' is no match: 'A', wrong" \
    "$(S '[[r["status"], r["fallback"], r["score"]] for r in D if r["id"] == "Spatial_Interaction/2_0"][0]')" \
    '["unparsed", "A", 0.0]'
expect_eq "case: 'answer: c' is read as 'c' and scored wrong (no .upper())" \
    "$(S '[[r["status"], r["extracted"], r["score"]] for r in D if r["id"] == "Spatial_Interaction/1_0"][0]')" \
    '["ok", "c", 0.0]'
expect_eq "the last 'Answer:' wins" \
    "$(S '[[r["extracted"], r["score"]] for r in D if r["id"] == "Spatial_Interaction/0_0"][0]')" '["D", 1.0]'
# (the server answers B to the first gripper request to arrive and A to the
# second; with two in flight either repeat may arrive first)
expect_eq "repeats: each its own answer (gripper: B and A, one per repeat)" \
    "$(S '[sorted(r["repeat"] for r in D if r["id"] == "Dynamic_Reasoning/0_1"), sorted([r["extracted"], r["score"]] for r in D if r["id"] == "Dynamic_Reasoning/0_1")]')" \
    '[[0, 1], [["A", 0.0], ["B", 1.0]]]'
expect_eq "results: every answer counts once (22), the unparsed ones too" \
    "$(q "$RUN/results.json" '[D["overall"]["n"], D["overall"]["unparsed"], D["items"]["scored"], D["repeats"]["n"], D["repeats"]["answers"]]')" \
    '[22, 4, 11, 2, 22]'
$PY - "$RUN/samples.jsonl" "$RUN/results.json" >"$TMP/rep" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
res = json.load(open(sys.argv[2]))
per = []
for k in (0, 1):
    s = [r["score"] for r in rows if r["repeat"] == k]
    per.append(100 * sum(s) / len(s))
allm = 100 * sum(r["score"] for r in rows) / len(rows)
rep = res["repeats"]["overall"]
print(abs(res["overall"]["exact"] - allm) < 1e-9, abs(rep["mean"] - statistics.mean(per)) < 1e-9,
      abs(rep["sd"] - statistics.stdev(per)) < 1e-9, [round(x, 6) for x in rep["scores"]] == [round(x, 6) for x in per],
      rep["min"] == min(rep["scores"]), rep["max"] == max(rep["scores"]))
EOF
expect_eq "results: overall = item-weighted mean over items x repeats; per-repeat scores, mean, sd, min, max" \
    "$(cat "$TMP/rep")" "True True True True True True"
expect_match "report.md: the repeats line" "$(cat "$RUN/report.md")" "repeats: every item asked 2 times \\(22 answers"
expect_eq "manifest: repeats recorded" "$(M 'D["repeats"]')" 2

# resume redoes only the missing (item, repeat) pairs
head -n 15 "$RUN/samples.jsonl" >"$TMP/s15" && cp "$TMP/s15" "$RUN/samples.jsonl"
: >"$REC"
"$STEVAL" run --resume "$RUN" --no-progress >/dev/null 2>"$TMP/err"
expect_eq "resume: exit 0" "$?" 0
expect_eq "resume: 7 requests for the 7 missing answers" "$(R 'len(D)')" 7
expect_eq "resume: 22 distinct (item, repeat) pairs again" \
    "$(S 'len(set((r["id"], r["repeat"]) for r in D))')" 22
expect_rc "resume with another --repeats: refused" 2 "$STEVAL" run --resume "$RUN" --repeats 3 --no-progress
out=$("$STEVAL" run --resume "$RUN" --repeats 3 --no-progress 2>&1)
expect_match "resume with another --repeats: says why" "$out" "asks each item 2 times, not 3"
ZIPRUN=$RUN

# the protocol's default: 5 repeats; --gen seed=N: repeat k sends N + k
: >"$REC"
orun "$OD/folder" --model "openai@$BASE/v1:m" --limit 2 --gen seed=7
expect_eq "default repeats: the api protocol asks each item 5 times" "$(R 'len(D)')" 10
expect_eq "repeats: each request its own seed (7 + repeat)" \
    "$(R 'sorted(set(r["body"]["seed"] for r in D))')" '[7, 8, 9, 10, 11]'
expect_eq "folder run: the same prompts as from the zip" \
    "$(S 'sorted(set(r["prompt_sha256"] for r in D))')" \
    "$(q "$ZIPRUN/samples.jsonl" 'sorted(set(r["prompt_sha256"] for r in D if r["id"] in ("Dynamic_Reasoning/0_0", "Dynamic_Reasoning/0_1")))')"

# local: no system message, the image first
: >"$REC"
orun "$OD/zip" --model "openai@$BASE/v1:m" --protocol local --repeats 1 --limit 3
expect_eq "local: exit 0" "$RC" 0
expect_eq "local: no system message, the image then the text" \
    "$(R 'sorted(set((len(r["body"]["messages"]), tuple(p["type"] for p in r["body"]["messages"][-1]["content"])) for r in D))')" \
    '[[1, ["image_url", "text"]]]'
expect_eq "local: max_new_tokens 8192" "$(R 'sorted(set(r["body"].get("max_tokens", r["body"].get("max_completion_tokens")) for r in D))')" '[8192]'

# lmms-eval's omnispatial_test: one pass, greedy, its prompts without the trailing spaces
: >"$REC"
orun "$OD/zip" --model "openai@$BASE/v1:m" --protocol lmms-eval --limit 2
expect_eq "lmms-eval: one pass, image then text, temperature 0" \
    "$(R '[len(D), sorted(set(tuple(p["type"] for p in r["body"]["messages"][-1]["content"]) for r in D)), D[0]["body"]["temperature"]]')" \
    '[2, [["image_url", "text"]], 0]'
expect_eq "lmms-eval: no line of its text ends in spaces (the official one has three)" \
    "$(R 'sum(1 for r in D for l in r["text"].split("\n") if l.endswith(" "))')" 0

# blind: --blind sends no image; the blind protocol is the official --blind
: >"$REC"
orun "$OD/zip" --model "openai@$BASE/v1:m" --blind --repeats 1 --limit 3
expect_eq "blind run: exit 0" "$RC" 0
expect_eq "blind run: no image in any request" "$(R 'sum(len(r["shas"]) for r in D)')" 0
: >"$REC"
orun "$OD/zip" --model "openai@$BASE/v1:m" --protocol blind --repeats 1 --limit 1
expect_eq "blind protocol: its own system prompt, text only" \
    "$(R '[D[0]["body"]["messages"][0]["content"].startswith("\nYou are a spatial-reasoning assistant.\n\nTask\n-----\nYou will receive  \n1. **Question**"), len(D[0]["shas"])]')" '[true, 0]'

# images one folder deeper in the archive: found under the records' folder
: >"$REC"
orun "$OD/zip2" --model "openai@$BASE/v1:m" --repeats 1 --limit 2
expect_eq "zip one folder deeper: images sent" "$(R 'sorted(len(r["shas"]) for r in D)')" '[1, 1]'

# a damaged image entry: that item fails, the error names it, the rest run
: >"$REC"
orun "$OD/broken/badpng" --model "openai@$BASE/v1:m" --repeats 1
expect_eq "damaged image: the run is incomplete (exit 3)" "$RC" 3
expect_match "damaged image: the error names the archive and the entry" "$ERR" \
    "OmniSpatial-test.zip': entry 'dataset/$BADPNG' is damaged"
expect_eq "damaged image: only its item failed, the other 10 answered" \
    "$(S '[sorted(r["id"] for r in D if r["status"] == "error"), sum(r["status"] != "error" for r in D)]')" \
    '[["Complex_Logic/0_0"], 10]'
fake_stop

# --- a baseline run from the folder -----------------------------------------------
orun "$OD/folder" --model baseline:random --repeats 5
expect_eq "baseline: exit 0" "$RC" 0
expect_eq "baseline: 55 answers, 5 repeats" "$(q "$RUN/results.json" '[D["overall"]["n"], D["repeats"]["n"]]')" '[55, 5]'
expect_eq "baseline: the repeats differ (each its own seed)" \
    "$(q "$RUN/results.json" 'len(set(D["repeats"]["overall"]["scores"])) > 1')" true
$PY - "$RUN/samples.jsonl" "$RUN/results.json" >"$TMP/rep5" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
res = json.load(open(sys.argv[2]))
per = [100 * statistics.mean(r["score"] for r in rows if r["repeat"] == k) for k in range(5)]
rep = res["repeats"]["overall"]
ok = [abs(a - b) < 1e-9 for a, b in zip(rep["scores"], per)]
print(all(ok), abs(rep["mean"] - statistics.mean(per)) < 1e-9, abs(rep["sd"] - statistics.stdev(per)) < 1e-9,
      abs(res["overall"]["exact"] - statistics.mean(per)) < 1e-9)
cat = res["repeats"]["splits"]["Perspective_Taking"]["scores"]
want = [100 * statistics.mean(r["score"] for r in rows if r["repeat"] == k and r["id"].startswith("Perspective_Taking/")) for k in range(5)]
print(all(abs(a - b) < 1e-9 for a, b in zip(cat, want)))
EOF
expect_eq "baseline: 5-repeat scores, mean and sd as Python's statistics computes them; overall = their mean" \
    "$(cat "$TMP/rep5")" "True True True True
True"
BASE_RUN=$RUN

# report.html shows every answer; compare pairs each repeat with the same repeat
expect_eq "report.html: one sample per answer, each with its repeat" \
    "$(grep -c '<article class="sample"' "$RUN/report.html") $(grep -c '(repeat 4)</span>' "$RUN/report.html")" "55 11"
orun "$OD/folder" --model baseline:random --repeats 5 --seed 9
"$STEVAL" compare "$BASE_RUN" "$RUN" --format json >"$TMP/cmp.json" 2>"$TMP/err"
expect_eq "compare: every (item, repeat) paired: 55 shared answers" "$(q "$TMP/cmp.json" 'D["items"]["shared"]')" 55
expect_eq "compare: the overall deltas are the runs' own overalls" \
    "$(q "$TMP/cmp.json" '[round(g["base"], 6) for g in D["groups"] if g["kind"] == "overall"][0]')" \
    "$(q "$BASE_RUN/results.json" 'round(D["overall"]["exact"], 6)')"

orun "$OD/folder" --model baseline:random --repeats 1
"$STEVAL" compare "$BASE_RUN" "$RUN" --format json >"$TMP/cmp1.json" 2>"$TMP/err"
expect_eq "compare with a one-pass run: its answers pair with repeat 0" "$(q "$TMP/cmp1.json" 'D["items"]["shared"]')" 11

# shards of a run with repeats merge into one: every (item, repeat) kept
for i in 0 1; do
    orun "$OD/folder" --model baseline:random --repeats 2 --shard $i/2
    eval "SH$i=\$RUN"
done
"$STEVAL" merge --out "$TMP/merged" "$SH0" "$SH1" >/dev/null 2>"$TMP/err"
expect_eq "shards with repeats: merged" "$?" 0
expect_eq "shards with repeats: 22 answers, 11 items, 2 repeats" \
    "$(q "$TMP/merged/results.json" '[D["overall"]["n"], D["items"]["scored"], D["repeats"]["n"]]')" '[22, 11, 2]'

# --- the 4D-RGPT table ------------------------------------------------------------
out=$("$STEVAL" leaderboard --reference 4d-rgpt "$BASE_RUN" "$ZIPRUN" 2>&1)
expect_match "4d-rgpt: the paper's columns in its order" "$out" '^\| Model \| STI \| V4D \| MMSI \| OS \| SAT \| VSTI \| R4D \|$'
expect_match "4d-rgpt: a published row as printed" "$out" '^\| GPT-4o \[1\] \| 34.8 \| 60.0 \| 30.3 \| 47.8 \| 57.5 \| – \| 42.8 \|$'
expect_match "4d-rgpt: 4D-RGPT-8B" "$out" '^\| 4D-RGPT-8B \[15\] \| 37.6 \| – \| 33.3 \| 40.4 \| 64.7 \| 59.1 \| 42.2 \|$'
bscore=$(q "$BASE_RUN/results.json" '"%.1f" % D["overall"]["score"]')
expect_match "4d-rgpt: the run's row fills the OS column" "$out" "^\| \*\*baseline:random\*\* \[18\] \| – \| – \| – \| $bscore \| – \| – \| – \|$"
expect_match "4d-rgpt: each published row's source" "$out" '^16\. 4D-RGPT Table A1 \(15B models\); R4D from Table A2 \(Avg\)$'
expect_match "4d-rgpt: the run's note names its run" "$out" "^18\. omnispatial \(api\) .*baseline"
tex=$("$STEVAL" leaderboard --reference 4d-rgpt --format latex "$BASE_RUN" 2>&1)
expect_match "4d-rgpt latex: the paper's layout" "$tex" '^Method & STI & V4D & MMSI & OS & SAT & VSTI & R4D \\\\$'
expect_match "4d-rgpt latex: groups as rows" "$tex" '^\\multicolumn\{8\}\{l\}\{\\textit\{Open-source\}\} \\\\$'
expect_match "4d-rgpt latex: a published row" "$tex" '^GPT-4o\\textsuperscript\{1\} & 34.8 & 60.0 & 30.3 & 47.8 & 57.5 & - & 42.8 \\\\$'
expect_eq "4d-rgpt latex: braces balance" "$(printf '%s' "$tex" | $PY -c 'import sys; t=sys.stdin.read().replace("\\{","").replace("\\}",""); print(t.count("{") == t.count("}"))')" True
expect_eq "4d-rgpt latex: one tabular, 8 columns" \
    "$(printf '%s' "$tex" | grep -c 'begin{tabular}{lccccccc}')" 1
csvout=$("$STEVAL" leaderboard --reference 4d-rgpt --format csv "$BASE_RUN" 2>&1)
expect_eq "4d-rgpt csv: parses, 17 published rows + 1 run" \
    "$(printf '%s' "$csvout" | $PY -c 'import csv,sys; r=list(csv.reader(sys.stdin)); print(len(r) - 1, r[0][3:])')" \
    "18 ['STI', 'V4D', 'MMSI', 'OS', 'SAT', 'VSTI', 'R4D']"
js=$("$STEVAL" leaderboard --reference 4d-rgpt --format json "$BASE_RUN" 2>&1)
expect_eq "4d-rgpt json: the run's OS value is its overall" \
    "$(printf '%s' "$js" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"][-1]["values"]["OS"] == json.load(open(sys.argv[1]))["overall"]["score"])' "$BASE_RUN/results.json")" True
expect_match "4d-rgpt without runs: the published table alone" \
    "$("$STEVAL" leaderboard --reference 4d-rgpt 2>&1)" '^\| SpaceR-7B \[13\] \| – \| – \| 28.8 \| – \| 47.8 \| – \| 37.0 \|$'
expect_rc "4d-rgpt: html is refused" 2 "$STEVAL" leaderboard --reference 4d-rgpt --format html "$BASE_RUN"
expect_rc "an unknown table is not a run directory" 2 "$STEVAL" leaderboard --reference no-such-table "$BASE_RUN"

finish
