"""National oversight's pages kept in the database until the data they show changes: the dashboard and a
recommendation's national page.

Reading the national figures and rendering them is most of these pages' cost, yet they change only when someone
writes. So a page's content (everything inside its ``<main>``, the same for everyone who may see it: no navigation,
no name, no CSRF token, nothing one national role may see and another not) is rendered once per change and kept in
``cached_page``, where every process finds it; the page around it is rendered for each request. A request whose data
has not changed costs one query (the revision and the stored content together) and that small render.

A row's ``key`` names what is asked for: the code (``code_fingerprint``) and the latest migration, the page, the
language and the page's own parameters (the dashboard's set and order; the recommendation's id); one row per key,
replaced. Only the views people land on are kept (``kept``): the dashboard's each set, order and language, with a set
and order the page offers, and each recommendation that exists (the caller answers 404 before asking otherwise). A
dashboard narrowed by region, kind, theme, status or attention is rendered afresh each time, as before the store:
every combination of them would be thousands of rows of about 170 KB each, so made-up or merely numerous query
strings cannot fill the table. Its ``etag`` names the data it was rendered from: oversight's revision (moved on
before the commit of every write to anything these pages read, approved practice included,
``tracker.plans.summaries``), the day (overdue, "no recent update" and the 30 days are relative to it) and
``Settings.stale_update_days``. The revision is read before the figures, so a rendering is never older than the
revision it is stored under.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

from tracker.migrate import head_revision
from tracker.public.caching import code_fingerprint, keep_rendering
from tracker.public.models import OVERSIGHT_REVISION_KEY, CachedPage
from tracker.settings import Settings
from tracker.vocabulary import ResponseStatus

DASHBOARD_CONTENT = "reports/_dashboard_content.html"
RECOMMENDATION_CONTENT = "reports/_recommendation_content.html"
DASHBOARD_PAGE = "oversight:dashboard"
RECOMMENDATION_PAGE = "oversight:recommendation"
SORTS = ("name", "progress")
# One round trip: oversight's revision and the stored content under the key (NULLs when there is none).
_REVISION_AND_CONTENT = text(
    "SELECT r.etag, c.etag, c.body FROM (SELECT 1 AS one) AS one "
    "LEFT JOIN cached_page r ON r.key = :revision LEFT JOIN cached_page c ON c.key = :key"
)


def today() -> dt.date:
    """The day the national figures are as at (a function, so a test can move the clock on)."""
    return dt.date.today()


def normalised(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the page treats them: an empty value is no filter."""
    return {
        "region": filters.get("region") or "",
        "kind": filters.get("kind") or "",
        "theme": filters.get("theme") or "",
        "status": filters.get("status") or "",
        "attention": bool(filters.get("attention")),
        "sort": filters.get("sort") or "name",
        "set_slug": filters.get("set_slug") or "",
    }


@functools.cache
def _schema() -> str:
    """The latest migration: one that changes data without a change of code retires the stored contents too
    (migrations write around the session, so the revision does not see them)."""
    return head_revision() or ""


def storage_key(page: str, locale: str, params: dict[str, Any]) -> str:
    """The row of ``page`` (its route's name) in ``locale`` with these parameters (the dashboard's filters, the
    recommendation's id)."""
    parts = [code_fingerprint(), _schema(), page, locale]
    parts += [f"{k}={v}" for k, v in sorted(params.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def data_tag(revision: str | None, today: dt.date, stale_days: int) -> str:
    """What a stored content must have been rendered from to be served today."""
    return hashlib.sha256(f"{revision or ''}\n{today.isoformat()}\n{stale_days}".encode()).hexdigest()[:32]


NARROWING = ("region", "kind", "theme", "status", "attention")


def kept(filters: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether this view's content is kept: the unnarrowed dashboard (see the module's docstring), its order one
    the page offers."""
    return not any(filters[name] for name in NARROWING) and recognised(filters, context)


def recognised(filters: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether every filter value is one the page offers."""
    allowed = {
        "region": {"", *(r.code for r in context["regions"])},
        "kind": {"", *(k.value for k in context["kinds"])},
        "theme": {"", *(code for code, _ in context["themes"])},
        "status": {"", *(s.value for s in ResponseStatus)},
        "sort": set(SORTS),
    }
    return all(filters[name] in values for name, values in allowed.items())


def content(
    db: Session,
    settings: Settings,
    *,
    page: str,
    locale: str,
    params: dict[str, Any],
    today: dt.date,
    build: Callable[[], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
    keep: Callable[[dict[str, Any]], bool],
    write_engine: Engine,
) -> str:
    """``page``'s content with these parameters on ``today``: the stored rendering while its data is unchanged,
    else ``render(build())`` (the page's context), stored when ``keep(context)``."""
    key = storage_key(page, locale, params)
    query = {"revision": OVERSIGHT_REVISION_KEY, "key": key}
    revision, etag, body = db.connection().execute(_REVISION_AND_CONTENT, query).one()
    wanted = data_tag(revision, today, settings.stale_update_days)
    if etag == wanted:
        return str(body)
    context = build()
    body = render(context)
    if keep(context):
        keep_rendering(write_engine, CachedPage(key=key, etag=wanted, csrf_mark="", body=body), page)
    return str(body)
