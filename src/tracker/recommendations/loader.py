"""Load a recommendation set (a report and its numbered recommendations) from a YAML data file.

The file format is documented in ``recommendations/README.md``. Loading validates the whole file first and
reports every problem with its line and field; only a clean file touches the database. Loading is
idempotent: a second load of the same file changes nothing. Changes are written to the audit history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session, SQLModel, select

from tracker.audit.services import Actor
from tracker.datafiles import LoadResult, ParsedFile, Path_, Problem, validate
from tracker.db import next_version, saved_id
from tracker.inputs import clean_imported, cleaned_for, problems_for
from tracker.loaded_records import Loading
from tracker.organisations.services import addressee_codes
from tracker.plans.obligations import SET_LOADED, sync_obligations
from tracker.recommendations.editing import keep_version, snapshot
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.welsh import file_problems
from tracker.timeutil import UTC, DateParseError, parse_uk_date, utc_now
from tracker.vocabulary import Provenance, WelshWordingSource

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
NUMBER = r"^[A-Za-z0-9]+([.\-][A-Za-z0-9]+)*$"
ConfirmableField = Literal["number", "text", "addressees", "deadline", "theme", "sub_recommendations"]


def _number(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError('write the number in quotes, e.g. "7.1", so it is not read as a decimal')
    return str(value) if isinstance(value, int) else value


def _date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_uk_date(value)
        except DateParseError as exc:
            raise ValueError(str(exc)) from exc
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ThemeIn(_Strict):
    code: str = Field(pattern=SLUG, max_length=80)
    name: str = Field(min_length=1)


class ProvenanceIn(_Strict):
    status: Provenance
    confirmed_fields: list[ConfirmableField] = []
    sources: list[str] = []
    note: str | None = None
    confirmed_on: dt.date | None = None
    confirmed_by: str | None = Field(default=None, max_length=200)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return value.replace("-", "_") if isinstance(value, str) else value

    @field_validator("sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not a web address")
        return value

    _d = field_validator("confirmed_on", mode="before")(_date)


class _WelshIn(_Strict):
    """A Welsh wording and where it comes from (``tracker.recommendations.welsh``; checked in ``check``)."""

    text_cy: str | None = None
    text_cy_source: str | None = None
    text_cy_citation: str | None = None


class SubRecommendationIn(_WelshIn):
    number: str = Field(pattern=NUMBER, max_length=20)
    text: str | None = None
    addressees: list[str] | None = None
    deadline: dt.date | None = None

    _n = field_validator("number", mode="before")(_number)
    _d = field_validator("deadline", mode="before")(_date)


class RecommendationIn(_WelshIn):
    number: str = Field(pattern=NUMBER, max_length=20)
    text: str | None = None
    addressees: list[str] = []
    deadline: dt.date | None = None
    theme: str | None = None
    provenance: ProvenanceIn
    sub_recommendations: list[SubRecommendationIn] = []

    _n = field_validator("number", mode="before")(_number)
    _d = field_validator("deadline", mode="before")(_date)

    @model_validator(mode="after")
    def _confirmed_needs_text(self) -> RecommendationIn:
        if self.provenance.status is Provenance.CONFIRMED and not self.text:
            raise ValueError("a recommendation confirmed against the report needs its text")
        if self.provenance.status is Provenance.QUOTED and not (self.text or self.addressees):
            raise ValueError("a recommendation quoted in organisations' plans needs its text or addressees")
        return self


class UnplacedIn(_Strict):
    summary: str = Field(min_length=1)
    addressees: list[str] = []
    deadline: dt.date | None = None
    sources: list[str] = []
    note: str | None = None

    _d = field_validator("deadline", mode="before")(_date)


class SetIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=80)
    title: str = Field(min_length=1)
    short_title: str = Field(min_length=1, max_length=200)
    published: dt.date | None = None
    authors: list[str] = []
    source_url: str | None = Field(default=None, pattern=r"^https?://", max_length=500)
    other_sources: list[str] = []
    licence_note: str | None = None
    description: str | None = None
    expected_recommendations: int | None = Field(default=None, ge=1)
    themes: list[ThemeIn] = []
    unplaced_requirements: list[UnplacedIn] = []

    _d = field_validator("published", mode="before")(_date)


class SetFile(_Strict):
    set: SetIn
    recommendations: list[RecommendationIn] = Field(min_length=1)


# Where the texts of a set's file are stored (each field of its part of the file, and the column it goes to).
_SET_TEXTS = {n: n for n in ("title", "short_title", "source_url", "licence_note", "description")}
_PROVENANCE_TEXTS = {"note": "provenance_note", "confirmed_by": "confirmed_by_label"}
_REC_TEXTS = {n: n for n in ("text", "text_cy", "text_cy_citation")}


def _stored_texts(doc: SetFile) -> Iterator[tuple[Path_, BaseModel, type[SQLModel], dict[str, str]]]:
    """Each part of the file that holds stored text: its path, the part, the model and its fields' columns."""
    yield ("set",), doc.set, RecommendationSet, _SET_TEXTS
    for i, rec in enumerate(doc.recommendations):
        path: Path_ = ("recommendations", i)
        yield path, rec, Recommendation, _REC_TEXTS
        yield (*path, "provenance"), rec.provenance, Recommendation, _PROVENANCE_TEXTS
        for j, sub in enumerate(rec.sub_recommendations):
            yield (*path, "sub_recommendations", j), sub, Recommendation, _REC_TEXTS


