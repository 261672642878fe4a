"""The spreadsheet import in Welsh: on a Welsh page the check's row errors, column problems and changes are the
catalogue's Welsh sentences (issue 20).

The small reference data: Kent (a force, English only) must answer recommendation 1 and its sub-recommendations 1.1
and 1.2.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from tests.support.accounts import sign_in
from tests.support.web import csrf_headers
from tests.web.test_spreadsheet import xlsx_with_formulas
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
