"""Fixtures and checks for the bootstrap, report and compare tests.

  boot.py suite DIR                 write DIR/suites/boottest.json and DIR/data/items.jsonl
  boot.py run DIR RUN MODE [SEED]   write a run directory (samples.jsonl, results.json stub,
                                    manifest.json); MODE: base, same, drop, improve, shift
  boot.py check-results DIR RUN B SEED LEVEL
                                    results.json intervals == stats_ref (to 1e-9)
  boot.py check-compare DIR BASE NEW JSON B SEED ALPHA
                                    compare --format json == stats_ref (to 1e-9)

Python standard library only; everything is seeded.
"""
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats_ref  # noqa: E402

LEAVES = ["count", "size", "dir_easy", "dir_hard", "extra"]
LAYOUT = {
    "leaves": LEAVES,
    "merged": {"dir": ["dir_easy", "dir_hard"]},
    "overall": "category-mean",
    # a category-mean over the top level: leaves that are not members, and merged ones
    "top": ["count", "size", "extra", "dir"],
    "splits": ["indoor", "outdoor"],
}
SCALE = 100.0

SPEC = {
    "name": "boottest",
    "title": "Bootstrap test",
    "data": {"sources": [{"files": ["items.jsonl"]}]},
    "fields": {"id": "id", "question": "question", "category": "task",
               "options": {"field": "options", "style": "prefixed"}, "video": "video"},
    "types": [
        {"name": "mc", "kind": "letter", "answer": "answer", "when": {"field": "options", "present": True}},
        {"name": "na", "kind": "number", "answer": "answer"},
    ],
    "categories": [
        {"name": "count", "label": "Count"},
        {"name": "size", "label": "Size"},
        {"name": "dir", "label": "Dir", "members": ["dir_easy", "dir_hard"]},
        {"name": "dir_easy", "label": "Dir (easy)"},
        {"name": "dir_hard", "label": "Dir (hard)"},
    ],
    "splits": [
        {"name": "indoor", "label": "Indoor", "where": {"field": "scene", "eq": "indoor"}},
        {"name": "outdoor", "label": "Outdoor", "where": {"field": "scene", "eq": "outdoor"}},
    ],
    "aggregate": {"overall": "category-mean", "over": "top", "scale": 100},
    "default_protocol": "p",
    "protocols": {
        "p": {
            "templates": {"mc": "{question}\n{options}\nAnswer with the letter.", "na": "{question}"},
            "option_format": "{label}", "option_join": "\n",
            "extractor": "vsi-first-token", "metric": {"mc": "exact-ci", "na": "mra"},
            "variants": {"robust": {"extractor": {"mc": "robust-letter", "na": "robust-number"}}},
        }
    },
}


def items():
    rnd = random.Random(4242)
    out = []
    for i in range(260):
        cat = LEAVES[i % len(LEAVES)]
        # 70 videos shared by several items; every 9th item has no video
        video = None if i % 9 == 4 else "v%02d.mp4" % rnd.randrange(70)
        rec = {"id": "q%03d" % i, "task": cat, "question": "Question %d?" % i,
               "scene": "indoor" if rnd.random() < 0.6 else "outdoor"}
        if video:
            rec["video"] = video
        if cat == "size":
            rec["answer"] = "%.1f" % rnd.uniform(1, 9)
        else:
            rec["options"] = ["A. one", "B. two", "C. three", "D. four"]
            rec["answer"] = rnd.choice("ABCD")
        out.append(rec)
    return out


def write_suite(d):
    os.makedirs(os.path.join(d, "suites"), exist_ok=True)
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    with open(os.path.join(d, "suites", "boottest.json"), "w") as f:
        json.dump(SPEC, f, indent=1)
    with open(os.path.join(d, "data", "items.jsonl"), "w") as f:
        for r in items():
            f.write(json.dumps(r) + "\n")


