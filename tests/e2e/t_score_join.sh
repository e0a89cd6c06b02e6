#!/bin/sh
# steval score: joining predictions whose question text differs from the
# suite's (published files made on an earlier revision of the questions).
# VLM4D's ids restart in each source file, so validation_1..445 exist in
# both real_mc and synthetic_mc.
. "$(dirname "$0")/lib.sh"

V=$SHARED/data/vlm4d
if [ ! -f "$V/data/real_mc.json" ]; then
    skip "VLM4D question files" "no $V/data/real_mc.json"
    finish
    exit 0
fi
R=$V/data/real_mc.json
Y=$V/data/synthetic_mc.json

# VLM4D-shaped, plain JSONL and lmms-eval predictions, some questions reworded
python3 - "$R" "$Y" "$TMP" <<'PY'
import json, os, sys
real = json.load(open(sys.argv[1]))
syn = json.load(open(sys.argv[2]))
tmp = sys.argv[3]
def rec(it, q=None, resp="Therefore, the final answer is: A"):
    return {"id": it["id"], "question": q if q is not None else it["question"],
            "choices": it["choices"], "response": resp, "correct": True,
            "extracted_answer": "A: x"}
def old(it):
    return it["question"].replace("turning", "truning").replace("?", " ?")
# 30 real items (ids shared with synthetic), the first 3 reworded
rows = [rec(it, old(it) if i < 3 else None) for i, it in enumerate(real[:30])]
json.dump(rows, open(tmp + "/preds.json", "w"))
# every question reworded: only the path says which file
os.makedirs(tmp + "/synthetic_mc_cot")
json.dump([rec(it, it["question"] + " (v1)") for it in syn[:10]],
          open(tmp + "/synthetic_mc_cot/model.json", "w"))
# a file mixing both source files: a reworded shared id cannot be placed
mix = [rec(real[1000]), rec(syn[5]), rec(real[7], real[7]["question"] + " (v1)")]
json.dump(mix, open(tmp + "/mixed.json", "w"))
# plain JSONL with source ids, lmms-eval with the item in "doc"
with open(tmp + "/plain.jsonl", "w") as f:
    for i, it in enumerate(real[:5]):
        f.write(json.dumps({"id": it["id"], "question": old(it) if i == 0 else it["question"],
                            "response": "A"}) + "\n")
with open(tmp + "/lmms.jsonl", "w") as f:
    for i, it in enumerate(real[:5]):
        doc = dict(it)
        if i == 0:
            doc["question"] = old(it)
        f.write(json.dumps({"doc_id": i, "doc": doc, "resps": [["A"]], "filtered_resps": ["A"]}) + "\n")
PY