def _keep_texts(parsed: ParsedFile, doc: SetFile) -> list[Problem]:
    """Keep each stored text as its column takes it (a short field loses every direction control, as a plan
    import's cell does: ``inputs.cleaned_for``), and list, by line (or row) and field, whatever the write would
    still refuse (``inputs.problems_for``, the before-flush check's rule), so no problem first shows when loading."""
    problems = []
    for path, part, model, columns in _stored_texts(doc):
        for name, column in columns.items():
            value = getattr(part, name)
            if not isinstance(value, str):
                continue
            setattr(part, name, cleaned_for(model, column, value))
            if problem := problems_for(model, **{column: getattr(part, name)}).get(column):
                problems.append(parsed.problem((*path, name), problem))
    return problems


def _cleaned(data: Any) -> Any:
    """Every text of a parsed file as an import keeps it (``inputs.clean_imported``: control characters and direction
    overrides removed), as a spreadsheet's cells are, so a YAML file and a spreadsheet load the same text."""
    if isinstance(data, str):
        return clean_imported(data)
    if isinstance(data, list):
        return [_cleaned(item) for item in data]
    if isinstance(data, dict):
        return {key: _cleaned(value) for key, value in data.items()}
    return data


def check(parsed: ParsedFile, session: Session) -> tuple[SetFile | None, list[Problem]]:
    """Validate the whole file against the schema, the columns that store its texts and the database's addressees;
    every problem is listed."""
    doc, problems = validate(replace(parsed, data=_cleaned(parsed.data)), SetFile)
    if doc is None:
        return None, problems
    problems += _keep_texts(parsed, doc)
    known_addressees = addressee_codes(session)
    themes = {t.code for t in doc.set.themes}
    seen: dict[str, tuple[str | int, ...]] = {}

    def number_seen(number: str, path: tuple[str | int, ...]) -> None:
        if number in seen:
            problems.append(parsed.problem((*path, "number"), f"number {number!r} appears more than once"))
        seen[number] = path

    def check_addressees(codes: list[str], path: tuple[str | int, ...]) -> None:
        for k, code in enumerate(codes):
            if code not in known_addressees:
                problems.append(
                    parsed.problem(
                        (*path, "addressees", k),
                        f"unknown addressee {code!r} (load the organisations file first, "
                        "or use a code from its addressee_groups)",
                    )
                )

    def check_welsh(part: _WelshIn, path: tuple[str | int, ...]) -> None:
        problems.extend(parsed.problem((*path, name), message) for name, message in file_problems(part).items())

    for i, rec in enumerate(doc.recommendations):
        path: tuple[str | int, ...] = ("recommendations", i)
        number_seen(rec.number, path)
        check_welsh(rec, path)
        check_addressees(rec.addressees, path)
        if rec.theme is not None and rec.theme not in themes:
            problems.append(parsed.problem((*path, "theme"), f"unknown theme {rec.theme!r}; add it to set.themes"))
        for j, sub in enumerate(rec.sub_recommendations):
            sub_path = (*path, "sub_recommendations", j)
            number_seen(sub.number, sub_path)
            check_welsh(sub, sub_path)
            if sub.addressees is not None:
                check_addressees(sub.addressees, sub_path)
    expected = doc.set.expected_recommendations
    if expected is not None and expected != len(doc.recommendations):
        problems.append(
            parsed.problem(
                ("recommendations",),
                f"the set expects {expected} recommendations but the file has {len(doc.recommendations)}",
            )
        )
    for i, item in enumerate(doc.set.unplaced_requirements):
        check_addressees(item.addressees, ("set", "unplaced_requirements", i))
    return (doc if not problems else None), problems


