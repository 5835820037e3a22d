"""The bureau page (振興局): an area's summary, its map, its municipalities' figures and its
policy items."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from regionmap import content, figures, i18n, reference
from regionmap import state as state_mod
from regionmap.db import indicators
from regionmap.i18n import fy_text, t
from regionmap.maps.areas import northern_territories
from regionmap.plaintext import plain, shown_frame
from regionmap.render.charts import trend_html, trend_line
from regionmap.style import format_number
from regionmap.ui.cached import by_db_version, table
from regionmap.ui.components import downloads, mapview, widgets
from regionmap.ui.components.cards import data_table, proposal_expander, theme_covers, where_text
from regionmap.ui.components.document import BASIS_COLUMN, basis_help, with_basis
from regionmap.ui.components.notices import sample_notice
from regionmap.ui.components.widgets import area_label, area_value
from regionmap.ui.session import Context

# --- bureau page -----------------------------------------------------------------------


def page(ctx: Context) -> None:
    """Lay out the bureau page: the area's summary, its map, its municipalities' figures,
    its policy items and the downloads (the handout among them)."""
    st.title(ctx.t("page.bureau") + " — " + where_text(ctx))
    if not (ctx.state.bureau or ctx.state.region):
        st.info(ctx.t("bureau.pick_prompt"))
    area_summary(ctx)
    widgets.metric_controls(ctx, level=False)
    mapview.area_map(ctx, page="bureau")
    municipality_figures(ctx)
    items = area_items(ctx)
    downloads.downloads(ctx, page="bureau", charts=items["charts"], tables=items["tables"])


def area_summary(ctx: Context) -> None:
    """Facts of the selected bureau (kind, seat, municipalities, region) or region (bureaus)."""
    s, lang = ctx.state, ctx.lang
    if s.bureau:
        b = reference.bureaus().set_index("bureau_id").loc[s.bureau]
        r = reference.regions().set_index("region_code").loc[b["region_code"]]
        parts = [
            str(b[i18n.col("kind", lang)]),
            t("bureau.seat", lang, seat=b[i18n.col("seat", lang)]),
            t("bureau.municipalities", lang, n=int(b["municipality_count"])),
            t("bureau.region_of", lang, region=r[i18n.col("name", lang)]),
        ]
        st.markdown(i18n.join(parts, lang, sep="dot"))
    elif s.region:
        b = reference.bureaus()
        members = b.loc[b["region_code"] == s.region_code]
        names = members[i18n.col("name", lang)]
        n = int(members["municipality_count"].sum())
        st.markdown(
            t(
                "bureau.bureaus_of",
                lang,
                bureaus=i18n.join(names, lang),
            )
            + i18n.punct("dot", lang)
            + t("bureau.municipalities", lang, n=n)
        )


def _filters(ctx: Context, **extra: Any) -> tuple[tuple[str, Any], ...]:
    """The state's filters (:func:`regionmap.state.query_filters`) and ``extra``, as
    sorted items for :func:`table`."""
    out = {**state_mod.query_filters(ctx.state), **extra}
    return tuple(sorted(out.items()))


def municipality_figures(ctx: Context) -> None:
    """Figures of the municipality clicked on the map (``muni`` in the state)."""
    s, lang = ctx.state, ctx.lang
    if not ctx.ready.database or not (s.bureau or s.region):
        return
    widgets.municipality_select(ctx)
    if not s.muni:
        st.caption(t("bureau.municipality.none", lang))
        return
    m = reference.municipalities().set_index("code")
    name = str(m.loc[s.muni, i18n.col("name", lang)]) if s.muni in m.index else s.muni
    df = table("municipality_summary", (("code", s.muni), ("fiscal_year", s.fiscal_year)))
    st.subheader(t("bureau.municipality", lang, name=name))
    # only the figures that exist per municipality are the town's own; a theme that does
    # not cover one shows "—" and says so (never 0)
    own = df[df["metric"].isin(figures.ids(level="municipality"))]
    # the Northern Territories villages carry no figures (the map draws them grey)
    northern = s.muni in northern_territories()
    rows = []
    for _, r in own.iterrows():
        covered = theme_covers(str(r["metric"]), s.theme_ids)
        value = format_number(
            r["value"] if covered and not northern else None, r[i18n.col("unit", lang)], lang
        )
        if northern:
            value = i18n.punct(
                "report.when_what", lang, when=value, what=t("bureau.municipality.northern", lang)
            )
        elif not covered:
            value = i18n.punct(
                "report.when_what", lang, when=value, what=t("fig.not_in_theme", lang)
            )
        rows.append(
            {
                t("filter.metric", lang): r[i18n.col("label", lang)],
                t("bureau.municipality.value", lang): value,
                t("filter.fy", lang): fy_text(r["fiscal_year"], lang)
                if pd.notna(r["fiscal_year"])
                else "",
                t("fig.source", lang, source="").rstrip("：: "): r[i18n.col("source", lang)],
            }
        )
    st.dataframe(
        shown_frame(pd.DataFrame(rows)), hide_index=True, width="stretch", key="rm.table.muni"
    )
    per_bureau = [figures.get(f).label(lang) for f in figures.ids(origin="document")]
    # the area of the tabs below: the selected bureau, or the selected region
    st.caption(
        t(
            "bureau.municipality.per_bureau",
            lang,
            figures=i18n.join(per_bureau, lang),
            area=area_label(area_value(s), lang).strip("\u3000 "),
        )
    )
    # the sample notice only where a sample figure is shown (not under "—")
    shown = own[[theme_covers(str(m), s.theme_ids) for m in own["metric"]]]
    if shown["is_sample"].any() and not northern:
        sample_notice(lang)
    if not northern:
        municipality_indicators(s.muni, name, lang)


#: The ministry's figures a municipality's panel charts over time (the capacity to pay its
#: way, and the debt the law watches with its 25 % and 35 %).
PANEL_INDICATORS: tuple[str, ...] = ("fiscal_capability", "real_debt_service_ratio")


def municipality_indicators(code: str, name: str, lang: str) -> None:
    """A municipality's fiscal indicators over the ministry's editions (FY2005–FY2021), each
    with its legal thresholds, and the ministry's credit."""
    series = indicator_series_cached(code)
    credit = ""
    for col, fid in zip(st.columns(len(PANEL_INDICATORS)), PANEL_INDICATORS, strict=True):
        fig = figures.get(fid)
        df = series[series["figure"] == fid]
        if df.empty:
            continue
        years = df["fiscal_year"]
        title = t(
            "chart.trend",
            lang,
            metric=t("metric." + fid, lang),
            unit=str(df[i18n.col("unit", lang)].iloc[0]),
            where=name,
            when=t("fig.fy_range", lang, fy_from=int(years.min()), fy_to=int(years.max())),
        )
        thresholds = [(th.value_for(code), th.label(lang)) for th in fig.thresholds]
        with col:  # inline SVG: the bureau page loads no chart library (issue #25)
            st.html(
                trend_html(
                    df,
                    x="fiscal_year",
                    y="value",
                    title=title,
                    unit=str(df[i18n.col("unit", lang)].iloc[0]),
                    lang=lang,
                    decimals=fig.decimals,
                    thresholds=thresholds,
                )
            )
        credit = str(df[i18n.col("credit", lang)].iloc[0])
    if credit:
        st.caption(credit)


