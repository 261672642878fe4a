"""Logs and metrics an operator can use: one structured line per request, and Prometheus metrics.

Logging is Litestar's structlog plugin (``StructlogPlugin``, ``StructLoggingConfig``); every log call of the app,
its libraries and uvicorn goes through one standard-library handler whose structlog formatter writes JSON lines
(``TRACKER_LOG_FORMAT=json``, the default in production) or readable lines (``console``, the default elsewhere).

The request line comes from Litestar's logging middleware (``LoggingMiddlewareConfig.middleware_class``), told to
write one line when the response has been sent instead of two (request, then response) with the request's
headers, cookies, query and body. The line holds only: the request id, the method, the route, the status, the
duration in ms and the signed-in user's id. The route is the route's template (``/plan/responses/{response_id:int}``),
never the path someone typed: it groups the lines and the latency metric per page, and a path or query string can
carry what people typed (a search, an email address in a link) that has no place in a log.

The request id is the caller's ``X-Request-ID`` when it looks like an id (1 to 64 letters, digits, ``.``, ``_``,
``-``: what nginx's ``$request_id`` and UUIDs are), otherwise a new one; it is returned in ``X-Request-ID`` and
shown on the 500 page, so someone can quote it and the operator can find the line.

Metrics (``/metrics``, at that spelling only, only when METRICS_ALLOW or METRICS_TOKEN is set, and only to those
callers): request count and latency per route and status (Litestar's ``PrometheusMiddleware``), the database pool
in use, and counters of imports, evidence uploads, reminders sent and report builds (tracker.metrics).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import structlog
from litestar import Litestar, Request, Response, get
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import NotFoundException
from litestar.logging.config import LoggingConfig, StructLoggingConfig
from litestar.middleware.logging import LoggingMiddleware, LoggingMiddlewareConfig
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from litestar.types import Message, Receive, Scope, Send
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from tracker.settings import Settings
from tracker.web.client_address import client_address

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_STATE_KEY = "request_log"
_STARTED_KEY = "request_started"
request_log = structlog.get_logger("tracker.requests")

# --- the request id -------------------------------------------------------------------------------------------


def request_id_of(scope: Scope) -> str:
    """This request's id: the caller's X-Request-ID when it is a sane id, else a new one (kept in the scope)."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        sent = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                sent = value.decode("latin-1")
                break
        state["request_id"] = sent if _SANE_REQUEST_ID.fullmatch(sent) else secrets.token_hex(16)
    return str(state["request_id"])


# --- the request log ------------------------------------------------------------------------------------------


def _user_id(scope: Scope) -> int | None:
    user = scope.get("user")
    return getattr(user, "id", None)


def log_request(scope: Scope, status: int, started: float | None) -> None:
    """Write the request's one line. Only these fields: nothing a person typed or was sent ever reaches a log."""
    route = scope.get("path_template") if scope.get("route_handler") is not None else None
    request_log.info(
        "request",
        request_id=request_id_of(scope),
        method=scope.get("method"),
        route=route or "(no route)",
        status=status,
        duration_ms=None if started is None else round((time.perf_counter() - started) * 1000, 2),
        user_id=_user_id(scope),
    )


def log_request_answered_by_error_handler(scope: Scope, status: int) -> None:
    """The line for a response the app's exception handler sent outside the route's middleware (no route matched,
    or a middleware failed): the request log middleware did not see it go."""
    state = scope.get("state", {})
    entry = state.get(_STATE_KEY)
    if entry is None or entry.get("escaped"):
        log_request(scope, status, entry["started"] if entry else state.get(_STARTED_KEY))


def time_every_request(app: Litestar) -> Litestar:
    """Note when each request reached the app, around its router: a request no route answers never reaches the
    route middleware (RequestLogMiddleware), and its line needs a duration too."""
    handler = app.asgi_handler

    async def timed(scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})[_STARTED_KEY] = time.perf_counter()
        await handler(scope, receive, send)

    app.asgi_handler = timed
    return app


class RequestLogMiddleware(LoggingMiddleware):
    """Litestar's logging middleware, writing one line per request once it has been answered (see the module)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_of(scope)
        state = scope.setdefault("state", {})
        entry: dict[str, Any] = {"started": state.get(_STARTED_KEY) or time.perf_counter(), "escaped": False}
        state[_STATE_KEY] = entry
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            entry["escaped"] = True  # the app's exception handler answers, and writes the line
            raise
        log_request(scope, status, entry["started"])


def request_log_middleware() -> Any:
    config = LoggingMiddlewareConfig(
        middleware_class=RequestLogMiddleware,
        logger_name="tracker.requests",
        request_log_fields=(),
        response_log_fields=["status_code"],
    )
    return config.middleware


def log_format(settings: Settings) -> str:
    return settings.log_format or ("json" if settings.is_production else "console")


def formatter(as_json: bool) -> logging.Formatter:
    """The formatter of every log line: structlog's, rendering JSON or readable text."""
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)
    return structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=[
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
        ],
    )


