"""What organisations wrote, shown on the public pages in the reader's language, never silently in the other.

Which texts have a Welsh twin and which language a reader is shown are ``tracker.organisations.bilingual``'s rule
(``localised``); this module only says it on the page. A text shown in the language it is written in carries
that language's ``lang`` when it differs from the page's. When a reader's language is not written, the page says
so: beside the text for a bilingual organisation ("Not yet available in Welsh") and for a text written only in
Welsh read in English ("Available in Welsh only"); once per page or section for an organisation that writes only
in English, read in Welsh (``english_only``), rather than beside each of its texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from tracker.organisations.bilingual import WELSH, Localised, localised
from tracker.organisations.models import Organisation
from tracker.web import i18n
from tracker.web.i18n import gettext as _
from tracker.web.templating import in_language


def shown(record: Any, field: str) -> Localised:
    """``record``'s ``field`` (a row or a published plan's dict) as a reader of this page is shown it."""
    return localised(record, field, i18n.current_locale())


def language_note(record: Any, field: str, bilingual: bool = False) -> Markup:
    """The note beside a text shown in the other language than the page's (empty when none is needed): for an
    English-only organisation read in Welsh the page says it once instead (``english_only``)."""
    text = shown(record, field)
    if not text.fallback or not text.text:
        return Markup("")
    if text.language == WELSH:
        note = _("Available in Welsh only")
    elif bilingual:
        note = _("Not yet available in Welsh")
    else:
        return Markup("")
    return Markup(' <span class="govuk-body-s" data-testid="language-note">({})</span>').format(note)


def written(record: Any, field: str, bilingual: bool = False, *, note: bool = True) -> Markup:
    """``{{ written(response, "summary", org.bilingual) or _("None published.") }}``: the text in the reader's
    language, marked with the language it is in, and the note if it is in the other one (``note=False`` leaves
    the note to ``language_note``, for a text inside a link). Empty when nothing is written in either."""
    text = shown(record, field)
    if not text.text:
        return Markup("")
    words = Markup("{}").format(in_language(text.text, text.language))
    return words + language_note(record, field, bilingual) if note else words


def plain_written(record: Any, field: str) -> str:
    """The text in the reader's language without markup, for a ``<title>`` or an attribute."""
    return shown(record, field).text or ""


def english_only(organisations: Iterable[Organisation | None]) -> bool:
    """Whether a page in Welsh shows texts of an organisation that writes only in English (or of no recorded
    organisation): the page then says once that they are in English."""
    if i18n.current_locale() != WELSH:
        return False
    return any(organisation is None or not organisation.bilingual for organisation in organisations)


TEMPLATE_GLOBALS = {
    "written": written,
    "plain_written": plain_written,
    "language_note": language_note,
    "english_only": english_only,
}
