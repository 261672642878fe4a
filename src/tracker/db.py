"""Database plumbing: metadata conventions, column types, engines and sessions.

Import this module before defining any table: it sets the constraint naming convention that Alembic's
batch mode on SQLite depends on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from enum import Enum
from typing import Any, ClassVar, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declared_attr
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from sqlmodel import Field, SQLModel
from sqlmodel import Session as SQLModelSession

from tracker import inputs  # also registers the before-flush check of every text written
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
    """Someone saved the record since this person loaded it; ``current`` holds the newer values.

    Raised by the use cases' own version check, and by ``TrackerSession.flush`` when a write lost a race (the
    UPDATE matched no row of the loaded version). In the second case ``current`` is read on first use, so read
    it after rolling back: the record then reloads as it is now.
    """

    def __init__(self, record_: Any, current: dict[str, Any] | None = None) -> None:
        super().__init__("The record was changed by someone else")
        self.record = record_
        self._current = current

    @property
    def current(self) -> dict[str, Any]:
        if self._current is None:
            self._current = _current_values(self.record)
        return self._current


def _current_values(record_: Any) -> dict[str, Any]:
    from tracker.audit.services import fields_of  # the audit tables are built on this module

    if record_ is None:
        return {}
    try:
        return fields_of(record_, getattr(type(record_), "conflict_fields", ()))
    except ObjectDeletedError:
        return {}  # it was deleted meanwhile: there is nothing newer to show


class Duplicate(Exception):
    """A write broke a unique constraint: someone saved a record with the same ``columns`` of ``table`` first.

    ``TrackerSession.flush`` raises it in place of the driver's IntegrityError, so use cases can say which field
    is taken (their own check found none: another request was saving the same value at the same moment).
    """

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        super().__init__(f"A {table} record with the same {', '.join(columns)} already exists")
        self.table = table
        self.columns = tuple(columns)

    @classmethod
    def of(cls, exc: IntegrityError) -> Duplicate | None:
        """The unique constraint ``exc`` broke, or None when it is another kind of integrity error."""
        orig = exc.orig
        if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL: unique_violation
            diag = getattr(orig, "diag", None)
            name = getattr(diag, "constraint_name", None)
            table = getattr(diag, "table_name", None) or ""
            columns = _unique_columns(name) if name else None
            return cls(table, columns or [name or "value"])
        index = SQLITE_UNIQUE_INDEX.search(str(orig))  # an index on an expression, such as lower(name)
        if index and (table_columns := _index_table_columns(index.group(1))):
            return cls(*table_columns)
        found = SQLITE_UNIQUE.search(str(orig))
        if found:
            pairs = [item.strip().split(".", 1) for item in found.group(1).split(",")]
            return cls(pairs[0][0], [pair[-1] for pair in pairs])
        return None


SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w., ]+)")
SQLITE_UNIQUE_INDEX = re.compile(r"UNIQUE constraint failed: index '(\w+)'")


def _index_table_columns(name: str) -> tuple[str, list[str]] | None:
    """The table and the columns of the named index (an expression index names its columns in ``info``)."""
    for table in SQLModel.metadata.tables.values():
        for index in table.indexes:
            if index.name == name:
                return table.name, [c.name for c in index.columns] or list(index.info.get("columns", ()))
    return None


def _unique_columns(name: str) -> list[str] | None:
    for table in SQLModel.metadata.tables.values():
        for item in (*table.constraints, *table.indexes):
            if isinstance(item, (sa.schema.ColumnCollectionConstraint, sa.Index)) and item.name == name:
                return [column.name for column in item.columns] or list(item.info.get("columns", ()))
    return None


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Row) -> int:
    """The primary key of a row already in the database.

    SQLModel types ``id`` as ``int | None`` because a new row has none until it is flushed; code that works on
    loaded or flushed rows says so with this, and a row that was never flushed fails loudly here instead of
    writing NULL into a foreign key.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


T = TypeVar("T")


def not_none(value: T | None) -> T:
    """A value a query guarantees though its column is typed optional (a primary key read in a ``select()``,
    a column the WHERE clause requires): says so to the type checker, and fails loudly if it is ever not so."""
    if value is None:
        raise ValueError("a value the query guarantees is missing")
    return value


def table_of(model: type) -> sa.Table:
    """The table a model maps (``Model.__table__``, which SQLModel leaves untyped)."""
    table = getattr(model, "__table__", None)  # set on every table=True model by the declarative mapping
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} maps no table")
    return table


class Versioned:
    """Mixin for a table with a ``version`` column: the version check is part of every write.

    Each UPDATE and DELETE of a row says ``WHERE id = … AND version = <the version loaded>``, so when two people
    save the same version at once the second write matches no row (SQLAlchemy's StaleDataError, which
    ``TrackerSession`` turns into ``StaleRecord``) instead of overwriting the first; on PostgreSQL the second
    waits for the first's row lock and then sees its new version. The use cases still set the new version
    themselves (``version_id_generator=False``): the version counts the edits people make, so housekeeping
    writes (a sign-in time, an obligation turning optional, the time a plan was last touched) do not make
    everyone's open forms stale. ``conflict_fields`` are what a conflict shows as the newer values.
    """

    conflict_fields: ClassVar[tuple[str, ...]] = ()

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # SQLAlchemy calls this on the mapped class (typed here as an instance of the mixin).
        return {"version_id_col": table_of(cast(type, cls)).c.version, "version_id_generator": False}


def next_version(record_: Any) -> None:
    """Give ``record_`` its next version: the one way an edit a person makes is counted (see ``Versioned``)."""
    record_.version = (record_.version or 0) + 1


