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
    for target in re.findall(r"\]\((?!https?:|mailto:)([^)#\s]+)", markdown):   # notebooks, folders, files
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
def test_committed_errors_are_only_the_intended_ones(path):
    """A committed error output must be a lesson (cell marked NBVAL_RAISES_EXCEPTION), and a
    cell marked to raise must show its error: a stale or broken run cannot be committed."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        marked = "NBVAL_RAISES_EXCEPTION" in cell.source
        assert bool(errors) == marked, f"cell {index}: errors={[e.ename for e in errors]}, marked={marked}"
        for error in errors:  # and each is the helpers' one line, not a traceback wall
            assert len(error.traceback) == 1, f"cell {index}: {len(error.traceback)}-line traceback"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_api_key_in_committed_outputs(path):
    text = json.dumps(nbformat.read(path, as_version=4))
    # "123456" is the seeds' example key, shown being refused in notebook 30; no other may appear.
    assert not re.search(r"Bearer (?!\$|123456\b)[A-Za-z0-9_\-]{6,}", text)
    assert "sk-" not in text


def test_with_no_server_the_first_cell_prints_one_line(monkeypatch, tmp_path):
    """Notebook 00's own set-up cell, run in a real kernel against a port where nothing listens."""
    from nbclient import NotebookClient

    from lab import free_port

    port = free_port()  # nothing listens there
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    source = nbformat.read(NOTEBOOKS[0], as_version=4)
    first = next(c for c in source.cells if c.cell_type == "code")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(first.source)],
                                  metadata=source.metadata)
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    (output,) = nb.cells[0].outputs
    assert output.output_type == "error" and output.ename == "ServerUnavailable"
    (line,) = output.traceback
    assert line.startswith(f"ServerUnavailable: no server answers at http://127.0.0.1:{port} ")
    assert "make lab" in line and line.endswith("[chat server URL from OPENAI_BASE_URL]")


# Evidence that needs a quiet machine (issue 22): these notebooks print which branch ran. The
# committed outputs must come from the quiet one: each string below printed, no busy sign.
QUIET_EVIDENCE = {
    "31_errors_and_retries.ipynb": ["quiet server (nothing else ran)"],
    "32_metrics.ipynb": ["alone on the server: asserted that the counters moved",
                         "nothing else ran meanwhile",
                         "alone on the server: asserted that the second send hit"],
    "33_throughput.ipynb": ["runs with other traffic on the server: 0 of", "quiet 16-user run(s)"],
    "38_lora_adapters.ipynb": ["quiet branch: the ratio is asserted"],
}
BUSY_SIGNS = ["other requests ran", "OTHER REQUESTS ran", "(other traffic)", "busy branch",
              "shared the server with other traffic", "run this cell again on a quiet server"]


def _outputs(nb) -> str:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") if "text" in output
                         else output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_quiet_evidence_is_committed_from_the_quiet_branch(path):
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    branches = [sign for sign in BUSY_SIGNS if sign in source]
    if path.name not in QUIET_EVIDENCE:
        assert not branches, f"{path.name} prints a busy branch ({branches}): list it in QUIET_EVIDENCE"
        return
    outputs = _outputs(nb)
    missing = [line for line in QUIET_EVIDENCE[path.name] if line not in outputs]
    busy = [sign for sign in BUSY_SIGNS if sign in outputs]
    assert not missing and not busy, (f"{path.name} was committed from a run whose quiet branch did not "
                                      f"run (missing {missing}, printed {busy}): re-execute it alone")
