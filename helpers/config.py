"""Where the servers are: base URLs, API keys and model ids, read from the environment.

The chat server follows the openai SDK's own variables, so one setting serves the SDK, the
`requests` examples and the `curl` lines alike:

    OPENAI_BASE_URL   chat server, with or without the trailing /v1   (default http://127.0.0.1:8000/v1)
    OPENAI_API_KEY    its API key, if it was started with --api-key   (default: none)
    CHAT_MODEL        model id to send; discovered from GET /v1/models when unset
    CHAT_TOOL_CALL_PARSER  the server's --tool-call-parser, if you know it (the lab sets hermes);
                      notebook 09 forces that parser's text format only where it is hermes

The pooling (embeddings / rerank / score) server has its own trio, POOLING_BASE_URL (default
http://127.0.0.1:8001/v1), POOLING_API_KEY (default: OPENAI_API_KEY) and POOLING_MODEL; a
speech-to-text server (notebook 50) a third, AUDIO_BASE_URL (no default: the lesson starts its own
Whisper), AUDIO_API_KEY and AUDIO_MODEL; a vLLM serving LoRA adapters (notebook 38) a fourth,
LORA_BASE_URL (no default: the lesson starts its own), LORA_API_KEY and LORA_MODEL. Precedence: an argument in code, the variable, the default.
(`make lab LAB_CHAT_MODEL=FOLDER-OR-HUB-ID` names what the lab serves; the lab then hands the
notebooks CHAT_MODEL set to the id it serves it under: lab/launcher.py.)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_URLS = {"chat": "http://127.0.0.1:8000", "pooling": "http://127.0.0.1:8001"}
# kind -> (base-url variable, api-key variables in order of preference, model variable)
VARIABLES = {
    "chat": ("OPENAI_BASE_URL", ("OPENAI_API_KEY",), "CHAT_MODEL"),
    "pooling": ("POOLING_BASE_URL", ("POOLING_API_KEY", "OPENAI_API_KEY"), "POOLING_MODEL"),
    "audio": ("AUDIO_BASE_URL", ("AUDIO_API_KEY", "OPENAI_API_KEY"), "AUDIO_MODEL"),
    "lora": ("LORA_BASE_URL", ("LORA_API_KEY", "OPENAI_API_KEY"), "LORA_MODEL"),
}


def server_root(url: str, variable: str = "base URL") -> str:
    """`http://h:8000/v1/` -> `http://h:8000`: the root that /health, /tokenize, ... hang from."""
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{variable}={url!r} is not a URL: write it as http://HOST:PORT/v1 "
            "(for example http://127.0.0.1:8000/v1).")
    if cleaned.endswith("/v1"):
        cleaned = cleaned[: -len("/v1")]
    return cleaned


@dataclass(frozen=True)
class Settings:
    """One server's address, key and model, plus where each value came from."""

    kind: str
    url: str                      # server root, no trailing /v1
    api_key: str | None = None
    model: str | None = None      # None: ask the server (GET /v1/models)
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def v1(self) -> str:
        """The OpenAI-style base URL (what the openai SDK calls base_url)."""
        return f"{self.url}/v1"

    @property
    def headers(self) -> dict:
        """Headers every request needs: the bearer token when there is a key, nothing else."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}


def settings_for(kind: str = "chat", *, base_url: str | None = None, api_key: str | None = None,
                 model: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Resolve one server's settings: argument > environment variable > default."""
    if kind not in VARIABLES:
        raise ConfigError(f"unknown server kind {kind!r}: use 'chat', 'pooling', 'audio' or 'lora'.")
    env = os.environ if env is None else env
    url_var, key_vars, model_var = VARIABLES[kind]
    sources = {}

    if base_url:
        url, sources["url"] = server_root(base_url, "base_url"), "argument"
    elif env.get(url_var, "").strip():
        url, sources["url"] = server_root(env[url_var], url_var), url_var
    elif kind in DEFAULT_URLS:
        url, sources["url"] = DEFAULT_URLS[kind], "default"
    else:
        raise ConfigError(f"{url_var} is not set: point it at your server (http://HOST:PORT/v1).")

    key = api_key
    sources["api_key"] = "argument" if api_key else "none"
    if not key:
        for var in key_vars:
            if env.get(var, "").strip():
                key, sources["api_key"] = env[var].strip(), var
                break

    chosen = model or env.get(model_var, "").strip() or None
    sources["model"] = "argument" if model else (model_var if chosen else "discovered")
    return Settings(kind=kind, url=url, api_key=key or None, model=chosen, sources=sources)
