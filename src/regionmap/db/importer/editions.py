"""The editions of the ministry's fiscal indicators: their names (H27, 平成27年度版) and the
fiscal years their titles and file names say, and the source line of a row of one."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from regionmap import figures

#: The source of the fiscal indicators (figures.toml ``[sources.soumu_zaisei]``).
SOURCE = figures.source("soumu_zaisei")

_ERA = re.compile(r"(平成|令和|H|R)(元|\d{1,2})(?:年度)?", re.IGNORECASE)
_ERA_BASE = {"平成": 1988, "h": 1988, "令和": 2018, "r": 2018}


def _nfkc(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def era_year(text: str) -> int | None:
    """The fiscal year an era year names (平成27年度, H27, 令和元年度, R3), or None.

    >>> era_year("平成30年度決算"), era_year("令和元年度"), era_year("R3"), era_year("2015")
    (2018, 2019, 2021, None)
    """
    m = _ERA.search(_nfkc(text))
    if not m:
        return None
    n = 1 if m.group(2) == "元" else int(m.group(2))
    return _ERA_BASE[m.group(1).lower()] + n


def edition_name(fiscal_year: int) -> str:
    """The edition's name as the ministry writes it: H27 (FY2015), R1 (FY2019)."""
    return f"H{fiscal_year - 1988}" if fiscal_year < 2019 else f"R{fiscal_year - 2018}"


def edition_name_ja(fiscal_year: int) -> str:
    """The edition's name in Japanese: 平成27年度版 (FY2015), 令和元年度版 (FY2019)."""
    if fiscal_year < 2019:
        return f"平成{fiscal_year - 1988}年度版"
    n = fiscal_year - 2018
    return f"令和{'元' if n == 1 else n}年度版"


def title_year(title: str) -> int | None:
    """The fiscal year a title row says in brackets: 「（平成30年度決算）」「（令和３年度）」."""
    m = re.search(r"[(（]([^()（）]*年度[^()（）]*)[)）]", _nfkc(title))
    return era_year(m.group(1)) if m else None


def file_name_year(file_name: str) -> int | None:
    """The fiscal year of a file named as an edition (``H27.xls``, ``R3.xlsx``, ``平成27年度``)."""
    stem = _nfkc(Path(file_name).stem)
    if re.fullmatch(r"(平成|令和|H|R)(元|\d{1,2})(年度)?(版)?", stem, re.IGNORECASE):
        return era_year(stem)
    return None


def source_texts(fiscal_year: int) -> tuple[str, str]:
    """A row's source line (Japanese, English): the publication, its edition and the credit."""
    ja = (f"{SOURCE.publisher[0]}「{SOURCE.title[0]}」{edition_name_ja(fiscal_year)}"
          f"（{fiscal_year}年度決算）")  # fmt: skip
    en = f'{SOURCE.publisher[1]}, "{SOURCE.title[1]}", FY{fiscal_year} ({edition_name(fiscal_year)} edition)'
    return ja, en
