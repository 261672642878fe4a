"""The one normalising layer for text that enters the tracker (forms, the JSON API, imports, paths and queries).

The rules, in one place:

- **Control characters** (C0 except tab, newline and carriage return; DEL; C1; lone surrogates) cannot be stored
  (PostgreSQL refuses NUL, XLSX refuses most C0, a lone surrogate cannot be encoded) and nobody types them on
  purpose. ``Form.of`` removes them from every value and notes an error beside the field; the plan, assessment,
  evidence, sign-in, account and period forms then refuse the submission (``Form.refuse_if_invalid`` or
  ``form.ok``), with the faults the use case's check-only path finds in the other fields (``faults``: every error
  at once, nothing written; ``character_problems`` puts the character rules among its own), while the practice
  write-up keeps the cleaned text (its specified behaviour). The API refuses them with the other faults of the
  request (422 with the rules it breaks, 400 when they are its only faults; ``tracker.web.api``). Imports remove
  them (a spreadsheet cell carries Word's line break ``\\x0b`` as a matter of course, so refusing would make
  ordinary files unloadable). Vertical tab and form feed (Word's line and page breaks) become a newline wherever
  text is cleaned.
- **Lengths** are those of the columns: ``column_limits`` reads them from the models, and a before-flush check
  (``check_new_values``) refuses any over-long or control-laden value of any ``String(n)`` or text column with an
  ``InputError`` naming the field, which the web layer answers with 422, so a new column is covered by itself.
- **Direction controls**, by the same checks, beside the field, with one message (``BIDI_MESSAGE``): the
  *overrides* U+202D and U+202E are refused in every text field, short or long, since they disguise text
  ("evil\u202egpj.exe" shows as "evilexe.jpg") and nobody needs them to write right to left. Every short
  single-line field (a ``String(n)`` column: titles, names, roles) also refuses the embeddings and isolates
  (U+202A to U+202C, U+2066 to U+2069); long text keeps them and the marks (U+200E, U+200F), which mixed
  right-to-left writing uses, and right-to-left letters themselves (Arabic, Hebrew) are text like any other.
  Imports remove what a field refuses for being invisible, as they remove control characters: the overrides from
  every field, the embeddings and isolates too from short ones (``clean_imported``, ``cleaned_for``), so a file
  is never refused for what nobody can see; what else a field refuses (a length) the import's check reports.
  The same checks run in the places every field goes through, so a new field cannot miss them: ``Form.of`` notes
  an override beside any form field (passwords aside: never shown, so nothing to disguise), and the before-flush
  check reads list fields (a JSON column holding a list: practice links, recommendation sources) item by item,
  each item a single line and so held to the short fields' rule (``list_problem``).
  Uploaded file names drop them all (``evidence.services.display_name`` keeps no format character).
- **Integers** are ASCII digits within 1..2^31-1 (PostgreSQL's ``integer``): ``parse_id`` says None otherwise,
  so "²", "١٢" and 5,000 digits never reach a query.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.web.i18n import N_, gettext

MAX_ID = 2_147_483_647  # the largest value of a PostgreSQL integer column, hence of any id or version
# C0 but tab, LF, CR; DEL; C1; UTF-16 surrogates (which only occur alone in a Python str).
DISALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
DISALLOWED_PATTERN = "^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]*$"  # for JSON schema / msgspec Meta
LINE_BREAKS = re.compile("[\x0b\x0c]")  # Word's manual line break (Shift+Enter) and page break
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")  # refused in short fields
BIDI_OVERRIDES = re.compile("[\u202d\u202e]")  # refused in every text field
BIDI_MESSAGE = N_("Remove the invisible character that changes the direction of the text from this field")
ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
CONTROL_MESSAGE = N_("Remove the invisible control character (such as NUL) from this field")
T = TypeVar("T")


class InputError(ValueError):
    """Input that breaks a rule or cannot be stored as it is; ``errors`` maps each field to what is wrong with
    it. The one error type of every use case (plans, evidence, assessments, practice, accounts, recommendation
    edits), so forms show each message beside its field and the API answers a 4xx problem document alike."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

    @property
    def message(self) -> str:
        """Every message, without field names (for the command line)."""
        return "; ".join(self.errors.values())


