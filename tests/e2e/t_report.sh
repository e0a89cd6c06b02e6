#!/bin/sh
# steval report: the files it writes, from real predictions (VLM4D) and from
# a run whose every name is hostile (CSV, Markdown, LaTeX, HTML stay well formed).
. "$(dirname "$0")/lib.sh"

VLM=$SHARED/data/vlm4d
R=$TMP/vlm
out=$("$STEVAL" score --suite vlm4d --data "$VLM/data" --verdicts --out "$R" \
      "$VLM/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json" 2>&1); rc=$?
expect_eq "score --verdicts writes a run" "$rc" 0
for f in results.json report.md report.csv report.json report.tex report.html; do
    expect_file "score writes $f" "$R/$f"
done
expect_rc "results.json: intervals around every scored group, the published numbers recomputed" 0 python3 - "$R/results.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
b = r["bootstrap"]
assert b["resamples"] == 10000 and b["level"] == 0.95 and b["clusters"] == 600, b
for g in [r["overall"]] + list(r["categories"].values()) + [s for s in r["splits"].values() if s["n"]]:
    lo, hi = g["ci"]
    assert lo <= g["exact"] <= hi and 0 < g["se"] < 5, g
# the VLM4D reference row of this model (suite spec): real 43.25, ego 42.32, exo 43.71
assert (r["splits"]["real"]["score"], r["categories"]["real/ego"]["score"], r["categories"]["real/exo"]["score"]) == (43.25, 42.32, 43.71)
assert "ci" not in r["splits"]["synthetic"]
PYEOF
expect_rc "report.json: VLM4D's columns in the paper's order" 0 python3 - "$R/report.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
cols = [(c["kind"], c["name"], c["label"]) for c in r["columns"]]
assert cols == [("category", "real/ego", "Real Ego"), ("category", "real/exo", "Real Exo"), ("split", "real", "Real Avg"),
                ("category", "synthetic/directional", "Synth Dir"), ("category", "synthetic/fp", "Synth FP"),
                ("split", "synthetic", "Synth Avg"), ("overall", "overall", "Overall")], cols
assert r["columns"][2]["score"] == 43.25 and r["columns"][3]["score"] is None
PYEOF
expect_rc "report.csv parses (overall, categories, splits, variants)" 0 python3 - "$R/report.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
kinds = [(r["variant"], r["kind"], r["name"]) for r in rows]
assert kinds[:3] == [("", "overall", "overall"), ("", "category", "real/ego"), ("", "category", "real/exo")], kinds[:3]
assert {v for v, _, _ in kinds} == {"", "rules", "robust"}, kinds
o = rows[0]
assert float(o["ci_lo"]) < float(o["exact"]) < float(o["ci_hi"]) and o["n"] == "1371", o
PYEOF
md=$(cat "$R/report.md")
expect_match "report.md: the overall with its interval" "$md" '\*\*Overall: 43\.25\*\* \(95% CI 4[0-9]\.[0-9]+ – 4[0-9]\.[0-9]+\) over 1371 scored items'
expect_match "report.md: the paper table in VLM4D's order" "$md" '\| Real Ego \| Real Exo \| Real Avg \| Synth Dir \| Synth FP \| Synth Avg \| Overall \|'
expect_match "report.md: unparsed counts per category" "$md" '\| Real Ego \(real/ego\) \| 42\.32 \| [0-9.]+ – [0-9.]+ \| [0-9.]+ \| 449 \| 444 \| 5 \| 0 \|'
expect_match "report.md: says how the intervals were made" "$md" 'cluster bootstrap: 10000 resamples \(seed 0\) of the 600 clusters'
out=$(python3 "$ROOT/tests/e2e/hostile.py" check-tex "$R/report.tex" 2>&1)
expect_eq "report.tex: booktabs structure" "$out" "tex: structure ok"

# a run scored offline has no manifest: the report says so
expect_match "report.md without a manifest says where it came from" "$md" 'none \(scored offline'

# the fixture suite with a manifest: run facts
python3 "$ROOT/tests/e2e/boot.py" suite "$TMP/b" && python3 "$ROOT/tests/e2e/boot.py" run "$TMP/b" "$TMP/b/run" base
STEVAL_SUITES="$TMP/b/suites" "$STEVAL" report "$TMP/b/run" --resamples 300 >/dev/null 2>&1
md=$(cat "$TMP/b/run/report.md")
expect_match "report.md: the frame plan from manifest.json" "$md" '\| frames \| `\{"sampler":"uniform","count":8\}` \|'
expect_match "report.md: merged category with its members below" "$md" 'Dir \(dir\) — mean of its members .*
\| &nbsp;&nbsp;↳ Dir \(easy\) \(dir_easy\)'
expect_match "report.md: a category the spec does not list is kept" "$md" '\| extra \|'
expect_match "report.md: variants with intervals" "$md" '\| robust \| [0-9.]+ \| [0-9.]+ – [0-9.]+ \|'

