#!/usr/bin/env python3
"""Elastic expert parallelism: is a resize under way, and (only when NEW_DP_SIZE is set) resize.

route: POST /is_scaling_elastic_ep  whether an elastic-EP resize is under way: {"is_scaling_elastic_ep": false}
route: POST /scale_elastic_ep  resize an elastic-EP deployment (MoE model, --enable-elastic-ep, Ray data parallelism) with {"new_data_parallel_size": N}; the body shown lacks N, so the server refuses it (400) and nothing changes
body: {}
expect: 400
notebook: 18_serving_controls.ipynb
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
    # Neither route starts with /v1: a server's --api-key does not guard them (keep them behind a gateway).
    print(f"POST /is_scaling_elastic_ep -> {call('POST', '/is_scaling_elastic_ep').json()}")
    size = os.getenv("NEW_DP_SIZE")
    if not size:
        print("set NEW_DP_SIZE=N to resize an elastic-EP deployment to N data-parallel engines "
              "(a server without elastic EP answers 500 'Scale failed')")
        return
    body = {"new_data_parallel_size": int(size), "drain_timeout": 120}   # seconds to drain in-flight requests
    print(f"POST /scale_elastic_ep {body} -> {call('POST', '/scale_elastic_ep', json=body).json()}")


if __name__ == "__main__":
    main()
