#!/bin/sh
# Resume: SIGKILL at several points of a run against the loopback server,
# a torn last line, SIGINT; the resumed result must equal an uninterrupted
# run's, with nothing lost or duplicated. Then the manifest checks.
. "$(dirname "$0")/lib.sh"
DISPATCH_ITEMS=40
. "$(dirname "$0")/dispatch_lib.sh"

fake_start --latency 0.05
MODEL="openai@$BASE/v1:fake-vlm"

# the reference: one uninterrupted run
srun --model "$MODEL" --concurrency 4
expect_eq "reference run: exit 0" "$RC" 0
REF=$RUN

# a run killed (SIGKILL) at seeded random points, resumed until done
KOUT=$TMP/killed
: >"$TMP/kill.log"
"$STEVAL" run "$SPEC" --data "$DATA" --out "$KOUT" --no-progress --model "$MODEL" --concurrency 4 \
    >/dev/null 2>>"$TMP/kill.log" &
PID=$!
# kill it once a few samples are on disk
KRUN=""
i=0
while [ $i -lt 500 ]; do
    KRUN=$(ls -d "$KOUT"/dispatch/*/* 2>/dev/null | head -n 1)
    if [ -n "$KRUN" ] && [ -f "$KRUN/samples.jsonl" ] && [ "$(wc -l <"$KRUN/samples.jsonl")" -ge 3 ]; then break; fi
    sleep 0.02
    i=$((i + 1))
done
kill -9 "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
expect_file "killed run: a manifest exists" "$KRUN/manifest.json"
expect_eq "killed run: killed before the end" "$(M0=$KRUN/samples.jsonl; [ "$(wc -l <"$M0")" -lt 40 ] && echo yes)" yes
# a write torn by the crash
printf '{"id":"q039","category":"beta","status":"o' >>"$KRUN/samples.jsonl"
kills=1
tries=0
# delays (seconds) drawn once from a seeded generator
for d in $(awk 'BEGIN { srand(42); for (i = 0; i < 6; i++) printf "%.2f ", 0.05 + rand() * 0.3 }'); do
    tries=$((tries + 1))
    "$STEVAL" run --resume "$KRUN" --no-progress >/dev/null 2>>"$TMP/kill.log" &
    PID=$!
    sleep "$d"
    if kill -9 "$PID" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$PID" 2>/dev/null
done
"$STEVAL" run --resume "$KRUN" --no-progress >"$TMP/last.out" 2>>"$TMP/kill.log"
expect_eq "final resume: exit 0" "$?" 0
expect_eq "final resume: prints the same run directory" "$(cat "$TMP/last.out")" "$KRUN"
expect_match "at least two kills landed" "$kills" "^[2-9]"
expect_match "the torn line was dropped with a warning" "$(cat "$TMP/kill.log")" "dropping a torn last line"
RUN=$KRUN
expect_eq "every item present once" "$(S 'sorted(set(ids(D))) == ["q%03d" % i for i in range(40)]')" true
expect_eq "no duplicate non-error ids" "$(S '(lambda x: len(x) == len(set(x)))([r["id"] for r in D if r["status"] != "error"])')" true
expect_eq "no errors" "$(S '[r["id"] for r in D if r["status"] == "error"]')" '[]'
KEY='sorted((i, r["status"], r["response"], r["extracted"], r["score"], r["prompt_sha256"]) for i, r in by_id(D).items())'
expect_eq "per item, the same as the uninterrupted run" "$(S "$KEY")" "$(q "$REF/samples.jsonl" "$KEY")"
expect_eq "results.json equal (overall)" "$(q "$KRUN/results.json" 'D["overall"]')" "$(q "$REF/results.json" 'D["overall"]')"
expect_eq "results.json equal (categories)" "$(q "$KRUN/results.json" 'D["categories"]')" "$(q "$REF/results.json" 'D["categories"]')"
expect_eq "manifest: finished" "$(M 'D["status"]')" finished
expect_eq "each line is valid JSON and ends with a newline" "$(tail -c 1 "$KRUN/samples.jsonl" | od -An -c | tr -d ' ')" '\n'

# resuming a finished run does nothing
n0=$(wc -l <"$KRUN/samples.jsonl")
: >"$REC"
srun --resume "$KRUN"
expect_eq "resume a finished run: exit 0" "$RC" 0
expect_eq "resume a finished run: no request, no new line" "$(R 'len(D)') $(wc -l <"$KRUN/samples.jsonl")" "0 $n0"

# SIGINT: in-flight requests are dropped, not written as errors; resumable; exit 3
fake_start --latency 0.5
MODEL="openai@$BASE/v1:fake-vlm"
"$STEVAL" run "$SPEC" --data "$DATA" --out "$TMP/int" --no-progress --model "$MODEL" --concurrency 2 \
    --limit 10 >"$TMP/int.out" 2>"$TMP/int.err" &
PID=$!
i=0
while [ $i -lt 500 ]; do
    f=$(ls "$TMP"/int/dispatch/*/*/samples.jsonl 2>/dev/null | head -n 1)
    if [ -n "$f" ] && [ "$(wc -l <"$f")" -ge 1 ]; then break; fi
    sleep 0.02
    i=$((i + 1))
