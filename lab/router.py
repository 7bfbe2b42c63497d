"""vLLM's router (the `vllm-router` package from PyPI, a Rust load balancer by the vLLM project)
in front of chat replicas, for notebook 36.

    replica = start_vllm("replica")                           # a second copy of the chat model
    router = start_router([chat.url, replica.url], policy="round_robin")
    router.url                # one URL for every client
    router.metrics()          # helpers.metrics.Metrics read from its Prometheus port
    router.stop()

`make` installs the router into an environment of its own in the lab's cache and passes its
script's path as VLLM_ROUTER; else a `vllm-router` on PATH.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from helpers.metrics import Metrics, read_metrics

from .servers import HOST, LabError, LessonServer, free_port


def router_binary() -> str:
    candidate = os.environ.get("VLLM_ROUTER") or ""
    if candidate and Path(candidate).is_file():
        return candidate
    found = shutil.which("vllm-router")
    if found:
        return found
    raise LabError("vllm-router not found: `make lab` installs it into the lab's cache (VLLM_ROUTER); "
                   "or `pip install vllm-router` into an environment of yours and put it on PATH")


def router_version() -> str | None:
    """The installed vllm-router's version (its `--help` prints none), asked of the Python that
    runs its script; None when that Python cannot say."""
    python = Path(router_binary()).with_name("python")
    try:
        out = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('vllm-router'))"],
                             capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return out.stdout.strip() or None


class Router(LessonServer):
    def __init__(self, workers: list, *, policy: str, extra_args: list, timeout: float, wait: bool = True):
        binary = router_binary()
        port, self.metrics_port = free_port(), free_port()
        self.workers, self.policy = list(workers), policy
        self.command = [binary, "--host", HOST, "--port", str(port), "--worker-urls", *self.workers,
                        "--policy", policy, "--prometheus-host", HOST,
                        "--prometheus-port", str(self.metrics_port), *map(str, extra_args)]
        super().__init__("router", self.command, env={"PYTHONUNBUFFERED": "1"}, port=port,
                         shown=["vllm-router", *self.command[1:]], timeout=timeout, wait=wait,
                         extra_ports=[self.metrics_port])

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"

    def metrics(self) -> Metrics:
        return read_metrics(self.metrics_url)


def start_router(workers: list, policy: str = "round_robin", extra_args: list = (),
                 timeout: float = 120, wait: bool = True) -> Router:
    return Router(workers, policy=policy, extra_args=list(extra_args), timeout=timeout, wait=wait)
