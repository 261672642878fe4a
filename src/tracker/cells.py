"""The one neutraliser of spreadsheet cells: every CSV and XLSX the tracker writes goes through it.

A cell's text keeps only characters every format allows (``tracker.inputs.clean_text``: Word's line and page
breaks become newlines, other control characters go; openpyxl refuses them with ``IllegalCharacterError``), and
text a spreadsheet program would run as a formula (starting =, +, -, @, tab or CR) gets a leading apostrophe, as
does text that already starts with an apostrophe before one of those (so ``unneutralise``, which the plan
importer uses, gives back exactly the text typed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from tracker.inputs import clean_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def storable_text(text: str) -> str:
    """``text`` with only the characters CSV and XLSX cells can hold."""
    return clean_text(text)


def needs_guard(text: str) -> bool:
    """Would a spreadsheet program run ``text`` as a formula (or would ``unneutralise`` wrongly shorten it)?"""
    return bool(text) and (
        text[0] in FORMULA_STARTS or (text[0] == "'" and len(text) > 1 and text[1] in (*FORMULA_STARTS, "'"))
    )


def neutralise(value: Any) -> Any:
    """A cell value no spreadsheet program runs as a formula and every format can hold; non-text stays as it is."""
    if not isinstance(value, str):
        return value
    text = storable_text(value)
    return "'" + text if needs_guard(text) else text


def unneutralise(text: str) -> str:
    """Undo ``neutralise``'s apostrophe (for importing an exported file)."""
    if len(text) > 1 and text[0] == "'" and text[1] in (*FORMULA_STARTS, "'"):
        return text[1:]
    return text


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file (UTF-8 with a byte-order mark, so Excel reads it right), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return out.getvalue().encode("utf-8-sig")
