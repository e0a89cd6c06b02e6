#!/bin/sh
# LLM-as-judge end to end (docs/scoring.md section 7) against the loopback
# judge (tests/servers/fake_llm.py --judge, which answers a judge prompt with
# a verdict computed from it): steval score --judge for VLM4D and MLLM-4D,
# the exact request, the verdict cache (a second scoring makes no request;
# another judge model never hits), 429s with retry-after, 500s, resets and
# closes (no verdict lost or invented), judge_error and its retry, unparsed
# verdicts, kill -9 while judging and the resume, run -> judge -> report,
# compare refusing different judges. Needs ../shared/data/vlm4d.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

V=$SHARED/data/vlm4d
if [ ! -f "$V/data/real_mc.json" ] || [ ! -f "$V/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json" ]; then
    skip "judge end to end" "no VLM4D data in $V"
    finish
    exit
fi
GOLD=$ROOT/tests/golden/judge/cases.json
VSYS=c9b34c9a4b6dc1c16eacd81bc4a18a59972ee5c8f10370f4a5707174737780ea
MSYS=a45037e80b77950b1d1e1e4804971fe03a96c61ccf151e1b84525b72357b30b6

# predictions: 24 published real CoT answers (validation_3 among them), and 6
# synthetic items answered with a bare letter, the right one: the judge reads
# it, the CoT rule ("the final answer is: X") does not, so the two disagree
$PY - "$V" "$TMP/pred.json" <<'EOF'
import json, sys
v, out = sys.argv[1], sys.argv[2]
preds = json.load(open(v + "/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json"))[:24]
synth = json.load(open(v + "/data/synthetic_mc.json"))
for r in synth[:6]:
    letter = next(k for k, x in r["choices"].items() if x == r["answer"])
    preds.append({"id": r["id"], "question": r["question"], "choices": r["choices"], "response": letter})
json.dump(preds, open(out, "w"))
EOF
N=30

fake_start --judge
cat >"$TMP/models.json" <<EOF
{"openai:o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "key_env": "FAKE_KEY",
             "max_tokens_field": "max_completion_tokens", "price": {"input": 1.10, "output": 4.40}},
 "o4-mini-b": {"adapter": "openai", "base_url": "$BASE/v1", "model": "gpt-4o-mini",
               "max_tokens_field": "max_completion_tokens"},
 "qwen": {"adapter": "openai", "base_url": "$BASE/v1", "model": "Qwen/Qwen3-VL-8B-Instruct"}}
EOF
sc() { # OUT [args]: steval score vlm4d cot
    _o=$1; shift
    "$STEVAL" score --suite vlm4d --protocol cot --data "$V" --models "$TMP/models.json" \
        --out "$_o" "$@" "$TMP/pred.json" >"$TMP/sc.out" 2>"$TMP/sc.err"
}
nreq() { wc -l <"$REC" | tr -d ' '; }

# ---- score --judge: the official number, rules beside it ----
# (the models file's "openai:o4-mini" sends openai:o4-mini to the loopback judge)
sc "$TMP/s1" --judge openai:o4-mini
expect_eq "score --judge: exit 0" "$?" 0
expect_eq "score --judge: prints results.json" "$(cat "$TMP/sc.out")" "$TMP/s1/results.json"
RES=$TMP/s1/results.json
expect_eq "scoring is the judge's" "$(q "$RES" 'D["scoring"]')" judge
expect_eq "the judge is the protocol's official one" "$(q "$RES" '[D["judge"][k] for k in ("run", "official", "name", "model")]')" \
    '[true, true, "vlm4d-o4-mini", "o4-mini"]'
expect_eq "every answer judged" "$(q "$RES" '[D["judge"][k] for k in ("judged", "ok", "unparsed_verdict", "judge_error", "from_cache")]')" \
    "[$N, $N, 0, 0, 0]"
expect_eq "one request per answer" "$(nreq)" "$N"
expect_eq "the judge's key (key_env) went with every request" "$(R 'all(r["auth_ok"] for r in D)')" true
expect_eq "the official number is the mean of the verdicts" \
    "$(q "$TMP/s1/samples.jsonl" 'round(100 * sum(r["verdict"] for r in by_id(D).values()) / len(by_id(D)), 2)')" \
    "$(q "$RES" 'D["overall"]["score"]')"
