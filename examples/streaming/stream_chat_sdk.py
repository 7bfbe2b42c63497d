#!/usr/bin/env python3
"""Streaming with the openai SDK: stream=True gives an iterator of chunks."""
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


def main():
    model = os.getenv("CHAT_MODEL") or client.models.list().data[0].id
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Name three colours."}],
        temperature=0,
        max_tokens=int(os.getenv("MAX_TOKENS", "32")),
        stream=True,
        stream_options={"include_usage": True},   # a last chunk with usage and no choices
    )
    chunks, finish, usage = 0, None, None
    for chunk in stream:
        chunks += 1
        usage = chunk.usage or usage
        for choice in chunk.choices:
            print(choice.delta.content or "", end="", flush=True)
            finish = choice.finish_reason or finish
    print(f"\n\n{chunks} chunks  finish_reason={finish}  usage={usage.model_dump() if usage else None}")


if __name__ == "__main__":
    run(main)
