"""One readable line instead of a traceback wall.

Every failure a learner meets while calling a server (nothing listening, a timeout, a wrong
model name, a missing key, a prompt that does not fit) is turned into one sentence that says
what is wrong and what to do. `explain()` does the wording; in Jupyter, importing `helpers`
registers a handler so that these errors print as that one line, whether they come from
`requests`, from the `openai` SDK, or from the helpers themselves.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests

HOW_TO_START = ("start the embedded servers with `make lab` (or `make serve`), "
                "or point OPENAI_BASE_URL / POOLING_BASE_URL at your own server")


class ServerError(Exception):
    """An error whose message is already the whole story: Jupyter shows just that line."""

    def _render_traceback_(self):  # IPython calls this instead of printing a traceback
        return [f"{type(self).__name__}: {self}"]


class ServerUnavailable(ServerError):
    """Nothing answers at the URL, or it did not answer in time."""


class ConfigError(ServerError):
    """A setting (environment variable or argument) that cannot be right."""


class APIError(ServerError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int | None = None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


def origin(url: str | None) -> str:
    """`http://h:8000/v1/chat/completions` -> `http://h:8000`."""
    if not url:
        return "the server"
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else str(url)


def error_message(body) -> str:
    """The human part of an error body: vLLM's {"error": {"message": ...}}, FastAPI's
    {"detail": ...}, or the raw text."""
    if isinstance(body, (bytes, str)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            body = json.loads(text)
        except ValueError:
            return text.strip()[:300]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if "detail" in body:
            detail = body["detail"]
            if isinstance(detail, list):  # FastAPI validation errors
                return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg')}"
                                 for d in detail if isinstance(d, dict))
            return str(detail)
        if "message" in body:
            return str(body["message"])
    return json.dumps(body, ensure_ascii=False)[:300]


def error_param(body) -> str | None:
    """vLLM names the offending field in {"error": {"param": ...}}."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    err = body.get("error") if isinstance(body, dict) else None
    param = err.get("param") if isinstance(err, dict) else None
    return str(param) if param else None


def hint_for(status: int, message: str, param: str | None = None) -> str | None:
    """What to do about an HTTP error, judged from its status and the server's own words."""
    low = message.lower()
    if status == 401:
        return ("the server was started with an API key: set OPENAI_API_KEY (it is sent as "
                "`Authorization: Bearer <key>`)")
    if status == 404 and "model" in low and ("does not exist" in low or "not found" in low):
        return ("send a model id that GET /v1/models lists, or set CHAT_MODEL / POOLING_MODEL "
                "(leave them unset and the helpers ask the server)")
    if status == 404 and "response with id" in low:
        return ("this server process holds no such stored response: it was created with store: false, "
                "on another server or replica, before a restart, or on a server that stores nothing "
                "(vLLM stores only when started with VLLM_ENABLE_RESPONSES_API_STORE=1)")
    if status == 404:
        return ("this server has no such route: check the path, and whether you called the chat "
                "server or the pooling server (GET /openapi.json lists the routes it has)")
    if status == 400 and "max_tokens must be at least 1, got 0" in low:
        return ("the prompt fills the whole context window and leaves no room for an answer: "
                "shorten the prompt (vLLM lowers max_tokens to the room left, and here none is left)")
    if status == 400 and ("even without any output tokens" in low or "upper bound for" in low):
        return ("the input alone is longer than the model's context window: shorten or split it, "
                "or let the server cut it with truncate_prompt_tokens (which end vLLM keeps depends "
                "on the server: a generating model's keeps the last tokens, a pooling model's the "
                "first; send truncation_side: \"left\" or \"right\" to choose)")
    if status == 400 and "matryoshka" in low:
        return ("this model cannot shorten its vectors: leave `dimensions` out, or serve a model "
                "trained for it (Matryoshka)")
    if status == 400 and "cannot be greater than max_model_len" in low:
        return ("ask for fewer output tokens: max_tokens (or max_completion_tokens) may be at most "
                "max_model_len whatever the prompt's length, so shortening the prompt does not help "
                "(GET /v1/models shows max_model_len)")
    if status == 400 and ("context length" in low or "max_model_len" in low
                          or "too long" in low or ("maximum" in low and "tokens" in low)):
        return ("the prompt plus max_tokens does not fit the model's context window: shorten the "
                "prompt or lower max_tokens (GET /v1/models shows max_model_len)")
    if status == 403 and "--enable-scale-out" in message:
        return "this route is off unless the server runs with --enable-scale-out (the lab's does)"
    if "n must be 1 when using greedy sampling" in low:
        return "at temperature 0 every answer would be the same: send n=1, or raise the temperature"
    if "--trust-request-chat-template" in message:
        return ("the server only uses its own chat template: drop `chat_template` from the request, "
                "or give the server one with --chat-template")
    if "chat template" in low and "does not define one" in low:
        return ("this model ships no chat template: start the server with --chat-template FILE, "
                "or send plain text (`prompt` or `input`) instead of `messages`")
    if "--pooler-config" in message:
        return ("the server serves one pooling task at a time, whatever else the model supports: use a task the server lists, or start "
                "it with --pooler-config '{\"task\": ...}'")
    if status in (400, 422):
        missing = list(dict.fromkeys(re.findall(r"'type': 'missing', 'loc': '?body\.(\w+)", message)))
        if len(missing) == 1:
            return f"the body lacks `{missing[0]}`, which this route requires"
        if len(missing) > 1:
            return ("the body matches none of the request shapes this route accepts (they use "
                    + ", ".join(f"`{name}`" for name in missing) + "): see the route in GET /openapi.json")
        if param and not param.startswith("body"):
            return f"the server rejected the request body: fix `{param}`"
        if "json" in low:
            return "the body is not valid JSON: check quotes and commas (json.dumps builds it safely)"
        return None  # the server's own message is the whole story: no guess added to it
    if status == 405:
        return "this route exists but not for that HTTP method: check GET vs POST"
    if status >= 500:
        return "the server itself failed: read its log (logs/chat.log or logs/pooling.log in the lab)"
    return None


