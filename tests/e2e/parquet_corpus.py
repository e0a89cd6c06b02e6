#!/usr/bin/env python3
"""Check `steval cat` against the shared Parquet corpus (standard library only).

    parquet_corpus.py STEVAL DATA_DIR

DATA_DIR is ../shared/data/parquet. Prints TAP lines (one per check).

1. Every file that hyparquet (an independent reader) read, per
   inspect-hyparquet.json, is read by steval: same row count, same first row.
2. Every file with an expected-content companion (hyparquet *.json,
   parquet-dotnet *.csv / *.json, parquet-testing *_expect.csv) has all its
   rows equal to the companion.
3. Files hyparquet could not read are either read (and, when a companion
   exists, equal to it) or rejected with an error message, never a crash.

Values are compared after normalising representation only: hyparquet's toJson
conventions (ISO timestamps with milliseconds, int64 as JS numbers, decimals as
floats, bytes as UTF-8 text or arrays of ints), CSV cells as text. The
exceptions below are listed with the reason the two readers differ.
"""
import csv
import json
import math
import os
import re
import struct
import subprocess
import sys

STEVAL, DATA = sys.argv[1], sys.argv[2]

# Files whose values legitimately differ from hyparquet's reading: only the
# row count is compared (the reason is printed with the test).
COUNT_ONLY = {
    # VARIANT columns: hyparquet decodes the Variant binary encoding; steval
    # delivers the physical struct (metadata, value, typed_value) as stored.
    "shredded-array": "VARIANT decoded by hyparquet, struct in steval",
    "shredded-bool": "VARIANT decoded by hyparquet, struct in steval",
    "shredded-int": "VARIANT decoded by hyparquet, struct in steval",
    "shredded-nested-object": "VARIANT decoded by hyparquet, struct in steval",
    "shredded-object": "VARIANT decoded by hyparquet, struct in steval",
    "shredded-partial-object": "VARIANT decoded by hyparquet, struct in steval",
    "shredded-sparse-timestamp": "VARIANT decoded by hyparquet, struct in steval",
    "shredded-type-mismatch": "VARIANT decoded by hyparquet, struct in steval",
    # GEOMETRY / WKB: hyparquet converts to GeoJSON, steval keeps the bytes.
    "geospatial": "WKB converted to GeoJSON by hyparquet",
    "geoparquet": "WKB converted to GeoJSON by hyparquet",
    # A record with no occurrence of an unannotated repeated field is an
    # empty list (the field is a required list); hyparquet says null.
    "duckdb2557": "empty unannotated repeated field: [] (steval) vs null (hyparquet)",
    # A MAP without a value field: steval follows arrow-rs (a list of keys,
    # as the file's notes say); hyparquet shows the raw key_value struct.
    "map_no_value": "MAP without values read as a list of keys (file notes)",
}

# hyparquet gives null for an empty required list (a required LIST group
# cannot be null: steval gives []).
EMPTY_LIST_AS_NULL = {"adam_genotypes"}

# Companions known not to match the file (MANIFEST.md trap 1).
BAD_COMPANION = {
    "parquet-dotnet/data/types/alltypes_dictionary.snappy.parquet",
    "parquet-dotnet/data/types/alltypes_dictionary.snappy.v2.parquet",
}

n = 0
failed = 0


def report(ok, name, detail=""):
    global n, failed
    n += 1
    if ok:
        print("ok %d - %s" % (n, name))
    else:
        failed += 1
        print("not ok %d - %s" % (n, name))
        for line in str(detail).splitlines()[:20]:
            print("#   " + line[:400])


def cat(path):
    p = subprocess.run([STEVAL, "cat", path], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


# ---- normalisation ----

TS = re.compile(r"^([-+]?\d{4,})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?)?"
                r"(Z|[+-]\d\d:?\d\d|[+-]\d\d)?$")


def ts_ms(s):
    """Milliseconds since the epoch (UTC) of a date or timestamp text, or None."""
    m = TS.match(s)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    # days from the civil date, proleptic Gregorian (any year)
    y -= mo <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    hh = int(m.group(4) or 0)
    mm = int(m.group(5) or 0)
    ss = int(m.group(6) or 0)
    frac = (m.group(7) or "0")[:3].ljust(3, "0")
    ms = ((days * 24 + hh) * 60 + mm) * 60000 + ss * 1000 + int(frac)
    tz = m.group(8)
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        t = tz[1:].replace(":", "")
        off = int(t[:2]) * 60 + (int(t[2:4]) if len(t) > 2 else 0)
        ms -= sign * off * 60000
    return ms


def blob(s):
    r"""Bytes of steval's text for binary values (\xHH escapes)."""
    out = bytearray()
    i = 0
    while i < len(s):
        if s.startswith("\\x", i) and i + 4 <= len(s):
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += s[i].encode("utf-8")
            i += 1
    return bytes(out)


def num(x):
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return x
    if isinstance(x, str):
        try:
            return float(x) if re.match(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", x.strip()) else None
        except ValueError:
            return None
    return None


def f32(x):
    try:
        return struct.unpack("f", struct.pack("f", float(x)))[0]
    except (OverflowError, ValueError):
        return None


def close(a, b, text=False):
    """Numbers equal up to the representation: JavaScript numbers stand for
    int64 values beyond 2^53 (hyparquet), CSV text for a FLOAT column holds
    the float32's own shortest spelling."""
    if a == b:
        return True
    if isinstance(a, int) and isinstance(b, int):
        return abs(b) > 2 ** 53 and float(a) == float(b)
    if text and f32(a) is not None and f32(a) == f32(b):
        return True
    fa, fb = float(a), float(b)
    if math.isnan(fa) and math.isnan(fb):
        return True
    return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa), abs(fb))


