#!/usr/bin/env python3
"""q.py FILE EXPR: evaluate a Python expression over a JSON or JSON-lines file.

The file's content is D (a list for JSON lines, else the parsed value). The
result is printed: strings as they are, other values as JSON. Helpers:
by_id(D) maps "id" to the last record with it; ids(D) lists the ids. Used
by the end-to-end tests to assert on recorded requests, samples and manifests.
"""
import json
import sys


def load(path):
    with open(path) as f:
        text = f.read()
    if path.endswith(".jsonl") or path.endswith(".rec"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def by_id(d):
    out = {}
    for r in d:
        out[r["id"]] = r
    return out


def ids(d):
    return [r["id"] for r in d]


def main():
    D = load(sys.argv[1])
    env = {"D": D, "by_id": by_id, "ids": ids, "json": json}
    v = eval(sys.argv[2], env)
    print(v if isinstance(v, str) else json.dumps(v))


if __name__ == "__main__":
    main()
