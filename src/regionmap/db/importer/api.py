"""The importer's public functions: :func:`validate` (a dry run), :func:`commit` and
:func:`import_file`. A file goes: its size, its format and reader (:mod:`.formats`), the
header and the as-of date (:mod:`.header`), the reader's own check (a CSV's rows), then every
row (:mod:`.rows`); a plan against the live database; and, committed, a new version
through :func:`regionmap.db.changes.commit_import` (atomic swap, history, undo)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regionmap import importable, settings
from regionmap.db import changes, editions, extract
from regionmap.db.importer import fiscal, formats, header, xlsxfile
from regionmap.db.importer.header import HEADER_SCAN_ROWS
from regionmap.db.importer.reading import (
    Budget,
    Grid,
    Source,
    check_size,
    too_big,
    too_many_rows,
    workbook_grid,
)
from regionmap.db.importer.result import ImportResult, Issue, Refused
from regionmap.db.importer.rows import read_rows
from regionmap.db.parsing import is_blank
from regionmap.i18n import Joined

#: The tables a file may be imported into (importable.toml).
IMPORT_TABLES: tuple[str, ...] = importable.NAMES


def _parse(
    data: bytes,
    file_name: str,
    table: str | None,
    allowed_bureaus: Sequence[str] | None,
    fiscal_year: int | None = None,
) -> ImportResult:
    result = ImportResult(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    if table in (None, extract.TABLE) and _ministry(result, data, file_name, fiscal_year):
        return result
    if table is not None and table not in IMPORT_TABLES:
        result.errors.append(Issue(file_name, None, None, "import.refused.unknown_table",
                                   table=table, tables=Joined(IMPORT_TABLES)))  # fmt: skip
        return result
    tables = (table,) if table else IMPORT_TABLES
    try:
        check_size(data)
        budget = Budget()
        source = formats.read(data, file_name, tables, budget)
        for note in source.notes:
            result.note(note)
        if not any(_read_sheet(result, source, sheet, grid, tables, allowed_bureaus, budget)
                   for sheet, grid in source.sheets):  # fmt: skip
            _no_header(result, source, table)
    except Refused as exc:
        result.errors.append(exc.issue(file_name))
    return result


#: The first bytes of the workbooks calamine reads: Excel 97–2003 (OLE2) and .xlsx (zip).
_WORKBOOK_MAGIC = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04")


def _ministry(result: ImportResult, data: bytes, file_name: str, fiscal_year: int | None) -> bool:
    """Read a ministry's published workbook (:mod:`.fiscal`) into ``result``: True when the
    file is one (its first sheet an edition of the key fiscal indicators), else False and the
    file goes to the staff tables' readers."""
    if not data.startswith(_WORKBOOK_MAGIC):
        return False
    if data.startswith(b"PK"):
        try:  # what a workbook unpacks to, counted before any reader parses it
            xlsxfile.check_unpacked(data)
        except Refused:
            return False  # the .xlsx reader refuses it, saying why
    try:
        grid = workbook_grid(data, file_name)
    except Exception:  # noqa: BLE001 - past a limit or unreadable: the readers refuse it, saying why
        return False
    if not fiscal.is_edition(grid):
        return False
    try:
        ed = fiscal.read_edition(grid, file_name, fiscal_year)
    except Refused as exc:
        result.table = extract.TABLE
        result.errors.append(exc.issue(file_name))
        return True
    result.table, result.header_row = extract.TABLE, ed.header_row
    result.errors.extend(ed.errors)
    for note in ed.notes:
        result.note(note)
    rows = ed.rows.copy()
    texts = editions.source_texts(ed.fiscal_year)
    rows["source_ja"], rows["source_en"], rows["is_sample"] = texts[0], texts[1], False
    result.rows = rows
    return True


def _read_sheet(
    result: ImportResult,
    source: Source,
    sheet: str | None,
    grid: Grid,
    tables: Sequence[str],
    allowed_bureaus: Sequence[str] | None,
    budget: Budget,
) -> bool:
    """Read the table of one sheet into ``result`` if the sheet has a header row; False if not."""
    # the data rows allowed and the header row
    if sum(1 for _, c in grid if not all(is_blank(v) for v in c)) > settings.get("max_rows") + 1:
        raise too_many_rows()
    as_of, as_of_row, as_of_text = header.title_as_of(grid)
    hit = header.find_header(grid, tables, as_of, as_of_row)
    if hit is None:
        return False
    idx, table = hit
    result.table, result.sheet, result.header_row = table, sheet, grid[idx][0]
    _sheet_notes(result, source, sheet)
    if source.after_header is not None:
        checked = source.after_header(idx, result.file_name)
        result.data_lines, result.rows_read = checked.data_lines, checked.rows_read
        for note in checked.notes:
            result.note(note)
        if checked.issues:
            result.errors.extend(checked.issues)
            return True
    cells = grid[idx][1]
    _ignored(result, cells, table)
    title_month = None
    if as_of is not None and as_of_row is not None and as_of_row < grid[idx][0]:  # a title
        title_month = _title_month(result, table, cells, as_of, as_of_row, as_of_text)
    rows = read_rows(table, grid, idx, result.file_name, allowed_bureaus, title_month, budget)
    result.rows = rows.frame
    for note in rows.notes:
        result.note(note)
    result.errors.extend(rows.issues)
    return True


