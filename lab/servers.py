"""One way to start and stop every server a lesson runs: a vLLM with the lesson's flags (the
keyed server, a tool-calling or reasoning server, a replica, Whisper), Triton, nginx, the router.

    from lab import start_vllm
    tools = start_vllm("tools", ["--enable-auto-tool-choice", "--tool-call-parser", "hermes"])
    # $ vllm serve ~/.cache/.../SmolLM2-135M-Instruct --served-model-name ... --tool-call-parser hermes
    tools.url                        # http://127.0.0.1:PORT
    tools.stop()                     # verified: its process group is gone and its port is closed

    with start_vllm("replica") as replica:      # stopped (and verified) at the end of the block
        ...

Every server prints the command a reader would type in a shell before it starts, waits with one
line that updates in place, runs in its own process group on a free port of 127.0.0.1, logs to
logs/<name>.log, and cannot outlive the process that started it (PR_SET_PDEATHSIG and an atexit
hook). `start_vllm(..., wait=False)` returns at once; `server.wait()` later (a lesson goes on
while its server starts).
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from helpers.config import settings_for
from helpers.errors import ServerError

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
POOLING_MODEL_ID = "all-MiniLM-L6-v2"
AUDIO_MODEL_ID = "whisper-base"

# Environment of every vLLM the lab runs: nothing may be fetched from a model hub, and the KV cache
# is kept small (GiB) so several servers fit beside JupyterLab on a laptop.
# VLLM_ENABLE_RESPONSES_API_STORE lets /v1/responses keep responses (store, background, cancel):
# without it vLLM 0.32 accepts store=true but keeps nothing.
# VLLM_USE_MODELSCOPE=false: the servers load local folders only; left at a user's "true", vLLM
# would import modelscope (not installed) even for a local folder.
SERVER_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": "1",
              "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "TOKENIZERS_PARALLELISM": "false",
              "VLLM_ENABLE_RESPONSES_API_STORE": "1", "VLLM_USE_MODELSCOPE": "false"}


class LabError(ServerError):
    """A lab problem (a server that cannot start or stop); printed as one line."""


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def spawn(command: list, log_path: Path, env: dict) -> subprocess.Popen:
    """Start a server in its own process group, output to `log_path`, that dies with us. `env` is
    added to ours; a variable set to None there is removed."""
    child_env = {name: value for name, value in {**os.environ, **env}.items() if value is not None}
    with open(log_path, "w") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=child_env, start_new_session=True,
                                preexec_fn=_die_with_parent)


def group_alive(pid: int, process: subprocess.Popen | None = None) -> bool:
    """Is any process of the group `pid` leads still alive? `process`, our own Popen of the
    leader, is reaped first: its zombie would keep the group "alive" to os.killpg(pid, 0)."""
    if process is not None:
        process.poll()
    try:
        os.killpg(pid, 0)
        return True
    except ProcessLookupError:
        return False


def stop_group(pid: int, name: str, grace: float = 20, process: subprocess.Popen | None = None,
               stream=None) -> float | None:
    """SIGTERM the server's process group (the API server and its engine process), wait up to
    `grace` seconds for all of it to exit, then SIGKILL what is left. Returns the seconds it took
    (None: nothing of it was running)."""
    stream = stream or sys.stderr
    started = time.monotonic()
    if not group_alive(pid, process):
        return None
    os.killpg(pid, signal.SIGTERM)
    while time.monotonic() - started < grace:
        if not group_alive(pid, process):
            return time.monotonic() - started
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
        print(f"{name} server: killed (did not stop within {grace:.0f} s)", file=stream)
    except ProcessLookupError:
        pass
    if process is not None:
        process.wait()
    deadline = time.monotonic() + 5
    while group_alive(pid, process) and time.monotonic() < deadline:
        time.sleep(0.1)
    return time.monotonic() - started


def start_time(pid: int) -> str | None:
    """When a process started (clock ticks since boot): tells a recorded server from an
    unrelated process that later got the same pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        if sock.connect_ex((HOST, port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As uvicorn does: connections of a server that just stopped (TIME_WAIT) must not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def log_dir() -> Path:
    return Path(os.environ.get("LOG_DIR", ROOT / "logs"))


def server_python() -> str:
    """The lab's vLLM environment's python (SERVER_PYTHON, set by `make`), or a one-line LabError."""
    python = os.environ.get("SERVER_PYTHON")
    if not python or not Path(python).exists():
        raise LabError("starting a server needs the lab's vLLM environment, which `make lab` and "
                       "`make test` set up (SERVER_PYTHON): start JupyterLab with `make lab`")
    return python


def _secret(name: str) -> bool:
    return name.upper().endswith(("KEY", "TOKEN", "SECRET", "PASSWORD"))


def shell_line(argv: list, env: dict | None = None) -> str:
    """A command as a reader would type it: the variables it needs first (secrets as
    <hidden>), the home folder as ~."""
    home = str(Path.home())
    words = [f"{k}=<hidden>" if _secret(k) else f"{k}={shlex.quote(str(v))}"
             for k, v in (env or {}).items()]
    for arg in map(str, argv):
        quoted = shlex.quote(arg)
        words.append(quoted.replace(home, "~", 1) if arg.startswith(home) else quoted)
    return " ".join(words)


class _Progress:
    """One line that updates in place: an IPython display in a notebook, a carriage return in a
    terminal, a line every 30 s in a log."""

    def __init__(self, stream=None):
        self.stream, self.handle = stream, None
        if stream is None:
            try:
                from IPython import get_ipython
                from IPython.display import display
                if get_ipython() is not None and "IPKernelApp" in get_ipython().config:
                    self.handle = display({"text/plain": ""}, raw=True, display_id=True)
            except ImportError:
                pass
            self.stream = sys.stderr
        self.live = self.handle is None and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last = -30.0

    def update(self, text: str, waited: float, final: bool = False) -> None:
        if self.handle is not None:
            self.handle.update({"text/plain": text}, raw=True)
        elif self.live:
            self.stream.write(f"\r\033[K{text}" + ("\n" if final else ""))
            self.stream.flush()
        elif final or waited - self.last >= 30:
            self.stream.write(text + "\n")
            self.stream.flush()
            self.last = waited


def wait_healthy(url: str, health: str = "/health", *, label: str, timeout: float, process=None,
                 started: float | None = None, stream=None) -> float:
    """Poll url + health until it answers 200, with one progress line; the seconds waited (since
    `started`, a time.monotonic(), when given). `process` (a Popen) that exits ends the wait."""
    progress = _Progress(stream)
    started = time.monotonic() if started is None else started
    while True:
        waited = time.monotonic() - started
        try:
            if requests.get(f"{url}{health}", timeout=5).status_code == 200:
                progress.update(f"{label}: ready after {waited:.0f} s", waited, final=True)
                return waited
        except requests.exceptions.RequestException:
            pass
        if (process is not None and process.poll() is not None) or waited > timeout:
            why = (f"exited with status {process.returncode} while starting"
                   if process is not None and process.poll() is not None else
                   f"did not become healthy within {timeout:.0f} s")
            progress.update(f"{label}: {why}", waited, final=True)
            raise LabError(f"{label} {why}")
        progress.update(f"{label}: starting ... {waited:.0f} s", waited)
        time.sleep(1)


class LessonServer:
    """A server a lesson starts and stops.

    `command` is what runs; `shown` (default: `command`) is the equivalent a reader would type,
    printed with the variables in `shown_env` before it starts. `health` is polled until it answers
    200. Use it as a context manager, or call stop(): either checks that the whole process group
    is gone and the port is closed, and raises LabError if not.
    """

    def __init__(self, name: str, command: list, *, port: int, env: dict | None = None,
                 shown: list | None = None, shown_env: dict | None = None, note: str = "",
                 health: str = "/health", timeout: float = 600, stream=None, wait: bool = True,
                 extra_ports: list = ()):
        self.name, self.port, self.health, self.timeout = name, port, health, timeout
        self.listening_ports = [port, *extra_ports]     # stop() checks that each is closed
        self.url = f"http://{HOST}:{port}"
        self.command = [str(c) for c in command]
        self.shell = shell_line(shown or command, shown_env)
        self.stream, self.startup_s, self.stopped_s = stream, None, None
        logs = log_dir()
        logs.mkdir(parents=True, exist_ok=True)
        self.log = logs / f"{name}.log"
        print(f"$ {self.shell}", file=stream or sys.stdout)
        if note:
            print(f"  ({note}; log: {self._rel(self.log)})", file=stream or sys.stdout)
        self.process = spawn(self.command, self.log, env or {})
        self.started = time.monotonic()
        with open(logs / "extra-servers.jsonl", "a") as registry:   # tests/conftest.py checks
            registry.write(json.dumps({"name": name, "pid": self.process.pid,   # these end
                                       "run": os.environ.get("LESSON_RUN_ID")}) + "\n")
        atexit.register(self._stop_quietly)
        if wait:
            self.wait()

    @staticmethod
    def _rel(path: Path) -> str:
        try:
            return str(path.relative_to(ROOT))
        except ValueError:
            return str(path)

    def wait(self) -> float:
        """Block until `health` answers 200 (one line that updates); the seconds since the start."""
        if self.startup_s is None:
            try:
                self.startup_s = wait_healthy(self.url, self.health, label=f"{self.name} server",
                                              timeout=self.timeout, process=self.process,
                                              started=self.started, stream=self.stream)
            except LabError as exc:
                self._stop_quietly()
                raise LabError(f"{exc}; its log is {self._rel(self.log)}") from None
        return self.startup_s

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def _stop_quietly(self) -> None:
        if group_alive(self.process.pid, self.process):
            stop_group(self.process.pid, self.name, process=self.process, stream=self.stream)

    def stop(self) -> None:
        """Stop it and prove it: no process of its group left, nothing listening on its port."""
        took = stop_group(self.process.pid, self.name, process=self.process, stream=self.stream)
        left = group_alive(self.process.pid, self.process)
        taken = [port for port in self.listening_ports if port_in_use(port)]
        if left or taken:
            raise LabError(f"{self.name} server did not stop: "
                           + ("its process group is still alive" if left else
                              f"port {taken[0]} is still taken") + f" (pid {self.process.pid})")
        if took is not None:
            self.stopped_s = took
            ports = self.listening_ports
            closed = (f"port {ports[0]} is" if len(ports) == 1 else
                      f"ports {', '.join(map(str, ports))} are")
            print(f"{self.name} server: stopped in {took:.1f} s; its process group is gone and "
                  f"{closed} closed", file=self.stream or sys.stdout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def vllm_command(python: str, model_dir: str, served_name: str, port: int, flags: list) -> tuple:
    """(what runs, what a reader types): vllm-cpu has no `vllm` script, so the lab runs vLLM's
    OpenAI server as a module; `vllm serve MODEL ...` takes the same flags."""
    common = ["--served-model-name", served_name, "--host", HOST, "--port", str(port),
              "--enforce-eager",                 # eager: ready in about a minute instead of three
              *map(str, flags)]
    return ([python, "-m", "vllm.entrypoints.openai.api_server", "--model", model_dir, *common],
            ["vllm", "serve", model_dir, *common])


def _lab_model(kind: str) -> tuple:
    """(folder, served id, extra flags) of the model the lab's `kind` server serves."""
    if kind == "audio":
        audio_dir = Path(os.environ.get("AUDIO_DIR") or "/nonexistent")
        if not (audio_dir / ".installed").is_file():
            raise LabError("the Whisper model is not prepared (AUDIO_DIR): `make lab` and `make test` "
                           "prepare it (lab/prepare_audio.py), or point AUDIO_BASE_URL at a server")
        # Whisper's context is 448 tokens (its decoder's positions).
        return str(audio_dir / "whisper-base"), AUDIO_MODEL_ID, ["--dtype", "float32",
                                                                  "--max-model-len", "448"]
    server = settings_for(kind)
    try:
        models = requests.get(f"{server.v1}/models", timeout=10).json()["data"]
        wanted = POOLING_MODEL_ID if kind == "pooling" else server.model
        model = next(m for m in models if not wanted or m["id"] == wanted)
        folder, served = model["root"], model["id"]
    except (requests.exceptions.RequestException, ValueError, KeyError, StopIteration):
        raise LabError(f"the lab's {kind} server ({server.v1}) does not list its model: start the "
                       "lab with `make lab`") from None
    if not Path(folder).is_dir():
        raise LabError(f"the {kind} server serves {folder}, which is not a folder on this machine: "
                       "a lesson server needs the embedded lab (`make lab`)")
    if kind == "pooling":
        return folder, served, ["--runner", "pooling"]
    flags = ["--dtype", "float32", "--max-model-len", str(int(model["max_model_len"]))]
    if os.environ.get("LAB_CHAT_TEMPLATE"):   # the lab's --chat-template, when it set one
        flags += ["--chat-template", os.environ["LAB_CHAT_TEMPLATE"]]
    return folder, served, flags


def start_vllm(name: str, flags: list = (), *, model: str = "chat", env: dict | None = None,
               timeout: float = 600, wait: bool = True, stream=None) -> LessonServer:
    """A vLLM of the lesson's own, from the lab's vLLM environment (SERVER_PYTHON, set by `make`):
    the model the lab's `model` server serves ("chat", "pooling"; "audio" is Whisper base from
    AUDIO_DIR), under the same id, with `flags` added. `env` is set for it and shown (secrets
    hidden). Its log is logs/<name>.log."""
    python = server_python()
    folder, served, model_flags = _lab_model(model)
    port = free_port()
    command, shown = vllm_command(python, folder, served, port, [*model_flags, *flags])
    child_env = {**SERVER_ENV, **(env or {})}
    note = "the lab runs it as python -m vllm.entrypoints.openai.api_server, offline"
    if model == "audio":   # vLLM's audio decoders, installed beside the server environment
        child_env["PYTHONPATH"] = str(Path(folder).parent / "site")
        note += ", with vLLM's audio decoders on PYTHONPATH"
    return LessonServer(name, command, port=port, env=child_env, shown=shown, shown_env=env,
                        note=note, timeout=timeout, wait=wait, stream=stream)


def lora_dir() -> Path:
    """The adapters `make` trained for notebook 38 (lab/make_adapter.py writes LORA_DIR)."""
    folder = Path(os.environ.get("LORA_DIR") or "/nonexistent")
    if not (folder / ".installed").is_file():
        raise LabError("the LoRA adapters are not made (LORA_DIR): `make lab` and `make test` train "
                       "them (lab/make_adapter.py), or point LORA_BASE_URL at a server with adapters")
    trained_on = json.loads((folder / "data.json").read_text())["base_model"]
    served = _lab_model("chat")[0]
    if Path(served).resolve() != Path(trained_on).resolve():
        raise LabError(f"the adapters were trained on {trained_on} but the lab's chat server serves "
                       f"{served}: they fit only the model they were trained on (start the lab "
                       "with its own chat model: `make lab`)")
    return folder


def start_triton(timeout: float = 180, wait: bool = True) -> LessonServer:
    """lab/triton_server.py (a real tritonserver from the nvidia-pytriton wheel) in the Triton
    environment (TRITON_PYTHON, set by `make`); its models call the lab's two servers."""
    python = os.environ.get("TRITON_PYTHON")
    if not python or not Path(python).exists():
        raise LabError("Triton runs from its own environment, which `make lab` and `make test` set "
                       "up (TRITON_PYTHON): start JupyterLab with `make lab`")
    port, grpc, metrics = free_port(), free_port(), free_port()
    args = ["--http-port", str(port), "--grpc-port", str(grpc), "--metrics-port", str(metrics),
            "--chat-url", settings_for("chat").url, "--pooling-url", settings_for("pooling").url]
    return LessonServer("triton", [python, str(ROOT / "lab" / "triton_server.py"), *args], port=port,
                        env={"PYTHONUNBUFFERED": "1"}, shown=["python", "lab/triton_server.py", *args],
                        note="run by the Triton environment's python, TRITON_PYTHON",
                        timeout=timeout, wait=wait, health="/v2/models/minilm/ready",  # loaded last
                        extra_ports=[grpc, metrics])