def logging_config(settings: Settings) -> StructLoggingConfig:
    """structlog, and the standard library's logging under it, writing every line through ``formatter``."""
    as_json = log_format(settings) == "json"
    stdlib = LoggingConfig(
        formatters={"tracker": {"()": lambda: formatter(as_json)}},
        handlers={"tracker": {"class": "logging.StreamHandler", "formatter": "tracker", "level": "INFO"}},
        root={"handlers": ["tracker"], "level": "INFO"},
        loggers={
            "alembic": {"level": "WARNING"},
            "litestar": {"level": "INFO", "propagate": True},
            # The request log replaces these: they show raw addresses, with their query strings.
            "uvicorn.access": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
        },
        configure_root_logger=True,
        log_exceptions="never",  # the app's exception handler logs what is unexpected, without request data
    )
    return StructLoggingConfig(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        standard_lib_logging_config=stdlib,
        log_exceptions="never",
        cache_logger_on_first_use=False,
    )


def structlog_plugin(settings: Settings) -> StructlogPlugin:
    """Litestar's structlog plugin, configured for this deployment (the request line is added in create_app, first
    of the middleware, so it also sees requests a later middleware refuses)."""
    return StructlogPlugin(
        StructlogConfig(structlog_logging_config=logging_config(settings), enable_middleware_logging=False)
    )


def configure_logging(settings: Settings) -> None:
    """What the plugin does when an app is built, for a process before it builds one (``tracker serve``)."""
    config = logging_config(settings)
    config.configure()
    if config.standard_lib_logging_config is not None:
        config.standard_lib_logging_config.configure()


# --- metrics --------------------------------------------------------------------------------------------------

LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


def prometheus_config() -> PrometheusConfig:
    """Litestar's Prometheus middleware: requests and their latency per route template (not per raw path)."""
    return PrometheusConfig(
        app_name="tracker",
        prefix="tracker",
        group_path=True,
        buckets=list(LATENCY_BUCKETS),
        exclude=["^/metrics$", "^/static/"],
    )


class PoolCollector(Collector):
    """Read at each scrape: the database connection pool's use (the engines of the apps in this process), and the
    reminders sent, counted in the database, since the daily job that sends them is another process."""

    def __init__(self) -> None:
        self.engines: dict[str, Engine] = {}

    def collect(self) -> Iterator[Metric]:
        in_use = GaugeMetricFamily("tracker_db_pool_in_use", "Database connections checked out", labels=["engine"])
        size = GaugeMetricFamily("tracker_db_pool_size", "Database connections the pool holds", labels=["engine"])
        for name, engine in self.engines.items():
            pool: Any = engine.pool
            if hasattr(pool, "checkedout"):
                in_use.add_metric([name], pool.checkedout())
            if hasattr(pool, "size"):
                size.add_metric([name], pool.size())
        yield in_use
        yield size
        yield from self.reminders_sent()

    def reminders_sent(self) -> Iterator[Metric]:
        engine = self.engines.get("main")
        if engine is None:
            return
        try:
            with engine.connect() as conn:
                sent = conn.execute(text("SELECT COUNT(*) FROM reminder_sent")).scalar_one()
                conn.commit()
        except SQLAlchemyError:
            return
        yield CounterMetricFamily("tracker_reminders_sent", "Reminder e-mails sent (from the database)", value=sent)


POOL = PoolCollector()
REGISTRY.register(POOL)


def watch_pool(engine: Engine, name: str = "main") -> None:
    POOL.engines[name] = engine


def metrics_allowed(request: Request[Any, Any, Any], settings: Settings) -> bool:
    """True when metrics are on and this caller is allowed: its address is in METRICS_ALLOW, or it sends
    ``Authorization: Bearer <METRICS_TOKEN>`` (the scheme in any case)."""
    if settings.metrics_token:
        scheme, _, sent = request.headers.get("authorization", "").strip().partition(" ")
        # The scheme is case-insensitive (RFC 9110, 11.1): "bearer" and "BEARER" are "Bearer".
        if scheme.lower() == "bearer" and secrets.compare_digest(
            sent.strip().encode(), settings.metrics_token.encode()
        ):
            return True
    if settings.metrics_allow:
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(n, strict=False) for n in settings.metrics_allow)
    return False


def asked_for_exactly_metrics(scope: Scope) -> bool:
    """The path as sent is ``/metrics`` itself. The router also matches ``/metrics/``, ``/metrics%2F``,
    ``/metrics/.``, ``//metrics`` and ``/%6detrics``, which a proxy guarding ``/metrics`` (deploy/nginx.conf)
    may pass on unguarded; metrics are only ever at the one spelling."""
    raw = scope.get("raw_path") or scope["path"].encode()
    return raw.split(b"?", 1)[0] == b"/metrics"  # the test client's raw_path holds the query too


class MetricsController(PrometheusController):
    """``/metrics`` for the callers the operator allows; a 404 for everyone else, at any other spelling of the
    path, and when metrics are off."""

    path = "/metrics"
    include_in_schema = False

    @get(name="metrics", opt={"public": True})
    async def get(self, request: Request[Any, Any, Any]) -> Response:
        if not asked_for_exactly_metrics(request.scope) or not metrics_allowed(request, request.app.state.settings):
            raise NotFoundException()
        return await super().get.fn(self)


def metrics_routes() -> list[Any]:
    return [MetricsController]
