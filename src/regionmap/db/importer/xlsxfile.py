"""Reading an Excel ``.xlsx`` workbook: its size, sheets, rows and cells are counted from the
zip and the sheets' XML before openpyxl parses a row, then the sheets are streamed
(read-only) and only the one holding the table is read in full."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from regionmap import importable, settings
from regionmap.db.importer.header import HEADER_SCAN_ROWS, find_header, title_as_of
from regionmap.db.importer.reading import Budget, Grid, Source, row_cap, too_many_rows
from regionmap.db.importer.result import Refused
from regionmap.i18n import Message, message

#: Cells read per row of a worksheet (the import tables have about a dozen columns); a
#: declared dimension such as A1:XFD1048576 would otherwise pad every row to 16,384 cells.
MAX_XLSX_COLUMNS = 200
_SHEET_XML = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)


def read(data: bytes, file_name: str, tables: Sequence[str], budget: Budget) -> Source:
    """The workbook's sheets (:func:`read_sheets`), with a note when its name does not say
    it is a workbook."""
    sheets, names = read_sheets(data, row_cap(), tables, budget)
    notes: list[Message] = []
    if Path(file_name).suffix.lower() != ".xlsx":
        notes.append(message("import.note.read_as_xlsx"))
    return Source(sheets=sheets, sheet_names=names, notes=notes)


def _unreadable(exc: Exception) -> Refused:
    return Refused("import.refused.bad_xlsx", error_type=type(exc).__name__, error=str(exc))


def _count_cells(data: bytes) -> None:
    """Count rows and cells of every worksheet from its XML, streamed (C-speed byte counts),
    and refuse more than ``max_rows`` rows in a sheet or ``max_cells`` cells in all before
    openpyxl parses a single row."""
    max_rows = row_cap()
    max_cells = settings.get("max_cells")
    cells = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not _SHEET_XML.fullmatch(name):
                continue
            with zf.open(name) as fh:
                rows, n = _count_sheet(fh)
            cells += n
            if rows > max_rows:
                raise too_many_rows()
            if cells > max_cells:
                raise Refused("import.refused.cells", cap=max_cells, where="")


def _count_sheet(fh: Any) -> tuple[int, int]:
    """(rows, cells) of one worksheet's XML, read in 1 MB chunks."""
    rows = cells = 0
    tail = b""
    while chunk := fh.read(1 << 20):
        block = tail + chunk
        rows += block.count(b"<row ") + block.count(b"<row>")
        cells += block.count(b"<c ") + block.count(b"<c>")
        tail = block[-4:]
        # a match wholly inside the carried tail was counted in the last block
        rows -= tail.count(b"<row")
        cells -= tail.count(b"<c ") + tail.count(b"<c>")
    return rows, cells


def check_unpacked(data: bytes) -> None:
    """Refuse a workbook that unpacks to more than ``max_unpacked_mb`` or has more than
    ``max_sheets`` sheets, before openpyxl reads it."""
    cap = settings.get("max_unpacked_mb")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(max(info.file_size, 0) for info in zf.infolist())
            sheets = sum(1 for n in zf.namelist() if _SHEET_XML.fullmatch(n))
        if total <= cap * 1024 * 1024:
            _count_cells(data)
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError (method), …
        raise _unreadable(exc) from None
    if total > cap * 1024 * 1024:
        raise Refused("import.refused.unpacked", mb=total / 1024 / 1024, cap=cap)
    max_sheets = settings.get("max_sheets")
    if sheets > max_sheets:
        raise Refused("import.refused.sheets", n=sheets, cap=max_sheets)


def read_sheets(
    data: bytes,
    cap: int,
    tables: Iterable[str] | None = None,
    budget: Budget | None = None,
) -> tuple[list[tuple[str | None, Grid]], list[str]]:
    """The worksheets as (title, rows), streamed (openpyxl read-only), and the names of
    every sheet of the workbook (the import says which it did not read).

    Only the first sheet whose first rows hold a header for one of ``tables`` (default: every
    import table) is read in full; of the others only the first rows are read (for the
    messages). Rows, cells and time are counted as they are read (:class:`Budget`).
    """
    from openpyxl import load_workbook  # heavy: imported when a workbook is read

    budget = budget or Budget()
    tables = tuple(tables) if tables is not None else importable.NAMES
    check_unpacked(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any malformed workbook gets the same message
        raise _unreadable(exc) from None
    sheets: list[tuple[str | None, Grid]] = []
    try:
        names = list(wb.sheetnames)
        for ws in wb.worksheets:
            rows, full = _read_sheet(ws, cap, tables, budget)
            sheets.append((ws.title, rows))
            if full or (len(rows) < HEADER_SCAN_ROWS and find_header(rows, tables, None)):
                break
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _unreadable(exc) from None
    finally:
        wb.close()
    return sheets, names


def _read_sheet(ws: Any, cap: int, tables: tuple[str, ...], budget: Budget) -> tuple[Grid, bool]:
    """A sheet's rows (trailing empty cells dropped) and whether it holds a header: read in
    full if its first rows hold one, else only those rows."""
    rows: Grid = []
    # the declared dimension is not trusted: no padding to it, at most MAX_XLSX_COLUMNS
    # cells per row
    ws.reset_dimensions()
    full = False
    for i, rec in enumerate(ws.iter_rows(values_only=True, max_col=MAX_XLSX_COLUMNS), start=1):
        values = list(rec)
        while values and values[-1] is None:
            values.pop()
        rows.append((i, values))
        budget.add(len(values), i, ws.title)
        if i % 1000 == 0:
            budget.tick(i)
        if len(rows) == HEADER_SCAN_ROWS and not full:
            full = find_header(rows, tables, *title_as_of(rows)[:2]) is not None
            if not full:
                break
        if len(rows) > cap:
            break
    return rows, full
