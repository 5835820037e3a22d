"""Checking every row below the header: its municipality, each field's cell (by the field's
type, :mod:`.values`), the table's own checks (first year before last), the bureaus the
import may touch, and a key no other row of the file has.

Each problem is an :class:`~.result.Issue` naming the file, the row as the spreadsheet shows
it and the column as the file heads it. Total rows (合計) are skipped with a note; a row
whose two columns of one field disagree is refused naming both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from regionmap import importable, settings
from regionmap.codes import read_code
from regionmap.db.importer import values
from regionmap.db.importer.header import Grid, column_letter, fields_found, repeated_fields
from regionmap.db.importer.reading import Budget, too_many_rows
from regionmap.db.importer.result import Issue
from regionmap.db.parsing import Match, ParseError, is_blank, nfkc, parse_number, resolver
from regionmap.i18n import Joined, Message, Pair, Punct, message

#: Words in a municipality cell that make a row a total, skipped (with a note).
TOTAL_WORDS = {"合計", "計", "総計", "小計", "total", "sum", "道計", "全道"}
#: Notes on municipalities (a ward counted as its city …) listed one by one; more are counted.
NOTED_ROWS = 5


@dataclass
class Rows:
    """The rows read (one record a row, with its spreadsheet row in ``_row``), their problems
    and the notes on how they were read."""

    frame: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)


def read_rows(
    table: str,
    grid: Grid,
    header_idx: int,
    file_name: str,
    allowed_bureaus: Sequence[str] | None = None,
    title_month: dt.date | None = None,
    budget: Budget | None = None,
) -> Rows:
    """Every data row below the header row ``grid[header_idx]`` of a ``table`` file, checked."""
    budget = budget or Budget()
    reader = _RowReader(table, grid[header_idx][1], file_name, allowed_bureaus, title_month)
    data_rows = [(n, c) for n, c in grid[header_idx + 1 :] if not all(is_blank(v) for v in c)]
    if len(data_rows) > settings.get("max_rows"):
        raise too_many_rows()
    out = Rows(pd.DataFrame(), notes=reader.repeat_notes())
    records = []
    for k, (row_no, cells) in enumerate(data_rows):
        if k % 500 == 0:
            budget.tick(row_no)
        rec = reader.read(row_no, cells, out)
        if rec is not None:
            records.append(rec)
    out.notes.extend(reader.closing_notes())
    out.frame = pd.DataFrame(records)
    if out.frame.empty:
        out.issues.append(Issue(file_name, grid[header_idx][0], None, "import.error.no_rows"))
    return out


class _RowReader:
    """Reads the rows of one file: its header's columns, the resolver, what was seen."""

    def __init__(
        self,
        table: str,
        header: list[Any],
        file_name: str,
        allowed_bureaus: Sequence[str] | None,
        title_month: dt.date | None,
    ) -> None:
        self.spec = importable.get(table)
        self.header = header
        self.file_name = file_name
        self.allowed = None if allowed_bureaus is None else tuple(allowed_bureaus)
        self.title_month = title_month
        self.found = fields_found(header, table)
        self.repeated = repeated_fields(header, table)
        self.labels = {name: nfkc(header[j]) for name, j in self.found.items()}
        self.fields = _reading_order(self.spec)
        self.seen: dict[tuple, int] = {}
        self.noted = 0
        self.lost_zero = 0

    def label(self, name: str) -> str:
        """The column of field ``name`` as the file heads it (the field's header if absent)."""
        return self.labels.get(name) or self.spec.field(name).header

    def cell(self, cells: list[Any], name: str) -> Any:
        j = self.found.get(name)
        return None if j is None or j >= len(cells) else cells[j]

    def repeat_notes(self) -> list[Message]:
        """A note for each second column of a field: read, and checked to agree."""
        notes = []
        for name, cols in self.repeated.items():
            for j in cols[1:]:
                notes.append(message("import.note.repeated_column", column=column_letter(j),
                                     name=nfkc(self.header[j]), first=column_letter(cols[0]),
                                     first_name=self.labels[name]))  # fmt: skip
        return notes

    def read(self, row_no: int, cells: list[Any], out: Rows) -> dict[str, Any] | None:
        """One row's record (None for a row skipped: a total, or columns that disagree); its
        problems and notes go to ``out``."""
        if self.repeated:
            disagree = _disagreements(self.file_name, row_no, cells, self.header, self.repeated)
            if disagree:
                out.issues.extend(disagree)
                return None
        if self._is_total(cells):
            out.notes.append(message("import.note.total_row", row=row_no))
            return None
        rec: dict[str, Any] = {}
        issues: list[Issue] = []
        self._municipality(row_no, cells, rec, issues, out.notes)
        self._fields(row_no, cells, rec, issues)
        self._order(row_no, rec, issues)
        if not issues:
            self._key(row_no, rec, issues)
        out.issues.extend(issues)
        rec["_row"] = row_no
        return rec

    def _is_total(self, cells: list[Any]) -> bool:
        munis = (self.cell(cells, "municipality_name"), self.cell(cells, "municipality_code"))
        return any(importable.normalise_header(v) in TOTAL_WORDS for v in munis if not is_blank(v))

    def _municipality(
        self, row_no: int, cells: list[Any], rec: dict, issues: list[Issue], notes: list[Message]
    ) -> None:
        code = self.cell(cells, "municipality_code")
        name = self.cell(cells, "municipality_name")
        try:
            m = resolver().resolve(code, name, self.cell(cells, "district"))
        except ParseError as exc:
            column = self.labels.get("municipality_code") if not is_blank(code) else None
            issues.append(self._issue(row_no, column or self._muni_column(), exc.message))
            return
        rec["municipality_code"] = m.code
        self._note(row_no, m, notes)
        if self.allowed is not None and m.bureau_code not in self.allowed:
            issues.append(self._issue(row_no, self._muni_column(), "import.error.bureau_scope",
                                      name=m.name_ja, code=m.code, bureau=m.bureau_code,
                                      allowed=_listed(self.allowed)))  # fmt: skip

    def _muni_column(self) -> str | None:
        return self.labels.get("municipality_name") or self.labels.get("municipality_code")

    def _note(self, row_no: int, m: Match, notes: list[Message]) -> None:
        """The first rows' notes on their municipality, one by one; the rest counted."""
        if not m.notes:
            return
        self.noted += 1
        if self.noted <= NOTED_ROWS:
            notes.append(message("import.note.row", row=row_no, note=m.note_message))
        self.lost_zero += m.lost_zero

    def _fields(self, row_no: int, cells: list[Any], rec: dict, issues: list[Issue]) -> None:
        ctx = values.Context(self.file_name, self.title_month, rec)
        for f in self.fields:
            try:
                rec.update(values.read(f, self.cell(cells, f.id), ctx))
            except ParseError as exc:
                rec.update(dict.fromkeys(f.stores()))
                issues.append(self._issue(row_no, self.label(f.id), exc.message))

    def _order(self, row_no: int, rec: dict, issues: list[Issue]) -> None:
        """The table's pairs of fields whose values may not be the wrong way round."""
        for first, last in self.spec.order:
            a, b = rec.get(first), rec.get(last)
            if a and b and a > b:
                issues.append(self._issue(row_no, self.label(last), "import.error.order",
                                          last=_field_name(self.spec, last), last_value=b,
                                          first=_field_name(self.spec, first), first_value=a))  # fmt: skip

    def _key(self, row_no: int, rec: dict, issues: list[Issue]) -> None:
        """A key no earlier row of the file has."""
        key = tuple(rec.get(k) for k in self.spec.key)
        if None in key:
            return
        if key in self.seen:
            issues.append(self._issue(row_no, None, "import.error.duplicate_key",
                                      key=Message(self.spec.key_label_key), row=self.seen[key]))  # fmt: skip
        else:
            self.seen[key] = row_no

    def _issue(
        self, row_no: int, column: str | None, key: str | Message, /, **values: object
    ) -> Issue:
        return Issue(self.file_name, row_no, column, key, **values)

    def closing_notes(self) -> list[Message]:
        """How many rows had a note on their municipality, when more than were listed."""
        if self.noted <= NOTED_ROWS:
            return []
        return [message("import.note.municipality_notes", n=self.noted, lost=self.lost_zero)]


