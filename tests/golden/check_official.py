#!/usr/bin/env python3
"""Re-derive the expected values of steval's official extractors with CPython.

The official scorers are Python. This script restates each official rule
(docs/scoring.md) with Python's own `re` and str methods, and checks that the
golden cases in tests/golden/extract/<extractor>.jsonl expect exactly what
Python computes. It also checks the MRA thresholds and the mra goldens in
tests/golden/metric.jsonl against Python float arithmetic done the way numpy
does it.

    check_official.py [--root DIR]               check the goldens
    check_official.py --random N --seed S --out FILE
                                                 write N random cases per
                                                 official extractor, with the
                                                 values Python computes (the C
                                                 test then runs them)

Standard library only. Text given as "text_hex" is decoded from UTF-8 with
every invalid byte replaced by one U+FFFD, as steval does.
"""
import codecs
import json
import os
import random
import re
import sys

codecs.register_error("steval_byte", lambda e: ("\ufffd", e.start + 1))

LETTERS = "ABCDEFGH"


# ---- the official rules, restated -------------------------------------------

def vsi_first_token(text, item):
    # thinking-in-space / VLM-3R fuzzy_matching
    tok = text.split(' ')[0].rstrip('.').strip()
    return tok, bool(tok), 0 if tok else -1


STI_PATTERNS = [
    r"\(([A-E])\)",
    r"Ans\s*=\s*['\"]?([A-E])['\"]?",
    r"Answer\s*[:=]\s*([A-E])",
    r"Option\s+([A-E])",
    r"\b([A-E])\s*(?:is|was)\s*correct",
    r"\b([A-E])[\.\)]\s*$",
]


def sti_cascade(text, item):
    # STI-Bench opensource_test.py extract_answer(decoded) or decoded.strip()
    for k, pat in enumerate(STI_PATTERNS):
        m = re.search(pat, text, flags=re.IGNORECASE | re.MULTILINE)
        if m:
            return m.group(1).upper(), True, k
    s = text.strip()
    found = bool(s) and s[-1] in "ABCDE"
    return s, found, 6 if found else -1


R4D_PREFIXES = ["The best answer is", "The correct answer is", "The answer is",
                "The best option is", "The correct option is", "Best answer:",
                "Best option:", "Answer:"]


def r4d_letter(text, item):
    # NVIDIA lmms-eval r4d_bench _extract_letter; no random fallback here
    n = item["nopt"]
    if n == 0:
        return "", False, -1
    s = text.strip()
    for p in R4D_PREFIXES:
        s = s.replace(p, "")
    valid = "ABCDE"[:n]
    m = re.search(rf"\(([{valid}])\)", s)
    if m:
        return m.group(1), True, 0
    m = re.search(rf"\b([{valid}])\b", s)
    if m:
        return m.group(1), True, 1
    return "", False, -1


def mllm4d_option_key(text, item):
    # MLLM-4D extract_option_key
    if not text:
        return "", False, -1
    m = re.search(r"<answer>(.*?)</answer>", text, re.DOTALL | re.IGNORECASE)
    if m:
        content = m.group(1).strip()
        g = re.search(r"\b([A-D])\b", content, re.IGNORECASE)
        if g:
            return g.group(1).upper(), True, 0
        if content.upper() in ["A", "B", "C", "D"]:
            return content.upper(), True, 0
    m = re.search(r"(?:answer|option|最终答案|答案)\s*[:：]\s*([A-D])", text,
                  re.DOTALL | re.IGNORECASE | re.UNICODE)
    if m:
        return m.group(1).upper(), True, 1
    tail = text[-100:].strip()
    m = re.search(r"\b([A-D])\s*$", tail, re.IGNORECASE)
    if m:
        return m.group(1).upper(), True, 2
    clean = text.strip().upper()
    if clean in ["A", "B", "C", "D"]:
        return clean, True, 3
    return "", False, -1