expect_eq "the rule-based reading is the variant rules" \
    "$(q "$RES" 'D["variants"]["rules"]["overall"]["n"]')" "$N"
expect_eq "each sample: verdict, reading, raw reply, model, not cached" \
    "$(q "$TMP/s1/samples.jsonl" 'all(r["judge"]["model"] == "o4-mini" and r["judge"]["cached"] is False and json.loads(r["judge"]["reply"])["correct"] == r["verdict"] and r["judge"]["extracted"] == r["verdict_extracted"] == r["extracted"] and "rules" in r["variants"] for r in by_id(D).values())')" true
expect_eq "the disagreeing items are the bare letters" \
    "$(q "$RES" 'sorted(d["id"] for d in D["judge"]["disagree"] if d["judge"] and not d["rules"])')" \
    "$(q "$TMP/pred.json" 'sorted("synthetic_mc/" + r["id"] for r in D[24:])')"
expect_match "agreement and kappa" "$(q "$RES" 'D["judge"]["agreement"]')" '"percent": [0-9.]+, "kappa": -?[0-9.]+'
expect_eq "tokens and cost from the models file's price" \
    "$(q "$RES" 'abs(D["judge"]["cost"] - (D["judge"]["tokens"]["input"] * 1.10 + D["judge"]["tokens"]["output"] * 4.40) / 1e6) < 1e-9')" true
expect_eq "the request: o4-mini, T 1.0, top_p 1.0, 1024 completion tokens, strict EvaluationOutput" \
    "$(R 'sorted(set(json.dumps({k: v for k, v in r["body"].items() if k != "messages"}, sort_keys=True) for r in D))')" \
    '["{\"max_completion_tokens\": 1024, \"model\": \"o4-mini\", \"response_format\": {\"json_schema\": {\"name\": \"EvaluationOutput\", \"schema\": {\"additionalProperties\": false, \"properties\": {\"correct\": {\"title\": \"Correct\", \"type\": \"boolean\"}, \"extracted_answer\": {\"title\": \"Extracted Answer\", \"type\": \"string\"}}, \"required\": [\"extracted_answer\", \"correct\"], \"title\": \"EvaluationOutput\", \"type\": \"object\"}, \"strict\": true}, \"type\": \"json_schema\"}, \"temperature\": 1.0, \"top_p\": 1.0}"]'
expect_eq "text only, system + user, the system prompt of judges.md" \
    "$(R 'sorted(set((len(r["body"]["messages"]), r["body"]["messages"][0]["role"], __import__("hashlib").sha256(r["body"]["messages"][0]["content"].encode()).hexdigest(), type(r["body"]["messages"][1]["content"]).__name__) for r in D))')" \
    "[[2, \"system\", \"$VSYS\", \"str\"]]"
GOLD3=$(q "$GOLD" '[c["user"] for c in D["cases"] if c["name"].startswith("int choices")][0]')
expect_eq "validation_3's user prompt is the official one, byte for byte (int choices)" \
    "$(R '[r["body"]["messages"][1]["content"] for r in D if "batter hit the ball to the left" in r["body"]["messages"][1]["content"]][0]')" "$GOLD3"
expect_match "report.md: the judge is official, the rules beside it" "$(cat "$TMP/s1/report.md")" \
    'scoring: the LLM judge `vlm4d-o4-mini` run by `o4-mini`, the protocol.s official scorer'
expect_match "report.md: the judge section" "$(cat "$TMP/s1/report.md")" 'The rule-based reading \(variant `rules`\) gives [0-9.]+'
expect_match "report.html: the disagreeing items with both readings" "$(cat "$TMP/s1/report.html")" \
    'Judge and rules disagree \([0-9]+\)'
expect_match "report.html: a sample's judge call" "$(cat "$TMP/s1/report.html")" '<details class="judge"><summary>judge: ok, right'
expect_eq "judge.json records the judge" "$(q "$TMP/s1/judge.json" '[D["model"], D["system_sha256"], D["parser"], D["settings"]["max_completion_tokens"], D["counts"]["judged"]]')" \
    "[\"o4-mini\", \"$VSYS\", \"json\", 1024, $N]"

