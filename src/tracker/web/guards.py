"""Route guards. Permission decisions themselves live in ``tracker.permissions``."""

from __future__ import annotations

from typing import Any

from litestar import Controller
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from tracker.permissions import Permission, require
from tracker.web.i18n import N_

NEEDS = "needs"  # the ``opt`` key a route (or its controller) declares its permission under


def needs(permission: Permission) -> dict[str, Permission]:
    """The ``opt`` of a route or controller that only those with ``permission`` may use (``declared_permission``):
    ``@get("/", opt=needs(Permission.RUN_REPORTING))`` or ``opt = needs(...)`` on a controller."""
    return {NEEDS: permission}


def signed_in_user(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Only for people who are signed in (others are sent to the sign-in page)."""
    if connection.scope.get("user") is None:
        raise NotAuthorizedException(N_("Sign in to continue"))


def declared_permission(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Ask the rule table (``tracker.permissions.require``) for the permission the route declares, if any, before
    the handler runs: 401 for the public (pages send them to sign in, the API answers a problem document), 403 for
    others. Permissions about one organisation's records stay in the handler, which knows the organisation."""
    permission = handler.opt.get(NEEDS)
    if permission is not None:
        require(connection.scope.get("user"), permission)


class SignedInPages(Controller):
    """The base of every controller of signed-in HTML pages: each route needs a signed-in user (further
    permissions are declared per route with ``needs`` or asked of ``tracker.permissions``), and none is part of
    the JSON API's schema."""

    include_in_schema = False
    guards = [signed_in_user]
