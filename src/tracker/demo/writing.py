"""Writing the planned responses to the database as they stood in a round: new rows through the session, changes
to rows already written in one executemany UPDATE.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from tracker.db import note_bulk_rows, saved_id, table_of
from tracker.demo.responses import ActionPlan, ResponsePlan
from tracker.plans.models import Action
from tracker.vocabulary import ActionStatus, ResponseStatus


def materialise(session: Session, plan: ResponsePlan, round_: int, changed: list[dict[str, Any]]) -> None:
    """Bring a response, its actions, updates and evidence to how they stood in ``round_``.

    New rows go into the session; a change to an action already written goes into ``changed``, for
    ``write_changes`` to send in one statement (one UPDATE per row and change was most of the time on
    PostgreSQL)."""
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
        if item.row is None:
            item.row = Action(response_id=saved_id(plan.response), position=position, **item.values, **values)
            item.row.created_at = item.created_at
            session.add(item.row)
        else:
            changed.append({"row": item.row, **values})
        item.current = status
    for round_added, row in [*plan.updates, *plan.evidence]:
        if plan.added < round_added <= round_:
            session.add(row)
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
    return [
        {"id": saved_id(item.row), **action_state(item, round_, plan.started_in, plan.first(ResponseStatus.BLOCKED))}
        for plan in plans
        for item in plan.actions
        if item.row is not None and item.created <= round_
    ]


def write_changes(session: Session, changed: list[dict[str, Any]]) -> None:
    """Flush new rows, then write the changes of actions already written, as one executemany UPDATE."""
    session.flush()
    update_rows(session, Action, [{"id": c["row"].id, **{k: v for k, v in c.items() if k != "row"}} for c in changed])
    for c in changed:  # the next read of these rows (the publication's query) loads them as written
        session.expire(c["row"], ["status", "completed_on", "updated_at"])
    changed.clear()


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
