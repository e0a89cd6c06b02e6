#!/bin/sh
# report.html in a real browser (headless Chromium): it renders, the filters
# work (driven through the URL fragment), and model text never runs.
. "$(dirname "$0")/lib.sh"

if ! command -v chromium >/dev/null 2>&1; then
    skip "report.html in Chromium" "chromium is not installed (sh tests/deps.sh all)"
    finish; exit $?
fi

chrome() {
    _prof=$(mktemp -d "$TMP/chrome.XXXXXX")
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$_prof" "$@" 2>/dev/null
}

H=$TMP/h
python3 "$ROOT/tests/e2e/hostile.py" make "$H" || exit 1
STEVAL_SUITES="$H/suites" "$STEVAL" report "$H/run" --data "$H/data" --resamples 200 >/dev/null 2>&1
PAGE=$H/run/report.html
expect_file "report.html written" "$PAGE"

# expected counts, from samples.jsonl
counts() { # FILTER-EXPR (python over s) -> number of samples
    python3 - "$H/run/samples.jsonl" "$1" <<'PYEOF'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    s = json.loads(line)
    sc = s.get("score")
    res = "none" if s["status"] == "error" or sc is None else "right" if sc >= 1 else "wrong" if sc <= 0 else "partial"
    n += bool(eval(sys.argv[2]))
print(n)
PYEOF
}
shown() { # DOM -> the shown counter and the number of visible articles
    printf '%s' "$1" | python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"<span id=\"shown\">(\d+)</span>", t)
arts = re.findall(r"<article class=\"sample\"[^>]*>", t)
print(m.group(1) if m else "?", sum("hidden" not in a for a in arts), len(arts))'
}

total=$(counts True)
dom=$(chrome --dump-dom "file://$PAGE")
expect_eq "no filter: every sample shown" "$(shown "$dom")" "$total $total $total"
expect_match "the page's own script ran (filter form present, title kept)" "$dom" '<title>Hostile &lt;suite&gt; &amp; 100% "names": evil'
if printf '%s' "$dom" | grep -q "pwned"; then
    # the payload text is there, escaped; it must never have executed
    if printf '%s' "$dom" | grep -Eq '<title>pwned|data-pwned="1"'; then
        _report 1 "model text with <script> and onerror never runs" "$(printf '%s' "$dom" | grep -Eo '<title>[^<]*|data-pwned[^ >]*' | head -3)"
    else
        _report 0 "model text with <script> and onerror never runs"
    fi
else
    _report 1 "model text with <script> and onerror never runs" "payload text missing from the page"
fi
expect_match "payloads are shown as text" "$dom" '&lt;img src=x onerror="document.title=.pwned."&gt;'

n=$(counts 's["status"] == "error"')
dom=$(chrome --dump-dom "file://$PAGE#status=error")
expect_eq "#status=error shows the errors only" "$(shown "$dom")" "$n $n $total"
n=$(counts 'res == "right"')
dom=$(chrome --dump-dom "file://$PAGE#result=right")
expect_eq "#result=right shows the right answers only" "$(shown "$dom")" "$n $n $total"
n=$(counts 'res == "wrong" and s["status"] == "unparsed"')
dom=$(chrome --dump-dom "file://$PAGE#result=wrong&status=unparsed")
expect_eq "#result=wrong&status=unparsed combines filters" "$(shown "$dom")" "$n $n $total"
n=$(counts 's["category"] == "a&b"')
dom=$(chrome --dump-dom "file://$PAGE#category=a%26b")
expect_eq "#category=a%26b (a hostile category name) filters by category" "$(shown "$dom")" "$n $n $total"
n=$(counts 's["category"] == "</td><script>document.title=\x27pwned\x27</script>"')
dom=$(chrome --dump-dom "file://$PAGE#category=%3C%2Ftd%3E%3Cscript%3Edocument.title%3D%27pwned%27%3C%2Fscript%3E")
expect_eq "a category named </td><script>... filters too" "$(shown "$dom")" "$n $n $total"
dom=$(chrome --dump-dom "file://$PAGE#q=h07%3C")
expect_eq "#q= searches the text" "$(shown "$dom")" "1 1 $total"
dom=$(chrome --dump-dom "file://$PAGE#status=nonsense")
expect_eq "an unknown filter value shows everything" "$(shown "$dom")" "$total $total $total"