SET_FIELDS = (
    "title",
    "short_title",
    "published_on",
    "authors",
    "source_url",
    "other_sources",
    "licence_note",
    "description",
    "expected_recommendations",
    "themes",
    "unplaced_requirements",
)
REC_FIELDS = (
    "parent_id",
    "position",
    "text",
    "text_cy",
    "text_cy_source",
    "text_cy_citation",
    "addressees",
    "deadline",
    "theme",
    "provenance",
    "confirmed_fields",
    "provenance_sources",
    "provenance_note",
    "confirmed_by_label",
    "confirmed_at",
    "removed_at",
)


def apply(session: Session, doc: SetFile, source: str, actor: Actor) -> LoadResult:
    """Create or update the set and its recommendations, then bring obligations in line."""
    result = LoadResult(source)
    loading = Loading(session, actor, result)
    rec_set = _apply_set(loading, doc.set)
    existing = {r.number: r for r in session.exec(select(Recommendation).where(Recommendation.set_id == rec_set.id))}
    set_load = _SetLoad(loading, rec_set, existing)
    for i, rec in enumerate(doc.recommendations):
        set_load.numbered((i + 1) * 1000, rec)
    in_file = {r.number for r in doc.recommendations} | {
        s.number for r in doc.recommendations for s in r.sub_recommendations
    }
    for number in sorted(set(existing) - in_file):
        if existing[number].removed_at is not None:
            continue
        result.notes.append(f"recommendation {number} is in the database but not in the file; it was kept")
    changes = sync_obligations(session, actor, set_id=rec_set.id, cause={"kind": SET_LOADED})
    if changes.any:
        result.notes.append(f"obligations: {changes.summary()}")
    return result