def _sheet_notes(result: ImportResult, source: Source, sheet: str | None) -> None:
    """Which sheet of a workbook was read, and which were not."""
    if sheet is None or len(source.sheet_names) <= 1:
        return
    result.note("import.note.sheet", sheet=sheet)
    others = tuple(n for n in source.sheet_names if n != sheet)
    result.note("import.note.other_sheets", sheets=Joined(others))


def _ignored(result: ImportResult, cells: list[Any], table: str) -> None:
    ignored = header.ignored_columns(cells, table)
    if ignored:
        result.ignored_columns = ignored
        result.note("import.note.ignored", columns=Joined(tuple(ignored)))


def _title_month(
    result: ImportResult, table: str, cells: list[Any], as_of: Any, row: int, text: str
) -> Any:
    """The month a title gives every row, for a table whose month may come from the title
    and whose header has no month column (None otherwise)."""
    spec = importable.get(table)
    titled = [f for f in spec.fields if f.options.get("from_title")]
    if not titled or titled[0].id in header.fields_found(cells, table):
        return None
    result.as_of = as_of
    result.note("import.note.month_from_title", year=as_of.year, month=as_of.month, row=row,
                text=text)  # fmt: skip
    return as_of


def _no_header(result: ImportResult, source: Source, table: str | None) -> None:
    """No usable header: say what is missing, for the table asked or the closest one."""
    grid = source.sheets[0][1] if source.sheets else []
    best, score = header.best_match(grid, (table,) if table else IMPORT_TABLES)
    missing = header.missing_columns(grid, best)
    if not missing or not (table or score >= 2):
        raise Refused("import.refused.no_header", scan=HEADER_SCAN_ROWS,
                      columns=header.expected_columns())  # fmt: skip
    result.table = best
    for issue in missing:
        issue.file = result.file_name
    result.errors.extend(missing)


def _plan_rows(result: ImportResult) -> None:
    """The plan's rows numbered as the spreadsheet numbers them; a note when nothing changes."""
    assert result.plan is not None and result.rows is not None
    result.plan["rows"].insert(0, "row", result.rows["_row"].to_numpy())
    if not result.changed:
        result.note("import.note.no_change")


def validate(
    file_bytes: bytes,
    filename: str,
    table: str | None = None,
    *,
    db_path: str | os.PathLike | None = None,
    allowed_bureaus: Sequence[str] | None = None,
    fiscal_year: int | None = None,
) -> ImportResult:
    """Read and check a file; on success also plan the change against the live database.

    Never writes. ``table`` is guessed from the headers when None. ``fiscal_year``: the year of
    a ministry's workbook whose title does not say it (:mod:`.fiscal`).
    """
    result = _parse(file_bytes, filename, table, allowed_bureaus, fiscal_year)
    if result.ok and result.rows is not None and result.table is not None:
        result.plan, result.already_imported = changes.dry_run(
            db_path, result.table, result.rows.drop(columns="_row"), result.sha256
        )
        _plan_rows(result)
    return result


def commit(
    file_bytes: bytes,
    filename: str,
    table: str | None = None,
    *,
    user: str | None = None,
    db_path: str | os.PathLike | None = None,
    allowed_bureaus: Sequence[str] | None = None,
    note: str | None = None,
    actor: Any = None,
    fiscal_year: int | None = None,
) -> ImportResult:
    """Validate and, when there is no error, write the file as a new database version.

    All or nothing: any error leaves the database untouched. Importing a file
    that changes nothing writes nothing (``result.record["action"] ==
    "unchanged"``). ``actor``: the signed-in person (:func:`regionmap.db.commit_import`
    reads their rights again when writing and raises :class:`regionmap.auth.Refused`).
    """
    result = _parse(file_bytes, filename, table, allowed_bureaus, fiscal_year)
    if not result.ok or result.rows is None or result.table is None:
        return result
    rec = changes.commit_import(
        db_path,
        result.table,
        result.rows.drop(columns="_row"),
        file_name=filename,
        sha256=result.sha256,
        file_size=len(file_bytes),
        user=user,
        bureau_scope=allowed_bureaus,
        note=note,
        actor=actor,
    )
    result.plan = rec.pop("plan")
    result.record = rec
    _plan_rows(result)
    return result


def _read_file(p: Path) -> bytes | Issue:
    """The bytes of the file ``p``, or the problem that keeps it from being read."""
    if p.is_dir():
        return Issue(p.name, None, None, "import.refused.folder", path=p)
    if not p.exists():
        return Issue(p.name, None, None, "import.refused.not_found", path=p)
    try:
        size = p.stat().st_size
        cap = settings.get("max_upload_mb")
        if size > cap * 1024 * 1024:
            return too_big(size, cap).issue(p.name)
        return p.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Issue(p.name, None, None, "import.refused.unreadable", reason=reason)


def import_file(
    path: str | os.PathLike,
    table: str | None = None,
    *,
    dry_run: bool = False,
    user: str | None = None,
    db_path: str | os.PathLike | None = None,
    allowed_bureaus: Sequence[str] | None = None,
    fiscal_year: int | None = None,
) -> ImportResult:
    """:func:`validate` (dry run) or :func:`commit` a file on disk."""
    p = Path(path)
    data = _read_file(p)
    if isinstance(data, Issue):
        return ImportResult(p.name, errors=[data])
    kw: dict[str, Any] = {
        "db_path": db_path,
        "allowed_bureaus": allowed_bureaus,
        "fiscal_year": fiscal_year,
    }
    if dry_run:
        return validate(data, p.name, table, **kw)
    return commit(data, p.name, table, user=user, **kw)
