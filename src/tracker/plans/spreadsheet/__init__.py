"""An organisation's plan in and out of a spreadsheet: import (with a dry run) and export (CSV and XLSX).

Importing goes in four steps, each a plain function that tests can call without HTTP:

1. ``read_table`` turns an uploaded CSV or XLSX file into a table of strings. Its index is the row number the
   person sees in their spreadsheet, so every message can name the row they need to fix.
2. ``detect_mapping`` guesses which column holds what from common header names; the person can change it.
3. ``plan_import`` is the dry run: what each row would create or change, or what is wrong with it. It only reads.
4. ``apply_import`` writes a plan without errors in one transaction, committing once at the end, so an import
   that fails or is killed half-way leaves nothing behind. Re-importing the same file finds everything already
   there and changes nothing: an action is the same if it has the same response and description (ignoring case
   and spacing), an update if it has the same response and text, whatever its date (so a round imported again
   with another date adds nothing).

A file can be older than the plan: when a row would change a field that someone changed in the tracker after
the date the row carries (its latest update) or after the same file was last imported, the dry run lists it as
a conflict and keeps the tracker's newer value unless the person chooses the file's (``Conflict``). An export
says when it was made, to the second ("Exported at"): a re-imported export is judged against that time.

Empty cells never clear anything: they leave what is recorded as it is. ``export_rows`` writes the plan with
the same column names, so importing an export changes nothing (a lossless round trip).

Cells that a spreadsheet program would run as a formula (starting =, +, -, @, tab or carriage return) are
neutralised in exports: a leading apostrophe in CSV (which the importer removes again) and an explicit text
cell in XLSX.
"""

from tracker.plans.spreadsheet.apply import apply_import
from tracker.plans.spreadsheet.common import ImportConflict, SpreadsheetError
from tracker.plans.spreadsheet.dry_run import plan_import
from tracker.plans.spreadsheet.export import export_csv, export_rows, export_xlsx
from tracker.plans.spreadsheet.mapping import detect_mapping
from tracker.plans.spreadsheet.reading import read_table

__all__ = [
    "ImportConflict",
    "SpreadsheetError",
    "apply_import",
    "detect_mapping",
    "export_csv",
    "export_rows",
    "export_xlsx",
    "plan_import",
    "read_table",
]
