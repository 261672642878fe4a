"""Step 3 of an import: ``plan_import``, the dry run. What each row would create or change, every problem,
and the conflicts with newer values in the tracker. It only reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator
from typing import Any, Literal

import pandas as pd
from sqlmodel import Session

from tracker.audit.services import changed, fields_of
from tracker.db import saved_id
from tracker.plans.models import Action
from tracker.plans.rules import rag_problem, update_date_problem
from tracker.plans.services import RESPONSE_FIELDS, rolled_up_status
from tracker.plans.spreadsheet.common import (
    FILE_DATE,
    FORMULA_CELLS,
    ROW_NUMBERS,
    action_key,
    cell_text,
    short,
    update_key,
)
from tracker.plans.spreadsheet.known import KnownPlan, Obligation
from tracker.plans.spreadsheet.mapping import FIELDS, IGNORE, ROUND, Mapping, date_in_header
from tracker.plans.spreadsheet.results import Conflict, ImportPlan, MappingError, PlannedChange
from tracker.plans.spreadsheet.rows import ACTION_VALUE_LABELS, RESPONSE_VALUE_LABELS, Row, parse_row, resolve
from tracker.timeutil import DateParseError, parse_uk_date, uk_date
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Visibility


def plan_import(
    session: Session,
    organisation_id: int,
    frame: pd.DataFrame,
    mapping: Mapping,
    round_dates: dict[str, Any] | None = None,
    *,
    set_id: int | None = None,
    file_name: str | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    use_file: Collection[str] = (),
) -> ImportPlan:
    """The dry run: what importing ``frame`` with ``mapping`` would create or change, and every problem.

    ``set_id``: the recommendation set the file is about (chosen on the import form); without it, a number is
    looked up in every set, and one that is in more than one set is a row error asking to choose the set.

    ``round_dates`` gives the date of the updates in a dated column (a round, or the update column for rows
    with no date of their own), as a date or text; without one, a round takes the date in its heading.
    Rows are numbered as the spreadsheet shows them (``read_table``'s index; for another frame, the header
    is row 1). A row without a number belongs to the number above it (merged cells). Reads only.

    ``file_name`` finds the file's previous import (for conflicts); ``visibility`` is that of imported updates
    unless a column gives theirs; ``use_file`` holds the keys of the conflicts to settle with the file's value.
    """
    plan = ImportPlan(
        organisation_id=organisation_id,
        mapping=mapping,
        file_name=file_name,
        visibility=Visibility.INTERNAL if visibility is Visibility.INSPECTORATE else visibility,
        use_file=frozenset(use_file),
        file_date=frame.attrs.get(FILE_DATE),
    )
    _check_mapping(plan, frame, mapping, round_dates or {})
    if any(e.about == "column" and e.column is None for e in plan.mapping_errors):
        return plan  # without a recommendation column no row can be placed
    known = KnownPlan(session, organisation_id, set_id, file_name)
    wanted_responses: dict[int, dict[str, tuple[Any, int]]] = defaultdict(dict)
    wanted_actions: dict[tuple[int, str], dict[str, Any]] = {}
    planned_updates: set[tuple[int, str]] = set()
    for row, rec_raw, sub_raw, carried in _rows(plan, frame, mapping):
        plan.rows_read += 1
        for where in row.formulas:
            row.error(f"cell {where} holds a formula; paste its value instead")
        if row.errors:
            continue  # the formula's cell reads as empty: its other messages would mislead
        parse_row(row)
        entry = resolve(row, known, rec_raw, sub_raw, carried) if rec_raw or sub_raw else None
        if entry is None and not (rec_raw or sub_raw):
            row.error("there is no recommendation number on this row or above it")
        if entry is None or row.errors:
            continue
        _plan_row(row, entry, known, wanted_responses, wanted_actions, planned_updates)
    _finish_actions(plan, known, wanted_actions)
    _finish_responses(plan, known, wanted_responses)
    plan.changes.sort(key=lambda c: (c.row if c.row is not None else 10**9, _KIND_ORDER.index(c.kind)))
    return plan


_KIND_ORDER = ["change_response", "roll_up", "new_action", "change_action", "new_update"]


def _rows(plan: ImportPlan, frame: pd.DataFrame, mapping: Mapping) -> Iterator[tuple[Row, str, str, bool]]:
    """Each row with content, with the recommendation and sub-recommendation numbers it belongs to (a row
    without a number takes the one above: merged cells) and whether its recommendation number was carried."""
    columns = {name: mapping.column_for(name) for name in FIELDS if name != ROUND}
    positions = {name: i for i, name in enumerate(frame.columns)}
    rounds = [c for c in mapping.round_columns() if c in positions]
    use_index = bool(frame.attrs.get(ROW_NUMBERS))
    formulas = frame.attrs.get(FORMULA_CELLS) or {}
    mapped = {c for c in columns.values() if c is not None} | set(rounds)
    last_rec, last_sub = "", ""
    for position, (index, cells) in enumerate(zip(frame.index, frame.itertuples(index=False, name=None), strict=True)):
        row = Row(
            plan,
            int(index) if use_index else position + 2,
            {n: cell_text(cells[positions[c]]) for n, c in columns.items() if c is not None and c in positions},
            {c: cell_text(cells[positions[c]]) for c in rounds},
        )
        row.formulas = [where for column, where in formulas.get(index, {}).items() if column in mapped]
        rec_raw, sub_raw = row.get("recommendation"), row.get("sub_recommendation")
        carried = not rec_raw
        if not rec_raw and not sub_raw:
            rec_raw, sub_raw = last_rec, last_sub  # merged cells: rows under a number belong to it
        elif not rec_raw:
            rec_raw = last_rec
        last_rec, last_sub = rec_raw, sub_raw
        if row.has_content or row.formulas:
            yield row, rec_raw, sub_raw, carried


def _check_mapping(plan: ImportPlan, frame: pd.DataFrame, mapping: Mapping, given: dict[str, Any]) -> None:
    by_field: dict[str, list[str]] = defaultdict(list)
    for column, name in mapping.fields.items():
        if name not in FIELDS and name != IGNORE:
            plan.mapping_errors.append(MappingError(f"Choose what the column '{column}' holds", column))
        elif column not in frame.columns:
            if name != IGNORE:
                plan.mapping_errors.append(MappingError(f"The file has no column '{column}'", column))
        elif name not in (IGNORE, ROUND):
            by_field[name].append(column)
    for name, columns in by_field.items():
        if len(columns) > 1:
            listed = " and ".join(f"'{c}'" for c in columns)
            plan.mapping_errors.append(
                MappingError(f"Only one column can be imported as {FIELDS[name]}: you chose {listed}", columns[1])
            )
    if not by_field.get("recommendation") and not by_field.get("sub_recommendation"):
        plan.mapping_errors.append(MappingError("Choose the column that holds the recommendation number"))
    elif not set(by_field) - {"recommendation", "sub_recommendation"} and not mapping.round_columns():
        plan.mapping_errors.append(MappingError("Choose at least one column to import besides the number"))
    today = dt.date.today()
    for column in mapping.dated_columns():
        if column not in frame.columns:
            continue
        is_round = mapping.fields[column] == ROUND
        try:
            chosen = parse_uk_date(given.get(column), month_end=True)
        except DateParseError:
            plan.mapping_errors.append(
                MappingError(f"The date for '{column}' must be a real date, like 31/03/2026", column, "date")
            )
            continue
        if chosen is None and is_round:
            chosen = date_in_header(column)
        if chosen is not None and chosen > today:
            plan.mapping_errors.append(
                MappingError(
                    f"The updates in '{column}' are dated {uk_date(chosen)}, which is in the future: "
                    "give the date they were written",
                    column,
                    "date",
                )
            )
        elif chosen is not None:
            plan.dates[column] = chosen
        elif frame[column].map(cell_text).any() and (is_round or mapping.column_for("update_date") is None):
            plan.mapping_errors.append(
                MappingError(
                    f"Give the date of the updates in the column '{column}'"
                    + ("" if is_round else " (no column holds their dates)"),
                    column,
                    "date",
                )
            )


def _want(row: Row, wanted: dict[str, tuple[Any, int]], name: str, value: Any, what: str) -> None:
    """Keep the first row's value for a field; a later row that says otherwise is an error."""
    if name in wanted:
        earlier, earlier_row = wanted[name]
        if earlier != value:
            row.error(f"{what} is {_shown(value)} here but {_shown(earlier)} on row {earlier_row}")
        return
    wanted[name] = (value, row.number)


