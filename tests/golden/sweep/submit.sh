#!/bin/bash
# steval sweep 'demo' (/sw/lb.json): submit every job, each after the ones it needs
# Written by 'steval sweep FILE --slurm DIR'; submit.sh submits it in order.
# 2 job arrays (one per model, suite, protocol and option set), a merge
# after each array (afterok), one leaderboard job after every merge. Prints
# and appends to OUT/jobs.tsv one line per job: kind, key, job id.
# SBATCH=... replaces the sbatch command (e.g. to add --reservation).
set -euo pipefail
cd "$(dirname "$0")"
SBATCH=${SBATCH:-sbatch}
OUT=/scratch/demo
mkdir -p "$OUT/logs"
submit() {
    local kind=$1 key=$2 id
    shift 2
    id=$($SBATCH --parsable "$@") || exit 1
    id=${id%%;*}
    printf '%s\t%s\t%s\n' "$kind" "$key" "$id" | tee -a "$OUT/jobs.tsv" >&2
    echo "$id"
}
a1=$(submit array vlm4d.cot.openai_gpt-4o 01-vlm4d.cot.openai_gpt-4o.array.sbatch)
m1=$(submit merge vlm4d.cot.openai_gpt-4o --dependency=afterok:$a1 01-vlm4d.cot.openai_gpt-4o.merge.sbatch)
a2=$(submit array vlm4d.cot.qwen 02-vlm4d.cot.qwen.array.sbatch)
m2=$(submit merge vlm4d.cot.qwen --dependency=afterok:$a2 02-vlm4d.cot.qwen.merge.sbatch)
lb=$(submit leaderboard - --dependency=afterok:$m1:$m2 leaderboard.sbatch)
echo "$lb"
