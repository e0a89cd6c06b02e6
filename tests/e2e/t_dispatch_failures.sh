#!/bin/sh
# Failure behaviours (protocols.md §10.5) against the loopback server: what is
# retried, after how long (lower bounds only: no wall-clock ceilings), what
# fails the item, what stops the run. Each item of a run meets its own fault.
. "$(dirname "$0")/lib.sh"
DISPATCH_ITEMS=24
. "$(dirname "$0")/dispatch_lib.sh"

# attempts of an item, and the gap between its first two requests (server clock)
att() { S "by_id(D)['$1']['attempts']"; }
st() { S "by_id(D)['$1']['status']"; }
errof() { S "by_id(D)['$1'].get('error', '')"; }
gap() { R "(lambda t: round(t[1] - t[0], 3) if len(t) > 1 else -1)([r['t'] for r in D if 'number $1:' in r['text']])"; }
ge() { $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }
expect_ge() { if ge "$2" "$3"; then _report 0 "$1"; else _report 1 "$1" "got $2, want >= $3"; fi; }
expect_lt() { if ge "$2" "$3"; then _report 1 "$1" "got $2, want < $3"; else _report 0 "$1"; fi; }

# --- statuses (one per item), openai dialect ------------------------------------
SCR=$(script statuses '{"rules": [
 {"match": {"contains": "number 0:", "attempt": 1}, "do": "status", "status": 429, "headers": {"retry-after": "1"}, "body": {"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}}},
 {"match": {"contains": "number 1:", "attempt": 1}, "do": "status", "status": 429, "headers": {"retry-after-ms": "300"}, "body": {"error": {"message": "slow down"}}},
 {"match": {"contains": "number 2:", "attempt": 1}, "do": "status", "status": 429, "retry_after_date": 2, "body": {"error": {"message": "slow down"}}},
 {"match": {"contains": "number 3:"}, "do": "status", "status": 429, "headers": {"retry-after": "500"}, "body": {"error": {"message": "come back tomorrow"}}},
 {"match": {"contains": "number 4:", "attempt": 1}, "do": "status", "status": 429, "body": {"error": {"message": "no hint given"}}},
 {"match": {"contains": "number 5:", "attempt": 1}, "do": "status", "status": 429, "headers": {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1s", "x-ratelimit-remaining-tokens": "5000", "x-ratelimit-reset-tokens": "6m0s"}, "body": {"error": {"message": "rpm"}}},
 {"match": {"contains": "number 6:", "attempt": [1, 2]}, "do": "status", "status": 500, "body": {"error": {"message": "The server had an error"}}},
 {"match": {"contains": "number 7:", "attempt": 1}, "do": "status", "preset": "bad_gateway_html"},
 {"match": {"contains": "number 8:", "attempt": 1}, "do": "status", "preset": "llamacpp_loading"},
 {"match": {"contains": "number 9:", "attempt": 1}, "do": "status", "status": 504, "body": "gateway timeout"},
 {"match": {"contains": "number 10:", "attempt": 1}, "do": "status", "status": 408, "body": ""},
 {"match": {"contains": "number 11:", "attempt": 1}, "do": "status", "status": 409, "body": {"error": {"message": "conflict"}}},
 {"match": {"contains": "number 12:"}, "do": "status", "status": 500, "headers": {"x-should-retry": "false"}, "body": {"error": {"message": "do not retry me"}}},
 {"match": {"contains": "number 13:", "attempt": 1}, "do": "status", "status": 400, "headers": {"x-should-retry": "true"}, "body": {"error": {"message": "retry me"}}},
 {"match": {"contains": "number 14:"}, "do": "status", "preset": "openai_400"},
 {"match": {"contains": "number 15:"}, "do": "status", "preset": "cloudflare_413_html"},
 {"match": {"contains": "number 16:"}, "do": "status", "status": 422, "body": {"detail": [{"loc": ["body", "messages"], "msg": "field required"}]}},
 {"match": {"contains": "number 17:"}, "do": "status", "preset": "vllm_too_many_images"},
 {"match": {"contains": "number 18:"}, "do": "status", "preset": "lmdeploy_flat"},
 {"match": {"contains": "number 19:"}, "do": "status", "preset": "llamacpp_context"},
 {"match": {"contains": "number 20:"}, "do": "status", "status": 500, "body": {"error": {"message": "always broken"}}},
 {"match": {"contains": "number 21:", "attempt": 1}, "do": "status", "preset": "anthropic_overloaded"},
 {"match": {"contains": "number 22:", "attempt": 1}, "do": "status", "preset": "gemini_unavailable"},
 {"match": {"contains": "number 23:", "attempt": 1}, "do": "status", "preset": "vertex_429_array"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --concurrency 24 --retries 2
expect_eq "statuses: exit 3 (items left in error)" "$RC" 3
expect_eq "429 retry-after 1: retried, answered" "$(att q000) $(st q000)" "2 ok"
expect_ge "429 retry-after 1: waited >= 0.9 s" "$(gap 0)" 0.9
expect_eq "429 retry-after-ms 300: retried" "$(att q001)" 2
expect_ge "429 retry-after-ms 300: waited >= 0.28 s" "$(gap 1)" 0.28
expect_eq "429 retry-after HTTP-date: retried" "$(att q002)" 2
expect_ge "429 retry-after HTTP-date 2 s ahead: waited >= 0.9 s" "$(gap 2)" 0.9
expect_eq "429 retry-after 500 s: not waited for, the item fails" "$(att q003) $(st q003)" "1 error"
expect_match "429 retry-after 500 s: says why" "$(errof q003)" "asks to wait 500 s, more than --max-retry-wait 120"
expect_eq "429 without hints: retried" "$(att q004) $(st q004)" "2 ok"
expect_ge "429 without hints: backoff >= 0.37 s" "$(gap 4)" 0.37
expect_eq "429 x-ratelimit-reset-requests: retried" "$(att q005)" 2
expect_ge "429 x-ratelimit-reset-requests 1s (remaining 0): waited >= 0.9 s" "$(gap 5)" 0.9
expect_eq "500 twice: third attempt answers" "$(att q006) $(st q006)" "3 ok"
expect_eq "502 HTML: retried" "$(att q007) $(st q007)" "2 ok"
expect_eq "503 llama.cpp loading: retried" "$(att q008) $(st q008)" "2 ok"
expect_eq "504: retried" "$(att q009) $(st q009)" "2 ok"
expect_eq "408: retried" "$(att q010) $(st q010)" "2 ok"
expect_eq "409: retried" "$(att q011) $(st q011)" "2 ok"
expect_eq "500 with x-should-retry: false: not retried" "$(att q012) $(st q012)" "1 error"
expect_eq "400 with x-should-retry: true: retried" "$(att q013) $(st q013)" "2 ok"
expect_eq "400: not retried" "$(att q014) $(st q014)" "1 error"
expect_match "400: the server's message" "$(errof q014)" "^HTTP 400 \(invalid_request_error\): Invalid image data"
expect_eq "413 (HTML): not retried" "$(att q015) $(st q015)" "1 error"
expect_match "413 (HTML): the page's text" "$(errof q015)" "HTTP 413: 413 Request Entity Too Large"
expect_eq "422: not retried" "$(att q016) $(st q016)" "1 error"
expect_eq "vLLM too many images: not retried" "$(att q017) $(st q017)" "1 error"
expect_match "vLLM: integer code, message" "$(errof q017)" "At most 2 image\(s\)"
expect_match "LMDeploy flat error body" "$(errof q018)" "The input is too long"
expect_match "llama.cpp context error" "$(errof q019)" "exceed_context_size_error"
expect_eq "500 always: gives up after --retries 2" "$(att q020) $(st q020)" "3 error"
expect_match "500 always: says so" "$(errof q020)" "gave up after 3 attempts"
expect_eq "529 overloaded: retried" "$(att q021) $(st q021)" "2 ok"
expect_ge "529 overloaded: longer backoff (>= 0.75 s)" "$(gap 21)" 0.75
expect_eq "Gemini 503 UNAVAILABLE: retried" "$(att q022) $(st q022)" "2 ok"
expect_eq "Vertex array-wrapped 429: retried" "$(att q023) $(st q023)" "2 ok"
expect_eq "errors are never scored" "$(S 'all(r["score"] is None for r in D if r["status"] == "error")')" true
expect_eq "errors counted: 9" "$(q "$RUN/results.json" 'D["overall"]["error"]')" 9
expect_eq "manifest: retries counted" "$(M 'D["dispatch"]["retried"] >= 16')" true
no_key_in "$RUN" "statuses: the key is not in the run directory"

# --- transport faults ------------------------------------------------------
SCR=$(script transport '{"rules": [
 {"match": {"contains": "number 0:", "attempt": 1}, "do": "hang", "seconds": 30},
 {"match": {"contains": "number 1:", "attempt": 1}, "do": "drip", "interval": 0.3},
 {"match": {"contains": "number 2:", "attempt": 1}, "do": "reset"},
 {"match": {"contains": "number 3:", "attempt": 1}, "do": "close"},
 {"match": {"contains": "number 4:", "attempt": 1}, "do": "truncate"},
 {"match": {"contains": "number 5:", "attempt": 1}, "do": "answer", "malformed": true},
 {"match": {"contains": "number 6:", "attempt": 1}, "do": "answer", "empty_choices": true},
 {"match": {"contains": "number 7:", "attempt": 1}, "do": "answer", "stream": true, "mid_error": true},
 {"match": {"contains": "number 8:", "attempt": 1}, "do": "answer", "stream": true, "no_done": true},
 {"match": {"contains": "number 9:", "attempt": 1}, "do": "answer", "stream": true, "legacy_error": true},
 {"match": {"contains": "number 10:", "attempt": 1}, "do": "answer", "content_type": "text/html", "malformed": true},
 {"match": {"contains": "number 11:"}, "do": "answer", "huge": 300000},
 {"match": {"contains": "number 12:", "attempt": 1}, "do": "answer", "delay": 4}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --concurrency 24 --limit 13 --timeout 2 --max-response 100000
expect_eq "transport: exit 3 (one item too large)" "$RC" 3
expect_eq "no answer in time: retried" "$(att q000) $(st q000)" "2 ok"
expect_ge "no answer in time: the timeout ran (>= 1.9 s)" "$(gap 0)" 1.9
expect_match "no answer in time: the last error is gone once answered" "$(S 'by_id(D)["q000"].get("error", "none")')" none
expect_eq "slow drip: timed out, retried" "$(att q001) $(st q001)" "2 ok"
expect_eq "connection reset: retried" "$(att q002) $(st q002)" "2 ok"
expect_eq "closed without a reply: retried" "$(att q003) $(st q003)" "2 ok"
expect_eq "body shorter than Content-Length: retried" "$(att q004) $(st q004)" "2 ok"
expect_eq "malformed JSON: retried" "$(att q005) $(st q005)" "2 ok"
expect_eq "empty choices: retried" "$(att q006) $(st q006)" "2 ok"
expect_eq "error inside a stream: retried" "$(att q007) $(st q007)" "2 ok"
expect_eq "stream cut before [DONE]: retried" "$(att q008) $(st q008)" "2 ok"
expect_eq "legacy llama.cpp error line: retried" "$(att q009) $(st q009)" "2 ok"
expect_eq "HTML where JSON was due: retried" "$(att q010) $(st q010)" "2 ok"
expect_eq "body over --max-response: the item fails at once" "$(att q011) $(st q011)" "1 error"
expect_match "body over --max-response: says so" "$(errof q011)" "larger than the cap"
expect_eq "slow status line: timed out, retried" "$(att q012) $(st q012)" "2 ok"

# --- the upload: reset half way; a proxy's 413 before the body -------------------
$PY "$ROOT/tests/e2e/dispatch_data.py" "$TMP/big" --items 2 --image-bytes 700000 >/dev/null
SCR=$(script upload '{"rules": [{"early": true, "match": {"nth": 1}, "do": "reset"}]}')
fake_start --script "$SCR"
"$STEVAL" run "$SPEC" --data "$TMP/big" --out "$TMP/runs" --no-progress --model "openai@$BASE/v1:m" \
    --concurrency 1 --limit 1 >"$TMP/out" 2>"$TMP/err"
RC=$?
RUN=$(cat "$TMP/out")
expect_eq "reset during a 1.9 MB upload: retried, answered" "$RC $(att q000) $(st q000)" "0 2 ok"
fake_start --max-body 1000000
"$STEVAL" run "$SPEC" --data "$TMP/big" --out "$TMP/runs" --no-progress --model "openai@$BASE/v1:m" \
    --limit 2 >"$TMP/out" 2>"$TMP/err"
RC=$?
RUN=$(cat "$TMP/out")
expect_eq "413 before the body is read: the items fail, not retried" "$RC $(S '[r["attempts"] for r in D]')" "3 [1, 1]"
expect_match "413 before the body is read: the proxy's page" "$(errof q000)" "HTTP 413: 413 Request Entity Too Large"

# --- idle timeout on a stalled stream -----------------------------------------
SCR=$(script stall '{"rules": [{"match": {"contains": "number 0:", "attempt": 1}, "do": "stall", "seconds": 20}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --limit 1 --stream --idle-timeout 1 --timeout 60
expect_eq "stalled stream: retried" "$(att q000) $(st q000)" "2 ok"
expect_ge "stalled stream: waited for the idle timeout (>= 0.9 s)" "$(gap 0)" 0.9
expect_lt "stalled stream: gave up well before the stall ended" "$(gap 0)" 15

# --- fatal errors stop the run; resume finishes it ------------------------------------
SCR=$(script quota '{"rules": [{"match": {"nth": 1}, "do": "status", "preset": "openai_quota"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --limit 6 --concurrency 1
expect_eq "insufficient_quota: exit 3" "$RC" 3
expect_eq "insufficient_quota: stopped after one request" "$(R 'len(D)')" 1
expect_match "insufficient_quota: the run says why" "$ERR" "quota exhausted"
expect_eq "insufficient_quota: manifest status" "$(M 'D["status"]')" incomplete
expect_eq "insufficient_quota: only the failed item is written" "$(S '[(r["id"], r["status"]) for r in D]')" '[["q000", "error"]]'
FIRST=$RUN
srun --resume "$FIRST"
expect_eq "resume after the fatal error: exit 0" "$RC" 0
expect_eq "resume: same run directory" "$RUN" "$FIRST"
expect_eq "resume: all six answered" "$(q "$FIRST/results.json" '[D["overall"]["n"], D["overall"]["error"]]')" '[6, 0]'
SCR=$(script auth '{"rules": [{"do": "status", "preset": "openai_401"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --limit 6 --concurrency 2
expect_eq "401: exit 3" "$RC" 3
expect_eq "401: stopped at once (no retries)" "$(R 'len(D) <= 2')" true
expect_match "401: the run says why" "$ERR" "the key is refused|invalid_api_key"
no_key_in "$RUN" "401: the key is not in the run directory (the server echoed part of it)"

# --- anthropic, gemini, ollama specifics ------------------------------------
SCR=$(script ant '{"rules": [
 {"match": {"contains": "number 0:", "attempt": 1}, "do": "status", "preset": "anthropic_429", "anthropic_reset": 2},
 {"match": {"contains": "number 1:", "attempt": 1}, "do": "answer", "stream": true, "mid_error": true}]}')
fake_start --script "$SCR"
srun --model "anthropic@$BASE/v1:c" --limit 2
expect_eq "anthropic 429 with an RFC 3339 reset: retried" "$(att q000) $(st q000)" "2 ok"
expect_ge "anthropic 429: waited for the reset (>= 0.9 s)" "$(gap 0)" 0.9
expect_eq "anthropic event: error mid-stream: retried" "$(att q001) $(st q001)" "2 ok"
SCR=$(script antbill '{"rules": [{"do": "status", "preset": "anthropic_billing"}]}')
fake_start --script "$SCR"
srun --model "anthropic@$BASE/v1:c" --limit 3 --concurrency 1
expect_eq "anthropic billing_error: stops the run" "$RC $(R 'len(D)')" "3 1"
SCR=$(script gem '{"rules": [
 {"match": {"contains": "number 0:", "attempt": 1}, "do": "status", "preset": "gemini_429_retryinfo"},
 {"match": {"contains": "number 1:", "attempt": 1}, "do": "answer", "stream": true, "mid_error": true}]}')
fake_start --script "$SCR"
srun --model "gemini@$BASE/v1beta:g" --limit 2
expect_eq "gemini RetryInfo 1.5s: retried" "$(att q000) $(st q000)" "2 ok"
expect_ge "gemini RetryInfo 1.5s: waited >= 1.4 s" "$(gap 0)" 1.4
expect_eq "gemini error inside the stream: retried" "$(att q001) $(st q001)" "2 ok"
SCR=$(script gemday '{"rules": [{"do": "status", "preset": "gemini_429_daily"}]}')
fake_start --script "$SCR"
srun --model "gemini@$BASE/v1beta:g" --limit 3 --concurrency 1
expect_eq "gemini daily quota: stops the run" "$RC $(R 'len(D)')" "3 1"
expect_match "gemini daily quota: says so" "$ERR" "daily quota"
SCR=$(script gemkey '{"rules": [{"do": "status", "preset": "gemini_bad_key"}]}')
fake_start --script "$SCR"
srun --model "gemini@$BASE/v1beta:g" --limit 3 --concurrency 1
expect_eq "gemini 400 API_KEY_INVALID: stops the run" "$RC $(R 'len(D)')" "3 1"
SCR=$(script oll '{"rules": [
 {"match": {"contains": "number 0:", "attempt": 1}, "do": "status", "preset": "ollama_busy"},
 {"match": {"contains": "number 1:", "attempt": 1}, "do": "answer", "stream": true, "mid_error": true}]}')
fake_start --script "$SCR"
srun --model "ollama@$BASE:llava" --limit 2 --stream
expect_eq "ollama 503 busy: retried" "$(att q000) $(st q000)" "2 ok"
expect_eq "ollama NDJSON error line: retried" "$(att q001) $(st q001)" "2 ok"
SCR=$(script ollnf '{"rules": [{"do": "status", "preset": "ollama_not_found"}]}')
fake_start --script "$SCR"
srun --model "ollama@$BASE:llava:99b" --limit 3 --concurrency 1
expect_eq "ollama model not found (404): stops the run" "$RC $(R 'len(D)')" "3 1"
expect_match "ollama 404: the string error body" "$ERR" 'model \\?"llava:99b\\?" not found'

# --- nobody listening; --max-errors -------------------------------------------
fake_stop
srun --model "openai@http://127.0.0.1:$PORT/v1:m" --concurrency 2 --retries 0
expect_eq "connection refused everywhere: exit 3" "$RC" 3
expect_match "connection refused everywhere: the run stops early" "$ERR" "the first 8 items all failed"
expect_eq "connection refused: 8 or 9 errors written" "$(S "len(D) in (8, 9)")" true
SCR=$(script maxerr '{"rules": [{"match": {"contains": "number 1"}, "do": "status", "preset": "openai_400"}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --concurrency 1 --max-errors 2
expect_eq "--max-errors 2: exit 3" "$RC" 3
expect_match "--max-errors 2: stopped at the third error" "$ERR" "3 errors, more than --max-errors 2"
expect_eq "--max-errors 2: the rest was not run" "$(S 'len(D) < 24')" true
srun --model "openai@$BASE/v1:m" --concurrency 4 --max-errors 50%
expect_eq "--max-errors 50%: 11 of 24 failing is within it: exit 0" "$RC" 0
finish
