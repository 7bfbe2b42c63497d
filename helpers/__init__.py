"""Small helpers the notebooks share: where the servers are, readable output, curl lines,
and one-line errors.

    from helpers import connect, show, curl, highlight
    chat = connect("chat")          # checks the server, finds the model, prints both
"""
from .config import Settings, server_root, settings_for
from .display import curl, highlight, show, to_json
from .errors import (APIError, ConfigError, ServerError, ServerUnavailable, check, explain,
                     install_ipython_handler)
from .server import TIMEOUT, Endpoint, connect, session


install_ipython_handler()

__all__ = [
    "APIError", "ConfigError", "Endpoint", "ServerError", "ServerUnavailable", "Settings",
    "TIMEOUT", "check", "connect", "curl", "explain", "highlight", "server_root", "session",
    "settings_for", "show", "to_json",
]
