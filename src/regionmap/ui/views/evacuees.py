"""The evacuees page (道内避難者): by month, prefecture of origin and municipality."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import content, figures, i18n, reference
from regionmap.db import sample
from regionmap.i18n import fy_text, month_text, t
from regionmap.maps.areas import area_codes_in
from regionmap.maps.spec import AreaFigures
from regionmap.render.charts import ranked_bar, trend_line
from regionmap.state import month_range
from regionmap.style import MISSING, format_delta, format_number
from regionmap.ui import cached, session
from regionmap.ui.cached import by_db_version
from regionmap.ui.components import cards, document, overlay, widgets

# ===========================================================================================
# 6. Evacuees
# ===========================================================================================


def evacuees_at(df: pd.DataFrame, month: str) -> pd.DataFrame:
    """Rows of one month (evacuees are a count at a month: never summed over months)."""
    if df.empty:
        return df
    start = pd.Timestamp(month + "-01")
    dates = pd.to_datetime(df["month"])
    return df[(dates >= start) & (dates < start + pd.DateOffset(months=1))]


@by_db_version(max_entries=64)
def evacuees_at_cached(
    filters: tuple[tuple[str, Any], ...],
    month: str,
    *,
    db_version: str,
) -> pd.DataFrame:
    """:func:`evacuees_at` of the evacuee list with ``filters``, cached with every input."""
    return evacuees_at(cached.table("evacuees", filters), month)


def evacuees_monthly(df: pd.DataFrame) -> pd.DataFrame:
    """Total persons per month (``month`` as ``YYYY-MM``)."""
    if df.empty:
        return pd.DataFrame(columns=["month", "persons"])
    out = df.groupby("month", as_index=False)["persons"].sum()
    out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    return out


def evacuees_by_prefecture(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Persons by prefecture of origin (one month's rows), largest first."""
    col = i18n.col("prefecture", lang)
    if df.empty:
        return pd.DataFrame(columns=["prefecture", "persons"])
    out = df.groupby(col, as_index=False)["persons"].sum().rename(columns={col: "prefecture"})
    return out.sort_values("persons", ascending=False, ignore_index=True)