@dataclasses.dataclass(frozen=True, kw_only=True)
class Input:
    """Base of the typed inputs of the use cases (frozen keyword-only dataclasses with a default for every field).

    A form and the JSON API build the same input: a form's handler from its (cleaned) string values, the API from
    its decoded body, with ``of``. The fields say what a use case reads; what each value must be (required, a
    real date, one of a list, short enough) is checked by the service, which answers every fault at once as an
    ``InputError``, so the rules live in one place whichever way the input came.
    """

    @classmethod
    def of(cls, values: Mapping[str, Any] | Self) -> Self:
        """The input from a mapping of field to value (keys that are not fields, like the CSRF token, ignored)."""
        if not isinstance(values, Mapping):
            return values
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def values(self) -> dict[str, Any]:
        """Each field and the value it was given (for ``character_problems``)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def has_control_characters(text: str) -> bool:
    return DISALLOWED.search(text) is not None


def has_direction_problem(text: str, *, short: bool) -> bool:
    """Whether ``text`` holds a direction control its field refuses (``short``: a single-line ``String(n)``)."""
    return (BIDI_CONTROLS if short else BIDI_OVERRIDES).search(text) is not None


# Everything ``text_problem`` refuses in a long field and in a short one: text with none of it (nearly all) is found
# fine in one pass (the before-flush check reads every text written, a frozen period's export megabytes of it).
REFUSED_IN_LONG = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202d\u202e]")
REFUSED_IN_SHORT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def text_problem(text: str, *, short: bool) -> str | None:
    """What the rules above refuse in ``text`` (a control character first, then a direction control its field
    refuses), or None; ``short``: a single-line field."""
    if (REFUSED_IN_SHORT if short else REFUSED_IN_LONG).search(text) is None:
        return None
    if has_control_characters(text):
        return CONTROL_MESSAGE
    if has_direction_problem(text, short=short):
        return BIDI_MESSAGE
    return None


def list_problem(items: Any) -> str | None:
    """What the rules refuse in a list field's text items (each a single line, like a link), or None."""
    texts = [item for item in items if isinstance(item, str)] if isinstance(items, list) else []
    return next((problem for item in texts if (problem := text_problem(item, short=True))), None)


def clean_text(text: str) -> str:
    """``text`` with line and page breaks made newlines and every other disallowed character removed."""
    return DISALLOWED.sub("", LINE_BREAKS.sub("\n", text))


def clean_imported(text: str, *, short: bool = False) -> str:
    """An imported value (a spreadsheet cell, a data file's text) as an import keeps it: ``clean_text``, and the
    direction controls its field would refuse removed (the overrides from every field, every control from a
    ``short`` one), as the control characters are, so a file is never refused for what nobody can see."""
    return (BIDI_CONTROLS if short else BIDI_OVERRIDES).sub("", clean_text(text))


def cleaned_for(model: Any, name: str, text: str) -> str:
    """``text`` from elsewhere (an imported cell, a history line quoting a description) as ``model``'s column
    ``name`` stores it: ``clean_imported`` by that column's rules, stripped (its length is the caller's to check)."""
    return clean_imported(text, short=name in column_limits(model)).strip()


def parse_id(text: Any, minimum: int = 1) -> int | None:
    """The id (or version, or any positive database integer) that ``text`` spells in ASCII digits, else None.

    ``minimum=0`` reads a count instead (how many changes an import made), where 0 is a value like any other."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if minimum <= text <= MAX_ID else None
    if not isinstance(text, str) or not ASCII_DIGITS.fullmatch(text.strip()):
        return None
    value = int(text.strip())
    return value if minimum <= value <= MAX_ID else None


def text_length(column: sa.Column[Any]) -> int | bool | None:
    """``n`` for a ``String(n)`` column, None for unbounded text, False for a column that is not text (SQLModel's
    ``AutoString`` wraps ``String`` in a ``TypeDecorator``)."""
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    if not isinstance(column_type, sa.String):
        return False
    return column_type.length or None


@cache  # a model's columns are fixed once mapped; an import checks thousands of rows against them
def column_limits(model: Any) -> Mapping[str, int]:
    """Each ``String(n)`` column of ``model`` (a mapped class) and its length ``n``."""
    limits = {}
    for column in sa.inspect(model).columns:
        length = text_length(column)
        if length:
            limits[column.key] = length
    return MappingProxyType(limits)


def limit_message(length: int) -> str:
    """The length rule's message, in the language of the request it is said in (forms show it as it is)."""
    return gettext("Must be %(length)s characters or fewer", length=f"{length:,}")


