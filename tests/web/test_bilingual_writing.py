"""A bilingual organisation writes each public text in English and Welsh side by side (issue 20, the writing side).

Its forms show the Welsh twin of every public text beside the English (``lang="cy"``, labelled in the interface's
language); the Welsh is checked by the English rules, saved, audited and in the conflict panel; the JSON API takes
and gives it. Publishing lists the public texts without their Welsh, and refuses while any lacks it when the
organisation chose so. Any other organisation sees its forms as before.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import col, select

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.audit.models import AuditEvent
from tracker.audit.services import response_history
from tracker.evidence.models import Evidence
from tracker.evidence.services import add_link
from tracker.inputs import BIDI_MESSAGE
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.models import Action, PlanPublication, ProgressUpdate, Response
from tracker.plans.publication import publish_plan
from tracker.plans.services import load_response
from tracker.plans.welsh import missing_public_welsh
from tracker.vocabulary import Role

BROWSER = {"Accept": "text/html"}
WELSH_FIELDS = {
    "response": ["summary_cy", "lead_role_cy", "blocked_reason_cy", "not_applicable_reason_cy"],
    "add action": ["description_cy", "owner_role_cy"],
    "post update": ["text_cy"],
    "add evidence": ["evidence-title_cy", "evidence-description_cy"],
}


@pytest.fixture
def gwent(session, small_reference):
    """Gwent Police, writing its public texts in English and Welsh."""
    organisation = get_by_slug(session, "gwent")
    organisation.bilingual = True
    session.commit()
    return organisation


@pytest.fixture
def gwent_editor(gwent, make_user):
    return make_user(Role.EDITOR, "gwent")


@pytest.fixture
def gwent_ctx(session, gwent_editor):
    return load_response(session, gwent_editor, response_of(session, "gwent", "1.1").id, Permission.EDIT_PLAN)


def welsh_ids(html: str, lang: str = "cy") -> set[str]:
    """The ids of the fields marked Welsh (``lang="cy"``), or another ``lang``, on a page."""
    fields = re.findall(r"<(?:input|textarea)\b[^>]*>", html)
    return {re.search(r'\bid="([^"]+)"', f).group(1) for f in fields if f'lang="{lang}"' in f}


def label_of(html: str, field_id: str) -> str:
    match = re.search(rf'<label[^>]*for="{re.escape(field_id)}"[^>]*>(.*?)</label>', html, re.S)
    assert match, f"no label for #{field_id}"
    return " ".join(match.group(1).split())


# --- the forms ---------------------------------------------------------------------------------------------


def test_a_bilingual_organisation_s_editor_has_the_welsh_beside_each_public_text_on_every_form(
    client, session, gwent_ctx, gwent_editor
):
    action = services.add_action(session, gwent_ctx, gwent_editor, {"description": "Train officers"})
    update = services.add_update(session, gwent_ctx, gwent_editor, {"text": "Training began"})
    evidence = add_link(
        session, gwent_ctx, gwent_editor, url="https://example.org", title="Policy", visibility="public"
    )
    sign_in(client, gwent_editor.email)
    page = client.get(f"/plan/responses/{gwent_ctx.response.id}").text
    expected = {name for names in WELSH_FIELDS.values() for name in names}
    assert expected <= welsh_ids(page)
    assert label_of(page, "summary_cy") == "Summary of your response in Welsh"
    assert 'class="govuk-grid-column-one-half"' in page, "side by side, stacking on a phone"
    assert {"edit-description_cy", "edit-owner_role_cy"} <= welsh_ids(
        client.get(f"/plan/actions/{action.id}/edit").text
    )
    assert {"edit-text_cy"} <= welsh_ids(client.get(f"/plan/updates/{update.id}/edit").text)
    edit_page = client.get(f"/evidence/{evidence.id}/edit").text
    assert {"evidence-edit-title_cy", "evidence-edit-description_cy"} <= welsh_ids(edit_page)
    practice_form = client.get("/practice/submissions/new").text
    assert {"title_cy", "summary_cy", "what_was_done_cy", "outcomes_cy", "evaluation_cy"} <= welsh_ids(practice_form)


def test_the_welsh_label_is_in_the_interface_s_language(client, gwent_ctx, gwent_editor):
    sign_in(client, gwent_editor.email)
    page = client.get(f"/plan/responses/{gwent_ctx.response.id}?lang=cy").text
    assert label_of(page, "summary_cy").startswith("Crynodeb o\u2019ch ymateb"), "the English label, in Welsh"
    assert "summary_cy" in welsh_ids(page)


def test_on_a_page_in_welsh_the_english_beside_the_welsh_and_the_owner_someone_wrote_are_marked_english(
    client, session, gwent_ctx, gwent_editor
):
    """The Welsh journey's finding (tests/e2e/test_welsh_journey.py): a screen reader read the English of an action
    and an update, and an action's owner, as Welsh."""
    services.add_action(session, gwent_ctx, gwent_editor, {"description": "Train", "owner_role": "Head of training"})
    sign_in(client, gwent_editor.email)
    page = client.get(f"/plan/responses/{gwent_ctx.response.id}?lang=cy").text
    english = {name.removesuffix("_cy") for names in WELSH_FIELDS.values() for name in names}
    assert english <= welsh_ids(page, "en")
    assert '<span lang="en">Head of training</span>' in page
    publish_plan(session, gwent_ctx.organisation, gwent_editor)
    assert '<span lang="en">Head of training</span>' in client.get("/organisations/gwent?lang=cy").text
    english_page = client.get(f"/plan/responses/{gwent_ctx.response.id}").text
    assert welsh_ids(english_page, "en") == set() and 'lang="en">Head of training' not in english_page


