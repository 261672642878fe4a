"""The written progress report (issue 18): analysts write commentary on a frozen period's figures, choose examples,
have it reviewed by a second person and publish it as HTML and PDF that never change."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.plans import pdf_text, response_of
from tests.support.web import csrf_headers
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services as plans
from tracker.plans.models import ProgressUpdate
from tracker.plans.publication import publish_plan
from tracker.plans.services import load_response
from tracker.recommendations.models import Recommendation
from tracker.reports.narrative.models import PublishedReport, ReportDraft
from tracker.reports.services import PeriodError, freeze_period, open_period, unfreeze_period
from tracker.vocabulary import ReportStatus, Role

PUBLIC_UPDATE = "Kent trained every stalking lead in March"
SECRET_UPDATE = "zqxINSPECTORATE-ONLY-UPDATEqxz"


@pytest.fixture
def period(session, small_reference, make_user):
    """A frozen period whose window holds one public update of Kent's (published plan) and an inspectorate one."""
    editor = make_user(Role.EDITOR, "kent")
    ctx = load_response(session, editor, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    plans.update_response(session, ctx, editor, {"status": "complete", "version": str(ctx.response.version)})
    plans.add_update(session, ctx, editor, {"text": PUBLIC_UPDATE, "update_on": "01/03/2025"})
    ctx = load_response(session, editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    plans.add_update(
        session, ctx, editor, {"text": SECRET_UPDATE, "update_on": "02/03/2025", "visibility": "inspectorate"}
    )
    publish_plan(session, get_by_slug(session, "kent"), editor)
    session.commit()
    chosen = open_period(session, name="Spring 2025", cut_off=dt.date(2025, 3, 31), actor=Actor("t"))
    freeze_period(session, chosen, Actor("t"))
    session.commit()
    return chosen


@pytest.fixture
def people(make_user):
    return {
        "writer": make_user(Role.COORDINATOR, email="writer@example.org"),
        "reviewer": make_user(Role.COORDINATOR, email="reviewer@example.org"),
        "admin": make_user(Role.ADMIN),
    }


def as_(client, user):
    client.cookies.clear()
    assert sign_in(client, user.email).status_code == 303


def url(period, tail: str = "") -> str:
    return f"/oversight/periods/{period.id}/report{tail}"


def post(client, path, **data):
    return client.post(path, data=data, headers=csrf_headers(client), follow_redirects=False)


def version(session, period) -> str:
    draft = session.exec(select(ReportDraft).where(ReportDraft.period_id == period.id)).first()
    session.refresh(draft)
    return str(draft.version)


def rec_id(session, number: str) -> int:
    return session.exec(select(Recommendation.id).where(Recommendation.number == number)).one()


def test_write_review_and_publish_a_report(client, session, period, people):
    as_(client, people["writer"])
    assert client.get(url(period)).status_code == 200
    text = {"version": "0", "summary": "**{complete}** responses are complete; {overdue:1} overdue on rec 1."}
    text[f"commentary-{rec_id(session, '1')}"] = (
        "- Kent is {complete:1} of {responses:1}\n- see [the plan](https://example.org/p)"
    )
    assert post(client, url(period), **text).status_code == 303
    page = client.get(url(period)).text
    example = re.search(r'value="(\d+:update:\d+)"', page).group(1)
    assert (
        post(
            client,
            url(period, "/examples"),
            version=version(session, period),
            example=example,
            lead_in="Kent shows how",
        ).status_code
        == 303
    )
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    # The author cannot approve it, even as admin would (here a coordinator): someone else must.
    refused = post(client, url(period, "/approve"), version=version(session, period))
    assert refused.status_code == 422 and "someone else must approve it" in refused.text
    as_(client, people["reviewer"])
    assert (
        post(client, url(period, "/return"), version=version(session, period), review_comment="Say more").status_code
        == 303
    )
    as_(client, people["writer"])
    text["version"] = version(session, period)
    text["next_steps"] = "The next report follows in the summer."
    assert post(client, url(period), **text).status_code == 303
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    as_(client, people["reviewer"])
    assert post(client, url(period, "/approve"), version=version(session, period)).status_code == 303
    assert post(client, url(period, "/publish"), version=version(session, period)).status_code == 303
    stored = session.exec(select(PublishedReport)).one()
    client.cookies.clear()
    html = client.get(f"/reports/test-report/{period.id}")
    assert html.status_code == 200 and html.content == stored.html
    assert hashlib.sha256(html.content).hexdigest() == stored.html_sha256
    complete = re.search(r'data-testid="totals".*?data-status="complete">(\d+)<', html.text, re.S).group(1)
    assert f'<strong><span data-figure="complete">{complete}</span></strong> responses are complete' in html.text
    assert '<a class="govuk-link" href="https://example.org/p">the plan</a>' in html.text
    assert PUBLIC_UPDATE in html.text and "Kent shows how" in html.text
    assert SECRET_UPDATE not in html.text and "Say more" not in html.text
    pdf = client.get(f"/reports/test-report/{period.id}/pdf")
    assert pdf.content == stored.pdf and PUBLIC_UPDATE in pdf_text(pdf.content)
    assert SECRET_UPDATE not in pdf_text(pdf.content)
    assert (
        client.get(f"/reports/test-report/{period.id}", headers={"if-none-match": html.headers["etag"]}).status_code
        == 304
    )
    assert f"/reports/test-report/{period.id}" in client.get("/reports").text
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "report_draft")).all()
    assert [e.action for e in events][-1] == "update" and any(e.action == "publish" for e in events)


def test_an_unknown_figure_is_refused_beside_its_field(client, session, period, people):
    as_(client, people["writer"])
    answer = post(client, url(period), version="0", summary="We have {complet} and {overdue:9}")
    assert answer.status_code == 422
    assert "There is no figure {complet}, {overdue:9}" in answer.text
    assert session.exec(select(ReportDraft)).first() is None


def test_a_stale_save_answers_409_with_both_texts(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="First words").status_code == 303
    assert post(client, url(period), version="1", summary="Second words").status_code == 303
    answer = post(client, url(period), version="1", summary="My late words")
    assert answer.status_code == 409
    assert "Second words" in answer.text and "My late words" in answer.text


def test_a_period_with_a_published_report_cannot_be_unfrozen(session, period, people):
    draft = ReportDraft(period_id=period.id, set_id=1, status=ReportStatus.PUBLISHED)
    session.add(draft)
    session.flush()
    session.add(
        PublishedReport.of(draft, period, people["admin"], html=b"x", pdf=b"y", set_slug="test-report", title="t")
    )
    session.flush()
    with pytest.raises(PeriodError, match="published report"):
        unfreeze_period(session, period, Actor("t"))


def test_an_example_made_internal_is_flagged_and_blocks_publication(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    example = re.search(r'value="(\d+:update:(\d+))"', client.get(url(period)).text)
    assert post(client, url(period, "/examples"), version="1", example=example.group(1), lead_in="").status_code == 303
    update = session.get(ProgressUpdate, int(example.group(2)))
    update.visibility = "internal"
    session.commit()
    assert "no longer public" in client.get(url(period)).text
