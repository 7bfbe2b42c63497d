#!/usr/bin/env python3
"""Tool calling: the model's call (a strict tool, tool_choice "required"), run here, its result sent back.

route: POST /v1/chat/completions  with "tools" and "tool_choice": the call in message.tool_calls (the server needs --enable-auto-tool-choice --tool-call-parser NAME)
body: {"model": "$CHAT_MODEL", "messages": [{"role": "user", "content": "What is 20 degrees Celsius in Fahrenheit?"}], "tools": [{"type": "function", "function": {"name": "celsius_to_fahrenheit", "strict": true, "parameters": {"type": "object", "properties": {"celsius": {"type": "number"}}, "required": ["celsius"], "additionalProperties": false}}}], "tool_choice": "required", "max_tokens": 60}
server: tools
notebook: 09_tool_calling.ipynb
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
        if "tool-call-parser" in msg:   # vLLM's default: no tool-call parser
            hint = " (start vLLM with --enable-auto-tool-choice --tool-call-parser NAME)"
        sys.exit(f"error: HTTP {r.status_code} from {method} {path}: {msg}{hint}")
    return r

TOOL = {"type": "function", "function": {
    "name": "celsius_to_fahrenheit",
    "description": "Convert a temperature from degrees Celsius to degrees Fahrenheit.",
    "strict": True,   # with hermes-style parsers, vLLM holds the arguments to the schema only when strict
    "parameters": {"type": "object", "properties": {"celsius": {"type": "number"}},
                   "required": ["celsius"], "additionalProperties": False}}}


def celsius_to_fahrenheit(celsius):
    return round(celsius * 9 / 5 + 32, 2)


def main():
    model = os.getenv("CHAT_MODEL") or call("GET", "/v1/models").json()["data"][0]["id"]
    max_tokens = int(os.getenv("MAX_TOKENS", "60"))
    messages = [{"role": "user", "content": "What is 20 degrees Celsius in Fahrenheit?"}]
    choice = call("POST", "/v1/chat/completions", json={
        "model": model, "messages": messages, "tools": [TOOL], "tool_choice": "required",
        "temperature": 0, "max_tokens": max(max_tokens, 60),   # room for the whole call
    }).json()["choices"][0]
    assistant = choice["message"]
    for tool_call in assistant["tool_calls"]:
        arguments = json.loads(tool_call["function"]["arguments"])   # a JSON string: parse it yourself
        print(f"tool_call {tool_call['function']['name']}({json.dumps(arguments)})  id={tool_call['id']}  "
              f"finish_reason={choice['finish_reason']}")
    # Run the function here, then send the call back with one "tool" message per call (same id).
    tool_call = assistant["tool_calls"][0]
    arguments = json.loads(tool_call["function"]["arguments"])
    value = celsius_to_fahrenheit(**arguments)
    result = f"{arguments['celsius']} degrees Celsius is {value} degrees Fahrenheit."
    print(f"result: {result}")
    messages += [assistant, {"role": "tool", "tool_call_id": tool_call["id"], "content": result}]
    final = call("POST", "/v1/chat/completions", json={
        "model": model, "messages": messages, "tools": [TOOL], "tool_choice": "none",  # answer, do not call
        "temperature": 0, "max_tokens": max_tokens,
    }).json()["choices"][0]
    answer = " ".join((final["message"]["content"] or "").split())   # one line
    print(f"answer: {answer}  (finish_reason={final['finish_reason']})")


if __name__ == "__main__":
    main()
