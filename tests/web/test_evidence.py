"""Evidence behind a response: files (type from content and name), links and notes; who may download what;
what is left behind when saving fails; and the sweep of orphaned files."""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.bombs import WORD_TYPES, bomb_docx_bytes
from tests.support.plans import evidence_rows, pdf_bytes, post_file, response_of
from tests.support.web import TEST_SECRET, csrf_headers
from tracker.audit.models import AuditEvent
from tracker.audit.services import history
from tracker.db import StaleRecord
from tracker.evidence import filetypes
from tracker.evidence.controllers import sweep_uploads_on_startup
from tracker.evidence.models import Evidence
from tracker.evidence.services import (
    SAVE_MESSAGE,
    EvidenceSaveError,
    add_file,
    add_link,
    add_note,
    display_name,
    evidence_file_path,
    sweep_orphan_files,
    update_evidence,
    visible_evidence,
    withdraw_evidence,
)
from tracker.inputs import BIDI_MESSAGE
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans.services import PlanError, load_response
from tracker.settings import STATIC_DIR, Settings
from tracker.vocabulary import EvidenceKind, Role, Visibility

MAX_BYTES = 64 * 1024  # small, so "too large" is quick to test
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg|docx|xlsx|csv|txt)$")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The app's settings for these tests: a small upload limit and a fresh upload folder."""
    return Settings(
        database_url=database_url, secret_key=TEST_SECRET, upload_dir=tmp_path / "uploads", max_upload_bytes=MAX_BYTES
    )


# --- tiny but real files --------------------------------------------------------------------------------------


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"


MACRO_WORD_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
    "</Types>"
)


