"""lab/proxy.py: the nginx configuration notebook 35 runs, checked against a real nginx in
front of a tiny local HTTP server (no vLLM needed)."""
import http.server
import threading

import pytest
import requests

from lab import LabError
from lab.proxy import nginx_binary, render_config, start_nginx


def config(**changes):
    options = dict(keys={"alice": "k1"}, rate_per_s=2, burst=3, max_body="64k", retry_after=1,
                   buffering={}, prefix="/tmp/p", version="test")
    options.update(changes)
    return render_config({"chat": "http://127.0.0.1:1"}, {"chat": 2}, **options)


def test_keys_that_would_break_the_config_are_refused():
    for bad in ('a"b', "a b", "a;b", "a}b", "a$b", ""):
        with pytest.raises(LabError, match="characters nginx's map cannot hold"):
            config(keys={"alice": bad})


def test_unlimited_keys_map_to_an_empty_zone_key_and_upstream_keys_are_sent():
    text = config(unlimited=["alice"], upstream_keys={"chat": "upstream-key"})
    assert '"alice" "";' in text and "limit_req_zone $rate_key" in text
    assert 'proxy_set_header Authorization "Bearer upstream-key";' in text
    assert 'proxy_set_header Authorization "";' in config()


def test_connections_to_the_upstream_are_kept_open_unless_told_not_to():
    text = config()
    assert "upstream chat_vllm {" in text and "server 127.0.0.1:1;" in text and "keepalive 8;" in text
    assert "keepalive_timeout 4s;" in text          # under vLLM's 5 s: never reuse one it is closing
    assert "error_page 504 = @upstream_timeout;" in text and "did not answer in time" in text
    assert "proxy_pass http://chat_vllm;" in text and 'proxy_set_header Connection "";' in text
    assert "keepalive" not in config(keepalive=0).split("server {")[0].split("upstream chat_vllm")[1]


class Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.headers.get("Authorization", "none").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_real_nginx_checks_every_path_limits_per_key_and_stops(upstream, tmp_path, monkeypatch):
    try:
        nginx_binary()
    except LabError as exc:
        pytest.skip(str(exc))
    monkeypatch.setenv("LOG_DIR", str(tmp_path))
    proxy = start_nginx({"up": upstream}, keys={"alice": "key-a", "bob": "key-b"}, rate_per_s=1,
                        burst=1, max_body="1k")
    try:
        url = proxy.urls["up"]
        for path in ("/health", "/tokenize", "/v1/models", "/anything"):
            assert requests.get(url + path, timeout=5).status_code == 401
            assert requests.get(url + path, timeout=5, headers={"Authorization": "Bearer nope"}).status_code == 401
        alice = {"Authorization": "Bearer key-a"}
        first = requests.get(url + "/x", headers=alice, timeout=5)
        assert first.status_code == 200 and first.text == "none"  # the proxy's key is not forwarded
        # the scheme in any case, as vLLM takes it; the key itself exactly
        assert requests.get(url + "/x", headers={"Authorization": "bearer key-b"}, timeout=5).status_code == 200
        assert requests.get(url + "/x", headers={"Authorization": "Bearer KEY-B"}, timeout=5).status_code == 401
        assert requests.get(url + "/x", headers={"Authorization": "Bearer  key-b"}, timeout=5).status_code == 401
        assert requests.get(url + "/x", headers={"Authorization": "Bearer key-bb"}, timeout=5).status_code == 401
        statuses = [requests.get(url + "/x", headers=alice, timeout=5) for _ in range(4)]
        refused = [r for r in statuses if r.status_code == 429]
        assert refused and all(r.headers["Retry-After"] == "1" for r in refused)
        assert requests.get(url + "/x", headers={"Authorization": "Bearer key-b"}, timeout=5).status_code == 200
        big = requests.post(url + "/x", headers={"Authorization": "Bearer key-b"}, data=b"x" * 4096, timeout=5)
        assert big.status_code == 413 and big.json()["error"]["code"] == 413
    finally:
        proxy.stop()
    assert not proxy.running
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/proxy-health", timeout=3)
