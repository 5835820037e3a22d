"""The priority-projects page (地域重点プロジェクト)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regionmap import i18n, reference
from regionmap.i18n import t
from regionmap.plaintext import shown_frame
from regionmap.ui import overlay, session

# ===========================================================================================
# 3. Priority projects
# ===========================================================================================


def projects_by_region_direction(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Counts of projects: one row per region, one column per direction, and a total."""
    if df.empty:
        return pd.DataFrame()
    regions = reference.regions().sort_values("sort_order")
    names = regions.set_index("region_code")[i18n.col("name", lang)]
    table = pd.crosstab(df["region_code"], df[i18n.col("direction_name", lang)])
    table = table.reindex([c for c in regions["region_code"] if c in table.index])
    table[t("ov.total", lang)] = table.sum(axis=1)
    table.index = [str(names.get(c, c)) for c in table.index]
    table.index.name = t("level.region", lang)
    return table.reset_index()


@overlay.overlay_page("projects")
def projects_page(ctx: session.Context, items: overlay.PageItems) -> dict:
    """地域重点プロジェクト: projects by region and direction, filtered by theme, with bureaus."""
    lang = ctx.lang
    df, when = overlay.document_items(ctx, "priority_projects")
    c1, c2, c3 = st.columns(3)
    overlay.headline(c1, t("metric.priority_projects", lang), len(df), "件", lang, when=when)
    named = int(df["bureau_code"].notna().sum()) if len(df) else 0
    overlay.headline(c2, t("ov.projects.named", lang), named, "件", lang, when=when)
    overlay.headline(
        c3,
        t("ov.projects.regions", lang),
        df["region_code"].nunique() if len(df) else 0,
        "",
        lang,
        when=t("ov.of_six_regions", lang),
    )
    overlay.source_caption(df, lang)
    if df.empty:
        st.info(t("ov.no_match", lang, what=t("metric.priority_projects", lang)))
    level = overlay.map_by_control(ctx, ("region", "bureau"))
    figs = overlay.metric_figures(ctx, "priority_projects", level, None)
    deck, _ = overlay.choropleth_section(
        ctx, page="projects", metric="priority_projects", figs=figs, level=level
    )
    if level == "bureau":
        st.caption(t("ov.projects.bureau_note", lang))
    st.subheader(t("ov.projects.by_region_direction", lang, when=when))
    pivot = projects_by_region_direction(df, lang)
    if not pivot.empty:
        st.dataframe(shown_frame(pivot), hide_index=True, width="stretch", key="rm.table.pp_pivot")
    st.subheader(t("ov.projects.list", lang))
    shown = df.copy()
    if len(shown):
        shown["bureau_shown"] = shown[i18n.col("bureau_name", lang)].fillna(
            t("ov.projects.region_wide", lang)
        )
        shown["themes_shown"] = [
            overlay.theme_names(ctx, str(v).split(";")) if isinstance(v, str) else ""
            for v in shown["theme_ids"]
        ]
    items.rows_table(
        shown,
        {
            i18n.col("title", lang): t("col.project", lang),
            i18n.col("region_name", lang): t("level.region", lang),
            "bureau_shown": t("level.bureau", lang),
            i18n.col("direction_name", lang): t("ov.col.direction", lang),
            "themes_shown": t("filter.themes", lang),
        },
        "rm.table.projects",
        lang,
        when,
        sources=df,
    )
    overlay.close_page(ctx, "projects", "priority_projects", items)
    return {"rows": len(df), "deck": deck, "figures": figs}
