"""The ministry's fiscal workbooks as published: 総務省「地方公共団体の主要財政指標一覧」, one
edition a year, every municipality of Japan (``../shared/data/soumu/zaisei/``, its README).

:func:`read_edition` turns a sheet into the Hokkaido rows of ``fiscal_indicators`` (one per
municipality and fiscal year, one column per public figure) and says what it set aside and why:

- the title row, footnotes and 全国市町村平均 rows are recognised and counted, never read as data;
- each header is one of :data:`HEADERS` (they differ by edition: 起債制限比率 to FY2007,
  将来負担比率 from FY2008, ラスパイレス指数 参考値 in FY2012–FY2013); any other refuses the file;
- before FY2011 names only (looked up in the reference); from FY2011 a 6-digit code whose check
  digit is verified and whose name must agree; 「－」/「-」 is missing (NULL), never 0;
- a national file (many prefectures): Hokkaido's rows taken, the others counted and set aside;
  another prefecture's row in a file of Hokkaido stays an error;
- the fiscal year: the title's (「（平成30年度決算）」), else the one given (``--fiscal-year``, the
  Data page), else the file's name when it is an edition's (``H27.xls``); else refused, asking;
- 上湧別町 and the 湧別町 before their 2009-10-05 merger (``mergers.csv``): former towns, set
  aside with the reason (today's 湧別町 01559 is the merged town); 泊村 is 古宇郡泊村 (01403),
  the only one with accounts (the other is a Northern Territories village), said in the notes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from regionmap import figures, importable, reference
from regionmap.codes import HOKKAIDO, PREFECTURE_CODES, CodeError, check_digit
from regionmap.db.importer.editions import edition_name, file_name_year, title_year
from regionmap.db.importer.header import column_letter
from regionmap.db.importer.result import Issue, Refused
from regionmap.i18n import Message, message

#: The table the editions fill (one column per public figure of that source).
TABLE = "fiscal_indicators"
#: The FY2012–FY2013 editions' second Laspeyres column (the table's last value column).
LASPEYRES_REFERENCE = "laspeyres_reference"
#: The table's one definition (importable.toml ``[[published]]``).
SPEC = importable.published(TABLE)
#: Every column of the table's rows (its database columns but the bookkeeping ones).
COLUMNS: tuple[str, ...] = tuple(c for c, _ in SPEC.columns)
#: Decimals of each value column (the ministry's; the reference value as the index).
DECIMALS: dict[str, int] = {
    **{f.column: f.decimals for f in figures.PUBLIC_FIGURES if f.column},
    LASPEYRES_REFERENCE: figures.get("laspeyres").decimals,
}

#: The headers of the editions (NFKC, without spaces, line breaks and ※) -> the column.
HEADERS: dict[str, str] = dict(SPEC.headers)
#: Cells that say "no value": missing, never 0.
MISSING_MARKS = frozenset({"", "-", "－", "‐", "―", "—", "–", "−"})
#: A file whose prefecture column holds at least this many prefectures is a national file.
NATIONAL_MIN_PREFECTURES = 10


def _nfkc(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _nfkc_text(value) if isinstance(value, str) else _nfkc_text(str(value))


@functools.lru_cache(maxsize=4096)
def _nfkc_text(text: str) -> str:
    """NFKC and stripped (an edition repeats its prefectures' names 1,700 times: cached)."""
    return unicodedata.normalize("NFKC", text).strip()


def _header_key(value: Any) -> str:
    return re.sub(r"[\s※*]", "", _nfkc(value))


@dataclass
class Edition:
    """One edition read: its Hokkaido rows (:data:`COLUMNS`), what was set aside and why."""

    fiscal_year: int
    rows: pd.DataFrame
    year_from: str  # "title", "given", "file_name"
    header_row: int
    national: bool
    hokkaido_rows: int
    other_prefecture_rows: int = 0
    other_prefectures: int = 0
    former: list[tuple[int, str]] = field(default_factory=list)  # (row, name)
    average_rows: list[int] = field(default_factory=list)
    footnote_rows: list[int] = field(default_factory=list)
    missing_cells: int = 0
    tomari_row: int | None = None
    errors: list[Issue] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def is_edition(grid: list[tuple[int, list[Any]]]) -> bool:
    """Whether a sheet is an edition: a header row with 都道府県名, 団体名 and an indicator."""
    try:
        cells = grid[_find_header(grid)][1]
    except Refused:
        return False
    return any(HEADERS.get(_header_key(c)) in DECIMALS for c in cells)


def _find_header(grid: list[tuple[int, list[Any]]]) -> int:
    for i, (_, cells) in enumerate(grid[:20]):
        keys = {_header_key(c) for c in cells}
        if {"都道府県名", "団体名"} <= keys:
            return i
    raise Refused("import.fiscal.no_header")


def _value(cell: Any, column: str) -> tuple[float | None, bool]:
    """(value, was_missing) of a cell: a number rounded to the published decimals; a missing
    mark None. Text that is neither raises ValueError."""
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int | float):
        if cell != cell:
            return None, True
        return round(float(cell), DECIMALS[column]), False
    text = _nfkc(cell).replace(",", "")
    if text in MISSING_MARKS:
        return None, True
    return round(float(text), DECIMALS[column]), False


