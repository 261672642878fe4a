"""Reporting periods: open one with a cut-off, freeze it into snapshots that never change afterwards."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from tracker.audit.services import Actor, record
from tracker.evidence.models import Evidence
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.recommendations.models import Recommendation
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.timeutil import UTC, utc_now
from tracker.vocabulary import ActionStatus, PeriodStatus


class PeriodError(ValueError):
    """A reporting-period request that cannot be carried out."""


def open_period(
    session: Session, *, name: str, cut_off: dt.date, actor: Actor, set_id: int | None = None
) -> ReportingPeriod:
    name = name.strip()
    if not name:
        raise PeriodError("Enter a name for the reporting period")
    if session.exec(select(ReportingPeriod).where(ReportingPeriod.name == name)).first():
        raise PeriodError(f"A reporting period called {name!r} already exists")
    period = ReportingPeriod(name=name, cut_off=cut_off, set_id=set_id, opened_by_id=actor.user_id)
    session.add(period)
    session.flush()
    record(
        session,
        actor=actor,
        action="open_period",
        entity_type="reporting_period",
        entity_id=period.id,
        summary=f"Reporting period {name} opened (cut-off {cut_off.isoformat()})",
    )
    return period


def freeze_period(session: Session, period: ReportingPeriod, actor: Actor) -> int:
    """Capture every required response as it stood at the cut-off; returns the number of snapshots.

    Action, evidence and update figures count only what is dated on or before the cut-off. Status and RAG
    are the response's current values (the record of the claim at the moment of freezing).
    """
    if period.status is PeriodStatus.FROZEN:
        raise PeriodError(f"{period.name} is already frozen; frozen snapshots never change")
    end_of_cut_off = dt.datetime.combine(period.cut_off + dt.timedelta(days=1), dt.time(), UTC)
    responses = select(
        Response.id, Response.organisation_id, Response.recommendation_id, Response.status, Response.rag
    ).where(Response.required == True)  # noqa: E712
    if period.set_id is not None:
        responses = responses.join(Recommendation, Recommendation.id == Response.recommendation_id).where(
            Recommendation.set_id == period.set_id
        )
    actions = {
        rid: (total, done)
        for rid, total, done in session.exec(
            select(
                Action.response_id,
                func.count(),
                func.sum(
                    case(
                        (and_(Action.status == ActionStatus.COMPLETE, col(Action.completed_on) <= period.cut_off), 1),
                        else_=0,
                    )
                ),
            )
            .where(col(Action.created_at) < end_of_cut_off)
            .group_by(Action.response_id)
        )
    }
    evidence = {
        rid: n
        for rid, n in session.exec(
            select(Evidence.response_id, func.count())
            .where(col(Evidence.created_at) < end_of_cut_off)
            .group_by(Evidence.response_id)
        )
    }
    ranked = (
        select(
            ProgressUpdate.response_id,
            ProgressUpdate.update_on,
            ProgressUpdate.text,
            func.row_number()
            .over(
                partition_by=ProgressUpdate.response_id,
                order_by=(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc()),
            )
            .label("rank"),
        )
        .where(col(ProgressUpdate.update_on) <= period.cut_off)
        .subquery()
    )
    latest = {
        rid: (day, text)
        for rid, day, text in session.exec(
            select(ranked.c.response_id, ranked.c.update_on, ranked.c.text).where(ranked.c.rank == 1)
        )
    }
    now = utc_now()
    count = 0
    for rid, org_id, rec_id, status, rag in session.exec(responses):
        total, done = actions.get(rid, (0, 0))
        day, text = latest.get(rid, (None, None))
        session.add(
            Snapshot(
                period_id=period.id,
                response_id=rid,
                organisation_id=org_id,
                recommendation_id=rec_id,
                status=status,
                rag=rag,
                actions_total=total,
                actions_complete=done or 0,
                evidence_count=evidence.get(rid, 0),
                latest_update_on=day,
                latest_update_text=text,
                captured_at=now,
            )
        )
        count += 1
    period.status, period.frozen_at, period.frozen_by_id = PeriodStatus.FROZEN, now, actor.user_id
    period.version += 1
    session.flush()
    record(
        session,
        actor=actor,
        action="freeze_period",
        entity_type="reporting_period",
        entity_id=period.id,
        summary=f"Reporting period {period.name} frozen: {count} responses captured",
    )
    return count
