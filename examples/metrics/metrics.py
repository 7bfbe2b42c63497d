#!/usr/bin/env python3
"""Metrics: the server's Prometheus counters (requests running and waiting, KV cache, tokens) and a latency percentile.

route: GET /metrics  Prometheus text format; vLLM's own series start with "vllm:"
notebook: 32_metrics.ipynb
"""
import os
import sys

import requests

# OPENAI_BASE_URL may end in /v1 (the SDK's convention); /health and /tokenize hang from the root.
ROOT = os.getenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/").removesuffix("/v1")
KEY = os.getenv("OPENAI_API_KEY")  # only needed when the server was started with --api-key
HEADERS = {"Authorization": f"Bearer {KEY}"} if KEY else {}


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
        # vLLM answers {"error": {"message": ...}}, {"error": "Unauthorized"} or {"detail": ...}
        err = body.get("error") or body.get("detail") or body if isinstance(body, dict) else body
        msg = " ".join(str(err.get("message", err) if isinstance(err, dict) else err).split())[:300]
        hint = {401: " (check OPENAI_API_KEY)", 404: " (check CHAT_MODEL and the URL)"}.get(r.status_code, "")
        sys.exit(f"error: HTTP {r.status_code} from {method} {path}: {msg}{hint}")
    return r

WANTED = ("vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
          "vllm:prompt_tokens_total", "vllm:generation_tokens_total")


def quantile(q, buckets):
    """The q-quantile of a Prometheus histogram, interpolated inside its bucket as PromQL's
    histogram_quantile does. buckets: [(upper bound, cumulative count)], sorted, +Inf last."""
    total = buckets[-1][1]
    rank, lower, below = q * total, 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if upper == float("inf"):
                return lower            # in the open last bucket: the last finite bound
            return lower + (upper - lower) * (rank - below) / max(count - below, 1e-12)
        lower, below = upper, count
    return lower


def main():
    text = call("GET", "/metrics").text   # not under /v1: --api-key does not guard it
    # Each sample is one line: name{label="value",...} number; lines starting with # describe them.
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in WANTED:
            print(f"{name:32} {line.rsplit(' ', 1)[1]:>12}   {line[len(name):].rsplit(' ', 1)[0]}")
    print(f"({sum(1 for l in text.splitlines() if l.startswith('vllm:'))} vllm: samples in all)")
    # A histogram is cumulative buckets (_bucket{le="..."}): a percentile is read from them. Summed
    # over engines; since the server started (Prometheus's rate() gives a recent window instead).
    series = "vllm:e2e_request_latency_seconds"
    counts = {}
    for line in text.splitlines():
        if line.startswith(series + "_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            counts[float(le)] = counts.get(float(le), 0.0) + float(line.rsplit(" ", 1)[1])
    buckets = sorted(counts.items())
    if not buckets or buckets[-1][1] == 0:
        print(f"{series}: no finished requests yet")
    else:
        print(f"{series}: {buckets[-1][1]:.0f} requests; p50 {quantile(0.5, buckets):.3f} s, "
              f"p95 {quantile(0.95, buckets):.3f} s (interpolated in buckets)")


if __name__ == "__main__":
    main()
