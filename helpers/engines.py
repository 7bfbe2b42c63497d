"""Other engines' native APIs: Hugging Face TGI's request and response schemas (from its published
OpenAPI spec, copied into lab/specs/), and translating request parameters between TGI's
`/generate`, vLLM's old demo `/generate` and the OpenAI-style `/v1/completions` (notebooks 40-43).

    from helpers.engines import tgi_errors, tgi_to_openai, openai_to_tgi
    tgi_errors({"inputs": "hi", "parameters": {"temperature": 0}})   # -> ["parameters.temperature: ..."]
    body, notes = tgi_to_openai(tgi_body, model="SmolLM2-135M-Instruct")
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

SPECS = Path(__file__).resolve().parent.parent / "lab" / "specs"
TGI_SPEC = SPECS / "tgi-3.3-openapi.json"


@lru_cache(maxsize=None)
def tgi_spec() -> dict:
    return json.loads(TGI_SPEC.read_text())


def _as_json_schema(node):
    """OpenAPI 3.0 -> JSON Schema: `nullable: true` becomes "or null", and component refs point
    into $defs. (TGI writes exclusiveMinimum as a number, which JSON Schema 2020-12 reads as meant.)"""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_json_schema(value) for key, value in node.items()
            if key not in ("example", "discriminator", "format")}
    if isinstance(node.get("$ref"), str):
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


@lru_cache(maxsize=None)
def _validator(schema_name: str):
    import jsonschema

    definitions = _as_json_schema(tgi_spec()["components"]["schemas"])
    if schema_name not in definitions:
        raise KeyError(f"TGI's spec has no schema {schema_name!r}; it has {', '.join(sorted(definitions))}")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$ref": f"#/$defs/{schema_name}", "$defs": definitions}
    return jsonschema.Draft202012Validator(schema)


def tgi_errors(instance, schema_name: str = "GenerateRequest") -> list[str]:
    """Why `instance` does not match TGI's schema (empty list: it matches), one line a reason,
    each starting with the path of the offending field."""
    def leaves(error):
        # "X or null" (how nullable fields are written): the reasons worth reading are X's.
        if error.validator == "anyOf" and error.context:
            first = [e for e in error.context if list(e.relative_schema_path)[:1] == [0]]
            if first:
                return [leaf for e in first for leaf in leaves(e)]
        return [error]

    lines = []
    for error in _validator(schema_name).iter_errors(instance):
        for leaf in leaves(error):
            path = ".".join(str(part) for part in leaf.absolute_path) or "(body)"
            lines.append(f"{path}: {leaf.message}")
    return sorted(set(lines))


def example_instance(schema_name: str):
    """An instance built from the `example` values the spec documents for each field (what the
    TGI docs show as a response example)."""
    schemas = tgi_spec()["components"]["schemas"]

    def build(node):
        if "$ref" in node:
            return build(schemas[node["$ref"].rsplit("/", 1)[1]])
        if "allOf" in node:
            return build(node["allOf"][0])
        if "oneOf" in node:
            return build(node["oneOf"][0])
        if "example" in node:
            return copy.deepcopy(node["example"])
        if node.get("type") == "object" or "properties" in node:
            return {key: build(value) for key, value in node.get("properties", {}).items()}
        if node.get("type") == "array":
            return [build(node["items"])]
        if "enum" in node:
            return node["enum"][0]
        return {"string": "", "integer": 0, "number": 0.0, "boolean": False}.get(node.get("type"))

    return build(schemas[schema_name])


# --- Translating request parameters ---------------------------------------------------------
# TGI parameter -> OpenAI /v1/completions field (vLLM accepts the vLLM-only ones as extra fields).
SAME_NAME = ("temperature", "top_p", "top_k", "seed", "frequency_penalty", "repetition_penalty",
             "stop")
RENAMED = {"max_new_tokens": "max_tokens", "return_full_text": "echo",
           "truncate": "truncate_prompt_tokens"}
NO_EQUIVALENT = {"watermark": "vLLM has no watermarking", "best_of": "vLLM 0.32 removed best_of",
                 "typical_p": "vLLM has no typical sampling", "adapter_id": "use the LoRA adapter's "
                 "name as `model` on vLLM"}

# The table the notebook prints: (TGI, OpenAI-style / vLLM, note).
TABLE = [
    ("inputs", "prompt", "TGI sends raw text, like /v1/completions (no chat template)"),
    ("max_new_tokens", "max_tokens", "same meaning"),
    ("do_sample: false (and no sampling parameter)", "temperature: 0", "greedy decoding; TGI rejects temperature 0"),
    ("do_sample: true (+ temperature t)", "temperature: t (1.0 if unset)", "TGI also samples when temperature, top_k, top_p or typical_p is set"),
    ("temperature, top_p, top_k, seed", "same names", "top_k is a vLLM extension"),
    ("repetition_penalty", "repetition_penalty", "vLLM extension; OpenAI has presence/frequency only"),
    ("frequency_penalty", "frequency_penalty", "same name"),
    ("stop (list, at most 4)", "stop (string or list)", "vLLM allows more"),
    ("top_n_tokens: k", "logprobs: k", "on /v1/chat/completions: logprobs: true + top_logprobs: k"),
    ("details: true", "logprobs: 0 + return_token_ids: true", "per-token logprobs and ids, finish reason, token count"),
    ("decoder_input_details: true", "prompt_logprobs: 0", "vLLM extension: logprobs of the prompt tokens"),
    ("return_full_text: true", "echo: true", "the prompt is repeated before the answer"),
    ("truncate: n", "truncate_prompt_tokens: n", "keep the last n prompt tokens"),
    ("grammar {type: json, value}", "structured_outputs {json: value}", "vLLM; OpenAI's response_format on chat"),
    ("grammar {type: regex, value}", "structured_outputs {regex: value}", "vLLM extension"),
    ("watermark, best_of, typical_p, adapter_id", "(none)", "dropped, with a note"),
]


def tgi_to_openai(body: dict, model: str) -> tuple[dict, list[str]]:
    """A TGI /generate (or /generate_stream, or MindIE's TGI-style) body as an OpenAI-style
    /v1/completions body for vLLM. Returns (body, notes on what could not be carried over)."""
    params = dict(body.get("parameters") or {})
    out: dict = {"model": model, "prompt": body["inputs"]}
    notes: list[str] = []
    if body.get("stream"):
        out["stream"] = True
    do_sample = params.pop("do_sample", None)
    for name in SAME_NAME:
        if params.get(name) is not None:
            out[name] = params[name]
        params.pop(name, None)
    # TGI samples when do_sample is true OR a sampling parameter moves off its neutral value
    # (its NextTokenChooser's "warpers"); otherwise it decodes greedily.
    warpers = (out.get("temperature", 1.0) != 1.0 or bool(out.get("top_k"))
               or out.get("top_p", 1.0) < 1.0 or (params.get("typical_p") or 1.0) < 1.0)
    if not (do_sample or warpers):
        out["temperature"] = 0
    elif "temperature" not in out:
        out["temperature"] = 1.0
    for tgi_name, openai_name in RENAMED.items():
        if params.get(tgi_name) is not None:
            out[openai_name] = params[tgi_name]
        params.pop(tgi_name, None)
    if params.get("top_n_tokens"):
        out["logprobs"] = params["top_n_tokens"]
        out["return_token_ids"] = True
    params.pop("top_n_tokens", None)
    if params.pop("details", None):
        out.setdefault("logprobs", 0)
        out["return_token_ids"] = True          # TGI's details carry each token's id
    if params.pop("decoder_input_details", None):
        out["prompt_logprobs"] = 0
    grammar = params.pop("grammar", None)
    if grammar:
        kind = {"json": "json", "json_schema": "json", "regex": "regex"}[grammar["type"]]
        value = grammar["value"]["schema"] if grammar["type"] == "json_schema" else grammar["value"]
        out["structured_outputs"] = {kind: value}
    for name, why in NO_EQUIVALENT.items():
        value = params.pop(name, None)
        if value not in (None, False, 1) or (name == "watermark" and value):
            notes.append(f"{name}={value!r} dropped: {why}")
    for name in params:
        notes.append(f"{name} dropped: no known equivalent")
    return out, notes


def openai_to_tgi(body: dict) -> tuple[dict, list[str]]:
    """An OpenAI-style /v1/completions body (vLLM extensions included) as a TGI /generate body.
    Returns (body, notes)."""
    body = dict(body)
    notes: list[str] = []
    prompt = body.pop("prompt")
    if not isinstance(prompt, str):
        raise ValueError("TGI takes one prompt string as `inputs`; send a list one prompt at a time")
    body.pop("model", None)
    params: dict = {}
    temperature = body.pop("temperature", 1.0)
    if temperature == 0:
        params["do_sample"] = False
    else:
        params["do_sample"] = True
        params["temperature"] = temperature
    for name in SAME_NAME:
        if name in body and name != "temperature":
            value = body.pop(name)
            params[name] = [value] if name == "stop" and isinstance(value, str) else value
    for tgi_name, openai_name in RENAMED.items():
        if openai_name in body:
            params[tgi_name] = body.pop(openai_name)
    logprobs = body.pop("logprobs", None)
    if logprobs:
        params["top_n_tokens"] = logprobs
        params["details"] = True
    elif logprobs == 0:
        params["details"] = True
    if body.pop("prompt_logprobs", None) is not None:
        params["decoder_input_details"] = True
    structured = body.pop("structured_outputs", None)
    if structured:
        kind, value = next(iter(structured.items()))
        params["grammar"] = {"type": {"json": "json", "regex": "regex"}[kind], "value": value}
    stream = body.pop("stream", False)
    body.pop("return_token_ids", None)           # TGI's details always carry the ids
    for name in body:
        notes.append(f"{name} dropped: TGI's /generate has no such parameter")
    out = {"inputs": prompt, "parameters": params}
    return out, notes + (["stream: send it to /generate_stream instead of /generate"] if stream else [])


def legacy_vllm_to_openai(body: dict, model: str) -> dict:
    """vLLM's old demo `POST /generate` body (prompt, n, temperature, max_tokens, ... : the
    SamplingParams as top-level fields) as a /v1/completions body: the names carry over."""
    out = {"model": model, **body}
    return out


# --- The seeds' TGI-style requests (../seeds 002), used by notebooks 41 and 43 ----------------
# Every body a notebook sends to a TGI-style /generate lives here, so that one test validates all.
TGI_EXAMPLES = {
    # The TGI documentation's example, as the seed copied it.
    "docs example": {
        "inputs": "My name is Olivier and I",
        "parameters": {"best_of": 1, "decoder_input_details": False, "details": True,
                       "do_sample": True, "frequency_penalty": 0.1, "grammar": None,
                       "max_new_tokens": 20, "repetition_penalty": 1.03, "return_full_text": False,
                       "seed": None, "stop": ["photographer"], "temperature": 0.5, "top_k": 10,
                       "top_n_tokens": 5, "top_p": 0.95, "truncate": None, "typical_p": 0.95,
                       "watermark": True}},
    # The seed's own /generate request.
    "seed generate": {
        "inputs": "如何才能拥有性感的身材?",
        "parameters": {"do_sample": True, "frequency_penalty": 0.1, "temperature": 0.5, "top_k": 10,
                       "top_n_tokens": 5, "max_new_tokens": 256}},
    # The seed's /generate_stream request.
    "seed generate_stream": {"inputs": "如何才能拥有性感的身材?", "parameters": {"max_new_tokens": 50}},
    # Greedy, with details: the form most clients need.
    "greedy with details": {
        "inputs": "保持健康的方法", "parameters": {"do_sample": False, "max_new_tokens": 32,
                                                 "details": True, "stop": ["\n\n"]}},
    # MindIE-service's TGI-style request from the seed (note the top-level "stream").
    "mindie generate": {
        "inputs": "保持健康的方法",
        "parameters": {"best_of": 1, "decoder_input_details": True, "details": True,
                       "do_sample": True, "max_new_tokens": 64, "repetition_penalty": 1.03,
                       "return_full_text": False, "seed": None, "stop": ["photographer"],
                       "temperature": 0.5, "top_n_tokens": 5, "top_p": 0.95, "truncate": None,
                       "typical_p": 0.95, "watermark": True},
        "stream": False},
}

# A body with the mistakes people make when they carry OpenAI habits over to TGI.
TGI_WRONG = {"inputs": "保持健康的方法",
             "parameters": {"max_tokens": 64, "max_new_tokens": "64", "temperature": 0,
                            "stop": ["a", "b", "c", "d", "e"]}}


def tgi_unknown_fields(body: dict) -> list[str]:
    """Fields TGI's spec does not define. The spec does not forbid extra fields (no
    `additionalProperties: false`), so nothing in it makes a server refuse them: an OpenAI habit
    such as `max_tokens` may simply do nothing. (Read from the spec, not observed on a TGI.)"""
    schemas = tgi_spec()["components"]["schemas"]
    known_top = set(schemas["CompatGenerateRequest"]["properties"])
    known_params = set(schemas["GenerateParameters"]["properties"])
    unknown = [name for name in body if name not in known_top]
    unknown += [f"parameters.{name}" for name in body.get("parameters") or {} if name not in known_params]
    return unknown


def openai_to_tgi_response(completion: dict) -> dict:
    """A vLLM /v1/completions answer (one choice, requested with `logprobs` and
    `return_token_ids: true`, as tgi_to_openai asks) in the shape of TGI's /generate answer, so
    that code written for TGI can read it. Every token carries its real id from vLLM's
    `token_ids`. TGI's `top_tokens` is left out: vLLM's `top_logprobs` names the alternatives by
    their text only, and a Token without its id would be invented."""
    choice = completion["choices"][0]
    if choice.get("token_ids") is None:
        raise ValueError("the completion has no token_ids: request it with \"return_token_ids\": true")
    if choice["finish_reason"] == "length":
        reason = "length"
    else:
        reason = "stop_sequence" if isinstance(choice.get("stop_reason"), str) else "eos_token"
    logprobs = choice.get("logprobs") or {}
    texts, values = logprobs.get("tokens", []), logprobs.get("token_logprobs", [])
    if texts and len(texts) != len(choice["token_ids"]):
        raise ValueError(f"{len(texts)} logprob entries for {len(choice['token_ids'])} token ids")
    # The one special token an answer can hold is the end-of-sequence token that ended it.
    last = len(choice["token_ids"]) - 1
    tokens = [{"id": token_id, "text": text, "logprob": value,
               "special": reason == "eos_token" and i == last}
              for i, (token_id, text, value) in enumerate(zip(choice["token_ids"], texts, values))]
    details = {"finish_reason": reason, "generated_tokens": completion["usage"]["completion_tokens"],
               "seed": None, "prefill": [], "tokens": tokens}
    return {"generated_text": choice["text"], "details": details}


# --- One port, several API styles (MindIE-service, notebook 43) -----------------------------
def engine_style(path: str, body: dict | None = None) -> str:
    """Which API style a request is written in, judged from its path and body."""
    path = urlsplit(path).path
    body = body or {}
    if path.endswith("/chat/completions"):
        return "openai-chat"
    if path.endswith("/v1/completions"):
        return "openai-completions"
    if path.endswith("/v1/models"):
        return "openai-models"
    if path.startswith("/v2/models/") or path == "/v2":
        return "kserve-v2"
    if path.rstrip("/") in ("", "/generate", "/generate_stream"):
        if "inputs" in body:
            return "tgi"
        if "prompt" in body:
            return "vllm-legacy"
    raise ValueError(f"no known API style for {path} with fields {sorted(body)}")


def for_vllm(path: str, body: dict | None, model: str) -> tuple[str, dict | None, list[str]]:
    """The request for vLLM's OpenAI-style server that does what (path, body) asked of another
    engine: (path, body, notes). The model name is replaced with `model`."""
    style = engine_style(path, body)
    if style == "openai-models":
        return "/v1/models", None, []
    if style in ("openai-chat", "openai-completions"):
        notes = [f"model {body['model']!r} -> {model!r}"] if body.get("model") not in (None, model) else []
        return ("/v1/chat/completions" if style == "openai-chat" else "/v1/completions",
                {**body, "model": model}, notes)
    if style == "tgi":
        converted, notes = tgi_to_openai(body, model)
        if path.rstrip("/").endswith("generate_stream"):
            converted["stream"] = True
        return "/v1/completions", converted, notes
    if style == "vllm-legacy":
        return "/v1/completions", legacy_vllm_to_openai(body, model), []
    raise ValueError("a KServe v2 request carries typed tensors for one model's own inputs: "
                     "there is no general translation (notebook 42)")
