# steval cat: options, output forms, and robustness against corrupt files
# (parquet-testing/bad_data and truncated / bit-flipped copies of good files,
# generated here).
. "$(dirname "$0")/lib.sh"
D=$SHARED/data/parquet
PT=$D/parquet-testing/data

out=$("$STEVAL" cat "$PT/alltypes_plain.parquet" 2>&1); rc=$?
expect_eq "cat exits 0" "$rc" 0
expect_eq "cat prints 8 rows" "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 8
expect_eq "first row" "$(printf '%s\n' "$out" | head -n 1)" \
'{"id":4,"bool_col":true,"tinyint_col":0,"smallint_col":0,"int_col":0,"bigint_col":0,"float_col":0.0,"double_col":0.0,"date_string_col":"03/01/09","string_col":"0","timestamp_col":"2009-03-01 00:00:00"}'
expect_match "float32 widened, spelled like Python" "$out" '"float_col":1\.100000023841858,'

out=$("$STEVAL" cat --limit 2 --columns string_col,id "$PT/alltypes_plain.parquet")
expect_eq "--limit and --columns" "$out" '{"string_col":"0","id":4}
{"string_col":"1","id":5}'
out=$("$STEVAL" cat -n 1 -c id -c bool_col "$PT/alltypes_plain.parquet")
expect_eq "repeated -c" "$out" '{"id":4,"bool_col":true}'
out=$("$STEVAL" cat -n 3 "$PT/alltypes_plain.parquet" "$PT/alltypes_plain.parquet" | wc -l | tr -d ' ')
expect_eq "--limit counts over all files" "$out" 3
out=$("$STEVAL" cat -c bool_col "$PT/alltypes_plain.parquet" "$PT/alltypes_dictionary.parquet" | wc -l | tr -d ' ')
expect_eq "several files in a row" "$out" 10

out=$("$STEVAL" cat "$PT/nested_maps.snappy.parquet" | head -n 1)
expect_eq "maps as objects" "$out" '{"a":{"a":{"1":true,"2":false}},"b":1,"c":1.0}'
out=$("$STEVAL" cat "$PT/nested_lists.snappy.parquet" | head -n 1)
expect_eq "nested lists" "$out" '{"a":[[["a","b"],["c"]],[null,["d"]]],"b":1}'
out=$("$STEVAL" cat "$PT/old_list_structure.parquet")
expect_eq "2-level legacy list" "$out" '{"a":[[1,2],[3,4]]}'
out=$("$STEVAL" cat "$D/hyparquet/test/files/signs.parquet" | tail -n 1)
expect_eq "unsigned and 64-bit integers exactly" "$out" \
'{"unsigned_int8":255,"unsigned_int16":65535,"unsigned_int32":4294967295,"unsigned_int64":18446744073709551615,"signed_int8":127,"signed_int16":32767,"signed_int32":2147483647,"signed_int64":9223372036854775807}'
out=$("$STEVAL" cat -n 2 "$PT/byte_array_decimal.parquet")
expect_eq "decimals keep their scale" "$out" '{"value":1.00}
{"value":2.00}'
out=$("$STEVAL" cat -n 1 "$D/hyparquet/test/files/uuid.parquet")
expect_eq "uuid" "$out" '{"uuid":"550e8400-e29b-41d4-a716-446655440000"}'
out=$("$STEVAL" cat -n 1 "$PT/fixed_length_byte_array.parquet")
expect_eq "binary as DuckDB BLOB text" "$out" '{"flba_field":"\\x00\\x00\\x03\\xE8"}'
out=$("$STEVAL" cat "$PT/int96_from_spark.parquet" | head -n 1)
expect_eq "INT96 timestamps" "$out" '{"a":"2024-01-01 20:34:56.123456"}'

out=$("$STEVAL" cat --schema "$PT/list_columns.parquet")
expect_match "--schema shows the tree" "$out" 'optional group utf8_list \(LIST\) \{'
expect_match "--schema shows logical types" "$out" 'optional binary item \(STRING\);'
expect_match "--schema shows rows" "$out" '3 rows, 1 row group'
out=$("$STEVAL" cat --meta "$D/hyparquet/test/files/rowgroups.parquet")
expect_match "--meta lists row groups" "$out" 'row group 1: 5 rows'
expect_match "--meta lists codecs and encodings" "$out" 'SNAPPY, 5 values, .*RLE_DICTIONARY'

