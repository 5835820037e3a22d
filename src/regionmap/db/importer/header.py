"""Finding the header row and the as-of date of a title row.

The header is the best-scoring of a sheet's first :data:`HEADER_SCAN_ROWS` rows: the one
naming most fields of a table (:mod:`regionmap.importable`: every alias of every field)
with all its required ones. Title rows above it are skipped; a title's as-of date
(令和元年12月1日現在, 平成27年3月末現在, R1.12.1現在) stands for a missing month column of a
table whose month field may come from the title (evacuees).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from regionmap import importable
from regionmap.db.importer.result import Issue
from regionmap.db.parsing import ParseError, era_year, is_blank, nfkc
from regionmap.i18n import Joined, message

#: Rows of a sheet searched for the header (and for a title's as-of date).
HEADER_SCAN_ROWS = 30

Grid = list[tuple[int, list[Any]]]


def field_of(cell: Any, aliases: dict[str, str]) -> str | None:
    """The field a header cell names (``aliases``: :meth:`ImportTable.aliases`): by the whole
    header first (``名称(英語)``), then without a unit in brackets (``人数(人)`` is 人数)."""
    if is_blank(cell):
        return None
    return aliases.get(importable.header_key(cell)) or aliases.get(
        importable.normalise_header(cell)
    )


def fields_found(cells: list[Any], table: str) -> dict[str, int]:
    """Field -> its (first) column in a header row."""
    aliases = importable.get(table).aliases()
    found: dict[str, int] = {}
    for j, c in enumerate(cells):
        name = field_of(c, aliases)
        if name and name not in found:
            found[name] = j
    return found


def repeated_fields(cells: list[Any], table: str) -> dict[str, list[int]]:
    """Fields that more than one header cell names (``隊員数,隊員数``, or 市町村コード and
    団体コード): field -> its columns (0-based), the first one read first."""
    aliases = importable.get(table).aliases()
    cols: dict[str, list[int]] = {}
    for j, c in enumerate(cells):
        name = field_of(c, aliases)
        if name:
            cols.setdefault(name, []).append(j)
    return {name: js for name, js in cols.items() if len(js) > 1}


def ignored_columns(cells: list[Any], table: str) -> list[str]:
    """Header cells that are not imported: unknown ones (a second column of a field is read
    and checked against the first, :func:`repeated_fields`)."""
    used = set(fields_found(cells, table).values())
    used.update(j for cols in repeated_fields(cells, table).values() for j in cols)
    return [nfkc(c) for j, c in enumerate(cells) if not is_blank(c) and j not in used]


def column_letter(j: int) -> str:
    """The spreadsheet letter of 0-based column ``j``: 0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def has_required(found: dict[str, int], table: str, as_of: dt.date | None = None) -> bool:
    """Whether a header row names every required field of ``table`` and a municipality column
    (a month a title gives stands for the month column)."""
    spec = importable.get(table)
    req = {f.id for f in spec.required() if not (as_of and f.options.get("from_title"))}
    muni = "municipality_code" in found or "municipality_name" in found
    return muni and req <= set(found)


