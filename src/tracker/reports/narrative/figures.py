"""Figure placeholders: one registry offers them beside each section and renders them, from the frozen report.

A placeholder is a figure's name in braces, with a recommendation's number for a recommendation's figure:
``{organisations_must_answer}``, ``{complete}``, ``{complete:7}``, ``{overdue:7}``, ``{no_published_plan:7}``.
Every value is read from the frozen period's report (``build_report``: its snapshots and stored export) through
``tracker.reports.figures.Headline``, the one definition of the headline figures, so the prose always says what
the report's tables say. A placeholder that names no figure is refused on saving, beside its field; one that no
longer names a figure (which saving prevents) is shown as such, never as a blank.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracker.reports.figures import Headline
from tracker.reports.narrative import markup
from tracker.reports.progress_report import ReportData
from tracker.vocabulary import ResponseStatus
from tracker.web.i18n import N_, ngettext
from tracker.web.i18n import gettext as _

# What a figure counts, with its number, in the reader's language: a count follows the catalogue's plural rule (a
# Welsh noun after a number stays singular).
Counted = Callable[[int], str]
# The national figures: the name written in braces, and what it counts (the headline's meaning).
NATIONAL: dict[str, Counted] = {
    "organisations_must_answer": lambda n: ngettext(
        "%(num)s organisation that must answer",
        "%(num)s organisations that must answer",
        n,
    ),
    "organisations_published": lambda n: ngettext(
        "%(num)s of them has published a plan",
        "%(num)s of them have published a plan",
        n,
    ),
    "no_published_plan": lambda n: ngettext(
        "%(num)s of them has not published a plan",
        "%(num)s of them have not published a plan",
        n,
    ),
    "responses": lambda n: ngettext(
        "%(num)s response in all",
        "%(num)s responses in all",
        n,
    ),
    "complete": lambda n: ngettext(
        "%(num)s response complete",
        "%(num)s responses complete",
        n,
    ),
    "blocked": lambda n: ngettext(
        "%(num)s response blocked",
        "%(num)s responses blocked",
        n,
    ),
    "overdue": lambda n: ngettext(
        "%(num)s response overdue",
        "%(num)s responses overdue",
        n,
    ),
    "no_recent_update": lambda n: ngettext(
        "%(num)s open response with no recent update",
        "%(num)s open responses with no recent update",
        n,
    ),
}
# A recommendation's figures: written with its number, e.g. {complete:7}.
PER_RECOMMENDATION: dict[str, Counted] = {
    "responses": lambda n: ngettext(
        "%(num)s organisation asked to answer it",
        "%(num)s organisations asked to answer it",
        n,
    ),
    "complete": lambda n: ngettext(
        "%(num)s complete",
        "%(num)s complete",
        n,
    ),
    "in_progress": lambda n: ngettext(
        "%(num)s in progress",
        "%(num)s in progress",
        n,
    ),
    "not_started": lambda n: ngettext(
        "%(num)s not started",
        "%(num)s not started",
        n,
    ),
    "blocked": lambda n: ngettext(
        "%(num)s blocked",
        "%(num)s blocked",
        n,
    ),
    "not_applicable": lambda n: ngettext(
        "%(num)s not applicable",
        "%(num)s not applicable",
        n,
    ),
    "overdue": lambda n: ngettext(
        "%(num)s overdue",
        "%(num)s overdue",
        n,
    ),
    "no_published_plan": lambda n: ngettext(
        "%(num)s asked to answer it, with no published plan",
        "%(num)s asked to answer it, with no published plan",
        n,
    ),
}


def _from_headline(headline: Headline) -> dict[str, int]:
    return {
        "organisations_must_answer": headline.organisations,
        "organisations_published": headline.published,
        "no_published_plan": headline.organisations - headline.published,
        "responses": headline.responses,
        "complete": headline.complete,
        "blocked": headline.blocked,
        "overdue": headline.overdue,
    }


@dataclass(frozen=True)
class Offered:
    """A placeholder offered beside a section: what to type, its value, and what it counts with the value ("178
    open responses with no recent update")."""

    token: str
    label: str
    value: int


@dataclass
class ReportFigures:
    """Every figure a placeholder can name, for one frozen report."""

    national: dict[str, int]
    by_recommendation: dict[str, dict[str, int]]  # a numbered recommendation's number: its figures

    def value(self, key: str) -> int | None:
        """The figure ``key`` names (what is written between the braces), or None if it names none."""
        name, colon, number = key.partition(":")  # exactly as listed: no spaces, no empty number
        if not colon:
            return self.national.get(name)
        return self.by_recommendation.get(number, {}).get(name)

    def render(self, key: str) -> str:
        value = self.value(key)
        return f"{value:,}" if value is not None else f"[no such figure: {key}]"

    def offered(self, number: str | None = None) -> list[Offered]:
        """The placeholders offered beside a section: the national ones, or a recommendation's."""
        if number is None:
            return [
                Offered(f"{{{name}}}", counted(self.national[name]), self.national[name])
                for name, counted in NATIONAL.items()
            ]
        figures = self.by_recommendation.get(number, {})
        return [
            Offered(f"{{{name}:{number}}}", counted(figures[name]), figures[name])
            for name, counted in PER_RECOMMENDATION.items()
        ]

    def problem(self, text: str) -> str | None:
        """What is wrong with the placeholders and links of ``text`` (a message for beside its field), or None."""
        unknown = [key for key in markup.figures_in(markup.parse(text)) if self.value(key) is None]
        if unknown:
            names = ", ".join(f"{{{key}}}" for key in dict.fromkeys(unknown))
            return _(
                "There is no figure %(names)s: use one from the list of figures for this section, such as %(example)s",
                names=names,
                example=_("%(national)s or %(recommendation)s", national="{complete}", recommendation="{complete:7}"),
            )
        if markup.stray_braces(text):
            return N_("Use { and } only around a figure from the list, such as {complete}")
        if bad := markup.unsafe_links(text):
            shown = bad[0] if len(bad[0]) <= 60 else bad[0][:59] + "\u2026"
            return (
                _(
                    "Links must be to an address starting http:// or https://, with no spaces, quotes, brackets, "
                    "braces or user name in it (this one begins %(start)s)",
                    start=repr(shown),
                )
                if shown
                else _("Links must be to an address starting http:// or https://, straight after the ( with no space")
            )
        return None


def report_figures(data: ReportData) -> ReportFigures:
    """The figures of a frozen period's report: the headline's, and each recommendation's (its rows counted by the
    same ``Headline``; its statuses as its table counts them)."""
    national = _from_headline(data.headline)
    national["no_recent_update"] = data.headline.no_recent_update or 0
    by_recommendation: dict[str, dict[str, int]] = {}
    for section in data.sections:
        rec_id = section.recommendation.id
        rows = [row for (_, rid), row in data.rows.items() if rid == rec_id]
        headline = Headline.count(((r.organisation_id, r.status, r.overdue) for r in rows), data.published_ids)
        figures = _from_headline(headline)
        for status in ResponseStatus:
            figures[status.value] = section.counts[status]
        by_recommendation[section.recommendation.number] = {name: figures[name] for name in PER_RECOMMENDATION}
    return ReportFigures(national, by_recommendation)
