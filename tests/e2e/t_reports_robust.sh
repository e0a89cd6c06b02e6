#!/bin/sh
# report, leaderboard and compare on broken run directories: results.json
# of the wrong shapes, truncated or corrupted files, odd samples. Every
# invocation ends with exit 0 or 2 and no sanitizer report (this test is
# most useful in `make SANITIZE=address,undefined test`).
. "$(dirname "$0")/lib.sh"

python3 - "$TMP" <<'PYEOF'
import json, os, random, sys
d = sys.argv[1]
variants = {
 "cats_array": {"suite": "x", "overall": {"score": 1}, "categories": [1, 2, 3]},
 "cats_strings": {"suite": "x", "overall": {"score": "high", "ci": "wide"}, "categories": {"a": "b", "c": {"score": "1", "ci": [1]}}},
 "columns_bad": {"suite": "x", "overall": {}, "columns": [1, {"kind": 3}, {"kind": "category"}, {"kind": "split", "name": "nope"}, "str"]},
 "order_bad": {"suite": "x", "overall": {}, "category_order": [1, None, "ghost"], "categories": {"m": {"merged": True, "members": [1, "ghost", "m"]}}},
 "ci_weird": {"suite": "x", "overall": {"ci": [None, "x"], "se": "y", "n": -5}, "splits": {"s": {"ci": [1, 2, 3]}}, "bootstrap": {"level": "x"}},
 "variants_bad": {"suite": "x", "overall": {}, "variants": {"v": 3, "w": {"overall": 5}}},
 "aggregation_bad": {"suite": "x", "overall": {}, "aggregation": {"overall": 3, "scale": "a"}, "items": 7},
 "deep": {"suite": "x", "overall": {}, "categories": {"a": {"members": [[[[]]]], "merged": True}}},
 "huge_numbers": {"suite": "x", "overall": {"score": 1e308, "ci": [-1e308, 1e308], "n": 1e20}},
}
good = {"suite": "x", "suite_title": "X", "protocol": "p", "model": "m", "overall": {"score": 50.0, "ci": [40.0, 60.0], "n": 3},
        "categories": {"a": {"score": 50.0, "n": 3, "label": "A"}}, "category_order": ["a"], "splits": {"s": {"score": 1.0}},
        "columns": [{"kind": "overall", "name": "overall", "label": "Avg"}, {"kind": "category", "name": "a", "label": "A"}],
        "bootstrap": {"level": 0.95, "resamples": 10}}
text = json.dumps(good)
rnd = random.Random(7)
for k in range(8):
    cut = rnd.randrange(1, len(text))
    variants["trunc%d" % k] = text[:cut]
for k in range(8):
    b = bytearray(text.encode())
    for _ in range(4):
        b[rnd.randrange(len(b))] = rnd.randrange(256)
    variants["flip%d" % k] = bytes(b)
samples = ('{"id": "a", "category": 5, "status": 7, "score": "x", "frames": [1, {"index": "a"}], "latency": 3, "usage": {"output": "x"}}\n'
           '{"id": "b", "category": "a", "status": "ok", "score": 1, "video": 5, "accepted": "A", "variants": 3, "response": 5}\n'
           '{"id": "c", "category": "a", "status": "ok", "score": 0, "video": "v", "accepted": "A", "response": "\\u0000x"}\n'
           '[1,2]\n{"noid": 1}\n{"id": "torn", "categ')
for name, v in variants.items():
    p = os.path.join(d, name)
    os.makedirs(p)
    mode = "wb" if isinstance(v, bytes) else "w"
    with open(os.path.join(p, "results.json"), mode) as f:
        f.write(v if isinstance(v, (str, bytes)) else json.dumps(v))
    with open(os.path.join(p, "samples.jsonl"), "w") as f:
        f.write(samples)
    with open(os.path.join(p, "manifest.json"), "w") as f:
        json.dump({"suite": 5, "frames": "x", "argv": [1, None], "libraries": [1], "counts": 3, "blind": "no"}, f)
PYEOF

check() { # name cmd...
    _name=$1; shift
    _err=$("$@" 2>&1 >/dev/null); _rc=$?
    if { [ $_rc = 0 ] || [ $_rc = 2 ]; } && ! printf '%s' "$_err" | grep -Eq 'Sanitizer|runtime error'; then
        _report 0 "$_name"
    else
        _report 1 "$_name" "exit $_rc: $(printf '%s' "$_err" | head -c 1500)"
    fi
}
for d in "$TMP"/*/; do
    d=${d%/}; n=$(basename "$d")
    check "report --stored --plot: $n" "$STEVAL" report "$d" --stored --plot --png --out "$TMP/plots-$n"
    check "leaderboard: $n" "$STEVAL" leaderboard "$d" "$d" --ci --reference --format latex
    check "compare: $n" "$STEVAL" compare "$d" "$d" --format json --resamples 50
done
finish
