#!/usr/bin/env python3
"""Structured decisions (/v1/systemone): typed answers to questions about a state; only some architectures (vLLM only).

route: POST /v1/systemone  typed answers (yes/no, ...) to named questions about a text; 501 for architectures vLLM 0.32 does not list (the lab's)
body: {"model": "$CHAT_MODEL", "state": "The sky is blue.", "questions": {"q1": {"type": "yes_no", "instructions": "Is the sky blue?"}}}
expect: 501
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
    data = call("POST", "/v1/systemone", json={
        "model": model,
        "state": "The sky is blue.",                          # what the questions are about
        "questions": {"q1": {"type": "yes_no", "instructions": "Is the sky blue?"}},
    }).json()
    print(data)


if __name__ == "__main__":
    main()
