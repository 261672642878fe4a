"""Reporting periods: open one with a cut-off, freeze it into snapshots that never change afterwards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from tracker.audit.services import Actor, audit_change, fields_of, record
from tracker.db import Duplicate, StaleRecord, insert_rows, next_version, not_none, saved_id
from tracker.evidence.models import Evidence
from tracker.inputs import InputError, problems_for
from tracker.organisations.models import Organisation
from tracker.permissions import national_levels
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.figures import latest_update_of_each, select_columns
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.narrative.models import PublishedReport, ReportDraft
from tracker.reports.period_exports import discard_exports, store_exports
from tracker.timeutil import LONDON, DateParseError, parse_uk_date, uk_date, uk_datetime, utc_now
from tracker.vocabulary import ActionStatus, PeriodStatus, ReportStatus, ResponseStatus
from tracker.web.i18n import N_, in_english
from tracker.web.i18n import gettext as _


class PeriodError(ValueError):
    """A reporting-period request that cannot be carried out."""


def _record(
    session: Session,
    actor: Actor,
    action: str,
    period: ReportingPeriod,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record one step of a period's life in the history."""
    record(
        session,
        actor=actor,
        action=action,
        entity_type="reporting_period",
        entity_id=period.id,
        summary=summary,
        before=before,
        after=after,
    )


NAME_IN_USE = N_("A reporting period called '%(name)s' already exists")
MAX_YEARS_AHEAD = 2
"""How far ahead of today a period's cut-off may be."""


