"""Reading a file's bytes: the limits (size, rows, cells, time), the text's encoding, and
what a reader hands on (:class:`Source`: its sheets as grids of cells).

Every limit is a setting (``python -m regionmap settings``) and is checked while the file is
read, so a hostile file within the size cap is refused in seconds, never after minutes.
The readers of each format are in :mod:`.csvfile` and :mod:`.xlsxfile`; which reads a file
is decided from its bytes in :mod:`.formats`.
"""

from __future__ import annotations

import io
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from regionmap import settings
from regionmap.db.importer.header import HEADER_SCAN_ROWS
from regionmap.db.importer.result import Issue, Refused
from regionmap.i18n import Message, message

#: A sheet's rows as read: (row number as the spreadsheet shows it, its cells).
Grid = list[tuple[int, list[Any]]]


@dataclass
class Checked:
    """What a reader's own check of a file's shape found once the header is known (a CSV's
    field counts and multi-line cells): problems, notes, and the lines against the rows."""

    issues: list[Issue] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    data_lines: int | None = None
    rows_read: int | None = None


@dataclass
class Source:
    """A file as a reader found it: its sheets (a CSV has one, named None), the names of
    every sheet of a workbook (the import says which it did not read), notes on how it was
    read, and the reader's own check to run once the header row is known."""

    sheets: list[tuple[str | None, Grid]]
    sheet_names: list[str] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    after_header: Callable[[int, str], Checked] | None = None


def row_cap() -> int:
    """Rows a reader reads at most: the data rows allowed, the rows above a header, the header."""
    return settings.get("max_rows") + HEADER_SCAN_ROWS + 1


def too_many_rows() -> Refused:
    return Refused("import.refused.too_many_rows", cap=settings.get("max_rows"))


def too_big(size: int, cap: int) -> Refused:
    return Refused("import.refused.too_big", mb=size / 1024 / 1024, cap=cap)


class Budget:
    """What reading one file may still cost: a deadline and a number of cells.

    Checked as rows are read (CSV records, worksheet rows, validated rows), so a
    hostile file within the size cap is refused in seconds, never after minutes.
    """

    def __init__(self) -> None:
        self.seconds = settings.get("max_parse_seconds")
        self.deadline = time.monotonic() + self.seconds
        self.max_cells = settings.get("max_cells")
        self.cells = 0

    def tick(self, row: int | None = None) -> None:
        """Refuse the file when reading it has taken longer than its time."""
        if time.monotonic() > self.deadline:
            at = message("import.at.stopped", row=row) if row else ""
            raise Refused("import.refused.slow", row=row, seconds=self.seconds, at=at)

    def add(self, n: int, row: int | None = None, sheet: str | None = None) -> None:
        """Count ``n`` more cells (read at ``row`` of ``sheet``); refuse past the limit."""
        self.cells += n
        if self.cells > self.max_cells:
            where = message("import.at.row", row=row)
            if sheet:
                where = message("import.at.sheet_row", row=row, sheet=sheet)
            raise Refused("import.refused.cells", row=row, cap=self.max_cells, where=where)


def check_size(data: bytes) -> None:
    """Refuse a file above ``max_upload_mb`` or empty."""
    cap = settings.get("max_upload_mb")
    if len(data) > cap * 1024 * 1024:
        raise too_big(len(data), cap)
    if not data.strip():
        raise Refused("import.refused.empty")


# --------------------------------------------------------------------------------------
# Text: the encoding of a CSV
# --------------------------------------------------------------------------------------