def test_an_organisation_that_writes_in_english_has_no_welsh_field(client, session, kent_editor):
    ctx = load_response(session, kent_editor, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    add_link(session, ctx, kent_editor, url="https://example.org", title="Policy", visibility="public")
    sign_in(client, kent_editor.email)
    page = client.get(f"/plan/responses/{ctx.response.id}").text
    assert welsh_ids(page) == set() and "_cy" not in page
    assert "_cy" not in client.get("/practice/submissions/new").text


# --- saving ------------------------------------------------------------------------------------------------


def test_the_welsh_is_saved_audited_and_shown_back(client, session, gwent_ctx, gwent_editor):
    sign_in(client, gwent_editor.email)
    rid = gwent_ctx.response.id
    data = {
        "version": "1",
        "status": "blocked",
        "summary": "Training",
        "summary_cy": "Hyfforddiant",
        "blocked_reason": "A new system",
        "blocked_reason_cy": "System newydd",
    }
    answer = client.post(f"/plan/responses/{rid}", data=data, headers=csrf_headers(client), follow_redirects=False)
    assert answer.status_code == 303
    client.post(
        f"/plan/responses/{rid}/actions",
        data={"description": "Train", "description_cy": "Hyfforddi"},
        headers=csrf_headers(client),
    )
    client.post(
        f"/plan/responses/{rid}/updates",
        data={"text": "Begun", "text_cy": "Wedi dechrau"},
        headers=csrf_headers(client),
    )
    session.expire_all()
    response = session.get(Response, rid)
    assert (response.summary_cy, response.blocked_reason_cy, response.version) == ("Hyfforddiant", "System newydd", 2)
    assert session.exec(select(Action.description_cy)).one() == "Hyfforddi"
    assert session.exec(select(ProgressUpdate.text_cy)).one() == "Wedi dechrau"
    history = response_history(session, rid, gwent_editor)
    assert any((e.after or {}).get("summary_cy") == "Hyfforddiant" for e in history)
    page = client.get(f"/plan/responses/{rid}").text
    assert ">Hyfforddiant</textarea>" in page and 'lang="cy">Hyfforddi</p>' in page and "Wedi dechrau" in page


def test_a_form_without_the_welsh_field_leaves_the_welsh_stored(session, gwent_ctx, gwent_editor):
    services.update_response(
        session, gwent_ctx, gwent_editor, {"version": 1, "status": "in_progress", "summary": "A", "summary_cy": "B"}
    )
    services.update_response(session, gwent_ctx, gwent_editor, {"version": 2, "status": "in_progress", "summary": "C"})
    assert session.get(Response, gwent_ctx.response.id).summary_cy == "B"


def test_evidence_keeps_its_welsh_title_and_description(client, session, gwent_ctx, gwent_editor):
    sign_in(client, gwent_editor.email)
    fields = {
        "kind": "link",
        "url": "https://example.org/polisi",
        "title": "Policy",
        "title_cy": "Polisi",
        "description": "Our policy",
        "description_cy": "Ein polisi",
        "visibility": "public",
    }
    client.post(f"/responses/{gwent_ctx.response.id}/evidence", data=fields, headers=csrf_headers(client))
    item = session.exec(select(Evidence)).one()
    assert (item.title_cy, item.description_cy) == ("Polisi", "Ein polisi")
    edit = {"version": "1", "title": "Policy", "title_cy": "Polisi newydd", "description": "", "visibility": "public"}
    client.post(f"/evidence/{item.id}", data=edit, headers=csrf_headers(client))
    session.expire_all()
    assert session.get(Evidence, item.id).title_cy == "Polisi newydd"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("summary_cy", "x" * 10_001, "The summary in Welsh must be 10,000 characters or fewer"),
        ("summary_cy", "Hyfforddiant\u202e", BIDI_MESSAGE),
        ("summary_cy", "Hyfforddiant\x00", "Remove the invisible control character (such as NUL) from this field"),
    ],
)
def test_a_welsh_field_s_fault_is_beside_it_and_in_the_summary(
    client, session, gwent_ctx, gwent_editor, field, value, message
):
    sign_in(client, gwent_editor.email)
    data = {"version": "1", "status": "in_progress", "summary": "Fine", field: value}
    answer = client.post(
        f"/plan/responses/{gwent_ctx.response.id}", data=data, headers={**BROWSER, **csrf_headers(client)}
    )
    assert answer.status_code == 422
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', answer.text, re.S).group(1)
    assert f'href="#{field}"' in summary and message in summary
    beside = re.search(rf'<p id="{field}-error"[^>]*>(.*?)</p>', answer.text, re.S)
    assert beside and message in beside.group(1)
    assert session.get(Response, gwent_ctx.response.id).version == 1, "nothing saved"


