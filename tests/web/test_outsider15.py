"""What an outside tester found in issue 15's features, each pinned by a test (the second outsider pass)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pytest

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tracker.audit.services import Actor
from tracker.evidence.models import Evidence
from tracker.inputs import problems_for
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.publication import publish_plan
from tracker.plans.services import load_response
from tracker.plans.workspace import workspace_rows
from tracker.reports.figures import national_state
from tracker.reports.organisation_view import organisation_oversight
from tracker.reports.services import freeze_period, open_period
from tracker.vocabulary import OrganisationKind, Role, Visibility


@pytest.fixture
def kent_editor(small_reference, make_user):
    return make_user(Role.EDITOR, "kent")


# --- 5: national readers' figures count only what they may see ------------------------------------------


def test_an_internal_update_moves_no_national_figure(client, session, kent_editor, make_user):
    """An internal update is the organisation's own: no national reader's date, flag or count may include it."""
    ctx = load_response(session, kent_editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    today = dt.date.today()
    services.add_update(
        session,
        ctx,
        kent_editor,
        {"text": "In-house", "visibility": "internal", "update_on": today.strftime("%d/%m/%Y")},
    )
    state = national_state(session)
    assert state.updates_last_30_days == 0
    assert all(cell.last_update_on is None for cell in state.cells.values())
    assert state.headline.no_recent_update == len(state.cells)
    kent = get_by_slug(session, "kent")
    view = organisation_oversight(session, kent)
    assert all(item.row.last_update_on is None and item.stale for item in view.rows)
    coordinator = make_user(Role.COORDINATOR)
    sign_in(client, coordinator.email)
    for url in ("/plan/kent", "/oversight/organisations/kent"):
        page = client.get(url).text
        assert today.strftime("%-d %B %Y") not in page, url
    # The organisation itself still sees its own update in its workspace.
    assert any(row.last_update_on == today for row in workspace_rows(session, kent.id, levels=set(Visibility)))


# --- 7: "responses" means one thing: one per numbered recommendation (figures.Headline) ------------------


def test_responses_are_counted_as_the_headline_counts_them(client, session, kent_editor, make_user):
    """The organisation's oversight page and the Atom feed count a sub-recommendation within its recommendation,
    as the headline figures do, and the page says so."""
    kent = get_by_slug(session, "kent")
    expected = len(national_state(session).cells_for_organisation(kent.id))
    assert len(organisation_oversight(session, kent).rows) > expected, "the table still lists sub-recommendations"
    publish_plan(session, kent, kent_editor)
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get("/oversight/organisations/kent").text
    summary = page.split('data-testid="summary"')[1].split("</dl>")[0]
    assert re.search(rf"Responses</dt>\s*<dd[^>]*>\s*{expected}:", summary), summary
    assert "a sub-recommendation counts within its recommendation" in page
    feed = client.get("/open-data/publications.atom").text
    assert f"{expected} responses" in feed, feed


# --- 13: the JSON export's headline knows the no-recent-update figure the dashboard shows ------------------


def test_the_json_export_headline_has_the_dashboards_no_recent_update(client, session, small_reference, make_user):
    expected = national_state(session).headline.no_recent_update
    assert expected
    sign_in(client, make_user(Role.COORDINATOR).email)
    document = json.loads(client.get("/oversight/report/export/json").content)
    assert document["headline"]["no_recent_update"] == expected


# --- 15: an unknown ?set= is one rule everywhere: 404 with a page that says why ------------------------------

SET_PAGES = (
    "/oversight",
    "/oversight/report",
    "/oversight/charts/status.svg",
    "/plan/kent",
    "/recommendations",
    "/oversight/obligation-changes",
)


def test_an_unknown_set_is_not_found_on_every_page_that_takes_one(client, session, small_reference, make_user):
    sign_in(client, make_user(Role.ADMIN).email)
    for url in SET_PAGES:
        assert client.get(url).status_code == 200, url
        answer = client.get(url + "?set=nope")
        assert answer.status_code == 404, url
        if url.endswith(".svg"):
            continue
        assert "There is no recommendation set with that name" in answer.text, url


# --- 17: wording ----------------------------------------------------------------------------------------------


def test_the_period_comparison_counts_in_good_english(client, session, kent_editor, make_user):
    def save(number: str, status: str) -> None:
        ctx = load_response(session, kent_editor, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
        services.update_response(session, ctx, kent_editor, {"status": status, "version": str(ctx.response.version)})

    actor = Actor("test")
    save("1.2", "complete")
    periods = []
    for name, cut_off in (("Spring", dt.date(2025, 3, 31)), ("Summer", dt.date(2025, 6, 30))):
        period = open_period(session, name=name, cut_off=cut_off, actor=actor)
        freeze_period(session, period, actor)
        session.commit()
        periods.append(period.id)
        save("1.2", "in_progress")  # went backwards between the two: one sub-recommendation
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get(f"/oversight/periods/compare?earlier={periods[0]}&later={periods[1]}").text
    caption = page.split('data-testid="backward"')[1].split("</caption>")[0]
    assert "(0 responses; 1 sub-recommendation)" in caption, caption


def test_an_organisation_without_obligations_is_told_so_not_about_filters(client, session, small_reference, make_user):
    session.add(Organisation(slug="npcc", name="National Police Chiefs' Council", kind=OrganisationKind.NATIONAL_BODY))
    session.commit()
    sign_in(client, make_user(Role.EDITOR, "npcc").email)
    page = client.get("/plan/npcc").text
    assert "No recommendations match these filters" not in page
    assert "No recommendations are addressed to National Police Chiefs" in page
    assert "No recommendations match these filters" in client.get("/plan/npcc?status=blocked").text


# --- 14: every export table names the organisation the same way: its name and its slug ------------------------


def test_every_export_table_has_the_organisations_name_and_slug(client, session, kent_editor, make_user):
    ctx = load_response(session, kent_editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    services.add_action(session, ctx, kent_editor, {"description": "Audit records"})
    update = services.add_update(session, ctx, kent_editor, {"text": "Shared", "visibility": "public"})
    assert update.visibility.value == "public", update
    sign_in(client, make_user(Role.COORDINATOR).email)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content), read_only=True)
    document = json.loads(client.get("/oversight/report/export/json").content)
    checked = 0
    for sheet in ("responses", "actions", "updates"):
        header, *rows = list(book[sheet].values)
        sheet_rows = [dict(zip(header, row, strict=False)) for row in rows]  # trailing empty cells are not read
        for table in (sheet_rows, document[sheet]):
            kent_rows = [r for r in table if r["organisation_slug"] == "kent"]
            assert kent_rows and all(r["organisation"] == "Kent Police" for r in kent_rows), sheet
            checked += 1
    assert checked == 6


# --- 16: direction-changing characters in short fields and file names ----------------------------------------


def test_bidi_controls_are_refused_in_short_fields_and_dropped_from_file_names(client, session, kent_editor, settings):
    from tests.support.plans import evidence_rows, post_file

    rid = response_of(session, "kent", "1.1").id
    sign_in(client, kent_editor.email)
    refused = post_file(client, rid, "notes.txt", b"hello", title="Outsider evidence evil\u202egpj.exe")
    assert refused.status_code == 422 and 'href="#evidence-title"' in refused.text, refused.text
    assert evidence_rows(session) == []
    kept = post_file(
        client, rid, "evil\u202egpj.exe.txt", b"hello", title="\u062a\u0642\u0631\u064a\u0631 \u05d3\u05d5\u05d7"
    )
    assert kept.status_code in (200, 303), kept.text
    [row] = evidence_rows(session)
    assert row.original_name == "evilgpj.exe.txt" and row.title == "\u062a\u0642\u0631\u064a\u0631 \u05d3\u05d5\u05d7"
    assert problems_for(Evidence, title="a\u2066b") and not problems_for(
        Evidence, title="\u0645\u0631\u062d\u0628\u0627"
    )
