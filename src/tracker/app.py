"""The application factory: the one place where routes, middleware and plugins are wired together."""

from __future__ import annotations

import gc

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from tracker import __version__, migrate
from tracker.accounts.admin import UsersAdminController
from tracker.accounts.api_tokens import ApiTokenController
from tracker.accounts.auth import AuthenticationMiddleware
from tracker.accounts.controllers import AccountController, SignInController
from tracker.assessments.controllers import AssessmentController
from tracker.db import for_writing, make_engine
from tracker.evidence.api import EvidenceApi
from tracker.evidence.controllers import evidence_routes, sweep_uploads_on_startup
from tracker.organisations.controllers import LanguagesController
from tracker.plans.api import ActionsApi, ResponsesApi, UpdatesApi
from tracker.plans.controllers import PlanController
from tracker.plans.declared_controllers import DeclaredController
from tracker.plans.publication_controllers import PublicationController
from tracker.plans.spreadsheet.controllers import SpreadsheetController
from tracker.practice.controllers import (
    PracticeLibraryController,
    PracticeReviewController,
    PracticeSubmissionController,
)
from tracker.public.controllers import OpenDataController, PublicController
from tracker.recommendations.admin_controllers import ObligationChangesController, RecommendationsAdminController
from tracker.recommendations.candidate_controllers import CandidatesController
from tracker.recommendations.controllers import HomeController
from tracker.recommendations.report_controllers import ReportDocumentController
from tracker.reports.controllers import OversightController, ReportController
from tracker.reports.narrative.controllers import ReportDraftController
from tracker.reports.narrative.public_controllers import PublishedReportController
from tracker.reports.period_controllers import PeriodController
from tracker.settings import STATIC_DIR, TEMPLATES_DIR, Settings
from tracker.web import observability
from tracker.web.api import api_router
from tracker.web.cache_policy import CachePolicyMiddleware
from tracker.web.database import provide_db
from tracker.web.errors import handle_exception
from tracker.web.guards import declared_permission
from tracker.web.head import answer_head_as_get
from tracker.web.health import health, live
from tracker.web.i18n import Catalogues
from tracker.web.info_pages import InfoPagesController
from tracker.web.locale_middleware import LocaleMiddleware
from tracker.web.params import check_parameters
from tracker.web.security import SecurityHeadersMiddleware
from tracker.web.templating import build_environment, template_config


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app for ``settings`` (default: from the environment).

    Refuses to build on a database that is not at the latest migration, saying what to run.
    """
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    migrate.ensure_migrated(engine)
    observability.watch_pool(engine)

    def dispose_engine() -> None:
        engine.dispose()

    app = Litestar(
        route_handlers=route_handlers(settings),
        dependencies={"db": Provide(provide_db)},
        # Path and query parameters no record or query could take: 404 / 400; then the permission a route declares.
        guards=[check_parameters, declared_permission],
        middleware=[
            # First, so it times and logs every request the routes answer, also those a later middleware refuses.
            observability.request_log_middleware(),
            observability.prometheus_config().middleware,
            CachePolicyMiddleware(),
            SecurityHeadersMiddleware(hsts=settings.is_production),
            DefineMiddleware(AuthenticationMiddleware, exclude=["^/static/"]),
            LocaleMiddleware(),
        ],
        csrf_config=_csrf_config(settings),
        plugins=[HTMXPlugin(), observability.structlog_plugin(settings)],
        template_config=template_config(),
        exception_handlers={Exception: handle_exception},
        openapi_config=OpenAPIConfig(
            title="Recommendation tracker API",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "write_engine": for_writing(engine),
                "migration_head": migrate.head_revision(),
                "catalogues": Catalogues.load(settings.translations_dir),
            }
        ),
        on_startup=[sweep_uploads_on_startup],
        on_shutdown=[dispose_engine],
        debug=False,
    )
    return observability.time_every_request(answer_head_as_get(app))


def route_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    """Every page, API and file the app serves (evidence files are kept where ``settings`` say)."""
    return [
        HomeController,
        PublicController,
        OpenDataController,
        SignInController,
        AccountController,
        ApiTokenController,
        PlanController,
        SpreadsheetController,
        PublicationController,
        LanguagesController,
        api_router(ResponsesApi, ActionsApi, UpdatesApi, EvidenceApi),
        UsersAdminController,
        RecommendationsAdminController,
        ReportDocumentController,
        ObligationChangesController,
        DeclaredController,
        CandidatesController,
        OversightController,
        PeriodController,
        ReportController,
        ReportDraftController,
        PublishedReportController,
        AssessmentController,
        PracticeLibraryController,
        PracticeSubmissionController,
        PracticeReviewController,
        InfoPagesController,
        evidence_routes(settings),
        health,
        live,
        *observability.metrics_routes(),
        create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
    ]


def _csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_secure=settings.is_production,
        cookie_httponly=True,
        cookie_samesite="lax",
        # The API checks CSRF itself (tracker.web.api.api_access); open data and published files set no
        # cookie, so shared caches may keep them (tracker.public.caching).
        exclude=["/health", "^/metrics$", "^/api/", "^/open-data/.", "^/organisations/[^/]+/evidence/"],
    )


def create_server_app() -> Litestar:
    """``create_app()`` as the production server (``tracker serve``) runs it: once started, everything built so far is
    moved out of the garbage collector's sight (``freeze_start_up_objects``)."""
    app = create_app()
    app.on_startup.append(freeze_start_up_objects)
    return app


def freeze_start_up_objects() -> None:
    """Compile every template (and stop looking for changes to them), collect, then ``gc.freeze()`` what is left:
    the modules, the app, the ORM mappers and the compiled templates live as long as the process, yet a full
    collection walked them all each time.

    Under load those full collections paused requests for 100 to 650 ms (the long tail in bench/load.py); with
    the start-up objects frozen they take a few ms. Not done for apps built in tests, which build hundreds of them
    in one process (frozen objects are never collected).
    """
    environment = build_environment()
    for name in environment.list_templates(filter_func=lambda name: name.endswith(".html")):
        if (TEMPLATES_DIR / name).exists():
            environment.get_template(name)
    # The server serves the templates it started with, as it does its code (a deployment restarts it): Jinja then
    # need not look at each template file's time on every page (a stat per template, import and macro file).
    environment.auto_reload = False
    gc.collect()
    gc.freeze()
