#!/usr/bin/env python3
"""Anthropic's Messages API with the anthropic SDK (pip install anthropic) pointed at vLLM."""
import os
import sys

import anthropic

ROOT = os.getenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/").removesuffix("/v1")
client = anthropic.Anthropic(
    base_url=ROOT,                                        # the SDK adds /v1/messages itself
    auth_token=os.getenv("OPENAI_API_KEY") or "EMPTY",    # sent as Authorization: Bearer, which vLLM
    timeout=120,                                          # checks (api_key= would send x-api-key)
)


def main():
    model = os.getenv("CHAT_MODEL")
    if not model:  # the anthropic SDK has no models.list() for vLLM: ask the OpenAI-style route
        model = client.get("/v1/models", cast_to=object)["data"][0]["id"]
    messages = [{"role": "user", "content": "Name three colours."}]
    count = client.messages.count_tokens(model=model, messages=messages)
    print(f"count_tokens: input_tokens={count.input_tokens}")
    msg = client.messages.create(model=model, max_tokens=int(os.getenv("MAX_TOKENS", "32")),
                                 system="You are a helpful assistant.", messages=messages)
    print("".join(block.text for block in msg.content if block.type == "text"))
    print(f"\nstop_reason={msg.stop_reason}  usage={msg.usage.model_dump(exclude_none=True)}")


if __name__ == "__main__":
    try:
        main()
    except anthropic.APIConnectionError:
        sys.exit(f"error: no answer from {ROOT}: is the server running?")
    except anthropic.APIStatusError as exc:  # 401 wrong key, 404 unknown model, ...
        sys.exit(f"error: HTTP {exc.status_code}: {' '.join(str(exc.message).split())[:300]}")
