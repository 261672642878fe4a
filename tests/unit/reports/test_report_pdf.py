"""The PDF progress report read back as a reader gets it (pypdf): its chart legend, the per-force annex, table
headers that fit their columns, its dates, the period chart's labels, and the same bytes for a frozen period.

One database for the module, with the reference data, the demo data at scale 1 and a frozen period, so the
checks run on realistic volumes (43 forces, sub-recommendations, updates of every visibility) and stay quick.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table
from sqlmodel import Session, col, select

from tests.support.demo import DemoDatabases
from tests.support.welsh import in_welsh
from tracker.audit.services import Actor
from tracker.db import make_engine
from tracker.organisations.models import Organisation
from tracker.permissions import national_levels
from tracker.plans.models import ProgressUpdate, Response
from tracker.recommendations.models import Recommendation
from tracker.reports.charts import status_bars
from tracker.reports.figures import period_progress
from tracker.reports.models import ReportingPeriod
from tracker.reports.progress_report import ReportData, build_report, render_html, render_pdf, story
from tracker.reports.services import freeze_period, open_period
from tracker.timeutil import UTC
from tracker.vocabulary import OrganisationKind, ResponseStatus, Visibility

PERIOD = "PDF check period"
INTERNAL_MARKER = "INTERNAL-SUB-RECOMMENDATION-NOTE"
A4_HEIGHT = 842


@dataclass
class Frozen:
    session: Session
    period: ReportingPeriod
    data: ReportData
    pdf: bytes


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory, demo_databases: DemoDatabases) -> Iterator[Frozen]:
    """The demo at scale 1 (a copy of the worker's, tests/support/demo.py), an internal note on a
    sub-recommendation, then a period frozen and its PDF rendered."""
    tmp = tmp_path_factory.mktemp("report-pdf")
    with demo_databases.copy("reportpdf", tmp) as (url, _):
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            # The newest note on a sub-recommendation is internal: neither the report nor its snapshot may show it.
            session.add(
                ProgressUpdate(
                    response_id=_sub_responses(session)[0].id,
                    update_on=dt.date.today(),
                    text=INTERNAL_MARKER,
                    visibility=Visibility.INTERNAL,
                )
            )
            period = open_period(session, name=PERIOD, cut_off=dt.date.today(), actor=Actor("t"))
            freeze_period(session, period, Actor("t"))
            session.commit()
            data = build_report(session, period)
            yield Frozen(session, period, data, render_pdf(data))
        engine.dispose()


def _sub_responses(session: Session) -> list[Response]:
    """Every force's required response to a sub-recommendation."""
    return list(
        session.exec(
            select(Response)
            .join(Recommendation, Recommendation.id == Response.recommendation_id)
            .join(Organisation, Organisation.id == Response.organisation_id)
            .where(
                col(Recommendation.parent_id).is_not(None),
                col(Response.required).is_(True),
                Organisation.kind == OrganisationKind.FORCE,
            )
            .order_by(Organisation.name, Recommendation.position)
        )
    )


def placed_text(pdf: bytes, page: int = 0) -> list[tuple[str, float, float, float]]:
    """Each run of text on a page as drawn: (text, left x, right x, baseline y), measured with the font metrics."""
    runs: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font, size) -> None:
        if text.strip() and font is not None:
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            scale = cm[0] * tm[0]
            # An embedded font is a subset, named "AAAAAA+" and the font's registered name.
            name = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
            width = stringWidth(text.strip(), name, size) * scale
            runs.append((text.strip(), x, x + width, y))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return runs


def chart_text(drawing) -> tuple[list[tuple[str, float, float, float]], float]:
    """The text of a chart as drawn into a PDF page of the chart's own size, and that width."""
    return placed_text(renderPDF.drawToString(drawing)), drawing.width


def assert_inside(runs: list[tuple[str, float, float, float]], width: float) -> None:
    for text, left, right, _ in runs:
        assert left >= 0 and right <= width + 0.01, f"{text!r} runs from {left:.1f} to {right:.1f} of {width}"


def outline_pages(reader: PdfReader) -> dict[str, int]:
    """Each bookmarked heading's page (0-based)."""
    pages: dict[str, int] = {}

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                pages.setdefault(item.title, reader.get_destination_page_number(item))

    walk(reader.outline)
    return pages


def words(text: str) -> str:
    return " ".join(text.split())


