"""An organisation's plan in and out of a spreadsheet: import (with a dry run) and export (CSV and XLSX).

Importing goes in four steps, each a plain function that tests can call without HTTP:

1. ``read_table`` turns an uploaded CSV or XLSX file into a table of strings. Its index is the row number the
   person sees in their spreadsheet, so every message can name the row they need to fix.
2. ``detect_mapping`` guesses which column holds what from common header names; the person can change it.
3. ``plan_import`` is the dry run: what each row would create or change, or what is wrong with it. It only reads.
4. ``apply_import`` writes a plan without errors in one transaction, committing once at the end, so an import
   that fails or is killed half-way leaves nothing behind. Re-importing the same file finds everything already
   there and changes nothing: an action is the same if it has the same response and description (ignoring case
   and spacing), an update if it has the same response and text, whatever its date (so a round imported again
   with another date adds nothing).

A file can be older than the plan: when a row would change a field that someone changed in the tracker after
the date the row carries (its latest update) or after the same file was last imported, the dry run lists it as
a conflict and keeps the tracker's newer value unless the person chooses the file's (``Conflict``).

Empty cells never clear anything: they leave what is recorded as it is. ``export_rows`` writes the plan with
the same column names, so importing an export changes nothing (a lossless round trip).

Cells that a spreadsheet program would run as a formula (starting =, +, -, @, tab or carriage return) are
neutralised in exports: a leading apostrophe in CSV (which the importer removes again) and an explicit text
cell in XLSX.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.audit.services import changed, fields_of, record
from tracker.cells import csv_bytes, needs_guard, storable_text, unneutralise
from tracker.filelimits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SCANNED_ROWS,
    FileTooLarge,
    check_csv_row,
    check_xlsx,
)
from tracker.inputs import clean_text
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.services import (
    ACTION_FIELDS,
    MAX_TEXT,
    RESPONSE_FIELDS,
    UPDATE_FIELDS,
    actor_for,
    rolled_up_status,
)
from tracker.recommendations.models import Recommendation
from tracker.timeutil import DateParseError, parse_uk_date, uk_date, utc_now
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Visibility

MAX_SHORT_TEXT = 200  # lead role, action owner
HEADER_SEARCH_ROWS = 10  # a title or notes may sit above the header row

ROW_NUMBERS = "tracker_row_numbers"  # frame.attrs flag: the index holds the spreadsheet's own row numbers
FILE_DATE = "tracker_file_date"  # frame.attrs: the date the file says it was saved or exported (or None)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ROUND = "round"  # a column of dated updates, one reporting round ("March 2026 update")
IGNORE = ""

FIELDS: dict[str, str] = {
    "recommendation": "Recommendation number",
    "sub_recommendation": "Sub-recommendation number",
    "status": "Status of the recommendation",
    "rag": "RAG rating",
    "lead_role": "Lead role (who leads the recommendation)",
    "summary": "Summary of the response",
    "blocked_reason": "What it is waiting for (when blocked)",
    "not_applicable_reason": "Why it does not apply (when not applicable)",
    "action": "Action (what will be done)",
    "owner": "Action owner",
    "target_date": "Action target date",
    "action_status": "Action status",
    "update_text": "Update text",
    "update_date": "Update date",
    "update_visibility": "Update visibility (public or internal)",
    ROUND: "Updates from one reporting round (each cell a dated update)",
}
"""What a column can be imported as, with the label people choose from ("" means not imported)."""

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
]
"""The export's columns. detect_mapping recognises every one of them, so an export imports without changes."""

_DATE_COLUMNS = {"Target date", "Update date"}

