"""A written report as one document: the frozen period's report data, the analysts' sections with their figures
filled in, and the chosen examples, in the report's order. The HTML page, the PDF and the editor's preview are
all drawn from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlmodel import Session

from tracker.db import saved_id
from tracker.recommendations.models import RecommendationSet
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative import markup
from tracker.reports.narrative.figures import ReportFigures, report_figures
from tracker.reports.narrative.models import ReportDraft, ReportExample
from tracker.reports.progress_report import TITLE, RecommendationSection, ReportData, build_report

__all__ = ["TITLE", "WrittenReport", "WrittenSection", "frozen_report", "written_report"]


@dataclass
class WrittenSection:
    """A numbered recommendation's part of the report: its commentary, examples and frozen figures."""

    section: RecommendationSection
    commentary: list[markup.Block]
    examples: list[ReportExample]


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
) -> WrittenReport:
    """The written report of ``draft`` (or an empty one) on the frozen ``data``."""
    figures = report_figures(data)
    commentary = draft.commentary if draft is not None else {}
    report = WrittenReport(
        data=data,
        figures=figures,
        rec_set=rec_set,
        foreword=markup.parse(draft.foreword if draft else ""),
        summary=markup.parse(draft.summary if draft else ""),
        next_steps=markup.parse(draft.next_steps if draft else ""),
        published_on=published_on,
    )
    for section in data.sections:
        rec_id = saved_id(section.recommendation)
        report.sections.append(
            WrittenSection(
                section,
                markup.parse(commentary.get(str(rec_id), "")),
                [e for e in examples if e.recommendation_id == rec_id],
            )
        )
    return report
