"""The routes of one update or evidence item answer 404, not 403, to whoever may not see the item.

A 403 says "this exists, but not for you": for another organisation's internal item, that is already a leak.
So someone who may not see an item (``permissions.can_see_item``: an inspector or coordinator, and Kent's
internal items; anyone from another organisation) is told it is not there, on every page and API route of the
item, before being told they may not change it. Someone who may see it but not change it (Kent's viewer; an
inspector and Kent's inspectorate-only note) still gets 403.
"""

from __future__ import annotations

import pytest

from tests.support.accounts import roles, sign_in
from tests.support.plans import add_file, edit
from tests.support.web import csrf_headers
from tracker.evidence.services import add_evidence
from tracker.plans import services
from tracker.vocabulary import Role

MARK = "KENT-INTERNAL-ITEM"
ROLES = roles("coordinator", "inspector", "kent viewer", "gwent editor")
# (method, path): {item: role -> status}; items are Kent's internal update, internal file and inspectorate note.
ROUTES = [
    ("GET", "/plan/updates/{update}/edit"),
    ("POST", "/plan/updates/{update}"),
    ("PATCH", "/api/updates/{update}"),
    ("GET", "/evidence/{file}/edit"),
    ("POST", "/evidence/{file}"),
    ("POST", "/evidence/{file}/withdraw"),
    ("GET", "/evidence/{file}/download"),
    ("PATCH", "/api/evidence/{file}"),
    ("GET", "/evidence/{note}/edit"),
    ("POST", "/evidence/{note}"),
    ("POST", "/evidence/{note}/withdraw"),
    ("PATCH", "/api/evidence/{note}"),
]


def expected(path: str, role: str) -> int:
    if role == "gwent editor":
        return 404  # Kent's records are not there for another organisation at all
    if "{note}" in path:  # inspectorate: national readers may see it
        return 200 if path.endswith("/download") else 403
    if role == "kent viewer":
        return 200 if path.endswith("/download") else 403
    return 404  # internal: national readers may not see it


@pytest.fixture
def items(session, small_reference, make_user, settings):
    kent = make_user(Role.EDITOR, "kent", email="kent-editor@example.org")
    ctx = edit(session, kent, "kent", "1")
    update = services.add_update(session, ctx, kent, {"text": f"{MARK} update", "visibility": "internal"})
    file = add_file(session, ctx, kent, settings, title=f"{MARK} file", content=b"x\n", visibility="internal")
    note = add_evidence(
        session,
        ctx,
        kent,
        {"kind": "note", "title": "Inspectorate note", "note": "For inspectors", "visibility": "inspectorate"},
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    return {"update": update.id, "file": file.id, "note": note.id}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_an_item_the_reader_may_not_see_is_not_there(client, make_user, items, role, method, path):
    sign_in(client, make_user(*ROLES[role]).email)
    url = path.format(**items)
    headers = csrf_headers(client)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    elif method == "PATCH":
        body = {"text": "y", "version": 1} if "/updates/" in url else {"title": "x", "version": 1}
        response = client.patch(url, json=body, headers=headers)
    else:
        form = {"title": "x", "text": "y", "visibility": "public", "version": "1"}
        response = client.post(url, data=form, headers=headers, follow_redirects=False)
    assert response.status_code == expected(path, role), response.text[-500:]
    if response.status_code == 404:
        assert MARK not in response.text
