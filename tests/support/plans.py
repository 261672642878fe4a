"""Plans, evidence and publications for tests: finding a response, editing it, files, and published plans."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlmodel import Session, func, select

from tests.support.web import csrf_headers
from tracker.assessments.models import Assessment
from tracker.audit.models import AuditEvent
from tracker.evidence.models import Evidence
from tracker.evidence.services import add_evidence
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.publication import publish_plan
from tracker.plans.services import load_response
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import AssessmentRating, Role


def response_of(session: Session, slug: str = "kent", number: str = "1.1") -> Response:
    org = get_by_slug(session, slug)
    return session.exec(
        select(Response)
        .join(Recommendation, Recommendation.id == Response.recommendation_id)
        .where(Response.organisation_id == org.id, Recommendation.number == number)
    ).one()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def edit(session, user, slug, number):
    return load_response(session, user, response_of(session, slug, number).id, Permission.EDIT_PLAN)


def set_status(session, user, slug, number, status):
    """Set a response's status (a parent's status follows its sub-recommendations')."""
    ctx = edit(session, user, slug, number)
    services.update_response(session, ctx, user, {"status": status, "version": str(ctx.response.version)})


def add_file(session, ctx, user, settings, *, title, content, visibility="public", name="policy.txt"):
    return add_evidence(
        session,
        ctx,
        user,
        {"kind": "file", "title": title, "visibility": visibility},
        filename=name,
        content=content,
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )


@pytest.fixture
def published(session, small_reference, make_user, settings):
    """Kent has published a plan for recommendation 1 (in progress, with an action, a public update, a public
    file and a link). Gwent has not published. Nobody has answered about recommendation 3 in public."""
    kent = make_user(Role.EDITOR, "kent", email="kent-editor@example.org")
    ctx = edit(session, kent, "kent", "1")
    services.update_response(session, ctx, kent, {"status": "in_progress", "version": "1", "summary": "Kent sums up"})
    set_status(session, kent, "kent", "1.1", "in_progress")
    services.add_action(session, ctx, kent, {"description": "=Train every call handler", "owner_role": "Head of PP"})
    services.add_update(session, ctx, kent, {"text": "Kent public update", "visibility": "public"})
    file = add_file(session, ctx, kent, settings, title="Kent stalking policy", content=b"Kent policy text\n")
    add_evidence(
        session,
        ctx,
        kent,
        {"kind": "link", "title": "Kent's page", "url": "https://www.example.org/kent", "visibility": "public"},
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    publication = publish_plan(session, get_by_slug(session, "kent"), kent)
    return SimpleNamespace(kent=kent, ctx=ctx, file=file, publication=publication)


def something_new_to_publish(session, published) -> None:
    """A public change since Kent's publication (publishing what is already published makes no new publication)."""
    services.add_update(
        session, published.ctx, published.kent, {"text": "Second public update", "visibility": "public"}
    )


def rec_id(session: Session, number: str) -> int:
    return session.exec(select(Recommendation.id).where(Recommendation.number == number)).one()


@pytest.fixture
def scenario(session, small_reference, make_user):
    """Kent finished recommendation 1 (both sub-recommendations); Gwent is part way; Kent's PCC claims 3 is done
    with no evidence; an inspector rates Kent's recommendation 1 as only partially met."""
    kent, gwent, kent_pcc = (make_user(Role.EDITOR, slug) for slug in ("kent", "gwent", "kent-pcc"))

    def save(user, slug, number, status):
        ctx = load_response(session, user, response_of(session, slug, number).id, Permission.EDIT_PLAN)
        services.update_response(session, ctx, user, {"status": status, "version": str(ctx.response.version)})
        return ctx

    save(kent, "kent", "1.1", "complete")
    save(kent, "kent", "1.2", "complete")
    ctx = save(gwent, "gwent", "1.1", "in_progress")
    services.add_update(session, ctx, gwent, {"text": "Recent", "update_on": dt.date.today().strftime("%d/%m/%Y")})
    save(kent_pcc, "kent-pcc", "3", "complete")
    session.add(Assessment(response_id=response_of(session, "kent", "1").id, rating=AssessmentRating.PARTIALLY_MET))
    session.commit()
    publish_plan(session, get_by_slug(session, "kent"), kent)


def complete(session, **overrides) -> dict:
    """Everything a submission needs."""
    values = {
        "title": "Stalking clinic for case officers",
        "summary": "Weekly advice for officers with stalking cases.",
        "what_was_done": "A specialist reviews open cases with the officer in charge.",
        "outcomes": "More stalking protection orders were applied for.",
        "evaluation": "",
        "stage": "promising",
        "themes": ["investigation", "training"],
        "recommendations": [str(rec_id(session, "1"))],
        "contact_role": "Stalking coordinator",
        "links": "https://www.example.org/clinic",
    }
    return values | overrides


def form_fields(html: str) -> dict[str, str]:
    """The hidden file and the column choices of the check page, as a browser would send them back."""
    fields = dict(re.findall(r'<input type="hidden" name="(file_\w+)" value="([^"]*)"', html))
    for name, body in re.findall(r'<select[^>]*name="(column-\d+)"[^>]*>(.*?)</select>', html, re.S):
        fields[name] = re.search(r'<option value="([^"]*)" selected', body).group(1)
    for name, value in re.findall(
        r'<input class="govuk-input[^"]*" id="date-\d+" name="(date-\d+)" type="text" value="([^"]*)"', html
    ):
        fields[name] = value
    return fields


def snapshot(session: Session) -> dict[str, object]:
    """Everything an import could write, to compare before and after."""
    session.rollback()  # a fresh read: what other connections have committed
    return {
        "actions": session.exec(select(func.count()).select_from(Action)).one(),
        "updates": session.exec(select(func.count()).select_from(ProgressUpdate)).one(),
        "events": session.exec(select(func.count()).select_from(AuditEvent)).one(),
        "responses": sorted(
            (r.id, r.status.value, r.rag, r.lead_role, r.summary, r.version) for r in session.exec(select(Response))
        ),
    }


def post_file(client, response_id: int, name: str, content: bytes, **fields: str):
    data = {"kind": "file", "visibility": "internal", **fields}
    return client.post(
        f"/responses/{response_id}/evidence",
        data=data,
        files={"file": (name, content, "application/octet-stream")},
        headers=csrf_headers(client),
        follow_redirects=False,
    )


def pdf_text(content: bytes) -> str:
    """The text of every page, as a reader would extract it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def evidence_rows(session: Session) -> list[Evidence]:
    session.rollback()  # end this session's read transaction, to see what the app committed since
    return list(session.exec(select(Evidence)))
