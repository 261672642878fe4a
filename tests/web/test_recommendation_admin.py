"""Maintaining recommendation sets: editing with provenance and versions, obligations, loading and exporting."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import yaml
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.factories import SMALL_SET, write
from tests.support.web import csrf_headers
from tracker.audit.services import Actor
from tracker.datafiles import LoadError
from tracker.db import StaleRecord
from tracker.inputs import BIDI_MESSAGE
from tracker.loading import load_file, load_upload
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.models import Action, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.services import load_response
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import (
    EditError,
    form_values,
    history_events,
    save_recommendation,
    set_summaries,
    versions,
)
from tracker.recommendations.export import dump_set
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.figures import national_state
from tracker.vocabulary import Provenance, Role

REPORT = "https://www.example.org/report"


def rec(session, number, slug="test-report"):
    return session.exec(
        select(Recommendation)
        .join(RecommendationSet, RecommendationSet.id == Recommendation.set_id)
        .where(Recommendation.number == number, RecommendationSet.slug == slug)
    ).one()


def response(session, org, number):
    organisation = get_by_slug(session, org)
    return session.exec(
        select(Response).where(
            Response.organisation_id == organisation.id, Response.recommendation_id == rec(session, number).id
        )
    ).one()


def edit(session, number, user, **changes):
    r = rec(session, number)
    values = form_values(session, r) | changes
    return save_recommendation(session, r, recommendation_edit(values), user)


@pytest.fixture
def admin(small_reference, make_user):
    return make_user(Role.ADMIN)


# --- editing, provenance and versions ---------------------------------------------------------------------


def test_an_admin_completes_a_recommendation_and_confirms_it_against_a_named_source(session, admin):
    edit(
        session,
        "2",
        admin,
        text="Forces should train staff.",
        addressees=["chief-constables"],
        deadline="27/03/2025",
        provenance="confirmed",
        provenance_sources=REPORT,
    )
    r = rec(session, "2")
    assert r.text == "Forces should train staff."
    assert r.provenance is Provenance.CONFIRMED
    assert (r.confirmed_by_id, r.confirmed_by_label) == (admin.id, admin.display_name)
    assert r.confirmed_at is not None and r.provenance_sources == [REPORT]
    assert "text" in r.confirmed_fields and r.version == 2
    # The change is in the history with its before and after, and version 1 stays viewable.
    event = history_events(session, r)[0]
    assert event.before["text"] is None and event.after["text"] == "Forces should train staff."
    assert event.before["provenance"] == "to_be_confirmed" and event.after["provenance"] == "confirmed"
    kept = {v.version: v.content for v in versions(session, r)}
    assert kept[1]["text"] is None and kept[2]["text"] == "Forces should train staff."


def test_confirming_needs_wording_and_a_source_and_partly_confirmed_needs_its_fields(session, admin):
    with pytest.raises(EditError) as exc:
        edit(session, "2", admin, provenance="confirmed")
    assert set(exc.value.errors) == {"text", "provenance_sources"}
    with pytest.raises(EditError) as exc:
        edit(session, "2", admin, provenance="partial", confirmed_fields=[])
    assert "confirmed_fields" in exc.value.errors
    with pytest.raises(EditError) as exc:
        edit(session, "2", admin, deadline="31/02/2025", addressees=["nobody"], provenance_sources="not a url")
    assert {"deadline", "addressees", "provenance_sources"} <= set(exc.value.errors)
    assert rec(session, "2").version == 1  # nothing saved


def test_a_stale_save_is_refused_with_the_newer_values(session, admin):
    r = rec(session, "1")
    stale = form_values(session, r)
    edit(session, "1", admin, text="Newer wording.")
    with pytest.raises(StaleRecord) as exc:
        save_recommendation(session, rec(session, "1"), recommendation_edit(stale | {"text": "Mine"}), admin)
    assert exc.value.current["text"] == "Newer wording."
    assert rec(session, "1").text == "Newer wording."


def test_sub_recommendations_are_added_edited_and_removed_without_losing_records(session, admin):
    r = rec(session, "1")
    sub2 = rec(session, "1.2")
    kent = get_by_slug(session, "kent")
    editor_ctx = load_response(session, admin, response(session, "kent", "1.2").id, Permission.EDIT_PLAN)
    services.add_action(session, editor_ctx, admin, {"description": "Kept whatever happens"})
    values = form_values(session, r) | {
        f"sub-{rec(session, '1.1').id}-text": "Use the new field everywhere.",
        f"sub-{sub2.id}-remove": "yes",
        "new-1-number": "1.3",
        "new-1-text": "Report on it.",
    }
    save_recommendation(session, r, recommendation_edit(values), admin)
    assert rec(session, "1.1").text == "Use the new field everywhere."
    assert rec(session, "1.3").addressees == ["chief-constables"]
    kent_numbers = {rr.number for _, rr, _ in obligations_for(session, kent.id)}
    assert "1.3" in kent_numbers and "1.2" not in kent_numbers
    old = response(session, "kent", "1.2")
    assert old.required is False
    assert session.exec(select(Action).where(Action.response_id == old.id)).one().description == "Kept whatever happens"
    with pytest.raises(EditError) as exc:
        edit(session, "1", admin, **{"new-1-number": "2.1", "new-1-text": "x"})
    assert "new-1-number" in exc.value.errors


# --- addressees and obligations ------------------------------------------------------------------------------


def test_changing_addressees_adds_and_retires_obligations_and_keeps_what_was_recorded(session, admin):
    ctx = load_response(session, admin, response(session, "kent", "1").id, Permission.EDIT_PLAN)
    services.add_update(session, ctx, admin, {"text": "Kent's progress"})
    result = edit(session, "1", admin, addressees=["pccs"])
    kent, kent_pcc = get_by_slug(session, "kent"), get_by_slug(session, "kent-pcc")
    assert "1" not in {r.number for _, r, _ in obligations_for(session, kent.id)}
    assert "1" in {r.number for _, r, _ in obligations_for(session, kent_pcc.id)}
    assert len(result.obligations.no_longer_required) == 6  # two forces x (1, 1.1, 1.2)
    assert len(result.obligations.added) == 6
    kept = response(session, "kent", "1")
    assert kept.required is False
    # Addressed again: the same record comes back with its update.
    edit(session, "1", admin, addressees=["pccs", "chief-constables"])
    assert response(session, "kent", "1").required is True
    assert response(session, "kent", "1").id == kept.id


def test_coordinators_see_the_changes_to_obligations(client, session, admin, make_user):
    edit(session, "1", admin, addressees=["pccs"])
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get("/oversight/obligation-changes?set=test-report")
    assert page.status_code == 200
    assert "No longer required" in page.text and "Kent Police: recommendation 1" in page.text
    assert "Kent Police and Crime Commissioner: recommendation 1" in page.text


# --- the admin pages ---------------------------------------------------------------------------------------


def test_the_admin_pages_edit_show_errors_beside_fields_and_answer_409_on_a_stale_save(client, session, admin):
    sign_in(client, admin.email)
    listing = client.get("/admin/recommendations")
    assert listing.status_code == 200 and "Test report" in listing.text
    r = rec(session, "2")
    form = client.get(f"/admin/recommendations/{r.id}")
    assert form.status_code == 200 and "Wording, in our own words" in form.text
    bad = client.post(
        f"/admin/recommendations/{r.id}",
        data={"version": "1", "provenance": "confirmed", "deadline": "soon"},
        headers=csrf_headers(client),
    )
    assert bad.status_code == 422
    assert 'id="deadline-error"' in bad.text and 'href="#text"' in bad.text
    good = client.post(
        f"/admin/recommendations/{r.id}",
        data={
            "version": "1",
            "text": "Train staff.",
            "addressees": ["chief-constables", "home-office"],
            "provenance": "confirmed",
            "provenance_sources": REPORT,
        },
        headers=csrf_headers(client),
        follow_redirects=True,
    )
    assert good.status_code == 200 and "Saved as version 2" in good.text
    session.rollback()
    assert rec(session, "2").addressees == ["chief-constables", "home-office"]
    stale = client.post(
        f"/admin/recommendations/{r.id}",
        data={"version": "1", "text": "Older idea", "provenance": "to_be_confirmed"},
        headers=csrf_headers(client),
    )
    assert stale.status_code == 409
    assert "Train staff." in stale.text and "Older idea" in stale.text
    history = client.get(f"/admin/recommendations/{r.id}/history")
    assert history.status_code == 200
    assert 'data-testid="version-1"' in history.text and 'data-testid="version-2"' in history.text
    assert "Confirmed against the report" in history.text


def test_the_home_page_and_admin_count_confirmed_recommendations(client, session, admin):
    summary = set_summaries(session)[0]
    assert (summary.total, summary.confirmed, summary.partial, summary.to_be_confirmed) == (3, 1, 1, 1)
    edit(session, "2", admin, text="Now known.", provenance="confirmed", provenance_sources=REPORT)
    assert set_summaries(session)[0].confirmed == 2
    assert "2 of 3 confirmed against the report" in client.get("/").text


# --- loading and exporting --------------------------------------------------------------------------------


def test_export_loads_back_to_the_same_data(session, admin, tmp_path):
    edit(
        session,
        "2",
        admin,
        text="Now known.",
        provenance="confirmed",
        provenance_sources=REPORT,
        **{"new-1-number": "2.1", "new-1-text": "A part of it."},
    )
    rec_set = session.exec(select(RecommendationSet)).one()
    text = dump_set(session, rec_set)
    path = write(tmp_path, "export.yaml", text)
    again = load_file(session, path, Actor("test"), dry_run=True)
    assert not again.changed_anything, again.lines()
    # And into another set: the same recommendations, the same export.
    other = write(tmp_path, "copy.yaml", text.replace("slug: test-report", "slug: test-copy"))
    load_file(session, other, Actor("test"))
    copy = session.exec(select(RecommendationSet).where(RecommendationSet.slug == "test-copy")).one()
    assert dump_set(session, copy).replace("test-copy", "test-report") == text
    assert yaml.safe_load(text)["recommendations"][1]["provenance"]["confirmed_by"] == admin.display_name


def sheet(rows, columns=("number", "sub-number", "wording", "addressees", "deadline", "theme")):
    frame = pd.DataFrame(rows, columns=list(columns))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


NEW_SET = {"slug": "second-report", "title": "A second report", "short_title": "Second report"}


def test_a_spreadsheet_with_bad_rows_loads_nothing_and_names_each_row_and_column(session, admin):
    content = sheet(
        [
            ["1", "", "Do a thing.", "Chief constables", "31/12/2025", "Recording"],
            ["1", "1", "Part of it.", "", "", ""],
            ["2", "", "Another.", "Nobody at all", "not a date", ""],
            ["3", "2", "Orphan.", "", "", ""],
        ]
    )
    with pytest.raises(LoadError) as exc:
        load_upload(session, content, "second.csv", Actor("test"), new_set=NEW_SET)
    problems = {(p.line, p.field) for p in exc.value.problems}
    assert (5, "sub-number") in problems  # recommendation 3 has no row of its own
    content = sheet(
        [
            ["1", "", "Do a thing.", "Chief constables", "31/12/2025", "Recording"],
            ["2", "", "Another.", "Nobody at all", "not a date", ""],
        ]
    )
    with pytest.raises(LoadError) as exc:
        load_upload(session, content, "second.csv", Actor("test"), new_set=NEW_SET)
    assert {(p.line, p.field, p.unit) for p in exc.value.problems} == {(3, "deadline", "row")}
    content = sheet(
        [
            ["1", "", "Do a thing.", "Chief constables", "31/12/2025", "Recording"],
            ["2", "", "Another.", "Nobody at all; Home Office", "", ""],
            ["2", "", "Twice.", "", "", ""],
        ]
    )
    with pytest.raises(LoadError) as exc:
        load_upload(session, content, "second.csv", Actor("test"), new_set=NEW_SET)
    assert {(p.line, p.field) for p in exc.value.problems} == {(4, "number")}
    content = sheet(
        [
            ["1", "", "Do a thing.", "Chief constables", "31/12/2025", "Recording"],
            ["2", "", "Another.", "Nobody at all; Home Office", "", ""],
        ]
    )
    with pytest.raises(LoadError) as exc:
        load_upload(session, content, "second.csv", Actor("test"), new_set=NEW_SET)
    [problem] = exc.value.problems
    assert (problem.line, problem.field, problem.unit) == (3, "addressees", "row")
    assert "Nobody at all" in str(problem)
    assert session.exec(select(RecommendationSet).where(RecommendationSet.slug == "second-report")).first() is None


def test_a_spreadsheet_dry_run_then_apply_creates_a_second_set_side_by_side(session, admin):
    content = sheet(
        [
            ["1", "", "Do a thing.", "Chief constables", "31/12/2025", "Recording"],
            ["1", "1", "Part of it.", "", "", ""],
            ["2", "", "Another.", "Home Office", "", ""],
        ]
    )
    dry = load_upload(session, content, "second.csv", Actor("test"), new_set=NEW_SET, dry_run=True)
    assert "recommendation set second-report" in dry.created and "recommendation 1.1" in dry.created
    assert session.exec(select(RecommendationSet).where(RecommendationSet.slug == "second-report")).first() is None
    load_upload(session, content, "second.csv", Actor("test"), new_set=NEW_SET)
    second = session.exec(select(RecommendationSet).where(RecommendationSet.slug == "second-report")).one()
    assert rec(session, "1.1", "second-report").provenance is Provenance.TO_BE_CONFIRMED
    # Kent answers both sets' recommendation 1; each set has its own figures.
    kent = get_by_slug(session, "kent")
    numbers = [(rs.slug, r.number) for _, r, rs in obligations_for(session, kent.id)]
    assert ("test-report", "1") in numbers and ("second-report", "1") in numbers
    first = session.exec(select(RecommendationSet).where(RecommendationSet.slug == "test-report")).one()
    assert len(national_state(session, set_id=first.id).cells) == 2 + 2 + 1  # forces x 1, PCCs and Home Office x 3
    assert len(national_state(session, set_id=second.id).cells) == 2 + 1  # forces x 1, Home Office x 2
    # The same spreadsheet again changes nothing.
    assert not load_upload(session, content, "second.csv", Actor("test"), set_slug="second-report").changed_anything


def test_the_load_page_dry_runs_then_applies_an_uploaded_yaml_file(client, session, admin):
    sign_in(client, admin.email)
    text = SMALL_SET.replace("slug: test-report", "slug: third").replace("text: null", "text: Now worded.")
    check = client.post(
        "/admin/recommendations/load",
        files={"file": ("third.yaml", text.encode(), "application/yaml")},
        headers=csrf_headers(client),
    )
    assert check.status_code == 200 and "would be created" in check.text
    assert session.exec(select(RecommendationSet).where(RecommendationSet.slug == "third")).first() is None
    file_data = check.text.split('name="file_data" value="')[1].split('"')[0]
    applied = client.post(
        "/admin/recommendations/load/apply",
        data={"file_data": file_data, "file_name": "third.yaml"},
        files={"none": ("", b"", "application/octet-stream")},
        headers=csrf_headers(client),
    )
    assert applied.status_code == 200 and "Loaded" in applied.text
    session.rollback()
    assert session.exec(select(RecommendationSet).where(RecommendationSet.slug == "third")).one()
    bad = client.post(
        "/admin/recommendations/load",
        files={"file": ("bad.yaml", text.replace("deadline: 27/03/2025", "deadline: 45/03/2025").encode(), "x/y")},
        headers=csrf_headers(client),
    )
    assert bad.status_code == 422 and "Line 15" in bad.text and "recommendations[0].deadline" in bad.text


def test_the_set_export_downloads_from_the_admin_area(client, session, admin):
    sign_in(client, admin.email)
    download = client.get("/admin/recommendations/sets/test-report/export.yaml")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert yaml.safe_load(download.text)["set"]["slug"] == "test-report"


# --- the command line ---------------------------------------------------------------------------------------


@pytest.fixture
def run(database_url, engine, monkeypatch):
    from click.testing import CliRunner

    from tracker.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


@pytest.mark.commits  # the CLI opens its own engine
def test_tracker_export_set_writes_a_file_that_loads_back_to_the_same_data(run, session, admin, tmp_path):
    edit(session, "2", admin, text="Now known.", provenance="confirmed", provenance_sources=REPORT)
    out = tmp_path / "exported.yaml"
    result = run("export-set", "test-report", "--output", str(out))
    assert result.exit_code == 0, result.output
    again = run("load", str(out), "--dry-run")
    assert again.exit_code == 0 and "0 would be created, 0 would be changed" in again.output
    assert run("export-set", "no-such-set", "--output", str(out)).exit_code != 0


@pytest.mark.commits  # the CLI opens its own engine
def test_tracker_load_reads_a_spreadsheet_into_a_new_or_existing_set(run, session, admin, tmp_path):
    path = tmp_path / "second.csv"
    path.write_bytes(sheet([["1", "", "Do a thing.", "chief-constables", "2025-12-31", ""]]))
    without_set = run("load", str(path))
    assert without_set.exit_code == 1 and "choose the set it belongs to" in without_set.output
    created = run("load", str(path), "--new-set", "second-report", "--title", "A second report")
    assert created.exit_code == 0 and "+ recommendation set second-report" in created.output
    path.write_bytes(sheet([["1", "", "Do a thing.", "chief-constables", "not a date", ""]]))
    bad = run("load", str(path), "--set", "second-report")
    assert bad.exit_code == 1 and "row 2: deadline" in bad.output


def test_a_save_that_changes_nothing_makes_no_new_version(session, admin):
    result = edit(session, "1", admin)
    assert result.changed == [] and rec(session, "1").version == 1
    assert history_events(session, rec(session, "1")) == [] or all(
        e.action == "create" for e in history_events(session, rec(session, "1"))
    )


def test_a_reload_that_changes_a_recommendation_or_its_parts_keeps_both_versions(session, admin, tmp_path):
    changed = SMALL_SET.replace(
        '{number: "1.2", text: Until then use a workaround.}', '{number: "1.2", text: Meanwhile.}'
    )
    load_file(session, write(tmp_path, "set.yaml", changed), Actor("tracker load"))
    r = rec(session, "1")
    assert r.version == 2  # only a sub-recommendation changed, and the recommendation has a new version
    kept = {v.version: v.content for v in versions(session, r)}
    assert kept[1]["sub_recommendations"][1]["text"] == "Until then use a workaround."
    assert kept[2]["sub_recommendations"][1]["text"] == "Meanwhile."
    assert not load_file(session, write(tmp_path, "set.yaml", changed), Actor("tracker load")).changed_anything


def test_an_xlsx_spreadsheet_loads_into_an_existing_set_and_keeps_honest_provenance(session, admin):
    frame = pd.DataFrame(
        [
            ["1", "", "Chief constables should record things properly.", "chief-constables", "27/03/2025", "recording"],
            ["2", "", "", "", "", ""],
            ["3", "", "A changed summary.", "pccs, Home Office", "", ""],
            ["4", "", "A new one.", "Home Office", "", "Support"],
        ],
        columns=["Number", "Sub-number", "Wording", "Addressees", "Deadline", "Theme"],
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    content = buffer.getvalue()
    with pytest.raises(LoadError) as exc:  # the set expects 3 recommendations
        load_upload(session, content, "more.xlsx", Actor("test"), set_slug="test-report", dry_run=True)
    assert "expects 3 recommendations" in str(exc.value)
    rec_set = session.exec(select(RecommendationSet)).one()
    rec_set.expected_recommendations = None
    session.commit()
    dry = load_upload(session, content, "more.xlsx", Actor("test"), set_slug="test-report", dry_run=True)
    assert "recommendation 4" in dry.created
    assert any(line.startswith("recommendation 3:") and "text" in line for line in dry.updated)
    load_upload(session, content, "more.xlsx", Actor("test"), set_slug="test-report")
    three, four = rec(session, "3"), rec(session, "4")
    # The wording of 3 was confirmed against the report; the spreadsheet changed it, so it no longer is.
    assert three.provenance is Provenance.PARTIAL and "text" not in three.confirmed_fields
    assert four.provenance is Provenance.TO_BE_CONFIRMED and four.theme == "support"
    assert {"code": "support", "name": "Support"} in session.exec(select(RecommendationSet)).one().themes
    assert rec(session, "1").version == 1  # unchanged rows stay as they were


def test_the_admin_pages_issue_the_same_number_of_queries_after_many_versions(client, session, admin, tmp_path):
    from tests.support.database import queries_of

    sign_in(client, admin.email)
    r = rec(session, "1")
    pages = [
        "/admin/recommendations",
        "/admin/recommendations/sets/test-report",
        f"/admin/recommendations/{r.id}",
        f"/admin/recommendations/{r.id}/history",
        "/oversight/obligation-changes",
    ]
    for path in pages:
        queries_of(client, path)
    before = {path: queries_of(client, path) for path in pages}
    for n in range(4):
        edit(session, "1", admin, text=f"Version {n}", addressees=["pccs"] if n % 2 else ["chief-constables"])
    after = {path: queries_of(client, path) for path in pages}
    assert after == before


def test_a_new_sets_title_with_a_direction_override_is_refused_beside_the_field(client, session, admin):
    """Outsider pass 5, finding 6 (second bullet): the form's own fields are typed, so what they refuse is said
    beside them, with what was typed kept, never on the generic error page."""
    sign_in(client, admin.email)
    content = sheet([["1", "", "Do a thing.", "Chief constables", "31/12/2025", "Recording"]])
    typed = {
        "new_slug": "second-report",
        "new_title": "A \u202esecond report",
        "new_short_title": "Second \u202ereport",
    }
    refused = client.post(
        "/admin/recommendations/load",
        files={"file": ("second.csv", content, "text/csv")},
        data=typed,
        headers=csrf_headers(client),
    )
    assert refused.status_code == 422
    assert 'id="new_title-error"' in refused.text and 'id="new_short_title-error"' in refused.text
    assert 'href="#new_title"' in refused.text and "changes the direction of the text" in refused.text
    assert "A \u202esecond report" in refused.text  # what was typed, to correct
    session.rollback()
    assert session.exec(select(RecommendationSet).where(RecommendationSet.slug == "second-report")).first() is None


def test_a_yaml_set_and_a_spreadsheet_drop_invisible_characters_alike(client, session, admin):
    """Outsider pass 5, finding 6 (third bullet): a YAML file whose text held U+202E gave the generic error page at
    the check, while a spreadsheet's cell lost the character. Both loads keep of a text what its field takes, by the
    same rules (an override from any field, every direction control from a short one, as a plan import does)."""
    sign_in(client, admin.email)
    text = (
        SMALL_SET.replace("slug: test-report", "slug: third")
        .replace("short_title: Test report", "short_title: Third \u2066report\u2069")
        .replace("text: null", 'text: "Evil\u202egpj.exe \\x01wording, \u2067kept\u2069."')
    )
    check = client.post(
        "/admin/recommendations/load",
        files={"file": ("third.yaml", text.encode(), "application/yaml")},
        headers=csrf_headers(client),
    )
    assert check.status_code == 200 and "would be created" in check.text
    load_upload(session, text.encode(), "third.yaml", Actor("test"))
    assert rec(session, "2", "third").text == "Evilgpj.exe wording, \u2067kept\u2069."
    third = session.exec(select(RecommendationSet).where(RecommendationSet.slug == "third")).one()
    assert third.short_title == "Third report"
    content = sheet([["2", "", "Evil\u202egpj.exe \x01wording, \u2067kept\u2069.", "", "", ""]])
    load_upload(session, content, "second.csv", Actor("test"), new_set=NEW_SET)
    assert rec(session, "2", "second-report").text == "Evilgpj.exe wording, \u2067kept\u2069."


@pytest.mark.parametrize("character", ["\u202e", "\u2066"])
def test_a_source_with_a_direction_control_is_refused_beside_the_field(client, session, admin, character):
    """Outsider pass 5, finding 7: a source "https://example.org/\u202eexe.txt" was stored and shown in the public
    page's links, while the wording, note and sub-recommendations of the same form refused it."""
    sign_in(client, admin.email)
    r = rec(session, "2")
    answer = client.post(
        f"/admin/recommendations/{r.id}",
        data={
            "version": "1",
            "text": "Train staff.",
            "provenance": "confirmed",
            "provenance_sources": f"{REPORT}\nhttps://example.org/{character}exe.txt",
        },
        headers=csrf_headers(client),
    )
    assert answer.status_code == 422
    assert 'href="#provenance_sources"' in answer.text and 'id="provenance_sources-error"' in answer.text
    assert BIDI_MESSAGE in answer.text
    session.rollback()
    assert rec(session, "2").version == 1


def test_a_sub_recommendation_with_an_override_is_refused_beside_its_own_field(client, session, admin):
    """The form's fields pass through the one form layer, so the message is beside the sub-recommendation typed."""
    sign_in(client, admin.email)
    r = rec(session, "2")
    answer = client.post(
        f"/admin/recommendations/{r.id}",
        data={"version": "1", "provenance": "to_be_confirmed", "new-1-number": "2.9", "new-1-text": "\u202eevil"},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 422 and 'href="#new-1-text"' in answer.text and BIDI_MESSAGE in answer.text
