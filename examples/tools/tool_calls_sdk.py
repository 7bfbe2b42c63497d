#!/usr/bin/env python3
"""Tool calling with the openai SDK: a strict tool, tool_choice "required", the result sent back."""
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
        hint = " (start vLLM with --enable-auto-tool-choice --tool-call-parser NAME)" \
            if "tool-call-parser" in str(exc.message) else ""
        sys.exit(f"error: HTTP {exc.status_code}: {' '.join(str(exc.message).split())[:300]}{hint}")

TOOL = {"type": "function", "function": {
    "name": "celsius_to_fahrenheit",
    "description": "Convert a temperature from degrees Celsius to degrees Fahrenheit.",
    "strict": True,
    "parameters": {"type": "object", "properties": {"celsius": {"type": "number"}},
                   "required": ["celsius"], "additionalProperties": False}}}


def main():
    model = os.getenv("CHAT_MODEL") or client.models.list().data[0].id
    max_tokens = int(os.getenv("MAX_TOKENS", "60"))
    messages = [{"role": "user", "content": "What is 20 degrees Celsius in Fahrenheit?"}]
    first = client.chat.completions.create(model=model, messages=messages, tools=[TOOL], tool_choice="required",
                                           temperature=0, max_tokens=max(max_tokens, 60))
    assistant = first.choices[0].message
    tool_call = assistant.tool_calls[0]
    arguments = json.loads(tool_call.function.arguments)
    print(f"tool_call {tool_call.function.name}({json.dumps(arguments)})  id={tool_call.id}")
    value = round(arguments["celsius"] * 9 / 5 + 32, 2)              # the function, run here
    result = f"{arguments['celsius']} degrees Celsius is {value} degrees Fahrenheit."
    messages += [assistant.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": tool_call.id, "content": result}]
    final = client.chat.completions.create(model=model, messages=messages, tools=[TOOL], tool_choice="none",
                                           temperature=0, max_tokens=max_tokens)
    answer = " ".join((final.choices[0].message.content or "").split())   # one line
    print(f"answer: {answer}  (finish_reason={final.choices[0].finish_reason})")


if __name__ == "__main__":
    run(main)
