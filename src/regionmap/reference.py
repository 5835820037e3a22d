"""The committed reference tables: regions, bureaus and municipalities.

They live in ``data/reference/`` as CSV (codes, Japanese and English names,
seats, membership) and are the single source for every other module.

Municipalities' English names come from ``municipality_names_en.csv``: the rule-based
Hepburn romanisation (:mod:`regionmap.romaji`) of the official kana readings in localgovjp
(Code for FUKUI, CC0), rebuilt with ``python -m regionmap.romaji SRC.csv OUT.csv``. The six
Northern Territories villages have no reading in that source (nor any English name in MLIT
N03): they keep their Japanese name in English too.
"""

from __future__ import annotations

import pandas as pd

from regionmap.codes import to_code6
from regionmap.once import made_once
from regionmap.settings import REFERENCE_DIR

_STR = {"dtype": str, "keep_default_na": False}


@made_once(max_entries=64)
def regions() -> pd.DataFrame:
    """The 6 cooperation regions (連携地域), in the plan's order.

    Columns: ``region_code`` (str, "1".."6"), ``region_id`` (slug used in URLs),
    ``name_ja``, ``name_en``, ``seat_bureau_code``, ``sort_order`` (int).
    """
    df = pd.read_csv(REFERENCE_DIR / "regions.csv", **_STR)
    df["sort_order"] = df["sort_order"].astype(int)
    return df


@made_once(max_entries=64)
def bureaus() -> pd.DataFrame:
    """The 14 bureaus (総合振興局・振興局), in the official order.

    Columns: ``bureau_code`` ("01".."14"), ``bureau_id`` (slug), ``name_ja``,
    ``short_ja``, ``name_en``, ``kind_ja``, ``kind_en``, ``seat_ja``, ``seat_en``
    (the seat's English name), ``seat_code``, ``region_code``, ``municipality_count`` (int).
    """
    df = pd.read_csv(REFERENCE_DIR / "bureaus.csv", **_STR)
    df["municipality_count"] = df["municipality_count"].astype(int)
    seat_en = english_names()
    df.insert(
        df.columns.get_loc("seat_ja") + 1,
        "seat_en",
        df["seat_code"].map(seat_en).fillna(df["seat_ja"]),
    )
    return df


@made_once(max_entries=64)
def english_names() -> dict[str, str]:
    """English names by 5-digit code (179 municipalities and Sapporo's 10 wards), from
    ``data/reference/municipality_names_en.csv``; the Northern Territories are not in it."""
    df = pd.read_csv(REFERENCE_DIR / "municipality_names_en.csv", **_STR)
    return dict(zip(df["code"], df["name_en"], strict=True))


@made_once(max_entries=64)
def municipalities() -> pd.DataFrame:
    """Municipalities, Sapporo's wards and the Northern Territories villages.

    Columns: ``code`` (5-digit), ``code6`` (with check digit), ``name_ja``, ``name_en``
    (from the official reading; the Japanese name for the Northern Territories villages),
    ``district_ja`` (郡, or 札幌市 for wards), ``bureau_code``, ``region_code``,
    ``kind`` (``municipality``, ``ward`` or ``northern_territory``),
    ``parent_code`` (01100 for wards).
    """

    df = pd.read_csv(REFERENCE_DIR / "municipalities.csv", **_STR)
    df.insert(1, "code6", df["code"].map(to_code6))
    df.insert(3, "name_en", df["code"].map(english_names()).fillna(df["name_ja"]))
    region_of = bureaus().set_index("bureau_code")["region_code"]
    df.insert(
        df.columns.get_loc("bureau_code") + 1, "region_code", df["bureau_code"].map(region_of)
    )
    return df


@made_once(max_entries=64)
def mergers() -> pd.DataFrame:
    """Former municipalities and the one each merged into, where a source in the repository
    records it (``data/reference/mergers.csv``; its README says which sources).

    Columns: ``former_name_ja``, ``former_district_ja``, ``successor_code`` (5-digit, a
    current municipality), ``successor_name_ja``, ``merged_on`` (ISO date), ``source``.
    """
    return pd.read_csv(REFERENCE_DIR / "mergers.csv", **_STR)
