"""The public site: no sign-in, only what organisations have published (see ``tracker.public.data``).

Every page, download and feed carries an ETag and Last-Modified derived from the data, and answers a
conditional request with 304 (``tracker.public.caching``).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Controller, MediaType, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter
from sqlmodel import Session, col, select

from tracker.db import saved_id
from tracker.evidence.controllers import attachment
from tracker.evidence.models import Evidence
from tracker.evidence.services import evidence_file_path
from tracker.organisations.bilingual import WELSH
from tracker.organisations.models import Organisation
from tracker.plans.models import Response
from tracker.plans.publication import latest_publications
from tracker.plans.retraction import RETRACTED_EVIDENCE
from tracker.public import caching, data, feeds, opendata
from tracker.recommendations.services import UNKNOWN_SET
from tracker.vocabulary import EvidenceKind, OrganisationKind, Visibility
from tracker.web import i18n
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.templating import page

log = logging.getLogger("tracker.public")

Req = AnyRequest


def html(path: str, name: str) -> HTTPRouteHandler:
    """A public GET route answering HTML (or a download), run in a worker thread (the database calls block)."""
    return get(path, sync_to_thread=True, media_type=MediaType.HTML, name=name)


def _page(request: Req, db: Session, template: str, **context: Any) -> Any:
    """A public page whose context needs no work."""
    return caching.public_page(request, db, template, lambda: context)


class PublicController(Controller):
    """The national overview, a page per recommendation and per organisation, and published evidence files."""

    include_in_schema = False

    @html("/recommendations", "public:overview")
    def overview(
        self,
        request: Req,
        db: Db,
        set_slug: Annotated[str | None, QueryParameter(name="set")] = None,
    ) -> Any:
        """For each recommendation, how many organisations are where, counted from published plans only."""

        def build() -> dict[str, Any]:
            view = data.overview(db, set_slug)
            if set_slug and view.chosen is None:
                raise NotFoundException(UNKNOWN_SET)
            return {"view": view, "statuses": data.STATUS_ORDER}

        return caching.public_page(request, db, "public/overview.html", build, query={"set"})

    @html("/recommendations/{set_slug:str}/{number:str}", "public:recommendation")
    def recommendation(self, request: Req, db: Db, set_slug: FromPath[str], number: FromPath[str]) -> Any:
        def build() -> dict[str, Any]:
            view = data.recommendation_page(db, set_slug, number)
            if view is None:
                raise NotFoundException(i18n.N_("There is no recommendation with that number."))
            return {"view": view, "statuses": data.STATUS_ORDER}

        return caching.public_page(request, db, "public/recommendation.html", build)

    @html("/organisations", "public:organisations")
    def organisations(self, request: Req, db: Db) -> Any:
        def build() -> dict[str, Any]:
            groups, as_of = data.organisation_groups(db)
            return {"groups": groups, "as_of": as_of, "Kind": OrganisationKind}

        return caching.public_page(request, db, "public/organisations.html", build)

    @html("/organisations/{slug:str}", "public:organisation")
    def organisation(self, request: Req, db: Db, slug: FromPath[str]) -> Any:
        """An organisation's published action plan, or a plain statement that it has not published one."""

        def build() -> dict[str, Any]:
            view = data.organisation_page(db, slug)
            if view is None:
                raise NotFoundException(i18n.N_("There is no organisation with that name."))
            return {"view": view, "download_path": opendata.evidence_download_path, "statuses": data.STATUS_ORDER}

        return caching.public_page(request, db, "public/organisation.html", build)

    @html("/organisations/{slug:str}/evidence/{evidence_id:int}", "public:evidence")
    def evidence_file(self, request: Req, db: Db, slug: FromPath[str], evidence_id: FromPath[int]) -> Any:
        """A file from an organisation's latest publication; nothing else is ever served from here."""
        organisation = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
        publication = (
            latest_publications(db, [saved_id(organisation)]).get(saved_id(organisation)) if organisation else None
        )
        entry = _published_file(publication.content, evidence_id) if publication is not None else None
        if organisation is None or publication is None or entry is None:
            return _unavailable(
                request,
                404,
                i18n.N_("This file is not part of a published plan"),
                i18n.N_("The file you asked for is not in the organisation's published action plan."),
                organisation,
            )
        evidence = _still_published(db, saved_id(organisation), evidence_id, entry)
        if evidence is None:
            return _unavailable(
                request,
                410,
                i18n.N_("This evidence has been withdrawn"),
                i18n.N_("%(name)s has withdrawn this file since it last published its plan."),
                organisation,
                name=organisation.name,
            )
        try:
            path = evidence_file_path(request.app.state.settings, evidence)
            stat = path.stat()
        except (ValueError, OSError):
            log.warning("the published file of evidence %s (%s) is missing", evidence.id, evidence.stored_name)
            return _unavailable(
                request,
                404,
                i18n.N_("This file is missing"),
                i18n.N_("The file cannot be found. Contact the service team, quoting evidence number %(id)s."),
                organisation,
                id=evidence.id,
            )
        current = caching.Validators(f'"{entry["sha256"][:32]}"', publication.published_at.replace(microsecond=0))
        name = entry.get("file_name") or f"evidence-{evidence.id}{path.suffix}"
        return caching.conditional(
            request,
            current,
            lambda: attachment(path, stat, name, evidence.content_type),
            caching.ASK_EVERY_TIME,
        )


