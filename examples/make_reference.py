#!/usr/bin/env python3
"""Write REFERENCE.md from the headers of the example scripts, so the page cannot drift from them.

    python3 examples/make_reference.py          # rewrite REFERENCE.md
    python3 examples/make_reference.py --check  # exit 1 if REFERENCE.md differs (tests/test_examples.py)

Each examples/FAMILY/NAME.py that documents routes starts with a docstring like:

    \"\"\"What the script does, in one line.

    route: POST /v1/chat/completions  what the route is for
    body: {"model": "$CHAT_MODEL", ...}          the smallest body that works (optional; JSON)
    expect: 404                             the status the lab's server gives (optional; default 200)
    server: pooling                         chat (default), pooling, triton, tools or lora; applies to the script
    notebook: 01_chat_completions.ipynb
    \"\"\"

"$CHAT_MODEL" / "$POOLING_MODEL" in a body and {id} / {model} in a path become shell variables in the
curl line. tests/test_examples.py runs every curl line this page shows, and every script.
"""
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
ROOT = EXAMPLES.parent
REFERENCE = ROOT / "REFERENCE.md"

# Folder -> section title, in the order the page lists them (the notebooks' order).
FAMILIES = {
    "ops": "Server status and models",
    "tokens": "Tokens and the chat template",
    "chat": "Chat completions",
    "completions": "Completions",
    "streaming": "Streaming",
    "responses": "Responses API",
    "messages": "Anthropic Messages API",
    "structured": "Structured output",
    "tools": "Tool calling",
    "reasoning": "Reasoning output",
    "generate": "Tokens in, tokens out",
    "embeddings": "Embeddings",
    "rerank": "Rerank",
    "score": "Score",
    "pooling": "Pooling",
    "classify": "Classify",
    "metrics": "Metrics",
    "keys": "API keys",
    "lora": "LoRA adapters",
    "audio": "Speech to text",
    "triton": "Triton Inference Server (KServe v2)",
}
# Within a family, these come first, in this order; the rest follow by name.
LEADS = ["health", "models", "openapi", "tokenize", "render", "embeddings", "embed_v2", "responses"]
BASES = {"chat": "$CHAT", "pooling": "$POOLING", "triton": "$TRITON", "tools": "$TOOLS", "lora": "$LORA",
         "audio": "$AUDIO"}
PATH_VARS = {"{id}": "$RESPONSE_ID", "{model}": "$TRITON_MODEL"}
MODEL_VARS = ("$CHAT_MODEL", "$POOLING_MODEL", "$ADAPTER", "$LORA_PATH")


@dataclass
class Route:
    method: str
    path: str
    purpose: str
    body: str | None = None
    form: str | None = None      # a multipart form instead: "name=value name=@file ..." (curl -F)
    expect: int = 200


@dataclass
class Script:
    path: Path
    family: str
    title: str
    server: str = "chat"
    notebook: str = ""
    routes: list = field(default_factory=list)


def parse(path: Path) -> Script | None:
    """The routes a script's docstring declares; None for a script that declares none."""
    match = re.match(r'(?:#![^\n]*\n)?"""(.*?)"""', path.read_text(), re.S)
    if not match or "\nroute: " not in match.group(1):
        return None
    lines = match.group(1).strip().splitlines()
    script = Script(path, path.parent.name, lines[0].strip())
    for line in lines[1:]:
        key, _, value = line.partition(": ")
        if key == "route":
            method, route_path, purpose = value.split(" ", 2)
            script.routes.append(Route(method, route_path, purpose.strip()))
        elif key == "body":
            json.loads(value)  # a body that is not JSON stops the generator
            script.routes[-1].body = value
        elif key == "form":
            script.routes[-1].form = value.strip()
        elif key == "expect":
            script.routes[-1].expect = int(value)
        elif key in ("server", "notebook"):
            setattr(script, key, value.strip())
    if script.server not in BASES or not (ROOT / "notebooks" / script.notebook).is_file():
        raise SystemExit(f"{path}: server must be one of {list(BASES)} and notebook an existing notebook")
    return script


def scripts() -> list[Script]:
    found = [s for p in sorted(EXAMPLES.glob("*/*.py")) if (s := parse(p))]
    order = list(FAMILIES)
    lead = {stem: i for i, stem in enumerate(LEADS)}
    return sorted(found, key=lambda s: (order.index(s.family), lead.get(s.path.stem, len(LEADS)), s.path.name))


def curl_line(script: Script, route: Route) -> str:
    url = BASES[script.server] + route.path
    for placeholder, variable in PATH_VARS.items():
        url = url.replace(placeholder, variable)
    if route.form:            # multipart: one -F per field, double quotes so variables expand
        fields = " ".join(f'-F "{field}"' for field in route.form.split())
        return f"curl -s {url} {fields}"
    if route.body is None:
        return f"curl -s {'' if route.method == 'GET' else '-X ' + route.method + ' '}{url}"
    body = route.body
    for variable in MODEL_VARS:  # close the single quotes around the shell variable
        body = body.replace(f'"{variable}"', f'"\'"{variable}"\'"')
    streams = '"stream": true' in body      # -N: print each event as it arrives, unbuffered
    return f"curl -s{' -N' if streams else ''} {url} -H 'Content-Type: application/json' \\\n  -d '{body}'"


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def siblings(script: Script) -> list[str]:
    """NAME.py, NAME.sh and NAME_sdk.py, those that exist, as links."""
    stem = script.path.with_suffix("")
    names = [p for p in (script.path, stem.with_suffix(".sh"), Path(f"{stem}_sdk.py")) if p.exists()]
    return [f"[{p.name}]({p.relative_to(ROOT).as_posix()})" for p in names]


