#!/usr/bin/env python3
"""omnispatial_data.py SRC OUT: OmniSpatial fixture data in the published layouts.

SRC is fixtures/omnispatial (dataset/data.json, synthetic records). Writes
  OUT/folder/dataset/data.json + dataset/<task_type>/<n>.png   (the unpacked zip)
  OUT/zip/OmniSpatial-test.zip                                 (the published archive:
                                                                dataset/... inside, deflated)
  OUT/zip2/OmniSpatial-test.zip                                (the same under OmniSpatial-test/)
  OUT/flat/data.json + <task_type>/<n>.png                     (--data pointing at dataset/)
  OUT/broken/{truncated,crc,nodata,badpng}/OmniSpatial-test.zip
and prints one line per image: "<entry> <sha256>". Images are small PNGs
(noise, so each differs and is larger than the fake server's summary limit),
one per (task_type, id.split('_')[0]) as the official code names them.
Standard library only.
"""
import hashlib
import json
import os
import random
import shutil
import struct
import sys
import zipfile
import zlib


def png(w, h, rng):
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(3 * w)) for _ in range(h))

    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    src, out = sys.argv[1], sys.argv[2]
    data_path = os.path.join(src, "dataset", "data.json")
    with open(data_path, "rb") as f:
        data = f.read()
    recs = json.loads(data)
    rng = random.Random(15)
    images = {}
    for r in recs:
        rel = "%s/%s.png" % (r["task_type"], r["id"].split("_")[0])
        if rel not in images:
            images[rel] = png(12, 10, rng)
    for d in ("folder/dataset", "flat"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
        with open(os.path.join(out, d, "data.json"), "wb") as f:
            f.write(data)
        for rel, b in images.items():
            p = os.path.join(out, d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(b)
    zdir = os.path.join(out, "zip")
    os.makedirs(zdir, exist_ok=True)
    zpath = os.path.join(zdir, "OmniSpatial-test.zip")
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("dataset/", b"")
        z.writestr("dataset/data.json", data)
        for rel, b in sorted(images.items()):
            z.writestr("dataset/" + rel, b)
    # the same one folder deeper (an archive made from the folder above dataset/)
    os.makedirs(os.path.join(out, "zip2"), exist_ok=True)
    with zipfile.ZipFile(os.path.join(out, "zip2", "OmniSpatial-test.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OmniSpatial-test/dataset/data.json", data)
        for rel, b in sorted(images.items()):
            z.writestr("OmniSpatial-test/dataset/" + rel, b)
    broken = os.path.join(out, "broken")
    for name in ("truncated", "crc", "nodata", "badpng"):
        os.makedirs(os.path.join(broken, name), exist_ok=True)
    whole = open(zpath, "rb").read()
    # cut in the middle: no central directory
    with open(os.path.join(broken, "truncated", "OmniSpatial-test.zip"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    # one byte of data.json's compressed data flipped: inflate or CRC fails
    with zipfile.ZipFile(zpath) as z:
        info = z.getinfo("dataset/data.json")
    with open(zpath, "rb") as f:
        f.seek(info.header_offset + 26)
        nlen, xlen = struct.unpack("<HH", f.read(4))
    bad = bytearray(whole)
    bad[info.header_offset + 30 + nlen + xlen + info.compress_size // 2] ^= 0x55
    with open(os.path.join(broken, "crc", "OmniSpatial-test.zip"), "wb") as f:
        f.write(bad)
    # no data.json at all
    with zipfile.ZipFile(os.path.join(broken, "nodata", "OmniSpatial-test.zip"), "w") as z:
        z.writestr("dataset/readme.txt", b"nothing here")
    # the records are fine, one image is stored with a wrong CRC
    first = sorted(images)[0]
    with zipfile.ZipFile(os.path.join(broken, "badpng", "OmniSpatial-test.zip"), "w",
                         zipfile.ZIP_STORED) as z:
        z.writestr("dataset/data.json", data)
        for rel, b in sorted(images.items()):
            z.writestr("dataset/" + rel, b)
    p = os.path.join(broken, "badpng", "OmniSpatial-test.zip")
    raw = bytearray(open(p, "rb").read())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("dataset/" + first)
    nlen, xlen = struct.unpack("<HH", bytes(raw[info.header_offset + 26:info.header_offset + 30]))
    raw[info.header_offset + 30 + nlen + xlen + 40] ^= 0xff
    with open(p, "wb") as f:
        f.write(raw)
    for rel, b in sorted(images.items()):
        print("%s %s" % (rel, hashlib.sha256(b).hexdigest()))
    print("BAD %s" % first)


if __name__ == "__main__":
    main()
