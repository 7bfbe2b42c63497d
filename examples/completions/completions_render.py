#!/usr/bin/env python3
"""The engine request a completions body becomes (prompt token ids and sampling parameters), without generating; then run it.

route: POST /v1/completions/render  the engine request for each prompt: its token ids and the sampling parameters made from your fields (needs --enable-scale-out)
body: {"model": "$CHAT_MODEL", "prompt": "The capital of France is", "max_tokens": 8}
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
    body = {"model": model, "prompt": "The capital of France is", "temperature": 0,
            "max_tokens": int(os.getenv("MAX_TOKENS", "16"))}
    # One engine request per prompt (a list of prompts gives a list); nothing is generated yet.
    rendered = call("POST", "/v1/completions/render", json=body).json()[0]
    params = rendered["sampling_params"]
    print(f"{len(rendered['token_ids'])} prompt tokens: {rendered['token_ids']}")
    print(f"sampling_params: max_tokens={params.get('max_tokens')} temperature={params.get('temperature')}")
    # The rendered object is a valid body for the token-in/token-out route: run it.
    out = call("POST", "/inference/v1/generate", json=rendered).json()["choices"][0]
    text = call("POST", "/detokenize", json={"model": model, "tokens": out["token_ids"]}).json()["prompt"]
    print(f"generated: {body['prompt']}{text}")
    print(f"finish_reason={out['finish_reason']}")


if __name__ == "__main__":
    main()
