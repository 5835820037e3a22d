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

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from regionmap import reference
from regionmap.codes import normalize_code


class ParseError(ValueError):
    """A cell that cannot be read; the message says why, in English (``str``) and Japanese (``ja``)."""

    def __init__(self, message: str, ja: str | None = None):
        super().__init__(message)
        self.ja = ja or message


#: Era name -> (first Gregorian year - 1). 平成1 = 1989, 令和1 = 2019.
ERAS: dict[str, int] = {"令和": 2018, "平成": 1988, "昭和": 1925}
ERA_LETTERS: dict[str, str] = {"R": "令和", "H": "平成", "S": "昭和"}

#: The 47 prefectures (Japanese, English).
PREFECTURES: dict[str, str] = {
    "北海道": "Hokkaido", "青森県": "Aomori", "岩手県": "Iwate", "宮城県": "Miyagi",
    "秋田県": "Akita", "山形県": "Yamagata", "福島県": "Fukushima", "茨城県": "Ibaraki",
    "栃木県": "Tochigi", "群馬県": "Gunma", "埼玉県": "Saitama", "千葉県": "Chiba",
    "東京都": "Tokyo", "神奈川県": "Kanagawa", "新潟県": "Niigata", "富山県": "Toyama",
    "石川県": "Ishikawa", "福井県": "Fukui", "山梨県": "Yamanashi", "長野県": "Nagano",
    "岐阜県": "Gifu", "静岡県": "Shizuoka", "愛知県": "Aichi", "三重県": "Mie",
    "滋賀県": "Shiga", "京都府": "Kyoto", "大阪府": "Osaka", "兵庫県": "Hyogo",
    "奈良県": "Nara", "和歌山県": "Wakayama", "鳥取県": "Tottori", "島根県": "Shimane",
    "岡山県": "Okayama", "広島県": "Hiroshima", "山口県": "Yamaguchi", "徳島県": "Tokushima",
    "香川県": "Kagawa", "愛媛県": "Ehime", "高知県": "Kochi", "福岡県": "Fukuoka",
    "佐賀県": "Saga", "長崎県": "Nagasaki", "熊本県": "Kumamoto", "大分県": "Oita",
    "宮崎県": "Miyazaki", "鹿児島県": "Kagoshima", "沖縄県": "Okinawa",
}  # fmt: skip


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


def parse_code(value: Any) -> str:
    """A 5- or 6-digit local government code (full-width, lost leading zero) -> 5 digits."""
    try:
        return normalize_code(value if not isinstance(value, str) else nfkc(value))
    except ValueError as exc:
        raise ParseError(str(exc), f"市町村コードとして読めません（{exc}）") from None


@dataclass(frozen=True)
class Match:
    """A resolved municipality: its 5-digit code, name and a note (ward folded into city …)."""

    code: str
    name_ja: str
    bureau_code: str
    note: str = ""
    note_ja: str = ""


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
        code = parse_code(value)
        r = self._by_code.get(code)
        if r is None:
            if not code.startswith("01"):
                raise ParseError(
                    f"code {code} is not in Hokkaido (Hokkaido codes start with 01)",
                    f"コード{code}は北海道の市町村ではありません（北海道は01で始まります）",
                )
            raise ParseError(
                f"unknown municipality code {code}", f"市町村コード{code}は見つかりません"
            )
        return self._fold(r, str(value))

    def by_name(self, name: Any, district: Any = None) -> Match:
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
            if len({r["name_ja"] for r in candidates}) > 1:
                names = "、".join(sorted({r["name_ja"] for r in candidates}))
                raise ParseError(
                    f"{nfkc(name)!r} is ambiguous ({names}); write the full name",
                    f"{nfkc(name)!r}には複数の候補があります（{names}）。正式な名称で書いてください",
                )
        named = candidates
        if dist:
            candidates = [r for r in candidates if _key(r["district_ja"]) == dist]
        if bureau:
            candidates = [r for r in candidates if r["bureau_code"] == bureau]
        if not candidates:
            if re.fullmatch(r"[A-Za-z][A-Za-z.'\-]*", text):
                raise ParseError(
                    f"unknown municipality {nfkc(name)!r}: write the name in Japanese "
                    "(e.g. 帯広市) or give the 5- or 6-digit municipality code",
                    f"{nfkc(name)!r}は市町村名として読めません。市町村名は日本語（例: 帯広市）で"
                    "書くか、市町村コード（5桁または6桁）で指定してください",
                )
            where = f" in {nfkc(district) or dist}" if dist else ""
            where_ja = f"（{nfkc(district) or dist}）" if dist else ""
            hints = self._suggest(text, named)
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
        """Resolve by code, by name, or both (which must then agree)."""
        if is_blank(code) and not is_blank(name) and re.fullmatch(r"\d{4,6}", _key(name)):
            code, name = name, None  # a code written in the name column
        has_code, has_name = not is_blank(code), not is_blank(name)
        if not has_code and not has_name:
            raise ParseError("no municipality code or name", "市町村コードも市町村名もありません")
        if has_code:
            match = self.by_code(code)
            if has_name:
                try:
                    by_name = self.by_name(name, district)
                except ParseError:
                    by_name = None
                if by_name is not None and by_name.code != match.code:
                    c5 = parse_code(code)
                    named = self._by_code[c5]["name_ja"]
                    raise ParseError(
                        f"code {c5} is {named}, but the name says {nfkc(name)!r}",
                        f"コード{c5}は{named}ですが、市町村名は{nfkc(name)!r}です",
                    )
            return match
        return self.by_name(name, district)


def _key(value: Any) -> str:
    return re.sub(r"\s+", "", nfkc(value)) if not is_blank(value) else ""


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
