#!/usr/bin/env python3
"""Text to token ids and back: count tokens before you send, with the server's own tokenizer.

route: POST /tokenize  text (or messages, rendered by the chat template) to token ids
body: {"model": "$CHAT_MODEL", "prompt": "Hello, 世界"}
route: POST /detokenize  token ids back to text
body: {"model": "$CHAT_MODEL", "tokens": [1, 2, 3]}
notebook: 10_tokens.ipynb
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
    text = os.getenv("TEXT", "vLLM 的核心优势是：fast serving.")
    # "messages": [...] instead of "prompt" counts a chat request, template included.
    tok = call("POST", "/tokenize", json={"model": model, "prompt": text}).json()
    print(f"{tok['count']} tokens (max_model_len {tok['max_model_len']}): {tok['tokens']}")
    back = call("POST", "/detokenize", json={"model": model, "tokens": tok["tokens"]}).json()["prompt"]
    print(f"detokenized: {back!r}  (round trip {'exact' if back == text else 'NOT exact'})")


if __name__ == "__main__":
    main()
