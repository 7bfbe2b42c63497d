"""The book (`make site`, book/build.py) read in headless Chromium, as a reader would: every page of
both editions opens with no console error and no failed request, every internal link and anchor
resolves, search finds "ChatML" in English and "流式" in Chinese, a Chinese page draws its CJK
text in a font that has it (screenshot in tests/output/book-zh.png), and the copy button on a
lesson's `curl` line copies a command that runs against the lab's chat server.

The site is the one `make site` built (make test builds it first); when there is none, the first
test builds it. Chromium as for the playground's test (tests/test_playground_browser.py).
"""
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests.test_playground_browser import CHROMIUM_FLAGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "site"
OUTPUT = ROOT / "tests" / "output"
EDITIONS = ("en", "zh")


@pytest.fixture(scope="module")
def site():
    if not (SITE / "zh" / "index.html").exists():
        subprocess.run([sys.executable, str(ROOT / "book" / "build.py")], check=True, cwd=ROOT)
    return SITE


@pytest.fixture(scope="module")
def server(site):
    """The site served as any static host would serve it, on a free port of 127.0.0.1."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        except Exception as e:  # noqa: BLE001 (Playwright raises its own Error)
            pytest.fail(f"no Chromium for the browser test ({str(e).splitlines()[0]}): "
                        "`apt-get install chromium` (make test does it as root), elsewhere "
                        "`.venv/bin/playwright install chromium` or set CHROMIUM_PATH", pytrace=False)
        yield browser
        browser.close()


def pages(site: Path) -> list[str]:
    """Every HTML page of both editions, as paths relative to the site."""
    found = []
    for edition in EDITIONS:
        for page in sorted((site / edition).rglob("*.html")):
            rel = page.relative_to(site).as_posix()
            if "/_static/" not in rel and "/_sources/" not in rel:
                found.append(rel)
    return found


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


@functools.lru_cache(maxsize=None)
def parsed(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_every_internal_link_and_anchor_resolves(site):
    broken, checked = [], 0
    for rel in pages(site):
        base = f"http://site/{rel}"
        for href in parsed(site / rel).hrefs:
            url = urlsplit(urljoin(base, href))
            if url.netloc != "site":
                continue
            target = site / unquote(url.path.lstrip("/"))
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{rel}: {href} (no such file)")
            elif url.fragment and target.suffix == ".html" and \
                    unquote(url.fragment) not in parsed(target).ids:
                broken.append(f"{rel}: {href} (no such anchor)")
    print(f"{checked} internal links in {len(pages(site))} pages")
    assert checked > 1000
    assert not broken, "\n".join(broken[:40])


def test_every_page_renders_without_console_errors(site, server, browser):
    page = browser.new_page()
    problems, current = [], {"url": ""}
    page.on("console", lambda m: problems.append(f"{current['url']}: console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{current['url']}: {e}"))
    # net::ERR_ABORTED: a load the next navigation cancelled (the favicon, often), not a failure
    page.on("requestfailed", lambda r: problems.append(f"{current['url']}: failed {r.url} ({r.failure})")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: problems.append(f"{current['url']}: HTTP {r.status} {r.url}")
            if r.status >= 400 else None)
    every = pages(site)
    for rel in every:
        current["url"] = rel
        page.goto(f"{server}/{rel}", wait_until="load")
        assert page.title(), f"{rel}: no title"
    page.close()
    print(f"{len(every)} pages opened")
    assert len(every) >= 2 * 60
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("edition, query, page_expected", [
    ("en", "ChatML", "notebooks/12_chatml_pitfall"),
    ("zh", "流式", "notebooks/04_streaming"),
])
def test_search_finds(server, browser, edition, query, page_expected):
    page = browser.new_page()
    page.goto(f"{server}/{edition}/search.html?q={query}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    page.close()
    print(f"{edition}: {query!r}: {len(hrefs)} pages, first {hrefs[:3]}")
    assert any(page_expected in h for h in hrefs), hrefs


def test_chinese_page_draws_cjk_in_a_cjk_font(server, browser):
    """Chromium says which platform fonts drew a node's glyphs (CSS.getPlatformFontsForNode);
    fontconfig says which installed fonts cover Chinese."""
    cjk_fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    families = {name.strip() for line in cjk_fonts.stdout.splitlines() for name in line.split(",")}
    assert families, "no font with Chinese on this machine (make test installs fonts-wqy-microhei)"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/zh/notebooks/04_streaming.html")
    paragraph = page.locator("article p", has_text=re.compile("[\u4e00-\u9fff]{4}")).first
    text = paragraph.inner_text()
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "article p"})["nodeId"]
    # the first <p> with four Chinese characters in a row, found again by its text
    for candidate in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "article p"})["nodeIds"]:
        html = cdp.send("DOM.getOuterHTML", {"nodeId": candidate})["outerHTML"]
        if re.search("[\u4e00-\u9fff]{4}", html):
            node = candidate
            break
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    paragraph.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "book-zh.png"))
    page.close()
    drawn = {f["familyName"]: f["glyphCount"] for f in fonts}
    print(f"paragraph {text[:40]!r}...: drawn with {drawn}")
    chinese_chars = len(re.findall("[\u4e00-\u9fff]", text))
    assert sum(n for name, n in drawn.items() if name in families) >= chinese_chars > 0, drawn


def test_copy_button_copies_a_curl_line_that_runs(server, browser):
    import requests
    base = os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1").rstrip("/")
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{server}/en/notebooks/01_chat_completions.html")
    block = page.locator("div.highlight", has=page.locator("pre", has_text=re.compile(
        r"^curl http\S+/v1/chat/completions"))).first
    block.hover()
    block.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    print(copied)
    assert copied.startswith("curl http") and copied.rstrip().endswith("}'")
    url = re.match(r"curl (\S+)", copied).group(1)
    if not url.startswith(base):
        pytest.skip(f"the committed curl line calls {url}; the chat server here is {base}")
    try:
        requests.get(f"{base}/models", timeout=5)
    except requests.exceptions.ConnectionError:
        pytest.fail(f"no chat server at {base} to run the copied curl line against: start the lab "
                    "(make lab, or make test starts it)", pytrace=False)
    done = subprocess.run(["bash", "-c", copied + " -s"], capture_output=True, text=True, timeout=120)
    answer = json.loads(done.stdout)
    print(answer["choices"][0]["message"]["content"][:80])
    assert done.returncode == 0 and answer["object"] == "chat.completion"
    assert answer["choices"][0]["finish_reason"] in {"stop", "length"}
