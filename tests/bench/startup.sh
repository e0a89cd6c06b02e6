#!/bin/sh
# Startup benchmark: what a command that decodes no video pays to start,
# and `steval score --no-report` beside its floor, for this binary and
# (STEVAL_BEFORE) another one, run interleaved in one loop so both see the
# same machine load. The FFmpeg plugin (harness/frames/avplugin.h) is what
# the difference measures when STEVAL_BEFORE is a build from before it.
#
#   STEVAL_BEFORE=OLD/steval VLM4D_PREDS=DIR sh tests/bench/startup.sh [REPS]
#
# Times are wall-clock medians (and minima) of REPS runs (default 15), and
# the median CPU time (user + system) of each, which load moves less. The
# floor is the process start of this binary (`steval list suites`) plus
# reading and parsing the same JSON in-process (tests/bench/json_floor).
# `score --no-report` takes the stored verdicts (--verdicts), `(rules)`
# grades with the protocol's extractor alone (issue 14's 50 ms case).
set -eu
cd "$(dirname "$0")/../.."
STEVAL=${STEVAL:-$PWD/steval}
BEFORE=${STEVAL_BEFORE:-}
BIN=${STEVAL_BENCH_BIN:-$PWD/build/default/bench}
SHARED=${STEVAL_SHARED:-$PWD/../shared}
REPS=${1:-15}
DATA=$SHARED/data/vlm4d/data
[ -x "$BIN/json_floor" ] || make --no-print-directory "${BIN#$PWD/}/json_floor" >/dev/null
if [ ! -f "$DATA/real_mc.json" ]; then
    echo "startup bench: no $DATA/real_mc.json" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/steval-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
P=${VLM4D_PREDS:-}
if [ -n "$P" ] && [ -f "$P/real_mc_cot/gpt-4o_32frame.json" ]; then
    IN="$P/real_mc_cot/gpt-4o_32frame.json $P/synthetic_mc_cot/gpt-4o_32frame.json"
    what="gpt-4o_32frame, real + synthetic CoT (1,816 items)"
else
    IN=$SHARED/data/vlm4d/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json
    what="Qwen2.5-VL-7B, real CoT (1,371 items; set VLM4D_PREDS for 1,816)"
fi
libs() { ldd "$1" | grep -c '=>\|ld-linux' || true; }

echo "== startup benchmark ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)): $what, $REPS runs"
# shellcheck disable=SC2086
python3 - "$REPS" "$STEVAL" "$BEFORE" "$BIN/json_floor" "$DATA" "$T" $IN <<'PY'
import os, statistics, subprocess, sys, time
reps, new, old, floor, data, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
inputs = sys.argv[7:]
bins = [("after", new)] + ([("before", old)] if old else [])
cmds = [
    ("--version", ["--version"]),
    ("list suites", ["list", "suites"]),
    ("score --no-report", ["score", "--suite", "vlm4d", "--data", data, "--protocol", "cot",
                           "--verdicts", "--no-report", "--out", tmp + "/nr"] + inputs),
    ("score --no-report (rules)", ["score", "--suite", "vlm4d", "--data", data, "--protocol", "cot",
                                   "--no-report", "--out", tmp + "/nr2"] + inputs),
]
t, cpu = {}, {}
parse = []
nrun = 0
for r in range(reps):
    order = bins if r % 2 == 0 else bins[::-1]
    for name, b in order:
        for cname, args in cmds:
            if cname.startswith("score"):
                # a fresh --out each time: score refuses to replace scores without --force
                nrun += 1
                args = args[:-len(inputs) - 1] + ["%s.%d" % (args[-len(inputs) - 1], nrun)] + inputs
            s = time.perf_counter()
            pr = subprocess.Popen([b] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, st, ru = os.wait4(pr.pid, 0)
            pr.returncode = 0
            if st != 0:
                sys.exit("%s %s failed" % (b, " ".join(args)))
            t.setdefault((name, cname), []).append(time.perf_counter() - s)
            cpu.setdefault((name, cname), []).append(ru.ru_utime + ru.ru_stime)
    out = subprocess.run([floor] + inputs + [data + "/real_mc.json", data + "/synthetic_mc.json"],
                         capture_output=True, text=True, check=True).stdout
    parse.append(float(out.rsplit("seconds=", 1)[1]))
med = lambda v: statistics.median(v) * 1000
start = med(t[("after", "list suites")])
fl = start + med(parse)
print("%-40s %9s %9s %9s %9s" % ("", "median ms", "min ms", "x floor", "CPU ms"))
print("%-40s %9.1f %9.1f" % ("floor: read + parse the JSON", med(parse), min(parse) * 1000))
print("%-40s %9.1f %9s %9s" % ("floor: start (list suites) + parse", fl, "", "1.0"))
for cname, _ in cmds:
    for name, _ in bins:
        v = t[(name, cname)]
        x = "%.2f" % (med(v) / fl) if cname.startswith("score") else ""
        print("%-40s %9.1f %9.1f %9s %9.1f" % ("%s: %s" % (name, cname), med(v), min(v) * 1000, x,
                                              med(cpu[(name, cname)])))
PY
echo "shared objects loaded at start: after $(libs "$STEVAL")${BEFORE:+, before $(libs "$BEFORE")}"