@by_db_version(max_entries=64)
def indicator_series_cached(code: str, *, db_version: str) -> pd.DataFrame:
    """:func:`regionmap.db.indicators.indicator_series` of the panel's figures, cached."""
    return indicators.indicator_series(code, PANEL_INDICATORS)


#: The tabs' tables of policy items shown with their basis: table → (the theme and item
#: columns :func:`with_basis` reads, the columns shown → their catalogue key, widget key).
_BASIS_TABLES: dict[str, tuple[tuple[str, str], dict[str, str], str]] = {
    "priority_projects": (
        ("direction_theme_id", "project_id"),
        {"title": "col.project", "region_name": "col.region", "direction_name": "col.direction"},
        "rm.table.pp",
    ),
    "bureau_projects": (
        ("bureau_code", "item_id"),
        {"bureau_name": "col.bureau", "text": "col.bureau_project"},
        "rm.table.bp",
    ),
}


def _basis_table(ctx: Context, name: str) -> pd.DataFrame:
    """The area's items of ``name`` (:data:`_BASIS_TABLES`) under their selection label, as a
    table with the basis of each row; returns what is shown."""
    lang = ctx.lang
    basis_keys, columns, key = _BASIS_TABLES[name]
    df = table(name, _filters(ctx))
    st.caption(content.selection_label(name, lang, n=len(df)))
    df = with_basis(df, name, *basis_keys, lang)
    basis_col = t("basis.col", lang)
    shown = {i18n.col(c, lang): t(k, lang) for c, k in columns.items()}
    return data_table(
        df,
        {**shown, BASIS_COLUMN: basis_col},
        key=key,
        column_help={basis_col: basis_help(lang)},
    )


