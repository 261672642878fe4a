"""Tables for assessments and comments."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, text_field
from tracker.vocabulary import AssessmentRating


class Assessment(SQLModel, Versioned, table=True):
    """An inspector's dated rating of a response's claim. The latest one for a response is current."""

    __tablename__ = "assessment"
    conflict_fields: ClassVar[tuple[str, ...]] = ("rating", "rationale", "released")

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    rating: AssessmentRating = enum_field(AssessmentRating, default=AssessmentRating.NOT_YET_ASSESSED)
    rationale: str | None = text_field()
    assessor_id: int | None = Field(default=None, foreign_key="user_account.id")
    released: bool = Field(default=False, description="Released for publication")
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class Comment(SQLModel, table=True):
    """An internal, threaded comment on a response (never public)."""

    __tablename__ = "comment"

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    author_id: int | None = Field(default=None, foreign_key="user_account.id")
    body: str = Field(sa_type=sa.Text)
    created_at: dt.datetime = created_at_field()
