"""Retries for a generation, as notebook 31 writes them by hand, and a client-side circuit breaker.

    from helpers.retry import post_with_retries, CircuitBreaker
    r = post_with_retries(f"{chat.v1}/chat/completions", body, headers=chat.headers, deadline=30)
    breaker = CircuitBreaker(failures=3, reset_after=10)
    r = breaker.call(requests.post, url, json=body, timeout=60)   # CircuitOpen while open

The rule (notebook 31, section 3): send again only what the server certainly did not run: a
connection that was never made (refused, timed out, a name that does not resolve) and 408/429/503,
waiting what Retry-After asks. 500/502/504 are sent again only if the caller adds them to
`statuses=` (a second answer does no harm); a read timeout or a reset connection is always raised.
`deadline` bounds the whole call, each attempt's timeout included. tests/test_house.py keeps
RETRY_STATUSES, `retry_after_seconds`, `never_sent` and `post_with_retries` equal to notebook 31's
cell.
"""
from __future__ import annotations

import email.utils
import random
import threading
import time
from datetime import datetime, timezone

import requests
import urllib3

RETRY_STATUSES = {408, 429, 503}         # refused before any work: safe to send again

def retry_after_seconds(value):
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date; None if absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:                  # "-0000" means UTC too
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None     # nan: unreadable

def never_sent(error):
    """Why no connection was made ("connection refused", ...), or None if the request went out."""
    cause = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "connect timeout"
    if isinstance(cause, urllib3.exceptions.NameResolutionError):
        return "host name not resolved"
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        return "connection refused"
    return None                                  # a reset or a proxy error: it may have been sent

def post_with_retries(url, body, *, attempts=4, deadline=60, base_delay=0.25, max_delay=30,
                      statuses=RETRY_STATUSES, headers=None, timeout=(5, 120), log=print):
    """POST; send again only what was never run, at most `attempts` sends, all within `deadline` s."""
    started = time.monotonic()
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    for attempt in range(1, attempts + 1):
        left = deadline - (time.monotonic() - started)   # no attempt may run past the deadline
        try:
            r = requests.post(url, json=body, headers=headers, timeout=(min(connect, left), min(read, left)))
            if r.status_code not in statuses:
                return r                                  # success, or an error retrying cannot fix
            reason = f"HTTP {r.status_code}"
            asked = retry_after_seconds(r.headers.get("Retry-After"))
        except requests.exceptions.ConnectionError as error:
            reason, asked = never_sent(error), None
            if not reason:
                raise                                     # sent, then lost: it may have run
        backoff = min(max_delay, base_delay * 2 ** (attempt - 1)) * (1 + random.random())
        # the server's Retry-After, plus a little jitter so that clients refused together spread out
        delay = backoff if asked is None else asked + random.uniform(0, base_delay)
        if asked is not None:
            reason += f", Retry-After: {r.headers['Retry-After']}"
        if attempt == attempts or time.monotonic() - started + delay > deadline:
            raise RuntimeError(f"gave up after {attempt} attempt(s) in {time.monotonic() - started:.1f} s "
                               f"({reason}; the next would wait {delay:.1f} s): {url}")
        log(f"attempt {attempt}: {reason}; retrying in {delay:.2f} s")
        time.sleep(delay)


class CircuitOpen(RuntimeError):
    """Raised instead of sending while the breaker is open."""


class CircuitBreaker:
    """Stop calling a server that keeps failing; try one call again after `reset_after` seconds.

    closed: calls go through; `failures` failures in a row (an exception, or an HTTP status of 500
    or more; a 4xx is the request's fault, not the server's) open it. open: every call raises
    CircuitOpen at once, nothing is sent. After `reset_after` seconds one call goes through
    (half-open; other threads' calls still raise meanwhile): success closes it, failure opens it
    again for another `reset_after`.
    """

    def __init__(self, failures: int = 5, reset_after: float = 30.0):
        self.failures, self.reset_after = failures, reset_after
        self.in_a_row, self.opened_at, self.calls_sent, self.probing = 0, None, 0, False
        self.generation = 0                     # counts openings; older calls' results are ignored
        self.lock = threading.Lock()

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if time.monotonic() - self.opened_at >= self.reset_after else "open"

    def call(self, function, *args, **kwargs):
        with self.lock:
            state = self.state
            if state == "open" or (state == "half-open" and self.probing):
                left = max(0.0, self.reset_after - (time.monotonic() - self.opened_at))
                raise CircuitOpen(f"circuit open after {self.in_a_row} failures in a row: "
                                  f"not sent; next try in {left:.1f} s")
            trial, generation = state == "half-open", self.generation
            self.probing = self.probing or trial               # this call is the trial
            self.calls_sent += 1
        try:
            result = function(*args, **kwargs)
        except Exception:
            self._record(False, trial, generation)
            raise
        except BaseException:                                  # interrupted: no verdict, free the trial
            with self.lock:
                self.probing = self.probing and not trial
            raise
        self._record(getattr(result, "status_code", 200) < 500, trial, generation)
        return result

    def _record(self, ok: bool, trial: bool, generation: int) -> None:
        with self.lock:
            if trial:
                self.probing = False
            if generation != self.generation:                  # sent before the last opening: stale
                return
            if ok:
                self.in_a_row, self.opened_at = 0, None
            else:
                self.in_a_row += 1
                if self.in_a_row >= self.failures or trial:    # open, or reopen after a failed trial
                    self.opened_at, self.generation = time.monotonic(), self.generation + 1
