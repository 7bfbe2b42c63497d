#!/usr/bin/env python3
"""Reasoning output: a thinking model's thoughts in message.reasoning, its answer in message.content.

route: POST /v1/chat/completions  a reasoning model behind --reasoning-parser: the thoughts in message.reasoning (older servers: reasoning_content), null otherwise
body: {"model": "$CHAT_MODEL", "messages": [{"role": "user", "content": "Why is the sky blue?"}], "max_tokens": 16}
notebook: 14_reasoning.ipynb
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



def read_reasoning(message):
    """vLLM 0.32 returns "reasoning"; older servers returned "reasoning_content". Read both."""
    if message.get("reasoning") is not None:
        return message["reasoning"]
    return message.get("reasoning_content")


def ask(model, **extra):
    data = call("POST", "/v1/chat/completions", json={
        "model": model, "messages": [{"role": "user", "content": "Why is the sky blue?"}],
        "temperature": 0, "max_tokens": int(os.getenv("MAX_TOKENS", "64")), **extra,
    }).json()
    choice = data["choices"][0]
    reasoning, content = read_reasoning(choice["message"]), choice["message"]["content"]
    if reasoning is None:
        print("reasoning: none (null: the server has no --reasoning-parser, or the model did not think)")
    else:
        print(f"reasoning: {reasoning.strip()!r}")
    if content is None and choice["finish_reason"] == "length":   # content is null, not ""
        print("content: none: the thinking used up max_tokens (raise it, or set thinking_token_budget)")
    else:
        print(f"content: {(content or '').strip()!r}")
    details = (data.get("usage") or {}).get("completion_tokens_details")
    print(f"finish_reason={choice['finish_reason']}  completion_tokens_details={details}")
    return reasoning is not None


def main():
    model = os.getenv("CHAT_MODEL") or call("GET", "/v1/models").json()["data"][0]["id"]
    if ask(model):
        # vLLM's own field: force the end of the thinking after 16 tokens (needs --reasoning-parser)
        ask(model, thinking_token_budget=16)
        # Thinking off, for templates that read enable_thinking (Qwen3's does; others ignore it)
        ask(model, chat_template_kwargs={"enable_thinking": False})
    else:
        print("thinking_token_budget: skipped (vLLM refuses it with HTTP 400 without --reasoning-parser)")


if __name__ == "__main__":
    main()
