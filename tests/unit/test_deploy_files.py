"""The files in deploy/ work as the operating guide uses them.

- deploy/tracker.env.example is read the same by the shell (`set -a; . tracker.env`, as the guide, the restore
  steps and deploy/crontab do) and by systemd's EnvironmentFile= (the units): every variable, the same value.
- deploy/nginx.conf (with deploy/tracker-proxy.conf included) passes `nginx -t`, and keeps its cache in a folder
  Debian's nginx package creates.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tracker.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def systemd_environment_file(text: str) -> dict[str, str]:
    """What systemd's EnvironmentFile= reads from ``text`` (systemd.exec(5)): KEY=VALUE lines, # comments, a
    value in double quotes taken without them (with \\" and \\\\ unescaped), otherwise as written."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = re.sub(r'\\(["\\])', r"\1", value[1:-1])
        values[name.strip()] = value
    return values


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


def test_the_nginx_configuration_passes_nginx_t(nginx, tmp_path):
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
    site = site.replace("/etc/nginx/tracker-proxy.conf", str(DEPLOY / "tracker-proxy.conf"))
    (tmp_path / "tracker.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path / 'tracker.conf'};\n}}\n"
    )
    run = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
