"""Route guards. Permission decisions themselves live in ``tracker.permissions``."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler


def signed_in_user(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Only for people who are signed in (others are sent to the sign-in page)."""
    if connection.scope.get("user") is None:
        raise NotAuthorizedException("Sign in to continue")
