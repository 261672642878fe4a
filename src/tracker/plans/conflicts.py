"""The conflict panel of a stale save: what someone else saved first beside what this person typed, in words.

Pages of responses, actions, updates and evidence show it (``templates/plans/_conflict.html``) when a use case
raises ``StaleRecord``; the JSON API answers 409 with the plain values instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from tracker.db import StaleRecord
from tracker.timeutil import DateParseError, parse_uk_date, uk_date

# What a conflict panel calls each field, as the form that edits it does.
CONFLICT_LABELS: dict[str, dict[str, str]] = {
    "response": {
        "status": "Status",
        "rag": "RAG rating",
        "summary": "Summary",
        "summary_cy": "Summary in Welsh",
        "lead_role": "Lead role",
        "lead_role_cy": "Lead role in Welsh",
        "blocked_reason": "What it is waiting for",
        "blocked_reason_cy": "What it is waiting for, in Welsh",
        "not_applicable_reason": "Why it does not apply",
        "not_applicable_reason_cy": "Why it does not apply, in Welsh",
    },
    "action": {
        "description": "What will be done",
        "description_cy": "What will be done, in Welsh",
        "owner_role": "Owner",
        "owner_role_cy": "Owner in Welsh",
        "target_date": "Target date",
        "status": "Status",
        "completed_on": "Completed on",
        "position": "Place in the list",
    },
    "progress_update": {
        "update_on": "Date of the update",
        "text": "What has happened",
        "text_cy": "What has happened, in Welsh",
        "visibility": "Who can see it",
    },
    "evidence": {
        "title": "Title",
        "title_cy": "Title in Welsh",
        "description": "Description",
        "description_cy": "Description in Welsh",
        "visibility": "Who can see it",
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
    carried = [name for name in stale.current if name in typed] or list(stale.current)  # a button carries none
    for name in carried:
        value = stale.current[name]
        label = labels.get(name, name.replace("_", " ").capitalize())
        kind = table.c[name].type if table is not None and name in table.c else None
        current[label] = _in_words(value, kind)
        mine[label] = _in_words(typed.get(name), kind)
    return {"current": current, "mine": mine}


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
        return "Yes" if value in (True, "yes", "true", "on", "1") else "No"
    return str(value)
