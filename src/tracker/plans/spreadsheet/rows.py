"""One spreadsheet row read for the dry run: its cells checked and turned into a response's values, an action
and dated updates, and the obligation its recommendation number points to.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlmodel import SQLModel

from tracker.inputs import clean_imported, cleaned_for, parse_id, problems_for
from tracker.organisations.bilingual import WELSH_SUFFIX, bilingual_fields, welsh_of
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.services import MAX_TEXT
from tracker.plans.spreadsheet.common import (
    ISO_DATE,
    canonical,
    cell_text,
    listed,
    plain_words,
    read_exported_at,
    short,
)
from tracker.plans.spreadsheet.known import KnownPlan, Obligation
from tracker.plans.spreadsheet.mapping import FIELDS, ROUND, Mapping
from tracker.plans.spreadsheet.results import ImportPlan
from tracker.recommendations.models import RecommendationCandidate
from tracker.timeutil import DateParseError, parse_uk_date, utc_now
from tracker.vocabulary import ActionStatus, LabelledEnum, Rag, ResponseStatus, Visibility
from tracker.web.i18n import N_, gettext

if TYPE_CHECKING:
    import pandas as pd  # annotations only: pandas is imported when a file is read (spreadsheet.reading)

MAX_SHORT_TEXT = 200  # lead role, action owner
CLOCK_SKEW = dt.timedelta(minutes=1)  # an "Exported at" this far ahead of our clock is still taken as now

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
    return canonical(match.group(1)) if match else None


def _word(text: str, words: dict[str, Any], enum: type[LabelledEnum]) -> Any:
    key = plain_words(text)
    if key in words:
        return words[key]
    for member in enum:
        if key in (plain_words(member.value), plain_words(member.english_label), plain_words(member.label)):
            return member
    return None


class PlannedUpdate(NamedTuple):
    """A dated update a row gives, with its Welsh if the row gives one."""

    text: str
    on: dt.date
    visibility: Visibility
    text_cy: str | None = None


@dataclass
class Row:
    """One spreadsheet row: its cells by field, what they mean once checked, and where messages go."""

    plan: ImportPlan
    number: int
    values: dict[str, str]
    rounds: dict[str, str]
    response: dict[str, Any] = field(default_factory=dict)
    action: dict[str, Any] | None = None
    updates: list[PlannedUpdate] = field(default_factory=list)
    errors: int = 0
    formulas: list[str] = field(default_factory=list)  # its imported cells holding a formula without a value ("C4")

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, message: str) -> None:
        self.errors += 1
        self.plan.error(self.number, message)

    def text(self, name: str, limit: int = MAX_TEXT, value: str | None = None, column: str | None = None) -> str | None:
        """The cell of ``name`` (or ``value``, a round's cell in ``column``) as its column keeps it
        (``inputs.cleaned_for``), checked by the same rules as the import's write (``inputs.problems_for``), so a
        row the dry run passes is never refused when imported; None if it is empty or wrong (a row error naming the
        file's column, the person's own heading: no label need be fitted into the sentence)."""
        model, stored = STORED_IN[name]
        value = cleaned_for(model, stored, self.get(name) if value is None else value)
        column = column or self.plan.mapping.column_for(name)
        if len(value) > limit:
            message = N_("the text in the column '%(column)s' must be %(limit)s characters or fewer")
            self.error(gettext(message, column=column, limit=f"{limit:,}"))
            return None
        if problem := problems_for(model, **{stored: value}).get(stored):
            message = N_("the text in the column '%(column)s' cannot be imported: %(problem)s")
            self.error(gettext(message, column=column, problem=gettext(problem)))
            return None
        return value or None

    def date(self, name: str, refusal: str) -> dt.date | None:
        """The date in the cell of ``name``; None with a row error (``refusal``, a message with ``%(value)s``) if
        it is not one."""
        value = self.get(name)
        iso = ISO_DATE.match(value)
        try:
            # a date cell with a time (cell_text) is read by its date: parse_uk_date would read it day-first
            return parse_uk_date(iso.group(1) if iso else value, month_end=True)
        except DateParseError:
            self.error(gettext(refusal, value=short(value)))
            return None

    def word(
        self, name: str, words: dict[str, Any], enum: type[LabelledEnum], refusal: str, refused: tuple[Any, ...] = ()
    ) -> Any:
        """The word of ``enum`` in the cell of ``name`` (``_word``); None if the cell is empty, or if it holds no
        such word or one of ``refused`` (a row error: ``refusal``, a message with ``%(value)s`` for the cell)."""
        value = self.get(name)
        if not value:
            return None
        found = _word(value, words, enum)
        if found is None or found in refused:
            self.error(gettext(refusal, value=short(value)))
            return None
        return found

    @property
    def has_content(self) -> bool:
        numbers = ("recommendation", "sub_recommendation", "exported_at")  # an export's time is no content either
        return any(v for k, v in self.values.items() if k not in numbers) or any(self.rounds.values())


# Where each imported text is stored: its cell is kept and checked by that column's rules.
STORED_IN: dict[str, tuple[type[SQLModel], str]] = {
    "lead_role": (Response, "lead_role"),
    "summary": (Response, "summary"),
    "blocked_reason": (Response, "blocked_reason"),
    "not_applicable_reason": (Response, "not_applicable_reason"),
    "action": (Action, "description"),
    "owner": (Action, "owner_role"),
    "update_text": (ProgressUpdate, "text"),
    "recommendation_text": (RecommendationCandidate, "text"),  # kept as candidates (spreadsheet.candidates)
    "addressee": (RecommendationCandidate, "text"),
}
# The Welsh of each public text (``organisations.bilingual``: its column's Welsh twin), by the English's field name.
WELSH_OF: dict[str, str] = {
    name: welsh_of(name) for name, (model, column) in STORED_IN.items() if column in bilingual_fields(model)
}
STORED_IN.update({WELSH_OF[name]: (STORED_IN[name][0], welsh_of(STORED_IN[name][1])) for name in WELSH_OF})
assert set(WELSH_OF.values()) == {f for f in FIELDS if f.endswith(WELSH_SUFFIX)}, "a Welsh column for every twin"


def column_examples(frame: pd.DataFrame, mapping: Mapping, limit: int = 60) -> dict[str, str]:
    """The first value in each column as the import would store it in the field chosen for it, shortened, to help
    people choose what it holds; a column the import does not store as text is shown without any direction
    control, which no field of a row stores."""
    examples = {}
    for name in frame.columns:
        value = next((cell_text(v) for v in frame[name] if cell_text(v)), "")
        field = mapping.fields.get(str(name), "")
        model, column = STORED_IN.get("update_text" if field == ROUND else field, (None, ""))
        value = cleaned_for(model, column, value) if model else clean_imported(value, short=True).strip()
        examples[str(name)] = value if len(value) <= limit else value[: limit - 1] + "…"
    return examples


# How the dry run names a field of a response or an action (marked N_: shown with ``gettext``, in the language of
# the page).
RESPONSE_VALUE_LABELS = {
    "status": N_("status"),
    "rag": N_("RAG rating"),
    "lead_role": N_("lead role"),
    "summary": N_("summary"),
    "blocked_reason": N_("what it is waiting for"),
    "not_applicable_reason": N_("why it does not apply"),
    "lead_role_cy": N_("lead role in Welsh"),
    "summary_cy": N_("summary in Welsh"),
    "blocked_reason_cy": N_("what it is waiting for, in Welsh"),
    "not_applicable_reason_cy": N_("why it does not apply, in Welsh"),
}

ACTION_VALUE_LABELS = {
    "description": N_("wording"),
    "owner_role": N_("owner"),
    "target_date": N_("target date"),
    "status": N_("status"),
    "description_cy": N_("wording in Welsh"),
    "owner_role_cy": N_("owner in Welsh"),
}


def parse_row(row: Row) -> None:
    """Check every cell of the row and keep what it means (row.response, row.action, row.updates)."""
    known = N_("%(value)s is not a status we know (use Not started, In progress, Blocked, Complete or Not applicable)")
    if (status := row.word("status", _STATUS_WORDS, ResponseStatus, known)) is not None:
        row.response["status"] = status
    not_rag = N_("%(value)s is not a RAG rating (use Red, Amber or Green)")
    if (rag := row.word("rag", _RAG_WORDS, Rag, not_rag)) is not None:
        row.response["rag"] = rag
    for name, limit in (
        ("lead_role", MAX_SHORT_TEXT),
        ("summary", MAX_TEXT),
        ("blocked_reason", MAX_TEXT),
        ("not_applicable_reason", MAX_TEXT),
    ):
        for each in (name, WELSH_OF[name]):  # the Welsh checked by the same rules as the English
            value = row.text(each, limit)
            if value:
                row.response[each] = value
    _parse_action(row)
    _parse_updates(row)
    _parse_exported_at(row)


def _parse_action(row: Row) -> None:
    if not row.get("action"):
        without = ("action_cy", "owner", "owner_cy", "target_date", "action_status")
        given = [gettext(FIELDS[n]) for n in without if row.get(n)]
        if given:
            message = N_(
                "%(fields)s given but the row has no action "
                "(if the owner leads the whole recommendation, import that column as the lead role)"
            )
            row.error(gettext(message, fields=listed(given)))
        return
    action: dict[str, Any] = {"description": row.text("action")}
    action["owner_role"] = row.text("owner", MAX_SHORT_TEXT)
    action["description_cy"] = row.text("action_cy")
    action["owner_role_cy"] = row.text("owner_cy", MAX_SHORT_TEXT)
    not_date = N_("%(value)s is not a date (target date: try 27/03/2025, 27 March 2025 or March 2026)")
    action["target_date"] = row.date("target_date", not_date)
    action["status"] = None
    action["ref"] = None
    if row.get("action_ref"):
        action["ref"] = parse_id(row.get("action_ref"))
        if action["ref"] is None:
            not_ref = N_("%(value)s is not an action reference (leave the exported one as it is)")
            row.error(gettext(not_ref, value=short(row.get("action_ref"))))
    known = N_("%(value)s is not an action status we know (use Not started, In progress, Blocked or Complete)")
    status = row.word("action_status", _STATUS_WORDS, ActionStatus, known, refused=(ResponseStatus.NOT_APPLICABLE,))
    if status is not None:
        action["status"] = ActionStatus(status.value)
    if action["description"]:
        row.action = action


def _parse_updates(row: Row) -> None:
    plan = row.plan
    visibility = plan.visibility
    not_visibility = N_("%(value)s is not a visibility (use Public or Internal)")
    found = row.word("update_visibility", _VISIBILITY_WORDS, Visibility, not_visibility)
    if found is not None:
        visibility = Visibility.INTERNAL if found is Visibility.INSPECTORATE else found
    items: list[tuple[str, dt.date | None, str | None]] = []  # each update's text, date and column
    text, column = row.get("update_text"), plan.mapping.column_for("update_text")
    if row.get("update_text_cy") and not text:
        welsh_column = plan.mapping.column_for("update_text_cy")
        message = N_("the column '%(column)s' gives the Welsh of an update, but the row has no update in English")
        row.error(gettext(message, column=welsh_column))
    if text:
        if row.get("update_date"):
            not_date = N_("%(value)s is not a date (update date: try 27/03/2025, 27 March 2025 or March 2026)")
            items.append((text, row.date("update_date", not_date), column))
        elif column in plan.dates:
            items.append((text, plan.dates[column], column))
        elif plan.mapping.column_for("update_date") is not None:
            row.error(
                gettext("the update has no date: add one in the date column, or give a date for the update column")
            )
    for round_column, value in row.rounds.items():
        if value and round_column in plan.dates:
            items.append((value, plan.dates[round_column], round_column))
    for value, on, in_column in items:  # their dates are checked (rules.update_date_problem) once the set is known
        if on is not None and (kept := row.text("update_text", value=value, column=in_column)):
            # the Welsh column is the update column's (a round has none)
            welsh = row.text("update_text_cy") if in_column == column else None
            row.updates.append(PlannedUpdate(kept, on, visibility, welsh))


def _parse_exported_at(row: Row) -> None:
    """An export's "Exported at" cell: the file's conflicts are judged against the earliest one, to the second."""
    if not row.get("exported_at"):
        return
    when = read_exported_at(row.get("exported_at"))
    value = short(row.get("exported_at"))
    if when is None:
        not_time = N_("%(value)s is not the time the file was exported (leave the exported one as it is)")
        row.error(gettext(not_time, value=value))
    elif when > utc_now() + CLOCK_SKEW:
        column = row.plan.mapping.column_for("exported_at")
        future = N_(
            "%(value)s in the column '%(column)s' is in the future, so it is not the time the file was exported "
            "(leave the exported one as it is)"
        )
        row.error(gettext(future, value=value, column=column))
    elif row.plan.exported_at is None or when < row.plan.exported_at:
        row.plan.exported_at = when


def resolve(row: Row, known: KnownPlan, rec_raw: str, sub_raw: str, carried: bool = False) -> Obligation | None:
    """The obligation a row is about; the sub-recommendation number, if any, wins ("7" and "7.1" -> 7.1).

    ``carried``: the recommendation number came from a row above (merged cells), so a full sub-recommendation
    number on this row ("7.2") stands on its own, while a bare one ("2") still needs it.
    """
    sub_number = None
    if sub_raw:
        sub_number = recommendation_number(sub_raw)
        if sub_number is None:
            message = N_(
                "%(value)s does not start with a sub-recommendation number "
                "(if that column holds wording, choose not to import it)"
            )
            row.error(gettext(message, value=short(sub_raw)))
            return None
        if carried and "." in sub_number:
            rec_raw = ""
    rec_number = recommendation_number(rec_raw) if rec_raw else None
    if rec_raw and rec_number is None:
        row.error(gettext("%(value)s is not a recommendation number", value=short(rec_raw)))
        return None
    number = rec_number
    if sub_number:
        number = f"{rec_number}.{sub_number}" if "." not in sub_number and rec_number else sub_number
    assert number is not None
    if number not in known.known_numbers and number.endswith(".0"):
        number = number[:-2]  # 7.0: a number a spreadsheet program turned into a decimal
    if number not in known.known_numbers:
        row.error(gettext("there is no recommendation %(number)s", number=number))
        return None
    entries = known.by_number.get(number) or known.declare(number, row.number)
    if not entries:
        row.error(gettext("recommendation %(number)s is not one your organisation must answer", number=number))
        return None
    if len(entries) > 1:
        titles = listed([f"'{known.set_titles[e.recommendation.set_id]}'" for e in entries])
        message = N_(
            "recommendation %(number)s is in more than one recommendation set (%(sets)s): "
            "choose the set this file is about on the import form"
        )
        row.error(gettext(message, number=number, sets=titles))
        return None
    entry = entries[0]
    if sub_number and rec_number and "." in sub_number:
        parent = known.number_of.get(entry.recommendation.parent_id) if entry.recommendation.parent_id else None
        if parent is None or canonical(parent) != rec_number:
            message = N_("sub-recommendation %(number)s is not part of recommendation %(parent)s")
            row.error(gettext(message, number=number, parent=rec_number))
            return None
    return entry