def mmmu_parse_choice(text, item):
    # MMMU parse_multi_choice_response(response, ["A".."E"], index2ans)
    response = text
    for char in [',', '.', '!', '?', ';', ':', "'"]:
        response = response.strip(char)
    response = " " + response + " "
    all_choices = ["A", "B", "C", "D", "E"]
    index2ans = {l: t for l, t in zip(LETTERS, item["opts"]) if t is not None}
    index_ans = True
    ans_with_brack = False
    candidates = []
    rule = 0
    for choice in all_choices:
        if f'({choice})' in response:
            candidates.append(choice)
            ans_with_brack = True
    if len(candidates) == 0:
        rule = 1
        for choice in all_choices:
            if f' {choice} ' in response:
                candidates.append(choice)
    if len(candidates) == 0 and len(response.split()) > 5:
        rule = 2
        for index, ans in index2ans.items():
            if ans.lower() in response.lower():
                candidates.append(index)
                index_ans = False
    if len(candidates) == 0:
        return "", False, -1          # the official code: random.choice
    if len(candidates) > 1:
        start_indexes = []
        if index_ans:
            if ans_with_brack:
                for can in candidates:
                    start_indexes.append(response.rfind(f'({can})'))
            else:
                for can in candidates:
                    start_indexes.append(response.rfind(f" {can} "))
        else:
            for can in candidates:
                start_indexes.append(response.lower().rfind(index2ans[can].lower()))
        best = max(range(len(start_indexes)), key=lambda i: (start_indexes[i], -i))
        return candidates[best], True, rule
    return candidates[0], True, rule


def omnispatial_answer(text, item):
    # qizekun/OmniSpatial api_eval.py process_info, eval_type "re" (the "A" for
    # a miss is the protocol's fallback, applied after extraction)
    found = re.compile(r"Answer\s*:\s*([A-D])\b", re.IGNORECASE).findall(text)
    if found:
        return found[-1], True, 0
    return "", False, -1


def raw(text, item):
    return text, bool(text.strip()), 0 if text.strip() else -1


def _mmsi(text, braces, lmms):
    # MMSI-Bench extract_single_choice_with_word_boundary (official code;
    # braces: the README copy; lmms: lmms-eval since d8fcb9c3)
    pred, rule = text, 0
    pats = [r"``([^`]*)``", r"`([^`]*)`"] + ([r"\{([^}]*)\}"] if braces else [])
    for k, pat in enumerate(pats):
        m = re.search(pat, pred)
        if m:
            pred, rule = m.group(1), k + 1
    if lmms:
        m = re.search(r"\b[A-F]\b(?!\s[a-zA-Z])", pred, re.IGNORECASE)
    else:
        m = re.search(r"\b[A-D]\b(?!\s[a-zA-Z])", pred)
    if not m:
        return "", False, -1
    return (m.group().upper() if lmms else m.group()), True, rule


def mmsi_word_boundary(text, item):
    return _mmsi(text, False, False)


def mmsi_word_boundary_braces(text, item):
    return _mmsi(text, True, False)


def mmsi_lmms(text, item):
    return _mmsi(text, True, True)


def sat_real_answer(text, item):
    # SAT author's lmms-eval sat_real sat_process_results (truth letter given)
    answer = item["accepted"][:1]
    m = re.search(r"answer is \s*\n?\s*\(?([A-Z])\)?", text)
    pred_letter = m.group(1) if m else ""
    if answer and pred_letter == answer:
        return answer, True, 0
    if answer and answer in text:
        return answer, True, 1
    s = text.strip()
    found = len(s) == 1 and s.isascii() and s.isalpha()
    return s, found, 2 if found else -1


def lmms_sat_flexible(text, item):
    # lmms-eval sat MultiChoiceRegexFilter, then exact_match's punctuation rule
    question = item.get("question") or ""
    fallback, choice_to_alpha, next_alpha = [], {}, "A"
    for m in re.compile(r"\b([A-Z])\.\s+([^\n]*)").findall(question):
        choice_text = m[1].strip()
        fallback.append(re.escape(choice_text))
        choice_to_alpha[choice_text] = next_alpha
        next_alpha = chr(ord(next_alpha) + 1)
    fallback_regex = re.compile("|".join(fallback))
    cleaned = re.sub(r"[^\w\s]", "", text).strip()
    match = fallback_regex.search(cleaned)
    if match and match.group() in choice_to_alpha:
        return choice_to_alpha[match.group()], True, 0
    tok = cleaned.split(" ")[0].replace("_", "")
    return tok, bool(tok), 1 if tok else -1