def sample_scores(mode, seed):
    """Per item: (status, score, variant status, variant score)."""
    rnd = random.Random(seed)
    out = {}
    for r in items():
        mc = "options" in r
        p = 0.55 if r["task"] != "dir_hard" else 0.35
        u = rnd.random()
        if u < 0.04:
            st, sc = "error", None
        elif u < 0.09:
            st, sc = "unparsed", 0.0
        else:
            st = "ok"
            sc = (1.0 if rnd.random() < p else 0.0) if mc else round(rnd.random(), 2)
        out[r["id"]] = [st, sc]
    if mode in ("same", "base"):
        pass
    elif mode == "drop":
        # the new model gets every 'count' question wrong
        for r in items():
            if r["task"] == "count" and out[r["id"]][0] != "error":
                out[r["id"]] = ["ok", 0.0]
    elif mode == "improve":
        for r in items():
            if r["task"] == "dir_hard" and out[r["id"]][0] != "error":
                out[r["id"]] = ["ok", 1.0]
    elif mode == "shift":
        # a different answer set altogether (an independent draw)
        return sample_scores("base", seed + 1000)
    res = {}
    for r in items():
        st, sc = out[r["id"]]
        vst, vsc = st, sc
        if st == "unparsed":
            vst, vsc = "ok", 0.5 if "options" not in r else 1.0
        res[r["id"]] = (st, sc, vst, vsc)
    return res


