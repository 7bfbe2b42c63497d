"""Looking at chat templates: the prompt a server really builds, and two prompts side by side.

`server_prompt()` asks the server (any vLLM: it uses /tokenize and /detokenize). `layout()`
reads from the server's own renderings how its template lays out turns (which markers, what it
adds when no system message is sent, the generation prompt), so a lesson works whatever the
model family. The `hand_written()` renderers are ILLUSTRATIONS of three template families, for
comparison in the lessons; never build prompts like this for a real model: send `messages` and
let the server apply the model's own template (or start it with --chat-template).
`render_file()` renders a real template file (such as the copy of Qwen3's in lab/specs/) locally
with jinja2, the way transformers does, for templates no server here runs.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

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


def answer_logprobs(endpoint, messages: list, start: str, answer: str) -> list:
    """[(token, log-probability)] of `answer`'s tokens, when the assistant's reply to `messages`
    begins with `start` (`start="Your name is", answer=" Li Congming"`).

    Works with any chat template: the server renders the conversation with the assistant's turn
    left open (/tokenize with continue_final_message, as /v1/chat/completions would continue it),
    and /v1/completions scores that prompt's own tokens with `prompt_logprobs`. A model's
    probabilities are a stronger witness than what a small model writes at temperature 0.
    """
    def render(text):
        return server_prompt(endpoint, messages + [{"role": "assistant", "content": text}],
                             add_generation_prompt=False, continue_final_message=True).tokens

    head, full = render(start), render(start + answer)
    if full[:len(head)] != head or len(full) == len(head):
        raise ValueError(f"{answer!r} must add tokens at the end of the rendered prompt; "
                         "start it with a space or end `start` where a word ends")
    body = {"model": endpoint.model, "prompt": full, "max_tokens": 1, "prompt_logprobs": 0}
    scored = _post(endpoint, "/v1/completions", body)["choices"][0]["prompt_logprobs"]
    return [(scored[i][str(full[i])]["decoded_token"], scored[i][str(full[i])]["logprob"])
            for i in range(len(head), len(full))]


# What a template marker looks like: `<|im_start|>`, `<|eot_id|>`, `<reserved_106>`, `<s>`, `</s>`.
MARKER = re.compile(r"</?\|?[A-Za-z_][\w.-]*\|?>")


def markers_in(text: str) -> list:
    """The `<...>` markers in `text`, in order of appearance (repeats included)."""
    return MARKER.findall(text)


def family_of(text: str) -> str:
    """Which template family a RENDERED prompt belongs to, judged by its markers:
    "chatml", "llama3", "baichuan2", or "unknown"."""
    for family, marker in (("chatml", "<|im_start|>"), ("llama3", "<|start_header_id|>"),
                           ("baichuan2", "<reserved_106>")):
        if marker in text:
            return family
    return "unknown"


@dataclass(frozen=True)
class Layout:
    """How a server's chat template lays out a conversation, read from the server's renderings
    of probe messages (see `layout()`); nothing here is assumed about the model."""

    family: str               # family_of() the rendered prompt
    markers: tuple            # the distinct markers the template writes, in order
    default_system: str | None  # None: no system turn unless you send one; else the text it adds ("" = empty turn)
    system_header: str        # what comes before your system message's text
    between: str              # what comes between a system message's text and the next user text
    end_of_user: str          # what follows a user message's text (the end of its turn)
    generation_prompt: str    # what add_generation_prompt=True appends
    turn_marker: str | None   # the marker that opens every turn (the first in the generation prompt)

    def turn(self, role_text: str, user_text: str, prefix: str = "") -> str:
        """Text that, pasted inside a user message, closes that turn, opens a system turn with
        `role_text` and reopens a user turn with `user_text`: an injection, built from the
        server's own layout. For demonstrations of the attack only."""
        return (prefix + self.end_of_user + self.system_header + role_text + self.between
                + user_text)

    def turns_in(self, text: str) -> int:
        """How many turns a rendered prompt opens (counting `turn_marker`)."""
        return text.count(self.turn_marker) if self.turn_marker else 0


_SYSTEM, _USER = "SYSTEM-PROBE-TEXT", "USER-PROBE-TEXT"


