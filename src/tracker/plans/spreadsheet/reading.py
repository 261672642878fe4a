"""Step 1 of an import: ``read_table`` turns an uploaded CSV or XLSX file into a table of strings, its index the
row numbers the person sees, within the limits of ``tracker.filelimits``.

Each refusal is a ``SpreadsheetError`` whose message is a sentence of the interface catalogue, translated as it is
raised into the language of the request (English for the command line).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from pathlib import PurePath
from typing import TYPE_CHECKING

from tracker.cells import unneutralise
from tracker.filelimits import (
    CELL_OVER,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SCANNED_ROWS,
    FileTooLarge,
    check_csv_row,
    check_xlsx,
)
from tracker.inputs import clean_imported
from tracker.plans.spreadsheet.common import FILE_DATE, FORMULA_CELLS, ROW_NUMBERS, SpreadsheetError, cell_text
from tracker.plans.spreadsheet.mapping import IGNORE, ROUND, guess_field
from tracker.web.i18n import gettext

if TYPE_CHECKING:
    import pandas as pd

HEADER_SEARCH_ROWS = 10  # a title or notes may sit above the header row

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """A CSV or XLSX file (first sheet) as a table of stripped strings ("" for an empty cell).

    The header row is the first row, or, when a title sits above it, the row among the first ten whose cells
    look most like column names. The index is each row's number in the spreadsheet (header = row 1 when it is
    the first row); empty rows are left out.
    """
    if not data:
        raise SpreadsheetError(gettext("The file is empty"))
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(
            gettext("The file must be smaller than %(size)s MB", size=MAX_FILE_BYTES // (1024 * 1024))
        )
    kind = _file_kind(data, filename)
    saved: list[dt.date] = []
    formulas: dict[int, dict[int, str]] = {}
    try:
        # Limits first (tracker.filelimits): a small upload must not become a huge table in memory.
        rows = _xlsx_rows(data, saved, formulas) if kind == "xlsx" else _csv_rows(data)
    except FileTooLarge as exc:
        raise SpreadsheetError(str(exc)) from None
    frame = _frame(rows)
    names = list(frame.columns)
    frame.attrs[FORMULA_CELLS] = {
        number: {names[i]: where for i, where in cells.items() if i < len(names)} for number, cells in formulas.items()
    }
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
        raise SpreadsheetError(
            gettext("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV and upload that")
        )
    if suffix in (".xlsx", ".xlsm") or is_zip:
        if not is_zip:
            raise SpreadsheetError(gettext("The file is not a valid Excel (.xlsx) file"))
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise SpreadsheetError(gettext("The file must be a CSV or Excel (.xlsx) file"))


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what Excel on Windows saves as "CSV" without UTF-8
        except UnicodeDecodeError:
            raise SpreadsheetError(gettext("The text of the file could not be read: save it as CSV UTF-8")) from None
    if "\x00" in text:
        raise SpreadsheetError(gettext("The file is not a CSV file (it holds binary data)"))
    delimiter = _delimiter(text)
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        # One record is one spreadsheet row, even when a quoted cell holds line breaks; a blank line is a row.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            check_csv_row(number, cells)
            if not any(c.strip() for c in cells):
                continue
            cleaned = [clean_imported(unneutralise(c)).strip() for c in cells]
            rows.append((number, cleaned))
            _check_size(len(rows), cleaned)
    except csv.Error as exc:
        if "field limit" in str(exc):  # the csv module's own cap (131,072) on one cell, before check_csv_row sees it
            raise FileTooLarge(CELL_OVER, MAX_CELL_CHARS, MAX_CELL_CHARS) from None
        # The csv module's own words (English, about its quoting rules) are left out: the row is what helps.
        raise SpreadsheetError(
            gettext(
                "The CSV file could not be read at row %(row)s: save it as CSV UTF-8 again and upload that",
                row=number + 1,
            )
        ) from None
    return rows


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab some spreadsheet programs use, whichever the first lines hold most."""
    sample = "\n".join([line for line in text.splitlines() if line.strip()][:5])
    counts = {d: sample.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _xlsx_rows(data: bytes, saved: list[dt.date], formulas: dict[int, dict[int, str]]) -> list[tuple[int, list[str]]]:
    """The first sheet's rows, a formula read by the value the file saved with it; ``saved`` receives the date
    the workbook was last saved, if it says, and ``formulas`` the cells whose formula has no saved value
    ({row number: {column index: "C4"}}): a file written by a program, not Excel, may save none, and such a
    cell must not pass for an empty one."""
    check_xlsx(data)  # sizes and counts from the zip directory and a streaming pass, before openpyxl builds anything
    # openpyxl and pandas are imported only when a file is read: most requests and commands never need them.
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # the formulas, read only from a file that has any (a second pass costs a third more time)
        written = openpyxl.load_workbook(io.BytesIO(data), read_only=True) if _has_formulas(data) else None
    except Exception:  # any malformed upload: zip, XML, missing parts
        raise SpreadsheetError(_excel_unreadable()) from None
    rows: list[tuple[int, list[str]]] = []
    try:
        if not workbook.worksheets:
            raise SpreadsheetError(gettext("The Excel file has no sheets"))
        sheet = workbook.worksheets[0]
        modified = workbook.properties.modified
        if isinstance(modified, dt.datetime):
            saved.append(modified.date())
        both = zip(
            sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True),
            written.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1) if written else itertools.repeat(()),
            strict=False,
        )
        for number, (values, as_written) in enumerate(both, start=1):
            if number > MAX_SCANNED_ROWS:
                raise SpreadsheetError(
                    gettext("The sheet has too many rows: the limit is %(limit)s", limit=f"{MAX_ROWS:,}")
                )
            cells = [cell_text(v) for v in values]
            unsaved = {
                i: f"{get_column_letter(i + 1)}{number}"
                for i, cell in enumerate(as_written)
                if getattr(cell, "data_type", None) == "f" and i < len(cells) and not cells[i]
            }
            if unsaved:
                formulas[number] = unsaved
            if any(cells) or unsaved:
                rows.append((number, cells))
                _check_size(len(rows), cells)
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(_excel_unreadable()) from None
    finally:
        workbook.close()
        if written:
            written.close()
    return rows


