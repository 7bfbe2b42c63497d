"""Finding a server and handing out clients that point at it."""
from __future__ import annotations

from dataclasses import dataclass

import requests

from .config import Settings, settings_for
from .errors import APIError, ConfigError, ServerUnavailable, explain, http_error

# Seconds to wait for a connection and for an answer. Generation on a CPU is slow, so the read
# timeout is generous; pass timeout= to a call for anything longer.
TIMEOUT = (5, 120)


class _TimeoutSession(requests.Session):
    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)  # requests itself would wait forever
        return super().request(method, url, **kwargs)


def session(server=None, timeout=TIMEOUT) -> requests.Session:
    """A requests session with default (connect, read) timeouts that sends the server's bearer
    token, if it has one, on every call. `server` is an Endpoint or Settings (or None)."""
    s = _TimeoutSession(timeout)
    if server is not None:
        s.headers.update(server.headers)
    return s


@dataclass(frozen=True)
class Endpoint:
    """A server that answered: its settings, the model id to send, and the vLLM version."""

    settings: Settings
    model: str
    models: tuple
    version: str | None
    max_model_len: int | None = None

    @property
    def url(self) -> str:
        return self.settings.url

    @property
    def v1(self) -> str:
        return self.settings.v1

    @property
    def headers(self) -> dict:
        return self.settings.headers

    @property
    def api_key(self) -> str | None:
        return self.settings.api_key

    def openai(self, **kwargs):
        """An `openai.OpenAI` client for this server. The SDK insists on some key; a vLLM
        started without --api-key accepts any, so "EMPTY" stands in when none is set."""
        import openai

        kwargs.setdefault("timeout", TIMEOUT[1])
        kwargs.setdefault("max_retries", 0)  # a lesson should show an error, not hide it
        return openai.OpenAI(base_url=self.v1, api_key=self.api_key or "EMPTY", **kwargs)

    def describe(self) -> str:
        s = self.settings
        key = f"key from {s.sources['api_key']}" if s.api_key else "no API key"
        version = f"vLLM {self.version}" if self.version else "version unknown"
        origin = ("the first id GET /v1/models lists" if s.sources["model"] == "discovered"
                  else f"from {s.sources['model']}")
        return (f"{s.kind} server {s.url} ({version}; URL from {s.sources['url']}, {key})\n"
                f"  model: {self.model} ({origin}"
                + (f", max_model_len {self.max_model_len})" if self.max_model_len else ")"))


def connect(kind: str = "chat", *, base_url: str | None = None, api_key: str | None = None,
            model: str | None = None, quiet: bool = False, timeout=10) -> Endpoint:
    """Check that the server answers and find the model id to use.

    Raises ServerUnavailable (nothing there), APIError (it answered with an error, e.g. 401),
    or ConfigError (CHAT_MODEL names a model the server does not serve), each with one line
    that says what to do.
    """
    settings = settings_for(kind, base_url=base_url, api_key=api_key, model=model)
    try:
        response = requests.get(f"{settings.v1}/models", headers=settings.headers, timeout=timeout)
    except requests.exceptions.RequestException as exc:
        raise ServerUnavailable(
            f"{explain(exc)} [{settings.kind} server URL from {settings.sources['url']}]") from None
    if response.status_code != 200:
        raise http_error(response.status_code, response.url, response.content)
    data = response.json().get("data", [])
    models = tuple(m["id"] for m in data)
    if not models:
        raise APIError(f"{settings.url} serves no model (GET /v1/models is empty).")
    chosen = settings.model or models[0]
    if chosen not in models:
        raise ConfigError(f"the {kind} server at {settings.url} does not serve {chosen!r} "
                          f"(from {settings.sources['model']}); it serves {', '.join(models)}.")
    max_len = next((m.get("max_model_len") for m in data if m["id"] == chosen), None)
    version = None
    try:
        answer = requests.get(f"{settings.url}/version", headers=settings.headers, timeout=timeout)
        if answer.ok:
            version = answer.json().get("version")
    except (requests.exceptions.RequestException, ValueError):
        pass  # not every OpenAI-compatible server has /version
    endpoint = Endpoint(settings, chosen, models, version, max_len)
    if not quiet:
        print(endpoint.describe())
    return endpoint
