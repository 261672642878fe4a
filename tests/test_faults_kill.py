"""The production server (uvicorn, as `tracker serve` runs it) killed with SIGKILL in the middle of a write.

The server is started by a small launcher that stops the request at a precise point (after the first chunk of
an upload is written, after the upload is renamed but before its record is committed, half-way through an
import's rows) and signals the test, which then kills the process. Nothing is patched in the app itself: the
launcher wraps one internal function in the server process. Afterwards the database must hold all or nothing
of the write, and once the server has started again no orphaned upload file may remain.

The start-up sweep leaves files younger than ten minutes (another worker may be writing them), so the test
ages the leftovers before the restart, as the clock would during a real outage.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from tests.e2e.conftest import _free_port
from tests.support.accounts import USER_PASSWORD
from tests.support.web import TEST_SECRET
from tests.test_evidence import pdf_bytes
from tests.test_plans import response_of
from tests.test_spreadsheet import form_fields, snapshot
from tracker.evidence.models import Evidence
from tracker.settings import PROJECT_ROOT
from tracker.vocabulary import Role

# Real commits: server processes are killed mid-write and the database is read after.
pytestmark = pytest.mark.commits


LAUNCHER = r"""
import os, sys, time
import uvicorn

point, flag = os.environ["KILL_POINT"], os.environ["KILL_FLAG"]

def stop_here():
    with open(flag, "w") as f:
        f.write(point)
    time.sleep(3600)  # the test kills the process now

if point == "while-writing":
    from tracker.evidence import services as ev
    real_chunks = ev._chunks
    def chunks(content):
        for n, chunk in enumerate(real_chunks(content)):
            if n == 1:
                stop_here()
            yield chunk
    ev._chunks = chunks
elif point == "after-rename":
    from tracker.evidence import services as ev
    real_fsync = ev._fsync_directory
    def fsync_then_stop(directory):
        real_fsync(directory)
        stop_here()
    ev._fsync_directory = fsync_then_stop
elif point == "mid-import":
    from tracker.plans import spreadsheet as ss
    real_record, calls = ss.record, []
    def record_then_stop(session, **kwargs):
        event = real_record(session, **kwargs)
        calls.append(event)
        if len(calls) == 3:
            session.flush()  # rows are in the database's open transaction
            stop_here()
        return event
    ss.record = record_then_stop

uvicorn.run("tracker.app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]), workers=1)
"""


class Server:
    """A server process on a free port; ``start(point)`` runs it through the launcher."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, point: str | None = None) -> None:
        env = dict(self.env)
        if point:
            env |= {"KILL_POINT": point, "KILL_FLAG": str(self.flag)}
            args = [sys.executable, "-c", LAUNCHER, str(self.port)]
        else:
            args = [str(Path(sys.executable).with_name("tracker")), "serve", "--port", str(self.port)]
        self.flag.unlink(missing_ok=True)
        with self.log.open("a") as out:
            self.process = subprocess.Popen(args, env=env, stdout=out, stderr=out)
        for _ in range(200):
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"the server did not start:\n{self.log.read_text()}")

    @property
    def flag(self) -> Path:
        return self.log.with_name("stopped-here")

    def wait_for_stop(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.flag.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"the request never reached the kill point:\n{self.log.read_text()}")
            time.sleep(0.05)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def server(database_url, tmp_path) -> Iterator[Server]:
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    server = Server(env, tmp_path / "server.log")
    yield server
    server.stop()


@pytest.fixture
def editor(small_reference, make_user, session):
    user = make_user(Role.EDITOR, "kent")
    session.commit()
    return user


def browser(server: Server, email: str) -> httpx.Client:
    """A signed-in HTTP client with its CSRF token."""
    client = httpx.Client(base_url=server.base, timeout=60, follow_redirects=False)
    client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": USER_PASSWORD},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert answer.status_code == 303, answer.text
    return client


def in_background(fn) -> threading.Thread:
    """Send a request that will never be answered (the server dies under it)."""

    def run() -> None:
        with contextlib.suppress(httpx.HTTPError):
            fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def upload_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def age(folder: Path, seconds: int = 3600) -> None:
    for path in folder.iterdir():
        then = time.time() - seconds
        os.utime(path, (then, then))


@pytest.mark.parametrize("point", ["while-writing", "after-rename"])
def test_kill_9_during_an_evidence_upload_leaves_no_record_and_no_file_after_a_restart(server, editor, session, point):
    server.start(point)
    client = browser(server, editor.email)
    response_id = response_of(session, "kent", "1.1").id
    session.commit()
    big_pdf = pdf_bytes() + b"%" + b"x" * (3 * 1024 * 1024)  # several chunks
    request = in_background(
        lambda: client.post(
            f"/responses/{response_id}/evidence",
            data={"kind": "file", "visibility": "internal", "title": "Policy"},
            files={"file": ("policy.pdf", big_pdf, "application/pdf")},
            headers={"x-csrftoken": client.cookies["csrftoken"]},
        )
    )
    server.wait_for_stop()
    server.kill()
    request.join(timeout=30)

    session.rollback()
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 0, "no record without its file"
    uploads = Path(server.env["UPLOAD_DIR"])
    leftovers = upload_files(uploads)
    assert len(leftovers) == 1, leftovers  # the half-written .part file, or the renamed file with no record
    assert leftovers[0].endswith(".part") == (point == "while-writing")

    age(uploads)
    server.start()  # the start-up sweep
    assert upload_files(uploads) == []
    # and the service works: the same upload succeeds now
    client = browser(server, editor.email)
    done = client.post(
        f"/responses/{response_id}/evidence",
        data={"kind": "file", "visibility": "internal", "title": "Policy"},
        files={"file": ("policy.pdf", big_pdf, "application/pdf")},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert done.status_code == 303, done.text
    session.rollback()
    (stored,) = session.exec(select(Evidence.stored_name)).all()
    assert upload_files(uploads) == [stored]


def test_kill_9_in_the_middle_of_a_spreadsheet_import_leaves_nothing(server, editor, session):
    server.start("mid-import")
    client = browser(server, editor.email)
    rows = "".join(f"1.{1 + i % 2},In progress,Action {i},Update {i},01/10/2025\n" for i in range(6))
    content = ("Rec No.,Status,Action,Update,Update date\n" + rows).encode()
    checked = client.post(
        "/plan/kent/import",
        files={"file": ("plan.csv", content, "text/csv")},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert checked.status_code == 200, checked.text
    fields = form_fields(checked.text)
    before = snapshot(session)

    def apply() -> httpx.Response:
        return client.post(
            "/plan/kent/import/apply",
            data=fields,
            files={"file": ("", b"", "application/octet-stream")},
            headers={"x-csrftoken": client.cookies["csrftoken"]},
        )

    request = in_background(apply)
    server.wait_for_stop()
    server.kill()
    request.join(timeout=30)
    assert snapshot(session) == before, "a killed import leaves nothing behind"

    server.start()  # the database is not left locked, and the whole file imports afterwards
    client = browser(server, editor.email)
    applied = apply()
    assert applied.status_code == 303, applied.text
    after = snapshot(session)
    assert after["actions"] == before["actions"] + 6
    assert after["updates"] == before["updates"] + 6
