#!/bin/sh
# Image suites from Parquet files with embedded images (MMSI-Bench, SAT):
# DuckDB (npm @duckdb/node-api, tests/duckdb/images.mjs) writes the fixtures in
# the published layout with JPEGs made here by ffmpeg: MMSI_Bench.parquet
# (images list<binary>), SAT_test.parquet (image_bytes a list of Hugging Face
# Image structs) and shapes.parquet (a binary column, one struct, a list of
# structs, a binary that is no image). Checks `steval cat` (summaries, never
# bytes), `steval show` (the exact prompt from Parquet equals the golden made
# from the JSONL twin; MMSI's post-prompt hash from suites-2.md), baseline and
# blind runs, SAT's circular aggregation, and the images sent through every
# adapter (in order, hashed, thumbnailed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"
DDB=$ROOT/tests/duckdb
if ! command -v ffmpeg >/dev/null 2>&1; then
    skip "image suites" "no ffmpeg (sh tests/deps.sh all)"
    finish
    exit $?
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    skip "image suites" "node/npm not installed (sh tests/deps.sh all)"
    finish
    exit $?
fi
if [ ! -d "$DDB/node_modules/@duckdb/node-api" ]; then
    if ! (cd "$DDB" && npm install --no-save --no-audit --no-fund --loglevel=error) >"$TMP/npm.log" 2>&1; then
        skip "image suites" "cannot install @duckdb/node-api: $(tail -n 1 "$TMP/npm.log")"
        finish
        exit $?
    fi
fi

# --- fixtures: one distinct JPEG per name the JSONL fixtures use ------------
IMG=$TMP/img
mkdir -p "$IMG/images"
$PY -c '
import json, sys
names = set()
for l in open(sys.argv[1], encoding="utf-8"):
    names.update(json.loads(l)["images"])
for l in open(sys.argv[2], encoding="utf-8"):
    names.update(i["path"] for i in json.loads(l)["image_bytes"])
print("\n".join(sorted(names)))
' "$ROOT/fixtures/mmsi-bench/MMSI_Bench.jsonl" "$ROOT/fixtures/sat/SAT_test.jsonl" >"$TMP/names"
# one ffmpeg run per image, each its own colour (identical images would be
# stored once and counted once)
k=0
while read -r name; do
    k=$((k + 1))
    ffmpeg -hide_banner -loglevel error -y -f lavfi \
        -i "color=c=0x$(printf '%02x%02x%02x' $((k * 37 % 256)) $((k * 91 % 256)) $((k * 13 % 256))):s=64x48" \
        -frames:v 1 "$IMG/$name" </dev/null
done <"$TMP/names"
PQ=$TMP/pq
if ! node "$DDB/images.mjs" "$ROOT" "$IMG/images" "$PQ" >"$TMP/gen.log" 2>&1; then
    _report 1 "DuckDB writes the image fixtures" "$(tail -n 20 "$TMP/gen.log")"
    finish
    exit $?
fi
MM=$PQ/mmsi-bench
SAT=$PQ/sat
sha() { sha256sum "$1" | cut -d' ' -f1; }
sz() { wc -c <"$1" | tr -d ' '; }

# --- steval cat: images as summaries ------------------------------------------
"$STEVAL" cat "$PQ/shapes.parquet" >"$TMP/shapes.jsonl"
f=$IMG/images/0_0.jpg
want="<$(sz "$f") bytes, sha256 $(sha "$f")>"
expect_eq "cat: a binary column holding a JPEG reads as {\"bytes\": summary}" \
    "$(q "$TMP/shapes.jsonl" 'D[0]["img"]')" "{\"bytes\": \"$want\"}"
expect_eq "cat: an Image struct keeps its path, its bytes are the summary" \
    "$(q "$TMP/shapes.jsonl" 'D[0]["one"]')" "{\"bytes\": \"$want\", \"path\": \"0_0.jpg\"}"
expect_eq "cat: a list of Image structs, bytes null where there are none" \
    "$(q "$TMP/shapes.jsonl" 'D[0]["many"]')" "[{\"bytes\": \"$want\", \"path\": null}, {\"bytes\": null, \"path\": \"x/0_0.jpg\"}]"
expect_eq "cat: a binary that is no image keeps DuckDB's BLOB text" \
    "$(q "$TMP/shapes.jsonl" 'D[0]["other"]')" '\x00\x01text'
