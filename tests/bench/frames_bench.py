#!/usr/bin/env python3
"""Frame extraction benchmark, run side by side; prints ratios, asserts nothing.

usage: frames_bench.py STEVAL POOL_BIN WORKDIR [--reps R] [--quick]

1. N frames (8, 16, 32) from a 60 s 1920x1080 30 fps H.264 clip (x264,
   default keyframe interval) by:
     steval      `steval frames CLIP -n N --no-cache --out DIR`: content hash,
                 index pass, seek-or-continue, JPEG files written
     pyav        lmms-eval's read_video_pyav for mp4: np.linspace indices over
                 stream.frames, decode in order up to the last index, RGB arrays
     ffmpeg-sel  one ffmpeg command, -vf select of the N frame numbers, JPEGs
     ffmpeg-ss   one ffmpeg command per frame, input seeking (-ss) to its pts
2. Shared videos: 18 questions on each of 3 videos (20 s, 640x480, 32
   frames each, as VSI-Bench asks many questions per scene video):
     steval pool  one frame pool for all 54 requests (each video decoded once)
     steval each  frames_extract per question
     pyav each    read_video_pyav per question (in one Python process)

Each tool runs R times, interleaved; the median wall time is reported with
CPU time (user+sys) and peak RSS of the child (getrusage), and ratios to
the baseline. Other load on the machine shows up in wall times; CPU time
ratios are the steadier figure.
"""
import os
import statistics
import subprocess
import sys
import time

STEVAL, POOL, WORK = sys.argv[1:4]
REPS = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 3
QUICK = "--quick" in sys.argv
PY = sys.executable
OUT = os.path.join(WORK, "out")

PYAV = r'''
import sys, av, numpy as np
def read_video_pyav(path, num_frm):
    # lmms_eval/models/model_utils/load_video.py, the mp4 branch
    container = av.open(path)
    total_frames = container.streams.video[0].frames
    sampled_frm = min(total_frames, num_frm)
    indices = np.linspace(0, total_frames - 1, sampled_frm, dtype=int)
    if total_frames - 1 not in indices:
        indices = np.append(indices, total_frames - 1)
    frames = []
    start_index, end_index = indices[0], indices[-1]
    for i, frame in enumerate(container.decode(video=0)):
        if i > end_index:
            break
        if i >= start_index and i in indices:
            frames.append(frame)
    container.close()
    return np.stack([x.to_ndarray(format="rgb24") for x in frames])
n = int(sys.argv[1]); reps = int(sys.argv[2])
shape = None
for _ in range(reps):
    for path in sys.argv[3:]:
        shape = read_video_pyav(path, n).shape
print(shape)
'''


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True, cwd=WORK)


def clip(name, cmd):
    path = os.path.join(WORK, name)
    if not os.path.exists(path):
        print("generating %s ..." % name, flush=True)
        sh(cmd + " " + name + ".tmp.mp4 && mv " + name + ".tmp.mp4 " + name)
    return path


def measure(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=OUT)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if status != 0:
        raise RuntimeError("%s failed: %s" % (cmd[:3], err[-500:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def frame_pts(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts_time", "-of", "csv=p=0", path], capture_output=True, text=True,
                         check=True).stdout.split()
    return sorted(float(x) for x in out if x != "N/A")


def linspace(n, k):
    if k == 1:
        return [0]
    step = (n - 1) / (k - 1)
    return [int(i * step) for i in range(k - 1)] + [n - 1]


def run_group(title, tools, base):
    print("\n%s" % title, flush=True)
    subprocess.run(["rm", "-rf", OUT])
    os.makedirs(OUT)
    res = {name: [] for name, _ in tools}
    for _ in range(REPS):
        for name, cmd in tools:
            res[name].append(measure(cmd))
    bw = statistics.median(r[0] for r in res[base])
    bc = statistics.median(r[1] for r in res[base])
    print("  %-13s %9s %9s %9s %9s %9s" % ("tool", "wall s", "cpu s", "wall/base", "cpu/base", "peak MB"))
    out = {}
    for name, _ in tools:
        w = statistics.median(r[0] for r in res[name])
        c = statistics.median(r[1] for r in res[name])
        m = max(r[2] for r in res[name])
        print("  %-13s %9.3f %9.3f %9.3f %9.3f %9.1f" % (name, w, c, w / bw, c / bc, m))
        out[name] = (w, c, m)
    return out


def main():
    os.makedirs(WORK, exist_ok=True)
    secs = 20 if QUICK else 60
    hd = clip("clip1080-%ds.mp4" % secs,
              "ffmpeg -v error -y -f lavfi -i testsrc2=duration=%d:size=1920x1080:rate=30 "
              "-c:v libx264 -preset veryfast -pix_fmt yuv420p" % secs)
    pts = frame_pts(hd)
    n = len(pts)
    summary = []
    for k in (8, 16, 32):
        idx = linspace(n, k)
        sel = "+".join("eq(n\\,%d)" % i for i in idx)
        ff_ss = "for t in %s; do ffmpeg -v error -y -ss $t -i %s -frames:v 1 -q:v 2 ss_$t.jpg || exit 1; done" % (
            " ".join("%.6f" % pts[i] for i in idx), hd)
        tools = [
            ("steval", [STEVAL, "frames", hd, "-n", str(k), "--no-cache", "--out", "steval"]),
            ("pyav", [PY, "-c", PYAV, str(k), "1", hd]),
            ("ffmpeg-sel", ["ffmpeg", "-v", "error", "-y", "-i", hd, "-vf", "select='%s'" % sel,
                            "-fps_mode", "passthrough", "-q:v", "2", "sel_%03d.jpg"]),
            ("ffmpeg-ss", ["sh", "-c", ff_ss]),
        ]
        r = run_group("%d frames of %d, 1920x1080 H.264 (%d s, x264 default keyint)" % (k, n, secs), tools, "pyav")
        summary.append((k, r["steval"][0] / r["pyav"][0], r["steval"][1] / r["pyav"][1]))

    vids = [clip("scene%d.mp4" % i,
                 "ffmpeg -v error -y -f lavfi -i testsrc2=duration=%d:size=640x480:rate=30 -vf hue=h=%d "
                 "-c:v libx264 -preset veryfast -pix_fmt yuv420p" % (8 if QUICK else 20, 40 * i))
            for i in range(3)]
    q = 6 if QUICK else 18
    tools = [
        ("steval pool", [POOL, "shared", str(q), "32"] + vids),
        ("pool+thumbs", [POOL, "thumbs", str(q), "32"] + vids),
        ("steval each", [POOL, "separate", str(q), "32"] + vids),
        ("pyav each", [PY, "-c", PYAV, "32", str(q)] + vids),
    ]
    r = run_group("shared videos: %d questions x %d videos, 32 frames each, 640x480" % (q, len(vids)),
                  tools, "steval pool")
    print("\nsummary (steval / pyav; targets <= 0.5 at 8 and 16 frames, <= 0.8 at 32):")
    for k, w, c in summary:
        print("  %2d frames: wall %.2f  cpu %.2f" % (k, w, c))
    print("  shared videos: pyav per question / steval pool = %.1fx wall, %.1fx cpu (target >= 10x); "
          "steval per question / pool = %.1fx wall; report thumbnails cost %.2fx cpu"
          % (r["pyav each"][0] / r["steval pool"][0], r["pyav each"][1] / r["steval pool"][1],
             r["steval each"][0] / r["steval pool"][0], r["pool+thumbs"][1] / r["steval pool"][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
