#!/bin/sh
# Hardening (issue 16): what must never lose data, or pass a bad input
# silently. One section per point; the run-directory lock is t_rundir_lock.sh.
. "$(dirname "$0")/lib.sh"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
q() { $PY "$ROOT/tests/e2e/q.py" "$1" "$2"; }

# 2. score --out onto a directory that holds a run
run=$("$STEVAL" run demo --model baseline:first --out "$TMP/runs" 2>/dev/null)
before=$(cat "$run/samples.jsonl" | od -An -c | md5sum)
"$STEVAL" run demo --model baseline:random --seed 3 --out "$TMP/other" >"$TMP/o.out" 2>/dev/null
preds=$(cat "$TMP/o.out")/samples.jsonl
out=$("$STEVAL" score --suite demo --out "$run" "$preds" 2>&1); rc=$?
expect_eq "score --out onto a run: exit 2" "$rc" 2
expect_match "score --out onto a run: says why and how" "$out" "already holds a run or scores \(manifest.json\).*--force"
expect_eq "score --out onto a run: its samples are untouched" "$(cat "$run/samples.jsonl" | od -An -c | md5sum)" "$before"
expect_file "score --out onto a run: its manifest is kept" "$run/manifest.json"
out=$("$STEVAL" score --suite demo --out "$run" "$run/samples.jsonl" --force 2>&1); rc=$?
expect_eq "score --out DIR DIR/samples.jsonl (even --force): exit 2" "$rc" 2
expect_match "score --out DIR DIR/samples.jsonl: names it" "$out" "is the samples.jsonl of --out"
expect_eq "score --out DIR DIR/samples.jsonl: nothing truncated" "$(cat "$run/samples.jsonl" | od -An -c | md5sum)" "$before"
out=$("$STEVAL" score --suite demo --out "$run" "$preds" --force 2>&1 >/dev/null); rc=$?
expect_eq "score --out onto a run with --force: exit 0" "$rc" 0
expect_match "--force warns that the manifest went" "$out" "removed '.*manifest.json'"
expect_eq "--force: no stale manifest left" "$([ -e "$run/manifest.json" ] && echo left || echo gone)" gone
expect_eq "--force: the new samples replace the old" "$(q "$run/samples.jsonl" 'len(D)')" 10
"$STEVAL" score --suite demo --out "$TMP/fresh" "$preds" >/dev/null 2>&1
expect_eq "score --out a new directory: no --force needed" "$?" 0
"$STEVAL" score --suite demo --out "$TMP/fresh" "$preds" >/dev/null 2>&1
expect_eq "score --out its own earlier scores: exit 2 without --force" "$?" 2

finish
