"""The files in deploy/ work as the operating guide uses them.

- deploy/tracker.env.example is read the same by the shell (`set -a; . tracker.env`, as the guide, the restore
  steps and deploy/crontab do) and by systemd's EnvironmentFile= (the units): every variable, the same value.
- deploy/nginx.conf (with deploy/tracker-proxy.conf included) passes `nginx -t`, and keeps its cache in a folder
  Debian's nginx package creates; run for real, it gives /metrics, in every spelling, only to the monitoring network.
"""

from __future__ import annotations

import http.client
import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.deploy import DEPLOY, systemd_environment_file

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def test_the_example_settings_read_the_same_in_the_shell_as_in_systemd():
    example = DEPLOY / "tracker.env.example"
    expected = systemd_environment_file(example.read_text())
    assert expected["SERVICE_OPERATOR"] == "The organisation that runs this service"
    names = " ".join(expected)
    script = (
        f'set -a; . "{example}"; set +a; for name in {names}; do printf "%s=%s\\0" "$name" "${{!name-UNSET}}"; done'
    )
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={"PATH": os.defpath})
    assert run.returncode == 0 and run.stderr == "", run.stderr
    read = dict(item.split("=", 1) for item in run.stdout.split("\0") if item)
    assert read == expected


def test_the_check_knows_every_placeholder_of_the_example_file():
    from tracker.checks import EXAMPLE_VALUES

    example = systemd_environment_file((DEPLOY / "tracker.env.example").read_text())
    for name, value in EXAMPLE_VALUES.items():
        assert example[name] == value, f"{name}: tracker.checks.EXAMPLE_VALUES is out of date with the example"


@pytest.fixture
def nginx() -> str:
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    return NGINX


def test_the_nginx_cache_lives_in_a_folder_debians_nginx_creates():
    [path] = re.findall(r"^proxy_cache_path (\S+)", (DEPLOY / "nginx.conf").read_text(), re.MULTILINE)
    assert Path(path).parent == Path("/var/lib/nginx"), "Debian's nginx package creates /var/lib/nginx"
    if NGINX is not None:
        assert Path(path).parent.is_dir()


def site_as_installed(tmp_path: Path) -> str:
    """deploy/nginx.conf as the guide installs it, with only what is the site's own changed: the certificate (a
    self-signed pair), and paths moved into a scratch folder (the cache, the log, the included proxy settings)."""
    pair = ["-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")]
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t.test"]
    subprocess.run([*openssl, *pair], check=True, capture_output=True)
    site = (DEPLOY / "nginx.conf").read_text()
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path / 'cert.pem'};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};", site)
    site = site.replace("/var/lib/nginx/tracker-cache", str(tmp_path / "cache"))
    site = site.replace("/var/log/nginx/", str(tmp_path) + "/")
    return site.replace("/etc/nginx/tracker-proxy.conf", str(DEPLOY / "tracker-proxy.conf"))


def test_the_nginx_configuration_passes_nginx_t(nginx, tmp_path):
    (tmp_path / "tracker.conf").write_text(site_as_installed(tmp_path))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path / 'tracker.conf'};\n}}\n"
    )
    run = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True)
    assert run.returncode == 0, run.stderr.decode()


class AnswersEverything(http.server.BaseHTTPRequestHandler):
    """Stands for an app that would give its metrics to the proxy (METRICS_ALLOW=127.0.0.1): the worst case."""

    def do_GET(self) -> None:
        body = b"tracker_requests_total 1\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AnswersEverything)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def running_site(nginx: str, tmp_path: Path, upstream: int) -> tuple[subprocess.Popen[bytes], int]:
    """deploy/nginx.conf served on 127.0.0.1 without TLS, its upstreams replaced by ``upstream``, and 127.0.0.2
    as the monitoring network (the loopback network holds both addresses)."""
    port, redirect = free_port(), free_port()
    site = site_as_installed(tmp_path)
    for old, new in [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{port};"),
        ("listen 80;", f"listen 127.0.0.1:{redirect};"),
        ("allow 10.0.0.0/8;", "allow 127.0.0.2;"),
    ]:
        assert old in site, old
        site = site.replace(old, new)
    site = re.sub(r"\n\s*listen \[::\]:[^;]*;", "", site)
    site, upstreams = re.subn(r"server 127\.0\.0\.1:\d+", f"server 127.0.0.1:{upstream}", site)
    assert upstreams == 2
    (tmp_path / "tracker.conf").write_text(site)
    temp = "\n".join(
        f"  {name}_temp_path {tmp_path / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\n  access_log off;\n{temp}\n  include {tmp_path / 'tracker.conf'};\n}}\n"
    )
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"nginx did not start: {process.communicate()[1].decode()}")


def status(port: int, path: str, source: str) -> int:
    """The status nginx gives ``path``, sent exactly as written (no client normalising it), from ``source``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"Host": "tracker.example.org"})
        return connection.getresponse().status
    finally:
        connection.close()


# Every spelling the app's router takes for /metrics (outsider pass 13, F1), and some it does not.
METRICS_SPELLINGS = [
    "/metrics",
    "/metrics/",
    "/metrics%2F",
    "/metrics%2f",
    "/metrics/.",
    "/metrics/./",
    "//metrics",
    "/%6detrics",
    "/%6Detrics",
    "/./metrics",
    "/x/../metrics",
    "/metrics?format=text",
    "/metrics/x",
]


def test_the_nginx_site_keeps_metrics_to_the_monitoring_network_whatever_the_spelling(nginx, tmp_path, upstream):
    process, port = running_site(nginx, tmp_path, upstream)
    try:
        for path in METRICS_SPELLINGS:
            assert status(port, path, "127.0.0.1") == 403, f"{path} from outside the monitoring network"
        assert status(port, "/metrics", "127.0.0.2") == 200, "the monitoring network gets the metrics"
        assert status(port, "/recommendations", "127.0.0.1") == 200, "and every other page is not guarded"
    finally:
        process.terminate()
        process.wait(timeout=10)