def test_an_over_long_welsh_evidence_title_is_refused_by_the_title_s_rule(session, gwent_ctx, gwent_editor):
    with pytest.raises(services.InputError) as refused:
        add_link(
            session, gwent_ctx, gwent_editor, url="https://e.org", title="T", title_cy="x" * 301, visibility="public"
        )
    assert refused.value.errors == {"title_cy": "The title in Welsh must be 300 characters or fewer"}


def test_the_conflict_panel_shows_the_welsh_someone_else_saved(client, session, gwent_ctx, gwent_editor):
    services.update_response(
        session, gwent_ctx, gwent_editor, {"version": 1, "status": "in_progress", "summary_cy": "Eu fersiwn nhw"}
    )
    sign_in(client, gwent_editor.email)
    mine = {"version": "1", "status": "in_progress", "summary": "", "summary_cy": "Fy fersiwn i"}
    answer = client.post(
        f"/plan/responses/{gwent_ctx.response.id}", data=mine, headers={**BROWSER, **csrf_headers(client)}
    )
    assert answer.status_code == 409
    panel = answer.text[answer.text.index('data-testid="conflict"') :]
    row = re.search(r"Summary in Welsh</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", panel, re.S)
    assert row and row.groups() == ("Eu fersiwn nhw", "Fy fersiwn i")


