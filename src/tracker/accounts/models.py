"""Tables for user accounts and their sign-in sessions."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, timestamp_field
from tracker.vocabulary import Role


class User(SQLModel, Versioned, table=True):
    """A person who signs in. Editors and viewers belong to one organisation."""

    __tablename__ = "user_account"
    conflict_fields: ClassVar[tuple[str, ...]] = ("email", "display_name", "role", "organisation_id", "is_active")

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=200)
    role: Role = enum_field(Role)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    is_demo: bool = False
    last_sign_in_at: dt.datetime | None = timestamp_field(default=None)
    password_changed_at: dt.datetime | None = timestamp_field(default=None)
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class UserSession(SQLModel, table=True):
    """A signed-in session, kept in the database so every app process sees it and sign-out is final."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64, description="sha256 of the cookie's token")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: dt.datetime = created_at_field()
    expires_at: dt.datetime = timestamp_field()
    last_seen_at: dt.datetime = created_at_field()


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins per email address (known or not), so slowing and locking work across processes."""

    __tablename__ = "sign_in_throttle"

    key: str = Field(primary_key=True, max_length=320, description="The normalised email address tried")
    failures: int = 0
    last_failure_at: dt.datetime | None = timestamp_field(default=None)
    locked_until: dt.datetime | None = timestamp_field(default=None)


class ApiToken(SQLModel, table=True):
    """A personal token for the JSON API; only its sha256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)
    created_at: dt.datetime = created_at_field()
    last_used_at: dt.datetime | None = timestamp_field(default=None)
    revoked_at: dt.datetime | None = timestamp_field(default=None)
