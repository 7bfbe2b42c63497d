"""Measuring a server: `/metrics` read as notebook 32 builds it (used by 31, 33, 36, 37), and one
streamed request timed as notebook 33 teaches it (used by 37).

    before = read_metrics(chat)                      # an Endpoint (its key is sent) or a URL
    moved = read_metrics(chat).since(before)         # counters and histograms: what came since
    moved.value("vllm:generation_tokens_total")      # summed over label sets (engines, models)
    moved.histogram("vllm:time_to_first_token_seconds").quantile(0.95)
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Histogram:
    buckets: list        # [(upper bound, cumulative count), ...] ending with (inf, count)
    sum: float
    count: float

    def quantile(self, q: float) -> float:
        """PromQL's histogram_quantile: linear interpolation inside the bucket where the cumulative
        count passes q * count (from 0 in the first bucket; the last finite bound in +Inf)."""
        target, lower, below = q * self.count, 0.0, 0.0
        for bound, cumulative in self.buckets:
            if cumulative >= target:
                if bound == float("inf"):
                    return lower
                return lower + (bound - lower) * (target - below) / max(cumulative - below, 1e-9)
            lower, below = bound, cumulative
        return lower


class Metrics:
    """One read of /metrics: `samples` {(sample name, labels): value}; `families` by name
    (prometheus_client names a counter's family without `_total`; its samples keep it)."""

    def __init__(self, samples: dict, families: dict | None = None):
        self.samples, self.families = samples, families or {}

    @classmethod
    def parse(cls, text: str) -> "Metrics":
        families = {f.name: f for f in text_string_to_metric_families(text)}
        samples = {}
        for s in (s for family in families.values() for s in family.samples):
            key = (s.name, tuple(sorted(s.labels.items())))
            samples[key] = samples.get(key, 0.0) + s.value
        return cls(samples, families)

    def _matching(self, name: str, labels: dict) -> list:
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
        buckets = {}
        for key, value in self._matching(f"{name}_bucket", labels):
            buckets[float(key["le"])] = buckets.get(float(key["le"]), 0.0) + value
        return Histogram(sorted(buckets.items()), self.value(f"{name}_sum", **labels),
                         self.value(f"{name}_count", **labels))

    def since(self, before: "Metrics") -> "Metrics":
        """What changed since `before`: right for counters and histograms, meaningless for gauges."""
        return Metrics({key: value - before.samples.get(key, 0.0)
                        for key, value in self.samples.items()}, self.families)


def read_metrics(server, timeout: float = 10) -> Metrics:
    url = server if isinstance(server, str) else f"{server.url}/metrics"
    answer = requests.get(url, headers={} if isinstance(server, str) else server.headers, timeout=timeout)
    answer.raise_for_status()
    return Metrics.parse(answer.text)


def timed_stream(client, model: str, messages: list, max_tokens: int, **extra_body) -> dict:
    """One streamed chat completion of exactly `max_tokens` tokens (ignore_eos), timed on arrival:
    start, ttft (s to the first token), gaps (s between tokens), end, tokens, prompt_tokens."""
    started, arrivals, usage = time.perf_counter(), [], None
    for chunk in client.chat.completions.create(
            model=model, messages=messages, max_tokens=max_tokens, temperature=0, stream=True,
            stream_options={"include_usage": True}, extra_body={"ignore_eos": True, **extra_body}):
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(time.perf_counter())
        usage = chunk.usage or usage
    return {"start": started, "ttft": arrivals[0] - started, "end": time.perf_counter(),
            "gaps": [b - a for a, b in zip(arrivals, arrivals[1:])],
            "tokens": usage.completion_tokens, "prompt_tokens": usage.prompt_tokens}