done
kill -INT "$PID"
wait "$PID"
expect_eq "SIGINT: exit 3" "$?" 3
RUN=$(cat "$TMP/int.out")
expect_match "SIGINT: says how to continue" "$(cat "$TMP/int.err")" "interrupted: .* continue with 'steval run --resume"
expect_eq "SIGINT: manifest status" "$(M 'D["status"]')" interrupted
expect_eq "SIGINT: no error lines (in-flight items are not written)" "$(S '[r["status"] for r in D if r["status"] != "ok"]')" '[]'
expect_eq "SIGINT: some but not all done" "$(S '0 < len(D) < 10')" true
expect_file "SIGINT: results.json written from what finished" "$RUN/results.json"
srun --resume "$RUN"
expect_eq "after SIGINT, resume: exit 0" "$RC" 0
expect_eq "after SIGINT, resume: 10 items once each" "$(S 'sorted(ids(D)) == ["q%03d" % i for i in range(10)]')" true

# errored items are redone on resume; the last line counts
SCR=$(script err '{"rules": [{"match": {"contains": "number 3:", "attempt": 1}, "do": "status", "preset": "openai_400"}]}')
fake_start --script "$SCR"
MODEL="openai@$BASE/v1:fake-vlm"
srun --model "$MODEL" --limit 5 --concurrency 1
expect_eq "an item in error: exit 3" "$RC" 3
ERUN=$RUN
: >"$REC"
srun --resume "$ERUN"
expect_eq "resume redoes the errored item: exit 0" "$RC" 0
expect_eq "resume: one request (the errored item)" "$(R 'len(D)')" 1
expect_eq "resume: error line then ok line for q003" "$(S '[r["status"] for r in D if r["id"] == "q003"]')" '["error", "ok"]'
expect_eq "summary: the last line counts" "$(q "$ERUN/results.json" '[D["overall"]["n"], D["overall"]["error"]]')" '[5, 0]'

# --limit: resume keeps the run's limit unless given
srun --resume "$ERUN" --limit 7
expect_eq "resume with a larger --limit extends the run" "$(S 'len(set(ids(D)))')" 7

# resume remembers the models file and the key variable
SCR=$(script err2 '{"rules": [{"match": {"contains": "number 1:", "attempt": 1}, "do": "status", "preset": "openai_400"}]}')
fake_start --script "$SCR"
printf '{"keyed": {"adapter": "openai", "base_url": "%s/v1", "model": "fake-vlm", "key_env": "FAKE_KEY"}}' "$BASE" \
    >"$TMP/models.json"
srun --model keyed --models "$TMP/models.json" --limit 3
expect_eq "models-file run with an error: exit 3" "$RC" 3
KRUN2=$RUN
: >"$REC"
srun --resume "$KRUN2"
expect_eq "resume without --models: the run's models file is used" "$RC" 0
expect_eq "resume: the key from the models file's variable was sent" "$(R '[len(D), D[0]["auth_ok"]]')" '[1, true]'
srun --model "openai@$BASE/v1:fake-vlm" --key-env FAKE_KEY --limit 3
KRUN3=$RUN
: >"$REC"
srun --resume "$KRUN3" --limit 4
expect_eq "resume without --key-env: the run's key variable is used" "$(R '[len(D), D[0]["auth_ok"]]')" '[1, true]'

# the manifest must match
srun --resume "$ERUN" --model "openai@$BASE/v1:other"
expect_eq "resume, another model: exit 2" "$RC" 2
expect_match "resume, another model: names both" "$ERR" "the run used model 'openai@.*fake-vlm', not 'openai@.*other'"
srun --resume "$ERUN" --protocol textfirst
expect_match "resume, another protocol" "$ERR" "the run used protocol 'default', not 'textfirst'"
srun --resume "$ERUN" --max-tokens 99
expect_match "resume, other generation settings" "$ERR" "generation settings differ"
srun --resume "$ERUN" --blind
expect_match "resume, blind vs not" "$ERR" "the run was not blind"
srun --resume "$ERUN" --seed 5
expect_match "resume, another seed" "$ERR" "the run used --seed 0, not 5"
srun --resume "$TMP/nowhere"
expect_match "resume, not a run directory" "$ERR" "no manifest.json there"
srun --resume "$ERUN" --model "$MODEL"
expect_eq "resume with the same suite and model given: exit 0" "$RC" 0
finish
