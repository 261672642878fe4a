"""The last refusals organisations read, in Welsh on a Welsh page (issue 20): a spreadsheet import that cannot be read
(an empty file, an old .xls, too many columns or rows, a bomb), an evidence file beyond a limit, and the written
report editor's refusals. Each is one catalogue sentence with its values, so the Welsh page has no English left in
the message, and the English page says what it always said.

The small reference data: Kent (a force, English only) must answer recommendation 1.
"""

# ruff: noqa: RUF001 (the Welsh catalogue writes its apostrophes as right single quotation marks)
from __future__ import annotations

import html
import re

import pytest

from tests.support import bombs
from tests.support.accounts import sign_in
from tests.support.bombs import bomb_docx_bytes
from tests.support.plans import post_file, response_of
from tests.support.web import csrf_headers
from tests.support.written_reports import as_, post, url
from tracker.filelimits import MAX_COLUMNS, MAX_ROWS
from tracker.reports.narrative.services import MAX_LEAD_IN

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def too_wide() -> bytes:
    header = ",".join(["Rec No.", "Action", *(f"Note {i}" for i in range(MAX_COLUMNS))])
    return f"{header}\n1.1,Train staff\n".encode()


def too_long() -> bytes:
    return b"Rec No.,Action\n" + b"1.1,Train staff\n" * (MAX_ROWS + 20)


def bomb(tmp_path) -> bytes:
    """An .xlsx of 20 KB whose sheet unpacks to 21 MB, past the 20 MB a part may hold."""
    return bombs.inline_cell_bomb(tmp_path / "bomb.xlsx", size=21 * bombs.MB).read_bytes()


# (the case, the file's name, its content, what a Welsh page says, what an English page says)
SPREADSHEETS = [
    ("empty", "plan.csv", lambda _: b"", "Mae’r ffeil yn wag", "The file is empty"),
    (
        "old Excel",
        "plan.xls",
        lambda _: OLE2,
        "Nid oes modd darllen hen ffeiliau Excel (.xls): cadwch hi fel .xlsx neu CSV a lanlwythwch honno",
        "Old Excel files (.xls) cannot be read: save it as .xlsx or CSV and upload that",
    ),
    (
        "too many columns",
        "plan.csv",
        lambda _: too_wide(),
        "Mae gormod o golofnau yn y ffeil: y terfyn yw 100",
        "The file has too many columns: the limit is 100",
    ),
    (
        "too many rows",
        "plan.csv",
        lambda _: too_long(),
        "Mae gormod o resi yn y ffeil: y terfyn yw 5,000",
        "The file has too many rows: the limit is 5,000",
    ),
    (
        "a bomb",
        "plan.xlsx",
        bomb,
        "Mae’r ffeil yn rhy fawr i’w darllen: maint rhan heb ei chywasgu (xl/worksheets/sheet1.xml) yw 21.0 MB; "
        "y terfyn yw 20.0 MB",
        "The file is too large to read: the uncompressed size of a part (xl/worksheets/sheet1.xml) is 21.0 MB; "
        "the limit is 20.0 MB",
    ),
]


def refused_import(client, filename: str, content: bytes, lang: str) -> str:
    answer = client.post(
        f"/plan/kent/import?lang={lang}",
        files={"file": (filename, content, "application/octet-stream")},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert f'<html lang="{lang}' in answer.text
    return html.unescape(answer.text)


def field_error(page: str, field: str) -> str:
    """The message beside a field, without its visually hidden "Error:" prefix."""
    found = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return re.sub(r"<span[^>]*>.*?</span>", "", found[1], flags=re.S).strip()


@pytest.mark.parametrize(
    ("case", "filename", "content", "welsh", "english"), SPREADSHEETS, ids=[c[0] for c in SPREADSHEETS]
)
def test_a_spreadsheet_that_cannot_be_read_is_refused_in_welsh_on_a_welsh_page(
    client, editor, tmp_path, case, filename, content, welsh, english
):
    sign_in(client, editor.email)
    data = content(tmp_path)
    page = refused_import(client, filename, data, "cy")
    assert field_error(page, "file") == welsh
    assert english not in page
    assert field_error(refused_import(client, filename, data, "en"), "file") == english


def test_an_evidence_file_beyond_a_limit_is_refused_in_welsh_on_a_welsh_page(client, session, editor):
    sign_in(client, editor.email)
    response_id = response_of(session).id
    answer = client.post(
        f"/responses/{response_id}/evidence?lang=cy",
        data={"kind": "file", "visibility": "internal"},
        files={"file": ("report.docx", bomb_docx_bytes(), "application/octet-stream")},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert field_error(page, "evidence-file") == (
        "Mae’r ffeil a ddewiswyd yn rhy fawr ar ôl ei dadbacio: maint rhan heb ei chywasgu (word/document.xml) yw "
        "25.0 MB; y terfyn yw 20.0 MB"
    )
    assert "too large" not in page and "the limit is" not in page
    english = html.unescape(post_file(client, response_id, "report.docx", bomb_docx_bytes()).text)
    assert field_error(english, "evidence-file") == (
        "The selected file is too large once unpacked: the uncompressed size of a part (word/document.xml) is "
        "25.0 MB; the limit is 20.0 MB"
    )


def test_an_evidence_file_whose_content_does_not_match_its_name_is_refused_in_welsh(client, session, editor):
    sign_in(client, editor.email)
    answer = client.post(
        f"/responses/{response_of(session).id}/evidence?lang=cy",
        data={"kind": "file", "visibility": "internal"},
        files={"file": ("notes.txt", b"abc\x00def", "application/octet-stream")},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert answer.status_code == 422
    message = field_error(html.unescape(answer.text), "evidence-file")
    assert message == "Nid yw cynnwys y ffeil a ddewiswyd yn cyfateb i’w henw (ffeil testun)"


def test_a_too_long_lead_in_is_refused_in_welsh_on_a_welsh_page(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    example = re.search(r'value="(\d+:update:\d+)"', client.get(url(period)).text).group(1)
    lead_in = "x" * (MAX_LEAD_IN + 1)
    answer = post(client, url(period, "/examples?lang=cy"), version="1", example=example, lead_in=lead_in)
    assert answer.status_code == 422 and '<html lang="cy' in answer.text
    page = html.unescape(answer.text)
    assert field_error(page, "lead_in") == f"Rhaid i’r cyflwyniad fod yn {MAX_LEAD_IN:,} nod neu lai"
    assert "characters or fewer" not in page
    english = post(client, url(period, "/examples"), version="1", example=example, lead_in=lead_in)
    assert (
        field_error(html.unescape(english.text), "lead_in") == f"The lead-in must be {MAX_LEAD_IN} characters or fewer"
    )
