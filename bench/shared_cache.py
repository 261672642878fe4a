"""The public mix through a shared cache (nginx, deploy/tracker-proxy.conf) against the same server direct, with wrk.

Part of ``make bench-load`` when nginx and wrk are installed (Debian: nginx-light, wrk): for the first setup,
wrk runs the public pages of the workload (each at its share of the load run, PUBLIC_WEIGHTS: open data about a
third, the evidence table, which caches must always ask, 2%) with CACHE_CONNECTIONS (16) connections for
CACHE_SECONDS (10; 3 in a smoke run) straight at one `tracker serve` process, then through nginx in front of it.
Target: the cache answers at least 10 times as many requests a second.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
from nginx_cache import Nginx, nginx_binary  # this folder is on sys.path

SECONDS = int(os.environ.get("CACHE_SECONDS", "3" if os.environ.get("LOAD_SMOKE") else "10"))
CONNECTIONS = int(os.environ.get("CACHE_CONNECTIONS", "16"))
TARGET = 10.0

SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def available() -> str | None:
    """None when the run can be made, else why not."""
    missing = [name for name, found in (("nginx", nginx_binary()), ("wrk", shutil.which("wrk"))) if not found]
    return f"{' and '.join(missing)} not installed (Debian: apt-get install nginx-light wrk)" if missing else None


def wrk(base: str, paths: list[str], workdir: Path) -> dict[str, Any]:
    script = workdir / "mix.lua"
    script.write_text(SCRIPT % ", ".join(f'"{p}"' for p in paths))
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", str(script), base]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    return {
        "rps": round(rps),
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def measure(base: str, app_port: int, weighted: list[tuple[str, float]]) -> dict[str, Any]:
    """The mix direct, then through the cache (warmed by one request per page): wrk takes the paths in turn, each
    as often as its weight says (in quarters)."""
    paths = [path for path, weight in weighted for _ in range(max(1, round(weight * 4)))]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        direct = wrk(base, paths, workdir)
        with Nginx(workdir / "nginx", [app_port], workers=2) as nginx:
            for path, _ in weighted:
                httpx.get(nginx.base + path, timeout=30)
            cached = wrk(nginx.base, paths, workdir)
    return {
        "pages": [path for path, _ in weighted],
        "connections": CONNECTIONS,
        "seconds": SECONDS,
        "direct": direct,
        "cached": cached,
        "ratio": round(cached["rps"] / direct["rps"], 1) if direct["rps"] else None,
    }


def report(result: dict[str, Any]) -> tuple[str, bool]:
    d, c = result["direct"], result["cached"]
    print(
        f"Shared cache (nginx, deploy/tracker-proxy.conf), the public mix of {len(result['pages'])} pages, wrk "
        f"{result['connections']} connections for {result['seconds']} s:\n"
        f"  direct        {d['rps']:>8} requests/s  p50 {d['p50']}  p99 {d['p99']}  non-2xx {d['non_2xx']}\n"
        f"  through cache {c['rps']:>8} requests/s  p50 {c['p50']}  p99 {c['p99']}  non-2xx {c['non_2xx']}\n"
        f"  ratio {result['ratio']}x"
    )
    ok = bool(result["ratio"] and result["ratio"] >= TARGET and not c["non_2xx"] and not d["non_2xx"])
    return f"public mix through the shared cache at least {TARGET:.0f}x direct ({result['ratio']}x)", ok