@functools.cache
def _names() -> _Names:
    """Hokkaido's municipalities by name (the reference's, read once a process)."""
    return _Names()


class _Names:
    """Hokkaido's municipalities by name, as the editions write them."""

    def __init__(self) -> None:
        munis = reference.municipalities()
        self.by_code = dict(zip(munis["code"], munis["name_ja"], strict=True))
        kept = munis[munis["kind"] == "municipality"]
        self.by_name: dict[str, list[str]] = {}
        for code, name in zip(kept["code"], kept["name_ja"], strict=True):
            self.by_name.setdefault(_nfkc(name), []).append(code)
        mergers = reference.mergers()
        self.former = {
            _nfkc(r.former_name_ja): (r.successor_code, r.successor_name_ja, r.merged_on)
            for r in mergers.itertuples()
        }
        # the successor keeps its name; before the merger the name is the former, smaller town
        self.merged_into = {succ: merged_on for succ, _, merged_on in self.former.values()}


def read_edition(
    grid: list[tuple[int, list[Any]]],
    file_name: str,
    fiscal_year: int | None = None,
) -> Edition:
    """Read one edition's sheet (``grid``: (row number as the spreadsheet shows it, cells)).

    Raises :class:`Refused` for a file that is not an edition (no header, an unknown header)
    or whose fiscal year is unknown (asking for it) or contradicts the one given; row problems
    are the :attr:`Edition.errors` (each naming its row and column).
    """
    h = _find_header(grid)
    header_row, header_cells = grid[h]
    cols = _columns(header_row, header_cells)
    title = " ".join(_nfkc(c) for _, cells in grid[:h] for c in cells if _nfkc(c))
    fy, year_from = _fiscal_year(title, file_name, fiscal_year)
    ed = Edition(fy, pd.DataFrame(columns=[*COLUMNS, "_row"]), year_from, header_row, False, 0)
    at = {v: k for k, v in cols.items()}
    body = [(row, list(c) + [None] * (len(header_cells) - len(c))) for row, c in grid[h + 1 :]]
    ed.national = len({_nfkc(c[at["prefecture"]]) for _, c in body} & _PREFS) >= (
        NATIONAL_MIN_PREFECTURES
    )
    names, others, out, seen = _names(), set(), [], {}
    hokkaido = PREFECTURE_CODES[HOKKAIDO][0]
    for row, cells in body:
        pref = _nfkc(cells[at["prefecture"]])
        if pref in _PREFS and pref != hokkaido and ed.national:  # the bulk: counted, not read
            ed.other_prefecture_rows += 1
            others.add(pref)
            continue
        texts = [_nfkc(c) for c in cells]
        if not any(texts) or not _is_hokkaido(ed, row, texts, at, others, file_name):
            continue
        ed.hokkaido_rows += 1
        name = texts[at["name"]]
        code = _code(ed, names, row, cells, at, name, file_name)
        if code is not None and code in seen:
            ed.errors.append(Issue(file_name, row, column_letter(at["name"]), "import.fiscal.twice",
                                   name=name, first=seen[code]))  # fmt: skip
        elif code is not None:
            seen[code] = row
            out.append(_record(ed, row, cells, cols, header_cells, code, name, file_name))
    ed.other_prefectures = len(others)
    ed.rows = pd.DataFrame(out, columns=[*COLUMNS, "_row"])
    ed.rows = ed.rows.sort_values("municipality_code", kind="stable").reset_index(drop=True)
    _notes(ed)
    return ed


