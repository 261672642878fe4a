"""The Jinja environment (our templates first, then the GOV.UK Frontend macros) and the page helper.

``page()`` is how every page and htmx partial is rendered: it adds what every template needs (the
signed-in user, navigation, footer links, language) and renders in the request's language (tracker.web.i18n).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, pass_context
from jinja2 import Template as JinjaTemplate
from jinja2.runtime import Context
from litestar.connection import ASGIConnection
from litestar.enums import MediaType
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig
from markupsafe import Markup
from sqlalchemy import text

from tracker.accounts.models import User
from tracker.inputs import clean_text, has_control_characters
from tracker.organisations.names import organisation_name, region_choices, region_name
from tracker.permissions import Permission, can, reads_every_organisation
from tracker.settings import TEMPLATES_DIR
from tracker.timeutil import uk_date, uk_datetime
from tracker.vocabulary import Provenance
from tracker.web import i18n, urls
from tracker.web.error_summary import SettledTemplate
from tracker.web.fields import (
    character_count_texts,
    choice_items,
    choices_of,
    content_choices,
    field_params,
    password_params,
    summary_list,
    translated_choices,
)
from tracker.web.i18n import gettext as _
from tracker.web.i18n import lazy_gettext
from tracker.web.template_cache import bytecode_cache

# The links in every page's footer, in order. A page that every visitor may need to find goes here.
FOOTER_LINKS: list[tuple[Any, str]] = [
    (lazy_gettext("Accessibility statement"), "/accessibility"),
    (lazy_gettext("Cookies"), "/cookies"),
    (lazy_gettext("Privacy notice"), "/privacy"),
    (lazy_gettext("Open data"), "/open-data"),
]


@pass_context
def address(
    context: Context, name: str, /, query: dict[str, Any] | None = None, locale: str | None = None, **path: Any
) -> str:
    """``url_for`` with a query string (``{"period": 3}``) and a language: the page's unless ``locale`` names one
    (``"cy"`` for the Welsh report beside the English one, ``"en"`` for the English beside the Welsh)."""
    base = url_for(context, name, **path)
    parts = urlsplit(base)
    pairs = [*parse_qsl(parts.query), *((key, str(value)) for key, value in (query or {}).items())]
    return i18n.localise_url(urlunsplit(("", "", parts.path, urlencode(pairs), "")), locale)


def static_url(path: str) -> str:
    """The address of a file in ``static/`` (the vendored front end)."""
    return f"/static/{path.lstrip('/')}"


@pass_context
def url_for(context: Context, name: str, /, **path_parameters: Any) -> str:
    """The path of the route handler called ``name`` (``app.route_reverse``), so templates never spell out an
    address. Litestar's own ``url_for`` fails with a bare KeyError when a template is rendered without a request
    (the report file); this one says which address was asked for.
    The address keeps the language of the page (``?lang=cy``), so a reader stays in the language they chose."""
    return _reverse(context, name, path_parameters)


def _reverse(context: Context, name: str, path_parameters: dict[str, Any]) -> str:
    request = context.get("request")
    if request is not None:
        return i18n.localise_url(str(request.app.route_reverse(name, **path_parameters)))
    # Rendered outside a request (a benchmark's direct render): the caller may hand over the app's reverser.
    reverse = context.get("route_reverse")
    if reverse is None:
        raise RuntimeError(f"url_for({name!r}) needs a request: this template is rendered outside one")
    return i18n.localise_url(str(reverse(name, **path_parameters)))


_SLOT = 7_301_946_285_113  # stands for the id in an address pattern: no row has it, and no address holds it otherwise


@dataclass(frozen=True)
class UrlPattern:
    """The address of a route for any value of its one integer path parameter, built once: ``pattern(5)`` is what
    ``url_for(name, parameter=5)`` gives, language kept, without reversing the route for every link (a page with
    hundreds of links to responses spent a quarter of its time in ``url_for``)."""

    before: str
    after: str

    def __call__(self, value: int | str) -> str:
        return f"{self.before}{value}{self.after}"


@pass_context
def url_pattern(context: Context, name: str, parameter: str, /, *, text: bool = False) -> UrlPattern:
    """The address pattern of the route called ``name`` with the integer path parameter ``parameter`` (``text``: a
    string parameter whose values need no quoting in a path, such as a slug)."""
    slot_value = str(_SLOT) if text else _SLOT
    before, slot, after = _reverse(context, name, {parameter: slot_value}).partition(str(_SLOT))
    if not slot:
        raise RuntimeError(f"the address of {name!r} does not hold its parameter {parameter!r}")
    return UrlPattern(before, after)


def language_input() -> Markup:
    """For a form that submits by GET (a filter, a search): the browser drops its action's query, so the language
    goes as a hidden field instead (nothing for English)."""
    locale = i18n.current_locale()
    if locale == i18n.DEFAULT_LOCALE:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(i18n.LANGUAGE_PARAMETER, locale)


def content_lang(language: str = i18n.DEFAULT_LOCALE) -> Markup:
    """The ``lang`` attribute for content written in ``language`` (what organisations wrote, the report's wording,
    names), when it differs from the page's: ``<p{{ content_lang() }}>{{ action.text }}</p>`` is ``<p lang="en">``
    on a Welsh page and plain ``<p>`` on an English one, so a screen reader reads each part in its own language."""
    if language == i18n.current_locale():
        return Markup("")
    return Markup(' lang="{}"').format(i18n.html_lang(language) if language != i18n.DEFAULT_LOCALE else "en")


def content_attributes(language: str = i18n.DEFAULT_LOCALE) -> dict[str, str]:
    """For a GOV.UK field holding text someone wrote (``attributes=content_attributes()``): its ``lang`` when the
    page is in another language."""
    return {} if language == i18n.current_locale() else {"lang": language}


def in_language(value: Any, language: str = i18n.DEFAULT_LOCALE) -> Any:
    """``{{ org.name | content }}``: text someone wrote (in English unless said otherwise) wrapped in a
    ``<span lang>`` when the page is in another language; unchanged on a page in its own language. Empty stays
    empty. Only for text between tags, never in an attribute or a ``<title>``."""
    if value is None or value == "" or language == i18n.current_locale() or isinstance(value, i18n.Interface):
        return value
    return Markup("<span{}>{}</span>").format(content_lang(language), value)


def printable(value: Any) -> Any:
    """What ``{{ … }}`` writes: never a character HTML forbids (a control character someone typed into a form
    that is refused is shown back without it, so the page around the error stays valid HTML)."""
    if isinstance(value, str) and has_control_characters(value):
        return Markup(clean_text(value)) if isinstance(value, Markup) else clean_text(value)
    return value


# What templates call by the function's own name; the form-field layer (templates/macros/fields.html) from
# field_params on.
TEMPLATE_FUNCTIONS = (
    static_url,
    url_for,
    url_pattern,
    address,
    language_input,
    content_lang,
    content_attributes,
    field_params,
    choice_items,
    summary_list,
    choices_of,
    content_choices,
    translated_choices,
    password_params,
    character_count_texts,
    urls.recommendation_url,
    region_name,
    region_choices,
    organisation_name,
)


class ImportingTemplate(JinjaTemplate):
    """A template that is quick to import. On each ``{% from … import … %}`` (a page's partials, and the GOV.UK
    macros import their helpers on every call) Jinja asks which globals the importing template has that this one
    lacks, as ``set - ChainMap.keys()``: a membership test in Python per global, a tenth of the dashboard's
    render. ``set.difference`` gives the same names at C speed; when there are none, Jinja's own method is asked
    for the module as it would have been (the cached one), and otherwise asked exactly as before."""

    def _get_default_module(self, ctx: Context | None = None) -> Any:
        if ctx is not None and not ctx.globals_keys.difference(self.globals):
            ctx = None
        return super()._get_default_module(ctx)


class PageTemplate(ImportingTemplate, SettledTemplate):
    """The templates of the app: quick to import (``ImportingTemplate``), error summaries settled
    (``SettledTemplate``)."""


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
        finalize=printable,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Quick to import, and every page's error summaries in its fields' order, a message two fields share named
    # by field.
    env.template_class = PageTemplate
    # Interface text is marked with _(); the request's catalogue is looked up when the text is rendered.
    i18n.install(env)
    env.filters["uk_date"] = uk_date
    env.filters["uk_datetime"] = uk_datetime
    env.globals["Provenance"] = Provenance
    # An address of ours built in a template keeps the page's language (?lang=cy): ``href="{{ path | localised }}"``.
    env.filters["localised"] = i18n.localise_url
    from tracker.reports import matrix  # the oversight matrix's cells (it builds on this module)
    from tracker.web.select_field import plain_select  # the form-field layer's fast select (builds on this module)

    env.globals.update(
        matrix_cell=matrix.matrix_cell,
        matrix_rows=matrix.matrix_rows,
        response_links=matrix.response_links,
        matrix_cell_words=matrix.cell_words,
        matrix_tag_colours=matrix.TAG_COLOURS,
        plain_select=plain_select,
    )
    env.globals["pgettext"] = i18n.pgettext
    env.filters["content"] = in_language
    # Imported here: tracker.web.written marks texts with in_language, defined above.
    from tracker.recommendations.welsh import TEMPLATE_GLOBALS as WORDING_GLOBALS
    from tracker.web.written import TEMPLATE_GLOBALS

    env.globals.update(TEMPLATE_GLOBALS)
    env.globals.update({function.__name__: function for function in TEMPLATE_FUNCTIONS})
    env.globals.update(WORDING_GLOBALS)
    env.bytecode_cache = bytecode_cache(env)  # compiled templates kept between processes (tracker.web.template_cache)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = build_environment()
    engine = JinjaTemplateEngine.from_environment(environment)
    environment.globals["url_for"] = url_for  # ours, not the one from_environment registered (see url_for)
    return TemplateConfig(instance=engine)


def is_demo_site(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """True when the database holds synthetic demo data (every page then says so)."""
    engine = connection.app.state.engine
    with engine.connect() as conn:
        demo = conn.execute(text("SELECT 1 FROM user_account WHERE is_demo LIMIT 1")).first() is not None
        conn.commit()  # a read, ended as tracker.db.end_read ends them
    return demo


def navigation(user: User | None, path: str) -> list[dict[str, Any]]:
    """The service navigation for this person: what they can reach from every page."""
    items = [(_("Home"), "/"), (_("Recommendations"), "/recommendations"), (_("Organisations"), "/organisations")]
    items += [(_("Promising practice"), "/practice"), (_("Open data"), "/open-data")]
    if user is not None:
        if user.organisation_id is not None or reads_every_organisation(user):
            items.append((_("Action plans"), "/plan"))
        if can(user, Permission.VIEW_OVERSIGHT):
            items.append((_("Oversight"), "/oversight"))
        if can(user, Permission.MANAGE_USERS):
            items.append((_("Users"), "/admin/users"))
        if can(user, Permission.MANAGE_RECOMMENDATIONS):
            items.append((_("Manage recommendations"), "/admin/recommendations"))
        items.append((_("Your account"), "/account/password"))
    else:
        items.append((_("Sign in"), "/sign-in"))

    def active(href: str) -> bool:
        return path == href if href == "/" else path == href or path.startswith(href + "/")

    return [{"text": text, "href": i18n.localise_url(href), "active": active(href)} for text, href in items]


def footer_links() -> list[dict[str, str]]:
    return [{"text": str(text), "href": i18n.localise_url(href)} for text, href in FOOTER_LINKS]


def language_links(connection: ASGIConnection[Any, Any, Any, Any], locale: str) -> list[dict[str, Any]]:
    """Links to this page in each available language (none when English is the only one)."""
    here = connection.url.path + (
        f"?{urlencode(list(connection.query_params.multi_items()))}" if connection.url.query else ""
    )
    return links_to_languages(here, i18n.catalogues_of(connection).locales, locale)


def links_to_languages(here: str, locales: list[str], locale: str) -> list[dict[str, Any]]:
    """The page at ``here`` in each of ``locales``, ``locale`` being the one shown (none with one language)."""
    if len(locales) < 2:
        return []
    return [
        {
            "text": i18n.language_name(code),
            "href": i18n.localise_url(here, code),
            "lang": i18n.html_lang(code),
            "hreflang": code,
            "current": code == locale,
        }
        for code in locales
    ]


class LocalisedTemplate(Template):
    """A template response rendered with its request's translations (also after the request's middleware ended,
    as with error pages)."""

    def __init__(self, *args: Any, translations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.translations = translations

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        with i18n.translations_in_use(self.translations):
            return super().to_asgi_response(*args, **kwargs)


def page(
    connection: ASGIConnection[Any, Any, Any, Any], template_name: str, status_code: int = 200, **context: Any
) -> LocalisedTemplate:
    """Render a page (or an htmx partial) with what every template needs: the demo banner,
    navigation and footer links, in the request's language."""
    locale = i18n.locale_of(connection)
    translations = i18n.catalogues_of(connection).translations(locale)
    with i18n.translations_in_use(translations):
        context.setdefault("status_code", status_code)
        user = connection.scope.get("user")
        context.setdefault("current_user", user)
        context.setdefault("nav_items", navigation(user, connection.url.path))
        context.setdefault("footer_links", footer_links())
        context.setdefault("language_links", language_links(connection, locale))
        context.setdefault("html_lang", i18n.html_lang(locale))
        if "demo_mode" not in context:
            try:
                context["demo_mode"] = is_demo_site(connection)
            except Exception:
                context["demo_mode"] = False
    # Always HTML: Litestar otherwise takes the handler's media type, which is JSON for a handler annotated
    # ``-> Any`` (a form error page then reached the browser labelled application/json, shown as source).
    return LocalisedTemplate(
        template_name=template_name,
        context=context,
        status_code=status_code,
        translations=translations,
        media_type=MediaType.HTML,
    )


def render_alone(connection: Any, template_name: str, context: dict[str, Any], **overrides: Any) -> str:
    """The template as ``page()`` would render it, as text (for a rendering that is kept: tracker.public.caching,
    tracker.reports.oversight_store); ``overrides`` replace what the request would put in its context."""
    response = page(connection, template_name, **context)
    full = {**response.create_template_context(connection), **overrides}
    engine = connection.app.template_engine
    assert engine is not None
    with i18n.translations_in_use(response.translations):
        return str(engine.get_template(template_name).render(**full))
