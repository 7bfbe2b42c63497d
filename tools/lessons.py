"""The lesson registry (notebooks/lessons.toml) and what is generated from it.

    python tools/lessons.py --write   # regenerate README.md's index table and every nav bar
    python tools/lessons.py --check   # write nothing; list every disagreement, exit 1 if any

Generated: the table between README.md's `<!-- lessons:start -->` and `<!-- lessons:end -->`
markers, and in each notebook the first line of its first cell and the last line of its last
cell (the Previous/Next bar, after a `---` line). Nothing else in a notebook is touched.
"""
import argparse
import json
import re
import sys
try:
    import tomllib                  # Python 3.11+
except ImportError:                 # 3.10: the same parser, from PyPI (requirements.txt)
    import tomli as tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = Path("notebooks") / "lessons.toml"
START, END = "<!-- lessons:start -->", "<!-- lessons:end -->"
CONTENTS = "[Contents](../README.md#the-notebooks)"
LAST_NEXT = "Next: the contents, to review any lesson"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
LESSON_KEYS = {"number", "slug", "title", "part", "routes", "servers", "learn"}


def load(root: Path = ROOT) -> dict:
    """The registry: {"part": [...], "lesson": [...]}, each lesson with its "file" added."""
    with open(root / REGISTRY, "rb") as f:
        registry = tomllib.load(f)
    for lesson in registry["lesson"]:
        lesson["file"] = f"{lesson['number']}_{lesson['slug']}.ipynb"
    return registry


def label(lesson: dict) -> str:
    return f"{lesson['number']} {lesson['title']}"


def nav_bar(lessons: list, index: int) -> str:
    """The Previous/Next line of lessons[index]; the last lesson's Next is the contents."""
    items = [CONTENTS]
    if index > 0:
        before = lessons[index - 1]
        items.append(f"Previous: [{label(before)}]({before['file']})")
    items.append(f"**{label(lessons[index])}**")
    if index + 1 < len(lessons):
        after = lessons[index + 1]
        items.append(f"Next: [{label(after)}]({after['file']})")
    else:
        items.append(LAST_NEXT)
    return " · ".join(items)


def readme_table(registry: dict) -> str:
    """The index table: a header, then one row per lesson, with a part's row above its first
    lesson (or above its `header_before` lesson)."""
    headers = {}
    for part in registry["part"]:
        first = part.get("header_before") or next(
            (l["number"] for l in registry["lesson"] if l["part"] == part["id"]), None)
        headers[first] = f"| **{part['title']}** | |"
    rows = ["| notebook | what you learn |", "| --- | --- |"]
    for lesson in registry["lesson"]:
        if lesson["number"] in headers:
            rows.append(headers[lesson["number"]])
        rows.append(f"| [{lesson['file']}](notebooks/{lesson['file']}) | {lesson['learn']} |")
    return "\n".join(rows)


def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def registry_problems(registry: dict) -> list[str]:
    """Disagreements within the registry itself."""
    problems = []
    parts = {p["id"] for p in registry["part"]}
    numbers = [l["number"] for l in registry["lesson"]]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        problems.append(f"{REGISTRY}: lesson numbers must be unique and in order: {numbers}")
    for lesson in registry["lesson"]:
        where = f"{REGISTRY}: lesson {lesson.get('number', '?')}"
        if set(lesson) - {"file"} != LESSON_KEYS:
            problems.append(f"{where}: keys {sorted(set(lesson) - {'file'})}, expected {sorted(LESSON_KEYS)}")
            continue
        if not re.fullmatch(r"\d\d", lesson["number"]):
            problems.append(f"{where}: number must be two digits")
        if lesson["part"] != lesson["number"][0] or lesson["part"] not in parts:
            problems.append(f"{where}: part {lesson['part']!r} is not its tens digit, or not a [[part]]")
    return problems


