"""The playground (notebook 34) used the way a person uses it: JupyterLab in headless Chromium,
the notebook run from the Run menu, a message typed into the widget, Send clicked, the answer
read back from the page. A screenshot is left in tests/output/playground.png.

Needs Chromium: Debian's package (`make install` puts it there on Debian/Ubuntu when run as root),
or CHROMIUM_PATH pointing at any Chromium or Chrome, or Playwright's own (`playwright install chromium`).
"""
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from lab import free_port

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "34_playground.ipynb"
SCREENSHOT = ROOT / "tests" / "output" / "playground.png"
# The flags this machine's notes give for Chromium in a closed network, as root, without a screen.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None  # Playwright's own browser, if `playwright install chromium` fetched one


@pytest.fixture
def jupyter_lab(tmp_path, chat):
    """A JupyterLab on a free port, serving a copy of the playground notebook (so that autosave
    cannot touch the committed one), with the environment that points at the lab's servers."""
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / ".runtime")}
    log = open(tmp_path / "jupyter.log", "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{url}/api/status?token={token}", timeout=2).ok:
                    break
            except requests.exceptions.RequestException:
                pass
            assert process.poll() is None, (tmp_path / "jupyter.log").read_text()[-2000:]
            time.sleep(0.5)
        yield f"{url}/lab/tree/{NOTEBOOK.name}?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_the_playground_answers_in_a_real_browser(jupyter_lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        except Exception as exc:  # no browser at all: say how to get one
            pytest.fail(f"no Chromium to drive ({str(exc).splitlines()[0]}): on Debian/Ubuntu "
                        "`apt-get install chromium` (make install does it as root), elsewhere "
                        "`.venv/bin/playwright install chromium` or set CHROMIUM_PATH", pytrace=False)
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        try:
            page.goto(jupyter_lab, timeout=60_000)
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            # The kernel must be idle before "Run All Cells" (the status bar says "Idle").
            page.wait_for_selector("text=| Idle", timeout=60_000)
            if page.get_by_role("button", name="No", exact=True).count():   # "notified about Jupyter news?"
                page.get_by_role("button", name="No", exact=True).click()
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")

            # The notebook's own cell drives the playground once ("answer 1"); then we use it.
            status = page.locator(".widget-label", has_text="answer 1 ·")
            status.wait_for(timeout=120_000)
            box = page.get_by_placeholder("Type a message")
            box.fill("What is the capital of France?")
            page.get_by_role("button", name="Send").click()
            page.locator(".widget-label", has_text="answer 2 ·").wait_for(timeout=120_000)

            answer = page.locator(".widget-textarea", has=page.locator("label", has_text="answer"))
            text = answer.locator("textarea").input_value()
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
            final_status = page.locator(".widget-label", has_text="answer 2 ·").inner_text()
            page.locator(".widget-dropdown").first.evaluate("e => e.scrollIntoView({block: 'start'})")
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=False)
        finally:
            browser.close()
    assert text.strip(), "the answer box stayed empty"
    assert errors == 0, "a cell of the notebook failed in JupyterLab (see the screenshot)"
    assert "finish_reason" in final_status and "tokens" in final_status
    assert SCREENSHOT.stat().st_size > 10_000
