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
    prefecture_message,
    read_code,
    to_code6,
)
from regionmap.i18n import Joined, Message, Punct, message


class ParseError(ValueError):
    """A cell that cannot be read: :attr:`message` says why (a catalogue text ``key`` with
    ``values``); ``str`` is its English, :attr:`ja` its Japanese, :meth:`text` either."""

    def __init__(self, key: str | Message, /, **values: object):
        self.message: Message = key if isinstance(key, Message) else message(key, **values)
        super().__init__(self.message.text("en"))

    @property
    def ja(self) -> str:
        return self.message.text("ja")

    def text(self, lang: str) -> str:
        return self.message.text(lang)


#: Forms of a fiscal year and a month the messages offer as examples (what staff may write).
FISCAL_YEAR_EXAMPLES = ("2015", "2015年度", "平成27年度", "H27")
MONTH_EXAMPLES = ("2015-03", "2015年3月", "H27.3")


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


def era_year(era: str, n: str) -> int:
    """The Gregorian year of year ``n`` (``"元"`` for 1) of ``era`` (令和, 平成, 昭和 or R, H, S)."""
    era = ERA_LETTERS.get(era.upper(), era)
    year = 1 if n == "元" else int(n)
    if year < 1:
        raise ParseError("parse.no_such_year", year=f"{era}{n}年")
    return ERAS[era] + year


def parse_fiscal_year(value: Any) -> int:
    """A fiscal year (年度) as the Gregorian year it starts in.

    Accepts 2015, 2015.0, "2015", "2015年度", "FY2015", "平成27年度", "H27",
    "H.27", "令和2年度", "R2", "令和元年度", "R元" and full-width forms.

    >>> [parse_fiscal_year(v) for v in ["H27", "令和元年度", "FY2016", 2014.0]]
    [2015, 2019, 2016, 2014]
    """
    if isinstance(value, bool):
        raise ParseError("parse.not_fiscal_year", value=value)
    if isinstance(value, int):
        if 1000 <= value <= 9999:
            return value
        raise ParseError("parse.not_fiscal_year", value=value)
    text = nfkc(value).replace(" ", "")
    if not text:
        raise ParseError("parse.empty_fiscal_year")
    m = _YEAR_RE.match(text)
    if m:
        return int(m.group(1))
    m = _ERA_RE.match(text)
    if m:
        return era_year(m.group(1), m.group(2))
    raise ParseError(
        "parse.fiscal_year_examples", value=nfkc(value), examples=_examples(FISCAL_YEAR_EXAMPLES)
    )


def _examples(forms: tuple[str, ...]) -> Joined:
    """Forms staff may write, listed: 2015、2015年度 / 2015, 2015年度 or H27."""
    return Joined((Joined(forms[:-1]), forms[-1]), "examples")


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
        raise ParseError("parse.empty_month")
    year = month = None
    for rx in _MONTH_RES:
        m = rx.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            break
    if year is None:
        m = _ERA_MONTH_RE.match(text)
        if m:
            year, month = era_year(m.group(1), m.group(2)), int(m.group(3))
    if year is None or month is None or not 1 <= month <= 12:
        raise ParseError("parse.not_month", value=nfkc(value), examples=_examples(MONTH_EXAMPLES))
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
        raise ParseError("parse.not_number", value=value)
    if isinstance(value, (int, float)) and not (isinstance(value, float) and value != value):
        return float(value)
    text = nfkc(value).replace(" ", "").replace("−", "-").replace("▲", "-").replace("△", "-")
    for unit in _UNITS:
        if text.endswith(unit):
            text = text[: -len(unit)]
            break
    if not text:
        raise ParseError("parse.empty_number")
    if not _NUMBER_RE.match(text):
        raise ParseError("parse.not_number", value=nfkc(value))
    return float(text.replace(",", ""))


