#!/usr/bin/env python3
"""The exact prompt the server builds from your messages (the chat template applied), without generating.

route: POST /v1/chat/completions/render  the token ids of the templated prompt (needs --enable-scale-out)
body: {"model": "$CHAT_MODEL", "messages": [{"role": "user", "content": "Hi"}]}
notebook: 11_chat_templates.ipynb
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
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What is vLLM?"}]
    # The body of a chat request; the answer is what the engine would receive (token ids).
    rendered = call("POST", "/v1/chat/completions/render", json={"model": model, "messages": messages}).json()
    ids = rendered["token_ids"]
    prompt = call("POST", "/detokenize", json={"model": model, "tokens": ids}).json()["prompt"]
    print(f"{len(ids)} prompt tokens; the template's text, markers included:")
    print(prompt)


if __name__ == "__main__":
    main()
