#!/usr/bin/env python3
"""Checks `steval frames` against independent truth, for tests/e2e/t_frames.sh.

usage: frames_check.py STEVAL SHARED TMP

Truth: ffprobe's decoded frames (per-frame best-effort timestamps, in
presentation order) give each clip's timeline; numpy computes what every
plan selects on it (np.linspace exactly as the official code calls it);
OpenCV, when installed, gives CAP_PROP_FRAME_COUNT / CAP_PROP_FPS and the
decoded pixels of frame k. Prints one line per check: PASS|FAIL TAB name
TAB detail.
"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import zlib

import numpy as np

try:
    import cv2
except Exception:  # pragma: no cover - optional
    cv2 = None

STEVAL, SHARED, TMP = sys.argv[1:4]
VIDEO = os.path.join(SHARED, "data", "video")
fails = 0


def report(ok, name, detail=""):
    global fails
    if not ok:
        fails += 1
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", name, str(detail).replace("\n", " ")[:600]),
          flush=True)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def frames(path, *args, out=None):
    cmd = [STEVAL, "frames", path, "--no-cache"] + [str(a) for a in args]
    if out:
        cmd += ["--out", out, "--json"]
    p = run(cmd)
    js = None
    if p.returncode == 0:
        try:
            js = json.loads(p.stdout)
        except ValueError:
            js = None
    return p.returncode, js, p.stderr


def rate(s):
    a, b = (int(x) for x in s.split("/"))
    return a / b if a > 0 and b > 0 else 0.0


def ffprobe_truth(path, timing):
    """Frame k's time and the timeline selection works on.

    With container timing: best-effort timestamps (= the packets' pts) and
    the span first frame .. end of the last. With decoder timing (no usable
    container timestamps): k / frame rate over the stream's duration; a
    frame's reported pts is its best-effort timestamp when it has one.
    """
    p = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "frame=best_effort_timestamp,pkt_duration:stream=time_base,avg_frame_rate,r_frame_rate,"
             "duration:format=duration", "-of", "json", path])
    d = json.loads(p.stdout)
    st = d["streams"][0]
    num, den = (int(x) for x in st["time_base"].split("/"))
    ts = [int(f["best_effort_timestamp"]) if "best_effort_timestamp" in f else None for f in d["frames"]]
    n = len(ts)
    if timing == "container":
        durs = [int(f.get("pkt_duration", 0) or 0) for f in d["frames"]]
        last = durs[-1] if durs[-1] > 0 else (ts[-1] - ts[-2] if n > 1 else 0)
        pts = [t * num / den for t in ts]
        rel = [x - pts[0] for x in pts]
        span = (ts[-1] + last - ts[0]) * num / den
        return pts, rel, span
    fps = rate(st["avg_frame_rate"]) or rate(st["r_frame_rate"]) or 25.0
    rel = [k / fps for k in range(n)]
    pts = [t * num / den if t is not None else k / fps for k, t in enumerate(ts)]
    if float(st.get("duration", 0) or 0) > 0:
        span = float(st["duration"])
    elif float(d.get("format", {}).get("duration", 0) or 0) > 0:
        span = float(d["format"]["duration"])
    else:
        span = n / fps
    return pts, rel, span


def cv_props(path):
    if cv2 is None:
        return None
    cap = cv2.VideoCapture(path)
    total, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return total, fps


def cv_frames(path):
    cap = cv2.VideoCapture(path)
    out = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f)
    return out


def shown_at(rel, t):
    k = 0
    for i, r in enumerate(rel):
        if r <= t + 1e-6:
            k = i
    return k


def expected(plan, rel, span, cv):
    n = len(rel)
    s = plan["sampler"]
    if s == "uniform":
        return [int(x) for x in np.linspace(0, n - 1, plan["count"], dtype=int)]
    if s == "uniform-round":
        return [int(x) for x in np.linspace(0, n - 1, plan["count"]).round().astype(int)]
    if s == "uniform-time":
        N = plan["count"]
        return [shown_at(rel, (i + 0.5) * span / N) for i in range(N)]
    if s == "fps":
        k = max(1, math.ceil(span * plan["fps"] - 1e-9))
        if k > plan["max_count"]:
            N = plan["max_count"]
            return [shown_at(rel, (i + 0.5) * span / N) for i in range(N)]
        return [shown_at(rel, i / plan["fps"]) for i in range(k)]
    if s == "sti-interval":
        total = cv[0]
        interval = max(1, int(total / plan["count"]))
        out = []
        for idx in range(total):          # openai_test.py get_frame()
            if idx >= n:
                break                     # cap.read() fails
            if idx % interval == 0:
                out.append(idx)
                if len(out) >= plan["count"]:
                    break
        return out
    raise ValueError(s)


def plan_args(plan):
    a = ["--sampler", plan["sampler"]]
    if "count" in plan:
        a += ["--count", plan["count"]]
    if "fps" in plan:
        a += ["--fps", plan["fps"], "--max-count", plan["max_count"]]
    return a


PLANS = [
    {"sampler": "uniform", "count": 1},
    {"sampler": "uniform", "count": 7},
    {"sampler": "uniform", "count": 16},
    {"sampler": "uniform", "count": 32},
    {"sampler": "uniform-round", "count": 30},
    {"sampler": "uniform-time", "count": 5},
    {"sampler": "fps", "fps": 2.0, "max_count": 32},
    {"sampler": "fps", "fps": 30.0, "max_count": 8},
    {"sampler": "sti-interval", "count": 30},
]


GEN_PLANS = [PLANS[2], PLANS[4], PLANS[5], PLANS[6], PLANS[8]]


def check_clip(name, path, pixels=True, plans=None):
    cv = cv_props(path)
    rc, js, err = frames(path, "--count", 4)
    if rc != 0:
        report(False, "%s: extracts" % name, err)
        return
    meta = js["meta"]
    pts, rel, span = ffprobe_truth(path, meta["timing"])
    n = len(pts)
    report(meta["frame_count"] == n, "%s: frame count = ffprobe's decoded frames (%d)" % (name, n),
           meta["frame_count"])
    report(abs(meta["duration"] - span) < 1e-6, "%s: duration = %.6f" % (name, span), meta["duration"])
    if cv is not None:
        report(meta["cv_frame_count"] == max(cv[0], 0) and abs(meta["cv_fps"] - cv[1]) < 1e-9,
               "%s: cv_frame_count/cv_fps = OpenCV's %s" % (name, cv),
               (meta["cv_frame_count"], meta["cv_fps"]))
    for plan in plans or PLANS:
        if plan["sampler"] == "sti-interval" and (cv is None or cv[0] <= 0):
            continue
        rc, js, err = frames(path, *plan_args(plan))
        label = "%s: %s" % (name, json.dumps(plan, sort_keys=True))
        if rc != 0:
            report(False, label, err)
            continue
        want = expected(plan, rel, span, cv)
        got = [f["index"] for f in js["frames"]]
        gpts = [f["pts"] for f in js["frames"]]
        ok = got == want and all(abs(gpts[i] - pts[k]) < 1e-9 for i, k in enumerate(want))
        detail = "" if ok else "got %s %s want %s %s" % (got, gpts, want, [pts[k] for k in want])
        if ok and plan["sampler"] == "sti-interval":
            sfps = (cv[1] or 1.0) / max(1, int(cv[0] / plan["count"]))
            ok = abs(js["meta"]["sample_fps"] - sfps) < 1e-9
            detail = "sample_fps %r want %r" % (js["meta"]["sample_fps"], sfps)
        report(ok, label, detail)
        report(js["stats"]["substituted"] == 0, label + ": no substitutes", js["stats"])
    if pixels and cv2 is not None:
        out = os.path.join(TMP, "px-" + name.replace("/", "_"))
        rc, js, err = frames(path, "--count", 6, "--format", "png", out=out)
        ref = cv_frames(path)
        diffs = []
        for f in js["frames"]:
            a = cv2.imread(os.path.join(out, f["file"])).astype(int)
            b = ref[f["index"]].astype(int)
            if js["meta"]["rotation"] in (90, 270):
                b = b[::-1, ::-1]   # OpenCV 4.6 turns +-90 degree clips the other way
            diffs.append(float(np.abs(a - b).mean()) if a.shape == b.shape else 999.0)
        tol = 1.0 if "10bit" in name or "h10" in name else 0.0
        report(max(diffs) <= tol, "%s: PNG pixels = OpenCV's frame k" % name, diffs)


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True, cwd=TMP, capture_output=True)


def gen_clips():
    src = "-v error -y -f lavfi -i testsrc2=duration=3:size=320x240:rate=25"
    vfr = ("-vf \"setpts='if(lt(N,30),N/(25*TB),(30/25+(N-30)/5)/TB)'\" -fps_mode passthrough")
    cmds = {
        "vfr.mp4": "ffmpeg %s %s -c:v libx264 -pix_fmt yuv420p vfr.mp4" % (src, vfr),
        "raw.h264": "ffmpeg %s -c:v libx264 -bf 2 -pix_fmt yuv420p -f h264 raw.h264" % src,
        "streamed.mkv": "ffmpeg %s -c:v libx264 -bf 2 -pix_fmt yuv420p -f matroska - | cat > streamed.mkv" % src,
        "longgop.mp4": "ffmpeg %s -c:v libx264 -bf 3 -g 300 -pix_fmt yuv420p longgop.mp4" % src,
        "h10.mkv": "ffmpeg %s -c:v libx264 -pix_fmt yuv420p10le h10.mkv" % src,
        "hd.mp4": "ffmpeg -v error -y -f lavfi -i testsrc2=duration=1:size=1920x1080:rate=25 "
                  "-c:v libx264 -preset ultrafast -g 12 -pix_fmt yuv420p -movflags +faststart hd.mp4",
        "hevc.mp4": "ffmpeg %s -c:v libx265 -x265-params log-level=error -pix_fmt yuv420p hevc.mp4" % src,
        "vp9.webm": "ffmpeg %s -c:v libvpx-vp9 -deadline realtime -b:v 200k vp9.webm" % src,
        "av1.mkv": "ffmpeg %s -c:v libaom-av1 -cpu-used 8 -b:v 100k av1.mkv" % src,
        "mp4v.avi": "ffmpeg %s -c:v mpeg4 -bf 2 mp4v.avi" % src,
    }
    made = []
    for name, cmd in cmds.items():
        try:
            sh(cmd)
            made.append(name)
        except subprocess.CalledProcessError as e:
            report(False, "generate %s" % name, e.stderr)
    return made


def png_pixels(path):
    """Decode an 8-bit RGB PNG (all filter types): rows of (r, g, b) tuples."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype == 2
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw = zlib.decompress(idat)
    stride, bpp, rows, prev = w * 3, 3, [], bytearray(w * 3)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, rows


def bright_centre(path):
    w, h, rows = png_pixels(path)
    xs = ys = cnt = 0
    for y in range(h):
        for x in range(w):
            if rows[y][3 * x] > 200 and rows[y][3 * x + 1] > 200:
                xs += x
                ys += y
                cnt += 1
    return w, h, (xs / cnt / w, ys / cnt / h) if cnt else None


def check_rotation():
    sh("ffmpeg -v error -y -f lavfi -i color=c=black:s=320x240:r=5:d=1 "
       "-vf drawbox=x=0:y=0:w=64:h=48:color=white:t=fill -c:v libx264 -pix_fmt yuv420p box.mp4")
    for deg in (0, 90, 180, 270):
        name = "box%d.mp4" % deg
        sh("ffmpeg -v error -y -i box.mp4 -c copy -metadata:s:v:0 rotate=%d %s" % (deg, name))
        out = os.path.join(TMP, "rot%d" % deg)
        rc, js, err = frames(os.path.join(TMP, name), "--count", 1, "--format", "png", out=out)
        if rc != 0:
            report(False, "rotation %d: extracts" % deg, err)
            continue
        w, h, c = bright_centre(os.path.join(out, js["frames"][0]["file"]))
        sh("ffmpeg -v error -y -i %s -frames:v 1 ff%d.png" % (name, deg))
        fw, fh, fc = bright_centre(os.path.join(TMP, "ff%d.png" % deg))
        want_dims = (240, 320) if deg in (90, 270) else (320, 240)
        report((w, h) == want_dims and (fw, fh) == want_dims, "rotation %d: %dx%d" % (deg, w, h),
               ((w, h), (fw, fh)))
        # the bright box (top-left in the coded picture) lands where ffmpeg's
        # own autorotation puts it, and where turning clockwise by the
        # rotation steval reports moves the top-left corner
        rot = js["meta"]["rotation"]
        corner = {0: (0, 0), 90: (1, 0), 180: (1, 1), 270: (0, 1)}[rot]
        quad = (int(c[0] > 0.5), int(c[1] > 0.5)) if c else None
        fquad = (int(fc[0] > 0.5), int(fc[1] > 0.5)) if fc else None
        report(quad == fquad == corner and (rot == 0) == (deg == 0),
               "rotation tag %d: turned %d clockwise, the box lands like ffmpeg's" % (deg, rot),
               (c, fc, js["meta"]))
    # scaling applies to the displayed size
    rc, js, err = frames(os.path.join(TMP, "box90.mp4"), "--count", 1, "--max-side", 160)
    report(rc == 0 and (js["frames"][0]["width"], js["frames"][0]["height"]) == (120, 160),
           "rotation 90 + max-side 160: 120x160", js and js["frames"][0])


def fit(w, h, side, pixels):
    s = 1.0
    if side and max(w, h) > side:
        s = side / max(w, h)
    if pixels and w * h * s * s > pixels:
        s = math.sqrt(pixels / (w * h))
    if s >= 1:
        return w, h
    rw, rh = math.floor(w * s + 0.5), math.floor(h * s + 0.5)
    if pixels and rw * rh > pixels:
        rw, rh = math.floor(w * s), math.floor(h * s)
    return max(1, rw), max(1, rh)


def check_sizes():
    hd = os.path.join(TMP, "hd.mp4")
    for side, pixels in ((768, 0), (0, 151200), (500, 100000), (4000, 0), (1, 0)):
        rc, js, err = frames(hd, "--count", 2, "--max-side", side, "--max-pixels", pixels)
        want = fit(1920, 1080, side, pixels)
        got = (js["frames"][0]["width"], js["frames"][0]["height"]) if js else None
        ok = got == want and (not pixels or want[0] * want[1] <= pixels)
        report(ok, "max_side %d max_pixels %d: %s" % (side, pixels, want), got or err)


def dqt_tables(data):
    """The quantisation tables of a JPEG, in zigzag order."""
    out, i = [], 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        m, ln = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if m == 0xDB:
            j = i + 4
            while j < i + 2 + ln:
                pq = data[j] >> 4
                size = 128 if pq else 64
                vals = data[j + 1:j + 1 + size]
                out.append(list(struct.unpack(">64H", vals)) if pq else list(vals))
                j += 1 + size
        if m == 0xDA:
            break
        i += 2 + ln
    return out


LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,
          7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31,
          39, 46, 53, 60, 61, 54, 47, 55, 62, 63]