def write_run(d, run, mode, seed=1):
    os.makedirs(run, exist_ok=True)
    scores = sample_scores(mode, seed)
    with open(os.path.join(run, "samples.jsonl"), "w") as f:
        for r in items():
            st, sc, vst, vsc = scores[r["id"]]
            s = {"id": r["id"], "category": r["task"], "type": "mc" if "options" in r else "na",
                 "status": st, "extracted": "", "score": sc, "truth": r["answer"]}
            if "options" in r:
                s["accepted"] = r["answer"]
            s["variants"] = {"robust": {"status": vst, "extracted": "", "score": vsc}}
            s["response"] = None if st == "error" else "answer %s" % r["id"]
            if st == "error":
                s["error"] = "HTTP 500"
            if "video" in r:
                s["video"] = r["video"]
            s["usage"] = {"input": 1000 + len(r["id"]) * 10, "output": 5 + (sum(map(ord, r["id"])) * 7) % 50, "reasoning": None}
            s["latency"] = {"frames": 0.1, "queue": 0.0, "network": 0.5 + (int(r["id"][1:]) % 17) / 10}
            f.write(json.dumps(s) + "\n")
    stub = {"suite": "boottest", "suite_title": "Bootstrap test", "protocol": "p", "model": "model-" + mode,
            "scoring": "official", "overall": {}}
    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump(stub, f)
    manifest = {"status": "finished", "suite": {"name": "boottest", "spec": os.path.join(d, "suites", "boottest.json"),
                                                "data_dir": os.path.join(d, "data"), "items": 260, "files": []},
                "protocol": "p", "frames": {"sampler": "uniform", "count": 8}, "model": "model-" + mode,
                "seed": 0, "limit": 0, "blind": False}
    with open(os.path.join(run, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def ref_items(run, value):
    """Items as stats_ref wants them, in steval's item order (the data file's)."""
    by_id = {}
    with open(os.path.join(run, "samples.jsonl")) as f:
        for line in f:
            s = json.loads(line)
            by_id[s["id"]] = s
    recs = [r for r in items() if r["id"] in by_id]
    cl, n = stats_ref.cluster_ids([r.get("video") for r in recs])
    out = []
    for r, c in zip(recs, cl):
        s = by_id[r["id"]]
        src = s if value == "main" else s["variants"][value]
        v = None if src["status"] == "error" else src["score"]
        out.append({"cluster": c, "category": r["task"], "splits": {r["scene"]}, "value": v})
    return out, n


def close(a, b, what, tol=1e-9):
    if a is None or b is None:
        if a is None and b is None:
            return 0
        print("MISMATCH %s: %r vs %r" % (what, a, b))
        return 1
    if abs(a - b) > tol:
        print("MISMATCH %s: steval %.15g, reference %.15g" % (what, a, b))
        return 1
    return 0


def group_of(res, kind, name):
    if kind == "overall":
        return res["overall"]
    return res["categories" if kind == "category" else "splits"].get(name)


def check_results(d, run, resamples, seed, level):
    with open(os.path.join(run, "results.json")) as f:
        res = json.load(f)
    bad = checked = 0
    for value in ("main", "robust"):
        it, n = ref_items(run, value)
        ref = stats_ref.bootstrap(it, n, LAYOUT, SCALE, resamples, seed, level)
        # the point estimates too
        pts = stats_ref.statistics(it, [1] * n, LAYOUT, SCALE)
        r = res if value == "main" else res["variants"][value]
        for (kind, name), (lo, hi, se) in ref.items():
            g = group_of(r, kind, name)
            if g is None:
                print("MISSING group %s %s" % (kind, name))
                bad += 1
                continue
            ci = g.get("ci")
            bad += close(ci[0] if ci else None, lo, "%s %s/%s ci lo" % (value, kind, name))
            bad += close(ci[1] if ci else None, hi, "%s %s/%s ci hi" % (value, kind, name))
            bad += close(g.get("se"), se, "%s %s/%s se" % (value, kind, name))
            bad += close(g.get("exact"), pts[(kind, name)], "%s %s/%s exact" % (value, kind, name))
            checked += 1
    if res.get("bootstrap", {}).get("resamples") != resamples:
        print("bootstrap block: %r" % res.get("bootstrap"))
        bad += 1
    print("%d groups checked, %d mismatches" % (checked, bad))
    return 1 if bad or checked < 16 else 0


def check_compare(d, base, new, js, resamples, seed, alpha):
    with open(js) as f:
        cmp = json.load(f)
    sb = {}
    with open(os.path.join(base, "samples.jsonl")) as f:
        for line in f:
            s = json.loads(line)
            sb[s["id"]] = s
    recs = {r["id"]: r for r in items()}
    shared = []
    with open(os.path.join(new, "samples.jsonl")) as f:
        for line in f:
            s = json.loads(line)
            b = sb.get(s["id"])
            if b and b["status"] != "error" and s["status"] != "error":
                shared.append((b, s))
    cl, n = stats_ref.cluster_ids([b.get("video") for b, _ in shared])
    ia, ib = [], []
    for (b, s), c in zip(shared, cl):
        r = recs[b["id"]]
        ia.append({"cluster": c, "category": r["task"], "splits": {r["scene"]}, "value": b["score"]})
        ib.append({"cluster": c, "category": r["task"], "splits": {r["scene"]}, "value": s["score"]})
    ref = stats_ref.paired(ia, ib, n, LAYOUT, SCALE, resamples, seed, 1 - alpha)
    pa = stats_ref.statistics(ia, [1] * n, LAYOUT, SCALE)
    pb = stats_ref.statistics(ib, [1] * n, LAYOUT, SCALE)
    bad = checked = 0
    if cmp["items"]["shared"] != len(shared):
        print("shared items: %d vs %d" % (cmp["items"]["shared"], len(shared)))
        bad += 1
    for g in cmp["groups"]:
        key = (g["kind"], g["name"])
        if key not in ref:
            print("unexpected group %r" % (key,))
            bad += 1
            continue
        lo, hi, _ = ref[key]
        bad += close(g["ci"][0] if g["ci"] else None, lo, "%s ci lo" % (key,))
        bad += close(g["ci"][1] if g["ci"] else None, hi, "%s ci hi" % (key,))
        bad += close(g["base"], pa[key], "%s base" % (key,))
        bad += close(g["new"], pb[key], "%s new" % (key,))
        # McNemar over the multiple-choice items of the group
        def member(it, key=key):
            kind, name = key
            if kind == "overall":
                return True
            if kind == "split":
                return name in it["splits"]
            return it["category"] == name or it["category"] in LAYOUT["merged"].get(name, [])
        b = c = m = 0
        for (sa, sn), x, y in zip(shared, ia, ib):
            if "accepted" not in sa or not member(x):
                continue
            m += 1
            b += x["value"] == 1 and y["value"] == 0
            c += x["value"] == 0 and y["value"] == 1
        if m:
            mc = g["mcnemar"]
            if (mc["right_to_wrong"], mc["wrong_to_right"], mc["items"]) != (b, c, m):
                print("%s McNemar counts %r vs %r" % (key, mc, (b, c, m)))
                bad += 1
            bad += close(mc["p"], stats_ref.mcnemar(b, c), "%s McNemar p" % (key,), 1e-12)
        checked += 1
    print("%d groups checked, %d mismatches" % (checked, bad))
    return 1 if bad or checked < 8 else 0


def main(argv):
    cmd = argv[1]
    if cmd == "suite":
        write_suite(argv[2])
        return 0
    if cmd == "run":
        write_run(argv[2], argv[3], argv[4], int(argv[5]) if len(argv) > 5 else 1)
        return 0
    if cmd == "check-results":
        return check_results(argv[2], argv[3], int(argv[4]), int(argv[5]), float(argv[6]))
    if cmd == "check-compare":
        return check_compare(argv[2], argv[3], argv[4], argv[5], int(argv[6]), int(argv[7]), float(argv[8]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
