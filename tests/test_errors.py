"""Each failure a learner meets gives ONE line: what is wrong and what to do."""
import socket
import textwrap

import httpx
import openai
import pytest
import requests

from helpers import APIError, ServerUnavailable, check, connect, explain
from helpers import errors
from helpers.errors import http_error


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_line(text):
    assert "\n" not in text and "Traceback" not in text
    return text


def test_connection_refused_with_requests(closed_port):
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(f"http://127.0.0.1:{closed_port}/health", timeout=5)
    message = one_line(explain(info.value))
    assert f"no server answers at http://127.0.0.1:{closed_port}" in message
    assert "make lab" in message and "OPENAI_BASE_URL" in message


def test_connection_refused_with_the_sdk(closed_port):
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{closed_port}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.APIConnectionError) as info:
        client.models.list()
    message = one_line(explain(info.value))
    assert f"http://127.0.0.1:{closed_port}" in message and "make lab" in message


def test_connect_says_where_the_url_came_from(closed_port, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")
    with pytest.raises(ServerUnavailable) as info:
        connect("chat")
    assert one_line(str(info.value)).endswith("[chat server URL from OPENAI_BASE_URL]")


def test_the_helpers_session_has_default_timeouts():
    from helpers import session, settings_for

    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        s = session(settings_for("chat", api_key="k", env={}), timeout=(2, 0.5))
        assert s.headers["Authorization"] == "Bearer k"
        with pytest.raises(requests.exceptions.ReadTimeout):
            s.get(f"http://127.0.0.1:{port}/health")   # no timeout= given: the default applies


def test_read_timeout_is_explained():
    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(requests.exceptions.Timeout) as info:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=(2, 0.5))
    message = one_line(explain(info.value))
    assert "did not answer in time" in message and "timeout" in message


# The bodies below are the ones vLLM 0.32 really sends (copied from a live server).
VLLM_404_MODEL = {"error": {"message": "The model `nope` does not exist. Valid aliases: SmolLM2-135M-Instruct.",
                            "type": "NotFoundError", "param": "model", "code": 404}}
VLLM_400_LONG = {"error": {"message": "This model's maximum context length is 2048 tokens. However, your prompt "
                           "contains at least 2049 input tokens, which exceeds this limit even without any "
                           "output tokens. Please reduce the length of the input prompt. "
                           "(parameter=input_tokens, value=2049)",
                           "type": "BadRequestError", "param": "input_tokens", "code": 400}}
VLLM_400_MAX_TOKENS = {"error": {"message": "max_tokens=5000 cannot be greater than max_model_len=2048. Please "
                                 "request fewer output tokens. (parameter=max_tokens, value=5000)",
                                 "type": "BadRequestError", "param": "max_tokens", "code": 400}}
VLLM_400_NO_ROOM = {"error": {"message": "max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)",
                              "type": "BadRequestError", "param": "max_tokens", "code": 400}}
VLLM_400_TEMPERATURE = {"error": {"message": "temperature must be non-negative, got -1.0. "
                                  "(parameter=temperature, value=-1.0)",
                                  "type": "BadRequestError", "param": "temperature", "code": 400}}
VLLM_400_BAD_JSON = {"error": {"message": "1 validation error:\n  {'type': 'json_invalid', 'loc': 'body.75', "
                               "'msg': 'JSON decode error'}", "type": "Bad Request", "param": "body.75", "code": 400}}


