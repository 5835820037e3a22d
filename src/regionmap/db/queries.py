"""The queries pages, slides and handouts read: figures by area, headlines, lists.

SQL is composed from the figure registry (:mod:`regionmap.figures`) and fixed fragments;
every value is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from regionmap import figures, importable, settings
from regionmap.codes import normalize_code
from regionmap.db.connection import cursor
from regionmap.db.filters import (
    and_all,
    area_filter,
    as_list,
    in_filter,
    item_theme_filter,
    overlay_theme_filter,
    query_frame,
    range_filter,
    sample_filter,
)
from regionmap.db.schema import (
    AREA_LEVELS,
    DOCUMENT_FISCAL_YEAR,
    DOCUMENT_METRICS,
    DOCUMENT_SOURCE_EN,
    DOCUMENT_SOURCE_JA,
    OVERLAY_METRICS,
)
from regionmap.db.store import one_row

#: Figures only staff imports provide (``figures.IMPORTED_FIGURES``): per municipality like
#: the overlay figures, never a sample; not in ``figures.FIGURES`` (no headline card, slide or
#: handout line: the regional page shows them).
IMPORTED_METRICS: tuple[str, ...] = figures.imported_ids()
#: Every per-municipality figure (facts with a municipality_code).
MUNICIPAL_METRICS: tuple[str, ...] = OVERLAY_METRICS + IMPORTED_METRICS

# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


def _samples(expr: str) -> tuple[str, list]:
    """The rows of a per-municipality table that may be shown: all of them, or only the
    real ones when sample breakdowns are hidden (setting ``sample``; every query of facts
    and lists goes through here, so a hidden sample is never shown, counted or exported)."""
    return sample_filter(expr, settings.samples_shown())


def _where_real(alias: str = "") -> str:
    """`` WHERE NOT is_sample`` when samples are hidden, else ``""`` (for fixed SQL)."""
    sql, _ = _samples(f"{alias}is_sample")
    return f" WHERE {sql}" if sql else ""


def themes(kind: str | None = None, con=None) -> pd.DataFrame:
    """Policy themes: theme_id, kind ("pillar"|"direction"), name_ja, name_en, group_id,
    sort_order, description_ja, description_en."""
    where, params = and_all(in_filter("kind", kind))
    return query_frame(
        con,
        "SELECT theme_id, kind, name_ja, name_en, group_id, sort_order, description_ja, "  # noqa: S608
        f"description_en FROM themes WHERE {where} ORDER BY sort_order, theme_id",
        params,
    )


def _info(metric: str) -> dict[str, str]:
    """Unit (English plural) and label of a figure, as the frames carry them."""
    fig = figures.get(metric)
    return {
        "unit_ja": fig.unit.ja,
        "unit_en": fig.unit.en_many,
        "label_ja": fig.label_ja,
        "label_en": fig.label_en,
    }


def theme_covers(metric: str, theme_ids: Any, con=None) -> bool:
    """Whether the theme filter leaves anything of ``metric`` to show (the one answer every
    page, slide and handout uses; :func:`regionmap.figures.covers`). A document figure is
    covered by the themes its items carry."""
    _check_metric(metric)
    ids = as_list(theme_ids)
    if not ids:
        return True
    fig = figures.get(metric)
    carried: list[str] = []
    if fig.item_type is not None:
        rows = cursor(con).execute(
            "SELECT DISTINCT theme_id FROM item_themes WHERE item_type = ?", [fig.item_type]
        )
        carried = [r[0] for r in rows.fetchall()]
    return figures.covers(metric, ids, carried)


def _check_metric(metric: str) -> str:
    known = figures.ids() + IMPORTED_METRICS
    if metric not in known:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(known)}")
    return metric


def fiscal_years(metric: str, con=None) -> list[int]:
    """Fiscal years with figures for ``metric``, ascending.

    Sites count from their start year on, so every year from the first start to
    the latest year of any overlay figure is listed; evacuees by the fiscal year
    of their months; document metrics have the document's year.
    """
    _check_metric(metric)
    c = cursor(con)
    if metric in DOCUMENT_METRICS:
        return [DOCUMENT_FISCAL_YEAR]
    if metric == "dispatch":
        rows = c.execute(
            f"SELECT DISTINCT fiscal_year FROM dispatch{_where_real()} ORDER BY 1"  # noqa: S608
        ).fetchall()
        return [int(r[0]) for r in rows]
    if metric in IMPORTED_METRICS:  # the table is the figure's id (registry), a whitelisted name
        rows = c.execute(
            f"SELECT DISTINCT fiscal_year FROM {figures.get(metric).table} ORDER BY 1"  # noqa: S608
        ).fetchall()
        return [int(r[0]) for r in rows]
    if metric == "evacuees":
        rows = c.execute(
            "SELECT DISTINCT CAST(year(month) - CASE WHEN month(month) < 4 THEN 1 ELSE 0 END "  # noqa: S608
            f"AS INTEGER) FROM evacuees{_where_real()} ORDER BY 1"
        ).fetchall()
        return [int(r[0]) for r in rows]
    lo, hi = one_row(
        c.execute(
            "SELECT min(start_fy), greatest(max(start_fy), "  # noqa: S608
            f"(SELECT max(fiscal_year) FROM dispatch{_where_real()})) FROM sites{_where_real()}"
        )
    )
    return [] if lo is None else list(range(int(lo), int(hi) + 1))


def _fy_of_month_sql(col: str) -> str:
    return f"CAST(year({col}) - CASE WHEN month({col}) < 4 THEN 1 ELSE 0 END AS INTEGER)"


#: Where a fixed fragment of a figure's facts reads its own table again (the evacuees' last
#: month of a year): `` AND NOT is_sample`` there when samples are hidden (:func:`_facts`).
_REAL_ROWS = "{real_rows}"


@dataclass(frozen=True)
class _Facts:
    """How the data layer reads a figure's facts (the figure itself is in the registry).

    ``select`` reads the facts table as ``f``; a per-municipality figure has a condition
    picking its fiscal year (``year``, one bound value) and may have a ``kind`` column; a
    document figure is filtered by its items' themes (``item_id``, its item type from the
    registry).
    """

    select: str
    year: str = ""
    kind: str = ""
    item_id: str = ""


def _municipal_facts(metric: str, year: str = "") -> _Facts:
    """The facts of a per-municipality figure, from its import table (importable.toml): its
    value is the table's count column (each row counts 1 without one: a site), its fiscal year
    the table's period (``year``: another condition than "the period is the year")."""
    fig = figures.get(metric)
    tb = importable.get(fig.table)
    value = f"f.{tb.count}" if tb.count else "1"
    return _Facts(
        f"SELECT f.municipality_code, {value} AS value, f.is_sample, f.source_ja, f.source_en "  # noqa: S608
        f"FROM {tb.table} f",
        year=year or f"f.{tb.period} = ?",
        kind="f.kind" if fig.kinds else "",
    )


