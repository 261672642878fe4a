"""What every ``tracker`` command needs: the settings from the environment and a session on a migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.settings import Settings, SettingsError

if TYPE_CHECKING:
    from rich.console import Console
    from sqlmodel import Session

    from tracker.recommendations.models import RecommendationSet


@cache
def console() -> Console:
    """Where the commands write their progress and problems (standard error), made when first written to: rich
    takes a fifth of a second to import, which ``tracker --help`` does not need."""
    from rich.console import Console

    return Console(stderr=True)


def settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def session_of(settings: Settings, *, migrated: bool = True) -> Iterator[Session]:
    """A session on the database ``settings`` name, refusing (with the command to run) one that is not migrated.
    The database modules are imported here: ``tracker --help`` and the like need none of them."""
    from tracker import migrate
    from tracker.db import TrackerSession, for_writing, make_engine

    if settings.is_sqlite:
        ensure_sqlite_folder(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        if migrated:
            try:
                migrate.ensure_migrated(engine)
            except migrate.DatabaseNotMigrated as exc:
                raise click.ClickException(str(exc)) from exc
        with TrackerSession(for_writing(engine), expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def recommendation_set(session: Session, slug: str) -> RecommendationSet:
    """The recommendation set ``slug``; a command refuses one that does not exist, naming it."""
    from tracker.recommendations.editing import set_by_slug  # here: only the commands on a set need the editing

    rec_set = set_by_slug(session, slug)
    if rec_set is None:
        raise click.ClickException(f"There is no recommendation set {slug!r}")
    return rec_set
