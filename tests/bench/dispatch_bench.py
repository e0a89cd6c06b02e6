#!/usr/bin/env python3
"""The dispatch benchmark behind tests/bench/dispatch.sh (see there)."""
import json
import statistics
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PY = sys.executable
# The loopback server: the C latency_server (tests/bench/latency_server.c,
# its path in DISPATCH_BENCH_SERVER) or "python" for tests/servers/fake_llm.py.
SERVER = os.environ.get("DISPATCH_BENCH_SERVER", "python")


def run(steval, n, conc, lat, frames, frame_bytes, tmp):
    data = os.path.join(tmp, "data-%d" % frames)
    spec = os.path.join(tmp, "bench-%d.json" % frames)
    if not os.path.exists(spec):
        subprocess.run([PY, os.path.join(ROOT, "tests/e2e/dispatch_data.py"), data, "--items", str(n),
                        "--images", str(frames), "--image-bytes", str(frame_bytes), "--spec", spec],
                       check=True, stdout=subprocess.DEVNULL)
    if SERVER == "python":
        cmd = [PY, os.path.join(ROOT, "tests/servers/fake_llm.py"), "--no-parse",
               "--latency", str(lat), "--answer", "B", "--procs", "4"]
    else:
        cmd = [SERVER, "--latency", str(lat), "--answer", "B"]
    srv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(srv.stdout.readline().split()[1])
        out = os.path.join(tmp, "runs")
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.monotonic()
        p = subprocess.Popen([steval, "run", spec, "--data", data, "--out", out, "--no-progress",
                              "--model", "openai@http://127.0.0.1:%d/v1:bench" % port,
                              "--concurrency", str(conc), "--limit", str(n)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        rundir = p.stdout.read().strip()
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        if status != 0:
            sys.exit("bench: steval failed (status %d): %s" % (status, err))
        with open(os.path.join(rundir, "manifest.json")) as f:
            m = json.load(f)
        with open(os.path.join(rundir, "samples.jsonl")) as f:
            samples = [json.loads(l) for l in f]
        ok = sum(1 for s in samples if s["status"] != "error")
        body = frames * ((frame_bytes + 2) // 3 * 4)
        ideal = conc / lat
        return {
            "frames": frames, "n": n, "ok": ok, "conc": conc, "lat": lat, "wall": wall,
            "rate": n / wall, "ideal": ideal, "ratio": (n / wall) / ideal,
            "ideal_wall": (n + conc - 1) // conc * lat,
            "cpu_ms": (ru.ru_utime + ru.ru_stime) / n * 1000, "maxrss_mb": ru.ru_maxrss / 1024,
            "body_mb": body / 1e6, "connections": m["dispatch"]["connections"],
            "occupancy": m["dispatch"]["occupancy"],
            "loop": (n / m["dispatch"]["seconds"]) / ideal,
            "net_p50": sorted(s["latency"]["network"] for s in samples)[len(samples) // 2],
        }
    finally:
        srv.terminate()
        srv.wait()


def main():
    steval = os.environ.get("STEVAL", os.path.join(ROOT, "steval"))
    n = int(os.environ.get("DISPATCH_BENCH_N", "320"))
    conc = int(os.environ.get("DISPATCH_BENCH_C", "16"))
    lat = float(os.environ.get("DISPATCH_BENCH_L", "0.5"))
    reps = int(os.environ.get("DISPATCH_BENCH_REPS", "1"))
    # DISPATCH_BENCH_VS: another steval binary (say, a build of the previous
    # commit) run alternately with this one, each row of each repetition.
    binaries = [("", steval)]
    if os.environ.get("DISPATCH_BENCH_VS"):
        binaries = [("this ", steval), ("vs ", os.environ["DISPATCH_BENCH_VS"])]
    tmp = tempfile.mkdtemp(prefix="steval-bench-")
    try:
        print("dispatch: loopback server (%s), latency L=%.2f s, C=%d in flight, %d requests%s"
              % ("fake_llm.py" if SERVER == "python" else "latency_server", lat, conc, n,
                 ", medians of %d runs" % reps if reps > 1 else ""))
        if len(binaries) > 1:
            print("this = %s, vs = %s (run alternately)" % (steval, binaries[1][1]))
        print("%-27s %8s %8s %8s %7s %7s %7s %9s %8s %6s %8s" % ("payload", "wall s", "ideal s", "req/s", "ratio",
                                                                    "loop", "slots", "cpu ms/rq", "peak MiB", "conns",
                                                                    "net p50"))
        for frames, size in ((0, 75000), (32, 75000)):
            label = "text only" if frames == 0 else "%d frames x %d KB b64" % (frames, (size + 2) // 3 * 4 // 1000)
            runs = {b: [] for _, b in binaries}
            for _ in range(reps):
                for _, b in binaries:
                    r = run(b, n, conc, lat, frames, size, tmp)
                    if r["ok"] != n:
                        sys.exit("bench: %d of %d requests failed" % (n - r["ok"], n))
                    runs[b].append(r)
            for tag, b in binaries:
                rs = runs[b]
                med = {k: statistics.median(x[k] for x in rs) for k in
                       ("wall", "rate", "ratio", "loop", "occupancy", "cpu_ms", "maxrss_mb", "net_p50")}
                print("%-27s %8.2f %8.2f %8.2f %6.1f%% %6.1f%% %6.1f%% %9.2f %8.1f %6d %8.3f" % (
                    tag + label, med["wall"], rs[0]["ideal_wall"], med["rate"], 100 * med["ratio"],
                    100 * med["loop"], 100 * med["occupancy"], med["cpu_ms"], med["maxrss_mb"], rs[0]["connections"], med["net_p50"]))
                if reps > 1:
                    print("%-27s %s" % ("", " ".join("%.1f%%" % (100 * x["ratio"]) for x in rs)))
        print("ratio: measured throughput / (C/L), the whole process; loop: the same over the dispatch loop's")
        print("time (manifest dispatch.seconds: no start-up, no reports). slots: the share of it the C slots held a request")
        print("(steval's own gaps; the rest of the ratio's shortfall is the server taking longer than L).")
        try:
            print("load average during the run: %s" % open("/proc/loadavg").read().split()[0])
        except OSError:
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