def test_the_conflict_panel_and_the_publish_page_name_each_field_in_welsh_and_mark_each_text_s_language(
    client, session, gwent_ctx, gwent_editor
):
    """In Welsh the conflict panel said "RAG rating", "What it is waiting for" and the publish page "Summary in
    Welsh"; the written values carried no lang (the English page's Welsh text, the Welsh page's English text)."""
    saved = {"version": 1, "status": "blocked", "blocked_reason": "Waiting for funds", "summary_cy": "Eu fersiwn nhw"}
    services.update_response(session, gwent_ctx, gwent_editor, saved)
    sign_in(client, gwent_editor.email)
    mine = {
        "version": "1",
        "status": "blocked",
        "rag": "red",
        "summary": "",
        "summary_cy": "Fy fersiwn i",
        "blocked_reason": "Still waiting",
        "blocked_reason_cy": "Yn dal i aros",
    }
    answer = client.post(
        f"/plan/responses/{gwent_ctx.response.id}?lang=cy", data=mine, headers={**BROWSER, **csrf_headers(client)}
    )
    assert answer.status_code == 409
    panel = answer.text[answer.text.index('data-testid="conflict"') :].split("</table>", 1)[0]
    for english in ("RAG rating", "What it is waiting for", "Summary in Welsh", "Status<"):
        assert english not in panel, english
    assert re.search(r'<td class="govuk-table__cell" lang="en">Waiting for funds</td>\s*<td[^>]*lang="en">Still', panel)
    assert '<td class="govuk-table__cell">Fy fersiwn i</td>' in panel, "Welsh on a Welsh page: no lang of its own"
    english_page = client.get("/plan/gwent/publish").text
    assert 'data-testid="seen" lang="cy">Eu fersiwn nhw</td>' in english_page
    assert 'data-testid="seen">Waiting for funds</td>' in english_page
    welsh_page = client.get("/plan/gwent/publish?lang=cy").text
    changes = welsh_page.split('data-testid="public-changes"', 1)[1].split("</table>", 1)[0]
    for english in ("Summary in Welsh", "What it is waiting for", "The recommendation and its plan", "Status<"):
        assert english not in changes, english
    assert 'data-testid="seen" lang="en">Waiting for funds</td>' in changes
    missing = welsh_page.split('data-testid="welsh-missing"', 1)[1].split("</section>", 1)[0]
    assert "What it is waiting for" not in missing and "What will be done" not in missing


def test_the_api_takes_and_gives_the_welsh_and_null_clears_it(client, session, gwent_ctx, gwent_editor):
    item = add_link(session, gwent_ctx, gwent_editor, url="https://e.org", title="Policy", visibility="public")
    sign_in(client, gwent_editor.email)
    url = f"/api/responses/{gwent_ctx.response.id}"
    body = {"version": 1, "summary": "Training", "summary_cy": "Hyfforddiant"}
    answer = client.patch(url, json=body, headers=csrf_headers(client))
    assert answer.status_code == 200 and answer.json()["summary_cy"] == "Hyfforddiant"
    kept = client.patch(url, json={"version": 2, "summary": "Training begun"}, headers=csrf_headers(client)).json()
    assert kept["summary_cy"] == "Hyfforddiant"
    cleared = client.patch(url, json={"version": 3, "summary_cy": None}, headers=csrf_headers(client)).json()
    assert cleared["summary_cy"] is None
    action = client.post(
        f"{url}/actions", json={"description": "Train", "description_cy": "Hyfforddi"}, headers=csrf_headers(client)
    )
    assert action.status_code == 201 and action.json()["description_cy"] == "Hyfforddi"
    update = client.post(
        f"{url}/updates", json={"text": "Begun", "text_cy": "Wedi dechrau"}, headers=csrf_headers(client)
    )
    assert update.json()["text_cy"] == "Wedi dechrau"
    changed = client.patch(
        f"/api/evidence/{item.id}", json={"version": 1, "title_cy": "Polisi"}, headers=csrf_headers(client)
    )
    assert changed.status_code == 200 and changed.json()["title_cy"] == "Polisi"
    refused = client.patch(url, json={"version": 4, "summary_cy": "x" * 10_001}, headers=csrf_headers(client))
    assert refused.status_code in (400, 422) and "summary_cy" in refused.text


# --- publishing ----------------------------------------------------------------------------------------------


