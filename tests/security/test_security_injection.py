"""Every text a person can enter is shown as text: escaped on every page, literal in the PDF, inert in exports.

Each user-controlled field gets its own XSS payload; then every GET route of the app (taken from the app's
route table, so pages added later are covered too) is fetched as each kind of reader. No HTML or SVG answer may
contain a payload unescaped, and each payload must appear escaped somewhere (so the check can fail). Spreadsheet
exports (CSV, XLSX) must not hold a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from tests.support.accounts import USER_PASSWORD, sign_in
from tests.support.plans import response_of
from tests.support.routes import app_routes
from tracker.accounts.api_tokens import add_token
from tracker.accounts.services import create_user
from tracker.assessments.services import add_comment, record_assessment
from tracker.audit.services import Actor
from tracker.evidence.services import add_file, add_link, add_note
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.publication import publish_plan
from tracker.plans.services import load_response
from tracker.public.opendata import TABLES
from tracker.reports.services import freeze_period, open_period
from tracker.vocabulary import Role


def script(field: str) -> str:
    return f"<script>alert('{field}')</script>"


def attribute(field: str) -> str:
    return f'"><img src=x onerror=alert("{field}")>'


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
FIELDS = [
    "summary",
    "lead_role",
    "action",
    "owner_role",
    "update",
    "evidence_title",
    "evidence_description",
    "note",
    "link_title",
    "file_name",
    "comment",
    "rationale",
    "display_name",
    "token_name",
    "period_name",
]
FORMULA_FIELDS = ["summary", "action", "owner_role", "update", "lead_role"]
RAW = re.compile(r"<script>alert\(|<img src=x onerror")
# Values for path parameters of GET routes; a route with a parameter not named here fails the test, so that a
# new page cannot escape the check.
SKIP_PARAMS = {"file_path", "path"}  # static files and the OpenAPI renderers show no user text


def payload(field: str, index: int) -> str:
    """Alternate the two XSS shapes; the formula fields start with a formula so exports are tested too."""
    text = script(field) if index % 2 == 0 else attribute(field)
    return text


@pytest.fixture
def poisoned(session, small_reference, make_user, settings):
    """Kent's plan with a payload in every field a person can type into, published, and a frozen period."""
    kent = get_by_slug(session, "kent")
    p = {field: payload(field, i) for i, field in enumerate(FIELDS)}
    editor = create_user(
        session,
        email="xss-editor@kent.example.org",
        display_name=p["display_name"],
        role=Role.EDITOR,
        password=USER_PASSWORD,
        organisation=kent,
        actor=Actor("test setup"),
    )
    session.commit()
    inspector = make_user(Role.INSPECTOR)
    rid = response_of(session, "kent", "1.1").id
    ctx = load_response(session, editor, rid, Permission.EDIT_PLAN)
    services.update_response(
        session,
        ctx,
        editor,
        {
            "status": "in_progress",
            "summary": p["summary"],
            "lead_role": p["lead_role"],
            "version": ctx.response.version,
        },
    )
    action = services.add_action(session, ctx, editor, {"description": p["action"], "owner_role": p["owner_role"]})
    update = services.add_update(session, ctx, editor, {"text": p["update"], "visibility": "public"})
    top = load_response(session, editor, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    services.add_update(session, top, editor, {"text": p["update"], "visibility": "public"})  # in the report
    # Formula-shaped values on a second response (their own rows in every export).
    ctx2 = load_response(session, editor, response_of(session, "kent", "1.2").id, Permission.EDIT_PLAN)
    services.update_response(
        session, ctx2, editor, {"status": "in_progress", "summary": FORMULAS[0], "lead_role": FORMULAS[1], "version": 1}
    )
    for formula in FORMULAS:
        services.add_action(session, ctx2, editor, {"description": formula, "owner_role": formula})
        services.add_update(session, ctx2, editor, {"text": formula, "visibility": "public"})
    evidence = add_note(
        session,
        ctx,
        editor,
        note=p["note"],
        title=p["evidence_title"],
        description=p["evidence_description"],
        visibility="public",
    )
    add_link(session, ctx, editor, url="https://example.org/policy", title=p["link_title"], visibility="public")
    add_file(
        session,
        ctx,
        editor,
        filename=p["file_name"] + ".txt",
        content=b"plain text\n",
        visibility="public",
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    ctx_i = load_response(session, inspector, rid, Permission.ASSESS)
    record_assessment(session, ctx_i, inspector, {"rating": "partially_met", "rationale": p["rationale"]})
    add_comment(session, ctx_i, inspector, {"body": p["comment"]})
    session.commit()
    add_token(session, editor, p["token_name"])
    session.commit()
    publish_plan(session, kent, editor)
    session.commit()
    period = open_period(session, name=p["period_name"], cut_off=dt.date.today(), actor=Actor("test"))
    session.commit()
    freeze_period(session, period, Actor("test"))
    session.commit()
    params = {
        "slug": "kent",
        "response_id": rid,
        "action_id": action.id,
        "update_id": update.id,
        "evidence_id": evidence.id,
        "period_id": period.id,
        "recommendation_id": ctx.recommendation.id,
        "rec_id": ctx.recommendation.id,
        "set_slug": "test-report",
        "number": ctx.recommendation.number,
        "practice_id": 0,  # the practice library has its own escaping tests; no item here
        "user_id": editor.id,
        "token_id": 0,
        "fmt": ["csv", "xlsx", "json"],
        "file_name": [f"{table}.{ext}" for table in TABLES for ext in ("csv", "json")] + ["publications.atom"],
    }
    return {"payloads": p, "params": params, "editor": editor}


def urls(app, params: dict) -> list[str]:
    found: list[str] = []
    for method, path in sorted(app_routes(app)):
        if method != "GET":
            continue
        names = re.findall(r"\{(\w+)\}", path)
        if set(names) & SKIP_PARAMS:
            continue
        unknown = [n for n in names if n not in params]
        assert not unknown, (
            f"add a value for {unknown} to the params of tests/security/test_security_injection.py ({path})"
        )
        variants = [path]
        for name in names:
            values = params[name] if isinstance(params[name], list) else [params[name]]
            variants = [v.replace("{" + name + "}", str(value)) for v in variants for value in values]
        found += variants
    compare = params["period_id"]
    return [u + (f"?earlier={compare}&later={compare}" if u.endswith("/compare") else "") for u in found]


def cells(response) -> list[str]:
    kind = response.headers.get("content-type", "")
    if kind.startswith("text/csv"):
        return [c for row in csv.reader(io.StringIO(response.text)) for c in row]
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        out = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        out.append(f"FORMULA {cell.value}")
                    elif isinstance(cell.value, str) and not cell.quotePrefix:
                        out.append(cell.value)
        return out
    return []


def test_every_payload_is_escaped_on_every_page_and_inert_in_every_export(client, poisoned, make_user):
    payloads = poisoned["payloads"]
    readers = {
        "the public": None,
        "the editor": poisoned["editor"].email,
        "an admin": make_user(Role.ADMIN).email,
        "a coordinator": make_user(Role.COORDINATOR).email,
    }
    shown: set[str] = set()
    problems: list[str] = []
    exports = 0
    for reader, email in readers.items():
        client.cookies.clear()
        if email:
            sign_in(client, email)
        requests = [(url, {}) for url in urls(client.app, poisoned["params"])]
        if email:  # the partials htmx swaps in are escaped too
            requests += [(url, {"HX-Request": "true"}) for url, _ in requests]
        for url, headers in requests:
            response = client.get(url, headers=headers)
            kind = response.headers.get("content-type", "")
            if response.status_code >= 500:
                problems.append(f"{reader} {url}: HTTP {response.status_code}")
            if kind.startswith(("text/html", "image/svg")):
                if RAW.search(response.text):
                    problems.append(f"{reader} {url}: a payload is not escaped: {RAW.search(response.text)[0]}")
                if re.search(r"""href\s*=\s*["']?\s*javascript:""", response.text, re.I):
                    problems.append(f"{reader} {url}: a javascript: link")
                for field, text in payloads.items():
                    if escaped(text) in response.text:
                        shown.add(field)
            for cell in cells(response):
                exports += 1
                if cell.startswith(("=", "+", "-", "@", "\t", "\r", "FORMULA")):
                    problems.append(f"{reader} {url}: a cell a spreadsheet would run: {cell[:40]!r}")
    assert not problems, "\n".join(problems)
    assert exports > 0, "the exports were read"
    # Every field is shown somewhere (the API token's name on its owner's token page, the period on its page...).
    assert set(FIELDS) - shown == set(), f"payloads never shown escaped: {sorted(set(FIELDS) - shown)}"


def escaped(text: str) -> str:
    """The text as Jinja's autoescape writes it."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
    )


def test_payloads_are_plain_text_in_the_pdf_report(client, poisoned, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    for url in ("/oversight/report/pdf", f"/oversight/report/pdf?period={poisoned['params']['period_id']}"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert "<script>alert('update')</script>" in text.replace("\n", ""), "the update text is shown literally"


def test_csv_and_xlsx_exports_keep_the_formula_text_readable(client, poisoned):
    """Neutralised, not lost: the text after the guard is the text the person typed."""
    sign_in(client, poisoned["editor"].email)
    exported = client.get("/plan/kent/export.csv").text
    values = {c for row in csv.reader(io.StringIO(exported.lstrip("\ufeff"))) for c in row}
    for formula in FORMULAS:
        assert "'" + formula.strip() in values  # the quote Excel and LibreOffice show as nothing