@dataclass(frozen=True)
class _SetLoad:
    """The load of one set's recommendations: the set, and its stored recommendations by number (added to as the
    file adds them)."""

    loading: Loading
    rec_set: RecommendationSet
    existing: dict[str, Recommendation]

    def numbered(self, position: int, rec: RecommendationIn) -> None:
        """One numbered recommendation of the file and its sub-recommendations (which take its provenance, and its
        addressees and deadline where they give none), kept as one new version of the recommendation if any changed."""
        prov = rec.provenance
        confirmed_at = dt.datetime.combine(prov.confirmed_on, dt.time(), UTC) if prov.confirmed_on else None
        earlier = self.existing.get(rec.number)
        if (
            earlier is not None
            and earlier.confirmed_at is not None
            and earlier.confirmed_at.date() == prov.confirmed_on
        ):
            confirmed_at = earlier.confirmed_at  # a file gives the day; keep the time the admin screen stored
        common = {
            "theme": rec.theme,
            "provenance": prov.status,
            "confirmed_fields": list(prov.confirmed_fields),
            "provenance_sources": list(prov.sources),
            "provenance_note": prov.note,
            "confirmed_by_label": prov.confirmed_by,
            "confirmed_at": confirmed_at,
            "removed_at": None,
        }
        before = _snapshot_of(earlier, self.existing)
        old_version = earlier.version if earlier is not None else 0
        result = self.loading.result
        changes_before = len(result.created) + len(result.updated)
        parent = self.recommendation(
            rec.number,
            {
                **common,
                "parent_id": None,
                "position": position,
                "text": rec.text,
                **_welsh_values(rec),
                "addressees": list(rec.addressees),
                "deadline": rec.deadline,
            },
        )
        for j, sub in enumerate(rec.sub_recommendations, start=1):
            self.recommendation(
                sub.number,
                {
                    **common,
                    "parent_id": parent.id,
                    "position": position + j,
                    "text": sub.text,
                    **_welsh_values(sub),
                    "addressees": list(sub.addressees if sub.addressees is not None else rec.addressees),
                    "deadline": sub.deadline or rec.deadline,
                },
            )
        if earlier is not None and before is not None and len(result.created) + len(result.updated) > changes_before:
            _keep_versions(self.loading.session, parent, old_version, before, self.existing, self.loading.source)

    def recommendation(self, number: str, values: dict[str, Any]) -> Recommendation:
        """Add or bring in line the (sub-)recommendation ``number`` with the file's ``values``."""
        stored = self.existing.get(number)
        self.existing[number] = self.loading.put(
            stored,
            partial(Recommendation, set_id=saved_id(self.rec_set), number=number),
            values,
            REC_FIELDS,
            entity_type="recommendation",
            label=f"recommendation {number}",
            title=f"Recommendation {number} of {self.rec_set.short_title}",
        )
        return self.existing[number]


def _welsh_values(part: _WelshIn) -> dict[str, Any]:
    """A checked Welsh wording's columns (its source as stored: ``WelshWordingSource``)."""
    source = WelshWordingSource(part.text_cy_source) if part.text_cy_source else None
    return {"text_cy": part.text_cy, "text_cy_source": source, "text_cy_citation": part.text_cy_citation}


def _snapshot_of(rec: Recommendation | None, existing: dict[str, Recommendation]) -> dict[str, Any] | None:
    if rec is None:
        return None
    subs = sorted(
        (r for r in existing.values() if r.parent_id == rec.id and r.removed_at is None), key=lambda r: r.position
    )
    return snapshot(rec, subs)


def _keep_versions(
    session: Session,
    parent: Recommendation,
    old_version: int,
    before: dict[str, Any],
    existing: dict[str, Recommendation],
    source: str,
) -> None:
    """A load that changed a recommendation or its sub-recommendations makes one new version of the recommendation."""
    after = _snapshot_of(parent, existing)
    if after == before:
        return
    if parent.version == old_version:  # only its sub-recommendations changed
        next_version(parent)
        parent.updated_at = utc_now()
    keep_version(session, parent, before, source, version=old_version)
    keep_version(session, parent, after or {}, source)


def _apply_set(loading: Loading, data: SetIn) -> RecommendationSet:
    values: dict[str, Any] = {
        "title": data.title,
        "short_title": data.short_title,
        "published_on": data.published,
        "authors": list(data.authors),
        "source_url": data.source_url,
        "other_sources": list(data.other_sources),
        "licence_note": data.licence_note,
        "description": data.description,
        "expected_recommendations": data.expected_recommendations,
        "themes": [t.model_dump() for t in data.themes],
        "unplaced_requirements": [u.model_dump(mode="json") for u in data.unplaced_requirements],
    }
    stored = loading.session.exec(select(RecommendationSet).where(RecommendationSet.slug == data.slug)).first()
    return loading.put(
        stored,
        partial(RecommendationSet, slug=data.slug),
        values,
        SET_FIELDS,
        entity_type="recommendation_set",
        label=f"recommendation set {data.slug}",
        title=f"Recommendation set {data.short_title}",
    )
