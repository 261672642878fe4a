"""The dry run's checks of the columns as chosen (``check_mapping``): what each holds, that the numbers are there,
and the date of each column of updates. Problems here are about the choice of columns, not a row
(``MappingError``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from tracker.organisations.bilingual import WELSH_SUFFIX
from tracker.plans.spreadsheet.common import cell_text, listed
from tracker.plans.spreadsheet.mapping import FIELDS, IGNORE, ROUND, Mapping, date_in_header
from tracker.plans.spreadsheet.results import ImportPlan, MappingError
from tracker.timeutil import DateParseError, parse_uk_date, uk_date
from tracker.web.i18n import N_, gettext

if TYPE_CHECKING:
    import pandas as pd  # annotations only: pandas is imported when a file is read (spreadsheet.reading)


def check_mapping(
    plan: ImportPlan, frame: pd.DataFrame, mapping: Mapping, given: dict[str, Any], *, bilingual: bool = False
) -> None:
    """Add to ``plan`` every problem with the columns as ``mapping`` chooses them, and the date of each dated
    column (``given`` on the form, else its heading's). A Welsh column is refused unless the organisation is
    ``bilingual``: its Welsh would be kept nowhere it is shown, and dropping it silently would lose the work."""
    by_field: dict[str, list[str]] = defaultdict(list)
    for column, name in mapping.fields.items():
        if name not in FIELDS and name != IGNORE:
            plan.mapping_errors.append(
                MappingError(gettext("Choose what the column '%(column)s' holds", column=column), column)
            )
        elif column not in frame.columns:
            if name != IGNORE:
                plan.mapping_errors.append(
                    MappingError(gettext("The file has no column '%(column)s'", column=column), column)
                )
        elif name not in (IGNORE, ROUND):
            by_field[name].append(column)
            if name.endswith(WELSH_SUFFIX) and not bilingual:
                plan.mapping_errors.append(MappingError(gettext(_NOT_BILINGUAL, column=column), column))
    for name, columns in by_field.items():
        if len(columns) > 1:
            message = N_("Only one column can be imported as %(field)s: you chose %(columns)s")
            picked = listed([f"'{c}'" for c in columns])
            plan.mapping_errors.append(
                MappingError(gettext(message, field=gettext(FIELDS[name]), columns=picked), columns[1])
            )
    if not by_field.get("recommendation") and not by_field.get("sub_recommendation"):
        plan.mapping_errors.append(MappingError(gettext("Choose the column that holds the recommendation number")))
    elif not set(by_field) - {"recommendation", "sub_recommendation"} and not mapping.round_columns():
        plan.mapping_errors.append(MappingError(gettext("Choose at least one column to import besides the number")))
    _check_dates(plan, frame, mapping, given)


def _check_dates(plan: ImportPlan, frame: pd.DataFrame, mapping: Mapping, given: dict[str, Any]) -> None:
    """The date of each dated column: given on the form, else its heading's; one in the future, or none for a
    column of updates without dates of their own, is a problem."""
    today = dt.date.today()
    for column in mapping.dated_columns():
        if column not in frame.columns:
            continue
        is_round = mapping.fields[column] == ROUND
        try:
            chosen = parse_uk_date(given.get(column), month_end=True)
        except DateParseError:
            message = gettext("The date for '%(column)s' must be a real date, like 31/03/2026", column=column)
            plan.mapping_errors.append(MappingError(message, column, "date"))
            continue
        if chosen is None and is_round:
            chosen = date_in_header(column)
        if chosen is not None and chosen > today:
            message = N_(
                "The updates in '%(column)s' are dated %(date)s, which is in the future: "
                "give the date they were written"
            )
            plan.mapping_errors.append(
                MappingError(gettext(message, column=column, date=uk_date(chosen)), column, "date")
            )
        elif chosen is not None:
            plan.dates[column] = chosen
        elif frame[column].map(cell_text).any() and (is_round or mapping.column_for("update_date") is None):
            message = (
                N_("Give the date of the updates in the column '%(column)s'")
                if is_round
                else N_("Give the date of the updates in the column '%(column)s' (no column holds their dates)")
            )
            plan.mapping_errors.append(MappingError(gettext(message, column=column), column, "date"))


_NOT_BILINGUAL = N_(
    "The column '%(column)s' holds Welsh, but your organisation writes its plan in English only: choose "
    "Do not import for it (an admin can make an organisation bilingual)"
)
