"""Recording and reading the audit history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NotRequired, TypedDict, Unpack

from sqlmodel import Session, SQLModel, col, select

from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.db import Versioned, insert_rows, next_version, plain
from tracker.inputs import cleaned_for
from tracker.permissions import visible_levels
from tracker.vocabulary import Visibility
from tracker.web.i18n import in_english


@dataclass(frozen=True)
class Actor:
    """Who made a change: a signed-in user, or a named process such as ``tracker load``."""

    label: str
    user_id: int | None = None


def fields_of(record: SQLModel, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named fields of ``record`` as plain values, for an audit event's before/after."""
    return {name: plain(getattr(record, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose values differ between two field dictionaries."""
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


class Event(TypedDict):
    """What one history event says, for helpers that add who and where (``record`` takes these keywords)."""

    action: str
    entity_type: str
    entity_id: int | None
    summary: str
    before: NotRequired[dict[str, Any] | None]
    after: NotRequired[dict[str, Any] | None]


class EventArgs(Event):
    """All that ``event_values`` (and so ``record`` and ``EventBatch.add``) takes: the event, who and where."""

    actor: Actor
    organisation_id: NotRequired[int | None]
    response_id: NotRequired[int | None]


def event_values(
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
) -> dict[str, Any]:
    """The columns of one event in the history."""
    return {
        "actor_id": actor.user_id,
        "actor_label": actor.label[:200],
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "organisation_id": organisation_id,
        "response_id": response_id,
        # It may quote long text, whose characters short text refuses: cleaned as for its column, then cut.
        "summary": cleaned_for(AuditEvent, "summary", summary)[:500],
        "before": before,
        "after": after,
    }


def record(session: Session, **event: Unpack[EventArgs]) -> AuditEvent:
    """Add one event to the history (in the caller's transaction); ``event``: the arguments of ``event_values``."""
    added = AuditEvent(**event_values(**event))
    session.add(added)
    return added


class EventBatch:
    """Events kept to be written together (``write``): a use case that records thousands of them at once (a
    spreadsheet import) sends a few INSERT statements instead of one per event."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, **event: Unpack[EventArgs]) -> None:
        """One event; ``event``: the arguments of ``event_values``."""
        self.events.append(event_values(**event))

    def write(self, session: Session) -> None:
        insert_rows(session, AuditEvent, self.events)
        self.events = []


def audit_creation(
    session: Session,
    record_: Any,
    fields: list[str] | tuple[str, ...],
    *,
    actor: Actor,
    entity_type: str,
    summary: str,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Record that ``record_`` (added and flushed) was created, with the values of its ``fields``."""
    return record(
        session,
        actor=actor,
        action="create",
        entity_type=entity_type,
        entity_id=record_.id,
        organisation_id=organisation_id,
        summary=summary,
        after=fields_of(record_, fields),
    )


def audit_change(
    session: Session,
    record_: Any,
    before: dict[str, Any],
    fields: list[str] | tuple[str, ...],
    *,
    actor: Actor,
    entity_type: str,
    summary: Callable[[list[str]], str],
    organisation_id: int | None = None,
    response_id: int | None = None,
    batch: EventBatch | None = None,
    whole_record: bool = False,
) -> list[str]:
    """The one change-and-audit step of every edit, once the use case has set ``record_``'s fields: the names of
    ``fields`` that now differ from ``before`` (``fields_of`` taken before the edit). If any do, a ``Versioned``
    record gets its next version (checked on write; see ``tracker.db``) and one audit event with the before and after
    values of just those fields (of all ``fields`` with ``whole_record``), summarised by ``summary(names)`` (kept in
    ``batch`` if given, to be written with others); if none do, nothing is recorded."""
    after = fields_of(record_, fields)
    diff = list(changed(before, after))
    if diff:
        if isinstance(record_, Versioned):
            next_version(record_)
        with in_english():  # a stored summary is English whatever the language of the page that saved it
            said = summary(diff)
        shown = fields if whole_record else diff
        (batch.add if batch is not None else partial(record, session))(
            actor=actor,
            action="update",
            entity_type=entity_type,
            entity_id=record_.id,
            organisation_id=organisation_id,
            response_id=response_id,
            summary=said,
            before={k: before[k] for k in shown},
            after={k: after[k] for k in shown},
        )
    return diff


def response_history(session: Session, response_id: int, user: User | None) -> list[AuditEvent]:
    """Everything that happened to a response and its actions, updates and evidence that ``user`` may see,
    newest first.

    An event about an update or evidence item carries the item's content (in its summary and values), so it is
    shown only if ``user`` may see the item (``permissions.can_see_item``) as it was before the event, after
    it, and as it is now (or was when withdrawn); otherwise the event is left out altogether. So an inspector
    sees nothing of an internal item's history, nor what a public item said before it was made internal.
    """
    events = list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.response_id == response_id)
            .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        )
    )
    from tracker.plans.models import Response  # here: the plans package imports these services

    organisation_id = session.exec(select(Response.organisation_id).where(Response.id == response_id)).one()
    levels = visible_levels(user, organisation_id)
    if levels >= set(Visibility):
        return events
    hidden = {event.id for event in _events_at_levels_not_in(session, events, levels)}
    return [event for event in events if event.id not in hidden]


def _events_at_levels_not_in(session: Session, events: list[AuditEvent], levels: set[Visibility]) -> list[AuditEvent]:
    """The item events among ``events`` about an item that had, or has now, a visibility outside ``levels``.

    An event's before/after hold only the fields it changed, so each item's visibility is followed through its
    events, oldest first, starting from what its first event says (failing that, what the first change of
    visibility says it was, or the item as stored now; an item nothing is known of counts as internal).
    """
    from tracker.evidence.models import Evidence  # here: the item models' packages import these services
    from tracker.plans.models import ProgressUpdate

    models: dict[str, Any] = {"progress_update": ProgressUpdate, "evidence": Evidence}
    by_item: dict[tuple[str, int | None], list[AuditEvent]] = {}
    for event in reversed(events):  # oldest first
        if event.entity_type in models:
            by_item.setdefault((event.entity_type, event.entity_id), []).append(event)
    found = []
    for (entity_type, entity_id), item_events in by_item.items():
        stored = session.get(models[entity_type], entity_id) if entity_id is not None else None
        first = item_events[0]
        current = _visibility((first.before or first.after or {}).get("visibility"))
        if current is None:  # no creation event: the first change of visibility says what it was before
            known = (_visibility((e.before or {}).get("visibility")) for e in item_events)
            current = next((v for v in known if v is not None), None)
        if current is None:
            current = stored.visibility if stored is not None else Visibility.INTERNAL
        states = []
        for event in item_events:
            before = _visibility((event.before or {}).get("visibility")) or current
            after = _visibility((event.after or {}).get("visibility")) or before
            states.append((event, before, after))
            current = after
        now = stored.visibility if stored is not None else current
        found += [event for event, before, after in states if not {before, after, now} <= levels]
    return found


def _visibility(value: Any) -> Visibility | None:
    try:
        return Visibility(value) if value is not None else None
    except ValueError:
        return Visibility.INTERNAL  # a value no longer known: the safe reading


def history(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    """Every event for one record, oldest first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(col(AuditEvent.occurred_at), col(AuditEvent.id))
        )
    )
