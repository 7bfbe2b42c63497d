import pytest

from helpers import ConfigError, server_root, settings_for


def test_defaults_point_at_the_embedded_lab():
    chat = settings_for("chat", env={})
    pool = settings_for("pooling", env={})
    assert (chat.url, chat.v1) == ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1")
    assert pool.url == "http://127.0.0.1:8001"
    assert chat.api_key is None and chat.headers == {}
    assert chat.model is None
    assert chat.sources == {"url": "default", "api_key": "none", "model": "discovered"}


@pytest.mark.parametrize("given", ["http://gpu:9000/v1", "http://gpu:9000/v1/", "http://gpu:9000",
                                   " http://gpu:9000/ "])
def test_base_url_with_or_without_v1(given):
    assert server_root(given) == "http://gpu:9000"


def test_environment_follows_the_openai_sdk_variables():
    env = {"OPENAI_BASE_URL": "https://llm.example.org/v1", "OPENAI_API_KEY": "sk-123",
           "CHAT_MODEL": "Qwen3-8B"}
    s = settings_for("chat", env=env)
    assert s.url == "https://llm.example.org"
    assert s.headers == {"Authorization": "Bearer sk-123"}
    assert s.model == "Qwen3-8B"
    assert s.sources == {"url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY", "model": "CHAT_MODEL"}


def test_arguments_beat_environment():
    env = {"OPENAI_BASE_URL": "http://env:1/v1", "OPENAI_API_KEY": "from-env", "CHAT_MODEL": "env-model"}
    s = settings_for("chat", base_url="http://arg:2", api_key="from-arg", model="arg-model", env=env)
    assert (s.url, s.api_key, s.model) == ("http://arg:2", "from-arg", "arg-model")
    assert set(s.sources.values()) == {"argument"}


def test_pooling_key_falls_back_to_openai_key_but_not_its_url():
    env = {"OPENAI_BASE_URL": "http://gpu:8000/v1", "OPENAI_API_KEY": "shared"}
    s = settings_for("pooling", env=env)
    assert s.url == "http://127.0.0.1:8001"
    assert s.api_key == "shared" and s.sources["api_key"] == "OPENAI_API_KEY"
    own = settings_for("pooling", env={**env, "POOLING_API_KEY": "own"})
    assert own.api_key == "own"


def test_blank_variables_count_as_unset():
    s = settings_for("chat", env={"OPENAI_BASE_URL": "  ", "OPENAI_API_KEY": "", "CHAT_MODEL": " "})
    assert s.url == "http://127.0.0.1:8000" and s.api_key is None and s.model is None


@pytest.mark.parametrize("bad", ["localhost:8000", "127.0.0.1:8000/v1", "ftp://x/v1", "http://"])
def test_a_url_without_scheme_is_one_clear_error(bad):
    with pytest.raises(ConfigError) as info:
        settings_for("chat", env={"OPENAI_BASE_URL": bad})
    message = str(info.value)
    assert "OPENAI_BASE_URL" in message and "http://HOST:PORT/v1" in message
    assert "\n" not in message


def test_unknown_kind():
    with pytest.raises(ConfigError):
        settings_for("audio", env={})