def _reading_order(spec: importable.ImportTable) -> list[importable.Field]:
    """The fields read cell by cell, in the order of the record's columns: the table's own
    (an id made from others last), then the source (the municipality is read first, apart)."""
    own = [f for f in spec.fields if f.type not in ("municipality", "source")]
    made = [f for f in own if f.options.get("derive")]
    sources = [f for f in spec.fields if f.type == "source"]
    return [f for f in own if f not in made] + made + sources


def _field_name(spec: importable.ImportTable, name: str) -> Pair:
    return Pair(*spec.field(name).label)


def _listed(codes: Sequence[str]) -> Joined:
    return Joined(tuple(codes), "middot")


# --------------------------------------------------------------------------------------
# Two columns of one field
# --------------------------------------------------------------------------------------


def same_value(a: Any, b: Any) -> bool:
    """Two cells of one field say the same: the same text (NFKC), the same municipality code
    (01207 = 012076) or the same number (5 = 5.0 = ５)."""
    if nfkc(a) == nfkc(b):
        return True
    if is_blank(a) or is_blank(b):
        return False
    for read in (lambda v: read_code(nfkc(v)).code5, parse_number):
        try:
            if read(a) == read(b):
                return True
        except ValueError:
            continue
    return False


def _shown(value: Any) -> object:
    """A cell in a message: its text, or (blank) / （空欄）."""
    return nfkc(value) or message("import.blank")


def _disagreements(
    file_name: str,
    row_no: int,
    cells: list[Any],
    header: list[Any],
    repeated: dict[str, list[int]],
) -> list[Issue]:
    """A row's refusals where two columns of one field say different things (naming both
    columns and both values; nothing of the row is guessed)."""
    out = []
    for cols in repeated.values():
        j0 = cols[0]
        a = cells[j0] if j0 < len(cells) else None
        for j in cols[1:]:
            b = cells[j] if j < len(cells) else None
            if same_value(a, b):
                continue
            name0, name = nfkc(header[j0]), nfkc(header[j])
            both = (Punct("quoted", {"text": name0}) if name0 == name
                    else message("import.both.two", first=name0, second=name))  # fmt: skip
            out.append(Issue(file_name, row_no, name0, "import.error.disagree",
                             first=column_letter(j0), second=column_letter(j), both=both,
                             a=_shown(a), b=_shown(b)))  # fmt: skip
    return out