def layout(endpoint) -> Layout:
    """Read the server's template layout from three renderings of probe messages."""
    user_only = server_prompt(endpoint, [{"role": "user", "content": _USER}],
                              add_generation_prompt=False).text
    with_gen = server_prompt(endpoint, [{"role": "user", "content": _USER}]).text
    own = server_prompt(endpoint, [{"role": "system", "content": _SYSTEM},
                                   {"role": "user", "content": _USER}],
                        add_generation_prompt=False).text
    if not (with_gen.startswith(user_only) and _USER in user_only and _SYSTEM in own):
        raise ValueError("this server's template does not render the probe messages plainly")
    s, u = own.index(_SYSTEM), own.index(_USER)
    system_header, between, end_of_user = own[:s], own[s + len(_SYSTEM):u], own[u + len(_USER):]
    generation = with_gen[len(user_only):]
    # Without a system message: is the same system turn there, with other text (or none)?
    tail = between + _USER + end_of_user
    if user_only.startswith(system_header) and user_only.endswith(tail):
        default = user_only[len(system_header):len(user_only) - len(tail)]
    else:
        default = None
    found = tuple(dict.fromkeys(markers_in(own + generation)))
    gen_markers = markers_in(generation)
    return Layout(family_of(own + generation), found, default, system_header, between, end_of_user,
                  generation, gen_markers[0] if gen_markers else None)


def special_tokens_in(endpoint, text: str) -> list:
    """The template markers that `text` turns into when the server tokenizes it: tokens that are
    a whole `<...>` on their own (`<|im_start|>`), not text that merely looks like one."""
    body = {"model": endpoint.model, "prompt": text, "add_special_tokens": False,
            "return_token_strs": True}
    strs = _post(endpoint, "/tokenize", body)["token_strs"]
    return [s for s in strs if len(s) > 2 and s.startswith("<") and s.endswith(">")]


def neutralise(endpoint, text: str, markers=None) -> str:
    """`text` with every template marker broken by a space after its `<` (`< |im_start|>`), so
    it is plain characters to the server. The markers are those the server's tokenizer turns into
    special tokens, plus those its chat template writes (`layout().markers`: on a server whose
    template markers are ordinary text for its tokenizer, these are the ones that matter).
    Checked again afterwards with the server's own tokenizer and template markers."""
    if markers is None:
        markers = layout(endpoint).markers
    found = set(special_tokens_in(endpoint, text)) | {m for m in markers if m in text}
    for marker in sorted(found, key=len, reverse=True):
        text = text.replace(marker, f"< {marker[1:]}")
    if special_tokens_in(endpoint, text) or any(m in text for m in markers):
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
# What each model's own template adds on top (a default system message, a date header, a
# reasoning block) differs by model and version; `layout()` reads it from a live server, and
# `render_file()` renders a real template file. These renderers add nothing of the kind.
FAMILIES = {
    # ChatML: Qwen, SmolLM2, Yi, ...
    "chatml": {
        "turn": {role: "<|im_start|>%s\n{content}<|im_end|>\n" % role
                 for role in ("system", "user", "assistant")},
        "generation": "<|im_start|>assistant\n",
        "begin": "",
    },
    # Llama 3 / 3.1 / 3.2 / 3.3 (3.1+ templates also write a dated system header: see notebook 11)
    "llama3": {
        "turn": {role: "<|start_header_id|>%s<|end_header_id|>\n\n{content}<|eot_id|>" % role
                 for role in ("system", "user", "assistant")},
        "generation": "<|start_header_id|>assistant<|end_header_id|>\n\n",
        "begin": "<|begin_of_text|>",
    },
    # Baichuan2-Chat: reserved tokens mark the turns (the seed sends "<reserved_106>...<reserved_107>")
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


SPECS = Path(__file__).resolve().parent.parent / "lab" / "specs"


def render_file(path, messages: list, add_generation_prompt: bool = True, **variables) -> str:
    """Render a chat template FILE locally with jinja2, as transformers' apply_chat_template does
    (sandboxed, trim_blocks, lstrip_blocks, loop controls, `tojson`, `raise_exception`).
    `variables` are what a request's `chat_template_kwargs` would pass (e.g. enable_thinking)."""
    import json

    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = lambda value, indent=None: json.dumps(value, ensure_ascii=False,
                                                                  indent=indent)
    env.globals["raise_exception"] = raise_exception
    template = env.from_string(Path(path).read_text(encoding="utf-8"))
    return template.render(messages=messages, add_generation_prompt=add_generation_prompt,
                           **variables)
