#!/bin/sh
# steval score: offline scoring of stored predictions.
. "$(dirname "$0")/lib.sh"

V=$SHARED/data/vlm4d
COT=$V/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json
if [ ! -f "$COT" ]; then
    skip "VLM4D predictions" "no $COT"
    finish
    exit 0
fi

# The paper's values from the published judge verdicts.
out=$("$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --out "$TMP/cot" "$COT"); rc=$?
expect_eq "score --verdicts exits 0" "$rc" 0
expect_eq "score prints results.json" "$out" "$TMP/cot/results.json"
r=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r["splits"]
print(s["real"]["score"], s["real/ego"]["score"], s["real/exo"]["score"], r["overall"]["score"],
      r["overall"]["n"], r["items"]["missing"], r["scoring"])' "$TMP/cot/results.json")
expect_eq "VLM4D real / ego / exo = paper 43.25 42.32 43.71" "$r" "43.25 42.32 43.71 43.25 1371 445 verdicts"
expect_file "score writes report.md" "$TMP/cot/report.md"
expect_match "report.md shows the overall" "$(cat "$TMP/cot/report.md")" "\*\*Overall: 43.25\*\*"
n=$(wc -l <"$TMP/cot/samples.jsonl")
expect_eq "one sample per prediction" "$n" 1371
expect_match "samples keep the raw answer and the verdict" "$(head -1 "$TMP/cot/samples.jsonl")" \
    '"verdict":true.*"response":"The image you'

# The file lands in the right split whatever its name: same ids exist in both files.
cp "$COT" "$TMP/whatever.json"
"$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --out "$TMP/renamed" "$TMP/whatever.json" >/dev/null
r=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["splits"]["real"]["n"], r["splits"]["synthetic"]["n"])' "$TMP/renamed/results.json")
expect_eq "joined by id and question text" "$r" "1371 0"

# Direct-output predictions too.
DO=$V/predictions/real_mc_direct-output/Qwen2.5-VL-7B-Instruct_1fps.json
"$STEVAL" score --suite vlm4d --data "$V/data" --protocol direct-output --verdicts --out "$TMP/do" "$DO" >/dev/null
expect_file "direct-output predictions score" "$TMP/do/results.json"

# steval's own samples.jsonl round-trips through score.
"$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --out "$TMP/again" "$TMP/cot/samples.jsonl" >/dev/null
r=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["overall"]["n"])' "$TMP/again/results.json")
expect_eq "samples.jsonl is accepted as predictions" "$r" 1371

# lmms-eval samples and plain JSONL shapes join by id / doc.
python3 - "$V/data/real_mc.json" "$TMP" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))[:20]
with open(sys.argv[2] + "/lmms.jsonl", "w") as f:
    for i, it in enumerate(items):
        f.write(json.dumps({"doc_id": i, "doc": it, "target": it["answer"],
                            "resps": [["Therefore, the final answer is: A"]],
                            "filtered_resps": ["Therefore, the final answer is: A"]}) + "\n")
with open(sys.argv[2] + "/plain.jsonl", "w") as f:
    for it in items:
        f.write(json.dumps({"id": "real_mc/" + it["id"], "response": "B"}) + "\n")
    f.write(json.dumps({"id": "nope", "response": "B"}) + "\n")
PY
"$STEVAL" score --suite vlm4d --data "$V/data" --out "$TMP/lmms" "$TMP/lmms.jsonl" >/dev/null 2>&1
r=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["overall"]["n"])' "$TMP/lmms/results.json")
expect_eq "lmms-eval samples JSONL joins through doc" "$r" 20
out=$("$STEVAL" score --suite vlm4d --data "$V/data" --out "$TMP/plain" "$TMP/plain.jsonl" 2>&1 >/dev/null)
r=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["overall"]["n"])' "$TMP/plain/results.json")
expect_eq "plain JSONL joins by steval id" "$r" 20
expect_match "unmatched predictions are reported" "$out" "matches no item of suite 'vlm4d'"