def docx_bytes(content_types: str = WORD_TYPES, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Stalking policy</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_without(name: str) -> bytes:
    """A Word package with one of its required parts left out (not a real OOXML package)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source, zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            if info.filename != name:
                archive.writestr(info, source.read(info))
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Measure", "Value"])
    workbook.active.append(["Stalking protection orders", 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return buffer.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

ACCEPTED = [
    ("policy.pdf", pdf_bytes, "application/pdf", "pdf"),
    ("chart.png", png_bytes, "image/png", "png"),
    ("photo.jpeg", jpeg_bytes, "image/jpeg", "jpg"),
    ("procedure.docx", docx_bytes, filetypes.DOCX.content_type, "docx"),
    ("figures.xlsx", xlsx_bytes, filetypes.XLSX.content_type, "xlsx"),
    ("figures.csv", lambda: b"area,orders\nKent,12\n", "text/csv; charset=utf-8", "csv"),
    ("minutes.txt", lambda: "Board minutes \u2013 3 March \u2713\n".encode(), "text/plain; charset=utf-8", "txt"),
]

REFUSED = [
    ("wrong type behind a right extension", "report.pdf", png_bytes, "not a real PDF file"),
    ("a PDF called a PNG", "chart.png", pdf_bytes, "not a real PNG image"),
    ("macro-enabled docx", "report.docx", lambda: docx_bytes(MACRO_WORD_TYPES), filetypes.MACRO_MESSAGE),
    (
        "vbaProject.bin hidden in a docx",
        "report.docx",
        lambda: docx_bytes(extra={"word/vbaProject.bin": b"\x00macro"}),
        filetypes.MACRO_MESSAGE,
    ),
    ("a .docm by name", "report.docm", docx_bytes, filetypes.MACRO_MESSAGE),
    ("legacy OLE2 .doc", "old.doc", lambda: OLE2, filetypes.LEGACY_MESSAGE),
    ("legacy .xls", "old.xls", lambda: OLE2, filetypes.LEGACY_MESSAGE),
    ("OLE2 behind .docx (password protected)", "locked.docx", lambda: OLE2, filetypes.PROTECTED_MESSAGE),
    ("any other zip behind .docx", "report.docx", plain_zip_bytes, "not a real Word document"),
    ("a Word document called .xlsx", "figures.xlsx", docx_bytes, "not a real Excel spreadsheet"),
    (
        "a zip bomb dressed as .docx",
        "report.docx",
        bomb_docx_bytes,
        "The selected file is too large once unpacked: the uncompressed size of a part (word/document.xml) is "
        "25.0 MB; the limit is 20.0 MB",
    ),
    ("a .docx without its relationships", "report.docx", lambda: docx_without("_rels/.rels"), "not a real Word"),
    ("a .docx without its main document", "report.docx", lambda: docx_without("word/document.xml"), "not a real"),
    ("a zip archive", "bundle.zip", plain_zip_bytes, filetypes.ARCHIVE_MESSAGE),
    ("zero-byte", "empty.pdf", lambda: b"", filetypes.EMPTY_MESSAGE),
    ("an executable", "setup.exe", lambda: b"MZ\x90\x00", filetypes.ACCEPTED_MESSAGE),
    ("a name with no ending", "README", lambda: b"hello", filetypes.ACCEPTED_MESSAGE),
    ("binary behind .txt", "notes.txt", lambda: b"abc\x00def", "not a real text file"),
    ("a CSV that is not UTF-8", "figures.csv", lambda: "café,1\n".encode("cp1252"), filetypes.NOT_UTF8_MESSAGE),
    ("a PNG called .txt", "notes.txt", png_bytes, "not a real text file"),
    ("UTF-16 text", "notes.txt", lambda: "hello".encode("utf-16"), filetypes.NOT_UTF8_MESSAGE),
    ("oversized", "big.txt", lambda: b"a" * (MAX_BYTES + 1), "The selected file must be smaller than 64 KB"),
]


# --- fixtures and helpers -----------------------------------------------------------------------------------


@pytest.fixture
def ctx(session, editor):
    return load_response(session, editor, response_of(session).id, Permission.EDIT_PLAN)


def upload_files(settings: Settings) -> list[str]:
    folder = settings.upload_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def add_text_file(session, ctx, user, settings, visibility: Visibility, name: str = "notes.txt") -> Evidence:
    return add_file(
        session,
        ctx,
        user,
        filename=name,
        content=f"evidence marked {visibility.value}\n".encode(),
        title=f"{visibility.value} file",
        visibility=visibility,
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )


# --- accepted files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "content_type", "extension"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_each_accepted_type_is_stored_under_a_generated_name_with_its_hash(
    client, session, editor, settings, name, make, content_type, extension
):
    import hashlib

    content = make()
    response_id = response_of(session).id
    sign_in(client, editor.email)
    answer = post_file(client, response_id, name, content, title="", description="What it shows")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/plan/responses/{response_id}#evidence"
    [item] = evidence_rows(session)
    assert item.kind is EvidenceKind.FILE and item.response_id == response_id
    assert item.original_name == name and item.title == name, "the title defaults to the file's name"
    assert item.content_type == content_type
    assert item.size_bytes == len(content)
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.added_by_id == editor.id and item.visibility is Visibility.INTERNAL
    assert STORED_NAME.match(item.stored_name) and item.stored_name.endswith("." + extension)
    path = evidence_file_path(settings, item)
    assert path.read_bytes() == content
    assert path.parent == settings.upload_dir
    assert not path.resolve().is_relative_to(STATIC_DIR.resolve())
    assert upload_files(settings) == [item.stored_name], "no temporary file is left"


def test_a_file_exactly_at_the_limit_is_accepted(session, ctx, editor, settings):
    item = add_file(
        session,
        ctx,
        editor,
        filename="limit.txt",
        content=io.BytesIO(b"a" * MAX_BYTES),
        visibility="internal",
        upload_dir=settings.upload_dir,
        max_bytes=MAX_BYTES,
    )
    assert item.size_bytes == MAX_BYTES


# --- refused files -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "name", "make", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_files_say_why_and_leave_no_record_and_no_file(
    client, session, editor, settings, case, name, make, message
):
    sign_in(client, editor.email)
    answer = post_file(client, response_of(session).id, name, make(), title="Something")
    assert answer.status_code == 422
    assert message in answer.text
    assert 'href="#evidence-file"' in answer.text, "the error summary links to the file field"
    assert "<title>Error:" in answer.text
    assert evidence_rows(session) == []
    assert upload_files(settings) == []


def test_refusals_from_the_service_name_the_field(session, ctx, editor, settings):
    with pytest.raises(PlanError) as excinfo:
        add_file(
            session,
            ctx,
            editor,
            filename="report.pdf",
            content=png_bytes(),
            visibility="sideways",
            upload_dir=settings.upload_dir,
            max_bytes=MAX_BYTES,
        )
    assert "not a real PDF file" in excinfo.value.errors["file"]
    assert excinfo.value.errors["visibility"] == "Select who can see this evidence from the list"
    assert upload_files(settings) == []


def test_reading_stops_once_the_file_is_over_the_limit(session, ctx, editor, settings):
    class Endless(io.RawIOBase):
        reads = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.reads += 1
            return b"a" * (size if size and size > 0 else 1024)

    stream = Endless()
    with pytest.raises(PlanError) as excinfo:
        add_file(
            session,
            ctx,
            editor,
            filename="endless.txt",
            content=stream,
            visibility="internal",
            upload_dir=settings.upload_dir,
            max_bytes=MAX_BYTES,
        )
    assert "smaller than" in excinfo.value.errors["file"]
    assert stream.reads <= 2
    assert upload_files(settings) == []


def test_a_body_over_the_request_limit_gets_a_clear_413(client, session, editor, settings):
    sign_in(client, editor.email)
    huge = b"a" * (MAX_BYTES + 1024 * 1024 + 10)
    answer = post_file(client, response_of(session).id, "huge.txt", huge)
    assert answer.status_code == 413
    assert "The selected file must be smaller than 64 KB" in answer.text
    assert evidence_rows(session) == [] and upload_files(settings) == []


def browser_multipart(fields: list[tuple[str, str | tuple[str, bytes]]]) -> tuple[bytes, dict[str, str]]:
    """A multipart body with its parts in the order given (a browser sends a form's fields in document order:
    the evidence form's file comes before its title and description), and its content type."""
    boundary = "----browserboundary7MA4YWxkTrZu0gW"
    body = b""
    for name, value in fields:
        if isinstance(value, tuple):
            filename, content = value
            head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            head += "Content-Type: application/octet-stream\r\n"
        else:
            head, content = f'Content-Disposition: form-data; name="{name}"\r\n', value.encode()
        body += f"--{boundary}\r\n{head}\r\n".encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize("size", [MAX_BYTES + 1024 * 1024 + 10, 6 * (MAX_BYTES + 1024 * 1024)], ids=["over", "far"])
def test_a_form_over_the_request_limit_without_javascript_gets_the_form_with_the_error_and_what_was_typed(
    client, session, editor, settings, size
):
    """Outsider pass 5, finding 6: a plain POST (the CSRF token in the body) of a file over the request limit
    gets the form again, the error beside the file field and the title and description kept, never the generic
    "The file is too large" page. Far over the limit the rest of the body is not read, so what came after the
    file may be lost, but the answer is still the form."""
    sign_in(client, editor.email)
    token = csrf_headers(client)["x-csrftoken"]
    body, headers = browser_multipart(
        [
            ("_csrf_token", token),
            ("kind", "file"),
            ("file", ("huge.txt", b"a" * size)),
            ("title", "Training register"),
            ("description", "Who was trained and when"),
            ("visibility", "internal"),
        ]
    )
    answer = client.post(f"/responses/{response_of(session).id}/evidence", content=body, headers=headers)
    assert answer.status_code == 413
    assert "The file is too large</h1>" not in answer.text and 'data-testid="evidence-form"' in answer.text
    assert 'href="#evidence-file"' in answer.text, "the error summary links to the file field"
    assert re.search(r'id="evidence-file-error".*?The selected file must be smaller than 64 KB', answer.text, re.S)
    if size < 2 * (MAX_BYTES + 1024 * 1024):
        assert 'value="Training register"' in answer.text and "Who was trained and when</textarea>" in answer.text
    assert evidence_rows(session) == [] and upload_files(settings) == []


def test_path_traversal_names_are_stored_under_a_generated_name_and_shown_plainly(
    client, session, editor, settings, tmp_path
):
    sign_in(client, editor.email)
    answer = post_file(client, response_of(session).id, "../../etc/passwd.txt", b"root:x:0:0\n")
    assert answer.status_code == 303
    [item] = evidence_rows(session)
    assert item.original_name == "passwd.txt"
    assert STORED_NAME.match(item.stored_name) and item.stored_name.endswith(".txt")
    assert upload_files(settings) == [item.stored_name]
    assert not (tmp_path / "etc").exists() and not (settings.upload_dir.parent / "etc").exists()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\officer\\Desktop\\report.pdf", "report.pdf"),
        ("report\x00\x1f\u202egnp.pdf", "reportgnp.pdf"),
        ("  ..hidden.txt  ", "hidden.txt"),
        ("a" * 400 + ".pdf", "a" * 296 + ".pdf"),
    ],
)
def test_original_names_are_cleaned_for_display(raw, shown):
    assert display_name(raw) == shown