expect_eq "cat: every row's summary names its own file" \
    "$(q "$TMP/shapes.jsonl" '[r["name"] for r in D if r["img"]["bytes"].split(" ")[-1][:-1] != __import__("hashlib").sha256(open("'"$IMG"'/images/" + r["name"], "rb").read()).hexdigest()]')" "[]"
"$STEVAL" cat "$MM/MMSI_Bench.parquet" "$SAT/SAT_test.parquet" >"$TMP/cat.jsonl"
expect_eq "cat: never raw image bytes (no JFIF marker in the output)" "$(grep -c JFIF "$TMP/cat.jsonl")" 0
expect_eq "cat: MMSI rows: images a list of summaries, in file order" \
    "$(q "$TMP/cat.jsonl" '[len(D[i]["images"]) for i in range(7)]')" "[2, 3, 2, 4, 2, 10, 2]"
f=$IMG/images/5_9.jpg
expect_eq "cat: the tenth image of MMSI row 5" \
    "$(q "$TMP/cat.jsonl" 'D[5]["images"][9]["bytes"]')" "<$(sz "$f") bytes, sha256 $(sha "$f")>"
expect_eq "cat: SAT rows: image_bytes a list of {bytes, path}" \
    "$(q "$TMP/cat.jsonl" 'sorted(D[7]["image_bytes"][0])')" '["bytes", "path"]'
expect_match "cat --schema: SAT's nested list of structs" \
    "$("$STEVAL" cat --schema "$SAT/SAT_test.parquet" | tr '\n' ' ')" \
    'group image_bytes \(LIST\) \{ +repeated group list \{ +optional group element \{ +optional binary bytes;'

# --- list, show -----------------------------------------------------------------
expect_eq "list: both suites" "$("$STEVAL" list | awk '$1 == "mmsi-bench" || $1 == "sat" { print $1 }' | tr '\n' ' ')" "mmsi-bench sat "
G=$ROOT/tests/golden/prompts
for id in 0 1 2 3 4 5 6; do
    for p in official lmms-eval; do
        "$STEVAL" show mmsi-bench --data "$MM" --item "$id" --protocol "$p" --raw >"$TMP/got" 2>"$TMP/err"
        if cmp -s "$TMP/got" "$G/mmsi-bench/$p/$id.txt"; then
            _report 0 "show --raw mmsi-bench $p $id from Parquet = the golden"
        else
            _report 1 "show --raw mmsi-bench $p $id from Parquet = the golden" "$(cat "$TMP/err")$(diff "$TMP/got" "$G/mmsi-bench/$p/$id.txt" | head -5)"
        fi
    done
    # suites-2.md: the 104 bytes after the question, sha256 65f2df8b...
    expect_eq "mmsi-bench official $id: '\\n' + post-prompt is the 104 bytes of suites-2.md" \
        "$("$STEVAL" show mmsi-bench --data "$MM" --item "$id" --raw | tail -c 104 | sha256sum | cut -d' ' -f1)" \
        65f2df8b19fa65797367b05ba2fbba1ec6cd21f5ecc12bdb59b37b8b53b3147e
done
for id in 0 0#1 3 3#1 5 5#1; do
    for p in circular lmms-eval; do
        g=$G/sat/$p/$(printf '%s' "$id" | tr '#' _).txt
        "$STEVAL" show sat --data "$SAT" --item "$id" --protocol "$p" --raw >"$TMP/got" 2>"$TMP/err"
        if cmp -s "$TMP/got" "$g"; then
            _report 0 "show --raw sat $p $id from Parquet = the golden"
        else
            _report 1 "show --raw sat $p $id from Parquet = the golden" "$(cat "$TMP/err")$(diff "$TMP/got" "$g" | head -5)"
        fi
    done
done
"$STEVAL" show sat --data "$SAT" --item 1#1 >"$TMP/show"
expect_match "show: SAT ids are row indexes; #1 is the reversed order, its truth letter follows" \
    "$(head -n 2 "$TMP/show" | tr '\n' ' ')" "# item 1#1 .*category obj_movement.*truth 'the chair moved away from the camera' \(letter A\)"
expect_match "show: embedded images with their hashes" "$(sed -n 3p "$TMP/show")" \
    "^# image 1: embedded, image/jpeg, <[0-9]+ bytes, sha256 $(sha "$IMG/images/1_0.jpg")>$"

