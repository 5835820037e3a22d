"""What the importer tests build and read (shared by test_importer and test_import_integrity)."""

from __future__ import annotations

import io

import openpyxl


def messages(result) -> list[str]:
    """The import result's errors, as the text a user reads."""
    return [str(i) for i in result.errors]


def xlsx_of(sheets: dict[str, list[list]]) -> bytes:
    """An Excel workbook of ``sheets`` (title -> rows, in order; an empty row is a blank line)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
