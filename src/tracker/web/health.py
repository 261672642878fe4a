"""``/health``: is the process up and can it reach a migrated database? ``/health/live``: is the process up?"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import ServiceUnavailableException

from tracker import migrate
from tracker.web.errors import problem


@get("/health", sync_to_thread=True, include_in_schema=False, opt={"public": True})
def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """200 with the schema revision when the database answers and is migrated; 503 otherwise."""
    engine = request.app.state.engine
    try:
        current = migrate.current_revision(engine)
    except Exception as exc:
        raise ServiceUnavailableException("The database cannot be reached") from exc
    head = request.app.state.migration_head
    if current != head:
        return problem(503, f"The database is at migration {current}, expected {head}")
    return Response({"status": "ok", "database": "ok", "migration": current or ""})


@get("/health/live", sync_to_thread=False, include_in_schema=False, opt={"public": True})
def live() -> dict[str, str]:
    """200 whenever the process answers, touching nothing else: a liveness probe, and the load benchmark's floor
    (the framework and middleware cost of a request on this machine, with no database work and no template)."""
    return {"status": "ok"}
