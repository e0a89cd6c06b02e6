# The Parquet reader against the shared corpus: every file an independent
# reader (hyparquet) reads, every expected-content companion (hyparquet JSON,
# parquet-dotnet CSV/JSON, parquet-testing *_expect.csv). See
# tests/e2e/parquet_corpus.py for the comparison rules and exceptions.
. "$(dirname "$0")/lib.sh"
if [ ! -d "$SHARED/data/parquet" ]; then
    skip "parquet corpus" "no $SHARED/data/parquet"
    finish
    exit $?
fi
python3 "$ROOT/tests/e2e/parquet_corpus.py" "$STEVAL" "$SHARED/data/parquet"
