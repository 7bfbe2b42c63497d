#!/usr/bin/env python3
"""Several conversations in one request: one choice per conversation, in order (vLLM only).

route: POST /v1/chat/completions/batch  a list of conversations in one request, one choice each (vLLM; no n > 1 or beam search, stream and tools are ignored)
body: {"model": "$CHAT_MODEL", "messages": [[{"role": "user", "content": "Hello"}], [{"role": "user", "content": "Name a colour."}]], "max_tokens": 8}
notebook: 17_response_extras.ipynb
"""
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
    conversations = [
        [{"role": "user", "content": "What is the capital of France?"}],
        [{"role": "system", "content": "Answer in one word."}, {"role": "user", "content": "Name a colour."}],
    ]
    data = call("POST", "/v1/chat/completions/batch", json={
        "model": model,
        "messages": conversations,                          # a list of message lists
        "temperature": 0,
        "max_tokens": int(os.getenv("MAX_TOKENS", "32")),   # per conversation
    }).json()
    for choice in data["choices"]:                          # index i answers conversations[i]
        print(f"[{choice['index']}] {choice['message']['content']!r}  finish_reason={choice['finish_reason']}")
    print(f"usage (all conversations together): {data['usage']}")


if __name__ == "__main__":
    main()
