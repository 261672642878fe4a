"""National oversight pages for coordinators and inspectors: the dashboard matrix and its figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template
from markupsafe import Markup
from sqlmodel import Session

from tracker.db import saved_id
from tracker.organisations.services import addressee_names, get_by_slug, regions
from tracker.permissions import Permission
from tracker.practice.services import practice_for
from tracker.recommendations.coverage import sets_coverage
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.services import list_sets, set_named
from tracker.reports import oversight_store
from tracker.reports.exports import render
from tracker.reports.figures import (
    STATUS_CODES,
    NationalState,
    OrganisationRow,
    declared_count,
    declared_response_ids,
    latest_updates,
    national_state,
    organisation_kinds,
    period_progress,
)
from tracker.reports.models import ReportingPeriod
from tracker.reports.organisation_view import organisation_oversight
from tracker.reports.period_exports import export_document
from tracker.reports.progress_report import build_report, render_pdf
from tracker.settings import Settings
from tracker.vocabulary import PeriodStatus, ResponseStatus
from tracker.web.guards import SignedInPages, needs
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import DEFAULT_LOCALE, N_, current_locale, locale_of, localise_url
from tracker.web.i18n import gettext as _
from tracker.web.templating import page, render_alone

ATTENTION_LABELS = {
    "overdue": N_("Overdue"),
    "past_deadline_not_started": N_("Past the deadline and not started"),
    "complete_without_evidence": N_("Complete, no evidence"),
    "no_recent_update": N_("No update in the last %(days)s days"),
    "rating_below_claim": N_("Inspectorate rating below the claim"),
}


# ?set=slug narrows a page, the report or an export to one recommendation set.
SetQuery = Annotated[str | None, QueryParameter(name="set")]
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
DASHBOARD = "reports/dashboard.html"
RECOMMENDATION = "reports/recommendation.html"


def _chart(rows: Sequence[tuple[str, Counter[ResponseStatus]]], *, title: str) -> Response[str]:
    """A status bar chart as an SVG image: its own inline styles are allowed inside this image only; it runs no
    script. reportlab draws it, imported here: only the charts and PDFs need it (tests/unit/test_start_up.py)."""
    from tracker.reports.charts import status_bars, to_svg

    return Response(
        to_svg(status_bars(rows, title=title)),
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": SVG_POLICY, "Cache-Control": "private, max-age=60"},
    )


class OversightController(SignedInPages):
    path = "/oversight"
    opt = needs(Permission.VIEW_OVERSIGHT)

    @get("/", sync_to_thread=True, name="oversight:dashboard")
    def dashboard(
        self,
        request: AnyRequest,
        db: Db,
        region: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        theme: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        attention: FromQuery[bool] = False,
        sort: FromQuery[str] = "name",
        set_slug: SetQuery = None,
    ) -> Template:
        """Every organisation against every recommendation, with the headline figures and what needs attention: the
        content as stored until its data changes (``tracker.reports.oversight_store``), the page around it fresh."""
        settings = request.app.state.settings
        today = oversight_store.today()
        filters = oversight_store.normalised(
            {"region": region, "kind": kind, "theme": theme, "status": status, "attention": attention}
            | {"sort": sort, "set_slug": set_slug}
        )
        content = oversight_store.content(
            db,
            settings,
            page=oversight_store.DASHBOARD_PAGE,
            locale=locale_of(request),
            params=filters,
            today=today,
            build=lambda: dashboard_context(db, settings, today=today, **filters),
            render=lambda context: render_alone(request, oversight_store.DASHBOARD_CONTENT, context),
            keep=lambda context: oversight_store.kept(filters, context),
            write_engine=request.app.state.write_engine,
        )
        return page(request, DASHBOARD, wide_layout=True, dashboard_content=Markup(content))

    @get("/charts/periods.svg", sync_to_thread=True, name="oversight:periods-chart")
    def periods_chart(self, request: AnyRequest, db: Db) -> Response[str]:
        """Progress across the frozen reporting periods (the table is on the dashboard)."""
        rows = [(period.label, counts) for period, counts in period_progress(db)]
        return _chart(rows, title=_("Responses by status at each reporting period"))

    @get("/charts/status.svg", sync_to_thread=True, name="oversight:status-chart")
    def status_chart(self, request: AnyRequest, db: Db, set_slug: SetQuery = None) -> Response[str]:
        """The organisations' statuses per recommendation, as a stacked bar chart (the table is on the page)."""
        chosen_set = set_named(db, set_slug)
        state = national_state(
            db, set_id=chosen_set.id if chosen_set else None, stale_days=request.app.state.settings.stale_update_days
        )
        rows = [(_("Rec. %(number)s", number=r.number), counts) for r, counts in state.status_rows()]
        return _chart(rows, title=_("Organisations by status, per recommendation"))

    @get("/recommendations/{recommendation_id:int}", sync_to_thread=True, name="oversight:recommendation")
    def recommendation(self, request: AnyRequest, db: Db, recommendation_id: FromPath[int]) -> Template:
        """One recommendation across the country: the spread of statuses, who is where, the latest updates, its
        approved practice; the content as stored until its data changes (``tracker.reports.oversight_store``)."""
        rec = db.get(Recommendation, recommendation_id)
        if rec is None or rec.parent_id is not None:
            raise NotFoundException()  # nothing stored: only a recommendation's own page is kept
        settings = request.app.state.settings
        today = oversight_store.today()
        content = oversight_store.content(
            db,
            settings,
            page=oversight_store.RECOMMENDATION_PAGE,
            locale=locale_of(request),
            params={"recommendation_id": recommendation_id},
            today=today,
            build=lambda: national_recommendation(db, settings, rec, today=today),
            render=lambda context: render_alone(request, oversight_store.RECOMMENDATION_CONTENT, context),
            keep=lambda _context: True,
            write_engine=request.app.state.write_engine,
        )
        return page(request, RECOMMENDATION, rec=rec, recommendation_content=Markup(content))

    @get("/organisations/{slug:str}", sync_to_thread=True, name="oversight:organisation")
    def organisation(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        """One organisation's responses with their flags, the inspectorate's ratings and the publication state."""
        organisation = get_by_slug(db, slug)
        if organisation is None:
            raise NotFoundException()
        view = organisation_oversight(db, organisation, stale_days=request.app.state.settings.stale_update_days)
        return page(
            request,
            "reports/organisation.html",
            wide_layout=True,
            view=view,
            organisation=organisation,
            statuses=list(ResponseStatus),
            status_codes=STATUS_CODES,
        )


def _row_matches(
    state: NationalState,
    rec_ids: list[int],
    org_id: int,
    status: ResponseStatus | None,
    attention: bool,
) -> bool:
    """Whether an organisation's row stays on the filtered dashboard: it answers one of the recommendations
    ``rec_ids``, one of them has ``status`` (if chosen), and one needs attention (if asked)."""
    cells = [c for rec_id in rec_ids if (c := state.cells.get((org_id, rec_id))) is not None]
    if not cells:
        return False
    if status and not any(c.status is status for c in cells):
        return False
    return not attention or any(c.needs_attention(state.today, state.stale_days) for c in cells)


def _matching_rows(
    state: NationalState,
    recommendations: list[Recommendation],
    region: str | None,
    kind: str | None,
    status: ResponseStatus | None,
    attention: bool,
) -> list[OrganisationRow]:
    """The organisations whose rows stay on the dashboard filtered by ``region``, ``kind`` and ``_row_matches``."""
    rec_ids = [saved_id(r) for r in recommendations]  # read once, not once per organisation
    return [
        o
        for o in state.organisations
        if (not region or o.region_code == region)
        and (not kind or o.kind.value == kind)
        and _row_matches(state, rec_ids, o.id, status, attention)
    ]


def dashboard_context(
    db: Session,
    settings: Settings,
    *,
    region: str | None = None,
    kind: str | None = None,
    theme: str | None = None,
    status: str | None = None,
    attention: bool = False,
    sort: str = "name",
    set_slug: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """What the dashboard template shows: every query the page makes (bench/load.py times this without HTTP)."""
    chosen_set = set_named(db, set_slug)
    set_id = chosen_set.id if chosen_set else None
    state = national_state(db, set_id=set_id, today=today, stale_days=settings.stale_update_days)
    recommendations = [r for r in state.recommendations if not theme or r.theme == theme]
    status_value = ResponseStatus(status) if status in {s.value for s in ResponseStatus} else None
    organisations = _matching_rows(state, recommendations, region, kind, status_value, attention)
    if sort == "progress":
        organisations.sort(key=lambda o: (-state.progress(saved_id(o)), o.name))
    attention_lists = {
        _(ATTENTION_LABELS[key], days=state.stale_days): cells for key, cells in state.attention().items()
    }
    themes = sorted({(r.theme, state.sets[r.set_id].theme_name(r.theme)) for r in state.recommendations if r.theme})
    return dict(
        wide_layout=True,
        state=state,
        organisations=organisations,
        recommendations=recommendations,
        statuses=list(ResponseStatus),
        status_codes=STATUS_CODES,
        attention_lists=attention_lists,
        periods=period_progress(db),
        agreement=state.agreement(),
        declared=declared_count(db, chosen_set.id if chosen_set else None),
        names={o.id: o.name for o in state.organisations},
        rec_numbers={r.id: r.number for r in state.recommendations},
        regions=regions(db),
        kinds=organisation_kinds(state),
        themes=themes,
        filters={
            "region": region or "",
            "kind": kind or "",
            "theme": theme or "",
            "status": status or "",
            "attention": attention,
            "sort": sort,
        },
        sets=list_sets(db),
        # the coverage of the recommendations national_state read: the same as set_coverage's, without its queries
        coverage=sets_coverage([chosen_set] if chosen_set else state.sets.values(), state.all_recommendations),
        chosen_set=chosen_set,
        set_query=f"?set={chosen_set.slug}" if chosen_set else "",
    )


def recommendation_context(
    db: Session, settings: Settings, recommendation_id: int, *, today: dt.date | None = None
) -> dict[str, Any] | None:
    """What the national page of a top-level recommendation shows (None if there is none with that id)."""
    rec = db.get(Recommendation, recommendation_id)
    if rec is None or rec.parent_id is not None:
        return None
    return national_recommendation(db, settings, rec, today=today)


def national_recommendation(
    db: Session, settings: Settings, rec: Recommendation, *, today: dt.date | None = None
) -> dict[str, Any]:
    """What the national page of the top-level recommendation ``rec`` shows, as on ``today``."""
    rec_set = db.get(RecommendationSet, rec.set_id)
    # Only this recommendation's cells: the rest of its set is not on the page.
    state = national_state(
        db, set_id=rec.set_id, today=today, stale_days=settings.stale_update_days, recommendation_id=saved_id(rec)
    )
    cells = sorted(state.cells_for_recommendation(saved_id(rec)), key=lambda c: c.organisation_id)
    names = {o.id: o.name for o in state.organisations}
    slugs = {o.id: o.slug for o in state.organisations}
    by_status = {
        s: sorted((c for c in cells if c.status is s), key=lambda c: names[c.organisation_id]) for s in ResponseStatus
    }
    addressee_name = addressee_names(db)
    return dict(
        rec=rec,
        rs=rec_set,
        state=state,
        by_status=by_status,
        names=names,
        slugs=slugs,
        addressees=[addressee_name.get(code, code) for code in rec.addressees],
        declared=declared_response_ids(db, [c.response_id for c in cells]),
        latest_updates=latest_updates(db, saved_id(rec), limit=10),
        practices=practice_for(db, saved_id(rec)),
    )


class ReportController(SignedInPages):
    """The national progress report (HTML and PDF) and the data exports, for the current state or a period."""

    path = "/oversight/report"
    opt = needs(Permission.VIEW_OVERSIGHT)

    def _data(
        self, request: AnyRequest, db: Session, period: int | None, set_slug: str | None = None
    ) -> tuple[Any, Any]:
        chosen = self._period(db, period)
        rec_set = set_named(db, set_slug)
        stale_days = request.app.state.settings.stale_update_days
        return build_report(db, chosen, stale_days=stale_days, set_id=rec_set.id if rec_set else None), chosen

    @staticmethod
    def _period(db: Session, period: int | None) -> ReportingPeriod | None:
        if period is None:
            return None
        chosen = db.get(ReportingPeriod, period)
        if chosen is None or chosen.status is not PeriodStatus.FROZEN:
            raise NotFoundException(N_("There is no frozen reporting period with that number"))
        return chosen

    @get("/", sync_to_thread=True, name="report:html")
    def html(
        self,
        request: AnyRequest,
        db: Db,
        period: FromQuery[int | None] = None,
        set_slug: SetQuery = None,
    ) -> Template:
        data, _ = self._data(request, db, period, set_slug)
        suffix = "?" + "&".join(f"{k}={v}" for k, v in (("period", period), ("set", set_slug)) if v)
        suffix = "" if suffix == "?" else suffix
        return page(
            request,
            "reports/progress_report.html",
            data=data,
            statuses=list(ResponseStatus),
            pdf_url=localise_url(request.app.route_reverse("report:pdf") + suffix),
        )

    @get("/pdf", sync_to_thread=True, name="report:pdf")
    def pdf(
        self,
        request: AnyRequest,
        db: Db,
        period: FromQuery[int | None] = None,
        set_slug: SetQuery = None,
    ) -> Response[bytes]:
        data, _ = self._data(request, db, period, set_slug)
        # The same figures in the reader's language (?lang=cy: the Welsh report); the file's name says which.
        language = "" if current_locale() == DEFAULT_LOCALE else f"-{current_locale()}"
        name = f"progress-report-{data.as_of.isoformat()}{language}.pdf"
        return _download(render_pdf(data), "application/pdf", name)

    @get("/export/{fmt:str}", sync_to_thread=True, name="report:export")
    def export(
        self,
        request: AnyRequest,
        db: Db,
        fmt: FromPath[str],
        period: FromQuery[int | None] = None,
        set_slug: SetQuery = None,
    ) -> Response[bytes]:
        if fmt not in ("csv", "xlsx", "json"):
            raise NotFoundException()
        chosen = self._period(db, period)
        rec_set = set_named(db, set_slug)
        doc, fixed_at = export_document(
            db, chosen, rec_set.id if rec_set else None, stale_days=request.app.state.settings.stale_update_days
        )
        return _download(*render(doc, fmt, fixed_at=fixed_at))


def _download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )
