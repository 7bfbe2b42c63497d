"""helpers.engines: TGI's spec as a validator, and parameter translation in both directions."""
import json
from pathlib import Path

import pytest

from helpers import engines
from helpers.engines import (TGI_EXAMPLES, TGI_WRONG, legacy_vllm_to_openai, openai_to_tgi, tgi_errors,
                             tgi_to_openai, tgi_unknown_fields)

ROOT = Path(__file__).resolve().parent.parent


def test_the_spec_is_the_one_copied_with_its_licence():
    spec = engines.tgi_spec()
    assert spec["info"]["title"] == "Text Generation Inference"
    assert spec["info"]["license"]["name"] == "Apache 2.0"
    assert "Apache License" in (ROOT / "lab" / "specs" / "LICENSE-TGI").read_text()


@pytest.mark.parametrize("name", sorted(TGI_EXAMPLES))
def test_every_tgi_body_the_notebooks_send_is_valid(name):
    body = TGI_EXAMPLES[name]
    schema = "CompatGenerateRequest" if "stream" in body else "GenerateRequest"
    assert tgi_errors(body, schema) == []


def test_the_wrong_body_is_rejected_for_the_spec_reasons():
    errors = tgi_errors(TGI_WRONG)
    assert any(e.startswith("parameters.max_new_tokens:") and "integer" in e for e in errors)
    assert any(e.startswith("parameters.temperature:") and "minimum of 0" in e for e in errors)
    assert any(e.startswith("parameters.stop:") and "too long" in e for e in errors)
    assert tgi_unknown_fields(TGI_WRONG) == ["parameters.max_tokens"]


def test_missing_inputs_and_a_bad_grammar():
    assert tgi_errors({"parameters": {}}) == ["(body): 'inputs' is a required property"]
    errors = tgi_errors({"inputs": "x", "parameters": {"grammar": {"type": "xml", "value": 1}}})
    assert errors and errors[0].startswith("parameters.grammar:")


def test_null_is_accepted_where_the_spec_says_nullable():
    assert tgi_errors({"inputs": "x", "parameters": {"seed": None, "top_k": None, "truncate": None}}) == []


def test_documented_response_examples_are_checked():
    assert tgi_errors(engines.example_instance("TokenizeResponse"), "TokenizeResponse") == []
    # The spec's own examples contradict its schema in places ("Length" vs the enum "length").
    problems = tgi_errors(engines.example_instance("StreamResponse"), "StreamResponse")
    assert any("'Length' is not one of" in p for p in problems)


# --- translation, every row of engines.TABLE, both directions -------------------------------
def to_openai(**parameters):
    body, notes = tgi_to_openai({"inputs": "hi", "parameters": parameters}, model="m")
    assert body["model"] == "m" and body["prompt"] == "hi"
    return body, notes


def to_tgi(**fields):
    body, notes = openai_to_tgi({"model": "m", "prompt": "hi", **fields})
    assert body["inputs"] == "hi"
    assert tgi_errors(body) == [], "what we produce must be valid TGI"
    return body["parameters"], notes


def test_max_new_tokens_and_max_tokens():
    assert to_openai(max_new_tokens=20)[0]["max_tokens"] == 20
    assert to_tgi(max_tokens=20)[0]["max_new_tokens"] == 20


def test_do_sample_and_temperature():
    assert to_openai(do_sample=False)[0]["temperature"] == 0
    assert to_openai()[0]["temperature"] == 0                       # TGI's default is greedy
    assert to_openai(do_sample=True)[0]["temperature"] == 1.0
    assert to_openai(do_sample=True, temperature=0.5)[0]["temperature"] == 0.5
    assert to_openai(temperature=0.5)[0]["temperature"] == 0.5      # a warper turns sampling on
    assert to_openai(do_sample=False, top_k=10)[0]["temperature"] == 1.0
    params, _ = to_tgi(temperature=0)
    assert params["do_sample"] is False and "temperature" not in params   # TGI refuses 0
    params, _ = to_tgi(temperature=0.7)
    assert params["do_sample"] is True and params["temperature"] == 0.7


@pytest.mark.parametrize("name, value", [("top_p", 0.9), ("top_k", 10), ("seed", 42),
                                         ("repetition_penalty", 1.1), ("frequency_penalty", 0.1)])
def test_same_names(name, value):
    assert to_openai(do_sample=True, **{name: value})[0][name] == value
    assert to_tgi(temperature=0.7, **{name: value})[0][name] == value


