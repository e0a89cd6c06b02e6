#!/bin/sh
# steval leaderboard: order, best per column, published reference rows,
# every format well formed (hostile names included), one suite only.
. "$(dirname "$0")/lib.sh"

PY="python3 $ROOT/tests/e2e/boot.py"
$PY suite "$TMP" || exit 1
export STEVAL_SUITES="$TMP/suites"
for m in base drop improve; do
    $PY run "$TMP" "$TMP/$m" "$m" && "$STEVAL" report "$TMP/$m" --resamples 200 --no-html >/dev/null 2>&1
done

out=$("$STEVAL" leaderboard "$TMP/drop" "$TMP/base" "$TMP/improve" 2>&1); rc=$?
expect_eq "leaderboard: exit 0" "$rc" 0
order=$(printf '%s\n' "$out" | sed -n 's/^| \([0-9]\) | \(model-[a-z]*\) .*/\1 \2/p' | tr '\n' ' ')
expect_eq "sorted by the overall score" "$order" "1 model-improve 2 model-base 3 model-drop "
expect_match "the paper's columns, in order" "$out" '\| # \| Model \| Protocol \| n \| Overall \| Count \| Size \| Dir \| extra \|'
expect_match "best overall in bold" "$out" '\| 1 \| model-improve \| p \| 245 \| \*\*[0-9.]+\*\* \|'
expect_match "a tie is bold in both rows" "$out" '\| 2 \| model-base \| p \| 245 \| [0-9.]+ \| \*\*57\.14\*\* \|'
expect_match "a worse value is not bold" "$out" '\| 3 \| model-drop \| p \| 245 \| [0-9.]+ \| 0\.00 \|'
out=$("$STEVAL" leaderboard "$TMP/drop" "$TMP/base" --ci 2>&1)
expect_match "--ci shows intervals" "$out" '<sub>[0-9.]+–[0-9.]+</sub>'

for f in csv latex html json; do
    "$STEVAL" leaderboard "$TMP/drop" "$TMP/base" "$TMP/improve" --format $f --ci -o "$TMP/lb.$f" 2>/dev/null
    expect_file "--format $f" "$TMP/lb.$f"
done
expect_rc "csv: one row per run, header and values agree" 0 python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert [r["model"] for r in rows] == ["model-improve", "model-base", "model-drop"], rows
assert float(rows[0]["Overall ci_lo"]) < float(rows[0]["Overall"]) < float(rows[0]["Overall ci_hi"])
' "$TMP/lb.csv"
out=$(python3 "$ROOT/tests/e2e/hostile.py" check-tex "$TMP/lb.latex" 2>&1)
expect_eq "latex: booktabs structure" "$out" "tex: structure ok"
expect_match "latex: the best values in textbf" "$(cat "$TMP/lb.latex")" '\\textbf\{57\.14\}'
expect_rc "json: ranks and best flags" 0 python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["rank"] for r in d["rows"]] == [1, 2, 3]
assert d["rows"][0]["values"][0]["best"] is True and d["rows"][2]["values"][0]["best"] is False
' "$TMP/lb.json"

# published numbers from the spec
VLM=$SHARED/data/vlm4d
for p in cot direct-output; do
    "$STEVAL" score --suite vlm4d --data "$VLM/data" --verdicts --out "$TMP/vlm-$p" -m "qwen-$p" \
        "$VLM/predictions/real_mc_$p/Qwen2.5-VL-7B-Instruct_1fps.json" >/dev/null 2>&1
done
unset STEVAL_SUITES
out=$("$STEVAL" leaderboard "$TMP/vlm-cot" "$TMP/vlm-direct-output" --reference 2>&1); rc=$?
expect_eq "--reference: exit 0" "$rc" 0
expect_match "--reference: a published row, numbered" "$out" '\| 1 \| Gemini-2\.5-Pro \[1\] \| cot \|  \| – \| – \| \*\*63\.46\*\* \|'
expect_match "--reference: its source as a note" "$out" '1\. VLM4D processed\\_outputs\\_paper\\_results, recomputed'
expect_match "--reference: a published split fills a category column of the same name" "$out" 'Qwen2\.5-VL-7B \[4\] \| cot \|  \| \*\*42\.32\*\* \| 43\.71 \| 43\.25 \|'
for f in latex html; do
    "$STEVAL" leaderboard "$TMP/vlm-cot" --reference --format $f -o "$TMP/ref.$f" 2>/dev/null
done
expect_match "--reference in LaTeX: notes as superscripts" "$(cat "$TMP/ref.latex")" 'Gemini-2\.5-Pro\\textsuperscript\{1\}'
out=$(python3 "$ROOT/tests/e2e/hostile.py" check-tex "$TMP/ref.latex" 2>&1)
expect_eq "--reference in LaTeX: structure" "$out" "tex: structure ok"
expect_match "--reference in HTML: a numbered list of sources" "$(cat "$TMP/ref.html")" '<li value="1">VLM4D processed_outputs_paper_results, recomputed</li>'

# one suite per leaderboard
export STEVAL_SUITES="$TMP/suites"
out=$("$STEVAL" leaderboard "$TMP/base" "$TMP/vlm-cot" 2>&1); rc=$?
expect_eq "runs of two suites: exit 2" "$rc" 2
expect_match "runs of two suites: named" "$out" "vlm-cot' is a run of suite 'vlm4d', not 'boottest'"
expect_rc "an unknown format: exit 2" 2 "$STEVAL" leaderboard "$TMP/base" --format xls

# hostile names
H=$TMP/h
python3 "$ROOT/tests/e2e/hostile.py" make "$H" || exit 1
STEVAL_SUITES="$H/suites" "$STEVAL" report "$H/run" --data "$H/data" --resamples 100 --no-html >/dev/null 2>&1
for f in latex html csv; do
    "$STEVAL" leaderboard "$H/run" --ci --format $f -o "$TMP/h.$f" 2>/dev/null
done
out=$(python3 "$ROOT/tests/e2e/hostile.py" check-tex "$TMP/h.latex" 2>&1)
expect_eq "hostile names: LaTeX leaderboard well formed" "$out" "tex: structure ok"
expect_rc "hostile names: HTML leaderboard has no script and no handler" 0 python3 -c '
import html.parser, sys
class P(html.parser.HTMLParser):
    bad = []
    def handle_starttag(self, t, a):
        if t in ("script", "img", "b", "i") and t != "b" or any(k.startswith("on") for k, _ in a): self.bad.append(t)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); assert not p.bad, p.bad
' "$TMP/h.html"
expect_rc "hostile names: CSV leaderboard parses" 0 python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len({len(r) for r in rows}) == 1 and len(rows) == 2 and "<b>bold</b>" in rows[1][1], rows
' "$TMP/h.csv"
finish
