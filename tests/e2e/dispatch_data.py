#!/usr/bin/env python3
"""Generate data for fixtures/dispatch/dispatch.json (and the dispatch benchmark).

  dispatch_data.py OUTDIR [--items N] [--image-bytes B] [--images K] [--spec FILE] [--videos K]

Writes OUTDIR/items.jsonl (N multiple-choice items, categories alpha/beta),
OUTDIR/img/*.jpg (JPEG-looking files of B bytes: a JPEG signature and
seeded random bytes; nothing decodes them) and OUTDIR/clip.mp4 (an MP4
signature and random bytes). With --videos K the items name K videos
(vid/vNN.mp4, copies of the clip) in clusters of uneven sizes, and every
ninth item names none (the sharding tests). With --images K > 2 it also writes a suite spec
to --spec whose items carry K images (the benchmark's 32 "frames").
"""
import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--image-bytes", type=int, default=2000)
    ap.add_argument("--images", type=int, default=2)
    ap.add_argument("--spec")
    ap.add_argument("--videos", type=int, default=0)
    a = ap.parse_args()
    rnd = random.Random(1234)
    os.makedirs(os.path.join(a.out, "img"), exist_ok=True)
    names = []
    for k in range(max(a.images, 2)):
        p = os.path.join("img", "f%02d.jpg" % k)
        with open(os.path.join(a.out, p), "wb") as f:
            f.write(b"\xff\xd8\xff\xe0" + bytes(rnd.getrandbits(8) for _ in range(a.image_bytes - 6)) + b"\xff\xd9")
        names.append(p)
    clip = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(rnd.getrandbits(8) for _ in range(3000))
    with open(os.path.join(a.out, "clip.mp4"), "wb") as f:
        f.write(clip)
    if a.videos:
        os.makedirs(os.path.join(a.out, "vid"), exist_ok=True)
        for k in range(a.videos):
            with open(os.path.join(a.out, "vid", "v%02d.mp4" % k), "wb") as f:
                f.write(clip)
    # uneven clusters: video k is named by k + 1 of every K(K+1)/2 items, interleaved
    vids = [k for k in range(a.videos) for _ in range(k + 1)]
    random.Random(99).shuffle(vids)
    with open(os.path.join(a.out, "items.jsonl"), "w") as f:
        for i in range(a.items):
            rec = {"id": "q%03d" % i, "task": "alpha" if i % 2 == 0 else "beta",
                   "question": "Question number %d: which box is %s?" % (i, ["red", "blue", "green"][i % 3]),
                   "options": ["A. left", "B. right", "C. up", "D. down"],
                   "answer": "ABCD"[(i * 7) % 4], "video": "clip.mp4",
                   "img_a": names[0], "img_b": names[1]}
            for k in range(a.images):
                rec["f%02d" % k] = names[k]
            if a.videos:
                rec["video"] = None if i % 9 == 8 else "vid/v%02d.mp4" % vids[i % len(vids)]
            f.write(json.dumps(rec) + "\n")
    if a.spec:
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "..", "fixtures", "dispatch", "dispatch.json")) as f:
            spec = json.load(f)
        spec["name"] = "dispatch-bench"
        spec["fields"]["images"] = ["f%02d" % k for k in range(a.images)]
        with open(a.spec, "w") as f:
            json.dump(spec, f, indent=1)


if __name__ == "__main__":
    main()
