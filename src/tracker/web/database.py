"""The database session each request gets (dependency ``db``)."""

from __future__ import annotations

from collections.abc import Generator

from litestar import Request
from litestar.datastructures import State
from sqlmodel import Session

from tracker.db import TrackerSession, end_read

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def provide_db(state: State, request: Request) -> Generator[Session, None, None]:
    """A session for this request; only unsafe methods take the write lock. Use cases commit; a read that
    succeeded ends with a commit (``end_read``: it keeps PostgreSQL's prepared statements); the rest rolls back."""
    safe = request.method in SAFE_METHODS
    with TrackerSession(state.engine if safe else state.write_engine, expire_on_commit=False) as session:
        yield session
        if safe:
            end_read(session)
