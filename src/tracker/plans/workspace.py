"""What an organisation's workspace shows: each obligation with its status, dates and counts.

A fixed number of queries whatever the size of the plan (no query per row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from litestar.exceptions import NotFoundException
from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.db import not_none, saved_id
from tracker.evidence.models import Evidence
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission, require
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.rules import action_overdue_sql, response_overdue
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import ActionStatus, ResponseStatus, Visibility
from tracker.web.i18n import N_

SORTS = {
    "number": N_("Recommendation number"),
    "due": N_("Due date"),
    "status": N_("Status"),
    "updated": N_("Last update (oldest first)"),
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


def organisation_for(session: Session, user: User | None, slug: str, permission: Permission) -> Organisation:
    """The organisation at ``slug`` if ``user`` may ``permission`` it: 404 if there is none, 403 if not theirs."""
    organisation = get_by_slug(session, slug)
    if organisation is None:
        raise NotFoundException()
    require(user, permission, organisation.id)
    return organisation


def action_counts(session: Session, ids: list[int], today: dt.date) -> dict[int, tuple[int, int, int]]:
    """Each response's actions: how many, how many complete, how many overdue (responses without any left out)."""
    return {
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


def evidence_counts(session: Session, ids: list[int], levels: Collection[Visibility]) -> dict[int, int]:
    """How much evidence of the visibility ``levels`` each response has."""
    return {
        rid: n
        for rid, n in session.exec(
            select(Evidence.response_id, func.count())
            .where(col(Evidence.response_id).in_(ids), col(Evidence.visibility).in_(levels))
            .group_by(col(Evidence.response_id))
        )
    }


def update_counts(
    session: Session, ids: list[int], levels: Collection[Visibility]
) -> dict[int, tuple[int, dt.date | None]]:
    """How many progress updates of the visibility ``levels`` each response has, and the date of the latest.

    The count is the response's own; the latest date of a numbered recommendation's response is the latest of its
    own and its sub-recommendations' updates, as the national figures and exports count it
    (``tracker.reports.figures.national_state``: a sub-recommendation's activity counts towards its parent).
    """
    counts: dict[int, tuple[int, dt.date | None]] = {
        rid: (n, last)
        for rid, n, last in session.exec(
            select(ProgressUpdate.response_id, func.count(), func.max(ProgressUpdate.update_on))
            .where(col(ProgressUpdate.response_id).in_(ids), col(ProgressUpdate.visibility).in_(levels))
            .group_by(col(ProgressUpdate.response_id))
        )
    }
    for rid, last in _sub_recommendations_latest(session, ids, levels):
        n, own = counts.get(rid, (0, None))
        counts[rid] = (n, max(last, own) if own else last)
    return counts


def _sub_recommendations_latest(
    session: Session, ids: list[int], levels: Collection[Visibility]
) -> list[tuple[int, dt.date]]:
    """For each of these responses that has sub-recommendations: the latest update (of ``levels``) on the same
    organisation's required responses to them (the responses the national figures fold into the parent's)."""
    sub, sub_rec = aliased(Response), aliased(Recommendation)
    query = (
        select(Response.id, func.max(ProgressUpdate.update_on))
        .join(sub_rec, col(sub_rec.parent_id) == Response.recommendation_id)
        .join(sub, (col(sub.recommendation_id) == sub_rec.id) & (col(sub.organisation_id) == Response.organisation_id))
        .join(ProgressUpdate, col(ProgressUpdate.response_id) == sub.id)
        .where(col(Response.id).in_(ids), col(sub.required).is_(True), col(ProgressUpdate.visibility).in_(levels))
        .group_by(col(Response.id))
    )
    return [(not_none(rid), last) for rid, last in session.exec(query)]


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
    ids = [saved_id(response) for response, _, _ in obligations]
    actions = action_counts(session, ids, dt.date.today())
    evidence = evidence_counts(session, ids, levels)
    updates = update_counts(session, ids, levels)
    rows = [
        WorkspaceRow(
            response,
            rec,
            rec_set,
            *actions.get(saved_id(response), (0, 0, 0)),
            evidence.get(saved_id(response), 0),
            updates.get(saved_id(response), (0, None))[1],
        )
        for response, rec, rec_set in obligations
    ]
    return _chosen(rows, status, overdue_only, sort)


def _chosen(
    rows: list[WorkspaceRow], status: ResponseStatus | None, overdue_only: bool, sort: str
) -> list[WorkspaceRow]:
    """The rows the workspace's filters keep, in the order it asks for."""
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
