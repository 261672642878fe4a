"""Step 3 of an import: ``plan_import``, the dry run. What each row would create or change, every problem,
and the conflicts with newer values in the tracker. It only reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, Literal

from sqlmodel import Session

from tracker.audit.services import changed, fields_of
from tracker.db import saved_id
from tracker.organisations.bilingual import welsh_of
from tracker.plans.models import Action
from tracker.plans.rules import rag_fits, rag_problem, update_date_problem
from tracker.plans.services import RESPONSE_FIELDS, rolled_up_status
from tracker.plans.spreadsheet.candidates import QuotedCandidates
from tracker.plans.spreadsheet.columns import check_mapping
from tracker.plans.spreadsheet.common import (
    FILE_DATE,
    FORMULA_CELLS,
    ROW_NUMBERS,
    action_key,
    cell_text,
    short,
    update_key,
    writes_welsh,
)
from tracker.plans.spreadsheet.known import KnownPlan, Obligation
from tracker.plans.spreadsheet.mapping import FIELDS, ROUND, Mapping
from tracker.plans.spreadsheet.results import (
    NOT_IN_THE_PLAN,
    ChangedField,
    Conflict,
    ImportPlan,
    PlannedChange,
)
from tracker.plans.spreadsheet.rows import ACTION_VALUE_LABELS, RESPONSE_VALUE_LABELS, Row, parse_row, resolve
from tracker.timeutil import uk_date
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Visibility
from tracker.web.i18n import N_, gettext

if TYPE_CHECKING:
    import pandas as pd  # annotations only: pandas is imported when a file is read (spreadsheet.reading)


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
    check_mapping(plan, frame, mapping, round_dates or {}, bilingual=writes_welsh(session, organisation_id))
    if any(e.about == "column" and e.column is None for e in plan.mapping_errors):
        return plan  # without a recommendation column no row can be placed
    known = KnownPlan(session, organisation_id, set_id, file_name)
    quoted = QuotedCandidates(session, plan)
    wanted_responses: dict[int, dict[str, tuple[Any, int]]] = defaultdict(dict)
    wanted_actions: dict[tuple[int, str], dict[str, Any]] = {}
    planned_updates: set[tuple[int, str]] = set()
    for row, rec_raw, sub_raw, carried in _rows(plan, frame, mapping):
        plan.rows_read += 1
        for where in row.formulas:
            row.error(gettext("cell %(cell)s holds a formula; paste its value instead", cell=where))
        if row.errors:
            continue  # the formula's cell reads as empty: its other messages would mislead
        parse_row(row)
        entry = resolve(row, known, rec_raw, sub_raw, carried) if rec_raw or sub_raw else None
        if entry is None and not (rec_raw or sub_raw):
            row.error(gettext("there is no recommendation number on this row or above it"))
        if entry is None or row.errors:
            continue
        _plan_row(row, entry, known, wanted_responses, wanted_actions, planned_updates)
        quoted.note(row, entry)
    _finish_actions(plan, known, wanted_actions)
    _finish_responses(plan, known, wanted_responses)
    known.declarations.add_changes(plan)
    plan.changes.sort(key=lambda c: (c.row if c.row is not None else 10**9, _KIND_ORDER.index(c.kind)))
    return plan


_KIND_ORDER = ["declare", "change_response", "roll_up", "new_action", "change_action", "new_update"]


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


def _want(row: Row, wanted: dict[str, tuple[Any, int]], name: str, value: Any, said: str, **of: str) -> None:
    """Keep the first row's value for a field; a later row that says otherwise is an error (``said``: a message
    with ``%(field)s``, ``%(value)s``, ``%(earlier)s`` and ``%(row)s``, and whatever ``of`` fills in)."""
    if name in wanted:
        earlier, earlier_row = wanted[name]
        if earlier != value:
            row.error(gettext(said, value=_shown(value), earlier=_shown(earlier), row=earlier_row, **of))
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
    response_id = saved_id(entry.response)
    number = entry.recommendation.number
    mine = wanted_responses[response_id]
    said = N_("the %(field)s of recommendation %(number)s is %(value)s here but %(earlier)s on row %(row)s")
    for name, value in row.response.items():
        _want(row, mine, name, value, said, field=gettext(RESPONSE_VALUE_LABELS[name]), number=number)
    if row.action is not None:
        description, ref = row.action["description"], row.action["ref"]
        # An exported row names its action by reference, so a wording changed since is the same action.
        item = wanted_actions.setdefault(
            (response_id, f"#{ref}" if ref else action_key(description)),
            {"row": row.number, "entry": entry, "description": description, "values": {}, "ref": ref},
        )
        said = N_("the %(field)s of the action %(action)s is %(value)s here but %(earlier)s on row %(row)s")
        for name in ("owner_role", "target_date", "status", "description_cy", "owner_role_cy"):
            if row.action[name] is not None:
                label = gettext(ACTION_VALUE_LABELS[name])
                _want(row, item["values"], name, row.action[name], said, field=label, action=short(description))
    published_on = known.published_on.get(entry.recommendation.set_id)
    for text, on, visibility, text_cy in row.updates:
        if problem := update_date_problem(on, published_on, dt.date.today()):
            row.error(problem)
            continue
        dates = row.plan.response_dates
        dates[response_id] = max(on, dates.get(response_id, on))  # how recent the file's rows on it are
        key = (response_id, update_key(text))  # the same text is the same update, whatever its date
        if key in known.updates or key in planned_updates:
            continue
        planned_updates.add(key)
        after = gettext("Update dated %(date)s: %(text)s", date=uk_date(on), text=short(text, 120))
        added = [ChangedField(gettext("New update"), gettext(NOT_IN_THE_PLAN), after)]
        if text_cy:
            added.append(ChangedField(gettext("New update in Welsh"), gettext(NOT_IN_THE_PLAN), short(text_cy, 120)))
        values = {"update_on": on, "text": text, "visibility": visibility, "text_cy": text_cy}
        _add(row.plan, "new_update", row.number, number, response_id, added, values)


def _add(
    plan: ImportPlan,
    kind: str,
    row: int | None,
    number: str,
    response_id: int,
    fields: list[ChangedField],
    values: dict[str, Any],
    **more: Any,
) -> PlannedChange:
    """Add one change to the dry run (``more``: the rest of ``PlannedChange``'s fields)."""
    change = PlannedChange(kind, row, number, response_id, fields, values, **more)
    plan.changes.append(change)
    return change


def _finish_actions(plan: ImportPlan, known: KnownPlan, wanted: dict[tuple[int, str], dict[str, Any]]) -> None:
    for key, item in wanted.items():
        values = {name: value for name, (value, _row) in item["values"].items()}
        existing = _action_of(plan, known, key, item)
        if existing is False:
            continue  # deleted in the tracker since the file was written, and kept deleted
        if existing is not None and action_key(existing.description) != action_key(item["description"]):
            values = {"description": item["description"], **values}  # a referenced action's wording changed
        if existing is None:
            _new_action(plan, item, key[0], values)
        else:
            _action_change(plan, known, item, existing, values)


def _new_action(plan: ImportPlan, item: dict[str, Any], response_id: int, values: dict[str, Any]) -> None:
    status = values.get("status", ActionStatus.NOT_STARTED)
    owner, by = values.get("owner_role"), values.get("target_date")
    said = {
        (True, True): N_("%(action)s (owner %(owner)s, by %(date)s, %(status)s)"),
        (True, False): N_("%(action)s (owner %(owner)s, %(status)s)"),
        (False, True): N_("%(action)s (by %(date)s, %(status)s)"),
        (False, False): N_("%(action)s (%(status)s)"),
    }[(bool(owner), bool(by))]
    after = gettext(
        said, action=short(item["description"], 120), owner=owner or "", date=uk_date(by), status=status.label
    )
    lines = [ChangedField(gettext("New action"), gettext(NOT_IN_THE_PLAN), after)]
    if welsh := values.get("description_cy"):
        owner_cy = values.get("owner_role_cy")
        said = N_("%(action)s (owner %(owner)s)") if owner_cy else N_("%(action)s")
        in_welsh = gettext(said, action=short(welsh, 120), owner=owner_cy or "")
        lines.append(ChangedField(gettext("New action in Welsh"), gettext(NOT_IN_THE_PLAN), in_welsh))
    values = {
        "description": item["description"],
        "owner_role": values.get("owner_role"),
        "target_date": values.get("target_date"),
        "status": status,
        "description_cy": values.get("description_cy"),
        "owner_role_cy": values.get("owner_role_cy"),
    }
    number = item["entry"].recommendation.number
    _add(plan, "new_action", item["row"], number, response_id, lines, values)


def _action_change(
    plan: ImportPlan, known: KnownPlan, item: dict[str, Any], existing: Action, values: dict[str, Any]
) -> None:
    """The change to an action the tracker has, newer tracker values kept unless the person chose the file's."""
    number = item["entry"].recommendation.number
    diff = {name: value for name, value in values.items() if getattr(existing, name) != value}
    current = {name: getattr(existing, name) for name in diff}
    asked = {name: (value, item["row"]) for name, value in diff.items()}
    of = short(existing.description)
    for name in _conflicts(plan, known, "action", existing.id, existing.response_id, number, asked, current, of):
        del diff[name]
    if diff:
        fields = _changed_fields("action", ACTION_VALUE_LABELS, current, diff, of)
        more = {"action_id": existing.id, "version": existing.version}
        _add(plan, "change_action", item["row"], number, existing.response_id, fields, diff, **more)


def _changed_fields(
    entity: str, labels: dict[str, str], before: dict[str, Any], after: dict[str, Any], of: str = ""
) -> list[ChangedField]:
    """The dry run's lines for the fields in ``after``: each as it is now and as the import leaves it (``of``: the
    action they belong to, quoted)."""
    lines = []
    for name, value in after.items():
        what = _field_of(labels[name], of)
        lines.append(
            ChangedField(
                what[:1].upper() + what[1:],
                _value_words(entity, name, before.get(name)),
                _value_words(entity, name, value),
            )
        )
    return lines


def _field_of(label: str, action: str = "") -> str:
    """A field's name in the dry run (``label``, marked N_), of the quoted ``action`` if there is one."""
    if not action:
        return gettext(label)
    return gettext("%(field)s of the action %(action)s", field=gettext(label), action=action)


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
            what=gettext("the action %(action)s", action=short(item["description"])),
            file_value=short(item["description"]),
            tracker_value=gettext("deleted in the tracker"),
            changed_at=deleted[1],
            use_file=use_file,
        )
    )
    return None if use_file else False