def _shown(value: Any) -> str:
    if isinstance(value, ResponseStatus | ActionStatus | Rag | Visibility):
        return value.label
    if isinstance(value, dt.date):
        return uk_date(value)
    return short(str(value))


def _plan_row(
    row: Row,
    entry: Obligation,
    known: KnownPlan,
    wanted_responses: dict[int, dict[str, tuple[Any, int]]],
    wanted_actions: dict[tuple[int, str], dict[str, Any]],
    planned_updates: set[tuple[int, str]],
) -> None:
    response_id: int = entry.response.id  # type: ignore[assignment]
    number = entry.recommendation.number
    mine = wanted_responses[response_id]
    for name, value in row.response.items():
        _want(row, mine, name, value, f"the {RESPONSE_VALUE_LABELS[name]} of recommendation {number}")
    if row.action is not None:
        description, ref = row.action["description"], row.action["ref"]
        # An exported row names its action by reference, so a wording changed since is the same action.
        item = wanted_actions.setdefault(
            (response_id, f"#{ref}" if ref else action_key(description)),
            {"row": row.number, "entry": entry, "description": description, "values": {}, "ref": ref},
        )
        for name in ("owner_role", "target_date", "status"):
            if row.action[name] is not None:
                what = f"the {ACTION_VALUE_LABELS[name]} of the action {short(description)}"
                _want(row, item["values"], name, row.action[name], what)
    published_on = known.published_on.get(entry.recommendation.set_id)
    for text, on, visibility in row.updates:
        if problem := update_date_problem(on, published_on, dt.date.today()):
            row.error(problem)
            continue
        dates = row.plan.response_dates
        dates[response_id] = max(on, dates.get(response_id, on))  # how recent the file's rows on it are
        key = (response_id, update_key(text))  # the same text is the same update, whatever its date
        if key in known.updates or key in planned_updates:
            continue
        planned_updates.add(key)
        row.plan.changes.append(
            PlannedChange(
                kind="new_update",
                row=row.number,
                number=number,
                response_id=response_id,
                summary=f"Update dated {uk_date(on)}: {short(text, 120)}",
                values={"update_on": on, "text": text, "visibility": visibility},
            )
        )


