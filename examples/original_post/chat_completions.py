#!/usr/bin/env python3
# The original post's chat_completions.py (the blog post's section "A1"), adapted to this project's variables
# (OPENAI_BASE_URL, OPENAI_API_KEY, CHAT_MODEL, MAX_TOKENS) and to fail in one line: examples/original_post/README.md.
import os
import json
import sys
import requests

# Original: BASE_URL (no /v1). Here: the project's OPENAI_BASE_URL, with or without the /v1.
BASE_URL = os.getenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/").removesuffix("/v1")
HEADERS = {"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"} if os.getenv("OPENAI_API_KEY") else {}


def request(method, url, **kwargs):
    """Original: requests.post(...) + resp.raise_for_status(). Here: one line on stderr, exit 1."""
    try:
        resp = requests.request(method, url, headers=HEADERS, **kwargs)
    except requests.RequestException as exc:
        sys.exit(f"error: no answer from {BASE_URL} ({type(exc).__name__}): is the server running?")
    if resp.status_code >= 400:
        sys.exit(f"error: HTTP {resp.status_code} from {url}: {' '.join(resp.text.split())[:300]}")
    return resp


# Original: MODEL defaulted to "Qwen2-7B-Instruct". Here: the first model the server lists.
CHAT_MODEL = os.getenv("CHAT_MODEL") or request("GET", f"{BASE_URL}/v1/models", timeout=30).json()["data"][0]["id"]

url = f"{BASE_URL}/v1/chat/completions"
payload = {
    "model": CHAT_MODEL,
    "messages": [
        {"role": "system", "content": "你是一个有帮助的助手。"},
        {"role": "user", "content": "用一句话解释 vLLM 的优势。"}
    ],
    "temperature": 0.7,
    "max_tokens": int(os.getenv("MAX_TOKENS", "200")),  # the original post: 200
    "stream": False
}

resp = request("POST", url, json=payload, timeout=120)
data = resp.json()

# OpenAI compatible: choices[0].message.content
print(data["choices"][0]["message"]["content"])
