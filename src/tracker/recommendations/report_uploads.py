"""The report document kept between the review and applying it (``ReportDocumentUpload``).

The review stores the document and its page carries only the id and sha256; applying reads it back. Only the
admin who uploaded it may use it, with the set it was checked against, for a day (``KEPT_FOR``): older ones are
deleted whenever another is kept, so the table holds at most a day of reviews.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, delete, select

from tracker.accounts.models import User
from tracker.inputs import parse_id
from tracker.recommendations.models import RecommendationSet, ReportDocumentUpload
from tracker.recommendations.report_text import DocumentText
from tracker.timeutil import utc_now
from tracker.web.i18n import N_

KEPT_FOR = dt.timedelta(days=1)
NAME_LENGTH = 255  # ReportDocumentUpload.file_name


class UploadNotKept(Exception):
    """The document a form names cannot be used: the reason, to show beside the file field."""


def keep_upload(
    session: Session, content: bytes, doc: DocumentText, rec_set: RecommendationSet, user: User
) -> ReportDocumentUpload:
    """Keep the document ``doc`` was read from, for ``user`` and ``rec_set``, and delete those older than a day;
    the same admin checking the same document against the same set again reuses the one kept. Flushed, not
    committed (the caller commits)."""
    now = utc_now()
    session.exec(delete(ReportDocumentUpload).where(col(ReportDocumentUpload.created_at) < now - KEPT_FOR))
    name = _short(doc.file_name)
    upload = session.exec(
        select(ReportDocumentUpload).where(
            ReportDocumentUpload.sha256 == doc.sha256,
            ReportDocumentUpload.file_name == name,
            ReportDocumentUpload.set_id == rec_set.id,
            ReportDocumentUpload.created_by_id == user.id,
        )
    ).first()
    if upload is None:
        assert rec_set.id is not None and user.id is not None
        upload = ReportDocumentUpload(
            sha256=doc.sha256, file_name=name, content=content, set_id=rec_set.id, created_by_id=user.id
        )
    upload.created_at = now
    session.add(upload)
    session.flush()
    return upload


def kept_upload(
    session: Session, upload_id: str, sha256: str, rec_set: RecommendationSet, user: User
) -> ReportDocumentUpload:
    """The document a review form names by id and sha256; raises ``UploadNotKept`` when it is gone (or never
    was), older than a day, another admin's, or checked against another set."""
    number = parse_id(upload_id)
    upload = session.get(ReportDocumentUpload, number) if number else None
    if upload is None or upload.sha256 != sha256 or upload.created_at < utc_now() - KEPT_FOR:
        raise UploadNotKept(
            N_(
                "The document you checked is no longer kept: check it again (a document is kept for a day after "
                "it is checked)"
            )
        )
    if upload.created_by_id != user.id:
        raise UploadNotKept(N_("Only the admin who uploaded a document can apply it: upload it and check it yourself"))
    if upload.set_id != rec_set.id:
        raise UploadNotKept(N_("The document was checked against another set: check it against this one"))
    return upload


def _short(name: str) -> str:
    """The file's name within the column, keeping its end (the extension says how to read it)."""
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 101] + "…" + name[-100:]