# Header names people use, compared after _normalise (lower case, punctuation and bracketed notes removed).
# "?recommendation" and "?owner" are settled by detect_mapping; "-" means a known column that is not imported.
_HEADER_NAMES = """
recommendation: rec | rec no | rec number | rec ref | recommendation no | recommendation number
recommendation: recommendation ref | recommendation reference | no | number | ref
?recommendation: recommendation
sub_recommendation: sub recommendation | sub recommendations | subrecommendation | sub rec | sub recs | subrec
sub_recommendation: sub rec no | sub recommendation no | sub recommendation number
-: recommendation text | recommendation wording | wording | text | recommendation title
action: action | actions | action plan item | action plan | what we will do | planned action | planned actions
action: action description | activity
owner: action owner | action lead | responsible officer | action by
?owner: owner | lead | responsible | who
lead_role: lead role | rec owner | recommendation owner | recommendation lead | strategic lead | force lead
target_date: target date | by when | due | due date | date due | deadline | target | target completion date
target_date: completion date | timescale | action target date
status: status | rec status | recommendation status | overall status | current status
action_status: action status
rag: rag | rag status | rag rating | rating
summary: summary | response summary | overview
blocked_reason: waiting for | blocked reason | reason blocked | blocked by | dependency | dependencies
not_applicable_reason: why not applicable | not applicable reason | reason not applicable | why it does not apply
update_text: update | updates | force update | progress update | progress | latest update | update text
update_text: progress to date | commentary | comments
update_date: date | update date | date of update | date updated | updated | last updated
update_visibility: update visibility | visibility
"""
_SYNONYMS: dict[str, str] = {
    name.strip(): (IGNORE if key == "-" else key)
    for key, names in (line.split(":") for line in _HEADER_NAMES.strip().splitlines())
    for name in names.split("|")
}

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_FULL_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2}/\d{1,2}/(?:\d{4}|\d{2}))\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\.?[\s\-/']+(\d{{4}}|\d{{2}})\b", re.IGNORECASE)
_ROUND_WORDS = re.compile(r"\b(?:initial|response)\b")

_STATUS_WORDS: dict[str, ResponseStatus] = {
    **dict.fromkeys(
        ["not started", "not yet started", "to do", "todo", "awaiting allocation"], ResponseStatus.NOT_STARTED
    ),
    **dict.fromkeys(
        ["in progress", "ongoing", "on going", "started", "underway", "under way", "progressing", "partially complete"],
        ResponseStatus.IN_PROGRESS,
    ),
    **dict.fromkeys(["blocked", "on hold", "waiting", "paused"], ResponseStatus.BLOCKED),
    **dict.fromkeys(
        ["complete", "completed", "action complete", "actions complete", "done", "closed", "finished"],
        ResponseStatus.COMPLETE,
    ),
    **dict.fromkeys(["not applicable", "n a", "na", "not required"], ResponseStatus.NOT_APPLICABLE),
}
_RAG_WORDS: dict[str, Rag] = {"r": Rag.RED, "a": Rag.AMBER, "g": Rag.GREEN}  # and the words themselves
_VISIBILITY_WORDS: dict[str, Visibility] = {
    "public": Visibility.PUBLIC,
    "published": Visibility.PUBLIC,
    "internal": Visibility.INTERNAL,
    "private": Visibility.INTERNAL,
    "inspectorate": Visibility.INTERNAL,  # updates are either published with the plan or kept in-house
}


class SpreadsheetError(ValueError):
    """A file that cannot be read, or an import that cannot go ahead; the message says why, in plain words."""


class ImportConflict(SpreadsheetError):
    """The plan changed between the dry run and the import; nothing was written."""


# --- reading ---------------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """A CSV or XLSX file (first sheet) as a table of stripped strings ("" for an empty cell).

    The header row is the first row, or, when a title sits above it, the row among the first ten whose cells
    look most like column names. The index is each row's number in the spreadsheet (header = row 1 when it is
    the first row); empty rows are left out.
    """
    if not data:
        raise SpreadsheetError("The file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(f"The file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    kind = _file_kind(data, filename)
    saved: list[dt.date] = []
    try:
        # Limits first (tracker.filelimits): a small upload must not become a huge table in memory.
        rows = _xlsx_rows(data, saved) if kind == "xlsx" else _csv_rows(data)
    except FileTooLarge as exc:
        raise SpreadsheetError(str(exc)) from None
    frame = _frame(rows)
    named = _ISO_DATE.search(PurePath(filename or "").name)
    if named:
        with contextlib.suppress(ValueError):  # an export's name: kent-action-plan-2026-03-27
            saved.append(dt.date.fromisoformat(named.group(0)))
    frame.attrs[FILE_DATE] = max(saved) if saved else None
    return frame


def _file_kind(data: bytes, filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix == ".xls" and not is_zip:
        raise SpreadsheetError("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV and upload that")
    if suffix in (".xlsx", ".xlsm") or is_zip:
        if not is_zip:
            raise SpreadsheetError("The file is not a valid Excel (.xlsx) file")
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise SpreadsheetError("The file must be a CSV or Excel (.xlsx) file")


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what Excel on Windows saves as "CSV" without UTF-8
        except UnicodeDecodeError:
            raise SpreadsheetError("The text of the file could not be read: save it as CSV UTF-8") from None
    if "\x00" in text:
        raise SpreadsheetError("The file is not a CSV file (it holds binary data)")
    delimiter = _delimiter(text)
    rows: list[tuple[int, list[str]]] = []
    try:
        # One record is one spreadsheet row, even when a quoted cell holds line breaks; a blank line is a row.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            check_csv_row(number, cells)
            if not any(c.strip() for c in cells):
                continue
            cleaned = [clean_text(unneutralise(c)).strip() for c in cells]
            rows.append((number, cleaned))
            _check_size(len(rows), cleaned)
    except csv.Error as exc:
        if "field limit" in str(exc):  # the csv module's own cap (131,072) on one cell, before check_csv_row sees it
            raise FileTooLarge("the text of a cell in characters", f"over {MAX_CELL_CHARS:,}", MAX_CELL_CHARS) from None
        raise SpreadsheetError(f"The CSV file could not be read: {exc}") from None
    return rows


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab some spreadsheet programs use, whichever the first lines hold most."""
    sample = "\n".join([line for line in text.splitlines() if line.strip()][:5])
    counts = {d: sample.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _xlsx_rows(data: bytes, saved: list[dt.date]) -> list[tuple[int, list[str]]]:
    """The first sheet's rows; ``saved`` receives the date the workbook was last saved, if it says."""
    check_xlsx(data)  # sizes and counts from the zip directory and a streaming pass, before openpyxl builds anything
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any malformed upload: zip, XML, missing parts
        raise SpreadsheetError("The Excel file could not be read: check that it opens in Excel and is .xlsx") from None
    rows: list[tuple[int, list[str]]] = []
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("The Excel file has no sheets")
        sheet = workbook.worksheets[0]
        modified = workbook.properties.modified
        if isinstance(modified, dt.datetime):
            saved.append(modified.date())
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1):
            if number > MAX_SCANNED_ROWS:
                raise SpreadsheetError(f"The sheet has too many rows: the limit is {MAX_ROWS:,}")
            cells = [cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
                _check_size(len(rows), cells)
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError("The Excel file could not be read: check that it opens in Excel and is .xlsx") from None
    finally:
        workbook.close()
    return rows


def _check_size(count: int, cells: list[str]) -> None:
    if count > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise SpreadsheetError(f"The file has too many rows: the limit is {MAX_ROWS:,}")
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise SpreadsheetError(f"The file has too many columns: the limit is {MAX_COLUMNS}")


def cell_text(value: Any) -> str:
    """A cell as text: dates as ISO dates (never re-read day-first), whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return "" if pd.isna(value) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return ""
    return clean_text(str(value)).strip()  # imports drop control characters (tracker.inputs says why)


def _frame(rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    if not rows:
        raise SpreadsheetError("The file has no rows")
    header_at = _header_position(rows)
    header_number, header = rows[header_at]
    data = rows[header_at + 1 :]
    if not data:
        raise SpreadsheetError(f"The file has a header row (row {header_number}) but no rows under it")
    width = max([len(header), *(len(cells) for _, cells in data)])
    names = _column_names(header, width)
    table = [cells + [""] * (width - len(cells)) for _, cells in data]
    frame = pd.DataFrame(table, columns=names, index=[number for number, _ in data], dtype=object)
    keep = [name for i, name in enumerate(names) if (i < len(header) and header[i]) or (frame[name] != "").any()]
    frame = frame[keep]
    frame.attrs[ROW_NUMBERS] = True
    frame.attrs["header_row"] = header_number
    return frame


def _header_position(rows: list[tuple[int, list[str]]]) -> int:
    best, best_score = 0, 0
    for position, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = sum(1 for c in cells if c and _guess(c) not in (IGNORE, ROUND))  # data rows hold dates too
        if score > best_score:
            best, best_score = position, score
    return best


def _column_names(header: list[str], width: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for i in range(width):
        base = (header[i] if i < len(header) else "") or f"Column {get_column_letter(i + 1)}"
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name)
        names.append(name)
    return names


# --- mapping columns to fields ----------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", str(text))
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


def date_in_header(header: str) -> dt.date | None:
    """The date a column heading names: "March 2026 update" -> 31 March 2026 (month end), "Response 21st
    November 2024" -> 21 November 2024, "Nov-24" -> 30 November 2024; None if it names none."""
    text = str(header)
    for pattern, build in (
        (_FULL_DATE, lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
        (_NUMERIC_DATE, lambda m: m.group(1)),
        (_MONTH_YEAR, lambda m: f"{m.group(1)} {m.group(2)}"),
    ):
        for match in pattern.finditer(text):
            try:
                return parse_uk_date(build(match), month_end=True)
            except DateParseError:
                continue
    return None


def _guess(header: str) -> str | None:
    """A field (possibly still ambiguous, "?..."), ROUND, or IGNORE for a heading."""
    key = _normalise(header)
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    if date_in_header(header) is not None or _ROUND_WORDS.search(_words(header)):
        return ROUND
    return IGNORE


@dataclass
class Mapping:
    """Which field each column of the file is imported as (IGNORE: not imported), in the file's order."""

    fields: dict[str, str]

    @property
    def columns(self) -> list[str]:
        return list(self.fields)

    def column_for(self, name: str) -> str | None:
        return next((c for c, f in self.fields.items() if f == name), None)

    def round_columns(self) -> list[str]:
        return [c for c, f in self.fields.items() if f == ROUND]

    def dated_columns(self) -> list[str]:
        """Columns that may need a date from the person: rounds, and the update column."""
        return [c for c, f in self.fields.items() if f in (ROUND, "update_text")]


def detect_mapping(columns: Iterable[Any]) -> Mapping:
    """Guess each column's field from its heading (case, spacing and punctuation do not matter).

    "Recommendation" is the number unless another column has it (then it is the wording, not imported);
    "Owner" and "Lead" name the action owner when there is an action column, else the lead role. Any other
    heading naming a month ("March 2026 update", "Nov-24") or saying "initial" or "response" is a round of
    updates, dated from the heading where it can be. A field already taken by an earlier column is left out.
    """
    names = [str(c) for c in columns]
    guesses = [_guess(name) for name in names]
    has_number = "recommendation" in guesses
    has_action = "action" in guesses
    fields: dict[str, str] = {}
    taken: set[str] = set()
    for name, guess in zip(names, guesses, strict=True):
        if guess == "?recommendation":
            guess = IGNORE if has_number else "recommendation"
        elif guess == "?owner":
            guess = "owner" if has_action else "lead_role"
        guess = guess or IGNORE
        if guess not in (IGNORE, ROUND):
            if guess in taken:
                guess = IGNORE
            taken.add(guess)
        fields[name] = guess
    return Mapping(fields)


def column_examples(frame: pd.DataFrame, limit: int = 60) -> dict[str, str]:
    """The first value in each column, shortened, to help people choose what it holds."""
    examples = {}
    for name in frame.columns:
        value = next((cell_text(v) for v in frame[name] if cell_text(v)), "")
        examples[str(name)] = value if len(value) <= limit else value[: limit - 1] + "…"
    return examples


# --- the dry run -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


@dataclass(frozen=True)
class MappingError:
    """A problem with the choice of columns rather than with a row; ``column`` is the one concerned."""

    message: str
    column: str | None = None
    about: str = "column"  # "column" (its field) or "date" (the date of its updates)

    def __str__(self) -> str:
        return self.message


@dataclass
class PlannedChange:
    """One thing the import would do, in words (``summary``) and in values (for ``apply_import``)."""

    kind: str  # new_action, change_action, change_response, new_update, roll_up
    row: int | None
    number: str
    response_id: int
    summary: str
    values: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    action_id: int | None = None
    version: int | None = None
    parent_recommendation_id: int | None = None

    KIND_LABELS = {
        "new_action": "New action",
        "change_action": "Action changed",
        "change_response": "Response changed",
        "new_update": "New update",
        "roll_up": "Status follows its sub-recommendations",
    }

    @property
    def label(self) -> str:
        return self.KIND_LABELS[self.kind]


@dataclass
class ImportPlan:
    """The dry run: what an import would do, and everything that stops it."""

    organisation_id: int
    mapping: Mapping
    changes: list[PlannedChange] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    mapping_errors: list[MappingError] = field(default_factory=list)
    rows_read: int = 0
    dates: dict[str, dt.date] = field(default_factory=dict)  # the date used for each dated column
    conflicts: list[Conflict] = field(default_factory=list)
    file_name: str | None = None
    visibility: Visibility = Visibility.PUBLIC  # of imported updates, unless a column gives theirs
    use_file: Collection[str] = ()  # keys of the conflicts where the person chose the file's value
    response_dates: dict[int, dt.date] = field(default_factory=dict)  # latest update date in the file, by response
    file_date: dt.date | None = None  # when the file says it was saved or exported

    @property
    def total(self) -> int:
        """How many changes the import would make: the one count the dry run and the import's banner show."""
        return len(self.changes)

    @property
    def errors(self) -> list[str]:
        return [str(e) for e in self.mapping_errors] + [str(e) for e in self.row_errors]

    @property
    def ok(self) -> bool:
        return not self.mapping_errors and not self.row_errors

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def rows_unchanged(self) -> int:
        busy = {c.row for c in self.changes} | {e.row for e in self.row_errors}
        return max(self.rows_read - len(busy - {None}), 0)

    def error(self, row: int, message: str) -> None:
        self.row_errors.append(RowError(row, message))


@dataclass(frozen=True)
class Conflict:
    """A field the file would change that the tracker changed after the row was written (or last imported)."""

    key: str  # "response-12-status", "action-5-target_date": the form field is "conflict-" + key
    row: int
    number: str
    what: str
    file_value: str
    tracker_value: str
    changed_at: dt.datetime
    use_file: bool


@dataclass
class ImportResult:
    actions_added: int = 0
    actions_changed: int = 0
    responses_changed: int = 0
    updates_added: int = 0
    statuses_rolled_up: int = 0
    already_there: int = 0  # added by someone else between the dry run and the import

    @property
    def total(self) -> int:
        """Every change made, counted as ``ImportPlan.total`` counts them (roll-ups included)."""
        return (
            self.actions_added
            + self.actions_changed
            + self.responses_changed
            + self.updates_added
            + self.statuses_rolled_up
        )

    def summary(self) -> str:
        parts = [
            _plural(self.actions_added, "action added", "actions added"),
            _plural(self.actions_changed, "action changed", "actions changed"),
            _plural(self.responses_changed, "response changed", "responses changed"),
            _plural(self.statuses_rolled_up, "status rolled up", "statuses rolled up"),
            _plural(self.updates_added, "update added", "updates added"),
        ]
        return ", ".join(p for p in parts if p) or "nothing changed"


def _plural(n: int, one: str, many: str) -> str:
    return "" if n == 0 else f"{n} {one if n == 1 else many}"


@dataclass
class _Obligation:
    response: Response
    recommendation: Recommendation


class _Plan:
    """What plan_import knows about the organisation's plan, loaded in a fixed number of queries."""

    def __init__(
        self, session: Session, organisation_id: int, set_id: int | None = None, file_name: str | None = None
    ) -> None:
        self.by_number: dict[str, list[_Obligation]] = defaultdict(list)
        self.by_response: dict[int, _Obligation] = {}
        self.set_titles: dict[int, str] = {}
        for response, recommendation, rec_set in obligations_for(session, organisation_id, set_id=set_id):
            entry = _Obligation(response, recommendation)
            self.by_number[_canonical(recommendation.number)].append(entry)
            self.by_response[response.id] = entry  # type: ignore[index]
            self.set_titles[rec_set.id] = rec_set.short_title  # type: ignore[index]
        query = select(Recommendation.id, Recommendation.number, Recommendation.parent_id)
        if set_id is not None:
            query = query.where(Recommendation.set_id == set_id)
        recommendations = list(session.exec(query))
        self.known_numbers = {_canonical(number) for _, number, _ in recommendations}
        self.number_of = {rec_id: number for rec_id, number, _ in recommendations}
        self.parents = {parent_id for _, _, parent_id in recommendations if parent_id is not None}
        self.children: dict[int, list[_Obligation]] = defaultdict(list)
        for entry in self.by_response.values():
            if entry.recommendation.parent_id is not None:
                self.children[entry.recommendation.parent_id].append(entry)
        ids = list(self.by_response)
        self.actions: dict[tuple[int, str], Action] = {}
        self.updates: set[tuple[int, str]] = set()
        if ids:
            for action in session.exec(
                select(Action).where(col(Action.response_id).in_(ids)).order_by(Action.position, Action.id)
            ):
                self.actions.setdefault((action.response_id, _action_key(action.description)), action)
            for update in session.exec(select(ProgressUpdate).where(col(ProgressUpdate.response_id).in_(ids))):
                self.updates.add((update.response_id, _update_key(update.text)))
        self.changed_at = _field_changes(session, organisation_id)
        self.previous_import = previous_import(session, organisation_id, file_name)

    def changed_after(
        self, entity: str, entity_id: int | None, name: str, response_id: int, plan: ImportPlan
    ) -> dt.datetime | None:
        """When the tracker last changed this field, if that is after the file's rows on the response were written
        (their latest update date, or the date the file was saved or exported) and after the file was last
        imported; else None. Without any of these dates nothing is known: None."""
        when = self.changed_at.get((entity, entity_id or 0, name))
        dates = [d for d in (plan.response_dates.get(response_id), plan.file_date) if d is not None]
        if when is None or (not dates and self.previous_import is None):
            return None
        if dates and when.date() <= max(dates):
            return None
        if self.previous_import is not None and when <= self.previous_import:
            return None
        return when


def _field_changes(session: Session, organisation_id: int) -> dict[tuple[str, int, str], dt.datetime]:
    """When each field of the organisation's responses and actions was last changed, from their history."""
    latest: dict[tuple[str, int, str], dt.datetime] = {}
    query = select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.after, AuditEvent.occurred_at).where(
        AuditEvent.organisation_id == organisation_id,
        col(AuditEvent.entity_type).in_(["response", "action"]),
        AuditEvent.action == "update",
    )
    for entity, entity_id, after, occurred_at in session.exec(query):
        for name in after or {}:
            key = (entity, entity_id or 0, name)
            if key not in latest or latest[key] < occurred_at:
                latest[key] = occurred_at
    return latest


_IMPORT_EVENTS = 50  # the recent imports read for a file's previous import and its remembered dates


def _imports(session: Session, organisation_id: int) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """The organisation's recent imports, newest first: when, and what was recorded about them."""
    query = (
        select(AuditEvent.occurred_at, AuditEvent.after)
        .where(AuditEvent.organisation_id == organisation_id, AuditEvent.entity_type == "plan_import")
        .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        .limit(_IMPORT_EVENTS)
    )
    return [(when, after or {}) for when, after in session.exec(query)]


def previous_import(session: Session, organisation_id: int, file_name: str | None) -> dt.datetime | None:
    """When a file of this name was last imported for the organisation (None: never, or no name given)."""
    if not file_name:
        return None
    return next(
        (when for when, after in _imports(session, organisation_id) if after.get("file_name") == file_name), None
    )


def remembered_dates(session: Session, organisation_id: int) -> dict[str, str]:
    """The date last given for each dated column heading in the organisation's imports (27/03/2025), to offer
    them again: a round imported again gets the same date, not a new one."""
    dates: dict[str, str] = {}
    for _when, after in reversed(_imports(session, organisation_id)):
        for column, iso in (after.get("column_dates") or {}).items():
            dates[column] = dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    return dates


def _canonical(number: str) -> str:
    """7.01 -> 7.1, 07 -> 7 (numbers written the way the loader stores them)."""
    parts = str(number).strip().split(".")
    if all(p.isascii() and p.isdigit() for p in parts):
        # leading zeros dropped as text: int() refuses over 4,300 digits, and no number that long is a real one
        return ".".join(p.lstrip("0") or "0" for p in parts)
    return str(number).strip()


def _action_key(description: str) -> str:
    return " ".join(description.split()).casefold()


def _update_key(text: str) -> str:
    return " ".join(text.split())


_NUMBER_PREFIX = re.compile(
    r"^(?:recommendation|rec|sub[\s\-]*rec(?:ommendation)?|no|number|ref)\b[\s.:#]*|^r(?=\d)|^#\s*", re.IGNORECASE
)
_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?(?=$|[^\w.])")


def recommendation_number(text: str) -> str | None:
    """The number a cell starts with: "7.1", "Recommendation 7.1: ...", "Rec 7", "R7", "7.1 Chief..." -> 7.1."""
    value = text.strip()
    for _ in range(3):
        stripped = _NUMBER_PREFIX.sub("", value, count=1).strip()
        if stripped == value:
            break
        value = stripped
    match = _NUMBER.match(value)
    return _canonical(match.group(1)) if match else None


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"


def _word(text: str, words: dict[str, Any], enum: type) -> Any:
    key = _words(text)
    if key in words:
        return words[key]
    for member in enum:
        if key in (_words(member.value), _words(member.label)):
            return member
    return None


@dataclass
class _Row:
    """One spreadsheet row: its cells by field, what they mean once checked, and where messages go."""

    plan: ImportPlan
    number: int
    values: dict[str, str]
    rounds: dict[str, str]
    response: dict[str, Any] = field(default_factory=dict)
    action: dict[str, Any] | None = None
    updates: list[tuple[str, dt.date, Visibility]] = field(default_factory=list)
    errors: int = 0

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, message: str) -> None:
        self.errors += 1
        self.plan.error(self.number, message)

    def text(self, name: str, label: str, limit: int = MAX_TEXT) -> str | None:
        value = self.get(name)
        if len(value) > limit:
            self.error(f"{label} must be {limit:,} characters or fewer")
            return None
        return value or None

    def date(self, name: str, label: str) -> dt.date | None:
        value = self.get(name)
        try:
            return parse_uk_date(value, month_end=True)
        except DateParseError:
            self.error(f"{_short(value)} is not a date ({label}: try 27/03/2025, 27 March 2025 or March 2026)")
            return None

    @property
    def has_content(self) -> bool:
        numbers = ("recommendation", "sub_recommendation")
        return any(v for k, v in self.values.items() if k not in numbers) or any(self.rounds.values())


