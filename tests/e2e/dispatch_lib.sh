# tests/e2e/dispatch_lib.sh: helpers for the dispatcher's end-to-end tests.
# Source after lib.sh.
#
#   fake_start [server args]   start tests/servers/fake_llm.py (record in $REC,
#                              port in $PORT, pid in $FAKE_PID); any earlier
#                              one is stopped first
#   fake_stop                  stop it
#   script NAME JSON           write $TMP/NAME.json (a server script), print its path
#   srun ARGS...               steval run on the dispatch fixture; sets RC, OUT (stdout:
#                              the run dir), ERR (stderr), RUN (the run dir)
#   q FILE EXPR                python expression over a JSON / JSONL file (tests/e2e/q.py)
#   S EXPR / M EXPR / R EXPR   q over $RUN/samples.jsonl, $RUN/manifest.json, $REC
#
# The data ($DATA) is made once per script by tests/e2e/dispatch_data.py.
# A fake API key is exported as FAKE_KEY; tests check it never lands in a run dir.
FAKE_PID=""
# Debian's python3 starts in a tenth of the time of a pyenv shim
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
FAKE_N=0
SPEC=$ROOT/fixtures/dispatch/dispatch.json
DATA=$TMP/data
export FAKE_KEY="sk-fake-4f1c8e2b9d7a6035"
export OPENAI_API_KEY=$FAKE_KEY ANTHROPIC_API_KEY=$FAKE_KEY GEMINI_API_KEY=$FAKE_KEY
trap 'fake_stop; rm -rf "$TMP"' EXIT
$PY "$ROOT/tests/e2e/dispatch_data.py" "$DATA" --items "${DISPATCH_ITEMS:-12}" >/dev/null

fake_stop() {
    if [ -n "$FAKE_PID" ]; then
        kill "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
        FAKE_PID=""
# Debian's python3 starts in a tenth of the time of a pyenv shim
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
    fi
}

fake_start() {
    fake_stop
    FAKE_N=$((FAKE_N + 1))
    REC=$TMP/fake$FAKE_N.rec
    : >"$TMP/port$FAKE_N"
    $PY "$ROOT/tests/servers/fake_llm.py" --record "$REC" --key "$FAKE_KEY" "$@" \
        >"$TMP/port$FAKE_N" 2>"$TMP/fake$FAKE_N.err" &
    FAKE_PID=$!
    _i=0
    while [ $_i -lt 200 ]; do
        PORT=$(awk '/^PORT/{print $2}' "$TMP/port$FAKE_N")
        [ -n "$PORT" ] && break
        sleep 0.05
        _i=$((_i + 1))
    done
    [ -n "$PORT" ] || { echo "# fake server did not start: $(cat "$TMP/fake$FAKE_N.err")"; exit 1; }
    : >"$REC"
    BASE=http://127.0.0.1:$PORT
}

script() {
    printf '%s\n' "$2" >"$TMP/$1.json"
    echo "$TMP/$1.json"
}

srun() {
    "$STEVAL" run "$SPEC" --data "$DATA" --out "$TMP/runs" --no-progress "$@" \
        >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
    RUN=$(tail -n 1 "$TMP/out")
}

q() { $PY "$ROOT/tests/e2e/q.py" "$1" "$2"; }
S() { q "$RUN/samples.jsonl" "$1"; }
M() { q "$RUN/manifest.json" "$1"; }
R() { q "$REC" "$1"; }

# the API key must not appear anywhere in the run directory
no_key_in() {
    if grep -rq -- "$FAKE_KEY" "$1" 2>/dev/null; then
        _report 1 "$2" "the key is in: $(grep -rl -- "$FAKE_KEY" "$1")"
    else
        _report 0 "$2"
    fi
}
