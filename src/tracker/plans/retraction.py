"""Retraction: an item taken back from the public (made internal or inspectorate-only, or withdrawn) leaves the
public site at once, without waiting for the organisation's next publication.

Everything else an organisation changes after publishing stays a draft until it publishes again
(``tracker.plans.publication``). A retraction cannot wait: the organisation has said the item is no longer for
the public. So the item is taken out of the organisation's latest publication (what the public pages, the
open-data files and the feed are built from), and the public data's revision is moved on, so the stored
renderings of public pages and every client's cached copy are out of date at once (``tracker.public.caching``).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, record
from tracker.evidence.models import Evidence
from tracker.plans.models import PlanPublication, ProgressUpdate, Response
from tracker.public.models import REVISION_KEY, move_revision
from tracker.vocabulary import Visibility

RETRACTED_EVIDENCE = "retracted_evidence"  # in a publication's content: ids of its evidence since retracted


def is_retraction(before: Any, after: Any) -> bool:
    """Does a change of visibility from ``before`` to ``after`` (None: the item is gone) take an item back?"""
    return Visibility(before) is Visibility.PUBLIC and (after is None or Visibility(after) is not Visibility.PUBLIC)


def retract_update(session: Session, update: ProgressUpdate, organisation_id: int, actor: Actor) -> None:
    """Take a progress update, in every wording and date it has had, out of the latest publication.

    Published updates are held by date and text (a publication keeps no ids), and the published wording may be
    an earlier one than the update has now, so every (date, text) the history knows for it counts. The caller
    commits.
    """
    versions = {(update.update_on.isoformat(), update.text)}
    dates, texts = {update.update_on.isoformat()}, {update.text}
    for before, after in session.exec(
        select(AuditEvent.before, AuditEvent.after).where(
            AuditEvent.entity_type == "progress_update", AuditEvent.entity_id == update.id
        )
    ):
        for values in (before or {}, after or {}):
            if values.get("update_on"):
                dates.add(str(values["update_on"]))
            if values.get("text"):
                texts.add(str(values["text"]))
    versions |= {(d, t) for d in dates for t in texts}

    def keep(entry: dict[str, Any]) -> bool:
        return (entry.get("date"), entry.get("text")) not in versions

    if _retract(session, organisation_id, update.response_id, "updates", keep):
        _note(session, organisation_id, update.response_id, actor, "A progress update")


def retract_evidence(session: Session, evidence: Evidence, organisation_id: int, actor: Actor) -> None:
    """Take an evidence item out of the latest publication (the caller commits)."""

    def keep(entry: dict[str, Any]) -> bool:
        return entry.get("id") != evidence.id

    if _retract(session, organisation_id, evidence.response_id, "evidence", keep, evidence.id):
        _note(session, organisation_id, evidence.response_id, actor, "An evidence item")


def _retract(
    session: Session, organisation_id: int, response_id: int, part: str, keep: Any, evidence_id: int | None = None
) -> bool:
    """Drop the entries of one response's ``part`` that ``keep`` refuses from the organisation's latest
    publication; True if anything was dropped. A retracted evidence item's id is kept in the publication's
    ``RETRACTED_EVIDENCE`` list, so its public address answers 410 Gone rather than 404."""
    publication = session.exec(
        select(PlanPublication)
        .where(PlanPublication.organisation_id == organisation_id)
        .order_by(col(PlanPublication.published_at).desc(), col(PlanPublication.id).desc())
        .limit(1)
        .with_for_update()  # two retractions at once must not each write back the other's item
    ).first()
    if publication is None:
        return False
    recommendation_id = session.exec(select(Response.recommendation_id).where(Response.id == response_id)).one()
    dropped = False
    responses = []
    for entry in publication.content.get("responses", []):
        if entry.get("recommendation_id") == recommendation_id:
            kept = [item for item in entry.get(part, []) if keep(item)]
            if len(kept) != len(entry.get(part, [])):
                entry = {**entry, part: kept}
                dropped = True
        responses.append(entry)
    if dropped:
        content = {**publication.content, "responses": responses}  # a new value, so the column is written
        if evidence_id is not None:
            content[RETRACTED_EVIDENCE] = [*content.get(RETRACTED_EVIDENCE, []), evidence_id]
        publication.content = content
        session.add(publication)
        bump_public_revision(session)
    return dropped


def _note(session: Session, organisation_id: int, response_id: int, actor: Actor, what: str) -> None:
    record(
        session,
        actor=actor,
        action="retract",
        entity_type="plan_publication",
        entity_id=None,
        organisation_id=organisation_id,
        response_id=response_id,
        summary=f"{what} was taken off the public site",
    )


def bump_public_revision(session: Session) -> None:
    """Move the public data's revision on (in the caller's transaction): every public page's validators change,
    so no stored rendering or cached copy made before is served again."""
    move_revision(session, REVISION_KEY)
