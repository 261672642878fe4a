"""Inspectors' independent assessments of a response, and the internal comment threads on it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.assessments.models import Assessment, Comment
from tracker.audit.services import fields_of, record
from tracker.inputs import parse_id
from tracker.permissions import Permission, can
from tracker.plans.services import PlanError, ResponseContext, actor_for
from tracker.vocabulary import AssessmentRating

ASSESSMENT_FIELDS = ("rating", "rationale", "released")


def record_assessment(session: Session, ctx: ResponseContext, user: User, values: dict[str, Any]) -> Assessment:
    """A new dated rating of the response's claim (earlier ones stay as its history)."""
    errors: dict[str, str] = {}
    try:
        rating = AssessmentRating(values.get("rating") or "")
    except ValueError:
        errors["rating"] = "Select a rating"
        rating = AssessmentRating.NOT_YET_ASSESSED
    rationale = (values.get("rationale") or "").strip()
    if rating is not AssessmentRating.NOT_YET_ASSESSED and not rationale:
        errors["rationale"] = "Explain the rating"
    if len(rationale) > 10_000:
        errors["rationale"] = "The rationale must be 10,000 characters or fewer"
    if errors:
        raise PlanError(errors)
    assessment = Assessment(
        response_id=ctx.response.id,
        rating=rating,
        rationale=rationale or None,
        assessor_id=user.id,
        released=values.get("released") == "yes",
    )
    session.add(assessment)
    session.flush()
    record(
        session,
        actor=actor_for(user),
        action="assess",
        entity_type="assessment",
        entity_id=assessment.id,
        organisation_id=ctx.organisation_id,
        response_id=ctx.response.id,
        summary=f"Assessment of recommendation {ctx.recommendation.number}: {rating.label}",
        after=fields_of(assessment, ASSESSMENT_FIELDS),
    )
    session.commit()
    return assessment


def assessments_for(session: Session, response_id: int) -> list[Assessment]:
    """Newest first; the first is the current rating."""
    return list(
        session.exec(
            select(Assessment)
            .where(Assessment.response_id == response_id)
            .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())
        )
    )


def can_comment(user: User | None, organisation_id: int) -> bool:
    """Inspectors, coordinators and the organisation's editors can talk on a response; nobody else."""
    return any(
        can(user, p, organisation_id) for p in (Permission.ASSESS, Permission.RUN_REPORTING, Permission.EDIT_PLAN)
    )


def add_comment(session: Session, ctx: ResponseContext, user: User, values: dict[str, Any]) -> Comment:
    body = (values.get("body") or "").strip()
    if not body:
        raise PlanError({"body": "Enter a comment"})
    if len(body) > 10_000:
        raise PlanError({"body": "The comment must be 10,000 characters or fewer"})
    parent_id = None
    if values.get("parent_id"):
        parent_key = parse_id(values["parent_id"])
        parent = session.get(Comment, parent_key) if parent_key is not None else None
        if parent is None or parent.response_id != ctx.response.id:
            raise PlanError({"body": "The comment you replied to no longer exists"})
        parent_id = parent.parent_id or parent.id  # threads are one level deep
    comment = Comment(response_id=ctx.response.id, parent_id=parent_id, author_id=user.id, body=body)
    session.add(comment)
    session.flush()
    record(
        session,
        actor=actor_for(user),
        action="comment",
        entity_type="comment",
        entity_id=comment.id,
        organisation_id=ctx.organisation_id,
        response_id=ctx.response.id,
        summary=f"Comment on recommendation {ctx.recommendation.number}",
        after={"body": body},
    )
    session.commit()
    return comment


def comment_threads(session: Session, response_id: int) -> list[tuple[Comment, str, list[tuple[Comment, str]]]]:
    """Top-level comments with their replies, oldest first, each with its author's display name."""
    rows = list(
        session.exec(
            select(Comment, User.display_name)
            .outerjoin(User, User.id == Comment.author_id)
            .where(Comment.response_id == response_id)
            .order_by(Comment.created_at, Comment.id)
        )
    )
    replies: dict[int, list[tuple[Comment, str]]] = {}
    for comment, name in rows:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append((comment, name or "Former user"))
    return [(c, name or "Former user", replies.get(c.id, [])) for c, name in rows if c.parent_id is None]
