#!/usr/bin/env python3
"""GET /v1/models with the openai SDK: client.models.list()."""
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


def main():
    try:
        models = client.models.list().data
    except openai.APIConnectionError:
        sys.exit(f"error: no answer from {ROOT}: is the server running?")
    except openai.APIStatusError as exc:
        sys.exit(f"error: HTTP {exc.status_code}: {' '.join(str(exc.message).split())[:300]}")
    for m in models:
        # max_model_len is a vLLM extra: the SDK keeps unknown fields, model_extra holds them
        print(f"id={m.id}  max_model_len={(m.model_extra or {}).get('max_model_len')}")
    print(f"{len(models)} model(s)")


if __name__ == "__main__":
    main()
