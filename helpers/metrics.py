"""Reading a server's Prometheus `/metrics` (notebook 32 builds this step by step; 31, 33, 36 and
37 use it): values by name and labels, what changed between two reads, histogram quantiles.

    before = read_metrics(chat)                        # an Endpoint, or a URL ending in /metrics
    ...                                                # requests
    moved = read_metrics(chat).since(before)           # counters and histograms: what this added
    moved.value("vllm:generation_tokens_total")        # summed over label sets (engines, models)
    ttft = moved.histogram("vllm:time_to_first_token_seconds")
    ttft.count, ttft.sum, ttft.quantile(0.95)

Parsing is prometheus_client's (its parser names a counter's family without `_total`; samples
keep it).
"""
from __future__ import annotations

from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families

INF = float("inf")


@dataclass(frozen=True)
class Histogram:
    buckets: list        # [(upper bound, cumulative count), ...] ending with (inf, count)
    sum: float
    count: float

    def quantile(self, q: float) -> float:
        """PromQL's histogram_quantile: linear interpolation inside the bucket where the
        cumulative count passes q * count (from 0 in the first bucket; the last finite bound when
        it falls in +Inf). An estimate: only as fine as the buckets."""
        target, lower, below = q * self.count, 0.0, 0.0
        for bound, cumulative in self.buckets:
            if cumulative >= target:
                if bound == INF:
                    return lower
                return lower + (bound - lower) * (target - below) / max(cumulative - below, 1e-9)
            lower, below = bound, cumulative
        return lower


class Metrics:
    """One read of /metrics: {(sample name, labels): value}, and the families with their help."""

    def __init__(self, samples: dict, families: dict | None = None):
        self.samples, self.families = samples, families or {}

    @classmethod
    def parse(cls, text: str) -> "Metrics":
        families = {f.name: f for f in text_string_to_metric_families(text)}
        samples = {}
        for family in families.values():
            for s in family.samples:
                key = (s.name, tuple(sorted(s.labels.items())))
                samples[key] = samples.get(key, 0.0) + s.value
        return cls(samples, families)

    def _matching(self, name: str, labels: dict):
        wanted = {k: str(v) for k, v in labels.items()}.items()
        return [(dict(key), value) for (sample, key), value in self.samples.items()
                if sample == name and wanted <= dict(key).items()]

    def value(self, name: str, **labels) -> float:
        """The sum of the samples called `name` whose labels include `labels` (0 if none)."""
        return sum(value for _, value in self._matching(name, labels))

    def labels(self, name: str) -> list[dict]:
        """The label sets `name` has samples for (an info metric's labels are its data)."""
        return [key for key, _ in self._matching(name, {})]

    def histogram(self, name: str, **labels) -> Histogram:
        """`name`'s buckets, sum and count, summed over the label sets that include `labels`."""
        buckets = {}
        for key, value in self._matching(f"{name}_bucket", labels):
            bound = float(key["le"])
            buckets[bound] = buckets.get(bound, 0.0) + value
        return Histogram(sorted(buckets.items()), self.value(f"{name}_sum", **labels),
                         self.value(f"{name}_count", **labels))

    def since(self, before: "Metrics") -> "Metrics":
        """What changed since `before`: right for counters and histograms, meaningless for gauges."""
        return Metrics({key: value - before.samples.get(key, 0.0)
                        for key, value in self.samples.items()}, self.families)


def read_metrics(server, timeout: float = 10) -> Metrics:
    """GET /metrics from an Endpoint (its key is sent) or a URL, parsed."""
    url = server if isinstance(server, str) else f"{server.url}/metrics"
    headers = {} if isinstance(server, str) else server.headers
    answer = requests.get(url, headers=headers, timeout=timeout)
    answer.raise_for_status()
    return Metrics.parse(answer.text)