def area_items(ctx: Context) -> dict[str, dict[str, Any]]:
    """The selected area's policy items and figures as tabs of tables and charts.

    Returns ``{"tables": {id: frame}, "charts": {id: figure}}`` as shown, for
    :func:`downloads`.
    """
    s, lang = ctx.state, ctx.lang
    shown: dict[str, dict[str, Any]] = {"tables": {}, "charts": {}}
    if not ctx.ready.database or not (s.bureau or s.region):
        return shown
    tabs = st.tabs(
        [
            content.selection_label("priority_projects", lang),
            content.selection_label("proposals", lang),
            content.selection_label("bureau_projects", lang),
            t("bureau.dispatches", lang),
            t("bureau.sites", lang),
            t("bureau.evacuees", lang),
        ]
    )
    any_sample = False
    with tabs[0]:
        shown["tables"]["priority_projects"] = _basis_table(ctx, "priority_projects")
    with tabs[1]:
        df = table("proposals", _filters(ctx))
        st.caption(content.selection_label("proposals", lang, n=len(df)))
        st.caption(t("basis.footnote", lang))
        # the basis of a proposal's pillar: the judgements file's, as on the proposals page
        inferred = content.basis_label(content.basis("proposals", "pillar_theme_id") or "", lang)
        for _, row in df.iterrows():
            with proposal_expander(row, lang):
                pillar = str(row.get(i18n.col("pillar_name", lang), ""))
                basis = t("basis.col", lang) + i18n.punct("colon", lang) + inferred
                st.caption(i18n.punct("with_note", lang, text=plain(pillar), note=basis))
                st.caption(content.measures_label(lang))
                measures = row.get("measures")
                if isinstance(measures, list) and measures:
                    st.dataframe(
                        shown_frame(pd.DataFrame(measures))[
                            [i18n.col("department", lang), i18n.col("text", lang)]
                        ].rename(
                            columns={
                                i18n.col("department", lang): t("col.department", lang),
                                i18n.col("text", lang): t("col.measure", lang),
                            }
                        ),
                        hide_index=True,
                        width="stretch",
                    )
    with tabs[2]:
        shown["tables"]["bureau_projects"] = _basis_table(ctx, "bureau_projects")
        st.caption(t("basis.footnote", lang))
    with tabs[3]:
        df = table(
            "dispatches",
            _filters(ctx, fiscal_year_from=s.fy_span[0], fiscal_year_to=s.fy_span[1]),
        )
        any_sample |= bool(df.get("is_sample", pd.Series(dtype=bool)).any())
        st.caption(t("bureau.rows", lang, n=len(df)))
        shown["tables"]["dispatches"] = data_table(
            df,
            {
                "fiscal_year": t("col.fiscal_year", lang),
                i18n.col("municipality_name", lang): t("col.municipality", lang),
                i18n.col("kind", lang): t("col.kind", lang),
                "persons": t("col.persons", lang),
            },
            key="rm.table.dispatch",
        )
    with tabs[4]:
        df = table("sites", _filters(ctx, fiscal_year=s.fiscal_year))
        any_sample |= bool(df.get("is_sample", pd.Series(dtype=bool)).any())
        st.caption(t("bureau.rows", lang, n=len(df)))
        shown["tables"]["sites"] = data_table(
            df,
            {
                i18n.col("name", lang): t("col.site", lang),
                i18n.col("municipality_name", lang): t("col.municipality", lang),
                i18n.col("kind", lang): t("col.kind", lang),
                "start_fy": t("col.start_fy", lang),
            },
            key="rm.table.sites",
        )
    with tabs[5]:
        df = table("evacuees", _filters(ctx))
        any_sample |= bool(df.get("is_sample", pd.Series(dtype=bool)).any())
        if df.empty:
            st.info(t("chart.no_data", lang))
        else:
            monthly = df.groupby("month", as_index=False)["persons"].sum()
            monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m")
            unit = str(df[i18n.col("unit", lang)].iloc[0])
            title = t(
                "chart.trend",
                lang,
                metric=t("metric.evacuees", lang),
                unit=unit,
                where=where_text(ctx),
                when=f"{monthly['month'].iloc[0]}–{monthly['month'].iloc[-1]}",
            )
            # an inline SVG, not a plotly chart: the bureau page loads no chart library in
            # the browser (issue #25); the plotly figure is the chart's PNG download
            st.html(trend_html(monthly, x="month", y="persons", title=title, unit=unit, lang=lang))
            fig = trend_line(monthly, x="month", y="persons", title=title, unit=unit, lang=lang)
            shown["charts"]["evacuees"] = fig
            shown["tables"]["evacuees"] = monthly
    if any_sample:
        sample_notice(lang)
    return shown