class FieldText(NamedTuple):
    """What a form says about one text field, each a whole sentence marked ``N_`` (Welsh cannot insert a label into
    "Enter %s": the label's first letter changes with the words before it): missing, too long (``%(limit)s``), and
    its Welsh twin too long (``length_message`` puts those in the reader's language)."""

    missing: str
    too_long: str
    welsh_too_long: str = ""


def length_message(message: str, limit: int) -> str:
    """``message`` (a sentence with ``%(limit)s``) in the language of the request it is said in, the limit filled."""
    return gettext(message, limit=f"{limit:,}")


def problems_for(model: Any, **values: Any) -> dict[str, str]:
    """What the before-flush check would refuse in ``values`` for ``model``'s columns, so a service can say it
    beside the form's field (in its own error type) before any lookup or write."""
    limits = column_limits(model)
    problems = {}
    for name, value in values.items():
        if (problem := value_problem(value, limits.get(name))) is not None:
            problems[name] = problem
    return problems


def value_problem(value: Any, length: int | None) -> str | None:
    """What a column refuses in ``value``: a list field's items (see ``list_problem``), or a text's control or
    direction character, or its length over ``length`` (a ``String(n)``; None for unbounded text). The one rule of
    ``problems_for`` (forms, imports' dry runs) and of the before-flush check alike."""
    if isinstance(value, list):
        return list_problem(value)
    if not isinstance(value, str):
        return None
    problem = text_problem(value, short=bool(length))
    if problem is None and length and len(value) > length:
        return limit_message(length)
    return problem


def character_problems(model: Any, values: Mapping[str, Any]) -> dict[str, str]:
    """What the rules refuse in the text ``values`` hold for ``model``'s text columns: a control character, or a
    direction control its field refuses (``text_problem``); lengths are left to each use case, which words its own.

    A use case's check adds these to the faults its own rules find, each in place of its field's other fault (it is
    what to fix first, as a form says it), so every fault is said at once: the before-flush check would refuse them
    too, but only once every other rule passed, and a form refuses them as it reads them, before any rule runs."""
    columns = {column.key: column for column in sa.inspect(model).columns}
    problems = {}
    for name, value in values.items():
        column = columns.get(name)
        if column is None or not isinstance(value, str) or (length := text_length(column)) is False:
            continue
        if (problem := text_problem(value, short=bool(length))) is not None:
            problems[name] = problem
    return problems


def faults(read: Callable[[dict[str, str]], object]) -> dict[str, str]:
    """Every fault ``read`` finds in an input (it adds each to the dict it is given, by field), without keeping what
    it read: a use case's check-only path, which forms run to list every error at once and nothing is written."""
    found: dict[str, str] = {}
    read(found)
    return found


def checked(read: Callable[[dict[str, str]], T]) -> T:
    """What ``read`` makes of an input, or an ``InputError`` with every fault it found: the same rules as ``faults``,
    on the way to saving."""
    found: dict[str, str] = {}
    values = read(found)
    if found:
        raise InputError(found)
    return values


def problems_of(record: Any) -> dict[str, str]:
    """What in ``record``'s text and list columns cannot be stored: too long for its column, a control character,
    a direction control the field refuses. A JSON column holding a mapping (an audit entry's before and after, a
    frozen snapshot) is a copy of records checked when they were written, and is stored as it is."""
    problems: dict[str, str] = {}
    state = sa.inspect(record)
    attrs = state.attrs
    for key, length in checked_columns(state.mapper):
        added = attrs[key].history.added
        if not added:  # only what this flush writes (a stored value stays readable as it is)
            continue
        if (problem := value_problem(added[0], length)) is not None:
            problems[key] = problem
    return problems


@cache  # a mapper's columns are fixed once mapped; every flush checks every record written against them
def checked_columns(mapper: Any) -> tuple[tuple[str, int | None], ...]:
    """The attributes of ``mapper`` that ``problems_of`` reads (its text and JSON columns), each with its length
    (None: unbounded)."""
    checked = []
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        length = text_length(column)
        if length is False and not isinstance(column.type, sa.JSON):
            continue
        checked.append((attribute.key, length or None))
    return tuple(checked)


@event.listens_for(Session, "before_flush")
def check_new_values(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse, before any SQL, a write of text that its column cannot hold (on either database)."""
    problems: dict[str, str] = {}
    for record in [*session.new, *session.dirty]:
        for name, message in problems_of(record).items():
            problems.setdefault(name, message)
    if problems:
        raise InputError(problems)