field() { # results.json python-expression
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

out=$("$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --no-report --out "$TMP/a" "$TMP/preds.json" 2>&1 >/dev/null)
expect_eq "reworded questions join by id: 30 joined, none dropped" \
    "$(field "$TMP/a/results.json" 'r["overall"]["n"], r["inputs"][0]["joined"], r["inputs"][0]["dropped"]')" "(30, 30, 0)"
expect_eq "joined_text_differs counts them" \
    "$(field "$TMP/a/results.json" 'r["inputs"][0]["joined_text_differs"]["count"]')" 3
expect_eq "the first difference: id, old (the suite's) and new (the prediction's)" \
    "$(field "$TMP/a/results.json" 'sorted(r["inputs"][0]["joined_text_differs"]["first"][0])')" "['id', 'new', 'old']"
expect_eq "the difference names the suite's item" \
    "$(field "$TMP/a/results.json" 'r["inputs"][0]["joined_text_differs"]["first"][0]["id"]')" "real_mc/validation_1"
expect_match "the warning gives the count" "$out" "3 predictions joined by id although the question text differs"
expect_match "the sample keeps the prediction's own question" "$(grep '"real_mc/validation_1"' "$TMP/a/samples.jsonl")" \
    '"question":"What direction is the bus moving towards \?"'
expect_eq "no report files with --no-report" "$(ls "$TMP/a" | tr '\n' ' ')" "results.json samples.jsonl "

# --strict-join: the text must match when the id is shared
out=$("$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --strict-join --no-report --out "$TMP/s" "$TMP/preds.json" 2>&1 >/dev/null)
expect_eq "--strict-join drops the 3 reworded ones as ambiguous" \
    "$(field "$TMP/s/results.json" 'r["overall"]["n"], r["inputs"][0]["dropped_ambiguous"]')" "(27, 3)"
expect_match "--strict-join names why" "$out" "in several source files"

# the path names the source file
"$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --no-report --out "$TMP/p" "$TMP/synthetic_mc_cot/model.json" >/dev/null 2>&1
expect_eq "a path naming synthetic_mc places every reworded record there" \
    "$(field "$TMP/p/results.json" 'r["splits"]["synthetic"]["n"], r["inputs"][0]["joined_text_differs"]["count"]')" "(10, 10)"

# mixed file: the one reworded shared id is dropped with its reason
"$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --no-report --out "$TMP/m" "$TMP/mixed.json" >/dev/null 2>"$TMP/m.err"
expect_eq "a file of both splits: the reworded shared id is dropped" \
    "$(field "$TMP/m/results.json" 'r["overall"]["n"], r["inputs"][0]["dropped_ambiguous"], r["inputs"][0]["drops"][0]["id"]')" \
    "(2, 1, 'validation_8')"
expect_match "the drop is explained" "$(field "$TMP/m/results.json" 'r["inputs"][0]["drops"][0]["reason"]')" \
    "several source files"

# plain JSONL and lmms-eval logs join the same way
"$STEVAL" score --suite vlm4d --data "$V/data" --no-report --out "$TMP/j" "$TMP/plain.jsonl" >/dev/null 2>&1
expect_eq "plain JSONL: a reworded shared id joins (the file's other records are real)" \
    "$(field "$TMP/j/results.json" 'r["overall"]["n"], r["splits"]["real"]["n"], r["inputs"][0]["joined_text_differs"]["count"]')" "(5, 5, 1)"
"$STEVAL" score --suite vlm4d --data "$V/data" --no-report --out "$TMP/l" "$TMP/lmms.jsonl" >/dev/null 2>&1
expect_eq "lmms-eval: a reworded doc joins and is reported" \
    "$(field "$TMP/l/results.json" 'r["overall"]["n"], r["inputs"][0]["joined_text_differs"]["count"]')" "(5, 1)"

# a file made on older options: graded against the options its model saw
python3 - "$Y" "$TMP/oldopts.json" <<'PY'
import json, sys
it = json.load(open(sys.argv[1]))[0]
ch = dict(it["choices"])
letter = [k for k, v in ch.items() if v == it["answer"]][0]
other = [k for k in ch if k != letter][0]
ch[other], ch[letter] = ch[letter], ch[other]   # the truth under another letter
json.dump([{"id": it["id"], "question": it["question"], "choices": ch,
            "ground_truth_answer": it["answer"], "response": "The answer is %s." % other,
            "correct": True}], open(sys.argv[2], "w"))
PY
mkdir -p "$TMP/synthetic_mc_old" && mv "$TMP/oldopts.json" "$TMP/synthetic_mc_old/"
"$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --no-report --out "$TMP/o" "$TMP/synthetic_mc_old/oldopts.json" >/dev/null 2>&1
expect_eq "older options: robust grades against the file's options (right), counted" \
    "$(field "$TMP/o/results.json" 'r["variants"]["robust"]["overall"]["score"], r["inputs"][0]["graded_on_file_options"]')" "(100.0, 1)"
"$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --strict-join --no-report --out "$TMP/o2" "$TMP/synthetic_mc_old/oldopts.json" >/dev/null 2>&1
expect_eq "--strict-join grades against the suite's options (wrong)" \
    "$(field "$TMP/o2/results.json" 'r["variants"]["robust"]["overall"]["score"], r["inputs"][0]["graded_on_file_options"]')" "(0.0, 0)"

# the two published sets in ../shared: nothing dropped
for proto in cot direct-output; do
    f=$V/predictions/real_mc_$proto/Qwen2.5-VL-7B-Instruct_1fps.json
    [ -f "$f" ] || continue
    "$STEVAL" score --suite vlm4d --data "$V/data" --protocol "$proto" --verdicts --no-report --out "$TMP/q$proto" "$f" >/dev/null 2>&1
    expect_eq "published $proto set: 1371 joined, none dropped" \
        "$(field "$TMP/q$proto/results.json" 'r["overall"]["n"], r["inputs"][0]["dropped"]')" "(1371, 0)"
done
finish
