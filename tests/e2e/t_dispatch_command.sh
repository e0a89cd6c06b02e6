#!/bin/sh
# The command adapter: a local worker speaking JSON lines, started once,
# restarted when it dies, answers matched by id in any order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

W="$PY $ROOT/tests/examples/echo_worker.py"
LOG=$TMP/worker.jsonl
export ECHO_WORKER_LOG=$LOG
# the worker sees a minimal environment: these pass by name
export STEVAL_WORKER_ENV="ECHO_WORKER_*"

srun --model "command:$W" --limit 4
expect_eq "worker: exit 0" "$RC" 0
expect_eq "worker: every answer" "$(S '[r["response"] for r in D]')" '["B", "B", "B", "B"]'
expect_eq "worker: one process for the run" "$(q "$LOG" 'len(set(r["pid"] for r in D))')" 1
expect_eq "worker: one request at a time by default" "$(M 'D["dispatch"]["concurrency"]')" 1
expect_eq "worker: request fields" "$(q "$LOG" '[D[0]["item"], D[0]["attempt"], D[0]["system"], D[0]["seed"], D[0]["parts"]]')" \
    '["q000", 1, "You are a careful assistant.", 0, ["image", "image", "text"]]'
expect_eq "worker: images as absolute paths that exist, no data" \
    "$(q "$LOG" '[(i["mime"], i["path"].startswith("/"), i["exists"], i["data"]) for i in D[0]["images"]]')" \
    '[["image/jpeg", true, true, 0], ["image/jpeg", true, true, 0]]'
expect_eq "worker: the protocol's generation settings verbatim" "$(q "$LOG" 'D[0]["generation"]')" \
    '{"max_tokens": 16, "temperature": 0, "top_p": 1.0, "seed": 7, "num_beams": 1, "do_sample": false}'
expect_eq "worker: usage read" "$(S 'D[0]["usage"]["output"]')" 1
expect_eq "worker: manifest describes it" "$(M '[D["endpoint"]["adapter"], D["endpoint"]["workers"], D["endpoint"]["images"]]')" \
    '["command", 1, "path"]'

# base64 images through a models file; several workers
cat >"$TMP/models.json" <<EOF
{"echo-b64": {"adapter": "command", "command": "$W", "images": "base64", "workers": 2}}
EOF
: >"$LOG"
srun --model echo-b64 --models "$TMP/models.json" --limit 6
expect_eq "base64 mode: exit 0" "$RC" 0
expect_eq "base64 mode: data sent" "$(q "$LOG" 'all(i["data"] > 100 for r in D for i in r["images"])')" true
expect_eq "base64 mode: data URLs in the image list" "$(q "$LOG" 'D[0]["image_list"][0][:23]')" "data:image/jpeg;base64,"
expect_eq "two workers: two processes" "$(q "$LOG" 'len(set(r["pid"] for r in D))')" 2

# answers out of order, noise on stdout
: >"$LOG"
ECHO_WORKER_REVERSE=1 ECHO_WORKER_NOISE=1 ECHO_WORKER_ANSWER=C srun --model "command:$W" --limit 6 --concurrency 2
expect_eq "out of order + noise: exit 0" "$RC" 0
expect_eq "out of order + noise: all answered" "$(S 'sorted(set(r["response"] for r in D)) + [len(D)]')" '["C", 6]'

# a worker that dies with a request in flight: restarted, the item retried
: >"$LOG"
ECHO_WORKER_DIE_ON=q002 srun --model "command:$W" --limit 5
expect_eq "death: exit 0" "$RC" 0
expect_eq "death: the item in flight is retried" "$(S 'by_id(D)["q002"]["attempts"]') $(S 'by_id(D)["q002"]["status"]')" "2 ok"
expect_eq "death: a second process served the rest" "$(q "$LOG" 'len(set(r["pid"] for r in D))')" 2
expect_match "death: reported" "$ERR" "exited with status 1 with the request in flight; it is restarted"

# retryable and final errors from the worker
ECHO_WORKER_RETRY_ON=q001 ECHO_WORKER_ERROR_ON=q003 srun --model "command:$W" --limit 4
expect_eq "worker errors: exit 3 (one item failed)" "$RC" 3
expect_eq "worker retry: true: retried" "$(S 'by_id(D)["q001"]["attempts"]')" 2
expect_eq "worker error: not retried, the message kept" "$(S '[by_id(D)["q003"][k] for k in ("attempts", "status", "error")]')" \
    '[1, "error", "worker: this item cannot be answered"]'

# a worker stuck on a request: killed at the timeout, restarted
ECHO_WORKER_HANG_ON=q001 srun --model "command:$W" --limit 3 --timeout 1
expect_eq "stuck worker: exit 0" "$RC" 0
expect_eq "stuck worker: the item retried" "$(S 'by_id(D)["q001"]["attempts"]')" 2
expect_match "stuck worker: reported" "$ERR" "no answer from the worker .* within 1 s"

# a worker that cannot start
srun --model "command:exit 3" --limit 3
expect_eq "worker that never answers: exit 3" "$RC" 3
expect_match "worker that never answers: the run stops" "$ERR" "3 times in a row without answering"
srun --model "command:/nonexistent/worker" --limit 2
expect_eq "missing program: exit 3" "$RC" 3
expect_match "missing program: status 127" "$ERR" "status 127"

# SIGINT with a worker: it is closed, the run resumable; the worker (here a
# shell running python, under a name of its own) does not outlive steval
: >"$LOG"
cp "$ROOT/tests/examples/echo_worker.py" "$TMP/hung_worker.py"
ECHO_WORKER_HANG_ON=q000 "$STEVAL" run "$SPEC" --data "$DATA" --out "$TMP/int" --no-progress \
    --model "command:$PY $TMP/hung_worker.py; exit 0" --limit 3 >"$TMP/int.out" 2>"$TMP/int.err" &
PID=$!
i=0
while [ $i -lt 250 ] && ! grep -q q000 "$LOG" 2>/dev/null; do sleep 0.02; i=$((i + 1)); done
: >"$LOG"
sleep 0.2
kill -INT "$PID"
wait "$PID"
expect_eq "SIGINT with a worker: exit 3" "$?" 3
i=0
while [ $i -lt 100 ] && pgrep -f "$TMP/hung_worker.py" >/dev/null; do sleep 0.05; i=$((i + 1)); done
expect_eq "SIGINT with a worker: no worker process left behind" "$(pgrep -f "$TMP/hung_worker.py")" ""
RUN=$(cat "$TMP/int.out")
expect_eq "SIGINT with a worker: nothing written for the item in flight" "$(S 'len(D)')" 0

# the Hugging Face example compiles
if $PY -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' "$ROOT/docs/examples/hf_worker.py"; then _report 0 "docs/examples/hf_worker.py parses"
else _report 1 "docs/examples/hf_worker.py parses"; fi
finish
