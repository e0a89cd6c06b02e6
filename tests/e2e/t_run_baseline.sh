#!/bin/sh
# steval run with the built-in baselines: offline, deterministic.
. "$(dirname "$0")/lib.sh"

run=$("$STEVAL" run demo --model baseline:random --seed 7 --out "$TMP/runs"); rc=$?
expect_eq "baseline run exits 0" "$rc" 0
expect_match "run dir is runs/SUITE/MODEL/STAMP" "$run" "^$TMP/runs/demo/baseline_random/[0-9]{8}T[0-9]{6}Z$"
for f in manifest.json samples.jsonl results.json report.md; do
    expect_file "run writes $f" "$run/$f"
done
n=$(wc -l <"$run/samples.jsonl")
expect_eq "one sample per item" "$n" 10
m=$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["status"], m["suite"]["name"], m["suite"]["items"], m["protocol"], m["model"], m["seed"],
      len(m["suite"]["files"][0]["sha256"]), m["counts"]["finished"], m["frames"]["count"],
      m["generation"]["max_tokens"], "libcurl" in m["libraries"])' "$run/manifest.json")
expect_eq "manifest records the run" "$m" "finished demo 10 default baseline:random 7 64 10 8 16 True"

run2=$("$STEVAL" run demo --model baseline:random --seed 7 --out "$TMP/runs")
a=$(python3 -c 'import json,sys; print([json.loads(l)["response"] for l in open(sys.argv[1])])' "$run/samples.jsonl")
b=$(python3 -c 'import json,sys; print([json.loads(l)["response"] for l in open(sys.argv[1])])' "$run2/samples.jsonl")
expect_eq "same seed, same answers" "$a" "$b"
expect_eq "a second run gets its own directory" "$([ "$run" != "$run2" ] && echo yes)" yes
run3=$("$STEVAL" run demo --model baseline:random --seed 8 --out "$TMP/runs")
c=$(python3 -c 'import json,sys; print([json.loads(l)["response"] for l in open(sys.argv[1])])' "$run3/samples.jsonl")
expect_eq "another seed, other answers" "$([ "$a" != "$c" ] && echo differ)" differ

run=$("$STEVAL" run demo --model baseline:first --limit 3 --out "$TMP/runs")
n=$(wc -l <"$run/samples.jsonl")
expect_eq "--limit 3" "$n" 3
r=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["items"]["missing"])' "$run/results.json")
expect_eq "a limited run says it is partial" "$r" 7
out=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["response"] for l in open(sys.argv[1])))' "$run/samples.jsonl")
expect_eq "baseline:first answers the first option" "$out" "A A A"

run=$("$STEVAL" run demo --model baseline:frequency --out "$TMP/runs")
r=$(python3 -c '
import json, sys
s = {json.loads(l)["id"]: json.loads(l)["response"] for l in open(sys.argv[1])}
print(s["count-1"], s["time-1"])' "$run/samples.jsonl")
expect_eq "frequency baseline: numeric answers are the category mean" "$r" "1.5 21.0"

expect_rc "unknown baseline" 2 "$STEVAL" run demo --model baseline:oracle --out "$TMP/runs"
expect_rc "malformed model spec" 2 "$STEVAL" run demo --model nonsense --out "$TMP/runs"
expect_rc "--model is required" 2 "$STEVAL" run demo --out "$TMP/runs"

if [ -d "$SHARED/data/vlm4d/data" ]; then
    run=$("$STEVAL" run vlm4d --data "$SHARED/data/vlm4d/data" --model baseline:random --out "$TMP/runs")
    r=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["overall"]["n"], sorted(r["splits"]))' "$run/results.json")
    expect_eq "baseline over all of VLM4D" "$r" "1816 ['real', 'real/ego', 'real/exo', 'synthetic', 'synthetic/directional', 'synthetic/fp']"
fi
finish