# report.html is the same built as samples.jsonl is read for the summary (each
# article rendered from its line, the records not kept) and from the stored
# results with the samples read back: a line replaced by a later one (an item
# retried on resume), an item the suite does not have, a repeat, a judged sample
cp -r "$TMP/b/run" "$TMP/b/run2"
python3 - "$TMP/b/run2/samples.jsonl" <<'PYEOF'
import json, sys
p = sys.argv[1]
lines = [json.loads(l) for l in open(p)]
retried = dict(lines[1], status="error", score=None, response=None, error="timeout")
ghost = dict(lines[0], id="ghost")
rep = dict(lines[4], repeat=1)
lines[2]["judge"] = {"model": "j", "status": "ok", "verdict": True, "extracted": "B", "cached": False, "reply": "{}"}
lines = lines[:1] + [retried] + lines[1:] + [ghost, rep]
open(p, "w").write("".join(json.dumps(l) + "\n" for l in lines))
PYEOF
STEVAL_SUITES="$TMP/b/suites" "$STEVAL" report "$TMP/b/run2" --resamples 300 >/dev/null 2>&1
cp "$TMP/b/run2/report.html" "$TMP/b/pass.html"
"$STEVAL" report "$TMP/b/run2" --stored >/dev/null 2>&1
ok_if "report.html: the same from the summary's pass and from the stored results (but the prompts)" python3 -c '
import re, sys
a, b = (re.sub(r"<details class=\"prompt\">.*?</details>", "", open(f, encoding="utf-8").read(), flags=re.S) for f in sys.argv[1:])
assert a == b and a.count("<article") > 200, "the pages differ"' "$TMP/b/pass.html" "$TMP/b/run2/report.html"
expect_eq "report.html: the retried item once, the unknown one and the repeat shown" \
    "$(grep -c '<article class="sample"' "$TMP/b/pass.html") $(grep -c 'id="s-ghost"' "$TMP/b/pass.html") $(grep -c -- '-r1"' "$TMP/b/pass.html")" \
    "$(($(wc -l <"$TMP/b/run/samples.jsonl") + 2)) 1 1"

# --resamples 0: no intervals at all
STEVAL_SUITES="$TMP/b/suites" "$STEVAL" report "$TMP/b/run" --resamples 0 --no-html >/dev/null 2>&1
expect_rc "--resamples 0 writes no intervals" 0 python3 -c '
import json, sys; r = json.load(open(sys.argv[1])); assert "ci" not in r["overall"] and "bootstrap" not in r' "$TMP/b/run/results.json"

# the suite cannot be found: the stored results.json is rendered, with a warning
rm -f "$TMP/b/run/report.md"
mv "$TMP/b/suites" "$TMP/b/moved"
out=$(STEVAL_SUITES="$TMP/nowhere" "$STEVAL" report "$TMP/b/run/" 2>&1); rc=$?
mv "$TMP/b/moved" "$TMP/b/suites"
expect_eq "no suite: still exit 0" "$rc" 0
expect_match "no suite: warned" "$out" "cannot load suite 'boottest'.*rendering the stored results.json"
expect_file "no suite: report.md written" "$TMP/b/run/report.md"
out=$("$STEVAL" report "$TMP/nope" 2>&1); rc=$?
expect_eq "not a run directory: exit 2" "$rc" 2
expect_match "not a run directory: named" "$out" "nope"
mkdir -p "$TMP/empty"
out=$("$STEVAL" report "$TMP/empty" 2>&1); rc=$?
expect_eq "no results.json: exit 2" "$rc" 2
expect_match "no results.json: said" "$out" "empty': no results.json"