# --- links and notes ----------------------------------------------------------------------------------------------


def test_links_and_notes_are_recorded(session, ctx, editor):
    link = add_link(session, ctx, editor, url="https://www.kent.police.uk/policy", title="Policy", visibility="public")
    bare = add_link(session, ctx, editor, url="www.example.org/page", title="Bare", visibility="public")
    note = add_note(session, ctx, editor, note="Held by the PPU", title="Where it is", visibility="inspectorate")
    assert link.kind is EvidenceKind.LINK and link.url == "https://www.kent.police.uk/policy"
    assert bare.url == "https://www.example.org/page"
    assert note.kind is EvidenceKind.NOTE and note.note == "Held by the PPU" and note.stored_name is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "starts with http:// or https://"),
        ("JavaScript:alert(document.cookie)", "starts with http:// or https://"),
        ("data:text/html,<script>alert(1)</script>", "starts with http:// or https://"),
        ("ftp://files.example.org/x", "starts with http:// or https://"),
        ("https://", "starts with http:// or https://"),
        ("https://gov.uk@evil.example/", "must not contain a username or password"),
        ("https://example.org/a b", "must not contain spaces"),
        ("", "Enter the web address of the evidence"),
    ],
)
def test_links_must_be_http_or_https(session, ctx, editor, url, message):
    with pytest.raises(PlanError) as excinfo:
        add_link(session, ctx, editor, url=url, title="A link", visibility="public")
    assert message in excinfo.value.errors["url"]
    assert evidence_rows(session) == []


