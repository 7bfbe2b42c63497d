"""A real Triton Inference Server (the `tritonserver` binary shipped in the nvidia-pytriton wheel)
serving two models whose Python functions call the lab's vLLM servers:

- `smollm2`: text in, text out (BYTES tensors); the function sends the prompt to the chat
  server's /v1/completions. Inputs: `prompt` (BYTES), optional `max_tokens` (INT32).
- `minilm`: text in, a 384-float embedding out (FP32), from the pooling server's /v1/embeddings.

Run with the Triton environment's python (make builds it; it wants numpy<2):

    python lab/triton_server.py --http-port 8002 --chat-url http://127.0.0.1:8000 --pooling-url http://127.0.0.1:8001

It prints "triton: ready" when the models are loaded and serves until SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import sysconfig
import time
from pathlib import Path


def use_this_pythons_libpython() -> None:
    """Triton's Python backend stub links libpython3.X.so.1.0 and the dynamic linker finds the
    system's copy first. If that copy is another patch release than this interpreter's standard
    library (pyenv, conda), the stub fails with `'_thread.RLock' object has no attribute
    '_recursion_count'`. Point the linker at this interpreter's own libpython, if it has one."""
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    if list(Path(libdir).glob("libpython3*.so*")):
        paths = [libdir] + [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
        os.environ["LD_LIBRARY_PATH"] = ":".join(dict.fromkeys(paths))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--http-port", type=int, default=8002)
    parser.add_argument("--grpc-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--metrics-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--chat-url", default="http://127.0.0.1:8000")
    parser.add_argument("--pooling-url", default="http://127.0.0.1:8001")
    args = parser.parse_args()
    use_this_pythons_libpython()

    import socket

    import numpy as np
    import requests
    from pytriton.decorators import batch
    from pytriton.model_config import ModelConfig, Tensor
    from pytriton.triton import Triton, TritonConfig

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    chat_model = requests.get(f"{args.chat_url}/v1/models", timeout=10).json()["data"][0]["id"]
    pooling_model = requests.get(f"{args.pooling_url}/v1/models", timeout=10).json()["data"][0]["id"]

    @batch
    def generate(prompt, max_tokens=None):
        answers = []
        for i, row in enumerate(prompt):
            limit = int(max_tokens[i][0]) if max_tokens is not None else 32
            r = requests.post(f"{args.chat_url}/v1/completions", timeout=300, json={
                "model": chat_model, "prompt": row[0].decode("utf-8"), "max_tokens": limit,
                "temperature": 0})
            r.raise_for_status()
            answers.append([r.json()["choices"][0]["text"].encode("utf-8")])
        return {"text": np.array(answers, dtype=np.object_)}

    @batch
    def embed(text):
        r = requests.post(f"{args.pooling_url}/v1/embeddings", timeout=60, json={
            "model": pooling_model, "input": [row[0].decode("utf-8") for row in text]})
        r.raise_for_status()
        data = sorted(r.json()["data"], key=lambda d: d["index"])
        return {"embedding": np.array([d["embedding"] for d in data], dtype=np.float32)}

    config = TritonConfig(http_address="127.0.0.1", http_port=args.http_port,
                          grpc_address="127.0.0.1", grpc_port=args.grpc_port or free_port(),
                          metrics_port=args.metrics_port or free_port(), log_verbose=0,
                          exit_timeout_secs=3)  # else it waits 30 s for idle keep-alive connections
    stop = []
    def on_sigterm(signum, frame):
        print(f"triton: SIGTERM (from pid {os.getppid()}'s side), stopping", flush=True)
        stop.append(1)
    signal.signal(signal.SIGTERM, on_sigterm)
    # PyTriton gives up (and stops tritonserver) if one of its own readiness probes fails, which
    # happens now and then on a loaded 2-core machine: try again rather than fail the lesson.
    for attempt in range(1, 4):
        try:
            with Triton(config=config) as triton:
                triton.bind(model_name="smollm2", infer_func=generate,
                            inputs=[Tensor(name="prompt", dtype=bytes, shape=(1,)),
                                    Tensor(name="max_tokens", dtype=np.int32, shape=(1,), optional=True)],
                            outputs=[Tensor(name="text", dtype=bytes, shape=(1,))],
                            config=ModelConfig(max_batch_size=8))
                triton.bind(model_name="minilm", infer_func=embed,
                            inputs=[Tensor(name="text", dtype=bytes, shape=(1,))],
                            outputs=[Tensor(name="embedding", dtype=np.float32, shape=(-1,))],
                            config=ModelConfig(max_batch_size=8))
                triton.run()
                print("triton: ready", flush=True)
                try:
                    while not stop:
                        time.sleep(0.5)
                except KeyboardInterrupt:
                    pass
                return 0
        except Exception as exc:  # noqa: BLE001 - any start-up failure: report, retry
            if stop or attempt == 3:
                raise
            print(f"triton: start-up attempt {attempt} failed ({type(exc).__name__}: {exc}); "
                  "trying again", flush=True)
            time.sleep(2)
    return 0


if __name__ == "__main__":
    try:
        status = main()
    finally:
        # Triton's Python backend stubs ignore SIGTERM and can outlive tritonserver when the stop
        # is cut short (a kernel that exits, a SIGTERM from PR_SET_PDEATHSIG). When this script
        # leads its own process group (lab.servers starts it so), take the whole group with it.
        sys.stdout.flush()
        if os.getpgrp() == os.getpid():
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.killpg(os.getpgrp(), signal.SIGTERM)
            time.sleep(0.5)
            os.killpg(os.getpgrp(), signal.SIGKILL)
