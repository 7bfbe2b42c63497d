#!/usr/bin/env python3
"""Reasoning output with the openai SDK, streamed: delta.reasoning (an extra field) first, then delta.content."""
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



def read_reasoning(obj):
    """The SDK does not declare the field: it arrives as an extra (obj.model_extra). Read both names."""
    value = getattr(obj, "reasoning", None)
    return value if value is not None else getattr(obj, "reasoning_content", None)


def main():
    model = os.getenv("CHAT_MODEL") or client.models.list().data[0].id
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Why is the sky blue?"}],
        temperature=0, max_tokens=int(os.getenv("MAX_TOKENS", "64")), stream=True,
    )
    reasoning = content = ""
    counts = {"reasoning": 0, "content": 0}
    finish = None
    for chunk in stream:
        for choice in chunk.choices:
            if read_reasoning(choice.delta):
                reasoning += read_reasoning(choice.delta)
                counts["reasoning"] += 1
            if choice.delta.content:
                content += choice.delta.content
                counts["content"] += 1
            finish = choice.finish_reason or finish
    print(f"reasoning: {reasoning.strip()!r}" if reasoning else "reasoning: none (no delta.reasoning: no --reasoning-parser, or no thinking)")
    print(f"content: {content.strip()!r}")
    print(f"{counts['reasoning']} reasoning deltas, {counts['content']} content deltas  finish_reason={finish}")


if __name__ == "__main__":
    run(main)
