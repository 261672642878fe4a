"""The admin's form for editing a numbered recommendation, read into a ``RecommendationEdit``.

The form's own field names live here (and in its template): ``sub-{id}-text`` and ``sub-{id}-remove`` for each
sub-recommendation, ``new-{i}-number`` and ``new-{i}-text`` for the blank rows that add one. Reading only tidies
what was typed (spaces, blank lines, empty rows); ``save_recommendation`` checks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tracker.inputs import parse_id
from tracker.recommendations.editing import NEW_SUB_ROWS, RecommendationEdit, SubRecommendationEdit
from tracker.recommendations.welsh import WelshEdit

_SUB_FIELD = re.compile(r"^sub-(\d+)-(?:text|remove)$")


def recommendation_edit(values: Mapping[str, Any]) -> RecommendationEdit:
    """The edit a submitted form asks for (repeated fields, such as addressees, as a list or a single value)."""
    return RecommendationEdit(
        version=parse_id(values.get("version")),
        text=_text(values, "text"),
        welsh=WelshEdit(_text(values, "text_cy"), _text(values, "text_cy_source"), _text(values, "text_cy_citation")),
        addressees=_list(values, "addressees"),
        deadline=values.get("deadline") or None,
        theme=_text(values, "theme"),
        provenance=values.get("provenance") or "",
        confirmed_fields=_list(values, "confirmed_fields"),
        sources=[line.strip() for line in (values.get("provenance_sources") or "").splitlines() if line.strip()],
        note=_text(values, "provenance_note"),
        subs=[
            SubRecommendationEdit(
                id=sub_id, text=_text(values, f"sub-{sub_id}-text"), remove=bool(values.get(f"sub-{sub_id}-remove"))
            )
            for sub_id in _sub_ids(values)
        ],
        new_subs=_new_subs(values),
    )


def _sub_ids(values: Mapping[str, Any]) -> list[int]:
    """The ids of the sub-recommendations the form has fields for."""
    matches = (_SUB_FIELD.match(key) for key in values)
    return sorted({int(m.group(1)) for m in matches if m})


def _new_subs(values: Mapping[str, Any]) -> list[SubRecommendationEdit]:
    """The filled-in rows for new sub-recommendations (a row left blank adds nothing)."""
    rows = []
    for i in range(1, NEW_SUB_ROWS + 1):
        number, text = _text(values, f"new-{i}-number") or "", _text(values, f"new-{i}-text")
        if number or text:
            rows.append(SubRecommendationEdit(number=number, text=text, field=f"new-{i}-number"))
    return rows


def _text(values: Mapping[str, Any], name: str) -> str | None:
    return (values.get(name) or "").strip() or None


def _list(values: Mapping[str, Any], name: str) -> list[str]:
    raw = values.get(name)
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [str(v).strip() for v in items if str(v).strip()]
