#!/usr/bin/env python3
"""Completions: continue a raw prompt, no chat template (base-model style, or your own prompt format).

route: POST /v1/completions  the text that follows "prompt", exactly as given (no template)
body: {"model": "$CHAT_MODEL", "prompt": "The capital of France is", "max_tokens": 8}
notebook: 02_completions.ipynb
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
    prompt = "The capital of France is"
    data = call("POST", "/v1/completions", json={
        "model": model,
        "prompt": prompt,           # a string, a list of strings (a batch) or a list of token ids
        "temperature": 0,
        "max_tokens": int(os.getenv("MAX_TOKENS", "16")),
    }).json()
    choice = data["choices"][0]
    print(prompt + choice["text"])  # "text" is only the continuation (unless "echo": true)
    print(f"\nfinish_reason={choice['finish_reason']}  usage={data['usage']}")


if __name__ == "__main__":
    main()
