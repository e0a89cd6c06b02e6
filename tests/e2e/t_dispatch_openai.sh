#!/bin/sh
# The openai adapter against the loopback server: request shapes, success
# paths, streaming, reasoning text, gzip, models file, keys kept out of files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

fake_start
M_OAI="openai@$BASE/v1:fake-vlm"

# --- a plain run -----------------------------------------------------------
srun --model "$M_OAI" --key-env FAKE_KEY
expect_eq "plain run exits 0" "$RC" 0
expect_eq "every item answered" "$(S 'sorted(set(r["status"] for r in D))')" '["ok"]'
expect_eq "12 samples" "$(S 'len(D)')" 12
expect_eq "one attempt each" "$(S 'sorted(set(r["attempts"] for r in D))')" '[1]'
expect_eq "usage recorded" "$(S 'all(r["usage"]["input"] > 0 and r["usage"]["output"] == 1 for r in D)')" true
expect_eq "finish reason" "$(S 'D[0]["finish_reason"]')" stop
expect_eq "latency by stage" "$(S 'sorted(D[0]["latency"])')" '["frames", "network", "queue"]'
expect_eq "the response is the server's answer" \
    "$(S 'all(len(r["response"]) == 1 and r["response"] in "ABCD" for r in D)')" true
expect_eq "12 requests" "$(R 'len(D)')" 12
expect_eq "POST to /v1/chat/completions" "$(R 'D[0]["path"]')" /v1/chat/completions
expect_eq "bearer key sent and right" "$(R 'all(r["auth_ok"] for r in D)')" true
expect_eq "system message first" "$(R 'D[0]["body"]["messages"][0]')" \
    '{"role": "system", "content": "You are a careful assistant."}'
expect_eq "layout images, images, text" \
    "$(R '[p["type"] for p in D[0]["body"]["messages"][1]["content"]]')" '["image_url", "image_url", "text"]'
expect_eq "data URLs of JPEG" "$(R 'D[0]["mimes"]')" '["image/jpeg", "image/jpeg"]'
expect_eq "compat server gets max_tokens" "$(R '[D[0]["body"].get(k) for k in ("max_tokens", "max_completion_tokens")]')" '[16, null]'
expect_eq "temperature, top_p, seed as the protocol spells them" \
    "$(R '[D[0]["body"][k] for k in ("temperature", "top_p", "seed")]')" '[0, 1.0, 7]'
expect_eq "HF-only settings not sent" "$(R '[k for k in ("num_beams", "do_sample") if k in D[0]["body"]]')" '[]'
expect_eq "not streamed by default" "$(R '"stream" in D[0]["body"]')" false
expect_eq "gzip offered" "$(R '"gzip" in D[0]["headers"]["accept-encoding"]')" true
expect_eq "manifest endpoint" "$(M '[D["endpoint"]["adapter"], D["endpoint"]["base_url"].endswith("/v1"), D["endpoint"]["key_env"]]')" \
    '["openai", true, "FAKE_KEY"]'
expect_eq "manifest status" "$(M 'D["status"]')" finished
no_key_in "$RUN" "the key is not in the run directory"
expect_file "results.json written" "$RUN/results.json"

# --- layout text first; blind ----------------------------------------------
: >"$REC"
srun --model "$M_OAI" --protocol textfirst --limit 1
expect_eq "textfirst: text, then images" \
    "$(R '[p["type"] for p in D[0]["body"]["messages"][1]["content"]]')" '["text", "image_url", "image_url"]'
expect_eq "no key named, none sent to a compat server" "$(R '"authorization" in D[0]["headers"]')" false
: >"$REC"
srun --model "$M_OAI" --blind --limit 2
expect_eq "blind: exit 0" "$RC" 0
expect_eq "blind: no images, content is a string" "$(R '[r["images"] for r in D] + [type(D[0]["body"]["messages"][1]["content"]).__name__]')" '[0, 0, "str"]'
expect_eq "blind recorded in the manifest" "$(M 'D["blind"]')" true

