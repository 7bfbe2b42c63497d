"""Looking at chat templates: the prompt a server really builds, and two prompts side by side.

`server_prompt()` asks the server (any vLLM: it uses /tokenize and /detokenize). The
`hand_written()` renderers are ILLUSTRATIONS of three template families, for comparison in the
lessons; never build prompts like this for a real model: send `messages` and let the server
apply the model's own template (or start it with --chat-template).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .errors import check
from .server import session


@dataclass(frozen=True)
class Prompt:
    """A prompt as the model sees it: its text and its token ids."""

    text: str
    tokens: list

    @property
    def count(self) -> int:
        return len(self.tokens)


def _post(endpoint, path: str, body: dict) -> dict:
    return check(session(endpoint).post(f"{endpoint.url}{path}", json=body)).json()


def server_prompt(endpoint, messages: list, **options) -> Prompt:
    """The prompt the server builds from `messages` with its chat template.

    options go to /tokenize as they would to /v1/chat/completions: add_generation_prompt,
    continue_final_message, chat_template_kwargs, ...
    """
    body = {"model": endpoint.model, "messages": messages, **options}
    tokens = _post(endpoint, "/tokenize", body)["tokens"]
    text = _post(endpoint, "/detokenize", {"model": endpoint.model, "tokens": tokens})["prompt"]
    return Prompt(text, tokens)


def text_prompt(endpoint, text: str) -> Prompt:
    """A raw prompt as /v1/completions sends it: no template, the text tokenized as it is."""
    tokens = _post(endpoint, "/tokenize", {"model": endpoint.model, "prompt": text})["tokens"]
    return Prompt(text, tokens)


def special_tokens_in(endpoint, text: str) -> list:
    """The template markers that `text` turns into when the server tokenizes it: tokens that are
    a whole `<...>` on their own (`<|im_start|>`), not text that merely looks like one."""
    body = {"model": endpoint.model, "prompt": text, "add_special_tokens": False,
            "return_token_strs": True}
    strs = _post(endpoint, "/tokenize", body)["token_strs"]
    return [s for s in strs if len(s) > 2 and s.startswith("<") and s.endswith(">")]


def neutralise(endpoint, text: str) -> str:
    """`text` with every template marker broken by a space after its `<` (`< |im_start|>`), so
    the server reads it as plain characters. Checked with the server's own tokenizer."""
    for marker in set(special_tokens_in(endpoint, text)):
        text = text.replace(marker, f"< {marker[1:]}")
    if special_tokens_in(endpoint, text):
        raise ValueError("markers remain after neutralising; refuse this text")
    return text


def visible(text: str) -> str:
    """Show line ends as ⏎, so a prompt's exact layout can be read."""
    return text.replace("\n", "⏎\n")


def compare(left: str, right: str, labels=("left", "right")) -> None:
    """Print two prompts line by line: '  ' in both, '- ' only in the left, '+ ' only in the right."""
    print(f"-  {labels[0]}\n+  {labels[1]}")
    a = visible(left).splitlines()
    b = visible(right).splitlines()
    for line in difflib.ndiff(a, b):
        if not line.startswith("?"):  # ndiff's intraline hints add noise here
            print(line)


# Three template families, written out by hand for comparison (see the module docstring).
FAMILIES = {
    # ChatML: Qwen, SmolLM2, Yi, ... (Qwen adds "You are a helpful assistant." as a default system
    # message; SmolLM2 adds its own; this renderer adds none.)
    "chatml": {
        "turn": {role: "<|im_start|>%s\n{content}<|im_end|>\n" % role
                 for role in ("system", "user", "assistant")},
        "generation": "<|im_start|>assistant\n",
        "begin": "",
    },
    # Llama 3 / 3.1 / 3.2 / 3.3
    "llama3": {
        "turn": {role: "<|start_header_id|>%s<|end_header_id|>\n\n{content}<|eot_id|>" % role
                 for role in ("system", "user", "assistant")},
        "generation": "<|start_header_id|>assistant<|end_header_id|>\n\n",
        "begin": "<|begin_of_text|>",
    },
    # Baichuan2-Chat: reserved tokens mark the turns (ids 195 and 196 in its vocabulary)
    "baichuan2": {
        "turn": {"system": "{content}", "user": "<reserved_106>{content}",
                 "assistant": "<reserved_107>{content}"},
        "generation": "<reserved_107>",
        "begin": "",
    },
}


def hand_written(family: str, messages: list, add_generation_prompt: bool = True) -> str:
    """ILLUSTRATION ONLY: `messages` rendered the way the given template family lays them out."""
    spec = FAMILIES[family]
    text = spec["begin"] + "".join(spec["turn"][m["role"]].format(content=m["content"])
                                   for m in messages)
    return text + (spec["generation"] if add_generation_prompt else "")
