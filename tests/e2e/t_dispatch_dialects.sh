#!/bin/sh
# The anthropic, gemini and ollama adapters against the loopback server:
# what each sends, and what it makes of plain and streamed answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

fake_start

# --- anthropic ---------------------------------------------------------------
srun --model "anthropic@$BASE/v1:claude-fake" --limit 3
expect_eq "anthropic: exit 0" "$RC" 0
expect_eq "anthropic: POST /v1/messages" "$(R 'D[0]["path"]')" /v1/messages
expect_eq "anthropic: x-api-key right, version header" \
    "$(R '[D[0]["auth_ok"], D[0]["headers"]["x-api-key"], D[0]["headers"]["anthropic-version"]]')" '[true, "<set>", "2023-06-01"]'
expect_eq "anthropic: system at the top level" "$(R 'D[0]["body"]["system"]')" "You are a careful assistant."
expect_eq "anthropic: image blocks with media_type, then text" \
    "$(R '[(b["type"], b.get("source", {}).get("type"), b.get("source", {}).get("media_type")) for b in D[0]["body"]["messages"][0]["content"]]')" \
    '[["image", "base64", "image/jpeg"], ["image", "base64", "image/jpeg"], ["text", null, null]]'
expect_eq "anthropic: raw base64, no data: prefix" "$(R 'D[0]["body"]["messages"][0]["content"][0]["source"]["data"]["b64_len"] > 0')" true
expect_eq "anthropic: max_tokens, temperature, top_p; no seed" \
    "$(R '[D[0]["body"].get(k) for k in ("max_tokens", "temperature", "top_p", "seed")]')" '[16, 0, 1.0, null]'
expect_eq "anthropic: usage" "$(S 'all(r["usage"]["input"] > 0 and r["usage"]["output"] >= 1 for r in D)')" true
expect_eq "anthropic: finish end_turn -> stop" "$(S 'D[0]["finish_reason"]')" stop
no_key_in "$RUN" "anthropic: the key is not in the run directory"
srun --model "anthropic@$BASE/v1:claude-fake" --limit 3 --stream
expect_eq "anthropic stream: exit 0" "$RC" 0
expect_eq "anthropic stream: asked" "$(R 'D[-1]["body"]["stream"]')" true
expect_eq "anthropic stream: answers and usage" "$(S 'all(r["response"] in "ABCD" and r["usage"]["output"] >= 1 and r["usage"]["input"] > 0 for r in D)')" true
SCR=$(script ant '{"rules": [
 {"match": {"contains": "number 0:"}, "do": "answer", "think": "Boxes move right.", "text": "B", "stream": true},
 {"match": {"contains": "number 1:"}, "do": "answer", "finish": "length", "text": "The"},
 {"match": {"contains": "number 2:"}, "do": "answer", "text": "The answer is D.", "stream": true, "split": true}]}')
fake_start --script "$SCR"
srun --model "anthropic@$BASE/v1:claude-fake" --limit 3
expect_eq "anthropic: thinking delta kept as <think>" "$(S 'by_id(D)["q000"]["response"]')" "<think>Boxes move right.</think>
B"
expect_eq "anthropic: max_tokens -> length" "$(S 'by_id(D)["q001"]["finish_reason"]')" length
expect_eq "anthropic: stream split in pieces" "$(S 'by_id(D)["q002"]["response"]')" "The answer is D."
unset ANTHROPIC_API_KEY
srun --model "anthropic:claude-fake" --limit 1
expect_match "anthropic: the key variable is named when missing" "$ERR" "ANTHROPIC_API_KEY"
export ANTHROPIC_API_KEY=$FAKE_KEY

# --- gemini ------------------------------------------------------------------
fake_start
srun --model "gemini@$BASE/v1beta:gemini-fake" --limit 3
expect_eq "gemini: exit 0" "$RC" 0
expect_eq "gemini: POST models/M:generateContent" "$(R 'D[0]["path"]')" /v1beta/models/gemini-fake:generateContent
expect_eq "gemini: x-goog-api-key right, not in the URL" "$(R '[D[0]["auth_ok"], "key=" in D[0]["path"]]')" '[true, false]'
expect_eq "gemini: systemInstruction" "$(R 'D[0]["body"]["systemInstruction"]')" '{"parts": [{"text": "You are a careful assistant."}]}'
expect_eq "gemini: inlineData parts, then text" \
    "$(R '[("inlineData" in p and p["inlineData"]["mimeType"]) or "text" for p in D[0]["body"]["contents"][0]["parts"]]')" \
    '["image/jpeg", "image/jpeg", "text"]'
expect_eq "gemini: generationConfig" "$(R 'D[0]["body"]["generationConfig"]')" \
    '{"maxOutputTokens": 16, "temperature": 0, "topP": 1.0, "seed": 7}'
expect_eq "gemini: usage and finish" "$(S '[D[0]["finish_reason"], D[0]["usage"]["input"] > 0]')" '["stop", true]'
srun --model "gemini@$BASE/v1beta:gemini-fake" --limit 2 --stream
expect_eq "gemini stream: exit 0" "$RC" 0
expect_eq "gemini stream: streamGenerateContent?alt=sse" "$(R 'D[-1]["path"]')" "/v1beta/models/gemini-fake:streamGenerateContent?alt=sse"
expect_eq "gemini stream: answers" "$(S 'all(r["response"] in "ABCD" and r["finish_reason"] == "stop" for r in D)')" true
: >"$REC"
srun --model "gemini@$BASE/v1beta:gemini-fake" --limit 1 --protocol clip
expect_eq "gemini clip: exit 0" "$RC" 0
expect_eq "gemini clip: the video inline as video/mp4" \
    "$(R '[("inlineData" in p and p["inlineData"]["mimeType"]) or "text" for p in D[0]["body"]["contents"][0]["parts"]]')" '["video/mp4", "text"]'
