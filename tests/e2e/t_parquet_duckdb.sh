# The Parquet reader against files written by another writer on this machine:
# DuckDB (npm @duckdb/node-api, installed into tests/duckdb on demand) writes
# STI-Bench-, VSI-Bench-shaped and all-types tables with several codecs, row
# group sizes and format versions; `steval cat` must give the same values as
# DuckDB's own JSON export (tests/e2e/parquet_duckdb.py lists the
# representation differences it normalises).
. "$(dirname "$0")/lib.sh"
DDB=$ROOT/tests/duckdb
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    skip "DuckDB comparison" "node/npm not installed (sh tests/deps.sh all)"
    finish
    exit $?
fi
if [ ! -d "$DDB/node_modules/@duckdb/node-api" ]; then
    if ! (cd "$DDB" && npm install --no-save --no-audit --no-fund --loglevel=error) >"$TMP/npm.log" 2>&1; then
        skip "DuckDB comparison" "cannot install @duckdb/node-api: $(tail -n 1 "$TMP/npm.log")"
        finish
        exit $?
    fi
fi
mkdir -p "$TMP/ddb"
if ! node "$DDB/gen.mjs" "$TMP/ddb" >"$TMP/gen.log" 2>&1; then
    _report 1 "DuckDB writes the test files" "$(tail -n 20 "$TMP/gen.log")"
    finish
    exit $?
fi
python3 "$ROOT/tests/e2e/parquet_duckdb.py" "$STEVAL" "$TMP/ddb"
