"""The spreadsheet import in Welsh: on a Welsh page the check's row errors, column problems and changes are the
catalogue's Welsh sentences; a bilingual organisation's export carries the Welsh of each public text in a column
after it, and its import takes those columns as the Welsh of the same texts (issue 20).

The small reference data: Kent (a force, English only) must answer recommendation 1 and its sub-recommendations 1.1
and 1.2.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.plans import response_of, snapshot
from tests.support.spreadsheets import xlsx_with_formulas
from tests.support.web import csrf_headers
from tracker.audit.models import AuditEvent
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans import spreadsheet as ss
from tracker.plans.models import Action, ProgressUpdate
from tracker.plans.services import load_response
from tracker.plans.spreadsheet import SpreadsheetError
from tracker.plans.spreadsheet.export import EXPORT_COLUMNS
from tracker.settings import TRANSLATIONS_DIR
from tracker.timeutil import uk_date
from tracker.vocabulary import Role
from tracker.web.i18n import Catalogues, gettext, translations_in_use

WELSH = Catalogues.load(TRANSLATIONS_DIR).translations("cy")


def said(message: str, **values: object) -> tuple[str, str]:
    """``message`` as the catalogue says it in Welsh and in English (they must differ: a Welsh page shows the first)."""
    with translations_in_use(WELSH):
        welsh = gettext(message, **values)
    english = gettext(message, **values)
    assert welsh != english, message
    return welsh, english


@pytest.fixture
def kent_editor(session, small_reference, make_user):
    return make_user(Role.EDITOR, "kent")


def check(client, content: bytes, filename: str = "plan.csv", lang: str = "cy", **fields: str) -> str:
    """The check page for ``content`` uploaded on a page in ``lang``, its text unescaped."""
    answer = client.post(
        f"/plan/kent/import?lang={lang}",
        files={"file": (filename, content, "text/csv")},
        data=fields,
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert answer.status_code == 200
    assert f'<html lang="{lang}' in answer.text
    return html.unescape(answer.text)


def problems(page: str) -> list[str]:
    """The rows of the check page's table of problems, as "row: message"."""
    table = re.search(r'data-testid="import-errors".*?</table>', page, re.S)
    assert table, "no problems listed"
    cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>\s*<td class="govuk-table__cell">(.*?)</td>', table[0])
    return [f"{row}: {message}" for row, message in cells]


BAD_ROWS = b"Rec No.,Action,Target date\n31,Train staff,\n1.1,Review the policy,next spring\n"


def test_a_welsh_check_page_names_each_bad_row_in_welsh(client, kent_editor):
    sign_in(client, kent_editor.email)
    page = check(client, BAD_ROWS)
    unknown = said("there is no recommendation %(number)s", number="31")
    not_a_date = said(
        "%(value)s is not a date (target date: try 27/03/2025, 27 March 2025 or March 2026)", value="'next spring'"
    )
    listed = problems(page)
    assert listed == [f"2: {unknown[0][:1].upper()}{unknown[0][1:]}", f"3: {not_a_date[0]}"]
    summary = said("Row %(row)s: %(problem)s", row=2, problem=unknown[0])[0]
    assert summary in page  # the error summary above the table
    for _welsh, english in (unknown, not_a_date):
        assert english not in page


def test_a_welsh_check_page_names_a_formula_cell_in_welsh(client, kent_editor):
    sign_in(client, kent_editor.email)
    page = check(client, xlsx_with_formulas({}), "plan.xlsx")
    welsh, english = said("cell %(cell)s holds a formula; paste its value instead", cell="B2")
    assert f"2: {welsh[:1].upper()}{welsh[1:]}" in problems(page)
    assert english not in page and "holds a formula" not in page


def test_a_welsh_check_page_gives_column_problems_and_labels_in_welsh(client, kent_editor):
    sign_in(client, kent_editor.email)
    # Two columns chosen as the action
    page = check(client, BAD_ROWS, **{"column-0": "recommendation", "column-1": "action", "column-2": "action"})
    with translations_in_use(WELSH):
        field = gettext("Action (what will be done)")
    welsh, _english = said(
        "Only one column can be imported as %(field)s: you chose %(columns)s",
        field=field,
        columns=said("%(some)s and %(last)s", some="'Action'", last="'Target date'")[0],
    )
    assert welsh in page and "Only one column" not in page
    assert ">Peidio â mewnforio<" in page and ">Do not import<" not in page  # the columns' choices are Welsh too
    assert f">{field}<" in page and ">Action (what will be done)<" not in page