def utf16(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the bytes are UTF-16 text (a BOM, or NULs every other byte)."""
    if data[:2] == b"\xff\xfe":
        return "utf-16-le"
    if data[:2] == b"\xfe\xff":
        return "utf-16-be"
    head = data[:4096]
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def _where_byte(data: bytes, pos: int) -> tuple[int, int]:
    """(line, byte within that line), both 1-based, of byte offset ``pos`` of ``data``."""
    return data.count(b"\n", 0, pos) + 1, pos - (data.rfind(b"\n", 0, pos) + 1) + 1


def _undecodable(data: bytes, pos: int, encoding: str, offset: int = 0) -> Refused:
    """The refusal of a file that is ``encoding`` up to byte ``pos`` (of ``data``, which
    starts ``offset`` bytes into the file: after a BOM) and not from there: it names the line
    and the byte within it (a file saved line by line in two encodings)."""
    line, byte = _where_byte(data, pos)
    if line == 1:  # not even the first line reads: the file as a whole is in neither
        return Refused("import.refused.undecodable", byte=byte)
    return Refused(
        "import.refused.mixed_encoding",
        row=line,
        line=line,
        byte=byte,
        file_byte=pos + offset + 1,
        encoding=encoding,
        other="Shift_JIS" if encoding == "UTF-8" else "UTF-8",
    )


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 with BOM, UTF-8, UTF-16 (Excel's "Unicode text") or
    Shift_JIS (CP932). A file that is neither is refused naming the line (and the byte in
    it) where it stops being the encoding that reads furthest."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(data[3:], exc.start, "UTF-8", offset=3) from None
    text16 = _utf16_text(data)
    if text16 is not None:
        return text16, "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_stop = exc.start
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        sjis_stop = exc.start
    if utf8_stop >= sjis_stop:  # UTF-8 up to a later line: that line is something else
        raise _undecodable(data, utf8_stop, "UTF-8") from None
    raise _undecodable(data, sjis_stop, "Shift_JIS") from None


def _utf16_text(data: bytes) -> str | None:
    """The text of UTF-16 bytes that read as text (None when they are not UTF-16 text)."""
    enc16 = utf16(data)
    if not enc16:
        return None
    body = data[2:] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
    try:
        text = body.decode(enc16)
    except UnicodeDecodeError:
        return None
    return text if _plausible_text(text) else None


def _plausible_text(text: str) -> bool:
    """Text, not bytes that happen to decode: lines, and almost no unassigned or control chars."""
    head = text[:4096]
    if not any(sep in head for sep in ("\n", ",", "\t")):
        return False
    bad = sum(
        1
        for ch in head
        if unicodedata.category(ch) in ("Cn", "Co", "Cs", "Cc") and ch not in "\r\n\t"
    )
    return bad <= 0.01 * len(head)


# --------------------------------------------------------------------------------------
# Workbooks read by calamine (.xls, .xlsx, .ods): one fast reader with bounded memory
# --------------------------------------------------------------------------------------


def workbook_sheets(
    data: bytes, file_name: str, budget: Budget | None = None, *, first_only: bool = False
) -> tuple[list[tuple[str, Grid]], list[str]]:
    """The sheets of a workbook (Excel 97–2003 ``.xls``, ``.xlsx``, ``.ods``) read with
    python-calamine: ``[(sheet name, grid)]`` and every sheet's name. The size, row, cell and
    time limits of every import hold (a file past one is refused saying which)."""
    import python_calamine  # heavy optional reader: imported where used

    check_size(data)
    budget = budget or Budget()
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine's own errors: a damaged or foreign file
        raise Refused("import.refused.bad_workbook", error_type=type(exc).__name__,
                      error=str(exc)[:200]) from None  # fmt: skip
    names = list(wb.sheet_names)
    cap = row_cap()
    sheets: list[tuple[str, Grid]] = []
    for name in names[:1] if first_only else names:
        try:
            sheet = wb.get_sheet_by_name(name)
        except Exception as exc:  # calamine's own errors: a damaged sheet
            raise Refused("import.refused.bad_workbook", error_type=type(exc).__name__,
                          error=str(exc)[:200]) from None  # fmt: skip
        if sheet.total_height > cap:  # declared before a row is read
            raise too_many_rows()
        grid: Grid = []
        for i, cells in enumerate(sheet.iter_rows(), start=1):
            if i > cap:
                raise too_many_rows()
            budget.add(len(cells), row=i, sheet=name)
            if i % 1000 == 0:
                budget.tick(i)
            grid.append((i, cells))
        budget.tick()
        sheets.append((name, grid))
    return sheets, names


def workbook_grid(data: bytes, file_name: str, budget: Budget | None = None) -> Grid:
    """The first sheet of a workbook (:func:`workbook_sheets`)."""
    return workbook_sheets(data, file_name, budget, first_only=True)[0][0][1]
