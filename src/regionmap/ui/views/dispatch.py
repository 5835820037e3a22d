"""The staff-dispatch page (職員派遣): by municipality, kind and fiscal year; trend; map."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from regionmap import content, figures, i18n
from regionmap.i18n import CATALOG, fy_text, t
from regionmap.style import MISSING, format_delta, format_number
from regionmap.ui import session
from regionmap.ui.components import cards, document, overlay

# ===========================================================================================
# 4. Staff dispatch
# ===========================================================================================


def dispatch_trend(df: pd.DataFrame) -> pd.DataFrame:
    """Persons by fiscal year and kind (every year of the frame)."""
    if df.empty:
        return pd.DataFrame(columns=["fiscal_year", "kind", "persons"])
    return df.groupby(["fiscal_year", "kind"], as_index=False)["persons"].sum()


def dispatch_summary(df: pd.DataFrame, fiscal_year: int) -> dict:
    """Persons, municipalities (new/continuing) of one fiscal year, and the year before."""
    cur = df[df["fiscal_year"] == fiscal_year]
    prev = df[df["fiscal_year"] == fiscal_year - 1]
    status = cur.drop_duplicates("municipality_code")["status"] if len(cur) else pd.Series()
    return {
        "persons": int(cur["persons"].sum()),
        "previous": int(prev["persons"].sum()) if len(prev) else None,
        "municipalities": int(cur["municipality_code"].nunique()),
        "continuing": int((cur["status"] == "continuing").sum()),
        "new": int((cur["status"] == "new").sum()),
        "rows": len(cur),
        "has_status": bool(len(status)),
    }


def breakdown_explained(doc: pd.DataFrame, df: pd.DataFrame, fiscal_year: int, lang: str) -> str:
    """Why the breakdown's count of municipalities is not the document's: the document's
    first dispatch figure (地域振興派遣 42市町村) counts one kind, the cards every kind; with
    the breakdown's own count of that kind (``df``: the page's rows, every year)."""
    first = doc.iloc[0]
    rows = df[(df["fiscal_year"] == fiscal_year) & (df["kind"] == first["kind"])]
    regional = int(rows["municipality_code"].nunique())
    return t(
        "ov.dispatch.breakdown_explained",
        lang,
        doc=format_number(int(first["value"]), str(first["unit_ja"]), lang),
        kind=content.figure_label(first, lang),
        own=format_number(regional, "市町村", lang),
    )


@overlay.overlay_page("dispatch", "dispatch")
def page(ctx: session.Context, items: overlay.PageItems) -> dict:
    """職員派遣: by municipality, kind and fiscal year; trend; choropleth."""
    lang, s = ctx.lang, ctx.state
    kinds = overlay.dispatch_kinds()
    c_kind, c_by = st.columns([3, 2])
    with c_kind:
        kind = overlay.kind_filter(ctx, kinds, "ov.dispatch.kind")
    with c_by:
        level = overlay.map_by_control(ctx, ("municipality", "bureau"))
    fy = overlay.fy_for(ctx, "dispatch")
    if s.fiscal_year is not None and s.fiscal_year != fy:
        st.caption(t("ov.fy_not_available", lang, fy=s.fiscal_year, shown=fy_text(fy, lang)))
    excluded = overlay.theme_excludes(s.theme_ids, "dispatch")
    if excluded:
        overlay.theme_excluded_notice(ctx, "dispatch")
    all_years = overlay.frame("dispatches", overlay.page_filters(s, "dispatches"))
    sample = overlay.has_sample(all_years)
    # the document's own figures first (42市町村 …), then the (sample) breakdown, apart
    shown_doc = document.document_figures(ctx, ("dispatch",), sample=sample)
    when = fy_text(fy, lang)
    # a theme that covers nothing of the figure: "—" on every card, never 0
    summary = dispatch_summary(all_years, fy) if fy and not excluded else {}
    zero = None if excluded else 0
    marked = functools.partial(i18n.sample_marked, lang=lang) if sample else str
    kinds_shown = i18n.pick(kinds[kind], lang) if kind else t("ov.dispatch.all_kinds", lang)
    st.markdown(
        "**" + marked(t("ov.dispatch.breakdown_heading", lang, kinds=kinds_shown, when=when)) + "**"
    )
    if fy and not kind and not shown_doc.empty and summary:
        # the document counts regional development dispatch only; these cards every kind
        st.caption(breakdown_explained(shown_doc, all_years, fy, lang))
    else:
        # the same number of elements above the map whatever the kind: Streamlit keeps the
        # map (and the boundaries it fetched) only while its place on the page stays
        st.empty()
    c1, c2, c3 = st.columns(3)
    with c1:
        delta = None
        if summary.get("previous") is not None:
            delta = format_delta(summary["persons"] - summary["previous"], "人", lang)
        st.metric(
            marked(t("metric.dispatch", lang)),
            format_number(summary.get("persons", zero), "人", lang),
            delta=delta if delta and not delta.startswith("±") else None,
            delta_color="off",
            border=True,
        )
        st.caption(
            when
            + " · "
            + (t("fig.change", lang, delta=delta) if delta else t("fig.no_previous", lang))
        )
    overlay.headline(
        c2, marked(t("ov.dispatch.municipalities", lang)), summary.get("municipalities", zero),
        "市町村", lang, when=when,
    )  # fmt: skip
    with c3:
        st.metric(
            marked(t("ov.dispatch.continuing_new", lang)),
            MISSING if excluded else f"{summary.get('continuing', 0)} / {summary.get('new', 0)}",
            border=True,
            help=t(
                "ov.dispatch.continuing_new.value",
                lang,
                cont=summary.get("continuing", 0),
                new=summary.get("new", 0),
            ),
        )
        st.caption(when + " · " + t("ov.dispatch.rows_unit", lang))
    overlay.source_caption(all_years, lang)
    overlay.muni_notice(ctx)
    figs = overlay.metric_figures(ctx, "dispatch", level, fy, kind)
    deck, _ = overlay.choropleth_section(
        ctx, page="dispatch", metric="dispatch", figs=figs, level=level
    )

    trend = dispatch_trend(all_years)
    if trend.empty:
        st.info(t("chart.no_data", lang))
    else:
        years = trend["fiscal_year"]
        title = t(
            "chart.trend",
            lang,
            metric=t("metric.dispatch", lang) + t("ov.by_kind", lang),
            unit=figures.unit_text("人", lang),
            where=cards.where_text(ctx),
            when=t("fig.fy_range", lang, fy_from=int(years.min()), fy_to=int(years.max())),
        )
        title = marked(title)
        fig = overlay.stacked_bar(
            trend,
            x="fiscal_year",
            y="persons",
            category="kind",
            labels={k: i18n.pick(v, lang) for k, v in kinds.items()},
            order=list(kinds),
            title=title,
            unit="人",
            lang=lang,
        )
        items.chart(fig, "rm.chart.dispatch_trend")
        overlay.source_caption(all_years, lang)

    rows = all_years[all_years["fiscal_year"] == fy] if fy else all_years.iloc[0:0]
    rows = rows.assign(
        status_shown=[
            (t(f"data.status.{v}", lang) if f"data.status.{v}" in CATALOG else v)
            if isinstance(v, str)
            else ""
            for v in rows["status"]
        ]
    )
    st.subheader(t("ov.dispatch.table", lang, when=when))
    items.rows_table(
        rows,
        {
            "fiscal_year": t("filter.fy", lang),
            i18n.col("municipality_name", lang): t("level.municipality", lang),
            i18n.col("bureau_name", lang): t("level.bureau", lang),
            i18n.col("kind", lang): t("col.kind", lang),
            "persons": t("col.persons", lang),
            "status_shown": t("ov.col.status", lang),
        },
        "rm.table.dispatch",
        lang,
        when,
    )
    overlay.close_page(ctx, "dispatch", "dispatch", items, sample=overlay.has_sample(all_years))
    return {"rows": len(rows), "deck": deck, "figures": figs, "fiscal_year": fy}