def parse_count(value: Any) -> int:
    """A whole count: "2,500", "２，５００", "12人", 12.0. Negative counts are returned as such
    (the importer reports them); fractions raise.

    >>> parse_count("1,234人")
    1234
    """
    x = parse_number(value)
    if not float(x).is_integer():
        raise ParseError("parse.not_whole", value=nfkc(value))
    return int(x)


# --------------------------------------------------------------------------------------
# Codes and names
# --------------------------------------------------------------------------------------


def _read_code(value: Any) -> CodeReading:
    try:
        return read_code(value if not isinstance(value, str) else nfkc(value))
    except CodeError as exc:
        raise ParseError(exc.message) from None


@dataclass(frozen=True)
class Match:
    """A resolved municipality: its 5-digit code, name and a note (ward folded into city …)."""

    code: str
    name_ja: str
    bureau_code: str
    #: what was done to read it (a ward counted as its city, a leading zero restored)
    notes: tuple[Message, ...] = ()
    #: the code was read with its leading zero restored (12211 -> 012211), confirmed by name
    lost_zero: bool = False

    @property
    def note_message(self) -> Joined:
        """:attr:`notes` as one text ("; " / "。" between them)."""
        return Joined(self.notes, "clauses")

    @property
    def note(self) -> str:
        """The notes in English ("" when none)."""
        return self.note_message.text("en")

    @property
    def note_ja(self) -> str:
        return self.note_message.text("ja")


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
                "parse.northern_territory", name=r["district_ja"] + r["name_ja"], code=r["code"]
            )
        if r["kind"] == "ward":
            city = self._by_code[r["parent_code"]]
            ward = message(
                "parse.ward_counted",
                ward=r["district_ja"] + r["name_ja"],
                code=r["code"],
                city=city["name_ja"],
                city_code=city["code"],
            )
            return Match(city["code"], city["name_ja"], city["bureau_code"], (ward,))
        return Match(r["code"], r["name_ja"], r["bureau_code"])

    def by_code(self, value: Any) -> Match:
        """The municipality of a code alone (a lost-zero reading such as ``12211`` is refused)."""
        reading = _read_code(value)
        if reading.lost_zero:
            raise ParseError(lost_zero_error(reading).message)
        return self._fold(self._record(reading.code5), str(value))

    def _record(self, code: str) -> dict:
        r = self._by_code.get(code)
        if r is None:
            raise ParseError("parse.unknown_code", code=code, code6=to_code6(code))
        return r

    def _lookup(self, name: Any, district: Any = None) -> tuple[list[dict], list[dict], str, str]:
        """(candidates, same-name records ignoring district and bureau, name key, district key).

        Raises only for an empty name or another prefecture's name.
        """
        text = _key(name)
        if not text:
            raise ParseError("parse.empty_name")
        if text.startswith("北海道"):
            text = text[3:]
        for pref in PREFECTURES:
            if pref != "北海道" and text.startswith(pref):
                raise ParseError("parse.other_prefecture", value=nfkc(name), prefecture=pref)
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
            raise ParseError("parse.name_ambiguous", value=nfkc(name), names=names)
        if not candidates:
            raise self._unknown(name, district, named, text, dist)
        if len(candidates) > 1:
            alts = tuple(
                Punct("with_note", {"text": r["district_ja"] + r["name_ja"], "note": r["code"]})
                for r in candidates
            )
            raise ParseError(
                "parse.name_needs_district",
                value=nfkc(name),
                alts=Joined(alts, "or_list"),
                gun="郡",
            )
        return self._fold(candidates[0], str(name))

    def _unknown(
        self, name: Any, district: Any, named: list[dict], text: str, dist: str
    ) -> ParseError:
        """The refusal of a name no municipality (in the district or bureau given) has: how to
        write it, its merger, that it may have merged, or the names it may be a typo of."""
        if re.fullmatch(r"[A-Za-z][A-Za-z.'\-]*", text):
            return ParseError("parse.name_not_japanese", value=nfkc(name), example="帯広市")
        merged = self._merger(text)
        if merged is not None:
            return merged
        where = Punct("in_place", {"place": nfkc(district) or dist}) if dist else ""
        hints = self._suggest(text, named)
        if not named and self._former_name(text):
            # a whole name (stem and 市/町/村) no municipality has: perhaps one that merged;
            # names written alike are no more than possible typos, never its successor
            typo = message("parse.typo", names=Joined(tuple(hints))) if hints else ""
            return ParseError(
                "parse.former_name", value=nfkc(name), name=text, where=where, typo=typo
            )
        hint = message("parse.did_you_mean", names=Joined(tuple(hints), "or_list")) if hints else ""
        return ParseError("parse.unknown_name", value=nfkc(name), where=where, hint=hint)

    def _former_name(self, text: str) -> bool:
        """Whether ``text`` is a whole municipality name (a stem and 市, 町 or 村) whose stem
        no current municipality has (門別町; not 夕張村, whose stem is 夕張市's)."""
        m = re.fullmatch(r"(.+)[市町村]", text)
        if m is None:
            return False
        stem = m.group(1)
        return not any(k[:-1] == stem for k in self._by_name if k[-1:] in ("市", "町", "村"))

    def _merger(self, text: str) -> ParseError | None:
        """The refusal of a former municipality recorded in ``data/reference/mergers.csv``:
        it names the successor, the date and the source, and guesses nothing."""
        for r in reference.mergers().to_dict("records"):
            if _key(r["former_name_ja"]) != text:
                continue
            code, succ, day = r["successor_code"], r["successor_name_ja"], r["merged_on"]
            return ParseError(
                "parse.merged",
                former=r["former_name_ja"],
                successor=succ,
                code=code,
                day=day,
                source=r["source"],
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
            raise ParseError("parse.no_municipality")
        if not has_code:
            return self.by_name(name, district)
        reading = _read_code(code)
        if not has_name:
            return self.by_code(code)
        rec = self._by_code.get(reading.code5)
        if rec is None and not reading.lost_zero:
            self._record(reading.code5)  # raises: unknown code
        why = self._disagreement(rec, name, district)
        if why is not None or rec is None:  # (no record is always a disagreement)
            raise self._not_confirmed(reading, rec, name, district, why or "")
        match = self._fold(rec, str(code))
        if reading.lost_zero:
            read = message("parse.lost_zero_read", written=reading.written, name=rec["name_ja"])
            match = dataclasses.replace(match, notes=(*match.notes, read), lost_zero=True)
        return match

    def _not_confirmed(
        self, reading: CodeReading, rec: dict | None, name: Any, district: Any, why: Message | str
    ) -> ParseError:
        """The refusal of a code the name does not confirm: as a code that lost its leading
        zero (it is another prefecture's as written), or as a code and a name that disagree."""
        shown = f"{nfkc(name)!r}" + (f" ({nfkc(district)})" if not is_blank(district) else "")
        if reading.lost_zero:
            w = reading.written
            return ParseError(
                "parse.lost_zero_unconfirmed",
                code=w,
                prefecture=prefecture_message(w[:2]),
                other=f" {rec['name_ja']}" if rec is not None else "",
                shown=shown,
            )
        assert rec is not None  # an unknown code was refused by _record
        return ParseError(
            "parse.code_name_disagree",
            written=reading.written,
            full=rec["district_ja"] + rec["name_ja"],
            code=rec["code"],
            shown=shown,
            why=Punct("paren", {"text": why}) if why else "",
        )

    def _disagreement(self, rec: dict | None, name: Any, district: Any) -> Message | str | None:
        """None when ``name`` (and district) can name ``rec``; else why not (a message, or ""
        when the name is simply another municipality's)."""
        if rec is None:
            return ""
        try:
            candidates, _, _, _ = self._lookup(name, district)
        except ParseError as exc:
            return exc.message
        city = rec["parent_code"] or rec["code"]
        return None if any((r["parent_code"] or r["code"]) == city for r in candidates) else ""


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
    raise ParseError("parse.unknown_prefecture", value=nfkc(value))