def _finish_responses(plan: ImportPlan, known: KnownPlan, wanted: dict[int, dict[str, tuple[Any, int]]]) -> None:
    """The changes to responses; then each parent's status (and a RAG that no longer fits it) rolled up from its
    sub-recommendations as the import leaves them."""
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
    projected = _projected_roll_ups(known, new_status)
    rags: dict[int, Any] = {}  # a parent's RAG as its own row leaves it
    for entry, values in parents:
        parent_id = saved_id(entry.recommendation)
        _check_parent_row(plan, known, wanted, entry, values, projected.get(parent_id, entry.response.status))
        change = _response_change(plan, known, entry, values)
        if change is not None and "rag" in change.values:
            rags[parent_id] = change.values["rag"]
    for parent in known.by_response.values():
        parent_id = saved_id(parent.recommendation)
        if parent_id in projected:
            _roll_up(plan, parent, projected[parent_id], rags.get(parent_id, parent.response.rag))


def _projected_roll_ups(known: KnownPlan, new_status: dict[int, ResponseStatus]) -> dict[int, ResponseStatus]:
    """The status each parent of a sub-recommendation whose status changes would roll up to, by parent id."""
    parent_ids = {known.by_response[rid].recommendation.parent_id for rid in new_status} - {None}
    return {
        parent_id: rolled_up_status(
            [new_status.get(saved_id(c.response), c.response.status) for c in known.children.get(parent_id, [])]
        )
        for parent_id in parent_ids
        if parent_id is not None
    }


