"""Obligations: which organisation must answer which recommendation.

The addressees of a recommendation decide it (every force answers each "chief constables" recommendation,
and so on). The answer is stored as one ``Response`` row per pair, so every later query is a plain join.
Rows are never deleted: an organisation no longer addressed keeps its record, marked not required.

A recommendation whose addressees are not known is answered only by the organisations that declared it
(``Response.declared``): those responses stay required while the addressees are unknown. Once they are known,
each declaration reconciles: it becomes an ordinary obligation if the organisation is addressed, otherwise it
stays, marked no longer required, as any other response would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from tracker.audit.services import Actor, record
from tracker.db import saved_id
from tracker.organisations.models import Organisation
from tracker.organisations.services import resolve_addressees
from tracker.plans.models import Response
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.timeutil import utc_now
from tracker.web.i18n import gettext, ngettext


@dataclass
class ObligationChanges:
    """What a sync changed."""

    added: list[tuple[int, int]] = field(default_factory=list)
    no_longer_required: list[tuple[int, int]] = field(default_factory=list)
    required_again: list[tuple[int, int]] = field(default_factory=list)
    declarations_settled: list[tuple[int, int]] = field(default_factory=list)  # addressees now known

    @property
    def any(self) -> bool:
        return bool(self.added or self.no_longer_required or self.required_again or self.declarations_settled)

    def summary(self) -> str:
        settled = len(self.declarations_settled)
        parts = [
            ngettext("%(num)s new obligation", "%(num)s new obligations", len(self.added)),
            gettext("%(n)s no longer required", n=len(self.no_longer_required)),
            gettext("%(n)s required again", n=len(self.required_again)),
        ]
        if settled:
            parts.append(
                ngettext(
                    "%(num)s declared response settled by the addressees",
                    "%(num)s declared responses settled by the addressees",
                    settled,
                )
            )
        return ", ".join(parts)


# What made a sync's changes, kept with its event and worded on "Changes to obligations" (``cause`` below).
SET_LOADED, ORGANISATIONS_LOADED, EDITED, CANDIDATE, DECLARATIONS = (
    "set_loaded",
    "organisations_loaded",
    "edited",
    "candidate",
    "declarations",
)


def sync_obligations(
    session: Session, actor: Actor, set_id: int | None = None, *, cause: dict[str, str] | None = None
) -> ObligationChanges:
    """Bring the stored obligations in line with the recommendations' addressees.

    ``cause`` says what changed them, for coordinators: ``{"kind": SET_LOADED}`` or ``ORGANISATIONS_LOADED``, or
    one recommendation's ``{"kind": EDITED | CANDIDATE | DECLARATIONS, "recommendation": number}``."""
    query = select(Recommendation)
    if set_id is not None:
        query = query.where(Recommendation.set_id == set_id)
    recommendations = list(session.exec(query))
    rec_ids = [saved_id(r) for r in recommendations]
    existing: dict[int, dict[int, Response]] = {rec_id: {} for rec_id in rec_ids}
    if rec_ids:
        for row in session.exec(select(Response).where(col(Response.recommendation_id).in_(rec_ids))):
            existing[row.recommendation_id][row.organisation_id] = row
    resolved: dict[tuple[str, ...], set[int]] = {}
    changes = ObligationChanges()
    now = utc_now()
    for rec in recommendations:
        key = tuple(sorted(rec.addressees))
        if key not in resolved:
            resolved[key] = resolve_addressees(session, key)
        # A sub-recommendation taken out of the set addresses no one; what was recorded against it is kept.
        wanted = resolved[key] if rec.removed_at is None else set()
        answering = existing[saved_id(rec)]
        if rec.removed_at is None and not rec.addressees_known:
            # only its declarations answer it (and keep being required) until the addressees are known
            wanted = {org_id for org_id, row in answering.items() if row.declared and row.required}
        else:
            for org_id, row in answering.items():
                if row.declared:
                    row.declared = False
                    changes.declarations_settled.append((org_id, saved_id(rec)))
        for org_id in wanted:
            response = answering.get(org_id)
            if response is None:
                session.add(Response(organisation_id=org_id, recommendation_id=saved_id(rec)))
                changes.added.append((org_id, saved_id(rec)))
            elif not response.required:
                response.required, response.required_changed_at = True, now
                changes.required_again.append((org_id, saved_id(rec)))
        for org_id, response in answering.items():
            if org_id not in wanted and response.required:
                response.required, response.required_changed_at = False, now
                changes.no_longer_required.append((org_id, saved_id(rec)))
    session.flush()
    if changes.any:
        _record_sync(session, actor, set_id, changes, cause)
    return changes