def _finish_actions(plan: ImportPlan, known: KnownPlan, wanted: dict[tuple[int, str], dict[str, Any]]) -> None:
    for key, item in wanted.items():
        entry: Obligation = item["entry"]
        values = {name: value for name, (value, _row) in item["values"].items()}
        number = entry.recommendation.number
        existing = _action_of(plan, known, key, item)
        if existing is False:
            continue  # deleted in the tracker since the file was written, and kept deleted
        if existing is not None and action_key(existing.description) != action_key(item["description"]):
            values = {"description": item["description"], **values}  # a referenced action's wording changed
        if existing is None:
            status = values.get("status", ActionStatus.NOT_STARTED)
            details = [f"owner {values['owner_role']}" if values.get("owner_role") else ""]
            details.append(f"by {uk_date(values['target_date'])}" if values.get("target_date") else "")
            details.append(status.label)
            plan.changes.append(
                PlannedChange(
                    kind="new_action",
                    row=item["row"],
                    number=number,
                    response_id=key[0],
                    summary=f"{short(item['description'], 120)} ({', '.join(d for d in details if d)})",
                    values={
                        "description": item["description"],
                        "owner_role": values.get("owner_role"),
                        "target_date": values.get("target_date"),
                        "status": status,
                    },
                )
            )
            continue
        diff = {name: value for name, value in values.items() if getattr(existing, name) != value}
        current = {name: getattr(existing, name) for name in diff}
        asked = {name: (value, item["row"]) for name, value in diff.items()}
        of = f" of the action {short(existing.description)}"
        for name in _conflicts(plan, known, "action", existing.id, key[0], number, asked, current, of):
            del diff[name]
        if not diff:
            continue
        words = [
            f"{ACTION_VALUE_LABELS[n]} {_shown(getattr(existing, n)) if getattr(existing, n) else 'none'} → {_shown(v)}"
            for n, v in diff.items()
        ]
        plan.changes.append(
            PlannedChange(
                kind="change_action",
                row=item["row"],
                number=number,
                response_id=key[0],
                summary=f"{short(existing.description, 80)}: {'; '.join(words)}",
                values=diff,
                action_id=existing.id,
                version=existing.version,
            )
        )


