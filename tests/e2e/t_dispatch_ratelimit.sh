#!/bin/sh
# Rate limits: --rpm and --tpm token buckets and the endpoint-wide pause
# after a 429, seen from the loopback server's clock (lower bounds only).
. "$(dirname "$0")/lib.sh"
DISPATCH_ITEMS=24
. "$(dirname "$0")/dispatch_lib.sh"

ge() { $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }
expect_ge() { if ge "$2" "$3"; then _report 0 "$1"; else _report 1 "$1" "got $2, want >= $3"; fi; }
span() { R 'round(D[-1]["t"] - D[0]["t"], 3)'; }

# --concurrency: exactly that many requests in flight at the server, no more
fake_start --latency 0.3
srun --model "openai@$BASE/v1:m" --limit 12 --concurrency 3
expect_eq "--concurrency 3: exit 0" "$RC" 0
INFLIGHT='max(sum(1 for b in D if b["t"] <= a["t"] < b["t"] + 0.29) for a in D)'
expect_eq "--concurrency 3: at most 3 at the server at once, and 3 reached" "$(R "$INFLIGHT")" 3
expect_eq "--concurrency 3: 3 connections, reused" "$(M 'D["dispatch"]["connections"]')" 3

# 120 requests per minute: a burst of 2, then one every 0.5 s
fake_start
srun --model "openai@$BASE/v1:m" --limit 8 --concurrency 8 --rpm 120
expect_eq "--rpm: exit 0" "$RC" 0
expect_ge "--rpm 120: 8 requests span >= 2.5 s (burst 2, then 2/s)" "$(span)" 2.5
expect_ge "--rpm 120: the third waited >= 0.4 s after the first" "$(R 'round(D[2]["t"] - D[0]["t"], 3)')" 0.4
expect_eq "--rpm recorded in the manifest" "$(M 'D["endpoint"]["rpm"]')" 120.0

# 6000 tokens per minute: a 1000-token bucket, 100 tokens/s; each request is
# estimated at about 50 tokens (blind: text, system, max_tokens) and the
# server reports no usage to correct it: 20 go at once, then one per 0.5 s
SCR=$(script nousage '{"rules": [{"do": "answer", "no_usage": true}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --blind --concurrency 24 --tpm 6000
expect_eq "--tpm: exit 0" "$RC" 0
expect_ge "--tpm 6000: 24 requests span >= 1.2 s" "$(span)" 1.2
expect_ge "--tpm 6000: most of the first 20 went together (20th within 0.5 s of the first)" \
    "$(R 'round(0.5 - (D[15]["t"] - D[0]["t"]), 3)')" 0

# a 429 pauses the whole endpoint, not just the item that got it
SCR=$(script pause '{"rules": [{"match": {"nth": 1}, "do": "status", "status": 429, "headers": {"retry-after": "1"}, "body": {"error": {"message": "slow down"}}}]}')
fake_start --script "$SCR"
srun --model "openai@$BASE/v1:m" --limit 3 --concurrency 1
expect_eq "429 pause: exit 0" "$RC" 0
expect_ge "429 pause: the next request waited for the retry-after (>= 0.9 s)" "$(R 'round(D[1]["t"] - D[0]["t"], 3)')" 0.9
finish
