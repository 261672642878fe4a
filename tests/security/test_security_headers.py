"""Security headers on every kind of response the app sends, not only on pages.

Each response must carry a Content-Security-Policy that forbids framing (``frame-ancestors 'none'``) and never
allows inline script, ``X-Content-Type-Options: nosniff``, a Referrer-Policy and ``X-Frame-Options: DENY``.
Responses that set their own narrower policy (an SVG chart, a file download) must still forbid framing.
"""

from __future__ import annotations

import pytest

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.evidence.services import add_file
from tracker.permissions import Permission
from tracker.plans.services import load_response
from tracker.vocabulary import Role


def assert_secure_headers(response, what: str) -> None:
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, f"{what}: CSP {csp!r} allows framing"
    script = [d for d in csp.split(";") if d.strip().startswith(("script-src", "default-src"))]
    assert all("unsafe-inline" not in d for d in script), f"{what}: inline script allowed"
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", what
    assert headers.get("x-frame-options") == "DENY", what


@pytest.fixture
def signed_in(client, session, small_reference, make_user, settings):
    """A Kent editor signed in, with one evidence file; returns the ids the requests need."""
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    rid = response_of(session, "kent", "1").id
    ctx = load_response(session, editor, rid, Permission.EDIT_PLAN)
    evidence = add_file(
        session,
        ctx,
        editor,
        filename="note.txt",
        content=b"plain text evidence\n",
        visibility="internal",
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    return {"rid": rid, "eid": evidence.id}


def test_every_kind_of_response_carries_the_security_headers(client, signed_in, make_user):
    rid, eid = signed_in["rid"], signed_in["eid"]
    kinds = {
        "HTML page": client.get(f"/plan/responses/{rid}"),
        "htmx partial (422 swap)": client.post(
            f"/responses/{rid}/evidence",
            data={"kind": "note", "visibility": "internal"},
            headers={**csrf_headers(client), "HX-Request": "true"},
        ),
        "form error page (422)": client.post(
            f"/responses/{rid}/evidence", data={"kind": "note"}, headers=csrf_headers(client)
        ),
        "redirect after a change (303)": client.post(
            f"/responses/{rid}/evidence",
            data={"kind": "note", "title": "A note", "note": "Text", "visibility": "internal"},
            headers=csrf_headers(client),
            follow_redirects=False,
        ),
        "JSON API": client.get(f"/api/responses/{rid}", headers=csrf_headers(client)),
        "problem+json error": client.get("/api/responses/999999", headers=csrf_headers(client)),
        "API method not allowed (405)": client.put(f"/api/responses/{rid}", headers=csrf_headers(client)),
        "HTML 404": client.get("/no-such-page"),
        "HTML 403": client.get("/admin/users"),
        "CSRF refusal (403)": client.post(f"/responses/{rid}/evidence", data={"kind": "note"}),
        "file download": client.get(f"/evidence/{eid}/download"),
        "CSV export": client.get("/plan/kent/export.csv"),
        "XLSX export": client.get("/plan/kent/export.xlsx"),
        "static file": client.get("/static/htmx/htmx.min.js"),
        "health (JSON)": client.get("/health"),
        "OpenAPI schema": client.get("/schema/openapi.json"),
    }
    static = kinds["static file"]
    validators = {k: v for k, v in (("if-none-match", static.headers.get("etag")),) if v}
    validators["if-modified-since"] = static.headers.get("last-modified", "")
    kinds["static file revalidated"] = client.get("/static/htmx/htmx.min.js", headers=validators)
    client.cookies.clear()
    kinds["sign-in redirect for the public (303)"] = client.get(f"/plan/responses/{rid}", follow_redirects=False)
    kinds["htmx sign-in redirect (401)"] = client.get(f"/plan/responses/{rid}", headers={"HX-Request": "true"})
    kinds["API without credentials (401)"] = client.get(f"/api/responses/{rid}")
    sign_in(client, make_user(Role.COORDINATOR).email)
    kinds["SVG chart"] = client.get("/oversight/charts/status.svg")
    kinds["PDF report"] = client.get("/oversight/report/pdf")

    expected_status = {
        "htmx partial (422 swap)": 422,
        "form error page (422)": 422,
        "redirect after a change (303)": 303,
        "problem+json error": 404,
        "API method not allowed (405)": 405,
        "HTML 404": 404,
        "HTML 403": 403,
        "CSRF refusal (403)": 403,
        "sign-in redirect for the public (303)": 303,
        "htmx sign-in redirect (401)": 401,
        "API without credentials (401)": 401,
    }
    assert kinds["static file revalidated"].status_code in (200, 304)
    for what, response in kinds.items():
        assert response.status_code == expected_status.get(what, response.status_code), what
        if what not in expected_status and what != "static file revalidated":
            assert response.status_code == 200, (what, response.status_code)
        assert_secure_headers(response, what)
    assert kinds["problem+json error"].headers["content-type"].startswith("application/problem+json")
    assert (
        kinds["htmx partial (422 swap)"].text.lstrip().startswith("<")
        and "<html" not in kinds["htmx partial (422 swap)"].text
    )