_PREFS = frozenset(names[0] for names in PREFECTURE_CODES.values())


def _columns(header_row: int, header_cells: list[Any]) -> dict[int, str]:
    """The header's columns (position -> column); a header none of :data:`HEADERS` (or one
    twice) refuses the file naming it."""
    cols: dict[int, str] = {}
    for j, cell in enumerate(header_cells):
        key = _header_key(cell)
        if not key:
            continue
        col = HEADERS.get(key)
        if col is None or col in cols.values():
            raise Refused("import.fiscal.unknown_header", row=header_row, column=column_letter(j),
                          header=_nfkc(cell))  # fmt: skip
        cols[j] = col
    return cols


def _is_hokkaido(
    ed: Edition, row: int, texts: list[str], at: dict, others: set[str], file_name: str
) -> bool:
    """Whether a row is a Hokkaido municipality's; the others are counted (average, footnote,
    another prefecture's row of a national file) or an error (another prefecture's row of a
    Hokkaido file, a prefecture that is none)."""
    pref = texts[at["prefecture"]]
    where = column_letter(at["prefecture"])
    if pref not in _PREFS:
        if "全国" in texts[0] or "平均" in " ".join(texts[:3]):
            ed.average_rows.append(row)
        elif sum(bool(t) for t in texts) == 1 and texts[0]:
            ed.footnote_rows.append(row)
        else:
            ed.errors.append(Issue(file_name, row, where, "import.fiscal.no_prefecture",
                                   value=pref))  # fmt: skip
        return False
    if pref == PREFECTURE_CODES[HOKKAIDO][0]:
        return True
    if ed.national:
        ed.other_prefecture_rows += 1
        others.add(pref)
    else:
        ed.errors.append(Issue(file_name, row, where, "import.fiscal.other_prefecture",
                               value=pref))  # fmt: skip
    return False


def _record(
    ed: Edition, row: int, cells: list, cols: dict[int, str], header_cells: list, code: str,
    name: str, file_name: str,
) -> dict[str, Any]:  # fmt: skip
    """A Hokkaido row's values (a cell neither a number nor a missing mark is an error)."""
    rec: dict[str, Any] = {"_row": row, "fiscal_year": ed.fiscal_year, "municipality_code": code,
                           "name_published": name, "edition": edition_name(ed.fiscal_year)}  # fmt: skip
    for j, col in cols.items():
        if col in ("code", "prefecture", "name"):
            continue
        try:
            rec[col], missing = _value(cells[j], col)
        except ValueError:
            ed.errors.append(Issue(file_name, row, column_letter(j), "import.fiscal.not_a_number",
                                   value=_nfkc(cells[j]), header=_nfkc(header_cells[j])))  # fmt: skip
            continue
        ed.missing_cells += missing
    return rec


def _fiscal_year(title: str, file_name: str, given: int | None) -> tuple[int, str]:
    in_title = title_year(title)
    if in_title is not None:
        if given is not None and int(given) != in_title:
            raise Refused("import.fiscal.year_conflict", given=int(given), title=in_title)
        return in_title, "title"
    if given is not None:
        return int(given), "given"
    from_name = file_name_year(file_name)
    if from_name is not None:
        return from_name, "file_name"
    raise Refused("import.fiscal.year_unknown", file=Path(file_name).name)


