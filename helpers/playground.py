"""A chat playground made of ipywidgets (notebook 34): pick a model, set the sampling, type,
watch the answer stream in, and see the request as `curl`.

    from helpers.playground import Playground
    Playground(connect("chat"))          # the last line of a cell displays it
"""
from __future__ import annotations

import html
import json
import time

import ipywidgets as w
import requests

from .display import curl
from .errors import ServerError, explain, http_error
from .server import Endpoint


class Playground:
    """The widgets, and `send()`, which the Send button calls (a test or a cell may call it too)."""

    def __init__(self, server: Endpoint, *, system: str = "You are a helpful assistant.",
                 max_tokens: int = 64):
        self.server = server
        style = {"description_width": "110px"}
        wide = w.Layout(width="95%")
        models = list(server.models) or [server.model]
        self.model = w.Dropdown(options=models, value=server.model, description="model", style=style)
        self.temperature = w.FloatSlider(value=0.7, min=0, max=2, step=0.05, description="temperature",
                                         style=style, readout_format=".2f")
        self.top_p = w.FloatSlider(value=1.0, min=0.05, max=1, step=0.05, description="top_p",
                                   style=style, readout_format=".2f")
        self.max_tokens = w.IntSlider(value=max_tokens, min=1, max=512, description="max_tokens", style=style)
        self.system = w.Textarea(value=system, description="system prompt", style=style, layout=wide,
                                 rows=2)
        self.message = w.Textarea(placeholder="Type a message", description="your message", style=style,
                                  layout=wide, rows=3)
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.show_request = w.Checkbox(value=False, description="show request (curl)", indent=False)
        self.answer = w.Textarea(value="", description="answer", style=style, layout=wide, rows=8,
                                 disabled=True)
        self.status = w.Label(value="no answer yet")
        self.request_box = w.HTML(layout=w.Layout(display="none"))
        self.answers = 0
        self.last: dict | None = None
        self.request_text = ""
        self.send_button.on_click(lambda _: self.send())
        self.show_request.observe(self._toggle_request, names="value")
        self.widget = w.VBox([
            w.HBox([self.model, self.max_tokens]), w.HBox([self.temperature, self.top_p]),
            self.system, self.message, w.HBox([self.send_button, self.show_request]),
            self.answer, self.status, self.request_box])

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    def body(self) -> dict:
        """The request the widgets describe."""
        messages = []
        if self.system.value.strip():
            messages.append({"role": "system", "content": self.system.value})
        messages.append({"role": "user", "content": self.message.value})
        return {"model": self.model.value, "messages": messages,
                "temperature": round(self.temperature.value, 2), "top_p": round(self.top_p.value, 2),
                "max_tokens": self.max_tokens.value, "stream": True,
                "stream_options": {"include_usage": True}}

    def _toggle_request(self, change=None):
        self.request_box.layout.display = "block" if self.show_request.value else "none"
        self.request_text = str(curl(method="POST", url=f"{self.server.v1}/chat/completions",
                                     headers=self.server.headers, json_body=self.body()))
        self.request_box.value = f"<pre>{html.escape(self.request_text)}</pre>"

    def send(self) -> dict | None:
        """Stream one answer into the answer box; returns {"text", "finish_reason", "usage"}."""
        if not self.message.value.strip():
            self.status.value = "type a message first"
            return None
        self._toggle_request()
        self.send_button.disabled = True
        self.answer.value = ""
        self.status.value = "waiting for the first token ..."
        started = time.monotonic()
        text, finish, usage = "", None, None
        try:
            with requests.post(f"{self.server.v1}/chat/completions", json=self.body(),
                               headers=self.server.headers, stream=True, timeout=(5, 120)) as r:
                if not r.ok:  # read the error body now: the stream closes with the block
                    raise http_error(r.status_code, r.url, r.content)
                for line in r.iter_lines(decode_unicode=True):
                    if not line or not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    chunk = json.loads(line[len("data: "):])
                    if chunk.get("usage"):
                        usage = chunk["usage"]
                    for choice in chunk.get("choices", []):
                        text += choice.get("delta", {}).get("content") or ""
                        finish = choice.get("finish_reason") or finish
                    self.answer.value = text
        except (ServerError, requests.exceptions.RequestException, ValueError) as exc:
            self.status.value = f"error: {explain(exc)}"
            return None
        finally:
            self.send_button.disabled = False
        self.answers += 1
        tokens = usage["completion_tokens"] if usage else "?"
        self.status.value = (f"answer {self.answers} · {tokens} tokens · finish_reason {finish} · "
                             f"{time.monotonic() - started:.1f} s")
        self.last = {"text": text, "finish_reason": finish, "usage": usage}
        return self.last
