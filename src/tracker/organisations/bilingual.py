"""Texts an organisation writes in English and Welsh: the one rule for which fields have a Welsh twin.

A bilingual organisation (``Organisation.bilingual``: the Welsh forces and commissioners, or any other an admin
sets) writes each public text twice. The Welsh of a column ``X`` is the column ``X_cy`` of the same table
(``Response.summary`` and ``Response.summary_cy``), and the same key in a published plan's content. Everything
that writes, checks, publishes or shows a bilingual text asks this module which fields those are and which of a
record's texts still lack their Welsh, so a field added with its ``_cy`` twin is bilingual everywhere at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import SQLModel

WELSH = "cy"
ENGLISH = "en"
WELSH_SUFFIX = "_cy"


def welsh_of(field: str) -> str:
    """The name of the Welsh twin of ``field`` (``summary`` → ``summary_cy``)."""
    return field + WELSH_SUFFIX


_FIELDS: dict[type[SQLModel], tuple[str, ...]] = {}  # a model's fields are fixed once it is defined


def bilingual_fields(model: type[SQLModel]) -> tuple[str, ...]:
    """The English fields of ``model`` that have a Welsh twin, in the table's order."""
    if (found := _FIELDS.get(model)) is None:
        names = list(model.model_fields)
        found = _FIELDS[model] = tuple(n for n in names if not n.endswith(WELSH_SUFFIX) and welsh_of(n) in names)
    return found


def _value(record: Any, field: str) -> Any:
    return record.get(field) if isinstance(record, Mapping) else getattr(record, field, None)


def _written(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def missing_welsh(record: Any, fields: tuple[str, ...]) -> list[str]:
    """Which of ``fields`` ``record`` (a row or a published plan's dict) has in English but not in Welsh."""
    return [f for f in fields if _written(_value(record, f)) and not _written(_value(record, welsh_of(f)))]


@dataclass(frozen=True)
class Localised:
    """A text as shown to a reader: its words, the language they are in, and whether that is the other language
    than the reader's because the reader's was not written (the page then says so, never silently)."""

    text: str | None
    language: str
    fallback: bool


def localised(record: Any, field: str, locale: str) -> Localised:
    """``record``'s ``field`` in ``locale`` (``en`` or ``cy``), falling back to the other language when the
    reader's is empty (``fallback`` is then true: the page says so, once for an organisation that writes only in
    English, beside the text for a bilingual one). A field with no Welsh twin is English."""
    english, welsh = _value(record, field), _value(record, welsh_of(field))
    if locale == WELSH and _written(welsh):
        return Localised(welsh, WELSH, False)
    if _written(english):
        return Localised(english, ENGLISH, locale == WELSH)
    if _written(welsh):
        return Localised(welsh, WELSH, locale != WELSH)
    return Localised(english, ENGLISH, False)