_RESPONSE_VALUE_LABELS = {
    "status": "status",
    "rag": "RAG rating",
    "lead_role": "lead role",
    "summary": "summary",
    "blocked_reason": "what it is waiting for",
    "not_applicable_reason": "why it does not apply",
}
_ACTION_VALUE_LABELS = {"owner_role": "owner", "target_date": "target date", "status": "status"}


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
    known = _Plan(session, organisation_id, set_id, file_name)
    wanted_responses: dict[int, dict[str, tuple[Any, int]]] = defaultdict(dict)
    wanted_actions: dict[tuple[int, str], dict[str, Any]] = {}
    planned_updates: set[tuple[int, str]] = set()
    columns = {name: mapping.column_for(name) for name in FIELDS if name != ROUND}
    positions = {name: i for i, name in enumerate(frame.columns)}
    rounds = [c for c in mapping.round_columns() if c in positions]
    use_index = bool(frame.attrs.get(ROW_NUMBERS))
    last_rec, last_sub = "", ""
    for position, (index, cells) in enumerate(zip(frame.index, frame.itertuples(index=False, name=None), strict=True)):
        row = _Row(
            plan,
            int(index) if use_index else position + 2,
            {n: cell_text(cells[positions[c]]) for n, c in columns.items() if c is not None and c in positions},
            {c: cell_text(cells[positions[c]]) for c in rounds},
        )
        rec_raw, sub_raw = row.get("recommendation"), row.get("sub_recommendation")
        carried = not rec_raw
        if not rec_raw and not sub_raw:
            rec_raw, sub_raw = last_rec, last_sub  # merged cells: rows under a number belong to it
        elif not rec_raw:
            rec_raw = last_rec
        last_rec, last_sub = rec_raw, sub_raw
        if not row.has_content:
            continue
        plan.rows_read += 1
        _parse_row(row)
        entry = _resolve(row, known, rec_raw, sub_raw, carried) if rec_raw or sub_raw else None
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


