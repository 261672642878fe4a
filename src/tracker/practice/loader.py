"""Load promising practice from a data file (``recommendations/practice.yaml``).

Entries in the file are the library's own, reviewed in the repository, so they are loaded as approved.
Matched by ``slug``: loading an unchanged file changes nothing; a changed entry is updated in place with the
before and after recorded in the audit history. An organisation is named only where it is confirmed; otherwise
``organisation`` stays empty and ``attribution_note`` says who runs it is not confirmed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session, col, select

from tracker.audit.services import Actor, changed
from tracker.datafiles import LoadResult, ParsedFile, Problem, read_yaml, validate
from tracker.db import next_version, not_none
from tracker.loaded_records import Loading
from tracker.organisations.models import Organisation
from tracker.practice.forms import THEMES, parse_links
from tracker.practice.models import Practice
from tracker.practice.services import AUDITED, audit_practice, set_recommendations, snapshot
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.timeutil import utc_now
from tracker.vocabulary import PracticeStage, PracticeStatus

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RecommendationRef(_Strict):
    set: str = Field(pattern=SLUG)
    number: str = Field(min_length=1, max_length=20)


class PracticeIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=120)
    title: str = Field(min_length=1, max_length=300)
    organisation: str | None = Field(default=None, pattern=SLUG)
    attribution_note: str | None = None
    summary: str = Field(min_length=1)
    what_was_done: str = Field(min_length=1)
    outcomes: str | None = None
    evaluation: str | None = None
    stage: PracticeStage
    themes: list[str] = Field(min_length=1)
    recommendations: list[RecommendationRef] = []
    contact_role: str | None = Field(default=None, max_length=200)
    links: list[str] = []

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, themes: list[str]) -> list[str]:
        unknown = [t for t in themes if t not in THEMES]
        if unknown:
            raise ValueError(f"unknown theme(s) {', '.join(unknown)}; known: {', '.join(THEMES)}")
        return themes

    @field_validator("links")
    @classmethod
    def _web_addresses(cls, links: list[str]) -> list[str]:
        cleaned, problem = parse_links("\n".join(links))
        if problem:
            raise ValueError(problem)
        return cleaned

    @model_validator(mode="after")
    def _attributed(self) -> PracticeIn:
        if not self.organisation and not self.attribution_note:
            raise ValueError(
                "give the `organisation` (only where confirmed) or an `attribution_note` saying who runs it"
            )
        return self


class PracticeFile(_Strict):
    practice: list[PracticeIn] = Field(min_length=1)


def bundled_slugs(path: Path) -> set[str | None]:
    """The slugs in a practice file (for `tracker setup`, which loads the file only if they are absent)."""
    data = read_yaml(path).data
    return {p.get("slug") for p in (data or {}).get("practice", []) if isinstance(p, dict)}


def check(parsed: ParsedFile, session: Session) -> tuple[PracticeFile | None, list[Problem]]:
    """Validate the file completely (against the loaded organisations and recommendations)."""
    doc, problems = validate(parsed, PracticeFile)
    if doc is None:
        return None, problems
    seen: set[str] = set()
    organisations = set(session.exec(select(Organisation.slug)))
    known = {
        (s, n)
        for s, n in session.exec(
            select(RecommendationSet.slug, Recommendation.number).join(
                Recommendation, col(Recommendation.set_id) == RecommendationSet.id
            )
        )
    }
    for i, entry in enumerate(doc.practice):
        if entry.slug in seen:
            problems.append(parsed.problem(("practice", i, "slug"), f"{entry.slug!r} appears more than once"))
        seen.add(entry.slug)
        if entry.organisation and entry.organisation not in organisations:
            problems.append(
                parsed.problem(("practice", i, "organisation"), f"unknown organisation {entry.organisation!r}")
            )
        for j, ref in enumerate(entry.recommendations):
            if (ref.set, ref.number) not in known:
                problems.append(
                    parsed.problem(
                        ("practice", i, "recommendations", j), f"no recommendation {ref.number} in set {ref.set!r}"
                    )
                )
    return (doc if not problems else None), problems


def apply(session: Session, doc: PracticeFile, source: str, actor: Actor) -> LoadResult:
    """Create or update every practice in ``doc`` (in the caller's transaction)."""
    result = LoadResult(source)
    organisations = {o.slug: o.id for o in session.exec(select(Organisation))}
    recommendations = {
        (s, n): not_none(rec_id)
        for s, n, rec_id in session.exec(
            select(RecommendationSet.slug, Recommendation.number, Recommendation.id).join(
                Recommendation, col(Recommendation.set_id) == RecommendationSet.id
            )
        )
    }
    slugs = [p.slug for p in doc.practice]
    existing = {p.slug: p for p in session.exec(select(Practice).where(col(Practice.slug).in_(slugs)))}
    loading = Loading(session, actor, result)
    for entry in doc.practice:
        values: dict[str, Any] = entry.model_dump(exclude={"slug", "organisation", "recommendations"})
        values["organisation_id"] = organisations.get(entry.organisation) if entry.organisation else None
        wanted = {recommendations[(r.set, r.number)] for r in entry.recommendations}
        _apply_practice(loading, entry.slug, existing.get(entry.slug), values, wanted)
    session.flush()
    return result


def _apply_practice(
    loading: Loading, slug: str, practice: Practice | None, values: dict[str, Any], wanted: set[int]
) -> None:
    """One entry of the file: a new approved practice, or a stored one brought in line (a new version)."""
    session, result, now = loading.session, loading.result, utc_now()
    if practice is None:
        practice = Practice(slug=slug, status=PracticeStatus.APPROVED, reviewed_at=now, **values)
        session.add(practice)
        session.flush()
        before: dict[str, Any] = {name: None for name in AUDITED} | {"themes": [], "links": [], "recommendations": []}
        action, summary = "create", f"Practice added from {loading.source}"
    else:
        before = snapshot(session, practice)
        for name, value in values.items():
            setattr(practice, name, value)
        action, summary = "update", f"Practice changed by {loading.source}"
    set_recommendations(session, practice, wanted)
    session.flush()
    after = snapshot(session, practice)
    diff = changed(before, after)
    if not diff:
        result.unchanged += 1
        return
    if action == "update":
        next_version(practice)
        practice.updated_at = now
        result.updated.append(f"practice {slug}: {', '.join(diff)}")
    else:
        result.created.append(f"practice {slug}")
    audit_practice(session, practice, loading.actor, action, summary, before, after)
