"""Recommendations organisations declare they answer while the report's addressees for them are not known.

A plan import with rows on such a recommendation records the organisation's response as declared
(``Response.declared``; ``tracker.plans.spreadsheet``). Coordinators and admins see them here, one entry per
recommendation with the organisations declaring it; an admin can make those organisations its addressees, which
saves a new version of the recommendation (``save_recommendation``) and reconciles the declarations
(``sync_obligations``): each becomes an ordinary obligation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.organisations.models import Organisation
from tracker.plans.models import Response
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import EditResult, form_values, save_recommendation
from tracker.recommendations.models import Recommendation, RecommendationSet


@dataclass
class DeclaredRecommendation:
    """A numbered recommendation with the organisations that declared they answer it (or one of its parts)."""

    recommendation: Recommendation
    recommendation_set: RecommendationSet
    organisations: list[Organisation] = field(default_factory=list)


def declared_recommendations(session: Session) -> list[DeclaredRecommendation]:
    """Every numbered recommendation with declared responses, in report order, with who declared it."""
    query = (
        select(Recommendation, Organisation)
        .join(Response, col(Response.recommendation_id) == Recommendation.id)
        .join(Organisation, col(Organisation.id) == Response.organisation_id)
        .where(col(Response.declared).is_(True), col(Response.required).is_(True))
    )
    sets = {s.id: s for s in session.exec(select(RecommendationSet))}
    found: dict[int, DeclaredRecommendation] = {}
    for rec, organisation in session.exec(query):
        top = session.get(Recommendation, rec.parent_id) if rec.parent_id else rec
        assert top is not None and top.id is not None
        entry = found.setdefault(top.id, DeclaredRecommendation(top, sets[top.set_id]))
        if organisation not in entry.organisations:
            entry.organisations.append(organisation)
    for entry in found.values():
        entry.organisations.sort(key=lambda o: o.name)
    return sorted(found.values(), key=lambda e: (e.recommendation.set_id, e.recommendation.position))


def adopt_declarations(session: Session, rec: Recommendation, user: User) -> EditResult:
    """Make the organisations that declared ``rec`` its addressees (a new version, its provenance note saying
    where they came from), then reconcile: their declarations become ordinary obligations. Commits."""
    declared = next((e for e in declared_recommendations(session) if e.recommendation.id == rec.id), None)
    if declared is None or rec.addressees:
        return EditResult()
    slugs = [o.slug for o in declared.organisations]
    note = (
        f"Addressees taken from the {len(slugs)} organisations that declared they answer it in their plans, "
        "not checked against the report."
    )
    values = form_values(session, rec)
    values["addressees"] = slugs
    values["provenance_note"] = " ".join(filter(None, [values["provenance_note"], note]))
    return save_recommendation(session, rec, recommendation_edit(values), user)
