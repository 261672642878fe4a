"""The plan out to a spreadsheet (CSV and XLSX) with the columns the importer recognises, so an export imports
back without changes; cells a spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlmodel import Session, SQLModel, col, func, select

from tracker.cells import csv_bytes, needs_guard, storable_text
from tracker.db import saved_id
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.spreadsheet.common import exported_at_text, writes_welsh
from tracker.plans.spreadsheet.mapping import WELSH_HEADING
from tracker.plans.spreadsheet.rows import STORED_IN, WELSH_OF
from tracker.recommendations.models import Recommendation
from tracker.timeutil import utc_now
from tracker.vocabulary import Visibility

EXPORT_COLUMNS = [
    "Recommendation",
    "Sub-recommendation",
    "Recommendation text",
    "Status",
    "RAG",
    "Lead role",
    "Summary",
    "Waiting for",
    "Why not applicable",
    "Action",
    "Action owner",
    "Target date",
    "Action status",
    "Update date",
    "Update text",
    "Update visibility",
    "Action reference",  # the action's id: an older file's row finds its action even if its wording changed
    "Exported at",  # UK time, to the second: conflicts with later web edits are judged against it on re-import
]

"""The export's columns. detect_mapping recognises every one of them, so an export imports without changes."""

# A bilingual organisation's export has the Welsh of each public text after it ("Summary (Welsh)"): the texts whose
# column has a Welsh twin (rows.WELSH_OF, from organisations.bilingual), which detect_mapping recognises as that twin.
_IMPORTED_AS = {
    "Lead role": "lead_role",
    "Summary": "summary",
    "Waiting for": "blocked_reason",
    "Why not applicable": "not_applicable_reason",
    "Action": "action",
    "Action owner": "owner",
    "Update text": "update_text",
}
WELSH_COLUMNS: dict[str, tuple[type[SQLModel], str]] = {
    column + WELSH_HEADING: STORED_IN[WELSH_OF[name]] for column, name in _IMPORTED_AS.items() if name in WELSH_OF
}


def export_columns(session: Session, organisation_id: int) -> list[str]:
    """The organisation's export's columns: EXPORT_COLUMNS, each public text followed by its Welsh if the
    organisation is bilingual."""
    bilingual = writes_welsh(session, organisation_id)
    columns = []
    for name in EXPORT_COLUMNS:
        columns.append(name)
        if bilingual and name + WELSH_HEADING in WELSH_COLUMNS:
            columns.append(name + WELSH_HEADING)
    return columns


def _welsh(record: SQLModel, columns: list[str]) -> dict[str, str]:
    """The Welsh columns of ``columns`` that ``record`` fills."""
    return {
        column: getattr(record, name) or ""
        for column, (model, name) in WELSH_COLUMNS.items()
        if isinstance(record, model) and column in columns
    }


_DATE_COLUMNS = {"Target date", "Update date"}

Levels = Collection[Visibility] | None  # the update visibilities the reader may see (None: every update)
When = dt.datetime | None


def export_row_count(session: Session, organisation_id: int) -> int:
    """How many rows the organisation's full plan has in ``export_rows``, counted without reading the plan."""
    ids = [saved_id(response) for response, _, _ in obligations_for(session, organisation_id)]
    items: dict[int, int] = defaultdict(int)
    for model in (Action, ProgressUpdate):
        column = col(model.response_id)
        for response_id, count in session.exec(select(column, func.count()).where(column.in_(ids)).group_by(column)):
            items[response_id] += count
    return sum(max(1, items[response_id]) for response_id in ids)


def export_rows(
    session: Session, organisation_id: int, *, visibilities: Levels = None, exported_at: When = None
) -> list[dict[str, Any]]:
    """The organisation's plan as rows with EXPORT_COLUMNS: per recommendation it must answer, one row per
    action and one per update (or one row if it has neither), each repeating the response's own values.

    Dates are ``datetime.date`` values, everything else text ("" when empty). ``visibilities`` limits the
    updates to those visible to the reader (pass ``visible_levels(user, organisation_id)``); None
    means every update, as the organisation itself sees them. ``exported_at`` fills the "Exported at" column
    (left empty without it).
    """
    columns = export_columns(session, organisation_id)
    obligations = obligations_for(session, organisation_id)
    actions, updates = _actions_and_updates(session, [response.id for response, _, _ in obligations], visibilities)
    parent_ids = {rec.parent_id for _, rec, _ in obligations if rec.parent_id is not None}
    parent_numbers: dict[int, str] = {}
    if parent_ids:
        query_parents = select(Recommendation.id, Recommendation.number).where(
            col(Recommendation.id).in_(sorted(parent_ids))
        )
        parent_numbers = {rec_id: number for rec_id, number in session.exec(query_parents).all()}  # type: ignore[misc]
    rows: list[dict[str, Any]] = []
    for response, rec, _set in obligations:
        base = _response_row(response, rec, parent_numbers, columns)
        base["Exported at"] = exported_at_text(exported_at) if exported_at else ""
        mine = actions.get(saved_id(response), [])
        notes = updates.get(saved_id(response), [])
        if not mine and not notes:
            rows.append(base)
        for action in mine:
            rows.append(
                base
                | {
                    "Action": action.description,
                    "Action owner": action.owner_role or "",
                    "Target date": action.target_date or "",
                    "Action status": action.status.english_label,
                    "Action reference": str(action.id),
                }
                | _welsh(action, columns)
            )
        for update in notes:
            rows.append(
                base
                | {
                    "Update date": update.update_on,
                    "Update text": update.text,
                    "Update visibility": update.visibility.english_label,
                }
                | _welsh(update, columns)
            )
    return rows