def _parse_row(row: _Row) -> None:
    """Check every cell of the row and keep what it means (row.response, row.action, row.updates)."""
    if row.get("status"):
        status = _word(row.get("status"), _STATUS_WORDS, ResponseStatus)
        if status is None:
            row.error(
                f"{_short(row.get('status'))} is not a status we know "
                "(use Not started, In progress, Blocked, Complete or Not applicable)"
            )
        else:
            row.response["status"] = status
    if row.get("rag"):
        rag = _word(row.get("rag"), _RAG_WORDS, Rag)
        if rag is None:
            row.error(f"{_short(row.get('rag'))} is not a RAG rating (use Red, Amber or Green)")
        else:
            row.response["rag"] = rag
    for name, limit in (
        ("lead_role", MAX_SHORT_TEXT),
        ("summary", MAX_TEXT),
        ("blocked_reason", MAX_TEXT),
        ("not_applicable_reason", MAX_TEXT),
    ):
        label = _RESPONSE_VALUE_LABELS[name]
        value = row.text(name, label[0].upper() + label[1:], limit)
        if value:
            row.response[name] = value
    _parse_action(row)
    _parse_updates(row)


def _parse_action(row: _Row) -> None:
    if not row.get("action"):
        given = [FIELDS[n].lower() for n in ("owner", "target_date", "action_status") if row.get(n)]
        if given:
            row.error(
                f"{' and '.join(given).capitalize()} given but the row has no action "
                "(if the owner leads the whole recommendation, import that column as the lead role)"
            )
        return
    action: dict[str, Any] = {"description": row.text("action", "The action")}
    action["owner_role"] = row.text("owner", "The action owner", MAX_SHORT_TEXT)
    action["target_date"] = row.date("target_date", "target date")
    action["status"] = None
    if row.get("action_status"):
        status = _word(row.get("action_status"), _STATUS_WORDS, ActionStatus)
        if status is None or status is ResponseStatus.NOT_APPLICABLE:
            row.error(
                f"{_short(row.get('action_status'))} is not an action status we know "
                "(use Not started, In progress, Blocked or Complete)"
            )
        else:
            action["status"] = ActionStatus(status.value)
    if action["description"]:
        row.action = action


