"""Database plumbing: metadata conventions, column types, engines and sessions.

Import this module before defining any table: it sets the constraint naming convention that Alembic's
batch mode on SQLite depends on.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from tracker import inputs  # noqa: F401  (registers the before-flush check of every text written)
from tracker.timeutil import UTC, utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class StaleRecord(Exception):
    """Someone saved the record since this person loaded it; ``current`` holds the newer values."""

    def __init__(self, record_: Any, current: dict[str, Any]) -> None:
        super().__init__("The record was changed by someone else")
        self.record = record_
        self.current = current


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp stored in UTC on every database.

    SQLite drops the offset, so values are normalised to UTC on the way in and marked UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use tracker.timeutil.utc_now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumString(sa.TypeDecorator[Enum]):
    """A vocabulary value stored as its short string, read back as the enum member."""

    impl = sa.String(32)
    cache_ok = True

    def __init__(self, enum_class: type[Enum]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Enum | None:
        return None if value is None else self.enum_class(value)


def enum_field(enum_class: type[Enum], default: Any = ..., **kwargs: Any) -> Any:
    """A model field holding one value of ``enum_class``."""
    return Field(default=default, sa_type=EnumString(enum_class), **kwargs)


def created_at_field() -> Any:
    return Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


def timestamp_field(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


def text_field(default: Any = None, **kwargs: Any) -> Any:
    """Free text of any length."""
    return Field(default=default, sa_type=sa.Text, **kwargs)


def json_field(default_factory: Any = list, **kwargs: Any) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, **kwargs)


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """An engine for ``database_url`` with the settings the tracker relies on.

    SQLite: foreign keys on, WAL journal and a busy timeout so concurrent writers queue instead of failing.
    PostgreSQL: connections are checked before use, so the app recovers by itself after a restart.
    """
    if database_url.startswith("sqlite"):
        engine = sa.create_engine(
            database_url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return sa.create_engine(
        database_url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=10,
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy (not the driver) manage transactions so BEGIN IMMEDIATE below takes effect.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _is_memory(dbapi_connection: Any) -> bool:
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    return not row or not row[2]


def _sqlite_on_begin(connection: sa.Connection) -> None:
    # A deferred transaction that reads and then writes fails at once ("database is locked") if another
    # writer committed in between; an immediate one waits for the write lock (busy_timeout), so writers queue.
    writes = connection.get_execution_options().get("tracker_writes", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def end_read(session: Session) -> None:
    """End a transaction that only read with COMMIT rather than ROLLBACK (the same to the database).

    psycopg forgets every statement it has prepared on a connection when a transaction there rolls back, so if
    reads rolled back, PostgreSQL would plan each query afresh on every request; planning the public pages' one
    query costs several times executing it. Pending changes are left for ``close()`` to roll back.
    """
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


def for_writing(engine: Engine) -> Engine:
    """The same engine (and pool) for units of work that write: on SQLite they take the write lock first."""
    return engine.execution_options(tracker_writes=True)
