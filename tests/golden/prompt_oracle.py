#!/usr/bin/env python3
"""prompt_oracle.py: each suite's OFFICIAL prompt construction, independently of steval.

For every (suite, protocol) that steval's specs define, this script rebuilds the
text the official evaluation code sends to the model, the way that code builds
it (f-strings, string.Template, "\\n".join), from records loaded the way that
code loads them (json.load, per-line json.loads, a pandas-like TSV reader with
ast.literal_eval for option lists, json.loads for STI Candidates strings).
Standard library only. It never reads steval's suite specs: what it knows
comes from the official sources named beside each builder.

Video facts the prompt prints (STI's sampled fps, R4D's duration) are not
known without the video; like `steval show`, the oracle prints them as
placeholders <video.NAME>.

  prompt_oracle.py --write [--out DIR]   write the goldens (default tests/golden/prompts)
  prompt_oracle.py --digests             print suite, protocol, data dir, item id and
                                         sha256 of the user text for every item of
                                         every data set the oracle knows ("-" when the
                                         official code renders no prompt for the item)
  prompt_oracle.py --print SUITE PROTOCOL DATA ID   print one prompt

Paths are relative to the project root (run it from there, as the tests do).
Goldens: DIR/<suite>/<protocol>/<safe item id>.txt holds the exact user text
(a suite's second data set, STI's VLMEvalKit TSV, in a subfolder: .../tsv/),
DIR/<suite>/<protocol>/SYSTEM.txt the system prompt where the protocol has
one, and DIR/index.tsv lists suite, protocol, data dir, item id, golden file
and system file ("-" for none), one row per golden.
"""

import argparse
import ast
import csv
import hashlib
import json
import os
import re
import string
import sys
from string import Template

SHARED_VLM4D = "../shared/data/vlm4d"


class VideoFact:
    """A fact about the video that only the video can tell. Formats (with any
    format spec, e.g. {sample_fps:.2f}) as the placeholder steval prints."""

    def __init__(self, name):
        self.name = name

    def __format__(self, spec):
        return "<video.%s>" % self.name

    def __str__(self):
        return "<video.%s>" % self.name


# --------------------------------------------------------------------------
# Loaders: as the official code reads its data
# --------------------------------------------------------------------------

def load_json_array(path):
    """VLM4D/MLLM-4D main.py and the R4D datamodule: json.load(open(path))."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_jsonl(path):
    """One JSON object per line (the HF JSONL twins of the parquet files:
    records as pandas' to_dict("records") or HF datasets would give them)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out


# pandas.read_csv's default NA spellings (pandas/_libs/parsers.pyx STR_NA_VALUES)
PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
             "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None",
             "n/a", "nan", "null"}
_INT_RE = re.compile(r"^[+-]?[0-9]+$")


def _pandas_column(cells):
    """Column dtype inference as pandas.read_csv does it for the values we
    meet: all integers -> int64, all numbers -> float64 (ints become floats,
    NA becomes nan), otherwise object (str, NA -> nan)."""
    present = [c for c in cells if c not in PANDAS_NA]
    if present and len(present) == len(cells) and all(_INT_RE.match(c) for c in present):
        return [int(c) for c in cells]

    def is_float(c):
        try:
            float(c)
            return True
        except ValueError:
            return False
    if present and all(is_float(c) for c in present):
        return [float("nan") if c in PANDAS_NA else float(c) for c in cells]
    return [float("nan") if c in PANDAS_NA else c for c in cells]


