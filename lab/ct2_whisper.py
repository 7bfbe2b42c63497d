"""Convert a faster-whisper export (CTranslate2's WhisperSpec model.bin) into a Hugging Face
WhisperForConditionalGeneration folder that vLLM loads.

CTranslate2's file (binary version 6, documented by ctranslate2's python/ctranslate2/specs/
model_spec.py): a header (version, spec name, revision), then each variable as name, rank, dims,
dtype id and raw little-endian bytes, then aliases. Whisper's layers map one to one onto the
Hugging Face names, except that CTranslate2 fuses the attention projections (self-attention
q|k|v, cross-attention k|v) and stores Whisper's missing key bias as zeros: those are split back
(the zeros checked). The tokenizer of the export stops at <|notimestamps|>; the 1501 timestamp
tokens <|0.00|> ... <|30.00|> that fill the rest of the vocabulary are added (vLLM's
`verbose_json` decodes them). Checked against the ctranslate2 runtime on the same features: same
encoder output (max |diff| 1e-3) and the same greedy tokens.
"""
from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path

import numpy as np

DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
TIMESTAMPS = 1501  # <|0.00|> ... <|30.00|>, every 0.02 s


def read_ct2(path: Path) -> dict:
    buf = Path(path).read_bytes()
    pos = 0

    def take(fmt):
        nonlocal pos
        value = struct.unpack_from("<" + fmt, buf, pos)[0]
        pos += struct.calcsize("<" + fmt)
        return value

    def string():
        nonlocal pos
        size = take("H")
        text = buf[pos:pos + size - 1].decode()
        pos += size
        return text

    version = take("I")
    if version < 5:
        raise ValueError(f"CTranslate2 binary version {version} is not supported (5 or later)")
    spec, revision, variables = string(), take("I"), {}
    for _ in range(take("I")):
        name, rank = string(), take("B")
        dims = [take("I") for _ in range(rank)]
        dtype, size = take("B"), take("I")
        if dtype not in DTYPES:
            raise ValueError(f"{name}: dtype {dtype} is not supported (a quantized export?)")
        array = np.frombuffer(buf, DTYPES[dtype], size // np.dtype(DTYPES[dtype]).itemsize, pos)
        pos += size
        variables[name] = array.reshape(dims)
    aliases = {}
    if pos < len(buf):
        for _ in range(take("I")):
            alias = string()
            aliases[alias] = string()
    if pos != len(buf):
        raise ValueError(f"{path}: {len(buf) - pos} bytes left after the last variable")
    return {"version": version, "spec": spec, "revision": revision, "vars": variables,
            "aliases": aliases}


def _layers(variables: dict, part: str) -> int:
    return 1 + max(int(m.group(1)) for k in variables
                   if (m := re.match(rf"{part}/layer_(\d+)/", k)))


def convert(src: Path, dst: Path, dtype: str = "float16") -> dict:
    """src: a faster-whisper folder (model.bin, config.json, tokenizer.json); dst: written."""
    src, dst = Path(src), Path(dst)
    model = read_ct2(src / "model.bin")
    if model["spec"] != "WhisperSpec":
        raise ValueError(f"{src}: a {model['spec']}, not a WhisperSpec")
    V = model["vars"]
    ct2cfg = json.loads((src / "config.json").read_text())
    tok = json.loads((src / "tokenizer.json").read_text())
    target = np.float16 if dtype == "float16" else np.float32
    enc_layers, dec_layers = _layers(V, "encoder"), _layers(V, "decoder")
    d_model, n_mels = V["encoder/conv1/weight"].shape[:2]
    ffn = V["encoder/layer_0/ffn/linear_0/weight"].shape[0]
    vocab = V["decoder/embeddings/weight"].shape[0]
    flags = {k: int(V[f"decoder/{k}"]) for k in ("activation", "scale_embeddings", "pre_norm")}
    if flags != {"activation": 3, "scale_embeddings": 0, "pre_norm": 1}:  # 3: GELU
        raise ValueError(f"unexpected decoder flags {flags}")
    out = {}

    def put(name, array):
        out[name] = np.ascontiguousarray(np.asarray(array).astype(target))

    def norm(hf, ct):
        put(hf + ".weight", V[ct + "/gamma"])
        put(hf + ".bias", V[ct + "/beta"])

    def linear(hf, ct):
        put(hf + ".weight", V[ct + "/weight"])
        put(hf + ".bias", V[ct + "/bias"])

    def split(hf, ct, names):
        weights = np.split(V[ct + "/weight"], len(names), axis=0)
        biases = np.split(V[ct + "/bias"], len(names))
        for name, weight, bias in zip(names, weights, biases):
            put(f"{hf}.{name}.weight", weight)
            if name == "k_proj":   # Whisper's key projection has no bias: CTranslate2 stored zeros
                if np.any(bias):
                    raise ValueError(f"{ct}: non-zero key bias")
            else:
                put(f"{hf}.{name}.bias", bias)

    for conv in ("conv1", "conv2"):
        linear(f"model.encoder.{conv}", f"encoder/{conv}")
    put("model.encoder.embed_positions.weight", V["encoder/position_encodings/encodings"])
    for i in range(enc_layers):
        h, c = f"model.encoder.layers.{i}", f"encoder/layer_{i}"
        norm(h + ".self_attn_layer_norm", c + "/self_attention/layer_norm")
        split(h + ".self_attn", c + "/self_attention/linear_0", ["q_proj", "k_proj", "v_proj"])
        linear(h + ".self_attn.out_proj", c + "/self_attention/linear_1")
        norm(h + ".final_layer_norm", c + "/ffn/layer_norm")
        linear(h + ".fc1", c + "/ffn/linear_0")
        linear(h + ".fc2", c + "/ffn/linear_1")
    norm("model.encoder.layer_norm", "encoder/layer_norm")
    put("model.decoder.embed_tokens.weight", V["decoder/embeddings/weight"])
    put("model.decoder.embed_positions.weight", V["decoder/position_encodings/encodings"])
    for i in range(dec_layers):
        h, c = f"model.decoder.layers.{i}", f"decoder/layer_{i}"
        norm(h + ".self_attn_layer_norm", c + "/self_attention/layer_norm")
        split(h + ".self_attn", c + "/self_attention/linear_0", ["q_proj", "k_proj", "v_proj"])
        linear(h + ".self_attn.out_proj", c + "/self_attention/linear_1")
        norm(h + ".encoder_attn_layer_norm", c + "/attention/layer_norm")
        put(h + ".encoder_attn.q_proj.weight", V[c + "/attention/linear_0/weight"])
        put(h + ".encoder_attn.q_proj.bias", V[c + "/attention/linear_0/bias"])
        split(h + ".encoder_attn", c + "/attention/linear_1", ["k_proj", "v_proj"])
        linear(h + ".encoder_attn.out_proj", c + "/attention/linear_2")
        norm(h + ".final_layer_norm", c + "/ffn/layer_norm")
        linear(h + ".fc1", c + "/ffn/linear_0")
        linear(h + ".fc2", c + "/ffn/linear_1")
    norm("model.decoder.layer_norm", "decoder/layer_norm")
    # decoder/projection/weight is an alias of the embeddings: tie_word_embeddings below.

    dst.mkdir(parents=True, exist_ok=True)
    from safetensors.numpy import save_file
    save_file(out, str(dst / "model.safetensors"), metadata={"format": "pt"})

    added = {t["content"]: t["id"] for t in tok["added_tokens"]}
    eot, sot = added["<|endoftext|>"], added["<|startoftranscript|>"]
    notimestamps = added["<|notimestamps|>"]
    multilingual = vocab >= 51865   # English-only Whisper models have 51864 tokens
    by_id = {v: k for k, v in added.items()}
    lang_to_id = {by_id[i]: i for i in ct2cfg.get("lang_ids", [])} if multilingual else {}
    config = {
        "architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper",
        "activation_function": "gelu", "activation_dropout": 0.0, "attention_dropout": 0.0,
        "dropout": 0.0, "d_model": int(d_model), "encoder_layers": enc_layers,
        "decoder_layers": dec_layers, "num_hidden_layers": enc_layers,
        "encoder_attention_heads": int(V["encoder/num_heads"]),
        "decoder_attention_heads": int(V["decoder/num_heads"]),
        "encoder_ffn_dim": int(ffn), "decoder_ffn_dim": int(ffn), "num_mel_bins": int(n_mels),
        "max_source_positions": V["encoder/position_encodings/encodings"].shape[0],
        "max_target_positions": V["decoder/position_encodings/encodings"].shape[0],
        "vocab_size": int(vocab), "scale_embedding": False, "init_std": 0.02, "use_cache": True,
        "encoder_layerdrop": 0.0, "decoder_layerdrop": 0.0, "is_encoder_decoder": True,
        "bos_token_id": eot, "eos_token_id": eot, "pad_token_id": eot,
        "decoder_start_token_id": sot, "begin_suppress_tokens": ct2cfg["suppress_ids_begin"],
        "suppress_tokens": ct2cfg["suppress_ids"], "tie_word_embeddings": True,
        "torch_dtype": dtype,
    }
    (dst / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    forced = ([[1, lang_to_id["<|en|>"]], [2, added["<|transcribe|>"]], [3, notimestamps]]
              if multilingual else [[1, notimestamps]])
    generation = {
        "decoder_start_token_id": sot, "bos_token_id": eot, "eos_token_id": eot,
        "pad_token_id": eot, "begin_suppress_tokens": ct2cfg["suppress_ids_begin"],
        "suppress_tokens": ct2cfg["suppress_ids"], "forced_decoder_ids": forced,
        "is_multilingual": multilingual, "max_length": config["max_target_positions"],
        "no_timestamps_token_id": notimestamps, "prev_sot_token_id": added["<|startofprev|>"],
        "alignment_heads": ct2cfg.get("alignment_heads", []),
    }
    if multilingual:
        generation["lang_to_id"] = lang_to_id
        generation["task_to_id"] = {"transcribe": added["<|transcribe|>"],
                                    "translate": added["<|translate|>"]}
    (dst / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n")
    preprocessor = {
        "chunk_length": 30, "feature_extractor_type": "WhisperFeatureExtractor",
        "feature_size": int(n_mels), "hop_length": 160, "n_fft": 400, "n_samples": 480000,
        "nb_max_frames": 3000, "padding_side": "right", "padding_value": 0.0,
        "processor_class": "WhisperProcessor", "return_attention_mask": False,
        "sampling_rate": 16000,
    }
    (dst / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2) + "\n")
    first = notimestamps + 1
    if vocab - first != TIMESTAMPS:
        raise ValueError(f"vocabulary {vocab}: expected {TIMESTAMPS} timestamp tokens after {first}")
    have = {t["id"] for t in tok["added_tokens"]}
    tok["added_tokens"] += [
        {"id": first + i, "content": f"<|{i * 0.02:.2f}|>", "single_word": False,
         "lstrip": False, "rstrip": False, "normalized": False, "special": False}
        for i in range(TIMESTAMPS) if first + i not in have]
    (dst / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    tokenizer_config = {
        "tokenizer_class": "WhisperTokenizer", "processor_class": "WhisperProcessor",
        "model_max_length": 1024, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "add_prefix_space": False,
        "errors": "replace", "clean_up_tokenization_spaces": False,
    }
    (dst / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n")
    return {"tensors": len(out), "layers": [enc_layers, dec_layers], "d_model": int(d_model),
            "vocab": int(vocab), "multilingual": multilingual}
