"""Tables for organisations, regions and addressee groups."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from tracker.db import created_at_field, enum_field, json_field, text_field
from tracker.vocabulary import OrganisationKind


class Region(SQLModel, table=True):
    """A police region (the NPCC's grouping of forces)."""

    __tablename__ = "region"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    position: int = 0


class Organisation(SQLModel, table=True):
    """A force, a local policing body, a national body or an inspectorate."""

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    name_cy: str | None = Field(default=None, max_length=200, description="Its official Welsh name, if it has one")
    kind: OrganisationKind = enum_field(OrganisationKind, index=True)
    country: str | None = Field(default=None, max_length=40)
    region_code: str | None = Field(default=None, max_length=40, foreign_key="region.code", index=True)
    force_id: int | None = Field(default=None, foreign_key="organisation.id")
    aliases: list[str] = json_field()
    action_plan_url: str | None = Field(default=None, max_length=500)
    note: str | None = text_field()
    bilingual: bool = Field(
        default=False, description="Writes its public texts in English and Welsh (the Welsh forces and commissioners)"
    )
    welsh_required_to_publish: bool = Field(
        default=False, description="Publishing waits until every public text has its Welsh (the organisation's choice)"
    )
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class AddresseeGroup(SQLModel, table=True):
    """A name a recommendation is addressed to, such as "chief constables" or "Home Office".

    A group is either every organisation of one kind, or a fixed list of organisations.
    """

    __tablename__ = "addressee_group"

    code: str = Field(primary_key=True, max_length=60)
    name: str = Field(max_length=200)
    description: str | None = text_field()
    organisation_kind: OrganisationKind | None = enum_field(OrganisationKind, default=None, nullable=True)
    organisation_slugs: list[str] = json_field()
    position: int = 0
