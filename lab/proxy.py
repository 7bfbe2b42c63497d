"""nginx in front of the lab's vLLM servers (notebook 35): one API key checked on every path,
per-key rate limits that answer 429 with Retry-After, a request size limit, streaming passed
through unbuffered (or buffered, per listener, to show the difference), and connections to vLLM
kept open and reused (upstream keepalive). Notebook 61 adds, per listener, TLS, a /health passed
to vLLM, request ids and a body limit of its own.

    proxy = start_nginx({"chat": "http://127.0.0.1:8000", "pooling": "http://127.0.0.1:8001"},
                        keys=["sk-..."], rate_per_s=2, burst=3, max_body="64k")
    proxy.urls["chat"]        # http://127.0.0.1:PORT, a listener per upstream
    proxy.stop()

nginx is Debian's package, unpacked (not installed: no service is started) by `make` into the lab's
cache, whose path `make` passes as NGINX; else an `nginx` on PATH. The configuration is written
from the template below into a private folder (mode 0700: it holds the keys) under logs/.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .servers import HOST, LabError, LessonServer, free_port, log_dir

CONFIG = """\
# written by lab/proxy.py (notebooks 35 and 61); nginx {version}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    log_format lesson '$remote_addr "$request" $status $body_bytes_sent key=$key_name '
                      'rt=$request_time upstream=$upstream_status{log_id}';
    access_log {prefix}/access.log lesson;

    # Which key a request carries: the Authorization header, matched against a table. The scheme
    # "Bearer" in any case, as vLLM accepts it; the key itself exactly. A header that matches no
    # line (none, a wrong key) maps to "" = no key.
    map $http_authorization $key_name {{
        default "";
{key_lines}
    }}
    # Requests counted per key (the zone is keyed by the key's name): {rate_per_s} a second,
    # bursts of {burst} more let through at once, the rest refused with 429. Keys mapped to ""
    # here are not counted (nginx does not account requests whose zone key is empty).
    map $key_name $rate_key {{
        default $key_name;
{unlimited_lines}
    }}
{request_id_map}    limit_req_zone $rate_key zone=per_key:1m rate={rate_per_s}r/s;
    limit_req_status 429;
    # Bodies larger than this are refused with 413 before they reach vLLM.
    client_max_body_size {max_body};
    default_type application/json;

{upstream_blocks}
{servers}
}}
"""

UPSTREAM = """\
    upstream {name}_vllm {{
        server {address};
{keepalive_line}    }}
"""

SERVER = """\
    server {{   # {name}: everything on this port goes to {upstream}
        listen {host}:{port}{ssl};
{body_line}{tls_lines}        location = /proxy-health {{ access_log off; return 200 '{{"proxy": "ok"}}'; }}
{health_block}        location / {{
{key_check}            limit_req zone=per_key burst={burst} nodelay;
            error_page 429 = @too_many;
            error_page 413 = @too_large;
            error_page 502 = @upstream_down;
            error_page 504 = @upstream_timeout;
            proxy_pass http://{name}_vllm;
            proxy_http_version 1.1;
            proxy_set_header Connection "";          # with keepalive: reuse connections to vLLM
            proxy_set_header Authorization "{upstream_auth}";   # the key vLLM itself wants, if any
            proxy_buffering {buffering};               # off: each streamed chunk is passed on at once
            proxy_read_timeout 600s;
{request_id_lines}        }}
        location @too_many {{
{id_header}            add_header Retry-After {retry_after} always;
            return 429 '{{"error": {{"message": "rate limit for this key exceeded, retry after {retry_after} s", "type": "rate_limit_error", "code": 429}}}}';
        }}
        location @too_large {{
{id_header}            return 413 '{{"error": {{"message": "request body larger than {body_limit}", "type": "invalid_request_error", "code": 413}}}}';
        }}
        location @upstream_timeout {{
{id_header}            return 504 '{{"error": {{"message": "the model server ({name}) did not answer in time", "type": "upstream_error", "code": 504}}}}';
        }}
        location @upstream_down {{
{id_header}            return 502 '{{"error": {{"message": "the proxy could not reach the model server ({name})", "type": "upstream_error", "code": 502}}}}';
        }}
    }}
