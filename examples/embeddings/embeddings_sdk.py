#!/usr/bin/env python3
"""Embeddings with the openai SDK: client.embeddings.create()."""
import math
import os
import sys

import openai
from openai import OpenAI

ROOT = os.getenv("POOLING_BASE_URL", "http://127.0.0.1:8001/v1").rstrip("/").removesuffix("/v1")
client = OpenAI(
    base_url=f"{ROOT}/v1",                              # the SDK wants the /v1 prefix
    # the SDK requires a key; a server without --api-key ignores it
    api_key=os.getenv("POOLING_API_KEY") or os.getenv("OPENAI_API_KEY") or "EMPTY",
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
    model = os.getenv("POOLING_MODEL") or client.models.list().data[0].id
    texts = ["How do I reset my password?", "I forgot my login password."]
    # encoding_format="float": the SDK otherwise asks for base64 and decodes it (it needs numpy to be fast)
    result = client.embeddings.create(model=model, input=texts, encoding_format="float")
    vectors = [item.embedding for item in result.data]
    a, b = vectors
    cosine = sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    print(f"{len(vectors)} vectors of {len(vectors[0])} dimensions; cosine {cosine:.3f}")


if __name__ == "__main__":
    run(main)
