#!/usr/bin/env python3
"""Embeddings: texts to vectors; similar meanings give vectors pointing the same way (cosine).

route: POST /v1/embeddings  one vector per input text (OpenAI shape), from a --runner pooling server
body: {"model": "$POOLING_MODEL", "input": ["Hello", "Hi"]}
server: pooling
notebook: 20_embeddings.ipynb
"""
import math

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
    texts = ["How do I reset my password?", "I forgot my login password.", "The weather is sunny."]
    data = call("POST", "/v1/embeddings", json={
        "model": model,
        "input": texts,               # a string or a list (one request, one vector per text)
        "encoding_format": "float",   # or "base64": the same float32 values, smaller to send
    }).json()
    vectors = [item["embedding"] for item in data["data"]]  # in the order of "input"
    print(f"{len(vectors)} vectors of {len(vectors[0])} dimensions; prompt_tokens={data['usage']['prompt_tokens']}")

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))

    for i in (1, 2):
        print(f"cosine({texts[0]!r}, {texts[i]!r}) = {cosine(vectors[0], vectors[i]):.3f}")


if __name__ == "__main__":
    main()
