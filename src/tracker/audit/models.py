"""The audit event table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import created_at_field


class AuditEvent(SQLModel, table=True):
    """One recorded change. Rows are only ever added."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: dt.datetime = created_at_field()
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_label: str = Field(max_length=200, description="Who, as shown in the history (e.g. 'tracker load')")
    action: str = Field(max_length=40)
    entity_type: str = Field(max_length=60)
    entity_id: int | None = None
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    response_id: int | None = Field(default=None, index=True, description="The response whose history this is part of")
    summary: str = Field(max_length=500)
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
