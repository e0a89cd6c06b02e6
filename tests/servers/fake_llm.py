#!/usr/bin/env python3
"""fake_llm.py: a loopback model server for steval's tests (standard library only).

Speaks four dialects, chosen by the request path:
  .../chat/completions                      OpenAI Chat Completions (and compatibles)
  .../messages                              Anthropic Messages
  .../models/M:generateContent              Gemini (also :streamGenerateContent?alt=sse)
  /api/chat                                 Ollama native

It listens on 127.0.0.1 (an ephemeral port unless --port) and prints
"PORT <n>" as the first line on stdout. Every request is appended to the
--record file (JSON lines): number, server time, path, dialect, the prompt's
attempt number, headers (the key never: "authorization" etc. become
"<set>", with "auth_ok" telling whether it equals --key), and the body with
each base64 payload replaced by {"b64_len", "sha1", "mime"}.

Behaviour is scripted (--script FILE, JSON): {"rules": [RULE, ...]}; the first
rule whose "match" fits the request decides, else a normal answer. match:
  "attempt": N | [N, ...]   the n-th request carrying the same prompt (1-based)
  "nth": N | [N, ...]       the n-th request overall
  "contains": "TEXT"        the prompt contains TEXT
  "dialect": "openai" | "anthropic" | "gemini" | "ollama"
Actions ("do"):
  "answer"   a success. Options: text, think, finish (stop|length|filter),
             stream (true|false; default: as asked), delay (s before the
             status line), chunk_delay, split (write streams in tiny pieces),
             crlf, comments (SSE comments / pings), gzip, no_done (stop the
             stream before its end), refusal, empty_choices, no_content,
             prompt_blocked, mid_error, malformed, content_type, huge (bytes of
             text), legacy_error (llama.cpp "error:" line), no_usage
  "status"   an error: status, headers {}, body (JSON or text) or preset (a
             name from PRESETS), delay; retry_after_date N (a Retry-After
             HTTP-date N s ahead), anthropic_reset N (requests-remaining 0 and
             an RFC 3339 reset N s ahead)
  "hang"     accept and never answer (seconds, default 3600)
  "close"    read the request, close without answering
  "reset"    read the request, reset the connection (RST)
  "drip"     send headers and the body one byte every `interval` seconds
  "stall"    start a stream, then go silent for `seconds`
  "truncate" announce a Content-Length larger than what is sent
Global options: --answer TEXT (the default answer), --latency S (every
answer is sent S seconds after the request arrived), --no-parse (do not decode bodies: benchmarks), --key KEY,
--tls CERT KEY (HTTPS), --procs N (N processes share the socket: benchmarks),
--max-body N (a larger request gets 413 before its body is read), --judge
(answer judge prompts, "...Ground Truth Answer: X\n\nModel Response to the
Question: R", with a verdict computed from them: judge_reply(); --judge-style
json|python|fenced|prose). A rule with
"early": true acts before the body is read (it may match on "nth" only):
{"early": true, "match": {"nth": 1}, "do": "reset"} resets during the upload.
"""
import argparse
import base64
import datetime
import email.utils
import gzip
import hashlib
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
THREAD_BUF = threading.local()
STATE = {"n": 0, "attempts": {}}
ARGS = None
SCRIPT = {"rules": []}
RECORD = None