def evacuees_by_municipality(df: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """Persons by municipality (one month's rows; wards as their city), largest first."""
    if df.empty:
        return pd.DataFrame(columns=["municipality_code", "name", "bureau_code", "persons"])
    values = overlay.rollup(df, "persons", "municipality")
    m = reference.municipalities().set_index("code")
    out = pd.DataFrame({"municipality_code": list(values), "persons": list(values.values())})
    out["name"] = out["municipality_code"].map(m[i18n.col("name", lang)])
    out["bureau_code"] = out["municipality_code"].map(m["bureau_code"])
    out["persons"] = out["persons"].astype("int64")
    return out.sort_values(
        ["persons", "municipality_code"], ascending=[False, True], ignore_index=True
    )


@overlay.overlay_page("evacuees", "evacuees")
def page(ctx: session.Context, items: overlay.PageItems) -> dict:
    """避難者: by municipality at a month, monthly trend, prefecture of origin."""
    lang, s = ctx.lang, ctx.state
    months = overlay.evacuee_months()
    rng = month_range(s, months)
    c_months, c_by = st.columns([3, 2])
    if rng is None:
        st.info(t("chart.no_data", lang))
        return {"rows": 0}
    with c_months:
        if len(months) > 1:
            widgets.bound_widget(
                st.select_slider,
                "months",
                t("ov.evacuees.months", lang),
                options=list(months),
                format_func=lambda v: month_text(v, lang),
                to_widget=lambda st_: month_range(st_, months),
                from_widget=lambda st_, v: replace(
                    st_,
                    month_from=None if v[0] == months[0] else v[0],
                    month_to=None if v[1] == months[-1] else v[1],
                ),
            )
    with c_by:
        level = overlay.map_by_control(ctx, ("municipality", "bureau"))
    lo, hi = rng
    excluded = overlay.theme_excludes(s.theme_ids, "evacuees")
    if excluded:
        overlay.theme_excluded_notice(ctx, "evacuees")
    filters = tuple(sorted(overlay.page_filters(s, "evacuees").items()))
    df = cached.table("evacuees", filters)
    # the document's own figure first (約2,500名), beside the (sample) breakdown below
    is_sample = bool(df.get("is_sample", pd.Series(dtype=bool)).any())
    shown_doc = document.document_figures(ctx, ("evacuees",), sample=is_sample)
    if is_sample and not shown_doc.empty:
        # where the sample puts the document's figure: the document's own time (約4年後)
        st.caption(
            t(
                "doc.evacuees_sample_time",
                lang,
                figure=content.figure_text(shown_doc.iloc[0], lang),
                years=sample.DOCUMENT_YEARS_AFTER,
                month=month_text(sample.EVACUEE_ANCHOR_MONTH, lang),
                fy=fy_text(int(shown_doc["fiscal_year"].iloc[0]), lang),
            )
        )
    at_end = evacuees_at_cached(filters, hi)
    at_start = evacuees_at_cached(filters, lo)
    when = t("ov.as_of_month", lang, month=month_text(hi, lang))
    c1, c2, c3 = st.columns(3)
    with c1:
        value = int(at_end["persons"].sum())
        delta = (
            format_delta(value - int(at_start["persons"].sum()), "人", lang) if lo != hi else None
        )
        st.metric(
            t("metric.evacuees", lang),
            format_number(None if excluded else value, "人", lang),
            delta=delta if delta and not delta.startswith("±") else None,
            delta_color="off",
            border=True,
        )
        st.caption(
            when
            + (
                " · " + t("ov.change_since", lang, delta=delta, month=month_text(lo, lang))
                if delta
                else ""
            )
        )
    by_muni = evacuees_by_municipality(at_end, lang)
    overlay.headline(
        c2, t("ov.evacuees.municipalities", lang),
        None if excluded else int((by_muni["persons"] > 0).sum()), "市町村", lang, when=when,
    )  # fmt: skip
    by_pref = evacuees_by_prefecture(at_end, lang)
    top = by_pref.iloc[0] if len(by_pref) else None
    with c3:
        st.metric(
            t("ov.evacuees.top_prefecture", lang),
            f"{top['prefecture']} {format_number(top['persons'], '人', lang)}"
            if top is not None and not excluded
            else MISSING,
            border=True,
        )
        st.caption(when)
    overlay.source_caption(df, lang)
    overlay.muni_notice(ctx)
    # the map: persons at the last month of the range
    values = overlay.rollup(at_end, "persons", level)
    for code in area_codes_in(level, None, None):
        values.setdefault(code, 0.0)
    figs = AreaFigures(
        level=level,
        values=values,
        unit_ja="人",
        unit_en="persons",
        when_ja=t("ov.as_of_month", "ja", month=month_text(hi, "ja")),
        when_en=t("ov.as_of_month", "en", month=month_text(hi, "en")),
        source_ja=overlay.source_of(at_end, "ja"),
        source_en=overlay.source_of(at_end, "en"),
        is_sample=overlay.has_sample(at_end),
        selected=area_codes_in(level, s.region_code, s.bureau_code)
        if (s.bureau or s.region)
        else None,
    )
    deck, _ = overlay.choropleth_section(
        ctx, page="evacuees", metric="evacuees", figs=None if excluded else figs, level=level
    )

    monthly = evacuees_monthly(df)
    col_trend, col_pref = st.columns([3, 2])
    with col_trend:
        if monthly.empty:
            st.info(t("chart.no_data", lang))
        else:
            title = t(
                "chart.trend",
                lang,
                metric=t("metric.evacuees", lang),
                unit=figures.unit_text("人", lang),
                where=cards.where_text(ctx),
                when=f"{month_text(lo, lang)}–{month_text(hi, lang)}",
            )
            items.chart(
                trend_line(monthly, x="month", y="persons", title=title, unit="人", lang=lang),
                "rm.chart.evacuees_trend",
            )
    with col_pref:
        if not by_pref.empty:
            title = t(
                "ov.evacuees.by_prefecture", lang, unit=figures.unit_text("人", lang),
                where=cards.where_text(ctx), when=when,
            )  # fmt: skip
            items.chart(
                ranked_bar(
                    by_pref, label="prefecture", value="persons", title=title, unit="人", lang=lang
                ),
                "rm.chart.evacuees_pref",
            )
    overlay.source_caption(df, lang)
    st.subheader(t("ov.evacuees.table", lang, when=when))
    shown = by_muni.assign(
        bureau=[overlay.area_name_of(c, "bureau", lang) for c in by_muni["bureau_code"]]
    )
    items.rows_table(
        shown,
        {
            "name": t("level.municipality", lang),
            "bureau": t("level.bureau", lang),
            "persons": t("col.persons", lang),
        },
        "rm.table.evacuees",
        lang,
        when,
        sources=at_end,
    )
    overlay.close_page(ctx, "evacuees", "evacuees", items, sample=overlay.has_sample(df))
    return {"rows": len(shown), "deck": deck, "months": (lo, hi), "figures": figs}
