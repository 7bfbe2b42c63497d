"""Against the live chat server: proof that the model preparation and dtype are right, and
that the real error bodies of this vLLM still read as one line with the right hint."""
import pytest
import requests

from helpers import APIError, ConfigError, check, connect


def test_the_model_knows_the_capital_of_france(chat):
    r = requests.post(f"{chat.url}/v1/chat/completions", headers=chat.headers, timeout=120, json={
        "model": chat.model,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "temperature": 0, "max_tokens": 30})
    answer = check(r).json()["choices"][0]["message"]["content"]
    # In bfloat16 this 135M model answers with French word salad; in float32 it says Paris.
    assert "Paris" in answer, answer


def test_a_wrong_model_name_is_one_line_with_the_served_names(chat):
    r = requests.post(f"{chat.url}/v1/chat/completions", headers=chat.headers, timeout=60, json={
        "model": "Qwen2-7B-Instruct", "messages": [{"role": "user", "content": "hi"}]})
    with pytest.raises(APIError) as info:
        check(r)
    message = str(info.value)
    assert info.value.status == 404 and "\n" not in message
    assert chat.model in message and "GET /v1/models" in message


def test_a_prompt_longer_than_the_context_is_explained(chat):
    r = requests.post(f"{chat.url}/v1/completions", headers=chat.headers, timeout=60, json={
        "model": chat.model, "prompt": "hello " * (chat.max_model_len + 10), "max_tokens": 5})
    with pytest.raises(APIError) as info:
        check(r)
    assert info.value.status == 400 and "context window" in str(info.value)


def test_connect_rejects_a_model_the_server_does_not_serve(chat):
    with pytest.raises(ConfigError) as info:
        connect("chat", base_url=chat.url, model="gpt-4o", quiet=True)
    assert "does not serve 'gpt-4o'" in str(info.value) and chat.model in str(info.value)


UNSERVED_MODEL = "Qwen2-7B-Instruct"   # the seeds' model name; a name most servers do not serve


def common_errors(server, path: str, body: dict) -> dict:
    """Send `body` to `path` broken in the three everyday ways notebook 01 shows one cell each: a
    model name the server does not serve, max_tokens one token over the context window the server
    reports, and JSON with a syntax error. Prints explain()'s line for each; returns the statuses."""
    import json

    import requests

    from helpers import explain, session

    url, model = f"{server.url}{path}", UNSERVED_MODEL
    while model in server.models:
        model += "-not-served"
    broken = json.dumps({**body, "model": server.model}, ensure_ascii=False)[:-1] + ",}"
    attempts = {
        "wrong model name": dict(json={**body, "model": model}),
        "max_tokens beyond the context": dict(json={**body, "max_tokens": server.max_model_len + 1}),
        "malformed JSON body": dict(data=broken.encode(), headers={"Content-Type": "application/json"}),
    }
    statuses = {}
    with session(server) as s:
        for label, request in attempts.items():
            response = s.post(url, **request)
            statuses[label] = response.status_code
            try:
                response.raise_for_status()
                print(f"{label}: HTTP {response.status_code} (accepted)")
            except requests.exceptions.HTTPError as exc:
                print(f"{label}: {explain(exc)}")
    return statuses


def test_common_errors_produces_the_three_everyday_errors(chat, capsys):
    assert chat.max_model_len, "connect() reads the context length from /v1/models"
    statuses = common_errors(chat, "/v1/chat/completions",
                             {"model": chat.model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})
    assert statuses == {"wrong model name": 404, "max_tokens beyond the context": 400, "malformed JSON body": 400}
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(" -> " in line for line in lines)