PRESETS = {
    # OpenAI
    "openai_429": (429, {"retry-after": "1", "x-ratelimit-remaining-requests": "0",
                         "x-ratelimit-reset-requests": "1s"},
                   {"error": {"message": "Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
                              "type": "requests", "param": None, "code": "rate_limit_exceeded"}}),
    "openai_quota": (429, {}, {"error": {"message": "You exceeded your current quota, please check your plan and billing details.",
                                         "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}),
    "openai_401": (401, {}, {"error": {"message": "Incorrect API key provided: sk-fake***1234.", "type": "invalid_request_error",
                                       "param": None, "code": "invalid_api_key"}}),
    "openai_400": (400, {}, {"error": {"message": "Invalid image data", "type": "invalid_request_error",
                                       "param": None, "code": None}}),
    "max_tokens_unsupported": (400, {}, {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                                                   "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}),
    "temperature_unsupported": (400, {}, {"error": {"message": "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
                                                    "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}}),
    # vLLM / llama.cpp (integer codes)
    "vllm_too_many_images": (400, {}, {"error": {"message": "At most 2 image(s) may be provided in one prompt.",
                                                 "type": "BadRequestError", "param": "image", "code": 400}}),
    "llamacpp_loading": (503, {}, {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}),
    "llamacpp_context": (400, {}, {"error": {"code": 400, "message": "the request exceeds the available context size",
                                             "type": "exceed_context_size_error", "n_prompt_tokens": 9000, "n_ctx": 4096}}),
    # Anthropic
    "anthropic_429": (429, {}, {"type": "error", "error": {"type": "rate_limit_error", "message": "Number of request tokens has exceeded your per-minute rate limit"},
                                "request_id": "req_fake"}),
    "anthropic_overloaded": (529, {}, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_fake"}),
    "anthropic_billing": (402, {}, {"type": "error", "error": {"type": "billing_error", "message": "Your credit balance is too low"}}),
    "anthropic_401": (401, {}, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
    # Gemini
    "gemini_429_retryinfo": (429, {}, {"error": {"code": 429, "message": "You exceeded your current quota. Please retry in 1.5s.", "status": "RESOURCE_EXHAUSTED",
                                                 "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                                                              "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                                                                              "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "quotaValue": "10"}]},
                                                             {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}}),
    "gemini_429_daily": (429, {}, {"error": {"code": 429, "message": "You exceeded your current quota.", "status": "RESOURCE_EXHAUSTED",
                                             "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                                                          "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "quotaValue": "250"}]},
                                                         {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "40s"}]}}),
    "vertex_429_array": (429, {}, [{"error": {"code": 429, "message": "Resource exhausted. Please try again later.", "status": "RESOURCE_EXHAUSTED"}}]),
    "gemini_bad_key": (400, {}, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
                                           "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}),
    "gemini_unavailable": (503, {}, {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}),
    # Ollama
    "ollama_busy": (503, {}, {"error": "server busy, please try again.  maximum pending requests exceeded"}),
    "ollama_not_found": (404, {}, {"error": "model \"llava:99b\" not found, try pulling it first"}),
    # SGLang / LMDeploy flat
    "lmdeploy_flat": (400, {}, {"object": "error", "message": "The input is too long", "type": "invalid_request_error", "code": 400, "param": None}),
    # not JSON
    "cloudflare_413_html": (413, {"content-type": "text/html"},
                            "<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>cloudflare</center></body></html>"),
    "bad_gateway_html": (502, {"content-type": "text/html"}, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
}


def dialect_of(path):
    p = path.split("?", 1)[0]
    if p.endswith("/chat/completions"):
        return "openai"
    if p.endswith("/messages"):
        return "anthropic"
    if ":generateContent" in p or ":streamGenerateContent" in p:
        return "gemini"
    if p.endswith("/api/chat"):
        return "ollama"
    return None


def strip_b64(v):
    """Replace base64 payloads by a summary, collect the images."""
    imgs = []

    def walk(x):
        if isinstance(x, dict):
            out = {}
            for k, val in x.items():
                if isinstance(val, str) and len(val) > 200 and k in ("url", "data", "image_url"):
                    mime = None
                    payload = val
                    m = re.match(r"data:([^;]*);base64,", val)
                    if m:
                        mime = m.group(1)
                        payload = val[m.end():]
                    if mime is None:
                        mime = x.get("media_type") or x.get("mimeType") or x.get("mime_type")
                    try:
                        digest = hashlib.sha256(base64.b64decode(payload, validate=True)).hexdigest()
                    except ValueError:
                        digest = None
                    imgs.append({"mime": mime, "b64_len": len(payload), "sha256": digest})
                    out[k] = {"b64_len": len(payload), "sha1": hashlib.sha1(payload.encode()).hexdigest()[:12], "mime": mime,
                              "sha256": digest}
                else:
                    out[k] = walk(val)
            return out
        if isinstance(x, list):
            if x and all(isinstance(e, str) and len(e) > 200 for e in x):   # ollama images
                for e in x:
                    imgs.append({"mime": None, "b64_len": len(e), "sha256": hashlib.sha256(base64.b64decode(e)).hexdigest()})
                return [{"b64_len": len(e), "sha1": hashlib.sha1(e.encode()).hexdigest()[:12]} for e in x]
            return [walk(e) for e in x]
        return x
    return walk(v), imgs


def prompt_text(d, body):
    """The user's text parts, joined (the key that identifies a prompt)."""
    try:
        if d == "openai":
            c = body["messages"][-1]["content"]
            if isinstance(c, str):
                return c
            return "\n".join(p.get("text", "") for p in c if p.get("type") == "text")
        if d == "anthropic":
            c = body["messages"][-1]["content"]
            if isinstance(c, str):
                return c
            return "\n".join(p.get("text", "") for p in c if p.get("type") == "text")
        if d == "gemini":
            return "\n".join(p.get("text", "") for p in body["contents"][-1]["parts"] if "text" in p)
        if d == "ollama":
            return body["messages"][-1]["content"]
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return ""


def judge_reply(text):
    """--judge: a verdict for a judge prompt (VLM4D / MLLM-4D format), or None.

    The response's letter: the last "final answer is: X", else the whole
    response when it is one letter A-D; its option text against the ground
    truth. --judge-style: json (default), python (True/False: MLLM-4D's
    parser fails), fenced (```json ... ```), prose (text around the object)."""
    m = re.search(r"\nOptions:\n(.*?)\n\nGround Truth Answer: (.*?)\n\nModel Response to the Question: (.*)\Z",
                  text, re.S)
    if not m:
        return None
    opts = {}
    for line in m.group(1).split("\n"):
        if ": " in line:
            k, v = line.split(": ", 1)
            opts[k] = v
    gt, resp = m.group(2), m.group(3)
    found = re.findall(r"final answer is:?\s*\$?\(?([A-D])\b", resp, re.I)
    letter = found[-1].upper() if found else (resp.strip().upper() if resp.strip().upper() in opts else None)
    if letter is None or letter not in opts:
        ext, ok = "No Valid Answer", False
    else:
        ext, ok = f"{letter}: {opts[letter]}", opts[letter] == gt
    style = ARGS.judge_style
    if style == "python":
        return '{"extracted_answer": %s, "correct": %s}' % (json.dumps(ext), "True" if ok else "False")
    obj = json.dumps({"extracted_answer": ext, "correct": ok})
    if style == "fenced":
        return "```json\n" + obj + "\n```"
    if style == "prose":
        return "Here is my evaluation:\n" + obj + "\nThe model's answer was checked."
    return obj


def default_answer(text):
    if ARGS.judge:
        r = judge_reply(text)
        if r is not None:
            return r
    if ARGS.answer is not None:
        return ARGS.answer
    h = int(hashlib.sha1(text.encode("utf-8", "replace")).hexdigest(), 16)
    if re.search(r"(^|\n)\s*\(?[A-D][.):]", text) or "Options" in text:
        return "ABCD"[h % 4]
    return str(h % 10)


def matches(m, req):
    def inlist(v, want):
        return v in want if isinstance(want, list) else v == want
    if "attempt" in m and not inlist(req["attempt"], m["attempt"]):
        return False
    if "nth" in m and not inlist(req["n"], m["nth"]):
        return False
    if "contains" in m and m["contains"] not in req["text"]:
        return False
    if "dialect" in m and m["dialect"] != req["dialect"]:
        return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without this, Nagle and the
    # client's delayed ACK add 40 ms to every response
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    # -- low level --
    def send_raw(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    def write_chunk(self, data, split=False):
        if not data:
            return
        if split:
            i = 0
            k = 1
            while i < len(data):
                piece = data[i:i + k]
                self.send_raw(b"%x\r\n" % len(piece) + piece + b"\r\n")
                i += k
                k = k % 7 + 1
        else:
            self.send_raw(b"%x\r\n" % len(data) + data + b"\r\n")

    def end_chunks(self):
        self.send_raw(b"0\r\n\r\n")

    def reply(self, status, headers, body, ctype="application/json", gz=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        if gz:
            body = gzip.compress(body)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.send_raw(body)

    # -- requests --
    def do_GET(self):
        self.reply(200, {}, {"status": "ok"})

    def do_POST(self):
        self.t_arrival = time.monotonic()
        n = int(self.headers.get("Content-Length") or 0)
        # "early" rules act before the body is read (match on "nth" only)
        for r in SCRIPT.get("rules", []):
            if not r.get("early"):
                continue
            with LOCK:
                nth = STATE["n"] + 1
            if matches(r.get("match", {}), {"n": nth, "attempt": None, "dialect": None, "text": ""}):
                with LOCK:
                    STATE["n"] += 1
                if RECORD is not None:
                    with LOCK:
                        RECORD.write(json.dumps({"n": nth, "t": time.monotonic(), "path": self.path,
                                                 "early": r.get("do"), "text": "", "raw_len": n,
                                                 "headers": {}, "images": 0}) + "\n")
                        RECORD.flush()
                if r.get("do") == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                else:
                    self.close_connection = True
                    self.act(r, {"n": nth, "attempt": 1, "dialect": None, "text": "", "body": None,
                                 "imgs": [], "path": self.path})
                return
        if ARGS.max_body and n > ARGS.max_body:
            # like a proxy: refuse without reading, then close the way nginx
            # does (lingering close): stop writing and drain what the client
            # still sends for a while. Closing with the body unread would
            # reset the connection, and the reset can discard the 413 from
            # the client's receive queue before it is read (a flaky test).
            self.close_connection = True
            self.reply(413, {"connection": "close"}, "<html><body><h1>413 Request Entity Too Large</h1></body></html>",
                       "text/html")
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self.connection.settimeout(2)
                left, end = n, time.monotonic() + 2
                while left > 0 and time.monotonic() < end:
                    k = self.connection.recv(min(left, 1 << 16))
                    if not k:
                        break
                    left -= len(k)
            except OSError:
                pass
            return
        if ARGS.no_parse:
            # benchmarks: drain the body into a buffer reused by the thread
            tl = THREAD_BUF.__dict__
            if len(tl.get("buf", b"")) < n:
                tl["buf"] = bytearray(max(n, 1 << 20))
            view = memoryview(tl["buf"])[:n]
            got = 0
            while got < n:
                k = self.rfile.readinto(view[got:])
                if not k:
                    break
                got += k
            raw = view[max(0, n - 4096):n].tobytes()
        else:
            raw = self.rfile.read(n) if n else b""
        d = dialect_of(self.path)
        body = None
        text = ""
        imgs = []
        rec_body = None
        if not ARGS.no_parse:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if body is not None:
                text = prompt_text(d, body)
                rec_body, imgs = strip_b64(body)
        else:
            text = hashlib.sha1(raw).hexdigest()
            imgs = []
        key = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
        with LOCK:
            STATE["n"] += 1
            nth = STATE["n"]
            STATE["attempts"][key] = STATE["attempts"].get(key, 0) + 1
            attempt = STATE["attempts"][key]
        req = {"n": nth, "attempt": attempt, "dialect": d, "text": text, "body": body, "imgs": imgs,
               "path": self.path}
        rule = {"do": "answer"}
        for r in SCRIPT.get("rules", []):
            if matches(r.get("match", {}), req):
                rule = r
                break
        if RECORD is not None:
            hdrs = {}
            auth_ok = None
            for k, v in self.headers.items():
                lk = k.lower()
                if lk in ("authorization", "x-api-key", "x-goog-api-key"):
                    tok = v.split(" ", 1)[1] if lk == "authorization" and " " in v else v
                    auth_ok = ARGS.key is not None and tok == ARGS.key
                    hdrs[lk] = "<set>"
                else:
                    hdrs[lk] = v
            entry = {"n": nth, "t": time.monotonic(), "t_arrival": self.t_arrival, "version": self.request_version,
                     "port": self.client_address[1], "path": self.path, "dialect": d,
                     "attempt": attempt, "key": key[:12], "text": text[:2000], "headers": hdrs,
                     "auth_ok": auth_ok, "raw_len": len(raw), "images": len(imgs),
                     "mimes": [i.get("mime") for i in imgs if i], "shas": [i.get("sha256") for i in imgs if i],
                     "rule": rule.get("do", "answer"),
                     "body": rec_body}
            line = json.dumps(entry) + "\n"
            with LOCK:
                RECORD.write(line)
                RECORD.flush()
        try:
            self.act(rule, req)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def act(self, rule, req):
        do = rule.get("do", "answer")
        if "delay" in rule:
            time.sleep(rule["delay"])
        elif do == "answer" and ARGS.latency:
            # --latency counts from the request's arrival (reading the body is part of it)
            left = self.t_arrival + ARGS.latency - time.monotonic()
            if left > 0:
                time.sleep(left)
        if do == "status":
            if "preset" in rule:
                st, hd, bd = PRESETS[rule["preset"]]
                hd = dict(hd)
            else:
                st, hd, bd = rule.get("status", 500), {}, rule.get("body", {"error": "scripted"})
            hd.update(rule.get("headers", {}))
            if "retry_after_date" in rule:
                hd["retry-after"] = email.utils.formatdate(time.time() + rule["retry_after_date"], usegmt=True)
            if "anthropic_reset" in rule:
                t = datetime.datetime.fromtimestamp(time.time() + rule["anthropic_reset"], datetime.timezone.utc)
                hd["anthropic-ratelimit-requests-remaining"] = "0"
                hd["anthropic-ratelimit-requests-reset"] = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            ctype = hd.pop("content-type", "application/json")
            self.reply(st, hd, bd, ctype)
            return
        if do == "hang":
            time.sleep(rule.get("seconds", 3600))
            self.close_connection = True
            return
        if do == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if do == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if do == "truncate":
            body = self.answer_body(rule, req)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) + 100))
            self.end_headers()
            self.send_raw(body)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if do == "drip":
            body = self.answer_body(rule, req)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(len(body)):
                self.send_raw(body[i:i + 1])
                time.sleep(rule.get("interval", 0.5))
            return
        # answer (possibly streamed)
        stream = rule.get("stream")
        if stream is None:
            stream = self.asks_stream(req)
        if stream or do == "stall":
            self.stream_answer(rule, req, stall=rule.get("seconds", 3600) if do == "stall" else 0)
        else:
            body = self.answer_body(rule, req)
            gz = rule.get("gzip") and "gzip" in (self.headers.get("Accept-Encoding") or "")
            self.reply(200, {}, body, rule.get("content_type", "application/json"), gz=gz)

    def asks_stream(self, req):
        b = req["body"] or {}
        if req["dialect"] == "gemini":
            return ":streamGenerateContent" in req["path"]
        return bool(b.get("stream"))

    # -- success bodies --
    def texts(self, rule, req):
        text = rule.get("text", default_answer(req["text"]))
        if "huge" in rule:
            text = ("x" * 63 + "\n") * (rule["huge"] // 64)
        return text, rule.get("think")

    def usage(self, req, text):
        p = 10 + 85 * len(req["imgs"]) + len(req["text"]) // 4
        c = max(1, len(text.split()))
        return p, c

    def answer_body(self, rule, req):
        if rule.get("malformed"):
            return b'{"choices": [{"message": {"content": "B"'
        text, think = self.texts(rule, req)
        p, c = self.usage(req, text)
        d = req["dialect"]
        fin = rule.get("finish", "stop")
        model = (req["body"] or {}).get("model", "fake")
        if d == "openai":
            if rule.get("empty_choices"):
                return json.dumps({"id": "x", "object": "chat.completion", "choices": [], "usage": None}).encode()
            msg = {"role": "assistant", "content": text}
            if rule.get("refusal"):
                msg = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
            if think:
                msg["reasoning_content"] = think
            out = {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
                   "choices": [{"index": 0, "message": msg, "logprobs": None,
                                "finish_reason": {"stop": "stop", "length": "length", "filter": "content_filter"}[fin],
                                "stop_reason": None}],
                   "timings": {"prompt_n": p, "predicted_n": c, "prompt_per_second": 1000.0},
                   "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c,
                             "completion_tokens_details": {"reasoning_tokens": 7 if think else 0}}}
            if rule.get("no_usage"):
                del out["usage"]
            return json.dumps(out).encode()
        if d == "anthropic":
            content = []
            if think:
                content.append({"type": "thinking", "thinking": think, "signature": "x"})
            content.append({"type": "text", "text": text})
            return json.dumps({"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                               "content": content,
                               "stop_reason": {"stop": "end_turn", "length": "max_tokens", "filter": "refusal"}[fin],
                               "stop_sequence": None,
                               "usage": {"input_tokens": p, "output_tokens": c}}).encode()
        if d == "gemini":
            if rule.get("prompt_blocked"):
                return json.dumps({"promptFeedback": {"blockReason": "SAFETY"},
                                   "usageMetadata": {"promptTokenCount": p, "totalTokenCount": p}}).encode()
            parts = []
            if think:
                parts.append({"text": think, "thought": True})
            parts.append({"text": text})
            cand = {"content": {"role": "model", "parts": parts},
                    "finishReason": {"stop": "STOP", "length": "MAX_TOKENS", "filter": "SAFETY"}[fin], "index": 0}
            if rule.get("no_content"):
                del cand["content"]
            um = {"promptTokenCount": p, "candidatesTokenCount": c, "totalTokenCount": p + c + (5 if think else 0)}
            if think:
                um["thoughtsTokenCount"] = 5
            return json.dumps({"candidates": [cand], "usageMetadata": um, "modelVersion": model}).encode()
        if d == "ollama":
            msg = {"role": "assistant", "content": text}
            if think:
                msg["thinking"] = think
            return json.dumps({"model": model, "created_at": "2025-01-01T00:00:00Z", "message": msg, "done": True,
                               "done_reason": {"stop": "stop", "length": "length", "filter": "stop"}[fin],
                               "total_duration": 1000000, "load_duration": 1000, "prompt_eval_count": p,
                               "prompt_eval_duration": 1000, "eval_count": c, "eval_duration": 1000}).encode()
        return b'{"error": "unknown path"}'

    def stream_events(self, rule, req):
        """A list of wire pieces (bytes), and the content type."""
        text, think = self.texts(rule, req)
        p, c = self.usage(req, text)
        d = req["dialect"]
        fin = rule.get("finish", "stop")
        nl = "\r\n" if rule.get("crlf") else "\n"
        pieces = [text[i:i + 3] for i in range(0, len(text), 3)] or [""]
        out = []
        body = req["body"] or {}

        def sse(obj, event=None):
            s = ""
            if event:
                s += "event: " + event + nl
            # raw UTF-8 on the wire, so split writes can cut inside a character
            s += "data: " + (obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)) + nl + nl
            return s.encode("utf-8")
        if d == "openai":
            base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": body.get("model", "fake")}
            out.append(sse(dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])))
            if rule.get("comments"):
                out.append((": ping" + nl + nl).encode())
            if think:
                out.append(sse(dict(base, choices=[{"index": 0, "delta": {"reasoning_content": think}, "finish_reason": None}])))
            for i, pc in enumerate(pieces):
                out.append(sse(dict(base, obfuscation="abc", choices=[{"index": 0, "delta": {"content": pc}, "finish_reason": None}])))
                if rule.get("mid_error") and i == 0:
                    out.append(sse({"error": {"message": "the engine died", "type": "InternalServerError", "param": None, "code": 500}}))
                    return out, "text/event-stream"
                if rule.get("legacy_error") and i == 0:
                    out.append(("error: " + json.dumps({"code": 500, "message": "slot failed", "type": "server_error"}) + nl + nl).encode())
                    return out, "text/event-stream"
            if rule.get("no_done"):
                return out, "text/event-stream"
            out.append(sse(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": {"stop": "stop", "length": "length", "filter": "content_filter"}[fin]}])))
            if (body.get("stream_options") or {}).get("include_usage") and not rule.get("no_usage"):
                out.append(sse(dict(base, choices=[], usage={"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c})))
            out.append(sse("[DONE]"))
            return out, "text/event-stream"
        if d == "anthropic":
            out.append(sse({"type": "message_start", "message": {"id": "msg_fake", "type": "message", "role": "assistant", "content": [],
                                                                  "model": body.get("model", "fake"), "stop_reason": None,
                                                                  "usage": {"input_tokens": p, "output_tokens": 1}}}, "message_start"))
            out.append(sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}, "content_block_start"))
            out.append(sse({"type": "ping"}, "ping"))
            if think:
                out.append(sse({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": think}}, "content_block_delta"))
            for i, pc in enumerate(pieces):
                out.append(sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": pc}}, "content_block_delta"))
                if rule.get("mid_error") and i == 0:
                    out.append(sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error"))
                    return out, "text/event-stream"
            if rule.get("no_done"):
                return out, "text/event-stream"
            out.append(sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
            out.append(sse({"type": "message_delta", "delta": {"stop_reason": {"stop": "end_turn", "length": "max_tokens", "filter": "refusal"}[fin],
                                                                 "stop_sequence": None}, "usage": {"output_tokens": c}}, "message_delta"))
            out.append(sse({"type": "message_stop"}, "message_stop"))
            return out, "text/event-stream"
        if d == "gemini":
            if think:
                out.append(sse({"candidates": [{"content": {"role": "model", "parts": [{"text": think, "thought": True}]}, "index": 0}]}))
            for i, pc in enumerate(pieces):
                out.append(sse({"candidates": [{"content": {"role": "model", "parts": [{"text": pc}]}, "index": 0}],
                                "usageMetadata": {"promptTokenCount": p}}))
                if rule.get("mid_error") and i == 0:
                    out.append(sse({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}))
                    return out, "text/event-stream"
            if rule.get("no_done"):
                return out, "text/event-stream"
            um = {"promptTokenCount": p, "candidatesTokenCount": c, "totalTokenCount": p + c}
            out.append(sse({"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]},
                                            "finishReason": {"stop": "STOP", "length": "MAX_TOKENS", "filter": "SAFETY"}[fin], "index": 0}],
                            "usageMetadata": um}))
            return out, "text/event-stream"
        if d == "ollama":
            model = body.get("model", "fake")
            if think:
                out.append((json.dumps({"model": model, "message": {"role": "assistant", "content": "", "thinking": think}, "done": False}) + "\n").encode())
            for i, pc in enumerate(pieces):
                out.append((json.dumps({"model": model, "message": {"role": "assistant", "content": pc}, "done": False}) + "\n").encode())
                if rule.get("mid_error") and i == 0:
                    out.append((json.dumps({"error": "an error was encountered while running the model"}) + "\n").encode())
                    return out, "application/x-ndjson"
            if rule.get("no_done"):
                return out, "application/x-ndjson"
            out.append((json.dumps({"model": model, "message": {"role": "assistant", "content": ""}, "done": True,
                                    "done_reason": {"stop": "stop", "length": "length", "filter": "stop"}[fin],
                                    "prompt_eval_count": p, "eval_count": c}) + "\n").encode())
            return out, "application/x-ndjson"
        return [b"data: {}\n\n"], "text/event-stream"

    def stream_answer(self, rule, req, stall=0):
        events, ctype = self.stream_events(rule, req)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        cd = rule.get("chunk_delay", 0)
        if rule.get("coalesce"):
            self.write_chunk(b"".join(events), rule.get("split"))
        else:
            for i, e in enumerate(events):
                self.write_chunk(e, rule.get("split"))
                if stall and i == 0:
                    time.sleep(stall)
                    self.close_connection = True
                    return
                if cd:
                    time.sleep(cd)
        if rule.get("no_done") or rule.get("mid_error_close"):
            # close without the terminating chunk: a truncated stream
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.end_chunks()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def on_term(signum, frame):
    raise KeyboardInterrupt


def main():
    global ARGS, SCRIPT, RECORD
    signal.signal(signal.SIGTERM, on_term)
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--script")
    ap.add_argument("--record")
    ap.add_argument("--answer")
    ap.add_argument("--judge", action="store_true")
    ap.add_argument("--judge-style", default="json", choices=["json", "python", "fenced", "prose"])
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--no-parse", action="store_true")
    ap.add_argument("--key")
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--max-body", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ARGS = ap.parse_args()
    sys.setswitchinterval(0.001)
    if ARGS.script:
        with open(ARGS.script) as f:
            SCRIPT = json.load(f)
    if ARGS.record:
        RECORD = open(ARGS.record, "a")
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    if ARGS.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stdout.write("PORT %d\n" % srv.server_address[1])
    sys.stdout.flush()
    # --procs N (benchmarks): N processes accept on the one socket, so body
    # reading is not limited to one interpreter lock; scripts and attempt
    # counts are then per process
    kids = []
    for _ in range(ARGS.procs - 1):
        pid = os.fork()
        if pid == 0:
            kids = None
            break
        kids.append(pid)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        for k in kids or []:
            try:
                os.kill(k, signal.SIGTERM)
            except OSError:
                pass


if __name__ == "__main__":
    main()
