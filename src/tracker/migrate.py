"""Run and check Alembic migrations from Python (the CLI, start-up and tests use this).

Checking that a database is at the latest migration (every start-up, ``/health``) does not import Alembic, which
takes about a second of CPU: the head is read from the revision files' ``revision`` and ``down_revision`` lines
and the current revision from the ``alembic_version`` table. Anything out of the ordinary (several heads, a file
that cannot be read that way, several rows in the table) is left to Alembic itself, so the answers and errors are
Alembic's (``tests/unit/migrate/test_migrations.py``). Upgrading and downgrading import Alembic when they run.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tracker.settings import MIGRATIONS_DIR, PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


class DatabaseNotMigrated(RuntimeError):
    """The database schema is not at the version this code expects."""


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config  # Alembic is imported only to change the schema (see the module's doc)

    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The latest migration: the one revision that no other revision follows."""
    revisions = _read_revisions()
    if revisions is not None:
        followed = {down for downs in revisions.values() for down in downs}
        heads = [revision for revision in revisions if revision not in followed]
        if len(heads) == 1:
            return heads[0]
    return alembic_head_revision()  # none or several heads, or an unusual file: Alembic answers (or raises)


def alembic_head_revision() -> str | None:
    """``head_revision`` as Alembic works it out, importing every revision file."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def _read_revisions() -> dict[str, tuple[str, ...]] | None:
    """{revision: the revisions it follows} from the revision files' assignments, or None if one is unusual."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        if path.name.startswith(("__init__", ".#")):
            continue
        values: dict[str, object] = {}
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            try:
                values.setdefault(name, ast.literal_eval(value))
            except (ValueError, SyntaxError):
                return None
        revision, down = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str) or revision in revisions or "down_revision" not in values:
            return None
        downs = (down,) if isinstance(down, str) else () if down is None else down
        if not isinstance(downs, tuple | list) or not all(isinstance(d, str) for d in downs):
            return None
        revisions[revision] = tuple(downs)
    return revisions


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration), as ``alembic current`` says it."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        if len(rows) <= 1:
            return rows[0] if rows else None
        from alembic.runtime.migration import MigrationContext  # several heads: Alembic's own error

        return MigrationContext.configure(connection).get_current_revision()


def ensure_migrated(engine: Engine) -> None:
    """Refuse to go on unless the database is at the latest migration, saying what to run."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "has no tracker tables yet" if current is None else f"is at migration {current}"
        raise DatabaseNotMigrated(
            f"The database {engine.url.render_as_string(hide_password=True)} {state}, "
            f"but this version of the tracker needs migration {head}. "
            "Run `tracker db upgrade` (or `make install`) first."
        )
