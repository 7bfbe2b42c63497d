#!/usr/bin/env python3
"""Tokens in, tokens out: vLLM's generate route skips the tokenizer on both sides (your own pre/post-processing).

route: POST /inference/v1/generate  token ids in, token ids out (needs --enable-scale-out)
body: {"model": "$CHAT_MODEL", "token_ids": [1, 2, 3], "sampling_params": {"max_tokens": 8, "temperature": 0}}
notebook: 40_vllm_generate.ipynb
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
    ids = call("POST", "/tokenize", json={"model": model, "prompt": prompt}).json()["tokens"]
    data = call("POST", "/inference/v1/generate", json={
        "model": model,
        "token_ids": ids,                      # the prompt, already tokenized
        "sampling_params": {"max_tokens": int(os.getenv("MAX_TOKENS", "16")), "temperature": 0},
    }).json()
    out = data["choices"][0]["token_ids"]      # the answer, as token ids
    text = call("POST", "/detokenize", json={"model": model, "tokens": out}).json()["prompt"]
    print(f"in: {ids}\nout: {out}\nas text: {prompt}{text}")
    print(f"finish_reason={data['choices'][0]['finish_reason']}  total_tokens={data['usage']['total_tokens']}")


if __name__ == "__main__":
    main()
