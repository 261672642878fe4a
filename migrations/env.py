"""Alembic environment: the tracker's metadata, the database from DATABASE_URL, batch mode for SQLite."""

from __future__ import annotations

import warnings
from typing import Any

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import tracker.models  # noqa: F401  (registers every table)
from tracker.db import EnumString, UTCDateTime, make_engine
from tracker.practice.search import is_search_object
from tracker.settings import Settings

config = context.config
# SQLite's reflection cannot read an index on an expression (it warns and leaves it out), so autogenerate does
# not compare this one there, and a batch migration of reporting_period on SQLite must create it again.
warnings.filterwarnings(
    "ignore", "Skipped unsupported reflection of expression-based index uq_reporting_period_lower_name"
)
warnings.filterwarnings(
    "ignore", "autogenerate skipping metadata-specified expression-based index 'uq_reporting_period_lower"
)
target_metadata = SQLModel.metadata


def _database_url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types as plain SQLAlchemy types so migrations never import the app."""
    if type_ == "type":
        if isinstance(obj, UTCDateTime):
            return "sa.DateTime(timezone=True)"
        if isinstance(obj, EnumString):
            return "sa.String(length=32)"
        if obj.__class__.__module__.startswith("sqlmodel"):
            length = getattr(obj, "length", None)
            return f"sa.String(length={length})" if length else "sa.String()"
    return False


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave out the full-text search objects, which migrations create by hand (tracker.practice.search)."""
    return not (type_ in ("table", "index") and is_search_object(name))


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        include_name=include_name,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection: sa.Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_database_url())
    try:
        with engine.connect() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
