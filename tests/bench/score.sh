#!/bin/sh
# Scoring benchmark: `steval score` of one VLM4D prediction set and
# `steval leaderboard` over 45 runs, side by side with their floors (the
# process start, and reading + parsing the same JSON with steval's parser),
# and the bootstrap before and after (tests/bench/stats_boot.c).
#
#   VLM4D_PREDS=DIR sh tests/bench/score.sh [REPS]
#
# DIR: VLM4D's processed_outputs_paper_results (gpt-4o_32frame, 1,816 items,
# and all 45 sets for the leaderboard). Without it: the 1,371-item set in
# ../shared/data/vlm4d and 45 copies of its run. Times are the best of REPS
# (default 5) wall-clock runs; ratios, never absolute limits, are the result.
set -eu
cd "$(dirname "$0")/../.."
STEVAL=${STEVAL:-$PWD/steval}
BIN=${STEVAL_BENCH_BIN:-$PWD/build/default/bench}
SHARED=${STEVAL_SHARED:-$PWD/../shared}
REPS=${1:-5}
DATA=$SHARED/data/vlm4d/data
for b in json_floor stats_boot; do
    [ -x "$BIN/$b" ] || make --no-print-directory "${BIN#$PWD/}/$b" >/dev/null
done
if [ ! -f "$DATA/real_mc.json" ]; then
    echo "score bench: no $DATA/real_mc.json" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/steval-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

P=${VLM4D_PREDS:-}
if [ -n "$P" ] && [ -f "$P/real_mc_cot/gpt-4o_32frame.json" ]; then
    IN="$P/real_mc_cot/gpt-4o_32frame.json $P/synthetic_mc_cot/gpt-4o_32frame.json"
    what="gpt-4o_32frame, real + synthetic CoT (1,816 items)"
else
    P=
    IN=$SHARED/data/vlm4d/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json
    what="Qwen2.5-VL-7B, real CoT (1,371 items; set VLM4D_PREDS for 1,816)"
fi

best() { # best wall seconds of REPS runs of a command
    python3 - "$REPS" "$@" <<'PY'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
b = 1e9
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    b = min(b, time.perf_counter() - t)
print("%.4f" % b)
PY
}
floor() { # best in-process seconds of json_floor over REPS runs
    m=9
    for _ in $(seq "$REPS"); do
        s=$("$BIN/json_floor" "$@" | sed 's/.*seconds=//')
        m=$(python3 -c "print(min($m, $s))")
    done
    echo "$m"
}
ratio() { python3 -c "print('%.1f' % ($1 / $2))"; }

A="--suite vlm4d --data $DATA --verdicts"
# shellcheck disable=SC2086
start=$(best "$STEVAL" list suites)
# shellcheck disable=SC2086
parse=$(floor $IN "$DATA/real_mc.json" "$DATA/synthetic_mc.json")
# shellcheck disable=SC2086
noreport=$(best "$STEVAL" score $A --force --no-report --out "$T/nr" $IN)
# shellcheck disable=SC2086
reports=$(best "$STEVAL" score $A --force --out "$T/r" $IN)
in_floor=$(python3 -c "print('%.4f' % ($start + $parse))")

echo "== scoring benchmark ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)): $what"
printf '%-44s %9s %9s\n' "" "seconds" "x floor"
printf '%-44s %9s %9s\n' "floor: process start (steval list suites)" "$start" "-"
printf '%-44s %9s %9s\n' "floor: read + parse predictions and questions" "$parse" "-"
printf '%-44s %9s %9s\n' "floor: both" "$in_floor" "1.0"
printf '%-44s %9s %9s\n' "steval score --no-report" "$noreport" "$(ratio "$noreport" "$in_floor")"
printf '%-44s %9s %9s\n' "steval score (all reports)" "$reports" "$(ratio "$reports" "$in_floor")"

# the bootstrap alone, before (per-cluster loop, sorted) and after, on
# this run's items (clusters = videos; category, split, overall; the
# official score and its variants)
python3 - "$T/nr/samples.jsonl" "$T/items.tsv" <<'PY'
import json, sys
with open(sys.argv[2], "w") as f:
    for line in open(sys.argv[1]):
        s = json.loads(line)
        vals = [s["score"]] + [v["score"] for v in s.get("variants", {}).values()]
        f.write("%s\t%s\t%s\n" % (s.get("video") or s["id"], ",".join([s["category"], s["split"], "overall"]),
                                  "\t".join(str(v) for v in vals)))
PY
echo "bootstrap, 10,000 resamples, this run's items (1 thread): $("$BIN/stats_boot" -f "$T/items.tsv" 10000)"
echo "bootstrap, 10,000 resamples, synthetic VLM4D shape (1 thread): $("$BIN/stats_boot" 10000)"

# leaderboard over 45 runs
mkdir -p "$T/lb"
if [ -n "$P" ]; then
    for f in "$P"/real_mc_cot/*.json "$P"/real_mc_direct-output/*.json; do
        m=$(basename "$f" .json)
        proto=$(basename "$(dirname "$f")" | sed 's/^real_mc_//')
        "$STEVAL" score $A --protocol "$proto" --no-report --out "$T/lb/$proto-$m" "$f" \
            "$P/synthetic_mc_$proto/$m.json" >/dev/null 2>&1
    done
else
    for i in $(seq 45); do cp -r "$T/nr" "$T/lb/run$i"; done
fi
n=$(ls "$T/lb" | wc -l)
lb=$(best "$STEVAL" leaderboard "$T"/lb/*)
lbparse=$(floor "$T"/lb/*/results.json)
lbfloor=$(python3 -c "print('%.4f' % ($start + $lbparse))")
printf '%-44s %9s %9s\n' "floor: start + parse $n results.json" "$lbfloor" "1.0"
printf '%-44s %9s %9s\n' "steval leaderboard ($n runs)" "$lb" "$(ratio "$lb" "$lbfloor")"
