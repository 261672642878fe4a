"""``/health``: is the process up and can it reach a migrated database? ``/health/live``: is the process up?"""

from __future__ import annotations

from litestar import Response, get
from litestar.exceptions import ServiceUnavailableException

from tracker import migrate
from tracker.accounts.auth import current_user
from tracker.vocabulary import Role
from tracker.web.errors import problem
from tracker.web.handler_types import AnyRequest


@get("/health", sync_to_thread=True, include_in_schema=False, opt={"public": True}, name="health")
def health(request: AnyRequest) -> Response[dict[str, str]]:
    """200 when the database answers and is migrated; 503 otherwise.

    The public (and a load balancer's probe) learn only up or down: the schema revision and what is wrong
    tell an attacker which version runs, so only a signed-in admin is told them.
    """
    user = current_user(request)
    admin = user is not None and user.role is Role.ADMIN
    engine = request.app.state.engine
    try:
        current = migrate.current_revision(engine)
    except Exception as exc:
        raise ServiceUnavailableException("The database cannot be reached" if admin else None) from exc
    head = request.app.state.migration_head
    if current != head:
        return problem(503, f"The database is at migration {current}, expected {head}" if admin else None)
    if admin:
        return Response({"status": "ok", "database": "ok", "migration": current or ""})
    return Response({"status": "ok"})


@get("/health/live", sync_to_thread=False, include_in_schema=False, opt={"public": True}, name="health:live")
def live() -> dict[str, str]:
    """200 whenever the process answers, touching nothing else: a liveness probe, and the load benchmark's floor
    (the framework and middleware cost of a request on this machine, with no database work and no template)."""
    return {"status": "ok"}
