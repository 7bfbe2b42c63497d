"""The launcher's decisions, checked without starting vLLM (that is what `make test` does)."""
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from http.server import BaseHTTPRequestHandler, HTTPServer
from threading import Thread

import pytest

from helpers import lab


def test_commands_carry_the_flags_that_matter():
    chat, pooling = lab.server_commands("/venv/bin/python", "/m/chat", "/m/pool", 8100, 8101)
    assert chat.command[:3] == ["/venv/bin/python", "-m", "vllm.entrypoints.openai.api_server"]
    c = " ".join(chat.command)
    for flag in ("--dtype float32", "--enforce-eager", "--max-model-len 2048", "--port 8100",
                 "--host 127.0.0.1", "--served-model-name SmolLM2-135M-Instruct", "--enable-scale-out",
                 "--enable-server-load-tracking"):
        assert flag in c
    assert "--api-key" not in c  # the lab mirrors `vllm serve`'s default: no key
    p = " ".join(pooling.command)
    assert "--runner pooling" in p and "--port 8101" in p and "all-MiniLM-L6-v2" in p
    assert chat.url == "http://127.0.0.1:8100"
    assert lab.SERVER_ENV["HF_HUB_OFFLINE"] == "1" and lab.SERVER_ENV["VLLM_ENABLE_RESPONSES_API_STORE"] == "1"


def test_environment_for_the_child_points_at_both_servers(tmp_path):
    servers = lab.server_commands("py", "a", "b", 8100, 8101)
    env = lab.Lab(servers, tmp_path, 10).environment()
    assert env == {"OPENAI_BASE_URL": "http://127.0.0.1:8100/v1", "CHAT_MODEL": "SmolLM2-135M-Instruct",
                   "POOLING_BASE_URL": "http://127.0.0.1:8101/v1", "POOLING_MODEL": "all-MiniLM-L6-v2"}


def test_the_child_gets_the_lab_and_no_foreign_keys(tmp_path):
    lab_env = lab.Lab(lab.server_commands("py", "a", "b", 8000, 8001), tmp_path, 10).environment()
    shell = {"OPENAI_BASE_URL": "https://api.openai.com/v1", "OPENAI_API_KEY": "sk-x",
             "POOLING_API_KEY": "k", "HOME": "/home/me"}
    env = lab.child_environment(lab_env, shell)
    assert env["OPENAI_BASE_URL"] == "http://127.0.0.1:8000/v1" and env["HOME"] == "/home/me"
    assert "OPENAI_API_KEY" not in env and "POOLING_API_KEY" not in env


def test_platform_check(monkeypatch):
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    with pytest.raises(lab.LabError) as info:
        lab.check_platform()
    assert "Linux x86-64 or aarch64" in str(info.value) and "OPENAI_BASE_URL" in str(info.value)


class Stranger(BaseHTTPRequestHandler):
    def do_GET(self):  # some other web server that happens to hold the port
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html>not vllm</html>")

    def log_message(self, *args):
        pass


def test_a_port_held_by_something_else_is_refused_in_one_line(tmp_path):
    stranger = HTTPServer(("127.0.0.1", 0), Stranger)
    Thread(target=stranger.serve_forever, daemon=True).start()
    port = stranger.server_address[1]
    try:
        assert lab.port_in_use(port)
        servers = lab.server_commands(sys.executable, "a", "b", port, port + 1)
        with pytest.raises(lab.LabError) as info:
            lab.Lab(servers, tmp_path, 10).start()
    finally:
        stranger.shutdown()
    message = str(info.value)
    assert f"port {port} is taken by something that is not the lab's chat server" in message
    assert f"CHAT_PORT={port + 10}" in message
    assert not (tmp_path / "chat.log").exists()  # nothing was started


def test_a_port_in_time_wait_after_a_server_stopped_is_free():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection sits in TIME_WAIT
    client.close()
    server.close()
    assert not lab.port_in_use(port)


def test_a_free_port_is_free():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not lab.port_in_use(port)


