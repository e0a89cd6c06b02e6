#!/usr/bin/env python3
"""make_parser.py: expected readings of judge replies, computed by the official
code paths themselves (needs pydantic 2; the expectations are committed in
parser.jsonl, so the C tests do not).

braces: GVCLab/MLLM-4D@544fbd5:evaluation/evaluation.py lines 70-79:
  json_part = response_text[response_text.find('{'):response_text.rfind('}') + 1]
  parsed_output = json.loads(json_part); EvaluationOutput(**parsed_output)
  except (JSONDecodeError, ValidationError, IndexError): "Parsing Error", False
json: the openai SDK's structured output, EvaluationOutput.model_validate_json(content)
  (VLM4D); a failure there is recorded by steval as unparsed, extracted "".

  python3 make_parser.py > parser.jsonl
"""
import json
import sys

from pydantic import BaseModel, ValidationError


class EvaluationOutput(BaseModel):
    extracted_answer: str
    correct: bool


CASES = [
    # judges.md §2.5 and around it
    ("plain JSON", '{"extracted_answer": "A: 1", "correct": true}'),
    ("fenced JSON", '```json\n{"extracted_answer": "B: left", "correct": false}\n```'),
    ("prose around it", 'Here is my evaluation:\n{"extracted_answer": "C: 3", "correct": true}\nHope this helps.'),
    ("Python True is not JSON", '{"extracted_answer": "A: 1", "correct": True}'),
    ("Python False is not JSON", '{\n    "extracted_answer": "D: 0",\n    "correct": False\n}'),
    ("string yes", '{"extracted_answer": "A: 1", "correct": "yes"}'),
    ("string no", '{"extracted_answer": "A: 1", "correct": "no"}'),
    ("string TRUE", '{"extracted_answer": "A: 1", "correct": "TRUE"}'),
    ("string t", '{"extracted_answer": "A", "correct": "t"}'),
    ("string off", '{"extracted_answer": "A", "correct": "off"}'),
    ("string 1", '{"extracted_answer": "A", "correct": "1"}'),
    ("string with spaces", '{"extracted_answer": "A", "correct": " true "}'),
    ("string maybe", '{"extracted_answer": "A", "correct": "maybe"}'),
    ("int 1", '{"extracted_answer": "A", "correct": 1}'),
    ("int 0", '{"extracted_answer": "A", "correct": 0}'),
    ("int 2", '{"extracted_answer": "A", "correct": 2}'),
    ("int -1", '{"extracted_answer": "A", "correct": -1}'),
    ("float 1.0", '{"extracted_answer": "A", "correct": 1.0}'),
    ("float 0.0", '{"extracted_answer": "A", "correct": 0.0}'),
    ("float 0.5", '{"extracted_answer": "A", "correct": 0.5}'),
    ("exponent 1e0", '{"extracted_answer": "A", "correct": 1e0}'),
    ("null correct", '{"extracted_answer": "A", "correct": null}'),
    ("NaN correct", '{"extracted_answer": "A", "correct": NaN}'),
    ("nested braces", '{"extracted_answer": "A: {x}", "correct": true, "detail": {"why": {"k": 1}}}'),
    ("two objects", '{"extracted_answer": "A", "correct": true} and {"extracted_answer": "B", "correct": false}'),
    ("no braces", 'The answer is correct.'),
    ("only a closing brace", 'correct}'),
    ("closing before opening", '} then {'),
    ("empty reply", ''),
    ("missing correct", '{"extracted_answer": "A"}'),
    ("missing extracted_answer", '{"correct": true}'),
    ("extracted_answer a number", '{"extracted_answer": 1, "correct": true}'),
    ("extracted_answer null", '{"extracted_answer": null, "correct": true}'),
    ("extra keys are ignored", '{"reasoning": "...", "extracted_answer": "B: 2", "correct": false, "score": 3}'),
    ("duplicate key: the last counts", '{"extracted_answer": "A", "correct": false, "correct": true}'),
    ("single quotes", "{'extracted_answer': 'A', 'correct': true}"),
    ("trailing comma", '{"extracted_answer": "A", "correct": true,}'),
    ("raw newline in a string", '{"extracted_answer": "A:\n1", "correct": true}'),
    ("escaped newline", '{"extracted_answer": "A:\\n1", "correct": true}'),
    ("unicode escapes", '{"extracted_answer": "\\u0041: \\u5de6 \\ud83d\\ude00", "correct": true}'),
    ("escaped key", '{"extracted_\\u0061nswer": "A", "correct": true}'),
    ("leading zero", '{"extracted_answer": "A", "correct": 01}'),
    ("a list inside", '{"extracted_answer": "A", "correct": true, "l": [1, 2.5, -3e2, "x", null, [], {}]}'),
    ("Infinity elsewhere", '{"extracted_answer": "A", "correct": true, "x": -Infinity}'),
    ("tabs and CR", '{\t"extracted_answer":\r\n"A",\t"correct":\ttrue\r\n}'),
    ("form feed is not JSON white space", '{"extracted_answer": "A",\f"correct": true}'),
    ("think block before", '<think>\nThe model said {A}.\n</think>\n{"extracted_answer": "A: 1", "correct": true}'),
    ("invalid escape", '{"extracted_answer": "A\\x", "correct": true}'),
    ("unterminated", '{"extracted_answer": "A", "correct": true'),
    ("the prompt's own format echoed", '{\n    "extracted_answer": "A: 1",\n    "correct": true // it matches\n}'),
    ("No Valid Answer", '{"extracted_answer": "No Valid Answer", "correct": false}'),
]


def braces(text):
    try:
        json_part = text[text.find('{'):text.rfind('}') + 1]
        parsed_output = json.loads(json_part)
        e = EvaluationOutput(**parsed_output)
        return {"status": "ok", "correct": e.correct, "extracted": e.extracted_answer}
    except (json.JSONDecodeError, ValidationError, IndexError):
        return {"status": "unparsed", "correct": False, "extracted": "Parsing Error"}


def whole(text):
    try:
        e = EvaluationOutput.model_validate_json(text)
        return {"status": "ok", "correct": e.correct, "extracted": e.extracted_answer}
    except ValidationError:
        return {"status": "unparsed", "correct": False, "extracted": ""}


def main():
    for why, text in CASES:
        for parser, fn in (("braces", braces), ("json", whole)):
            r = fn(text)
            r.update({"parser": parser, "text": text, "why": why})
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
