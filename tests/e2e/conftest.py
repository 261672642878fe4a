"""Browser tests: a live server (the production server, uvicorn) with demo data, driven by the system Chromium."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.browser import DEMO_PASSWORD
from tests.support.database import BACKEND, new_database
from tests.support.demo_cache import cached_demo, source_key
from tests.support.pages import prepare
from tests.support.servers import _free_port
from tests.support.web import TEST_SECRET

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with new_database("live", tmp_path_factory.mktemp("live")) as url:
        yield url


def set_up_from_cache(tracker: str, env: dict[str, str]) -> None:
    """What `tracker setup --demo` makes, in the live database and upload folder: the command runs once a day for
    every worker (tests/support/demo_cache.py), into an SQLite file each worker's live database is a copy of; it
    takes tens of CPU seconds, copying it a fraction of one."""

    def build(database: Path, uploads: Path) -> None:
        made = {**env, "DATABASE_URL": f"sqlite:///{database}", "UPLOAD_DIR": str(uploads)}
        subprocess.run([tracker, "setup", "--demo"], env=made, check=True, capture_output=True)

    database, uploads, _ = cached_demo("live-setup", source_key("tracker setup --demo", DEMO_PASSWORD), build)
    source, target = sqlite3.connect(database), sqlite3.connect(sa.make_url(env["DATABASE_URL"]).database)
    with closing(source), closing(target):
        source.backup(target)
    shutil.copytree(uploads, env["UPLOAD_DIR"], dirs_exist_ok=True)


@pytest.fixture(scope="session")
def live_server(live_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served by `tracker serve` on a free loopback port, set up by `tracker setup --demo`."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": live_database_url,
        "SECRET_KEY": TEST_SECRET,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "TRACKER_DEMO_PASSWORD": DEMO_PASSWORD,
    }
    tracker = str(Path(sys.executable).with_name("tracker"))
    if BACKEND == "sqlite":
        set_up_from_cache(tracker, env)
    else:
        subprocess.run([tracker, "setup", "--demo"], env=env, check=True, capture_output=True)
    prepare(live_database_url)
    log = tmp_path_factory.mktemp("log") / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([tracker, "serve", "--port", str(port)], env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        # A loaded 2-core machine (two test workers, PostgreSQL, Chromium) can take well over 10 s to start it.
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2)
                break
            except OSError as exc:
                if server.poll() is not None:
                    pytest.fail(f"the server stopped:\n{log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer /health within 60 s ({exc}):\n{log.read_text()}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed for the browser tests: install Debian's chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
