"""Import the overlay figures (dispatch, sites, evacuees) and the import-only figures
(kyoryokutai, migration_trials, wide_area_groups: :data:`regionmap.figures.IMPORT_TABLES`)
from staff spreadsheets.

Accepts CSV in UTF-8, UTF-8 with BOM or Shift_JIS/CP932 and Excel ``.xlsx``
(title rows above the header are skipped: the header row is found by matching
known column names). The contents are checked, not the extension: binary
bytes named ``.csv``, old ``.xls`` and PDF files are refused with a message.

Every row is validated; each problem is reported as ``file:row:column: reason``
with the row number as the user sees it in their spreadsheet. A file is
imported all or nothing. :func:`validate` shows what would change (rows to
add, replace, unchanged, and the sample rows that real rows replace: those of
the same period and bureau, named in :meth:`ImportResult.summary`);
:func:`commit` writes a new database version through
:func:`regionmap.db.commit_import` (atomic swap, history, undo).
Importing the same file twice changes nothing and says so.

Municipalities may be given as a 5- or 6-digit code or a name (see
:class:`regionmap.db.parsing.MunicipalityResolver`): Sapporo's wards are counted
as 札幌市 (01100) with a note; Northern Territories villages are refused.

``allowed_bureaus`` (default None = all) limits an import to rows of given
bureaus, for per-bureau editing rights.

The CLI (``python -m regionmap db ...``) lives here too: :func:`cli`.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import io
import os
import re
import sys
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from regionmap import db, figures, i18n, settings
from regionmap.codes import read_code
from regionmap.db import export
from regionmap.db.audit import changes_text
from regionmap.db.parsing import (
    ParseError,
    _era_year,
    is_blank,
    nfkc,
    parse_count,
    parse_fiscal_year,
    parse_month,
    parse_number,
    parse_prefecture,
    resolver,
)
from regionmap.db.store import failure_reason

IMPORT_TABLES = (
    "dispatch",
    "sites",
    "evacuees",
    "kyoryokutai",
    "migration_trials",
    "wide_area_groups",
)
HEADER_SCAN_ROWS = 30
#: Largest count one row may hold: more than Hokkaido's population (about 5.1 million) is a
#: typo, and the database column is a 32-bit integer.
MAX_COUNT = 10_000_000
#: Cells read per row of a worksheet (the import tables have about a dozen columns); a
#: declared dimension such as A1:XFD1048576 would otherwise pad every row to 16,384 cells.
MAX_XLSX_COLUMNS = 200
FIRST_YEAR = 1989
#: Hokkaido's extent (Northern Territories included), for checking site coordinates.
LON_RANGE = (139.3, 148.9)
LAT_RANGE = (41.3, 45.6)
TOTAL_WORDS = {"合計", "計", "総計", "小計", "total", "sum", "道計", "全道"}


# --------------------------------------------------------------------------------------
# Columns as staff write them
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    label_ja: str
    aliases: tuple[str, ...]
    required: bool = False


_MUNI = (
    Field("municipality_code", "市町村コード", ("市町村コード", "団体コード", "地方公共団体コード", "全国地方公共団体コード", "市区町村コード", "コード", "municipality_code", "code", "code6")),
    Field("municipality_name", "市町村名", ("市町村名", "市町村", "団体名", "自治体名", "市区町村名", "市区町村", "municipality", "municipality_name", "municipality_ja", "municipality_name_ja")),
    Field("district", "郡", ("郡", "郡名", "district", "district_ja")),
)  # fmt: skip
_SOURCE = (
    Field("source_ja", "出典", ("出典", "出所", "資料", "source", "source_ja")),
    Field("source_en", "source_en", ("source_en",)),
)  # fmt: skip

FIELDS: dict[str, tuple[Field, ...]] = {
    "dispatch": (
        Field("fiscal_year", "年度", ("年度", "派遣年度", "会計年度", "fiscal_year", "fy", "year"), True),
        *_MUNI[:2],
        Field("municipality_name", "派遣先", ("派遣先", "派遣先市町村", "派遣先団体", "派遣先市町村名")),
        _MUNI[2],
        Field("kind", "派遣区分", ("派遣区分", "区分", "派遣種別", "種別", "派遣の種類", "kind", "kind_ja"), True),
        Field("persons", "人数", ("人数", "派遣人数", "職員数", "派遣職員数", "persons"), True),
        Field("status", "継続・新規", ("継続・新規", "新規・継続", "継続/新規", "新規/継続", "継続区分", "継続", "状況", "status")),
        *_SOURCE,
    ),
    "sites": (
        Field("site_id", "ID", ("id", "拠点id", "拠点番号", "site_id")),
        Field("name_ja", "名称", ("名称", "拠点名", "取組名", "施設名", "事業名", "name_ja", "name"), True),
        Field("name_en", "name_en", ("name_en", "名称(英語)")),
        *_MUNI,
        Field("kind", "種別", ("種別", "取組区分", "区分", "取組内容", "支援内容", "kind", "kind_ja"), True),
        Field("lon", "経度", ("経度", "lon", "longitude", "lng"), True),
        Field("lat", "緯度", ("緯度", "lat", "latitude"), True),
        Field("start_fy", "開始年度", ("開始年度", "開始", "年度", "start_fy", "start_year"), True),
        Field("operator_ja", "運営主体", ("運営主体", "実施主体", "運営", "主体", "operator", "operator_ja")),
        Field("operator_en", "operator_en", ("operator_en",)),
        *_SOURCE,
    ),
    "evacuees": (
        Field("month", "年月", ("年月", "基準月", "月", "時点", "調査時点", "基準日", "month"), True),
        *_MUNI,
        Field("municipality_name", "避難先", ("避難先", "避難先市町村", "所在市町村", "居住市町村")),
        Field("prefecture", "避難元", ("避難元", "避難元都道府県", "避難元県", "都道府県", "prefecture", "prefecture_ja"), False),
        Field("persons", "避難者数", ("避難者数", "避難者", "人数", "persons"), True),
        *_SOURCE,
    ),
    # import only (figures.IMPORT_TABLES; the template's headers come first in each alias list)
    "kyoryokutai": (
        Field("fiscal_year", "年度", ("年度", "会計年度", "fiscal_year", "fy", "year"), True),
        *_MUNI,
        Field("members", "隊員数", ("隊員数", "協力隊員数", "地域おこし協力隊員数", "隊員", "members"), True),
        *_SOURCE,
    ),
    "migration_trials": (
        Field("fiscal_year", "年度", ("年度", "会計年度", "fiscal_year", "fy", "year"), True),
        *_MUNI,
        Field("participants", "参加者数", ("参加者数", "参加人数", "体験者数", "参加者", "participants"), True),
        *_SOURCE,
    ),
    "wide_area_groups": (
        Field("group_name", "圏域名", ("圏域名", "圏域", "連携名", "group_name", "group"), True),
        Field("group_kind", "区分", ("区分", "連携区分", "group_kind", "kind"), True),
        *_MUNI,
        Field("role", "役割", ("役割", "中心市", "role")),
        Field("from_fy", "開始年度", ("開始年度", "開始", "from_fy")),
        Field("to_fy", "終了年度", ("終了年度", "終了", "to_fy")),
        *_SOURCE,
    ),
}  # fmt: skip


def _norm_header(value: Any) -> str:
    text = nfkc(value).lower()
    text = re.sub(r"[(\[].*?[)\]]", "", text)  # 人数(人), 経度[度]
    text = re.sub(r"[\s_※*]", "", text)
    return text


def _alias_map(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in FIELDS[table]:
        for a in (f.name, *f.aliases):
            out.setdefault(_norm_header(a), f.name)
    return out


def _kind_map(kinds: dict[str, tuple[str, str]], extra: dict[str, str]) -> dict[str, str]:
    out = {}
    for k, (ja, en) in kinds.items():
        for v in (k, ja, en):
            out[_norm_header(v)] = k
    for v, k in extra.items():
        out[_norm_header(v)] = k
    return out


DISPATCH_KIND_MAP = _kind_map(
    db.DISPATCH_KINDS,
    {"地域振興": "regional", "広域連携": "wide_area", "広域連携派遣": "wide_area",
     "徴収対策": "collection", "徴収対策連携": "collection", "自治法": "local_autonomy_act",
     "地方自治法派遣": "local_autonomy_act", "交流": "exchange", "人事交流": "exchange"},
)  # fmt: skip
SITE_KIND_MAP = _kind_map(
    db.SITE_KINDS,
    {"買物支援": "shopping", "買い物": "shopping", "見守り": "safety_check", "安否確認・見守り": "safety_check",
     "サロン活動": "salon", "交流サロン": "salon", "集落間の交流": "inter_settlement",
     "起業": "startup", "住民起業": "startup", "集住": "consolidation"},
)  # fmt: skip
GROUP_KINDS: dict[str, tuple[str, str]] = {k.id: (k.ja, k.en) for k in figures.GROUPING_KINDS}
GROUP_KIND_MAP = _kind_map(
    GROUP_KINDS,
    {"定住自立圏構想": "teiju_jiritsuken", "包括連携": "hokatsu_koryu", "包括交流": "hokatsu_koryu",
     "包括連携協定": "hokatsu_koryu", "札幌市": "sapporo", "札幌連携": "sapporo", "その他": "other"},
)  # fmt: skip
#: The count column of the per-municipality import-only tables.
_COUNT_FIELD = {"kyoryokutai": "members", "migration_trials": "participants"}
STATUS_MAP = {
    **{_norm_header(v): "continuing" for v in ("継続", "continuing", "前年度から継続", "継続派遣")},
    **{_norm_header(v): "new" for v in ("新規", "new", "新規派遣")},
}


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass
class Issue:
    """One problem: where (file, row as seen in the spreadsheet, column) and why."""

    file: str
    row: int | None
    column: str | None
    message: str
    message_ja: str | None = None

    def text(self, lang: str = "en") -> str:
        """The reason in ``lang`` ("ja" or "en")."""
        return (self.message_ja or self.message) if lang == "ja" else self.message

    def where(self) -> str:
        """``file:row:column`` (row and column when known)."""
        parts = [self.file]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            parts.append(self.column)
        return ":".join(parts)

    def __str__(self) -> str:
        return self.where() + ": " + self.message

    def format(self, lang: str = "en") -> str:
        """``file:row:column: reason`` in ``lang``."""
        return self.where() + ": " + self.text(lang)


class Refused(Exception):
    """A file refused as a whole (too big, binary, no header …)."""

    def __init__(
        self, message: str, ja: str | None = None, row: int | None = None, column: str | None = None
    ):
        super().__init__(message)
        self.ja = ja or message
        self.row, self.column = row, column


@dataclass
class ImportResult:
    """What validating (and possibly committing) one file found and did."""

    file_name: str
    table: str | None = None
    sha256: str | None = None
    rows: pd.DataFrame | None = None
    errors: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    notes_ja: list[str] = field(default_factory=list)
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

    def note(self, en: str, ja: str) -> None:
        """Add a note in both languages."""
        self.notes.append(en)
        self.notes_ja.append(ja)

    def note_texts(self, lang: str = "en") -> list[str]:
        """The notes in ``lang``."""
        return (
            list(self.notes_ja)
            if lang == "ja" and len(self.notes_ja) == len(self.notes)
            else list(self.notes)
        )

    @property
    def changed(self) -> bool:
        """Whether committing would change (or did change) the database."""
        p = self.plan
        return bool(p) and (p["added"] + p["replaced"] + p["removed"]) > 0

    @property
    def committed(self) -> bool:
        return bool(self.record) and self.record.get("action") == "import"

    def preview(self) -> pd.DataFrame:
        """The normalised rows with their ``change`` (add | replace | unchanged)."""
        if self.plan is not None:
            return self.plan["rows"]
        return self.rows if self.rows is not None else pd.DataFrame()

    def summary(self, lang: str = "ja") -> str:
        """A one-paragraph account of the result for people."""
        n_err = len(self.errors)
        if n_err:
            return (
                f"{self.file_name}: {n_err}件の問題があるため取り込みませんでした（全行を取り込まない）。"
                if lang == "ja"
                else f"{self.file_name}: refused, {n_err} problem(s); nothing was imported."
            )
        p = self.plan or {}
        n = 0 if self.rows is None else len(self.rows)
        if not self.changed:
            return (
                f"{self.file_name}: 変更なし（{n}行はすべて取込済みと同じです）。"
                if lang == "ja"
                else f"{self.file_name}: no change (all {n} rows are already in the database)."
            )
        table_ja = table_label(self.table or "", "ja")
        table_en = table_label(self.table or "", "en")
        periods = _periods_text(p.get("periods", []), lang)
        removed = _removed_text(p, lang)
        version = (self.record or {}).get("version") if self.committed else None
        if lang == "ja":
            text = (
                f"{self.file_name} → {table_ja}（{periods}）: 追加 {p['added']}行、"
                f"置換 {p['replaced']}行、変更なし {p['unchanged']}行、"
                + ("削除したサンプル " if self.committed else "削除するサンプル ")
                + removed
                + "。"
            )
            if self.committed:
                text += f"取り込みました（版 {version}）。" if version else "取り込みました。"
            else:
                text += "取り込むとこうなります（まだ書き込んでいません）。"
            return text
        verb = "imported" if self.committed else "would import"
        text = (
            f"{self.file_name} -> {table_en} ({periods}): {verb} {p['added']} new, "
            f"{p['replaced']} replaced, {p['unchanged']} unchanged; sample rows removed: {removed}."
        )
        if version:
            text += f" Now at version {version}."
        return text


def table_label(table: str, lang: str) -> str:
    """An import table's name for people (``i18n`` key ``import.table.<table>``)."""
    key = f"import.table.{table}"
    return i18n.t(key, lang) if key in i18n.CATALOG else str(table)