chrome --window-size=1280,1800 --screenshot="$TMP/shot.png" "file://$PAGE#status=ok" >/dev/null
expect_rc "a screenshot of the page is a PNG" 0 python3 -c '
import sys; d = open(sys.argv[1], "rb").read(); assert d[:8] == b"\x89PNG\r\n\x1a\n" and len(d) > 20000, len(d)' "$TMP/shot.png"
[ -n "${STEVAL_KEEP_SHOT:-}" ] && cp "$TMP/shot.png" "$STEVAL_KEEP_SHOT"

# frame thumbnails: a run that sent frames links RUN_DIR/frames/*.jpg, and the
# browser shows them under the page's Content-Security-Policy. The demo's
# frames are mostly a flat dark grey that nothing else on the page uses: the
# screenshot with thumbnails has many such pixels, the one without has none.
greys() { # PNG -> the number of pixels of the demo's background grey
    ffmpeg -v error -i "$1" -f rawvideo -pix_fmt rgb24 - | /usr/bin/python3 -c '
import sys, numpy as np
a = np.frombuffer(sys.stdin.buffer.read(), np.uint8).reshape(-1, 3).astype(int)
print(int(((abs(a - 60) <= 8).all(axis=1)).sum()))'
}
if command -v ffmpeg >/dev/null 2>&1 && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    # the demo's data with its videos, made here (a clean clone has none)
    mkdir -p "$TMP/demo"
    cp "$ROOT/fixtures/demo/demo.jsonl" "$TMP/demo/"
    sh "$ROOT/fixtures/demo/make-videos.sh" "$TMP/demo/videos"
    for t in thumbs none; do
        flag=; [ $t = none ] && flag=--no-thumbnails
        STEVAL_CACHE_DIR=$TMP/cache "$STEVAL" run demo --data "$TMP/demo" \
            --model "command:python3 $ROOT/tests/examples/echo_worker.py" \
            --limit 2 --out "$TMP/th-$t" --no-progress $flag >"$TMP/th-$t.out" 2>&1
        chrome --window-size=1000,1400 --virtual-time-budget=10000 --screenshot="$TMP/th-$t.png" \
            "file://$(tail -n 1 "$TMP/th-$t.out")/report.html" >/dev/null
    done
    n=$(greys "$TMP/th-thumbs.png"); n0=$(greys "$TMP/th-none.png")
    if [ "${n:-0}" -gt 20000 ] && [ "${n:-0}" -gt $((10 * ${n0:-1})) ]; then
        _report 0 "thumbnails render in Chromium (CSP img-src 'self'; $n frame pixels, $n0 without)"
    else
        _report 1 "thumbnails render in Chromium (CSP img-src 'self')" "frame pixels: $n with thumbnails, $n0 without; run: $(tail -n 3 "$TMP/th-thumbs.out" | tr '\n' ' ')"
    fi
else
    skip "thumbnails in Chromium" "no ffmpeg or numpy (make deps)"
fi

# the real VLM4D predictions: a bigger page still loads and filters
VLM=$SHARED/data/vlm4d
"$STEVAL" score --suite vlm4d --data "$VLM/data" --verdicts --out "$TMP/vlm" \
    "$VLM/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json" >/dev/null 2>&1
dom=$(chrome --dump-dom "file://$TMP/vlm/report.html#status=unparsed&category=real%2Fego")
expect_eq "VLM4D page: 5 unparsed answers in Real Ego" "$(shown "$dom")" "5 5 1371"
expect_match "VLM4D page: the prompt re-rendered from the spec" "$dom" 'Therefore, the final answer is: \$LETTER'
finish