def _check_parent_row(
    plan: ImportPlan,
    known: KnownPlan,
    wanted: dict[int, dict[str, tuple[Any, int]]],
    entry: Obligation,
    values: dict[str, tuple[Any, int]],
    expected: ResponseStatus,
) -> None:
    """Take a parent row's status and reasons out of ``values``: they follow from its sub-recommendations, so
    one that says otherwise is an error."""
    # A parent row that agrees with the sub-recommendations' rows of the same file (the file's own roll-up),
    # or still says what the tracker says (an export re-imported), is no instruction: the status follows
    # whatever its sub-recommendations settle (issue 15).
    as_filed = _rolled_up_in_file(known, wanted, saved_id(entry.recommendation))
    consistent = values.get("status", (None,))[0] in (expected, as_filed, entry.response.status)
    for name in ("status", *_REASON_FIELDS):
        if name not in values:
            continue
        value, row = values.pop(name)
        current = expected if name == "status" else getattr(entry.response, name)
        if value != current and not consistent:
            said = (
                N_(
                    "the status of recommendation %(number)s follows from its sub-recommendations "
                    "(it would be %(status)s): give the status on their rows"
                )
                if name == "status"
                else N_(
                    "the status of recommendation %(number)s follows from its sub-recommendations: "
                    "give the status on their rows"
                )
            )
            plan.error(row, gettext(said, number=entry.recommendation.number, status=expected.label))