#: The facts of each figure (:data:`regionmap.figures.FIGURES` and the imported ones): one
#: entry per figure.
FACTS: dict[str, _Facts] = {
    "dispatch": _municipal_facts("dispatch"),
    # a site counts from its first year on
    "sites": _municipal_facts("sites", year="f.start_fy <= ?"),
    # the fiscal year's last month with figures
    "evacuees": _municipal_facts(
        "evacuees",
        year=f"f.month = (SELECT max(month) FROM evacuees WHERE {_fy_of_month_sql('month')} = ?"  # noqa: S608
        + _REAL_ROWS
        + ")",
    ),
    # a project naming a bureau belongs to it; a region-wide one to every bureau of its region
    "priority_projects": _Facts(
        "SELECT b.bureau_code, f.project_id AS item_id FROM priority_projects f "
        "JOIN bureaus b ON (f.bureau_code = b.bureau_code) "
        "OR (f.bureau_code IS NULL AND f.region_code = b.region_code)",
        item_id="f.project_id",
    ),
    "proposals": _Facts(
        "SELECT f.bureau_code, f.proposal_id AS item_id FROM proposal_bureaus f",
        item_id="f.proposal_id",
    ),
    # import only (figures.IMPORTED_FIGURES): no sample, so is_sample is always false
    **{metric: _municipal_facts(metric) for metric in IMPORTED_METRICS},
}


def _facts(
    metric: str,
    fiscal_year: int | None,
    theme_ids: Any,
    kind: Any = None,
) -> tuple[str, list]:
    """SQL of the metric's facts at municipality grain (overlay) or bureau grain (document).

    Columns: municipality_code (overlay) / bureau_code (document), value, is_sample,
    source_ja, source_en, item_id (document: for distinct counts).
    """
    facts = FACTS[metric]
    if facts.item_id:
        item_type = figures.get(metric).item_type or ""
        where, params = and_all(item_theme_filter(item_type, facts.item_id, theme_ids))
    else:
        hidden = _samples("is_sample")[0]
        year = facts.year.replace(_REAL_ROWS, f" AND {hidden}" if hidden else "")
        where, params = and_all(
            (year, [fiscal_year]),
            in_filter(facts.kind, kind) if facts.kind else ("", []),
            overlay_theme_filter(metric, theme_ids),
            _samples("f.is_sample"),
        )
    return f"{facts.select} WHERE {where}", params  # noqa: S608


def _real_years_sql(metric: str) -> str:
    """SQL of the fiscal years of a per-municipality figure that hold real (imported, not
    sample) figures: its import table's period, as a fiscal year (a month's: April–March)."""
    tb = importable.get(figures.get(metric).table)
    period = _fy_of_month_sql(tb.period) if dict(tb.columns)[tb.period] == "DATE" else tb.period
    return f"SELECT DISTINCT {period} FROM {tb.table} WHERE NOT is_sample"  # noqa: S608


