"""Taking an item back from the public leaves the public site at once, not at the next publication.

Kent publishes a public update, a public note and a public file; then makes the update internal, the note
inspectorate-only and withdraws the file. Straight away, without publishing again: the public pages (also when
asked conditionally, and with their stored renderings), the open-data files and the feed hold none of them,
the file's address answers 410 Gone, no publication is added, and Kent's workspace banner truthfully says the
public sees the plan as it is now.
"""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from tests.support.accounts import sign_in
from tests.support.plans import add_file, edit
from tracker.evidence.services import add_evidence, update_evidence, withdraw_evidence
from tracker.plans import services
from tracker.plans.models import PlanPublication
from tracker.plans.publication import publish_plan
from tracker.vocabulary import Role

PUBLIC_PATHS = (
    "/organisations/kent",
    "/recommendations/test-report/1",
    "/open-data/updates.csv",
    "/open-data/updates.json",
    "/open-data/evidence.csv",
    "/open-data/evidence.json",
    "/open-data/publications.atom",
)
UPDATE, NOTE, FILE = "Update to take back", "Note to take back", "File to take back"


def public_text(client, etags=None) -> str:
    """Everything the public paths answer now (conditionally, with ``etags`` from an earlier visit)."""
    answers = []
    for path in PUBLIC_PATHS:
        headers = {"if-none-match": etags[path]} if etags else {}
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)  # never 304: the data has changed
        answers.append(response.text)
    return "\n".join(answers)


@pytest.fixture
def kent(session, small_reference, make_user):
    """Kent's editor; Kent's plan for recommendation 1 has one public update."""
    editor = make_user(Role.EDITOR, "kent", email="kent-editor@example.org")
    ctx = edit(session, editor, "kent", "1")
    services.add_update(session, ctx, editor, {"text": "Kent public update", "visibility": "public"})
    return editor


def test_an_item_taken_back_leaves_the_public_site_at_once(client, app_client_factory, session, kent, settings):
    ctx = edit(session, kent, "kent", "1")
    update = services.add_update(session, ctx, kent, {"text": UPDATE, "visibility": "public"})
    note = add_evidence(
        session,
        ctx,
        kent,
        {"kind": "note", "title": NOTE, "note": f"{NOTE} (text)", "visibility": "public"},
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    file = add_file(session, ctx, kent, settings, title=FILE, content=b"taken back\n", name="taken-back.txt")
    publish_plan(session, ctx.organisation, kent)
    before = public_text(client)
    assert UPDATE in before and NOTE in before and FILE in before
    etags = {path: client.get(path).headers["etag"] for path in PUBLIC_PATHS}
    assert client.get(f"/organisations/kent/evidence/{file.id}").status_code == 200
    publications = session.exec(select(func.count()).select_from(PlanPublication)).one()

    ctx = edit(session, kent, "kent", "1")
    services.edit_update(
        session, update, ctx, kent, {"text": UPDATE, "visibility": "internal", "version": str(update.version)}
    )
    update_evidence(session, note, ctx, kent, {"title": NOTE, "visibility": "inspectorate", "version": "1"})
    withdraw_evidence(session, file, ctx, kent, upload_dir=settings.upload_dir)

    for answers in (public_text(client), public_text(client, etags)):
        assert UPDATE not in answers and NOTE not in answers and FILE not in answers
        assert "Kent public update" in answers, "what is still public stays"
    gone = client.get(f"/organisations/kent/evidence/{file.id}")
    assert gone.status_code == 410 and "has been withdrawn" in gone.text
    assert session.exec(select(func.count()).select_from(PlanPublication)).one() == publications

    editor = app_client_factory()
    sign_in(editor, kent.email)
    banner = editor.get("/plan/kent").text
    assert "The public sees the plan as it is now." in banner
    assert "changes since then that the public cannot see" not in banner


def test_a_withdrawn_file_leaves_the_open_data_and_every_cache_at_once(client, session, kent, settings):
    """A file published by mistake is withdrawn most urgently: the open data drops it at once, and neither it nor
    the open data may be served from a cache without asking the app (which answers 410 for the file)."""
    ctx = edit(session, kent, "kent", "1")
    file = add_file(session, ctx, kent, settings, title=FILE, content=b"by mistake\n", name="mistake.txt")
    publish_plan(session, ctx.organisation, kent)
    url = f"/organisations/kent/evidence/{file.id}"
    files = ("/open-data/evidence.csv", "/open-data/evidence.json")
    etags = {path: client.get(path).headers["etag"] for path in (*files, url)}
    for path in (*files, url):
        assert client.get(path).headers["cache-control"] == "public, no-cache", path
        assert FILE in client.get(path).text or path == url

    withdraw_evidence(session, file, edit(session, kent, "kent", "1"), kent, upload_dir=settings.upload_dir)
    for path in files:
        answer = client.get(path, headers={"if-none-match": etags[path]})
        assert answer.status_code == 200 and FILE not in answer.text, path
    assert client.get(url, headers={"if-none-match": etags[url]}).status_code == 410


def test_edits_that_take_nothing_back_still_wait_for_a_publication(client, session, kent):
    """Only taking back is immediate: a corrected public update shows its published wording until Kent
    publishes again."""
    ctx = edit(session, kent, "kent", "1")
    update = services.add_update(session, ctx, kent, {"text": "Wording as published", "visibility": "public"})
    publish_plan(session, ctx.organisation, kent)
    services.edit_update(
        session,
        update,
        ctx,
        kent,
        {"text": "Wording corrected", "visibility": "public", "version": str(update.version)},
    )
    page = client.get("/organisations/kent").text
    assert "Wording as published" in page and "Wording corrected" not in page