def match(ours, theirs, where, empty_null=False):
    """None when equal, else a description of the first difference."""
    if theirs is None or theirs == "":
        if ours is None or (theirs == "" and ours == "") or (empty_null and ours == []):
            return None
        return "%s: want null, got %r" % (where, ours)
    if isinstance(theirs, bool):
        return None if ours is theirs else "%s: want %r, got %r" % (where, theirs, ours)
    if isinstance(theirs, (int, float)):
        if isinstance(ours, (int, float)) and not isinstance(ours, bool) and close(ours, theirs):
            return None
        if isinstance(ours, str) and ts_ms(ours) is not None and ts_ms(ours) == theirs:
            return None
        return "%s: want %r, got %r" % (where, theirs, ours)
    if isinstance(theirs, str):
        if ours == theirs:
            return None
        if isinstance(ours, bool):
            return None if theirs.lower() == str(ours).lower() else "%s: want %r, got %r" % (where, theirs, ours)
        if isinstance(ours, (int, float)):
            t = num(theirs)
            return None if t is not None and close(ours, t, True) else "%s: want %r, got %r" % (where, theirs, ours)
        if isinstance(ours, str):
            if ours.strip() == theirs.strip():
                return None   # CSV writers trim cells
            a, b = ts_ms(ours), ts_ms(theirs)
            if a is not None and a == b:
                return None
            if "\\x" in ours and blob(ours).decode("utf-8", "replace") == theirs:
                return None
            return "%s: want %r, got %r" % (where, theirs, ours)
        return "%s: want %r, got %r" % (where, theirs, ours)
    if isinstance(theirs, list):
        if isinstance(ours, str) and all(isinstance(x, int) for x in theirs):
            return None if blob(ours) == bytes(theirs) else "%s: want bytes %r, got %r" % (where, theirs, ours)
        if not isinstance(ours, list) or len(ours) != len(theirs):
            return "%s: want %r, got %r" % (where, theirs, ours)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            d = match(a, b, "%s[%d]" % (where, i), empty_null)
            if d:
                return d
        return None
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return "%s: want %r, got %r" % (where, theirs, ours)
        if not set(theirs) <= set(ours):
            return "%s: keys %r, want %r" % (where, sorted(ours), sorted(theirs))
        for k in ours:
            if k not in theirs and ours[k] is not None:
                # hyparquet's toJson leaves out members that are null
                return "%s.%s: want no value, got %r" % (where, k, ours[k])
        for k in theirs:
            d = match(ours[k], theirs[k], "%s.%s" % (where, k), empty_null)
            if d:
                return d
        return None
    return "%s: cannot compare %r" % (where, theirs)


def rows_of(out):
    return [json.loads(line) for line in out.splitlines()]


def compare_rows(ours, theirs, by_position, empty_null=False):
    if len(ours) != len(theirs):
        return "%d rows, want %d" % (len(ours), len(theirs))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if by_position:
            a = list(a.values())
            if not isinstance(b, list):
                b = list(b.values()) if isinstance(b, dict) else [b]
        d = match(a, b, "row %d" % i, empty_null)
        if d:
            return d
    return None


# ---- 1. everything hyparquet read ----

inspect = json.load(open(os.path.join(DATA, "inspect-hyparquet.json")))
results = {}
for key in sorted(inspect):
    info = inspect[key]
    rel = key[2:]
    path = os.path.join(DATA, rel)
    stem = os.path.basename(rel)[:-len(".parquet")]
    if rel.startswith("parquet-testing/bad_data/"):
        continue
    rc, out, err = cat(path)
    results[rel] = (rc, out, err)
    if info.get("read_ok") is None:
        # hyparquet failed: steval either reads it or rejects it cleanly
        clean = rc == 0 or (rc == 2 and "error:" in err)
        report(clean, "%s: hyparquet cannot read it; steval %s" %
               (rel, "reads it" if rc == 0 else "rejects it: " + err.strip()[:160]),
               "exit %d: %s" % (rc, err[-500:]))
        continue
    if rc != 0:
        report(False, "%s: read" % rel, "exit %d: %s" % (rc, err[-800:]))
        continue
    rows = rows_of(out)
    if stem in COUNT_ONLY:
        report(len(rows) == info["read_ok"], "%s: %d rows (values not compared: %s)" %
               (rel, info["read_ok"], COUNT_ONLY[stem]), "got %d rows" % len(rows))
        continue
    detail = None
    if len(rows) != info["read_ok"]:
        detail = "%d rows, hyparquet read %d" % (len(rows), info["read_ok"])
    elif rows and info.get("first_row"):
        try:
            first = json.loads(info["first_row"])
        except ValueError:
            first = None   # the inspect file cut long rows
        if first is not None:
            detail = match(rows[0], first, "first row")
    report(detail is None, "%s: %d rows, first row as hyparquet" % (rel, info["read_ok"]), detail)

