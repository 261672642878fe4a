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
from dataclasses import dataclass, field
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
    "quoted": "quoted",
    "as quoted in organisations' plans, not yet checked against the report": "quoted",
    "as quoted in organisations plans": "quoted",
    # the label before outsider pass 7 (finding 3), still read from files exported with it
    "as quoted in organisations' published plans, not yet checked against the report": "quoted",
    "as quoted in organisations published plans": "quoted",
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
    found = _found_columns(frame.columns, filename, header_row)
    if rec_set is not None:
        header = set_header(rec_set)
        stored = {r["number"]: r for r in set_document(session, rec_set)["recommendations"]}
        for r in list(stored.values()):
            for sub in r["sub_recommendations"]:
                stored[sub["number"]] = {**sub, "parent": r}
    else:
        header = {k: v for k, v in (new_set or {}).items() if v not in (None, "", [])}
        stored = {}
    sheet = _Sheet(filename, found, {c: i for i, c in enumerate(frame.columns)}, _addressee_lookup(session))
    sheet.themes = [dict(t) for t in header.get("themes", [])]
    for row_number, cells in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        sheet.read_row(int(row_number), cells, stored)
    sheet.place_sub_recommendations()
    if sheet.problems:
        raise LoadError(sheet.problems)
    if not sheet.recommendations:
        raise LoadError([Problem(filename, header_row, "", "the spreadsheet has no recommendation rows", "row")])
    header["themes"] = sheet.themes
    sheet.lines[("set",)] = header_row
    sheet.columns[("set",)] = "(the set)"
    sheet.lines[("recommendations",)] = header_row
    sheet.columns[("recommendations",)] = found["number"]
    return ParsedFile(filename, {"set": header, "recommendations": sheet.recommendations}, sheet.lines, sheet.columns)


def _found_columns(headed: Any, filename: str, header_row: int) -> dict[str, str]:
    """Each known column's heading as the sheet spells it; a missing required column is a problem."""
    headings = {_norm(str(c)): str(c) for c in headed}
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
    return found


@dataclass
class _Sheet:
    """The set document as the rows build it, with the row and column of each place for the loader's problems."""

    filename: str
    found: dict[str, str]
    positions: dict[Any, int]
    addressee_names: dict[str, str]
    themes: list[dict[str, str]] = field(default_factory=list)
    lines: dict[Path_, int] = field(default_factory=dict)
    columns: dict[Path_, str] = field(default_factory=dict)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    by_number: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_subs: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def cell(self, cells: tuple[Any, ...], key: str) -> str:
        return cell_text(cells[self.positions[self.found[key]]]).strip() if key in self.found else ""

    def read_row(self, row: int, cells: tuple[Any, ...], stored: dict[str, Any]) -> None:
        """One row: a recommendation, or a sub-recommendation placed under its recommendation once all are read."""
        number, sub_number = self.cell(cells, "number"), self.cell(cells, "sub_number")
        if not any(cell_text(c).strip() for c in cells):
            return
        if not number and not sub_number:
            self.problems.append(Problem(self.filename, row, HEADINGS["number"], "the number is missing", "row"))
            return
        item: dict[str, Any] = {"text": self.cell(cells, "wording") or None}
        if "addressees" in self.found:
            addressees = _split(self.cell(cells, "addressees"))
            item["addressees"] = [self.addressee_names.get(_norm(a), a) for a in addressees]
        if "deadline" in self.found:
            item["deadline"] = self.cell(cells, "deadline") or None
        if sub_number:
            full = sub_number if "." in sub_number or not number else f"{number}.{sub_number}"
            item = {"number": full, **item}
            self.pending_subs.append((row, number or full.rsplit(".", 1)[0], item))
            return
        item = {"number": number, **item}
        theme = self.cell(cells, "theme")
        item["theme"] = _theme(theme, self.themes) if theme else None
        item["provenance"] = _provenance(self.cell, cells, self.found, stored.get(number), item)
        item["sub_recommendations"] = []
        if "addressees" not in item:
            item["addressees"] = []
        if number in self.by_number:
            self.problems.append(
                Problem(self.filename, row, HEADINGS["number"], f"number {number!r} appears more than once", "row")
            )
            return
        self._recommendation(row, number, item)

    def _recommendation(self, row: int, number: str, item: dict[str, Any]) -> None:
        path: Path_ = ("recommendations", len(self.recommendations))
        self.lines[path] = row
        for key, heading in (("text", "wording"), ("addressees", "addressees"), ("deadline", "deadline")):
            self.lines[(*path, key)] = row
            self.columns[(*path, key)] = self.found.get({"text": "wording"}.get(key, key), heading)
        for key in ("number", "theme", "provenance"):
            self.lines[(*path, key)] = row
            self.columns[(*path, key)] = self.found.get(key, HEADINGS.get(key, key))
        self.columns[path] = self.found["number"]
        self.recommendations.append(item)
        self.by_number[number] = item

    def place_sub_recommendations(self) -> None:
        """Put each sub-recommendation under its recommendation, which must have a row of its own."""
        for row, parent_number, item in self.pending_subs:
            parent = self.by_number.get(parent_number)
            if parent is None:
                self.problems.append(
                    Problem(
                        self.filename,
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
            index = self.recommendations.index(parent)
            path: Path_ = ("recommendations", index, "sub_recommendations", len(parent["sub_recommendations"]))
            self.lines[path] = row
            self.columns[path] = self.found.get("sub_number", "sub-number")
            for key, heading in (("number", "sub_number"), ("text", "wording"), ("addressees", "addressees")):
                self.lines[(*path, key)] = row
                self.columns[(*path, key)] = self.found.get(heading, HEADINGS[heading])
            self.lines[(*path, "deadline")] = row
            self.columns[(*path, "deadline")] = self.found.get("deadline", "deadline")
            parent["sub_recommendations"].append(item)


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
