"""Direct work of the national pages: the dashboard and a recommendation's national page, built and rendered in
Python without HTTP (``load.direct_renderers``: the same context functions, the same Jinja environment).

    make bench-direct                        # or: python bench/direct.py
    DIRECT_SCALE=50 DIRECT_RUNS=40 make bench-direct
    python bench/direct.py --profile         # also a cProfile of each page, top 25 by cumulative time
    python bench/direct.py --save-html DIR   # write each page's HTML to DIR (to compare two versions byte for byte)

The demo database of each scale is built once and kept (SQLite, under /dev/shm when there is one, else var/):
a scale-50 demo takes minutes. It is rebuilt when the migrations change, or with --rebuild. Before timing, the
summaries whose today-relative figures no longer hold are stored again, as the daily job does, so a database
built on an earlier day is timed as a served one would be.

Prints the median (and the quartiles) of DIRECT_RUNS renders of each page, after two untimed ones, and the median
CPU time of this process per render (less disturbed by other processes on a shared machine). Each page is timed
twice: as a request gets it while nothing has changed (its content from the store, tracker.reports.oversight_store),
and after a change (oversight's revision moved on before each render, untimed), when the content is built, rendered
and stored again.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from load import PASSWORD, ROOT, TRACKER, Targets, direct_renderers, environment  # bench/load.py

SCALE = int(os.environ.get("DIRECT_SCALE", "50"))
RUNS = int(os.environ.get("DIRECT_RUNS", "30"))


def cache_dir(scale: int) -> Path:
    """Where the demo at ``scale`` is kept: one folder per scale and state of the migrations."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else ROOT / "var"
    versions = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    schema = hashlib.sha256("\n".join(versions).encode()).hexdigest()[:10]
    return base / "tracker-bench-direct" / f"scale-{scale}-{schema}"


def demo_database(scale: int, rebuild: bool) -> tuple[str, dict[str, str]]:
    """The URL and environment of the demo at ``scale``, built if it is not there yet."""
    folder = cache_dir(scale)
    database = folder / "bench.db"
    env = environment(f"sqlite:///{database}", folder)
    env["TRACKER_DEMO_PASSWORD"] = PASSWORD
    if rebuild and folder.exists():
        shutil.rmtree(folder)
    if not database.exists():
        folder.mkdir(parents=True, exist_ok=True)
        building = folder / "building.db"
        building.unlink(missing_ok=True)
        build_env = environment(f"sqlite:///{building}", folder)
        print(f"Building the demo at scale {scale} in {folder} (once; a scale-50 demo takes minutes)...", flush=True)
        start = time.perf_counter()
        for command in (["setup", "--no-demo"], ["demo", "--scale", str(scale)]):
            subprocess.run([TRACKER, *command], env=build_env, check=True, capture_output=True)
        building.rename(database)
        print(f"Built in {time.perf_counter() - start:.0f} s.")
    subprocess.run([TRACKER, "rebuild-summaries", "--expired"], env=env, check=True, capture_output=True)
    return f"sqlite:///{database}", env


def timed(
    render: Callable[[], str], runs: int, prepare: Callable[[], None] | None = None
) -> tuple[list[float], list[float]]:
    """Milliseconds of each of ``runs`` calls, after two untimed ones (templates compiled, caches warm): on the
    clock, and of this process's CPU time (which other processes on a shared machine disturb less). ``prepare``
    runs, untimed, before each call (a change to the data)."""
    for _ in range(2):
        render()
    wall, cpu = [], []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        start, start_cpu = time.perf_counter(), time.process_time()
        render()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=SCALE)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--profile", action="store_true", help="cProfile each page, top 25 by cumulative time")
    parser.add_argument("--save-html", type=Path, help="write each page's HTML into this folder")
    parser.add_argument("--rebuild", action="store_true", help="build the demo database again")
    args = parser.parse_args()
    url, env = demo_database(args.scale, args.rebuild)
    renderers, engine = direct_renderers(url, env, Targets.read(url))
    print(f"Direct work at demo scale {args.scale} (SQLite), median of {args.runs} renders:")
    for label, (render, prepare) in renderers.items():
        html = render()
        if args.save_html:
            args.save_html.mkdir(parents=True, exist_ok=True)
            (args.save_html / f"{label.replace(' ', '-')}.html").write_text(html)
        wall, cpu = timed(render, args.runs, prepare)
        q1, median, q3 = statistics.quantiles(wall, n=4)
        print(
            f"  {label}: {median:.1f} ms (quartiles {q1:.1f}-{q3:.1f}; CPU time {statistics.median(cpu):.1f} ms; "
            f"{len(html):,} characters)"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                if prepare is not None:
                    prepare()
                render()
            profiler.disable()
            print(f"\n  cProfile of 5 renders of the {label}, top 25 by cumulative time:")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    engine.dispose()


if __name__ == "__main__":
    main()
