#!/usr/bin/env python3
"""Responses API: one call with "input", an answer made of "output" items; stored answers fetched by id.

route: POST /v1/responses  OpenAI's newer generation API ("input" instead of "messages")
body: {"model": "$CHAT_MODEL", "input": "Hello", "max_output_tokens": 8}
route: GET /v1/responses/{id}  a stored response again (vLLM needs VLLM_ENABLE_RESPONSES_API_STORE=1)
notebook: 06_responses.ipynb
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
    resp = call("POST", "/v1/responses", json={
        "model": model,
        "input": "Name three colours.",      # a string, or a list of role/content items
        "instructions": "Answer briefly.",   # the system message, by another name
        "temperature": 0,
        "max_output_tokens": int(os.getenv("MAX_TOKENS", "32")),
        "store": True,                       # keep it for GET /v1/responses/{id}
    }).json()
    # output is a list of items; the text is in the "message" items' "output_text" parts
    text = "".join(part["text"] for item in resp["output"] if item["type"] == "message"
                   for part in item["content"] if part["type"] == "output_text")
    print(text)
    usage = resp["usage"]
    print(f"\nid={resp['id']}  status={resp['status']}  tokens in/out={usage['input_tokens']}/{usage['output_tokens']}")
    again = call("GET", f"/v1/responses/{resp['id']}").json()
    print(f"GET /v1/responses/{again['id']}: status={again['status']} (the stored copy)")


if __name__ == "__main__":
    main()
