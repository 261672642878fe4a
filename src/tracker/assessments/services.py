"""Inspectors' independent assessments of a response, and the internal comment threads on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.assessments.models import Assessment, Comment
from tracker.db import saved_id
from tracker.inputs import Input, InputError, length_message, parse_id
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can
from tracker.plans.models import Response
from tracker.plans.services import ResponseContext, add_on_response
from tracker.vocabulary import AssessmentRating
from tracker.web.i18n import N_

ASSESSMENT_FIELDS = ("rating", "rationale", "released")
MAX_TEXT = 10_000


@dataclass(frozen=True, kw_only=True)
class AssessmentInput(Input):
    """An assessment as the form sends it (``record_assessment`` checks it); ``released`` is "yes" when ticked."""

    rating: str | None = None
    rationale: str | None = None
    released: str | None = None


@dataclass(frozen=True, kw_only=True)
class CommentInput(Input):
    """A comment, or a reply to the comment ``parent_id`` (``add_comment`` checks it)."""

    body: str | None = None
    parent_id: str | int | None = None


def record_assessment(
    session: Session, ctx: ResponseContext, user: User, given: AssessmentInput | Mapping[str, Any]
) -> Assessment:
    """A new dated rating of the response's claim (earlier ones stay as its history)."""
    given = AssessmentInput.of(given)
    errors: dict[str, str] = {}
    try:
        rating = AssessmentRating(given.rating or "")
    except ValueError:
        errors["rating"] = N_("Select a rating")
        rating = AssessmentRating.NOT_YET_ASSESSED
    rationale = (given.rationale or "").strip()
    if rating is not AssessmentRating.NOT_YET_ASSESSED and not rationale:
        errors["rationale"] = N_("Explain the rating")
    if len(rationale) > MAX_TEXT:
        errors["rationale"] = length_message(N_("The rationale must be %(limit)s characters or fewer"), MAX_TEXT)
    if errors:
        raise InputError(errors)
    assessment = Assessment(
        response_id=saved_id(ctx.response),
        rating=rating,
        rationale=rationale or None,
        assessor_id=user.id,
        released=given.released == "yes",
    )
    summary = f"Assessment of recommendation {ctx.recommendation.number}: {rating.english_label}"  # stored: English
    add_on_response(session, ctx, user, assessment, ASSESSMENT_FIELDS, summary, action="assess", touch=False)
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


@dataclass(frozen=True)
class PublicRating:
    """An inspectorate's rating released for publication: what it is, which inspectorate gave it, and when. The
    rationale and the inspector's name stay internal (the public site names no person)."""

    rating: AssessmentRating
    inspectorate: str | None
    assessed_at: dt.datetime


def released_ratings(
    session: Session, *, organisation_id: int | None = None, recommendation_id: int | None = None
) -> dict[tuple[int, int], PublicRating]:
    """The latest rating released for publication of each response (of one organisation, or about one
    recommendation), keyed by (organisation id, recommendation id). One query. A later unreleased rating does not
    withdraw a released one: the public sees the inspectorate's latest published assessment, with its date."""
    ranked = (
        sa.select(  # SQLAlchemy's own: sqlmodel's select is typed for at most four columns
            col(Response.organisation_id),
            col(Response.recommendation_id),
            col(Assessment.rating),
            col(Assessment.created_at),
            col(Organisation.name).label("inspectorate"),
            sa.func.row_number()
            .over(
                partition_by=col(Assessment.response_id),
                order_by=(col(Assessment.created_at).desc(), col(Assessment.id).desc()),
            )
            .label("newest"),
        )
        .join(Response, col(Response.id) == Assessment.response_id)
        .outerjoin(User, col(User.id) == Assessment.assessor_id)
        .outerjoin(Organisation, col(Organisation.id) == User.organisation_id)
        .where(col(Assessment.released).is_(True), col(Assessment.rating) != AssessmentRating.NOT_YET_ASSESSED)
    )
    if organisation_id is not None:
        ranked = ranked.where(col(Response.organisation_id) == organisation_id)
    if recommendation_id is not None:
        ranked = ranked.where(col(Response.recommendation_id) == recommendation_id)
    rows = ranked.subquery()
    latest = sa.select(rows).where(rows.c.newest == 1)
    return {
        (row.organisation_id, row.recommendation_id): PublicRating(
            AssessmentRating(row.rating), row.inspectorate, row.created_at
        )
        for row in session.execute(latest)
    }


def can_comment(user: User | None, organisation_id: int) -> bool:
    """Inspectors, coordinators and the organisation's editors can talk on a response; nobody else."""
    return any(
        can(user, p, organisation_id) for p in (Permission.ASSESS, Permission.RUN_REPORTING, Permission.EDIT_PLAN)
    )


def add_comment(session: Session, ctx: ResponseContext, user: User, given: CommentInput | Mapping[str, Any]) -> Comment:
    given = CommentInput.of(given)
    body = (given.body or "").strip()
    if not body:
        raise InputError({"body": N_("Enter a comment")})
    if len(body) > MAX_TEXT:
        raise InputError({"body": length_message(N_("The comment must be %(limit)s characters or fewer"), MAX_TEXT)})
    parent_id = None
    if given.parent_id:
        parent_key = parse_id(given.parent_id)
        parent = session.get(Comment, parent_key) if parent_key is not None else None
        if parent is None or parent.response_id != ctx.response.id:
            raise InputError({"body": N_("The comment you replied to no longer exists")})
        parent_id = parent.parent_id or parent.id  # threads are one level deep
    comment = Comment(response_id=saved_id(ctx.response), parent_id=parent_id, author_id=user.id, body=body)
    summary = f"Comment on recommendation {ctx.recommendation.number}"
    add_on_response(session, ctx, user, comment, ("body",), summary, action="comment", touch=False)
    return comment


def comment_threads(session: Session, response_id: int) -> list[tuple[Comment, str, list[tuple[Comment, str]]]]:
    """Top-level comments with their replies, oldest first, each with its author's display name."""
    rows = list(
        session.exec(
            select(Comment, User.display_name)
            .outerjoin(User, col(User.id) == Comment.author_id)
            .where(Comment.response_id == response_id)
            .order_by(col(Comment.created_at), col(Comment.id))
        )
    )
    replies: dict[int, list[tuple[Comment, str]]] = {}
    for comment, name in rows:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append((comment, name or "Former user"))
    return [(c, name or "Former user", replies.get(saved_id(c), [])) for c, name in rows if c.parent_id is None]
