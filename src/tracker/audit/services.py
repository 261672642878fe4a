"""Recording and reading the audit history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from tracker.audit.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who made a change: a signed-in user, or a named process such as ``tracker load``."""

    label: str
    user_id: int | None = None


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a field value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def fields_of(record: SQLModel, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named fields of ``record`` as plain values, for an audit event's before/after."""
    return {name: plain(getattr(record, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose values differ between two field dictionaries."""
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | None,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    response_id: int | None = None,
) -> AuditEvent:
    """Add one event to the history (in the caller's transaction)."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        organisation_id=organisation_id,
        response_id=response_id,
        summary=summary[:500],
        before=before,
        after=after,
    )
    session.add(event)
    return event


def response_history(session: Session, response_id: int) -> list[AuditEvent]:
    """Everything that happened to a response and its actions, updates and evidence, newest first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.response_id == response_id)
            .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        )
    )


def history(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    """Every event for one record, oldest first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
