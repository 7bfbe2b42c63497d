#!/usr/bin/env python3
"""Structured output with the openai SDK: response_format, and vLLM's choice through extra_body."""
import json

import os
import sys

import openai
from openai import OpenAI

ROOT = os.getenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/").removesuffix("/v1")
client = OpenAI(
    base_url=f"{ROOT}/v1",                              # the SDK wants the /v1 prefix
    api_key=os.getenv("OPENAI_API_KEY") or "EMPTY",      # required by the SDK; ignored without --api-key
    timeout=120,
)


def run(main):
    """Run main(); the SDK's connection and HTTP errors end the script with one line on stderr."""
    try:
        main()
    except openai.APIConnectionError:
        sys.exit(f"error: no answer from {ROOT}: is the server running?")
    except openai.APIStatusError as exc:  # 401 wrong key, 404 unknown model, 400 bad request, ...
        sys.exit(f"error: HTTP {exc.status_code}: {' '.join(str(exc.message).split())[:300]}")

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["colour"],
          "properties": {"colour": {"type": "string", "enum": ["red", "green", "blue"]}}}


def main():
    model = os.getenv("CHAT_MODEL") or client.models.list().data[0].id
    messages = [{"role": "user", "content": "What colour is the sky? Answer in JSON."}]
    completion = client.chat.completions.create(
        model=model, messages=messages, temperature=0, max_tokens=30,
        response_format={"type": "json_schema", "json_schema": {"name": "pick", "schema": SCHEMA}},
    )
    content = completion.choices[0].message.content
    parsed = json.loads(content)  # the form is guaranteed, not the facts
    print(f"json_schema -> {json.dumps(parsed)}  (finish_reason={completion.choices[0].finish_reason})")
    completion = client.chat.completions.create(
        model=model, messages=messages, temperature=0, max_tokens=5,
        extra_body={"structured_outputs": {"choice": ["yes", "no"]}},  # a vLLM field: extra_body
    )
    print(f"structured_outputs.choice -> {completion.choices[0].message.content!r}")


if __name__ == "__main__":
    run(main)
