"""Uploads that try to run in the browser, filling the gaps left by tests/web/test_evidence.py.

tests/web/test_evidence.py already refuses, with a message and nothing stored: oversized files (also over the
request limit), content that does not match its extension, macro-enabled and legacy Office files, archives,
zero-byte files, executables, binary or non-UTF-8 text; and stores path-traversal names under a generated name.
This file adds web content: HTML, SVG and script files are refused by name, and HTML smuggled in a .txt file
is only ever sent back as an inert plain-text attachment.
"""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from tests.support.accounts import sign_in
from tests.support.plans import post_file, response_of
from tracker.evidence.filetypes import ACCEPTED_MESSAGE
from tracker.evidence.models import Evidence

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n'


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", SCRIPT),
        ("page.htm", SCRIPT),
        ("image.svg", SVG),
        ("code.js", b"alert(1)\n"),
        ("page.xhtml", SCRIPT),
        ("policy.pdf.html", SCRIPT),
    ],
)
def test_web_content_is_refused_by_name(client, session, editor, name, content):
    sign_in(client, editor.email)
    answer = post_file(client, response_of(session, "kent", "1.1").id, name, content, title="Evidence")
    assert answer.status_code == 422
    assert ACCEPTED_MESSAGE in answer.text
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 0


def test_html_inside_a_text_file_is_only_ever_an_inert_attachment(client, session, editor):
    sign_in(client, editor.email)
    added = post_file(client, response_of(session, "kent", "1.1").id, "notes.txt", SCRIPT, title="Notes")
    assert added.status_code == 303
    session.rollback()
    evidence = session.exec(select(Evidence)).one()
    download = client.get(f"/evidence/{evidence.id}/download")
    assert download.status_code == 200
    assert download.content == SCRIPT, "stored byte for byte"
    assert download.headers["content-type"].startswith("text/plain")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    policy = download.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    page = client.get(f"/plan/responses/{evidence.response_id}")
    assert "<script>alert(document.cookie)" not in page.text, "the content is never shown inline"