"""


KEY_CHECK = """\
            if ($key_name = "") {
                return 401 '{"error": {"message": "missing or unknown API key (send Authorization: Bearer <key>)", "type": "authentication_error", "code": 401}}';
            }
"""

TLS_LINES = """\
        ssl_certificate {};             # with Let's Encrypt: fullchain.pem, not cert.pem
        ssl_certificate_key {};
        ssl_protocols TLSv1.2 TLSv1.3;          # nginx < 1.23.4 enables 1.0 and 1.1 unless told
"""

# /health passed to vLLM, without a key: a load balancer asks vLLM, not nginx, whether to send traffic.
HEALTH = """\
        location = /health {{                  # in production also: allow <load balancers>; deny all;
            access_log off;                      # polled every few seconds
            proxy_pass http://{name}_vllm;
            proxy_set_header Authorization "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 5s;
            error_page 502 504 = @upstream_down;
{request_id_lines}        }}
"""

# The client's X-Request-ID when it has a sane shape, else nginx's own ($request_id: 32 hex digits);
# sent to vLLM (which names the request after it), back to the client, and into the access log.
REQUEST_ID_MAP = """\
    map $http_x_request_id $req_id {
        "~^[A-Za-z0-9._-]{1,64}$" $http_x_request_id;   # a client's id of a sane shape
        default $request_id;                             # none, or any other: nginx's own
    }
"""
ID_HEADER = "            add_header X-Request-ID $req_id always;   # on nginx's own errors too\n"
REQUEST_ID_LINES = """\
            proxy_set_header X-Request-ID $req_id;
            add_header X-Request-ID $req_id always;
