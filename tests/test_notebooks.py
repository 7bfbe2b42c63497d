"""The notebooks as documents: numbered, linked, executed, and free of leaked secrets."""
import json
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
README = (Path(__file__).parent.parent / "README.md").read_text()


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_a_lesson(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    first, last = nb.cells[0].source, nb.cells[-1].source
    assert "[Contents](../README.md" in first and "[Contents](../README.md" in last  # navigation
    assert re.search(r"^# \d\d · ", first, re.M), "title line '# NN · ...'"
    assert "## Common errors" in markdown and "## Try it" in markdown
    assert path.name in README, "listed in the README's index"
    for target in re.findall(r"\]\(([^)#]+\.ipynb)", markdown):
        assert (path.parent / target).exists(), f"broken link to {target}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_are_committed_from_a_run(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()
            and not c.source.lstrip().startswith("# Your turn")]
    counts = [c.execution_count for c in code]
    assert all(counts), "every code cell executed"
    assert counts == sorted(counts), "executed top to bottom in one run"
    assert any(c.outputs for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_api_key_in_committed_outputs(path):
    text = json.dumps(nbformat.read(path, as_version=4))
    assert not re.search(r"Bearer (?!\$)[A-Za-z0-9_\-]{6,}", text)
    assert "sk-" not in text
