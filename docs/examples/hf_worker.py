#!/usr/bin/env python3
"""hf_worker.py: a steval command worker that wraps a local Hugging Face
vision-language model (transformers), e.g. Qwen2.5-VL.

    steval run vsi-bench --model 'command:python3 docs/examples/hf_worker.py Qwen/Qwen2.5-VL-7B-Instruct'

or, in a models file (steval run ... --model qwen-local --models models.json):

    {"qwen-local": {"adapter": "command",
                    "command": "python3 docs/examples/hf_worker.py Qwen/Qwen2.5-VL-7B-Instruct",
                    "images": "path"}}

Protocol (docs/adapters.md, "command"): one JSON request per line on stdin,
one JSON answer per line on stdout, matched by "id". The model is loaded once;
requests are answered one at a time. Anything else this script prints must go
to stderr (stdout is the answer channel). It exits when stdin closes.

Needs: torch, transformers (>= 4.49 for AutoModelForImageTextToText), pillow,
and accelerate for device_map="auto". None of these is needed by steval.
"""
import base64
import io
import json
import sys


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def load_image(part):
    from PIL import Image
    if part.get("path"):
        return Image.open(part["path"]).convert("RGB")
    return Image.open(io.BytesIO(base64.b64decode(part["data"]))).convert("RGB")


def generation_kwargs(gen):
    """Map the protocol's generation settings to transformers' generate()."""
    gen = gen or {}
    kw = {"max_new_tokens": gen.get("max_tokens") or gen.get("max_new_tokens") or 512}
    t = gen.get("temperature")
    if gen.get("do_sample") is False or t in (0, 0.0):
        kw["do_sample"] = False
    elif t is not None:
        kw["do_sample"] = True
        kw["temperature"] = t
        if gen.get("top_p") is not None:
            kw["top_p"] = gen["top_p"]
    if gen.get("num_beams"):
        kw["num_beams"] = gen["num_beams"]
    return kw


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "Qwen/Qwen2.5-VL-7B-Instruct"
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    log("hf_worker: loading", name)
    processor = AutoProcessor.from_pretrained(name)
    model = AutoModelForImageTextToText.from_pretrained(name, torch_dtype="auto", device_map="auto")
    model.eval()
    log("hf_worker: ready")

    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            # the user turn in the protocol's layout order: images/frames and text
            content, images = [], []
            for part in req["parts"]:
                if part["type"] == "text":
                    content.append({"type": "text", "text": part["text"]})
                elif part["type"] == "image":
                    images.append(load_image(part))
                    content.append({"type": "image"})
            messages = []
            if req.get("system"):
                messages.append({"role": "system", "content": [{"type": "text", "text": req["system"]}]})
            messages.append({"role": "user", "content": content})
            prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
            inputs = processor(text=[prompt], images=images or None, return_tensors="pt").to(model.device)
            if req.get("seed") is not None:
                torch.manual_seed(int(req["seed"]))
            with torch.inference_mode():
                out = model.generate(**inputs, **generation_kwargs(req.get("generation")))
            new = out[0, inputs["input_ids"].shape[1]:]
            text = processor.decode(new, skip_special_tokens=True)
            answer = {"id": req["id"], "text": text,
                      "finish_reason": "length" if len(new) >= generation_kwargs(req.get("generation"))["max_new_tokens"] else "stop",
                      "usage": {"input": int(inputs["input_ids"].shape[1]), "output": int(len(new))}}
        except torch.cuda.OutOfMemoryError as e:
            torch.cuda.empty_cache()
            answer = {"id": req["id"], "error": "CUDA out of memory: %s" % e, "retry": False}
        except Exception as e:  # one bad item must not end the worker
            answer = {"id": req["id"], "error": "%s: %s" % (type(e).__name__, e), "retry": False}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
