"""Withdrawing a mistaken declaration (outsider pass 6, finding 8): an editor of the organisation, or an admin, says
from a declared response's page that the recommendation is not the organisation's to answer. The response is then
neither required nor declared, keeps everything recorded on it, the change is in its history, the published plan
stays as published until the organisation next publishes, and recomputing obligations never revives it.

The small reference data (tests/support/factories.py): Kent must answer recommendation 1 (1.1, 1.2); recommendation
2's addressees are not known, so a plan import row on it declares Kent's response
(tests/support/declarations.py).
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.declarations import import_plan, set_addressees
from tests.support.factories import UNKNOWN_WITH_PARTS_SET, write
from tests.support.html_checks import html_problems
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.loading import load_file
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import sync_obligations
from tracker.plans.publication import latest_publication, publish_plan
from tracker.reports.figures import declared_count
from tracker.vocabulary import Role

BUTTON = "This recommendation is not ours to answer: withdraw the declaration"


@pytest.fixture
def kent(session, small_reference):
    return get_by_slug(session, "kent")


@pytest.fixture
def declared(session, kent, editor) -> Response:
    """Kent's plan import declares recommendation 2, with an action and an update on it."""
    import_plan(session, kent, editor)
    response = response_of(session, "kent", "2")
    assert response.declared and response.required
    return response


def withdraw(client, response: Response, version: int | None = None):
    return client.post(
        f"/plan/responses/{response.id}/withdraw-declaration",
        data={"version": str(response.version if version is None else version)},
        headers=csrf_headers(client),
        follow_redirects=False,
    )


def words(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_an_editor_withdraws_a_mistaken_declaration_and_keeps_everything_recorded(client, session, declared, editor):
    sign_in(client, editor.email)
    page = client.get(f"/plan/responses/{declared.id}")
    assert BUTTON in page.text and f'name="version" value="{declared.version}"' in page.text
    assert html_problems(page.text) == []
    answer = withdraw(client, declared)
    assert answer.status_code == 303 and answer.headers["location"] == "/plan/kent?withdrawn=2"
    session.expire_all()
    response = response_of(session, "kent", "2")
    assert not response.required and not response.declared
    assert response.declared_at is not None  # how it began is kept
    assert session.exec(select(Action).where(Action.response_id == response.id)).one()
    assert session.exec(select(ProgressUpdate).where(ProgressUpdate.response_id == response.id)).one()
    event = session.exec(
        select(AuditEvent).where(AuditEvent.response_id == response.id, AuditEvent.action == "withdraw_declaration")
    ).one()
    assert event.actor_id == editor.id and "Declaration of recommendation 2 withdrawn" in event.summary
    assert declared_count(session) == 0
    plan_page = client.get(answer.headers["location"])
    assert html_problems(plan_page.text) == []
    plan = words(plan_page.text)
    assert "Your organisation no longer answers recommendation 2: its declaration is withdrawn" in plan
    assert "Recommendation 2 " not in plan.split("Every recommendation this organisation must answer")[1]
    after = words(client.get(f"/plan/responses/{declared.id}").text)
    assert "The declaration was withdrawn: this organisation does not answer this recommendation" in after
    assert BUTTON not in after


def test_withdrawing_from_a_sub_recommendation_withdraws_the_whole_declaration(client, session, kent, editor, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", UNKNOWN_WITH_PARTS_SET), Actor("test"))
    session.commit()
    import_plan(session, kent, editor, "Rec No.,Action\n2.1,Fictional action: test the widget\n")
    sign_in(client, editor.email)
    assert withdraw(client, response_of(session, "kent", "2.1")).status_code == 303
    session.expire_all()
    for number in ("2", "2.1", "2.2"):
        response = response_of(session, "kent", number)
        assert not response.required and not response.declared, number


def test_recomputing_obligations_never_revives_a_withdrawn_declaration(client, session, declared, editor):
    sign_in(client, editor.email)
    assert withdraw(client, declared).status_code == 303
    session.expire_all()
    sync_obligations(session, Actor("test"))
    session.commit()
    response = response_of(session, "kent", "2")
    assert not response.required and not response.declared
    # Once the report's addressees are known and name Kent, it answers as any addressed organisation: not declared.
    set_addressees(session, "2", ["chief-constables"])
    response = response_of(session, "kent", "2")
    assert response.required and not response.declared


def test_the_published_plan_keeps_the_declaration_until_the_organisation_next_publishes(
    client, session, kent, declared, editor
):
    publish_plan(session, kent, editor)
    session.commit()
    published = latest_publication(session, kent.id)
    before = dict(published.content)
    sign_in(client, editor.email)
    assert withdraw(client, declared).status_code == 303
    session.expire_all()
    assert latest_publication(session, kent.id).id == published.id
    assert latest_publication(session, kent.id).content == before
    public = client.get("/organisations/kent")
    assert "Declared by the organisation" in public.text  # the public sees the plan as last published
    publish_plan(session, kent, editor)
    session.commit()
    numbers = [r["recommendation"] for r in latest_publication(session, kent.id).content["responses"]]
    assert "2" not in numbers and "1" in numbers


def test_a_withdrawal_made_on_an_older_version_of_the_response_is_refused(client, session, declared, editor):
    sign_in(client, editor.email)
    answer = withdraw(client, declared, version=declared.version + 5)
    assert answer.status_code == 409
    assert "Someone changed this response since you opened the page" in words(answer.text)
    assert "govuk-error-summary" in answer.text and html_problems(answer.text) == []
    session.expire_all()
    response = response_of(session, "kent", "2")
    assert response.required and response.declared


def test_a_response_that_is_not_declared_cannot_be_withdrawn(client, session, declared, editor):
    ordinary = response_of(session, "kent", "1")
    sign_in(client, editor.email)
    assert BUTTON not in client.get(f"/plan/responses/{ordinary.id}").text
    answer = withdraw(client, ordinary)
    assert answer.status_code == 409
    assert "is not a declaration: only a recommendation the organisation declared it answers" in words(answer.text)
    session.expire_all()
    assert response_of(session, "kent", "1").required


def test_withdrawing_twice_says_it_is_withdrawn_already(client, session, declared, editor):
    sign_in(client, editor.email)
    assert withdraw(client, declared).status_code == 303
    again = withdraw(client, declared)  # a second tab, or a second press
    assert again.status_code == 409
    assert "The declaration of recommendation 2 is withdrawn already" in words(again.text)


@pytest.mark.parametrize(
    ("role", "organisation", "status"),
    [
        (Role.VIEWER, "kent", 403),
        (Role.COORDINATOR, None, 403),
        (Role.INSPECTOR, None, 403),
        (Role.EDITOR, "gwent", 404),
        (Role.ADMIN, None, 303),
    ],
)
def test_only_the_organisations_editors_and_admins_may_withdraw_it(
    client, session, declared, make_user, role, organisation, status
):
    sign_in(client, make_user(role, organisation).email)
    assert withdraw(client, declared).status_code == status
    session.expire_all()
    assert response_of(session, "kent", "2").declared is (status != 303)


def test_a_withdrawn_recommendation_can_be_declared_again(client, session, declared, editor):
    sign_in(client, editor.email)
    assert withdraw(client, declared).status_code == 303
    assert "Recommendation 2" in client.get("/plan/kent/declare").text
    again = client.post(
        "/plan/kent/declare", data={"number": "2"}, headers=csrf_headers(client), follow_redirects=False
    )
    assert again.status_code == 303
    session.expire_all()
    response = response_of(session, "kent", "2")
    assert response.required and response.declared
