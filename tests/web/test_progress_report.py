"""The NPCC progress report and exports: the same numbers as the dashboard, deterministic for a frozen period."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter

import openpyxl
import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from tests.support.accounts import sign_in
from tests.support.factories import ALL_KNOWN_SET, write
from tests.support.plans import pdf_text
from tests.support.welsh import in_welsh
from tracker.assessments.models import Assessment
from tracker.audit.services import Actor
from tracker.cli import main
from tracker.loading import load_file
from tracker.organisations.models import Organisation
from tracker.plans import services
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.recommendations.models import Recommendation
from tracker.reports.exports import document, neutralise, response_rows
from tracker.reports.figures import national_state
from tracker.reports.models import PeriodExport
from tracker.reports.progress_report import build_report, render_html, render_pdf
from tracker.reports.services import freeze_period, open_period, unfreeze_period
from tracker.timeutil import LONDON, UTC, uk_date, utc_now
from tracker.vocabulary import ActionStatus, AssessmentRating, OrganisationKind, ResponseStatus, Role


@pytest.fixture
def frozen(session, scenario):
    period = open_period(session, name="Autumn 2026", cut_off=__import__("datetime").date.today(), actor=Actor("t"))
    freeze_period(session, period, Actor("t"))
    session.commit()
    return period


def test_the_report_has_the_dashboards_numbers(session, scenario):
    data = build_report(session)
    state = national_state(session)
    assert len(data.rows) == len(state.cells)
    for section in data.sections:
        assert section.counts == state.status_counts(section.recommendation.id)
    assert data.overdue_count == state.overdue_count
    assert data.published == len(state.published)


def test_the_pdf_names_every_force_and_recommendation(session, scenario):
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


def test_the_html_report_is_the_accessible_twin(session, scenario):
    html = render_html(build_report(session))
    assert html.count("<h1") == 1 and "Annex A" in html and "Kent Police" in html
    assert 'scope="col"' in html and "<caption" in html


def test_exports_match_the_report(client, session, scenario, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    rows = list(csv.DictReader(io.StringIO(client.get("/oversight/report/export/csv").content.decode("utf-8-sig"))))
    data = build_report(session)
    assert len(rows) == len(data.rows)
    complete = sum(r["status"] == ResponseStatus.COMPLETE.value for r in rows)
    assert complete == data.total_counts[ResponseStatus.COMPLETE]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content))
    assert book.sheetnames == [
        "coverage",  # recommendation 2 of the small set awaits its wording
        *["responses", "actions", "updates", "assessments", "snapshots", "recommendations"],
        *["organisations", "headline_figures"],  # issue 16's outsider: who has published, and the headline
    ]
    assert book["responses"].max_row == len(rows) + 1
    document = json.loads(client.get("/oversight/report/export/json").content)
    assert len(document["responses"]) == len(rows) and document["responses"] == response_rows(data)


def exported(client) -> tuple[list[dict], openpyxl.Workbook, dict]:
    """The CSV rows, the XLSX workbook and the JSON document of the current position."""
    rows = list(csv.DictReader(io.StringIO(client.get("/oversight/report/export/csv").content.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content))
    return rows, book, json.loads(client.get("/oversight/report/export/json").content)


def test_the_report_and_exports_state_their_coverage_while_recommendations_await_wording(
    client, session, scenario, make_user
):
    note = "Covers 2 of the 3 recommendations; 1 awaits its wording (recommendations 2)."
    data = build_report(session)
    assert data.coverage.note == note
    assert note in " ".join(pdf_text(render_pdf(data)).split())
    assert "These figures cover 2 of the 3 recommendations; 1 awaits its wording." in render_html(data)
    sign_in(client, make_user(Role.COORDINATOR).email)
    html = client.get("/oversight/report").text
    assert "Wording not yet loaded: recommendations 2." in html.split('data-testid="coverage"')[1].split("</p>")[0]
    rows, book, document = exported(client)
    assert rows and {row["coverage"] for row in rows} == {note}
    assert book["coverage"]["A2"].value == note
    assert document["coverage"] == {"recommendations": 3, "known": 2, "awaiting_wording": ["2"], "note": note}


def test_with_every_recommendation_known_the_report_and_exports_carry_no_coverage_note(
    client, session, scenario, make_user, tmp_path
):
    load_file(session, write(tmp_path, "set.yaml", ALL_KNOWN_SET), Actor("t"))
    data = build_report(session)
    assert data.coverage.note is None and "Covers" not in pdf_text(render_pdf(data))
    assert 'data-testid="coverage"' not in render_html(data)
    sign_in(client, make_user(Role.COORDINATOR).email)
    rows, book, document = exported(client)
    assert rows and {row["coverage"] for row in rows} == {""}
    assert "coverage" not in book.sheetnames and document["coverage"]["note"] is None


def test_the_report_on_the_bundled_set_covers_5_of_the_29(session, reference_data):
    data = build_report(session)
    assert (data.coverage.known, data.coverage.total) == (5, 29)
    text = " ".join(pdf_text(render_pdf(data)).split())
    assert "Covers 5 of the 29 recommendations; 24 await their wording" in text
    assert "These figures cover 5 of the 29 recommendations; 24 await their wording." in render_html(data)


def test_the_welsh_report_states_its_coverage_in_welsh(session, reference_data):
    """The Welsh PDF carried the English "Covers 5 of the 29 recommendations; 24 await their wording (...)"."""
    with in_welsh():
        text = " ".join(pdf_text(render_pdf(build_report(session))).split())
    assert "Covers" not in text and "await their wording" not in text and "recommendations 1" not in text
    assert "Mae’n cwmpasu 5 o’r 29 argymhelliad; mae 24 yn aros am eu geiriad (argymhellion 1–6, 8, 9" in text  # noqa: RUF001


def test_formulas_are_neutralised_in_exports():
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise("+1") == "'+1" and neutralise("@SUM") == "'@SUM" and neutralise("-2") == "'-2"
    assert neutralise("fine") == "fine" and neutralise(3) == 3


def test_the_xlsx_export_has_a_sheet_per_table_with_neutralised_text():
    from tracker.reports.exports import to_xlsx

    content = to_xlsx(
        {
            "responses": [
                {"organisation": "Kent Police", "actions": 3, "overdue": True, "latest_update": '=HYPERLINK("x")'},
                {"organisation": "Gwent Police", "actions": 0, "overdue": False, "latest_update": None, "extra": "-1"},
            ],
            "snapshots": [],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["responses", "snapshots"]
    rows = [[cell.value for cell in row] for row in book["responses"].iter_rows()]
    assert rows == [
        ["organisation", "actions", "overdue", "latest_update", "extra"],
        ["Kent Police", 3, True, '\'=HYPERLINK("x")', None],
        ["Gwent Police", 0, False, None, "'-1"],
    ]
    assert book["responses"]["D2"].data_type == "s", "text, never a formula"
    assert book["responses"]["A1"].font.bold
    assert book["snapshots"].max_row == 1 and book["snapshots"]["A1"].value is None


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


def test_the_saved_html_report_is_self_contained(session, scenario):
    """A file saved by `tracker report --format html` keeps its styling with no server behind it."""
    import re

    html = render_html(build_report(session))
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 1 and ".govuk-table" in styles[0] and ".app-table--compact" in styles[0]
    assert "&#" not in styles[0][:2000] and "&gt;" not in styles[0], "the CSS is not HTML-escaped"
    assert not re.search(r"""(href|src)=["']/""", html), "nothing refers to the server (stylesheet, icons, scripts)"
    assert "<link" not in html and "/static/" not in html