def test_the_same_check_stays_english_on_an_english_page(client, kent_editor):
    sign_in(client, kent_editor.email)
    page = check(client, BAD_ROWS, lang="en")
    assert problems(page) == [
        "2: There is no recommendation 31",
        "3: 'next spring' is not a date (target date: try 27/03/2025, 27 March 2025 or March 2026)",
    ]


def test_a_welsh_check_page_describes_the_changes_in_welsh(client, kent_editor):
    sign_in(client, kent_editor.email)
    page = check(client, b"Rec No.,Action,Update,Update date\n1.1,Train staff,Started,01/10/2025\n")
    for message in ("New action", "New update", "Not in the plan"):
        welsh, english = said(message)
        assert f">{welsh}<" in page and f">{english}<" not in page, message
    with translations_in_use(WELSH):
        day = uk_date(dt.date(2025, 10, 1))
    dated = said("Update dated %(date)s: %(text)s", date=day, text="'Started'")[0]
    assert dated in page and "Update dated" not in page


def test_a_welsh_check_page_asks_for_a_column_s_date_in_welsh(client, kent_editor):
    sign_in(client, kent_editor.email)
    page = check(client, b"Rec No.,Update\n1.1,Started\n", **{"column-0": "recommendation", "column-1": "update_text"})
    welsh, english = said(
        "Give the date of the updates in the column '%(column)s' (no column holds their dates)", column="Update"
    )
    assert welsh in page and english not in page


# --- Welsh columns: a bilingual organisation's export carries them, and its import takes them ---------------------


@pytest.fixture
def gwent(session, small_reference, make_user):
    """Gwent Police, which writes its public texts in English and Welsh, with a plan in both languages."""
    organisation = get_by_slug(session, "gwent")
    organisation.bilingual = True
    session.commit()
    editor = make_user(Role.EDITOR, "gwent")
    ctx = load_response(session, editor, response_of(session, "gwent", "1.1").id, Permission.EDIT_PLAN)
    welsh = {"status": "in_progress", "summary": "Training", "summary_cy": "Hyfforddiant", "lead_role": "Head"}
    services.update_response(session, ctx, editor, {**welsh, "lead_role_cy": "Pennaeth troseddu", "version": "1"})
    services.add_action(
        session, ctx, editor, {"description": "Train staff", "description_cy": "Hyfforddi staff", "owner_role": "Lead"}
    )
    services.add_update(session, ctx, editor, {"text": "Started", "text_cy": "Wedi dechrau", "update_on": "01/10/2025"})
    session.rollback()
    return organisation, editor


def plan_of(session, organisation, data: bytes, filename: str = "plan.csv"):
    frame = ss.read_table(data, filename)
    return ss.plan_import(session, organisation.id, frame, ss.detect_mapping(frame.columns))


def test_a_bilingual_organisation_s_export_has_each_text_s_welsh_after_it(session, gwent):
    organisation, _editor = gwent
    header = next(csv.reader(io.StringIO(ss.export_csv(session, organisation.id).decode("utf-8-sig"))))
    welsh = [c for c in header if c.endswith(" (Welsh)")]
    assert welsh == [
        "Lead role (Welsh)",
        "Summary (Welsh)",
        "Waiting for (Welsh)",
        "Why not applicable (Welsh)",
        "Action (Welsh)",
        "Action owner (Welsh)",
        "Update text (Welsh)",
    ]
    for column in welsh:
        assert header[header.index(column) - 1] == column.removesuffix(" (Welsh)")
    rows = ss.export_rows(session, organisation.id)
    one = [r for r in rows if r["Sub-recommendation"] == "1.1"]
    assert {r["Summary (Welsh)"] for r in one} == {"Hyfforddiant"}
    assert {r["Action (Welsh)"] for r in one if r["Action"]} == {"Hyfforddi staff"}
    assert {r["Update text (Welsh)"] for r in one if r["Update text"]} == {"Wedi dechrau"}


def test_an_english_only_organisation_s_export_has_no_welsh_column(session, small_reference):
    kent = get_by_slug(session, "kent")
    header = ss.export_csv(session, kent.id).decode("utf-8-sig").splitlines()[0]
    assert "Welsh" not in header
    assert header.split(",") == EXPORT_COLUMNS


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_bilingual_export_imported_unchanged_changes_nothing(session, gwent, kind):
    organisation, editor = gwent
    exported = (ss.export_csv if kind == "csv" else ss.export_xlsx)(session, organisation.id)
    frame = ss.read_table(exported, f"plan.{kind}")
    mapping = ss.detect_mapping(frame.columns)
    assert {mapping.fields[c] for c in frame.columns if c.endswith("(Welsh)")} == {
        "lead_role_cy",
        "summary_cy",
        "blocked_reason_cy",
        "not_applicable_reason_cy",
        "action_cy",
        "owner_cy",
        "update_text_cy",
    }
    before = snapshot(session)
    plan = ss.plan_import(session, organisation.id, frame, mapping)
    assert plan.ok, plan.errors
    assert plan.changes == []
    ss.apply_import(session, organisation.id, plan, editor)
    assert snapshot(session) == before