# --- baseline runs ----------------------------------------------------------------
run_it() { # suite data model [args]: sets RUN
    _s=$1 _d=$2 _m=$3
    shift 3
    RUN=$("$STEVAL" run "$_s" --data "$_d" --model "$_m" --out "$TMP/runs" --no-progress "$@" 2>"$TMP/err" | tail -n 1)
    RC=$?
}
run_it sat "$SAT" baseline:first
expect_eq "sat baseline:first: 12 prompts (6 questions, both orders)" "$(S 'len(D)')" 12
# the truth is first in rows 0 and 2 and second in 1, 3, 4 and 5
expect_eq "sat baseline:first: order 1 = 2/6, order 2 = 4/6, Avg = their mean, exactly 50" \
    "$(q "$RUN/results.json" '[round(D["splits"]["order-1"]["score"], 4), round(D["splits"]["order-2"]["score"], 4), D["overall"]["score"]]')" \
    "[33.3333, 66.6667, 50.0]"
expect_eq "sat baseline:first: no question right in both orders (the strict circular number)" \
    "$(q "$RUN/results.json" '[D["circular"]["score"], D["circular"]["n"]]')" "[0.0, 6]"
expect_match "sat: report.md prints the strict number beside the average" "$(cat "$RUN/report.md")" \
    "All orders right \(circular, strict\): 0.00 over 6 questions"
expect_eq "sat: per category in the paper's order (EgoM ObjM EgoAct GoalAim Pers)" \
    "$(q "$RUN/results.json" '[(k, v["n"]) for k, v in D["categories"].items()]')" \
    '[["ego_movement", 4], ["obj_movement", 2], ["action_consequence", 2], ["goal_aim", 2], ["perspective", 2]]'
run_it sat "$SAT" baseline:random --protocol lmms-eval
expect_eq "sat lmms-eval baseline:random: 12 prompts, all parsed" "$(S '[len(D), sum(r["status"] == "ok" for r in D)]')" "[12, 12]"
run_it mmsi-bench "$MM" baseline:first
# answers A B A D C B D: "A" is right twice
expect_eq "mmsi-bench baseline:first: 2 of 7, item-weighted" "$(q "$RUN/results.json" 'round(D["overall"]["score"], 4)')" 28.5714
expect_eq "mmsi-bench: categories keep the en dash; an ASCII hyphen is mapped to it" \
    "$(q "$RUN/results.json" '["Positional Relationship (Cam.–Obj.)" in D["categories"], D["categories"]["Positional Relationship (Reg.–Reg.)"]["n"], any("-" in k for k in D["categories"])]')" '[true, 1, false]'
expect_eq "mmsi-bench: no circular number (one order per question)" "$(q "$RUN/results.json" '"circular" in D')" false
run_it mmsi-bench "$MM" baseline:random --protocol lmms-eval
expect_eq "mmsi-bench lmms-eval baseline:random: 7 items" "$(S 'len(D)')" 7

# --- blind and image runs through a command worker ---------------------------------
export ECHO_WORKER_LOG=$TMP/echo.jsonl STEVAL_WORKER_ENV="ECHO_WORKER_*"   # workers get a minimal environment
: >"$ECHO_WORKER_LOG"
run_it mmsi-bench "$MM" "command:$PY $ROOT/tests/examples/echo_worker.py" --blind
expect_eq "blind: exit 0, every item answered" "$RC $(S 'len(D)')" "0 7"
expect_eq "blind: no image parts, only the text" "$(q "$ECHO_WORKER_LOG" 'sorted({tuple(r["parts"]) for r in D})')" '[["text"]]'
expect_eq "blind: samples record no images" "$(S 'sum("images" in r for r in D)')" 0
: >"$ECHO_WORKER_LOG"
ECHO_WORKER_ANSWER='The answer is ``A``' run_it mmsi-bench "$MM" "command:$PY $ROOT/tests/examples/echo_worker.py"
expect_eq "command worker: the images first, in the record's order, then the text" \
    "$(q "$ECHO_WORKER_LOG" '[r["parts"] for r in sorted(D, key=lambda r: int(r["item"]))][5]')" \
    '["image", "image", "image", "image", "image", "image", "image", "image", "image", "image", "text"]'
expect_eq "command worker: embedded images go as data (no file path)" \
    "$(q "$ECHO_WORKER_LOG" 'sorted({(i["mime"], i["path"]) for r in D for i in r["images"]})')" '[["image/jpeg", null]]'