def _periods_text(periods: Sequence[str], lang: str) -> str:
    """The periods of a plan for people: 2016年度 / FY2016; 2015年3月 / 2015-03."""
    out = []
    for key in periods:
        if re.fullmatch(r"\d{4}-\d{2}", str(key)):
            out.append(i18n.month_text(str(key), lang, numeric=True))
        elif not str(key).isdigit():  # a wide-area grouping's name
            out.append(str(key))
        else:
            out.append(i18n.fy_text(key, lang))
    return ("、" if lang == "ja" else ", ").join(out)


def _removed_text(plan: dict, lang: str) -> str:
    """Sample rows a plan removes and whose bureaus: 6行（十勝） / 6 (Tokachi)."""
    n = int(plan.get("removed", 0))
    bureaus = plan.get("removed_by_bureau") or []
    if lang == "ja":
        names = "・".join(b["short_ja"] for b in bureaus)
        return f"{n}行" + (f"（{names}）" if names else "")
    names = ", ".join(b["name_en"] for b in bureaus)
    return f"{n}" + (f" ({names})" if names else "")


# --------------------------------------------------------------------------------------
# Reading bytes: sniff, decode, find the header
# --------------------------------------------------------------------------------------


def _too_big(size: int, cap: int) -> tuple[str, str]:
    mb = size / 1024 / 1024
    return (
        f"the file is {mb:.1f} MB; the limit is {cap} MB (REGIONMAP_MAX_UPLOAD_MB)",
        f"ファイルが{mb:.1f} MBあります。上限は{cap} MBです（REGIONMAP_MAX_UPLOAD_MB）",
    )


def _too_many(cap: int) -> tuple[str, str]:
    return (
        f"the file has more than {cap} rows (REGIONMAP_MAX_ROWS)",
        f"行数が上限の{cap}行を超えています（REGIONMAP_MAX_ROWS）",
    )


