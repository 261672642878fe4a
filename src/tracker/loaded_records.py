"""Writing the records a data file describes: the create-or-update step the loaders share.

The organisations and recommendations loaders match a file's entries to stored records by their key;
``Loading.put`` adds a new record or brings a stored one in line with the file, counts it in the load's
``LoadResult`` and writes its audit event, so the loaders say the same things the same way. (The practice
loader audits a practice with its linked recommendations, through ``tracker.practice.services``; it shares only
the ``Loading`` it runs in.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from tracker.audit.services import Actor, audit_change, audit_creation, fields_of
from tracker.datafiles import LoadResult
from tracker.organisations.models import Organisation
from tracker.timeutil import utc_now

T = TypeVar("T", bound=SQLModel)


@dataclass(frozen=True)
class Loading:
    """One load in progress: its transaction, who is loading and the account of what it changed."""

    session: Session
    actor: Actor
    result: LoadResult

    @property
    def source(self) -> str:
        """The name of the file being loaded, as its audit summaries quote it."""
        return self.result.source

    def put(
        self,
        stored: T | None,
        new: Callable[..., T],
        values: dict[str, Any],
        fields: tuple[str, ...],
        *,
        entity_type: str,
        label: str,
        title: str,
        added: str = "loaded from",
        whole_record: bool = False,
    ) -> T:
        """The record a file's entry describes. If there is none, ``new(**values)`` is added, counted as created
        under ``label`` and its ``fields`` recorded ("{title} loaded from {file}", ``added``). Else ``stored`` is
        given the ``values``: a change of any of ``fields`` counts as updated under ``label`` (with the changed
        fields' names) and is versioned and audited by ``audit_change`` ("{title} changed by {file}", the whole
        record with ``whole_record``, as organisations always have); no change counts as unchanged."""
        if stored is None:
            row = new(**values)
            self.session.add(row)
            self.session.flush()
            self.result.created.append(label)
            audit_creation(
                self.session,
                row,
                fields,
                actor=self.actor,
                entity_type=entity_type,
                summary=f"{title} {added} {self.source}",
                organisation_id=_organisation_of(row),
            )
            return row
        before = fields_of(stored, fields)
        for name, value in values.items():
            setattr(stored, name, value)
        diff = audit_change(
            self.session,
            stored,
            before,
            fields,
            actor=self.actor,
            entity_type=entity_type,
            summary=lambda _names: f"{title} changed by {self.source}",
            organisation_id=_organisation_of(stored),
            whole_record=whole_record,
        )
        if diff:
            stored.updated_at = utc_now()
            self.result.updated.append(f"{label}: {', '.join(diff)}")
        else:
            self.result.unchanged += 1
        return stored


def _organisation_of(row: Any) -> int | None:
    # An organisation's own changes belong in its history; its id is known only once it is saved.
    return row.id if isinstance(row, Organisation) else None