expect_eq "samples: each image's sha256 is its file's, in order" \
    "$(S '[i["sha256"] for i in sorted(D, key=lambda r: int(r["id"]))[1]["images"]]')" \
    "[\"$(sha "$IMG/images/1_0.jpg")\", \"$(sha "$IMG/images/1_1.jpg")\", \"$(sha "$IMG/images/1_2.jpg")\"]"
expect_eq "samples: source embedded" "$(S 'sorted({i["source"] for r in D for i in r["images"]})')" '["embedded"]'
expect_eq "official extraction: the letter in double backticks" "$(S 'sorted({r["extracted"] for r in D})')" '["A"]'
expect_eq "thumbnails: one RUN_DIR/frames/SHA.jpg per distinct image (25)" \
    "$(S 'sorted({i["sha256"] + ".jpg" for r in D for i in r["images"]}) == sorted(__import__("os").listdir("'"$RUN"'/frames"))')" true
expect_eq "thumbnails: 25 files" "$(ls "$RUN/frames" | wc -l | tr -d ' ')" 25
expect_eq "report.html: a thumbnail per image sent (2+3+2+4+2+10+2)" \
    "$(grep -o '<img[^>]*src="frames/[0-9a-f]*\.jpg"' "$RUN/report.html" | wc -l | tr -d ' ')" 25
: >"$ECHO_WORKER_LOG"
run_it sat "$SAT" "command:$PY $ROOT/tests/examples/echo_worker.py" --no-thumbnails
expect_eq "sat: SAT's Image structs sent as images (1-2 per question, both orders)" \
    "$(q "$ECHO_WORKER_LOG" 'sum(len(r["images"]) for r in D)')" 18
expect_eq "--no-thumbnails: no frames/ directory" "$([ -e "$RUN/frames" ] && echo yes || echo no)" no

# --- the JSONL twin: images as files ----------------------------------------------
mkdir -p "$TMP/twin"
cp "$ROOT/fixtures/mmsi-bench/MMSI_Bench.jsonl" "$TMP/twin/"
cp -r "$IMG/images" "$TMP/twin/"
: >"$ECHO_WORKER_LOG"
run_it mmsi-bench "$TMP/twin" "command:$PY $ROOT/tests/examples/echo_worker.py"
expect_eq "JSONL twin: the same images, read from files" \
    "$(S '[i["sha256"] for i in sorted(D, key=lambda r: int(r["id"]))[1]["images"]]')" \
    "[\"$(sha "$IMG/images/1_0.jpg")\", \"$(sha "$IMG/images/1_1.jpg")\", \"$(sha "$IMG/images/1_2.jpg")\"]"
expect_eq "JSONL twin: images go with their paths" "$(q "$ECHO_WORKER_LOG" 'all(i["exists"] for r in D for i in r["images"])')" true
mkdir -p "$TMP/bad"
printf '{"id": 0, "images": [{"bytes": "<3 bytes, sha256 %s>"}], "question_type": "MSR", "question": "q\\nOptions: A: x, B: y", "answer": "A"}\n' \
    "$(printf abc | sha256sum | cut -d' ' -f1)" >"$TMP/bad/MMSI_Bench.jsonl"
expect_match "a summary without its bytes is an error naming the item" \
    "$("$STEVAL" show mmsi-bench --data "$TMP/bad" 2>&1)" "item '0': the bytes of an embedded image are not at hand"
unset ECHO_WORKER_LOG

# --- every HTTP dialect gets the images, in order --------------------------------
fake_start
want=$(printf '["%s", "%s", "%s"]' "$(sha "$IMG/images/1_0.jpg")" "$(sha "$IMG/images/1_1.jpg")" "$(sha "$IMG/images/1_2.jpg")")
for m in "openai@$BASE/v1:m" "anthropic@$BASE/v1:claude-fake" "gemini@$BASE/v1beta:gemini-fake" "ollama@$BASE:llava:7b"; do
    : >"$REC"
    run_it mmsi-bench "$MM" "$m" --limit 2
    d=${m%%@*}
    expect_eq "$d: item 1's three images, in the record's order" \
        "$(R '[r["shas"] for r in D if r["text"].lstrip().startswith("Between")][0]')" "$want"
done
: >"$REC"
run_it mmsi-bench "$MM" "openai@$BASE/v1:m"
expect_eq "openai: the images before the text (layout images, text)" \
    "$(R '[[p["type"] for p in r["body"]["messages"][-1]["content"]] for r in D if len(r["shas"]) == 2][0]')" \
    '["image_url", "image_url", "text"]'
fake_stop

finish
