#!/bin/sh
# steval report --plot: gnuplot scripts, data and images (PNG and SVG); the
# exit status of gnuplot is checked; hostile labels stay inside quotes.
. "$(dirname "$0")/lib.sh"

if ! command -v gnuplot >/dev/null 2>&1; then
    skip "plots" "gnuplot is not installed (sh tests/deps.sh build)"
    finish; exit $?
fi
PY="python3 $ROOT/tests/e2e/boot.py"
$PY suite "$TMP" || exit 1
export STEVAL_SUITES="$TMP/suites"
n=0
for m in base drop improve shift; do
    n=$((n + 1))
    $PY run "$TMP" "$TMP/$m" "$m" || exit 1
    # frame plans of 8, 16, 32 and 16 frames (two runs of one model at 16)
    python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); d["frames"]["count"]=int(sys.argv[2]); d["model"]=sys.argv[3]; json.dump(d,open(p,"w"))' \
        "$TMP/$m/manifest.json" "$(echo "8 16 32 16" | cut -d' ' -f$n)" "$m"
done
out=$("$STEVAL" report "$TMP/base" "$TMP/drop" "$TMP/improve" "$TMP/shift" --plot --resamples 200 --out "$TMP/cmp" 2>&1); rc=$?
expect_eq "report --plot over four runs: exit 0" "$rc" 0
[ $rc = 0 ] || echo "$out" | sed 's/^/#   /'
for f in bars.gp bars.dat bars.png bars.svg latency.png latency.svg tokens.png tokens.svg; do
    expect_file "per run: plots/$f" "$TMP/base/plots/$f"
done
for f in bars.png bars.svg frames.gp frames.dat frames.png frames.svg; do
    expect_file "across runs: $f" "$TMP/cmp/$f"
done
expect_rc "images are PNG and SVG" 0 python3 -c '
import sys, xml.dom.minidom
for f in sys.argv[1:]:
    d = open(f, "rb").read()
    if f.endswith(".png"): assert d[:8] == b"\x89PNG\r\n\x1a\n", f
    else: xml.dom.minidom.parseString(d)
' "$TMP/cmp/bars.png" "$TMP/cmp/bars.svg" "$TMP/cmp/frames.png" "$TMP/cmp/frames.svg" "$TMP/base/plots/tokens.svg"
dat=$(grep -v '^#' "$TMP/cmp/frames.dat" | grep -c .)
expect_eq "frames.dat: one point per run" "$dat" 4
expect_match "bars.dat: 4 runs x (score lo hi) per column" "$(grep -v '^#' "$TMP/cmp/bars.dat" | head -1)" '^0( [0-9.]+ [0-9.]+ [0-9.]+){4}  # Overall$'
expect_match "scripts draw both formats and close the output" "$(cat "$TMP/cmp/bars.gp")" "set output 'bars.svg'"
expect_rc "the scripts re-run by hand" 0 sh -c "cd '$TMP/cmp' && gnuplot bars.gp && gnuplot frames.gp"

"$STEVAL" report "$TMP/base" --plot --png --resamples 100 --no-html >/dev/null 2>&1
expect_rc "--png draws PNG only" 1 test -e "$TMP/base/plots/latency.svg" -a "$TMP/base/plots/latency.svg" -nt "$TMP/base/plots/latency.png"

out=$(STEVAL_GNUPLOT=/nonexistent/gnuplot "$STEVAL" report "$TMP/base" --plot --stored --no-html 2>&1); rc=$?
expect_eq "no gnuplot: exit 2" "$rc" 2
expect_match "no gnuplot: said, with the fix" "$out" "cannot run '/nonexistent/gnuplot' \(install gnuplot"
printf '#!/bin/sh\necho "line 1: bad" >&2\nexit 1\n' >"$TMP/badplot" && chmod +x "$TMP/badplot"
out=$(STEVAL_GNUPLOT="$TMP/badplot" "$STEVAL" report "$TMP/base" --plot --stored --no-html 2>&1); rc=$?
expect_eq "gnuplot fails: exit 2" "$rc" 2
expect_match "gnuplot fails: the script is named" "$out" "plots/bars.gp': gnuplot failed \(exit status 1\)"

# hostile labels and model names
H=$TMP/h
python3 "$ROOT/tests/e2e/hostile.py" make "$H" || exit 1
out=$(STEVAL_SUITES="$H/suites" "$STEVAL" report "$H/run" --data "$H/data" --plot --resamples 100 --no-html 2>&1); rc=$?
expect_eq "hostile labels: gnuplot accepts the scripts" "$rc" 0
[ $rc = 0 ] || echo "$out" | sed 's/^/#   /'
gp=$(cat "$H/run/plots/bars.gp")
expect_match "hostile labels: quotes doubled inside single quotes" "$gp" "'=cmd\\|'' /C calc''!A0' 7"
expect_match "hostile labels: a newline became a space" "$gp" "'new line' 3"
expect_match "hostile labels: the model title" "$gp" "title 'evil \"model\", <b>bold</b> & \\\$x_1\\\$ \\\\n .* end'"
expect_rc "hostile labels: images drawn" 0 test -s "$H/run/plots/bars.png"
finish