class _Budget:
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
        if time.monotonic() > self.deadline:
            at, at_ja = (f" (stopped at row {row})", f"（{row}行目で中止）") if row else ("", "")
            raise Refused(
                f"reading the file took more than {self.seconds} s{at}; the limit is "
                f"{self.seconds} s (REGIONMAP_MAX_PARSE_SECONDS): split the file or remove "
                "what is not to be imported",
                f"ファイルの読み取りが{self.seconds}秒を超えました{at_ja}。上限は{self.seconds}秒です"
                "（REGIONMAP_MAX_PARSE_SECONDS）。ファイルを分けるか、取り込まない部分を削除してください",
                row=row,
            )

    def add(self, n: int, row: int | None = None, sheet: str | None = None) -> None:
        self.cells += n
        if self.cells > self.max_cells:
            where = f" (at row {row}" + (f" of sheet {sheet!r}" if sheet else "") + ")"
            where_ja = "（" + (f"シート「{sheet}」の" if sheet else "") + f"{row}行目）"
            raise Refused(
                f"the file has more than {self.max_cells:,} cells{where}; the limit is "
                f"{self.max_cells:,} (REGIONMAP_MAX_CELLS): keep only the table to import",
                f"セル数が上限の{self.max_cells:,}を超えています{where_ja}"
                "（REGIONMAP_MAX_CELLS）。取り込む表だけを残してください",
                row=row,
            )


def _check_size(data: bytes) -> None:
    cap = settings.get("max_upload_mb")
    if len(data) > cap * 1024 * 1024:
        raise Refused(*_too_big(len(data), cap))
    if not data.strip():
        raise Refused("the file is empty", "ファイルが空です")


def _utf16(data: bytes) -> str | None:
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


#: File types the importer reads (what the app's uploader offers): CSV, Excel ``.xlsx`` and
#: Excel's "Unicode text" (UTF-16, tab-separated, saved as ``.txt``).
UPLOAD_TYPES = ("csv", "xlsx", "txt")


def sniff(data: bytes, filename: str) -> str:
    """``"xlsx"`` or ``"csv"`` from the bytes themselves; raises :class:`Refused` for the rest."""
    ext = Path(filename).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Refused(
            "this is an old Excel .xls file; save it as .xlsx or CSV and try again",
            "古い形式のExcelファイル（.xls）です。.xlsx または CSV で保存し直してください",
        )
    if data[:5] == b"%PDF-":
        raise Refused(
            "this is a PDF file, not a table; export the table as .xlsx or CSV",
            "PDFファイルです。表を .xlsx または CSV で書き出してください",
        )
    if ext == ".xlsx":
        raise Refused(
            "the file is named .xlsx but is not an Excel workbook",
            "拡張子は .xlsx ですが、Excelのブックではありません",
        )
    if _utf16(data) is None and b"\x00" in data[:65536]:
        raise Refused(
            "the file holds binary data (NUL bytes), not CSV text; save it as CSV "
            "(UTF-8 or Shift_JIS) or .xlsx",
            "CSVの文字データではなくバイナリデータが含まれています。CSV（UTF-8 または Shift_JIS）"
            "か .xlsx で保存してください",
        )
    return "csv"


def _where_byte(data: bytes, pos: int) -> tuple[int, int]:
    """(line, byte within that line), both 1-based, of byte offset ``pos`` of ``data``."""
    return data.count(b"\n", 0, pos) + 1, pos - (data.rfind(b"\n", 0, pos) + 1) + 1