# Bad input.
expect_rc "missing prediction file" 2 "$STEVAL" score --suite vlm4d --data "$V/data" --out "$TMP/x" "$TMP/none.json"
printf '[{"id": "validation_1", "response": "A"},\n {"id": ' >"$TMP/broken.json"
out=$("$STEVAL" score --suite vlm4d --data "$V/data" --out "$TMP/x" "$TMP/broken.json" 2>&1); rc=$?
expect_eq "broken prediction file: exit 2" "$rc" 2
expect_match "broken prediction file: file and line named" "$out" "broken.json': line 2"
expect_rc "--out is required" 2 "$STEVAL" score --suite vlm4d --data "$V/data" "$COT"
expect_rc "unknown protocol" 2 "$STEVAL" score --suite vlm4d --data "$V/data" --protocol nope --out "$TMP/x" "$COT"
echo '{"id": "nothing"}' >"$TMP/nomatch.jsonl"
expect_rc "nothing matches: exit 2" 2 "$STEVAL" score --suite vlm4d --data "$V/data" --out "$TMP/x" "$TMP/nomatch.jsonl"
# R4D's official random fallback, made deterministic: an unparsed answer
# gets a letter drawn from --seed and the item id (one of its options), the
# official score counts it, and the "strict" variant counts it wrong.
R4=$ROOT/fixtures/r4d-bench
python3 - "$R4/test.json" "$TMP/r4d.jsonl" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    for i, x in enumerate(items):
        f.write(json.dumps({"id": str(x["id"]), "response": "I cannot tell." if i % 2 == 0 else "(B)"}) + "\n")
PY
for s in 0 0b 7; do
    "$STEVAL" score --suite r4d-bench --data "$R4" --out "$TMP/r4d-$s" --seed "${s%b}" "$TMP/r4d.jsonl" >/dev/null 2>&1
done
chk=$(python3 - "$TMP/r4d-0" "$TMP/r4d-0b" "$TMP/r4d-7" "$R4/test.json" <<'PY'
import json, string, sys
def load(d):
    return {s["id"]: s for s in map(json.loads, open(d + "/samples.jsonl"))}
a, b, c = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
nopts = {str(x["id"]): len(x["options"]) for x in json.load(open(sys.argv[4]))}
un = [k for k, s in a.items() if s["status"] == "unparsed"]
out = []
out.append(len(un) == 7)
out.append(all(a[k]["fallback"] in string.ascii_uppercase[:nopts[k]] for k in un))
out.append(all(a[k]["score"] == float(a[k]["fallback"] == a[k]["accepted"]) for k in un))
out.append(all(a[k]["variants"]["strict"]["score"] == 0.0 for k in un))
out.append(all(a[k]["fallback"] == b[k]["fallback"] for k in un))
out.append(any(a[k]["fallback"] != c[k]["fallback"] for k in un))
ra = json.load(open(sys.argv[1] + "/results.json"))
out.append("strict" in ra["variants"])
print(" ".join("y" if x else "n" for x in out))
PY
)
expect_eq "R4D fallback: 7 unparsed; letter among the options; counted by the official score, not by strict; same seed same letters; another seed others; strict reported" \
    "$chk" "y y y y y y y"

# prediction files are parsed beside the suite's loading (cmd_score.c
# prefetch): a broken one is still reported once, with its place
printf '[{"id": 1, "response": "A"' >"$TMP/broken.json"
out=$("$STEVAL" score --suite vlm4d --protocol cot --data "$V/data" --no-report --out "$TMP/broken" \
      "$TMP/broken.json" 2>&1); rc=$?
expect_eq "a broken prediction file: exit 2" "$rc" 2
expect_eq "said once, with line and column" "$(printf '%s\n' "$out" | grep -c 'broken.json.: line 1, column 26: invalid JSON')" 1

# grading runs on every core (cmd_score.c batch_run): one thread or several,
# samples.jsonl and results.json are the same bytes
for th in 1 2 5; do
    STEVAL_THREADS=$th "$STEVAL" score --suite vlm4d --protocol cot --data "$V/data" --verdicts --no-report \
        --out "$TMP/th$th" "$COT" >/dev/null 2>&1
done
same=y
for th in 2 5; do
    cmp -s "$TMP/th1/samples.jsonl" "$TMP/th$th/samples.jsonl" || same=n
    cmp -s "$TMP/th1/results.json" "$TMP/th$th/results.json" || same=n
done
expect_eq "STEVAL_THREADS=1, 2, 5: the same samples.jsonl and results.json" "$same" y
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$COT")
expect_eq "every one of the $n predictions written" "$(wc -l <"$TMP/th5/samples.jsonl" | tr -d ' ')" "$n"
finish