def _roll_up(plan: ImportPlan, parent: Obligation, status: ResponseStatus, rag: Any) -> None:
    """The parent's status rolled up from its sub-recommendations, and its RAG cleared if it no longer fits."""
    if parent.response.status is status:
        return
    now = parent.response.status.label
    fields = [ChangedField(gettext("Status (follows its sub-recommendations)"), now, status.label)]
    values: dict[str, Any] = {"status": status.value}
    if rag and not rag_fits(status, Rag(rag)):
        values["rag"] = None
        what = gettext("RAG rating (cleared by the roll-up: it does not fit the status)")
        fields.append(ChangedField(what, Rag(rag).label, gettext("none")))
    _add(plan, "roll_up", None, parent.recommendation.number, saved_id(parent.response), fields, values)


def _rolled_up_in_file(
    known: KnownPlan, wanted: dict[int, dict[str, tuple[Any, int]]], parent_id: int
) -> ResponseStatus:
    """The status the file's rows give a parent: the roll-up of its sub-recommendations' statuses as the file
    states them (the tracker's where the file has no status for one)."""
    children = known.children.get(parent_id, [])
    statuses = [wanted.get(saved_id(c.response), {}).get("status", (c.response.status, 0))[0] for c in children]
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
                what=_field_of(labels[name], of),
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
        return gettext("none")
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
        kept |= set(_REASON_FIELDS)
    values = {n: v for n, v in wanted.items() if n not in kept}
    after = dict(before) | {name: value for name, (value, _row) in values.items()}
    first_row = min(row for _, row in values.values()) if values else None
    if not _reasons_fit(plan, values, before, after, values.get("status", (None, first_row))[1]):
        return None
    if not _fit_rag(plan, values, before, after):
        return None
    diff = changed(before, after)
    if not diff:
        return None
    fields = _changed_fields("response", RESPONSE_VALUE_LABELS, before, {name: after[name] for name in diff})
    more = {"before": {name: before[name] for name in diff}, "parent_recommendation_id": entry.recommendation.parent_id}
    return _add(
        plan,
        "change_response",
        first_row,
        entry.recommendation.number,
        saved_id(response),
        fields,
        {name: after[name] for name in diff},
        **more,
    )


def _reasons_fit(
    plan: ImportPlan,
    values: dict[str, tuple[Any, int]],
    before: dict[str, Any],
    after: dict[str, Any],
    status_row: int | None,
) -> bool:
    """Whether the reasons in ``after`` fit its status, as on the response page: a reason is kept only with its
    status (a status that changes drops the other's), and a Blocked or Not applicable status needs its own.
    False, with a row error, if they do not."""
    status = ResponseStatus(after["status"])
    status_changes = after["status"] != before["status"]
    for reason, needs, only_with, needed in _REASONS:
        twins = (reason, welsh_of(reason))  # a reason and its Welsh go together
        if status is not needs:
            if given := [values[name][1] for name in twins if name in values]:
                plan.error(given[0], gettext(only_with))
                return False
            if status_changes:
                after.update(dict.fromkeys(twins))  # as on the response page: the reason goes with the status
        elif status_changes and not after[reason] and status_row is not None:  # a status change has its row
            plan.error(status_row, gettext(needed))
            return False
    return True


_REASON_FIELDS = ("blocked_reason", "not_applicable_reason", "blocked_reason_cy", "not_applicable_reason_cy")

# Each reason: the status it goes with, what is said of it given without that status, and of the status without it.
_REASONS = (
    (
        "blocked_reason",
        ResponseStatus.BLOCKED,
        N_("What it is waiting for is only kept when the status is Blocked"),
        N_("a Blocked status needs what it is waiting for (a 'Waiting for' column)"),
    ),
    (
        "not_applicable_reason",
        ResponseStatus.NOT_APPLICABLE,
        N_("Why it does not apply is only kept when the status is Not applicable"),
        N_("a Not applicable status needs why it does not apply (a 'Why not applicable' column)"),
    ),
)