def test_stop():
    assert to_openai(stop=["a", "b"])[0]["stop"] == ["a", "b"]
    assert to_tgi(stop=["a", "b"])[0]["stop"] == ["a", "b"]
    assert to_tgi(stop="a")[0]["stop"] == ["a"]                     # TGI wants a list


def test_top_n_tokens_and_logprobs():
    assert to_openai(top_n_tokens=5)[0]["logprobs"] == 5
    params, _ = to_tgi(logprobs=5)
    assert params["top_n_tokens"] == 5 and params["details"] is True


def test_details_and_logprobs_zero():
    assert to_openai(details=True)[0]["logprobs"] == 0
    assert "logprobs" not in to_openai(details=False)[0]
    params, _ = to_tgi(logprobs=0)
    assert params["details"] is True and "top_n_tokens" not in params


def test_decoder_input_details_and_prompt_logprobs():
    assert to_openai(decoder_input_details=True)[0]["prompt_logprobs"] == 0
    assert to_tgi(prompt_logprobs=0)[0]["decoder_input_details"] is True


def test_return_full_text_and_echo():
    assert to_openai(return_full_text=True)[0]["echo"] is True
    assert to_tgi(echo=True)[0]["return_full_text"] is True


def test_truncate():
    assert to_openai(truncate=100)[0]["truncate_prompt_tokens"] == 100
    assert to_tgi(truncate_prompt_tokens=100)[0]["truncate"] == 100


@pytest.mark.parametrize("grammar, structured", [
    ({"type": "json", "value": {"type": "object"}}, {"json": {"type": "object"}}),
    ({"type": "regex", "value": "[0-9]+"}, {"regex": "[0-9]+"}),
])
def test_grammar_and_structured_outputs(grammar, structured):
    assert to_openai(grammar=grammar)[0]["structured_outputs"] == structured
    assert to_tgi(structured_outputs=structured)[0]["grammar"] == grammar


def test_what_has_no_equivalent_is_dropped_with_a_note():
    body, notes = to_openai(watermark=True, best_of=2, typical_p=0.9, adapter_id="lora-1")
    assert not {"watermark", "best_of", "typical_p", "adapter_id"} & set(body)
    assert len(notes) == 4 and any(n.startswith("watermark") for n in notes)
    _, notes = to_tgi(n=3, presence_penalty=0.5)
    assert notes == ["n dropped: TGI's /generate has no such parameter",
                     "presence_penalty dropped: TGI's /generate has no such parameter"]


def test_stream_both_ways():
    body, _ = tgi_to_openai({"inputs": "hi", "stream": True}, model="m")
    assert body["stream"] is True
    _, notes = openai_to_tgi({"prompt": "hi", "stream": True})
    assert any("generate_stream" in n for n in notes)


def test_a_list_of_prompts_cannot_become_one_tgi_request():
    with pytest.raises(ValueError, match="one prompt"):
        openai_to_tgi({"prompt": ["a", "b"]})


def test_round_trip_keeps_every_translatable_parameter():
    params = {"do_sample": True, "temperature": 0.5, "top_p": 0.9, "top_k": 10, "seed": 7,
              "repetition_penalty": 1.1, "frequency_penalty": 0.1, "stop": ["x"], "max_new_tokens": 20,
              "top_n_tokens": 3, "details": True, "decoder_input_details": True,
              "return_full_text": True, "truncate": 50}
    openai_body, _ = tgi_to_openai({"inputs": "hi", "parameters": params}, model="m")
    back, notes = openai_to_tgi(openai_body)
    assert back == {"inputs": "hi", "parameters": params} and notes == []


def test_every_example_translates_to_a_body_vllm_accepts(chat):
    import requests
    for name, body in TGI_EXAMPLES.items():
        openai_body, _ = tgi_to_openai(body, model=chat.model)
        openai_body = {**openai_body, "max_tokens": 4, "stream": False}
        r = requests.post(f"{chat.v1}/completions", json=openai_body, headers=chat.headers, timeout=120)
        assert r.status_code == 200, (name, r.text)


def test_legacy_vllm_generate_fields_carry_over():
    seed = {"prompt": "保持健康的方法", "n": 5, "temperature": 0.0, "max_tokens": 64}
    assert legacy_vllm_to_openai(seed, model="m") == {"model": "m", **seed}
    assert json.dumps(engines.TABLE)  # the notebook prints it


