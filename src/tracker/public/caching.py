"""HTTP caching for the public site: validators derived from the data, and 304 for conditional requests.

The app keeps nothing in memory, so validators come from the database: one query reads the newest change to
everything a public page can show (publications, recommendations, sets, organisations, approved practice, the
demo flag). Any process computes the same ETag and Last-Modified for the same data, so a conditional request
answers 304 wherever it lands.

HTML pages carry the CSRF cookie and, for people signed in, their own navigation; they are ``private,
no-cache`` (browsers keep them and revalidate). Data downloads, the feed and published files carry no cookie
or personal content and may be kept by shared caches for a minute.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import Request
from litestar.response import Response
from sqlalchemy import text
from sqlmodel import Session

from tracker import __version__
from tracker.settings import TEMPLATES_DIR
from tracker.timeutil import UTC

PAGE_CACHE_CONTROL = "private, no-cache"
DATA_CACHE_CONTROL = "public, max-age=60"
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=UTC)

# One round trip: the newest change to anything the public pages show, and how many rows there are
# (so a deletion changes the validators too).
_STAMP = text(
    """
    SELECT
      (SELECT MAX(published_at) FROM plan_publication),
      (SELECT COUNT(*) FROM plan_publication),
      (SELECT MAX(id) FROM plan_publication),
      (SELECT MAX(updated_at) FROM recommendation),
      (SELECT COUNT(*) FROM recommendation),
      (SELECT MAX(updated_at) FROM recommendation_set),
      (SELECT COUNT(*) FROM recommendation_set),
      (SELECT MAX(updated_at) FROM organisation),
      (SELECT COUNT(*) FROM organisation),
      (SELECT MAX(updated_at) FROM practice),
      (SELECT COUNT(*) FROM practice WHERE status = 'approved'),
      (SELECT COUNT(*) FROM response WHERE required),
      (SELECT 1 FROM user_account WHERE is_demo LIMIT 1),
      (SELECT COUNT(*) FROM addressee_group),
      (SELECT SUM(LENGTH(name)) FROM addressee_group),
      (SELECT SUM(LENGTH(name)) FROM region),
      (SELECT SUM(version) FROM recommendation),
      (SELECT SUM(version) FROM recommendation_set),
      (SELECT SUM(version) FROM practice)
    """
)


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: dt.datetime

    def headers(self, cache_control: str) -> dict[str, str]:
        headers = {
            "etag": self.etag,
            "last-modified": format_datetime(self.last_modified, usegmt=True),
            "cache-control": cache_control,
        }
        if cache_control.startswith("private"):
            headers["vary"] = "Cookie"  # the navigation differs for people signed in
        return headers


def _as_utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text from a raw query
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@functools.cache
def templates_fingerprint() -> str:
    """A hash of every template, so a deployment that changes how pages look changes their validators too."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        digest.update(path.relative_to(TEMPLATES_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def data_stamp(session: Session) -> tuple[str, dt.datetime]:
    """A fingerprint of the public data and the time of its newest change (whole seconds, UTC)."""
    row = tuple(session.exec(_STAMP).one())  # type: ignore[call-overload]
    times = [t for t in (_as_utc(row[i]) for i in (0, 3, 5, 7, 9)) if t is not None]
    newest = max(times, default=_EPOCH).replace(microsecond=0)
    fingerprint = "|".join("" if v is None else str(_as_utc(v) or v) for v in row)
    return fingerprint, newest


def validators(session: Session, request: Request[Any, Any, Any], *parts: object, personal: bool = True) -> Validators:
    """Validators for the page at this URL: the data's fingerprint, the app version and (for pages whose
    navigation differs for people signed in) who is asking."""
    fingerprint, newest = data_stamp(session)
    user = request.scope.get("user")
    who = f"user:{user.id}" if personal and user is not None else "anonymous"
    key = "\n".join(
        [
            __version__,
            templates_fingerprint(),
            fingerprint,
            request.url.path,
            request.url.query or "",
            who,
            *map(str, parts),
        ]
    )
    return Validators(f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"', newest)


def is_fresh(request: Request[Any, Any, Any], current: Validators) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since, as RFC 9110 says)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or current.etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return current.last_modified <= since
    return False


def not_modified(current: Validators, cache_control: str) -> Response[None]:
    return Response(None, status_code=304, headers=current.headers(cache_control))


def conditional(
    request: Request[Any, Any, Any],
    current: Validators,
    render: Callable[[], Any],
    cache_control: str = PAGE_CACHE_CONTROL,
) -> Any:
    """304 if the client's copy is current; otherwise ``render()`` with the validators and cache policy added."""
    if is_fresh(request, current):
        return not_modified(current, cache_control)
    response = render()
    response.headers.update(current.headers(cache_control))
    return response
