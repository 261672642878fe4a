"""HTTP caching for the public site: validators derived from the data, and 304 for conditional requests.

The app keeps nothing in memory, so validators come from the database: one query reads the newest change to
everything a public page can show (publications, recommendations, sets, organisations, approved practice,
inspectorate ratings released for publication, the demo flag). Any process computes the same ETag and
Last-Modified for the same data, so a conditional request answers 304 wherever it lands.

HTML pages for anonymous visitors carry no cookie and nothing personal: ``public`` with a short max-age and
``stale-while-revalidate`` (PUBLIC_MAX_AGE, PUBLIC_STALE_WHILE_REVALIDATE), ``Vary: Cookie``, so a shared cache
in front can serve them (tracker.web.cache_policy keeps every response that sets a cookie private). For people
signed in they show their own navigation: ``private, no-cache`` (browsers keep them and revalidate). Open-data
tables and the feed are the same for everyone and take the anonymous pages' policy, so a download and the page
showing the same figures are held for the same short while. Published evidence files and the evidence tables
are ``public, no-cache`` (ASK_EVERY_TIME): a file published by mistake is withdrawn most urgently, and
nginx stores no such response, so a withdrawn file or its title is gone from every cache at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import logging
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from litestar import MediaType
from litestar.response import Response
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from tracker import __version__
from tracker.public import encoding
from tracker.public.models import REVISION_KEY, CachedPage, store_row
from tracker.settings import TEMPLATES_DIR, TRANSLATIONS_DIR
from tracker.timeutil import UTC
from tracker.web import i18n
from tracker.web.handler_types import AnyRequest
from tracker.web.templating import page, render_alone

PAGE_CACHE_CONTROL = "private, no-cache"
# Published evidence files and the evidence tables: any cache must ask the app first every time (a 304 when
# unchanged, one query), so a withdrawn file is gone from every cache at once (410), and its title with it.
ASK_EVERY_TIME = "public, no-cache"
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=UTC)
log = logging.getLogger("tracker.public")
CODE_DIR = Path(__file__).resolve().parents[1]  # src/tracker

# One round trip: the newest change to anything the public pages show, and how many rows there are
# (so a deletion changes the validators too).
_STAMP_COLUMNS = f"""
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
      (SELECT SUM(version) FROM practice),
      (SELECT MAX(created_at) FROM assessment WHERE released),
      (SELECT COUNT(*) FROM assessment WHERE released),
      (SELECT COUNT(*) FROM published_report),
      (SELECT etag FROM cached_page WHERE key = '{REVISION_KEY}'),
      (SELECT rendered_at FROM cached_page WHERE key = '{REVISION_KEY}')
"""
_STAMP = text(f"SELECT {_STAMP_COLUMNS}")
_STAMP_WIDTH = _STAMP_COLUMNS.count("(SELECT")
_TIME_COLUMNS = (0, 3, 5, 7, 9, 19)  # the columns above that are times (the last one, the revision's, is one too)
# The same, and in the same round trip the stored rendering of one page (NULLs when there is none): a page's text,
# or a download's gzipped body (``public_download``).
_STAMP_AND_PAGE, _STAMP_AND_GZIP = (
    text(
        f"SELECT {_STAMP_COLUMNS}, c.etag, c.csrf_mark, c.{column} "
        "FROM (SELECT 1 AS one) AS one LEFT JOIN cached_page c ON c.key = :key"
    )
    for column in ("body", "body_gzip")
)


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: dt.datetime

    def headers(self, cache_control: str, *, same_for_everyone: bool = False) -> dict[str, str]:
        headers = {
            "etag": self.etag,
            "last-modified": format_datetime(self.last_modified, usegmt=True),
            "cache-control": cache_control,
        }
        if not same_for_everyone and cache_control != ASK_EVERY_TIME:
            headers["vary"] = "Cookie"  # pages: the navigation differs for people signed in
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
def code_fingerprint() -> str:
    """A hash of the templates, the translations and the app's code, so a deployment that changes what pages
    show or how they look changes their validators (and retires their stored renderings) too."""
    digest = hashlib.sha256(__version__.encode())
    for root, pattern in ((TEMPLATES_DIR, "*.html"), (TRANSLATIONS_DIR, "*.po"), (CODE_DIR, "*.py")):
        for path in sorted(root.rglob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def data_stamp(session: Session, row: tuple[Any, ...] | None = None) -> tuple[str, dt.datetime]:
    """A fingerprint of the public data and the time of its newest change (whole seconds, UTC); from ``row`` when
    the caller has already read the stamp's columns."""
    if row is None:
        row = tuple(session.connection().execute(_STAMP).one())
    times = [t for t in (_as_utc(row[i]) for i in (*_TIME_COLUMNS, _STAMP_WIDTH - 1)) if t is not None]
    newest = max(times, default=_EPOCH).replace(microsecond=0)
    fingerprint = "|".join("" if v is None else str(_as_utc(v) or v) for v in row)
    return fingerprint, newest