@pytest.fixture
def half_welsh(session, gwent_ctx, gwent_editor):
    """Gwent's response to 1 summarised in both languages; an action and a public update in English only; an internal
    update in English only (never public, so never listed)."""
    services.update_response(
        session,
        gwent_ctx,
        gwent_editor,
        {"version": 1, "status": "in_progress", "summary": "Training", "summary_cy": "Hyfforddiant"},
    )
    action = services.add_action(session, gwent_ctx, gwent_editor, {"description": "Train every officer"})
    update = services.add_update(session, gwent_ctx, gwent_editor, {"text": "Training began"})
    services.add_update(session, gwent_ctx, gwent_editor, {"text": "Internal note", "visibility": "internal"})
    return action, update


def test_publishing_lists_each_public_text_without_its_welsh_with_a_link_to_it(
    client, session, gwent_editor, half_welsh
):
    action, update = half_welsh
    sign_in(client, gwent_editor.email)
    page = client.get("/plan/gwent/publish").text
    section = page[page.index('data-testid="welsh-missing"') : page.index("</section>", page.index("welsh-missing"))]
    rows = re.findall(r"<tr class=\"govuk-table__row\">\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", section, re.S)
    assert [(number, what) for number, what in rows] == [
        ("1.1", "Action: What will be done"),
        ("1.1", "Progress update: What has happened"),
    ]
    assert f'href="/plan/actions/{action.id}/edit#actions"' in section
    assert f'href="/plan/updates/{update.id}/edit#updates"' in section
    assert "Internal note" not in section and "Publish these changes" in page, "a warning: publishing goes ahead"
    answer = client.post("/plan/gwent/publish", data={}, headers=csrf_headers(client), follow_redirects=False)
    assert answer.status_code == 303


def test_an_organisation_that_requires_the_welsh_cannot_publish_without_it(
    client, session, gwent, gwent_editor, gwent_ctx, half_welsh
):
    gwent.welsh_required_to_publish = True
    session.commit()
    sign_in(client, gwent_editor.email)
    page = client.get("/plan/gwent/publish").text
    assert "Publish these changes" not in page and 'data-testid="welsh-missing"' in page
    answer = client.post("/plan/gwent/publish", data={}, headers={**BROWSER, **csrf_headers(client)})
    assert answer.status_code == 409 and 'href="#welsh-missing"' in answer.text
    assert session.exec(select(PlanPublication)).first() is None, "nothing published"
    action, update = half_welsh
    for item, use_case, field in (
        (action, services.update_action, "description"),
        (update, services.edit_update, "text"),
    ):
        values = {"version": item.version, field: getattr(item, field), f"{field}_cy": "Cymraeg"}
        if item is update:
            values |= {"update_on": update.update_on.strftime("%d/%m/%Y"), "visibility": "public"}
        use_case(session, item, gwent_ctx, gwent_editor, values)
    assert missing_public_welsh(session, gwent) == []
    answer = client.post("/plan/gwent/publish", data={}, headers=csrf_headers(client), follow_redirects=False)
    assert answer.status_code == 303 and session.exec(select(PlanPublication)).first() is not None


