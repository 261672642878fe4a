"""The Jinja environment (our templates first, then the GOV.UK Frontend macros) and the page helper."""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from litestar.connection import ASGIConnection
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig
from sqlalchemy import text

from tracker.accounts.models import User
from tracker.permissions import Permission, can, reads_every_organisation
from tracker.settings import TEMPLATES_DIR
from tracker.timeutil import uk_date, uk_datetime
from tracker.vocabulary import Provenance


def static_url(path: str) -> str:
    """The address of a file in ``static/`` (the vendored front end)."""
    return f"/static/{path.lstrip('/')}"


@functools.cache
def build_environment() -> Environment:
    """One Jinja environment per process: its compiled-template cache is shared by every app built in it."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES_DIR),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Interface text is marked with _() so a Welsh catalogue can be installed without touching templates.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["uk_date"] = uk_date
    env.filters["uk_datetime"] = uk_datetime
    env.globals["Provenance"] = Provenance
    env.globals["static_url"] = static_url
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))


def is_demo_site(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """True when the database holds synthetic demo data (every page then says so)."""
    engine = connection.app.state.engine
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM user_account WHERE is_demo LIMIT 1")).first() is not None


def navigation(user: User | None, path: str) -> list[dict[str, Any]]:
    """The service navigation for this person: what they can reach from every page."""
    items = [("Home", "/")]
    items += [("Recommendations", "/recommendations"), ("Organisations", "/organisations"), ("Open data", "/open-data")]
    if user is not None:
        if user.organisation_id is not None or reads_every_organisation(user):
            items.append(("Action plans", "/plan"))
        if can(user, Permission.VIEW_OVERSIGHT):
            items.append(("Oversight", "/oversight"))
        if can(user, Permission.MANAGE_USERS):
            items.append(("Users", "/admin/users"))
        items.append(("Your account", "/account/password"))
    else:
        items.append(("Sign in", "/sign-in"))

    def active(href: str) -> bool:
        return path == href if href == "/" else path == href or path.startswith(href + "/")

    return [{"text": text, "href": href, "active": active(href)} for text, href in items]


def page(
    connection: ASGIConnection[Any, Any, Any, Any], template_name: str, status_code: int = 200, **context: Any
) -> Template:
    """Render a page (or an htmx partial) with what every template needs: the CSP nonce and the demo banner."""
    state = connection.scope.get("state", {})
    context.setdefault("csp_nonce", state.get("csp_nonce", ""))
    context.setdefault("status_code", status_code)
    user = connection.scope.get("user")
    context.setdefault("current_user", user)
    context.setdefault("nav_items", navigation(user, connection.url.path))
    if "demo_mode" not in context:
        try:
            context["demo_mode"] = is_demo_site(connection)
        except Exception:
            context["demo_mode"] = False
    return Template(template_name=template_name, context=context, status_code=status_code)