def _action_of(
    plan: ImportPlan, known: KnownPlan, key: tuple[int, str], item: dict[str, Any]
) -> Action | Literal[False] | None:
    """The action a row names: by its exported reference, else by its wording. False: the referenced action was
    deleted in the tracker after the file was written (the file's reference proves it existed then), which is a
    conflict; None: a new action (also when the person chose to bring the deleted one back)."""
    ref, response_id = item["ref"], key[0]
    if ref is None:
        return known.actions.get(key)
    action = known.action_by_id.get(ref)
    if action is not None and action.response_id == response_id:
        return action
    deleted = known.deleted_actions.get(ref)
    if deleted is None or deleted[0] != response_id:
        return known.actions.get((response_id, action_key(item["description"])))  # not this plan's: by its wording
    conflict_key = f"action-{ref}-deleted"
    use_file = conflict_key in plan.use_file
    plan.conflicts.append(
        Conflict(
            key=conflict_key,
            row=item["row"],
            number=item["entry"].recommendation.number,
            what=f"the action {short(item['description'])}",
            file_value=short(item["description"]),
            tracker_value="deleted in the tracker",
            changed_at=deleted[1],
            use_file=use_file,
        )
    )
    return None if use_file else False


def _finish_responses(plan: ImportPlan, known: KnownPlan, wanted: dict[int, dict[str, tuple[Any, int]]]) -> None:
    new_status: dict[int, ResponseStatus] = {}
    parents: list[tuple[Obligation, dict[str, tuple[Any, int]]]] = []
    for response_id, values in wanted.items():
        entry = known.by_response[response_id]
        if entry.recommendation.id in known.parents:
            parents.append((entry, values))
            continue
        change = _response_change(plan, known, entry, values)
        if change is not None and "status" in change.values:
            new_status[response_id] = ResponseStatus(change.values["status"])
    touched_parents = {
        known.by_response[rid].recommendation.parent_id
        for rid in new_status
        if known.by_response[rid].recommendation.parent_id is not None
    }
    projected: dict[int, ResponseStatus] = {}
    for parent_id in touched_parents:
        children = known.children.get(parent_id, [])  # type: ignore[arg-type]
        statuses = [new_status.get(c.response.id, c.response.status) for c in children]  # type: ignore[arg-type]
        projected[parent_id] = rolled_up_status(statuses)  # type: ignore[index]
    parent_entries = {
        e.recommendation.id: e for e in known.by_response.values() if e.recommendation.id in touched_parents
    }
    for parent_id, status in projected.items():
        parent = parent_entries.get(parent_id)
        if parent is not None and parent.response.status is not status:
            plan.changes.append(
                PlannedChange(
                    kind="roll_up",
                    row=None,
                    number=parent.recommendation.number,
                    response_id=parent.response.id,  # type: ignore[arg-type]
                    summary=f"Status {parent.response.status.label} → {status.label}",
                    values={"status": status.value},
                )
            )
    for entry, values in parents:
        expected = projected.get(entry.recommendation.id, entry.response.status)  # type: ignore[arg-type]
        # The file's own roll-up: a parent row that agrees with the sub-recommendations' rows of the same file is
        # no instruction, only the file's picture of them, so it follows whatever the conflicts settle (issue 15).
        as_filed = _rolled_up_in_file(known, wanted, entry.recommendation.id)  # type: ignore[arg-type]
        consistent = values.get("status", (None,))[0] in (expected, as_filed)
        for name in ("status", "blocked_reason", "not_applicable_reason"):
            if name not in values:
                continue
            value, row = values.pop(name)
            current = expected if name == "status" else getattr(entry.response, name)
            if value != current and not consistent:
                shown = f" (it would be {expected.label})" if name == "status" else ""
                plan.error(
                    row,
                    f"the status of recommendation {entry.recommendation.number} follows from its "
                    f"sub-recommendations{shown}: give the status on their rows",
                )
        _response_change(plan, known, entry, values)


def _rolled_up_in_file(
    known: KnownPlan, wanted: dict[int, dict[str, tuple[Any, int]]], parent_id: int
) -> ResponseStatus:
    """The status the file's rows give a parent: the roll-up of its sub-recommendations' statuses as the file
    states them (the tracker's where the file has no status for one)."""
    children = known.children.get(parent_id, [])
    statuses = [
        wanted.get(c.response.id, {}).get("status", (c.response.status, 0))[0]  # type: ignore[arg-type]
        for c in children
    ]
    return rolled_up_status([ResponseStatus(s) for s in statuses])


