"""Printing for people: JSON with Chinese left readable, responses with their status line,
and the `curl` command that repeats exactly the request that ran."""
from __future__ import annotations

import json
import shlex
import unicodedata
from typing import Any

# Lists of numbers longer than this (an embedding, a logprobs table) are shortened by show().
LONG_LIST = 16
KEEP = 6
# highlight() wraps answers at this many screen columns.
BOX_WIDTH = 88


class Shell(str):
    """A command line; Jupyter shows it as plain text, without quotes or escapes."""

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def _is_response(obj: Any) -> bool:
    """A requests (or httpx) response."""
    return all(hasattr(obj, name) for name in ("status_code", "reason", "headers", "content"))


def plain(obj: Any) -> Any:
    """Turn SDK objects (pydantic models), responses and bytes into JSON-able data."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_unset=False)
    if _is_response(obj):
        return body_of(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return obj


def body_of(response) -> Any:
    """A response body as data when it is JSON, else as text."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _shorten(data: Any) -> Any:
    if isinstance(data, list):
        if len(data) > LONG_LIST and all(isinstance(x, (int, float)) for x in data):
            return [*data[:KEEP], f"... {len(data) - KEEP} more numbers ({len(data)} in all)"]
        return [_shorten(x) for x in data]
    if isinstance(data, dict):
        return {k: _shorten(v) for k, v in data.items()}
    return data


def to_json(obj: Any, *, shorten: bool = True) -> str:
    """Pretty JSON, non-ASCII kept as is (你好, not \\u4f60\\u597d)."""
    data = plain(obj)
    if shorten:
        data = _shorten(data)
    return json.dumps(data, ensure_ascii=False, indent=2)


def show(obj: Any, *, shorten: bool = True) -> None:
    """Print a response (status line, then body), an SDK object, or any JSON-able value.

    Long lists of numbers are cut to their first few items; pass shorten=False for all of them.
    """
    if _is_response(obj):
        kind = obj.headers.get("content-type", "").split(";")[0] or "no content-type"
        print(f"HTTP {obj.status_code} {obj.reason}  ({kind}, {len(obj.content)} bytes)")
        body = body_of(obj)
        if body is None:
            print("(empty body)")
        elif isinstance(body, str):
            print(body if len(body) <= 2000 else body[:2000] + f"\n... ({len(body)} characters)")
        else:
            print(to_json(body, shorten=shorten))
        return
    data = plain(obj)
    print(data if isinstance(data, str) else to_json(data, shorten=shorten))


def _char_width(ch: str) -> int:
    """Columns a character takes in a terminal or a monospace notebook output: 2 for wide and
    full-width characters (Chinese, Japanese, Korean, most emoji), 0 for combining marks and
    zero-width characters, 1 otherwise."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """How many columns `text` takes on screen; len() counts 你好 as 2, the screen as 4."""
    return sum(_char_width(ch) for ch in text)


def _wrap(line: str, width: int) -> list:
    """Cut a line into pieces of at most `width` columns, at a space when there is one."""
    pieces = []
    while display_width(line) > width:
        used, cut = 0, 0
        for i, ch in enumerate(line):
            used += _char_width(ch)
            if used > width:
                break
            cut = i + 1
        space = line.rfind(" ", 0, cut + 1)
        if space > 0:
            pieces.append(line[:space])
            line = line[space + 1:]
        else:
            pieces.append(line[:cut])
            line = line[cut:]
    pieces.append(line)
    return pieces


def highlight(text: str, title: str | None = None, width: int = BOX_WIDTH) -> None:
    """Print a model's answer in a box, so it stands out from the plumbing around it.

    The rules above and below are as wide as the widest line on screen (Chinese characters count
    two columns), and lines wider than `width` columns are wrapped.
    """
    lines = [piece for line in (str(text).expandtabs(4).splitlines() or [""])
             for piece in _wrap(line, width)]
    inner = max(display_width(line) for line in lines)
    top = f"┌─ {title} " if title else "┌"
    total = max(inner + 3, display_width(top) + 1)       # the same width on screen, top and bottom
    print(top + "─" * (total - display_width(top)))
    for line in lines:
        print(f"│ {line}")
    print("└" + "─" * (total - 1))


def _quote(value: str) -> str:
    return shlex.quote(value) if value else "''"


# Headers requests (or curl itself) sets on its own: left out of the curl line.
_IMPLIED_HEADERS = {"user-agent", "accept-encoding", "connection", "content-length", "host",
                    "content-type", "accept", "authorization"}


def curl(request=None, *, method: str | None = None, url: str | None = None,
         json_body: Any = None, headers: dict | None = None,
         key_variable: str = "OPENAI_API_KEY") -> Shell:
    """The `curl` command for a request.

    Pass a `requests` Response or PreparedRequest (curl(resp) repeats exactly what ran), or
    method/url/json_body/headers. A bearer token is never printed: it is written as
    "$OPENAI_API_KEY" (or key_variable) for the shell to fill in.
    """
    raw = None
    if request is not None:
        if hasattr(request, "status_code"):
            request = request.request  # a Response: take the request that produced it
        method, url, headers = request.method, request.url, dict(request.headers)
        body = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
        if body:
            try:
                json_body = json.loads(body)
            except ValueError:
                raw = body
    has_body = json_body is not None or raw is not None
    method = (method or ("POST" if has_body else "GET")).upper()
    implied = "POST" if has_body else "GET"
    streams = isinstance(json_body, dict) and json_body.get("stream") is True
    first = (["curl"] + (["-N"] if streams else [])   # -N: print each event as it arrives, unbuffered
             + ([f"-X {method}"] if method != implied else []) + [_quote(url or "")])
    lines = [" ".join(first)]
    for name, value in (headers or {}).items():
        low = name.lower()
        if low == "authorization" and str(value).lower().startswith("bearer "):
            lines.append(f'  -H "Authorization: Bearer ${key_variable}"')
        elif low == "content-type" and json_body is None and raw is not None:
            lines.append("  -H " + _quote(f"{name}: {value}"))
        elif low == "accept" and value != "*/*":
            lines.append("  -H " + _quote(f"{name}: {value}"))
        elif low not in _IMPLIED_HEADERS:  # a header you chose (X-Request-Id, X-Vllm-Priority, ...)
            if "key" in low or "token" in low or "secret" in low:   # never print a credential
                lines.append(f'  -H "{name}: ${key_variable}"')
            else:
                lines.append("  -H " + _quote(f"{name}: {value}"))
    if json_body is not None:
        lines.append("  -H " + _quote("Content-Type: application/json"))
        lines.append("  -d " + _quote(json.dumps(json_body, ensure_ascii=False, indent=2)))
    elif raw is not None:
        lines.append("  -d " + _quote(raw))
    return Shell(" \\\n".join(lines))
