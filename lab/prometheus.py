"""Prometheus scraping the lab's vLLM (notebook 60): the configuration and alert rules written to a
private folder under logs/, the real `prometheus` binary started on 127.0.0.1, its HTTP API read.

    prom = start_prometheus({"vllm": "http://127.0.0.1:8000"}, rules=RULES, interval="1s")
    prom.query("up")              # the `result` list of GET /api/v1/query
    prom.alerts()                 # GET /api/v1/alerts: [{"labels": ..., "state": "firing"}, ...]
    prom.stop()

Prometheus is Debian's package, unpacked (not installed: no service starts) by `make` into the
lab's cache, whose binary `make` passes as PROMETHEUS; else a `prometheus` on PATH. A target whose
/metrics is behind a key gets it from a file (mode 0600) through `authorization: credentials_file`,
so the key is in neither the configuration nor the command line.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .servers import HOST, LabError, LessonServer, free_port, log_dir

CONFIG = """\
# written by lab/prometheus.py for notebook 60; Prometheus {version}
global:
  scrape_interval: {interval}       # how often every target's /metrics is read
  evaluation_interval: {interval}   # how often the rules below are evaluated
rule_files:
  - {rules_path}
scrape_configs:
{jobs}"""

JOB = """\
  - job_name: {name}
    metrics_path: /metrics
    static_configs:
      - targets: ["{address}"]
{auth}"""


def prometheus_binary() -> str:
    binary = os.environ.get("PROMETHEUS") or shutil.which("prometheus")
    if not binary or not Path(binary).exists():
        raise LabError("no prometheus binary: run `make lab` or `make test` (they unpack Debian's "
                       "package on Debian/Ubuntu); elsewhere install prometheus or set PROMETHEUS=/path")
    return binary


def prometheus_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    return first.split("version", 1)[-1].split("(")[0].strip() or "unknown"


class Prometheus(LessonServer):
    """A running Prometheus; `config` and `rules` are the texts it was given, `url` its address."""

    def __init__(self, targets: dict, *, rules: str = "", interval: str = "1s",
                 api_keys: dict | None = None, timeout: float = 60, stream=None):
        binary = prometheus_binary()
        self.version = prometheus_version(binary)
        logs = log_dir()
        logs.mkdir(parents=True, exist_ok=True)
        self.prefix = Path(tempfile.mkdtemp(prefix="prometheus-", dir=logs))   # mode 0700
        rules_path = self.prefix / "rules.yml"
        self.rules = rules or "groups: []\n"
        rules_path.write_text(self.rules)
        jobs = []
        for name, url in targets.items():
            auth = ""
            key = (api_keys or {}).get(name)
            if key:
                key_file = self.prefix / f"{name}.key"
                key_file.write_text(key)
                key_file.chmod(0o600)
                auth = (f"    authorization:\n      type: Bearer\n"
                        f"      credentials_file: {key_file}\n")
            jobs.append(JOB.format(name=name, address=urlsplit(url).netloc, auth=auth))
        self.config = CONFIG.format(version=self.version, interval=interval,
                                    rules_path=rules_path, jobs="".join(jobs))
        conf = self.prefix / "prometheus.yml"
        conf.write_text(self.config)
        promtool = Path(binary).with_name("promtool")
        if promtool.exists():               # Debian's package ships it beside the server
            check = subprocess.run([str(promtool), "check", "config", str(conf)], capture_output=True, text=True)
            if check.returncode != 0:
                raise LabError("promtool rejected the configuration: "
                               + (check.stdout + check.stderr).strip().splitlines()[-1])
        else:
            print(f"(no promtool beside {binary}: the configuration was not checked before the start)")
        port = free_port()
        command = [binary, f"--config.file={conf}", f"--storage.tsdb.path={self.prefix / 'data'}",
                   f"--web.listen-address={HOST}:{port}", "--log.level=warn"]
        shown = ["prometheus", *command[1:]]
        super().__init__("prometheus", command, port=port, timeout=timeout, health="/-/ready",
                         stream=stream, shown=shown,
                         note=f"Prometheus {self.version}; its configuration is prom.config")

    def stop(self) -> None:
        """Stop it (and prove it), then delete the key files; the rest stays in its folder."""
        try:
            super().stop()
        finally:
            for key_file in self.prefix.glob("*.key"):
                key_file.unlink()

    def api(self, path: str, **params) -> dict:
        """GET /api/v1/<path>; its `data` (a one-line LabError when Prometheus says error)."""
        r = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=30)
        body = r.json()
        if body.get("status") != "success":
            raise LabError(f"Prometheus: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list:
        """An instant query: the `result` list (each {"metric": labels, "value": [time, "text"]})."""
        params = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        return self.api("query", **params)["result"]

    def alerts(self) -> list:
        return self.api("alerts")["alerts"]


def start_prometheus(targets: dict, **options) -> Prometheus:
    """Start Prometheus scraping each target's /metrics ({"vllm": "http://127.0.0.1:8000"})."""
    return Prometheus(targets, **options)
