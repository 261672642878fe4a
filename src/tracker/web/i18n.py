"""Interface text in more than one language: gettext catalogues (Babel), English as the source.

Templates and Python code mark text with ``_()`` (and ``ngettext``); ``make translations`` extracts it into
``translations/messages.pot`` and updates each ``translations/<locale>/LC_MESSAGES/messages.po``. At start-up
the app loads every catalogue it finds there (``.mo`` if it is up to date, otherwise the ``.po`` is compiled in
memory), so adding ``translations/cy/LC_MESSAGES/messages.po`` makes Welsh appear without touching a template.

Each request gets a locale (see ``choose_locale``): the ``lang`` query parameter, otherwise English. The JSON API
(``/api``), whose answers no shared cache keeps, also follows the caller's ``Accept-Language`` (``preferred_locale``)
when its address names no language: its problem documents are in that language. A page's language
lives in the address, not in a cookie or the browser's ``Accept-Language``: links built by ``url_for`` and
``localise_url`` keep ``?lang=cy``, redirects keep it (``tracker.web.locale_middleware``), and a shared cache,
which keys pages by their address, holds each language of a public page apart without a ``Vary`` it could not
honour well. While the request is handled, and while its templates are rendered, ``current`` holds its
translations (which know their locale, ``current_locale``), so ``gettext`` needs no request argument.
"""

from __future__ import annotations

import contextvars
import functools
import gettext as stdlib_gettext
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, Translations

from tracker.settings import TRANSLATIONS_DIR

if TYPE_CHECKING:  # the middleware that uses litestar is tracker.web.locale_middleware: models and commands need none
    from litestar.connection import ASGIConnection

log = logging.getLogger("tracker.i18n")

DEFAULT_LOCALE = "en"
DOMAIN = "messages"
LANGUAGE_PARAMETER = "lang"

_NULL = stdlib_gettext.NullTranslations()
current: contextvars.ContextVar[stdlib_gettext.NullTranslations] = contextvars.ContextVar(
    "tracker_translations", default=_NULL
)


def current_locale() -> str:
    """The locale of the translations in use (English when none are)."""
    return str(getattr(current.get(), "locale_code", DEFAULT_LOCALE))


def localise_url(url: str, locale: str | None = None) -> str:
    """``url`` (an address of this site) carrying the language: ``?lang=cy`` added for any locale but English,
    and a ``lang`` already there replaced. External addresses and fragments-only links are left alone."""
    locale = current_locale() if locale is None else locale
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != LANGUAGE_PARAMETER]
    if locale != DEFAULT_LOCALE:
        query.append((LANGUAGE_PARAMETER, locale))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def _translated(message: str) -> str:
    # An empty message stays empty: a catalogue's entry for "" is its header, never a translation.
    return current.get().gettext(message) if message else message


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the language of the current request (``%(name)s`` placeholders filled from ``variables``)."""
    text = _translated(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """The singular or plural form for ``n``, translated; ``%(num)s`` is ``n``."""
    text = current.get().ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """For text defined at import time (labels, constants): translated each time it is shown."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as translated in ``context`` (a word that is also an identifier, such
    as an open-data column's name, is told apart from the same word elsewhere)."""
    return current.get().pgettext(context, message)


def NC_(context: str, message: str) -> str:
    """Marks ``message`` in ``context`` for extraction (``pgettext`` translates it where it is shown)."""
    return message


def N_(message: str) -> str:
    """Marks text for extraction without translating it here (it is translated where it is shown)."""
    return message


_ = gettext


class Interface(str):
    """Text already in the reader's language (a translated word, a date), among values that are otherwise what
    people wrote: ``| content`` leaves it unmarked."""


def _jinja_gettext(message: str) -> str:
    # Jinja's "newstyle" gettext fills %(name)s placeholders itself, after escaping.
    return _translated(message)


def _jinja_ngettext(singular: str, plural: str, n: int) -> str:
    return current.get().ngettext(singular, plural, n)


def install(environment: Any) -> None:
    """Give a Jinja environment (with the i18n extension) ``_``, ``gettext``, ``ngettext`` following the request."""
    environment.install_gettext_callables(_jinja_gettext, _jinja_ngettext, newstyle=True)


@contextmanager
def in_english() -> Iterator[None]:
    """Text built here is stored (an audit summary, a published file): English, the source, whatever the language
    of the request that wrote it."""
    with translations_in_use(_NULL):
        yield


@contextmanager
def translations_in_use(translations: stdlib_gettext.NullTranslations) -> Iterator[None]:
    token = current.set(translations)
    try:
        yield
    finally:
        current.reset(token)


