"""The book: the lessons as a static site, in English and in Chinese (README, "The book").

    python book/build.py              # build/site/en/ and build/site/zh/ (+ build/site/index.html)
    python book/build.py --gettext    # only the English paragraphs to translate: build/book/gettext/
    python book/build.py --update-po  # --gettext, then merge them into book/locales/zh_CN/: a new
                                      # paragraph gets an empty entry, a changed one is marked fuzzy
    python book/build.py --check      # which paragraphs lack a current translation (tests too)

Nothing is executed: the pages show the committed outputs, the ones `make test` checked. The
sources are staged first into build/book/src/ with the repository's layout, so the lessons'
relative links keep working:
  - index.md: the table of contents, from notebooks/lessons.toml (the source of README's index);
  - notebooks/*.ipynb: as committed, less their Previous/Next bars (the site has its own) and
    their saved widget state (it would fetch widget code from a CDN; the text output stays);
  - REFERENCE.md, book/glossary.md;
  - examples/: one page per folder (its README, then each script in full), and the deploy page.
Links to README.md become links to the contents; links to a script or a folder of examples/
become links to that folder's page.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book"))
import lessons as registry_module  # noqa: E402  (tools/lessons.py)

BUILD = ROOT / "build" / "book"
SRC = BUILD / "src"
SITE = ROOT / "build" / "site"
LOCALES = ROOT / "book" / "locales"
EDITIONS = {"en": "en", "zh": "zh_CN"}      # folder of the site -> Sphinx language
SCRIPT_SUFFIXES = {".py": "python", ".sh": "bash", ".yaml": "yaml", ".json": "json",
                   ".txt": "text", ".jsonl": "json"}
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")

INTRO = """\
# Calling a self-hosted LLM server over HTTP

Jupyter notebooks that teach, one route family at a time, how to call the HTTP API of a
self-hosted inference server: chiefly vLLM's OpenAI-compatible server. Every request is shown in
three forms (raw HTTP with `requests`, the `openai` SDK, and the `curl` line), and every output on
these pages comes from a real vLLM server: the tests ran each notebook and checked it.

The lessons started from the original posts: a few Chinese blog posts, with curl snippets, on
calling vLLM, TGI, Triton and MindIE. To run the notebooks yourself, clone the repository and
type `make lab` (Linux, no GPU needed); `make test` runs them all.

Engineers with a task can start at the [route reference](REFERENCE.md) or the
[examples](examples/index.md); the [glossary](glossary.md) gives each term in English and Chinese.
"""


def slug(text: str) -> str:
    """The anchor MyST gives a heading (myst_heading_anchors)."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return re.sub(r"\s+", "-", text)