# thumbnails: report.html links RUN_DIR/frames/SHA256.jpg where it is a regular
# file (the directory is listed once, not a stat per frame): a file, a symlink
# to one; not a directory, a dangling symlink, an upper-case name, a .png
T=$TMP/thumbs
python3 - "$T" <<'PYEOF'
import hashlib, json, os, sys
d = sys.argv[1]
fr = os.path.join(d, "frames")
os.makedirs(fr)
sha = [hashlib.sha256(b"%d" % k).hexdigest() for k in range(7)]
open(os.path.join(fr, sha[0] + ".jpg"), "wb").write(b"\xff\xd8\xff\xd9")
os.mkdir(os.path.join(fr, sha[1] + ".jpg"))
os.symlink("gone.jpg", os.path.join(fr, sha[2] + ".jpg"))
os.symlink(sha[0] + ".jpg", os.path.join(fr, sha[3] + ".jpg"))
open(os.path.join(fr, sha[4].upper() + ".jpg"), "w").write("x")
open(os.path.join(fr, sha[5] + ".png"), "w").write("x")
open(os.path.join(fr, "notes.txt"), "w").write("x")
frames = [{"index": k, "pts": k / 2, "sha256": h} for k, h in enumerate(sha)] + [{"index": 9, "sha256": "zz"}]
with open(os.path.join(d, "samples.jsonl"), "w") as f:
    f.write(json.dumps({"id": "a", "category": "c", "status": "ok", "score": 1, "frames": frames}) + "\n")
    f.write(json.dumps({"id": "b", "category": "c", "status": "ok", "score": 0,
                        "images": [{"sha256": h} for h in sha[::-1]]}) + "\n")
json.dump({"suite": "x", "overall": {"score": 50.0, "n": 2, "ok": 2}}, open(os.path.join(d, "results.json"), "w"))
PYEOF
ok_if "report --stored of a run with thumbnails" "$STEVAL" report "$T" --stored
thumbs() { grep -o 'src="frames/[0-9a-f]*\.jpg"' "$T/report.html" | cut -c13-16 | tr '\n' ' '; }
s0=$(python3 -c 'import hashlib; print(hashlib.sha256(b"0").hexdigest()[:4])')
s3=$(python3 -c 'import hashlib; print(hashlib.sha256(b"3").hexdigest()[:4])')
expect_eq "thumbnails: a file and a symlink to one are linked, in the order shown" "$(thumbs)" "$s0 $s3 $s3 $s0 "
expect_eq "thumbnails: the other frames and images show their numbers" \
    "$(grep -o '<span class="frame">[^<]*' "$T/report.html" | wc -l | tr -d ' ')" 11
if [ "$(id -u)" != 0 ]; then
    # a frames directory that cannot be listed: each frame is looked up on its own
    chmod 0311 "$T/frames"
    "$STEVAL" report "$T" --stored >/dev/null 2>&1
    chmod 0755 "$T/frames"
    expect_eq "thumbnails: an unlistable frames/ still links them" "$(thumbs)" "$s0 $s3 $s3 $s0 "
fi
rm -r "$T/frames"
"$STEVAL" report "$T" --stored >/dev/null 2>&1
expect_eq "thumbnails: none without frames/" "$(thumbs)" ""

# hostile names everywhere
H=$TMP/h
python3 "$ROOT/tests/e2e/hostile.py" make "$H" || exit 1
ok_if "report of the hostile run" env STEVAL_SUITES="$H/suites" "$STEVAL" report "$H/run" --data "$H/data" --resamples 200
for c in csv md tex html; do
    out=$(python3 "$ROOT/tests/e2e/hostile.py" "check-$c" "$H/run/report.$c" 2>&1); rc=$?
    expect_eq "hostile names: report.$c stays well formed" "$rc" 0
    [ $rc = 0 ] || echo "$out" | sed 's/^/#   /'
done
expect_rc "hostile names: every file is valid UTF-8 and JSON parses" 0 python3 -c '
import json, sys
for f in sys.argv[1:]:
    t = open(f, encoding="utf-8").read()
    if f.endswith(".json"): json.loads(t)
' "$H/run/results.json" "$H/run/report.json" "$H/run/report.md" "$H/run/report.csv" "$H/run/report.tex" "$H/run/report.html"

# LaTeX compiles when a TeX is installed
if command -v pdflatex >/dev/null 2>&1 && kpsewhich booktabs.sty >/dev/null 2>&1; then
    for t in "$R/report.tex" "$H/run/report.tex"; do
        d=$(mktemp -d "$TMP/tex.XXXXXX")
        printf '\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{%s}\n\\end{document}\n' "$t" >"$d/doc.tex"
        out=$(cd "$d" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex 2>&1); rc=$?
        expect_eq "pdflatex compiles $(basename "$(dirname "$t")")/report.tex" "$rc" 0
        [ $rc = 0 ] || echo "$out" | grep -A3 '^!' | sed 's/^/#   /'
    done
else
    skip "pdflatex compiles report.tex" "no pdflatex with booktabs (apt-get install texlive-latex-recommended)"
fi
finish
