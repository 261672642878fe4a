"""Nothing that is not public ever reaches the public site, and every role sees exactly the items it may.

A distinct marker is planted in every non-public field of demo-like data: internal and inspectorate updates and
evidence (titles, descriptions, notes, link addresses, file names and contents, and the Welsh of each text that has
one: Welsh never shows what English does not), edits made after publishing,
a plan never published, assessments not released and every assessment's rationale, comments, practice not approved and
reviewers' comments, reporting periods, and people's names and email addresses. Then every page, download and
feed that someone who is not signed in can reach by following links from the home page is fetched (see
tests/support/public_crawler.py: pages added later are covered as soon as something public links to them), and none may
contain any marker. The published, public data is checked to be there too, so the crawl cannot pass by
reaching nothing; so is the one rating an inspector released for publication (its rating, inspectorate and date),
while the unreleased ratings (older and newer) never appear.

Then the same crawl runs signed in as every role (admin, coordinator, inspector, Kent's editor and viewer,
another organisation's editor), from the home page, the workspace, every item's own pages and the JSON API, and
the markers of Kent's items are sorted by who may see them (README, "Roles"): internal items only Kent and
admins; inspectorate items also inspectors and coordinators; public items not yet published every reader of
Kent's plan. Each role must find exactly the markers its rule allows, on the pages, in the history, in the
downloads, exports and API answers, and never the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.database import load_small_reference, new_database
from tests.support.plans import add_file, edit, response_of, set_status
from tests.support.public_crawler import crawl
from tests.support.web import TEST_SECRET, app_for, checked_client, csrf_headers
from tracker import migrate
from tracker.accounts.models import User
from tracker.accounts.services import create_user
from tracker.assessments.models import Assessment, Comment
from tracker.audit.services import Actor
from tracker.db import TrackerSession, make_engine
from tracker.evidence.models import Evidence
from tracker.evidence.services import add_evidence, update_evidence, withdraw_evidence
from tracker.organisations.bilingual import bilingual_fields, welsh_of
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.plans import services
from tracker.plans.models import Action, ProgressUpdate
from tracker.plans.publication import publish_plan
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.reports.narrative import services as reports
from tracker.reports.narrative.document import frozen_report
from tracker.reports.narrative.examples import candidates
from tracker.reports.narrative.figures import report_figures
from tracker.reports.narrative.publication import Links, Publisher
from tracker.reports.services import freeze_period, open_period
from tracker.settings import Settings
from tracker.timeutil import uk_date, utc_now
from tracker.vocabulary import AssessmentRating, OrganisationKind, PracticeStatus, Role

MARKERS: list[str] = []


def marker(name: str) -> str:
    value = f"zqx{name}qxz"
    MARKERS.append(value)
    return value


PUBLIC_FACTS = ["Kent public summary", "Kent public action", "Kent public update", "Kent public file content"]
WELSH_PUBLIC_FACT = "Crynodeb cyhoeddus Caint"  # Kent's published summary in Welsh
PUBLISHED_REPORT = "The summary of the published report"


def user(session, role, slug, name):
    account = create_user(
        session,
        email=f"{marker(name + 'email')}@example.org",
        display_name=marker(name + "name"),
        role=role,
        password="correct-horse-battery",
        organisation=get_by_slug(session, slug) if slug else None,
        actor=Actor("test setup"),
    )
    session.commit()
    return account


def in_welsh(session, records, name):
    """A marker in the Welsh of each bilingual text of each record (``tracker.organisations.bilingual``), set
    directly as the writing side would save it. Named ``cy…``: the role tests do not sort them (the workspace does
    not show Welsh yet), the public crawl must never find them."""
    for i, record in enumerate(records):
        for field in bilingual_fields(type(record)):
            setattr(record, welsh_of(field), marker(f"{name}{i}{field}"))
        session.add(record)
    session.commit()


def note(session, settings, ctx, who, visibility, name):
    return add_evidence(
        session,
        ctx,
        who,
        {
            "kind": "note",
            "title": marker(name + "title"),
            "description": marker(name + "description"),
            "note": marker(name + "note"),
            "visibility": visibility,
        },
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )


def link(session, settings, ctx, who, visibility, name):
    return add_evidence(
        session,
        ctx,
        who,
        {
            "kind": "link",
            "title": marker(name + "title"),
            "url": f"https://www.example.org/{marker(name + 'url')}",
            "visibility": visibility,
        },
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )


def secret_file(session, settings, ctx, who, visibility, name):
    return add_evidence(
        session,
        ctx,
        who,
        {"kind": "file", "title": marker(name + "title"), "visibility": visibility},
        filename=f"{marker(name + 'filename')}.txt",
        content=f"{marker(name + 'content')}\n".encode(),
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )


@pytest.fixture
def planted(session, small_reference, settings):
    return plant(session, settings)


def plant(session, settings) -> dict:
    """Every marker and public fact below, committed; what the tests look up afterwards."""
    MARKERS.clear()
    kent = user(session, Role.EDITOR, "kent", "kenteditor")
    gwent = user(session, Role.EDITOR, "gwent", "gwenteditor")
    inspector = user(session, Role.INSPECTOR, None, "inspector")
    coordinator = user(session, Role.COORDINATOR, None, "coordinator")
    admin = user(session, Role.ADMIN, None, "admin")
    user(session, Role.VIEWER, "kent", "kentviewer")

    # Kent's plan as published: public items, plus internal and inspectorate ones beside them.
    ctx = edit(session, kent, "kent", "1")
    services.update_response(session, ctx, kent, {"status": "in_progress", "version": "1", "summary": PUBLIC_FACTS[0]})
    set_status(session, kent, "kent", "1.1", "in_progress")
    ctx = edit(session, kent, "kent", "1")
    services.add_action(session, ctx, kent, {"description": PUBLIC_FACTS[1], "owner_role": "Head of PP"})
    services.add_update(session, ctx, kent, {"text": PUBLIC_FACTS[2], "visibility": "public"})
    public_file = add_file(session, ctx, kent, settings, title="Kent policy", content=PUBLIC_FACTS[3].encode())
    for visibility in ("internal", "inspectorate"):
        hidden = [
            services.add_update(session, ctx, kent, {"text": marker(f"{visibility}update"), "visibility": visibility}),
            note(session, settings, ctx, kent, visibility, f"{visibility}note"),
            link(session, settings, ctx, kent, visibility, f"{visibility}link"),
            secret_file(session, settings, ctx, kent, visibility, f"{visibility}file"),
        ]
        in_welsh(session, hidden, f"cy{visibility}")
    # Internal items whose earlier wording is only in the history.
    corrected = services.add_update(session, ctx, kent, {"text": marker("internalupdateold"), "visibility": "internal"})
    services.edit_update(
        session,
        corrected,
        ctx,
        kent,
        {"text": marker("internalupdatenew"), "visibility": "internal", "version": str(corrected.version)},
    )
    retitled = note(session, settings, ctx, kent, "internal", "internalretitled")
    update_evidence(
        session,
        retitled,
        ctx,
        kent,
        {"title": marker("internalretitlednew"), "visibility": "internal", "version": str(retitled.version)},
    )
    # Public when published, then taken back (made internal or inspectorate-only, or withdrawn) below.
    retracted_update = services.add_update(
        session, ctx, kent, {"text": marker("retractedupdate"), "visibility": "public"}
    )
    retracted_note = note(session, settings, ctx, kent, "public", "retractednote")
    withdrawn_file = secret_file(session, settings, ctx, kent, "public", "withdrawnfile")
    in_welsh(session, [retracted_update, retracted_note, withdrawn_file], "cyretracted")
    ctx.response.summary_cy = WELSH_PUBLIC_FACT
    session.add(Assessment(response_id=ctx.response.id, rating=AssessmentRating.MET, rationale=marker("unreleased")))
    session.add(
        Assessment(
            response_id=ctx.response.id,
            rating=AssessmentRating.PARTIALLY_MET,
            rationale=marker("releasedrationale"),
            released=True,
            assessor_id=inspector.id,
        )
    )
    # A newer rating, not released: the public keeps seeing the released one (ratings are enums, so what must
    # not appear is their text; see test_only_ratings_released_for_publication_appear_in_public).
    session.add(Assessment(response_id=ctx.response.id, rating=AssessmentRating.NOT_MET, rationale=marker("newer")))
    sub = response_of(session, "kent", "1.1").id
    session.add(Assessment(response_id=sub, rating=AssessmentRating.MET, rationale=marker("subunreleased")))
    session.add(Comment(response_id=ctx.response.id, author_id=inspector.id, body=marker("comment")))
    session.commit()
    publish_plan(session, get_by_slug(session, "kent"), kent)

    # Taken back after publishing: gone from the public site at once.
    ctx = edit(session, kent, "kent", "1")
    services.edit_update(
        session,
        retracted_update,
        ctx,
        kent,
        {"text": retracted_update.text, "visibility": "internal", "version": str(retracted_update.version)},
    )
    update_evidence(
        session,
        retracted_note,
        ctx,
        kent,
        {"title": retracted_note.title, "visibility": "inspectorate", "version": str(retracted_note.version)},
    )
    withdraw_evidence(session, withdrawn_file, ctx, kent, upload_dir=settings.upload_dir)

    # Changes after publishing stay drafts until Kent publishes again.
    ctx = edit(session, kent, "kent", "1")
    response = ctx.response
    response.summary, response.lead_role = marker("draftsummary"), marker("draftlead")
    stored_action = session.exec(select(Action).where(Action.response_id == response.id)).first()
    stored_action.description, stored_action.owner_role = marker("draftaction"), marker("draftowner")
    published_evidence = session.get(Evidence, public_file.id)
    published_evidence.title, published_evidence.description = marker("draftevtitle"), marker("draftevdesc")
    session.commit()
    services.add_action(session, ctx, kent, {"description": marker("newaction")})
    services.add_update(session, ctx, kent, {"text": marker("draftpublicupdate"), "visibility": "public"})
    note(session, settings, ctx, kent, "public", "draftpublicnote")
    secret_file(session, settings, ctx, kent, "public", "draftpublicfile")
    blocked = edit(session, kent, "kent", "1.2")
    services.update_response(
        session, blocked, kent, {"status": "blocked", "version": "1", "blocked_reason": marker("draftblocked")}
    )
    drafts = session.exec(select(Action).where(Action.response_id == response.id)).all()
    drafts += session.exec(select(ProgressUpdate).where(ProgressUpdate.response_id == response.id)).all()
    drafts += session.exec(select(Evidence).where(Evidence.response_id == response.id)).all()
    in_welsh(session, [response, blocked.response, *drafts], "cydraft")  # every Welsh text of Kent 1, unpublished

    # Gwent never published: everything it wrote, public or not, stays private.
    gctx = edit(session, gwent, "gwent", "1")
    services.update_response(session, gctx, gwent, {"status": "in_progress", "version": "1", "summary": marker("gs")})
    services.add_action(session, gctx, gwent, {"description": marker("gwentaction")})
    services.add_update(session, gctx, gwent, {"text": marker("gwentupdate"), "visibility": "public"})
    gwent_items = [
        secret_file(session, settings, gctx, gwent, "public", "gwentfile"),
        link(session, settings, gctx, gwent, "public", "gwentlink"),
        *session.exec(select(Action).where(Action.response_id == gctx.response.id)).all(),
        *session.exec(select(ProgressUpdate).where(ProgressUpdate.response_id == gctx.response.id)).all(),
    ]
    in_welsh(session, [gctx.response, *gwent_items], "cygwent")

    # Practice that is not approved, and what reviewers wrote about approved practice.
    rec_id = response_of(session, "kent", "1").recommendation_id
    for status in (PracticeStatus.DRAFT, PracticeStatus.SUBMITTED, PracticeStatus.RETURNED):
        practice = Practice(
            **{welsh_of(f): marker(f"cypractice{status.value}{f}") for f in bilingual_fields(Practice)},
            slug=f"practice-{status.value}",
            title=marker(f"practice{status.value}title"),
            summary=marker(f"practice{status.value}summary"),
            status=status,
            review_comment=marker(f"practice{status.value}review"),
            submitted_by_id=kent.id,
            organisation_id=kent.organisation_id,
        )
        session.add(practice)
        session.flush()
        session.add(PracticeRecommendation(practice_id=practice.id, recommendation_id=rec_id))
    approved = Practice(
        slug="approved-practice",
        title="An approved practice",
        status=PracticeStatus.APPROVED,
        review_comment=marker("approvedreview"),
        submitted_by_id=kent.id,
        organisation_id=kent.organisation_id,
        reviewed_by_id=coordinator.id,
    )
    session.add(approved)
    session.flush()
    session.add(PracticeRecommendation(practice_id=approved.id, recommendation_id=rec_id))
    session.commit()

    # Written reports (issue 18): one published, featuring every example on offer (Kent's public update, never an
    # update marked public but not yet published, nor one taken back); one whose drafts, returned version and
    # reviewer's comments are never public.
    today = utc_now().date()
    published = frozen(session, "Published period", today)
    write_report(session, published, coordinator, admin, PUBLISHED_REPORT, publish=True, settings=settings)
    unpublished = frozen(session, marker("draftperiodname"), today + dt.timedelta(days=1))
    write_report(session, unpublished, coordinator, admin, marker("reportdraft"), comment=marker("reportcomment"))
    rec_set, writer, given, checks = draft_text(session, unpublished, coordinator, marker("reportamended"))
    reports.save_draft(session, unpublished, rec_set, writer, given, **checks)

    open_period(session, name=marker("periodname"), cut_off=dt.date(2026, 12, 31), actor=Actor("coordinator"))
    session.commit()
    return {"public_file": public_file, "response_id": ctx.response.id, "report_period": published.id}


def frozen(session, name, cut_off):
    period = open_period(session, name=name, cut_off=cut_off, actor=Actor("coordinator"))
    freeze_period(session, period, Actor("coordinator"))
    session.commit()
    return period


def draft_text(session, period, writer, text):
    """The arguments of ``save_draft`` after ``period``'s rec set: the writer and ``text`` in every section."""
    rec_set = reports.report_set(session, period)
    data = frozen_report(session, period, rec_set, 90)
    draft = reports.draft_for(session, period, rec_set)
    given = reports.DraftText(
        str(draft.version if draft else 0),
        {"summary": text, "foreword": text, "next_steps": text},
        {r.id: text for r in data.recommendations},
    )
    return rec_set, writer, given, {"figures": report_figures(data), "recommendations": data.recommendations}