@pytest.mark.parametrize("path, body, style", [
    ("/v1/chat/completions", {"messages": []}, "openai-chat"),
    ("http://127.0.0.1:1025/v1/chat/completions", {"messages": []}, "openai-chat"),
    ("/v1/completions", {"prompt": "x"}, "openai-completions"),
    ("/v1/models", None, "openai-models"),
    ("/generate", TGI_EXAMPLES["mindie generate"], "tgi"),
    ("/generate_stream", TGI_EXAMPLES["seed generate_stream"], "tgi"),
    ("/generate", {"prompt": "x", "n": 5}, "vllm-legacy"),
    ("/v2/models/smollm2/infer", {"inputs": []}, "kserve-v2"),
])
def test_engine_style(path, body, style):
    assert engines.engine_style(path, body) == style


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="no known API style"):
        engines.engine_style("/predict", {"text": "x"})


def test_for_vllm_maps_each_style():
    path, body, notes = engines.for_vllm("/v1/chat/completions", {"model": "qwen-72b", "messages": []}, "m")
    assert (path, body["model"], notes) == ("/v1/chat/completions", "m", ["model 'qwen-72b' -> 'm'"])
    path, body, _ = engines.for_vllm("/generate_stream", TGI_EXAMPLES["seed generate_stream"], "m")
    assert path == "/v1/completions" and body["stream"] is True and body["max_tokens"] == 50
    path, body, _ = engines.for_vllm("/generate", {"prompt": "x", "n": 2, "temperature": 0.5}, "m")
    assert path == "/v1/completions" and body == {"model": "m", "prompt": "x", "n": 2, "temperature": 0.5}
    assert engines.for_vllm("/v1/models", None, "m") == ("/v1/models", None, [])
    with pytest.raises(ValueError, match="typed tensors"):
        engines.for_vllm("/v2/models/x/infer", {"inputs": []}, "m")


def tgi_bodies_written_in_notebooks():
    """Every dict literal with an "inputs" key in the notebooks' code cells."""
    import ast

    import nbformat
    found = []
    for path in sorted((ROOT / "notebooks").glob("4*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Dict) and any(
                        isinstance(k, ast.Constant) and k.value == "inputs" for k in node.keys):
                    try:
                        found.append((f"{path.name} cell {index}", ast.literal_eval(node)))
                    except ValueError:
                        pass  # built from variables (a KServe tensor list): not a TGI body
    return found


def test_every_tgi_body_written_in_a_notebook_is_valid():
    bodies = tgi_bodies_written_in_notebooks()
    assert bodies, "notebook 43 writes one TGI body of its own"
    for where, body in bodies:
        if isinstance(body.get("inputs"), str):       # TGI's "inputs" is a string; KServe's a list
            assert tgi_errors(body) == [], where


def test_details_ask_vllm_for_token_ids_and_the_round_trip_drops_the_flag():
    body, _ = to_openai(details=True)
    assert body["return_token_ids"] is True
    assert to_openai(top_n_tokens=3)[0]["return_token_ids"] is True
    back, notes = openai_to_tgi(body)
    assert back["parameters"] == {"do_sample": False, "details": True} and notes == []


def completion(token_ids, finish_reason="length", stop_reason=None, with_ids=True):
    choice = {"text": "ab", "finish_reason": finish_reason, "stop_reason": stop_reason,
              "logprobs": {"tokens": ["a", "b"][:len(token_ids)], "token_logprobs": [-0.5, -1.0][:len(token_ids)],
                           "top_logprobs": [{"a": -0.5}, {"b": -1.0}][:len(token_ids)]}}
    if with_ids:
        choice["token_ids"] = token_ids
    return {"choices": [choice], "usage": {"completion_tokens": len(token_ids)}}


def test_the_tgi_shaped_answer_carries_vllms_token_ids():
    answer = engines.openai_to_tgi_response(completion([101, 202]))
    assert [t["id"] for t in answer["details"]["tokens"]] == [101, 202]
    assert "top_tokens" not in answer["details"]                 # no ids for the alternatives
    assert tgi_errors(answer, "GenerateResponse") == []
    eos = engines.openai_to_tgi_response(completion([101, 2], finish_reason="stop"))
    assert eos["details"]["finish_reason"] == "eos_token"
    assert [t["special"] for t in eos["details"]["tokens"]] == [False, True]


def test_the_tgi_shaped_answer_refuses_to_invent_ids():
    with pytest.raises(ValueError, match="return_token_ids"):
        engines.openai_to_tgi_response(completion([101, 202], with_ids=False))
