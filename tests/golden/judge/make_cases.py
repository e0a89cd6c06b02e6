#!/usr/bin/env python3
"""make_cases.py: the judge prompts of a few real VLM4D items, as the official
code builds them (standard library only), for tests/unit/scorers/test_judge.c.

Restates ShijieZhou-UCLA/VLM4D@23f2680:utils/eval_utils.py
(MULTI_CHOICE_INSTRUCTION, prepare_evaluation_message) and
GVCLab/MLLM-4D@544fbd5:evaluation/evaluation.py (its MULTI_CHOICE_INSTRUCTION,
prepare_evaluation_message); the system prompts' sha256 are the ones in
../shared/research/judges.md (sections 1.2 and 2.2).

  python3 make_cases.py DATA_DIR > cases.json
DATA_DIR holds data/real_mc.json, data/synthetic_mc.json and
predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json (../shared/data/vlm4d).
"""
import hashlib
import json
import os
import sys

INSTRUCTION = """Your task is to evaluate whether the model's final answer is correct by comparing it to the ground-truth answer provided for the given question.

You should first extract the final answer from the model's response, and then compare the extracted answer with the choice that matches the ground-truth answer to determine its correctness.
"""
VLM4D = INSTRUCTION + "Output your response in the following structured format:\n" + """{
    "extracted_answer": // str value "A" "B" "C" "D", followed by a colon and the corresponding answer text, e.g., "A: Answer A text". If the model's response does not contain a valid choice and reasoning, then "No Valid Answer".
    "correct": // boolean value, True if the extracted answer matches the ground-truth answer (correct choice), False otherwise ("No Valid Answer" is also considered False).
}
"""
MLLM4D = INSTRUCTION + "Output your response in the following structured format, and do not output any other text:\n" + """{
    "extracted_answer": // str value "A" "B" "C" "D", followed by a colon and the corresponding answer text, e.g., "A: left". If the model's response does not contain a valid choice and reasoning, then "No Valid Answer".
    "correct": // boolean value, True if the extracted answer matches the ground-truth answer (correct choice), False otherwise ("No Valid Answer" is also considered False).
}
"""
SHA = {"vlm4d": "c9b34c9a4b6dc1c16eacd81bc4a18a59972ee5c8f10370f4a5707174737780ea",
       "mllm4d": "a45037e80b77950b1d1e1e4804971fe03a96c61ccf151e1b84525b72357b30b6"}


def vlm4d_user(example, response):
    # eval_utils.py prepare_evaluation_message
    optionized_list = [f"{key}: {value}" for i, (key, value) in enumerate(example['choices'].items())]
    optionized_str = "\n".join(optionized_list)
    question_context = f"Question: {example['question']}\n\nOptions:\n{optionized_str}"
    gt_answer = f"Ground Truth Answer: {example['answer']}"
    model_response = f"Model Response to the Question: {response}"
    return f"{question_context}\n\n{gt_answer}\n\n{model_response}"


def mllm4d_user(example):
    # evaluation.py prepare_evaluation_message
    optionized_list = [f"{key}: {value}" for key, value in example['choices'].items()]
    optionized_str = "\n".join(optionized_list)
    question_context = f"Question: {example['question']}\n\nOptions:\n{optionized_str}"
    gt_answer = f"Ground Truth Answer: {example['answer']}"
    model_response = f"Model Response to the Question: {example['response']}"
    return f"{question_context}\n\n{gt_answer}\n\n{model_response}"


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def main():
    d = sys.argv[1]
    real = json.load(open(os.path.join(d, "data/real_mc.json")))
    synth = json.load(open(os.path.join(d, "data/synthetic_mc.json")))
    preds = json.load(open(os.path.join(d, "predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json")))
    assert sha(VLM4D) == SHA["vlm4d"] and sha(MLLM4D) == SHA["mllm4d"]
    byid = {p["id"]: p for p in preds}
    cases = []

    def add(name, judge, stem, rec, response):
        if judge == "vlm4d":
            user = vlm4d_user(rec, response)
            system = VLM4D
        else:
            ex = dict(rec)
            ex["response"] = response
            user = mllm4d_user(ex)
            system = MLLM4D
        cases.append({"name": name, "judge": judge, "stem": stem, "record": rec, "response": response,
                      "system_sha256": sha(system), "user": user, "user_sha256": sha(user)})

    v3 = next(r for r in real if r["id"] == "validation_3")
    add("int choices (validation_3), the published CoT answer", "vlm4d", "real_mc", v3,
        byid["validation_3"]["response"])
    add("a missing response renders as None", "vlm4d", "real_mc", v3, None)
    v1 = next(r for r in real if r["id"] == "validation_1")
    add("text choices (validation_1), the published CoT answer", "vlm4d", "real_mc", v1,
        byid["validation_1"]["response"])
    add("a synthetic item (validation_1)", "vlm4d", "synthetic_mc", synth[0], "A")
    add("MLLM-4D: int choices, a letter", "mllm4d", "real_mc", v3, "A")
    add("MLLM-4D: an empty response keeps the space after the colon", "mllm4d", "synthetic_mc", synth[0], "")
    json.dump({"system": {"vlm4d": VLM4D, "mllm4d": MLLM4D}, "cases": cases}, sys.stdout,
              indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
