"""The database session each request gets (dependency ``db``)."""

from __future__ import annotations

from collections.abc import Generator

from litestar import Request
from litestar.datastructures import State
from sqlmodel import Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def provide_db(state: State, request: Request) -> Generator[Session, None, None]:
    """A session for this request; only unsafe methods take the write lock. Use cases commit; the rest rolls back."""
    engine = state.engine if request.method in SAFE_METHODS else state.write_engine
    with Session(engine, expire_on_commit=False) as session:
        yield session
