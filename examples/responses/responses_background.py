#!/usr/bin/env python3
"""Background responses: start a long generation, get an id at once, poll it, cancel it.

route: POST /v1/responses  with "background": true (and "store": true): returns at once, status "queued"
body: {"model": "$CHAT_MODEL", "input": "Hello", "max_output_tokens": 8, "background": true, "store": true}
route: POST /v1/responses/{id}/cancel  stops a background response; its status becomes "cancelled"
notebook: 06_responses.ipynb
"""
import time

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
    job = call("POST", "/v1/responses", json={
        "model": model, "input": "Write a long story about a robot.",
        "max_output_tokens": 512, "background": True, "store": True,
    }).json()
    print(f"created {job['id']}: status={job['status']}")
    time.sleep(0.5)
    print(f"polled: status={call('GET', '/v1/responses/' + job['id']).json()['status']}")
    cancelled = call("POST", f"/v1/responses/{job['id']}/cancel").json()
    print(f"cancelled: status={cancelled['status']}")


if __name__ == "__main__":
    main()
