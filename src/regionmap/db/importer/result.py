"""What checking a file found: its problems (:class:`Issue`), a refusal of the whole file
(:class:`Refused`) and the :class:`ImportResult`, whose every text is a catalogue message
rendered in the reader's language (:class:`regionmap.i18n.Message`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from regionmap import i18n
from regionmap.i18n import LANGS, Joined, Message, Pair, message


class Issue:
    """One problem: where (file, row as seen in the spreadsheet, column) and why (the
    catalogue text ``key`` with ``values``, or a :class:`~regionmap.i18n.Message`)."""

    def __init__(
        self,
        file: str,
        row: int | None,
        column: str | None,
        key: str | Message,
        /,
        **values: object,
    ) -> None:
        self.file, self.row, self.column = file, row, column
        self.reason: Message = key if isinstance(key, Message) else message(key, **values)

    def text(self, lang: str = "en") -> str:
        """The reason in ``lang`` ("ja" or "en")."""
        return self.reason.text(lang)

    @property
    def message(self) -> str:
        """The reason in English."""
        return self.text("en")

    @property
    def message_ja(self) -> str:
        return self.text("ja")

    def where(self) -> str:
        """``file:row:column`` (row and column when known)."""
        parts = [self.file]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            parts.append(self.column)
        return ":".join(parts)

    def __str__(self) -> str:
        return self.format("en")

    def __repr__(self) -> str:
        return f"Issue({self.where()!r}, {self.reason.key!r})"

    def format(self, lang: str = "en") -> str:
        """``file:row:column: reason`` in ``lang``."""
        return self.where() + ": " + self.text(lang)


class Refused(Exception):
    """A file refused as a whole (too big, binary, no header …): the catalogue text ``key``
    with ``values``; ``row`` and ``column`` where the refusal points at one."""

    def __init__(
        self, key: str, /, *, row: int | None = None, column: str | None = None, **values: object
    ) -> None:
        self.reason: Message = message(key, **values)
        super().__init__(self.reason.text("en"))
        self.row, self.column = row, column

    def issue(self, file_name: str) -> Issue:
        """The refusal as the file's problem."""
        return Issue(file_name, self.row, self.column, self.reason)


@dataclass
class ImportResult:
    """What validating (and possibly committing) one file found and did."""

    file_name: str
    table: str | None = None
    sha256: str | None = None
    rows: pd.DataFrame | None = None
    errors: list[Issue] = field(default_factory=list)
    #: what reading the file did, said to the person importing (:meth:`note_texts`)
    messages: list[Message] = field(default_factory=list)
    header_row: int | None = None
    sheet: str | None = None
    plan: dict | None = None
    record: dict | None = None
    already_imported: dict | None = None
    #: header cells not imported (unknown, or a second column for the same field)
    ignored_columns: list[str] = field(default_factory=list)
    #: CSV: non-blank lines below the header in the file, and the rows read from them
    data_lines: int | None = None
    rows_read: int | None = None
    #: the month taken from a title row ("令和元年12月1日現在") when the table has none
    as_of: dt.date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def note(self, key: str | Message, /, **values: object) -> None:
        """Add a note: the catalogue text ``key`` with ``values`` (or a message)."""
        self.messages.append(key if isinstance(key, Message) else message(key, **values))

    def note_texts(self, lang: str = "en") -> list[str]:
        """The notes in ``lang``."""
        return [m.text(lang) for m in self.messages]

    @property
    def notes(self) -> list[str]:
        """The notes in English."""
        return self.note_texts("en")

    @property
    def notes_ja(self) -> list[str]:
        return self.note_texts("ja")

    @property
    def changed(self) -> bool:
        """Whether committing would change (or did change) the database."""
        p = self.plan
        return p is not None and (p["added"] + p["replaced"] + p["removed"]) > 0

    @property
    def committed(self) -> bool:
        return self.record is not None and self.record.get("action") == "import"

    def preview(self) -> pd.DataFrame:
        """The normalised rows with their ``change`` (add | replace | unchanged)."""
        if self.plan is not None:
            return self.plan["rows"]
        return self.rows if self.rows is not None else pd.DataFrame()

    def summary(self, lang: str = "ja") -> str:
        """A one-paragraph account of the result for people, in ``lang``."""
        return self.summary_message().text(lang)

    def summary_message(self) -> Message:
        """:meth:`summary` as a message: refused, no change, or what it would do (did)."""
        if self.errors:
            return message("import.summary.refused", file=self.file_name, n=len(self.errors))
        if not self.changed:
            n = 0 if self.rows is None else len(self.rows)
            return message("import.summary.unchanged", file=self.file_name, n=n)
        p = self.plan or {}
        values = {
            "file": self.file_name,
            "table": table_label_message(self.table or ""),
            "periods": periods_message(p.get("periods", [])),
            "added": p["added"],
            "replaced": p["replaced"],
            "unchanged": p["unchanged"],
            "removed": removed_message(p),
        }
        if self.record is not None and self.committed:
            return message("import.summary.imported", version=self.record["version"], **values)
        return message("import.summary.would_import", **values)


def table_label_message(table: str) -> Message | str:
    """An import table's name for people (the catalogue's ``import.table.<table>``)."""
    key = f"import.table.{table}"
    return Message(key) if key in i18n.CATALOG else str(table)


def table_label(table: str, lang: str) -> str:
    """An import table's name in ``lang`` (the table's id when it is not one)."""
    return str(i18n.render(table_label_message(table), lang))


def periods_message(periods: Sequence[str]) -> Joined:
    """The periods of a plan for people: 2016年度 / FY2016; 2015年3月 / 2015-03; a
    grouping's name as it is."""
    out: list[object] = []
    for key in periods:
        if re.fullmatch(r"\d{4}-\d{2}", str(key)):
            out.append(Pair(*(i18n.month_text(str(key), lang, numeric=True) for lang in LANGS)))
        elif not str(key).isdigit():  # a wide-area grouping's name
            out.append(str(key))
        else:
            out.append(message("fig.fy", fy=int(key)))
    return Joined(tuple(out))


def removed_message(plan: dict) -> Message:
    """Sample rows a plan removes and whose bureaus: 6行（十勝） / 6 (Tokachi)."""
    n = int(plan.get("removed", 0))
    bureaus = plan.get("removed_by_bureau") or []
    if not bureaus:
        return message("import.removed", n=n)
    names = tuple(Pair(b["short_ja"], b["name_en"]) for b in bureaus)
    return message("import.removed_in", n=n, bureaus=Joined(names, "middot"))
