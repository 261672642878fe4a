"""Several recommendation sets side by side: each with its own figures, filters by ?set=, provenance everywhere."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.factories import SMALL_SET, write
from tests.support.web import csrf_headers
from tracker.audit.services import Actor
from tracker.loading import load_file
from tracker.organisations.services import get_by_slug
from tracker.plans import spreadsheet as ss
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import form_values, save_recommendation
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.exports import response_rows, tables
from tracker.reports.progress_report import build_report, render_pdf
from tracker.vocabulary import Role

SECOND_SET = (
    SMALL_SET.replace("slug: test-report", "slug: second-report")
    .replace("short_title: Test report", "short_title: Second report")
    .replace("expected_recommendations: 3", "expected_recommendations: 1")
    .split('  - number: "2"')[0]
    .replace("Chief constables should record things properly.", "Forces should share good work.")
)


@pytest.fixture
def two_sets(session, small_reference, tmp_path):
    load_file(session, write(tmp_path, "second.yaml", SECOND_SET), Actor("test setup"))
    return {s.slug: s for s in session.exec(select(RecommendationSet))}


def test_each_set_has_its_own_figures_in_the_report_and_exports(session, two_sets):
    first, second = two_sets["test-report"], two_sets["second-report"]
    everything = build_report(session)
    only_first = build_report(session, set_id=first.id)
    only_second = build_report(session, set_id=second.id)
    assert [r.number for r in only_second.recommendations] == ["1"]
    assert len(only_first.rows) == 5 and len(only_second.rows) == 2
    assert len(everything.rows) == len(only_first.rows) + len(only_second.rows)
    exported = tables(session, only_second, None)
    assert {row["recommendation"] for row in exported["responses"]} == {"1"}
    assert [r["set"] for r in exported["recommendations"]] == ["second-report"] * 3  # 1, 1.1, 1.2
    assert exported["recommendations"][0]["provenance"] == "partial"
    assert "Partly confirmed" in exported["recommendations"][0]["provenance_summary"]
    assert response_rows(only_second)[0]["recommendation_provenance"] == "partial"


def test_an_organisation_sees_its_obligations_across_sets_and_can_filter_to_one(client, session, two_sets, make_user):
    sign_in(client, make_user(Role.VIEWER, "kent").email)
    every = client.get("/plan/kent")
    assert every.text.count("Second report") >= 2 and "Test report" in every.text  # a set name per row, and the menu
    only = client.get("/plan/kent?set=second-report")
    assert only.status_code == 200
    assert "1 recommendations" in only.text or "3 recommendations" in only.text
    assert "Wording to be confirmed against the report" not in only.text  # the second set has no unconfirmed row
    assert "Partly confirmed" in only.text


def test_the_dashboard_report_and_exports_filter_to_a_set(client, session, two_sets, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    dashboard = client.get("/oversight?set=second-report")
    assert dashboard.status_code == 200
    assert 'href="/oversight/report/export/csv?set=second-report"' in dashboard.text
    assert dashboard.text.count("/oversight/recommendations/") == 1
    assert client.get("/oversight").text.count("/oversight/recommendations/") == 3  # 1 and 3, and the second's 1
    report = client.get("/oversight/report?set=second-report")
    assert report.status_code == 200 and "Second report" in report.text
    assert 'data-testid="provenance-1"' in report.text and 'data-testid="provenance-3"' not in report.text
    csv_rows = client.get("/oversight/report/export/csv?set=second-report").text.splitlines()
    assert len(csv_rows) == 1 + 2 and "recommendation_provenance" in csv_rows[0]
    document = json.loads(client.get("/oversight/report/export/json?set=test-report").content)
    assert {r["set"] for r in document["recommendations"]} == {"test-report"}
    book = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content))
    assert book["recommendations"].max_row == 1 + 5 + 3  # a heading, then 1, 1.1, 1.2, 2, 3 and 1, 1.1, 1.2
    assert client.get("/oversight/report?set=nothing").status_code == 404
    assert client.get("/oversight/charts/status.svg?set=second-report").status_code == 200


def test_the_progress_report_says_who_confirmed_a_recommendation_and_against_what(session, two_sets, make_user):
    admin = make_user(Role.ADMIN)
    rec = session.exec(
        select(Recommendation).where(Recommendation.set_id == two_sets["test-report"].id, Recommendation.number == "2")
    ).one()
    values = form_values(session, rec) | {
        "text": "Now known.",
        "addressees": ["home-office"],
        "provenance": "confirmed",
        "provenance_sources": "https://www.example.org/report",
    }
    save_recommendation(session, rec, recommendation_edit(values), admin)
    data = build_report(session, set_id=two_sets["test-report"].id)
    section = next(s for s in data.sections if s.recommendation.number == "2")
    sentence = section.recommendation.provenance_summary()
    assert sentence.startswith("Confirmed against the report on ") and admin.display_name in sentence
    assert "https://www.example.org/report" in sentence
    assert render_pdf(data).startswith(b"%PDF")


def plan_csv(session, text, set_id=None):
    frame = ss.read_table(text.encode(), "plan.csv")
    organisation = get_by_slug(session, "kent")
    return ss.plan_import(session, organisation.id, frame, ss.detect_mapping(frame.columns), set_id=set_id)


def test_a_plan_spreadsheet_number_used_by_two_sets_asks_for_the_set(session, two_sets):
    plan = plan_csv(session, "Recommendation,Status\n1.1,In progress\n")
    assert not plan.ok
    [error] = plan.row_errors
    assert error.row == 2 and "recommendation 1.1 is in more than one recommendation set" in error.message
    assert "Test report" in error.message and "Second report" in error.message
    chosen = plan_csv(session, "Recommendation,Status\n1.1,In progress\n", set_id=two_sets["second-report"].id)
    assert chosen.ok, chosen.row_errors
    assert plan_csv(session, "Recommendation,Status\n3,In progress\n", set_id=two_sets["second-report"].id).row_errors


def test_the_plan_import_form_offers_the_sets(client, session, two_sets, make_user):
    sign_in(client, make_user(Role.EDITOR, "kent").email)
    form = client.get("/plan/kent/import")
    assert 'name="set"' in form.text and "Second report" in form.text
    check = client.post(
        "/plan/kent/import",
        data={"set": "second-report"},
        files={"file": ("plan.csv", b"Recommendation,Status\n1.1,In progress\n", "text/csv")},
        headers=csrf_headers(client),
    )
    assert check.status_code == 200, check.text[-2000:]
    assert 'value="second-report" selected' in check.text
