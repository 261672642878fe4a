"""What the load benchmark (bench/load.py) anchors its figures on.

The floor is ``/health/live``: a route of the same app, through the same middleware, that touches no database.
The direct work of the dashboard and the national recommendation page is ``dashboard_context`` /
``recommendation_context`` rendered by the app's Jinja environment: it must be exactly what the pages show.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from tests.support.accounts import sign_in
from tests.support.plans import rec_id
from tracker.reports.controllers import DASHBOARD, RECOMMENDATION, dashboard_context, recommendation_context
from tracker.vocabulary import Role
from tracker.web.i18n import DEFAULT_LOCALE
from tracker.web.templating import build_environment, footer_links, links_to_languages, navigation


def test_the_liveness_probe_answers_without_touching_the_database(client, count_queries):
    response, queries = count_queries(lambda: client.get("/health/live"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert queries == 0
    assert "content-security-policy" in response.headers, "it goes through the same middleware as every page"


def visible_text(html: str) -> str:
    """The page without what differs per request (CSRF tokens) or per renderer."""
    html = re.sub(r'<input type="hidden" name="_csrf_token"[^>]*>', "", html)
    html = re.sub(r"<[^>]+>", " ", html)
    return " ".join(html.split())


def render_directly(template: str, context: dict, user, path: str, route_reverse, locales: list[str]) -> str:
    context.update(
        language_links=links_to_languages(path, locales, DEFAULT_LOCALE),
        route_reverse=route_reverse,
        status_code=200,
        current_user=user,
        nav_items=navigation(user, path),
        footer_links=footer_links(),
        demo_mode=False,
        request=None,
        csrf_input="",
        csrf_token=lambda: "",
    )
    return build_environment().get_template(template).render(**context)


def test_the_direct_work_renders_the_same_pages(client, session: Session, scenario, make_user, settings):
    coordinator = make_user(Role.COORDINATOR)
    sign_in(client, coordinator.email)
    locales = client.app.state.catalogues.locales
    page = client.get("/oversight")
    assert page.status_code == 200
    direct = render_directly(
        DASHBOARD, dashboard_context(session, settings), coordinator, "/oversight", client.app.route_reverse, locales
    )
    assert visible_text(direct) == visible_text(page.text)

    path = f"/oversight/recommendations/{rec_id(session, '1')}"
    page = client.get(path)
    assert page.status_code == 200
    context = recommendation_context(session, settings, rec_id(session, "1"))
    assert visible_text(
        render_directly(RECOMMENDATION, context, coordinator, path, client.app.route_reverse, locales)
    ) == visible_text(page.text)
    assert recommendation_context(session, settings, 999_999) is None


def test_the_production_server_freezes_its_start_up_objects(settings, monkeypatch):
    """Full garbage collections must not walk the modules, app and templates on every run (the long tail)."""
    import gc

    from tracker import app as app_module

    monkeypatch.setattr(app_module, "create_app", lambda: app_module.Litestar(route_handlers=[]))
    assert app_module.freeze_start_up_objects in app_module.create_server_app().on_startup
    environment = app_module.build_environment()
    reloading = environment.auto_reload
    try:
        app_module.freeze_start_up_objects()
        assert gc.get_freeze_count() > 10_000
        assert environment.auto_reload is False, "the server serves the templates it started with"
    finally:
        gc.unfreeze()
        environment.auto_reload = reloading


def test_the_national_page_of_a_recommendation_reads_the_addressee_names_once(
    session: Session,
    scenario,
    settings,
    monkeypatch,
):
    """It looked every name up again for each addressee; the page's cost must not grow with them."""
    from tracker.recommendations.models import Recommendation
    from tracker.reports import controllers

    calls = []
    real = controllers.addressee_names
    monkeypatch.setattr(controllers, "addressee_names", lambda db: calls.append(1) or real(db))
    rec = session.get(Recommendation, rec_id(session, "1"))
    rec.addressees = ["forces", "kent", "gwent", "kent-pcc", "npcc"]
    session.commit()
    context = recommendation_context(session, settings, rec.id)
    assert len(calls) == 1
    assert len(context["addressees"]) == 5
