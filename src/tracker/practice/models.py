"""Tables for promising practice and the recommendations each practice addresses."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, json_field, text_field, timestamp_field
from tracker.vocabulary import PracticeStage, PracticeStatus

# The write-up's texts, and their Welsh twins (with the title's) for bilingual organisations.
TEXTS = ("summary", "what_was_done", "outcomes", "evaluation")
WELSH_TEXTS = ("title_cy", *(f"{name}_cy" for name in TEXTS))


class Practice(SQLModel, Versioned, table=True):
    """A piece of promising practice that other organisations can learn from."""

    __tablename__ = "practice"
    conflict_fields: ClassVar[tuple[str, ...]] = ("title", *TEXTS, *WELSH_TEXTS, "stage", "status")

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    title: str = Field(max_length=300)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    attribution_note: str | None = text_field(description="Who runs it, when not a recorded organisation")
    summary: str | None = text_field()
    what_was_done: str | None = text_field()
    outcomes: str | None = text_field()
    evaluation: str | None = text_field()
    title_cy: str | None = Field(default=None, max_length=300, description="The title in Welsh")
    summary_cy: str | None = text_field()
    what_was_done_cy: str | None = text_field()
    outcomes_cy: str | None = text_field()
    evaluation_cy: str | None = text_field()
    stage: PracticeStage = enum_field(PracticeStage, default=PracticeStage.EMERGING)
    status: PracticeStatus = enum_field(PracticeStatus, default=PracticeStatus.DRAFT, index=True)
    themes: list[str] = json_field()
    contact_role: str | None = Field(default=None, max_length=200)
    links: list[str] = json_field()
    search_context: str | None = text_field(
        description="Derived, for search only: the names of its themes and the recommendations it addresses "
        "(kept in step at every flush: see _search_context_follows below)"
    )
    submitted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    submitted_at: dt.datetime | None = timestamp_field(default=None)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    reviewed_at: dt.datetime | None = timestamp_field(default=None)
    review_comment: str | None = text_field()
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class PracticeRecommendation(SQLModel, table=True):
    """Which recommendations a practice addresses."""

    __tablename__ = "practice_recommendation"

    practice_id: int = Field(foreign_key="practice.id", primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", primary_key=True, index=True)


@event.listens_for(Session, "after_flush")
def _search_context_follows(session: Session, _flush_context: object) -> None:
    """Whatever writes a practice, its links or a recommendation's wording (forms, loaders, the demo, tests), the
    search context follows in the same transaction, so no writer can forget it."""
    from tracker.practice import search  # search imports this module

    search.follow_flush(session)
