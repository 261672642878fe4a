"""What enters is only ever storable text, and what leaves in a spreadsheet only what the format allows.

The one normalising layer (``tracker.inputs``): control characters refused beside the field (forms, API) or
removed (imports), lengths checked against the columns before any SQL, integers range-checked before any query;
the one neutraliser of CSV/XLSX cells (``tracker.cells``); charsets said once. ``tests/security/test_input_fuzz.py``
throws hostile values at every route; these are the cases the assessment found, one by one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import quote

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.accounts.models import User
from tracker.audit.services import Actor
from tracker.db import insert_rows
from tracker.inputs import (
    BIDI_MESSAGE,
    CONTROL_MESSAGE,
    MAX_ID,
    InputError,
    column_limits,
    has_control_characters,
    has_direction_problem,
    parse_id,
    problems_for,
    problems_of,
    text_length,
    text_problem,
)
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans import spreadsheet as ss
from tracker.plans.models import ProgressUpdate, Response
from tracker.plans.services import load_response
from tracker.reports.models import ReportingPeriod
from tracker.reports.services import open_period
from tracker.vocabulary import Role

LIMIT = 2**31  # one more than the largest PostgreSQL integer
SQLITE_LIMIT = 2**63  # one more than the largest SQLite integer


@pytest.fixture
def coordinator(client, session, small_reference, make_user):
    user = make_user(Role.COORDINATOR)
    sign_in(client, user.email)
    return user


@pytest.fixture
def admin(client, session, small_reference, make_user):
    user = make_user(Role.ADMIN)
    sign_in(client, user.email)
    return user


# --- integers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        (str(MAX_ID), MAX_ID),
        (str(LIMIT), None),
        ("9" * 5000, None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_only_ascii_digits_within_the_database_integer_range_are_ids(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("number", [LIMIT, SQLITE_LIMIT, 10**40, 0])
def test_an_id_no_record_can_have_is_not_found(client, admin, number):
    for path in ("/plan/responses/{}", "/admin/users/{}", "/evidence/{}/download", "/oversight/periods/{}"):
        assert client.get(path.format(number), follow_redirects=False).status_code == 404, path


@pytest.mark.parametrize(
    "path",
    ["/organisations/%00", "/practice/%00", "/static/x%00", "/static/" + "9" * 300, "/organisations/kent%1b"],
)
def test_a_path_with_a_control_character_is_not_found(client, small_reference, path):
    assert client.get(path, follow_redirects=False).status_code == 404


@pytest.mark.parametrize(
    "query", ["/recommendations?set=%00", "/plan/kent?status=a%00b", "/oversight/report?period=%C2%B2"]
)
def test_a_query_no_query_may_take_is_a_clear_400(client, coordinator, query):
    answer = client.get(query, follow_redirects=False)
    assert answer.status_code == 400
    assert "control character" in answer.text or "whole number" in answer.text


def test_odd_digits_are_not_a_recommendation_number_in_the_practice_library(client, small_reference):
    assert client.get("/practice?recommendation=%C2%B2").status_code == 200  # unknown filters are ignored
    assert client.get("/practice?recommendation=" + "9" * 5000).status_code == 200


def test_an_out_of_range_query_integer_is_a_clear_400(client, coordinator):
    answer = client.get(f"/oversight/report?period={SQLITE_LIMIT}")
    assert answer.status_code == 400 and "whole number from 1 to 2,147,483,647" in answer.text


# --- control characters ---------------------------------------------------------------------------------------


def test_nul_in_the_sign_in_email_is_refused_beside_the_field(client, small_reference, make_user):
    make_user(Role.EDITOR, "kent", email="kent@example.org")
    answer = client.post(
        "/sign-in",
        data={"email": "kent@example.org\x00", "password": "correct-horse-battery"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert "Remove the invisible control character" in answer.text
    assert 'href="#email"' in answer.text  # the error summary links to the field


def test_a_control_character_in_a_form_is_refused_and_words_line_breaks_are_kept(
    client, session, small_reference, make_user
):
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    rid = response_of(session, "kent", "1.1").id
    refused = client.post(
        f"/plan/responses/{rid}/updates", data={"text": "Trained\x00 staff"}, headers=csrf_headers(client)
    )
    assert refused.status_code == 422 and "Remove the invisible control character" in refused.text
    kept = client.post(
        f"/plan/responses/{rid}/updates",
        data={"text": "First line\x0bsecond line"},  # Word's Shift+Enter
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert kept.status_code == 303
    session.rollback()
    texts = session.exec(select(ProgressUpdate.text)).all()
    assert texts == ["First line\nsecond line"]


def test_the_api_refuses_control_characters_with_a_problem_document(client, session, small_reference, make_user):
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    rid = response_of(session, "kent", "1.1").id
    answer = client.post(f"/api/responses/{rid}/updates", json={"text": "Bell\x07 rang"}, headers=csrf_headers(client))
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json"


def test_no_record_is_written_with_a_control_character_or_an_over_long_text(session, small_reference):
    limits = column_limits(User)
    assert limits["email"] == 320 and limits["display_name"] == 200  # read from the model, not restated
    session.add(User(email="x@example.org", display_name="x" * 201, password_hash="x"))
    with pytest.raises(InputError) as refused:
        session.flush()
    assert refused.value.errors == {"display_name": "Must be 200 characters or fewer"}
    session.rollback()
    session.add(User(email="x@example.org\x00", display_name="X", password_hash="x"))
    with pytest.raises(InputError) as refused:
        session.flush()
    assert "email" in refused.value.errors
    session.rollback()


def test_rows_written_together_are_each_checked_though_their_texts_repeat(session, small_reference):
    """``insert_rows`` checks a text once however many rows repeat it, and every text it has not seen."""
    rid = response_of(session, "kent", "1.1").id
    row = {"response_id": rid, "update_on": dt.date(2025, 1, 6), "text": "Done", "author_id": None}
    with pytest.raises(InputError) as refused:
        insert_rows(session, ProgressUpdate, [row, row, row | {"text": "Done\x00"}])
    assert refused.value.errors == {"text": CONTROL_MESSAGE}
    with pytest.raises(InputError):
        insert_rows(session, ProgressUpdate, [row, row | {"text_cy": "Wedi\u202e gwneud"}])


@pytest.mark.parametrize("short", [False, True], ids=["long text", "short field"])
def test_the_one_pass_over_a_text_refuses_what_the_two_rules_refuse(short):
    """``text_problem`` looks for anything refused in one pass (a frozen period's export is megabytes of text), then
    which rule: its verdict on every character of the Basic Multilingual Plane (the surrogates too) is that of the
    control-character check, then the direction check."""
    for code in range(0x10000):
        text = f"a{chr(code)}b"
        expected = (
            CONTROL_MESSAGE
            if has_control_characters(text)
            else BIDI_MESSAGE
            if has_direction_problem(text, short=short)
            else None
        )
        assert text_problem(text, short=short) == expected, hex(code)


# --- direction controls: one rule (finding N6) ---------------------------------------------------------------

OVERRIDES = ["\u202e", "\u202d"]  # right-to-left and left-to-right override: they disguise text
MIXED_DIRECTION = "\u05e9\u05dc\u05d5\u05dd \u200fPCC\u200e \u202bRLE\u202c \u2067RLI\u2069 \u2066LRI\u2069"


@pytest.mark.parametrize("override", OVERRIDES)
def test_an_override_is_refused_in_long_text_as_in_short_fields(client, session, small_reference, make_user, override):
    """The summary form, update form and update API refuse it with the message lead role gives; nothing saved."""
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    rid = response_of(session, "kent", "1.1").id
    fields = {"status": "in_progress", "version": "1", "lead_role": "Lead"}
    for name in ("summary", "lead_role"):
        answer = client.post(
            f"/plan/responses/{rid}", data=fields | {name: f"{override}evil\u202c normal"}, headers=csrf_headers(client)
        )
        assert answer.status_code == 422 and BIDI_MESSAGE in answer.text, name
    form = client.post(f"/plan/responses/{rid}/updates", data={"text": f"{override}x"}, headers=csrf_headers(client))
    assert form.status_code == 422 and BIDI_MESSAGE in form.text
    api = client.post(f"/api/responses/{rid}/updates", json={"text": f"{override}x"}, headers=csrf_headers(client))
    assert api.status_code == 422 and api.json()["errors"] == {"text": BIDI_MESSAGE}
    session.rollback()
    assert session.exec(select(ProgressUpdate)).all() == []
    assert override not in (session.get(Response, rid).summary or "")
    assert problems_for(Response, summary=override, lead_role=override) == {
        "summary": BIDI_MESSAGE,
        "lead_role": BIDI_MESSAGE,
    }


def test_marks_embeddings_and_isolates_stay_allowed_where_they_were(client, session, small_reference, make_user):
    """Mixed-direction writing keeps its marks, embeddings and isolates in long text; short fields refuse all but
    the marks, as before."""
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    rid = response_of(session, "kent", "1.1").id
    kept = client.post(
        f"/plan/responses/{rid}/updates",
        data={"text": MIXED_DIRECTION},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert kept.status_code == 303
    session.rollback()
    assert session.exec(select(ProgressUpdate.text)).all() == [MIXED_DIRECTION]
    assert problems_for(Response, summary=MIXED_DIRECTION) == {}
    assert problems_for(Response, lead_role=MIXED_DIRECTION) == {"lead_role": BIDI_MESSAGE}
    assert problems_for(Response, lead_role="\u05e9\u05dc\u05d5\u05dd \u200fPCC\u200e") == {}


# --- lengths, beside the field ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "x" * 320 + "@example.org", "display_name": "X", "role": "admin"}, "email"),
        ({"email": "long@example.org", "display_name": "x" * 201, "role": "admin"}, "display_name"),
    ],
)
def test_an_over_long_account_field_is_refused_beside_it(client, admin, session, fields, field):
    answer = client.post("/admin/users", data=fields, headers=csrf_headers(client))
    assert answer.status_code == 422
    assert "characters or fewer" in answer.text and f'href="#{field}"' in answer.text
    session.rollback()
    assert session.exec(select(sa.func.count()).select_from(User)).one() == 1


def test_an_over_long_period_name_is_refused_beside_it(client, coordinator, session):
    answer = client.post(
        "/oversight/periods", data={"name": "x" * 201, "cut_off": "31/07/2025"}, headers=csrf_headers(client)
    )
    assert answer.status_code == 422
    assert "Must be 200 characters or fewer" in answer.text and 'href="#name"' in answer.text
    session.rollback()
    assert session.exec(select(ReportingPeriod)).first() is None


# --- imports --------------------------------------------------------------------------------------------------


def test_a_5000_digit_recommendation_number_is_a_row_error(session, small_reference):
    from tracker.organisations.services import get_by_slug

    kent = get_by_slug(session, "kent")
    frame = ss.read_table(f"Rec No.,Action\n{'9' * 5000},Train staff\n1.1,Another\n".encode(), "plan.csv")
    plan = ss.plan_import(session, kent.id, frame, ss.detect_mapping(frame.columns), None)
    assert len(plan.errors) == 1 and plan.errors[0].startswith("Row 2:"), plan.errors


def test_an_import_removes_control_characters_and_keeps_line_breaks(session, small_reference):
    frame = ss.read_table(b"Rec No.,Action\n1.1,Train\x0bstaff\x07\n", "plan.csv")
    assert list(frame.iloc[0]) == ["1.1", "Train\nstaff"]


def test_an_import_removes_direction_overrides_as_it_removes_control_characters(session, small_reference):
    """No field takes U+202D/U+202E (tracker.inputs), so an import drops them instead of failing when applied."""
    frame = ss.read_table("Rec No.,Action\n1.1,evil\u202egpj.exe \u202dtrain\n".encode(), "plan.csv")
    assert list(frame.iloc[0]) == ["1.1", "evilgpj.exe train"]


# --- exports ----------------------------------------------------------------------------------------------------


def test_an_update_with_a_vertical_tab_exports_to_xlsx(client, coordinator, session, make_user, engine):
    editor = make_user(Role.EDITOR, "kent")
    ctx = load_response(session, editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    update = services.add_update(session, ctx, editor, {"text": "Placeholder"})
    session.commit()
    with engine.begin() as conn:  # as stored before the check existed (Word's Shift+Enter, pasted)
        conn.execute(
            sa.update(ProgressUpdate).where(ProgressUpdate.id == update.id).values(text="Trained\x0bstaff\x01")
        )
    answer = client.get("/oversight/report/export/xlsx")
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Trained\nstaff" in cells


def test_a_formula_period_name_is_neutralised_in_missing_updates(client, coordinator, session):
    period = open_period(
        session, name='=HYPERLINK("https://example.org","x")', cut_off=dt.date(2025, 7, 31), actor=Actor("t")
    )
    session.commit()
    answer = client.get(f"/oversight/periods/{period.id}/missing-updates.csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows and {row["period"] for row in rows} == {'\'=HYPERLINK("https://example.org","x")'}


# --- content types --------------------------------------------------------------------------------------------


def test_csv_downloads_and_evidence_files_say_their_charset_once(client, coordinator, session, make_user, settings):
    from tracker.evidence.services import add_file

    editor = make_user(Role.EDITOR, "kent")
    ctx = load_response(session, editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    item = add_file(
        session,
        ctx,
        editor,
        filename="notes.txt",
        content=b"Some notes\n",
        visibility="inspectorate",
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    session.commit()
    period = open_period(session, name="Summer", cut_off=dt.date(2025, 7, 31), actor=Actor("t"))
    session.commit()
    for url, expected in [
        ("/oversight/report/export/csv", "text/csv; charset=utf-8"),
        (f"/oversight/periods/{period.id}/missing-updates.csv", "text/csv; charset=utf-8"),
        ("/open-data/responses.csv", "text/csv; charset=utf-8"),
        (f"/evidence/{item.id}/download", "text/plain; charset=utf-8"),
    ]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"] == expected, url


# Other spellings of the number n that int() reads as n (ids come from sequences, so n is whatever the record got).
SPELLINGS = {
    "arabic-indic digits": lambda n: quote("".join(chr(0x660 + int(d)) for d in str(n))),
    "fullwidth digits": lambda n: quote("".join(chr(0xFF10 + int(d)) for d in str(n))),
    "a leading zero": lambda n: f"0{n}",
    "a vertical tab after": lambda n: f"{n}%0B",
    "a space before": lambda n: f"%20{n}",
}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_only_the_plain_ascii_spelling_of_an_id_reaches_its_record(client, admin, spelling):
    """int() reads Arabic-Indic and fullwidth digits, "01" and "1\\v" as 1; an address written so names no record."""
    assert client.get(f"/admin/users/{admin.id}", follow_redirects=False).status_code == 200
    assert client.get(f"/admin/users/{SPELLINGS[spelling](admin.id)}", follow_redirects=False).status_code == 404
    assert client.get(f"/api/responses/{SPELLINGS[spelling](admin.id)}", follow_redirects=False).status_code == 404


def test_a_form_part_that_is_not_utf8_is_a_clear_400(client, small_reference):
    body = b'--XX\r\nContent-Disposition: form-data; name="title"\r\n\r\n\xff\xfe\r\n--XX--\r\n'
    for path in ("/sign-in", "/practice/submissions"):
        answer = client.post(path, content=body, headers={"content-type": "multipart/form-data; boundary=XX"})
        assert answer.status_code == 400, path


def stored_fields() -> list[tuple[type, str, bool]]:
    """Every text and JSON column of every model, and whether it is JSON (a list field, or a copy of records)."""
    from sqlmodel import SQLModel

    import tracker.models  # noqa: F401  (every model mapped)

    found = []
    for mapper in SQLModel._sa_registry.mappers:
        for attribute in mapper.column_attrs:
            column = attribute.columns[0]
            if isinstance(column.type, sa.JSON) or text_length(column) is not False:
                found.append((mapper.class_, attribute.key, isinstance(column.type, sa.JSON)))
    return sorted(found, key=lambda f: (f[0].__name__, f[1]))


def test_every_stored_text_and_list_field_refuses_a_direction_override():
    """Outsider pass 5, findings 1 and 7: the list fields (practice links, recommendation sources) were never
    checked. The before-flush check reads every text column and every JSON list, so a new field cannot miss it."""
    fields = stored_fields()
    assert {(cls.__name__, name) for cls, name, _ in fields} >= {("Practice", "links"), ("Recommendation", "text")}
    for cls, name, is_json in fields:
        record = sa.inspect(cls).class_manager.new_instance()
        setattr(record, name, ["https://example.org/\u202egnp.exe"] if is_json else "evil\u202egpj.exe")
        assert problems_of(record) == {name: BIDI_MESSAGE}, f"{cls.__name__}.{name}"