def validators(
    session: Session,
    request: AnyRequest,
    *parts: object,
    personal: bool = True,
    stamp: tuple[Any, ...] | None = None,
) -> Validators:
    """Validators for the page at this URL: the data's fingerprint, the code, the language and (for pages whose
    navigation differs for people signed in) who is asking."""
    fingerprint, newest = data_stamp(session, stamp)
    user = request.scope.get("user")
    who = f"user:{user.id}" if personal and user is not None else "anonymous"
    key = "\n".join(
        [
            code_fingerprint(),
            fingerprint,
            request.url.path,
            request.url.query or "",
            i18n.locale_of(request),
            who,
            *map(str, parts),
        ]
    )
    return Validators(f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"', newest)


def _client_tags(request: AnyRequest) -> set[str] | None:
    """The entity tags of If-None-Match (weak ones as strong: it compares weakly), or None without one."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is None:
        return None
    return {t.strip().removeprefix("W/") for t in if_none_match.split(",")}


def is_fresh(request: AnyRequest, current: Validators) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since, as RFC 9110 says)."""
    tags = _client_tags(request)
    if tags is not None:
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


def not_modified(current: Validators, cache_control: str, *, same_for_everyone: bool = False) -> Response[None]:
    return Response(None, status_code=304, headers=current.headers(cache_control, same_for_everyone=same_for_everyone))


def conditional(
    request: AnyRequest,
    current: Validators,
    render: Callable[[], Any],
    cache_control: str = PAGE_CACHE_CONTROL,
    *,
    same_for_everyone: bool = False,
) -> Any:
    """304 if the client's copy is current; otherwise ``render()`` with the validators and cache policy added.
    ``same_for_everyone``: the response does not depend on who asks (no ``Vary: Cookie``)."""
    if is_fresh(request, current):
        return not_modified(current, cache_control, same_for_everyone=same_for_everyone)
    response = render()
    response.headers.update(current.headers(cache_control, same_for_everyone=same_for_everyone))
    return response


# --- stored renderings ----------------------------------------------------------------------------------------
#
# Rendering is most of a public page's cost, yet the pages change only when someone publishes or reference data
# is edited. So the page an anonymous visitor gets is rendered once per change of the data and kept in the
# database (``cached_page``), where every process finds it: a visit costs one query, which reads the validators'
# stamp and the stored row together. People signed in see their own navigation and always get a fresh render.
# Open-data files and the feed are kept the same way (``public_download``), for everyone: they hold no navigation;
# each gzipped, so a client that accepts gzip reads and receives a fraction of the bytes.


def shared_page_policy(request: AnyRequest) -> str:
    """The Cache-Control of a public page for anonymous visitors: shared caches may keep it a short while."""
    settings = request.app.state.settings
    return f"public, max-age={settings.public_max_age}, stale-while-revalidate={settings.public_stale_while_revalidate}"


def _storage_key(request: AnyRequest, query: Collection[str]) -> str | None:
    """The row a page's rendering is kept in, or None when this request's page is not one to keep: for someone
    signed in, for an htmx request, or with query parameters the page does not use (so a crawler's made-up URLs
    cannot fill the table)."""
    if request.scope.get("user") is not None or request.headers.get("hx-request"):
        return None
    params = request.query_params
    used = {name: params.getall(name) for name in params if name != i18n.LANGUAGE_PARAMETER}
    if any(name not in query or len(values) != 1 for name, values in used.items()):
        return None
    parts = [code_fingerprint(), request.url.path, i18n.locale_of(request)]
    parts += [f"{name}={values[0]}" for name, values in sorted(used.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _render(request: AnyRequest, template: str, context: dict[str, Any], csrf_mark: str) -> str:
    """The page as ``page()`` would render it, with the mark standing for the CSRF token."""
    return render_alone(
        request,
        template,
        context,
        csrf_input=f'<input type="hidden" name="_csrf_token" value="{csrf_mark}" />',
        csrf_token=lambda: csrf_mark,
    )


def _keep(request: AnyRequest, row: CachedPage) -> None:
    keep_rendering(request.app.state.write_engine, row, request.url.path)


def keep_rendering(engine: Engine, row: CachedPage, what: str) -> None:
    """Store a rendering (replacing the previous one under its key) in a transaction of its own. Best effort: a
    page that cannot be stored (a read-only replica, a busy database) is still served."""
    try:
        with Session(engine) as session:
            store_row(session, row)
            session.commit()
    except SQLAlchemyError:
        log.warning("could not store the rendering of %s", what, exc_info=True)


def public_page(
    request: AnyRequest,
    db: Session,
    template: str,
    build: Callable[[], dict[str, Any]],
    *,
    query: Collection[str] = (),
) -> Any:
    """A public HTML page: 304 when the client's copy is current; for anonymous visitors, the stored rendering
    while the data it shows is unchanged; otherwise ``build()`` its context (which may raise a 404), render,
    store and serve. ``query`` names the query parameters the page uses."""
    key = _storage_key(request, query)
    if key is None:
        return conditional(request, validators(db, request), lambda: page(request, template, **build()))
    current, (etag, csrf_mark, body) = _current_and_stored(request, db, key)
    policy = shared_page_policy(request)
    if is_fresh(request, current):
        return not_modified(current, policy)
    if etag != current.etag:  # none stored yet, or the data has changed since
        csrf_mark = f"csrf{secrets.token_hex(12)}"
        body = _render(request, template, build(), csrf_mark)
        _keep(request, CachedPage(key=key, etag=current.etag, nonce_mark="", csrf_mark=csrf_mark, body=body))
    # The inline script needs no per-request value (the policy allows it by its hash, tracker.web.security).
    token = value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")
    body = body.replace(csrf_mark, html.escape(token))
    return Response(body, media_type=MediaType.HTML, headers=current.headers(policy))


def _current_and_stored(
    request: AnyRequest, db: Session, key: str, *parts: object, personal: bool = True, download: bool = False
) -> tuple[Validators, tuple[Any, ...]]:
    """In one query: the validators of this request's page and the row stored under ``key`` (its etag, CSRF
    mark and body, a ``download``'s gzipped body; NULLs when there is none)."""
    query = _STAMP_AND_GZIP if download else _STAMP_AND_PAGE
    row = tuple(db.connection().execute(query, {"key": key}).one())
    return validators(db, request, *parts, personal=personal, stamp=row[:_STAMP_WIDTH]), row[_STAMP_WIDTH:]


def _download_key(request: AnyRequest) -> str | None:
    """The row a download's rendering is kept in: the code, the path and the language (downloads are the same
    for everyone, signed in or not; a CSV file's headings are in the reader's language, ``?lang=cy``); None with
    any other query parameter, so made-up URLs cannot fill the table."""
    params = list(request.query_params.multi_items())
    if params and (len(params) > 1 or params[0][0] != i18n.LANGUAGE_PARAMETER):
        return None
    parts = [code_fingerprint(), "download", request.url.path, i18n.locale_of(request)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# A stored download's encoding follows the client's Accept-Encoding, so shared caches must keep the two apart.
_VARY = {"vary": "Accept-Encoding"}


def _fresh_encoding(request: AnyRequest, plain: Validators, gzipped: bool) -> Validators | None:
    """The validators of the encoding the client's copy is in when it is current (its own encoding's when it
    asks If-Modified-Since or ``*``), else None. If-None-Match may name either encoding's ETag: a client that
    accepts gzip may hold the file unencoded, and a 304 must name the copy it confirms."""
    zipped = Validators(encoding.gzip_etag(plain.etag), plain.last_modified)
    own, other = (zipped, plain) if gzipped else (plain, zipped)
    tags = _client_tags(request)
    if tags is not None and other.etag in tags and own.etag not in tags and "*" not in tags:
        return other
    return own if is_fresh(request, own) else None


def public_download(
    request: AnyRequest,
    db: Session,
    render: Callable[[], bytes],
    *,
    media_type: str,
    headers: dict[str, str] | None = None,
    parts: Collection[object] = (),
    lists_evidence: bool = False,
) -> Any:
    """A public data file (an open-data table, the feed): served as public pages are. 304 when the client's copy
    is current; otherwise the stored rendering while the data it shows is unchanged (the one test of change all
    public pages share: their validators, moved on by publications, retractions and reference-data edits); else
    ``render()`` (UTF-8 bytes), store it gzipped, and serve. Clients that accept gzip get the stored gzip
    (``tracker.public.encoding``), the others it decompressed: as fast as reading the file's text from the
    database (SQLite), or twice as fast (PostgreSQL), for a twentieth of the bytes stored.
    ``parts``: whatever else the file depends on (the site's address).
    Shared caches hold it as long as an anonymous page, unless it ``lists_evidence`` (then they must ask every
    time, so a withdrawn file's title goes at once)."""
    policy = ASK_EVERY_TIME if lists_evidence else shared_page_policy(request)
    key = _download_key(request)
    if key is None:  # not stored, and sent unencoded whatever the client accepts
        current = validators(db, request, *parts, personal=False)
        return conditional(
            request,
            current,
            lambda: Response(render(), media_type=media_type, headers=headers or {}),
            policy,
            same_for_everyone=True,
        )
    gzipped = encoding.accepts_gzip(request.headers.get("accept-encoding"))
    current, (etag, _csrf, packed) = _current_and_stored(request, db, key, *parts, personal=False, download=True)
    confirmed = _fresh_encoding(request, current, gzipped)
    if confirmed is not None:
        return Response(None, status_code=304, headers={**confirmed.headers(policy, same_for_everyone=True), **_VARY})
    if etag == current.etag and packed is not None:
        content = bytes(packed) if gzipped else encoding.decompress(packed)
    else:  # none stored yet, or the data has changed since
        content = render()
        packed = encoding.compress(content)
        _keep(request, CachedPage(key=key, etag=current.etag, csrf_mark="", body="", body_gzip=packed))
        content = packed if gzipped else content
    served = {**(headers or {}), **current.headers(policy, same_for_everyone=True), **_VARY}
    if gzipped:
        served |= {"etag": encoding.gzip_etag(current.etag), "content-encoding": encoding.GZIP}
    return Response(content, media_type=media_type, headers=served)
