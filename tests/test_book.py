"""The book's Chinese edition is complete and current (README, "The book").

Every paragraph, heading, list item and table cell of the English pages (what Sphinx's gettext
builder extracts from the staged notebooks, REFERENCE.md, the examples and the glossary) must have
a translation in book/locales/zh_CN/ that is not stale (its English changed since: babel marks it
fuzzy), keeps the English's code spans and link targets, and keeps its bold, italics and links
(CommonMark would print `**` it cannot close). The rendering in a browser is tests/test_book_browser.py.
"""
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book"))
import build  # noqa: E402  (book/build.py)


def test_every_paragraph_has_a_current_chinese_translation():
    build.stage(build.registry_module.load())
    total, good, found = build.problems(build.gettext())
    print(f"{good} of {total} paragraphs have a current Chinese translation")
    assert total > 2500
    assert not found, (f"{len(found)} of {total} paragraphs need a translation (python book/build.py"
                       " --update-po, then book/po_tool.py; README, 'The book'):\n" + "\n".join(found[:40]))


def write(path: Path, entries: list[tuple[str, str, bool]]) -> None:
    catalog = Catalog(locale="zh_CN")
    for english, chinese, fuzzy in entries:
        catalog.add(english, chinese, flags=["fuzzy"] if fuzzy else [])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog)


@pytest.mark.parametrize("english, chinese, fuzzy, expected", [
    ("Streaming: tokens as they come", "流式输出：token 逐个到达", False, None),
    ("Streaming: tokens as they come", "", False, "untranslated"),
    ("Streaming: tokens as they come", "流式输出：token 逐个到达", True, "stale"),
    ("Send `\"stream\": true`.", "发送 `\"stream\": false`。", False, "code spans differ"),
    ("See [04](04_streaming.ipynb).", "见[第 04 课](05_multi_turn.ipynb)。", False, "link targets differ"),
    ("**What to notice:** the text", "**要点：**文字", False, "markup differs"),
    ("**What to notice:** the text", "**要点**：文字", False, None),
])
def test_the_check_finds_what_is_wrong(tmp_path, monkeypatch, english, chinese, fuzzy, expected):
    """The check itself, on a one-paragraph page: a missing, stale or broken translation is named."""
    monkeypatch.setattr(build, "LOCALES", tmp_path / "locales")
    write(tmp_path / "gettext" / "page.pot", [(english, "", False)])
    write(tmp_path / "locales" / "zh_CN" / "LC_MESSAGES" / "page.po", [(english, chinese, fuzzy)])
    total, good, found = build.problems(tmp_path / "gettext")
    assert total == 1
    if expected is None:
        assert good == 1 and not found
    else:
        assert good == 0 and len(found) == 1 and expected in found[0], found


def test_a_changed_english_paragraph_is_marked_stale(tmp_path, monkeypatch):
    """What --update-po does when the English changes: babel keeps the old translation, fuzzy."""
    monkeypatch.setattr(build, "LOCALES", tmp_path / "locales")
    write(tmp_path / "locales" / "zh_CN" / "LC_MESSAGES" / "page.po",
          [("A long answer takes minutes on this server.", "在这台服务器上，一个长回答要花几分钟。", False)])
    write(tmp_path / "gettext" / "page.pot", [("A long answer takes seconds on this server.", "", False)])
    monkeypatch.setattr(build, "gettext", lambda: tmp_path / "gettext")
    build.update_po()
    total, good, found = build.problems(tmp_path / "gettext")
    assert (total, good) == (1, 0) and "stale" in found[0], found