def _parse_updates(row: _Row) -> None:
    plan = row.plan
    visibility = plan.visibility
    if row.get("update_visibility"):
        found = _word(row.get("update_visibility"), _VISIBILITY_WORDS, Visibility)
        if found is None:
            row.error(f"{_short(row.get('update_visibility'))} is not a visibility (use Public or Internal)")
        else:
            visibility = Visibility.INTERNAL if found is Visibility.INSPECTORATE else found
    items: list[tuple[str, dt.date | None]] = []
    text = row.get("update_text")
    if text:
        column = plan.mapping.column_for("update_text")
        if row.get("update_date"):
            items.append((text, row.date("update_date", "update date")))
        elif column in plan.dates:
            items.append((text, plan.dates[column]))  # type: ignore[index]
        elif plan.mapping.column_for("update_date") is not None:
            row.error("the update has no date: add one in the date column, or give a date for the update column")
    for column, value in row.rounds.items():
        if value and column in plan.dates:
            items.append((value, plan.dates[column]))
    today = dt.date.today()
    for value, on in items:
        if on is None:
            continue
        if len(value) > MAX_TEXT:
            row.error(f"An update must be {MAX_TEXT:,} characters or fewer")
        elif on > today:
            row.error(f"the update date {uk_date(on)} is in the future")
        else:
            row.updates.append((value, on, visibility))