def test_an_organisation_that_writes_in_english_is_never_asked_for_welsh(session, kent_editor):
    ctx = load_response(session, kent_editor, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    services.add_action(session, ctx, kent_editor, {"description": "Train every officer"})
    assert missing_public_welsh(session, get_by_slug(session, "kent")) == []


# --- the language settings ---------------------------------------------------------------------------------


def test_the_organisation_chooses_to_publish_only_in_both_languages(client, session, gwent, gwent_editor):
    sign_in(client, gwent_editor.email)
    page = client.get("/plan/gwent/languages").text
    assert 'name="welsh_required"' in page and 'name="bilingual"' not in page, "the service team's choice"
    answer = client.post(
        "/plan/gwent/languages", data={"welsh_required": "yes"}, headers=csrf_headers(client), follow_redirects=False
    )
    assert answer.status_code == 303
    session.refresh(gwent)
    assert gwent.welsh_required_to_publish and gwent.bilingual
    event = session.exec(select(AuditEvent).where(col(AuditEvent.summary).startswith("Language settings"))).one()
    assert event.after == {"welsh_required_to_publish": True} and event.actor_id == gwent_editor.id


def test_only_the_service_team_says_whether_an_organisation_writes_in_welsh(
    client, session, gwent, kent_editor, make_user
):
    sign_in(client, kent_editor.email)
    refused = client.post(
        "/plan/kent/languages", data={"bilingual_shown": "1", "bilingual": "yes"}, headers=csrf_headers(client)
    )
    assert refused.status_code == 403
    kent = get_by_slug(session, "kent")
    session.refresh(kent)
    assert not kent.bilingual
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    assert 'name="bilingual"' in client.get("/plan/kent/languages").text
    answer = client.post(
        "/plan/kent/languages",
        data={"bilingual_shown": "1", "bilingual": "yes"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session.refresh(kent)
    assert kent.bilingual
    event = session.exec(select(AuditEvent).where(col(AuditEvent.summary).startswith("Language settings"))).one()
    assert event.before == {"bilingual": False} and event.after == {"bilingual": True}


def test_why_it_does_not_apply_lead_and_owner_are_written_checked_published_and_shown_in_welsh(
    client, session, gwent, gwent_ctx, gwent_editor
):
    """Pass 11, F7: the reason a recommendation does not apply, the lead role and an action's owner are public
    texts, so a bilingual organisation gives their Welsh too: listed while missing, published, on the Welsh page
    and in open data beside the English."""
    services.update_response(
        session,
        gwent_ctx,
        gwent_editor,
        {"status": "not_applicable", "version": "1", "not_applicable_reason": "No such unit", "lead_role": "Head"},
    )
    services.add_action(session, gwent_ctx, gwent_editor, {"description": "Check", "owner_role": "Inspector"})
    missing = {(m.kind, m.label) for m in missing_public_welsh(session, gwent)}
    assert {("Response", "Why it does not apply"), ("Response", "Lead role"), ("Action", "Owner")} <= missing
    response = gwent_ctx.response
    services.update_response(
        session,
        gwent_ctx,
        gwent_editor,
        {
            "status": "not_applicable",
            "version": str(response.version),
            "not_applicable_reason": "No such unit",
            "not_applicable_reason_cy": "Dim uned o'r fath",
            "lead_role": "Head",
            "lead_role_cy": "Pennaeth",
        },
    )
    action = session.exec(select(Action).where(Action.response_id == response.id)).one()
    change = {"version": str(action.version), "description": "Check", "owner_role": "Inspector"}
    services.update_action(
        session, action, gwent_ctx, gwent_editor, change | {"owner_role_cy": "Arolygydd", "description_cy": "Gwirio"}
    )
    assert not {m.kind for m in missing_public_welsh(session, gwent)} & {"Response", "Action"}
    publish_plan(session, gwent, gwent_editor)
    welsh = client.get("/organisations/gwent?lang=cy").text
    assert "Dim uned o&#39;r fath" in welsh and "Pennaeth" in welsh and "Arolygydd" in welsh
    english = client.get("/organisations/gwent").text
    assert "No such unit" in english and "Dim uned" not in english
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/responses.csv").text)))
    header = list(rows[0])
    for name in ("lead_role", "not_applicable_reason"):
        assert header[header.index(name) + 1] == f"{name}_cy"
    row = next(r for r in rows if r["organisation_slug"] == "gwent" and r["recommendation"] == "1.1")
    assert (row["not_applicable_reason_cy"], row["lead_role_cy"]) == ("Dim uned o'r fath", "Pennaeth")
    actions = client.get("/open-data/actions.json").json()["rows"]
    assert [a["owner_role_cy"] for a in actions if a["organisation_slug"] == "gwent"] == ["Arolygydd"]
    # A reason goes with its status: its Welsh too.
    services.update_response(
        session,
        gwent_ctx,
        gwent_editor,
        {"status": "in_progress", "version": str(response.version), "lead_role": "Head"},
    )
    assert response.not_applicable_reason is None and response.not_applicable_reason_cy is None
