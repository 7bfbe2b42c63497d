"""examples/ and REFERENCE.md (issue 14), run for real: every script against the lab's servers,
against a port nobody listens on, with an unknown model and with a wrong API key; every curl line
REFERENCE.md shows; and REFERENCE.md against what examples/make_reference.py writes.

The wrong-key runs need a server that checks keys. The lab's chat and pooling servers do not, so a
module fixture starts one keyed vLLM (lab.start_vllm(model="pooling", env={"VLLM_API_KEY": ...}): the pooling model, ~50 s,
overlapped with the other runs) and points every script at it. vLLM checks the key in a middleware
before any route is matched, so a chat script meets the same real 401 there as a pooling script (its
first request, GET /v1/models or the route itself, is under /v1). No stub stands in for vLLM.
The Triton scripts run against a real Triton (lab.start_triton, ~10 s).
All runs go through one thread pool; the file takes about 2 minutes on the lab's 2 cores.
"""
import concurrent.futures
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import pytest
import requests

from helpers.config import settings_for
from lab import LabError, free_port, lora_dir, start_triton, start_vllm

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
_spec = importlib.util.spec_from_file_location("make_reference", EXAMPLES / "make_reference.py")
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)

SCRIPTS = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.glob("*/*") if p.suffix in (".py", ".sh"))
HEADERS = {s.path.relative_to(EXAMPLES).as_posix(): s for s in reference.scripts()}
GUARDED = ("/v1", "/v2", "/inference", "/cohere")   # vLLM's AuthenticationMiddleware.GUARDED_PREFIX
POOLING_FAMILIES = {"embeddings", "rerank", "score", "pooling", "classify"}
# Tool calling needs a chat server with a tool-call parser: the lab's chat server has one (hermes);
# the tools scripts also run against the LoRA server below, started with vLLM's defaults (no
# parser), where they must fail with vLLM's one-line 400.
# LoRA (examples/lora): a vLLM with the lesson's `nihao` adapter and runtime loading on; the scripts
# load `pirate` there (LORA_PATH), and against the lab's chat server (no adapter) fail in one line.
WRONG_KEY, RIGHT_KEY = "wrong-key", "examples-test-key"
FINISH = r"(stop|length)"

