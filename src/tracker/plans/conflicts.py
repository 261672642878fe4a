"""The conflict panel of a stale save: what someone else saved first beside what this person typed, in words.

Pages of responses, actions, updates and evidence show it (``templates/plans/_conflict.html``) when a use case
raises ``StaleRecord``; the JSON API answers 409 with the plain values instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from tracker.db import StaleRecord
from tracker.organisations.bilingual import ENGLISH, WELSH, WELSH_SUFFIX
from tracker.timeutil import DateParseError, parse_uk_date, uk_date
from tracker.web.i18n import N_, gettext

# What a conflict panel calls each field, as the form that edits it does (catalogue messages: shown with ``_``).
CONFLICT_LABELS: dict[str, dict[str, str]] = {
    "response": {
        "status": N_("Status"),
        "rag": N_("RAG rating"),
        "summary": N_("Summary"),
        "summary_cy": N_("Summary in Welsh"),
        "lead_role": N_("Lead role"),
        "lead_role_cy": N_("Lead role in Welsh"),
        "blocked_reason": N_("What it is waiting for"),
        "blocked_reason_cy": N_("What it is waiting for, in Welsh"),
        "not_applicable_reason": N_("Why it does not apply"),
        "not_applicable_reason_cy": N_("Why it does not apply, in Welsh"),
    },
    "action": {
        "description": N_("What will be done"),
        "description_cy": N_("What will be done, in Welsh"),
        "owner_role": N_("Owner"),
        "owner_role_cy": N_("Owner in Welsh"),
        "target_date": N_("Target date"),
        "status": N_("Status"),
        "completed_on": N_("Completed on"),
        "position": N_("Place in the list"),
    },
    "progress_update": {
        "update_on": N_("Date of the update"),
        "text": N_("What has happened"),
        "text_cy": N_("What has happened, in Welsh"),
        "visibility": N_("Who can see it"),
    },
    "evidence": {
        "title": N_("Title"),
        "title_cy": N_("Title in Welsh"),
        "description": N_("Description"),
        "description_cy": N_("Description in Welsh"),
        "visibility": N_("Who can see it"),
    },
}


def conflict_in_words(stale: StaleRecord, typed: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The conflict panel of a stale save: each field's label with the value now saved and the one the person
    typed, both in the same words (a status or visibility by its label, a date as "27 March 2025" however it was
    typed), so an unchanged value reads the same on both sides. Typed text is shown as typed. A field the
    person's form does not carry (an action's place in the list, its completion date) is left out: they did not
    change it, and a blank beside a value would read as if they had (a button that carries no field, such as
    "mark as complete", shows every field)."""
    table = getattr(type(stale.record), "__table__", None)
    labels = CONFLICT_LABELS.get(getattr(table, "name", ""), {})
    current: dict[str, str] = {}
    mine: dict[str, str] = {}
    languages: dict[str, str] = {}  # a written text's language, for its cells' lang ("": the interface's words)
    carried = [name for name in stale.current if name in typed] or list(stale.current)  # a button carries none
    for name in carried:
        value = stale.current[name]
        label = labels.get(name, name.replace("_", " ").capitalize())
        kind = table.c[name].type if table is not None and name in table.c else None
        current[label] = _in_words(value, kind)
        mine[label] = _in_words(typed.get(name), kind)
        languages[label] = _language(name, kind)
    return {"current": current, "mine": mine, "languages": languages}


def _language(name: str, kind: Any) -> str:
    """What a field is written in: Welsh for a Welsh twin, English for other free text, "" for a choice or a
    date (shown in the interface's words)."""
    if name.endswith(WELSH_SUFFIX):
        return WELSH
    if getattr(kind, "enum_class", None) is not None or isinstance(kind, sa.Date | sa.Boolean | sa.Integer):
        return ""
    return ENGLISH


def _in_words(value: Any, kind: Any) -> str:
    """A field's value as people read it, by its column's type ``kind``: saved (plain values, dates as ISO text)
    or typed (a date as the form takes it, "12/09/2026"); anything that is not one of the choices or not a date
    is shown as it came."""
    if value in (None, ""):
        return ""
    enum = getattr(kind, "enum_class", None)
    if enum is not None:
        try:
            return str(enum(value).label)
        except ValueError:
            return str(value)
    if isinstance(kind, sa.Date):
        try:
            return uk_date(parse_uk_date(value))
        except DateParseError:
            return str(value)
    if isinstance(kind, sa.Boolean) or isinstance(value, bool):
        return gettext("Yes") if value in (True, "yes", "true", "on", "1") else gettext("No")
    return str(value)
