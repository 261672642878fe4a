"""PostgreSQL restarted while requests are in flight.

The test runs its own throwaway PostgreSQL cluster (initdb in a temporary folder, on a free port; the shared
server on 5432 is never touched), serves the app on it with the production server, and keeps an editor posting
updates while the cluster is stopped and started again. During the outage every answer is a 503 with a clear
page (never a 500); afterwards the app recovers by itself (the pool checks connections before use) and every
update it acknowledged is in the database.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.support.accounts import USER_PASSWORD
from tests.support.database import BACKEND, ORGANISATIONS_FILE
from tests.support.factories import SMALL_ORGANISATIONS, SMALL_SET, write
from tests.support.plans import response_of
from tests.support.servers import Server, _free_port, browser
from tests.support.web import TEST_SECRET
from tracker import migrate
from tracker.accounts.services import create_user
from tracker.audit.services import Actor
from tracker.db import for_writing, make_engine
from tracker.loading import load_file
from tracker.organisations.services import get_by_slug
from tracker.plans.models import ProgressUpdate
from tracker.settings import PROJECT_ROOT
from tracker.vocabulary import Role

assert ORGANISATIONS_FILE  # the small files below stand in for the bundled ones

pytestmark = [
    pytest.mark.skipif(
        BACKEND != "postgresql",
        reason="a PostgreSQL outage is tested in the PostgreSQL leg (TRACKER_TEST_DB=postgresql)",
    ),
    pytest.mark.reaches_database,
    pytest.mark.commits,  # real commits: a PostgreSQL server of its own is stopped and started under a live server
]


class Cluster:
    """A private PostgreSQL cluster, run as the postgres user, listening on 127.0.0.1:port and a socket in its dir."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if os.geteuid() != 0 or not binaries or not shutil.which("runuser"):
            pytest.skip("a private PostgreSQL cluster needs root, runuser and /usr/lib/postgresql/*/bin/initdb")
        self.bin = Path(binaries[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="tracker-pg-", dir="/tmp"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/tracker"

    def _as_postgres(self, *args: str) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr or done.stdout}")

    def init(self) -> None:
        try:
            self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres")
        except (RuntimeError, OSError) as exc:
            pytest.skip(f"initdb of a private cluster did not work on this machine: {exc}")
        self.start()
        self._as_postgres(str(self.bin / "createdb"), "-h", str(self.dir), "-p", str(self.port), "tracker")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def outage_server(cluster, tmp_path) -> Iterator[tuple[Server, int]]:
    migrate.upgrade(cluster.url)
    engine = make_engine(cluster.url)
    with Session(for_writing(engine), expire_on_commit=False) as session:
        load_file(session, write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), Actor("test setup"))
        load_file(session, write(tmp_path, "set.yaml", SMALL_SET), Actor("test setup"))
        create_user(
            session,
            email="editor@kent.example.org",
            display_name="Kent editor",
            role=Role.EDITOR,
            password=USER_PASSWORD,
            organisation=get_by_slug(session, "kent"),
            actor=Actor("test setup"),
        )
        session.commit()
        response_id = response_of(session, "kent", "1.1").id
    engine.dispose()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "DATABASE_URL": cluster.url,
        "SECRET_KEY": TEST_SECRET,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    server = Server(env, tmp_path / "server.log")
    server.start()
    yield server, response_id
    server.stop()


def test_a_database_restart_mid_requests_gives_503_then_recovers_and_loses_no_acknowledged_write(
    cluster, outage_server
):
    server, response_id = outage_server
    client = browser(server, "editor@kent.example.org")
    token = client.cookies["csrftoken"]
    acknowledged: list[str] = []
    answers: list[int] = []
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            text = f"Update number {n}"
            try:
                answer = client.post(
                    f"/plan/responses/{response_id}/updates",
                    data={"text": text, "visibility": "internal"},
                    headers={"x-csrftoken": token},
                    timeout=30,
                )
            except httpx.HTTPError as exc:  # the server itself must keep answering
                answers.append(-1)
                print("no answer:", exc)
                continue
            answers.append(answer.status_code)
            if answer.status_code == 303:
                acknowledged.append(text)
            time.sleep(0.02)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        time.sleep(1.5)
        assert 303 in answers, f"writes succeed before the outage: {answers}"
        cluster.stop()
        time.sleep(0.5)  # a request answered just as the server went down may still have been a success
        before_outage = len(answers)
        time.sleep(2)
        during = httpx.get(f"{server.base}/plan/kent", cookies=client.cookies, timeout=30)
        api = httpx.get(
            f"{server.base}/api/responses/{response_id}",
            cookies=client.cookies,
            headers={"x-csrftoken": token},
            timeout=30,
        )
        health = httpx.get(f"{server.base}/health", timeout=30)
        outage_answers = answers[before_outage:]
        cluster.start()
        recovered = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if answers and answers[-1] == 303 and len(answers) > before_outage + len(outage_answers):
                recovered = len(answers)
                break
            time.sleep(0.1)
        time.sleep(1)
    finally:
        stop.set()
        writer.join(timeout=60)

    assert set(answers) <= {303, 503}, f"only successes and 503s, never a 500 or no answer: {sorted(set(answers))}"
    assert outage_answers and set(outage_answers) == {503}, f"during the outage: {outage_answers}"
    assert during.status_code == 503
    assert "Sorry, the service is unavailable" in during.text and "database cannot be reached" in during.text
    assert during.headers["retry-after"] and during.headers["content-type"].startswith("text/html")
    assert health.status_code == 503
    assert api.status_code == 503 and api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 503
    assert recovered is not None, f"the app recovered by itself after the restart: {answers[-20:]}"

    engine = make_engine(cluster.url)
    try:
        with engine.connect() as conn:
            stored = set(conn.execute(sa.select(ProgressUpdate.text)).scalars())
    finally:
        engine.dispose()
    missing = [text for text in acknowledged if text not in stored]
    assert not missing, f"acknowledged but lost: {missing}"
    assert len(acknowledged) > 5