out=$("$STEVAL" cat --help)
expect_match "--help" "$out" 'usage: steval cat'
expect_rc "no file is a usage error" 2 "$STEVAL" cat
expect_rc "unknown column" 2 "$STEVAL" cat -c nope "$PT/alltypes_plain.parquet"
out=$("$STEVAL" cat -c nope "$PT/alltypes_plain.parquet" 2>&1)
expect_match "unknown column names it" "$out" "no column 'nope'"
out=$("$STEVAL" cat "$TMP/missing.parquet" 2>&1); rc=$?
expect_eq "missing file exits 2" "$rc" 2
expect_match "missing file names it" "$out" "cannot open '$TMP/missing.parquet'"
printf 'id,name\n1,x\n' >"$TMP/not.parquet"
out=$("$STEVAL" cat "$TMP/not.parquet" 2>&1)
expect_match "not a Parquet file" "$out" "'$TMP/not.parquet': not a Parquet file"

# parquet-testing/bad_data: every file is rejected with a message naming it,
# except ARROW-GH-43605, a valid file (a dictionary of one value written with
# index bit width 0) that once crashed another reader.
for f in "$D"/parquet-testing/bad_data/*.parquet; do
    b=$(basename "$f")
    out=$("$STEVAL" cat "$f" 2>&1 >/dev/null); rc=$?
    if [ "$b" = ARROW-GH-43605.parquet ]; then
        n=$("$STEVAL" cat "$f" | grep -c '^{"min_fl":0}$')
        expect_eq "bad_data/$b is valid: 21186 rows" "$n" 21186
        continue
    fi
    expect_eq "bad_data/$b rejected (exit 2)" "$rc" 2
    expect_match "bad_data/$b: message names the file" "$out" "error: '$f'"
    case "$out" in
    *Sanitizer*|*"runtime error"*) _report 1 "bad_data/$b: sanitizer report" "$out" ;;
    esac
done

# Truncated and bit-flipped copies of good files: exit 0 or 2 (with a message
# naming the file), never a crash, a sanitizer report or a hang.
python3 - "$TMP/mut" "$PT/alltypes_plain.parquet" "$PT/datapage_v2.snappy.parquet" \
    "$PT/nullable.impala.parquet" "$PT/byte_stream_split.zstd.parquet" \
    "$D/hyparquet/test/files/brotli_compressed.parquet" "$PT/delta_byte_array.parquet" \
    "$PT/hadoop_lz4_compressed.parquet" "$PT/nested_maps.snappy.parquet" <<'PY'
import os, random, sys
out = sys.argv[1]
os.makedirs(out)
rnd = random.Random(7)
for i, path in enumerate(sys.argv[2:]):
    data = open(path, "rb").read()
    n = len(data)
    cuts = sorted({n - 1, n - 8, n - 9, n // 2, 3} | {rnd.randrange(1, n) for _ in range(2)})
    for c in cuts:
        open(os.path.join(out, "%d-cut%d.parquet" % (i, c)), "wb").write(data[:c])
    for k in range(8):
        m = bytearray(data)
        at = n - 1 - rnd.randrange(min(n, 400)) if k % 2 else rnd.randrange(n)
        m[at] ^= 1 << rnd.randrange(8)
        open(os.path.join(out, "%d-flip%d.parquet" % (i, k)), "wb").write(bytes(m))
PY
total=0 bad=0 rejected=0
for f in "$TMP"/mut/*.parquet; do
    total=$((total + 1))
    err=$(timeout 60 "$STEVAL" cat "$f" 2>&1 >/dev/null); rc=$?
    case "$rc" in
    0) ;;
    2) rejected=$((rejected + 1))
       case "$err" in *"'$f'"*) ;; *) bad=$((bad + 1)); echo "# no file name: $f: $err" ;; esac ;;
    *) bad=$((bad + 1)); echo "# exit $rc: $f: $(printf '%s' "$err" | tail -n 5)" ;;
    esac
    case "$err" in
    *Sanitizer*|*"runtime error"*) bad=$((bad + 1)); echo "# sanitizer: $f" ;;
    esac
done
expect_eq "$total mutated files: no crash, every error names the file" "$bad" 0
ok_if "most mutations are rejected ($rejected of $total)" test "$rejected" -gt $((total / 2))
finish
