"""A run whose every name is hostile, and checks that reports stay well formed.

  hostile.py make DIR        DIR/suites/hostile.json, DIR/data/items.jsonl, DIR/run/
  hostile.py check-csv FILE  parse with the csv module, check names survive
  hostile.py check-md FILE   every table row has the same number of cells
  hostile.py check-tex FILE  rows have the right number of &, braces balance,
                             specials are escaped, only safe non-ASCII
  hostile.py check-html FILE one script element (ours), no event handler
                             attributes, no injected elements
Python standard library only.
"""
import csv
import html.parser
import json
import os
import re
import sys

CATS = [
    "a&b",
    '50% "quoted", with comma',
    "new\nline",
    "</td><script>document.title='pwned'</script>",
    "&%$#_{}~^\\",
    "ünïcödé 中文 —",
    "=cmd|' /C calc'!A0",
]
MODEL = b'evil "model", <b>bold</b> & $x_1$ \\n \xff\xfe end'
XSS = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "</pre></details></article><script>document.body.setAttribute('data-pwned','1')</script>",
    "<svg onload=\"document.title='pwned'\"></svg> {{7*7}} ${7*7}",
]


def make(d):
    os.makedirs(os.path.join(d, "suites"), exist_ok=True)
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    run = os.path.join(d, "run")
    os.makedirs(run, exist_ok=True)
    spec = {
        "name": "hostile", "title": "Hostile <suite> & 100% \"names\"",
        "data": {"sources": [{"files": ["items.jsonl"]}]},
        "fields": {"id": "id", "question": "question", "category": "task",
                   "options": {"field": "options", "style": "prefixed"}, "video": "video"},
        "types": [{"name": "mc", "kind": "letter", "answer": "answer"}],
        "categories": [{"name": c, "label": c} for c in CATS],
        "splits": [{"name": "s,\"1\"<x>", "label": "Split & <i>1</i>", "where": {"field": "half", "eq": "a"}}],
        "aggregate": {"overall": "category-mean", "scale": 100},
        "default_protocol": "p",
        "protocols": {"p": {"template": "{question}\n{options}\n<answer> & 100%", "option_format": "{label}",
                            "extractor": "vsi-first-token", "metric": "exact-ci"}},
    }
    with open(os.path.join(d, "suites", "hostile.json"), "w") as f:
        json.dump(spec, f, indent=1)
    recs = []
    with open(os.path.join(d, "data", "items.jsonl"), "wb") as f:
        for i in range(len(CATS) * 3):
            cat = CATS[i % len(CATS)]
            r = {"id": "h%02d<&>" % i, "task": cat, "question": "Is <b>%d</b> & 'x' \"y\" right?" % i,
                 "options": ["A. <yes>", "B. no & maybe"], "answer": "A", "half": "a" if i % 2 else "b",
                 "video": "v%d.mp4" % (i % 4)}
            recs.append(r)
            f.write(json.dumps(r).encode() + b"\n")
    with open(os.path.join(run, "samples.jsonl"), "wb") as f:
        for i, r in enumerate(recs):
            st = ["ok", "ok", "unparsed", "error"][i % 4]
            s = {"id": r["id"], "category": r["task"], "type": "mc", "status": st,
                 "extracted": XSS[i % len(XSS)] if st == "ok" else "", "score": None if st == "error" else float(i % 2),
                 "truth": "A", "accepted": "A", "video": r["video"],
                 "frames": [{"index": k * 10, "pts": k * 0.5, "hash": "%064x" % (i * 8 + k)} for k in range(3)]}
            line = json.dumps(s)
            # a response with invalid UTF-8 bytes and script payloads
            resp = json.dumps(XSS[i % len(XSS)] + " answer: A")[1:-1].encode() + b" \xc3\x28 \xff"
            if st == "error":
                line = line[:-1] + ', "response": null, "error": "<b>HTTP 500</b> & \\"quoted\\""}'
                f.write(line.encode() + b"\n")
            else:
                f.write(line[:-1].encode() + b', "response": "' + resp + b'"}\n')
    with open(os.path.join(run, "results.json"), "wb") as f:
        f.write(b'{"suite": "hostile", "protocol": "p", "scoring": "official", "overall": {}, "model": "'
                + MODEL.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"}')


def check_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    assert all(len(r) == len(head) for r in rows), [len(r) for r in rows]
    names = {r[head.index("name")] for r in rows[1:]}
    for c in CATS:
        want = "'" + c if c[0] in "=+-@" else c
        assert want in names, (want, names)
    models = {r[head.index("model")] for r in rows[1:]}
    assert len(models) == 1 and "\ufffd" in next(iter(models)), models
    print("csv: %d rows of %d fields" % (len(rows), len(head)))


def check_md(path):
    text = open(path, encoding="utf-8").read()
    table = []
    for line in text.split("\n") + [""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            counts = {len(re.findall(r"(?<!\\)\|", r)) for r in table}
            assert len(counts) == 1, table
            table = []
    assert "<script>" not in text and "</td>" not in text, "raw HTML in markdown"
    print("md: tables consistent")


LATEX_ESC = re.compile(r"\\(textbackslash|textasciicircum|textasciitilde|textless|textgreater|textbar|"
                       r"textquotedbl|ldots|textdegree|guillemotleft|guillemotright)\{\}|\\[{}$&#_%]")


def check_tex(path):
    text = open(path, encoding="utf-8").read()
    ncols = None
    for line in text.split("\n"):
        if line.startswith("%"):
            continue
        bare = LATEX_ESC.sub("", line)
        # braces balance on every line
        depth = 0
        for ch in bare:
            depth += ch == "{"
            depth -= ch == "}"
            assert depth >= 0, line
        assert depth == 0, line
        m = re.match(r"\\begin\{tabular\}\{([lrc]+)\}", line)
        if m:
            ncols = len(m.group(1))
            continue
        if line.endswith("\\\\") and ncols:
            assert bare.count("&") == ncols - 1, (ncols, line)
        # no unescaped specials outside our own math
        rest = re.sub(r"\$\\(times|pm|mu|leq|geq|rightarrow|leftarrow)\$|\$-\$|\$n\$", "", bare)
        for ch in "#$%^~_":
            assert ch not in rest, (ch, line)
        for ch in line:
            if ord(ch) > 127:
                assert 0xC0 <= ord(ch) <= 0x17F, (ch, line)
    print("tex: structure ok")


class Scan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = 0
        self.bad = []
        self.imgs = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        if tag in ("img", "iframe", "object", "embed", "b", "i"):
            self.bad.append(tag) if tag != "img" else None
            self.imgs += tag == "img"
        for k, v in attrs:
            if k.startswith("on") or k == "style" or (v and "javascript:" in v):
                self.bad.append("%s %s=%s" % (tag, k, v))


def check_html(path):
    text = open(path, encoding="utf-8").read()
    s = Scan()
    s.feed(text)
    assert s.scripts == 1, "script elements: %d" % s.scripts
    assert not s.bad, s.bad
    assert s.imgs == 0, "img elements: %d" % s.imgs
    assert "Content-Security-Policy" in text
    print("html: one script, no handlers")


def main(argv):
    fn = {"make": make, "check-csv": check_csv, "check-md": check_md, "check-tex": check_tex,
          "check-html": check_html}.get(argv[1])
    if not fn:
        print(__doc__)
        return 2
    try:
        fn(argv[2])
    except AssertionError as e:
        print("FAILED: %r" % (e,))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