OFFICIAL = {
    "vsi-first-token": vsi_first_token,
    "sti-cascade": sti_cascade,
    "r4d-letter": r4d_letter,
    "mllm4d-option-key": mllm4d_option_key,
    "mmmu-parse-choice": mmmu_parse_choice,
    "mmsi-word-boundary": mmsi_word_boundary,
    "mmsi-word-boundary-braces": mmsi_word_boundary_braces,
    "mmsi-lmms": mmsi_lmms,
    "sat-real-answer": sat_real_answer,
    "lmms-sat-flexible": lmms_sat_flexible,
    "omnispatial-answer": omnispatial_answer,
}


# ---- MRA as numpy computes it -------------------------------------------------

def mra_thresholds():
    start, end, interval = .5, .95, .05
    num = int((end - start) / interval + 2)
    step = (end - start) / (num - 1)
    y = [i * step + start for i in range(num)]
    y[-1] = end
    return [1 - v for v in y]


def mra(pred, gt):
    if gt == 0:
        return 1.0 if pred == 0 else 0.0     # steval's rule; official: ZeroDivisionError
    rel = abs(pred - gt) / gt
    return sum(1 for t in mra_thresholds() if rel <= t) / 10


EXPECTED_THRESHOLDS = [0.5, 0.44999999999999996, 0.4, 0.35, 0.30000000000000004, 0.25,
                       0.19999999999999996, 0.15000000000000002, 0.10000000000000009,
                       0.050000000000000044]


def to_float(s):
    try:
        return float(s)
    except (ValueError, TypeError):
        return None


# ---- golden files ----------------------------------------------------------------

def case_text(c):
    if "text_hex" in c:
        return bytes.fromhex(c["text_hex"]).decode("utf-8", "steval_byte")
    return c.get("text", "")


def case_item(c):
    opts = c.get("options")
    if opts is None:
        opts = [None] * c.get("num_options", 0)
    return {"opts": [None if o is None else str(o) for o in opts], "nopt": len(opts),
            "accepted": c.get("accepted", ""), "question": c.get("question")}


def check_extract(root):
    bad = total = 0
    d = os.path.join(root, "tests", "golden", "extract")
    for name, fn in OFFICIAL.items():
        path = os.path.join(d, name + ".jsonl")
        with open(path, encoding="utf-8") as f:
            for ln, line in enumerate(f, 1):
                if not line.strip():
                    continue
                c = json.loads(line)
                x = c.get("x", name)
                value, found, rule = OFFICIAL[x](case_text(c), case_item(c))
                total += 1
                want = (c["value"], c["found"], c.get("rule", rule))
                if (value, found, rule) != want:
                    bad += 1
                    print(f"{path}:{ln}: python gives {(value, found, rule)!r}, golden says {want!r}"
                          f" ({c.get('why', '')})")
    return bad, total


def check_metrics(root):
    bad = total = 0
    th = mra_thresholds()
    total += 1
    if th != EXPECTED_THRESHOLDS or len(th) != 10:
        bad += 1
        print(f"thresholds {th!r} differ from suites.md §5.5")
    path = os.path.join(root, "tests", "golden", "metric.jsonl")
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            c = json.loads(line)
            if c["metric"] != "mra":
                continue
            total += 1
            p, g = to_float(c["value"]), to_float(c["answer"])
            got = 0.0 if p is None or g is None else mra(p, g)
            if got != c["expect"]:
                bad += 1
                print(f"{path}:{ln}: python gives {got!r}, golden says {c['expect']!r}")
    return bad, total


# ---- random cases -------------------------------------------------------------------

