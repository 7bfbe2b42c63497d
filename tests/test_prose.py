"""The prose budget of a lesson (one sitting): at most 1,500 words of markdown per notebook, a
median of at most 900, and every notebook closing with a Summary and a "Versions and sources"
section.

The notebooks still over budget, or still without the closing sections, are listed below with
their word counts as they stand: they may shrink, never grow, and a notebook leaves its list (this
test says so) once it meets the rule. The lists only get shorter.
"""
import re
import statistics
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lessons  # noqa: E402  (tools/lessons.py: it writes the navigation bars)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BUDGET, MEDIAN = 1500, 900

# Not yet split or trimmed: the ceiling is the count when the notebook was listed (empty since
# 37 was split into 37 and 39).
OVER_BUDGET: dict[str, int] = {}
# Not yet closing with `## Summary` and `## Versions and sources`.
NO_CLOSING_YET: set[str] = set()


def words(path: Path) -> int:
    """Words of markdown, the generated navigation bars left out."""
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = re.sub(rf"^(---\n)?{re.escape(lessons.CONTENTS)}.*$", "", text, flags=re.M)
    return len(text.split())


def number(path: Path) -> str:
    return path.name[:2]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_lesson_fits_one_sitting(path):
    count, n = words(path), number(path)
    if n in OVER_BUDGET:
        assert count <= OVER_BUDGET[n], f"{path.name}: {count} words, more than its {OVER_BUDGET[n]}"
        assert count > BUDGET, f"{path.name} fits the budget now ({count} words): take it off OVER_BUDGET"
    else:
        assert count <= BUDGET, f"{path.name}: {count} words of markdown, over {BUDGET}"


def test_the_median_lesson_is_short():
    counts = [words(path) for path in NOTEBOOKS]
    assert statistics.median(counts) <= MEDIAN, sorted(counts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_lesson_closes_with_a_summary_and_its_sources(path):
    nb = nbformat.read(path, as_version=4)
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    closing = "## Summary" in headings and "## Versions and sources" in headings
    if number(path) in NO_CLOSING_YET:
        assert not closing, f"{path.name} has its closing sections now: take it off NO_CLOSING_YET"
        return
    assert closing, f"{path.name}: end with '## Summary' and '## Versions and sources'"
    assert headings[-2:] == ["## Summary", "## Versions and sources"], headings[-4:]
    assert headings.index("## Try it") < headings.index("## Summary")
    summary = next(c.source for c in nb.cells if c.cell_type == "markdown" and "## Summary" in c.source)
    summary = summary.split("## Summary", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in summary.splitlines() if re.match(r"^[-*] ", line)]
    assert 3 <= len(bullets) <= 5, f"{path.name}: {len(bullets)} summary bullets"
