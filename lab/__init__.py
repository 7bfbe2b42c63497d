"""The lab: everything that runs a server for the lessons (learners import `helpers` instead).

    python -m lab serve | run -- CMD | stop      the two embedded vLLM servers (lab/launcher.py)

A lesson that starts a server of its own imports it from here; each prints the shell command it
stands for, waits with one line, is a context manager, and `stop()` proves it stopped:

    from lab import start_vllm                     # a vLLM with the lesson's flags (lab/servers.py)
    from lab import start_triton                   # Triton from its wheel (lab/triton_server.py)
    from lab.proxy import start_nginx              # nginx in front of vLLM (lab/proxy.py)
    from lab.router import start_router            # vLLM's router (lab/router.py)
    from lab.prometheus import start_prometheus    # Prometheus scraping vLLM (lab/prometheus.py)

Also here, run by `make`: install.py (the environments), prepare_models.py and prepare_audio.py
(the models), make_adapter.py (notebook 38's LoRA adapters), and the assets: chat-templates/, specs/.
"""
from .servers import LabError, LessonServer, free_port, lora_dir, start_triton, start_vllm

__all__ = ["LabError", "LessonServer", "free_port", "lora_dir", "start_triton", "start_vllm"]
