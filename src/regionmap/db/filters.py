"""Filters as ``(sql, params)``: pure functions, every value bound."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from regionmap import figures
from regionmap.db.connection import cursor

# --------------------------------------------------------------------------------------
# Filters: pure functions from arguments to (sql, params)
# --------------------------------------------------------------------------------------


def as_list(value: Any) -> list | None:
    """None/empty -> None; a scalar -> [scalar]; an iterable -> list."""
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [str(value)]
    values = [str(v) for v in value if v is not None and str(v) != ""]
    return values or None


def in_filter(expr: str, values: Any) -> tuple[str, list]:
    """``expr IN (?, ?)`` for a list of values; ``("", [])`` for no filter.

    ``expr`` must be a fixed SQL expression from this module, never input.

    >>> in_filter("m.bureau_code", ["01", "02"])
    ('m.bureau_code IN (?, ?)', ['01', '02'])
    >>> in_filter("m.bureau_code", None)
    ('', [])
    """
    vals = as_list(values)
    if not vals:
        return "", []
    return f"{expr} IN ({', '.join('?' for _ in vals)})", vals


def range_filter(expr: str, low: Any = None, high: Any = None) -> tuple[str, list]:
    """``expr >= ? AND expr <= ?`` with either bound optional.

    >>> range_filter("d.fiscal_year", 2014, None)
    ('d.fiscal_year >= ?', [2014])
    """
    parts, params = [], []
    if low is not None:
        parts.append(f"{expr} >= ?")
        params.append(low)
    if high is not None:
        parts.append(f"{expr} <= ?")
        params.append(high)
    return " AND ".join(parts), params


def sample_filter(expr: str, shown: bool) -> tuple[str, list]:
    """``NOT expr`` (the rows' ``is_sample`` flag) when samples are not ``shown``; no filter
    when they are (:func:`regionmap.settings.samples_shown`).

    >>> sample_filter("d.is_sample", False)
    ('NOT d.is_sample', [])
    >>> sample_filter("d.is_sample", True)
    ('', [])
    """
    return ("", []) if shown else (f"NOT {expr}", [])


def and_all(*filters: tuple[str, list]) -> tuple[str, list]:
    """Join filters with AND, dropping empty ones; ``("TRUE", [])`` when none is left."""
    parts = [f"({s})" for s, _ in filters if s]
    params = [p for s, ps in filters if s for p in ps]
    return (" AND ".join(parts) if parts else "TRUE"), params


def area_filter(
    region_code: Any = None,
    bureau_code: Any = None,
    municipality_code: Any = None,
    alias: str = "m",
) -> tuple[str, list]:
    """Filter on a joined ``municipalities`` row ``alias`` (region, bureau, municipality).

    A municipality filter also matches the wards of a city (their ``parent_code``).
    """
    muni = as_list(municipality_code)
    if muni:
        ph = ", ".join("?" for _ in muni)
        muni_f = (f"({alias}.code IN ({ph}) OR {alias}.parent_code IN ({ph}))", muni + muni)
    else:
        muni_f = ("", [])
    return and_all(
        in_filter(f"{alias}.region_code", region_code),
        in_filter(f"{alias}.bureau_code", bureau_code),
        muni_f,
    )


def overlay_theme_filter(metric: str, theme_ids: Any) -> tuple[str, list]:
    """For a per-municipality figure: no condition when no theme is selected or the themes
    cover it, else one that keeps nothing. The answer is the registry's
    (:func:`regionmap.figures.covers`), the same the pages use for their notices."""
    ids = as_list(theme_ids)
    if not ids or figures.covers(metric, ids):
        return "", []
    return "FALSE", []


def item_theme_filter(item_type: str, id_expr: str, theme_ids: Any) -> tuple[str, list]:
    """For document items: the item carries one of the selected themes."""
    ids = as_list(theme_ids)
    if not ids:
        return "", []
    ph = ", ".join("?" for _ in ids)
    return (
        f"{id_expr} IN (SELECT it.item_id FROM item_themes it WHERE it.item_type = ? "  # noqa: S608
        f"AND it.theme_id IN ({ph}))",
        [item_type, *ids],
    )


def query_frame(con, sql: str, params: Sequence) -> pd.DataFrame:
    """The rows of ``sql`` (its values bound from ``params``) as a frame, on ``con`` or the
    live database."""
    return cursor(con).execute(sql, list(params)).df()