# --- progress: only when asked (stderr is not a terminal here) ---------------
srun --model "$M_OAI" --blind --limit 3
expect_eq "no progress line when stderr is not a terminal" "$(printf '%s' "$ERR" | grep -c 'in flight')" 0
"$STEVAL" run "$SPEC" --data "$DATA" --out "$TMP/runs" --model "$M_OAI" --blind --limit 3 --progress >/dev/null 2>"$TMP/progress"
expect_match "--progress: done/total, counts, in flight, rate, ETA, tokens" "$(tr '\r' '\n' <"$TMP/progress")" \
    "3/3  ok 3  unparsed 0  error 0  \| 0 in flight \| [0-9.]+/s \| ETA [0-9ms]+ \| tokens [0-9]+ in, 3 out"

# on a terminal (util-linux script(1) gives the run a pseudo-terminal) it
# shows by itself
if [ -x /usr/bin/script ]; then
    /usr/bin/script -qec "'$STEVAL' run '$SPEC' --data '$DATA' --out '$TMP/runs' --model '$M_OAI' --blind --limit 3 >/dev/null" \
        /dev/null >"$TMP/tty" 2>&1
    expect_match "on a terminal the progress line shows without --progress" "$(tr '\r' '\n' <"$TMP/tty")" \
        "3/3  ok 3  unparsed 0  error 0  \| 0 in flight"
else
    skip "progress on a terminal" "no script(1)"
fi

# --- generation overrides --------------------------------------------------
: >"$REC"
srun --model "$M_OAI" --limit 1 --max-tokens 5 --gen temperature=null --gen stop='["x"]' --body top_k=1
expect_eq "overrides: max_tokens 5, no temperature, stop list, extra body field" \
    "$(R '[D[0]["body"].get("max_tokens"), "temperature" in D[0]["body"], D[0]["body"].get("stop"), D[0]["body"].get("top_k")]')" \
    '[5, false, ["x"], 1]'

