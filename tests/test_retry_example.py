"""examples/ops/retry.py against a server that refuses with 503 + Retry-After, then answers: it
retries exactly what the server refused, honours Retry-After, and never retries a 500."""
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "ops" / "retry.py"


def serve(statuses):
    """A server that answers POSTs with the given statuses in turn (then 200), and counts them."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = statuses[len(seen)] if len(seen) < len(statuses) else 200
            seen.append(status)
            body = (json.dumps({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]})
                    if status == 200 else json.dumps({"error": {"message": f"status {status}"}}))
            self.send_response(status)
            if status == 503:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def run(server):
    env = {"OPENAI_BASE_URL": f"http://127.0.0.1:{server.server_port}/v1", "CHAT_MODEL": "m", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_retry_waits_out_503s_and_then_answers():
    server, seen = serve([503, 503])
    try:
        p = run(server)
    finally:
        server.shutdown()
    assert p.returncode == 0, p.stderr
    assert seen == [503, 503, 200] and "answer after 3 attempt(s): 'hi'" in p.stdout
    assert p.stderr.count("retrying in 1.0 s") == 2          # Retry-After: 1, honoured


def test_retry_never_repeats_a_500():
    server, seen = serve([500])
    try:
        p = run(server)
    finally:
        server.shutdown()
    assert p.returncode == 1 and seen == [500]
    assert p.stderr.strip().splitlines()[-1].startswith("error: HTTP 500 from POST /v1/chat/completions")