def check_version(record_: Any, expected: Any, fields: Sequence[str]) -> None:
    """Refuse an edit made on an older version of ``record_`` than the one stored: ``expected`` is the version the
    person loaded (an int from the API, digits from a form); ``StaleRecord`` carries the newer ``fields``."""
    if inputs.parse_id(expected) != record_.version:
        raise StaleRecord(record_, {name: plain(getattr(record_, name)) for name in fields})


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a field value (for conflicts and audit events)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class TrackerSession(SQLModelSession):
    """The app's session: a write that lost a race raises ``StaleRecord`` or ``Duplicate`` (never a driver
    error), and after a rollback its reads no longer take SQLite's write lock."""

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        # Noted before flushing: a failed flush leaves the session's bookkeeping in no state to ask.
        versioned = [item for item in (*self.dirty, *self.deleted) if isinstance(item, Versioned)]
        try:
            super().flush(objects)
        except StaleDataError as exc:
            raise StaleRecord(_stale_one(versioned, str(exc))) from exc
        except IntegrityError as exc:
            duplicate = None if self.in_nested_transaction() else Duplicate.of(exc)
            if duplicate is None:
                raise  # a savepoint's caller handles its own (e.g. the sign-in throttle's first insert)
            raise duplicate from exc

    def rollback(self) -> None:
        """Roll back; what the request reads afterwards (an error page, a form shown again) reads without the
        write lock. On SQLite a write transaction begins with BEGIN IMMEDIATE and holds the lock to its end, so
        an error path that re-read in one held every other writer off while its page rendered; in one server
        process the other requests' pages, rendered in the same event loop, then waited for that lock (30 s,
        then 503 "database is locked"). ``writes_again`` undoes this for a use case that rolls back and then
        writes."""
        super().rollback()
        bind = self.bind
        if isinstance(bind, Engine) and bind.get_execution_options().get("tracker_writes"):
            self.bind = bind.execution_options(tracker_writes=False)


def _stale_one(candidates: list[Any], message: str) -> Any:
    """Which of the versioned records being written lost the race: StaleDataError names only the table
    ("UPDATE statement on table 'response' expected to update 1 row(s); 0 were matched")."""
    found = re.search(r"table '([^']+)'", message)
    for item in candidates:
        if found and getattr(item, "__tablename__", None) == found.group(1):
            return item
    return candidates[0] if candidates else None


def writes_again(session: Session) -> None:
    """Let the session's next transaction write (take SQLite's write lock first) after a ``rollback``."""
    bind = session.bind
    if isinstance(bind, Engine) and bind.get_execution_options().get("tracker_writes") is False:
        session.bind = for_writing(bind)


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
        # Each stored value's member, looked up in a dict: calling the enum class cost a national page 0.5 ms.
        self.members: dict[Any, Enum] = {member.value: member for member in enum_class}

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Enum | None:
        if value is None:
            return None
        member = self.members.get(value)
        return self.enum_class(value) if member is None else member  # the class says what else a value may be


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
            hide_parameters=not echo,  # an error's message (and so a log line) never shows the values written
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return sa.create_engine(
        database_url,
        echo=echo,
        hide_parameters=not echo,
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


def insert_rows(
    session: Session, model: Any, rows: list[dict[str, Any]], key: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Insert many new rows of ``model`` with a few statements (a large import would otherwise build an ORM object
    and send an INSERT for each), checked as the before-flush check would check them; returns the rows with the
    model's defaults filled in. The rows are not in the session.

    ``key``: columns whose values tell the rows apart, to give each row its new ``id`` (read back with the
    inserted rows: in the order they come back, which a multi-row INSERT does not promise); none, no ids."""
    if not rows:
        return []
    defaults = {
        name: info.default_factory if info.default_factory is not None else info.default
        for name, info in model.model_fields.items()
        if name != "id" and (info.default_factory is not None or not info.is_required())
    }
    filled = {name: value() if callable(value) else value for name, value in defaults.items()}  # once: one time
    full = [filled | row for row in rows]
    checked: set[tuple[str, str]] = set()  # a text found fine in a column is fine in every row (many repeat)
    for row in full:
        # Only texts and lists can break a rule (``inputs.value_problem``).
        unchecked = {
            k: v for k, v in row.items() if isinstance(v, list) or (isinstance(v, str) and (k, v) not in checked)
        }
        if problems := inputs.problems_for(model, **unchecked):
            raise inputs.InputError(problems)
        checked.update((k, v) for k, v in unchecked.items() if isinstance(v, str))
    table = model.__table__
    note_bulk_rows(session, table.name, full)
    if not key:
        session.connection().execute(sa.insert(table), full)
        return full
    by_key = {tuple(row[name] for name in key): row for row in full}
    statement = sa.insert(table).returning(table.c.id, *(table.c[name] for name in key))
    for new_id, *values in session.connection().execute(statement, full):
        by_key[tuple(values)]["id"] = new_id
    return full


BULK_ROWS = "tracker.db.bulk_rows"


def note_bulk_rows(session: Session, table: str, rows: list[dict[str, Any]]) -> None:
    """Note rows written without the unit of work (which the flush hooks cannot see), for what follows every write
    before the transaction commits (``tracker.plans.summaries``)."""
    session.info.setdefault(BULK_ROWS, []).append((table, rows))


def for_writing(engine: Engine) -> Engine:
    """The same engine (and pool) for units of work that write: on SQLite they take the write lock first."""
    return engine.execution_options(tracker_writes=True)