#: Per overlay figure: SQL of the fiscal years that hold real (imported, not sample) figures.
REAL_YEARS_SQL = {metric: _real_years_sql(metric) for metric in MUNICIPAL_METRICS}


def real_years(metric: str, con=None) -> list[int]:
    """Fiscal years with real (imported, not sample) figures for ``metric``, ascending; the
    document's year for the document's own figures."""
    _check_metric(metric)
    if metric in DOCUMENT_METRICS:
        return [DOCUMENT_FISCAL_YEAR]
    rows = cursor(con).execute(REAL_YEARS_SQL[metric]).fetchall()
    return sorted(int(r[0]) for r in rows if r[0] is not None)


def has_sample(metric: str, con=None) -> bool:
    """Whether the rows of ``metric`` that may be shown include sample rows (never when
    samples are hidden; never for the document's figures)."""
    _check_metric(metric)
    if metric not in MUNICIPAL_METRICS or not settings.samples_shown():
        return False
    table = importable.get(figures.get(metric).table).table
    row = one_row(cursor(con).execute(f"SELECT bool_or(is_sample) FROM {table}"))  # noqa: S608
    return bool(row[0])


def default_year(metric: str, con=None) -> int:
    """The fiscal year a view of ``metric`` opens on: the latest year with real figures;
    with only sample figures (or none), the document's year (FY2015). "Latest year" stays
    a choice of the filter bar, never the default: a fresh start shows what is real."""
    years = real_years(metric, con=con)
    return years[-1] if years else DOCUMENT_FISCAL_YEAR


def _default_year(metric: str, fiscal_year: int | None, con) -> int | None:
    """``fiscal_year``, or :func:`default_year`."""
    if fiscal_year is not None:
        return int(fiscal_year)
    return default_year(metric, con=con)


def _sources_sql(metric: str, fiscal_year: int | None) -> tuple[str, list]:
    """SQL of one row (source_ja, source_en, is_sample) for a metric's figures in a year."""
    if metric in DOCUMENT_METRICS:
        return (
            "SELECT CAST(? AS VARCHAR) AS source_ja, CAST(? AS VARCHAR) AS source_en, "
            "false AS is_sample",
            [DOCUMENT_SOURCE_JA, DOCUMENT_SOURCE_EN],
        )
    sql, params = _facts(metric, fiscal_year, None)
    return (
        "SELECT coalesce(string_agg(DISTINCT source_ja, ' / ' ORDER BY source_ja), '') AS source_ja, "  # noqa: S608
        "coalesce(string_agg(DISTINCT source_en, ' / ' ORDER BY source_en), '') AS source_en, "
        f"coalesce(bool_or(is_sample), false) AS is_sample FROM ({sql}) f",
        params,
    )


_LEVEL_EXPR = {
    "region": ("regions", "region_code", "m.region_code"),
    "bureau": ("bureaus", "bureau_code", "m.bureau_code"),
    "municipality": ("municipalities", "code", "coalesce(m.parent_code, m.code)"),
}