# What each script must print against the lab's servers (regexes on stdout). A script missing here
# fails test_every_script_has_checks, so a new example cannot go untested.
LIVE = {
    "ops/health.py": [r"GET /health\s+-> HTTP 200", r"GET /ping\s+-> HTTP 200", r'/version\s+-> \{"version":"[\w.+-]+"\}',
                      r'"server_load":\d+'],
    "ops/health.sh": [r"GET /health  -> 200", r"GET /ping    -> 200", r'"version": "', r'"server_load": \d+'],
    "ops/models.py": [r"id=\S+  max_model_len=\d+", r"\d+ model\(s\)"],
    "ops/models.sh": [r'"object": "list"', r'"id": "', r'"max_model_len": \d+'],
    "ops/models_sdk.py": [r"id=\S+  max_model_len=\d+", r"\d+ model\(s\)"],
    "ops/openapi.py": [r"\d+ paths", r"POST\s+/v1/chat/completions\n", r"GET\s+/health\n"],
    "ops/openapi.sh": [r"^POST /v1/chat/completions$", r"^GET /v1/models$"],
    "ops/elastic_ep.py": [r"^POST /is_scaling_elastic_ep -> \{'is_scaling_elastic_ep': False\}$", r"^set NEW_DP_SIZE=N"],
    "ops/elastic_ep.sh": [r'"is_scaling_elastic_ep": false', r"^set NEW_DP_SIZE=N"],
    "tokens/tokenize.py": [r"\d+ tokens \(max_model_len \d+\): \[\d+", r"round trip exact"],
    "tokens/tokenize.sh": [r'"count": \d+', r'"token_strs": \[', r'"prompt": "你好, world"'],
    "tokens/render.py": [r"\d+ prompt tokens", r"What is vLLM\?"],
    "tokens/render.sh": [r"token_ids: \[\d+", r'"prompt": ".*What is vLLM\?'],
    "chat/chat_completions.py": [r"\S", rf"finish_reason={FINISH}  usage=\{{'prompt_tokens': \d+"],
    "chat/chat_completions.sh": [r'"object": "chat.completion"', r'"role": "assistant"', rf'"finish_reason": "{FINISH}"'],
    "chat/chat_completions_sdk.py": [r"\S", rf"finish_reason={FINISH}  usage=\{{"],
    "chat/chat_batch.py": [r"^\[0\] '.*'  finish_reason=" + FINISH, r"^\[1\] '", r"usage \(all conversations together\): \{'prompt_tokens': \d+"],
    "chat/chat_batch.sh": [r'"object": "chat.completion"', r'"index": 1', rf'"finish_reason": "{FINISH}"'],
    "completions/completions.py": [r"^The capital of France is", rf"finish_reason={FINISH}"],
    "completions/completions.sh": [r'"object": "text_completion"', r'"text": "', rf'"finish_reason": "{FINISH}"'],
    "completions/completions_sdk.py": [r"^The capital of France is", rf"finish_reason={FINISH}"],
    "completions/completions_render.py": [r"^\d+ prompt tokens: \[\d+", r"sampling_params: max_tokens=8 temperature=0\.0",
                                          r"^generated: The capital of France is", rf"finish_reason={FINISH}"],
    "completions/completions_render.sh": [r'"token_ids": \[', r'"sampling_params": \{', r'"max_tokens": 8'],
    "streaming/stream_chat.py": [rf"\d+ chunks  finish_reason={FINISH}  usage=\{{'prompt_tokens'"],
    "streaming/stream_chat.sh": [r'^data: \{"id":"chatcmpl-', r'"object":"chat.completion.chunk"', r'"choices":\[\],"usage":\{"prompt_tokens"',
                                 r"^data: \[DONE\]$"],
    "streaming/stream_chat_sdk.py": [rf"\d+ chunks  finish_reason={FINISH}  usage=\{{"],
    "responses/responses.py": [r"id=resp_\w+  status=(completed|incomplete)", r"GET /v1/responses/resp_\w+: status="],
    "responses/responses.sh": [r'"object": "response"', r'"type": "output_text"', r'"id": "resp_'],
    "responses/responses_sdk.py": [r"id=resp_\w+  status=(completed|incomplete)", r"retrieved resp_\w+: status="],
    "responses/responses_background.py": [r"created resp_\w+: status=(queued|in_progress)", r"cancelled: status=cancelled"],
    "responses/responses_background.sh": [r"created resp_\w+: status=(queued|in_progress)", r"cancelled: status=cancelled"],
    "messages/messages.py": [r"count_tokens: input_tokens=\d+", r"stop_reason=(end_turn|max_tokens)"],
    "messages/messages.sh": [r'"input_tokens": \d+', r'"type": "message"', r'"stop_reason": "(end_turn|max_tokens)"'],
    "messages/messages_sdk.py": [r"count_tokens: input_tokens=\d+", r"stop_reason=(end_turn|max_tokens)"],
    "structured/structured_output.py": [r'json_schema -> \{"colour": "(red|green|blue)"\}  \(finish_reason=stop\)',
                                        r"structured_outputs.choice -> '(yes|no)'"],
    "structured/structured_output.sh": [r'"content": "\{.*\\"colour\\": \\"(red|green|blue)\\"', r'"finish_reason": "stop"'],
    "structured/structured_output_sdk.py": [r'json_schema -> \{"colour": "(red|green|blue)"\}', r"choice -> '(yes|no)'"],
    "reasoning/reasoning.py": [r"^reasoning: none \(null: the server has no --reasoning-parser", rf"finish_reason={FINISH}  completion_tokens_details=None",
                               r"^thinking_token_budget: skipped"],
    "reasoning/reasoning.sh": [r'"reasoning": null', rf'"finish_reason": "{FINISH}"'],
    "reasoning/reasoning_sdk.py": [r"^reasoning: none \(no delta.reasoning", rf"^0 reasoning deltas, \d+ content deltas  finish_reason={FINISH}"],
    "lora/lora.py": [r"^adapter nihao  parent=\S+$", r"^nihao -> '你好！", r"^Success: LoRA adapter 'pirate-py' added successfully",
                     r"^pirate-py -> 'Ahoy!", r"^Success: LoRA adapter 'pirate-py' removed successfully",
                     r"^pirate-py listed after unloading: False$"],
    "lora/lora.sh": [r"^adapter nihao  parent=\S+$", r"^nihao -> 你好！", r"^Success: LoRA adapter 'pirate-sh' added successfully",
                     r"^pirate-sh -> Ahoy!", r"^Success: LoRA adapter 'pirate-sh' removed successfully"],
    "tools/tool_calls.py": [r"^tool_call celsius_to_fahrenheit\(\{\"celsius\": -?[\d.]+\}\)  id=\S+  finish_reason=tool_calls$",
                            r"^result: -?[\d.]+ degrees Celsius is -?[\d.]+ degrees Fahrenheit\.$", rf"^answer: .*\(finish_reason={FINISH}\)$"],
    "tools/tool_calls.sh": [r'"tool_calls": \[', r'"name": "celsius_to_fahrenheit"', r'"arguments": "\{\\"celsius\\": ',
                            r'"finish_reason": "tool_calls"'],
    "tools/tool_calls_sdk.py": [r"^tool_call celsius_to_fahrenheit\(\{\"celsius\": -?[\d.]+\}\)  id=\S+$",
                                rf"^answer: .*\(finish_reason={FINISH}\)$"],
    "generate/generate.py": [r"in: \[\d+", r"out: \[\d+", r"as text: The capital of France is", rf"finish_reason={FINISH}"],
    "generate/generate.sh": [r'"token_ids": \[', r'"prompt": "'],
    "embeddings/embeddings.py": [r"3 vectors of \d+ dimensions", r"cosine\(.*\) = -?\d\.\d{3}"],
    "embeddings/embeddings.sh": [r'"object": "embedding"', r'"embedding": \['],
    "embeddings/embeddings_sdk.py": [r"2 vectors of \d+ dimensions; cosine -?\d\.\d{3}"],
    "embeddings/embed_v2.py": [r"id=\S+  2 float vectors of \d+ dimensions"],
    "embeddings/embed_v2.sh": [r'"embeddings": \{', r'"float": \['],
    "rerank/rerank.py": [r"^-?\d\.\d{3}  \[\d\] "],
    "rerank/rerank.sh": [r'"results": \[', r'"relevance_score": '],
    "score/score.py": [r"^-?\d\.\d{3}  Paris is the capital of France\.$"],
    "score/score.sh": [r'"object": "score"', r'"score": '],
    "pooling/pooling.py": [r"input 0: \d+ values", r"input 1: \d+ values"],
    "pooling/pooling.sh": [r'"object": "pooling"', r'"data": \['],
    "metrics/metrics.py": [r"^vllm:num_requests_running\s+\d", r"^vllm:generation_tokens_total\s+\d", r"\(\d+ vllm: samples",
                           r"^vllm:e2e_request_latency_seconds: (\d+ requests; p50 [\d.]+ s, p95 [\d.]+ s|no finished requests yet)"],
    "chat/generative_scoring.py": [r"^label token ids: \{' yes': \d+, ' no': \d+\}", r"^item 0 ''\s+P\(' yes' \| ' yes' or ' no'\) = 0\.\d{4}$"],
    "chat/generative_scoring.sh": [r'"object": "score"', r'"score": 0\.\d+'],
    "ops/retry.py": [r"^answer after 1 attempt\(s\): '.*'  finish_reason=" + FINISH],
    "metrics/metrics.sh": [r"^vllm:num_requests_running\{.*\} \d", r"^vllm:prompt_tokens_total\{"],
    "keys/keys.py": [r"without a key: HTTP 200 -> the server checks no key"],
    "keys/keys.sh": [r"without a key: HTTP 200 -> the server checks no key"],
    "triton/triton.py": [r"^triton \S+: extensions", r"inputs \[\('prompt', 'BYTES'", r"infer -> text BYTES \[1, 1\]: \['",
                         r"generate -> \{'model_name': "],
    "triton/triton.sh": [r'"name": "triton"', r'"datatype": "BYTES"', r'"text": "'],
    "original_post/chat_completions.py": [r"\S"],
    "original_post/chat_completions.sh": [r'"object": "chat.completion"', r'"content": "'],
    "original_post/completions.py": [r"\S"],
    "original_post/completions.sh": [r'"object": "text_completion"', r'"text": "'],
}
# Routes outside vLLM's guarded prefixes that only a generating server has: the keyed vLLM of the
# wrong-key runs serves the pooling model, so they answer 404 there (not 401: no key is checked).
GENERATE_ONLY_OPEN = {"ops/elastic_ep.py", "ops/elastic_ep.sh"}
# The lab's pooling server serves an embedding model: /classify does not exist there (a real 404).
EXPECTED_FAILURE = {
    "classify/classify.py": r"^error: HTTP 404 from POST /classify: .* which is not a classifier$",
    "classify/classify.sh": r'^error: HTTP 404 from POST /classify: \{"detail":"Not Found"\}$',
    # /v1/systemone serves only the architectures vLLM 0.32 lists (Qwen3, ...): 501 for the lab's model
    "chat/systemone.py": r"^error: HTTP 501 from POST /v1/systemone: The model does not support the structured decision API$",
    # the lab has no speech-to-text server (notebook 50 starts a Whisper vLLM): the chat server's 404
    "audio/transcribe.py": r"^error: HTTP 404 from POST /v1/audio/transcriptions: Not Found \(this server has no such route",
    "audio/transcribe.sh": r"^error: HTTP 404 from POST /v1/audio/transcriptions: ",
    "chat/systemone.sh": r'^error: HTTP 501 from POST /v1/systemone: \{"error":\{"message":"The model does not support the structured decision API".*$',
}


