#!/bin/sh
# Loading every suite over its fixture (fixtures/, ../shared/data/vlm4d):
# item counts, ids, categories, answer types, accepted letters, splits, and
# bad input (each must give exit 2 and an error naming the file and the
# line or item). Broken inputs are temporary copies under $TMP.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 2

# --- regressions ------------------------------------------------------------

# STI opensource_test.py json.loads a Candidates string: numbers stay ints.
mkdir -p "$TMP/sti-num"
printf '%s\n' '{"Video": "000001.mp4", "ID": 1, "time_start": 0, "time_end": 1.5, "Question": "How many turns?", "Candidates": "{\"A\": 0, \"B\": 1.50, \"C\": 2, \"D\": 1e2, \"E\": -3}", "Answer": "A", "Task": "Pose Estimation", "Source": "Omni6DPose"}' \
    >"$TMP/sti-num/qa.jsonl"
out=$("$STEVAL" show sti-bench --data "$TMP/sti-num" --item '000001.mp4#1' --protocol opensource --raw 2>&1)
expect_eq "sti: numbers in a JSON-string Candidates print as Python's str" "$out" "From 0 s to 1.5 s. How many turns?
(A) 0
(B) 1.5
(C) 2
(D) 100.0
(E) -3
Please output only the option letter!"

finish
