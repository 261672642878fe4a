"""What every step of a spreadsheet import shares: its errors, cell text, the frame's attributes and the keys
that say when two numbers, actions or updates are the same.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from typing import Any

from dateutil import parser as date_parser
from sqlmodel import Session

from tracker.inputs import clean_imported
from tracker.organisations.models import Organisation
from tracker.timeutil import LONDON, UTC, YEARS
from tracker.web.i18n import gettext

ROW_NUMBERS = "tracker_row_numbers"  # frame.attrs flag: the index holds the spreadsheet's own row numbers
FILE_DATE = "tracker_file_date"  # frame.attrs: the date the file says it was saved or exported (or None)
# frame.attrs: {row number: {column name: "C4"}} for the cells that hold a formula the file saved no value of
FORMULA_CELLS = "tracker_formula_cells"

ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?=$|[ T]\d)")  # how cell_text writes a date, with or without a time


class SpreadsheetError(ValueError):
    """A file that cannot be read, or an import that cannot go ahead; the message says why, in plain words."""


class ImportConflict(SpreadsheetError):
    """The plan changed between the dry run and the import; nothing was written."""


def cell_text(value: Any) -> str:
    """A cell as text: dates as ISO dates (never re-read day-first), with their time to the second if they have
    one (an "Exported at" that Excel turned into a date keeps it), whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    # pandas' NA and NaT come only from a frame, so only once pandas is loaded (by reading a file): the rest of
    # the app never imports it (tests/unit/test_start_up.py).
    pd = sys.modules.get("pandas")
    if isinstance(value, dt.datetime):
        if pd is not None and pd.isna(value):
            return ""
        has_time = value.time().replace(microsecond=0) != dt.time()
        return value.isoformat(sep=" ", timespec="seconds") if has_time else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return ""
    return clean_imported(str(value)).strip()  # imports drop control characters (tracker.inputs says why)


def exported_at_text(when: dt.datetime) -> str:
    """When a file was exported, as its "Exported at" cells say it: UK time, to the second (27/03/2026 14:05:09)."""
    return when.astimezone(LONDON).strftime("%d/%m/%Y %H:%M:%S")


def read_exported_at(text: str) -> dt.datetime | None:
    """An "Exported at" cell read back as a UTC time (UK time unless it names its zone); None if it is not a date
    and time. A spreadsheet program that saved it again without its seconds gives an earlier time, which can
    only show more conflicts, never hide one."""
    try:
        if not text.isascii():
            return None
        if ISO_DATE.match(text):  # year first (a date-and-time cell): dateutil's dayfirst would swap day and month
            parsed = dt.datetime.fromisoformat(text)
        else:
            parsed = date_parser.parse(text, dayfirst=True, default=dt.datetime(2000, 1, 1))
            # a day, a month and a year must all be written: dateutil fills in missing ones
            if date_parser.parse(text, dayfirst=True, default=dt.datetime(2004, 2, 2)) != parsed:
                return None
    except (ValueError, OverflowError):
        return None
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)).astimezone(UTC)


def plain_words(text: str) -> str:
    """Lower-case letters and digits only, single-spaced: how cells are compared with known words."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


def canonical(number: str) -> str:
    """7.01 -> 7.1, 07 -> 7 (numbers written the way the loader stores them)."""
    parts = str(number).strip().split(".")
    if all(p.isascii() and p.isdigit() for p in parts):
        # leading zeros dropped as text: int() refuses over 4,300 digits, and no number that long is a real one
        return ".".join(p.lstrip("0") or "0" for p in parts)
    return str(number).strip()


def action_key(description: str) -> str:
    """Two actions of a response are the same if their descriptions match ignoring case and spacing."""
    return " ".join(description.split()).casefold()


def update_key(text: str) -> str:
    """Two updates of a response are the same if their texts match ignoring spacing, whatever their dates."""
    return " ".join(text.split())


def short(text: str, limit: int = 40) -> str:
    """A cell quoted in a message, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"


def listed(items: list[str]) -> str:
    """Items as a sentence lists them, in the language of the page ("a, b and c")."""
    if len(items) == 1:
        return items[0]
    return gettext("%(some)s and %(last)s", some=", ".join(items[:-1]), last=items[-1])


def writes_welsh(session: Session, organisation_id: int) -> bool:
    """Whether the organisation writes its public texts in English and Welsh (its export and import have Welsh
    columns)."""
    organisation = session.get(Organisation, organisation_id)
    return bool(organisation and organisation.bilingual)