def test_a_javascript_link_is_refused_through_the_page(client, session, editor):
    sign_in(client, editor.email)
    answer = client.post(
        f"/responses/{response_of(session).id}/evidence",
        data={"kind": "link", "url": "javascript:alert(1)", "title": "Bad", "visibility": "public"},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 422
    assert "Enter a web address that starts with http:// or https://" in answer.text
    assert 'href="javascript:' not in answer.text
    assert evidence_rows(session) == []


def test_missing_fields_are_named_together(client, session, editor):
    sign_in(client, editor.email)
    answer = client.post(
        f"/responses/{response_of(session).id}/evidence",
        data={"kind": "note", "title": "", "note": ""},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 422
    for message in ("Enter a title", "Enter the note", "Select who can see this evidence"):
        assert message in answer.text
    links = [answer.text.index(f'href="#evidence-{name}"') for name in ("note", "title", "visibility")]
    assert links == sorted(links), "the error summary follows the order of the fields"
    no_kind = client.post(f"/responses/{response_of(session).id}/evidence", data={}, headers=csrf_headers(client))
    assert "Select whether you are adding a file, a link or a note" in no_kind.text
    missing_file = client.post(
        f"/responses/{response_of(session).id}/evidence",
        data={"kind": "file", "visibility": "internal"},
        headers=csrf_headers(client),
    )
    assert missing_file.status_code == 422 and "Select a file" in missing_file.text


# --- htmx ----------------------------------------------------------------------------------------------------------


def test_with_htmx_the_section_is_swapped_with_the_new_item_or_the_errors(client, session, editor):
    sign_in(client, editor.email)
    url = f"/responses/{response_of(session).id}/evidence"
    hx = {**csrf_headers(client), "HX-Request": "true"}
    added = client.post(
        url, data={"kind": "link", "url": "https://example.org/a", "title": "Audit", "visibility": "public"}, headers=hx
    )
    assert added.status_code == 200
    assert added.text.lstrip().startswith('<section id="evidence"') and "<html" not in added.text
    assert "Audit" in added.text and 'href="https://example.org/a"' in added.text
    assert "govuk-radios__conditional--hidden" not in added.text, "swapped radios are not started, so show all"
    assert "It must be smaller than 64 KB." in added.text
    refused = client.post(url, data={"kind": "link", "url": "", "title": "", "visibility": "public"}, headers=hx)
    assert refused.status_code == 422
    assert 'id="evidence-url-error"' in refused.text and "Enter a title" in refused.text
    assert 'href="#evidence-url"' in refused.text
    assert len(evidence_rows(session)) == 1


def test_the_full_page_form_hides_the_unchosen_parts_for_gov_uk_frontend(client, session, editor):
    sign_in(client, editor.email)
    answer = client.post(
        f"/responses/{response_of(session).id}/evidence",
        data={"kind": "link", "url": "", "title": "x", "visibility": "public"},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 422
    assert 'enctype="multipart/form-data"' in answer.text and 'name="_csrf_token"' in answer.text
    assert 'id="evidence-conditional-file"' in answer.text
    assert answer.text.count("govuk-radios__conditional--hidden") == 2, "file and note hidden, link shown"


# --- who may download what -------------------------------------------------------------------------------------------


@pytest.fixture
def three_files(session, ctx, editor, settings):
    return {v: add_text_file(session, ctx, editor, settings, v) for v in Visibility}


@pytest.mark.parametrize(
    ("who", "can_get"),
    [
        ((Role.EDITOR, "kent"), {Visibility.INTERNAL, Visibility.INSPECTORATE, Visibility.PUBLIC}),
        ((Role.VIEWER, "kent"), {Visibility.INTERNAL, Visibility.INSPECTORATE, Visibility.PUBLIC}),
        ((Role.INSPECTOR, None), {Visibility.INSPECTORATE, Visibility.PUBLIC}),
        ((Role.COORDINATOR, None), {Visibility.INSPECTORATE, Visibility.PUBLIC}),
        ((Role.ADMIN, None), {Visibility.INTERNAL, Visibility.INSPECTORATE, Visibility.PUBLIC}),
        ((Role.EDITOR, "gwent"), set()),
    ],
    ids=["kent-editor", "kent-viewer", "inspector", "coordinator", "admin", "gwent-editor"],
)
def test_downloads_follow_the_visibility_rules(client, make_user, three_files, who, can_get):
    role, org = who
    user = make_user(role, org, email=f"{role.value}-{org}-reader@example.org")
    sign_in(client, user.email)
    for visibility, item in three_files.items():
        answer = client.get(f"/evidence/{item.id}/download")
        if visibility in can_get:
            assert answer.status_code == 200, (visibility, answer.text)
            assert answer.content == f"evidence marked {visibility.value}\n".encode()
        else:
            assert answer.status_code == 404, visibility


def test_the_section_lists_only_what_the_person_may_see(session, ctx, make_user, three_files):
    inspector = make_user(Role.INSPECTOR, None)
    gwent = make_user(Role.EDITOR, "gwent")
    assert {e.visibility for e in visible_evidence(session, inspector, ctx)} == {
        Visibility.INSPECTORATE,
        Visibility.PUBLIC,
    }
    assert visible_evidence(session, gwent, ctx) == []
    assert visible_evidence(session, None, ctx) == []


def test_the_public_are_sent_to_sign_in(client, three_files):
    item = three_files[Visibility.PUBLIC]
    answer = client.get(f"/evidence/{item.id}/download", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next=%2Fevidence%2F{item.id}%2Fdownload"


def test_a_download_is_an_attachment_with_the_original_name_and_safe_headers(client, session, ctx, editor, settings):
    item = add_file(
        session,
        ctx,
        editor,
        filename='Kent "stalking" plan \u2013 2025.pdf',
        content=pdf_bytes(),
        visibility="internal",
        upload_dir=settings.upload_dir,
        max_bytes=MAX_BYTES,
    )
    sign_in(client, editor.email)
    answer = client.get(f"/evidence/{item.id}/download")
    assert answer.status_code == 200 and answer.content == pdf_bytes()
    assert answer.headers["content-type"] == "application/pdf"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Kent%20%22stalking%22%20plan%20%E2%80%93%202025.pdf" in disposition
    assert 'filename="Kent _stalking_ plan _ 2025.pdf"' in disposition
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "private, no-store"
    assert len(answer.headers.get_list("content-disposition")) == 1
    assert answer.headers.get_list("content-security-policy") == ["default-src 'none'; sandbox; frame-ancestors 'none'"]


def test_a_missing_file_gives_a_clear_not_found_page(client, session, ctx, editor, settings):
    item = add_text_file(session, ctx, editor, settings, Visibility.INTERNAL)
    evidence_file_path(settings, item).unlink()
    sign_in(client, editor.email)
    answer = client.get(f"/evidence/{item.id}/download")
    assert answer.status_code == 404
    assert "The file for this evidence is missing" in answer.text


def test_links_and_notes_have_no_download(client, session, ctx, editor):
    link = add_link(session, ctx, editor, url="https://example.org", title="Link", visibility="internal")
    sign_in(client, editor.email)
    assert client.get(f"/evidence/{link.id}/download").status_code == 404


# --- when saving fails -----------------------------------------------------------------------------------------------


def test_an_upload_folder_that_cannot_be_created_gives_a_clear_error_and_no_record(session, ctx, editor, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(EvidenceSaveError) as excinfo:
        add_file(
            session,
            ctx,
            editor,
            filename="policy.pdf",
            content=pdf_bytes(),
            visibility="internal",
            upload_dir=blocker / "uploads",
            max_bytes=MAX_BYTES,
        )
    assert excinfo.value.errors == {"file": SAVE_MESSAGE}
    assert evidence_rows(session) == []


def test_an_unwritable_or_full_upload_folder_gives_a_clear_error_and_leaves_nothing(
    client, session, editor, settings, monkeypatch
):
    settings.upload_dir.mkdir(parents=True)
    settings.upload_dir.chmod(0o500)
    try:
        (settings.upload_dir / "probe").write_bytes(b"")
    except PermissionError:
        pass
    else:  # root ignores the folder's permissions: make the disk "full" instead
        (settings.upload_dir / "probe").unlink()

        def disk_full(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", disk_full)
    try:
        sign_in(client, editor.email)
        answer = post_file(client, response_of(session).id, "policy.pdf", pdf_bytes(), title="Policy")
    finally:
        settings.upload_dir.chmod(0o700)
    assert answer.status_code == 422
    assert SAVE_MESSAGE in answer.text
    assert evidence_rows(session) == []
    assert upload_files(settings) == []


def test_a_database_failure_after_the_file_is_written_removes_the_file(session, ctx, editor, settings, monkeypatch):
    def broken_commit() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        add_text_file(session, ctx, editor, settings, Visibility.INTERNAL)
    monkeypatch.undo()
    assert upload_files(settings) == []
    assert evidence_rows(session) == []
    assert session.exec(select(AuditEvent).where(AuditEvent.entity_type == "evidence")).first() is None


# --- orphaned files ---------------------------------------------------------------------------------------------------


def test_sweep_removes_orphans_and_part_files_but_keeps_recorded_and_recent_files(session, ctx, editor, settings):
    kept = add_text_file(session, ctx, editor, settings, Visibility.INTERNAL)
    folder = settings.upload_dir
    stray = folder / "0123456789abcdef0123456789abcdef.pdf"  # renamed, then the process died before the commit
    part = folder / "fedcba9876543210fedcba9876543210.part"  # the process died while writing
    recent = folder / "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.part"  # another process is uploading right now
    for path in (stray, part, recent):
        path.write_bytes(b"leftover")
    an_hour_ago = time.time() - 3600
    for path in (stray, part, evidence_file_path(settings, kept)):
        os.utime(path, (an_hour_ago, an_hour_ago))
    removed = sweep_orphan_files(session, folder)
    assert removed == sorted([stray.name, part.name])
    assert sorted(upload_files(settings)) == sorted([kept.stored_name, recent.name])
    assert sweep_orphan_files(session, folder, older_than=dt.timedelta(0)) == [recent.name]
    assert upload_files(settings) == [kept.stored_name]


def test_the_start_up_hook_sweeps_the_configured_folder(client, settings):
    settings.upload_dir.mkdir(parents=True)
    part = settings.upload_dir / "0123456789abcdef0123456789abcdef.part"
    part.write_bytes(b"half an upload")
    os.utime(part, (time.time() - 3600, time.time() - 3600))
    sweep_uploads_on_startup(client.app)
    assert upload_files(settings) == []


def test_sweep_of_a_missing_folder_does_nothing(session, tmp_path):
    assert sweep_orphan_files(session, tmp_path / "nowhere") == []


# --- changing and withdrawing, and the history ---------------------------------------------------------------------


def test_changes_check_the_version(session, ctx, editor, settings):
    item = add_text_file(session, ctx, editor, settings, Visibility.INTERNAL)
    update_evidence(
        session, item, ctx, editor, {"title": "Renamed", "description": "", "visibility": "public", "version": "1"}
    )
    assert item.version == 2 and item.visibility is Visibility.PUBLIC
    with pytest.raises(StaleRecord) as excinfo:
        update_evidence(session, item, ctx, editor, {"title": "Late", "visibility": "internal", "version": "1"})
    assert excinfo.value.current["title"] == "Renamed"
    with pytest.raises(PlanError) as refused:
        update_evidence(session, item, ctx, editor, {"title": "", "visibility": "internal", "version": "2"})
    assert refused.value.errors == {"title": "Enter a title"}


def test_every_change_is_in_the_history_with_the_organisation(session, ctx, editor, settings):
    item = add_text_file(session, ctx, editor, settings, Visibility.INTERNAL)
    path = evidence_file_path(settings, item)
    update_evidence(session, item, ctx, editor, {"title": "Minutes", "visibility": "inspectorate", "version": "1"})
    link = add_link(session, ctx, editor, url="https://example.org", title="Link", visibility="public")
    note = add_note(session, ctx, editor, note="In the safe", title="Note", visibility="internal")
    withdraw_evidence(session, item, ctx, editor, version="2", upload_dir=settings.upload_dir)
    assert not path.exists()
    assert session.get(Evidence, item.id) is None
    events = history(session, "evidence", item.id)
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert {e.organisation_id for e in events} == {ctx.organisation_id}
    assert {e.response_id for e in events} == {ctx.response.id}
    assert events[0].after["sha256"] == item.sha256 and events[0].after["original_name"] == "notes.txt"
    assert events[1].before == {"title": "internal file", "visibility": "internal"}
    assert events[1].after == {"title": "Minutes", "visibility": "inspectorate"}
    assert events[2].before["stored_name"] == path.name and "withdrawn" in events[2].summary
    for other in (link, note):
        [created] = history(session, "evidence", other.id)
        assert created.action == "create" and created.organisation_id == ctx.organisation_id
        assert created.actor_id == editor.id


def test_changing_and_withdrawing_through_the_pages(client, session, ctx, editor, settings, make_user):
    item = add_text_file(session, ctx, editor, settings, Visibility.INTERNAL)
    sign_in(client, editor.email)
    page = client.get(f"/evidence/{item.id}/edit")
    assert page.status_code == 200 and 'name="_csrf_token"' in page.text and "Withdraw evidence" in page.text
    saved = client.post(
        f"/evidence/{item.id}",
        data={"title": "Board minutes", "description": "March", "visibility": "public", "version": "1"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/plan/responses/{ctx.response.id}#evidence"
    stale = client.post(
        f"/evidence/{item.id}",
        data={"title": "Old tab", "visibility": "internal", "version": "1"},
        headers=csrf_headers(client),
    )
    assert stale.status_code == 409 and 'data-testid="conflict"' in stale.text
    invalid = client.post(
        f"/evidence/{item.id}", data={"title": "", "visibility": "public", "version": "2"}, headers=csrf_headers(client)
    )
    assert invalid.status_code == 422 and "Enter a title" in invalid.text
    stale_withdraw = client.post(
        f"/evidence/{item.id}/withdraw", data={"version": "1"}, headers=csrf_headers(client), follow_redirects=False
    )
    assert stale_withdraw.status_code == 409 and session.get(Evidence, item.id) is not None
    path = evidence_file_path(settings, item)
    withdrawn = client.post(
        f"/evidence/{item.id}/withdraw", data={"version": "2"}, headers=csrf_headers(client), follow_redirects=False
    )
    assert withdrawn.status_code == 303
    assert evidence_rows(session) == [] and not path.exists()


def test_acting_on_evidence_someone_else_withdrew_says_so(client, session, ctx, editor, settings):
    """Outsider finding 15, for evidence: changing or withdrawing an item already withdrawn says so on the response
    page (htmx: the evidence section, answered 409 so that it is swapped), never a bare "Page not found"."""
    item = add_text_file(session, ctx, editor, settings, Visibility.PUBLIC)
    withdraw_evidence(session, item, ctx, editor, upload_dir=settings.upload_dir)
    sign_in(client, editor.email)
    said = "This evidence was withdrawn by someone else"
    swapped = client.post(
        f"/evidence/{item.id}/withdraw", data={"version": "1"}, headers={**csrf_headers(client), "HX-Request": "true"}
    )
    assert (
        swapped.status_code == 409
        and swapped.text.lstrip().startswith('<section id="evidence"')
        and said in swapped.text
    )
    for url, data in (
        (f"/evidence/{item.id}", {"title": "x", "visibility": "public", "version": "1"}),
        (f"/evidence/{item.id}/withdraw", {"version": "1"}),
    ):
        answer = client.post(url, data=data, headers=csrf_headers(client), follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/plan/responses/{ctx.response.id}?deleted=evidence#evidence"
    page = client.get(f"/evidence/{item.id}/edit")
    assert page.status_code == 200 and 'data-testid="deleted-meanwhile"' in page.text and said in page.text


def test_only_editors_of_the_organisation_may_add_change_or_withdraw(client, session, ctx, make_user, editor, settings):
    item = add_text_file(session, ctx, editor, settings, Visibility.PUBLIC)
    viewer = make_user(Role.VIEWER, "kent")
    inspector = make_user(Role.INSPECTOR, None)
    gwent = make_user(Role.EDITOR, "gwent")
    for user, expected in ((viewer, 403), (inspector, 403), (gwent, 404)):
        sign_in(client, user.email)
        added = post_file(client, ctx.response.id, "policy.pdf", pdf_bytes())
        changed = client.post(
            f"/evidence/{item.id}",
            data={"title": "x", "visibility": "internal", "version": "1"},
            headers=csrf_headers(client),
        )
        withdrawn = client.post(f"/evidence/{item.id}/withdraw", data={"version": "1"}, headers=csrf_headers(client))
        assert (added.status_code, changed.status_code, withdrawn.status_code) == (expected,) * 3, user.role
    assert [e.id for e in evidence_rows(session)] == [item.id]
    assert upload_files(settings) == [item.stored_name]


def test_state_changing_evidence_requests_need_the_csrf_token(client, session, editor):
    sign_in(client, editor.email)
    answer = client.post(
        f"/responses/{response_of(session).id}/evidence",
        data={"kind": "note", "note": "x", "title": "x", "visibility": "internal"},
    )
    assert answer.status_code == 403
    assert evidence_rows(session) == []


def test_withdrawing_with_htmx_swaps_the_section(client, session, ctx, editor, settings):
    item = add_text_file(session, ctx, editor, settings, Visibility.INTERNAL)
    sign_in(client, editor.email)
    hx = {**csrf_headers(client), "HX-Request": "true"}
    stale = client.post(f"/evidence/{item.id}/withdraw", data={"version": "7"}, headers=hx)
    assert stale.status_code == 409 and stale.text.lstrip().startswith('<section id="evidence"')
    assert 'data-testid="withdraw-conflict"' in stale.text and len(evidence_rows(session)) == 1
    done = client.post(f"/evidence/{item.id}/withdraw", data={"version": "1"}, headers=hx)
    assert done.status_code == 200 and "No evidence yet." in done.text
    assert evidence_rows(session) == [] and upload_files(settings) == []


def test_an_upload_form_read_by_the_upload_reader_still_needs_its_csrf_token(client, session, editor, settings):
    """The evidence form is read before the CSRF check (tracker.web.upload_form); the check still refuses it
    without the token, within the limit or over it."""
    sign_in(client, editor.email)
    csrf_headers(client)
    for size in (10, MAX_BYTES + 1024 * 1024 + 10):
        body, headers = browser_multipart([("kind", "file"), ("file", ("notes.txt", b"a" * size)), ("title", "T")])
        answer = client.post(f"/responses/{response_of(session).id}/evidence", content=body, headers=headers)
        assert answer.status_code == 403
    assert evidence_rows(session) == [] and upload_files(settings) == []


@pytest.mark.parametrize("character", ["\u202e", "\u2067"])
def test_an_evidence_link_with_a_direction_control_gets_the_direction_message(client, session, ctx, editor, character):
    """Outsider pass 5, finding 9: it was refused as "must not contain spaces"."""
    with pytest.raises(PlanError) as excinfo:
        add_link(session, ctx, editor, url=f"https://example.org/{character}txt.exe", title="A", visibility="public")
    assert excinfo.value.errors["url"] == BIDI_MESSAGE
    sign_in(client, editor.email)
    answer = client.post(
        f"/responses/{response_of(session).id}/evidence",
        data={"kind": "link", "url": f"https://example.org/{character}txt.exe", "title": "A", "visibility": "public"},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 422 and BIDI_MESSAGE in answer.text and "must not contain spaces" not in answer.text
    assert evidence_rows(session) == []


# Outsider pass 12, F9: a direction override in a text field was refused as the form was read, and the file's own
# faults (its content against its name, an old Office file, an empty file) were said only on the next submit.
# The check-only path reads the upload where it is: both faults at once, and nothing stored.
FILE_FAULTS = [
    ("an executable named .pdf", "fake.pdf", lambda: b"MZ\x90\x00\x03\x00", "not a real PDF file"),
    *REFUSED,
]


@pytest.fixture
def welsh_editor(session, small_reference, make_user):
    """An editor of Gwent Police, made bilingual as the Welsh forces are in the reference data."""
    gwent = get_by_slug(session, "gwent")
    gwent.bilingual = True
    session.commit()
    return make_user(Role.EDITOR, "gwent")


@pytest.mark.parametrize(("case", "name", "make", "message"), FILE_FAULTS, ids=[c for c, *_ in FILE_FAULTS])
def test_a_direction_character_in_a_text_field_comes_with_the_file_s_own_fault_and_nothing_is_stored(
    client, session, welsh_editor, settings, case, name, make, message
):
    sign_in(client, welsh_editor.email)
    answer = post_file(client, response_of(session, "gwent").id, name, make(), title_cy="\u202e", visibility="public")
    assert answer.status_code == 422, answer.text[:500]
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', answer.text, re.S)
    assert summary and {"evidence-file", "evidence-title_cy"} <= set(re.findall(r'href="#([^"]+)"', summary[1]))
    assert re.search(rf'id="evidence-file-error".*?{re.escape(message)}', answer.text, re.S)
    assert 'id="evidence-title_cy-error"' in answer.text
    assert evidence_rows(session) == [] and upload_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content", "welsh"),
    [
        ("fake.pdf", b"MZ\x90\x00", "Nid yw cynnwys y ffeil a ddewiswyd yn cyfateb"),
        ("a.xls", OLE2, "Hen ffeil Word neu Excel"),
        ("empty.pdf", b"", "Mae\u2019r ffeil a ddewiswyd yn wag"),
    ],
)
def test_on_a_welsh_page_the_file_s_fault_is_said_in_welsh_beside_the_character_fault(
    client, session, welsh_editor, settings, name, content, welsh
):
    sign_in(client, welsh_editor.email)
    response_id = response_of(session, "gwent").id
    answer = client.post(
        f"/responses/{response_id}/evidence?lang=cy",
        data={"kind": "file", "visibility": "public", "title_cy": "\u202e", "description": "d" * 20_000},
        files={"file": (name, content, "application/octet-stream")},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 422
    assert re.search(rf'id="evidence-file-error".*?{re.escape(welsh)}', answer.text, re.S)
    assert 'id="evidence-title_cy-error"' in answer.text and 'id="evidence-description-error"' in answer.text
    assert evidence_rows(session) == [] and upload_files(settings) == []
