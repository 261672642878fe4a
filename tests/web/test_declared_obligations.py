"""Obligations an organisation declares (issue 17, part 3): a plan import with rows on recommendations whose
addressees are not known lands whole, those rows answering a response marked "declared by the organisation";
coordinators and admins see the declarations and admins can make them the recommendation's addressees; when the
addressees become known, declared responses reconcile without losing anything.

The small reference data: Kent (a force) must answer recommendation 1 (1.1, 1.2); recommendation 2 is addressed to
no one yet (its addressees are not known); recommendation 3 is for commissioners and the Home Office.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from sqlmodel import Session, select

from tests.support.accounts import sign_in
from tests.support.api import bearer, token_for
from tests.support.declarations import dry_run, import_plan, recommendation, set_addressees
from tests.support.factories import UNKNOWN_WITH_PARTS_SET, write
from tests.support.html_checks import html_problems
from tests.support.plans import pdf_text, response_of
from tests.support.web import csrf_headers
from tracker.audit.services import Actor
from tracker.loading import load_file
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.plans import spreadsheet as ss
from tracker.plans.declarations import adopt_declarations, declared_recommendations
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import declare_response, sync_obligations
from tracker.plans.publication import publish_plan
from tracker.public import data as public_data
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import form_values, save_recommendation
from tracker.reports.figures import declared_count
from tracker.reports.progress_report import build_report, render_html, render_pdf
from tracker.reports.services import freeze_period, open_period
from tracker.vocabulary import OrganisationKind, Role


@pytest.fixture
def kent(session, small_reference):
    return get_by_slug(session, "kent")  # its editor: the ``editor`` fixture (tests.support.accounts)


def adopt_form(session: Session, number: str) -> dict[str, str]:
    """What the oversight page's form carries for adopting ``number``'s declarations as they stand now."""
    [entry] = [e for e in declared_recommendations(session) if e.recommendation.number == number]
    return {"organisations": entry.published_ids, "version": str(entry.recommendation.version)}


def test_the_dry_run_says_plainly_which_rows_are_declared(session, kent):
    plan = dry_run(session, kent)
    assert plan.ok, plan.errors
    declared = [c for c in plan.changes if c.kind == "declare"]
    assert [(c.row, c.number) for c in declared] == [(3, "2")]
    assert "declared by your organisation" in declared[0].fields[0].after
    assert plan.count("new_action") == 2 and plan.count("new_update") == 1


def test_a_plan_with_rows_on_a_recommendation_whose_addressees_are_not_known_lands_whole(session, kent, editor):
    _plan, result = import_plan(session, kent, editor)
    assert result.responses_declared == 1 and result.actions_added == 2 and result.updates_added == 1
    session.rollback()
    declared = response_of(session, "kent", "2")
    assert declared.declared and declared.required and declared.declared_at is not None
    assert [a.description for a in session.exec(select(Action).where(Action.response_id == declared.id))] == [
        "Fictional action: train the widget testers"
    ]
    assert session.exec(select(ProgressUpdate).where(ProgressUpdate.response_id == declared.id)).one()
    assert not response_of(session, "kent", "1.1").declared


def test_importing_a_declared_plan_again_changes_nothing(session, kent, editor):
    import_plan(session, kent, editor)
    again = dry_run(session, kent)
    assert again.ok and again.changes == []


def test_a_recommendation_known_not_to_be_addressed_to_the_organisation_is_still_an_error(session, kent, editor):
    plan = dry_run(session, kent, "Rec No.,Action\n3,Fictional action: fund the widget\n2,Fictional action: test\n")
    assert plan.errors == ["Row 2: recommendation 3 is not one your organisation must answer"]
    with pytest.raises(ss.SpreadsheetError):
        ss.apply_import(session, kent.id, plan, editor)
    session.rollback()
    assert session.exec(select(Response).where(Response.declared == True)).all() == []  # noqa: E712


def test_a_declared_response_stays_required_while_the_addressees_are_unknown(session, kent, editor):
    import_plan(session, kent, editor)
    sync_obligations(session, Actor("test"))
    session.commit()
    assert response_of(session, "kent", "2").required


def test_a_declaration_becomes_an_ordinary_obligation_when_the_organisation_is_addressed(session, kent, editor):
    import_plan(session, kent, editor)
    set_addressees(session, "2", ["chief-constables"])
    response = response_of(session, "kent", "2")
    assert response.required and not response.declared and response.declared_at is not None
    assert session.exec(select(Action).where(Action.response_id == response.id)).one()


def test_a_declaration_not_addressed_when_addressees_become_known_stays_marked_no_longer_required(
    session, kent, editor
):
    import_plan(session, kent, editor)
    set_addressees(session, "2", ["home-office"])
    response = response_of(session, "kent", "2")
    assert not response.required and not response.declared
    assert session.exec(select(Action).where(Action.response_id == response.id)).one()  # nothing is lost


def test_declared_responses_count_in_figures_labelled(session, kent, editor):
    import_plan(session, kent, editor)
    assert declared_count(session) == 1


def test_the_dashboard_says_how_many_of_its_responses_are_declared(client, session, kent, editor, make_user):
    import_plan(session, kent, editor)
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get("/oversight")
    assert "(including 1 declared by the organisation: its addressees are not yet known)" in page.text


def test_the_changes_to_obligations_say_when_a_declaration_is_settled(client, session, kent, editor, make_user):
    import_plan(session, kent, editor)
    set_addressees(session, "2", ["chief-constables"])
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get("/oversight/obligation-changes")
    assert "Declared by the organisation, now settled by the addressees" in page.text


def test_the_workspace_marks_a_declared_response(client, session, kent, editor):
    import_plan(session, kent, editor)
    sign_in(client, editor.email)
    assert "Declared by the organisation" in client.get("/plan/kent").text
    page = client.get(f"/plan/responses/{response_of(session, 'kent', '2').id}")
    assert "Declared by the organisation: who the report addresses this recommendation to is not yet known" in page.text


def test_coordinators_see_the_declarations_listed(client, session, kent, editor, make_user):
    import_plan(session, kent, editor)
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get("/oversight/declared")
    assert page.status_code == 200
    assert "Kent" in page.text and "Recommendation 2" in page.text
    assert "Make these organisations its addressees" not in page.text  # admins only


def test_an_admin_turns_the_declarations_into_the_recommendations_addressees(client, session, kent, editor, make_user):
    import_plan(session, kent, editor, publish=True)
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    page = client.get("/oversight/declared")
    assert "Make these organisations its addressees" in page.text
    rec = recommendation(session, "2")
    answer = client.post(
        f"/admin/recommendations/{rec.id}/adopt-declared", data=adopt_form(session, "2"), headers=csrf_headers(client)
    )
    assert answer.status_code == 200 and 'data-testid="adopted"' in answer.text, answer.text
    session.rollback()
    assert recommendation(session, "2").addressees == ["kent"]
    response = response_of(session, "kent", "2")
    assert response.required and not response.declared


def test_the_public_and_editors_cannot_see_the_declarations(client, session, kent, editor):
    import_plan(session, kent, editor)
    assert client.get("/oversight/declared", follow_redirects=False).status_code in (302, 303, 401)
    sign_in(client, editor.email)
    assert client.get("/oversight/declared").status_code in (403, 404)


# --- adopting acts on the list the admin saw, and on published declarations only (outsider pass 8, finding 4) ------


def declare_and_publish(session: Session, make_user, slug: str, number: str) -> None:
    """``slug`` declares recommendation ``number`` and publishes its plan."""
    declare_unpublished(session, slug, number)
    publish_plan(session, get_by_slug(session, slug), make_user(Role.EDITOR, slug))
    session.commit()


def adopt(client, session: Session, form: dict[str, str]):
    rec = recommendation(session, "2")
    return client.post(
        f"/admin/recommendations/{rec.id}/adopt-declared",
        data=form,
        headers=csrf_headers(client),
        follow_redirects=False,
    )


def test_adopting_refuses_when_the_declarers_changed_since_the_page_was_shown(client, session, kent, editor, make_user):
    import_plan(session, kent, editor, publish=True)
    sign_in(client, make_user(Role.ADMIN).email)
    shown = client.get("/oversight/declared").text
    seen = adopt_form(session, "2")
    assert f'name="organisations" value="{kent.id}"' in shown and f'value="{seen["version"]}"' in shown
    declare_and_publish(session, make_user, "gwent", "2")  # meanwhile, in another session

    answer = adopt(client, session, seen)
    assert answer.status_code == 409 and html_problems(answer.text) == []
    assert "changed since you opened the page (now: Gwent Police, Kent Police): nothing was changed" in answer.text
    entry = answer.text.split('data-testid="declared"', 1)[1]
    rec_id = recommendation(session, "2").id
    assert f'id="adopt-{rec_id}-error"' in entry and "Gwent Police" in entry  # the current list, to check again
    session.rollback()
    assert recommendation(session, "2").addressees == [] and response_of(session, "kent", "2").declared
    assert adopt(client, session, adopt_form(session, "2")).status_code == 303  # the list as it stands now
    session.rollback()
    assert recommendation(session, "2").addressees == ["gwent", "kent"]


def test_adopting_refuses_a_recommendation_changed_since_the_page_was_shown(client, session, kent, editor, make_user):
    import_plan(session, kent, editor, publish=True)
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    seen = adopt_form(session, "2")
    rec = recommendation(session, "2")
    values = form_values(session, rec) | {"deadline": "27/03/2025"}
    assert save_recommendation(session, rec, recommendation_edit(values), admin).changed
    answer = adopt(client, session, seen)
    assert answer.status_code == 409 and "Someone changed recommendation 2 since you opened the page" in answer.text
    for missing in ({}, {"organisations": seen["organisations"]}, {"version": "x", "organisations": "1,x"}):
        assert adopt(client, session, missing).status_code == 409, missing
    session.rollback()
    assert recommendation(session, "2").addressees == []


def test_only_published_declarations_become_addressees_and_the_public_never_names_the_others(
    client, session, kent, editor, make_user
):
    import_plan(session, kent, editor, publish=True)
    declare_unpublished(session, "gwent", "2")  # declared, never published
    sign_in(client, make_user(Role.ADMIN).email)
    shown = client.get("/oversight/declared").text
    gwent = re.search(r"Gwent Police</a>(.*?)</li>", shown, re.S)
    assert gwent and "Not yet published" in gwent.group(1)
    assert "Its addressees would be: Kent Police." in shown
    assert "Gwent Police has not published its declaration, so it would not be an addressee" in " ".join(shown.split())

    assert adopt(client, session, adopt_form(session, "2")).status_code == 303
    session.rollback()
    rec = recommendation(session, "2")
    assert rec.addressees == ["kent"] and "in its published plan" in rec.provenance_note
    assert not response_of(session, "gwent", "2").required, "kept, marked no longer required, as for anyone else"
    client.cookies.clear()
    page = client.get("/recommendations/test-report/2").text
    assert "Kent Police" in page and "Gwent" not in page


def test_nothing_is_adopted_while_no_declaration_is_published(client, session, kent, editor, make_user):
    import_plan(session, kent, editor)  # not published
    sign_in(client, make_user(Role.ADMIN).email)
    shown = client.get("/oversight/declared").text
    assert "Make these organisations its addressees" not in shown
    assert "None of these organisations has published its declaration yet" in shown
    answer = adopt(client, session, {"organisations": "", "version": str(recommendation(session, "2").version)})
    assert answer.status_code == 409
    assert "No organisation has published its declaration of recommendation 2" in answer.text
    session.rollback()
    assert recommendation(session, "2").addressees == [] and response_of(session, "kent", "2").declared
    client.cookies.clear()
    assert "Kent" not in client.get("/recommendations/test-report/2").text


# --- the workspace: "a recommendation we are answering" ------------------------------------------------------


def declare_in_workspace(client, number: str, **fields: str):
    return client.post(
        "/plan/kent/declare", data={"number": number, **fields}, headers=csrf_headers(client), follow_redirects=False
    )


def test_an_editor_declares_a_recommendation_from_the_workspace_as_an_import_would(client, session, kent, editor):
    sign_in(client, editor.email)
    form = client.get("/plan/kent/declare")
    assert form.status_code == 200 and "Recommendation 2" in form.text
    assert "/plan/kent/declare" in client.get("/plan/kent").text  # the plan page links to it
    answer = declare_in_workspace(client, "2")
    assert answer.status_code == 303
    session.rollback()
    response = response_of(session, "kent", "2")
    assert answer.headers["location"] == f"/plan/responses/{response.id}"
    assert response.declared and response.required and response.declared_at is not None
    assert declared_count(session) == 1
    again = dry_run(session, kent)  # the import finds it declared already: it declares nothing more
    assert [c.kind for c in again.changes if c.kind == "declare"] == []


def test_declaring_a_part_says_to_declare_its_recommendation(client, session, kent, editor, tmp_path):
    """Outsider pass 12, F11: declaring "2.1" said there was no recommendation 2.1, though there is."""
    load_file(session, write(tmp_path, "set.yaml", UNKNOWN_WITH_PARTS_SET), Actor("test"))
    session.commit()
    sign_in(client, editor.email)
    answer = declare_in_workspace(client, "2.1")
    assert answer.status_code == 422
    assert "2.1 is part of recommendation 2: declare recommendation 2, and its parts come with it" in answer.text
    assert "There is no recommendation 2.1" not in answer.text


def test_declaring_a_recommendation_declares_its_sub_recommendations_too(
    client, session, kent, editor, make_user, tmp_path
):
    load_file(session, write(tmp_path, "set.yaml", UNKNOWN_WITH_PARTS_SET), Actor("test"))
    session.commit()
    sign_in(client, editor.email)
    assert declare_in_workspace(client, "2").status_code == 303
    session.rollback()
    for number in ("2", "2.1", "2.2"):
        response = response_of(session, "kent", number)
        assert response.declared and response.required, number
    publish_plan(session, kent, editor)
    session.commit()
    sign_in(client, make_user(Role.ADMIN).email)  # the declaration made the addressees: the parts follow
    adopt = f"/admin/recommendations/{recommendation(session, '2').id}/adopt-declared"
    assert client.post(adopt, data=adopt_form(session, "2"), headers=csrf_headers(client)).status_code == 200
    session.rollback()
    assert not any(response_of(session, "kent", n).declared for n in ("2", "2.1", "2.2"))
    assert all(response_of(session, "kent", n).required for n in ("2", "2.1", "2.2"))


def test_an_import_declaring_a_recommendation_with_parts_declares_every_part(session, kent, editor, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", UNKNOWN_WITH_PARTS_SET), Actor("test"))
    session.commit()
    _plan, result = import_plan(session, kent, editor, "Rec No.,Action\n2.1,Fictional action: test the widget\n")
    assert result.responses_declared == 3 and result.actions_added == 1
    assert all(response_of(session, "kent", n).declared for n in ("2", "2.1", "2.2"))


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("3", "Recommendation 3 is addressed to others, not to Kent Police: only a recommendation whose"),
        ("1", "Your organisation already answers recommendation 1"),
        ("9", "There is no recommendation 9"),
        ("", "Enter the number of the recommendation your organisation is answering"),
    ],
)
def test_a_recommendation_that_cannot_be_declared_is_refused_beside_the_field(
    client, session, kent, editor, number, message
):
    sign_in(client, editor.email)
    answer = declare_in_workspace(client, number)
    assert answer.status_code == 422
    assert message in answer.text and 'href="#number"' in answer.text
    assert f'value="{number}"' in answer.text or not number  # the form keeps what was typed
    session.rollback()
    assert session.exec(select(Response).where(Response.declared == True)).all() == []  # noqa: E712


@pytest.mark.parametrize(
    ("number", "welsh", "english"),
    [
        ("3", "gyfeirio at eraill, nid at Kent Police", "is addressed to others"),
        ("1", "Mae eich sefydliad eisoes yn ateb argymhelliad 1", "already answers"),
        ("9", "Nid oes argymhelliad 9", "There is no recommendation"),
    ],
)
def test_a_refused_declaration_is_explained_in_welsh_on_a_welsh_page(
    client, session, kent, editor, number, welsh, english
):
    sign_in(client, editor.email)
    answer = client.post(
        "/plan/kent/declare?lang=cy", data={"number": number}, headers=csrf_headers(client), follow_redirects=False
    )
    assert answer.status_code == 422
    assert welsh in answer.text and english not in answer.text


def test_declaring_a_recommendation_twice_is_refused_the_second_time(client, session, kent, editor):
    sign_in(client, editor.email)
    assert declare_in_workspace(client, "2").status_code == 303
    again = declare_in_workspace(client, "2")
    assert again.status_code == 422 and "Your organisation already answers recommendation 2" in again.text
    assert "already answers every recommendation whose addressees are not yet known" in again.text


# --- labelled everywhere: the progress report, the exports, frozen periods ------------------------------------


def test_the_progress_report_labels_declared_responses_in_html_and_pdf(session, kent, editor):
    import_plan(session, kent, editor)
    data = build_report(session)
    row = data.rows[(kent.id, recommendation(session, "2").id)]
    assert row.declared and data.declared == 1
    note = "Of these responses, 1 is declared by its organisation: who the report addresses the recommendation to"
    assert note in " ".join(pdf_text(render_pdf(data)).split())
    html = " ".join(render_html(data).split())
    assert note in html and "2: Not started (declared by the organisation)" in html
    assert "1.1: Not started (declared" not in html


def test_the_exports_have_a_declared_column(client, session, kent, editor, make_user):
    import_plan(session, kent, editor)
    sign_in(client, make_user(Role.COORDINATOR).email)
    text = client.get("/oversight/report/export/csv").content.decode("utf-8-sig")
    rows = {(r["organisation_slug"], r["recommendation"]): r for r in csv.DictReader(io.StringIO(text))}
    assert rows[("kent", "2")]["declared"] == "True" and rows[("kent", "1")]["declared"] == "False"
    document = client.get("/oversight/report/export/json").json()
    assert [r["recommendation"] for r in document["responses"] if r["declared"]] == ["2"]


def test_a_frozen_period_keeps_which_responses_were_declared(session, kent, editor):
    import_plan(session, kent, editor)
    period = open_period(session, name="Declared", cut_off=dt.date(2025, 7, 31), actor=Actor("t"))
    freeze_period(session, period, Actor("t"))
    session.commit()
    set_addressees(session, "2", ["chief-constables"])  # settled after the freeze: the period still says declared
    assert build_report(session, period).declared == 1
    assert build_report(session).declared == 0


def test_the_api_says_which_responses_are_declared_and_documents_it(client, session, kent, editor):
    import_plan(session, kent, editor)
    answer = client.get("/api/organisations/kent/responses", headers=bearer(token_for(session, editor)))
    assert answer.status_code == 200, answer.text
    declared = {r["recommendation"]["number"]: r["declared"] for r in answer.json()}
    assert declared["2"] is True and declared["1"] is False
    schema = client.get("/schema/openapi.json").json()["components"]["schemas"]["ResponseOut"]
    assert schema["properties"]["declared"]["type"] == "boolean"
    assert "Declared by the organisation" in schema["properties"]["declared"]["description"]
    assert "declared" in schema["required"]


# --- the public site -------------------------------------------------------------------------------------------


def test_a_declaration_is_not_public_until_the_organisation_publishes_it_then_it_is_labelled(
    client, session, kent, editor
):
    import_plan(session, kent, editor)
    page = client.get("/recommendations/test-report/2")
    assert page.status_code == 200 and "Kent" not in page.text  # not even as "has not published"
    publish_plan(session, kent, editor)
    session.commit()
    public = client.get("/organisations/kent")
    assert public.status_code == 200
    assert "Declared by the organisation" in public.text
    assert "Who the report addresses this recommendation to is not yet known" in public.text
    assert "Kent" in client.get("/recommendations/test-report/2").text


# --- a frozen period's report (outsider pass 6, finding 1) -----------------------------------------------------


def test_a_frozen_periods_report_is_the_same_after_declarations_are_adopted_and_wording_edited(
    session, kent, editor, make_user
):
    import_plan(session, kent, editor, publish=True)
    period = open_period(session, name="Declared", cut_off=dt.date(2025, 7, 31), actor=Actor("t"))
    freeze_period(session, period, Actor("t"))
    session.commit()
    before = build_report(session, period)
    pdf, html = render_pdf(before), render_html(before)
    assert "Covers 2 of the 3 recommendations" in " ".join(pdf_text(pdf).split())

    adopt_declarations(session, recommendation(session, "2"), make_user(Role.ADMIN))  # gives 2 addressees
    edited = recommendation(session, "1")
    edited.text, edited.deadline = "Fictional recommendation 1: chief constables should test the widget.", None
    edited.addressees = ["pccs"]
    session.add(edited)
    session.commit()

    after = build_report(session, period)
    assert after.coverage == before.coverage
    assert render_html(after) == html
    assert render_pdf(after) == pdf, "a frozen period's PDF is byte-identical after later edits"


# --- one meaning of coverage (outsider pass 6, findings 2, 4 and 5) ----------------------------------------------


def test_an_adopted_recommendation_still_awaits_its_wording_on_every_page(client, session, kent, editor, make_user):
    import_plan(session, kent, editor, publish=True)
    adopt_declarations(session, recommendation(session, "2"), make_user(Role.ADMIN))
    home = " ".join(client.get("/").text.split())
    assert "1 recommendation whose wording is not yet loaded: 2" in home
    sign_in(client, make_user(Role.COORDINATOR).email)
    dashboard = " ".join(client.get("/oversight").text.split())
    assert "These figures cover 2 of the 3 recommendations; 1 awaits its wording." in dashboard
    report = " ".join(client.get("/oversight/report").text.split())
    assert "These figures cover 2 of the 3 recommendations; 1 awaits its wording." in report


def test_the_report_says_which_recommendations_are_answered_only_on_declarations(session, kent, editor):
    import_plan(session, kent, editor)
    data = build_report(session)
    summary = (
        "organisations must answer 2 numbered recommendations with known addressees, "
        "and 1 more on their own declaration"
    )
    assert summary in " ".join(pdf_text(render_pdf(data)).split())
    html = " ".join(render_html(data).split())
    assert "must answer 2 numbered recommendations with known addressees, and 1 more on their own declaration" in html
    assert "or that declare they answer one whose addressees are not yet known" in html  # the printed definition


def test_a_published_declaration_is_listed_on_the_overview_not_said_to_have_nobody_counted(
    client, session, kent, editor
):
    import_plan(session, kent, editor)
    publish_plan(session, kent, editor)
    session.commit()
    overview = " ".join(client.get("/recommendations").text.split())
    assert 'data-testid="overview-row-2"' in overview
    assert "none is counted against them" not in overview
    assert "1 recommendation whose wording is not yet loaded: 2" in overview


# --- the overview counts what the recommendation pages count (outsider pass 7, finding 4) -------------------


def declare_unpublished(session: Session, slug: str, number: str) -> None:
    """``slug`` declares recommendation ``number`` and does not publish."""
    organisation = get_by_slug(session, slug)
    declare_response(session, Actor("test"), organisation.id, recommendation(session, number), None, "in a test")
    session.commit()


def test_the_overview_and_each_recommendation_page_count_only_published_declarations_alike(session, kent, editor):
    import_plan(session, kent, editor)  # declares 2, published below
    publish_plan(session, kent, editor)
    declare_unpublished(session, "gwent", "2")  # never published
    overview = public_data.overview(session)
    rows = [row for rows in overview.rows.values() for row in rows]
    assert any(row.recommendation.number == "2" for row in rows)
    for row in rows:
        page = public_data.recommendation_page(session, "test-report", row.recommendation.number)
        assert page is not None
        assert (row.counts, row.not_published) == (page.counts, len(page.not_published)), row.recommendation.number
        assert row.addressed == len(page.answers) + len(page.not_published)


def test_an_unpublished_declaration_does_not_add_an_organisation_that_must_answer_to_the_public_pages(
    client, session, kent
):
    session.add(Organisation(slug="fictional-body", name="Fictional Body", kind=OrganisationKind.NATIONAL_BODY))
    session.commit()
    before = public_data.overview(session)
    declare_unpublished(session, "fictional-body", "2")
    after = public_data.overview(session)
    assert len(after.plans) == len(before.plans)
    assert "Fictional Body" not in [p.organisation.name for p in after.plans]


def test_the_open_data_responses_say_which_are_declared_and_the_dictionary_documents_it(client, session, kent, editor):
    import_plan(session, kent, editor)
    publish_plan(session, kent, editor)
    session.commit()
    rows = json.loads(client.get("/open-data/responses.json").content)["rows"]
    declared = {row["recommendation"]: row["declared"] for row in rows if row["organisation_slug"] == "kent"}
    assert declared["2"] is True and declared["1"] is False
    header = next(csv.reader(io.StringIO(client.get("/open-data/responses.csv").text)))
    assert "declared" in header
    assert "declared" in client.get("/open-data").text


def test_the_publish_preview_marks_a_declared_response(client, session, kent, editor):
    import_plan(session, kent, editor)
    sign_in(client, editor.email)
    page = " ".join(client.get("/plan/kent/publish").text.split())
    assert "The recommendation and its plan (declared by the organisation)" in page


def test_the_public_recommendation_page_marks_a_published_declared_response(client, session, kent, editor):
    """Declared responses are labelled wherever they appear: on a recommendation's public page too, beside the
    organisation's row, as its published plan holds it (outsider pass 8, finding 6)."""
    import_plan(session, kent, editor)  # declares 2
    publish_plan(session, kent, editor)
    session.commit()
    page = client.get("/recommendations/test-report/2")
    assert page.status_code == 200 and html_problems(page.text) == []
    answers = page.text.split('data-testid="answers"', 1)[1].split("</table>", 1)[0]
    row = re.search(r"Kent Police</a>.*?</tr>", answers, re.S)
    assert row and 'data-testid="declared-tag"' in row.group(0) and "Declared by the organisation" in row.group(0)
    ordinary = client.get("/recommendations/test-report/1").text  # Kent answers 1 as addressed: no label
    assert "Kent Police" in ordinary and 'data-testid="declared-tag"' not in ordinary


