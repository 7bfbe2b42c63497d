"""The house: `helpers/` is what a learner imports, `lab/` is what runs servers (issue 20).

Checked on the files, without a server: helpers/ starts, stops and installs nothing and imports
nothing from lab/; it stays small; no notebook runs a cell through a magic, writes its own
"is it stopped" check or parses Prometheus text itself (notebook 32, which teaches the parse, aside).
"""
import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPERS = sorted((ROOT / "helpers").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HELPERS_BUDGET = 1650   # lines, all of helpers/*.py (1,500 until helpers/retry.py, 31's retries)


def imported_modules(path: Path) -> set:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", HELPERS, ids=lambda p: p.name)
def test_helpers_import_nothing_from_lab_and_start_nothing(path):
    modules = imported_modules(path)
    assert not {m for m in modules if m == "lab" or m.startswith("lab.")}, "helpers must not import lab"
    assert not modules & {"subprocess", "signal", "ctypes", "socket"}, "starting servers is lab/'s job"
    source = path.read_text()
    assert not re.search(r"\bos\.(kill|killpg|fork|exec\w*|spawn\w*|system)\b", source)


def test_helpers_stay_small():
    lines = sum(len(p.read_text().splitlines()) for p in HELPERS)
    assert lines < HELPERS_BUDGET, f"helpers/ has {lines} lines"


def code_cells(path: Path):
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "code":
            yield index, "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_cells_run_as_plain_python(path):
    for index, source in code_cells(path):
        assert not re.search(r"^\s*%%?\w", source, re.M), f"cell {index}: a magic; copied, it will not run"
        assert "register_cell_magic" not in source, f"cell {index}"
        assert "input_transformers" not in source, f"cell {index}: a hidden magic (an input transformer)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_use_the_one_lifecycle_and_metrics_reader(path):
    for index, source in code_cells(path):
        assert "helpers.lab" not in source and "helpers.proxy" not in source and "helpers.router" not in source
        assert not re.search(r"os\.killpg\([^)]*,\s*0\)", source), (
            f"cell {index}: a stop/verify check of its own; server.stop() verifies")
        if not path.name.startswith("32_"):
            assert "text_string_to_metric_families" not in source, (
                f"cell {index}: a Prometheus parser of its own; use helpers.metrics.read_metrics")
            assert not re.search(r"""startswith\(f?["']vllm:|split\(["']engine=""", source), (
                f"cell {index}: /metrics read line by line; use helpers.metrics.read_metrics")
        if re.search(r"\bstart_(vllm|triton|nginx|router)\(", source):
            assert re.search(r"^from lab(\.\w+)? import", "\n".join(s for _, s in code_cells(path)), re.M)


def test_lab_launcher_runs_as_a_module():
    """`python -m lab` is what the Makefile runs (serve, run, stop)."""
    makefile = (ROOT / "Makefile").read_text()
    assert "-m lab" in makefile and "helpers.lab" not in makefile
    assert (ROOT / "lab" / "__main__.py").is_file()


def test_one_place_writes_the_vllm_command():
    """The lab's two servers and every lesson server get their command line from
    lab.servers.vllm_command: no second copy of the module path or the common flags."""
    writers = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "lab").glob("*.py"))
               if '"--enforce-eager"' in p.read_text() or '"vllm.entrypoints.openai.api_server"' in p.read_text()]
    assert writers == ["lab/servers.py"], writers


def test_31_teaches_the_retry_helper_the_notebooks_import():
    """helpers.retry holds notebook 31's hand-written functions; 35, 36 and 61 import them."""
    wanted = ("retry_after_seconds", "never_sent", "post_with_retries")

    def definitions(source):
        body = ast.parse(source).body
        found = {node.name: ast.dump(node) for node in body
                 if isinstance(node, ast.FunctionDef) and node.name in wanted}
        found.update({"RETRY_STATUSES": ast.dump(node) for node in body
                      if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "RETRY_STATUSES"})
        return found

    notebook = "\n".join(source for _, source in code_cells(ROOT / "notebooks/31_errors_and_retries.ipynb")
                         if "def post_with_retries" in source)
    module = definitions((ROOT / "helpers/retry.py").read_text())
    assert set(module) == {*wanted, "RETRY_STATUSES"} and definitions(notebook) == module
    for number in ("35", "36", "61"):
        path = next((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
        assert any("from helpers.retry import" in source for _, source in code_cells(path)), path.name