# ---- the cache: the same answers again make no request ----
before=$(nreq)
sc "$TMP/s2" --judge openai:o4-mini
expect_eq "second scoring: exit 0" "$?" 0
expect_eq "second scoring: the server sees no request" "$(nreq)" "$before"
expect_eq "second scoring: every verdict from the cache" "$(q "$TMP/s2/results.json" 'D["judge"]["from_cache"]')" "$N"
expect_eq "second scoring: the same number" "$(q "$TMP/s2/results.json" 'D["overall"]["score"]')" "$(q "$RES" 'D["overall"]["score"]')"
expect_eq "cached samples say so" "$(q "$TMP/s2/samples.jsonl" 'all(r["judge"]["cached"] for r in by_id(D).values())')" true
"$STEVAL" judge "$TMP/s2" --data "$V" --judge openai:o4-mini --models "$TMP/models.json" >/dev/null 2>&1
expect_eq "steval judge on a judged directory: nothing to ask" "$?:$(nreq)" "0:$before"
# the same judge model with another prompt (the suite spec's judge edited): judged again, no cache hit
$PY - "$ROOT/suites/vlm4d.json" "$TMP/vlm4d-edited.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
s["protocols"]["cot"]["judge"]["system"] += "Be strict.\n"
json.dump(s, open(sys.argv[2], "w"))
EOF
"$STEVAL" judge "$TMP/s2" --out "$TMP/s2e" --suite "$TMP/vlm4d-edited.json" --data "$V" --judge openai:o4-mini \
    --models "$TMP/models.json" >/dev/null 2>&1
expect_eq "another judge prompt: every answer judged again, nothing from the cache" \
    "$(($(nreq) - before)):$(q "$TMP/s2e/results.json" 'D["judge"]["from_cache"]')" "$N:0"
expect_eq "judge --out leaves the run as it was" "$(q "$TMP/s2/results.json" 'D["judge"]["from_cache"]')" "$N"
expect_rc "compare: another judge prompt is refused" 2 "$STEVAL" compare "$TMP/s2" "$TMP/s2e"
before=$(nreq)
sc "$TMP/s3" --judge o4-mini-b
expect_eq "another judge model: every answer asked again" "$(($(nreq) - before))" "$N"
expect_eq "another judge model: nothing from the cache" "$(q "$TMP/s3/results.json" 'D["judge"]["from_cache"]')" 0
expect_match "another judge model: the report says it is not the official one" "$(cat "$TMP/s3/report.md")" \
    'The official judge model is `o4-mini`'
expect_eq "the official model: no such note" "$(grep -c 'The official judge model is' "$TMP/s1/report.md")" 0
expect_match "cache stats counts the verdicts" "$("$STEVAL" cache stats)" "judge verdicts: $((3 * N))"

# ---- without a judge: the report says the official judge was not run ----
sc "$TMP/s0"
expect_eq "no judge: scoring official, judge not run" "$(q "$TMP/s0/results.json" '[D["scoring"], D["judge"]["run"], D["judge"]["name"]]')" \
    '["official", false, "vlm4d-o4-mini"]'
expect_match "no judge: report.md says so" "$(cat "$TMP/s0/report.md")" 'The official scorer of this protocol is an LLM judge .*which was not run'
expect_rc "compare: judged and not judged are refused" 2 "$STEVAL" compare "$TMP/s1" "$TMP/s0"
expect_rc "compare: different judges are refused" 2 "$STEVAL" compare "$TMP/s1" "$TMP/s3"
expect_match "compare: says why" "$("$STEVAL" compare "$TMP/s1" "$TMP/s3" 2>&1)" 'judged differently.*--allow-judge-mismatch'
"$STEVAL" compare --allow-judge-mismatch "$TMP/s1" "$TMP/s3" >/dev/null 2>&1
expect_match "compare: --allow-judge-mismatch compares" "$?" '^[01]$'
ok_if "compare: the same judge compares" "$STEVAL" compare "$TMP/s1" "$TMP/s2"

# ---- failures: 429 with retry-after, 500, 503, reset, close: nothing lost, nothing invented ----
fake_start --judge --script "$(script faults '{"rules": [
  {"match": {"nth": [1, 2]}, "do": "status", "preset": "openai_429"},
  {"match": {"nth": 4}, "do": "status", "status": 500, "body": {"error": {"message": "boom", "type": "server_error"}}},
  {"match": {"nth": 6}, "do": "reset"},
  {"match": {"nth": 8}, "do": "close"},
  {"match": {"nth": 10}, "do": "status", "status": 503, "headers": {"retry-after": "0.2"}, "body": {"error": {"message": "busy"}}},
  {"match": {"nth": 12}, "do": "answer", "finish": "length", "text": "{\"extracted_answer\": \"A"}]}')"
