"""Every form handler of the app answers a browser's invalid submission with an HTML page (or htmx fragment) that
carries the GOV.UK error summary, never JSON and never a bare error page.

The form handlers are read from the app's route table (every POST outside the JSON API), so a new form cannot be
added without saying here how to submit it wrongly. A browser sends no JSON ``Accept``; the API's own errors
(application/problem+json) are tests/web/test_api.py's.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support.accounts import sign_in
from tests.support.html_checks import html_problems
from tests.support.plans import response_of
from tests.support.routes import app_routes, route_of
from tests.support.web import csrf_headers
from tracker.audit.services import Actor
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.practice import services as practice
from tracker.reports.services import freeze_period, open_period
from tracker.vocabulary import PracticeStatus

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOO_LONG = "x" * 100_001
PRACTICE_FIELDS = [
    "title",
    "summary",
    "what_was_done",
    "outcomes",
    "stage",
    "themes",
    "recommendations",
    "contact_role",
]

# (path as the app declares it, who submits it, an invalid submission, the fields the error summary must link to).
# Several fields are left out or wrong at once: the answer names every problem, not only the first.
INVALID: list[tuple[str, str, dict[str, str], list[str]]] = [
    ("/sign-in", "anonymous", {}, ["email", "password"]),
    ("/account/password", "kent editor", {}, ["current_password", "new_password", "confirm_password"]),
    ("/account/api-tokens", "kent editor", {}, ["name"]),
    ("/admin/users", "admin", {}, ["role", "email", "display_name"]),
    ("/admin/users/{user_id}", "admin", {"display_name": "", "role": "no-such-role"}, ["role", "display_name"]),
    (
        "/admin/recommendations/{recommendation_id}",
        "admin",
        {"deadline": "31/02/2026", "version": "1"},
        ["deadline", "provenance", "confirmed_fields"],
    ),
    ("/admin/recommendations/load", "admin", {}, ["new_slug", "new_title"]),
    ("/admin/recommendations/report", "admin", {}, ["set", "file"]),
    ("/admin/recommendations/report/apply", "admin", {}, ["set", "file"]),
    ("/admin/recommendations/{recommendation_id}/candidates", "admin", {"version": "1"}, ["candidate"]),
    ("/oversight/periods", "coordinator", {}, ["name", "cut_off"]),
    ("/oversight/periods/{period_id}/freeze", "coordinator", {}, ["confirm"]),
    ("/oversight/periods/{frozen_period_id}/unfreeze", "admin", {}, ["confirm_unfreeze"]),
    (
        "/plan/responses/{response_id}",
        "kent editor",
        {"version": "1", "rag": "purple", "summary": TOO_LONG},
        ["rag", "summary"],
    ),
    (
        "/plan/responses/{response_id}/actions",
        "kent editor",
        {"target_date": "31/02/2026"},
        ["description", "target_date"],
    ),
    (
        "/plan/actions/{action_id}",
        "kent editor",
        {"version": "1", "target_date": "31/02/2026"},
        ["edit-description", "edit-target_date"],
    ),
    ("/plan/responses/{response_id}/updates", "kent editor", {"update_on": "not a date"}, ["update_on", "text"]),
    ("/plan/updates/{update_id}", "kent editor", {"update_on": "not a date"}, ["edit-update_on", "edit-text"]),
    ("/plan/responses/{response_id}/assessments", "inspector", {}, ["rating"]),
    ("/plan/responses/{response_id}/comments", "coordinator", {}, ["body"]),
    ("/responses/{response_id}/evidence", "kent editor", {}, ["evidence-kind", "evidence-visibility"]),
    (
        "/evidence/{evidence_id}",
        "kent editor",
        {"title": "", "version": "1"},
        ["evidence-edit-title", "evidence-edit-visibility"],
    ),
    ("/plan/{slug}/import", "kent editor", {}, ["file"]),
    ("/plan/{slug}/declare", "kent editor", {}, ["number"]),
    ("/practice/submissions", "kent editor", {"action": "submit"}, PRACTICE_FIELDS),
    ("/practice/submissions/{practice_id}", "kent editor", {"title": "", "action": "submit"}, PRACTICE_FIELDS),
    ("/practice/review/{practice_id}/return", "coordinator", {"version": "1"}, ["review_comment"]),
    # The written report of a frozen period (issue 18): a figure that does not exist, a lone brace, a javascript: link.
    (
        "/oversight/periods/{frozen_period_id}/report",
        "coordinator",
        {"version": "0", "foreword": "{no_such_figure}", "summary": "A { alone", "next_steps": "[x](javascript:y)"},
        ["foreword", "summary", "next_steps"],
    ),
    ("/oversight/periods/{frozen_period_id}/report/examples", "coordinator", {"version": "0"}, ["example"]),
    ("/oversight/periods/{frozen_period_id}/report/submit", "coordinator", {"version": "0"}, ["decision-error"]),
    ("/oversight/periods/{frozen_period_id}/report/return", "coordinator", {"version": "0"}, ["review_comment"]),
    ("/oversight/periods/{frozen_period_id}/report/approve", "coordinator", {"version": "0"}, ["decision-error"]),
    ("/oversight/periods/{frozen_period_id}/report/publish", "coordinator", {"version": "0"}, ["decision-error"]),
]

# Buttons with no field to get wrong: what they act on is in the path. Their refusals (not permitted, not found)
# are the role matrices' (tests/support/routes.py).
NO_FIELDS = {
    "/sign-out": "signs out whoever asks",
    "/account/api-tokens/{token_id}/revoke": "revokes the token in its path",
    "/evidence/{evidence_id}/withdraw": "withdraws the evidence in its path",
    "/plan/actions/{action_id}/complete": "marks the action in its path complete",
    "/plan/actions/{action_id}/delete": "deletes the action in its path",
    "/plan/actions/{action_id}/move": "moves the action up or down (anything but 'up' moves it down)",
    "/plan/{slug}/publish": "publishes the plan as it stands",
    "/plan/{slug}/languages": "two checkboxes, each ticked or not (any other value reads as not ticked); changing "
    "whether the organisation writes in Welsh is refused (403) to all but the service team: "
    "tests/web/test_bilingual_writing.py",
    "/oversight/periods/{period_id}/report/examples/remove": "removes the example whose id is in a hidden field",
    "/practice/review/{practice_id}/approve": "approves the practice in its path",
    "/plan/{slug}/import/apply": "applies the import checked before (its token is in a hidden field)",
    "/admin/recommendations/load/apply": "applies the load checked before (its token is in a hidden field)",
    "/admin/recommendations/{rec_id}/adopt-declared": "makes the organisations whose published declarations the "
    "admin saw the addressees of the recommendation in its path (they and its version in hidden fields; a changed "
    "list or version is a 409 with the reason in an error summary: tests/web/test_declared_obligations.py)",
    "/plan/responses/{response_id}/withdraw-declaration": "withdraws the declaration of the response in its path "
    "(its version in a hidden field; a stale or undeclared one is a 409 with the reason in an error summary: "
    "tests/web/test_declaration_withdrawal.py)",
}


def form_routes(app) -> set[str]:
    return {path for method, path in app_routes(app) if method == "POST" and not path.startswith("/api/")}


def test_every_form_handler_is_submitted_wrongly_below(client):
    declared = form_routes(client.app)
    listed = {route_of({("POST", p) for p in declared}, "POST", path) for path, _, _, _ in INVALID} | {
        ("POST", path) for path in NO_FIELDS
    }
    missing = sorted(declared - {path for _, path in listed if path})
    assert not missing, f"Add each form handler to INVALID (or NO_FIELDS, with why) in {__file__}: {missing}"


@pytest.fixture
def records(world, session, make_user):  # world: tests/support/routes.py
    """A fresh set of Kent records, an action, an update and a practice to point the forms at."""
    users, fresh = world
    ids = fresh()
    owner = users["kent editor"]
    ctx = load_response(session, owner, ids["response_id"], Permission.EDIT_PLAN)
    ids["action_id"] = services.add_action(session, ctx, owner, {"description": "An action"}).id
    ids["update_id"] = services.add_update(session, ctx, owner, {"text": "An update"}).id
    submitted = practice.create_practice(session, owner, {"title": "A practice"}, submit=False)
    submitted.status = PracticeStatus.SUBMITTED  # in the review queue, without filling every field
    ids["practice_id"] = submitted.id
    frozen = open_period(session, name="Frozen by mistake", cut_off=dt.date(2025, 7, 31), actor=Actor("t"))
    freeze_period(session, frozen, Actor("t"))
    ids["frozen_period_id"] = frozen.id
    ids["admin_id"] = users["admin"].id
    ids["sub_response_id"] = response_of(session, "kent", "1.1").id
    session.commit()
    return users, ids


@pytest.mark.parametrize(("path", "role", "fields", "errors"), INVALID, ids=[p for p, _, _, _ in INVALID])
def test_an_invalid_submission_from_a_browser_gets_html_with_every_error_in_a_summary(
    client, records, path, role, fields, errors
):
    users, ids = records
    if role != "anonymous":
        sign_in(client, users[role].email)
    files = {"file": ("empty.csv", b"", "text/csv")} if path.endswith(("/import", "/load", "/evidence")) else None
    response = client.post(
        path.format(**ids),
        data=fields,
        files=files,
        headers={**BROWSER, **csrf_headers(client)},
        follow_redirects=False,
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    assert "govuk-error-summary" in response.text, response.text[-2000:]
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    assert summary, "a GOV.UK error summary list"
    links = re.findall(r'<a href="#([^"]+)">', summary.group(1))
    assert sorted(links) == sorted(errors), "every error at once, each linking to its field"
    assert_summary_in_page_order(response.text)
    for field in errors:
        assert f'id="{field}"' in response.text or f'id="{field}-' in response.text, f"no field #{field} to link to"
    assert html_problems(response.text) == []


# The workspace's forms (the response page), each submitted with every field it has wrong, chosen values tampered
# with (a status, visibility or rating no button offers): with htmx (the section swapped in) and without.
WORKSPACE: list[tuple[str, str, dict[str, str]]] = [
    (
        "/plan/responses/{response_id}",
        "kent editor",
        {"version": "1", "status": "bogus", "rag": "purple", "lead_role": "x" * 201, "summary": TOO_LONG},
    ),
    (
        "/plan/responses/{response_id}/actions",
        "kent editor",
        {"description": "", "owner_role": "y" * 300, "target_date": "31/02/2025", "status": "bogus"},
    ),
    (
        "/plan/actions/{action_id}",
        "kent editor",
        {"version": "1", "description": "", "owner_role": "y" * 300, "target_date": "31/02/2025", "status": "bogus"},
    ),
    ("/plan/responses/{response_id}/updates", "kent editor", {"update_on": "31/02/2025", "visibility": "bogus"}),
    ("/plan/updates/{update_id}", "kent editor", {"version": "1", "update_on": "31/02/2025", "visibility": "bogus"}),
    ("/plan/responses/{response_id}/assessments", "inspector", {"rating": "bogus", "rationale": TOO_LONG}),
    ("/plan/responses/{response_id}/comments", "coordinator", {"body": ""}),
    ("/responses/{response_id}/evidence", "kent editor", {"kind": "bogus", "visibility": "bogus"}),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("path", "role", "fields"), WORKSPACE, ids=[p for p, _, _ in WORKSPACE])
def test_every_workspace_error_is_in_the_summary_and_beside_its_field(client, records, path, role, fields, htmx):
    """The outsider's finding 6 (issue 15): a form swapped in by htmx had no error summary, and a tampered status
    or visibility was in the summary with no message beside the field. Each summary link reaches a field of the
    answer that shows its own message (GOV.UK's "{id}-error")."""
    users, ids = records
    sign_in(client, users[role].email)
    headers = {**BROWSER, **csrf_headers(client), **({"HX-Request": "true"} if htmx else {})}
    response = client.post(path.format(**ids), data=fields, headers=headers, follow_redirects=False)
    assert response.status_code == 422, (response.status_code, response.text[:500])
    assert response.text.count('data-module="govuk-error-summary"') == 1, "one error summary"
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    assert summary, "a GOV.UK error summary list"
    links = re.findall(r'<a href="#([^"]+)">', summary.group(1))
    assert links, "each error linked"
    for target in links:
        assert f'id="{target}"' in response.text, f"the summary links to #{target}, which is not on the page"
        assert f'id="{target}-error"' in response.text, f"#{target} has no message beside it"
    assert_summary_in_page_order(response.text)
    if htmx:
        assert "<html" not in response.text, "only the section is swapped"


# Issue 20 pass 11 (F11): a control or direction character in one field was refused as the form was read, before the
# use case ran, so a form's other rules (required, length, date, status) said nothing until it was resubmitted.
# Each form below is sent once with a field holding such a character and another field breaking a different rule;
# the page names both, beside their fields and in the summary. The forms of these families not listed have a
# single text field (the API token's name), or no text field at all (tests/web/test_form_errors.py's NO_FIELDS).
OVERRIDE, BELL, NUL = "\u202e", "\x07", "\x00"
MIXED: list[tuple[str, str, dict[str, str], set[str]]] = [
    (  # a status rule: Blocked needs what it waits for (a sub-recommendation: 1's status follows from its own)
        "/plan/responses/{sub_response_id}",
        "kent editor",
        {"version": "1", "status": "blocked", "summary": f"On track{OVERRIDE}"},
        {"summary", "blocked_reason"},
    ),
    (  # a length
        "/plan/responses/{response_id}",
        "kent editor",
        {"version": "1", "status": "in_progress", "lead_role": "x" * 201, "summary": f"On track{NUL}"},
        {"summary", "lead_role"},
    ),
    (  # outsider pass 12, F3: the character fault's field comes last on the page, after the RAG and the lead role
        "/plan/responses/{response_id}",
        "kent editor",
        {"version": "1", "status": "not_started", "rag": "green", "lead_role": "x" * 2000, "summary": f"a{OVERRIDE}b"},
        {"rag", "lead_role", "summary"},
    ),
    (  # the same message for two fields, each named
        "/plan/responses/{response_id}/actions",
        "kent editor",
        {"description": f"Act{OVERRIDE}", "owner_role": f"Lead{OVERRIDE}", "target_date": "31/02/2026"},
        {"description", "owner_role", "target_date"},
    ),
    (  # a required field
        "/plan/responses/{response_id}/actions",
        "kent editor",
        {"description": "", "owner_role": f"Lead{OVERRIDE}"},
        {"description", "owner_role"},
    ),
    (  # a date
        "/plan/actions/{action_id}",
        "kent editor",
        {"version": "1", "description": f"An action{BELL}", "target_date": "31/02/2026"},
        {"edit-description", "edit-target_date"},
    ),
    (
        "/plan/responses/{response_id}/updates",
        "kent editor",
        {"text": f"Started{OVERRIDE}", "update_on": "31/02/2025"},
        {"text", "update_on"},
    ),
    (  # a date rule: not in the future
        "/plan/updates/{update_id}",
        "kent editor",
        {"version": "1", "text": f"Started{NUL}", "update_on": "01/01/2999"},
        {"edit-text", "edit-update_on"},
    ),
    (
        "/responses/{response_id}/evidence",
        "kent editor",
        {"kind": "link", "title": f"Policy{OVERRIDE}", "visibility": "public", "url": ""},
        {"evidence-title", "evidence-url"},
    ),
    (
        "/responses/{response_id}/evidence",
        "kent editor",
        {"kind": "note", "title": "Policy", "description": f"About{BELL}", "visibility": "", "note": "Held"},
        {"evidence-description", "evidence-visibility"},
    ),
    (
        "/evidence/{evidence_id}",
        "kent editor",
        {"version": "1", "title": "", "description": f"About{OVERRIDE}", "visibility": "public"},
        {"evidence-edit-title", "evidence-edit-description"},
    ),
    (
        "/admin/users",
        "admin",
        {"email": "not an address", "display_name": f"Sam{OVERRIDE}", "role": "admin"},
        {"email", "display_name"},
    ),
    (
        "/admin/users/{user_id}",
        "admin",
        {"version": "1", "display_name": f"Sam{NUL}", "role": "no-such-role", "is_active": "yes"},
        {"display_name", "role"},
    ),
    (  # an account rule: an admin keeps their own access
        "/admin/users/{admin_id}",
        "admin",
        {"version": "1", "display_name": f"Admin{OVERRIDE}", "role": "coordinator", "is_active": "yes"},
        {"display_name", "role"},
    ),
    ("/sign-in", "anonymous", {"email": f"sam{OVERRIDE}@example.org", "password": ""}, {"email", "password"}),
    (
        "/account/password",
        "kent editor",
        {"current_password": f"secret{NUL}", "new_password": "", "confirm_password": ""},
        {"current_password", "new_password", "confirm_password"},
    ),
]


def stored_rows(session) -> dict[str, int]:
    """How many rows each table holds, as the app committed them (every change also adds to the history's)."""
    import sqlalchemy as sa
    from sqlmodel import SQLModel

    import tracker.models  # noqa: F401  (every table mapped)

    session.rollback()
    tables = SQLModel.metadata.sorted_tables
    return {t.name: session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("path", "role", "fields", "errors"), MIXED, ids=[f"{p} {sorted(e)}" for p, _, _, e in MIXED])
def test_a_character_refused_in_one_field_comes_with_every_other_fault_of_the_form(
    client, session, records, path, role, fields, errors, htmx
):
    users, ids = records
    if role != "anonymous":
        sign_in(client, users[role].email)
    headers = {**BROWSER, **csrf_headers(client), **({"HX-Request": "true"} if htmx else {})}
    files = {"file": ("", b"", "application/octet-stream")} if path.endswith("/evidence") else None
    before = stored_rows(session)
    response = client.post(path.format(**ids), data=fields, files=files, headers=headers, follow_redirects=False)
    assert response.status_code == 422, (response.status_code, response.text[:500])
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    assert summary, "a GOV.UK error summary list"
    assert set(re.findall(r'<a href="#([^"]+)">', summary.group(1))) == errors, "both faults in the summary"
    for target in errors:
        assert f'id="{target}-error"' in response.text, f"#{target} has no message beside it"
    assert_summary_in_page_order(response.text)
    assert stored_rows(session) == before, "nothing saved"


def assert_summary_in_page_order(html: str) -> None:
    """Outsider pass 12, F3 (GOV.UK's pattern): the summary's links run in the order of their fields on the page,
    so the first goes to the first faulty field, and no two of its lines read the same (a message two fields
    share names each field)."""
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert summary, "a GOV.UK error summary list"
    links = re.findall(r'<a href="#([^"]+)">\s*(.*?)\s*</a>', summary.group(1), re.S)
    targets = [target for target, _ in links]
    positions = [re.search(rf'\sid="{re.escape(target)}"', html) for target in targets]
    assert all(positions), f"every link reaches a field: {targets}"
    assert targets == sorted(targets, key=lambda t: positions[targets.index(t)].start()), "the page's field order"
    texts = [" ".join(text.split()) for _, text in links]
    assert len(set(texts)) == len(texts), f"two summary lines read the same: {texts}"
