"""Run and check Alembic migrations from Python (the CLI, start-up and tests use this)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from tracker.settings import MIGRATIONS_DIR, PROJECT_ROOT


class DatabaseNotMigrated(RuntimeError):
    """The database schema is not at the version this code expects."""


def alembic_config(database_url: str) -> Config:
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
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
