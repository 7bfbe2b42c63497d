#!/usr/bin/env python3
"""Generative scoring: the probability of the first label token, per item, from a chat model (vLLM only).

route: POST /generative_scoring  for each item, P(first label | query + item) over the label tokens (vLLM; label ids from /tokenize)
body: {"model": "$CHAT_MODEL", "query": "Question: Is Paris the capital of France? Answer:", "items": [""], "label_token_ids": [0, 1]}
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
    # Labels are token ids of THIS model's tokenizer, one token each: ask the server, never type them.
    labels = {}
    for word in (" yes", " no"):
        ids = call("POST", "/tokenize", json={"model": model, "prompt": word, "add_special_tokens": False}).json()["tokens"]
        if len(ids) != 1:
            sys.exit(f"error: {word!r} is {len(ids)} tokens for this model; a label must be one token")
        labels[word] = ids[0]
    query = "Question: Is Paris the capital of France? Answer:"
    items = ["", " Think first."]
    scored = call("POST", "/generative_scoring", json={
        "model": model, "query": query, "items": items, "label_token_ids": list(labels.values())}).json()
    print(f"label token ids: {labels}")
    for row in scored["data"]:
        print(f"item {row['index']} {items[row['index']]!r:16} P(' yes' | ' yes' or ' no') = {row['score']:.4f}")


if __name__ == "__main__":
    main()