# --- the oversight pages label them too (outsider pass 7 notes) --------------------------------------------------


def test_the_oversight_organisation_and_recommendation_pages_label_declared_responses(
    client, session, kent, editor, make_user
):
    import_plan(session, kent, editor)
    sign_in(client, make_user(Role.COORDINATOR).email)
    organisation = client.get("/oversight/organisations/kent")
    assert organisation.status_code == 200 and html_problems(organisation.text) == []
    rows = dict(re.findall(r'data-testid="response-([\d.]+)">(.*?)</tr>', organisation.text, re.S))
    assert "Declared by the organisation" in rows["2"]
    assert "Declared by the organisation" not in rows["1"] + rows["1.1"]
    page = client.get(f"/oversight/recommendations/{recommendation(session, '2').id}")
    assert page.status_code == 200 and html_problems(page.text) == []
    assert re.search(r"Kent Police</a>.{0,400}Declared by the organisation", page.text, re.S)
    ordinary = client.get(f"/oversight/recommendations/{recommendation(session, '1').id}")
    assert "Kent Police" in ordinary.text and "Declared by the organisation" not in ordinary.text


# --- adopted addressees say where they came from on the public page (outsider pass 7, finding 11) ------------------

FROM_DECLARATIONS = (
    "Taken from the organisation that declared it answers this recommendation, not from the report: "
    "who the report addresses it to has not been checked."
)