# --- streaming -------------------------------------------------------------
: >"$REC"
srun --model "$M_OAI" --limit 3 --stream
expect_eq "stream: exit 0" "$RC" 0
expect_eq "stream requested with usage" "$(R '[D[0]["body"]["stream"], D[0]["body"]["stream_options"]]')" '[true, {"include_usage": true}]'
expect_eq "stream: answers assembled" "$(S 'all(r["response"] in ("A","B","C","D") for r in D)')" true
expect_eq "stream: usage from the final chunk" "$(S 'all(r["usage"]["input"] > 0 for r in D)')" true
SCR=$(script stream_edge '{"rules": [
 {"match": {"contains": "number 0:"}, "do": "answer", "stream": true, "split": true, "crlf": true, "comments": true, "text": "The answer is B, clearly."},
 {"match": {"contains": "number 1:"}, "do": "answer", "stream": true, "split": true, "text": "Réponse : « B » — ✓ 答案"},
 {"match": {"contains": "number 2:"}, "do": "answer", "stream": true, "coalesce": true, "text": "all events in one write"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:fake-vlm" --limit 3 --stream
expect_eq "stream split in tiny pieces, CRLF, comments: reassembled" "$(S 'by_id(D)["q000"]["response"]')" "The answer is B, clearly."
expect_eq "stream split inside UTF-8 sequences: reassembled" "$(S 'by_id(D)["q001"]["response"]')" "Réponse : « B » — ✓ 答案"
expect_eq "several events in one write" "$(S 'by_id(D)["q002"]["response"]')" "all events in one write"

# --- reasoning text, refusal, length, content filter, gzip ------------------
SCR=$(script odd '{"rules": [
 {"match": {"contains": "number 0:"}, "do": "answer", "think": "Let me look at the boxes.", "text": "B"},
 {"match": {"contains": "number 1:"}, "do": "answer", "refusal": true},
 {"match": {"contains": "number 2:"}, "do": "answer", "finish": "length", "text": "The"},
 {"match": {"contains": "number 3:"}, "do": "answer", "finish": "filter", "text": ""},
 {"match": {"contains": "number 4:"}, "do": "answer", "gzip": true, "text": "C"},
 {"match": {"contains": "number 5:"}, "do": "answer", "no_usage": true, "text": "D"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:fake-vlm" --limit 6
expect_eq "odd answers: exit 0" "$RC" 0
expect_eq "reasoning kept as a <think> block" "$(S 'by_id(D)["q000"]["response"]')" "<think>Let me look at the boxes.</think>
B"
expect_eq "refusal: answered, empty, finish refusal" "$(S '[by_id(D)["q001"][k] for k in ("response", "finish_reason")]')" '["", "refusal"]'
expect_eq "refusal is not an error" "$(S 'by_id(D)["q001"]["status"] != "error"')" true
expect_eq "length finish" "$(S 'by_id(D)["q002"]["finish_reason"]')" length
expect_eq "content filter finish" "$(S 'by_id(D)["q003"]["finish_reason"]')" content_filter
expect_eq "gzip body decoded" "$(S 'by_id(D)["q004"]["response"]')" C
expect_eq "no usage: none recorded" "$(S '"usage" in by_id(D)["q005"]')" false

# --- adaptive max_tokens / temperature ---------------------------------------
SCR=$(script adapt '{"rules": [
 {"match": {"attempt": 1, "contains": "number 0:"}, "do": "status", "preset": "max_tokens_unsupported"},
 {"match": {"attempt": 1, "contains": "number 1:"}, "do": "status", "preset": "temperature_unsupported"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:fake-vlm" --limit 2 --concurrency 1
expect_eq "adapt: exit 0" "$RC" 0
expect_eq "adapt: both answered on attempt 2" "$(S '[r["attempts"] for r in D]')" '[2, 2]'
expect_eq "adapt: max_completion_tokens after the 400" "$(R '["max_tokens" in r["body"] for r in D] + ["max_completion_tokens" in D[-1]["body"]]')" \
    '[true, false, false, false, true]'
expect_eq "adapt: temperature dropped after the 400" "$(R '"temperature" in D[-1]["body"]')" false
expect_match "adapt: warned" "$ERR" "refuses max_tokens"

# --- models file: reasoning model, headers, extra body, video_url -------------
fake_start
cat >"$TMP/models.json" <<EOF
{
  "local-reasoner": {"adapter": "openai", "base_url": "$BASE/v1", "model": "o4-fake",
                     "key_env": "FAKE_KEY", "max_tokens_field": "max_completion_tokens",
                     "reasoning": true, "concurrency": 2,
                     "headers": {"X-Team": "vision", "X-Secret": "\${TEAM_SECRET}"},
                     "body": {"reasoning_effort": "low", "top_k": 3}},
  "vllm-clip": {"adapter": "openai", "base_url": "$BASE/v1", "model": "qwen", "video": "video_url"}
}
EOF
export TEAM_SECRET="team-secret-9a8b7c6d"
srun --model local-reasoner --models "$TMP/models.json" --limit 2
expect_eq "models file: exit 0" "$RC" 0
expect_eq "models file: model name and key" "$(R '[D[0]["body"]["model"], D[0]["auth_ok"]]')" '["o4-fake", true]'
expect_eq "reasoning model: max_completion_tokens, no temperature / top_p" \
    "$(R '[D[0]["body"].get("max_completion_tokens"), "temperature" in D[0]["body"], "top_p" in D[0]["body"]]')" '[16, false, false]'
expect_eq "headers from the models file (with \${VAR})" "$(R '[D[0]["headers"]["x-team"], D[0]["headers"]["x-secret"]]')" \
    '["vision", "team-secret-9a8b7c6d"]'
expect_eq "extra body fields" "$(R '[D[0]["body"]["reasoning_effort"], D[0]["body"]["top_k"]]')" '["low", 3]'
expect_eq "concurrency from the models file" "$(M 'D["dispatch"]["concurrency"]')" 2
expect_eq "header names, not values, in the manifest" "$(M 'D["endpoint"]["headers"]')" '["X-Team", "X-Secret"]'
if grep -rq "$TEAM_SECRET" "$RUN"; then _report 1 "header secret kept out of the run dir"; else _report 0 "header secret kept out of the run dir"; fi
: >"$REC"
srun --model vllm-clip --models "$TMP/models.json" --protocol clip --limit 1
expect_eq "video_url: exit 0" "$RC" 0
expect_eq "video_url: the clip as a data URL" \
    "$(R '[(p["type"], p.get("video_url", {}).get("url", {}).get("mime")) for p in D[0]["body"]["messages"][1]["content"]]')" \
    '[["video_url", "video/mp4"], ["text", null]]'
STEVAL_MODELS="$TMP/models.json" srun --model vllm-clip --limit 1
expect_eq "STEVAL_MODELS names the models file" "$RC" 0
srun --model nosuch --models "$TMP/models.json" --limit 1
expect_eq "unknown model name: exit 2" "$RC" 2
expect_match "unknown model name: message names the file" "$ERR" "not an entry of the models file"
printf '{"x": {"adapter": "openai", "bogus": 1}}' >"$TMP/bad-models.json"
srun --model x --models "$TMP/bad-models.json" --limit 1
expect_match "bad models file: names the key" "$ERR" "bad-models.json': model 'x': unknown key 'bogus'"

# --- a large body is sent without Expect: 100-continue -----------------------
$PY "$ROOT/tests/e2e/dispatch_data.py" "$TMP/big" --items 2 --image-bytes 800000 >/dev/null
fake_start
"$STEVAL" run "$SPEC" --data "$TMP/big" --out "$TMP/runs" --no-progress --model "openai@$BASE/v1:m" >/dev/null 2>&1
expect_eq "large bodies (> 1 MiB) sent" "$(R 'all(r["raw_len"] > 2000000 for r in D)')" true
expect_eq "no Expect header" "$(R '[r["headers"].get("expect") for r in D]')" '[null, null]'
expect_eq "plain http: HTTP/1.1 (no h2c upgrade), gzip accepted" \
    "$(R '[(r["version"], "upgrade" in r["headers"], "gzip" in r["headers"].get("accept-encoding", "")) for r in D]')" \
    '[["HTTP/1.1", false, true], ["HTTP/1.1", false, true]]'

# --- HTTPS: the CA bundle; a certificate that is not trusted stops the run ------
if command -v openssl >/dev/null 2>&1; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
    fake_start --tls "$TMP/cert.pem" "$TMP/key.pem"
    STEVAL_CA_BUNDLE=$TMP/cert.pem srun --model "openai@https://127.0.0.1:$PORT/v1:m" --limit 2
    expect_eq "https with the server's CA: exit 0" "$RC" 0
    expect_eq "https: both requests answered" "$(R 'len(D)') $(S 'len(D)')" "2 2"
    : >"$REC"
    srun --model "openai@https://127.0.0.1:$PORT/v1:m" --limit 3 --concurrency 1
    expect_eq "https with an untrusted certificate: exit 3" "$RC" 3
    expect_match "https with an untrusted certificate: the run stops, saying why" "$ERR" "certificate"
    expect_eq "https with an untrusted certificate: nothing reached the server" "$(R 'len(D)')" 0
else
    skip "https" "no openssl"
fi

# --- keys ------------------------------------------------------------------
unset OPENAI_API_KEY
srun --model "openai:gpt-4o" --limit 1
expect_eq "openai: without OPENAI_API_KEY: exit 2" "$RC" 2
expect_match "openai: the message names the variable" "$ERR" 'OPENAI_API_KEY'
srun --model "openai@$BASE/v1:m" --key-env NO_SUCH_VAR --limit 1
expect_match "--key-env names a missing variable" "$ERR" 'NO_SUCH_VAR, which is not set'
srun --model "openai@nonsense" --limit 1
expect_match "malformed spec" "$ERR" "expected ADAPTER:NAME or ADAPTER@URL:NAME"
finish
