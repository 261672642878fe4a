"""A frozen period's data exports never change (outsider pass 5, finding 2): what they hold is stored as the period
is frozen (``PeriodExport``: the JSON document, for every recommendation set together and for each set) and every
format is rendered from it, so a download gives the same bytes every time and only what was true at the freeze.
Unfreezing discards it; freezing again stores it afresh. The current position's exports stay live.

A period frozen before exports were kept (or asked for a set added since) has its export stored on first asking,
with a note saying when it was captured: it is never presented as the freeze's own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, col, select

from tracker.db import saved_id
from tracker.recommendations.models import RecommendationSet
from tracker.reports.exports import document, to_json
from tracker.reports.models import PeriodExport, ReportingPeriod
from tracker.reports.progress_report import build_report
from tracker.timeutil import LONDON, uk_date, utc_now


def store_exports(session: Session, period: ReportingPeriod, *, stale_days: int) -> None:
    """Store what a period just frozen exports, for every set together and for each set (the only set's export is
    every set's, built once)."""
    set_ids = list(session.exec(select(RecommendationSet.id).order_by(col(RecommendationSet.id))))
    every_set = _store(session, period, None, stale_days, late=False)
    for set_id in set_ids:
        built = every_set.document if len(set_ids) == 1 else None
        _store(session, period, set_id, stale_days, late=False, document_=built)


def discard_exports(session: Session, period: ReportingPeriod) -> None:
    """Forget a period's stored exports (it is being unfrozen)."""
    for stored in session.exec(select(PeriodExport).where(PeriodExport.period_id == period.id)):
        session.delete(stored)


def export_document(
    session: Session, period: ReportingPeriod | None, set_id: int | None, *, stale_days: int
) -> tuple[dict[str, Any], dt.datetime | None]:
    """What an export holds (the current position: as it is now) and, for a frozen period, the moment it was fixed."""
    if period is None:
        return document(session, build_report(session, None, stale_days=stale_days, set_id=set_id), None), None
    same_set = col(PeriodExport.set_id).is_(None) if set_id is None else col(PeriodExport.set_id) == set_id
    # The first stored stands: two first exports of an old period at the same moment both store one.
    stored = session.exec(
        select(PeriodExport).where(PeriodExport.period_id == period.id, same_set).order_by(col(PeriodExport.id))
    ).first()
    if stored is None:
        stored = _store(session, period, set_id, stale_days, late=True)
        session.commit()
    return json.loads(stored.document), stored.stored_at


def _store(
    session: Session,
    period: ReportingPeriod,
    set_id: int | None,
    stale_days: int,
    *,
    late: bool,
    document_: str | None = None,
) -> PeriodExport:
    stored_at = utc_now() if late else period.fixed_at
    if document_ is None:
        doc = document(session, build_report(session, period, stale_days=stale_days, set_id=set_id), period)
        doc["generated"] = stored_at.astimezone(LONDON).date().isoformat()
        if late:  # said first, before the figures
            doc = {"note": _late_note(period, stored_at), **doc}
        document_ = to_json(doc).decode()
    stored = PeriodExport(period_id=saved_id(period), set_id=set_id, document=document_, stored_at=stored_at, late=late)
    session.add(stored)
    session.flush()
    return stored


def _late_note(period: ReportingPeriod, stored_at: dt.datetime) -> str:
    frozen, captured = uk_date(period.frozen_on or period.cut_off), uk_date(stored_at.astimezone(LONDON).date())
    return (
        f"This period was frozen on {frozen}, before the tracker kept a frozen period's exports, so these tables were "
        f"captured on {captured}, the first time they were asked for. The responses and snapshots are the period's "
        "own; the actions (those recorded by its cut-off), updates (those dated by its cut-off) and assessments "
        f"(those recorded by its freeze) are as they stood on {captured}, and may have changed since the freeze."
    )