"""


def nginx_binary() -> str:
    """The nginx to run: NGINX (set by `make`: Debian's package unpacked in the lab's cache), else
    one on PATH. Raises LabError with what to do when there is none."""
    candidate = os.environ.get("NGINX") or ""
    if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("nginx") or (shutil.which("nginx", path="/usr/sbin:/usr/local/sbin"))
    if found:
        return found
    raise LabError("nginx not found: `make lab` unpacks Debian's package into the lab's cache "
                   "(on Debian/Ubuntu); elsewhere install nginx (apt, dnf, brew) or set NGINX=/path/to/nginx")


def nginx_version(binary: str) -> str:
    import subprocess
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stderr.strip()
    return out.split("/", 1)[-1] if "/" in out else out


def render_config(upstreams: dict, ports: dict, *, keys: dict, rate_per_s: float, burst: int,
                  max_body: str, retry_after: int, buffering: dict, prefix: str, version: str,
                  unlimited=(), upstream_keys: dict | None = None, keepalive: int = 8,
                  tls: dict | None = None, health: dict | None = None, request_ids: bool = False,
                  body_limits: dict | None = None) -> str:
    """The nginx.conf text (keys: {name: key}; upstreams/ports/buffering/upstream_keys/health:
    {listener: ...}; unlimited: key names the rate limit does not count; tls: {listener:
    (certificate file, key file)}; health: listeners whose /health goes to vLLM, without a key;
    request_ids: pass a client's X-Request-ID on, or make one; body_limits: {listener: size}
    where it differs from max_body)."""
    tls, health, body_limits = tls or {}, health or {}, body_limits or {}
    upstream_keys = {name: key for name, key in (upstream_keys or {}).items() if key}
    for name, key in [*keys.items(), *upstream_keys.items()]:
        if not key or any(c in key for c in '"\\\n\r ;{}$\''):
            raise LabError(f"key {name!r} has characters nginx's map cannot hold: use letters, digits, - and _")
    key_lines = "\n".join(f'        "~^[Bb][Ee][Aa][Rr][Ee][Rr] {re.escape(key)}$" "{name}";'
                          for name, key in keys.items())
    keepalive_line = (f"        keepalive {keepalive};   # idle connections to vLLM kept open, reused\n"
                      "        keepalive_timeout 4s;   # under vLLM's own 5 s (VLLM_HTTP_TIMEOUT_KEEP_ALIVE):\n"
                      "                                # never reuse one vLLM is closing\n"
                      if keepalive else "")
    upstream_blocks = "\n".join(UPSTREAM.format(name=name, address=urlsplit(upstream).netloc,
                                                 keepalive_line=keepalive_line)
                                 for name, upstream in upstreams.items())
    unlimited_lines = "\n".join(f'        "{name}" "";' for name in unlimited)
    id_lines = (REQUEST_ID_LINES if request_ids else "")
    servers = "\n".join(SERVER.format(name=name, upstream=upstream, host=HOST, port=ports[name],
                                      ssl=" ssl" if name in tls else "",
                                      key_check=KEY_CHECK if keys else "",   # keys={}: no key asked
                                      body_line=f"        client_max_body_size {body_limits[name]};\n"
                                      if name in body_limits else "",
                                      body_limit=body_limits.get(name, max_body),
                                      tls_lines=TLS_LINES.format(*tls[name]) if name in tls else "",
                                      health_block=HEALTH.format(name=name, request_id_lines=id_lines)
                                      if health.get(name) else "", request_id_lines=id_lines,
                                      id_header=ID_HEADER if request_ids else "",
                                      burst=burst, retry_after=retry_after, max_body=max_body,
                                      buffering="on" if buffering.get(name) else "off",
                                      upstream_auth=f"Bearer {upstream_keys[name]}"
                                      if upstream_keys.get(name) else "")
                        for name, upstream in upstreams.items())
    return CONFIG.format(prefix=prefix, version=version, key_lines=key_lines, rate_per_s=rate_per_s,
                         burst=burst, max_body=max_body, servers=servers, upstream_blocks=upstream_blocks,
                         unlimited_lines=unlimited_lines,
                         request_id_map=REQUEST_ID_MAP if request_ids else "",
                         log_id=" id=$req_id" if request_ids else "")


class Proxy(LessonServer):
    """A running nginx; `urls[name]` is the listener for upstream `name`, `config` its text."""

    def __init__(self, upstreams: dict, *, keys: dict, rate_per_s: float = 2, burst: int = 3,
                 max_body: str = "64k", retry_after: int = 1, buffering: dict | None = None,
                 unlimited=(), upstream_keys: dict | None = None, keepalive: int = 8,
                 tls: dict | None = None, health: dict | None = None, request_ids: bool = False,
                 body_limits: dict | None = None, timeout: float = 30, stream=None):
        binary = nginx_binary()
        self.version = nginx_version(binary)
        logs = log_dir()
        logs.mkdir(parents=True, exist_ok=True)
        self.prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=logs))   # mode 0700
        (self.prefix / "tmp").mkdir()
        self.ports = {name: free_port() for name in upstreams}
        tls = tls or {}
        self.urls = {name: f"{'https' if name in tls else 'http'}://{HOST}:{port}"
                     for name, port in self.ports.items()}
        self.config = render_config(upstreams, self.ports, keys=keys, rate_per_s=rate_per_s,
                                    burst=burst, max_body=max_body, retry_after=retry_after,
                                    buffering=buffering or {}, prefix=str(self.prefix),
                                    version=self.version, unlimited=unlimited,
                                    upstream_keys=upstream_keys, keepalive=keepalive,
                                    tls=tls, health=health, request_ids=request_ids,
                                    body_limits=body_limits)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.config)
        self.access_log = self.prefix / "access.log"
        command = [binary, "-p", str(self.prefix), "-c", str(conf), "-g", "daemon off;"]
        if os.geteuid() == 0:   # as root, nginx's workers would switch to "nobody", who cannot
            command[-1] += " user root;"    # write the private folder
        plain = [name for name in self.ports if name not in tls]
        if not plain:
            raise LabError("start_nginx needs one listener without TLS: the lab checks it is up there")
        first = plain[0]
        # NGINX (our path to the binary) is also nginx's own variable for inherited sockets: unset
        super().__init__("nginx", command, env={"NGINX": None}, port=self.ports[first], timeout=timeout,
                         health="/proxy-health", stream=stream,
                         shown=["nginx", "-p", str(self.prefix), "-c", str(conf), "-g", "daemon off;"],
                         note=f"nginx {self.version}; its configuration is proxy.config",
                         extra_ports=[p for p in self.ports.values() if p != self.ports[first]])

    def access_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []


def start_nginx(upstreams: dict, *, keys: dict, **options) -> Proxy:
    """Start nginx with a listener per upstream ({"chat": "http://127.0.0.1:8000", ...})."""
    return Proxy(upstreams, keys=keys, **options)