def staged_target(target: str, repo_path: Path, pages: dict) -> str | None:
    """Where a link in repo_path (relative to the repository) points in the staged book, as a
    path relative to the staged page; None to keep the link as it is."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
        return None
    path, _, fragment = target.partition("#")
    resolved = os.path.normpath(repo_path.parent / path)
    resolved = resolved.replace(os.sep, "/")
    page_of = pages.get(resolved.rstrip("/"))
    if page_of is None:
        return None
    new = os.path.relpath(page_of[0], repo_path.parent).replace(os.sep, "/")
    frag = fragment if page_of[1] is None else page_of[1]
    return new + (f"#{frag}" if frag else "")


def rewrite_links(markdown: str, repo_path: Path, pages: dict) -> str:
    def one(match):
        new = staged_target(match.group(2), repo_path, pages)
        return match.group(0) if new is None else f"[{match.group(1)}]({new})"
    return LINK.sub(one, markdown)


def example_folders() -> list[Path]:
    return sorted(p for p in (ROOT / "examples").iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")) and p.name != "deploy")


def page_map(registry: dict) -> dict:
    """Repository path -> (staged page, fixed fragment or None to keep the link's own)."""
    pages = {"README.md": ("index.md", ""), "REFERENCE.md": ("REFERENCE.md", None),
             "examples": ("examples/index.md", None),
             "examples/README.md": ("examples/index.md", None),
             "examples/deploy": ("examples/deploy/index.md", None),
             "examples/deploy/README.md": ("examples/deploy/index.md", None),
             "helpers/templates.py": ("helpers/templates.md", None)}
    for f in (ROOT / "examples" / "deploy").iterdir():
        pages.setdefault(f"examples/deploy/{f.name}", ("examples/deploy/index.md", slug(f.name)))
    for lesson in registry["lesson"]:
        name = f"notebooks/{lesson['file']}"
        pages[name] = (name, None)
    for folder in example_folders():
        page = f"examples/{folder.name}/index.md"
        pages[f"examples/{folder.name}"] = (page, None)
        for f in folder.rglob("*"):
            if f.is_file():
                rel = f.relative_to(ROOT).as_posix()
                pages[rel] = (page, slug(f.name) if f.suffix in SCRIPT_SUFFIXES else "")
    return pages


def strip_nav(cells: list) -> list:
    """The first line of the first cell and the `---` + bar ending the last cell are the
    Previous/Next bar (tools/lessons.py): the site's theme has its own."""
    first = "".join(cells[0]["source"]).split("\n")
    if first and first[0].startswith(registry_module.CONTENTS):
        cells[0]["source"] = "\n".join(first[1:]).lstrip("\n")
    last = "".join(cells[-1]["source"])
    cut = last.rfind("\n---\n")
    if last.startswith("---\n") and registry_module.CONTENTS in last:
        cells.pop()
    elif cut >= 0 and registry_module.CONTENTS in last[cut:]:
        cells[-1]["source"] = last[:cut].rstrip() + "\n"
    return cells


def stage_notebook(src: Path, dest: Path, repo_path: Path, pages: dict) -> None:
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb["metadata"].pop("widgets", None)
    nb["cells"] = strip_nav(nb["cells"])
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = rewrite_links("".join(cell["source"]), repo_path, pages)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


def example_page(folder: Path, pages: dict) -> str:
    rel = folder.relative_to(ROOT)
    readme = folder / "README.md"
    if readme.exists():
        text = rewrite_links(readme.read_text(encoding="utf-8"), rel / "README.md", pages)
        if not text.startswith("# "):
            text = f"# examples/{folder.name}/\n\n" + text
    else:
        text = f"# examples/{folder.name}/\n"
    text = text.rstrip() + "\n\n"
    for f in sorted(folder.rglob("*")):
        if not f.is_file() or f.suffix not in SCRIPT_SUFFIXES or f.name == "README.md":
            continue
        name = f.relative_to(folder).as_posix()
        text += (f"## `{name}`\n\n```{{literalinclude}} {f.name if f.parent == folder else name}\n"
                 f":language: {SCRIPT_SUFFIXES[f.suffix]}\n```\n\n")
    return text


def stage(registry: dict) -> None:
    pages = page_map(registry)
    if SRC.exists():
        shutil.rmtree(SRC)
    (SRC / "notebooks").mkdir(parents=True)
    for lesson in registry["lesson"]:
        name = Path("notebooks") / lesson["file"]
        stage_notebook(ROOT / name, SRC / name, name, pages)
    shutil.copytree(ROOT / "notebooks" / "audio", SRC / "notebooks" / "audio")
    (SRC / "REFERENCE.md").write_text(rewrite_links(
        (ROOT / "REFERENCE.md").read_text(encoding="utf-8"), Path("REFERENCE.md"), pages),
        encoding="utf-8")
    shutil.copy(ROOT / "book" / "glossary.md", SRC / "glossary.md")
    # examples/: the index from examples/README.md, a page per folder, the deploy page.
    examples = SRC / "examples"
    for folder in example_folders():
        shutil.copytree(folder, examples / folder.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.wav", "*.bin"))
        (examples / folder.name / "index.md").write_text(example_page(folder, pages),
                                                          encoding="utf-8")
        (examples / folder.name / "README.md").unlink(missing_ok=True)
    index = rewrite_links((ROOT / "examples" / "README.md").read_text(encoding="utf-8"),
                          Path("examples/README.md"), pages)
    index += "\n\n```{toctree}\n:hidden:\n\n" + "\n".join(
        f"{f.name}/index" for f in example_folders()) + "\ndeploy/index\n```\n"
    examples.joinpath("index.md").write_text(index, encoding="utf-8")
    deploy = ROOT / "examples" / "deploy"
    shutil.copytree(deploy, examples / "deploy")
    text = rewrite_links((deploy / "README.md").read_text(encoding="utf-8"),
                         Path("examples/deploy/README.md"), pages)
    for f in sorted(deploy.iterdir()):
        if f.suffix in SCRIPT_SUFFIXES and f.name != "README.md":
            text += (f"\n\n## `{f.name}`\n\n```{{literalinclude}} {f.name}\n"
                     f":language: {SCRIPT_SUFFIXES[f.suffix]}\n```\n")
    (examples / "deploy" / "index.md").write_text(text, encoding="utf-8")
    (examples / "deploy" / "README.md").unlink()
    (SRC / "helpers").mkdir()
    shutil.copy(ROOT / "helpers" / "templates.py", SRC / "helpers" / "templates.py")
    (SRC / "helpers" / "templates.md").write_text(
        "---\norphan: true\n---\n\n# helpers/templates.py\n\nThe helper module notebooks 11 to 13 import to read a chat"
        " template's markers from the server.\n\n```{literalinclude} templates.py\n"
        ":language: python\n```\n", encoding="utf-8")
    (SRC / "index.md").write_text(index_page(registry), encoding="utf-8")


def index_page(registry: dict) -> str:
    """The table of contents: one toctree per part, in lessons.toml's order, and each lesson's
    "what you learn" line (the README's index row)."""
    parts = {p["id"]: p["title"] for p in registry["part"]}
    text = INTRO + "\n"
    groups: list[tuple[str, list]] = []
    for lesson in registry["lesson"]:
        part = "Start here" if lesson["number"] == "00" else parts[lesson["part"]]
        if not groups or groups[-1][0] != part:
            groups.append((part, []))
        groups[-1][1].append(lesson)
    for title, lessons in groups:
        text += f"\n## {title}\n\n"
        for lesson in lessons:
            text += (f"- [{lesson['number']} {lesson['title']}](notebooks/{lesson['file']}):"
                     f" {lesson['learn']}\n")
        text += (f"\n```{{toctree}}\n:hidden:\n:caption: {title}\n\n" + "\n".join(
            f"{l['number']} {l['title']} <notebooks/{l['file'][:-6]}>" for l in lessons)
            + "\n```\n")
    text += ("\n```{toctree}\n:hidden:\n:caption: Reference\n\nREFERENCE\nexamples/index\n"
             "glossary\n```\n")
    return text


def sphinx(builder: str, out: Path, language: str | None = None, quiet: bool = True) -> None:
    cmd = [sys.executable, "-m", "sphinx", "-b", builder, "-c", str(ROOT / "book"), "-W",
           "--keep-going", "-j", "auto", "-d", str(BUILD / f"doctrees-{language or builder}"),
           str(SRC), str(out)]
    if quiet:
        cmd.insert(3, "-q")
    if language:
        cmd += ["-D", f"language={language}"]
    result = subprocess.run(cmd, cwd=ROOT)
    shutil.rmtree(out.parent / "jupyter_execute", ignore_errors=True)  # myst-nb's copies
    if result.returncode:
        sys.exit(f"book: sphinx-build -b {builder} {('(' + language + ')') if language else ''}"
                 f" failed (its messages are above)")


def gettext() -> Path:
    out = BUILD / "gettext"
    if out.exists():
        shutil.rmtree(out)
    sphinx("gettext", out)
    return out


CODE = re.compile(r"(`+)(.+?)\1")
TARGET = re.compile(r"\]\(([^)\s]+)\)")


def nothing_to_translate(msgid: str) -> bool:
    """A paragraph with no words outside code spans and link targets (a script's name, a route,
    a number, a term already in Chinese) reads the same in both editions."""
    rest = TARGET.sub("]", CODE.sub("", msgid))
    return not re.search(r"[A-Za-z]{2,}", rest)


def po_path(pot: Path, gettext_dir: Path) -> Path:
    return LOCALES / "zh_CN" / "LC_MESSAGES" / pot.relative_to(gettext_dir).with_suffix(".po")


def update_po() -> None:
    """Merge the English paragraphs into the catalogs (babel, as msgmerge would): a changed
    paragraph keeps its old translation marked fuzzy, a removed one becomes obsolete (#~)."""
    from babel.messages.pofile import read_po, write_po
    from po_tool import escape_number
    pot_dir = gettext()
    for pot in sorted(pot_dir.rglob("*.pot")):
        template = read_po(pot.open("rb"))
        po = po_path(pot, pot_dir)
        if po.exists():
            catalog = read_po(po.open("rb"), locale="zh_CN")
            catalog.update(template, update_header_comment=False)
        else:
            catalog = read_po(pot.open("rb"), locale="zh_CN")
            po.parent.mkdir(parents=True, exist_ok=True)
        for message in catalog:
            if message.id and not message.string and nothing_to_translate(message.id):
                message.string = escape_number(message.id, message.id)
        with po.open("wb") as f:
            write_po(f, catalog, width=0, omit_header=False, sort_output=False)
    print(f"book: catalogs updated in {LOCALES}/zh_CN (then: python book/build.py --check)")


def problems(pot_dir: Path) -> tuple[int, int, list[str]]:
    """(paragraphs, translated and current, what is wrong): a paragraph with no translation, a
    translation marked fuzzy (its English changed), or one whose code spans or link targets
    differ from the English (code is never translated)."""
    from babel.messages.pofile import read_po
    from po_tool import entry_problem
    total = good = 0
    found = []
    for pot in sorted(pot_dir.rglob("*.pot")):
        po = po_path(pot, pot_dir)
        catalog = read_po(po.open("rb"), locale="zh_CN") if po.exists() else None
        for message in read_po(pot.open("rb")):
            if not message.id:
                continue
            total += 1
            name = po.relative_to(LOCALES).as_posix()
            entry = catalog.get(message.id) if catalog else None
            if entry is None:
                found.append(f"{name}: untranslated: {message.id[:70]!r}")
            elif why := entry_problem(entry):
                found.append(f"{name}: {why}: {message.id[:70]!r}")
            else:
                good += 1
    return total, good, found


# Raw HTML in the lessons is not a paragraph gettext sees: its few words are translated here.
RAW_HTML = {"zh_CN": {"<summary>One answer</summary>": "<summary>参考答案</summary>"}}
SUMMARY = re.compile(r"<summary>[^<]*</summary>")


def localize_raw_html(language: str) -> list[str]:
    """Put the edition's words into the staged sources' raw HTML; return any left untranslated."""
    table, missing = RAW_HTML.get(language, {}), []
    for path in SRC.rglob("*"):
        if path.suffix not in {".ipynb", ".md"}:
            continue
        text = path.read_text(encoding="utf-8")
        for english, translated in table.items():
            text = text.replace(english, translated)
        missing += [f"{path.relative_to(SRC)}: {m}" for m in SUMMARY.findall(text)
                    if table and m not in table.values()]
        path.write_text(text, encoding="utf-8")
    return missing


REDIRECT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Calling a self-hosted LLM server over HTTP</title>
<meta http-equiv="refresh" content="0; url=en/index.html"></head>
<body><p><a href="en/index.html">English</a> · <a href="zh/index.html">中文</a></p></body></html>
"""


def html() -> None:
    if SITE.exists():
        shutil.rmtree(SITE)
    for folder, language in EDITIONS.items():   # English first: the Chinese edition edits SRC
        if missing := localize_raw_html(language):
            sys.exit("book: raw HTML without a translation in RAW_HTML (book/build.py):\n"
                     + "\n".join(missing))
        sphinx("html", SITE / folder, language)
    (SITE / "index.html").write_text(REDIRECT, encoding="utf-8")
    for folder in EDITIONS:
        shutil.rmtree(SITE / folder / ".doctrees", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gettext", action="store_true")
    parser.add_argument("--update-po", action="store_true")
    parser.add_argument("--check", action="store_true",
                        help="list untranslated, stale and broken translations; exit 1 if any")
    parser.add_argument("--stage-only", action="store_true")
    args = parser.parse_args()
    stage(registry_module.load())
    if args.stage_only:
        return
    if args.update_po:
        update_po()
    elif args.check:
        total, good, found = problems(gettext())
        print("\n".join(found))
        print(f"book: {good} of {total} paragraphs have a current Chinese translation")
        sys.exit(1 if found else 0)
    elif args.gettext:
        print(f"book: {gettext()}")
    else:
        html()
        print(f"book: {SITE}/index.html (serve it: python -m http.server -d build/site 8080)")


if __name__ == "__main__":
    main()
