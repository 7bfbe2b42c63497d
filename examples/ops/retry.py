#!/usr/bin/env python3
"""Retries done right for a generation: only what the server never ran, within a budget and a deadline.

route: POST /v1/chat/completions  a chat completion sent with retries: on a refused connection and on 429/503 (Retry-After honoured), never on a read timeout or another status
body: {"model": "$CHAT_MODEL", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8}
notebook: 31_errors_and_retries.ipynb
"""
import os
import random
import sys
import time

import requests

# OPENAI_BASE_URL may end in /v1 (the SDK's convention); /health and /tokenize hang from the root.
ROOT = os.getenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/").removesuffix("/v1")
KEY = os.getenv("OPENAI_API_KEY")  # only needed when the server was started with --api-key
HEADERS = {"Authorization": f"Bearer {KEY}"} if KEY else {}
ATTEMPTS = int(os.getenv("RETRY_ATTEMPTS", "4"))      # the budget: at most this many sends
DEADLINE_S = float(os.getenv("RETRY_DEADLINE_S", "30"))  # and no retry starts after this many seconds
RETRY_STATUS = {429, 503}   # the server refused before doing the work, and says so


def refused(exc):
    """A connection that was never made: the server cannot have started the request."""
    return isinstance(exc, requests.ConnectTimeout) or (
        isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc))


def post_with_retries(path, body):
    """POST once, and again only when the server certainly did not run it; one line on failure."""
    start, why = time.monotonic(), ""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            # (connect, read) timeouts: a read timeout means the server may be generating: no retry
            r = requests.post(ROOT + path, json=body, headers=HEADERS, timeout=(5, 120))
        except requests.RequestException as exc:
            if not refused(exc):
                sys.exit(f"error: no answer from {ROOT} ({type(exc).__name__}) after the request was sent: "
                         "not retried, the server may have run it")
            why, wait = "connection refused", None
        else:
            if r.status_code < 400:
                return r, attempt
            if r.status_code not in RETRY_STATUS:
                msg = " ".join(r.text.split())[:300]
                sys.exit(f"error: HTTP {r.status_code} from POST {path}: {msg} (not retried)")
            why, wait = f"HTTP {r.status_code}", r.headers.get("Retry-After")
        # exponential backoff with jitter, or the server's Retry-After (in seconds), capped by the deadline
        delay = float(wait) if wait and wait.isdigit() else min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1)
        if attempt == ATTEMPTS or time.monotonic() - start + delay > DEADLINE_S:
            break
        print(f"attempt {attempt}: {why}; retrying in {delay:.1f} s", file=sys.stderr)
        time.sleep(delay)
    sys.exit(f"error: no answer from {ROOT} after {attempt} attempt(s) ({why}): is the server running?")


def main():
    body = {"model": os.getenv("CHAT_MODEL") or first_model(), "messages": [{"role": "user", "content": "Say hello."}],
            "temperature": 0, "max_tokens": int(os.getenv("MAX_TOKENS", "8"))}
    r, attempts = post_with_retries("/v1/chat/completions", body)
    choice = r.json()["choices"][0]
    print(f"answer after {attempts} attempt(s): {choice['message']['content']!r}  finish_reason={choice['finish_reason']}")


def first_model():
    """The first model id the server lists (GET is idempotent: the same retry rules apply safely)."""
    try:
        r = requests.get(ROOT + "/v1/models", headers=HEADERS, timeout=(5, 30))
    except requests.RequestException as exc:
        sys.exit(f"error: no answer from {ROOT} ({type(exc).__name__}): is the server running?")
    if r.status_code >= 400:
        sys.exit(f"error: HTTP {r.status_code} from GET /v1/models: {' '.join(r.text.split())[:300]}")
    return r.json()["data"][0]["id"]


if __name__ == "__main__":
    main()
