#!/usr/bin/env python3
"""Structured output: the answer is forced to match a JSON schema (or one of a few choices).

route: POST /v1/chat/completions  with "response_format": {"type": "json_schema", ...}: JSON that fits the schema
body: {"model": "$CHAT_MODEL", "messages": [{"role": "user", "content": "Pick a colour"}], "max_tokens": 30, "response_format": {"type": "json_schema", "json_schema": {"name": "pick", "schema": {"type": "object", "properties": {"colour": {"enum": ["red", "green", "blue"]}}, "required": ["colour"]}}}}
notebook: 07_structured_output.ipynb
"""
import json

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

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["colour"],
          "properties": {"colour": {"type": "string", "enum": ["red", "green", "blue"]}}}


def main():
    model = os.getenv("CHAT_MODEL") or call("GET", "/v1/models").json()["data"][0]["id"]
    messages = [{"role": "user", "content": "What colour is the sky? Answer in JSON."}]
    data = call("POST", "/v1/chat/completions", json={
        "model": model, "messages": messages, "temperature": 0,
        "max_tokens": 30,   # room for the whole object: a cut-off answer ("length") is not valid JSON
        "response_format": {"type": "json_schema", "json_schema": {"name": "pick", "schema": SCHEMA}},
    }).json()
    choice = data["choices"][0]
    parsed = json.loads(choice["message"]["content"])  # the form is guaranteed, not the facts
    print(f"json_schema -> {json.dumps(parsed)}  (finish_reason={choice['finish_reason']})")
    # vLLM's own constraint: one of a list of strings (also "regex", "grammar", "json")
    data = call("POST", "/v1/chat/completions", json={
        "model": model, "messages": messages, "temperature": 0, "max_tokens": 5,
        "structured_outputs": {"choice": ["yes", "no"]},
    }).json()
    print(f"structured_outputs.choice -> {data['choices'][0]['message']['content']!r}")


if __name__ == "__main__":
    main()