def _excel_unreadable() -> str:
    return gettext("The Excel file could not be read: check that it opens in Excel and is .xlsx")


_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the (already size-checked) file holds a formula element, read in chunks so
    that a 20 MB sheet costs no more memory than reading it does."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(name) as member:
                tail = b""
                while chunk := member.read(1024 * 1024):
                    if _FORMULA_ELEMENT.search(tail + chunk):
                        return True
                    tail = chunk[-16:]  # an element split between two chunks
    return False


def _check_size(count: int, cells: list[str]) -> None:
    if count > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise SpreadsheetError(gettext("The file has too many rows: the limit is %(limit)s", limit=f"{MAX_ROWS:,}"))
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise SpreadsheetError(gettext("The file has too many columns: the limit is %(limit)s", limit=MAX_COLUMNS))


def _frame(rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    if not rows:
        raise SpreadsheetError(gettext("The file has no rows"))
    header_at = _header_position(rows)
    header_number, header = rows[header_at]
    data = rows[header_at + 1 :]
    if not data:
        raise SpreadsheetError(
            gettext("The file has a header row (row %(row)s) but no rows under it", row=header_number)
        )
    width = max([len(header), *(len(cells) for _, cells in data)])
    names = _column_names(header, width)
    table = [cells + [""] * (width - len(cells)) for _, cells in data]
    import pandas as pd  # here, not at the top: see _xlsx_rows

    frame = pd.DataFrame(table, columns=names, index=[number for number, _ in data], dtype=object)
    keep = [name for i, name in enumerate(names) if (i < len(header) and header[i]) or (frame[name] != "").any()]
    frame = frame[keep]
    frame.attrs[ROW_NUMBERS] = True
    frame.attrs["header_row"] = header_number
    return frame


def _header_position(rows: list[tuple[int, list[str]]]) -> int:
    best, best_score = 0, 0
    for position, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = sum(1 for c in cells if c and guess_field(c) not in (IGNORE, ROUND))  # data rows hold dates too
        if score > best_score:
            best, best_score = position, score
    return best


def _column_names(header: list[str], width: int) -> list[str]:
    from openpyxl.utils import get_column_letter  # here, not at the top: see _xlsx_rows

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