def notebook_problems(path: Path, registry: dict, index: int) -> list[str]:
    """Disagreements between one notebook and its registry entry (nav bars, title line)."""
    lesson, lessons = registry["lesson"][index], registry["lesson"]
    name = f"notebooks/{path.name}"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    if not cells or cells[0]["cell_type"] != "markdown" or cells[-1]["cell_type"] != "markdown":
        return [f"{name}: its first and last cells must be markdown (they carry the nav bar)"]
    expected = nav_bar(lessons, index)
    problems = []
    first, last = _source(cells[0]).split("\n"), _source(cells[-1]).split("\n")
    if first[0] != expected:
        problems.append(f"{name}: first line is\n    {first[0]}\n  expected\n    {expected}")
    if last[-1] != expected or len(last) < 2 or last[-2] != "---":
        problems.append(f"{name}: last cell should end with '---' and\n    {expected}\n"
                        f"  it ends with\n    " + "\n    ".join(last[-2:]))
    title = re.search(r"^# (\d\d) · ", _source(cells[0]), re.M)
    if not title:
        problems.append(f"{name}: no title line '# {lesson['number']} · ...' in its first cell")
    elif title.group(1) != lesson["number"]:
        problems.append(f"{name}: title line numbered {title.group(1)}, file numbered {lesson['number']}")
    return problems


def readme_problems(root: Path, registry: dict) -> list[str]:
    readme = (root / "README.md").read_text(encoding="utf-8")
    if readme.count(START) != 1 or readme.count(END) != 1:
        return [f"README.md: needs exactly one {START} and one {END} around the index table"]
    current = readme.split(START, 1)[1].split(END, 1)[0].strip("\n")
    if current != readme_table(registry):
        return ["README.md: the index table is not the one generated from "
                f"{REGISTRY}: run `python tools/lessons.py --write`"]
    return []


def problems(root: Path = ROOT) -> list[str]:
    """Every disagreement between notebooks/, README.md and the registry; [] when in step."""
    registry = load(root)
    found = registry_problems(registry)
    if found:
        return found
    on_disk = {p.name for p in (root / "notebooks").glob(NOTEBOOK_GLOB)}
    listed = [l["file"] for l in registry["lesson"]]
    found += [f"notebooks/{f}: not in {REGISTRY}" for f in sorted(on_disk - set(listed))]
    found += [f"{REGISTRY}: {f} does not exist" for f in listed if f not in on_disk]
    for index, file in enumerate(listed):
        if file in on_disk:
            found += notebook_problems(root / "notebooks" / file, registry, index)
    return found + readme_problems(root, registry)


def write(root: Path = ROOT) -> list[str]:
    """Regenerate the README table and the nav bars; returns the files changed. A new notebook
    without nav lines gets them (first line, then `---` and the bar at the end)."""
    import nbformat  # only writing needs it; it keeps the repository's JSON layout

    registry = load(root)
    if registry_problems(registry):
        raise SystemExit("\n".join(registry_problems(registry)))
    changed = []
    lessons = registry["lesson"]
    for index, lesson in enumerate(lessons):
        path = root / "notebooks" / lesson["file"]
        if not path.exists():
            continue  # reported by --check
        nb = nbformat.read(path, as_version=4)
        first, last = nb.cells[0], nb.cells[-1]
        if first.cell_type != "markdown" or last.cell_type != "markdown":
            continue  # reported by --check
        bar = nav_bar(lessons, index)
        head = first.source.split("\n")
        if head[0].startswith("[Contents]("):
            head[0] = bar
        else:
            head[:0] = [bar, ""]
        tail = last.source.split("\n") if last is not first else head
        if tail[-1].startswith("[Contents](") and len(tail) >= 2 and tail[-2] == "---":
            tail[-1] = bar
        else:
            tail += ["", "---", bar]
        new_first, new_last = "\n".join(head), "\n".join(tail)
        if (new_first, new_last) != (first.source, last.source):
            first.source, last.source = new_first, new_last
            nbformat.write(nb, path)
            changed.append(f"notebooks/{lesson['file']}")
    readme_path = root / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    if readme.count(START) != 1 or readme.count(END) != 1:
        raise SystemExit(f"README.md: put {START} and {END} around the index table first")
    before, rest = readme.split(START, 1)
    after = rest.split(END, 1)[1]
    new = f"{before}{START}\n{readme_table(registry)}\n{END}{after}"
    if new != readme:
        readme_path.write_text(new, encoding="utf-8")
        changed.append("README.md")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate the README table and nav bars")
    mode.add_argument("--check", action="store_true", help="list disagreements; exit 1 if any")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        changed = write(args.root)
        print("lessons: wrote " + (", ".join(changed) if changed else "nothing (all in step)"))
    found = problems(args.root)
    for problem in found:
        print(problem, file=sys.stderr)
    if not found and args.check:
        print(f"lessons: {len(load(args.root)['lesson'])} lessons, README and nav bars in step")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