cat >"$TMP/models.json" <<EOF
{"o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "max_tokens_field": "max_completion_tokens"}}
EOF
sc "$TMP/f1" --judge o4-mini --no-cache --judge-concurrency 2
expect_eq "faults: exit 0" "$?" 0
expect_eq "faults: every answer has a verdict" "$(q "$TMP/f1/results.json" '[D["judge"][k] for k in ("judged", "ok", "judge_error")]')" "[$N, $N, 0]"
# (libcurl itself resends a request once when a reused connection turns out closed)
expect_eq "faults: the failed attempts were retried (at least 6 more requests)" "$([ "$(nreq)" -ge "$((N + 6))" ] && echo yes)" yes
expect_eq "faults: a reply cut by the token limit is retried (VLM4D: the SDK raises)" \
    "$(R '[r["key"] for r in D if r["n"] == 12][0] in [r["key"] for r in D if r["n"] > 12]')" true
VKEY='sorted((i, r["verdict"], r["verdict_extracted"]) for i, r in by_id(D).items())'
expect_eq "faults: per item the same verdicts as without faults" "$(q "$TMP/f1/samples.jsonl" "$VKEY")" "$(q "$TMP/s1/samples.jsonl" "$VKEY")"
expect_eq "faults: the 429's retry-after (1 s) was waited for" \
    "$(R '(lambda f: all(min(r["t"] for r in D if r["key"] == f["key"] and r["n"] > f["n"]) - f["t"] >= 0.9 for f in D if f["n"] in (1, 2)))(None)')" true
expect_eq "faults: retried attempts recorded" "$(q "$TMP/f1/samples.jsonl" "sum(r['judge']['attempts'] for r in by_id(D).values()) > $N")" true

# ---- judge_error: left out, counted, retried by steval judge ----
Q5=$(q "$TMP/pred.json" 'D[4]["question"]')
fake_start --judge --script "$(script always500 "{\"rules\": [{\"match\": {\"contains\": $(printf '%s' "$Q5" | $PY -c 'import json,sys; print(json.dumps(sys.stdin.read()))')}, \"do\": \"status\", \"status\": 500, \"body\": {\"error\": {\"message\": \"down\"}}}]}")"
cat >"$TMP/models.json" <<EOF
{"o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "max_tokens_field": "max_completion_tokens"}}
EOF
sc "$TMP/e1"
"$STEVAL" judge "$TMP/e1" --data "$V" --judge o4-mini --models "$TMP/models.json" --no-cache --retries 1 >/dev/null 2>"$TMP/e1.err"
expect_eq "judge_error: exit 3" "$?" 3
E1=$TMP/e1/results.json
expect_eq "judge_error: counted and listed" "$(q "$E1" '[D["judge"]["judge_error"], len(D["judge"]["error_ids"]), D["judge"]["judged"]]')" "[1, 1, $N]"
expect_eq "judge_error: left out of the score" "$(q "$E1" '[D["overall"]["n"], D["overall"]["error"], D["overall"]["ok"] + D["overall"]["unparsed"]]')" "[$N, 1, $((N - 1))]"
expect_eq "judge_error: the sample has no score, the rules are kept" \
    "$(q "$TMP/e1/samples.jsonl" '[(r["status"], r["score"], r["judge"]["status"], r["variants"]["rules"]["status"] != "error") for r in by_id(D).values() if r["judge"]["status"] != "ok"]')" \
    '[["error", null, "judge_error", true]]'
expect_match "judge_error: the message says how to retry" "$(cat "$TMP/e1.err")" "steval judge $TMP/e1 --judge o4-mini' retries them"
fake_start --judge
cat >"$TMP/models.json" <<EOF
{"o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "max_tokens_field": "max_completion_tokens"}}
EOF
"$STEVAL" judge "$TMP/e1" --data "$V" --judge o4-mini --models "$TMP/models.json" --no-cache >/dev/null 2>&1
expect_eq "judge_error retried: exit 0" "$?" 0
expect_eq "judge_error retried: one request, only for it" "$(nreq)" 1
expect_eq "judge_error retried: every verdict" "$(q "$E1" '[D["judge"]["judge_error"], D["judge"]["ok"]]')" "[0, $N]"
expect_eq "judge_error retried: the same verdicts as the clean run" "$(q "$TMP/e1/samples.jsonl" "$VKEY")" "$(q "$TMP/s1/samples.jsonl" "$VKEY")"

# ---- kill -9 while judging, then continue ----
fake_start --judge --latency 0.15
cat >"$TMP/models.json" <<EOF
{"o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "max_tokens_field": "max_completion_tokens"}}
EOF
sc "$TMP/k1"
"$STEVAL" judge "$TMP/k1" --data "$V" --judge o4-mini --models "$TMP/models.json" --no-cache --judge-concurrency 2 >/dev/null 2>&1 &
PID=$!
i=0
while [ $i -lt 400 ]; do
    [ "$(grep -c '"judge"' "$TMP/k1/samples.jsonl")" -ge 6 ] && break
    sleep 0.02
    i=$((i + 1))
done
kill -9 "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
done1=$(grep -c '"judge"' "$TMP/k1/samples.jsonl")
expect_eq "killed: some verdicts saved, not all" "$([ "$done1" -ge 6 ] && [ "$done1" -lt "$N" ] && echo yes)" yes
printf '{"id":"real_mc/validation_1","judge":{"na' >>"$TMP/k1/samples.jsonl"
before=$(nreq)
"$STEVAL" judge "$TMP/k1" --data "$V" --judge o4-mini --models "$TMP/models.json" --no-cache --judge-concurrency 2 >/dev/null 2>"$TMP/k1.err"
expect_eq "resumed: exit 0" "$?" 0
expect_eq "resumed: only what had no verdict is asked" "$(($(nreq) - before))" "$((N - done1))"
expect_match "resumed: the torn line is dropped with a warning" "$(cat "$TMP/k1.err")" "torn last line"
expect_eq "resumed: the same verdicts as the clean run" "$(q "$TMP/k1/samples.jsonl" "$VKEY")" "$(q "$TMP/s1/samples.jsonl" "$VKEY")"
expect_eq "resumed: every item once in the results" "$(q "$TMP/k1/results.json" '[D["judge"]["judged"], D["overall"]["n"]]')" "[$N, $N]"

# ---- MLLM-4D: its prompt and settings; Python-style replies are Parsing Errors ----
fake_start --judge
cat >"$TMP/models.json" <<EOF
{"qwen": {"adapter": "openai", "base_url": "$BASE/v1", "model": "Qwen/Qwen3-VL-8B-Instruct"}}
EOF
msc() { _o=$1; shift
    "$STEVAL" score --suite mllm4d-bench --data "$V" --models "$TMP/models.json" --out "$_o" "$@" "$TMP/pred.json" >/dev/null 2>"$TMP/msc.err"; }
msc "$TMP/m1" --judge "openai@$BASE/v1:Qwen/Qwen3-VL-8B-Instruct" --judge-key-env FAKE_KEY
expect_eq "mllm4d (an openai@URL judge): exit 0" "$?" 0
expect_eq "mllm4d: --judge-key-env sends the key" "$(R 'all(r["auth_ok"] for r in D)')" true
expect_eq "mllm4d: the judged number is official" "$(q "$TMP/m1/results.json" '[D["scoring"], D["judge"]["name"], D["judge"]["official"], D["judge"]["ok"]]')" \
    "[\"judge\", \"mllm4d-qwen3-vl-8b\", true, $N]"
expect_eq "mllm4d: the rule-based number beside it" "$(q "$TMP/m1/results.json" '"rules" in D["variants"]')" true
expect_eq "mllm4d: greedy, 256 tokens, its own system prompt, no response_format" \
    "$(R 'sorted(set((r["body"]["temperature"], r["body"]["max_tokens"], "response_format" in r["body"], __import__("hashlib").sha256(r["body"]["messages"][0]["content"].encode()).hexdigest()) for r in D))')" \
    "[[0, 256, false, \"$MSYS\"]]"
fake_start --judge --judge-style python
cat >"$TMP/models.json" <<EOF
{"qwen": {"adapter": "openai", "base_url": "$BASE/v1", "model": "Qwen/Qwen3-VL-8B-Instruct"}}
EOF
msc "$TMP/m2" --judge qwen --no-cache
expect_eq "python-style replies: exit 0 (a reply that does not parse is a verdict)" "$?" 0
expect_eq "python-style replies: all unparsed_verdict, scored wrong" \
    "$(q "$TMP/m2/results.json" '[D["judge"]["unparsed_verdict"], len(D["judge"]["unparsed_ids"]), D["overall"]["score"], D["overall"]["unparsed"]]')" "[$N, $N, 0.0, $N]"
expect_eq "python-style replies: 'Parsing Error' as the official code records it" \
    "$(q "$TMP/m2/samples.jsonl" 'sorted(set((r["extracted"], r["judge"]["status"]) for r in by_id(D).values()))')" '[["Parsing Error", "unparsed_verdict"]]'
fake_start --judge --judge-style fenced
cat >"$TMP/models.json" <<EOF
{"qwen": {"adapter": "openai", "base_url": "$BASE/v1", "model": "Qwen/Qwen3-VL-8B-Instruct"}}
EOF
msc "$TMP/m3" --judge qwen --no-cache --judge-rpm 600
expect_eq "fenced JSON replies parse (first { to last })" "$(q "$TMP/m3/results.json" 'D["judge"]["ok"]')" "$N"
# 600 per minute: a bucket of 10, 10 more each second: 30 requests take 2 s
expect_eq "--judge-rpm paces the judge" "$(R '(max(r["t_arrival"] for r in D) - min(r["t_arrival"] for r in D)) >= 1.7')" true

# ---- a command worker as the judge ----
cat >"$TMP/judge_worker.py" <<'EOF2'
import json, sys
for line in sys.stdin:
    rq = json.loads(line)
    with open(sys.argv[1], "a") as f:
        f.write(json.dumps({"system": rq["system"], "text": rq["text"], "generation": rq["generation"]}) + "\n")
    ok = rq["text"].endswith("Question: A") or "final answer is: A" in rq["text"]
    print(json.dumps({"id": rq["id"], "text": json.dumps({"extracted_answer": "A", "correct": ok}),
                      "finish_reason": "stop"}), flush=True)
EOF2
msc "$TMP/c1" --judge "command:$PY $TMP/judge_worker.py $TMP/worker.jsonl" --no-cache
expect_eq "command judge: exit 0, every answer judged" "$?:$(q "$TMP/c1/results.json" 'D["judge"]["ok"]')" "0:$N"
expect_eq "command judge: it got the judge's system prompt" \
    "$(q "$TMP/worker.jsonl" 'sorted(set(__import__("hashlib").sha256(r["system"].encode()).hexdigest() for r in D))')" "[\"$MSYS\"]"
expect_eq "command judge: and its settings" "$(q "$TMP/worker.jsonl" 'sorted(set(json.dumps(r["generation"], sort_keys=True) for r in D))')" \
    '["{\"max_tokens\": 256, \"temperature\": 0}"]'
msc "$TMP/c2" --judge "command:$PY $TMP/judge_worker.py $TMP/worker.jsonl"
msc "$TMP/c3" --judge "command:$PY $TMP/judge_worker.py $TMP/worker.jsonl"
expect_eq "command judge: the cache answers the second time (the worker sees nothing)" \
    "$(q "$TMP/c3/results.json" 'D["judge"]["from_cache"]'):$(wc -l <"$TMP/worker.jsonl" | tr -d ' ')" "$N:$((2 * N))"

# ---- run -> judge -> report: the judge works while the model answers ----
fake_start --judge --latency 0.05
cat >"$TMP/models.json" <<EOF
{"o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "max_tokens_field": "max_completion_tokens"}}
EOF
"$STEVAL" run vlm4d --data "$V" --blind --limit 8 --out "$TMP/runs" --no-progress --models "$TMP/models.json" \
    --model "openai@$BASE/v1:fake-vlm" --concurrency 2 --judge o4-mini >"$TMP/run.out" 2>"$TMP/run.err"
expect_eq "run --judge: exit 0" "$?" 0
RUN=$(tail -n 1 "$TMP/run.out")
expect_eq "run --judge: 8 answers, 8 verdicts" "$(R 'len([r for r in D if "Ground Truth Answer" in r["text"]]), len([r for r in D if "Ground Truth Answer" not in r["text"]])')" '[8, 8]'
expect_eq "run --judge: the first verdict was asked before the last answer (one loop, one queue)" \
    "$(R 'min(r["n"] for r in D if "Ground Truth Answer" in r["text"]) < max(r["n"] for r in D if "Ground Truth Answer" not in r["text"])')" true
expect_eq "run --judge: scored by the judge" "$(q "$RUN/results.json" '[D["scoring"], D["judge"]["judged"]]')" '["judge", 8]'
expect_eq "run --judge: the manifest records the judge" \
    "$(M '[D["status"], D["judge"]["model"], D["judge"]["system_sha256"], D["judge"]["settings"]["temperature"], D["judge"]["counts"]["judged"]]')" \
    "[\"finished\", \"o4-mini\", \"$VSYS\", 1.0, 8]"
"$STEVAL" report "$RUN" >/dev/null 2>&1
expect_eq "report: rewritten from the samples, still judged" "$(q "$RUN/results.json" 'D["scoring"]')" judge
expect_match "report: report.html has the judge section" "$(cat "$RUN/report.html")" '<section id="judge"><h2>Judge</h2>'
"$STEVAL" run --resume "$RUN" --no-progress >/dev/null 2>&1
expect_eq "resume: nothing redone (the judged answers are the model's)" "$(R 'len(D)')" 16
# ---- run --judge interrupted (SIGINT), then resumed with the judge ----
fake_start --judge --latency 0.15
cat >"$TMP/models.json" <<EOF
{"o4-mini": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-mini", "max_tokens_field": "max_completion_tokens"}}
EOF
"$STEVAL" run vlm4d --data "$V" --blind --limit 10 --out "$TMP/runs2" --no-progress --models "$TMP/models.json" \
    --model "openai@$BASE/v1:fake-vlm" --concurrency 1 --judge o4-mini >"$TMP/run2.out" 2>"$TMP/run2.err" &
PID=$!
i=0
while [ $i -lt 400 ]; do
    RUN2=$(ls -d "$TMP"/runs2/vlm4d/*/* 2>/dev/null | head -n 1)
    [ -n "$RUN2" ] && [ -f "$RUN2/samples.jsonl" ] && [ "$(grep -c '"judge"' "$RUN2/samples.jsonl")" -ge 2 ] && break
    sleep 0.02
    i=$((i + 1))
done
kill -INT "$PID"
wait "$PID"
expect_eq "run --judge interrupted: exit 3" "$?" 3
expect_eq "run --judge interrupted: some answers, some verdicts" \
    "$(q "$RUN2/samples.jsonl" '0 < len([r for r in by_id(D).values() if "judge" in r]) <= len(by_id(D)) < 10')" true
"$STEVAL" run --resume "$RUN2" --no-progress --judge o4-mini >/dev/null 2>"$TMP/run2b.err"
expect_eq "resumed with --judge: exit 0" "$?" 0
expect_eq "resumed with --judge: every answer once, every verdict" "$(q "$RUN2/results.json" '[D["overall"]["n"], D["judge"]["judged"], D["judge"]["judge_error"]]')" '[10, 10, 0]'
expect_eq "resumed with --judge: no saved answer asked again (at most the one in flight)" \
    "$(R 'len([r for r in D if "Ground Truth Answer" not in r["text"]]) - len(set(r["key"] for r in D if "Ground Truth Answer" not in r["text"])) <= 1')" true
# ---- every published real CoT answer: each judge prompt as the official code builds it ----
fake_start --judge
"$STEVAL" score --suite vlm4d --protocol cot --data "$V" --out "$TMP/all" --no-cache \
    --judge "openai@$BASE/v1:o4-mini" --judge-concurrency 16 \
    "$V/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json" >/dev/null 2>&1
expect_eq "1371 answers: exit 0" "$?" 0
$PY - "$V" "$REC" "$ROOT/tests/golden/judge" >"$TMP/all.check" <<'EOF'
import hashlib, json, sys
sys.path.insert(0, sys.argv[3])
from make_cases import vlm4d_user, VLM4D
v = sys.argv[1]
data = {r["id"]: r for r in json.load(open(v + "/data/real_mc.json"))}
want = sorted(vlm4d_user(data[p["id"]], p["response"])
              for p in json.load(open(v + "/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json")))
recs = [json.loads(l) for l in open(sys.argv[2])]
got = sorted(r["body"]["messages"][1]["content"] for r in recs)
systems = set(r["body"]["messages"][0]["content"] for r in recs)
print(len(got), got == want, systems == {VLM4D})
EOF
expect_eq "1371 answers: every judge prompt byte for byte as the official code builds it" "$(cat "$TMP/all.check")" "1371 True True"

no_key_in "$TMP" "the API key is nowhere in the outputs"
finish