def write_report(session, period, writer, reviewer, text, *, comment=None, publish=False, settings=None):
    rec_set, _, given, checks = draft_text(session, period, writer, text)
    draft = reports.save_draft(session, period, rec_set, writer, given, **checks)
    offered = candidates(session, period, checks["recommendations"])
    for choice in [c.choice for found in offered.values() for c in found]:
        reports.add_example(
            session,
            draft,
            writer,
            version=draft.version,
            choice=choice,
            lead_in=text,
            offered=offered,
            figures=checks["figures"],
        )
    reports.submit(session, draft, writer, version=draft.version)
    if comment:
        reports.return_for_changes(session, draft, reviewer, version=draft.version, comment=comment)
    if publish:
        reports.approve(session, draft, reviewer, version=draft.version)
        published = f"/reports/{rec_set.slug}/{period.id}"
        links = Links("/", "/reports", f"{published}/pdf", "/open-data", figures=f"{published}/figures.csv")
        publisher = Publisher(session, period, rec_set, links, 90)
        reports.publish(
            session, draft, reviewer, version=draft.version, render=publisher.render, set_slug=rec_set.slug, title="t"
        )


def test_no_public_page_feed_or_download_contains_anything_not_public(client, planted, settings):
    pages = crawl(client, settings.public_url)
    reached = {path for path, fetched in pages.items() if fetched.status == 200}
    # The crawl reaches every kind of public resource ...
    for expected in (
        "/",
        "/recommendations",
        "/recommendations/test-report/1",
        "/recommendations/test-report/1.1",
        "/organisations",
        "/organisations/kent",
        "/organisations/gwent",
        "/open-data",
        "/open-data/responses.csv",
        "/open-data/evidence.json",
        "/open-data/publications.atom",
        f"/organisations/kent/evidence/{planted['public_file'].id}",
        "/reports",
        f"/reports/test-report/{planted['report_period']}",
        f"/reports/test-report/{planted['report_period']}/figures.csv",
    ):
        assert expected in reached, expected
    everything = "\n".join(fetched.text for fetched in pages.values())
    # ... and sees what was published, so it cannot pass by seeing nothing (the Welsh too, on the Welsh pages) ...
    for fact in [*PUBLIC_FACTS, PUBLISHED_REPORT]:
        assert fact in everything, fact
    assert WELSH_PUBLIC_FACT in pages["/organisations/kent?lang=cy"].text
    assert any(m.startswith("zqxcy") for m in MARKERS)
    assert 'data-testid="example"' in pages[f"/reports/test-report/{planted['report_period']}"].text
    # ... but nothing else.
    assert len(MARKERS) > 40
    leaks = {m: [p for p, f in pages.items() if m in f.text] for m in MARKERS}
    assert {m: where for m, where in leaks.items() if where} == {}
    assert not [path for path, fetched in pages.items() if fetched.status >= 500]