def _record_sync(
    session: Session, actor: Actor, set_id: int | None, changes: ObligationChanges, cause: dict[str, str] | None
) -> None:
    """The sync's event in the history: each change by (organisation, recommendation), and its cause if known."""
    record(
        session,
        actor=actor,
        action="sync",
        entity_type="obligations",
        entity_id=set_id,
        summary=f"Obligations brought in line with addressees: {changes.summary()}",
        after={
            "added": changes.added,
            "no_longer_required": changes.no_longer_required,
            "required_again": changes.required_again,
        }
        | ({"declarations_settled": changes.declarations_settled} if changes.declarations_settled else {})
        | ({"cause": cause} if cause else {}),
    )


def obligations_for(
    session: Session,
    organisation_id: int,
    *,
    set_id: int | None = None,
    include_not_required: bool = False,
) -> list[tuple[Response, Recommendation, RecommendationSet]]:
    """What an organisation must answer: its responses with their recommendations, in report order.

    This is the one query for "what is asked of this organisation"; pages, exports and reminders use it.
    """
    found = obligations_of(session, [organisation_id], set_id=set_id, include_not_required=include_not_required)
    return found[organisation_id]


def obligations_of(
    session: Session,
    organisation_ids: list[int],
    *,
    set_id: int | None = None,
    include_not_required: bool = False,
) -> dict[int, list[tuple[Response, Recommendation, RecommendationSet]]]:
    """What each of the organisations must answer (``obligations_for``), in one query."""
    query = (
        select(Response, Recommendation, RecommendationSet)
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
        .where(col(Response.organisation_id).in_(organisation_ids))
        .order_by(
            col(RecommendationSet.published_on),
            col(RecommendationSet.id),
            col(Recommendation.position),
            col(Recommendation.id),
        )
    )
    if not include_not_required:
        query = query.where(Response.required == True)  # noqa: E712
    if set_id is not None:
        query = query.where(Recommendation.set_id == set_id)
    found: dict[int, list[tuple[Response, Recommendation, RecommendationSet]]] = {i: [] for i in organisation_ids}
    for response, rec, rec_set in session.exec(query):
        found[response.organisation_id].append((response, rec, rec_set))
    return found


def organisations_answering(session: Session, recommendation_id: int) -> list[Organisation]:
    """The organisations that must answer one recommendation, by name."""
    query = (
        select(Organisation)
        .join(Response, col(Response.organisation_id) == Organisation.id)
        .where(Response.recommendation_id == recommendation_id, Response.required == True)  # noqa: E712
        .order_by(Organisation.name)
    )
    return list(session.exec(query))


def must_answer_ids() -> Select[Any]:
    """A subquery: the ids of the organisations that must answer (at least one required response).

    The one definition of "organisations that must answer" (``tracker.reports.figures.Headline.organisations``):
    an organisation with nothing addressed to it, such as an inspectorate, has no action plan to list.
    """
    return select(Response.organisation_id).where(col(Response.required).is_(True)).distinct()


def declare_response(
    session: Session, actor: Actor, organisation_id: int, rec: Recommendation, response: Response | None, how: str
) -> Response:
    """The organisation's response to ``rec`` (a new one if ``response`` is None) marked declared and required, with
    its history: the one step a plan import and the workspace's "a recommendation we are answering" share.
    ``how`` says where the declaration was made ("in a spreadsheet import")."""
    now = utc_now()
    if response is None:
        response = Response(organisation_id=organisation_id, recommendation_id=saved_id(rec))
        session.add(response)
    response.declared, response.declared_at, response.required = True, now, True
    response.required_changed_at = response.updated_at = now
    session.flush()
    record(
        session,
        actor=actor,
        action="declare",
        entity_type="response",
        entity_id=saved_id(response),
        organisation_id=organisation_id,
        response_id=saved_id(response),
        summary=f"Recommendation {rec.number} declared by the organisation {how} (its addressees are not yet known)",
        after={"declared": True, "required": True},
    )
    return response
