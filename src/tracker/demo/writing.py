"""Writing the planned responses to the database as they stood in a round: new rows through the session, changes
to rows already written in one executemany UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from tracker.db import insert_rows, note_bulk_rows, saved_id, table_of
from tracker.demo.responses import ActionPlan, ResponsePlan
from tracker.demo.timeline import LAST
from tracker.evidence.models import Evidence
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.vocabulary import ActionStatus, ResponseStatus


@dataclass
class Writes:
    """What ``materialise`` found to write, for ``write_changes`` to send in a few statements: new actions (each
    with its plan, to note its id), updates and evidence as rows, and changes to actions already written."""

    actions: list[tuple[ActionPlan, dict[str, Any]]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)


def materialise(plan: ResponsePlan, round_: int, writes: Writes) -> None:
    """Bring a response, its actions, updates and evidence to how they stood in ``round_``.

    The response's record is changed in the session; new rows and changes to actions already written go into
    ``writes``, for ``write_changes`` to send in one statement each (one INSERT or UPDATE per row, and the
    unit of work's bookkeeping of each record, were most of the demo's time)."""
    plan.set_response(round_)
    starts = plan.started_in
    blocked = plan.first(ResponseStatus.BLOCKED)
    for position, item in enumerate(plan.actions):
        if item.created > round_:
            break
        values = action_state(item, round_, starts, blocked)
        status = values["status"]
        if status is item.current:
            continue
        if item.current is None:
            row = {"response_id": saved_id(plan.response), "position": position, **item.values, **values}
            writes.actions.append((item, row | {"created_at": item.created_at}))
        else:
            writes.changed.append({"id": item.id, **values})
        item.current = status
    for round_added, row in plan.updates:
        if plan.added < round_added <= round_:
            writes.updates.append(row)
    for round_added, row in plan.evidence:
        if plan.added < round_added <= round_:
            writes.evidence.append(row)
    plan.added = max(plan.added, round_)


def action_state(item: ActionPlan, round_: int, starts: int | None, blocked: int | None) -> dict[str, Any]:
    """An action's status, completion day and last change as they stood in ``round_``."""
    status = item.status(round_, starts, blocked)
    done = status is ActionStatus.COMPLETE and item.done_at is not None
    return {
        "status": status,
        "completed_on": item.done_at.date() if done and item.done_at else None,
        "updated_at": item.done_at if done else item.created_at,
    }


def actions_as_in(plans: list[ResponsePlan], round_: int) -> list[dict[str, Any]]:
    """Every written action of ``plans`` as it stood in ``round_`` (rows for ``update_rows``): a period frozen at
    that round's cut-off exports them so."""
    rows = []
    for plan in plans:
        starts, blocked = plan.started_in, plan.first(ResponseStatus.BLOCKED)
        rows += [
            {"id": item.id, **action_state(item, round_, starts, blocked)}
            for item in plan.actions
            if item.id is not None and item.created <= round_
        ]
    return rows


def write_changes(session: Session, writes: Writes) -> None:
    """Flush the responses' changes, insert the new rows (checked as the before-flush check checks what it
    writes: ``insert_rows``) in the order they were found, then write the changes of actions already written."""
    session.flush()
    written = insert_rows(session, Action, [row for _, row in writes.actions], key=("response_id", "position"))
    for (item, _), row in zip(writes.actions, written, strict=True):
        item.id = row["id"]
    insert_rows(session, ProgressUpdate, writes.updates)
    insert_rows(session, Evidence, writes.evidence)
    update_rows(session, Action, writes.changed)
    writes.actions, writes.updates, writes.evidence, writes.changed = [], [], [], []


class AsWritten:
    """The responses' and actions' rows as they stand in the tables, so that bringing them to another round writes
    only the rows that differ (at scale 10, rewriting every action for each frozen period was a tenth of the
    demo's time). Made when the tables hold every plan as it stands today."""

    def __init__(self, plans: list[ResponsePlan]) -> None:
        self._plans = plans
        self._rows: dict[type, dict[int, dict[str, Any]]] = {}
        for model, rows in self._as_in(LAST):
            self._rows[model] = {row["id"]: row for row in rows}

    def _as_in(self, round_: int) -> list[tuple[type, list[dict[str, Any]]]]:
        responses = [{"id": saved_id(p.response), **p.state(round_)} for p in self._plans]
        return [(Response, responses), (Action, actions_as_in(self._plans, round_))]

    def bring(self, session: Session, round_: int) -> None:
        """Write the responses and actions (those added by then) as they stood in ``round_``."""
        for model, rows in self._as_in(round_):
            known = self._rows[model]
            changed = [row for row in rows if known.get(row["id"]) != row]
            known.update((row["id"], row) for row in changed)
            update_rows(session, model, changed)


def update_rows(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE of rows given as {"id": …, column: value, …} (every row the same columns).

    Bypasses the unit of work and its version check: the demo owns its one transaction, and one UPDATE per row
    was most of the demo's time on PostgreSQL."""
    if not rows:
        return
    table = table_of(model)
    columns = [name for name in rows[0] if name != "id"]
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}", type_=table.c[name].type) for name in columns})
    )
    session.execute(statement, [{"row_id": row["id"], **{f"new_{n}": row[n] for n in columns}} for row in rows])
    note_bulk_rows(session, table.name, rows)  # what follows every write (tracker.plans.summaries) sees these too
