"""Load regions, addressee groups and organisations from ``recommendations/organisations.yaml``."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session, select

from tracker.audit.services import Actor
from tracker.datafiles import LoadResult, ParsedFile, Problem, validate
from tracker.loaded_records import Loading
from tracker.organisations.models import AddresseeGroup, Organisation, Region
from tracker.vocabulary import OrganisationKind

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def _kind(value: Any) -> Any:
    return value.replace("-", "_") if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RegionIn(_Strict):
    code: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)


class GroupIn(_Strict):
    code: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    description: str | None = None
    kind: OrganisationKind | None = None
    organisations: list[str] = []

    _norm = field_validator("kind", mode="before")(_kind)

    @model_validator(mode="after")
    def _one_way(self) -> GroupIn:
        if (self.kind is None) == (not self.organisations):
            raise ValueError("give either `kind` (every organisation of that kind) or `organisations`, not both")
        return self


class OrganisationIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    name_cy: str | None = Field(default=None, min_length=1, max_length=200)  # its official Welsh name, if it has one
    kind: OrganisationKind
    country: Literal["England", "Wales", "England and Wales"] | None = None
    region: str | None = None
    force: str | None = None
    aliases: list[str] = []
    action_plan_url: str | None = Field(default=None, pattern=r"^https?://", max_length=500)
    note: str | None = None
    bilingual: bool = False  # writes its public texts in English and Welsh (issue 20)
    welsh_required_to_publish: bool = False  # publishing waits for the Welsh of every public text

    _norm = field_validator("kind", mode="before")(_kind)


class OrganisationsFile(_Strict):
    regions: list[RegionIn]
    addressee_groups: list[GroupIn]
    organisations: list[OrganisationIn] = Field(min_length=1)


def check(parsed: ParsedFile) -> tuple[OrganisationsFile | None, list[Problem]]:
    """Validate the file completely, returning every problem found."""
    doc, problems = validate(parsed, OrganisationsFile)
    if doc is None:
        return None, problems
    problems += _duplicates(parsed, "regions", [r.code for r in doc.regions], "code")
    problems += _duplicates(parsed, "addressee_groups", [g.code for g in doc.addressee_groups], "code")
    problems += _duplicates(parsed, "organisations", [o.slug for o in doc.organisations], "slug")
    regions = {r.code for r in doc.regions}
    kinds = {o.slug: o.kind for o in doc.organisations}
    for i, org in enumerate(doc.organisations):
        if org.region and org.region not in regions:
            problems.append(parsed.problem(("organisations", i, "region"), f"unknown region {org.region!r}"))
        if org.kind is OrganisationKind.POLICING_BODY and not org.force:
            problems.append(parsed.problem(("organisations", i), "a policing body must name its `force`"))
        if org.force and kinds.get(org.force) is not OrganisationKind.FORCE:
            problems.append(parsed.problem(("organisations", i, "force"), f"{org.force!r} is not a force in this file"))
    for i, group in enumerate(doc.addressee_groups):
        for j, slug in enumerate(group.organisations):
            if slug not in kinds:
                problems.append(
                    parsed.problem(("addressee_groups", i, "organisations", j), f"unknown organisation {slug!r}")
                )
    return (doc if not problems else None), problems


def _duplicates(parsed: ParsedFile, key: str, values: list[str], field: str) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, value in enumerate(values):
        if value in seen:
            out.append(parsed.problem((key, i, field), f"{value!r} appears more than once"))
        seen.add(value)
    return out


def apply(session: Session, doc: OrganisationsFile, source: str, actor: Actor) -> LoadResult:
    """Create or update every region, group and organisation in ``doc`` (in the caller's transaction)."""
    result = LoadResult(source)
    for position, region in enumerate(doc.regions):
        _upsert_simple(session, result, Region, region.code, {"name": region.name, "position": position}, "region")
    session.flush()
    existing = {o.slug: o for o in session.exec(select(Organisation))}
    loading = Loading(session, actor, result)
    # Forces first, so policing bodies can point at them.
    for org in sorted(doc.organisations, key=lambda o: o.force is not None):
        _apply_organisation(loading, org, existing)
    for position, group in enumerate(doc.addressee_groups):
        values = {
            "name": group.name,
            "description": group.description,
            "organisation_kind": group.kind,
            "organisation_slugs": group.organisations,
            "position": position,
        }
        _upsert_simple(session, result, AddresseeGroup, group.code, values, "addressee group")
    in_file = {o.slug for o in doc.organisations}
    for slug in sorted(set(existing) - in_file):
        result.notes.append(f"organisation {slug} is in the database but not in the file; it was kept")
    session.flush()
    return result


# An entry's field is stored in the column of the same name, except these; the slug is the key.
_COLUMN_OF = {"region": "region_code", "force": "force_id"}
# Chosen in the app once the organisation exists (its language settings page): the file gives only the first value,
# so reloading the data never undoes an admin's or the organisation's choice.
_SET_IN_THE_APP = ("bilingual", "welsh_required_to_publish")


def _apply_organisation(loading: Loading, org: OrganisationIn, existing: dict[str, Organisation]) -> None:
    values: dict[str, Any] = {
        _COLUMN_OF.get(name, name): getattr(org, name) for name in OrganisationIn.model_fields if name != "slug"
    }
    values["force_id"] = existing[org.force].id if org.force else None  # the slug in the file, the id stored
    fields = tuple(values)  # the whole record is audited, the settings chosen in the app included
    if org.slug in existing:
        for name in _SET_IN_THE_APP:
            del values[name]
    existing[org.slug] = loading.put(
        existing.get(org.slug),
        partial(Organisation, slug=org.slug),
        values,
        fields,
        entity_type="organisation",
        label=f"organisation {org.slug}",
        title=f"Organisation {org.name}",
        added="added from",
        whole_record=True,
    )


def _upsert_simple(
    session: Session, result: LoadResult, model: type, key: str, values: dict[str, Any], label: str
) -> None:
    current = session.get(model, key)
    if current is None:
        session.add(model(code=key, **values))
        result.created.append(f"{label} {key}")
        return
    if any(getattr(current, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(current, k, v)
        result.updated.append(f"{label} {key}")
    else:
        result.unchanged += 1
