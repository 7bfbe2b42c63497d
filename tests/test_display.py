import json
import shlex
import subprocess

import requests

from helpers import curl, highlight, show, to_json
from helpers.display import Shell


def prepared(method, url, **kwargs):
    return requests.Request(method, url, **kwargs).prepare()


def test_json_keeps_chinese_readable():
    text = to_json({"content": "用一句话解释 vLLM 的优势。"})
    assert "用一句话解释" in text and "\\u" not in text


def test_long_number_lists_are_shortened_unless_asked():
    data = {"embedding": [0.5] * 384, "tokens": [1, 2, 3]}
    short = json.loads(to_json(data))
    assert len(short["embedding"]) == 7 and short["embedding"][-1].endswith("(384 in all)")
    assert short["tokens"] == [1, 2, 3]
    assert len(json.loads(to_json(data, shorten=False))["embedding"]) == 384


def test_show_a_response(capsys):
    response = requests.Response()
    response.status_code, response.reason = 200, "OK"
    response.headers["content-type"] = "application/json"
    response._content = json.dumps({"text": "你好"}, ensure_ascii=False).encode()
    show(response)
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("HTTP 200 OK  (application/json,")
    assert '"text": "你好"' in out


def test_show_an_empty_body(capsys):
    response = requests.Response()
    response.status_code, response.reason, response._content = 200, "OK", b""
    show(response)
    assert capsys.readouterr().out.splitlines()[1] == "(empty body)"


def test_show_an_sdk_object(capsys):
    class Model:  # stands in for a pydantic model from the openai SDK
        def model_dump(self, **kwargs):
            return {"id": "SmolLM2", "object": "model"}
    show(Model())
    assert json.loads(capsys.readouterr().out) == {"id": "SmolLM2", "object": "model"}


def test_curl_for_a_get():
    assert curl(prepared("GET", "http://127.0.0.1:8000/v1/models")) == "curl http://127.0.0.1:8000/v1/models"


def test_curl_for_a_json_post_is_runnable_shell_and_keeps_the_body():
    body = {"model": "m", "messages": [{"role": "user", "content": "it's 你好"}], "max_tokens": 5}
    line = curl(prepared("POST", "http://h:8000/v1/chat/completions", json=body))
    assert isinstance(line, Shell)
    assert "-X" not in line  # -d implies POST
    words = shlex.split(line.replace("\\\n", " "))
    assert words[:2] == ["curl", "http://h:8000/v1/chat/completions"]
    assert words[words.index("-H") + 1] == "Content-Type: application/json"
    assert json.loads(words[words.index("-d") + 1]) == body
    assert "你好" in line


def test_curl_never_prints_the_key():
    line = curl(prepared("GET", "http://h/v1/models", headers={"Authorization": "Bearer sk-secret"}))
    assert "sk-secret" not in line
    assert '-H "Authorization: Bearer $OPENAI_API_KEY"' in line
    other = curl(prepared("GET", "http://h/v1/models", headers={"Authorization": "Bearer x"}),
                 key_variable="POOLING_API_KEY")
    assert "$POOLING_API_KEY" in other


def test_curl_spells_out_unusual_methods():
    assert curl(prepared("POST", "http://h/ping")).startswith("curl -X POST http://h/ping")
    assert curl(method="DELETE", url="http://h/x").startswith("curl -X DELETE")


def test_curl_from_arguments_matches_curl_from_a_request():
    body = {"prompt": "vLLM 的核心优势是：", "max_tokens": 8}
    assert curl(method="POST", url="http://h/v1/completions", json_body=body) == \
        curl(prepared("POST", "http://h/v1/completions", json=body))


def test_curl_line_runs_in_a_real_shell():
    line = curl(method="POST", url="http://127.0.0.1:9/x", json_body={"a": "it's"})
    # bash parses it (syntax check only, nothing is sent)
    assert subprocess.run(["bash", "-n", "-c", line]).returncode == 0


def test_highlight_boxes_the_text(capsys):
    highlight("The capital of France is Paris.", title="answer")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("┌─ answer") and lines[1] == "│ The capital of France is Paris."
    assert lines[-1].startswith("└")


def test_display_width_counts_wide_characters_twice():
    from helpers.display import display_width
    assert display_width("vLLM") == 4
    assert display_width("你好") == 4 and display_width("，") == 2      # full-width comma
    assert display_width("🌟") == 2
    assert display_width("e\u0301") == 1                                 # e + combining accent


def _rule_widths(out):
    from helpers.display import display_width
    lines = out.splitlines()
    return display_width(lines[0]), display_width(lines[-1]), [display_width(l) for l in lines[1:-1]]


def test_highlight_rules_match_chinese_text_on_screen(capsys):
    text = "在这里，我将说明 vLLM 的优势：\n1. 快"
    highlight(text, title="answer")
    top, bottom, body = _rule_widths(capsys.readouterr().out)
    assert top == bottom == max(body) + 1          # "│ " + text, then one column of margin
    highlight("Paris.", title="answer")
    top, bottom, body = _rule_widths(capsys.readouterr().out)
    assert top == bottom                           # a title wider than the text: still square


def test_highlight_wraps_at_the_box_width(capsys):
    from helpers.display import display_width
    highlight("你好" * 50 + " and a long English tail " * 5, width=40)
    out = capsys.readouterr().out.splitlines()
    assert all(display_width(line) <= 42 for line in out[1:-1])
    joined = "".join(line[2:] for line in out[1:-1])
    assert joined.replace(" ", "").startswith("你好" * 50)


def test_curl_keeps_the_headers_you_chose_and_hides_keys_in_them():
    req = requests.Request("POST", "http://127.0.0.1:8000/v1/chat/completions", json={"a": 1},
                           headers={"X-Request-Id": "trace-1", "X-Vllm-Priority": "5",
                                    "x-api-key": "sk-secret"}).prepare()
    line = str(curl(req))
    assert "-H 'X-Request-Id: trace-1'" in line and "-H 'X-Vllm-Priority: 5'" in line
    assert "sk-secret" not in line and '-H "x-api-key: $OPENAI_API_KEY"' in line
    assert "User-Agent" not in line and "Content-Length" not in line


def test_curl_for_a_stream_does_not_buffer():
    line = str(curl(method="POST", url="http://h:8000/v1/chat/completions", json_body={"stream": True}))
    assert line.startswith("curl -N ")
    assert not str(curl(method="POST", url="http://h:8000/v1/x", json_body={"stream": False})).startswith("curl -N")