# --- the chart legend ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [480, 640], ids=["in the PDF", "on the web"])
def test_the_chart_legend_shows_every_status_whole(width):
    """The legend names all five statuses, Not applicable included, each drawn inside the chart."""
    rows = [("Rec. 7", Counter({s: 3 for s in ResponseStatus})), ("Rec. 10", Counter({ResponseStatus.COMPLETE: 5}))]
    runs, chart_width = chart_text(status_bars(rows, title="Organisations by status", width=width))
    assert_inside(runs, chart_width)
    drawn = [text for text, *_ in runs]
    for status in ResponseStatus:
        assert status.label in drawn, f"{status.label} missing from the legend"


def test_the_reports_own_chart_has_the_full_legend(frozen):
    chart = next(f for f in story(frozen.data) if isinstance(f, Drawing))
    runs, width = chart_text(chart)
    assert_inside(runs, width)
    assert {s.label for s in ResponseStatus} <= {text for text, *_ in runs}


# --- the period chart ----------------------------------------------------------------------------------------


def test_every_period_name_appears_whole_in_the_period_chart(frozen):
    """Period names are free text up to 200 characters: long ones wrap, short ones stay on one line."""
    long_name = "Summer 2025 NPCC return to the Home Office, the College of Policing and the APCC (second round)"
    rows = [(p.label, counts) for p, counts in period_progress(frozen.session)]
    rows += [(long_name, Counter({ResponseStatus.IN_PROGRESS: 4})), ("X", Counter())]
    assert PERIOD in [name for name, _ in rows]
    for width in (480, 640):
        runs, chart_width = chart_text(
            status_bars(rows, title="Responses by status at each reporting period", width=width)
        )
        assert_inside(runs, chart_width)
        drawn = " ".join(text for text, *_ in runs)
        for name, _ in rows:
            assert name in drawn, f"{name!r} is not drawn whole at width {width}"
        assert stringWidth(long_name, "Helvetica", 9) > 0.4 * chart_width, "the long name does need wrapping"


# --- Annex B -------------------------------------------------------------------------------------------------


def annex_b(frozen: Frozen) -> tuple[list[int], dict[str, str]]:
    """The pages of Annex B (0-based) and each force's section of it, as text."""
    reader = PdfReader(io.BytesIO(frozen.pdf))
    starts = outline_pages(reader)
    pages = list(range(starts["Annex B: each force"], starts["Methodology and caveats"]))
    footer = re.compile(r"^.*\nPage \d+\n")  # the running footer, extracted first on every page
    text = "\n".join(footer.sub("", reader.pages[p].extract_text(), count=1) for p in pages)
    sections: dict[str, str] = {}
    forces = frozen.data.forces
    at = [text.index(f"\n{org.name}\n") for org in forces]  # headings are lines of their own, in order
    assert at == sorted(at)
    for org, start, end in zip(forces, at, [*at[1:], len(text)], strict=True):
        sections[org.name] = text[start:end]
    return pages, sections


def test_annex_b_flows_the_forces_several_to_a_page(frozen):
    pages, sections = annex_b(frozen)
    forces = len(frozen.data.forces)
    assert forces == 43 and len(sections) == forces
    # It was one page per force (43); now the forces flow on, two or more to a page on average.
    assert 2 <= len(pages) <= math.ceil(forces / 2), f"{len(pages)} pages for {forces} forces"
    for page in pages[:-1]:
        lowest = min(y for _, _, _, y in placed_text(frozen.pdf, page) if y > 40)  # above the footer
        assert lowest < A4_HEIGHT / 2, f"page {page + 1} is mostly blank (text ends at {lowest:.0f}pt)"


def test_each_force_section_has_every_sub_recommendation_and_its_latest_shared_update(frozen):
    """The annex lists 7.1 and 7.2 (etc.) under their recommendation, with their latest update a national reader
    may see as at the cut-off; an internal note never appears."""
    _, sections = annex_b(frozen)
    session, cut_off = frozen.session, frozen.period.cut_off
    subs = _sub_responses(session)
    assert len(subs) >= 43, "the demo answers the sub-recommendations"
    recs = {r.id: r for r in session.exec(select(Recommendation))}
    names = {o.id: o.name for o in session.exec(select(Organisation))}
    checked = 0
    for response in subs:
        section = words(sections[names[response.organisation_id]])
        rec = recs[response.recommendation_id]
        assert f" {rec.number} {response.status.label}" in section, (names[response.organisation_id], rec.number)
        latest = session.exec(
            select(ProgressUpdate)
            .where(
                ProgressUpdate.response_id == response.id,
                col(ProgressUpdate.visibility).in_(national_levels()),
                col(ProgressUpdate.update_on) <= cut_off,
            )
            .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
        ).first()
        if latest:
            assert words(latest.text) in section, (names[response.organisation_id], rec.number)
            checked += 1
    assert checked >= 10, "enough sub-recommendations carry an update to prove it"
    everything = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(frozen.pdf)).pages)
    assert INTERNAL_MARKER not in everything
    # The accessible HTML twin lists them too.
    html = render_html(frozen.data)
    assert INTERNAL_MARKER not in html and "<li>7.1: " in html and "<li>7.2: " in html


