#!/usr/bin/env python3
"""Anthropic's Messages API on the same vLLM server, and its token counter.

route: POST /v1/messages  Anthropic-style chat ("system" is a field; "max_tokens" is required)
body: {"model": "$CHAT_MODEL", "max_tokens": 8, "messages": [{"role": "user", "content": "Hello"}]}
route: POST /v1/messages/count_tokens  the prompt's token count, template included, without generating
body: {"model": "$CHAT_MODEL", "messages": [{"role": "user", "content": "Hello"}]}
route: POST /v1/messages/render  the token ids of the prompt a Messages body becomes (needs --enable-scale-out)
body: {"model": "$CHAT_MODEL", "max_tokens": 8, "messages": [{"role": "user", "content": "Hello"}]}
notebook: 08_messages.ipynb
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
    # vLLM checks the key as "Authorization: Bearer" (HEADERS), not Anthropic's x-api-key.
    request = {
        "model": model,
        "system": "You are a helpful assistant.",   # not a message role here
        "messages": [{"role": "user", "content": "Name three colours."}],
    }
    count = call("POST", "/v1/messages/count_tokens", json=request).json()
    print(f"count_tokens: input_tokens={count['input_tokens']}")
    rendered = call("POST", "/v1/messages/render", json={**request, "max_tokens": 8}).json()
    print(f"render: {len(rendered['token_ids'])} prompt token ids")
    msg = call("POST", "/v1/messages", json={
        **request, "max_tokens": int(os.getenv("MAX_TOKENS", "32")), "temperature": 0}).json()
    print("".join(block["text"] for block in msg["content"] if block["type"] == "text"))
    # stop_reason: "end_turn" or "max_tokens" (chat completions' "stop" / "length")
    print(f"\nstop_reason={msg['stop_reason']}  usage={msg['usage']}")


if __name__ == "__main__":
    main()
