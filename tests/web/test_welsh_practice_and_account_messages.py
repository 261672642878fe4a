"""On a Welsh page the practice and account forms' messages are Welsh: the contact who must be a role, the
organisation that must come from the list, and a decision on practice no longer awaiting review (they were English
on every page)."""

from __future__ import annotations

from tests.support.accounts import sign_in
from tests.support.plans import complete
from tests.support.web import csrf_headers
from tracker.practice import services
from tracker.vocabulary import Role


def says(response, welsh: str, english: str, *, places: int = 2) -> None:
    """A 422 page saying ``welsh`` (beside the field and in the error summary: ``places``), never ``english``."""
    assert response.status_code == 422, response.text[:300]
    assert response.text.count(welsh) >= places
    assert english not in response.text


def test_a_contact_given_as_an_email_address_is_refused_in_welsh(client, session, small_reference, make_user):
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    data = complete(session, contact_role="lead@kent.example.org") | {"action": "submit"}
    response = client.post("/practice/submissions?lang=cy", data=data, headers=csrf_headers(client))
    says(
        response,
        "Rhowch rôl, fel Cydlynydd stelcian, nid cyfeiriad e-bost na rhif ffôn",
        "Give a role, such as Stalking coordinator",
    )


def test_practice_attributed_to_no_organisation_or_to_an_unknown_one_is_refused_in_welsh(
    client, session, small_reference, make_user
):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    unknown = complete(session) | {"action": "submit", "organisation": "atlantis"}
    response = client.post("/practice/submissions?lang=cy", data=unknown, headers=csrf_headers(client))
    says(response, "Dewiswch sefydliad o\u2019r rhestr", "Select an organisation from the list")
    nobody = complete(session) | {"action": "submit", "organisation": "", "attribution_note": ""}
    response = client.post("/practice/submissions?lang=cy", data=nobody, headers=csrf_headers(client))
    says(
        response,
        "Dewiswch y sefydliad sy\u2019n ei gynnal, neu dywedwch pwy sy\u2019n ei gynnal yn y nodyn priodoli",
        "Select the organisation that runs it",
    )


def test_a_decision_on_practice_no_longer_awaiting_review_is_refused_in_welsh(
    client, session, small_reference, make_user
):
    editor, coordinator = make_user(Role.EDITOR, "kent"), make_user(Role.COORDINATOR)
    practice = services.create_practice(session, editor, complete(session), submit=True)
    services.approve(session, practice, coordinator, version=practice.version)
    session.commit()
    sign_in(client, coordinator.email)
    url = f"/practice/review/{practice.id}"
    data = {"version": str(practice.version), "review_comment": "Again."}
    response = client.post(f"{url}/approve?lang=cy", data=data, headers=csrf_headers(client))
    says(
        response,
        "Dim ond arfer a gyflwynwyd i\u2019w adolygu y gellir ei gymeradwyo",
        "Only practice submitted for review can be approved",
        places=1,  # the decision is the form's as a whole: in the error summary
    )
    response = client.post(f"{url}/return?lang=cy", data=data, headers=csrf_headers(client))
    says(
        response,
        "Dim ond arfer a gyflwynwyd i\u2019w adolygu y gellir ei ddychwelyd",
        "Only practice submitted for review can be returned",
        places=1,
    )


def test_an_account_in_an_organisation_not_on_the_list_is_refused_in_welsh(client, session, small_reference, make_user):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    data = {"email": "lead@kent.example.org", "display_name": "Kent lead", "role": "editor", "organisation": "999999"}
    response = client.post("/admin/users?lang=cy", data=data, headers=csrf_headers(client))
    says(response, "Dewiswch sefydliad o\u2019r rhestr", "Select an organisation from the list")
