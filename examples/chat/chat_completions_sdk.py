#!/usr/bin/env python3
"""Chat completions with the openai SDK: client.chat.completions.create()."""
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
    completion = client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Explain in one sentence what vLLM is good for."},
        ],
        temperature=0,
        max_tokens=int(os.getenv("MAX_TOKENS", "64")),
        extra_body={"top_k": 1},  # vLLM's own sampling parameters travel in extra_body
    )
    choice = completion.choices[0]
    print(choice.message.content)
    print(f"\nfinish_reason={choice.finish_reason}  usage={completion.usage.model_dump()}")


if __name__ == "__main__":
    run(main)