def test_the_crawler_would_notice_a_leak(client, session, planted, settings):
    """The test above can fail: publish again, and the drafts (now public) are found by the crawl."""
    editor = session.exec(select(User).where(User.organisation_id == get_by_slug(session, "kent").id)).first()
    publish_plan(session, get_by_slug(session, "kent"), editor)
    pages = crawl(client, settings.public_url)
    everything = "\n".join(fetched.text for fetched in pages.values())
    draft = next(m for m in MARKERS if "draftsummary" in m)
    assert draft in everything
    welsh_draft = next(m for m in MARKERS if m.startswith("zqxcydraft0summary"))  # Kent 1's summary in Welsh
    assert welsh_draft in pages["/organisations/kent?lang=cy"].text and welsh_draft in everything


RELEASED = "Partially met, assessed by the inspectorate on"


def ratings_in_public(pages) -> list[str]:
    """The text of every inspectorate rating shown on the public pages crawled, in English; a page in Welsh
    (``lang=cy``) must show as many ratings as the same page in English."""
    import re

    def ratings(fetched) -> list[str]:
        text = fetched if isinstance(fetched, str) else fetched.text
        blocks = re.findall(r'data-testid="inspectorate-rating">(.*?)</(?:div|td)>', text, re.S)
        return [" ".join(re.sub(r"<[^>]+>", " ", block).split()) for block in blocks]

    shown = []
    for url, fetched in pages.items():
        if "lang=cy" not in url:
            shown.extend(ratings(fetched))
            continue
        english = re.sub(r"[?&]lang=cy$", "", url).replace("?lang=cy&", "?").replace("&lang=cy", "")
        if english in pages:
            assert len(ratings(fetched)) == len(ratings(pages[english])), url
    return shown


