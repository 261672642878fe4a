"""nginx from Debian in front of `tracker serve`, with the shared cache of deploy/tracker-proxy.conf, on 127.0.0.1.

Used by `make bench-load` (the public mix through the cache and direct) and tests/faults/test_shared_cache_nginx.py
(nothing private is ever stored). It runs the repository's own proxy settings: only the listening address, the
upstream servers and the folders are written here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROXY_SETTINGS = ROOT / "deploy" / "tracker-proxy.conf"


def nginx_binary() -> str | None:
    """nginx if it is installed (Debian puts it in /usr/sbin, which may not be on PATH)."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(workdir: Path, port: int, upstreams: list[int], workers: int = 1) -> str:
    temp = {name: workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in [*temp.values(), workdir / "cache"]:
        folder.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    user = "user root;" if os.geteuid() == 0 else ""  # workers started by root would otherwise run as nobody
    return f"""
{user}
daemon off;
worker_processes {workers};
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    proxy_cache_path {workdir / "cache"} levels=1:2 keys_zone=tracker:10m max_size=100m inactive=10m use_temp_path=off;
    upstream tracker {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {PROXY_SETTINGS};
    }}
}}
"""


class Nginx:
    """``with Nginx(workdir, [app port, ...]) as proxy:`` serves at ``proxy.base``; ``proxy.cache`` is its store."""

    def __init__(self, workdir: Path, upstreams: list[int], workers: int = 1) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
        self.binary, self.workdir = binary, workdir
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cache = workdir / "cache"
        self.conf = workdir / "nginx.conf"
        self.conf.write_text(config(workdir, self.port, upstreams, workers))
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Nginx:
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.conf), "-p", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        log = (self.workdir / "error.log").read_text() if (self.workdir / "error.log").exists() else ""
        raise RuntimeError(f"nginx did not start: {log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def stored(self) -> list[str]:
        """Every response in the cache, as stored (its key line, headers and body), decoded leniently."""
        return [path.read_bytes().decode("latin-1") for path in self.cache.rglob("*") if path.is_file()]
