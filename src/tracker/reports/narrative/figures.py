"""Figure placeholders: one registry offers them beside each section and renders them, from the frozen report.

A placeholder is a figure's name in braces, with a recommendation's number for a recommendation's figure:
``{organisations_must_answer}``, ``{complete}``, ``{complete:7}``, ``{overdue:7}``, ``{no_published_plan:7}``.
Every value is read from the frozen period's report (``build_report``: its snapshots and stored export) through
``tracker.reports.figures.Headline``, the one definition of the headline figures, so the prose always says what
the report's tables say. A placeholder that names no figure is refused on saving, beside its field; one that no
longer names a figure (which saving prevents) is shown as such, never as a blank.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.reports.figures import Headline
from tracker.reports.narrative import markup
from tracker.reports.progress_report import ReportData
from tracker.vocabulary import ResponseStatus
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _

# The national figures: the name written in braces, and what it counts (the headline's meaning).
NATIONAL: dict[str, str] = {
    "organisations_must_answer": N_("organisations that must answer"),
    "organisations_published": N_("of them, organisations that have published a plan"),
    "no_published_plan": N_("of them, organisations that have not published a plan"),
    "responses": N_("responses in all"),
    "complete": N_("responses complete"),
    "blocked": N_("responses blocked"),
    "overdue": N_("responses overdue"),
    "no_recent_update": N_("open responses with no recent update"),
}
# A recommendation's figures: written with its number, e.g. {complete:7}.
PER_RECOMMENDATION: dict[str, str] = {
    "responses": N_("organisations asked to answer it"),
    "complete": N_("complete"),
    "in_progress": N_("in progress"),
    "not_started": N_("not started"),
    "blocked": N_("blocked"),
    "not_applicable": N_("not applicable"),
    "overdue": N_("overdue"),
    "no_published_plan": N_("asked to answer it, with no published plan"),
}
EXAMPLE = "{complete} or {complete:7}"


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
    """A placeholder offered beside a section: what to type, what it counts, and its value."""

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
            return [Offered(f"{{{name}}}", label, self.national[name]) for name, label in NATIONAL.items()]
        figures = self.by_recommendation.get(number, {})
        return [Offered(f"{{{name}:{number}}}", label, figures[name]) for name, label in PER_RECOMMENDATION.items()]

    def problem(self, text: str) -> str | None:
        """What is wrong with the placeholders and links of ``text`` (a message for beside its field), or None."""
        unknown = [key for key in markup.figures_in(markup.parse(text)) if self.value(key) is None]
        if unknown:
            names = ", ".join(f"{{{key}}}" for key in dict.fromkeys(unknown))
            return _(
                "There is no figure %(names)s: use one from the list of figures for this section, such as %(example)s",
                names=names,
                example=EXAMPLE,
            )
        if markup.stray_braces(text):
            return N_("Use { and } only around a figure from the list, such as {complete}")
        if bad := markup.unsafe_links(text):
            shown = bad[0] if len(bad[0]) <= 60 else bad[0][:59] + "\u2026"
            return (
                "Links must be to an address starting http:// or https://, with no spaces, quotes, brackets, braces "
                f"or user name in it (this one begins {shown!r})"
                if shown
                else "Links must be to an address starting http:// or https://, straight after the ( with no space"
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
