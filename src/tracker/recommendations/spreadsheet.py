"""Read a recommendation set from a spreadsheet (CSV or XLSX) into the same structure as the YAML data file.

One row per recommendation and one per sub-recommendation. Columns (headings in any order, any case):
``number``, ``sub-number``, ``wording``, ``addressees``, ``deadline``, ``theme``; optionally ``provenance``,
``confirmed fields``, ``sources`` and ``provenance note``. The result is a ``ParsedFile`` whose problems name
the row and column, checked and loaded by the same loader as a YAML file (``tracker.loading``).

A spreadsheet says nothing about the set itself, so the set comes from the database (an existing set) or from
what the person gives with the upload (a new one). Without a provenance column a new row is "wording to be
confirmed"; an existing row keeps its provenance, except that a field confirmed before but changed by the
spreadsheet is no longer counted as confirmed (and a confirmed row becomes partly confirmed).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from sqlmodel import Session, select

from tracker.datafiles import LoadError, ParsedFile, Path_, Problem
from tracker.organisations.models import AddresseeGroup, Organisation
from tracker.plans.spreadsheet.common import SpreadsheetError, cell_text
from tracker.plans.spreadsheet.reading import read_table
from tracker.recommendations.export import set_document, set_header
from tracker.recommendations.models import RecommendationSet
from tracker.timeutil import DateParseError, parse_uk_date

COLUMNS = {
    "number": ("number", "no", "rec no", "rec number", "recommendation", "recommendation number"),
    "sub_number": ("sub number", "sub-number", "subnumber", "sub recommendation", "sub-recommendation", "sub rec"),
    "wording": ("wording", "text", "recommendation text", "summary"),
    "addressees": ("addressees", "addressee", "addressed to", "to"),
    "deadline": ("deadline", "due", "due date", "by"),
    "theme": ("theme",),
    "provenance": ("provenance", "provenance status", "confirmed"),
    "confirmed_fields": ("confirmed fields", "fields confirmed"),
    "sources": ("sources", "source"),
    "provenance_note": ("provenance note", "note"),
}
REQUIRED = ("number", "wording")
HEADINGS = {
    "number": "number",
    "sub_number": "sub-number",
    "wording": "wording",
    "addressees": "addressees",
    "deadline": "deadline",
    "theme": "theme",
    "provenance": "provenance",
    "confirmed_fields": "confirmed fields",
    "sources": "sources",
    "provenance_note": "provenance note",
}
PROVENANCE_WORDS = {
    "confirmed": "confirmed",
    "confirmed against the report": "confirmed",
    "partial": "partial",
    "partly confirmed": "partial",
    "to be confirmed": "to_be_confirmed",
    "to_be_confirmed": "to_be_confirmed",
    "wording to be confirmed": "to_be_confirmed",
    "wording to be confirmed against the report": "to_be_confirmed",
}


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().casefold())


def _split(cell: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,\n]", cell) if part.strip()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:80] or "theme"


def read_set_sheet(
    session: Session,
    content: bytes,
    filename: str,
    *,
    rec_set: RecommendationSet | None = None,
    new_set: dict[str, Any] | None = None,
) -> ParsedFile:
    """The spreadsheet as a set document (``set`` and ``recommendations``), rows and columns kept for problems."""
    try:
        frame = read_table(content, filename)
    except SpreadsheetError as exc:
        raise LoadError([Problem(filename, None, "", str(exc))]) from exc
    header_row = int(frame.attrs.get("header_row", 1))
    headings = {_norm(str(c)): str(c) for c in frame.columns}
    found: dict[str, str] = {}
    for key, names in COLUMNS.items():
        for name in names:
            if _norm(name) in headings:
                found[key] = headings[_norm(name)]
                break
    missing = [HEADINGS[k] for k in REQUIRED if k not in found]
    if missing:
        raise LoadError(
            [
                Problem(
                    filename, header_row, "", f"no column headed '{m}' (the columns are: {', '.join(COLUMNS)})", "row"
                )
                for m in missing
            ]
        )

    if rec_set is not None:
        header = set_header(rec_set)
        stored = {r["number"]: r for r in set_document(session, rec_set)["recommendations"]}
        for r in list(stored.values()):
            for sub in r["sub_recommendations"]:
                stored[sub["number"]] = {**sub, "parent": r}
    else:
        header = {k: v for k, v in (new_set or {}).items() if v not in (None, "", [])}
        stored = {}
    themes: list[dict[str, str]] = [dict(t) for t in header.get("themes", [])]
    addressee_names = _addressee_lookup(session)
    lines: dict[Path_, int] = {}
    columns: dict[Path_, str] = {}
    recommendations: list[dict[str, Any]] = []
    by_number: dict[str, dict[str, Any]] = {}
    pending_subs: list[tuple[int, str, dict[str, Any]]] = []
    problems: list[Problem] = []
    positions = {c: i for i, c in enumerate(frame.columns)}

    def cell(cells: tuple[Any, ...], key: str) -> str:
        return cell_text(cells[positions[found[key]]]).strip() if key in found else ""

    for row_number, cells in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        row = int(row_number)
        number, sub_number = cell(cells, "number"), cell(cells, "sub_number")
        if not any(cell_text(c).strip() for c in cells):
            continue
        if not number and not sub_number:
            problems.append(Problem(filename, row, HEADINGS["number"], "the number is missing", "row"))
            continue
        item: dict[str, Any] = {"text": cell(cells, "wording") or None}
        if "addressees" in found:
            item["addressees"] = [addressee_names.get(_norm(a), a) for a in _split(cell(cells, "addressees"))]
        if "deadline" in found:
            item["deadline"] = cell(cells, "deadline") or None
        if sub_number:
            full = sub_number if "." in sub_number or not number else f"{number}.{sub_number}"
            item = {"number": full, **item}
            pending_subs.append((row, number or full.rsplit(".", 1)[0], item))
            continue
        item = {"number": number, **item}
        theme = cell(cells, "theme")
        item["theme"] = _theme(theme, themes) if theme else None
        item["provenance"] = _provenance(cell, cells, found, stored.get(number), item)
        item["sub_recommendations"] = []
        if "addressees" not in item:
            item["addressees"] = []
        index = len(recommendations)
        path: Path_ = ("recommendations", index)
        if number in by_number:
            problems.append(
                Problem(filename, row, HEADINGS["number"], f"number {number!r} appears more than once", "row")
            )
            continue
        lines[path] = row
        for key, heading in (("text", "wording"), ("addressees", "addressees"), ("deadline", "deadline")):
            lines[(*path, key)] = row
            columns[(*path, key)] = found.get({"text": "wording"}.get(key, key), heading)
        for key in ("number", "theme", "provenance"):
            lines[(*path, key)] = row
            columns[(*path, key)] = found.get(key, HEADINGS.get(key, key))
        columns[path] = found["number"]
        recommendations.append(item)
        by_number[number] = item
    for row, parent_number, item in pending_subs:
        parent = by_number.get(parent_number)
        if parent is None:
            problems.append(
                Problem(
                    filename,
                    row,
                    HEADINGS["sub_number"],
                    f"recommendation {parent_number} has no row of its own "
                    "(add a row with its number and no sub-number)",
                    "row",
                )
            )
            continue
        if item.get("addressees") == [] or item.get("addressees") == parent["addressees"]:
            item.pop("addressees", None)
        if not item.get("deadline"):
            item.pop("deadline", None)
        index = recommendations.index(parent)
        j = len(parent["sub_recommendations"])
        path = ("recommendations", index, "sub_recommendations", j)
        lines[path] = row
        columns[path] = found.get("sub_number", "sub-number")
        for key, heading in (("number", "sub_number"), ("text", "wording"), ("addressees", "addressees")):
            lines[(*path, key)] = row
            columns[(*path, key)] = found.get(heading, HEADINGS[heading])
        lines[(*path, "deadline")] = row
        columns[(*path, "deadline")] = found.get("deadline", "deadline")
        parent["sub_recommendations"].append(item)
    if problems:
        raise LoadError(problems)
    if not recommendations:
        raise LoadError([Problem(filename, header_row, "", "the spreadsheet has no recommendation rows", "row")])
    header["themes"] = themes
    lines[("set",)] = header_row
    columns[("set",)] = "(the set)"
    lines[("recommendations",)] = header_row
    columns[("recommendations",)] = found["number"]
    return ParsedFile(filename, {"set": header, "recommendations": recommendations}, lines, columns)


def _addressee_lookup(session: Session) -> dict[str, str]:
    """Codes by every name people write: code, group name, organisation name or alias."""
    out: dict[str, str] = {}
    for group in session.exec(select(AddresseeGroup)):
        out[_norm(group.name)] = group.code
        out[_norm(group.code)] = group.code
    for org in session.exec(select(Organisation)):
        for name in (org.name, org.slug, *org.aliases):
            out.setdefault(_norm(name), org.slug)
    return out


def _theme(text: str, themes: list[dict[str, str]]) -> str:
    for theme in themes:
        if _norm(text) in (_norm(theme["code"]), _norm(theme["name"])):
            return theme["code"]
    code = _slug(text)
    themes.append({"code": code, "name": text})
    return code


def _provenance(
    cell: Any, cells: Any, found: dict[str, str], stored: dict[str, Any] | None, item: dict[str, Any]
) -> Any:
    if "provenance" in found and cell(cells, "provenance"):
        raw = cell(cells, "provenance")
        return {
            "status": PROVENANCE_WORDS.get(_norm(raw).replace(" ", " "), raw),
            "confirmed_fields": [_norm(f).replace(" ", "_") for f in _split(cell(cells, "confirmed_fields"))],
            "sources": _split(cell(cells, "sources")),
            "note": cell(cells, "provenance_note") or None,
        }
    if stored is None:
        return {"status": "to_be_confirmed", "confirmed_fields": ["number"]}
    provenance = dict(stored["provenance"])
    fields = list(provenance.get("confirmed_fields", []))
    comparable = {
        "text": item.get("text"),
        "addressees": item.get("addressees", stored.get("addressees")),
        "deadline": item.get("deadline"),
    }
    for name, value in comparable.items():
        old = stored.get(name)
        if name == "deadline":
            with contextlib.suppress(DateParseError):  # the loader reports a bad date
                value = parse_uk_date(value)
        if name in fields and value != old:
            fields.remove(name)
    if fields != provenance.get("confirmed_fields"):
        provenance["confirmed_fields"] = fields
        if provenance["status"] == "confirmed":
            provenance["status"] = "partial"
            provenance.pop("confirmed_on", None)
            provenance.pop("confirmed_by", None)
    return provenance
