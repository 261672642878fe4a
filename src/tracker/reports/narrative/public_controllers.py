"""Published progress reports on the public site: the list (/reports), each report's page and its PDF.

A report's page and PDF are the bytes stored when it was published, served as they are for ever with their
SHA-256 as the ETag (a conditional request answers 304). Drafts, comments and returned versions are never here.
In Welsh (``?lang=cy``, the site's way of naming the language) the Welsh page and PDF stored beside them are
served; a report published before it had a Welsh rendering serves its English files.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Controller, MediaType, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response
from sqlmodel import Session, select

from tracker.organisations.bilingual import WELSH
from tracker.public import caching
from tracker.reports.narrative.models import PublishedReport
from tracker.reports.narrative.publication import figures_in_language
from tracker.reports.narrative.services import published_reports
from tracker.timeutil import UTC
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_, current_locale


def _stored(db: Session, set_slug: str, period_id: int) -> PublishedReport:
    found = db.exec(
        select(PublishedReport).where(PublishedReport.period_id == period_id, PublishedReport.set_slug == set_slug)
    ).first()
    if found is None:
        raise NotFoundException(N_("No report has been published for that period"))
    return found


def _served(request: AnyRequest, stored: PublishedReport, body: bytes, digest: str, media_type: str, name: str) -> Any:
    published_at = (
        stored.published_at.replace(tzinfo=UTC) if stored.published_at.tzinfo is None else stored.published_at
    )
    current = caching.Validators(f'"{digest[:32]}"', published_at.astimezone(UTC).replace(microsecond=0))
    headers = {"content-disposition": f'inline; filename="{name}"'}
    return caching.conditional(
        request,
        current,
        lambda: Response(body, media_type=media_type, headers=headers),
        caching.ASK_EVERY_TIME,
    )


def _in_language(english: bytes, digest: str, welsh: bytes | None, welsh_digest: str | None) -> tuple[bytes, str, str]:
    """The stored file in the reader's language, its digest and the suffix its file name takes ("-cy")."""
    if current_locale() == WELSH and welsh is not None and welsh_digest is not None:
        return welsh, welsh_digest, "-cy"
    return english, digest, ""


class PublishedReportController(Controller):
    path = "/reports"
    include_in_schema = False

    @get("/", sync_to_thread=True, media_type=MediaType.HTML, name="public-reports:index")
    def index(self, request: AnyRequest, db: Db) -> Any:
        """The published progress reports, newest first."""
        return caching.public_page(request, db, "public/reports.html", lambda: {"reports": published_reports(db)})

    @get("/{set_slug:str}/{period_id:int}", sync_to_thread=True, media_type=MediaType.HTML, name="public-reports:html")
    def html(self, request: AnyRequest, db: Db, set_slug: FromPath[str], period_id: FromPath[int]) -> Any:
        stored = _stored(db, set_slug, period_id)
        body, digest, language = _in_language(stored.html, stored.html_sha256, stored.html_cy, stored.html_cy_sha256)
        name = f"progress-report-{set_slug}-{period_id}{language}.html"
        return _served(request, stored, body, digest, "text/html; charset=utf-8", name)

    @get("/{set_slug:str}/{period_id:int}/figures.csv", sync_to_thread=True, name="public-reports:figures")
    def figures(self, request: AnyRequest, db: Db, set_slug: FromPath[str], period_id: FromPath[int]) -> Any:
        """The report's figures as open data (CSV), stored when it was published."""
        stored = _stored(db, set_slug, period_id)
        body, language = stored.figures_csv, ""
        if current_locale() == WELSH:  # Welsh headings, as the Welsh open-data files have
            body, language = figures_in_language(body), "-cy"
        name = f"progress-report-{set_slug}-{period_id}-figures{language}.csv"
        return _served(request, stored, body, hashlib.sha256(body).hexdigest(), "text/csv; charset=utf-8", name)

    @get("/{set_slug:str}/{period_id:int}/pdf", sync_to_thread=True, name="public-reports:pdf")
    def pdf(self, request: AnyRequest, db: Db, set_slug: FromPath[str], period_id: FromPath[int]) -> Any:
        stored = _stored(db, set_slug, period_id)
        body, digest, language = _in_language(stored.pdf, stored.pdf_sha256, stored.pdf_cy, stored.pdf_cy_sha256)
        name = f"progress-report-{set_slug}-{period_id}{language}.pdf"
        return _served(request, stored, body, digest, "application/pdf", name)