def _code(
    ed: Edition, names: _Names, row: int, cells: list, at: dict, name: str, file_name: str
) -> str | None:
    """The 5-digit code of a Hokkaido row (its code checked against its name, or its name
    looked up); None (with an error or a set-aside) when it has none."""
    key = _nfkc(name)
    if key in names.former:
        ed.former.append((row, name))
        return None
    if "code" in at and _nfkc(cells[at["code"]]):
        text = re.sub(r"\D", "", _nfkc(cells[at["code"]]))
        if len(text) != 6 or text[:2] != HOKKAIDO:
            ed.errors.append(Issue(file_name, row, column_letter(at["code"]), "import.fiscal.bad_code",
                                   code=_nfkc(cells[at["code"]])))  # fmt: skip
            return None
        try:
            if check_digit(text[:5]) != text[5]:
                raise CodeError("codes.check_digit", code=text,
                                expected=text[:5] + check_digit(text[:5]))  # fmt: skip
        except CodeError as exc:
            ed.errors.append(Issue(file_name, row, column_letter(at["code"]), exc.message))
            return None
        code = text[:5]
        if _nfkc(names.by_code.get(code, "")) != key:
            ed.errors.append(Issue(file_name, row, column_letter(at["name"]), "import.fiscal.code_name",
                                   code=text, name=name, known=names.by_code.get(code, "—")))  # fmt: skip
            return None
    else:
        codes = names.by_name.get(key, [])
        if not codes:
            ed.errors.append(Issue(file_name, row, column_letter(at["name"]),
                                   "import.fiscal.unknown_name", name=name))  # fmt: skip
            return None
        code = codes[0]
    if code in names.merged_into and ed.fiscal_year < _fiscal_year_of(names.merged_into[code]):
        # the town of that name before its merger: not today's town
        ed.former.append((row, name))
        return None
    if key == "泊村":
        ed.tomari_row = row
    return code


def _fiscal_year_of(iso_date: str) -> int:
    """The fiscal year (April–March) of an ISO date: 2009-10-05 is FY2009."""
    year, month = int(iso_date[:4]), int(iso_date[5:7])
    return year if month >= 4 else year - 1


def _notes(ed: Edition) -> None:
    n = len(ed.rows)
    ed.notes.append(message(f"import.fiscal.year_from.{ed.year_from}", fy=ed.fiscal_year,
                            edition=edition_name(ed.fiscal_year)))  # fmt: skip
    ed.notes.append(message("import.fiscal.taken", n=n, read=ed.hokkaido_rows, fy=ed.fiscal_year))
    if ed.national:
        ed.notes.append(message("import.fiscal.national", n=ed.other_prefecture_rows,
                                prefectures=ed.other_prefectures))  # fmt: skip
    mergers = reference.mergers()
    for row, name in ed.former:
        key = _nfkc(name)
        m = mergers[(mergers["former_name_ja"].map(_nfkc) == key)
                    | (mergers["successor_name_ja"].map(_nfkc) == key)].iloc[0]  # fmt: skip
        kind = "former" if _nfkc(m.former_name_ja) == key else "former_successor"
        ed.notes.append(message(f"import.fiscal.{kind}", row=row, name=name,
                                former=m.former_name_ja, successor=m.successor_name_ja,
                                code=m.successor_code, merged_on=m.merged_on))  # fmt: skip
    if ed.tomari_row is not None:
        ed.notes.append(message("import.fiscal.tomari", row=ed.tomari_row))
    if ed.average_rows or ed.footnote_rows:
        ed.notes.append(message("import.fiscal.skipped", average=len(ed.average_rows),
                                footnotes=len(ed.footnote_rows)))  # fmt: skip
    if ed.missing_cells:
        ed.notes.append(message("import.fiscal.missing", n=ed.missing_cells))
