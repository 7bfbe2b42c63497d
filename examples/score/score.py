#!/usr/bin/env python3
"""Score: a similarity score for text pairs (1:1, 1:N or N:N), in input order (no sorting).

route: POST /score  one score per (query, document) pair
body: {"model": "$POOLING_MODEL", "queries": "capital of France", "documents": ["Paris", "Bananas"]}
route: POST /v1/score  an alias; vLLM logs a warning to use /score
body: {"model": "$POOLING_MODEL", "queries": "capital of France", "documents": ["Paris", "Bananas"]}
server: pooling
notebook: 22_rerank_and_score.ipynb
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
    documents = ["Paris is the capital of France.", "Bananas are yellow."]
    data = call("POST", "/score", json={
        "model": model,
        "queries": "What is the capital of France?",   # one query against N documents (1:N)
        "documents": documents,
    }).json()
    # An embedding model's score is the cosine of the two vectors; a cross-encoder's is its own.
    for item in data["data"]:
        print(f"{item['score']:.3f}  {documents[item['index']]}")


if __name__ == "__main__":
    main()