def _area(area: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[Any, ...]:
    """The area filters ``keys`` (of ``region_code``, ``bureau_code``, ``municipality_code``)
    given as keywords, in that order; a keyword that is none of ``keys`` is a TypeError."""
    unknown = set(area) - set(keys)
    if unknown:
        raise TypeError(f"not an area filter here: {', '.join(sorted(unknown))}")
    return tuple(area.get(k) for k in keys)


def metric_by_area(
    metric: str,
    level: str = "bureau",
    fiscal_year: int | None = None,
    *,
    theme_ids: Any = None,
    kind: Any = None,
    con=None,
    **area: Any,
) -> pd.DataFrame:
    """The metric per area of ``level`` within the area (``region_code``, ``bureau_code``):
    every area listed, 0 where there is no figure.

    Columns: area_code, value, unit_ja, unit_en, fiscal_year, source_ja, source_en,
    is_sample, selected (False for areas outside the region/bureau filter: their
    value is 0 so the map can dim them). Municipality level lists the 179
    municipalities and the 6 Northern Territories villages (Sapporo as one; ward
    figures roll up to it). Fiscal year defaults to the latest with figures;
    document metrics count items (a region-wide priority project counts for each
    bureau of its region); a theme filter excluding the metric's themes gives 0s.
    """
    _check_metric(metric)
    region_code, bureau_code = _area(area, ("region_code", "bureau_code"))
    if level not in _LEVEL_EXPR:
        raise ValueError(f"unknown level {level!r}; one of {', '.join(AREA_LEVELS)}")
    c = cursor(con)
    fy = _default_year(metric, fiscal_year, c)
    table, code_col, level_expr = _LEVEL_EXPR[level]
    facts = (metric, fy, theme_ids, kind, region_code, bureau_code)
    if metric in MUNICIPAL_METRICS:
        joined, joined_params = _facts_in_area(*facts, f"{level_expr} AS area_code, f.value")
        agg = "sum(value)"
    else:
        # document facts are per bureau: spread to the municipalities of the bureau
        muni_join = (
            "JOIN municipalities m ON m.bureau_code = f.bureau_code AND m.kind <> 'ward'"
            if level == "municipality"
            else "JOIN (SELECT bureau_code, region_code, NULL AS parent_code, bureau_code AS code "
            "FROM bureaus) m ON m.bureau_code = f.bureau_code"
        )
        select = f"{level_expr} AS area_code, f.item_id"
        joined, joined_params = _facts_in_area(*facts, select, muni_join)
        agg = "count(DISTINCT item_id)"
    if level == "municipality":
        areas = "SELECT code AS area_code, region_code, bureau_code FROM municipalities m WHERE m.kind <> 'ward'"
        area_sel, area_params = area_filter(region_code, bureau_code, None, alias="a")
    elif level == "bureau":
        areas = "SELECT bureau_code AS area_code, region_code, bureau_code FROM bureaus"
        area_sel, area_params = area_filter(region_code, bureau_code, None, alias="a")
    else:
        areas = "SELECT region_code AS area_code, region_code, NULL AS bureau_code FROM regions"
        area_sel, area_params = and_all(
            in_filter("a.region_code", region_code),
            (
                "a.region_code IN (SELECT region_code FROM bureaus WHERE bureau_code IN "  # noqa: S608
                f"({', '.join('?' for _ in as_list(bureau_code) or [])}))"
                if as_list(bureau_code)
                else "",
                as_list(bureau_code) or [],
            ),
        )
    order = "r.sort_order" if level == "region" else "a.area_code"
    src_sql, src_params = _sources_sql(metric, fy)
    info = _info(metric)
    sql = (
        f"WITH v AS (SELECT area_code, {agg} AS value FROM ({joined}) j GROUP BY area_code), "  # noqa: S608
        f"a AS ({areas}), s AS ({src_sql}) "
        "SELECT a.area_code, CAST(coalesce(v.value, 0) AS BIGINT) AS value, "
        "CAST(? AS VARCHAR) AS unit_ja, CAST(? AS VARCHAR) AS unit_en, "
        "CAST(? AS INTEGER) AS fiscal_year, s.source_ja, s.source_en, s.is_sample, "
        f"coalesce({area_sel}, false) AS selected FROM a LEFT JOIN v USING (area_code) CROSS JOIN s "
        + ("JOIN regions r ON r.region_code = a.area_code " if level == "region" else "")
        + f"ORDER BY {order}"
    )
    params = [
        *joined_params,
        *src_params,
        info["unit_ja"],
        info["unit_en"],
        fy,
        *area_params,
    ]
    return c.execute(sql, params).df()


def _facts_in_area(
    metric, fy, theme_ids, kind, region_code, bureau_code, select: str, join: str | None = None
) -> tuple[str, list]:
    """``SELECT select`` over the figure's facts (``f``) joined to their area (``m``: the
    municipality of a per-municipality fact, the bureau of a document item, or ``join``)
    within the region/bureau filter."""
    facts_sql, facts_params = _facts(metric, fy, theme_ids, kind)
    sel_sql, sel_params = area_filter(region_code, bureau_code, None, alias="m")
    if join is None:
        join = (
            "JOIN municipalities m ON m.code = f.municipality_code"
            if metric in MUNICIPAL_METRICS
            else "JOIN bureaus m ON m.bureau_code = f.bureau_code"
        )
    sql = f"SELECT {select} FROM ({facts_sql}) f {join} WHERE {sel_sql}"  # noqa: S608
    return sql, [*facts_params, *sel_params]


def _total_sql(metric, fy, theme_ids, region_code, bureau_code, kind) -> tuple[str, list]:
    total = (
        "coalesce(sum(f.value), 0)" if metric in MUNICIPAL_METRICS else "count(DISTINCT f.item_id)"
    )
    return _facts_in_area(metric, fy, theme_ids, kind, region_code, bureau_code, total)


def _total(metric, fy, theme_ids, region_code, bureau_code, kind, con) -> int:
    sql, params = _total_sql(metric, fy, theme_ids, region_code, bureau_code, kind)
    return int(one_row(cursor(con).execute(sql, params))[0])


def headline(
    metric: str,
    fiscal_year: int | None = None,
    *,
    theme_ids: Any = None,
    kind: Any = None,
    con=None,
    **area,
) -> dict:
    """One figure for the headline cards, for the area (``region_code``, ``bureau_code``).

    Returns dict(value, previous, fiscal_year, unit_ja, unit_en, label_ja, label_en,
    source_ja, source_en, is_sample, theme_match, has_figures). ``previous`` is the same
    figure one fiscal year earlier (None when there is none). ``theme_match`` is
    False when the theme filter excludes the metric (value is then 0).
    """
    _check_metric(metric)
    region_code, bureau_code = _area(area, ("region_code", "bureau_code"))
    c = cursor(con)
    years = fiscal_years(metric, con=c)
    fy = _default_year(metric, fiscal_year, c)
    info = _info(metric)
    # one statement: this year's total, last year's, and the sources
    cur_sql, cur_params = _total_sql(metric, fy, theme_ids, region_code, bureau_code, kind)
    has_prev = fy is not None and (fy - 1) in years
    prev_sql, prev_params = (
        _total_sql(metric, fy - 1, theme_ids, region_code, bureau_code, kind)
        if has_prev and fy is not None
        else ("SELECT NULL", [])
    )
    src_sql, src_params = _sources_sql(metric, fy)
    row = one_row(
        c.execute(
            f"SELECT ({cur_sql}), ({prev_sql}), s.* FROM ({src_sql}) s",  # noqa: S608
            [*cur_params, *prev_params, *src_params],
        )
    )
    value = int(row[0] or 0)
    previous = int(row[1]) if has_prev and row[1] is not None else None
    src_ja, src_en, is_sample = row[2] or "", row[3] or "", bool(row[4])
    theme_match = theme_covers(metric, theme_ids, con=c)
    return {
        "metric": metric,
        "value": value,
        "previous": previous,
        "fiscal_year": fy,
        "unit_ja": info["unit_ja"],
        "unit_en": info["unit_en"],
        "label_ja": info["label_ja"],
        "label_en": info["label_en"],
        "source_ja": src_ja,
        "source_en": src_en,
        "is_sample": is_sample,
        "theme_match": theme_match,
        # no figures in any year (nothing imported, the sample hidden): "not imported
        # yet" in words, never the 0 of ``value``
        "has_figures": bool(years),
    }


def _doc_columns(df: pd.DataFrame, unit_ja: str, unit_en: str) -> pd.DataFrame:
    df["unit_ja"], df["unit_en"] = unit_ja, unit_en
    df["fiscal_year"] = DOCUMENT_FISCAL_YEAR
    df["source_ja"], df["source_en"] = DOCUMENT_SOURCE_JA, DOCUMENT_SOURCE_EN
    df["is_sample"] = False
    return df


def _theme_list_sql(id_expr: str) -> str:
    """The ``;``-joined themes of the item ``id_expr``; its item type is a bound parameter
    (the caller puts it in its parameters where this expression stands)."""
    return (
        "(SELECT string_agg(it.theme_id, ';' ORDER BY it.theme_id) FROM item_themes it "  # noqa: S608
        f"WHERE it.item_type = ? AND it.item_id = {id_expr})"
    )


def priority_projects(
    theme_ids: Any = None, region_code: Any = None, bureau_code: Any = None, con=None
) -> pd.DataFrame:
    """The regional priority projects (地域重点プロジェクト).

    A bureau filter keeps projects naming that bureau and the region-wide projects
    of its region. Columns: project_id, title_ja, title_en, region_code,
    region_name_ja, region_name_en, bureau_code, bureau_name_ja, bureau_name_en,
    direction_theme_id, direction_name_ja, direction_name_en, theme_ids (";"),
    note, source_ref + unit/fiscal_year/source/is_sample.
    """
    bureaus_f = as_list(bureau_code)
    bureau_sql: tuple[str, list[Any]] = ("", [])
    if bureaus_f:
        ph = ", ".join("?" for _ in bureaus_f)
        bureau_sql = (
            f"(p.bureau_code IN ({ph}) OR (p.bureau_code IS NULL AND p.region_code IN "  # noqa: S608
            f"(SELECT region_code FROM bureaus WHERE bureau_code IN ({ph}))))",
            bureaus_f + bureaus_f,
        )
    where, params = and_all(
        item_theme_filter("priority_project", "p.project_id", theme_ids),
        in_filter("p.region_code", region_code),
        bureau_sql,
    )
    sql = (
        "SELECT p.project_id, p.title_ja, p.title_en, p.region_code, r.name_ja AS region_name_ja, "  # noqa: S608
        "r.name_en AS region_name_en, p.bureau_code, b.name_ja AS bureau_name_ja, "
        "b.name_en AS bureau_name_en, p.direction_theme_id, t.name_ja AS direction_name_ja, "
        f"t.name_en AS direction_name_en, {_theme_list_sql('p.project_id')} "
        "AS theme_ids, p.note, p.source_ref FROM priority_projects p "
        "LEFT JOIN regions r ON r.region_code = p.region_code "
        "LEFT JOIN bureaus b ON b.bureau_code = p.bureau_code "
        "LEFT JOIN themes t ON t.theme_id = p.direction_theme_id "
        f"WHERE {where} ORDER BY p.project_id"
    )
    return _doc_columns(
        query_frame(con, sql, ["priority_project", *params]), *_unit("priority_projects")
    )


def _unit(metric: str) -> tuple[str, str]:
    info = _info(metric)
    return info["unit_ja"], info["unit_en"]


def measures(proposal_id: Any = None, theme_ids: Any = None, con=None) -> pd.DataFrame:
    """Departments' measures that reflect proposals: measure_id, proposal_id,
    department_ja, department_en, text_ja, text_en, pillar_theme_id, note, source_ref."""
    where, params = and_all(
        in_filter("mp.proposal_id", proposal_id),
        item_theme_filter("measure", "me.measure_id", theme_ids),
    )
    sql = (
        "SELECT me.measure_id, mp.proposal_id, me.department_ja, me.department_en, me.text_ja, "  # noqa: S608
        "me.text_en, me.pillar_theme_id, me.note, me.source_ref FROM measures me "
        "LEFT JOIN measure_proposals mp ON mp.measure_id = me.measure_id "
        f"WHERE {where} ORDER BY mp.proposal_id, me.measure_id"
    )
    return query_frame(con, sql, params)


def proposals(
    theme_ids: Any = None, region_code: Any = None, bureau_code: Any = None, con=None
) -> pd.DataFrame:
    """Bureau policy proposals (振興局からの政策提案) with the departments' measures.

    A joint proposal matches a filter on any of its bureaus. Columns: proposal_id,
    title_ja, title_en, bureau_codes (";"), bureau_names_ja ("・"), bureau_names_en
    (", "), region_codes (";"), is_joint, pillar_theme_id, pillar_name_ja,
    pillar_name_en, policy_area_ja, policy_area_en, bureau_label_ja, theme_ids, note, source_ref, measure_count,
    measures (list of dicts: measure_id, department_ja, department_en, text_ja,
    text_en) + unit/fiscal_year/source/is_sample.
    """
    c = cursor(con)
    where, params = and_all(
        item_theme_filter("proposal", "p.proposal_id", theme_ids),
        (
            "p.proposal_id IN (SELECT pb2.proposal_id FROM proposal_bureaus pb2 JOIN bureaus b2 "  # noqa: S608
            f"ON b2.bureau_code = pb2.bureau_code WHERE {and_all(in_filter('b2.region_code', region_code), in_filter('b2.bureau_code', bureau_code))[0]})",
            [*(as_list(region_code) or []), *(as_list(bureau_code) or [])],
        )
        if (as_list(region_code) or as_list(bureau_code))
        else ("", []),
    )
    sql = (
        # bureaus, themes and measures aggregated per proposal, then one join
        "WITH pb AS (SELECT pb.proposal_id, "  # noqa: S608
        "string_agg(b.bureau_code, ';' ORDER BY b.bureau_code) AS bureau_codes, "
        "string_agg(b.short_ja, '・' ORDER BY b.bureau_code) AS bureau_names_ja, "
        "string_agg(b.name_en, ', ' ORDER BY b.bureau_code) AS bureau_names_en, "
        "string_agg(DISTINCT b.region_code, ';' ORDER BY b.region_code) AS region_codes "
        "FROM proposal_bureaus pb JOIN bureaus b USING (bureau_code) GROUP BY 1), "
        "th AS (SELECT item_id AS proposal_id, string_agg(theme_id, ';' ORDER BY theme_id) "
        "AS theme_ids FROM item_themes WHERE item_type = 'proposal' GROUP BY 1), "
        "ms AS (SELECT mp.proposal_id, list({'measure_id': me.measure_id, "
        "'department_ja': me.department_ja, 'department_en': me.department_en, "
        "'text_ja': me.text_ja, 'text_en': me.text_en} ORDER BY me.measure_id) AS measures "
        "FROM measure_proposals mp JOIN measures me USING (measure_id) GROUP BY 1) "
        "SELECT p.proposal_id, p.title_ja, p.title_en, pb.bureau_codes, pb.bureau_names_ja, "
        "pb.bureau_names_en, pb.region_codes, p.is_joint, p.pillar_theme_id, "
        "t.name_ja AS pillar_name_ja, t.name_en AS pillar_name_en, p.policy_area_ja, "
        "p.policy_area_en, p.bureau_label_ja, "
        "th.theme_ids, p.note, p.source_ref, ms.measures "
        "FROM proposals p LEFT JOIN pb USING (proposal_id) LEFT JOIN th USING (proposal_id) "
        "LEFT JOIN ms USING (proposal_id) LEFT JOIN themes t ON t.theme_id = p.pillar_theme_id "
        f"WHERE {where} ORDER BY p.proposal_id"
    )
    df = c.execute(sql, params).df()
    df["measures"] = [
        [dict(m) for m in v] if v is not None and not isinstance(v, float) else []
        for v in df["measures"]
    ]
    df["measure_count"] = df["measures"].map(len).astype("int64")
    return _doc_columns(df, *_unit("proposals"))


def bureau_projects(
    theme_ids: Any = None, region_code: Any = None, bureau_code: Any = None, con=None
) -> pd.DataFrame:
    """Bureau-specific projects (振興局独自事業): item_id, text_ja, text_en, bureau_code,
    bureau_name_ja, bureau_name_en, region_code, attribution, attribution_note,
    theme_ids, source_ref + unit/fiscal_year/source/is_sample."""
    where, params = and_all(
        item_theme_filter("bureau_project", "bp.item_id", theme_ids),
        in_filter("b.region_code", region_code),
        in_filter("bp.bureau_code", bureau_code),
    )
    sql = (
        "SELECT bp.item_id, bp.text_ja, bp.text_en, bp.bureau_code, b.name_ja AS bureau_name_ja, "  # noqa: S608
        "b.name_en AS bureau_name_en, b.region_code, bp.attribution, bp.attribution_note, "
        f"{_theme_list_sql('bp.item_id')} AS theme_ids, bp.source_ref "
        "FROM bureau_projects bp LEFT JOIN bureaus b ON b.bureau_code = bp.bureau_code "
        f"WHERE {where} ORDER BY bp.bureau_code, bp.item_id"
    )
    return _doc_columns(query_frame(con, sql, ["bureau_project", *params]), "件", "items")


def document_totals(con=None) -> pd.DataFrame:
    """The totals the document gives (key, fiscal_year, as_of, value, unit, label, source_ref)."""
    return query_frame(con, "SELECT * FROM document_totals ORDER BY key", [])


def _overlay_columns(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    df["unit_ja"], df["unit_en"] = _unit(metric)
    if "is_sample" in df:
        df["is_sample"] = df["is_sample"].astype(bool)
    return df


_MUNI_COLS = (
    "m.name_ja AS municipality_name_ja, m.name_en AS municipality_name_en, m.district_ja, "
    "m.bureau_code, "
    "b.name_ja AS bureau_name_ja, b.name_en AS bureau_name_en, m.region_code"
)


#: The per-municipality lists, by figure (its table, aliased by its first letter): the
#: SELECT list (:data:`_MUNI_COLS` for the area's names), the ORDER BY list and the column
#: the period filter is on. Fixed SQL of this module; every value is bound.
_LISTS: dict[str, tuple[str, str, str]] = {
    "dispatch": (
        f"d.fiscal_year, d.municipality_code, {_MUNI_COLS}, d.kind, d.kind_ja, d.kind_en, "
        "d.persons, d.status, d.is_sample, d.source_ja, d.source_en",
        "d.fiscal_year, d.municipality_code, d.kind",
        "d.fiscal_year",
    ),
    "sites": (
        f"s.site_id, s.name_ja, s.name_en, s.municipality_code, {_MUNI_COLS}, s.kind, "
        "s.kind_ja, s.kind_en, s.lon, s.lat, s.start_fy, s.is_model_project, s.operator_ja, "
        "s.operator_en, s.is_sample, s.source_ja, s.source_en",
        "s.start_fy, s.site_id",
        "s.start_fy",
    ),
    "evacuees": (
        f"e.month, {_fy_of_month_sql('e.month')} AS fiscal_year, e.municipality_code, "
        f"{_MUNI_COLS}, e.prefecture_ja, e.prefecture_en, e.persons, e.is_sample, e.source_ja, "
        "e.source_en",
        "e.month, e.municipality_code, e.prefecture_ja",
        "e.month",
    ),
}


def _overlay_rows(
    metric: str,
    period: tuple[Any, Any],
    theme_ids: Any,
    area: dict[str, Any],
    kind: Any = None,
    con=None,
) -> pd.DataFrame:
    """Rows of a per-municipality figure's list (:data:`_LISTS`) with their municipality and
    bureau joined, filtered by ``period``, theme, area and ``kind``.

    Parameters
    ----------
    metric : str
        The figure, which is also its table (``dispatch``, ``sites``, ``evacuees``).
    period : tuple
        ``(from, to)`` on the list's period column, inclusive; None leaves a side open.
    theme_ids : Any
        Selected themes (:func:`overlay_theme_filter`).
    area : dict
        Any of ``region_code``, ``bureau_code``, ``municipality_code`` (:func:`area_filter`).
    kind : Any, optional
        Kinds to keep (the table's ``kind`` column); None keeps all.
    con : optional
        Connection; the live database when None.

    Returns
    -------
    pandas.DataFrame
        The rows, with the figure's units (:func:`_overlay_columns`).
    """
    area_keys = ("region_code", "bureau_code", "municipality_code")
    region_code, bureau_code, municipality_code = _area(area, area_keys)
    columns, order, period_col = _LISTS[metric]
    alias = metric[0]
    where, params = and_all(
        range_filter(period_col, *period),
        overlay_theme_filter(metric, theme_ids),
        area_filter(region_code, bureau_code, municipality_code),
        in_filter(f"{alias}.kind", kind),
        _samples(f"{alias}.is_sample"),
    )
    sql = (
        f"SELECT {columns} FROM {metric} {alias} "  # noqa: S608
        f"JOIN municipalities m ON m.code = {alias}.municipality_code "
        "LEFT JOIN bureaus b ON b.bureau_code = m.bureau_code "
        f"WHERE {where} ORDER BY {order}"
    )
    return _overlay_columns(query_frame(con, sql, params), metric)


def dispatches(
    fiscal_year_from: int | None = None,
    fiscal_year_to: int | None = None,
    *,
    theme_ids: Any = None,
    kind: Any = None,
    con=None,
    **area: Any,
) -> pd.DataFrame:
    """Staff dispatches in the fiscal years, themes, kinds and area (``region_code``,
    ``bureau_code``, ``municipality_code``): fiscal_year, municipality_code,
    municipality_name_ja, district_ja, bureau_code, bureau_name_ja, bureau_name_en,
    region_code, kind, kind_ja, kind_en, persons, status, is_sample, source_ja, source_en,
    unit_ja, unit_en."""
    return _overlay_rows("dispatch", (fiscal_year_from, fiscal_year_to), theme_ids, area, kind, con)


def sites(
    fiscal_year: int | None = None, *, theme_ids: Any = None, kind: Any = None, con=None, **area
) -> pd.DataFrame:
    """Settlement-support sites active in ``fiscal_year`` (started then or before; all if None),
    in the themes, kinds and area.

    Columns: site_id, name_ja, name_en, municipality_code, municipality_name_ja,
    district_ja, bureau_code, bureau_name_ja, bureau_name_en, region_code, kind,
    kind_ja, kind_en, lon, lat, start_fy, operator_ja, is_sample, source_ja,
    source_en, unit_ja, unit_en, fiscal_year.
    """
    df = _overlay_rows("sites", (None, fiscal_year), theme_ids, area, kind, con)
    df["fiscal_year"] = fiscal_year if fiscal_year is not None else df["start_fy"]
    return df


def _month(value: Any) -> dt.date | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    return dt.date(ts.year, ts.month, 1)


def evacuees(
    month_from: Any = None, month_to: Any = None, *, theme_ids: Any = None, con=None, **area
) -> pd.DataFrame:
    """Evacuees by month and municipality in the months, themes and area: month (date),
    fiscal_year, municipality_code, municipality_name_ja, district_ja, bureau_code,
    bureau_name_ja, bureau_name_en, region_code, prefecture_ja, prefecture_en, persons,
    is_sample, source_ja, source_en, unit_ja, unit_en. ``month_from``/``month_to`` accept
    dates or "YYYY-MM"."""
    return _overlay_rows(
        "evacuees", (_month(month_from), _month(month_to)), theme_ids, area, con=con
    )


def municipality_summary(code: str, fiscal_year: int | None = None, con=None) -> pd.DataFrame:
    """Figures of one municipality for the click-through, one row per metric.

    ``code`` may be 5 or 6 digits; a ward shows its city's figures. Columns:
    metric, label_ja, label_en, value, unit_ja, unit_en, fiscal_year, source_ja,
    source_en, is_sample, scope ("municipality" for overlay figures, "bureau" for
    the document's projects and proposals, counted for the municipality's bureau).
    """

    c = cursor(con)
    code5 = normalize_code(code)
    row = c.execute(
        "SELECT coalesce(parent_code, code), bureau_code FROM municipalities WHERE code = ?",
        [code5],
    ).fetchone()
    if row is None:
        raise ValueError(f"unknown municipality code {code!r}")
    city, bureau = row
    out = []
    for metric in figures.ids():
        fy = _default_year(metric, fiscal_year, c)
        info = _info(metric)
        if metric in MUNICIPAL_METRICS:
            facts_sql, params = _facts(metric, fy, None)
            value_sql = (
                f"SELECT coalesce(sum(f.value), 0) FROM ({facts_sql}) f "  # noqa: S608
                "JOIN municipalities m ON m.code = f.municipality_code "
                "WHERE coalesce(m.parent_code, m.code) = ?"
            )
            params = [*params, city]
            scope = "municipality"
        else:
            value_sql, params = _total_sql(metric, fy, None, None, bureau, None)
            scope = "bureau"
        src_sql, src_params = _sources_sql(metric, fy)
        value, src_ja, src_en, is_sample = one_row(
            c.execute(
                f"SELECT ({value_sql}), s.* FROM ({src_sql}) s",  # noqa: S608
                [*params, *src_params],
            )
        )
        out.append(
            {
                "metric": metric,
                "label_ja": info["label_ja"],
                "label_en": info["label_en"],
                "value": int(value),
                "unit_ja": info["unit_ja"],
                "unit_en": info["unit_en"],
                "fiscal_year": fy,
                "source_ja": src_ja,
                "source_en": src_en,
                "is_sample": bool(is_sample),
                "scope": scope,
            }
        )
    return pd.DataFrame(out)
