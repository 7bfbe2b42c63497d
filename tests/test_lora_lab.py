"""lab/make_adapter.py (notebook 38's LoRA adapters): what `make` built, read from its files, and
the one-line errors. The adapters' effect on a served model is asserted in notebook 38 itself."""
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from lab import LabError, lora_dir

ROOT = Path(__file__).resolve().parents[1]
BUILT = Path(os.environ.get("LORA_DIR") or "/nonexistent")
needs_build = pytest.mark.skipif(not (BUILT / ".installed").is_file(),
                                 reason="no adapters built (LORA_DIR): `make test` builds them")


def tensor_shapes(adapter: Path) -> dict:
    """{tensor name: shape} from a safetensors file's header (8-byte length, then JSON)."""
    with (adapter / "adapter_model.safetensors").open("rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    return {name: info["shape"] for name, info in header.items() if name != "__metadata__"}


def config(adapter: Path) -> dict:
    return json.loads((adapter / "adapter_config.json").read_text())


def test_make_adapter_without_a_base_model_says_so_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "lab" / "make_adapter.py"), str(tmp_path / "lora"),
                           str(tmp_path / "no-model")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stdout.strip().startswith("error=no model at ") and "\n" not in done.stdout.strip()
    assert "make models" in done.stdout


def test_lora_dir_without_a_build_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("LORA_DIR", str(tmp_path))
    with pytest.raises(LabError, match=r"LoRA adapters are not made \(LORA_DIR\): `make lab` and `make test`"):
        lora_dir()


@needs_build
def test_the_two_trained_adapters_are_loadable_by_vllm():
    for name in ("nihao", "pirate"):
        adapter = BUILT / name
        cfg, log = config(adapter), json.loads((adapter / "train_log.json").read_text())
        assert cfg["r"] <= 16 and not cfg["modules_to_save"] and cfg["bias"] == "none"
        assert cfg["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
        shapes = tensor_shapes(adapter)
        assert shapes and all(".lora_A." in t or ".lora_B." in t for t in shapes)   # no lm_head, no embeddings
        assert log["loss"][-1] < log["loss"][0] / 3 and log["steps"] == len(log["loss"])


@needs_build
def test_the_refused_adapters_carry_what_vllm_refuses():
    assert config(BUILT / "rank64")["r"] == 64
    assert config(BUILT / "lm-head")["modules_to_save"] == ["lm_head"]
    assert any("lm_head" in t and ".lora_" not in t for t in tensor_shapes(BUILT / "lm-head"))
    other = tensor_shapes(BUILT / "for-360m")
    assert config(BUILT / "for-360m")["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-360M-Instruct"
    assert any(960 in shape for shape in other.values())
    assert not any(576 in shape for shape in other.values())


@needs_build
def test_held_out_questions_were_never_trained_on():
    data = json.loads((BUILT / "data.json").read_text())
    trained = {pair["prompt"] for pair in data["train"]}
    assert len(trained) == 96 and len(data["held_out"]) == 32 and not trained & set(data["held_out"])
