"""An upload folder that is read-only, full or failing at any step: a clear 422 and no half-record.

tests/web/test_evidence.py covers a folder that cannot be created and a full disk at the final sync. This file
fails every other step of saving (opening, writing half-way, renaming) with the errors the operating system
gives (read-only file system, no space, permission denied), through the full page and through htmx, and
checks that neither a record without its file nor a file without its record is left.
"""

from __future__ import annotations

import errno
import os
import pathlib

import pytest
from sqlmodel import func, select

from tests.support.accounts import sign_in
from tests.support.plans import pdf_bytes, response_of
from tests.support.web import csrf_headers
from tracker.audit.models import AuditEvent
from tracker.evidence.models import Evidence
from tracker.evidence.services import SAVE_MESSAGE
from tracker.vocabulary import Role

# Real commits: upload faults are checked against what the database kept.
pytestmark = pytest.mark.commits


REAL_OPEN = pathlib.Path.open


class FailingWrites:
    """A file whose writes fail with ``code`` after the first one succeeds (the disk fills up mid-file)."""

    def __init__(self, real, code: int) -> None:
        self.real, self.code, self.writes = real, code, 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        if self.writes > 1:
            raise OSError(self.code, os.strerror(self.code))
        return self.real.write(data)

    def __getattr__(self, name: str):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def break_saving(monkeypatch, upload_dir: pathlib.Path, how: str) -> None:
    def inside(path) -> bool:
        return pathlib.Path(path).parent == upload_dir

    if how == "read-only file system":

        def open_(self, mode="r", *args, **kwargs):
            if inside(self) and any(c in mode for c in "wxa"):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
            return REAL_OPEN(self, mode, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "open", open_)
    elif how == "disk full half-way":

        def open_(self, mode="r", *args, **kwargs):
            real = REAL_OPEN(self, mode, *args, **kwargs)
            return FailingWrites(real, errno.ENOSPC) if inside(self) and "x" in mode else real

        monkeypatch.setattr(pathlib.Path, "open", open_)
    elif how == "rename refused":
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if inside(dst):
                raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
            return real_replace(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("htmx", [False, True], ids=["full page", "htmx"])
@pytest.mark.parametrize("how", ["read-only file system", "disk full half-way", "rename refused"])
def test_a_failing_upload_folder_gives_a_clear_error_and_no_half_record(
    client, session, small_reference, make_user, settings, monkeypatch, how, htmx
):
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    response_id = response_of(session, "kent", "1.1").id
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    break_saving(monkeypatch, settings.upload_dir, how)
    big = pdf_bytes() + b"%" + b"x" * (3 * 1024 * 1024)  # several chunks, so "half-way" is half-way
    headers = csrf_headers(client) | ({"HX-Request": "true"} if htmx else {})
    answer = client.post(
        f"/responses/{response_id}/evidence",
        data={"kind": "file", "visibility": "internal", "title": "Policy"},
        files={"file": ("policy.pdf", big, "application/pdf")},
        headers=headers,
    )
    monkeypatch.undo()
    assert answer.status_code == 422
    assert SAVE_MESSAGE in answer.text
    assert ("<html" in answer.text) is not htmx, "htmx gets the section, a browser without it the whole page"
    session.rollback()
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 0, "no record without its file"
    assert list(settings.upload_dir.iterdir()) == [], "no file (or .part) without its record"
    events = session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "evidence"))
    assert events.one() == 0
    # Once the folder works again the same upload goes through.
    again = client.post(
        f"/responses/{response_id}/evidence",
        data={"kind": "file", "visibility": "internal", "title": "Policy"},
        files={"file": ("policy.pdf", big, "application/pdf")},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert again.status_code == 303
