"""Publishing an organisation's plan, and the one place that decides what of a plan is public.

The public pages show only what ``public_plan`` put into a publication: responses, actions, updates marked
public and evidence marked public. Internal and inspectorate-only evidence, internal updates, assessments,
comments, people's names and email addresses never go in. Edits made after publishing stay private until
the organisation publishes again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import plain, record
from tracker.evidence.models import Evidence
from tracker.organisations.models import Organisation
from tracker.plans.models import Action, PlanPublication, ProgressUpdate, PublishedResponse
from tracker.plans.obligations import obligations_for
from tracker.plans.services import actor_for
from tracker.timeutil import utc_now
from tracker.vocabulary import EvidenceKind, Visibility

FORMAT = 1


def public_plan(session: Session, organisation: Organisation) -> dict[str, Any]:
    """The public view of an organisation's plan as it stands now (plain JSON-ready values)."""
    obligations = obligations_for(session, organisation.id)
    ids = [response.id for response, _, _ in obligations]
    actions: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for action in session.exec(
        select(Action).where(col(Action.response_id).in_(ids)).order_by(Action.position, Action.id)
    ):
        actions[action.response_id].append(
            {
                "description": action.description,
                "owner_role": action.owner_role,
                "target_date": plain(action.target_date),
                "status": action.status.value,
                "completed_on": plain(action.completed_on),
            }
        )
    updates: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for update in session.exec(
        select(ProgressUpdate)
        .where(col(ProgressUpdate.response_id).in_(ids), ProgressUpdate.visibility == Visibility.PUBLIC)
        .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
    ):
        updates[update.response_id].append({"date": plain(update.update_on), "text": update.text})
    evidence: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for item in session.exec(
        select(Evidence)
        .where(col(Evidence.response_id).in_(ids), Evidence.visibility == Visibility.PUBLIC)
        .order_by(Evidence.created_at, Evidence.id)
    ):
        entry: dict[str, Any] = {
            "id": item.id,
            "kind": item.kind.value,
            "title": item.title,
            "description": item.description,
        }
        if item.kind is EvidenceKind.LINK:
            entry["url"] = item.url
        elif item.kind is EvidenceKind.NOTE:
            entry["note"] = item.note
        else:
            entry.update(
                file_name=item.original_name,
                content_type=item.content_type,
                size_bytes=item.size_bytes,
                sha256=item.sha256,
            )
        evidence[item.response_id].append(entry)
    responses = []
    for response, rec, rec_set in obligations:
        responses.append(
            {
                "set": rec_set.slug,
                "recommendation": rec.number,
                "recommendation_id": rec.id,
                "status": response.status.value,
                "rag": response.rag.value if response.rag else None,
                "lead_role": response.lead_role,
                "summary": response.summary,
                "blocked_reason": response.blocked_reason,
                "not_applicable_reason": response.not_applicable_reason,
                "completed_at": plain(response.completed_at),
                "actions": actions[response.id],
                "updates": updates[response.id],
                "evidence": evidence[response.id],
            }
        )
    return {"format": FORMAT, "organisation": organisation.slug, "responses": responses}


def add_publication(
    session: Session, organisation: Organisation, user: User | None = None, *, content: dict[str, Any] | None = None
) -> PlanPublication:
    """Record the plan as it stands (``content``, if already built by ``public_plan``) as published, with the status
    and summary of each response alongside (``PublishedResponse``) for the national pages. The caller commits."""
    publication = PlanPublication(
        organisation_id=organisation.id,
        published_by_id=user.id if user else None,
        published_at=utc_now(),
        content=public_plan(session, organisation) if content is None else content,
    )
    session.add(publication)
    session.flush()
    session.add_all(published_responses(publication))
    return publication


def published_responses(publication: PlanPublication) -> list[PublishedResponse]:
    """The status and summary of each response in a publication, for counting and listing without the content."""
    assert publication.id is not None
    return [
        PublishedResponse(
            publication_id=publication.id,
            recommendation_id=response["recommendation_id"],
            status=response["status"],
            summary=response.get("summary"),
        )
        for response in publication.content.get("responses", [])
        if response.get("recommendation_id") is not None
    ]


def publish_plan(session: Session, organisation: Organisation, user: User) -> PlanPublication:
    """Publish the plan as it stands: from now on the public pages show this version.

    Publishing what the latest publication already holds makes no new one (nor a feed entry): it is returned.
    Publishes of one organisation take turns (its row is locked first; SQLite's write lock already serialises
    them), so two people pressing Publish at once make one publication, not two of the same content.
    """
    session.exec(select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()).one()
    latest = latest_publication(session, organisation.id)  # read after the lock: a parallel publish is seen
    content = public_plan(session, organisation)
    if latest is not None and latest.content == content:
        session.commit()
        return latest
    publication = add_publication(session, organisation, user, content=content)
    record(
        session,
        actor=actor_for(user),
        action="publish",
        entity_type="plan_publication",
        entity_id=publication.id,
        organisation_id=organisation.id,
        summary=f"{organisation.name} published its plan ({len(publication.content['responses'])} responses)",
    )
    session.commit()
    return publication


def latest_publication(session: Session, organisation_id: int) -> PlanPublication | None:
    return session.exec(
        select(PlanPublication)
        .where(PlanPublication.organisation_id == organisation_id)
        .order_by(col(PlanPublication.published_at).desc(), col(PlanPublication.id).desc())
        .limit(1)
    ).first()


def latest_publication_ids(organisation_ids: Iterable[int] | None = None) -> Select[Any]:
    """A subquery: the id of the latest publication of every organisation that has published (or of those given)."""
    ranked = select(
        PlanPublication.id,
        func.row_number()
        .over(
            partition_by=PlanPublication.organisation_id,
            order_by=(col(PlanPublication.published_at).desc(), col(PlanPublication.id).desc()),
        )
        .label("rank"),
    )
    if organisation_ids is not None:
        ranked = ranked.where(col(PlanPublication.organisation_id).in_(list(organisation_ids)))
    latest = ranked.subquery()
    return select(latest.c.id).where(latest.c.rank == 1)


def latest_publications(
    session: Session, organisation_ids: Iterable[int] | None = None, *, with_content: bool = True
) -> dict[int, PlanPublication]:
    """The latest publication of every organisation that has published (or of those given), in one query.

    ``with_content=False`` leaves the content unread (reading it then raises), for lists of who published when.
    """
    query = select(PlanPublication).where(col(PlanPublication.id).in_(latest_publication_ids(organisation_ids)))
    if not with_content:
        query = query.options(defer(PlanPublication.content, raiseload=True))  # type: ignore[arg-type]
    return {p.organisation_id: p for p in session.exec(query)}


def has_unpublished_changes(session: Session, organisation_id: int, publication: PlanPublication | None) -> bool:
    """True when the plan differs from what was last published (or was never published)."""
    if publication is None:
        return True
    organisation = session.get(Organisation, organisation_id)
    assert organisation is not None
    return public_plan(session, organisation)["responses"] != publication.content.get("responses")