def load_tsv_pandas(path):
    """VLMEvalKit's load(): pd.read_csv(path, sep='\\t') (QUOTE_MINIMAL with
    '"', "" inside quotes, newlines inside quoted cells, blank lines skipped),
    then rows as dicts (line = data.iloc[i])."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r]
    header, body = rows[0], rows[1:]
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise SystemExit("%s: data row %d has %d cells, the header %d"
                             % (path, i + 1, len(r), len(header)))
    cols = [_pandas_column([r[j] for r in body]) for j in range(len(header))]
    return [{header[j]: cols[j][i] for j in range(len(header))} for i in range(len(body))]


# --------------------------------------------------------------------------
# VSI-Bench and VSTI-Bench: lmms-eval doc_to_text
#   vision-x-nyu/thinking-in-space@51e089c:lmms_eval/tasks/vsibench/utils.py, vsibench.yaml
#   VITA-Group/VLM-3R@6dd1264:thinking-in-space/lmms_eval/tasks/vstibench/utils.py, vstibench.yaml
# --------------------------------------------------------------------------

VSI_MCA = ["object_rel_direction_easy", "object_rel_direction_medium",
           "object_rel_direction_hard", "object_rel_distance", "route_planning",
           "obj_appearance_order"]
VSI_NA = ["object_abs_distance", "object_counting", "object_size_estimation",
          "room_size_estimation"]
VSTI_MCA = ["obj_obj_relative_pos_nf", "obj_obj_relative_pos_ud", "obj_obj_relative_pos_lr",
            "camera_obj_rel_dist_v1", "camera_obj_rel_dist_v2", "camera_obj_rel_dist_v3",
            "camera_movement_direction"]
VSTI_NA = ["camera_obj_abs_dist", "camera_displacement", "camera_obj_dist_change"]

# lmms_eval_specific_kwargs of vsibench.yaml / vstibench.yaml (identical in both)
_MCA_POST = "Answer with the option's letter from the given choices directly."
LMMS_KWARGS = {
    "default": {"pre_prompt": "", "mca_post_prompt": _MCA_POST,
                "na_post_prompt": "Please answer the question using a single word or phrase."},
    "gemini_api": {"pre_prompt": "", "mca_post_prompt": _MCA_POST,
                   "na_post_prompt": "Do not response anything other than a single number!"},
    "gpt4v": {"pre_prompt": "", "mca_post_prompt": _MCA_POST,
              "na_post_prompt": "Do not response anything other than a single number!"},
}


def lmms_doc_to_text(doc, kwargs, mca_types, na_types):
    question = doc["question"]
    pre_prompt = kwargs.get("pre_prompt", "") or "These are frames of a video."
    if doc["question_type"] in na_types:
        post_prompt = (kwargs.get("na_post_prompt", "")
                       or "Please answer the question using a single word or phrase.")
        return pre_prompt + "\n" + question + "\n" + post_prompt
    if doc["question_type"] in mca_types:
        options = "Options:\n" + "\n".join(doc["options"])
        post_prompt = (kwargs.get("mca_post_prompt", "")
                       or "Answer with the option's letter from the given choices directly.")
        return "\n".join([pre_prompt, question, options, post_prompt])
    raise ValueError("Unknown question type: %s" % doc["question_type"])


def vsi_builder(kwargs_name):
    return lambda doc: lmms_doc_to_text(doc, LMMS_KWARGS[kwargs_name], VSI_MCA, VSI_NA)


def vsti_builder(kwargs_name):
    return lambda doc: lmms_doc_to_text(doc, LMMS_KWARGS[kwargs_name], VSTI_MCA, VSTI_NA)


def demo_builder(doc):
    """steval's own demo suite (fixtures/demo): VSI-Bench's default protocol,
    a question being multiple-choice when it has options."""
    doc = dict(doc, question_type="mca" if doc.get("options") else "na")
    return lmms_doc_to_text(doc, LMMS_KWARGS["default"], ["mca"], ["na"])


# --------------------------------------------------------------------------
# STI-Bench
#   MINT-SJTU/STI-Bench@43ddebe:openai_test.py (process_item)
#   MINT-SJTU/STI-Bench@43ddebe:opensource_test.py (the inference loop)
#   open-compass/VLMEvalKit:vlmeval/dataset/stibench.py (build_prompt)
# --------------------------------------------------------------------------

def sti_normalise(item):
    """opensource_test.py's loader: a Candidates string is json.loads'ed ({}
    when it is not JSON). openai_test.py calls Candidates.items() directly (a
    string would raise), so both STI builders apply this normalisation."""
    item = dict(item)
    if isinstance(item.get("Candidates"), str):
        try:
            item["Candidates"] = json.loads(item["Candidates"])
        except json.JSONDecodeError:
            item["Candidates"] = {}
    return item


def sti_openai(item):
    sample_fps = VideoFact("sample_fps")      # get_frame(video_path)[1]
    candidate_list = [f"{k} {v}" for k, v in item["Candidates"].items()]
    question = (
        f"From {item['time_start']} seconds to {item['time_end']} seconds. "
        + item["Question"] + "\n" + "\n".join(candidate_list)
    )
    return (
        f"Answer the question below based on the frames provided, "
        f"which are sampled at about {sample_fps:.2f} FPS.\n"
        f"Question: {question}\n"
        f"Please output only the option you choose!"
    )


def sti_opensource(entry):
    cand_str = "\n".join([f"({k}) {v}" for k, v in entry["Candidates"].items()])
    ts, te = entry["time_start"], entry["time_end"]
    return (
        f"From {ts} s to {te} s. {entry['Question']}\n"
        f"{cand_str}\nPlease output only the option letter!"
    )


def sti_vlmevalkit(line):
    question = line["question"]
    time_start = line["time_start"]
    time_end = line["time_end"]
    upper_letters = list(string.ascii_uppercase)
    options_list = ast.literal_eval(line["options"])
    option_text = "\n".join(f"{upper_letters[i]} {options_list[i]}"
                            for i in range(len(options_list)))
    question = (f"From {time_start} seconds to {time_end} seconds. "
                + question + "\n" + option_text)
    sample_fps = VideoFact("sample_fps")      # save_video_frames(...)[2]['sample_fps']
    fps_text = f"which are sampled at about {sample_fps:.2f} FPS.\n"
    return (f"Answer the question below based on the frames provided, "
            f"{fps_text}"
            f"Question: {question}\n"
            f"Please output only the option you choose!")


def sti_tsv_row_as_parquet(row):
    """A VLMEvalKit TSV row seen as a qa.parquet record (for the official
    scripts run over the TSV's items): the TSV's options become Candidates
    lettered A, B, ... in order."""
    opts = ast.literal_eval(row["options"])
    return {"Video": row["video"], "ID": row["index"], "time_start": row["time_start"],
            "time_end": row["time_end"], "Question": row["question"],
            "Candidates": {string.ascii_uppercase[i]: o for i, o in enumerate(opts)},
            "Answer": row["answer"], "Task": row["task_type"]}


def sti_parquet_as_tsv_row(item):
    """A qa.parquet record seen as a VLMEvalKit TSV row (how its STIBench.tsv
    is derived from qa.parquet: options = the Candidates values in order,
    stored as a Python list literal)."""
    item = sti_normalise(item)
    return {"index": item["ID"], "question": item["Question"],
            "time_start": item["time_start"], "time_end": item["time_end"],
            "options": repr(list(item["Candidates"].values())), "video": item["Video"],
            "task_type": item["Task"], "answer": item["Answer"]}


# --------------------------------------------------------------------------
# R4D-Bench
#   NVIDIA lmms-eval extension tasks/r4d_bench/utils.py (_ensure_normalized,
#   r4d_doc_to_text); NVIDIA 4D-RGPT datamodule r4d_bench (R4DBench.inference)
# --------------------------------------------------------------------------

R4D_SOM_PREAMBLE = (
    "The first image is a set-of-mark annotation of a key frame from the video, "
    "with bounding boxes labeled <obj_1>, <obj_2>, etc. References to <obj_N> in "
    "the question correspond to those labeled regions."
)


def r4d_lmms_normalise(item):
    """_ensure_normalized: id, options and answer cast to str (None -> "")
    before HF datasets reads the JSONL copy (missing keys read as None)."""
    item = dict(item)
    item["id"] = str(item["id"])
    item["options"] = ["" if o is None else str(o) for o in item["options"]]
    item["answer"] = "" if item["answer"] is None else str(item["answer"])
    return item


def r4d_lmms(doc):
    doc = r4d_lmms_normalise(doc)
    question = doc.get("question") or doc.get("question_raw") or ""
    has_som = bool(doc.get("som_image"))
    options = doc["options"]
    letters = list(string.ascii_uppercase[: len(options)])
    option_lines = "\n".join(f"({L}) {opt}" for L, opt in zip(letters, options))
    parts = []
    if has_som:
        parts.append(R4D_SOM_PREAMBLE)
    parts.append(question)
    parts.append(f"Options:\n{option_lines}")
    parts.append("Answer with only the letter of the correct option.")
    return "\n\n".join(parts)


# FORMAT_PROMPTS['direct'] is not published; this is the instruction steval's
# datamodule protocol assumes (spec "verified": false). The oracle checks the
# rest of the construction around it.
R4D_DIRECT_FORMAT_ASSUMED = "Answer with the option's letter from the given choices directly."


def r4d_datamodule(entry):
    """R4DBench.inference over json.load'ed records. An entry without a
    som_image (KeyError) or whose files are missing is skipped there: None."""
    if "som_image" not in entry or not entry["som_image"]:
        return None
    question = entry["question"]
    candidates = "\n".join([f"({chr(ord('A') + i)}) {v}" for i, v in enumerate(entry["options"])])
    video_sec = VideoFact("duration")         # get_video_length(video_path)
    question = f"These images are uniformly sampled from a video of {video_sec} seconds." + "\n" + question
    prompt = question + "\n" + "Options: \n" + candidates
    prompt += "\n" + R4D_DIRECT_FORMAT_ASSUMED
    return prompt


# --------------------------------------------------------------------------
# VLM4D and MLLM-4D: prepare_qa_text_input with string.Template
#   ShijieZhou-UCLA/VLM4D@23f2680:utils/constant.py, utils/prepare_input.py
#   GVCLab/MLLM-4D@544fbd5:evaluation/utils/constant.py, evaluation/utils/prepare_input.py,
#   evaluation/model_inference/mllm4d.py (the system prompt of the RFT model)
# --------------------------------------------------------------------------

COT_MC = Template(
    "\nQuestion: $question\n$optionized_str\n\n"
    "Answer the given multiple-choice question step by step. Begin by explaining your "
    "reasoning process clearly. In the last sentence of your response, you must conclude by "
    "stating the final answer using the following format: 'Therefore, the final answer is: "
    "$$LETTER' (without quotes), where $$LETTER must be only one of the options (A or B or C "
    "or D). Think step by step before answering.")
DO_MC = Template(
    "\nQuestion: $question\n$optionized_str\n\n"
    "Do not generate any intermediate reasoning process. Answer directly with the option "
    "letter from the given choices.\n")
RL_MC = Template(
    "\n$question\nOptions: $optionized_str\n"
    "Output the thinking process in <thinking> </thinking> and final answer in <answer> "
    "</answer> tags.")
MLLM4D_SYSTEM = (
    "\nYou are a video analysis assistant. Your goal is to solve the user's question by "
    "performing a detailed spatial-temporal analysis of the video content. Answer the given "
    "multiple-choice question step by step.\n\n"
    "The response must follow a strict structure:\n"
    "1.  **Reasoning Process**: Enclosed within <thinking> </thinking> tags. \n"
    "2.  **Final Answer**: Enclosed within <answer> </answer> tags.\n")


def qa_text(template):
    def build(query):
        if query["question_type"] != "multiple-choice":
            raise ValueError("Invalid question type: %s" % query["question_type"])
        optionized_list = [f"{key}: {value}" for i, (key, value) in enumerate(query["choices"].items())]
        optionized_str = "\n".join(optionized_list)
        return template.substitute(question=query["question"], optionized_str=optionized_str)
    return build


# OmniSpatial: qizekun/OmniSpatial@208bac2 vlms_eval/system_prompts.py (the
# root system_prompts.py is the same blob). Lines end as they do there: in the
# manual-CoT and blind prompts "You will receive" and bullets 1-2 (blind: 1)
# end in two spaces.
OMNI_RE_FORMAT = """
End your answer with a separate line formatted exactly as:

Answer: X
where X ∈ {A, B, C, D}.
"""

OMNI_MANUAL_COT = """
You are a spatial-reasoning assistant.

Task
-----
You will receive  
1. **Image** - a single RGB frame depicting a scene.  
2. **Question** - a natural-language query about spatial relationships between objects in the image.  
3. **Options** - ≥2 answer candidates, each tagged by a capital letter (A, B, C, D…).

Guidelines
----------
Please follow these steps to analyze the image and answer the question:
1. First, carefully observe the image and identify all relevant objects and their spatial relationships.
2. Next, break down the question into key components that need to be addressed.
3. Think through the spatial reasoning step-by-step to arrive at your answer. It may be necessary to transfer perspective to better understand the scene.
4. Finally, select the most appropriate option (A, B, C, or D) based on your analysis.

Always ground your answer in the visual evidence; do not hallucinate unseen objects.
If uncertain, pick the most plausible option—never refuse or reply “insufficient information.”
"""

OMNI_BLIND = """
You are a spatial-reasoning assistant.

Task
-----
You will receive  
1. **Question** - a natural-language query about spatial relationships.  
2. **Options** - ≥2 answer candidates, each tagged by a capital letter (A, B, C, D…).

Based on the question only, provide your answer.
"""

OMNI_API_SYSTEM = OMNI_MANUAL_COT + '\n' + OMNI_RE_FORMAT   # api_eval.py: SYS_PROMPTS[pt] + '\n' + FORMAT_PROMPTS[et]
# lmms-eval's copy (EvolvingLMMs-Lab/lmms-eval@161c7a1 tasks/omnispatial/utils.py) is the
# same text with no line ending in spaces; its RE_FORMAT is the official one
OMNI_LMMS_MANUAL_COT = "\n".join(line.rstrip(" ") for line in OMNI_MANUAL_COT.split("\n"))


def omni_api(info):
    """api_eval.py process_info: the question, then 'A. option' lines, each ending in a newline."""
    question, options = info["question"], info["options"]
    prompt = question + "\n"
    for i in range(len(options)):
        prompt += f"{chr(65 + i)}. {options[i]}\n"
    return prompt


def omni_lmms(doc):
    """lmms-eval omnispatial_doc_to_text (prompt_type manual_cot, eval_type re)."""
    prompt = OMNI_LMMS_MANUAL_COT + "\n" + OMNI_RE_FORMAT + "\n\n" + doc["question"]
    options = doc["options"]
    for i in range(len(options)):
        prompt += f"\n{chr(65 + i)}. {options[i]}"
    return prompt


def omni_local(info):
    """vlms_eval/qwenvl_eval.py: system and format prompts in the user text, options after '\n'."""
    question, options = info["question"], info["options"]
    prompt = OMNI_MANUAL_COT + '\n' + OMNI_RE_FORMAT + '\n\n' + question
    for i in range(len(options)):
        prompt += f"\n{chr(65 + i)}. {options[i]}"
    return prompt


# --------------------------------------------------------------------------
# MMSI-Bench
#   InternRobotics/MMSI-Bench@5de2f3d:vlmeval/dataset/mmsi_bench.py
#     (MMSIBenchDataset.build_prompt)
#   EvolvingLMMs-Lab/lmms-eval@75571cf:lmms_eval/tasks/mmsi_bench/utils.py
#     (msr_doc_to_text), msr_bench.yaml (post_prompt)
# --------------------------------------------------------------------------

MMSI_POST = ("Answer with the option's letter from the given choices directly. "
             "Enclose the option's letter within ``.")


def mmsi_official(line):
    question = line["question"]
    return f"{question}\n{MMSI_POST}"


MMSI_LMMS_KWARGS = {"pre_prompt": "", "post_prompt": "\n" + MMSI_POST}


def mmsi_lmms(doc):
    kw = MMSI_LMMS_KWARGS
    question = doc["question"].strip()
    if kw["pre_prompt"] != "":
        question = f"{kw['pre_prompt']}{question}"
    if kw["post_prompt"] != "":
        question = f"{question}{kw['post_prompt']}"
    return question


# --------------------------------------------------------------------------
# SAT (real test)
#   arijitray1993/lmms-eval@8856d84:lmms_eval/tasks/sat_real/utils.py
#     (process_docs, sat_doc_to_text with prompt_mode "sft")
#   EvolvingLMMs-Lab/lmms-eval@75571cf:lmms_eval/tasks/sat/utils.py (sat_doc_to_text)
# --------------------------------------------------------------------------

def load_sat_both_orders(path):
    """The rows in file order, then a copy of each with answers[::-1]
    (sat_real process_docs). steval's ids: the row index, and "#1" for the
    reversed copy."""
    rows = load_jsonl(path)
    out = []
    for i, r in enumerate(rows):
        out.append(dict(r, _steval_id=str(i)))
    for i, r in enumerate(rows):
        out.append(dict(r, answers=r["answers"][::-1], _steval_id="%d#1" % i))
    return out


def sat_real_sft(doc):
    QUESTION_TEMPLATE_SFT = (
        "{Question}\n"
        "Provide your final answer between the <answer> </answer> tags."
    )
    multiple_choice = (" Please provide only the single option letter (e.g., A, B, C, D, etc.) "
                       "within the <answer> </answer> tags.")
    ind_to_letter = {0: "A", 1: "B", 2: "C"}
    answer_choice_prompt = ""
    for i, answer_choice in enumerate(doc["answers"]):
        answer_choice_prompt += f"({ind_to_letter[i]}) {answer_choice}\n"
    answer_choice_prompt = answer_choice_prompt.strip()
    full_prompt = doc["question"] + " Choose from the following options: \n" + answer_choice_prompt
    return QUESTION_TEMPLATE_SFT.format(Question=full_prompt) + multiple_choice


SAT_HINT = ("When multiple images are provided, You want to realize that when camera moves left, "
            "the objects in the image move right, and vice versa. And when you are asked about the "
            "movement of the same object captured in different images, you can compare the position "
            "of the object relative to other objects in the image to answer the question.\n")


def sat_lmms(doc):
    question = doc["question"].strip() + "\n" + SAT_HINT
    candidates_str = ""
    for i, candidate in enumerate(doc["answers"]):
        option_letter = chr(ord("A") + i)
        candidates_str += f"{option_letter}. {candidate}\n"
    return (question + "\n" + candidates_str + "\n"
            + "Only output the letter of the correct option and nothing else.")


# --------------------------------------------------------------------------
# MMSI-Bench
#   InternRobotics/MMSI-Bench@5de2f3d:vlmeval/dataset/mmsi_bench.py
#     (MMSIBenchDataset.build_prompt)
#   EvolvingLMMs-Lab/lmms-eval@75571cf:lmms_eval/tasks/mmsi_bench/utils.py
#     (msr_doc_to_text), msr_bench.yaml (post_prompt)
# --------------------------------------------------------------------------

MMSI_POST = ("Answer with the option's letter from the given choices directly. "
             "Enclose the option's letter within ``.")


def mmsi_official(line):
    question = line["question"]
    return f"{question}\n{MMSI_POST}"


MMSI_LMMS_KWARGS = {"pre_prompt": "", "post_prompt": "\n" + MMSI_POST}


def mmsi_lmms(doc):
    kw = MMSI_LMMS_KWARGS
    question = doc["question"].strip()
    if kw["pre_prompt"] != "":
        question = f"{kw['pre_prompt']}{question}"
    if kw["post_prompt"] != "":
        question = f"{question}{kw['post_prompt']}"
    return question


# --------------------------------------------------------------------------
# SAT (real test)
#   arijitray1993/lmms-eval@8856d84:lmms_eval/tasks/sat_real/utils.py
#     (process_docs, sat_doc_to_text with prompt_mode "sft")
#   EvolvingLMMs-Lab/lmms-eval@75571cf:lmms_eval/tasks/sat/utils.py (sat_doc_to_text)
# --------------------------------------------------------------------------

def load_sat_both_orders(path):
    """The rows in file order, then a copy of each with answers[::-1]
    (sat_real process_docs). steval's ids: the row index, and "#1" for the
    reversed copy."""
    rows = load_jsonl(path)
    out = []
    for i, r in enumerate(rows):
        out.append(dict(r, _steval_id=str(i)))
    for i, r in enumerate(rows):
        out.append(dict(r, answers=r["answers"][::-1], _steval_id="%d#1" % i))
    return out


def sat_real_sft(doc):
    QUESTION_TEMPLATE_SFT = (
        "{Question}\n"
        "Provide your final answer between the <answer> </answer> tags."
    )
    multiple_choice = (" Please provide only the single option letter (e.g., A, B, C, D, etc.) "
                       "within the <answer> </answer> tags.")
    ind_to_letter = {0: "A", 1: "B", 2: "C"}
    answer_choice_prompt = ""
    for i, answer_choice in enumerate(doc["answers"]):
        answer_choice_prompt += f"({ind_to_letter[i]}) {answer_choice}\n"
    answer_choice_prompt = answer_choice_prompt.strip()
    full_prompt = doc["question"] + " Choose from the following options: \n" + answer_choice_prompt
    return QUESTION_TEMPLATE_SFT.format(Question=full_prompt) + multiple_choice


SAT_HINT = ("When multiple images are provided, You want to realize that when camera moves left, "
            "the objects in the image move right, and vice versa. And when you are asked about the "
            "movement of the same object captured in different images, you can compare the position "
            "of the object relative to other objects in the image to answer the question.\n")


def sat_lmms(doc):
    question = doc["question"].strip() + "\n" + SAT_HINT
    candidates_str = ""
    for i, candidate in enumerate(doc["answers"]):
        option_letter = chr(ord("A") + i)
        candidates_str += f"{option_letter}. {candidate}\n"
    return (question + "\n" + candidates_str + "\n"
            + "Only output the letter of the correct option and nothing else.")


# --------------------------------------------------------------------------
# Data sets and protocols
# --------------------------------------------------------------------------

def stem(path):
    return os.path.basename(path).split(".")[0]


class DataSet:
    """One data directory of a suite: how to load its records, steval's item
    id for a record, and the records each protocol sees."""

    def __init__(self, suite, data_dir, files, loader, item_id, golden=True, select=None,
                 adapt=None, label=None):
        self.suite, self.data_dir, self.files = suite, data_dir, files
        self.label = label            # golden subfolder when a suite has several data sets
        self.loader, self.item_id, self.golden = loader, item_id, golden
        self.select = select          # item ids to write goldens for (None: all)
        self.adapt = adapt or {}      # protocol -> record conversion

    def records(self):
        for f in self.files:
            path = os.path.join(self.data_dir, f)
            for rec in self.loader(path):
                yield path, rec


PROTOCOLS = {
    # suite -> protocol -> (builder, system prompt or None)
    "vsi-bench": {"default": (vsi_builder("default"), None),
                  "gpt4v": (vsi_builder("gpt4v"), None),
                  "gemini": (vsi_builder("gemini_api"), None)},
    "vsti-bench": {"default": (vsti_builder("default"), None),
                   "gpt4v": (vsti_builder("gpt4v"), None),
                   "gemini": (vsti_builder("gemini_api"), None)},
    "sti-bench": {"openai": (lambda r: sti_openai(sti_normalise(r)), None),
                  "opensource": (lambda r: sti_opensource(sti_normalise(r)), None),
                  "vlmevalkit": (sti_vlmevalkit, None)},
    "demo": {"default": (demo_builder, None)},
    "r4d-bench": {"lmms-eval": (r4d_lmms, None),
                  "datamodule": (r4d_datamodule, None)},
    "omnispatial": {"api": (omni_api, OMNI_API_SYSTEM),
                    "local": (omni_local, None),
                    "lmms-eval": (omni_lmms, None),
                    "blind": (omni_api, OMNI_BLIND)},
    "vlm4d": {"cot": (qa_text(COT_MC), None),
              "direct-output": (qa_text(DO_MC), None)},
    "mmsi-bench": {"official": (mmsi_official, None),
                   "lmms-eval": (mmsi_lmms, None)},
    "sat": {"circular": (sat_real_sft, None),
            "lmms-eval": (sat_lmms, None)},
    "mllm4d-bench": {"rl_cot": (qa_text(RL_MC), MLLM4D_SYSTEM),
                     "direct-output": (qa_text(DO_MC), None),
                     "cot": (qa_text(COT_MC), None)},
}

VLM4D_GOLDEN_IDS = {
    # real_mc: first item; int choices and answer; trailing spaces; C and D
    # equal (validation_633); curly apostrophe; last exo; first ego; last item
    "real_mc/validation_1", "real_mc/validation_3", "real_mc/validation_294",
    "real_mc/validation_633", "real_mc/validation_817", "real_mc/validation_922",
    "real_mc/validation_923", "real_mc/validation_1371",
    # synthetic_mc: first item, first false-positive item, last item
    "synthetic_mc/validation_1", "synthetic_mc/validation_2", "synthetic_mc/validation_445",
}


def data_sets():
    vlm4d_id = lambda path, r: "%s/%s" % (stem(path), r["id"])
    sets = [
        DataSet("vsi-bench", "fixtures/vsi-bench", ["test.jsonl"], load_jsonl,
                lambda p, r: str(r["id"])),
        DataSet("vsti-bench", "fixtures/vsti-bench", ["test.jsonl"], load_jsonl,
                lambda p, r: str(r["id"])),
        DataSet("sti-bench", "fixtures/sti-bench", ["qa.jsonl"], load_jsonl,
                lambda p, r: "%s#%s" % (r["Video"], r["ID"]),
                adapt={"vlmevalkit": sti_parquet_as_tsv_row}),
        DataSet("sti-bench", "fixtures/sti-bench-tsv", ["STIBench.tsv"], load_tsv_pandas,
                lambda p, r: "%s#%s" % (r["video"], r["index"]),
                adapt={"openai": sti_tsv_row_as_parquet, "opensource": sti_tsv_row_as_parquet},
                label="tsv"),
        DataSet("r4d-bench", "fixtures/r4d-bench", ["test.json"], load_json_array,
                lambda p, r: str(r["id"])),
        DataSet("mllm4d-bench", "fixtures/mllm4d-bench", ["mllm4d_bench.json"], load_json_array,
                vlm4d_id),
        DataSet("demo", "fixtures/demo", ["demo.jsonl"], load_jsonl, lambda p, r: str(r["id"])),
        DataSet("mmsi-bench", "fixtures/mmsi-bench", ["MMSI_Bench.jsonl"], load_jsonl,
                lambda p, r: str(r["id"])),
        DataSet("sat", "fixtures/sat", ["SAT_test.jsonl"], load_sat_both_orders,
                lambda p, r: r["_steval_id"]),
        DataSet("omnispatial", "fixtures/omnispatial", ["dataset/data.json"], load_json_array,
                lambda p, r: "%s/%s" % (r["task_type"], r["id"])),
    ]
    if os.path.isdir(SHARED_VLM4D):
        files = ["data/real_mc.json", "data/synthetic_mc.json"]
        sets.append(DataSet("vlm4d", SHARED_VLM4D, files, load_json_array, vlm4d_id,
                            select=VLM4D_GOLDEN_IDS))
        # MLLM-4D's official evaluation runs on the VLM4D files: digests only
        sets.append(DataSet("mllm4d-bench", SHARED_VLM4D, files, load_json_array, vlm4d_id,
                            golden=False))
    return sets


def render_all(ds):
    """Yield (protocol, item id, user text or None, system prompt or None)."""
    for proto, (build, system) in PROTOCOLS[ds.suite].items():
        conv = ds.adapt.get(proto, lambda r: r)
        for path, rec in ds.records():
            yield proto, ds.item_id(path, rec), build(conv(rec)), system


_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(item_id):
    return _SAFE.sub("_", item_id)


def write_goldens(out):
    rows = []
    seen = {}
    for ds in data_sets():
        if not ds.golden:
            continue
        for proto, iid, text, system in render_all(ds):
            if text is None or (ds.select is not None and iid not in ds.select):
                continue
            rel = "%s/%s" % (ds.suite, proto) + ("/" + ds.label if ds.label else "")
            d = os.path.join(out, rel)
            os.makedirs(d, exist_ok=True)
            name = safe_name(iid) + ".txt"
            key = (rel, name)
            if key in seen and seen[key] != (ds.data_dir, iid):
                raise SystemExit("golden name clash: %s/%s for '%s' and '%s'"
                                 % (rel, name, seen[key][1], iid))
            seen[key] = (ds.data_dir, iid)
            if "\t" in iid or "\n" in iid:
                raise SystemExit("item id %r cannot go into index.tsv" % iid)
            with open(os.path.join(d, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)
            sysrel = "-"
            if system is not None:
                sysrel = "%s/%s/SYSTEM.txt" % (ds.suite, proto)
                with open(os.path.join(out, sysrel), "w", encoding="utf-8", newline="") as f:
                    f.write(system)
            rows.append((ds.suite, proto, ds.data_dir, iid, "%s/%s" % (rel, name), sysrel))
    with open(os.path.join(out, "index.tsv"), "w", encoding="utf-8", newline="") as f:
        f.write("# suite\tprotocol\tdata\titem\tgolden\tsystem\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    return len(rows)


def print_digests():
    for ds in data_sets():
        for proto, iid, text, _system in render_all(ds):
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else "-"
            sys.stdout.write("%s\t%s\t%s\t%s\t%s\n" % (ds.suite, proto, ds.data_dir, iid, digest))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="write the goldens")
    ap.add_argument("--out", default="tests/golden/prompts", help="golden directory")
    ap.add_argument("--digests", action="store_true", help="print sha256 of every prompt")
    ap.add_argument("--print", nargs=4, metavar=("SUITE", "PROTOCOL", "DATA", "ID"),
                    help="print one prompt")
    a = ap.parse_args()
    if a.write:
        n = write_goldens(a.out)
        print("%d goldens in %s" % (n, a.out))
    elif a.digests:
        print_digests()
    elif a.print:
        suite, proto, data, iid = a.print
        for ds in data_sets():
            if ds.suite == suite and os.path.normpath(ds.data_dir) == os.path.normpath(data):
                for p, i, text, system in render_all(ds):
                    if p == proto and i == iid:
                        if system is not None:
                            sys.stderr.write("----- system -----\n%s\n" % system)
                        sys.stdout.write(text if text is not None else "")
                        return 0
        sys.stderr.write("no such item\n")
        return 2
    else:
        ap.print_help()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
