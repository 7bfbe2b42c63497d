#!/usr/bin/env python3
"""Triton Inference Server (KServe v2 protocol): metadata, readiness, typed-tensor infer, JSON generate.

route: GET /v2  the server's name, version and protocol extensions
server: triton
route: GET /v2/health/live  200 while the server process is alive
route: GET /v2/health/ready  200 when the server can take requests
route: GET /v2/models/{model}/ready  200 when that model is loaded and can take requests
route: GET /v2/models/{model}  a model's inputs and outputs: names, datatypes, shapes
route: POST /v2/models/{model}/infer  typed tensors in and out (text is BYTES; shapes include the batch)
body: {"inputs": [{"name": "prompt", "datatype": "BYTES", "shape": [1, 1], "data": ["The capital of France is"]}, {"name": "max_tokens", "datatype": "INT32", "shape": [1, 1], "data": [8]}]}
route: POST /v2/models/{model}/generate  the generate extension: plain JSON fields named after the inputs
body: {"prompt": "The capital of France is", "max_tokens": 8}
notebook: 42_triton.ipynb
"""
import os
import sys

import requests

# Triton's HTTP port is 8000 by default; the lab's Triton (notebook 42) takes a free port: set TRITON_URL.
ROOT = os.getenv("TRITON_URL", "http://127.0.0.1:8000").rstrip("/")
CHAT_MODEL = os.getenv("TRITON_MODEL", "smollm2")  # the lab's Triton serves "smollm2" and "minilm"


def call(method, path, **kwargs):
    """One request; any failure ends the script with one line on stderr and exit status 1."""
    try:
        r = requests.request(method, ROOT + path, timeout=120, **kwargs)
    except requests.RequestException as exc:
        sys.exit(f"error: no answer from {ROOT} ({type(exc).__name__}): is Triton running?")
    if r.status_code >= 400:
        try:
            err = r.json().get("error", r.text)   # Triton answers {"error": "..."}
        except ValueError:
            err = r.text
        sys.exit(f"error: HTTP {r.status_code} from {method} {path}: {' '.join(str(err).split())[:300]}")
    return r


def main():
    server = call("GET", "/v2").json()
    print(f"{server['name']} {server['version']}: extensions {server['extensions']}")
    meta = call("GET", f"/v2/models/{CHAT_MODEL}").json()   # the names and types infer expects (404: no such model)
    for path in ("/v2/health/live", "/v2/health/ready", f"/v2/models/{CHAT_MODEL}/ready"):
        call("GET", path)   # 200, or call() stops the script
    print(f"health: live, ready, {CHAT_MODEL} ready")
    for kind in ("inputs", "outputs"):
        print(kind, [(t["name"], t["datatype"], t["shape"]) for t in meta[kind]])
    max_tokens = int(os.getenv("MAX_TOKENS", "16"))
    answer = call("POST", f"/v2/models/{CHAT_MODEL}/infer", json={"inputs": [   # the lab's smollm2 inputs
        {"name": "prompt", "datatype": "BYTES", "shape": [1, 1], "data": ["The capital of France is"]},
        {"name": "max_tokens", "datatype": "INT32", "shape": [1, 1], "data": [max_tokens]},
    ]}).json()
    out = answer["outputs"][0]
    print(f"infer -> {out['name']} {out['datatype']} {out['shape']}: {out['data']}")
    gen = call("POST", f"/v2/models/{CHAT_MODEL}/generate",
               json={"prompt": "The capital of France is", "max_tokens": max_tokens}).json()
    print(f"generate -> {gen}")


if __name__ == "__main__":
    main()
