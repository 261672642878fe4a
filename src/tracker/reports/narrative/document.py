"""A written report as one document: the frozen period's report data, the analysts' sections with their figures
filled in, and the chosen examples, in the report's order. The HTML page, the PDF and the editor's preview are
all drawn from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlmodel import Session

from tracker.db import saved_id
from tracker.organisations.bilingual import ENGLISH, Localised, localised
from tracker.recommendations.models import RecommendationSet
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative import markup
from tracker.reports.narrative.figures import ReportFigures, report_figures
from tracker.reports.narrative.models import SECTIONS, ReportDraft, ReportExample
from tracker.reports.progress_report import TITLE, RecommendationSection, ReportData, build_report

__all__ = ["TITLE", "WrittenReport", "WrittenSection", "frozen_report", "written_report"]


@dataclass
class WrittenSection:
    """A numbered recommendation's part of the report: its commentary, examples and frozen figures."""

    section: RecommendationSection
    commentary: list[markup.Block]
    examples: list[ReportExample]
    language: str = ENGLISH  # the language the commentary is in
    fallback: bool = False  # shown in English in the Welsh report: it has no Welsh (the report says so)


@dataclass
class WrittenReport:
    """Everything a written report says, in order."""

    data: ReportData
    figures: ReportFigures
    rec_set: RecommendationSet
    foreword: list[markup.Block]
    summary: list[markup.Block]
    next_steps: list[markup.Block]
    sections: list[WrittenSection] = field(default_factory=list)
    published_on: dt.date | None = None
    language: str = ENGLISH  # the report's language; a section without it is in ``languages`` and ``fallback``
    languages: dict[str, str] = field(default_factory=dict)  # the language of each section (SECTIONS) shown
    fallback: set[str] = field(default_factory=set)  # the sections shown in English in the Welsh report

    def language_of(self, name: str) -> str:
        return self.languages.get(name, self.language)

    @property
    def title(self) -> str:
        return self.data.title

    def html(self, blocks: list[markup.Block]) -> Markup:
        """Written text as HTML, its figures filled in (``markup.to_html`` escapes everything it does not make)."""
        return Markup(markup.to_html(blocks, self.figures.render))

    def lead_in_html(self, example: ReportExample) -> Markup:
        return self.html(markup.parse(example.lead_in or ""))


def frozen_report(session: Session, period: ReportingPeriod, rec_set: RecommendationSet, stale_days: int) -> ReportData:
    """The frozen period's report on one set (its snapshots and stored export only)."""
    return build_report(session, period, stale_days=stale_days, set_id=saved_id(rec_set))


def written_report(
    data: ReportData,
    rec_set: RecommendationSet,
    draft: ReportDraft | None,
    examples: list[ReportExample],
    *,
    published_on: dt.date | None = None,
    locale: str = ENGLISH,
) -> WrittenReport:
    """The written report of ``draft`` (or an empty one) on the frozen ``data``, its sections in ``locale`` (a
    section not written in Welsh is shown in English in the Welsh report, and marked as such: never silently).
    The figures are the same in both: the placeholders are valued from the same frozen ``data``."""
    texts = {name: localised(draft, name, locale) for name in SECTIONS} if draft is not None else {}
    report = WrittenReport(
        data=data,
        figures=report_figures(data),
        rec_set=rec_set,
        foreword=_parsed(texts.get("foreword")),
        summary=_parsed(texts.get("summary")),
        next_steps=_parsed(texts.get("next_steps")),
        published_on=published_on,
        language=locale,
    )
    report.languages = {name: text.language for name, text in texts.items()}
    report.fallback = {name for name, text in texts.items() if text.fallback}
    for section in data.sections:
        rec_id = str(saved_id(section.recommendation))
        pair = {"commentary": "", "commentary_cy": ""}
        if draft is not None:
            pair = {
                "commentary": draft.commentary.get(rec_id, ""),
                "commentary_cy": draft.commentary_cy.get(rec_id, ""),
            }
        text = localised(pair, "commentary", locale)
        chosen = [e for e in examples if str(e.recommendation_id) == rec_id]
        report.sections.append(WrittenSection(section, _parsed(text), chosen, text.language, text.fallback))
    return report


def _parsed(text: Localised | None) -> list[markup.Block]:
    return markup.parse(text.text or "") if text is not None else []
