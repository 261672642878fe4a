"""A written report as a PDF: today's report's qualities (page numbers, bookmarks, metadata, the chart with its
table) with the written sections and examples in order, and the generated tables and annexes as appendices.

Written text reaches reportlab only as ``markup.to_reportlab`` makes it: escaped, with <b> and http(s) links."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from tracker.reports import pdf
from tracker.reports.charts import status_bars
from tracker.reports.narrative import markup
from tracker.reports.narrative.document import WrittenReport, WrittenSection
from tracker.reports.pdf import BODY, H1, H2, SMALL
from tracker.timeutil import LONDON, uk_date
from tracker.vocabulary import ResponseStatus


def prose(report: WrittenReport, blocks: list[markup.Block]) -> list[object]:
    """Written text as paragraphs and bulleted items."""
    return [
        Paragraph(text, BODY, bulletText="\u2022") if bullet else Paragraph(text, BODY)
        for text, bullet in markup.to_reportlab(blocks, report.figures.render)
    ]


def published_line(report: WrittenReport) -> str | None:
    return f"Published {uk_date(report.published_on)}" if report.published_on else None


def render(report: WrittenReport) -> bytes:
    """The PDF's bytes: the same report gives the same bytes (``tracker.reports.pdf.render_pdf``)."""
    published = report.published_on  # a published report's PDF is dated the day it was published (London)
    created = dt.datetime.combine(published, dt.time(), LONDON).astimezone(dt.UTC) if published else None
    return pdf.render_pdf(report.data, story(report), created_at=created)


def story(report: WrittenReport) -> list[object]:
    data = report.data
    out = [*pdf.cover(data, published_line(report)), *pdf.contents()]
    if report.foreword:
        out += [Paragraph("Foreword", H1), *prose(report, report.foreword)]
    out += [Paragraph("Summary", H1), *prose(report, report.summary), *_national_figures(report)]
    out += [Paragraph("The recommendations", H1)]
    for written in report.sections:
        out += _recommendation(report, written)
    if report.next_steps:
        out += [Paragraph("What happens next", H1), *prose(report, report.next_steps)]
    out += [Paragraph("Appendix: the figures in full", H1)]
    out += pdf.appendices(data, with_updates=False)
    return out


def _national_figures(report: WrittenReport) -> list[object]:
    data = report.data
    totals = data.total_counts
    rows = [(f"Rec. {s.recommendation.number}", s.counts) for s in data.sections]
    return [
        *(pdf._p(sentence, SMALL) for sentence in pdf.key_sentences(data)),
        pdf._table([["Status", "Responses"]] + [[s.label, totals[s]] for s in ResponseStatus], [60 * mm, 30 * mm]),
        pdf._p(pdf.no_recent_update(data), SMALL),
        Spacer(1, 5 * mm),
        status_bars(rows, title="Organisations by status, per recommendation", width=480),
        pdf._p("The same figures are given for each recommendation in the sections that follow.", SMALL),
    ]


def _recommendation(report: WrittenReport, written: WrittenSection) -> list[object]:
    section = written.section
    rec = section.recommendation
    out: list[object] = [Paragraph(escape(f"Recommendation {rec.number}"), H2)]
    if rec.text:
        out.append(pdf._p(rec.text))
    out += [pdf._p(rec.provenance_summary(), SMALL), pdf._p(f"Deadline: {uk_date(rec.deadline, 'none known')}.", SMALL)]
    out += prose(report, written.commentary)
    for example in written.examples:
        out += prose(report, markup.parse(example.lead_in or ""))
        when = f", {uk_date(example.source_on)}" if example.source_on else ""
        heading = f"<b>{escape(example.organisation_name)}{escape(when)}</b>"
        if example.title:
            heading += f": {escape(example.title)}"
        out += [Paragraph(heading, BODY), Paragraph(escape(example.text), SMALL)]
    out.append(
        pdf._table(
            [["Status", "Organisations"]] + [[s.label, section.counts[s]] for s in ResponseStatus], [60 * mm, 30 * mm]
        )
    )
    if section.not_started:
        out.append(pdf._p("Not started: " + "; ".join(section.not_started) + ".", SMALL))
    if section.overdue:
        out.append(pdf._p("Overdue: " + "; ".join(section.overdue) + ".", SMALL))
    if section.practice:
        out.append(pdf._p("Promising practice: " + "; ".join(section.practice) + ".", SMALL))
    return out
