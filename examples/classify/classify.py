#!/usr/bin/env python3
"""Classify: labels and probabilities from a classification model (e.g. a sentiment model).

route: POST /classify  one label and its probabilities per input; 404 on a server whose model is not a classifier
body: {"model": "$POOLING_MODEL", "input": "I love this!"}
expect: 404
server: pooling
notebook: 23_pooling_and_classify.ipynb
"""
import os
import sys

import requests

# POOLING_BASE_URL may end in /v1 (the SDK's convention); /health and /pooling hang from the root.
ROOT = os.getenv("POOLING_BASE_URL", "http://127.0.0.1:8001/v1").rstrip("/").removesuffix("/v1")
KEY = os.getenv("POOLING_API_KEY") or os.getenv("OPENAI_API_KEY")  # only with --api-key
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
        hint = {401: " (check POOLING_API_KEY)", 404: " (check POOLING_MODEL)"}.get(r.status_code, "")
        sys.exit(f"error: HTTP {r.status_code} from {method} {path}: {msg}{hint}")
    return r


def main():
    model = os.getenv("POOLING_MODEL") or call("GET", "/v1/models").json()["data"][0]["id"]
    body = {"model": model, "input": ["I love this!", "This is awful."]}
    try:
        r = requests.post(f"{ROOT}/classify", headers=HEADERS, timeout=120, json=body)
    except requests.RequestException as exc:
        sys.exit(f"error: no answer from {ROOT} ({type(exc).__name__}): is the server running?")
    if r.status_code == 404 and r.text == '{"detail":"Not Found"}':
        # vLLM adds /classify only for a classifier (e.g. --runner pooling with a
        # *ForSequenceClassification model); an embedding model's server has no such route.
        sys.exit(f"error: HTTP 404 from POST /classify: {ROOT} serves {model}, which is not a classifier")
    data = (r if r.ok else call("POST", "/classify", json=body)).json()  # call() words other errors
    for item in data["data"]:
        print(f"{item['label']}  probs={[round(p, 3) for p in item['probs']]}")


if __name__ == "__main__":
    main()
