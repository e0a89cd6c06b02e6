#!/bin/sh
# steval compare: exit codes on crafted regressions and non-regressions,
# setup differences, bad input, output formats.
. "$(dirname "$0")/lib.sh"

PY="python3 $ROOT/tests/e2e/boot.py"
$PY suite "$TMP" || exit 1
export STEVAL_SUITES="$TMP/suites"
for m in base same drop improve; do $PY run "$TMP" "$TMP/$m" "$m" || exit 1; done
R="--resamples 500"

out=$("$STEVAL" compare "$TMP/base" "$TMP/same" $R 2>&1); rc=$?
expect_eq "identical answers: exit 0" "$rc" 0
expect_match "identical answers: no regression" "$out" 'No regression'
expect_match "identical answers: delta 0" "$out" '\| \*\*Overall\*\* \| 245 \| [0-9.]+ \| [0-9.]+ \| \+0\.00 \|'

out=$("$STEVAL" compare "$TMP/base" "$TMP/drop" $R 2>&1); rc=$?
expect_eq "a category falls to zero: exit 1" "$rc" 1
expect_match "the regressed category is named" "$out" 'Regression.* in 2 groups: Overall .*Count'
expect_match "its row is marked" "$out" '\| Count \| 49 .*regression \|'
expect_match "unchanged categories are not marked" "$out" '\| Size \| [^❌]*\| \|$'

expect_rc "the drop is within --max-drop: exit 0" 0 "$STEVAL" compare "$TMP/base" "$TMP/drop" $R --max-drop 60
expect_rc "--gate overall, overall drop beyond --max-drop: exit 1" 1 "$STEVAL" compare "$TMP/base" "$TMP/drop" $R --gate overall --max-drop 10
expect_rc "--gate overall, overall drop within --max-drop: exit 0" 0 "$STEVAL" compare "$TMP/base" "$TMP/drop" $R --gate overall --max-drop 20
expect_rc "an improvement is not a regression" 0 "$STEVAL" compare "$TMP/base" "$TMP/improve" $R
out=$("$STEVAL" compare "$TMP/improve" "$TMP/base" $R 2>&1); rc=$?
expect_eq "the same pair reversed is a regression" "$rc" 1
expect_match "the merged category and its member regress" "$out" 'Dir.*Dir \(hard\)'

# another draw of answers at the same accuracy: the scores drop a little,
# within noise, and that is not a regression
$PY run "$TMP" "$TMP/shift" shift || exit 1
out=$("$STEVAL" compare "$TMP/base" "$TMP/shift" $R 2>&1); rc=$?
expect_eq "a drop within noise: exit 0" "$rc" 0
expect_match "a drop within noise: the overall did drop" "$out" '\| \*\*Overall\*\* \| 232 \| [0-9.]+ \| [0-9.]+ \| -2\.[0-9]+ \| -[0-9.]+ … \+[0-9.]+ \|'
out=$("$STEVAL" compare "$TMP/base" "$TMP/drop" --resamples 200 --alpha 0.001 2>&1)
expect_match "too few resamples for --alpha are warned about" "$out" 'warning: .*--resamples'
# splits gate: an overall-only gate ignores split drops; --gate all includes them
out=$("$STEVAL" compare "$TMP/base" "$TMP/drop" $R --gate all 2>&1)
expect_match "--gate all can fail on splits" "$out" 'split Indoor .*regression'

# formats
"$STEVAL" compare "$TMP/base" "$TMP/drop" $R --format csv -o "$TMP/c.csv" 2>/dev/null
expect_rc "--format csv parses, one row per group" 0 python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 9, len(rows)
assert [r["name"] for r in rows if r["regressed"] == "1"] == ["overall", "count"], rows
' "$TMP/c.csv"
"$STEVAL" compare "$TMP/base" "$TMP/drop" $R --format json -o "$TMP/c.json" 2>/dev/null
expect_rc "--format json parses and says regression" 0 python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["regression"] is True and d["items"]["shared"] == 245, d["items"]
' "$TMP/c.json"
expect_rc "--format latex is refused" 2 "$STEVAL" compare "$TMP/base" "$TMP/drop" --format latex

# setup differences: warned, refused with --strict
cp -r "$TMP/same" "$TMP/frames16"
python3 - "$TMP/frames16/manifest.json" <<'PYEOF'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["frames"]["count"] = 16
m["suite"]["files"] = [{"path": "/x/items.jsonl", "sha256": "ab" * 32, "items": 260}]
json.dump(m, open(p, "w"))
PYEOF
python3 - "$TMP/base/manifest.json" <<'PYEOF'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["suite"]["files"] = [{"path": "/y/items.jsonl", "sha256": "cd" * 32, "items": 260}]
json.dump(m, open(p, "w"))
PYEOF
out=$("$STEVAL" compare "$TMP/base" "$TMP/frames16" $R 2>&1); rc=$?
expect_eq "other frame plan: still compared (exit 0)" "$rc" 0
expect_match "the frame plans are named" "$out" 'frame plans differ: base \{"sampler":"uniform","count":8\}, new \{"sampler":"uniform","count":16\}'
expect_match "the dataset hash difference is named" "$out" "dataset file 'items.jsonl' differs"
out=$("$STEVAL" compare "$TMP/base" "$TMP/frames16" $R --strict 2>&1); rc=$?
expect_eq "--strict refuses different setups (exit 2)" "$rc" 2
expect_match "--strict says why" "$out" 'differ in setup'

# bad input
cp -r "$TMP/same" "$TMP/other"
python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); d["suite"]="vlm4d"; json.dump(d, open(p,"w"))' "$TMP/other/results.json"
out=$("$STEVAL" compare "$TMP/base" "$TMP/other" $R 2>&1); rc=$?
expect_eq "different suites: exit 2" "$rc" 2
expect_match "different suites are named" "$out" "different suites \('boottest' in .*, 'vlm4d' in "
mkdir -p "$TMP/disjoint"
sed 's/"id": "q/"id": "z/' "$TMP/same/samples.jsonl" >"$TMP/disjoint/samples.jsonl"
cp "$TMP/same/results.json" "$TMP/disjoint/"
out=$("$STEVAL" compare "$TMP/base" "$TMP/disjoint" $R 2>&1); rc=$?
expect_eq "no common items: exit 2" "$rc" 2
expect_match "no common items: said" "$out" 'no scored item in common'
expect_rc "a missing run directory: exit 2" 2 "$STEVAL" compare "$TMP/base" "$TMP/nope"
mkdir -p "$TMP/broken" && printf '{"suite": "boottest", ' >"$TMP/broken/results.json"
out=$("$STEVAL" compare "$TMP/base" "$TMP/broken" 2>&1); rc=$?
expect_eq "broken results.json: exit 2" "$rc" 2
expect_match "broken results.json: the file is named" "$out" "broken/results.json"
expect_rc "--alpha out of range: exit 2" 2 "$STEVAL" compare "$TMP/base" "$TMP/same" --alpha 1.5
expect_rc "--gate unknown: exit 2" 2 "$STEVAL" compare "$TMP/base" "$TMP/same" --gate some
expect_rc "one run only: exit 2" 2 "$STEVAL" compare "$TMP/base"
finish
