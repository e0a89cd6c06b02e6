#!/usr/bin/env python3
"""Compare `steval cat` with DuckDB's own JSON export of the same Parquet file.

    parquet_duckdb.py STEVAL DIR

DIR holds NAME.parquet and NAME.json (from tests/duckdb/gen.mjs) and
manifest.txt. Prints TAP. Values must be equal; only representation
differences are normalised, each for a documented reason:

  numbers     compared exactly as decimals (DuckDB prints DECIMAL(9,3) 1.500
              as 1.5 and 1e-07 as 1e-7; the values are the same)
  timestamps  DuckDB trims the fraction and prints "+00"; steval prints
              Python's str(datetime): six or nine digits and "+00:00"
  binary      DuckDB prints every BLOB as \\xHH text; steval prints bytes that
              are valid UTF-8 text as text (docs/parquet.md): compared as bytes
  JSON type   DuckDB embeds a JSON column's value; steval delivers the text
              (as pyarrow does): the text is parsed and compared
"""
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

STEVAL, DIR = sys.argv[1], sys.argv[2]
n = failed = 0


def report(ok, name, detail=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if not ok:
        failed += 1
        for line in str(detail).splitlines()[:10]:
            print("#   " + line[:500])


TS = re.compile(r"^(\d{4}-\d\d-\d\d)?[ T]?(\d\d:\d\d:\d\d)?(?:\.(\d+))?(Z|[+-]\d\d(?::?\d\d)?)?$")


def when(s):
    m = TS.match(s)
    if not m or not (m.group(1) or m.group(2)):
        return None
    frac = (m.group(3) or "").ljust(9, "0")
    tz = m.group(4) or ""
    if tz in ("Z", "+00", "+00:00", "+0000"):
        tz = "+00:00"
    return (m.group(1), m.group(2), frac, tz)


def as_bytes(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s.startswith("\\x", i) and re.match(r"[0-9A-Fa-f]{2}", s[i + 2:i + 4]):
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += s[i].encode("utf-8")
            i += 1
    return bytes(out)


def match(ours, duck, where):
    if isinstance(duck, (dict, list)) and isinstance(ours, str):
        try:
            ours = json.loads(ours, parse_float=Decimal)
        except ValueError:
            return "%s: want %r, got text %r" % (where, duck, ours)
    if duck is None or isinstance(duck, bool):
        return None if ours is duck else "%s: want %r, got %r" % (where, duck, ours)
    if isinstance(duck, (int, Decimal)):
        if isinstance(ours, (int, Decimal)) and not isinstance(ours, bool) and Decimal(ours) == Decimal(duck):
            return None
        return "%s: want %r, got %r" % (where, duck, ours)
    if isinstance(duck, str):
        if not isinstance(ours, str):
            return "%s: want %r, got %r" % (where, duck, ours)
        if ours == duck:
            return None
        if when(ours) is not None and when(ours) == when(duck):
            return None
        if as_bytes(ours) == as_bytes(duck):
            return None
        return "%s: want %r, got %r" % (where, duck, ours)
    if isinstance(duck, list):
        if not isinstance(ours, list) or len(ours) != len(duck):
            return "%s: want %r, got %r" % (where, duck, ours)
        for i, (a, b) in enumerate(zip(ours, duck)):
            d = match(a, b, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    if isinstance(duck, dict):
        if not isinstance(ours, dict) or list(ours) != list(duck):
            return "%s: keys %r, want %r" % (where, list(ours) if isinstance(ours, dict) else ours, list(duck))
        for k in duck:
            d = match(ours[k], duck[k], "%s.%s" % (where, k))
            if d:
                return d
        return None
    return "%s: cannot compare %r" % (where, duck)


names = [l.strip() for l in open(os.path.join(DIR, "manifest.txt")) if l.strip()]
seen = set()
multi_rg = []
for name in names:
    pq = os.path.join(DIR, name + ".parquet")
    p = subprocess.run([STEVAL, "cat", pq], capture_output=True)
    if p.returncode != 0:
        report(False, "%s: steval cat" % name, p.stderr.decode("utf-8", "replace")[-800:])
        continue
    ours = [json.loads(l, parse_float=Decimal) for l in p.stdout.decode("utf-8").splitlines()]
    duck = [json.loads(l, parse_float=Decimal) for l in open(os.path.join(DIR, name + ".json"), encoding="utf-8")]
    detail = None
    if len(ours) != len(duck):
        detail = "%d rows, DuckDB exported %d" % (len(ours), len(duck))
    else:
        for i, (a, b) in enumerate(zip(ours, duck)):
            detail = match(a, b, "row %d" % i)
            if detail:
                break
    report(detail is None, "%s: %d rows equal DuckDB's JSON export" % (name, len(duck)), detail)
    meta = subprocess.run([STEVAL, "cat", "--meta", pq], capture_output=True).stdout.decode()
    if len(re.findall(r"^row group \d+:", meta, re.M)) > 1:
        multi_rg.append(name)
    for m in re.finditer(r"^  \S+: \S+ (\S+), .*\n    pages: ([^;]*); value encodings (.*)$", meta, re.M):
        seen.add(m.group(1))
        seen.update(re.findall(r"[A-Z_0-9]+", m.group(2)))
        seen.update(m.group(3).strip().split(","))

# The files must exercise what the reader is meant to handle. (DuckDB writes
# version-2 encodings in v1 data pages; DATA_PAGE_V2 is covered by the
# shared corpus, t_parquet_corpus.sh.)
want = {"SNAPPY", "GZIP", "ZSTD", "BROTLI", "LZ4_RAW", "UNCOMPRESSED", "DATA_PAGE",
        "DICTIONARY_PAGE", "PLAIN", "RLE_DICTIONARY", "DELTA_BINARY_PACKED",
        "DELTA_LENGTH_BYTE_ARRAY", "BYTE_STREAM_SPLIT"}
report(want <= seen, "the DuckDB files cover the codecs, page kinds and encodings wanted",
       "missing: %s" % sorted(want - seen))
report(len(multi_rg) >= 3, "several DuckDB files have many row groups (%s)" % ", ".join(multi_rg))

print("1..%d" % n)
sys.exit(1 if failed else 0)
