"""Export a recommendation set as a data file in the repository's format (recommendations/README.md).

The file loads back to the same data: ``tracker load`` of an export changes nothing, and loading it into an
empty database (after the organisations) gives a set whose own export is the same file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from sqlmodel import Session, col, select

from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.welsh import welsh_entry


def set_header(rec_set: RecommendationSet) -> dict[str, Any]:
    """The ``set:`` part of the file."""
    header: dict[str, Any] = {
        "slug": rec_set.slug,
        "title": rec_set.title,
        "short_title": rec_set.short_title,
        "published": rec_set.published_on,
        "authors": list(rec_set.authors),
        "source_url": rec_set.source_url,
        "other_sources": list(rec_set.other_sources),
        "licence_note": rec_set.licence_note,
        "description": rec_set.description,
        "expected_recommendations": rec_set.expected_recommendations,
        "themes": [{"code": t["code"], "name": t["name"]} for t in rec_set.themes],
        "unplaced_requirements": [
            {k: _date_or_value(k, v) for k, v in item.items()} for item in rec_set.unplaced_requirements
        ],
    }
    return {k: v for k, v in header.items() if v not in (None, [])}


def _date_or_value(key: str, value: Any) -> Any:
    if key == "deadline" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def set_document(session: Session, rec_set: RecommendationSet) -> dict[str, Any]:
    """The whole set as the loader reads it (sub-recommendations taken out of the set are left out)."""
    recs = list(
        session.exec(
            select(Recommendation)
            .where(Recommendation.set_id == rec_set.id, col(Recommendation.removed_at).is_(None))
            .order_by(col(Recommendation.position), col(Recommendation.id))
        )
    )
    subs: dict[int, list[Recommendation]] = {}
    for rec in recs:
        if rec.parent_id is not None:
            subs.setdefault(rec.parent_id, []).append(rec)
    out = []
    for rec in recs:
        if rec.parent_id is not None:
            continue
        provenance: dict[str, Any] = {"status": rec.provenance.value, "confirmed_fields": list(rec.confirmed_fields)}
        provenance["sources"] = list(rec.provenance_sources)
        if rec.provenance_note:
            provenance["note"] = rec.provenance_note
        if rec.confirmed_at is not None:
            provenance["confirmed_on"] = rec.confirmed_at.date()
        if rec.confirmed_by_label:
            provenance["confirmed_by"] = rec.confirmed_by_label
        entry: dict[str, Any] = {
            "number": rec.number,
            "text": rec.text,
            **welsh_entry(rec),
            "addressees": list(rec.addressees),
            "deadline": rec.deadline,
            "theme": rec.theme,
            "provenance": provenance,
            "sub_recommendations": [],
        }
        for sub in subs.get(rec.id or 0, []):
            item: dict[str, Any] = {"number": sub.number, "text": sub.text, **welsh_entry(sub)}
            if sub.addressees != rec.addressees:
                item["addressees"] = list(sub.addressees)
            if sub.deadline != rec.deadline:
                item["deadline"] = sub.deadline
            entry["sub_recommendations"].append(item)
        out.append(entry)
    return {"set": set_header(rec_set), "recommendations": out}


def dump_set(session: Session, rec_set: RecommendationSet) -> str:
    """The set as YAML text, with a header saying what it is."""
    header = (
        f"# Recommendation set {rec_set.slug}, exported from the recommendation tracker on "
        f"{dt.date.today().isoformat()}.\n"
        "# Format: recommendations/README.md. Load it with `tracker load FILE` or the admin screen.\n"
        "# Each row's provenance says how far it is confirmed and whether its text is the report's wording.\n\n"
    )
    body = yaml.safe_dump(
        set_document(session, rec_set), sort_keys=False, allow_unicode=True, width=110, default_flow_style=False
    )
    return header + body
