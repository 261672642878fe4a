"""The NPCC progress report and exports: the same numbers as the dashboard, deterministic for a frozen period."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from tests.conftest import sign_in
from tests.test_oversight import scenario  # noqa: F401  (fixture)
from tracker.audit.services import Actor
from tracker.cli import main
from tracker.organisations.models import Organisation
from tracker.reports.exports import neutralise, response_rows
from tracker.reports.figures import national_state
from tracker.reports.progress_report import build_report, render_html, render_pdf
from tracker.reports.services import freeze_period, open_period
from tracker.vocabulary import OrganisationKind, ResponseStatus, Role


def pdf_text(content: bytes) -> str:
    """The text of every page, as a reader would extract it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def frozen(session, scenario):  # noqa: F811
    period = open_period(session, name="Autumn 2026", cut_off=__import__("datetime").date.today(), actor=Actor("t"))
    freeze_period(session, period, Actor("t"))
    session.commit()
    return period


def test_the_report_has_the_dashboards_numbers(session, scenario):  # noqa: F811
    data = build_report(session)
    state = national_state(session)
    assert len(data.rows) == len(state.cells)
    for section in data.sections:
        assert section.counts == state.status_counts(section.recommendation.id)
    assert data.overdue_count == state.overdue_count
    assert data.published == len(state.published)


def test_the_pdf_names_every_force_and_recommendation(session, scenario):  # noqa: F811
    data = build_report(session)
    text = pdf_text(render_pdf(data))
    for org in data.organisations:
        assert org.name in text
    for rec in data.recommendations:
        assert f"Recommendation {rec.number}" in text
    assert "Methodology and caveats" in text and "Annex A" in text and "Page 3" in text


def test_a_frozen_period_gives_the_same_report_every_time(session, frozen, make_user):
    first = render_pdf(build_report(session, frozen))
    # Later edits must not change the frozen period's report.
    session.add(Organisation(slug="late", name="Late Police", kind=OrganisationKind.FORCE))
    session.commit()
    assert render_pdf(build_report(session, frozen)) == first
    assert render_html(build_report(session, frozen)) == render_html(build_report(session, frozen))


def test_the_html_report_is_the_accessible_twin(session, scenario):  # noqa: F811
    html = render_html(build_report(session))
    assert html.count("<h1") == 1 and "Annex A" in html and "Kent Police" in html
    assert 'scope="col"' in html and "<caption" in html


def test_exports_match_the_report(client, session, scenario, make_user):  # noqa: F811
    sign_in(client, make_user(Role.COORDINATOR).email)
    rows = list(csv.DictReader(io.StringIO(client.get("/oversight/report/export/csv").content.decode("utf-8-sig"))))
    data = build_report(session)
    assert len(rows) == len(data.rows)
    complete = sum(r["status"] == ResponseStatus.COMPLETE.value for r in rows)
    assert complete == data.total_counts[ResponseStatus.COMPLETE]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content))
    assert book.sheetnames == ["responses", "actions", "updates", "assessments", "snapshots", "recommendations"]
    assert book["responses"].max_row == len(rows) + 1
    document = json.loads(client.get("/oversight/report/export/json").content)
    assert len(document["responses"]) == len(rows) and document["responses"] == response_rows(data)


def test_formulas_are_neutralised_in_exports():
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise("+1") == "'+1" and neutralise("@SUM") == "'@SUM" and neutralise("-2") == "'-2"
    assert neutralise("fine") == "fine" and neutralise(3) == 3


def test_the_report_pages_and_downloads(client, session, frozen, make_user):
    sign_in(client, make_user(Role.INSPECTOR).email)
    page = client.get("/oversight/report").text
    assert "Progress against the stalking super-complaint recommendations" in page and "Download the PDF" in page
    pdf = client.get(f"/oversight/report/pdf?period={frozen.id}")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/oversight/report/pdf?period=9999").status_code == 404
    sign_in(client, make_user(Role.EDITOR, "kent", email="another@kent.example.org").email)
    assert client.get("/oversight/report").status_code == 403
    assert client.get("/oversight/report/export/csv").status_code == 403


def test_the_report_command(database_url, engine, session, frozen, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", "--output", str(out), "--period", "Autumn 2026"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    html = tmp_path / "report.html"
    assert CliRunner().invoke(main, ["report", "--output", str(html)]).exit_code == 0
    assert "Annex A" in html.read_text()
    missing = CliRunner().invoke(main, ["report", "--output", str(out), "--period", "Nope"])
    assert missing.exit_code == 1 and "No reporting period is called 'Nope'" in missing.output