def family(script):
    return script.split("/")[0]


def header(script):
    """The route header of the script's family lead (NAME.py for NAME.sh and NAME_sdk.py)."""
    stem = script.rsplit(".", 1)[0].removesuffix("_sdk")
    return HEADERS.get(f"{stem}.py")


def server_of(script):
    if family(script) in ("triton", "tools", "lora"):
        return family(script)
    return "pooling" if family(script) in POOLING_FAMILIES else "chat"


def reads_model(script):
    return bool(re.search(r'getenv\("(CHAT_|POOLING_|TRITON_|LORA_)MODEL"|\$\{(CHAT_|POOLING_|TRITON_|LORA_)MODEL:-',
                          (EXAMPLES / script).read_text()))


def open_routes_only(script):
    """True when everything the script calls is outside vLLM's guarded prefixes: a wrong key passes."""
    h = header(script)
    return h is not None and not reads_model(script) and family(script) != "keys" \
        and not any(r.path.startswith(GUARDED) for r in h.routes)


def run(script, env, timeout=240):
    command = [sys.executable if script.endswith(".py") else "bash", str(EXAMPLES / script)]
    started = time.monotonic()
    try:
        p = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=EXAMPLES)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - started
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout} s", timeout


class Lab:
    """Every run this file checks, done once, in parallel; the keyed vLLM and Triton start meanwhile."""

    def __init__(self):
        chat, pooling = settings_for("chat"), settings_for("pooling")
        base = {k: v for k, v in os.environ.items()
                if k not in ("OPENAI_API_KEY", "POOLING_API_KEY", "CHAT_MODEL", "POOLING_MODEL", "TRITON_MODEL", "LORA_MODEL")}
        base.update(MAX_TOKENS="8", PYTHONIOENCODING="utf-8", OPENAI_BASE_URL=f"{chat.url}/v1",
                    POOLING_BASE_URL=f"{pooling.url}/v1")
        self.live_env = {**base, **({"OPENAI_API_KEY": chat.api_key} if chat.api_key else {}),
                         **({"POOLING_API_KEY": pooling.api_key} if pooling.api_key else {}),
                         **({"CHAT_MODEL": chat.model} if chat.model else {}),
                         **({"POOLING_MODEL": pooling.model} if pooling.model else {})}
        self.chat, self.pooling = chat, pooling
        self.base = base
        self.results = {}
        self.errors = {}
        self.keyed = self.triton = self.lora = None
        self.ready_at = {}
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=6)

    def start(self, name, starter):
        try:
            setattr(self, name, starter())
        except LabError as exc:
            self.errors[name] = str(exc)
        self.ready_at[name] = time.monotonic()

    def submit(self, key, script, env):
        return self.pool.submit(lambda: self.results.__setitem__(key, run(script, env)))

    def run_all(self):
        started = self.started = time.monotonic()
        keyed = self.pool.submit(self.start, "keyed", lambda: start_vllm("keyed", model="pooling", env={"VLLM_API_KEY": RIGHT_KEY}))
        triton = self.pool.submit(self.start, "triton", start_triton)
        lora = self.pool.submit(self.start, "lora", lambda: start_vllm(
            "examples-lora", ["--enable-lora", "--max-lora-rank", "16",
                              "--lora-modules", f"nihao={lora_dir() / 'nihao'}"],
            env={"VLLM_ALLOW_RUNTIME_LORA_UPDATING": "true"}))
        dead = f"http://127.0.0.1:{free_port()}"
        jobs = []
        for script in SCRIPTS:
            if family(script) == "lora":   # nor adapters: the script must say so in one line
                jobs.append(self.submit(("no adapter", script), script,
                                        {k: v for k, v in self.live_env.items() if k != "CHAT_MODEL"}))
            elif family(script) != "triton":
                jobs.append(self.submit(("live", script), script, self.live_env))
            jobs.append(self.submit(("down", script), script, {
                **self.base, "OPENAI_BASE_URL": f"{dead}/v1", "POOLING_BASE_URL": f"{dead}/v1", "TRITON_URL": dead}))
            if reads_model(script) and family(script) != "triton":
                jobs.append(self.submit(("unknown model", script), script, {
                    **self.live_env, "CHAT_MODEL": "no-such-model", "POOLING_MODEL": "no-such-model",
                    "LORA_MODEL": "no-such-model"}))
        triton.result()
        if self.triton:
            for script in SCRIPTS:
                if family(script) == "triton":
                    env = {**self.base, "TRITON_URL": self.triton.url}
                    jobs.append(self.submit(("live", script), script, env))
                    jobs.append(self.submit(("unknown model", script), script, {**env, "TRITON_MODEL": "no-such-model"}))
        lora.result()
        if self.lora:
            for script in SCRIPTS:
                if family(script) == "tools":   # vLLM's defaults: no tool-call parser
                    jobs.append(self.submit(("no parser", script), script, {
                        **self.live_env, "OPENAI_BASE_URL": f"{self.lora.url}/v1"}))
            for script in SCRIPTS:
                if family(script) == "lora":
                    jobs.append(self.submit(("live", script), script, {
                        **self.base, "LORA_BASE_URL": f"{self.lora.url}/v1",
                        "LORA_PATH": str(lora_dir() / "pirate"), "LORA_NAME": f"pirate-{script[-2:]}"}))
        jobs.append(self.pool.submit(self.run_reference))
        keyed.result()
        if self.keyed:
            url = f"{self.keyed.url}/v1"
            for script in SCRIPTS:
                if family(script) == "triton":
                    continue
                keyed_env = {**self.base, "OPENAI_BASE_URL": url, "POOLING_BASE_URL": url}
                jobs.append(self.submit(("wrong key", script), script, {
                    **keyed_env, "OPENAI_API_KEY": WRONG_KEY, "POOLING_API_KEY": WRONG_KEY}))
                if server_of(script) == "pooling" or family(script) == "keys":
                    jobs.append(self.submit(("right key", script), script, {
                        **keyed_env, "OPENAI_API_KEY": RIGHT_KEY, "POOLING_API_KEY": RIGHT_KEY}))
        for job in jobs:
            job.result()
        self.seconds = time.monotonic() - started

    def run_reference(self):
        """Run every curl line REFERENCE.md shows; record the HTTP status each gets."""
        models = {kind: s.model or requests.get(f"{s.url}/v1/models", timeout=30, headers=s.headers).json()["data"][0]["id"]
                  for kind, s in (("chat", self.chat), ("pooling", self.pooling))}
        env = {**self.base, "CHAT": self.chat.url, "POOLING": self.pooling.url, "CHAT_MODEL": models["chat"],
               "POOLING_MODEL": models["pooling"], "TRITON_MODEL": "smollm2",
               "TRITON": self.triton.url if self.triton else "", "TOOLS": self.chat.url,
               "LORA": self.lora.url if self.lora else "", "ADAPTER": "pirate-curl",
               "LORA_PATH": str(lora_dir() / "pirate") if self.lora else "",
               "AUDIO": self.chat.url, "AUDIO_MODEL": models["chat"]}   # the lab's chat server: a 404
        speech = Path(tempfile.mkdtemp()) / "speech.wav"         # the file the audio curl lines send
        with wave.open(str(speech), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
            w.writeframes(b"\x00\x00" * 1600)
        try:
            for s in reference.scripts():
                for i, r in enumerate(s.routes):
                    if not getattr(self, s.server, None) and s.server not in ("chat", "pooling", "tools", "audio"):
                        continue
                    job = None
                    if "{id}" in r.path:   # a background response still running, for GET and cancel
                        job = requests.post(f"{self.chat.url}/v1/responses", headers=self.chat.headers, timeout=60,
                                            json={"model": models["chat"], "input": "Write a long story.",
                                                  "max_output_tokens": 1024, "background": True, "store": True}).json()
                    line = reference.curl_line(s, r) + " -o /dev/null -w '%{http_code}'"
                    p = subprocess.run(["bash", "-c", line], env={**env, "RESPONSE_ID": job["id"] if job else ""},
                                       capture_output=True, text=True, timeout=240, cwd=speech.parent)
                    if job and not r.path.endswith("/cancel"):   # leave no generation running
                        requests.post(f"{self.chat.url}/v1/responses/{job['id']}/cancel", headers=self.chat.headers,
                                      timeout=60)
                    self.results["curl", f"{s.path.stem}:{r.method} {r.path}"] = (p.returncode, p.stdout, p.stderr, r.expect)
        finally:
            shutil.rmtree(speech.parent, ignore_errors=True)   # leave no file behind

    def stop(self):
        """Stop the servers side by side (one by one took 13 s, Triton's 7 of them)."""
        servers = [server for server in (self.keyed, self.triton, self.lora) if server]
        for done in [self.pool.submit(server.stop) for server in servers]:
            done.result()
        self.pool.shutdown()


@pytest.fixture(scope="module")
def lab():
    lab = Lab()
    try:
        lab.run_all()
        slow = sorted((r[3], k) for k, r in lab.results.items() if k[0] != "curl")[-5:]
        print(f"\nexamples: {len(lab.results)} runs in {lab.seconds:.0f} s; keyed vLLM ready after "
              f"{lab.ready_at.get('keyed', 0) - lab.started:.0f} s; slowest: {slow}", file=sys.stderr)
        yield lab
    finally:
        lab.stop()


def result(lab, scenario, script):
    if (scenario, script) not in lab.results:
        server = ("lora" if scenario == "no parser" else
                  family(script) if family(script) in ("triton", "lora") and scenario == "live" else "keyed")
        pytest.skip(f"no {server} server: {lab.errors.get(server, 'not started')}")
    return lab.results[scenario, script]


def assert_one_line_error(code, out, err, *patterns):
    assert code not in (0, None), f"exit status {code}; stdout: {out[-500:]}; stderr: {err[-500:]}"
    assert err.strip() and "\n" not in err.strip(), f"stderr is not one line: {err!r}"
    assert "Traceback" not in err
    for pattern in patterns:
        assert re.search(pattern, err), f"{pattern!r} not in {err!r}"


def test_every_script_has_checks():
    assert set(SCRIPTS) == set(LIVE) | set(EXPECTED_FAILURE), set(SCRIPTS) ^ (set(LIVE) | set(EXPECTED_FAILURE))
    assert len(SCRIPTS) >= 50


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_against_the_lab(lab, script):
    code, out, err, seconds = result(lab, "live", script)
    if script in EXPECTED_FAILURE:   # documented: the route does not exist on this server
        assert_one_line_error(code, out, err, EXPECTED_FAILURE[script])
        return
    assert code == 0, f"exit status {code} after {seconds:.0f} s; stderr: {err[-800:]}"
    for pattern in LIVE[script]:
        assert re.search(pattern, out, re.M), f"{pattern!r} not in the output:\n{out[-1500:]}"
    assert "\\u" not in out, "Chinese printed as \\uXXXX escapes"


@pytest.mark.parametrize("script", [s for s in SCRIPTS if family(s) == "lora"])
def test_lora_script_without_adapters(lab, script):
    """The lab's chat server serves no adapter: the script says what the server needs, in one line."""
    assert_one_line_error(*result(lab, "no adapter", script)[:3], r"serves no LoRA adapter",
                          r"--enable-lora --lora-modules")


@pytest.mark.parametrize("script", [s for s in SCRIPTS if family(s) == "tools"])
def test_tools_script_without_a_parser(lab, script):
    """A vLLM with its defaults (the LoRA server here) has no tool-call parser: a real 400 naming the flags."""
    assert_one_line_error(*result(lab, "no parser", script)[:3], r"HTTP 400", r"--tool-call-parser")


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_with_the_server_down(lab, script):
    assert_one_line_error(*result(lab, "down", script)[:3], r"no answer from http://127\.0\.0\.1:\d+")


@pytest.mark.parametrize("script", [s for s in SCRIPTS if reads_model(s)])
def test_script_with_an_unknown_model(lab, script):
    code, out, err, _ = result(lab, "unknown model", script)
    # /v1/systemone answers 501 before it looks at the model when the architecture is not supported
    assert_one_line_error(code, out, err, r"404|HTTP 501 from POST /v1/systemone" if "systemone" in script else r"404")


@pytest.mark.parametrize("script", [s for s in SCRIPTS if family(s) != "triton"])
def test_script_with_a_wrong_key(lab, script):
    code, out, err, _ = result(lab, "wrong key", script)
    if script in GENERATE_ONLY_OPEN:   # unguarded, and absent from the keyed (pooling) server
        assert_one_line_error(code, out, err, r"HTTP 404")
    elif open_routes_only(script):   # /health, /metrics, /openapi.json: vLLM checks no key there
        assert code == 0, f"{script} calls only unguarded routes, yet: {err}"
    else:
        assert_one_line_error(code, out, err, r"401|Unauthorized")


@pytest.mark.parametrize("script", [s for s in SCRIPTS if server_of(s) == "pooling" or family(s) == "keys"])
def test_script_with_the_right_key(lab, script):
    """The key really goes out as Authorization: Bearer (the keyed server is a pooling server)."""
    code, out, err, _ = result(lab, "right key", script)
    if script in EXPECTED_FAILURE:
        assert_one_line_error(code, out, err, r"404")
    elif family(script) == "keys":
        assert code == 0 and "requires a key" in out and "your key is accepted" in out, (code, out, err)
    else:
        assert code == 0, err


# Paths the notebooks call to show an error, not routes.
WRONG_ON_PURPOSE = {"/v1/model": "00: a wrong path's 404", "/v1/chat/completion": "31: a wrong route's 404"}


def reference_routes():
    return [f"{s.path.stem}:{r.method} {r.path}" for s in reference.scripts() for r in s.routes]


@pytest.mark.parametrize("route", reference_routes())
def test_reference_curl_line(lab, route):
    if ("curl", route) not in lab.results:
        pytest.skip(f"no Triton or LoRA server: {lab.errors}")
    code, status, err, expect = lab.results["curl", route]
    assert code == 0 and status == str(expect), f"curl exit {code}, HTTP {status} (expected {expect}): {err}"


def test_reference_is_current():
    assert (ROOT / "REFERENCE.md").read_text() == reference.render(), \
        "REFERENCE.md is stale: run python3 examples/make_reference.py"


def test_reference_covers_the_notebooks_routes():
    """Every vLLM route a notebook's code calls (all of them: 00-38, 40-43, 50) is a route REFERENCE.md documents."""
    import json
    documented = [re.sub(r"\{\w+\}", "[^/]+", r.path) for s in reference.scripts() for r in s.routes]
    pattern = re.compile(r"""["'/}](/(?:v1|v2|inference/v1)(?:/(?:[a-z_]+|\{[^}]*\}))+|/(?:health|ping|version|load|"""
                         r"""tokenize|detokenize|metrics|pooling|classify|score|rerank|openapi\.json|docs|generative_scoring)\b)""")
    missing = set()
    for nb in sorted((ROOT / "notebooks").glob("[0-3]*.ipynb")) + sorted((ROOT / "notebooks").glob("[45]*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                via_v1 = ["/v1" + rest for rest in re.findall(r"\{\w+\.v1\}((?:/[a-z_]+)+)", source)]   # f"{audio.v1}/..."
                for path in pattern.findall(source) + via_v1:
                    if path in WRONG_ON_PURPOSE:
                        continue
                    if not any(re.fullmatch(d, path) for d in documented):
                        missing.add(f"{nb.name}: {path}")
    assert not missing, sorted(missing)