def _published_file(content: dict[str, Any], evidence_id: int) -> dict[str, Any] | None:
    """The file ``evidence_id`` as a publication lists it; ``{}`` if it was published, then taken back
    (``tracker.plans.retraction``); None if it was never part of it."""
    entry = next(
        (
            item
            for response in content.get("responses", [])
            for item in response.get("evidence", [])
            if item.get("id") == evidence_id and item.get("kind") == EvidenceKind.FILE.value
        ),
        None,
    )
    if entry is None and evidence_id in content.get(RETRACTED_EVIDENCE, []):
        return {}
    return entry


def _still_published(db: Session, organisation_id: int, evidence_id: int, entry: dict[str, Any]) -> Evidence | None:
    """The organisation's evidence file as it was published (public, the same content), or None if it has been
    withdrawn, hidden or changed since."""
    evidence = db.exec(
        select(Evidence)
        .join(Response, col(Response.id) == Evidence.response_id)
        .where(Evidence.id == evidence_id, Response.organisation_id == organisation_id)
    ).first()
    if (
        evidence is None
        or evidence.kind is not EvidenceKind.FILE
        or evidence.visibility is not Visibility.PUBLIC
        or evidence.sha256 is None
        or evidence.sha256 != entry.get("sha256")
    ):
        return None
    return evidence


def _unavailable(
    request: Req, status: int, title: str, detail: str, organisation: Organisation | None, **variables: Any
) -> Any:
    """The page saying why a file is not served: ``title`` and ``detail`` (catalogue messages, ``detail`` with
    ``%(name)s`` placeholders filled from ``variables``) in the reader's language."""
    response = page(
        request,
        "public/unavailable.html",
        status_code=status,
        title=i18n.gettext(title),
        detail=i18n.gettext(detail, **variables),
        organisation=organisation,
    )
    response.headers["cache-control"] = "no-cache"
    return response


def site_url(request: Req) -> str:
    """The site's address for absolute links (feed, open data): PUBLIC_URL, else where the server listens
    (``Settings.public_url``); never this request's Host header, which the sender chooses."""
    return str(request.app.state.settings.public_url)


class OpenDataController(Controller):
    """The published data as CSV and JSON, its data dictionary, and the Atom feed of publications."""

    include_in_schema = False
    path = "/open-data"

    @html("/", "public:open-data")
    def dictionary(self, request: Req, db: Db) -> Any:
        return _page(request, db, "public/open_data.html", tables=list(opendata.TABLES.values()), feed=feeds.FEED_PATH)

    @html("/{file_name:str}", "public:open-data-file")
    def download(self, request: Req, db: Db, file_name: FromPath[str]) -> Any:
        """``{table}.csv``, ``{table}.json`` or the feed, ``publications.atom``: each rendered once per change of
        the public data and stored (``caching.public_download``)."""
        public_url = site_url(request)
        if file_name == feeds.FEED_PATH.rsplit("/", 1)[1]:
            return caching.public_download(
                request,
                db,
                lambda: feeds.atom_feed(db, public_url, i18n.catalogues_of(request).by_locale.get(WELSH)),
                media_type="application/atom+xml; charset=utf-8",
                parts=[public_url],
            )
        table, _, extension = file_name.rpartition(".")
        if table not in opendata.TABLES or extension not in opendata.FORMATS:
            raise NotFoundException(
                i18n.N_("There is no open-data file with that name. The data dictionary lists them.")
            )
        disposition = "attachment" if extension == "csv" else "inline"  # CSV opens in a spreadsheet
        return caching.public_download(
            request,
            db,
            lambda: opendata.render_table(db, table, extension, public_url),
            media_type=opendata.FORMATS[extension],
            headers={"content-disposition": f'{disposition}; filename="{table}.{extension}"'},
            parts=[public_url],
            lists_evidence=table == opendata.EVIDENCE_TABLE,
        )
