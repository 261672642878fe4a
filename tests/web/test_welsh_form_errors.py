"""On a Welsh page a plan form's errors are Welsh, beside each field and in the summary: the messages built from a
field and its limit ("… must be 10,000 characters or fewer") are whole sentences in the catalogue."""

from __future__ import annotations

import re

import pytest

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.organisations.services import get_by_slug
from tracker.vocabulary import Role

BROWSER = {"Accept": "text/html"}

# (form, what is posted, each field refused: its Welsh message and the English one it must not show)
CASES = {
    "response": (
        "",
        {"version": "1", "status": "blocked", "blocked_reason": "", "summary": "x" * 10_001},
        {
            "blocked_reason": ("Rhowch am beth y mae\u2019r ymateb yn aros", "Enter what the response is waiting for"),
            "summary": ("Rhaid i\u2019r crynodeb fod yn 10,000 nod neu lai", "A summary must be"),
        },
    ),
    "action": (
        "/actions",
        {"description": "", "owner_role": "x" * 201, "target_date": "31/02/2026"},
        {
            "description": ("Rhowch beth fydd yn cael ei wneud", "Enter what will be done"),
            "owner_role": ("Rhaid i\u2019r perchennog fod yn 200 nod neu lai", "The owner must be"),
        },
    ),
    "update": (
        "/updates",
        {"text": "", "text_cy": "x" * 10_001},
        {
            "text": ("Rhowch beth sydd wedi digwydd", "Enter what has happened"),
            "text_cy": (
                "Rhaid i\u2019r hyn sydd wedi digwydd yn Gymraeg fod yn 10,000 nod neu lai",
                "in Welsh must be",
            ),
        },
    ),
}


@pytest.fixture
def gwent_editor(session, small_reference, make_user):
    """An editor of Gwent Police, which writes its public texts in English and Welsh."""
    get_by_slug(session, "gwent").bilingual = True
    session.commit()
    return make_user(Role.EDITOR, "gwent")


@pytest.mark.parametrize("form", sorted(CASES))
def test_a_plan_form_s_errors_are_welsh_on_a_welsh_page(client, session, gwent_editor, form):
    path, data, refused = CASES[form]
    sign_in(client, gwent_editor.email)
    rid = response_of(session, "gwent", "1.1").id
    answer = client.post(f"/plan/responses/{rid}{path}?lang=cy", data=data, headers={**BROWSER, **csrf_headers(client)})
    assert answer.status_code == 422
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', answer.text, re.S).group(1)
    for field, (welsh, english) in refused.items():
        beside = re.search(rf'<p id="{field}-error"[^>]*>(.*?)</p>', answer.text, re.S)
        assert beside and welsh in beside.group(1), field
        assert welsh in summary, field
        assert english not in answer.text, field


def test_the_same_form_s_errors_stay_english_on_an_english_page(client, session, gwent_editor):
    sign_in(client, gwent_editor.email)
    rid = response_of(session, "gwent", "1.1").id
    path, data, _ = CASES["action"]
    answer = client.post(f"/plan/responses/{rid}{path}", data=data, headers={**BROWSER, **csrf_headers(client)})
    assert answer.status_code == 422
    assert "Enter what will be done" in answer.text
    assert "The owner must be 200 characters or fewer" in answer.text
    assert "Target date must be a real date, like 27/03/2025" in answer.text


def test_the_evidence_form_s_errors_are_welsh_on_a_welsh_page(client, session, gwent_editor):
    """The evidence form goes through the upload reader, not the plan forms' path: its messages are Welsh too."""
    sign_in(client, gwent_editor.email)
    rid = response_of(session, "gwent", "1.1").id
    answer = client.post(
        f"/responses/{rid}/evidence?lang=cy",
        data={"kind": "file", "visibility": "internal", "title": "x" * 301, "description": "x" * 10_001},
        files={"file": ("policy.txt", b"A synthetic policy", "text/plain")},
        headers={**BROWSER, **csrf_headers(client)},
    )
    assert answer.status_code == 422
    for field, welsh, english in (
        ("title", "Rhaid i\u2019r teitl fod yn 300 nod neu lai", "The title must be"),
        ("description", "Rhaid i\u2019r disgrifiad fod yn 10,000 nod neu lai", "The description must be"),
    ):
        beside = re.search(rf'<p id="evidence-{field}-error"[^>]*>(.*?)</p>', answer.text, re.S)
        assert beside and welsh in beside.group(1), field
        assert english not in answer.text, field