def check_period(name: str, cut_off: dt.date | str | None) -> dt.date:
    """The cut-off of a period to open (a date, or what the form's field holds, at most ``MAX_YEARS_AHEAD``
    years after today), or an ``InputError`` with every fault of the ``name`` and ``cut_off`` at once."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = N_("Enter a name, for example Summer 2025 NPCC update")
    else:
        errors.update(problems_for(ReportingPeriod, name=name))
    try:
        cut_off = parse_uk_date(cut_off)
    except DateParseError:
        errors["cut_off"] = N_("The cut-off must be a real date, like 31/07/2025")
    else:
        if cut_off is None:
            errors["cut_off"] = N_("Enter the cut-off date")
        elif cut_off > (latest := utc_now().astimezone(LONDON).date() + relativedelta(years=MAX_YEARS_AHEAD)):
            # A far cut-off, once frozen, would refuse every later period until it was unfrozen.
            errors["cut_off"] = _(
                "The cut-off must not be more than two years from today: %(day)s at the latest", day=uk_date(latest)
            )
    if errors or not isinstance(cut_off, dt.date):
        raise InputError(errors)
    return cut_off


def name_in_use(session: Session, name: str) -> bool:
    """A period of that name exists, whatever its case ("Q1 2025" and "q1 2025" would read as one period)."""
    same = func.lower(ReportingPeriod.name) == name.strip().lower()
    return session.exec(select(ReportingPeriod.id).where(same)).first() is not None


def cut_off_fault(session: Session, cut_off: dt.date, set_id: int | None) -> str | None:
    """Why a new period cannot have this cut-off, or None: it must not come before the recommendations were
    published (the period's set, or the first set published), must come after the latest frozen period's cut-off,
    and must not be an open period's cut-off."""
    published = select(func.min(RecommendationSet.published_on))
    if set_id is not None:
        published = published.where(RecommendationSet.id == set_id)
    first_day = session.exec(published).one()
    if first_day is not None and cut_off < first_day:
        return _("The cut-off must not be before the recommendations were published on %(day)s", day=uk_date(first_day))
    last_frozen = session.exec(
        select(func.max(ReportingPeriod.cut_off)).where(ReportingPeriod.status == PeriodStatus.FROZEN)
    ).one()
    if last_frozen is not None and cut_off <= last_frozen:
        return _("The cut-off must be after %(day)s, the cut-off of the latest frozen period", day=uk_date(last_frozen))
    same = select(ReportingPeriod.name).where(
        ReportingPeriod.cut_off == cut_off, ReportingPeriod.status == PeriodStatus.OPEN
    )
    if (other := session.exec(same).first()) is not None:
        return _("%(name)s is open with the same cut-off: use it, or choose another date", name=other)
    return None


def open_period(
    session: Session, *, name: str, cut_off: dt.date | str | None, actor: Actor, set_id: int | None = None
) -> ReportingPeriod:
    """Open a reporting period (``check_period`` says what it takes); a name in use is refused beside ``name``."""
    name = name.strip()
    errors: dict[str, str] = {}
    try:
        cut_off = check_period(name, cut_off)
    except InputError as exc:
        errors = dict(exc.errors)  # said together with a name in use, not one after the other
    if "name" not in errors and name_in_use(session, name):
        errors["name"] = _(NAME_IN_USE, name=name)
    if "cut_off" not in errors and isinstance(cut_off, dt.date) and (fault := cut_off_fault(session, cut_off, set_id)):
        errors["cut_off"] = fault
    if errors or not isinstance(cut_off, dt.date):
        raise InputError(errors)
    period = ReportingPeriod(name=name, cut_off=cut_off, set_id=set_id, opened_by_id=actor.user_id)
    session.add(period)
    try:
        session.flush()
    except Duplicate as exc:  # another request opened one of the same name since the check above
        raise InputError({"name": _(NAME_IN_USE, name=name)}) from exc
    _record(session, actor, "open_period", period, f"Reporting period {name} opened (cut-off {cut_off.isoformat()})")
    return period


def _counts_at(session: Session, period: ReportingPeriod) -> tuple[dict[int, tuple[int, int | None]], dict[int, int]]:
    """Each response's actions (all, and complete by then) and evidence items, as recorded by the period's cut-off."""
    end_of_cut_off, cut_off = period.recorded_by, period.cut_off
    complete = and_(col(Action.status) == ActionStatus.COMPLETE, col(Action.completed_on) <= cut_off)
    actions = {
        rid: (total, done)
        for rid, total, done in session.exec(
            select(Action.response_id, func.count(), func.sum(case((complete, 1), else_=0)))
            .where(col(Action.created_at) < end_of_cut_off)
            .group_by(col(Action.response_id))
        )
    }
    evidence = {
        rid: n
        for rid, n in session.exec(
            select(Evidence.response_id, func.count())
            .where(col(Evidence.created_at) < end_of_cut_off)
            .group_by(col(Evidence.response_id))
        )
    }
    return actions, evidence


def freeze_period(
    session: Session, period: ReportingPeriod, actor: Actor, *, now: dt.datetime | None = None, stale_days: int = 90
) -> int:
    """Capture every required response as it stood at the cut-off, and what the period's exports hold
    (``tracker.reports.period_exports``); returns the number of snapshots.

    Action, evidence and update figures count only what is dated on or before the cut-off. Status and RAG
    are the response's current values (the record of the claim at the moment of freezing). ``now`` is the
    moment of freezing unless given (the demo freezes its past periods at their own time); ``stale_days`` is the
    dashboard's "no recent update" rule (``Settings.stale_update_days``).
    """
    if period.status is PeriodStatus.FROZEN:
        raise PeriodError(_("%(name)s is already frozen; frozen snapshots never change", name=period.name))
    captured = (Response.id, Response.organisation_id, Response.recommendation_id, Response.status, Response.rag)
    responses = select_columns(*captured, Response.declared).where(col(Response.required).is_(True))
    if period.set_id is not None:
        responses = responses.join(Recommendation, col(Recommendation.id) == Response.recommendation_id).where(
            Recommendation.set_id == period.set_id
        )
    actions, evidence = _counts_at(session, period)
    latest = latest_update_of_each(session, col(ProgressUpdate.update_on) <= period.cut_off)
    now = now or utc_now()
    snapshots = []
    # In the responses' order, whatever order the database keeps their rows in (PostgreSQL moves a row it updates).
    for rid, org_id, rec_id, status, rag, declared in session.exec(responses.order_by(col(Response.id))):
        total, done = actions.get(rid, (0, 0))
        day, text = latest.get(rid, (None, None))
        snapshots.append(
            {
                "period_id": saved_id(period),
                "response_id": rid,
                "organisation_id": org_id,
                "recommendation_id": rec_id,
                "status": status,
                "rag": rag,
                "actions_total": total,
                "actions_complete": done or 0,
                "evidence_count": evidence.get(rid, 0),
                "latest_update_on": day,
                "latest_update_text": text,
                "declared": declared,
                "captured_at": now,
            }
        )
    count = len(snapshots)
    period.status, period.frozen_at, period.frozen_by_id = PeriodStatus.FROZEN, now, actor.user_id
    next_version(period)
    name = period.name
    try:
        session.flush()  # the period's row first (the snapshots refer to it), under the loaded version
    except StaleRecord as exc:  # frozen (or changed) by someone else at the same moment: their freeze stands
        raise PeriodError(
            _("%(name)s was frozen by someone else at the same moment; frozen snapshots never change", name=name)
        ) from exc
    insert_rows(session, Snapshot, snapshots)  # as rows: a national period holds thousands
    store_exports(session, period, stale_days=stale_days)
    _record(
        session, actor, "freeze_period", period, f"Reporting period {period.name} frozen: {count} responses captured"
    )
    return count


LATE_FREEZE_WARNING = dt.timedelta(days=7)
"""Freezing a period longer than this after its cut-off is warned about: its snapshot holds the statuses of the
day it is frozen (``ReportingPeriod.statuses_as_at``), which by then may differ from those at the cut-off."""

UNFREEZE_WINDOW = dt.timedelta(days=7)
"""How long after freezing the service team may reopen a period frozen by mistake. Nothing in the tracker
publishes a period's report (the report, its PDF and exports are for national readers only, made on demand), so
this window is the only limit; once a publication step exists, publishing must close it too."""


def unfreeze_deadline(period: ReportingPeriod) -> dt.datetime | None:
    """Until when a frozen period may be reopened (None: it is not frozen)."""
    if period.status is not PeriodStatus.FROZEN or period.frozen_at is None:
        return None
    return period.frozen_at + UNFREEZE_WINDOW


def can_unfreeze(period: ReportingPeriod, now: dt.datetime | None = None) -> bool:
    deadline = unfreeze_deadline(period)
    return deadline is not None and (now or utc_now()) <= deadline


def reviewed_reports(session: Session, period: ReportingPeriod) -> list[ReportDraft]:
    """The period's written reports that are submitted for review or approved: unfreezing sends them back to draft."""
    return list(
        session.exec(
            select(ReportDraft).where(
                ReportDraft.period_id == period.id,
                col(ReportDraft.status).in_([ReportStatus.SUBMITTED, ReportStatus.APPROVED]),
            )
        )
    )


def _reports_back_to_draft(session: Session, period: ReportingPeriod, actor: Actor) -> None:
    """The figures under a submitted or approved report may change once the period is reopened: the report goes
    back to draft (recorded in its history), so nobody publishes figures its reviewer never saw."""
    for draft in reviewed_reports(session, period):
        before = fields_of(draft, ("status",))
        draft.status, draft.updated_at = ReportStatus.DRAFT, utc_now()
        audit_change(
            session,
            draft,
            before,
            ("status",),
            actor=actor,
            entity_type="report_draft",
            summary=lambda _: "Report returned to draft: the period was unfrozen",
        )


def unfreeze_period(session: Session, period: ReportingPeriod, actor: Actor) -> None:
    """Reopen a period frozen by mistake: its snapshots and stored exports are discarded and the reopening is
    recorded."""
    if period.status is not PeriodStatus.FROZEN:
        raise PeriodError(_("%(name)s is not frozen", name=period.name))
    if not can_unfreeze(period):
        raise PeriodError(
            _(
                "%(name)s was frozen more than %(days)s days ago; its figures can no longer change",
                name=period.name,
                days=UNFREEZE_WINDOW.days,
            )
        )
    if session.exec(select(PublishedReport.id).where(PublishedReport.period_id == period.id)).first() is not None:
        raise PeriodError(
            _("%(name)s has a published report, which must never change: it cannot be unfrozen", name=period.name)
        )
    frozen_at, name = period.frozen_at, period.name
    discarded = session.exec(select(func.count()).where(Snapshot.period_id == period.id)).one()
    for snapshot in session.exec(select(Snapshot).where(Snapshot.period_id == period.id)):
        session.delete(snapshot)
    discard_exports(session, period)
    _reports_back_to_draft(session, period, actor)
    period.status, period.frozen_at, period.frozen_by_id = PeriodStatus.OPEN, None, None
    next_version(period)
    try:
        session.flush()
    except StaleRecord as exc:  # reopened (or changed) by someone else at the same moment
        raise PeriodError(
            _("%(name)s was changed by someone else at the same moment; reload the page", name=name)
        ) from exc
    with in_english():  # stored: English, whatever the page's language
        said = f"Reporting period {name} unfrozen (frozen {uk_datetime(frozen_at)}): {discarded} snapshots discarded"
    _record(
        session,
        actor,
        "unfreeze_period",
        period,
        said,
        before={"status": PeriodStatus.FROZEN.value, "frozen_at": frozen_at.isoformat() if frozen_at else None},
        after={"status": PeriodStatus.OPEN.value, "frozen_at": None},
    )


ORDER = [ResponseStatus.NOT_STARTED, ResponseStatus.BLOCKED, ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETE]


@dataclass
class Movement:
    organisation_id: int
    recommendation_id: int
    before: ResponseStatus
    after: ResponseStatus
    sub_recommendation: bool = False  # listed, but not counted as a response of its own


@dataclass
class Comparison:
    """What changed between two frozen periods."""

    earlier: ReportingPeriod
    later: ReportingPeriod
    forward: list[Movement]
    backward: list[Movement]
    other_changes: list[Movement]
    unchanged: int
    not_updated: list[int]  # organisations with no update dated after the earlier cut-off

    @property
    def responses(self) -> int:
        """Responses in both periods, counted as ``tracker.reports.figures.Headline.responses`` counts them
        (sub-recommendations' movements are listed but counted within their recommendation)."""
        moved = self.forward + self.backward + self.other_changes
        return sum(not m.sub_recommendation for m in moved) + self.unchanged


def compare_periods(session: Session, earlier: ReportingPeriod, later: ReportingPeriod) -> Comparison:
    """Which responses moved forward (e.g. in progress to complete), which went backwards, who has not updated."""
    if earlier.status is not PeriodStatus.FROZEN or later.status is not PeriodStatus.FROZEN:
        raise PeriodError(_("Only frozen periods can be compared"))
    if earlier.id == later.id:
        raise PeriodError(
            _("Choose two different periods: %(name)s compared with itself shows nothing", name=earlier.name)
        )
    if earlier.cut_off > later.cut_off:
        earlier, later = later, earlier
    before = {s.response_id: s for s in session.exec(select(Snapshot).where(Snapshot.period_id == earlier.id))}
    after = list(session.exec(select(Snapshot).where(Snapshot.period_id == later.id)))
    # Responses are counted as everywhere else (tracker.reports.figures.Headline): one per numbered
    # recommendation; a sub-recommendation's movement is listed but never counted as a response of its own.
    numbered = set(session.exec(select(Recommendation.id).where(col(Recommendation.parent_id).is_(None))))
    forward: list[Movement] = []
    backward: list[Movement] = []
    other: list[Movement] = []
    unchanged = 0
    latest_by_org: dict[int, dt.date | None] = {}
    for snap in after:
        previous = latest_by_org.get(snap.organisation_id)
        if snap.latest_update_on and (previous is None or snap.latest_update_on > previous):
            latest_by_org[snap.organisation_id] = snap.latest_update_on
        else:
            latest_by_org.setdefault(snap.organisation_id, previous)
        old = before.get(snap.response_id)
        if old is None or old.status is snap.status:
            unchanged += old is not None and snap.recommendation_id in numbered
            continue
        move = Movement(
            snap.organisation_id,
            snap.recommendation_id,
            old.status,
            snap.status,
            snap.recommendation_id not in numbered,
        )
        if old.status in ORDER and snap.status in ORDER:
            (forward if ORDER.index(snap.status) > ORDER.index(old.status) else backward).append(move)
        else:
            other.append(move)
    not_updated = sorted(org for org, day in latest_by_org.items() if day is None or day <= earlier.cut_off)
    return Comparison(earlier, later, forward, backward, other, unchanged, not_updated)


@dataclass
class StaleOrganisation:
    organisation_id: int
    name: str
    last_update_on: dt.date | None


@dataclass(frozen=True)
class UpdateWindow:
    """The days in which an organisation must have posted an update for a period: from the day after the
    previous frozen period's cut-off, or, for the first period, the dashboard's "recent" days up to its cut-off."""

    first_day: dt.date
    last_day: dt.date
    previous: ReportingPeriod | None  # None: the first period


def update_window(session: Session, period: ReportingPeriod, stale_days: int = 90) -> UpdateWindow:
    """The window ``missing_updates`` uses; ``stale_days`` is the dashboard's rule (``Settings.stale_update_days``):
    an update ``stale_days`` days before the cut-off is still recent."""
    previous = session.exec(
        select(ReportingPeriod)
        .where(ReportingPeriod.cut_off < period.cut_off, ReportingPeriod.status == PeriodStatus.FROZEN)
        .order_by(col(ReportingPeriod.cut_off).desc())
    ).first()
    if previous is not None:
        return UpdateWindow(previous.cut_off + dt.timedelta(days=1), period.cut_off, previous)
    return UpdateWindow(period.cut_off - dt.timedelta(days=stale_days), period.cut_off, None)


def missing_updates(session: Session, period: ReportingPeriod, stale_days: int = 90) -> list[StaleOrganisation]:
    """Organisations with no update in the period's ``update_window`` (or none ever)."""
    first_day = update_window(session, period, stale_days).first_day
    rows = session.exec(
        select(Organisation.id, Organisation.name, func.max(ProgressUpdate.update_on))
        .join(Response, col(Response.organisation_id) == Organisation.id)
        .outerjoin(
            ProgressUpdate,
            (col(ProgressUpdate.response_id) == Response.id)
            & (col(ProgressUpdate.update_on) <= period.cut_off)
            & col(ProgressUpdate.visibility).in_(national_levels()),
        )
        .where(Response.required == True)  # noqa: E712
        .group_by(col(Organisation.id), col(Organisation.name))
        .order_by(Organisation.name)
    )
    return [
        StaleOrganisation(not_none(oid), name, last) for oid, name, last in rows if last is None or last < first_day
    ]
