#!/usr/bin/env python3
"""Is the server up, and which vLLM is it? The routes a load balancer or a script polls.

route: GET /health  200 with an empty body once the engine can take requests
route: GET /ping  the same check under the name SageMaker uses
route: GET /version  the vLLM version, {"version": "..."}
route: GET /load  requests in flight, {"server_load": N} (counts only with --enable-server-load-tracking)
notebook: 00_server_basics.ipynb
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
    # None of these routes starts with /v1, so a server's --api-key does not guard them.
    for path in ("/health", "/ping"):
        r = call("GET", path)
        print(f"GET {path:8} -> HTTP {r.status_code} (body: {r.text!r})")
    print(f"GET /version  -> {call('GET', '/version').text}")
    print(f"GET /load     -> {call('GET', '/load').text}")


if __name__ == "__main__":
    main()
