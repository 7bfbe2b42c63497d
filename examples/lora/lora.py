#!/usr/bin/env python3
"""LoRA adapters on vLLM: list them, ask one by name, load and unload one while the server runs.

route: POST /v1/load_lora_adapter  add a LoRA adapter to a running vLLM (started with VLLM_ALLOW_RUNTIME_LORA_UPDATING set; the path is read by the server)
body: {"lora_name": "$ADAPTER", "lora_path": "$LORA_PATH"}
route: POST /v1/unload_lora_adapter  remove an adapter by name
body: {"lora_name": "$ADAPTER"}
server: lora
notebook: 38_lora_adapters.ipynb
"""
import os
import sys

import requests

# A vLLM started with --enable-lora --lora-modules NAME=PATH (LORA_BASE_URL; OPENAI_BASE_URL if unset).
ROOT = (os.getenv("LORA_BASE_URL") or os.getenv("OPENAI_BASE_URL") or "http://127.0.0.1:8000/v1")
ROOT = ROOT.rstrip("/").removesuffix("/v1")
KEY = os.getenv("LORA_API_KEY") or os.getenv("OPENAI_API_KEY")  # only with --api-key
HEADERS = {"Authorization": f"Bearer {KEY}"} if KEY else {}
LORA_PATH = os.getenv("LORA_PATH")  # an adapter folder on the server's machine: load, use, unload it
LORA_NAME = os.getenv("LORA_NAME", "runtime-adapter")
MAX_TOKENS = int(os.getenv("MAX_TOKENS", "24"))


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
        err = body.get("error") or body.get("detail") or body if isinstance(body, dict) else body
        msg = " ".join(str(err.get("message", err) if isinstance(err, dict) else err).split())[:300]
        hint = {401: " (check LORA_API_KEY)", 404: " (check LORA_MODEL and the URL)"}.get(r.status_code, "")
        if r.status_code == 404 and path.endswith("_lora_adapter") and msg == "Not Found":
            hint = " (start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=true to add these routes)"
        sys.exit(f"error: HTTP {r.status_code} from {method} {path}: {msg}{hint}")
    return r


def adapters():
    """{adapter id: its parent} from GET /v1/models: an adapter is a model with a parent."""
    models = call("GET", "/v1/models").json()["data"]
    return {m["id"]: m["parent"] for m in models if m.get("parent")}


def ask(model):
    body = {"model": model, "messages": [{"role": "user", "content": "What is a rainbow?"}],
            "max_tokens": MAX_TOKENS, "temperature": 0}
    answer = call("POST", "/v1/chat/completions", json=body).json()
    return answer["choices"][0]["message"]["content"]


def main():
    found = adapters()
    for name, parent in found.items():
        print(f"adapter {name}  parent={parent}")
    model = os.getenv("LORA_MODEL") or next(iter(found), None)
    if model is None:
        sys.exit(f"error: {ROOT} serves no LoRA adapter: start vLLM with --enable-lora "
                 "--lora-modules NAME=PATH")
    print(f"{model} -> {ask(model)!r}")   # "model" picks the adapter; nothing else changes
    if LORA_PATH:
        print(call("POST", "/v1/load_lora_adapter",
                   json={"lora_name": LORA_NAME, "lora_path": LORA_PATH}).text)   # plain text
        print(f"{LORA_NAME} -> {ask(LORA_NAME)!r}")
        print(call("POST", "/v1/unload_lora_adapter", json={"lora_name": LORA_NAME}).text)
        print(f"{LORA_NAME} listed after unloading: {LORA_NAME in adapters()}")


if __name__ == "__main__":
    main()
