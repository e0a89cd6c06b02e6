# Parquet: `steval cat` against DuckDB reading the same file and writing the
# same rows as JSON lines, side by side, alternating, several rounds.
#   BENCH_ROWS (100000)  BENCH_ROWGROUP (10000)  BENCH_ROUNDS (5)
# Needs node and tests/duckdb/node_modules (sh tests/deps.sh all installs it).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STEVAL=${STEVAL:-$ROOT/steval}
DDB=$ROOT/tests/duckdb
if ! command -v node >/dev/null 2>&1; then
    echo "parquet: skipped (node is not installed)"
    exit 0
fi
if [ ! -d "$DDB/node_modules/@duckdb/node-api" ] &&
   ! (cd "$DDB" && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
    echo "parquet: skipped (cannot install @duckdb/node-api from the npm registry)"
    exit 0
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/steval-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
node "$DDB/gen.mjs" --bench "$TMP/bench.parquet" "${BENCH_ROWS:-100000}" "${BENCH_ROWGROUP:-10000}" || exit 1
python3 - "$STEVAL" "$DDB/gen.mjs" "$TMP" "${BENCH_ROUNDS:-5}" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
steval, gen, tmp, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pq = os.path.join(tmp, "bench.parquet")
out = os.path.join(tmp, "out.json")

def run_steval():
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(out, "wb") as f:
        subprocess.run([steval, "cat", pq], stdout=f, check=True)
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t1 - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)

def run_duckdb(threads):
    p = subprocess.run(["node", gen, "--time", pq, out, str(threads)], capture_output=True, check=True)
    d = json.loads(p.stdout)
    return d["wall"], d["cpu"]

meta = subprocess.run([steval, "cat", "--meta", pq], capture_output=True, text=True).stdout
rows = meta.split("rows: ")[1].split(" ")[0]
groups = meta.count("\nrow group ")
run_steval()  # warm the page cache
res = {"steval": [], "duck1": [], "duck2": []}
for _ in range(rounds):
    res["steval"].append(run_steval())
    res["duck1"].append(run_duckdb(1))
    res["duck2"].append(run_duckdb(2))
lines = subprocess.run(["wc", "-l", out], capture_output=True, text=True).stdout.split()[0]
med = {k: (statistics.median(w for w, c in v), statistics.median(c for w, c in v)) for k, v in res.items()}
print("parquet: %s rows in %d row groups, %.1f MB (DuckDB-written, SNAPPY); %d rounds, medians"
      % (rows, groups, os.path.getsize(pq) / 1e6, rounds))
print("  steval cat FILE > out.json                %6.3f s wall %6.3f s cpu" % med["steval"])
print("  duckdb COPY ... TO out.json, 1 thread     %6.3f s wall %6.3f s cpu" % med["duck1"])
print("  duckdb COPY ... TO out.json, 2 threads    %6.3f s wall %6.3f s cpu" % med["duck2"])
print("  ratio steval/duckdb (1 thread):  wall %.2f  cpu %.2f" % (med["steval"][0] / med["duck1"][0], med["steval"][1] / med["duck1"][1]))
print("  ratio steval/duckdb (2 threads): wall %.2f  cpu %.2f" % (med["steval"][0] / med["duck2"][0], med["steval"][1] / med["duck2"][1]))
print("  (DuckDB times exclude node's start-up; steval's include its process start)")
PY