# ---- 2. expected-content companions ----


def ours_rows(rel):
    if rel not in results:
        results[rel] = cat(os.path.join(DATA, rel))
    rc, out, err = results[rel]
    if rc != 0:
        return None, "exit %d: %s" % (rc, err[-500:])
    return rows_of(out), None


def check_companion(rel, expected, by_position, what, empty_null=False):
    rows, err = ours_rows(rel)
    if rows is None:
        report(False, "%s equals %s" % (rel, what), err)
        return
    d = compare_rows(rows, expected, by_position, empty_null)
    report(d is None, "%s equals %s" % (rel, what), d)


def load_csv(path, delim=",", header=True):
    with open(path, newline="", encoding="utf-8") as f:
        rdr = list(csv.reader(f, delimiter=delim))
    return rdr[1:] if header else rdr


hyp = os.path.join(DATA, "hyparquet/test/files")
for name in sorted(os.listdir(hyp)):
    if not name.endswith(".parquet"):
        continue
    stem = name[:-len(".parquet")]
    exp = os.path.join(hyp, stem + ".json")
    if not os.path.exists(exp) or stem in COUNT_ONLY:
        continue
    check_companion("hyparquet/test/files/" + name, json.load(open(exp)), True,
                    "hyparquet/test/files/%s.json" % stem, stem in EMPTY_LIST_AS_NULL)

dn = "parquet-dotnet/data/"
csv_sets = [
    ("types/alltypes.csv", ",", True, ["types/alltypes.plain.parquet", "types/alltypes.gzip.parquet",
                                       "types/alltypes.snappy.parquet", "types/alltypes.plain.v2.parquet",
                                       "types/alltypes.gzip.v2.parquet", "types/alltypes.snappy.v2.parquet",
                                       "../../parquet-testing/data/alltypes_plain.parquet"]),
    ("types/alltypes_dictionary.csv", ",", True,
     ["types/alltypes_dictionary.plain.parquet", "types/alltypes_dictionary.gzip.parquet",
      "types/alltypes_dictionary.plain-spark21.parquet", "types/alltypes_dictionary.plain.v2.parquet",
      "types/alltypes_dictionary.gzip.v2.parquet", "types/alltypes_dictionary.plain-spark21.v2.parquet",
      "../../parquet-testing/data/alltypes_dictionary.parquet"]),
    ("table.csv", ",", True, ["table.parquet", "table.v2.parquet"]),
    ("real/nation.csv", "|", False, ["real/nation.plain.parquet", "real/nation.plain.v2.parquet",
                                     "real/nation.dict.parquet", "real/nation.dict.v2.parquet",
                                     "real/nation.impala.parquet", "real/nation.impala.v2.parquet",
                                     "gzip-nation.impala.parquet", "gzip-nation.impala.v2.parquet",
                                     "snappy-nation.impala.parquet", "snappy-nation.impala.v2.parquet"]),
    ("postcodes.csv", ",", True, ["postcodes.plain.parquet", "postcodes.plain.v2.parquet"]),
    ("special/decimallegacy.csv", ",", True, ["special/decimallegacy.parquet",
                                              "special/decimallegacy.v2.parquet"]),
    ("types/decimal_precision.csv", ",", True, ["types/decimal_precision.parquet"]),
]
for comp, delim, header, files in csv_sets:
    expected = load_csv(os.path.join(DATA, dn + comp), delim, header)
    for f in files:
        rel = os.path.normpath(dn + f)
        if rel in BAD_COMPANION:
            continue
        check_companion(rel, expected, True, dn + comp)

json_sets = [
    ("list_simple.json", ["list_simple.parquet", "list_simple.v2.parquet"]),
    ("simplenested.json", ["simplenested.parquet", "simplenested.v2.parquet"]),
    ("list_structs.json", ["list_structs.parquet", "list_structs.v2.parquet"]),
]
for comp, files in json_sets:
    expected = json.load(open(os.path.join(DATA, dn + comp)))
    if not isinstance(expected, list):
        expected = [expected]
    for f in files:
        check_companion(dn + f, expected, False, dn + comp)

pt = "parquet-testing/data/"
for name in sorted(os.listdir(os.path.join(DATA, pt))):
    if name.endswith("_expect.csv"):
        stem = name[:-len("_expect.csv")]
        check_companion(pt + stem + ".parquet", load_csv(os.path.join(DATA, pt + name)), True, pt + name)

print("1..%d" % n)
sys.exit(1 if failed else 0)
