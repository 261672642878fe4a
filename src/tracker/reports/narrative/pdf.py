"""A written report as a PDF: today's report's qualities (page numbers, bookmarks, metadata, the chart with its
table) with the written sections and examples in order, and the generated tables and annexes as appendices.

Written text reaches reportlab only as ``markup.to_reportlab`` makes it: escaped, with <b> and http(s) links."""

from __future__ import annotations

import datetime as dt

from reportlab.platypus import Paragraph

from tracker.reports import pdf
from tracker.reports.fonts import pdf_text
from tracker.reports.narrative import markup
from tracker.reports.narrative.document import WrittenReport, WrittenSection
from tracker.reports.pdf import BODY, H1, SMALL
from tracker.timeutil import LONDON, uk_date
from tracker.web.i18n import gettext

_ = gettext


def prose(report: WrittenReport, blocks: list[markup.Block]) -> list[object]:
    """Written text as paragraphs and bulleted items."""
    return [
        Paragraph(text, BODY, bulletText="\u2022") if bullet else Paragraph(text, BODY)
        for text, bullet in markup.to_reportlab(blocks, report.figures.render)
    ]


def published_line(report: WrittenReport) -> str | None:
    return _("Published %(day)s", day=uk_date(report.published_on)) if report.published_on else None


def render(report: WrittenReport) -> bytes:
    """The PDF's bytes: the same report gives the same bytes (``tracker.reports.pdf.render_pdf``)."""
    published = report.published_on  # a published report's PDF is dated the day it was published (London)
    created = dt.datetime.combine(published, dt.time(), LONDON).astimezone(dt.UTC) if published else None
    return pdf.render_pdf(report.data, story(report), created_at=created)


def story(report: WrittenReport) -> list[object]:
    data = report.data
    out = [*pdf.cover(data, published_line(report)), *pdf.contents()]
    if report.foreword:
        out += [_heading(_("Foreword")), *_fallback(report, "foreword"), *prose(report, report.foreword)]
    out += [_heading(_("Summary")), *_fallback(report, "summary"), *prose(report, report.summary)]
    out += _national_figures(report)
    out += [_heading(_("The recommendations"))]
    for written in report.sections:
        out += _recommendation(report, written)
    if report.next_steps:
        out += [_heading(_("What happens next")), *_fallback(report, "next_steps"), *prose(report, report.next_steps)]
    out += [_heading(_("Appendix: the figures in full"))]
    out += pdf.appendices(data, with_updates=False)
    return out


def _national_figures(report: WrittenReport) -> list[object]:
    data = report.data
    return [
        *(pdf._p(sentence, SMALL) for sentence in pdf.key_sentences(data)),
        pdf.status_table(data.total_counts, _("Responses")),
        pdf._p(pdf.no_recent_update(data), SMALL),
        *pdf.status_chart(data),
    ]


def _recommendation(report: WrittenReport, written: WrittenSection) -> list[object]:
    section = written.section
    out: list[object] = [*pdf.recommendation_heading(section.recommendation)]
    out += [*(_english_only() if written.fallback else []), *prose(report, written.commentary)]
    for example in written.examples:
        out += prose(report, markup.parse(example.lead_in or ""))
        when = f", {uk_date(example.source_on)}" if example.source_on else ""
        heading = f"<b>{pdf_text(example.organisation_name)}{pdf_text(when)}</b>"
        if example.title:
            heading += f": {pdf_text(example.title)}"
        out += [Paragraph(heading, BODY), Paragraph(pdf_text(example.text), SMALL)]
    out.append(pdf.status_table(section.counts, _("Organisations")))
    return out + pdf.who_lags(section) + pdf.practice_line(section)


def _fallback(report: WrittenReport, name: str) -> list[object]:
    return _english_only() if name in report.fallback else []


def _english_only() -> list[object]:
    """The note on a section the Welsh report shows in English (it has no Welsh): never silently."""
    return [Paragraph(f"<b>{pdf_text(_('This section is available in English only.'))}</b>", SMALL)]


def _heading(text: str) -> Paragraph:
    return Paragraph(pdf_text(text), H1)