def libjpeg_luma(q):
    scale = 5000 // q if q < 50 else 200 - 2 * q
    return [min(255, max(1, (LUMA[z] * scale + 50) // 100)) for z in ZIGZAG]


def check_jpeg():
    clip = os.path.join(VIDEO, "open-mmlab+mmaction2", "tests", "data", "test.mp4")
    for q in (95, 75, 50, 10):
        out = os.path.join(TMP, "q%d" % q)
        rc, js, err = frames(clip, "--count", 1, "--quality", q, out=out)
        data = open(os.path.join(out, js["frames"][0]["file"]), "rb").read()
        tabs = dqt_tables(data)
        want = libjpeg_luma(q)
        ok = bool(tabs) and tabs[0][1:] == want[1:]
        detail = (tabs[0][:8] if tabs else None, want[:8])
        if ok and cv2 is not None:
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])[1].tobytes()
            cvt = dqt_tables(enc)
            ok = cvt[0][1:] == tabs[0][1:] and cvt[1][1:] == tabs[1][1:]
            detail = "OpenCV's tables differ: %s %s" % (cvt[0][:8], tabs[0][:8])
        report(ok, "jpeg quality %d: libjpeg's quantisation tables (AC)" % q, detail)
        report(data[2:4] == b"\xff\xe0" and data[6:10] == b"JFIF", "jpeg quality %d: JFIF" % q)


def check_rgb_swap():
    clip = os.path.join(VIDEO, "open-mmlab+mmaction2", "tests", "data", "test.mp4")
    a = os.path.join(TMP, "swap0")
    b = os.path.join(TMP, "swap1")
    frames(clip, "--count", 1, "--format", "png", out=a)
    frames(clip, "--count", 1, "--format", "png", "--rgb-swap", out=b)
    _, _, ra = png_pixels(os.path.join(a, "frame_000.png"))
    _, _, rb = png_pixels(os.path.join(b, "frame_000.png"))
    ok = all(ra[y][3 * x] == rb[y][3 * x + 2] and ra[y][3 * x + 2] == rb[y][3 * x]
             and ra[y][3 * x + 1] == rb[y][3 * x + 1] for y in range(len(ra)) for x in range(len(ra[0]) // 3))
    report(ok, "rgb_swap: red and blue exchanged, green kept")
    if cv2 is not None:
        # the JPEG the official openai_test.py sends: cv2.imencode of an RGB array
        cap = cv2.VideoCapture(clip)
        bgr = cap.read()[1]
        off = cv2.imdecode(cv2.imencode(".jpeg", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))[1], cv2.IMREAD_COLOR)
        c = os.path.join(TMP, "swapj")
        frames(clip, "--count", 1, "--sampler", "sti-interval", "--rgb-swap", "--quality", 95, out=c)
        ours = cv2.imread(os.path.join(c, "frame_000.jpg"))
        d = float(np.abs(ours.astype(int) - off.astype(int)).mean())
        d0 = float(np.abs(ours.astype(int) - bgr.astype(int)).mean())
        report(d < 2.0 and d0 > 10, "rgb_swap: matches STI's official JPEG (mean diff %.2f, unswapped %.2f)"
               % (d, d0))


def check_window():
    clip = os.path.join(VIDEO, "open-mmlab+mmaction2", "tests", "data", "test.mp4")
    pts, rel, span = ffprobe_truth(clip, "container")
    for a, b, n in ((1.0, 2.0, 4), (0.5, 0.52, 2), (9.0, 100.0, 3)):
        rc, js, err = frames(clip, "--count", n, "--start", a, "--end", b)
        inside = [k for k, p in enumerate(pts) if a - 1e-6 <= p - pts[0] <= b + 1e-6]
        if not inside:
            inside = [shown_at([p - pts[0] for p in pts], a)]
        want = [inside[0] + int(x) for x in np.linspace(0, len(inside) - 1, n, dtype=int)]
        got = [f["index"] for f in js["frames"]] if js else None
        report(got == want, "window [%g, %g] N=%d" % (a, b, n), (got, want, err))
    rc, js, err = frames(clip, "--count", 3, "--start", 50, "--end", 60)
    report(rc == 2 and "after the end of the video" in err and clip in err,
           "window after the end: clean error naming the video", err)
    rc, js, err = frames(clip, "--count", 3, "--start", 1, "--end", 2, "--no-window")
    report(rc == 0 and [f["index"] for f in js["frames"]] == [0, 149, 299], "window=false ignores the window")


def check_strategies(paths):
    for p in paths:
        hashes = []
        for s in ("auto", "sequential", "seek"):
            rc, js, err = frames(p, "--count", 9, "--strategy", s)
            hashes.append([f["index"] for f in js["frames"]] + [js and x["pixels"] for x in js["frames"]]
                          if js else err)
        report(hashes[0] == hashes[1] == hashes[2],
               "%s: seeking/skipping gives the pixels of a full sequential decode" % os.path.basename(p),
               hashes)


def check_corrupt(paths):
    random.seed(4)
    bad = []
    for p in paths:
        data = bytearray(open(p, "rb").read())
        base = os.path.basename(p)
        t = os.path.join(TMP, "trunc-" + base)
        open(t, "wb").write(data[:len(data) // 2])
        bad.append(t)
        for k in range(2):
            f = os.path.join(TMP, "flip%d-%s" % (k, base))
            d = bytearray(data)
            for _ in range(40 * (k + 1)):
                i = random.randrange(min(len(d) - 1, 1500), len(d))
                d[i] ^= 1 << random.randrange(8)
            open(f, "wb").write(d)
            bad.append(f)
    junk = os.path.join(TMP, "noise.mp4")
    open(junk, "wb").write(bytes(random.randrange(256) for _ in range(50000)))
    text = os.path.join(TMP, "notes.json")
    open(text, "w").write('{"not": "a video"}\n')
    empty = os.path.join(TMP, "empty.mkv")
    open(empty, "wb").close()
    wav = os.path.join(TMP, "tone.wav")
    sh("ffmpeg -v error -y -f lavfi -i sine=d=0.5 tone.wav")
    for p in bad + [junk, text, empty, wav, os.path.join(TMP, "missing.mp4"), TMP]:
        rc, js, err = frames(p, "--count", 6)
        clean = "Sanitizer" not in err and "runtime error" not in err
        if rc == 0:
            ok = clean and js is not None and len(js["frames"]) == 6
        else:
            ok = clean and rc == 2 and ("'%s'" % p) in err and err.count("\n") <= 3
        report(ok, "damaged input %s: exit %d, clean" % (os.path.basename(p), rc), err[-300:])
    rc, js, err = frames(os.path.join(TMP, "tone.wav"), "--count", 2)
    report(rc == 2 and "no video stream" in err, "audio only: 'no video stream'", err)


def main():
    clips = json.load(open(os.path.join(VIDEO, "ffprobe.json")))
    for c in clips:
        check_clip(c, os.path.join(VIDEO, c))
    made = gen_clips()
    for c in made:
        check_clip("generated " + c, os.path.join(TMP, c), pixels=(c != "hd.mp4"), plans=GEN_PLANS)
    check_rotation()
    if "hd.mp4" in made:
        check_sizes()
    check_jpeg()
    check_rgb_swap()
    check_window()
    check_strategies([os.path.join(TMP, c) for c in made if c in ("longgop.mp4", "hevc.mp4", "vp9.webm",
                                                                    "hd.mp4", "av1.mkv", "vfr.mp4")]
                     + [os.path.join(VIDEO, "dmlc+decord", "examples", "flipping_a_pancake.mkv"),
                        os.path.join(VIDEO, "pytorch+torchcodec", "test", "resources", "nasa_13013.mp4")])
    check_corrupt([os.path.join(TMP, c) for c in made if c in ("longgop.mp4", "streamed.mkv", "mp4v.avi",
                                                                 "vp9.webm")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