def _resolve(row: _Row, known: _Plan, rec_raw: str, sub_raw: str, carried: bool = False) -> _Obligation | None:
    """The obligation a row is about; the sub-recommendation number, if any, wins ("7" and "7.1" -> 7.1).

    ``carried``: the recommendation number came from a row above (merged cells), so a full sub-recommendation
    number on this row ("7.2") stands on its own, while a bare one ("2") still needs it.
    """
    sub_number = None
    if sub_raw:
        sub_number = recommendation_number(sub_raw)
        if sub_number is None:
            row.error(
                f"{_short(sub_raw)} does not start with a sub-recommendation number "
                "(if that column holds wording, choose not to import it)"
            )
            return None
        if carried and "." in sub_number:
            rec_raw = ""
    rec_number = recommendation_number(rec_raw) if rec_raw else None
    if rec_raw and rec_number is None:
        row.error(f"{_short(rec_raw)} is not a recommendation number")
        return None
    number = rec_number
    if sub_number:
        number = f"{rec_number}.{sub_number}" if "." not in sub_number and rec_number else sub_number
    assert number is not None
    if number not in known.known_numbers and number.endswith(".0"):
        number = number[:-2]  # 7.0: a number a spreadsheet program turned into a decimal
    if number not in known.known_numbers:
        row.error(f"there is no recommendation {number}")
        return None
    entries = known.by_number.get(number, [])
    if not entries:
        row.error(f"recommendation {number} is not one your organisation must answer")
        return None
    if len(entries) > 1:
        titles = " and ".join(f"'{known.set_titles[e.recommendation.set_id]}'" for e in entries)
        row.error(
            f"recommendation {number} is in more than one recommendation set ({titles}): "
            "choose the set this file is about on the import form"
        )
        return None
    entry = entries[0]
    if sub_number and rec_number and "." in sub_number:
        parent = known.number_of.get(entry.recommendation.parent_id) if entry.recommendation.parent_id else None
        if parent is None or _canonical(parent) != rec_number:
            row.error(f"sub-recommendation {number} is not part of recommendation {rec_number}")
            return None
    return entry


def _want(row: _Row, wanted: dict[str, tuple[Any, int]], name: str, value: Any, what: str) -> None:
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
    return _short(str(value))


def _plan_row(
    row: _Row,
    entry: _Obligation,
    known: _Plan,
    wanted_responses: dict[int, dict[str, tuple[Any, int]]],
    wanted_actions: dict[tuple[int, str], dict[str, Any]],
    planned_updates: set[tuple[int, str]],
) -> None:
    response_id: int = entry.response.id  # type: ignore[assignment]
    number = entry.recommendation.number
    mine = wanted_responses[response_id]
    for name, value in row.response.items():
        _want(row, mine, name, value, f"the {_RESPONSE_VALUE_LABELS[name]} of recommendation {number}")
    if row.action is not None:
        description = row.action["description"]
        item = wanted_actions.setdefault(
            (response_id, _action_key(description)),
            {"row": row.number, "entry": entry, "description": description, "values": {}},
        )
        for name in ("owner_role", "target_date", "status"):
            if row.action[name] is not None:
                what = f"the {_ACTION_VALUE_LABELS[name]} of the action {_short(description)}"
                _want(row, item["values"], name, row.action[name], what)
    for text, on, visibility in row.updates:
        dates = row.plan.response_dates
        dates[response_id] = max(on, dates.get(response_id, on))  # how recent the file's rows on it are
        key = (response_id, _update_key(text))  # the same text is the same update, whatever its date
        if key in known.updates or key in planned_updates:
            continue
        planned_updates.add(key)
        row.plan.changes.append(
            PlannedChange(
                kind="new_update",
                row=row.number,
                number=number,
                response_id=response_id,
                summary=f"Update dated {uk_date(on)}: {_short(text, 120)}",
                values={"update_on": on, "text": text, "visibility": visibility},
            )
        )


def _finish_actions(plan: ImportPlan, known: _Plan, wanted: dict[tuple[int, str], dict[str, Any]]) -> None:
    for key, item in wanted.items():
        entry: _Obligation = item["entry"]
        values = {name: value for name, (value, _row) in item["values"].items()}
        existing = known.actions.get(key)
        number = entry.recommendation.number
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
                    summary=f"{_short(item['description'], 120)} ({', '.join(d for d in details if d)})",
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
        wanted = {name: (value, item["row"]) for name, value in diff.items()}
        of = f" of the action {_short(existing.description)}"
        for name in _conflicts(plan, known, "action", existing.id, key[0], number, wanted, current, of):
            del diff[name]
        if not diff:
            continue
        words = [
            f"{_ACTION_VALUE_LABELS[n]} {_shown(getattr(existing, n)) if getattr(existing, n) else 'none'} → "
            f"{_shown(v)}"
            for n, v in diff.items()
        ]
        plan.changes.append(
            PlannedChange(
                kind="change_action",
                row=item["row"],
                number=number,
                response_id=key[0],
                summary=f"{_short(existing.description, 80)}: {'; '.join(words)}",
                values=diff,
                action_id=existing.id,
                version=existing.version,
            )
        )


def _finish_responses(plan: ImportPlan, known: _Plan, wanted: dict[int, dict[str, tuple[Any, int]]]) -> None:
    new_status: dict[int, ResponseStatus] = {}
    parents: list[tuple[_Obligation, dict[str, tuple[Any, int]]]] = []
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
        for name in ("status", "blocked_reason", "not_applicable_reason"):
            if name not in values:
                continue
            value, row = values.pop(name)
            current = expected if name == "status" else getattr(entry.response, name)
            if value != current:
                shown = f" (it would be {expected.label})" if name == "status" else ""
                plan.error(
                    row,
                    f"the status of recommendation {entry.recommendation.number} follows from its "
                    f"sub-recommendations{shown}: give the status on their rows",
                )
        _response_change(plan, known, entry, values)


def _conflicts(
    plan: ImportPlan,
    known: _Plan,
    entity: str,
    entity_id: int | None,
    response_id: int,
    number: str,
    wanted: dict[str, tuple[Any, int]],
    current: dict[str, Any],
    of: str = "",
) -> set[str]:
    """List as conflicts the fields the file would change that the tracker changed later (``_Plan.changed_after``);
    return those to keep as they are (all but the ones the person chose to take from the file)."""
    kept: set[str] = set()
    labels = _RESPONSE_VALUE_LABELS if entity == "response" else _ACTION_VALUE_LABELS
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


def _response_change(
    plan: ImportPlan, known: _Plan, entry: _Obligation, values: dict[str, tuple[Any, int]]
) -> PlannedChange | None:
    """The change to one response, checked as update_response checks it; newer tracker values kept unless the
    person chose the file's."""
    response = entry.response
    before = fields_of(response, RESPONSE_FIELDS)
    wanted = {n: (v.value if isinstance(v, ResponseStatus | Rag) else v, row) for n, (v, row) in values.items()}
    kept = _conflicts(plan, known, "response", response.id, response.id, entry.recommendation.number, wanted, before)
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
        elif status_changes and not after[reason]:
            plan.error(status_row, f"a {needs.label} status needs {label} (a '{column}' column)")
            return None
    diff = changed(before, after)
    if not diff:
        return None
    words = []
    for name in diff:
        label = _RESPONSE_VALUE_LABELS[name]
        old, new = before[name], after[name]
        if name == "status":
            old, new = ResponseStatus(old).label, ResponseStatus(new).label
        elif name == "rag":
            old, new = (Rag(old).label if old else "none"), (Rag(new).label if new else "none")
        else:
            old, new = (_short(old) if old else "none"), (_short(new) if new else "none")
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


# --- applying --------------------------------------------------------------------------------------------


