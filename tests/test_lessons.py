"""The lesson registry (notebooks/lessons.toml), README.md's index and the notebooks' nav bars agree."""
import json
import shutil
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lessons  # noqa: E402  (tools/lessons.py)


def test_registry_readme_and_notebooks_agree():
    assert lessons.problems(ROOT) == [], "run `python tools/lessons.py --write`"


def test_registry_lists_routes_servers_and_what_you_learn():
    for lesson in lessons.load(ROOT)["lesson"]:
        assert lesson["routes"] and all(r.startswith("/") for r in lesson["routes"]), lesson["number"]
        assert isinstance(lesson["servers"], list) and lesson["learn"].strip(), lesson["number"]


def test_registry_names_the_servers_each_lesson_starts():
    """A lesson lists servers exactly when its code starts one through the lab (31's practice
    server lives in the kernel); each vLLM flag the registry names is in the notebook's code."""
    import re

    for lesson in lessons.load(ROOT)["lesson"]:
        path = ROOT / "notebooks" / f"{lesson['number']}_{lesson['slug']}.ipynb"
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "code")
        starts = bool(re.search(r"\bstart_(vllm|triton|nginx|router|prometheus)\(", code))
        listed = [s for s in lesson["servers"] if not s.startswith("practice")]
        assert starts == bool(listed), (lesson["number"], lesson["servers"])
        for flag in re.findall(r"--[a-z][a-z-]+", " ".join(listed)):
            assert flag in code, (lesson["number"], flag)


@pytest.fixture
def copy(tmp_path):
    """README.md, the registry and every notebook, copied to tmp_path."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "README.md", tmp_path)
    for path in [ROOT / lessons.REGISTRY, *(ROOT / "notebooks").glob(lessons.NOTEBOOK_GLOB)]:
        shutil.copy(path, tmp_path / "notebooks")
    return tmp_path


def _edit_last_line(path: Path, old: str, new: str):
    nb = json.loads(path.read_text(encoding="utf-8"))
    source = nb["cells"][-1]["source"]
    assert old in source[-1]
    source[-1] = source[-1].replace(old, new)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_disagreements_are_found_and_write_repairs_them(copy):
    registry = lessons.load(copy)["lesson"]
    first, second, third = (l["file"] for l in registry[:3])
    _edit_last_line(copy / "notebooks" / first, f"]({second})", f"]({third})")      # a wrong Next
    (copy / "notebooks" / "99_unlisted.ipynb").write_text("{}")                       # not registered
    readme = copy / "README.md"
    header = "| notebook | what you learn |\n| --- | --- |\n"
    readme.write_text(readme.read_text(encoding="utf-8").replace(header, header + "| x | y |\n"),
                      encoding="utf-8")                                              # a stale table

    found = lessons.problems(copy)
    assert any(p.startswith(f"notebooks/{first}: last cell") for p in found), found
    assert "notebooks/99_unlisted.ipynb: not in notebooks/lessons.toml" in found
    assert any(p.startswith("README.md: the index table") for p in found)
    assert len(found) == 3, found
    assert lessons.main(["--check", "--root", str(copy)]) == 1

    (copy / "notebooks" / "99_unlisted.ipynb").unlink()
    assert lessons.write(copy) == [f"notebooks/{first}", "README.md"]
    assert lessons.problems(copy) == []
    assert (copy / "notebooks" / first).read_bytes() == (ROOT / "notebooks" / first).read_bytes()
    assert readme.read_bytes() == (ROOT / "README.md").read_bytes()


def test_a_title_line_numbered_unlike_its_file_is_found(copy):
    path = copy / "notebooks" / lessons.load(copy)["lesson"][1]["file"]
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][0]["source"] = [line.replace("# 01 · ", "# 10 · ") for line in nb["cells"][0]["source"]]
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert lessons.problems(copy) == [f"notebooks/{path.name}: title line numbered 10, file numbered 01"]


def test_every_file_the_readme_links_exists():
    """The learning paths and the prose link notebooks by file name; a split or a renumbering
    that leaves a link behind fails here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\((?!https?:|mailto:|#)([^)#\s]+)", readme))   # notebooks, folders, files
    assert len([link for link in links if link.endswith(".ipynb")]) >= 33
    assert sorted(link for link in links if not (ROOT / link).exists()) == []