@contextmanager
def answer_in_its_language(connection: ASGIConnection[Any, Any, Any, Any]) -> Iterator[None]:
    """The request's translations in use while its answer is built where its middleware (and with it its
    language) has ended, or never ran (a routing error): the exception handlers."""
    with translations_in_use(catalogues_of(connection).translations(locale_of(connection))):
        yield


@dataclass
class Catalogues:
    """The compiled catalogues of one translations folder, by locale (English needs none: it is the source)."""

    directory: Path | None
    by_locale: dict[str, Translations] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None) -> Catalogues:
        catalogues = cls(directory)
        if directory is None or not directory.is_dir():
            return catalogues
        for messages_dir in sorted(directory.glob("*/LC_MESSAGES")):
            locale = messages_dir.parent.name
            try:
                Locale.parse(locale)
            except (ValueError, UnknownLocaleError):
                log.warning("ignoring translations/%s: not a locale identifier", locale)
                continue
            translations = _read_catalogue(messages_dir / f"{DOMAIN}.po", messages_dir / f"{DOMAIN}.mo")
            if translations is not None and locale != DEFAULT_LOCALE:
                translations.locale_code = locale  # type: ignore[attr-defined]
                catalogues.by_locale[locale] = translations
        return catalogues

    @property
    def locales(self) -> list[str]:
        """English first, then every locale with a catalogue."""
        return [DEFAULT_LOCALE, *sorted(self.by_locale)]

    def translations(self, locale: str) -> stdlib_gettext.NullTranslations:
        return self.by_locale.get(locale, _NULL)

    def choose_locale(self, query_lang: str | None, accept_language: str | None = None) -> str:
        """The locale for a request: the one its address names, if installed; otherwise the installed one
        ``accept_language`` prefers (given for the API only); otherwise English."""
        if query_lang and query_lang in self.locales:
            return query_lang
        return preferred_locale(accept_language, self.locales) if accept_language else DEFAULT_LOCALE


def preferred_locale(accept_language: str, locales: list[str]) -> str:
    """The locale of ``locales`` an ``Accept-Language`` header prefers (RFC 9110: the highest q-value, the first of
    equals; ``cy-GB`` is ``cy``; ``q=0`` refuses), or English when it names none of them."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in locales and 0 < quality <= 1:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


def _read_catalogue(po: Path, mo: Path) -> Translations | None:
    """The ``.mo`` when it is at least as new as the ``.po``; otherwise the ``.po`` compiled in memory."""
    try:
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as f:
                return Translations(f, domain=DOMAIN)
        if po.exists():
            with po.open("rb") as f:
                catalog = read_po(f, abort_invalid=True)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            buffer.seek(0)
            return Translations(buffer, domain=DOMAIN)
    except Exception:  # a broken catalogue must not stop the service: that language falls back to English
        log.exception("could not load the catalogue %s", po)
    return None


def language_name(locale: str) -> str:
    """A language's name in that language ("Cymraeg" for cy), for the language switcher."""
    try:
        name = Locale.parse(locale).get_display_name(locale) or locale
    except (ValueError, UnknownLocaleError):
        return locale
    return name[:1].upper() + name[1:]


def html_lang(locale: str) -> str:
    """The value for ``<html lang>``: en-GB for the source English, otherwise the locale as a BCP 47 tag."""
    return "en-GB" if locale == DEFAULT_LOCALE else locale.replace("_", "-")


@functools.cache
def project_translations(locale: str) -> stdlib_gettext.NullTranslations:
    """A locale's translations from the project's own catalogues, for text made outside any request (a published
    report, the practice search's index); English (none) when there is no such catalogue."""
    return Catalogues.load(TRANSLATIONS_DIR).translations(locale)


_NO_CATALOGUES = Catalogues(None)


def catalogues_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Catalogues:
    """The app's catalogues (loaded once by create_app)."""
    return getattr(connection.app.state, "catalogues", None) or _NO_CATALOGUES


def locale_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """This request's locale, chosen once and kept in the request's state."""
    state = connection.scope.setdefault("state", {})
    if "locale" not in state:
        accept = connection.headers.get("accept-language") if is_api(connection.scope.get("path", "")) else None
        state["locale"] = catalogues_of(connection).choose_locale(
            connection.query_params.get(LANGUAGE_PARAMETER), accept
        )
    return state["locale"]


def is_api(path: str) -> bool:
    """Whether ``path`` is the JSON API's, whose problem documents follow ``Accept-Language``."""
    return path == "/api" or path.startswith("/api/")