FRAGMENTS = [
    "A", "B", "C", "D", "E", "a", "b", "c", "d", "e", "F", "I", "(A)", "(b)", "(E)", "(F)",
    "B.", "C)", "d.", "A:", "Answer:", "answer", "Answer = ", "ANSWER:", "Ans=", "ans = '",
    "'", '"', "Option ", "option", "OPTION", "Optıon", "OPTİON", "is correct", "was correct",
    " ıs correct", "İS correct", "ſ", "K", "Ans\u017f", "<answer>", "</answer>", "<ANSWER>",
    "答案：", "最终答案:", "答案", "：", ":", "=", "The best answer is", "The answer is",
    "The correct option is", "Best option:", "Best answer:", "The answer isB", "\n", " ", "  ",
    "\t", "\r", "\u3000", "\u00a0", "\u2003", "\x1c", "\x1f", "\x85", "\u180e", "\u2028",
    "Because", "ABC", "BE", "é", "Éb", "ＡＮＳＷＥＲ", "Ａ", "2.5", "2.5 meters", "1_000",
    "٣", ".", "..", ")", "(", "_", "Ⅳ", "²", "\u0301", "\u203f", "\ufffd", "x", "the",
    "left", "right", "not moving", "because", "I think", "Therefore,", "**B**", "$C$",
    "正确答案是", "é\u0301", "0", "9", "<answer>B</answer>", "<answer> c", "</answer>", " B ",
    " C ", "(D)", "答案：B", "`", "``", "`B`", "``C``", "{", "}", "{D}", "answer is ", "A bike",
    "A. ", "B. left", "Z",
]

OPTION_POOL = ["left", "right", "not moving", "2.36m", "None", "", "A", "b", "the car",
               "Left", "0", "1", "no", "there are no buses in the video", "é", "(A)"]


def random_text(rng):
    n = rng.randint(0, 14)
    parts = [rng.choice(FRAGMENTS) for _ in range(n)]
    if rng.random() < 0.15:   # long texts: the last 100 code points matter
        filler = rng.choice(["x", "é", " ", "中", "word "])
        parts.insert(rng.randint(0, len(parts)), filler * rng.randint(80, 130))
    return "".join(parts)


def write_random(n, seed, out):
    rng = random.Random(seed)
    with open(out, "w", encoding="utf-8") as f:
        for name, fn in OFFICIAL.items():
            for _ in range(n):
                text = random_text(rng)
                case = {"x": name, "text": text}
                if rng.random() < 0.1:   # invalid UTF-8
                    b = bytearray(text.encode("utf-8"))
                    b.insert(rng.randint(0, len(b)), rng.choice([0x80, 0xff, 0xc3, 0xe2, 0xed]))
                    case = {"x": name, "text_hex": bytes(b).hex()}
                if name == "sat-real-answer":
                    case["accepted"] = rng.choice("AB")
                if name == "lmms-sat-flexible" and rng.random() < 0.5:
                    case["question"] = random_text(rng) + rng.choice(["", " A. left\nB. right", " A. "])
                if name in ("r4d-letter", "mmmu-parse-choice"):
                    k = rng.randint(0, 6)
                    if name == "mmmu-parse-choice" and rng.random() < 0.7:
                        case["options"] = [rng.choice(OPTION_POOL) for _ in range(k)]
                    else:
                        case["num_options"] = k
                value, found, rule = fn(case_text(case), case_item(case))
                case.update({"value": value, "found": found, "rule": rule, "why": "random"})
                f.write(json.dumps(case, ensure_ascii=False) + "\n")


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    args = argv[1:]
    if "--root" in args:
        root = args[args.index("--root") + 1]
    if "--random" in args:
        n = int(args[args.index("--random") + 1])
        seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
        write_random(n, seed, args[args.index("--out") + 1])
        return 0
    b1, t1 = check_extract(root)
    b2, t2 = check_metrics(root)
    print(f"{t1 + t2 - b1 - b2} of {t1 + t2} golden values agree with CPython")
    return 1 if b1 + b2 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
