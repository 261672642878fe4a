"""Short names for what route handlers take: Litestar reads through the aliases, and signatures stay short."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlmodel import Session

Db = NamedDependency[Session]  # the request's database session (tracker.web.database)
AnyRequest = Request[Any, Any, Any]
