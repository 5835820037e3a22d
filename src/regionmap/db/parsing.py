"""Parsers for what staff write in spreadsheets: years, months, counts, names, codes.

Every parser takes a cell as read (str, int, float, datetime or None), applies
Unicode NFKC (full-width digits, compatibility ideographs pasted from PDFs) and
either returns the normalised value or raises :class:`ParseError` with a short
message that says what is wrong. The importer adds file, row and column.

Examples
--------
>>> parse_fiscal_year("平成27年度"), parse_fiscal_year("R2"), parse_fiscal_year("２０１５")
(2015, 2020, 2015)
>>> parse_count("２，５００")
2500
>>> MunicipalityResolver().resolve(name="古宇郡泊村").code
'01403'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from regionmap import reference
from regionmap.codes import (
    PREFECTURE_CODES,
    CodeError,
    CodeReading,
    lost_zero_error,
    prefecture_text,
    read_code,
    to_code6,
)


class ParseError(ValueError):
    """A cell that cannot be read; the message says why, in English (``str``) and Japanese (``ja``)."""

    def __init__(self, message: str, ja: str | None = None):
        super().__init__(message)
        self.ja = ja or message


#: Era name -> (first Gregorian year - 1). 平成1 = 1989, 令和1 = 2019.
ERAS: dict[str, int] = {"令和": 2018, "平成": 1988, "昭和": 1925}
ERA_LETTERS: dict[str, str] = {"R": "令和", "H": "平成", "S": "昭和"}

#: The 47 prefectures (Japanese, English), in code order (北海道 = 01 … 沖縄県 = 47).
PREFECTURES: dict[str, str] = dict(PREFECTURE_CODES.values())


def nfkc(value: Any) -> str:
    """NFKC-normalised text of a cell with surrounding (also full-width) spaces removed."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_blank(value: Any) -> bool:
    """True for None, NaN, empty or whitespace-only cells."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return nfkc(value) == ""


# --------------------------------------------------------------------------------------
# Years and months
# --------------------------------------------------------------------------------------

_ERA_RE = re.compile(
    r"^(令和|平成|昭和|[RHSrhs])\.?\s*(元|\d{1,2})\s*(?:年度|年|FY)?$",
)
_YEAR_RE = re.compile(r"^(?:FY\s*)?(\d{4})\s*(?:年度|年|FY)?$", re.IGNORECASE)


def _era_year(era: str, n: str) -> int:
    era = ERA_LETTERS.get(era.upper(), era)
    year = 1 if n == "元" else int(n)
    if year < 1:
        raise ParseError(f"{era}{n}年 does not exist", f"{era}{n}年は存在しません")
    return ERAS[era] + year


def parse_fiscal_year(value: Any) -> int:
    """A fiscal year (年度) as the Gregorian year it starts in.

    Accepts 2015, 2015.0, "2015", "2015年度", "FY2015", "平成27年度", "H27",
    "H.27", "令和2年度", "R2", "令和元年度", "R元" and full-width forms.

    >>> [parse_fiscal_year(v) for v in ["H27", "令和元年度", "FY2016", 2014.0]]
    [2015, 2019, 2016, 2014]
    """
    if isinstance(value, bool):
        raise ParseError(f"not a fiscal year: {value!r}", f"年度として読めません: {value!r}")
    if isinstance(value, int):
        if 1000 <= value <= 9999:
            return value
        raise ParseError(f"not a fiscal year: {value!r}", f"年度として読めません: {value!r}")
    text = nfkc(value).replace(" ", "")
    if not text:
        raise ParseError("empty fiscal year", "年度が空欄です")
    m = _YEAR_RE.match(text)
    if m:
        return int(m.group(1))
    m = _ERA_RE.match(text)
    if m:
        return _era_year(m.group(1), m.group(2))
    raise ParseError(
        f"not a fiscal year: {nfkc(value)!r} (write e.g. 2015, 2015年度, 平成27年度 or H27)",
        f"年度として読めません: {nfkc(value)!r}（例: 2015、2015年度、平成27年度、H27）",
    )


_MONTH_RES = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:月)?(?:[-/.](\d{1,2})(?:日)?)?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
]
_ERA_MONTH_RE = re.compile(r"^(令和|平成|昭和|[RHSrhs])\.?(元|\d{1,2})[年./-](\d{1,2})月?$")


def parse_month(value: Any) -> dt.date:
    """A month as the date of its first day.

    Accepts dates and datetimes (Excel cells), "2015-03", "2015/3", "2015年3月",
    "201503", "2015-03-01", "平成27年3月", "H27.3" and full-width forms.

    >>> parse_month("H27.3"), parse_month("2015年3月")
    (datetime.date(2015, 3, 1), datetime.date(2015, 3, 1))
    """
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return dt.date(value.year, value.month, 1)
    text = nfkc(value).replace(" ", "")
    if not text:
        raise ParseError("empty month", "年月が空欄です")
    year = month = None
    for rx in _MONTH_RES:
        m = rx.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            break
    if year is None:
        m = _ERA_MONTH_RE.match(text)
        if m:
            year, month = _era_year(m.group(1), m.group(2)), int(m.group(3))
    if year is None or not 1 <= month <= 12:
        raise ParseError(
            f"not a month: {nfkc(value)!r} (write e.g. 2015-03, 2015年3月 or H27.3)",
            f"年月として読めません: {nfkc(value)!r}（例: 2015-03、2015年3月、H27.3）",
        )
    return dt.date(year, month, 1)


def fiscal_year_of(month: dt.date) -> int:
    """The fiscal year (April–March) a month falls in."""
    return month.year if month.month >= 4 else month.year - 1


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_UNITS = ("人", "名", "箇所", "か所", "ヶ所", "カ所", "件", "団体")


def parse_number(value: Any) -> float:
    """A number with optional thousands separators, full-width digits and a unit (人, 箇所 …)."""
    if isinstance(value, bool):
        raise ParseError(f"not a number: {value!r}", f"数値として読めません: {value!r}")
    if isinstance(value, (int, float)) and not (isinstance(value, float) and value != value):
        return float(value)
    text = nfkc(value).replace(" ", "").replace("−", "-").replace("▲", "-").replace("△", "-")
    for unit in _UNITS:
        if text.endswith(unit):
            text = text[: -len(unit)]
            break
    if not text:
        raise ParseError("empty number", "数値が空欄です")
    if not _NUMBER_RE.match(text):
        raise ParseError(f"not a number: {nfkc(value)!r}", f"数値として読めません: {nfkc(value)!r}")
    return float(text.replace(",", ""))


def parse_count(value: Any) -> int:
    """A whole count: "2,500", "２，５００", "12人", 12.0. Negative counts are returned as such
    (the importer reports them); fractions raise.

    >>> parse_count("1,234人")
    1234
    """
    x = parse_number(value)
    if not float(x).is_integer():
        raise ParseError(
            f"not a whole number: {nfkc(value)!r}", f"整数ではありません: {nfkc(value)!r}"
        )
    return int(x)


# --------------------------------------------------------------------------------------
# Codes and names
# --------------------------------------------------------------------------------------


def _read_code(value: Any) -> CodeReading:
    try:
        return read_code(value if not isinstance(value, str) else nfkc(value))
    except CodeError as exc:
        raise ParseError(str(exc), exc.ja) from None


@dataclass(frozen=True)
class Match:
    """A resolved municipality: its 5-digit code, name and a note (ward folded into city …)."""

    code: str
    name_ja: str
    bureau_code: str
    note: str = ""
    note_ja: str = ""
    #: the code was read with its leading zero restored (12211 -> 012211), confirmed by name
    lost_zero: bool = False


class MunicipalityResolver:
    """Turn a code and/or a name (with optional district) into a Hokkaido municipality code.

    - names are compared after NFKC, without spaces; an optional 北海道 prefix is
      accepted, another prefecture's name is refused (伊達市 of 福島県 is not ours);
    - a district (郡) tells the two 泊村 apart, given in its own column or in the
      name (古宇郡泊村); 泊村 alone is ambiguous;
    - a name without its suffix (岩見沢) is accepted when exactly one of 市/町/村 fits;
    - the six Northern Territories villages are refused (no municipal government);
    - Sapporo's wards (札幌市中央区, 中央区 or 01101) are folded into 札幌市 (01100),
      with a note: the figures are kept per municipality.
    """

    def __init__(self, municipalities: pd.DataFrame | None = None):
        if municipalities is None:
            municipalities = reference.municipalities()
        self._df = municipalities.fillna("")
        self._by_code = {r["code"]: r for r in self._df.to_dict("records")}
        self._by_name: dict[str, list[dict]] = {}
        for r in self._by_code.values():
            self._by_name.setdefault(_key(r["name_ja"]), []).append(r)

    def _fold(self, r: dict, given: str) -> Match:
        if r["kind"] == "northern_territory":
            raise ParseError(
                f"{r['district_ja']}{r['name_ja']} ({r['code']}) is a Northern Territories "
                "village: it has no municipal government and cannot hold figures",
                f"{r['district_ja']}{r['name_ja']}（{r['code']}）は北方領土の村です。"
                "行政機能がないため数値を登録できません",
            )
        if r["kind"] == "ward":
            city = self._by_code[r["parent_code"]]
            return Match(
                city["code"],
                city["name_ja"],
                city["bureau_code"],
                f"ward {r['district_ja']}{r['name_ja']} ({r['code']}) counted as "
                f"{city['name_ja']} ({city['code']})",
                f"{r['district_ja']}{r['name_ja']}（{r['code']}）は{city['name_ja']}"
                f"（{city['code']}）として集計します",
            )
        return Match(r["code"], r["name_ja"], r["bureau_code"])

    def by_code(self, value: Any) -> Match:
        """The municipality of a code alone (a lost-zero reading such as ``12211`` is refused)."""
        reading = _read_code(value)
        if reading.lost_zero:
            exc = lost_zero_error(reading)
            raise ParseError(str(exc), exc.ja)
        return self._fold(self._record(reading.code5), str(value))

    def _record(self, code: str) -> dict:
        r = self._by_code.get(code)
        if r is None:
            raise ParseError(
                f"unknown municipality code {code} ({to_code6(code)}): no Hokkaido municipality "
                "has it (data/reference/municipalities.csv)",
                f"市町村コード{code}（{to_code6(code)}）の北海道の市町村は見つかりません",
            )
        return r

    def _lookup(self, name: Any, district: Any = None) -> tuple[list[dict], list[dict], str, str]:
        """(candidates, same-name records ignoring district and bureau, name key, district key).

        Raises only for an empty name or another prefecture's name.
        """
        text = _key(name)
        if not text:
            raise ParseError("empty municipality name", "市町村名が空欄です")
        if text.startswith("北海道"):
            text = text[3:]
        for pref in PREFECTURES:
            if pref != "北海道" and text.startswith(pref):
                raise ParseError(
                    f"{nfkc(name)!r} is in {pref}, not in Hokkaido",
                    f"{nfkc(name)!r}は{pref}の市町村です（北海道ではありません）",
                )
        dist = _key(district)
        # a bureau prefix (後志総合振興局泊村) narrows the search to that bureau
        bureau = None
        m = re.match(r"^(.{1,6}?)(総合)?振興局", text)
        if m:
            bureau = _bureau_codes().get(m.group(1))
            text = text[m.end() :]
        # 札幌市中央区 -> ward 中央区 of 札幌市
        m = re.match(r"^(.+市)(.+区)$", text)
        if m and m.group(1) in {
            _key(r["district_ja"]) for r in self._by_name.get(_key(m.group(2)), [])
        }:
            dist, text = m.group(1), m.group(2)
        m = re.match(r"^(.+?郡)(.+[町村])$", text)
        if m and not dist:
            dist, text = m.group(1), m.group(2)
        candidates = self._by_name.get(text, [])
        if not candidates:
            for suffix in ("市", "町", "村"):
                candidates = candidates + self._by_name.get(text + suffix, [])
        named = candidates
        if dist:
            candidates = [r for r in candidates if _key(r["district_ja"]) == dist]
        if bureau:
            candidates = [r for r in candidates if r["bureau_code"] == bureau]
        return candidates, named, text, dist

    def by_name(self, name: Any, district: Any = None) -> Match:
        candidates, named, text, dist = self._lookup(name, district)
        if len({r["name_ja"] for r in named}) > 1 and text not in self._by_name:
            names = "、".join(sorted({r["name_ja"] for r in named}))
            raise ParseError(
                f"{nfkc(name)!r} is ambiguous ({names}); write the full name",
                f"{nfkc(name)!r}には複数の候補があります（{names}）。正式な名称で書いてください",
            )
        if not candidates:
            if re.fullmatch(r"[A-Za-z][A-Za-z.'\-]*", text):
                raise ParseError(
                    f"unknown municipality {nfkc(name)!r}: write the name in Japanese "
                    "(e.g. 帯広市) or give the 5- or 6-digit municipality code",
                    f"{nfkc(name)!r}は市町村名として読めません。市町村名は日本語（例: 帯広市）で"
                    "書くか、市町村コード（5桁または6桁）で指定してください",
                )
            merged = self._merger(text)
            if merged is not None:
                raise merged
            where = f" in {nfkc(district) or dist}" if dist else ""
            where_ja = f"（{nfkc(district) or dist}）" if dist else ""
            hints = self._suggest(text, named)
            if not named and self._former_name(text):
                # a whole name (stem and 市/町/村) no municipality has: perhaps one that merged;
                # names written alike are no more than possible typos, never its successor
                typo = f" If it is a typo: {', '.join(hints)}." if hints else ""
                typo_ja = f"書き誤りの場合は: {'、'.join(hints)}" if hints else ""
                raise ParseError(
                    f"unknown municipality {nfkc(name)!r}{where}: no Hokkaido municipality is "
                    f"called {text} today; it may have merged into another (there is no record "
                    "of its merger in data/reference/mergers.csv): write today's municipality "
                    f"or its code.{typo}",
                    f"{text}という市町村は現在の北海道にはありません{where_ja}。合併して別の市町村に"
                    "なった可能性があります（data/reference/mergers.csv に記録はありません）。"
                    "現在の市町村名かコードで書いてください。" + typo_ja,
                )
            raise ParseError(
                f"unknown municipality {nfkc(name)!r}{where} (not a Hokkaido name)"
                + (f"; did you mean {' or '.join(hints)}?" if hints else ""),
                f"北海道の市町村に{nfkc(name)!r}{where_ja}は見つかりません"
                + (f"。もしかして: {'、'.join(hints)}" if hints else ""),
            )
        if len(candidates) > 1:
            alts = " or ".join(
                f"{r['district_ja']}{r['name_ja']} ({r['code']})" for r in candidates
            )
            alts_ja = "、".join(
                f"{r['district_ja']}{r['name_ja']}（{r['code']}）" for r in candidates
            )
            raise ParseError(
                f"{nfkc(name)!r} is ambiguous: {alts}; add the district (郡) or use the code",
                f"{nfkc(name)!r}は複数あります（{alts_ja}）。郡名を付けるかコードで指定してください",
            )
        return self._fold(candidates[0], str(name))

    def _former_name(self, text: str) -> bool:
        """Whether ``text`` is a whole municipality name (a stem and 市, 町 or 村) whose stem
        no current municipality has (門別町; not 夕張村, whose stem is 夕張市's)."""
        m = re.fullmatch(r"(.+)[市町村]", text)
        return bool(m) and not any(
            k[:-1] == m.group(1) for k in self._by_name if k[-1:] in ("市", "町", "村")
        )

    def _merger(self, text: str) -> ParseError | None:
        """The refusal of a former municipality recorded in ``data/reference/mergers.csv``:
        it names the successor, the date and the source, and guesses nothing."""
        for r in reference.mergers().to_dict("records"):
            if _key(r["former_name_ja"]) != text:
                continue
            code, succ, day = r["successor_code"], r["successor_name_ja"], r["merged_on"]
            return ParseError(
                f"{r['former_name_ja']} no longer exists: it merged into {succ} ({code}) on "
                f"{day} (source: {r['source']}); write {succ} or {code} if the figure is for "
                f"today's {succ}",
                f"{r['former_name_ja']}は{day}に{succ}（{code}）と合併し、現在はありません"
                f"（出典: {r['source']}）。現在の{succ}の数値であれば、{succ}または{code}と"
                "書いてください",
            )
        return None

    def _suggest(self, text: str, named: list[dict]) -> list[str]:
        """Names close to ``text`` (NFKC): the district's forms of an existing name, else
        :func:`difflib.get_close_matches` over the reference names (no Northern Territories)."""
        if named:  # the name exists, but not in the district or bureau given
            return [
                f"{r['district_ja']}{r['name_ja']}"
                for r in named
                if r["kind"] != "northern_territory"
            ]
        names = [
            k
            for k, rs in self._by_name.items()
            if any(r["kind"] != "northern_territory" for r in rs)
        ]
        return difflib.get_close_matches(text, names, n=3, cutoff=0.6)

    def resolve(self, code: Any = None, name: Any = None, district: Any = None) -> Match:
        """Resolve by code, by name, or both, which must then agree.

        - a code must be a Hokkaido code (5 or 6 digits, check digit right); another
          prefecture's is refused naming the prefecture;
        - with a name too, the name must name the code's municipality (after NFKC,
          with or without district, bureau, 北海道 or suffix, a ward for its city and
          the variant characters 桧/檜, 龍/竜, 澤/沢), else both are named in the refusal;
        - five digits without their leading zero (``12211``) are read as the 6-digit
          Hokkaido code ``012211`` only when the name confirms it (with a note);
          without a name, or with another name, they are another prefecture's code.
        """
        if is_blank(code) and not is_blank(name) and re.fullmatch(r"\d{4,6}", _key(name)):
            code, name = name, None  # a code written in the name column
        has_code, has_name = not is_blank(code), not is_blank(name)
        if not has_code and not has_name:
            raise ParseError("no municipality code or name", "市町村コードも市町村名もありません")
        if not has_code:
            return self.by_name(name, district)
        reading = _read_code(code)
        if not has_name:
            return self.by_code(code)
        rec = self._by_code.get(reading.code5)
        if rec is None and not reading.lost_zero:
            self._record(reading.code5)  # raises: unknown code
        agrees, why, why_ja = (False, "", "") if rec is None else self._agrees(rec, name, district)
        shown = f"{nfkc(name)!r}" + (f" ({nfkc(district)})" if not is_blank(district) else "")
        if not agrees:
            if reading.lost_zero:
                w, pref = reading.written, reading.written[:2]
                other = f" {rec['name_ja']}" if rec is not None else ""
                raise ParseError(
                    f"{w} is not a Hokkaido municipality ({prefecture_text(pref)}), and the name "
                    f"{shown} does not confirm reading it as 0{w}{other} (leading zero lost)",
                    f"{w}は北海道の市町村コードではありません（{prefecture_text(pref, 'ja')}）。"
                    f"先頭の0が落ちた0{w}{other}とみなすには、市町村名{shown}が一致しません",
                )
            full = f"{rec['district_ja']}{rec['name_ja']}"
            raise ParseError(
                f"code {reading.written} is {full} ({rec['code']}), but the name says {shown}"
                + (f" ({why})" if why else "")
                + "; correct one of them",
                f"コード{reading.written}は{full}（{rec['code']}）ですが、市町村名は{shown}です"
                + (f"（{why_ja}）" if why_ja else "")
                + "。どちらかを直してください",
            )
        match = self._fold(rec, str(code))
        if reading.lost_zero:
            note = (
                f"code {reading.written} read as 0{reading.written} {rec['name_ja']} "
                "(leading zero lost), as the name confirms"
            )
            note_ja = (
                f"コード{reading.written}は先頭の0が落ちたものとして0{reading.written}"
                f"（{rec['name_ja']}）と読みました（市町村名と一致）"
            )
            match = dataclasses.replace(
                match,
                note=(match.note + "; " if match.note else "") + note,
                note_ja=(match.note_ja + "。" if match.note_ja else "") + note_ja,
                lost_zero=True,
            )
        return match

    def _agrees(self, rec: dict, name: Any, district: Any) -> tuple[bool, str, str]:
        """Whether ``name`` (and district) can name ``rec``: (agrees, why not, why not in Japanese)."""
        try:
            candidates, _, _, _ = self._lookup(name, district)
        except ParseError as exc:
            return False, str(exc), exc.ja
        city = rec["parent_code"] or rec["code"]
        return any((r["parent_code"] or r["code"]) == city for r in candidates), "", ""


#: Variant characters staff write for those in the official names (桧山郡 for 檜山郡, 北龍町 for
#: 北竜町 …) and known alternative spellings; folded on both sides before names are compared.
_VARIANTS = str.maketrans({"桧": "檜", "龍": "竜", "澤": "沢", "邊": "辺", "嶋": "島"})
NAME_ALIASES = {"上の国町": "上ノ国町", "上の国": "上ノ国"}


def _key(value: Any) -> str:
    if is_blank(value):
        return ""
    text = re.sub(r"\s+", "", nfkc(value)).translate(_VARIANTS)
    for alias, official in NAME_ALIASES.items():
        text = text.replace(alias, official)
    return text


@cache
def _bureau_codes() -> dict[str, str]:
    return dict(
        zip(reference.bureaus()["short_ja"], reference.bureaus()["bureau_code"], strict=True)
    )


@cache
def resolver() -> MunicipalityResolver:
    """The resolver over the committed reference table (cached)."""
    return MunicipalityResolver()


def parse_prefecture(value: Any) -> tuple[str, str]:
    """A prefecture of origin as (Japanese, English): "福島県", "福島", "Fukushima"; "" -> ("", "")."""
    text = _key(value)
    if not text:
        return "", ""
    for ja, en in PREFECTURES.items():
        if text in {ja, ja[:-1] if ja != "北海道" else ja} or text.lower() == en.lower():
            return ja, en
    if text in {"その他", "other", "Other"}:
        return "その他", "Other"
    raise ParseError(
        f"unknown prefecture {nfkc(value)!r}", f"都道府県名として読めません: {nfkc(value)!r}"
    )