def test_only_ratings_released_for_publication_appear_in_public(
    client, session, planted, settings, make_user, app_client_factory
):
    hmicfrs = Organisation(slug="hmicfrs", name="HM Inspectorate of Constabulary", kind=OrganisationKind.INSPECTORATE)
    session.add(hmicfrs)
    session.commit()
    inspector = make_user(Role.INSPECTOR, "hmicfrs", email="released-inspector@example.org")
    pages = crawl(client, settings.public_url)
    shown = ratings_in_public(pages)
    # Kent 1's released rating, on Kent's page and on the recommendation's page; never the older or newer
    # unreleased ones, nor Kent 1.1's unreleased rating, nor any rationale.
    assert [text for text in shown if RELEASED in text] and all(
        RELEASED in text or text == "None published" for text in shown
    ), shown
    kent = pages["/organisations/kent"].text
    assert "Independent assessment by the inspectorate" in kent and "not the organisation's claim" in kent
    assert not any(("Not met" in text or text.startswith("Met")) for text in shown)

    # An inspector of a named inspectorate releases a rating of Kent 1.1 through the form: the public pages
    # show it at once (the stored renderings of the crawl above are replaced), saying who and when.
    reader = app_client_factory()
    sign_in(reader, inspector.email)
    answer = reader.post(
        f"/plan/responses/{response_of(session, 'kent', '1.1').id}/assessments",
        data={"rating": "met", "rationale": marker("releasedviaform"), "released": "yes"},
        headers=csrf_headers(reader),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    today = uk_date(utc_now())
    for path in ("/organisations/kent", "/recommendations/test-report/1.1"):
        text = client.get(path).text
        expected = f"Met, assessed by HM Inspectorate of Constabulary on {today}"
        assert any(shown.startswith(expected) or f" {expected}" in shown for shown in ratings_in_public({path: text}))
        assert "releasedviaform" not in text and "released-inspector" not in text


# --- every role -------------------------------------------------------------------------------------------------

KENT = {"admin", "kent editor", "kent viewer"}
PLAN_READERS = KENT | {"coordinator", "inspector"}
# Who may see each kind of Kent item (README, "Roles"); the public and Gwent's editor see none of them here.
WHO_SEES = {"internal": KENT, "inspectorate": PLAN_READERS, "unpublished public": PLAN_READERS, "nobody": set()}
ROLE_ACCOUNTS = {  # role: the name its account was planted under (None: not signed in)
    "public": None,
    "admin": "admin",
    "coordinator": "coordinator",
    "inspector": "inspector",
    "kent editor": "kenteditor",
    "kent viewer": "kentviewer",
    "gwent editor": "gwenteditor",
}


def kind_of(value: str) -> str | None:
    """Which kind of Kent item a marker was planted in (None: a marker these tests do not sort by role)."""
    name = value.removeprefix("zqx").removesuffix("qxz")
    if name.startswith("internal") or name in ("retractedupdate", "inspectorateupdate"):
        return "internal"  # (an update is public or internal: one asked to be inspectorate-only is kept in-house)
    if name.startswith(("inspectorate", "retractednote")):
        return "inspectorate"
    if name.startswith(("draftpublicupdate", "draftpublicnote", "draftpublicfile")):
        return "unpublished public"
    if name in ("withdrawnfiletitle", "withdrawnfilefilename"):
        return "unpublished public"  # withdrawn: its history stays for Kent's readers, the public site drops it
    if name == "withdrawnfilecontent":
        return "nobody"  # the file itself is deleted
    return None


def start_paths(session, response_id: int) -> tuple[str, ...]:
    """Where a crawl starts besides the home page: the workspace, each item's own pages and the JSON API (which
    no page links to), so a role that is not shown a link still tries the address."""
    update_ids = session.exec(select(ProgressUpdate.id).where(ProgressUpdate.response_id == response_id)).all()
    evidence_ids = session.exec(select(Evidence.id).where(Evidence.response_id == response_id)).all()
    return (
        "/",
        "/plan",
        "/plan/kent",
        f"/plan/responses/{response_id}",
        f"/plan/responses/{response_id}/history",
        "/oversight",
        "/oversight/organisations/kent",
        "/plan/kent/export.csv",
        "/plan/kent/export.xlsx",
        *(f"/plan/updates/{i}/edit" for i in update_ids),
        *(f"/evidence/{i}/{page}" for i in evidence_ids for page in ("edit", "download")),
        "/api/organisations/kent/responses",
        f"/api/responses/{response_id}",
        f"/api/responses/{response_id}/actions",
        f"/api/responses/{response_id}/updates",
        f"/api/responses/{response_id}/evidence",
    )


@dataclass
class RoleSite:
    """The planted data, committed once in a database of the module's own, for the role crawls (which only read and
    sign in: planting takes longer than a crawl)."""

    engine: sa.Engine
    settings: Settings
    markers: list[str]
    response_id: int
    start: tuple[str, ...]


@pytest.fixture(scope="module")
def role_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoleSite]:
    tmp = tmp_path_factory.mktemp("markers")
    with new_database("markers", tmp) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        settings = Settings(database_url=url, secret_key=TEST_SECRET, upload_dir=tmp / "uploads")
        with TrackerSession(engine, expire_on_commit=False) as session:
            load_small_reference(session, tmp)
            session.commit()
            found = plant(session, settings)
            site = RoleSite(engine, settings, list(MARKERS), found["response_id"], ())
            site.start = start_paths(session, site.response_id)
        yield site
        engine.dispose()


