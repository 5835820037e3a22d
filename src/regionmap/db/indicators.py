"""The queries of the public figures (``figures.PUBLIC_FIGURES``: the fiscal indicators), values
per municipality and fiscal year, never summed.

- :func:`indicator_values`: every municipality's value in a year (None where the ministry
  published 「－」 or where the municipality has no row that year, never 0);
- :func:`indicator_by_area`: per bureau or region the median, lowest and highest value of its
  municipalities, how many have a value, and how many are at or above each legal threshold;
- :func:`indicator_series`: one municipality's values over every edition, with the thresholds;
- :func:`indicator_years`, :func:`indicator_default_year`: the years a figure has.

Column names come from the registry and are checked against the schema's whitelist; every value
is a bound parameter.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from regionmap import figures
from regionmap.codes import normalize_code
from regionmap.db.connection import cursor
from regionmap.db.filters import and_all, area_filter, as_list, in_filter, query_frame
from regionmap.db.schema import DOCUMENT_FISCAL_YEAR, whitelisted

#: The public figures' ids, in their order on screen.
INDICATORS: tuple[str, ...] = figures.public_ids()


def _figure(figure_id: str) -> figures.Figure:
    fig = figures.get(figure_id)
    if not fig.is_indicator or fig.column is None:
        raise ValueError(f"{figure_id!r} is not a public figure; one of {', '.join(INDICATORS)}")
    whitelisted(fig.table, [fig.column])
    return fig


def _info(fig: figures.Figure) -> dict[str, Any]:
    src = figures.source(fig.source or "")
    return {
        "unit_ja": fig.unit.ja,
        "unit_en": fig.unit.en_many,
        "decimals": fig.decimals,
        "credit_ja": src.credit[0],
        "credit_en": src.credit[1],
    }


def _threshold_sql(fig: figures.Figure, t: figures.Threshold, value: str, code: str):
    """``value >= threshold`` for the municipality ``code`` (a designated city's own value)."""
    if t.designated_value is None:
        return f"({value} >= ?)", [t.value]
    cities = sorted(figures.designated_cities())
    ph = ", ".join("?" for _ in cities)
    return (
        f"({value} >= CASE WHEN {code} IN ({ph}) THEN ? ELSE ? END)",
        [*cities, t.designated_value, t.value],
    )


def indicator_years(figure_id: str, con=None) -> list[int]:
    """The fiscal years with at least one value of the figure, ascending."""
    fig = _figure(figure_id)
    rows = cursor(con).execute(
        f"SELECT DISTINCT fiscal_year FROM {fig.table} WHERE {fig.column} IS NOT NULL ORDER BY 1"  # noqa: S608
    )
    return [int(r[0]) for r in rows.fetchall()]


def indicator_default_year(figure_id: str, con=None) -> int:
    """The year a view of the figure opens on: the document's FY2015 when the figure has it
    (``default_year = "document"``), else its latest year (起債制限比率: FY2007)."""
    years = indicator_years(figure_id, con=con)
    if not years or DOCUMENT_FISCAL_YEAR in years:
        return DOCUMENT_FISCAL_YEAR
    return years[-1]


def indicator_values(
    figure_id: str,
    fiscal_year: int | None = None,
    *,
    con=None,
    **area: Any,
) -> pd.DataFrame:
    """Every municipality's value of the figure in ``fiscal_year`` (default
    :func:`indicator_default_year`), within the area (``region_code``, ``bureau_code``,
    ``municipality_code``; ``selected`` says which are in it: all are listed, for the map).

    Columns: municipality_code, municipality_name_ja, municipality_name_en, bureau_code,
    region_code, value (None where there is none: never 0), fiscal_year, unit_ja, unit_en,
    decimals, source_ja, source_en, credit_ja, credit_en, is_sample (always False),
    selected, and ``at_or_above_<threshold>`` (bool, None without a value) per threshold.
    Sapporo is one municipality; its wards and the Northern Territories villages have no
    accounts and are not listed.
    """
    fig = _figure(figure_id)
    c = cursor(con)
    fy = int(fiscal_year) if fiscal_year is not None else indicator_default_year(figure_id, c)
    region_code, bureau_code, municipality_code = (
        area.pop("region_code", None),
        area.pop("bureau_code", None),
        area.pop("municipality_code", None),
    )
    if area:
        raise TypeError(f"not an area filter here: {', '.join(sorted(area))}")
    sel_sql, sel_params = area_filter(region_code, bureau_code, municipality_code, alias="m")
    thr_cols, thr_params = [], []
    for t in fig.thresholds:
        sql, params = _threshold_sql(fig, t, "f.v", "m.code")
        thr_cols.append(f"CASE WHEN f.v IS NULL THEN NULL ELSE {sql} END AS at_or_above_{t.id}")
        thr_params += params
    sql = (
        f"WITH f AS (SELECT municipality_code, {fig.column} AS v, source_ja, source_en "  # noqa: S608
        f"FROM {fig.table} WHERE fiscal_year = ?) "
        "SELECT m.code AS municipality_code, m.name_ja AS municipality_name_ja, "
        "m.name_en AS municipality_name_en, m.bureau_code, m.region_code, f.v AS value, "
        "CAST(? AS INTEGER) AS fiscal_year, f.source_ja, f.source_en, false AS is_sample, "
        f"coalesce({sel_sql}, false) AS selected"
        + "".join(f", {col}" for col in thr_cols)
        + " FROM municipalities m LEFT JOIN f ON f.municipality_code = m.code "
        "WHERE m.kind = 'municipality' ORDER BY m.code"
    )
    df = c.execute(sql, [fy, fy, *sel_params, *thr_params]).df()
    df["value"] = df["value"].astype(object).where(df["value"].notna(), None)
    for key, v in _info(fig).items():
        df[key] = v
    return df


def indicator_by_area(
    figure_id: str,
    level: str = "bureau",
    fiscal_year: int | None = None,
    *,
    con=None,
    **area: Any,
) -> pd.DataFrame:
    """The figure per bureau or region, never summed: the median, lowest and highest value of
    its municipalities (``median``, ``min``, ``max``), how many have a value (``n``) of how
    many (``municipalities``), and per legal threshold how many are at or above it
    (``count_at_or_above_<threshold>``; the law's 「以上」, a designated city against its own
    threshold). ``summary_key`` is the catalogue key that says what is shown
    (``summary.median_range``).

    Columns: area_code, median, min, max, n, municipalities, count_at_or_above_<id> …,
    fiscal_year, unit_ja, unit_en, decimals, credit_ja, credit_en, summary_key, is_sample
    (False), selected (the region/bureau filter).
    """
    fig = _figure(figure_id)
    if level not in ("bureau", "region"):
        raise ValueError(f"level is bureau or region, not {level!r}")
    c = cursor(con)
    fy = int(fiscal_year) if fiscal_year is not None else indicator_default_year(figure_id, c)
    region_code, bureau_code = area.pop("region_code", None), area.pop("bureau_code", None)
    if area:
        raise TypeError(f"not an area filter here: {', '.join(sorted(area))}")
    key = "m.bureau_code" if level == "bureau" else "m.region_code"
    counts, params = [], []
    for t in fig.thresholds:
        sql, p = _threshold_sql(fig, t, "f.v", "m.code")
        counts.append(f"CAST(count(*) FILTER (WHERE {sql}) AS INTEGER) AS count_at_or_above_{t.id}")
        params += p
    if level == "bureau":
        areas = "SELECT bureau_code AS area_code, region_code, bureau_code FROM bureaus"
        order = "a.area_code"
        sel_sql, sel_params = area_filter(region_code, bureau_code, None, alias="a")
    else:
        areas = "SELECT region_code AS area_code, region_code, sort_order FROM regions"
        order = "a.sort_order"
        sel_sql, sel_params = and_all(
            in_filter("a.region_code", region_code),
            (
                "a.region_code IN (SELECT region_code FROM bureaus WHERE bureau_code IN "  # noqa: S608
                f"({', '.join('?' for _ in (as_list(bureau_code) or []))}))"
                if (as_list(bureau_code) or [])
                else "",
                (as_list(bureau_code) or []),
            ),
        )
    sql = (
        f"WITH f AS (SELECT municipality_code, {fig.column} AS v FROM {fig.table} "  # noqa: S608
        "WHERE fiscal_year = ?), "
        f"s AS (SELECT {key} AS area_code, median(f.v) AS median, min(f.v) AS min, "
        "max(f.v) AS max, CAST(count(f.v) AS INTEGER) AS n, "
        "CAST(count(*) AS INTEGER) AS municipalities"
        + "".join(f", {col}" for col in counts)
        + " FROM municipalities m LEFT JOIN f ON f.municipality_code = m.code "  # noqa: S608
        f"WHERE m.kind = 'municipality' GROUP BY {key}), "
        f"a AS ({areas}) "
        "SELECT s.*, CAST(? AS INTEGER) AS fiscal_year, false AS is_sample, "
        f"coalesce({sel_sql}, false) AS selected FROM a JOIN s USING (area_code) ORDER BY {order}"
    )
    df = c.execute(sql, [fy, *params, fy, *sel_params]).df()
    for col in ("median", "min", "max"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    for k, v in _info(fig).items():
        df[k] = v
    df["summary_key"] = "summary.median_range"
    return df


def indicator_series(code: str, figure_ids: Any = None, con=None) -> pd.DataFrame:
    """One municipality's values over every edition (a ward: its city's), long: fiscal_year,
    figure, value (None where there is none), unit_ja, unit_en, decimals, source_ja, source_en,
    credit_ja, credit_en, and the figure's thresholds for this municipality as
    ``thresholds`` (a list of ``{"id", "value", "label_ja", "label_en"}``). Every year of the
    figure's editions is listed (:attr:`Figure.years`), with or without a value."""
    c = cursor(con)
    code5 = normalize_code(code)
    row = c.execute(
        "SELECT coalesce(parent_code, code) FROM municipalities WHERE code = ?", [code5]
    ).fetchone()
    if row is None:
        raise ValueError(f"unknown municipality code {code!r}")
    city = row[0]
    ids = [figure_ids] if isinstance(figure_ids, str) else list(figure_ids or INDICATORS)
    frames = []
    for fid in ids:
        fig = _figure(fid)
        first, last = fig.years or (DOCUMENT_FISCAL_YEAR, DOCUMENT_FISCAL_YEAR)
        df = query_frame(
            con,
            f"SELECT y.fiscal_year, f.{fig.column} AS value, f.source_ja, f.source_en "  # noqa: S608
            "FROM (SELECT CAST(range AS INTEGER) AS fiscal_year FROM range(?, ?)) y "
            f"LEFT JOIN {fig.table} f ON f.fiscal_year = y.fiscal_year AND f.municipality_code = ? "
            "ORDER BY y.fiscal_year",
            [first, last + 1, city],
        )
        df.insert(1, "figure", fid)
        df["value"] = df["value"].astype(object).where(df["value"].notna(), None)
        for k, v in _info(fig).items():
            df[k] = v
        df["thresholds"] = [
            [
                {
                    "id": t.id,
                    "value": t.value_for(city),
                    "label_ja": t.label_ja,
                    "label_en": t.label_en,
                }  # fmt: skip
                for t in fig.thresholds
            ]
        ] * len(df)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
