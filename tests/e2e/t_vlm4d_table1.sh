#!/bin/sh
# VLM4D's 45 published prediction sets, scored with --verdicts, give every
# cell of the paper's Table 1 (and of Figure 6, direct output) and drop
# none of their 81,720 predictions; robust-letter agrees with the judge.
#
#   VLM4D_PREDS=DIR   a copy of ShijieZhou-UCLA/VLM4D@23f2680:processed_outputs_paper_results
#                     (DIR/{real,synthetic}_mc_{cot,direct-output}/MODEL.json)
#
# Without it the script skips: the files are not part of the project.
# tests/golden/vlm4d_table1.tsv holds the expected cells.
. "$(dirname "$0")/lib.sh"

P=${VLM4D_PREDS:-}
TAB=$ROOT/tests/golden/vlm4d_table1.tsv
DATA=$SHARED/data/vlm4d/data
if [ -z "$P" ] || [ ! -d "$P/real_mc_cot" ] || [ ! -d "$P/synthetic_mc_direct-output" ]; then
    skip "VLM4D Table 1 from the 45 published sets" "set VLM4D_PREDS to processed_outputs_paper_results"
    finish
    exit 0
fi
if [ ! -f "$DATA/real_mc.json" ]; then
    skip "VLM4D Table 1 from the 45 published sets" "no $DATA/real_mc.json"
    finish
    exit 0
fi

n=0
grep -v '^#' "$TAB" | tail -n +2 >"$TMP/rows"
while IFS="$(printf '\t')" read -r proto model ego exo real sdir sfp synth overall; do
    n=$((n + 1))
    o=$TMP/$proto/$model
    if ! "$STEVAL" score --suite vlm4d --data "$DATA" --protocol "$proto" --verdicts --no-report \
        --out "$o" "$P/real_mc_$proto/$model.json" "$P/synthetic_mc_$proto/$model.json" \
        >/dev/null 2>"$TMP/err"; then
        _report 1 "$proto $model scores" "$(cat "$TMP/err")"
        continue
    fi
    got=$(python3 - "$o/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["splits"]
cells = [s["real/ego"], s["real/exo"], s["real"], s["synthetic/directional"],
         s["synthetic/fp"], s["synthetic"], r["overall"]]
dropped = sum(f["dropped"] for f in r["inputs"])
print(" ".join("%.2f" % c["score"] for c in cells), r["overall"]["n"], dropped)
PY
)
    want=$(printf '%.2f %.2f %.2f %.2f %.2f %.2f %.2f 1816 0' "$ego" "$exo" "$real" "$sdir" "$sfp" \
        "$synth" "$overall")
    expect_eq "$proto $model: Table 1 cells, 1816 joined, none dropped" "$got" "$want"
done <"$TMP/rows"
expect_eq "45 prediction sets" "$n" 45

# robust-letter against the hand-checked verdicts, no judge call
agree=$(python3 - "$TMP" <<'PY'
import glob, json, sys
for proto in ("cot", "direct-output"):
    n = a = 0
    for f in glob.glob(sys.argv[1] + "/" + proto + "/*/samples.jsonl"):
        for line in open(f):
            s = json.loads(line)
            n += 1
            a += (s["variants"]["robust"]["score"] == 1) == bool(s["verdict"])
    print(proto, n, a, "%.3f" % (100.0 * a / n))
PY
)
printf '%s\n' "$agree" | sed 's/^/# robust agreement: /'
cot=$(printf '%s\n' "$agree" | awk '$1 == "cot" { print ($3 * 1000 >= $2 * 995) ? "ok" : $4 }')
do=$(printf '%s\n' "$agree" | awk '$1 == "direct-output" { print ($3 * 10000 >= $2 * 9995) ? "ok" : $4 }')
expect_eq "robust-letter agrees with the judge on >= 99.5% of 41,768 CoT answers" "$cot" ok
expect_eq "robust-letter agrees with the judge on >= 99.95% of 39,952 direct answers" "$do" ok
finish