SCR=$(script gem '{"rules": [
 {"match": {"contains": "number 0:"}, "do": "answer", "think": "Thinking about it.", "text": "C"},
 {"match": {"contains": "number 1:"}, "do": "answer", "finish": "length", "no_content": true},
 {"match": {"contains": "number 2:"}, "do": "answer", "finish": "filter", "no_content": true},
 {"match": {"contains": "number 3:"}, "do": "answer", "prompt_blocked": true}]}')
fake_start --script "$SCR"
srun --model "gemini@$BASE/v1beta:gemini-fake" --limit 4
expect_eq "gemini odd answers: exit 0" "$RC" 0
expect_eq "gemini: thought parts kept as <think>; thoughts counted apart" \
    "$(S '[by_id(D)["q000"]["response"], by_id(D)["q000"]["usage"]["reasoning"]]')" '["<think>Thinking about it.</think>\nC", 5]'
expect_eq "gemini: MAX_TOKENS without content: empty answer, length" \
    "$(S '[by_id(D)["q001"]["response"], by_id(D)["q001"]["finish_reason"]]')" '["", "length"]'
expect_eq "gemini: SAFETY without content: content_filter" "$(S 'by_id(D)["q002"]["finish_reason"]')" content_filter
expect_eq "gemini: blocked prompt: answered empty, content_filter" \
    "$(S '[by_id(D)["q003"]["response"], by_id(D)["q003"]["finish_reason"]]')" '["", "content_filter"]'

# --- ollama ------------------------------------------------------------------
fake_start
srun --model "ollama@$BASE:llava:7b" --limit 3
expect_eq "ollama: exit 0" "$RC" 0
expect_eq "ollama: POST /api/chat, model with a colon" "$(R '[D[0]["path"], D[0]["body"]["model"]]')" '["/api/chat", "llava:7b"]'
expect_eq "ollama: no key sent" "$(R '"authorization" in D[0]["headers"]')" false
expect_eq "ollama: system message, then user text with images" \
    "$(R '[m["role"] for m in D[0]["body"]["messages"]] + [len(D[0]["body"]["messages"][1]["images"])]')" '["system", "user", 2]'
expect_eq "ollama: images are raw base64 (no data: prefix)" "$(R 'D[0]["images"] == 2 and D[0]["mimes"] == [None, None]')" true
expect_eq "ollama: stream false said explicitly" "$(R 'D[0]["body"]["stream"]')" false
expect_eq "ollama: options" "$(R 'D[0]["body"]["options"]')" '{"num_predict": 16, "temperature": 0, "top_p": 1.0, "seed": 7}'
expect_eq "ollama: usage from the eval counts" "$(S 'all(r["usage"]["input"] > 0 and r["usage"]["output"] >= 1 for r in D)')" true
srun --model "ollama@$BASE:llava:7b" --limit 2 --stream
expect_eq "ollama stream (NDJSON): exit 0" "$RC" 0
expect_eq "ollama stream: asked, answered" "$(R 'D[-1]["body"]["stream"]')$(S 'all(r["response"] in "ABCD" for r in D)')" truetrue
SCR=$(script oll '{"rules": [{"match": {"contains": "number 0:"}, "do": "answer", "think": "Hmm.", "text": "A", "stream": true}]}')
fake_start --script "$SCR"
srun --model "ollama@$BASE:llava:7b" --limit 1 --stream
expect_eq "ollama: thinking kept as <think>" "$(S 'D[0]["response"]')" "<think>Hmm.</think>
A"
OLLAMA_HOST=127.0.0.1:$PORT srun --model "ollama:llava:7b" --limit 1
expect_eq "ollama: OLLAMA_HOST without a scheme" "$RC" 0

# --- a frame-labelled protocol reaches every dialect's shape ---------------------
# (labels apply to video frames; images of the layout are not labelled)
fake_start
srun --model "gemini@$BASE/v1beta:gemini-fake" --limit 1 --protocol facts --blind
expect_eq "blind facts protocol without a probe-able video: exit 0" "$RC" 0
expect_match "placeholders are announced" "$ERR" "placeholders"
expect_eq "placeholder counted in the manifest" "$(M 'D["video_facts_placeholders"]')" 1
expect_match "the placeholder text was sent" "$(R 'D[0]["text"]')" "<video.duration>"
# with a real video at hand, --blind still prints its facts (read from the container)
if command -v ffmpeg >/dev/null 2>&1; then
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i color=c=red:s=64x48:d=2:r=10 \
        -c:v libx264 -pix_fmt yuv420p "$DATA/clip.mp4"
    : >"$REC"
    srun --model "gemini@$BASE/v1beta:gemini-fake" --limit 1 --protocol facts --blind
    expect_match "blind: video facts read from the video" "$(R 'D[0]["text"]')" "lasts 2.0 seconds at 10 fps"
else
    skip "blind: video facts read from the video" "no ffmpeg"
fi
finish
