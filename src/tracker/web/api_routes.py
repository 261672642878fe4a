"""How a route of the JSON API is declared: its operation (method, path, the answers it documents) and the
permission it needs, which the loaders of its records read (``loader``), so a handler names what it works on and
holds no access check of its own.

A loader is a Litestar dependency: ``response`` (from ``response_id``), ``organisation`` (from ``slug``) and each
resource's own (``action``, ``update``, ``evidence``). Loading runs after ``check_body`` (a body that does not
match the schema answers 400 first), and answers 404 for what the caller may not see and 403 for what they may
not do (``tracker.permissions.require``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.types import Method

from tracker.accounts.models import User
from tracker.organisations.models import Organisation
from tracker.permissions import Permission
from tracker.plans.services import ResponseContext, load_response
from tracker.plans.workspace import organisation_for
from tracker.web.api import Problem, RecordId, Slug, errors, json_body
from tracker.web.handler_types import AnyRequest, Db

# What a route needs: to read an organisation's plan, or to change it.
VIEW, EDIT = Permission.VIEW_PLAN, Permission.EDIT_PLAN

Loaded = tuple[Any, ResponseContext]  # an action, update or evidence item with its response (``load_child``)
Item = NamedDependency[Loaded]  # the action, update or evidence item the path names, loaded with its response
Me = NamedDependency[User]  # the caller (the token's account)
# The body of a change: the fields to change, with the version the client last read.
CHANGE = json_body("The fields to change, with the version last read")


def operation(
    method: Method,
    path: str,
    operation_id: str,
    summary: str,
    permission: Permission,
    *codes: int,
    conflict: type[Problem] | None = None,
    status_code: int | None = None,
) -> HTTPRouteHandler:
    """A route of the API: run in a worker thread (the database calls block), documented with its error answers."""
    return HTTPRouteHandler(
        path=path,
        http_method=method,
        sync_to_thread=True,
        operation_id=operation_id,
        summary=summary,
        responses=errors(*codes, conflict=conflict),
        status_code=status_code,
        opt={"permission": permission},
    )


def permission_of(request: AnyRequest) -> Permission:
    """The permission the route declares (``operation``)."""
    permission: Permission = request.route_handler.opt["permission"]
    return permission


def loader(load: Callable[..., Any]) -> Provide:
    """A loader as a dependency, run in a worker thread like the routes.

    Litestar leaves a generator dependency (the request's ``db`` session) open when a later dependency raises, to
    be closed whenever it is collected; a loader that refuses (404, 403) therefore closes the session itself.
    """

    @functools.wraps(load)
    def load_or_close(*args: Any, **kwargs: Any) -> Any:
        try:
            return load(*args, **kwargs)
        except Exception:
            kwargs["db"].close()
            raise

    return Provide(load_or_close, sync_to_thread=True)


def _user(request: AnyRequest) -> User:
    user: User = request.user
    return user


def _response(request: AnyRequest, db: Db, response_id: RecordId) -> ResponseContext:
    return load_response(db, request.user, response_id, permission_of(request))


def _organisation(request: AnyRequest, db: Db, slug: Slug) -> Organisation:
    return organisation_for(db, request.user, slug, permission_of(request))


LOADERS = {
    "user": Provide(_user, sync_to_thread=False),
    "response": loader(_response),
    "organisation": loader(_organisation),
}