@pytest.mark.parametrize("status, body, expected", [
    (404, VLLM_404_MODEL, "GET /v1/models"),
    (400, VLLM_400_LONG, "truncate_prompt_tokens (which end vLLM keeps depends"),  # "left" for generating, "right" for pooling
    (400, {"error": {"message": "This model's maximum context length is 256 tokens. However, your prompt contains "
                                "4800 characters (more than 4608 characters, which is the upper bound for 256 input "
                                "tokens). Please reduce the length of the input prompt. (parameter=input_text, "
                                "value=4800)"}}, "shorten or split it"),
    (400, {"error": {"message": "3 validation errors:\n  {'type': 'missing', 'loc': 'body.queries', 'msg': 'Field "
                                "required'}\n  {'type': 'missing', 'loc': 'body.queries', 'msg': 'Field required'}\n"
                                "  {'type': 'missing', 'loc': 'body.text_1', 'msg': 'Field required'}",
                     "param": "body.queries"}}, "they use `queries`, `text_1`"),
    (400, {"error": {"message": "Model 'all-MiniLM-L6-v2' does not support Matryoshka embeddings; dimensions "
                                "must be unset (received dimensions=128).", "param": None}}, "leave `dimensions` out"),
    (400, VLLM_400_MAX_TOKENS, "ask for fewer output tokens"),
    (400, {"error": {"message": "Input lengths must be either 1:1, 1:N or N:N", "code": 400}}, "N:N"),
    (400, VLLM_400_NO_ROOM, "prompt fills the whole context window"),
    (400, VLLM_400_TEMPERATURE, "fix `temperature`"),
    (400, VLLM_400_BAD_JSON, "not valid JSON"),
    (400, {"error": {"message": "Chat template is passed with request, but --trust-request-chat-template is not "
                                "set. Refused request with untrusted chat template."}}, "drop `chat_template`"),
    (400, {"error": {"message": "As of transformers v4.44, default chat template is no longer allowed, so you "
                                "must provide a chat template if the tokenizer does not define one."}},
     "--chat-template FILE"),
    (400, {"error": {"message": "Try switching the model's pooling_task via --pooler-config.task token_embed. "
                                "(parameter=task)", "param": "task"}}, "serves one pooling task at a time"),
    (400, {"error": {"message": "n must be 1 when using greedy sampling, got 4.", "param": "n"}}, "send n=1"),
    (401, {"error": "Unauthorized"}, "OPENAI_API_KEY"),
    (404, {"error": {"message": "Response with id 'resp_0123456789abcdef' not found.", "type": "invalid_request_error",
                     "param": "response_id", "code": 404}}, "VLLM_ENABLE_RESPONSES_API_STORE=1"),
    (404, {"detail": "Not Found"}, "no such route"),
    (405, {"detail": "Method Not Allowed"}, "GET vs POST"),
    (422, {"detail": [{"loc": ["body", "messages"], "msg": "Field required"}]}, "body.messages: Field required"),
    (400, {"error": {"message": "1 validation error:\n  {'type': 'missing', 'loc': 'body.token_ids', 'msg': "
                                "'Field required', 'input': '<dict of 3 items>'}", "param": "body.token_ids"}},
     "lacks `token_ids`"),
    (500, "Internal Server Error", "logs/chat.log"),
])
def test_http_errors_get_a_hint(status, body, expected):
    message = one_line(str(http_error(status, "http://h:8000/v1/x", body)))
    assert message.startswith(f"HTTP {status} from http://h:8000/v1/x: ")
    assert expected in message


def test_sdk_status_errors_read_the_same():
    request = httpx.Request("POST", "http://h:8000/v1/chat/completions")
    response = httpx.Response(404, json=VLLM_404_MODEL, request=request)
    error = openai.NotFoundError("Error code: 404", response=response, body=VLLM_404_MODEL["error"])
    message = one_line(explain(error))
    assert "The model `nope` does not exist" in message and "GET /v1/models" in message


def test_anthropic_sdk_errors_read_the_same(closed_port):
    import anthropic

    body = {"type": "error", "error": {"type": "NotFoundError",
                                       "message": "The model `claude-3-5-sonnet` does not exist."}}
    request = httpx.Request("POST", "http://h:8000/v1/messages")
    error = anthropic.NotFoundError("Error code: 404", response=httpx.Response(404, json=body, request=request),
                                    body=body)
    message = one_line(explain(error))
    assert message.startswith("HTTP 404 from http://h:8000/v1/messages: The model `claude-3-5-sonnet`")
    client = anthropic.Anthropic(base_url=f"http://127.0.0.1:{closed_port}", api_key="x", max_retries=0)
    with pytest.raises(anthropic.APIConnectionError) as info:
        client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert "make lab" in one_line(explain(info.value))


def test_check_passes_2xx_and_raises_the_rest():
    ok = requests.Response()
    ok.status_code, ok._content = 200, b"{}"
    assert check(ok) is ok
    bad = requests.Response()
    bad.status_code, bad._content, bad.url = 404, b'{"detail": "Not Found"}', "http://h/v1/model"
    with pytest.raises(APIError) as info:
        check(bad)
    assert info.value.status == 404


def test_jupyter_shows_one_line_not_a_traceback(closed_port):
    """A real kernel: the error output of a failing request is a single line."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        code = textwrap.dedent(f"""
            import helpers, requests
            requests.get("http://127.0.0.1:{closed_port}/health", timeout=5)
        """)
        msg_id = client.execute(code)
        errors = []
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "error":
                errors.append(message["content"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        assert client.get_shell_msg(timeout=60)["content"]["status"] == "error"
    finally:
        manager.shutdown_kernel(now=True)
    assert len(errors) == 1
    (line,) = errors[0]["traceback"]
    assert line.startswith("ConnectionError: no server answers at") and "make lab" in line


def test_the_sdk_without_a_key_gets_one_line(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(openai.OpenAIError) as caught:
        openai.OpenAI(base_url="http://127.0.0.1:1/v1")
    message = explain(caught.value)
    assert "OPENAI_API_KEY" in message and "EMPTY" in message
    assert openai.OpenAIError in errors._handled_types()


def test_no_guessed_hint_when_the_message_names_no_field():
    """A 400 whose message names no field gets the server's words alone, not 'fix the field it names'."""
    body = {"error": {"message": "Grammar error: Invalid type: objectt", "code": 400}}
    message = one_line(str(http_error(400, "http://h:8000/v1/x", body)))
    assert message == "HTTP 400 from http://h:8000/v1/x: Grammar error: Invalid type: objectt"
