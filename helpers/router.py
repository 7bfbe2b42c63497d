"""vLLM's router (the `vllm-router` package from PyPI, a Rust load balancer by the vLLM project)
in front of chat replicas, for notebook 36.

    replica = start_lesson_chat_server("replica", [])          # a second copy of the chat model
    router = start_router([chat.url, replica.url], policy="round_robin")
    router.url                # one URL for every client
    router.metrics()          # {(name, labels...): value} from its Prometheus port
    router.stop()

`make` installs the router into an environment of its own in the lab's cache and passes its
script's path as VLLM_ROUTER; else a `vllm-router` on PATH.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from .lab import ExtraServer, HOST, LabError, _log_dir, free_port


def router_binary() -> str:
    candidate = os.environ.get("VLLM_ROUTER") or ""
    if candidate and Path(candidate).is_file():
        return candidate
    found = shutil.which("vllm-router")
    if found:
        return found
    raise LabError("vllm-router not found: `make lab` installs it into the lab's cache (VLLM_ROUTER); "
                   "or `pip install vllm-router` into an environment of yours and put it on PATH")


def scrape(url: str) -> dict:
    """Prometheus text at `url` -> {(sample name, ((label, value), ...)): value}."""
    text = requests.get(url, timeout=10).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(metrics: dict, name: str, **labels) -> float:
    """Sum of the samples called `name` whose labels include `labels`."""
    return sum(value for (sample, sample_labels), value in metrics.items()
               if sample == name and set(labels.items()) <= set(sample_labels))


class Router(ExtraServer):
    def __init__(self, workers: list, *, policy: str, extra_args: list, timeout: float):
        binary = router_binary()
        port, self.metrics_port = free_port(), free_port()
        self.workers, self.policy = list(workers), policy
        self.command = [binary, "--host", HOST, "--port", str(port), "--worker-urls", *self.workers,
                        "--policy", policy, "--prometheus-host", HOST,
                        "--prometheus-port", str(self.metrics_port), *map(str, extra_args)]
        super().__init__("router", self.command, env={"PYTHONUNBUFFERED": "1"}, log_dir=_log_dir(),
                         timeout=timeout, port=port, health="/health")

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"

    def metrics(self) -> dict:
        return scrape(self.metrics_url)


def start_router(workers: list, policy: str = "round_robin", extra_args: list = (),
                 timeout: float = 120) -> Router:
    return Router(workers, policy=policy, extra_args=list(extra_args), timeout=timeout)