def apply_import(session: Session, organisation_id: int, plan: ImportPlan, user: User) -> ImportResult:
    """Write a dry run without errors, all or nothing: one transaction, committed once at the end.

    The organisation's responses are locked first (PostgreSQL; SQLite's write transaction already excludes
    other writers) and each change is checked against what is stored now: something added meanwhile is not
    added twice, and a record someone else changed since the dry run stops the import (``ImportConflict``).
    """
    if plan.organisation_id != organisation_id:
        raise SpreadsheetError("This import was checked for another organisation")
    if not plan.ok:
        raise SpreadsheetError("The spreadsheet has problems, so nothing was imported")
    result = ImportResult()
    if not plan.changes:
        return result
    actor = actor_for(user)
    try:
        responses = {
            r.id: r
            for r in session.exec(
                select(Response)
                .where(Response.organisation_id == organisation_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        touched: set[int] = set()
        rolled_parents: set[int] = set()
        for change in plan.changes:
            if change.kind == "change_response":
                if _apply_response_change(session, responses, change, actor, organisation_id):
                    result.responses_changed += 1
                    touched.add(change.response_id)
                    if "status" in change.values and change.parent_recommendation_id is not None:
                        rolled_parents.add(change.parent_recommendation_id)
            elif change.kind == "change_action" and _apply_action_change(session, change, actor, organisation_id):
                result.actions_changed += 1
                touched.add(change.response_id)
        created = _add_new_records(session, plan, user, result)
        session.flush()
        for kind, record_, change in created:
            _record_creation(session, kind, record_, change, actor, organisation_id)
            touched.add(change.response_id)
        result.statuses_rolled_up = _roll_up(session, organisation_id, responses, rolled_parents, actor)
        now = utc_now()
        for response_id in touched:
            responses[response_id].updated_at = now
        if result.total:
            record(
                session,
                actor=actor,
                action="import",
                entity_type="plan_import",
                entity_id=None,
                organisation_id=organisation_id,
                summary=f"Spreadsheet imported: {result.summary()}",
                after={
                    "actions_added": result.actions_added,
                    "actions_changed": result.actions_changed,
                    "responses_changed": result.responses_changed,
                    "updates_added": result.updates_added,
                    "statuses_rolled_up": result.statuses_rolled_up,
                    # for the next import of this file: its previous import (conflicts) and its columns' dates
                    "file_name": plan.file_name,
                    "column_dates": {column: on.isoformat() for column, on in plan.dates.items()},
                },
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _conflict(number: str) -> ImportConflict:
    return ImportConflict(
        f"Someone changed recommendation {number} since the file was checked, so nothing was imported. "
        "Check the file again."
    )


def _apply_response_change(
    session: Session, responses: dict[int, Response], change: PlannedChange, actor: Any, organisation_id: int
) -> bool:
    response = responses.get(change.response_id)
    if response is None:
        raise _conflict(change.number)
    current = fields_of(response, RESPONSE_FIELDS)
    if all(current[n] == v for n, v in change.values.items()):
        return False
    if any(current[n] != change.before[n] for n in change.values):
        raise _conflict(change.number)
    for name, value in change.values.items():
        if name == "status":
            value = ResponseStatus(value)
        elif name == "rag":
            value = Rag(value) if value else None
        setattr(response, name, value)
    now = utc_now()
    if "status" in change.values:
        response.completed_at = now if response.status is ResponseStatus.COMPLETE else None
    response.version += 1
    response.updated_at = now
    record(
        session,
        actor=actor,
        action="update",
        entity_type="response",
        entity_id=response.id,
        organisation_id=organisation_id,
        response_id=response.id,
        summary=f"Response to recommendation {change.number} changed by a spreadsheet import: "
        f"{', '.join(change.values)}",
        before=dict(change.before),
        after=fields_of(response, tuple(change.values)),
    )
    return True


def _apply_action_change(session: Session, change: PlannedChange, actor: Any, organisation_id: int) -> bool:
    action = session.get(Action, change.action_id, with_for_update=True, populate_existing=True)
    if action is None or action.response_id != change.response_id:
        raise _conflict(change.number)
    if all(getattr(action, n) == v for n, v in change.values.items()):
        return False
    if action.version != change.version:
        raise _conflict(change.number)
    before = fields_of(action, ACTION_FIELDS)
    for name, value in change.values.items():
        setattr(action, name, value)
    if action.status is ActionStatus.COMPLETE and action.completed_on is None:
        action.completed_on = dt.date.today()
    elif action.status is not ActionStatus.COMPLETE:
        action.completed_on = None
    after = fields_of(action, ACTION_FIELDS)
    diff = changed(before, after)
    action.version += 1
    action.updated_at = utc_now()
    record(
        session,
        actor=actor,
        action="update",
        entity_type="action",
        entity_id=action.id,
        organisation_id=organisation_id,
        response_id=action.response_id,
        summary=f"Action changed on recommendation {change.number} by a spreadsheet import: {', '.join(diff)}",
        before={k: before[k] for k in diff},
        after={k: after[k] for k in diff},
    )
    return True


def _add_new_records(
    session: Session, plan: ImportPlan, user: User, result: ImportResult
) -> list[tuple[str, Any, PlannedChange]]:
    """Add the new actions and updates (flushed together), skipping any that now exist."""
    new = [c for c in plan.changes if c.kind in ("new_action", "new_update")]
    ids = sorted({c.response_id for c in new})
    if not ids:
        return []
    actions: dict[int, list[Action]] = defaultdict(list)
    for action in session.exec(
        select(Action).where(col(Action.response_id).in_(ids)).execution_options(populate_existing=True)
    ):
        actions[action.response_id].append(action)
    existing_updates = {
        (u.response_id, _update_key(u.text))
        for u in session.exec(select(ProgressUpdate).where(col(ProgressUpdate.response_id).in_(ids)))
    }
    created: list[tuple[str, Any, PlannedChange]] = []
    today = dt.date.today()
    for change in new:
        if change.kind == "new_action":
            mine = actions[change.response_id]
            key = _action_key(change.values["description"])
            if any(_action_key(a.description) == key for a in mine):
                result.already_there += 1
                continue
            position = max((a.position for a in mine), default=-1) + 1
            action = Action(response_id=change.response_id, position=position, **change.values)
            if action.status is ActionStatus.COMPLETE:
                action.completed_on = today
            session.add(action)
            mine.append(action)
            created.append(("action", action, change))
            result.actions_added += 1
        else:
            key_u = (change.response_id, _update_key(change.values["text"]))
            if key_u in existing_updates:
                result.already_there += 1
                continue
            existing_updates.add(key_u)
            update = ProgressUpdate(response_id=change.response_id, author_id=user.id, **change.values)
            session.add(update)
            created.append(("update", update, change))
            result.updates_added += 1
    return created


def _record_creation(
    session: Session, kind: str, record_: Any, change: PlannedChange, actor: Any, organisation_id: int
) -> None:
    if kind == "action":
        record(
            session,
            actor=actor,
            action="create",
            entity_type="action",
            entity_id=record_.id,
            organisation_id=organisation_id,
            response_id=change.response_id,
            summary=f"Action added to recommendation {change.number} by a spreadsheet import: "
            f"{record_.description[:200]}",
            after=fields_of(record_, ACTION_FIELDS),
        )
    else:
        record(
            session,
            actor=actor,
            action="create",
            entity_type="progress_update",
            entity_id=record_.id,
            organisation_id=organisation_id,
            response_id=change.response_id,
            summary=f"Progress update added to recommendation {change.number} by a spreadsheet import",
            after=fields_of(record_, UPDATE_FIELDS),
        )


def _roll_up(
    session: Session, organisation_id: int, responses: dict[int, Response], parent_ids: set[int], actor: Any
) -> int:
    """Bring each parent's status in line with its sub-recommendations' (as the response page does)."""
    if not parent_ids:
        return 0
    rows = list(
        session.exec(
            select(Response.id, Recommendation.id, Recommendation.parent_id, Recommendation.number)
            .join(Recommendation, Recommendation.id == Response.recommendation_id)
            .where(
                Response.organisation_id == organisation_id,
                col(Recommendation.parent_id).in_(parent_ids) | col(Recommendation.id).in_(parent_ids),
            )
        )
    )
    count = 0
    for parent_id in sorted(parent_ids):
        parent_row = next((r for r in rows if r[1] == parent_id), None)
        if parent_row is None:
            continue
        parent = responses[parent_row[0]]
        children = [responses[r[0]] for r in rows if r[2] == parent_id and responses[r[0]].required]
        status = rolled_up_status([c.status for c in children])
        if parent.status is status:
            continue
        before = parent.status.value
        now = utc_now()
        parent.status, parent.version, parent.updated_at = status, parent.version + 1, now
        parent.completed_at = now if status is ResponseStatus.COMPLETE else None
        record(
            session,
            actor=actor,
            action="update",
            entity_type="response",
            entity_id=parent.id,
            organisation_id=organisation_id,
            response_id=parent.id,
            summary=f"Status of recommendation {parent_row[3]} rolled up from its sub-recommendations",
            before={"status": before},
            after={"status": status.value},
        )
        count += 1
    return count


# --- exporting -------------------------------------------------------------------------------------------


def export_rows(
    session: Session, organisation_id: int, *, visibilities: Collection[Visibility] | None = None
) -> list[dict[str, Any]]:
    """The organisation's plan as rows with EXPORT_COLUMNS: per recommendation it must answer, one row per
    action and one per update (or one row if it has neither), each repeating the response's own values.

    Dates are ``datetime.date`` values, everything else text ("" when empty). ``visibilities`` limits the
    updates to those visible to the reader (pass ``visible_levels(user, organisation_id)``); None
    means every update, as the organisation itself sees them.
    """
    obligations = obligations_for(session, organisation_id)
    ids = [response.id for response, _, _ in obligations]
    actions: dict[int, list[Action]] = defaultdict(list)
    updates: dict[int, list[ProgressUpdate]] = defaultdict(list)
    if ids:
        for action in session.exec(
            select(Action).where(col(Action.response_id).in_(ids)).order_by(Action.position, Action.id)
        ):
            actions[action.response_id].append(action)
        query = select(ProgressUpdate).where(col(ProgressUpdate.response_id).in_(ids))
        if visibilities is not None:
            query = query.where(col(ProgressUpdate.visibility).in_([v.value for v in visibilities]))
        for update in session.exec(query.order_by(ProgressUpdate.update_on, ProgressUpdate.id)):
            updates[update.response_id].append(update)
    parent_ids = {rec.parent_id for _, rec, _ in obligations if rec.parent_id is not None}
    parent_numbers: dict[int, str] = {}
    if parent_ids:
        query_parents = select(Recommendation.id, Recommendation.number).where(
            col(Recommendation.id).in_(sorted(parent_ids))
        )
        parent_numbers = {rec_id: number for rec_id, number in session.exec(query_parents).all()}  # type: ignore[misc]
    rows: list[dict[str, Any]] = []
    for response, rec, _set in obligations:
        base = dict.fromkeys(EXPORT_COLUMNS, "")
        base.update(
            {
                "Recommendation": parent_numbers.get(rec.parent_id, rec.number) if rec.parent_id else rec.number,
                "Sub-recommendation": rec.number if rec.parent_id else "",
                "Recommendation text": rec.text or "",
                "Status": response.status.label,
                "RAG": response.rag.label if response.rag else "",
                "Lead role": response.lead_role or "",
                "Summary": response.summary or "",
                "Waiting for": response.blocked_reason or "",
                "Why not applicable": response.not_applicable_reason or "",
            }
        )
        mine = actions.get(response.id, [])  # type: ignore[arg-type]
        notes = updates.get(response.id, [])  # type: ignore[arg-type]
        if not mine and not notes:
            rows.append(base)
        for action in mine:
            rows.append(
                base
                | {
                    "Action": action.description,
                    "Action owner": action.owner_role or "",
                    "Target date": action.target_date or "",
                    "Action status": action.status.label,
                }
            )
        for update in notes:
            rows.append(
                base
                | {
                    "Update date": update.update_on,
                    "Update text": update.text,
                    "Update visibility": update.visibility.label,
                }
            )
    return rows


def export_csv(session: Session, organisation_id: int, *, visibilities: Collection[Visibility] | None = None) -> bytes:
    """The plan as CSV (UTF-8 with a byte-order mark, so Excel reads it right); dates as 27/03/2025."""
    return csv_bytes(
        EXPORT_COLUMNS,
        (
            [_csv_value(row[c]) for c in EXPORT_COLUMNS]
            for row in export_rows(session, organisation_id, visibilities=visibilities)
        ),
    )


def _csv_value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def export_xlsx(session: Session, organisation_id: int, *, visibilities: Collection[Visibility] | None = None) -> bytes:
    """The plan as an Excel workbook: one sheet, dates as dates, every text cell stored as text (never a
    formula, even when it starts with =)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Action plan"
    bold = Font(bold=True)
    for c, name in enumerate(EXPORT_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=c, value=name)
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(export_rows(session, organisation_id, visibilities=visibilities), start=2):
        for c, name in enumerate(EXPORT_COLUMNS, start=1):
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
    widths = {"Recommendation text": 60, "Summary": 50, "Action": 60, "Update text": 80}
    for c, name in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = widths.get(name, 16 if name not in _DATE_COLUMNS else 12)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
