"""Tables for evidence."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, text_field
from tracker.vocabulary import EvidenceKind, Visibility


class Evidence(SQLModel, Versioned, table=True):
    """A file, a link or a note supporting a response.

    Files live in the upload folder under ``stored_name`` (generated); ``original_name`` is for display only.
    """

    __tablename__ = "evidence"
    conflict_fields: ClassVar[tuple[str, ...]] = ("title", "title_cy", "description", "description_cy", "visibility")

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    kind: EvidenceKind = enum_field(EvidenceKind)
    title: str = Field(max_length=300)
    description: str | None = text_field()
    title_cy: str | None = Field(default=None, max_length=300, description="The title in Welsh")
    description_cy: str | None = text_field(description="The description in Welsh")
    url: str | None = Field(default=None, max_length=2000)
    note: str | None = text_field()
    stored_name: str | None = Field(default=None, max_length=100, unique=True)
    original_name: str | None = Field(default=None, max_length=300)
    content_type: str | None = Field(default=None, max_length=120)
    size_bytes: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    visibility: Visibility = enum_field(Visibility, default=Visibility.INTERNAL)
    added_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()