def _actions_and_updates(
    session: Session, ids: list[int | None], visibilities: Collection[Visibility] | None
) -> tuple[dict[int, list[Action]], dict[int, list[ProgressUpdate]]]:
    """The responses' actions in their order and their updates (those of ``visibilities``) by date."""
    actions: dict[int, list[Action]] = defaultdict(list)
    updates: dict[int, list[ProgressUpdate]] = defaultdict(list)
    if ids:
        for action in session.exec(
            select(Action).where(col(Action.response_id).in_(ids)).order_by(col(Action.position), col(Action.id))
        ):
            actions[action.response_id].append(action)
        query = select(ProgressUpdate).where(col(ProgressUpdate.response_id).in_(ids))
        if visibilities is not None:
            query = query.where(col(ProgressUpdate.visibility).in_([v.value for v in visibilities]))
        for update in session.exec(query.order_by(col(ProgressUpdate.update_on), col(ProgressUpdate.id))):
            updates[update.response_id].append(update)
    return actions, updates


def _response_row(
    response: Response, rec: Recommendation, parent_numbers: dict[int, str], columns: list[str]
) -> dict[str, Any]:
    """The columns every row of a response repeats; the others empty."""
    base = dict.fromkeys(columns, "")
    base.update(
        {
            "Recommendation": parent_numbers.get(rec.parent_id, rec.number) if rec.parent_id else rec.number,
            "Sub-recommendation": rec.number if rec.parent_id else "",
            "Recommendation text": rec.text or "",
            "Status": response.status.english_label,
            "RAG": response.rag.english_label if response.rag else "",
            "Lead role": response.lead_role or "",
            "Summary": response.summary or "",
            "Waiting for": response.blocked_reason or "",
            "Why not applicable": response.not_applicable_reason or "",
        }
        | _welsh(response, columns)
    )
    return base


def export_csv(
    session: Session, organisation_id: int, *, visibilities: Levels = None, exported_at: When = None
) -> bytes:
    """The plan as CSV (UTF-8 with a byte-order mark, so Excel reads it right); dates as 27/03/2025; exported
    now unless ``exported_at`` says when."""
    rows = export_rows(session, organisation_id, visibilities=visibilities, exported_at=exported_at or utc_now())
    columns = export_columns(session, organisation_id)
    return csv_bytes(columns, ([_csv_value(row[c]) for c in columns] for row in rows))


def _csv_value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def export_xlsx(
    session: Session, organisation_id: int, *, visibilities: Levels = None, exported_at: When = None
) -> bytes:
    """The plan as an Excel workbook: one sheet, dates as dates, every text cell stored as text (never a
    formula, even when it starts with =; the export time too, so that no program drops its seconds); exported
    now unless ``exported_at`` says when."""
    # openpyxl is imported only when a workbook is written or read: most requests and commands never need it.
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Action plan"
    bold = Font(bold=True)
    columns = export_columns(session, organisation_id)
    for c, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=c, value=name)
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = export_rows(session, organisation_id, visibilities=visibilities, exported_at=exported_at or utc_now())
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(columns, start=1):
            value = row[name]
            if value in ("", None):
                continue
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "DD/MM/YYYY"
                continue
            text = storable_text(str(value))  # the neutraliser's characters; the guard is the cell's type, below
            cell.value = text
            cell.data_type = "s"  # openpyxl would store "=..." as a formula
            if needs_guard(text) or text[:1] == "'":
                cell.quotePrefix = True  # and Excel keeps it as text when the cell is edited
            if len(text) > 40:
                cell.alignment = wrap
    widths = {"Recommendation text": 60, "Summary": 50, "Action": 60, "Update text": 80, "Exported at": 20}
    for c, name in enumerate(columns, start=1):
        width = widths.get(name.removesuffix(WELSH_HEADING), 16 if name not in _DATE_COLUMNS else 12)
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
