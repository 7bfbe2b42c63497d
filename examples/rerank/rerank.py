#!/usr/bin/env python3
"""Rerank: score documents against a query and sort them, best first (search, RAG).

route: POST /rerank  vLLM's rerank (Jina's request and answer): results sorted by relevance_score
body: {"model": "$POOLING_MODEL", "query": "capital of France", "documents": ["Paris is the capital of France.", "Bananas are yellow."]}
route: POST /v1/rerank  an alias at Jina's path; vLLM logs a warning to use /rerank
body: {"model": "$POOLING_MODEL", "query": "capital of France", "documents": ["Paris is the capital of France.", "Bananas are yellow."]}
route: POST /v2/rerank  Cohere-style path, the same body and answer here
body: {"model": "$POOLING_MODEL", "query": "capital of France", "documents": ["Paris is the capital of France.", "Bananas are yellow."]}
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
    documents = ["Bananas are yellow.", "Paris is the capital of France.", "France is in Europe."]
    data = call("POST", "/rerank", json={
        "model": model,
        "query": "What is the capital of France?",
        "documents": documents,
        "top_n": 2,   # keep the best two (0 or absent: all)
    }).json()
    for r in data["results"]:   # sorted, best first; "index" points into "documents"
        print(f"{r['relevance_score']:.3f}  [{r['index']}] {documents[r['index']]}")


if __name__ == "__main__":
    main()
