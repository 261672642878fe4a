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
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from tests.support.plans import form_fields, pdf_bytes, response_of, snapshot
from tests.support.servers import Server, browser
from tests.support.web import TEST_SECRET
from tracker.evidence.models import Evidence
from tracker.settings import PROJECT_ROOT

# Real commits: server processes are killed mid-write and the database is read after.
pytestmark = pytest.mark.commits


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