def http_error(status: int, url: str | None, body) -> APIError:
    message = " ".join(error_message(body).split())  # one line, whatever the server sent
    hint = hint_for(status, message, error_param(body))
    text = f"HTTP {status} from {url or 'the server'}: {message}" + (f" -> {hint}." if hint else "")
    return APIError(text, status=status, body=body)


def check(response):
    """Return the response if its status is 2xx, else raise APIError with one clear line."""
    if response.status_code >= 400:
        raise http_error(response.status_code, response.url, response.content)
    return response


def explain(exc: BaseException) -> str:
    """One line for an exception from requests, from the openai SDK, or from the helpers."""
    if isinstance(exc, ServerError):
        return str(exc)
    request_url = getattr(getattr(exc, "request", None), "url", None)
    if isinstance(exc, requests.exceptions.Timeout):
        return (f"{origin(request_url)} did not answer in time: a busy CPU server can be slow, "
                "so raise the timeout, ask for fewer tokens, or check that the server is up")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"no server answers at {origin(request_url)} (connection refused): {HOW_TO_START}"
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        return str(http_error(exc.response.status_code, request_url, exc.response.content))
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return f"{exc}: write the URL as http://HOST:PORT"
    if type(exc).__name__ == "OpenAIError" and "credentials" in str(exc).lower():
        return ("the openai SDK will not start without a key, even for a server that needs none: "
                "set OPENAI_API_KEY (any value, e.g. EMPTY, for a server without --api-key) "
                "or pass api_key=...")
    for sdk in _sdks():  # openai and anthropic share one exception hierarchy
        request_url = None
        try:
            request_url = exc.request.url  # type: ignore[attr-defined]
        except Exception:
            pass
        if isinstance(exc, sdk.APITimeoutError):
            return (f"{origin(request_url)} did not answer in time: raise the client's timeout= "
                    "or ask for fewer tokens")
        if isinstance(exc, sdk.APIConnectionError):
            return f"no server answers at {origin(request_url)} (connection failed): {HOW_TO_START}"
        if isinstance(exc, sdk.APIStatusError):
            body = exc.body if exc.body is not None else exc.response.content
            if isinstance(body, dict) and "message" in body and "error" not in body:
                body = {"error": body}  # the SDK hands over the inner error object
            return str(http_error(exc.status_code, request_url, body))
    return f"{type(exc).__name__}: {exc}"


def _sdks() -> list:
    """The client SDKs installed: `openai`, and `anthropic` for /v1/messages."""
    found = []
    for name in ("openai", "anthropic"):
        try:
            found.append(__import__(name))
        except ImportError:
            pass
    return found


def _handled_types():
    sdks = _sdks()
    sdk_errors = [sdk.APIError for sdk in sdks] + [sdk.OpenAIError for sdk in sdks if hasattr(sdk, "OpenAIError")]
    return (ServerError, requests.exceptions.RequestException, *sdk_errors)


def _one_line(shell, etype, value, tb, tb_offset=None):
    # IPython ignores what a custom handler returns: it must show the error itself. In Jupyter
    # this sends a normal "error" output (so the cell still counts as failed), one line long.
    shell._showtraceback(etype, value, [f"{etype.__name__}: {explain(value)}"])


def install_ipython_handler() -> bool:
    """In IPython/Jupyter, print server errors as one line. Returns whether it was installed."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc(_handled_types(), _one_line)
    return True
