"""The NPCC progress report: the same content as a PDF (reportlab) and as an accessible HTML page.

Built for the current state or for a frozen reporting period. For a frozen period the content comes only
from its snapshots, in a fixed order, so the report is identical every time it is generated.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from tracker import metrics
from tracker.db import not_none, saved_id
from tracker.organisations.models import Organisation
from tracker.plans import summaries
from tracker.plans.models import PlanPublication, Response
from tracker.plans.rules import is_finished, response_overdue
from tracker.practice.services import practice_for
from tracker.recommendations.coverage import Coverage, set_coverage
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.figures import Headline, national_state
from tracker.reports.models import PeriodExport, ReportingPeriod, Snapshot
from tracker.reports.themes import Theme, themes
from tracker.settings import STATIC_DIR
from tracker.timeutil import uk_date, utc_now
from tracker.vocabulary import OrganisationKind, PeriodStatus, Provenance, ResponseStatus
from tracker.web.i18n import N_, current_locale, gettext, html_lang, ngettext

_ = gettext

__all__ = ["ReportData", "build_report", "render_html", "render_pdf", "story"]

# Marked, not translated: ``ReportData.title`` stays the English source; each rendering shows it in its language.
TITLE = N_("Progress against the stalking super-complaint recommendations")


@dataclass
class Row:
    organisation_id: int
    recommendation_id: int
    status: ResponseStatus
    overdue: bool
    latest_update_on: dt.date | None
    latest_update_text: str | None
    # A numbered recommendation's latest update counts its sub-recommendations' too (``_fold_sub_updates``);
    # these keep its own, for the per-organisation annex that lists the sub-recommendations beneath it.
    own_update_on: dt.date | None = None
    own_update_text: str | None = None
    stale: bool = False  # open, with no update in the report's last ``stale_days`` days (its "no recent update")
    declared: bool = False  # declared by the organisation: the recommendation's addressees are not yet known


@dataclass
class RecommendationSection:
    recommendation: Recommendation
    set_title: str
    counts: Counter[ResponseStatus]
    not_started: list[str]
    overdue: list[str]
    recent_updates: list[tuple[str, dt.date, str]]
    practice: list[str]
    themes: list[Theme] = field(default_factory=list)


@dataclass
class ReportData:
    """Everything the report says, in the order it says it."""

    title: str
    period_name: str
    as_of: dt.date
    organisations: list[Organisation]
    recommendations: list[Recommendation]
    rows: dict[tuple[int, int], Row]
    published: int
    sections: list[RecommendationSection] = field(default_factory=list)
    set_id: int | None = None  # the report covers one recommendation set (None: every set)
    set_title: str | None = None
    # When the report's content was fixed: a frozen period's freeze time, or when the current one was built.
    created_at: dt.datetime = field(default_factory=utc_now)
    # Sub-recommendations (e.g. 7.1) under each numbered recommendation, and each organisation's response to
    # them; kept apart from ``rows`` because the headline figures count numbered recommendations only.
    sub_recommendations: dict[int, list[Recommendation]] = field(default_factory=dict)
    sub_rows: dict[tuple[int, int], Row] = field(default_factory=dict)
    # Open responses with no update lately, as the dashboard counts them (a frozen period: from its snapshots).
    no_recent_update: int | None = None
    frozen_on: dt.date | None = None  # a frozen period's report: the day (UK time) its responses were captured
    statuses_as_at: dt.date | None = None  # None: ``as_of``; see ``figures_as_at``
    published_ids: set[int] = field(default_factory=set)  # the organisations counted in ``published``
    stale_days: int = 90  # how long without an update makes an open response one with "no recent update"
    # How many of the set's recommendations are known (``tracker.recommendations.coverage``), said while some are not.
    coverage: Coverage = field(default_factory=lambda: Coverage(total=0, known=0))

    @property
    def figures_as_at(self) -> dt.date:
        """The day the statuses are as at (``ReportingPeriod.statuses_as_at``): the report's date, or the day a
        period was frozen."""
        return self.statuses_as_at or self.as_of

    @property
    def basis(self) -> str:
        """What the figures count, in a sentence (in the reader's language): the working position recorded in the
        tracker (published or not), for a frozen period as it stood when the period was frozen."""
        if self.frozen_on is None:
            return _(
                "They count each organisation's position as recorded in the tracker, including changes it has "
                "not yet published on its public page."
            )
        frozen, cut_off = uk_date(self.frozen_on), uk_date(self.as_of)
        if self.figures_as_at > self.as_of:
            return _(
                "They count each organisation's position as recorded in the tracker when the period was frozen on "
                "%(frozen)s, after its cut-off of %(cut_off)s: statuses are as at %(frozen)s, not as they were on the "
                "cut-off, and only updates dated on or before the cut-off are counted. They include changes not "
                "yet published on its public page; changes made after the freeze are not counted.",
                frozen=frozen,
                cut_off=cut_off,
            )
        if self.figures_as_at < self.as_of:
            return _(
                "They count each organisation's position as recorded in the tracker when the period was frozen on "
                "%(frozen)s, before its cut-off of %(cut_off)s: statuses are as at %(frozen)s, not at the cut-off, and "
                "only updates dated on or before %(frozen)s are counted. They include changes not yet published on "
                "its public page; changes made after the freeze are not counted.",
                frozen=frozen,
                cut_off=cut_off,
            )
        return _(
            "They count each organisation's position at the cut-off of %(cut_off)s, as recorded in the tracker when "
            "the period was frozen on %(frozen)s, including changes not yet published on its public page; changes "
            "made after the freeze are not counted.",
            frozen=frozen,
            cut_off=cut_off,
        )

    @property
    def no_recent_update_organisations(self) -> list[str]:
        """The organisations, by name, with an open response that has had no update lately (``Row.stale``)."""
        stale = {row.organisation_id for row in self.rows.values() if row.stale}
        return sorted(o.name for o in self.organisations if o.id in stale)

    @property
    def forces(self) -> list[Organisation]:
        return [o for o in self.organisations if o.kind is OrganisationKind.FORCE]

    @property
    def force_recommendations(self) -> list[Recommendation]:
        """The numbered recommendations asked of at least one force (Annex A's columns)."""
        forces = {saved_id(o) for o in self.forces}
        asked = {rec_id for org_id, rec_id in self.rows if org_id in forces}
        return [r for r in self.recommendations if r.id in asked]

    @property
    def national_bodies(self) -> list[Organisation]:
        return [
            o for o in self.organisations if o.kind in (OrganisationKind.NATIONAL_BODY, OrganisationKind.POLICING_BODY)
        ]

    def row(self, organisation: Organisation, recommendation: Recommendation) -> Row | None:
        return self.rows.get((saved_id(organisation), saved_id(recommendation)))

    def organisation_rows(self, organisation: Organisation) -> list[tuple[Recommendation, Row]]:
        """An organisation's responses in report order: each numbered recommendation, then its sub-recommendations."""
        out = []
        for rec in self.recommendations:
            if row := self.row(organisation, rec):
                out.append((rec, row))
            for sub in self.sub_recommendations.get(saved_id(rec), []):
                if sub_row := self.sub_rows.get((saved_id(organisation), saved_id(sub))):
                    out.append((sub, sub_row))
        return out

    @property
    def declared(self) -> int:
        """How many of the responses counted are declared by their organisations (``Row.declared``)."""
        return sum(row.declared for row in self.rows.values())

    @property
    def declared_only(self) -> int:
        """How many of the numbered recommendations are answered only on organisations' own declarations (every
        response to them is declared): the others are those "with known addressees"."""
        declared = {rec_id for (_, rec_id), row in self.rows.items() if row.declared}
        addressed = {rec_id for (_, rec_id), row in self.rows.items() if not row.declared}
        return len(declared - addressed)

    @property
    def must_answer(self) -> str:
        """Who must answer what, in the summary's words (the PDF; the HTML page says the same)."""
        known = len(self.recommendations) - self.declared_only
        more = _(", and %(num)s more on their own declaration", num=self.declared_only) if self.declared_only else ""
        return _(
            "%(organisations)s organisations must answer %(known)s numbered recommendations with known "
            "addressees%(more)s: %(responses)s responses in all.",
            organisations=len(self.organisations),
            known=known,
            more=more,
            responses=len(self.rows),
        )

    @property
    def declared_note(self) -> str | None:
        """The sentence labelling them (the PDF; the HTML page says the same), None when there are none."""
        if not self.declared:
            return None
        return ngettext(
            "Of these responses, %(num)s is declared by its organisation: who the report addresses the "
            "recommendation to is not yet known, and the organisation says it answers it.",
            "Of these responses, %(num)s are declared by their organisations: who the report addresses the "
            "recommendation to is not yet known, and the organisation says it answers it.",
            self.declared,
        )

    @property
    def total_counts(self) -> Counter[ResponseStatus]:
        return Counter(r.status for r in self.rows.values())

    @property
    def overdue_count(self) -> int:
        return self.headline.overdue

    @property
    def headline(self) -> Headline:
        """The headline figures (``tracker.reports.figures.Headline``) of this report's responses."""
        return Headline.count(
            ((r.organisation_id, r.status, r.overdue) for r in self.rows.values()),
            self.published,
            no_recent_update=self.no_recent_update,
        )


def build_report(
    session: Session,
    period: ReportingPeriod | None = None,
    *,
    today: dt.date | None = None,
    stale_days: int = 90,
    set_id: int | None = None,
) -> ReportData:
    """The report's content for the current state, or for a frozen period (from its snapshots only).

    ``set_id`` narrows it to one recommendation set.
    """
    if period is not None and period.status is not PeriodStatus.FROZEN:
        raise ValueError("Only a frozen period has a fixed report; freeze it first")
    metrics.REPORT_BUILDS.inc()
    rec_query = select(Recommendation)
    if set_id is not None:
        rec_query = rec_query.where(Recommendation.set_id == set_id)
    every_rec = list(session.exec(rec_query.order_by(col(Recommendation.set_id), col(Recommendation.position))))
    stored = _stored_document(session, period, set_id) if period is not None else {}
    if stored.get("recommendations"):
        every_rec = _as_kept(session, every_rec, stored["recommendations"])
    recs = _Recommendations(every_rec)
    if period is None:
        as_of = today or dt.date.today()
        found = _current_rows(session, recs, as_of, stale_days, set_id)
        name, created_at = _("Current position at %(day)s", day=uk_date(as_of)), utc_now()
    else:
        as_of, name, created_at = period.cut_off, period.name, period.fixed_at
        found = _frozen_rows(session, recs, period)
    rows, sub_rows, published = found
    _fold_sub_updates(rows, sub_rows, recs.subs)
    for row in rows.values():  # after folding: a sub-recommendation's update counts for its recommendation
        row.stale = not is_finished(row.status) and (
            row.latest_update_on is None or (as_of - row.latest_update_on).days > stale_days
        )
    org_ids = {org for org, _ in rows}  # only organisations that must answer count as having published a plan
    organisations = list(
        session.exec(
            select(Organisation).where(col(Organisation.id).in_(org_ids)).order_by(Organisation.kind, Organisation.name)
        )
    )
    recommendations = [r for r in recs.numbered if any(rid == r.id for _, rid in rows)]
    sets = {saved_id(s): s.short_title for s in session.exec(select(RecommendationSet))}
    published &= org_ids
    data = ReportData(TITLE, name, as_of, organisations, recommendations, rows, len(published))
    data.published_ids = published
    data.set_id, data.set_title = set_id, sets.get(set_id) if set_id is not None else None
    data.created_at = created_at
    for sub in recs.subs.values():  # already in position order
        data.sub_recommendations.setdefault(not_none(sub.parent_id), []).append(sub)
    data.sub_rows = {key: row for key, row in sub_rows.items() if key[0] in org_ids}
    data.no_recent_update, data.stale_days = sum(row.stale for row in rows.values()), stale_days
    if period is not None:  # frozen before the freeze time was kept: at the end of its cut-off day
        data.frozen_on, data.statuses_as_at = period.frozen_on or period.cut_off, period.statuses_as_at
    stored_coverage = stored.get("coverage")
    data.coverage = Coverage.from_dict(stored_coverage) if stored_coverage else set_coverage(session, set_id)
    data.sections = _sections(session, data, sets, period, stored.get("practice"))
    return data


def _stored_document(session: Session, period: ReportingPeriod, set_id: int | None) -> dict[str, Any]:
    """The export document stored when ``period`` was frozen (``PeriodExport``), or {} when none was (a period frozen
    before exports were kept): a frozen period's report takes what it says about the recommendations from it, so
    it says what was true at the freeze (outsider pass 6, finding 1)."""
    same_set = col(PeriodExport.set_id).is_(None) if set_id is None else col(PeriodExport.set_id) == set_id
    stored = session.exec(
        select(PeriodExport).where(PeriodExport.period_id == period.id, same_set).order_by(col(PeriodExport.id))
    ).first()
    return {} if stored is None or stored.late else dict(json.loads(stored.document))


def _as_kept(session: Session, recs: list[Recommendation], kept: list[dict[str, Any]]) -> list[Recommendation]:
    """Detached copies of ``recs`` with the wording, deadline and provenance their stored export rows kept."""
    sets = {saved_id(s): s.slug for s in session.exec(select(RecommendationSet))}
    rows = {(row["set"], row["recommendation"]): row for row in kept}
    out = []
    for rec in recs:
        row = rows.get((sets.get(rec.set_id), rec.number))
        if row is None:
            out.append(rec)
            continue
        confirmed_on = row.get("confirmed_on")
        values = {
            "text": row["text"],
            "deadline": dt.date.fromisoformat(row["deadline"]) if row.get("deadline") else None,
            "provenance": Provenance(row["provenance"]),
            "confirmed_fields": [f for f in (row.get("confirmed_fields") or "").split(", ") if f],
            "provenance_sources": (row.get("sources") or "").split(),
            "confirmed_by_label": row.get("confirmed_by"),
            "confirmed_at": dt.datetime.combine(dt.date.fromisoformat(confirmed_on), dt.time(12), dt.UTC)
            if confirmed_on
            else None,
        }
        out.append(Recommendation(**(rec.model_dump() | values)))
    return out


@dataclass
class _Recommendations:
    """The recommendations a report covers: the numbered ones, their sub-recommendations and every deadline."""

    every: list[Recommendation]

    @property
    def numbered(self) -> list[Recommendation]:
        return [r for r in self.every if r.parent_id is None]

    @functools.cached_property
    def subs(self) -> dict[int, Recommendation]:
        numbered = {r.id for r in self.numbered}
        return {saved_id(r): r for r in self.every if r.parent_id in numbered}

    def due(self, recommendation_id: int) -> dt.date | None:
        return next(r.deadline for r in self.every if r.id == recommendation_id)


_Found = tuple[dict[tuple[int, int], "Row"], dict[tuple[int, int], "Row"], set[int]]


def _current_rows(
    session: Session, recs: _Recommendations, as_of: dt.date, stale_days: int, set_id: int | None
) -> _Found:
    """Today's responses (the dashboard's cells), its sub-recommendations' and who has published."""
    state = national_state(session, set_id=set_id, today=as_of, stale_days=stale_days)
    required = select(Response.id).where(col(Response.required).is_(True))
    latest = summaries.latest_updates(session, required)  # kept in step with every write
    declared = set(session.exec(required.where(col(Response.declared).is_(True))))
    rows: dict[tuple[int, int], Row] = {}
    sub_rows: dict[tuple[int, int], Row] = {}
    for (org_id, rec_id), cell in state.cells.items():
        day, text = latest.get(cell.response_id, (None, None))
        rows[(org_id, rec_id)] = Row(org_id, rec_id, cell.status, cell.overdue(as_of), day, text)
        rows[(org_id, rec_id)].declared = cell.response_id in declared
    dues = {rec_id: sub.deadline for rec_id, sub in recs.subs.items()}
    for rid, org_id, rec_id, status in session.exec(
        select(Response.id, Response.organisation_id, Response.recommendation_id, col(Response.status)).where(
            col(Response.required).is_(True), col(Response.recommendation_id).in_(recs.subs)
        )
    ):
        day, text = latest.get(not_none(rid), (None, None))
        overdue = response_overdue(status, dues[rec_id], as_of)
        sub_rows[(org_id, rec_id)] = Row(org_id, rec_id, status, overdue, day, text, declared=rid in declared)
    return rows, sub_rows, state.published


def _frozen_rows(session: Session, recs: _Recommendations, period: ReportingPeriod) -> _Found:
    """A frozen period's responses, from its snapshots only, and who had published by the freeze."""
    numbered = {r.id for r in recs.numbered}
    dues = {saved_id(r): r.deadline for r in recs.every}
    rows: dict[tuple[int, int], Row] = {}
    sub_rows: dict[tuple[int, int], Row] = {}
    for snap in session.exec(
        select(Snapshot)
        .where(Snapshot.period_id == period.id)
        .order_by(col(Snapshot.organisation_id), col(Snapshot.recommendation_id))
    ):
        if snap.recommendation_id in numbered:
            target = rows
        elif snap.recommendation_id in recs.subs:
            target = sub_rows
        else:
            continue
        overdue = response_overdue(snap.status, dues[snap.recommendation_id], period.cut_off)
        target[(snap.organisation_id, snap.recommendation_id)] = Row(
            snap.organisation_id,
            snap.recommendation_id,
            snap.status,
            overdue,
            snap.latest_update_on,
            snap.latest_update_text,
            declared=snap.declared,
        )
    published = set(
        session.exec(
            select(PlanPublication.organisation_id)
            .distinct()
            .where(col(PlanPublication.published_at) <= period.fixed_at)
        )
    )
    return rows, sub_rows, published


def _sections(
    session: Session,
    data: ReportData,
    sets: dict[int, str],
    period: ReportingPeriod | None = None,
    kept_practice: dict[str, list[str]] | None = None,
) -> list[RecommendationSection]:
    """A section per numbered recommendation: its counts, who has not started or is overdue, the latest news, and
    its promising practice: for a frozen period, as at the freeze (``kept_practice``: the titles its stored export
    kept, by recommendation id; else what was approved by the freeze), so later changes never alter it."""

    def practice(rec: Recommendation) -> list[str]:
        if kept_practice is not None:
            return list(kept_practice.get(str(rec.id), []))
        approved_by = period.fixed_at if period is not None else None
        return [p.title for p in practice_for(session, saved_id(rec), approved_by)]

    names = {o.id: o.name for o in data.organisations}
    sections = []
    for rec in data.recommendations:
        rec_rows = sorted(
            (r for r in data.rows.values() if r.recommendation_id == rec.id), key=lambda r: names[r.organisation_id]
        )
        updates = sorted(
            (r for r in rec_rows if r.latest_update_text),
            key=lambda r: (r.latest_update_on or dt.date.min, names[r.organisation_id]),
            reverse=True,
        )
        sections.append(
            RecommendationSection(
                recommendation=rec,
                set_title=sets.get(rec.set_id, ""),
                counts=Counter(r.status for r in rec_rows),
                not_started=[names[r.organisation_id] for r in rec_rows if r.status is ResponseStatus.NOT_STARTED],
                overdue=[names[r.organisation_id] for r in rec_rows if r.overdue],
                recent_updates=[
                    (names[r.organisation_id], not_none(r.latest_update_on), not_none(r.latest_update_text))
                    for r in updates[:3]
                ],
                practice=practice(rec),
                # Each organisation's latest update as at the report's date (a frozen period: its snapshots).
                themes=themes((r.organisation_id, r.latest_update_text) for r in rec_rows),
            )
        )
    return sections


def _fold_sub_updates(
    rows: dict[tuple[int, int], Row], sub_rows: dict[tuple[int, int], Row], subs: dict[int, Recommendation]
) -> None:
    """A numbered recommendation's latest update is the latest of its own and its sub-recommendations' (as its
    status is their roll-up), so "no recent update" read from an export agrees with the headline's."""
    for row in [*rows.values(), *sub_rows.values()]:
        row.own_update_on, row.own_update_text = row.latest_update_on, row.latest_update_text
    for (org_id, sub_id), sub_row in sub_rows.items():
        sub = subs[sub_id]
        parent = rows.get((org_id, not_none(sub.parent_id)))
        if parent is None or sub_row.latest_update_on is None:
            continue
        if parent.latest_update_on is None or sub_row.latest_update_on > parent.latest_update_on:
            parent.latest_update_on = sub_row.latest_update_on
            parent.latest_update_text = f"{sub.number}: {sub_row.latest_update_text}"


def render_pdf(
    data: ReportData, flowables: list[object] | None = None, *, created_at: dt.datetime | None = None
) -> bytes:
    """The report as a PDF (``tracker.reports.pdf.render_pdf``). reportlab is imported when a PDF is drawn, not
    with this module: most requests and commands draw none (tests/unit/test_start_up.py)."""
    from tracker.reports import pdf

    return pdf.render_pdf(data, flowables, created_at=created_at)


def story(data: ReportData) -> list[object]:
    """The PDF's flowables, in order (``tracker.reports.pdf.story``)."""
    from tracker.reports import pdf

    return pdf.story(data)


def render_html(data: ReportData, *, pdf_url: str | None = None) -> str:
    """The same report as a standalone accessible HTML file (for the command line; the app serves the page).

    The file carries its stylesheet in a <style> element and links nothing on the server, so it keeps its
    look when saved or sent on; the web page links the stylesheet instead (its CSP forbids inline styles).
    """
    from markupsafe import Markup

    from tracker.web.templating import build_environment

    # A fresh environment: the app's one carries request-bound helpers (CSRF, url_for) a file cannot use.
    template = build_environment.__wrapped__().get_template("reports/progress_report.html")
    return template.render(
        data=data,
        statuses=list(ResponseStatus),
        pdf_url=pdf_url,
        nav_items=[],
        demo_mode=False,
        html_lang=html_lang(current_locale()),  # the translations in use draw it: English or Welsh
        standalone_css=Markup(standalone_css()),
    )


@functools.cache
def standalone_css() -> str:
    """The service's stylesheet, made safe to place inside a <style> element."""
    css = (STATIC_DIR / "govuk" / "govuk-frontend.min.css").read_text(encoding="utf-8")
    # '</' could close the element early; in CSS the escaped form means the same.
    return css.replace("</", "<\\/")
