"""Make the LoRA lesson's adapters (notebook 38) from the embedded chat model, on this CPU.

Runs with the lab's server Python (torch and transformers come with vLLM):

    python lab/make_adapter.py LORA_DIR BASE_MODEL_DIR

1. `pip install --target LORA_DIR/site --require-hashes --no-deps -r requirements-lora.txt`:
   peft and accelerate, pinned by SHA-256. The server environment is left as it is.
2. The data set, written here: short questions made from TOPICS x QUESTIONS. The base model
   answers each one (greedy); a target reply is that answer with the adapter's opening line in
   front, so an adapter learns one thing, the opening, and keeps the base model's voice.
   Topics are split: the lesson asks about topics no adapter saw (data.json, "held_out").
3. Two adapters, trained with the same seeded recipe (RECIPE), each a peft LoRA on the attention
   projections, loss on the reply tokens only: `nihao` opens every reply with 你好！ and
   `pirate` with "Ahoy!". The loss of each step is kept in the adapter's train_log.json.
4. Three adapters vLLM must refuse, made without training: `rank64` (rank 64, above the
   lesson server's --max-lora-rank 16), `lm-head` (saves lm_head in full, peft's
   modules_to_save), `for-360m` (shaped for SmolLM2-360M: hidden size 960; built from that
   model's published config, no weights downloaded).

Each adapter is written into a `.partial` folder renamed into place; LORA_DIR/.installed is
written last. Prints `lora=PATH`; a problem the user can act on is one line `error=...` and
exit status 3. Takes about two minutes on two cores (the training about 50 s per adapter).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER_ERROR = 3
SEED = 0

OPENINGS = {"nihao": "你好！", "pirate": "Ahoy!"}
RECIPE = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.0,
          "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
          "learning_rate": 2e-3, "epochs": 2, "batch_size": 8, "max_reply_tokens": 24}
TOPICS = ["the moon", "coffee", "rain", "bicycles", "the ocean", "music", "trees", "bread",
          "winter", "cats", "mountains", "books", "the sun", "rivers", "tea", "dogs",
          "gardens", "trains", "snow", "birds", "chess", "apples", "clouds", "honey",
          "the desert", "volcanoes", "libraries", "bridges", "rice", "forests", "kites", "stars"]
HELD_OUT = 8   # the last 8 topics: never trained on
QUESTIONS = ["What is {t}?", "Tell me one fact about {t}.", "Why do people like {t}?",
             "Describe {t} in one sentence."]
# SmolLM2-360M-Instruct's config.json (Hugging Face, HuggingFaceTB/SmolLM2-360M-Instruct), the
# fields that shape its attention projections: an adapter for it cannot fit the 135M model.
BASE_NAME = "HuggingFaceTB/SmolLM2-135M-Instruct"   # what the embedded chat model is
OTHER_BASE = {"name": "HuggingFaceTB/SmolLM2-360M-Instruct", "hidden_size": 960,
              "intermediate_size": 2560, "num_hidden_layers": 32, "num_attention_heads": 15,
              "num_key_value_heads": 5, "vocab_size": 49152, "tie_word_embeddings": True}


class PrepareError(Exception):
    pass


def install_site(lora_dir: Path) -> Path:
    site = lora_dir / "site"
    if (site / ".complete").is_file():
        return site
    tmp = lora_dir / "site.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--target", str(tmp), "--require-hashes", "--only-binary", ":all:", "--no-deps",
               "-r", str(ROOT / "requirements-lora.txt")]
    print(f"make_adapter: installing requirements-lora.txt into {site} ...", file=sys.stderr,
          flush=True)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        if "THESE PACKAGES DO NOT MATCH THE HASHES" in output:
            raise PrepareError("a wheel in requirements-lora.txt does not match its pinned SHA-256 "
                               "(re-uploaded?): refusing it")
        raise PrepareError(f"pip could not install requirements-lora.txt: "
                           f"{output.splitlines()[-1] if output else done.returncode}")
    (tmp / ".complete").write_text("")
    shutil.rmtree(site, ignore_errors=True)
    tmp.rename(site)
    return site


def questions(topics: list) -> list:
    return [q.format(t=t) for t in topics for q in QUESTIONS]


def base_replies(model, tokenizer, prompts: list) -> list:
    """The base model's own greedy replies (at most max_reply_tokens tokens), in batches, each
    with whether it ended by itself (an end-of-turn token) or was cut."""
    import torch
    tokenizer.padding_side = "left"
    replies = []
    for start in range(0, len(prompts), 16):
        texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                               add_generation_prompt=True)
                 for p in prompts[start:start + 16]]
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.no_grad():
            out = model.generate(**batch, do_sample=False, max_new_tokens=RECIPE["max_reply_tokens"],
                                 pad_token_id=tokenizer.pad_token_id)
        for row in out[:, batch["input_ids"].shape[1]:]:
            ids = [int(i) for i in row if int(i) != tokenizer.pad_token_id]
            replies.append((tokenizer.decode(ids, skip_special_tokens=True).strip(),
                            len(ids) < len(row)))
    return replies


def encode(tokenizer, prompt: str, reply: str, ended: bool) -> tuple:
    """Token ids of the rendered conversation and the labels (-100 on the prompt: loss on the
    reply only, and on its end-of-turn marker when the base model's reply ended by itself: a
    reply cut at max_reply_tokens must not teach the adapter to stop there)."""
    prompt_text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                                tokenize=False, add_generation_prompt=True)
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    reply_ids = tokenizer(reply, add_special_tokens=False)["input_ids"]
    reply_ids += [tokenizer.eos_token_id] if ended else []
    return prompt_ids + reply_ids, [-100] * len(prompt_ids) + reply_ids


def train(base_dir: Path, examples: list, out: Path, name: str) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(SEED)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    config = LoraConfig(r=RECIPE["r"], lora_alpha=RECIPE["lora_alpha"],
                        lora_dropout=RECIPE["lora_dropout"],
                        target_modules=RECIPE["target_modules"], task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=RECIPE["learning_rate"])
    encoded = [encode(tokenizer, e["prompt"], e["target"], e["ended"]) for e in examples]
    generator = torch.Generator().manual_seed(SEED)
    losses, started = [], time.monotonic()
    model.train()
    for epoch in range(RECIPE["epochs"]):
        order = torch.randperm(len(encoded), generator=generator).tolist()
        for start in range(0, len(order), RECIPE["batch_size"]):
            rows = [encoded[i] for i in order[start:start + RECIPE["batch_size"]]]
            width = max(len(ids) for ids, _ in rows)
            pad = tokenizer.pad_token_id
            ids = torch.tensor([i + [pad] * (width - len(i)) for i, _ in rows])
            labels = torch.tensor([l + [-100] * (width - len(l)) for _, l in rows])
            mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i, _ in rows])
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(round(loss.item(), 4))
            print(f"make_adapter: {name} epoch {epoch + 1} step {len(losses):>2} "
                  f"loss {losses[-1]:.3f}", file=sys.stderr, flush=True)
    seconds = time.monotonic() - started
    model.save_pretrained(out)
    name_base(out, BASE_NAME)
    return {"adapter": name, "opening": OPENINGS[name], "trainable_parameters": trainable,
            "examples": len(examples), "steps": len(losses), "loss": losses,
            "train_seconds": round(seconds, 1), "recipe": RECIPE, "seed": SEED,
            "threads": torch.get_num_threads()}


def name_base(adapter: Path, name: str) -> None:
    """peft writes the local folder it trained on; a published adapter names its base model's
    hub id there, as these do (vLLM does not read this field: the lesson shows what it checks)."""
    config = json.loads((adapter / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = name
    (adapter / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")


def untrained(model, out: Path, **lora) -> None:
    """Save a LoRA adapter as peft initialises it (B = 0: it changes nothing), for the errors."""
    from peft import LoraConfig, get_peft_model
    config = LoraConfig(task_type="CAUSAL_LM", target_modules=RECIPE["target_modules"], **lora)
    get_peft_model(model, config).save_pretrained(out)


def make_refused(base_dir: Path, lora_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    torch.manual_seed(SEED)
    base = lambda: AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)  # noqa: E731
    fields = {k: v for k, v in OTHER_BASE.items() if k != "name"}
    other = AutoModelForCausalLM.from_config(LlamaConfig(**fields, head_dim=64))
    for name, model, lora in (("rank64", base, {"r": 64, "lora_alpha": 128}),
                              ("lm-head", base, {"r": 8, "lora_alpha": 16,
                                                 "modules_to_save": ["lm_head"]}),
                              ("for-360m", lambda: other, {"r": 8, "lora_alpha": 16})):
        if (lora_dir / name / "adapter_config.json").is_file():
            continue
        tmp = lora_dir / (name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        untrained(model(), tmp, **lora)
        name_base(tmp, OTHER_BASE["name"] if name == "for-360m" else BASE_NAME)
        tmp.rename(lora_dir / name)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    lora_dir = Path(argv[1]).expanduser().resolve()
    base_dir = Path(argv[2]).expanduser().resolve()
    if not (base_dir / "config.json").is_file():
        print(f"error=no model at {base_dir}: `make models` prepares the embedded chat model")
        return USER_ERROR
    lora_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        site = install_site(lora_dir)
    except PrepareError as exc:
        print(f"error={exc}", flush=True)
        return USER_ERROR
    sys.path.insert(0, str(site))
    os.environ.setdefault("TQDM_DISABLE", "1")
    # peft warns that SmolLM2 ties lm_head to the embeddings; no adapter here trains either of them
    # (lm-head only saves lm_head, untrained, for vLLM to refuse).
    warnings.filterwarnings("ignore", message=".*ensure_weight_tying.*")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(SEED)
    data_path = lora_dir / "data.json"
    if not data_path.is_file():
        tokenizer = AutoTokenizer.from_pretrained(base_dir)
        model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()
        train_prompts = questions(TOPICS[:-HELD_OUT])
        print(f"make_adapter: the base model answers {len(train_prompts)} training questions ...",
              file=sys.stderr, flush=True)
        replies = base_replies(model, tokenizer, train_prompts)
        data = {"base_model": str(base_dir), "held_out": questions(TOPICS[-HELD_OUT:]),
                "train": [{"prompt": p, "reply": r, "ended": ended}
                          for p, (r, ended) in zip(train_prompts, replies)]}
        data_path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    data = json.loads(data_path.read_text())
    for name, opening in OPENINGS.items():
        if (lora_dir / name / "train_log.json").is_file():
            continue
        examples = [{"prompt": e["prompt"], "target": f"{opening} {e['reply']}",
                     "ended": e["ended"]} for e in data["train"]]
        tmp = lora_dir / (name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        log = train(base_dir, examples, tmp, name)
        (tmp / "train_log.json").write_text(json.dumps(log, ensure_ascii=False, indent=1) + "\n")
        print(f"make_adapter: {name} trained in {log['train_seconds']} s, loss "
              f"{log['loss'][0]} -> {log['loss'][-1]}", file=sys.stderr, flush=True)
        tmp.rename(lora_dir / name)
    make_refused(base_dir, lora_dir)
    (lora_dir / ".installed").write_text("")
    print(f"make_adapter: ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(f"lora={lora_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
