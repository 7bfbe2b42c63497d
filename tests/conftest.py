import pytest

from helpers import ServerError, connect


@pytest.fixture(scope="session")
def chat():
    """The chat server the suite runs against (the embedded one under `make test`)."""
    try:
        return connect("chat", quiet=True)
    except ServerError as exc:
        pytest.fail(f"{exc}", pytrace=False)


# Servers the lessons start (ExtraServer: keyed vLLM, Triton, nginx, the router, lesson vLLMs) are
# listed in logs/extra-servers.jsonl. At the end of the run none of those started during it may be
# left: each lesson stops what it starts.
def _registry():
    import os
    from pathlib import Path

    return Path(os.environ.get("LOG_DIR", Path(__file__).resolve().parent.parent / "logs")) / "extra-servers.jsonl"


def pytest_sessionstart(session):
    import os
    import uuid

    os.environ["LESSON_RUN_ID"] = session.config._lesson_run = uuid.uuid4().hex   # kernels inherit it
    path = _registry()
    session.config._extra_servers_offset = path.stat().st_size if path.exists() else 0


def pytest_sessionfinish(session, exitstatus):
    import json
    import os

    path = _registry()
    if not path.exists():
        return
    with open(path) as registry:
        registry.seek(session.config._extra_servers_offset)
        entries = [json.loads(line) for line in registry if line.strip()]
    entries = [e for e in entries if e.get("run") == session.config._lesson_run]   # this run's only
    left = []
    for entry in entries:
        try:
            os.killpg(entry["pid"], 0)         # anything of its process group still alive?
            left.append(f"{entry['name']} (process group {entry['pid']})")
        except (ProcessLookupError, PermissionError):
            pass
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"left running by the lessons: {', '.join(left)}"
        reporter.write_line(message, red=True) if reporter else print(message)
        session.exitstatus = 1
