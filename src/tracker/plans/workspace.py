"""What an organisation's workspace shows: each obligation with its status, dates and counts.

A fixed number of queries whatever the size of the plan (no query per row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from tracker.db import saved_id
from tracker.evidence.models import Evidence
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.rules import action_overdue_sql, response_overdue
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import ActionStatus, ResponseStatus, Visibility

SORTS = {
    "number": "Recommendation number",
    "due": "Due date",
    "status": "Status",
    "updated": "Last update (oldest first)",
}


@dataclass
class WorkspaceRow:
    response: Response
    recommendation: Recommendation
    recommendation_set: RecommendationSet
    actions_total: int
    actions_complete: int
    actions_overdue: int
    evidence_count: int
    last_update_on: dt.date | None

    @property
    def due(self) -> dt.date | None:
        return self.recommendation.deadline

    @property
    def overdue(self) -> bool:
        """The response is overdue (``tracker.plans.rules``); overdue actions are ``actions_overdue``."""
        return response_overdue(self.response.status, self.due, dt.date.today())

    @property
    def anything_overdue(self) -> bool:
        """The response or one of its actions is overdue (what "Overdue only" keeps)."""
        return self.overdue or self.actions_overdue > 0

    @property
    def complete_without_evidence(self) -> bool:
        return self.response.status is ResponseStatus.COMPLETE and self.evidence_count == 0


def workspace_rows(
    session: Session,
    organisation_id: int,
    *,
    levels: Collection[Visibility],
    status: ResponseStatus | None = None,
    overdue_only: bool = False,
    set_id: int | None = None,
    sort: str = "number",
) -> list[WorkspaceRow]:
    """Every recommendation the organisation must answer, with what its workspace list shows.

    Evidence counts and last-update dates count only items of the visibility ``levels`` the reader may see
    (``tracker.permissions.visible_levels``, or ``national_levels`` for a page every national reader shares).
    """
    obligations = obligations_for(session, organisation_id, set_id=set_id)
    ids = [response.id for response, _, _ in obligations]
    today = dt.date.today()
    actions = {
        rid: (total, done or 0, late or 0)
        for rid, total, done, late in session.exec(
            select(
                Action.response_id,
                func.count(),
                func.sum(case((col(Action.status) == ActionStatus.COMPLETE, 1), else_=0)),
                func.sum(case((action_overdue_sql(today), 1), else_=0)),
            )
            .where(col(Action.response_id).in_(ids))
            .group_by(col(Action.response_id))
        )
    }
    evidence = {
        rid: n
        for rid, n in session.exec(
            select(Evidence.response_id, func.count())
            .where(col(Evidence.response_id).in_(ids), col(Evidence.visibility).in_(levels))
            .group_by(col(Evidence.response_id))
        )
    }
    updates = {
        rid: day
        for rid, day in session.exec(
            select(ProgressUpdate.response_id, func.max(ProgressUpdate.update_on))
            .where(col(ProgressUpdate.response_id).in_(ids), col(ProgressUpdate.visibility).in_(levels))
            .group_by(col(ProgressUpdate.response_id))
        )
    }
    rows = []
    for response, rec, rec_set in obligations:
        total, done, late = actions.get(saved_id(response), (0, 0, 0))
        rows.append(
            WorkspaceRow(
                response,
                rec,
                rec_set,
                total,
                done,
                late,
                evidence.get(saved_id(response), 0),
                updates.get(saved_id(response)),
            )
        )
    if status is not None:
        rows = [r for r in rows if r.response.status is status]
    if overdue_only:
        rows = [r for r in rows if r.anything_overdue]
    order = list(ResponseStatus)
    keys = {
        "due": lambda r: (r.due is None, r.due or dt.date.max, r.recommendation.position),
        "status": lambda r: (order.index(r.response.status), r.recommendation.position),
        "updated": lambda r: (r.last_update_on or dt.date.min, r.recommendation.position),
    }
    if sort in keys:
        rows.sort(key=keys[sort])
    return rows
