"""helpers/retry.py (notebook 31's retries, reused by 35, 36 and 61) against real sockets: what is
sent again and what is not, the deadline, and the circuit breaker's states under threads."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from helpers.retry import CircuitBreaker, CircuitOpen, never_sent, post_with_retries


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    """A server answering POSTs with `script` in turn (status, Retry-After), then 200; "reset"
    closes the connection after reading the request."""
    state = {"script": [], "seen": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, retry_after = state["script"].pop(0) if state["script"] else (200, None)
            state["seen"].append(status)
            if status == "reset":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            payload = json.dumps({"status": status}).encode()
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{httpd.server_port}/v1/chat/completions"
    yield state
    httpd.shutdown()
    httpd.server_close()


def test_a_refused_connection_was_never_sent_and_a_reset_was():
    with pytest.raises(requests.ConnectionError) as refused:
        requests.post(f"http://127.0.0.1:{closed_port()}/x", json={}, timeout=5)
    assert never_sent(refused.value)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def accept_then_drop():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()
    threading.Thread(target=accept_then_drop, daemon=True).start()
    with pytest.raises(requests.ConnectionError) as reset:
        requests.post(f"http://127.0.0.1:{listener.getsockname()[1]}/x", json={}, timeout=5)
    listener.close()
    assert not never_sent(reset.value)


def test_refusals_are_sent_again_waiting_retry_after_and_nothing_else_is(server):
    server["script"] = [(503, "0"), (429, "1")]
    started = time.monotonic()
    r = post_with_retries(server["url"], {}, log=lambda line: None)
    assert r.status_code == 200 and server["seen"] == [503, 429, 200]
    assert time.monotonic() - started >= 1.0                     # the 429's Retry-After: 1
    server["script"], server["seen"] = [(500, None)], []
    assert post_with_retries(server["url"], {}).status_code == 500 and server["seen"] == [500]
    server["script"], server["seen"] = [("reset", None)], []
    with pytest.raises(requests.ConnectionError):               # it may have run: not sent again
        post_with_retries(server["url"], {})
    assert server["seen"] == ["reset"]


def test_the_deadline_stops_retrying_a_dead_server():
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"gave up after \d attempt\(s\)"):
        post_with_retries(f"http://127.0.0.1:{closed_port()}/x", {}, attempts=100, deadline=1.0,
                          log=lambda line: None)
    assert time.monotonic() - started < 2.0


def test_the_breaker_opens_fails_fast_and_lets_one_trial_through():
    breaker = CircuitBreaker(failures=2, reset_after=0.3)

    def fail():
        raise requests.ConnectionError("down")
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            breaker.call(fail)
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen):
        breaker.call(fail)
    assert breaker.calls_sent == 2
    time.sleep(0.35)
    outcomes = []

    def slow_success():
        time.sleep(0.2)
        return type("Response", (), {"status_code": 200})()

    def caller():
        try:
            outcomes.append(breaker.call(slow_success).status_code)
        except CircuitOpen:
            outcomes.append("open")
    threads = [threading.Thread(target=caller) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == ["200", "open", "open"]   # one trial while half-open
    assert breaker.state == "closed" and breaker.calls_sent == 3


def test_a_late_answer_from_before_the_breaker_opened_changes_nothing():
    breaker = CircuitBreaker(failures=2, reset_after=30)
    release = threading.Event()
    late = []

    def slow_ok():
        release.wait(5)
        return type("Response", (), {"status_code": 200})()
    thread = threading.Thread(target=lambda: late.append(breaker.call(slow_ok)))
    thread.start()                                   # sent while closed, answers later
    time.sleep(0.05)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            breaker.call(lambda: (_ for _ in ()).throw(requests.ConnectionError("down")))
    assert breaker.state == "open"
    release.set()
    thread.join()
    assert late and breaker.state == "open"          # the stale success did not close it


def test_the_deadline_cuts_an_attempt_that_would_outlive_it():
    listener = socket.socket()                        # accepts, never answers
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        post_with_retries(f"http://127.0.0.1:{listener.getsockname()[1]}/x", {}, deadline=1.0, timeout=(5, 120))
    listener.close()
    assert time.monotonic() - started < 2.0