def find_header(
    rows: Grid,
    tables: Iterable[str],
    as_of: dt.date | None = None,
    as_of_row: int | None = None,
) -> tuple[int, str] | None:
    """(index in rows, table) of the header row; the best-scoring row of the first 30.
    A title's as-of date (``as_of`` in row ``as_of_row``) stands for a missing month column
    only for a header below it: a date in a data row is not the file's month."""
    best = None
    for idx, (row_no, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        above = as_of if as_of_row is not None and as_of_row < row_no else None
        for table in tables:
            fields = fields_found(cells, table)
            if not has_required(fields, table, above):
                continue
            score = len(fields)
            if best is None or score > best[0]:
                best = (score, idx, table)
    if best is None:
        return None
    return best[1], best[2]


def best_match(rows: Grid, tables: Iterable[str]) -> tuple[str, int]:
    """The table whose fields a row of the first 30 names most, and how many it names."""
    scores = {
        table: max((len(fields_found(c, table)) for _, c in rows[:HEADER_SCAN_ROWS]), default=0)
        for table in tables
    }
    table = max(scores, key=lambda t: scores[t])
    return table, scores[table]


def missing_columns(rows: Grid, table: str) -> list[Issue]:
    """Issues for the required columns missing from the best candidate header row."""
    best_idx, best_found = 0, dict[str, int]()
    for idx, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = fields_found(cells, table)
        if len(found) > len(best_found):
            best_idx, best_found = idx, found
    if not best_found:
        return []
    row_no = rows[best_idx][0]
    spec = importable.get(table)
    issues = [
        Issue(
            "",
            row_no,
            f.header,
            "import.error.missing_column",
            header=f.header,
            name=f.id,
            aliases=Joined(f.aliases[:4]),
        )  # fmt: skip
        for f in spec.required()
        if f.id not in best_found
    ]
    if "municipality_code" not in best_found and "municipality_name" not in best_found:
        name, code = spec.field("municipality_name").header, spec.field("municipality_code").header
        issues.append(
            Issue("", row_no, name, "import.error.missing_municipality", name=name, code=code)
        )
    return issues


def expected_columns() -> Joined:
    """The headers a file needs, table by table, each named once: 年度, 市町村名 (or
    市町村コード), 派遣区分, 人数 / 名称, 種別 … (a table's required ones and its municipality)."""
    groups: list[Joined] = []
    shown: set[str] = set()
    for spec in importable.TABLES:
        required = [f.header for f in spec.required()]
        name, code = spec.field("municipality_name").header, spec.field("municipality_code").header
        heads: list[object] = []
        for header in [*required[:1], name, *required[1:]]:
            if header not in shown:
                shown.add(header)
                heads.append(message("import.header.name_or_code", name=name, code=code)
                             if header == name else header)  # fmt: skip
        if heads:
            groups.append(Joined(tuple(heads)))
    return Joined(tuple(groups), "slash")


# --------------------------------------------------------------------------------------
# A title row's as-of date: 令和元年12月1日現在, 平成27年3月末現在, R1.12.1現在
# --------------------------------------------------------------------------------------

_AS_OF_RE = re.compile(
    r"(?P<era>令和|平成|昭和|[RHS])\.?\s*(?P<y>元|\d{1,2})\s*[年./]\s*(?P<m>\d{1,2})\s*(?:月)?"
    r"\s*(?:[./]?\s*(?P<d>\d{1,2})\s*日?|末)?\s*(?:時点|現在)"
    r"|(?P<gy>\d{4})\s*[年./-]\s*(?P<gm>\d{1,2})\s*(?:月)?\s*(?:[./-]?\s*(?P<gd>\d{1,2})\s*日?|末)?"
    r"\s*(?:時点|現在)",
)


def title_as_of(rows: Grid) -> tuple[dt.date | None, int | None, str]:
    """(month, row number, text) of the first as-of date in the first rows' cells."""
    for row_no, cells in rows[:HEADER_SCAN_ROWS]:
        for c in cells:
            if is_blank(c) or not isinstance(c, str):
                continue
            text = nfkc(c)
            month = _as_of_month(text)
            if month is not None:
                return month, row_no, text
    return None, None, ""


def _as_of_month(text: str) -> dt.date | None:
    """The month of the as-of date in ``text`` (None when it has none, or not a real one)."""
    m = _AS_OF_RE.search(text)
    if not m:
        return None
    try:
        if m.group("era"):
            year, month = era_year(m.group("era"), m.group("y")), int(m.group("m"))
        else:
            year, month = int(m.group("gy")), int(m.group("gm"))
    except ParseError:
        return None
    return dt.date(year, month, 1) if 1 <= month <= 12 else None