WELSH_FILE = (
    "Rec No.,Summary,Summary (Welsh),Action,Action (Welsh),Action owner (Welsh),Update,Update (Welsh),Update date\n"
    "1.2,Plan,Cynllun,Review the policy,Adolygu polisi,Arweinydd,Reviewed,Wedi adolygu,02/10/2025\n"
)


def test_an_import_of_welsh_columns_sets_the_welsh_with_its_history(session, gwent):
    organisation, editor = gwent
    plan = plan_of(session, organisation, WELSH_FILE.encode())
    assert plan.ok, plan.errors
    whats = [f.what for c in plan.changes for f in c.fields]
    assert "Summary in Welsh" in whats
    assert "New action in Welsh" in whats and "New update in Welsh" in whats
    ss.apply_import(session, organisation.id, plan, editor)
    session.rollback()
    response = response_of(session, "gwent", "1.2")
    assert (response.summary, response.summary_cy, response.version) == ("Plan", "Cynllun", 2)
    action = session.exec(select(Action).where(Action.response_id == response.id)).one()
    assert (action.description_cy, action.owner_role_cy) == ("Adolygu polisi", "Arweinydd")
    update = session.exec(select(ProgressUpdate).where(ProgressUpdate.response_id == response.id)).one()
    assert update.text_cy == "Wedi adolygu"
    audited = session.exec(
        select(AuditEvent).where(AuditEvent.entity_type == "response", AuditEvent.entity_id == response.id)
    ).all()
    assert any((e.after or {}).get("summary_cy") == "Cynllun" for e in audited)
    again = plan_of(session, organisation, WELSH_FILE.encode())
    assert again.ok and again.changes == []


def test_a_too_long_welsh_text_is_refused_naming_its_column_and_nothing_is_imported(session, gwent):
    organisation, editor = gwent
    long = "x" * 201
    data = f"Rec No.,Summary (Welsh),Action,Action owner (Welsh)\n1.2,Cynllun,Review,{long}\n".encode()
    before = snapshot(session)
    plan = plan_of(session, organisation, data)
    assert plan.errors == ["Row 2: the text in the column 'Action owner (Welsh)' must be 200 characters or fewer"]
    with pytest.raises(SpreadsheetError):
        ss.apply_import(session, organisation.id, plan, editor)
    session.rollback()
    assert snapshot(session) == before  # all or nothing: not even the good Welsh summary
    assert response_of(session, "gwent", "1.2").summary_cy is None


def test_a_welsh_reason_goes_with_its_status(session, gwent):
    organisation, _editor = gwent
    data = b"Rec No.,Status,Waiting for (Welsh)\n1.2,In progress,Y system\n"
    plan = plan_of(session, organisation, data)
    assert plan.errors == ["Row 2: What it is waiting for is only kept when the status is Blocked"]


def test_an_english_only_organisation_is_told_to_leave_out_a_welsh_column(session, small_reference):
    kent = get_by_slug(session, "kent")
    plan = plan_of(session, kent, b"Rec No.,Summary,Summary (Welsh)\n1.1,Plan,Cynllun\n")
    assert [str(e) for e in plan.mapping_errors] == [
        "The column 'Summary (Welsh)' holds Welsh, but your organisation writes its plan in English only: choose "
        "Do not import for it (an admin can make an organisation bilingual)"
    ]
    mapping = ss.detect_mapping(["Rec No.", "Summary", "Summary (Welsh)"])
    mapping.fields["Summary (Welsh)"] = ""
    frame = ss.read_table(b"Rec No.,Summary,Summary (Welsh)\n1.1,Plan,Cynllun\n", "plan.csv")
    assert ss.plan_import(session, kent.id, frame, mapping).ok


def test_a_welsh_check_page_marks_only_the_columns_in_error(client, kent_editor):
    """Outsider pass 12, F1: a column without a problem carried an empty message, which the Welsh catalogue
    turned into its header ("Project-Id-Version: ..."), so every column showed as an error on a Welsh page."""
    sign_in(client, kent_editor.email)
    english, welsh = check(client, BAD_ROWS, lang="en"), check(client, BAD_ROWS)
    for page in (english, welsh):
        assert "Project-Id-Version" not in page
        assert page.count("govuk-select--error") == english.count("govuk-select--error") == 0


def test_an_empty_message_is_never_translated_into_the_catalogue_header():
    with translations_in_use(WELSH):
        assert gettext("") == ""