def test_the_current_report_has_the_sub_recommendations_too(frozen):
    data = build_report(frozen.session)
    for response in _sub_responses(frozen.session):
        assert (response.organisation_id, response.recommendation_id) in data.sub_rows
    assert INTERNAL_MARKER not in {row.latest_update_text for row in data.sub_rows.values()}
    assert len(data.rows) == len(frozen.data.rows), "the headline counts numbered recommendations only"


# --- tables --------------------------------------------------------------------------------------------------


def overflow(cell: object, room: float, font: str) -> float:
    """How far a cell's text runs past the room it has (0 when it fits)."""
    if isinstance(cell, Paragraph):
        cell.wrap(room, 10_000)
        lines = cell.blPara.lines
        spare = [line[0] if isinstance(line, tuple) else line.extraSpace for line in lines]
        return max([0.0, *(-s for s in spare)])
    return max(0.0, max(stringWidth(line, font, 8) for line in str(cell).split("\n")) - room)


def test_no_table_text_is_wider_than_its_column(frozen):
    """Every cell of every table, headers first ('Recommendation' overflowed its column), fits its column."""
    tables = [f for f in story(frozen.data) if isinstance(f, Table)]
    tables += [t for f in story(frozen.data) for t in getattr(f, "_content", []) if isinstance(t, Table)]
    assert len(tables) > 43, "the annex's tables are found inside their keep-together groups"
    headers = set()
    for table in tables:
        for r, row in enumerate(table._cellvalues):
            for c, cell in enumerate(row):
                style = table._cellStyles[r][c]
                font = "Helvetica-Bold" if r == 0 else "Helvetica"
                # Wrapped at the padded width; what matters to a reader is that nothing crosses the column's edge
                # (reportlab lets a wrapped line take a fraction of the right padding).
                spare = overflow(cell, table._colWidths[c] - style.leftPadding - style.rightPadding, font)
                assert spare <= style.rightPadding, (
                    f"{cell!r} crosses the edge of its {table._colWidths[c]:.0f}pt column"
                )
                if r == 0:
                    headers.add(str(cell))
    assert "Recommendation" in headers


# --- Annex A and the page furniture ----------------------------------------------------------------------------


def test_annex_a_has_a_column_only_for_what_forces_are_asked_and_a_key_for_every_mark(frozen):
    """A recommendation no force is asked (e.g. one for police and crime commissioners only) was an empty,
    unexplained column; a cell a force is not asked shows a mark the key explains."""
    pages = outline_pages(PdfReader(io.BytesIO(frozen.pdf)))
    page = pages["Annex A: forces by recommendation"]
    text = words(PdfReader(io.BytesIO(frozen.pdf)).pages[page].extract_text())
    assert "not asked of this force" in text
    columns = frozen.data.force_recommendations
    forces = {o.id for o in frozen.data.forces}
    for rec in columns:
        assert any((org, rec.id) in frozen.data.rows for org in forces), f"{rec.number} has no force in its column"
    left_out = [r.number for r in frozen.data.recommendations if r not in columns]
    assert left_out, "the demo has recommendations asked of no force (the case that gave an empty column)"
    assert f"Not asked of any force, so not shown: {', '.join(left_out)}" in text
    html = render_html(frozen.data)
    assert f"Not asked of any force, so not shown: {', '.join(left_out)}" in html


def test_every_page_number_sits_at_the_right_margin_of_its_own_page(frozen):
    """A landscape page's number sat at the portrait page's margin, in the middle of the landscape page."""
    reader = PdfReader(io.BytesIO(frozen.pdf))
    landscape_pages = 0
    for index, page in enumerate(reader.pages):
        width = float(page.mediabox.width)
        landscape_pages += width > float(page.mediabox.height)
        numbers = [run for run in placed_text(frozen.pdf, index) if run[0] == f"Page {index + 1}"]
        assert len(numbers) == 1, f"page {index + 1} has no page number"
        _, _, right, _ = numbers[0]
        assert abs(right - (width - 15 * 72 / 25.4)) < 1, f"page {index + 1}: number ends at {right:.0f} of {width:.0f}"
    assert landscape_pages, "Annex A is printed landscape"


