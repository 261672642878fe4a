"""Plan spreadsheets for tests: workbooks built cell by cell where a CSV cannot say what a test needs."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl


def xlsx_with_formulas(cached: dict[str, str]) -> bytes:
    """A workbook with formulas in Summary (B2), Action (C3) and Update (D4); ``cached`` gives some of them the
    value Excel would have saved with them (openpyxl itself saves none)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Rec No.", "Summary", "Action", "Update", "Update date"])
    sheet.append(["1.1", "=1+1", None, None, None])
    sheet.append(["1.2", None, '="Train"&" staff"', None, None])
    sheet.append(["1.2", None, None, '=HYPERLINK("http://x.example","see")', "01/10/2025"])
    out = io.BytesIO()
    workbook.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for cell, value in cached.items():
                    data = re.sub(
                        rf'<c r="{cell}"><f>(.*?)</f><v */>'.encode(),
                        rf'<c r="{cell}" t="str"><f>\1</f><v>{value}</v>'.encode(),
                        data,
                    )
            target.writestr(item, data)
    return patched.getvalue()