HEAD = """# Route reference

<!-- Generated by examples/make_reference.py from the example scripts' headers: do not edit by hand.
     tests/test_examples.py fails when this page differs from what the generator writes. -->

Every HTTP route the notebooks teach: its method, what it is for, the smallest body that works,
the `curl` line, and the notebook and the standalone scripts ([examples/](examples/)) that show it.
The tests run every `curl` line below and every script against the lab's servers (the tool-calling
ones against a second chat server that the tests start with a tool-call parser).

The `curl` lines read these shell variables (the scripts read `OPENAI_BASE_URL`, `OPENAI_API_KEY`,
`CHAT_MODEL`, `POOLING_BASE_URL`, `POOLING_API_KEY`, `POOLING_MODEL`, `TRITON_URL`, `TRITON_MODEL`, and
`LORA_BASE_URL`, `LORA_API_KEY`, `LORA_PATH`, `LORA_NAME`):

```bash
CHAT=http://127.0.0.1:8000        # the chat server's root (OPENAI_BASE_URL without /v1)
POOLING=http://127.0.0.1:8001     # the embeddings / rerank / score server
CHAT_MODEL=$(curl -s $CHAT/v1/models | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')
POOLING_MODEL=$(curl -s $POOLING/v1/models | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')
TRITON=http://127.0.0.1:8000 TRITON_MODEL=smollm2   # a Triton server (notebook 42 starts one)
TOOLS=$CHAT                       # a chat server with --enable-auto-tool-choice --tool-call-parser NAME (the lab's has them)
RESPONSE_ID=resp_...              # the "id" a POST /v1/responses returned (with "store": true)
LORA=$CHAT                        # a vLLM with --enable-lora, started with VLLM_ALLOW_RUNTIME_LORA_UPDATING=true (notebook 38 starts one)
ADAPTER=pirate LORA_PATH=/path/to/adapter   # a name for the adapter, and its folder on the server's machine
AUDIO=$CHAT AUDIO_MODEL=$CHAT_MODEL   # a Whisper vLLM (notebook 50 starts one; the lab's chat server answers 404), and speech.wav: your recording
```

In a "Smallest body", `"$CHAT_MODEL"` and `"$POOLING_MODEL"` stand for the model id (`"$ADAPTER"` and
`"$LORA_PATH"` for an adapter's name and folder); the `curl` line fills it in from the shell variable.

A server started with `--api-key` also wants `-H "Authorization: Bearer $OPENAI_API_KEY"` on every
route under `/v1`, `/v2`, `/inference` and `/cohere`. Add `| python3 -m json.tool --no-ensure-ascii`
to a line to pretty-print its answer (Chinese stays readable).
"""


def headings(found: list[Script]) -> dict:
    """(script, route index) -> its heading; a route shown twice (e.g. streaming) names its script."""
    result, seen = {}, set()
    for s in found:
        for i, r in enumerate(s.routes):
            text = f"`{r.method} {r.path}`"
            if text in seen:
                text += f" ({s.path.stem})"
            seen.add(text)
            result[s.path, i] = text
    return result


def render() -> str:
    found = scripts()
    titles = headings(found)
    out = [HEAD, "## All routes\n", "| route | what it is for | notebook | scripts |", "| --- | --- | --- | --- |"]
    for s in found:
        for i, r in enumerate(s.routes):
            purpose = r.purpose.replace("|", "\\|")   # a | inside a cell would end it
            out.append(f"| [{titles[s.path, i]}](#{anchor(titles[s.path, i])}) | {purpose} "
                       f"| [{s.notebook[:2]}](notebooks/{s.notebook}) | {', '.join(siblings(s))} |")
    family = None
    for s in found:
        if s.family != family:
            family = s.family
            out.append(f"\n## {FAMILIES[family]}\n")
        out.append(f"*{s.title}* Notebook: [{s.notebook}](notebooks/{s.notebook}); "
                   f"scripts: {', '.join(siblings(s))}.\n")
        for i, r in enumerate(s.routes):
            out.append(f"### {titles[s.path, i]}\n\n{r.purpose[0].upper()}{r.purpose[1:]}.")
            if r.expect != 200:
                out.append(f"The lab's server answers HTTP {r.expect} here: see the script.")
            if r.body:
                out.append(f"\nSmallest body:\n\n```json\n{r.body}\n```")
            if r.form:
                out.append(f"\nA multipart form (not JSON): `{r.form}`.")
            out.append(f"\n```bash\n{curl_line(s, r)}\n```\n")
    out.append("## The original post's scripts\n\nThe scripts of the original post (the Chinese blog post's `chat_completions.py` / `.sh` and "
               "`completions.py` / `.sh`), adapted to these variables: [examples/original_post/](examples/original_post/).")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not REFERENCE.exists() or REFERENCE.read_text() != text:
            print("REFERENCE.md is stale: run python3 examples/make_reference.py", file=sys.stderr)
            return 1
        return 0
    REFERENCE.write_text(text)
    print(f"wrote {REFERENCE.relative_to(ROOT)}: {sum(len(s.routes) for s in scripts())} routes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
