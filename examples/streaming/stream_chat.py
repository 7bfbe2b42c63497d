#!/usr/bin/env python3
"""Streaming: the answer token by token as Server-Sent Events ("data: {...}" lines, then "data: [DONE]").

route: POST /v1/chat/completions  with "stream": true: text/event-stream of chat.completion.chunk objects
body: {"model": "$CHAT_MODEL", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 8, "stream": true}
notebook: 04_streaming.ipynb
"""
import json

import os
import sys

import requests

# OPENAI_BASE_URL may end in /v1 (the SDK's convention); /health and /tokenize hang from the root.
ROOT = os.getenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/").removesuffix("/v1")
KEY = os.getenv("OPENAI_API_KEY")  # only needed when the server was started with --api-key
HEADERS = {"Authorization": f"Bearer {KEY}"} if KEY else {}


def call(method, path, **kwargs):
    """One request; any failure ends the script with one line on stderr and exit status 1."""
    try:
        r = requests.request(method, ROOT + path, headers=HEADERS, timeout=120, **kwargs)
    except requests.RequestException as exc:
        sys.exit(f"error: no answer from {ROOT} ({type(exc).__name__}): is the server running?")
    if r.status_code >= 400:
        try:
            body = r.json()
        except ValueError:
            body = r.text
        # vLLM answers {"error": {"message": ...}}, {"error": "Unauthorized"} or {"detail": ...}
        err = body.get("error") or body.get("detail") or body if isinstance(body, dict) else body
        msg = " ".join(str(err.get("message", err) if isinstance(err, dict) else err).split())[:300]
        hint = {401: " (check OPENAI_API_KEY)", 404: " (check CHAT_MODEL and the URL)"}.get(r.status_code, "")
        sys.exit(f"error: HTTP {r.status_code} from {method} {path}: {msg}{hint}")
    return r


def main():
    model = os.getenv("CHAT_MODEL") or call("GET", "/v1/models").json()["data"][0]["id"]
    r = call("POST", "/v1/chat/completions", stream=True, json={
        "model": model,
        "messages": [{"role": "user", "content": "Name three colours."}],
        "temperature": 0,
        "max_tokens": int(os.getenv("MAX_TOKENS", "32")),
        "stream": True,
        "stream_options": {"include_usage": True},  # one last chunk with "usage" (and no choices)
    })
    chunks, finish, usage = 0, None, None
    for line in r.iter_lines(decode_unicode=True):
        if not line.startswith("data: "):   # blank lines separate events
            continue
        if line == "data: [DONE]":          # the end of the stream; not JSON
            break
        chunk = json.loads(line[len("data: "):])
        chunks += 1
        usage = chunk.get("usage") or usage
        for choice in chunk["choices"]:
            print(choice["delta"].get("content") or "", end="", flush=True)
            finish = choice.get("finish_reason") or finish
    print(f"\n\n{chunks} chunks  finish_reason={finish}  usage={usage}")


if __name__ == "__main__":
    main()
