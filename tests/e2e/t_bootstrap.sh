#!/bin/sh
# Bootstrap intervals and paired comparisons against an independent Python
# computation (tests/e2e/stats_ref.py: same draws, naive statistics).
. "$(dirname "$0")/lib.sh"

PY="python3 $ROOT/tests/e2e/boot.py"
$PY suite "$TMP" || exit 1
export STEVAL_SUITES="$TMP/suites"
for m in base same drop improve shift; do $PY run "$TMP" "$TMP/$m" "$m" || exit 1; done

ok_if "report recomputes results.json with intervals" "$STEVAL" report "$TMP/base" --resamples 1000 --seed 11 --no-html
out=$($PY check-results "$TMP" "$TMP/base" 1000 11 0.95 2>&1); rc=$?
expect_eq "intervals, SE and exact scores match the reference (official and variant)" "$rc" 0
[ $rc = 0 ] || echo "$out" | sed 's/^/#   /'

ok_if "report at another level" "$STEVAL" report "$TMP/base" --resamples 700 --seed 5 --level 0.8 --no-html
out=$($PY check-results "$TMP" "$TMP/base" 700 5 0.8 2>&1); rc=$?
expect_eq "80% intervals match the reference" "$rc" 0
[ $rc = 0 ] || echo "$out" | sed 's/^/#   /'

# same seed, same numbers; another seed, other numbers
"$STEVAL" report "$TMP/base" --resamples 300 --seed 1 --no-html >/dev/null 2>&1
a=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["overall"]["ci"])' "$TMP/base/results.json")
"$STEVAL" report "$TMP/base" --resamples 300 --seed 1 --no-html >/dev/null 2>&1
b=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["overall"]["ci"])' "$TMP/base/results.json")
"$STEVAL" report "$TMP/base" --resamples 300 --seed 2 --no-html >/dev/null 2>&1
c=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["overall"]["ci"])' "$TMP/base/results.json")
expect_eq "the same seed gives the same interval" "$a" "$b"
if [ "$a" != "$c" ]; then _report 0 "another seed gives another interval"; else _report 1 "another seed gives another interval" "$a"; fi

for m in same drop improve shift; do
    "$STEVAL" compare "$TMP/base" "$TMP/$m" --format json --resamples 400 --seed 3 -o "$TMP/c-$m.json" 2>/dev/null
    out=$($PY check-compare "$TMP" "$TMP/base" "$TMP/$m" "$TMP/c-$m.json" 400 3 0.05 2>&1); rc=$?
    expect_eq "paired intervals, scores and McNemar match the reference ($m)" "$rc" 0
    [ $rc = 0 ] || echo "$out" | sed 's/^/#   /'
done
"$STEVAL" compare "$TMP/base" "$TMP/shift" --format json --resamples 300 --seed 9 --alpha 0.2 -o "$TMP/c-a.json" 2>/dev/null
out=$($PY check-compare "$TMP" "$TMP/base" "$TMP/shift" "$TMP/c-a.json" 300 9 0.2 2>&1); rc=$?
expect_eq "paired 80% intervals match the reference" "$rc" 0
[ $rc = 0 ] || echo "$out" | sed 's/^/#   /'
finish
