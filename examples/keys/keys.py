#!/usr/bin/env python3
"""API keys: does this server demand one, and is yours accepted? (vllm serve --api-key / VLLM_API_KEY)

route: GET /v1/models  with "Authorization: Bearer KEY": 401 {"error": "Unauthorized"} when the key is wrong or missing
notebook: 30_api_keys.ipynb
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
    # vLLM checks the key only on paths under /v1, /v2, /inference and /cohere; /health is open.
    call("GET", "/health")
    try:
        bare = requests.get(f"{ROOT}/v1/models", timeout=30)   # deliberately without the key
    except requests.RequestException as exc:
        sys.exit(f"error: no answer from {ROOT} ({type(exc).__name__}): is the server running?")
    needs_key = bare.status_code == 401
    print(f"without a key: HTTP {bare.status_code} -> the server "
          f"{'requires a key' if needs_key else 'checks no key (any key is accepted)'}")
    if needs_key and not KEY:
        sys.exit("error: this server requires a key: set OPENAI_API_KEY")
    if KEY and needs_key:
        call("GET", "/v1/models")   # with "Authorization: Bearer <KEY>"; a wrong key stops here (401)
        print("with OPENAI_API_KEY: HTTP 200 -> your key is accepted")
    elif KEY:
        print("OPENAI_API_KEY is set: it is sent, and this server does not check it")


if __name__ == "__main__":
    main()
