"""A recommendation's Welsh wording: where it comes from, and how a page in Welsh shows it.

A Welsh wording is never invented: it comes from a published source (``text_cy_source`` "source", with
``text_cy_citation`` saying where it was published) or is the project's own translation ("project_translation"),
which awaits review by a Welsh speaker. ``wording_problems`` is the one rule the data file and the admin screen
both apply; ``shown_wording`` is what a page shows its reader (English pages: the English, as always).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.organisations.bilingual import ENGLISH, WELSH, localised
from tracker.vocabulary import WelshWordingSource
from tracker.web import i18n
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _

WELSH_FIELDS = ("text_cy", "text_cy_source", "text_cy_citation")
MAX_CITATION = 500


def wording_problems(text: str | None, text_cy: str | None, source: str | None, citation: str | None) -> dict[str, str]:
    """What is wrong with a Welsh wording and its provenance, by field (empty when nothing is): a Welsh wording
    needs the English it translates and where it comes from; a source needs its citation."""
    problems: dict[str, str] = {}
    if not text_cy:
        return problems
    if not text:
        problems["text_cy"] = N_("A Welsh wording needs the English wording it is the Welsh of")
    known = {s.value for s in WelshWordingSource}
    if not source:
        problems["text_cy_source"] = N_(
            "Say where the Welsh wording comes from: a published source (with its citation) "
            "or the project's own translation"
        )
    elif source not in known:
        problems["text_cy_source"] = _(
            "'%(source)s' is not a source of a Welsh wording (use %(known)s)", source=source, known=" or ".join(known)
        )
    elif source == WelshWordingSource.SOURCE and not citation:
        problems["text_cy_citation"] = N_("Say where the Welsh wording was published")
    if citation and len(citation) > MAX_CITATION:
        problems["text_cy_citation"] = _("The citation must be %(limit)s characters or fewer", limit=MAX_CITATION)
    return problems


def file_problems(part: Any) -> dict[str, str]:
    """``wording_problems`` of a data file's recommendation, and what a file may not give without a Welsh wording:
    where it comes from, or a citation for the project's own translation (an edit screen leaves them out)."""
    problems = wording_problems(part.text, part.text_cy, part.text_cy_source, part.text_cy_citation)
    if not part.text_cy:
        for name in ("text_cy_source", "text_cy_citation"):
            if getattr(part, name):
                problems[name] = _("%(field)s is given without a Welsh wording (text_cy)", field=name)
    elif part.text_cy_source == WelshWordingSource.PROJECT_TRANSLATION and part.text_cy_citation:
        problems["text_cy_citation"] = N_("A citation is only for a Welsh wording from a published source")
    return problems


def welsh_entry(rec: Any) -> dict[str, Any]:
    """A recommendation's Welsh wording as a data file (and a version) keeps it: nothing when it has none."""
    if not rec.text_cy:
        return {}
    source = rec.text_cy_source.value if rec.text_cy_source is not None else None
    entry = {"text_cy": rec.text_cy, "text_cy_source": source}
    return entry | ({"text_cy_citation": rec.text_cy_citation} if rec.text_cy_citation else {})


@dataclass(frozen=True)
class WelshEdit:
    """A Welsh wording and where it comes from, as an edit screen asks to save them (unchecked)."""

    text: str | None = None
    source: str | None = None
    citation: str | None = None

    def kept(self) -> WelshEdit:
        """What is stored of it: without a Welsh wording, neither where it comes from nor a citation (a form keeps
        its radios when the wording is cleared); a citation only for a published source."""
        if not self.text:
            return WelshEdit()
        citation = self.citation if self.source == WelshWordingSource.SOURCE else None
        return WelshEdit(self.text, self.source, citation)

    def checked(self, text: str | None, max_length: int, errors: dict[str, str]) -> WelshEdit:
        """What is stored of it (``kept``) beside the English ``text``; its problems go into ``errors`` by field."""
        kept = self.kept()
        if kept.text and len(kept.text) > max_length:
            errors["text_cy"] = _("The Welsh wording must be %(limit)s characters or fewer", limit=f"{max_length:,}")
        for name, problem in wording_problems(text, kept.text, kept.source, kept.citation).items():
            errors.setdefault(name, problem)
        return kept

    def store(self, rec: Any) -> None:
        """Lay this (checked) Welsh wording over ``rec``."""
        rec.text_cy, rec.text_cy_citation = self.text, self.citation
        rec.text_cy_source = WelshWordingSource(self.source) if self.source else None

    @classmethod
    def of(cls, rec: Any) -> WelshEdit:
        """A recommendation's stored Welsh wording, as an edit that keeps it."""
        source = rec.text_cy_source.value if rec.text_cy_source is not None else None
        return cls(rec.text_cy, source, rec.text_cy_citation)


def provenance_note(rec: Any) -> str:
    """Where a recommendation's Welsh wording comes from, in the reader's language (empty when it has none)."""
    if not rec.text_cy:
        return ""
    if rec.text_cy_source == WelshWordingSource.SOURCE:
        return _("Welsh wording from %(citation)s.", citation=rec.text_cy_citation or "")
    return _("The project's translation, awaiting review by a Welsh speaker.")


@dataclass(frozen=True)
class ShownWording:
    """A recommendation's wording as a page shows it: its words, their language, where a Welsh wording comes from,
    and whether the page is in Welsh but the wording is in English because no Welsh wording is available."""

    text: str | None
    language: str
    note: str
    no_welsh: bool


def shown_wording(rec: Any) -> ShownWording:
    """``rec``'s wording for this page's reader: the Welsh (with its provenance) on a Welsh page when there is one,
    otherwise the English (chosen by the one rule for bilingual texts, ``localised``)."""
    shown = localised(rec, "text", i18n.current_locale())
    if shown.language == WELSH:
        return ShownWording(shown.text, WELSH, provenance_note(rec), False)
    return ShownWording(shown.text, ENGLISH, "", shown.fallback)


def any_without_welsh(recs: Any) -> bool:
    """Whether a Welsh page lists a recommendation whose wording it shows in English (the page says so once)."""
    return any(shown_wording(rec).no_welsh for rec in recs if rec is not None)


TEMPLATE_GLOBALS = {"recommendation_wording": shown_wording, "any_without_welsh_wording": any_without_welsh}