def _undecodable(data: bytes, pos: int, encoding: str, offset: int = 0) -> Refused:
    """The refusal of a file that is ``encoding`` up to byte ``pos`` (of ``data``, which
    starts ``offset`` bytes into the file: after a BOM) and not from there: it names the line
    and the byte within it (a file saved line by line in two encodings)."""
    line, byte = _where_byte(data, pos)
    if line == 1:  # not even the first line reads: the file as a whole is in neither
        return Refused(
            f"cannot read the text (line 1, byte {byte}): it is neither UTF-8 nor Shift_JIS; "
            "save the file as CSV (UTF-8) or .xlsx",
            f"文字を読み取れません（1行目の{byte}バイト目）。UTF-8 でも Shift_JIS でもありません。"
            "CSV（UTF-8）か .xlsx で保存してください",
        )
    other = "Shift_JIS" if encoding == "UTF-8" else "UTF-8"
    return Refused(
        f"cannot read the text at line {line} (byte {byte} of the line, byte {pos + offset + 1} "
        f"of the file): the file is {encoding} up to there, but line {line} is not (is it "
        f"{other}?); save the whole file in one encoding (CSV UTF-8) or as .xlsx",
        f"{line}行目（その行の{byte}バイト目、ファイルの{pos + offset + 1}バイト目）の文字を読み取れません。"
        f"そこまでは{encoding}ですが、{line}行目は違います（{other}ではありませんか）。"
        "ファイル全体を1つの文字コード（CSV UTF-8）か .xlsx で保存し直してください",
        row=line,
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
    enc16 = _utf16(data)
    if enc16:
        body = data[2:] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
        try:
            text = body.decode(enc16)
        except UnicodeDecodeError:
            text = None
        if text is not None and _plausible_text(text):
            return text, "utf-16"
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


@dataclass
class _CsvText:
    """A CSV as read: its records with the line each starts on, and the physical lines."""

    rows: list[tuple[int, list[Any]]]
    encoding: str
    lines: list[str]
    #: first line -> last line of every record that spans more than one line
    spans: dict[int, int]
    delimiter: str = ","


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


def _read_csv(data: bytes, cap: int, budget: _Budget | None = None) -> _CsvText:
    """Decode and parse a CSV, refusing what would be misread.

    - a line longer than ``max_line_chars`` is refused before anything is parsed;
    - a quote left open to the end of the file is refused naming the line (and field)
      where it opens, instead of reading every following line into one cell.
    """
    budget = budget or _Budget()
    text, enc = decode(data)
    lines = io.StringIO(text, newline="").readlines()
    limit = settings.get("max_line_chars")
    for k, line in enumerate(lines, start=1):
        if len(line) > limit:
            raise Refused(
                f"line {k} has {len(line):,} characters; the limit is {limit:,} "
                "(REGIONMAP_MAX_LINE_CHARS): is this a CSV table?",
                f"{k}行目が{len(line):,}文字あります。上限は{limit:,}文字です"
                "（REGIONMAP_MAX_LINE_CHARS）。CSVの表ですか",
                row=k,
            )
    delim = _delimiter(lines)
    reader = csv.reader(lines, delimiter=delim, strict=True)
    rows: list[tuple[int, list[Any]]] = []
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
        if "unexpected end of data" in str(exc) and start <= len(lines):
            col = _open_quote_column(lines[start - 1], delim)
            raise Refused(
                f'line {start}: a quote (") opened in field {col} is never closed, so lines '
                f"{start}–{len(lines)} would be read as one cell; close the quote or remove it",
                f'{start}行目: {col}番目の項目で開いた引用符（"）が閉じられていないため、{start}〜'
                f"{len(lines)}行目が1つのセルとして読まれてしまいます。引用符を閉じるか削除してください",
                row=start,
            ) from None
        if reader.line_num > start:
            col = _open_quote_column(lines[start - 1], delim)
            raise Refused(
                f'line {start}: a quote (") opened in field {col} runs to line '
                f"{reader.line_num}, where it is not followed by a separator ({exc}); "
                "check the quotes",
                f'{start}行目: {col}番目の項目で開いた引用符（"）が{reader.line_num}行目まで続き、'
                f"その後に区切りがありません（{exc}）。引用符を確認してください",
                row=start,
            ) from None
        raise Refused(
            f"the CSV cannot be read at line {reader.line_num}: {exc}",
            f"CSVの{reader.line_num}行目が読めません: {exc}",
            row=reader.line_num,
        ) from None
    return _CsvText(rows, enc, lines, spans, delim)


def _header_width(cells: list[Any]) -> int:
    width = 0
    for j, c in enumerate(cells):
        if not is_blank(c):
            width = j + 1
    return width


def _csv_integrity(
    text: _CsvText, header_idx: int, file_name: str, result: ImportResult
) -> list[Issue]:
    """Rows that would be misread: a field count unlike the header's, or a multi-line cell
    that swallowed lines looking like rows of their own (a stray quote). Also counts the
    non-blank lines below the header against the rows read, for the preview."""
    header_no, header = text.rows[header_idx]
    header_end = text.spans.get(header_no, header_no)
    width = _header_width(header)
    issues: list[Issue] = []
    delim = text.delimiter
    for line_no, cells in text.rows[header_idx + 1 :]:
        if all(is_blank(v) for v in cells):
            continue
        end = text.spans.get(line_no, line_no)
        used = _header_width(cells)
        if len(cells) < width or used > width:
            n = used if used > width else len(cells)
            lines = f"line {line_no}" if end == line_no else f"lines {line_no}–{end}"
            lines_ja = f"{line_no}行目" if end == line_no else f"{line_no}〜{end}行目"
            issues.append(
                Issue(
                    file_name,
                    line_no,
                    None,
                    f"{lines} has {n} fields but the header (line {header_no}) has {width}: "
                    "a missing or extra separator or quote; nothing of this row is guessed",
                    f"{lines_ja}の項目数は{n}ですが、見出し（{header_no}行目）は{width}です。"
                    "区切り（,）か引用符の過不足を確認してください",
                )
            )
            continue
        if end > line_no:
            swallowed = [
                k
                for k in range(line_no + 1, end + 1)
                if text.lines[k - 1].count(delim) >= max(width - 1, 1)
            ]
            if swallowed:
                issues.append(
                    Issue(
                        file_name,
                        line_no,
                        None,
                        f'lines {line_no}–{end} are read as one row: a quote (") opened on line '
                        f"{line_no} closes only on line {end}, and line {swallowed[0]} inside it "
                        "looks like a row of its own; check the quotes",
                        f'{line_no}〜{end}行目が1行として読まれます。{line_no}行目で開いた引用符（"）が'
                        f"{end}行目まで閉じられず、その中の{swallowed[0]}行目は独立した行に見えます。"
                        "引用符を確認してください",
                    )
                )
    data_lines = sum(1 for line in text.lines[header_end:] if line.strip().strip(delim).strip())
    rows_read = sum(1 for _, c in text.rows[header_idx + 1 :] if not all(is_blank(v) for v in c))
    result.data_lines, result.rows_read = data_lines, rows_read
    if data_lines == rows_read:
        result.note(
            f"{data_lines} data lines in the file, {rows_read} rows read",
            f"ファイルのデータ行{data_lines}行、読み取った行{rows_read}行",
        )
    else:
        result.note(
            f"{data_lines} data lines in the file, {rows_read} rows read: "
            f"{data_lines - rows_read} lines are inside cells that span lines",
            f"ファイルのデータ行{data_lines}行、読み取った行{rows_read}行"
            f"（{data_lines - rows_read}行は複数行にわたるセルの中です）",
        )
    return issues


def _xlsx_sheet_count(data: bytes) -> int:
    """Worksheets in the workbook, from the zip's member names (before openpyxl reads it)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(
            1 for n in zf.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n, re.IGNORECASE)
        )


def _count_xlsx_cells(data: bytes) -> None:
    """Count rows and cells of every worksheet from its XML, streamed (C-speed byte counts),
    and refuse more than ``max_rows`` rows in a sheet or ``max_cells`` cells in all before
    openpyxl parses a single row."""
    max_rows = settings.get("max_rows") + HEADER_SCAN_ROWS + 1
    max_cells = settings.get("max_cells")
    cells = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", name, re.IGNORECASE):
                continue
            rows, tail = 0, b""
            with zf.open(name) as fh:
                while chunk := fh.read(1 << 20):
                    block = tail + chunk
                    rows += block.count(b"<row ") + block.count(b"<row>")
                    cells += block.count(b"<c ") + block.count(b"<c>")
                    tail = block[-4:]
                    # a match wholly inside the carried tail was counted in the last block
                    rows -= tail.count(b"<row")
                    cells -= tail.count(b"<c ") + tail.count(b"<c>")
            if rows > max_rows:
                raise Refused(*_too_many(settings.get("max_rows")))
            if cells > max_cells:
                raise Refused(
                    f"the file has more than {max_cells:,} cells; the limit is {max_cells:,} "
                    "(REGIONMAP_MAX_CELLS): keep only the table to import",
                    f"セル数が上限の{max_cells:,}を超えています（REGIONMAP_MAX_CELLS）。"
                    "取り込む表だけを残してください",
                )


def _check_xlsx_size(data: bytes) -> None:
    """Refuse a workbook that unpacks to more than ``max_unpacked_mb`` or has more than
    ``max_sheets`` sheets, before openpyxl reads it."""
    cap = settings.get("max_unpacked_mb")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(max(info.file_size, 0) for info in zf.infolist())
        sheets = _xlsx_sheet_count(data)
        if total <= cap * 1024 * 1024:
            _count_xlsx_cells(data)
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError (method), …
        raise Refused(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            f"Excelのブック（.xlsx）として読めません（{type(exc).__name__}: {exc}）",
        ) from None
    if total > cap * 1024 * 1024:
        mb = total / 1024 / 1024
        raise Refused(
            f"the workbook unpacks to {mb:,.0f} MB; the limit is {cap} MB "
            "(REGIONMAP_MAX_UNPACKED_MB): save only the sheet to import (or export it as CSV) "
            "and try again",
            f"このブックは展開すると{mb:,.0f} MBになります。上限は{cap} MBです"
            "（REGIONMAP_MAX_UNPACKED_MB）。取り込むシートだけを保存する（またはCSVで保存する）"
            "などしてから、もう一度取り込んでください",
        )
    max_sheets = settings.get("max_sheets")
    if sheets > max_sheets:
        raise Refused(
            f"the workbook has {sheets} sheets; the limit is {max_sheets} (REGIONMAP_MAX_SHEETS): "
            "save the sheet to import on its own",
            f"このブックには{sheets}枚のシートがあります。上限は{max_sheets}枚です"
            "（REGIONMAP_MAX_SHEETS）。取り込むシートだけを別に保存してください",
        )


def _grid_xlsx(
    data: bytes,
    cap: int,
    tables: Iterable[str] = IMPORT_TABLES,
    budget: _Budget | None = None,
) -> tuple[list[tuple[str, list[tuple[int, list[Any]]]]], list[str]]:
    """The worksheets as (title, rows), streamed (openpyxl read-only), and the names of
    every sheet of the workbook (the import says which it did not read).

    Only the first sheet whose first rows hold a header for one of ``tables`` is read
    in full; of the others only the first rows are read (for the messages). Rows,
    cells and time are counted as they are read (:class:`_Budget`).
    """
    from openpyxl import load_workbook

    budget = budget or _Budget()
    tables = tuple(tables)
    _check_xlsx_size(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any malformed workbook gets the same message
        raise Refused(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            f"Excelのブック（.xlsx）として読めません（{type(exc).__name__}: {exc}）",
        ) from None
    sheets = []
    try:
        names = list(wb.sheetnames)
        for ws in wb.worksheets:
            rows = []
            # the declared dimension is not trusted: no padding to it, at most
            # MAX_XLSX_COLUMNS cells per row
            ws.reset_dimensions()
            cells = ws.iter_rows(values_only=True, max_col=MAX_XLSX_COLUMNS)
            full = False
            for i, rec in enumerate(cells, start=1):
                values = list(rec)
                while values and values[-1] is None:
                    values.pop()
                rows.append((i, values))
                budget.add(len(values), i, ws.title)
                if i % 1000 == 0:
                    budget.tick(i)
                if len(rows) == HEADER_SCAN_ROWS and not full:
                    full = _find_header(rows, tables, *_title_as_of(rows)[:2]) is not None
                    if not full:
                        break
                if len(rows) > cap:
                    break
            sheets.append((ws.title, rows))
            if full or (len(rows) < HEADER_SCAN_ROWS and _find_header(rows, tables, None)):
                break
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001
        raise Refused(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            f"Excelのブック（.xlsx）として読めません（{type(exc).__name__}: {exc}）",
        ) from None
    finally:
        wb.close()
    return sheets, names


# --------------------------------------------------------------------------------------
# A title row's as-of date: 令和元年12月1日現在, 平成27年3月末現在, R1.12.1現在
# --------------------------------------------------------------------------------------

_AS_OF_RE = re.compile(
    r"(?P<era>令和|平成|昭和|[RHS])\.?\s*(?P<y>元|\d{1,2})\s*[年./]\s*(?P<m>\d{1,2})\s*(?:月)?"
    r"\s*(?:[./]?\s*(?P<d>\d{1,2})\s*日?|末)?\s*(?:時点|現在)"
    r"|(?P<gy>\d{4})\s*[年./-]\s*(?P<gm>\d{1,2})\s*(?:月)?\s*(?:[./-]?\s*(?P<gd>\d{1,2})\s*日?|末)?"
    r"\s*(?:時点|現在)",
)


def _title_as_of(rows: list[tuple[int, list[Any]]]) -> tuple[dt.date | None, int | None, str]:
    """(month, row number, text) of the first as-of date in the first rows' cells."""
    for row_no, cells in rows[:HEADER_SCAN_ROWS]:
        for c in cells:
            if is_blank(c) or not isinstance(c, str):
                continue
            text = nfkc(c)
            m = _AS_OF_RE.search(text)
            if not m:
                continue
            try:
                if m.group("era"):
                    year, month = _era_year(m.group("era"), m.group("y")), int(m.group("m"))
                else:
                    year, month = int(m.group("gy")), int(m.group("gm"))
            except ParseError:
                continue
            if 1 <= month <= 12:
                return dt.date(year, month, 1), row_no, text
    return None, None, ""


def _find_header(
    rows: list[tuple[int, list[Any]]],
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
            fields = _fields_found(cells, table)
            if not _has_required(fields, table, above):
                continue
            score = len(fields)
            if best is None or score > best[0]:
                best = (score, idx, table)
    if best is None:
        return None
    return best[1], best[2]


def _fields_found(cells: list[Any], table: str) -> dict[str, int]:
    aliases = _alias_map(table)
    found: dict[str, int] = {}
    for j, c in enumerate(cells):
        if is_blank(c):
            continue
        name = aliases.get(_norm_header(c))
        if name and name not in found:
            found[name] = j
    return found


def _ignored_columns(cells: list[Any], table: str) -> list[str]:
    """Header cells that are not imported: unknown ones (a second column of a field is read
    and checked against the first, :func:`_repeated_fields`)."""
    used = set(_fields_found(cells, table).values())
    used.update(j for cols in _repeated_fields(cells, table).values() for j in cols)
    return [nfkc(c) for j, c in enumerate(cells) if not is_blank(c) and j not in used]


def _repeated_fields(cells: list[Any], table: str) -> dict[str, list[int]]:
    """Fields that more than one header cell names (``隊員数,隊員数``, or 市町村コード and
    団体コード): field -> its columns (0-based), the first one read first."""
    aliases = _alias_map(table)
    cols: dict[str, list[int]] = {}
    for j, c in enumerate(cells):
        name = None if is_blank(c) else aliases.get(_norm_header(c))
        if name:
            cols.setdefault(name, []).append(j)
    return {name: js for name, js in cols.items() if len(js) > 1}


def column_letter(j: int) -> str:
    """The spreadsheet letter of 0-based column ``j``: 0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _same_value(a: Any, b: Any) -> bool:
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


def _has_required(found: dict[str, int], table: str, as_of: dt.date | None = None) -> bool:
    req = {f.name for f in FIELDS[table] if f.required}
    if table == "evacuees" and as_of is not None:
        req.discard("month")  # the title row gives it
    muni = "municipality_code" in found or "municipality_name" in found
    return muni and req <= set(found)


def _missing_columns(rows: list[tuple[int, list[Any]]], table: str) -> list[Issue]:
    """Issues for the required columns missing from the best candidate header row."""
    best_idx, best_found = 0, {}
    for idx, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = _fields_found(cells, table)
        if len(found) > len(best_found):
            best_idx, best_found = idx, found
    if not best_found:
        return []
    row_no = rows[best_idx][0]
    issues = []
    for f in FIELDS[table]:
        if f.required and f.name not in best_found:
            issues.append(
                Issue(
                    "",
                    row_no,
                    f.label_ja,
                    f"missing column {f.label_ja} ({f.name}); "
                    f"write one of: {', '.join(f.aliases[:4])}",
                    f"列「{f.label_ja}」がありません。見出しは {'、'.join(f.aliases[:4])} "
                    "のいずれかで書いてください",
                )
            )
    if "municipality_code" not in best_found and "municipality_name" not in best_found:
        issues.append(
            Issue(
                "",
                row_no,
                "市町村名",
                "missing column 市町村名 or 市町村コード (municipality_name or municipality_code)",
                "列「市町村名」または「市町村コード」がありません",
            )
        )
    return issues


# --------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------


def _year_range() -> tuple[int, int]:
    return FIRST_YEAR, dt.date.today().year + 1


_LABEL_JA = {"fiscal year": "年度", "start year": "開始年度", "end year": "終了年度", "year": "年", "longitude": "経度", "latitude": "緯度"}  # fmt: skip


def _check_year(y: int, label: str) -> int:
    lo, hi = _year_range()
    if not lo <= y <= hi:
        raise ParseError(
            f"{label} {y} is out of range ({lo}–{hi})",
            f"{_LABEL_JA[label]}{y}は範囲外です（{lo}〜{hi}）",
        )
    return y


def _year_in_range(value: Any, label: str) -> int:
    """A fiscal year cell read (:func:`parse_fiscal_year`) and checked against the range."""
    return _check_year(parse_fiscal_year(value), label)


def _count(value: Any) -> int:
    n = parse_count(value)
    if n < 0:
        raise ParseError(f"negative count {n}", f"負の数です: {n}")
    if n > MAX_COUNT:
        raise ParseError(
            f"{n:,} is more than {MAX_COUNT:,}, the most one row may hold (Hokkaido's "
            "population is about 5.1 million): a typo?",
            f"{n:,}は1行の上限{MAX_COUNT:,}を超えています（北海道の人口は約510万人）。"
            "入力の誤りではありませんか",
        )
    return n


def _kind(value: Any, mapping: dict[str, str], vocab: dict[str, tuple[str, str]]) -> str:
    k = mapping.get(_norm_header(value))
    if k is None:
        allowed = "、".join(ja for ja, _ in vocab.values())
        raise ParseError(
            f"unknown kind {nfkc(value)!r}; one of: {allowed}",
            f"区分{nfkc(value)!r}は不明です。次のいずれかで書いてください: {allowed}",
        )
    return k


def _coordinate(value: Any, label: str, rng: tuple[float, float]) -> float:
    x = parse_number(value)
    if not rng[0] <= x <= rng[1]:
        raise ParseError(
            f"{label} {x:g} is outside Hokkaido ({rng[0]}–{rng[1]})",
            f"{_LABEL_JA[label]}{x:g}は北海道の範囲外です（{rng[0]}〜{rng[1]}）",
        )
    return x


def _rows(
    table: str,
    rows: list[tuple[int, list[Any]]],
    header_idx: int,
    file_name: str,
    allowed_bureaus: Sequence[str] | None,
    month_from_title: dt.date | None = None,
    budget: _Budget | None = None,
) -> tuple[pd.DataFrame, list[Issue], list[tuple[str, str]]]:
    budget = budget or _Budget()
    header_no, header_cells = rows[header_idx]
    found = _fields_found(header_cells, table)
    label = {name: nfkc(header_cells[j]) for name, j in found.items()}
    issues: list[Issue] = []
    notes: list[tuple[str, str]] = []
    out: list[dict] = []
    seen: dict[tuple, int] = {}
    res = resolver()
    src_ja = f"取込データ（{file_name}）"
    src_en = f"Imported data ({file_name})"
    ward_notes = 0
    lost_zero = 0

    def cell(cells: list[Any], name: str) -> Any:
        j = found.get(name)
        return None if j is None or j >= len(cells) else cells[j]

    data_rows = [(n, c) for n, c in rows[header_idx + 1 :] if not all(is_blank(v) for v in c)]
    cap = settings.get("max_rows")
    if len(data_rows) > cap:
        raise Refused(*_too_many(cap))
    repeated = _repeated_fields(header_cells, table)
    for name, cols in repeated.items():
        first = column_letter(cols[0])
        for j in cols[1:]:
            notes.append(
                (
                    f"column {column_letter(j)} {nfkc(header_cells[j])} repeats column {first} "
                    f"{label[name]}: checked to agree in every row, read once",
                    f"{column_letter(j)}列「{nfkc(header_cells[j])}」は{first}列「{label[name]}」と"
                    "同じ項目です。全行で一致することを確かめ、1つとして読みました",
                )
            )
    for k, (row_no, cells) in enumerate(data_rows):
        if k % 500 == 0:
            budget.tick(row_no)
        if repeated:
            disagree = _disagreements(file_name, row_no, cells, header_cells, repeated)
            if disagree:
                issues.extend(disagree)
                continue
        muni_cell = cell(cells, "municipality_name")
        code_cell = cell(cells, "municipality_code")
        if any(_norm_header(v) in TOTAL_WORDS for v in (muni_cell, code_cell) if not is_blank(v)):
            notes.append(
                (f"row {row_no}: total row skipped", f"{row_no}行目: 合計行を読み飛ばしました")
            )
            continue
        rec: dict[str, Any] = {}
        row_issues: list[Issue] = []

        def check(name: str, fn, *args, _cells=cells, _row=row_no, _rec=rec, _ri=row_issues):
            value = cell(_cells, name)
            col = label.get(name, name)
            try:
                return fn(value, *args)
            except ParseError as exc:
                _ri.append(Issue(file_name, _row, col, str(exc), exc.ja))
                return None

        def required(fn):
            def inner(value, *args):
                if is_blank(value):
                    raise ParseError("missing value", "値が空欄です")
                return fn(value, *args)

            return inner

        # municipality
        try:
            m = res.resolve(code_cell, muni_cell, cell(cells, "district"))
            rec["municipality_code"] = m.code
            if m.note:
                ward_notes += 1
                if ward_notes <= 5:
                    notes.append((f"row {row_no}: {m.note}", f"{row_no}行目: {m.note_ja}"))
                lost_zero += m.lost_zero
            if allowed_bureaus is not None and m.bureau_code not in set(allowed_bureaus):
                row_issues.append(
                    Issue(
                        file_name,
                        row_no,
                        label.get("municipality_name") or label.get("municipality_code"),
                        f"{m.name_ja} ({m.code}) belongs to bureau {m.bureau_code}; this import may "
                        f"only touch bureau(s) {', '.join(allowed_bureaus)}",
                        f"{m.name_ja}（{m.code}）は振興局{m.bureau_code}の市町村です。この取込で扱えるのは"
                        f"振興局{'・'.join(allowed_bureaus)}のみです",
                    )
                )
        except ParseError as exc:
            col = label.get("municipality_code") if not is_blank(code_cell) else None
            col = col or label.get("municipality_name") or label.get("municipality_code")
            row_issues.append(Issue(file_name, row_no, col, str(exc), exc.ja))

        if table == "dispatch":
            rec["fiscal_year"] = check("fiscal_year", required(_year_in_range), "fiscal year")
            kind = check("kind", required(_kind), DISPATCH_KIND_MAP, db.DISPATCH_KINDS)
            if kind:
                rec["kind"] = kind
                rec["kind_ja"], rec["kind_en"] = db.DISPATCH_KINDS[kind]
            rec["persons"] = check("persons", required(_count))
            status = cell(cells, "status")
            if not is_blank(status):
                st = STATUS_MAP.get(_norm_header(status))
                if st is None:
                    row_issues.append(
                        Issue(
                            file_name,
                            row_no,
                            label["status"],
                            f"unknown status {nfkc(status)!r}; write 継続 or 新規",
                            f"継続・新規の値{nfkc(status)!r}は不明です。継続 または 新規 と書いてください",
                        )
                    )
                rec["status"] = st
            else:
                rec["status"] = None
            key = (rec.get("fiscal_year"), rec.get("municipality_code"), rec.get("kind"))
            key_text = "fiscal year, municipality and kind"
            key_ja = "年度・市町村・派遣区分"
        elif table == "sites":
            rec["name_ja"] = check("name_ja", required(nfkc))
            rec["name_en"] = nfkc(cell(cells, "name_en")) or None
            kind = check("kind", required(_kind), SITE_KIND_MAP, db.SITE_KINDS)
            if kind:
                rec["kind"] = kind
                rec["kind_ja"], rec["kind_en"] = db.SITE_KINDS[kind]
            rec["lon"] = check("lon", required(_coordinate), "longitude", LON_RANGE)
            rec["lat"] = check("lat", required(_coordinate), "latitude", LAT_RANGE)
            rec["start_fy"] = check("start_fy", required(_year_in_range), "start year")
            rec["operator_ja"] = nfkc(cell(cells, "operator_ja")) or None
            rec["operator_en"] = nfkc(cell(cells, "operator_en")) or None
            sid = nfkc(cell(cells, "site_id"))
            if not sid and rec.get("municipality_code") and rec.get("name_ja"):
                digest = hashlib.sha1(rec["name_ja"].encode()).hexdigest()[:8]
                sid = f"{rec['municipality_code']}-{digest}"
            rec["site_id"] = sid or None
            key = (rec.get("site_id"),)
            key_text = "site (ID, or municipality and name)"
            key_ja = "取組箇所（IDまたは市町村と名称）"
        elif table in _COUNT_FIELD:  # kyoryokutai, migration_trials
            rec["fiscal_year"] = check("fiscal_year", required(_year_in_range), "fiscal year")
            count = _COUNT_FIELD[table]
            rec[count] = check(count, required(_count))
            key = (rec.get("fiscal_year"), rec.get("municipality_code"))
            key_text = "fiscal year and municipality"
            key_ja = "年度・市町村"
        elif table == "wide_area_groups":
            rec["group_name"] = check("group_name", required(nfkc))
            kind = check("group_kind", required(_kind), GROUP_KIND_MAP, GROUP_KINDS)
            if kind:
                rec["group_kind"] = kind
                rec["group_kind_ja"], rec["group_kind_en"] = GROUP_KINDS[kind]
            rec["role"] = nfkc(cell(cells, "role")) or None
            for name, what in (("from_fy", "start year"), ("to_fy", "end year")):
                blank = is_blank(cell(cells, name))
                rec[name] = None if blank else check(name, _year_in_range, what)
            if rec.get("from_fy") and rec.get("to_fy") and rec["from_fy"] > rec["to_fy"]:
                row_issues.append(
                    Issue(
                        file_name,
                        row_no,
                        label["to_fy"],
                        f"last fiscal year {rec['to_fy']} is before the first {rec['from_fy']}",
                        f"終了年度{rec['to_fy']}が開始年度{rec['from_fy']}より前です",
                    )
                )
            key = (rec.get("group_name"), rec.get("municipality_code"))
            key_text = "grouping and municipality"
            key_ja = "圏域名・市町村"
        else:  # evacuees
            if month_from_title is not None:
                month = month_from_title
            else:
                month = check("month", required(parse_month))
            if month is not None:
                try:
                    _check_year(month.year, "year")
                    rec["month"] = month
                except ParseError as exc:
                    row_issues.append(
                        Issue(file_name, row_no, label.get("month", "年月"), str(exc), exc.ja)
                    )
            pref = check("prefecture", parse_prefecture)
            rec["prefecture_ja"], rec["prefecture_en"] = pref if pref else ("", "")
            rec["persons"] = check("persons", required(_count))
            key = (rec.get("month"), rec.get("municipality_code"), rec.get("prefecture_ja"))
            key_text = "month, municipality and prefecture of origin"
            key_ja = "年月・市町村・避難元"
        rec["source_ja"] = nfkc(cell(cells, "source_ja")) or src_ja
        rec["source_en"] = nfkc(cell(cells, "source_en")) or src_en
        if not row_issues and None not in key:
            if key in seen:
                row_issues.append(
                    Issue(
                        file_name,
                        row_no,
                        None,
                        f"duplicate key: same {key_text} as row {seen[key]}",
                        f"重複: {seen[key]}行目と{key_ja}が同じです",
                    )
                )
            else:
                seen[key] = row_no
        issues.extend(row_issues)
        rec["_row"] = row_no
        out.append(rec)
    if ward_notes > 5:
        notes.append(
            (
                f"… {ward_notes} rows in all with a note on their municipality "
                f"({lost_zero} codes read with their leading zero restored)",
                f"… 市町村に注記のある行は計{ward_notes}行"
                f"（うち先頭の0を補って読んだコード{lost_zero}行）",
            )
        )
    df = pd.DataFrame(out)
    if df.empty:
        issues.append(
            Issue(
                file_name,
                header_no,
                None,
                "no data rows below the header",
                "見出しの下にデータ行がありません",
            )
        )
    return df, issues, notes


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
            if _same_value(a, b):
                continue
            name0, name = nfkc(header[j0]), nfkc(header[j])
            both = name0 if name0 == name else f"{name0} / {name}"
            both_ja = f"「{name0}」" if name0 == name else f"「{name0}」と「{name}」"
            c0, c1 = column_letter(j0), column_letter(j)
            va, vb = nfkc(a) or "(blank)", nfkc(b) or "(blank)"
            va_ja, vb_ja = nfkc(a) or "（空欄）", nfkc(b) or "（空欄）"
            out.append(
                Issue(
                    file_name,
                    row_no,
                    name0,
                    f"columns {c0} and {c1} are both {both} but say {va} and {vb} in this row: "
                    "which one is meant? keep only one of the two columns",
                    f"{c0}列と{c1}列はどちらも{both_ja}ですが、この行では{va_ja}と{vb_ja}で"
                    "食い違っています。どちらか一方の列だけを残してください",
                )
            )
    return out


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _parse(
    data: bytes, file_name: str, table: str | None, allowed_bureaus: Sequence[str] | None
) -> ImportResult:
    result = ImportResult(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    if table is not None and table not in IMPORT_TABLES:
        result.errors.append(
            Issue(
                file_name,
                None,
                None,
                f"unknown table {table!r}; one of {', '.join(IMPORT_TABLES)}",
                f"取込先の表{table!r}は不明です（{'、'.join(IMPORT_TABLES)}のいずれか）",
            )
        )
        return result
    tables = (table,) if table else IMPORT_TABLES
    try:
        _check_size(data)
        kind = sniff(data, file_name)
        cap = settings.get("max_rows") + HEADER_SCAN_ROWS + 1
        budget = _Budget()
        csv_text = None
        if kind == "csv":
            csv_text = _read_csv(data, cap, budget)
            sheets, sheet_names = [(None, csv_text.rows)], []
            enc = csv_text.encoding + (", tab-separated" if csv_text.delimiter == "\t" else "")
            enc_ja = csv_text.encoding + ("、タブ区切り" if csv_text.delimiter == "\t" else "")
            result.note(f"read as CSV ({enc})", f"CSV（{enc_ja}）として読み込みました")
        else:
            sheets, sheet_names = _grid_xlsx(data, cap, tables, budget)
            if Path(file_name).suffix.lower() != ".xlsx":
                result.note(
                    "the file is an Excel workbook; read as .xlsx",
                    "Excelのブックなので .xlsx として読み込みました",
                )
        for sheet, grid in sheets:
            if sum(1 for _, c in grid if not all(is_blank(v) for v in c)) > cap - HEADER_SCAN_ROWS:
                raise Refused(*_too_many(settings.get("max_rows")))
            as_of, as_of_row, as_of_text = _title_as_of(grid)
            hit = _find_header(grid, tables, as_of, as_of_row)
            if hit is not None:
                idx, found_table = hit
                if as_of_row is not None and as_of_row >= grid[idx][0]:
                    as_of, as_of_row, as_of_text = None, None, ""  # in the data, not a title
                result.table, result.sheet, result.header_row = found_table, sheet, grid[idx][0]
                if sheet is not None and len(sheet_names) > 1:
                    result.note(f"sheet {sheet!r}", f"シート「{sheet}」")
                    others = [n for n in sheet_names if n != sheet]
                    result.note(
                        f"not read (one sheet per import): sheet(s) {', '.join(others)}",
                        f"読み込んでいないシート（1回の取り込みは1シート）: {'、'.join(others)}",
                    )
                header_cells = grid[idx][1]
                if csv_text is not None:
                    integrity = _csv_integrity(csv_text, idx, file_name, result)
                    if integrity:
                        result.errors.extend(integrity)
                        return result
                ignored = _ignored_columns(header_cells, found_table)
                if ignored:
                    result.ignored_columns = ignored
                    result.note(
                        f"column(s) not imported (ignored): {', '.join(ignored)}",
                        f"取り込まない列（無視します）: {'、'.join(ignored)}",
                    )
                month_from_title = None
                if (
                    found_table == "evacuees"
                    and as_of is not None
                    and "month" not in _fields_found(header_cells, found_table)
                ):
                    month_from_title = as_of
                    result.as_of = as_of
                    ym = f"{as_of.year}-{as_of.month:02d}"
                    result.note(
                        f"month {ym} for every row taken from the title (row {as_of_row}: "
                        f"{as_of_text!r}); the table has no month column",
                        f"表に年月の列がないため、表題（{as_of_row}行目「{as_of_text}」）から"
                        f"全行の年月を{as_of.year}年{as_of.month}月としました",
                    )
                rows, issues, notes = _rows(
                    found_table, grid, idx, file_name, allowed_bureaus, month_from_title, budget
                )
                result.rows = rows
                for en, ja in notes:
                    result.note(en, ja)
                result.errors.extend(issues)
                return result
        # no usable header: say what is missing, for the table asked or the closest one
        grid = sheets[0][1] if sheets else []
        candidates = tables if table else IMPORT_TABLES
        best = max(
            candidates,
            key=lambda t: max(
                (len(_fields_found(c, t)) for _, c in grid[:HEADER_SCAN_ROWS]), default=0
            ),
        )
        missing = _missing_columns(grid, best)
        if missing and (
            table or max(len(_fields_found(c, best)) for _, c in grid[:HEADER_SCAN_ROWS]) >= 2
        ):
            result.table = best
            for m in missing:
                m.file = file_name
            result.errors.extend(missing)
        else:
            raise Refused(
                f"no header row found in the first {HEADER_SCAN_ROWS} rows: expected columns such as "
                "年度, 市町村名 (or 市町村コード), 派遣区分, 人数 / 年月, 避難者数 / 名称, 種別, 経度, 緯度, 開始年度",
                f"先頭{HEADER_SCAN_ROWS}行に見出し行が見つかりません。年度、市町村名（または市町村コード）、"
                "派遣区分、人数 / 年月、避難者数 / 名称、種別、経度、緯度、開始年度 などの見出しが必要です",
            )
    except Refused as exc:
        result.errors.append(Issue(file_name, exc.row, exc.column, str(exc), exc.ja))
    return result


def _already(path: Path, sha: str, table: str | None) -> dict | None:
    hist = db.history(path)
    hit = hist[(hist["sha256"] == sha) & (hist["action"] == "import") & hist["undone_by"].isna()]
    if table is not None:
        hit = hit[hit["table_name"] == table]
    return None if hit.empty else hit.iloc[0].to_dict()


def validate(
    file_bytes: bytes,
    filename: str,
    table: str | None = None,
    *,
    db_path: str | os.PathLike | None = None,
    allowed_bureaus: Sequence[str] | None = None,
) -> ImportResult:
    """Read and check a file; on success also plan the change against the live database.

    Never writes. ``table`` is guessed from the headers when None.
    """
    result = _parse(file_bytes, filename, table, allowed_bureaus)
    if result.ok and result.rows is not None:
        p = db.default_path(db_path)
        rows = result.rows.drop(columns="_row")
        result.plan = db.read_plan(p, result.table, rows)
        result.plan["rows"].insert(0, "row", result.rows["_row"].to_numpy())
        result.already_imported = _already(p, result.sha256, result.table)
        if not result.changed:
            result.note(
                "no change: every row is already in the database",
                "変更なし: すべての行が取込済みです",
            )
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
) -> ImportResult:
    """Validate and, when there is no error, write the file as a new database version.

    All or nothing: any error leaves the database untouched. Importing a file
    that changes nothing writes nothing (``result.record["action"] ==
    "unchanged"``). ``actor``: the signed-in person (:func:`regionmap.db.commit_import`
    reads their rights again when writing and raises :class:`regionmap.auth.Refused`).
    """
    result = _parse(file_bytes, filename, table, allowed_bureaus)
    if not result.ok or result.rows is None:
        return result
    rows = result.rows.drop(columns="_row")
    rec = db.commit_import(
        db_path,
        result.table,
        rows,
        file_name=filename,
        sha256=result.sha256,
        file_size=len(file_bytes),
        user=user,
        bureau_scope=allowed_bureaus,
        note=note,
        actor=actor,
    )
    result.plan = rec.pop("plan")
    result.plan["rows"].insert(0, "row", result.rows["_row"].to_numpy())
    result.record = rec
    if not result.changed:
        result.note(
            "no change: every row is already in the database", "変更なし: すべての行が取込済みです"
        )
    return result


def import_file(
    path: str | os.PathLike,
    table: str | None = None,
    *,
    dry_run: bool = False,
    user: str | None = None,
    db_path: str | os.PathLike | None = None,
    allowed_bureaus: Sequence[str] | None = None,
) -> ImportResult:
    """:func:`validate` (dry run) or :func:`commit` a file on disk."""
    p = Path(path)
    problem = None
    if p.is_dir():
        problem = (
            f"{p} is a folder, not a file; give the CSV or .xlsx file itself",
            f"{p}はフォルダーです。CSVまたは .xlsx のファイルを指定してください",
        )
    elif not p.exists():
        problem = (f"file not found: {p}", f"ファイルが見つかりません: {p}")
    if problem:
        return ImportResult(p.name, errors=[Issue(p.name, None, None, *problem)])
    try:
        size = p.stat().st_size
        cap = settings.get("max_upload_mb")
        if size > cap * 1024 * 1024:
            return ImportResult(
                p.name,
                errors=[Issue(p.name, None, None, *_too_big(size, cap))],
            )  # fmt: skip
        data = p.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return ImportResult(
            p.name,
            errors=[
                Issue(
                    p.name,
                    None,
                    None,
                    f"cannot read the file: {reason}",
                    f"ファイルを読めません: {reason}",
                )
            ],
        )
    if dry_run:
        return validate(data, p.name, table, db_path=db_path, allowed_bureaus=allowed_bureaus)
    return commit(data, p.name, table, user=user, db_path=db_path, allowed_bureaus=allowed_bureaus)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


_PREVIEW_HIDDEN = {
    "source_ja",
    "source_en",
    "kind_en",
    "is_sample",
    "import_id",
    "name_en",
    "operator_en",
}


#: Times are recorded in UTC and shown in Japan's time (no daylight saving: a fixed offset).
JST = dt.timezone(dt.timedelta(hours=9), "JST")


def local_time(value: Any) -> str:
    """A recorded UTC time (ISO 8601) as Japan's local time ``2026-11-28 23:32``; "" if empty."""
    text = cell_text(value)
    if not text:
        return ""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def cell_text(value: Any) -> str:
    """A value for a table people read: "" for None/NaN/<NA>, whole floats without ``.0``."""
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, pd.Timestamp)) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _width(text: str) -> int:
    """Columns a text takes in a terminal (East Asian wide and full-width characters take 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """An aligned plain-text table (numbers right-aligned), empty cells for missing values."""
    cells = [[cell_text(v) for v in r] for r in rows]
    numeric = [
        all(re.fullmatch(r"-?[\d,.]+", r[j]) or not r[j] for r in cells)
        and any(r[j] for r in cells)
        for j in range(len(headers))
    ]
    widths = [max([_width(h)] + [_width(r[j]) for r in cells]) for j, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = []
        for j, v in enumerate(values):
            pad = " " * (widths[j] - _width(v))
            parts.append(pad + v if numeric[j] else v + pad)
        return "  ".join(parts).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), sep, *(line(r) for r in cells)])


_HISTORY_COLUMNS = [
    ("version", "version"), ("action", "action"), ("table_name", "table"), ("file_name", "file"),
    ("rows_added", "added"), ("rows_replaced", "replaced"), ("rows_removed", "sample removed"),
    ("user_name", "user"), ("created_at", "time (JST)"), ("undone_by", "undone by"),
    ("undoes", "undoes"), ("from_version", "from"), ("file_size", "bytes"),
    ("sha256", "sha256"), ("changes", "changes"),
]  # fmt: skip


def history_text(hist: pd.DataFrame) -> str:
    """The database versions (:func:`regionmap.db.history`) as an aligned text table."""

    def cell(r: dict, c: str) -> Any:
        if c == "created_at":
            return local_time(r[c])
        if c == "changes":
            return changes_text(r.get(c), action=r.get("action"))
        if c == "sha256":
            return cell_text(r.get(c))[:12]
        return r.get(c)

    rows = [[cell(r, c) for c, _ in _HISTORY_COLUMNS] for r in hist.to_dict("records")]
    return text_table(rows, [h for _, h in _HISTORY_COLUMNS])


def _print_frame(df: pd.DataFrame, out=None) -> None:
    out = out if out is not None else sys.stdout
    print(text_table(df.astype(object).to_numpy().tolist(), list(df.columns)), file=out)


def cli(args) -> int:
    """``python -m regionmap db init|import|export|history|undo`` (see ``__main__``)."""
    db_path = db.default_path(getattr(args, "db", None))
    action = args.action
    try:
        if action == "init":
            rec = db.init_database(db_path, force=getattr(args, "force", False))
            if rec["action"] == "exists":
                print(
                    f"{db_path} exists (use --force to rebuild it; the current file is kept for undo)"
                )
            else:
                print(f"created {db_path} (version {rec['version']}): {rec['note']}")
            return 0
        if action == "import":
            res = import_file(
                args.file, args.table, dry_run=args.dry_run, user=args.user, db_path=db_path
            )
            for issue in res.errors:
                print(issue, file=sys.stderr)
            for n in res.notes:
                print(f"note: {n}")
            if not res.ok:
                print(
                    f"refused: {len(res.errors)} problem(s); nothing was imported", file=sys.stderr
                )
                return 1
            print(res.summary("en"))
            if args.dry_run and res.plan is not None:
                prev = res.preview()
                cols = [c for c in prev.columns if c not in _PREVIEW_HIDDEN]
                _print_frame(prev[cols].head(20))
                if len(prev) > 20:
                    print(f"… {len(prev) - 20} more rows")
            if res.already_imported is not None and args.dry_run:
                print(
                    f"note: this file was imported before (version {res.already_imported['version']})"
                )
            return 0
        if action == "export":
            out = Path(args.out)
            n = export.export_table(args.table, out, db_path=db_path)
            print(f"wrote {n} rows of {args.table} to {out}")
            return 0
        if action == "history":
            hist = db.history(db_path)
            if hist.empty:
                print("no history")
                return 0
            print(history_text(hist))
            return 0
        if action == "undo":
            rec = db.undo(db_path, user=getattr(args, "user", None))
            print(
                f"undid version {rec['undoes']} ({rec['file_name'] or 'init'}); "
                f"now at version {rec['version']}"
            )
            return 0
    except export.ExportError as exc:  # the export file's problem, not the database's
        print(f"regionmap: {exc}", file=sys.stderr)
        return 1
    except (LookupError, KeyError, ValueError, TimeoutError, PermissionError) as exc:
        print(f"{db_path}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk (the OS's or DuckDB's error), a read-only folder …
        reason = exc.strerror or str(exc)
        full = f": {failure_reason(exc)}" if exc.errno == errno.ENOSPC else ""
        print(
            f"{db_path}: could not write the database ({reason}); the new version was not "
            f"swapped in{full}",
            file=sys.stderr,
        )
        return 1
    return 2
