#!/usr/bin/env python3
"""echo_worker.py: a steval command worker for the tests (standard library only).

Reads one JSON request per line on stdin, writes one JSON answer per line on
stdout (docs/adapters.md, "command"). It answers ECHO_WORKER_ANSWER (default
"B"), and misbehaves on demand, each keyed by an item id, on that item's
first attempt:
  ECHO_WORKER_DIE_ON     exit(1) without answering
  ECHO_WORKER_HANG_ON    never answer (sleep)
  ECHO_WORKER_RETRY_ON   {"error": ..., "retry": true}
  ECHO_WORKER_ERROR_ON   {"error": ...} (every attempt: not retryable)
  ECHO_WORKER_NOISE=1    print a line that is not an answer before each answer
  ECHO_WORKER_REVERSE=1  hold requests until two are waiting (or 0.3 s pass)
                         and answer them in reverse order
  ECHO_WORKER_LOG=FILE   append a summary of each request (for assertions)
"""
import json
import os
import select
import sys
import time

ENV = os.environ


def summary(req):
    imgs = []
    for p in req.get("parts", []):
        if p.get("type") in ("image", "video"):
            imgs.append({"type": p["type"], "mime": p.get("mime"), "path": p.get("path"),
                         "exists": bool(p.get("path")) and os.path.exists(p["path"]),
                         "data": len(p.get("data", "")), "index": p.get("index")})
    return {"id": req["id"], "item": req.get("item"), "attempt": req.get("attempt"),
            "system": req.get("system"), "text": req.get("text"), "parts": [p.get("type") for p in req.get("parts", [])],
            "images": imgs, "image_list": [s[:40] for s in req.get("images", [])],
            "generation": req.get("generation"), "seed": req.get("seed"), "pid": os.getpid()}


def answer(req):
    item = req.get("item")
    first = req.get("attempt") == 1
    if first and item == ENV.get("ECHO_WORKER_DIE_ON"):
        sys.exit(1)
    if first and item == ENV.get("ECHO_WORKER_HANG_ON"):
        time.sleep(120)
    if first and item == ENV.get("ECHO_WORKER_RETRY_ON"):
        return {"id": req["id"], "error": "transient trouble", "retry": True}
    if item == ENV.get("ECHO_WORKER_ERROR_ON"):
        return {"id": req["id"], "error": "this item cannot be answered"}
    return {"id": req["id"], "text": ENV.get("ECHO_WORKER_ANSWER", "B"), "finish_reason": "stop",
            "usage": {"input": len(req.get("text", "")) // 4, "output": 1}}


def emit(out):
    if ENV.get("ECHO_WORKER_NOISE"):
        sys.stdout.write("loading weights... done\n")
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


def main():
    log = open(ENV["ECHO_WORKER_LOG"], "a") if ENV.get("ECHO_WORKER_LOG") else None
    held = []
    reverse = bool(ENV.get("ECHO_WORKER_REVERSE"))
    while True:
        if reverse and held:
            r, _, _ = select.select([sys.stdin], [], [], 0.3)
            if not r:
                for q in reversed(held):
                    emit(answer(q))
                held = []
                continue
        line = sys.stdin.readline()
        if not line:
            break
        req = json.loads(line)
        if log:
            log.write(json.dumps(summary(req)) + "\n")
            log.flush()
        if reverse:
            held.append(req)
            if len(held) >= 2:
                for q in reversed(held):
                    emit(answer(q))
                held = []
            continue
        emit(answer(req))
    for q in reversed(held):
        emit(answer(q))


if __name__ == "__main__":
    main()
