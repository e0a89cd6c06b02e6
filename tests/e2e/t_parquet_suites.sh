#!/bin/sh
# Suites load their Parquet sources as published: DuckDB (npm) writes the
# STI-Bench, VSI-Bench and VSTI-Bench fixtures as Parquet (STI's Candidates as
# a struct, a map and JSON text; VSI's options list<string> null for numerical
# questions; VSTI as two shards forming one split) together with its own JSON
# Lines export of the same tables. steval must load the same items from both
# and render every prompt of every protocol byte for byte the same; the JSONL
# path is itself checked against the official prompt code (t_prompts.sh).
. "$(dirname "$0")/lib.sh"
DDB=$ROOT/tests/duckdb
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    skip "Parquet suites" "node/npm not installed (sh tests/deps.sh all)"
    finish
    exit $?
fi
if [ ! -d "$DDB/node_modules/@duckdb/node-api" ] &&
   ! (cd "$DDB" && npm install --no-save --no-audit --no-fund --loglevel=error) >"$TMP/npm.log" 2>&1; then
    skip "Parquet suites" "cannot install @duckdb/node-api: $(tail -n 1 "$TMP/npm.log")"
    finish
    exit $?
fi
if ! node "$DDB/suites.mjs" "$ROOT" "$TMP/pq" >"$TMP/gen.log" 2>&1; then
    _report 1 "DuckDB writes the suite fixtures" "$(tail -n 20 "$TMP/gen.log")"
    finish
    exit $?
fi

# same_prompts SUITE CASE: every protocol, every item, Parquet vs JSONL
same_prompts() {
    suite=$1 case=$2
    for proto in $("$STEVAL" list protocols | awk -v s="$suite" '$1 == s { print $2 }'); do
        a=$TMP/d/$case/$proto/pq b=$TMP/d/$case/$proto/jsonl
        if ! "$STEVAL" show "$suite" --data "$TMP/pq/$case/pq" --protocol "$proto" --dump "$a" 2>"$TMP/err"; then
            _report 1 "$case $proto: Parquet loads" "$(cat "$TMP/err")"
            continue
        fi
        "$STEVAL" show "$suite" --data "$TMP/pq/$case/jsonl" --protocol "$proto" --dump "$b" 2>"$TMP/err" ||
            { _report 1 "$case $proto: JSONL loads" "$(cat "$TMP/err")"; continue; }
        diff=$(python3 - "$a" "$b" <<'PY'
import sys
def load(d):
    out = {}
    for line in open(d + "/index.tsv", encoding="utf-8"):
        i, f = line.rstrip("\n").split("\t")
        out[i] = open(d + "/" + f, "rb").read()
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
if set(a) != set(b):
    print("ids differ:", sorted(set(a) ^ set(b))[:5])
for i in sorted(set(a) & set(b)):
    if a[i] != b[i]:
        print("item", i, "differs:\n parquet:", a[i][:300], "\n jsonl:  ", b[i][:300])
        break
print("n=%d" % len(a))
PY
)
        case "$diff" in
        n=0) _report 1 "$case $proto: prompts from Parquet = from JSONL" "no items" ;;
        n=*) _report 0 "$case $proto: prompts from Parquet = from JSONL (${diff#n=} items)" ;;
        *)   _report 1 "$case $proto: prompts from Parquet = from JSONL" "$diff" ;;
        esac
    done
}

for c in sti-struct sti-map sti-json; do
    same_prompts sti-bench $c
done
same_prompts vsi-bench vsi
same_prompts vsti-bench vsti

out=$("$STEVAL" show vsti-bench --data "$TMP/pq/vsti/pq")
expect_match "VSTI: two shards form one split" "$out" "data/test-00000-of-00002.parquet: [0-9]+ items"
expect_match "VSTI: the second shard is read too" "$out" "data/test-00001-of-00002.parquet: [0-9]+ items"
n_pq=$(printf '%s\n' "$out" | sed -n 's/^data: .*, \([0-9]*\) items$/\1/p')
n_js=$(wc -l <"$ROOT/fixtures/vsti-bench/test.jsonl")
expect_eq "VSTI: every fixture item is loaded from the shards" "$n_pq" "$n_js"

# STI's Candidates: the struct, map and JSON forms give the same options
for c in sti-struct sti-map sti-json; do
    "$STEVAL" show sti-bench --data "$TMP/pq/$c/pq" --protocol opensource --dump "$TMP/o-$c" 2>/dev/null
done
d1=$(cd "$TMP/o-sti-struct" && cat $(cut -f2 index.tsv) | sha256sum)
d2=$(cd "$TMP/o-sti-map" && cat $(cut -f2 index.tsv) | sha256sum)
d3=$(cd "$TMP/o-sti-json" && cat $(cut -f2 index.tsv) | sha256sum)
expect_eq "STI Candidates: map = struct" "$d2" "$d1"
expect_eq "STI Candidates: JSON text = struct" "$d3" "$d1"

# Offline scoring reads the Parquet suite too
run=$("$STEVAL" run vsi-bench --data "$TMP/pq/vsi/pq" --model baseline:frequency --out "$TMP/runs" 2>"$TMP/err")
expect_file "a baseline run over the Parquet VSI fixture" "$run/results.json"

# A broken Parquet source is an input error naming the file
printf 'PAR1 not really' >"$TMP/bad.parquet"
mkdir -p "$TMP/badpq" && cp "$TMP/bad.parquet" "$TMP/badpq/qa.parquet"
out=$("$STEVAL" show sti-bench --data "$TMP/badpq" 2>&1); rc=$?
expect_eq "broken qa.parquet: exit 2" "$rc" 2
expect_match "broken qa.parquet: the file is named" "$out" "badpq/qa.parquet"
finish
