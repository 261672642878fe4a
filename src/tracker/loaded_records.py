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

from tracker.audit.services import Actor, audit_creation, changed, fields_of, record
from tracker.datafiles import LoadResult
from tracker.db import Versioned, next_version
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
        """The record a file's entry describes: ``stored`` brought in line with ``values`` (see ``update``), or,
        if there is none, ``new(**values)`` added (see ``create``). Audit summaries read "{title} loaded from
        {file}" (``added``) or "{title} changed by {file}"."""
        if stored is None:
            row = new(**values)
            self.create(row, fields, entity_type=entity_type, label=label, summary=f"{title} {added} {self.source}")
            return row
        summary = f"{title} changed by {self.source}"
        self.update(
            stored, values, fields, entity_type=entity_type, label=label, summary=summary, whole_record=whole_record
        )
        return stored

    def create(
        self,
        row: SQLModel,
        fields: tuple[str, ...],
        *,
        entity_type: str,
        label: str,
        summary: str,
        organisation_id: int | None = None,
    ) -> None:
        """Add ``row`` (a record the file adds), count it as created under ``label`` and record its ``fields``.

        ``organisation_id`` is the organisation whose history the event belongs in (an organisation's own)."""
        self.session.add(row)
        self.session.flush()
        self.result.created.append(label)
        audit_creation(
            self.session,
            row,
            fields,
            actor=self.actor,
            entity_type=entity_type,
            summary=summary,
            organisation_id=_organisation_of(row, organisation_id),
        )

    def update(
        self,
        row: Any,
        values: dict[str, Any],
        fields: tuple[str, ...],
        *,
        entity_type: str,
        label: str,
        summary: str,
        organisation_id: int | None = None,
        whole_record: bool = False,
    ) -> bool:
        """Give a stored ``row`` the file's ``values``; whether any of ``fields`` changed.

        A change counts as updated under ``label`` (with the changed fields' names), gives a versioned record its
        next version and records the before and after of the changed fields (of all ``fields`` with
        ``whole_record``, as organisations always have); no change counts as unchanged and records nothing."""
        before = fields_of(row, fields)
        for name, value in values.items():
            setattr(row, name, value)
        after = fields_of(row, fields)
        diff = list(changed(before, after))
        if not diff:
            self.result.unchanged += 1
            return False
        if isinstance(row, Versioned):
            next_version(row)
        row.updated_at = utc_now()
        self.result.updated.append(f"{label}: {', '.join(diff)}")
        if not whole_record:
            before, after = {k: before[k] for k in diff}, {k: after[k] for k in diff}
        record(
            self.session,
            actor=self.actor,
            action="update",
            entity_type=entity_type,
            entity_id=row.id,
            organisation_id=_organisation_of(row, organisation_id),
            summary=summary,
            before=before,
            after=after,
        )
        return True


def _organisation_of(row: Any, organisation_id: int | None) -> int | None:
    # An organisation's own changes belong in its history; its id is known only once it is saved.
    return row.id if isinstance(row, Organisation) else organisation_id