def test_the_report_says_what_its_figures_count(frozen):
    """A frozen period counts the working position when it was frozen (published or not), and says so."""
    basis = frozen.data.basis
    assert "when the period was frozen on" in basis and "not yet published" in basis
    assert words(basis) in words(" ".join(PdfReader(io.BytesIO(frozen.pdf)).pages[0].extract_text().split()))
    assert "recorded in the tracker, including changes it has not yet published" in build_report(frozen.session).basis


# --- dates and the same bytes --------------------------------------------------------------------------------


def test_the_pdf_is_dated_when_its_period_was_frozen(frozen):
    info = PdfReader(io.BytesIO(frozen.pdf)).metadata
    frozen_at = frozen.period.frozen_at
    frozen_at = frozen_at.replace(tzinfo=UTC) if frozen_at.tzinfo is None else frozen_at.astimezone(UTC)
    expected = frozen_at.strftime("D:%Y%m%d%H%M%S+00'00'")
    assert info["/CreationDate"] == expected and info["/ModDate"] == expected
    assert info.creation_date.year == frozen_at.year != 2000


def test_a_frozen_period_gives_the_same_bytes_after_later_edits(frozen):
    """Rendered again, and again after later edits (a new force, a newer public update, a status change), the
    frozen period's PDF keeps every byte."""
    session = frozen.session
    assert render_pdf(build_report(session, frozen.period)) == frozen.pdf
    response = _sub_responses(session)[1]
    try:
        session.add(Organisation(slug="later", name="Later Police", kind=OrganisationKind.FORCE))
        session.add(ProgressUpdate(response_id=response.id, update_on=dt.date.today(), text="LATER-PUBLIC-UPDATE"))
        response.status = (
            ResponseStatus.BLOCKED if response.status is not ResponseStatus.BLOCKED else ResponseStatus.COMPLETE
        )
        session.add(response)
        session.flush()
        assert "LATER-PUBLIC-UPDATE" in {r.latest_update_text for r in build_report(session).sub_rows.values()}
        assert render_pdf(build_report(session, frozen.period)) == frozen.pdf
    finally:
        session.rollback()


# --- the Welsh report ------------------------------------------------------------------------------------------


def all_text(pdf: bytes) -> str:
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_welsh_report_is_drawn_from_the_same_frozen_figures_and_gives_the_same_bytes_every_time(frozen):
    """The period's report in Welsh: every heading, label and date in Welsh, the same figures as the English one,
    byte for byte the same each time it is drawn, and after later edits."""
    session = frozen.session
    with in_welsh():
        welsh = render_pdf(build_report(session, frozen.period))
        assert render_pdf(build_report(session, frozen.period)) == welsh
    assert welsh != frozen.pdf
    reader = PdfReader(io.BytesIO(welsh))
    assert (
        reader.trailer["/Root"]["/Lang"] == "cy"
        and PdfReader(io.BytesIO(frozen.pdf)).trailer["/Root"]["/Lang"] == "en-GB"
    )
    text = all_text(welsh)
    for heading in ("Crynodeb", "Yr argymhellion", "Atodiad A: heddluoedd fesul argymhelliad", "Tudalen 2"):
        assert heading in text, heading
    for english in ("Summary", "The recommendations", "Annex A", "Page 2", "Methodology", "Deadline:", "Status"):
        assert english not in text, english
    assert "Cynnydd yn erbyn argymhellion yr uwch-gŵyn am stelcio" in reader.metadata["/Title"]
    # Drawn, not only in the metadata: the page's font has the ŵ (Helvetica drew a black box).
    assert "Cynnydd yn erbyn argymhellion yr uwch-gŵyn am stelcio" in text
    month = frozen.period.cut_off.month
    assert f"{frozen.period.cut_off.day} {WELSH_MONTHS[month - 1]} {frozen.period.cut_off.year}" in text
    # The same figures: the headline's numbers appear in both
    headline = frozen.data.headline
    assert f"Rhaid i {headline.organisations} sefydliad ateb" in text
    response = _sub_responses(session)[1]
    try:
        response.status = (
            ResponseStatus.BLOCKED if response.status is not ResponseStatus.BLOCKED else ResponseStatus.COMPLETE
        )
        session.add(response)
        session.flush()
        with in_welsh():
            assert render_pdf(build_report(session, frozen.period)) == welsh
    finally:
        session.rollback()


WELSH_MONTHS = [
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
]


def test_the_welsh_html_report_is_the_same_every_time_and_marks_what_organisations_wrote(frozen):
    with in_welsh():
        first = render_html(build_report(frozen.session, frozen.period))
        assert render_html(build_report(frozen.session, frozen.period)) == first
    assert "Crynodeb" in first and ">Summary<" not in first
    assert 'lang="en"' in first  # names and updates as written