def _conflicts(
    plan: ImportPlan,
    known: KnownPlan,
    entity: str,
    entity_id: int | None,
    response_id: int,
    number: str,
    wanted: dict[str, tuple[Any, int]],
    current: dict[str, Any],
    of: str = "",
) -> set[str]:
    """List as conflicts the fields the file would change that the tracker changed later (``KnownPlan.changed_after``);
    return those to keep as they are (all but the ones the person chose to take from the file)."""
    kept: set[str] = set()
    labels = RESPONSE_VALUE_LABELS if entity == "response" else ACTION_VALUE_LABELS
    for name, (value, row) in wanted.items():
        if value == current.get(name):
            continue
        when = known.changed_after(entity, entity_id, name, response_id, plan)
        if when is None:
            continue
        key = f"{entity}-{entity_id}-{name}"
        use_file = key in plan.use_file
        plan.conflicts.append(
            Conflict(
                key=key,
                row=row,
                number=number,
                what=f"{labels[name]}{of}",
                file_value=_value_words(entity, name, value),
                tracker_value=_value_words(entity, name, current.get(name)),
                changed_at=when,
                use_file=use_file,
            )
        )
        if not use_file:
            kept.add(name)
    return kept


def _value_words(entity: str, name: str, value: Any) -> str:
    """A field's value as the dry run shows it ("none" when empty)."""
    if value in (None, ""):
        return "none"
    if name == "status":
        return (ResponseStatus(value) if entity == "response" else ActionStatus(value)).label
    if name == "rag":
        return Rag(value).label
    return _shown(value)


def _fit_rag(
    plan: ImportPlan, values: dict[str, tuple[Any, int]], before: dict[str, Any], after: dict[str, Any]
) -> bool:
    """The RAG rating after the import fits the status (``rules.rag_problem``): a rating the file gives that does not
    is an error on its row; one the file's new status contradicts is cleared, as a roll-up clears it."""
    problem = rag_problem(ResponseStatus(after["status"]), Rag(after["rag"]) if after["rag"] else None)
    if problem and "rag" in values:
        plan.error(values["rag"][1], problem)
        return False
    if problem and after["status"] != before["status"]:
        after["rag"] = None
    return True


def _response_change(
    plan: ImportPlan, known: KnownPlan, entry: Obligation, values: dict[str, tuple[Any, int]]
) -> PlannedChange | None:
    """The change to one response, checked as update_response checks it; newer tracker values kept unless the
    person chose the file's."""
    response = entry.response
    before = fields_of(response, RESPONSE_FIELDS)
    wanted = {n: (v.value if isinstance(v, ResponseStatus | Rag) else v, row) for n, (v, row) in values.items()}
    kept = _conflicts(
        plan, known, "response", saved_id(response), saved_id(response), entry.recommendation.number, wanted, before
    )
    if "status" in kept:  # a reason goes with the status it explains: keeping the status keeps its reason
        kept |= {"blocked_reason", "not_applicable_reason"}
    values = {n: v for n, v in values.items() if n not in kept}
    after = dict(before)
    for name, (value, _row) in values.items():
        after[name] = value.value if isinstance(value, ResponseStatus | Rag) else value
    first_row = min(row for _, row in values.values()) if values else None
    status = ResponseStatus(after["status"])
    status_changes = after["status"] != before["status"]
    status_row = values.get("status", (None, first_row))[1]
    for reason, needs, label, column in (
        ("blocked_reason", ResponseStatus.BLOCKED, "what it is waiting for", "Waiting for"),
        ("not_applicable_reason", ResponseStatus.NOT_APPLICABLE, "why it does not apply", "Why not applicable"),
    ):
        if status is not needs:
            if reason in values:
                plan.error(
                    values[reason][1], f"{label[0].upper()}{label[1:]} is only kept when the status is {needs.label}"
                )
                return None
            if status_changes:
                after[reason] = None  # as on the response page: the reason goes with the status
        elif status_changes and not after[reason] and status_row is not None:  # a status change has its row
            plan.error(status_row, f"a {needs.label} status needs {label} (a '{column}' column)")
            return None
    if not _fit_rag(plan, values, before, after):
        return None
    diff = changed(before, after)
    if not diff:
        return None
    words = []
    for name in diff:
        label = RESPONSE_VALUE_LABELS[name]
        old, new = before[name], after[name]
        if name == "status":
            old, new = ResponseStatus(old).label, ResponseStatus(new).label
        elif name == "rag":
            old, new = (Rag(old).label if old else "none"), (Rag(new).label if new else "none")
        else:
            old, new = (short(old) if old else "none"), (short(new) if new else "none")
        words.append(f"{label} {old} → {new}")
    change = PlannedChange(
        kind="change_response",
        row=first_row,
        number=entry.recommendation.number,
        response_id=response.id,  # type: ignore[arg-type]
        summary="; ".join(words),
        values={name: after[name] for name in diff},
        before={name: before[name] for name in diff},
        parent_recommendation_id=entry.recommendation.parent_id,
    )
    plan.changes.append(change)
    return change
