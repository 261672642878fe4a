"""Reading an upload form whose body is over the route's limit without losing the form.

Litestar refuses a body over ``request_max_body_size`` with 413 as soon as anything reads it, and a form sent
without JavaScript carries its CSRF token in the body, so the CSRF check read it first and the person got the
generic "The file is too large" page with everything typed lost. ``UploadFormReader`` (route middleware, so it
runs before the CSRF check) reads a signed-in person's multipart form itself: within the limit exactly as
Litestar would; over it, it drops the file, keeps reading and keeping the text fields (a browser sends the
evidence form's title and description after the file) up to ``DISCARD_FACTOR`` times the limit, then stops.
The handler gets the form as usual from ``request.form()`` and asks ``body_over_limit`` whether a file was
dropped, so it can answer with the form, the error beside the file field and what was typed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from litestar._multipart import parse_content_header
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers, UploadFile
from litestar.exceptions import ClientException
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser  # type: ignore[import-untyped]

DISCARD_FACTOR = 4
"""How far over the limit a body is still read (and its file discarded) to keep the fields after the file."""
TEXT_FIELD_BYTES = 1024 * 1024
"""A text field longer than this is dropped (the form's own limits are far lower)."""
MAX_PARTS = 100
_OVER_LIMIT = "tracker.upload_over_limit"


def body_over_limit(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether ``UploadFormReader`` dropped this request's file because its body was over the limit."""
    return bool(connection.scope.get(_OVER_LIMIT))


class UploadFormReader:
    """Route middleware: read a signed-in person's multipart form, keeping its text fields when it is too large."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type, options = parse_content_header(Headers.from_scope(scope).get("content-type", ""))
        boundary = options.get("boundary")
        if scope.get("method") != "POST" or content_type != "multipart/form-data" or not boundary:
            await self.app(scope, receive, send)
            return
        if scope.get("user") is None:  # nobody signed in: refused anyway, so read nothing beyond the usual
            await self.app(scope, receive, send)
            return
        handler = scope["route_handler"]
        limit = handler.resolve_request_max_body_size() if isinstance(handler, HTTPRouteHandler) else None
        if not limit:  # no limit to keep within: Litestar reads the form as usual
            await self.app(scope, receive, send)
            return
        fields, over = await _read(receive, boundary.encode(), limit)
        # Litestar keeps a request's parsed form here, so the CSRF check and the handler read this one.
        ScopeState.from_scope(scope).form = {k: v if len(v) > 1 else v[0] for k, v in fields.items()}
        scope[_OVER_LIMIT] = over  # type: ignore[literal-required]
        try:
            await self.app(scope, receive, send)
        finally:
            for values in fields.values():
                for value in values:
                    if isinstance(value, UploadFile):
                        await value.close()


async def _read(receive: Receive, boundary: bytes, limit: int) -> tuple[dict[str, list[Any]], bool]:
    """The form's fields, and whether the body went over ``limit`` (its file, then, dropped)."""
    fields: defaultdict[str, list[Any]] = defaultdict(list)
    received, over = 0, False
    segment: MultipartSegment | None = None
    data: UploadFile | bytearray | None = None
    parser = PushMultipartParser(boundary, max_segment_count=MAX_PARTS)
    try:
        while not parser.closed:
            message = await receive()
            chunk = message.get("body", b"") if message["type"] == "http.request" else b""
            received += len(chunk)
            if received > limit and not over:
                over = True
                if isinstance(data, UploadFile):  # the file being read: dropped
                    await data.close()
                    data = None
                for name in [name for name, values in fields.items() if isinstance(values[0], UploadFile)]:
                    for upload in fields.pop(name):
                        await upload.close()
            if message["type"] != "http.request":
                break  # the client left
            far = received > limit * DISCARD_FACTOR
            if far:  # far over the limit: read up to it, then stop
                chunk = chunk[: max(0, limit * DISCARD_FACTOR - (received - len(chunk)))]
            for part in parser.parse(chunk):
                if isinstance(part, MultipartSegment):
                    segment = part
                    data = bytearray()
                    if part.filename:
                        data = None if over else UploadFile(part.content_type or "text/plain", part.filename)
                elif part and data is not None:
                    await _add(data, part)
                    if isinstance(data, bytearray) and len(data) > TEXT_FIELD_BYTES:
                        data = None
                elif not part and segment is not None:
                    if isinstance(data, UploadFile):
                        await data.seek(0)
                        fields[segment.name].append(data)
                    elif data is not None:
                        fields[segment.name].append(data.decode(segment.charset or "utf-8"))
                    segment, data = None, None
            if far or not message.get("more_body", False):
                break
        parser.close(check_complete=not over)  # a body cut short within the limit is malformed
    except (ParserError, ParserLimitReached) as exc:
        raise ClientException("Invalid multipart/form-data") from exc
    finally:
        if isinstance(data, UploadFile):
            await data.close()
    return fields, over


async def _add(data: UploadFile | bytearray, part: bytes) -> None:
    if isinstance(data, UploadFile):
        await data.write(part)
    else:
        data.extend(part)
