"""The progress report as a PDF (reportlab): cover, contents, summary with chart, sections and annexes.

The same ``ReportData`` gives the same bytes (``tracker.reports.progress_report`` builds it; a frozen period's
comes from its snapshots only). Every word of the interface is in the language of the translations in use when it
is drawn (English or Welsh, ``tracker.web.i18n``); what organisations wrote stays as they wrote it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from tracker.reports.charts import status_bars
from tracker.reports.figures import STATUS_CODES
from tracker.reports.fonts import FONT_BOLD, pdf_text, printable, register
from tracker.reports.themes import describe
from tracker.timeutil import UTC, uk_date
from tracker.vocabulary import ResponseStatus
from tracker.web.i18n import current_locale, gettext, html_lang

_ = gettext

if TYPE_CHECKING:
    from tracker.recommendations.models import Recommendation
    from tracker.reports.progress_report import RecommendationSection, ReportData

NOT_ASKED = "\u2013"  # an en dash: Annex A's cell for a recommendation not asked of that force

FONT = register()  # every PDF's typeface, with every Welsh letter (tracker.reports.fonts)
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontName=FONT, fontSize=10.5, leading=14)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
H1 = ParagraphStyle("h1", parent=STYLES["Heading1"], fontName=FONT_BOLD, fontSize=18, leading=22)
H2 = ParagraphStyle("h2", parent=STYLES["Heading2"], fontName=FONT_BOLD, fontSize=14, leading=18)
COVER = ParagraphStyle("cover", parent=H1, fontSize=26, leading=32, alignment=TA_CENTER)


class _Doc(BaseDocTemplate):
    """Adds bookmarks and table-of-contents entries for headings, and dates the file when its content was fixed."""

    created_at: dt.datetime
    page_label: str = "Page %(num)s"  # the footer's, in the report's language (%(num)s: the page number)

    def beforeDocument(self) -> None:
        # ``invariant`` keeps the file's bytes and ID reproducible but dates it 1 January 2000; the report's own
        # moment (a frozen period's freeze time) is as fixed, and true.
        stamp = self.created_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        self.canv.setDateFormatter(lambda *_: stamp)

    def afterFlowable(self, flowable: object) -> None:
        if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2"):
            level = 0 if flowable.style.name == "h1" else 1
            text = flowable.getPlainText()
            key = f"h{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, text, self.page, key))


def _footer(page_width: float) -> Callable[[Any, Any], None]:
    """The footer of a page ``page_width`` wide: the report's name on the left, the page number at the right
    margin (``doc.pagesize`` stays portrait on a landscape page, so each template passes its own width)."""

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(15 * mm, 10 * mm, printable(doc.title))
        canvas.drawRightString(page_width - 15 * mm, 10 * mm, doc.page_label % {"num": doc.page})
        canvas.restoreState()

    return draw


def _p(text: str | None, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(pdf_text(text), style)


# Wide enough for its bold "Recommendation" header (67pt at 8pt) and the cell padding (6pt each side).
REC_WIDTH = 30 * mm


def _table(data: Sequence[Sequence[object]], widths: list[float] | None = None, *, repeat: int = 1) -> Table:
    table = Table(data, colWidths=widths, repeatRows=repeat)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_pdf(
    data: ReportData, flowables: list[object] | None = None, *, created_at: dt.datetime | None = None
) -> bytes:
    """The report as a PDF: cover, contents, summary with chart, a section per recommendation, annexes (or the
    ``flowables`` given: a written report's, ``tracker.reports.narrative.pdf``).

    The same data gives the same bytes: fixed document ID (``invariant``), dates from ``created_at`` (a published
    report's publication) or else ``data.created_at``.
    """
    buffer = io.BytesIO()
    doc = _Doc(
        buffer,
        pagesize=A4,
        title=f"{_(data.title)}: {data.period_name}",
        author=_("National Police Chiefs' Council (generated by the recommendation tracker)"),
        subject=_("Progress of police forces and national bodies"),
        lang=html_lang(current_locale()),
        displayDocTitle=True,
        invariant=1,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
    )
    doc.created_at = created_at or data.created_at
    doc.page_label = _("Page %(num)s")
    portrait = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="portrait")
    wide = landscape(A4)
    landscape_frame = Frame(15 * mm, 18 * mm, wide[0] - 30 * mm, wide[1] - 33 * mm, id="landscape")
    doc.addPageTemplates(
        [
            PageTemplate(id="portrait", frames=[portrait], onPage=_footer(A4[0]), pagesize=A4),
            PageTemplate(id="landscape", frames=[landscape_frame], onPage=_footer(wide[0]), pagesize=wide),
        ]
    )
    doc.multiBuild(flowables if flowables is not None else story(data))
    return buffer.getvalue()


def story(data: ReportData) -> list[object]:
    """The report's flowables, in order (the tests measure its tables)."""
    out = [*cover(data), *contents()]
    out += _summary(data)
    out += [Paragraph(pdf_text(_("The recommendations")), H1)]
    for section in data.sections:
        out += _section(section)
    return out + appendices(data, with_updates=True)


def appendices(data: ReportData, *, with_updates: bool) -> list[object]:
    """The national bodies, Annex A (landscape), Annex B and the methodology. Without ``with_updates`` (a published
    report) no update's words or dates are shown: a frozen period's latest updates include some only national
    readers may see."""
    out = _national_bodies(data, with_updates=with_updates)
    out += [NextPageTemplate("landscape"), PageBreak(), *_matrix(data), NextPageTemplate("portrait"), PageBreak()]
    out += _force_annexes(data, with_updates=with_updates)
    return [*out, PageBreak(), *_methodology(data)]


def cover(data: ReportData, published: str | None = None) -> list[object]:
    """The cover page: title, period, the day the figures are as at, what they count (and when it was published)."""
    out: list[object] = [
        Spacer(1, 60 * mm),
        Paragraph(pdf_text(_(data.title)), COVER),
        Spacer(1, 10 * mm),
        Paragraph(pdf_text(data.period_name), ParagraphStyle("c2", parent=COVER, fontSize=16)),
        Spacer(1, 6 * mm),
        Paragraph(
            pdf_text(_("Figures as at %(day)s", day=uk_date(data.figures_as_at))),
            ParagraphStyle("c3", parent=BODY, alignment=TA_CENTER),
        ),
        Spacer(1, 3 * mm),
        Paragraph(pdf_text(data.basis), ParagraphStyle("c4", parent=SMALL, alignment=TA_CENTER)),
    ]
    if published:
        out += [
            Spacer(1, 3 * mm),
            Paragraph(pdf_text(published), ParagraphStyle("c5", parent=BODY, alignment=TA_CENTER)),
        ]
    return [*out, PageBreak()]


def contents() -> list[object]:
    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle("toc1", parent=BODY, fontSize=10),
        ParagraphStyle("toc2", parent=SMALL, leftIndent=10),
    ]
    return [Paragraph(pdf_text(_("Contents")), ParagraphStyle("contents", parent=H1)), toc, PageBreak()]


def key_sentences(data: ReportData) -> list[str]:
    """The summary's key sentences, in every PDF of a period's report (generated and published alike): who must
    answer and has published, how many responses are overdue, and what the figures cover."""
    headline = " ".join(
        [
            data.must_answer,
            _("%(num)s organisations have published a plan.", num=data.published),
            _("%(num)s responses are overdue.", num=data.overdue_count),
        ]
    )
    return [headline, *(note for note in (data.declared_note, data.coverage.note) if note)]


def _summary(data: ReportData) -> list[object]:
    totals = data.total_counts
    out: list[object] = [Paragraph(pdf_text(_("Summary")), H1), *(_p(sentence) for sentence in key_sentences(data))]
    out.append(status_table(totals, _("Responses")))
    out.append(_p(no_recent_update(data), SMALL))
    return [*out, *status_chart(data)]


def status_table(counts: Counter[ResponseStatus], counted: str) -> Table:
    """How many are at each status (``counted``: what the second column counts, as its heading says)."""
    return _table([[_("Status"), counted]] + [[s.label, counts[s]] for s in ResponseStatus], [60 * mm, 30 * mm])


def status_chart(data: ReportData) -> list[object]:
    """The chart of each recommendation's organisations by status, and the line saying the sections repeat it."""
    rows = [(_("Rec. %(number)s", number=s.recommendation.number), s.counts) for s in data.sections]
    return [
        Spacer(1, 5 * mm),
        status_bars(rows, title=_("Organisations by status, per recommendation"), width=480, font=FONT),
        _p(_("The same figures are given for each recommendation in the sections that follow."), SMALL),
    ]


def no_recent_update(data: ReportData) -> str:
    """The organisations with an open response that has had no update lately, as one sentence."""
    names = data.no_recent_update_organisations
    listed = "; ".join(names) if names else _("none")
    return _(
        "No recent update (%(num)s open responses with no update lately): %(names)s.",
        num=data.headline.no_recent_update,
        names=listed,
    )


def _section(section: RecommendationSection) -> list[object]:
    rec = section.recommendation
    out: list[object] = [*recommendation_heading(rec), status_table(section.counts, _("Organisations"))]
    out += who_lags(section)
    if section.themes:
        themes = describe(section.themes)
        out.append(_p(_("Themes from updates (organisations mentioning each): %(themes)s.", themes=themes), SMALL))
    else:
        out.append(_p(_("Themes from updates: no term is shared by two or more organisations' latest updates."), SMALL))
    for name, day, text in section.recent_updates:
        out.append(_p(f"{name} ({uk_date(day)}): {text}", SMALL))
    return out + practice_line(section)


def recommendation_heading(rec: Recommendation) -> list[object]:
    """A recommendation's heading, its wording (as written: the report's or our summary), how far it is confirmed
    and its deadline."""
    out: list[object] = [Paragraph(pdf_text(_("Recommendation %(number)s", number=rec.number)), H2)]
    if rec.text:
        out.append(_p(rec.text))
    out.append(_p(rec.provenance_summary(), SMALL))
    out.append(_p(_("Deadline: %(day)s.", day=uk_date(rec.deadline, _("none known"))), SMALL))
    return out


def who_lags(section: RecommendationSection) -> list[object]:
    """The organisations that have not started, and those overdue (semicolons: a name may contain a comma)."""
    out: list[object] = []
    if section.not_started:
        out.append(_p(_("Not started: %(names)s.", names="; ".join(section.not_started)), SMALL))
    if section.overdue:
        out.append(_p(_("Overdue: %(names)s.", names="; ".join(section.overdue)), SMALL))
    return out


def practice_line(section: RecommendationSection) -> list[object]:
    if not section.practice:
        return []
    return [_p(_("Promising practice: %(titles)s.", titles="; ".join(section.practice)), SMALL)]


def _national_bodies(data: ReportData, *, with_updates: bool = True) -> list[object]:
    if not data.national_bodies:
        return []
    out: list[object] = [Paragraph(pdf_text(_("National bodies and police and crime commissioners")), H1)]
    header: list[object] = [_("Organisation"), _("Recommendation"), _("Status"), *([_("Latest update")] * with_updates)]
    table = [header]
    for org in data.national_bodies:
        for rec in data.recommendations:
            row = data.row(org, rec)
            if row:
                latest = [uk_date(row.latest_update_on, _("none"))] if with_updates else []
                table.append([_p(org.name, SMALL), rec.number, row.status.label, *latest])
    out.append(_table(table, [70 * mm, REC_WIDTH, 30 * mm] + [35 * mm] * with_updates))
    return out


def _matrix(data: ReportData) -> list[object]:
    columns = data.force_recommendations
    header = [_("Force")] + [r.number for r in columns]
    table = [header]
    for org in data.forces:
        table.append(
            [_p(org.name, SMALL)]
            + [
                (STATUS_CODES[row.status] + ("!" if row.overdue else "")) if (row := data.row(org, rec)) else NOT_ASKED
                for rec in columns
            ]
        )
    key = ", ".join(f"{code} {status.label.lower()}" for status, code in STATUS_CODES.items())
    out: list[object] = [
        Paragraph(pdf_text(_("Annex A: forces by recommendation")), H1),
        _p(_("Key: %(key)s; ! overdue; %(dash)s not asked of this force.", key=key, dash=NOT_ASKED), SMALL),
    ]
    if left_out := [r.number for r in data.recommendations if r not in columns]:
        numbers = ", ".join(left_out)
        out.append(
            _p(
                _("Not asked of any force, so not shown: %(numbers)s (see the national bodies).", numbers=numbers),
                SMALL,
            )
        )
    return [*out, _table(table, [70 * mm] + [14 * mm] * len(columns))]


def _force_annexes(data: ReportData, *, with_updates: bool = True) -> list[object]:
    """A section per force, flowing on from one another: each kept whole on a page when it fits one."""
    out: list[object] = [Paragraph(pdf_text(_("Annex B: each force")), H1)]
    overdue, declared = f" ({_('overdue')})", f" ({_('declared')})"
    for org in data.forces:
        header: list[object] = [_("Recommendation"), _("Status"), *([_("Latest update")] * with_updates)]
        table = [header]
        for rec, row in data.organisation_rows(org):
            update = f"{uk_date(row.own_update_on)}: {row.own_update_text}" if row.own_update_text else ""
            status = row.status.label + (overdue if row.overdue else "") + (declared if row.declared else "")
            table.append([rec.number, status] + ([_p(update, SMALL)] if with_updates else []))
        widths = [REC_WIDTH, 35 * mm] + [110 * mm] * with_updates
        # KeepTogether splits a section longer than a page, so only a long one starts on a page of its own.
        out.append(KeepTogether([Paragraph(pdf_text(org.name), H2), _table(table, widths)]))
    return out


def _methodology(data: ReportData) -> list[object]:
    return [
        Paragraph(pdf_text(_("Methodology and caveats")), H1),
        _p(
            _(
                "Statuses and updates are self-reported by each organisation in the tracker. Inspectorate assessments "
                "are recorded separately and are not reflected in these statuses."
            )
        ),
        _p(
            _(
                "Where a recommendation's wording has not yet been confirmed against the report, this report says so "
                "and shows only what public sources confirm."
            )
        ),
        _p(
            " ".join(
                [
                    _("Figures are as at %(day)s.", day=uk_date(data.figures_as_at)),
                    data.basis,
                    _(
                        "A response counts as overdue when its recommendation's deadline has passed and it is neither "
                        "complete nor not applicable; a finished response is never overdue, and actions past their "
                        "target date are not counted here."
                    ),
                ]
            )
        ),
    ]
