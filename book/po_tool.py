"""For translators: move paragraphs between a catalog (.po) and a JSON file you edit.

    python book/po_tool.py dump PO [--all]   # JSON {English: ""} of what needs a translation
                                             # (untranslated or stale); --all: every paragraph
    python book/po_tool.py apply PO JSON     # writes each non-empty translation into PO and
                                             # clears its stale (fuzzy) mark
    python book/po_tool.py check PO [PO ...] # what is untranslated, stale, or changed code spans
                                             # or link targets (no build needed)

PO is a file under book/locales/zh_CN/LC_MESSAGES/. `python book/build.py --update-po` makes
them from the English pages; `python book/build.py --check` checks every one against the pages.
"""
import json
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import CODE, TARGET  # noqa: E402


def load(path):
    with open(path, "rb") as f:
        return read_po(f, locale="zh_CN")


def save(catalog, path):
    with open(path, "wb") as f:
        write_po(f, catalog, width=0, sort_output=False)


MARKUP = ("strong_open", "em_open", "link_open")  # code spans: compared as a set above


def markup(text: str) -> dict:
    """How many bold, italic and link elements CommonMark (MyST's parser) finds: a `**`
    written where CommonMark cannot close it (say `**要点：**文字`) shows as asterisks."""
    from markdown_it import MarkdownIt
    counts = dict.fromkeys(MARKUP, 0)
    for block in MarkdownIt("commonmark").parse(text):
        for token in block.children or []:
            if token.type in counts:
                counts[token.type] += 1
    return counts


NUMBERED = re.compile(r"^(\d+)\. ")


def escape_number(english: str, chinese: str) -> str:
    """A numbered heading ("3. The SDK") is parsed again from its translation, alone, where
    "3. ..." would start a list and Sphinx would keep the English: write it "3\\. ..."."""
    return NUMBERED.sub(r"\1\\. ", chinese) if NUMBERED.match(english) else chinese


def entry_problem(message) -> str | None:
    if not message.string:
        return "untranslated"
    if NUMBERED.match(message.id) and NUMBERED.match(message.string):
        return 'a numbered heading must keep its number escaped ("3\\. ..."; po_tool apply does it)'

    if message.fuzzy:
        return "stale (the English changed)"
    if {c for _, c in CODE.findall(message.id)} != {c for _, c in CODE.findall(message.string)}:
        return "code spans differ"
    if set(TARGET.findall(message.id)) != set(TARGET.findall(message.string)):
        return "link targets differ"
    if markup(message.id) != markup(message.string):
        return f"markup differs (English {markup(message.id)}, Chinese {markup(message.string)})"
    return None


def main(argv):
    if len(argv) < 2 or argv[0] not in {"dump", "apply", "check"}:
        sys.exit(__doc__)
    command, paths = argv[0], argv[1:]
    if command == "dump":
        catalog = load(paths[0])
        everything = "--all" in paths
        out = {m.id: (m.string if everything else "") for m in catalog
               if m.id and (everything or not m.string or m.fuzzy)}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    elif command == "apply":
        catalog = load(paths[0])
        translations = json.loads(Path(paths[1]).read_text(encoding="utf-8"))
        applied = unknown = 0
        for english, chinese in translations.items():
            message = catalog.get(english)
            if message is None:
                unknown += 1
                print(f"not in {paths[0]}: {english[:70]!r}", file=sys.stderr)
            elif chinese:
                message.string = escape_number(english, chinese)
                message.flags.discard("fuzzy")
                applied += 1
        save(catalog, paths[0])
        print(f"{paths[0]}: {applied} translations written, {unknown} not found")
    else:
        bad = 0
        for path in paths:
            for message in load(path):
                if message.id and (why := entry_problem(message)):
                    bad += 1
                    print(f"{path}: {why}: {message.id[:80]!r}")
        print(f"{bad} problems in {len(paths)} catalogs")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
