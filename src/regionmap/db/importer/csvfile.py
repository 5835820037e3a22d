"""Reading a CSV (or Excel's tab-separated "Unicode text"): decode, parse, and refuse what
would be misread — a line too long to be a row, a quote left open, a row whose field count
differs from the header's, a multi-line cell that swallowed lines looking like rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from regionmap import settings
from regionmap.db.importer.header import HEADER_SCAN_ROWS
from regionmap.db.importer.reading import Budget, Checked, Grid, Source, decode, row_cap
from regionmap.db.importer.result import Issue, Refused
from regionmap.db.parsing import is_blank
from regionmap.i18n import message


@dataclass
class CsvText:
    """A CSV as read: its records with the line each starts on, and the physical lines."""

    rows: Grid
    encoding: str
    lines: list[str]
    #: first line -> last line of every record that spans more than one line
    spans: dict[int, int]
    delimiter: str = ","

    def check(self, header_idx: int, file_name: str) -> Checked:
        """:func:`integrity` below the header row ``header_idx``."""
        return integrity(self, header_idx, file_name)


def read(data: bytes, file_name: str, tables: Sequence[str], budget: Budget) -> Source:
    """A CSV as one sheet, with a note of its encoding and the check of its rows' shape."""
    text = read_text(data, row_cap(), budget)
    key = "import.note.csv_tab" if text.delimiter == "\t" else "import.note.csv"
    return Source(
        sheets=[(None, text.rows)],
        notes=[message(key, encoding=text.encoding)],
        after_header=text.check,
    )


def _delimiter(lines: list[str]) -> str:
    """Tab for tab-separated text (Excel's "Unicode text"), else comma."""
    for line in lines[:HEADER_SCAN_ROWS]:
        if line.strip():
            if line.count("\t") > line.count(","):
                return "\t"
    return ","


def _open_quote_column(line: str, delimiter: str) -> int:
    """1-based field number of the quote left open on ``line``."""
    rec = next(csv.reader([line], delimiter=delimiter), [])
    return max(len(rec), 1)


def _check_line_lengths(lines: list[str]) -> None:
    limit = settings.get("max_line_chars")
    for k, line in enumerate(lines, start=1):
        if len(line) > limit:
            raise Refused("import.refused.long_line", row=k, line=k, n=len(line), cap=limit)


def read_text(data: bytes, cap: int, budget: Budget | None = None) -> CsvText:
    """Decode and parse a CSV, refusing what would be misread.

    - a line longer than ``max_line_chars`` is refused before anything is parsed;
    - a quote left open to the end of the file is refused naming the line (and field)
      where it opens, instead of reading every following line into one cell.
    """
    budget = budget or Budget()
    text, enc = decode(data)
    lines = io.StringIO(text, newline="").readlines()
    _check_line_lengths(lines)
    delim = _delimiter(lines)
    reader = csv.reader(lines, delimiter=delim, strict=True)
    rows: Grid = []
    spans: dict[int, int] = {}
    start = 1
    try:
        for rec in reader:
            end = reader.line_num
            rows.append((start, rec))
            budget.add(len(rec), start)
            if len(rows) % 1000 == 0:
                budget.tick(start)
            if end > start:
                spans[start] = end
            start = end + 1
            if len(rows) > cap:
                break
    except csv.Error as exc:
        raise _unreadable(exc, start, reader.line_num, lines, delim) from None
    return CsvText(rows, enc, lines, spans, delim)


def _unreadable(exc: csv.Error, start: int, line_num: int, lines: list[str], delim: str) -> Refused:
    """The refusal of a CSV the csv module stopped reading at the record starting on line
    ``start``: a quote never closed, a quote closed lines later without a separator after it,
    or another error at line ``line_num``."""
    if "unexpected end of data" in str(exc) and start <= len(lines):
        col = _open_quote_column(lines[start - 1], delim)
        return Refused(
            "import.refused.open_quote", row=start, line=start, field=col, last=len(lines)
        )
    if line_num > start:
        col = _open_quote_column(lines[start - 1], delim)
        return Refused(
            "import.refused.quote_runs",
            row=start,
            line=start,
            field=col,
            end=line_num,
            error=str(exc),
        )
    return Refused("import.refused.csv_unreadable", row=line_num, line=line_num, error=str(exc))


def _header_width(cells: list[Any]) -> int:
    width = 0
    for j, c in enumerate(cells):
        if not is_blank(c):
            width = j + 1
    return width


def _lines(first: int, last: int) -> object:
    """line 4 / 4行目, or lines 4–6 / 4〜6行目."""
    if first == last:
        return message("import.lines.one", line=first)
    return message("import.lines.span", first=first, last=last)


def _row_issue(
    text: CsvText, line_no: int, cells: list[Any], width: int, header_no: int, file_name: str
) -> Issue | None:
    """The problem of one record: a field count unlike the header's, or a multi-line cell
    that swallowed lines looking like rows of their own (a stray quote)."""
    end = text.spans.get(line_no, line_no)
    used = _header_width(cells)
    if len(cells) < width or used > width:
        n = used if used > width else len(cells)
        return Issue(file_name, line_no, None, "import.error.field_count",
                     lines=_lines(line_no, end), n=n, header=header_no, width=width)  # fmt: skip
    if end > line_no:
        swallowed = [
            k
            for k in range(line_no + 1, end + 1)
            if text.lines[k - 1].count(text.delimiter) >= max(width - 1, 1)
        ]
        if swallowed:
            return Issue(file_name, line_no, None, "import.error.swallowed",
                         first=line_no, last=end, inside=swallowed[0])  # fmt: skip
    return None


def integrity(text: CsvText, header_idx: int, file_name: str) -> Checked:
    """Rows that would be misread (:func:`_row_issue`), and the non-blank lines below the
    header counted against the rows read, for the preview."""
    header_no, header = text.rows[header_idx]
    width = _header_width(header)
    data = [(n, c) for n, c in text.rows[header_idx + 1 :] if not all(is_blank(v) for v in c)]
    issues = [
        issue
        for line_no, cells in data
        if (issue := _row_issue(text, line_no, cells, width, header_no, file_name)) is not None
    ]
    header_end = text.spans.get(header_no, header_no)
    delim = text.delimiter
    data_lines = sum(1 for line in text.lines[header_end:] if line.strip().strip(delim).strip())
    rows_read = len(data)
    if data_lines == rows_read:
        note = message("import.note.lines_read", lines=data_lines, rows=rows_read)
    else:
        note = message("import.note.lines_in_cells", lines=data_lines, rows=rows_read,
                       inside=data_lines - rows_read)  # fmt: skip
    return Checked(issues, [note], data_lines, rows_read)
