"""Path and query parameters checked once for every route, before any handler or query sees them.

An app-level guard (``check_parameters``) applies the rules of ``tracker.inputs``: a path parameter that is not a
storable value (an integer outside 1..2^31-1, text with a control character such as NUL) names no record, so the
answer is 404; a query parameter with a control character, or an integer one that is not ASCII digits within
range, is a 400 with a clear message. Litestar's own parsing then only ever sees values the database can hold.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, ValidationException
from litestar.handlers.base import BaseRouteHandler

from tracker.inputs import MAX_ID, has_control_characters, parse_id

MAX_NAME_BYTES = 255  # the longest file name (path segment) Linux file systems allow; no slug is longer
# The JSON API declares the same bounds in its schema (tracker.web.api: ids 1..2^31-1, no control characters)
# and answers 400 with a problem document, as its schema documents.
API_PREFIX = "/api/"
# A handler whose query is a set of filters that ignores values it does not know (the practice library) says so
# with ``opt={LENIENT_QUERY: True}``; it must then drop control characters itself (``tracker.inputs.clean_text``).
LENIENT_QUERY = "lenient_query"


def check_parameters(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """404 for a path parameter no record can have; 400 for a query parameter no query may take."""
    segments = set(connection.url.path.split("/"))
    for value in connection.path_params.values():
        # Only the plain ASCII spelling of an id names its record (int() also reads other scripts' digits, "012", "1\v")
        if isinstance(value, int) and not isinstance(value, bool) and str(value) not in segments:
            raise NotFoundException()
    if connection.url.path.startswith(API_PREFIX):
        return
    for value in connection.path_params.values():
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFoundException()
        if isinstance(value, int):
            continue
        text = str(value)  # a slug, a name, or a {file_path:path}
        if has_control_characters(text) or any(len(part.encode()) > MAX_NAME_BYTES for part in text.split("/")):
            raise NotFoundException()  # no record, and no file (longer names are an OSError, not a 404)
    if not connection.query_params:
        return
    errors: dict[str, str] = {}
    for name, value in connection.query_params.multi_items():
        if handler.opt.get(LENIENT_QUERY):
            break
        if has_control_characters(name) or has_control_characters(value):
            errors.setdefault(name, "Remove the control character (such as NUL) from this value")
    for name, minimum in _integer_query_parameters(handler):
        for value in connection.query_params.getall(name, []):
            if value != "" and parse_id(value, minimum) is None:
                errors.setdefault(name, f"Must be a whole number from {minimum} to {MAX_ID:,}")
    if errors:
        raise ValidationException(
            detail="; ".join(f"{name}: {message}" for name, message in errors.items()), extra=errors
        )


def _integer_query_parameters(handler: BaseRouteHandler) -> list[tuple[str, int]]:
    """The names of ``handler``'s integer query parameters with their least value (cached on the handler: its
    signature never changes). An integer is an id (from 1) unless it declares ``QueryParameter(ge=0)``: a count."""
    cached = getattr(handler, "_tracker_integer_query_parameters", None)
    if cached is not None:
        return cached
    names = []
    path_names = set(getattr(handler, "paths", set()))
    signature = getattr(handler, "parsed_fn_signature", None)
    for name, field in signature.parameters.items() if signature else ():
        if name in ("request", "db", "data", "state", "scope") or f"{{{name}" in " ".join(path_names):
            continue
        inner = [t for t in (field.inner_types or (field,))]
        types = {getattr(t, "annotation", None) for t in inner} | {field.annotation}
        if int in types and bool not in types:
            definition = field.kwarg_definition
            minimum = 0 if getattr(definition, "ge", None) == 0 else 1
            names.append((definition.query if getattr(definition, "query", None) else name, minimum))
    handler._tracker_integer_query_parameters = names  # type: ignore[attr-defined]
    return names