def test_the_report_page_links_its_stylesheet_for_the_csp(client, session, scenario, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    response = client.get("/oversight/report")
    assert '<link rel="stylesheet" href="/static/govuk/govuk-frontend.min.css">' in response.text
    assert "<style" not in response.text and "style-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.commits  # the command opens its own connection: it must see what the fixtures committed
def test_the_report_command(database_url, engine, session, frozen, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["report", "--output", str(out), "--period", "Autumn 2026"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    html = tmp_path / "report.html"
    assert CliRunner().invoke(main, ["report", "--output", str(html)]).exit_code == 0
    assert "Annex A" in html.read_text()
    assert "<style>" in html.read_text() and "/static/" not in html.read_text(), "a self-contained file"
    missing = CliRunner().invoke(main, ["report", "--output", str(out), "--period", "Nope"])
    assert missing.exit_code == 1 and "No reporting period is called 'Nope'" in missing.output


def test_an_internal_update_never_reaches_the_national_report_or_a_frozen_period(client, session, scenario, make_user):
    """The report, its exports and a frozen period's snapshot are read by every national reader alike, so they
    hold only what all of them may see: an organisation's internal update stays in-house."""
    import datetime as dt

    from tests.support.plans import response_of
    from tracker.permissions import Permission
    from tracker.plans import services
    from tracker.plans.services import load_response

    gwent = make_user(Role.EDITOR, "gwent", email="gwent-internal@example.org")
    ctx = load_response(session, gwent, response_of(session, "gwent", "1").id, Permission.EDIT_PLAN)
    today, yesterday = (d.strftime("%d/%m/%Y") for d in (dt.date.today(), dt.date.today() - dt.timedelta(days=1)))
    services.add_update(session, ctx, gwent, {"text": "SHARED-UPDATE", "update_on": yesterday, "visibility": "public"})
    services.add_update(
        session, ctx, gwent, {"text": "INTERNAL-ONLY-MARKER", "update_on": today, "visibility": "internal"}
    )
    period = open_period(session, name="Internal check", cut_off=dt.date.today(), actor=Actor("t"))
    freeze_period(session, period, Actor("t"))
    session.commit()
    for data in (build_report(session), build_report(session, period)):
        assert "INTERNAL-ONLY-MARKER" not in render_html(data)
        assert "INTERNAL-ONLY-MARKER" not in pdf_text(render_pdf(data))
        # what they may see stays (its own latest update: 1.1's newer one is the recommendation's latest)
        assert "SHARED-UPDATE" in {row.own_update_text for row in data.rows.values()}
    sign_in(client, make_user(Role.INSPECTOR).email)
    for url in ("/oversight/report", "/oversight/report/export/csv", "/oversight/report/export/json"):
        for query in ("", f"?period={period.id}"):
            answer = client.get(url + query)
            assert answer.status_code == 200 and "INTERNAL-ONLY-MARKER" not in answer.text, url + query


def _stale_names(data) -> list[str]:
    """The organisations with an open numbered response and no update in the last 90 days, as at the report."""
    names = {o.id: o.name for o in data.organisations}
    return sorted(
        {
            names[row.organisation_id]
            for row in data.rows.values()
            if row.status not in (ResponseStatus.COMPLETE, ResponseStatus.NOT_APPLICABLE)
            and (row.latest_update_on is None or (data.as_of - row.latest_update_on).days > 90)
        }
    )


def test_the_report_lists_the_organisations_with_no_recent_update(session, scenario):
    data = build_report(session)
    state = national_state(session)
    expected = sorted(
        o.name
        for o in state.organisations
        if any(c.stale(state.today, state.stale_days) for c in state.cells_for_organisation(o.id))
    )
    assert expected and data.no_recent_update_organisations == expected == _stale_names(data)
    assert data.headline.no_recent_update == state.headline.no_recent_update
    html = render_html(data)
    listed = html.split('data-testid="no-recent-update"')[1].split("</p>")[0]
    assert "; ".join(expected) in listed
    assert "No recent update" in pdf_text(render_pdf(data))


def test_a_frozen_periods_no_recent_update_comes_from_its_snapshots(session, frozen):
    from sqlmodel import select

    from tracker.plans.models import ProgressUpdate, Response

    data = build_report(session, frozen)
    stale = _stale_names(data)
    assert stale and data.no_recent_update_organisations == stale
    assert data.headline.no_recent_update == sum(
        r.status not in (ResponseStatus.COMPLETE, ResponseStatus.NOT_APPLICABLE)
        and (r.latest_update_on is None or (data.as_of - r.latest_update_on).days > 90)
        for r in data.rows.values()
    )
    # Updates added after the freeze change today's figures, never the frozen period's.
    for response in session.exec(select(Response).where(Response.required == True)):  # noqa: E712
        session.add(ProgressUpdate(response_id=response.id, update_on=frozen.cut_off, text="Late news"))
    session.commit()
    assert not build_report(session).no_recent_update_organisations, "today's figures see the updates"
    again = build_report(session, frozen)
    assert again.no_recent_update_organisations == stale
    assert again.headline.no_recent_update == data.headline.no_recent_update


def test_the_not_started_and_overdue_lists_are_separated_by_semicolons(session, scenario):
    from sqlmodel import select

    from tracker.reports.progress_report import story

    gwent = session.exec(select(Organisation).where(Organisation.slug == "gwent")).one()
    gwent.name = "Gwent Police, South Wales"
    session.commit()
    data = build_report(session)
    sections = [s for s in data.sections if len(s.not_started) > 1 or len(s.overdue) > 1]
    assert sections, "the scenario has a list of two or more organisations"
    html = render_html(data)
    texts = [p.getPlainText() for p in story(data) if hasattr(p, "getPlainText")]
    for section in sections:
        for label, names in (("Not started:", section.not_started), ("Overdue:", section.overdue)):
            if len(names) > 1:
                line = f"{label} {'; '.join(names)}."
                assert line in html and line in texts


def test_the_csv_says_whether_each_organisation_has_published(client, session, scenario, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    rows = list(csv.DictReader(io.StringIO(client.get("/oversight/report/export/csv").content.decode("utf-8-sig"))))
    published = {r["organisation_slug"]: r["organisation_published"] for r in rows}
    assert published["kent"] == "True" and published["gwent"] == "False", published


def test_the_xlsx_has_an_organisations_sheet_and_the_headline_figures(client, session, scenario, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content))
    data = build_report(session)
    organisations = [[c.value for c in row] for row in book["organisations"].iter_rows()]
    header, body = organisations[0], organisations[1:]
    assert header[:4] == ["organisation", "organisation_slug", "organisation_type", "published"]
    assert sorted(r[0] for r in body) == sorted(o.name for o in data.organisations)
    assert {r[1]: r[3] for r in body}["kent"] is True
    figures = {row[0].value: row[1].value for row in book["headline_figures"].iter_rows(min_row=2)}
    assert figures == {k: v for k, v in data.headline.as_dict().items()}


def test_exported_actions_are_numbered_from_1_as_open_data_numbers_them(client, session, published, make_user):
    """JSON and XLSX exports once numbered an action's position from 0, open data (documented "from 1") from 1."""
    services.add_action(session, published.ctx, published.kent, {"description": "A second action"})
    session.commit()
    sign_in(client, make_user(Role.COORDINATOR).email)
    document = json.loads(client.get("/oversight/report/export/json").content)
    exported = [(a["description"], a["position"]) for a in document["actions"]]
    assert exported == [("=Train every call handler", 1), ("A second action", 2)]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content))
    header, *rows = book["actions"].iter_rows(values_only=True)
    assert [row[header.index("position")] for row in rows] == [1, 2]
    opened = [(a["description"], a["position"]) for a in client.get("/open-data/actions.json").json()["rows"]]
    assert opened == exported[:1], "open data holds what Kent published: the first action, numbered alike"


def test_a_period_frozen_after_its_cut_off_labels_its_figures_as_at_the_freeze_day(
    client, session, scenario, make_user
):
    """Outsider pass 4, N2: the snapshot holds the statuses on the day of freezing, so the report (HTML, PDF) and
    the exports say so when that day came after the cut-off, and say "at the cut-off" only when it did not."""
    today = utc_now().astimezone(LONDON).date()
    late = open_period(session, name="Catch-up", cut_off=today - dt.timedelta(days=30), actor=Actor("t"))
    freeze_period(session, late, Actor("t"))
    session.commit()
    data = build_report(session, late)
    frozen_day, cut_off = uk_date(today), uk_date(late.cut_off)
    assert f"statuses are as at {frozen_day}, not as they were on the cut-off" in data.basis
    html = " ".join(render_html(data).split())
    assert f"Figures as at {frozen_day}." in html and f"after its cut-off of {cut_off}" in html
    assert f"statuses are as at {frozen_day}, not as they were on the cut-off" in html
    pdf = " ".join(pdf_text(render_pdf(data)).split())
    assert f"Figures as at {frozen_day}" in pdf and f"Figures as at {cut_off}" not in pdf
    sign_in(client, make_user(Role.COORDINATOR).email)
    document = json.loads(client.get(f"/oversight/report/export/json?period={late.id}").content)
    assert document["as_of"] == late.cut_off.isoformat() and document["statuses_as_at"] == today.isoformat()
    assert {row["statuses_as_at"] for row in document["responses"]} == {today.isoformat()}
    assert {row["statuses_as_at"] for row in document["snapshots"]} == {today.isoformat()}
    csv_text = client.get(f"/oversight/report/export/csv?period={late.id}").content.decode("utf-8-sig")
    assert {row["statuses_as_at"] for row in csv.DictReader(io.StringIO(csv_text))} == {today.isoformat()}


def test_a_period_frozen_on_its_cut_off_labels_its_figures_at_the_cut_off(session, frozen):
    data = build_report(session, frozen)
    assert "at the cut-off of" in data.basis and "not as they were" not in data.basis
    html = " ".join(render_html(data).split())
    assert f"Figures as at {uk_date(frozen.cut_off)}." in html and "not as they were" not in html
    assert all(row["statuses_as_at"] == frozen.cut_off.isoformat() for row in response_rows(data))


# --- a frozen period's data exports (outsider pass 5, finding 2) --------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx", "json")


def exports_of(client, period) -> dict[str, bytes]:
    answers = {fmt: client.get(f"/oversight/report/export/{fmt}?period={period.id}") for fmt in EXPORT_FORMATS}
    assert {answer.status_code for answer in answers.values()} == {200}
    return {fmt: answer.content for fmt, answer in answers.items()}


def kent_response(session):
    return session.exec(
        select(Response)
        .join(Organisation, col(Organisation.id) == Response.organisation_id)
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .where(Organisation.slug == "kent", Recommendation.number == "1")
    ).one()


def test_a_frozen_periods_exports_are_the_same_bytes_after_later_actions_updates_and_assessments(
    client, session, frozen, make_user
):
    """The report, its PDF and every data export of a frozen period hold what was true at the freeze: an action,
    an update (dated on the cut-off) and an assessment added afterwards change none of them."""
    sign_in(client, make_user(Role.COORDINATOR).email)
    before = exports_of(client, frozen)
    assert exports_of(client, frozen) == before, "the same bytes on every download"
    response_id = kent_response(session).id
    session.add(Action(response_id=response_id, description="Added after the freeze"))
    session.add(ProgressUpdate(response_id=response_id, update_on=frozen.cut_off, text="News after the freeze"))
    session.add(Assessment(response_id=response_id, rating=AssessmentRating.MET, rationale="Assessed after it"))
    session.commit()
    assert exports_of(client, frozen) == before
    assert b"after the freeze" not in before["json"] and b"Assessed after it" not in before["json"]
    assert b"Added after the freeze" in client.get("/oversight/report/export/json").content, "today's stays live"


def test_a_frozen_periods_actions_and_updates_are_those_its_snapshots_count(client, session, scenario, make_user):
    """The actions sheet lists the actions recorded by the cut-off (the snapshot's ``actions_total``), those complete
    by then adding up to its ``actions_complete``; no update is dated after the cut-off."""
    today = utc_now().astimezone(LONDON).date()
    cut_off = today - dt.timedelta(days=30)
    response_id = kent_response(session).id
    recorded_before = dt.datetime.combine(cut_off - dt.timedelta(days=5), dt.time(12), UTC)
    done_later = Action(response_id=response_id, description="Done after the cut-off", status=ActionStatus.COMPLETE)
    done_later.completed_on, done_later.created_at = today, recorded_before
    session.add(done_later)
    session.add(Action(response_id=response_id, description="Added after the cut-off"))
    session.add(ProgressUpdate(response_id=response_id, update_on=cut_off, text="On the cut-off"))
    session.add(ProgressUpdate(response_id=response_id, update_on=today, text="After the cut-off"))
    late = open_period(session, name="Catch-up", cut_off=cut_off, actor=Actor("t"))
    freeze_period(session, late, Actor("t"))
    session.commit()
    sign_in(client, make_user(Role.COORDINATOR).email)
    document = json.loads(exports_of(client, late)["json"])
    assert {u["text"] for u in document["updates"]} == {"On the cut-off"}
    counted: Counter[tuple[str, str]] = Counter()
    complete: Counter[tuple[str, str]] = Counter()
    for action in document["actions"]:
        key = (action["organisation_slug"], action["recommendation"])
        counted[key] += 1
        complete[key] += action["status"] == "complete" and action["completed_on"] <= cut_off.isoformat()
    snapshots = {(s["organisation_slug"], s["recommendation"]): s for s in document["snapshots"]}
    assert set(counted) <= set(snapshots) and counted[("kent", "1")] >= 1
    for key, snapshot in snapshots.items():
        assert (snapshot["actions_total"], snapshot["actions_complete"]) == (counted[key], complete[key]), key
    assert "Added after the cut-off" not in {a["description"] for a in document["actions"]}


def test_unfreezing_discards_the_stored_exports_and_freezing_again_stores_them_afresh(
    client, session, frozen, make_user
):
    sign_in(client, make_user(Role.COORDINATOR).email)
    first = json.loads(exports_of(client, frozen)["json"])
    session.add(ProgressUpdate(response_id=kent_response(session).id, update_on=frozen.cut_off, text="Later news"))
    unfreeze_period(session, frozen, Actor("admin"))
    assert not session.exec(select(PeriodExport).where(PeriodExport.period_id == frozen.id)).all()
    freeze_period(session, frozen, Actor("t"))
    session.commit()
    again = json.loads(exports_of(client, frozen)["json"])
    assert "Later news" in {u["text"] for u in again["updates"]} - {u["text"] for u in first["updates"]}


def test_a_period_frozen_before_exports_were_kept_says_when_its_tables_were_captured(
    client, session, frozen, make_user
):
    """A period frozen before the tracker stored a frozen period's exports: its first export stores them, saying
    plainly that they were captured then, not at the freeze; they never change afterwards."""
    for stored in session.exec(select(PeriodExport).where(PeriodExport.period_id == frozen.id)):
        session.delete(stored)
    session.commit()
    sign_in(client, make_user(Role.COORDINATOR).email)
    first = exports_of(client, frozen)
    document = json.loads(first["json"])
    today = uk_date(utc_now().astimezone(LONDON).date())
    assert "before the tracker kept a frozen period's exports" in document["note"]
    assert f"captured on {today}" in document["note"]
    book = openpyxl.load_workbook(io.BytesIO(first["xlsx"]))
    assert book.sheetnames[0] == "note" and document["note"] in [c.value for c in book["note"]["A"]]
    session.add(Action(response_id=kent_response(session).id, description="Added later still"))
    session.commit()
    assert exports_of(client, frozen) == first


def test_each_sets_frozen_export_is_what_that_set_alone_exported_at_the_freeze(session, frozen):
    """With one set, its export and every set's are built once and stored for both: each must still be what
    building that set's export at the freeze gives."""
    for stored in session.exec(select(PeriodExport).where(PeriodExport.period_id == frozen.id)):
        built = document(session, build_report(session, frozen, stale_days=90, set_id=stored.set_id), frozen)
        kept = json.loads(stored.document)
        assert {k: v for k, v in kept.items() if k != "generated"} == json.loads(
            json.dumps({k: v for k, v in built.items() if k != "generated"}, default=str)
        ), f"set {stored.set_id}"


def test_a_period_offers_its_report_in_welsh_beside_the_english_and_the_welsh_pdf_is_welsh(client, frozen, make_user):
    """The period page links the English report and the Welsh one (HTML and PDF); the Welsh PDF is drawn from the
    same frozen figures, with Welsh headings, and is the same bytes each time it is downloaded."""
    sign_in(client, make_user(Role.COORDINATOR).email)
    for lang in ("", "&lang=cy"):  # on the Welsh page too, each link keeps its own language and the period
        page = client.get(f"/oversight/periods/{frozen.id}?{lang.lstrip('&')}").text
        links = page.split('data-testid="period-report-links"', 1)[1].split("</p>", 1)[0]
        assert f'href="/oversight/report/pdf?period={frozen.id}&amp;lang=cy"' in links
        assert f'href="/oversight/report?period={frozen.id}"' in links
        assert f'href="/oversight/report?period={frozen.id}&amp;lang=cy"' in links
    welsh = client.get(f"/oversight/report/pdf?period={frozen.id}&lang=cy")
    assert welsh.headers["content-disposition"].endswith('-cy.pdf"')
    assert welsh.content == client.get(f"/oversight/report/pdf?period={frozen.id}&lang=cy").content
    text = pdf_text(welsh.content)
    assert "Crynodeb" in text and "Yr argymhellion" in text and "Summary" not in text
    html = client.get(f"/oversight/report?period={frozen.id}&lang=cy").text
    assert f'href="/oversight/report/pdf?period={frozen.id}&amp;lang=cy"' in html
