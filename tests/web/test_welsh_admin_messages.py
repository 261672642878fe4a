"""On a Welsh page the last messages that were English on every page are Welsh (issue 20): an admin's
recommendation edit refused (a deadline that is not a date, an addressee not on the list), a reporting period that
cannot be unfrozen (it is not frozen) or opened under a name in use, and an account whose email address is taken.
On an English page they read as before."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select

from tests.support.accounts import USER_PASSWORD, sign_in
from tests.support.web import csrf_headers
from tracker.audit.services import Actor
from tracker.recommendations.models import Recommendation
from tracker.reports.services import open_period
from tracker.vocabulary import Role


def beside(page: str, field: str) -> str:
    """The error message beside ``field`` on a GOV.UK form page."""
    found = re.search(rf'<p id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return found.group(1)


def test_a_recommendation_edit_with_a_bad_deadline_is_refused_in_welsh(client, session, small_reference, make_user):
    sign_in(client, make_user(Role.ADMIN).email)
    rec = session.exec(select(Recommendation).where(Recommendation.number == "2")).first()
    data = {"version": str(rec.version), "provenance": "to_be_confirmed", "deadline": "soon", "addressees": "nobody"}
    answer = client.post(f"/admin/recommendations/{rec.id}?lang=cy", data=data, headers=csrf_headers(client))
    assert answer.status_code == 422, answer.text[:300]
    assert "Rhaid i\u2019r terfyn amser fod yn ddyddiad go iawn, fel 27/03/2025" in beside(answer.text, "deadline")
    assert "Dewiswch dderbynwyr o\u2019r rhestr (nid yw nobody yn un ohonynt)" in beside(answer.text, "addressees")
    assert "The deadline must be a real date" not in answer.text
    assert "Choose addressees from the list" not in answer.text

    english = client.post(f"/admin/recommendations/{rec.id}", data=data, headers=csrf_headers(client))
    assert "The deadline must be a real date, like 27/03/2025" in beside(english.text, "deadline")
    assert "Choose addressees from the list (nobody is not one)" in beside(english.text, "addressees")


def test_unfreezing_a_period_that_is_not_frozen_is_refused_in_welsh(client, session, small_reference, make_user):
    period = open_period(session, name="Summer 2025 NPCC update", cut_off=dt.date(2025, 7, 31), actor=Actor("test"))
    session.commit()
    sign_in(client, make_user(Role.ADMIN).email)
    unfreeze = f"/oversight/periods/{period.id}/unfreeze"
    refused = client.post(unfreeze + "?lang=cy", data={"confirm_unfreeze": "yes"}, headers=csrf_headers(client))
    assert refused.status_code == 422
    assert "Nid yw Summer 2025 NPCC update wedi\u2019i rewi" in refused.text
    assert "is not frozen" not in refused.text

    english = client.post(unfreeze, data={"confirm_unfreeze": "yes"}, headers=csrf_headers(client))
    assert "Summer 2025 NPCC update is not frozen" in english.text


def test_opening_a_period_with_a_name_in_use_is_refused_in_welsh(client, session, small_reference, make_user):
    open_period(session, name="Summer 2025 NPCC update", cut_off=dt.date(2025, 7, 31), actor=Actor("test"))
    session.commit()
    sign_in(client, make_user(Role.COORDINATOR).email)
    data = {"name": "Summer 2025 NPCC update", "cut_off": "31/07/2025"}
    again = client.post("/oversight/periods?lang=cy", data=data | {"cut_off": "soon"}, headers=csrf_headers(client))
    assert again.status_code == 422
    assert "Mae cyfnod adrodd o\u2019r enw \u2018Summer 2025 NPCC update\u2019 yn bodoli eisoes" in beside(
        again.text, "name"
    )
    assert "Rhaid i\u2019r dyddiad terfyn fod yn ddyddiad go iawn, fel 31/07/2025" in beside(again.text, "cut_off")
    assert "already exists" not in again.text and "must be a real date" not in again.text


def test_an_account_with_an_email_address_in_use_is_refused_in_welsh(client, session, small_reference, make_user):
    taken = make_user(Role.VIEWER, "kent")
    sign_in(client, make_user(Role.ADMIN).email)
    data = {"email": taken.email, "display_name": "", "role": "viewer"}
    answer = client.post("/admin/users?lang=cy", data=data, headers=csrf_headers(client))
    assert answer.status_code == 422, answer.text[:300]
    email = taken.email.lower()
    assert f"Mae cyfrif gyda\u2019r cyfeiriad e-bost {email} yn bodoli eisoes" in beside(answer.text, "email")
    assert "Rhowch enw i\u2019w ddangos" in beside(answer.text, "display_name")
    assert "Rhaid i wyliwr berthyn i sefydliad" in beside(answer.text, "organisation")
    for english in ("already exists", "Enter a display name", "must belong to an organisation"):
        assert english not in answer.text

    bad = client.post("/admin/users?lang=cy", data=data | {"email": "not-an-email"}, headers=csrf_headers(client))
    assert "Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@example.org" in beside(bad.text, "email")
    assert "Enter an email address in the correct format" not in bad.text


def test_a_short_new_password_is_refused_in_welsh(client, session, small_reference, make_user):
    """Outsider pass 12, F10: the length rule was the one English message on the Welsh password page."""
    viewer = make_user(Role.VIEWER, "kent")
    sign_in(client, viewer.email)
    fields = {"current_password": USER_PASSWORD, "new_password": "short", "confirm_password": "short"}
    answer = client.post("/account/password?lang=cy", data=fields, headers=csrf_headers(client))
    assert answer.status_code == 422
    assert "Rhaid i\u2019r cyfrinair fod yn 12 nod neu fwy" in beside(answer.text, "new_password")
    assert "characters or more" not in answer.text