@pytest.mark.reaches_database
@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_every_role_sees_exactly_the_items_it_may(role_site, role):
    with checked_client(app_for(role_site.settings, role_site.engine, [])) as client:
        if ROLE_ACCOUNTS[role] is not None:
            email = next(m for m in role_site.markers if m == f"zqx{ROLE_ACCOUNTS[role]}emailqxz") + "@example.org"
            assert sign_in(client, email).status_code == 303
        pages = crawl(client, role_site.settings.public_url, start=role_site.start)
    assert not [path for path, fetched in pages.items() if fetched.status >= 500]
    everything = "\n".join(fetched.text for fetched in pages.values())
    sorted_markers = {m: kind_of(m) for m in role_site.markers if kind_of(m) is not None}
    assert set(sorted_markers.values()) == set(WHO_SEES), "a marker of every kind was planted"
    expected = {m for m, kind in sorted_markers.items() if role in WHO_SEES[kind]}
    found = {m for m in sorted_markers if m in everything}
    assert {"missing": sorted(expected - found), "leaked": sorted(found - expected)} == {"missing": [], "leaked": []}
    if role in PLAN_READERS:  # the crawl reached the pages that show items, so "missing nothing" means something
        history = pages[f"/plan/responses/{role_site.response_id}/history"]
        assert history.status == 200 and "Progress update added" in history.text
