"""Tables for responses (obligations), actions and progress updates."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, text_field, timestamp_field
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Visibility


class Response(SQLModel, Versioned, table=True):
    """An organisation's answer to one recommendation it must act on (the obligation itself).

    A row exists for every (organisation, recommendation) pair that the addressees imply; ``required`` turns
    false, rather than the row being deleted, when the recommendation stops being addressed to it.

    An organisation may also answer a recommendation whose addressees are not yet known (a plan import with a row
    on it): its response is ``declared`` by the organisation until the addressees become known, when it turns into
    an ordinary obligation or, if the organisation is not addressed, one no longer required
    (``tracker.plans.obligations``). ``declared_at`` stays, to say how the response began.
    """

    __tablename__ = "response"
    conflict_fields: ClassVar[tuple[str, ...]] = (
        "status",
        "rag",
        "summary",
        "summary_cy",
        "lead_role",
        "lead_role_cy",
        "blocked_reason",
        "blocked_reason_cy",
        "not_applicable_reason",
        "not_applicable_reason_cy",
    )
    __table_args__ = (
        sa.UniqueConstraint(
            "organisation_id", "recommendation_id", name="uq_response_organisation_id_recommendation_id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    status: ResponseStatus = enum_field(ResponseStatus, default=ResponseStatus.NOT_STARTED, index=True)
    rag: Rag | None = enum_field(Rag, default=None, nullable=True)
    summary: str | None = text_field()
    summary_cy: str | None = text_field(description="The summary in Welsh (bilingual organisations)")
    lead_role: str | None = Field(default=None, max_length=200)
    lead_role_cy: str | None = Field(default=None, max_length=200, description="The lead role in Welsh")
    blocked_reason: str | None = text_field(description="What a blocked response waits for")
    blocked_reason_cy: str | None = text_field(description="The blocked reason in Welsh")
    not_applicable_reason: str | None = text_field()
    not_applicable_reason_cy: str | None = text_field(description="Why it does not apply, in Welsh")
    required: bool = True
    declared: bool = Field(default=False, index=True, description="Answered on the organisation's own declaration")
    declared_at: dt.datetime | None = timestamp_field(default=None)
    required_changed_at: dt.datetime | None = timestamp_field(default=None)
    completed_at: dt.datetime | None = timestamp_field(default=None)
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class Action(SQLModel, Versioned, table=True):
    """One item of an organisation's action plan: what, who, by when."""

    __tablename__ = "action"
    conflict_fields: ClassVar[tuple[str, ...]] = (
        "description",
        "description_cy",
        "owner_role",
        "owner_role_cy",
        "target_date",
        "status",
        "completed_on",
        "position",
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    position: int = 0
    description: str = Field(sa_type=sa.Text)
    description_cy: str | None = text_field(description="The action in Welsh")
    owner_role: str | None = Field(default=None, max_length=200)
    owner_role_cy: str | None = Field(default=None, max_length=200, description="The owner's role in Welsh")
    target_date: dt.date | None = None
    status: ActionStatus = enum_field(ActionStatus, default=ActionStatus.NOT_STARTED)
    completed_on: dt.date | None = None
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class ProgressUpdate(SQLModel, Versioned, table=True):
    """A dated progress note on a response. Append-only: edits keep the earlier text in the audit history."""

    __tablename__ = "progress_update"
    conflict_fields: ClassVar[tuple[str, ...]] = ("update_on", "text", "text_cy", "visibility")
    # A response's updates in date order: its newest ones are read without sorting all of them (the national
    # recommendation page's latest updates, tracker.reports.figures.latest_updates).
    __table_args__ = (sa.Index("ix_progress_update_response_id_update_on", "response_id", "update_on"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id")
    update_on: dt.date
    text: str = Field(sa_type=sa.Text)
    text_cy: str | None = text_field(description="The update in Welsh")
    visibility: Visibility = enum_field(Visibility, default=Visibility.PUBLIC)
    author_id: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = 1
    created_at: dt.datetime = created_at_field()
    edited_at: dt.datetime | None = timestamp_field(default=None)


class PlanPublication(SQLModel, table=True):
    """An organisation's plan as published: what the public pages show until the next publication.

    ``content`` is built by ``tracker.plans.publication.public_plan``, the one place that decides what is public.
    """

    __tablename__ = "plan_publication"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    published_at: dt.datetime = created_at_field()
    published_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    content: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class PublishedResponse(SQLModel, table=True):
    """One response of a publication, as the national pages count and list it: its status and summary (and the
    summary's Welsh), copied
    from ``PlanPublication.content`` when it is published, so those pages need not read whole plans (with every
    action, update and evidence item) to say who is where."""

    __tablename__ = "published_response"

    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="plan_publication.id", index=True)
    recommendation_id: int = Field(index=True)
    status: str = Field(max_length=40)
    summary: str | None = text_field()
    summary_cy: str | None = text_field(description="The summary in Welsh, as published (None: not written)")
    declared: bool = Field(
        default=False, description="The plan marks it declared by the organisation (its content's 'declared')"
    )


# The per-response summaries follow every write to these tables (a hook on every session; tracker.plans.summaries).
from tracker.plans import summaries as _summaries  # noqa: E402, F401