def who_must_act(client, number: str) -> str:
    page = client.get(f"/recommendations/test-report/{number}")
    assert page.status_code == 200 and html_problems(page.text) == []
    found = re.search(r"Who must act</dt>(.*?)</div>", page.text, re.S)
    assert found, "the Who must act row"
    return " ".join(found.group(1).split())


def test_the_public_page_says_adopted_addressees_come_from_the_organisations_declarations(
    client, session, kent, editor, make_user, tmp_path
):
    load_file(session, write(tmp_path, "set.yaml", UNKNOWN_WITH_PARTS_SET), Actor("test"))
    session.commit()
    import_plan(session, kent, editor, "Rec No.,Action\n2.1,Fictional action: test the widget\n", publish=True)
    assert FROM_DECLARATIONS not in who_must_act(client, "2")
    adopt_declarations(session, recommendation(session, "2"), make_user(Role.ADMIN))
    for number in ("2", "2.1"):  # a sub-recommendation follows its parent's addressees, and says so
        shown = who_must_act(client, number)
        assert "Kent Police" in shown and FROM_DECLARATIONS in shown, number
    assert FROM_DECLARATIONS not in who_must_act(client, "1")  # addressees from the report data


def test_addressees_set_afterwards_from_other_sources_no_longer_say_they_came_from_declarations(
    client, session, kent, editor, make_user
):
    import_plan(session, kent, editor, publish=True)
    admin = make_user(Role.ADMIN)
    adopt_declarations(session, recommendation(session, "2"), admin)
    assert FROM_DECLARATIONS in who_must_act(client, "2")
    rec = recommendation(session, "2")  # an admin names the addressees the report gives, keeping the note
    values = form_values(session, rec) | {"addressees": ["chief-constables", "pccs"], "version": str(rec.version)}
    assert save_recommendation(session, rec, recommendation_edit(values), admin).changed
    assert "Taken from" not in who_must_act(client, "2")