def test_run_without_setup_says_what_to_do(tmp_path):
    result = subprocess.run([sys.executable, "-m", "helpers.lab", "run", "--log-dir", str(tmp_path),
                             "--", "true"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "lab: SERVER_PYTHON and MODELS_DIR are not set: start the lab with `make lab`, "
        "`make serve` or `make test`, which set them"]


def test_stop_with_nothing_recorded(tmp_path):
    assert lab.stop_recorded(tmp_path) == 0


def test_stop_group_ends_a_whole_process_group():
    parent = subprocess.Popen(["bash", "-c", "sleep 300 & sleep 300 & wait"], start_new_session=True)
    started = time.monotonic()
    lab.stop_group(parent.pid, "test", grace=5, process=parent)
    assert parent.returncode is not None and time.monotonic() - started < 3
    with pytest.raises(ProcessLookupError):
        import os
        os.killpg(parent.pid, 0)


def detached_sleeper():
    """Like a server left by a killed launcher: not our child, leading its own group."""
    pid = int(subprocess.run(["bash", "-c", "setsid sleep 300 >/dev/null 2>&1 & echo $!"],
                             capture_output=True, text=True).stdout)
    return {"pid": pid, "started": lab.start_time(pid)}


def record(log_dir, name, launcher, servers):
    (log_dir / f"lab-{name}.json").write_text(json.dumps({"launcher": launcher, "servers": servers}))


def test_start_up_stops_orphans_but_not_servers_of_a_running_launcher(tmp_path):
    orphan, other = detached_sleeper(), detached_sleeper()
    dead_launcher = {"pid": os.getpid(), "started": "1"}          # that process is gone
    live_launcher = {"pid": os.getpid(), "started": lab.start_time(os.getpid())}  # running: us
    record(tmp_path, "1", dead_launcher, [{"name": "chat", **orphan}])
    record(tmp_path, "2", live_launcher, [{"name": "chat", **other}])
    started = time.monotonic()
    lab.stop_recorded(tmp_path, orphans_only=True)
    assert time.monotonic() - started < 5
    assert not lab.is_running(orphan) and not (tmp_path / "lab-1.json").exists()
    assert lab.is_running(other) and (tmp_path / "lab-2.json").exists()
    lab.stop_recorded(tmp_path)  # `make stop`: everything recorded
    assert not lab.is_running(other) and not list(tmp_path.glob("lab-*.json"))


def test_a_recycled_pid_is_never_killed(tmp_path):
    # The record names our own pid with another start time: the process it meant is gone.
    record(tmp_path, "1", {"pid": 1, "started": "1"},
           [{"name": "chat", "pid": os.getpid(), "started": "1"}])
    assert lab.stop_recorded(tmp_path, quiet=True) == 0
    assert not (tmp_path / "lab-1.json").exists()  # we are still alive to assert this


def test_keyed_server_without_the_lab_environment_says_what_to_do(monkeypatch):
    monkeypatch.delenv("SERVER_PYTHON", raising=False)
    with pytest.raises(lab.LabError, match="make lab"):
        lab.start_keyed_server("k")


def test_keyed_server_without_the_pooling_server_says_what_to_do(monkeypatch, tmp_path):
    port = lab.free_port()  # nothing listens there
    monkeypatch.setenv("SERVER_PYTHON", sys.executable)
    monkeypatch.setenv("POOLING_BASE_URL", f"http://127.0.0.1:{port}/v1")
    with pytest.raises(lab.LabError, match="pooling server .* does not answer"):
        lab.start_keyed_server("k")


def test_keyed_server_keeps_the_key_off_the_command_line_and_stops(tmp_path, monkeypatch):
    """A stand-in for vLLM (a tiny HTTP server in a fake `vllm` package on PYTHONPATH) shows
    what KeyedServer hands the process, and that stop() ends it."""
    import requests

    package = tmp_path / "fake" / "vllm" / "entrypoints" / "openai"
    package.mkdir(parents=True)
    for folder in (package, package.parent, package.parent.parent):
        (folder / "__init__.py").write_text("")
    (package / "api_server.py").write_text(
        "import os, sys, json\n"
        "from http.server import BaseHTTPRequestHandler, HTTPServer\n"
        "port = int(sys.argv[sys.argv.index('--port') + 1])\n"
        "class H(BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        body = json.dumps({'key': os.environ.get('VLLM_API_KEY')}).encode()\n"
        "        self.send_response(200); self.end_headers(); self.wfile.write(body)\n"
        "    def log_message(self, *a): pass\n"
        "HTTPServer(('127.0.0.1', port), H).serve_forever()\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fake"))
    server = lab.KeyedServer("s3cret-key", model_dir="/nowhere", python=sys.executable,
                             log_dir=tmp_path, timeout=30)
    try:
        assert server.running
        assert requests.get(f"{server.url}/health", timeout=5).json() == {"key": "s3cret-key"}
        assert "s3cret-key" not in open(f"/proc/{server.process.pid}/cmdline").read()
    finally:
        server.stop()
    assert not server.running


def test_triton_without_its_environment_says_what_to_do(monkeypatch):
    monkeypatch.delenv("TRITON_PYTHON", raising=False)
    with pytest.raises(lab.LabError, match="TRITON_PYTHON"):
        lab.start_triton_server()


def test_triton_server_script_points_the_stub_at_this_pythons_libpython(monkeypatch):
    """Triton's Python stub must load the libpython of the interpreter whose stdlib it uses."""
    import importlib.util
    import sysconfig
    spec = importlib.util.spec_from_file_location("triton_server", lab.ROOT / "lab" / "triton_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/somewhere")
    module.use_this_pythons_libpython()
    libdir = sysconfig.get_config_var("LIBDIR")
    if list(Path(libdir).glob("libpython3*.so*")):
        assert os.environ["LD_LIBRARY_PATH"] == f"{libdir}:/somewhere"
    else:
        assert os.environ["LD_LIBRARY_PATH"] == "/somewhere"
